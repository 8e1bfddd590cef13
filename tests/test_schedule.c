/* test_schedule.c - the FDR quencher and the preset schedules: the first
 * quench comes at equilibrium, never from the transient; the Monte Carlo
 * curves follow the exact expected loss along the same lr sequence; replica
 * mode reports the spread of its quench times; bad options exit 2; results
 * do not depend on the thread count. Tolerances are z-scores against the
 * reported 1-sigma error bars. */
#include "cli/cli.h"
#include "helpers.h"
#include "exact/lyapunov.h"
#include "studies/schedule.h"

#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A 4-D quadratic with one soft direction (h = 0.005), momentum 0.5 and a
 * start far from the minimum (theta* = 0): the FDR1 ratio stays well above
 * 1 for the first ~1000 steps, so the quencher has a transient to wait out
 * before its first check can pass. */
static const char *quad =
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.005 1\n"
    "[noise]\ncovariance = isotropic 0.1\n"
    "[optimizer]\nlr = 0.2\nmomentum = 0.5\n"
    "[run]\nreplicas = 1024\nsteps = 6000\nrecord_every = 10\ninit = 10\nseed = 7\n";

static const double X = 0.02;
static const long T = 250;

static fdr_sched_result *run(const fdr_model *m, const fdr_sched_opts *o)
{
    fdr_sched_result *r = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_sched_run(m, o, &r), FDR_OK, "%s", fdr_error_message());
    return r;
}

static fdr_sched_opts ensemble_opts(const fdr_model *m)
{
    fdr_sched_opts o;
    fdr_sched_opts_default(&o, m->steps);
    o.mode = FDR_SCHED_ENSEMBLE;
    o.X = X;
    o.t_adaptive = T;
    o.threads = 2;
    return o;
}

/* The index of recorded step t (which must be recorded). */
static size_t rec_index(const fdr_sched_result *r, long t)
{
    for (size_t k = 0; k < r->n_rec; k++)
        if (r->rec_step[k] == t)
            return k;
    cr_assert_fail("step %ld is not recorded", t);
    return 0;
}

/* The exact FDR1 ratio <theta . grad f> / ((1 + mu)/(2 eta_b) <v.v>) and
 * excess loss at every step 0..steps along the ensemble quencher's lr
 * sequence, computed here independently of schedule.c: the second-moment
 * recursion of lyapunov.c, stepped with the lr of each step. ratio[t] uses
 * the lr of step t (the lr in force when O_R is measured). */
static void exact_along(const fdr_model *m, const fdr_sched_curve *s, double *ratio, double *loss)
{
    size_t d = m->land->dim;
    fdr_lyap *w = fdr_lyap_alloc(d, m->land->H, m->noise->C);
    cr_assert_not_null(w);
    double theta0[16], dx[16], v0[16] = {0};
    fdr_engine_initial(m, theta0);
    for (size_t i = 0; i < d; i++)
        dx[i] = theta0[i] - m->land->ref[i];
    fdr_lyap_set_initial(w, dx, v0);
    const fdr_optim_params p = fdr_model_optim_params(m);
    double lr = m->lr, mu = m->momentum;
    size_t k = 0;
    for (long t = 0; t <= m->steps; t++) {
        if (k < s->nq[0] && s->q[0][k].step == t)
            lr = s->q[0][k++].lr_after;
        fdr_lyap_traces tr;
        fdr_lyap_traces_get(w, &tr);
        ratio[t] = tr.theta_dot_grad / ((1 + mu) / (2 * lr) * tr.v_dot_v);
        loss[t] = tr.loss_excess;
        cr_assert_eq(fdr_lyap_step(w, m->opt, &p, lr), FDR_OK);
    }
    fdr_lyap_free(w);
}

TestSuite(schedule, .timeout = 120);

Test(schedule, first_quench_comes_at_equilibrium_never_in_the_transient)
{
    fdr_model *m = test_model(quad);
    cr_assert(m->land->ref[0] == 0, "theta . g is centred at the minimum here");
    fdr_sched_opts o = ensemble_opts(m);
    o.run[FDR_SCHED_CONSTANT] = o.run[FDR_SCHED_STEP] = o.run[FDR_SCHED_INVERSE] = 0;
    fdr_sched_result *r = run(m, &o);
    const fdr_sched_curve *s = &r->s[0];
    cr_assert_eq(s->nlists, 1);
    cr_assert_geq(s->nq[0], 1, "the quencher never fired");
    double *ratio = malloc((size_t)(m->steps + 1) * sizeof *ratio);
    double *loss = malloc((size_t)(m->steps + 1) * sizeof *loss);
    exact_along(m, s, ratio, loss);
    /* The setting has a transient: the first check sees a ratio far from 1. */
    cr_assert_gt(fabs(ratio[T] - 1), 4 * X, "exact ratio at the first check: %g", ratio[T]);
    long t_eq = 0;
    while (fabs(ratio[t_eq] - 1) >= 2 * X)
        t_eq++;
    long first = s->q[0][0].step;
    /* At the quench the old lr is still in force: ratio[first] would use the
     * new one, so the state there is graded with the lr before it. */
    double at = ratio[first] * s->q[0][0].lr_before / s->q[0][0].lr_after;
    cr_expect_geq(first, t_eq, "first quench at step %ld, before equilibrium (step %ld)", first,
                  t_eq);
    cr_expect_lt(fabs(at - 1), 2 * X, "exact FDR1 ratio %g at the first quench (step %ld)", at,
                 first);
    cr_expect_eq(first % T, 0, "checks come every t_adaptive steps");
    cr_expect_float_eq(s->q[0][0].lr_after, (1 - o.Y) * m->lr, 1e-15);
    cr_expect_lt(fabs(s->q[0][0].ratio - 1), X, "the triggering half-running ratio");
    for (size_t k = 0; k < r->n_rec; k++) {
        long t = r->rec_step[k];
        cr_expect_float_eq(s->exact_loss[k], loss[t], 1e-10 * loss[t], "exact loss at step %ld", t);
        if (t > 0)
            cr_expect_float_eq(s->exact_ratio[k], ratio[t], 1e-9 * fabs(ratio[t]),
                               "exact ratio at step %ld", t);
    }
    free(ratio);
    free(loss);
    fdr_sched_result_free(r);

    /* X = 0: the threshold can never be met, so the fdr schedule is the
     * constant one, on the same replicas and streams, bit for bit. */
    o.X = 0;
    o.run[FDR_SCHED_CONSTANT] = 1;
    r = run(m, &o);
    cr_assert_eq(r->s[0].nq[0], 0, "quenched with X = 0");
    cr_assert_eq(r->s[1].kind, FDR_SCHED_CONSTANT);
    size_t bytes = r->n_rec * sizeof(double);
    for (size_t k = 0; k < r->n_rec; k++)
        cr_assert_eq(r->s[0].lr[k], m->lr);
    cr_assert(memcmp(r->s[0].loss, r->s[1].loss, bytes) == 0 &&
                  memcmp(r->s[0].ratio, r->s[1].ratio, bytes) == 0,
              "fdr with X = 0 differs from the constant schedule");
    fdr_sched_result_free(r);
    fdr_model_free(m);
}

