/* sweep.c - a model over a grid of learning rates (see sweep.h). */
#include "config.h"

#include "studies/sweep.h"
#include "engine/engine.h"
#include "core/fdr.h"
#include "io/report.h"
#include "rng/rng.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif


/* ---- running the points ---------------------------------------------------- */

fdr_config *fdr_sweep_config(const fdr_sweep_spec *s)
{
    fdr_config *c = s->path ? fdr_config_load(s->path)
                            : fdr_config_parse_string(s->text, s->name);
    for (size_t i = 0; c && i < s->nsets; i++)
        if (fdr_config_set(c, s->sets[i]) != FDR_OK) {
            fdr_config_free(c);
            return NULL;
        }
    return c;
}

/* The model of point p: the configuration with lr and the point's seed. */
static fdr_model *point_model(const fdr_sweep_spec *s, uint64_t seed, size_t p)
{
    fdr_config *c = fdr_sweep_config(s);
    if (!c)
        return NULL;
    char lr[64], sd[64];
    snprintf(lr, sizeof lr, "optimizer.lr=%.17g", s->lr[p]);
    snprintf(sd, sizeof sd, "run.seed=%llu",
             (unsigned long long)(seed + (uint64_t)p * FDR_SWEEP_SEED_STRIDE));
    fdr_model *m = NULL;
    if (fdr_config_set(c, lr) == FDR_OK && fdr_config_set(c, sd) == FDR_OK)
        m = fdr_model_alloc(c, s->name);
    fdr_config_free(c);
    return m;
}

/* Frees a sweep and everything it owns; NULL is a no-op. */
void fdr_sweep_free(fdr_sweep *s)
{
    if (!s)
        return;
    free(s->pts);
    fdr_limits_clear(&s->lim);
    fdr_sweep_fit_clear(&s->fit);
    fdr_model_free(s->m);
    fdr_config_free(s->cfg);
    free(s);
}

/* Checks the grid and, on a quadratic, that every lr has a stationary state
 * (the engine would only find out by diverging). */
static int check_grid(const fdr_sweep_spec *spec, const fdr_sweep *s)
{
    if (spec->n < 3 || spec->n > FDR_SWEEP_MAX_POINTS)
        return fdr_error(FDR_EINVAL, "a sweep needs between 3 and %d learning rates, got %zu",
                         FDR_SWEEP_MAX_POINTS, spec->n);
    for (size_t p = 0; p < spec->n; p++)
        if (!(spec->lr[p] > 0) || !isfinite(spec->lr[p]) || (p && !(spec->lr[p] > spec->lr[p - 1])))
            return fdr_error(FDR_EINVAL, "learning rates must be finite, > 0 and increasing "
                                         "(value %zu: %g)", p + 1, spec->lr[p]);
    if (s->m->land->H && s->lim.harmonic) {
        const fdr_optim_params op = fdr_model_optim_params(s->m);
        double top = fdr_lyap_max_stable_lr(s->lim.w, s->m->opt, &op);
        char lr[32], max[32];
        fdr_format_distinct(spec->lr[spec->n - 1], top, lr, max, sizeof lr);
        if (!(spec->lr[spec->n - 1] < top))
            return fdr_error(FDR_EUNSTABLE,
                             "%s: --lr: the learning rate %s makes the exact dynamics unstable "
                             "(no stationary state); the largest stable learning rate for "
                             "[optimizer] momentum %g and dampening %g is %s",
                             s->m->source, lr, s->m->momentum, s->m->dampening, max);
    }
    /* G(eta) is the dissipation per unit eta: without it there is nothing to fit. */
    const fdr_optim_params op = fdr_model_optim_params(s->m);
    if (op.precond)
        return fdr_error(FDR_EINVAL,
                         "%s: [optimizer] type %s: a sweep is not available with a "
                         "preconditioner (its small-lr limits involve Tr(P C*) and its "
                         "harmonic reference and stability limit need P)",
                         s->m->source, s->m->opt->name);
    double dc[2];
    for (size_t p = 0; p < spec->n; p++)
        if (!s->m->opt->dissipation(&op, spec->lr[p], dc))
            return fdr_error(FDR_EINVAL,
                             "%s: [optimizer] type %s has no dissipation in terms of "
                             "<|grad f|^2> and <v . grad f> at lr %g, so a sweep cannot measure "
                             "G(eta)",
                             s->m->source, s->m->opt->name, spec->lr[p]);
    return FDR_OK;
}

