/* test_noise.c - the non-Gaussian and state-dependent noise laws: their
 * draws have the exact mean, covariance and third and fourth moments; the
 * closed-form moments agree with an independent derivation; FDR0, FDR1
 * (scalar and tensor) and FDR2 hold for every law on a quadratic and on a
 * quartic, and the Lyapunov references match every constant-C law; bad
 * parameters are rejected naming the key. Sample tolerances are z-scores
 * whose standard errors use each law's own higher moments. Then the
 * README's "Adding a noise law", tried: a small law defined and registered
 * only here, checked the same way and run by the engine. */
#include "helpers.h"
#include "noise/noise.h"
#include "rng/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define D 3       /* dimension of the moment checks */
#define NDIR 2    /* directions u along which E (u.xi)^k is checked */
#define KMOM 8    /* highest moment of the scalar law that the errors need */
#define BLOCK 256 /* rows per call of sample() */

/* A law under test: its [noise] lines and the parameter of its scalar
 * draw (dof for student_t, skewness for skewed). */
typedef struct {
    const char *type;
    double param;
    const char *keys;
} law_case;

static const law_case laws[] = {
    {"gaussian", 0, ""},
    {"student_t", 3, "dof = 3\n"},
    {"student_t", 5, "dof = 5\n"},
    {"student_t", 10, "dof = 10\n"},
    {"laplace", 0, ""},
    {"uniform", 0, ""},
    {"rademacher", 0, ""},
    {"skewed", 1, "skewness = 1\n"},
    {"skewed", 2, ""},               /* the default: the centred exponential */
    {"skewed", 3, "skewness = 3\n"}, /* gamma shape 4/9 < 1: the boosted sampler */
};
#define NLAWS (sizeof laws / sizeof laws[0])

/* Raw moments M[0..KMOM] from the cumulants kap[1..KMOM]:
 * M_n = sum_{j=1}^{n} binom(n-1, j-1) kap_j M_{n-j}, M_0 = 1. */
static void moments_from_cumulants(const double *kap, double *M)
{
    M[0] = 1;
    for (int n = 1; n <= KMOM; n++) {
        double b = 1; /* binom(n-1, j-1) */
        M[n] = 0;
        for (int j = 1; j <= n; j++) {
            M[n] += b * kap[j] * M[n - j];
            b = b * (n - j) / j;
        }
    }
}

/* Raw moments mz[k] = E z^k, k = 0..KMOM, of the law's unit-variance
 * scalar, from textbook closed forms; INFINITY (even k) or NAN (odd k)
 * where E|z|^k is infinite. */
static void scalar_moments(const law_case *lc, double *mz)
{
    mz[0] = 1;
    for (int k = 1; k <= KMOM; k++)
        mz[k] = 0;
    const char *t = lc->type;
    if (strcmp(t, "skewed") == 0) {
        /* (G - s)/sqrt(s), G ~ Gamma(s, 1): cumulants s (n-1)! / s^(n/2). */
        double s = 4 / (lc->param * lc->param), kap[KMOM + 1] = {0}, fact = 1;
        for (int n = 2; n <= KMOM; n++) {
            fact *= n - 1;
            kap[n] = s * fact / pow(s, n / 2.0);
        }
        moments_from_cumulants(kap, mz);
        return;
    }
    for (int k = 2; k <= KMOM; k++) {
        if (strcmp(t, "student_t") == 0 && !(lc->param > k)) {
            mz[k] = k % 2 ? NAN : INFINITY; /* E|z|^k is finite only for nu > k */
            continue;
        }
        if (k % 2)
            continue; /* symmetric laws */
        if (strcmp(t, "gaussian") == 0)
            mz[k] = mz[k - 2] * (k - 1);
        else if (strcmp(t, "student_t") == 0) /* t_nu scaled by sqrt((nu-2)/nu) */
            mz[k] = mz[k - 2] * (k - 1) * (lc->param - 2) / (lc->param - k);
        else if (strcmp(t, "laplace") == 0) /* k! b^k with b^2 = 1/2 */
            mz[k] = mz[k - 2] * k * (k - 1) / 2.0;
        else if (strcmp(t, "uniform") == 0) /* 3^(k/2) / (k + 1) */
            mz[k] = pow(3, k / 2.0) / (k + 1);
        else /* rademacher */
            mz[k] = 1;
    }
}

/* Cumulants of the scalar from its raw moments (k_n = m_n - sum_{j<n}
 * binom(n-1, j-1) k_j m_{n-j}); non-finite from the first infinite moment. */
static void cumulants(const double *mz, double *kap)
{
    for (int n = 1; n <= KMOM; n++) {
        double s = mz[n], b = 1;
        for (int j = 1; j < n; j++) {
            s -= b * kap[j] * mz[n - j];
            b = b * (n - j) / j;
        }
        kap[n] = s;
    }
}

/* Raw moments M[1..KMOM] of y = sum_j a_j z_j for independent scalars with
 * cumulants kap: the cumulants of independent terms add. */
