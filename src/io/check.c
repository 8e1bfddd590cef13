/* check.c - statistical comparison of two fdrsim summaries (see check.h). */
#include "io/check.h"
#include "io/report.h"
#include "stats/analysis.h"
#include "config/cfg.h"
#include "core/fdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Settings that change a run's length or randomness but not the experiment:
 * a long baseline may be compared with a short run, or another seed. */
static const char *const free_settings[] = {"run.seed", "run.steps", "run.replicas",
                                            "run.record_every", NULL};

#define EXACT_RTOL 1e-9

/* Frees the items and zeroes c. */
void fdr_check_clear(fdr_check *c)
{
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* Appends an empty comparison called name; NULL when out of memory. */
static fdr_check_item *add_item(fdr_check *c, const char *name)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        fdr_check_item *it = realloc(c->items, cap * sizeof *it);
        if (!it)
            return NULL;
        c->items = it;
        c->cap = cap;
    }
    fdr_check_item *it = &c->items[c->n++];
    memset(it, 0, sizeof *it);
    snprintf(it->name, sizeof it->name, "%s", name);
    it->z = NAN;
    return it;
}

/* A number, or NAN for null, a missing key or another type. */
static double number(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* 1 if x is a finite, positive error bar. */
static int has_error_bar(double x)
{
    return isfinite(x) && x > 0;
}

/* An estimate with its error: a z-test (counted for the adjustment). A
 * baseline value the result lost is a regression, and so is an error bar
 * the result lost (unresolved now, as a relation's verdict can be: nothing
 * can be judged without it); a value only the result has is new. Without
 * error bars the values must agree exactly. */
static int compare_est(fdr_check *c, const char *name, double b, double eb, double r, double er)
{
    if (isnan(b))
        return FDR_OK;
    fdr_check_item *it = add_item(c, name);
    if (!it)
        return fdr_error(FDR_ENOMEM, "out of memory");
    it->base = b;
    it->base_err = eb;
    it->res = r;
    it->res_err = er;
    if (isnan(r)) {
        it->moved = 1;
        it->why = "has a value in the baseline, none in the result";
        return FDR_OK;
    }
    if (has_error_bar(eb) && !has_error_bar(er)) {
        it->moved = 1;
        it->why = "had an error bar in the baseline, none now (unresolved)";
        return FDR_OK;
    }
    double s = hypot(isnan(eb) ? 0 : eb, isnan(er) ? 0 : er);
    if (s > 0) {
        it->z = (r - b) / s;
        c->ntests++;
    } else if (fabs(r - b) > EXACT_RTOL * fmax(fabs(r), fabs(b))) {
        it->moved = 1;
        it->why = "changed, and has no error bar";
    }
    return FDR_OK;
}

/* An exact value (Lyapunov): deterministic for a given model, so any change
 * beyond rounding is a change of the exact solver. */
static int compare_exact(fdr_check *c, const char *name, double b, double r)
{
    if (isnan(b) && isnan(r))
        return FDR_OK;
    fdr_check_item *it = add_item(c, name);
    if (!it)
        return fdr_error(FDR_ENOMEM, "out of memory");
    it->base = b;
    it->res = r;
    it->base_err = it->res_err = 0;
    if (isnan(b) != isnan(r) || fabs(r - b) > EXACT_RTOL * fmax(fabs(r), fabs(b))) {
        it->moved = 1;
        it->why = "exact value changed";
    }
    return FDR_OK;
}

/* A quantity of the baseline that the result lacks: a regression. */
static int missing(fdr_check *c, const char *name)
{
    fdr_check_item *it = add_item(c, name);
    if (!it)
        return fdr_error(FDR_ENOMEM, "out of memory");
    it->base = it->res = it->base_err = it->res_err = NAN;
    it->moved = 1;
    it->why = "in the baseline, missing from the result";
    return FDR_OK;
}

/* ---- the model must be the same ------------------------------------------- */

/* 1 if sec.key is one of the settings allowed to differ (free_settings). */
static int is_free(const char *sec, const char *key)
{
    char name[256];
    snprintf(name, sizeof name, "%s.%s", sec, key);
    for (const char *const *f = free_settings; *f; f++)
        if (strcmp(*f, name) == 0)
            return 1;
    return 0;
}

/* The first setting of a that b lacks or gives another value. */
static int settings_differ(const json_t *a, const char *an, const json_t *b, const char *bn)
{
    const char *sec, *key;
    const json_t *keys, *v;
    json_object_foreach((json_t *)a, sec, keys)
    {
        json_object_foreach((json_t *)keys, key, v)
        {
            if (is_free(sec, key))
                continue;
            const json_t *w = json_object_get(json_object_get(b, sec), key);
            const char *sv = json_string_value(v), *sw = json_string_value(w);
            if (!w)
                return fdr_error(FDR_EINVAL,
                                 "different models: [%s] %s is '%s' in %s and not set in %s", sec,
                                 key, sv ? sv : "?", an, bn);
            if (!sv || !sw || strcmp(sv, sw) != 0)
                return fdr_error(FDR_EINVAL,
                                 "different models: [%s] %s is '%s' in %s and '%s' in %s", sec,
                                 key, sv ? sv : "?", an, sw ? sw : "?", bn);
        }
    }
    return FDR_OK;
}

static int same_model(const json_t *r, const char *rn, const json_t *b, const char *bn)
{
    const json_t *mr = json_object_get(r, "model"), *mb = json_object_get(b, "model");
    const json_t *lr = json_object_get(mr, "landscape"), *lb = json_object_get(mb, "landscape");
    const json_t *sr = json_object_get(mr, "settings"), *sb = json_object_get(mb, "settings");
    if (!json_is_object(sr) || !json_is_object(sb))
        return fdr_error(FDR_EINVAL, "%s: no model.settings (not written by fdrsim?)",
                         json_is_object(sr) ? bn : rn);
    const char *tr = json_string_value(json_object_get(lr, "type")),
               *tb = json_string_value(json_object_get(lb, "type"));
    if (!tr || !tb || strcmp(tr, tb) != 0)
        return fdr_error(FDR_EINVAL, "different models: landscape type '%s' in %s, '%s' in %s",
                         tr ? tr : "?", rn, tb ? tb : "?", bn);
    double dr = number(lr, "dim"), db = number(lb, "dim");
    if (!(dr == db))
        return fdr_error(FDR_EINVAL, "different models: landscape dim %g in %s, %g in %s", dr, rn,
                         db, bn);
    int rc = settings_differ(sr, rn, sb, bn);
    return rc == FDR_OK ? settings_differ(sb, bn, sr, rn) : rc;
}

/* ---- estimates ------------------------------------------------------------- */

/* 1 if o is an estimate {value, error, exact} (fdr_json_est). */
static int is_est(const json_t *o)
{
    return json_is_object(o) && json_object_get(o, "value") && json_object_get(o, "error");
}

/* An estimate of the result r against the baseline's b: value by its error
 * bar, exact value (deterministic for a given model) to rounding. */
static int compare_one(fdr_check *c, const char *name, const json_t *r, const json_t *b)
{
    if (!is_est(r))
        return missing(c, name);
    char qe[480];
    snprintf(qe, sizeof qe, "%s.exact", name);
    int rc = compare_est(c, name, number(b, "value"), number(b, "error"), number(r, "value"),
                         number(r, "error"));
    return rc == FDR_OK ? compare_exact(c, qe, number(b, "exact"), number(r, "exact")) : rc;
}

/* ---- run summaries ----------------------------------------------------------- */

/* An index of the objects of list by their "name" (the first of equal names),
 * so that matching two lists takes time linear in their length; NULL when out
 * of memory. */
static json_t *index_by_name(const json_t *list)
{
    json_t *idx = json_object();
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)list, i, x)
    {
        const char *n = json_string_value(json_object_get(x, "name"));
        if (idx && n && !json_object_get(idx, n) && json_object_set(idx, n, x) != 0) {
            json_decref(idx);
            idx = NULL;
        }
    }
    return idx;
}

