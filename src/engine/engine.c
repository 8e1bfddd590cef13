/* engine.c - the Monte Carlo loop (see engine.h for the contract). */
#include "config.h"

#include "engine/engine.h"
#include "engine/checkpoint.h"
#include "core/fdr.h"
#include "engine/dist.h"
#include "rng/rng.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* a * b + c, in one fused multiply-add where the hardware has it. The
 * build compiles with -ffp-contract=off (implied by -std=c11, and needed
 * by rng.c's bit-exact sampler), so the hot loops ask for it by name. */
#ifdef __FP_FAST_FMA
#define FMA(a, b, c) __builtin_fma((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#endif


/* What the fused path reads at every step besides the state, on cache
 * lines: the Hessian diagonal (separable case) and -eta_b times the noise
 * standard deviations; and the optimizer type's heavy-ball coefficients. */
typedef struct {
    double lr;      /* the learning rate these are for (NAN: none yet) */
    double mu, eta; /* heavy_ball(): v' = mu v - eta (g + xi) */
    const double *h; /* NULL for a dense H */
    double *nes; /* d entries */
    int iso;     /* all of nes are equal: the loop reads nes[0] only */
} fused_coef;

typedef struct {
    size_t first, n; /* replicas [first, first + n) */
    double *X, *V, *G, *Z, *F, *work;
    double *dx;       /* n x d: theta - c, off the fused path */
    double *P;        /* n x 3 ntens: u.(theta - c), u.g, u.v along the random directions */
    double *Pprev;    /* n x ntens: u.(theta - c) at step p_step */
    long p_step;
    double *Zf; /* stepping in a frame: the noise rows in the frame (n x d), or NULL */
    double *VW, *HVW; /* FDR2: the rows [v'; w] (2n x d) and their product with H */
    double *DU, *D, *T; /* FDR2 off the quadratic: the rows v'_r, w_r interleaved (2n x d),
                           their derivatives (2n x fdr2_order) and Tr(H(theta_r) C) (n) */
    double *Hx, *Cx;  /* FDR2, C(theta) with neither a trace nor a scale form: d x d */
    double *obs;      /* n x FDR_NOBS, this step's observables */
    double *S;        /* the optimizer type's state (state_size x n x d), or NULL */
    double *U;        /* P^-1 v of a preconditioned type (n x d, fdr1_metric), or NULL */
    double *PG;       /* P grad f of a type with precondition (n x d), or NULL */
    double *W;        /* FDR2 off the quadratic: the noise-free steps w (n x d) */
    double *lr;       /* this block's learning rates (the engine's array, from first) */
    double *vvlim;    /* per replica: |v|^2 of divergence at the lrs in lr_seen */
    double *lr_seen;  /* n x ngroups */
    double *noisy_ol; /* n: theta . (grad f + xi), when an observer needs it */
    double *gol, *gvv; /* parameter groups: n x ngroups parts of noisy_ol and of |v|^2 */
    fused_coef fc;    /* the fused path's coefficients, for the lr in fc.lr */
    fdr_rng **rng;
    double *ts; /* n_rec x FDR_NTS, this block's replica sums */
    long div_step;
    size_t div_replica;
    double div_vv; /* |v|^2 of the diverged replica; NAN if not finite */
} block;

/* Stepping in a landscape's frame x = V (theta - o) (fdr_landscape.frame):
 * its f0 needs no rotation, so a replica step costs one product, the noise
 * into the frame. Every scalar observable is invariant; the reference
 * point and the tensor directions are moved into the frame once, the FDR0
 * sums back out of it at the end, the samples one coordinate at a time. */
typedef struct {
    const void *f0;     /* the type's state for f0 */
    const double *V, *o;
    double *c;          /* V (ref - o) */
    double *vo;         /* V o: theta . y = (x + V o) . (V y) for the noisy O_L */
    double *dirs;       /* the tensor directions in the frame (ntens x d), or NULL */
    double *C;          /* V C V^T */
    fdr_trace tc;       /* C prepared for f0's traces */
} frame_run;

typedef struct {
    fdr_engine_progress fn;
    long done;    /* block-steps completed, all threads */
    double total; /* block-steps in the whole run */
    int shown;    /* last percentage reported */
} progress_state;

struct fdr_engine {
    const fdr_model *m;
    fdr_engine_opts o;
    fdr_optim_params op;
    fdr_result *res; /* the relations' sums (with relations off: the shape only) */
    block *blocks;
    size_t nblocks;
    size_t k0, k1;   /* the blocks this process runs (all of them without o.dist) */
    double *lr;      /* R x ngroups learning rates */
    size_t ng;       /* parameter groups stepped at their own lr (1: one lr per replica) */
    double *hdiag;   /* the fused separable path's Hessian diagonal, or NULL */
    double *dirh;    /* there, the random directions, then them times it (u.g = (u h).x) */
    fdr_observer *observers; /* the built-in ones (relations on), then the caller's */
    size_t n_observers;
    unsigned need;   /* the union of the observers' needs */
    int fdr2;        /* FDR2 terms are accumulated */
    int fused;       /* the fused quadratic path runs (as res->fused) */
    double limit;    /* fdr_divergence_limit */
    double c0;       /* eta_b^2 Tr(H Cs) / 2 when neither depends on theta */
    double *Cs;      /* Cs = P C P, the covariance of a preconditioned step's noise over
                        eta_b^2 (optim.h, precondition); NULL: Cs = C */
    fdr_trace tc;    /* off the quadratic: Tr(H(theta) C) prepared, if have_tc */
    int have_tc;
    frame_run frs;   /* stepping in the landscape's frame, if fr */
    const frame_run *fr;
    long t;          /* the step every replica is at */
    int status;      /* FDR_OK, or the error that stopped the run */
    double seconds;
    progress_state prog;
};

void fdr_engine_initial(const fdr_model *m, double *theta0)
{
    size_t d = m->land->dim;
    for (size_t i = 0; i < d; i++)
        theta0[i] = m->init == FDR_INIT_ZERO ? 0.0
                    : m->land->ref[i] + (m->init == FDR_INIT_OFFSET ? m->init_offset : 0.0);
}

double fdr_unit_scale(double x)
{
    if (!isfinite(x) || x == 0)
        return 1;
    int e = ilogb(x);
    return ldexp(1.0, e > 1000 ? -1000 : e < -1000 ? 1000 : -e);
}

int fdr_divergence_limit(const fdr_model *m, double *limit)
{
    const fdr_landscape *l = m->land;
    const fdr_noise *nz = m->noise;
    const fdr_optim_params op = fdr_model_optim_params(m);
    size_t d = l->dim;
    /* A type with precondition steps by -eta_b P (g + xi): its scales are
     * Tr(P C) and g^T P g (the heavy-ball ones in the metric of P). */
    int pre = m->opt->precondition != NULL, need_c = (!nz->C && !nz->sdiag) || pre;
    double *x = fdr_malloc(d * sizeof *x), *g = fdr_malloc(2 * d * sizeof *g);
    double *C = need_c ? fdr_malloc(2 * d * d * sizeof *C) : NULL;
    if (!x || !g || (need_c && !C)) {
        free(x);
        free(g);
        free(C);
        return fdr_error(FDR_ENOMEM, "out of memory");
    }
    double trc = 0, gsq = 0;
    if (nz->sdiag && !pre) {
        for (size_t i = 0; i < d; i++)
            trc += nz->sdiag[i] * nz->sdiag[i];
    } else {
        if (!nz->C)
            nz->type->covariance(nz->state, l->ref, C);
        else if (pre)
            memcpy(C, nz->C, d * d * sizeof *C);
        if (pre) /* C P: its trace is Tr(P C) */
            m->opt->precondition(&op, d, d, C, C + d * d);
        const double *c = pre ? C + d * d : need_c ? C : nz->C;
        for (size_t i = 0; i < d; i++)
            trc += c[i * d + i];
    }
    fdr_engine_initial(m, x);
    fdr_landscape_gradient(l, x, g);
    if (pre)
        m->opt->precondition(&op, 1, d, g, g + d);
    for (size_t i = 0; i < d; i++)
        gsq += g[i] * g[pre ? d + i : i];
    double omu = 1 - m->momentum;
    double noise = m->eta_b * trc / omu;
    double start = m->eta_b * gsq / (omu * omu) + fabs(fdr_landscape_value(l, x) - l->fref);
    *limit = FDR_DIVERGENCE_FACTOR * fmax(fmax(noise, start), fabs(l->fref));
    free(x);
    free(g);
    free(C);
    /* The model checked that the start is finite: a NaN here is the point
     * evaluations' out-of-memory answer, which fmax would silently drop
     * (an infinity, from squares that overflow, is a true bound). */
    if (isnan(start))
        return fdr_error(FDR_ENOMEM, "out of memory (evaluating the landscape at the start)");
    return FDR_OK;
}

void fdr_result_free(fdr_result *r)
{
    if (!r)
        return;
    free(r->bsum);
    free(r->sumsq);
    free(r->squnit);
    free(r->gsum);
    free(r->vsum);
    free(r->tA);
    free(r->tB);
    free(r->dirs);
    free(r->ucount);
    free(r->rec_step);
    free(r->ts);
    free(r->samples);
    free(r);
}

/* Seeded random unit directions for the tensor FDR1 beyond tensor_full_max. */
static int make_directions(fdr_result *res, uint64_t seed)
{
    size_t d = res->d;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (!g)
        return fdr_error(FDR_ENOMEM, "out of memory");
    gsl_rng_set(g, (unsigned long)(seed ^ 0x5eed7e45u));
    for (size_t k = 0; k < res->ntens; k++) {
        double *u = res->dirs + k * d, s = 0;
        for (size_t i = 0; i < d; i++) {
            u[i] = gsl_ran_gaussian_ziggurat(g, 1.0);
            s += u[i] * u[i];
        }
        for (size_t i = 0; i < d; i++)
            u[i] /= sqrt(s);
    }
    gsl_rng_free(g);
    return FDR_OK;
}

/* count x size zero bytes on a cache line, for the arrays the fused loop
 * streams. */
/* The time series' early records: the steps 0, 1, 2, 4, ... below both
 * record_every and steps. */
static size_t early_records(long every, long steps)
{
    size_t n = 0;
    for (long t = 0; t < every && t < steps; t = t ? 2 * t : 1)
        n++;
    return n;
}

static void *zeroed(size_t count, size_t size)
{
    if (count && size > SIZE_MAX / count) {
        fdr_error(FDR_ENOMEM, "out of memory (asked for %zu x %zu bytes)", count, size);
        return NULL;
    }
    void *p = fdr_malloc_aligned(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

static fdr_result *result_alloc(const fdr_model *m)
{
    fdr_result *res = fdr_calloc(1, sizeof *res);
    if (!res)
        return NULL;
    size_t R = (size_t)m->replicas, d = m->land->dim;
    res->R = R;
    res->d = d;
    res->steps = m->steps;
    res->burn_in = m->burn_in;
    res->window = m->steps - m->burn_in;
    res->units_are_replicas = R >= 16;
    res->units = res->units_are_replicas ? R : R * FDR_NBATCH;
    res->tensor_full = d <= (size_t)m->tensor_full_max;
    res->ntens = res->tensor_full ? d * (d + 1) / 2 : (size_t)m->tensor_directions;
    res->n_rec = early_records(m->record_every, m->steps) +
                 (size_t)((m->steps - 1) / m->record_every);
    size_t U = res->units;
    res->bsum = fdr_calloc(R * FDR_NBATCH * FDR_NOBS, sizeof *res->bsum);
    res->sumsq = fdr_calloc(R * FDR_NOBS, sizeof *res->sumsq);
    res->squnit = fdr_calloc(R * FDR_NOBS, sizeof *res->squnit);
    res->gsum = zeroed(U * d, sizeof *res->gsum);
    res->vsum = zeroed(U * d, sizeof *res->vsum);
    res->tA = fdr_calloc(U * res->ntens, sizeof *res->tA);
    res->tB = fdr_calloc(U * res->ntens, sizeof *res->tB);
    res->ucount = fdr_calloc(U, sizeof *res->ucount);
    res->rec_step = fdr_calloc(res->n_rec, sizeof *res->rec_step);
    res->ts = fdr_calloc(res->n_rec * FDR_NTS, sizeof *res->ts);
    if (!res->tensor_full)
        res->dirs = fdr_calloc(res->ntens * d, sizeof *res->dirs);
    double want = (double)res->window * (double)R / FDR_MAX_SAMPLES;
    res->sample_every = want > 1 ? (long)ceil(want) : 1;
    res->n_samples = (size_t)((res->window + res->sample_every - 1) / res->sample_every);
    res->sample_dim = d < 2 ? d : 2;
    res->samples = fdr_calloc(res->n_samples * R * res->sample_dim, sizeof *res->samples);
    if (!res->samples) {
        fdr_result_free(res);
        return NULL;
    }
    if (!res->bsum || !res->sumsq || !res->squnit || !res->gsum || !res->vsum || !res->tA ||
        !res->tB || !res->ucount || !res->rec_step || !res->ts ||
        (!res->tensor_full && !res->dirs) ||
        (!res->tensor_full && make_directions(res, m->seed) != FDR_OK)) {
        fdr_result_free(res);
        return NULL;
    }
    size_t k = 0;
    for (long t = 0; t < m->steps; t = t ? 2 * t : 1)
        if (t < m->record_every)
            res->rec_step[k++] = t;
    for (long t = m->record_every; t < m->steps; t += m->record_every)
        res->rec_step[k++] = t;
    for (long t = m->burn_in; t < m->steps; t++)
        res->bcount[(t - m->burn_in) * FDR_NBATCH / res->window]++;
    return res;
}

static void block_free(block *b)
{
    if (b->rng)
        for (size_t r = 0; r < b->n; r++)
            fdr_rng_free(b->rng[r]);
    free(b->rng);
    free(b->X);
    free(b->V);
    free(b->G);
    free(b->Z);
    free(b->Zf);
    free(b->F);
    free(b->work);
    free(b->dx);
    free(b->P);
    free(b->Pprev);
    free(b->VW);
    free(b->HVW);
    free(b->DU);
    free(b->D);
    free(b->T);
    free(b->Hx);
    free(b->Cx);
    free(b->obs);
    free(b->S);
    free(b->U);
    free(b->PG);
    free(b->W);
    free(b->vvlim);
    free(b->lr_seen);
    free(b->noisy_ol);
    free(b->gol);
    free(b->gvv);
    free(b->fc.nes);
    free(b->ts);
}

static int block_init(block *b, const fdr_engine *e, size_t first, size_t n,
                      const double *theta0)
{
    const fdr_model *m = e->m;
    const fdr_result *res = e->res;
    size_t d = res->d;
    memset(b, 0, sizeof *b);
    b->first = first;
    b->n = n;
    b->div_step = -1;
    b->lr = e->lr + first * e->ng;
    b->fc.lr = NAN;
    b->fc.h = e->hdiag;
    b->vvlim = fdr_calloc(n, sizeof *b->vvlim); /* set at the first step (lr_seen) */
    b->lr_seen = fdr_malloc(n * e->ng * sizeof *b->lr_seen);
    if (!b->vvlim || !b->lr_seen)
        return FDR_ENOMEM;
    for (size_t r = 0; r < n * e->ng; r++)
        b->lr_seen[r] = NAN;
    if (e->need & FDR_NEED_NOISY_OL && !(b->noisy_ol = fdr_malloc(n * sizeof *b->noisy_ol)))
        return FDR_ENOMEM;
    if (e->ng > 1 && (!(b->gol = fdr_malloc(n * e->ng * sizeof *b->gol)) ||
                      !(b->gvv = fdr_malloc(n * e->ng * sizeof *b->gvv))))
        return FDR_ENOMEM;
    if (res->fused && !(b->fc.nes = fdr_malloc_aligned(d * sizeof *b->fc.nes)))
        return FDR_ENOMEM;
    b->X = fdr_malloc_aligned(n * d * sizeof *b->X);
    b->V = zeroed(n * d, sizeof *b->V);
    b->G = fdr_malloc_aligned(n * d * sizeof *b->G);
    b->Z = fdr_malloc_aligned(n * d * sizeof *b->Z);
    b->F = fdr_malloc(n * sizeof *b->F);
    b->work = fdr_malloc(fdr_landscape_work_size(m->land, n, 2) * sizeof *b->work);
    b->dx = fdr_malloc(n * d * sizeof *b->dx);
    b->p_step = -2;
    if (res->ntens && !res->tensor_full &&
        (!(b->P = fdr_malloc(n * 3 * res->ntens * sizeof *b->P)) ||
         !(b->Pprev = fdr_malloc(n * res->ntens * sizeof *b->Pprev))))
        return FDR_ENOMEM;
    b->ts = fdr_calloc(res->n_rec * FDR_NTS, sizeof *b->ts);
    b->rng = fdr_calloc(n, sizeof *b->rng);
    b->obs = fdr_calloc(n * FDR_NOBS, sizeof *b->obs);
    if (!b->X || !b->V || !b->G || !b->Z || !b->F || !b->work || !b->dx || !b->ts || !b->rng ||
        !b->obs)
        return FDR_ENOMEM;
    if (m->opt->state_size && !(b->S = fdr_calloc(m->opt->state_size * n * d, sizeof *b->S)))
        return FDR_ENOMEM;
    if (m->opt->fdr1_metric && !(b->U = fdr_malloc(n * d * sizeof *b->U)))
        return FDR_ENOMEM;
    if (m->opt->precondition && !(b->PG = fdr_malloc(n * d * sizeof *b->PG)))
        return FDR_ENOMEM;
    if (e->fdr2 && !(res->fused && m->land->hdiag)) {
        if (m->land->H) {
            b->VW = fdr_malloc_aligned(2 * n * d * sizeof *b->VW);
            b->HVW = fdr_malloc(2 * n * d * sizeof *b->HVW);
            if (!b->VW || !b->HVW)
                return FDR_ENOMEM;
        }
        if (!m->land->H) {
            b->DU = fdr_malloc(2 * n * d * sizeof *b->DU);
            b->D = fdr_malloc(2 * n * (size_t)m->fdr2_order * sizeof *b->D);
            b->T = fdr_malloc(n * sizeof *b->T);
            b->W = fdr_malloc(n * d * sizeof *b->W);
            if (!b->DU || !b->D || !b->T || !b->W)
                return FDR_ENOMEM;
        }
        const fdr_noise_type *nt = m->noise->type;
        if (!m->noise->C && !nt->covariance_scale && !nt->trace_hc) {
            b->Hx = fdr_malloc(d * d * sizeof *b->Hx);
            b->Cx = fdr_malloc(d * d * sizeof *b->Cx);
            if (!b->Hx || !b->Cx)
                return FDR_ENOMEM;
        }
    }
    for (size_t r = 0; r < n; r++) {
        /* The fused path keeps theta - c, saving a load and a subtraction per
         * coordinate and step; c is its exact minimum. */
        for (size_t i = 0; i < d; i++)
            b->X[r * d + i] = theta0[i] - (res->fused ? m->land->ref[i] : 0.0);
        if (!(b->rng[r] = fdr_rng_alloc(m->seed, first + r)))
            return FDR_ENOMEM;
    }
    return FDR_OK;
}

/* The full tensor FDR1 sums (entries i <= j) for one replica's pre-update
 * state (dx = theta - c); g is P grad f for a type with precondition
 * (doc/theory.md section 8.2). */
static void tensor_accumulate(const fdr_result *res, size_t u, const double *dx, const double *g,
                              const double *v)
{
    size_t d = res->d, k = 0;
    double *A = res->tA + u * res->ntens, *B = res->tB + u * res->ntens;
    for (size_t i = 0; i < d; i++)
        for (size_t j = i; j < d; j++, k++) {
            A[k] += dx[i] * g[j] + dx[j] * g[i];
            B[k] += v[i] * v[j];
        }
}

static size_t unit_of(const fdr_result *res, size_t replica, long batch)
{
    return res->units_are_replicas ? replica : replica * FDR_NBATCH + (size_t)batch;
}

/* P[r][k] = X_r . D_k for n rows X (n x d) and m rows D (m x d), into P
 * with row stride ldp. The matrices are far too small for a BLAS product
 * to pay for packing them (OpenBLAS spent as long packing as multiplying
 * here), so two rows of X against four of D at a time: eight sums in
 * registers for six loads. */
static void project(size_t n, size_t m, size_t d, const double *restrict X,
                    const double *restrict D, double *restrict P, size_t ldp)
{
    size_t r = 0;
    for (; r + 2 <= n; r += 2) {
        const double *x0 = X + r * d, *x1 = x0 + d;
        size_t k = 0;
        for (; k + 4 <= m; k += 4) {
            const double *d0 = D + k * d, *d1 = d0 + d, *d2 = d1 + d, *d3 = d2 + d;
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3, b0, b1, b2, b3)
            for (size_t i = 0; i < d; i++) {
                a0 = FMA(x0[i], d0[i], a0);
                a1 = FMA(x0[i], d1[i], a1);
                a2 = FMA(x0[i], d2[i], a2);
                a3 = FMA(x0[i], d3[i], a3);
                b0 = FMA(x1[i], d0[i], b0);
                b1 = FMA(x1[i], d1[i], b1);
                b2 = FMA(x1[i], d2[i], b2);
                b3 = FMA(x1[i], d3[i], b3);
            }
            double *p0 = P + r * ldp + k, *p1 = p0 + ldp;
            p0[0] = a0, p0[1] = a1, p0[2] = a2, p0[3] = a3;
            p1[0] = b0, p1[1] = b1, p1[2] = b2, p1[3] = b3;
        }
        for (; k < m; k++) {
            const double *dk = D + k * d;
            double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
            for (size_t i = 0; i < d; i++) {
                a = FMA(x0[i], dk[i], a);
                b = FMA(x1[i], dk[i], b);
            }
            P[r * ldp + k] = a;
            P[(r + 1) * ldp + k] = b;
        }
    }
    for (; r < n; r++)
        for (size_t k = 0; k < m; k++) {
            const double *x = X + r * d, *dk = D + k * d;
            double a = 0;
#pragma omp simd reduction(+ : a)
            for (size_t i = 0; i < d; i++)
                a = FMA(x[i], dk[i], a);
            P[r * ldp + k] = a;
        }
}

/* The tensor FDR1 sums along the random directions for every replica of
 * the block at once: the projections u.(theta - c), u.g and u.v of the
 * pre-update rows DX, G and V against the directions (ntens x d), each
 * row of which is then read once per two replicas. G NULL: the fused
 * separable path, where u.g = (u h).x. */
static void tensor_block(const fdr_engine *e, block *b, long t, long batch, const double *DX,
                         const double *G, const double *dirs)
{
    const fdr_result *res = e->res;
    size_t n = b->n, d = res->d, nt = res->ntens, ld = 3 * nt;
    double *P = b->P;
    if (G) {
        project(n, nt, d, DX, dirs, P, ld);
        project(n, nt, d, G, dirs, P + nt, ld);
    } else { /* u.x and (u h).x in one pass over X */
        project(n, 2 * nt, d, DX, e->dirh, P, ld);
    }
    /* theta_t - theta_{t-1} = v_t: after the first step of the window,
     * u.v is the difference of two steps' u.(theta - c), as the fused
     * path's FDR0.v is telescoped; rounding differs from the direct product
     * by a few ulps of u.(theta - c). */
    for (size_t r = 0; b->p_step == t - 1 && r < n; r++)
        for (size_t k = 0; k < nt; k++)
            P[r * ld + 2 * nt + k] = P[r * ld + k] - b->Pprev[r * nt + k];
    if (b->p_step != t - 1)
        project(n, nt, d, b->V, dirs, P + 2 * nt, ld);
    for (size_t r = 0; r < n; r++)
        memcpy(b->Pprev + r * nt, P + r * ld, nt * sizeof *P);
    b->p_step = t;
    for (size_t r = 0; r < n; r++) {
        size_t u = unit_of(res, b->first + r, batch);
        double *A = res->tA + u * res->ntens, *B = res->tB + u * res->ntens;
        const double *p = P + r * ld;
        for (size_t k = 0; k < nt; k++) {
            A[k] += 2 * p[k] * p[nt + k];
            B[k] += p[2 * nt + k] * p[2 * nt + k];
        }
    }
}

/* Returns 0 if replica r's observables (and its noisy O_L, if measured)
 * are not finite or |v|^2 is beyond its divergence limit: the run has
 * diverged. */
static int state_ok(block *b, size_t r, const double *obs)
{
    /* 0 times a finite value is 0, and NAN otherwise: a sum of such
     * products, in any order, is 0 exactly when all are finite. */
    double z = b->noisy_ol ? 0 * b->noisy_ol[r] : 0;
#pragma omp simd reduction(+ : z)
    for (int k = 0; k < FDR_NOBS; k++)
        z += 0 * obs[k];
    int bad = z != 0;
    if (!bad && !(obs[FDR_OBS_VV] > b->vvlim[r]))
        return 1;
    b->div_vv = bad ? NAN : obs[FDR_OBS_VV];
    return 0;
}

/* The relations' scalar sums, an observer: every replica's observables
 * into its batch sums and its sums of squares (in units set by its first
 * value in the window, fdr_unit_scale), and the steps per unit. */
static void relations_observe(void *ctx, const fdr_step_view *v)
{
    const fdr_engine *e = ctx;
    fdr_result *res = e->res;
    long t0 = v->t - res->burn_in;
    if (t0 < 0 || v->t >= res->steps)
        return;
    size_t batch = (size_t)(t0 * FDR_NBATCH / res->window);
    for (size_t r = 0; r < v->n; r++) {
        const double *obs = v->obs + r * FDR_NOBS;
        size_t rg = v->first + r;
        double *unit = res->squnit + rg * FDR_NOBS;
        if (unit[0] == 0) /* the window's first step: the units of the squares */
            for (int k = 0; k < FDR_NOBS; k++)
                unit[k] = fdr_unit_scale(obs[k]);
        for (int k = 0; k < FDR_NOBS; k++) {
            double x = obs[k] * unit[k];
            res->bsum[(rg * FDR_NBATCH + batch) * FDR_NOBS + k] += obs[k];
            res->sumsq[rg * FDR_NOBS + k] += x * x;
        }
        res->ucount[res->units_are_replicas ? rg : rg * FDR_NBATCH + batch]++;
    }
}

/* The row of the time series that step t is recorded in, or -1: the
 * early records 0, 1, 2, 4, ... below record_every (so that a log-scale
 * figure shows the approach from the start), then every record_every. */
static ptrdiff_t record_index(long t, long every, long steps)
{
    if (t >= steps)
        return -1;
    if (t >= every)
        return t % every ? -1 : (ptrdiff_t)(early_records(every, steps) + (size_t)(t / every) - 1);
    if (t & (t - 1))
        return -1;
    ptrdiff_t k = 0;
    while (t) {
        t >>= 1;
        k++;
    }
    return k;
}

/* The time series, an observer: at every recorded step, the block's
 * replica sums into its own rows (merged in block order at the end). */
static void series_observe(void *ctx, const fdr_step_view *v)
{
    const fdr_engine *e = ctx;
    ptrdiff_t k = record_index(v->t, e->m->record_every, e->res->steps);
    if (k < 0)
        return;
    double *row = e->blocks[v->block].ts + (size_t)k * FDR_NTS;
    for (size_t r = 0; r < v->n; r++) {
        const double *obs = v->obs + r * FDR_NOBS;
        row[FDR_TS_OL] += obs[FDR_OBS_OL];
        row[FDR_TS_VV] += obs[FDR_OBS_VV];
        row[FDR_TS_LOSS] += obs[FDR_OBS_LOSS];
        row[FDR_TS_GSQ] += obs[FDR_OBS_GSQ];
    }
}

/* The first k coordinates of theta of replica r of block b, in the
 * landscape's coordinates: the fused path keeps theta - c, a frame
 * x = V (theta - o), so theta - o = V^T x. */
static void block_theta(const fdr_engine *e, const block *b, size_t r, size_t k, double *theta)
{
    size_t d = e->m->land->dim;
    const double *x = b->X + r * d;
    for (size_t i = 0; i < k; i++) {
        if (!e->fr) {
            theta[i] = x[i] + (e->fused ? e->m->land->ref[i] : 0.0);
            continue;
        }
        double y = 0;
        for (size_t j = 0; j < d; j++)
            y += e->fr->V[j * d + i] * x[j];
        theta[i] = e->fr->o[i] + y;
    }
}

/* The stationary samples for the figures, an observer: every sample_every
 * steps of the window, the first sample_dim coordinates of every replica's
 * theta after the step. */
static void samples_observe(void *ctx, const fdr_step_view *v)
{
    const fdr_engine *e = ctx;
    fdr_result *res = e->res;
    long t0 = v->t - res->burn_in;
    if (t0 < 0 || v->t >= res->steps || t0 % res->sample_every != 0)
        return;
    size_t k = (size_t)(t0 / res->sample_every), sd = res->sample_dim;
    for (size_t r = 0; r < v->n; r++)
        block_theta(e, &e->blocks[v->block], r, sd,
                    res->samples + (k * res->R + v->first + r) * sd);
}



/* The loop of fused_step, compiled once per combination of its flags:
 * forced inline so that each becomes its own branch-free, vectorised loop.
 * The gradient is h x (separable: gin NULL) or read from gin (dense H, one
 * level-3 product per block beforehand). gs is NULL in burn-in. With FDR2
 * on, a separable step sums the two F2 terms itself; a dense one stores
 * v' and w = mu v - eta_b grad f in vp and w for a second product.
 * nes = -eta_b times the noise standard deviations; with iso they are all
 * equal to ns, which saves streaming them. */
static inline __attribute__((always_inline)) void
fused_loop(size_t n, double mu, double eta, const double *restrict h, const double *restrict gin,
           const double *restrict nes, int iso, double ns, const double *restrict z,
           double *restrict x, double *restrict v, double *restrict gs, int f2sums,
           double *restrict vp, double *restrict wout, double acc[6])
{
    double ol = 0, vv = 0, gsq = 0, vg = 0, f2 = 0, f2n = 0;
#pragma omp simd reduction(+ : ol, vv, gsq, vg, f2, f2n)
    for (size_t i = 0; i < n; i++) {
        double dx = x[i], g = gin ? gin[i] : h[i] * dx, vi = v[i];
        ol = FMA(dx, g, ol);
        gsq = FMA(g, g, gsq);
        vv = FMA(vi, vi, vv);
        vg = FMA(vi, g, vg);
        if (gs)
            gs[i] += g;
        double w = FMA(mu, vi, -eta * g), vn = FMA(iso ? ns : nes[i], z[i], w);
        if (f2sums) {
            double hw = h[i] * w, hv = h[i] * vn;
            f2n = FMA(hw, w, f2n);
            f2 = FMA(hv, vn, f2);
        }
        if (vp) {
            vp[i] = vn;
            wout[i] = w;
        }
        v[i] = vn;
        x[i] = dx + vn;
    }
    acc[0] += ol;
    acc[1] += vv;
    acc[2] += gsq;
    acc[3] += vg;
    acc[4] += f2;
    acc[5] += f2n;
}

/* One step of one replica of a quadratic with diagonal Gaussian noise:
 * observables, the FDR0.grad sum, the update and the FDR2 terms (or, dense,
 * their inputs vp and w) in one pass over the d standard normal deviates in z.
 * x holds theta - c; g is the gradient from the block's product (dense) or
 * NULL (separable); gs is NULL during burn-in; c0 = eta_b^2 Tr(H C) / 2
 * completes the noise-averaged F2. */
static void fused_step(size_t d, int fdr2, const fused_coef *fc, const double *z, double *x,
                       double *v, const double *g, double *gs, double *vp, double *w, double c0,
                       double *obs)
{
    const double *h = fc->h, *nes = fc->nes;
    const int iso = fc->iso;
    const double mu = fc->mu, eta = fc->eta;
    double acc[6] = {0};
    if (g && vp && gs)
        fused_loop(d, mu, eta, h, g, nes, 0, 0, z, x, v, gs, 0, vp, w, acc);
    else if (g && vp)
        fused_loop(d, mu, eta, h, g, nes, 0, 0, z, x, v, NULL, 0, vp, w, acc);
    else if (g && gs)
        fused_loop(d, mu, eta, h, g, nes, 0, 0, z, x, v, gs, 0, NULL, NULL, acc);
    else if (g)
        fused_loop(d, mu, eta, h, g, nes, 0, 0, z, x, v, NULL, 0, NULL, NULL, acc);
    else if (iso && fdr2 && gs)
        fused_loop(d, mu, eta, h, NULL, nes, 1, nes[0], z, x, v, gs, 1, NULL, NULL, acc);
    else if (iso && gs)
        fused_loop(d, mu, eta, h, NULL, nes, 1, nes[0], z, x, v, gs, 0, NULL, NULL, acc);
    else if (iso)
        fused_loop(d, mu, eta, h, NULL, nes, 1, nes[0], z, x, v, NULL, 0, NULL, NULL, acc);
    else if (fdr2 && gs)
        fused_loop(d, mu, eta, h, NULL, nes, 0, 0, z, x, v, gs, 1, NULL, NULL, acc);
    else if (gs)
        fused_loop(d, mu, eta, h, NULL, nes, 0, 0, z, x, v, gs, 0, NULL, NULL, acc);
    else
        fused_loop(d, mu, eta, h, NULL, nes, 0, 0, z, x, v, NULL, 0, NULL, NULL, acc);
    obs[FDR_OBS_OL] = acc[0];
    obs[FDR_OBS_VV] = acc[1];
    obs[FDR_OBS_GSQ] = acc[2];
    obs[FDR_OBS_VG] = acc[3];
    obs[FDR_OBS_LOSS] = 0.5 * acc[0]; /* c is the exact minimum of this quadratic */
    if (g)
        return; /* observe_fdr2 completes the dense step's F2 terms */
    obs[FDR_OBS_F2N] = fdr2 ? 0.5 * acc[5] + c0 : 0;
    obs[FDR_OBS_F2] = 0.5 * acc[4];
    for (int k = 3; k <= FDR_KMAX; k++)
        obs[FDR_OBS_F2 + k - 2] = 0; /* a quadratic has no higher derivatives */
}

/* The fused path's FDR0.v sum, by telescoping: the update theta_{t+1} =
 * theta_t + v_{t+1} makes the sum of v_t over the steps a..b of a unit
 * theta_b - theta_{a-1}, so it costs two passes per unit instead of one
 * per step. Called before the update of step t with x = theta_t - c.
 * (It needs v_t = theta_t - theta_{t-1}, which a carry at a change of lr
 * breaks; the relations forbid such a change, check_lr.) */
static void fused_vsum(const fdr_model *m, const fdr_result *res, long t, long batch, double *vs,
                       const double *x, const double *v)
{
    size_t d = res->d;
    long w = res->window, t0 = t - m->burn_in;
    int first = t0 == 0, last = t == m->steps - 1;
    if (!res->units_are_replicas) {
        first = first || (t0 - 1) * FDR_NBATCH / w != batch;
        last = last || (t0 + 1) * FDR_NBATCH / w != batch;
    }
    if (first)
        for (size_t i = 0; i < d; i++)
            vs[i] -= x[i] - v[i]; /* theta_{a-1} = theta_a - v_a */
    if (last)
        for (size_t i = 0; i < d; i++)
            vs[i] += x[i];
}

/* Observables of the pre-update state (theta_t, v_t) that need only the
 * gradient, plus the FDR0 and tensor sums. */
static void observe_state(const fdr_model *m, const fdr_result *res, block *b,
                          const frame_run *fr, size_t r, long batch, size_t u)
{
    size_t d = res->d;
    const double *x = b->X + r * d, *v = b->V + r * d, *g = b->G + r * d;
    const double *c = fr ? fr->c : m->land->ref, *pv = b->U ? b->U + r * d : v;
    const double *pg = b->PG ? b->PG + r * d : g;
    double *obs = b->obs + r * FDR_NOBS, ol = 0, vv = 0, gsq = 0, vg = 0, *dx = b->dx + r * d;
#pragma omp simd reduction(+ : ol, vv, gsq, vg)
    for (size_t i = 0; i < d; i++) {
        dx[i] = x[i] - c[i];
        ol += dx[i] * g[i];
        vv += pv[i] * v[i];
        gsq += pg[i] * g[i];
        vg += v[i] * g[i];
    }
    obs[FDR_OBS_OL] = ol;
    obs[FDR_OBS_VV] = vv;
    obs[FDR_OBS_GSQ] = gsq;
    obs[FDR_OBS_VG] = vg;
    obs[FDR_OBS_LOSS] = b->F[r] - m->land->fref;
    if (batch < 0)
        return;
    double *gs = res->gsum + u * d, *vs = res->vsum + u * d;
    for (size_t i = 0; i < d; i++) {
        gs[i] += g[i];
        vs[i] += v[i];
    }
    if (res->ntens && res->tensor_full)
        tensor_accumulate(res, u, dx, pg, v);
}

/* eta_b^2 Tr(H C(theta)) / 2 at replica r's theta for a covariance that
 * depends on theta (never with a preconditioner: the model refuses it),
 * where the landscape's prepared traces cannot serve: from the noise law's
 * trace_hc (given the constant H, or NULL off the quadratic), else from
 * H(theta) and C(theta) formed in the block's d x d scratch. */
static double noise_f2(const fdr_model *m, block *b, size_t r)
{
    size_t d = m->land->dim;
    const double *H = m->land->H, *C, *x = b->X + r * d;
    if (m->noise->type->trace_hc)
        return 0.5 * m->eta_b * m->eta_b *
               m->noise->type->trace_hc(m->noise->state, b->first + r, x, H);
    if (!H) {
        fdr_landscape_hessian(m->land, x, b->Hx);
        H = b->Hx;
    }
    m->noise->type->covariance(m->noise->state, x, b->Cx);
    C = b->Cx;
    double t = 0;
    for (size_t i = 0; i < d * d; i++)
        t += H[i] * C[i]; /* Tr(H C) = sum_ij H_ij C_ji, both symmetric */
    return 0.5 * m->eta_b * m->eta_b * t;
}

/* FDR2 terms of every replica of the block once V holds v' and the first
 * n rows of VW hold v', the next n hold the noise-free step w (quadratic);
 * or, off the quadratic, from the landscape's block derivatives along v'
 * and w (in W) and its traces Tr(H(theta) Cs) for the prepared tc (NULL
 * when C depends on theta in a way only noise_f2 handles). The fused
 * dense path passes w in VW too, and W NULL. */
static void observe_fdr2(const fdr_model *m, block *b, double c0, const fdr_trace *tc,
                         const frame_run *fr)
{
    size_t d = m->land->dim, n = b->n;
    int K = m->fdr2_order;
    if (m->land->H) {
        /* [v'; w] H in one level-3 product: F2 = v'^T H v' / 2, w^T H w / 2. */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(2 * n), (int)d, (int)d, 1.0,
                    b->VW, (int)d, m->land->H, (int)d, 0.0, b->HVW, (int)d);
        for (size_t r = 0; r < n; r++) {
            double *obs = b->obs + r * FDR_NOBS, f2 = 0, f2n = 0;
            const double *vp = b->VW + r * d, *hvp = b->HVW + r * d;
            const double *w = b->VW + (n + r) * d, *hw = b->HVW + (n + r) * d;
            for (size_t i = 0; i < d; i++) {
                f2 += vp[i] * hvp[i];
                f2n += w[i] * hw[i];
            }
            obs[FDR_OBS_F2] = 0.5 * f2;
            obs[FDR_OBS_F2N] = 0.5 * f2n + (m->noise->C ? c0 : noise_f2(m, b, r));
            for (int k = 3; k <= FDR_KMAX; k++)
                obs[FDR_OBS_F2 + k - 2] = 0;
        }
        return;
    }
    /* v' and w, the optimizer type's noise-free step, interleaved. */
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++) {
            b->DU[2 * r * d + i] = b->V[r * d + i];
            b->DU[(2 * r + 1) * d + i] = b->W[r * d + i];
        }
    if (fr)
        m->land->type->derivs_block(fr->f0, n, b->X, 2, b->DU, K, b->D, &fr->tc, b->T, b->work);
    else
        fdr_landscape_derivs_block(m->land, n, b->X, 2, b->DU, K, b->D, tc, tc ? b->T : NULL,
                                   b->work);
    const double e2 = 0.5 * m->eta_b * m->eta_b;
    const fdr_noise_type *nt = m->noise->type;
    for (size_t r = 0; r < n; r++) {
        double *obs = b->obs + r * FDR_NOBS, fact = 1;
        const double *x = b->X + r * d, *Dv = b->D + 2 * r * (size_t)K, *Dw = Dv + K;
        for (int k = 2; k <= FDR_KMAX; k++) {
            fact *= k;
            obs[FDR_OBS_F2 + k - 2] = k <= K ? Dv[k - 1] / fact : 0;
        }
        const double *C0;
        double noise = !tc && !fr    ? noise_f2(m, b, r)
                       : m->noise->C ? e2 * b->T[r]
                                     : e2 * b->T[r] * nt->covariance_scale(m->noise->state, x, &C0);
        obs[FDR_OBS_F2N] = 0.5 * Dw[1] + noise;
    }
}

