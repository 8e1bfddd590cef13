/* test_transfer.c - the exact stationary law of 1-D SGD from its transfer
 * operator (exact/transfer.h): it agrees with the Lyapunov solution on a
 * quadratic for every law with a density, the relations close in its
 * numbers on the anharmonic quartic within its own stated error (and a
 * kernel with the wrong step is caught), the engine's Monte Carlo agrees
 * with it within z-score tolerances over several seeds, and what it cannot
 * do it refuses with a reason. `fdrsim run` takes its exact column from it
 * off the Lyapunov solution's reach (exact.h): the column agrees with the
 * Monte Carlo, a wrong one is caught, and where there is none, or a value
 * is not accurate enough, summary.json says why. */
#include "exact/transfer.h"
#include "helpers.h"
#include "scratch.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define QUARTIC_FILE FDR_TEST_MODELDIR "/quartic-anharmonic-1d.ini"

/* The bundled quartic with the settings sets[0 .. n-1] (SEC.KEY=VALUE, as
 * -s gives them) overriding its file. */
static fdr_model *quartic_model(const char *const *sets, size_t n)
{
    fdr_error_clear();
    fdr_config *c = fdr_config_load(QUARTIC_FILE);
    cr_assert_not_null(c, "%s", fdr_error_message());
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(fdr_config_set(c, sets[k]), FDR_OK, "%s", fdr_error_message());
    fdr_model *m = fdr_model_alloc(c, "quartic-anharmonic-1d");
    fdr_config_free(c);
    cr_assert_not_null(m, "%s", fdr_error_message());
    return m;
}

static void solve(const fdr_model *m, fdr_transfer *t)
{
    fdr_error_clear();
    cr_assert_eq(fdr_transfer_solve(m, NULL, t), FDR_OK, "%s", fdr_error_message());
}

/* On the quadratic f = h x^2 / 2 with any law of variance C, the
 * second moments are the Lyapunov solution's: agreement within the stated
 * error (plus rounding), and that error below rel_target of each value. */
static void expect_lyapunov(const char *noise, double h, double lr, double rel_target)
{
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 1\nspectrum = list %g\n[noise]\n%s\n"
             "[optimizer]\nlr = %g\nmomentum = 0\n",
             h, noise, lr);
    fdr_model *m = test_model(ini);
    fdr_exact e;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_assert(e.available);
    fdr_transfer t;
    solve(m, &t);
    cr_assert_eq(e.method, FDR_EXACT_LYAPUNOV);
    const struct {
        int q;
        double exact;
    } cmp[] = {{FDR_TQ_OL, e.tr.theta_dot_grad}, {FDR_TQ_VV, e.tr.v_dot_v},
               {FDR_TQ_GSQ, e.tr.grad_sq},      {FDR_TQ_VG, e.tr.v_dot_grad},
               {FDR_TQ_LOSS, e.tr.loss_excess}, {FDR_TQ_F2, e.q[FDR_TQ_F2].val}};
    for (size_t k = 0; k < sizeof cmp / sizeof *cmp; k++) {
        fdr_est x = t.q[cmp[k].q];
        double ex = cmp[k].exact;
        cr_expect(fabs(x.val - ex) <= x.err + 1e-13 * fabs(ex),
                  "%s, h %g, lr %g: %s = %.17g, Lyapunov %.17g, stated error %.3g", noise, h, lr,
                  fdr_transfer_names[cmp[k].q], x.val, ex, x.err);
        cr_expect(x.err <= rel_target * fabs(ex), "%s: %s's stated error %.3g is above %g of %g",
                  noise, fdr_transfer_names[cmp[k].q], x.err, rel_target, ex);
    }
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

Test(transfer, matches_lyapunov_on_quadratics, .timeout = 60)
{
    expect_lyapunov("covariance = isotropic 1", 1, 0.1, 1e-10);
    expect_lyapunov("covariance = isotropic 2", 3, 0.5, 1e-10);
    expect_lyapunov("type = student_t\ndof = 12\ncovariance = isotropic 1", 1, 0.1, 1e-6);
    expect_lyapunov("type = laplace\ncovariance = isotropic 1", 1, 0.1, 1e-6);
    expect_lyapunov("type = uniform\ncovariance = isotropic 1", 2, 0.2, 1e-4);
    expect_lyapunov("type = skewed\nskewness = 1\ncovariance = isotropic 1", 1, 0.1, 1e-5);
}

