/* gmm.c - a Gaussian-mixture landscape, f = -log sum_k w_k N(theta; m_k, S_k).
 *
 * Non-convex and not a polynomial: between components the Hessian has
 * negative eigenvalues and every derivative order is non-zero, so the FDR2
 * series has to be truncated. Everything goes through the log-weights
 * l_k = log(w_k N_k(theta)) combined by log-sum-exp, so f and its derivatives
 * stay finite far from every component.
 *
 * Keys in [landscape]:
 *   components  = K
 *   weights     = w1 ... wK      (>= 0, normalised by their sum; default equal)
 *   means       = dim numbers per component, components separated by ';'
 *                 ("0 0; 3 0; 0 3"), or all K * dim numbers in one list
 *   covariances = one entry per component, or one for all (default
 *                 isotropic 1): isotropic s2 | diagonal c1 ... cd |
 *                 matrix (dim * dim numbers). Each entry starts at its
 *                 keyword, so ';' between entries is optional.
 * In an INI file a ';' preceded by white space starts a comment, so
 * components must be written "0 0; 3 0", not "0 0 ; 3 0". */
#include "core/fdr.h"
#include "landscapes/landscape.h"
#include "noise/noise.h"

#include <ctype.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double *mean;   /* m_k, a row of gmm.means */
    double *P;      /* precision S_k^-1, d x d, or NULL when diagonal */
    double *pdiag;  /* diagonal precision, or NULL */
    double lognorm; /* log w_k - (d/2) log(2 pi) - (1/2) log det S_k */
} component;

typedef struct {
    size_t d, K;    /* K: components with a positive weight */
    component *c;
    double *means;  /* K x d */
} gmm;

static const double LOG_2PI = 1.8378770664093454836; /* log(2 pi) */

static const char hint[] =
    " (in an INI file ' ;' starts a comment: write '0 0; 1 1', not '0 0 ; 1 1')";

/* Releases the arrays; after a failed init some are still NULL (c is
 * allocated zeroed, so are its components' pointers). */
static void gmm_free(void *state)
{
    gmm *g = state;
    for (size_t k = 0; g->c && k < g->K; k++) {
        free(g->c[k].P);
        free(g->c[k].pdiag);
    }
    free(g->c);
    free(g->means);
}

/* Reads `means` into the K x d array means: either K groups of d numbers
 * separated by ';' or one flat list of K * d numbers. */
static int read_means(fdr_config *cfg, size_t d, size_t K, double *means)
{
    const char *text;
    int rc = fdr_config_string(cfg, "landscape", "means", NULL, &text);
    if (rc)
        return rc;
    size_t groups = 1;
    for (const char *p = text; *p; p++)
        groups += *p == ';';
    double *v;
    size_t m;
    if (groups == 1) {
        if ((rc = fdr_numbers_parse(cfg, "landscape", "means", text, &v, &m)))
            return rc;
        if (m == K * d)
            memcpy(means, v, K * d * sizeof *means);
        else
            rc = fdr_config_error(cfg, "landscape", "means",
                                  "expected %zu numbers (%zu components x dim %zu; separate "
                                  "components with ';'), got %zu%s",
                                  K * d, K, d, m, m < K * d ? hint : "");
        free(v);
        return rc;
    }
    if (groups != K)
        return fdr_config_error(cfg, "landscape", "means",
                                "expected %zu components separated by ';', got %zu%s", K, groups,
                                groups < K ? hint : "");
    size_t len = strlen(text);
    char *buf = fdr_malloc(len + 1);
    if (!buf)
        return FDR_ENOMEM;
    memcpy(buf, text, len + 1);
    char *piece = buf;
    for (size_t k = 0; k < K && rc == FDR_OK; k++) {
        char *end = strchr(piece, ';');
        if (end)
            *end = '\0';
        if ((rc = fdr_numbers_parse(cfg, "landscape", "means", piece, &v, &m)))
            break;
        if (m == d)
            memcpy(means + k * d, v, d * sizeof *means);
        else
            rc = fdr_config_error(cfg, "landscape", "means",
                                  "component %zu: expected %zu numbers (dim), got %zu", k + 1, d, m);
        free(v);
        if (end) /* the last group has no ';' after it */
            piece = end + 1;
    }
    free(buf);
    return rc;
}

