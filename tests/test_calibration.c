/* test_calibration.c - are fdrsim's error bars honest? M independent seeds
 * of a quadratic with an exact answer and strong autocorrelation (tau_int of
 * order 100 steps): the 1-sigma intervals must cover the exact value in a
 * fraction consistent with 68.27% and the 2-sigma intervals with 95.45%,
 * within 4 binomial standard deviations sqrt(p (1 - p) / M). Checked for
 * <theta . grad f>, for G(eta) and for the noise-weighted curvature (a ratio,
 * whose error comes from the delta method), with errors from independent
 * replicas and from batch means; and for a preconditioned run.
 *
 * The naive error, which treats every step of every replica as independent,
 * is computed alongside and must fail: it is sd / sqrt(R W) over all R W
 * samples of the measurement window, with the per-sample variance
 * Var x = sum x^2 / (R W) - mean^2 from the engine's accumulators (sumsq per
 * replica, in its units squnit; bsum per replica and batch). Autocorrelation
 * inflates the true variance of the mean by 2 tau_int, so the naive interval
 * is about sqrt(2 tau_int) ~ 14 times too short. */
#include "helpers.h"
#include "stats/estimators.h"

#include <math.h>
#include <stdio.h>

#define M 400 /* seeds */

/* Diagonal quadratic (the engine's fused path) with eigenvalues 0.25 and 1
 * and diagonal noise. At lr 0.02 the slow direction relaxes in
 * 1 / (lr h) = 200 steps and its square, the bulk of theta . grad f, has an
 * integrated autocorrelation time of about 100 steps. */
#define CALIBRATION_MODEL                                                                         \
    "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 0.25 1\n"                           \
    "[noise]\ncovariance = diagonal 1 0.5\n[optimizer]\nlr = 0.02\n"

/* The naive 1-sigma error of the mean of scalar observable k. */
static double naive_error(const fdr_result *r, int k)
{
    long double s1 = 0, s2 = 0;
    for (size_t rep = 0; rep < r->R; rep++) {
        for (int b = 0; b < FDR_NBATCH; b++)
            s1 += r->bsum[(rep * FDR_NBATCH + (size_t)b) * FDR_NOBS + k];
        double u = r->squnit[rep * FDR_NOBS + k];
        s2 += r->sumsq[rep * FDR_NOBS + k] / (u * u);
    }
    long double n = (long double)r->R * (long double)r->window, mean = s1 / n;
    return sqrt((double)((s2 / n - mean * mean) / n));
}

typedef struct {
    const char *what;
    int hits1, hits2; /* intervals of 1 and 2 sigma that cover the exact value */
} coverage;

static void count(coverage *c, double est, double err, double exact)
{
    double z = fabs(est - exact) / err;
    c->hits1 += z < 1;
    c->hits2 += z < 2;
}

/* Within 4 binomial standard deviations of the nominal coverage. */
static int consistent(int hits, double p)
{
    return fabs((double)hits / M - p) < 4 * sqrt(p * (1 - p) / M);
}

/* Prints the coverage as a TAP-style comment. Run tests/test_calibration
 * directly to see it: under `make check` Criterion keeps stdout for its TAP
 * stream and drops what the tests print. */
static void report(const coverage *c)
{
    printf("# calibration: %-46s 1 sigma covers %5.1f%% (nominal 68.3%%), 2 sigma %5.1f%% "
           "(95.4%%) of %d seeds\n",
           c->what, 100.0 * c->hits1 / M, 100.0 * c->hits2 / M, M);
    fflush(stdout);
}

