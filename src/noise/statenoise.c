/* statenoise.c - Gaussian noise whose covariance grows with the distance
 * from the landscape's reference point theta*:
 *
 *   C(theta) = (s0^2 + s1^2 |theta - theta*|^2) C0,
 *
 * keys s0 and s1 (>= 0, default 1 each) and C0 through the usual
 * `covariance` keys (noise.h); theta* is the landscape's reference point
 * (its minimum where known). Like the minibatch noise of a least-squares
 * fit, it is weakest at theta* and grows away from it. The relations still
 * hold exactly, but the Lyapunov references do not apply (C is not
 * constant unless s1 = 0). */
#include "core/fdr.h"
#include "noise/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fdr_covariance cov; /* C0 */
    double s0sq, s1sq;
    double *ref; /* theta*, a copy: the law does not rely on the landscape's lifetime */
} statenoise;

/* Returns s0^2 + s1^2 |x - theta*|^2, the factor multiplying C0 at x. */
static double factor_at(const statenoise *s, const double *x)
{
    double r2 = 0;
    for (size_t i = 0; i < s->cov.d; i++) {
        double dx = x[i] - s->ref[i];
        r2 += dx * dx;
    }
    return s->s0sq + s->s1sq * r2;
}

/* Reads one of the non-negative scales s0, s1 (default 1) and returns it
 * squared through *sq. */
static int read_scale(fdr_config *cfg, const char *key, double *sq)
{
    double v;
    int rc = fdr_config_double(cfg, "noise", key, 1, &v);
    if (rc)
        return rc;
    if (v < 0)
        return fdr_config_error(cfg, "noise", key, "%g: must be >= 0 (a standard deviation scale)",
                                v);
    *sq = v * v;
    return FDR_OK;
}

/* Reads s0, s1 and C0 and copies the landscape's reference point. */
static int state_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    statenoise *s = state;
    int rc = read_scale(cfg, "s0", &s->s0sq);
    if (rc == FDR_OK)
        rc = read_scale(cfg, "s1", &s->s1sq);
    if (rc == FDR_OK)
        rc = fdr_covariance_parse(&s->cov, cfg, "noise", l);
    if (rc)
        return rc;
    if (!(s->ref = fdr_malloc(l->dim * sizeof *s->ref)))
        return FDR_ENOMEM;
    memcpy(s->ref, l->ref, l->dim * sizeof *s->ref);
    return FDR_OK;
}

/* Releases C0 and theta*, also after a failed init (NULL pointers then). */
static void state_free(void *state)
{
    statenoise *s = state;
    fdr_covariance_clear(&s->cov);
    free(s->ref);
}

/* Gaussian rows of covariance C0, each scaled by the square root of the
 * factor at its own point X[r]. */
static void state_sample(void *state, size_t n, size_t first, long t, const double *X, double *Z,
                         fdr_rng *const *rng, double *work)
{
    const statenoise *s = state;
    size_t d = s->cov.d;
    (void)first;
    (void)t;
    fdr_covariance_sample(&s->cov, n, Z, rng, work);
    for (size_t r = 0; r < n; r++) {
        double a = sqrt(factor_at(s, X + r * d));
        for (size_t i = 0; i < d; i++)
            Z[r * d + i] *= a;
    }
}

/* Writes C(x); returns 1 only if s1 = 0, when C does not depend on x. */
static int state_covariance(const void *state, const double *x, double *C)
{
    const statenoise *s = state;
    size_t d = s->cov.d;
    double a = factor_at(s, x);
    for (size_t i = 0; i < d * d; i++)
        C[i] = a * s->cov.C[i];
    return s->s1sq == 0;
}

/* Tr(H C(x)) = factor(x) Tr(H C0) without forming C(x): the engine needs
 * it at every step for the noise-averaged F2. */
static double state_trace_hc(const void *state, size_t replica, const double *x, const double *H)
{
    (void)replica;
    const statenoise *s = state;
    size_t d = s->cov.d;
    double t = 0;
    for (size_t i = 0; i < d * d; i++)
        t += H[i] * s->cov.C[i]; /* Tr(H C0) = sum_ij H_ij C0_ji, both symmetric */
    return factor_at(s, x) * t;
}

/* C(x) = factor(x) C0: lets a landscape whose Hessian depends on the point
 * prepare Tr(H C0) once. */
static double state_covariance_scale(const void *state, const double *x, const double **C0)
{
    const statenoise *s = state;
    *C0 = s->cov.C;
    return factor_at(s, x);
}

/* diagonal_std stays NULL: the engine's fused path draws constant-covariance
 * normals itself and would bypass the scaling by the factor at theta. */
const fdr_noise_type fdr_noise_state = {
    .name = "state",
    .summary = "Gaussian noise with C(theta) = (s0^2 + s1^2 |theta - theta*|^2) C0 (keys s0, s1)",
    .size = sizeof(statenoise),
    .init = state_init,
    .free = state_free,
    .sample = state_sample,
    .covariance = state_covariance,
    .trace_hc = state_trace_hc,
    .covariance_scale = state_covariance_scale,
};
