/* noise.c - the noise-law registry, the shared covariance specification
 * and its sampler. */
#include "noise/noise.h"
#include "core/fdr.h"

#include <ctype.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const fdr_noise_type *const fdr_noise_types[] = {
    &fdr_noise_gaussian,
    &fdr_noise_minibatch,
    &fdr_noise_student_t,
    &fdr_noise_laplace,
    &fdr_noise_uniform,
    &fdr_noise_rademacher,
    &fdr_noise_skewed,
    &fdr_noise_state,
    NULL,
};

const fdr_noise_type *fdr_noise_type_find(const char *name)
{
    for (const fdr_noise_type *const *t = fdr_noise_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

fdr_noise *fdr_noise_alloc(fdr_config *cfg, const fdr_landscape *l)
{
    const char *tname;
    if (fdr_config_string(cfg, "noise", "type", "gaussian", &tname))
        return NULL;
    const fdr_noise_type *type = fdr_noise_type_find(tname);
    if (!type) {
        char names[256] = "";
        for (const fdr_noise_type *const *t = fdr_noise_types; *t; t++) {
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", (*t)->name);
        }
        fdr_config_error(cfg, "noise", "type", "unknown noise law '%s' (known: %s)", tname, names);
        return NULL;
    }
    return fdr_noise_alloc_type(cfg, l, type);
}

fdr_noise *fdr_noise_alloc_type(fdr_config *cfg, const fdr_landscape *l, const fdr_noise_type *type)
{
    size_t d = l->dim;
    fdr_noise *n = fdr_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->type = type;
    n->dim = d;
    n->state = fdr_calloc(1, type->size);
    if (!n->state || type->init(n->state, cfg, l) != FDR_OK) {
        fdr_noise_free(n);
        return NULL;
    }
    n->C = fdr_malloc(d * d * sizeof *n->C);
    n->sdiag = fdr_malloc(d * sizeof *n->sdiag);
    if (!n->C || !n->sdiag) {
        fdr_noise_free(n);
        return NULL;
    }
    if (!type->covariance(n->state, l->ref, n->C)) {
        free(n->C);
        n->C = NULL;
    }
    n->caveat = type->caveat ? type->caveat(n->state) : NULL;
    if (!type->diagonal_std || !type->diagonal_std(n->state, n->sdiag)) {
        free(n->sdiag);
        n->sdiag = NULL;
    }
    return n;
}

void fdr_noise_free(fdr_noise *n)
{
    if (!n)
        return;
    if (n->state) {
        n->type->free(n->state);
        free(n->state);
    }
    free(n->C);
    free(n->sdiag);
    free(n);
}

int fdr_sym_eigen(size_t d, const double *A, double *w, double *V)
{
    gsl_matrix *a = gsl_matrix_alloc(d, d);
    gsl_vector *ev = gsl_vector_alloc(d);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    int rc = FDR_OK;
    if (!a || !ev || !ws) {
        rc = fdr_error(FDR_ENOMEM, "out of memory diagonalising a %zu x %zu matrix", d, d);
    } else {
        memcpy(a->data, A, d * d * sizeof *A);
        gsl_matrix_view v = gsl_matrix_view_array(V, d, d);
        fdr_progress(d, "symmetric eigendecomposition", 0);
        if (gsl_eigen_symmv(a, ev, &v.matrix, ws) != GSL_SUCCESS ||
            gsl_eigen_symmv_sort(ev, &v.matrix, GSL_EIGEN_SORT_VAL_DESC) != GSL_SUCCESS)
            rc = fdr_error(FDR_EFAIL, "symmetric eigendecomposition failed");
        else
            memcpy(w, ev->data, d * sizeof *w);
        fdr_progress(d, "symmetric eigendecomposition", 1);
    }
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(ev);
    gsl_matrix_free(a);
    return rc;
}

void fdr_covariance_clear(fdr_covariance *cov)
{
    free(cov->C);
    free(cov->S);
    free(cov->sdiag);
    memset(cov, 0, sizeof *cov);
}

/* Builds S = V diag(sqrt w) from C's eigendecomposition; rejects a C that is
 * not positive semi-definite (an eigenvalue below -1e-10 of the largest). */
static int factor(fdr_covariance *cov, fdr_config *cfg, const char *sec, const char *key)
{
    size_t d = cov->d;
    double *w = fdr_malloc(d * sizeof *w);
    cov->S = fdr_malloc(d * d * sizeof *cov->S);
    if (!w || !cov->S) {
        free(w);
        return FDR_ENOMEM;
    }
    int rc = fdr_sym_eigen(d, cov->C, w, cov->S);
    if (rc == FDR_OK && w[d - 1] < -1e-10 * fmax(fabs(w[0]), 1e-300))
        rc = fdr_config_error(cfg, sec, key,
                              "not positive semi-definite (smallest eigenvalue %g, largest %g)",
                              w[d - 1], w[0]);
    if (rc == FDR_OK)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                cov->S[i * d + j] *= sqrt(fmax(w[j], 0.0));
    free(w);
    return rc;
}

/* Fills C = V diag(c) V^T. */
static void compose(size_t d, const double *V, const double *c, double *C)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += V[i * d + k] * c[k] * V[j * d + k];
            C[i * d + j] = C[j * d + i] = s;
        }
}