/* The exact (or harmonic) curve for the figure: G at evenly spaced lr from
 * 0 to the largest swept; G(0) = 0 is the eta -> 0 limit. */
static void make_curve(fdr_sweep *s, double lrmax)
{
    for (int k = 0; k < FDR_SWEEP_CURVE; k++) {
        double lr = lrmax * k / (FDR_SWEEP_CURVE - 1);
        fdr_harmonic_values hv;
        s->curve_lr[k] = lr;
        if (k == 0) {
            s->curve_G[k] = s->lim.harmonic ? 0.0 : NAN;
            continue;
        }
        fdr_harmonic_at(&s->lim, lr, &hv);
        s->curve_G[k] = hv.G;
    }
}

/* Runs the engine of every point, in parallel over points with one thread
 * inside each run, and measures it. Errors are recorded per thread, so each
 * point keeps its own message and the first failing point (in grid order)
 * is reported. */
static int run_points(const fdr_sweep_spec *spec, fdr_sweep *s, fdr_model **models,
                      fdr_harmonic_values *hv)
{
    size_t n = spec->n, done = 0;
    int *rc = fdr_calloc(n, sizeof *rc);
    char (*msg)[512] = fdr_calloc(n, sizeof *msg);
    if (!rc || !msg) {
        free(rc);
        free(msg);
        return FDR_ENOMEM;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
#ifdef _OPENMP
    int nt = spec->threads > 0 ? spec->threads : omp_get_max_threads();
    if (fdr_blas_reserve(nt) != FDR_OK) {
        free(rc);
        free(msg);
        return FDR_ENOMEM;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
    for (size_t p = 0; p < n; p++) {
        fdr_error_clear();
        fdr_result *r = NULL;
        rc[p] = fdr_engine_run(models[p], 1, 0, &r);
        if (rc[p] == FDR_OK)
            rc[p] = fdr_point_measure(models[p], r, &s->lim, s->lim.harmonic ? &hv[p] : NULL,
                                      &s->pts[p]);
        if (rc[p] != FDR_OK)
            snprintf(msg[p], sizeof msg[p], "%s", fdr_error_message());
        fdr_result_free(r);
        if (spec->progress) {
#ifdef _OPENMP
#pragma omp critical(fdr_sweep_progress)
#endif
            spec->progress(spec->progress_ctx, ++done, n);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int status = FDR_OK;
    fdr_error_clear();
    for (size_t p = 0; p < n && status == FDR_OK; p++)
        if (rc[p] != FDR_OK)
            status = fdr_error(rc[p], "lr %g: %s", spec->lr[p], msg[p][0] ? msg[p] : "failed");
    free(rc);
    free(msg);
    return status;
}

int fdr_sweep_run(const fdr_sweep_spec *spec, fdr_sweep **out)
{
    *out = NULL;
    fdr_blas_serial(); /* before the models are built: see fdr_blas_serial */
    fdr_sweep *s = fdr_calloc(1, sizeof *s);
    if (!s)
        return FDR_ENOMEM;
    s->cfg = fdr_sweep_config(spec);
    if (!s->cfg || !(s->m = fdr_model_alloc(s->cfg, spec->name))) {
        /* An unreadable model file is bad input; a model that cannot be
         * built says why in its status (memory is a run-time failure). */
        int rc = s->cfg ? fdr_error_status() : FDR_EINVAL;
        fdr_sweep_free(s);
        return rc;
    }
    s->seed = s->m->seed;
    int rc = fdr_limits_compute(s->m, &s->lim);
    if (rc == FDR_OK)
        rc = check_grid(spec, s);
    size_t n = spec->n;
    fdr_model **models = rc == FDR_OK ? fdr_calloc(n, sizeof *models) : NULL;
    fdr_harmonic_values *hv = rc == FDR_OK ? fdr_calloc(n, sizeof *hv) : NULL;
    s->pts = rc == FDR_OK ? fdr_calloc(n, sizeof *s->pts) : NULL;
    if (rc == FDR_OK && (!models || !hv || !s->pts))
        rc = FDR_ENOMEM;
    /* Models and exact values are built one after the other: parts of their
     * construction switch GSL's global error handler. Only the engine runs
     * go parallel. */
    for (size_t p = 0; rc == FDR_OK && p < n; p++) {
        if (!(models[p] = point_model(spec, s->seed, p)))
            rc = fdr_error(fdr_error_status(), "lr %.17g: the model was rejected", spec->lr[p]);
        else
            fdr_harmonic_at(&s->lim, spec->lr[p], &hv[p]);
    }
    if (rc == FDR_OK) {
        s->n = n;
        rc = run_points(spec, s, models, hv);
    }
    if (rc == FDR_OK)
        rc = fdr_sweep_fit_compute(s->pts, n, &s->lim, &s->fit);
    if (rc == FDR_OK)
        make_curve(s, spec->lr[n - 1]);
    for (size_t p = 0; models && p < n; p++)
        fdr_model_free(models[p]);
    free(models);
    free(hv);
    if (rc != FDR_OK) {
        fdr_sweep_free(s);
        return rc;
    }
    *out = s;
    return FDR_OK;
}

/* ---- the verdict table ------------------------------------------------------ */

/* "value +- error" for the tables, or "-" when there is no value. */
static void fmt_est(char *buf, size_t n, fdr_est e)
{
    if (isnan(e.val))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.6g +- %.2g", e.val, e.err);
}

/* A number in the given format, or "-" when it is NAN. */
static void fmt_num(char *buf, size_t n, const char *fmt, double x)
{
    if (isnan(x))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, x);
}

/* What the exact columns mean for this model. */
static const char *reference_kind(const fdr_limits *lim)
{
    if (lim->exact)
        return "exact (Lyapunov solution of the quadratic)";
    if (lim->available)
        return "eta -> 0 limits from H* and C* at the minimum; no exact finite-lr values";
    return lim->why_not;
}

static void estimator_table(FILE *f, const fdr_sweep_fit *fit)
{
    fprintf(f, "\n%-18s %-9s %-26s %-22s %10s %7s %12s %7s\n", "estimator", "lr",
            "estimate", "exact", "bias", "z", "exact (lr)", "z (lr)");
    for (size_t i = 0; i < fit->nest; i++) {
        const fdr_estimator *e = &fit->est[i];
        char lr[24], est[48], ex[48], bias[24], z[16], exf[24], zf[16];
        if (isnan(e->lr))
            snprintf(lr, sizeof lr, "fit");
        else
            snprintf(lr, sizeof lr, "%.4g", e->lr);
        fmt_est(est, sizeof est, e->est);
        if (e->exact_err > 0)
            fmt_est(ex, sizeof ex, (fdr_est){e->exact, e->exact_err});
        else
            fmt_num(ex, sizeof ex, "%.6g", e->exact);
        fmt_num(bias, sizeof bias, "%.3g", e->bias);
        fmt_num(z, sizeof z, "%.2f", e->z);
        fmt_num(exf, sizeof exf, "%.6g", e->exact_finite);
        fmt_num(zf, sizeof zf, "%.2f", e->z_finite);
        fprintf(f, "%-18s %-9s %-26s %-22s %10s %7s %12s %7s\n", e->name, lr, est, ex, bias, z,
                exf, zf);
    }
    for (size_t i = 0; i < fit->nest; i++) {
        const fdr_estimator *e = &fit->est[i];
        if ((!isnan(e->bias) && isnan(e->z)) || (!isnan(e->bias_finite) && isnan(e->z_finite))) {
            fprintf(f, "(a z of '-' next to a bias is unresolved: its error bar is not a finite, "
                       "positive number, so it decides nothing)\n");
            break;
        }
    }
    fprintf(f, "exact: the eta -> 0 limit (anharmonic: the Taylor terms F3 + ... from the exact "
               "derivatives);\nexact (lr): the estimator's exact expectation at the learning "
               "rate(s) used, so z (lr) is Monte Carlo\nnoise alone and exact (lr) - exact the "
               "estimator's own bias.\n");
}

void fdr_sweep_table(FILE *f, const fdr_sweep *s)
{
    const fdr_model *m = s->m;
    const fdr_sweep_fit *fit = &s->fit;
    fprintf(f, "fdrsim %s sweep  model %s  (%s, d = %zu; %s noise; momentum %g, dampening %g)\n",
            PACKAGE_VERSION, m->name, m->land->type->name, m->land->dim, m->noise->type->name,
            m->momentum, m->dampening);
    fprintf(f, "%zu learning rates from %g to %g; each %ld replicas x %ld steps, seed %llu + p x "
               "%u; %.2f s\n",
            s->n, s->pts[0].lr, s->pts[s->n - 1].lr, m->replicas, m->steps,
            (unsigned long long)s->seed, FDR_SWEEP_SEED_STRIDE, s->seconds);
    fprintf(f, "G(eta) = (1 - nu) <|grad f|^2> - (mu / eta) <v . grad f>; errors 1 sigma; "
               "reference: %s\n",
            reference_kind(&s->lim));
    if (m->noise->caveat)
        fprintf(f, "note: %s\n", m->noise->caveat);
    fputc('\n', f);
    fprintf(f, "%-9s %-26s %-12s %-26s %-26s %s\n", "lr", "G", "G exact", "<theta . grad f>",
            "anharmonic G - F2/eta", "(F3 + ...)/eta");
    for (size_t i = 0; i < s->n; i++) {
        const fdr_point *p = &s->pts[i];
        char g[48], ge[24], o[48], a[48], t[48];
        fmt_est(g, sizeof g, p->G);
        fmt_num(ge, sizeof ge, "%.6g", p->G_exact);
        fmt_est(o, sizeof o, p->theta_dot_grad);
        fmt_est(a, sizeof a, p->anharmonic);
        fmt_est(t, sizeof t, p->anharmonic_terms);
        fprintf(f, "%-9.4g %-26s %-12s %-26s %-26s %s\n", p->lr, g, ge, o, a, t);
    }
    fprintf(f, "\nfit G = a1 eta + a2 eta^2 + a3 eta^3 (weighted least squares): chi^2 = %.3g "
               "for %ld degrees of freedom\n",
            fit->G.chisq, fit->G.dof);
    for (int j = 0; j < 3; j++)
        fprintf(f, "  a%d = %.6g +- %.2g\n", j + 1, fit->G.c[j], fit->G.err[j]);
    if (s->lim.small)
        fprintf(f, "fit curvature = k0 + k1 eta + k2 eta^2: chi^2 = %.3g for %ld degrees of "
                   "freedom\n",
                fit->curv.chisq, fit->curv.dof);
    else
        fprintf(f, "no curvature fit: optimizer '%s' has no small-learning-rate limits\n",
                m->opt->name);
    if (fit->have_anh)
        fprintf(f, "fit G - F2/eta = b2 eta^2 + b3 eta^3: chi^2 = %.3g for %ld degrees of "
                   "freedom\n",
                fit->anh.chisq, fit->anh.dof);
    estimator_table(f, fit);
}

/* ---- files -------------------------------------------------------------------- */

typedef struct {
    const fdr_sweep *s;
    const char *command;
    int (*plot)(const char *script, const char *dir); /* NULL: no figure */
} writer_ctx;

static void header(FILE *f, const writer_ctx *w, const char *what)
{
    fprintf(f, "# fdrsim %s: %s\n", PACKAGE_VERSION, what);
    fprintf(f, "# model %s (%s), seed %llu + p x %u for point p\n", w->s->m->name,
            w->s->m->source, (unsigned long long)w->s->seed, FDR_SWEEP_SEED_STRIDE);
    fprintf(f, "# command: %s\n", w->command);
    fprintf(f, "# relations of %s\n", FDR_PAPER);
}

/* One column of a data file (gnuplot reads nan as missing). */
static void col(FILE *f, double x)
{
    fprintf(f, " %.17g", x);
}

/* sweep.dat: index 0 one row per learning rate, index 1 the curves of the figure. */
static int write_dat(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    const fdr_sweep_fit *fit = &s->fit;
    const fdr_model *m = s->m;
    /* The Hessian factor 1 / k_G of the optimizer's small-lr limits (nan without them). */
    double kh = s->lim.small ? 1 / s->lim.k.k_G : NAN;
    header(f, w, "G(eta) over learning rates, with the fits (errors 1 sigma; nan: unknown)");
    fprintf(f, "# G(eta) = (1 - nu) <|grad f|^2> - (mu / eta) <v . grad f>; momentum %.17g, "
               "dampening %.17g\n",
            m->momentum, m->dampening);
    fprintf(f, "# curve: %s\n",
            s->lim.exact ? "exact" : s->lim.harmonic ? "harmonic approximation" : "none");
    fprintf(f, "# a1 = %.17g +- %.17g (fit); exact eta -> 0 limit %.17g; hessian factor %.17g\n",
            fit->G.c[0], fit->G.err[0], fit->a1_exact, kh);
    fprintf(f, "# Tr(H* C*) = %.17g\n", fdr_limit_hessian(&s->lim));
    fprintf(f, "# index 0, one row per learning rate:\n");
    fprintf(f, "# lr G G_err G_exact G_harmonic theta_dot_grad theta_dot_grad_err "
               "theta_dot_grad_exact loss_excess loss_excess_err loss_excess_exact F2 F2_err "
               "F2_exact F3 F3_err F3_exact F4 F4_err F4_exact anharmonic anharmonic_err "
               "anharmonic_terms anharmonic_terms_err hessian hessian_err hessian_exact "
               "curvature curvature_err curvature_exact\n");
    for (size_t i = 0; i < s->n; i++) {
        const fdr_point *p = &s->pts[i];
        fprintf(f, "%.17g", p->lr);
        double v[] = {p->G.val, p->G.err, p->G_exact, p->G_harmonic, p->theta_dot_grad.val,
                      p->theta_dot_grad.err, p->theta_dot_grad_exact, p->loss_excess.val,
                      p->loss_excess.err, p->loss_excess_exact};
        for (size_t k = 0; k < sizeof v / sizeof *v; k++)
            col(f, v[k]);
        for (int k = 2; k <= 4; k++) {
            int have = k <= p->order;
            col(f, have ? p->F[k].val : NAN);
            col(f, have ? p->F[k].err : NAN);
            col(f, have ? p->F_exact[k] : NAN);
        }
        double u[] = {p->anharmonic.val, p->anharmonic.err, p->anharmonic_terms.val,
                      p->anharmonic_terms.err, p->hessian.val, p->hessian.err, p->hessian_exact,
                      p->curvature.val, p->curvature.err, p->curvature_exact};
        for (size_t k = 0; k < sizeof u / sizeof *u; k++)
            col(f, u[k]);
        fputc('\n', f);
    }
    fprintf(f, "\n\n# index 1, curves: lr G_fit a1_lr a1_exact_lr G_curve hessian_fit "
               "hessian_curve\n");
    for (int k = 0; k < FDR_SWEEP_CURVE; k++) {
        double lr = s->curve_lr[k];
        double gfit = lr * (fit->G.c[0] + lr * (fit->G.c[1] + lr * fit->G.c[2]));
        fprintf(f, "%.17g", lr);
        col(f, gfit);
        col(f, fit->G.c[0] * lr);
        col(f, fit->a1_exact * lr);
        col(f, s->curve_G[k]);
        col(f, k ? kh * gfit / lr : kh * fit->G.c[0]);
        col(f, k ? kh * s->curve_G[k] / lr : kh * fit->a1_exact);
        fputc('\n', f);
    }
    return FDR_OK;
}

/* meta.gp: what sweep.gp needs besides the columns of sweep.dat (README.md,
 * "Output"). */
static int write_meta(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    char seed[32];
    fprintf(f, "# fdrsim %s: the values of sweep.gp (gnuplot: load 'meta.gp')\n",
            PACKAGE_VERSION);
    fdr_gp_str(f, "model", s->m->name);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed); /* beyond 2^63 */
    fdr_gp_str(f, "seed", seed);
    fdr_gp_str(f, "curve",
               s->lim.exact ? "exact" : s->lim.harmonic ? "harmonic approximation" : "none");
    fdr_gp_num(f, "a1", s->fit.G.c[0]);
    fdr_gp_num(f, "a1_err", s->fit.G.err[0]);
    fdr_gp_num(f, "a1_exact", s->fit.a1_exact);
    fdr_gp_num(f, "trhc", fdr_limit_hessian(&s->lim));
    /* the points, those with a finite anharmonic part, the largest lr and the
     * anharmonic part at the largest lr that has one (the bottom panel's key
     * goes where the data are not) */
    size_t nanh = 0;
    double lrmax = 0, lranh = 0, anhlast = 0;
    for (size_t i = 0; i < s->n; i++) {
        const fdr_point *p = &s->pts[i];
        lrmax = fmax(lrmax, p->lr);
        if (isfinite(p->anharmonic.val)) {
            nanh++;
            if (p->lr > lranh) {
                lranh = p->lr;
                anhlast = p->anharmonic.val;
            }
        }
    }
    fdr_gp_int(f, "npts", (long long)s->n);
    fdr_gp_int(f, "nanh", (long long)nanh);
    fdr_gp_num(f, "lrmax", lrmax);
    fdr_gp_num(f, "anhlast", anhlast);
    return FDR_OK;
}

/* estimators.dat: one row per graded estimator. */
static int write_estimators(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep_fit *fit = &w->s->fit;
    header(f, w, "estimators graded against exact values (errors 1 sigma; nan: unknown)");
    fprintf(f, "# lr: nan for fitted (eta -> 0) estimators. exact: the value or eta -> 0 limit; "
               "exact_err > 0 when it is\n# itself a Monte Carlo estimate (the anharmonic Taylor "
               "terms). exact_finite: the estimator's exact\n# expectation at the learning "
               "rate(s) used; z_finite = (estimate - exact_finite) / error.\n");
    fprintf(f, "# name lr estimate error exact exact_err bias bias_err z exact_finite "
               "bias_finite z_finite\n");
    for (size_t i = 0; i < fit->nest; i++) {
        const fdr_estimator *e = &fit->est[i];
        fprintf(f, "%s", e->name);
        double v[] = {e->lr,   e->est.val, e->est.err, e->exact,        e->exact_err,   e->bias,
                      e->bias_err, e->z,   e->exact_finite, e->bias_finite, e->z_finite};
        for (size_t k = 0; k < sizeof v / sizeof *v; k++)
            col(f, v[k]);
        fputc('\n', f);
    }
    return FDR_OK;
}


/* Sets name and name_err on o. */
static void put_est(json_t *o, const char *name, fdr_est e)
{
    char key[64];
    json_object_set_new(o, name, fdr_json_number(e.val));
    snprintf(key, sizeof key, "%s_err", name);
    json_object_set_new(o, key, fdr_json_number(e.err));
}

/* Sets name_exact on o. */
static void put_exact(json_t *o, const char *name, double x)
{
    char key[64];
    snprintf(key, sizeof key, "%s_exact", name);
    json_object_set_new(o, key, fdr_json_number(x));
}

/* The model block, as in summary.json: settings (what `fdrsim check` compares),
 * landscape, noise, optimizer and run length. */
static json_t *model_json(const fdr_sweep *s)
{
    const fdr_model *m = s->m;
    json_t *model = json_object(), *land = json_object(), *noise = json_object(),
           *opt = json_object(), *run = json_object();
    json_object_set_new(model, "name", json_string(m->name));
    json_object_set_new(model, "source", json_string(m->source));
    json_object_set_new(model, "settings", fdr_settings_json(s->cfg));
    json_object_set_new(land, "type", json_string(m->land->type->name));
    json_object_set_new(land, "dim", json_integer((json_int_t)m->land->dim));
    json_object_set_new(land, "reference_is_minimum", json_boolean(m->land->ref_is_min));
    json_object_set_new(model, "landscape", land);
    json_object_set_new(noise, "type", json_string(m->noise->type->name));
    json_object_set_new(noise, "trace_C", fdr_json_number(s->lim.tr_C));
    json_object_set_new(noise, "trace_HC", fdr_json_number(s->lim.tr_HC));
    json_object_set_new(model, "noise", noise);
    json_object_set_new(opt, "type", json_string(m->opt->name));
    json_object_set_new(opt, "momentum", json_real(m->momentum));
    json_object_set_new(opt, "dampening", json_real(m->dampening));
    json_object_set_new(opt, "convention", json_string(fdr_convention_names[m->convention]));
    json_object_set_new(model, "optimizer", opt);
    json_object_set_new(run, "replicas", json_integer((json_int_t)m->replicas));
    json_object_set_new(run, "steps", json_integer((json_int_t)m->steps));
    json_object_set_new(run, "burn_in", json_integer((json_int_t)m->burn_in));
    json_object_set_new(model, "run", run);
    return model;
}

/* One learning rate, flat: every estimate K with K_err, exact values as K_exact. */
static json_t *point_json(const fdr_point *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "lr", json_real(p->lr));
    json_object_set_new(o, "seed", json_integer((json_int_t)p->seed));
    put_est(o, "G", p->G);
    put_exact(o, "G", p->G_exact);
    json_object_set_new(o, "G_harmonic", fdr_json_number(p->G_harmonic));
    put_est(o, "theta_dot_grad", p->theta_dot_grad);
    put_exact(o, "theta_dot_grad", p->theta_dot_grad_exact);
    put_est(o, "loss_excess", p->loss_excess);
    put_exact(o, "loss_excess", p->loss_excess_exact);
    for (int k = 2; k <= p->order; k++) {
        char name[8];
        snprintf(name, sizeof name, "F%d", k);
        put_est(o, name, p->F[k]);
        put_exact(o, name, p->F_exact[k]);
    }
    if (p->order) {
        put_est(o, "anharmonic", p->anharmonic);
        put_est(o, "anharmonic_terms", p->anharmonic_terms);
        put_est(o, "anharmonic_diff", p->anharmonic_diff);
    }
    put_est(o, "hessian", p->hessian);
    put_exact(o, "hessian", p->hessian_exact);
    put_est(o, "curvature", p->curvature);
    put_exact(o, "curvature", p->curvature_exact);
    return o;
}

/* The fits, flat like the points, with the covariance of a1, a2, a3. */
static json_t *fit_json(const fdr_sweep_fit *fit)
{
    json_t *o = json_object(), *cov = json_array();
    for (size_t j = 0; j < 3; j++) {
        char name[8];
        snprintf(name, sizeof name, "a%zu", j + 1);
        put_est(o, name, (fdr_est){fit->G.c[j], fit->G.err[j]});
        json_t *row = json_array();
        for (size_t k = 0; k < 3; k++)
            json_array_append_new(row, fdr_json_number(fit->G.cov[j][k]));
        json_array_append_new(cov, row);
    }
    put_exact(o, "a1", fit->a1_exact);
    json_object_set_new(o, "a1_exact_finite", fdr_json_number(fit->a1_exact_finite));
    json_object_set_new(o, "cov", cov);
    json_object_set_new(o, "chisq", fdr_json_number(fit->G.chisq));
    json_object_set_new(o, "dof", json_integer(fit->G.dof));
    put_est(o, "curvature", (fdr_est){fit->curv.c[0], fit->curv.err[0]});
    put_exact(o, "curvature", fit->curvature_exact);
    json_object_set_new(o, "curvature_exact_finite", fdr_json_number(fit->curvature_exact_finite));
    put_est(o, "curvature_k1", (fdr_est){fit->curv.c[1], fit->curv.err[1]});
    put_est(o, "curvature_k2", (fdr_est){fit->curv.c[2], fit->curv.err[2]});
    json_object_set_new(o, "curvature_chisq", fdr_json_number(fit->curv.chisq));
    if (fit->have_anh) {
        for (size_t j = 0; j < 2; j++) {
            char name[24];
            snprintf(name, sizeof name, "b%zu", j + 2);
            put_est(o, name, (fdr_est){fit->anh.c[j], fit->anh.err[j]});
            snprintf(name, sizeof name, "b%zu_terms", j + 2);
            put_est(o, name, fit->b_terms[j]);
            snprintf(name, sizeof name, "b%zu_diff", j + 2);
            put_est(o, name, fit->b_diff[j]);
        }
        json_object_set_new(o, "anharmonic_chisq", fdr_json_number(fit->anh.chisq));
    }
    return o;
}

/* One graded estimator. */
static json_t *estimator_json(const fdr_estimator *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "definition", json_string(e->what));
    json_object_set_new(o, "lr", fdr_json_number(e->lr));
    json_object_set_new(o, "estimate", fdr_json_number(e->est.val));
    json_object_set_new(o, "error", fdr_json_number(e->est.err));
    json_object_set_new(o, "exact", fdr_json_number(e->exact));
    json_object_set_new(o, "exact_err", fdr_json_number(e->exact_err));
    json_object_set_new(o, "bias", fdr_json_number(e->bias));
    json_object_set_new(o, "bias_err", fdr_json_number(e->bias_err));
    json_object_set_new(o, "z", fdr_json_number(e->z));
    json_object_set_new(o, "exact_finite", fdr_json_number(e->exact_finite));
    json_object_set_new(o, "bias_finite", fdr_json_number(e->bias_finite));
    json_object_set_new(o, "z_finite", fdr_json_number(e->z_finite));
    return o;
}

