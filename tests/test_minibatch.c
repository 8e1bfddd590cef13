/* test_minibatch.c - gradient noise from real minibatches: its covariance is
 * (1/B - 1/N) times the per-sample gradient covariance, the relations hold
 * with independent batches, and epoch shuffling measurably breaks them. */
#include "helpers.h"
#include "noise/noise.h"
#include "rng/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIFTED(B)                                                                                \
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\nrotation = random\n"          \
    "[noise]\ntype = minibatch\nsamples = 200\nbatch = " #B "\nspread = isotropic 1\n"
#define QUARTIC_COPIES                                                                            \
    "[landscape]\ntype = quartic\ndim = 2\nh = 1 0.5\ncubic = 1.5 0\nquartic = 3 1\n"          \
    "[noise]\ntype = minibatch\nsamples = 50\nbatch = 5\nspread = isotropic 1\n"
#define REGRESSION(B)                                                                             \
    "[landscape]\ntype = regression\ndim = 4\nsamples = 1000\nfeatures = spectrum log 0.5 2\n"   \
    "label_noise = 0.5\n[noise]\ntype = minibatch\nbatch = " #B "\n"

/* Sample covariance of the noise at x against the exact C(x); each entry's
 * standard error comes from the samples' own fourth moments (minibatch
 * means are not Gaussian). Also checks the mean is zero. */
static void check_noise_covariance(const char *ini, const double *x)
{
    fdr_model *m = test_model(ini);
    size_t d = m->land->dim;
    const size_t n = 100000;
    fdr_rng *rng = fdr_rng_alloc(11, 0);
    double *Z = malloc(d * sizeof *Z), *C = malloc(d * d * sizeof *C), *H = malloc(d * d * sizeof *H),
           *S1 = calloc(d, sizeof *S1), *S2 = calloc(d * d, sizeof *S2),
           *S4 = calloc(d * d, sizeof *S4);
    cr_assert(rng && Z && C && H && S1 && S2 && S4);
    cr_assert_eq(m->noise->type->prepare(m->noise->state, 1), FDR_OK);
    m->noise->type->covariance(m->noise->state, x, C);
    fdr_landscape_hessian(m->land, x, H);
    for (long t = 0; t < (long)n; t++) {
        m->noise->type->sample(m->noise->state, 1, 0, t, x, Z, &rng, NULL);
        for (size_t i = 0; i < d; i++) {
            S1[i] += Z[i];
            for (size_t j = 0; j < d; j++) {
                double p = Z[i] * Z[j];
                S2[i * d + j] += p;
                S4[i * d + j] += p * p;
            }
        }
    }
    for (size_t i = 0; i < d; i++) {
        double z = S1[i] / n / sqrt(C[i * d + i] / n);
        cr_expect(fabs(z) < 5, "mean of component %zu: z = %.2f", i, z);
        for (size_t j = 0; j < d; j++) {
            double mean = S2[i * d + j] / n, var = S4[i * d + j] / n - mean * mean;
            double zc = (mean - C[i * d + j]) / sqrt(var / n);
            cr_expect(fabs(zc) < 5, "C(%zu,%zu): sample %g exact %g (z = %.2f)", i, j, mean,
                      C[i * d + j], zc);
        }
    }
    /* Tr(H C) by the law's shortcut against the trace of C itself. */
    double t = 0;
    for (size_t k = 0; k < d * d; k++)
        t += H[k] * C[k];
    double fast = m->noise->type->trace_hc(m->noise->state, 0, x, m->land->H);
    cr_assert_float_eq(fast, t, 1e-10 * fabs(t), "Tr(H C): %g against %g", fast, t);
    free(Z);
    free(C);
    free(H);
    free(S1);
    free(S2);
    free(S4);
    fdr_rng_free(rng);
    fdr_model_free(m);
}

Test(minibatch, covariance_is_the_finite_population_formula, .timeout = 120)
{
    const double x0[4] = {0, 0, 0, 0}, x1[4] = {0.5, -1, 2, 0.3};
    check_noise_covariance(SHIFTED(10) "[optimizer]\nlr = 0.1\n", x0);
    check_noise_covariance(SHIFTED(150) "[optimizer]\nlr = 0.1\n", x0);
    check_noise_covariance(REGRESSION(10) "[optimizer]\nlr = 0.1\n", x0);
    check_noise_covariance(REGRESSION(10) "[optimizer]\nlr = 0.1\n", x1);
    check_noise_covariance(REGRESSION(100) "[optimizer]\nlr = 0.1\n", x1);
    const double q[2] = {0.3, -0.4};
    check_noise_covariance(QUARTIC_COPIES "[optimizer]\nlr = 0.1\n", q);
}

