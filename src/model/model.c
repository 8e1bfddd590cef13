/* model.c - reads and validates a whole experiment. */
#include "config.h"

#include "model/model.h"
#include "engine/engine.h"
#include "core/fdr.h"
#include "core/memory.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char fdr_default_model[] =
    "; built-in default: anisotropic rotated quadratic, d = 10, Gaussian noise, momentum 0.9\n"
    "[landscape]\n"
    "type = quadratic\n"
    "dim = 10\n"
    "spectrum = log 0.1 10\n"
    "rotation = random\n"
    "[noise]\n"
    "type = gaussian\n"
    "covariance = isotropic 1\n"
    "[optimizer]\n"
    "type = sgd\n"
    "lr = 0.05\n"
    "momentum = 0.9\n"
    "[run]\n"
    "replicas = 64\n"
    "steps = 20000\n"
    "seed = 1\n";


#ifdef HAVE_OPENBLAS
/* From OpenBLAS; declared here because its cblas.h clashes with GSL's. The
 * buffer pair is the allocator every BLAS call takes its work space from. */
void openblas_set_num_threads(int num_threads);
void *blas_memory_alloc(int procpos);
void blas_memory_free(void *buffer);
#endif

void fdr_blas_serial(void)
{
#ifdef HAVE_OPENBLAS
    openblas_set_num_threads(1);
#endif
}

/* OpenBLAS's work buffer (BUFFER_SIZE, 128 MiB on x86-64, plus a page in
 * Debian 12's 0.3.21) with some slack, per concurrent caller. */
#define BLAS_BUFFER_BYTES (130.0 * 1024 * 1024)

