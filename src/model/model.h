/* model.h - a fully resolved experiment: landscape, noise law, optimizer and
 * run parameters, read from a model file (or the built-in default) plus
 * command-line overrides, and validated before anything runs. */
#ifndef FDR_MODEL_H
#define FDR_MODEL_H

#include "config/cfg.h"
#include "landscapes/landscape.h"
#include "noise/noise.h"
#include "optim/optim.h"
#include <stdint.h>

#define FDR_KMAX_ORDER 8 /* highest Taylor order of FDR2 (engine.h: FDR_KMAX) */

enum fdr_init { FDR_INIT_ZERO, FDR_INIT_MINIMUM, FDR_INIT_OFFSET };

/* A parameter group ([optimizer] groups): the coordinates [first, first +
 * count) of theta, stepped at their own learning rate, as a PyTorch
 * parameter group is (doc/theory.md section 10.1). */
typedef struct {
    char name[32];
    size_t first, count;
    double lr; /* the group's initial lr ([optimizer] group_lr; default lr) */
} fdr_group;

#define FDR_MAX_GROUPS 16

/* [transfer]: the grid of the transfer operator (exact/transfer.h), which
 * computes the exact stationary law of a 1-D model. How the kernel's
 * matrix is formed (transfer.h): */
enum { FDR_TRANSFER_AUTO, FDR_TRANSFER_POINT, FDR_TRANSFER_CELL };

typedef struct {
    int kernel;       /* FDR_TRANSFER_*: AUTO takes POINT for a smooth density, else CELL */
    /* the grid spacing in units of the narrowest kernel width sigma on the
     * domain (0: 0.25 for POINT, 0.05 for CELL) */
    double spacing;
    /* the domain: where f - min f <= energy T, T = eta_b C(c) / 2 (the
     * temperature of the small-lr Gibbs law), widened by pad kernel widths
     * on each side (0: energy 60, pad 14), unless lo < hi give it */
    double energy, pad, lo, hi;
    size_t max_cells; /* refuse a grid of more cells (0: 2048; memory 16 N^2 bytes) */
} fdr_transfer_opts;

typedef struct {
    char *name;   /* model name: the file's base name without .ini, or "default" */
    char *source; /* the file it came from */
    fdr_landscape *land;
    fdr_noise *noise;
    /* [optimizer]: its type (optim.h) and hyperparameters */
    const fdr_optimizer_type *opt;
    double lr, momentum, dampening;
    double alpha, beta1, beta2, eps; /* the adaptive types' (optim.h) */
    int centered, bias_correction;
    enum fdr_convention convention; /* the velocity carried over a change of lr */
    /* [optimizer] preconditioner of a type with one (opt->preconditioner):
     * precond's arrays live in precond_mem; else both are zero. */
    fdr_preconditioner precond;
    double *precond_mem;
    /* [optimizer] groups: a partition of 0 .. d-1 into ngroups index ranges,
     * in coordinate order; ngroups = 0 without the key (one lr for all). */
    size_t ngroups;
    fdr_group groups[FDR_MAX_GROUPS];
    /* The type's heavy-ball coefficient eta_b at lr (opt->heavy_ball), else
     * the coefficient of <|grad f|^2> in its dissipation (the eta_b of a
     * preconditioned step), else lr: the step scale of the divergence limit
     * and of the noise part of F2. */
    double eta_b;
    /* [run] */
    long replicas, steps, record_every;
    long burn_in; /* first step of the measurement window */
    int burn_half; /* the paper's half-running window */
    uint64_t seed;
    enum fdr_init init;
    double init_offset;
    long tensor_directions; /* random directions for the tensor FDR1 when dim > tensor_full_max */
    long tensor_full_max;   /* all d(d+1)/2 entries up to this dimension */
    double threshold;       /* |z| above which a relation fails */
    int fdr2;               /* measure the FDR2 terms */
    int fdr2_order;         /* K: Taylor terms F2 .. FK */
    fdr_transfer_opts transfer; /* [transfer] (0: every default) */
} fdr_model;

/* The built-in default experiment as INI text. */
extern const char fdr_default_model[];

/* Builds a model from cfg (which it reads completely and checks for unknown
 * keys). name is the model's display name. NULL with fdr_error. */
fdr_model *fdr_model_alloc(fdr_config *cfg, const char *name);
void fdr_model_free(fdr_model *m);

/* Makes the CBLAS run on one thread. fdrsim's parallelism is over
 * replicas, and the rounding of a threaded BLAS depends on its thread
 * count, which would leak into the last bits of every result. Called before
 * a model is built and before every run; idempotent. */
void fdr_blas_serial(void);

/* Makes sure that up to `threads` threads (0: OpenMP's default) can call the
 * CBLAS at once without it allocating. OpenBLAS takes a work buffer of
 * about 128 MiB of address space per concurrent caller at its first use
 * and, when that allocation fails, retries forever at full CPU; so the
 * buffers are taken here, after checking that the address-space limit
 * (ulimit -v) leaves room for them, and FDR_ENOMEM refuses the run
 * otherwise. Call before a thread count first calls the CBLAS; cheap once
 * that many are reserved. */
int fdr_blas_reserve(int threads);

/* The hyperparameters of m's optimizer other than lr, as its type reads them. */
static inline fdr_optim_params fdr_model_optim_params(const fdr_model *m)
{
    return (fdr_optim_params){.momentum = m->momentum,
                              .dampening = m->dampening,
                              .convention = m->convention,
                              .alpha = m->alpha,
                              .beta1 = m->beta1,
                              .beta2 = m->beta2,
                              .eps = m->eps,
                              .centered = m->centered,
                              .bias_correction = m->bias_correction,
                              .precond = m->precond_mem ? &m->precond : NULL};
}

/* 1 if m's optimizer type reads the [optimizer] key (optim.h, keys). */
int fdr_model_optim_takes(const fdr_model *m, const char *key);

/* Writes m's optimizer as "TYPE, lr X, KEY X, ..." (its keys, optim.h) into
 * buf (size n), for the outputs' headers. */
void fdr_model_optim_describe(const fdr_model *m, char *buf, size_t n);

/* The factor c of FDR1, <theta . grad f> = c <|v|^2>, for m's optimizer at m's lr. */
static inline double fdr_model_fdr1_factor(const fdr_model *m)
{
    fdr_optim_params p = fdr_model_optim_params(m);
    return m->opt->fdr1_factor(&p, m->lr);
}

/* The factor k of the noisy <|g|^2> in m's FDR1, <theta . grad f> = c <|v|^2>
 * + k <|g|^2> (optim.h): 0 for a type whose relation is c <|v|^2> alone. */
static inline double fdr_model_fdr1_gradient_factor(const fdr_model *m)
{
    fdr_optim_params p = fdr_model_optim_params(m);
    return m->opt->fdr1_gradient_factor ? m->opt->fdr1_gradient_factor(&p, m->lr) : 0;
}

/* The constant part of m's FDR1 right side, k Tr C (the noise in <|g|^2> =
 * <|grad f|^2> + Tr C): 0 when k is, and the model admits k != 0 only with
 * a constant C. */
static inline double fdr_model_fdr1_constant(const fdr_model *m)
{
    double k = fdr_model_fdr1_gradient_factor(m), trc = 0;
    size_t d = m->land->dim;
    for (size_t i = 0; k != 0 && i < d; i++)
        trc += m->noise->C[i * d + i];
    return k * trc;
}

#endif