/* C = c H^alpha for the landscape's Hessian at its reference point. */
static int hessian_power(fdr_covariance *cov, fdr_config *cfg, const char *sec, const char *key,
                         const fdr_landscape *l, double c, double alpha)
{
    size_t d = cov->d;
    double *H = fdr_malloc(d * d * sizeof *H), *V = fdr_malloc(d * d * sizeof *V),
           *w = fdr_malloc(d * sizeof *w);
    int rc = (H && V && w) ? FDR_OK : FDR_ENOMEM;
    if (rc == FDR_OK) {
        fdr_landscape_hessian(l, l->ref, H);
        rc = fdr_sym_eigen(d, H, w, V);
    }
    if (rc == FDR_OK && w[d - 1] < 0 && alpha != floor(alpha))
        rc = fdr_config_error(cfg, sec, key,
                              "'hessian c alpha' with a non-integer alpha needs a positive "
                              "semi-definite Hessian (smallest eigenvalue %g)",
                              w[d - 1]);
    if (rc == FDR_OK) {
        for (size_t i = 0; i < d; i++)
            w[i] = c * (alpha == 0 ? 1.0 : pow(fmax(w[i], alpha == floor(alpha) ? w[i] : 0.0), alpha));
        for (size_t i = 0; i < d && rc == FDR_OK; i++)
            if (!isfinite(w[i]))
                rc = fdr_config_error(cfg, sec, key,
                                      "'hessian c alpha' is infinite: the Hessian has the "
                                      "eigenvalue 0, raised to the negative power %g",
                                      alpha);
    }
    if (rc == FDR_OK)
        compose(d, V, w, cov->C);
    free(H);
    free(V);
    free(w);
    return rc;
}

int fdr_covariance_parse(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                         const fdr_landscape *l)
{
    return fdr_covariance_parse_key(cov, cfg, sec, "covariance", l->dim, l);
}

/* The covariance syntax, `hessian c alpha` meaning c H^(hsign alpha). */
static int parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec, const char *key,
                     size_t d, const fdr_landscape *l, double hsign);

int fdr_covariance_parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                             const char *key, size_t d, const fdr_landscape *l)
{
    return parse_key(cov, cfg, sec, key, d, l, 1);
}

int fdr_preconditioner_parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec,
                                 const char *key, const fdr_landscape *l)
{
    return parse_key(cov, cfg, sec, key, l->dim, l, -1);
}