int fdr_blas_reserve(int threads)
{
#ifdef HAVE_OPENBLAS
    static int reserved; /* callers that already have a buffer in OpenBLAS's pool */
#ifdef _OPENMP
    if (threads < 1)
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    int rc = FDR_OK;
#ifdef _OPENMP
#pragma omp critical(fdr_blas_reserve)
#endif
    if (threads > reserved) {
        /* Each OpenMP thread besides the calling one also maps its stack. */
        struct rlimit st;
        double stack = getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY
                           ? (double)st.rlim_cur
                           : 8.0 * 1024 * 1024;
        int new_threads = threads - (reserved > 1 ? reserved : 1);
        double need = (threads - reserved) * BLAS_BUFFER_BYTES + new_threads * stack,
               room = fdr_address_headroom();
        if (room < need) {
            rc = fdr_error(FDR_ENOMEM,
                           "out of memory: OpenBLAS needs %.0f MB of address space for %d "
                           "thread%s but the limit (ulimit -v) leaves %.0f MB; raise the limit%s",
                           need / 1e6, threads, threads > 1 ? "s" : "", room / 1e6,
                           threads > 1 ? " or run on fewer threads (--threads)" : "");
        } else {
            /* Every thread holds a buffer until all have one, so the pool ends
             * up with `threads` of them; OpenBLAS keeps them for reuse. */
            int got = 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
            {
                void *b = blas_memory_alloc(0);
#ifdef _OPENMP
#pragma omp barrier
#pragma omp single
                got = omp_get_num_threads();
#endif
                blas_memory_free(b);
            }
            reserved = got > reserved ? got : reserved;
        }
    }
    return rc;
#else
    (void)threads;
    return FDR_OK;
#endif
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fdr_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* The [optimizer] keys besides type, lr and convention, each read only for
 * a type that takes it (optim.h, keys), with PyTorch's defaults. */
static const char *const optim_keys[] = {"momentum", "dampening", "alpha",   "beta1",
                                         "beta2",    "eps",       "centered", "amsgrad",
                                         "bias_correction", NULL};

static int takes(const fdr_optimizer_type *t, const char *key)
{
    const char *k = t->keys ? t->keys : "momentum dampening";
    size_t n = strlen(key);
    while (*k) {
        size_t len = strcspn(k, " ");
        if (len == n && strncmp(k, key, n) == 0)
            return 1;
        k += len + (k[len] == ' ');
    }
    return 0;
}

int fdr_model_optim_takes(const fdr_model *m, const char *key)
{
    return takes(m->opt, key);
}

/* A key's value in m, as a number (flags 0 or 1). */
static double optim_value(const fdr_model *m, const char *key)
{
    const char *const *k = optim_keys;
    const double val[] = {m->momentum, m->dampening, m->alpha,
                          m->beta1,    m->beta2,     m->eps,
                          m->centered, m->opt == &fdr_optim_amsgrad, m->bias_correction};
    for (size_t i = 0; k[i]; i++)
        if (strcmp(k[i], key) == 0)
            return val[i];
    return NAN;
}

void fdr_model_optim_describe(const fdr_model *m, char *buf, size_t n)
{
    int used = snprintf(buf, n, "%s, lr %g", m->opt->name, m->lr);
    for (const char *const *k = optim_keys; *k && used >= 0 && (size_t)used < n; k++)
        if (takes(m->opt, *k)) {
            int flag = strcmp(*k, "centered") == 0 || strcmp(*k, "amsgrad") == 0 ||
                       strcmp(*k, "bias_correction") == 0;
            double x = optim_value(m, *k);
            int w = flag ? snprintf(buf + used, n - (size_t)used, ", %s %s", *k,
                                    x != 0 ? "true" : "false")
                         : snprintf(buf + used, n - (size_t)used, ", %s %g", *k, x);
            used = w < 0 ? w : used + w;
        }
}

/* A flag key: true or false. */
static int read_flag(fdr_config *cfg, const char *key, int def, int *out)
{
    const char *text;
    int rc = fdr_config_string(cfg, "optimizer", key, def ? "true" : "false", &text);
    if (rc)
        return rc;
    if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
        return fdr_config_error(cfg, "optimizer", key, "'%s': expected true or false", text);
    *out = strcmp(text, "true") == 0;
    return FDR_OK;
}

/* A number key: > 0 and finite if positive, else in [0, 1). */
static int read_unit(fdr_config *cfg, const char *key, double def, int positive, double *out)
{
    int rc = fdr_config_double(cfg, "optimizer", key, def, out);
    if (rc)
        return rc;
    if (positive && !(*out > 0 && isfinite(*out)))
        return fdr_config_error(cfg, "optimizer", key, "must be > 0 and finite, got %g", *out);
    if (!positive && !(*out >= 0 && *out < 1))
        return fdr_config_error(cfg, "optimizer", key, "must be in [0, 1), got %g", *out);
    return FDR_OK;
}

static int read_optim_keys(fdr_model *m, fdr_config *cfg)
{
    int rc, ams = m->opt == &fdr_optim_amsgrad;
    for (const char *const *k = optim_keys; *k; k++)
        if (!takes(m->opt, *k) && fdr_config_has(cfg, "optimizer", *k)) {
            char keys[160] = "lr";
            for (const char *const *o = optim_keys; *o; o++)
                if (takes(m->opt, *o) && strlen(keys) + strlen(*o) + 3 < sizeof keys)
                    strcat(strcat(keys, ", "), *o);
            char hint[160];
            fdr_config_absent_hint(cfg, "optimizer", "type", hint, sizeof hint);
            return fdr_config_error(cfg, "optimizer", *k,
                                    "not a key of optimizer '%s' (its hyperparameters: %s)%s",
                                    m->opt->name, keys, hint);
        }
    m->bias_correction = 1;
    if ((takes(m->opt, "momentum") &&
         (rc = read_unit(cfg, "momentum", 0.0, 0, &m->momentum))) ||
        (takes(m->opt, "dampening") &&
         (rc = read_unit(cfg, "dampening", 0.0, 0, &m->dampening))) ||
        (takes(m->opt, "alpha") && (rc = read_unit(cfg, "alpha", 0.99, 0, &m->alpha))) ||
        (takes(m->opt, "beta1") && (rc = read_unit(cfg, "beta1", 0.9, 0, &m->beta1))) ||
        (takes(m->opt, "beta2") && (rc = read_unit(cfg, "beta2", 0.999, 0, &m->beta2))) ||
        (takes(m->opt, "eps") && (rc = read_unit(cfg, "eps", 1e-8, 1, &m->eps))) ||
        (takes(m->opt, "centered") && (rc = read_flag(cfg, "centered", 0, &m->centered))) ||
        (takes(m->opt, "amsgrad") && (rc = read_flag(cfg, "amsgrad", ams, &ams))) ||
        (takes(m->opt, "bias_correction") &&
         (rc = read_flag(cfg, "bias_correction", 1, &m->bias_correction))))
        return rc;
    if (m->opt == &fdr_optim_amsgrad && !ams)
        return fdr_config_error(cfg, "optimizer", "amsgrad",
                                "optimizer 'amsgrad' is adam with amsgrad = true (for plain Adam "
                                "set type = adam)");
    if (ams)
        m->opt = &fdr_optim_amsgrad;
    return FDR_OK;
}

/* [optimizer] preconditioner: the covariance syntax (hessian c alpha meaning
 * c H^-alpha), refused unless symmetric positive definite; then P^1/2 from
 * its eigendecomposition. */
static int read_preconditioner(fdr_model *m, fdr_config *cfg)
{
    size_t d = m->land->dim;
    fdr_covariance cov;
    int rc = fdr_preconditioner_parse_key(&cov, cfg, "optimizer", "preconditioner", m->land);
    double *w = fdr_malloc(d * sizeof *w), *V = fdr_malloc(d * d * sizeof *V);
    m->precond_mem = fdr_calloc(2 * d * d + d, sizeof *m->precond_mem);
    if (rc == FDR_OK && (!w || !V || !m->precond_mem))
        rc = FDR_ENOMEM;
    for (size_t k = 0; rc == FDR_OK && k < d * d; k++)
        if (!isfinite(cov.C[k]))
            rc = fdr_config_error(cfg, "optimizer", "preconditioner", "has a non-finite entry");
    if (rc == FDR_OK)
        rc = fdr_sym_eigen(d, cov.C, w, V);
    /* Definite to rounding: the smallest eigenvalue above 1e-13 of the largest. */
    if (rc == FDR_OK && !(w[d - 1] > 1e-13 * w[0]))
        rc = fdr_config_error(cfg, "optimizer", "preconditioner",
                              "not positive definite (smallest eigenvalue %g, largest %g): a "
                              "preconditioner must be symmetric positive definite",
                              w[d - 1], w[0]);
    if (rc == FDR_OK) {
        double *P = m->precond_mem, *half = P + d * d, *diag = half + d * d;
        memcpy(P, cov.C, d * d * sizeof *P);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = 0;
                for (size_t k = 0; k < d; k++)
                    s += V[i * d + k] * sqrt(w[k]) * V[j * d + k];
                half[i * d + j] = half[j * d + i] = s;
            }
        if (cov.sdiag)
            for (size_t i = 0; i < d; i++) {
                diag[i] = P[i * d + i];
                for (size_t j = 0; j < d; j++)
                    half[i * d + j] = i == j ? sqrt(diag[i]) : 0;
            }
        m->precond = (fdr_preconditioner){d, P, cov.sdiag ? diag : NULL, half};
    }
    free(w);
    free(V);
    fdr_covariance_clear(&cov);
    return rc;
}