/* sweep.json (schema fdrsim-sweep/1). */
static int write_json(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    json_t *root = fdr_json_header("fdrsim-sweep/1", w->command, s->seed);
    json_object_set_new(root, "seed_stride", json_integer(FDR_SWEEP_SEED_STRIDE));
    json_object_set_new(root, "model", model_json(s));
    json_t *ref = json_object();
    json_object_set_new(ref, "limits", json_boolean(s->lim.available));
    json_object_set_new(ref, "exact_finite_lr", json_boolean(s->lim.exact));
    json_object_set_new(ref, "description", json_string(reference_kind(&s->lim)));
    json_object_set_new(ref, "caveat",
                        s->m->noise->caveat ? json_string(s->m->noise->caveat) : json_null());
    json_object_set_new(root, "exact_reference", ref);
    json_object_set_new(root, "error_bars", json_string("1 sigma"));
    json_t *pts = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(pts, point_json(&s->pts[i]));
    json_object_set_new(root, "points", pts);
    json_object_set_new(root, "fit", fit_json(&s->fit));
    json_t *est = json_array();
    for (size_t i = 0; i < s->fit.nest; i++)
        json_array_append_new(est, estimator_json(&s->fit.est[i]));
    json_object_set_new(root, "estimators", est);
    json_t *timing = json_object();
    json_object_set_new(timing, "seconds", json_real(s->seconds));
    json_object_set_new(root, "timing", timing);
    int rc = json_dumpf(root, f, FDR_JSON_FLAGS) == 0 ? FDR_OK : FDR_EIO;
    fputc('\n', f);
    json_decref(root);
    return rc == FDR_OK ? FDR_OK : fdr_error(FDR_EIO, "sweep.json: cannot write");
}

