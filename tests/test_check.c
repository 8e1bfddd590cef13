/* test_check.c - `fdrsim check`: identical or independent runs of a model
 * pass, an injected bias of 5 sigma, a lost relation and a changed exact
 * value are regressions named in the output, and malformed JSON, another
 * model or another kind of file exit 2 with a message saying why. Summaries
 * are made by the library itself (run and sweep), then edited. */
#include "cli/cli.h"
#include "helpers.h"
#include "io/check.h"
#include "io/report.h"
#include "studies/sweep.h"
#include "scratch.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODEL                                                                                     \
    "[landscape]\ntype = quadratic\ndim = 3\nspectrum = log 0.5 2\nrotation = random\n"          \
    "[noise]\ncovariance = isotropic 0.5\n[optimizer]\nlr = 0.1\nmomentum = 0.5\n"

TestSuite(check, .init = scratch_make, .fini = scratch_remove, .timeout = 120);

static const char *path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* Runs model text (with the seed) as `fdrsim run` would and writes its
 * summary.json into tmpdir/dir. */
static void run_summary(const char *ini, int seed, const char *dir)
{
    char text[2048], set[32];
    snprintf(text, sizeof text, "%s[run]\nreplicas = 32\nsteps = 6000\n", ini);
    snprintf(set, sizeof set, "run.seed=%d", seed);
    fdr_error_clear();
    fdr_config *cfg = fdr_config_parse_string(text, "check.ini");
    cr_assert_not_null(cfg);
    cr_assert_eq(fdr_config_set(cfg, set), FDR_OK);
    fdr_model *m = fdr_model_alloc(cfg, "check");
    cr_assert_not_null(m, "%s", fdr_error_message());
    fdr_exact e;
    fdr_result *r;
    fdr_analysis a;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_OK);
    cr_assert_eq(fdr_exact_tensor(m, &e, r->tensor_full, r->ntens, r->dirs), FDR_OK);
    cr_assert_eq(fdr_analyse(m, r, &e, &a), FDR_OK);
    fdr_report rep = {"test_check", cfg, m, &e, r, &a};
    cr_assert_eq(fdr_report_write(path(dir), &rep), FDR_OK, "%s", fdr_error_message());
    fdr_analysis_clear(&a);
    fdr_result_free(r);
    fdr_exact_clear(&e);
    fdr_model_free(m);
    fdr_config_free(cfg);
}

/* Runs `fdrsim check RESULT --baseline BASELINE [extra]` in a child whose
 * output goes to tmpdir/out.txt and err.txt; returns the exit status. */
