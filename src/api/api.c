/* api.c - the public API (src/fdrsim.h) over the internal library: a model
 * handle keeps the parsed model file and the model, a results handle the
 * exact references, the engine's result and its analysis. Nothing else of
 * libfdrsim is exported (-fvisibility=hidden, Makefile.am). */
#include "fdrsim.h"

#include "config.h"
#include "config/cfg.h"
#include "core/fdr.h"
#include "engine/engine.h"
#include "exact/exact.h"
#include "model/model.h"
#include "stats/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)FDRSIM_OK == (int)FDR_OK && (int)FDRSIM_EINVAL == (int)FDR_EINVAL &&
                   (int)FDRSIM_ENOMEM == (int)FDR_ENOMEM &&
                   (int)FDRSIM_EUNSTABLE == (int)FDR_EUNSTABLE &&
                   (int)FDRSIM_EDIVERGED == (int)FDR_EDIVERGED && (int)FDRSIM_EIO == (int)FDR_EIO &&
                   (int)FDRSIM_EFAIL == (int)FDR_EFAIL,
               "the public status codes are the library's");

struct fdrsim_model {
    fdr_config *cfg;
    fdr_model *m;
};

struct fdrsim_results {
    fdr_exact e;
    fdr_result *r;
    fdr_analysis a;
};

const char *fdrsim_version(void)
{
    return PACKAGE_VERSION;
}

const char *fdrsim_errmsg(void)
{
    return fdr_error_message();
}

/* Applies the overrides to cfg and builds the model; frees cfg on failure. */
static int model_build(fdr_config *cfg, const char *name, const char *const *sets, size_t nsets,
                       fdrsim_model **out)
{
    if (!cfg)
        return fdr_error_status();
    int rc = FDR_OK;
    for (size_t i = 0; rc == FDR_OK && i < nsets; i++)
        rc = sets[i] ? fdr_config_set(cfg, sets[i])
                     : fdr_error(FDR_EINVAL, "override %zu of %zu is NULL", i + 1, nsets);
    fdrsim_model *h = rc == FDR_OK ? fdr_calloc(1, sizeof *h) : NULL;
    if (h && !(h->m = fdr_model_alloc(cfg, name))) {
        free(h);
        h = NULL;
    }
    if (!h) {
        fdr_config_free(cfg);
        return rc != FDR_OK ? rc : fdr_error_status();
    }
    h->cfg = cfg;
    *out = h;
    return FDR_OK;
}

int fdrsim_model_from_string(const char *ini, const char *name, const char *const *sets,
                             size_t nsets, fdrsim_model **out)
{
    fdr_error_clear();
    if (!ini || !out)
        return fdr_error(FDR_EINVAL, "fdrsim_model_from_string: NULL argument");
    *out = NULL;
    const char *label = name ? name : "<string>";
    return model_build(fdr_config_parse_string(ini, label), label, sets, nsets, out);
}

int fdrsim_model_from_file(const char *path, const char *const *sets, size_t nsets,
                           fdrsim_model **out)
{
    fdr_error_clear();
    if (!path || !out)
        return fdr_error(FDR_EINVAL, "fdrsim_model_from_file: NULL argument");
    *out = NULL;
    char name[256];
    fdr_config_display_name(path, name, sizeof name);
    return model_build(fdr_config_load(path), name, sets, nsets, out);
}

/* Appends a matrix to the INI text at *p: each number on an indented
 * continuation line (a line holds at most 199 bytes), read back exactly. */
static char *put_matrix(char *p, const char *key, const char *prefix, size_t n, const double *A)
{
    p += sprintf(p, "%s = %s\n", key, prefix);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "  %.17g\n", A[i]);
    return p;
}

int fdrsim_model_quadratic(size_t dim, const double *H, const double *C, const char *optimizer,
                           double lr, const char *const *sets, size_t nsets, fdrsim_model **out)
{
    fdr_error_clear();
    if (!H || !C || !optimizer || !out)
        return fdr_error(FDR_EINVAL, "fdrsim_model_quadratic: NULL argument");
    *out = NULL;
    if (dim < 1 || dim > 1000)
        return fdr_error(FDR_EINVAL, "fdrsim_model_quadratic: dim must be between 1 and 1000, "
                                     "got %zu", dim);
    if (strlen(optimizer) > 64 || strpbrk(optimizer, "\n\r;#[]= \t") || !*optimizer)
        return fdr_error(FDR_EINVAL, "fdrsim_model_quadratic: '%.64s' is not an optimizer name",
                         optimizer);
    for (size_t i = 0; i < dim * dim; i++)
        if (!isfinite(H[i]) || !isfinite(C[i]))
            return fdr_error(FDR_EINVAL, "fdrsim_model_quadratic: %s[%zu] is not finite",
                             isfinite(H[i]) ? "C" : "H", i);
    /* 28 bytes per number at most ("  " + 24 + "\n"), and the keys */
    char *text = fdr_malloc(2 * dim * dim * 28 + 512);
    if (!text)
        return FDR_ENOMEM;
    char *p = text;
    p += sprintf(p, "[landscape]\ntype = quadratic\ndim = %zu\n", dim);
    p = put_matrix(p, "hessian", "", dim * dim, H);
    p += sprintf(p, "[noise]\ntype = gaussian\n");
    p = put_matrix(p, "covariance", "matrix", dim * dim, C);
    sprintf(p, "[optimizer]\ntype = %s\nlr = %.17g\n", optimizer, lr);
    int rc = model_build(fdr_config_parse_string(text, "<fdrsim_model_quadratic>"), "quadratic",
                         sets, nsets, out);
    free(text);
    return rc;
}

