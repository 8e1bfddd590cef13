/* analysis.h - statistics and relations: turns the engine's accumulators
 * into estimates with honest 1-sigma error bars and into relation verdicts
 * (doc/theory.md sections 3 and 9). */
#ifndef FDR_ANALYSIS_H
#define FDR_ANALYSIS_H

#include "engine/engine.h"
#include "exact/exact.h"
#include "core/fdr.h"

/* A relation's verdict. A z-score means something only when the error bar
 * of LHS - RHS is finite and positive; without one (zero noise, a sum that
 * overflowed) the relation is UNRESOLVED: it neither passes nor fails. */
typedef enum { FDR_UNRESOLVED, FDR_PASS, FDR_FAIL } fdr_verdict; /* zeroed: unresolved */

typedef struct {
    char name[32];
    fdr_est lhs, rhs, diff; /* diff = lhs - rhs, its error from per-unit differences */
    double z;               /* diff / diff_err (NAN when unresolved) */
    double rel;             /* |diff| / |lhs| (NAN for relations whose sides vanish) */
    double rel_err;         /* its 1-sigma error, to first order from the units */
    double threshold;       /* |z| above which it fails (multiple-comparison adjusted) */
    fdr_verdict verdict;
    int pass;               /* verdict == FDR_PASS */
    double lhs_exact, rhs_exact; /* NAN when unknown */
    long component;  /* vector/tensor relations: the entry with the largest |z| */
    size_t count;    /* how many entries were tested (1 for scalar relations) */
    int identity;    /* 1: exact at stationarity (a failure is a failure); 0: an
                        approximation shown for comparison (the harmonic
                        truncation off the quadratic, a truncated series,
                        FDR1 with an adaptive preconditioner), whose
                        violation diff is reported with its error bar */
} fdr_relation;

/* Batches at least this many tau_int long resolve tau_int: the batch-means
 * estimate is biased low by a few times tau_int / L for batches of L steps
 * (about 5-10% here), and so are batch-means error bars. */
#define FDR_TAU_RESOLVED 20

/* The observables of the state reported on their own: FDR_OBS_OL .. LOSS. */
#define FDR_NSTATE_OBS (FDR_OBS_LOSS + 1)

typedef struct {
    const char *key;  /* theta_dot_grad, v_dot_v, grad_sq, v_dot_grad, loss_excess */
    const char *what; /* a short description with its formula */
    fdr_est est;
    double exact;   /* NAN when unknown */
    double exact_err; /* the exact value's numerical error (0 from the Lyapunov
                         solution, an estimate from the transfer operator) */
    double tau_int; /* integrated autocorrelation time, in steps; NAN if the
                       observable does not fluctuate */
    int tau_resolved; /* 0: the batches are shorter than FDR_TAU_RESOLVED
                         tau_int, so the batch-means estimate is biased
                         low: a lower bound (1 when tau_int is NAN) */
} fdr_observable;

/* The first three relations always stand at these places; the tensor FDR1
 * and the FDR2 relations follow when measured (see fdr_analysis_find). */
enum { FDR_REL_FDR0_GRAD, FDR_REL_FDR0_V, FDR_REL_FDR1, FDR_NREL = 8 };

/* The FDR2 decomposition (doc/theory.md section 3): dissipation
 * eta_b <|grad f|^2> - mu <v . grad f> against F_k = <D^k f[v'^k]> / k!. */
typedef struct {
    int measured;
    int order;               /* K */
    int degree;              /* the landscape's polynomial degree, 0 if none */
    fdr_est dissipation, F2_noise_averaged, truncation, anharmonic, residual;
    fdr_est F[FDR_KMAX + 1]; /* F[k] for k = 2 .. K */
    double dissipation_exact, F2_exact; /* NAN when unknown */
    double F_exact[FDR_KMAX + 1];       /* k = 2 .. K (F_exact[2] = F2_exact); NAN when unknown */
    double residual_exact, anharmonic_exact; /* dissipation - F2, F3 + ... + FK */
} fdr_fdr2_terms;

/* Quantities the stationarity check follows: the state observables and
 * FDR1's difference <theta . grad f> - (1 + mu)/(2 eta_b) <v . v>. */
#define FDR_NSTAT_QTY (FDR_NSTATE_OBS + 1)

/* Stationarity of the measurement window (doc/theory.md section 9): the drift
 * of each quantity from the window's first half to its second, per
 * replica (independent streams; a model has two or more), so that a
 * transient left in the window shows as a significant difference. */
typedef struct {
    const char *worst; /* the quantity with the largest |z| */
    fdr_est drift;     /* its second-half mean minus its first-half mean */
    double z;
    double threshold; /* |z| limit: Bonferroni over the quantities, Student t
                         with R - 1 degrees of freedom */
    int pass;
} fdr_stationarity;

typedef struct {
    fdr_relation rel[FDR_NREL];
    size_t nrel;
    fdr_observable obs[FDR_NSTATE_OBS];
    size_t ntens;
    fdr_relation *tens; /* every tensor entry (or direction), for tensor.dat */
    fdr_fdr2_terms fdr2;
    fdr_stationarity stationarity; /* a diagnostic: not part of all_pass */
    int all_pass;      /* every identity has the verdict FDR_PASS */
    size_t unresolved; /* identities with the verdict FDR_UNRESOLVED */
    const char *error_method; /* how the error bars were obtained */
    int errors_suspect;       /* batch-means errors with batches too short for tau_int */
} fdr_analysis;

/* A scalar relation sum_k cl[k] <O_k> = sum_k cr[k] <O_k> over the engine's
 * scalar observables (FDR1: cl = e_OL, cr = (1+mu)/(2 eta_b) e_VV). Tests
 * use it to show that a wrong relation is caught. */
void fdr_scalar_relation(const fdr_result *r, const double *cl, const double *cr,
                         double threshold, fdr_relation *out);

int fdr_analyse(const fdr_model *m, const fdr_result *r, const fdr_exact *e, fdr_analysis *a);
void fdr_analysis_clear(fdr_analysis *a);

/* The z-score of an estimate against an exact value with a numerical error:
 * (est - exact) / hypot(err, exact_err), NAN as fdr_zscore. */
double fdr_zscore_exact(fdr_est est, double exact, double exact_err);

/* 1 if an exact value's numerical error is not small against the 1-sigma
 * error bar of the estimate it grades (above a tenth of it): its z-score
 * then says less than its value suggests, and the output says so. */
int fdr_exact_error_matters(double err, double exact_err);

/* The z-score diff / err of a difference with its 1-sigma error, or NAN
 * when the difference is unresolved: diff not finite, or err not a finite,
 * positive number (then z decides nothing, neither a pass nor a failure). */
double fdr_zscore(double diff, double err);

/* "pass", "fail" or "unresolved" (summary.json's spelling). */
const char *fdr_verdict_name(fdr_verdict v);

/* The relation called name, or NULL. */
const fdr_relation *fdr_analysis_find(const fdr_analysis *a, const char *name);

/* Estimate of sum_k coef[k] <O_k> with its 1-sigma error. */
fdr_est fdr_scalar_estimate(const fdr_result *r, const double *coef);

/* The |z| threshold for the largest of n z-scores that keeps the
 * family-wise false-alarm rate of a single test at threshold (Bonferroni). */
double fdr_threshold_adjust(double threshold, size_t n);

#endif