/* z-scores of the Monte Carlo mean against the exact curve at the given
 * steps, against the threshold that keeps the family-wise false-alarm rate
 * at 1e-3 (Bonferroni). */
static void expect_follows_exact(const fdr_sched_result *r, const fdr_sched_curve *s,
                                 const long *steps, size_t n)
{
    /* 2n tests: the loss and the FDR1 ratio <O_L>/<O_R> at each step */
    double thr = gsl_cdf_ugaussian_Qinv(1e-3 / (4.0 * (double)n));
    cr_assert(s->exact, "%s has an exact curve", s->name);
    for (size_t i = 0; i < n; i++) {
        size_t k = rec_index(r, steps[i]);
        double z = (s->loss[k] - s->exact_loss[k]) / s->loss_err[k];
        cr_expect_lt(fabs(z), thr, "%s at step %ld: %g +- %g, exact %g (z = %.2f, limit %.2f)",
                     s->name, steps[i], s->loss[k], s->loss_err[k], s->exact_loss[k], z, thr);
        if (isnan(s->exact_ratio[k])) /* step 0: v = 0, no O_R */
            continue;
        z = (s->ratio[k] - s->exact_ratio[k]) / s->ratio_err[k];
        cr_expect_lt(fabs(z), thr,
                     "%s at step %ld: ratio %g +- %g, exact %g (z = %.2f, limit %.2f)", s->name,
                     steps[i], s->ratio[k], s->ratio_err[k], s->exact_ratio[k], z, thr);
    }
}

Test(schedule, ensemble_mode_follows_the_exact_expected_loss)
{
    fdr_model *m = test_model(quad);
    fdr_sched_opts o = ensemble_opts(m);
    o.run[FDR_SCHED_CONSTANT] = o.run[FDR_SCHED_INVERSE] = 0;
    o.step_at[0] = 1500;
    o.step_at[1] = 3000;
    o.n_step_at = 2;
    fdr_sched_result *r = run(m, &o);
    cr_assert_eq(r->nsched, 2);
    const fdr_sched_curve *f = &r->s[0], *st = &r->s[1];
    cr_assert_geq(f->nq[0], 1);
    /* Steps before, at and just after the first quench, where the curve
     * moves fastest (a one-step shift of the lr sequence shows there). */
    long q = f->q[0][0].step;
    long at[] = {50, 300, 1000, q - 10, q, q + 10, q + 40, q + 200, q + 1000, 6000};
    expect_follows_exact(r, f, at, sizeof at / sizeof *at);
    long at_step[] = {50, 1000, 1490, 1500, 1510, 1550, 1700, 3010, 3100, 6000};
    expect_follows_exact(r, st, at_step, sizeof at_step / sizeof *at_step);
    /* The step preset's lr sequence is the one asked for. */
    cr_expect_eq(st->lr[rec_index(r, 1490)], m->lr);
    cr_expect_float_eq(st->lr[rec_index(r, 1500)], 0.1 * m->lr, 1e-15);
    cr_expect_float_eq(st->lr[rec_index(r, 3000)], 0.01 * m->lr, 1e-15);
    cr_expect_float_eq(f->exact_final_loss, f->exact_loss[r->n_rec - 1], 0);
    cr_expect_eq(f->final_loss.val, f->loss[r->n_rec - 1]);
    /* f* is the known minimum, and the default target a fraction of the
     * exact stationary excess loss at the initial lr. */
    cr_expect_eq(r->fstar, 0);
    cr_expect_float_eq(r->target, FDR_SCHED_TARGET_FRACTION * r->stationary_loss,
                       1e-12 * r->target);
    /* Time to target: where the mean curve crosses it, bracketed by the
     * recorded steps, with a finite error. */
    for (size_t i = 0; i < r->nsched; i++) {
        const fdr_sched_curve *s = &r->s[i];
        cr_assert(isfinite(s->time_to_target.val), "%s reaches the target", s->name);
        cr_expect(s->time_to_target.err > 0 && isfinite(s->time_to_target.err));
        size_t k = 0;
        while (r->rec_step[k] < s->time_to_target.val)
            k++;
        cr_expect(s->loss[k] <= r->target && s->loss[k - 1] > r->target, "%s", s->name);
    }
    fdr_sched_result_free(r);
    fdr_model_free(m);
}

