/* optim.h - optimizer types: the update rule of a stochastic optimizer and
 * what the analysis needs to know about it, GSL-style (one const struct of
 * functions per type, one file per type under src/optim/, one
 * NULL-terminated registry for lookup, listing and "known: ..." messages).
 *
 * Conventions every type follows, so that the engine, the relations and
 * the exact reference need not know the type:
 *   - v is the displacement of a step: theta_{t+1} = theta_t + v_{t+1}. The
 *     engine applies that itself; a type computes only v_{t+1}.
 *   - lr is the learning rate, which studies may change per replica and per
 *     step; every other hyperparameter is in fdr_optim_params.
 *   - A type may keep `state_size` doubles of state per replica and
 *     coordinate (moment estimates of an adaptive method); the engine owns
 *     that memory, zeroed at the start, laid out like theta (replica-major).
 *
 * Adding a type: write src/optim/NAME.c defining a const fdr_optimizer_type,
 * declare it below and add it to fdr_optimizer_types[] (src/optim/registry.c). */
#ifndef FDR_OPTIM_H
#define FDR_OPTIM_H

#include <stddef.h>

/* What the velocity carried into a step is when the learning rate changes
 * ([optimizer] convention): the paper keeps v in parameter units, so it
 * carries over unchanged; PyTorch keeps a buffer b in gradient units with
 * v = -lr b, so the carried v scales by lr_new / lr_old. */
enum fdr_convention { FDR_CONVENTION_PAPER, FDR_CONVENTION_PYTORCH };

/* A constant symmetric positive definite preconditioner P ([optimizer]
 * preconditioner, read by the model for a type with `preconditioner` set;
 * doc/theory.md section 8.2), with what the exact reference needs of it. */
typedef struct {
    size_t d;
    const double *P;    /* d x d, row-major */
    const double *diag; /* P's diagonal when P is diagonal, else NULL */
    const double *half; /* P^1/2, d x d, row-major */
} fdr_preconditioner;

/* The hyperparameters of [optimizer] other than lr. */
typedef struct {
    double momentum;  /* mu */
    double dampening; /* nu */
    enum fdr_convention convention;
    /* The adaptive types' (rmsprop.c, adam.c), with PyTorch's names. */
    double alpha;        /* RMSprop's smoothing constant */
    double beta1, beta2; /* Adam's betas */
    double eps;          /* added to the root of the second moment */
    int centered;        /* RMSprop: divide by the estimated variance */
    int bias_correction; /* Adam: divide the moments by 1 - beta^t (PyTorch: always) */
    const fdr_preconditioner *precond; /* the type's P, or NULL (a type without one) */
} fdr_optim_params;

/* The leading order, as lr -> 0, of the stationary state near a minimum
 * theta* with Hessian H* > 0 and constant noise covariance C*
 * (doc/theory.md section 4), with G = D / lr the dissipation D of FDR2 per
 * unit learning rate:
 *     <theta . grad f> = lr k_theta Tr(C*) + O(lr^2),
 *     G                = lr k_G Tr(H* C*) + O(lr^2),
 * so that G / (k_G lr) -> Tr(H* C*), (k_theta / k_G) G / <theta . grad f>
 * -> Tr(H* C*) / Tr(C*), <f> - f* -> lr k_theta Tr(C*) / 2 (on the harmonic
 * approximation <f> - f* = <theta . grad f> / 2) and the fit G = a1 lr + ...
 * has a1 -> k_G Tr(H* C*). The strings are those four estimators written
 * in the type's hyperparameters, for the output. */
typedef struct {
    double k_theta, k_G;
    const char *hessian;    /* "... G / eta -> Tr(H* C*)" */
    const char *curvature;  /* "... G / <theta . grad f> -> Tr(H* C*) / Tr(C*)" */
    const char *noise_ball; /* "<f> - f* -> ..." */
    const char *intercept;  /* "a1 of G = a1 eta + a2 eta^2 + a3 eta^3 -> ..." */
} fdr_small_lr;

