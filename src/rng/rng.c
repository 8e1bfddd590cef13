/* rng.c - Philox4x32-10 streams with Gaussian, uniform and raw-word
 * output; the vectorized generator itself is in rng_kernel.c.
 *
 * Stream layout. The Philox key is the 64-bit seed (low word first). The
 * 128-bit counter is (block bits 0-31, block bits 32-61 | kind << 30,
 * stream bits 0-31, stream bits 32-63), where the kind gives normals,
 * uniforms and raw words disjoint counter ranges. Each kind thus reads its
 * own sequence: the normals of a stream do not depend on how the requests
 * are split into calls, nor on uniforms or words drawn in between. Word i
 * of fdr_rng_u64 is half i % 2 of block i / 2 of kind 2 (half 0 = Philox
 * words 0 | 1 << 32, half 1 = words 2 | 3 << 32); uniform i is the same
 * word of kind 1 mapped by open_unit(). A checkpoint needs only the seed,
 * the stream and, per kind, the next block and the buffer position. */
#include "config.h"

#include "rng/rng.h"
#include "rng/rng_kernel.h"

#include "core/fdr.h"

#include <stdlib.h>
#include <string.h>

enum { NORMAL_CHUNK = 2 * FDR_RNG_NORMAL_BLOCKS, SMALL_CHUNK = 2 * FDR_RNG_SMALL_BLOCKS };

struct fdr_rng {
    fdr_rng_key key;
    const fdr_rng_kernel *kernel;
    uint64_t next_block[FDR_RNG_KINDS]; /* first block not yet generated */
    size_t normal_used;                 /* entries of normal_buf already handed out */
    size_t uniform_used;
    size_t u64_used;
    double normal_buf[NORMAL_CHUNK];
    double uniform_buf[SMALL_CHUNK];
    uint64_t u64_buf[SMALL_CHUNK];
};

/* ---- the kernels built in ------------------------------------------------ */

static int always(void)
{
    return 1;
}

#if HAVE_RNG_AVX512
static int has_avx512(void)
{
    return __builtin_cpu_supports("avx512f");
}
static const fdr_rng_kernel kernel_avx512 = {fdr_rng_name_avx512, fdr_rng_normals_avx512,
                                             fdr_rng_words_avx512, has_avx512};
#endif
#if HAVE_RNG_AVX2
static int has_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}
static const fdr_rng_kernel kernel_avx2 = {fdr_rng_name_avx2, fdr_rng_normals_avx2,
                                           fdr_rng_words_avx2, has_avx2};
#endif
static const fdr_rng_kernel kernel_base = {fdr_rng_name_base, fdr_rng_normals_base,
                                           fdr_rng_words_base, always};

static const fdr_rng_kernel *const kernels[] = {
#if HAVE_RNG_AVX512
    &kernel_avx512,
#endif
#if HAVE_RNG_AVX2
    &kernel_avx2,
#endif
    &kernel_base};

size_t fdr_rng_kernels(const fdr_rng_kernel *const **list)
{
    *list = kernels;
    return sizeof kernels / sizeof *kernels;
}

/* The first kernel of the list the CPU can run. */
static const fdr_rng_kernel *best_kernel(void)
{
    size_t i = 0;
    while (!kernels[i]->supported())
        i++;
    return kernels[i];
}

int fdr_rng_use_kernel(fdr_rng *r, size_t i)
{
    if (i >= sizeof kernels / sizeof *kernels || !kernels[i]->supported())
        return 0;
    r->kernel = kernels[i];
    return 1;
}

/* ---- streams ------------------------------------------------------------- */

/* Allocates stream (seed, stream) positioned at its start; returns NULL,
 * with the message recorded by fdr_malloc, when memory is exhausted. */
fdr_rng *fdr_rng_alloc(uint64_t seed, uint64_t stream)
{
    fdr_rng *r = fdr_malloc(sizeof *r);
    if (!r)
        return NULL;
    r->key.key[0] = (uint32_t)seed;
    r->key.key[1] = (uint32_t)(seed >> 32);
    r->key.stream[0] = (uint32_t)stream;
    r->key.stream[1] = (uint32_t)(stream >> 32);
    r->kernel = best_kernel();
    for (int kind = 0; kind < FDR_RNG_KINDS; kind++)
        r->next_block[kind] = 0;
    r->normal_used = NORMAL_CHUNK;
    r->uniform_used = SMALL_CHUNK;
    r->u64_used = SMALL_CHUNK;
    return r;
}

/* Releases a stream; NULL is allowed and ignored. */
void fdr_rng_free(fdr_rng *r)
{
    free(r);
}

/* Fills out[0..n-1] with the next n standard normals of the stream. It
 * serves buffered normals first, writes whole chunks straight into out and
 * buffers a chunk only for a partial remainder, so the sequence is the
 * same however the requests are split. */
void fdr_rng_normal(fdr_rng *r, double *out, size_t n)
{
    if (n == 0)
        return; /* out may then be NULL, which memcpy does not allow */
    size_t left = NORMAL_CHUNK - r->normal_used;
    size_t take = n < left ? n : left;
    memcpy(out, r->normal_buf + r->normal_used, take * sizeof *out);
    r->normal_used += take;
    out += take;
    n -= take;
    for (; n >= NORMAL_CHUNK; n -= NORMAL_CHUNK, out += NORMAL_CHUNK) {
        r->kernel->normals(&r->key, r->next_block[FDR_RNG_KIND_NORMAL], out);
        r->next_block[FDR_RNG_KIND_NORMAL] += FDR_RNG_NORMAL_BLOCKS;
    }
    if (n > 0) {
        r->kernel->normals(&r->key, r->next_block[FDR_RNG_KIND_NORMAL], r->normal_buf);
        r->next_block[FDR_RNG_KIND_NORMAL] += FDR_RNG_NORMAL_BLOCKS;
        memcpy(out, r->normal_buf, n * sizeof *out);
        r->normal_used = n;
    }
}

