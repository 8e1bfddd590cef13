/* fdrsim.h - the public API of libfdrsim, the library under the fdrsim
 * command: Monte Carlo checks of the fluctuation-dissipation relations of
 * SGD (S. Yaida, ICLR 2019, arXiv:1810.00004).
 *
 * Opaque handles and status-returning functions, in the style of NLopt and
 * GSL: build a model (from a model file, INI text, or C arrays), run it,
 * read the relations and observables from the results, free both. Every
 * function that can fail returns FDRSIM_OK (0) or a negative status and
 * records a message, fdrsim_errmsg(), for the calling thread; the library
 * never prints. Compile and link with `pkg-config --cflags --libs fdrsim`.
 *
 * The end of this header is the plugin ABI: a landscape type of one's own,
 * in a shared object that fdrsim loads for [landscape] type = plugin. */
#ifndef FDRSIM_H
#define FDRSIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FDRSIM_API __attribute__((visibility("default")))
#else
#define FDRSIM_API
#endif

/* Status codes (0 success, negative failure). */
enum {
    FDRSIM_OK = 0,
    FDRSIM_EINVAL = -1,    /* bad input: a model file, a key, an argument  */
    FDRSIM_ENOMEM = -2,    /* allocation failed                            */
    FDRSIM_EUNSTABLE = -3, /* the dynamics has no stationary state         */
    FDRSIM_EDIVERGED = -4, /* the simulation produced a non-finite state   */
    FDRSIM_EIO = -5,       /* reading a file failed                        */
    FDRSIM_EFAIL = -6      /* a numerical routine failed                   */
};

/* A relation's verdict: unresolved when its error bar is zero or not finite. */
enum { FDRSIM_UNRESOLVED = 0, FDRSIM_PASS = 1, FDRSIM_FAIL = 2 };

/* The library's version, "MAJOR.MINOR.PATCH". */
FDRSIM_API const char *fdrsim_version(void);

/* The message of the last failure in this thread ("" if none): it names the
 * file, line and key of a bad model. */
FDRSIM_API const char *fdrsim_errmsg(void);

typedef struct fdrsim_model fdrsim_model;
typedef struct fdrsim_results fdrsim_results;

/* A model from INI text (the model-file format; name labels it in
 * messages, e.g. "<string>") or from a model file, then the nsets
 * overrides in sets, each "section.key=value" as fdrsim's --set takes
 * (sets may be NULL when nsets is 0). On success *out owns the model. */
FDRSIM_API int fdrsim_model_from_string(const char *ini, const char *name,
                                        const char *const *sets, size_t nsets,
                                        fdrsim_model **out);
FDRSIM_API int fdrsim_model_from_file(const char *path, const char *const *sets, size_t nsets,
                                      fdrsim_model **out);

/* A quadratic f = theta^T H theta / 2 in dimension dim (H dim x dim,
 * row-major, symmetric positive definite; dim <= 1000) with Gaussian gradient noise of
 * covariance C (dim x dim, row-major, symmetric positive semi-definite),
 * stepped by the optimizer type named (sgd, nesterov, rmsprop, adam,
 * amsgrad, preconditioned) at learning rate lr; the arrays are copied. The
 * other keys (momentum, replicas, steps, seed, ...) take their defaults
 * unless set by the overrides in sets. */
FDRSIM_API int fdrsim_model_quadratic(size_t dim, const double *H, const double *C,
                                      const char *optimizer, double lr, const char *const *sets,
                                      size_t nsets, fdrsim_model **out);

FDRSIM_API void fdrsim_model_free(fdrsim_model *m);

/* The model's dimension d. */
FDRSIM_API size_t fdrsim_model_dim(const fdrsim_model *m);

/* Runs the model's replicas on `threads` OpenMP threads (0: OpenMP's
 * default; the results are identical bit for bit for any count) and
 * analyses the relations against their exact values where known. On
 * success *out owns the results. */
FDRSIM_API int fdrsim_run(const fdrsim_model *m, int threads, fdrsim_results **out);

FDRSIM_API void fdrsim_results_free(fdrsim_results *r);

/* 1 when every identity passed. */
FDRSIM_API int fdrsim_results_all_pass(const fdrsim_results *r);

/* The relations, i = 0 .. fdrsim_results_nrelations() - 1: FDR0 (grad, v),
 * FDR1, then the tensor FDR1 and the FDR2 terms when measured. */
FDRSIM_API size_t fdrsim_results_nrelations(const fdrsim_results *r);

/* Relation i: its name ("FDR1", ...), NULL if i is out of range. */
FDRSIM_API const char *fdrsim_relation_name(const fdrsim_results *r, size_t i);