/* On a non-quadratic landscape the loss is the mean of the shifted copies:
 * its gradient and Hessian match finite differences of that mean. */
Test(minibatch, copies_of_a_quartic_average_into_the_loss)
{
    fdr_model *m = test_model(QUARTIC_COPIES "[optimizer]\nlr = 0.1\n");
    cr_assert_eq(m->land->nshift, 50);
    cr_assert(!m->land->ref_is_min);
    const double x[2] = {0.3, -0.4}, h = 1e-5;
    double g[2], H[4], xp[2], gp[2], gm[2];
    fdr_landscape_gradient(m->land, x, g);
    fdr_landscape_hessian(m->land, x, H);
    for (int i = 0; i < 2; i++) {
        memcpy(xp, x, sizeof xp);
        xp[i] = x[i] + h;
        double fp = fdr_landscape_value(m->land, xp);
        fdr_landscape_gradient(m->land, xp, gp);
        xp[i] = x[i] - h;
        double fm = fdr_landscape_value(m->land, xp);
        fdr_landscape_gradient(m->land, xp, gm);
        cr_assert_float_eq(g[i], (fp - fm) / (2 * h), 1e-7 * (1 + fabs(g[i])));
        for (int j = 0; j < 2; j++)
            cr_assert_float_eq(H[j * 2 + i], (gp[j] - gm[j]) / (2 * h), 1e-7 * (1 + fabs(H[j * 2 + i])));
    }
    fdr_model_free(m);
}

/* Off the quadratic, Tr(H C(theta)) comes from directional derivatives of
 * the mean landscape along the copies' gradient deviations, no H formed:
 * it must equal the trace of the explicit Hessian times the explicit C(x)
 * at random points, with N > d (the Givens-reduced directions) and N <= d
 * (the deviations themselves), rotated and coupled quartics, weight decay
 * and a Gaussian mixture; for every replica's scratch. */
Test(minibatch, copies_trace_matches_explicit_hessian_and_covariance)
{
    static const char *const inis[] = {
        QUARTIC_COPIES,
        "[landscape]\ntype = quartic\ndim = 6\nh = log 0.5 2\ncubic = 0.7\nquartic = 2\n"
        "coupling = 0.3\nrotation = random\nweight_decay = 0.1\n[noise]\ntype = minibatch\n"
        "samples = 4\nbatch = 2\nspread = spectrum log 0.3 1.5\nspread_rotation = random\n",
        "[landscape]\ntype = quartic\ndim = 5\nh = -1 1 0.5 2 1\ncubic = 0.4\nquartic = 3\n"
        "rotation = random\n[noise]\ntype = minibatch\nsamples = 40\nbatch = 7\n"
        "spread = diagonal 1 0 0.5 2 0.1\n",
        "[landscape]\ntype = gmm\ndim = 3\ncomponents = 2\nmeans = 0 0 0; 1 -1 0.5\n"
        "covariances = isotropic 1; isotropic 0.5\n[noise]\ntype = minibatch\nsamples = 30\n"
        "batch = 3\nspread = isotropic 0.5\n",
    };
    fdr_rng *rng = fdr_rng_alloc(5, 0);
    cr_assert(rng);
    for (size_t k = 0; k < sizeof inis / sizeof inis[0]; k++) {
        char text[1024];
        snprintf(text, sizeof text, "%s[optimizer]\nlr = 0.05\n", inis[k]);
        fdr_model *m = test_model(text);
        cr_assert_null(m->land->H, "%s: not a quadratic", inis[k]);
        size_t d = m->land->dim, R = 3;
        double *x = malloc(d * sizeof *x), *H = malloc(d * d * sizeof *H),
               *C = malloc(d * d * sizeof *C);
        cr_assert(x && H && C);
        cr_assert_eq(m->noise->type->prepare(m->noise->state, R), FDR_OK);
        for (int p = 0; p < 20; p++) {
            fdr_rng_uniform(rng, x, d);
            for (size_t i = 0; i < d; i++)
                x[i] = 1.5 * (2 * x[i] - 1);
            fdr_landscape_hessian(m->land, x, H);
            m->noise->type->covariance(m->noise->state, x, C);
            double t = 0;
            for (size_t i = 0; i < d * d; i++)
                t += H[i] * C[i];
            for (size_t r = 0; r < R; r++) {
                double fast = m->noise->type->trace_hc(m->noise->state, r, x, NULL);
                cr_assert(fabs(fast - t) <= 1e-12 * fabs(t), "%s\npoint %d replica %zu: %.17g "
                          "against %.17g", inis[k], p, r, fast, t);
            }
        }
        free(x);
        free(H);
        free(C);
        fdr_model_free(m);
    }
    fdr_rng_free(rng);
}

