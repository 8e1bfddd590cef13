/* cli/transfer.c - `fdrsim transfer`: the exact stationary values of a 1-D
 * model from its transfer operator (exact/transfer.h), as a table on
 * stdout and DIR/transfer.json. */
#include "config.h"

#include "cli/cli.h"
#include "exact/exact.h"
#include "exact/transfer.h"
#include "io/report.h"
#include "model/model.h"

#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDR_SCHEMA_TRANSFER "fdrsim-transfer/1"

static void transfer_usage(FILE *f)
{
    fprintf(f,
            "Usage: fdrsim transfer MODEL.ini [-o DIR] [-s SEC.KEY=VALUE]... [OPTION]...\n"
            "Computes the exact stationary law of MODEL.ini's SGD chain from its transfer\n"
            "operator on a uniform grid (1-D landscapes of any shape, momentum 0, a noise law\n"
            "with a density) and from it every observable, both sides of FDR1 and the FDR2\n"
            "terms F2 ... FK, each with an error estimate. Writes DIR/transfer.json.\n"
            "\n"
            "The [transfer] section of the model file (or -s transfer.KEY=VALUE) sets:\n"
            "  kernel = auto|point|cell  the kernel's point values (smooth densities) or its\n"
            "                        cell masses (auto: point for gaussian, state and\n"
            "                        student_t, cell for the others)\n"
            "  spacing = S           cell width in kernel widths (default 0.25 point, 0.05 cell)\n"
            "  energy = E, pad = P   domain: where f - min f <= E eta_b C / 2, widened by P\n"
            "                        kernel widths (default 60, 14)\n"
            "  lo = A, hi = B        the domain given instead\n"
            "  max_cells = N         refuse a larger grid (default 2048; memory 16 N^2 bytes)\n"
            "\n"
            "  -s, --set SEC.KEY=VALUE  override a model-file setting (repeatable)\n"
            "  -o, --out DIR            output folder (default: MODEL-transfer)\n"
            "  -q, --quiet              print no table\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "Exit status: 0 success, 2 bad usage or input, or a model the transfer operator\n"
            "does not support (nothing is written), 3 a run-time failure.\n");
}

typedef struct {
    const char *command;
    const fdr_config *cfg;
    const fdr_model *m;
    const fdr_transfer *t;
    const fdr_exact *e; /* the Lyapunov reference, where its method is LYAPUNOV */
} transfer_output;

/* The Lyapunov value of quantity q, or NAN where there is none. */
static double lyapunov_value(const transfer_output *o, int q)
{
    if (o->e->method != FDR_EXACT_LYAPUNOV)
        return NAN;
    const fdr_lyap_traces *tr = &o->e->tr;
    switch (q) {
    case FDR_TQ_OL:
        return tr->theta_dot_grad;
    case FDR_TQ_VV:
        return tr->v_dot_v;
    case FDR_TQ_GSQ:
        return tr->grad_sq;
    case FDR_TQ_VG:
        return tr->v_dot_grad;
    case FDR_TQ_LOSS:
        return tr->loss_excess;
    default:
        return NAN;
    }
}

static int write_json(FILE *f, const void *ctx)
{
    const transfer_output *o = ctx;
    const fdr_transfer *t = o->t;
    json_t *root = fdr_json_header(FDR_SCHEMA_TRANSFER, o->command, o->m->seed);
    json_object_set_new(root, "model", json_string(o->m->name));
    json_object_set_new(root, "settings", fdr_settings_json(o->cfg));
    json_t *grid = json_object();
    json_object_set_new(grid, "kernel",
                        json_string(t->kernel == FDR_TRANSFER_CELL ? "cell" : "point"));
    json_object_set_new(grid, "cells", json_integer((json_int_t)t->cells));
    json_object_set_new(grid, "lo", fdr_json_number(t->lo));
    json_object_set_new(grid, "hi", fdr_json_number(t->hi));
    json_object_set_new(grid, "spacing", fdr_json_number(t->spacing));
    json_object_set_new(grid, "kernel_width", fdr_json_number(t->sigma));
    json_object_set_new(root, "grid", grid);
    json_object_set_new(root, "iterations", json_integer((json_int_t)t->iterations));
    json_object_set_new(root, "residual", fdr_json_number(t->residual));
    json_object_set_new(root, "tail_mass", fdr_json_number(t->tail_mass));
    json_object_set_new(root, "seconds", fdr_json_number(t->seconds));
    json_object_set_new(root, "order", json_integer(t->order));
    json_t *qs = json_object();
    for (int q = 0; q < FDR_TQ_N; q++) {
        if (q >= FDR_TQ_F2 && q - FDR_TQ_F2 + 2 > t->order)
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "value", fdr_json_number(t->q[q].val));
        json_object_set_new(e, "error", fdr_json_number(t->q[q].err));
        double ly = lyapunov_value(o, q);
        if (isfinite(ly))
            json_object_set_new(e, "lyapunov", fdr_json_number(ly));
        json_object_set_new(e, "what", json_string(fdr_transfer_what[q]));
        json_object_set_new(qs, fdr_transfer_names[q], e);
    }
    json_object_set_new(root, "quantities", qs);
    int rc = json_dumpf(root, f, FDR_JSON_FLAGS) == 0 && fputc('\n', f) != EOF ? FDR_OK : FDR_EIO;
    json_decref(root);
    return rc;
}