/* 1 if relation o of a summary has the verdict "unresolved" (summaries
 * older than that verdict always had one). */
static int unresolved(const json_t *o)
{
    const char *v = json_string_value(json_object_get(o, "verdict"));
    return v && strcmp(v, "unresolved") == 0;
}

/* Relations by name: the sides and the difference of scalar relations, their
 * exact sides, and the verdict of every relation; ri and bi index the result's
 * list rl and the baseline's list bl by name. */
static int compare_indexed(fdr_check *c, const char *prefix, const json_t *rl, const json_t *ri,
                           const json_t *bl, const json_t *bi)
{
    static const char *const sides[] = {"lhs", "rhs", "diff"};
    size_t i;
    const json_t *b;
    json_array_foreach((json_t *)bl, i, b)
    {
        const char *name = json_string_value(json_object_get(b, "name"));
        char q[448];
        if (!name)
            continue;
        snprintf(q, sizeof q, "%s%srelations.%s", prefix, prefix[0] ? "." : "", name);
        const json_t *r = json_object_get(ri, name);
        int rc = FDR_OK;
        if (!r) {
            rc = missing(c, q);
        } else {
            int scalar = number(b, "components") == 1 && number(r, "components") == 1;
            for (int s = 0; scalar && rc == FDR_OK && s < 3; s++) {
                char name2[460];
                if (!is_est(json_object_get(b, sides[s])))
                    continue;
                snprintf(name2, sizeof name2, "%s.%s", q, sides[s]);
                rc = compare_one(c, name2, json_object_get(r, sides[s]),
                                 json_object_get(b, sides[s]));
            }
            /* A verdict lost is a regression: a pass that fails now, or any
             * verdict that is unresolved now (no error bar to judge by). */
            int fails = json_is_true(json_object_get(b, "pass")) &&
                        json_is_false(json_object_get(r, "pass"));
            int lost = unresolved(r) && !unresolved(b);
            if (rc == FDR_OK && (fails || lost) && json_is_true(json_object_get(r, "identity"))) {
                fdr_check_item *it = add_item(c, q);
                if (!it)
                    return fdr_error(FDR_ENOMEM, "out of memory");
                it->base = it->res = it->base_err = it->res_err = NAN;
                it->z = number(r, "z");
                it->moved = 1;
                it->why = fails ? "passed in the baseline, fails now"
                                : "had a verdict in the baseline, unresolved now";
            }
        }
        if (rc != FDR_OK)
            return rc;
    }
    json_array_foreach((json_t *)rl, i, b)
    {
        const char *name = json_string_value(json_object_get(b, "name"));
        c->only_in_result += name && !json_object_get(bi, name);
    }
    return FDR_OK;
}

