/* transfer.c - the exact stationary law of 1-D SGD from its transfer
 * operator (transfer.h, doc/theory.md section 5.1). */
#include "exact/transfer.h"
#include "noise/noise.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const fdr_transfer_names[FDR_TQ_N] = {
    "theta_dot_grad", "v_dot_v",   "grad_sq",     "v_dot_grad",        "loss_excess",
    "grad_mean",      "fdr1_rhs",  "fdr1_diff",   "dissipation",       "fluctuation",
    "fdr2_diff",      "harmonic_residual", "anharmonic", "F2", "F3", "F4", "F5", "F6", "F7",
    "F8"};

const char *const fdr_transfer_what[FDR_TQ_N] = {
    "<(theta - c) f'>, FDR1's left side",
    "<v^2>",
    "<f'^2>",
    "<v f'>",
    "<f - f(c)>",
    "<f'> (FDR0: 0)",
    "(1+mu)/(2 eta_b) <v^2>: FDR1 right",
    "FDR1: left - right side (0)",
    "dissipation eta_b<f'^2> - mu<v f'>",
    "F2 + ... + FK",
    "FDR2: dissipation - F2..FK (0)",
    "dissipation - F2 (= F3 + ... + FK)",
    "F3 + ... + FK",
    "<f'' v'^2> / 2",
    "<f''' v'^3> / 6",
    "<f'''' v'^4> / 24",
    "<f^(5) v'^5> / 5!",
    "<f^(6) v'^6> / 6!",
    "<f^(7) v'^7> / 7!",
    "<f^(8) v'^8> / 8!"};

/* What every solve of one model shares. */
typedef struct {
    const fdr_model *m;
    fdr_unit_law law;
    int cell;         /* the kernel's cell masses, not its point values */
    double eta_b, mu; /* the heavy-ball coefficients */
    double fdr1;      /* FDR1's factor (1 + mu) / (2 eta_b) */
    int K;            /* F2 .. FK */
    double zmom[FDR_KMAX_ORDER + 1]; /* E z^k of the standardised noise */
} tctx;

int fdr_transfer_supported(const fdr_model *m)
{
    if (m->land->dim != 1)
        return fdr_error(FDR_EINVAL, "the transfer operator is implemented for 1-D landscapes "
                                     "only (this one has dim = %zu)",
                         m->land->dim);
    fdr_optim_params p = fdr_model_optim_params(m);
    double mu, eta_b;
    if (!m->opt->heavy_ball || !m->opt->heavy_ball(&p, m->lr, &mu, &eta_b))
        return fdr_error(FDR_EINVAL, "optimizer '%s': the transfer operator needs a heavy-ball "
                                     "step (sgd)",
                         m->opt->name);
    if (mu != 0)
        return fdr_error(FDR_EINVAL, "momentum %g: the transfer operator supports plain SGD "
                                     "(momentum 0) only so far",
                         mu);
    fdr_unit_law u;
    return fdr_noise_unit_law(m->noise, &u);
}

/* The noise's scale s(x) = sqrt(C(x)) at theta = x. */
static double noise_scale(const fdr_model *m, double x)
{
    double C;
    m->noise->type->covariance(m->noise->state, &x, &C);
    return sqrt(C);
}

/* The base quantities, measured per node; the others are combinations. */
static const int base_q[] = {FDR_TQ_OL, FDR_TQ_VV, FDR_TQ_GSQ, FDR_TQ_VG, FDR_TQ_LOSS, FDR_TQ_GRAD};
enum { NBASE = sizeof base_q / sizeof *base_q };

/* Fills the combined quantities of v from its base ones and the F_k; with
 * absolute set, with the coefficients' magnitudes (a bound on the
 * combination of bounds). */
