/* test_sweep.c - sweeps over learning rates and the estimators of doc/theory.md
 * section 4: the eta -> 0 limits (with momentum and dampening) against the
 * Lyapunov solution, the weighted fits, the intercept and curvature against
 * their exact values, the anharmonic part on the quartic, thread-count
 * invariance, and the files `fdrsim sweep` writes. Statistical tolerances are
 * z-scores against the reported 1-sigma errors. */
#include "cli/cli.h"
#include "helpers.h"
#include "stats/estimators.h"
#include "studies/sweep.h"
#include "scratch.h"

#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A quadratic whose Hessian and noise covariance do not commute, with a
 * minimum away from the origin; exact values come from the Lyapunov solution. */
#define NONCOMMUTING                                                                              \
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.3 3\nrotation = random\n"          \
    "rotation_seed = 7\nminimum = 1\n[noise]\ncovariance = spectrum log 2 0.2\n"                 \
    "covariance_rotation = random\nrotation_seed = 11\n[optimizer]\nlr = 0.1\n"

static fdr_sweep *sweep(const char *ini, const double *lr, size_t n, int threads)
{
    fdr_sweep_spec spec = {.text = ini, .name = "test", .lr = lr, .n = n, .threads = threads};
    fdr_sweep *s = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    return s;
}

static const fdr_estimator *find_est(const fdr_sweep *s, const char *name)
{
    for (size_t i = 0; i < s->lines[0].fit.nest; i++)
        if (strcmp(s->lines[0].fit.est[i].name, name) == 0 && isnan(s->lines[0].fit.est[i].lr))
            return &s->lines[0].fit.est[i];
    cr_assert_fail("no fitted estimator %s", name);
    return NULL;
}

/* Relative distance of x from y. */
static double rel(double x, double y)
{
    return fabs(x - y) / fabs(y);
}

Test(estimators, limits_with_momentum_and_dampening_match_lyapunov)
{
    static const double mu[] = {0, 0.5, 0.9}, nu[] = {0, 0.2, 0.3};
    for (int k = 0; k < 3; k++) {
        char ini[1024];
        snprintf(ini, sizeof ini, NONCOMMUTING "momentum = %g\ndampening = %g\n", mu[k], nu[k]);
        fdr_model *m = test_model(ini);
        fdr_limits lim;
        cr_assert_eq(fdr_limits_compute(m, &lim), FDR_OK);
        cr_assert(lim.available && lim.exact && lim.harmonic);
        /* Every estimator approaches its limit linearly in eta: the distance
         * shrinks tenfold with eta, and is small at eta = 1e-5. */
        double dev[2][3];
        for (int j = 0; j < 2; j++) {
            double eta = j ? 1e-5 : 1e-4;
            fdr_harmonic_values hv;
            fdr_harmonic_at(&lim, eta, &hv);
            double kh = 2 * (1 - mu[k] * mu[k]) / ((1 - nu[k]) * (1 - nu[k]));
            dev[j][0] = rel(kh * hv.G / eta, fdr_limit_hessian(&lim));
            dev[j][1] = rel((1 + mu[k]) / (1 - nu[k]) * hv.G / hv.theta_dot_grad,
                            fdr_limit_curvature(&lim));
            dev[j][2] = rel(hv.loss_excess, fdr_limit_noise_ball(&lim, eta));
        }
        for (int i = 0; i < 3; i++) {
            cr_expect(dev[1][i] < 1e-3, "mu %g nu %g estimator %d: %g from its limit", mu[k],
                      nu[k], i, dev[1][i]);
            double ratio = dev[0][i] / dev[1][i];
            cr_expect(ratio > 8 && ratio < 12, "mu %g nu %g estimator %d: distance ratio %g",
                      mu[k], nu[k], i, ratio);
        }
        cr_expect_float_eq(fdr_limit_intercept(&lim) * 2 * (1 - mu[k] * mu[k]) /
                               ((1 - nu[k]) * (1 - nu[k])),
                           fdr_limit_hessian(&lim), 1e-12 * fdr_limit_hessian(&lim));
        fdr_limits_clear(&lim);
        fdr_model_free(m);
    }
}

Test(estimators, weighted_fit_recovers_a_polynomial_and_its_covariance)
{
    static const double x[] = {0.1, 0.2, 0.35, 0.5, 0.8, 1.1};
    static const int pw[] = {1, 2, 3};
    double y[6], err[6];
    for (int i = 0; i < 6; i++) {
        y[i] = x[i] * (2 + x[i] * (-3 + 0.5 * x[i]));
        err[i] = 0.01 * (1 + i);
    }
    fdr_fit f;
    cr_assert_eq(fdr_fit_poly(6, x, y, err, 3, pw, &f), FDR_OK);
    cr_expect_float_eq(f.c[0], 2.0, 1e-9);
    cr_expect_float_eq(f.c[1], -3.0, 1e-9);
    cr_expect_float_eq(f.c[2], 0.5, 1e-9);
    cr_expect_lt(f.chisq, 1e-15);
    cr_expect_eq(f.dof, 3);
    /* c = L y, and L W^-1 L^T is the covariance. */
    for (size_t j = 0; j < 3; j++) {
        cr_expect_float_eq(fdr_fit_apply(&f, j, y), f.c[j], 1e-9);
        cr_expect_float_eq(fdr_fit_apply_err(&f, j, err), sqrt(f.cov[j][j]),
                           1e-9 * sqrt(f.cov[j][j]));
    }
    fdr_fit_clear(&f);
    err[2] = 0;
    fdr_error_clear();
    cr_expect_eq(fdr_fit_poly(6, x, y, err, 3, pw, &f), FDR_EINVAL);
    cr_expect(strstr(fdr_error_message(), "point 3"), "%s", fdr_error_message());
    cr_expect_eq(fdr_fit_poly(2, x, y, err, 3, pw, &f), FDR_EINVAL);
}

/* Data and errors scaled by 2^k give coefficients and errors scaled by
 * exactly 2^k: the fit weighs in units of the largest error, so errors near
 * 1e+-270, whose squares are beyond the range of doubles, fit as well as
 * errors near 1. */
