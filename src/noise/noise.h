/* noise.h - gradient-noise laws: g = grad f(theta) + xi, E xi = 0,
 * Cov xi = C(theta), each law knowing its C(theta) exactly.
 * Types follow the same GSL-style pattern as landscapes (landscape.h). */
#ifndef FDR_NOISE_H
#define FDR_NOISE_H

#include "config/cfg.h"
#include "landscapes/landscape.h"
#include "rng/rng.h"
#include <stddef.h>

typedef struct {
    const char *name;
    const char *summary;
    size_t size;
    /* Reads this law's keys in [noise]; the landscape is known (for C = c H^alpha). */
    int (*init)(void *state, fdr_config *cfg, const fdr_landscape *l);
    /* Releases what init allocated, also after a failed init. */
    void (*free)(void *state);
    /* Noise rows Z (n x dim) for replicas first .. first + n - 1 at step t,
     * at the points X, replica first + r drawing from rng[r]. work holds
     * n * dim doubles of scratch. A law may keep per-replica state (an epoch's
     * permutation, say) in its state: a replica is only ever sampled by one
     * thread at a time. */
    void (*sample)(void *state, size_t n, size_t first, long t, const double *X, double *Z,
                   fdr_rng *const *rng, double *work);
    /* Exact covariance C(x), dim x dim; returns 1 if it does not depend on x. */
    int (*covariance)(const void *state, const double *x, double *C);
    /* Optional: Tr(H C(x)) for replica `replica` (< the count given to
     * prepare, whose scratch it may use; one thread per replica at a time),
     * cheaper than forming C(x): the noise part of FDR2's noise-averaged F2,
     * every step, with no allocation. H is the landscape's constant
     * Hessian; off the quadratic it is NULL, and only a law that knows its
     * landscape's Hessian at x (minibatch over shifted copies) is asked
     * (others give covariance_scale, which the engine prefers). */
    double (*trace_hc)(const void *state, size_t replica, const double *x, const double *H);
    /* Optional: C(x) = a(x) C0 with C0 constant: returns a(x) and points *C0
     * at C0 (the engine then prepares Tr(H(theta) C0) once with the
     * landscape and scales it at every step). */
    double (*covariance_scale)(const void *state, const double *x, const double **C0);
    /* Optional: called once before a run of R replicas (per-replica state). */
    int (*prepare)(void *state, size_t replicas);
    /* Optional, with prepare: the per-replica state that carries from one
     * step to the next (not scratch), which a checkpoint saves and puts
     * back: points *p at replica r's bytes and returns their count, the
     * same for every replica. */
    size_t (*replica_state)(void *state, size_t replica, void **p);
    /* Optional: why the relations hold only approximately under this law
     * as configured, or NULL when they are exact. */
    const char *(*caveat)(const void *state);
    /* If the law is Gaussian with a diagonal covariance: writes the standard
     * deviations and returns 1 (enables the engine's fused fast path). */
    int (*diagonal_std)(const void *state, double *s);
} fdr_noise_type;

extern const fdr_noise_type fdr_noise_gaussian;
extern const fdr_noise_type fdr_noise_minibatch;
extern const fdr_noise_type fdr_noise_student_t;
extern const fdr_noise_type fdr_noise_laplace;
extern const fdr_noise_type fdr_noise_uniform;
extern const fdr_noise_type fdr_noise_rademacher;
extern const fdr_noise_type fdr_noise_skewed;
extern const fdr_noise_type fdr_noise_state;
extern const fdr_noise_type *const fdr_noise_types[];

typedef struct {
    const fdr_noise_type *type;
    void *state;
    size_t dim;
    double *C;    /* the constant covariance, or NULL if it depends on theta */
    double *sdiag; /* diagonal Gaussian: standard deviations, or NULL */
    const char *caveat; /* why the relations are only approximate, or NULL */
} fdr_noise;

/* Third and fourth moments of the noise along u at theta = x:
 * *m3 = E[(u.xi)^3], *m4 = E[(u.xi)^4]. For the laws of independent draws
 * xi = S z (noise_iid.c), m3 = E z^3 sum_j (u.s_j)^3 and
 * m4 = 3 (u^T C u)^2 + (E z^4 - 3) sum_j (u.s_j)^4, s_j the columns of S;
 * for the laws that are Gaussian given theta, 0 and 3 (u^T C(x) u)^2.
 * Returns FDR_EINVAL (recording no message), the unknown moment NAN, where a
 * moment is infinite (Student-t with dof <= 4) or has no closed form. */
int fdr_noise_moments(const fdr_noise *n, const double *x, const double *u, double *m3,
                      double *m4);

/* The law of a 1-D model's noise as a scale times a standardised scalar:
 * xi = s(x) z at theta = x, z of mean 0, variance 1 and a density that
 * does not depend on x, so that the exact transfer operator
 * (exact/transfer.h) can integrate the step's kernel. s(x)^2 is the law's
 * C(x) (noise.h's covariance). */
