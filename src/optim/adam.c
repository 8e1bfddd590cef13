/* adam.c - Adam and AMSGrad as PyTorch's torch.optim.Adam defines them
 * (amsgrad False / True; weight decay is the landscape's weight_decay),
 * doc/theory.md section 8.3. For gradient g at step t = 1, 2, ...:
 *     m' = beta1 m + (1 - beta1) g,   s' = beta2 s + (1 - beta2) g^2,
 *     AMSGrad only: x' = max(x, s'), and s' below is read as x',
 *     v' = -lr m' / (c1 (sqrt(s') / c2 + eps)),
 * coordinate-wise, with c1 = 1 - beta1^t and c2 = sqrt(1 - beta2^t) (both
 * 1 with bias_correction = false). The state holds, per replica and
 * coordinate, m, s, the step count t (as PyTorch keeps one per parameter)
 * and for AMSGrad the running maximum x: component k of a block of n
 * replicas starts at state + k n d.
 *
 * Written as v' = beta1 v - eta_b P g with eta_b = lr (1 - beta1) and
 * P = diag(1 / (c1 (sqrt(s) / c2 + eps))) of the step that made v (which
 * makes P^-1 v = -lr m exactly), the first relation reads <theta . grad f>
 * = (1 + beta1) / (2 eta_b) <v^T P^-1 v> up to <theta^T (P'^-1 - P^-1)
 * theta> / (2 lr): an identity only while P stands still. */
#include "optim/optim.h"
#include <math.h>

enum { ADAM_M, ADAM_S, ADAM_T, ADAM_MAX };

/* The bias corrections c1, c2 at step t. */
static void corrections(const fdr_optim_params *p, double t, double *c1, double *c2)
{
    *c1 = p->bias_correction ? 1 - pow(p->beta1, t) : 1;
    *c2 = p->bias_correction ? sqrt(1 - pow(p->beta2, t)) : 1;
}

static void adam_block(const fdr_optim_params *p, int ams, size_t n, size_t d, const double *lr,
                       size_t lr_stride, double *v, const double *g, const double *z, double *w,
                       double *state)
{
    const double b1 = p->beta1, b2 = p->beta2, eps = p->eps;
    const size_t nd = n * d;
    for (size_t r = 0; r < n; r++) {
        double *M = state + ADAM_M * nd + r * d, *S = state + ADAM_S * nd + r * d,
               *T = state + ADAM_T * nd + r * d, *X = ams ? state + ADAM_MAX * nd + r * d : NULL;
        double *vr = v + r * d, *wr = z && w ? w + r * d : NULL;
        const double *gr = g + r * d, *zr = z ? z + r * d : NULL;
        /* Every coordinate of a replica has taken the same number of steps. */
        double t = T[0] + 1, c1, c2;
        corrections(p, t, &c1, &c2);
        const double step = lr[r * lr_stride] / c1;
        for (size_t i = 0; i < d; i++) {
            double gi = zr ? gr[i] + zr[i] : gr[i];
            if (wr) { /* the same step with the noise replaced by 0 */
                double m0 = b1 * M[i] + (1 - b1) * gr[i], s0 = b2 * S[i] + (1 - b2) * gr[i] * gr[i];
                if (ams)
                    s0 = fmax(X[i], s0);
                wr[i] = -step * m0 / (sqrt(s0) / c2 + eps);
            }
            M[i] = b1 * M[i] + (1 - b1) * gi;
            S[i] = b2 * S[i] + (1 - b2) * gi * gi;
            double s = S[i];
            if (ams)
                s = X[i] = fmax(X[i], S[i]);
            vr[i] = -step * M[i] / (sqrt(s) / c2 + eps);
            T[i] = t;
        }
    }
}

static void adam_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                              size_t lr_stride, double *v, const double *g, const double *z,
                              double *w, double *state)
{
    adam_block(p, 0, n, d, lr, lr_stride, v, g, z, w, state);
}

static void amsgrad_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                                 size_t lr_stride, double *v, const double *g, const double *z,
                                 double *w, double *state)
{
    adam_block(p, 1, n, d, lr, lr_stride, v, g, z, w, state);
}

