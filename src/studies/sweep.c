/* sweep.c - a model over a grid of learning rates (see sweep.h). */
#include "config.h"

#include "studies/sweep.h"
#include "engine/checkpoint.h"
#include "engine/dist.h"
#include "engine/engine.h"
#include "core/fdr.h"
#include "io/report.h"
#include "rng/rng.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif


/* ---- the grid ---------------------------------------------------------------- */

void fdr_sweep_axis_clear(fdr_sweep_axis *a)
{
    for (size_t i = 0; a->values && i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    memset(a, 0, sizeof *a);
}

/* Appends a copy of the len bytes at v to a's values. */
static int axis_add(fdr_sweep_axis *a, const char *v, size_t len)
{
    char **vs = realloc(a->values, (a->n + 1) * sizeof *vs);
    if (!vs)
        return FDR_ENOMEM;
    a->values = vs;
    if (!(vs[a->n] = fdr_malloc(len + 1)))
        return FDR_ENOMEM;
    memcpy(vs[a->n], v, len);
    vs[a->n++][len] = '\0';
    return FDR_OK;
}

/* "A:B:N[:log]" into a's values (%.17g); 0 if text is not of that form. */
static int axis_range(const char *text, fdr_sweep_axis *a, int *rc)
{
    char *end;
    double lo = strtod(text, &end), hi;
    long k;
    int logscale = 0;
    if (end == text || *end != ':')
        return 0;
    const char *s = end + 1;
    hi = strtod(s, &end);
    if (end == s || *end != ':')
        return 0;
    s = end + 1;
    k = strtol(s, &end, 10);
    if (end == s)
        return 0;
    if (strcmp(end, ":log") == 0)
        logscale = 1;
    else if (*end && strcmp(end, ":lin") != 0)
        return 0;
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || k < 2 || k > FDR_SWEEP_MAX_POINTS ||
        (logscale && !(lo > 0))) {
        *rc = fdr_error(FDR_EINVAL,
                        "--over %s=%s: expected A:B:N[:log] with A < B (0 < A for log) and "
                        "2 <= N <= %d",
                        a->key, text, FDR_SWEEP_MAX_POINTS);
        return 1;
    }
    *rc = FDR_OK;
    for (long i = 0; i < k && *rc == FDR_OK; i++) {
        double t = (double)i / (double)(k - 1);
        double x = i == k - 1 ? hi : logscale ? lo * pow(hi / lo, t) : lo + (hi - lo) * t;
        char buf[32];
        snprintf(buf, sizeof buf, "%.17g", x);
        *rc = axis_add(a, buf, strlen(buf));
    }
    return 1;
}

int fdr_sweep_axis_parse(const char *key, const char *values, fdr_sweep_axis *a)
{
    memset(a, 0, sizeof *a);
    const char *dot = strchr(key, '.');
    if (!dot || dot == key || !dot[1] || strchr(key, '=') || strlen(key) >= sizeof a->key)
        return fdr_error(FDR_EINVAL, "--over %s=%s: expected --over section.key=VALUES", key,
                         values);
    if (strcmp(key, "optimizer.lr") == 0 || strcmp(key, "run.seed") == 0)
        return fdr_error(FDR_EINVAL,
                         "--over %s: %s", key,
                         strcmp(key, "run.seed") == 0
                             ? "every point has its own seed (run.seed + p x stride); set the "
                               "base seed with --seed"
                             : "the learning rate is swept with --lr GRID");
    snprintf(a->key, sizeof a->key, "%s", key);
    int rc = FDR_OK;
    if (!axis_range(values, a, &rc)) {
        const char *s = values;
        for (;;) {
            size_t len = strcspn(s, ",");
            while (len && isspace((unsigned char)*s))
                s++, len--;
            size_t l = len;
            while (l && isspace((unsigned char)s[l - 1]))
                l--;
            if (!l) {
                rc = fdr_error(FDR_EINVAL,
                               "--over %s=%s: expected A:B:N[:log] or values separated by "
                               "commas, none empty",
                               key, values);
                break;
            }
            if ((rc = axis_add(a, s, l)) != FDR_OK || !s[len])
                break;
            s += len + 1;
        }
    }
    if (rc == FDR_OK)
        for (size_t i = 0; i < a->n && rc == FDR_OK; i++)
            for (size_t j = 0; j < i && rc == FDR_OK; j++)
                if (strcmp(a->values[i], a->values[j]) == 0)
                    rc = fdr_error(FDR_EINVAL, "--over %s=%s: the value '%s' is given twice",
                                   key, values, a->values[i]);
    if (rc != FDR_OK)
        fdr_sweep_axis_clear(a);
    return rc;
}

/* 1 if all of text is a finite number (into *x). */
static int is_number(const char *text, double *x)
{
    char *end;
    *x = strtod(text, &end);
    return end != text && *end == '\0' && isfinite(*x);
}

/* Copies the spec's axes into s (the learning rate first when swept) and
 * lays out the points and lines. */
static int make_grid(const fdr_sweep_spec *spec, fdr_sweep *s)
{
    if (spec->naxes >= FDR_SWEEP_MAX_AXES || (spec->naxes && !spec->axes))
        return fdr_error(FDR_EINVAL, "a sweep takes at most %d keys besides the learning rate, "
                                     "given in axes (got %zu)",
                         FDR_SWEEP_MAX_AXES - 1, spec->naxes);
    if (!spec->n && !spec->naxes)
        return fdr_error(FDR_EINVAL, "nothing to sweep: give learning rates or another key");
    if (spec->n && (spec->n < 3 || spec->n > FDR_SWEEP_MAX_POINTS))
        return fdr_error(FDR_EINVAL, "a sweep needs between 3 and %d learning rates, got %zu",
                         FDR_SWEEP_MAX_POINTS, spec->n);
    for (size_t p = 0; p < spec->n; p++)
        if (!(spec->lr[p] > 0) || !isfinite(spec->lr[p]) || (p && !(spec->lr[p] > spec->lr[p - 1])))
            return fdr_error(FDR_EINVAL, "learning rates must be finite, > 0 and increasing "
                                         "(value %zu: %g)", p + 1, spec->lr[p]);
    int rc = FDR_OK;
    s->lr_axis = spec->n > 0;
    if (s->lr_axis) {
        fdr_sweep_axis *a = &s->axes[s->naxes++];
        snprintf(a->key, sizeof a->key, "optimizer.lr");
        for (size_t p = 0; p < spec->n && rc == FDR_OK; p++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%.17g", spec->lr[p]);
            rc = axis_add(a, buf, strlen(buf));
        }
    }
    size_t n = 1;
    for (size_t k = 0; k < spec->naxes && rc == FDR_OK; k++) {
        const fdr_sweep_axis *in = &spec->axes[k];
        fdr_sweep_axis *a = &s->axes[s->naxes++];
        snprintf(a->key, sizeof a->key, "%s", in->key);
        if (!in->n || strcmp(in->key, "optimizer.lr") == 0 || strcmp(in->key, "run.seed") == 0)
            return fdr_error(FDR_EINVAL, "--over %s: %s", in->key,
                             in->n ? "not a key a sweep sets per point" : "no values");
        for (size_t j = 0; j < k; j++)
            if (strcmp(spec->axes[j].key, in->key) == 0)
                return fdr_error(FDR_EINVAL, "--over %s: the key is swept twice", in->key);
        for (size_t i = 0; i < in->n && rc == FDR_OK; i++)
            rc = axis_add(a, in->values[i], strlen(in->values[i]));
    }
    if (rc != FDR_OK)
        return rc;
    for (size_t k = 0; k < s->naxes; k++) {
        n *= s->axes[k].n;
        if (n > FDR_SWEEP_MAX_POINTS)
            return fdr_error(FDR_EINVAL, "the grid has more than %d points", FDR_SWEEP_MAX_POINTS);
    }
    size_t nx = s->axes[0].n;
    s->x_numeric = 1;
    for (size_t i = 0; i < nx; i++) {
        double x;
        s->x_numeric &= is_number(s->axes[0].values[i], &x);
    }
    s->n = n;
    s->nlines = n / nx;
    s->pts = fdr_calloc(n, sizeof *s->pts);
    s->lines = fdr_calloc(s->nlines, sizeof *s->lines);
    if (!s->pts || !s->lines)
        return FDR_ENOMEM;
    for (size_t p = 0; p < n; p++) {
        fdr_sweep_point *q = &s->pts[p];
        size_t rest = p / nx;
        q->at[0] = p % nx;
        for (size_t k = s->naxes; k-- > 1;) {
            q->at[k] = rest % s->axes[k].n;
            rest /= s->axes[k].n;
        }
        q->line = p / nx;
        if (!s->x_numeric || !is_number(s->axes[0].values[q->at[0]], &q->x))
            q->x = (double)q->at[0];
    }
    for (size_t l = 0; l < s->nlines; l++) {
        fdr_sweep_line *L = &s->lines[l];
        L->first = l * nx;
        L->n = nx;
        size_t len = 0;
        for (size_t k = 1; k < s->naxes; k++) {
            const fdr_sweep_axis *a = &s->axes[k];
            int w = snprintf(L->label + len, sizeof L->label - len, "%s%s=%s", k > 1 ? " " : "",
                             a->key, a->values[s->pts[L->first].at[k]]);
            if (w < 0 || (size_t)w >= sizeof L->label - len)
                return fdr_error(FDR_EINVAL, "--over: the values of a line are longer than %zu "
                                             "characters", sizeof L->label - 1);
            len += (size_t)w;
        }
    }
    return FDR_OK;
}

