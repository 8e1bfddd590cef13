/* test_verdicts.c - verdicts that do not depend on the scale of the problem:
 * noise scaled by 2^-1000 or 2^1000 gives the same z-scores and verdicts as
 * unit noise (the error bars neither underflow nor overflow), a relation
 * without a finite, positive error bar is unresolved (never a pass, and
 * --check exits 1), tau_int of an observable that does not fluctuate is
 * reported as unknown, and a state that grows without bound is a divergence
 * (exit 2, step and replica named, nothing written). */
#include "helpers.h"
#include "scratch.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* models/isotropic.ini, shortened: d = 20, H = I, lr 0.1, FDR2 measured; the
 * noise covariance is appended. */
#define ISO                                                                                       \
    "[landscape]\ntype = quadratic\ndim = 20\nspectrum = linear 1 1\n"                           \
    "[optimizer]\nlr = 0.1\n[run]\nreplicas = 64\nsteps = 4000\nseed = 1\nfdr2 = on\n"         \
    "[noise]\ncovariance = isotropic "

TestSuite(verdicts, .init = scratch_make, .fini = scratch_remove, .timeout = 120);

/* Runs fdrsim with args (a shell fragment) in tmpdir; returns its exit
 * status, with stdout and stderr in tmpdir/out.txt and tmpdir/err.txt. */
static int fdrsim(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", tmpdir, FDRSIM_BIN, args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "fdrsim did not exit normally: %s", args);
    return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
    static char buf[1 << 16];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s missing", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static json_t *load(const char *name)
{
    char path[512];
    json_error_t err;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    json_t *j = json_load_file(path, 0, &err);
    cr_assert_not_null(j, "%s: %s", path, err.text);
    return j;
}

static const json_t *relation(const json_t *summary, const char *name)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(summary, "relations"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
            return r;
    }
    cr_assert_fail("no relation %s in summary.json", name);
    return NULL;
}

/* The isotropic model with covariance c, run through the library. */
static void run_iso(test_run *t, const char *c)
{
    char ini[1024];
    snprintf(ini, sizeof ini, "%s%s\n", ISO, c);
    test_run_model(t, ini, 1);
}

/* Scaling the covariance by f = 2^(2k) scales the state by 2^k and every
 * quadratic observable by f, all exactly (powers of two) while nothing
 * overflows or underflows: the z-scores and verdicts must be those of the
 * unscaled run, and every error bar the unscaled one times f (sqrt(f) for
 * FDR0, linear in the state). */
static void same_verdicts(const test_run *u, const test_run *s, double f)
{
    cr_assert_eq(s->a.nrel, u->a.nrel);
    for (size_t i = 0; i < u->a.nrel; i++) {
        const fdr_relation *a = &u->a.rel[i], *b = &s->a.rel[i];
        double fi = i == FDR_REL_FDR0_GRAD || i == FDR_REL_FDR0_V ? sqrt(f) : f;
        cr_expect(isfinite(b->diff.err) && b->diff.err > 0, "%s: error bar %g", b->name,
                  b->diff.err);
        cr_expect(fabs(b->diff.err / (fi * a->diff.err) - 1) < 1e-9, "%s: error %g, want %g",
                  b->name, b->diff.err, fi * a->diff.err);
        cr_expect(fabs(b->z - a->z) < 1e-9 * fmax(1, fabs(a->z)), "%s: z = %g, want %g", b->name,
                  b->z, a->z);
        cr_expect_eq(b->verdict, a->verdict, "%s: verdict %s, want %s", b->name,
                     fdr_verdict_name(b->verdict), fdr_verdict_name(a->verdict));
    }
    for (int k = 0; k < FDR_NSTATE_OBS; k++) {
        const fdr_observable *a = &u->a.obs[k], *b = &s->a.obs[k];
        cr_expect(fabs(b->est.err / (f * a->est.err) - 1) < 1e-9, "%s: error %g, want %g",
                  b->key, b->est.err, f * a->est.err);
        cr_expect(fabs(b->tau_int / a->tau_int - 1) < 1e-9, "%s: tau_int %g, want %g", b->key,
                  b->tau_int, a->tau_int);
    }
    cr_expect_eq(s->a.all_pass, u->a.all_pass);
}