/* FDR1, FDR2 and the harmonic residual's decomposition close in the
 * exact numbers of the quartic to within their stated errors, which are
 * below 1e-8 of the values, in under 10 s. */
Test(transfer, relations_close_on_the_quartic, .timeout = 60)
{
    fdr_model *m = quartic_model(NULL, 0);
    fdr_transfer t;
    solve(m, &t);
    const fdr_est *q = t.q;
    cr_expect(fabs(q[FDR_TQ_FDR1_DIFF].val) <= q[FDR_TQ_FDR1_DIFF].err,
              "FDR1: %g against its error %g", q[FDR_TQ_FDR1_DIFF].val, q[FDR_TQ_FDR1_DIFF].err);
    cr_expect(fabs(q[FDR_TQ_FDR2_DIFF].val) <= q[FDR_TQ_FDR2_DIFF].err,
              "FDR2: %g against its error %g", q[FDR_TQ_FDR2_DIFF].val, q[FDR_TQ_FDR2_DIFF].err);
    cr_expect(fabs(q[FDR_TQ_GRAD].val) <= q[FDR_TQ_GRAD].err, "FDR0: <f'> = %g, error %g",
              q[FDR_TQ_GRAD].val, q[FDR_TQ_GRAD].err);
    /* F3 + F4 = dissipation - F2, and the anharmonic part is resolved */
    double r = q[FDR_TQ_RESIDUAL].val, a = q[FDR_TQ_ANHARMONIC].val;
    cr_expect(fabs(r - a) <= q[FDR_TQ_RESIDUAL].err + q[FDR_TQ_ANHARMONIC].err,
              "dissipation - F2 = %.17g, F3 + F4 = %.17g", r, a);
    cr_expect(fabs(a) > 1e3 * q[FDR_TQ_ANHARMONIC].err, "F3 + F4 = %g unresolved (error %g)", a,
              q[FDR_TQ_ANHARMONIC].err);
    static const int sides[] = {FDR_TQ_OL,   FDR_TQ_VV,          FDR_TQ_GSQ, FDR_TQ_VG,
                                FDR_TQ_LOSS, FDR_TQ_DISSIPATION, FDR_TQ_F2,  FDR_TQ_F2 + 1,
                                FDR_TQ_F2 + 2};
    for (size_t k = 0; k < sizeof sides / sizeof *sides; k++)
        cr_expect(q[sides[k]].err <= 1e-8 * fabs(q[sides[k]].val), "%s = %g, error %g",
                  fdr_transfer_names[sides[k]], q[sides[k]].val, q[sides[k]].err);
    cr_expect(t.seconds < 10, "%.2f s", t.seconds);
    cr_expect(t.tail_mass < 1e-12, "tail mass %g", t.tail_mass);
    fdr_model_free(m);
}

/* The twin: the chain of a kernel that steps 2 eta_b, judged by FDR1 at
 * eta_b, fails by far more than its stated error (and the true relation of
 * that chain, at 2 eta_b, still closes). */
Test(transfer, a_kernel_with_the_wrong_step_is_caught, .timeout = 60)
{
    fdr_model *m = quartic_model(NULL, 0);
    double lr = m->lr;
    fdr_model_free(m);
    char set[64];
    snprintf(set, sizeof set, "optimizer.lr=%.17g", 2 * lr);
    const char *sets[] = {set};
    m = quartic_model(sets, 1);
    fdr_transfer t;
    solve(m, &t);
    double lhs = t.q[FDR_TQ_OL].val, wrong = t.q[FDR_TQ_VV].val / (2 * lr);
    double err = t.q[FDR_TQ_OL].err + t.q[FDR_TQ_VV].err / (2 * lr);
    cr_expect(fabs(lhs - wrong) > 1e6 * err, "the wrong FDR1 closes: %g against %g (error %g)",
              lhs, wrong, err);
    cr_expect(fabs(t.q[FDR_TQ_FDR1_DIFF].val) <= t.q[FDR_TQ_FDR1_DIFF].err);
    fdr_model_free(m);
}