static int fill(const char *dir, const void *ctx)
{
    return fdr_write_file(dir, "transfer.json", write_json, ctx);
}

/* The table: every quantity with its error and relative error. */
static void print_table(const transfer_output *o)
{
    const fdr_transfer *t = o->t;
    printf("fdrsim transfer: %s, exact law on %zu cells of %.3g over [%.6g, %.6g]\n"
           "(%s kernel; %ld inverse iterations, residual %.1e, tail mass %.1e, %.2f s)\n\n",
           o->m->name, t->cells, t->spacing, t->lo, t->hi,
           t->kernel == FDR_TRANSFER_CELL ? "cell-mass" : "point-value", t->iterations,
           t->residual, t->tail_mass, t->seconds);
    printf("%-18s %24s %10s %9s  %s\n", "quantity", "exact", "error", "rel", "what");
    for (int q = 0; q < FDR_TQ_N; q++) {
        if (q >= FDR_TQ_F2 && q - FDR_TQ_F2 + 2 > t->order)
            continue;
        fdr_est x = t->q[q];
        double rel = x.val != 0 ? x.err / fabs(x.val) : NAN;
        printf("%-18s %24.16e %10.2e %9.1e  %s\n", fdr_transfer_names[q], x.val, x.err, rel,
               fdr_transfer_what[q]);
        double ly = lyapunov_value(o, q);
        if (isfinite(ly))
            printf("%-18s %24.16e %10s %9s  (the Lyapunov solution)\n", "", ly, "", "");
    }
}

int fdr_cli_transfer(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},  {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
    gsl_set_error_handler_off();
    fdr_error_clear();
    const char *out = NULL;
    int quiet = 0, code = 0;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    char *command = fdr_command_line("fdrsim", argc, argv);
    size_t nsets = 0;
    fdr_config *cfg = NULL;
    fdr_model *m = NULL;
    fdr_exact e = {0};
    if (!sets || !command) {
        fprintf(stderr, "fdrsim transfer: out of memory\n");
        code = EXIT_RUNTIME;
        goto done;
    }
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "s:o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            sets[nsets++] = optarg;
            break;
        case 'o':
            if (strlen(optarg) >= FDR_PATH_MAX) {
                fprintf(stderr, "fdrsim transfer: -o %.40s...: longer than %d characters\n",
                        optarg, FDR_PATH_MAX - 1);
                code = EXIT_USAGE;
                goto done;
            }
            out = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            transfer_usage(stdout);
            goto done;
        case 'V':
            fdr_cli_version(stdout);
            goto done;
        default: /* getopt has named the option */
            fprintf(stderr, "Try 'fdrsim transfer --help' for more information.\n");
            code = EXIT_USAGE;
            goto done;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "fdrsim transfer: expected exactly one MODEL.ini (try 'fdrsim transfer "
                        "--help')\n");
        code = EXIT_USAGE;
        goto done;
    }
    static char model_buf[4096];
    const char *path = fdr_cli_model_path(argv[optind], model_buf, sizeof model_buf);
    char name[256], outdir[FDR_PATH_MAX];
    fdr_config_display_name(path, name, sizeof name);
    fdr_plot_opts po;
    fdr_plot_defaults(&po);
    int rc = (cfg = fdr_config_load(path)) ? FDR_OK : FDR_EINVAL;
    for (size_t k = 0; rc == FDR_OK && k < nsets; k++)
        rc = fdr_config_set(cfg, sets[k]);
    /* [plot] is checked like every command's, though nothing is drawn; the
     * model reads [transfer] */
    if (rc == FDR_OK)
        rc = fdr_plot_config(&po, cfg);
    if (rc == FDR_OK && !(m = fdr_model_alloc(cfg, name)))
        rc = fdr_error_status();
    if (rc == FDR_OK)
        rc = fdr_transfer_supported(m);
    if (rc == FDR_OK && (out ? snprintf(outdir, sizeof outdir, "%s", out)
                             : snprintf(outdir, sizeof outdir, "%s-transfer", name)) >=
                            (int)sizeof outdir)
        rc = fdr_error(FDR_EINVAL, "--out: a path of more than %d characters", FDR_PATH_MAX - 1);
    if (rc == FDR_OK)
        rc = fdr_outdir_check(outdir);
    fdr_transfer t;
    if (rc == FDR_OK)
        rc = fdr_transfer_solve(m, &m->transfer, &t);
    /* the Lyapunov solution beside it, on a quadratic (off one, the exact
     * references would only solve the same transfer operator again) */
    if (rc == FDR_OK && m->land->H)
        rc = fdr_exact_compute(m, &e);
    transfer_output to = {command, cfg, m, &t, &e};
    if (rc == FDR_OK && !quiet)
        print_table(&to);
    if (rc == FDR_OK)
        rc = fdr_outdir_write(outdir, fill, &to);
    if (rc == FDR_OK && !quiet)
        printf("output written to %s/\n", outdir);
    if (rc != FDR_OK) {
        const char *msg = fdr_error_message();
        fprintf(stderr, "fdrsim transfer: %s\n", msg[0] ? msg : "failed");
        code = rc == FDR_EINVAL || rc == FDR_EUNSTABLE ? EXIT_USAGE : EXIT_RUNTIME;
    }
done:
    fdr_exact_clear(&e);
    fdr_model_free(m);
    fdr_config_free(cfg);
    free(sets);
    free(command);
    return code;
}
