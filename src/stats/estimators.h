/* estimators.h - what the relations let a user read off SGD's own
 * fluctuations (doc/theory.md section 4), each graded against its exact value.
 *
 * With G(eta) = (1 - nu) <|grad f|^2> - (mu / eta) <v . grad f> (the
 * dissipation divided by eta), the estimators and their eta -> 0 limits are,
 * for momentum mu and dampening nu (H*, C* the Hessian and the noise
 * covariance at the minimum):
 *
 *   Hessian magnitude   2 (1 - mu^2) / (1 - nu)^2 G / eta     -> Tr(H* C*)
 *   noise-weighted      (1 + mu) / (1 - nu) G / <theta . grad f>
 *   curvature                                                 -> Tr(H* C*) / Tr(C*)
 *   noise-ball height   <f> - f*      -> eta (1 - nu) Tr(C*) / (4 (1 - mu))
 *   fitted intercept    a1 of G = a1 eta + a2 eta^2 + a3 eta^3
 *                                     -> (1 - nu)^2 / (1 - mu^2) Tr(H* C*) / 2
 *
 * The momentum and dampening factors are 1 for plain SGD, where these are
 * the paper's forms; they follow from the leading order of the stationary
 * covariance, <v v^T> = eta_b^2 C* / (1 - mu^2), H* S + S H* = eta_b C* /
 * (1 - mu), and were checked against the exact Lyapunov solution to 1e-6
 * relative at eta = 1e-6 (tests/test_sweep.c keeps that check). Nothing
 * here writes them: G's coefficients come from the optimizer type's
 * dissipation and the factors from its small_lr (optim.h), in whose terms
 * the estimators are G / (k_G eta), (k_theta / k_G) G / <theta . grad f>,
 * eta k_theta Tr(C*) / 2 and k_G Tr(H* C*). A type without small_lr leaves
 * the estimators that need its factors unavailable (NAN), never guessed.
 *
 * The anharmonic part of G is what the harmonic term leaves over,
 * A(eta) = G - F2 / eta; by FDR2 it equals (F3 + F4 + ...) / eta exactly,
 * the Taylor terms built from the landscape's exact derivatives. */
#ifndef FDR_ESTIMATORS_H
#define FDR_ESTIMATORS_H

#include "engine/engine.h"
#include "core/fdr.h"
#include "exact/lyapunov.h"
#include "model/model.h"

/* The exact references of a model that do not depend on the learning rate:
 * Tr(H* C*) and Tr(C*) at the minimum, and a Lyapunov workspace for the
 * harmonic approximation f ~ f* + (theta - theta*)^T H* (theta - theta*) / 2
 * with constant noise C*. On an exact quadratic with constant noise that
 * approximation is the model itself, so its stationary values are exact. */
typedef struct {
    int available;       /* the minimum theta* is known exactly */
    const char *why_not; /* if not: the reason, for the output */
    int exact;           /* the harmonic approximation is exact (quadratic, constant C,
                            noise independent from step to step) */
    int harmonic;        /* the harmonic approximation has a stationary state (H* > 0) */
    double tr_HC, tr_C;  /* Tr(H* C*), Tr(C*) */
    const fdr_optimizer_type *opt; /* the model's optimizer */
    fdr_optim_params op;           /* and its hyperparameters other than lr */
    int small;                     /* the type has small-lr limits (opt->small_lr) */
    fdr_small_lr k;                /* they, when small */
    fdr_lyap *w;         /* harmonic approximation, NULL if !harmonic */
} fdr_limits;

/* Computes the references of model m. Returns FDR_OK, with available = 0
 * and a reason when the minimum is not known, or a failure status. */
int fdr_limits_compute(const fdr_model *m, fdr_limits *lim);
void fdr_limits_clear(fdr_limits *lim);

/* The eta -> 0 limits listed at the top of this file (NAN if unavailable:
 * no known minimum, or, for the intercept and the noise ball, no small-lr
 * factors of the optimizer). */
double fdr_limit_hessian(const fdr_limits *lim);
double fdr_limit_curvature(const fdr_limits *lim);
double fdr_limit_intercept(const fdr_limits *lim);
double fdr_limit_noise_ball(const fdr_limits *lim, double lr);

/* Exact stationary values of the harmonic approximation at one learning
 * rate (NAN where it has no stationary state). */
typedef struct {
    double G, theta_dot_grad, loss_excess, F2;
} fdr_harmonic_values;

/* Solves the harmonic approximation at lr (the optimizer from lim; G needs
 * its dissipation). Not thread-safe: it uses lim's workspace. */
void fdr_harmonic_at(fdr_limits *lim, double lr, fdr_harmonic_values *out);

/* Everything the sweep records at one learning rate. Errors are 1 sigma
 * (fdr.h); exact values are NAN when unknown. */
