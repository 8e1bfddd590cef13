/* cli/check.c - `fdrsim check`: options, the comparison's table, exit
 * statuses (the comparison itself is src/io/check.c). */
#include "config.h"

#include "cli/cli.h"
#include "core/fdr.h"
#include "io/check.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One comparison: both values with their errors, z, and why it moved. */
static void print_item(FILE *f, const fdr_check_item *it)
{
    fprintf(f, "  %-40s", it->name);
    if (isnan(it->base) && isnan(it->res)) {
        fprintf(f, " %s", it->why ? it->why : "");
        if (!isnan(it->z))
            fprintf(f, " (z = %.2f)", it->z);
        fputc('\n', f);
        return;
    }
    fprintf(f, " baseline %.6g +- %.2g   result %.6g +- %.2g", it->base, it->base_err, it->res,
            it->res_err);
    if (!isnan(it->z))
        fprintf(f, "   z = %.2f", it->z);
    if (it->why)
        fprintf(f, "   (%s)", it->why);
    fputc('\n', f);
}

void fdr_check_print(FILE *f, const fdr_check *c, int verbose)
{
    fprintf(f, "compared %zu estimates of the %s of model %s by z = (result - baseline) / "
               "sqrt(err_result^2 + err_baseline^2):\n"
               "moved if |z| > %.2f (tolerance %g, Bonferroni-adjusted for %zu comparisons); "
               "also checked:\nexact values, %squantities missing from the result\n",
            c->ntests, c->kind, c->model, c->threshold, c->tolerance, c->ntests,
            strcmp(c->kind, "summary") == 0 ? "relation verdicts, " : "");
    if (c->only_in_result)
        fprintf(f, "%zu quantities only in the result (new; not compared)\n", c->only_in_result);
    size_t worst = c->n;
    for (size_t i = 0; i < c->n; i++)
        if (!isnan(c->items[i].z) &&
            (worst == c->n || fabs(c->items[i].z) > fabs(c->items[worst].z)))
            worst = i;
    if (verbose) {
        fprintf(f, "\nevery comparison:\n");
        for (size_t i = 0; i < c->n; i++)
            print_item(f, &c->items[i]);
    }
    if (c->nmoved) {
        fprintf(f, "\nmoved:\n");
        for (size_t i = 0; i < c->n; i++)
            if (c->items[i].moved)
                print_item(f, &c->items[i]);
        fprintf(f, "\nREGRESSED: %zu of %zu quantities moved\n", c->nmoved, c->n);
    } else if (worst < c->n) {
        fprintf(f, "\nOK: nothing moved (largest |z| = %.2f, %s)\n", fabs(c->items[worst].z),
                c->items[worst].name);
    } else {
        fprintf(f, "\nOK: nothing moved\n");
    }
}

/* One comparison's result as one line of text, for TAP and JUnit: the
 * values with their errors, z, and why it moved. */
static void describe(char *buf, size_t n, const fdr_check_item *it)
{
    int w = 0;
    if (isnan(it->base) && isnan(it->res))
        w = snprintf(buf, n, "%s", it->why ? it->why : "");
    else
        w = snprintf(buf, n, "baseline %.17g +- %.17g, result %.17g +- %.17g", it->base,
                     it->base_err, it->res, it->res_err);
    if (w >= 0 && (size_t)w < n && !isnan(it->z))
        w += snprintf(buf + w, n - (size_t)w, ", z = %.2f", it->z);
    if (w >= 0 && (size_t)w < n && it->why && !(isnan(it->base) && isnan(it->res)))
        snprintf(buf + w, n - (size_t)w, " (%s)", it->why);
}

/* TAP (version 13): one test point per comparison, "not ok" when it moved. */
static void print_tap(FILE *f, const fdr_check *c)
{
    fprintf(f, "TAP version 13\n1..%zu\n", c->n);
    for (size_t i = 0; i < c->n; i++) {
        char d[512];
        describe(d, sizeof d, &c->items[i]);
        /* '#' opens a directive in TAP: none in the name (a setting's value
         * may hold one), the description after it as a comment. */
        fprintf(f, "%s %zu - %s ", c->items[i].moved ? "not ok" : "ok", i + 1, c->kind);
        for (const char *p = c->items[i].name; *p; p++)
            fputc(*p == '#' ? '_' : *p, f);
        fprintf(f, " # %s\n", d);
    }
    fprintf(f, "# %zu of %zu quantities moved (|z| > %.2f, tolerance %g, %zu z-tests)\n",
            c->nmoved, c->n, c->threshold, c->tolerance, c->ntests);
}

/* s with the five XML special characters escaped (and control characters,
 * which XML 1.0 does not allow, as blanks). */