static int read_optimizer(fdr_model *m, fdr_config *cfg)
{
    int rc;
    const char *tname;
    if ((rc = fdr_config_string(cfg, "optimizer", "type", fdr_optimizer_types[0]->name, &tname)))
        return rc;
    if (!(m->opt = fdr_optimizer_type_find(tname))) {
        char names[256];
        fdr_optimizer_type_names(names, sizeof names);
        return fdr_config_error(cfg, "optimizer", "type", "unknown optimizer '%s' (known: %s)",
                                tname, names);
    }
    if ((rc = fdr_config_double(cfg, "optimizer", "lr", NAN, &m->lr)))
        return rc;
    if (isnan(m->lr))
        return fdr_config_missing(cfg, "optimizer", "lr");
    if (m->lr <= 0)
        return fdr_config_error(cfg, "optimizer", "lr", "must be > 0, got %g", m->lr);
    if ((rc = read_optim_keys(m, cfg)))
        return rc;
    const char *conv;
    const enum fdr_convention own = m->opt->carry ? FDR_CONVENTION_PAPER : m->opt->native;
    if ((rc = fdr_config_string(cfg, "optimizer", "convention", fdr_convention_names[own], &conv)))
        return rc;
    size_t k = 0;
    while (fdr_convention_names[k] && strcmp(fdr_convention_names[k], conv) != 0)
        k++;
    if (!fdr_convention_names[k])
        return fdr_config_error(cfg, "optimizer", "convention",
                                "'%s': expected paper or pytorch (the velocity carried over a "
                                "change of lr)",
                                conv);
    m->convention = (enum fdr_convention)k;
    if (m->convention != own && !m->opt->carry)
        return fdr_config_error(cfg, "optimizer", "convention",
                                "optimizer '%s' has only the %s convention (its state fixes "
                                "how momentum is carried over a change of lr), not '%s'",
                                m->opt->name, fdr_convention_names[own], conv);
    if (m->opt->needs_momentum && !(m->momentum > 0))
        return fdr_config_error(cfg, "optimizer", "momentum",
                                "must be > 0 for optimizer '%s' (without momentum it is plain "
                                "sgd), got %g",
                                m->opt->name, m->momentum);
    if (m->opt->undamped && m->dampening != 0)
        return fdr_config_error(cfg, "optimizer", "dampening",
                                "must be 0 for optimizer '%s' (its update has no dampening, as "
                                "PyTorch's), got %g",
                                m->opt->name, m->dampening);
    if (m->opt->fdr1_gradient_factor && !m->noise->C)
        return fdr_config_error(cfg, "optimizer", "type",
                                "'%s' needs a noise of constant covariance: its FDR1 contains "
                                "<Tr C(theta)>, which is not measured (noise '%s' depends on "
                                "theta)",
                                m->opt->name, m->noise->type->name);
    if (m->opt->preconditioner && (rc = read_preconditioner(m, cfg)))
        return rc;
    fdr_optim_params p = fdr_model_optim_params(m);
    double mu, dc[2];
    if (!m->opt->heavy_ball(&p, m->lr, &mu, &m->eta_b))
        m->eta_b = m->opt->dissipation(&p, m->lr, dc) ? dc[0] : m->lr;
    return FDR_OK;
}