/* Sets the precision of c from one covariance entry ("isotropic s2",
 * "diagonal c1 ... cd" or "matrix" and d * d numbers) and returns
 * log det S in *logdet; idx (from 1) names the entry in errors. The
 * covariance must be positive definite, and not so ill-conditioned that its
 * inverse is meaningless. */
static int parse_covariance(const fdr_config *cfg, size_t d, size_t idx, const char *entry,
                            component *c, double *logdet)
{
    size_t wl = strcspn(entry, " \t,");
    int iso = wl == 9 && strncmp(entry, "isotropic", 9) == 0;
    int diag = wl == 8 && strncmp(entry, "diagonal", 8) == 0;
    int mat = wl == 6 && strncmp(entry, "matrix", 6) == 0;
    if (!iso && !diag && !mat)
        return fdr_config_error(cfg, "landscape", "covariances",
                                "entry %zu: '%.*s' is not a covariance (use isotropic s2 | "
                                "diagonal c1 ... cd | matrix with dim * dim numbers)",
                                idx, (int)wl, entry);
    double *v;
    size_t m, want = iso ? 1 : diag ? d : d * d;
    int rc = fdr_numbers_parse(cfg, "landscape", "covariances", entry + wl, &v, &m);
    if (rc)
        return rc;
    if (m != want) {
        rc = fdr_config_error(cfg, "landscape", "covariances", "entry %zu: '%.*s' needs %zu "
                              "number%s, got %zu",
                              idx, (int)wl, entry, want, want == 1 ? "" : "s", m);
        free(v);
        return rc;
    }
    *logdet = 0;
    if (!mat) {
        c->pdiag = fdr_malloc(d * sizeof *c->pdiag);
        for (size_t i = 0; c->pdiag && i < d && rc == FDR_OK; i++) {
            double s = v[iso ? 0 : i];
            if (!(s > 0 && isfinite(1 / s)))
                rc = fdr_config_error(cfg, "landscape", "covariances",
                                      "entry %zu: variance %g is not positive, so the covariance "
                                      "is not positive definite",
                                      idx, s);
            else {
                c->pdiag[i] = 1 / s;
                *logdet += log(s);
            }
        }
        free(v);
        return c->pdiag ? rc : FDR_ENOMEM;
    }
    double scale = 0;
    for (size_t i = 0; i < d * d; i++)
        scale = fmax(scale, fabs(v[i]));
    for (size_t i = 0; i < d && rc == FDR_OK; i++)
        for (size_t j = 0; j < i && rc == FDR_OK; j++)
            if (fabs(v[i * d + j] - v[j * d + i]) > 1e-12 * scale)
                rc = fdr_config_error(cfg, "landscape", "covariances",
                                      "entry %zu: matrix not symmetric at (%zu,%zu)", idx, i + 1,
                                      j + 1);
    double *w = fdr_malloc(d * sizeof *w), *V = fdr_malloc(d * d * sizeof *V);
    c->P = fdr_malloc(d * d * sizeof *c->P);
    if (rc == FDR_OK && (!w || !V || !c->P))
        rc = FDR_ENOMEM;
    if (rc == FDR_OK)
        rc = fdr_sym_eigen(d, v, w, V);
    if (rc == FDR_OK && !(w[d - 1] > 1e-12 * w[0]))
        rc = fdr_config_error(cfg, "landscape", "covariances",
                              "entry %zu: matrix is not positive definite (eigenvalues from %g "
                              "to %g)",
                              idx, w[d - 1], w[0]);
    if (rc == FDR_OK) {
        /* P = V diag(1/w) V^T, symmetric by construction. */
        for (size_t i = 0; i < d; i++) {
            *logdet += log(w[i]);
            for (size_t j = 0; j <= i; j++) {
                double s = 0;
                for (size_t k = 0; k < d; k++)
                    s += V[i * d + k] * V[j * d + k] / w[k];
                c->P[i * d + j] = c->P[j * d + i] = s;
            }
        }
    }
    free(w);
    free(V);
    free(v);
    return rc;
}

