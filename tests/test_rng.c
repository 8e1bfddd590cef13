/* test_rng.c - statistical and structural checks of the random streams.
 *
 * All seeds are fixed, so every run draws the same numbers. The statistical
 * checks compare a sample statistic with its exact expectation and accept
 * |z| < 5: a correct generator fails one of them with probability 6e-7 per
 * seed, while a biased sampler moves z far beyond 5 at these sizes. */
#include "rng/rng.h"
#include "rng/rng_kernel.h"

#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <Random123/philox.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CALL = 1000 }; /* numbers per call, as in the simulator */

/* Allocates a stream and fails the test if that is impossible. */
static fdr_rng *new_stream(uint64_t seed, uint64_t stream)
{
    fdr_rng *r = fdr_rng_alloc(seed, stream);
    cr_assert_not_null(r, "fdr_rng_alloc(%llu, %llu) failed", (unsigned long long)seed,
                       (unsigned long long)stream);
    return r;
}

/* Draws n normals from r (in calls of CALL) into a fresh array. */
static double *draw_normals(fdr_rng *r, size_t n)
{
    double *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i += CALL)
        fdr_rng_normal(r, x + i, n - i < CALL ? n - i : CALL);
    return x;
}

/* Sample correlation coefficient of x[0..n-1] and y[0..n-1]. */
static double correlation(const double *x, const double *y, size_t n)
{
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0.0, syy = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* qsort comparison of doubles in increasing order. */
static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Checks the raw moments of x[0..n-1] about the true mean 0, which have
 * exact standard errors: with E x^2 = 1, E x^4 = 3, E x^6 = 15 and
 * E x^8 = 105, the sample means of x, x^2, x^3, x^4 have variances 1/n,
 * 2/n, 15/n and 96/n. what names the sample in messages. */
static void expect_normal_moments(const double *x, size_t n, const char *what)
{
    double s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i], v2 = v * v;
        cr_assert(isfinite(v), "%s: normal %zu is %g", what, i, v);
        s1 += v;
        s2 += v2;
        s3 += v2 * v;
        s4 += v2 * v2;
    }
    double m = (double)n;
    double z1 = (s1 / m) / sqrt(1.0 / m);
    double z2 = (s2 / m - 1.0) / sqrt(2.0 / m);
    double z3 = (s3 / m) / sqrt(15.0 / m);
    double z4 = (s4 / m - 3.0) / sqrt(96.0 / m);
    cr_expect(fabs(z1) < 5.0, "%s: mean %g, z = %g", what, s1 / m, z1);
    cr_expect(fabs(z2) < 5.0, "%s: second moment %g, z = %g", what, s2 / m, z2);
    cr_expect(fabs(z3) < 5.0, "%s: third moment %g, z = %g", what, s3 / m, z3);
    cr_expect(fabs(z4) < 5.0, "%s: fourth moment %g, z = %g", what, s4 / m, z4);
}

/* Moments of 10^7 normals, pooled and separately for the two members of
 * the Box-Muller pairs (r cos, r sin: positions j and 64 + j of every 128,
 * see rng.c), because a wrong angle can leave the pooled moments exact. */
Test(rng, normal_moments)
{
    enum { N = 10000000, CHUNK = 128 };
    fdr_rng *r = new_stream(20190101, 3);
    double *x = draw_normals(r, N);
    expect_normal_moments(x, N, "all");
    double *member = malloc(N / 2 * sizeof *member);
    cr_assert_not_null(member);
    for (size_t half = 0; half < 2; half++) {
        size_t m = 0;
        for (size_t i = 0; i < N; i++)
            if (i % CHUNK / (CHUNK / 2) == half)
                member[m++] = x[i];
        expect_normal_moments(member, m, half ? "sine members" : "cosine members");
    }
    free(member);
    free(x);
    fdr_rng_free(r);
}

/* The fractions beyond |x| > 3 and |x| > 4 against the exact normal tail,
 * within binomial error. */
