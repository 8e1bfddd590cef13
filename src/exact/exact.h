/* exact.h - exact stationary values for the relations, where they exist:
 * an exactly quadratic landscape with a noise law of constant covariance
 * (doc/theory.md section 5, through the Lyapunov solver). */
#ifndef FDR_EXACT_H
#define FDR_EXACT_H

#include "exact/lyapunov.h"
#include "model/model.h"

typedef struct {
    int available;      /* exact stationary values are known */
    const char *why_not; /* if not: the reason, for the output */
    double max_stable_lr; /* NAN if the landscape is not quadratic */
    fdr_lyap_traces tr;
    /* tensor FDR1 entries (same order as the engine's): <x_i g_j + x_j g_i>
     * and <v_i v_j>, or 2 <(u.x)(u.g)> and <(u.v)^2> for directions. */
    size_t ntens;
    double *tA, *tB;
    fdr_lyap *w; /* the solved workspace, kept for the tensor entries */
} fdr_exact;

/* Checks stability (FDR_EUNSTABLE, with the largest stable lr, if the exact
 * dynamics has no stationary state) and computes the exact values. */
int fdr_exact_compute(const fdr_model *m, fdr_exact *e);
/* Fills the tensor entries once the engine's directions are known: all
 * entries i <= j when full, else the ntens rows of dirs (ntens x dim). */
int fdr_exact_tensor(const fdr_model *m, fdr_exact *e, int full, size_t ntens, const double *dirs);
void fdr_exact_clear(fdr_exact *e);

#endif
