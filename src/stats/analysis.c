/* analysis.c - estimates, error bars and relation verdicts.
 *
 * Error bars are 1 sigma. With R >= 16 replicas they come from the spread of
 * the replicas' time averages, which are independent by construction, so no
 * assumption about autocorrelation enters. With fewer replicas each
 * replica's window is cut into FDR_NBATCH batches and the batch means are
 * treated as independent (valid when a batch is much longer than tau_int,
 * which the output reports). A relation's error comes from the per-unit
 * difference LHS - RHS, because both sides are strongly correlated; without
 * a finite, positive error the relation has no verdict (FDR_UNRESOLVED).
 * Means and errors are computed in units of a power of two near the largest
 * value, so that any scale of noise that the doubles can hold gives the
 * same z-scores. */
#include "stats/analysis.h"
#include "core/fdr.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double fdr_threshold_adjust(double threshold, size_t n)
{
    if (n <= 1)
        return threshold;
    return gsl_cdf_ugaussian_Qinv(gsl_cdf_ugaussian_Q(threshold) / (double)n);
}

/* Time average of scalar observable k over error unit u. */
static double unit_scalar(const fdr_result *r, size_t u, int k)
{
    if (r->units_are_replicas) {
        double s = 0;
        for (int b = 0; b < FDR_NBATCH; b++)
            s += r->bsum[(u * FDR_NBATCH + (size_t)b) * FDR_NOBS + k];
        return s / (double)r->window;
    }
    return r->bsum[u * FDR_NOBS + k] / (double)r->bcount[u % FDR_NBATCH];
}

/* Mean and standard error of x[0..n-1] (independent samples), computed in
 * units of the largest |x| so that the sum of squares neither overflows
 * (values near 1e300) nor underflows (near 1e-300). */
static fdr_est mean_err(const double *x, size_t n)
{
    double big = 0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(x[i]));
    double s = fdr_unit_scale(big);
    long double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i] * s;
    double mean = (double)(sum / n);
    long double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] * s - mean) * (long double)(x[i] * s - mean);
    fdr_est e = {mean / s, n > 1 ? sqrt((double)(ss / (n - 1)) / (double)n) / s : NAN};
    return e;
}

/* Integrated autocorrelation time of observable k from within-replica
 * batch means: Var(batch mean) = 2 tau_int Var(x) / L for batches of L
 * steps much longer than tau_int. Each replica's sums of squares are in
 * its own unit (engine.h, squnit); both variances are summed in the unit of
 * the largest replica, so neither overflows nor underflows. NAN if the
 * observable does not fluctuate. */
static double tau_int(const fdr_result *r, int k)
{
    double vbm = 0, vx = 0, uc = INFINITY;
    for (size_t rep = 0; rep < r->R; rep++)
        uc = fmin(uc, r->squnit[rep * FDR_NOBS + k]);
    for (size_t rep = 0; rep < r->R; rep++) {
        double u = r->squnit[rep * FDR_NOBS + k], f = uc / u;
        double tot = 0, bm[FDR_NBATCH];
        for (int b = 0; b < FDR_NBATCH; b++) {
            double s = r->bsum[(rep * FDR_NBATCH + (size_t)b) * FDR_NOBS + k] * u;
            tot += s;
            bm[b] = s / (double)r->bcount[b];
        }
        double mean = tot / (double)r->window, v = 0;
        for (int b = 0; b < FDR_NBATCH; b++)
            v += (bm[b] - mean) * (bm[b] - mean);
        vbm += f * f * (v / (FDR_NBATCH - 1));
        vx += f * f * (r->sumsq[rep * FDR_NOBS + k] / (double)r->window - mean * mean);
    }
    if (!(vx > 0) || !isfinite(vx))
        return NAN;
    double L = (double)r->window / FDR_NBATCH;
    return fmax(0.5, L * vbm / (2 * vx));
}

/* Mean of quantity k (FDR_NSTATE_OBS: FDR1's difference, c1 and kg its
 * factors of <|v|^2> and <|grad f|^2>; its constant part cancels in a drift)
 * over batches [b0, b1) of replica rep. */