Test(rng, normal_tails)
{
    enum { N = 10000000 };
    const double cut[] = {3.0, 4.0};
    fdr_rng *r = new_stream(77, 0);
    double *x = draw_normals(r, N);
    for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
        size_t beyond = 0;
        for (size_t i = 0; i < N; i++)
            beyond += fabs(x[i]) > cut[c];
        double p = 2.0 * gsl_cdf_ugaussian_Q(cut[c]);
        double z = ((double)beyond - N * p) / sqrt(N * p * (1.0 - p));
        cr_expect(fabs(z) < 5.0, "P(|x| > %g): %zu of %d, expected %g: z = %g", cut[c], beyond,
                  N, N * p, z);
    }
    free(x);
    fdr_rng_free(r);
}

/* Uniforms lie strictly inside (0,1) with mean 1/2 and variance 1/12, and
 * their lowest mantissa bit is random (52 random bits reach the output):
 * u = (k + 1/2) 2^-52 with k odd half the time. */
Test(rng, uniform)
{
    enum { N = 4000000 };
    fdr_rng *r = new_stream(5, 11);
    double *u = malloc(N * sizeof *u);
    cr_assert_not_null(u);
    for (size_t i = 0; i < N; i += CALL)
        fdr_rng_uniform(r, u + i, CALL);
    double s1 = 0.0, s2 = 0.0;
    size_t odd = 0;
    for (size_t i = 0; i < N; i++) {
        cr_assert(u[i] > 0.0 && u[i] < 1.0, "uniform %zu = %.17g is outside (0,1)", i, u[i]);
        s1 += u[i];
        s2 += (u[i] - 0.5) * (u[i] - 0.5);
        odd += (uint64_t)(u[i] * 0x1p52) & 1;
    }
    double n = N;
    /* Var u = 1/12; Var (u - 1/2)^2 = 1/80 - 1/144 = 1/180. */
    double z_mean = (s1 / n - 0.5) / sqrt(1.0 / (12.0 * n));
    double z_var = (s2 / n - 1.0 / 12.0) / sqrt(1.0 / (180.0 * n));
    double z_bit = ((double)odd - n / 2) / sqrt(n / 4);
    cr_expect(fabs(z_mean) < 5.0, "mean %g: z = %g", s1 / n, z_mean);
    cr_expect(fabs(z_var) < 5.0, "variance %g: z = %g", s2 / n, z_var);
    cr_expect(fabs(z_bit) < 5.0, "lowest bit odd %zu of %d: z = %g", odd, N, z_bit);
    free(u);
    fdr_rng_free(r);
}

/* The same (seed, stream) reproduces its output exactly, however the
 * requests are split (empty ones included) and whatever else is drawn in
 * between; another stream index or seed gives other numbers. */
Test(rng, reproducible)
{
    enum { N = 5000 };
    static double a[N], b[N], c[N], d[N];
    fdr_rng *r1 = new_stream(42, 9), *r2 = new_stream(42, 9);
    fdr_rng *other_stream = new_stream(42, 10), *other_seed = new_stream(43, 9);

    fdr_rng_normal(r1, a, N);
    /* r2: odd-sized pieces, with uniforms and words drawn in between. */
    size_t sizes[] = {1, 7, 100, 1000, 3, 256, 255, 129, 2000};
    size_t at = 0;
    for (size_t k = 0; at < N; k = (k + 1) % (sizeof sizes / sizeof sizes[0])) {
        size_t m = sizes[k] < N - at ? sizes[k] : N - at;
        fdr_rng_normal(r2, b + at, m);
        fdr_rng_normal(r2, NULL, 0);
        fdr_rng_uniform(r2, c, 3);
        (void)fdr_rng_u64(r2);
        at += m;
    }
    cr_expect(memcmp(a, b, sizeof a) == 0, "split requests changed the normal sequence");

    fdr_rng_normal(other_stream, c, N);
    fdr_rng_normal(other_seed, d, N);
    size_t same_stream = 0, same_seed = 0;
    for (size_t i = 0; i < N; i++) {
        same_stream += a[i] == c[i];
        same_seed += a[i] == d[i];
    }
    cr_expect(same_stream == 0, "stream 10 repeats %zu normals of stream 9", same_stream);
    cr_expect(same_seed == 0, "seed 43 repeats %zu normals of seed 42", same_seed);

    /* Uniforms and words reproduce too. */
    fdr_rng *u1 = new_stream(42, 9), *u2 = new_stream(42, 9);
    fdr_rng_uniform(u1, a, N);
    for (size_t i = 0; i < N; i++)
        fdr_rng_uniform(u2, b + i, 1);
    cr_expect(memcmp(a, b, sizeof a) == 0, "uniform sequence not reproduced");
    for (int i = 0; i < 1000; i++)
        cr_expect(fdr_rng_u64(u1) == fdr_rng_u64(u2), "word %d not reproduced", i);

    fdr_rng_free(u2);
    fdr_rng_free(u1);
    fdr_rng_free(other_seed);
    fdr_rng_free(other_stream);
    fdr_rng_free(r2);
    fdr_rng_free(r1);
}