/* compare_indexed on the lists of relations of a result (rl) and a baseline (bl). */
static int compare_relations(fdr_check *c, const char *prefix, const json_t *rl,
                             const json_t *bl)
{
    json_t *ri = index_by_name(rl), *bi = index_by_name(bl);
    int rc = ri && bi ? compare_indexed(c, prefix, rl, ri, bl, bi)
                      : fdr_error(FDR_ENOMEM, "out of memory");
    json_decref(ri);
    json_decref(bi);
    return rc;
}

/* The estimates among the members of bo (observables, fdr2_terms, a sweep's
 * points and fits), against the same members of ro; members that are not
 * estimates are skipped (a fit's *_exact_finite values among them: they
 * depend on the simulated error bars, so on the seed and the run length). */
static int compare_estimates(fdr_check *c, const char *prefix, const json_t *ro, const json_t *bo)
{
    const char *key;
    const json_t *b;
    json_object_foreach((json_t *)bo, key, b)
    {
        if (!is_est(b))
            continue;
        char q[160];
        snprintf(q, sizeof q, "%s.%s", prefix, key);
        int rc = compare_one(c, q, json_object_get(ro, key), b);
        if (rc != FDR_OK)
            return rc;
    }
    json_object_foreach((json_t *)ro, key, b)
    {
        c->only_in_result += is_est(b) && !json_object_get(bo, key);
    }
    return FDR_OK;
}

