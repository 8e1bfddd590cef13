/* landscape.h - loss functions f: R^d -> R with exact derivatives.
 *
 * A landscape type is a GSL-style constant struct: a name, the size of its
 * private state and function pointers; one implementation per file, all
 * static except the exported struct fdr_landscape_NAME, listed in the
 * NULL-terminated registry fdr_landscape_types. The wrapper fdr_landscape
 * adds what every landscape shares (weight decay, the reference point). */
#ifndef FDR_LANDSCAPE_H
#define FDR_LANDSCAPE_H

#include "config/cfg.h"
#include <stddef.h>

/* The highest derivative order derivs_block is asked for. */
#define FDR_DERIV_KMAX 16

/* A constant symmetric covariance C prepared for the traces Tr(H(theta) C)
 * of one landscape (fdr_trace_init): the noise part of FDR2's
 * noise-averaged F2, every replica and step. */
typedef struct {
    const double *C; /* dim x dim, the caller's, alive as long as the trace */
    int diagonal;    /* C is diagonal: the types skip their d x d products with it */
    double trace;    /* Tr C */
    double *pre;     /* what the type precomputes from C (trace_prepare), or NULL */
} fdr_trace;

typedef struct fdr_landscape_type_s {
    const char *name;
    const char *summary; /* one line for `fdrsim list` */
    size_t size;         /* bytes of private state, zeroed before init */
    int degree;          /* polynomial degree (FDR2 closes exactly at it), 0 if not a polynomial */
    /* Reads and validates this type's keys in [landscape] (dim is known). */
    int (*init)(void *state, fdr_config *cfg, size_t dim);
    /* Releases what init allocated, also after a failed init (the state
     * starts zeroed); the state itself is freed by the caller. */
    void (*free)(void *state);
    /* Doubles of scratch that eval_block and derivs_block need for n points
     * with m directions each (at least n * dim). */
    size_t (*work_size)(const void *state, size_t n, size_t m);
    /* Values F[r] and gradients G (n x dim, row-major) at the n rows of X.
     * F may be NULL. work holds work_size(n, 0) doubles of scratch. */
    void (*eval_block)(const void *state, size_t n, const double *X, double *F, double *G,
                       double *work);
    /* Directional derivatives at the n rows x_r of X along m directions
     * each: D[(r m + j) K + k - 1] = D^k f(x_r)[u^k] for u row r m + j of U
     * (n m x dim) and k = 1..K <= FDR_DERIV_KMAX. With T non-NULL also
     * T[r] = Tr(H(x_r) C) for the C prepared in tc, without forming H (tc
     * may be given with T NULL: no traces then). work holds work_size(n, m)
     * doubles. Dense work is one level-3 product over the whole block. */
    void (*derivs_block)(const void *state, size_t n, const double *X, size_t m, const double *U,
                         int K, double *D, const fdr_trace *tc, double *T, double *work);
    /* Precomputes into tc->pre (allocating it) what derivs_block needs from
     * tc->C, e.g. the rotated covariance's diagonal; a status. */
    int (*trace_prepare)(const void *state, fdr_trace *tc);
    /* Optional: if f(theta) = f0(V (theta - o)) with V orthogonal and f0 this
     * type's landscape for the state returned (cheaper: no rotation), returns
     * that state and points *V (dim x dim, row-major) and *o at V and o;
     * else NULL. The engine then steps in the coordinates x = V (theta - o). */
    const void *(*frame)(const void *state, const double **V, const double **o);
    /* Hessian at x, dim x dim row-major (set-up, reports and the CLI; the
     * engine needs it only for minibatch noise over shifted copies of an
     * anharmonic landscape, whose C(theta) has no prepared form). */
    void (*hessian)(const void *state, const double *x, double *H);
    /* The point theta* the type is built around (its global minimum where
     * known); returns 1 if it is known to be the global minimum. */
    int (*centre)(const void *state, double *x);
    /* If f is exactly quadratic: writes its constant Hessian and returns 1
     * (with diagonal Gaussian noise, the engine's fused path then takes all
     * gradients of a block of replicas from one matrix product). */
    int (*constant_hessian)(const void *state, double *H);
    /* If f is a separable quadratic in the original coordinates: writes the
     * diagonal of its Hessian and returns 1 (the fused path then needs no
     * product at all). */
    int (*diagonal_hessian)(const void *state, double *h);
    /* Optional: the type a state stands for after init, when its type
     * takes its functions and attributes (name, degree) at run time: the
     * plugin type (plugin.c) then returns one kept in the state. */
    const struct fdr_landscape_type_s *(*instance)(const void *state);
} fdr_landscape_type;

extern const fdr_landscape_type fdr_landscape_quadratic;
extern const fdr_landscape_type fdr_landscape_quartic;
extern const fdr_landscape_type fdr_landscape_gmm;
extern const fdr_landscape_type fdr_landscape_regression;
extern const fdr_landscape_type fdr_landscape_plugin;
extern const fdr_landscape_type *const fdr_landscape_types[];