Test(estimators, weighted_fit_is_exact_under_power_of_two_scaling)
{
    static const double x[] = {0.1, 0.2, 0.35, 0.5, 0.8, 1.1};
    static const int pw[] = {1, 2, 3}, scale[] = {900, -900};
    double y[6], err[6], ys[6], es[6];
    for (int i = 0; i < 6; i++) {
        /* Off the cubic by +-1 sigma, so that chi^2 is not zero. */
        err[i] = 0.01 * (1 + i);
        y[i] = x[i] * (2 + x[i] * (-3 + 0.5 * x[i])) + (i % 2 ? err[i] : -err[i]);
    }
    fdr_fit f, g;
    cr_assert_eq(fdr_fit_poly(6, x, y, err, 3, pw, &f), FDR_OK);
    for (int s = 0; s < 2; s++) {
        int k = scale[s];
        for (int i = 0; i < 6; i++) {
            ys[i] = ldexp(y[i], k);
            es[i] = ldexp(err[i], k);
        }
        fdr_error_clear();
        cr_assert_eq(fdr_fit_poly(6, x, ys, es, 3, pw, &g), FDR_OK, "2^%d: %s", k,
                     fdr_error_message());
        cr_expect_eq(g.chisq, f.chisq, "2^%d: chi^2 %g, unscaled %g", k, g.chisq, f.chisq);
        for (size_t j = 0; j < 3; j++) {
            cr_expect_eq(g.c[j], ldexp(f.c[j], k), "2^%d: c%zu = %g", k, j, g.c[j]);
            cr_expect_eq(g.err[j], ldexp(f.err[j], k), "2^%d: c%zu error %g", k, j, g.err[j]);
            cr_expect_eq(fdr_fit_apply(&g, j, ys), ldexp(fdr_fit_apply(&f, j, y), k));
            cr_expect_eq(fdr_fit_apply_err(&g, j, es), ldexp(fdr_fit_apply_err(&f, j, err), k),
                         "2^%d: applied error of c%zu", k, j);
        }
        fdr_fit_clear(&g);
    }
    fdr_fit_clear(&f);
}

/* The estimator at lr of the given name. */
static const fdr_estimator *find_est_at(const fdr_sweep_fit *fit, const char *name, double lr)
{
    for (size_t i = 0; i < fit->nest; i++)
        if (strcmp(fit->est[i].name, name) == 0 && fit->est[i].lr == lr)
            return &fit->est[i];
    cr_assert_fail("no estimator %s at lr %g", name, lr);
    return NULL;
}

/* An estimator whose error bar is zero or infinite is unresolved (z NAN), as
 * in fdrsim run, not an infinite z (a failure) or a zero one (a pass). */
Test(estimators, an_error_bar_that_is_not_finite_and_positive_is_unresolved)
{
    fdr_model *m = test_model(NONCOMMUTING);
    fdr_limits lim;
    cr_assert_eq(fdr_limits_compute(m, &lim), FDR_OK);
    static const double lr[] = {0.02, 0.04, 0.08, 0.16};
    fdr_point pts[4];
    memset(pts, 0, sizeof pts);
    for (int i = 0; i < 4; i++) {
        fdr_harmonic_values hv;
        fdr_harmonic_at(&lim, lr[i], &hv);
        fdr_point *p = &pts[i];
        p->lr = lr[i];
        /* The exact values off by 1 sigma of a 1% error. */
        p->G = (fdr_est){1.01 * hv.G, 0.01 * hv.G};
        p->hessian = (fdr_est){2 * p->G.val / lr[i], 2 * p->G.err / lr[i]};
        p->curvature = (fdr_est){1.01 * hv.G / hv.theta_dot_grad, 0.01 * hv.G / hv.theta_dot_grad};
        p->loss_excess = (fdr_est){1.01 * hv.loss_excess, 0.01 * hv.loss_excess};
        p->G_exact = hv.G;
        p->hessian_exact = 2 * hv.G / lr[i];
        p->curvature_exact = hv.G / hv.theta_dot_grad;
        p->loss_excess_exact = hv.loss_excess;
    }
    pts[0].hessian.err = 0;
    pts[1].loss_excess.err = INFINITY;
    fdr_sweep_fit fit;
    cr_assert_eq(fdr_sweep_fit_compute(pts, 4, &lim, &fit), FDR_OK, "%s", fdr_error_message());
    const fdr_estimator *h = find_est_at(&fit, "hessian_magnitude", lr[0]);
    const fdr_estimator *b = find_est_at(&fit, "noise_ball", lr[1]);
    cr_expect(isnan(h->z) && isnan(h->z_finite), "zero error: z = %g, z (lr) = %g", h->z,
              h->z_finite);
    cr_expect(isnan(b->z) && isnan(b->z_finite), "infinite error: z = %g, z (lr) = %g", b->z,
              b->z_finite);
    const fdr_estimator *ok = find_est_at(&fit, "noise_ball", lr[0]);
    cr_expect_float_eq(ok->z_finite, 1.0, 1e-9, "a finite error bar: z (lr) = %g", ok->z_finite);
    fdr_sweep_fit_clear(&fit);
    fdr_limits_clear(&lim);
    fdr_model_free(m);
}

Test(sweep, learning_rate_grids)
{
    double *lr;
    size_t n;
    cr_assert_eq(fdr_lr_grid_parse("0.01:0.1:3", &lr, &n), FDR_OK);
    cr_assert_eq(n, 3);
    cr_expect_float_eq(lr[1], 0.055, 1e-15);
    cr_expect_eq(lr[2], 0.1);
    free(lr);
    cr_assert_eq(fdr_lr_grid_parse("0.01:1:3:log", &lr, &n), FDR_OK);
    cr_expect_float_eq(lr[1], 0.1, 1e-15);
    free(lr);
    cr_assert_eq(fdr_lr_grid_parse("0.01,0.02,0.05", &lr, &n), FDR_OK);
    cr_expect(n == 3 && lr[2] == 0.05);
    free(lr);
    static const char *const bad[] = {"0.1:0.01:4", "0:0.1:4", "0.01:0.1:2", "0.01:0.1",
                                      "0.01:0.1:4:cubic", "0.02,0.01", "0.01,,0.02", "x", "-1,1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fdr_error_clear();
        cr_expect_eq(fdr_lr_grid_parse(bad[i], &lr, &n), FDR_EINVAL, "%s accepted", bad[i]);
        cr_expect(strstr(fdr_error_message(), "--lr"), "%s: %s", bad[i], fdr_error_message());
    }
}