static void calibrate(const char *run, const char *label)
{
    char ini[1024];
    snprintf(ini, sizeof ini, CALIBRATION_MODEL "%s", run);
    fdr_model *m = test_model(ini);
    fdr_exact e;
    fdr_limits lim;
    fdr_harmonic_values hv;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_assert_eq(fdr_limits_compute(m, &lim), FDR_OK);
    fdr_harmonic_at(&lim, m->lr, &hv);
    char what[4][64];
    snprintf(what[0], sizeof what[0], "<theta . grad f>, %s", label);
    snprintf(what[1], sizeof what[1], "G(eta), %s", label);
    snprintf(what[2], sizeof what[2], "curvature G / <theta . grad f>, %s", label);
    snprintf(what[3], sizeof what[3], "<theta . grad f>, naive error");
    coverage cov[4] = {{what[0], 0, 0}, {what[1], 0, 0}, {what[2], 0, 0}, {what[3], 0, 0}};
    double tau = NAN;
    for (int s = 0; s < M; s++) {
        /* Only the seed changes; every other part of the model is fixed. */
        m->seed = 1000 + (uint64_t)s;
        fdr_result *r;
        fdr_point p;
        cr_assert_eq(fdr_engine_run(m, 2, 0, &r), FDR_OK);
        cr_assert_eq(fdr_point_measure(m, r, &lim, &hv, &p), FDR_OK);
        if (s == 0) {
            fdr_analysis a;
            cr_assert_eq(fdr_analyse(m, r, &e, &a), FDR_OK);
            tau = a.obs[FDR_OBS_OL].tau_int;
            fdr_analysis_clear(&a);
        }
        count(&cov[0], p.theta_dot_grad.val, p.theta_dot_grad.err, e.tr.theta_dot_grad);
        count(&cov[1], p.G.val, p.G.err, p.G_exact);
        count(&cov[2], p.curvature.val, p.curvature.err, p.curvature_exact);
        count(&cov[3], p.theta_dot_grad.val, naive_error(r, FDR_OBS_OL), e.tr.theta_dot_grad);
        fdr_result_free(r);
    }
    /* The premise: strong autocorrelation, which the naive error ignores.
     * tau_int comes from batch means, which underestimate it unless the
     * batches are much longer, so an estimate above 30 steps is safe. */
    printf("# calibration: tau_int of theta . grad f = %.0f steps\n", tau);
    cr_assert(tau > 30, "test design: tau_int = %g steps is not strong autocorrelation", tau);
    for (int k = 0; k < 4; k++)
        report(&cov[k]);
    for (int k = 0; k < 3; k++) {
        cr_expect(consistent(cov[k].hits1, 0.6827), "%s: 1-sigma coverage %.3f", cov[k].what,
                  (double)cov[k].hits1 / M);
        cr_expect(consistent(cov[k].hits2, 0.9545), "%s: 2-sigma coverage %.3f", cov[k].what,
                  (double)cov[k].hits2 / M);
    }
    /* The naive error bar undercovers far beyond binomial noise. */
    cr_expect((double)cov[3].hits1 / M < 0.6827 - 4 * sqrt(0.6827 * 0.3173 / M),
              "the naive error should fail: 1-sigma coverage %.3f", (double)cov[3].hits1 / M);
    fdr_limits_clear(&lim);
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

/* The same for the preconditioned optimizer (the general path): a dense P
 * commuting with neither H nor C, errors from independent replicas, for
 * <theta . grad f>, <v^T P^-1 v> (FDR1's right side) and the dissipation
 * eta_b <grad f^T P grad f> - mu <v . grad f>, against the exact values. The
 * slowest direction of P^1/2 H P^1/2 (0.185) relaxes in 1 / (eta_b h / (1 - mu))
 * = 380 steps, and the noise loads it. */
Test(calibration, preconditioned_error_bars_are_honest, .timeout = 300)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 0.25 1\n"
                              "[noise]\ncovariance = matrix 2 0.2 0.2 0.3\n[optimizer]\n"
                              "type = preconditioned\nlr = 0.01\nmomentum = 0.3\n"
                              "preconditioner = matrix 1 0.4 0.4 0.8\n"
                              "[run]\nreplicas = 32\nsteps = 4000\n");
    fdr_exact e;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK, "%s", fdr_error_message());
    cr_assert(e.available);
    coverage cov[3] = {{"<theta . grad f>, preconditioned", 0, 0},
                       {"<v^T P^-1 v>, preconditioned", 0, 0},
                       {"dissipation, preconditioned", 0, 0}};
    double tau = NAN;
    for (int s = 0; s < M; s++) {
        m->seed = 5000 + (uint64_t)s;
        fdr_result *r;
        fdr_analysis a;
        cr_assert_eq(fdr_engine_run(m, 2, 0, &r), FDR_OK);
        cr_assert_eq(fdr_analyse(m, r, &e, &a), FDR_OK);
        if (s == 0)
            tau = a.obs[FDR_OBS_OL].tau_int;
        const fdr_est *ol = &a.obs[FDR_OBS_OL].est, *vv = &a.obs[FDR_OBS_VV].est;
        count(&cov[0], ol->val, ol->err, e.tr.theta_dot_grad);
        count(&cov[1], vv->val, vv->err, e.tr.v_dot_v);
        count(&cov[2], a.fdr2.dissipation.val, a.fdr2.dissipation.err, a.fdr2.dissipation_exact);
        fdr_analysis_clear(&a);
        fdr_result_free(r);
    }
    printf("# calibration: tau_int of theta . grad f (preconditioned) = %.0f steps\n", tau);
    cr_assert(tau > 30, "test design: tau_int = %g steps is not strong autocorrelation", tau);
    for (int k = 0; k < 3; k++) {
        report(&cov[k]);
        cr_expect(consistent(cov[k].hits1, 0.6827), "%s: 1-sigma coverage %.3f", cov[k].what,
                  (double)cov[k].hits1 / M);
        cr_expect(consistent(cov[k].hits2, 0.9545), "%s: 2-sigma coverage %.3f", cov[k].what,
                  (double)cov[k].hits2 / M);
    }
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

Test(calibration, replica_error_bars_are_honest, .timeout = 300)
{
    calibrate("[run]\nreplicas = 32\nsteps = 4000\n", "32 replicas");
}

Test(calibration, batch_mean_error_bars_are_honest, .timeout = 300)
{
    /* 4 replicas: errors from 16 batch means each, batches of 2500 steps,
     * far longer than tau_int. */
    calibrate("[run]\nreplicas = 4\nsteps = 80000\n", "4 replicas x 16 batches");
}
