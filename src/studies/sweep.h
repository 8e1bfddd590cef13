/* sweep.h - one model over a grid of learning rates: G(eta), the FDR2 terms
 * and every estimator of doc/theory.md section 4 per learning rate, the fits
 * over eta, and the files `fdrsim sweep` writes (sweep.dat, sweep.json,
 * estimators.dat).
 *
 * Reproducibility: point p (0-based, in grid order) runs with the seed
 * seed + p * FDR_SWEEP_SEED_STRIDE, seed being the model's run.seed, and its
 * own replicas and streams. The points therefore are statistically
 * independent (the fits assume it) and each is a complete engine run on one
 * thread, so the sweep is identical bit for bit for any thread count and
 * schedule. */
#ifndef FDR_SWEEP_H
#define FDR_SWEEP_H

#include "config/cfg.h"
#include "stats/estimators.h"
#include "model/model.h"

#include <stdio.h>

#define FDR_SWEEP_SEED_STRIDE 1000003u
#define FDR_SWEEP_MAX_POINTS 1000
#define FDR_SWEEP_CURVE 200 /* points of the exact (or harmonic) curve in sweep.dat */

/* What to sweep. The model comes from a file (path) or from INI text (path
 * NULL); sets are `section.key=value` overrides applied to every point
 * before its learning rate and seed. */
typedef struct {
    const char *path;
    const char *text;
    const char *name;      /* display name of the model */
    char *const *sets;
    size_t nsets;
    const double *lr;      /* the learning rates, increasing, all > 0 */
    size_t n;              /* at least 3 (the fit of G has three coefficients) */
    int threads;           /* points run in parallel on this many threads; 0: OpenMP's default */
    /* Called once per finished point with the count of points done so far
     * and n: one call at a time, from whichever thread finished the point,
     * done rising from 1 to n. NULL: no report (the library never prints;
     * the CLI passes a function that does). */
    void (*progress)(void *ctx, size_t done, size_t n);
    void *progress_ctx;    /* passed to progress */
} fdr_sweep_spec;

typedef struct {
    size_t n;
    fdr_point *pts;
    fdr_limits lim;
    fdr_sweep_fit fit;
    fdr_config *cfg;  /* the model's settings as given (without the per-point lr and seed) */
    fdr_model *m;     /* the model built from cfg */
    uint64_t seed;    /* the base seed */
    double seconds;   /* wall time of all engine runs */
    /* The exact curve on a quadratic with constant noise, otherwise the
     * harmonic approximation at the minimum (NAN where it has no stationary
     * state), at FDR_SWEEP_CURVE learning rates up to the largest swept. */
    double curve_lr[FDR_SWEEP_CURVE], curve_G[FDR_SWEEP_CURVE];
} fdr_sweep;

/* Runs every point and the fits. On failure *out is NULL and the recorded
 * message names the learning rate that failed (FDR_EINVAL, FDR_EUNSTABLE and
 * FDR_EDIVERGED are the user's input; anything else a run-time failure). */
int fdr_sweep_run(const fdr_sweep_spec *spec, fdr_sweep **out);
void fdr_sweep_free(fdr_sweep *s);

/* Prints the per-point table, the fit and the graded estimators. */
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
