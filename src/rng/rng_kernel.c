/* rng_kernel.c - Philox4x32-10 and a vectorized Box-Muller transform: the
 * part of rng.c that depends on the instruction set (see rng_kernel.h).
 * FDR_RNG_ISA names the copy (base, avx2, avx512); the build compiles this
 * file once per copy with the matching flags.
 *
 * Normal sampler. Philox block j of kind 0 gives the pair of normals
 * number 2 NORMAL_BLOCKS floor(j / NORMAL_BLOCKS) + j % NORMAL_BLOCKS and
 * NORMAL_BLOCKS later: words 0-1 give a uniform u in (0,1) (52 bits) for
 * the radius sqrt(-2 log u); words 2-3 give the angle, 2 bits for the
 * quadrant and 52 bits for a point of [-pi/4, pi/4). log, sin and cos are
 * fdlibm's kernels (error < 1 ulp) without branches or tables, written
 * with GNU C vector types so that every instruction set from SSE2 up runs
 * them on full vectors at any optimization level and without -ffast-math.
 * The output is bit-identical across instruction sets, optimization
 * levels and compilers as long as a*b+c is not contracted into fused
 * multiply-adds: -ffp-contract=off, which gcc implies with -std=c11 but
 * not with its default -std=gnu17. */
#include "rng/rng_kernel.h"

#include <string.h>

#ifndef FDR_RNG_ISA
#define FDR_RNG_ISA base
#endif
#define KERNEL_CAT(name, isa) name##_##isa
#define KERNEL_NAME(name, isa) KERNEL_CAT(name, isa)
#define KERNEL(name) KERNEL_NAME(name, FDR_RNG_ISA)

/* Philox works on 64-bit lanes holding 32-bit words because x86's only
 * vector 32x32->64 bit multiply, pmuludq, reads the low half of each
 * 64-bit lane; gcc does not find it on its own (it emulates a full 64-bit
 * product, 3-4 times slower), hence the intrinsics. UNROLL vectors are in
 * flight at once to hide the multiply latency. */
#if defined(__AVX512F__)
#include <immintrin.h>
#define LANES 8
#define UNROLL 4
#elif defined(__AVX__)
#include <immintrin.h>
#define LANES 4
#define UNROLL 2
#elif defined(__SSE2__)
#include <emmintrin.h>
#define LANES 2
#define UNROLL 2
#else
#define LANES 2
#define UNROLL 2
#endif
/* Philox blocks computed together. */
#define GROUP (LANES * UNROLL)

typedef uint64_t vu64 __attribute__((vector_size(8 * LANES)));
typedef double vf64 __attribute__((vector_size(8 * LANES)));

enum { NORMAL_BLOCKS = FDR_RNG_NORMAL_BLOCKS, SMALL_BLOCKS = FDR_RNG_SMALL_BLOCKS };

_Static_assert(NORMAL_BLOCKS % GROUP == 0 && SMALL_BLOCKS % GROUP == 0,
               "refill sizes must be multiples of the Philox group");

/* Block indices wrap at 2^62 to leave room for the kind bits; at 10^9
 * blocks per second that is more than a century away. */
#define BLOCK_MASK ((UINT64_C(1) << 62) - 1)
#define LOW32 UINT64_C(0xffffffff)
#define EXPONENT_ONE UINT64_C(0x3ff0000000000000) /* bits of 1.0 */
#define MANTISSA UINT64_C(0x000fffffffffffff)

/* Returns the lane-wise product of the low 32 bits of a and of b. */
static inline vu64 mul_low32(vu64 a, vu64 b)
{
#if defined(__AVX512F__)
    return (vu64)_mm512_mul_epu32((__m512i)a, (__m512i)b);
#elif defined(__AVX2__)
    return (vu64)_mm256_mul_epu32((__m256i)a, (__m256i)b);
#elif defined(__AVX__)
    /* AVX without AVX2 has no 256-bit integer multiply: two halves. */
    __m256i x = (__m256i)a, y = (__m256i)b;
    __m128i lo = _mm_mul_epu32(_mm256_castsi256_si128(x), _mm256_castsi256_si128(y));
    __m128i hi = _mm_mul_epu32(_mm256_extractf128_si256(x, 1), _mm256_extractf128_si256(y, 1));
    return (vu64)_mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1);
#elif defined(__SSE2__)
    return (vu64)_mm_mul_epu32((__m128i)a, (__m128i)b);
#else
    return (a & LOW32) * (b & LOW32);
#endif
}

/* Returns the lane-wise square root; an intrinsic because the sqrt()
 * of math.h may set errno and so is never vectorized without
 * -fno-math-errno. */