/* Every point against the exact stationary values, and the fit against the
 * eta -> 0 limits. The grid keeps the fit's own truncation bias (exact data
 * pushed through the same fit) well below its error, which the test checks
 * first: otherwise a failure would not mean what it says. */
static void expect_exact(const char *ini, const double *lr, size_t n)
{
    fdr_sweep *s = sweep(ini, lr, n, 2);
    cr_assert(s->lines[0].lim.exact);
    /* Per point: G, <theta . grad f>, <f> - f* and the curvature against the
     * exact finite-lr values; chi^2 over the points. */
    double chi2[4] = {0};
    for (size_t i = 0; i < n; i++) {
        const fdr_point *p = &s->pts[i].pt;
        double z[4] = {(p->G.val - p->G_exact) / p->G.err,
                       (p->theta_dot_grad.val - p->theta_dot_grad_exact) / p->theta_dot_grad.err,
                       (p->loss_excess.val - p->loss_excess_exact) / p->loss_excess.err,
                       (p->curvature.val - p->curvature_exact) / p->curvature.err};
        for (int k = 0; k < 4; k++)
            chi2[k] += z[k] * z[k];
        cr_expect(fabs(p->anharmonic.val) < 4 * p->anharmonic.err,
                  "lr %g: a quadratic has no anharmonic part: %g +- %g", p->lr, p->anharmonic.val,
                  p->anharmonic.err);
    }
    double chi2max = gsl_cdf_chisq_Qinv(1e-4, (double)n);
    static const char *const what[] = {"G", "<theta . grad f>", "<f> - f*", "curvature"};
    for (int k = 0; k < 4; k++)
        cr_expect_lt(chi2[k], chi2max, "%s against exact over %zu points: chi^2 = %.1f", what[k],
                     n, chi2[k]);
    const fdr_estimator *a1 = find_est(s, "intercept_a1"), *k0 = find_est(s, "curvature_limit");
    cr_assert(fabs(a1->exact_finite - a1->exact) < 0.3 * a1->est.err,
              "test design: the fit's truncation bias %g must be small against its error %g",
              a1->exact_finite - a1->exact, a1->est.err);
    cr_expect(fabs(a1->z) < 3, "a1 = %g +- %g, exact Tr(H* C*)/2 factor: %g (z = %.2f)",
              a1->est.val, a1->est.err, a1->exact, a1->z);
    cr_assert(fabs(k0->exact_finite - k0->exact) < 0.3 * k0->est.err,
              "test design: curvature truncation bias %g, error %g", k0->exact_finite - k0->exact,
              k0->est.err);
    cr_expect(fabs(k0->z) < 3, "curvature limit %g +- %g, exact Tr(H* C*)/Tr(C*) = %g (z = %.2f)",
              k0->est.val, k0->est.err, k0->exact, k0->z);
    /* The fit's chi^2 is consistent with its degrees of freedom. */
    cr_expect_lt(s->lines[0].fit.G.chisq,
                 gsl_cdf_chisq_Qinv(1e-4, (double)s->lines[0].fit.G.dof), "chi^2 %g",
                 s->lines[0].fit.G.chisq);
    fdr_sweep_free(s);
}

Test(sweep, intercept_recovers_the_trace_on_a_noncommuting_quadratic, .timeout = 120)
{
    static const double lr[] = {0.01, 0.017, 0.029, 0.05, 0.087, 0.15};
    expect_exact(NONCOMMUTING "[run]\nreplicas = 64\nsteps = 20000\nseed = 4\n", lr, 6);
}

Test(sweep, momentum_and_dampening_factors_hold_in_simulation, .timeout = 120)
{
    static const double lr[] = {0.01, 0.017, 0.029, 0.05, 0.087, 0.15};
    expect_exact(NONCOMMUTING "momentum = 0.5\ndampening = 0.2\n"
                              "[run]\nreplicas = 64\nsteps = 20000\nseed = 6\n",
                 lr, 6);
}

/* The anharmonic part G - F2/eta of the quartic: detected, with the sign
 * and size of the exact Taylor terms (F3 + F4)/eta, point by point and in
 * the fitted coefficients. */
