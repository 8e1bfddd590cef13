/* analysis.h - statistics and relations: turns the engine's accumulators
 * into estimates with honest 1-sigma error bars and into relation verdicts
 * (THEORY.md sections 3 and 9). */
#ifndef FDR_ANALYSIS_H
#define FDR_ANALYSIS_H

#include "engine.h"
#include "exact.h"
#include "fdr.h"

typedef struct {
    char name[32];
    fdr_est lhs, rhs, diff; /* diff = lhs - rhs, its error from per-unit differences */
    double z;               /* diff / diff_err */
    double rel;             /* |diff| / |lhs| (NAN for relations whose sides vanish) */
    double threshold;       /* |z| above which it fails (multiple-comparison adjusted) */
    int pass;
    double lhs_exact, rhs_exact; /* NAN when unknown */
    long component;  /* vector/tensor relations: the entry with the largest |z| */
    size_t count;    /* how many entries were tested (1 for scalar relations) */
} fdr_relation;

typedef struct {
    const char *key;  /* theta_dot_grad, v_dot_v, grad_sq, v_dot_grad, loss_excess */
    const char *what; /* a short description with its formula */
    fdr_est est;
    double exact;   /* NAN when unknown */
    double tau_int; /* integrated autocorrelation time, in steps */
} fdr_observable;

enum { FDR_REL_FDR0_GRAD, FDR_REL_FDR0_V, FDR_REL_FDR1, FDR_REL_FDR1_TENSOR, FDR_NREL };

typedef struct {
    fdr_relation rel[FDR_NREL];
    size_t nrel;
    fdr_observable obs[FDR_NOBS];
    size_t ntens;
    fdr_relation *tens; /* every tensor entry (or direction), for tensor.dat */
    int all_pass;
    const char *error_method; /* how the error bars were obtained */
} fdr_analysis;

/* A scalar relation sum_k cl[k] <O_k> = sum_k cr[k] <O_k> over the engine's
 * scalar observables (FDR1: cl = e_OL, cr = (1+mu)/(2 eta_b) e_VV). Tests
 * use it to show that a wrong relation is caught. */
void fdr_scalar_relation(const fdr_result *r, const double *cl, const double *cr,
                         double threshold, fdr_relation *out);

int fdr_analyse(const fdr_model *m, const fdr_result *r, const fdr_exact *e, fdr_analysis *a);
void fdr_analysis_clear(fdr_analysis *a);

/* The |z| threshold for the largest of n z-scores that keeps the
 * family-wise false-alarm rate of a single test at threshold (Bonferroni). */
double fdr_threshold_adjust(double threshold, size_t n);

#endif
