/* estimators.c - the estimators of doc/theory.md section 4 from one run and from
 * a sweep over learning rates, graded against their exact values. */
#include "stats/estimators.h"
#include "stats/analysis.h"
#include "core/fdr.h"

#include <gsl/gsl_math.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Frees the workspace and zeroes lim. */
void fdr_limits_clear(fdr_limits *lim)
{
    fdr_lyap_free(lim->w);
    memset(lim, 0, sizeof *lim);
}

int fdr_limits_compute(const fdr_model *m, fdr_limits *lim)
{
    memset(lim, 0, sizeof *lim);
    lim->opt = m->opt;
    lim->op = fdr_model_optim_params(m);
    lim->small = m->opt->small_lr(&lim->op, &lim->k);
    lim->tr_HC = lim->tr_C = NAN;
    const fdr_landscape *l = m->land;
    if (!l->ref_is_min) {
        lim->why_not = "the landscape's minimum is not known exactly";
        return FDR_OK;
    }
    size_t d = l->dim;
    double *H = fdr_malloc(d * d * sizeof *H), *C = fdr_malloc(d * d * sizeof *C);
    if (!H || !C) {
        free(H);
        free(C);
        return FDR_ENOMEM;
    }
    /* H* and C* at the minimum; on a quadratic with constant noise these are
     * the model's own H and C. */
    fdr_landscape_hessian(l, l->ref, H);
    if (m->noise->C)
        memcpy(C, m->noise->C, d * d * sizeof *C);
    else
        m->noise->type->covariance(m->noise->state, l->ref, C);
    lim->available = 1;
    /* A noise law with a caveat (epoch shuffling) correlates the steps: the
     * Lyapunov values are then the i.i.d. prediction, not exact. */
    lim->exact = l->H && m->noise->C && !m->noise->caveat;
    lim->tr_HC = lim->tr_C = 0;
    for (size_t i = 0; i < d; i++) {
        lim->tr_C += C[i * d + i];
        for (size_t j = 0; j < d; j++)
            lim->tr_HC += H[i * d + j] * C[j * d + i];
    }
    lim->w = fdr_lyap_alloc(d, H, C);
    free(H);
    free(C);
    if (!lim->w)
        return FDR_EFAIL;
    /* A flat or negative direction at the minimum (H* singular): no
     * stationary state of the harmonic approximation at any lr. */
    double mu, eta_b;
    lim->harmonic = fdr_lyap_max_stable_lr(lim->w, m->opt, &lim->op) > 0 &&
                    m->opt->heavy_ball(&lim->op, m->lr, &mu, &eta_b);
    if (!lim->harmonic) {
        fdr_lyap_free(lim->w);
        lim->w = NULL;
        lim->exact = 0;
    }
    return FDR_OK;
}

double fdr_limit_hessian(const fdr_limits *lim)
{
    return lim->available ? lim->tr_HC : NAN;
}

double fdr_limit_curvature(const fdr_limits *lim)
{
    return lim->available && lim->tr_C > 0 ? lim->tr_HC / lim->tr_C : NAN;
}

double fdr_limit_intercept(const fdr_limits *lim)
{
    return lim->available && lim->small ? lim->k.k_G * lim->tr_HC : NAN;
}

double fdr_limit_noise_ball(const fdr_limits *lim, double lr)
{
    return lim->available && lim->small ? lr * lim->k.k_theta * lim->tr_C / 2 : NAN;
}

void fdr_harmonic_at(fdr_limits *lim, double lr, fdr_harmonic_values *out)
{
    out->G = out->theta_dot_grad = out->loss_excess = out->F2 = NAN;
    /* Checked here rather than left to fdr_lyap_stationary, whose message
     * would be recorded although nothing failed. */
    double mu, eta_b, dc[2];
    if (!lim->harmonic || !(lr < fdr_lyap_max_stable_lr(lim->w, lim->opt, &lim->op)) ||
        !lim->opt->heavy_ball(&lim->op, lr, &mu, &eta_b))
        return;
    if (fdr_lyap_stationary(lim->w, eta_b, mu) != FDR_OK)
        return;
    fdr_lyap_traces t;
    fdr_lyap_traces_get(lim->w, &t);
    if (lim->opt->dissipation(&lim->op, lr, dc))
        out->G = (dc[0] * t.grad_sq + dc[1] * t.v_dot_grad) / lr;
    out->theta_dot_grad = t.theta_dot_grad;
    out->loss_excess = t.loss_excess;
    out->F2 = 0.5 * t.v_H_v;
}