Test(sweep, anharmonic_part_is_detected_on_the_quartic, .timeout = 120)
{
    if (!fdr_landscape_type_find("quartic"))
        cr_skip_test("the quartic landscape is not registered in this build");
    static const double lr[] = {0.05, 0.09, 0.13, 0.17, 0.21, 0.25};
    fdr_sweep *s = sweep("[landscape]\ntype = quartic\ndim = 2\nh = 1 2\ncubic = 1.5 1\n"
                         "quartic = 3 2\ncoupling = 0.5\nrotation = random\nrotation_seed = 3\n"
                         "minimum = 0.5 -0.5\n[noise]\ncovariance = isotropic 1\n"
                         "[optimizer]\nlr = 0.1\n[run]\nreplicas = 32\nsteps = 20000\nseed = 2\n",
                         lr, 6, 2);
    cr_assert(s->lines[0].lim.available && !s->lines[0].lim.exact);
    double thr = fdr_threshold_adjust(4, 6);
    for (size_t i = 0; i < 6; i++) {
        const fdr_point *p = &s->pts[i].pt;
        cr_expect(fabs(p->anharmonic_diff.val) < thr * p->anharmonic_diff.err,
                  "lr %g: G - F2/eta = %g, (F3 + F4)/eta = %g, difference %g +- %g", p->lr,
                  p->anharmonic.val, p->anharmonic_terms.val, p->anharmonic_diff.val,
                  p->anharmonic_diff.err);
    }
    const fdr_point *top = &s->pts[5].pt;
    cr_expect(fabs(top->anharmonic.val) > 5 * top->anharmonic.err,
              "detected at lr %g: %g +- %g", top->lr, top->anharmonic.val, top->anharmonic.err);
    cr_expect(top->anharmonic.val * top->anharmonic_terms.val > 0, "same sign as (F3 + F4)/eta");
    const fdr_estimator *b3 = find_est(s, "anharmonic_b3"), *b2 = find_est(s, "anharmonic_b2");
    cr_expect(fabs(b3->est.val) > 4 * b3->est.err, "b3 = %g +- %g is detected", b3->est.val,
              b3->est.err);
    cr_expect(b3->est.val * b3->exact > 0, "b3 = %g has the sign of the terms' %g",
              b3->est.val, b3->exact);
    cr_expect(fabs(b3->z) < 4 && fabs(b2->z) < 4,
              "fitted against the terms: b2 %g vs %g (z = %.2f), b3 %g vs %g (z = %.2f)",
              b2->est.val, b2->exact, b2->z, b3->est.val, b3->exact, b3->z);
    fdr_sweep_free(s);
}

/* Every number of every point, compared bit for bit. */
static void expect_same_point(const fdr_point *a, const fdr_point *b)
{
    const fdr_est *ea[] = {&a->G, &a->theta_dot_grad, &a->loss_excess, &a->anharmonic,
                           &a->anharmonic_terms, &a->anharmonic_diff, &a->hessian, &a->curvature};
    const fdr_est *eb[] = {&b->G, &b->theta_dot_grad, &b->loss_excess, &b->anharmonic,
                           &b->anharmonic_terms, &b->anharmonic_diff, &b->hessian, &b->curvature};
    for (size_t k = 0; k < sizeof ea / sizeof *ea; k++)
        cr_expect(memcmp(ea[k], eb[k], sizeof *ea[k]) == 0, "lr %g: estimate %zu differs", a->lr,
                  k);
    cr_expect(memcmp(a->F, b->F, sizeof a->F) == 0, "lr %g: FDR2 terms differ", a->lr);
    cr_expect_eq(a->seed, b->seed);
}

Test(sweep, identical_for_any_thread_count, .timeout = 120)
{
    static const double lr[] = {0.05, 0.1, 0.2, 0.3};
    const char *ini = NONCOMMUTING "[run]\nreplicas = 16\nsteps = 3000\nseed = 9\n";
    fdr_sweep *one = sweep(ini, lr, 4, 1);
    for (int threads = 2; threads <= 3; threads++) {
        fdr_sweep *many = sweep(ini, lr, 4, threads);
        for (size_t i = 0; i < 4; i++)
            expect_same_point(&one->pts[i].pt, &many->pts[i].pt);
        cr_expect(memcmp(one->lines[0].fit.G.c, many->lines[0].fit.G.c,
                         sizeof one->lines[0].fit.G.c) == 0);
        fdr_sweep_free(many);
    }
    /* The points are independent runs: their seeds differ by the stride. */
    cr_expect_eq(one->pts[3].pt.seed - one->pts[0].pt.seed, 3u * FDR_SWEEP_SEED_STRIDE);
    fdr_sweep_free(one);
}

/* The sweep of a quadratic started at its minimum (theta = 0) is linear in the
 * noise's standard deviation, so a covariance 2^(+-996) (deviation 2^(+-498))
 * scales every value by a power of two and, with the same seeds, every
 * z-score of every estimator and fit is the same bit for bit. Covariances
 * 1e+-300 (deviation not a power of two) round differently at every step:
 * their z-scores agree to the rounding's accumulation over the steps, far
 * below 1e-9. */
Test(sweep, z_scores_do_not_depend_on_the_noise_scale, .timeout = 120)
{
    static const double lr[] = {0.02, 0.04, 0.08, 0.15};
    static const char *const cov[] = {"1", "0x1p996", "0x1p-996", "1e300", "1e-300"};
    fdr_sweep *s[5];
    for (int c = 0; c < 5; c++) {
        char ini[1024];
        snprintf(ini, sizeof ini,
                 "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.3 3\n"
                 "rotation = random\nrotation_seed = 7\n[noise]\ncovariance = isotropic %s\n"
                 "[optimizer]\nlr = 0.1\n[run]\nreplicas = 8\nsteps = 2000\nseed = 3\n"
                 "init = minimum\n",
                 cov[c]);
        s[c] = sweep(ini, lr, 4, 2);
    }
    for (int c = 1; c < 5; c++) {
        const fdr_sweep_fit *a = &s[0]->lines[0].fit, *b = &s[c]->lines[0].fit;
        cr_assert_eq(a->nest, b->nest);
        for (size_t i = 0; i < a->nest; i++) {
            const fdr_estimator *x = &a->est[i], *y = &b->est[i];
            cr_assert(isfinite(x->z), "%s at lr %g: z = %g at scale 1", x->name, x->lr, x->z);
            if (c < 3)
                cr_expect(x->z == y->z && x->z_finite == y->z_finite,
                          "covariance %s, %s at lr %g: z %.17g, z (lr) %.17g; at 1: %.17g, %.17g",
                          cov[c], x->name, x->lr, y->z, y->z_finite, x->z, x->z_finite);
            else
                cr_expect(fabs(x->z - y->z) < 1e-9 && fabs(x->z_finite - y->z_finite) < 1e-9,
                          "covariance %s, %s at lr %g: z %.17g, z (lr) %.17g; at 1: %.17g, %.17g",
                          cov[c], x->name, x->lr, y->z, y->z_finite, x->z, x->z_finite);
        }
        if (c < 3) {
            int k = c == 1 ? 996 : -996;
            for (size_t j = 0; j < 3; j++)
                cr_expect(b->G.c[j] == ldexp(a->G.c[j], k) && b->G.err[j] == ldexp(a->G.err[j], k),
                          "covariance %s: a%zu = %g +- %g", cov[c], j + 1, b->G.c[j], b->G.err[j]);
        }
    }
    for (int c = 0; c < 5; c++)
        fdr_sweep_free(s[c]);
}