static void sum_moments(const double *kap, const double *a, size_t d, double *M)
{
    double ky[KMOM + 1] = {0};
    for (int n = 1; n <= KMOM; n++)
        for (size_t j = 0; j < d; j++)
            ky[n] += pow(a[j], n) * kap[n];
    moments_from_cumulants(ky, M);
}

/* S = V diag(sqrt w), the factor the laws map their draws through (the
 * columns are unique up to sign when the eigenvalues are distinct). */
static void factor_of(size_t d, const double *C, double *S, double *V)
{
    double w[64];
    cr_assert_eq(fdr_sym_eigen(d, C, w, V), FDR_OK);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            S[i * d + j] = V[i * d + j] * sqrt(fmax(w[j], 0));
}

/* Draws n rows at the point x from the model's noise law and accumulates
 * coordinate sums, the second-moment matrix and the powers 1..4 of u.xi
 * for the NDIR directions U (rows). */
static void draw_sums(const fdr_model *m, const double *x, size_t n, const double *U, double *mean,
                      double *cov, double pw[NDIR][5])
{
    size_t d = m->land->dim;
    fdr_rng *rng = fdr_rng_alloc(42, 0);
    fdr_rng *rngs[BLOCK];
    double *X = malloc(BLOCK * d * sizeof *X), *Z = malloc(BLOCK * d * sizeof *Z),
           *work = malloc(BLOCK * d * sizeof *work);
    cr_assert(rng && X && Z && work);
    for (size_t r = 0; r < BLOCK; r++) {
        rngs[r] = rng;
        memcpy(X + r * d, x, d * sizeof *x);
    }
    memset(mean, 0, d * sizeof *mean);
    memset(cov, 0, d * d * sizeof *cov);
    memset(pw, 0, NDIR * sizeof pw[0]);
    for (size_t done = 0; done < n; done += BLOCK) {
        size_t b = n - done < BLOCK ? n - done : BLOCK;
        m->noise->type->sample(m->noise->state, b, 0, (long)(done / BLOCK), X, Z, rngs, work);
        for (size_t r = 0; r < b; r++) {
            const double *z = Z + r * d;
            for (size_t i = 0; i < d; i++) {
                mean[i] += z[i];
                for (size_t j = 0; j < d; j++)
                    cov[i * d + j] += z[i] * z[j];
            }
            for (int k = 0; k < NDIR; k++) {
                double y = 0, p = 1;
                for (size_t i = 0; i < d; i++)
                    y += U[k * d + i] * z[i];
                for (int e = 1; e <= 4; e++)
                    pw[k][e] += (p *= y);
            }
        }
    }
    for (size_t i = 0; i < d; i++)
        mean[i] /= (double)n;
    for (size_t i = 0; i < d * d; i++)
        cov[i] /= (double)n;
    for (int k = 0; k < NDIR; k++)
        for (int e = 1; e <= 4; e++)
            pw[k][e] /= (double)n;
    free(X);
    free(Z);
    free(work);
    fdr_rng_free(rng);
}

/* One z-score check: a sample mean of n draws against its exact value,
 * var the exact variance of one draw. A variance that is zero up to
 * rounding (a Rademacher square) demands equality to rounding. */
static void expect_z(double sample, double exact, double var, size_t n, double thr,
                     const char *what, const char *law, size_t i, size_t j)
{
    if (var <= 1e-12 * exact * exact) {
        cr_expect(fabs(sample - exact) <= 1e-9 * fabs(exact), /* summation rounding */
                  "%s %s(%zu,%zu): %.15g, exactly %.15g", law, what, i, j, sample, exact);
        return;
    }
    double z = (sample - exact) / sqrt(var / (double)n);
    cr_expect(fabs(z) < thr, "%s %s(%zu,%zu): sample %.6g, exact %.6g (z = %.2f, threshold %.2f)",
              law, what, i, j, sample, exact, z, thr);
}

/* Builds a model with a dense covariance of distinct eigenvalues (so S is
 * the same for the law and for this file) for the law's [noise] lines. */
static fdr_model *moment_model(const law_case *lc)
{
    char ini[512];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = %d\nspectrum = list 1 2 3\n"
             "[noise]\ntype = %s\n%scovariance = matrix 2 0.5 0.1\n  0.5 1 -0.3\n  0.1 -0.3 0.5\n"
             "[optimizer]\nlr = 0.1\n",
             D, lc->type, lc->keys);
    return test_model(ini);
}

/* Draws n rows of m's law (on moment_model's dense C), whose unit-variance
 * scalar has the raw moments mz, and checks every sample moment whose
 * standard error is finite: means, the covariance entries (error from
 * E[x_i^2 x_j^2] = C_ii C_jj + 2 C_ij^2 + k4 sum_k S_ik^2 S_jk^2, k4 the
 * scalar's excess kurtosis) and E (u.xi)^e, e = 1..4, along the top
 * eigenvector of C and a generic direction (errors from E (u.xi)^(2e)).
 * Also checks fdr_noise_moments against the same derivation (closed_form)
 * or that it claims no moments (a law it does not know). */
