/* selftest.c - the contract every landscape type must meet, checked
 * numerically: what tests/test_landscape.c requires of the built-in types
 * and `fdrsim landscape --selftest` of a plugin. */
#include "core/fdr.h"
#include "landscapes/landscape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_N = 4, ST_M = 2, ST_K = 6 };

/* Writes the first breach of the contract into why. */
#define BREACH(...) (snprintf(why, nwhy, __VA_ARGS__), FDR_EFAIL)

/* A symmetric positive definite covariance, dense or diagonal. */
static void test_covariance(size_t d, int dense, double *C)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            C[i * d + j] = i == j ? 1.0 + 0.3 * (double)i : dense ? 0.1 / (1.0 + (double)(i + j)) : 0;
}

/* One point and direction at a time: the block against the point
 * functions, the gradient and Hessian along u against D1 and D2, and
 * central differences along u (step 1e-4: truncation ~1e-9) of f for D1,
 * of the gradient for D2 and of D^k for D^(k+1). */
static int check_point(const fdr_landscape *l, const double *x, const double *u, const double *Db,
                       const double *H, double *y, double *g, int r, int j, char *why, size_t nwhy)
{
    size_t d = l->dim;
    double one[ST_K], up[ST_K], um[ST_K];
    if (fdr_landscape_dderiv(l, x, u, ST_K, one) != FDR_OK)
        return fdr_error_status();
    for (int o = 0; o < ST_K; o++)
        if (!(fabs(Db[o] - one[o]) <= 1e-12 * (1 + fabs(one[o]))))
            return BREACH("point %d, direction %d, order %d: block %.17g, point %.17g", r, j,
                          o + 1, Db[o], one[o]);
    fdr_landscape_gradient(l, x, g);
    double gu = 0, uhu = 0, s1 = 0, s2 = 0;
    for (size_t i = 0; i < d; i++) {
        gu += g[i] * u[i];
        s1 += fabs(g[i] * u[i]);
        for (size_t k = 0; k < d; k++) {
            uhu += u[i] * H[i * d + k] * u[k];
            s2 += fabs(u[i] * H[i * d + k] * u[k]);
        }
    }
    if (!(fabs(Db[0] - gu) <= 1e-10 * (1 + s1)))
        return BREACH("point %d, direction %d: gradient . u %.12g, D1 %.12g", r, j, gu, Db[0]);
    if (!(fabs(Db[1] - uhu) <= 1e-10 * (1 + s2)))
        return BREACH("point %d, direction %d: u . H u %.12g, D2 %.12g", r, j, uhu, Db[1]);
    double h = 1e-4, gp = 0, gm = 0;
    for (size_t i = 0; i < d; i++)
        y[i] = x[i] + h * u[i];
    double fp = fdr_landscape_value(l, y);
    fdr_landscape_gradient(l, y, g);
    if (fdr_landscape_dderiv(l, y, u, ST_K, up) != FDR_OK)
        return fdr_error_status();
    for (size_t i = 0; i < d; i++) {
        gp += g[i] * u[i];
        y[i] = x[i] - h * u[i];
    }
    double fm = fdr_landscape_value(l, y);
    fdr_landscape_gradient(l, y, g);
    if (fdr_landscape_dderiv(l, y, u, ST_K, um) != FDR_OK)
        return fdr_error_status();
    for (size_t i = 0; i < d; i++)
        gm += g[i] * u[i];
    double d1 = (fp - fm) / (2 * h), d2 = (gp - gm) / (2 * h);
    if (!(fabs(Db[0] - d1) <= 1e-6 * (1 + fabs(d1))))
        return BREACH("point %d, direction %d: D1 %.12g, differences of f %.12g", r, j, Db[0], d1);
    if (!(fabs(Db[1] - d2) <= 1e-6 * (1 + fabs(d2))))
        return BREACH("point %d, direction %d: D2 %.12g, differences of the gradient %.12g", r, j,
                      Db[1], d2);
    for (int o = 2; o < ST_K; o++) {
        double dk = (up[o - 1] - um[o - 1]) / (2 * h);
        if (!(fabs(Db[o] - dk) <= 1e-6 * (1 + fabs(dk))))
            return BREACH("point %d, direction %d: D%d %.12g, differences of D%d %.12g", r, j,
                          o + 1, Db[o], o, dk);
    }
    return FDR_OK;
}

