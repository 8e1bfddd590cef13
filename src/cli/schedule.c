/* cli/schedule.c - `fdrsim schedule`: options, the table, exit statuses
 * (the study itself is src/studies/schedule.c). */
#include "config.h"

#include "cli/cli.h"
#include "engine/dist.h"
#include "io/report.h"
#include "studies/schedule.h"

#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the command's help. */
static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fdrsim schedule MODEL.ini [OPTION]...\n"
            "Runs the learning-rate quencher driven by the first fluctuation-dissipation\n"
            "relation (S. Yaida, ICLR 2019, arXiv:1810.00004) beside preset schedules, on the\n"
            "same replicas and random streams, with the exact expected-loss curve where the\n"
            "model has one (quadratic landscape, constant noise covariance).\n"
            "\n"
            "The quencher: every T steps since the last change of the lr, take the\n"
            "half-running averages of O_L = theta . g (g the noisy gradient, theta not\n"
            "centred, as published) and O_R = (1 + mu)/(2 eta_b) |v|^2; if\n"
            "|<O_L>/<O_R> - 1| < X, then lr <- (1 - Y) lr and the record is cleared.\n"
            "With [optimizer] groups = NAME:A-B ... in the model file (and group_lr), each\n"
            "parameter group has its own lr, O_L and O_R on its coordinates, and quenches.\n"
            "\n"
            "Quencher options:\n"
            "      --X X              threshold, >= 0 (default 0.01; 0 never quenches)\n"
            "      --Y Y              cut, in (0, 1) (default 0.9, the public implementation's\n"
            "                         default: a tenfold cut; the paper's own runs used 0.1)\n"
            "      --t-adaptive T     steps between checks (default 1000)\n"
            "      --mode MODE        replica: one quencher per replica, on its own\n"
            "                         observables, as in practice (default); ensemble: one\n"
            "                         decision on the replica means, shared by every replica\n"
            "                         (simulation only, far less noise; exact curve applies)\n"
            "      --lr-min LR        a quench never takes the lr below LR (default 0: none)\n"
            "Preset schedules (all start from the model's lr):\n"
            "      --compare LIST     presets to run beside the quencher, from constant, step,\n"
            "                         inverse, or none (default constant,step,inverse)\n"
            "      --step-at LIST     step decay at these steps (default: 1/4 and 1/2 of the run)\n"
            "      --step-factor F    lr *= F at each of them (default 0.1)\n"
            "      --t0 T0            inverse decay lr_0 / (1 + t / T0) (default 1000)\n"
            "Run and output:\n"
            "      --target L         excess loss <f> - f* whose first crossing is timed\n"
            "                         (default 0.2 x the stationary excess loss at the initial\n"
            "                         lr: exact where known, else the constant schedule's mean\n"
            "                         over the second half of the run)\n"
            "  -s, --set SEC.KEY=VALUE  override a model-file setting (repeatable)\n"
            "      --seed N, --steps N, --replicas N   the same as --set run.KEY=N; --steps is\n"
            "                         the step budget of every schedule\n"
            "  -j, --threads N        OpenMP threads (results do not depend on it)\n"
            "  -o, --out DIR          output folder (default: MODEL-schedule-seedN)\n"
            "  -q, --quiet            print no table\n"
            FDR_PLOT_USAGE
            "  -h, --help             show this help and exit\n"
            "  -V, --version          show the version and exit\n"
            "\n"
            "Writes DIR/schedule.dat (per recorded step and schedule: lr, excess loss, the\n"
            "FDR1 ratio <O_L>/<O_R>, exact values; then the quench events) and\n"
            "DIR/schedule.json; render with gnuplot -e \"dir='DIR'\" plots/schedule.gp.\n"
            "Exit status: 0 success, 2 bad usage or input (nothing is written), 3 a run-time\n"
            "failure.\n");
}

/* Prints the recorded error and returns the exit status for status. */
static int fail(int status)
{
    const char *msg = fdr_error_message();
    fprintf(stderr, "fdrsim: schedule: %s\n", msg[0] ? msg : "failed");
    return status == FDR_EINVAL || status == FDR_EUNSTABLE || status == FDR_EDIVERGED
               ? EXIT_USAGE
               : EXIT_RUNTIME;
}

