/* rmsprop.c - RMSprop as PyTorch's torch.optim.RMSprop defines it (weight
 * decay is the landscape's weight_decay), doc/theory.md section 8.3. For
 * gradient g, coordinate-wise:
 *     s' = alpha s + (1 - alpha) g^2,
 *     centered only: a' = alpha a + (1 - alpha) g, and s' below is read as
 *     s' - a'^2,
 *     q = sqrt(s') + eps,
 *     momentum mu > 0: b' = mu b + g / q, v' = -lr b'; else v' = -lr g / q.
 * The state holds, per replica and coordinate, s, a and b: component k of
 * a block of n replicas starts at state + k n d.
 *
 * With P = diag(1 / q) this is v' = mu v - lr P' g: the first relation,
 * <theta . grad f> = (1 + mu) / (2 lr) <v^T P^-1 v>, is an identity for a
 * constant P and an approximation here, P^-1 v taken with the q of the
 * step that made v (for mu = 0, P^-1 v = -lr g exactly). */
#include "optim/optim.h"
#include <math.h>

enum { RMS_S, RMS_A, RMS_B };

/* sqrt of the (centred) second moment plus eps: 1 / P. */
static double root(const fdr_optim_params *p, double s, double a)
{
    return sqrt(p->centered ? s - a * a : s) + p->eps;
}

static void rmsprop_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                                 size_t lr_stride, double *v, const double *g, const double *z,
                                 double *w, double *state)
{
    const double al = p->alpha, mu = p->momentum;
    const size_t nd = n * d;
    for (size_t r = 0; r < n; r++) {
        double *S = state + RMS_S * nd + r * d, *A = state + RMS_A * nd + r * d,
               *B = state + RMS_B * nd + r * d;
        double *vr = v + r * d, *wr = z && w ? w + r * d : NULL;
        const double *gr = g + r * d, *zr = z ? z + r * d : NULL;
        const double eta = lr[r * lr_stride];
        for (size_t i = 0; i < d; i++) {
            double gi = zr ? gr[i] + zr[i] : gr[i];
            if (wr) { /* the same step with the noise replaced by 0 */
                double s0 = al * S[i] + (1 - al) * gr[i] * gr[i];
                double q0 = root(p, s0, al * A[i] + (1 - al) * gr[i]);
                wr[i] = -eta * (mu > 0 ? mu * B[i] + gr[i] / q0 : gr[i] / q0);
            }
            S[i] = al * S[i] + (1 - al) * gi * gi;
            if (p->centered)
                A[i] = al * A[i] + (1 - al) * gi;
            double q = root(p, S[i], A[i]);
            if (mu > 0) {
                B[i] = mu * B[i] + gi / q;
                vr[i] = -eta * B[i];
            } else {
                vr[i] = -eta * (gi / q);
            }
        }
    }
}

/* u = P^-1 v = q v with the state of the step that made v (before the
 * first step v = 0, and u = q v = 0 as well). */
static void rmsprop_fdr1_metric(const fdr_optim_params *p, size_t n, size_t d, const double *v,
                                const double *state, double *u)
{
    const size_t nd = n * d;
    for (size_t r = 0; r < n; r++) {
        const double *S = state + RMS_S * nd + r * d, *A = state + RMS_A * nd + r * d,
                     *vr = v + r * d;
        double *ur = u + r * d;
        for (size_t i = 0; i < d; i++)
            ur[i] = root(p, S[i], A[i]) * vr[i];
    }
}

static int rmsprop_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    (void)p, (void)lr, (void)mu, (void)eta_b;
    return 0;
}

/* (1 + mu) / (2 lr): heavy-ball's with eta_b = lr, doc/theory.md section 8.3. */
static double rmsprop_fdr1_factor(const fdr_optim_params *p, double lr)
{
    return (1 + p->momentum) / (2 * lr);
}

/* The noise-free step depends on the state through P: no combination of
 * <|grad f|^2> and <v . grad f>. */
static int rmsprop_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    (void)p, (void)lr, (void)c;
    return 0;
}

static int rmsprop_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    (void)p, (void)k;
    return 0;
}

/* The step is nonlinear in the gradient: no linear map, no exact reference. */
static int rmsprop_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                              double b[2])
{
    (void)p, (void)lr, (void)h, (void)A, (void)b;
    return 0;
}

/* No linear stability limit is known for the nonlinear step (uncentred
 * and without momentum, |g / q| < 1 / sqrt(1 - alpha) at every lr); a
 * direction of curvature <= 0 has no stationary state. */
static double rmsprop_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    (void)p, (void)hmax;
    return hmin > 0 ? HUGE_VAL : 0;
}

const fdr_optimizer_type fdr_optim_rmsprop = {
    .name = "rmsprop",
    .summary = "RMSprop, PyTorch's torch.optim.RMSprop (its FDR1 is an approximation: P moves)",
    .state_size = 3,
    .keys = "alpha eps momentum centered",
    .fdr1_approximate = 1,
    .native = FDR_CONVENTION_PYTORCH, /* the momentum buffer is in gradient units */
    .heavy_ball = rmsprop_heavy_ball,
    .update_block = rmsprop_update_block,
    .fdr1_factor = rmsprop_fdr1_factor,
    .fdr1_metric = rmsprop_fdr1_metric,
    .dissipation = rmsprop_dissipation,
    .small_lr = rmsprop_small_lr,
    .linear_map = rmsprop_linear_map,
    .max_stable_lr = rmsprop_max_stable_lr,
};