void fdrsim_model_free(fdrsim_model *h)
{
    if (!h)
        return;
    fdr_model_free(h->m);
    fdr_config_free(h->cfg);
    free(h);
}

size_t fdrsim_model_dim(const fdrsim_model *h)
{
    return h ? h->m->land->dim : 0;
}

void fdrsim_results_free(fdrsim_results *res)
{
    if (!res)
        return;
    fdr_analysis_clear(&res->a);
    fdr_result_free(res->r);
    fdr_exact_clear(&res->e);
    free(res);
}

int fdrsim_run(const fdrsim_model *h, int threads, fdrsim_results **out)
{
    fdr_error_clear();
    if (!h || !out)
        return fdr_error(FDR_EINVAL, "fdrsim_run: NULL argument");
    *out = NULL;
    if (threads < 0)
        return fdr_error(FDR_EINVAL, "fdrsim_run: threads must be >= 0, got %d", threads);
    fdrsim_results *res = fdr_calloc(1, sizeof *res);
    if (!res)
        return FDR_ENOMEM;
    const fdr_model *m = h->m;
    int rc = fdr_exact_compute(m, &res->e);
    if (rc == FDR_OK)
        rc = fdr_engine_run(m, threads, NULL, &res->r);
    if (rc == FDR_OK)
        rc = fdr_exact_tensor(m, &res->e, res->r->tensor_full, res->r->ntens, res->r->dirs);
    if (rc == FDR_OK)
        rc = fdr_analyse(m, res->r, &res->e, &res->a);
    if (rc != FDR_OK) {
        fdrsim_results_free(res);
        return rc;
    }
    *out = res;
    return FDR_OK;
}

int fdrsim_results_all_pass(const fdrsim_results *res)
{
    return res && res->a.all_pass;
}

size_t fdrsim_results_nrelations(const fdrsim_results *res)
{
    return res ? res->a.nrel : 0;
}

static const fdr_relation *relation(const fdrsim_results *res, size_t i)
{
    if (!res || i >= res->a.nrel) {
        fdr_error(FDR_EINVAL, "relation %zu: out of range (%zu relations)", i,
                  res ? res->a.nrel : 0);
        return NULL;
    }
    return &res->a.rel[i];
}

static void put(double *p, double v)
{
    if (p)
        *p = v;
}

const char *fdrsim_relation_name(const fdrsim_results *res, size_t i)
{
    const fdr_relation *x = relation(res, i);
    return x ? x->name : NULL;
}

int fdrsim_relation_sides(const fdrsim_results *res, size_t i, double *lhs, double *lhs_err,
                          double *rhs, double *rhs_err, double *lhs_exact, double *rhs_exact)
{
    const fdr_relation *x = relation(res, i);
    if (!x)
        return FDR_EINVAL;
    put(lhs, x->lhs.val);
    put(lhs_err, x->lhs.err);
    put(rhs, x->rhs.val);
    put(rhs_err, x->rhs.err);
    put(lhs_exact, x->lhs_exact);
    put(rhs_exact, x->rhs_exact);
    return FDR_OK;
}

int fdrsim_relation_verdict(const fdrsim_results *res, size_t i, double *z, int *verdict,
                            int *identity)
{
    const fdr_relation *x = relation(res, i);
    if (!x)
        return FDR_EINVAL;
    put(z, x->z);
    if (verdict)
        *verdict = x->verdict == FDR_PASS   ? FDRSIM_PASS
                   : x->verdict == FDR_FAIL ? FDRSIM_FAIL
                                            : FDRSIM_UNRESOLVED;
    if (identity)
        *identity = x->identity;
    return FDR_OK;
}

size_t fdrsim_results_nobservables(const fdrsim_results *res)
{
    return res ? FDR_NSTATE_OBS : 0;
}

const char *fdrsim_observable_name(const fdrsim_results *res, size_t i)
{
    return res && i < FDR_NSTATE_OBS ? res->a.obs[i].key : NULL;
}

int fdrsim_observable(const fdrsim_results *res, size_t i, double *value, double *err,
                      double *exact)
{
    if (!res || i >= FDR_NSTATE_OBS)
        return fdr_error(FDR_EINVAL, "observable %zu: out of range (%d observables)", i,
                         FDR_NSTATE_OBS);
    put(value, res->a.obs[i].est.val);
    put(err, res->a.obs[i].est.err);
    put(exact, res->a.obs[i].exact);
    return FDR_OK;
}