/* A run summary: relations, observables and the FDR2 terms. */
static int compare_summary(fdr_check *c, const json_t *r, const char *rn, const json_t *b,
                           const char *bn)
{
    const json_t *rl = json_object_get(r, "relations"), *bl = json_object_get(b, "relations");
    if (!json_is_array(rl) || !json_is_array(bl))
        return fdr_error(FDR_EINVAL, "%s: no 'relations' list (not a summary written by "
                                     "fdrsim run?)",
                         json_is_array(rl) ? bn : rn);
    int rc = compare_relations(c, "", rl, bl);
    if (rc == FDR_OK)
        rc = compare_estimates(c, "observables", json_object_get(r, "observables"),
                               json_object_get(b, "observables"));
    if (rc == FDR_OK)
        rc = compare_estimates(c, "fdr2_terms", json_object_get(r, "fdr2_terms"),
                               json_object_get(b, "fdr2_terms"));
    return rc;
}

/* ---- sweeps ----------------------------------------------------------------------- */

/* A point of a sweep: its estimates, G_harmonic (exact) and its relations. */
static int compare_point(fdr_check *c, const char *prefix, const json_t *r, const json_t *b)
{
    char q[400];
    snprintf(q, sizeof q, "%s.G_harmonic", prefix);
    int rc = compare_estimates(c, prefix, r, b);
    if (rc == FDR_OK && json_is_number(json_object_get(b, "G_harmonic")))
        rc = compare_exact(c, q, number(b, "G_harmonic"), number(r, "G_harmonic"));
    const json_t *rl = json_object_get(r, "relations"), *bl = json_object_get(b, "relations");
    if (rc == FDR_OK && json_is_array(bl))
        rc = json_is_array(rl) ? compare_relations(c, prefix, rl, bl) : missing(c, prefix);
    return rc;
}

/* The fit of line i of sweep j (null off the learning rate) and its label
 * ("" for a single line). */
static const json_t *sweep_fit(const json_t *j, size_t i, const char **label)
{
    const json_t *l = json_array_get(json_object_get(j, "lines"), i);
    const char *lab = json_string_value(json_object_get(l, "label"));
    *label = lab ? lab : "";
    return json_object_get(l, "fit");
}

/* The number of lines of sweep j. */
static size_t sweep_lines(const json_t *j)
{
    return json_array_size(json_object_get(j, "lines"));
}

