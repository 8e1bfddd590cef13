/* test_landscape.c - exact derivatives against finite differences and
 * against each other, for every registered landscape; noise covariances
 * against sample estimates. */
#include "helpers.h"
#include "noise.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Models exercising every landscape type and the shared weight decay. */
static const char *const models[] = {
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 0.5 1 2 4\nminimum = 0.3\n"
    "[optimizer]\nlr = 0.1\n",
    "[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.1 3\nrotation = random\n"
    "minimum = 1 -1 0.5 0 2\nweight_decay = 0.2\n[optimizer]\nlr = 0.1\n",
    "[landscape]\ntype = quadratic\ndim = 2\nhessian = 2 -1\n  -1 3\n[optimizer]\nlr = 0.1\n",
};
#define NMODELS (sizeof models / sizeof models[0])

static void point(size_t d, double *x, double s)
{
    for (size_t i = 0; i < d; i++)
        x[i] = s * sin(1.7 * (double)i + 0.3) + 0.2;
}

Test(landscape, gradient_matches_finite_differences)
{
    for (size_t k = 0; k < NMODELS; k++) {
        fdr_model *m = test_model(models[k]);
        size_t d = m->land->dim;
        double x[8], g[8], xp[8];
        point(d, x, 1.3);
        fdr_landscape_gradient(m->land, x, g);
        for (size_t i = 0; i < d; i++) {
            const double h = 1e-5;
            for (size_t j = 0; j < d; j++)
                xp[j] = x[j];
            xp[i] = x[i] + h;
            double fp = fdr_landscape_value(m->land, xp);
            xp[i] = x[i] - h;
            double fm = fdr_landscape_value(m->land, xp);
            /* central differences: error O(h^2 f''') = 0 for quadratics, rounding ~1e-11 */
            cr_assert_float_eq(g[i], (fp - fm) / (2 * h), 1e-8, "model %zu, i = %zu", k, i);
        }
        fdr_model_free(m);
    }
}

Test(landscape, hessian_matches_gradient_differences)
{
    for (size_t k = 0; k < NMODELS; k++) {
        fdr_model *m = test_model(models[k]);
        size_t d = m->land->dim;
        double x[8], H[64], gp[8], gm[8], xp[8];
        point(d, x, 0.7);
        fdr_landscape_hessian(m->land, x, H);
        for (size_t j = 0; j < d; j++) {
            const double h = 1e-5;
            for (size_t i = 0; i < d; i++)
                xp[i] = x[i];
            xp[j] += h;
            fdr_landscape_gradient(m->land, xp, gp);
            xp[j] -= 2 * h;
            fdr_landscape_gradient(m->land, xp, gm);
            for (size_t i = 0; i < d; i++)
                cr_assert_float_eq(H[i * d + j], (gp[i] - gm[i]) / (2 * h), 1e-8,
                                   "model %zu, (%zu,%zu)", k, i, j);
        }
        fdr_model_free(m);
    }
}

Test(landscape, directional_derivatives_agree_with_gradient_and_hessian)
{
    for (size_t k = 0; k < NMODELS; k++) {
        fdr_model *m = test_model(models[k]);
        size_t d = m->land->dim;
        double x[8], u[8], g[8], H[64], D[6];
        point(d, x, 0.9);
        for (size_t i = 0; i < d; i++)
            u[i] = cos(0.9 * (double)i) - 0.1;
        fdr_landscape_gradient(m->land, x, g);
        fdr_landscape_hessian(m->land, x, H);
        fdr_landscape_dderiv(m->land, x, u, 6, D);
        double gu = 0, uHu = 0;
        for (size_t i = 0; i < d; i++) {
            gu += g[i] * u[i];
            for (size_t j = 0; j < d; j++)
                uHu += u[i] * H[i * d + j] * u[j];
        }
        cr_assert_float_eq(D[0], gu, 1e-12 * (1 + fabs(gu)), "model %zu", k);
        cr_assert_float_eq(D[1], uHu, 1e-12 * (1 + fabs(uHu)), "model %zu", k);
        for (int o = 2; o < 6; o++)
            cr_assert_eq(D[o], 0.0, "a quadratic has no derivative of order %d", o + 1);
        fdr_model_free(m);
    }
}