static double half_mean(const fdr_result *r, size_t rep, int k, double c1, double kg, int b0,
                        int b1)
{
    double s = 0;
    long n = 0;
    for (int b = b0; b < b1; b++) {
        const double *x = r->bsum + (rep * FDR_NBATCH + (size_t)b) * FDR_NOBS;
        s += k < FDR_NSTATE_OBS ? x[k]
                                : x[FDR_OBS_OL] - c1 * x[FDR_OBS_VV] - kg * x[FDR_OBS_GSQ];
        n += r->bcount[b];
    }
    return s / (double)n;
}

/* The drift test of fdr_stationarity. */
static void stationarity(const fdr_model *m, const fdr_result *r, const char *const *keys,
                         double *delta, fdr_stationarity *st)
{
    memset(st, 0, sizeof *st);
    double c1 = fdr_model_fdr1_factor(m), kg = fdr_model_fdr1_gradient_factor(m);
    st->threshold = gsl_cdf_tdist_Qinv(gsl_cdf_ugaussian_Q(m->threshold) / FDR_NSTAT_QTY,
                                       (double)(r->R - 1));
    for (int k = 0; k < FDR_NSTAT_QTY; k++) {
        for (size_t rep = 0; rep < r->R; rep++)
            delta[rep] = half_mean(r, rep, k, c1, kg, FDR_NBATCH / 2, FDR_NBATCH) -
                         half_mean(r, rep, k, c1, kg, 0, FDR_NBATCH / 2);
        fdr_est d = mean_err(delta, r->R);
        double z = d.err > 0 ? d.val / d.err : (d.val == 0 ? 0 : INFINITY);
        if (!st->worst || fabs(z) > fabs(st->z)) {
            st->worst = keys[k];
            st->drift = d;
            st->z = z;
        }
    }
    st->pass = fabs(st->z) < st->threshold;
}

double fdr_zscore(double diff, double err)
{
    return isfinite(diff) && isfinite(err) && err > 0 ? diff / err : NAN;
}

double fdr_zscore_exact(fdr_est est, double exact, double exact_err)
{
    double xe = isfinite(exact_err) ? exact_err : 0;
    return fdr_zscore(est.val - exact, xe > 0 ? hypot(est.err, xe) : est.err);
}

int fdr_exact_error_matters(double err, double exact_err)
{
    return exact_err > 0.1 * err;
}

/* 1 if the relation's difference has a finite value and a finite, positive
 * error bar: only then does its z-score decide a verdict. */
static int resolved(const fdr_relation *rel)
{
    return !isnan(fdr_zscore(rel->diff.val, rel->diff.err));
}

/* Fills a relation from per-unit values of both sides. */
static void relation_from_units(fdr_relation *rel, const double *l, const double *rr, double *tmp,
                                size_t U)
{
    rel->lhs = mean_err(l, U);
    rel->rhs = mean_err(rr, U);
    for (size_t u = 0; u < U; u++)
        tmp[u] = l[u] - rr[u];
    rel->diff = mean_err(tmp, U);
    rel->z = fdr_zscore(rel->diff.val, rel->diff.err);
    /* |D / L| to first order in the units' deviations: (d_u - (D / L) l_u) / |L|. */
    double ratio = rel->diff.val / rel->lhs.val;
    for (size_t u = 0; u < U; u++)
        tmp[u] = (l[u] - rr[u] - ratio * l[u]) / fabs(rel->lhs.val);
    rel->rel_err = mean_err(tmp, U).err;
    /* the first order means nothing when L itself is not resolved */
    if (!(fabs(rel->lhs.val) > 3 * rel->lhs.err))
        rel->rel_err = NAN;
}

/* Sets the threshold and the verdict from z. */
static void judge(fdr_relation *rel, double threshold)
{
    rel->threshold = threshold;
    rel->verdict = !resolved(rel) ? FDR_UNRESOLVED
                   : fabs(rel->z) < threshold ? FDR_PASS
                                              : FDR_FAIL;
    rel->pass = rel->verdict == FDR_PASS;
}