/* A configured landscape: the type, its state, and the shared parts. */
typedef struct {
    const fdr_landscape_type *type;
    void *state;
    size_t dim;
    double weight_decay;
    double *ref;       /* reference point c for the relations: the minimum where known */
    double fref;       /* f(ref) */
    int ref_is_min;    /* ref is the exact global minimum (then f - fref is the excess loss) */
    double *H;         /* constant Hessian (weight decay included) or NULL */
    double *hdiag;     /* separable quadratic: Hessian diagonal, or NULL */
    /* A data set of shifted copies: f(theta) = (1/N) sum_a f_type(theta - c_a)
     * (minibatch noise on a non-quadratic landscape), or NULL. */
    double *shifts;
    size_t nshift;
    /* f(theta) = f0(V (theta - o)), f0 the type's landscape for state
     * frame (see the type's frame): set only without weight decay and
     * shifts, which the frame would not carry; else frame is NULL. */
    const void *frame;
    const double *frame_V, *frame_o;
} fdr_landscape;

/* Builds the landscape described by [landscape] in cfg, of the registered
 * type its key `type` names. NULL with fdr_error. */
fdr_landscape *fdr_landscape_alloc(fdr_config *cfg);
/* The same for a type given by the caller, registered or not (a test's own
 * type): reads [landscape] dim, weight_decay and the type's keys, not
 * `type`. NULL with fdr_error. */
fdr_landscape *fdr_landscape_alloc_type(fdr_config *cfg, const fdr_landscape_type *type);
void fdr_landscape_free(fdr_landscape *l);

/* Value, gradient and Hessian at one point, weight decay included (they
 * allocate their scratch: set-up, reports and the CLI; NAN if out of
 * memory). */
double fdr_landscape_value(const fdr_landscape *l, const double *x);
void fdr_landscape_gradient(const fdr_landscape *l, const double *x, double *g);
void fdr_landscape_hessian(const fdr_landscape *l, const double *x, double *H);
/* out[k-1] = D^k f(x)[u^k], k = 1..K, at one point; a status. */
int fdr_landscape_dderiv(const fdr_landscape *l, const double *x, const double *u, int K,
                         double *out);
/* Doubles of scratch the block functions below need for n points with m
 * directions each. */
size_t fdr_landscape_work_size(const fdr_landscape *l, size_t n, size_t m);
/* Block evaluation, weight decay included (see eval_block); work holds
 * fdr_landscape_work_size(l, n, 0) doubles. */
void fdr_landscape_eval_block(const fdr_landscape *l, size_t n, const double *X, double *F,
                              double *G, double *work);
/* Block derivatives, weight decay included (see derivs_block); work holds
 * fdr_landscape_work_size(l, n, m) doubles. No allocation. */
void fdr_landscape_derivs_block(const fdr_landscape *l, size_t n, const double *X, size_t m,
                                const double *U, int K, double *D, const fdr_trace *tc, double *T,
                                double *work);
/* Prepares C (dim x dim, symmetric, kept by the caller) for Tr(H(theta) C)
 * on l; release with fdr_trace_clear. A status. */
int fdr_trace_init(fdr_trace *tc, const fdr_landscape *l, const double *C);
/* The same for a type's own state (a frame's f0) in dimension d. */
int fdr_trace_init_type(fdr_trace *tc, const fdr_landscape_type *type, const void *state,
                        size_t d, const double *C);
void fdr_trace_clear(fdr_trace *tc);

/* Turns l into the mean of N shifted copies of itself, c_a the rows of c
 * (N x dim, copied); its reference point stays, but is no longer known to
 * be the minimum. */
int fdr_landscape_average(fdr_landscape *l, const double *c, size_t N);

/* Checks the contract of l's type numerically at 4 points along 2
 * directions each, orders 1..6: the block functions against the point
 * ones, the gradient and Hessian along u against D1 and D2, central
 * differences along u (step 1e-4, agreement to 1e-6 relative) of f for D1,
 * of the gradient for D2 and of D^k for D^(k+1), and the traces Tr(H C)
 * against the Hessian for a dense and a diagonal C. FDR_OK if all agree;
 * FDR_EFAIL with the first disagreement in why (nwhy bytes), a verdict
 * rather than an error (no fdr_error); FDR_ENOMEM. */
int fdr_landscape_selftest(const fdr_landscape *l, char *why, size_t nwhy);

/* Looks a type up by name; NULL if unknown. */
const fdr_landscape_type *fdr_landscape_type_find(const char *name);

/* If l is a `regression` landscape: its data set (N x dim features X and
 * targets y, owned by l), returning 1; else 0. Per-sample losses for
 * minibatch noise. */
int fdr_regression_data(const fdr_landscape *l, const double **X, const double **y, size_t *N);

/* Reads [landscape] rotation = none | random and rotation_seed: *Q is NULL
 * for none, else a fresh seeded Haar-random orthogonal matrix (d x d, the
 * caller frees it). */
int fdr_landscape_rotation(fdr_config *cfg, size_t d, double **Q);

/* Shared helper: a seeded random orthogonal matrix (d x d, row-major),
 * Haar-distributed (QR of a Gaussian matrix with the sign fix). */
int fdr_random_orthogonal(size_t d, unsigned long seed, double *Q);

#endif
