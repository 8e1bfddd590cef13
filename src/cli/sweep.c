/* cli/sweep.c - `fdrsim sweep`: options, progress on a terminal, the table,
 * exit statuses (the study itself is src/studies/sweep.c). */
#include "config.h"

#include "cli/cli.h"
#include "engine/checkpoint.h"
#include "engine/dist.h"
#include "io/report.h"
#include "studies/sweep.h"

#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sweep's progress on stderr, one line rewritten in place and ended
 * when the last point is done (fdr_sweep_spec.progress; ctx unused). */
static void show_progress(void *ctx, size_t done, size_t n)
{
    (void)ctx;
    fprintf(stderr, "\rfdrsim sweep: %zu/%zu points done", done, n);
    if (done == n)
        fprintf(stderr, "\n");
}

/* The help text of `fdrsim sweep`. */
static void sweep_usage(FILE *f)
{
    fprintf(f,
            "Usage: fdrsim sweep MODEL.ini [--lr A:B:N[:log]] [--over SEC.KEY=VALUES]...\n"
            "          [OPTION]...\n"
            "Runs MODEL.ini at every point of a grid over the learning rate and any other\n"
            "model-file keys (in parallel; each point has its own replicas and random\n"
            "streams, so the result does not depend on the thread count). Along the\n"
            "learning rate it fits G(eta) = (1 - nu) <|grad f|^2> - (mu/eta) <v . grad f> =\n"
            "a1 eta + a2 eta^2 + a3 eta^3 and grades the estimators of the Hessian\n"
            "magnitude, the noise-weighted curvature, the noise-ball height and the\n"
            "anharmonic part of G against their exact values, once per line of the grid\n"
            "(fixed values of the other keys). Without --lr every point is graded against\n"
            "its exact values, where they exist. Writes sweep.dat, estimators.dat and\n"
            "sweep.json (S. Yaida, ICLR 2019, arXiv:1810.00004).\n"
            "\n"
            "      --lr GRID            A:B:N (N values, evenly spaced), A:B:N:log (evenly\n"
            "                           spaced in log) or x1,x2,... (default, without\n"
            "                           --over: 8 values from lr/10 to the model's lr, log\n"
            "                           spaced)\n"
            "      --over SEC.KEY=VALUES  sweep a model-file key too (up to %d, the grid\n"
            "                           their product): A:B:N[:log] or v1,v2,... written as\n"
            "                           in the file, e.g. optimizer.momentum=0,0.5,0.9 or\n"
            "                           noise.batch=10,100; --over optimizer.lr=GRID is --lr\n"
            "      --momentum M         momentum for every point (optimizer.momentum)\n"
            "  -s, --set SEC.KEY=VALUE  override a model-file setting (repeatable)\n"
            "      --seed N             base seed: point p uses N + p x %u\n"
            "      --steps N            steps per replica (run.steps)\n"
            "      --replicas N         replicas per point (run.replicas)\n"
            "  -j, --threads N          points run in parallel on N threads (default: all)\n"
            "  -o, --out DIR            output folder (default: MODEL-sweep-seedN)\n"
            "      --checkpoint FILE    keep the points done in FILE (at the start, every\n"
            "                           --checkpoint-every seconds after a point, and on\n"
            "                           SIGTERM or SIGINT, which stop the sweep);\n"
            "                           'fdrsim resume FILE' runs the rest\n"
            "      --checkpoint-every S seconds between checkpoints (default 600; 0: after\n"
            "                           every point)\n"
            FDR_PLOT_USAGE
            "  -q, --quiet              print no table and no progress\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "Exit status: 0 success, 2 bad usage or input (nothing is written), 3 a run-time\n"
            "failure, 130 or 143 stopped by SIGINT or SIGTERM after writing the checkpoint.\n",
            FDR_SWEEP_MAX_AXES - 1, FDR_SWEEP_SEED_STRIDE);
}

/* The exit status for a failure: 2 for the user's input (including an unstable or
 * diverging run), 3 for anything else. */
static int exit_code(int status)
{
    return status == FDR_EINVAL || status == FDR_EUNSTABLE || status == FDR_EDIVERGED
               ? EXIT_USAGE
               : EXIT_RUNTIME;
}

/* The [plot] section of the model file (after --set) into po, which the
 * figures use from then on. */
static int plot_settings(const fdr_sweep_spec *spec, fdr_plot_opts *po)
{
    fdr_config *c = fdr_sweep_config(spec);
    int rc = c ? fdr_plot_config(po, c) : FDR_EINVAL; /* unreadable file: bad input */
    fdr_config_free(c);
    fdr_plot_use(po);
    return rc;
}

/* The model's seed, and its learning rate for the default grid (8
 * log-spaced values from lr/10 to lr), before anything runs. */
