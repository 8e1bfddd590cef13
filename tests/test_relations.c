/* test_relations.c - FDR0 and FDR1 (scalar and tensor) hold on fixed seeds,
 * agree with the exact Lyapunov values, and a wrong relation is caught.
 * Tolerances are z-scores against the reported 1-sigma error bars. */
#include "helpers.h"

#include <math.h>

/* Rotated quadratic, noise covariance not commuting with H, momentum,
 * dampening and a minimum away from the origin. */
static const char *noncommuting =
    "[landscape]\ntype = quadratic\ndim = 6\nspectrum = log 0.3 3\nrotation = random\n"
    "minimum = 1\n[noise]\ncovariance = spectrum log 2 0.2\ncovariance_rotation = random\n"
    "[optimizer]\nlr = 0.1\nmomentum = 0.9\ndampening = 0.3\n"
    "[run]\nreplicas = 64\nsteps = 40000\nseed = 3\n";

static const char *plain_sgd =
    "[landscape]\ntype = quadratic\ndim = 20\nspectrum = log 0.2 5\n"
    "[noise]\ncovariance = isotropic 0.5\n[optimizer]\nlr = 0.2\n"
    "[run]\nreplicas = 32\nsteps = 80000\nseed = 5\n";

static const char *dense_large =
    "[landscape]\ntype = quadratic\ndim = 80\nspectrum = power 2 1\nrotation = random\n"
    "[noise]\ncovariance = hessian 1 1\n[optimizer]\nlr = 0.4\nmomentum = 0.5\n"
    "[run]\nreplicas = 32\nsteps = 6000\nseed = 9\n";

static const char *few_replicas =
    "[landscape]\ntype = quadratic\ndim = 10\nspectrum = log 0.5 2\n"
    "[optimizer]\nlr = 0.1\nmomentum = 0.3\n[run]\nreplicas = 4\nsteps = 100000\nseed = 11\n";

static void expect_all_hold(const char *ini)
{
    test_run t;
    test_run_model(&t, ini, 2);
    for (size_t i = 0; i < t.a.nrel; i++) {
        const fdr_relation *r = &t.a.rel[i];
        cr_expect(r->pass, "%s: z = %.2f (threshold %.2f)", r->name, r->z, r->threshold);
        cr_expect(isfinite(r->z) && r->diff.err > 0, "%s has a finite error bar", r->name);
    }
    cr_assert_eq(t.a.nrel, 7, "FDR0.grad, FDR0.v, FDR1, FDR1.tensor, FDR2, FDR2.harmonic, FDR2.F2");
    /* FDR2 terms against their exact values; F3 and beyond vanish exactly. */
    const fdr_fdr2_terms *f2 = &t.a.fdr2;
    double zd = (f2->dissipation.val - f2->dissipation_exact) / f2->dissipation.err;
    double zf = (f2->F[2].val - f2->F2_exact) / f2->F[2].err;
    double zn = (f2->F2_noise_averaged.val - f2->F2_exact) / f2->F2_noise_averaged.err;
    cr_expect(fabs(zd) < 4 && fabs(zf) < 4 && fabs(zn) < 4,
              "FDR2 terms against exact: dissipation z = %.2f, F2 z = %.2f, F2 (noise-averaged) "
              "z = %.2f",
              zd, zf, zn);
    cr_assert_float_eq(f2->dissipation_exact, f2->F2_exact, 1e-9 * f2->F2_exact);
    for (int k = 3; k <= f2->order; k++)
        cr_assert_eq(f2->F[k].val, 0.0, "F%d on a quadratic", k);
    cr_assert(t.e.available);
    /* Every observable agrees with its exact stationary value. */
    for (int k = 0; k < FDR_NSTATE_OBS; k++) {
        const fdr_observable *o = &t.a.obs[k];
        double z = (o->est.val - o->exact) / o->est.err;
        cr_expect(fabs(z) < 4, "%s: %g +- %g, exact %g (z = %.2f)", o->key, o->est.val,
                  o->est.err, o->exact, z);
    }
    /* The exact sides themselves satisfy FDR1 (a check of the solver). */
    const fdr_relation *f1 = &t.a.rel[FDR_REL_FDR1];
    cr_assert_float_eq(f1->lhs_exact, f1->rhs_exact, 1e-9 * fabs(f1->lhs_exact));
    for (size_t k = 0; k < t.a.ntens; k++) {
        const fdr_relation *e = &t.a.tens[k];
        cr_assert_float_eq(e->lhs_exact, e->rhs_exact, 1e-9 * (fabs(e->lhs_exact) + 1e-12),
                           "tensor entry %zu", k);
        double z = (e->lhs.val - e->lhs_exact) / e->lhs.err;
        cr_expect(fabs(z) < fdr_analysis_find(&t.a, "FDR1.tensor")->threshold,
                  "tensor entry %zu LHS against exact: z = %.2f", k, z);
    }
    test_run_free(&t);
}

