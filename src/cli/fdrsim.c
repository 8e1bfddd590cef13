/* fdrsim.c - the command-line interface.
 *
 * Exit status: 0 success; 1 a relation failed or is unresolved under
 * --check; 2 bad usage or input (including an unstable or diverging run),
 * with nothing written; 3 a run-time failure (memory, files, standard
 * output). Only this file calls exit(). */
#include "config.h"

#include "cli/cli.h"
#include "stats/analysis.h"
#include "config/cfg.h"
#include "io/check.h"
#include "engine/engine.h"
#include "engine/checkpoint.h"
#include "exact/exact.h"
#include "core/fdr.h"
#include "landscapes/landscape.h"
#include "core/memory.h"
#include "model/model.h"
#include "noise/noise.h"
#include "io/report.h"
#include "rng/rng.h"
#include "studies/schedule.h"
#include "studies/sweep.h"
#include "engine/dist.h"
#ifdef FDR_HAVE_MPI
#include "parallel/mpi.h"
#endif

#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "fdrsim";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: %s [COMMAND] [OPTION]...\n"
            "Monte Carlo reference simulator for the fluctuation-dissipation relations of SGD\n"
            "(S. Yaida, ICLR 2019, arXiv:1810.00004).\n"
            "\n"
            "Commands:\n"
            "  (none)             run the built-in default experiment (same options as run)\n"
            "  run MODEL.ini      run a model file\n"
            "  list               list landscapes, noise laws, optimizers and bundled models\n"
            "  list keys [MODEL]  the keys a model reads, given or by default, per section\n"
            "  landscape MODEL.ini --at X1,...,Xd [--dir U1,...,Ud] [--order K]\n"
            "                     print value, gradient, Hessian and directional derivatives\n"
            "                     D^1 f ... D^K f at a point, as JSON (default direction: e_1)\n"
            "  landscape MODEL.ini --selftest\n"
            "                     check the landscape's derivatives against finite differences\n"
            "  sweep MODEL.ini --lr A:B:N[:log]\n"
            "                     run a model over a grid of learning rates, fit G(eta) and grade\n"
            "                     the Hessian, curvature and anharmonicity estimators\n"
            "                     ('fdrsim sweep --help')\n"
            "  schedule MODEL.ini [--mode replica|ensemble] [--X X] [--Y Y] ...\n"
            "                     the FDR learning-rate quencher against preset schedules, with\n"
            "                     exact expected-loss curves ('fdrsim schedule --help')\n"
            "  transfer MODEL.ini [-o DIR]\n"
            "                     the exact stationary law of a 1-D model from its transfer\n"
            "                     operator: every observable and FDR term with its error\n"
            "                     ('fdrsim transfer --help')\n"
            "  figures [-o DIR]   the analogues of the paper's figures on bundled models with\n"
            "                     exact values, one output folder each under DIR (default:\n"
            "                     figures); the plot options below apply\n"
            "  resume FILE        continue the run or sweep whose checkpoint FILE is, to the\n"
            "                     output it would have given uninterrupted (options: -o, -j,\n"
            "                     -q, --checkpoint-every, the plot options; --check for a run)\n"
            "  check RESULT.json --baseline BASELINE.json\n"
            "                     compare two outputs (run, sweep or schedule) statistically;\n"
            "                     exit 1 if any quantity moved ('fdrsim check --help')\n"
            "  help [COMMAND]     this help, or a command's own ('fdrsim COMMAND --help')\n"
            "\n"
            "Options for run:\n"
            "  -s, --set SEC.KEY=VALUE  override a model-file setting (repeatable)\n"
            "      --seed N             random seed (same as --set run.seed=N)\n"
            "      --steps N            steps per replica (run.steps)\n"
            "      --replicas N         independent replicas (run.replicas)\n"
            "  -j, --threads N          OpenMP threads (default: all cores); results do not\n"
            "                           depend on it\n"
            "  -o, --out DIR            output folder (default: MODEL-seedN)\n"
            "      --check              exit with status 1 if any relation fails or is\n"
            "                           unresolved (no finite, positive error bar)\n"
            "      --checkpoint FILE    keep the run's whole state in FILE, rewritten every\n"
            "                           --checkpoint-every seconds and on SIGTERM or SIGINT\n"
            "                           (which then stop the run, exit 128 + the signal)\n"
            "      --checkpoint-every S seconds between checkpoints (default 600; 0: as often\n"
            "                           as the run stops to look, about ten times a second)\n"
            FDR_PLOT_USAGE
            "  -q, --quiet              print no table and no progress\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "Exit status: 0 success, 1 a relation failed (with --check), 2 bad usage or input\n"
            "(nothing is written), 3 a run-time failure.\n",
            prog);
}

static void landscape_usage(FILE *f)
{
    fprintf(f,
            "Usage: %s landscape MODEL.ini --at X1,...,Xd [--dir U1,...,Ud] [--order K]\n"
            "  or:  %s landscape MODEL.ini --selftest\n"
            "Prints, as JSON, the value, gradient and Hessian of MODEL.ini's loss at the point\n"
            "X and its directional derivatives D^1 f ... D^K f along U (default: the first\n"
            "coordinate axis; K default 6), from the landscape's exact derivatives.\n"
            "With --selftest, checks those derivatives instead, as every built-in landscape\n"
            "is checked: gradient, Hessian and D^1 f ... D^6 f against each other and against\n"
            "central differences, at 4 points along 2 directions each (test a plugin so).\n"
            "\n"
            "      --at X1,...,Xd     the point (d numbers)\n"
            "      --dir U1,...,Ud    the direction\n"
            "      --order K          the highest directional derivative\n"
            "      --selftest         check the derivatives; prints the first disagreement\n"
            "  -h, --help             show this help and exit\n"
            "\n"
            "Exit status: 0 success (--selftest: the derivatives agree), 1 a derivative\n"
            "disagrees, 2 bad usage or input, 3 a run-time failure.\n",
            prog, prog);
}

/* The subcommand's help for `fdrsim help CMD`; 0, or 2 for no such command. */
static int help(const char *cmd)
{
    static char help_opt[] = "--help";
    char name[16];
    snprintf(name, sizeof name, "%s", cmd);
    char *argv[] = {name, help_opt, NULL};
    if (strcmp(cmd, "sweep") == 0)
        return fdr_cli_sweep(2, argv, NULL);
    if (strcmp(cmd, "schedule") == 0)
        return fdr_cli_schedule(2, argv, NULL);
    if (strcmp(cmd, "check") == 0)
        return fdr_cli_check(2, argv);
    if (strcmp(cmd, "transfer") == 0)
        return fdr_cli_transfer(2, argv);
    if (strcmp(cmd, "landscape") == 0) {
        landscape_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "list") == 0 || strcmp(cmd, "figures") == 0 ||
        strcmp(cmd, "help") == 0 || strcmp(cmd, "resume") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "%s: help: unknown command '%s' (commands: run, resume, list, landscape, "
                    "sweep, schedule, transfer, check, figures)\n",
            prog, cmd);
    return EXIT_USAGE;
}