/* How bad an entry of a vector or tensor relation is before its |z|: 2 if
 * unresolved, 1 if resolved, 0 if frozen - both sides exactly 0 with no
 * error (a coordinate that neither the start nor the noise moves), which
 * holds trivially and says nothing about the others. */
static int badness(const fdr_relation *a)
{
    if (resolved(a))
        return 1;
    int frozen = a->lhs.val == 0 && a->lhs.err == 0 && a->rhs.val == 0 && a->rhs.err == 0;
    return frozen ? 0 : 2;
}

/* 1 if entry a is worse than b: unresolved before resolved before frozen,
 * then the larger |z|. The relation takes its worst entry's verdict, so it
 * is unresolved if any entry is (or every entry is frozen). */
static int worse(const fdr_relation *a, const fdr_relation *b)
{
    int ra = badness(a), rb = badness(b);
    if (ra != rb)
        return ra > rb;
    return ra == 1 && fabs(a->z) > fabs(b->z);
}

const char *fdr_verdict_name(fdr_verdict v)
{
    return v == FDR_PASS ? "pass" : v == FDR_FAIL ? "fail" : "unresolved";
}

void fdr_analysis_clear(fdr_analysis *a)
{
    free(a->tens);
    memset(a, 0, sizeof *a);
}

/* Vector relation <x_i> = 0 for i < d from per-unit sums S (U x d): keeps
 * the component with the largest |z|. */
static void zero_vector(fdr_relation *rel, const char *name, const fdr_result *r, const double *S,
                        double *l, double *zero, double *tmp, double threshold)
{
    size_t U = r->units, d = r->d;
    fdr_relation best = {0};
    for (size_t i = 0; i < d; i++) {
        fdr_relation cur = {0};
        for (size_t u = 0; u < U; u++)
            l[u] = S[u * d + i] / (double)r->ucount[u];
        relation_from_units(&cur, l, zero, tmp, U);
        if (i == 0 || worse(&cur, &best)) {
            best = cur;
            best.component = (long)i;
        }
    }
    *rel = best;
    snprintf(rel->name, sizeof rel->name, "%s", name);
    rel->count = d;
    rel->rel = rel->rel_err = NAN;
    rel->lhs_exact = rel->rhs_exact = 0;
    judge(rel, fdr_threshold_adjust(threshold, d));
    rel->identity = 1;
}

/* fdr_scalar_relation with the constant k0 added to the right side. */
static void scalar_relation(const fdr_result *r, const double *cl, const double *cr, double k0,
                            double threshold, fdr_relation *out)
{
    size_t U = r->units;
    double *l = fdr_malloc(3 * U * sizeof *l);
    memset(out, 0, sizeof *out);
    if (!l) {
        out->z = NAN;
        return;
    }
    double *rr = l + U, *tmp = rr + U;
    for (size_t u = 0; u < U; u++) {
        l[u] = 0;
        rr[u] = k0;
        for (int k = 0; k < FDR_NOBS; k++) {
            double x = unit_scalar(r, u, k);
            l[u] += cl[k] * x;
            rr[u] += cr[k] * x;
        }
    }
    relation_from_units(out, l, rr, tmp, U);
    out->rel = fabs(out->diff.val) / fabs(out->lhs.val);
    judge(out, threshold);
    out->lhs_exact = out->rhs_exact = NAN;
    out->component = -1;
    out->count = 1;
    out->identity = 1;
    free(l);
}

void fdr_scalar_relation(const fdr_result *r, const double *cl, const double *cr,
                         double threshold, fdr_relation *out)
{
    scalar_relation(r, cl, cr, 0, threshold, out);
}

fdr_est fdr_scalar_estimate(const fdr_result *r, const double *coef)
{
    double zero[FDR_NOBS] = {0};
    fdr_relation rel;
    fdr_scalar_relation(r, coef, zero, 1.0, &rel);
    return rel.lhs;
}

