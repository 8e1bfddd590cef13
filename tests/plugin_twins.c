/* plugin_twins.c - examples/plugin-landscape.c with one fault, chosen with
 * -DTWIN_D3 (a wrong third derivative, right up to the second order, which
 * no difference of f or of the gradient sees), -DTWIN_GRAD (a gradient
 * that disagrees with f and D1) or -DTWIN_ABI (built for another landscape
 * ABI): the self-test must catch the first two, fdrsim refuse the third. */
#define fdrsim_landscape example_landscape
#include "../examples/plugin-landscape.c"
#undef fdrsim_landscape

#if defined(TWIN_D3)
static void twin_dderiv(const void *state, const double *x, const double *u, int K, double *out)
{
    quartic_dderiv(state, x, u, K, out);
    if (K >= 3)
        out[2] *= 1.5;
}
#define TWIN_VALUE_GRAD quartic_value_grad
#define TWIN_DDERIV twin_dderiv
#define TWIN_ABI_VERSION FDRSIM_LANDSCAPE_ABI
#elif defined(TWIN_GRAD)
static double twin_value_grad(const void *state, const double *x, double *g)
{
    double f = quartic_value_grad(state, x, g);
    g[0] *= 1.01;
    return f;
}
#define TWIN_VALUE_GRAD twin_value_grad
#define TWIN_DDERIV quartic_dderiv
#define TWIN_ABI_VERSION FDRSIM_LANDSCAPE_ABI
#elif defined(TWIN_ABI)
#define TWIN_VALUE_GRAD quartic_value_grad
#define TWIN_DDERIV quartic_dderiv
#define TWIN_ABI_VERSION (FDRSIM_LANDSCAPE_ABI + 1)
#else
#error "define one of TWIN_D3, TWIN_GRAD, TWIN_ABI"
#endif

const fdrsim_landscape_plugin fdrsim_landscape = {
    .abi = TWIN_ABI_VERSION,
    .name = "plugin-quartic-twin",
    .summary = "a faulty copy of examples/plugin-landscape.c",
    .size = sizeof(quartic),
    .degree = 4,
    .init = quartic_init,
    .value_grad = TWIN_VALUE_GRAD,
    .dderiv = TWIN_DDERIV,
    .hessian = quartic_hessian,
    .centre = quartic_centre,
};