/* Prints the recorded error and returns the exit code to use. */
static int fail(int code)
{
    fprintf(stderr, "%s: %s\n", prog, fdr_error_message()[0] ? fdr_error_message() : "failed");
    return code;
}

static int exit_code_for(int status)
{
    switch (status) {
    case FDR_EINVAL:
    case FDR_EUNSTABLE:
    case FDR_EDIVERGED:
        return EXIT_USAGE;
    default:
        return EXIT_RUNTIME;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints each bundled model with the first comment line of its file. */
static void list_models(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("  (none found in %s)\n", dir);
        return;
    }
    char *names[512] = {0};
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) && n < 512) {
        size_t len = strlen(ent->d_name);
        if (len > 4 && strcmp(ent->d_name + len - 4, ".ini") == 0 && (names[n] = strdup(ent->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096], line[256] = "", desc[256] = "";
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "r");
        if (f && fgets(line, sizeof line, f) && (line[0] == ';' || line[0] == '#')) {
            snprintf(desc, sizeof desc, "%s", line + 1 + (line[1] == ' '));
            desc[strcspn(desc, "\n")] = '\0';
        }
        if (f)
            fclose(f);
        names[i][strlen(names[i]) - 4] = '\0';
        fdr_print_wrapped(stdout, 30, "  %-27s %s\n", names[i], desc);
        free(names[i]);
    }
}

/* `fdrsim list keys [MODEL]`: the keys a model reads, section by section. */
static void print_key(const char *sec, const char *key, const char *value, void *ctx)
{
    const char **last = ctx;
    if (!*last || strcmp(*last, sec) != 0)
        printf("%s[%s]\n", *last ? "\n" : "", sec);
    *last = sec;
    if (value)
        printf("  %-20s = %s\n", key, value);
    else
        printf("  %-20s   (not given: its default)\n", key);
}

static int cmd_list_keys(const char *path)
{
    fdr_config *cfg = path ? fdr_config_load(path)
                           : fdr_config_parse_string(fdr_default_model, "<built-in default>");
    fdr_model *m = cfg ? fdr_model_alloc(cfg, path ? path : "default") : NULL;
    fdr_plot_opts po;
    fdr_plot_defaults(&po);
    if (!m || fdr_plot_config(&po, cfg) != FDR_OK) {
        fdr_model_free(m);
        fdr_config_free(cfg);
        return fail(EXIT_USAGE);
    }
    char name[256] = "the built-in default model";
    if (path)
        fdr_config_display_name(path, name, sizeof name);
    printf("# the keys %s reads, given or by default, for its types\n"
           "# (the README's model-file reference has every key of every type)\n",
           name);
    const char *last = NULL;
    fdr_config_foreach_read(cfg, print_key, &last);
    fdr_model_free(m);
    fdr_config_free(cfg);
    return 0;
}

static int cmd_list(void)
{
    printf("Landscapes ([landscape] type):\n");
    for (const fdr_landscape_type *const *t = fdr_landscape_types; *t; t++)
        fdr_print_wrapped(stdout, 17, "  %-14s %s\n", (*t)->name, (*t)->summary);
    printf("Noise laws ([noise] type):\n");
    for (const fdr_noise_type *const *t = fdr_noise_types; *t; t++)
        fdr_print_wrapped(stdout, 17, "  %-14s %s\n", (*t)->name, (*t)->summary);
    printf("Optimizers ([optimizer] type):\n");
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t; t++)
        fdr_print_wrapped(stdout, 17, "  %-14s %s\n", (*t)->name, (*t)->summary);
    fdr_print_wrapped(stdout, 2, "Bundled models (in %s; run one by name, e.g. fdrsim run "
                                 "double-well):\n",
                      fdr_cli_model_dir());
    list_models(fdr_cli_model_dir());
    return 0;
}

/* Parses "x1,...,xd" into out (exactly d finite numbers; subnormals are
 * numbers, a nonzero number that rounds to zero is not). */
static int parse_point(const char *opt, const char *text, size_t d, double *out)
{
    const char *s = text;
    for (size_t i = 0; i < d; i++) {
        char *end;
        errno = 0;
        out[i] = strtod(s, &end);
        if (end == s || !isfinite(out[i]) || (errno == ERANGE && out[i] == 0) ||
            (i + 1 < d ? *end != ',' : *end != '\0'))
            return fdr_error(FDR_EINVAL, "%s %s: expected %zu comma-separated finite numbers", opt,
                             text, d);
        s = end + 1;
    }
    return FDR_OK;
}

static json_t *json_vector(const double *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, fdr_json_number(x[i]));
    return a;
}

/* `fdrsim landscape`: the exact derivatives of a model's landscape at one
 * point, so a user can check a model definition. */
/* `fdrsim landscape MODEL.ini --selftest`: fdr_landscape_selftest on l. */
static int landscape_selftest(const fdr_landscape *l)
{
    char why[512];
    int rc = fdr_landscape_selftest(l, why, sizeof why);
    if (rc == FDR_OK)
        printf("landscape '%s' (d = %zu): the derivatives agree\n", l->type->name, l->dim);
    else if (rc == FDR_EFAIL)
        fprintf(stderr, "%s: landscape '%s' fails its self-test: %s\n", prog, l->type->name, why);
    return rc == FDR_OK ? 0 : rc == FDR_EFAIL ? EXIT_CHECK_FAILED : fail(exit_code_for(rc));
}

