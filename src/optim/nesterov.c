/* nesterov.c - Nesterov momentum in PyTorch's form (SGD with nesterov=True,
 * dampening 0), doc/theory.md section 8.1: with the momentum buffer b kept
 * as the type's state, in gradient units as PyTorch keeps it,
 *     b' = mu b + g,  v' = -eta (g + mu b') = -eta ((1 + mu) g + mu^2 b),
 *     theta' = theta + v'.
 * (theta, v) is not a Markov chain here (v' needs b, not only v), so the
 * type is not heavy-ball, its linear map is on (x, u) with u = -eta b the
 * buffer in parameter units, and its first relation carries the noisy
 * squared gradient besides <|v|^2>. The dissipation of FDR2 needs
 * <grad f . b>, which the engine does not measure: the type has none. */
#include "optim/optim.h"

static int nesterov_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    (void)p, (void)lr, (void)mu, (void)eta_b;
    return 0;
}

static void nesterov_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                                  size_t lr_stride, double *v, const double *g, const double *z,
                                  double *w, double *state)
{
    double mu = p->momentum;
    for (size_t r = 0; r < n; r++) {
        double eta = lr[r * lr_stride];
        double *vr = v + r * d, *br = state + r * d;
        const double *gr = g + r * d, *zr = z ? z + r * d : NULL;
        double *wr = z && w ? w + r * d : NULL;
        for (size_t i = 0; i < d; i++) {
            double gi = zr ? gr[i] + zr[i] : gr[i];
            if (wr)
                wr[i] = -eta * ((1 + mu) * gr[i] + mu * mu * br[i]);
            br[i] = mu * br[i] + gi;
            vr[i] = -eta * (gi + mu * br[i]);
        }
    }
}

/* The factor of <|v|^2> in <theta . grad f> = c <|v|^2> + k <|g|^2>:
 * c = (1 + mu) / (2 eta (1 + mu - mu^2)), doc/theory.md section 8.1. */
static double nesterov_fdr1_factor(const fdr_optim_params *p, double lr)
{
    double mu = p->momentum;
    return (1 + mu) / (2 * lr * (1 + mu - mu * mu));
}

/* k = -eta mu (1 + 2 mu) / (2 (1 + mu - mu^2)): the same section. */
static double nesterov_fdr1_gradient_factor(const fdr_optim_params *p, double lr)
{
    double mu = p->momentum;
    return -lr * mu * (1 + 2 * mu) / (2 * (1 + mu - mu * mu));
}

/* The noise-free step -eta ((1 + mu) grad f + mu^2 b) puts <grad f . b> in
 * the dissipation: no combination of <|grad f|^2> and <v . grad f>. */
static int nesterov_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    (void)p, (void)lr, (void)c;
    return 0;
}

/* The limits' k_G is the dissipation's, which the type does not have. */
static int nesterov_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    (void)p, (void)k;
    return 0;
}

/* With a = eta h and u = -eta b: u' = mu u - eta (h x + xi) and
 * x' = x + v', v' = mu^2 u - (1 + mu) eta (h x + xi), so
 * A = [[1 - (1 + mu) a, mu^2], [-a, mu]] and b = (-(1 + mu) eta, -eta). */
static int nesterov_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                               double b[2])
{
    double mu = p->momentum, a = lr * h;
    A[0] = 1 - (1 + mu) * a;
    A[1] = mu * mu;
    A[2] = -a;
    A[3] = mu;
    b[0] = -(1 + mu) * lr;
    b[1] = -lr;
    return 1;
}

/* A direction's block has characteristic polynomial lambda^2 - (1 + mu -
 * (1 + mu) a) lambda + mu (1 - a). By the Jury criterion it is stable iff
 * a > 0, (1 + 2 mu) a < 2 (1 + mu) and |mu (1 - a)| < 1; for 0 <= mu < 1
 * the last follows from the second, since 2 (1 + mu) / (1 + 2 mu) < 1 +
 * 1 / mu. The supremum is 2 (1 + mu) / ((1 + 2 mu) hmax); none for hmin
 * <= 0, for mu outside [0, 1) or for a dampening (PyTorch refuses one with
 * nesterov, and the update above has none). */
static double nesterov_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    double mu = p->momentum;
    if (!(hmin > 0) || !(mu >= 0 && mu < 1) || p->dampening != 0)
        return 0;
    return 2 * (1 + mu) / ((1 + 2 * mu) * hmax);
}

const fdr_optimizer_type fdr_optim_nesterov = {
    .name = "nesterov",
    .summary = "Nesterov momentum, PyTorch's form (nesterov=True, dampening 0)",
    .state_size = 1,
    .undamped = 1,
    .needs_momentum = 1, /* as PyTorch refuses nesterov=True without momentum */
    .own_map_state = 1,
    .native = FDR_CONVENTION_PYTORCH, /* its state is PyTorch's buffer, in gradient units */
    .heavy_ball = nesterov_heavy_ball,
    .update_block = nesterov_update_block,
    .fdr1_factor = nesterov_fdr1_factor,
    .fdr1_gradient_factor = nesterov_fdr1_gradient_factor,
    .dissipation = nesterov_dissipation,
    .small_lr = nesterov_small_lr,
    .linear_map = nesterov_linear_map,
    .max_stable_lr = nesterov_max_stable_lr,
};