/* Sets the fused path's coefficients for learning rate lr: the type's
 * heavy-ball mu and eta_b, and -eta_b times the noise standard deviations. */
static void fused_coef_set(const fdr_engine *e, fused_coef *fc, double lr)
{
    const double *s = e->m->noise->sdiag;
    e->m->opt->heavy_ball(&e->op, lr, &fc->mu, &fc->eta);
    fc->lr = lr;
    fc->iso = 1;
    for (size_t i = 0; i < e->res->d; i++) {
        fc->nes[i] = -fc->eta * s[i];
        fc->iso = fc->iso && fc->nes[i] == fc->nes[0];
    }
}

/* theta . (grad f + xi) on the fused path, where x = theta - c, the
 * gradient is g (dense) or h x, and xi = s z. */
static double fused_noisy_ol(const fdr_engine *e, const double *x, const double *g,
                             const double *z)
{
    const double *c = e->m->land->ref, *s = e->m->noise->sdiag, *h = e->hdiag;
    double ol = 0;
    for (size_t i = 0; i < e->res->d; i++)
        ol += (x[i] + c[i]) * ((g ? g[i] : h[i] * x[i]) + s[i] * z[i]);
    return ol;
}

/* The observables of the state of one replica on the fused path, without
 * stepping it (the observation-only step at the end of a run). */
