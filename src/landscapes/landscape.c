/* landscape.c - the landscape registry and what all landscapes share:
 * weight decay (f + wd/2 |theta|^2) and the reference point. */
#include "landscapes/landscape.h"
#include "core/fdr.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const fdr_landscape_type *const fdr_landscape_types[] = {
    &fdr_landscape_quadratic,
    &fdr_landscape_quartic,
    &fdr_landscape_gmm,
    &fdr_landscape_regression,
    &fdr_landscape_plugin,
    NULL,
};

const fdr_landscape_type *fdr_landscape_type_find(const char *name)
{
    for (const fdr_landscape_type *const *t = fdr_landscape_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

/* Lists the registered names into buf (for "unknown type" messages). */
static void type_names(char *buf, size_t n)
{
    buf[0] = '\0';
    for (const fdr_landscape_type *const *t = fdr_landscape_types; *t; t++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? ", " : "", (*t)->name);
    }
}

/* Minimiser of an exactly quadratic landscape: solves H x = H x - grad f(x)
 * at x = 0, i.e. x* = -H^{-1} grad f(0), if H is positive definite. */
static int quadratic_minimum(fdr_landscape *l)
{
    size_t d = l->dim;
    double *x0 = fdr_calloc(d, sizeof *x0), *g = fdr_malloc(d * sizeof *g),
           *Hc = fdr_malloc(d * d * sizeof *Hc);
    int ok = 0;
    if (x0 && g && Hc) {
        fdr_landscape_gradient(l, x0, g);
        memcpy(Hc, l->H, d * d * sizeof *Hc);
        gsl_matrix_view m = gsl_matrix_view_array(Hc, d, d);
        gsl_vector_view b = gsl_vector_view_array(g, d);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        fdr_progress(d, "the landscape's minimum (Cholesky)", 0);
        int chol = gsl_linalg_cholesky_decomp1(&m.matrix);
        fdr_progress(d, "the landscape's minimum (Cholesky)", 1);
        if (chol == GSL_SUCCESS) {
            gsl_linalg_cholesky_svx(&m.matrix, &b.vector);
            for (size_t i = 0; i < d; i++)
                l->ref[i] = -g[i];
            ok = 1;
        }
        gsl_set_error_handler(old);
    }
    free(x0);
    free(g);
    free(Hc);
    return ok;
}

fdr_landscape *fdr_landscape_alloc(fdr_config *cfg)
{
    const char *tname;
    if (fdr_config_string(cfg, "landscape", "type", NULL, &tname))
        return NULL;
    const fdr_landscape_type *type = fdr_landscape_type_find(tname);
    if (!type) {
        char names[256];
        type_names(names, sizeof names);
        fdr_config_error(cfg, "landscape", "type", "unknown landscape '%s' (known: %s)", tname,
                         names);
        return NULL;
    }
    return fdr_landscape_alloc_type(cfg, type);
}

fdr_landscape *fdr_landscape_alloc_type(fdr_config *cfg, const fdr_landscape_type *type)
{
    long dim;
    if (fdr_config_required_long(cfg, "landscape", "dim", &dim))
        return NULL;
    if (dim <= 0 || dim > 100000) {
        fdr_config_error(cfg, "landscape", "dim", "must be between 1 and 100000, got %ld", dim);
        return NULL;
    }
    fdr_landscape *l = fdr_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->type = type;
    l->dim = (size_t)dim;
    size_t d = l->dim;
    l->state = fdr_calloc(1, type->size);
    l->ref = fdr_calloc(d, sizeof *l->ref);
    if (!l->state || !l->ref) {
        fdr_landscape_free(l);
        return NULL;
    }
    if (type->init(l->state, cfg, d) != FDR_OK) {
        fdr_landscape_free(l);
        return NULL;
    }
    if (type->instance)
        l->type = type = type->instance(l->state);
    if (fdr_config_double(cfg, "landscape", "weight_decay", 0.0, &l->weight_decay) != FDR_OK ||
        (l->weight_decay < 0 &&
         fdr_config_error(cfg, "landscape", "weight_decay", "must be >= 0, got %g",
                          l->weight_decay))) {
        fdr_landscape_free(l);
        return NULL;
    }
    l->ref_is_min = type->centre(l->state, l->ref);
    l->H = fdr_malloc(d * d * sizeof *l->H);
    if (!l->H) {
        fdr_landscape_free(l);
        return NULL;
    }
    if (type->constant_hessian(l->state, l->H)) {
        for (size_t i = 0; i < d; i++)
            l->H[i * d + i] += l->weight_decay;
        l->ref_is_min = quadratic_minimum(l);
    } else {
        free(l->H);
        l->H = NULL;
        if (l->weight_decay > 0)
            l->ref_is_min = 0;
    }
    double *h = fdr_malloc(d * sizeof *h);
    if (!h) {
        fdr_landscape_free(l);
        return NULL;
    }
    if (type->diagonal_hessian && type->diagonal_hessian(l->state, h)) {
        for (size_t i = 0; i < d; i++)
            h[i] += l->weight_decay;
        l->hdiag = h;
    } else {
        free(h);
    }
    l->fref = fdr_landscape_value(l, l->ref);
    if (type->frame && l->weight_decay == 0)
        l->frame = type->frame(l->state, &l->frame_V, &l->frame_o);
    return l;
}

void fdr_landscape_free(fdr_landscape *l)
{
    if (!l)
        return;
    if (l->state) {
        l->type->free(l->state);
        free(l->state);
    }
    free(l->ref);
    free(l->H);
    free(l->hdiag);
    free(l->shifts);
    free(l);
}

int fdr_landscape_average(fdr_landscape *l, const double *c, size_t N)
{
    size_t d = l->dim;
    if (!(l->shifts = fdr_malloc(N * d * sizeof *l->shifts)))
        return FDR_ENOMEM;
    memcpy(l->shifts, c, N * d * sizeof *c);
    l->nshift = N;
    l->ref_is_min = 0;
    l->frame = NULL;
    l->fref = fdr_landscape_value(l, l->ref);
    return isfinite(l->fref) ? FDR_OK : fdr_error(FDR_ENOMEM, "out of memory");
}

/* Scratch of the shifted-copies mean on top of the type's: the shifted
 * points, one copy's gradients or derivatives, values or traces. */
static size_t shift_extra(const fdr_landscape *l, size_t n, size_t m)
{
    size_t d = l->dim, per = n * d > n * m * FDR_DERIV_KMAX ? n * d : n * m * FDR_DERIV_KMAX;
    return l->shifts ? n * d + per + n : 0;
}

size_t fdr_landscape_work_size(const fdr_landscape *l, size_t n, size_t m)
{
    size_t t = l->type->work_size(l->state, n, m);
    return (t > n * l->dim ? t : n * l->dim) + shift_extra(l, n, m);
}

double fdr_landscape_value(const fdr_landscape *l, const double *x)
{
    double f;
    double *g = malloc(l->dim * sizeof *g), *w = malloc(fdr_landscape_work_size(l, 1, 0) * sizeof *w);
    if (!g || !w) {
        free(g);
        free(w);
        return NAN;
    }
    fdr_landscape_eval_block(l, 1, x, &f, g, w);
    free(g);
    free(w);
    return f;
}

void fdr_landscape_gradient(const fdr_landscape *l, const double *x, double *g)
{
    double *w = malloc(fdr_landscape_work_size(l, 1, 0) * sizeof *w);
    if (!w) {
        for (size_t i = 0; i < l->dim; i++)
            g[i] = NAN;
        return;
    }
    fdr_landscape_eval_block(l, 1, x, NULL, g, w);
    free(w);
}

void fdr_landscape_hessian(const fdr_landscape *l, const double *x, double *H)
{
    size_t d = l->dim;
    if (l->shifts) {
        double *y = malloc((d + d * d) * sizeof *y), *Ha = y ? y + d : NULL;
        memset(H, 0, d * d * sizeof *H);
        for (size_t a = 0; y && a < l->nshift; a++) {
            for (size_t i = 0; i < d; i++)
                y[i] = x[i] - l->shifts[a * d + i];
            l->type->hessian(l->state, y, Ha);
            for (size_t i = 0; i < d * d; i++)
                H[i] += Ha[i] / (double)l->nshift;
        }
        if (!y)
            for (size_t i = 0; i < d * d; i++)
                H[i] = NAN;
        free(y);
    } else {
        l->type->hessian(l->state, x, H);
    }
    for (size_t i = 0; i < d; i++)
        H[i * d + i] += l->weight_decay;
}

int fdr_landscape_dderiv(const fdr_landscape *l, const double *x, const double *u, int K,
                         double *out)
{
    double *w = fdr_malloc(fdr_landscape_work_size(l, 1, 1) * sizeof *w);
    if (!w)
        return FDR_ENOMEM;
    fdr_landscape_derivs_block(l, 1, x, 1, u, K, out, NULL, NULL, w);
    free(w);
    return FDR_OK;
}

/* The rows of X minus shift a, into Y. */
static void shift_rows(const fdr_landscape *l, size_t a, size_t n, const double *X, double *Y)
{
    size_t d = l->dim;
    const double *c = l->shifts + a * d;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            Y[r * d + i] = X[r * d + i] - c[i];
}

/* The mean over the shifted copies at the n points, one block evaluation
 * of the type per copy; work as fdr_landscape_work_size. */
static void eval_shifted(const fdr_landscape *l, size_t n, const double *X, double *F, double *G,
                         double *work)
{
    size_t d = l->dim, N = l->nshift;
    double *Y = work, *Ga = Y + n * d, *Fa = work + shift_extra(l, n, 0) - n,
           *tw = work + shift_extra(l, n, 0);
    memset(G, 0, n * d * sizeof *G);
    for (size_t r = 0; F && r < n; r++)
        F[r] = 0;
    for (size_t a = 0; a < N; a++) {
        shift_rows(l, a, n, X, Y);
        l->type->eval_block(l->state, n, Y, Fa, Ga, tw);
        for (size_t k = 0; k < n * d; k++)
            G[k] += Ga[k] / (double)N;
        for (size_t r = 0; F && r < n; r++)
            F[r] += Fa[r] / (double)N;
    }
}

void fdr_landscape_eval_block(const fdr_landscape *l, size_t n, const double *X, double *F,
                              double *G, double *work)
{
    if (l->shifts)
        eval_shifted(l, n, X, F, G, work);
    else
        l->type->eval_block(l->state, n, X, F, G, work);
    double wd = l->weight_decay;
    if (wd == 0)
        return;
    size_t d = l->dim;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        double *g = G + r * d, s = 0;
        for (size_t i = 0; i < d; i++) {
            g[i] += wd * x[i];
            s += x[i] * x[i];
        }
        if (F)
            F[r] += 0.5 * wd * s;
    }
}

