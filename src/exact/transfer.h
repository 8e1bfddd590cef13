/* transfer.h - the exact stationary law of SGD on a 1-D landscape of any
 * shape, from the Markov chain's transfer operator (doc/theory.md section
 * 5.1), and from it the exact value of every observable and relation side
 * the engine measures, each with an error estimate.
 *
 * Plain SGD (momentum 0) steps theta' = theta - eta_b (f'(theta) + xi),
 * xi = s(theta) z with z of a fixed standardised density q
 * (fdr_noise_unit_law), so the chain's kernel is
 *     K(theta -> theta') = q((theta - eta_b f'(theta) - theta') / sigma) / sigma,
 * sigma = eta_b s(theta). On a uniform grid of N cells the stationary law p
 * is the left eigenvector of the N x N matrix of that kernel, solved by
 * inverse iteration on one LU factorisation (GSL): N^2 memory, N^3 time.
 * The matrix takes either the kernel's value at the cell centres (times the
 * spacing: Nystrom's method, whose error falls exponentially with the
 * spacing for a smooth q) or, for the laws whose density has a jump or a
 * kink, the kernel's mass in each target cell from q's distribution
 * function, combined over cells of widths h, 3h and 5h so that the
 * smoothing this adds has no second or fourth moment (an O(h^6) bias where
 * p is smooth).
 *
 * Every value is computed three times: on the grid, on a grid of twice the
 * spacing over the same domain, and on the grid cut to a 10% narrower
 * domain; its error is the sum of the two changes plus the eigenvector's
 * residual and the mass that leaves the domain per step, each times the
 * largest |observable| on the grid. */
#ifndef FDR_TRANSFER_H
#define FDR_TRANSFER_H

#include "core/fdr.h"
#include "model/model.h"

#include <stddef.h>

/* The quantities, in the order of fdr_transfer.q; theta is centred at the
 * landscape's reference point c, as the engine centres it (engine.h). */
enum {
    FDR_TQ_OL,          /* <(theta - c) f'(theta)>                                   */
    FDR_TQ_VV,          /* <v^2>, v_t = theta_t - theta_{t-1}                        */
    FDR_TQ_GSQ,         /* <f'^2>                                                    */
    FDR_TQ_VG,          /* <v f'>                                                    */
    FDR_TQ_LOSS,        /* <f(theta) - f(c)>                                         */
    FDR_TQ_GRAD,        /* <f'> (FDR0: 0)                                            */
    FDR_TQ_FDR1_RHS,    /* (1 + mu) / (2 eta_b) <v^2>, FDR1's right side (left: OL)  */
    FDR_TQ_FDR1_DIFF,   /* OL minus FDR1's right side (0)                            */
    FDR_TQ_DISSIPATION, /* eta_b <f'^2> - mu <v f'>                                  */
    FDR_TQ_FLUCTUATION, /* F2 + ... + FK                                             */
    FDR_TQ_FDR2_DIFF,   /* dissipation - fluctuation (0 up to the series' truncation) */
    FDR_TQ_RESIDUAL,    /* dissipation - F2, the harmonic truncation's residual      */
    FDR_TQ_ANHARMONIC,  /* F3 + ... + FK                                             */
    FDR_TQ_F2,          /* F_k = <f^(k)(theta) v'^k> / k!, k = 2 .. K, then unused   */
    FDR_TQ_N = FDR_TQ_F2 + FDR_KMAX_ORDER - 1
};

/* The quantities' names (summary.json's spelling where it has one: F2 is
 * "F2") and descriptions of at most 34 characters (a table's last
 * column), FDR_TQ_N each. */
extern const char *const fdr_transfer_names[FDR_TQ_N];
extern const char *const fdr_transfer_what[FDR_TQ_N];

/* The options (fdr_transfer_opts, kernels FDR_TRANSFER_*) are the model's
 * [transfer] section: model.h. */

typedef struct {
    fdr_est q[FDR_TQ_N]; /* value and error (the error is an estimate, not a sigma) */
    int order;           /* K: F2 .. FK are set */
    int kernel;          /* POINT or CELL, as used */
    size_t cells;
    double lo, hi, spacing; /* the domain and the cell width */
    double sigma;           /* the kernel width eta_b s(c) at the reference point */
    long iterations;        /* inverse iterations of the eigenvector */
    double residual;        /* |p P - rho p|_1 for the computed p, rho = |p P|_1 */
    double tail_mass;       /* 1 - rho: the stationary mass a step takes off the domain */
    double seconds;         /* wall time of the three solves */
} fdr_transfer;

/* Checks that the transfer operator applies to m (FDR_EINVAL with the
 * reason: dimension above 1, an optimizer that is not heavy-ball, momentum,
 * a noise law without a density), without computing anything. */
int fdr_transfer_supported(const fdr_model *m);

/* Computes the exact stationary values of m into *out. opts may be NULL
 * (every default). FDR_EINVAL as fdr_transfer_supported, or for a domain
 * that would need more than max_cells cells or a landscape that does not
 * confine within 10^4 kernel widths of c; FDR_ENOMEM; FDR_EFAIL if the
 * factorisation fails. */
int fdr_transfer_solve(const fdr_model *m, const fdr_transfer_opts *opts, fdr_transfer *out);

#endif