static void fused_observe(const fdr_engine *e, const double *x, const double *v,
                          const double *g, double *obs)
{
    double ol = 0, vv = 0, gsq = 0, vg = 0;
    for (size_t i = 0; i < e->res->d; i++) {
        double gi = g ? g[i] : e->hdiag[i] * x[i];
        ol += x[i] * gi;
        vv += v[i] * v[i];
        gsq += gi * gi;
        vg += v[i] * gi;
    }
    memset(obs, 0, FDR_NOBS * sizeof *obs);
    obs[FDR_OBS_OL] = ol;
    obs[FDR_OBS_VV] = vv;
    obs[FDR_OBS_GSQ] = gsq;
    obs[FDR_OBS_VG] = vg;
    obs[FDR_OBS_LOSS] = 0.5 * ol;
}

/* The fused path's step t for every replica of the block. */
static void fused_block_step(const fdr_engine *e, block *b, long t, long batch, int update)
{
    const fdr_model *m = e->m;
    fdr_result *res = e->res;
    size_t d = res->d, n = b->n;
    const int dense = !m->land->hdiag;
    if (dense) /* G = (X - c) H: every replica's gradient in one product */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, b->X,
                    (int)d, m->land->H, (int)d, 0.0, b->G, (int)d);
    if (batch >= 0 && b->P)
        tensor_block(e, b, t, batch, b->X, dense ? b->G : NULL, res->dirs);
    for (size_t r = 0; r < n; r++) {
        double *x = b->X + r * d, *v = b->V + r * d, *g = dense ? b->G + r * d : NULL;
        double *obs = b->obs + r * FDR_NOBS;
        if (b->lr[r] != b->fc.lr)
            fused_coef_set(e, &b->fc, b->lr[r]);
        fdr_rng_normal(b->rng[r], b->Z, d);
        if (b->noisy_ol)
            b->noisy_ol[r] = fused_noisy_ol(e, x, g, b->Z);
        if (!update) {
            fused_observe(e, x, v, g, obs);
            continue;
        }
        size_t u = batch >= 0 ? unit_of(res, b->first + r, batch) : 0;
        if (batch >= 0 && res->ntens && res->tensor_full) {
            double *gt = b->G + r * d;
            for (size_t i = 0; !dense && i < d; i++)
                gt[i] = e->hdiag[i] * x[i];
            tensor_accumulate(res, u, x, gt, v);
        }
        if (batch >= 0)
            fused_vsum(m, res, t, batch, res->vsum + u * d, x, v);
        fused_step(d, e->fdr2, &b->fc, b->Z, x, v, g, batch >= 0 ? res->gsum + u * d : NULL,
                   b->VW ? b->VW + r * d : NULL, b->VW ? b->VW + (n + r) * d : NULL, e->c0, obs);
    }
    if (update && dense && e->fdr2)
        observe_fdr2(m, b, e->c0, NULL, NULL);
}