static int cmd_landscape(fdr_config *cfg, const char *at, const char *dir, int order, int selftest)
{
    fdr_landscape *l = fdr_blas_reserve(1) == FDR_OK && fdr_memory_check(cfg, 1) == FDR_OK
                           ? fdr_landscape_alloc(cfg)
                           : NULL;
    if (!l)
        return fail(exit_code_for(fdr_error_status()));
    if (selftest) {
        int code = at || dir || order != 6
                       ? (fprintf(stderr, "%s: landscape: --selftest takes no --at, --dir or "
                                          "--order\n", prog), EXIT_USAGE)
                       : fdr_config_check_unused_section(cfg, "landscape") != FDR_OK ? fail(EXIT_USAGE)
                                                                : landscape_selftest(l);
        fdr_landscape_free(l);
        return code;
    }
    size_t d = l->dim;
    double *x = fdr_malloc(d * sizeof *x), *u = fdr_calloc(d, sizeof *u),
           *g = fdr_malloc(d * sizeof *g), *H = fdr_malloc(d * d * sizeof *H),
           *D = fdr_malloc((size_t)order * sizeof *D);
    int code = 0;
    if (!x || !u || !g || !H || !D) {
        code = fail(EXIT_RUNTIME);
    } else if (!at) {
        fprintf(stderr, "%s: landscape: --at X1,...,Xd is required\n", prog);
        code = EXIT_USAGE;
    } else if (parse_point("--at", at, d, x) || (dir && parse_point("--dir", dir, d, u))) {
        code = fail(EXIT_USAGE);
    } else {
        if (!dir)
            u[0] = 1;
        json_t *root = json_object();
        json_object_set_new(root, "type", json_string(l->type->name));
        json_object_set_new(root, "dim", json_integer((json_int_t)d));
        json_object_set_new(root, "at", json_vector(x, d));
        json_object_set_new(root, "direction", json_vector(u, d));
        json_object_set_new(root, "value", fdr_json_number(fdr_landscape_value(l, x)));
        fdr_landscape_gradient(l, x, g);
        json_object_set_new(root, "gradient", json_vector(g, d));
        fdr_landscape_hessian(l, x, H);
        json_t *rows = json_array();
        for (size_t i = 0; i < d; i++)
            json_array_append_new(rows, json_vector(H + i * d, d));
        json_object_set_new(root, "hessian", rows);
        fdr_landscape_dderiv(l, x, u, order, D);
        json_object_set_new(root, "directional", json_vector(D, (size_t)order));
        json_dumpf(root, stdout, FDR_JSON_FLAGS);
        putchar('\n');
        json_decref(root);
    }
    free(x);
    free(u);
    free(g);
    free(H);
    free(D);
    fdr_landscape_free(l);
    return code;
}

typedef struct {
    const char *model_path;
    const char *out;
    int threads, check, quiet;
    fdr_plot_opts plot;
    /* --checkpoint FILE (or NULL) and --checkpoint-every; the --set
     * overrides, which a checkpoint records; the checkpoint to resume from */
    const char *checkpoint;
    double every;
    char **sets;
    size_t nsets;
    const fdr_checkpoint *resume;
} run_opts;

/* The figures of a run; which of them apply is known only after it. */
typedef enum { FIG_ALWAYS, FIG_TENSOR, FIG_FDR2, FIG_2D } figure_when;
static const struct {
    const char *script;
    figure_when when;
} run_figures[] = {{"approach.gp", FIG_ALWAYS}, {"relations.gp", FIG_ALWAYS},
                   {"tensor.gp", FIG_TENSOR},   {"fdr2.gp", FIG_FDR2},
                   {"histogram.gp", FIG_ALWAYS}, {"landscape2d.gp", FIG_2D}};
enum { NFIGURES = sizeof run_figures / sizeof *run_figures };

static int figure_applies(figure_when when, const fdr_result *r, const fdr_analysis *a)
{
    switch (when) {
    case FIG_TENSOR:
        return r->ntens > 0;
    case FIG_FDR2:
        return a->fdr2.measured;
    case FIG_2D:
        return r->d == 2;
    default:
        return 1;
    }
}

typedef struct {
    const fdr_report *rep;
    int plot;
} run_output;

/* The engine's progress hook: the percentage of the steps done, on one
 * line of stderr, erased when the stepping ends. */
static void show_stepping(const char *stage, double done)
{
    (void)stage;
    if (done >= 1)
        fprintf(stderr, "\r              \r");
    else
        fprintf(stderr, "\rfdrsim: %3d%%", (int)(100 * done));
    fflush(stderr);
}

/* Writes a run's files, and its figures with --plot, into dir (the fresh
 * temporary folder of fdr_outdir_write). */
static int run_fill(const char *dir, const void *ctx)
{
    const run_output *o = ctx;
    int rc = fdr_report_files(dir, o->rep);
    for (size_t k = 0; rc == FDR_OK && o->plot && k < NFIGURES; k++)
        if (figure_applies(run_figures[k].when, o->rep->r, o->rep->a))
            rc = fdr_plot_render(run_figures[k].script, dir);
    return rc;
}

/* ---- checkpoint and resume ------------------------------------------------------
 * What a run's checkpoint records besides the engine, to build the run
 * again on resume: the caller's strings of checkpoint.h, in this order,
 * then the --set overrides. */