void fdr_landscape_derivs_block(const fdr_landscape *l, size_t n, const double *X, size_t m,
                                const double *U, int K, double *D, const fdr_trace *tc, double *T,
                                double *work)
{
    size_t d = l->dim, nd = n * m * (size_t)K;
    if (l->shifts) {
        size_t N = l->nshift, extra = shift_extra(l, n, m);
        double *Y = work, *Da = Y + n * d, *Ta = work + extra - n, *tw = work + extra;
        memset(D, 0, nd * sizeof *D);
        for (size_t r = 0; T && r < n; r++)
            T[r] = 0;
        for (size_t a = 0; a < N; a++) {
            shift_rows(l, a, n, X, Y);
            l->type->derivs_block(l->state, n, Y, m, U, K, Da, tc, T ? Ta : NULL, tw);
            for (size_t k = 0; k < nd; k++)
                D[k] += Da[k] / (double)N;
            for (size_t r = 0; T && r < n; r++)
                T[r] += Ta[r] / (double)N;
        }
    } else {
        l->type->derivs_block(l->state, n, X, m, U, K, D, tc, T, work);
    }
    double wd = l->weight_decay;
    if (wd == 0)
        return;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        for (size_t j = 0; j < m; j++) {
            const double *u = U + (r * m + j) * d;
            double *out = D + (r * m + j) * (size_t)K, xu = 0, uu = 0;
            for (size_t i = 0; i < d; i++) {
                xu += x[i] * u[i];
                uu += u[i] * u[i];
            }
            out[0] += wd * xu;
            if (K >= 2)
                out[1] += wd * uu;
        }
        if (T)
            T[r] += wd * tc->trace;
    }
}

