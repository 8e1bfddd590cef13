/* test_fdr2.c - loss stationarity (FDR2) off the quadratic: the full
 * Taylor identity holds on quartic, double-well and Gaussian-mixture
 * landscapes, with and without momentum, while the harmonic truncation is
 * caught failing by exactly the anharmonic terms. Tolerances are z-scores
 * against the reported 1-sigma errors. */
#include "helpers.h"

#include <math.h>
#include <stdio.h>

/* doc/theory.md section 3's strongly anharmonic 1-D quartic. */
#define QUARTIC_1D                                                                                \
    "[landscape]\ntype = quartic\ndim = 1\nh = 1\ncubic = 1.5\nquartic = 3\n"                    \
    "[noise]\ncovariance = isotropic 1\n"
#define QUARTIC_5D                                                                                \
    "[landscape]\ntype = quartic\ndim = 5\nh = log 0.5 2\ncubic = 1.5\nquartic = 3\n"            \
    "coupling = 0.5\nrotation = random\n[noise]\ncovariance = isotropic 1\n"
#define DOUBLE_WELL                                                                               \
    "[landscape]\ntype = quartic\ndim = 2\nh = -1 1\nquartic = 3 0\n"                            \
    "[noise]\ncovariance = isotropic 4\n"
#define GMM_2D                                                                                    \
    "[landscape]\ntype = gmm\ndim = 2\ncomponents = 3\nweights = 0.5 0.3 0.2\n"                  \
    "means = 0 0; 3 0; 0 3\ncovariances = isotropic 0.5; isotropic 0.3; diagonal 0.4 0.2\n"      \
    "[noise]\ncovariance = isotropic 60\n"

static void run_with(test_run *t, const char *landscape, double lr, double mu, long steps,
                     long replicas, int order)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "%s[optimizer]\nlr = %g\nmomentum = %g\n[run]\nreplicas = %ld\nsteps = %ld\n"
             "fdr2_order = %d\nseed = 7\ntensor_directions = 0\n",
             landscape, lr, mu, replicas, steps, order);
    test_run_model(t, ini, 2);
}

static void expect_fdr2_holds(const char *landscape, double lr, double mu, long steps,
                              long replicas, int order)
{
    test_run t;
    run_with(&t, landscape, lr, mu, steps, replicas, order);
    const fdr_relation *full = fdr_analysis_find(&t.a, "FDR2");
    const fdr_relation *f2 = fdr_analysis_find(&t.a, "FDR2.F2");
    cr_assert(full && f2);
    cr_expect(fabs(full->z) < 4, "FDR2 (lr %g, momentum %g): z = %.2f", lr, mu, full->z);
    cr_expect(fabs(f2->z) < 4, "the two F2 estimators disagree: z = %.2f", f2->z);
    /* The series must have converged where it was cut. */
    const fdr_fdr2_terms *x = &t.a.fdr2;
    cr_expect(fabs(x->truncation.val) < 1e-3 * fabs(x->dissipation.val),
              "truncation %g against dissipation %g", x->truncation.val, x->dissipation.val);
    test_run_free(&t);
}

Test(fdr2, holds_on_the_quartic, .timeout = 120)
{
    expect_fdr2_holds(QUARTIC_1D, 0.1, 0, 40000, 64, 6);
    expect_fdr2_holds(QUARTIC_1D, 0.02, 0.9, 40000, 64, 6);
    expect_fdr2_holds(QUARTIC_5D, 0.1, 0, 20000, 32, 6);
    expect_fdr2_holds(QUARTIC_5D, 0.02, 0.9, 20000, 32, 6);
}

Test(fdr2, holds_on_the_double_well, .timeout = 120)
{
    expect_fdr2_holds(DOUBLE_WELL, 0.1, 0, 40000, 32, 6);
    expect_fdr2_holds(DOUBLE_WELL, 0.02, 0.9, 40000, 32, 6);
}

Test(fdr2, holds_on_the_gaussian_mixture, .timeout = 120)
{
    expect_fdr2_holds(GMM_2D, 0.01, 0, 60000, 32, 8);
    expect_fdr2_holds(GMM_2D, 0.002, 0.9, 60000, 32, 8);
}

Test(fdr2, polynomial_series_close_exactly, .timeout = 120)
{
    test_run t;
    run_with(&t, QUARTIC_1D, 0.1, 0, 2000, 16, 8);
    for (int k = 5; k <= 8; k++)
        cr_assert_eq(t.a.fdr2.F[k].val, 0.0, "F%d on a quartic", k);
    cr_assert(fdr_analysis_find(&t.a, "FDR2")->identity, "closes at order 4 <= K");
    cr_assert(!fdr_analysis_find(&t.a, "FDR2.harmonic")->identity);
    test_run_free(&t);
    run_with(&t, GMM_2D, 0.01, 0, 2000, 16, 8);
    cr_assert(!fdr_analysis_find(&t.a, "FDR2")->identity, "a truncated series is no identity");
    test_run_free(&t);
}

/* The twin: the harmonic truncation is caught, and its residual is exactly
 * the measured anharmonic part F3 + F4 (and so matches doc/theory.md's numbers). */
Test(fdr2, harmonic_truncation_fails_by_the_anharmonic_terms, .timeout = 120)
{
    test_run t;
    run_with(&t, QUARTIC_1D, 0.1, 0, 200000, 256, 6);
    const fdr_relation *harm = fdr_analysis_find(&t.a, "FDR2.harmonic");
    const fdr_fdr2_terms *x = &t.a.fdr2;
    cr_assert(fabs(harm->z) > 6, "harmonic truncation not caught: z = %.2f", harm->z);
    cr_assert(!harm->pass && !harm->identity);
    double z = (x->residual.val - x->anharmonic.val) /
               hypot(x->residual.err, x->anharmonic.err);
    cr_assert(fabs(z) < 4, "residual %g +- %g against F3 + F4 = %g +- %g (z = %.2f)",
              x->residual.val, x->residual.err, x->anharmonic.val, x->anharmonic.err, z);
    /* doc/theory.md section 3 (numpy, many replicas): F3 = -8.58e-5, F4 = +4.17e-5. */
    cr_assert(fabs(x->F[3].val + 8.58e-5) < 4 * x->F[3].err + 0.005 * 8.58e-5, "F3 = %g +- %g",
              x->F[3].val, x->F[3].err);
    cr_assert(fabs(x->F[4].val - 4.17e-5) < 4 * x->F[4].err + 0.005 * 4.17e-5, "F4 = %g +- %g",
              x->F[4].val, x->F[4].err);
    test_run_free(&t);
}
