/* engine.c - the Monte Carlo loop (see engine.h for the contract). */
#include "config.h"

#include "engine.h"
#include "fdr.h"
#include "rng.h"

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

typedef struct {
    int on;       /* print progress to stderr */
    long done;    /* block-steps completed, all threads */
    double total; /* block-steps in the run */
    int shown;    /* last percentage printed */
} progress_state;

typedef struct {
    size_t first, n; /* replicas [first, first + n) */
    double *X, *V, *G, *Z, *F, *work, *dx;
    double *VW, *HVW; /* FDR2: the rows [v'; w] (2n x d) and their product with H */
    double *Hx, *Cx;  /* FDR2 off the quadratic: H(theta) and C(theta), d x d */
    double *obs;      /* n x FDR_NOBS, this step's observables */
    fdr_rng **rng;
    double *ts; /* n_rec x FDR_NTS, this block's replica sums */
    long div_step;
    size_t div_replica;
} block;

void fdr_engine_initial(const fdr_model *m, double *theta0)
{
    size_t d = m->land->dim;
    for (size_t i = 0; i < d; i++)
        theta0[i] = m->init == FDR_INIT_ZERO ? 0.0
                    : m->land->ref[i] + (m->init == FDR_INIT_OFFSET ? m->init_offset : 0.0);
}

void fdr_result_free(fdr_result *r)
{
    if (!r)
        return;
    free(r->bsum);
    free(r->sumsq);
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
    res->n_rec = (size_t)((m->steps + m->record_every - 1) / m->record_every);
    size_t U = res->units;
    res->bsum = fdr_calloc(R * FDR_NBATCH * FDR_NOBS, sizeof *res->bsum);
    res->sumsq = fdr_calloc(R * FDR_NOBS, sizeof *res->sumsq);
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
    if (!res->bsum || !res->sumsq || !res->gsum || !res->vsum || !res->tA || !res->tB ||
        !res->ucount || !res->rec_step || !res->ts || (!res->tensor_full && !res->dirs) ||
        (!res->tensor_full && make_directions(res, m->seed) != FDR_OK)) {
        fdr_result_free(res);
        return NULL;
    }
    for (size_t k = 0; k < res->n_rec; k++)
        res->rec_step[k] = (long)k * m->record_every;
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
    free(b->F);
    free(b->work);
    free(b->dx);
    free(b->VW);
    free(b->HVW);
    free(b->Hx);
    free(b->Cx);
    free(b->obs);
    free(b->ts);
}

