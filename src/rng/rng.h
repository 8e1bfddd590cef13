/* rng.h - one reproducible random stream per replica.
 *
 * A stream is identified by (seed, stream index); its output depends only on
 * those two numbers and on the sequence of calls made on it, never on
 * threads or on other streams. */
#ifndef FDR_RNG_H
#define FDR_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fdr_rng fdr_rng;

/* Allocates a stream for (seed, stream); NULL (with fdr_error) on failure. */
fdr_rng *fdr_rng_alloc(uint64_t seed, uint64_t stream);
void fdr_rng_free(fdr_rng *r);

/* Fills out[0..n-1] with independent standard normal deviates. */
void fdr_rng_normal(fdr_rng *r, double *out, size_t n);

/* Fills out[0..n-1] with independent uniform deviates in the open interval (0,1). */
void fdr_rng_uniform(fdr_rng *r, double *out, size_t n);

/* One uniformly distributed 64-bit word. */
uint64_t fdr_rng_u64(fdr_rng *r);

/* A stream's position, all a checkpoint needs besides (seed, stream): per
 * counter kind, the first Philox block not yet generated and how many
 * entries of its buffer were handed out. */
typedef struct {
    uint64_t next_block[3];
    uint64_t used[3];
} fdr_rng_pos;

void fdr_rng_tell(const fdr_rng *r, fdr_rng_pos *pos);

/* Puts the stream at pos (as fdr_rng_tell gave it for the same seed and
 * stream), regenerating its buffers: it then continues exactly as the
 * stream it was told from. FDR_EINVAL (recording nothing) if pos cannot
 * have come from fdr_rng_tell. */
int fdr_rng_seek(fdr_rng *r, const fdr_rng_pos *pos);

/* Short description of the generator and the normal sampler (for outputs). */
const char *fdr_rng_name(void);

#endif
