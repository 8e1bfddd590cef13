/* test_landscape.c - exact derivatives against finite differences and
 * against each other, for every registered landscape; noise covariances
 * against sample estimates. Then the README's "Adding a landscape", tried:
 * a small type defined and registered only here, checked by the same
 * contract and run by the engine. */
#include "helpers.h"
#include "noise/noise.h"
#include "rng/rng.h"

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

enum { BD = 5 }; /* the largest dimension of the block cases */

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

/* The plugin type has none here: its functions come from a shared object,
 * and tests/test_plugin.sh runs this same contract (fdrsim landscape
 * --selftest) on examples/plugin-landscape.c and on twins that break it. */
Test(landscape, every_registered_type_has_a_block_case)
{
    for (const fdr_landscape_type *const *t = fdr_landscape_types; *t; t++) {
        int found = *t == &fdr_landscape_plugin;
        for (size_t k = 0; k < NBLOCK && !found; k++) {
            fdr_model *m = test_model(block_cases[k].ini);
            found = m->land->type == *t;
            fdr_model_free(m);
        }
        cr_assert(found, "landscape type '%s' has no case in block_cases", (*t)->name);
    }
}

/* l's block contract, checked by the library's own self-test (the one
 * `fdrsim landscape --selftest` runs on a plugin): 1 if it holds, else 0
 * with the first disagreement in why. */
static int block_contract_holds(const fdr_landscape *l, char *why, size_t nwhy)
{
    cr_assert(l->dim <= BD);
    int rc = fdr_landscape_selftest(l, why, nwhy);
    cr_assert(rc == FDR_OK || rc == FDR_EFAIL, "%s", fdr_error_message());
    return rc == FDR_OK;
}

Test(landscape, block_derivatives_match_points_differences_and_the_hessian)
{
    for (size_t k = 0; k < NBLOCK; k++) {
        fdr_model *m = block_model(&block_cases[k]);
        char why[256];
        cr_assert(block_contract_holds(m->land, why, sizeof why), "%s\n%s", block_cases[k].ini,
                  why);
        fdr_model_free(m);
    }
}

/* ---- the README's "Adding a landscape", tried ----------------------------------------------
 * A type defined here and registered nowhere: f(x) = sum_i a_i (cosh x_i - 1), key a (> 0, one
 * number or dim of them, default 1). Separable, so no BLAS; every derivative order is nonzero,
 * so FDR2's series does not close and derivs_block must give all K orders:
 * D^k f(x)[u^k] = sum_i a_i u_i^k (sinh x_i for odd k, cosh x_i for even k). */

typedef struct {
    size_t d;
    double *a;
} coshland;

/* Reads a, each entry > 0 (f then has its only minimum at 0). */
static int cosh_init(void *state, fdr_config *cfg, size_t dim)
{
    coshland *c = state;
    c->d = dim;
    if (!(c->a = fdr_malloc(dim * sizeof *c->a)))
        return FDR_ENOMEM;
    int rc = fdr_config_vector(cfg, "landscape", "a", dim, 1.0, c->a);
    for (size_t i = 0; rc == FDR_OK && i < dim; i++)
        if (!(c->a[i] > 0))
            rc = fdr_config_error(cfg, "landscape", "a", "entry %zu must be > 0, got %g", i + 1,
                                  c->a[i]);
    return rc;
}

/* Frees a (NULL after a failed allocation). */
static void cosh_free(void *state)
{
    coshland *c = state;
    free(c->a);
}

/* No scratch beyond the n * dim the contract asks every type to accept. */
static size_t cosh_work_size(const void *state, size_t n, size_t m)
{
    const coshland *c = state;
    (void)m;
    return n * c->d;
}

/* Values and gradients; cosh x - 1 = 2 sinh^2(x/2) keeps the value's
 * precision near the minimum, where cosh x - 1 would cancel. */
static void cosh_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                            double *work)
{
    const coshland *c = state;
    size_t d = c->d;
    (void)work;
    for (size_t r = 0; r < n; r++) {
        double f = 0;
        for (size_t i = 0; i < d; i++) {
            double x = X[r * d + i], s = sinh(x / 2);
            f += 2 * c->a[i] * s * s;
            G[r * d + i] = c->a[i] * sinh(x);
        }
        if (F)
            F[r] = f;
    }
}

/* The directional derivatives, with the parity of the orders from `slip`
 * on swapped: slip > K is the true derivative, a smaller one the
 * deliberate error of the twins below. Tr(H C) = sum_i a_i cosh(x_i) C_ii
 * needs only the diagonal of C, which trace_prepare keeps. */