static void derive(const tctx *t, double *v, int absolute)
{
    double s = absolute ? 1 : -1, fl = 0, an = 0;
    for (int k = 2; k <= t->K; k++) {
        fl += v[FDR_TQ_F2 + k - 2];
        an += k > 2 ? v[FDR_TQ_F2 + k - 2] : 0;
    }
    v[FDR_TQ_FDR1_RHS] = t->fdr1 * v[FDR_TQ_VV];
    v[FDR_TQ_FDR1_DIFF] = v[FDR_TQ_OL] + s * v[FDR_TQ_FDR1_RHS];
    v[FDR_TQ_DISSIPATION] = t->eta_b * v[FDR_TQ_GSQ] + s * fabs(t->mu) * v[FDR_TQ_VG];
    v[FDR_TQ_FLUCTUATION] = fl;
    v[FDR_TQ_FDR2_DIFF] = v[FDR_TQ_DISSIPATION] + s * fl;
    v[FDR_TQ_RESIDUAL] = v[FDR_TQ_DISSIPATION] + s * v[FDR_TQ_F2];
    v[FDR_TQ_ANHARMONIC] = an;
}

/* The kernel's row for the source node at which the step's mean lands at
 * mean with width sig: row[j] for the N cells of [lo, lo + N h] with
 * centres x[j]. Point values: h q((mean - x_j)/sig)/sig. Cell masses: the
 * masses c_k of the cells k = -2 .. N+1, from the distribution function,
 * each side of the mean from its own tail (so that far masses keep their
 * digits), combined as (75/64) c_j - (25/384) (c_{j-1} + c_j + c_{j+1})
 * + (3/640) (c_{j-2} + ... + c_{j+2}): the averages over widths h, 3h and
 * 5h whose weights make the smoothing's second and fourth moments vanish
 * and keep the row's sum. edge holds N + 5 doubles, cm N + 4. */
static void kernel_row(const tctx *t, double mean, double sig, double lo, double h, size_t N,
                       const double *x, double *row, double *edge, double *cm)
{
    if (!t->cell) {
        for (size_t j = 0; j < N; j++)
            row[j] = h / sig * fdr_unit_density(&t->law, (mean - x[j]) / sig);
        return;
    }
    /* edge[k + 2] = the tail of z beyond the edge e_k = lo + k h, for k = -2 .. N+2 */
    for (size_t k = 0; k < N + 5; k++) {
        double z = (mean - (lo + ((double)k - 2) * h)) / sig;
        edge[k] = z > 0 ? fdr_unit_sf(&t->law, z) : fdr_unit_cdf(&t->law, z);
    }
    for (size_t k = 0; k < N + 4; k++) {
        /* cell [e_k, e_k+1] takes z in [z_k+1, z_k), z decreasing in k */
        double zk = mean - (lo + ((double)k - 2) * h), zk1 = zk - h;
        if (zk1 > 0)
            cm[k] = edge[k + 1] - edge[k];
        else if (zk <= 0)
            cm[k] = edge[k] - edge[k + 1];
        else
            cm[k] = 1 - edge[k] - edge[k + 1];
    }
    const double a = 75.0 / 64, b = -25.0 / 384, c = 3.0 / 640;
    for (size_t j = 0; j < N; j++) {
        const double *q = cm + j + 2;
        double s3 = q[-1] + q[0] + q[1], s5 = s3 + q[-2] + q[2];
        row[j] = a * q[0] + b * s3 + c * s5;
    }
}

/* One solve on the N cells of [lo, lo + N h]: the quantities into v (all
 * FDR_TQ_N), the largest |integrand| of each over the nodes into sup, the
 * inverse iterations, the eigenvector's residual and the tail mass. */