static void check_moments(const fdr_model *m, const char *law, const double *mz, int closed_form,
                          size_t n)
{
    const double *C = m->noise->C;
    double S[D * D], V[D * D], U[NDIR * D], kap[KMOM + 1];
    factor_of(D, C, S, V);
    cumulants(mz, kap);
    const double g[D] = {0.6, -0.48, 0.64};
    for (size_t i = 0; i < D; i++) {
        U[i] = V[i * D]; /* along an eigenvector u.xi is a single scaled scalar */
        U[D + i] = g[i];
    }
    /* d means + d(d+1)/2 covariances + 4 moments per direction */
    const double thr = fdr_threshold_adjust(4, D + D * (D + 1) / 2 + 4 * NDIR);
    double mean[D], cov[D * D], pw[NDIR][5], x[D] = {0};
    draw_sums(m, x, n, U, mean, cov, pw);
    for (size_t i = 0; i < D; i++)
        expect_z(mean[i], 0, C[i * D + i], n, thr, "mean", law, i, i);
    if (isfinite(mz[4]))
        for (size_t i = 0; i < D; i++)
            for (size_t j = i; j < D; j++) {
                double q = 0;
                for (size_t k = 0; k < D; k++)
                    q += S[i * D + k] * S[i * D + k] * S[j * D + k] * S[j * D + k];
                double cij = C[i * D + j];
                double e22 = C[i * D + i] * C[j * D + j] + 2 * cij * cij + kap[4] * q;
                expect_z(cov[i * D + j], cij, e22 - cij * cij, n, thr, "cov", law, i, j);
            }
    for (int k = 0; k < NDIR; k++) {
        double a[D] = {0}, M[KMOM + 1], m3, m4;
        for (size_t j = 0; j < D; j++)
            for (size_t i = 0; i < D; i++)
                a[j] += U[k * D + i] * S[i * D + j];
        sum_moments(kap, a, D, M);
        for (int e = 1; e <= 4; e++)
            if (isfinite(M[2 * e]))
                expect_z(pw[k][e], M[e], M[2 * e] - M[e] * M[e], n, thr, "E(u.xi)^e", law,
                         (size_t)k, (size_t)e);
        int rc = fdr_noise_moments(m->noise, x, U + k * D, &m3, &m4);
        if (!closed_form) {
            cr_expect_eq(rc, FDR_EINVAL, "%s: moments claimed for a law noise_iid.c does not know",
                         law);
        } else if (isfinite(M[3]) && isfinite(M[4])) {
            cr_expect_eq(rc, FDR_OK, "%s: moments known", law);
            cr_expect(fabs(m3 - M[3]) <= 1e-12 * pow(M[2], 1.5), "%s: m3 %.15g, derived %.15g", law,
                      m3, M[3]);
            cr_expect(fabs(m4 - M[4]) <= 1e-12 * M[4], "%s: m4 %.15g, derived %.15g", law, m4,
                      M[4]);
        } else {
            cr_expect_eq(rc, FDR_EINVAL, "%s: a moment is infinite, none can be claimed", law);
        }
    }
}

/* The moment checks for one of the laws[] cases. */
static void check_law_moments(const law_case *lc, size_t n)
{
    fdr_model *m = moment_model(lc);
    double mz[KMOM + 1];
    char law[64];
    snprintf(law, sizeof law, "%s(%g)", lc->type, lc->param);
    scalar_moments(lc, mz);
    check_moments(m, law, mz, 1, n);
    fdr_model_free(m);
}

Test(noise_laws, draws_have_the_exact_mean_covariance_and_higher_moments, .timeout = 120)
{
    for (size_t k = 0; k < NLAWS; k++)
        check_law_moments(&laws[k], 400000);
}

/* The twin of the check above: the sample fourth moment along an
 * eigenvector of C (where u.xi is one scaled scalar) rejects the Gaussian
 * value 3 (u^T C u)^2 for every non-Gaussian law, and the sample third
 * moment of the skewed law rejects 0. So the moment checks can tell the
 * laws apart at the sample size they use. */