Test(verdicts, do_not_depend_on_the_scale_of_the_noise)
{
    test_run u, lo, hi;
    run_iso(&u, "0.5");
    cr_assert(u.a.all_pass, "the unscaled run passes");
    /* 0.5 times 2^-1000 and 2^1000, printed with enough digits to be read
     * back exactly. */
    char c[64];
    snprintf(c, sizeof c, "%.17g", ldexp(0.5, -1000));
    run_iso(&lo, c);
    same_verdicts(&u, &lo, ldexp(1, -1000));
    snprintf(c, sizeof c, "%.17g", ldexp(0.5, 1000));
    run_iso(&hi, c);
    same_verdicts(&u, &hi, ldexp(1, 1000));
    test_run_free(&u);
    test_run_free(&lo);
    test_run_free(&hi);
}

/* The commands: 1e300 and 1e-300 on models/isotropic.ini give
 * finite error bars, and the FDR1 value matches its exact one within them. */
Test(verdicts, noise_of_1e300_and_1e_300_through_the_binary)
{
    static const char *const cov[] = {"1e300", "1e-300"};
    for (int i = 0; i < 2; i++) {
        char args[1024];
        snprintf(args, sizeof args,
                 "run '%s/isotropic.ini' --set 'noise.covariance=isotropic %s' --steps 4000 "
                 "--check -o out",
                 FDR_TEST_MODELDIR, cov[i]);
        cr_expect_eq(fdrsim(args), 0, "%s:\n%s%s", cov[i], slurp("out.txt"), slurp("err.txt"));
        json_t *j = load("out/summary.json");
        const json_t *f1 = relation(j, "FDR1");
        const json_t *side = json_object_get(f1, "lhs");
        double lhs = json_number_value(json_object_get(side, "value"));
        const json_t *err = json_object_get(side, "error");
        cr_assert(json_is_number(err), "%s: lhs.error is not a number", cov[i]);
        double e = json_number_value(err), ex = json_number_value(json_object_get(side, "exact"));
        cr_expect(e > 0 && isfinite(e), "%s: lhs.error = %g", cov[i], e);
        cr_expect(fabs(lhs - ex) < 4 * e, "%s: FDR1 LHS %g +- %g, exact %g", cov[i], lhs, e, ex);
        cr_expect_str_eq(json_string_value(json_object_get(f1, "verdict")), "pass");
        cr_expect(json_is_true(json_object_get(j, "all_pass")));
        const json_t *tau = json_object_get(
            json_object_get(json_object_get(j, "observables"), "theta_dot_grad"), "tau_int");
        cr_expect(json_is_number(tau) && json_number_value(tau) > 0, "%s: tau_int missing",
                  cov[i]);
        json_decref(j);
        cr_expect(!strstr(slurp("out.txt"), "inf") && !strstr(slurp("out.txt"), "nan"), "%s:\n%s",
                  cov[i], slurp("out.txt"));
    }
}

/* Zero noise: every relation is 0 = 0 with no error bar. Unresolved, not a
 * pass; --check exits 1; no "nan" in the table. */
Test(verdicts, zero_noise_is_unresolved)
{
    char args[1024];
    snprintf(args, sizeof args,
             "run '%s/isotropic.ini' --set 'noise.covariance=isotropic 0' --steps 2000 -o out",
             FDR_TEST_MODELDIR);
    cr_assert_eq(fdrsim(args), 0, "%s", slurp("err.txt"));
    const char *out = slurp("out.txt");
    cr_expect(strstr(out, "UNRESOLVED"), "%s", out);
    cr_expect(!strstr(out, "PASS"), "%s", out);
    cr_expect(!strstr(out, "nan"), "%s", out);
    json_t *j = load("out/summary.json");
    const json_t *f1 = relation(j, "FDR1");
    cr_expect_str_eq(json_string_value(json_object_get(f1, "verdict")), "unresolved");
    cr_expect(json_is_null(json_object_get(f1, "pass")));
    cr_expect(json_is_null(json_object_get(f1, "z")));
    cr_expect(json_is_false(json_object_get(j, "all_pass")));
    cr_expect_eq(json_integer_value(json_object_get(j, "unresolved")),
                 (json_int_t)json_array_size(json_object_get(j, "relations")));
    cr_expect(json_is_null(json_object_get(
        json_object_get(json_object_get(j, "observables"), "v_dot_v"), "tau_int")));
    json_decref(j);
    strcat(args, " --check");
    cr_expect_eq(fdrsim(args), 1, "--check: an unresolved relation is not a pass");
}

