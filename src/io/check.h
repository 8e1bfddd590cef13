/* check.h - regression checking: compares a result (summary.json written by
 * `fdrsim run`, sweep.json written by `fdrsim sweep` or schedule.json written
 * by `fdrsim schedule`, each of the schema version this fdrsim writes) with a
 * baseline of the same kind and model, quantity by quantity. Only quantities
 * that must agree between two runs of the same model are compared: never a
 * value that depends on the seed or the run length (a sweep fit's
 * *_exact_finite, a schedule's quench steps of one ensemble run).
 *
 * Every estimate present in both files is compared through
 *     z = (result - baseline) / sqrt(err_result^2 + err_baseline^2),
 * the two runs being independent (or, with the same seed, positively
 * correlated, which only makes z smaller). A quantity has moved if |z|
 * exceeds the tolerance after a Bonferroni adjustment for the number of
 * comparisons (fdr_threshold_adjust): the chance that an unchanged program
 * is reported as regressed is that of a single two-sided test at the
 * tolerance (0.27% for the default 3), however many quantities are compared.
 * Also regressions, outside that count: an exact value (from the Lyapunov
 * solution) that changed beyond 1e-9 relative; a quantity of the baseline
 * that is missing from the result or has lost its value (or, in a sweep, its
 * error bar: unresolved now); and an exact relation (identity) that passed
 * in the baseline and fails now. Quantities
 * only in the result are new and not compared.
 *
 * Relations with several components (FDR0 vectors, the tensor FDR1) report
 * their worst component, which need not be the same one in two runs: only
 * their verdicts are compared. */
#ifndef FDR_CHECK_H
#define FDR_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define FDR_CHECK_TOLERANCE 3.0

typedef struct {
    char name[128];
    double base, base_err, res, res_err;
    double z;        /* NAN for comparisons that are not z-tests */
    int moved;
    const char *why; /* why it moved (NULL: |z| above the threshold, or it did not move) */
} fdr_check_item;

typedef struct {
    char kind[16];           /* "summary", "sweep" or "schedule" */
    char model[128];         /* the model's name */
    fdr_check_item *items;
    size_t n, cap;
    size_t ntests;           /* z-tests, for the Bonferroni adjustment */
    size_t only_in_result;   /* quantities not compared because the baseline lacks them */
    double tolerance, threshold;
    size_t nmoved;
} fdr_check;

/* Compares result with baseline (parsed JSON). Returns FDR_OK (the verdict
 * is in out->nmoved) or FDR_EINVAL with a message naming the file (res_name,
 * base_name) and what is wrong: not an fdrsim summary, different kinds, a
 * different model (the first differing setting), a different grid. */
int fdr_check_compare(const json_t *result, const char *res_name, const json_t *baseline,
                      const char *base_name, double tolerance, fdr_check *out);

/* How fdr_check_files parses JSON (jansson's flags): a key given twice in
 * one object is malformed, not silently the last one. */
#define FDR_CHECK_JSON_FLAGS JSON_REJECT_DUPLICATES

/* The largest file fdr_check_files reads (64 MiB; a summary holds its model's
 * settings, at most FDR_CONFIG_MAX_BYTES, and a few hundred numbers). */
#define FDR_CHECK_MAX_BYTES ((size_t)64 << 20)

/* Loads both files and compares them; malformed JSON is FDR_EINVAL with
 * jansson's line and column. */
int fdr_check_files(const char *result, const char *baseline, double tolerance, fdr_check *out);

/* Prints what moved (verbose: every comparison) and the verdict. */
void fdr_check_print(FILE *f, const fdr_check *c, int verbose);

void fdr_check_clear(fdr_check *c);


#endif