static int block_init(block *b, const fdr_model *m, const fdr_result *res, size_t first,
                      size_t n, const double *theta0)
{
    size_t d = res->d;
    memset(b, 0, sizeof *b);
    b->first = first;
    b->n = n;
    b->div_step = -1;
    b->X = fdr_malloc_aligned(n * d * sizeof *b->X);
    b->V = zeroed(n * d, sizeof *b->V);
    b->G = fdr_malloc_aligned(n * d * sizeof *b->G);
    b->Z = fdr_malloc_aligned(n * d * sizeof *b->Z);
    b->F = fdr_malloc(n * sizeof *b->F);
    b->work = fdr_malloc(n * d * sizeof *b->work);
    b->dx = fdr_malloc(d * sizeof *b->dx);
    b->ts = fdr_calloc(res->n_rec * FDR_NTS, sizeof *b->ts);
    b->rng = fdr_calloc(n, sizeof *b->rng);
    b->obs = fdr_calloc(n * FDR_NOBS, sizeof *b->obs);
    if (!b->X || !b->V || !b->G || !b->Z || !b->F || !b->work || !b->dx || !b->ts || !b->rng ||
        !b->obs)
        return FDR_ENOMEM;
    if (m->fdr2 && !(res->fused && m->land->hdiag)) {
        if (m->land->H) {
            b->VW = fdr_malloc_aligned(2 * n * d * sizeof *b->VW);
            b->HVW = fdr_malloc(2 * n * d * sizeof *b->HVW);
            if (!b->VW || !b->HVW)
                return FDR_ENOMEM;
        }
        if (!m->land->H || !m->noise->C) {
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

/* Tensor FDR1 sums for one replica's pre-update state (dx = theta - c). */
static void tensor_accumulate(const fdr_result *res, size_t u, const double *dx, const double *g,
                              const double *v)
{
    size_t d = res->d;
    double *A = res->tA + u * res->ntens, *B = res->tB + u * res->ntens;
    if (res->tensor_full) {
        size_t k = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = i; j < d; j++, k++) {
                A[k] += dx[i] * g[j] + dx[j] * g[i];
                B[k] += v[i] * v[j];
            }
        return;
    }
    for (size_t k = 0; k < res->ntens; k++) {
        const double *dir = res->dirs + k * d;
        double a = 0, b = 0, c = 0;
#pragma omp simd reduction(+ : a, b, c)
        for (size_t i = 0; i < d; i++) {
            a += dir[i] * dx[i];
            b += dir[i] * g[i];
            c += dir[i] * v[i];
        }
        A[k] += 2 * a * b;
        B[k] += c * c;
    }
}

/* Adds one replica's scalar observables to its accumulators and, at a
 * recording step, to the block's time series. Returns 0 if they are not
 * finite (the run has diverged). */
static int record_scalars(fdr_result *res, block *b, size_t r, long batch, long rec,
                          const double *obs)
{
    double s = 0;
    for (int k = 0; k < FDR_NOBS; k++)
        s += obs[k];
    if (!isfinite(s))
        return 0;
    size_t rg = b->first + r;
    if (batch >= 0)
        for (int k = 0; k < FDR_NOBS; k++) {
            res->bsum[(rg * FDR_NBATCH + (size_t)batch) * FDR_NOBS + k] += obs[k];
            res->sumsq[rg * FDR_NOBS + k] += obs[k] * obs[k];
        }
    if (rec >= 0) {
        double *row = b->ts + (size_t)rec * FDR_NTS;
        row[FDR_TS_OL] += obs[FDR_OBS_OL];
        row[FDR_TS_VV] += obs[FDR_OBS_VV];
        row[FDR_TS_LOSS] += obs[FDR_OBS_LOSS];
        row[FDR_TS_GSQ] += obs[FDR_OBS_GSQ];
    }
    return 1;
}

/* Keeps replica r's theta as stationary sample k. The fused path has
 * already stepped (and stores theta - c), so its sample is theta_{t+1}: a
 * draw from the same stationary law. */
static void record_sample(const fdr_model *m, fdr_result *res, const block *b, size_t r, size_t k)
{
    size_t d = res->d, sd = res->sample_dim;
    double *out = res->samples + (k * res->R + b->first + r) * sd;
    for (size_t i = 0; i < sd; i++)
        out[i] = b->X[r * d + i] + (res->fused ? m->land->ref[i] : 0.0);
}

static size_t unit_of(const fdr_result *res, size_t replica, long batch)
{
    return res->units_are_replicas ? replica : replica * FDR_NBATCH + (size_t)batch;
}

/* What the fused path reads at every step besides the state, on cache
 * lines: the Hessian diagonal (separable case) and -eta_b times the noise
 * standard deviations. */
typedef struct {
    double *h;   /* NULL for a dense H */
    double *nes; /* d entries */
    int iso;     /* all of nes are equal: the loop reads nes[0] only */
} fused_coef;

/* a * b + c, in one fused multiply-add where the hardware has it. The
 * build compiles with -ffp-contract=off (implied by -std=c11, and needed
 * by rng.c's bit-exact sampler), so the hot loops ask for it by name. */
#ifdef __FP_FAST_FMA
#define FMA(a, b, c) __builtin_fma((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#endif

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
 * their inputs vp and w) in one pass over the d deviates drawn into z.
 * x holds theta - c; g is the gradient from the block's product (dense) or
 * NULL (separable); gs is NULL during burn-in; c0 = eta_b^2 Tr(H C) / 2
 * completes the noise-averaged F2. */
static void fused_step(const fdr_model *m, const fdr_result *res, const fused_coef *fc,
                       fdr_rng *rng, double *z, double *x, double *v, const double *g, double *gs,
                       double *vp, double *w, double c0, double *obs)
{
    size_t d = res->d;
    const double *h = fc->h, *nes = fc->nes;
    const int iso = fc->iso;
    const double mu = m->momentum, eta = m->eta_b;
    const int fdr2 = m->fdr2;
    double acc[6] = {0};
    fdr_rng_normal(rng, z, d);
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
 * per step. Called before the update of step t with x = theta_t - c. */
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
static void observe_state(const fdr_model *m, const fdr_result *res, block *b, size_t r,
                          long batch, size_t u)
{
    size_t d = res->d;
    const double *x = b->X + r * d, *v = b->V + r * d, *g = b->G + r * d, *c = m->land->ref;
    double *obs = b->obs + r * FDR_NOBS, ol = 0, vv = 0, gsq = 0, vg = 0;
    for (size_t i = 0; i < d; i++) {
        b->dx[i] = x[i] - c[i];
        ol += b->dx[i] * g[i];
        vv += v[i] * v[i];
        gsq += g[i] * g[i];
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
    if (res->ntens)
        tensor_accumulate(res, u, b->dx, g, v);
}

/* eta_b^2 Tr(H C) / 2 at theta (the noise part of the noise-averaged F2),
 * using the block's d x d scratch where H or C depends on theta. */
static double noise_f2(const fdr_model *m, block *b, const double *x)
{
    size_t d = m->land->dim;
    const double *H = m->land->H, *C = m->noise->C;
    if (!H) {
        fdr_landscape_hessian(m->land, x, b->Hx);
        H = b->Hx;
    }
    if (!C && m->noise->type->trace_hc)
        return 0.5 * m->eta_b * m->eta_b * m->noise->type->trace_hc(m->noise->state, x, H);
    if (!C) {
        m->noise->type->covariance(m->noise->state, x, b->Cx);
        C = b->Cx;
    }
    double t = 0;
    for (size_t i = 0; i < d * d; i++)
        t += H[i] * C[i]; /* Tr(H C) = sum_ij H_ij C_ji, both symmetric */
    return 0.5 * m->eta_b * m->eta_b * t;
}

/* FDR2 terms of every replica of the block once V holds v' and the first
 * n rows of VW hold v', the next n hold w = mu v - eta_b grad f (quadratic);
 * or, off the quadratic, from directional derivatives along v' and w. */
static void observe_fdr2(const fdr_model *m, block *b, double c0)
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
            obs[FDR_OBS_F2N] = 0.5 * f2n + (m->noise->C ? c0 : noise_f2(m, b, b->X + r * d));
            for (int k = 3; k <= FDR_KMAX; k++)
                obs[FDR_OBS_F2 + k - 2] = 0;
        }
        return;
    }
    for (size_t r = 0; r < n; r++) {
        double *obs = b->obs + r * FDR_NOBS, D[FDR_KMAX], fact = 1;
        const double *x = b->X + r * d;
        fdr_landscape_dderiv(m->land, x, b->V + r * d, K, D);
        for (int k = 2; k <= FDR_KMAX; k++) {
            fact *= k;
            obs[FDR_OBS_F2 + k - 2] = k <= K ? D[k - 1] / fact : 0;
        }
        /* w = mu v - eta_b grad f, rebuilt from v' = w - eta_b xi. */
        for (size_t i = 0; i < d; i++)
            b->dx[i] = b->V[r * d + i] + m->eta_b * b->Z[r * d + i];
        fdr_landscape_dderiv(m->land, x, b->dx, 2, D);
        obs[FDR_OBS_F2N] = 0.5 * D[1] + noise_f2(m, b, x);
    }
}