Test(relations, hold_with_momentum_dampening_and_noncommuting_noise, .timeout = 120)
{
    expect_all_hold(noncommuting);
}

Test(relations, hold_for_plain_sgd, .timeout = 120)
{
    expect_all_hold(plain_sgd);
}

Test(relations, hold_with_a_dense_hessian_and_random_directions, .timeout = 120)
{
    expect_all_hold(dense_large);
}

Test(relations, hold_with_batch_means_for_few_replicas, .timeout = 120)
{
    expect_all_hold(few_replicas);
}

/* The twins: the same data checked against a wrong relation must fail. */
static void expect_wrong_relation_caught(const char *ini, double factor, const char *what)
{
    test_run t;
    test_run_model(&t, ini, 2);
    double cl[FDR_NOBS] = {0}, cr[FDR_NOBS] = {0};
    cl[FDR_OBS_OL] = 1;
    cr[FDR_OBS_VV] = factor * (1 + t.m->momentum) / (2 * t.m->eta_b);
    fdr_relation right, wrong;
    cr[FDR_OBS_VV] /= factor;
    fdr_scalar_relation(t.r, cl, cr, 4.0, &right);
    cr[FDR_OBS_VV] *= factor;
    fdr_scalar_relation(t.r, cl, cr, 4.0, &wrong);
    cr_assert(right.pass, "the right relation holds (z = %.2f)", right.z);
    cr_assert(!wrong.pass && fabs(wrong.z) > 6, "%s not caught: z = %.2f", what, wrong.z);
    test_run_free(&t);
}

Test(relations, dropping_one_plus_mu_is_caught, .timeout = 120)
{
    /* (1 + mu) -> 1: a factor 1 / 1.9 on the right-hand side. */
    expect_wrong_relation_caught(noncommuting, 1 / 1.9, "FDR1 without (1 + mu)");
}

Test(relations, forgetting_dampening_is_caught, .timeout = 120)
{
    /* eta_b -> eta: a factor (1 - nu) = 0.7 on the right-hand side. */
    expect_wrong_relation_caught(noncommuting, 0.7, "FDR1 with eta instead of eta_b");
}

Test(relations, a_one_percent_error_is_caught_on_a_long_run, .timeout = 120)
{
    expect_wrong_relation_caught(plain_sgd, 1.01, "FDR1 off by 1%");
}

Test(relations, fdr2_without_the_momentum_term_is_caught, .timeout = 120)
{
    /* Dissipation written as eta_b <|grad f|^2>, forgetting - mu <v . grad f>. */
    test_run t;
    test_run_model(&t, noncommuting, 2);
    double cl[FDR_NOBS] = {0}, cr[FDR_NOBS] = {0};
    cl[FDR_OBS_GSQ] = t.m->eta_b;
    cr[FDR_OBS_F2] = 1;
    fdr_relation wrong;
    fdr_scalar_relation(t.r, cl, cr, 4.0, &wrong);
    cr_assert(fdr_analysis_find(&t.a, "FDR2")->pass, "the right FDR2 holds");
    cr_assert(!wrong.pass && fabs(wrong.z) > 6, "FDR2 without mu <v.grad f> not caught: z = %.2f",
              wrong.z);
    test_run_free(&t);
}

Test(relations, bonferroni_threshold_grows_with_the_number_of_tests)
{
    cr_assert_float_eq(fdr_threshold_adjust(4, 1), 4, 1e-12);
    double t100 = fdr_threshold_adjust(4, 100);
    cr_assert(t100 > 4.9 && t100 < 5.1, "%g", t100);
    cr_assert(fdr_threshold_adjust(4, 10000) > t100);
}

/* The stationarity check and its twin: the same model measured after a long
 * burn-in shows no drift between the window's halves; measured from step 0,
 * while theta still relaxes from 3 along a slow direction (h = 0.02, about
 * 500 steps per e-fold), it is flagged. */
static const char *relaxing = "[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 0.02 0.1 1 2\n"
                              "[optimizer]\nlr = 0.1\nmomentum = 0.5\n[run]\nreplicas = 32\n"
                              "init = 3\nsteps = %d\nburn_in = %d\n";