int fdr_trace_init(fdr_trace *tc, const fdr_landscape *l, const double *C)
{
    return fdr_trace_init_type(tc, l->type, l->state, l->dim, C);
}

int fdr_trace_init_type(fdr_trace *tc, const fdr_landscape_type *type, const void *state,
                        size_t d, const double *C)
{
    tc->C = C;
    tc->pre = NULL;
    tc->trace = 0;
    tc->diagonal = 1;
    for (size_t i = 0; i < d; i++) {
        tc->trace += C[i * d + i];
        for (size_t j = 0; j < d; j++)
            tc->diagonal = tc->diagonal && (i == j || C[i * d + j] == 0);
    }
    return type->trace_prepare(state, tc);
}

void fdr_trace_clear(fdr_trace *tc)
{
    free(tc->pre);
    tc->pre = NULL;
}

int fdr_landscape_rotation(fdr_config *cfg, size_t d, double **Q)
{
    const char *rot;
    long seed;
    int rc;
    *Q = NULL;
    if ((rc = fdr_config_string(cfg, "landscape", "rotation", "none", &rot)) ||
        (rc = fdr_config_long(cfg, "landscape", "rotation_seed", 1, &seed)))
        return rc;
    if (strcmp(rot, "none") == 0)
        return FDR_OK;
    if (strcmp(rot, "random") != 0)
        return fdr_config_error(cfg, "landscape", "rotation", "'%s': expected none or random", rot);
    if (!(*Q = fdr_malloc(d * d * sizeof **Q)))
        return FDR_ENOMEM;
    if ((rc = fdr_random_orthogonal(d, (unsigned long)seed, *Q))) {
        free(*Q);
        *Q = NULL;
    }
    return rc;
}

