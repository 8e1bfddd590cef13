/* schedule.h - learning-rate schedules driven by the first fluctuation-
 * dissipation relation (the paper's "quencher"), run side by side with
 * preset schedules on the same replicas and random streams, and graded
 * against the exact expected-loss curve where one exists.
 *
 * The quencher (S. Yaida, ICLR 2019, arXiv:1810.00004, section 4; doc/theory.md
 * section 10), as in the public implementation: after every t_adaptive
 * steps since the last change of the learning rate, take the half-running
 * averages (the last ceil(n/2) of the n steps since that change) of
 *     O_L = theta . g                   (g the NOISY gradient, theta itself:
 *                                        the measurable pair as published)
 *     O_R = (1 + mu) / (2 eta_b) |v|^2  (v in parameter units, eta_b the
 *                                        current lr times (1 - dampening));
 * if |<O_L> / <O_R> - 1| < X, set eta <- (1 - Y) eta and clear the record.
 * O_L may use the noisy gradient because theta_t is independent of the
 * noise drawn at step t, and theta need not be centred because FDR1 holds
 * for theta - c with any constant c. The public implementation defaults to
 * X = 0.01, Y = 0.9 (a tenfold cut); the paper's own runs used Y = 0.1
 * (and X = 0.1, Y = 0.3 early on): any Y in (0, 1) is accepted.
 *
 * Velocity convention ([optimizer] convention): v_{t+1} = mu v_t - eta_b g_t,
 * theta += v_{t+1}, with the lr that holds at step t (doc/theory.md section
 * 1). The public PyTorch code keeps the buffer b = -v / eta instead, so at a
 * change of lr its carried momentum is rescaled by eta_new / eta_old; the two
 * move alike for mu = 0 (only the O_R of the first step at a new lr differs)
 * and at a constant lr. `convention = pytorch` applies that rescaling at
 * every change (the engine's carry, optim.h), in the quencher and the
 * presets alike, and the exact curves carry their second moments the same
 * way; O_R above is then the public code's lr (1 + mu) |b|^2 /
 * (2 (1 - dampening)), b the buffer before the step.
 *
 * Modes: `replica` runs one quencher per replica on that replica's own
 * observables, as a practitioner would; `ensemble` decides on the replica
 * means, so every replica shares one lr sequence (a simulation-only option
 * with far less noise, for which the exact curve of that sequence applies).
 *
 * Replicas, streams and threads: replica r of every schedule starts at
 * theta_0 (the model's run.init) with v = 0 and draws from the stream
 * fdr_rng_alloc(seed, r), so the schedules see the same noise; replicas run
 * in fixed blocks spread over OpenMP threads (and over the ranks of a
 * parallel job), and every result is identical for any thread count and
 * number of ranks. */
#ifndef FDR_SCHEDULE_H
#define FDR_SCHEDULE_H

#include "core/fdr.h"
#include "exact/exact.h"
#include "model/model.h"
#include <stddef.h>
#include <stdint.h>

struct fdr_dist;

enum fdr_sched_kind { FDR_SCHED_FDR, FDR_SCHED_CONSTANT, FDR_SCHED_STEP, FDR_SCHED_INVERSE };
#define FDR_SCHED_NKINDS 4

enum fdr_sched_mode { FDR_SCHED_REPLICA, FDR_SCHED_ENSEMBLE };

/* The default target as a fraction of the stationary excess loss at the
 * initial lr: a constant lr never gets there, one tenfold cut does. */
#define FDR_SCHED_TARGET_FRACTION 0.2

/* Random streams (seed, FDR_SCHED_BOOT_STREAM - kind) draw the bootstrap
 * resamples of the time to target; replica streams are numbered from 0. */
#define FDR_SCHED_BOOT_STREAM UINT64_MAX

typedef struct {
    /* the quencher */
    double X;        /* threshold on |<O_L>/<O_R> - 1|, >= 0 (0: never quench) */
    double Y;        /* cut: eta <- (1 - Y) eta, in (0, 1) */
    long t_adaptive; /* steps between checks, > 0 */
    enum fdr_sched_mode mode;
    double lr_min; /* a quench never takes the lr below this (0: no floor) */
    /* the presets, each starting from the model's lr */
    long step_at[16]; /* step decay: lr *= step_factor at each of these steps */
    size_t n_step_at;
    double step_factor; /* in (0, 1] */
    double t0;          /* inverse: lr_0 / (1 + t / t0), t0 > 0 */
    /* which schedules run: "fdr" always first, then the listed presets */
    int run[FDR_SCHED_NKINDS]; /* run[kind] != 0 */
    /* The excess loss whose first crossing is timed. NAN: the default,
     * FDR_SCHED_TARGET_FRACTION x the stationary excess loss at the initial
     * lr, exact where known, else the constant schedule's mean over the
     * second half of the run. */
    double target;
    int threads; /* OpenMP threads (0: OpenMP's default) */
    /* The parallel job whose ranks share the replica blocks (engine/dist.h),
     * or NULL. Every rank calls fdr_sched_run with the same model and
     * options; ensemble mode's checks sum every rank's window sums in
     * replica order, and rank 0 merges the blocks' sums, the quenches and
     * f* in the one-process order, so its result is identical bit for bit
     * to one process's; every other rank gets *out NULL and the same
     * status. */
    const struct fdr_dist *dist;
} fdr_sched_opts;

