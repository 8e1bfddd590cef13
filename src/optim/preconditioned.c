/* preconditioned.c - heavy-ball SGD with a constant symmetric positive
 * definite preconditioner P ([optimizer] preconditioner), doc/theory.md
 * section 8.2:
 *     v' = mu v - eta_b P (grad f + xi),  theta' = theta + v',
 *     eta_b = eta (1 - nu).
 * The type keeps u = P^-1 v as its state, so that a step costs one product
 * with P and the first relation's metric v^T P^-1 v = u . v none:
 *     u' = mu u - eta_b (grad f + xi),  v' = P u'.
 * In the coordinates y = P^-1/2 (theta - theta*) the step is heavy-ball SGD
 * on the Hessian P^1/2 H P^1/2 with the noise P^1/2 xi: its linear map and
 * stability limit are sgd's there. The velocity is in parameter units and
 * carried unchanged over a change of lr (the paper's convention only: the
 * state u would have to follow a rescaled v). */
#include "optim/optim.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

static int pre_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    (void)p, (void)lr, (void)mu, (void)eta_b;
    return 0;
}

/* Y = X P for n rows (Y = P X row by row, P symmetric); X and Y distinct.
 * Without p->precond (parameters not from a model), P = I. */
static void pre_precondition(const fdr_optim_params *p, size_t n, size_t d, const double *X,
                             double *Y)
{
    const fdr_preconditioner *pc = p->precond;
    if (!pc) {
        memcpy(Y, X, n * d * sizeof *Y);
        return;
    }
    if (pc->diag) {
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < d; i++)
                Y[r * d + i] = X[r * d + i] * pc->diag[i];
        return;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, X, (int)d,
                pc->P, (int)d, 0.0, Y, (int)d);
}

static void pre_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                             size_t lr_stride, double *v, const double *g, const double *z,
                             double *w, double *state)
{
    double mu = p->momentum;
    int want_w = z && w;
    /* u' into the state and, when w is wanted, the noise-free u' into v
     * (v itself is P u, no longer needed): then w = P (noise-free u'),
     * v' = P u'. */
    for (size_t r = 0; r < n; r++) {
        double eta = lr[r * lr_stride] * (1 - p->dampening);
        double *ur = state + r * d, *vr = v + r * d;
        const double *gr = g + r * d, *zr = z ? z + r * d : NULL;
        for (size_t i = 0; i < d; i++) {
            /* the noise-free part first, as sgd.c rounds it */
            double uw = mu * ur[i] - eta * gr[i];
            if (want_w)
                vr[i] = uw;
            ur[i] = zr ? uw - eta * zr[i] : uw;
        }
    }
    if (want_w)
        pre_precondition(p, n, d, v, w);
    pre_precondition(p, n, d, state, v);
}

/* u = P^-1 v is the state itself. */
static void pre_fdr1_metric(const fdr_optim_params *p, size_t n, size_t d, const double *v,
                            const double *state, double *u)
{
    (void)p, (void)v;
    memcpy(u, state, n * d * sizeof *u);
}

/* (1 + mu) / (2 eta_b), as for heavy-ball, of <v^T P^-1 v>: doc/theory.md
 * section 8.2. */
static double pre_fdr1_factor(const fdr_optim_params *p, double lr)
{
    return (1 + p->momentum) / (2 * lr * (1 - p->dampening));
}

/* w = mu v - eta_b P grad f: D = eta_b <grad f^T P grad f> - mu <v . grad f>. */
static int pre_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    c[0] = lr * (1 - p->dampening);
    c[1] = -p->momentum;
    return 1;
}

/* The limits involve Tr(P C*) and Tr(P H* P C*): not of the form of optim.h. */
static int pre_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    (void)p, (void)k;
    return 0;
}

/* In y = P^-1/2 x along an eigen-direction of P^1/2 H P^1/2 (eigenvalue h),
 * with a = eta_b h: sgd's map A = [[1 - a, mu], [-a, mu]], b = (-eta_b,
 * -eta_b). */
static int pre_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                          double b[2])
{
    double eta_b = lr * (1 - p->dampening), a = eta_b * h;
    A[0] = 1 - a;
    A[1] = p->momentum;
    A[2] = -a;
    A[3] = p->momentum;
    b[0] = b[1] = -eta_b;
    return 1;
}

/* sgd's limit 2 (1 + mu) / ((1 - nu) hmax) on the spectrum of P H. */
static double pre_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    double mu = p->momentum, nu = p->dampening;
    if (!(hmin > 0) || !(fabs(mu) < 1) || !(nu < 1))
        return 0;
    return 2 * (1 + mu) / ((1 - nu) * hmax);
}

const fdr_optimizer_type fdr_optim_preconditioned = {
    .name = "preconditioned",
    .summary = "heavy-ball SGD with a constant SPD preconditioner P ([optimizer] preconditioner)",
    .state_size = 1,
    .preconditioner = 1,
    .native = FDR_CONVENTION_PAPER, /* v in parameter units; no carry (see above) */
    .heavy_ball = pre_heavy_ball,
    .update_block = pre_update_block,
    .fdr1_factor = pre_fdr1_factor,
    .fdr1_metric = pre_fdr1_metric,
    .precondition = pre_precondition,
    .dissipation = pre_dissipation,
    .small_lr = pre_small_lr,
    .linear_map = pre_linear_map,
    .max_stable_lr = pre_max_stable_lr,
};
