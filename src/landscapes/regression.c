/* regression.c - least squares on a seeded synthetic data set:
 * f(theta) = (1/2N) sum_a (x_a . theta - y_a)^2, features x_a ~ N(0, Sigma),
 * targets y_a = x_a . theta_true + sigma_y e_a.
 *
 * The full loss is a quadratic with H = X^T X / N and its minimum at the
 * least-squares solution; the per-sample losses are what `[noise] type =
 * minibatch` draws its batches from (fdr_regression_data). */
#include "core/fdr.h"
#include "landscapes/landscape.h"
#include "noise/noise.h"
#include "rng/rng.h"

#include <gsl/gsl_cblas.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t d, N;
    double *X;    /* N x d features */
    double *y;    /* N targets */
    double *H;    /* X^T X / N */
    double *b;    /* X^T y / N */
    double c0;    /* y . y / (2N) */
} regression;

static int reg_init(void *state, fdr_config *cfg, size_t d)
{
    regression *g = state;
    long N, seed;
    double sy;
    int rc;
    if ((rc = fdr_config_required_long(cfg, "landscape", "samples", &N)) ||
        (rc = fdr_config_long(cfg, "landscape", "data_seed", 1, &seed)) ||
        (rc = fdr_config_double(cfg, "landscape", "label_noise", 0.5, &sy)))
        return rc;
    if (N < (long)d + 1 || N > 10000000)
        return fdr_config_error(cfg, "landscape", "samples",
                                "must be between dim + 1 = %zu and 1e7, got %ld", d + 1, N);
    if (sy < 0)
        return fdr_config_error(cfg, "landscape", "label_noise", "must be >= 0, got %g", sy);
    g->d = d;
    g->N = (size_t)N;
    g->X = fdr_malloc(g->N * d * sizeof *g->X);
    g->y = fdr_malloc(g->N * sizeof *g->y);
    g->H = fdr_calloc(d * d, sizeof *g->H);
    g->b = fdr_calloc(d, sizeof *g->b);
    double *truth = fdr_malloc(d * sizeof *truth), *z = fdr_malloc((d + 1) * sizeof *z);
    fdr_rng *rng = fdr_rng_alloc((uint64_t)seed, 0x5eedda7aULL);
    fdr_covariance feat = {0};
    if (!g->X || !g->y || !g->H || !g->b || !truth || !z || !rng)
        rc = FDR_ENOMEM;
    if (rc == FDR_OK)
        rc = fdr_config_vector(cfg, "landscape", "true_theta", d, 1.0, truth);
    /* The features' covariance has the noise-covariance syntax; a spectrum
     * rotated "hessian" has no Hessian to refer to, so pass no landscape. */
    if (rc == FDR_OK)
        rc = fdr_covariance_parse_key(&feat, cfg, "landscape", "features", d, NULL);
    for (size_t a = 0; rc == FDR_OK && a < g->N; a++) {
        double *x = g->X + a * d, yt = 0;
        fdr_rng_normal(rng, z, d + 1);
        for (size_t i = 0; i < d; i++) {
            double s = 0;
            if (feat.sdiag)
                s = feat.sdiag[i] * z[i];
            else
                for (size_t j = 0; j < d; j++)
                    s += feat.S[i * d + j] * z[j];
            x[i] = s;
            yt += s * truth[i];
        }
        g->y[a] = yt + sy * z[d];
    }
    if (rc == FDR_OK) {
        double inv = 1.0 / (double)g->N;
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)g->N, inv, g->X, (int)d,
                    0.0, g->H, (int)d);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < i; j++)
                g->H[i * d + j] = g->H[j * d + i];
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)g->N, (int)d, inv, g->X, (int)d, g->y, 1, 0.0,
                    g->b, 1);
        g->c0 = 0.5 * inv * cblas_ddot((int)g->N, g->y, 1, g->y, 1);
    }
    fdr_covariance_clear(&feat);
    fdr_rng_free(rng);
    free(truth);
    free(z);
    return rc;
}