/* ---- the command -------------------------------------------------------------- */

/* Runs fdr_cli_sweep on args (NULL-terminated) with stdout and stderr
 * silenced; returns its exit status. */
static int cli(const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"sweep";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    FILE *out = freopen("/dev/null", "w", stdout), *err = freopen("/dev/null", "w", stderr);
    cr_assert(out && err);
    return fdr_cli_sweep(argc, argv, NULL);
}

/* What a progress function saw: its calls, and whether each came in order
 * (done = calls so far + 1) with the right total. */
typedef struct {
    size_t calls, n;
    int in_order;
} progress_log;

static void log_progress(void *ctx, size_t done, size_t n)
{
    progress_log *l = ctx;
    l->in_order &= done == l->calls + 1 && n == l->n;
    l->calls++;
}

/* The library reports progress only through the caller's function: once
 * per point, in order, also when the points run on two threads. */
Test(sweep, progress_goes_to_the_callers_function, .timeout = 120)
{
    static const double lr[] = {0.02, 0.05, 0.1, 0.15};
    progress_log log = {0, 4, 1};
    fdr_sweep_spec spec = {.text = NONCOMMUTING "[run]\nreplicas = 16\nsteps = 2000\n",
                           .name = "test",
                           .lr = lr,
                           .n = 4,
                           .threads = 2,
                           .progress = log_progress,
                           .progress_ctx = &log};
    fdr_sweep *s = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    cr_assert(log.calls == 4 && log.in_order, "%zu calls, in order: %d", log.calls, log.in_order);
    fdr_sweep_free(s);
}

TestSuite(sweep_cli, .init = scratch_make, .fini = scratch_remove, .timeout = 120);

/* The CLI prints the sweep's progress on a terminal (a pseudo-terminal from
 * script(1)), and nothing with -q or when stderr is a file. */
Test(sweep_cli, progress_shows_on_a_terminal_only)
{
    write_file("m.ini", NONCOMMUTING "[run]\nreplicas = 16\nsteps = 2000\n");
    static const char *const opts[2] = {"-o o1 >/dev/null", "-q -o o2"};
    char cmd[1024];
    for (int quiet = 0; quiet < 2; quiet++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && timeout 300 script -qec \"'%s' sweep m.ini --lr 0.02:0.2:4:log %s\" "
                 "/dev/null >tty.txt 2>&1 && grep -q '4/4 points done' tty.txt",
                 tmpdir, FDRSIM_BIN, opts[quiet]);
        int shown = system(cmd) == 0;
        cr_assert_eq(shown, !quiet, "%s: progress %s", opts[quiet],
                     quiet ? "despite -q" : "missing on a terminal");
    }
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' sweep m.ini --lr 0.02:0.2:4:log -o o3 >/dev/null 2>err.txt && "
             "! grep -q 'points done' err.txt",
             tmpdir, FDRSIM_BIN);
    cr_assert_eq(system(cmd), 0, "progress into a file");
}

Test(sweep_cli, writes_the_documented_files_and_keys)
{
    char model[512], out[512];
    snprintf(model, sizeof model, "%s/m.ini", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    FILE *f = fopen(model, "w");
    cr_assert_not_null(f);
    fputs(NONCOMMUTING "[run]\nreplicas = 16\nsteps = 2000\n", f);
    fclose(f);
    const char *args[] = {model, "--lr", "0.02:0.2:4:log", "--seed", "3", "-o", out, "-q", NULL};
    cr_assert_eq(cli(args), 0);
    cr_assert(exists("out/sweep.dat") && exists("out/estimators.dat"));
    char path[600];
    snprintf(path, sizeof path, "%s/sweep.json", out);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    cr_assert_not_null(root, "%s", jerr.text);
    cr_expect_str_eq(json_string_value(json_object_get(root, "schema")), "fdrsim-sweep/3");
    json_t *pts = json_object_get(root, "points");
    cr_assert_eq(json_array_size(pts), 4);
    /* Every estimate is {value, error, exact}; exact null where there is none. */
    static const char *const pkeys[] = {"G", "theta_dot_grad", "F2", "F3", "F4", "anharmonic"};
    cr_expect(json_is_number(json_object_get(json_array_get(pts, 0), "lr")));
    for (size_t k = 0; k < sizeof pkeys / sizeof *pkeys; k++) {
        json_t *e = json_object_get(json_array_get(pts, 0), pkeys[k]);
        cr_expect(json_is_number(json_object_get(e, "value")) &&
                      json_is_number(json_object_get(e, "error")) && json_object_get(e, "exact"),
                  "points[0].%s", pkeys[k]);
    }
    json_t *g0 = json_object_get(json_array_get(pts, 0), "G");
    cr_expect(json_is_number(json_object_get(g0, "exact")));
    json_t *lines = json_object_get(root, "lines");
    cr_assert_eq(json_array_size(lines), 1);
    json_t *fit = json_object_get(json_array_get(lines, 0), "fit");
    static const char *const fkeys[] = {"a1", "a2", "a3", "curvature"};
    for (size_t k = 0; k < sizeof fkeys / sizeof *fkeys; k++) {
        json_t *e = json_object_get(fit, fkeys[k]);
        cr_expect(json_is_number(json_object_get(e, "value")) &&
                      json_is_number(json_object_get(e, "error")) && json_object_get(e, "exact"),
                  "fit.%s", fkeys[k]);
    }
    cr_expect(json_is_number(json_object_get(json_object_get(fit, "a1"), "exact")));
    cr_expect(json_is_number(json_object_get(json_object_get(fit, "curvature"), "exact")));
    cr_expect_gt(json_array_size(json_object_get(json_array_get(lines, 0), "estimators")), 4);
    json_t *rels = json_object_get(json_array_get(pts, 0), "relations");
    cr_expect(json_is_array(rels) && json_array_size(rels) > 0);
    cr_expect(json_is_object(json_object_get(json_array_get(rels, 0), "lhs")));
    cr_expect_eq(json_integer_value(json_object_get(root, "seed")), 3);
    json_decref(root);
}

Test(sweep_cli, bad_input_exits_2_without_output)
{
    char model[512], out[512];
    snprintf(model, sizeof model, "%s/m.ini", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    FILE *f = fopen(model, "w");
    cr_assert_not_null(f);
    fputs(NONCOMMUTING "[run]\nreplicas = 16\nsteps = 2000\n", f);
    fclose(f);
    const char *unstable[] = {model, "--lr", "0.1:1:3", "-o", out, NULL};
    cr_expect_eq(cli(unstable), 2, "lr above the largest stable one");
    const char *badgrid[] = {model, "--lr", "0.1:0.01:3", "-o", out, NULL};
    cr_expect_eq(cli(badgrid), 2);
    const char *badset[] = {model, "--set", "optimizer.nonsense=1", "-o", out, NULL};
    cr_expect_eq(cli(badset), 2);
    const char *nomodel[] = {"-o", out, NULL};
    cr_expect_eq(cli(nomodel), 2);
    const char *missing[] = {"/nonexistent/model.ini", "-o", out, NULL};
    cr_expect_eq(cli(missing), 2);
    cr_expect(!exists("out"), "nothing is written on bad input");
}

/* ---- sweeps over other keys ------------------------------------------------------ */

/* The sweep of spec, which must succeed. */
static fdr_sweep *sweep_spec(const fdr_sweep_spec *spec)
{
    fdr_sweep *s = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(spec, &s), FDR_OK, "%s", fdr_error_message());
    return s;
}

/* The graded quantity called name of point q, or NULL. */
static const fdr_sweep_grade *find_grade(const fdr_sweep_point *q, const char *name)
{
    for (size_t k = 0; k < q->ngrade; k++)
        if (strcmp(q->grade[k].name, name) == 0)
            return &q->grade[k];
    return NULL;
}

/* The exact <theta . grad f> of the NONCOMMUTING model (lr 0.1) at momentum
 * mu, solved on its own (not through the sweep). */
static double exact_theta_dot_grad(double mu)
{
    char ini[1024];
    snprintf(ini, sizeof ini, NONCOMMUTING "momentum = %.17g\n", mu);
    fdr_model *m = test_model(ini);
    fdr_exact e;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK, "%s", fdr_error_message());
    cr_assert(e.available);
    double x = e.tr.theta_dot_grad;
    fdr_exact_clear(&e);
    fdr_model_free(m);
    return x;
}