Test(minibatch, full_batch_has_no_noise)
{
    const double x[4] = {0.5, -1, 2, 0.3};
    fdr_model *m = test_model(SHIFTED(200) "[optimizer]\nlr = 0.1\n");
    double Z[4];
    fdr_rng *rng = fdr_rng_alloc(1, 0);
    m->noise->type->sample(m->noise->state, 1, 0, 0, x, Z, &rng, NULL);
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(Z[i], 0.0, 1e-12);
    fdr_rng_free(rng);
    fdr_model_free(m);
}

static void expect_relations_hold(const char *ini, int exact)
{
    test_run t;
    test_run_model(&t, ini, 2);
    cr_assert_null(t.m->noise->caveat);
    for (size_t i = 0; i < t.a.nrel; i++)
        cr_expect(t.a.rel[i].pass, "%s: z = %.2f", t.a.rel[i].name, t.a.rel[i].z);
    cr_assert_eq(t.e.available, exact, "exact reference %s", exact ? "expected" : "unexpected");
    for (int k = 0; exact && k < FDR_NSTATE_OBS; k++) {
        const fdr_observable *o = &t.a.obs[k];
        double z = (o->est.val - o->exact) / o->est.err;
        cr_expect(fabs(z) < 4, "%s: %g +- %g, exact %g", o->key, o->est.val, o->est.err, o->exact);
    }
    test_run_free(&t);
}

#define RUN "[optimizer]\nlr = 0.1\nmomentum = 0.5\n[run]\nreplicas = 32\nsteps = 20000\n"

Test(minibatch, relations_hold_with_independent_batches, .timeout = 120)
{
    /* Shifted copies: constant C, the Lyapunov values apply exactly. */
    expect_relations_hold(SHIFTED(10) RUN, 1);
    expect_relations_hold(SHIFTED(100) RUN, 1);
    /* Regression: C depends on theta, no exact reference. */
    expect_relations_hold(REGRESSION(10) RUN, 0);
    expect_relations_hold(REGRESSION(100) RUN, 0);
    /* Shifted copies of a quartic: the loss is their mean. */
    expect_relations_hold(QUARTIC_COPIES RUN, 0);
}

/* Epoch shuffling is offered and labelled approximate; the deviation it
 * causes is measured here (FDR1's LHS/RHS - 1 = -0.075 for this model and
 * seed, |z| = 27: logged, and asserted beyond |z| > 6). */
Test(minibatch, epoch_shuffling_is_approximate_and_the_deviation_is_visible, .timeout = 120)
{
    test_run t;
    test_run_model(&t,
                   "[landscape]\ntype = regression\ndim = 4\nsamples = 1000\n"
                   "features = spectrum log 0.5 2\nlabel_noise = 0.5\n[noise]\ntype = minibatch\n"
                   "batch = 10\nsampling = epoch\n" RUN,
                   2);
    cr_assert_not_null(t.m->noise->caveat);
    const fdr_relation *f1 = fdr_analysis_find(&t.a, "FDR1");
    cr_assert(!f1->identity, "labelled approximate");
    cr_assert(fabs(f1->z) > 6, "epoch shuffling's deviation not visible: z = %.2f", f1->z);
    cr_log_info("epoch shuffling: FDR1 LHS/RHS - 1 = %.4f (z = %.1f)",
                f1->lhs.val / f1->rhs.val - 1, f1->z);
    cr_assert(t.a.all_pass, "approximations do not fail --check");
    test_run_free(&t);
}

Test(minibatch, bad_input_is_rejected)
{
    const char *msg = test_reject(
        "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n[noise]\ntype = minibatch\n"
        "samples = 10\nbatch = 11\n[optimizer]\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "[noise] batch"), "%s", msg ? msg : "(accepted)");
    msg = test_reject("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n[noise]\n"
                      "type = minibatch\nsamples = 10\nbatch = 0\n[optimizer]\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "[noise] batch"), "%s", msg ? msg : "(accepted)");
    msg = test_reject("[landscape]\ntype = quartic\ndim = 1\nh = 1\nquartic = 1\n[noise]\n"
                      "type = minibatch\nsamples = 10\nbatch = 2\nper_sample = sideways\n"
                      "[optimizer]\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "[noise] per_sample"), "%s", msg ? msg : "(accepted)");
    msg = test_reject("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n[noise]\n"
                      "type = minibatch\nper_sample = regression\nbatch = 2\n[optimizer]\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "[noise] per_sample"), "%s", msg ? msg : "(accepted)");
    msg = test_reject("[landscape]\ntype = regression\ndim = 3\nsamples = 3\n[optimizer]\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "[landscape] samples"), "%s", msg ? msg : "(accepted)");
}