/* A point's grid values besides lr, as "key=value,..." (for the names). */
static void point_settings(const json_t *p, char *buf, size_t n)
{
    const char *key;
    const json_t *v;
    size_t len = 0;
    buf[0] = '\0';
    json_object_foreach((json_t *)json_object_get(p, "settings"), key, v)
    {
        const char *sv = json_string_value(v);
        int w = snprintf(buf + len, n - len, ",%s=%s", key, sv ? sv : "?");
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

/* A sweep: the same grid (axes, learning rates, values of the other keys),
 * then every point with its relations, and every line's fit. */
static int compare_sweep(fdr_check *c, const json_t *r, const char *rn, const json_t *b,
                         const char *bn)
{
    const json_t *rp = json_object_get(r, "points"), *bp = json_object_get(b, "points");
    if (!json_is_array(rp) || !json_is_array(bp))
        return fdr_error(FDR_EINVAL, "%s: no 'points' list (not written by fdrsim sweep?)",
                         json_is_array(rp) ? bn : rn);
    const json_t *ra = json_object_get(r, "axes"), *ba = json_object_get(b, "axes");
    if (ra && ba && !json_equal((json_t *)ra, (json_t *)ba))
        return fdr_error(FDR_EINVAL, "different grids: the swept keys or their values differ "
                                     "between %s and %s",
                         rn, bn);
    if (json_array_size(rp) != json_array_size(bp))
        return fdr_error(FDR_EINVAL,
                         "different learning-rate grids: %zu points in %s, %zu in %s",
                         json_array_size(rp), rn, json_array_size(bp), bn);
    for (size_t i = 0; i < json_array_size(bp); i++) {
        const json_t *pr = json_array_get(rp, i), *pb = json_array_get(bp, i);
        double lr = number(pr, "lr"), lb = number(pb, "lr");
        if (!(fabs(lr - lb) <= 1e-12 * fabs(lb)))
            return fdr_error(FDR_EINVAL,
                             "different learning-rate grids: point %zu has lr %g in %s, %g in %s",
                             i + 1, lr, rn, lb, bn);
        char set_r[256], set_b[256], prefix[320];
        point_settings(pr, set_r, sizeof set_r);
        point_settings(pb, set_b, sizeof set_b);
        if (strcmp(set_r, set_b) != 0)
            return fdr_error(FDR_EINVAL, "different grids: point %zu is at '%s' in %s, '%s' in %s",
                             i + 1, set_r + !!set_r[0], rn, set_b + !!set_b[0], bn);
        snprintf(prefix, sizeof prefix, "points[lr=%.4g%s]", lb, set_b);
        int rc = compare_point(c, prefix, pr, pb);
        if (rc != FDR_OK)
            return rc;
    }
    size_t nl = sweep_lines(b);
    if (sweep_lines(r) != nl)
        return fdr_error(FDR_EINVAL, "different grids: %zu lines in %s, %zu in %s",
                         sweep_lines(r), rn, nl, bn);
    for (size_t i = 0; i < nl; i++) {
        const char *lab, *labr;
        const json_t *fb = sweep_fit(b, i, &lab), *fr = sweep_fit(r, i, &labr);
        if (!json_is_object(fb))
            continue; /* no fit in the baseline: nothing to compare */
        char prefix[320];
        snprintf(prefix, sizeof prefix, lab[0] ? "fit[%s]" : "fit", lab);
        int rc = json_is_object(fr) ? compare_estimates(c, prefix, fr, fb) : missing(c, prefix);
        if (rc != FDR_OK)
            return rc;
    }
    return FDR_OK;
}

/* ---- schedules --------------------------------------------------------------- */

/* Settings of a schedule comparison that must agree: the model block but its
 * length (steps, replicas), and the quencher's settings. */
static int same_schedule_model(const json_t *r, const char *rn, const json_t *b, const char *bn)
{
    static const char *const keys[] = {"name",     "landscape", "dim",        "noise",
                                       "lr",       "momentum",  "dampening",  "convention",
                                       "record_every"};
    static const char *const qkeys[] = {"mode", "X", "Y", "t_adaptive", "lr_min"};
    const json_t *blocks[2][2] = {{json_object_get(r, "model"), json_object_get(b, "model")},
                                  {json_object_get(r, "quencher"), json_object_get(b, "quencher")}};
    for (size_t k = 0; k < 2; k++) {
        const char *const *list = k ? qkeys : keys;
        size_t n = k ? sizeof qkeys / sizeof *qkeys : sizeof keys / sizeof *keys;
        for (size_t i = 0; i < n; i++) {
            const json_t *vr = json_object_get(blocks[k][0], list[i]),
                         *vb = json_object_get(blocks[k][1], list[i]);
            if (!json_equal((json_t *)vr, (json_t *)vb)) {
                char *sr = vr ? json_dumps(vr, JSON_ENCODE_ANY) : NULL,
                     *sb = vb ? json_dumps(vb, JSON_ENCODE_ANY) : NULL;
                int rc = fdr_error(FDR_EINVAL,
                                   "different schedules: %s.%s is %s in %s and %s in %s",
                                   k ? "quencher" : "model", list[i], sr ? sr : "(none)", rn,
                                   sb ? sb : "(none)", bn);
                free(sr);
                free(sb);
                return rc;
            }
        }
    }
    return FDR_OK;
}

/* An estimate whose error bar another seed may give or not (a time to
 * target near the end of the run, a quench few replicas made, all at one
 * step): compared by z when both have one, else skipped. */
static int compare_resolved(fdr_check *c, const char *name, const json_t *r, const json_t *b)
{
    if (!has_error_bar(number(b, "error")) || !has_error_bar(number(r, "error")))
        return FDR_OK;
    return compare_est(c, name, number(b, "value"), number(b, "error"), number(r, "value"),
                       number(r, "error"));
}

/* A schedule study: per schedule (by name) the final excess loss and its
 * exact value, the time to target, and in replica mode the mean step of
 * each k-th quench across replicas (the quench steps of one ensemble run
 * are one realization, with no error bar: not compared). */
static int compare_schedule(fdr_check *c, const json_t *r, const char *rn, const json_t *b,
                            const char *bn)
{
    const json_t *rl = json_object_get(r, "schedules"), *bl = json_object_get(b, "schedules");
    if (!json_is_array(rl) || !json_is_array(bl))
        return fdr_error(FDR_EINVAL, "%s: no 'schedules' list (not written by fdrsim schedule?)",
                         json_is_array(rl) ? bn : rn);
    int rc = same_schedule_model(r, rn, b, bn);
    json_t *ri = rc == FDR_OK ? index_by_name(rl) : NULL, *bi = ri ? index_by_name(bl) : NULL;
    if (rc == FDR_OK && !bi)
        rc = fdr_error(FDR_ENOMEM, "out of memory");
    size_t i;
    const json_t *sb;
    json_array_foreach((json_t *)bl, i, sb)
    {
        const char *name = json_string_value(json_object_get(sb, "name"));
        const json_t *sr = name ? json_object_get(ri, name) : NULL;
        char q[160];
        if (rc != FDR_OK || !name)
            continue;
        snprintf(q, sizeof q, "schedules.%s", name);
        if (!sr) {
            rc = missing(c, q);
            continue;
        }
        char qf[200], qt[200];
        snprintf(qf, sizeof qf, "%s.final_excess_loss", q);
        snprintf(qt, sizeof qt, "%s.time_to_target", q);
        rc = compare_one(c, qf, json_object_get(sr, "final_excess_loss"),
                         json_object_get(sb, "final_excess_loss"));
        if (rc == FDR_OK)
            rc = compare_resolved(c, qt, json_object_get(sr, "time_to_target"),
                                  json_object_get(sb, "time_to_target"));
        const json_t *qb = json_object_get(sb, "quench_spread"),
                     *qr = json_object_get(sr, "quench_spread");
        size_t k;
        const json_t *eb;
        json_array_foreach((json_t *)qb, k, eb)
        {
            char qk[200];
            snprintf(qk, sizeof qk, "%s.quench[%zu].step", q, k + 1);
            const json_t *er = json_object_get(json_array_get(qr, k), "step");
            if (rc == FDR_OK)
                rc = compare_resolved(c, qk, er, json_object_get(eb, "step"));
        }
    }
    json_array_foreach((json_t *)rl, i, sb)
    {
        const char *name = json_string_value(json_object_get(sb, "name"));
        c->only_in_result += rc == FDR_OK && name && !json_object_get(bi, name);
    }
    json_decref(ri);
    json_decref(bi);
    return rc;
}

/* The outputs `fdrsim check` reads, by the prefix of their schema, with the
 * version this fdrsim writes (and reads). */
static const struct {
    const char *prefix, *schema, *kind, *what;
} kinds[] = {{"fdrsim-summary/", FDR_SCHEMA_SUMMARY, "summary", "run summary"},
             {"fdrsim-sweep/", FDR_SCHEMA_SWEEP, "sweep", "sweep"},
             {"fdrsim-schedule/", FDR_SCHEMA_SCHEDULE, "schedule", "schedule study"}};

/* The index in kinds of j's schema; -1 with a message naming the file when
 * it is none of them, or another version (an older one: regenerate it). */
static int schema_kind(const json_t *j, const char *name)
{
    const char *s = json_string_value(json_object_get(j, "schema"));
    for (int k = 0; s && k < (int)(sizeof kinds / sizeof *kinds); k++) {
        size_t n = strlen(kinds[k].prefix);
        if (strcmp(s, kinds[k].schema) == 0)
            return k;
        if (strncmp(s, kinds[k].prefix, n) == 0) {
            fdr_error(FDR_EINVAL,
                      "%s: schema '%s', but this fdrsim reads %s: regenerate it with this "
                      "fdrsim (fdrsim %s)",
                      name, s, kinds[k].schema, k == 0 ? "run" : kinds[k].kind);
            return -1;
        }
    }
    fdr_error(FDR_EINVAL, "%s: schema '%s' is not %s, %s or %s (not written by fdrsim?)", name,
              s ? s : "(none)", kinds[0].schema, kinds[1].schema, kinds[2].schema);
    return -1;
}

/* ---- entry points -------------------------------------------------------------- */

int fdr_check_compare(const json_t *result, const char *res_name, const json_t *baseline,
                      const char *base_name, double tolerance, fdr_check *out)
{
    memset(out, 0, sizeof *out);
    out->tolerance = tolerance;
    int kr = schema_kind(result, res_name), kb = kr < 0 ? -1 : schema_kind(baseline, base_name);
    if (kr < 0 || kb < 0)
        return FDR_EINVAL;
    if (kr != kb)
        return fdr_error(FDR_EINVAL, "%s is a %s, %s a %s: compare like with like", res_name,
                         kinds[kr].what, base_name, kinds[kb].what);
    snprintf(out->kind, sizeof out->kind, "%s", kinds[kr].kind);
    const char *mn = json_string_value(json_object_get(json_object_get(baseline, "model"), "name"));
    snprintf(out->model, sizeof out->model, "%s", mn ? mn : "?");
    int rc = kr == 2 ? compare_schedule(out, result, res_name, baseline, base_name)
                     : same_model(result, res_name, baseline, base_name);
    if (rc == FDR_OK && kr < 2)
        rc = kr == 0 ? compare_summary(out, result, res_name, baseline, base_name)
                     : compare_sweep(out, result, res_name, baseline, base_name);
    if (rc != FDR_OK) {
        fdr_check_clear(out);
        return rc;
    }
    out->threshold = fdr_threshold_adjust(tolerance, out->ntests);
    for (size_t i = 0; i < out->n; i++) {
        fdr_check_item *it = &out->items[i];
        if (!it->why && !isnan(it->z) && !(fabs(it->z) <= out->threshold))
            it->moved = 1;
        out->nmoved += it->moved;
    }
    return FDR_OK;
}

/* Parses a JSON file into an object; NULL with a message naming the file, and
 * giving jansson's line and column when it is malformed. */
static json_t *load(const char *path)
{
    size_t n;
    char *text = fdr_read_file(path, FDR_CHECK_MAX_BYTES, "a summary", &n);
    if (!text)
        return NULL;
    json_error_t err;
    json_t *j = json_loadb(text, n, FDR_CHECK_JSON_FLAGS, &err);
    free(text);
    if (!j)
        fdr_error(FDR_EINVAL, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    else if (!json_is_object(j)) {
        json_decref(j);
        j = NULL;
        fdr_error(FDR_EINVAL, "%s: not a JSON object (not written by fdrsim?)", path);
    }
    return j;
}

int fdr_check_files(const char *result, const char *baseline, double tolerance, fdr_check *out)
{
    memset(out, 0, sizeof *out);
    json_t *r = load(result), *b = r ? load(baseline) : NULL;
    int rc = r && b ? fdr_check_compare(r, result, b, baseline, tolerance, out) : FDR_EINVAL;
    json_decref(r);
    json_decref(b);
    return rc;
}