/* [optimizer] groups = NAME:A-B NAME:C ... (inclusive index ranges, a
 * partition of 0 .. d-1 in coordinate order) and group_lr = one lr per
 * group (default: every group at lr). Only for a heavy-ball type without
 * per-coordinate state: the engine steps each group with the type's own
 * update at the group's rate. */
static int read_groups(fdr_model *m, fdr_config *cfg)
{
    const char *text;
    int rc;
    if ((rc = fdr_config_string(cfg, "optimizer", "groups", "", &text)))
        return rc;
    if (!*text) {
        if (fdr_config_has(cfg, "optimizer", "group_lr"))
            return fdr_config_error(cfg, "optimizer", "group_lr",
                                    "needs [optimizer] groups (the groups it gives rates to)");
        return FDR_OK;
    }
    fdr_optim_params p = fdr_model_optim_params(m);
    double mu, eta;
    if (!m->opt->heavy_ball(&p, m->lr, &mu, &eta) || m->opt->state_size || m->opt->precondition)
        return fdr_config_error(cfg, "optimizer", "groups",
                                "per-group learning rates need a heavy-ball optimizer without "
                                "per-coordinate state (sgd), not '%s'",
                                m->opt->name);
    size_t d = m->land->dim, next = 0;
    const char *s = text;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        const char *tok = s;
        size_t len = strcspn(s, " \t");
        s += len;
        const char *colon = memchr(tok, ':', len);
        size_t nlen = colon ? (size_t)(colon - tok) : 0;
        int ok = colon && nlen > 0 && nlen < sizeof m->groups[0].name &&
                 (isalpha((unsigned char)tok[0]) || tok[0] == '_');
        for (size_t i = 1; ok && i < nlen; i++)
            ok = isalnum((unsigned char)tok[i]) || tok[i] == '_';
        long a = -1, b = -1;
        char range[64];
        size_t rlen = colon ? len - nlen - 1 : 0;
        if (ok && rlen > 0 && rlen < sizeof range) {
            memcpy(range, colon + 1, rlen);
            range[rlen] = 0;
            char *dash = strchr(range + 1, '-');
            if (dash)
                *dash = 0;
            ok = fdr_parse_long(range, 0, LONG_MAX, &a) == FDR_OK &&
                 (!dash || fdr_parse_long(dash + 1, 0, LONG_MAX, &b) == FDR_OK);
            if (!dash)
                b = a;
        } else {
            ok = 0;
        }
        if (!ok)
            return fdr_config_error(cfg, "optimizer", "groups",
                                    "'%.*s': expected NAME:A-B or NAME:A (NAME letters, digits "
                                    "and _, at most %zu characters, not starting with a digit; "
                                    "A <= B coordinate indices from 0)",
                                    (int)len, tok, sizeof m->groups[0].name - 1);
        if (m->ngroups == FDR_MAX_GROUPS)
            return fdr_config_error(cfg, "optimizer", "groups", "more than %d groups",
                                    FDR_MAX_GROUPS);
        fdr_group *g = &m->groups[m->ngroups];
        memcpy(g->name, tok, nlen);
        g->name[nlen] = 0;
        for (size_t k = 0; k < m->ngroups; k++)
            if (strcmp(m->groups[k].name, g->name) == 0)
                return fdr_config_error(cfg, "optimizer", "groups", "group '%s' given twice",
                                        g->name);
        if (b < a)
            return fdr_config_error(cfg, "optimizer", "groups",
                                    "group '%s': range %ld-%ld runs backwards", g->name, a, b);
        if ((size_t)b >= d)
            return fdr_config_error(cfg, "optimizer", "groups",
                                    "group '%s': range %ld-%ld is beyond the last coordinate "
                                    "%zu (the landscape has dim %zu)",
                                    g->name, a, b, d - 1, d);
        if ((size_t)a < next)
            return fdr_config_error(cfg, "optimizer", "groups",
                                    "group '%s': coordinate %ld is also in group '%s' (the "
                                    "groups must not overlap, and are listed in coordinate order)",
                                    g->name, a, m->groups[m->ngroups - 1].name);
        if ((size_t)a > next)
            return fdr_config_error(cfg, "optimizer", "groups",
                                    "coordinates %zu-%ld are in no group (the groups must cover "
                                    "0-%zu, listed in coordinate order)",
                                    next, a - 1, d - 1);
        g->first = (size_t)a;
        g->count = (size_t)(b - a + 1);
        g->lr = m->lr;
        next = (size_t)b + 1;
        m->ngroups++;
    }
    if (m->ngroups == 0)
        return fdr_config_error(cfg, "optimizer", "groups", "is empty (leave it out for one lr)");
    if (next < d)
        return fdr_config_error(cfg, "optimizer", "groups",
                                "coordinates %zu-%zu are in no group (the groups must cover 0-%zu)",
                                next, d - 1, d - 1);
    if (!fdr_config_has(cfg, "optimizer", "group_lr"))
        return FDR_OK;
    if (m->ngroups == 1)
        return fdr_config_error(cfg, "optimizer", "group_lr",
                                "one group runs at [optimizer] lr: set that instead");
    double lr[FDR_MAX_GROUPS];
    if ((rc = fdr_config_vector(cfg, "optimizer", "group_lr", m->ngroups, NAN, lr)))
        return rc;
    for (size_t k = 0; k < m->ngroups; k++) {
        if (!(lr[k] > 0 && isfinite(lr[k])))
            return fdr_config_error(cfg, "optimizer", "group_lr",
                                    "group '%s': must be a finite number > 0, got %g",
                                    m->groups[k].name, lr[k]);
        m->groups[k].lr = lr[k];
    }
    return FDR_OK;
}

