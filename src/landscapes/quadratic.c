/* quadratic.c - f = 1/2 (theta - theta*)^T H (theta - theta*).
 *
 * H comes from a spectrum (optionally rotated by a seeded Haar-random
 * orthogonal matrix) or from an explicit symmetric matrix. Unrotated
 * spectra keep only the diagonal, so the engine can use its fused path. */
#include "core/fdr.h"
#include "landscapes/landscape.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t d;
    double *h;     /* diagonal case: eigenvalues; else NULL */
    double *H;     /* dense case: d x d; else NULL */
    double *xstar; /* minimiser */
} quad;

static int quad_init(void *state, fdr_config *cfg, size_t d)
{
    quad *q = state;
    q->d = d;
    q->xstar = fdr_malloc(d * sizeof *q->xstar);
    if (!q->xstar)
        return FDR_ENOMEM;
    int rc = fdr_config_vector(cfg, "landscape", "minimum", d, 0.0, q->xstar);
    if (rc)
        return rc;
    int has_spec = fdr_config_has(cfg, "landscape", "spectrum");
    int has_mat = fdr_config_has(cfg, "landscape", "hessian");
    if (has_spec == has_mat)
        return fdr_config_error(cfg, "landscape", has_mat ? "hessian" : "spectrum",
                                "give exactly one of 'spectrum' and 'hessian'");
    if (has_mat) {
        if ((rc = fdr_config_numbers(cfg, "landscape", "hessian", d * d, &q->H, NULL)))
            return rc;
        double scale = 0;
        for (size_t i = 0; i < d * d; i++)
            scale = fmax(scale, fabs(q->H[i]));
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < i; j++)
                if (fabs(q->H[i * d + j] - q->H[j * d + i]) > 1e-12 * scale)
                    return fdr_config_error(cfg, "landscape", "hessian",
                                            "not symmetric: entry (%zu,%zu) = %g but (%zu,%zu) = %g",
                                            i + 1, j + 1, q->H[i * d + j], j + 1, i + 1,
                                            q->H[j * d + i]);
        return FDR_OK;
    }
    q->h = fdr_malloc(d * sizeof *q->h);
    if (!q->h)
        return FDR_ENOMEM;
    if ((rc = fdr_config_spectrum(cfg, "landscape", "spectrum", d, q->h)))
        return rc;
    double *Q;
    if ((rc = fdr_landscape_rotation(cfg, d, &Q)) || !Q)
        return rc;
    if (!(q->H = fdr_malloc(d * d * sizeof *q->H))) {
        free(Q);
        return FDR_ENOMEM;
    }
    /* H = Q diag(h) Q^T, symmetrised exactly. Row i costs i + 1 of the
     * d (d + 1) / 2 dot products. */
    for (size_t i = 0; i < d; i++) {
        if (i % 64 == 0)
            fdr_progress(d, "rotating the spectrum", (double)i * i / ((double)d * d));
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += Q[i * d + k] * q->h[k] * Q[j * d + k];
            q->H[i * d + j] = q->H[j * d + i] = s;
        }
    }
    fdr_progress(d, "rotating the spectrum", 1);
    free(Q);
    free(q->h);
    q->h = NULL;
    return FDR_OK;
}

static void quad_free(void *state)
{
    quad *q = state;
    free(q->h);
    free(q->H);
    free(q->xstar);
}