/* Relation i's two sides with their 1-sigma errors and exact values (NAN
 * when unknown); any pointer may be NULL. */
FDRSIM_API int fdrsim_relation_sides(const fdrsim_results *r, size_t i, double *lhs,
                                     double *lhs_err, double *rhs, double *rhs_err,
                                     double *lhs_exact, double *rhs_exact);

/* Relation i's z-score of lhs - rhs (NAN when unresolved), its verdict
 * (FDRSIM_PASS, FDRSIM_FAIL or FDRSIM_UNRESOLVED), and whether it is an
 * identity (1: exact at stationarity) or an approximation shown for
 * comparison (0); any pointer may be NULL. */
FDRSIM_API int fdrsim_relation_verdict(const fdrsim_results *r, size_t i, double *z,
                                       int *verdict, int *identity);

/* The observables of the stationary state, i = 0 .. n - 1: theta_dot_grad,
 * v_dot_v, grad_sq, v_dot_grad, loss_excess. */
FDRSIM_API size_t fdrsim_results_nobservables(const fdrsim_results *r);
/* Observable i's key, NULL if i is out of range. */
FDRSIM_API const char *fdrsim_observable_name(const fdrsim_results *r, size_t i);
/* Observable i's estimate, 1-sigma error and exact value (NAN when
 * unknown); any pointer may be NULL. */
FDRSIM_API int fdrsim_observable(const fdrsim_results *r, size_t i, double *value, double *err,
                                 double *exact);

/* ---- plugin landscapes ------------------------------------------------
 *
 * A shared object (cc -shared -fPIC $(pkg-config --cflags fdrsim) ...) that
 * exports the constant
 *
 *     const fdrsim_landscape_plugin fdrsim_landscape = {FDRSIM_LANDSCAPE_ABI, ...};
 *
 * is a landscape f: R^d -> R with exact derivatives; a model file uses it
 * with [landscape] type = plugin and plugin = PATH (relative to the model
 * file), and `fdrsim landscape --selftest MODEL.ini` checks its derivatives
 * against finite differences. It needs no library: the keys of
 * [landscape] reach init through the callbacks of fdrsim_keys. The
 * functions are called from several threads at once on the same state,
 * which they must only read after init. */

/* The version of the structure below: fdrsim refuses a plugin built for
 * another. Raised whenever the structure changes. */
#define FDRSIM_LANDSCAPE_ABI 1
/* The name of the symbol the shared object exports. */
#define FDRSIM_LANDSCAPE_SYMBOL "fdrsim_landscape"

/* The model file's [landscape] keys, for a plugin's init. Each getter
 * returns FDRSIM_OK, or FDRSIM_EINVAL with a message already naming the
 * file, line and key (init then returns it); a key absent from the file
 * takes def (vector: every entry). Keys left unread are refused as
 * unknown. */
typedef struct {
    void *ctx;
    int (*get_double)(void *ctx, const char *key, double def, double *out);
    /* n numbers, or one number for all n entries */
    int (*get_vector)(void *ctx, const char *key, size_t n, double def, double *out);
    /* Reports a bad value of key (message: what is wrong with it) naming
     * the file, line and key; returns FDRSIM_EINVAL. */
    int (*error)(void *ctx, const char *key, const char *message);
} fdrsim_keys;

typedef struct {
    int abi;             /* FDRSIM_LANDSCAPE_ABI */
    const char *name;    /* a short name for the outputs */
    const char *summary; /* one line */
    size_t size;         /* bytes of private state, zeroed before init */
    int degree;          /* the polynomial degree (FDR2 closes exactly at it), 0 if none */
    /* Optional: reads and validates the type's keys (dim is known); a
     * status. */
    int (*init)(void *state, const fdrsim_keys *keys, size_t dim);
    /* Optional: releases what init allocated, also after a failed init. */
    void (*free)(void *state);
    /* f(x), and its gradient into g (dim). */
    double (*value_grad)(const void *state, const double *x, double *g);
    /* out[k - 1] = D^k f(x)[u, ..., u], k = 1 .. K (K <= 16). */
    void (*dderiv)(const void *state, const double *x, const double *u, int K, double *out);
    /* The Hessian at x, dim x dim row-major. */
    void (*hessian)(const void *state, const double *x, double *H);
    /* Writes the point the relations are centred on (the minimum where
     * known) into x; returns 1 if it is the global minimum, else 0. */
    int (*centre)(const void *state, double *x);
} fdrsim_landscape_plugin;

#ifdef __cplusplus
}
#endif

#endif