Test(noise_laws, moment_checks_tell_the_laws_from_a_gaussian, .timeout = 120)
{
    const size_t n = 400000;
    for (size_t k = 0; k < NLAWS; k++) {
        const law_case *lc = &laws[k];
        double S[D * D], V[D * D], U[NDIR * D] = {0}, mz[KMOM + 1];
        scalar_moments(lc, mz);
        if (strcmp(lc->type, "gaussian") == 0 || !isfinite(mz[8]))
            continue; /* nothing to tell apart, or the fourth moment's error is infinite */
        fdr_model *m = moment_model(lc);
        factor_of(D, m->noise->C, S, V);
        for (size_t i = 0; i < D; i++)
            U[i] = V[i * D];
        double mean[D], cov[D * D], pw[NDIR][5], x[D] = {0};
        draw_sums(m, x, n, U, mean, cov, pw);
        double s2 = 0; /* u^T C u: the top eigenvalue */
        for (size_t i = 0; i < D; i++)
            s2 += S[i * D] * S[i * D];
        double z4 =
            (pw[0][4] - 3 * s2 * s2) / sqrt((mz[8] - mz[4] * mz[4]) * pow(s2, 4) / (double)n);
        cr_expect(fabs(z4) > 6, "%s(%g): a Gaussian fourth moment is not rejected (z = %.2f)",
                  lc->type, lc->param, z4);
        if (strcmp(lc->type, "skewed") == 0) {
            double z3 = pw[0][3] / sqrt((mz[6] - mz[3] * mz[3]) * pow(s2, 3) / (double)n);
            cr_expect(fabs(z3) > 6, "skewed(%g): a zero third moment is not rejected (z = %.2f)",
                      lc->param, z3);
        }
        fdr_model_free(m);
    }
}

/* Rademacher signs are the bits of the stream's words, least significant
 * first, 64 coordinates per word, a fresh word for each row. */
Test(noise_laws, rademacher_signs_use_every_bit_of_a_word)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 67\nspectrum = linear 1 1\n"
                              "[noise]\ntype = rademacher\n[optimizer]\nlr = 0.1\n");
    fdr_rng *a = fdr_rng_alloc(9, 4), *b = fdr_rng_alloc(9, 4);
    double x[67] = {0}, Z[2 * 67], work[2 * 67];
    fdr_rng *rows[2] = {a, a};
    m->noise->type->sample(m->noise->state, 2, 0, 0, x, Z, rows, work);
    for (size_t r = 0; r < 2; r++) {
        uint64_t w[2] = {fdr_rng_u64(b), fdr_rng_u64(b)};
        for (size_t i = 0; i < 67; i++)
            cr_assert_eq(Z[r * 67 + i], (w[i / 64] >> (i % 64)) & 1 ? 1.0 : -1.0,
                         "row %zu, coordinate %zu", r, i);
    }
    fdr_rng_free(a);
    fdr_rng_free(b);
    fdr_model_free(m);
}

/* A quadratic with its minimum theta* away from the origin, and C0. */
#define STATE_LAND                                                                                 \
    "[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\nminimum = 1 -2 0.5\n"
#define STATE_C0                                                                                   \
    "covariance = matrix 2 0.5 0.1\n  0.5 1 -0.3\n  0.1 -0.3 0.5\n[optimizer]\nlr = 0.1\n"

/* The state-dependent law: C(theta) = (s0^2 + s1^2 |theta - theta*|^2) C0
 * exactly, from covariance(), from trace_hc() and from draws at two points
 * (Gaussian errors), with theta* the landscape's minimum; constant only if
 * s1 = 0. */
Test(noise_laws, state_dependent_covariance_is_exact_at_every_point, .timeout = 120)
{
    fdr_model *m = test_model(STATE_LAND "[noise]\ntype = state\ns0 = 0.5\ns1 = 1.5\n" STATE_C0);
    fdr_model *g = test_model(STATE_LAND "[noise]\n" STATE_C0);
    fdr_model *c = test_model(STATE_LAND "[noise]\ntype = state\ns0 = 0.5\ns1 = 0\n" STATE_C0);
    cr_assert_null(m->noise->C, "C depends on theta");
    cr_assert_not_null(c->noise->C, "with s1 = 0 C is constant");
    for (size_t i = 0; i < D * D; i++)
        cr_assert_float_eq(c->noise->C[i], 0.25 * g->noise->C[i], 1e-15);
    const double *C0 = g->noise->C;
    const double pts[2][D] = {{1, -2, 0.5}, {1.6, -2.8, 0.5}}; /* theta*, and |dx|^2 = 1 */
    const double fac[2] = {0.25, 0.25 + 2.25};
    const size_t n = 200000;
    const double thr = fdr_threshold_adjust(4, 2 * (D + D * (D + 1) / 2 + 2));
    for (int p = 0; p < 2; p++) {
        double Cx[D * D], mean[D], cov[D * D], pw[NDIR][5],
            U[NDIR * D] = {1, 0, 0, 0.6, -0.48, 0.64};
        cr_assert_eq(m->noise->type->covariance(m->noise->state, pts[p], Cx), 0);
        double trhc = 0; /* Tr(H C(x)) from the formed C(x) */
        for (size_t i = 0; i < D * D; i++) {
            cr_assert_float_eq(Cx[i], fac[p] * C0[i], 1e-14, "point %d, entry %zu", p, i);
            trhc += m->land->H[i] * Cx[i];
        }
        cr_assert_float_eq(m->noise->type->trace_hc(m->noise->state, 0, pts[p], m->land->H), trhc,
                           1e-13 * fabs(trhc), "point %d: Tr(H C(x))", p);
        draw_sums(m, pts[p], n, U, mean, cov, pw);
        for (size_t i = 0; i < D; i++) {
            expect_z(mean[i], 0, Cx[i * D + i], n, thr, "mean", "state", i, (size_t)p);
            for (size_t j = i; j < D; j++) {
                double cij = Cx[i * D + j];
                expect_z(cov[i * D + j], cij, Cx[i * D + i] * Cx[j * D + j] + cij * cij, n, thr,
                         "cov", "state", i, j);
            }
        }
        for (int k = 0; k < NDIR; k++) {
            double q = 0, m3, m4;
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < D; j++)
                    q += U[k * D + i] * Cx[i * D + j] * U[k * D + j];
            cr_assert_eq(fdr_noise_moments(m->noise, pts[p], U + k * D, &m3, &m4), FDR_OK);
            cr_assert(m3 == 0 && fabs(m4 - 3 * q * q) <= 1e-12 * q * q,
                      "point %d, direction %d: m3 = %g, m4 = %g, 3 (u^T C u)^2 = %g", p, k, m3, m4,
                      3 * q * q);
            expect_z(pw[k][4], 3 * q * q, 96 * q * q * q * q, n, thr, "E(u.xi)^4", "state",
                     (size_t)k, (size_t)p);
        }
    }
    fdr_model_free(m);
    fdr_model_free(g);
    fdr_model_free(c);
}