/* [transfer]: the transfer operator's grid (every key optional; 0 in o
 * means its default), read by every command since any may compute the exact
 * law from it (exact.h). */
static int read_transfer(fdr_transfer_opts *o, fdr_config *cfg)
{
    const char *kernel;
    long cells = 2048;
    int rc = fdr_config_string(cfg, "transfer", "kernel", "auto", &kernel);
    if (rc == FDR_OK) {
        if (strcmp(kernel, "auto") == 0)
            o->kernel = FDR_TRANSFER_AUTO;
        else if (strcmp(kernel, "point") == 0)
            o->kernel = FDR_TRANSFER_POINT;
        else if (strcmp(kernel, "cell") == 0)
            o->kernel = FDR_TRANSFER_CELL;
        else
            rc = fdr_config_error(cfg, "transfer", "kernel", "'%s': expected auto, point or cell",
                                  kernel);
    }
    static const char *const pos[] = {"spacing", "energy", "pad"};
    double *posv[] = {&o->spacing, &o->energy, &o->pad};
    for (size_t k = 0; rc == FDR_OK && k < 3; k++) {
        rc = fdr_config_double(cfg, "transfer", pos[k], 0, posv[k]);
        if (rc == FDR_OK && (!(*posv[k] > 0) || !isfinite(*posv[k])) &&
            fdr_config_has(cfg, "transfer", pos[k]))
            rc = fdr_config_error(cfg, "transfer", pos[k], "%g: must be a positive number",
                                  *posv[k]);
    }
    if (rc == FDR_OK)
        rc = fdr_config_double(cfg, "transfer", "lo", 0, &o->lo);
    if (rc == FDR_OK)
        rc = fdr_config_double(cfg, "transfer", "hi", 0, &o->hi);
    if (rc == FDR_OK && (fdr_config_has(cfg, "transfer", "lo") ||
                         fdr_config_has(cfg, "transfer", "hi")) &&
        !(isfinite(o->lo) && isfinite(o->hi) && o->lo < o->hi))
        rc = fdr_config_error(cfg, "transfer", fdr_config_has(cfg, "transfer", "hi") ? "hi" : "lo",
                              "the domain needs both lo and hi, finite, with lo < hi (got "
                              "[%g, %g])",
                              o->lo, o->hi);
    if (rc == FDR_OK)
        rc = fdr_config_long(cfg, "transfer", "max_cells", 2048, &cells);
    if (rc == FDR_OK && (cells < 16 || cells > 20000))
        rc = fdr_config_error(cfg, "transfer", "max_cells", "%ld: must be between 16 and 20000",
                              cells);
    if (rc == FDR_OK)
        o->max_cells = (size_t)cells;
    return rc;
}

