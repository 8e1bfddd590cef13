/* minibatch.c - gradient noise from real minibatches of a finite data set.
 *
 * N per-sample losses f_a with mean F (the landscape); a step sees the mean
 * gradient of a batch of B distinct samples, so xi = g_batch - grad F and
 * C(theta) = (1/B - 1/N) Cov_a[grad f_a(theta)] (1/(N-1) normalisation;
 * doc/theory.md section 5). Per-sample losses are either shifted copies
 * f(theta - c_a) of the configured landscape or the samples of a
 * `regression` landscape (C depends on theta). On an exactly quadratic
 * landscape the mean of the centred copies is the landscape itself and C is
 * constant, so the Lyapunov reference applies; on any other landscape the
 * model's loss becomes the mean of the copies (fdr_landscape_average) and
 * every per-sample gradient is evaluated. Batches are drawn independently at every
 * step (the exact theory) or by epoch shuffling, which correlates the steps
 * of an epoch and makes every relation approximate. */
#include "core/fdr.h"
#include "noise/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t d, N, B, R;
    int epoch;
    double factor;      /* 1/B - 1/N */
    /* shifted copies of a quadratic: rows H c_a of the centred shifts, and
     * the constant C */
    double *hc, *C;
    /* shifted copies of any other landscape: the centred shifts, the
     * landscape (whose type gives the per-sample gradients; the mean of the
     * copies once the model has averaged it) and per-replica scratch of
     * stride doubles (laid out in copies_trace), tw of them the type's work
     * for ch = min(N, COPY_CHUNK) points */
    double *c;
    const fdr_landscape *l;
    double *scratch;
    size_t stride, tw, ch;
    /* regression: the landscape's data and Hessian, and for Tr(H C(theta)):
     * M = sum_a q_a x_a x_a^T, m = sum_a q_a y_a x_a, k = sum_a q_a y_a^2
     * with q_a = x_a^T H x_a */
    const double *X, *y;
    double *H, *bvec, *M, *m;
    double k;
    size_t *perm; /* R x N: each replica's permutation of the samples */
} minibatch;