/* ---- the relations on a quadratic and on a quartic ---------------------------------------- */

/* Rotated quadratic, covariance along an independent random basis, with
 * momentum and a minimum away from the origin. */
static const char *quadratic =
    "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 2\nrotation = random\n"
    "minimum = 0.5\n[optimizer]\nlr = 0.1\nmomentum = 0.5\n"
    "[run]\nreplicas = 64\nsteps = 40000\nseed = 5\n";
/* Rotated 3-D quartic with cubic terms and coupling. */
static const char *quartic =
    "[landscape]\ntype = quartic\ndim = 3\nh = log 0.5 2\ncubic = 1\nquartic = 2\n"
    "coupling = 0.3\nrotation = random\nminimum = 0.3\n[optimizer]\nlr = 0.05\nmomentum = 0.5\n"
    "[run]\nreplicas = 64\nsteps = 40000\nseed = 6\n";
static const char *noise_c = "covariance = spectrum log 1.5 0.3\ncovariance_rotation = random\n";

/* Expects every exact relation of the finished run t to hold within its
 * own threshold (vector and tensor relations carry a multiple-comparison
 * adjusted one); on the quadratic with a constant C, every observable and
 * both FDR2 sides match the Lyapunov values within 4 sigma. law_keys names
 * the law in messages. */
static void expect_relations_of(const test_run *t, const char *law_keys, int constant_quadratic)
{
    const char *names[] = {"FDR0.grad", "FDR0.v", "FDR1", "FDR1.tensor", "FDR2", "FDR2.F2"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const fdr_relation *r = fdr_analysis_find(&t->a, names[k]);
        cr_assert_not_null(r, "%s measured", names[k]);
        cr_expect(fabs(r->z) < r->threshold && isfinite(r->z) && r->diff.err > 0,
                  "%s: %s z = %.2f (threshold %.2f)", law_keys, r->name, r->z, r->threshold);
    }
    cr_expect(fdr_analysis_find(&t->a, "FDR2")->identity, "FDR2 closes on polynomials");
    cr_assert_eq(t->e.available, constant_quadratic, "%s: exact references %s", law_keys,
                 t->e.why_not ? t->e.why_not : "available");
    if (constant_quadratic) {
        for (int k = 0; k < FDR_NSTATE_OBS; k++) {
            const fdr_observable *o = &t->a.obs[k];
            double z = (o->est.val - o->exact) / o->est.err;
            cr_expect(fabs(z) < 4, "%s: %s %g +- %g, exact %g (z = %.2f)", law_keys, o->key,
                      o->est.val, o->est.err, o->exact, z);
        }
        const fdr_fdr2_terms *f = &t->a.fdr2;
        double zd = (f->dissipation.val - f->dissipation_exact) / f->dissipation.err;
        double zf = (f->F[2].val - f->F2_exact) / f->F[2].err;
        cr_expect(fabs(zd) < 4 && fabs(zf) < 4, "%s: dissipation z = %.2f, F2 z = %.2f", law_keys,
                  zd, zf);
    }
}

/* Runs the landscape with the law's [noise] lines and expects the
 * relations to hold (expect_relations_of). */
static void expect_relations(const char *landscape, const char *law_keys, int constant_quadratic)
{
    char ini[1024];
    snprintf(ini, sizeof ini, "%s[noise]\n%s%s", landscape, law_keys, noise_c);
    test_run t;
    test_run_model(&t, ini, 2);
    expect_relations_of(&t, law_keys, constant_quadratic);
    test_run_free(&t);
}

/* The law on both landscapes; the Lyapunov references apply on the
 * quadratic when its covariance is constant. */
