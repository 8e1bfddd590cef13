/* plugin.c - [landscape] type = plugin: a landscape type loaded with dlopen
 * from a shared object that exports FDRSIM_LANDSCAPE_SYMBOL, a
 * fdrsim_landscape_plugin (src/fdrsim.h, the public ABI). Its per-point
 * functions are driven here block by block, and Tr(H C) is taken from its
 * Hessian; the instance type kept in the state carries the plugin's name
 * and degree (landscape.h, instance). */
#include "config/cfg.h"
#include "core/fdr.h"
#include "fdrsim.h"
#include "landscapes/landscape.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *handle;
    const fdrsim_landscape_plugin *p;
    void *ps; /* the plugin's state */
    size_t d;
    fdr_landscape_type type; /* the instance: the plugin's name and degree */
    char name[64];
} plugin;

static int key_double(void *ctx, const char *key, double def, double *out)
{
    return fdr_config_double(ctx, "landscape", key, def, out);
}

static int key_vector(void *ctx, const char *key, size_t n, double def, double *out)
{
    return fdr_config_vector(ctx, "landscape", key, n, def, out);
}

static int key_error(void *ctx, const char *key, const char *message)
{
    return fdr_config_error(ctx, "landscape", key, "%s", message);
}

/* The plugin's path: PATH as given when absolute, else relative to the
 * folder of the model file (with a '/' always, so that dlopen does not
 * search the library path instead). */
static int plugin_path(fdr_config *cfg, const char *path, char *buf, size_t n)
{
    const char *src = fdr_config_name(cfg), *slash = strrchr(src, '/');
    int len = path[0] == '/' ? snprintf(buf, n, "%s", path)
              : slash        ? snprintf(buf, n, "%.*s/%s", (int)(slash - src), src, path)
                             : snprintf(buf, n, "./%s", path);
    return len >= 0 && (size_t)len < n
               ? FDR_OK
               : fdr_config_error(cfg, "landscape", "plugin", "a path of more than %zu bytes",
                                  n - 1);
}

static void plugin_free(void *state)
{
    plugin *s = state;
    if (s->ps && s->p->free)
        s->p->free(s->ps);
    free(s->ps);
    if (s->handle)
        dlclose(s->handle);
}

static const fdr_landscape_type *plugin_instance(const void *state)
{
    return &((const plugin *)state)->type;
}

static int plugin_init(void *state, fdr_config *cfg, size_t d)
{
    plugin *s = state;
    s->d = d;
    const char *rel;
    char path[4096];
    int rc;
    if ((rc = fdr_config_string(cfg, "landscape", "plugin", NULL, &rel)) ||
        (rc = plugin_path(cfg, rel, path, sizeof path)))
        return rc;
    dlerror();
    if (!(s->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        return fdr_config_error(cfg, "landscape", "plugin", "cannot load '%s': %s", path,
                                dlerror());
    const fdrsim_landscape_plugin *p = dlsym(s->handle, FDRSIM_LANDSCAPE_SYMBOL);
    if (!p)
        return fdr_config_error(cfg, "landscape", "plugin",
                                "'%s' exports no '%s' (src/fdrsim.h: the plugin ABI)", path,
                                FDRSIM_LANDSCAPE_SYMBOL);
    if (p->abi != FDRSIM_LANDSCAPE_ABI)
        return fdr_config_error(cfg, "landscape", "plugin",
                                "'%s' was built for landscape ABI %d, this fdrsim loads ABI %d: "
                                "rebuild it against this fdrsim's fdrsim.h",
                                path, p->abi, FDRSIM_LANDSCAPE_ABI);
    const char *missing = !p->name || !*p->name ? "name"
                          : !p->value_grad      ? "value_grad"
                          : !p->dderiv          ? "dderiv"
                          : !p->hessian         ? "hessian"
                          : !p->centre          ? "centre"
                                                : NULL;
    if (missing)
        return fdr_config_error(cfg, "landscape", "plugin", "'%s': fdrsim_landscape.%s is not set",
                                path, missing);
    if (p->degree < 0)
        return fdr_config_error(cfg, "landscape", "plugin",
                                "'%s': fdrsim_landscape.degree must be >= 0, got %d", path,
                                p->degree);
    s->p = p;
    if (!(s->ps = fdr_calloc(1, p->size ? p->size : 1)))
        return FDR_ENOMEM;
    fdrsim_keys keys = {cfg, key_double, key_vector, key_error};
    if (p->init && (rc = p->init(s->ps, &keys, d)) != FDR_OK)
        return rc < 0 ? rc
                      : fdr_config_error(cfg, "landscape", "plugin",
                                         "'%s': init returned %d, not a status", path, rc);
    snprintf(s->name, sizeof s->name, "%s", p->name);
    s->type = fdr_landscape_plugin;
    s->type.name = s->name;
    s->type.summary = p->summary ? p->summary : "";
    s->type.degree = p->degree;
    return FDR_OK;
}

static size_t plugin_work_size(const void *state, size_t n, size_t m)
{
    const plugin *s = state;
    (void)m;
    return n * s->d + s->d * s->d;
}

static void plugin_eval_block(const void *state, size_t n, const double *X, double *F, double *G,
                              double *work)
{
    const plugin *s = state;
    (void)work;
    for (size_t r = 0; r < n; r++) {
        double f = s->p->value_grad(s->ps, X + r * s->d, G + r * s->d);
        if (F)
            F[r] = f;
    }
}

static void plugin_derivs_block(const void *state, size_t n, const double *X, size_t m,
                                const double *U, int K, double *D, const fdr_trace *tc, double *T,
                                double *work)
{
    const plugin *s = state;
    size_t d = s->d;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * d;
        for (size_t j = 0; j < m; j++)
            s->p->dderiv(s->ps, x, U + (r * m + j) * d, K, D + (r * m + j) * (size_t)K);
        if (T && tc) {
            s->p->hessian(s->ps, x, work);
            double t = 0;
            for (size_t i = 0; i < d * d; i++)
                t += work[i] * tc->C[i];
            T[r] = t;
        }
    }
}

static int plugin_trace_prepare(const void *state, fdr_trace *tc)
{
    (void)state;
    tc->pre = NULL;
    return FDR_OK;
}

static void plugin_hessian(const void *state, const double *x, double *H)
{
    const plugin *s = state;
    s->p->hessian(s->ps, x, H);
}

static int plugin_centre(const void *state, double *x)
{
    const plugin *s = state;
    return s->p->centre(s->ps, x) == 1;
}

static int plugin_constant_hessian(const void *state, double *H)
{
    (void)state;
    (void)H;
    return 0;
}

const fdr_landscape_type fdr_landscape_plugin = {
    .name = "plugin",
    .summary = "a landscape of your own from a shared object: plugin = PATH (fdrsim.h, README)",
    .size = sizeof(plugin),
    .degree = 0,
    .init = plugin_init,
    .free = plugin_free,
    .work_size = plugin_work_size,
    .eval_block = plugin_eval_block,
    .derivs_block = plugin_derivs_block,
    .trace_prepare = plugin_trace_prepare,
    .hessian = plugin_hessian,
    .centre = plugin_centre,
    .constant_hessian = plugin_constant_hessian,
    .instance = plugin_instance,
};