/* Adjacent streams (and adjacent seeds) are uncorrelated: the sample
 * correlation of 10^6 pairs has standard error 1/sqrt(n). */
Test(rng, adjacent_streams_independent)
{
    enum { N = 1000000 };
    fdr_rng *r0 = new_stream(1, 0), *r1 = new_stream(1, 1), *r2 = new_stream(2, 1);
    double *x = draw_normals(r0, N), *y = draw_normals(r1, N), *z = draw_normals(r2, N);
    double bound = 5.0 / sqrt((double)N);
    double rho_stream = correlation(x, y, N), rho_seed = correlation(y, z, N);
    cr_expect(fabs(rho_stream) < bound, "streams 0 and 1: correlation %g (bound %g)", rho_stream,
              bound);
    cr_expect(fabs(rho_seed) < bound, "seeds 1 and 2: correlation %g (bound %g)", rho_seed, bound);
    free(z);
    free(y);
    free(x);
    fdr_rng_free(r2);
    fdr_rng_free(r1);
    fdr_rng_free(r0);
}

/* Kolmogorov-Smirnov test of 10^5 normals against the normal CDF, with the
 * asymptotic p-value (Stephens' small-sample correction). */
Test(rng, kolmogorov_smirnov)
{
    enum { N = 100000 };
    fdr_rng *r = new_stream(314159, 2);
    double *x = draw_normals(r, N);
    qsort(x, N, sizeof *x, compare_doubles);
    double d = 0.0;
    for (size_t i = 0; i < N; i++) {
        double f = gsl_cdf_ugaussian_P(x[i]);
        double above = (double)(i + 1) / N - f, below = f - (double)i / N;
        d = fmax(d, fmax(above, below));
    }
    double lambda = (sqrt((double)N) + 0.12 + 0.11 / sqrt((double)N)) * d;
    double p = 0.0;
    for (int k = 1; k <= 100; k++)
        p += 2.0 * (k % 2 ? 1.0 : -1.0) * exp(-2.0 * k * k * lambda * lambda);
    cr_expect(p > 1e-4, "KS distance %g, p-value %g", d, p);
    free(x);
    fdr_rng_free(r);
}

/* The vectorized generator equals Random123's reference philox4x32 under
 * the counter layout documented in rng.c: word i of fdr_rng_u64 is half
 * i % 2 of block i / 2 of kind 2. Seed and stream have all words set so
 * that a swapped or dropped word shows. */
Test(rng, philox_known_answers)
{
    const uint64_t seed = UINT64_C(0x0123456789abcdef), stream = UINT64_C(0xfedcba9876543210);
    fdr_rng *r = new_stream(seed, stream);
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t block = i / 2;
        philox4x32_ctr_t ctr = {{(uint32_t)block, (uint32_t)(block >> 32) | 2u << 30,
                                 (uint32_t)stream, (uint32_t)(stream >> 32)}};
        philox4x32_ctr_t out = philox4x32(ctr, key);
        int half = (int)(i % 2);
        uint64_t want = out.v[2 * half] | (uint64_t)out.v[2 * half + 1] << 32;
        uint64_t got = fdr_rng_u64(r);
        cr_assert(got == want, "word %llu: got %016llx, Random123 gives %016llx",
                  (unsigned long long)i, (unsigned long long)got, (unsigned long long)want);
    }
    fdr_rng_free(r);
}

