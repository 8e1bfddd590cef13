/* noise_iid.c - non-Gaussian noise laws of constant covariance C, and the
 * closed-form third and fourth moments of every law.
 *
 * Each law draws a vector z of independent scalars of mean 0 and variance 1
 * and maps it through the factor S of the configured covariance (the same
 * `covariance` keys as the Gaussian law, noise.h): xi = S z, so
 * Cov xi = S S^T = C exactly, whatever the scalar law. The laws differ only
 * in that scalar draw:
 *
 *   student_t   z = N sqrt((nu - 2) / G), G ~ chi^2_nu   key dof (nu > 2, default 5)
 *   laplace     density exp(-sqrt(2) |z|) / sqrt(2)
 *   uniform     uniform on [-sqrt 3, sqrt 3]
 *   rademacher  +-1 with probability 1/2 each
 *   skewed      (G - k) / sqrt(k), G ~ Gamma(k, 1)       key skewness (> 0, default 2:
 *               k = 4 / skewness^2; skewness 2 is the centred exponential)
 *
 * Beyond C the law of xi depends on S, not only on C: S is the symmetric
 * eigendecomposition factor V diag(sqrt w) (or diag(sqrt C_ii) for a
 * diagonal C), so along the eigenvectors of C the components are
 * independent. */
#include "core/fdr.h"
#include "noise/noise.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct iid iid;

/* Fills z[0..d-1] with independent draws of the law's unit-variance scalar
 * from the replica's stream r. */
typedef void (*unit_draw)(const iid *s, fdr_rng *r, double *z, size_t d);

struct iid {
    fdr_covariance cov;
    unit_draw draw;
    double shape;  /* gamma shape: nu/2 (student_t) or k (skewed) */
    double scale;  /* (nu - 2)/2 (student_t) or 1/sqrt(k) (skewed) */
    double m3, m4; /* E z^3 and E z^4 of the scalar; NAN where not finite */
};

/* Returns one Gamma(a, 1) deviate, a > 0, by Marsaglia and Tsang's
 * squeeze-rejection method (ACM TOMS 26, 2000) from r's normals and
 * uniforms; it accepts more than 95% of its proposals for a >= 1. The method
 * needs a >= 1, so for a < 1 it draws Gamma(a + 1) and multiplies by
 * u^(1/a), which has the Gamma(a) law. */
static double gamma_draw(fdr_rng *r, double a)
{
    double boost = 1;
    if (a < 1) {
        double u;
        fdr_rng_uniform(r, &u, 1);
        boost = pow(u, 1 / a);
        a += 1;
    }
    const double dd = a - 1.0 / 3, c = 1 / sqrt(9 * dd);
    for (;;) {
        double x, u, v;
        do {
            fdr_rng_normal(r, &x, 1);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        fdr_rng_uniform(r, &u, 1);
        double x2 = x * x;
        /* The cheap squeeze accepts most draws without a logarithm. */
        if (u < 1 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + dd * (1 - v + log(v)))
            return boost * dd * v;
    }
}

/* Student-t scalars scaled to variance 1: a normal over the square root of
 * an independent chi^2_nu / nu, times sqrt((nu - 2) / nu), with
 * chi^2_nu = 2 Gamma(nu/2). */
static void draw_student(const iid *s, fdr_rng *r, double *z, size_t d)
{
    fdr_rng_normal(r, z, d);
    for (size_t i = 0; i < d; i++)
        z[i] *= sqrt(s->scale / gamma_draw(r, s->shape));
}

/* Laplace scalars with b = 1/sqrt 2 (variance 2 b^2 = 1) by inverting the
 * CDF, one uniform each; each branch takes the logarithm of a quantity
 * that is exact in floating point, so the far tails keep full precision. */
static void draw_laplace(const iid *s, fdr_rng *r, double *z, size_t d)
{
    const double b = sqrt(0.5);
    (void)s;
    fdr_rng_uniform(r, z, d);
    for (size_t i = 0; i < d; i++)
        z[i] = z[i] < 0.5 ? b * log(2 * z[i]) : -b * log(2 - 2 * z[i]);
}

/* Uniform scalars on [-sqrt 3, sqrt 3] (variance 1). */
static void draw_uniform(const iid *s, fdr_rng *r, double *z, size_t d)
{
    const double h = sqrt(3.0);
    (void)s;
    fdr_rng_uniform(r, z, d);
    for (size_t i = 0; i < d; i++)
        z[i] = h * (2 * z[i] - 1);
}

/* Rademacher signs, 64 per word of the stream: every bit of a word is an
 * independent fair coin, so one word serves 64 coordinates (bit j % 64 of
 * word j / 64 of the row, least significant first). Each row starts a new
 * word, so a replica's draws do not depend on the rows around it. */
static void draw_rademacher(const iid *s, fdr_rng *r, double *z, size_t d)
{
    (void)s;
    for (size_t i = 0; i < d; i += 64) {
        uint64_t w = fdr_rng_u64(r);
        for (size_t j = i; j < d && j < i + 64; j++, w >>= 1)
            z[j] = (w & 1) ? 1.0 : -1.0;
    }
}

/* Standardised gamma scalars (G - k) / sqrt(k): mean 0, variance 1,
 * skewness 2/sqrt(k). */
static void draw_skewed(const iid *s, fdr_rng *r, double *z, size_t d)
{
    for (size_t i = 0; i < d; i++)
        z[i] = (gamma_draw(r, s->shape) - s->shape) * s->scale;
}

/* Completes the initialisation every law shares once its own key is read:
 * the scalar draw, its moments and the covariance with its factor. */
static int iid_init(iid *s, fdr_config *cfg, const fdr_landscape *l, unit_draw draw, double m3,
                    double m4)
{
    s->draw = draw;
    s->m3 = m3;
    s->m4 = m4;
    return fdr_covariance_parse(&s->cov, cfg, "noise", l);
}

/* Reads [noise] key (default def) into *out and rejects a value not above
 * lower, saying why the bound exists. */
static int read_above(fdr_config *cfg, const char *key, double def, double lower, const char *why,
                      double *out)
{
    int rc = fdr_config_double(cfg, "noise", key, def, out);
    if (rc == FDR_OK && !(*out > lower))
        rc = fdr_config_error(cfg, "noise", key, "%g: must be > %g (%s)", *out, lower, why);
    return rc;
}

/* Reads dof (nu > 2: the variance must be finite to be scaled to C). The
 * third moment exists for nu > 3, the fourth for nu > 4. */
static int student_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    iid *s = state;
    double nu;
    int rc = read_above(cfg, "dof", 5, 2, "the Student-t variance is infinite for dof <= 2", &nu);
    if (rc)
        return rc;
    s->shape = nu / 2;
    s->scale = (nu - 2) / 2;
    return iid_init(s, cfg, l, draw_student, nu > 3 ? 0 : NAN,
                    nu > 4 ? 3 * (nu - 2) / (nu - 4) : NAN);
}