static void cosh_derivs(const coshland *c, size_t n, const double *X, size_t m, const double *U,
                        int K, double *D, const fdr_trace *tc, double *T, int slip)
{
    size_t d = c->d;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        for (size_t j = 0; j < m; j++) {
            const double *u = U + (r * m + j) * d;
            double *out = D + (r * m + j) * (size_t)K;
            for (int k = 0; k < K; k++)
                out[k] = 0;
            for (size_t i = 0; i < d; i++) {
                double sh = c->a[i] * sinh(x[i]), ch = c->a[i] * cosh(x[i]), p = u[i];
                for (int k = 1; k <= K; k++, p *= u[i])
                    out[k - 1] += p * (((k % 2) != (k >= slip)) ? sh : ch);
            }
        }
        if (T) {
            T[r] = 0;
            for (size_t i = 0; i < d; i++)
                T[r] += c->a[i] * cosh(x[i]) * tc->pre[i];
        }
    }
}

static void cosh_derivs_block(const void *state, size_t n, const double *X, size_t m,
                              const double *U, int K, double *D, const fdr_trace *tc, double *T,
                              double *work)
{
    (void)work;
    cosh_derivs(state, n, X, m, U, K, D, tc, T, K + 1);
}

/* Keeps the diagonal of C for the traces. */
static int cosh_trace_prepare(const void *state, fdr_trace *tc)
{
    const coshland *c = state;
    size_t d = c->d;
    if (!(tc->pre = fdr_malloc(d * sizeof *tc->pre)))
        return FDR_ENOMEM;
    for (size_t i = 0; i < d; i++)
        tc->pre[i] = tc->C[i * d + i];
    return FDR_OK;
}

/* The diagonal Hessian a_i cosh x_i. */
static void cosh_hessian(const void *state, const double *x, double *H)
{
    const coshland *c = state;
    size_t d = c->d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            H[i * d + j] = i == j ? c->a[i] * cosh(x[i]) : 0;
}

/* The global minimum, 0. */
static int cosh_centre(const void *state, double *x)
{
    const coshland *c = state;
    for (size_t i = 0; i < c->d; i++)
        x[i] = 0;
    return 1;
}

/* Not a quadratic: no constant Hessian. */
static int cosh_constant_hessian(const void *state, double *H)
{
    (void)state, (void)H;
    return 0;
}

static const fdr_landscape_type example_cosh = {
    .name = "cosh",
    .summary = "test only: sum_i a_i (cosh x_i - 1)",
    .size = sizeof(coshland),
    .degree = 0,
    .init = cosh_init,
    .free = cosh_free,
    .work_size = cosh_work_size,
    .eval_block = cosh_eval_block,
    .derivs_block = cosh_derivs_block,
    .trace_prepare = cosh_trace_prepare,
    .hessian = cosh_hessian,
    .centre = cosh_centre,
    .constant_hessian = cosh_constant_hessian,
};

/* The twins: the parity slips from D2 on (a wrong curvature) or from D4 on
 * (right up to the third order, where no finite difference of f or of the
 * gradient would see it). */
static void cosh_derivs_slip2(const void *state, size_t n, const double *X, size_t m,
                              const double *U, int K, double *D, const fdr_trace *tc, double *T,
                              double *work)
{
    (void)work;
    cosh_derivs(state, n, X, m, U, K, D, tc, T, 2);
}

static void cosh_derivs_slip4(const void *state, size_t n, const double *X, size_t m,
                              const double *U, int K, double *D, const fdr_trace *tc, double *T,
                              double *work)
{
    (void)work;
    cosh_derivs(state, n, X, m, U, K, D, tc, T, 4);
}

/* Builds the example (or a twin) from [landscape] text, every key read. */
static fdr_landscape *example_landscape(const char *ini, const fdr_landscape_type *type)
{
    fdr_config *c = fdr_config_parse_string(ini, "example.ini");
    cr_assert_not_null(c, "%s", fdr_error_message());
    fdr_landscape *l = fdr_landscape_alloc_type(c, type);
    cr_assert_not_null(l, "%s", fdr_error_message());
    cr_assert_eq(fdr_config_check_unused(c), FDR_OK, "%s", fdr_error_message());
    fdr_config_free(c);
    return l;
}

/* The example meets the block contract alone, with the wrapper's weight
 * decay and as a mean of shifted copies; its bad keys are refused naming
 * the key; each twin breaks the contract. */
