/* rng_kernel.h - the vectorized core of rng.c, compiled once per
 * instruction set (internal to the library and its tests).
 *
 * rng_kernel.c holds Philox4x32-10 and the Box-Muller transform. The build
 * compiles it with the library's own flags (suffix _base) and, on x86-64,
 * again with -mavx2 (_avx2) and -mavx512f (_avx512); rng.c picks the best
 * one the running CPU supports, so a portable build (--disable-native) is as
 * fast as a native one. Every kernel returns the same bits: the sequence of
 * a stream does not depend on the instruction set. */
#ifndef FDR_RNG_KERNEL_H
#define FDR_RNG_KERNEL_H

#include "rng/rng.h"

#include <stddef.h>
#include <stdint.h>

enum {
    /* Philox blocks per refill of the normal buffer (two normals each); a
     * multiple of the largest group a kernel computes at once (32) keeps
     * the sequence independent of the instruction set. */
    FDR_RNG_NORMAL_BLOCKS = 64,
    /* Philox blocks per refill of the uniform and word buffers. */
    FDR_RNG_SMALL_BLOCKS = 32
};

/* The counter kinds: each reads its own range of Philox blocks. */
enum { FDR_RNG_KIND_NORMAL = 0, FDR_RNG_KIND_UNIFORM = 1, FDR_RNG_KIND_U64 = 2, FDR_RNG_KINDS = 3 };

/* The Philox key (the seed) and the stream's two counter words. */
typedef struct {
    uint32_t key[2];
    uint32_t stream[2];
} fdr_rng_key;

typedef struct {
    /* The generator with the instruction set and vector width, e.g.
     * "Philox4x32-10 + vectorized Box-Muller (AVX-512, 8 lanes)". */
    const char *(*name)(void);
    /* out[j] and out[NORMAL_BLOCKS + j]: the two normals of block first + j
     * of kind 0, j < NORMAL_BLOCKS. */
    void (*normals)(const fdr_rng_key *k, uint64_t first, double *out);
    /* out[2 j] and out[2 j + 1]: words 0 | 1 << 32 and 2 | 3 << 32 of
     * block first + j of the given kind, j < SMALL_BLOCKS. */
    void (*words)(const fdr_rng_key *k, unsigned kind, uint64_t first, uint64_t *out);
    /* Whether the running CPU can execute it. */
    int (*supported)(void);
} fdr_rng_kernel;

/* The kernels built in, best first; the last is always supported. */
size_t fdr_rng_kernels(const fdr_rng_kernel *const **list);

/* Makes stream r use kernel i of that list; returns 0 (and changes
 * nothing) if the CPU cannot run it. For tests and benchmarks. */
int fdr_rng_use_kernel(fdr_rng *r, size_t i);

#define FDR_RNG_KERNEL_DECLARE(isa)                                                                \
    const char *fdr_rng_name_##isa(void);                                                          \
    void fdr_rng_normals_##isa(const fdr_rng_key *k, uint64_t first, double *out);                 \
    void fdr_rng_words_##isa(const fdr_rng_key *k, unsigned kind, uint64_t first, uint64_t *out);
FDR_RNG_KERNEL_DECLARE(base)
FDR_RNG_KERNEL_DECLARE(avx2)
FDR_RNG_KERNEL_DECLARE(avx512)
#undef FDR_RNG_KERNEL_DECLARE

#endif
