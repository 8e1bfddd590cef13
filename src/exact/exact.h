/* exact.h - exact stationary values for the relations, where they exist:
 * an exactly quadratic landscape with a noise law of constant covariance
 * (doc/theory.md section 5, through the Lyapunov solver), or else a 1-D
 * landscape of any shape under plain SGD with a noise law that has a
 * density (section 5.1, through the transfer operator, exact/transfer.h). */
#ifndef FDR_EXACT_H
#define FDR_EXACT_H

#include "exact/lyapunov.h"
#include "exact/transfer.h"
#include "model/model.h"

/* How the exact values were obtained. */
typedef enum { FDR_EXACT_NONE, FDR_EXACT_LYAPUNOV, FDR_EXACT_TRANSFER } fdr_exact_method;

/* A transfer-operator value whose error estimate is above this fraction of
 * its magnitude is not used as an exact value (it is NAN in q, and named in
 * fdr_exact.dropped). */
#define FDR_EXACT_MAX_REL_ERR 1e-3

/* The room for a reason formatted from the transfer operator's message. */
#define FDR_EXACT_WHY_MAX 512

typedef struct {
    int available;      /* exact stationary values are known */
    fdr_exact_method method;
    const char *why_not; /* if not: the reason, for the output (static, or why_buf) */
    char why_buf[FDR_EXACT_WHY_MAX];
    double max_stable_lr; /* NAN if the landscape is not quadratic */
    /* The exact stationary values in the order of transfer.h's FDR_TQ_*
     * (NAN where unknown), each with its numerical error: 0 from the
     * Lyapunov solution (exact to rounding), the transfer operator's
     * estimate from it. The analysis reads the state observables and F2 ..
     * FK (NAN above FDR2's order) and forms FDR1's right side and the
     * dissipation with the optimizer type's factors; the other entries are
     * the transfer operator's own (NAN from the Lyapunov solution). */
    fdr_est q[FDR_TQ_N];
    /* The Lyapunov traces (method LYAPUNOV); from the transfer operator
     * only the five state observables, the other traces NAN. */
    fdr_lyap_traces tr;
    fdr_transfer transfer; /* method TRANSFER: the solve (grid, cells, timing) */
    double max_rel_err;    /* the largest error / |value| over the values kept */
    char dropped[256];     /* the values left out for FDR_EXACT_MAX_REL_ERR, or "" */
    /* tensor FDR1 entries (same order as the engine's): <x_i g_j + x_j g_i>
     * and <v_i v_j>, or 2 <(u.x)(u.g)> and <(u.v)^2> for directions. */
    size_t ntens;
    double *tA, *tB;
    fdr_lyap *w; /* the solved workspace, kept for the tensor entries */
} fdr_exact;

/* Checks stability (FDR_EUNSTABLE, with the largest stable lr, if the exact
 * dynamics has no stationary state) and computes the exact values: the
 * Lyapunov solution where it applies, else the transfer operator with the
 * model's [transfer] options where that applies (a refusal of it, or a
 * failure of its solve, is the reason why_not gives). The error message
 * recorded before the call is kept. */
int fdr_exact_compute(const fdr_model *m, fdr_exact *e);
/* Fills the tensor entries once the engine's directions are known: all
 * entries i <= j when full, else the ntens rows of dirs (ntens x dim). */
int fdr_exact_tensor(const fdr_model *m, fdr_exact *e, int full, size_t ntens, const double *dirs);
void fdr_exact_clear(fdr_exact *e);

/* "lyapunov", "transfer" or "none" (summary.json's spelling). */
const char *fdr_exact_method_name(fdr_exact_method m);

#endif