/* Laplace: E z^4 = 4! b^4 = 6. */
static int laplace_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    return iid_init(state, cfg, l, draw_laplace, 0, 6);
}

/* Uniform: E z^4 = 3^2 / 5. */
static int uniform_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    return iid_init(state, cfg, l, draw_uniform, 0, 9.0 / 5);
}

/* Rademacher: z^4 = 1. */
static int rademacher_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    return iid_init(state, cfg, l, draw_rademacher, 0, 1);
}

/* Reads skewness (> 0) and sets the gamma shape k = 4 / skewness^2; the
 * standardised gamma has E z^3 = 2/sqrt(k) and E z^4 = 3 + 6/k. */
static int skewed_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    iid *s = state;
    double g;
    int rc =
        read_above(cfg, "skewness", 2, 0, "the law is a centred gamma, skewed to the right", &g);
    if (rc)
        return rc;
    double k = 4 / (g * g);
    s->shape = k;
    s->scale = 1 / sqrt(k);
    return iid_init(s, cfg, l, draw_skewed, 2 / sqrt(k), 3 + 6 / k);
}

/* Releases the covariance, also after a failed or partial init. */
static void iid_free(void *state)
{
    iid *s = state;
    fdr_covariance_clear(&s->cov);
}

/* Draws each replica's unit-variance vector from its own stream and maps
 * the rows through the factor: Z = U S^T in one level-3 product, or, for
 * a diagonal C, a scaling in place. */
static void iid_sample(void *state, size_t n, size_t first, long t, const double *X, double *Z,
                       fdr_rng *const *rng, double *work)
{
    const iid *s = state;
    size_t d = s->cov.d;
    double *U = s->cov.sdiag ? Z : work;
    (void)first;
    (void)t;
    (void)X;
    for (size_t r = 0; r < n; r++)
        s->draw(s, rng[r], U + r * d, d);
    fdr_covariance_map(&s->cov, n, U, Z);
}

/* Copies the constant covariance; returns 1 (it does not depend on x). */
static int iid_covariance(const void *state, const double *x, double *C)
{
    const iid *s = state;
    (void)x;
    memcpy(C, s->cov.C, s->cov.d * s->cov.d * sizeof *C);
    return 1;
}

/* The five types share everything but init. They leave diagonal_std NULL:
 * the engine's fused path draws Gaussian normals itself and must not be
 * used for these laws. */
#define IID_TYPE(NAME, SUMMARY, INIT)                                                              \
    {                                                                                              \
        .name = NAME, .summary = SUMMARY, .size = sizeof(iid), .init = INIT, .free = iid_free,     \
        .sample = iid_sample, .covariance = iid_covariance,                                        \
    }