/* "key=value, ..., lr X" of point p, for messages. */
static void point_label(const fdr_sweep *s, size_t p, double lr, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = s->lr_axis; k < s->naxes && len < n; k++) {
        int w = snprintf(buf + len, n - len, "%s=%s, ", s->axes[k].key,
                         s->axes[k].values[s->pts[p].at[k]]);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len < n)
        snprintf(buf + len, n - len, "lr %g", lr);
}

/* Re-records the current message (status rc) prefixed with where. */
static int prefixed(const char *where, int rc)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", fdr_error_message());
    fdr_error_clear();
    return fdr_error(rc, "%s: %s", where, msg[0] ? msg : "the model was rejected");
}

/* The same prefixed with point p's values. */
static int at_point(const fdr_sweep *s, size_t p, double lr, int rc)
{
    char lab[512];
    point_label(s, p, lr, lab, sizeof lab);
    return prefixed(lab, rc);
}

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

/* The model of point p: the configuration with the point's values on every
 * axis and its seed. NULL with the message recorded (naming the point). */
static fdr_model *point_model(const fdr_sweep_spec *spec, const fdr_sweep *s, size_t p)
{
    fdr_config *c = fdr_sweep_config(spec);
    if (!c)
        return NULL;
    const fdr_sweep_point *q = &s->pts[p];
    int rc = FDR_OK;
    for (size_t k = 0; k < s->naxes && rc == FDR_OK; k++) {
        const fdr_sweep_axis *a = &s->axes[k];
        size_t len = strlen(a->key) + strlen(a->values[q->at[k]]) + 2;
        char *set = fdr_malloc(len);
        if (!set) {
            rc = FDR_ENOMEM;
            break;
        }
        snprintf(set, len, "%s=%s", a->key, a->values[q->at[k]]);
        rc = fdr_config_set(c, set);
        free(set);
    }
    char sd[64];
    snprintf(sd, sizeof sd, "run.seed=%llu",
             (unsigned long long)(s->seed + (uint64_t)p * FDR_SWEEP_SEED_STRIDE));
    fdr_model *m = NULL;
    if (rc == FDR_OK && fdr_config_set(c, sd) == FDR_OK)
        m = fdr_model_alloc(c, spec->name);
    fdr_config_free(c);
    return m;
}

/* Frees a sweep and everything it owns; NULL is a no-op. */
void fdr_sweep_free(fdr_sweep *s)
{
    if (!s)
        return;
    free(s->pts);
    free(s->remote);
    free(s->resumed);
    for (size_t l = 0; s->lines && l < s->nlines; l++) {
        fdr_limits_clear(&s->lines[l].lim);
        fdr_sweep_fit_clear(&s->lines[l].fit);
    }
    free(s->lines);
    for (size_t k = 0; k < s->naxes; k++)
        fdr_sweep_axis_clear(&s->axes[k]);
    fdr_limits_clear(&s->lim);
    fdr_model_free(s->m);
    fdr_config_free(s->cfg);
    free(s);
}

/* Along the learning rate: checks, on a quadratic, that every lr of line L
 * (whose first point's model is m) has a stationary state (the engine would
 * only find out by diverging), and that G can be measured. */
static int check_line(const fdr_sweep_spec *spec, const fdr_sweep_line *L, const fdr_model *m)
{
    const fdr_optim_params op = fdr_model_optim_params(m);
    const char *sep = L->label[0] ? " at " : "";
    if (m->land->H && L->lim.harmonic) {
        double top = fdr_lyap_max_stable_lr(L->lim.w, m->opt, &op);
        char lr[32], max[32];
        fdr_format_distinct(spec->lr[spec->n - 1], top, lr, max, sizeof lr);
        if (!(spec->lr[spec->n - 1] < top))
            return fdr_error(FDR_EUNSTABLE,
                             "%s: --lr: the learning rate %s makes the exact dynamics unstable "
                             "(no stationary state); the largest stable learning rate for "
                             "[optimizer] momentum %g and dampening %g%s%s is %s",
                             m->source, lr, m->momentum, m->dampening, sep, L->label, max);
    }
    /* G(eta) is the dissipation per unit eta: without it there is nothing to fit. */
    if (op.precond)
        return fdr_error(FDR_EINVAL,
                         "%s: [optimizer] type %s%s%s: a sweep along lr is not available with a "
                         "preconditioner (its small-lr limits involve Tr(P C*) and its "
                         "harmonic reference and stability limit need P)",
                         m->source, m->opt->name, sep, L->label);
    double dc[2];
    for (size_t p = 0; p < spec->n; p++)
        if (!m->opt->dissipation(&op, spec->lr[p], dc))
            return fdr_error(FDR_EINVAL,
                             "%s: [optimizer] type %s has no dissipation in terms of "
                             "<|grad f|^2> and <v . grad f> at lr %g%s%s, so a sweep cannot "
                             "measure G(eta)",
                             m->source, m->opt->name, spec->lr[p], sep, L->label);
    return FDR_OK;
}

/* The exact (or harmonic) curve of line L for the figure: G at evenly
 * spaced lr from 0 to the largest swept; G(0) = 0 is the eta -> 0 limit. */
static void make_curve(fdr_sweep_line *L, double lrmax)
{
    for (int k = 0; k < FDR_SWEEP_CURVE; k++) {
        double lr = lrmax * k / (FDR_SWEEP_CURVE - 1);
        fdr_harmonic_values hv;
        L->curve_lr[k] = lr;
        if (k == 0) {
            L->curve_G[k] = L->lim.harmonic ? 0.0 : NAN;
            continue;
        }
        fdr_harmonic_at(&L->lim, lr, &hv);
        L->curve_G[k] = hv.G;
    }
}

/* Why a point off the learning-rate axis has no exact value of the
 * estimator called name (lim its references). */
static const char *why_no_exact(const fdr_limits *lim, const char *name)
{
    if (!lim->available)
        return lim->why_not;
    if (!lim->exact)
        return "no exact finite-lr value (only a quadratic with constant, step-to-step "
               "independent noise has one)";
    if (!lim->small && (strcmp(name, "hessian") == 0 || strcmp(name, "curvature") == 0))
        return "the optimizer has no small-learning-rate factors";
    return "no stationary state of the exact dynamics";
}

/* Grades est against exact, whose numerical error is exact_err (0 for a
 * closed form), or records why_not when exact is NAN. */
static void grade(fdr_sweep_point *q, const char *name, const char *what, fdr_est est,
                  double exact, double exact_err, const char *why_not)
{
    fdr_sweep_grade *g = &q->grade[q->ngrade++];
    g->name = name;
    g->what = what;
    g->est = est;
    g->exact = exact;
    g->why_not = isnan(exact) ? why_not : NULL;
    g->z = isnan(exact) ? NAN : fdr_zscore_exact(est, exact, exact_err);
}

/* The graded quantities of a point off the learning-rate axis: the state
 * observables against the exact stationary values, then G, F2 and the
 * estimators against their exact expectations at the point. */
static void grade_point(fdr_sweep_point *q, const fdr_analysis *a, const fdr_exact *e,
                        const fdr_limits *lim)
{
    q->ngrade = 0;
    snprintf(q->why_not, sizeof q->why_not, "%s",
             e->available ? "no exact value for this observable" : e->why_not);
    for (size_t k = 0; k < FDR_NSTATE_OBS; k++)
        grade(q, a->obs[k].key, a->obs[k].what, a->obs[k].est, a->obs[k].exact,
              a->obs[k].exact_err, q->why_not);
    if (!q->measured) {
        const char *why = "the optimizer has no dissipation in terms of <|grad f|^2> and "
                          "<v . grad f>, so G is not defined";
        const fdr_est none = {NAN, NAN};
        grade(q, "G", "G = dissipation / eta", none, NAN, 0, why);
        return;
    }
    const fdr_point *p = &q->pt;
    /* G and F2 from the exact stationary law where the references have no
     * finite-lr value (the transfer operator off the quadratic) */
    const fdr_fdr2_terms *t = &a->fdr2;
    int law = e->method == FDR_EXACT_TRANSFER && t->measured;
    int g_law = law && isnan(p->G_exact) && !isnan(t->dissipation_exact);
    grade(q, "G", "G = dissipation / eta", p->G,
          g_law ? t->dissipation_exact / p->lr : p->G_exact,
          g_law ? e->q[FDR_TQ_DISSIPATION].err / p->lr : 0, why_no_exact(lim, "G"));
    int f2_law = law && isnan(p->F_exact[2]) && !isnan(t->F2_exact);
    if (p->order >= 2)
        grade(q, "F2", "F2 = <D^2 f[v'^2]> / 2", p->F[2],
              f2_law ? t->F2_exact : p->F_exact[2], f2_law ? e->q[FDR_TQ_F2].err : 0,
              why_no_exact(lim, "F2"));
    grade(q, "hessian", "G / (k_G eta)", p->hessian, p->hessian_exact, 0,
          why_no_exact(lim, "hessian"));
    grade(q, "curvature", "(k_theta / k_G) G / <theta . grad f>", p->curvature,
          p->curvature_exact, 0, why_no_exact(lim, "curvature"));
}