/* With parameter groups (relations off, no frame, a type without state):
 * each group's parts of the noisy O_L and of |v|^2 from the pre-update
 * state, then, with update, each group's rows stepped by the type's own
 * update at the group's rate (a row of a group is contiguous). */
static void group_step(const fdr_engine *e, block *b, const double *Z, int update)
{
    const fdr_model *m = e->m;
    size_t d = e->res->d, ng = e->ng;
    for (size_t r = 0; r < b->n; r++) {
        const double *x = b->X + r * d, *g = b->G + r * d, *z = Z + r * d, *v = b->V + r * d;
        double total = 0;
        for (size_t k = 0; k < ng; k++) {
            const fdr_group *gr = &m->groups[k];
            double ol = 0, vv = 0;
            for (size_t i = gr->first; i < gr->first + gr->count; i++) {
                ol += x[i] * (g[i] + z[i]);
                vv += v[i] * v[i];
            }
            b->gol[r * ng + k] = ol;
            b->gvv[r * ng + k] = vv;
            total += ol;
        }
        if (b->noisy_ol)
            b->noisy_ol[r] = total;
    }
    for (size_t r = 0; update && r < b->n; r++)
        for (size_t k = 0; k < ng; k++) {
            size_t o = r * d + m->groups[k].first;
            m->opt->update_block(&e->op, 1, m->groups[k].count, &b->lr[r * ng + k], 0, b->V + o,
                                 b->G + o, Z + o, NULL, NULL);
        }
}