/* Off the learning rate every point is graded against the exact stationary
 * values at its own momentum: each z within the Bonferroni-adjusted 3 sigma
 * over all graded quantities of the sweep, the exact values those of an
 * independent solve, and every identity of the run passes. */
Test(sweep, momentum_sweep_is_graded_against_exact_values, .timeout = 120)
{
    fdr_sweep_axis mu;
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0,0.5,0.9", &mu), FDR_OK);
    fdr_sweep_spec spec = {.text = NONCOMMUTING "[run]\nreplicas = 32\nsteps = 6000\n",
                           .name = "test", .axes = &mu, .naxes = 1, .threads = 2};
    fdr_sweep *s = sweep_spec(&spec);
    cr_assert(!s->lr_axis && s->n == 3 && s->nlines == 1);
    size_t ngraded = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->pts[i].ngrade; k++)
            ngraded += !s->pts[i].grade[k].why_not;
    double thr = fdr_threshold_adjust(3.0, ngraded);
    static const double mus[] = {0, 0.5, 0.9};
    for (size_t i = 0; i < s->n; i++) {
        const fdr_sweep_point *q = &s->pts[i];
        cr_expect_eq(q->pt.seed, 1 + i * FDR_SWEEP_SEED_STRIDE);
        cr_expect_eq(q->x, mus[i]);
        /* G, F2, the Hessian estimator and the five state observables at least */
        cr_assert_geq(q->ngrade, 8);
        for (size_t k = 0; k < q->ngrade; k++) {
            const fdr_sweep_grade *g = &q->grade[k];
            cr_expect_null(g->why_not, "mu %g %s: not available: %s", mus[i], g->name,
                           g->why_not);
            cr_expect(fabs(g->z) < thr, "mu %g %s: %g +- %g against exact %g, z %g", mus[i],
                      g->name, g->est.val, g->est.err, g->exact, g->z);
        }
        const fdr_sweep_grade *t = find_grade(q, "theta_dot_grad");
        cr_assert_not_null(t);
        cr_expect_lt(rel(t->exact, exact_theta_dot_grad(mus[i])), 1e-12);
        for (size_t k = 0; k < q->nrel; k++)
            cr_expect(!q->rel[k].identity || q->rel[k].verdict == FDR_PASS, "mu %g %s: z %g",
                      mus[i], q->rel[k].name, q->rel[k].z);
    }
    fdr_sweep_free(s);
    fdr_sweep_axis_clear(&mu);
}

/* Off the quadratic, a sweep not along lr grades each point of a 1-D
 * quartic against the transfer operator's exact values (exact.h): the five
 * observables, G and F2, each within the Bonferroni-adjusted 3 sigma, the
 * exact values those of the transfer operator solved on its own. The twin:
 * the estimates of each noise level graded against the other's exact values
 * are caught. */