/* An approximation's violation is printed with its relative size; when the
 * left side is not resolved, that size has no error bar ("-", null), not a
 * "nan" or a first-order number that means nothing. */
Test(verdicts, an_unresolved_violation_has_no_relative_error)
{
    char args[1024];
    snprintf(args, sizeof args,
             "run '%s/adam-quadratic.ini' --set 'noise.covariance=isotropic 0' --steps 2000 "
             "--replicas 16 -o out",
             FDR_TEST_MODELDIR);
    cr_assert_eq(fdrsim(args), 0, "%s", slurp("err.txt"));
    const char *out = slurp("out.txt");
    cr_expect(strstr(out, "violation of FDR1: ") && strstr(out, "relative - +- -"), "%s", out);
    cr_expect(!strstr(out, "nan"), "%s", out);
    json_t *j = load("out/summary.json");
    const json_t *rel = json_object_get(relation(j, "FDR1"), "rel");
    cr_expect(json_is_object(rel) && json_is_null(json_object_get(rel, "error")),
              "the relative size of an unresolved violation has no error bar");
    json_decref(j);
}

/* The library's rule, relation by relation: an error bar of 0 (a constant
 * observable) leaves a relation unresolved, whatever its z would be. */
Test(verdicts, an_error_bar_of_zero_is_no_verdict)
{
    test_run t;
    run_iso(&t, "0");
    for (size_t i = 0; i < t.a.nrel; i++) {
        cr_expect_eq(t.a.rel[i].verdict, FDR_UNRESOLVED, "%s", t.a.rel[i].name);
        cr_expect(!t.a.rel[i].pass, "%s", t.a.rel[i].name);
        cr_expect(isnan(t.a.rel[i].z), "%s: z = %g", t.a.rel[i].name, t.a.rel[i].z);
    }
    cr_expect_eq(t.a.unresolved, t.a.nrel);
    cr_expect(!t.a.all_pass);
    cr_expect(isnan(t.a.obs[FDR_OBS_VV].tau_int));
    test_run_free(&t);
}

/* One Gaussian well (H = 2 I, stable for lr < 1) at lr 1.002: |v|^2 grows by
 * about 1.4% a step, to ~1e70 in 20000 steps, without ever overflowing. */
#define SLOW_DIVERGENCE                                                                           \
    "[landscape]\ntype = gmm\ndim = 2\ncomponents = 1\nweights = 1\nmeans = 0 0\n"               \
    "covariances = isotropic 0.5\n[noise]\ncovariance = isotropic 1\n[optimizer]\nlr = 1.002\n" \
    "[run]\nreplicas = 16\nsteps = 20000\nseed = 1\n"

Test(verdicts, slow_divergence_exits_2_naming_step_and_replica, .timeout = 240)
{
    char path[512];
    snprintf(path, sizeof path, "%s/slow.ini", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(SLOW_DIVERGENCE, f);
    fclose(f);
    cr_assert_eq(fdrsim("run slow.ini -o out"), 2, "%s", slurp("out.txt"));
    const char *err = slurp("err.txt");
    long step = -1;
    unsigned rep = 0;
    const char *p = strstr(err, "replica ");
    cr_assert(p && sscanf(p, "replica %u", &rep) == 1, "%s", err);
    p = strstr(err, " at step ");
    cr_assert(p && sscanf(p, " at step %ld", &step) == 1 && step > 0 && step < 20000, "%s", err);
    cr_expect(strstr(err, "divergence limit") && strstr(err, "slow.ini"), "%s", err);
    struct stat st;
    snprintf(path, sizeof path, "%s/out", tmpdir);
    cr_expect_neq(stat(path, &st), 0, "nothing is written");
    /* The schedules step the state themselves: the constant one diverges. */
    cr_assert_eq(fdrsim("schedule slow.ini -o sched"), 2, "%s", slurp("out.txt"));
    err = slurp("err.txt");
    cr_expect(strstr(err, "replica ") && strstr(err, " at step ") &&
                  strstr(err, "divergence limit"),
              "%s", err);
    snprintf(path, sizeof path, "%s/sched", tmpdir);
    cr_expect_neq(stat(path, &st), 0, "nothing is written");
}

/* The limit's formula on a quadratic started at its minimum: 2^100 times the
 * noise's eta_b Tr C / (1 - mu) (the start's and f(c)'s terms are zero). */
Test(verdicts, the_divergence_limit_is_the_documented_one)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\n"
                              "[noise]\ncovariance = diagonal 1 2 3 4\n"
                              "[optimizer]\nlr = 0.1\nmomentum = 0.5\n");
    double lim = 0;
    cr_assert_eq(fdr_divergence_limit(m, &lim), FDR_OK);
    double want = 0x1p100 * 0.1 * 10 / 0.5;
    cr_expect(fabs(lim / want - 1) < 1e-12, "limit %g, want %g", lim, want);
    fdr_model_free(m);
}