static int parse_key(fdr_covariance *cov, fdr_config *cfg, const char *sec, const char *key,
                     size_t d, const fdr_landscape *l, double hsign)
{
    memset(cov, 0, sizeof *cov);
    cov->d = d;
    cov->C = fdr_calloc(d * d, sizeof *cov->C);
    if (!cov->C)
        return FDR_ENOMEM;
    const char *spec;
    int rc = fdr_config_string(cfg, sec, key, "isotropic 1", &spec);
    if (rc)
        return rc;
    size_t wl = strcspn(spec, " \t");
    const char *rest = spec + wl;
    int diagonal = 0;
    if (wl == 9 && strncmp(spec, "isotropic", 9) == 0) {
        char *end;
        double s2 = strtod(rest, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == rest || *end || !isfinite(s2) || s2 < 0)
            return fdr_config_error(cfg, sec, key,
                                    "'isotropic s2' needs one number >= 0 (the variance)");
        for (size_t i = 0; i < d; i++)
            cov->C[i * d + i] = s2;
        diagonal = 1;
    } else if ((wl == 8 && strncmp(spec, "diagonal", 8) == 0) ||
               (wl == 6 && strncmp(spec, "matrix", 6) == 0)) {
        int diag = wl == 8;
        size_t want = diag ? d : d * d;
        double *v;
        size_t m;
        if ((rc = fdr_numbers_parse(cfg, sec, key, rest, &v, &m)))
            return rc;
        if (m != want) {
            free(v);
            return fdr_config_error(cfg, sec, key, "'%s' needs %zu numbers, got %zu",
                                    diag ? "diagonal" : "matrix", want, m);
        }
        if (diag) {
            for (size_t i = 0; i < d; i++) {
                if (v[i] < 0) {
                    rc = fdr_config_error(cfg, sec, key,
                                          "diagonal entry %zu is negative (%g)", i + 1, v[i]);
                    free(v);
                    return rc;
                }
                cov->C[i * d + i] = v[i];
            }
            diagonal = 1;
        } else {
            double scale = 0;
            for (size_t i = 0; i < d * d; i++)
                scale = fmax(scale, fabs(v[i]));
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < d; j++) {
                    if (fabs(v[i * d + j] - v[j * d + i]) > 1e-12 * scale) {
                        free(v);
                        return fdr_config_error(cfg, sec, key,
                                                "matrix not symmetric at (%zu,%zu)", i + 1, j + 1);
                    }
                    cov->C[i * d + j] = 0.5 * (v[i * d + j] + v[j * d + i]);
                }
        }
        free(v);
    } else if (wl == 8 && strncmp(spec, "spectrum", 8) == 0) {
        /* Re-parse the spectrum through the config's spectrum syntax. */
        double *c = fdr_malloc(d * sizeof *c), *V = fdr_malloc(d * d * sizeof *V);
        if (!c || !V) {
            free(c);
            free(V);
            return FDR_ENOMEM;
        }
        rc = fdr_spectrum_parse(cfg, sec, key, rest, d, c);
        const char *rot = "none";
        long rseed = 2;
        char rotkey[64];
        snprintf(rotkey, sizeof rotkey, "%s_rotation", key);
        if (rc == FDR_OK)
            rc = fdr_config_string(cfg, sec, rotkey, "none", &rot);
        if (rc == FDR_OK)
            rc = fdr_config_long(cfg, sec, "rotation_seed", 2, &rseed);
        for (size_t i = 0; rc == FDR_OK && i < d; i++)
            if (c[i] < 0)
                rc = fdr_config_error(cfg, sec, key, "spectrum entry %zu is negative (%g)",
                                      i + 1, c[i]);
        if (rc == FDR_OK) {
            if (strcmp(rot, "none") == 0) {
                for (size_t i = 0; i < d; i++)
                    cov->C[i * d + i] = c[i];
                diagonal = 1;
            } else if (strcmp(rot, "random") == 0) {
                rc = fdr_random_orthogonal(d, (unsigned long)rseed, V);
                if (rc == FDR_OK)
                    compose(d, V, c, cov->C);
            } else if (strcmp(rot, "hessian") == 0 && !l) {
                rc = fdr_config_error(cfg, sec, key, "there is no Hessian to align with here");
            } else if (strcmp(rot, "hessian") == 0) {
                double *H = fdr_malloc(d * d * sizeof *H), *w = fdr_malloc(d * sizeof *w);
                rc = (H && w) ? FDR_OK : FDR_ENOMEM;
                if (rc == FDR_OK) {
                    fdr_landscape_hessian(l, l->ref, H);
                    rc = fdr_sym_eigen(d, H, w, V);
                }
                if (rc == FDR_OK)
                    compose(d, V, c, cov->C);
                free(H);
                free(w);
            } else {
                rc = fdr_config_error(cfg, sec, rotkey, "'%s': expected none, random or hessian",
                                      rot);
            }
        }
        free(c);
        free(V);
        if (rc)
            return rc;
    } else if (wl == 7 && strncmp(spec, "hessian", 7) == 0) {
        double p[2];
        char *end;
        p[0] = strtod(rest, &end);
        const char *s2 = end;
        p[1] = strtod(s2, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == s2 || *end || !isfinite(p[0]) || !isfinite(p[1]) || p[0] < 0)
            return fdr_config_error(cfg, sec, key,
                                    "'hessian c alpha' needs c >= 0 and an exponent alpha");
        if (!l)
            return fdr_config_error(cfg, sec, key, "'hessian c alpha' is not available here");
        if ((rc = hessian_power(cov, cfg, sec, key, l, p[0], hsign * p[1])))
            return rc;
    } else {
        return fdr_config_error(cfg, sec, key,
                                "'%.*s' is not a covariance (use: isotropic s2 | diagonal c1 ... "
                                "| matrix ... | spectrum ... | hessian c alpha)",
                                (int)wl, spec);
    }
    /* A C that came out diagonal (C = c H^alpha of an unrotated H, say) takes
     * the cheap per-coordinate sampler and the engine's fused path. */
    if (!diagonal) {
        diagonal = 1;
        for (size_t i = 0; i < d && diagonal; i++)
            for (size_t j = 0; j < d; j++)
                if (i != j && cov->C[i * d + j] != 0) {
                    diagonal = 0;
                    break;
                }
    }
    if (diagonal) {
        cov->sdiag = fdr_malloc(d * sizeof *cov->sdiag);
        if (!cov->sdiag)
            return FDR_ENOMEM;
        for (size_t i = 0; i < d; i++) {
            if (cov->C[i * d + i] < 0)
                return fdr_config_error(cfg, sec, key,
                                        "not positive semi-definite (diagonal entry %zu is %g)",
                                        i + 1, cov->C[i * d + i]);
            cov->sdiag[i] = sqrt(cov->C[i * d + i]);
        }
        return FDR_OK;
    }
    return factor(cov, cfg, sec, key);
}

void fdr_covariance_map(const fdr_covariance *cov, size_t n, const double *U, double *Z)
{
    size_t d = cov->d;
    if (cov->sdiag) {
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < d; i++)
                Z[r * d + i] = U[r * d + i] * cov->sdiag[i];
        return;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)d, 1.0, U, (int)d,
                cov->S, (int)d, 0.0, Z, (int)d);
}

void fdr_covariance_sample(const fdr_covariance *cov, size_t n, double *Z, fdr_rng *const *rng,
                           double *work)
{
    size_t d = cov->d;
    double *U = cov->sdiag ? Z : work;
    for (size_t r = 0; r < n; r++)
        fdr_rng_normal(rng[r], U + r * d, d);
    fdr_covariance_map(cov, n, U, Z);
}