static void expect_relations_both(const char *quadratic_keys, const char *quartic_keys,
                                  int constant)
{
    expect_relations(quadratic, quadratic_keys, constant);
    expect_relations(quartic, quartic_keys, 0);
}

/* dof 5 keeps the fourth moment, hence every error bar on the quadratic,
 * finite; on the quartic |grad f|^2 ~ theta^6 needs a finite twelfth. */
Test(noise_laws, relations_hold_with_student_t_noise, .timeout = 120)
{
    expect_relations_both("type = student_t\ndof = 5\n", "type = student_t\ndof = 14\n", 1);
}

Test(noise_laws, relations_hold_with_laplace_noise, .timeout = 120)
{
    expect_relations_both("type = laplace\n", "type = laplace\n", 1);
}

Test(noise_laws, relations_hold_with_uniform_noise, .timeout = 120)
{
    expect_relations_both("type = uniform\n", "type = uniform\n", 1);
}

Test(noise_laws, relations_hold_with_rademacher_noise, .timeout = 120)
{
    expect_relations_both("type = rademacher\n", "type = rademacher\n", 1);
}

Test(noise_laws, relations_hold_with_skewed_noise, .timeout = 120)
{
    expect_relations_both("type = skewed\nskewness = 2\n", "type = skewed\nskewness = 2\n", 1);
}

Test(noise_laws, relations_hold_with_state_dependent_noise, .timeout = 120)
{
    expect_relations_both("type = state\ns0 = 0.5\ns1 = 0.5\n",
                          "type = state\ns0 = 0.5\ns1 = 0.5\n", 0);
}

/* The skewed law's third moment reaches FDR2 through the cubic term: on
 * doc/theory.md's 1-D quartic at mu = 0, v' = -eta (f' + xi), and
 * F3 = <f'''(theta) v'^3>/6 gains -(eta^3/6) <f'''(theta)> E xi^3 over
 * the Gaussian law of the same variance, with f''' = kappa + lambda x
 * close to kappa = 1.5. The shift must be resolved and within 30% of
 * -(eta^3/6) kappa E xi^3, while the full FDR2 still holds. */
Test(noise_laws, skewed_noise_shows_in_the_cubic_term, .timeout = 120)
{
    const char *fmt = "[landscape]\ntype = quartic\ndim = 1\nh = 1\ncubic = 1.5\nquartic = 3\n"
                      "[noise]\ntype = %s\ncovariance = isotropic 1\n[optimizer]\nlr = 0.1\n"
                      "[run]\nreplicas = 64\nsteps = 40000\nseed = 8\n";
    char ini[512];
    test_run g, s;
    snprintf(ini, sizeof ini, fmt, "gaussian");
    test_run_model(&g, ini, 2);
    snprintf(ini, sizeof ini, fmt, "skewed\nskewness = 2");
    test_run_model(&s, ini, 2);
    const fdr_est *f3g = &g.a.fdr2.F[3], *f3s = &s.a.fdr2.F[3];
    double shift = f3s->val - f3g->val, err = hypot(f3s->err, f3g->err);
    double want = -(0.1 * 0.1 * 0.1 / 6) * 1.5 * 2;
    cr_expect(fabs(shift / err) > 10, "F3 shift %g +- %g not resolved", shift, err);
    cr_expect(fabs(shift / want - 1) < 0.3, "F3 shift %g +- %g, leading order %g", shift, err,
              want);
    const fdr_relation *full = fdr_analysis_find(&s.a, "FDR2");
    cr_expect(fabs(full->z) < full->threshold, "FDR2 with skewed noise: z = %.2f", full->z);
    test_run_free(&g);
    test_run_free(&s);
}

/* ---- bad input ----------------------------------------------------------------------------- */

static void expect_rejected(const char *noise_lines, const char *key)
{
    char ini[512];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n[noise]\n%s"
             "[optimizer]\nlr = 0.1\n",
             noise_lines);
    const char *msg = test_reject(ini);
    cr_assert_not_null(msg, "accepted: %s", noise_lines);
    cr_expect(strstr(msg, key) != NULL, "the message names %s: %s", key, msg);
}

Test(noise_laws, bad_parameters_are_rejected_naming_the_key)
{
    expect_rejected("type = student_t\ndof = 2\n", "[noise] dof");
    expect_rejected("type = student_t\ndof = 1.5\n", "[noise] dof");
    expect_rejected("type = student_t\ndof = -4\n", "[noise] dof");
    expect_rejected("type = skewed\nskewness = 0\n", "[noise] skewness");
    expect_rejected("type = skewed\nskewness = -1\n", "[noise] skewness");
    expect_rejected("type = state\ns0 = -1\n", "[noise] s0");
    expect_rejected("type = state\ns1 = -0.5\n", "[noise] s1");
    /* a key of another law is unknown to this one */
    expect_rejected("type = laplace\ndof = 3\n", "dof");
    expect_rejected("type = student_t\nskewness = 1\n", "skewness");
    expect_rejected("type = uniform\ncovariance = diagonal 1 -1\n", "[noise] covariance");
    /* the accepted boundaries */
    const char *ok = test_reject(
        "[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n[noise]\ntype = state\n"
        "s0 = 0\ns1 = 0\n[optimizer]\nlr = 0.1\n");
    cr_assert_null(ok, "%s", ok);
    cr_assert_null(
        test_reject("[landscape]\ntype = quadratic\ndim = 1\nspectrum = list 1\n[noise]\n"
                    "type = student_t\ndof = 2.001\n[optimizer]\nlr = 0.1\n"));
}