typedef struct {
    const char *name;    /* [optimizer] type */
    const char *summary; /* one line for `fdrsim list` */
    size_t state_size;   /* doubles of state per replica and coordinate */
    int undamped;        /* the update has no dampening: [optimizer] dampening must be 0 */
    int needs_momentum;  /* the update is defined for momentum > 0 only */
    /* 0: linear_map acts on (x, v). 1: on (x, s), s the type's own second
     * coordinate (a momentum buffer), for a type whose (theta, v) is not a
     * Markov chain; the exact reference then reads v' = x' - x off the map,
     * v' = (A[0] - 1) x + A[1] s + b[0] xi, and has no transient. */
    int own_map_state;
    /* The [optimizer] keys besides type, lr and convention that the type
     * reads, space-separated (model.c refuses the others); NULL: "momentum
     * dampening". */
    const char *keys;
    /* 1: the first relation in fdr1_metric's form is an approximation, not
     * an identity (a preconditioner that changes every step): the analysis
     * labels it so and reports the size of its violation. */
    int fdr1_approximate;
    /* The type steps with a constant preconditioner P: the model reads
     * [optimizer] preconditioner into p->precond, and the exact reference
     * works in the coordinates P^-1/2 theta (linear_map, max_stable_lr). */
    int preconditioner;

    /* If the update is heavy-ball, v' = mu v - eta_b (g + xi), sets *mu and
     * *eta_b for lr and returns 1; else returns 0. The fused quadratic path
     * and the closed-form exact reference serve only such types, and read
     * the coefficients from here, never from a formula of their own. */
    int (*heavy_ball)(const fdr_optim_params *p, double lr, double *mu, double *eta_b);

    /* Replaces the displacements v of n replicas (n x d, row-major) by the
     * next ones, for replica r's learning rate lr[r * lr_stride] (stride 0:
     * one rate for all). g holds the gradients; z the noise of each
     * gradient, or NULL when g already holds gradient plus noise. When z
     * and w are both non-NULL, w (n x d) receives the update with z
     * replaced by 0 (the noise-free part the FDR2 terms need). state: the
     * type's state of these replicas (state_size * n * d), else unused. */
    void (*update_block)(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                         size_t lr_stride, double *v, const double *g, const double *z,
                         double *w, double *state);

    /* The factor c of the first relation, <theta . grad f> = c <|v|^2>, at
     * stationarity for learning rate lr. */
    double (*fdr1_factor)(const fdr_optim_params *p, double lr);

    /* NULL for a type whose first relation weighs v by the identity. Else
     * the type steps with a preconditioner P, v' = mu v - eta_b P g, and
     * its first relation reads <theta . grad f> = c <v^T P^-1 v> (exact for
     * a constant P, doc/theory.md section 8; for an adaptive P, the one of
     * the step that made v, and then an approximation): writes u = P^-1 v
     * for n replicas (n x d, row-major) from their v and the type's state.
     * The engine's FDR_OBS_VV is then u . v. */
    void (*fdr1_metric)(const fdr_optim_params *p, size_t n, size_t d, const double *v,
                        const double *state, double *u);

    /* NULL for a type whose step takes the gradient and its noise as they
     * are (P = I). Else writes Y = P X for n rows X (n x d, row-major), P
     * the type's constant preconditioner: the engine then measures
     * FDR_OBS_GSQ as grad f^T P grad f (the metric of the dissipation
     * below), the noise part of the noise-averaged F2 as eta_b^2 Tr(H P C P)
     * / 2 (the step's noise is -eta_b P xi), and the tensor FDR1 with P grad
     * f in place of grad f (doc/theory.md section 8.2). */
    void (*precondition)(const fdr_optim_params *p, size_t n, size_t d, const double *X,
                         double *Y);

    /* NULL for a type whose first relation is c <|v|^2> alone. Else the
     * factor k of the relation <theta . grad f> = c <|v|^2> + k <|g|^2>, g =
     * grad f + xi the gradient a step uses, so <|g|^2> = <|grad f|^2> +
     * <Tr C(theta)> (Nesterov's: doc/theory.md section 8.1). The engine
     * measures <|grad f|^2> but not <Tr C(theta)>, so such a type needs a
     * noise of constant covariance, and has no tensor FDR1 (which would
     * need <g_i g_j>); the model refuses or drops those. */
    double (*fdr1_gradient_factor)(const fdr_optim_params *p, double lr);

    /* The dissipation side of FDR2, D = -<grad f(theta) . w> with w = E[v' |
     * theta, v] the noise-free step (doc/theory.md section 3), at learning
     * rate lr: when w is linear in v and grad f, w = a v - b grad f, D is
     * b <|grad f|^2> - a <v . grad f>; then sets c[0] = b and c[1] = -a (the
     * coefficients of <|grad f|^2> and <v . grad f>) and returns 1. Returns 0
     * when D is no combination of those two averages (a preconditioner not
     * given by precondition puts <grad f^T P grad f> in it); FDR2 and the
     * sweep's G(eta) are then not available. A heavy-ball type has c =
     * (eta_b, -mu). For a type with precondition, w = mu v - eta_b P grad f
     * and the first average is <grad f^T P grad f> (FDR_OBS_GSQ in that
     * metric): c = (eta_b, -mu). */
    int (*dissipation)(const fdr_optim_params *p, double lr, double c[2]);

    /* Fills *k with the small-learning-rate limits above and returns 1, or
     * returns 0 when they do not have that form (an adaptive or
     * preconditioned type, whose limits involve Tr(P C*)): the sweep then
     * reports those estimators as unavailable. */
    int (*small_lr)(const fdr_optim_params *p, fdr_small_lr *k);

    /* The linearised step along one eigen-direction of the Hessian, of
     * eigenvalue h, on a quadratic with additive noise xi of variance c in
     * that direction: (x', v') = A (x, v) + b xi, with A row-major 2 x 2
     * (with own_map_state, (x', s') = A (x, s) + b xi). Returns 1, or 0 if
     * the type has no such map (then the exact reference is not
     * available). For a type with a preconditioner, in the coordinates
     * P^-1/2 theta: along an eigen-direction of P^1/2 H P^1/2 (eigenvalue
     * h), with noise P^1/2 xi (variance c there). */
    int (*linear_map)(const fdr_optim_params *p, double lr, double h, double A[4], double b[2]);

    /* The supremum of the learning rates for which the linear map is stable
     * (spectral radius < 1) in every direction of a Hessian whose
     * eigenvalues lie in [hmin, hmax]; 0 if no lr is stable (hmin <= 0 or a
     * hyperparameter out of range); HUGE_VAL for a type without a linear
     * map and so without a known limit (an adaptive one). For a type with a
     * preconditioner, [hmin, hmax] bounds the spectrum of P H (of
     * P^1/2 H P^1/2). */
    double (*max_stable_lr)(const fdr_optim_params *p, double hmin, double hmax);

    /* The factor by which the velocity carried into a step is multiplied
     * when the learning rate changes from lr_old (the previous step's) to
     * lr_new (this step's), before the step's observables and update: 1 in
     * the paper's convention, lr_new / lr_old in PyTorch's (p->convention).
     * Every other member then describes the step at lr_new as at a constant
     * lr. NULL: the type has one convention only, `native` (a model asking
     * for the other is refused). */
    double (*carry)(const fdr_optim_params *p, double lr_old, double lr_new);
    /* The convention of a type without carry: the one its state gives it. A
     * type that keeps a momentum buffer in gradient units as its state (and
     * rebuilds v from it) carries momentum across a change of lr as PyTorch
     * does, whatever the engine does to v. */
    enum fdr_convention native;
} fdr_optimizer_type;