static int read_run(fdr_model *m, fdr_config *cfg)
{
    int rc;
    const char *burn, *init, *fdr2;
    long order;
    if ((rc = fdr_config_long(cfg, "run", "replicas", 64, &m->replicas)) ||
        (rc = fdr_config_long(cfg, "run", "steps", 10000, &m->steps)) ||
        (rc = fdr_config_long(cfg, "run", "record_every", 0, &m->record_every)) ||
        (rc = fdr_config_uint64(cfg, "run", "seed", 1, &m->seed)) ||
        (rc = fdr_config_string(cfg, "run", "burn_in", "half", &burn)) ||
        (rc = fdr_config_string(cfg, "run", "init", "zero", &init)) ||
        (rc = fdr_config_long(cfg, "run", "tensor_directions", 8, &m->tensor_directions)) ||
        (rc = fdr_config_long(cfg, "run", "tensor_full_max", 50, &m->tensor_full_max)) ||
        (rc = fdr_config_double(cfg, "run", "threshold", 4.0, &m->threshold)) ||
        (rc = fdr_config_string(cfg, "run", "fdr2", "on", &fdr2)) ||
        (rc = fdr_config_long(cfg, "run", "fdr2_order", 6, &order)))
        return rc;
    if (strcmp(fdr2, "on") != 0 && strcmp(fdr2, "off") != 0)
        return fdr_config_error(cfg, "run", "fdr2", "'%s': expected on or off", fdr2);
    m->fdr2 = strcmp(fdr2, "on") == 0;
    /* The FDR2 terms need the dissipation as a combination of <|grad f|^2>
     * (in the metric of the type's precondition) and <v . grad f>; the
     * noise part of F2 with a preconditioner, Tr(H P C P), a constant C. */
    fdr_optim_params p = fdr_model_optim_params(m);
    double dc[2];
    if (m->fdr2 && !m->opt->dissipation(&p, m->lr, dc))
        return fdr_config_error(cfg, "run", "fdr2",
                                "the FDR2 terms need an optimizer whose dissipation is a "
                                "combination of <|grad f|^2> and <v . grad f>, not '%s' (set "
                                "fdr2 = off)",
                                m->opt->name);
    if (m->fdr2 && m->opt->precondition && !m->noise->C)
        return fdr_config_error(cfg, "run", "fdr2",
                                "optimizer '%s' needs a noise of constant covariance for the "
                                "FDR2 terms (their noise part is Tr(H P C P)), not '%s', whose "
                                "covariance depends on theta (set fdr2 = off)",
                                m->opt->name, m->noise->type->name);
    if (order < 2 || order > FDR_KMAX_ORDER)
        return fdr_config_error(cfg, "run", "fdr2_order", "must be between 2 and %d, got %ld",
                                FDR_KMAX_ORDER, order);
    m->fdr2_order = (int)order;
    if (m->replicas < 2 || m->replicas > 1000000)
        return fdr_config_error(cfg, "run", "replicas",
                                "must be between 2 and 1000000 (error bars need two), got %ld",
                                m->replicas);
    if (m->steps < 32 || m->steps > 1000000000L)
        return fdr_config_error(cfg, "run", "steps", "must be between 32 and 1e9, got %ld",
                                m->steps);
    if (m->record_every == 0)
        m->record_every = m->steps > 2000 ? m->steps / 1000 : 1;
    if (m->record_every < 0 || m->record_every > m->steps)
        return fdr_config_error(cfg, "run", "record_every", "must be between 1 and steps, got %ld",
                                m->record_every);
    if (strcmp(burn, "half") == 0) {
        m->burn_half = 1;
        m->burn_in = m->steps / 2;
    } else {
        char *end;
        m->burn_in = strtol(burn, &end, 10);
        if (*end || end == burn || m->burn_in < 0 || m->burn_in > m->steps - 16)
            return fdr_config_error(cfg, "run", "burn_in",
                                    "'%s': expected 'half' or a step count between 0 and "
                                    "steps - 16",
                                    burn);
    }
    if (strcmp(init, "zero") == 0) {
        m->init = FDR_INIT_ZERO;
    } else if (strcmp(init, "minimum") == 0) {
        m->init = FDR_INIT_MINIMUM;
    } else {
        char *end;
        m->init = FDR_INIT_OFFSET;
        m->init_offset = strtod(init, &end);
        if (*end || end == init || !isfinite(m->init_offset))
            return fdr_config_error(cfg, "run", "init",
                                    "'%s': expected zero, minimum or a number (offset from the "
                                    "minimum in every coordinate)",
                                    init);
    }
    if (m->tensor_directions < 0 || m->tensor_directions > 1000)
        return fdr_config_error(cfg, "run", "tensor_directions", "must be between 0 and 1000");
    if (m->tensor_full_max < 0 || m->tensor_full_max > 200)
        return fdr_config_error(cfg, "run", "tensor_full_max", "must be between 0 and 200");
    /* Such a type's tensor FDR1 would need <g_i g_j>, which is not measured;
     * a preconditioned type's needs P g, which the engine has only from a
     * type's precondition. */
    if (m->opt->fdr1_gradient_factor || (m->opt->fdr1_metric && !m->opt->precondition))
        m->tensor_directions = m->tensor_full_max = 0;
    if (!(m->threshold > 0))
        return fdr_config_error(cfg, "run", "threshold", "must be > 0");
    return FDR_OK;
}