/* The general path's step t for every replica of the block: the
 * landscape's block evaluation, the noise law's block of draws, the
 * optimizer type's block update (theta itself moves after the observers). */
static void general_block_step(const fdr_engine *e, block *b, long t, long batch, int update)
{
    const fdr_model *m = e->m;
    const frame_run *fr = e->fr;
    size_t d = e->res->d, n = b->n;
    if (fr)
        m->land->type->eval_block(fr->f0, n, b->X, b->F, b->G, b->work);
    else
        fdr_landscape_eval_block(m->land, n, b->X, b->F, b->G, b->work);
    if (b->U)
        m->opt->fdr1_metric(&e->op, n, d, b->V, b->S, b->U);
    if (b->PG)
        m->opt->precondition(&e->op, n, d, b->G, b->PG);
    for (size_t r = 0; r < n; r++)
        observe_state(m, e->res, b, fr, r, batch,
                      batch >= 0 ? unit_of(e->res, b->first + r, batch) : 0);
    if (batch >= 0 && b->P)
        tensor_block(e, b, t, batch, b->dx, b->PG ? b->PG : b->G, fr ? fr->dirs : e->res->dirs);
    /* a law with a constant covariance draws without looking at the point */
    m->noise->type->sample(m->noise->state, n, b->first, t, b->X, b->Z, b->rng, b->work);
    const double *Z = b->Z;
    if (fr) { /* rows: (V z)^T = z^T V^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)d, 1.0, b->Z,
                    (int)d, fr->V, (int)d, 0.0, b->Zf, (int)d);
        Z = b->Zf;
    }
    for (size_t r = 0; b->noisy_ol && e->ng == 1 && r < n; r++) {
        const double *x = b->X + r * d, *g = b->G + r * d, *z = Z + r * d;
        double ol = 0;
        for (size_t i = 0; i < d; i++)
            ol += (x[i] + (fr ? fr->vo[i] : 0.0)) * (g[i] + z[i]);
        b->noisy_ol[r] = ol;
    }
    if (e->ng > 1) {
        group_step(e, b, Z, update);
        return;
    }
    if (!update)
        return;
    m->opt->update_block(&e->op, n, d, b->lr, 1, b->V, b->G, Z, b->VW ? b->VW + n * d : b->W,
                         b->S);
    if (b->VW)
        memcpy(b->VW, b->V, n * d * sizeof *b->VW);
    /* Nothing reads the FDR2 terms in burn-in: off the quadratic, where
     * they cost most, they stay zero there (obs starts zeroed). */
    if (e->fdr2 && (batch >= 0 || m->land->H))
        observe_fdr2(m, b, e->c0, e->have_tc ? &e->tc : NULL, fr);
}

/* Reports progress from thread 0 when the percentage grows. */
static void progress_add(fdr_engine *e, long steps)
{
    progress_state *p = &e->prog;
    long now;
#pragma omp atomic capture
    now = p->done += steps;
#ifdef _OPENMP
    if (omp_get_thread_num() != 0)
        return;
#endif
    int pct = (int)(100.0 * (double)now / p->total);
    if (pct > p->shown && pct < 100) {
        p->shown = pct;
        p->fn("stepping", (double)now / p->total);
    }
}

/* With parameter groups: a changed rate of a group carries that group's
 * velocity (optim.h, carry); a replica's divergence limit is that of its
 * largest rate (the largest |v|^2 a stationary state reaches). */
static void group_rates(const fdr_engine *e, block *b)
{
    const fdr_model *m = e->m;
    size_t d = e->res->d, ng = e->ng;
    for (size_t r = 0; r < b->n; r++) {
        int changed = 0;
        for (size_t k = 0; k < ng; k++) {
            double lr = b->lr[r * ng + k], *seen = &b->lr_seen[r * ng + k];
            if (lr == *seen)
                continue;
            const fdr_group *g = &m->groups[k];
            if (m->opt->carry && !isnan(*seen)) {
                double s = m->opt->carry(&e->op, *seen, lr);
                for (size_t i = g->first; s != 1 && i < g->first + g->count; i++)
                    b->V[r * d + i] *= s;
            }
            *seen = lr;
            changed = 1;
        }
        if (!changed)
            continue;
        double top = 0;
        for (size_t k = 0; k < ng; k++)
            top = fmax(top, b->lr[r * ng + k]);
        b->vvlim[r] = e->limit / m->opt->fdr1_factor(&e->op, top);
    }
}

/* Runs steps [t0, t1) of one block of replicas; stops at a diverged state. */
static void run_block(fdr_engine *e, block *b, long t0, long t1)
{
    const fdr_model *m = e->m;
    fdr_result *res = e->res;
    size_t d = res->d, n = b->n;
    const int rel = e->o.relations;
    fdr_step_view view = {.engine = e, .block = (size_t)(b - e->blocks), .first = b->first, .n = n,
                          .obs = b->obs, .noisy_ol = b->noisy_ol, .lr = b->lr,
                          .ngroups = e->ng, .group_ol = b->gol, .group_vv = b->gvv};
    for (long t = t0; t < t1; t++) {
        const int update = t < m->steps;
        long batch = rel && update && t >= m->burn_in ? (t - m->burn_in) * FDR_NBATCH / res->window
                                                      : -1;
        for (size_t r = 0; e->ng == 1 && r < n; r++)
            if (b->lr[r] != b->lr_seen[r]) {
                /* A changed rate: the carried velocity meets it as the
                 * type's convention says, on every path, before the step
                 * observes or moves it (optim.h, carry). */
                if (m->opt->carry && !isnan(b->lr_seen[r])) {
                    double s = m->opt->carry(&e->op, b->lr_seen[r], b->lr[r]);
                    for (size_t i = 0; s != 1 && i < d; i++)
                        b->V[r * d + i] *= s;
                }
                b->lr_seen[r] = b->lr[r];
                b->vvlim[r] = e->limit / m->opt->fdr1_factor(&e->op, b->lr[r]);
            }
        if (e->ng > 1)
            group_rates(e, b);
        if (res->fused)
            fused_block_step(e, b, t, batch, update);
        else
            general_block_step(e, b, t, batch, update);
        for (size_t r = 0; r < n; r++) {
            if (!state_ok(b, r, b->obs + r * FDR_NOBS)) {
                b->div_step = t;
                b->div_replica = b->first + r;
                return;
            }
        }
        if (!res->fused && update) /* the fused loop has moved theta itself */
            for (size_t k = 0; k < n * d; k++)
                b->X[k] += b->V[k];
        view.t = t;
        view.updated = update;
        for (size_t k = 0; k < e->n_observers; k++)
            e->observers[k].observe(e->observers[k].ctx, &view);
        if (e->prog.fn && (t & 1023) == 1023)
            progress_add(e, 1024);
    }
}

/* Replicas per block: small for the separable fused path (state stays in
 * L1/L2), larger for dense Hessians and off the quadratic (the landscape's
 * block products) so the BLAS level-3 products are efficient. Never a
 * function of the thread count, so results do not depend on it. */
static size_t block_size(const fdr_model *m, int fused)
{
    if (fused && m->land->hdiag)
        return 8;
    if (m->land->H && !m->land->hdiag)
        return 64;
    return m->land->H ? 16 : 32;
}

static void frame_clear(frame_run *fr)
{
    free(fr->c);
    free(fr->vo);
    free(fr->dirs);
    free(fr->C);
    fdr_trace_clear(&fr->tc);
}

/* Moves what the run needs into the landscape's frame: the reference
 * point, V o, the tensor directions (rows dir V^T), the covariance
 * V C V^T and its traces, and theta0 itself (in place). */
static int frame_init(frame_run *fr, const fdr_model *m, const fdr_result *res, double *theta0)
{
    const fdr_landscape *l = m->land;
    size_t d = l->dim, nt = res->ntens;
    fr->f0 = l->frame;
    fr->V = l->frame_V;
    fr->o = l->frame_o;
    double *y = fdr_malloc(2 * d * sizeof *y), *W = fdr_malloc(d * d * sizeof *W);
    fr->c = fdr_malloc(d * sizeof *fr->c);
    fr->vo = fdr_malloc(d * sizeof *fr->vo);
    fr->C = fdr_malloc(d * d * sizeof *fr->C);
    if (nt)
        fr->dirs = fdr_malloc(nt * d * sizeof *fr->dirs);
    int rc = y && W && fr->c && fr->vo && fr->C && (fr->dirs || !nt) ? FDR_OK : FDR_ENOMEM;
    if (rc == FDR_OK) {
        for (size_t i = 0; i < d; i++) {
            y[i] = l->ref[i] - fr->o[i];
            y[d + i] = theta0[i] - fr->o[i];
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, fr->V, (int)d, y, 1, 0.0,
                    fr->c, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, fr->V, (int)d, y + d, 1,
                    0.0, theta0, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, fr->V, (int)d, fr->o, 1,
                    0.0, fr->vo, 1);
        if (nt)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)d, (int)d, 1.0,
                        res->dirs, (int)d, fr->V, (int)d, 0.0, fr->dirs, (int)d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, fr->V,
                    (int)d, m->noise->C, (int)d, 0.0, W, (int)d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)d, 1.0, W,
                    (int)d, fr->V, (int)d, 0.0, fr->C, (int)d);
        /* exactly symmetric, as the original is */
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < i; j++)
                fr->C[j * d + i] = fr->C[i * d + j] =
                    0.5 * (fr->C[i * d + j] + fr->C[j * d + i]);
        rc = fdr_trace_init_type(&fr->tc, l->type, fr->f0, d, fr->C);
    }
    free(y);
    free(W);
    return rc;
}