/* Writes the sweep's files, and its figure if asked, into dir (a fresh
 * folder: fdr_outdir_write's temporary one). */
static int sweep_fill(const char *dir, const void *ctx)
{
    const writer_ctx *w = ctx;
    int rc = fdr_write_file(dir, "sweep.dat", write_dat, w);
    if (rc == FDR_OK)
        rc = fdr_write_file(dir, "meta.gp", write_meta, w);
    if (rc == FDR_OK)
        rc = fdr_write_file(dir, "estimators.dat", write_estimators, w);
    if (rc == FDR_OK)
        rc = fdr_write_file(dir, "sweep.json", write_json, w);
    if (rc == FDR_OK && w->plot)
        rc = w->plot("sweep.gp", dir);
    return rc;
}

int fdr_sweep_write(const char *dir, const fdr_sweep *s, const char *command,
                    int (*plot)(const char *script, const char *dir))
{
    writer_ctx w = {s, command, plot};
    return fdr_outdir_write(dir, sweep_fill, &w);
}

/* ---- the command line ----------------------------------------------------------- */

int fdr_lr_grid_parse(const char *text, double **lr, size_t *n)
{
    *lr = NULL;
    *n = 0;
    char *end;
    if (strchr(text, ':')) {
        double a = strtod(text, &end), b = NAN;
        long k = 0;
        int logscale = 0;
        if (*end == ':') {
            const char *s = end + 1;
            b = strtod(s, &end);
            if (end != s && *end == ':') {
                s = end + 1;
                k = strtol(s, &end, 10);
                if (end == s)
                    k = 0;
                if (strcmp(end, ":log") == 0)
                    logscale = 1;
                else if (*end && strcmp(end, ":lin") != 0)
                    k = 0;
            }
        }
        if (!(a > 0) || !(b > a) || !isfinite(b) || k < 3 || k > FDR_SWEEP_MAX_POINTS)
            return fdr_error(FDR_EINVAL,
                             "--lr %s: expected A:B:N[:log] with 0 < A < B and 3 <= N <= %d",
                             text, FDR_SWEEP_MAX_POINTS);
        if (!(*lr = fdr_malloc((size_t)k * sizeof **lr)))
            return FDR_ENOMEM;
        for (long i = 0; i < k; i++) {
            double t = (double)i / (double)(k - 1);
            (*lr)[i] = logscale ? a * pow(b / a, t) : a + (b - a) * t;
        }
        (*lr)[k - 1] = b; /* exactly B, whatever the rounding of the steps */
        *n = (size_t)k;
        return FDR_OK;
    }
    size_t cap = 1;
    for (const char *s = text; *s; s++)
        cap += *s == ',';
    if (!(*lr = fdr_malloc(cap * sizeof **lr)))
        return FDR_ENOMEM;
    const char *s = text;
    for (;;) {
        double x = strtod(s, &end);
        if (end == s || !(x > 0) || !isfinite(x) || (*n && !(x > (*lr)[*n - 1])) ||
            (*end != ',' && *end != '\0')) {
            free(*lr);
            *lr = NULL;
            *n = 0;
            return fdr_error(FDR_EINVAL,
                             "--lr %s: expected A:B:N[:log] or increasing positive numbers "
                             "separated by commas",
                             text);
        }
        (*lr)[(*n)++] = x;
        if (*end == '\0')
            break;
        s = end + 1;
    }
    return FDR_OK;
}