/* The bundled models load, and the command line turns a bad parameter of
 * each into exit status 2. */
Test(noise_laws, bundled_models_load_and_bad_overrides_exit_2)
{
    const char *files[][2] = {{"student-t.ini", "noise.dof=2"},
                              {"skewed-quartic.ini", "noise.skewness=0"},
                              {"state-double-well.ini", "noise.s1=-1"}};
    for (size_t k = 0; k < 3; k++) {
        char path[512], cmd[1024];
        snprintf(path, sizeof path, "%s/%s", FDR_TEST_MODELDIR, files[k][0]);
        fdr_error_clear();
        fdr_config *c = fdr_config_load(path);
        cr_assert_not_null(c, "%s", fdr_error_message());
        fdr_model *m = fdr_model_alloc(c, files[k][0]);
        fdr_config_free(c);
        cr_assert_not_null(m, "%s: %s", files[k][0], fdr_error_message());
        fdr_model_free(m);
        snprintf(cmd, sizeof cmd,
                 "'%s' run '%s' --set %s -q -o /tmp/fdrsim-never-written >/dev/null 2>&1",
                 FDRSIM_BIN, path, files[k][1]);
        int st = system(cmd);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s --set %s: exit %d", files[k][0],
                  files[k][1], WEXITSTATUS(st));
    }
}

/* ---- the README's "Adding a noise law", tried ----------------------------------------------
 * A law defined here and registered nowhere: xi = S z with independent two-point scalars,
 * z = sqrt((1 - p)/p) with probability p and -sqrt(p/(1 - p)) otherwise (mean 0, variance 1,
 * skewness (1 - 2p)/sqrt(p (1 - p))): rare large kicks one way against frequent small ones the
 * other. Key p (0 < p < 1, default 0.2) and the shared covariance keys (noise.h) for C = S S^T. */

typedef struct {
    fdr_covariance cov;
    double p, up, down; /* z = up with probability p, else -down */
} twopoint;

/* Reads p and the covariance. */
static int twopoint_init(void *state, fdr_config *cfg, const fdr_landscape *l)
{
    twopoint *s = state;
    int rc = fdr_config_double(cfg, "noise", "p", 0.2, &s->p);
    if (rc == FDR_OK && !(s->p > 0 && s->p < 1))
        rc = fdr_config_error(cfg, "noise", "p", "%g: must be in (0, 1) (a probability)", s->p);
    if (rc)
        return rc;
    s->up = sqrt((1 - s->p) / s->p);
    s->down = sqrt(s->p / (1 - s->p));
    return fdr_covariance_parse(&s->cov, cfg, "noise", l);
}

/* Releases the covariance, also after a failed init. */
static void twopoint_free(void *state)
{
    twopoint *s = state;
    fdr_covariance_clear(&s->cov);
}

/* One uniform per coordinate from the replica's own stream, turned into
 * the two-point scalar and mapped through the factor of C. */
static void twopoint_sample(void *state, size_t n, size_t first, long t, const double *X,
                            double *Z, fdr_rng *const *rng, double *work)
{
    const twopoint *s = state;
    size_t d = s->cov.d;
    double *U = s->cov.sdiag ? Z : work;
    (void)first, (void)t, (void)X;
    for (size_t r = 0; r < n; r++) {
        double *u = U + r * d;
        fdr_rng_uniform(rng[r], u, d);
        for (size_t i = 0; i < d; i++)
            u[i] = u[i] < s->p ? s->up : -s->down;
    }
    fdr_covariance_map(&s->cov, n, U, Z);
}

/* C, constant: returns 1. */
static int twopoint_covariance(const void *state, const double *x, double *C)
{
    const twopoint *s = state;
    (void)x;
    memcpy(C, s->cov.C, s->cov.d * s->cov.d * sizeof *C);
    return 1;
}

/* Not Gaussian, so no diagonal_std: the engine's fused path would draw
 * normals in its place. */
static const fdr_noise_type example_twopoint = {
    .name = "twopoint",
    .summary = "test only: independent two-point draws (key p) mapped to covariance C",
    .size = sizeof(twopoint),
    .init = twopoint_init,
    .free = twopoint_free,
    .sample = twopoint_sample,
    .covariance = twopoint_covariance,
};