static void quad_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                            double *work)
{
    const quad *q = state;
    size_t d = q->d;
    if (q->h) {
        for (size_t r = 0; r < n; r++) {
            const double *x = X + r * d;
            double *g = G + r * d, s = 0;
            for (size_t i = 0; i < d; i++) {
                double dx = x[i] - q->xstar[i];
                g[i] = q->h[i] * dx;
                s += g[i] * dx;
            }
            if (F)
                F[r] = 0.5 * s;
        }
        return;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            work[r * d + i] = X[r * d + i] - q->xstar[i];
    /* Rows are points: G = (X - x*) H, H symmetric. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, work,
                (int)d, q->H, (int)d, 0.0, G, (int)d);
    if (F)
        for (size_t r = 0; r < n; r++) {
            double s = 0;
            for (size_t i = 0; i < d; i++)
                s += work[r * d + i] * G[r * d + i];
            F[r] = 0.5 * s;
        }
}

static int quad_constant_hessian(const void *state, double *H)
{
    const quad *q = state;
    size_t d = q->d;
    if (q->H) {
        memcpy(H, q->H, d * d * sizeof *H);
    } else {
        memset(H, 0, d * d * sizeof *H);
        for (size_t i = 0; i < d; i++)
            H[i * d + i] = q->h[i];
    }
    return 1;
}

static void quad_hessian(const void *state, const double *x, double *H)
{
    (void)x;
    quad_constant_hessian(state, H);
}

/* Doubles of scratch: the points minus x* and the directions times H. */
static size_t quad_work_size(const void *state, size_t n, size_t m)
{
    const quad *q = state;
    return (n + n * m) * q->d;
}

/* The directions times H (one product over the block; a scaling when H is
 * diagonal) give grad f . u = (x - x*)^T H u and u^T H u; higher orders
 * vanish, and Tr(H C) is a constant (trace_prepare). */
static void quad_derivs_block(const void *state, size_t n, const double *X, size_t m,
                              const double *U, int K, double *D, const fdr_trace *tc, double *T,
                              double *work)
{
    const quad *q = state;
    size_t d = q->d, nm = n * m;
    double *HU = work;
    if (q->h) {
        for (size_t k = 0; k < nm; k++)
            for (size_t i = 0; i < d; i++)
                HU[k * d + i] = q->h[i] * U[k * d + i];
    } else if (nm) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nm, (int)d, (int)d, 1.0, U,
                    (int)d, q->H, (int)d, 0.0, HU, (int)d);
    }
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        for (size_t j = 0; j < m; j++) {
            const double *u = U + (r * m + j) * d, *hu = HU + (r * m + j) * d;
            double d1 = 0, d2 = 0, *out = D + (r * m + j) * (size_t)K;
            for (size_t i = 0; i < d; i++) {
                d1 += hu[i] * (x[i] - q->xstar[i]);
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
static int quad_trace_prepare(const void *state, fdr_trace *tc)
{
    const quad *q = state;
    size_t d = q->d;
    if (!(tc->pre = fdr_malloc(sizeof *tc->pre)))
        return FDR_ENOMEM;
    double t = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            t += q->h ? (i == j ? q->h[i] * tc->C[i * d + i] : 0.0) : q->H[i * d + j] * tc->C[j * d + i];
    tc->pre[0] = t;
    return FDR_OK;
}

/* Whether x* is the minimum depends on H being positive definite, which the
 * wrapper decides (by Cholesky) for every exactly quadratic landscape. */
static int quad_centre(const void *state, double *x)
{
    const quad *q = state;
    memcpy(x, q->xstar, q->d * sizeof *x);
    return 0;
}

static int quad_diagonal_hessian(const void *state, double *h)
{
    const quad *q = state;
    if (!q->h)
        return 0;
    memcpy(h, q->h, q->d * sizeof *h);
    return 1;
}

const fdr_landscape_type fdr_landscape_quadratic = {
    .name = "quadratic",
    .summary = "f = 1/2 (x - x*)^T H (x - x*); H from a spectrum (optionally rotated) or a matrix",
    .size = sizeof(quad),
    .degree = 2,
    .init = quad_init,
    .free = quad_free,
    .work_size = quad_work_size,
    .eval_block = quad_eval_block,
    .derivs_block = quad_derivs_block,
    .trace_prepare = quad_trace_prepare,
    .hessian = quad_hessian,
    .centre = quad_centre,
    .constant_hessian = quad_constant_hessian,
    .diagonal_hessian = quad_diagonal_hessian,
};