typedef struct {
    double lr, momentum, dampening;
    uint64_t seed;
    int order;                   /* highest Taylor term measured, 0 if FDR2 is off */
    fdr_est G;                   /* G(eta) = dissipation / eta */
    fdr_est theta_dot_grad;      /* <(theta - c) . grad f> */
    fdr_est loss_excess;         /* <f> - f(c) */
    fdr_est F[FDR_KMAX + 1];     /* F[k] = <D^k f[v'^k]> / k!, k = 2 .. order */
    fdr_est anharmonic;          /* A = G - F2 / eta */
    fdr_est anharmonic_terms;    /* T = (F3 + ... + F_order) / eta */
    fdr_est anharmonic_diff;     /* A - T, from per-unit differences (FDR2 / eta) */
    fdr_est hessian;             /* G / (k_G eta) */
    fdr_est curvature;           /* (k_theta / k_G) G / <theta . grad f> */
    /* Exact stationary values at this lr (quadratic with constant noise). */
    double G_exact, theta_dot_grad_exact, loss_excess_exact, F_exact[FDR_KMAX + 1];
    double hessian_exact, curvature_exact;
    /* The harmonic approximation at the minimum (equal to the exact values
     * on a quadratic); shown for other landscapes, never graded there. */
    double G_harmonic;
} fdr_point;

/* Fills p from one finished run of model m. The exact and harmonic values
 * come from hv (NULL when unknown), exact only if lim->exact; hessian and
 * curvature are NAN when lim has no small-lr factors. FDR_EINVAL with a
 * message when m's optimizer has no dissipation coefficients (no G). */
int fdr_point_measure(const fdr_model *m, const fdr_result *r, const fdr_limits *lim,
                      const fdr_harmonic_values *hv, fdr_point *p);

/* A weighted least-squares fit y = sum_j c_j x^pow[j] with independent
 * 1-sigma errors (GSL's gsl_multifit_wlinear). The coefficients are a linear
 * map of the data, c = L y, kept so that the same fit can be applied to
 * other data on the same grid (exact values, or the difference of two
 * correlated series with its own errors).
 *
 * The fit is scale-free: it runs on the data and errors multiplied by a
 * power of two that brings the largest error to [1, 2) (fdr_unit_scale), so
 * the weights 1 / err^2 neither overflow (errors beyond ~1e154) nor underflow
 * (below ~1e-154), and c and err are unscaled exactly: data scaled by a power
 * of two give coefficients and errors scaled by exactly that power. */
#define FDR_FIT_MAX 4
typedef struct {
    size_t n, p;
    int pow[FDR_FIT_MAX];
    double c[FDR_FIT_MAX];
    double err[FDR_FIT_MAX]; /* 1-sigma error of c, finite whenever the data's errors are */
    /* Covariance of c from the data's errors; its entries are squares of the
     * data's scale, so they overflow to inf or underflow to 0 when the errors
     * are beyond ~1e154 or below ~1e-154 (err is computed without them). */
    double cov[FDR_FIT_MAX][FDR_FIT_MAX];
    double chisq;
    long dof;
    double *L; /* p x n */
} fdr_fit;

/* Fits n points (n > p; every err > 0 and finite). FDR_EINVAL with a
 * message if the data cannot be fitted. */
int fdr_fit_poly(size_t n, const double *x, const double *y, const double *err, size_t p,
                 const int *pow, fdr_fit *f);
void fdr_fit_clear(fdr_fit *f);
/* Coefficient j of the same fit applied to data y (NAN if any y is NAN). */
double fdr_fit_apply(const fdr_fit *f, size_t j, const double *y);
/* 1-sigma error of fdr_fit_apply for data with independent errors err,
 * summed in units of the largest error so that it neither overflows nor
 * underflows. */
double fdr_fit_apply_err(const fdr_fit *f, size_t j, const double *err);

/* One graded estimator: the estimate against its exact value. When the
 * exact value is an eta -> 0 limit, exact_finite is the exact expectation
 * of the estimator at the finite learning rate(s) used (from the Lyapunov
 * solution), so that bias_finite / err measures Monte Carlo noise alone and
 * exact_finite - exact the estimator's own bias. */
typedef struct {
    char name[32];
    const char *what;    /* the formula, for the output */
    double lr;           /* the learning rate; NAN for fitted (eta -> 0) estimators */
    fdr_est est;
    double exact;        /* the exact value (or limit); NAN when unknown */
    double exact_err;    /* > 0 when the reference is itself a Monte Carlo estimate of an
                            exact expression (the anharmonic Taylor terms), else 0 */
    double bias, bias_err, z;   /* est - exact, its 1-sigma error, bias / bias_err (NAN when
                                   unresolved: bias_err not finite and positive, fdr_zscore) */
    double exact_finite;        /* NAN when unknown */
    double bias_finite, z_finite;
} fdr_estimator;

/* The fits of a sweep and every graded estimator. */
typedef struct {
    fdr_fit G;    /* G = a1 eta + a2 eta^2 + a3 eta^3 */
    fdr_fit curv; /* curvature = k0 + k1 eta + k2 eta^2 */
    fdr_fit anh;  /* A = b2 eta^2 + b3 eta^3 (when FDR2 was measured) */
    int have_anh;
    double a1_exact, a1_exact_finite, curvature_exact, curvature_exact_finite;
    fdr_est b_terms[2]; /* the same anharmonic fit applied to T = (F3 + ...) / eta */
    fdr_est b_diff[2];  /* and to A - T, with per-point difference errors */
    fdr_estimator *est;
    size_t nest;
} fdr_sweep_fit;

/* Fits the n points (n >= 4) and grades every estimator. */
int fdr_sweep_fit_compute(const fdr_point *pts, size_t n, const fdr_limits *lim,
                          fdr_sweep_fit *out);
void fdr_sweep_fit_clear(fdr_sweep_fit *f);

#endif