/* The fast transform agrees with Box-Muller evaluated by libm in long
 * double on Random123's words (layout documented in rng.c: in chunks of 64
 * blocks, block j of kind 0 gives normal j and normal 64 + j), to a few
 * ulps of the radius. */
Test(rng, normals_match_reference)
{
    enum { BLOCKS = 64, N = 4 * 2 * BLOCKS + 17 };
    const uint64_t seed = 987654321, stream = 123;
    fdr_rng *r = new_stream(seed, stream);
    double x[N];
    fdr_rng_normal(r, x, N);
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    const long double half_pi = 1.570796326794896619231321691639751442L;
    for (size_t i = 0; i < N; i++) {
        uint64_t block = i / (2 * BLOCKS) * BLOCKS + i % BLOCKS;
        int second = (int)(i % (2 * BLOCKS) / BLOCKS);
        philox4x32_ctr_t ctr = {{(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream,
                                 (uint32_t)(stream >> 32)}};
        philox4x32_ctr_t w = philox4x32(ctr, key);
        uint64_t w01 = w.v[0] | (uint64_t)w.v[1] << 32, w23 = w.v[2] | (uint64_t)w.v[3] << 32;
        long double u = ((long double)(w01 >> 12) + 0.5L) * 0x1p-52L;
        long double radius = sqrtl(-2.0L * logl(u));
        long double t = ((long double)(w23 & UINT64_C(0x000fffffffffffff)) * 0x1p-52L - 0.5L) * half_pi;
        long double angle = t + (long double)(w23 >> 62) * half_pi;
        long double want = radius * (second ? sinl(angle) : cosl(angle));
        cr_expect(fabsl(x[i] - want) <= 8 * DBL_EPSILON * radius,
                  "normal %zu: got %.17g, reference %.17Lg", i, x[i], want);
    }
    fdr_rng_free(r);
}

/* Every kernel built in (SSE2 or native, AVX2, AVX-512) that this CPU can
 * run draws the same bits as the last, always-supported one: a stream does
 * not depend on the machine. */
Test(rng, kernels_agree_bit_for_bit)
{
    enum { N = 3 * 128 + 77, W = 150 };
    const fdr_rng_kernel *const *list;
    size_t nk = fdr_rng_kernels(&list);
    cr_assert_geq(nk, 1);
    cr_assert(list[nk - 1]->supported(), "the last kernel must run everywhere");
    fdr_rng *ref = new_stream(UINT64_C(0x9e3779b97f4a7c15), 77);
    cr_assert(fdr_rng_use_kernel(ref, nk - 1));
    double xr[N], ur[W];
    uint64_t wr[W];
    fdr_rng_normal(ref, xr, N);
    fdr_rng_uniform(ref, ur, W);
    for (size_t i = 0; i < W; i++)
        wr[i] = fdr_rng_u64(ref);
    size_t tested = 0;
    for (size_t k = 0; k < nk; k++) {
        fdr_rng *r = new_stream(UINT64_C(0x9e3779b97f4a7c15), 77);
        if (!fdr_rng_use_kernel(r, k)) {
            cr_assert_not(list[k]->supported());
            fdr_rng_free(r);
            continue;
        }
        double x[N], u[W];
        fdr_rng_normal(r, x, N);
        fdr_rng_uniform(r, u, W);
        for (size_t i = 0; i < W; i++)
            cr_assert_eq(fdr_rng_u64(r), wr[i], "%s: word %zu", list[k]->name(), i);
        cr_assert_eq(memcmp(x, xr, sizeof x), 0, "%s: normals differ", list[k]->name());
        cr_assert_eq(memcmp(u, ur, sizeof u), 0, "%s: uniforms differ", list[k]->name());
        fdr_rng_free(r);
        tested++;
    }
    cr_log_info("%zu of %zu generator kernels run on this CPU and agree", tested, nk);
    cr_assert_geq(tested, 1);
    fdr_rng_free(ref);
}
