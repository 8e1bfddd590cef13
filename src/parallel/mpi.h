/* mpi.h - the ranks of an MPI job as the library's fdr_dist (engine/dist.h).
 * Built only with ./configure --with-mpi; the library itself needs no MPI. */
#ifndef FDR_PARALLEL_MPI_H
#define FDR_PARALLEL_MPI_H

#include "engine/dist.h"

/* Joins the MPI job when the process was started by an MPI launcher
 * (mpirun, mpiexec, srun: its environment says so) and sets *out to its
 * ranks; else leaves *out NULL (the process runs alone, MPI untouched).
 * FDR_EIO with fdr_error if MPI fails to start. */
int fdr_mpi_start(int *argc, char ***argv, const fdr_dist **out);

/* The bytes rank 0 has received from the other ranks so far, and those every
 * rank has received in the collectives that reach every rank. */
void fdr_mpi_traffic(double *to_root, double *to_all);

/* Leaves the job (MPI_Finalize), if fdr_mpi_start joined one. */
void fdr_mpi_stop(void);

#endif