static int mb_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    minibatch *s = state;
    size_t d = l->dim;
    long B;
    const char *sampling, *per;
    const double *X, *y;
    size_t Nreg;
    int is_reg = fdr_regression_data(l, &X, &y, &Nreg);
    int rc;
    if ((rc = fdr_config_required_long(cfg, "noise", "batch", &B)) ||
        (rc = fdr_config_string(cfg, "noise", "sampling", "independent", &sampling)) ||
        (rc = fdr_config_string(cfg, "noise", "per_sample", is_reg ? "regression" : "shifted",
                                &per)))
        return rc;
    if (strcmp(sampling, "independent") != 0 && strcmp(sampling, "epoch") != 0)
        return fdr_config_error(cfg, "noise", "sampling", "'%s': expected independent or epoch",
                                sampling);
    s->epoch = strcmp(sampling, "epoch") == 0;
    s->d = d;
    if (strcmp(per, "regression") == 0) {
        if (!is_reg)
            return fdr_config_error(cfg, "noise", "per_sample",
                                    "'regression' needs [landscape] type = regression, whose "
                                    "data set it samples");
        s->N = Nreg;
        s->X = X;
        s->y = y;
    } else if (strcmp(per, "shifted") == 0) {
        long N, seed;
        if ((rc = fdr_config_required_long(cfg, "noise", "samples", &N)) ||
            (rc = fdr_config_long(cfg, "noise", "data_seed", 1, &seed)))
            return rc;
        if (N < 2 || N > 10000000)
            return fdr_config_error(cfg, "noise", "samples", "must be between 2 and 1e7, got %ld",
                                    N);
        s->N = (size_t)N;
        fdr_covariance spread = {0};
        double *c = fdr_calloc(s->N * d, sizeof *c), *mean = fdr_calloc(d, sizeof *mean);
        fdr_rng *rng = fdr_rng_alloc((uint64_t)seed, 0x5eedc0deULL);
        s->hc = fdr_calloc(s->N * d, sizeof *s->hc);
        s->C = fdr_calloc(d * d, sizeof *s->C);
        rc = (c && mean && rng && s->hc && s->C) ? FDR_OK : FDR_ENOMEM;
        if (rc == FDR_OK)
            rc = fdr_covariance_parse_key(&spread, cfg, "noise", "spread", d, l);
        /* One stream draws every shift, row by row (s->hc is scratch here). */
        for (size_t a = 0; rc == FDR_OK && a < s->N; a++)
            fdr_covariance_sample(&spread, 1, c + a * d, &rng, s->hc);
        for (size_t a = 0; rc == FDR_OK && a < s->N; a++)
            for (size_t i = 0; i < d; i++)
                mean[i] += c[a * d + i] / (double)s->N;
        /* Centred shifts: on a quadratic the mean of the per-sample losses
         * is exactly f. */
        for (size_t a = 0; rc == FDR_OK && a < s->N; a++)
            for (size_t i = 0; i < d; i++)
                c[a * d + i] -= mean[i];
        for (size_t a = 0; rc == FDR_OK && l->H && a < s->N; a++)
            for (size_t i = 0; i < d; i++) {
                double h = 0;
                for (size_t j = 0; j < d; j++)
                    h += l->H[i * d + j] * c[a * d + j];
                s->hc[a * d + i] = h;
            }
        fdr_covariance_clear(&spread);
        fdr_rng_free(rng);
        free(mean);
        if (rc == FDR_OK && !l->H) {
            free(s->hc);
            free(s->C);
            s->hc = s->C = NULL;
            s->c = c;
            s->l = l;
        } else {
            free(c);
        }
        if (rc)
            return rc;
    } else {
        return fdr_config_error(cfg, "noise", "per_sample", "'%s': expected shifted or regression",
                                per);
    }
    if (B <= 0 || (size_t)B > s->N)
        return fdr_config_error(cfg, "noise", "batch",
                                "must be between 1 and the number of samples (%zu), got %ld", s->N,
                                B);
    s->B = (size_t)B;
    s->factor = 1.0 / (double)s->B - 1.0 / (double)s->N;
    size_t N = s->N;
    if (s->c)
        return FDR_OK;
    if (s->hc) {
        /* C = (1/B - 1/N) (1/(N-1)) sum_a (H c_a)(H c_a)^T, the shifts centred. */
        for (size_t a = 0; a < N; a++)
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < d; j++)
                    s->C[i * d + j] += s->hc[a * d + i] * s->hc[a * d + j];
        for (size_t i = 0; i < d * d; i++)
            s->C[i] *= s->factor / (double)(N - 1);
        return FDR_OK;
    }
    s->H = fdr_malloc(d * d * sizeof *s->H);
    s->bvec = fdr_calloc(d, sizeof *s->bvec);
    s->M = fdr_calloc(d * d, sizeof *s->M);
    s->m = fdr_calloc(d, sizeof *s->m);
    if (!s->H || !s->bvec || !s->M || !s->m)
        return FDR_ENOMEM;
    memcpy(s->H, l->H, d * d * sizeof *s->H);
    for (size_t a = 0; a < N; a++) {
        const double *x = s->X + a * d;
        double q = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                q += x[i] * s->H[i * d + j] * x[j];
        for (size_t i = 0; i < d; i++) {
            s->bvec[i] += x[i] * s->y[a] / (double)N;
            s->m[i] += q * s->y[a] * x[i];
            for (size_t j = 0; j < d; j++)
                s->M[i * d + j] += q * x[i] * x[j];
        }
        s->k += q * s->y[a] * s->y[a];
    }
    return FDR_OK;
}

static void mb_free(void *state)
{
    minibatch *s = state;
    free(s->hc);
    free(s->C);
    free(s->H);
    free(s->bvec);
    free(s->M);
    free(s->m);
    free(s->perm);
    free(s->c);
    free(s->scratch);
}

/* Copies whose gradients one block evaluation of the type takes (Tr(H C)). */
#define COPY_CHUNK 64

static int mb_prepare(void *state, size_t replicas)
{
    minibatch *s = state;
    free(s->perm);
    s->R = replicas;
    s->perm = fdr_malloc(replicas * s->N * sizeof *s->perm);
    if (!s->perm)
        return FDR_ENOMEM;
    if (s->c) {
        /* Sized here, not in init: the model averages the landscape over the
         * copies after init, which changes its derivs_block's work size. */
        size_t d = s->d, rows = s->N < d ? s->N : d, w1;
        s->ch = s->N < COPY_CHUNK ? s->N : COPY_CHUNK;
        s->tw = s->l->type->work_size(s->l->state, s->ch, 0);
        if ((w1 = s->l->type->work_size(s->l->state, 1, 0)) > s->tw)
            s->tw = w1;
        s->stride = 2 * s->ch * d + d + s->tw + rows * d + 2 * rows +
                    fdr_landscape_work_size(s->l, 1, rows);
        free(s->scratch);
        if (!(s->scratch = fdr_malloc(replicas * s->stride * sizeof *s->scratch)))
            return FDR_ENOMEM;
    }
    for (size_t r = 0; r < replicas; r++)
        for (size_t a = 0; a < s->N; a++)
            s->perm[r * s->N + a] = a;
    return FDR_OK;
}