/* Copies component 0's precision to every other component (one covariance
 * entry given for all). */
static int broadcast_covariance(gmm *g)
{
    size_t d = g->d, n = g->c[0].P ? d * d : d;
    const double *src = g->c[0].P ? g->c[0].P : g->c[0].pdiag;
    for (size_t k = 1; k < g->K; k++) {
        double *dst = fdr_malloc(n * sizeof *dst);
        if (!dst)
            return FDR_ENOMEM;
        memcpy(dst, src, n * sizeof *dst);
        if (g->c[0].P)
            g->c[k].P = dst;
        else
            g->c[k].pdiag = dst;
    }
    return FDR_OK;
}

/* Reads `covariances` into the components' precisions and log-determinants. */
static int read_covariances(fdr_config *cfg, gmm *g, double *logdet)
{
    const char *text;
    int rc = fdr_config_string(cfg, "landscape", "covariances", "isotropic 1", &text);
    if (rc)
        return rc;
    size_t len = strlen(text), n = 0;
    char *buf = fdr_malloc(len + 1), *seg = fdr_malloc(len + 1);
    const char **start = fdr_malloc((len / 2 + 1) * sizeof *start);
    if (!buf || !seg || !start)
        rc = FDR_ENOMEM;
    if (rc == FDR_OK) {
        /* ';' only separates entries, which their keywords delimit anyway. */
        for (size_t i = 0; i <= len; i++)
            buf[i] = text[i] == ';' ? ' ' : text[i];
        for (const char *p = buf; *p && rc == FDR_OK;) {
            p += strspn(p, " \t,");
            if (!*p)
                break;
            size_t tl = strcspn(p, " \t,");
            if (isalpha((unsigned char)*p))
                start[n++] = p;
            else if (n == 0)
                rc = fdr_config_error(cfg, "landscape", "covariances",
                                      "'%.*s' comes before the first covariance keyword "
                                      "(isotropic, diagonal or matrix)",
                                      (int)tl, p);
            p += tl;
        }
    }
    if (rc == FDR_OK && n != 1 && n != g->K)
        rc = fdr_config_error(cfg, "landscape", "covariances",
                              "expected one covariance for all components or %zu (one per "
                              "component), got %zu%s",
                              g->K, n, n < g->K ? hint : "");
    for (size_t e = 0; rc == FDR_OK && e < n; e++) {
        size_t sl = e + 1 < n ? (size_t)(start[e + 1] - start[e]) : strlen(start[e]);
        memcpy(seg, start[e], sl);
        seg[sl] = '\0';
        rc = parse_covariance(cfg, g->d, e + 1, seg, &g->c[e], &logdet[e]);
    }
    if (rc == FDR_OK && n == 1) {
        for (size_t k = 1; k < g->K; k++)
            logdet[k] = logdet[0];
        rc = broadcast_covariance(g);
    }
    free(buf);
    free(seg);
    free(start);
    return rc;
}

/* Reads and validates every key into the (zeroed) state, then drops the
 * components of zero weight (they contribute nothing, and log 0 would poison
 * the log-sum-exp). On failure the wrapper calls gmm_free, which releases
 * whatever was allocated. */