Test(landscape, reference_point_is_the_minimum)
{
    for (size_t k = 0; k < NMODELS; k++) {
        fdr_model *m = test_model(models[k]);
        double g[8];
        cr_assert(m->land->ref_is_min, "model %zu", k);
        fdr_landscape_gradient(m->land, m->land->ref, g);
        for (size_t i = 0; i < m->land->dim; i++)
            cr_assert_float_eq(g[i], 0.0, 1e-12, "model %zu: gradient at the minimum", k);
        fdr_model_free(m);
    }
}

Test(landscape, random_rotation_keeps_the_spectrum)
{
    fdr_model *m = test_model(models[1]);
    size_t d = m->land->dim;
    double w[8], V[64];
    cr_assert_eq(fdr_sym_eigen(d, m->land->H, w, V), FDR_OK);
    /* log 0.1 3 over 5 points, plus weight decay 0.2, in descending order. */
    for (size_t i = 0; i < d; i++) {
        double t = (double)(d - 1 - i) / (double)(d - 1);
        cr_assert_float_eq(w[i], exp(log(0.1) + t * (log(3.0) - log(0.1))) + 0.2, 1e-12);
    }
    fdr_model_free(m);
}

/* Sample covariance of n draws against C: each entry's standard error is
 * sqrt((C_ii C_jj + C_ij^2) / n) for Gaussian draws. */
static void check_covariance(const char *ini, size_t n)
{
    fdr_model *m = test_model(ini);
    size_t d = m->land->dim;
    fdr_rng *rng = fdr_rng_alloc(42, 0);
    double *Z = malloc(d * sizeof *Z), *work = malloc(d * sizeof *work),
           *S = calloc(d * d, sizeof *S), *x = calloc(d, sizeof *x);
    cr_assert(rng && Z && work && S && x);
    cr_assert_not_null(m->noise->C);
    for (long t = 0; t < (long)n; t++) {
        m->noise->type->sample(m->noise->state, 1, 0, t, x, Z, &rng, work);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                S[i * d + j] += Z[i] * Z[j];
    }
    const double *C = m->noise->C;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double se = sqrt((C[i * d + i] * C[j * d + j] + C[i * d + j] * C[i * d + j]) / (double)n);
            double z = (S[i * d + j] / (double)n - C[i * d + j]) / se;
            cr_assert(fabs(z) < 5, "C(%zu,%zu): sample %g exact %g (z = %.2f)", i, j,
                      S[i * d + j] / (double)n, C[i * d + j], z);
        }
    free(Z);
    free(work);
    free(S);
    free(x);
    fdr_rng_free(rng);
    fdr_model_free(m);
}

Test(noise, gaussian_laws_have_their_exact_covariance)
{
    check_covariance("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\n"
                     "[noise]\ncovariance = matrix 2 0.5 0.1\n  0.5 1 -0.3\n  0.1 -0.3 0.5\n"
                     "[optimizer]\nlr = 0.1\n",
                     200000);
    check_covariance("[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 1 2 3 4\n"
                     "[noise]\ncovariance = diagonal 0.5 1 2 4\n[optimizer]\nlr = 0.1\n",
                     200000);
    check_covariance("[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\n"
                     "rotation = random\n[noise]\ncovariance = hessian 0.7 1\n[optimizer]\nlr = 0.1\n",
                     200000);
    check_covariance("[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\n"
                     "[noise]\ncovariance = spectrum list 3 1 0 0.5\ncovariance_rotation = random\n"
                     "[optimizer]\nlr = 0.1\n",
                     200000);
}

Test(noise, hessian_aligned_covariance_is_c_h_alpha)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 4 9\n"
                              "[noise]\ncovariance = hessian 2 0.5\n[optimizer]\nlr = 0.1\n");
    const double want[3] = {2, 4, 6};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            cr_assert_float_eq(m->noise->C[i * 3 + j], i == j ? want[i] : 0.0, 1e-12);
    fdr_model_free(m);
}

