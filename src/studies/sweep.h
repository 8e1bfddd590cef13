/* sweep.h - one model over a grid of settings: the learning rate and any
 * other model-file key (optimizer.momentum, noise.batch, ...), alone or as
 * the product of several. Along the learning rate: G(eta), the FDR2 terms
 * and every estimator of doc/theory.md section 4 per learning rate, and the
 * fits over eta. At every point: the run's relations (FDR0, FDR1, FDR2) and,
 * where the grid does not run along the learning rate, each estimator
 * graded against its exact value at that point (or "not available" with the
 * reason). Also the files `fdrsim sweep` writes (sweep.dat, sweep.json,
 * estimators.dat).
 *
 * The grid. Axis 0 is the x axis: the learning rate when it is swept,
 * otherwise the first other key. The other axes make the lines: every
 * combination of their values (the last axis varying fastest) is one line,
 * a run of points along the x axis at fixed values of the other keys. A
 * sweep over the learning rate alone is a single line. Each point is the
 * model file read afresh with the point's values set as `section.key=value`
 * overrides, so every value is checked exactly as it would be in the file.
 *
 * Reproducibility: point p (0-based, p = line x n_x + i along the line)
 * runs with the seed seed + p * FDR_SWEEP_SEED_STRIDE, seed being the
 * model's run.seed, and its own replicas and streams. The points therefore
 * are statistically independent (the fits assume it) and each is a complete
 * engine run on one thread, so the sweep is identical bit for bit for any
 * thread count and schedule, and for any number of processes of a parallel
 * job (fdr_sweep_spec.dist): each point is run whole by one rank, and rank
 * 0 collects them into their places in the grid. */
#ifndef FDR_SWEEP_H
#define FDR_SWEEP_H

#include "config/cfg.h"
#include "stats/analysis.h"
#include "stats/estimators.h"
#include "model/model.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

struct fdr_dist;

#define FDR_SWEEP_SEED_STRIDE 1000003u
#define FDR_SWEEP_MAX_POINTS 1000
#define FDR_SWEEP_MAX_AXES 4   /* the learning rate and three other keys */
#define FDR_SWEEP_CURVE 200 /* points of the exact (or harmonic) curve in sweep.dat */
#define FDR_SWEEP_NGRADE 9  /* graded quantities of a point off the learning-rate axis */

/* One swept key other than the learning rate: `section.key` and its values,
 * each exactly as it would be written in the model file. */
typedef struct {
    char key[64];
    char **values;
    size_t n;
} fdr_sweep_axis;

/* Parses the values of an axis: "A:B:N" (N numbers from A to B, evenly
 * spaced), "A:B:N:log" (evenly spaced in log; A, B > 0), or "x1,x2,..."
 * (any non-empty values, passed to the key as written). key is
 * `section.key`; optimizer.lr (the learning-rate grid, fdr_lr_grid_parse)
 * and run.seed (each point's own) are refused. Errors name `--over
 * KEY=VALUES`. Clear a with fdr_sweep_axis_clear. */
int fdr_sweep_axis_parse(const char *key, const char *values, fdr_sweep_axis *a);
void fdr_sweep_axis_clear(fdr_sweep_axis *a);

/* What to sweep. The model comes from a file (path) or from INI text (path
 * NULL); sets are `section.key=value` overrides applied to every point
 * before its axis values, its learning rate and seed. */
typedef struct {
    const char *path;
    const char *text;
    const char *name;      /* display name of the model */
    char *const *sets;
    size_t nsets;
    const double *lr;      /* the learning rates, increasing, all > 0 */
    size_t n;              /* at least 3 (the fit of G has three coefficients); 0: the
                              learning rate is not swept (the model's), naxes >= 1 */
    const fdr_sweep_axis *axes; /* the other keys swept (distinct), the grid their product */
    size_t naxes;               /* at most FDR_SWEEP_MAX_AXES - 1 */
    int threads;           /* points run in parallel on this many threads; 0: OpenMP's default */
    /* Called once per finished point with the count of points done so far
     * and the total: one call at a time, from whichever thread finished the
     * point, done rising from 1 to the total. NULL: no report (the library
     * never prints; the CLI passes a function that does). */
    void (*progress)(void *ctx, size_t done, size_t n);
    void *progress_ctx;    /* passed to progress */
    /* The parallel job whose ranks share the points (engine/dist.h), or NULL
     * to run them all here. Every rank calls fdr_sweep_run with the same
     * spec; each runs whole points (its threads as above), handed out by
     * their estimated cost (steps x replicas x dimension, times the
     * dimension again for a dense Hessian), the largest first, each to the
     * rank with the least work so far, so that the ranks finish together.
     * progress then counts a rank's own points. Rank 0 receives every
     * point, fits and gets the sweep; every other rank gets *out NULL and
     * the same status. */
    const struct fdr_dist *dist;
    /* Checkpoints, at the points' boundaries (each point is a whole run, so
     * the points done are the sweep's state). save (NULL: none) receives
     * the sweep's identity (hash: the model's settings as resolved and the
     * grid) and the points done so far, packed (what done takes back): after
     * a point is done, when every seconds have passed since the last call,
     * and once more when *stop (NULL: never) became nonzero. No point starts
     * after a stop and the points running are abandoned: fdr_sweep_run then
     * returns FDR_EIO once the last save is made. One call at a time; not in
     * a parallel job of more than one rank. */
    int (*save)(void *ctx, uint64_t hash, const void *bytes, size_t len);
    void *save_ctx;
    double every;
    const volatile sig_atomic_t *stop;
    /* The points an earlier sitting did (save's bytes) and its hash, which
     * must be this sweep's (else FDR_EINVAL): they are not run again. */
    const void *done;
    size_t done_len;
    uint64_t done_hash;
    const char *done_source; /* where they come from, for messages (a file) */
} fdr_sweep_spec;