enum { CK_COMMAND, CK_MODEL, CK_CMDLINE, CK_OUTDIR, CK_EVERY, CK_NFIXED };

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* How long one advance between two looks at the signals and the clock
 * lasts, roughly: the reaction time to SIGTERM. Where the run stops does
 * not change its bits (engine.h; test_observer's advancing_in_pieces). */
#define CHUNK_SECONDS 0.1

/* Writes the run's checkpoint: in an MPI job, rank 0 writes the state of
 * every rank's blocks, collected first (a one-process checkpoint), and
 * every rank returns its status. */
static int write_checkpoint(const run_opts *o, fdr_engine *e, const fdr_dist *job, uint64_t hash,
                            const char *command, const char *outdir)
{
    int rc = fdr_engine_collect(e);
    if (rc != FDR_OK || !fdr_cli_root())
        return fdr_dist_agree(job, rc);
    const char **str = fdr_calloc(CK_NFIXED + o->nsets, sizeof *str);
    if (!str)
        return fdr_dist_agree(job, FDR_ENOMEM);
    char every[32];
    snprintf(every, sizeof every, "%.17g", o->every);
    str[CK_COMMAND] = "run";
    str[CK_MODEL] = o->model_path ? o->model_path : "";
    str[CK_CMDLINE] = command;
    str[CK_OUTDIR] = outdir;
    str[CK_EVERY] = every;
    for (size_t i = 0; i < o->nsets; i++)
        str[CK_NFIXED + i] = o->sets[i];
    rc = fdr_checkpoint_write(o->checkpoint, e, hash, str, CK_NFIXED + o->nsets);
    free(str);
    return fdr_dist_agree(job, rc);
}

/* What every rank does after an advance: rank 0's next chunk and its clock's
 * call for a checkpoint, and a stop if any rank was signalled (a launcher
 * forwards a signal to every rank, not at the same instant), the first
 * signal in rank order. Without a job, this process's own. */
typedef struct {
    long chunk;
    int write, signal;
} step_plan;

static int plan_agree(const fdr_dist *job, step_plan *p)
{
    if (!job || job->size <= 1)
        return FDR_OK;
    size_t n = (size_t)job->size;
    step_plan *all = fdr_malloc(n * sizeof *all);
    int rc = fdr_dist_agree(job, all ? FDR_OK : FDR_ENOMEM);
    if (rc == FDR_OK)
        rc = fdr_dist_each(job, p, sizeof *p, all);
    if (rc == FDR_OK) {
        *p = all[0];
        for (size_t k = 1; k < n && !p->signal; k++)
            p->signal = all[k].signal;
    }
    free(all);
    return rc;
}

/* Steps the model with its relations on, as fdr_engine_run does; with a
 * checkpoint, in advances of about CHUNK_SECONDS, writing the checkpoint
 * at step 0, every o->every seconds and, when SIGTERM or SIGINT came, once
 * more before returning FDR_EIO with *stopped set to the signal. A resumed
 * run first takes the checkpoint's state, if it is of this very model. In
 * an MPI job the ranks advance together, by rank 0's chunks, and stop
 * together. */
static int run_stepping(const run_opts *o, const fdr_config *cfg, const fdr_model *m,
                        const char *command, const char *outdir, const fdr_dist *job,
                        fdr_result **out, int *stopped)
{
    fdr_engine_progress progress = !o->quiet && isatty(STDERR_FILENO) ? show_stepping : NULL;
    *out = NULL;
    *stopped = 0;
    if (!o->checkpoint)
        return fdr_engine_run_dist(m, o->threads, progress, job, out);
    fdr_engine_opts eo = {.threads = o->threads, .relations = 1, .progress = progress, .dist = job};
    fdr_engine *e = NULL;
    int rc = fdr_dist_agree(job, fdr_engine_alloc(m, &eo, &e));
    if (rc != FDR_OK) {
        fdr_engine_free(e);
        fdr_cli_stop_release();
        return rc;
    }
    uint64_t hash = fdr_checkpoint_model_hash(cfg, m);
    if (o->resume && o->resume->model_hash != hash)
        rc = fdr_error(FDR_EINVAL, "%s: the model has changed since this checkpoint was written "
                                   "(%s with its --set overrides is not the model it ran): "
                                   "resume refused; start afresh with 'fdrsim run'",
                       o->resume->path, m->source);
    else if (o->resume)
        rc = fdr_dist_agree(job, fdr_checkpoint_restore(o->resume, e));
    else /* at step 0: a path that cannot be written fails now, not hours in */
        rc = write_checkpoint(o, e, job, hash, command, outdir);
    struct timespec last, t0;
    clock_gettime(CLOCK_MONOTONIC, &last);
    long chunk = 1;
    while (rc == FDR_OK && fdr_engine_step(e) < m->steps) {
        long from = fdr_engine_step(e), to = m->steps - from > chunk ? from + chunk : m->steps;
        /* A step of the window can cost many of burn-in (the FDR2 terms): its
         * first chunk is timed afresh, lest one sized in burn-in last minutes. */
        if (from < m->burn_in && to > m->burn_in) {
            to = m->burn_in;
            chunk = 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if ((rc = fdr_engine_advance(e, to)) != FDR_OK)
            break;
        if (to == m->steps)
            break; /* a signal in the last advance lets the run finish */
        /* the next chunk of about CHUNK_SECONDS, growing at most fourfold */
        double dt = seconds_since(&t0), want = CHUNK_SECONDS / fmax(dt, 1e-9) * (double)(to - from);
        step_plan plan = {want < 1 ? 1 : want > 4.0 * (double)chunk ? 4 * chunk : (long)want,
                          seconds_since(&last) >= o->every, fdr_cli_stop_signal};
        if ((rc = plan_agree(job, &plan)) != FDR_OK)
            break;
        chunk = plan.chunk;
        if (plan.signal || plan.write) {
            rc = write_checkpoint(o, e, job, hash, command, outdir);
            clock_gettime(CLOCK_MONOTONIC, &last);
        }
        if (rc == FDR_OK && plan.signal) {
            *stopped = plan.signal;
            if (progress)
                progress("stepping", 1);
            rc = fdr_error(FDR_EIO, "%s: checkpoint written to %s at step %ld of %ld; continue "
                                    "with 'fdrsim resume %s'",
                           plan.signal == SIGTERM ? "SIGTERM" : "SIGINT", o->checkpoint, to,
                           m->steps, o->checkpoint);
        }
    }
    fdr_cli_stop_release();
    if (rc == FDR_OK)
        rc = fdr_engine_result(e, out);
    fdr_engine_free(e);
    return rc;
}

static int cmd_run(const run_opts *o, fdr_config *cfg, const char *command)
{
    char name[256];
    fdr_config_display_name(o->model_path ? o->model_path : "default", name, sizeof name);
    if (o->checkpoint)
        fdr_cli_stop_catch();
    fdr_model *m = fdr_model_alloc(cfg, name);
    if (!m) {
        if (o->checkpoint)
            fdr_cli_stop_release();
        return fail(exit_code_for(fdr_error_status()));
    }
    fdr_exact e = {0};
    fdr_result *r = NULL;
    fdr_analysis a = {0};
    int code = 0, rc = FDR_OK;
    /* Everything about the output is checked before the run. */
    char outdir[FDR_PATH_MAX];
    if ((o->out ? snprintf(outdir, sizeof outdir, "%s", o->out)
                : snprintf(outdir, sizeof outdir, "%s-seed%llu", name,
                           (unsigned long long)m->seed)) >= (int)sizeof outdir)
        rc = fdr_error(FDR_EINVAL, "--out: a path of more than %d characters", FDR_PATH_MAX - 1);
    if (rc == FDR_OK)
        rc = fdr_outdir_check(outdir);
    for (size_t k = 0; rc == FDR_OK && o->plot.want && k < NFIGURES; k++)
        rc = fdr_plot_render(run_figures[k].script, NULL);
    /* in an MPI job the other ranks only step their blocks (rank 0 merges) */
    const fdr_dist *job = fdr_cli_dist();
    if (rc == FDR_OK && fdr_cli_root())
        rc = fdr_exact_compute(m, &e);
    int stopped = 0;
    rc = fdr_dist_agree(job, rc);
    if (rc == FDR_OK)
        rc = run_stepping(o, cfg, m, command, outdir, job, &r, &stopped);
    else if (o->checkpoint)
        fdr_cli_stop_release();
    if (!fdr_cli_root()) {
        fdr_result_free(r);
        fdr_model_free(m);
        return rc == FDR_OK ? 0 : exit_code_for(rc);
    }
    if (rc == FDR_OK)
        rc = fdr_exact_tensor(m, &e, r->tensor_full, r->ntens, r->dirs);
    if (rc == FDR_OK)
        rc = fdr_analyse(m, r, &e, &a);
    fdr_report rep = {command, cfg, m, &e, r, &a};
    if (rc == FDR_OK && !o->quiet)
        fdr_report_table(stdout, &rep);
    run_output out = {&rep, o->plot.want};
    if (rc == FDR_OK)
        rc = fdr_outdir_write(outdir, run_fill, &out);
    if (rc == FDR_OK && !o->quiet)
        printf("output written to %s/\n", outdir);
    if (rc != FDR_OK)
        code = fail(stopped ? 128 + stopped : exit_code_for(rc));
    else if (o->check && !a.all_pass)
        code = EXIT_CHECK_FAILED;
    fdr_analysis_clear(&a);
    fdr_result_free(r);
    fdr_exact_clear(&e);
    fdr_model_free(m);
    return code;
}

/* `fdrsim resume FILE`: the run the checkpoint records, built again from
 * its model file and overrides (refused if they no longer give the same
 * model), continued from the checkpoint's state into its output folder
 * (or -o's), with the output options given now; or the sweep it records,
 * its points done taken as they are (cli/sweep.c). */
static int cmd_resume(run_opts *o, const char *path, size_t nsets, int every_given)
{
    if (nsets || o->checkpoint) {
        fprintf(stderr, "%s: resume: %s does not apply: the model and the checkpoint file are "
                        "the run's own\n",
                prog, nsets ? "--set, --seed, --steps or --replicas" : "--checkpoint");
        return EXIT_USAGE;
    }
    fdr_checkpoint ck;
    if (fdr_checkpoint_open(path, &ck) != FDR_OK)
        return fail(exit_code_for(fdr_error_status()));
    char *end;
    double every = ck.nstr >= CK_NFIXED ? strtod(ck.str[CK_EVERY], &end) : NAN;
    int code = 0;
    if (ck.nstr && strcmp(ck.str[CK_COMMAND], "sweep") == 0 && o->check) {
        fprintf(stderr, "%s: resume: --check does not apply to a sweep (%s)\n", prog, path);
        code = EXIT_USAGE;
    } else if (ck.nstr && strcmp(ck.str[CK_COMMAND], "sweep") == 0) {
        /* a sweep's: the options given here after its own, and the checkpoint
         * goes on into the file resumed */
        char *extra[10], jbuf[32], ebuf[64];
        size_t n = 0;
        extra[n++] = "--checkpoint";
        extra[n++] = (char *)path;
        if (o->threads > 0) {
            snprintf(jbuf, sizeof jbuf, "-j%d", o->threads);
            extra[n++] = jbuf;
        }
        if (o->quiet)
            extra[n++] = "-q";
        if (o->out) {
            extra[n++] = "-o";
            extra[n++] = (char *)o->out;
        }
        if (every_given) {
            snprintf(ebuf, sizeof ebuf, "--checkpoint-every=%.17g", o->every);
            extra[n++] = ebuf;
        }
        if (o->plot.want)
            extra[n++] = "--plot";
        code = fdr_cli_sweep_resume(&ck, extra, n, fdr_plot_render);
    } else if (ck.nstr < CK_NFIXED || strcmp(ck.str[CK_COMMAND], "run") != 0 || !(every >= 0)) {
        fprintf(stderr, "%s: %s: not the checkpoint of an 'fdrsim run' (%s)\n", prog, path,
                ck.nstr ? ck.str[CK_COMMAND] : "no command recorded");
        code = EXIT_USAGE;
    } else {
        o->model_path = ck.str[CK_MODEL][0] ? ck.str[CK_MODEL] : NULL;
        o->sets = ck.str + CK_NFIXED;
        o->nsets = ck.nstr - CK_NFIXED;
        o->checkpoint = path;
        o->every = every_given ? o->every : every;
        o->resume = &ck;
        if (!o->out)
            o->out = ck.str[CK_OUTDIR];
        fdr_config *cfg = o->model_path
                              ? fdr_config_load(o->model_path)
                              : fdr_config_parse_string(fdr_default_model, "<built-in default>");
        int rc = cfg ? FDR_OK : FDR_EINVAL;
        for (size_t i = 0; rc == FDR_OK && i < o->nsets; i++)
            rc = fdr_config_set(cfg, o->sets[i]);
        if (rc == FDR_OK)
            rc = fdr_plot_config(&o->plot, cfg);
        fdr_plot_use(&o->plot);
        code = rc == FDR_OK ? cmd_run(o, cfg, ck.str[CK_CMDLINE]) : fail(EXIT_USAGE);
        fdr_config_free(cfg);
    }
    fdr_checkpoint_clear(&ck);
    return code;
}

/* `fdrsim figures [-o DIR]`: the analogues of the paper's figures on
 * bundled models whose exact values are known (doc/figures.md), each in
 * its own output folder under DIR (default: figures): FDR1's approach to
 * stationarity (default.ini), the FDR2 decomposition
 * (quartic-anharmonic-1d.ini), G(eta) against eta (sweep-quadratic.ini)
 * and the quencher against preset schedules (schedule-nqm.ini). */
/* ---- the estimator-accuracy figure of `fdrsim figures` ----------------------- */

/* The sweeps whose eta -> 0 estimators the figure grades, and those estimators. */
static const char *const acc_models[] = {"sweep-quadratic", "sweep-quartic", "sweep-gmm"};
static const char *const acc_names[] = {"intercept_a1", "curvature_limit", "anharmonic_b2",
                                        "anharmonic_b3"};
enum { ACC_NM = 3, ACC_NE = 4 };

typedef struct {
    double est[ACC_NM][ACC_NE], err[ACC_NM][ACC_NE], exact[ACC_NM][ACC_NE];
    double bias_err[ACC_NM][ACC_NE], z[ACC_NM][ACC_NE];
} accuracy;

/* Reads the fitted (lr nan) estimators of line 1 of a sweep's estimators.dat
 * (columns: line x name lr estimate error exact exact_err bias bias_err z ...). */
static int accuracy_read(const char *path, accuracy *a, size_t k)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fdr_error(FDR_EIO, "%s: %s", path, strerror(errno));
    char line[4096], name[64];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        long l;
        double x, lr, v[7];
        if (line[0] == '#' ||
            sscanf(line, "%ld %lf %63s %lf %lf %lf %lf %lf %lf %lf %lf", &l, &x, name, &lr, &v[0],
                   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 11 ||
            l != 1 || !isnan(lr))
            continue;
        for (size_t j = 0; j < ACC_NE; j++)
            if (strcmp(name, acc_names[j]) == 0) {
                a->est[k][j] = v[0];
                a->err[k][j] = v[1];
                a->exact[k][j] = v[2];
                a->bias_err[k][j] = v[5];
                a->z[k][j] = v[6];
                found++;
            }
    }
    fclose(f);
    return found == ACC_NE ? FDR_OK
                           : fdr_error(FDR_EIO, "%s: %d of the %d fitted estimators", path, found,
                                       ACC_NE);
}

/* accuracy.dat: one row per (landscape, estimator), with the relative
 * deviation from the exact value where that is not 0. */
static int accuracy_dat(FILE *f, const void *ctx)
{
    const accuracy *a = ctx;
    fprintf(f, "# fdrsim %s: the eta -> 0 estimators of three sweeps against their exact "
               "values (errors 1 sigma; nan: none)\n"
               "# model estimator x est err exact dev dev_err z   (dev = (est - exact)/|exact|, "
               "nan when exact = 0)\n",
            PACKAGE_VERSION);
    for (size_t k = 0; k < ACC_NM; k++)
        for (size_t j = 0; j < ACC_NE; j++) {
            double ex = a->exact[k][j], dev = ex != 0 ? (a->est[k][j] - ex) / fabs(ex) : NAN;
            double dev_err = ex != 0 ? a->bias_err[k][j] / fabs(ex) : NAN;
            fprintf(f, "%s %s %zu %.17g %.17g %.17g %.17g %.17g %.17g\n", acc_models[k],
                    acc_names[j], j * (ACC_NM + 1) + k, a->est[k][j], a->err[k][j], ex, dev,
                    dev_err, a->z[k][j]);
        }
    return ferror(f) ? FDR_EIO : FDR_OK;
}

static int accuracy_meta(FILE *f, const void *ctx)
{
    (void)ctx;
    fprintf(f, "# fdrsim %s: the values of plots/accuracy.gp\n", PACKAGE_VERSION);
    fdr_gp_strings(f, "acc_models", acc_models, ACC_NM);
    fdr_gp_strings(f, "acc_names", acc_names, ACC_NE);
    return ferror(f) ? FDR_EIO : FDR_OK;
}

static json_t *accuracy_estimate(double v, double e, double x)
{
    json_t *o = json_object();
    json_object_set_new(o, "value", fdr_json_number(v));
    json_object_set_new(o, "error", fdr_json_number(e));
    json_object_set_new(o, "exact", fdr_json_number(x));
    return o;
}

static int accuracy_json(FILE *f, const void *ctx)
{
    const accuracy *a = ctx;
    json_t *root = json_object(), *models = json_object();
    json_object_set_new(root, "schema", json_string("fdrsim-accuracy/1"));
    json_object_set_new(root, "version", json_string(PACKAGE_VERSION));
    for (size_t k = 0; k < ACC_NM; k++) {
        json_t *m = json_object();
        for (size_t j = 0; j < ACC_NE; j++) {
            json_t *e = accuracy_estimate(a->est[k][j], a->err[k][j], a->exact[k][j]);
            json_object_set_new(e, "z", fdr_json_number(a->z[k][j]));
            json_object_set_new(m, acc_names[j], e);
        }
        json_object_set_new(models, acc_models[k], m);
    }
    json_object_set_new(root, "models", models);
    int rc = json_dumpf(root, f, FDR_JSON_FLAGS) == 0 && fputc('\n', f) != EOF ? FDR_OK : FDR_EIO;
    json_decref(root);
    return rc;
}

static int accuracy_fill(const char *tmp, const void *ctx)
{
    int rc;
    if ((rc = fdr_write_file(tmp, "accuracy.dat", accuracy_dat, ctx)) != FDR_OK ||
        (rc = fdr_write_file(tmp, "meta.gp", accuracy_meta, ctx)) != FDR_OK ||
        (rc = fdr_write_file(tmp, "accuracy.json", accuracy_json, ctx)) != FDR_OK)
        return rc;
    return fdr_plot_render("accuracy.gp", tmp);
}

static int cmd_figures(run_opts *o, const char *command)
{
    const char *dir = o->out ? o->out : "figures";
    char path[FDR_PATH_MAX], out[FDR_PATH_MAX], plot[4][128];
    int np = fdr_plot_args(&o->plot, plot), code = 0;
    if (strlen(dir) > FDR_OUTDIR_MAX - 32) {
        fprintf(stderr, "%s: figures: -o %s: path too long (at most %d characters)\n", prog, dir,
                FDR_OUTDIR_MAX - 32);
        return EXIT_USAGE;
    }
    if (fdr_mkdir_p(dir) != FDR_OK)
        return fail(EXIT_RUNTIME);
    o->plot.want = 1;
    static const char *const runs[] = {"default", "quartic-anharmonic-1d"};
    for (size_t k = 0; code == 0 && k < sizeof runs / sizeof *runs; k++) {
        snprintf(path, sizeof path, "%s/%s.ini", fdr_cli_model_dir(), runs[k]);
        snprintf(out, sizeof out, "%s/%s", dir, runs[k]);
        fdr_config *cfg = fdr_config_load(path);
        run_opts r = *o;
        r.model_path = path;
        r.out = out;
        code = cfg ? cmd_run(&r, cfg, command) : fail(EXIT_USAGE);
        fdr_config_free(cfg);
    }
    static const char *const studies[][2] = {{"sweep", "sweep-quadratic"},
                                             {"sweep", "sweep-quartic"},
                                             {"sweep", "sweep-gmm"},
                                             {"schedule", "schedule-nqm"}};
    for (size_t k = 0; code == 0 && k < sizeof studies / sizeof *studies; k++) {
        snprintf(path, sizeof path, "%s/%s.ini", fdr_cli_model_dir(), studies[k][1]);
        snprintf(out, sizeof out, "%s/%s", dir, studies[k][1]);
        char *argv[16];
        int argc = 0;
        argv[argc++] = (char *)studies[k][0];
        argv[argc++] = path;
        argv[argc++] = (char *)"-o";
        argv[argc++] = out;
        if (o->quiet)
            argv[argc++] = (char *)"-q";
        for (int i = 0; i < np; i++)
            argv[argc++] = plot[i];
        argv[argc] = NULL;
        code = strcmp(studies[k][0], "sweep") == 0 ? fdr_cli_sweep(argc, argv, fdr_plot_render)
                                                   : fdr_cli_schedule(argc, argv, fdr_plot_render);
    }
    /* the estimators of the three sweeps against their exact values, in one figure */
    static accuracy acc;
    for (size_t k = 0; code == 0 && k < ACC_NM; k++) {
        snprintf(path, sizeof path, "%s/%s/estimators.dat", dir, acc_models[k]);
        if (accuracy_read(path, &acc, k) != FDR_OK)
            code = fail(EXIT_RUNTIME);
    }
    snprintf(out, sizeof out, "%s/accuracy", dir);
    if (code == 0 && fdr_outdir_write(out, accuracy_fill, &acc) != FDR_OK)
        code = fail(EXIT_RUNTIME);
    if (code == 0 && !o->quiet)
        printf("figures written to %s/ (doc/figures.md says what each shows)\n", dir);
    return code;
}

/* A write error on standard output (a full disk, /dev/full) is a run-time
 * failure like any other: exit 3 unless a worse status stands. */
static int finish(int code)
{
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!ferror(stdout))
        return code;
    fprintf(stderr, "%s: standard output: %s\n", prog, err ? strerror(err) : "write error");
    return code == 0 || code == EXIT_CHECK_FAILED ? EXIT_RUNTIME : code;
}

