/* version.c - what `fdrsim --version` and every subcommand's --version
 * print: the version, the linear algebra and random numbers linked, the
 * copyright and the licence (GNU style). */
#include "config.h"

#include "cli/cli.h"
#include "rng/rng.h"

void fdr_cli_version(FILE *f)
{
    fprintf(f,
            "fdrsim %s\nCBLAS: %s; RNG: %s\n"
            "Copyright (C) 2026 the fdrsim developers.\n"
            "License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
            "This is free software: you are free to change and redistribute it.\n"
            "There is NO WARRANTY, to the extent permitted by law.\n",
            PACKAGE_VERSION, FDR_BLAS_NAME, fdr_rng_name());
}