/* The twin's error: the declared covariance is 1.5 times the one drawn. */
static int twopoint_covariance_wrong(const void *state, const double *x, double *C)
{
    const twopoint *s = state;
    size_t d = s->cov.d;
    twopoint_covariance(state, x, C);
    for (size_t i = 0; i < d * d; i++)
        C[i] *= 1.5;
    return 1;
}

/* Replaces m's noise law by type, built from [noise] text on m's
 * landscape, every key read: the model's own law only stands in for the
 * registry entry the type does not have. */
static void swap_noise(fdr_model *m, const char *ini, const fdr_noise_type *type)
{
    fdr_config *c = fdr_config_parse_string(ini, "example.ini");
    cr_assert_not_null(c, "%s", fdr_error_message());
    fdr_noise *n = fdr_noise_alloc_type(c, m->land, type);
    cr_assert_not_null(n, "%s", fdr_error_message());
    cr_assert_eq(fdr_config_check_unused(c), FDR_OK, "%s", fdr_error_message());
    fdr_config_free(c);
    fdr_noise_free(m->noise);
    m->noise = n;
}

/* The draws have the law's moments (the checks every registered law
 * passes; fdr_noise_moments rightly claims none for it), and a bad p is
 * refused naming the key. */
Test(noise_laws, example_law_has_its_moments, .timeout = 120)
{
    const double p = 0.15, up = sqrt((1 - p) / p), down = sqrt(p / (1 - p));
    double mz[KMOM + 1];
    for (int k = 0; k <= KMOM; k++)
        mz[k] = p * pow(up, k) + (1 - p) * pow(-down, k);
    cr_assert(fabs(mz[1]) < 1e-15 && fabs(mz[2] - 1) < 1e-15);
    const law_case gauss = {"gaussian", 0, ""};
    fdr_model *m = moment_model(&gauss);
    swap_noise(m, "[noise]\np = 0.15\ncovariance = matrix 2 0.5 0.1\n  0.5 1 -0.3\n  0.1 -0.3 0.5\n",
               &example_twopoint);
    cr_assert(m->noise->C && !m->noise->sdiag && !m->noise->caveat);
    check_moments(m, "twopoint(0.15)", mz, 0, 400000);
    fdr_model_free(m);

    fdr_config *bad = fdr_config_parse_string("[noise]\np = 1\n", "bad.ini");
    m = moment_model(&gauss);
    cr_assert_null(fdr_noise_alloc_type(bad, m->land, &example_twopoint));
    cr_assert(strstr(fdr_error_message(), "bad.ini:2") && strstr(fdr_error_message(), "p"), "%s",
              fdr_error_message());
    fdr_config_free(bad);
    fdr_model_free(m);
}

/* Runs the rotated quadratic of the relation tests with the example law
 * (or its twin) on `threads` threads. */
static void run_twopoint(test_run *t, const fdr_noise_type *type, int threads)
{
    char ini[1024], law[256];
    snprintf(ini, sizeof ini, "%s[noise]\n%s", quadratic, noise_c);
    snprintf(law, sizeof law, "[noise]\np = 0.1\n%s", noise_c);
    fdr_model *m = test_model(ini);
    swap_noise(m, law, type);
    test_run_built(t, m, threads);
}

/* In the engine every relation holds with the example law and every
 * observable matches its Lyapunov value, bit-identically on one thread and
 * on two. The twin that declares 1.5 C is caught where C enters: FDR2's
 * noise-averaged F2 and the exact references (FDR1 needs no C and holds). */
Test(noise_laws, example_law_runs_in_the_engine, .timeout = 120)
{
    test_run t, one;
    run_twopoint(&t, &example_twopoint, 2);
    cr_assert_not(t.r->fused);
    expect_relations_of(&t, "twopoint", 1);
    run_twopoint(&one, &example_twopoint, 1);
    cr_assert_eq(memcmp(t.r->bsum, one.r->bsum, t.r->R * FDR_NBATCH * FDR_NOBS * sizeof *t.r->bsum),
                 0, "one thread and two differ");
    test_run_free(&one);
    test_run_free(&t);

    fdr_noise_type twin = example_twopoint;
    twin.covariance = twopoint_covariance_wrong;
    run_twopoint(&t, &twin, 2);
    const fdr_relation *f2 = fdr_analysis_find(&t.a, "FDR2.F2");
    cr_assert(fabs(f2->z) > 10 && !f2->pass, "a wrong C not caught: FDR2.F2 z = %.2f", f2->z);
    const fdr_observable *vv = &t.a.obs[FDR_OBS_VV];
    double z = (vv->est.val - vv->exact) / vv->est.err;
    cr_assert(fabs(z) > 10, "<v.v> %g +- %g against the exact %g of the declared C (z = %.2f)",
              vv->est.val, vv->est.err, vv->exact, z);
    cr_assert_lt(fabs(fdr_analysis_find(&t.a, "FDR1")->z), 4, "FDR1 needs no C");
    test_run_free(&t);
}
