/* engine.h - the one stepping engine: R replicas of a model's optimizer on
 * its landscape and noise law, advanced to any step, with the observables
 * every relation needs, for every study (run, sweep, schedule).
 *
 * Replicas are processed in fixed blocks; between two stops each block runs
 * all its steps before the next (no barrier per step), blocks are spread
 * over OpenMP threads, and every replica draws from its own stream (seed,
 * replica), so the result is identical bit for bit for any thread count.
 * All observables are taken on the pre-update state (theta_t, v_t) with
 * the exact gradient grad f(theta_t); theta enters centred at the
 * landscape's reference point c (doc/theory.md section 3: any constant
 * centre is exact). */
#ifndef FDR_ENGINE_H
#define FDR_ENGINE_H

#include "core/fdr.h"
#include "model/model.h"
#include <stddef.h>

#define FDR_KMAX FDR_KMAX_ORDER /* highest order of the FDR2 Taylor terms */

/* Scalar observables, per step and replica. The FDR2 terms use the step
 * v' = v_{t+1} = mu v_t - eta_b g_t taken from (theta_t, v_t). */
enum {
    FDR_OBS_OL,   /* (theta - c) . grad f                                  */
    FDR_OBS_VV,   /* v . v; v^T P^-1 v for a preconditioned type (optim.h)  */
    FDR_OBS_GSQ,  /* |grad f|^2; grad f^T P grad f with precondition       */
    FDR_OBS_VG,   /* v . grad f                                            */
    FDR_OBS_LOSS, /* f(theta) - f(c)                                       */
    FDR_OBS_F2N,  /* noise-averaged F2: w^T H w / 2 + eta_b^2 Tr(H C) / 2,
                     w = mu v - eta_b grad f the type's noise-free step
                     (with precondition: - eta_b P grad f and Tr(H P C P)) */
    FDR_OBS_F2,   /* F_k = D^k f(theta)[v', ..., v'] / k!, k = 2 .. FDR_KMAX */
    FDR_NOBS = FDR_OBS_F2 + FDR_KMAX - 1
};

/* Columns of the recorded time series (sums over replicas). */
enum { FDR_TS_OL, FDR_TS_VV, FDR_TS_LOSS, FDR_TS_GSQ, FDR_NTS };

#define FDR_NBATCH 16 /* batches per replica in the measurement window */
#define FDR_MAX_SAMPLES 50000 /* stationary theta samples kept for the figures */

typedef struct {
    size_t R, d;
    long steps, burn_in, window;
    /* Error units: replicas when R >= 16 (independent by construction), else
     * replica x batch (batch means). Vector accumulators are kept per unit. */
    size_t units;
    int units_are_replicas;
    /* Scalar sums per (replica, batch, observable); steps per batch. */
    double *bsum;
    long bcount[FDR_NBATCH];
    /* Per (replica, observable): sum of squares over the window (tau_int),
     * of the values times squnit, a power of two set by the replica's first
     * value in the window (fdr_unit_scale), so that the squares neither
     * overflow nor underflow whatever the scale of the noise. */
    double *sumsq, *squnit;
    /* |v|^2 above which a replica has diverged (fdr_divergence_limit). */
    double vv_limit;
    /* Per unit: sums of grad f and of v over the unit's steps (FDR0), and the
     * tensor FDR1 sums: A = x_i g_j + x_j g_i and B = v_i v_j for the
     * entries i <= j (ntens = d(d+1)/2), or for random unit directions u:
     * A = 2 (u.x)(u.g), B = (u.v)^2. */
    double *gsum, *vsum;
    size_t ntens;
    int tensor_full;
    double *tA, *tB;
    double *dirs; /* ntens x d directions when !tensor_full */
    long *ucount; /* steps per unit */
    /* Time series: n_rec records at steps rec_step[k] (0, 1, 2, 4, ... below
     * record_every, then every record_every steps), replica sums. */
    size_t n_rec;
    long *rec_step;
    double *ts;   /* n_rec x FDR_NTS */
    /* Stationary samples of the first sample_dim = min(d, 2) coordinates of
     * theta (figures: a marginal histogram, the 2-D map), every
     * sample_every steps of the window: n_samples x R x sample_dim. */
    double *samples;
    size_t n_samples, sample_dim;
    long sample_every;
    double seconds; /* wall time of the stepping loop */
    int fused;      /* the fused quadratic path ran (constant H, diagonal Gaussian noise) */
} fdr_result;