/* One case per landscape form of the block functions: every registered type
 * (each must appear: the test fails for a type without a case), dense and
 * diagonal structure, weight decay, and shifted copies (shifts > 0: the
 * landscape becomes the mean of three shifted copies of itself). */
typedef struct {
    const char *ini;
    int shifts;
} block_case;

static const block_case block_cases[] = {
    {"[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 0.5 1 2 4\nminimum = 0.3\n"
     "[optimizer]\nlr = 0.1\n",
     0},
    {"[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.1 3\nrotation = random\n"
     "minimum = 1 -1 0.5 0 2\nweight_decay = 0.2\n[optimizer]\nlr = 0.1\n",
     0},
    {"[landscape]\ntype = quartic\ndim = 5\nh = log 0.5 2\ncubic = 0.5 -0.3 0.2 0 1\n"
     "quartic = 1 2 3 4 5\ncoupling = 0.3\nrotation = random\nminimum = 0.2 0 -0.4 0.1 0\n"
     "weight_decay = 0.1\n[optimizer]\nlr = 0.1\n",
     0},
    {"[landscape]\ntype = quartic\ndim = 4\nh = -1 0.5 1 2\nquartic = 3\ncoupling = 0.2\n"
     "[optimizer]\nlr = 0.1\n",
     0},
    {"[landscape]\ntype = quartic\ndim = 3\nh = 1 0.5 2\ncubic = 0.4\nquartic = 2\n"
     "rotation = random\n[optimizer]\nlr = 0.1\n",
     3},
    {"[landscape]\ntype = gmm\ndim = 3\ncomponents = 3\nweights = 1 2 1\n"
     "means = 0 0 0; 1 -1 0.5; -0.5 0.5 0\n"
     "covariances = matrix 1 0.3 0.1 0.3 0.8 -0.2 0.1 -0.2 0.6; diagonal 0.5 0.7 0.9;\n"
     "  isotropic 0.6\nweight_decay = 0.05\n[optimizer]\nlr = 0.05\n",
     0},
    {"[landscape]\ntype = gmm\ndim = 2\ncomponents = 2\nmeans = -1 0; 1 0.5\n"
     "covariances = isotropic 0.8; isotropic 0.5\n[optimizer]\nlr = 0.05\n",
     3},
    {"[landscape]\ntype = regression\ndim = 4\nsamples = 40\n[optimizer]\nlr = 0.1\n", 0},
};
#define NBLOCK (sizeof block_cases / sizeof block_cases[0])

enum { BN = 4, BM = 2, BK = 6, BD = 5 };

/* A symmetric positive definite covariance, dense or diagonal. */
static void test_covariance(size_t d, int dense, double *C)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            C[i * d + j] = i == j ? 1.0 + 0.3 * (double)i : dense ? 0.1 / (1.0 + (double)(i + j)) : 0;
}

static fdr_model *block_model(const block_case *bc)
{
    fdr_model *m = test_model(bc->ini);
    if (bc->shifts) {
        double c[3 * BD];
        for (int a = 0; a < 3 * BD; a++)
            c[a] = 0.3 * sin(0.7 * a + 0.2);
        cr_assert_eq(fdr_landscape_average(m->land, c, 3), FDR_OK);
    }
    return m;
}

Test(landscape, every_registered_type_has_a_block_case)
{
    for (const fdr_landscape_type *const *t = fdr_landscape_types; *t; t++) {
        int found = 0;
        for (size_t k = 0; k < NBLOCK && !found; k++) {
            fdr_model *m = test_model(block_cases[k].ini);
            found = m->land->type == *t;
            fdr_model_free(m);
        }
        cr_assert(found, "landscape type '%s' has no case in block_cases", (*t)->name);
    }
}

/* The block derivatives and traces of every case against one point and
 * one direction at a time (BLAS rounds differently for different block
 * sizes: 1e-12 relative), against finite differences of f and of the
 * gradient along the direction (central differences, step 1e-4: truncation
 * ~1e-9), and the traces against Tr(H C) from the full Hessian, for a dense
 * and a diagonal C. */