/* ---- one learning rate ---------------------------------------------------- */

/* The coefficients of G = D / eta over the engine's observables, D the
 * optimizer's dissipation (for sgd, G = (1 - nu) <|grad f|^2> - (mu / eta)
 * <v . grad f>). Returns 0 when the type has none. */
static int g_coef(const fdr_model *m, double *c)
{
    const fdr_optim_params op = fdr_model_optim_params(m);
    double dc[2];
    memset(c, 0, FDR_NOBS * sizeof *c);
    if (!m->opt->dissipation(&op, m->lr, dc))
        return 0;
    c[FDR_OBS_GSQ] = dc[0] / m->lr;
    c[FDR_OBS_VG] = dc[1] / m->lr;
    return 1;
}

/* The estimate of <O_k> for one observable k. */
static fdr_est single(const fdr_result *r, int k)
{
    double c[FDR_NOBS] = {0};
    c[k] = 1;
    return fdr_scalar_estimate(r, c);
}

int fdr_point_measure(const fdr_model *m, const fdr_result *r, const fdr_limits *lim,
                      const fdr_harmonic_values *hv, fdr_point *p)
{
    double eta = m->lr;
    /* The estimators' factors, NAN (so the estimators are unavailable) when
     * the optimizer has no small-lr limits. */
    double kh = lim->small ? 1 / lim->k.k_G : NAN;
    double kc = lim->small ? lim->k.k_theta / lim->k.k_G : NAN;
    double cg[FDR_NOBS], c[FDR_NOBS];
    memset(p, 0, sizeof *p);
    p->lr = eta;
    p->momentum = m->momentum;
    p->dampening = m->dampening;
    p->seed = m->seed;
    if (!g_coef(m, cg))
        return fdr_error(FDR_EINVAL, "optimizer '%s' has no dissipation in terms of <|grad f|^2> "
                                     "and <v . grad f>, so G(eta) is not available",
                         m->opt->name);
    p->G = fdr_scalar_estimate(r, cg);
    p->theta_dot_grad = single(r, FDR_OBS_OL);
    p->loss_excess = single(r, FDR_OBS_LOSS);
    p->hessian.val = kh * p->G.val / eta;
    p->hessian.err = kh * p->G.err / eta;
    /* The ratio's error by the delta method: with R = G / O fixed at its
     * estimate, G - R O has the ratio's fluctuations times O, and its
     * per-unit error accounts for the correlation of G and O. */
    double ratio = p->G.val / p->theta_dot_grad.val;
    memcpy(c, cg, sizeof c);
    c[FDR_OBS_OL] -= ratio;
    fdr_est lin = fdr_scalar_estimate(r, c);
    p->curvature.val = kc * ratio;
    p->curvature.err = kc * lin.err / fabs(p->theta_dot_grad.val);
    for (int k = 0; k <= FDR_KMAX; k++)
        p->F[k].val = p->F[k].err = p->F_exact[k] = NAN;
    p->anharmonic.val = p->anharmonic.err = NAN;
    p->anharmonic_terms = p->anharmonic_diff = p->anharmonic;
    if (m->fdr2) {
        p->order = m->fdr2_order;
        for (int k = 2; k <= p->order; k++)
            p->F[k] = single(r, FDR_OBS_F2 + k - 2);
        double ca[FDR_NOBS], ct[FDR_NOBS] = {0};
        memcpy(ca, cg, sizeof ca);
        ca[FDR_OBS_F2] = -1 / eta;
        for (int k = 3; k <= p->order; k++)
            ct[FDR_OBS_F2 + k - 2] = 1 / eta;
        p->anharmonic = fdr_scalar_estimate(r, ca);
        p->anharmonic_terms = fdr_scalar_estimate(r, ct);
        for (int k = 0; k < FDR_NOBS; k++)
            c[k] = ca[k] - ct[k];
        p->anharmonic_diff = fdr_scalar_estimate(r, c);
    }
    p->G_exact = p->theta_dot_grad_exact = p->loss_excess_exact = NAN;
    p->hessian_exact = p->curvature_exact = p->G_harmonic = NAN;
    if (hv) {
        p->G_harmonic = hv->G;
        if (lim->exact) {
            p->G_exact = hv->G;
            p->theta_dot_grad_exact = hv->theta_dot_grad;
            p->loss_excess_exact = hv->loss_excess;
            p->hessian_exact = kh * hv->G / eta;
            p->curvature_exact = kc * hv->G / hv->theta_dot_grad;
            if (p->order) {
                p->F_exact[2] = hv->F2;
                for (int k = 3; k <= p->order; k++)
                    p->F_exact[k] = 0; /* a quadratic has no higher derivatives */
            }
        }
    }
    int ok = isfinite(p->G.val) && p->G.err > 0 && isfinite(ratio);
    return ok ? FDR_OK
              : fdr_error(FDR_EINVAL, "G or <theta . grad f> has no finite estimate with a "
                                      "positive error bar (is the noise zero?)");
}