static int model_defaults(const fdr_sweep_spec *spec, uint64_t *seed, double *lr)
{
    fdr_config *c = fdr_sweep_config(spec);
    fdr_model *m = c ? fdr_model_alloc(c, spec->name) : NULL;
    int status = c ? fdr_error_status() : FDR_EINVAL; /* unreadable file: bad input */
    fdr_config_free(c);
    if (!m)
        return status;
    *seed = m->seed;
    *lr = m->lr;
    fdr_model_free(m);
    return FDR_OK;
}

/* A sweep's checkpoint: the strings of checkpoint.h are "sweep", the
 * command line (for the outputs' headers) and the command's arguments
 * (argv[0] "sweep" included), which resume parses again; its state is one
 * record, the points done. */
typedef struct {
    const char *path;
    const char *const *str;
    size_t nstr;
} sweep_ckpt;

typedef struct {
    const void *bytes;
    size_t len;
} points_blob;

static int points_visit(void *ctx, fdr_state_fn fn, void *fnctx)
{
    const points_blob *b = ctx;
    return fn(fnctx, "points", (void *)b->bytes, b->len);
}

static int save_sweep(void *ctx, uint64_t hash, const void *bytes, size_t len)
{
    const sweep_ckpt *c = ctx;
    points_blob b = {bytes, len};
    return fdr_checkpoint_write_state(c->path, points_visit, &b, hash, c->str, c->nstr);
}

static int sweep_main(int argc, char **argv, int (*plot)(const char *script, const char *dir),
                      const fdr_checkpoint *resume);

int fdr_cli_sweep(int argc, char **argv, int (*plot)(const char *script, const char *dir))
{
    return sweep_main(argc, argv, plot, NULL);
}