/* The permutation a replica's batches are cut from: a draw permutes it in
 * place (independent sampling too), so it is the replica's state. */
static size_t mb_replica_state(void *state, size_t replica, void **p)
{
    minibatch *s = state;
    *p = s->perm + replica * s->N;
    return s->N * sizeof *s->perm;
}

/* A uniform integer in [0, n), by Lemire's multiply-shift (bias < n / 2^64). */
static size_t below(fdr_rng *rng, size_t n)
{
    return (size_t)(((unsigned __int128)fdr_rng_u64(rng) * n) >> 64);
}

/* The indices of replica r's batch at step t, in perm[0 .. B): a fresh
 * partial Fisher-Yates draw (independent) or the next slice of this epoch's
 * shuffle (epoch; the last N mod B samples of an epoch are skipped). */
static const size_t *batch_of(minibatch *s, size_t r, long t, fdr_rng *rng)
{
    size_t *p = s->perm + r * s->N, N = s->N, B = s->B;
    if (!s->epoch) {
        for (size_t i = 0; i < B; i++) {
            size_t j = i + below(rng, N - i), tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }
    size_t per_epoch = N / B, k = (size_t)t % per_epoch;
    if (k == 0)
        for (size_t i = N - 1; i > 0; i--) {
            size_t j = below(rng, i + 1), tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
    return p + k * B;
}

/* The gradient of shifted copy a at x: grad f(x - c_a), from the
 * landscape's own type (weight decay cancels in every difference). */
static void copy_gradient(const minibatch *s, size_t a, const double *x, double *y, double *g,
                          double *w)
{
    double f;
    for (size_t i = 0; i < s->d; i++)
        y[i] = x[i] - s->c[a * s->d + i];
    s->l->type->eval_block(s->l->state, 1, y, &f, g, w);
}

static void mb_sample(void *state, size_t n, size_t first, long t, const double *X, double *Z,
                      fdr_rng *const *rng, double *work)
{
    minibatch *s = state;
    size_t d = s->d;
    (void)work;
    for (size_t r = 0; r < n; r++) {
        const size_t *idx = batch_of(s, first + r, t, rng[r]);
        double *z = Z + r * d;
        const double *x = X + r * d;
        memset(z, 0, d * sizeof *z);
        if (s->c) {
            double *y = s->scratch + (first + r) * s->stride, *g = y + s->ch * d,
                   *w = g + s->ch * d + d;
            for (size_t k = 0; k < s->B; k++) {
                copy_gradient(s, idx[k], x, y, g, w);
                for (size_t i = 0; i < d; i++)
                    z[i] += g[i];
            }
            /* minus B times the mean over every copy */
            for (size_t a = 0; a < s->N; a++) {
                copy_gradient(s, a, x, y, g, w);
                for (size_t i = 0; i < d; i++)
                    z[i] -= (double)s->B / (double)s->N * g[i];
            }
        } else if (s->hc) {
            /* grad f_a = grad f - H c_a, and the c_a are centred. */
            for (size_t k = 0; k < s->B; k++)
                for (size_t i = 0; i < d; i++)
                    z[i] -= s->hc[idx[k] * d + i];
        } else {
            for (size_t k = 0; k < s->B; k++) {
                const double *xa = s->X + idx[k] * d;
                double res = -s->y[idx[k]];
                for (size_t i = 0; i < d; i++)
                    res += xa[i] * x[i];
                for (size_t i = 0; i < d; i++)
                    z[i] += res * xa[i];
            }
            /* minus the full gradient H theta - b, times B */
            for (size_t i = 0; i < d; i++) {
                double g = -s->bvec[i];
                for (size_t j = 0; j < d; j++)
                    g += s->H[i * d + j] * x[j];
                z[i] -= (double)s->B * g;
            }
        }
        for (size_t i = 0; i < d; i++)
            z[i] /= (double)s->B;
    }
}

/* Every copy's gradient at x, minus their mean, into G (N x d); scratch
 * y and the mean (d doubles each) and w (the type's work). */
static void copy_deviations(const minibatch *s, const double *x, double *G, double *y, double *w)
{
    size_t d = s->d, N = s->N;
    double *mean = y + d;
    for (size_t a = 0; a < N; a++)
        copy_gradient(s, a, x, y, G + a * d, w);
    memset(mean, 0, d * sizeof *mean);
    for (size_t a = 0; a < N; a++)
        for (size_t i = 0; i < d; i++)
            mean[i] += G[a * d + i] / (double)N;
    for (size_t a = 0; a < N; a++)
        for (size_t i = 0; i < d; i++)
            G[a * d + i] -= mean[i];
}

/* C(x) for shifted copies of a non-quadratic landscape: O(N) gradient
 * evaluations and O(N d^2) products, in scratch it allocates (set-up and
 * reports; the stepping loop uses copies_trace). Out of memory: C is NaN. */
static void copies_covariance(const minibatch *s, const double *x, double *C)
{
    size_t d = s->d, N = s->N;
    double *G = malloc((N * d + 2 * d + s->l->type->work_size(s->l->state, 1, 0)) * sizeof *G);
    for (size_t i = 0; i < d * d; i++)
        C[i] = G ? 0 : NAN;
    if (!G)
        return;
    copy_deviations(s, x, G, G + N * d, G + N * d + 2 * d);
    for (size_t a = 0; a < N; a++)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                C[i * d + j] += G[a * d + i] * G[a * d + j];
    for (size_t i = 0; i < d * d; i++)
        C[i] *= s->factor / (double)(N - 1);
    free(G);
}

/* The gradients of copies a0 .. a0 + n - 1 at x into G (n x d), from one
 * block evaluation of the type; Y (n x d) and w (its work for n points)
 * are scratch. */
static void copy_gradients(const minibatch *s, size_t a0, size_t n, const double *x, double *Y,
                           double *G, double *w)
{
    size_t d = s->d;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < d; i++)
            Y[k * d + i] = x[i] - s->c[(a0 + k) * d + i];
    s->l->type->eval_block(s->l->state, n, Y, NULL, G, w);
}

/* Adds the row u to the upper-triangular R (d x d): afterwards R^T R is
 * the old R^T R + u u^T, by Givens rotations of u against R's rows (stable:
 * no Gram matrix is formed); u is destroyed. */
static void givens_add_row(double *R, size_t d, double *u)
{
    for (size_t k = 0; k < d; k++) {
        double *Rk = R + k * d, a = Rk[k], b = u[k];
        if (b == 0)
            continue;
        double h = sqrt(a * a + b * b), c = a / h, sn = b / h; /* hypot is 5x slower */
        for (size_t j = k; j < d; j++) {
            double rj = Rk[j], uj = u[j];
            Rk[j] = c * rj + sn * uj;
            u[j] = c * uj - sn * rj;
        }
    }
}

/* Tr(H(x) C(x)) for shifted copies of a non-quadratic landscape, H the
 * mean landscape's Hessian (weight decay included), without forming H or
 * C: with u_a = g_a - gbar the copies' gradient deviations,
 * Tr(H C) = (1/B - 1/N)/(N-1) sum_a D^2 f(x)[u_a, u_a]. The second
 * moment sum_a u_a u_a^T is first carried by rows = min(N, d) directions
 * (the u_a themselves if N <= d, else the rows of R with R^T R = sum u_a
 * u_a^T, built by Givens updates), then one derivs_block of the mean
 * landscape takes D^2 f along them. Cost: 2N gradients (N if N <= d), in
 * blocks of ch copies, O(N d^2) rotations (N > d) and N * rows directional
 * derivatives of the type; no allocation (the replica's scratch from
 * prepare: ch shifted points and their gradients, the mean, the type's
 * work, the directions, their derivatives, the landscape's work). */
static double copies_trace(const minibatch *s, size_t replica, const double *x)
{
    size_t d = s->d, N = s->N, rows = N < d ? N : d, ch = s->ch;
    double *Y = s->scratch + replica * s->stride, *G = Y + ch * d, *gbar = G + ch * d,
           *w = gbar + d, *U = w + s->tw, *D = U + rows * d, *lw = D + 2 * rows;
    memset(gbar, 0, d * sizeof *gbar);
    for (size_t a0 = 0; a0 < N; a0 += ch) {
        size_t n = N - a0 < ch ? N - a0 : ch;
        copy_gradients(s, a0, n, x, Y, G, w);
        for (size_t k = 0; k < n * d; k++)
            gbar[k % d] += G[k] / (double)N;
        if (N <= d)
            memcpy(U + a0 * d, G, n * d * sizeof *U);
    }
    if (N <= d) {
        for (size_t a = 0; a < N; a++)
            for (size_t i = 0; i < d; i++)
                U[a * d + i] -= gbar[i];
    } else {
        memset(U, 0, d * d * sizeof *U);
        for (size_t a0 = 0; a0 < N; a0 += ch) {
            size_t n = N - a0 < ch ? N - a0 : ch;
            copy_gradients(s, a0, n, x, Y, G, w);
            for (size_t k = 0; k < n; k++) {
                double *g = G + k * d;
                for (size_t i = 0; i < d; i++)
                    g[i] -= gbar[i];
                givens_add_row(U, d, g);
            }
        }
    }
    fdr_landscape_derivs_block(s->l, 1, x, rows, U, 2, D, NULL, NULL, lw);
    double t = 0;
    for (size_t j = 0; j < rows; j++)
        t += D[2 * j + 1];
    return s->factor / (double)(N - 1) * t;
}

static int mb_covariance(const void *state, const double *x, double *C)
{
    const minibatch *s = state;
    size_t d = s->d, N = s->N;
    if (s->C) {
        memcpy(C, s->C, d * d * sizeof *C);
        return 1;
    }
    if (s->c) {
        copies_covariance(s, x, C);
        return 0;
    }
    double *gbar = calloc(d, sizeof *gbar), *ga = malloc(d * sizeof *ga);
    memset(C, 0, d * d * sizeof *C);
    if (!gbar || !ga) {
        for (size_t i = 0; i < d * d; i++)
            C[i] = NAN;
        free(gbar);
        free(ga);
        return 0;
    }
    for (size_t i = 0; i < d; i++) {
        gbar[i] = -s->bvec[i];
        for (size_t j = 0; j < d; j++)
            gbar[i] += s->H[i * d + j] * x[j];
    }
    for (size_t a = 0; a < N; a++) {
        const double *xa = s->X + a * d;
        double res = -s->y[a];
        for (size_t i = 0; i < d; i++)
            res += xa[i] * x[i];
        for (size_t i = 0; i < d; i++)
            ga[i] = res * xa[i] - gbar[i];
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                C[i * d + j] += ga[i] * ga[j];
    }
    for (size_t i = 0; i < d * d; i++)
        C[i] *= s->factor / (double)(N - 1);
    free(gbar);
    free(ga);
    return 0;
}

/* Tr(H C(theta)). Regression, in O(d^2): with r_a = x_a . theta - y_a and
 * g = H theta - b, sum_a (g_a - g)^T H (g_a - g) = sum_a q_a r_a^2 -
 * N g^T H g, and sum_a q_a r_a^2 = theta^T M theta - 2 m . theta + k, H the
 * landscape's own constant Hessian (the argument equals it). Copies of a
 * quadratic use H as given; copies of any other landscape take the mean
 * landscape's Hessian at theta along the deviations (copies_trace; the
 * argument is NULL there). */
static double mb_trace_hc(const void *state, size_t replica, const double *x, const double *H)
{
    const minibatch *s = state;
    size_t d = s->d;
    if (s->C) {
        double t = 0;
        for (size_t i = 0; i < d * d; i++)
            t += H[i] * s->C[i];
        return t;
    }
    if (s->c)
        return copies_trace(s, replica, x);
    double quad = s->k, gHg = 0;
    for (size_t i = 0; i < d; i++) {
        double Mx = 0, g = -s->bvec[i];
        for (size_t j = 0; j < d; j++) {
            Mx += s->M[i * d + j] * x[j];
            g += s->H[i * d + j] * x[j];
        }
        quad += x[i] * Mx - 2 * s->m[i] * x[i];
        double Hg = 0;
        for (size_t j = 0; j < d; j++) {
            double gj = -s->bvec[j];
            for (size_t k = 0; k < d; k++)
                gj += s->H[j * d + k] * x[k];
            Hg += s->H[i * d + j] * gj;
        }
        gHg += g * Hg;
    }
    return s->factor / (double)(s->N - 1) * (quad - (double)s->N * gHg);
}

static const char *mb_caveat(const void *state)
{
    const minibatch *s = state;
    return s->epoch ? "epoch shuffling correlates the steps of an epoch: every relation is "
                      "approximate (sampling = epoch)"
                    : NULL;
}

const fdr_noise_type fdr_noise_minibatch = {
    .name = "minibatch",
    .summary = "batches of B distinct samples of a finite data set (shifted copies or regression)",
    .size = sizeof(minibatch),
    .init = mb_init,
    .free = mb_free,
    .sample = mb_sample,
    .covariance = mb_covariance,
    .diagonal_std = NULL,
    .trace_hc = mb_trace_hc,
    .prepare = mb_prepare,
    .replica_state = mb_replica_state,
    .caveat = mb_caveat,
};

int fdr_minibatch_shifts(const fdr_noise *n, const double **c, size_t *N)
{
    if (n->type != &fdr_noise_minibatch)
        return 0;
    const minibatch *s = n->state;
    if (!s->c)
        return 0;
    *c = s->c;
    *N = s->N;
    return 1;
}