/* ---- the engine: advance to a step, per-replica learning rates, observers */

typedef struct fdr_engine fdr_engine;

/* What an observer sees of one block of replicas after step t: the
 * observables of the pre-update state (theta_t, v_t), and the learning
 * rates. Observers run inside the block's thread, so one may keep state
 * per block (view->block) or per replica, never shared between blocks. */
typedef struct {
    const fdr_engine *engine;
    size_t block;      /* the block's index, < fdr_engine_nblocks() */
    size_t first, n;   /* its replicas [first, first + n) */
    long t;            /* the step */
    int updated;       /* 0 for the observation-only step at the end of a run */
    const double *obs; /* n x FDR_NOBS observables of (theta_t, v_t) */
    /* n values of theta_t . (grad f(theta_t) + xi_t), theta not centred and
     * the gradient noisy (the quencher's measurable O_L), when an observer
     * asked for FDR_NEED_NOISY_OL; else NULL. */
    const double *noisy_ol;
    /* n x ngroups learning rates (replica-major): those step t used, until
     * an observer sets those of step t + 1 (observers run in the order
     * given, so a later one sees the rates an earlier one set). */
    double *lr;
    /* The model's parameter groups ([optimizer] groups, model.h), each
     * stepped at its own rate; 1 without groups or with one group. With
     * more than one, n x ngroups parts of noisy_ol (theta_G . g_G, summed
     * over the group's coordinates; noisy_ol is their sum) and of v . v
     * (|v_G|^2) of the pre-update state; else both NULL. */
    size_t ngroups;
    const double *group_ol, *group_vv;
} fdr_step_view;

#define FDR_NEED_NOISY_OL 1u /* fdr_observer.needs: fill fdr_step_view.noisy_ol */

/* The first k coordinates of theta of the view's replica r (0 <= r < n)
 * after the step: theta_{t+1}, or theta_t after the observation-only step. */
void fdr_step_theta(const fdr_step_view *v, size_t r, size_t k, double *theta);

/* A consumer of every step's observables (a study's curves, a quencher).
 * It is not called for the step at which a replica of its block diverged,
 * nor after it: the advance then fails with FDR_EDIVERGED. */
typedef struct {
    unsigned needs; /* FDR_NEED_* flags */
    void *ctx;
    void (*observe)(void *ctx, const fdr_step_view *view);
} fdr_observer;

/* Progress of the stepping: the fraction done, from one thread at a time,
 * 1 when the last advance ends. The library never prints; a CLI supplies
 * one that does (the set-up's hook type, stage "stepping"). */
typedef fdr_progress_hook fdr_engine_progress;

typedef struct {
    int threads;  /* OpenMP threads (0: OpenMP's default) */
    /* Replicas per block are a multiple of this (0 or 1: the engine's own
     * choice for the path), so that a study's groups of replicas never
     * straddle two blocks: the size nearest the engine's choice. */
    size_t block_multiple;
    /* Accumulate the relations' sums (fdr_result): the learning rates must
     * then stay the model's lr, which fdr_engine_advance checks. */
    int relations;
    const fdr_observer *observers;
    size_t n_observers;
    fdr_engine_progress progress; /* or NULL */
    /* The ranks of a parallel job sharing the blocks (engine/dist.h), or
     * NULL: this process runs them all. Each rank then runs its range of
     * the blocks only (observers see those), divergence is reported alike
     * on every rank, and fdr_engine_result is complete on rank 0 alone. */
    const struct fdr_dist *dist;
} fdr_engine_opts;

