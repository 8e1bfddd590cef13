/* dist.h - a run spread over the processes of a parallel job (MPI ranks),
 * seen by the library through one collective, so that the library itself
 * needs no MPI: the program supplies it (src/parallel/mpi.c).
 *
 * Every rank runs a contiguous range of the engine's replica blocks (the
 * blocks are fixed by the model, not by the number of ranks); rank 0
 * collects the other ranks' blocks and merges them in the fixed block
 * order of a one-process run, so the result is identical bit for bit for
 * any number of ranks. Every rank must make the same sequence of calls. */
#ifndef FDR_DIST_H
#define FDR_DIST_H

#include "engine/engine.h"

#include <stddef.h>

typedef struct fdr_dist {
    int rank, size;
    void *ctx;
    /* Concatenates, in rank order, len[k] bytes from every rank k (send
     * holds this rank's len[rank]) into recv: on every rank when all is
     * nonzero, else on rank 0 only (recv is then unused elsewhere). Every
     * rank passes the same len. FDR_OK or a status with fdr_error. */
    int (*gather)(void *ctx, const void *send, const size_t *len, void *recv, int all);
} fdr_dist;

/* The blocks [*k0, *k1) of nblocks that rank runs: contiguous ranges of
 * sizes differing by at most one (NULL d: all of them). */
void fdr_dist_range(const fdr_dist *d, int rank, size_t nblocks, size_t *k0, size_t *k1);

/* The status every rank continues with after each rank reached rc: the
 * first failure in rank order, so that no rank waits in a collective for
 * one that gave up. Another rank's failure comes with its message
 * (fdr_error: "rank K of the parallel job: ..."). d NULL: rc. */
int fdr_dist_agree(const fdr_dist *d, int rc);

/* Fills items (count x size bytes) on every rank from the ranks that own
 * them, item k from the rank whose fdr_dist_range holds k (when all, else
 * on rank 0 only). */
int fdr_dist_share(const fdr_dist *d, size_t count, size_t size, void *items, int all);

/* Every rank's size bytes at item into all (d->size x size bytes, in rank
 * order), on every rank: the one value each rank contributes to a
 * decision they all take alike. FDR_OK or a status with fdr_error. */
int fdr_dist_each(const fdr_dist *d, const void *item, size_t size, void *all);

/* Moves into rank 0's res the accumulators of the replicas the other ranks
 * ran (each placed at its replica, as a one-process run leaves them):
 * nblocks blocks, block k starting at replica first[k], first[nblocks] = R.
 * Sums across blocks (the time series) are the engine's to merge. */
int fdr_dist_result(const fdr_dist *d, fdr_result *res, size_t nblocks, const size_t *first);

#endif