/* Per point: the engine run (in parallel over points with one thread inside
 * each run), its analysis and measurement. Errors are recorded per thread,
 * so each point keeps its own message and the first failing point (in grid
 * order) is reported. */
typedef struct {
    fdr_model **models;
    fdr_limits *plim; /* per point, off the learning-rate axis (without their workspace) */
    fdr_harmonic_values *hv;
} point_work;

/* The status of a point abandoned at a stop request (fdr_sweep_spec.stop). */
#define STOPPED 1

/* fdr_engine_run on one thread; with a stop request to watch, in pieces
 * between which it is looked at (where a run pauses does not change its
 * bits: engine.h), STOPPED if it came. */
static int run_engine(const fdr_model *m, const volatile sig_atomic_t *stop, fdr_result **r)
{
    enum { PIECES = 64 };
    if (!stop)
        return fdr_engine_run(m, 1, 0, r);
    fdr_engine_opts o = {.threads = 1, .relations = 1};
    fdr_engine *e = NULL;
    int rc = fdr_engine_alloc(m, &o, &e);
    for (long k = 1; rc == FDR_OK && k <= PIECES; k++)
        rc = *stop ? STOPPED : fdr_engine_advance(e, m->steps * k / PIECES);
    if (rc == FDR_OK)
        rc = fdr_engine_result(e, r);
    fdr_engine_free(e);
    return rc;
}

static int run_one(fdr_sweep *s, point_work *w, size_t p, const volatile sig_atomic_t *stop)
{
    fdr_sweep_point *q = &s->pts[p];
    fdr_model *m = w->models[p];
    const fdr_limits *lim = s->lr_axis ? &s->lines[q->line].lim : &w->plim[p];
    fdr_result *r = NULL;
    fdr_analysis a;
    fdr_exact e;
    memset(&a, 0, sizeof a);
    memset(&e, 0, sizeof e);
    int rc = run_engine(m, stop, &r);
    /* The exact references (solved here, so that only one workspace per
     * thread lives at a time) and the analysis, one thread at a time: parts
     * of them switch GSL's global error handler. */
#ifdef _OPENMP
#pragma omp critical(fdr_sweep_analyse)
#endif
    {
        if (rc == FDR_OK)
            rc = fdr_exact_compute(m, &e);
        if (rc == FDR_OK)
            rc = fdr_exact_tensor(m, &e, r->tensor_full, r->ntens, r->dirs);
        if (rc == FDR_OK)
            rc = fdr_analyse(m, r, &e, &a);
    }
    if (rc == FDR_OK) {
        q->nrel = a.nrel < FDR_NREL ? a.nrel : FDR_NREL;
        memcpy(q->rel, a.rel, q->nrel * sizeof *q->rel);
        const fdr_optim_params op = fdr_model_optim_params(m);
        double dc[2];
        q->measured = m->opt->dissipation(&op, m->lr, dc);
        if (q->measured)
            rc = fdr_point_measure(m, r, lim, lim->harmonic ? &w->hv[p] : NULL, &q->pt);
        else {
            q->pt.lr = m->lr;
            q->pt.seed = m->seed;
        }
    }
    if (rc == FDR_OK && !s->lr_axis)
        grade_point(q, &a, &e, lim);
    fdr_analysis_clear(&a);
    fdr_exact_clear(&e);
    fdr_result_free(r);
    return rc;
}

/* ---- the points over the ranks of a parallel job ----------------------------- */

/* A point's estimated cost: steps x replicas x the dimension, and the
 * dimension again for a dense Hessian (a d x d product per step). */
static double point_cost(const fdr_model *m)
{
    double d = (double)m->land->dim;
    return (double)m->steps * (double)m->replicas * d * (m->land->H && !m->land->hdiag ? d : 1);
}

typedef struct {
    double cost;
    size_t p;
} costed;

static int by_cost(const void *a, const void *b)
{
    const costed *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return x->p < y->p ? -1 : x->p > y->p;
}

/* owner[p]: the rank that runs point p. The points by falling cost (ties in
 * grid order), each to the rank with the least work so far (ties to the
 * lowest rank): the same on every rank, whatever the number of threads. */
static int assign_points(const fdr_dist *d, const fdr_sweep *s, const point_work *w, int *owner)
{
    size_t n = s->n, ranks = d ? (size_t)d->size : 1;
    memset(owner, 0, n * sizeof *owner);
    if (ranks <= 1)
        return FDR_OK;
    costed *c = fdr_malloc(n * sizeof *c);
    double *load = fdr_calloc(ranks, sizeof *load);
    if (!c || !load) {
        free(c);
        free(load);
        return FDR_ENOMEM;
    }
    for (size_t p = 0; p < n; p++)
        c[p] = (costed){point_cost(w->models[p]), p};
    qsort(c, n, sizeof *c, by_cost);
    for (size_t i = 0; i < n; i++) {
        size_t r = 0;
        for (size_t k = 1; k < ranks; k++)
            if (load[k] < load[r])
                r = k;
        owner[c[i].p] = (int)r;
        load[r] += c[i].cost;
    }
    free(c);
    free(load);
    return FDR_OK;
}

/* A point travels as its index and status, then its message (a failure)
 * or its record followed by its grades' strings, each a length (0: NULL)
 * and that many bytes with the terminating NUL. */
static size_t put(char *buf, size_t at, const void *x, size_t len)
{
    if (buf)
        memcpy(buf + at, x, len);
    return at + len;
}

static size_t put_str(char *buf, size_t at, const char *str)
{
    uint64_t len = str ? strlen(str) + 1 : 0;
    at = put(buf, at, &len, sizeof len);
    return put(buf, at, str, (size_t)len);
}

/* Packs the points of this rank (todo[0 .. mine)) into buf, or only counts
 * the bytes when buf is NULL; returns the size. */
static size_t pack_points(const fdr_sweep *s, const size_t *todo, size_t mine, const int *rc,
                          char (*msg)[768], char *buf)
{
    size_t at = 0;
    for (size_t i = 0; i < mine; i++) {
        size_t p = todo[i];
        uint64_t head[2] = {p, (uint64_t)(int64_t)rc[p]};
        at = put(buf, at, head, sizeof head);
        if (rc[p] != FDR_OK) {
            at = put_str(buf, at, msg[p]);
            continue;
        }
        const fdr_sweep_point *q = &s->pts[p];
        at = put(buf, at, q, sizeof *q);
        for (size_t k = 0; k < q->ngrade; k++) {
            at = put_str(buf, at, q->grade[k].name);
            at = put_str(buf, at, q->grade[k].what);
            at = put_str(buf, at, q->grade[k].why_not);
        }
    }
    return at;
}

/* Reads a string written by put_str from buf[*at .. len) in place (the
 * buffer outlives the sweep's use of it); 0 if it runs past the end. */
static int get_str(char *buf, size_t len, size_t *at, const char **str)
{
    uint64_t n;
    if (len - *at < sizeof n)
        return 0;
    memcpy(&n, buf + *at, sizeof n);
    *at += sizeof n;
    if (n > len - *at || (n && buf[*at + n - 1] != '\0'))
        return 0;
    *str = n ? buf + *at : NULL;
    *at += (size_t)n;
    return 1;
}

/* Places the points packed in buf (len bytes) into s, their statuses into
 * rc and msg; FDR_EFAIL if the bytes are not what pack_points writes. */