/* u = P^-1 v = c1 (sqrt(s) / c2 + eps) v with the state of the step that
 * made v; before the first step v = 0 and so is u. */
static void adam_metric(const fdr_optim_params *p, int ams, size_t n, size_t d, const double *v,
                        const double *state, double *u)
{
    const size_t nd = n * d;
    for (size_t r = 0; r < n; r++) {
        const double *S = state + (ams ? ADAM_MAX : ADAM_S) * nd + r * d,
                     *T = state + ADAM_T * nd + r * d, *vr = v + r * d;
        double *ur = u + r * d, c1, c2;
        if (T[0] == 0) {
            for (size_t i = 0; i < d; i++)
                ur[i] = 0;
            continue;
        }
        corrections(p, T[0], &c1, &c2);
        for (size_t i = 0; i < d; i++)
            ur[i] = c1 * (sqrt(S[i]) / c2 + p->eps) * vr[i];
    }
}

static void adam_fdr1_metric(const fdr_optim_params *p, size_t n, size_t d, const double *v,
                             const double *state, double *u)
{
    adam_metric(p, 0, n, d, v, state, u);
}

static void amsgrad_fdr1_metric(const fdr_optim_params *p, size_t n, size_t d, const double *v,
                                const double *state, double *u)
{
    adam_metric(p, 1, n, d, v, state, u);
}

static int adam_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    (void)p, (void)lr, (void)mu, (void)eta_b;
    return 0;
}

/* (1 + beta1) / (2 eta_b), eta_b = lr (1 - beta1): doc/theory.md section 8.3. */
static double adam_fdr1_factor(const fdr_optim_params *p, double lr)
{
    return (1 + p->beta1) / (2 * lr * (1 - p->beta1));
}

/* The noise-free step depends on the state through P: no combination of
 * <|grad f|^2> and <v . grad f>. */
static int adam_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    (void)p, (void)lr, (void)c;
    return 0;
}

static int adam_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    (void)p, (void)k;
    return 0;
}

/* The step is nonlinear in the gradient: no linear map, no exact reference. */
static int adam_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                           double b[2])
{
    (void)p, (void)lr, (void)h, (void)A, (void)b;
    return 0;
}

/* The step is nonlinear: no linear stability limit is known (Adam's step
 * stays of order lr for beta1^2 < beta2, |m| <= sqrt(s) times a factor of
 * the betas, by Cauchy-Schwarz), while a direction of curvature <= 0 has
 * no stationary state. */
static double adam_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    (void)p, (void)hmax;
    return hmin > 0 ? HUGE_VAL : 0;
}

const fdr_optimizer_type fdr_optim_adam = {
    .name = "adam",
    .summary = "Adam, PyTorch's torch.optim.Adam (its FDR1 is an approximation: P moves)",
    .state_size = 3,
    .keys = "beta1 beta2 eps amsgrad bias_correction",
    .fdr1_approximate = 1,
    .native = FDR_CONVENTION_PYTORCH, /* v is rebuilt from the moments at each lr */
    .heavy_ball = adam_heavy_ball,
    .update_block = adam_update_block,
    .fdr1_factor = adam_fdr1_factor,
    .fdr1_metric = adam_fdr1_metric,
    .dissipation = adam_dissipation,
    .small_lr = adam_small_lr,
    .linear_map = adam_linear_map,
    .max_stable_lr = adam_max_stable_lr,
};

const fdr_optimizer_type fdr_optim_amsgrad = {
    .name = "amsgrad",
    .summary = "AMSGrad, torch.optim.Adam with amsgrad=True (FDR1 exact once its max settles)",
    .state_size = 4,
    .keys = "beta1 beta2 eps amsgrad bias_correction",
    .fdr1_approximate = 1,
    .native = FDR_CONVENTION_PYTORCH,
    .heavy_ball = adam_heavy_ball,
    .update_block = amsgrad_update_block,
    .fdr1_factor = adam_fdr1_factor,
    .fdr1_metric = amsgrad_fdr1_metric,
    .dissipation = adam_dissipation,
    .small_lr = adam_small_lr,
    .linear_map = adam_linear_map,
    .max_stable_lr = adam_max_stable_lr,
};
