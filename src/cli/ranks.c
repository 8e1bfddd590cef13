/* ranks.c - the MPI job the subcommands run in (cli.h). */
#include "cli/cli.h"
#include "engine/dist.h"

static const fdr_dist *job;

void fdr_cli_set_dist(const fdr_dist *d)
{
    job = d;
}

const fdr_dist *fdr_cli_dist(void)
{
    return job;
}

int fdr_cli_root(void)
{
    return !job || job->rank == 0;
}