int fdr_cli_sweep_resume(const fdr_checkpoint *ck, char *const *extra, size_t nextra,
                         int (*plot)(const char *script, const char *dir))
{
    if (ck->nstr < 3) {
        fprintf(stderr, "fdrsim: %s: not the checkpoint of an 'fdrsim sweep'\n", ck->path);
        return EXIT_USAGE;
    }
    size_t argc = ck->nstr - 2 + nextra;
    char **argv = calloc(argc + 1, sizeof *argv);
    if (!argv) {
        fprintf(stderr, "fdrsim: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t i = 2; i < ck->nstr; i++)
        argv[i - 2] = ck->str[i];
    /* the options given to resume come last: they override the recorded ones */
    for (size_t i = 0; i < nextra; i++)
        argv[ck->nstr - 2 + i] = extra[i];
    int code = sweep_main((int)argc, argv, plot, ck);
    free(argv);
    return code;
}

static int sweep_main(int argc, char **argv, int (*plot)(const char *script, const char *dir),
                      const fdr_checkpoint *resume)
{
    static const struct option longopts[] = {
        {"lr", required_argument, NULL, 1},       {"momentum", required_argument, NULL, 2},
        {"set", required_argument, NULL, 's'},    {"seed", required_argument, NULL, 3},
        {"steps", required_argument, NULL, 4},    {"replicas", required_argument, NULL, 5},
        {"threads", required_argument, NULL, 'j'}, {"out", required_argument, NULL, 'o'},
        FDR_PLOT_LONGOPTS,                        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {"over", required_argument, NULL, 7},
        {"version", no_argument, NULL, 'V'},     {"checkpoint", required_argument, NULL, 8},
        {"checkpoint-every", required_argument, NULL, 9},
        {NULL, 0, NULL, 0}};
    /* Library code checks every GSL status itself; GSL must not abort. */
    gsl_set_error_handler_off();
    fdr_error_clear();
    const char *grid = NULL, *out = NULL, *ckpt = NULL;
    int threads = 0, quiet = 0, code = 0;
    double every = 600;
    const char **ckstr = NULL;
    fdr_plot_opts po;
    fdr_plot_defaults(&po);
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    char(*own)[96] = calloc((size_t)argc + 1, sizeof *own); /* sets made from options */
    char *command = fdr_command_line("fdrsim", argc, argv);
    double *lr = NULL;
    fdr_sweep *s = NULL;
    fdr_sweep_axis axes[FDR_SWEEP_MAX_AXES];
    size_t nsets = 0, nlr = 0, naxes = 0;
    if (!sets || !own || !command) {
        fprintf(stderr, "fdrsim sweep: out of memory\n");
        code = EXIT_RUNTIME;
        goto done;
    }
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "s:j:o:qhV", longopts, NULL)) != -1) {
        long lv;
        switch (c) {
        case 1:
            grid = optarg;
            break;
        case 7: {
            const char *eq = strchr(optarg, '=');
            char key[64];
            int rc = FDR_OK;
            if (!eq || (size_t)(eq - optarg) >= sizeof key) {
                fprintf(stderr, "fdrsim sweep: --over %s: expected --over section.key=VALUES\n",
                        optarg);
                code = EXIT_USAGE;
                goto done;
            }
            memcpy(key, optarg, (size_t)(eq - optarg));
            key[eq - optarg] = '\0';
            if (strcmp(key, "optimizer.lr") == 0) {
                grid = eq + 1;
                break;
            }
            if (naxes == FDR_SWEEP_MAX_AXES - 1)
                rc = fdr_error(FDR_EINVAL, "--over %s: at most %d keys besides the learning "
                                           "rate", optarg, FDR_SWEEP_MAX_AXES - 1);
            if (rc == FDR_OK)
                rc = fdr_sweep_axis_parse(key, eq + 1, &axes[naxes]);
            if (rc != FDR_OK && rc != FDR_ENOMEM) {
                if (naxes < FDR_SWEEP_MAX_AXES - 1)
                    fdr_sweep_axis_clear(&axes[naxes]);
                fprintf(stderr, "fdrsim sweep: %s\n", fdr_error_message());
                code = EXIT_USAGE;
                goto done;
            }
            if (rc != FDR_OK) {
                fprintf(stderr, "fdrsim sweep: out of memory\n");
                code = EXIT_RUNTIME;
                goto done;
            }
            naxes++;
            break;
        }
        case 2:
        case 3:
        case 4:
        case 5:
            if (snprintf(own[nsets], sizeof own[nsets], "%s=%s",
                         c == 2 ? "optimizer.momentum" : c == 3 ? "run.seed"
                                                       : c == 4 ? "run.steps" : "run.replicas",
                         optarg) >= (int)sizeof own[nsets]) {
                fprintf(stderr, "fdrsim sweep: %.50s...: value too long\n", own[nsets]);
                code = EXIT_USAGE;
                goto done;
            }
            sets[nsets] = own[nsets];
            nsets++;
            break;
        case 's':
            sets[nsets++] = optarg;
            break;
        case 'j':
            if (fdr_parse_long(optarg, 1, 1024, &lv) != FDR_OK) {
                fprintf(stderr, "fdrsim sweep: --threads %s: expected a number between 1 and "
                                "1024\n", optarg);
                code = EXIT_USAGE;
                goto done;
            }
            threads = (int)lv;
            break;
        case 'o':
            if (strlen(optarg) >= FDR_PATH_MAX) {
                fprintf(stderr, "fdrsim sweep: -o %.40s...: longer than %d characters\n", optarg,
                        FDR_PATH_MAX - 1);
                code = EXIT_USAGE;
                goto done;
            }
            out = optarg;
            break;
        case FDR_OPT_PLOT:
        case FDR_OPT_PLOT_SIZE:
        case FDR_OPT_PLOT_FONT:
        case FDR_OPT_PLOT_NOTITLE:
            if (fdr_plot_option(&po, c, optarg) != FDR_OK) {
                fprintf(stderr, "fdrsim sweep: %s\n", fdr_error_message());
                code = EXIT_USAGE;
                goto done;
            }
            break;
        case 8:
            ckpt = optarg;
            break;
        case 9: {
            char *end;
            errno = 0;
            every = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(every >= 0) || isinf(every)) {
                fprintf(stderr, "fdrsim sweep: --checkpoint-every %s: expected a number of "
                                "seconds, 0 or more\n", optarg);
                code = EXIT_USAGE;
                goto done;
            }
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'h':
            sweep_usage(stdout);
            goto done;
        case 'V':
            fdr_cli_version(stdout);
            goto done;
        default: /* getopt has named the option */
            fprintf(stderr, "Try 'fdrsim sweep --help' for more information.\n");
            code = EXIT_USAGE;
            goto done;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "fdrsim sweep: expected exactly one MODEL.ini (try 'fdrsim sweep "
                        "--help')\n");
        code = EXIT_USAGE;
        goto done;
    }
    if (po.want && !plot) {
        fprintf(stderr, "fdrsim sweep: --plot is not available here\n");
        code = EXIT_USAGE;
        goto done;
    }
    if ((ckpt || resume) && fdr_cli_dist() && fdr_cli_dist()->size > 1) {
        fprintf(stderr, "fdrsim sweep: %s: a sweep is not checkpointed or resumed in an MPI "
                        "job of more than one rank yet; run it with one rank\n",
                resume ? resume->path : ckpt);
        code = EXIT_USAGE;
        goto done;
    }
    /* the checkpoint's strings: a resumed sweep keeps those it was started with */
    size_t nckstr = resume ? resume->nstr : (size_t)argc + 2;
    if (ckpt && !resume && !(ckstr = calloc(nckstr, sizeof *ckstr))) {
        fprintf(stderr, "fdrsim sweep: out of memory\n");
        code = EXIT_RUNTIME;
        goto done;
    }
    if (ckpt && !resume) {
        ckstr[0] = "sweep";
        ckstr[1] = command;
        for (int i = 0; i < argc; i++)
            ckstr[2 + i] = argv[i];
    }
    sweep_ckpt ckctx = {ckpt, resume ? (const char *const *)resume->str : ckstr, nckstr};
    char name[256], outdir[FDR_PATH_MAX];
    static char model_buf[4096];
    const char *path = fdr_cli_model_path(argv[optind], model_buf, sizeof model_buf);
    fdr_config_display_name(path, name, sizeof name);
    /* in an MPI job every rank runs its share of the points; rank 0 writes */
    const int root = fdr_cli_root();
    fdr_sweep_spec spec = {.path = path, .name = name, .sets = sets, .nsets = nsets,
                           .axes = axes, .naxes = naxes, .threads = threads,
                           .progress = !quiet && isatty(STDERR_FILENO) ? show_progress : NULL,
                           .dist = fdr_cli_dist(),
                           .save = ckpt ? save_sweep : NULL,
                           .save_ctx = &ckctx,
                           .every = every,
                           .stop = ckpt ? &fdr_cli_stop_signal : NULL};
    if (resume) {
        spec.done_hash = resume->model_hash;
        spec.done_source = resume->path;
    }
    uint64_t seed = 0;
    double model_lr = 0;
    /* The learning rate is swept when asked, and by default when nothing else is. */
    int rc = plot_settings(&spec, &po);
    if (rc == FDR_OK && resume)
        rc = fdr_checkpoint_blob(resume, "points", &spec.done, &spec.done_len);
    if (rc == FDR_OK && !((grid || naxes) && out))
        rc = model_defaults(&spec, &seed, &model_lr);
    if (rc == FDR_OK && grid) {
        rc = fdr_lr_grid_parse(grid, &lr, &nlr);
    } else if (rc == FDR_OK && !naxes) {
        char def[96];
        snprintf(def, sizeof def, "%.17g:%.17g:8:log", model_lr / 10, model_lr);
        rc = fdr_lr_grid_parse(def, &lr, &nlr);
    }
    spec.lr = lr;
    spec.n = nlr;
    /* Everything about the output is checked before the sweep runs. */
    if (rc == FDR_OK && (out ? snprintf(outdir, sizeof outdir, "%s", out)
                             : snprintf(outdir, sizeof outdir, "%s-sweep-seed%llu", name,
                                        (unsigned long long)seed)) >= (int)sizeof outdir)
        rc = fdr_error(FDR_EINVAL, "--out: a path of more than %d characters", FDR_PATH_MAX - 1);
    if (rc == FDR_OK && root)
        rc = fdr_outdir_check(outdir);
    if (rc == FDR_OK && root && po.want)
        rc = plot("sweep.gp", NULL);
    rc = fdr_dist_agree(spec.dist, rc);
    if (ckpt)
        fdr_cli_stop_catch();
    if (rc == FDR_OK)
        rc = fdr_sweep_run(&spec, &s);
    int stopped = ckpt ? fdr_cli_stop_signal : 0;
    if (ckpt)
        fdr_cli_stop_release();
    if (!root) {
        code = rc == FDR_OK ? 0 : exit_code(rc);
        goto done;
    }
    if (rc == FDR_OK && !quiet)
        fdr_sweep_table(stdout, s);
    if (rc == FDR_OK)
        rc = fdr_sweep_write(outdir, s, resume ? resume->str[1] : command,
                             po.want ? plot : NULL);
    if (rc == FDR_OK && !quiet)
        printf("output written to %s/\n", outdir);
    if (rc != FDR_OK && stopped && rc == FDR_EIO) {
        fprintf(stderr, "fdrsim sweep: %s: checkpoint written to %s, %s; continue with "
                        "'fdrsim resume %s'\n",
                stopped == SIGTERM ? "SIGTERM" : "SIGINT", ckpt, fdr_error_message(), ckpt);
        code = 128 + stopped;
    } else if (rc != FDR_OK) {
        const char *msg = fdr_error_message();
        fprintf(stderr, "fdrsim sweep: %s\n", msg[0] ? msg : "failed");
        code = exit_code(rc);
    }
done:
    free(ckstr);
    for (size_t k = 0; k < naxes; k++)
        fdr_sweep_axis_clear(&axes[k]);
    fdr_sweep_free(s);
    free(lr);
    free(sets);
    free(own);
    free(command);
    return code;
}