/* 1 if all n entries of x are finite. */
static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* Checks that step 0 is finite whatever the learning rate: the starting
 * point, the loss and gradient there, and a draw of the noise. Parameters
 * out of floating-point range (a minimum at 1e200, a gamma shape 4 /
 * skewness^2 that overflows) are reported here, naming their section,
 * rather than by the engine as a divergence that lowering the learning rate
 * cannot cure. Laws with per-replica state (prepare) are not drawn from:
 * that state is not set up yet. */
static int check_start(const fdr_model *m, fdr_config *cfg)
{
    size_t d = m->land->dim;
    const char *init = m->init == FDR_INIT_ZERO ? "zero" : m->init == FDR_INIT_MINIMUM ? "minimum"
                                                                                       : "offset";
    double *x = fdr_malloc(3 * d * sizeof *x);
    if (!x)
        return FDR_ENOMEM;
    double *g = x + d, *z = x + 2 * d;
    int rc = FDR_OK;
    fdr_engine_initial(m, x);
    if (!all_finite(x, d)) {
        rc = fdr_config_error(cfg, "run", "init",
                              "the starting point theta_0 (%s) is not finite: choose a smaller "
                              "offset",
                              init);
    } else {
        double f = fdr_landscape_value(m->land, x);
        fdr_landscape_gradient(m->land, x, g);
        if (!isfinite(f) || !all_finite(g, d))
            rc = fdr_error(FDR_EINVAL,
                           "%s: [landscape]: the loss or its gradient is not finite at the "
                           "starting point theta_0 ([run] init = %s): a [landscape] key is out "
                           "of floating-point range there; start nearer the minimum ([run] init "
                           "= minimum) or scale the landscape down",
                           m->source, init);
    }
    if (rc == FDR_OK && !m->noise->type->prepare) {
        fdr_rng *rng = fdr_rng_alloc(m->seed, 0);
        double *work = fdr_malloc(d * sizeof *work);
        if (!rng || !work)
            rc = fdr_error(FDR_ENOMEM, "out of memory");
        else
            m->noise->type->sample(m->noise->state, 1, 0, 0, x, z, &rng, work);
        if (rc == FDR_OK && !all_finite(z, d))
            rc = fdr_error(FDR_EINVAL,
                           "%s: [noise]: the noise drawn at the starting point is not finite: a "
                           "[noise] key (type %s) is out of floating-point range",
                           m->source, m->noise->type->name);
        free(work);
        fdr_rng_free(rng);
    }
    free(x);
    return rc;
}