static inline vf64 sqrt_lanes(vf64 x)
{
#if defined(__AVX512F__)
    return (vf64)_mm512_sqrt_pd((__m512d)x);
#elif defined(__AVX__)
    return (vf64)_mm256_sqrt_pd((__m256d)x);
#elif defined(__SSE2__)
    return (vf64)_mm_sqrt_pd((__m128d)x);
#else
    for (int l = 0; l < LANES; l++)
        x[l] = sqrt(x[l]);
    return x;
#endif
}

/* Computes the GROUP Philox4x32-10 blocks first, first+1, ... of the given
 * kind, bit-identical to Random123's philox4x32(): lane l of w01[u] and
 * w23[u] is block first + u LANES + l, as word0 | word1 << 32 and word2 |
 * word3 << 32. Upper lane halves hold garbage during the rounds, which is
 * harmless because the products read only the low halves. The forced
 * inlining and unrolling matter at -O2, where gcc would otherwise keep
 * c0..c3 in memory and run at half speed. */
static inline __attribute__((always_inline)) void
philox_group(const fdr_rng_key *r, unsigned kind, uint64_t first, vu64 w01[UNROLL],
             vu64 w23[UNROLL])
{
    const vu64 zero = {0};
    const vu64 m0 = zero + UINT64_C(0xD2511F53), m1 = zero + UINT64_C(0xCD9E8D57);
    vu64 lane = zero;
    for (int l = 0; l < LANES; l++)
        lane[l] = (uint64_t)l;
    vu64 c0[UNROLL], c1[UNROLL], c2[UNROLL], c3[UNROLL];
#pragma GCC unroll 8
    for (int u = 0; u < UNROLL; u++) {
        vu64 block = (first + (uint64_t)(u * LANES) + lane) & BLOCK_MASK;
        c0[u] = block & LOW32;
        c1[u] = (block >> 32) | (uint64_t)kind << 30;
        c2[u] = zero + r->stream[0];
        c3[u] = zero + r->stream[1];
    }
    uint64_t k0 = r->key[0], k1 = r->key[1];
    for (int round = 0; round < 10; round++) {
#pragma GCC unroll 8
        for (int u = 0; u < UNROLL; u++) {
            vu64 p0 = mul_low32(c0[u], m0), p1 = mul_low32(c2[u], m1);
            c0[u] = (p1 >> 32) ^ c1[u] ^ k0;
            c1[u] = p1;
            c2[u] = (p0 >> 32) ^ c3[u] ^ k1;
            c3[u] = p0;
        }
        k0 = (k0 + 0x9E3779B9u) & LOW32;
        k1 = (k1 + 0xBB67AE85u) & LOW32;
    }
#pragma GCC unroll 8
    for (int u = 0; u < UNROLL; u++) {
        w01[u] = (c0[u] & LOW32) | c1[u] << 32;
        w23[u] = (c2[u] & LOW32) | c3[u] << 32;
    }
}

/* Maps random words to uniform doubles in the open interval (0,1): the top
 * 52 bits k give (k + 1/2) 2^-52, so 0 and 1 never occur and the values
 * are symmetric about 1/2. */
static inline vf64 open_unit(vu64 w)
{
    /* x is uniform on [1,2) with spacing 2^-52; subtracting 1 - 2^-53 is
     * exact because every result fits in 53 bits. */
    vf64 x = (vf64)((w >> 12) | EXPONENT_ONE);
    return x - (1.0 - 0x1p-53);
}

/* Natural logarithm of positive normal doubles: fdlibm's __ieee754_log
 * without its special cases (zero, negative, subnormal, inf and NaN inputs
 * never reach it) and without branches; error below 1 ulp. */
static inline vf64 log_positive(vf64 x)
{
    static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                        Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                        Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                        Lg7 = 1.479819860511658591e-01;
    const uint64_t sqrt_half = UINT64_C(0x3fe6a09e667f3bcd); /* bits of sqrt(2)/2 */
    /* Split x = 2^k m with m in [sqrt(2)/2, sqrt(2)): adding the offset
     * carries into the exponent exactly when the mantissa is >= sqrt(2). */
    vu64 ix = (vu64)x + (EXPONENT_ONE - sqrt_half);
    /* 2^52 + k + 1023 built from bits, then the offsets removed: an exact
     * integer-to-double conversion that needs no AVX-512. */
    vf64 dk = (vf64)((ix >> 52) | UINT64_C(0x4330000000000000)) - (0x1p52 + 1023.0);
    vf64 f = (vf64)((ix & MANTISSA) + sqrt_half) - 1.0;
    vf64 s = f / (2.0 + f);
    vf64 z = s * s;
    vf64 w = z * z;
    vf64 t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    vf64 t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    vf64 R = t2 + t1;
    vf64 hfsq = 0.5 * f * f;
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
}

/* sin(x) for |x| <= pi/4: fdlibm's __kernel_sin in musl's evaluation
 * order. */