Test(landscape, block_derivatives_match_points_differences_and_the_hessian)
{
    for (size_t k = 0; k < NBLOCK; k++) {
        fdr_model *m = block_model(&block_cases[k]);
        const fdr_landscape *l = m->land;
        size_t d = l->dim;
        cr_assert(d <= BD);
        double X[BN * BD], U[BN * BM * BD], D[BN * BM * BK], T[BN], one[BK], C[BD * BD],
            H[BD * BD], g[BD], y[BD];
        double *work = malloc(fdr_landscape_work_size(l, BN, BM) * sizeof *work);
        cr_assert_not_null(work);
        for (int r = 0; r < BN; r++)
            point(d, X + r * d, 0.3 + 0.25 * r);
        for (int j = 0; j < BN * BM; j++)
            for (size_t i = 0; i < d; i++)
                U[j * d + i] = cos(0.9 * (double)i + 0.5 * j) - 0.1;
        for (int dense = 0; dense <= 1; dense++) {
            fdr_trace tc;
            test_covariance(d, dense, C);
            cr_assert_eq(fdr_trace_init(&tc, l, C), FDR_OK);
            cr_assert_eq(tc.diagonal, !dense);
            fdr_landscape_derivs_block(l, BN, X, BM, U, BK, D, &tc, T, work);
            for (int r = 0; r < BN; r++) {
                const double *x = X + r * d;
                fdr_landscape_hessian(l, x, H);
                double t = 0, ts = 0;
                for (size_t i = 0; i < d * d; i++) {
                    t += H[i] * C[i];
                    ts += fabs(H[i] * C[i]);
                }
                cr_assert(fabs(T[r] - t) <= 1e-12 * (1 + ts), "%s\nrow %d: Tr(H C) %.17g, from H "
                          "%.17g", block_cases[k].ini, r, T[r], t);
                for (int j = 0; j < BM; j++) {
                    const double *u = U + (r * BM + j) * d, *Db = D + (r * BM + j) * BK;
                    cr_assert_eq(fdr_landscape_dderiv(l, x, u, BK, one), FDR_OK);
                    for (int o = 0; o < BK; o++)
                        cr_assert(fabs(Db[o] - one[o]) <= 1e-12 * (1 + fabs(one[o])),
                                  "%s\nrow %d, direction %d, order %d: block %.17g, point %.17g",
                                  block_cases[k].ini, r, j, o + 1, Db[o], one[o]);
                    double h = 1e-4, fp, fm, gp = 0, gm = 0;
                    for (size_t i = 0; i < d; i++)
                        y[i] = x[i] + h * u[i];
                    fp = fdr_landscape_value(l, y);
                    fdr_landscape_gradient(l, y, g);
                    for (size_t i = 0; i < d; i++) {
                        gp += g[i] * u[i];
                        y[i] = x[i] - h * u[i];
                    }
                    fm = fdr_landscape_value(l, y);
                    fdr_landscape_gradient(l, y, g);
                    for (size_t i = 0; i < d; i++)
                        gm += g[i] * u[i];
                    double d1 = (fp - fm) / (2 * h), d2 = (gp - gm) / (2 * h);
                    cr_assert(fabs(Db[0] - d1) <= 1e-6 * (1 + fabs(d1)), "%s\nD1 %.12g, "
                              "differences %.12g", block_cases[k].ini, Db[0], d1);
                    cr_assert(fabs(Db[1] - d2) <= 1e-6 * (1 + fabs(d2)), "%s\nD2 %.12g, "
                              "differences %.12g", block_cases[k].ini, Db[1], d2);
                }
            }
            /* without traces the derivatives are the same */
            double D2[BN * BM * BK];
            fdr_landscape_derivs_block(l, BN, X, BM, U, BK, D2, NULL, NULL, work);
            cr_assert_eq(memcmp(D, D2, sizeof D), 0, "%s", block_cases[k].ini);
            fdr_trace_clear(&tc);
        }
        free(work);
        fdr_model_free(m);
    }
}