/* Heavy-ball SGD, in either convention (src/optim/sgd.c). */
extern const fdr_optimizer_type fdr_optim_sgd;
/* Nesterov momentum, PyTorch's form (src/optim/nesterov.c). */
extern const fdr_optimizer_type fdr_optim_nesterov;
/* RMSprop, PyTorch's torch.optim.RMSprop (src/optim/rmsprop.c). */
extern const fdr_optimizer_type fdr_optim_rmsprop;
/* Adam and AMSGrad, PyTorch's torch.optim.Adam with amsgrad False / True
 * (src/optim/adam.c). */
extern const fdr_optimizer_type fdr_optim_adam;
extern const fdr_optimizer_type fdr_optim_amsgrad;
/* Heavy-ball SGD with a constant SPD preconditioner (src/optim/preconditioned.c). */
extern const fdr_optimizer_type fdr_optim_preconditioned;

/* The conventions' names, as [optimizer] convention spells them, indexed by
 * enum fdr_convention and NULL-terminated (src/optim/registry.c). */
extern const char *const fdr_convention_names[];

/* Every known type, NULL-terminated: lookup, `fdrsim list`, messages. */
extern const fdr_optimizer_type *const fdr_optimizer_types[];

/* The type called name, or NULL. */
const fdr_optimizer_type *fdr_optimizer_type_find(const char *name);

/* Writes the registered names, comma-separated, into buf (size n). */
void fdr_optimizer_type_names(char *buf, size_t n);

#endif