/* Maps a random word to a uniform double in the open interval (0,1): the
 * top 52 bits k give (k + 1/2) 2^-52, so 0 and 1 never occur and the values
 * are symmetric about 1/2. */
static double open_unit(uint64_t w)
{
    /* x is uniform on [1,2) with spacing 2^-52; subtracting 1 - 2^-53 is
     * exact because every result fits in 53 bits. */
    uint64_t bits = (w >> 12) | UINT64_C(0x3ff0000000000000);
    double x;
    memcpy(&x, &bits, sizeof x);
    return x - (1.0 - 0x1p-53);
}

/* Fills out[0..n-1] with the next n uniforms of the stream, each in the
 * open interval (0,1) with 52 random bits. */
void fdr_rng_uniform(fdr_rng *r, double *out, size_t n)
{
    while (n > 0) {
        if (r->uniform_used == SMALL_CHUNK) {
            uint64_t words[SMALL_CHUNK];
            r->kernel->words(&r->key, FDR_RNG_KIND_UNIFORM, r->next_block[FDR_RNG_KIND_UNIFORM],
                             words);
            r->next_block[FDR_RNG_KIND_UNIFORM] += FDR_RNG_SMALL_BLOCKS;
            for (size_t i = 0; i < SMALL_CHUNK; i++)
                r->uniform_buf[i] = open_unit(words[i]);
            r->uniform_used = 0;
        }
        size_t left = SMALL_CHUNK - r->uniform_used;
        size_t take = n < left ? n : left;
        memcpy(out, r->uniform_buf + r->uniform_used, take * sizeof *out);
        r->uniform_used += take;
        out += take;
        n -= take;
    }
}

/* Returns the next uniformly distributed 64-bit word of the stream. */
uint64_t fdr_rng_u64(fdr_rng *r)
{
    if (r->u64_used == SMALL_CHUNK) {
        r->kernel->words(&r->key, FDR_RNG_KIND_U64, r->next_block[FDR_RNG_KIND_U64], r->u64_buf);
        r->next_block[FDR_RNG_KIND_U64] += FDR_RNG_SMALL_BLOCKS;
        r->u64_used = 0;
    }
    return r->u64_buf[r->u64_used++];
}

/* ---- positions (checkpoints) -------------------------------------------- */

void fdr_rng_tell(const fdr_rng *r, fdr_rng_pos *pos)
{
    for (int kind = 0; kind < FDR_RNG_KINDS; kind++)
        pos->next_block[kind] = r->next_block[kind];
    pos->used[FDR_RNG_KIND_NORMAL] = r->normal_used;
    pos->used[FDR_RNG_KIND_UNIFORM] = r->uniform_used;
    pos->used[FDR_RNG_KIND_U64] = r->u64_used;
}

/* A buffer that is not used up holds the chunk generated last, that of the
 * blocks just below next_block (every refill path keeps this so); a used-up
 * one need not be regenerated. */
int fdr_rng_seek(fdr_rng *r, const fdr_rng_pos *pos)
{
    static const uint64_t blocks[FDR_RNG_KINDS] = {FDR_RNG_NORMAL_BLOCKS, FDR_RNG_SMALL_BLOCKS,
                                                   FDR_RNG_SMALL_BLOCKS};
    static const uint64_t chunk[FDR_RNG_KINDS] = {NORMAL_CHUNK, SMALL_CHUNK, SMALL_CHUNK};
    for (int kind = 0; kind < FDR_RNG_KINDS; kind++) {
        uint64_t nb = pos->next_block[kind], used = pos->used[kind];
        if (nb % blocks[kind] != 0 || used > chunk[kind] ||
            (used < chunk[kind] && nb == 0))
            return FDR_EINVAL;
    }
    for (int kind = 0; kind < FDR_RNG_KINDS; kind++)
        r->next_block[kind] = pos->next_block[kind];
    r->normal_used = (size_t)pos->used[FDR_RNG_KIND_NORMAL];
    r->uniform_used = (size_t)pos->used[FDR_RNG_KIND_UNIFORM];
    r->u64_used = (size_t)pos->used[FDR_RNG_KIND_U64];
    if (r->normal_used < NORMAL_CHUNK)
        r->kernel->normals(&r->key, r->next_block[FDR_RNG_KIND_NORMAL] - FDR_RNG_NORMAL_BLOCKS,
                           r->normal_buf);
    if (r->uniform_used < SMALL_CHUNK) {
        uint64_t words[SMALL_CHUNK];
        r->kernel->words(&r->key, FDR_RNG_KIND_UNIFORM,
                         r->next_block[FDR_RNG_KIND_UNIFORM] - FDR_RNG_SMALL_BLOCKS, words);
        for (size_t i = 0; i < SMALL_CHUNK; i++)
            r->uniform_buf[i] = open_unit(words[i]);
    }
    if (r->u64_used < SMALL_CHUNK)
        r->kernel->words(&r->key, FDR_RNG_KIND_U64,
                         r->next_block[FDR_RNG_KIND_U64] - FDR_RNG_SMALL_BLOCKS, r->u64_buf);
    return FDR_OK;
}

/* Names the generator, the normal sampler and the kernel this CPU runs. */
const char *fdr_rng_name(void)
{
    return best_kernel()->name();
}
