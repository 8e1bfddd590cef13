/* mpi.c - the MPI collectives behind fdr_dist (see mpi.h). */
#include "config.h"

#include "parallel/mpi.h"
#include "core/fdr.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

static fdr_dist world;
static int joined;
static double bytes_root, bytes_all;

/* MPI counts are ints: byte counts and their displacements past INT_MAX
 * are refused rather than wrapped. */
static int gather(void *ctx, const void *send, const size_t *len, void *recv, int all)
{
    (void)ctx;
    int n = world.size, *cnt = malloc((size_t)n * sizeof *cnt),
        *dsp = malloc((size_t)n * sizeof *dsp);
    if (!cnt || !dsp) {
        free(cnt);
        free(dsp);
        return fdr_error(FDR_ENOMEM, "out of memory");
    }
    size_t off = 0, others = 0;
    int big = 0;
    for (int k = 0; k < n; k++) {
        big |= len[k] > INT_MAX || off > INT_MAX;
        cnt[k] = (int)len[k];
        dsp[k] = (int)off;
        off += len[k];
        others += k == world.rank ? 0 : len[k];
    }
    big |= off > INT_MAX;
    int rc = FDR_OK;
    if (big)
        rc = fdr_error(FDR_ENOMEM, "a merge of %zu bytes across ranks: more than MPI's %d", off,
                       INT_MAX);
    else if ((all ? MPI_Allgatherv(send, cnt[world.rank], MPI_BYTE, recv, cnt, dsp, MPI_BYTE,
                                   MPI_COMM_WORLD)
                  : MPI_Gatherv(send, cnt[world.rank], MPI_BYTE, recv, cnt, dsp, MPI_BYTE, 0,
                                MPI_COMM_WORLD)) != MPI_SUCCESS)
        rc = fdr_error(FDR_EIO, "an MPI collective failed");
    if (all)
        bytes_all += (double)others;
    else if (world.rank == 0)
        bytes_root += (double)others;
    free(cnt);
    free(dsp);
    return rc;
}

int fdr_mpi_start(int *argc, char ***argv, const fdr_dist **out)
{
    static const char *const launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                           "PMI_SIZE"};
    int found = 0;
    *out = NULL;
    for (size_t k = 0; k < sizeof launched / sizeof *launched; k++)
        found |= getenv(launched[k]) != NULL;
    if (!found)
        return FDR_OK;
    /* only the main thread calls MPI; OpenMP threads run between calls */
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return fdr_error(FDR_EIO, "MPI failed to start");
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    world.gather = gather;
    *out = &world;
    return FDR_OK;
}

void fdr_mpi_traffic(double *to_root, double *to_all)
{
    *to_root = bytes_root;
    *to_all = bytes_all;
}

void fdr_mpi_stop(void)
{
    if (joined)
        MPI_Finalize();
    joined = 0;
}
