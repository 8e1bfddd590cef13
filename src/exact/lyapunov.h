/* lyapunov.h - exact second moments of heavy-ball SGD on a quadratic.
 *
 * For f = 1/2 (theta - theta*)^T H (theta - theta*) and additive noise of
 * constant covariance C, the state z = (theta - theta*, v) obeys
 *     z' = A z + b,  A = [[I - eta_b H, mu I], [-eta_b H, mu I]],
 *     Cov b = Q = eta_b^2 [[C, C], [C, C]]
 * (doc/theory.md section 5). The second moment M_t = E[z z^T] evolves as
 * M_{t+1} = A M_t A^T + Q and the stationary covariance solves the discrete
 * Lyapunov equation S = A S A^T + Q.
 *
 * Method: H = U diag(h) U^T is diagonalised once; in that eigenbasis A is a
 * direct sum of 2x2 blocks, so the equation decouples into one 4x4 linear
 * system per pair (i, j) of eigen-directions: O(d^3) once, then O(d^2) per
 * solve or per propagation step. Scales to d ~ 1000 and beyond.
 *
 * Propagation takes each direction's 2x2 block from an optimizer type's
 * linear map (optim.h), so it serves any type that has one; the stationary
 * solve is the closed form of heavy-ball blocks, or, for another type, its
 * map's 4 x 4 system per pair (fdr_lyap_stationary_map). */
#ifndef FDR_LYAPUNOV_H
#define FDR_LYAPUNOV_H

#include "optim/optim.h"
#include <stddef.h>

typedef struct fdr_lyap fdr_lyap;

/* Diagonalises H (d x d, symmetric, row-major) and stores C (d x d,
 * symmetric PSD) in H's eigenbasis. NULL with fdr_error on failure. */
fdr_lyap *fdr_lyap_alloc(size_t d, const double *H, const double *C);
void fdr_lyap_free(fdr_lyap *w);

/* Largest learning rate for which optimizer t with hyperparameters p is
 * stable on this H (t->max_stable_lr over H's spectrum); 0 if none is. */
double fdr_lyap_max_stable_lr(const fdr_lyap *w, const fdr_optimizer_type *t,
                              const fdr_optim_params *p);

/* Solves S = A S A^T + Q in closed form for a heavy-ball map (the
 * coefficients eta_b and mu of an optimizer type's heavy_ball), keeping the
 * solution inside w. Returns FDR_EUNSTABLE (with a message giving the
 * largest stable lr) when the spectral radius of A is >= 1. */
int fdr_lyap_stationary(fdr_lyap *w, double eta_b, double mu);

/* Solves S = A S A^T + Q for the linear map of optimizer t at
 * hyperparameters p and learning rate lr, any type with one: one 4 x 4
 * system per pair of eigen-directions, solved by LU. For a type with its
 * own map state (optim.h) the kept moment is that of (theta, v), v' read
 * off the map. FDR_EUNSTABLE (with the largest stable lr) outside
 * t->max_stable_lr, FDR_EINVAL without a map; the kept moment is then not
 * valid. */
int fdr_lyap_stationary_map(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p,
                            double lr);

/* Sets the internally kept second moment to the deterministic start
 * z0 = (theta0 - theta*, v0), given in the original basis (length d each). */
void fdr_lyap_set_initial(fdr_lyap *w, const double *dtheta0, const double *v0);

/* Advances the internally kept second moment one step, M <- A M A^T + Q,
 * for the linear map of optimizer t at hyperparameters p and learning rate
 * lr. FDR_EINVAL after fdr_lyap_step_traces (see there), when t has no
 * linear map or when its map is not on (theta, v) (own_map_state). */
int fdr_lyap_step(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p, double lr);

/* The same step for what fdr_lyap_traces_get reads only, in O(d) instead of
 * O(d^2). The rest of the moment is then stale: fdr_lyap_step and
 * fdr_lyap_blocks refuse with FDR_EINVAL until fdr_lyap_set_initial or
 * fdr_lyap_stationary sets it again. */
int fdr_lyap_step_traces(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p,
                         double lr);

/* Replaces the kept moment of z = (x, v) by that of (x, s v): <x v^T> by s
 * times it and <v v^T> by s^2 times it (the carry of a velocity convention
 * over a change of lr, optim.h). After fdr_lyap_step_traces only the pairs
 * the traces read are current, and only those are scaled. */
void fdr_lyap_scale_velocity(fdr_lyap *w, double s);

/* Exact traces of the kept moment (stationary solution or propagated one):
 * Tr(H M_tt) = <(theta-theta*) . grad f>, Tr M_vv = <v.v>,
 * Tr(H^2 M_tt) = <|grad f|^2>, Tr(H M_tv) = <(theta-theta*)^T H v> ... */
typedef struct {
    double theta_dot_grad; /* Tr(H M_tt)            */
    double v_dot_v;        /* Tr(M_vv)              */
    double grad_sq;        /* Tr(H^2 M_tt)          */
    double v_dot_grad;     /* Tr(H M_tv) = <v . grad f> */
    double loss_excess;    /* Tr(H M_tt) / 2        */
    double v_H_v;          /* Tr(H M_vv) = <v^T H v>; F2 = Tr(H M_vv) / 2 at stationarity */
    double tr_HC;          /* Tr(H C)               */
    double tr_C;           /* Tr(C)                 */
} fdr_lyap_traces;
void fdr_lyap_traces_get(const fdr_lyap *w, fdr_lyap_traces *t);

/* The kept moment's blocks in the original basis, d x d row-major each
 * (any pointer may be NULL): M_tt = <dtheta dtheta^T>, M_tv = <dtheta v^T>,
 * M_vv = <v v^T>. FDR_ENOMEM without scratch memory; FDR_EINVAL after
 * fdr_lyap_step_traces. */
int fdr_lyap_blocks(const fdr_lyap *w, double *Mtt, double *Mtv, double *Mvv);

#endif