/* The heavy-ball model of the velocity conventions: schedule-nqm.ini's
 * quadratic (h_i = 1/i, C = H, lr 0.1, init 2) cut to d = 8, at momentum
 * 0.9, equilibrated by step 1000, where the step preset cuts the lr tenfold. */
static fdr_model *heavy_model(const char *convention)
{
    char ini[512];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 8\nspectrum = power 1 1\n[noise]\n"
             "covariance = hessian 1 1\n[optimizer]\nlr = 0.1\nmomentum = 0.9\n"
             "convention = %s\n[run]\nreplicas = 2048\nsteps = 1500\nrecord_every = 1\n"
             "init = 2\nseed = 11\n",
             convention);
    return test_model(ini);
}

/* The exact curve carries its second moments over a change of lr as the
 * engine carries v (v -> (lr_new / lr_old) v in PyTorch's convention): in
 * both conventions the Monte Carlo mean follows it through a tenfold step
 * decay at momentum 0.9, and through the quencher's cuts. At a constant
 * lr the conventions are the same run, bit for bit (the carry is never
 * applied); after the decay they are far apart: the loss first rises in
 * the paper's convention (the carried v meets a tenth of the restoring
 * force) and falls in PyTorch's (v is cut with the lr). */
Test(schedule, the_exact_curve_follows_the_velocity_convention)
{
    fdr_sched_result *r[2];
    const long cut = 1000;
    for (int c = 0; c < 2; c++) {
        fdr_model *m = heavy_model(c ? "pytorch" : "paper");
        fdr_sched_opts o = ensemble_opts(m);
        o.X = 0.05;
        o.run[FDR_SCHED_INVERSE] = 0;
        o.step_at[0] = cut;
        o.n_step_at = 1;
        r[c] = run(m, &o);
        cr_assert_eq(r[c]->nsched, 3);
        const fdr_sched_curve *f = &r[c]->s[0], *st = &r[c]->s[2];
        cr_assert_eq(st->kind, FDR_SCHED_STEP);
        long at[] = {990, cut, cut + 1, cut + 2, cut + 5, cut + 8, cut + 12, cut + 20,
                     cut + 50, cut + 100, cut + 300, 1500};
        expect_follows_exact(r[c], st, at, sizeof at / sizeof *at);
        cr_assert_geq(f->nq[0], 1, "the quencher never fired");
        long q = f->q[0][0].step;
        long atq[] = {q - 1, q, q + 1, q + 5, q + 12, q + 50, q + 200};
        expect_follows_exact(r[c], f, atq, sizeof atq / sizeof *atq);
        fdr_model_free(m);
    }
    size_t n = r[0]->n_rec, k0 = rec_index(r[0], cut), k1 = rec_index(r[0], cut + 12);
    /* the constant lr: one run; the step preset: one run up to the cut (loss
     * is of theta alone, which the carry at step cut has not moved yet) */
    const fdr_sched_curve *cp = &r[0]->s[1], *ct = &r[1]->s[1];
    cr_assert(memcmp(cp->loss, ct->loss, n * sizeof *cp->loss) == 0 &&
                  memcmp(cp->ratio, ct->ratio, n * sizeof *cp->ratio) == 0 &&
                  memcmp(cp->exact_loss, ct->exact_loss, n * sizeof *cp->exact_loss) == 0,
              "the conventions differ at a constant lr");
    const fdr_sched_curve *sp = &r[0]->s[2], *stt = &r[1]->s[2];
    cr_assert(memcmp(sp->loss, stt->loss, (k0 + 1) * sizeof *sp->loss) == 0,
              "the conventions differ before the cut");
    double before = sp->exact_loss[k0 - 1];
    cr_assert_eq(before, stt->exact_loss[k0 - 1]);
    /* the twin: 12 steps after the cut the exact losses are many error bars
     * apart, and so are the simulated means */
    double gap = sp->exact_loss[k1] - stt->exact_loss[k1];
    double err = hypot(sp->loss_err[k1], stt->loss_err[k1]);
    double zsim = (sp->loss[k1] - stt->loss[k1]) / err;
    cr_expect_gt(gap, 20 * err, "exact %g (paper) vs %g (pytorch), error bar %g", sp->exact_loss[k1],
                 stt->exact_loss[k1], err);
    cr_expect_gt(zsim, 20, "simulated %g +- %g (paper) vs %g +- %g (pytorch)", sp->loss[k1],
                 sp->loss_err[k1], stt->loss[k1], stt->loss_err[k1]);
    /* rises in the paper's convention, falls at once in PyTorch's */
    cr_expect_gt(sp->exact_loss[k1], 1.5 * before, "paper: %g after the cut, %g before",
                 sp->exact_loss[k1], before);
    for (size_t k = k0 + 1; k <= k1; k++)
        cr_expect_lt(stt->exact_loss[k], stt->exact_loss[k - 1], "pytorch: step %ld rises",
                     r[1]->rec_step[k]);
    cr_log_info("exact excess loss %.4g before the cut; %.4g (paper) and %.4g (pytorch) 12 steps "
                "after; simulated %.4g +- %.2g and %.4g +- %.2g",
                before, sp->exact_loss[k1], stt->exact_loss[k1], sp->loss[k1], sp->loss_err[k1],
                stt->loss[k1], stt->loss_err[k1]);
    fdr_sched_result_free(r[0]);
    fdr_sched_result_free(r[1]);
}

/* The error reported for the time to target is the spread a repeat of the
 * run shows: its mean over 24 seeds against the standard deviation of the
 * times themselves, which is known to about 15% (24 samples); the limits
 * are 2.5 to 3 of those. (A delete-one jackknife reports about 1.5 times
 * the spread here: a first crossing is not a smooth statistic.) */