Test(relations, a_stationary_window_shows_no_drift, .timeout = 120)
{
    char ini[512];
    snprintf(ini, sizeof ini, relaxing, 14000, 10000);
    test_run t;
    test_run_model(&t, ini, 2);
    const fdr_stationarity *st = &t.a.stationarity;
    /* Student t with 31 degrees of freedom is wider than the normal limit */
    cr_assert_gt(st->threshold, fdr_threshold_adjust(t.m->threshold, FDR_NSTAT_QTY));
    cr_assert(st->pass, "%s drifts, z = %g (limit %g)", st->worst, st->z, st->threshold);
    cr_assert_lt(fabs(st->z), st->threshold);
    test_run_free(&t);
}

Test(relations, a_transient_in_the_window_is_flagged, .timeout = 120)
{
    char ini[512];
    snprintf(ini, sizeof ini, relaxing, 4000, 0);
    test_run t;
    test_run_model(&t, ini, 2);
    const fdr_stationarity *st = &t.a.stationarity;
    cr_assert_not(st->pass, "%s: z = %g (limit %g)", st->worst, st->z, st->threshold);
    cr_assert_gt(fabs(st->z), st->threshold);
    test_run_free(&t);
}

/* tau_int of theta . grad f = sum_i h_i theta_i^2 for plain SGD on a
 * diagonal quadratic with isotropic unit noise: each theta_i is an AR(1)
 * with a_i = 1 - lr h_i and variance s_i = lr / (h_i (2 - lr h_i)), so
 * theta_i^2 has autocovariance 2 s_i^2 a_i^(2k) and tau_int
 * (1 + a_i^2) / (2 (1 - a_i^2)); the sum weights them by h_i^2 s_i^2. */
static double tau_exact(double lr, const double *h, int d)
{
    double num = 0, den = 0;
    for (int i = 0; i < d; i++) {
        double a2 = (1 - lr * h[i]) * (1 - lr * h[i]), s = lr / (h[i] * (2 - lr * h[i]));
        double w = h[i] * h[i] * s * s;
        num += w * (1 + a2) / (2 * (1 - a2));
        den += w;
    }
    return num / den;
}

/* A slow mode: theta . grad f relaxes over 1/(lr h) = 200 steps, and its
 * exact tau_int is 49.9 steps. Runs it for the given number of steps; 4
 * replicas, so the batches are steps / 16 long and the errors come from
 * batch means. *tau is the exact tau_int, *err the 1-sigma error of its
 * estimate (a pooled variance of 4 x 16 batch means: 60 degrees of
 * freedom, relative error sqrt(2 / 60)). */
static void run_slow_mode(test_run *t, int steps, double *tau, double *err)
{
    static const double h[2] = {0.05, 1};
    char ini[512];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list %g %g\n"
             "[optimizer]\nlr = 0.1\n[run]\nreplicas = 4\nsteps = %d\n",
             h[0], h[1], steps);
    test_run_model(t, ini, 2);
    *tau = tau_exact(0.1, h, 2);
    *err = sqrt(2.0 / (4 * (FDR_NBATCH - 1))) * *tau;
}

/* Batches of 125 steps give an estimate far below the exact value: it is
 * reported as a lower bound, and the batch-means errors as suspect. */
Test(relations, short_batches_bound_tau_int_from_below, .timeout = 120)
{
    test_run t;
    double tau, err;
    run_slow_mode(&t, 4000, &tau, &err);
    const fdr_observable *o = &t.a.obs[FDR_OBS_OL];
    cr_assert_not(o->tau_resolved, "tau_int = %g from batches of 125 steps", o->tau_int);
    cr_assert(t.a.errors_suspect);
    cr_assert_gt((tau - o->tau_int) / err, 2, "tau_int = %g, exact %g", o->tau_int, tau);
    test_run_free(&t);
}

/* The twin: batches of 5000 steps resolve it, within 4 sigma. */
Test(relations, long_batches_resolve_tau_int, .timeout = 120)
{
    test_run t;
    double tau, err;
    run_slow_mode(&t, 160000, &tau, &err);
    const fdr_observable *o = &t.a.obs[FDR_OBS_OL];
    cr_assert(o->tau_resolved, "tau_int = %g from batches of 5000 steps", o->tau_int);
    cr_assert_not(t.a.errors_suspect);
    cr_assert_lt(fabs(o->tau_int - tau) / err, 4, "tau_int = %g, exact %g +- %g", o->tau_int, tau,
                 err);
    test_run_free(&t);
}
