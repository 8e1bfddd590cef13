/* gaussian.c - Gaussian gradient noise with a constant covariance C. */
#include "core/fdr.h"
#include "noise/noise.h"

#include <string.h>

typedef struct {
    fdr_covariance cov;
} gauss;

static int gauss_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    gauss *g = state;
    return fdr_covariance_parse(&g->cov, cfg, "noise", l);
}

static void gauss_free(void *state)
{
    gauss *g = state;
    fdr_covariance_clear(&g->cov);
}

static void gauss_sample(void *state, size_t n, size_t first, long t, const double *X, double *Z,
                         fdr_rng *const *rng, double *work)
{
    const gauss *g = state;
    (void)first;
    (void)t;
    (void)X;
    fdr_covariance_sample(&g->cov, n, Z, rng, work);
}

static int gauss_covariance(const void *state, const double *x, double *C)
{
    const gauss *g = state;
    (void)x;
    memcpy(C, g->cov.C, g->cov.d * g->cov.d * sizeof *C);
    return 1;
}

static int gauss_diagonal_std(const void *state, double *s)
{
    const gauss *g = state;
    if (!g->cov.sdiag)
        return 0;
    memcpy(s, g->cov.sdiag, g->cov.d * sizeof *s);
    return 1;
}

const fdr_noise_type fdr_noise_gaussian = {
    .name = "gaussian",
    .summary = "Gaussian noise with constant covariance C (isotropic, diagonal, matrix, spectrum, "
               "c H^alpha)",
    .size = sizeof(gauss),
    .init = gauss_init,
    .free = gauss_free,
    .sample = gauss_sample,
    .covariance = gauss_covariance,
    .diagonal_std = gauss_diagonal_std,
};