const fdr_noise_type fdr_noise_student_t = IID_TYPE(
    "student_t", "independent Student-t draws (key dof > 2) mapped to covariance C", student_init);
const fdr_noise_type fdr_noise_laplace =
    IID_TYPE("laplace", "independent Laplace draws mapped to covariance C", laplace_init);
const fdr_noise_type fdr_noise_uniform =
    IID_TYPE("uniform", "independent uniform draws mapped to covariance C", uniform_init);
const fdr_noise_type fdr_noise_rademacher =
    IID_TYPE("rademacher", "independent random signs mapped to covariance C", rademacher_init);
const fdr_noise_type fdr_noise_skewed =
    IID_TYPE("skewed",
             "independent centred gamma draws (key skewness > 0; 2 = exponential) mapped to "
             "covariance C",
             skewed_init);

/* E[(u.xi)^3] and E[(u.xi)^4] at theta = x (noise.h): closed forms for the
 * laws of this file and for the laws that are Gaussian given theta;
 * FDR_EINVAL, with the unknown moment NAN, where a moment is infinite or
 * has no closed form here. Records no message: "not known" is an answer. */
int fdr_noise_moments(const fdr_noise *n, const double *x, const double *u, double *m3, double *m4)
{
    size_t d = n->dim;
    *m3 = *m4 = NAN;
    if (n->type->sample == iid_sample) {
        /* u . xi = sum_j a_j z_j with a_j = u . s_j, s_j the columns of S:
         * a sum of independent terms, whose cumulants add. */
        const iid *s = n->state;
        double a2 = 0, a3 = 0, a4 = 0;
        for (size_t j = 0; j < d; j++) {
            double a = 0;
            if (s->cov.sdiag)
                a = u[j] * s->cov.sdiag[j];
            else
                for (size_t i = 0; i < d; i++)
                    a += u[i] * s->cov.S[i * d + j];
            a2 += a * a;
            a3 += a * a * a;
            a4 += a * a * a * a;
        }
        if (isfinite(s->m3))
            *m3 = s->m3 * a3;
        if (isfinite(s->m4))
            *m4 = 3 * a2 * a2 + (s->m4 - 3) * a4;
        return isfinite(*m3) && isfinite(*m4) ? FDR_OK : FDR_EINVAL;
    }
    if (n->type != &fdr_noise_gaussian && n->type != &fdr_noise_state)
        return FDR_EINVAL;
    /* Gaussian given theta: u . xi ~ N(0, u^T C(x) u). */
    double *C = fdr_malloc(d * d * sizeof *C);
    if (!C)
        return FDR_ENOMEM;
    n->type->covariance(n->state, x, C);
    double q = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q += u[i] * C[i * d + j] * u[j];
    free(C);
    *m3 = 0;
    *m4 = 3 * q * q;
    return FDR_OK;
}

/* The standardised scalar of a 1-D law (noise.h): the scalar draw of this
 * file's laws, and the normal of the laws that are Gaussian given theta. */
int fdr_noise_unit_law(const fdr_noise *n, fdr_unit_law *u)
{
    const char *name = n->type->name;
    if (n->dim != 1)
        return fdr_error(FDR_EINVAL, "noise law '%s' in dimension %zu: the transfer operator "
                                     "integrates the law of a 1-D model's noise only",
                         name, n->dim);
    *u = (fdr_unit_law){.kind = FDR_UNIT_GAUSSIAN, .smooth = 1};
    if (n->type == &fdr_noise_gaussian || n->type == &fdr_noise_state)
        return FDR_OK;
    if (n->type == &fdr_noise_rademacher)
        return fdr_error(FDR_EINVAL, "noise law 'rademacher' has no density (its draws are "
                                     "random signs), so the step has no kernel to integrate");
    if (n->type == &fdr_noise_minibatch)
        return fdr_error(FDR_EINVAL, "noise law 'minibatch' has no density (its gradients are "
                                     "those of a finite data set), so the step has no kernel "
                                     "to integrate");
    if (n->type->sample != iid_sample)
        return fdr_error(FDR_EINVAL, "noise law '%s': no density is known for it", name);
    const iid *s = n->state;
    if (s->draw == draw_student)
        *u = (fdr_unit_law){.kind = FDR_UNIT_STUDENT_T, .shape = 2 * s->shape, .smooth = 1};
    else if (s->draw == draw_laplace)
        *u = (fdr_unit_law){.kind = FDR_UNIT_LAPLACE};
    else if (s->draw == draw_uniform)
        *u = (fdr_unit_law){.kind = FDR_UNIT_UNIFORM};
    else if (s->draw == draw_skewed)
        *u = (fdr_unit_law){.kind = FDR_UNIT_GAMMA, .shape = s->shape};
    else
        return fdr_error(FDR_EINVAL, "noise law '%s': no density is known for it", name);
    return FDR_OK;
}

