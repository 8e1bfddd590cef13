/* sgd.c - heavy-ball SGD (doc/theory.md section 1):
 *     v' = mu v - eta_b (grad f + xi),  theta' = theta + v',
 *     eta_b = eta (1 - nu),
 * for learning rate eta, momentum mu and dampening nu, with v carried over
 * a change of eta as the convention says (the paper's: unchanged; PyTorch's:
 * scaled by eta_new / eta_old). The one place where this update, its FDR1
 * factor, its FDR2 dissipation, its small-lr limits, its linear map, its
 * stability limit and its carry over a change of lr are written. */
#include "optim/optim.h"
#include <math.h>

static int sgd_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    *mu = p->momentum;
    *eta_b = lr * (1 - p->dampening);
    return 1;
}

static void sgd_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                             size_t lr_stride, double *v, const double *g, const double *z,
                             double *w, double *state)
{
    (void)state;
    for (size_t r = 0; r < n; r++) {
        double mu, eta;
        sgd_heavy_ball(p, lr[r * lr_stride], &mu, &eta);
        double *vr = v + r * d;
        const double *gr = g + r * d;
        if (!z) {
            for (size_t i = 0; i < d; i++)
                vr[i] = mu * vr[i] - eta * gr[i];
            continue;
        }
        /* Noise-free part first, then the noise: the rounding the engine's
         * FDR2 terms rely on (w is exactly v' + eta_b xi). */
        const double *zr = z + r * d;
        double *wr = w ? w + r * d : NULL;
        for (size_t i = 0; i < d; i++) {
            double wi = mu * vr[i] - eta * gr[i];
            vr[i] = wi - eta * zr[i];
            if (wr)
                wr[i] = wi;
        }
    }
}

/* (1 + mu) / (2 eta_b): doc/theory.md section 2. */
static double sgd_fdr1_factor(const fdr_optim_params *p, double lr)
{
    double mu, eta_b;
    sgd_heavy_ball(p, lr, &mu, &eta_b);
    return (1 + mu) / (2 * eta_b);
}

/* The noise-free step is w = mu v - eta_b grad f, so D = eta_b <|grad f|^2>
 * - mu <v . grad f>: doc/theory.md section 3. */
static int sgd_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    double mu, eta_b;
    sgd_heavy_ball(p, lr, &mu, &eta_b);
    c[0] = eta_b;
    c[1] = -mu;
    return 1;
}

/* doc/theory.md section 4: at small lr, H* S_tt + S_tt H* = eta_b C* /
 * (1 - mu) and <v v^T> = eta_b^2 C* / (1 - mu^2), while on the harmonic
 * approximation D = F2 = Tr(H* <v v^T>) / 2. With eta_b = lr (1 - nu):
 * k_theta = (1 - nu) / (2 (1 - mu)), k_G = (1 - nu)^2 / (2 (1 - mu^2)). */
static int sgd_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    double mu = p->momentum, nu = p->dampening;
    k->k_theta = (1 - nu) / (2 * (1 - mu));
    k->k_G = (1 - nu) * (1 - nu) / (2 * (1 - mu * mu));
    k->hessian = "2 (1 - mu^2) / (1 - nu)^2 G / eta -> Tr(H* C*)";
    k->curvature = "(1 + mu) / (1 - nu) G / <theta . grad f> -> Tr(H* C*) / Tr(C*)";
    k->noise_ball = "<f> - f* -> eta (1 - nu) Tr(C*) / (4 (1 - mu))";
    k->intercept =
        "a1 of G = a1 eta + a2 eta^2 + a3 eta^3 -> (1 - nu)^2 / (1 - mu^2) Tr(H* C*) / 2";
    return 1;
}

/* With a = eta_b h: x' = x + v' and v' = mu v - a x - eta_b xi, so
 * A = [[1 - a, mu], [-a, mu]] and b = (-eta_b, -eta_b). */
static int sgd_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                          double b[2])
{
    double mu, eta_b;
    sgd_heavy_ball(p, lr, &mu, &eta_b);
    double a = eta_b * h;
    A[0] = 1 - a;
    A[1] = mu;
    A[2] = -a;
    A[3] = mu;
    b[0] = b[1] = -eta_b;
    return 1;
}

/* A direction's block has characteristic polynomial lambda^2 - (1 + mu - a)
 * lambda + mu; by the Jury criterion it is stable iff |mu| < 1 and
 * 0 < a < 2 (1 + mu), a = eta (1 - nu) h. The supremum is therefore
 * 2 (1 + mu) / ((1 - nu) hmax), and no lr is stable when hmin <= 0 (a
 * direction with a <= 0 has an eigenvalue >= 1), |mu| >= 1 (det A = mu) or
 * nu >= 1 (eta_b <= 0). */
static double sgd_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    double mu = p->momentum, nu = p->dampening;
    if (!(hmin > 0) || !(fabs(mu) < 1) || !(nu < 1))
        return 0;
    return 2 * (1 + mu) / ((1 - nu) * hmax);
}

/* PyTorch's buffer b' = mu b + (1 - nu) g with theta' = theta - lr b' is
 * this update for v = -lr b, except that the buffer carried into a step at
 * a new lr is b = -v / lr_old: v enters as (lr_new / lr_old) v. */
static double sgd_carry(const fdr_optim_params *p, double lr_old, double lr_new)
{
    return p->convention == FDR_CONVENTION_PYTORCH ? lr_new / lr_old : 1;
}

const fdr_optimizer_type fdr_optim_sgd = {
    .name = "sgd",
    .summary = "heavy-ball SGD with momentum and dampening (paper or PyTorch convention)",
    .state_size = 0,
    .heavy_ball = sgd_heavy_ball,
    .update_block = sgd_update_block,
    .fdr1_factor = sgd_fdr1_factor,
    .dissipation = sgd_dissipation,
    .small_lr = sgd_small_lr,
    .linear_map = sgd_linear_map,
    .max_stable_lr = sgd_max_stable_lr,
    .carry = sgd_carry,
};