static int solve_grid(const tctx *t, double lo, double h, size_t N, double *v, double *sup,
                      long *iters, double *resid, double *tail)
{
    const fdr_model *m = t->m;
    const fdr_landscape *l = m->land;
    const int K = t->K;
    const double c = l->ref[0], fref = l->fref;
    size_t nw = fdr_landscape_work_size(l, N, 1);
    double *x = fdr_malloc(N * sizeof *x), *F = fdr_malloc(N * sizeof *F),
           *G = fdr_malloc(N * sizeof *G), *D = fdr_malloc(N * (size_t)K * sizeof *D),
           *s = fdr_malloc(N * sizeof *s), *r1 = fdr_calloc(N, sizeof *r1),
           *r2 = fdr_calloc(N, sizeof *r2), *U = fdr_malloc(N * sizeof *U),
           *work = fdr_malloc(nw * sizeof *work), *P = fdr_malloc(N * N * sizeof *P),
           *edge = fdr_malloc((N + 5) * sizeof *edge), *cm = fdr_malloc((N + 4) * sizeof *cm),
           *p = fdr_malloc(N * sizeof *p), *y = fdr_malloc(N * sizeof *y);
    gsl_matrix *A = gsl_matrix_alloc(N, N);
    gsl_permutation *perm = gsl_permutation_alloc(N);
    int rc = FDR_OK;
    if (!x || !F || !G || !D || !s || !r1 || !r2 || !U || !work || !P || !edge || !cm || !p ||
        !y || !A || !perm) {
        rc = fdr_error(FDR_ENOMEM, "out of memory for a transfer operator on %zu cells", N);
        goto done;
    }
    for (size_t i = 0; i < N; i++) {
        x[i] = lo + ((double)i + 0.5) * h;
        U[i] = 1;
    }
    fdr_landscape_eval_block(l, N, x, F, G, work);
    fdr_landscape_derivs_block(l, N, x, 1, U, K, D, NULL, NULL, work);
    for (size_t i = 0; i < N && rc == FDR_OK; i++)
        if (!((s[i] = noise_scale(m, x[i])) > 0) || !isfinite(G[i]))
            rc = fdr_error(FDR_EINVAL, "the transfer operator needs noise of positive scale "
                                       "and a finite gradient everywhere on its domain (at "
                                       "theta = %g: scale %g, gradient %g)",
                           x[i], s[i], G[i]);
    if (rc != FDR_OK)
        goto done;
    /* P[i N + j]: the probability of a step from node i to cell j. */
    for (size_t i = 0; i < N; i++) {
        double *row = P + i * N;
        kernel_row(t, x[i] - t->eta_b * G[i], t->eta_b * s[i], lo, h, N, x, row, edge, cm);
        for (size_t j = 0; j < N; j++) {
            double dx = x[j] - x[i];
            r1[i] += row[j] * dx * G[j];
            r2[i] += row[j] * dx * dx;
        }
    }
    /* Inverse iteration with the shift 1 + 1e-9 (just above P's spectral
     * radius, which is at most 1): each solve divides the other modes'
     * share by at least 1 / (1e-9 + the spectral gap). */
    const double shift = 1 + 1e-9;
    for (size_t j = 0; j < N; j++)
        for (size_t i = 0; i < N; i++)
            gsl_matrix_set(A, j, i, (i == j ? shift : 0) - P[i * N + j]);
    int signum;
    if (gsl_linalg_LU_decomp(A, perm, &signum) != GSL_SUCCESS) {
        rc = fdr_error(FDR_EFAIL, "the LU factorisation of the transfer operator failed");
        goto done;
    }
    for (size_t i = 0; i < N; i++)
        p[i] = 1.0 / (double)N;
    long it = 0;
    for (double change = 1; it < 100 && change > 1e-15; it++) {
        gsl_vector_view yv = gsl_vector_view_array(y, N);
        memcpy(y, p, N * sizeof *y);
        if (gsl_linalg_LU_svx(A, perm, &yv.vector) != GSL_SUCCESS) {
            rc = fdr_error(FDR_EFAIL, "solving with the transfer operator's factors failed");
            goto done;
        }
        double sum = 0, big = 0;
        for (size_t i = 0; i < N; i++)
            sum += y[i];
        change = 0;
        for (size_t i = 0; i < N; i++) {
            y[i] /= sum;
            change = fmax(change, fabs(y[i] - p[i]));
            big = fmax(big, fabs(y[i]));
            p[i] = y[i];
        }
        change /= big;
    }
    *iters = it;
    /* The residual of p P = rho p, and the mass that leaves: y = p P. */
    double rho = 0, res = 0;
    for (size_t j = 0; j < N; j++)
        y[j] = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            y[j] += p[i] * P[i * N + j];
    for (size_t j = 0; j < N; j++)
        rho += y[j];
    for (size_t j = 0; j < N; j++)
        res += fabs(y[j] - rho * p[j]);
    *resid = res;
    *tail = 1 - rho;
    /* The quantities: each integrand's mean under p and its largest |value|. */
    memset(v, 0, FDR_TQ_N * sizeof *v);
    memset(sup, 0, FDR_TQ_N * sizeof *sup);
    for (size_t i = 0; i < N; i++) {
        double g[FDR_TQ_N] = {0};
        g[FDR_TQ_OL] = (x[i] - c) * G[i];
        g[FDR_TQ_VV] = r2[i];
        g[FDR_TQ_GSQ] = G[i] * G[i];
        g[FDR_TQ_VG] = r1[i];
        g[FDR_TQ_LOSS] = F[i] - fref;
        g[FDR_TQ_GRAD] = G[i];
        /* F_k: f^(k)(x) E[v'^k | x] / k!, v' = -eta_b (f' + s z) */
        for (int k = 2; k <= K; k++) {
            double dk = D[i * (size_t)K + (size_t)k - 1], ev = 0;
            if (dk == 0)
                continue;
            for (int j = 0; j <= k; j++)
                ev += gsl_sf_choose((unsigned)k, (unsigned)j) * pow(G[i], k - j) *
                      pow(s[i], j) * t->zmom[j];
            g[FDR_TQ_F2 + k - 2] = dk * pow(-t->eta_b, k) * ev / gsl_sf_fact((unsigned)k);
        }
        for (int q = 0; q < NBASE; q++) {
            v[base_q[q]] += p[i] * g[base_q[q]];
            sup[base_q[q]] = fmax(sup[base_q[q]], fabs(g[base_q[q]]));
        }
        for (int k = 2; k <= K; k++) {
            v[FDR_TQ_F2 + k - 2] += p[i] * g[FDR_TQ_F2 + k - 2];
            sup[FDR_TQ_F2 + k - 2] = fmax(sup[FDR_TQ_F2 + k - 2], fabs(g[FDR_TQ_F2 + k - 2]));
        }
    }
    derive(t, v, 0);
    derive(t, sup, 1);
done:
    gsl_permutation_free(perm);
    gsl_matrix_free(A);
    free(x);
    free(F);
    free(G);
    free(D);
    free(s);
    free(r1);
    free(r2);
    free(U);
    free(work);
    free(P);
    free(edge);
    free(cm);
    free(p);
    free(y);
    return rc;
}