const fdr_relation *fdr_analysis_find(const fdr_analysis *a, const char *name)
{
    for (size_t i = 0; i < a->nrel; i++)
        if (strcmp(a->rel[i].name, name) == 0)
            return &a->rel[i];
    return NULL;
}

/* FDR2 (doc/theory.md section 3): the dissipation against the Taylor terms,
 * the harmonic truncation, and the two estimators of F2. The dissipation's
 * coefficients come from the optimizer type; one without them leaves FDR2
 * unmeasured (model.c already refuses fdr2 = on for a type without
 * heavy-ball coefficients, and every heavy-ball type has them). */
static void analyse_fdr2(const fdr_model *m, const fdr_result *r, const fdr_exact *e,
                         fdr_analysis *a)
{
    fdr_fdr2_terms *t = &a->fdr2;
    int K = m->fdr2_order, deg = m->land->type->degree;
    double diss[FDR_NOBS] = {0}, c[FDR_NOBS] = {0}, dc[2];
    const fdr_optim_params op = fdr_model_optim_params(m);
    if (!m->opt->dissipation(&op, m->lr, dc))
        return;
    diss[FDR_OBS_GSQ] = dc[0];
    diss[FDR_OBS_VG] = dc[1];
    t->measured = 1;
    t->order = K;
    t->degree = deg;
    t->dissipation = fdr_scalar_estimate(r, diss);
    for (int k = 2; k <= K; k++) {
        memset(c, 0, sizeof c);
        c[FDR_OBS_F2 + k - 2] = 1;
        t->F[k] = fdr_scalar_estimate(r, c);
    }
    t->truncation = t->F[K];
    memset(c, 0, sizeof c);
    c[FDR_OBS_F2N] = 1;
    t->F2_noise_averaged = fdr_scalar_estimate(r, c);
    memset(c, 0, sizeof c);
    for (int k = 3; k <= K; k++)
        c[FDR_OBS_F2 + k - 2] = 1;
    t->anharmonic = fdr_scalar_estimate(r, c);
    memcpy(c, diss, sizeof c);
    c[FDR_OBS_F2] = -1;
    t->residual = fdr_scalar_estimate(r, c);
    /* the exact values (exact.h): NAN where unknown; F3 ... FK vanish on a
     * quadratic whether or not its stationary law is known */
    t->dissipation_exact = dc[0] * e->q[FDR_TQ_GSQ].val + dc[1] * e->q[FDR_TQ_VG].val;
    t->F2_exact = e->q[FDR_TQ_F2].val;
    double fluct = 0, anh = isnan(t->F2_exact) && deg != 2 ? NAN : 0;
    for (int k = 2; k <= K; k++) {
        double x = e->q[FDR_TQ_F2 + k - 2].val;
        t->F_exact[k] = isnan(x) && k > 2 && deg == 2 ? 0.0 : x;
        fluct += t->F_exact[k];
        anh += k > 2 ? t->F_exact[k] : 0;
    }
    /* The residual is a small difference of two large values: the transfer
     * operator's own (kept only if accurate relative to it, exact.h), and on
     * a quadratic 0 identically, not to rounding. */
    if (e->method == FDR_EXACT_TRANSFER) {
        t->residual_exact = e->q[FDR_TQ_RESIDUAL].val;
        t->anharmonic_exact = e->q[FDR_TQ_ANHARMONIC].val;
    } else {
        t->residual_exact = deg == 2 && !isnan(t->dissipation_exact) && !isnan(t->F2_exact)
                                ? 0.0
                                : t->dissipation_exact - t->F2_exact;
        t->anharmonic_exact = anh;
    }
    /* The series closes exactly once K reaches the polynomial degree. */
    int closes = deg > 0 && deg <= K;

    fdr_relation *full = &a->rel[a->nrel++];
    memset(c, 0, sizeof c);
    for (int k = 2; k <= K; k++)
        c[FDR_OBS_F2 + k - 2] = 1;
    fdr_scalar_relation(r, diss, c, m->threshold, full);
    snprintf(full->name, sizeof full->name, "FDR2");
    full->identity = closes;
    full->lhs_exact = t->dissipation_exact;
    full->rhs_exact = fluct;

    fdr_relation *harm = &a->rel[a->nrel++];
    memset(c, 0, sizeof c);
    c[FDR_OBS_F2] = 1;
    fdr_scalar_relation(r, diss, c, m->threshold, harm);
    snprintf(harm->name, sizeof harm->name, "FDR2.harmonic");
    harm->identity = deg == 2;
    harm->lhs_exact = t->dissipation_exact;
    harm->rhs_exact = t->F2_exact;

    fdr_relation *f2 = &a->rel[a->nrel++];
    double cl[FDR_NOBS] = {0};
    cl[FDR_OBS_F2] = 1;
    memset(c, 0, sizeof c);
    c[FDR_OBS_F2N] = 1;
    fdr_scalar_relation(r, cl, c, m->threshold, f2);
    snprintf(f2->name, sizeof f2->name, "FDR2.F2");
    f2->lhs_exact = f2->rhs_exact = t->F2_exact;
}

