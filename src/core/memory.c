/* memory.c - the memory estimate of a run and the memory the machine has
 * (see memory.h; the formula is documented in README, "Memory"). */
#include "core/memory.h"
#include "engine/engine.h"
#include "core/fdr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The value of "Key:   N kB" in a /proc file, in bytes, or -1. */
static double proc_kb(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    size_t n = strlen(key);
    double v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            v = 1024 * strtod(line + n + 1, NULL);
            break;
        }
    fclose(f);
    return v;
}

/* The room under one soft resource limit given what is in use, HUGE_VAL
 * when unlimited or when the use cannot be read. */
static double limit_room(int resource, const char *status_key)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return HUGE_VAL;
    double used = proc_kb("/proc/self/status", status_key);
    if (used < 0)
        return HUGE_VAL;
    return fmax(0, (double)rl.rlim_cur - used);
}

double fdr_address_headroom(void)
{
    return fmin(limit_room(RLIMIT_AS, "VmSize"), limit_room(RLIMIT_DATA, "VmData"));
}

double fdr_memory_available(void)
{
    double avail = proc_kb("/proc/meminfo", "MemAvailable");
    if (avail < 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && size > 0 ? (double)pages * (double)size : HUGE_VAL;
    }
    return fmin(avail, fdr_address_headroom());
}

/* A key's value as a number without recording anything: def when the key is
 * absent, NAN when it does not parse (validation reports that later). */
static double key_number(fdr_config *cfg, const char *sec, const char *key, double def)
{
    const char *s;
    if (!fdr_config_has(cfg, sec, key))
        return def;
    if (fdr_config_string(cfg, sec, key, "", &s) != FDR_OK) {
        fdr_error_clear();
        return NAN;
    }
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(v) && v >= 0 ? v : NAN;
}

/* One term of the estimate, with the key a user lowers to shrink it. */
typedef struct {
    double doubles;
    const char *sec, *key;
} term;

int fdr_memory_check(fdr_config *cfg, int setup_only)
{
    const char *type = "";
    if (fdr_config_has(cfg, "landscape", "type") &&
        fdr_config_string(cfg, "landscape", "type", "", &type) != FDR_OK) {
        fdr_error_clear();
        return FDR_OK;
    }
    const char *noise = "gaussian";
    if (fdr_config_has(cfg, "noise", "type") &&
        fdr_config_string(cfg, "noise", "type", "", &noise) != FDR_OK) {
        fdr_error_clear();
        return FDR_OK;
    }
    double d = key_number(cfg, "landscape", "dim", 1);
    double N = strcmp(type, "regression") == 0 ? key_number(cfg, "landscape", "samples", 0) : 0;
    /* Minibatch noise draws from the regression's data or from its own
     * shifted copies of the landscape. */
    int minibatch = strcmp(noise, "minibatch") == 0;
    double Nmb = !minibatch ? 0 : N > 0 ? N : key_number(cfg, "noise", "samples", 0);
    double R = key_number(cfg, "run", "replicas", 64), T = key_number(cfg, "run", "steps", 10000);
    double every = key_number(cfg, "run", "record_every", 0);
    double full_max = key_number(cfg, "run", "tensor_full_max", 50);
    double dirs = key_number(cfg, "run", "tensor_directions", 8);
    if (isnan(d) || isnan(N) || isnan(Nmb) || isnan(R) || isnan(T) || isnan(every) ||
        isnan(full_max) || isnan(dirs))
        return FDR_OK;
    const char *fdr2 = "on";
    if (fdr_config_has(cfg, "run", "fdr2") &&
        fdr_config_string(cfg, "run", "fdr2", "on", &fdr2) != FDR_OK)
        fdr_error_clear();
    int fdr2_on = strcmp(fdr2, "off") != 0;
    /* The optimizer type's per-replica rows (its state, P^-1 v, P grad f)
     * and a preconditioner's d x d matrices (P, P^1/2, and at set-up its
     * parse, eigenvectors and the exact reference's P^1/2 H P^1/2, P^1/2 C
     * P^1/2 with their scratch). */
    const char *oname = fdr_optimizer_types[0]->name;
    if (fdr_config_has(cfg, "optimizer", "type") &&
        fdr_config_string(cfg, "optimizer", "type", "", &oname) != FDR_OK)
        fdr_error_clear();
    const fdr_optimizer_type *opt = fdr_optimizer_type_find(oname);
    double opt_rows = opt ? (double)opt->state_size + (opt->fdr1_metric != NULL) +
                                (opt->precondition != NULL)
                          : 0;
    double opt_dd = opt && opt->preconditioner ? 8 : 0;
    int const_hessian = strcmp(type, "quadratic") == 0 || strcmp(type, "regression") == 0;
    if (every < 1)
        every = T > 2000 ? floor(T / 1000) : 1;
    double units = R >= 16 ? R : R * FDR_NBATCH, blocks = ceil(R / 8);
    double ntens = d <= full_max ? d * (d + 1) / 2 : dirs;
    /* In doubles. Set-up: the dense d x d matrices alive at once (Hessian,
     * rotation and its QR factors, noise covariance, the eigendecomposition
     * and the exact second moments: 12 measured at d = 1500) and the
     * regression data with its copies. Minibatch noise: each replica's
     * permutation of the N samples (size_t, as many bytes as a double),
     * the shifted copies with their gradients and, off the quadratic, each
     * replica's min(N, d) directions for Tr(H C(theta)). Run: the per-replica state
     * (theta, v, gradient, deviates, scratch; twice more for FDR2), the
     * per-unit sums, the recorded time series (per block and merged), the
     * kept samples, and the d x d scratch per block for FDR2 off the
     * quadratic. */
    term t[5] = {
        {(12 + opt_dd) * d * d, "landscape", "dim"},
        {3 * N * d, "landscape", "samples"},
        {R * Nmb + (N > 0 ? 0 : 2 * Nmb * d) +
             (N > 0 || const_hessian ? 0 : R * fmin(Nmb, d) * d),
         N > 0 ? "landscape" : "noise", "samples"},
        {R * (5 + 4 * fdr2_on + opt_rows) * d + units * (2 * d + 2 * ntens + 1) +
             R * (FDR_NBATCH + 1) * FDR_NOBS + 2 * ((double)FDR_MAX_SAMPLES + R) +
             (fdr2_on && !const_hessian ? blocks * 2 * d * d : 0),
         "run", "replicas"},
        {(ceil(T / every) + ceil(log2(every)) + 1) * FDR_NTS * (1 + blocks), "run", "record_every"},
    };
    if (setup_only)
        t[2].doubles = t[3].doubles = t[4].doubles = 0;
    double need = 0; /* the program and its libraries are already in use */
    size_t big = 0;
    for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
        need += 8 * t[k].doubles;
        if (t[k].doubles > t[big].doubles)
            big = k;
    }
    double avail = fdr_memory_available();
    if (need <= avail)
        return FDR_OK;
    const char *value = "";
    if (fdr_config_has(cfg, t[big].sec, t[big].key))
        fdr_config_string(cfg, t[big].sec, t[big].key, "", &value);
    return fdr_error(FDR_ENOMEM,
                     "%s: [%s] %s%s%s: lower it: %s needs about %.3g GB of memory (the estimate "
                     "in README, \"Memory\"), most of it for this key, but only %.3g GB is "
                     "available",
                     fdr_config_name(cfg), t[big].sec, t[big].key, value[0] ? " = " : "", value,
                     setup_only ? "building this model" : "this run", need / 1e9, avail / 1e9);
}