/* The domain: the extent of {f - min f <= energy T} found on a scan of
 * 10^4 kernel widths sigma each side of c in steps of sigma / 2, widened by
 * pad kernel widths (of the noise at the extent's ends); and the smallest
 * kernel width on it. */
static int find_domain(const tctx *t, double energy, double pad, double *lo, double *hi,
                       double *sig_min)
{
    const fdr_landscape *l = t->m->land;
    const double c = l->ref[0], s0 = noise_scale(t->m, c), sig = t->eta_b * s0;
    const double T = t->eta_b * s0 * s0 / 2, step = sig / 2;
    const size_t half = 20000, n = 2 * half + 1;
    if (!(sig > 0))
        return fdr_error(FDR_EINVAL, "the noise vanishes at the reference point theta = %g: "
                                     "the transfer operator needs noise of positive scale",
                         c);
    double *X = fdr_malloc(n * sizeof *X), *F = fdr_malloc(n * sizeof *F),
           *G = fdr_malloc(n * sizeof *G),
           *w = fdr_malloc(fdr_landscape_work_size(l, n, 0) * sizeof *w);
    int rc = FDR_OK;
    if (!X || !F || !G || !w) {
        rc = FDR_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        X[i] = c + ((double)i - (double)half) * step;
    fdr_landscape_eval_block(l, n, X, F, G, w);
    double fbot = INFINITY;
    for (size_t i = 0; i < n; i++)
        fbot = fmin(fbot, F[i]);
    size_t a = n, b = 0;
    for (size_t i = 0; i < n; i++)
        if (F[i] - fbot <= energy * T) {
            a = i < a ? i : a;
            b = i;
        }
    if (!isfinite(fbot) || a == 0 || b == n - 1) {
        rc = fdr_error(FDR_EINVAL, "the landscape does not confine SGD within 10^4 kernel "
                                   "widths (%g) of theta = %g: give the domain as "
                                   "transfer.lo and transfer.hi",
                       sig, c);
        goto done;
    }
    double sa = noise_scale(t->m, X[a]), sb = noise_scale(t->m, X[b]);
    *lo = X[a] - pad * t->eta_b * sa;
    *hi = X[b] + pad * t->eta_b * sb;
    *sig_min = t->eta_b * fmin(s0, fmin(sa, sb));
    for (size_t i = a; i <= b; i++)
        *sig_min = fmin(*sig_min, t->eta_b * noise_scale(t->m, X[i]));
done:
    free(X);
    free(F);
    free(G);
    free(w);
    return rc;
}

int fdr_transfer_solve(const fdr_model *m, const fdr_transfer_opts *opts, fdr_transfer *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    int rc = fdr_transfer_supported(m);
    if (rc != FDR_OK)
        return rc;
    fdr_transfer_opts o = opts ? *opts : (fdr_transfer_opts){0};
    tctx t = {.m = m};
    fdr_optim_params op = fdr_model_optim_params(m);
    m->opt->heavy_ball(&op, m->lr, &t.mu, &t.eta_b);
    t.fdr1 = fdr_model_fdr1_factor(m);
    fdr_noise_unit_law(m->noise, &t.law);
    t.K = m->fdr2_order < 2 ? 2 : m->fdr2_order > FDR_KMAX_ORDER ? FDR_KMAX_ORDER : m->fdr2_order;
    for (int k = 0; k <= t.K; k++)
        t.zmom[k] = fdr_unit_moment(&t.law, k);
    int kernel = o.kernel != FDR_TRANSFER_AUTO ? o.kernel
                 : t.law.smooth                ? FDR_TRANSFER_POINT
                                               : FDR_TRANSFER_CELL;
    t.cell = kernel == FDR_TRANSFER_CELL;
    double spacing = o.spacing > 0 ? o.spacing : t.cell ? 0.05 : 0.25;
    double energy = o.energy > 0 ? o.energy : 60, pad = o.pad > 0 ? o.pad : 14;
    size_t max_cells = o.max_cells ? o.max_cells : 2048;
    double lo = 0, hi = 0, sig_min = 0;
    rc = find_domain(&t, energy, pad, &lo, &hi, &sig_min);
    if (rc != FDR_OK)
        return rc;
    if (o.lo < o.hi) {
        lo = o.lo;
        hi = o.hi;
    }
    double want = ceil((hi - lo) / (spacing * sig_min));
    size_t N = want < 16 ? 16 : (size_t)fmin(want, 1e15);
    N += N % 2;
    if (N > max_cells)
        return fdr_error(FDR_EINVAL, "the transfer operator would need %zu cells of %g on "
                                     "[%g, %g] (at most %zu: raise transfer.spacing or "
                                     "transfer.max_cells, or narrow the domain)",
                         N, spacing * sig_min, lo, hi, max_cells);
    double h = (hi - lo) / (double)N;
    size_t cut = (size_t)lround(0.05 * (double)N);
    double v[FDR_TQ_N], sup[FDR_TQ_N], vc[FDR_TQ_N], vs[FDR_TQ_N], scratch[FDR_TQ_N];
    double res, tail, res2, tail2;
    long it, it2;
    rc = solve_grid(&t, lo, h, N, v, sup, &it, &res, &tail);
    if (rc == FDR_OK)
        rc = solve_grid(&t, lo, 2 * h, N / 2, vc, scratch, &it2, &res2, &tail2);
    if (rc == FDR_OK)
        rc = solve_grid(&t, lo + (double)cut * h, h, N - 2 * cut, vs, scratch, &it2, &res2,
                        &tail2);
    if (rc != FDR_OK)
        return rc;
    for (int q = 0; q < FDR_TQ_N; q++) {
        int used = q < FDR_TQ_F2 || q - FDR_TQ_F2 + 2 <= t.K;
        out->q[q].val = used ? v[q] : NAN;
        out->q[q].err = used ? fabs(v[q] - vc[q]) + fabs(v[q] - vs[q]) + (res + fabs(tail)) * sup[q]
                             : NAN;
    }
    out->order = t.K;
    out->kernel = kernel;
    out->cells = N;
    out->lo = lo;
    out->hi = hi;
    out->spacing = h;
    out->sigma = t.eta_b * noise_scale(m, m->land->ref[0]);
    out->iterations = it;
    out->residual = res;
    out->tail_mass = tail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return FDR_OK;
}