/* ---- weighted polynomial fits --------------------------------------------- */

/* Frees the linear map and zeroes f. */
void fdr_fit_clear(fdr_fit *f)
{
    free(f->L);
    memset(f, 0, sizeof *f);
}

int fdr_fit_poly(size_t n, const double *x, const double *y, const double *err, size_t p,
                 const int *pow, fdr_fit *f)
{
    memset(f, 0, sizeof *f);
    if (p == 0 || p > FDR_FIT_MAX || n < p)
        return fdr_error(FDR_EINVAL, "a fit of %zu coefficients needs at least %zu points, got %zu",
                         p, p, n);
    double xmax = 0, emax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]) || !(err[i] > 0) || !isfinite(err[i]))
            return fdr_error(FDR_EINVAL,
                             "fit: point %zu (x = %g) has no finite value with a positive error",
                             i + 1, x[i]);
        xmax = fmax(xmax, fabs(x[i]));
        emax = fmax(emax, err[i]);
    }
    if (!(xmax > 0))
        return fdr_error(FDR_EINVAL, "fit: every x is zero");
    f->n = n;
    f->p = p;
    memcpy(f->pow, pow, p * sizeof *pow);
    f->L = fdr_malloc(p * n * sizeof *f->L);
    gsl_matrix *X = gsl_matrix_alloc(n, p), *cov = gsl_matrix_alloc(p, p);
    gsl_vector *w = gsl_vector_alloc(n), *yv = gsl_vector_alloc(n), *cv = gsl_vector_alloc(p);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, p);
    int rc = FDR_OK;
    if (!f->L || !X || !cov || !w || !yv || !cv || !ws) {
        rc = fdr_error(FDR_ENOMEM, "out of memory in a fit of %zu points", n);
        goto done;
    }
    /* Powers of x / xmax keep the columns of the design matrix of order one
     * (eta^3 against eta spans many decades otherwise); y and err in units of
     * the largest error (a power of two, so exact) keep the weights of order
     * one. */
    double u = fdr_unit_scale(emax);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(X, i, j, gsl_pow_int(x[i] / xmax, pow[j]));
        double e = err[i] * u;
        gsl_vector_set(w, i, 1 / (e * e));
        gsl_vector_set(yv, i, y[i] * u);
    }
    if (gsl_multifit_wlinear(X, w, yv, cv, cov, &f->chisq, ws) != GSL_SUCCESS) {
        rc = fdr_error(FDR_EFAIL, "the weighted least-squares fit failed");
        goto done;
    }
    f->dof = (long)n - (long)p;
    for (size_t j = 0; j < p; j++) {
        double sj = gsl_pow_int(xmax, pow[j]);
        f->c[j] = gsl_vector_get(cv, j) / sj / u;
        f->err[j] = sqrt(gsl_matrix_get(cov, j, j)) / sj / u;
        for (size_t k = 0; k < p; k++)
            f->cov[j][k] = gsl_matrix_get(cov, j, k) / (sj * gsl_pow_int(xmax, pow[k])) / u / u;
        /* cov = (X^T W X)^-1 (unscaled by chi^2: the weights are the honest
         * error bars), so L = cov X^T W maps data to coefficients; the units
         * of y cancel in L. */
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t k = 0; k < p; k++)
                s += gsl_matrix_get(cov, j, k) * gsl_matrix_get(X, i, k);
            f->L[j * n + i] = s * gsl_vector_get(w, i) / sj;
        }
    }
done:
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(w);
    gsl_vector_free(yv);
    gsl_vector_free(cv);
    if (ws)
        gsl_multifit_linear_free(ws);
    if (rc != FDR_OK)
        fdr_fit_clear(f);
    return rc;
}