/* Heavy tails are not a divergence: Student-t noise with 2.5 degrees of
 * freedom (infinite fourth moment, bursts of |v|^2 far above its mean)
 * runs to the end. */
Test(verdicts, heavy_tailed_noise_is_not_a_divergence)
{
    test_run t;
    test_run_model(&t,
                   "[landscape]\ntype = quadratic\ndim = 10\nspectrum = log 0.1 10\n"
                   "[noise]\ntype = student_t\ndof = 2.5\ncovariance = isotropic 1\n"
                   "[optimizer]\nlr = 0.15\n[run]\nreplicas = 64\nsteps = 20000\nseed = 3\n",
                   1);
    cr_expect(isfinite(t.a.rel[FDR_REL_FDR1].lhs.val));
    test_run_free(&t);
}

/* |z| of component i of FDR0 from the engine's per-unit sums S (U x d). */
static double component_z(const fdr_result *r, const double *S, size_t i)
{
    double m = 0, ss = 0;
    for (size_t u = 0; u < r->units; u++)
        m += S[u * r->d + i] / (double)r->ucount[u];
    m /= (double)r->units;
    for (size_t u = 0; u < r->units; u++) {
        double x = S[u * r->d + i] / (double)r->ucount[u] - m;
        ss += x * x;
    }
    return fabs(m) / sqrt(ss / (double)(r->units - 1) / (double)r->units);
}

/* FDR0's verdict is that of its worst component: the reported |z| is the
 * largest over the d components, whatever their signs (a negative z once
 * let the next component replace it, hiding a failure). */
Test(verdicts, fdr0_reports_its_worst_component)
{
    test_run t;
    char ini[2048];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 10\nspectrum = log 0.1 10\nrotation = random\n"
             "[noise]\ntype = student_t\ndof = 3\ncovariance = isotropic 1\n"
             "[optimizer]\nlr = 0.05\nmomentum = 0.9\n[run]\nreplicas = 64\nsteps = 3000\n"
             "seed = 1\n");
    test_run_model(&t, ini, 1);
    const double *S[2] = {t.r->gsum, t.r->vsum};
    for (int k = 0; k < 2; k++) {
        const fdr_relation *rel = &t.a.rel[k == 0 ? FDR_REL_FDR0_GRAD : FDR_REL_FDR0_V];
        double worst = 0;
        for (size_t i = 0; i < t.r->d; i++)
            worst = fmax(worst, component_z(t.r, S[k], i));
        cr_expect(fabs(fabs(rel->z) / worst - 1) < 1e-9, "%s: |z| = %g, worst component %g",
                  rel->name, fabs(rel->z), worst);
    }
    test_run_free(&t);
}

/* A coordinate that neither the start nor the noise moves (singular noise
 * on a diagonal quadratic) holds FDR0 and the tensor FDR1 exactly, 0 = 0:
 * it leaves the verdict to the coordinates that move instead of making the
 * whole relation unresolved. */
Test(verdicts, a_frozen_coordinate_does_not_unresolve_a_vector_relation)
{
    test_run t;
    test_run_model(&t,
                   "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"
                   "[noise]\ncovariance = diagonal 1 0\n[optimizer]\nlr = 0.1\n"
                   "[run]\nreplicas = 32\nsteps = 4000\nseed = 1\n",
                   1);
    for (size_t i = 0; i < t.a.nrel; i++) {
        const fdr_relation *r = &t.a.rel[i];
        cr_expect_neq(r->verdict, FDR_UNRESOLVED, "%s", r->name);
        cr_expect(r->diff.err > 0, "%s: the reported entry moves", r->name);
    }
    cr_expect_eq(t.a.unresolved, 0);
    test_run_free(&t);
}