static void xml_text(FILE *f, const char *s)
{
    static const char special[] = "&<>\"'";
    static const char *const entity[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (; *s; s++) {
        const char *e = strchr(special, *s);
        if (e)
            fputs(entity[e - special], f);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
}

/* JUnit XML: one testsuite, one testcase per comparison, a failure element
 * for each that moved. */
static void print_junit(FILE *f, const fdr_check *c, const char *result, const char *baseline)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
               "  <testsuite name=\"fdrsim check ");
    xml_text(f, c->model);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", c->n, c->nmoved);
    fputs("    <properties>\n      <property name=\"result\" value=\"", f);
    xml_text(f, result);
    fputs("\"/>\n      <property name=\"baseline\" value=\"", f);
    xml_text(f, baseline);
    fprintf(f, "\"/>\n      <property name=\"threshold\" value=\"%.17g\"/>\n    </properties>\n",
            c->threshold);
    for (size_t i = 0; i < c->n; i++) {
        char d[512];
        describe(d, sizeof d, &c->items[i]);
        fprintf(f, "    <testcase classname=\"fdrsim.check.%s\" name=\"", c->kind);
        xml_text(f, c->items[i].name);
        if (!c->items[i].moved) {
            fputs("\"/>\n", f);
            continue;
        }
        fputs("\">\n      <failure message=\"", f);
        xml_text(f, d);
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}

/* The help text of `fdrsim check`. */
static void check_usage(FILE *f)
{
    fprintf(f,
            "Usage: fdrsim check RESULT.json --baseline BASELINE.json [OPTION]...\n"
            "Compares a summary.json (from fdrsim run), a sweep.json (from fdrsim sweep) or\n"
            "a schedule.json (from fdrsim schedule) with a baseline of the same model,\n"
            "statistically: every estimate in both files\n"
            "by z = (result - baseline) / sqrt(err_result^2 + err_baseline^2), exact values,\n"
            "and relation verdicts. Names every quantity that moved.\n"
            "\n"
            "  -b, --baseline FILE   the reference summary (required)\n"
            "  -t, --tolerance Z     |z| that flags a regression, before the Bonferroni\n"
            "                        adjustment for the number of comparisons (default %g:\n"
            "                        an unchanged program is reported as regressed with the\n"
            "                        chance of one two-sided %g-sigma test, 0.27%%)\n"
            "  -v, --verbose         list every comparison\n"
            "      --format=FORMAT   text (default), tap (TAP version 13: one test point\n"
            "                        per comparison) or junit (JUnit XML), for CI systems\n"
            "  -h, --help            show this help and exit\n"
            "  -V, --version         show the version and exit\n"
            "\n"
            "The model must be the same (model.settings equal, except run.seed, run.steps,\n"
            "run.replicas and run.record_every); a sweep must use the same grid, a schedule\n"
            "study the same quencher settings. Values that depend on the seed or the run\n"
            "length (a fit's *_exact_finite) are never compared.\n"
            "\n"
            "Workflow: commit a baseline made by a trusted build, e.g.\n"
            "  fdrsim sweep models/sweep-quadratic.ini -o baseline -q\n"
            "  git add baseline/sweep.json\n"
            "and let CI run the same command into another folder, then\n"
            "  fdrsim check new/sweep.json --baseline baseline/sweep.json\n"
            "which fails the job (exit 1) when any quantity moved. Regenerate the baseline\n"
            "only for an intended change, and say why in the commit.\n"
            "\n"
            "Exit status: 0 nothing moved, 1 regressed, 2 bad input (unreadable or malformed\n"
            "JSON, another kind of file, a different model), 3 a run-time failure.\n",
            FDR_CHECK_TOLERANCE, FDR_CHECK_TOLERANCE);
}

int fdr_cli_check(int argc, char **argv)
{
    static const struct option longopts[] = {{"baseline", required_argument, NULL, 'b'},
                                             {"tolerance", required_argument, NULL, 't'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {NULL, 0, NULL, 0}};
    const char *baseline = NULL;
    double tolerance = FDR_CHECK_TOLERANCE;
    int verbose = 0, c;
    const char *format = "text";
    fdr_error_clear();
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:t:vhV", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'b':
            baseline = optarg;
            break;
        case 't':
            tolerance = strtod(optarg, &end);
            if (*end || end == optarg || !(tolerance > 0) || !isfinite(tolerance)) {
                fprintf(stderr, "fdrsim check: --tolerance %s: expected a number > 0\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'v':
            verbose = 1;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "tap") != 0 &&
                strcmp(optarg, "junit") != 0) {
                fprintf(stderr, "fdrsim check: --format %s: expected text, tap or junit\n",
                        optarg);
                return EXIT_USAGE;
            }
            format = optarg;
            break;
        case 'h':
            check_usage(stdout);
            return 0;
        case 'V':
            fdr_cli_version(stdout);
            return 0;
        default: /* getopt has named the option */
            fprintf(stderr, "Try 'fdrsim check --help' for more information.\n");
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !baseline) {
        fprintf(stderr, "fdrsim check: expected RESULT.json and --baseline BASELINE.json (try "
                        "'fdrsim check --help')\n");
        return EXIT_USAGE;
    }
    const char *result = argv[optind];
    fdr_check chk;
    int rc = fdr_check_files(result, baseline, tolerance, &chk);
    if (rc != FDR_OK) {
        fprintf(stderr, "fdrsim check: %s\n", fdr_error_message());
        return rc == FDR_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
    }
    if (strcmp(format, "tap") == 0) {
        print_tap(stdout, &chk);
    } else if (strcmp(format, "junit") == 0) {
        print_junit(stdout, &chk, result, baseline);
    } else {
        printf("fdrsim check: %s against the baseline %s\n", result, baseline);
        fdr_check_print(stdout, &chk, verbose);
    }
    int code = chk.nmoved ? EXIT_CHECK_FAILED : 0;
    fdr_check_clear(&chk);
    return code;
}