/* The set-up progress hook: the step and its fraction on one line of
 * stderr, with the seconds since the set-up began, erased when it ends. */
static void show_setup(const char *stage, double done)
{
    static struct timespec t0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t0.tv_sec == 0 && t0.tv_nsec == 0)
        t0 = now;
    double s = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
    if (done >= 1)
        fprintf(stderr, "\r%-78s\r", "");
    else
        fprintf(stderr, "\r%s: set-up, %.0f s: %s (%.0f%%)...%-10s", prog, s, stage, 100 * done,
                "");
    fflush(stderr);
}

/* Shows set-up progress when stderr is a terminal and -q is not given. */
static void setup_progress(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            return;
    if (isatty(STDERR_FILENO))
        fdr_progress_set(show_setup);
}

/* OpenBLAS starts a pool of threads when it is loaded, and each takes a
 * work buffer of 128 MiB that it retries forever when an address-space
 * limit (ulimit -v) refuses it: the process then spins and hangs at exit.
 * fdrsim never uses that pool (fdr_blas_serial), and OPENBLAS_NUM_THREADS=1
 * in the environment before the library loads keeps it from being made, so
 * fdrsim sets it and starts itself again. If that fails it carries on. */
static void blas_pool_off(char **argv)
{
#ifdef HAVE_OPENBLAS
    const char *v = getenv("OPENBLAS_NUM_THREADS");
    if ((v && strcmp(v, "1") == 0) || setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

static int fdrsim_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},      {"seed", required_argument, NULL, 1},
        {"steps", required_argument, NULL, 2},      {"replicas", required_argument, NULL, 3},
        {"threads", required_argument, NULL, 'j'},  {"out", required_argument, NULL, 'o'},
        {"check", no_argument, NULL, 4},            FDR_PLOT_LONGOPTS,
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {"at", required_argument, NULL, 6},
        {"dir", required_argument, NULL, 7},        {"order", required_argument, NULL, 8},
        {"selftest", no_argument, NULL, 9},         {"checkpoint", required_argument, NULL, 10},
        {"checkpoint-every", required_argument, NULL, 11}, {NULL, 0, NULL, 0}};
    blas_pool_off(argv);
    setup_progress(argc, argv);
    /* Library code checks every GSL status itself; GSL must not abort. */
    gsl_set_error_handler_off();
    fdr_blas_serial();
    if (argc > 1 && strcmp(argv[1], "sweep") == 0)
        return finish(fdr_cli_sweep(argc - 1, argv + 1, fdr_plot_render));
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return finish(fdr_cli_check(argc - 1, argv + 1));
    if (argc > 1 && strcmp(argv[1], "schedule") == 0)
        return finish(fdr_cli_schedule(argc - 1, argv + 1, fdr_plot_render));
    if (argc > 1 && strcmp(argv[1], "transfer") == 0)
        return finish(fdr_cli_transfer(argc - 1, argv + 1));
    if (argc > 1 && strcmp(argv[1], "help") == 0) {
        if (argc > 3) {
            fprintf(stderr, "%s: help: one command at a time ('%s' is extra)\n", prog, argv[3]);
            return finish(EXIT_USAGE);
        }
        if (argc == 2) {
            usage(stdout);
            return finish(0);
        }
        return finish(help(argv[2]));
    }
    const char *at = NULL, *dir = NULL;
    int order = 6, selftest = 0;
    run_opts o = {.every = 600};
    int want_help = 0, every_given = 0;
    fdr_plot_defaults(&o.plot);
    int code = 0;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    char *command = fdr_command_line("fdrsim", argc - 1, argv + 1);
    if (!sets || !command) {
        code = fail(EXIT_RUNTIME);
        goto done;
    }
    static char buf[3][96];
    int c;
    while ((c = getopt_long(argc, argv, "s:j:o:qhV", longopts, NULL)) != -1) {
        const char *key = c == 1 ? "seed" : c == 2 ? "steps" : "replicas";
        long lv;
        switch (c) {
        case 's':
            sets[nsets++] = optarg;
            break;
        case 1:
        case 2:
        case 3:
            if (snprintf(buf[c - 1], sizeof buf[c - 1], "run.%s=%s", key, optarg) >=
                (int)sizeof buf[c - 1]) {
                fprintf(stderr, "%s: --%s %.40s...: too long for a number\n", prog, key, optarg);
                code = EXIT_USAGE;
                goto done;
            }
            sets[nsets++] = buf[c - 1];
            break;
        case 'j':
            if (fdr_parse_long(optarg, 1, 1024, &lv) != FDR_OK) {
                fprintf(stderr, "%s: --threads %s: expected a number between 1 and 1024\n", prog,
                        optarg);
                code = EXIT_USAGE;
                goto done;
            }
            o.threads = (int)lv;
            break;
        case 'o':
            if (strlen(optarg) >= FDR_PATH_MAX) {
                fprintf(stderr, "%s: -o %.40s...: longer than %d characters\n", prog, optarg,
                        FDR_PATH_MAX - 1);
                code = EXIT_USAGE;
                goto done;
            }
            o.out = optarg;
            break;
        case 6:
            at = optarg;
            break;
        case 9:
            selftest = 1;
            break;
        case 7:
            dir = optarg;
            break;
        case 8:
            if (fdr_parse_long(optarg, 1, 16, &lv) != FDR_OK) {
                fprintf(stderr, "%s: --order %s: expected a number between 1 and 16\n", prog,
                        optarg);
                code = EXIT_USAGE;
                goto done;
            }
            order = (int)lv;
            break;
        case 4:
            o.check = 1;
            break;
        case 10:
            o.checkpoint = optarg;
            break;
        case 11: {
            char *end;
            errno = 0;
            o.every = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(o.every >= 0) || !isfinite(o.every)) {
                fprintf(stderr, "%s: --checkpoint-every %s: expected a number of seconds, 0 or "
                                "more\n", prog, optarg);
                code = EXIT_USAGE;
                goto done;
            }
            every_given = 1;
            break;
        }
        case FDR_OPT_PLOT:
        case FDR_OPT_PLOT_SIZE:
        case FDR_OPT_PLOT_FONT:
        case FDR_OPT_PLOT_NOTITLE:
            if (fdr_plot_option(&o.plot, c, optarg) != FDR_OK) {
                code = fail(EXIT_USAGE);
                goto done;
            }
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 'h':
            want_help = 1;
            break;
        case 'V':
            fdr_cli_version(stdout);
            goto done;
        default: /* getopt has named the option */
            fprintf(stderr, "Try '%s --help' for more information.\n", prog);
            code = EXIT_USAGE;
            goto done;
        }
    }
    const char *cmd = optind < argc ? argv[optind] : "run";
    int nargs = argc - optind - (optind < argc);
    char **args = argv + optind + (optind < argc);
    if (want_help) {
        code = help(cmd);
        goto done;
    }
    /* a bundled model may be named without its folder and .ini */
    static char model_buf[4096];
    if (nargs >= 1 && (strcmp(cmd, "run") == 0 || strcmp(cmd, "landscape") == 0))
        args[0] = (char *)fdr_cli_model_path(args[0], model_buf, sizeof model_buf);
    if ((o.checkpoint || every_given) && strcmp(cmd, "run") != 0 && strcmp(cmd, "resume") != 0) {
        /* refused, not ignored: a study or figures run would not be checkpointed */
        fprintf(stderr, "%s: %s: --checkpoint%s applies to run and resume only\n", prog, cmd,
                o.checkpoint ? "" : "-every");
        code = EXIT_USAGE;
    } else if (every_given && !o.checkpoint && strcmp(cmd, "run") == 0) {
        fprintf(stderr, "%s: run: --checkpoint-every needs --checkpoint FILE\n", prog);
        code = EXIT_USAGE;
    } else if (strcmp(cmd, "list") == 0 && nargs >= 1 && nargs <= 2 &&
               strcmp(args[0], "keys") == 0) {
        code = cmd_list_keys(nargs == 2 ? fdr_cli_model_path(args[1], model_buf, sizeof model_buf)
                                        : NULL);
    } else if (strcmp(cmd, "list") == 0 && nargs == 0) {
        code = cmd_list();
    } else if (strcmp(cmd, "landscape") == 0 && nargs == 1) {
        fdr_config *cfg = fdr_config_load(args[0]);
        /* its [plot] section is checked like every run's, though it draws nothing */
        code = !cfg || fdr_plot_config(&o.plot, cfg) != FDR_OK
                   ? fail(EXIT_USAGE)
                   : cmd_landscape(cfg, at, dir, order, selftest);
        fdr_config_free(cfg);
    } else if (strcmp(cmd, "resume") == 0 && nargs == 1) {
        code = cmd_resume(&o, args[0], nsets, every_given);
    } else if (strcmp(cmd, "run") == 0 && nargs <= 1) {
        if (optind < argc && nargs == 0) {
            fprintf(stderr, "%s: run: missing MODEL.ini (try '%s list')\n", prog, prog);
            code = EXIT_USAGE;
        } else {
            o.model_path = nargs ? args[0] : NULL;
            o.sets = sets;
            o.nsets = nsets;
            fdr_config *cfg = o.model_path
                                  ? fdr_config_load(o.model_path)
                                  : fdr_config_parse_string(fdr_default_model, "<built-in default>");
            int rc = cfg ? FDR_OK : FDR_EINVAL;
            for (size_t i = 0; rc == FDR_OK && i < nsets; i++)
                rc = fdr_config_set(cfg, sets[i]);
            if (rc == FDR_OK)
                rc = fdr_plot_config(&o.plot, cfg);
            fdr_plot_use(&o.plot);
            code = rc == FDR_OK ? cmd_run(&o, cfg, command) : fail(EXIT_USAGE);
            fdr_config_free(cfg);
        }
    } else if (strcmp(cmd, "figures") == 0 && nargs == 0 && (nsets || o.check)) {
        /* the figures' runs are fixed: an option that would change them is refused, not ignored */
        fprintf(stderr, "%s: figures: %s does not apply (the figures come from fixed runs of "
                        "bundled models; use 'fdrsim run' or a study for your own)\n",
                prog, o.check ? "--check" : "--set, --seed, --steps or --replicas");
        code = EXIT_USAGE;
    } else if (strcmp(cmd, "figures") == 0 && nargs == 0 && fdr_cli_root()) {
        /* in an MPI job, rank 0 makes the figures alone */
        fdr_cli_set_dist(NULL);
        fdr_plot_use(&o.plot);
        code = cmd_figures(&o, command);
    } else if (strcmp(cmd, "figures") == 0 && nargs == 0) {
        code = 0;
    } else if (strcmp(cmd, "list") == 0 || strcmp(cmd, "landscape") == 0 ||
               strcmp(cmd, "run") == 0 || strcmp(cmd, "figures") == 0 ||
               strcmp(cmd, "resume") == 0) {
        int want = strcmp(cmd, "list") == 0 || strcmp(cmd, "figures") == 0 ? 0 : 1;
        if (nargs < want)
            fprintf(stderr, "%s: %s: missing %s\n", prog, cmd,
                    strcmp(cmd, "resume") == 0 ? "the checkpoint FILE" : "MODEL.ini");
        else
            fprintf(stderr, "%s: %s: unexpected argument '%s' (%s)\n", prog, cmd, args[want],
                    !want ? "it takes no file"
                    : strcmp(cmd, "resume") == 0 ? "one checkpoint only"
                                                 : "one MODEL.ini only");
        fprintf(stderr, "Try '%s help %s' for more information.\n", prog, cmd);
        code = EXIT_USAGE;
    } else {
        fprintf(stderr, "%s: unknown command '%s' (commands: run, resume, list, landscape, "
                        "sweep, schedule, transfer, check, figures, help)\nTry '%s --help' for more "
                        "information.\n",
                prog, cmd, prog);
        code = EXIT_USAGE;
    }
