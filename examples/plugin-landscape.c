/* plugin-landscape.c - a landscape type of one's own, loaded by fdrsim at
 * run time: the separable quartic f = sum_i (h x_i^2 / 2 + lambda x_i^4 / 24)
 * with its exact derivatives (keys h > 0, default 1, and lambda >= 0,
 * default 1). Build it beside plugin-landscape.ini and check it:
 *
 *     cc -std=c11 -O2 -shared -fPIC $(pkg-config --cflags fdrsim) \
 *         plugin-landscape.c -o plugin-landscape.so
 *     fdrsim landscape plugin-landscape.ini --selftest
 *     fdrsim run plugin-landscape.ini
 */
#include <fdrsim.h>

#include <string.h>

typedef struct {
    size_t d;
    double h, lambda;
} quartic;

static int quartic_init(void *state, const fdrsim_keys *keys, size_t dim)
{
    quartic *q = state;
    q->d = dim;
    int rc;
    if ((rc = keys->get_double(keys->ctx, "h", 1.0, &q->h)) ||
        (rc = keys->get_double(keys->ctx, "lambda", 1.0, &q->lambda)))
        return rc;
    if (!(q->h > 0))
        return keys->error(keys->ctx, "h", "must be > 0 (the minimum at 0 must be stable)");
    if (!(q->lambda >= 0))
        return keys->error(keys->ctx, "lambda", "must be >= 0 (f must be bounded below)");
    return FDRSIM_OK;
}

static double quartic_value_grad(const void *state, const double *x, double *g)
{
    const quartic *q = state;
    double f = 0;
    for (size_t i = 0; i < q->d; i++) {
        double x2 = x[i] * x[i];
        f += q->h * x2 / 2 + q->lambda * x2 * x2 / 24;
        g[i] = q->h * x[i] + q->lambda * x2 * x[i] / 6;
    }
    return f;
}

static void quartic_dderiv(const void *state, const double *x, const double *u, int K, double *out)
{
    const quartic *q = state;
    memset(out, 0, (size_t)K * sizeof *out);
    for (size_t i = 0; i < q->d; i++) {
        double xi = x[i], u2 = u[i] * u[i];
        double dk[4] = {(q->h * xi + q->lambda * xi * xi * xi / 6) * u[i],
                        (q->h + q->lambda * xi * xi / 2) * u2, q->lambda * xi * u2 * u[i],
                        q->lambda * u2 * u2};
        for (int k = 0; k < K && k < 4; k++)
            out[k] += dk[k];
    }
}

static void quartic_hessian(const void *state, const double *x, double *H)
{
    const quartic *q = state;
    memset(H, 0, q->d * q->d * sizeof *H);
    for (size_t i = 0; i < q->d; i++)
        H[i * q->d + i] = q->h + q->lambda * x[i] * x[i] / 2;
}

static int quartic_centre(const void *state, double *x)
{
    const quartic *q = state;
    memset(x, 0, q->d * sizeof *x);
    return 1; /* h > 0, lambda >= 0: 0 is the global minimum */
}

const fdrsim_landscape_plugin fdrsim_landscape = {
    .abi = FDRSIM_LANDSCAPE_ABI,
    .name = "plugin-quartic",
    .summary = "f = sum h x^2/2 + lambda x^4/24 (examples/plugin-landscape.c)",
    .size = sizeof(quartic),
    .degree = 4,
    .init = quartic_init,
    .value_grad = quartic_value_grad,
    .dderiv = quartic_dderiv,
    .hessian = quartic_hessian,
    .centre = quartic_centre,
};