static int gmm_init(void *state, fdr_config *cfg, size_t d)
{
    gmm *g = state;
    long K;
    int rc = fdr_config_required_long(cfg, "landscape", "components", &K);
    if (rc)
        return rc;
    if (K < 1 || K > 10000)
        return fdr_config_error(cfg, "landscape", "components",
                                "must be between 1 and 10000, got %ld", K);
    g->d = d;
    g->K = (size_t)K;
    g->c = fdr_calloc(g->K, sizeof *g->c);
    g->means = fdr_malloc(g->K * d * sizeof *g->means);
    double *w = fdr_malloc(2 * g->K * sizeof *w);
    if (!g->c || !g->means || !w) {
        free(w);
        return FDR_ENOMEM;
    }
    double *logdet = w + g->K;
    double sum = 0;
    rc = fdr_config_vector(cfg, "landscape", "weights", g->K, 1.0, w);
    for (size_t k = 0; rc == FDR_OK && k < g->K; k++) {
        if (w[k] < 0)
            rc = fdr_config_error(cfg, "landscape", "weights", "weight %zu is negative (%g)",
                                  k + 1, w[k]);
        sum += w[k];
    }
    if (rc == FDR_OK && !(sum > 0 && isfinite(sum)))
        rc = fdr_config_error(cfg, "landscape", "weights", "must have a positive, finite sum");
    if (rc == FDR_OK)
        rc = read_means(cfg, d, g->K, g->means);
    if (rc == FDR_OK)
        rc = read_covariances(cfg, g, logdet);
    if (rc == FDR_OK) {
        size_t kept = 0;
        for (size_t k = 0; k < g->K; k++) {
            if (w[k] == 0) {
                free(g->c[k].P);
                free(g->c[k].pdiag);
                continue;
            }
            g->c[kept] = g->c[k];
            memmove(g->means + kept * d, g->means + k * d, d * sizeof *g->means);
            g->c[kept].lognorm = log(w[k] / sum) - 0.5 * (double)d * LOG_2PI - 0.5 * logdet[k];
            kept++;
        }
        g->K = kept;
        for (size_t k = 0; k < g->K; k++)
            g->c[k].mean = g->means + k * d;
    }
    free(w);
    return rc;
}

/* Returns l = log(w N(x)) for component c and writes v = P (x - m),
 * formed from the difference, not as P x - P m, to keep its precision near
 * the mean. */
static double component_eval(const component *c, size_t d, const double *x, double *v)
{
    double q = 0;
    for (size_t i = 0; i < d; i++) {
        double pd = 0;
        if (c->pdiag) {
            pd = c->pdiag[i] * (x[i] - c->mean[i]);
        } else {
            const double *row = c->P + i * d;
            for (size_t j = 0; j < d; j++)
                pd += row[j] * (x[j] - c->mean[j]);
        }
        q += (x[i] - c->mean[i]) * pd;
        v[i] = pd;
    }
    return c->lognorm - 0.5 * q;
}

/* Rows times the component's precision, PY = Y P (n x d): one level-3
 * product for a full precision, a scaling for a diagonal one. */
static void times_precision(const component *c, size_t d, size_t n, const double *Y, double *PY)
{
    if (c->P) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, Y,
                    (int)d, c->P, (int)d, 0.0, PY, (int)d);
        return;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            PY[r * d + i] = c->pdiag[i] * Y[r * d + i];
}

/* The rows of X minus the component's mean, into Y. */
static void component_rows(const component *c, size_t d, size_t n, const double *X, double *Y)
{
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            Y[r * d + i] = X[r * d + i] - c->mean[i];
}

/* l = log(w N(x)) from y = x - m and py = P y. */
static double log_weight(const component *c, size_t d, const double *y, const double *py)
{
    double q = 0;
    for (size_t i = 0; i < d; i++)
        q += y[i] * py[i];
    return c->lognorm - 0.5 * q;
}

/* Doubles of scratch: per component P (x - m) for every point, the points
 * minus a mean, the directions times a precision, the same per component
 * times C (traces), the log-weights, the line coefficients a and b and the
 * moments and cumulants of one line. */
static size_t gmm_work_size(const void *state, size_t n, size_t m)
{
    const gmm *g = state;
    size_t d = g->d, K = g->K;
    size_t derivs = (2 * n * K + n + n * m) * d + n * K + 2 * n * m * K + 2 * (FDR_DERIV_KMAX + 2);
    size_t eval = 2 * n * d + 2 * n;
    return derivs > eval ? derivs : eval;
}