double fdr_fit_apply(const fdr_fit *f, size_t j, const double *y)
{
    double s = 0;
    for (size_t i = 0; i < f->n; i++)
        s += f->L[j * f->n + i] * y[i];
    return s;
}

double fdr_fit_apply_err(const fdr_fit *f, size_t j, const double *err)
{
    double emax = 0;
    for (size_t i = 0; i < f->n; i++)
        emax = fmax(emax, fabs(err[i]));
    double u = fdr_unit_scale(emax), s = 0;
    for (size_t i = 0; i < f->n; i++) {
        double t = f->L[j * f->n + i] * (err[i] * u);
        s += t * t;
    }
    return sqrt(s) / u;
}

/* ---- grading --------------------------------------------------------------- */

/* Appends an estimator row; exact_err > 0 marks a Monte Carlo reference
 * whose difference with the estimate has the error bias_err. A z-score whose
 * error bar is not a finite, positive number is NAN (unresolved), the rule
 * of fdrsim run's verdicts. */
static void grade(fdr_sweep_fit *f, const char *name, const char *what, double lr, fdr_est est,
                  double exact, double exact_err, double bias_err, double exact_finite)
{
    fdr_estimator *e = &f->est[f->nest++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->what = what;
    e->lr = lr;
    e->est = est;
    e->exact = exact;
    e->exact_err = exact_err;
    e->bias = est.val - exact;
    e->bias_err = bias_err;
    e->z = fdr_zscore(e->bias, bias_err);
    e->exact_finite = exact_finite;
    e->bias_finite = est.val - exact_finite;
    e->z_finite = fdr_zscore(e->bias_finite, est.err);
}

/* Frees the fits and the estimator rows and zeroes f. */
void fdr_sweep_fit_clear(fdr_sweep_fit *f)
{
    fdr_fit_clear(&f->G);
    fdr_fit_clear(&f->curv);
    fdr_fit_clear(&f->anh);
    free(f->est);
    memset(f, 0, sizeof *f);
}

/* The formulas shown next to each estimator; those with the optimizer's
 * factors come from its small_lr (optim.h), or say that they are missing. */
static const char W_NONE[] = "not available: the optimizer has no small-learning-rate limits";
static const char W_BALL_NONE[] =
    "<f> - f* (its eta -> 0 limit needs the optimizer's small-learning-rate limits)";
static const char W_A1_NONE[] = "a1 of G = a1 eta + a2 eta^2 + a3 eta^3 (its eta -> 0 limit "
                                "needs the optimizer's small-learning-rate limits)";
static const char W_ANH[] = "G - F2 / eta against (F3 + F4 + ...) / eta (FDR2)";
static const char W_K0[] = "k0 of curvature = k0 + k1 eta + k2 eta^2 -> Tr(H* C*) / Tr(C*)";
static const char W_B2[] =
    "b2 of G - F2 / eta = b2 eta^2 + b3 eta^3, against the same fit of (F3 + F4 + ...) / eta";
static const char W_B3[] =
    "b3 of G - F2 / eta = b2 eta^2 + b3 eta^3, against the same fit of (F3 + F4 + ...) / eta";

int fdr_sweep_fit_compute(const fdr_point *pts, size_t n, const fdr_limits *lim,
                          fdr_sweep_fit *out)
{
    memset(out, 0, sizeof *out);
    double *buf = fdr_malloc(6 * n * sizeof *buf);
    out->est = fdr_calloc(5 * n + 4, sizeof *out->est);
    if (!buf || !out->est) {
        free(buf);
        return FDR_ENOMEM;
    }
    double *x = buf, *y = x + n, *e = y + n, *ex = e + n, *t = ex + n, *te = t + n;
    static const int gpow[3] = {1, 2, 3}, kpow[3] = {0, 1, 2}, apow[2] = {2, 3};
    out->have_anh = 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = pts[i].lr;
        y[i] = pts[i].G.val;
        e[i] = pts[i].G.err;
        ex[i] = pts[i].G_exact;
        out->have_anh &= pts[i].order > 0;
    }
    int rc = fdr_fit_poly(n, x, y, e, 3, gpow, &out->G);
    out->a1_exact = fdr_limit_intercept(lim);
    out->a1_exact_finite = rc == FDR_OK ? fdr_fit_apply(&out->G, 0, ex) : NAN;
    for (size_t i = 0; rc == FDR_OK && i < n; i++) {
        y[i] = pts[i].curvature.val;
        e[i] = pts[i].curvature.err;
        ex[i] = pts[i].curvature_exact;
    }
    /* Without the optimizer's factors there is no curvature to fit: its
     * coefficients stay NAN (unavailable). */
    if (rc == FDR_OK && lim->small) {
        rc = fdr_fit_poly(n, x, y, e, 3, kpow, &out->curv);
    } else {
        for (size_t j = 0; j < FDR_FIT_MAX; j++)
            out->curv.c[j] = out->curv.err[j] = NAN;
        out->curv.chisq = NAN;
    }
    out->curvature_exact = fdr_limit_curvature(lim);
    out->curvature_exact_finite =
        rc == FDR_OK && lim->small ? fdr_fit_apply(&out->curv, 0, ex) : NAN;
    if (rc == FDR_OK && out->have_anh) {
        for (size_t i = 0; i < n; i++) {
            y[i] = pts[i].anharmonic.val;
            e[i] = pts[i].anharmonic.err;
            t[i] = pts[i].anharmonic_terms.val;
            te[i] = pts[i].anharmonic_terms.err;
        }
        rc = fdr_fit_poly(n, x, y, e, 2, apow, &out->anh);
        for (size_t j = 0; rc == FDR_OK && j < 2; j++) {
            out->b_terms[j].val = fdr_fit_apply(&out->anh, j, t);
            out->b_terms[j].err = fdr_fit_apply_err(&out->anh, j, te);
        }
        for (size_t i = 0; rc == FDR_OK && i < n; i++) {
            t[i] = pts[i].anharmonic_diff.val;
            te[i] = pts[i].anharmonic_diff.err;
        }
        for (size_t j = 0; rc == FDR_OK && j < 2; j++) {
            out->b_diff[j].val = fdr_fit_apply(&out->anh, j, t);
            out->b_diff[j].err = fdr_fit_apply_err(&out->anh, j, te);
        }
    }
    if (rc != FDR_OK) {
        free(buf);
        fdr_sweep_fit_clear(out);
        return rc;
    }
    const char *w_hess = lim->small ? lim->k.hessian : W_NONE;
    const char *w_curv = lim->small ? lim->k.curvature : W_NONE;
    const char *w_ball = lim->small ? lim->k.noise_ball : W_BALL_NONE;
    const char *w_a1 = lim->small ? lim->k.intercept : W_A1_NONE;
    /* Per learning rate: the three direct estimators and the anharmonic part. */
    for (size_t i = 0; i < n; i++) {
        const fdr_point *p = &pts[i];
        grade(out, "hessian_magnitude", w_hess, p->lr, p->hessian, fdr_limit_hessian(lim), 0,
              p->hessian.err, p->hessian_exact);
        grade(out, "curvature", w_curv, p->lr, p->curvature, fdr_limit_curvature(lim), 0,
              p->curvature.err, p->curvature_exact);
        if (lim->available)
            grade(out, "noise_ball", w_ball, p->lr, p->loss_excess,
                  fdr_limit_noise_ball(lim, p->lr), 0, p->loss_excess.err, p->loss_excess_exact);
        if (p->order)
            grade(out, "anharmonic", W_ANH, p->lr, p->anharmonic, p->anharmonic_terms.val,
                  p->anharmonic_terms.err, p->anharmonic_diff.err, lim->exact ? 0 : NAN);
    }
    /* Fitted: the eta -> 0 intercepts and the anharmonic coefficients. */
    fdr_est a1 = {out->G.c[0], out->G.err[0]};
    grade(out, "intercept_a1", w_a1, NAN, a1, out->a1_exact, 0, a1.err, out->a1_exact_finite);
    fdr_est k0 = {out->curv.c[0], out->curv.err[0]};
    grade(out, "curvature_limit", lim->small ? W_K0 : W_NONE, NAN, k0, out->curvature_exact, 0,
          k0.err, out->curvature_exact_finite);
    if (out->have_anh) {
        for (size_t j = 0; j < 2; j++) {
            fdr_est b = {out->anh.c[j], out->anh.err[j]};
            grade(out, j == 0 ? "anharmonic_b2" : "anharmonic_b3", j == 0 ? W_B2 : W_B3, NAN, b,
                  out->b_terms[j].val, out->b_terms[j].err, out->b_diff[j].err,
                  lim->exact ? 0 : NAN);
        }
    }
    free(buf);
    return FDR_OK;
}
