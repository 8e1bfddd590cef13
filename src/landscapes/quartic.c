/* quartic.c - an anharmonic polynomial landscape of degree 4,
 *
 *   f = sum_i [h_i x_i^2/2 + kappa_i x_i^3/6 + lambda_i x_i^4/24] + (gamma/8) |x|^4,
 *   x = R^T (theta - theta*),
 *
 * separable in the (optionally randomly rotated) coordinates x, plus an
 * isotropic coupling. Being a polynomial of degree 4, its FDR2 Taylor series
 * ends at k = 4 and the loss-stationarity identity closes exactly, while the
 * cubic and quartic coefficients make the anharmonic terms F3 and F4 non-zero.
 * h_i < 0 < lambda_i gives a double well.
 *
 * Keys in [landscape]: h (one number, a list of dim numbers, or a spectrum
 * `list | linear | log | power ...`), cubic, quartic (kappa and lambda: one
 * number or dim numbers, default 0), coupling (gamma, default 0),
 * rotation = none | random, rotation_seed, minimum (theta*, default 0). */
#include "core/fdr.h"
#include "landscapes/landscape.h"

#include <ctype.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct quartic {
    size_t d;
    double *coef;   /* one allocation holding the coefficient arrays below */
    double *h;      /* h_i */
    double *kappa;  /* kappa_i */
    double *lambda; /* lambda_i */
    /* h/2, kappa/6, lambda/24, kappa/2, lambda/6, lambda/2: the divisions of
     * the inner loops done once (the same roundings, so the same results) */
    double *h2, *k6, *l24, *k2, *l6, *l2;
    double gamma;
    double *V;      /* R^T (row i is the direction of x_i), or NULL without rotation */
    double *xstar;  /* theta* */
    /* with a rotation: the same quartic without it and with theta* = 0 (its
     * coefficient arrays are this one's), the landscape of the frame */
    struct quartic *inner;
} quartic;

/* Releases the arrays; after a failed init some are still NULL. */
static void quartic_free(void *state)
{
    quartic *q = state;
    free(q->coef);
    free(q->V);
    free(q->xstar);
    if (q->inner)
        free(q->inner->xstar);
    free(q->inner);
}

/* Returns FDR_OK if f grows without bound in every direction; otherwise
 * records an error naming the responsible key. Without confinement f is
 * unbounded below or flat somewhere, and SGD has no stationary state. */
static int check_confining(const quartic *q, const fdr_config *cfg)
{
    size_t d = q->d;
    if (q->gamma == 0) {
        /* Separable: each one-dimensional polynomial must confine on its own. */
        for (size_t i = 0; i < d; i++) {
            if (q->lambda[i] > 0)
                continue;
            if (q->lambda[i] < 0)
                return fdr_config_error(cfg, "landscape", "quartic",
                                        "direction %zu: lambda = %g < 0 makes f unbounded below "
                                        "(give quartic > 0 there, or a coupling that outweighs it)",
                                        i + 1, q->lambda[i]);
            if (q->kappa[i] != 0)
                return fdr_config_error(cfg, "landscape", "cubic",
                                        "direction %zu: a cubic term (%g) without a quartic term "
                                        "makes f unbounded below (give quartic > 0 or coupling > 0)",
                                        i + 1, q->kappa[i]);
            if (q->h[i] <= 0)
                return fdr_config_error(cfg, "landscape", "h",
                                        "direction %zu: h = %g with no quartic term and no "
                                        "coupling does not confine (give quartic > 0 or "
                                        "coupling > 0)",
                                        i + 1, q->h[i]);
        }
        return FDR_OK;
    }
    /* With a coupling the quartic form Q(x) = (gamma/8)|x|^4 + sum lambda_i
     * x_i^4/24 decides. On the unit sphere, with y_i = x_i^2 on the simplex,
     * min sum lambda_i y_i^2 is lambda_min when that is <= 0 (attained at a
     * vertex; elsewhere lambda_i y_i^2 >= lambda_min y_i since y_i <= 1) and
     * 1 / sum(1/lambda_i) otherwise. Q must be positive definite; the
     * borderline case, where confinement would hinge on the lower-order
     * terms, is rejected as well. */
    double lmin = q->lambda[0], lmax = 0, inv = 0;
    for (size_t i = 0; i < d; i++) {
        lmin = fmin(lmin, q->lambda[i]);
        lmax = fmax(lmax, fabs(q->lambda[i]));
    }
    for (size_t i = 0; lmin > 0 && i < d; i++)
        inv += 1 / q->lambda[i];
    double qmin = q->gamma / 8 + (lmin <= 0 ? lmin : 1 / inv) / 24;
    if (!(qmin > 1e-12 * (fabs(q->gamma) / 8 + lmax / 24)))
        return fdr_config_error(cfg, "landscape", q->gamma < 0 ? "coupling" : "quartic",
                                "the quartic part (coupling %g, smallest quartic coefficient %g) "
                                "is not positive in every direction (its minimum on the unit "
                                "sphere is %g), so f is unbounded below or does not confine",
                                q->gamma, lmin, qmin);
    return FDR_OK;
}