done:
    free(sets);
    free(command);
    return finish(code);
}

/* In an MPI job (./configure --with-mpi, started by mpirun) every rank runs
 * the command; only rank 0 prints: the others' stdout and stderr go to
 * /dev/null, and a failure of theirs reaches rank 0 with its message
 * (fdr_dist_agree). */
int main(int argc, char **argv)
{
    blas_pool_off(argv);
#ifdef FDR_HAVE_MPI
    const fdr_dist *job;
    if (fdr_mpi_start(&argc, &argv, &job) != FDR_OK)
        return fail(EXIT_RUNTIME);
    fdr_cli_set_dist(job);
    if (!fdr_cli_root() &&
        (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        return EXIT_RUNTIME;
#endif
    int code = fdrsim_main(argc, argv);
#ifdef FDR_HAVE_MPI
    int quiet = 0;
    for (int i = 1; i < argc; i++)
        quiet |= strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0;
    double to_root, to_all;
    fdr_mpi_traffic(&to_root, &to_all);
    if (job && fdr_cli_root() && !quiet && to_root + to_all > 0)
        fprintf(stderr, "%s: %d ranks: %.0f bytes merged into rank 0, %.0f bytes shared with "
                        "every rank\n", prog, job->size, to_root, to_all);
    fdr_mpi_stop();
#endif
    return code;
}