int fdr_random_orthogonal(size_t d, unsigned long seed, double *Q)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *A = gsl_matrix_alloc(d, d);
    gsl_vector *tau = gsl_vector_alloc(d);
    gsl_matrix *R = gsl_matrix_alloc(d, d);
    int rc = FDR_OK;
    if (!rng || !A || !tau || !R) {
        rc = fdr_error(FDR_ENOMEM, "out of memory building a %zu x %zu rotation", d, d);
    } else {
        gsl_rng_set(rng, seed);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                gsl_matrix_set(A, i, j, gsl_ran_gaussian_ziggurat(rng, 1.0));
        fdr_progress(d, "random rotation: QR decomposition", 0);
        gsl_linalg_QR_decomp(A, tau);
        fdr_progress(d, "random rotation: forming Q", 0.5);
        gsl_matrix_view q = gsl_matrix_view_array(Q, d, d);
        gsl_linalg_QR_unpack(A, tau, &q.matrix, R);
        fdr_progress(d, "random rotation", 1);
        /* Multiplying column j by sign(R_jj) makes the distribution Haar. */
        for (size_t j = 0; j < d; j++)
            if (gsl_matrix_get(R, j, j) < 0)
                for (size_t i = 0; i < d; i++)
                    Q[i * d + j] = -Q[i * d + j];
    }
    gsl_matrix_free(R);
    gsl_vector_free(tau);
    gsl_matrix_free(A);
    gsl_rng_free(rng);
    return rc;
}