static inline vf64 sin_kernel(vf64 x)
{
    static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                        S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                        S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    vf64 z = x * x;
    vf64 w = z * z;
    vf64 r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    vf64 v = z * x;
    return x + v * (S1 + z * r);
}

/* cos(x) for |x| <= pi/4: fdlibm's __kernel_cos in musl's evaluation
 * order. */
static inline vf64 cos_kernel(vf64 x)
{
    static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                        C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                        C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    vf64 z = x * x;
    vf64 w = z * z;
    vf64 r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    vf64 hz = 0.5 * z;
    vf64 one_minus_hz = 1.0 - hz;
    return one_minus_hz + (((1.0 - one_minus_hz) - hz) + z * r);
}

/* Box-Muller: turns the words of LANES Philox blocks into LANES pairs of
 * independent standard normals (*x, *y). */
static inline void box_muller(vu64 w01, vu64 w23, vf64 *x, vf64 *y)
{
    /* u lies in [2^-53, 1 - 2^-53], so log u is finite and negative and
     * the radius lies in [1.5e-8, sqrt(106 ln 2) = 8.57]: never inf or
     * NaN. */
    vf64 radius = sqrt_lanes(-2.0 * log_positive(open_unit(w01)));
    /* The angle is q pi/2 + t with t on a uniform grid of [-pi/4, pi/4)
     * and q the top two bits: the four quadrants tile the circle. */
    vf64 t = ((vf64)((w23 & MANTISSA) | EXPONENT_ONE) - 1.5) * 1.57079632679489661923;
    vu64 c = (vu64)cos_kernel(t), s = (vu64)sin_kernel(t);
    vu64 q = w23 >> 62;
    /* Turning (cos t, sin t) by q quarter turns gives (c, s), (-s, c),
     * (-c, -s), (s, -c): swap for odd q, then flip signs. Bit masks,
     * because SSE2 cannot compare 64-bit integers. */
    vu64 swap = -(q & 1);
    vu64 a = (c & ~swap) | (s & swap), b = (s & ~swap) | (c & swap);
    vu64 sign_a = ((q + 1) & 2) << 62, sign_b = (q & 2) << 62;
    *x = radius * (vf64)(a ^ sign_a);
    *y = radius * (vf64)(b ^ sign_b);
}

/* Fills out[0 .. 2 NORMAL_BLOCKS - 1] with the normals of the NORMAL_BLOCKS
 * blocks starting at first: block j gives out[j] and out[NORMAL_BLOCKS +
 * j], a layout that keeps every store a contiguous vector. */
void KERNEL(fdr_rng_normals)(const fdr_rng_key *r, uint64_t first, double *restrict out)
{
    for (size_t j = 0; j < NORMAL_BLOCKS; j += GROUP) {
        vu64 w01[UNROLL], w23[UNROLL];
        philox_group(r, FDR_RNG_KIND_NORMAL, first + j, w01, w23);
        for (int u = 0; u < UNROLL; u++) {
            vf64 x, y;
            box_muller(w01[u], w23[u], &x, &y);
            size_t at = j + (size_t)(u * LANES);
            memcpy(out + at, &x, sizeof x);
            memcpy(out + NORMAL_BLOCKS + at, &y, sizeof y);
        }
    }
}

/* Fills out[0 .. 2 SMALL_BLOCKS - 1] with the words of the SMALL_BLOCKS
 * blocks of the given kind starting at first, in block order. */
void KERNEL(fdr_rng_words)(const fdr_rng_key *r, unsigned kind, uint64_t first, uint64_t *out)
{
    for (size_t j = 0; j < SMALL_BLOCKS; j += GROUP) {
        vu64 w01[UNROLL], w23[UNROLL];
        philox_group(r, kind, first + j, w01, w23);
        for (int u = 0; u < UNROLL; u++)
            for (int l = 0; l < LANES; l++) {
                size_t block = j + (size_t)(u * LANES + l);
                out[2 * block] = w01[u][l];
                out[2 * block + 1] = w23[u][l];
            }
    }
}

/* The generator, with the instruction set this copy was compiled for. */
const char *KERNEL(fdr_rng_name)(void)
{
#if defined(__AVX512F__)
    return "Philox4x32-10 + vectorized Box-Muller (AVX-512, 8 lanes)";
#elif defined(__AVX2__)
    return "Philox4x32-10 + vectorized Box-Muller (AVX2, 4 lanes)";
#elif defined(__AVX__)
    return "Philox4x32-10 + vectorized Box-Muller (AVX, 4 lanes)";
#elif defined(__SSE2__)
    return "Philox4x32-10 + vectorized Box-Muller (SSE2, 2 lanes)";
#else
    return "Philox4x32-10 + vectorized Box-Muller (generic C, 2 lanes)";
#endif
}