static int unpack_points(fdr_sweep *s, char *buf, size_t len, int *rc, char (*msg)[768],
                         char *got)
{
    size_t at = 0;
    while (at < len) {
        uint64_t head[2];
        if (len - at < sizeof head)
            break;
        memcpy(head, buf + at, sizeof head);
        at += sizeof head;
        size_t p = (size_t)head[0];
        if (head[0] >= s->n)
            break;
        rc[p] = (int)(int64_t)head[1];
        if (rc[p] != FDR_OK) {
            const char *text;
            if (!get_str(buf, len, &at, &text))
                break;
            snprintf(msg[p], sizeof msg[p], "%s", text ? text : "");
            continue;
        }
        fdr_sweep_point *q = &s->pts[p];
        if (len - at < sizeof *q)
            break;
        memcpy(q, buf + at, sizeof *q);
        at += sizeof *q;
        size_t k = 0;
        for (; k < q->ngrade && k < FDR_SWEEP_NGRADE; k++)
            if (!get_str(buf, len, &at, &q->grade[k].name) ||
                !get_str(buf, len, &at, &q->grade[k].what) ||
                !get_str(buf, len, &at, &q->grade[k].why_not))
                break;
        if (k < q->ngrade)
            break;
        if (got)
            got[p] = 1;
    }
    return at == len ? FDR_OK
                     : fdr_error(FDR_EFAIL, "the sweep's points from the other ranks arrived "
                                            "malformed (at byte %zu of %zu)", at, len);
}

/* Brings the points the other ranks ran to rank 0 (their records into s,
 * their statuses into rc and msg). Every rank takes part; a failure on
 * one is every rank's status. */
static int collect_points(const fdr_dist *d, fdr_sweep *s, const size_t *todo, size_t mine,
                          int *rc, char (*msg)[768])
{
    size_t ranks = (size_t)d->size;
    uint64_t *size = fdr_malloc(ranks * sizeof *size);
    size_t *len = fdr_malloc(ranks * sizeof *len);
    char *send = NULL;
    uint64_t own = d->rank == 0 ? 0 : pack_points(s, todo, mine, rc, msg, NULL);
    int status = size && len ? FDR_OK : FDR_ENOMEM;
    if (status == FDR_OK && own && !(send = fdr_malloc((size_t)own)))
        status = FDR_ENOMEM;
    if (status == FDR_OK && own)
        pack_points(s, todo, mine, rc, msg, send);
    status = fdr_dist_agree(d, status);
    if (status == FDR_OK)
        status = fdr_dist_each(d, &own, sizeof own, size);
    size_t total = 0;
    for (size_t k = 0; status == FDR_OK && k < ranks; k++)
        total += (len[k] = (size_t)size[k]);
    if (status == FDR_OK && d->rank == 0 && total && !(s->remote = fdr_malloc(total)))
        status = FDR_ENOMEM;
    status = fdr_dist_agree(d, status);
    if (status == FDR_OK)
        status = d->gather(d->ctx, send, len, s->remote, 0);
    status = fdr_dist_agree(d, status);
    if (status == FDR_OK && d->rank == 0)
        status = unpack_points(s, s->remote, total, rc, msg, NULL);
    free(size);
    free(len);
    free(send);
    return status;
}

/* The sweep's identity in a checkpoint: the model's settings as resolved
 * (with the spec's overrides), and the grid. */
static uint64_t sweep_hash(const fdr_sweep_spec *spec, const fdr_sweep *s)
{
    uint64_t h = fdr_checkpoint_model_hash(s->cfg, s->m), n = spec->n;
    h = fdr_checkpoint_hash(h, &n, sizeof n);
    h = fdr_checkpoint_hash(h, spec->lr, spec->n * sizeof *spec->lr);
    for (size_t k = 0; k < spec->naxes; k++) {
        const fdr_sweep_axis *a = &spec->axes[k];
        h = fdr_checkpoint_hash(h, a->key, strlen(a->key) + 1);
        for (size_t i = 0; i < a->n; i++)
            h = fdr_checkpoint_hash(h, a->values[i], strlen(a->values[i]) + 1);
    }
    return h;
}

/* Hands save the points done (fin), packed. */
static int save_points(const fdr_sweep_spec *spec, const fdr_sweep *s, const char *fin,
                       const int *rc, char (*msg)[768], uint64_t hash)
{
    size_t *list = fdr_malloc((s->n ? s->n : 1) * sizeof *list), k = 0;
    if (!list)
        return FDR_ENOMEM;
    for (size_t p = 0; p < s->n; p++)
        if (fin[p])
            list[k++] = p;
    size_t len = pack_points(s, list, k, rc, msg, NULL);
    char *buf = fdr_malloc(len ? len : 1);
    int status = buf ? FDR_OK : FDR_ENOMEM;
    if (status == FDR_OK) {
        pack_points(s, list, k, rc, msg, buf);
        status = spec->save(spec->save_ctx, hash, buf, len);
    }
    free(buf);
    free(list);
    return status;
}

/* Takes the points an earlier sitting did (spec->done) into s, marking
 * them in fin. */
static int resume_points(const fdr_sweep_spec *spec, fdr_sweep *s, uint64_t hash, int *rc,
                         char (*msg)[768], char *fin)
{
    if (!spec->done)
        return FDR_OK;
    if (spec->done_hash != hash)
        return fdr_error(FDR_EINVAL, "%s: the sweep has changed since its checkpoint was "
                                     "written (the model file, its overrides or the grid): "
                                     "resume refused; start afresh with 'fdrsim sweep'",
                         spec->done_source ? spec->done_source : "the points done");
    if (!(s->resumed = fdr_malloc(spec->done_len ? spec->done_len : 1)))
        return FDR_ENOMEM;
    memcpy(s->resumed, spec->done, spec->done_len);
    int status = unpack_points(s, s->resumed, spec->done_len, rc, msg, fin);
    for (size_t p = 0; status == FDR_OK && p < s->n; p++) {
        if (fin[p] && rc[p] != FDR_OK)
            status = fdr_error(FDR_EINVAL, "%s: holds a point that failed",
                               spec->done_source ? spec->done_source : "the points done");
        s->n_resumed += fin[p] != 0;
    }
    return status;
}

/* Runs this rank's points (all of them without a job) but those an
 * earlier sitting did, in parallel over them, saving the points done as
 * spec asks, and brings every point to rank 0, which reports the first
 * failing point in grid order; every rank returns that status. */