/* f = -log sum_k exp(l_k) and grad f = sum_k r_k P_k (theta - m_k), with
 * responsibilities r_k = exp(l_k - LSE). Component by component over the
 * whole block (one product each), the log-sum-exp of every row
 * accumulated in one pass (running maximum, rescaling the partial sums
 * when it grows). */
static void gmm_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                           double *work)
{
    const gmm *g = state;
    size_t d = g->d;
    double *Y = work, *PY = Y + n * d, *M = PY + n * d, *S = M + n;
    memset(G, 0, n * d * sizeof *G);
    for (size_t r = 0; r < n; r++) {
        M[r] = -INFINITY;
        S[r] = 0;
    }
    for (size_t k = 0; k < g->K; k++) {
        const component *c = &g->c[k];
        component_rows(c, d, n, X, Y);
        times_precision(c, d, n, Y, PY);
        for (size_t r = 0; r < n; r++) {
            double *grad = G + r * d, *v = PY + r * d;
            double l = log_weight(c, d, Y + r * d, v);
            if (l > M[r]) {
                double sc = exp(M[r] - l);
                S[r] *= sc;
                for (size_t i = 0; i < d; i++)
                    grad[i] *= sc;
                M[r] = l;
            }
            double e = exp(l - M[r]);
            S[r] += e;
            for (size_t i = 0; i < d; i++)
                grad[i] += e * v[i];
        }
    }
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < d; i++)
            G[r * d + i] /= S[r];
        if (F)
            F[r] = -(M[r] + log(S[r]));
    }
}

/* Normalises the log-weights l[0..K-1] in place into responsibilities. */
static void responsibilities(size_t K, double *l)
{
    double M = -INFINITY, S = 0;
    for (size_t k = 0; k < K; k++)
        M = fmax(M, l[k]);
    for (size_t k = 0; k < K; k++)
        S += l[k] = exp(l[k] - M);
    for (size_t k = 0; k < K; k++)
        l[k] /= S;
}

/* Writes H = sum_k r_k P_k - sum_k r_k (v_k - g)(v_k - g)^T with
 * v_k = P_k delta_k and g = sum_k r_k v_k: the same as
 * sum r_k (P_k - v_k v_k^T) + g g^T, but without the cancellation between two
 * large terms far from the components. Out of memory: H is NaN. */
static void gmm_hessian(const void *state, const double *x, double *H)
{
    const gmm *g = state;
    size_t d = g->d, K = g->K;
    double *v = fdr_malloc((K * d + K + d) * sizeof *v);
    if (!v) {
        for (size_t i = 0; i < d * d; i++)
            H[i] = NAN;
        return;
    }
    double *r = v + K * d, *grad = r + K;
    for (size_t k = 0; k < K; k++)
        r[k] = component_eval(&g->c[k], d, x, v + k * d);
    responsibilities(K, r);
    memset(grad, 0, d * sizeof *grad);
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < d; i++)
            grad[i] += r[k] * v[k * d + i];
    memset(H, 0, d * d * sizeof *H);
    for (size_t k = 0; k < K; k++) {
        const component *c = &g->c[k];
        double *dv = v + k * d;
        for (size_t i = 0; i < d; i++)
            dv[i] -= grad[i];
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j <= i; j++)
                H[i * d + j] += r[k] * ((c->P ? c->P[i * d + j] : 0.0) - dv[i] * dv[j]);
            if (c->pdiag)
                H[i * d + i] += r[k] * c->pdiag[i];
        }
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            H[j * d + i] = H[i * d + j];
    free(v);
}