int fdr_landscape_selftest(const fdr_landscape *l, char *why, size_t nwhy)
{
    size_t d = l->dim;
    if (nwhy)
        why[0] = '\0';
    double *X = fdr_malloc(ST_N * d * sizeof *X), *U = fdr_malloc(ST_N * ST_M * d * sizeof *U),
           *D = fdr_malloc(2 * ST_N * ST_M * ST_K * sizeof *D), *C = fdr_malloc(d * d * sizeof *C),
           *H = fdr_malloc(d * d * sizeof *H), *g = fdr_malloc(d * sizeof *g),
           *y = fdr_malloc(d * sizeof *y), T[ST_N],
           *work = fdr_malloc(fdr_landscape_work_size(l, ST_N, ST_M) * sizeof *work);
    int rc = X && U && D && C && H && g && y && work ? FDR_OK : FDR_ENOMEM;
    for (size_t r = 0; rc == FDR_OK && r < ST_N; r++)
        for (size_t i = 0; i < d; i++)
            X[r * d + i] = (0.3 + 0.25 * (double)r) * sin(1.7 * (double)i + 0.3) + 0.2;
    for (size_t j = 0; rc == FDR_OK && j < ST_N * ST_M; j++)
        for (size_t i = 0; i < d; i++)
            U[j * d + i] = cos(0.9 * (double)i + 0.5 * (double)j) - 0.1;
    double *D2 = D ? D + ST_N * ST_M * ST_K : NULL;
    for (int dense = 0; rc == FDR_OK && dense <= 1; dense++) {
        fdr_trace tc;
        test_covariance(d, dense, C);
        if ((rc = fdr_trace_init(&tc, l, C)) != FDR_OK)
            break;
        if (d > 1 && tc.diagonal != !dense)
            rc = BREACH("a %s covariance prepared as %s", dense ? "dense" : "diagonal",
                        tc.diagonal ? "diagonal" : "dense");
        fdr_landscape_derivs_block(l, ST_N, X, ST_M, U, ST_K, D, &tc, T, work);
        for (int r = 0; rc == FDR_OK && r < ST_N; r++) {
            const double *x = X + (size_t)r * d;
            fdr_landscape_hessian(l, x, H);
            double t = 0, ts = 0;
            for (size_t i = 0; i < d * d; i++) {
                t += H[i] * C[i];
                ts += fabs(H[i] * C[i]);
            }
            if (!(fabs(T[r] - t) <= 1e-12 * (1 + ts)))
                rc = BREACH("point %d: Tr(H C) %.17g, from the Hessian %.17g (%s C)", r, T[r], t,
                            dense ? "dense" : "diagonal");
            for (int j = 0; rc == FDR_OK && j < ST_M; j++)
                rc = check_point(l, x, U + (size_t)(r * ST_M + j) * d,
                                 D + (size_t)(r * ST_M + j) * ST_K, H, y, g, r, j, why, nwhy);
        }
        /* without traces the derivatives are the same */
        fdr_landscape_derivs_block(l, ST_N, X, ST_M, U, ST_K, D2, NULL, NULL, work);
        if (rc == FDR_OK && memcmp(D, D2, ST_N * ST_M * ST_K * sizeof *D) != 0)
            rc = BREACH("the derivatives change when no trace is asked for");
        fdr_trace_clear(&tc);
    }
    free(X);
    free(U);
    free(D);
    free(C);
    free(H);
    free(g);
    free(y);
    free(work);
    return rc;
}