/* The engine's estimates of every observable, the dissipation and F2 .. F4
 * against the exact values, over three seeds: |z| below 4.5 (Bonferroni
 * over the 27 comparisons at a family-wise rate of about 1e-4). */
Test(transfer, monte_carlo_agrees, .timeout = 120)
{
    for (int seed = 1; seed <= 3; seed++) {
        char seed_set[32];
        snprintf(seed_set, sizeof seed_set, "run.seed=%d", seed);
        const char *sets[] = {"run.replicas=64", "run.steps=40000", "run.tensor_directions=0",
                              seed_set};
        fdr_model *m = quartic_model(sets, 4);
        fdr_transfer t;
        solve(m, &t);
        test_run r;
        test_run_built(&r, m, 2);
        const struct {
            const char *name;
            fdr_est mc;
            fdr_est exact;
        } cmp[] = {
            {"theta_dot_grad", r.a.obs[FDR_OBS_OL].est, t.q[FDR_TQ_OL]},
            {"v_dot_v", r.a.obs[FDR_OBS_VV].est, t.q[FDR_TQ_VV]},
            {"grad_sq", r.a.obs[FDR_OBS_GSQ].est, t.q[FDR_TQ_GSQ]},
            {"v_dot_grad", r.a.obs[FDR_OBS_VG].est, t.q[FDR_TQ_VG]},
            {"loss_excess", r.a.obs[FDR_OBS_LOSS].est, t.q[FDR_TQ_LOSS]},
            {"dissipation", r.a.fdr2.dissipation, t.q[FDR_TQ_DISSIPATION]},
            {"F2", r.a.fdr2.F[2], t.q[FDR_TQ_F2]},
            {"F3", r.a.fdr2.F[3], t.q[FDR_TQ_F2 + 1]},
            {"F4", r.a.fdr2.F[4], t.q[FDR_TQ_F2 + 2]},
        };
        for (size_t k = 0; k < sizeof cmp / sizeof *cmp; k++) {
            double z = (cmp[k].mc.val - cmp[k].exact.val) /
                       hypot(cmp[k].mc.err, cmp[k].exact.err);
            cr_expect(cmp[k].mc.err > 0 && fabs(z) < 4.5,
                      "seed %d, %s: Monte Carlo %g +- %g, exact %.12g: z = %.2f", seed,
                      cmp[k].name, cmp[k].mc.val, cmp[k].mc.err, cmp[k].exact.val, z);
        }
        test_run_free(&r);
    }
}

/* What it cannot do, it refuses with the reason. */
static void expect_refused(const char *ini, const char *why)
{
    fdr_model *m = test_model(ini);
    fdr_transfer t;
    fdr_error_clear();
    cr_expect_eq(fdr_transfer_solve(m, NULL, &t), FDR_EINVAL);
    cr_expect(strstr(fdr_error_message(), why), "'%s' does not say '%s'", fdr_error_message(),
              why);
    fdr_model_free(m);
}

Test(transfer, refuses_what_it_does_not_support)
{
    expect_refused("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"
                   "[optimizer]\nlr = 0.1\nmomentum = 0\n",
                   "1-D");
    expect_refused("[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n"
                   "[optimizer]\nlr = 0.1\nmomentum = 0.5\n",
                   "momentum");
    expect_refused("[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n"
                   "[noise]\ntype = rademacher\n[optimizer]\nlr = 0.1\nmomentum = 0\n",
                   "no density");
}

/* The exact references take the transfer operator off the Lyapunov
 * solution's reach, and its refusal becomes their reason, without touching
 * an error message recorded before. */