/* Sets up R replicas at theta_0 with v = 0 (each with its own stream, the
 * noise law prepared afresh), at the model's lr, at step 0. */
int fdr_engine_alloc(const fdr_model *m, const fdr_engine_opts *o, fdr_engine **out);
void fdr_engine_free(fdr_engine *e);

/* Runs steps [now, t_end) of every block, blocks spread over threads, then
 * returns with every replica at step t_end. t_end may be steps + 1: step
 * `steps` then only observes (no update), for studies that record the
 * final state. FDR_EDIVERGED (with the step and replica) if a state became
 * non-finite or its kinetic energy passed fdr_divergence_limit; FDR_EINVAL
 * if t_end is out of range or, with relations on, a learning rate moved. */
int fdr_engine_advance(fdr_engine *e, long t_end);

/* The R x ngroups learning rates (replica-major; ngroups as
 * fdr_engine_ngroups): read and set them between advances. A changed rate
 * meets the carried velocity (of its group) as the optimizer's convention
 * says (optim.h, carry: in PyTorch's, v is rescaled by lr_new / lr_old). */
double *fdr_engine_lr(fdr_engine *e);
/* The parameter groups stepped at their own rate: the model's ngroups when
 * above 1, else 1. With more than one, the engine runs its general path
 * (not the fused quadratic one, not in a landscape's frame), calls the
 * type's update_block once per replica and group, and refuses relations
 * (fdr_engine_alloc: FDR_EINVAL), whose sums hold for one lr. */
size_t fdr_engine_ngroups(const fdr_engine *e);
size_t fdr_engine_nblocks(const fdr_engine *e);
/* The replicas of block k: returns their count and sets *first. */
size_t fdr_engine_block(const fdr_engine *e, size_t k, size_t *first);
/* Replica r's theta now, in the landscape's coordinates (length d). */
void fdr_engine_theta(const fdr_engine *e, size_t r, double *theta);

/* With relations on, after the last step: moves the accumulated result
 * into *out (the engine keeps nothing of it). */
int fdr_engine_result(fdr_engine *e, fdr_result **out);

/* Runs the model through all its steps with the relations on: alloc,
 * advance, result, free. progress may be NULL. */
int fdr_engine_run(const fdr_model *m, int threads, fdr_engine_progress progress,
                   fdr_result **out);
/* The same with the blocks spread over the ranks of dist (NULL: this
 * process): the result is complete, and identical bit for bit to
 * fdr_engine_run's, on rank 0; every rank returns the same status. */
int fdr_engine_run_dist(const fdr_model *m, int threads, fdr_engine_progress progress,
                        const struct fdr_dist *dist, fdr_result **out);
void fdr_result_free(fdr_result *r);

/* The starting point of every replica (theta_0), length d. */
void fdr_engine_initial(const fdr_model *m, double *theta0);

/* The factor between a diverged state's kinetic energy and the model's own
 * energy scale (README, "How the relations are computed"): far beyond any
 * excursion of a stationary run, heavy-tailed noise included, and far
 * below overflow for every scale that leaves room for it. */
#define FDR_DIVERGENCE_FACTOR 0x1p100

/* The kinetic energy (1 + mu) / (2 eta_b) |v|^2 above which a replica has
 * diverged: FDR_DIVERGENCE_FACTOR times the largest of the noise's scale
 * eta_b Tr C(c) / (1 - mu), the start's eta_b |grad f(theta_0)|^2 /
 * (1 - mu)^2 + |f(theta_0) - f(c)|, and the landscape's |f(c)|. FDR_ENOMEM
 * if out of memory. */
int fdr_divergence_limit(const fdr_model *m, double *limit);

/* 2^-e for the exponent e of |x| (1 for zero and non-finite x), kept within
 * the range of normal numbers, so that x times it is of order one. Scaling
 * by a power of two is exact: a computation done in these units and scaled
 * back gives the same bits as one done directly, wherever the direct one
 * neither overflows nor underflows. */
double fdr_unit_scale(double x);

#endif