/* Reads and validates every key into the (zeroed) state; on failure the
 * wrapper calls quartic_free, which releases whatever was allocated. */
static int quartic_init(void *state, fdr_config *cfg, size_t d)
{
    quartic *q = state;
    q->d = d;
    q->coef = fdr_malloc(9 * d * sizeof *q->coef);
    q->xstar = fdr_malloc(d * sizeof *q->xstar);
    if (!q->coef || !q->xstar)
        return FDR_ENOMEM;
    q->h = q->coef;
    q->kappa = q->coef + d;
    q->lambda = q->coef + 2 * d;
    q->h2 = q->coef + 3 * d;
    q->k6 = q->coef + 4 * d;
    q->l24 = q->coef + 5 * d;
    q->k2 = q->coef + 6 * d;
    q->l6 = q->coef + 7 * d;
    q->l2 = q->coef + 8 * d;
    const char *htext;
    int rc = fdr_config_string(cfg, "landscape", "h", NULL, &htext);
    if (rc)
        return rc;
    /* A spectrum begins with its keyword; plain numbers never begin with a letter. */
    if (isalpha((unsigned char)htext[0]))
        rc = fdr_spectrum_parse(cfg, "landscape", "h", htext, d, q->h);
    else
        rc = fdr_config_vector(cfg, "landscape", "h", d, 0.0, q->h);
    if (rc || (rc = fdr_config_vector(cfg, "landscape", "cubic", d, 0.0, q->kappa)) ||
        (rc = fdr_config_vector(cfg, "landscape", "quartic", d, 0.0, q->lambda)) ||
        (rc = fdr_config_double(cfg, "landscape", "coupling", 0.0, &q->gamma)) ||
        (rc = fdr_config_vector(cfg, "landscape", "minimum", d, 0.0, q->xstar)) ||
        (rc = check_confining(q, cfg)))
        return rc;
    for (size_t i = 0; i < d; i++) {
        q->h2[i] = q->h[i] / 2;
        q->k6[i] = q->kappa[i] / 6;
        q->l24[i] = q->lambda[i] / 24;
        q->k2[i] = q->kappa[i] / 2;
        q->l6[i] = q->lambda[i] / 6;
        q->l2[i] = q->lambda[i] / 2;
    }
    double *R;
    if ((rc = fdr_landscape_rotation(cfg, d, &R)) || !R)
        return rc;
    if (!(q->V = fdr_malloc(d * d * sizeof *q->V))) {
        free(R);
        return FDR_ENOMEM;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q->V[i * d + j] = R[j * d + i];
    free(R);
    if (!(q->inner = fdr_malloc(sizeof *q->inner)))
        return FDR_ENOMEM;
    *q->inner = *q;
    q->inner->V = NULL;
    q->inner->inner = NULL;
    if (!(q->inner->xstar = fdr_calloc(d, sizeof *q->inner->xstar)))
        return FDR_ENOMEM;
    return FDR_OK;
}

/* Returns f at the rotated point x and writes its gradient with respect to
 * x into g; g may alias x, since g_i depends only on x_i and |x|^2. */
static double poly_grad(const quartic *q, const double *x, double *g)
{
    size_t d = q->d;
    double A = 0, f = 0;
#pragma omp simd reduction(+ : A)
    for (size_t i = 0; i < d; i++)
        A += x[i] * x[i];
    double c = 0.5 * q->gamma * A; /* grad (gamma/8)|x|^4 = (gamma/2)|x|^2 x */
    const double *h = q->h, *h2 = q->h2, *k6 = q->k6, *l24 = q->l24, *k2 = q->k2, *l6 = q->l6;
#pragma omp simd reduction(+ : f)
    for (size_t i = 0; i < d; i++) {
        double xi = x[i];
        f += xi * xi * (h2[i] + xi * (k6[i] + xi * l24[i]));
        g[i] = xi * (h[i] + xi * (k2[i] + xi * l6[i])) + c * xi;
    }
    return f + 0.125 * q->gamma * A * A;
}

/* Values and gradients at n points; with a rotation the points are moved to
 * the x coordinates and the gradients back by two matrix products. */
static void quartic_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                               double *work)
{
    const quartic *q = state;
    size_t d = q->d;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            G[r * d + i] = X[r * d + i] - q->xstar[i];
    if (!q->V) {
        for (size_t r = 0; r < n; r++) {
            double f = poly_grad(q, G + r * d, G + r * d);
            if (F)
                F[r] = f;
        }
        return;
    }
    /* Rows are points: x^T = y^T R = y^T V^T, and grad_theta^T = grad_x^T V. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)d, 1.0, G, (int)d,
                q->V, (int)d, 0.0, work, (int)d);
    for (size_t r = 0; r < n; r++) {
        double f = poly_grad(q, work + r * d, work + r * d);
        if (F)
            F[r] = f;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, work,
                (int)d, q->V, (int)d, 0.0, G, (int)d);
}

/* Doubles of scratch: the shifted points and directions stacked, their
 * rotated images, and the shifted points times C. */
static size_t quartic_work_size(const void *state, size_t n, size_t m)
{
    const quartic *q = state;
    return (2 * (n + n * m) + n) * q->d;
}

/* Hessian R diag(h + kappa x + lambda x^2/2) R^T + (gamma/2)(|y|^2 I + 2 y y^T),
 * y = theta - theta*: the coupling is rotation invariant, so it is added in
 * the original coordinates. The rotated part is one matrix product,
 * V^T (diag(c) V), its upper triangle then mirrored from the lower so that
 * H is exactly symmetric. Out of memory: H is NaN. */
static void quartic_hessian(const void *state, const double *theta, double *H)
{
    const quartic *q = state;
    size_t d = q->d;
    double *y = NULL, *W = NULL;
    if (q->V && (!(y = fdr_malloc(2 * d * sizeof *y)) || !(W = fdr_malloc(d * d * sizeof *W)))) {
        for (size_t i = 0; i < d * d; i++)
            H[i] = NAN;
        free(y);
        return;
    }
    if (q->V) {
        /* x = V y, formed from y = theta - theta* to stay accurate when theta
         * is close to a distant theta*. */
        double *x = y + d;
        for (size_t i = 0; i < d; i++)
            y[i] = theta[i] - q->xstar[i];
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, q->V, (int)d, y, 1, 0.0, x,
                    1);
        for (size_t i = 0; i < d; i++) {
            double c = q->h[i] + x[i] * (q->kappa[i] + x[i] * q->lambda[i] / 2);
            for (size_t j = 0; j < d; j++)
                W[i * d + j] = c * q->V[i * d + j];
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, q->V,
                    (int)d, W, (int)d, 0.0, H, (int)d);
    } else {
        memset(H, 0, d * d * sizeof *H);
        for (size_t i = 0; i < d; i++) {
            double xi = theta[i] - q->xstar[i];
            H[i * d + i] = q->h[i] + xi * (q->kappa[i] + xi * q->lambda[i] / 2);
        }
    }
    double A = 0;
    for (size_t i = 0; i < d; i++)
        A += (theta[i] - q->xstar[i]) * (theta[i] - q->xstar[i]);
    double g2 = 0.5 * q->gamma;
    for (size_t a = 0; a < d; a++) {
        double ya = theta[a] - q->xstar[a];
        for (size_t b = 0; b <= a; b++)
            H[a * d + b] += g2 * ((a == b ? A : 0.0) + 2 * ya * (theta[b] - q->xstar[b]));
        for (size_t b = 0; b < a; b++)
            H[b * d + a] = H[a * d + b];
    }
    free(W);
    free(y);
}