static int check(const char *result, const char *baseline, const char *extra)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (!freopen(path("out.txt"), "w", stdout) || !freopen(path("err.txt"), "w", stderr))
            _exit(99);
        char *argv[] = {(char *)"check", (char *)result, (char *)"--baseline",
                        (char *)baseline, (char *)extra, NULL};
        int code = fdr_cli_check(extra ? 5 : 4, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(code);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
    static char buf[1 << 16];
    FILE *f = fopen(path(name), "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static json_t *load(const char *name)
{
    json_error_t err;
    json_t *j = json_load_file(path(name), 0, &err);
    cr_assert_not_null(j, "%s: %s", name, err.text);
    return j;
}

static void save(json_t *j, const char *name)
{
    cr_assert_eq(json_dump_file(j, path(name), JSON_INDENT(2) | JSON_REAL_PRECISION(17)), 0);
    json_decref(j);
}

Test(check, identical_and_independent_runs_pass)
{
    run_summary(MODEL, 1, "a");
    run_summary(MODEL, 2, "b");
    cr_expect_eq(check(path("a/summary.json"), path("a/summary.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "OK: nothing moved"), "%s", slurp("out.txt"));
    /* Another seed is an independent sample of the same model. */
    cr_expect_eq(check(path("b/summary.json"), path("a/summary.json"), "-v"), 0, "%s",
                 slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "observables.theta_dot_grad"),
              "verbose lists every comparison");
}

/* Shifts one estimate {value, error, exact} by k combined sigmas of its
 * comparison. */
static void shift(json_t *o, double k)
{
    double v = json_number_value(json_object_get(o, "value"));
    double e = json_number_value(json_object_get(o, "error"));
    cr_assert_gt(e, 0);
    json_object_set_new(o, "value", json_real(v + k * sqrt(2.0) * e));
}

Test(check, a_five_sigma_bias_is_a_regression)
{
    run_summary(MODEL, 1, "a");
    json_t *j = load("a/summary.json");
    shift(json_object_get(json_object_get(j, "observables"), "v_dot_v"), 5);
    save(j, "biased.json");
    cr_expect_eq(check(path("biased.json"), path("a/summary.json"), NULL), 1, "%s",
                 slurp("out.txt"));
    const char *out = slurp("out.txt");
    cr_expect(strstr(out, "observables.v_dot_v") && strstr(out, "REGRESSED"), "%s", out);
    cr_expect(strstr(out, "z = 5.00"), "%s", out);
    /* 3.5 sigma is within the default tolerance once adjusted for the number
     * of comparisons; a tolerance of 2 catches it. */
    j = load("a/summary.json");
    shift(json_object_get(json_object_get(j, "observables"), "v_dot_v"), 3.5);
    save(j, "mild.json");
    cr_expect_eq(check(path("mild.json"), path("a/summary.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    cr_expect_eq(check(path("mild.json"), path("a/summary.json"), "--tolerance=2"), 1, "%s",
                 slurp("out.txt"));
}

Test(check, a_failing_relation_a_changed_exact_value_and_a_lost_quantity_regress)
{
    run_summary(MODEL, 1, "a");
    json_t *j = load("a/summary.json");
    json_t *rels = json_object_get(j, "relations");
    size_t i;
    json_t *r;
    json_array_foreach(rels, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), "FDR1") == 0)
            json_object_set_new(r, "pass", json_false());
    }
    save(j, "fails.json");
    cr_expect_eq(check(path("fails.json"), path("a/summary.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "relations.FDR1") &&
                  strstr(slurp("out.txt"), "passed in the baseline, fails now"),
              "%s", slurp("out.txt"));

    j = load("a/summary.json");
    json_t *o = json_object_get(json_object_get(j, "observables"), "grad_sq");
    json_object_set_new(o, "exact", json_real(json_number_value(json_object_get(o, "exact")) *
                                              (1 + 1e-6)));
    save(j, "exact.json");
    cr_expect_eq(check(path("exact.json"), path("a/summary.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "observables.grad_sq.exact"), "%s", slurp("out.txt"));

    j = load("a/summary.json");
    json_object_del(json_object_get(j, "fdr2_terms"), "F2");
    save(j, "lost.json");
    cr_expect_eq(check(path("lost.json"), path("a/summary.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "fdr2_terms.F2") &&
                  strstr(slurp("out.txt"), "missing from the result"),
              "%s", slurp("out.txt"));
    /* The other way round the quantity is new, which is not a regression. */
    cr_expect_eq(check(path("a/summary.json"), path("lost.json"), NULL), 0, "%s",
                 slurp("out.txt"));
}

/* A relation that had a verdict in the baseline and is unresolved in the
 * result (no error bar: its z decides nothing) regresses; the same summary
 * against itself does not. */
Test(check, a_relation_unresolved_now_regresses)
{
    run_summary(MODEL, 1, "a");
    json_t *j = load("a/summary.json");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "relations"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), "FDR1") != 0)
            continue;
        json_object_set_new(r, "verdict", json_string("unresolved"));
        json_object_set_new(r, "pass", json_null());
        json_object_set_new(r, "z", json_null());
        json_object_set_new(json_object_get(r, "diff"), "error", json_null());
    }
    save(j, "unresolved.json");
    cr_expect_eq(check(path("unresolved.json"), path("a/summary.json"), NULL), 1, "%s",
                 slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "relations.FDR1") &&
                  strstr(slurp("out.txt"), "unresolved now"),
              "%s", slurp("out.txt"));
    cr_expect_eq(check(path("unresolved.json"), path("unresolved.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    /* A side that lost its error bar regresses too, though its value has not moved
     * and the relation kept its verdict. */
    j = load("a/summary.json");
    json_array_foreach(json_object_get(j, "relations"), i, r)
        if (strcmp(json_string_value(json_object_get(r, "name")), "FDR1") == 0)
            json_object_set_new(json_object_get(r, "lhs"), "error", json_null());
    save(j, "lost.json");
    cr_expect_eq(check(path("lost.json"), path("a/summary.json"), NULL), 1, "%s",
                 slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "relations.FDR1.lhs") &&
                  strstr(slurp("out.txt"), "had an error bar in the baseline"),
              "%s", slurp("out.txt"));
}

Test(check, bad_input_exits_2_with_a_clear_message)
{
    run_summary(MODEL, 1, "a");
    FILE *f = fopen(path("broken.json"), "w");
    cr_assert_not_null(f);
    fputs("{\n  \"schema\": \"fdrsim-summary/2\",\n  \"relations\": [1, 2,\n", f);
    fclose(f);
    cr_expect_eq(check(path("broken.json"), path("a/summary.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "broken.json:4:"), "line and column: %s",
              slurp("err.txt"));
    cr_expect_eq(check(path("a/summary.json"), path("nonexistent.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "nonexistent.json"), "%s", slurp("err.txt"));

    f = fopen(path("other.json"), "w");
    cr_assert_not_null(f);
    fputs("{\"schema\": \"something-else\"}\n", f);
    fclose(f);
    cr_expect_eq(check(path("other.json"), path("a/summary.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "schema"), "%s", slurp("err.txt"));

    /* Another spectrum is another model; the message names the key. */
    run_summary("[landscape]\ntype = quadratic\ndim = 3\nspectrum = log 0.5 3\n"
                "rotation = random\n[noise]\ncovariance = isotropic 0.5\n"
                "[optimizer]\nlr = 0.1\nmomentum = 0.5\n",
                1, "c");
    cr_expect_eq(check(path("c/summary.json"), path("a/summary.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "spectrum") && strstr(slurp("err.txt"), "log 0.5 3"),
              "%s", slurp("err.txt"));
    run_summary("[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\n"
                "rotation = random\n[noise]\ncovariance = isotropic 0.5\n"
                "[optimizer]\nlr = 0.1\nmomentum = 0.5\n",
                1, "d");
    cr_expect_eq(check(path("d/summary.json"), path("a/summary.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "dim"), "%s", slurp("err.txt"));

    cr_expect_eq(check(path("a/summary.json"), path("a/summary.json"), "--tolerance=-1"), 2);
}

/* Sweeps: the same comparison over every point and the fit. */
Test(check, sweeps_compare_points_and_fits)
{
    static const double lr[] = {0.02, 0.05, 0.1, 0.2};
    char text[2048];
    snprintf(text, sizeof text, "%s[run]\nreplicas = 16\nsteps = 4000\n", MODEL);
    fdr_sweep_spec spec = {.text = text, .name = "check", .lr = lr, .n = 4, .threads = 2};
    fdr_sweep *s;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_sweep_write(path("s"), s, "test_check", NULL), FDR_OK);
    fdr_sweep_free(s);
    cr_expect_eq(check(path("s/sweep.json"), path("s/sweep.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    json_t *j = load("s/sweep.json");
    shift(json_object_get(json_object_get(json_array_get(json_object_get(j, "lines"), 0), "fit"),
                          "a1"),
          5);
    save(j, "a1.json");
    cr_expect_eq(check(path("a1.json"), path("s/sweep.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "fit.a1 "), "%s", slurp("out.txt"));
    j = load("s/sweep.json");
    shift(json_object_get(json_array_get(json_object_get(j, "points"), 2), "G"), -5);
    save(j, "g.json");
    cr_expect_eq(check(path("g.json"), path("s/sweep.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "points[lr=0.1].G "), "%s", slurp("out.txt"));
    /* An error bar lost (null: beyond the range of doubles) is unresolved now:
     * a regression even though the value has not moved. */
    j = load("s/sweep.json");
    json_t *fit = json_object_get(json_array_get(json_object_get(j, "lines"), 0), "fit");
    json_object_set_new(json_object_get(fit, "a1"), "error", json_null());
    save(j, "unresolved.json");
    cr_expect_eq(check(path("unresolved.json"), path("s/sweep.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "fit.a1 ") && strstr(slurp("out.txt"), "unresolved"), "%s",
              slurp("out.txt"));
    cr_expect_eq(check(path("s/sweep.json"), path("unresolved.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    /* Another grid, and a run summary against a sweep, are bad input. */
    j = load("s/sweep.json");
    json_array_remove(json_object_get(j, "points"), 3);
    save(j, "short.json");
    cr_expect_eq(check(path("short.json"), path("s/sweep.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "grids"), "%s", slurp("err.txt"));
    run_summary(MODEL, 1, "a");
    cr_expect_eq(check(path("a/summary.json"), path("s/sweep.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "like with like"), "%s", slurp("err.txt"));
}

/* A grid (lr x momentum, fdrsim-sweep/2): every point is named by its values,
 * each line's fit by its own, a moved point and a moved line's fit are
 * caught, and another grid of the other key is bad input. */
Test(check, sweep_grids_compare_point_by_point_and_line_by_line)
{
    static const double lr[] = {0.02, 0.05, 0.1, 0.2};
    char text[2048];
    snprintf(text, sizeof text, "%s[run]\nreplicas = 16\nsteps = 4000\n", MODEL);
    fdr_sweep_axis mu, other;
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0,0.5", &mu), FDR_OK);
    cr_assert_eq(fdr_sweep_axis_parse("optimizer.momentum", "0,0.6", &other), FDR_OK);
    fdr_sweep_spec spec = {.text = text, .name = "check", .lr = lr, .n = 4, .axes = &mu,
                           .naxes = 1, .threads = 2};
    fdr_sweep *s;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_sweep_write(path("s"), s, "test_check", NULL), FDR_OK);
    fdr_sweep_free(s);
    spec.axes = &other;
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_sweep_write(path("o"), s, "test_check", NULL), FDR_OK);
    fdr_sweep_free(s);
    cr_expect_eq(check(path("s/sweep.json"), path("s/sweep.json"), NULL), 0, "%s",
                 slurp("out.txt"));
    json_t *j = load("s/sweep.json");
    shift(json_object_get(json_array_get(json_object_get(j, "points"), 5), "G"), -5);
    save(j, "g.json");
    cr_expect_eq(check(path("g.json"), path("s/sweep.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "points[lr=0.05,optimizer.momentum=0.5].G "), "%s",
              slurp("out.txt"));
    j = load("s/sweep.json");
    shift(json_object_get(json_object_get(json_array_get(json_object_get(j, "lines"), 1), "fit"),
                          "a1"),
          5);
    save(j, "a1.json");
    cr_expect_eq(check(path("a1.json"), path("s/sweep.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "fit[optimizer.momentum=0.5].a1 "), "%s",
              slurp("out.txt"));
    cr_expect_eq(check(path("o/sweep.json"), path("s/sweep.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "different grids"), "%s", slurp("err.txt"));
    fdr_sweep_axis_clear(&mu);
    fdr_sweep_axis_clear(&other);
}

/* Writes a sweep of MODEL over lr with the seed and steps into tmpdir/dir. */
static void run_sweep(unsigned seed, long steps, const char *dir)
{
    static const double lr[] = {0.02, 0.05, 0.1, 0.2};
    char text[2048];
    snprintf(text, sizeof text, "%s[run]\nreplicas = 16\nsteps = %ld\nseed = %u\n", MODEL, steps,
             seed);
    fdr_sweep_spec spec = {.text = text, .name = "check", .lr = lr, .n = 4, .threads = 2};
    fdr_sweep *s;
    fdr_error_clear();
    cr_assert_eq(fdr_sweep_run(&spec, &s), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_sweep_write(path(dir), s, "test_check", NULL), FDR_OK);
    fdr_sweep_free(s);
}

/* Sweeps that differ only in seed and length (which may differ) pass: the
 * fit's *_exact_finite values, which go through the fit's weights (the
 * simulated error bars), differ between them and are not compared; the
 * exact values that are a property of the model still are. */
Test(check, sweeps_of_another_seed_and_length_pass)
{
    run_sweep(1, 4000, "s1");
    run_sweep(77, 6000, "s2");
    json_t *a = load("s1/sweep.json"), *b = load("s2/sweep.json");
    const json_t *fa = json_object_get(json_array_get(json_object_get(a, "lines"), 0), "fit"),
                 *fb = json_object_get(json_array_get(json_object_get(b, "lines"), 0), "fit");
    double xa = json_number_value(json_object_get(fa, "a1_exact_finite")),
           xb = json_number_value(json_object_get(fb, "a1_exact_finite"));
    cr_assert(isfinite(xa) && isfinite(xb) && xa != xb,
              "the premise: a1_exact_finite depends on the seed (%.17g, %.17g)", xa, xb);
    json_decref(a);
    json_decref(b);
    cr_expect_eq(check(path("s2/sweep.json"), path("s1/sweep.json"), "-v"), 0, "%s",
                 slurp("out.txt"));
    cr_expect(!strstr(slurp("out.txt"), "exact_finite"), "%s", slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "fit.a1.exact"), "%s", slurp("out.txt"));
    /* The twin: the model's own exact a1 changed is still caught. */
    json_t *j = load("s2/sweep.json");
    json_t *a1 = json_object_get(
        json_object_get(json_array_get(json_object_get(j, "lines"), 0), "fit"), "a1");
    json_object_set_new(a1, "exact",
                        json_real(json_number_value(json_object_get(a1, "exact")) * (1 + 1e-6)));
    save(j, "exact.json");
    cr_expect_eq(check(path("exact.json"), path("s1/sweep.json"), NULL), 1, "%s",
                 slurp("out.txt"));
    cr_expect(strstr(slurp("out.txt"), "fit.a1.exact"), "%s", slurp("out.txt"));
}

/* Runs `fdrsim schedule schedule-nqm` short, with the seed, mode and X, into
 * tmpdir/dir. */
static void run_schedule(const char *seed, const char *mode, const char *X, const char *dir)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (!freopen(path("sched.txt"), "w", stdout))
            _exit(99);
        char *argv[] = {(char *)"schedule", (char *)FDR_TEST_MODELDIR "/schedule-nqm.ini",
                        (char *)"--steps",  (char *)"3000",
                        (char *)"--replicas", (char *)"32",
                        (char *)"--t-adaptive", (char *)"250",
                        (char *)"--seed",   (char *)seed,
                        (char *)"--mode",   (char *)mode,
                        (char *)"--X",      (char *)X,
                        (char *)"-q",       (char *)"-o",
                        (char *)path(dir),  NULL};
        _exit(fdr_cli_schedule(17, argv, NULL));
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fdrsim schedule failed");
}

/* schedule.json: another seed passes; a shifted final loss, a changed exact
 * curve, a lost schedule and a moved mean quench step regress; another
 * quencher setting is bad input, and so is an older schema (regenerate). */
Test(check, schedules_compare_final_loss_time_to_target_and_quenches)
{
    run_schedule("1", "replica", "0.3", "q1");
    run_schedule("2", "replica", "0.3", "q2");
    cr_expect_eq(check(path("q2/schedule.json"), path("q1/schedule.json"), "-v"), 0, "%s",
                 slurp("out.txt"));
    const char *out = slurp("out.txt");
    cr_expect(strstr(out, "schedules.step.final_excess_loss.exact") &&
                  strstr(out, "schedules.fdr.quench[1].step"),
              "%s", out);
    json_t *j = load("q1/schedule.json");
    json_t *list = json_object_get(j, "schedules");
    shift(json_object_get(json_array_get(list, 2), "final_excess_loss"), 5);
    save(j, "loss.json");
    cr_expect_eq(check(path("loss.json"), path("q1/schedule.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "schedules.step.final_excess_loss "), "%s",
              slurp("out.txt"));
    j = load("q1/schedule.json");
    json_t *fl = json_object_get(json_array_get(json_object_get(j, "schedules"), 1),
                                 "final_excess_loss");
    json_object_set_new(fl, "exact",
                        json_real(json_number_value(json_object_get(fl, "exact")) * (1 + 1e-6)));
    save(j, "exact.json");
    cr_expect_eq(check(path("exact.json"), path("q1/schedule.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "schedules.constant.final_excess_loss.exact"), "%s",
              slurp("out.txt"));
    j = load("q1/schedule.json");
    json_t *q = json_array_get(json_object_get(json_array_get(json_object_get(j, "schedules"), 0),
                                               "quench_spread"),
                               0);
    shift(json_object_get(q, "step"), 6);
    save(j, "quench.json");
    cr_expect_eq(check(path("quench.json"), path("q1/schedule.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "schedules.fdr.quench[1].step"), "%s", slurp("out.txt"));
    j = load("q1/schedule.json");
    json_array_remove(json_object_get(j, "schedules"), 3);
    save(j, "lost.json");
    cr_expect_eq(check(path("lost.json"), path("q1/schedule.json"), NULL), 1);
    cr_expect(strstr(slurp("out.txt"), "schedules.inverse") &&
                  strstr(slurp("out.txt"), "missing from the result"),
              "%s", slurp("out.txt"));
    run_schedule("1", "replica", "0.2", "qx");
    cr_expect_eq(check(path("qx/schedule.json"), path("q1/schedule.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "quencher.X"), "%s", slurp("err.txt"));
    j = load("q1/schedule.json");
    json_object_set_new(j, "schema", json_string("fdrsim-schedule/1"));
    save(j, "old.json");
    cr_expect_eq(check(path("q1/schedule.json"), path("old.json"), NULL), 2);
    cr_expect(strstr(slurp("err.txt"), "old.json: schema 'fdrsim-schedule/1'") &&
                  strstr(slurp("err.txt"), "regenerate"),
              "%s", slurp("err.txt"));
}