Test(schedule, time_to_target_error_matches_the_spread_over_seeds)
{
    enum { NSEED = 24 };
    double t[NSEED], err = 0, mean = 0, ss = 0;
    for (int k = 0; k < NSEED; k++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.005 1\n"
                 "[noise]\ncovariance = isotropic 0.1\n[optimizer]\nlr = 0.2\nmomentum = 0.5\n"
                 "[run]\nreplicas = 64\nsteps = 6000\nrecord_every = 10\ninit = 10\nseed = %d\n",
                 k + 1);
        fdr_model *m = test_model(ini);
        fdr_sched_opts o = ensemble_opts(m);
        o.X = 0; /* the fdr schedule is then the constant one: cheap */
        o.run[FDR_SCHED_CONSTANT] = o.run[FDR_SCHED_STEP] = 0;
        fdr_sched_result *r = run(m, &o);
        const fdr_est *e = &r->s[1].time_to_target;
        cr_assert_eq(r->s[1].kind, FDR_SCHED_INVERSE);
        cr_assert(isfinite(e->val) && isfinite(e->err), "seed %d", k + 1);
        t[k] = e->val;
        err += e->err / NSEED;
        mean += e->val / NSEED;
        fdr_sched_result_free(r);
        fdr_model_free(m);
    }
    for (int k = 0; k < NSEED; k++)
        ss += (t[k] - mean) * (t[k] - mean);
    double sd = sqrt(ss / (NSEED - 1));
    cr_expect(err > 0.65 * sd && err < 1.4 * sd,
              "mean reported error %.4g against the spread over seeds %.4g (ratio %.3f)", err, sd,
              err / sd);
}

/* Runs the CLI entry point with a NULL-terminated argument list; returns its
 * exit status. */