/* D^k f[u^k] exactly: along the line, each separable term is a quartic in s
 * and the coupling is (gamma/8) q(s)^2 with q = A + 2 B s + C s^2
 * (A = |y|^2, B = y.u, C = |u|^2), whose derivatives at 0 are 4AB,
 * 8B^2 + 4AC, 24BC and 24C^2. Orders above 4 vanish. The points
 * y = theta - theta* and the directions are rotated together, in one
 * product. Tr(H C) = sum_i c_i(x) (R^T C R)_ii + (gamma/2)(|y|^2 Tr C +
 * 2 y^T C y), with c_i = h_i + kappa_i x_i + lambda_i x_i^2/2 and the
 * diagonal of the rotated covariance from trace_prepare. */
static void quartic_derivs_block(const void *state, size_t n, const double *X, size_t m,
                                 const double *U, int K, double *D, const fdr_trace *tc,
                                 double *T, double *work)
{
    const quartic *q = state;
    size_t d = q->d, rows = n + n * m;
    double *S = work, *Rw = q->V ? work + rows * d : S, *YC = work + 2 * rows * d;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            S[r * d + i] = X[r * d + i] - q->xstar[i];
    if (m)
        memcpy(S + n * d, U, n * m * d * sizeof *S);
    if (q->V) /* rows are vectors: (V y)^T = y^T V^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)d, (int)d, 1.0, S,
                    (int)d, q->V, (int)d, 0.0, Rw, (int)d);
    const double g = q->gamma;
    if (T && g != 0 && !tc->diagonal)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, S,
                    (int)d, tc->C, (int)d, 0.0, YC, (int)d);
    for (size_t r = 0; r < n; r++) {
        const double *y = S + r * d, *x = Rw + r * d;
        const double *hh = q->h, *kk = q->kappa, *ll = q->lambda, *k2 = q->k2, *l6 = q->l6,
                     *l2 = q->l2;
        double A = 0;
#pragma omp simd reduction(+ : A)
        for (size_t i = 0; i < d; i++)
            A += y[i] * y[i];
        for (size_t j = 0; j < m; j++) {
            const double *u = S + (n + r * m + j) * d, *w = Rw + (n + r * m + j) * d;
            double E[4], e0 = 0, e1 = 0, e2 = 0, e3 = 0, B = 0, C = 0;
#pragma omp simd reduction(+ : e0, e1, e2, e3, B, C)
            for (size_t i = 0; i < d; i++) {
                double xi = x[i], wi = w[i], h = hh[i], k = kk[i], l = ll[i], w2 = wi * wi;
                e0 += (h * xi + xi * xi * (k2[i] + xi * l6[i])) * wi;
                e1 += (h + xi * (k + xi * l2[i])) * w2;
                e2 += (k + l * xi) * w2 * wi;
                e3 += l * w2 * w2;
                B += y[i] * u[i];
                C += u[i] * u[i];
            }
            E[0] = e0;
            E[1] = e1;
            E[2] = e2;
            E[3] = e3;
            E[0] += g * A * B / 2;
            E[1] += g * (B * B + A * C / 2);
            E[2] += 3 * g * B * C;
            E[3] += 3 * g * C * C;
            double *out = D + (r * m + j) * (size_t)K;
            for (int k = 1; k <= K; k++)
                out[k - 1] = k <= 4 ? E[k - 1] : 0.0;
        }
        if (!T)
            continue;
        double t = 0, yCy = 0;
        const double *pre = tc->pre;
#pragma omp simd reduction(+ : t)
        for (size_t i = 0; i < d; i++)
            t += (hh[i] + x[i] * (kk[i] + x[i] * l2[i])) * pre[i];
        for (size_t i = 0; g != 0 && i < d; i++)
            yCy += y[i] * (tc->diagonal ? tc->C[i * d + i] * y[i] : YC[r * d + i]);
        T[r] = t + 0.5 * g * (A * tc->trace + 2 * yCy);
    }
}

/* The diagonal of R^T C R (V C V^T, V = R^T), once: O(d^3), or O(d^2) for
 * a diagonal C. */
static int quartic_trace_prepare(const void *state, fdr_trace *tc)
{
    const quartic *q = state;
    size_t d = q->d;
    const double *C = tc->C;
    double *p = tc->pre = fdr_malloc(d * sizeof *p);
    if (!p)
        return FDR_ENOMEM;
    if (!q->V || tc->diagonal) {
        for (size_t i = 0; i < d; i++) {
            p[i] = q->V ? 0 : C[i * d + i];
            for (size_t j = 0; q->V && j < d; j++)
                p[i] += q->V[i * d + j] * q->V[i * d + j] * C[j * d + j];
        }
        return FDR_OK;
    }
    double *W = fdr_malloc(d * d * sizeof *W);
    if (!W)
        return FDR_ENOMEM;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, q->V,
                (int)d, C, (int)d, 0.0, W, (int)d);
    for (size_t i = 0; i < d; i++) {
        p[i] = 0;
        for (size_t j = 0; j < d; j++)
            p[i] += W[i * d + j] * q->V[i * d + j];
    }
    free(W);
    return FDR_OK;
}