/* FDR1, <theta . grad f> = c1 <|v|^2> + kg (<|grad f|^2> + Tr C) with the
 * optimizer type's factors (optim.h; |v|^2 is v^T P^-1 v for a type with
 * fdr1_metric); kg is 0 but for a type whose relation
 * carries the noisy squared gradient, which the model admits only with a
 * constant C: its trace is a constant of the right side, with no error. */
static void fdr1(const fdr_model *m, const fdr_result *r, const fdr_exact *e, fdr_relation *f1)
{
    double c1 = fdr_model_fdr1_factor(m), kg = fdr_model_fdr1_gradient_factor(m);
    double cl[FDR_NOBS] = {0}, cr[FDR_NOBS] = {0};
    cl[FDR_OBS_OL] = 1;
    cr[FDR_OBS_VV] = c1;
    cr[FDR_OBS_GSQ] = kg;
    scalar_relation(r, cl, cr, fdr_model_fdr1_constant(m), m->threshold, f1);
    snprintf(f1->name, sizeof f1->name, "FDR1");
    /* An adaptive preconditioner: the relation's violation is the result. */
    f1->identity = !m->opt->fdr1_approximate;
    f1->lhs_exact = e->q[FDR_TQ_OL].val;
    f1->rhs_exact = c1 * e->q[FDR_TQ_VV].val +
                    (kg != 0 ? kg * (e->q[FDR_TQ_GSQ].val + e->tr.tr_C) : 0);
}