/* Runs every step of one block of replicas. */
static void run_block(const fdr_model *m, fdr_result *res, block *b, const fused_coef *fc,
                      double c0, progress_state *p)
{
    size_t d = res->d, n = b->n;
    const double mu = m->momentum, eta = m->eta_b;
    const int fused = res->fused, fdr2 = m->fdr2, dense = !m->land->hdiag;
    for (long t = 0; t < m->steps; t++) {
        long batch = t >= m->burn_in ? (t - m->burn_in) * FDR_NBATCH / res->window : -1;
        long rec = t % m->record_every == 0 ? t / m->record_every : -1;
        if (fused) {
            if (dense) /* G = (X - c) H: every replica's gradient in one product */
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0,
                            b->X, (int)d, m->land->H, (int)d, 0.0, b->G, (int)d);
            for (size_t r = 0; r < n; r++) {
                double *x = b->X + r * d, *v = b->V + r * d, *g = b->G + r * d;
                size_t u = batch >= 0 ? unit_of(res, b->first + r, batch) : 0;
                if (batch >= 0 && res->ntens) {
                    for (size_t i = 0; !dense && i < d; i++)
                        g[i] = fc->h[i] * x[i];
                    tensor_accumulate(res, u, x, g, v);
                }
                if (batch >= 0)
                    fused_vsum(m, res, t, batch, res->vsum + u * d, x, v);
                fused_step(m, res, fc, b->rng[r], b->Z, x, v, dense ? g : NULL,
                           batch >= 0 ? res->gsum + u * d : NULL, b->VW ? b->VW + r * d : NULL,
                           b->VW ? b->VW + (n + r) * d : NULL, c0, b->obs + r * FDR_NOBS);
            }
            if (dense && fdr2)
                observe_fdr2(m, b, c0);
        } else {
            fdr_landscape_eval_block(m->land, n, b->X, b->F, b->G, b->work);
            for (size_t r = 0; r < n; r++)
                observe_state(m, res, b, r, batch,
                              batch >= 0 ? unit_of(res, b->first + r, batch) : 0);
            m->noise->type->sample(m->noise->state, n, b->first, t, b->X, b->Z, b->rng, b->work);
            for (size_t k = 0; k < n * d; k++) {
                double w = mu * b->V[k] - eta * b->G[k];
                b->V[k] = w - eta * b->Z[k];
                if (b->VW) {
                    b->VW[k] = b->V[k];
                    b->VW[n * d + k] = w;
                }
            }
            if (fdr2)
                observe_fdr2(m, b, c0);
        }
        for (size_t r = 0; r < n; r++) {
            if (batch >= 0)
                res->ucount[unit_of(res, b->first + r, batch)]++;
            if (batch >= 0 && (t - m->burn_in) % res->sample_every == 0)
                record_sample(m, res, b, r, (size_t)((t - m->burn_in) / res->sample_every));
            if (!record_scalars(res, b, r, batch, rec, b->obs + r * FDR_NOBS)) {
                b->div_step = t;
                b->div_replica = b->first + r;
                return;
            }
        }
        if (!fused)
            for (size_t k = 0; k < n * d; k++)
                b->X[k] += b->V[k];
        if (p->on && (t & 1023) == 1023) {
            long now;
#pragma omp atomic capture
            now = p->done += 1024;
            int pct = (int)(100.0 * (double)now / p->total);
#ifdef _OPENMP
            if (omp_get_thread_num() == 0 && pct > p->shown) {
#else
            if (pct > p->shown) {
#endif
                p->shown = pct;
                fprintf(stderr, "\rfdrsim: %3d%%", pct);
                fflush(stderr);
            }
        }
    }
}