/* Parses a finite number given to option opt (a subnormal is one; a number
 * that rounds to zero is not). */
static int parse_double(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (end == text || *end || !isfinite(*out) || (errno == ERANGE && *out == 0))
        return fdr_error(FDR_EINVAL, "%s %s: expected a finite number", opt, text);
    return FDR_OK;
}

/* Parses a whole number given to option opt; overflow is an error. */
static int parse_long(const char *opt, const char *text, long *out)
{
    if (fdr_parse_long(text, LONG_MIN, LONG_MAX, out) != FDR_OK)
        return fdr_error(FDR_EINVAL, "%s %s: expected a whole number from %ld to %ld", opt, text,
                         LONG_MIN, LONG_MAX);
    return FDR_OK;
}

/* "s1,s2,...": up to 16 steps for the step decay. */
static int parse_step_at(const char *text, fdr_sched_opts *o)
{
    const char *s = text;
    size_t cap = sizeof o->step_at / sizeof *o->step_at;
    for (o->n_step_at = 0;; s++) {
        char *end;
        errno = 0;
        long t = strtol(s, &end, 10);
        if (end == s || (*end != ',' && *end) || errno == ERANGE || o->n_step_at == cap)
            return fdr_error(FDR_EINVAL, "--step-at %s: expected up to %zu comma-separated steps",
                             text, cap);
        o->step_at[o->n_step_at++] = t;
        s = end;
        if (!*s)
            return FDR_OK;
    }
}

/* "constant,step,inverse" (any subset) or "none". */
static int parse_compare(const char *text, fdr_sched_opts *o)
{
    for (int k = 1; k < FDR_SCHED_NKINDS; k++)
        o->run[k] = 0;
    if (strcmp(text, "none") == 0)
        return FDR_OK;
    const char *s = text;
    for (;;) {
        size_t len = strcspn(s, ",");
        int found = 0;
        for (int k = 1; k < FDR_SCHED_NKINDS; k++)
            if (strlen(fdr_sched_kind_name(k)) == len && strncmp(s, fdr_sched_kind_name(k), len) == 0)
                found = o->run[k] = 1;
        if (!found)
            return fdr_error(FDR_EINVAL,
                             "--compare %s: '%.*s' is not a preset (known: constant, "
                             "step, inverse, or none)",
                             text, (int)len, s);
        if (!s[len])
            return FDR_OK;
        s += len + 1;
    }
}

/* The quencher's quenches of parameter group g (0 without groups) as a
 * phrase: the shared steps in ensemble mode, else per replica. */
static void quench_summary(char *qs, size_t size, const fdr_sched_opts *o,
                           const fdr_sched_result *r, const fdr_sched_curve *s, size_t g)
{
    size_t npg = r->npg;
    if (o->mode == FDR_SCHED_ENSEMBLE) {
        size_t len = (size_t)snprintf(qs, size, "%zu at", s->nq[g]);
        for (size_t j = 0; j < s->nq[g] && len < size; j++)
            len += (size_t)snprintf(qs + len, size - len, " %ld", s->q[g][j].step);
        return;
    }
    double first = 0, ss = 0;
    size_t n = 0, total = 0;
    for (size_t k = g; k < s->nlists; k += npg) {
        total += s->nq[k];
        if (s->nq[k]) {
            first += (double)s->q[k][0].step;
            ss += (double)s->q[k][0].step * (double)s->q[k][0].step;
            n++;
        }
    }
    if (n)
        snprintf(qs, size, "%.2f per replica; first at %.0f (sd %.2g, %zu replicas)",
                 (double)total / (double)r->R, first / (double)n,
                 n > 1 ? sqrt(fmax(0, (ss - first * first / (double)n) / (double)(n - 1))) : NAN,
                 n);
    else
        snprintf(qs, size, "none");
}