/* Rotates the units' FDR0 sums (rows, U x d) out of the frame:
 * theta-space vectors are V^T x, as rows x^T V. */
static int frame_finish(const frame_run *fr, fdr_result *res)
{
    size_t U = res->units, d = res->d;
    double *tmp = fdr_malloc(U * d * sizeof *tmp);
    if (!tmp)
        return FDR_ENOMEM;
    double *sums[2] = {res->gsum, res->vsum};
    for (int k = 0; k < 2; k++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)U, (int)d, (int)d, 1.0,
                    sums[k], (int)d, fr->V, (int)d, 0.0, tmp, (int)d);
        memcpy(sums[k], tmp, U * d * sizeof *tmp);
    }
    free(tmp);
    return FDR_OK;
}

/* With relations off the result keeps only the run's shape: no window, no
 * records, no samples, no tensor sums. */
static fdr_result *shape_alloc(const fdr_model *m)
{
    fdr_result *res = fdr_calloc(1, sizeof *res);
    if (!res)
        return NULL;
    res->R = (size_t)m->replicas;
    res->d = m->land->dim;
    res->steps = m->steps;
    res->burn_in = m->steps;
    res->sample_every = 1;
    return res;
}

void fdr_engine_free(fdr_engine *e)
{
    if (!e)
        return;
    for (size_t k = 0; e->blocks && k < e->nblocks; k++)
        block_free(&e->blocks[k]);
    free(e->blocks);
    free(e->observers);
    free(e->lr);
    free(e->hdiag);
    free(e->dirh);
    free(e->Cs);
    fdr_trace_clear(&e->tc);
    frame_clear(&e->frs);
    fdr_result_free(e->res);
    free(e);
}

/* e->Cs = P C P for the constant C, through the type's precondition:
 * (C P)^T = P C, then P C P, made exactly symmetric. */
static int step_noise(fdr_engine *e)
{
    size_t d = e->res->d;
    double *T = fdr_malloc(d * d * sizeof *T);
    if (!T || !(e->Cs = fdr_malloc(d * d * sizeof *e->Cs))) {
        free(T);
        return FDR_ENOMEM;
    }
    e->m->opt->precondition(&e->op, d, d, e->m->noise->C, e->Cs);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            T[j * d + i] = e->Cs[i * d + j];
    e->m->opt->precondition(&e->op, d, d, T, e->Cs);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            e->Cs[i * d + j] = e->Cs[j * d + i] = 0.5 * (e->Cs[i * d + j] + e->Cs[j * d + i]);
    free(T);
    return FDR_OK;
}

/* Everything the blocks share: the path (fused, in a frame, general), its
 * constants, the observers; then the blocks themselves. */
static int engine_setup(fdr_engine *e, double *theta0)
{
    const fdr_model *m = e->m;
    fdr_result *res = e->res;
    size_t R = res->R, d = res->d;
    double hb_mu, hb_eta;
    /* The fused path is written for heavy-ball updates, with the type's
     * coefficients. */
    res->fused = e->ng == 1 && (m->land->hdiag || m->land->H) && m->noise->sdiag &&
                 m->land->ref_is_min &&
                 m->opt->heavy_ball(&e->op, m->lr, &hb_mu, &hb_eta);
    e->fused = res->fused;
    if (res->fused && m->land->hdiag) {
        if (!(e->hdiag = fdr_malloc_aligned(d * sizeof *e->hdiag)))
            return FDR_ENOMEM;
        memcpy(e->hdiag, m->land->hdiag, d * sizeof *e->hdiag);
        if (res->ntens && !res->tensor_full) {
            size_t nd = res->ntens * d;
            if (!(e->dirh = fdr_malloc(2 * nd * sizeof *e->dirh)))
                return FDR_ENOMEM;
            memcpy(e->dirh, res->dirs, nd * sizeof *e->dirh);
            for (size_t k = 0; k < nd; k++)
                e->dirh[nd + k] = res->dirs[k] * e->hdiag[k % d];
        }
    }
    int rc = fdr_divergence_limit(m, &e->limit);
    if (rc != FDR_OK)
        return rc;
    /* Off the quadratic, a landscape with a frame is stepped in it when the
     * noise covariance is constant (the law then draws independently of the
     * point), the tensor FDR1 is not the full matrix (which would have to
     * be rotated back) and the optimizer keeps no per-coordinate state
     * and has no parameter groups (a coordinate-wise rule, such as an
     * adaptive one or a rate per group, is not the same algorithm in a
     * rotated frame). */
    if (!res->fused && e->ng == 1 && m->land->frame && m->noise->C &&
        !(res->ntens && res->tensor_full) &&
        m->opt->state_size == 0 && !m->opt->precondition) {
        if ((rc = frame_init(&e->frs, m, res, theta0)) != FDR_OK)
            return rc;
        e->fr = &e->frs;
    }
    /* A preconditioned step's noise, -eta_b P xi, has the covariance
     * eta_b^2 P C P (the model admits only a constant C then). */
    if (e->fdr2 && m->opt->precondition && (rc = step_noise(e)) != FDR_OK)
        return rc;
    const double *Cs = e->Cs ? e->Cs : m->noise->C;
    /* eta_b^2 Tr(H Cs) / 2, the noise part of F2 when neither depends on theta. */
    if (e->fdr2 && m->land->H && m->noise->C)
        for (size_t i = 0; i < d * d; i++)
            e->c0 += 0.5 * m->eta_b * m->eta_b * m->land->H[i] * Cs[i];
    /* Off the quadratic, the landscape prepares Tr(H(theta) Cs) once for a
     * constant C, or for C0 when C(theta) = a(theta) C0. */
    if (e->fdr2 && !m->land->H && !e->fr) {
        const double *C = Cs;
        if (!C && m->noise->type->covariance_scale)
            m->noise->type->covariance_scale(m->noise->state, theta0, &C);
        if (C && (rc = fdr_trace_init(&e->tc, m->land, C)) != FDR_OK)
            return rc;
        e->have_tc = C != NULL;
    }
    /* A law with per-replica state (an epoch's shuffle) starts afresh, so
     * every run of the model sees the same noise. */
    if (m->noise->type->prepare && (rc = m->noise->type->prepare(m->noise->state, R)) != FDR_OK)
        return rc;
    size_t bs = block_size(m, res->fused), mult = e->o.block_multiple;
    if (mult > 1)
        bs = mult * (bs > mult ? (bs + mult / 2) / mult : 1);
    e->nblocks = (R + bs - 1) / bs;
    if (!(e->blocks = fdr_calloc(e->nblocks, sizeof *e->blocks)))
        return FDR_ENOMEM;
    for (size_t k = 0; k < e->nblocks; k++) {
        if ((rc = block_init(&e->blocks[k], e, k * bs, k + 1 < e->nblocks ? bs : R - k * bs,
                             theta0)) != FDR_OK)
            return rc;
        if (e->fr && !(e->blocks[k].Zf = fdr_malloc(e->blocks[k].n * d * sizeof(double))))
            return FDR_ENOMEM;
    }
    return FDR_OK;
}