static int cli(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return fdr_cli_schedule(argc, argv, NULL);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fdrsim-schedule-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_text(const char *name, const char *text)
{
    char p[512];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(schedule, replica_mode_reports_every_replica_and_the_spread, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
    char model[512], out[512], json[600];
    write_text("quad.ini", quad);
    path_in(model, sizeof model, "quad.ini");
    path_in(out, sizeof out, "res");
    snprintf(json, sizeof json, "%s/schedule.json", out);
    cr_assert_eq(cli("schedule", model, "--replicas", "256", "--t-adaptive", "250", "--X", "0.05",
                     "--mode", "replica", "--out", out, "-q", NULL),
                 0, "%s", fdr_error_message());
    json_error_t err;
    json_t *root = json_load_file(json, 0, &err);
    cr_assert_not_null(root, "schedule.json: %s (line %d)", err.text, err.line);
    json_t *list = json_object_get(root, "schedules");
    cr_assert_eq(json_array_size(list), 4);
    const char *names[] = {"fdr", "constant", "step", "inverse"};
    for (size_t i = 0; i < 4; i++) {
        json_t *s = json_array_get(list, i);
        cr_assert_str_eq(json_string_value(json_object_get(s, "name")), names[i]);
        json_t *fl = json_object_get(s, "final_excess_loss");
        json_t *tt = json_object_get(s, "time_to_target");
        cr_assert(json_is_real(json_object_get(fl, "value")) &&
                  json_is_real(json_object_get(fl, "error")));
        cr_assert(json_object_get(tt, "value") && json_object_get(tt, "error"));
        /* Exact for the presets; not for replica-mode fdr (own lr sequences). */
        cr_assert(i == 0 ? json_is_null(json_object_get(fl, "exact"))
                         : json_is_real(json_object_get(fl, "exact")),
                  "%s", names[i]);
    }
    json_t *fdr = json_array_get(list, 0);
    json_t *qs = json_object_get(fdr, "quench_steps");
    cr_assert_eq(json_array_size(qs), 256, "one list per replica");
    /* The reported spread of each replica's first quench matches the lists. */
    double sum = 0, ss = 0;
    long lo = 1L << 40, hi = 0;
    size_t n = 0;
    for (size_t r = 0; r < 256; r++) {
        json_t *l = json_array_get(qs, r);
        for (size_t k = 1; k < json_array_size(l); k++)
            cr_assert_gt(json_integer_value(json_array_get(l, k)),
                         json_integer_value(json_array_get(l, k - 1)));
        if (json_array_size(l) == 0)
            continue;
        long t = (long)json_integer_value(json_array_get(l, 0));
        cr_assert_eq(t % 250, 0, "replica %zu quenched off a check (%ld)", r, t);
        sum += (double)t;
        ss += (double)t * (double)t;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
        n++;
    }
    cr_assert_gt(n, 128, "most replicas quench");
    json_t *first = json_array_get(json_object_get(fdr, "quench_spread"), 0);
    cr_assert_eq(json_integer_value(json_object_get(first, "quench")), 1);
    cr_assert_eq(json_integer_value(json_object_get(first, "replicas")), (json_int_t)n);
    double mean = sum / (double)n, sd = sqrt((ss - sum * mean) / (double)(n - 1));
    json_t *step = json_object_get(first, "step");
    cr_expect_float_eq(json_real_value(json_object_get(step, "value")), mean, 1e-9 * mean);
    cr_expect_float_eq(json_real_value(json_object_get(first, "sd")), sd, 1e-6 * sd);
    cr_expect_float_eq(json_real_value(json_object_get(step, "error")), sd / sqrt((double)n),
                       1e-6 * sd);
    cr_expect_gt(sd, 0, "single replicas quench at different times");
    cr_expect_eq(json_integer_value(json_object_get(first, "min")), lo);
    cr_expect_eq(json_integer_value(json_object_get(first, "max")), hi);
    /* The default step decay comes at 1/4 and 1/2 of the run. */
    json_t *sa = json_object_get(json_array_get(list, 2), "step_at");
    cr_expect_eq(json_integer_value(json_array_get(sa, 0)), 1500);
    cr_expect_eq(json_integer_value(json_array_get(sa, 1)), 3000);
    json_decref(root);
    char dat[600];
    snprintf(dat, sizeof dat, "%s/schedule.dat", out);
    struct stat st;
    cr_assert_eq(stat(dat, &st), 0);
}

Test(schedule, bad_options_exit_2_with_a_clear_message, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char model[512], out[512];
    write_text("quad.ini", quad);
    path_in(model, sizeof model, "quad.ini");
    path_in(out, sizeof out, "never");
    struct {
        const char *opt, *value, *says;
    } bad[] = {
        {"--X", "-0.01", "--X"},
        {"--X", "nan", "--X"},
        {"--Y", "0", "--Y"},
        {"--Y", "1", "--Y"},
        {"--Y", "1.5", "--Y"},
        {"--Y", "-0.1", "--Y"},
        {"--t-adaptive", "0", "--t-adaptive"},
        {"--t-adaptive", "-5", "--t-adaptive"},
        {"--t-adaptive", "ten", "--t-adaptive"},
        {"--mode", "both", "--mode"},
        {"--compare", "linear", "--compare"},
        {"--step-factor", "0", "--step-factor"},
        {"--t0", "0", "--t0"},
        {"--target", "-1", "--target"},
        {"--step-at", "3000,1000", "--step-at"},
        {"--lr-min", "-1", "--lr-min"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_expect_eq(cli("schedule", model, bad[i].opt, bad[i].value, "--out", out, "-q", NULL), 2,
                     "%s %s", bad[i].opt, bad[i].value);
        cr_expect(strstr(fdr_error_message(), bad[i].says), "%s %s: message '%s'", bad[i].opt,
                  bad[i].value, fdr_error_message());
    }
    cr_expect_eq(cli("schedule", NULL), 2, "no model");
    cr_expect(strstr(fdr_error_message(), "MODEL"));
    cr_expect_eq(cli("schedule", model, "--no-such-option", NULL), 2);
    cr_expect_eq(cli("schedule", "/nonexistent.ini", NULL), 2);
    cr_expect_eq(cli("schedule", model, "-s", "run.no_such_key=1", NULL), 2);
    struct stat st;
    cr_expect_neq(stat(out, &st), 0, "nothing is written on bad input");
    cr_expect_eq(cli("schedule", "--help", NULL), 0);
}

/* The bundled schedule models load and run; the double well's f* comes from
 * descent (its reference point is a saddle): -1/2 at x1 = +-sqrt 2. */
Test(schedule, bundled_models_run, .init = make_tmpdir, .fini = remove_tmpdir)
{
    const char *models[] = {"schedule-nqm", "schedule-quartic", "schedule-double-well"};
    for (size_t i = 0; i < 3; i++) {
        char path[512], out[512], json[600];
        snprintf(path, sizeof path, "%s/%s.ini", FDR_TEST_MODELDIR, models[i]);
        path_in(out, sizeof out, models[i]);
        cr_assert_eq(cli("schedule", path, "--steps", "2000", "--replicas", "16", "--compare",
                         "constant", "--t-adaptive", "500", "--out", out, "-q", NULL),
                     0, "%s: %s", models[i], fdr_error_message());
        snprintf(json, sizeof json, "%s/schedule.json", out);
        json_t *root = json_load_file(json, 0, NULL);
        cr_assert_not_null(root);
        double fstar = json_real_value(json_object_get(json_object_get(root, "f_star"), "value"));
        if (i == 2)
            cr_expect_float_eq(fstar, -0.5, 1e-9, "double-well f* = %.12g", fstar);
        cr_expect_eq(
            json_is_true(json_object_get(json_object_get(root, "exact_reference"), "available")),
            i == 0, "%s", models[i]);
        json_decref(root);
    }
}

static void expect_identical(const fdr_sched_result *a, const fdr_sched_result *b)
{
    cr_assert_eq(a->nsched, b->nsched);
    size_t n = a->n_rec * sizeof(double);
    for (size_t i = 0; i < a->nsched; i++) {
        const fdr_sched_curve *x = &a->s[i], *y = &b->s[i];
        cr_assert(memcmp(x->loss, y->loss, n) == 0 && memcmp(x->ratio, y->ratio, n) == 0 &&
                      memcmp(x->lr, y->lr, n) == 0 && memcmp(x->loss_err, y->loss_err, n) == 0,
                  "%s differs with the thread count", x->name);
        for (size_t k = 0; k < x->nlists; k++) {
            cr_assert_eq(x->nq[k], y->nq[k]);
            cr_assert(memcmp(x->q[k], y->q[k], x->nq[k] * sizeof *x->q[k]) == 0);
        }
    }
}

Test(schedule, identical_for_any_thread_count)
{
    fdr_model *m = test_model(
        "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.005 1\nrotation = random\n"
        "[noise]\ncovariance = isotropic 0.1\n[optimizer]\nlr = 0.2\nmomentum = 0.5\n"
        "[run]\nreplicas = 100\nsteps = 3000\ninit = 10\nseed = 3\n");
    for (int mode = 0; mode < 2; mode++) {
        fdr_sched_opts o = ensemble_opts(m);
        o.mode = mode ? FDR_SCHED_ENSEMBLE : FDR_SCHED_REPLICA;
        o.X = 0.05;
        o.threads = 1;
        fdr_sched_result *a = run(m, &o);
        o.threads = 2;
        fdr_sched_result *b = run(m, &o);
        expect_identical(a, b);
        cr_assert_gt(a->s[0].nq[0] + (a->s[0].nlists > 1 ? a->s[0].nq[1] : 0), 0,
                     "the comparison covers quenches");
        fdr_sched_result_free(a);
        fdr_sched_result_free(b);
    }
    fdr_model_free(m);
}

/* A diverging schedule is named after the file, so that a reader knows
 * which of the four ran away; the engine's own words follow. */
Test(schedule, a_divergence_names_the_file_and_the_schedule)
{
    fdr_model *m = test_model("[landscape]\ntype = quartic\ndim = 2\nh = -1 1\nquartic = 1\n"
                              "[noise]\ncovariance = isotropic 4\n[optimizer]\nlr = 3\n"
                              "[run]\nreplicas = 8\nsteps = 2000\n");
    fdr_sched_opts o;
    fdr_sched_opts_default(&o, m->steps);
    o.target = 0.1;
    fdr_sched_result *r = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_sched_run(m, &o, &r), FDR_EDIVERGED);
    cr_assert_null(r);
    const char *msg = fdr_error_message();
    char want[256];
    snprintf(want, sizeof want, "%s: schedule fdr: the run diverged", m->source);
    cr_assert_eq(strncmp(msg, want, strlen(want)), 0, "%s", msg);
    cr_assert(strstr(msg, "lower optimizer.lr"), "%s", msg);
    fdr_model_free(m);
}

/* ---- parameter groups ([optimizer] groups) -------------------------------- */

/* A two-group quadratic with very different curvatures: a stiff group (h =
 * 4) at lr 0.1 and a soft one (h = 0.004) at lr 0.5, momentum 0.5, C = H,
 * started at theta* + 2. The soft group relaxes about 200 times more slowly
 * (rate ~ eta h / (1 - mu)), so it reaches its FDR1 equilibrium later. */
static const char *grouped =
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 4 4 0.004 0.004\n"
    "[noise]\ncovariance = hessian 1 1\n"
    "[optimizer]\nlr = 0.1\nmomentum = 0.5\ngroups = stiff:0-1 soft:2-3\ngroup_lr = 0.1 0.5\n"
    "[run]\nreplicas = 1024\nsteps = 6000\nrecord_every = 10\ninit = 2\nseed = 5\n";

Test(schedule, each_group_quenches_at_its_own_steps)
{
    fdr_model *m = test_model(grouped);
    fdr_sched_opts o = ensemble_opts(m);
    o.run[FDR_SCHED_CONSTANT] = o.run[FDR_SCHED_STEP] = o.run[FDR_SCHED_INVERSE] = 0;
    fdr_sched_result *r = run(m, &o);
    const fdr_sched_curve *s = &r->s[0];
    cr_assert_eq(r->npg, 2);
    cr_assert_eq(s->nlists, 2, "one shared list per group in ensemble mode");
    cr_assert_geq(s->nq[0], 1, "the stiff group never quenched");
    cr_assert_geq(s->nq[1], 1, "the soft group never quenched");
    /* The stiff group equilibrates first and is quenched first. */
    cr_expect_lt(s->q[0][0].step, s->q[1][0].step, "stiff first at %ld, soft first at %ld",
                 s->q[0][0].step, s->q[1][0].step);
    for (size_t g = 0; g < 2; g++) {
        /* each cut from the group's own lr, at a check of its own record */
        double lr = m->groups[g].lr;
        for (size_t j = 0; j < s->nq[g]; j++) {
            cr_expect_eq(s->q[g][j].lr_before, lr);
            cr_expect_float_eq(s->q[g][j].lr_after, (1 - o.Y) * lr, 1e-15 * lr);
            cr_expect_eq((s->q[g][j].step - (j ? s->q[g][j - 1].step : 0)) % T, 0);
            cr_expect_lt(fabs(s->q[g][j].ratio - 1), X);
            lr = s->q[g][j].lr_after;
        }
        /* its lr curve is its own staircase */
        size_t j = 0;
        lr = m->groups[g].lr;
        for (size_t k = 0; k < r->n_rec; k++) {
            while (j < s->nq[g] && s->q[g][j].step <= r->rec_step[k])
                lr = s->q[g][j++].lr_after;
            cr_expect_eq(s->lr[k * 2 + g], lr, "group %zu at step %ld", g, r->rec_step[k]);
        }
        /* and its first quench comes where its own exact FDR1 ratio has
         * settled (the ratio graded with the lr before the cut) */
        size_t k = rec_index(r, s->q[g][0].step - 10);
        cr_expect_lt(fabs(s->exact_ratio[k * 2 + g] - 1), 2 * X, "group %zu: exact ratio %g", g,
                     s->exact_ratio[k * 2 + g]);
    }
    fdr_sched_result_free(r);
    /* Replica mode: one list per replica and group, the stiff group ahead
     * in every replica that quenched both. */
    o.mode = FDR_SCHED_REPLICA;
    r = run(m, &o);
    s = &r->s[0];
    cr_assert_eq(s->nlists, 2 * r->R);
    size_t both = 0, ahead = 0;
    for (size_t i = 0; i < r->R; i++)
        if (s->nq[2 * i] && s->nq[2 * i + 1]) {
            both++;
            ahead += s->q[2 * i][0].step < s->q[2 * i + 1][0].step;
        }
    cr_expect_gt(both, r->R / 2);
    cr_expect_gt(ahead, 9 * both / 10, "stiff ahead in %zu of %zu replicas", ahead, both);
    fdr_sched_result_free(r);
    fdr_model_free(m);
}

/* Two results of the same schedules are the same bits. */
static void expect_same_bits(const fdr_sched_result *a, const fdr_sched_result *b)
{
    cr_assert_eq(a->nsched, b->nsched);
    cr_assert_eq(a->n_rec, b->n_rec);
    size_t bytes = a->n_rec * sizeof(double);
    for (size_t i = 0; i < a->nsched; i++) {
        const fdr_sched_curve *x = &a->s[i], *y = &b->s[i];
        const double *cx[] = {x->lr, x->lr_lo, x->lr_hi, x->loss, x->loss_err,
                              x->ratio, x->ratio_err, x->exact_loss, x->exact_ratio};
        const double *cy[] = {y->lr, y->lr_lo, y->lr_hi, y->loss, y->loss_err,
                              y->ratio, y->ratio_err, y->exact_loss, y->exact_ratio};
        for (size_t c = 0; c < sizeof cx / sizeof *cx; c++)
            cr_expect(memcmp(cx[c], cy[c], bytes) == 0, "%s: curve %zu differs", x->name, c);
        cr_assert_eq(x->nlists, y->nlists);
        for (size_t k = 0; k < x->nlists; k++) {
            cr_assert_eq(x->nq[k], y->nq[k]);
            cr_expect(memcmp(x->q[k], y->q[k], x->nq[k] * sizeof *x->q[k]) == 0);
        }
        cr_expect(memcmp(&x->time_to_target, &y->time_to_target, sizeof x->time_to_target) == 0);
    }
}

Test(schedule, one_group_is_the_ungrouped_run_bit_for_bit)
{
    char ini[1024];
    snprintf(ini, sizeof ini, "%s[optimizer]\ngroups = all:0-3\n", quad);
    fdr_model *m0 = test_model(quad), *m1 = test_model(ini);
    cr_assert_eq(m1->ngroups, 1);
    m0->replicas = m1->replicas = 256; /* as fast under the sanitizers */
    for (int mode = 0; mode < 2; mode++) {
        fdr_sched_opts o = ensemble_opts(m0);
        o.mode = mode ? FDR_SCHED_REPLICA : FDR_SCHED_ENSEMBLE;
        fdr_sched_result *a = run(m0, &o), *b = run(m1, &o);
        cr_assert_eq(b->npg, 1);
        cr_assert_geq(fdr_sched_quench_total(&a->s[0]), 1);
        expect_same_bits(a, b);
        fdr_sched_result_free(a);
        fdr_sched_result_free(b);
    }
    fdr_model_free(m0);
    fdr_model_free(m1);
}

/* At a constant lr, the per-group FDR1 relation <theta_G . grad_G f> =
 * (1 + mu) / (2 eta_b,G) <|v_G|^2> holds group by group at stationarity
 * (doc/theory.md section 10.1): the Monte Carlo ratio of each group is 1
 * within its error bar at late steps, and its exact ratio is 1. The twin:
 * the same ratio with the other group's eta_b in O_R is off by the ratio
 * of the rates, and the same z-test rejects it. */
Test(schedule, per_group_fdr1_holds_at_constant_lr_and_a_wrong_factor_fails)
{
    fdr_model *m = test_model(grouped);
    fdr_sched_opts o = ensemble_opts(m);
    o.X = 0; /* the quencher never fires: both schedules are constant */
    o.run[FDR_SCHED_STEP] = o.run[FDR_SCHED_INVERSE] = 0;
    fdr_sched_result *r = run(m, &o);
    const fdr_sched_curve *s = &r->s[1];
    cr_assert_eq(s->kind, FDR_SCHED_CONSTANT);
    long at[] = {3000, 4000, 5000, 6000};
    size_t n = sizeof at / sizeof *at;
    double thr = gsl_cdf_ugaussian_Qinv(1e-3 / (4.0 * (double)n)); /* 2 groups x n, two-sided */
    for (size_t g = 0; g < 2; g++) {
        double other = m->groups[1 - g].lr / m->groups[g].lr;
        for (size_t i = 0; i < n; i++) {
            size_t k = rec_index(r, at[i]) * 2 + g;
            double z = (s->ratio[k] - 1) / s->ratio_err[k];
            cr_expect_lt(fabs(z), thr, "group %zu at step %ld: ratio %g +- %g (z = %.2f)", g,
                         at[i], s->ratio[k], s->ratio_err[k], z);
            cr_expect_lt(fabs(s->exact_ratio[k] - 1), 1e-9, "exact ratio %.12g",
                         s->exact_ratio[k]);
            /* O_R with the other group's eta_b: the ratio times other */
            double zw = (s->ratio[k] * other - 1) / (s->ratio_err[k] * other);
            cr_expect_gt(fabs(zw), thr, "the wrong factor passes: z = %.2f", zw);
        }
    }
    fdr_sched_result_free(r);
    fdr_model_free(m);
}

/* The grouped exact curve (a dense second-moment recursion with a rate
 * per group) against the Monte Carlo means, around each group's first
 * quench; and, where the groups share one rate, against the ungrouped
 * exact curve of lyapunov.c (an independent solve) to 1e-10. */
Test(schedule, grouped_exact_curve_follows_the_simulation_and_the_lyapunov_solve)
{
    fdr_model *m = test_model(grouped);
    fdr_sched_opts o = ensemble_opts(m);
    o.run[FDR_SCHED_CONSTANT] = o.run[FDR_SCHED_INVERSE] = 0;
    fdr_sched_result *r = run(m, &o);
    const fdr_sched_curve *s = &r->s[0];
    cr_assert(s->exact);
    cr_assert(s->nq[0] >= 1 && s->nq[1] >= 1);
    long q0 = s->q[0][0].step, q1 = s->q[1][0].step;
    long at[] = {50, q0 - 10, q0, q0 + 10, q0 + 100, q1 - 10, q1, q1 + 10, q1 + 100, 6000};
    size_t n = sizeof at / sizeof *at;
    double thr = gsl_cdf_ugaussian_Qinv(1e-3 / (6.0 * (double)n));
    for (size_t i = 0; i < n; i++) {
        size_t k = rec_index(r, at[i]);
        double z = (s->loss[k] - s->exact_loss[k]) / s->loss_err[k];
        cr_expect_lt(fabs(z), thr, "loss at step %ld: %g +- %g, exact %g (z = %.2f)", at[i],
                     s->loss[k], s->loss_err[k], s->exact_loss[k], z);
        for (size_t g = 0; g < 2; g++) {
            size_t kg = k * 2 + g;
            z = (s->ratio[kg] - s->exact_ratio[kg]) / s->ratio_err[kg];
            cr_expect_lt(fabs(z), thr, "group %zu ratio at step %ld: %g +- %g, exact %g (z = %.2f)",
                         g, at[i], s->ratio[kg], s->ratio_err[kg], s->exact_ratio[kg], z);
        }
    }
    fdr_sched_result_free(r);
    fdr_model_free(m);

    /* One rate for both groups, the step preset: the dense recursion and
     * the eigenbasis one agree; so does the stationary loss. PyTorch's
     * convention, so that the carry at each decay is exercised too. */
    const char *same = "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.05 2\n"
                       "[noise]\ncovariance = hessian 1 1\n"
                       "[optimizer]\nlr = 0.2\nmomentum = 0.9\nconvention = pytorch\n%s"
                       "[run]\nreplicas = 16\nsteps = 3000\nrecord_every = 10\ninit = 2\n";
    char a[1024], b[1024];
    snprintf(a, sizeof a, same, "");
    snprintf(b, sizeof b, same, "groups = x:0 y:1-3\ngroup_lr = 0.2 0.2\n");
    fdr_model *ma = test_model(a), *mb = test_model(b);
    fdr_sched_opts oa = ensemble_opts(ma);
    oa.run[FDR_SCHED_FDR] = 1;
    oa.run[FDR_SCHED_CONSTANT] = oa.run[FDR_SCHED_INVERSE] = 0;
    oa.step_at[0] = 700;
    oa.step_at[1] = 1400;
    oa.X = 0;
    fdr_sched_result *ra = run(ma, &oa), *rb = run(mb, &oa);
    cr_assert_eq(rb->npg, 2);
    cr_expect_float_eq(rb->stationary_loss, ra->stationary_loss, 1e-10 * ra->stationary_loss);
    const fdr_sched_curve *sa = &ra->s[1], *sb = &rb->s[1];
    for (size_t k = 0; k < ra->n_rec; k++) {
        cr_expect_float_eq(sb->exact_loss[k], sa->exact_loss[k], 1e-10 * sa->exact_loss[k],
                           "exact loss at step %ld", ra->rec_step[k]);
        cr_expect_eq(sb->lr[2 * k], sa->lr[k]);
        cr_expect_eq(sb->lr[2 * k + 1], sa->lr[k]);
    }
    fdr_sched_result_free(ra);
    fdr_sched_result_free(rb);
    fdr_model_free(ma);
    fdr_model_free(mb);
}

/* Bad [optimizer] groups and group_lr: exit 2, the file, line and key
 * named, and what is wrong. */
Test(schedule, bad_groups_exit_2_naming_file_line_and_key, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
    struct {
        const char *lines, *says;
    } bad[] = {
        {"groups = a:0-1 b:1-3\n", "also in group 'a'"},      /* overlap */
        {"groups = a:0-0 b:2-3\n", "coordinates 1-1 are in no group"}, /* gap */
        {"groups = a:0-1\n", "coordinates 2-3 are in no group"},      /* short of d */
        {"groups = a:0-1 b:2-4\n", "beyond the last coordinate 3"},    /* out of range */
        {"groups = a:0-1 b-2-3\n", "expected NAME:A-B"},              /* no name */
        {"groups = 1a:0-1 b:2-3\n", "expected NAME:A-B"},             /* bad name */
        {"groups = a:0-x b:2-3\n", "expected NAME:A-B"},              /* bad range */
        {"groups = a:1-0 b:2-3\n", "runs backwards"},
        {"groups = a:0-1 a:2-3\n", "given twice"},
        {"groups = a:0-1 b:2-3\ngroup_lr = 0.1 0.2 0.3\n", "group_lr"},
        {"groups = a:0-1 b:2-3\ngroup_lr = 0.1 -1\n", "must be a finite number > 0"},
        {"group_lr = 0.1\n", "needs [optimizer] groups"},
        {"groups = a:0-3\ngroup_lr = 0.2\n", "one group runs at [optimizer] lr"},
        {"type = adam\ngroups = a:0-1 b:2-3\n", "heavy-ball"},
    };
    char model[512], out[512], text[1024];
    path_in(model, sizeof model, "g.ini");
    path_in(out, sizeof out, "never");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text,
                 "[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 1 1 1 1\n"
                 "[optimizer]\nlr = 0.1\n%s",
                 bad[i].lines);
        write_text("g.ini", text);
        cr_expect_eq(cli("schedule", model, "--out", out, "-q", NULL), 2, "%s", bad[i].lines);
        const char *msg = fdr_error_message();
        cr_expect(strstr(msg, "g.ini:") && strstr(msg, "[optimizer] group") &&
                      strstr(msg, bad[i].says),
                  "%s: message '%s'", bad[i].lines, msg);
    }
    /* The relations hold for one lr: the engine refuses them with groups
     * (so do `run` and `sweep`, exit 2). */
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 1 1 1 1\n"
                              "[optimizer]\nlr = 0.1\ngroups = a:0-1 b:2-3\n");
    fdr_result *res = NULL;
    cr_expect_eq(fdr_engine_run(m, 1, NULL, &res), FDR_EINVAL);
    cr_expect(strstr(fdr_error_message(), "[optimizer] groups"), "%s", fdr_error_message());
    cr_expect_null(res);
    fdr_model_free(m);
    struct stat st;
    cr_expect_neq(stat(out, &st), 0, "nothing is written on bad input");
}