typedef enum {
    FDR_UNIT_GAUSSIAN, /* gaussian, state (Gaussian given theta) */
    FDR_UNIT_STUDENT_T, /* student_t: t_nu scaled to variance 1 */
    FDR_UNIT_LAPLACE,
    FDR_UNIT_UNIFORM,
    FDR_UNIT_GAMMA /* skewed: (G - k) / sqrt(k), G ~ Gamma(k, 1) */
} fdr_unit_kind;

typedef struct {
    fdr_unit_kind kind;
    double shape; /* the Student-t dof nu, the gamma shape k; else 0 */
    /* 1 if the density is smooth (infinitely differentiable) on the whole
     * line: Gaussian and Student-t; the others have a jump or a kink */
    int smooth;
} fdr_unit_law;

/* Describes the standardised scalar of a 1-D noise law n (dimension 1):
 * gaussian, state, student_t, laplace, uniform and skewed. FDR_EINVAL with
 * a message saying why for a law without a density (rademacher: random
 * signs; minibatch: a finite data set's gradients) and for a dimension
 * above 1. */
int fdr_noise_unit_law(const fdr_noise *n, fdr_unit_law *u);
/* The density of z at z, its distribution function P(Z <= z) and survival
 * function P(Z > z) (each accurate in its own tail, so that a difference
 * of two is accurate far out), and its moment E z^k (k >= 0; NAN where it
 * is infinite). */
double fdr_unit_density(const fdr_unit_law *u, double z);
double fdr_unit_cdf(const fdr_unit_law *u, double z);
double fdr_unit_sf(const fdr_unit_law *u, double z);
double fdr_unit_moment(const fdr_unit_law *u, int k);

/* Builds the noise law described by [noise] in cfg on the landscape l, of
 * the registered type its key `type` names (default gaussian). NULL with
 * fdr_error. */
fdr_noise *fdr_noise_alloc(fdr_config *cfg, const fdr_landscape *l);
/* The same for a type given by the caller, registered or not (a test's own
 * law): reads the type's keys in [noise], not `type`; the caller runs the
 * type's prepare, if any, once the replica count is known. NULL with
 * fdr_error. */
fdr_noise *fdr_noise_alloc_type(fdr_config *cfg, const fdr_landscape *l, const fdr_noise_type *type);

/* If n is minibatch noise over shifted copies of a non-quadratic landscape:
 * the centred shifts (N x dim, owned by n) and 1, so the model can make its
 * loss the mean of the copies (fdr_landscape_average); else 0. */
int fdr_minibatch_shifts(const fdr_noise *n, const double **c, size_t *N);
void fdr_noise_free(fdr_noise *n);
const fdr_noise_type *fdr_noise_type_find(const char *name);

/* A covariance specification, shared by every law with a configurable C:
 * key `covariance` = isotropic s2 | diagonal c1..cd | matrix (d*d numbers) |
 * spectrum <spectrum> (with covariance_rotation = none | random | hessian) |
 * hessian c alpha (C = c H^alpha, H the landscape's Hessian at its reference
 * point). Produces C and a factor S with C = S S^T (S from the symmetric
 * eigendecomposition, so singular PSD matrices are fine); if C is diagonal,
 * S is NULL and sdiag holds the standard deviations. Errors (not PSD, wrong
 * lengths) name the key. */
typedef struct {
    size_t d;
    double *C;     /* d x d */
    double *S;     /* d x d factor, or NULL when diagonal */
    double *sdiag; /* diagonal case: sqrt(C_ii); else NULL */
} fdr_covariance;

int fdr_covariance_parse(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                         const fdr_landscape *l);
/* The same for another key of the same syntax (default: isotropic 1), in
 * dimension d; l may be NULL where no Hessian can be referred to. */
int fdr_covariance_parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                             const char *key, size_t d, const fdr_landscape *l);
/* The same syntax for a preconditioner P, in the landscape's dimension,
 * except that `hessian c alpha` means P = c H^-alpha (the noisy quadratic
 * model's preconditioner). Checks what a covariance is checked for (PSD),
 * not that P is definite. */
int fdr_preconditioner_parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                                 const char *key, const fdr_landscape *l);
void fdr_covariance_clear(fdr_covariance *cov);
/* Z = U S^T (or U scaled by sdiag) for n rows U of independent scalars of
 * mean 0 and variance 1, so that every row of Z has covariance C: how a law
 * of its own scalar draws gets the shared covariance keys. U may be Z when
 * C is diagonal (cov->sdiag set); otherwise they must not overlap. */
void fdr_covariance_map(const fdr_covariance *cov, size_t n, const double *U, double *Z);
/* Z = normals * S^T (or scaled by sdiag), rows of n draws; normals are drawn
 * into work (into Z itself when C is diagonal). */
void fdr_covariance_sample(const fdr_covariance *cov, size_t n, double *Z, fdr_rng *const *rng,
                           double *work);

/* Symmetric eigendecomposition A = V diag(w) V^T (A d x d row-major,
 * untouched; V row-major with eigenvectors as columns), eigenvalues in
 * descending order. */
int fdr_sym_eigen(size_t d, const double *A, double *w, double *V);

#endif