/* A rotated quartic is the unrotated one in x = R^T (theta - theta*). */
static const void *quartic_frame(const void *state, const double **V, const double **o)
{
    const quartic *q = state;
    if (!q->V)
        return NULL;
    *V = q->V;
    *o = q->xstar;
    return q->inner;
}

/* Writes theta* and returns 1 iff it is known to be the global minimum.
 * f(theta*) = 0, so that holds iff f >= 0. Restricted to axis i,
 * f = x^2 (h/2 + kappa x/6 + L x^2/24) with L = lambda + 3 gamma, which is
 * non-negative for every x iff h >= 0, L >= 0 and kappa^2 <= 3 h L (the
 * quadratic factor's discriminant kappa^2/36 - h L/12 is <= 0). For
 * gamma >= 0, |x|^4 >= sum x_i^4 bounds f below by the sum of these axis
 * restrictions, so the condition is exact; for gamma < 0, |x|^4 <= d sum x_i^4
 * gives a sufficient condition with L = lambda + 3 d gamma. */
static int quartic_centre(const void *state, double *x)
{
    const quartic *q = state;
    size_t d = q->d;
    memcpy(x, q->xstar, d * sizeof *x);
    double g = q->gamma >= 0 ? q->gamma : q->gamma * (double)d;
    for (size_t i = 0; i < d; i++) {
        double L = q->lambda[i] + 3 * g;
        if (!(q->h[i] >= 0 && L >= 0 && q->kappa[i] * q->kappa[i] <= 3 * q->h[i] * L))
            return 0;
    }
    return 1;
}

/* Reports no constant Hessian. Only with every anharmonic coefficient zero
 * would it be constant, and that landscape is `type = quadratic`, which has
 * the exact references. */
static int quartic_constant_hessian(const void *state, double *H)
{
    (void)state;
    (void)H;
    return 0;
}

const fdr_landscape_type fdr_landscape_quartic = {
    .name = "quartic",
    .summary = "f = sum h x^2/2 + kappa x^3/6 + lambda x^4/24 + gamma |x|^4/8, x = R^T (theta - "
               "theta*)",
    .size = sizeof(quartic),
    .degree = 4,
    .init = quartic_init,
    .free = quartic_free,
    .work_size = quartic_work_size,
    .eval_block = quartic_eval_block,
    .derivs_block = quartic_derivs_block,
    .trace_prepare = quartic_trace_prepare,
    .frame = quartic_frame,
    .hessian = quartic_hessian,
    .centre = quartic_centre,
    .constant_hessian = quartic_constant_hessian,
    .diagonal_hessian = NULL,
};