int fdr_engine_alloc(const fdr_model *m, const fdr_engine_opts *o, fdr_engine **out)
{
    *out = NULL;
    if (o->relations && m->ngroups > 1)
        return fdr_error(FDR_EINVAL,
                         "%s: [optimizer] groups: the relations hold for one lr only; per-group "
                         "learning rates are for `fdrsim schedule`",
                         m->source);
    fdr_engine *e = fdr_calloc(1, sizeof *e);
    if (!e)
        return FDR_ENOMEM;
    e->m = m;
    e->o = *o;
    e->op = fdr_model_optim_params(m);
    e->fdr2 = m->fdr2 && o->relations;
    e->res = o->relations ? result_alloc(m) : shape_alloc(m);
    size_t R = (size_t)m->replicas, d = m->land->dim, nb = o->relations ? 3 : 0;
    e->ng = m->ngroups > 1 ? m->ngroups : 1;
    e->lr = fdr_malloc(R * e->ng * sizeof *e->lr);
    e->observers = fdr_calloc(nb + o->n_observers, sizeof *e->observers);
    double *theta0 = fdr_malloc(d * sizeof *theta0);
    int rc = e->res && e->lr && e->observers && theta0 ? FDR_OK : FDR_ENOMEM;
    if (rc == FDR_OK) {
        for (size_t r = 0; r < R * e->ng; r++)
            e->lr[r] = e->ng > 1 ? m->groups[r % e->ng].lr : m->lr;
        if (o->relations) {
            e->observers[0] = (fdr_observer){0, e, relations_observe};
            e->observers[1] = (fdr_observer){0, e, series_observe};
            e->observers[2] = (fdr_observer){0, e, samples_observe};
        }
        for (size_t k = 0; k < o->n_observers; k++) {
            e->observers[nb + k] = o->observers[k];
            e->need |= o->observers[k].needs;
        }
        e->n_observers = nb + o->n_observers;
        e->prog = (progress_state){o->progress, 0, (double)m->steps, -1};
        fdr_engine_initial(m, theta0);
        rc = engine_setup(e, theta0);
    }
    free(theta0);
    if (rc == FDR_OK) {
        fdr_dist_range(o->dist, o->dist ? o->dist->rank : 0, e->nblocks, &e->k0, &e->k1);
        e->prog.total *= (double)(e->k1 - e->k0);
    }
    if (rc != FDR_OK) {
        fdr_engine_free(e);
        return rc;
    }
    *out = e;
    return FDR_OK;
}

double *fdr_engine_lr(fdr_engine *e)
{
    return e->lr;
}

size_t fdr_engine_ngroups(const fdr_engine *e)
{
    return e->ng;
}

size_t fdr_engine_nblocks(const fdr_engine *e)
{
    return e->nblocks;
}

size_t fdr_engine_block(const fdr_engine *e, size_t k, size_t *first)
{
    *first = e->blocks[k].first;
    return e->blocks[k].n;
}

void fdr_engine_theta(const fdr_engine *e, size_t r, double *theta)
{
    const block *b = &e->blocks[r / e->blocks[0].n];
    block_theta(e, b, r - b->first, e->m->land->dim, theta);
}

void fdr_step_theta(const fdr_step_view *v, size_t r, size_t k, double *theta)
{
    block_theta(v->engine, &v->engine->blocks[v->block], r, k, theta);
}

/* Every block's divergence record on every rank, from the rank that ran
 * it, so that each reports the same first divergence. */
static int dist_divergence(fdr_engine *e)
{
    struct rec {
        long step;
        size_t replica;
        double vv;
    } *d = fdr_calloc(e->nblocks, sizeof *d);
    if (!d)
        return FDR_ENOMEM;
    for (size_t k = e->k0; k < e->k1; k++)
        d[k] = (struct rec){e->blocks[k].div_step, e->blocks[k].div_replica, e->blocks[k].div_vv};
    int rc = fdr_dist_share(e->o.dist, e->nblocks, sizeof *d, d, 1);
    for (size_t k = 0; rc == FDR_OK && k < e->nblocks; k++) {
        e->blocks[k].div_step = d[k].step;
        e->blocks[k].div_replica = d[k].replica;
        e->blocks[k].div_vv = d[k].vv;
    }
    free(d);
    return rc;
}

/* Brings the other ranks' blocks to rank 0: their replicas' accumulators
 * into the result and their time series into the blocks, which
 * fdr_engine_result then sums in block order as in one process. */
static int dist_merge(fdr_engine *e)
{
    fdr_result *res = e->res;
    size_t nb = e->nblocks, nts = res->n_rec * FDR_NTS;
    size_t *first = fdr_malloc((nb + 1) * sizeof *first);
    double *ts = fdr_calloc(nb * nts, sizeof *ts);
    int rc = first && ts ? FDR_OK : FDR_ENOMEM;
    for (size_t k = 0; rc == FDR_OK && k < nb; k++) {
        first[k] = e->blocks[k].first;
        if (k >= e->k0 && k < e->k1)
            memcpy(ts + k * nts, e->blocks[k].ts, nts * sizeof *ts);
    }
    if (rc == FDR_OK) {
        first[nb] = res->R;
        rc = fdr_dist_share(e->o.dist, nb, nts * sizeof *ts, ts, 0);
    }
    for (size_t k = 0; rc == FDR_OK && e->o.dist->rank == 0 && k < nb; k++)
        if (k < e->k0 || k >= e->k1)
            memcpy(e->blocks[k].ts, ts + k * nts, nts * sizeof *ts);
    if (rc == FDR_OK)
        rc = fdr_dist_result(e->o.dist, res, nb, first);
    free(first);
    free(ts);
    return rc;
}

/* With relations on, every learning rate must be the model's. */
static int check_lr(const fdr_engine *e)
{
    for (size_t r = 0; e->o.relations && r < e->res->R; r++)
        if (e->lr[r] != e->m->lr)
            return fdr_error(FDR_EINVAL,
                             "%s: replica %zu's learning rate %g is not the model's %g: the "
                             "relations' sums hold for one lr only (turn them off to vary it)",
                             e->m->source, r, e->lr[r], e->m->lr);
    return FDR_OK;
}

int fdr_engine_advance(fdr_engine *e, long t_end)
{
    const fdr_model *m = e->m;
    if (!e->res)
        return fdr_error(FDR_EINVAL, "the engine's result has been taken: it cannot advance");
    if (e->status != FDR_OK)
        return e->status;
    if (t_end < e->t || t_end > m->steps + 1)
        return fdr_error(FDR_EINVAL, "the engine cannot advance from step %ld to step %ld (the "
                                     "run has %ld steps)",
                         e->t, t_end, m->steps);
    int rc = check_lr(e);
    if (rc != FDR_OK)
        return rc;
    fdr_blas_serial(); /* parallelism comes from the replica blocks */
#ifdef _OPENMP
    if (e->o.threads > 0)
        omp_set_num_threads(e->o.threads);
#endif
    if ((rc = fdr_blas_reserve(e->o.threads)) != FDR_OK)
        return rc;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long from = e->t;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t k = e->k0; k < e->k1; k++)
        run_block(e, &e->blocks[k], from, t_end);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    e->seconds += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    e->t = t_end;
    if (e->prog.fn && t_end >= m->steps && e->prog.shown < 100) {
        e->prog.shown = 100; /* the end, reported once */
        e->prog.fn("stepping", 1);
    }
    if (e->o.dist && (rc = dist_divergence(e)) != FDR_OK)
        return e->status = rc;
    long div_step = -1;
    size_t div_rep = 0;
    double div_vv = 0;
    for (size_t k = 0; k < e->nblocks; k++)
        if (e->blocks[k].div_step >= 0 && (div_step < 0 || e->blocks[k].div_step < div_step)) {
            div_step = e->blocks[k].div_step;
            div_rep = e->blocks[k].div_replica;
            div_vv = e->blocks[k].div_vv;
        }
    /* A study may have set the replica's rate: then the model's is not the cause. */
    char fix[96] = "lower optimizer.lr";
    if (div_step >= 0 && e->lr[div_rep * e->ng] != m->lr)
        snprintf(fix, sizeof fix, "it ran at lr %g, set by the study, not optimizer.lr %g",
                 e->lr[div_rep * e->ng], m->lr);
    if (div_step >= 0 && !(div_vv >= 0))
        rc = fdr_error(FDR_EDIVERGED,
                       "%s: the run diverged: the state of replica %zu became non-finite at step "
                       "%ld (%s)",
                       m->source, div_rep, div_step, fix);
    else if (div_step >= 0)
        rc = fdr_error(FDR_EDIVERGED,
                       "%s: the run diverged: %s of replica %zu reached %.3g at step %ld, "
                       "beyond the divergence limit %.3g (2^100 times the energy scale of the "
                       "noise, the start and the landscape; %s)",
                       m->source, m->opt->fdr1_metric ? "v^T P^-1 v" : "|v|^2", div_rep, div_vv,
                       div_step, e->limit / m->opt->fdr1_factor(&e->op, e->lr[div_rep * e->ng]),
                       fix);
    if (rc == FDR_OK)
        rc = check_lr(e);
    e->status = rc;
    return rc;
}