Test(sweep, anharmonic_points_are_graded_against_the_transfer_operator, .timeout = 120)
{
    fdr_sweep_axis c;
    cr_assert_eq(fdr_sweep_axis_parse("noise.covariance", "isotropic 0.5,isotropic 1", &c),
                 FDR_OK);
    char r[] = "run.replicas=32", st[] = "run.steps=20000";
    char *const sets[] = {r, st};
    fdr_sweep_spec spec = {.path = FDR_TEST_MODELDIR "/quartic-anharmonic-1d.ini",
                           .name = "quartic", .sets = sets, .nsets = 2, .axes = &c, .naxes = 1,
                           .threads = 2};
    fdr_sweep *s = sweep_spec(&spec);
    cr_assert_eq(s->n, 2);
    static const char *const names[] = {"theta_dot_grad", "v_dot_v", "grad_sq", "v_dot_grad",
                                        "loss_excess", "G", "F2"};
    enum { NG = sizeof names / sizeof *names };
    double thr = fdr_threshold_adjust(3.0, 2 * NG);
    for (size_t i = 0; i < s->n; i++) {
        const fdr_sweep_point *q = &s->pts[i];
        for (size_t k = 0; k < NG; k++) {
            const fdr_sweep_grade *g = find_grade(q, names[k]);
            const fdr_sweep_grade *o = find_grade(&s->pts[1 - i], names[k]);
            cr_assert(g && o, "%s graded", names[k]);
            cr_expect_null(g->why_not, "point %zu %s: not available: %s", i, names[k], g->why_not);
            cr_expect(fabs(g->z) < thr, "point %zu %s: %g +- %g against exact %g, z %g", i,
                      names[k], g->est.val, g->est.err, g->exact, g->z);
            double zw = fdr_zscore(g->est.val - o->exact, g->est.err);
            cr_expect(fabs(zw) > thr, "point %zu %s: the other point's exact %g passes: z %g", i,
                      names[k], o->exact, zw);
        }
    }
    /* the point at C = 1 is the bundled model: its transfer operator on its own */
    fdr_config *cfg = fdr_config_load(FDR_TEST_MODELDIR "/quartic-anharmonic-1d.ini");
    cr_assert_not_null(cfg);
    fdr_model *m = fdr_model_alloc(cfg, "quartic");
    cr_assert_not_null(m, "%s", fdr_error_message());
    fdr_transfer t;
    cr_assert_eq(fdr_transfer_solve(m, &m->transfer, &t), FDR_OK, "%s", fdr_error_message());
    const fdr_sweep_grade *g = find_grade(&s->pts[1], "theta_dot_grad");
    cr_expect_lt(rel(g->exact, t.q[FDR_TQ_OL].val), 1e-12, "%.17g against %.17g", g->exact,
                 t.q[FDR_TQ_OL].val);
    fdr_model_free(m);
    fdr_config_free(cfg);
    fdr_sweep_free(s);
    fdr_sweep_axis_clear(&c);
}

/* The twin: the same estimates graded against the exact value at a wrong
 * momentum (0.05 off) are caught at every point. */
Test(sweep, a_wrong_exact_value_is_caught, .timeout = 120)
{
    fdr_sweep_axis mu;
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0,0.5,0.9", &mu), FDR_OK);
    fdr_sweep_spec spec = {.text = NONCOMMUTING "[run]\nreplicas = 32\nsteps = 6000\n",
                           .name = "test", .axes = &mu, .naxes = 1, .threads = 2};
    fdr_sweep *s = sweep_spec(&spec);
    double thr = fdr_threshold_adjust(3.0, 3 * s->pts[0].ngrade);
    static const double wrong[] = {0.05, 0.55, 0.85};
    for (size_t i = 0; i < s->n; i++) {
        const fdr_sweep_grade *t = find_grade(&s->pts[i], "theta_dot_grad");
        cr_assert_not_null(t);
        double z = fdr_zscore(t->est.val - exact_theta_dot_grad(wrong[i]), t->est.err);
        cr_expect(fabs(z) > thr, "momentum %g graded at %g: z %g not caught", s->pts[i].x,
                  wrong[i], z);
    }
    fdr_sweep_free(s);
    fdr_sweep_axis_clear(&mu);
}

/* A grid lr x momentum: one line per momentum, each with its own fit, its
 * intercept graded against the line's exact eta -> 0 limit
 * (1 - nu)^2 / (1 - mu^2) Tr(H* C*) / 2, and the seeds in grid order. */
Test(sweep, grid_of_lr_and_momentum_fits_each_line, .timeout = 120)
{
    static const double lr[] = {0.02, 0.05, 0.1, 0.2};
    fdr_sweep_axis mu;
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0,0.6", &mu), FDR_OK);
    fdr_sweep_spec spec = {.text = NONCOMMUTING "[run]\nreplicas = 32\nsteps = 6000\n",
                           .name = "test", .lr = lr, .n = 4, .axes = &mu, .naxes = 1,
                           .threads = 2};
    fdr_sweep *s = sweep_spec(&spec);
    cr_assert(s->lr_axis && s->n == 8 && s->nlines == 2);
    double thr = fdr_threshold_adjust(3.0, 2);
    static const double mus[] = {0, 0.6};
    for (size_t l = 0; l < 2; l++) {
        const fdr_sweep_line *L = &s->lines[l];
        cr_assert(L->fit_done);
        cr_expect_eq(L->momentum, mus[l]);
        cr_expect_eq(L->first, 4 * l);
        double limit = fdr_limit_hessian(&L->lim) / (2 * (1 - mus[l] * mus[l]));
        cr_expect_lt(rel(L->fit.a1_exact, limit), 1e-12, "line %zu: a1 exact %g, formula %g", l,
                     L->fit.a1_exact, limit);
        const fdr_estimator *a1 = NULL;
        for (size_t i = 0; i < L->fit.nest; i++)
            if (strcmp(L->fit.est[i].name, "intercept_a1") == 0)
                a1 = &L->fit.est[i];
        cr_assert_not_null(a1);
        cr_expect(fabs(a1->z_finite) < thr, "line %zu: a1 %g +- %g, exact (lr) %g, z %g", l,
                  a1->est.val, a1->est.err, a1->exact_finite, a1->z_finite);
        for (size_t i = 0; i < 4; i++) {
            const fdr_sweep_point *q = &s->pts[L->first + i];
            cr_expect_eq(q->pt.lr, lr[i]);
            cr_expect_eq(q->pt.seed, 1 + (L->first + i) * FDR_SWEEP_SEED_STRIDE);
        }
    }
    /* the lines differ by their momentum: the twin of the per-line limit */
    cr_expect_gt(rel(s->lines[1].fit.a1_exact, s->lines[0].fit.a1_exact), 0.5);
    fdr_sweep_free(s);
    fdr_sweep_axis_clear(&mu);
}