Test(transfer, exact_references_fall_back_to_it_or_say_why)
{
    fdr_model *m = quartic_model(NULL, 0);
    fdr_exact e;
    fdr_error_clear();
    fdr_error(FDR_EINVAL, "an earlier message");
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_expect(e.available && e.method == FDR_EXACT_TRANSFER && e.transfer.cells > 0);
    cr_expect(e.q[FDR_TQ_OL].val > 0 && e.q[FDR_TQ_OL].err < 1e-8 * e.q[FDR_TQ_OL].val);
    cr_expect(isnan(e.tr.tr_C) && isnan(e.tr.tr_HC) && isnan(e.max_stable_lr),
              "no trace or stable lr without a Hessian");
    cr_expect_str_eq(fdr_error_message(), "an earlier message");
    fdr_exact_clear(&e);
    fdr_model_free(m);
    const char *sets[] = {"optimizer.momentum=0.5"};
    m = quartic_model(sets, 1);
    fdr_error_clear();
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_expect(!e.available && e.method == FDR_EXACT_NONE);
    cr_expect(strstr(e.why_not, "not quadratic") && strstr(e.why_not, "momentum"), "%s",
              e.why_not);
    cr_expect_str_eq(fdr_error_message(), "");
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

TestSuite(transfer_cli, .init = scratch_make, .fini = scratch_remove, .timeout = 60);

/* Runs fdrsim with args in tmpdir; its exit status. */
static int fdrsim(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", tmpdir, FDRSIM_BIN, args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "fdrsim did not exit normally: %s", args);
    return WEXITSTATUS(st);
}

Test(transfer_cli, writes_transfer_json_or_refuses_with_status_2)
{
    char args[1024];
    snprintf(args, sizeof args, "transfer '%s' -o out -s transfer.pad=16", QUARTIC_FILE);
    cr_assert_eq(fdrsim(args), 0);
    cr_expect(exists("out/transfer.json"));
    /* a second run replaces its own output */
    cr_expect_eq(fdrsim(args), 0);
    snprintf(args, sizeof args, "transfer '%s' -o bad -s transfer.spacing=-1", QUARTIC_FILE);
    cr_expect_eq(fdrsim(args), 2);
    snprintf(args, sizeof args, "transfer '%s' -o bad -s transfer.colour=red", QUARTIC_FILE);
    cr_expect_eq(fdrsim(args), 2);
    snprintf(args, sizeof args, "transfer '%s/double-well.ini' -o bad", FDR_TEST_MODELDIR);
    cr_expect_eq(fdrsim(args), 2);
    cr_expect(!exists("bad"));
}

/* The standardised densities the kernel integrates: for every law with
 * one, the density integrates (Simpson, 2000 panels a unit; its error is
 * O(h) only at a jump of the density, so the tolerance is h there) to the
 * difference of the distribution function, the distribution and survival
 * functions add to 1, and the moments are those the engine's FDR2 terms
 * use (fdr_noise_moments, written independently), with E z^2 = 1. */
Test(transfer, unit_densities_agree_with_their_distribution_and_moments)
{
    static const char *const laws[] = {"gaussian", "type = student_t\ndof = 7", "type = laplace",
                                       "type = uniform", "type = skewed\nskewness = 0.8",
                                       "type = state\ns1 = 0.5"};
    for (size_t k = 0; k < sizeof laws / sizeof *laws; k++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n[noise]\n%s\n"
                 "covariance = isotropic 2.5\n[optimizer]\nlr = 0.1\nmomentum = 0\n",
                 k ? laws[k] : "type = gaussian");
        fdr_model *m = test_model(ini);
        fdr_unit_law u;
        cr_assert_eq(fdr_noise_unit_law(m->noise, &u), FDR_OK, "%s", fdr_error_message());
        for (double a = -4; a < 4; a += 0.7) {
            double b = a + 0.7, n = 1400, h = (b - a) / n, sum = 0;
            for (int i = 0; i <= n; i++) {
                double w = i == 0 || i == n ? 1 : i % 2 ? 4 : 2;
                sum += w * fdr_unit_density(&u, a + i * h);
            }
            sum *= h / 3;
            double diff = fdr_unit_cdf(&u, b) - fdr_unit_cdf(&u, a);
            cr_expect(fabs(sum - diff) < (u.smooth ? 1e-10 : h), "%s on [%g, %g]: integral %.12g, "
                      "distribution function %.12g", laws[k], a, b, sum, diff);
            cr_expect(fabs(fdr_unit_cdf(&u, a) + fdr_unit_sf(&u, a) - 1) < 1e-14);
        }
        cr_expect(fabs(fdr_unit_moment(&u, 1)) < 1e-14 && fabs(fdr_unit_moment(&u, 2) - 1) < 1e-12,
                  "%s: E z = %g, E z^2 = %g", laws[k], fdr_unit_moment(&u, 1),
                  fdr_unit_moment(&u, 2));
        double x = 0.3, one = 1, m3, m4, C;
        cr_assert_eq(fdr_noise_moments(m->noise, &x, &one, &m3, &m4), FDR_OK);
        m->noise->type->covariance(m->noise->state, &x, &C);
        cr_expect(fabs(fdr_unit_moment(&u, 3) * pow(C, 1.5) - m3) < 1e-12 * pow(C, 1.5) &&
                      fabs(fdr_unit_moment(&u, 4) * C * C - m4) < 1e-12 * C * C,
                  "%s: E z^3 %g, E z^4 %g against %g, %g", laws[k], fdr_unit_moment(&u, 3),
                  fdr_unit_moment(&u, 4), m3 / pow(C, 1.5), m4 / (C * C));
        fdr_model_free(m);
    }
}