/* D^n f[u^n] for n = 1..K (the project's theory notes, section 6) along one
 * line, from the responsibilities r and the line coefficients a, b of the
 * nc components: l_k(x + s u) = l_k + a_k s - b_k s^2/2 with a_k = -u^T P_k
 * (x - m_k) and b_k = u^T P_k u. Each component is exp(l_k + a_k s -
 * b_k s^2/2), whose n-th derivative is itself times a Hermite-like
 * polynomial h_n (h_{n+1} = a h_n - n b h_{n-1}); mixing with the
 * responsibilities gives the moments m_n = p^(n)/p, and the cumulants
 * kappa_n = m_n - sum_{j<n} binom(n-1, j-1) kappa_j m_{n-j} are the
 * derivatives of log p. The cumulants of order >= 2 do not change when every
 * a_k is shifted by the same constant, so the a_k are centred on their mean
 * kappa_1 first: far from the components a_k ~ |theta|/s^2 is large and the
 * raw moments ~ a^n would cancel catastrophically. m and kap hold K + 2. */
static void line_cumulants(size_t nc, const double *r, const double *a, const double *b, int K,
                           double *out, double *m, double *kap)
{
    size_t order = (size_t)K;
    double k1 = 0;
    for (size_t k = 0; k < nc; k++)
        k1 += r[k] * a[k];
    memset(m, 0, (order + 1) * sizeof *m);
    m[0] = 1;
    for (size_t k = 0; k < nc && order >= 2; k++) {
        double ak = a[k] - k1, hprev = 1, h = ak;
        for (size_t n = 1; n < order; n++) {
            double hnext = ak * h - (double)n * b[k] * hprev;
            hprev = h;
            h = hnext;
            m[n + 1] += r[k] * h;
        }
    }
    /* Centred: m_1 = kappa_1 = 0 exactly, and kappa_1 goes back in below. */
    kap[1] = 0;
    for (size_t n = 2; n <= order; n++) {
        double s = m[n], binom = 1; /* binom(n-1, j-1), starting at j = 1 */
        for (size_t j = 1; j < n; j++) {
            s -= binom * kap[j] * m[n - j];
            binom = binom * (double)(n - j) / (double)j;
        }
        kap[n] = s;
    }
    /* 0 - kappa rather than -kappa: a vanishing cumulant gives +0, not -0 */
    for (size_t n = 1; n <= order; n++)
        out[n - 1] = 0.0 - (n == 1 ? k1 : kap[n]);
}

/* Directional derivatives by the cumulant recursion (line_cumulants) and
 * Tr(H C) with H = sum_k r_k P_k - sum_k r_k (v_k - g)(v_k - g)^T
 * (gmm_hessian): Tr(H C) = sum_k r_k (Tr(P_k C) - (v_k - g)^T C (v_k - g)),
 * the Tr(P_k C) precomputed. Per component the points and the directions
 * each take one product with P_k, and the traces one product with C over
 * every point and component. */