/* Grids of values: ranges, lists, and what is refused. */
Test(sweep, axis_values)
{
    fdr_sweep_axis a;
    cr_assert_eq(fdr_sweep_axis_parse("noise.batch", "10, 100 ,1000", &a), FDR_OK);
    cr_assert_eq(a.n, 3);
    cr_expect_str_eq(a.values[1], "100");
    fdr_sweep_axis_clear(&a);
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0:0.9:4", &a), FDR_OK);
    cr_assert_eq(a.n, 4);
    cr_expect_eq(strtod(a.values[3], NULL), 0.9);
    cr_expect_lt(fabs(strtod(a.values[1], NULL) - 0.3), 1e-15);
    fdr_sweep_axis_clear(&a);
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0.1:0.9:3:log", &a), FDR_OK);
    cr_expect_lt(fabs(strtod(a.values[1], NULL) - 0.3), 1e-15);
    fdr_sweep_axis_clear(&a);
    static const char *const bad[][2] = {
        {"momentum", "0,1"},           {"optimizer.momentum", "0,,1"},
        {"optimizer.momentum", ""},    {"optimizer.momentum", "0.9:0.1:3"},
        {"optimizer.momentum", "0,0"}, {"optimizer.lr", "0.1,0.2"},
        {"run.seed", "1,2"},           {"optimizer.momentum", "0:0.9:3:log"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fdr_error_clear();
        cr_expect_eq(fdr_sweep_axis_parse(bad[i][0], bad[i][1], &a), FDR_EINVAL, "%s=%s",
                     bad[i][0], bad[i][1]);
        cr_expect(strstr(fdr_error_message(), bad[i][0]), "%s", fdr_error_message());
    }
}

/* Runs `fdrsim sweep ARGS` in the scratch folder; its stderr is in err.txt. */
static int fdrsim_sweep(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' sweep %s >/dev/null 2>err.txt", tmpdir,
             FDRSIM_BIN, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *err_text(void)
{
    static char buf[4096];
    char path[512];
    snprintf(path, sizeof path, "%s/err.txt", tmpdir);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* An unknown key, a bad value, an unstable point and a malformed grid are
 * bad input: exit 2, the message naming the key (and the value), nothing
 * written. */
Test(sweep_cli, bad_over_exits_2_with_the_key_named)
{
    write_file("m.ini", NONCOMMUTING "[run]\nreplicas = 16\nsteps = 2000\n");
    static const struct {
        const char *args, *msg[3];
    } cases[] = {
        {"--over optimizer.momentumm=0,0.5", {"optimizer.momentumm=0", "momentumm", "unknown key"}},
        {"--over optimizer.momentum=0,1.5",
         {"optimizer.momentum=1.5", "[optimizer] momentum", "1.5"}},
        {"--over noise.batch=10", {"noise.batch=10", "batch", "unknown key"}},
        {"--over optimizer.momentum=0,0.5 --lr 0.1:0.7:3",
         {"unstable", "largest stable learning rate", "optimizer.momentum=0"}},
        {"--set optimizer.lr=1.9 --over optimizer.momentum=0.5,0.9",
         {"optimizer.momentum=0.5, lr 1.9", "unstable", "largest stable learning rate"}},
        {"--over optimizer.momentum=0,x", {"optimizer.momentum=x", "[optimizer] momentum", "x"}},
        {"--over optimizer.momentum", {"--over optimizer.momentum", "section.key=VALUES", ""}},
        {"--over optimizer.momentum=0 --over optimizer.momentum=1", {"swept twice", "", ""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char args[512];
        snprintf(args, sizeof args, "m.ini %s -o out", cases[i].args);
        cr_expect_eq(fdrsim_sweep(args), 2, "%s", cases[i].args);
        const char *e = err_text();
        for (int k = 0; k < 3; k++)
            cr_expect(strstr(e, cases[i].msg[k]), "%s: '%s' not in: %s", cases[i].args,
                      cases[i].msg[k], e);
        cr_expect(!exists("out"), "%s: nothing is written on bad input", cases[i].args);
    }
}

/* A sweep over the batch size of real minibatches: the noise depends on
 * theta, so nothing has an exact value; every quantity says so, with the
 * reason, and is never graded, while each point still reports its
 * relations. */
Test(sweep, batch_sweep_says_what_is_not_available, .timeout = 120)
{
    fdr_sweep_axis b;
    cr_assert_eq(fdr_sweep_axis_parse("noise.batch", "10,100", &b), FDR_OK);
    char *sets[] = {(char *)"run.steps=1500", (char *)"run.replicas=8"};
    fdr_sweep_spec spec = {.path = FDR_TEST_MODELDIR "/minibatch-regression-b10.ini",
                           .name = "mb", .sets = sets, .nsets = 2, .axes = &b, .naxes = 1,
                           .threads = 2};
    fdr_sweep *s = sweep_spec(&spec);
    cr_assert_eq(s->n, 2);
    for (size_t i = 0; i < s->n; i++) {
        const fdr_sweep_point *q = &s->pts[i];
        cr_expect_eq(q->x, i ? 100 : 10);
        cr_expect_geq(q->nrel, 3);
        cr_expect_str_eq(q->rel[FDR_REL_FDR1].name, "FDR1");
        cr_assert_gt(q->ngrade, 0);
        for (size_t k = 0; k < q->ngrade; k++) {
            const fdr_sweep_grade *g = &q->grade[k];
            cr_expect(g->why_not && g->why_not[0], "batch %g %s graded", q->x, g->name);
            cr_expect(isnan(g->exact) && isnan(g->z), "batch %g %s graded", q->x, g->name);
        }
    }
    fdr_sweep_free(s);
    fdr_sweep_axis_clear(&b);
}
