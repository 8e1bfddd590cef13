/* report.h - what a run leaves behind: the verdict table on stdout and, in
 * the output folder, summary.json, the .dat files and meta.gp for the
 * figures. An output folder is built complete in a temporary sibling
 * folder and then swapped in as one unit, so a reader finds the whole
 * earlier run or the whole new one, never a mix (README.md, "Output"). */
#ifndef FDR_REPORT_H
#define FDR_REPORT_H

#include "stats/analysis.h"
#include "config/cfg.h"
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

/* Writes every output file of a run into dir, a fresh folder (the
 * temporary one of fdr_outdir_write). */
int fdr_report_files(const char *dir, const fdr_report *rep);

/* Makes dir the run's complete output folder: fdr_report_files through
 * fdr_outdir_write. */
int fdr_report_write(const char *dir, const fdr_report *rep);

/* Room for a path, the longest output folder path (the temporary sibling
 * and the files in it need the rest of PATH_MAX), and the longest name of
 * the output folder itself (the temporary sibling adds to the name). */
#define FDR_PATH_MAX 4096
#define FDR_OUTDIR_MAX (FDR_PATH_MAX - 96)
#define FDR_NAME_MAX 200

/* Every number in an output file is printed with 17 significant digits
 * (DBL_DECIMAL_DIG), so that reading it back gives the same double: "%.17g"
 * in the .dat files, these flags for the JSON ones. */
#define FDR_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(17))

/* Checks, before a run, that dir can become an output folder: FDR_EINVAL
 * if the path is too long, names "." or "..", passes through something
 * that is not a folder, or names an existing folder that is not fdrsim's
 * (non-empty without summary.json, sweep.json or schedule.json, or holding
 * a subfolder); FDR_EIO if the folder it would go in cannot be written. */
int fdr_outdir_check(const char *dir);

/* Replaces dir as one unit: checks it (fdr_outdir_check), creates its
 * parents, removes the temporaries of dead earlier runs into dir, has fill
 * write the complete output into a fresh sibling folder, syncs it to disk
 * and swaps it in for dir, then removes the earlier run. If anything fails,
 * dir is left as it was, the temporary folder is removed and the recorded
 * message names the file (under dir) and the cause. */
int fdr_outdir_write(const char *dir, int (*fill)(const char *tmp, const void *ctx),
                     const void *ctx);

/* Creates dir/name (which must not exist), has writer fill it and syncs it
 * to disk. A write error (disk full, quota, ...) is FDR_EIO with a message
 * naming the file and the cause. */
int fdr_write_file(const char *dir, const char *name, int (*writer)(FILE *f, const void *ctx),
                   const void *ctx);

/* Replaces the file at path as one unit: writer fills a temporary sibling
 * (.NAME.fdrsim-tmp, removed first if a killed writer left it), which is
 * synced, renamed over path and its folder synced, so that path holds the
 * earlier file or the new one, whole, even across a crash. */
int fdr_replace_file(const char *path, int (*writer)(FILE *f, const void *ctx),
                     const void *ctx);

/* "prog arg1 arg2 ..." in a fresh string (for file headers); NULL with
 * fdr_error if out of memory. */
char *fdr_command_line(const char *prog, int argc, char **argv);

/* The model's settings as given (after --set), grouped by section: the
 * "settings" object of summary.json and sweep.json. */
json_t *fdr_settings_json(const fdr_config *cfg);

/* The width every table and message of fdrsim fits on a terminal. */
#define FDR_TABLE_WIDTH 100

/* Prints the formatted text (at most 4 KiB), each of its lines broken at
 * blanks to fit FDR_TABLE_WIDTH columns, the continuation lines indented by
 * indent blanks; a word longer than the width stays whole. */
void fdr_print_wrapped(FILE *f, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A JSON number, or null for NAN and infinities (JSON has neither). */
json_t *fdr_json_number(double x);

/* An estimate as every output writes it: {"value", "error", "exact"}, each
 * a number or null (not finite; exact: no exact reference). */
json_t *fdr_json_est(fdr_est e, double exact);

/* One relation, as summary.json and sweep.json write it: name, lhs and rhs
 * (estimates with their exact values), diff and rel (estimates), z,
 * threshold, verdict, pass, identity, components, worst_component. */
json_t *fdr_json_relation(const fdr_relation *x);

/* The schema of each output (the "schema" member of its JSON file). */
#define FDR_SCHEMA_SUMMARY "fdrsim-summary/2"
#define FDR_SCHEMA_SWEEP "fdrsim-sweep/3"
#define FDR_SCHEMA_SCHEDULE "fdrsim-schedule/2"

/* A fresh JSON object opening every fdrsim output: schema, version, paper,
 * command, seed and rng. */
json_t *fdr_json_header(const char *schema, const char *command, uint64_t seed);

/* meta.gp, the values a folder's figures need: one gnuplot assignment
 * "name = value" a line, which the scripts in plots/ load, so that they
 * never parse a header. A number is written with 17 significant digits and
 * NaN when it is not finite; a string in single quotes (no escapes, no
 * substitution; ' doubled, control characters as blanks); an array as
 * "array name[n] = [...]", and a zero-length one as one NaN, since gnuplot
 * has no empty arrays (the script reads the length from its own variable);
 * fdr_gp_strings the same with strings ('' for n = 0). */
void fdr_gp_num(FILE *f, const char *name, double x);
void fdr_gp_int(FILE *f, const char *name, long long x);
void fdr_gp_str(FILE *f, const char *name, const char *s);
void fdr_gp_strings(FILE *f, const char *name, const char *const *s, size_t n);
void fdr_gp_array(FILE *f, const char *name, const double *x, size_t n);

/* Creates a directory and its parents (like mkdir -p). */
int fdr_mkdir_p(const char *dir);

#endif