Test(landscape, example_type_meets_the_block_contract)
{
    char why[256];
    fdr_landscape *l = example_landscape("[landscape]\ndim = 3\na = 0.5 1 2\n", &example_cosh);
    cr_assert(l->ref_is_min && l->fref == 0 && !l->H && !l->hdiag && !l->frame);
    cr_assert(block_contract_holds(l, why, sizeof why), "%s", why);
    double c[3 * BD];
    for (int a = 0; a < 3 * BD; a++)
        c[a] = 0.3 * sin(0.7 * a + 0.2);
    cr_assert_eq(fdr_landscape_average(l, c, 3), FDR_OK);
    cr_assert(block_contract_holds(l, why, sizeof why), "shifted copies: %s", why);
    fdr_landscape_free(l);
    l = example_landscape("[landscape]\ndim = 4\na = 1.5\nweight_decay = 0.3\n", &example_cosh);
    cr_assert(block_contract_holds(l, why, sizeof why), "weight decay: %s", why);
    fdr_landscape_free(l);

    fdr_config *bad = fdr_config_parse_string("[landscape]\ndim = 2\na = 1 -1\n", "bad.ini");
    cr_assert_null(fdr_landscape_alloc_type(bad, &example_cosh));
    cr_assert(strstr(fdr_error_message(), "bad.ini:3") && strstr(fdr_error_message(), "a"),
              "%s", fdr_error_message());
    fdr_config_free(bad);

    fdr_landscape_type twin = example_cosh;
    twin.derivs_block = cosh_derivs_slip2;
    l = example_landscape("[landscape]\ndim = 3\na = 0.5 1 2\n", &twin);
    cr_assert_not(block_contract_holds(l, why, sizeof why), "a wrong D2 passed");
    cr_assert(strstr(why, "D1") || strstr(why, "D2"), "%s", why);
    fdr_landscape_free(l);
    twin.derivs_block = cosh_derivs_slip4;
    l = example_landscape("[landscape]\ndim = 3\na = 0.5 1 2\n", &twin);
    cr_assert_not(block_contract_holds(l, why, sizeof why), "a wrong D4 passed");
    cr_assert(strstr(why, "D4"), "%s", why);
    fdr_landscape_free(l);
}

/* Runs a model whose landscape is replaced by the example (or a twin) of
 * the same dimension, built from [landscape] text: the model's own
 * landscape only stands in for the registry entry the type does not
 * have. */
static void run_example(test_run *t, const fdr_landscape_type *type, int threads)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 1 1\n"
                              "[noise]\ncovariance = matrix 1 0.3 0\n  0.3 1 0.2\n  0 0.2 0.5\n"
                              "[optimizer]\nlr = 0.1\nmomentum = 0.5\n"
                              "[run]\nreplicas = 64\nsteps = 20000\nseed = 9\n"
                              "fdr2_order = 8\ntensor_directions = 0\n");
    fdr_landscape_free(m->land);
    m->land = example_landscape("[landscape]\ndim = 3\na = 0.5 1 2\n", type);
    test_run_built(t, m, threads);
}

/* In the engine the example's FDR1 and FDR2 close, the series converged
 * where it was cut, and the result is the same bit for bit on one thread
 * and on two. The twin with the wrong curvature fails FDR2. */
Test(landscape, example_type_runs_in_the_engine, .timeout = 120)
{
    test_run t, one;
    run_example(&t, &example_cosh, 2);
    cr_assert_not(t.r->fused);
    cr_assert_not(t.e.available, "no exact references off the quadratic");
    const char *names[] = {"FDR1", "FDR2", "FDR2.F2"};
    for (size_t k = 0; k < 3; k++) {
        const fdr_relation *r = fdr_analysis_find(&t.a, names[k]);
        cr_assert_not_null(r, "%s measured", names[k]);
        cr_expect(fabs(r->z) < 4 && r->diff.err > 0, "%s: z = %.2f", names[k], r->z);
    }
    const fdr_fdr2_terms *x = &t.a.fdr2;
    cr_expect(fabs(x->truncation.val) < 1e-3 * fabs(x->dissipation.val),
              "truncation %g against dissipation %g", x->truncation.val, x->dissipation.val);
    run_example(&one, &example_cosh, 1);
    cr_assert_eq(memcmp(t.r->bsum, one.r->bsum, t.r->R * FDR_NBATCH * FDR_NOBS * sizeof *t.r->bsum),
                 0, "one thread and two differ");
    test_run_free(&one);
    test_run_free(&t);

    fdr_landscape_type twin = example_cosh;
    twin.derivs_block = cosh_derivs_slip2;
    run_example(&t, &twin, 2);
    const fdr_relation *f2 = fdr_analysis_find(&t.a, "FDR2");
    cr_assert(fabs(f2->z) > 10 && !f2->pass, "a wrong D2 not caught: FDR2 z = %.2f", f2->z);
    cr_assert_lt(fabs(fdr_analysis_find(&t.a, "FDR1")->z), 4, "FDR1 needs no D2");
    test_run_free(&t);
}