/* sqrt(nu / (nu - 2)): t_nu = z times it, for z of variance 1. */
static double student_stretch(double nu)
{
    return sqrt(nu / (nu - 2));
}

double fdr_unit_density(const fdr_unit_law *u, double z)
{
    const double r3 = sqrt(3.0);
    switch (u->kind) {
    case FDR_UNIT_STUDENT_T: {
        double a = student_stretch(u->shape);
        return a * gsl_ran_tdist_pdf(a * z, u->shape);
    }
    case FDR_UNIT_LAPLACE:
        return gsl_ran_laplace_pdf(z, sqrt(0.5));
    case FDR_UNIT_UNIFORM:
        return fabs(z) <= r3 ? 0.5 / r3 : 0;
    case FDR_UNIT_GAMMA: {
        double k = u->shape, g = k + sqrt(k) * z;
        return g > 0 ? sqrt(k) * gsl_ran_gamma_pdf(g, k, 1) : 0;
    }
    default:
        return gsl_ran_ugaussian_pdf(z);
    }
}

double fdr_unit_cdf(const fdr_unit_law *u, double z)
{
    const double r3 = sqrt(3.0);
    switch (u->kind) {
    case FDR_UNIT_STUDENT_T:
        return gsl_cdf_tdist_P(student_stretch(u->shape) * z, u->shape);
    case FDR_UNIT_LAPLACE:
        return gsl_cdf_laplace_P(z, sqrt(0.5));
    case FDR_UNIT_UNIFORM:
        return z <= -r3 ? 0 : z >= r3 ? 1 : (z + r3) / (2 * r3);
    case FDR_UNIT_GAMMA: {
        double k = u->shape, g = k + sqrt(k) * z;
        return g > 0 ? gsl_cdf_gamma_P(g, k, 1) : 0;
    }
    default:
        return gsl_cdf_ugaussian_P(z);
    }
}

double fdr_unit_sf(const fdr_unit_law *u, double z)
{
    const double r3 = sqrt(3.0);
    switch (u->kind) {
    case FDR_UNIT_STUDENT_T:
        return gsl_cdf_tdist_Q(student_stretch(u->shape) * z, u->shape);
    case FDR_UNIT_LAPLACE:
        return gsl_cdf_laplace_Q(z, sqrt(0.5));
    case FDR_UNIT_UNIFORM:
        return z <= -r3 ? 1 : z >= r3 ? 0 : (r3 - z) / (2 * r3);
    case FDR_UNIT_GAMMA: {
        double k = u->shape, g = k + sqrt(k) * z;
        return g > 0 ? gsl_cdf_gamma_Q(g, k, 1) : 1;
    }
    default:
        return gsl_cdf_ugaussian_Q(z);
    }
}

/* E z^k in closed form: the odd moments of the symmetric laws vanish; the
 * gamma's central moments come from its raw ones, E G^j = k (k+1) ...
 * (k+j-1), by the binomial sum (few enough terms at the orders asked for
 * that the cancellation stays harmless). */
double fdr_unit_moment(const fdr_unit_law *u, int k)
{
    if (k == 0)
        return 1;
    if (u->kind == FDR_UNIT_GAMMA) {
        double a = u->shape, sum = 0, raw = 1;
        for (int j = 0; j <= k; j++) {
            sum += gsl_sf_choose((unsigned)k, (unsigned)j) * raw * pow(-a, k - j);
            raw *= a + j;
        }
        return sum / pow(a, 0.5 * k);
    }
    if (u->kind == FDR_UNIT_STUDENT_T && k >= u->shape)
        return NAN;
    if (k % 2)
        return 0;
    switch (u->kind) {
    case FDR_UNIT_STUDENT_T: {
        double nu = u->shape;
        /* E t^k = nu^(k/2) Gamma((k+1)/2) Gamma((nu-k)/2) / (sqrt(pi) Gamma(nu/2)) */
        double lt = 0.5 * k * log(nu) + lgamma(0.5 * (k + 1)) + lgamma(0.5 * (nu - k)) -
                    0.5 * 1.1447298858494002 /* log pi */ - lgamma(0.5 * nu);
        return exp(lt) / pow(student_stretch(nu), k);
    }
    case FDR_UNIT_LAPLACE:
        return gsl_sf_fact((unsigned)k) * pow(0.5, 0.5 * k);
    case FDR_UNIT_UNIFORM:
        return pow(3, 0.5 * k) / (k + 1);
    default:
        return gsl_sf_doublefact((unsigned)(k - 1));
    }
}