/* A quantity graded at one point against its exact value there. */
typedef struct {
    const char *name, *what;
    fdr_est est;
    double exact;        /* NAN when not available */
    double z;            /* (est - exact) / err; NAN when unresolved or not available */
    const char *why_not; /* NULL when exact is known; else why it is not */
} fdr_sweep_grade;

typedef struct {
    size_t line;
    size_t at[FDR_SWEEP_MAX_AXES]; /* the index of its value on each axis */
    double x;                      /* its x value (the index on a non-numeric axis) */
    int measured;                  /* pt holds G and the estimators (the optimizer has a
                                      dissipation); else only lr and seed are set */
    fdr_point pt;
    fdr_relation rel[FDR_NREL];    /* the run's relations */
    size_t nrel;
    fdr_sweep_grade grade[FDR_SWEEP_NGRADE]; /* off the learning-rate axis only */
    size_t ngrade;
    char why_not[FDR_EXACT_WHY_MAX]; /* the exact references' reason, which grades point to */
} fdr_sweep_point;

typedef struct {
    size_t first, n;       /* its points: pts[first .. first + n) */
    char label[256];       /* "key=value ..." of the axes but the x axis; "" for one line */
    double momentum, dampening; /* the line's optimizer (at its first point) */
    /* Along the learning rate only (fit_done): the references, the fits and
     * the exact (or harmonic) curve, as for a sweep over lr alone. */
    int fit_done;
    fdr_limits lim;
    fdr_sweep_fit fit;
    /* The exact curve on a quadratic with constant noise, otherwise the
     * harmonic approximation at the minimum (NAN where it has no stationary
     * state), at FDR_SWEEP_CURVE learning rates up to the largest swept. */
    double curve_lr[FDR_SWEEP_CURVE], curve_G[FDR_SWEEP_CURVE];
} fdr_sweep_line;

typedef struct {
    size_t naxes;     /* axis 0 is the x axis */
    fdr_sweep_axis axes[FDR_SWEEP_MAX_AXES]; /* copies; the learning rate's values %.17g */
    int lr_axis;      /* axis 0 is optimizer.lr */
    int x_numeric;    /* every value on axis 0 is a number */
    size_t n;         /* points */
    fdr_sweep_point *pts;
    size_t nlines;
    fdr_sweep_line *lines;
    fdr_config *cfg;  /* the model's settings as given (without any point's values) */
    fdr_model *m;     /* the model built from cfg */
    fdr_limits lim;   /* its references (the header's description) */
    uint64_t seed;    /* the base seed */
    double seconds;   /* wall time of all engine runs (over every rank of a job) */
    char *remote;     /* the points other ranks ran, as received: their grades' strings */
    char *resumed;    /* the points an earlier sitting did (spec.done), likewise */
    size_t n_resumed; /* how many */
} fdr_sweep;

/* Runs every point and the fits. On failure *out is NULL and the recorded
 * message names the point that failed (FDR_EINVAL, FDR_EUNSTABLE and
 * FDR_EDIVERGED are the user's input; anything else a run-time failure),
 * the first in grid order, whichever rank ran it. */
int fdr_sweep_run(const fdr_sweep_spec *spec, fdr_sweep **out);
void fdr_sweep_free(fdr_sweep *s);

/* Prints, per line, the per-point table and the fit and graded estimators
 * (along lr) or the relations and graded quantities of every point. */
void fdr_sweep_table(FILE *f, const fdr_sweep *s);

/* Makes dir the sweep's complete output folder (sweep.dat, estimators.dat,
 * sweep.json and, if plot is not NULL, the figure plot renders), replacing
 * any earlier one as one unit (fdr_outdir_write). command goes into the
 * headers. */
int fdr_sweep_write(const char *dir, const fdr_sweep *s, const char *command,
                    int (*plot)(const char *script, const char *dir));

/* Parses a learning-rate grid: "A:B:N" (N values from A to B, evenly
 * spaced), "A:B:N:log" (evenly spaced in log), or "x1,x2,..." (increasing).
 * Every value must be > 0. *lr is a fresh array the caller frees. */
int fdr_lr_grid_parse(const char *text, double **lr, size_t *n);

/* The model's configuration, read afresh with the spec's overrides applied
 * (every point needs its own: building a model marks the keys it read);
 * NULL, with the message recorded, if it cannot be read. */
fdr_config *fdr_sweep_config(const fdr_sweep_spec *s);


#endif
