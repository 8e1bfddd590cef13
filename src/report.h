/* report.h - what a run leaves behind: the verdict table on stdout and, in
 * the output folder, summary.json, timeseries.dat, relations.dat and
 * tensor.dat. Every file is written to a temporary name in the same folder
 * and renamed into place, so a reader never sees a partial file. */
#ifndef FDR_REPORT_H
#define FDR_REPORT_H

#include "analysis.h"
#include "cfg.h"
#include <jansson.h>
#include <stdio.h>

typedef struct {
    const char *command; /* the command line, for file headers */
    const fdr_config *cfg;
    const fdr_model *m;
    const fdr_exact *e;
    const fdr_result *r;
    const fdr_analysis *a;
} fdr_report;

/* Prints the verdict table. */
void fdr_report_table(FILE *f, const fdr_report *rep);

/* Creates dir if needed and writes every output file into it. */
int fdr_report_write(const char *dir, const fdr_report *rep);

/* Writes dir/name atomically: writer fills a temporary file in dir, which
 * is renamed to name only if everything succeeded. */
int fdr_write_atomic(const char *dir, const char *name, int (*writer)(FILE *f, const void *ctx),
                     const void *ctx);

/* "prog arg1 arg2 ..." in a fresh string (for file headers); NULL with
 * fdr_error if out of memory. */
char *fdr_command_line(const char *prog, int argc, char **argv);

/* The model's settings as given (after --set), grouped by section: the
 * "settings" object of summary.json and sweep.json. */
json_t *fdr_settings_json(const fdr_config *cfg);

/* A JSON number, or null for NAN and infinities (JSON has neither). */
json_t *fdr_json_number(double x);

/* A fresh JSON object opening every fdrsim output: schema, version, paper,
 * command, seed and rng. */
json_t *fdr_json_header(const char *schema, const char *command, uint64_t seed);

/* Creates a directory and its parents (like mkdir -p). */
int fdr_mkdir_p(const char *dir);

#endif