/* Prints the settings and one line per schedule. */
static void print_table(FILE *f, const fdr_model *m, const fdr_sched_opts *o,
                        const fdr_sched_result *r)
{
    fdr_print_wrapped(f, 2, "fdrsim %s schedule  model %s  (%s, d = %zu; %s noise)\n",
                      PACKAGE_VERSION, m->name, m->land->type->name, r->d, m->noise->type->name);
    fdr_print_wrapped(f, 2, "lr %g, momentum %g, dampening %g, %s convention\n", m->lr,
                      m->momentum, m->dampening, fdr_convention_names[m->convention]);
    fdr_print_wrapped(f, 2,
                      "seed %llu, %zu replicas x %ld steps, %.2f s\nquencher: %s mode, X %g, "
                      "Y %g, t_adaptive %ld, lr floor %g\n",
                      (unsigned long long)m->seed, r->R, r->steps, r->seconds,
                      fdr_sched_mode_name(o->mode), o->X, o->Y, o->t_adaptive, o->lr_min);
    fdr_print_wrapped(f, 2, "f* = %.6g (%s)\ntarget excess loss %.6g: %s\n", r->fstar,
                      r->fstar_how, r->target, r->target_how);
    if (!r->exact_available)
        fdr_print_wrapped(f, 2, "no exact curves: %s\n", r->why_not);
    if (m->noise->caveat)
        fdr_print_wrapped(f, 2, "caveat: FDR1 is not exact under this noise law: %s\n",
                          m->noise->caveat);
    /* 9 + 11 + 23 + 12 + 22 columns; the quenches below the table */
    fprintf(f, "\n%-9s %-11s %-23s %-12s %s\n", "schedule", "final lr", "final excess loss",
            "exact", "time to target");
    char qs[FDR_SCHED_NKINDS][4096] = {{0}};
    for (size_t i = 0; i < r->nsched; i++) {
        const fdr_sched_curve *s = &r->s[i];
        char fl[64], ex[32], tt[48];
        snprintf(fl, sizeof fl, "%.6g +- %.2g", s->final_loss.val, s->final_loss.err);
        snprintf(ex, sizeof ex, s->exact ? "%.6g" : "-", s->exact_final_loss);
        if (isnan(s->time_to_target.val))
            snprintf(tt, sizeof tt, "not reached");
        else
            snprintf(tt, sizeof tt, "%.0f +- %.2g", s->time_to_target.val, s->time_to_target.err);
        char *q = i < FDR_SCHED_NKINDS ? qs[i] : NULL;
        if (q && s->kind == FDR_SCHED_FDR && r->npg == 1)
            quench_summary(q, sizeof qs[i], o, r, s, 0);
        if (r->npg == 1)
            fprintf(f, "%-9s %-11.4g %-23s %-12s %s\n", s->name, s->lr[r->n_rec - 1], fl, ex, tt);
        else
            fprintf(f, "%-9s %-11s %-23s %-12s %s\n", s->name, "per group", fl, ex, tt);
    }
    for (size_t i = 0; i < r->nsched && i < FDR_SCHED_NKINDS; i++)
        if (qs[i][0])
            fdr_print_wrapped(f, 4, "quenches of %s: %s\n", r->s[i].name, qs[i]);
    /* parameter groups: each its own lr and quenches */
    for (size_t g = 0; r->npg > 1 && g < r->npg; g++) {
        const fdr_group *gr = &m->groups[g];
        char line[1024], gq[128];
        size_t len = (size_t)snprintf(line, sizeof line,
                                      "group %s (coordinates %zu-%zu, initial lr %g): final lr",
                                      gr->name, gr->first, gr->first + gr->count - 1, gr->lr);
        for (size_t i = 0; i < r->nsched && len < sizeof line; i++)
            len += (size_t)snprintf(line + len, sizeof line - len, " %s %.4g", r->s[i].name,
                                    r->s[i].lr[(r->n_rec - 1) * r->npg + g]);
        quench_summary(gq, sizeof gq, o, r, &r->s[0], g);
        fdr_print_wrapped(f, 4, "%s%s; quenches: %s\n", g ? "" : "\n", line, gq);
    }
}

/* `fdrsim schedule`: options, model, run, table and files (contract in
 * schedule.h). Every bad input is reported through fdr_error before anything
 * is written. */