/* Fills o with the defaults: X 0.01, Y 0.9, t_adaptive 1000, replica mode,
 * no lr floor, step decay by 0.1 at steps/4 and steps/2, t0 = 1000, every
 * preset, the default target. steps is the run's length. */
void fdr_sched_opts_default(fdr_sched_opts *o, long steps);

/* Checks the options against each other and the run (X >= 0, 0 < Y < 1,
 * t_adaptive > 0, ...); FDR_EINVAL with a message naming the option. */
int fdr_sched_opts_check(const fdr_sched_opts *o, long steps);

/* One change of the learning rate made by the quencher. */
typedef struct {
    long step; /* the first step that uses the new lr */
    double lr_before, lr_after;
    double ratio; /* the half-running <O_L>/<O_R> that triggered it */
} fdr_quench;

/* One schedule's results. Curves have one entry per recorded step; those
 * marked "per group" one per recorded step and parameter group (npg of the
 * result, 1 without [optimizer] groups), entry k npg + g for step k and
 * group g. */
typedef struct {
    enum fdr_sched_kind kind;
    const char *name;      /* fdr, constant, step, inverse */
    double *lr;            /* per group: mean lr over replicas (the lr of step t) */
    double *lr_lo, *lr_hi; /* per group: its smallest and largest value over replicas */
    double *loss;          /* <f> - f*, mean over replicas */
    double *loss_err;      /* its standard error (1 sigma) */
    double *ratio;         /* per group: <O_L,G> / <O_R,G> at that step, replica means */
    double *ratio_err;     /* per group: delta-method standard error */
    int exact;             /* the exact curves below are available */
    double *exact_loss;    /* exact <f> - f* along this schedule's lr sequence, or NAN */
    double *exact_ratio;   /* per group: exact <O_L,G> / <O_R,G> along it, or NAN */
    /* Quenches (fdr only): nlists lists, one per replica and parameter
     * group in replica mode (list r npg + g), one shared list per group in
     * ensemble mode (list g). */
    size_t nlists;
    size_t *nq;
    fdr_quench **q;
    fdr_est final_loss;      /* excess loss at the last step */
    double exact_final_loss; /* NAN unless exact */
    fdr_est time_to_target;  /* first crossing of the mean curve (NAN if never) */
    /* The loss summed over each group of replicas at every recorded step
     * (ngroups x n_rec), before the shift to f*: the bootstrap's input. */
    double *gloss;
} fdr_sched_curve;

typedef struct {
    size_t R, d, n_rec;
    /* Parameter groups ([optimizer] groups, model.h): each steps at its own
     * lr, keeps its own FDR1 record on its coordinates (O_L,G = theta_G .
     * g_G, O_R,G = (1 + mu) / (2 eta_b,G) |v_G|^2) and quenches on its own
     * (doc/theory.md section 10.1). 1 without groups or with one group. */
    size_t npg;
    long steps;
    long *rec_step; /* recorded steps: 0, a geometric run up to record_every,
                     * then every record_every steps, and the last step */
    size_t ngroups; /* groups of replicas for the bootstrap */
    size_t *gsize;  /* replicas per group */
    size_t nsched;
    fdr_sched_curve s[FDR_SCHED_NKINDS];
    double fstar; /* f* used for the excess loss */
    const char *fstar_how;
    int exact_available;    /* an exact reference exists for this model */
    const char *why_not;    /* if not: the reason (why_buf) */
    char why_buf[FDR_EXACT_WHY_MAX];
    double stationary_loss; /* exact stationary <f> - f* at the initial lr, or NAN */
    double target;
    char target_how[160];
    double seconds;
} fdr_sched_result;

/* Runs the quencher and the selected presets on model m. Returns FDR_OK and
 * the results in *out (free with fdr_sched_result_free), FDR_EINVAL for bad
 * options, FDR_EUNSTABLE if the initial lr has no stationary state on a
 * quadratic, FDR_EDIVERGED if a state became non-finite, FDR_ENOMEM. */
int fdr_sched_run(const fdr_model *m, const fdr_sched_opts *o, fdr_sched_result **out);
void fdr_sched_result_free(fdr_sched_result *r);

/* Makes dir the complete output folder (schedule.dat, schedule.json and, if
 * plot is not NULL, the figure plot renders), replacing any earlier one as
 * one unit (fdr_outdir_write). command goes into the headers. */
int fdr_sched_write(const char *dir, const fdr_model *m, const fdr_sched_opts *o,
                    const fdr_sched_result *r, const char *command,
                    int (*plot)(const char *script, const char *dir));


/* The names of a schedule kind (fdr, constant, step, inverse) and of a
 * quencher mode (replica, ensemble), as options and files spell them. */
const char *fdr_sched_kind_name(enum fdr_sched_kind kind);
const char *fdr_sched_mode_name(enum fdr_sched_mode mode);

/* The quenches of schedule s over all its lists. */
size_t fdr_sched_quench_total(const fdr_sched_curve *s);

#endif