int fdr_engine_result(fdr_engine *e, fdr_result **out)
{
    *out = NULL;
    fdr_result *res = e->res;
    if (!res)
        return fdr_error(FDR_EINVAL, "the engine's result has been taken already");
    if (e->status != FDR_OK)
        return e->status;
    if (!e->o.relations || e->t < e->m->steps)
        return fdr_error(FDR_EINVAL, "the engine has no result: %s",
                         e->o.relations ? "the run has not ended" : "its relations are off");
    if (e->o.dist) {
        int rc = dist_merge(e);
        if (rc != FDR_OK)
            return rc;
    }
    for (size_t k = 0; k < e->nblocks; k++)
        for (size_t i = 0; i < res->n_rec * FDR_NTS; i++)
            res->ts[i] += e->blocks[k].ts[i];
    if (e->fr) {
        int rc = frame_finish(e->fr, res);
        if (rc != FDR_OK)
            return rc;
    }
    res->vv_limit = e->limit / e->m->opt->fdr1_factor(&e->op, e->m->lr);
    res->seconds = e->seconds;
    e->res = NULL;
    *out = res;
    return FDR_OK;
}

int fdr_engine_run(const fdr_model *m, int threads, fdr_engine_progress progress,
                   fdr_result **out)
{
    return fdr_engine_run_dist(m, threads, progress, NULL, out);
}

int fdr_engine_run_dist(const fdr_model *m, int threads, fdr_engine_progress progress,
                        const fdr_dist *dist, fdr_result **out)
{
    *out = NULL;
    fdr_engine_opts o = {.threads = threads, .relations = 1, .progress = progress, .dist = dist};
    fdr_engine *e;
    int rc = fdr_dist_agree(dist, fdr_engine_alloc(m, &o, &e));
    if (rc != FDR_OK) {
        fdr_engine_free(e);
        return rc;
    }
    if ((rc = fdr_engine_advance(e, m->steps)) == FDR_OK)
        rc = fdr_engine_result(e, out);
    fdr_engine_free(e);
    return rc;
}

/* ---- checkpoints (checkpoint.h): the state later steps read --------------
 * Scratch that every step overwrites before reading it (G, Z, F, dx, the
 * FDR2 rows, noisy_ol...) and what the set-up derives again from the model
 * (the fused coefficients, from lr; directions, frames, traces) are left
 * out. obs is kept: the observation-only last step of a run checks the
 * FDR2 entries an earlier step left. */

long fdr_engine_step(const fdr_engine *e)
{
    return e->t;
}

#define VISIT(name, p, bytes)                                                                     \
    do {                                                                                           \
        if ((rc = fn(ctx, (name), (p), (bytes))) != FDR_OK)                                        \
            return rc;                                                                             \
    } while (0)

/* Block b's part of the state (fdr_engine_state). */
static int block_state(fdr_engine *e, block *b, int restore, fdr_state_fn fn, void *ctx)
{
    const fdr_result *res = e->res;
    size_t n = b->n, d = res->d, D = (size_t)FDR_NOBS, S = e->m->opt->state_size;
    int rc;
    VISIT("theta", b->X, n * d * sizeof *b->X);
    VISIT("v", b->V, n * d * sizeof *b->V);
    if (b->S)
        VISIT("optimizer", b->S, S * n * d * sizeof *b->S);
    VISIT("obs", b->obs, n * D * sizeof *b->obs);
    VISIT("lr_seen", b->lr_seen, n * e->ng * sizeof *b->lr_seen);
    VISIT("vvlim", b->vvlim, n * sizeof *b->vvlim);
    VISIT("series", b->ts, res->n_rec * FDR_NTS * sizeof *b->ts);
    if (b->P) {
        VISIT("p_step", &b->p_step, sizeof b->p_step);
        VISIT("projections", b->Pprev, n * res->ntens * sizeof *b->Pprev);
    }
    for (size_t r = 0; r < n; r++) {
        fdr_rng_pos pos;
        if (!restore)
            fdr_rng_tell(b->rng[r], &pos);
        VISIT("rng", &pos, sizeof pos);
        if (restore && fdr_rng_seek(b->rng[r], &pos) != FDR_OK)
            return fdr_error(FDR_EINVAL, "replica %zu: not a position of its generator",
                             b->first + r);
    }
    return FDR_OK;
}

/* The state of block b's replicas held outside it: their learning rates
 * and their noise law's state. */
static int replicas_state(fdr_engine *e, const block *b, fdr_state_fn fn, void *ctx)
{
    const fdr_noise_type *nt = e->m->noise->type;
    int rc;
    VISIT("lr", e->lr + b->first * e->ng, b->n * e->ng * sizeof *e->lr);
    for (size_t r = b->first; nt->replica_state && r < b->first + b->n; r++) {
        void *p;
        size_t bytes = nt->replica_state(e->m->noise->state, r, &p);
        VISIT("noise", p, bytes);
    }
    return FDR_OK;
}

int fdr_engine_state(fdr_engine *e, int restore, fdr_state_fn fn, void *ctx)
{
    const fdr_model *m = e->m;
    fdr_result *res = e->res;
    if (!res || e->status != FDR_OK)
        return fdr_error(FDR_EINVAL, "%s: an engine that has %s has no state to checkpoint",
                         m->source, res ? "failed" : "given up its result");
    size_t R = res->R, d = res->d, D = (size_t)FDR_NOBS;
    int rc;
    VISIT("step", &e->t, sizeof e->t);
    VISIT("seconds", &e->seconds, sizeof e->seconds);
    VISIT("progress", &e->prog.done, sizeof e->prog.done);
    VISIT("lr", e->lr, R * e->ng * sizeof *e->lr);
    if (e->o.relations) {
        size_t U = res->units, nt = res->ntens;
        VISIT("bsum", res->bsum, R * FDR_NBATCH * D * sizeof *res->bsum);
        VISIT("sumsq", res->sumsq, R * D * sizeof *res->sumsq);
        VISIT("squnit", res->squnit, R * D * sizeof *res->squnit);
        VISIT("gsum", res->gsum, U * d * sizeof *res->gsum);
        VISIT("vsum", res->vsum, U * d * sizeof *res->vsum);
        VISIT("tA", res->tA, U * nt * sizeof *res->tA);
        VISIT("tB", res->tB, U * nt * sizeof *res->tB);
        VISIT("ucount", res->ucount, U * sizeof *res->ucount);
        VISIT("samples", res->samples,
              res->n_samples * R * res->sample_dim * sizeof *res->samples);
    }
    for (size_t k = 0; k < e->nblocks; k++)
        if ((rc = block_state(e, &e->blocks[k], restore, fn, ctx)) != FDR_OK)
            return rc;
    const fdr_noise_type *nt = m->noise->type;
    for (size_t r = 0; nt->replica_state && r < R; r++) {
        void *p;
        size_t bytes = nt->replica_state(m->noise->state, r, &p);
        VISIT("noise", p, bytes);
    }
    if (restore && (e->t < 0 || e->t > m->steps))
        return fdr_error(FDR_EINVAL, "step %ld is not a step of the run (%ld steps)", e->t,
                         m->steps);
    return FDR_OK;
}

#undef VISIT

/* The collection's visitor: counts a record's bytes (buf NULL), packs them
 * into buf or, unpacking, fills the record from it. */
typedef struct {
    char *buf;
    size_t at;
    int unpack;
} packer;

static int pack_record(void *ctx, const char *name, void *p, size_t bytes)
{
    (void)name;
    packer *k = ctx;
    if (k->buf && k->unpack)
        memcpy(p, k->buf + k->at, bytes);
    else if (k->buf)
        memcpy(k->buf + k->at, p, bytes);
    k->at += bytes;
    return FDR_OK;
}

/* Packs (or counts, or unpacks) blocks [k0, k1) and their replicas' state. */
static int pack_blocks(fdr_engine *e, size_t k0, size_t k1, packer *k)
{
    int rc = FDR_OK;
    for (size_t i = k0; rc == FDR_OK && i < k1; i++) {
        rc = block_state(e, &e->blocks[i], k->unpack, pack_record, k);
        if (rc == FDR_OK)
            rc = replicas_state(e, &e->blocks[i], pack_record, k);
    }
    return rc;
}

int fdr_engine_collect(fdr_engine *e)
{
    const fdr_dist *d = e->o.dist;
    if (!d || d->size <= 1)
        return FDR_OK;
    if (!e->res || e->status != FDR_OK)
        return fdr_error(FDR_EINVAL, "%s: an engine that has %s has no state to collect",
                         e->m->source, e->res ? "failed" : "given up its result");
    size_t ranks = (size_t)d->size, me = (size_t)d->rank, nb = e->nblocks, total = 0;
    size_t *len = fdr_malloc(ranks * sizeof *len), *first = fdr_malloc((nb + 1) * sizeof *first);
    int rc = len && first ? FDR_OK : FDR_ENOMEM;
    /* rank 0 keeps its own blocks: it sends nothing */
    for (size_t k = 0; rc == FDR_OK && k < ranks; k++) {
        size_t k0, k1;
        packer count = {NULL, 0, 0};
        fdr_dist_range(d, (int)k, nb, &k0, &k1);
        if (k > 0)
            rc = pack_blocks(e, k0, k1, &count);
        total += len[k] = count.at;
    }
    packer own = {NULL, 0, 0}, all = {NULL, 0, 1};
    if (rc == FDR_OK && me != 0 && len[me] && !(own.buf = fdr_malloc(len[me])))
        rc = FDR_ENOMEM;
    if (rc == FDR_OK && me == 0 && total && !(all.buf = fdr_malloc(total)))
        rc = FDR_ENOMEM;
    if (rc == FDR_OK && own.buf)
        rc = pack_blocks(e, e->k0, e->k1, &own);
    rc = fdr_dist_agree(d, rc);
    if (rc == FDR_OK)
        rc = d->gather(d->ctx, own.buf, len, all.buf, 0);
    if (rc == FDR_OK && me == 0)
        rc = pack_blocks(e, e->k1, nb, &all);
    rc = fdr_dist_agree(d, rc);
    for (size_t k = 0; rc == FDR_OK && k < nb; k++)
        first[k] = e->blocks[k].first;
    if (rc == FDR_OK && e->o.relations) {
        first[nb] = e->res->R;
        rc = fdr_dist_result(d, e->res, nb, first);
    }
    free(len);
    free(first);
    free(own.buf);
    free(all.buf);
    return fdr_dist_agree(d, rc);
}