int fdr_cli_schedule(int argc, char **argv, int (*plot)(const char *script, const char *dir))
{
    enum {
        O_X = 256,
        O_Y,
        O_TAD,
        O_MODE,
        O_LRMIN,
        O_CMP,
        O_STEPAT,
        O_FACTOR,
        O_T0,
        O_TARGET,
        O_SEED,
        O_STEPS,
        O_REPLICAS
    };
    static const struct option longopts[] = {{"X", required_argument, NULL, O_X},
                                             {"Y", required_argument, NULL, O_Y},
                                             {"t-adaptive", required_argument, NULL, O_TAD},
                                             {"mode", required_argument, NULL, O_MODE},
                                             {"lr-min", required_argument, NULL, O_LRMIN},
                                             {"compare", required_argument, NULL, O_CMP},
                                             {"step-at", required_argument, NULL, O_STEPAT},
                                             {"step-factor", required_argument, NULL, O_FACTOR},
                                             {"t0", required_argument, NULL, O_T0},
                                             {"target", required_argument, NULL, O_TARGET},
                                             {"seed", required_argument, NULL, O_SEED},
                                             {"steps", required_argument, NULL, O_STEPS},
                                             {"replicas", required_argument, NULL, O_REPLICAS},
                                             {"set", required_argument, NULL, 's'},
                                             {"threads", required_argument, NULL, 'j'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             FDR_PLOT_LONGOPTS,
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {NULL, 0, NULL, 0}};
    /* Library code checks every GSL status itself; GSL must not abort. */
    gsl_set_error_handler_off();
    fdr_error_clear();
    fdr_sched_opts o;
    fdr_sched_opts_default(&o, 0);
    int step_at_given = 0, quiet = 0, rc = FDR_OK;
    fdr_plot_opts po;
    fdr_plot_defaults(&po);
    long threads = 0;
    const char *out = NULL, *run_keys[3] = {NULL, NULL, NULL};
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    char *command = fdr_command_line("fdrsim", argc, argv);
    if (!sets || !command) {
        free(sets);
        free(command);
        return fail(FDR_ENOMEM);
    }
    optind = 1;
    opterr = 0;
    int c;
    while (rc == FDR_OK && (c = getopt_long(argc, argv, "s:j:o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_X:
            rc = parse_double("--X", optarg, &o.X);
            break;
        case O_Y:
            rc = parse_double("--Y", optarg, &o.Y);
            break;
        case O_TAD:
            rc = parse_long("--t-adaptive", optarg, &o.t_adaptive);
            break;
        case O_MODE:
            if (strcmp(optarg, "replica") == 0)
                o.mode = FDR_SCHED_REPLICA;
            else if (strcmp(optarg, "ensemble") == 0)
                o.mode = FDR_SCHED_ENSEMBLE;
            else
                rc = fdr_error(FDR_EINVAL, "--mode %s: expected replica or ensemble", optarg);
            break;
        case O_LRMIN:
            rc = parse_double("--lr-min", optarg, &o.lr_min);
            break;
        case O_CMP:
            rc = parse_compare(optarg, &o);
            break;
        case O_STEPAT:
            rc = parse_step_at(optarg, &o);
            step_at_given = 1;
            break;
        case O_FACTOR:
            rc = parse_double("--step-factor", optarg, &o.step_factor);
            break;
        case O_T0:
            rc = parse_double("--t0", optarg, &o.t0);
            break;
        case O_TARGET:
            rc = parse_double("--target", optarg, &o.target);
            break;
        case O_SEED:
        case O_STEPS:
        case O_REPLICAS:
            run_keys[c - O_SEED] = optarg;
            break;
        case 's':
            sets[nsets++] = optarg;
            break;
        case 'j':
            rc = parse_long("--threads", optarg, &threads);
            if (rc == FDR_OK && (threads < 1 || threads > 1024))
                rc = fdr_error(FDR_EINVAL, "--threads %s: expected a number between 1 and 1024",
                               optarg);
            o.threads = (int)threads;
            break;
        case 'o':
            out = optarg;
            if (strlen(out) >= FDR_PATH_MAX)
                rc = fdr_error(FDR_EINVAL, "-o %.40s...: longer than %d characters", out,
                               FDR_PATH_MAX - 1);
            break;
        case 'q':
            quiet = 1;
            break;
        case FDR_OPT_PLOT:
        case FDR_OPT_PLOT_SIZE:
        case FDR_OPT_PLOT_FONT:
        case FDR_OPT_PLOT_NOTITLE:
            rc = fdr_plot_option(&po, c, optarg);
            if (rc == FDR_OK && po.want && !plot)
                rc = fdr_error(FDR_EINVAL, "--plot is not available here");
            break;
        case 'h':
        case 'V':
            if (c == 'h')
                usage(stdout);
            else
                fdr_cli_version(stdout);
            free(sets);
            free(command);
            return 0;
        default:
            rc = fdr_error(FDR_EINVAL,
                           "unknown option or missing argument: %s (see fdrsim "
                           "schedule --help)",
                           argv[optind - 1]);
        }
    }
    if (rc == FDR_OK && argc - optind != 1)
        rc = fdr_error(FDR_EINVAL,
                       argc - optind == 0 ? "missing MODEL.ini (try 'fdrsim list')"
                                          : "expected one MODEL.ini, got %d "
                                            "arguments",
                       argc - optind);
    fdr_config *cfg = NULL;
    fdr_model *m = NULL;
    fdr_sched_result *res = NULL;
    static char model_buf[4096];
    if (rc == FDR_OK && !(cfg = fdr_config_load(fdr_cli_model_path(argv[optind], model_buf,
                                                                    sizeof model_buf))))
        rc = FDR_EINVAL;
    for (size_t i = 0; rc == FDR_OK && i < nsets; i++)
        rc = fdr_config_set(cfg, sets[i]);
    static const char *const run_key[3] = {"seed", "steps", "replicas"};
    for (int i = 0; rc == FDR_OK && i < 3; i++)
        if (run_keys[i]) {
            char buf[96];
            if (snprintf(buf, sizeof buf, "run.%s=%s", run_key[i], run_keys[i]) >=
                (int)sizeof buf)
                rc = fdr_error(FDR_EINVAL, "--%s %.40s...: too long for a number", run_key[i],
                               run_keys[i]);
            else
                rc = fdr_config_set(cfg, buf);
        }
    if (rc == FDR_OK)
        rc = fdr_plot_config(&po, cfg);
    fdr_plot_use(&po);
    char name[256];
    if (rc == FDR_OK) {
        fdr_config_display_name(argv[optind], name, sizeof name);
        if (!(m = fdr_model_alloc(cfg, name)))
            rc = fdr_error_status();
    }
    if (rc == FDR_OK && !step_at_given) {
        fdr_sched_opts def;
        fdr_sched_opts_default(&def, m->steps);
        memcpy(o.step_at, def.step_at, sizeof o.step_at);
        o.n_step_at = def.n_step_at;
    }
    /* Everything about the output is checked before the run. */
    char outdir[FDR_PATH_MAX];
    if (rc == FDR_OK && (out ? snprintf(outdir, sizeof outdir, "%s", out)
                             : snprintf(outdir, sizeof outdir, "%s-schedule-seed%llu", name,
                                        (unsigned long long)m->seed)) >= (int)sizeof outdir)
        rc = fdr_error(FDR_EINVAL, "--out: a path of more than %d characters", FDR_PATH_MAX - 1);
    /* in an MPI job every rank runs its replica blocks; rank 0 writes */
    const int root = fdr_cli_root();
    if (rc == FDR_OK && root)
        rc = fdr_outdir_check(outdir);
    if (rc == FDR_OK && root && po.want)
        rc = plot("schedule.gp", NULL);
    o.dist = fdr_cli_dist();
    rc = fdr_dist_agree(o.dist, rc);
    if (rc == FDR_OK)
        rc = fdr_sched_run(m, &o, &res);
    if (rc == FDR_OK && !root) {
        fdr_model_free(m);
        fdr_config_free(cfg);
        free(sets);
        free(command);
        return 0;
    }
    if (rc == FDR_OK && !quiet)
        print_table(stdout, m, &o, res);
    if (rc == FDR_OK)
        rc = fdr_sched_write(outdir, m, &o, res, command, po.want ? plot : NULL);
    if (rc == FDR_OK && !quiet)
        printf("output written to %s/\n", outdir);
    int code = rc == FDR_OK ? 0 : fail(rc);
    fdr_sched_result_free(res);
    fdr_model_free(m);
    fdr_config_free(cfg);
    free(sets);
    free(command);
    return code;
}