static void reg_free(void *state)
{
    regression *g = state;
    free(g->X);
    free(g->y);
    free(g->H);
    free(g->b);
}

static void reg_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                           double *work)
{
    const regression *g = state;
    size_t d = g->d;
    (void)work;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, X, (int)d,
                g->H, (int)d, 0.0, G, (int)d);
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        double *gr = G + r * d, s = 0;
        for (size_t i = 0; i < d; i++) {
            s += x[i] * (0.5 * gr[i] - g->b[i]); /* theta^T H theta / 2 - b . theta */
            gr[i] -= g->b[i];
        }
        if (F)
            F[r] = s + g->c0;
    }
}

static int reg_constant_hessian(const void *state, double *H)
{
    const regression *g = state;
    memcpy(H, g->H, g->d * g->d * sizeof *H);
    return 1;
}

static void reg_hessian(const void *state, const double *x, double *H)
{
    (void)x;
    reg_constant_hessian(state, H);
}

/* Doubles of scratch: the directions times H. */
static size_t reg_work_size(const void *state, size_t n, size_t m)
{
    const regression *g = state;
    return (n + n * m) * g->d;
}

/* grad f . u = (H x - b) . u and u^T H u from one product of the
 * directions with H; higher orders vanish, and Tr(H C) is a constant. */
static void reg_derivs_block(const void *state, size_t n, const double *X, size_t m,
                             const double *U, int K, double *D, const fdr_trace *tc, double *T,
                             double *work)
{
    const regression *g = state;
    size_t d = g->d, nm = n * m;
    double *HU = work;
    if (nm)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nm, (int)d, (int)d, 1.0, U,
                    (int)d, g->H, (int)d, 0.0, HU, (int)d);
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        for (size_t j = 0; j < m; j++) {
            const double *u = U + (r * m + j) * d, *hu = HU + (r * m + j) * d;
            double d1 = 0, d2 = 0, *out = D + (r * m + j) * (size_t)K;
            for (size_t i = 0; i < d; i++) {
                d1 += (hu[i] * x[i]) - g->b[i] * u[i];
                d2 += hu[i] * u[i];
            }
            for (int k = 1; k <= K; k++)
                out[k - 1] = k == 1 ? d1 : k == 2 ? d2 : 0.0;
        }
        if (T)
            T[r] = tc->pre[0];
    }
}

/* Tr(H C), once: H does not depend on the point. */
static int reg_trace_prepare(const void *state, fdr_trace *tc)
{
    const regression *g = state;
    size_t d = g->d;
    if (!(tc->pre = fdr_malloc(sizeof *tc->pre)))
        return FDR_ENOMEM;
    double t = 0;
    for (size_t i = 0; i < d * d; i++)
        t += g->H[i] * tc->C[i]; /* Tr(H C) = sum_ij H_ij C_ji, both symmetric */
    tc->pre[0] = t;
    return FDR_OK;
}

/* The least-squares solution is found by the wrapper (a Cholesky solve of
 * this exactly quadratic loss); start it from the origin. */
static int reg_centre(const void *state, double *x)
{
    const regression *g = state;
    memset(x, 0, g->d * sizeof *x);
    return 0;
}

const fdr_landscape_type fdr_landscape_regression = {
    .name = "regression",
    .summary = "least squares (1/2N) sum_a (x_a . theta - y_a)^2 on a seeded synthetic data set",
    .size = sizeof(regression),
    .degree = 2,
    .init = reg_init,
    .free = reg_free,
    .work_size = reg_work_size,
    .eval_block = reg_eval_block,
    .derivs_block = reg_derivs_block,
    .trace_prepare = reg_trace_prepare,
    .hessian = reg_hessian,
    .centre = reg_centre,
    .constant_hessian = reg_constant_hessian,
    .diagonal_hessian = NULL,
};

int fdr_regression_data(const fdr_landscape *l, const double **X, const double **y, size_t *N)
{
    if (l->type != &fdr_landscape_regression)
        return 0;
    const regression *g = l->state;
    *X = g->X;
    *y = g->y;
    *N = g->N;
    return 1;
}