static int run_points(const fdr_sweep_spec *spec, fdr_sweep *s, point_work *w)
{
    const fdr_dist *d = spec->dist && spec->dist->size > 1 ? spec->dist : NULL;
    size_t n = s->n, done = 0, mine = 0;
    int *rc = fdr_calloc(n, sizeof *rc), *owner = fdr_calloc(n, sizeof *owner);
    size_t *todo = fdr_malloc(n * sizeof *todo);
    char (*msg)[768] = fdr_calloc(n, sizeof *msg), *fin = fdr_calloc(n, 1);
    uint64_t hash = sweep_hash(spec, s);
    int status = rc && owner && todo && msg && fin ? FDR_OK : FDR_ENOMEM;
    if (status == FDR_OK && d && (spec->save || spec->done))
        status = fdr_error(FDR_EINVAL, "a sweep is not checkpointed or resumed in an MPI job of "
                                       "more than one rank yet: run it with one rank");
    if (status == FDR_OK)
        status = resume_points(spec, s, hash, rc, msg, fin);
    /* a checkpoint that cannot be written fails now, not hours in */
    if (status == FDR_OK && spec->save)
        status = save_points(spec, s, fin, rc, msg, hash);
    if (status == FDR_OK)
        status = assign_points(d, s, w, owner);
#ifdef _OPENMP
    int nt = spec->threads > 0 ? spec->threads : omp_get_max_threads();
    if (status == FDR_OK)
        status = fdr_blas_reserve(nt);
#endif
    status = fdr_dist_agree(d, status);
    for (size_t p = 0; status == FDR_OK && p < n; p++)
        if (owner[p] == (d ? d->rank : 0) && !fin[p])
            todo[mine++] = p;
    struct timespec t0, t1, last;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    last = t0;
    int save_rc = FDR_OK;
    char save_msg[768] = "";
    if (status != FDR_OK)
        mine = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#endif
    for (size_t i = 0; i < mine; i++) {
        size_t p = todo[i];
        fdr_error_clear();
        rc[p] = spec->stop && *spec->stop ? STOPPED : run_one(s, w, p, spec->stop);
        if (rc[p] != FDR_OK && rc[p] != STOPPED)
            snprintf(msg[p], sizeof msg[p], "%s", fdr_error_message());
#ifdef _OPENMP
#pragma omp critical(fdr_sweep_progress)
#endif
        {
            fin[p] = rc[p] == FDR_OK;
            if (rc[p] != STOPPED && spec->progress)
                spec->progress(spec->progress_ctx, ++done, mine);
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double since = (double)(now.tv_sec - last.tv_sec) +
                           1e-9 * (double)(now.tv_nsec - last.tv_nsec);
            if (fin[p] && spec->save && save_rc == FDR_OK && since >= spec->every) {
                fdr_error_clear();
                if ((save_rc = save_points(spec, s, fin, rc, msg, hash)) != FDR_OK)
                    snprintf(save_msg, sizeof save_msg, "%s", fdr_error_message());
                last = now;
            }
        }
    }
    /* a stop that came once every point was done lets the sweep finish */
    size_t nfin = 0;
    for (size_t p = 0; p < n && fin; p++)
        nfin += fin[p] != 0;
    int stopped = status == FDR_OK && spec->stop && *spec->stop && nfin < n;
    if (status == FDR_OK && save_rc != FDR_OK) {
        status = fdr_error(save_rc, "%s", save_msg[0] ? save_msg : "the checkpoint failed");
    } else if (stopped && spec->save) {
        status = save_points(spec, s, fin, rc, msg, hash);
    }
    if (status == FDR_OK)
        fdr_error_clear();
    if (status == FDR_OK && d)
        status = collect_points(d, s, todo, mine, rc, msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (status == FDR_OK && (!d || d->rank == 0)) {
        fdr_error_clear();
        for (size_t p = 0; p < n && status == FDR_OK; p++)
            if (rc[p] != FDR_OK && rc[p] != STOPPED) {
                char lab[512];
                point_label(s, p, w->models[p]->lr, lab, sizeof lab);
                status = fdr_error(rc[p], "%s: %s", lab, msg[p][0] ? msg[p] : "failed");
            }
    }
    if (status == FDR_OK && stopped)
        status = fdr_error(FDR_EIO, "stopped with %zu of %zu points done", nfin, n);
    free(rc);
    free(owner);
    free(todo);
    free(msg);
    free(fin);
    return fdr_dist_agree(d, status);
}

/* Off the learning rate: refuses point p (model m, references lim) when,
 * on a quadratic, its learning rate has no stationary state (the engine
 * would only find out by diverging). */
static int check_point(const fdr_sweep *s, size_t p, const fdr_model *m, const fdr_limits *lim)
{
    if (!m->land->H || !lim->harmonic)
        return FDR_OK;
    const fdr_optim_params op = fdr_model_optim_params(m);
    double top = fdr_lyap_max_stable_lr(lim->w, m->opt, &op);
    if (m->lr < top)
        return FDR_OK;
    char lr[32], max[32];
    fdr_format_distinct(m->lr, top, lr, max, sizeof lr);
    fdr_error(FDR_EUNSTABLE,
              "%s: [optimizer] lr: %s makes the exact dynamics unstable (no stationary state); "
              "the largest stable learning rate at these settings (momentum %g, dampening %g) "
              "is %s",
              m->source, lr, m->momentum, m->dampening, max);
    return at_point(s, p, m->lr, FDR_EUNSTABLE);
}

/* Builds the models of every point and their references, one after the
 * other: parts of their construction switch GSL's global error handler.
 * Along the learning rate, a line's references come from its first point;
 * off it each point's are its own, whose workspace is freed once the
 * point's harmonic values are known (nothing after needs it). */
static int prepare_points(const fdr_sweep_spec *spec, fdr_sweep *s, point_work *w)
{
    int rc = FDR_OK;
    for (size_t p = 0; rc == FDR_OK && p < s->n; p++) {
        fdr_sweep_point *q = &s->pts[p];
        fdr_sweep_line *L = &s->lines[q->line];
        double lr = s->lr_axis ? spec->lr[q->at[0]] : s->m->lr;
        if (!(w->models[p] = point_model(spec, s, p)))
            return at_point(s, p, lr, fdr_error_status() == FDR_OK ? FDR_EINVAL
                                                                   : fdr_error_status());
        fdr_model *m = w->models[p];
        fdr_limits *lim = s->lr_axis ? &L->lim : &w->plim[p];
        if (p == L->first) {
            L->momentum = m->momentum;
            L->dampening = m->dampening;
        }
        if (!s->lr_axis || p == L->first)
            rc = fdr_limits_compute(m, lim);
        if (rc == FDR_OK && s->lr_axis && p == L->first)
            rc = check_line(spec, L, m);
        if (rc == FDR_OK && !s->lr_axis)
            rc = check_point(s, p, m, lim);
        if (rc == FDR_OK)
            fdr_harmonic_at(lim, m->lr, &w->hv[p]);
        if (!s->lr_axis) {
            fdr_lyap_free(lim->w);
            lim->w = NULL;
        }
    }
    return rc;
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
        rc = make_grid(spec, s);
    point_work w = {0};
    if (rc == FDR_OK) {
        w.models = fdr_calloc(s->n, sizeof *w.models);
        w.hv = fdr_calloc(s->n, sizeof *w.hv);
        w.plim = s->lr_axis ? NULL : fdr_calloc(s->n, sizeof *w.plim);
        if (!w.models || !w.hv || (!s->lr_axis && !w.plim))
            rc = FDR_ENOMEM;
    }
    if (rc == FDR_OK)
        rc = prepare_points(spec, s, &w);
    /* every rank prepares every point (the same checks, the same messages);
     * a failure only some ranks met must not leave the others waiting */
    rc = fdr_dist_agree(spec->dist, rc);
    if (rc == FDR_OK)
        rc = run_points(spec, s, &w);
    /* in a parallel job only rank 0 holds every point */
    int root = !spec->dist || spec->dist->rank == 0;
    for (size_t l = 0; rc == FDR_OK && root && s->lr_axis && l < s->nlines; l++) {
        fdr_sweep_line *L = &s->lines[l];
        fdr_point *pts = fdr_malloc(L->n * sizeof *pts);
        if (!pts) {
            rc = FDR_ENOMEM;
            break;
        }
        for (size_t i = 0; i < L->n; i++)
            pts[i] = s->pts[L->first + i].pt;
        rc = fdr_sweep_fit_compute(pts, L->n, &L->lim, &L->fit);
        free(pts);
        if (rc == FDR_OK) {
            L->fit_done = 1;
            make_curve(L, spec->lr[spec->n - 1]);
        } else if (L->label[0]) {
            rc = prefixed(L->label, rc);
        }
    }
    for (size_t p = 0; w.models && p < s->n; p++) {
        fdr_model_free(w.models[p]);
        if (w.plim)
            fdr_limits_clear(&w.plim[p]);
    }
    free(w.models);
    free(w.hv);
    free(w.plim);
    if (rc != FDR_OK || !root) {
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

/* The estimators: estimate, exact eta -> 0 value, bias and z, within 100
 * columns (17 + 7 + 23 + 23 + 9 + 6); the exact expectation at the rates
 * used, and its z, in a table of their own where there are any. */
static void estimator_table(FILE *f, const fdr_sweep_fit *fit)
{
    size_t nfinite = 0;
    fprintf(f, "\n%-17s %-7s %-23s %-23s %9s %6s\n", "estimator", "lr", "estimate", "exact",
            "bias", "z");
    for (size_t i = 0; i < fit->nest; i++) {
        const fdr_estimator *e = &fit->est[i];
        char lr[24], est[48], ex[48], bias[24], z[16];
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
        nfinite += !isnan(e->exact_finite);
        fdr_print_wrapped(f, 18, "%-17s %-7s %-23s %-23s %9s %6s\n", e->name, lr, est, ex, bias,
                          z);
    }
    if (nfinite) {
        fprintf(f, "\n%-17s %-7s %-23s %6s\n", "estimator", "lr", "exact (lr)", "z (lr)");
        for (size_t i = 0; i < fit->nest; i++) {
            const fdr_estimator *e = &fit->est[i];
            char lr[24], exf[24], zf[16];
            if (isnan(e->exact_finite))
                continue;
            if (isnan(e->lr))
                snprintf(lr, sizeof lr, "fit");
            else
                snprintf(lr, sizeof lr, "%.4g", e->lr);
            fmt_num(exf, sizeof exf, "%.6g", e->exact_finite);
            fmt_num(zf, sizeof zf, "%.2f", e->z_finite);
            fprintf(f, "%-17s %-7s %-23s %6s\n", e->name, lr, exf, zf);
        }
    }
    for (size_t i = 0; i < fit->nest; i++) {
        const fdr_estimator *e = &fit->est[i];
        if ((!isnan(e->bias) && isnan(e->z)) || (!isnan(e->bias_finite) && isnan(e->z_finite))) {
            fdr_print_wrapped(f, 1,
                              "(a z of '-' next to a bias is unresolved: its error bar is not a "
                              "finite, positive number, so it decides nothing)\n");
            break;
        }
    }
    fdr_print_wrapped(f, 2,
                      "exact: the eta -> 0 limit (anharmonic: the Taylor terms F3 + ... from the "
                      "exact derivatives)%s\n",
                      nfinite ? ";" : ".");
    if (nfinite)
        fdr_print_wrapped(f, 2,
                          "exact (lr): the estimator's exact expectation at the learning rate(s) "
                          "used, so z (lr) is Monte Carlo noise alone and exact (lr) - exact the "
                          "estimator's own bias.\n");
}

/* The points of a line along the learning rate (G and <theta . grad f>,
 * then the anharmonic part: two tables of 100 columns), its fits and
 * estimators. */
static void lr_line_table(FILE *f, const fdr_sweep *s, const fdr_sweep_line *L)
{
    const fdr_sweep_fit *fit = &L->fit;
    fprintf(f, "%-9s %-23s %-12s %s\n", "lr", "G", "G exact", "<theta . grad f>");
    for (size_t i = 0; i < L->n; i++) {
        const fdr_point *p = &s->pts[L->first + i].pt;
        char g[48], ge[24], o[48];
        fmt_est(g, sizeof g, p->G);
        fmt_num(ge, sizeof ge, "%.6g", p->G_exact);
        fmt_est(o, sizeof o, p->theta_dot_grad);
        fprintf(f, "%-9.4g %-23s %-12s %s\n", p->lr, g, ge, o);
    }
    fprintf(f, "\n%-9s %-23s %s\n", "lr", "anharmonic G - F2/eta", "(F3 + ...)/eta");
    for (size_t i = 0; i < L->n; i++) {
        const fdr_point *p = &s->pts[L->first + i].pt;
        char a[48], t[48];
        fmt_est(a, sizeof a, p->anharmonic);
        fmt_est(t, sizeof t, p->anharmonic_terms);
        fprintf(f, "%-9.4g %-23s %s\n", p->lr, a, t);
    }
    fdr_print_wrapped(f, 2,
                      "\nfit G = a1 eta + a2 eta^2 + a3 eta^3 (weighted least squares): chi^2 = "
                      "%.3g for %ld degrees of freedom\n",
                      fit->G.chisq, fit->G.dof);
    for (int j = 0; j < 3; j++)
        fprintf(f, "  a%d = %.6g +- %.2g\n", j + 1, fit->G.c[j], fit->G.err[j]);
    if (L->lim.small)
        fdr_print_wrapped(f, 2,
                          "fit curvature = k0 + k1 eta + k2 eta^2: chi^2 = %.3g for %ld degrees "
                          "of freedom\n",
                          fit->curv.chisq, fit->curv.dof);
    else
        fdr_print_wrapped(f, 2,
                          "no curvature fit: optimizer '%s' has no small-learning-rate limits\n",
                          s->m->opt->name);
    if (fit->have_anh)
        fdr_print_wrapped(f, 2,
                          "fit G - F2/eta = b2 eta^2 + b3 eta^3: chi^2 = %.3g for %ld degrees of "
                          "freedom\n",
                          fit->anh.chisq, fit->anh.dof);
    estimator_table(f, fit);
}

/* The points of a line off the learning rate: each point's relations and
 * its graded quantities. */
static void point_line_table(FILE *f, const fdr_sweep *s, const fdr_sweep_line *L)
{
    for (size_t i = 0; i < L->n; i++) {
        const fdr_sweep_point *q = &s->pts[L->first + i];
        fdr_print_wrapped(f, 2, "\n%s = %s (lr %g, seed %llu)\n", s->axes[0].key,
                          s->axes[0].values[q->at[0]], q->pt.lr,
                          (unsigned long long)q->pt.seed);
        fprintf(f, "  %-14s %-23s %-23s %7s  %s\n", "relation", "lhs", "rhs", "z", "verdict");
        for (size_t k = 0; k < q->nrel; k++) {
            const fdr_relation *r = &q->rel[k];
            char l[48], rh[48], z[16];
            fmt_est(l, sizeof l, r->lhs);
            fmt_est(rh, sizeof rh, r->rhs);
            fmt_num(z, sizeof z, "%.2f", r->z);
            fdr_print_wrapped(f, 17, "  %-14s %-23s %-23s %7s  %s%s\n", r->name, l, rh, z,
                              fdr_verdict_name(r->verdict), r->identity ? "" : " (approximation)");
        }
        fprintf(f, "  %-22s %-23s %-22s %7s\n", "quantity", "estimate", "exact", "z");
        for (size_t k = 0; k < q->ngrade; k++) {
            const fdr_sweep_grade *g = &q->grade[k];
            char e[48], x[24], z[16];
            fmt_est(e, sizeof e, g->est);
            if (g->why_not) {
                fdr_print_wrapped(f, 4, "  %-22s %-23s not available: %s\n", g->name, e,
                                  g->why_not);
                continue;
            }
            fmt_num(x, sizeof x, "%.6g", g->exact);
            fmt_num(z, sizeof z, "%.2f", g->z);
            fprintf(f, "  %-22s %-23s %-22s %7s\n", g->name, e, x, z);
        }
    }
}

void fdr_sweep_table(FILE *f, const fdr_sweep *s)
{
    const fdr_model *m = s->m;
    char axes[1024];
    size_t len = 0;
    for (size_t k = 0; k < s->naxes && len < sizeof axes; k++)
        len += (size_t)snprintf(axes + len, sizeof axes - len, "%s%s (%zu values)",
                                k ? " x " : "", s->axes[k].key, s->axes[k].n);
    fdr_print_wrapped(f, 2, "fdrsim %s sweep  model %s  (%s, d = %zu; %s noise)\n",
                      PACKAGE_VERSION, m->name, m->land->type->name, m->land->dim,
                      m->noise->type->name);
    fdr_print_wrapped(f, 2, "optimizer %s, momentum %g, dampening %g\n", m->opt->name,
                      m->momentum, m->dampening);
    fdr_print_wrapped(f, 2, "%zu points: %s; %.2f s\n", s->n, axes, s->seconds);
    fdr_print_wrapped(f, 2, "each %ld replicas x %ld steps, seed %llu + p x %u\n", m->replicas,
                      m->steps, (unsigned long long)s->seed, FDR_SWEEP_SEED_STRIDE);
    if (!s->lr_axis)
        fdr_print_wrapped(f, 2,
                          "learning rate %g (not swept): the G(eta) fit and the eta -> 0 "
                          "estimators are not available;\nevery point is graded against its "
                          "exact values where they exist\n",
                          m->lr);
    fdr_print_wrapped(f, 2,
                      "G(eta) = (1 - nu) <|grad f|^2> - (mu / eta) <v . grad f>; errors 1 "
                      "sigma;\nreference: %s\n",
                      reference_kind(&s->lim));
    if (m->noise->caveat)
        fdr_print_wrapped(f, 2, "note: %s\n", m->noise->caveat);
    for (size_t l = 0; l < s->nlines; l++) {
        const fdr_sweep_line *L = &s->lines[l];
        if (L->label[0])
            fdr_print_wrapped(f, 3, "\n== line %zu of %zu: %s (momentum %g, dampening %g)\n",
                              l + 1, s->nlines, L->label, L->momentum, L->dampening);
        fputc('\n', f);
        if (s->lr_axis)
            lr_line_table(f, s, L);
        else
            point_line_table(f, s, L);
    }
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

/* The curve column ("exact", "harmonic approximation", "none") for lim. */
static const char *curve_kind(const fdr_limits *lim)
{
    return lim->exact ? "exact" : lim->harmonic ? "harmonic approximation" : "none";
}

/* The Hessian factor 1 / k_G of the optimizer's small-lr limits (nan without them). */
static double hessian_factor(const fdr_limits *lim)
{
    return lim->small ? 1 / lim->k.k_G : NAN;
}

/* One row of a point in sweep.dat. */
static void dat_point(FILE *f, const fdr_sweep_point *q)
{
    const fdr_point *p = &q->pt;
    fprintf(f, "%.17g", q->x);
    col(f, p->lr);
    double v[] = {p->G.val, p->G.err, p->G_exact, p->G_harmonic, p->theta_dot_grad.val,
                  p->theta_dot_grad.err, p->theta_dot_grad_exact, p->loss_excess.val,
                  p->loss_excess.err, p->loss_excess_exact};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        col(f, q->measured ? v[k] : NAN);
    for (int k = 2; k <= 4; k++) {
        int have = q->measured && k <= p->order;
        col(f, have ? p->F[k].val : NAN);
        col(f, have ? p->F[k].err : NAN);
        col(f, have ? p->F_exact[k] : NAN);
    }
    double u[] = {p->anharmonic.val, p->anharmonic_terms.val, p->hessian.val, p->curvature.val};
    double ue[] = {p->anharmonic.err, p->anharmonic_terms.err, p->hessian.err,
                   p->curvature.err};
    double ux[] = {NAN, NAN, p->hessian_exact, p->curvature_exact};
    for (size_t k = 0; k < 4; k++) {
        col(f, q->measured ? u[k] : NAN);
        col(f, q->measured ? ue[k] : NAN);
        if (k >= 2)
            col(f, q->measured ? ux[k] : NAN);
    }
    const fdr_relation *fdr1 = q->nrel > FDR_REL_FDR1 ? &q->rel[FDR_REL_FDR1] : NULL;
    col(f, fdr1 ? fdr1->z : NAN);
    fputc('\n', f);
}

/* sweep.dat: per line, index 2L one row per point, index 2L + 1 the curves
 * of the figure. */
static int write_dat(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    header(f, w, "G(eta) and the estimators over the grid, with the fits (errors 1 sigma; "
                 "nan: unknown)");
    fprintf(f, "# G(eta) = (1 - nu) <|grad f|^2> - (mu / eta) <v . grad f>; x axis %s%s\n",
            s->axes[0].key, s->x_numeric ? "" : " (not numbers: x is the value's index)");
    for (size_t l = 0; l < s->nlines; l++) {
        const fdr_sweep_line *L = &s->lines[l];
        const fdr_sweep_fit *fit = &L->fit;
        if (l)
            fprintf(f, "\n\n");
        fprintf(f, "# line %zu of %zu: %s; momentum %.17g, dampening %.17g\n", l + 1, s->nlines,
                L->label[0] ? L->label : "(one line)", L->momentum, L->dampening);
        if (L->fit_done)
            fprintf(f, "# curve: %s; a1 = %.17g +- %.17g (fit); exact eta -> 0 limit %.17g; "
                       "hessian factor %.17g\n",
                    curve_kind(&L->lim), fit->G.c[0], fit->G.err[0], fit->a1_exact,
                    hessian_factor(&L->lim));
        fprintf(f, "# index %zu, one row per point:\n", 2 * l);
        fprintf(f, "# x lr G G_err G_exact G_harmonic theta_dot_grad theta_dot_grad_err "
                   "theta_dot_grad_exact loss_excess loss_excess_err loss_excess_exact F2 F2_err "
                   "F2_exact F3 F3_err F3_exact F4 F4_err F4_exact anharmonic anharmonic_err "
                   "anharmonic_terms anharmonic_terms_err hessian hessian_err hessian_exact "
                   "curvature curvature_err curvature_exact fdr1_z\n");
        for (size_t i = 0; i < L->n; i++)
            dat_point(f, &s->pts[L->first + i]);
        fprintf(f, "\n\n# index %zu, curves: x G_fit a1_lr a1_exact_lr G_curve hessian_fit "
                   "hessian_curve%s\n",
                2 * l + 1,
                L->fit_done ? "" : " (off the learning rate: the exact values at the points)");
        if (!L->fit_done) {
            for (size_t i = 0; i < L->n; i++) {
                const fdr_sweep_point *q = &s->pts[L->first + i];
                fprintf(f, "%.17g", q->x);
                col(f, NAN);
                col(f, NAN);
                col(f, NAN);
                col(f, q->measured ? q->pt.G_exact : NAN);
                col(f, NAN);
                col(f, q->measured ? q->pt.hessian_exact : NAN);
                fputc('\n', f);
            }
            continue;
        }
        double kh = hessian_factor(&L->lim);
        for (int k = 0; k < FDR_SWEEP_CURVE; k++) {
            double lr = L->curve_lr[k];
            double gfit = lr * (fit->G.c[0] + lr * (fit->G.c[1] + lr * fit->G.c[2]));
            fprintf(f, "%.17g", lr);
            col(f, gfit);
            col(f, fit->G.c[0] * lr);
            col(f, fit->a1_exact * lr);
            col(f, L->curve_G[k]);
            col(f, k ? kh * gfit / lr : kh * fit->G.c[0]);
            col(f, k ? kh * L->curve_G[k] / lr : kh * fit->a1_exact);
            fputc('\n', f);
        }
    }
    return FDR_OK;
}

/* meta.gp: what sweep.gp needs besides the columns of sweep.dat (README.md,
 * "Output"); the per-line values are arrays indexed by line (1-based). */
static int write_meta(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    size_t nl = s->nlines;
    char seed[32];
    double *a1 = fdr_calloc(4 * nl, sizeof *a1);
    const char **titles = fdr_calloc(nl, sizeof *titles);
    if (!a1 || !titles) {
        free(a1);
        free(titles);
        return FDR_ENOMEM;
    }
    double *a1_err = a1 + nl, *a1_exact = a1 + 2 * nl, *trhc = a1 + 3 * nl;
    fprintf(f, "# fdrsim %s: the values of sweep.gp (gnuplot: load 'meta.gp')\n",
            PACKAGE_VERSION);
    fdr_gp_str(f, "model", s->m->name);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed); /* beyond 2^63 */
    fdr_gp_str(f, "seed", seed);
    fdr_gp_str(f, "curve", curve_kind(&s->lim));
    fdr_gp_str(f, "xkey", s->axes[0].key);
    fdr_gp_int(f, "x_is_lr", s->lr_axis);
    fdr_gp_int(f, "x_numeric", s->x_numeric);
    fdr_gp_int(f, "nlines", (long long)nl);
    for (size_t l = 0; l < nl; l++) {
        const fdr_sweep_line *L = &s->lines[l];
        titles[l] = L->label;
        a1[l] = L->fit_done ? L->fit.G.c[0] : NAN;
        a1_err[l] = L->fit_done ? L->fit.G.err[0] : NAN;
        a1_exact[l] = L->fit_done ? L->fit.a1_exact : NAN;
        trhc[l] = L->fit_done ? fdr_limit_hessian(&L->lim) : NAN;
    }
    fdr_gp_strings(f, "titles", titles, nl);
    fdr_gp_strings(f, "xvalues", (const char *const *)s->axes[0].values, s->axes[0].n);
    fdr_gp_array(f, "a1", a1, nl);
    fdr_gp_array(f, "a1_err", a1_err, nl);
    fdr_gp_array(f, "a1_exact", a1_exact, nl);
    fdr_gp_array(f, "trhc", trhc, nl);
    /* the points, those with a finite anharmonic part, the x range and the
     * anharmonic part at the largest x that has one (the bottom panel's key
     * goes where the data are not) */
    size_t nanh = 0;
    double xmin = INFINITY, xmax = -INFINITY, xanh = -INFINITY, anhlast = 0;
    for (size_t i = 0; i < s->n; i++) {
        const fdr_sweep_point *q = &s->pts[i];
        xmin = fmin(xmin, q->x);
        xmax = fmax(xmax, q->x);
        if (q->measured && isfinite(q->pt.anharmonic.val)) {
            nanh++;
            if (q->x > xanh) {
                xanh = q->x;
                anhlast = q->pt.anharmonic.val;
            }
        }
    }
    fdr_gp_int(f, "npts", (long long)s->n);
    fdr_gp_int(f, "nanh", (long long)nanh);
    fdr_gp_num(f, "xmin", s->n ? xmin : 0);
    fdr_gp_num(f, "xmax", s->n ? xmax : 0);
    fdr_gp_num(f, "anhlast", anhlast);
    free(a1);
    free(titles);
    return FDR_OK;
}

/* estimators.dat: one row per graded estimator (per line along lr) or
 * graded quantity (per point off it). */
static int write_estimators(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    header(f, w, "estimators graded against exact values (errors 1 sigma; nan: unknown)");
    fprintf(f, "# line: 1-based, as in sweep.dat; x: the point's value of %s (nan for fitted "
               "eta -> 0 estimators).\n# lr: nan for fitted estimators. exact: the value or "
               "eta -> 0 limit; exact_err > 0 when it is\n# itself a Monte Carlo estimate (the "
               "anharmonic Taylor terms). exact_finite: the estimator's exact\n# expectation at "
               "the learning rate(s) used; z_finite = (estimate - exact_finite) / error.\n"
               "# Off the learning rate the exact value is the one at the point (exact = "
               "exact_finite); nan: not available.\n",
            s->axes[0].key);
    fprintf(f, "# line x name lr estimate error exact exact_err bias bias_err z exact_finite "
               "bias_finite z_finite\n");
    for (size_t l = 0; l < s->nlines; l++) {
        const fdr_sweep_line *L = &s->lines[l];
        for (size_t i = 0; L->fit_done && i < L->fit.nest; i++) {
            const fdr_estimator *e = &L->fit.est[i];
            fprintf(f, "%zu %.17g %s", l + 1, isnan(e->lr) ? NAN : e->lr, e->name);
            double v[] = {e->lr,       e->est.val, e->est.err, e->exact,
                          e->exact_err, e->bias,   e->bias_err, e->z,
                          e->exact_finite, e->bias_finite, e->z_finite};
            for (size_t k = 0; k < sizeof v / sizeof *v; k++)
                col(f, v[k]);
            fputc('\n', f);
        }
        for (size_t i = 0; !L->fit_done && i < L->n; i++) {
            const fdr_sweep_point *q = &s->pts[L->first + i];
            for (size_t k = 0; k < q->ngrade; k++) {
                const fdr_sweep_grade *g = &q->grade[k];
                double bias = g->est.val - g->exact;
                fprintf(f, "%zu %.17g %s", l + 1, q->x, g->name);
                double v[] = {q->pt.lr, g->est.val, g->est.err, g->exact, 0,    bias,
                              g->est.err, g->z,     g->exact,   bias,     g->z};
                for (size_t j = 0; j < sizeof v / sizeof *v; j++)
                    col(f, v[j]);
                fputc('\n', f);
            }
        }
    }
    return FDR_OK;
}


/* Sets name on o to the estimate e with its exact value x. */
static void put_est(json_t *o, const char *name, fdr_est e, double x)
{
    json_object_set_new(o, name, fdr_json_est(e, x));
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

/* The values of point q on every axis but the learning rate, as written. */
static json_t *settings_json(const fdr_sweep *s, const fdr_sweep_point *q)
{
    json_t *o = json_object();
    for (size_t k = s->lr_axis; k < s->naxes; k++)
        json_object_set_new(o, s->axes[k].key, json_string(s->axes[k].values[q->at[k]]));
    return o;
}

/* One graded quantity of a point off the learning rate. */
static json_t *grade_json(const fdr_sweep_grade *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "definition", json_string(g->what));
    json_object_set_new(o, "estimate", fdr_json_est(g->est, g->exact));
    json_object_set_new(o, "z", fdr_json_number(g->z));
    json_object_set_new(o, "not_available", g->why_not ? json_string(g->why_not) : json_null());
    return o;
}

/* One point: every estimate K as {value, error, exact} (fdr_json_est); then
 * its place on the grid, its relations and (off the learning rate) its
 * graded quantities. */
static json_t *point_json(const fdr_sweep *s, const fdr_sweep_point *q)
{
    const fdr_point *p = &q->pt;
    json_t *o = json_object();
    json_object_set_new(o, "lr", json_real(p->lr));
    json_object_set_new(o, "seed", json_integer((json_int_t)p->seed));
    json_object_set_new(o, "line", json_integer((json_int_t)q->line));
    json_object_set_new(o, "settings", settings_json(s, q));
    if (q->measured) {
        put_est(o, "G", p->G, p->G_exact);
        json_object_set_new(o, "G_harmonic", fdr_json_number(p->G_harmonic));
        put_est(o, "theta_dot_grad", p->theta_dot_grad, p->theta_dot_grad_exact);
        put_est(o, "loss_excess", p->loss_excess, p->loss_excess_exact);
        for (int k = 2; k <= p->order; k++) {
            char name[8];
            snprintf(name, sizeof name, "F%d", k);
            put_est(o, name, p->F[k], p->F_exact[k]);
        }
        if (p->order) {
            put_est(o, "anharmonic", p->anharmonic, NAN);
            put_est(o, "anharmonic_terms", p->anharmonic_terms, NAN);
            put_est(o, "anharmonic_diff", p->anharmonic_diff, NAN);
        }
        put_est(o, "hessian", p->hessian, p->hessian_exact);
        put_est(o, "curvature", p->curvature, p->curvature_exact);
    }
    json_t *rel = json_array();
    for (size_t k = 0; k < q->nrel; k++)
        json_array_append_new(rel, fdr_json_relation(&q->rel[k]));
    json_object_set_new(o, "relations", rel);
    if (!s->lr_axis) {
        json_t *g = json_array();
        for (size_t k = 0; k < q->ngrade; k++)
            json_array_append_new(g, grade_json(&q->grade[k]));
        json_object_set_new(o, "graded", g);
    }
    return o;
}

/* The fits, estimates like the points, with the covariance of a1, a2, a3;
 * a1_exact_finite and curvature_exact_finite are the exact values passed
 * through the same weighted fit, so they depend on the simulated error bars
 * (and so on the seed and the run length). */
static json_t *fit_json(const fdr_sweep_fit *fit)
{
    json_t *o = json_object(), *cov = json_array();
    for (size_t j = 0; j < 3; j++) {
        char name[8];
        snprintf(name, sizeof name, "a%zu", j + 1);
        put_est(o, name, (fdr_est){fit->G.c[j], fit->G.err[j]}, j == 0 ? fit->a1_exact : NAN);
        json_t *row = json_array();
        for (size_t k = 0; k < 3; k++)
            json_array_append_new(row, fdr_json_number(fit->G.cov[j][k]));
        json_array_append_new(cov, row);
    }
    json_object_set_new(o, "a1_exact_finite", fdr_json_number(fit->a1_exact_finite));
    json_object_set_new(o, "cov", cov);
    json_object_set_new(o, "chisq", fdr_json_number(fit->G.chisq));
    json_object_set_new(o, "dof", json_integer(fit->G.dof));
    put_est(o, "curvature", (fdr_est){fit->curv.c[0], fit->curv.err[0]}, fit->curvature_exact);
    json_object_set_new(o, "curvature_exact_finite", fdr_json_number(fit->curvature_exact_finite));
    put_est(o, "curvature_k1", (fdr_est){fit->curv.c[1], fit->curv.err[1]}, NAN);
    put_est(o, "curvature_k2", (fdr_est){fit->curv.c[2], fit->curv.err[2]}, NAN);
    json_object_set_new(o, "curvature_chisq", fdr_json_number(fit->curv.chisq));
    if (fit->have_anh) {
        for (size_t j = 0; j < 2; j++) {
            char name[24];
            snprintf(name, sizeof name, "b%zu", j + 2);
            put_est(o, name, (fdr_est){fit->anh.c[j], fit->anh.err[j]}, NAN);
            snprintf(name, sizeof name, "b%zu_terms", j + 2);
            put_est(o, name, fit->b_terms[j], NAN);
            snprintf(name, sizeof name, "b%zu_diff", j + 2);
            put_est(o, name, fit->b_diff[j], NAN);
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
    json_object_set_new(o, "estimate", fdr_json_est(e->est, e->exact));
    json_object_set_new(o, "exact_error", fdr_json_number(e->exact_err));
    json_object_set_new(o, "bias", fdr_json_est((fdr_est){e->bias, e->bias_err}, NAN));
    json_object_set_new(o, "z", fdr_json_number(e->z));
    json_object_set_new(o, "exact_finite", fdr_json_number(e->exact_finite));
    json_object_set_new(o, "bias_finite", fdr_json_number(e->bias_finite));
    json_object_set_new(o, "z_finite", fdr_json_number(e->z_finite));
    return o;
}

/* One line: its settings and, along the learning rate, its fit and graded
 * estimators (null with the reason off it). */
static json_t *line_json(const fdr_sweep *s, const fdr_sweep_line *L)
{
    json_t *o = json_object(), *est = json_array();
    json_object_set_new(o, "label", json_string(L->label));
    json_object_set_new(o, "settings", settings_json(s, &s->pts[L->first]));
    json_object_set_new(o, "first_point", json_integer((json_int_t)L->first));
    json_object_set_new(o, "points", json_integer((json_int_t)L->n));
    json_object_set_new(o, "momentum", json_real(L->momentum));
    json_object_set_new(o, "dampening", json_real(L->dampening));
    json_object_set_new(o, "fit", L->fit_done ? fit_json(&L->fit) : json_null());
    json_object_set_new(o, "fit_not_available",
                        L->fit_done ? json_null()
                                    : json_string("the learning rate is not swept: G(eta) and "
                                                  "its eta -> 0 estimators are fitted only "
                                                  "along lr (each point is graded in 'graded')"));
    for (size_t i = 0; L->fit_done && i < L->fit.nest; i++)
        json_array_append_new(est, estimator_json(&L->fit.est[i]));
    json_object_set_new(o, "estimators", est);
    return o;
}

/* sweep.json (schema FDR_SCHEMA_SWEEP, report.h). */
static int write_json(FILE *f, const void *ctx)
{
    const writer_ctx *w = ctx;
    const fdr_sweep *s = w->s;
    json_t *root = fdr_json_header(FDR_SCHEMA_SWEEP, w->command, s->seed);
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
    json_t *axes = json_array();
    for (size_t k = 0; k < s->naxes; k++) {
        json_t *a = json_object(), *v = json_array();
        json_object_set_new(a, "key", json_string(s->axes[k].key));
        for (size_t i = 0; i < s->axes[k].n; i++)
            json_array_append_new(v, json_string(s->axes[k].values[i]));
        json_object_set_new(a, "values", v);
        json_array_append_new(axes, a);
    }
    json_object_set_new(root, "axes", axes);
    json_object_set_new(root, "x", json_string(s->axes[0].key));
    json_t *pts = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(pts, point_json(s, &s->pts[i]));
    json_object_set_new(root, "points", pts);
    json_t *lines = json_array();
    for (size_t l = 0; l < s->nlines; l++)
        json_array_append_new(lines, line_json(s, &s->lines[l]));
    json_object_set_new(root, "lines", lines);
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