static void gmm_derivs_block(const void *state, size_t n, const double *X, size_t m,
                             const double *U, int K, double *D, const fdr_trace *tc, double *T,
                             double *work)
{
    const gmm *g = state;
    size_t d = g->d, nc = g->K, nm = n * m;
    double *PY = work, *CV = PY + n * nc * d, *Y = CV + n * nc * d, *PU = Y + n * d;
    double *l = PU + nm * d, *a = l + n * nc, *b = a + nm * nc, *mom = b + nm * nc,
           *kap = mom + FDR_DERIV_KMAX + 2;
    for (size_t k = 0; k < nc; k++) {
        const component *c = &g->c[k];
        double *pyk = PY + k * n * d;
        component_rows(c, d, n, X, Y);
        times_precision(c, d, n, Y, pyk);
        if (nm)
            times_precision(c, d, nm, U, PU);
        for (size_t r = 0; r < n; r++) {
            l[r * nc + k] = log_weight(c, d, Y + r * d, pyk + r * d);
            for (size_t j = 0; j < m; j++) {
                const double *u = U + (r * m + j) * d, *pu = PU + (r * m + j) * d;
                double ua = 0, ub = 0;
                for (size_t i = 0; i < d; i++) {
                    ua -= u[i] * pyk[r * d + i];
                    ub += u[i] * pu[i];
                }
                a[(r * m + j) * nc + k] = ua;
                b[(r * m + j) * nc + k] = ub;
            }
        }
    }
    for (size_t r = 0; r < n; r++) {
        double *resp = l + r * nc; /* the log-weights become the responsibilities */
        responsibilities(nc, resp);
        for (size_t j = 0; j < m; j++)
            line_cumulants(nc, resp, a + (r * m + j) * nc, b + (r * m + j) * nc, K,
                           D + (r * m + j) * (size_t)K, mom, kap);
        if (!T)
            continue;
        /* v_k - g in place of v_k (Y is free again: it holds g) */
        double *grad = Y;
        memset(grad, 0, d * sizeof *grad);
        for (size_t k = 0; k < nc; k++)
            for (size_t i = 0; i < d; i++)
                grad[i] += resp[k] * PY[(k * n + r) * d + i];
        for (size_t k = 0; k < nc; k++)
            for (size_t i = 0; i < d; i++)
                PY[(k * n + r) * d + i] -= grad[i];
    }
    if (!T)
        return;
    if (!tc->diagonal)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(n * nc), (int)d, (int)d, 1.0,
                    PY, (int)d, tc->C, (int)d, 0.0, CV, (int)d);
    for (size_t r = 0; r < n; r++) {
        double t = 0;
        for (size_t k = 0; k < nc; k++) {
            const double *dv = PY + (k * n + r) * d, *cv = CV + (k * n + r) * d;
            double q = 0;
            for (size_t i = 0; i < d; i++)
                q += dv[i] * (tc->diagonal ? tc->C[i * d + i] * dv[i] : cv[i]);
            t += l[r * nc + k] * (tc->pre[k] - q);
        }
        T[r] = t;
    }
}

/* Tr(P_k C) for every component, once. */
static int gmm_trace_prepare(const void *state, fdr_trace *tc)
{
    const gmm *g = state;
    size_t d = g->d;
    if (!(tc->pre = fdr_malloc(g->K * sizeof *tc->pre)))
        return FDR_ENOMEM;
    for (size_t k = 0; k < g->K; k++) {
        const component *c = &g->c[k];
        double t = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                t += c->pdiag ? (i == j ? c->pdiag[i] * tc->C[i * d + i] : 0.0)
                              : c->P[i * d + j] * tc->C[j * d + i];
        tc->pre[k] = t;
    }
    return FDR_OK;
}

/* Writes the mean of the tallest component (largest w_k N_k(m_k)) and
 * returns 1 iff every component shares that mean: then each factor, and so
 * p, peaks there. Otherwise the global minimum has no closed form and the
 * point is only a reference. */
static int gmm_centre(const void *state, double *x)
{
    const gmm *g = state;
    size_t d = g->d, best = 0;
    for (size_t k = 1; k < g->K; k++)
        if (g->c[k].lognorm > g->c[best].lognorm)
            best = k;
    memcpy(x, g->c[best].mean, d * sizeof *x);
    for (size_t k = 0; k < g->K; k++)
        for (size_t i = 0; i < d; i++)
            if (g->c[k].mean[i] != x[i])
                return 0;
    return 1;
}

/* Reports no constant Hessian. With two or more components it depends on
 * the point; a single component is exactly quadratic, but its exact
 * references come from `type = quadratic` (this type is not a polynomial). */
static int gmm_constant_hessian(const void *state, double *H)
{
    (void)state;
    (void)H;
    return 0;
}

const fdr_landscape_type fdr_landscape_gmm = {
    .name = "gmm",
    .summary = "f = -log sum_k w_k N(theta; m_k, S_k), a non-convex Gaussian mixture",
    .size = sizeof(gmm),
    .degree = 0,
    .init = gmm_init,
    .free = gmm_free,
    .work_size = gmm_work_size,
    .eval_block = gmm_eval_block,
    .derivs_block = gmm_derivs_block,
    .trace_prepare = gmm_trace_prepare,
    .hessian = gmm_hessian,
    .centre = gmm_centre,
    .constant_hessian = gmm_constant_hessian,
    .diagonal_hessian = NULL,
};