/* A z-score against an exact value with a numerical error divides by both
 * errors, and says when that error is not small against the error bar. */
Test(transfer, z_against_an_inexact_value_counts_its_error)
{
    fdr_est est = {1.0, 0.1};
    cr_expect_float_eq(fdr_zscore_exact(est, 0.5, 0), 5.0, 1e-12);
    cr_expect_float_eq(fdr_zscore_exact(est, 0.5, 1e-13), 5.0, 1e-9);
    cr_expect_float_eq(fdr_zscore_exact(est, 0.5, 0.1), 0.5 / hypot(0.1, 0.1), 1e-12);
    cr_expect(isnan(fdr_zscore_exact(est, NAN, 0)), "no exact value, no z");
    cr_expect(!fdr_exact_error_matters(0.1, 1e-13) && !fdr_exact_error_matters(0.1, 0));
    cr_expect(fdr_exact_error_matters(0.1, 0.02));
}

/* ---- `fdrsim run`'s exact column on the quartic -------------------------- */

/* tmpdir/dir/summary.json, parsed. */
static json_t *summary_of(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/summary.json", tmpdir, dir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert_not_null(root, "%s: %s", path, err.text);
    return root;
}

static double num(const json_t *o, const char *key)
{
    const json_t *x = json_object_get(o, key);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

/* The quantities of a run's summary.json that have an exact value on the
 * quartic: the state observables, FDR1's sides, the dissipation and F2 ..
 * F4 (the estimate's value and 1-sigma error, and the exact value). */
enum { NGRADED = 11 };
typedef struct {
    const char *name;
    double val, err, exact;
} graded;

static void graded_of(const json_t *root, graded *g)
{
    static const char *const obs[] = {"theta_dot_grad", "v_dot_v", "grad_sq", "v_dot_grad",
                                      "loss_excess"};
    static const char *const terms[] = {"dissipation", "F2", "F3", "F4"};
    size_t n = 0;
    const json_t *o = json_object_get(root, "observables"), *t = json_object_get(root, "fdr2_terms");
    cr_assert(o && t, "observables and fdr2_terms in summary.json");
    for (size_t k = 0; k < 5; k++) {
        const json_t *x = json_object_get(o, obs[k]);
        g[n++] = (graded){obs[k], num(x, "value"), num(x, "error"), num(x, "exact")};
    }
    const json_t *rels = json_object_get(root, "relations"), *f1 = NULL, *x;
    size_t i;
    json_array_foreach(rels, i, x)
        if (strcmp(json_string_value(json_object_get(x, "name")), "FDR1") == 0)
            f1 = x;
    cr_assert_not_null(f1, "FDR1 in summary.json");
    const json_t *l = json_object_get(f1, "lhs"), *r = json_object_get(f1, "rhs");
    g[n++] = (graded){"FDR1.lhs", num(l, "value"), num(l, "error"), num(l, "exact")};
    g[n++] = (graded){"FDR1.rhs", num(r, "value"), num(r, "error"), num(r, "exact")};
    for (size_t k = 0; k < 4; k++) {
        x = json_object_get(t, terms[k]);
        g[n++] = (graded){terms[k], num(x, "value"), num(x, "error"), num(x, "exact")};
    }
    cr_assert_eq(n, NGRADED);
}

/* Runs the quartic into tmpdir/dir with the overrides sets (" -s A -s B"). */
static void run_quartic(const char *dir, const char *sets)
{
    char args[1024];
    snprintf(args, sizeof args, "run '%s' -q -o %s%s", QUARTIC_FILE, dir, sets);
    cr_assert_eq(fdrsim(args), 0, "fdrsim %s", args);
}

/* Over three seeds, every quantity of the exact column agrees with the
 * Monte Carlo within |z| < 4.5 (Bonferroni over the 33 comparisons at a
 * family-wise rate of about 2e-4), and summary.json says it came from the
 * transfer operator, with its grid and its error. The twin: the exact
 * column of the chain at lr 1.1 times as large (a kernel of the wrong
 * step) misses every quantity of every seed by more than that. */
Test(transfer_cli, run_has_the_transfer_operators_exact_column, .timeout = 120)
{
    run_quartic("wrong", " -s optimizer.lr=0.11 -s run.replicas=16 -s run.steps=2000");
    json_t *wr = summary_of("wrong");
    graded wrong[NGRADED];
    graded_of(wr, wrong);
    json_decref(wr);
    for (int seed = 1; seed <= 3; seed++) {
        char dir[32], sets[256];
        snprintf(dir, sizeof dir, "seed%d", seed);
        snprintf(sets, sizeof sets,
                 " -s run.seed=%d -s run.replicas=64 -s run.steps=40000 -s run.tensor_directions=0",
                 seed);
        run_quartic(dir, sets);
        json_t *root = summary_of(dir);
        const json_t *ex = json_object_get(root, "exact_reference");
        cr_assert(json_is_true(json_object_get(ex, "available")));
        cr_expect_str_eq(json_string_value(json_object_get(ex, "method")), "transfer");
        const json_t *tr = json_object_get(ex, "transfer");
        cr_assert_not_null(tr);
        cr_expect_gt(num(tr, "cells"), 100);
        cr_expect(num(tr, "max_relative_error") < 1e-8, "relative error %g",
                  num(tr, "max_relative_error"));
        cr_expect_str_eq(json_string_value(json_object_get(tr, "dropped")), "");
        const json_t *noise = json_object_get(json_object_get(root, "model"), "noise");
        cr_expect(noise && json_is_null(json_object_get(noise, "trace_C")),
                  "trace_C has no transfer counterpart");
        graded g[NGRADED];
        graded_of(root, g);
        for (size_t k = 0; k < NGRADED; k++) {
            cr_assert(isfinite(g[k].exact) && g[k].err > 0, "seed %d, %s: exact %g, error %g",
                      seed, g[k].name, g[k].exact, g[k].err);
            double z = (g[k].val - g[k].exact) / g[k].err;
            cr_expect(fabs(z) < 4.5, "seed %d, %s: Monte Carlo %.8g +- %.2g, exact %.12g: z = %.2f",
                      seed, g[k].name, g[k].val, g[k].err, g[k].exact, z);
            double zw = (g[k].val - wrong[k].exact) / g[k].err;
            cr_expect(fabs(zw) > 4.5, "seed %d, %s: the exact value at lr 0.11 (%.12g) passes "
                      "for lr 0.1's (%.8g +- %.2g): z = %.2f",
                      seed, g[k].name, wrong[k].exact, g[k].val, g[k].err, zw);
        }
        json_decref(root);
    }
}

/* Where the transfer operator refuses (momentum, a grid beyond max_cells)
 * the exact reference is absent with its reason; a quadratic keeps the
 * Lyapunov solution; a [transfer] key nobody knows is refused (exit 2). */
Test(transfer_cli, run_says_why_there_is_no_exact_column)
{
    static const struct {
        const char *sets, *method, *why;
    } cases[] = {
        {" -s optimizer.momentum=0.5", "none", "momentum"},
        {" -s transfer.max_cells=16", "none", "cells"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char sets[256], dir[16];
        snprintf(dir, sizeof dir, "c%zu", k);
        snprintf(sets, sizeof sets, "%s -s run.replicas=16 -s run.steps=2000", cases[k].sets);
        run_quartic(dir, sets);
        json_t *root = summary_of(dir);
        const json_t *ex = json_object_get(root, "exact_reference");
        cr_expect_str_eq(json_string_value(json_object_get(ex, "method")), cases[k].method, "%s",
                         cases[k].sets);
        cr_expect_eq(json_is_true(json_object_get(ex, "available")), cases[k].why == NULL);
        cr_expect_null(json_object_get(ex, "transfer"));
        const char *why = json_string_value(json_object_get(ex, "reason"));
        if (cases[k].why)
            cr_expect(why && strstr(why, cases[k].why), "%s: reason '%s' does not say '%s'",
                      cases[k].sets, why ? why : "(null)", cases[k].why);
        json_decref(root);
    }
    write_file("quadratic.ini", "[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n"
                                "[optimizer]\nlr = 0.1\nmomentum = 0\n"
                                "[run]\nreplicas = 16\nsteps = 2000\n");
    cr_assert_eq(fdrsim("run quadratic.ini -q -o quad"), 0);
    json_t *root = summary_of("quad");
    const json_t *ex = json_object_get(root, "exact_reference");
    cr_expect_str_eq(json_string_value(json_object_get(ex, "method")), "lyapunov");
    cr_expect(json_is_true(json_object_get(ex, "available")) && !json_object_get(ex, "transfer"));
    json_decref(root);
    char args[1024];
    snprintf(args, sizeof args, "run '%s' -q -o bad -s transfer.colour=red", QUARTIC_FILE);
    cr_expect_eq(fdrsim(args), 2);
    cr_expect(!exists("bad"));
}

/* A grid too coarse for some values: those whose error estimate is above
 * 1e-3 of them are left out (null, and named), every value kept is within
 * it, and the table says so; coarser still, none is kept and the reason
 * says why. */
Test(transfer_cli, run_leaves_out_inaccurate_exact_values)
{
    run_quartic("coarse", " -s transfer.spacing=0.65 -s run.replicas=16 -s run.steps=2000");
    json_t *root = summary_of("coarse");
    const json_t *ex = json_object_get(root, "exact_reference");
    const json_t *tr = json_object_get(ex, "transfer"), *errs = json_object_get(tr, "errors");
    cr_assert(json_is_true(json_object_get(ex, "available")) && tr && errs);
    const char *dropped = json_string_value(json_object_get(tr, "dropped"));
    cr_expect(dropped && strstr(dropped, "harmonic_residual"), "dropped: %s", dropped);
    cr_expect(json_is_null(json_object_get(json_object_get(json_object_get(root, "fdr2_terms"),
                                                           "residual"),
                                           "exact")),
              "the inaccurate residual has no exact value");
    graded g[NGRADED];
    graded_of(root, g);
    static const char *const names[] = {"theta_dot_grad", "v_dot_v", "grad_sq", "v_dot_grad",
                                        "loss_excess"};
    for (size_t k = 0; k < 5; k++) {
        double err = num(errs, names[k]);
        cr_expect(isfinite(g[k].exact) && err <= 1e-3 * fabs(g[k].exact),
                  "%s: exact %g with error %g", names[k], g[k].exact, err);
    }
    json_decref(root);
    char args[1024];
    snprintf(args, sizeof args, "run '%s' -o coarse2 -s transfer.spacing=0.65 -s run.replicas=16 "
             "-s run.steps=2000", QUARTIC_FILE);
    cr_assert_eq(fdrsim(args), 0);
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/out.txt", tmpdir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    int said = 0;
    while (fgets(line, sizeof line, f))
        said |= strstr(line, "no exact value for") != NULL;
    fclose(f);
    cr_expect(said, "the table names the values left out");
    run_quartic("coarser", " -s transfer.spacing=1 -s run.replicas=16 -s run.steps=2000");
    root = summary_of("coarser");
    ex = json_object_get(root, "exact_reference");
    const char *why = json_string_value(json_object_get(ex, "reason"));
    cr_expect(!json_is_true(json_object_get(ex, "available")) && why &&
                  strstr(why, "error estimates"),
              "reason: %s", why ? why : "(null)");
    json_decref(root);
}