fdr_model *fdr_model_alloc(fdr_config *cfg, const char *name)
{
    fdr_blas_serial();
    if (fdr_blas_reserve(1) != FDR_OK || fdr_memory_check(cfg, 0) != FDR_OK)
        return NULL;
    fdr_model *m = fdr_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = dupstr(name);
    m->source = dupstr(fdr_config_name(cfg));
    const double *shifts;
    size_t nshift;
    if (!m->name || !m->source || !(m->land = fdr_landscape_alloc(cfg)) ||
        !(m->noise = fdr_noise_alloc(cfg, m->land)) ||
        (fdr_minibatch_shifts(m->noise, &shifts, &nshift) &&
         fdr_landscape_average(m->land, shifts, nshift) != FDR_OK) ||
        read_optimizer(m, cfg) || read_groups(m, cfg) ||
        read_run(m, cfg) || read_transfer(&m->transfer, cfg) || fdr_config_check_unused(cfg) || check_start(m, cfg) ||
        (m->noise->type->prepare &&
         m->noise->type->prepare(m->noise->state, (size_t)m->replicas) != FDR_OK)) {
        fdr_model_free(m);
        return NULL;
    }
    return m;
}

void fdr_model_free(fdr_model *m)
{
    if (!m)
        return;
    free(m->precond_mem);
    fdr_noise_free(m->noise);
    fdr_landscape_free(m->land);
    free(m->name);
    free(m->source);
    free(m);
}