/* Replicas per block: small for the separable fused path (state stays in
 * L1/L2), larger for dense Hessians so the BLAS level-3 product is
 * efficient. Never a function of the thread count, so results do not
 * depend on it. */
static size_t block_size(const fdr_model *m, int fused)
{
    if (fused && m->land->hdiag)
        return 8;
    return m->land->H && !m->land->hdiag ? 64 : 16;
}

int fdr_engine_run(const fdr_model *m, int threads, int progress, fdr_result **out)
{
    *out = NULL;
    fdr_result *res = result_alloc(m);
    if (!res)
        return FDR_ENOMEM;
    res->fused = (m->land->hdiag || m->land->H) && m->noise->sdiag && m->land->ref_is_min;
    size_t R = res->R, d = res->d, bs = block_size(m, res->fused);
    size_t nblocks = (R + bs - 1) / bs;
    block *blocks = fdr_calloc(nblocks, sizeof *blocks);
    double *theta0 = fdr_malloc(d * sizeof *theta0);
    fused_coef fc = {NULL, NULL, 1};
    if (res->fused) {
        fc.nes = fdr_malloc_aligned(d * sizeof *fc.nes);
        if (m->land->hdiag)
            fc.h = fdr_malloc_aligned(d * sizeof *fc.h);
    }
    int rc = blocks && theta0 && (fc.nes || !res->fused) && (fc.h || !res->fused || !m->land->hdiag)
                 ? FDR_OK
                 : FDR_ENOMEM;
    if (rc == FDR_OK)
        fdr_engine_initial(m, theta0);
    for (size_t i = 0; rc == FDR_OK && res->fused && i < d; i++) {
        fc.nes[i] = -m->eta_b * m->noise->sdiag[i];
        fc.iso = fc.iso && fc.nes[i] == fc.nes[0];
        if (fc.h)
            fc.h[i] = m->land->hdiag[i];
    }
    for (size_t k = 0; rc == FDR_OK && k < nblocks; k++)
        rc = block_init(&blocks[k], m, res, k * bs, k + 1 < nblocks ? bs : R - k * bs, theta0);
    fdr_blas_serial(); /* parallelism comes from the replica blocks */
#ifdef _OPENMP
    if (threads > 0)
        omp_set_num_threads(threads);
#endif
    if (rc == FDR_OK)
        rc = fdr_blas_reserve(threads);
    progress_state prog = {progress, 0, (double)m->steps * (double)nblocks, -1};
    /* eta_b^2 Tr(H C) / 2, the noise part of F2 when neither depends on theta. */
    double c0 = 0;
    if (m->land->H && m->noise->C)
        for (size_t i = 0; i < d * d; i++)
            c0 += 0.5 * m->eta_b * m->eta_b * m->land->H[i] * m->noise->C[i];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rc == FDR_OK) {
#pragma omp parallel
        {
#pragma omp for schedule(dynamic, 1) nowait
            for (size_t k = 0; k < nblocks; k++)
                run_block(m, res, &blocks[k], &fc, c0, &prog);
        }
    }
    if (prog.shown >= 0)
        fprintf(stderr, "\r              \r");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    long div_step = -1;
    size_t div_rep = 0;
    for (size_t k = 0; rc == FDR_OK && k < nblocks; k++) {
        if (blocks[k].div_step >= 0 && (div_step < 0 || blocks[k].div_step < div_step)) {
            div_step = blocks[k].div_step;
            div_rep = blocks[k].div_replica;
        }
        for (size_t i = 0; i < res->n_rec * FDR_NTS; i++)
            res->ts[i] += blocks[k].ts[i];
    }
    if (rc == FDR_OK && div_step >= 0)
        rc = fdr_error(FDR_EDIVERGED,
                       "the run diverged: the state of replica %zu became non-finite at step %ld "
                       "(lower the learning rate)",
                       div_rep, div_step);
    for (size_t k = 0; blocks && k < nblocks; k++)
        block_free(&blocks[k]);
    free(blocks);
    free(theta0);
    free(fc.nes);
    free(fc.h);
    if (rc != FDR_OK) {
        fdr_result_free(res);
        return rc;
    }
    *out = res;
    return FDR_OK;
}