int fdr_analyse(const fdr_model *m, const fdr_result *r, const fdr_exact *e, fdr_analysis *a)
{
    memset(a, 0, sizeof *a);
    size_t U = r->units;
    double *l = fdr_malloc(U * sizeof *l), *rr = fdr_calloc(U, sizeof *rr),
           *tmp = fdr_malloc(U * sizeof *tmp);
    a->tens = fdr_calloc(r->ntens ? r->ntens : 1, sizeof *a->tens);
    if (!l || !rr || !tmp || !a->tens) {
        free(l);
        free(rr);
        free(tmp);
        return FDR_ENOMEM;
    }
    a->error_method = r->units_are_replicas
                          ? "1 sigma, from the spread of independent replicas"
                          : "1 sigma, from batch means (16 batches per replica)";
    double c1 = fdr_model_fdr1_factor(m);
    static const char *const keys[FDR_NSTAT_QTY] = {
        "theta_dot_grad", "v_dot_v", "grad_sq", "v_dot_grad", "loss_excess", "fdr1_difference"};
    static const char *const what[FDR_NSTATE_OBS] = {
        "<(theta - c) . grad f>", "<v . v>", "<|grad f|^2>", "<v . grad f>", "<f> - f(c)"};
    /* a preconditioned type's engine measures these two in the metric of P */
    static const char *const what_p[FDR_NSTATE_OBS] = {
        "<(theta - c) . grad f>", "<v^T P^-1 v>", "<grad f^T P grad f>", "<v . grad f>",
        "<f> - f(c)"};
    static const int exq[FDR_NSTATE_OBS] = {FDR_TQ_OL, FDR_TQ_VV, FDR_TQ_GSQ, FDR_TQ_VG,
                                            FDR_TQ_LOSS};
    for (int k = 0; k < FDR_NSTATE_OBS; k++) {
        for (size_t u = 0; u < U; u++)
            l[u] = unit_scalar(r, u, k);
        a->obs[k].key = keys[k];
        a->obs[k].what = (k == FDR_OBS_VV && m->opt->fdr1_metric) ||
                                 (k == FDR_OBS_GSQ && m->opt->precondition)
                             ? what_p[k]
                             : what[k];
        a->obs[k].est = mean_err(l, U);
        a->obs[k].exact = e->q[exq[k]].val;
        a->obs[k].exact_err = isnan(a->obs[k].exact) ? NAN : e->q[exq[k]].err;
        a->obs[k].tau_int = tau_int(r, k);
        a->obs[k].tau_resolved =
            !((double)r->window / FDR_NBATCH < FDR_TAU_RESOLVED * a->obs[k].tau_int);
        if (!r->units_are_replicas && !a->obs[k].tau_resolved)
            a->errors_suspect = 1;
    }
    stationarity(m, r, keys, tmp, &a->stationarity);
    zero_vector(&a->rel[FDR_REL_FDR0_GRAD], "FDR0.grad", r, r->gsum, l, rr, tmp, m->threshold);
    zero_vector(&a->rel[FDR_REL_FDR0_V], "FDR0.v", r, r->vsum, l, rr, tmp, m->threshold);

    fdr1(m, r, e, &a->rel[FDR_REL_FDR1]);
    a->nrel = 3;

    a->ntens = r->ntens;
    if (r->ntens) {
        fdr_relation *t = &a->rel[a->nrel++];
        double c2 = 2 * c1; /* tA sums the symmetrised x_i g_j + x_j g_i */
        long worst = -1;
        for (size_t k = 0; k < r->ntens; k++) {
            fdr_relation *row = &a->tens[k];
            for (size_t u = 0; u < U; u++) {
                l[u] = r->tA[u * r->ntens + k] / (double)r->ucount[u];
                rr[u] = c2 * r->tB[u * r->ntens + k] / (double)r->ucount[u];
            }
            relation_from_units(row, l, rr, tmp, U);
            row->rel = fabs(row->diff.val) / fabs(row->lhs.val);
            row->lhs_exact = e->ntens ? e->tA[k] : NAN;
            row->rhs_exact = e->ntens ? c2 * e->tB[k] : NAN;
            row->component = (long)k;
            row->count = 1;
            row->identity = 1;
            if (worst < 0 || worse(row, &a->tens[worst]))
                worst = (long)k;
        }
        *t = a->tens[worst];
        snprintf(t->name, sizeof t->name, "FDR1.tensor");
        t->count = r->ntens;
        judge(t, fdr_threshold_adjust(m->threshold, r->ntens));
        for (size_t k = 0; k < r->ntens; k++)
            judge(&a->tens[k], t->threshold);
    }
    if (m->fdr2)
        analyse_fdr2(m, r, e, a);
    /* A law that breaks the step-to-step independence of the noise makes
     * every relation an approximation. */
    if (m->noise->caveat)
        for (size_t i = 0; i < a->nrel; i++)
            a->rel[i].identity = 0;
    a->all_pass = 1;
    for (size_t i = 0; i < a->nrel; i++)
        if (a->rel[i].identity) {
            a->all_pass &= a->rel[i].pass;
            a->unresolved += a->rel[i].verdict == FDR_UNRESOLVED;
        }
    free(l);
    free(rr);
    free(tmp);
    return FDR_OK;
}
