/* cli.h - the subcommands of the fdrsim command line, and their exit
 * statuses. Only src/cli/ prints to the terminal or chooses an exit
 * status; the library returns status codes (core/fdr.h). */
#ifndef FDR_CLI_H
#define FDR_CLI_H

#include "config/cfg.h"

#include <signal.h>
#include <stdio.h>

/* 1: `--check` or `fdrsim check` found a failed relation or a regression;
 * 2: bad usage or input (nothing is written); 3: a run-time failure. */
enum { EXIT_CHECK_FAILED = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* `fdrsim sweep MODEL.ini [options]`: argv[0] is the subcommand's name.
 * plot(script, dir) renders a gnuplot script into dir, and plot(script,
 * NULL) checks that it could, before the sweep runs (the CLI's helper;
 * NULL makes --plot an error). Returns the exit status: 0 success, 2 bad
 * usage or input (nothing written), 3 a run-time failure. */
int fdr_cli_sweep(int argc, char **argv, int (*plot)(const char *script, const char *dir));
/* `fdrsim resume FILE` of a sweep's checkpoint ck: the sweep it records,
 * with the options extra (nextra of them: -j, -q, -o, --checkpoint-every,
 * --plot) after its own, the points it holds taken as done. */
struct fdr_checkpoint;
int fdr_cli_sweep_resume(const struct fdr_checkpoint *ck, char *const *extra, size_t nextra,
                         int (*plot)(const char *script, const char *dir));

/* `fdrsim schedule MODEL [OPTION]...`: argv[0] is "schedule". plot(script,
 * dir) renders a gnuplot script into dir for --plot, and plot(script, NULL)
 * checks that it could, before the run (NULL makes --plot an error).
 * Returns the exit status: 0 success, 2 bad usage or input (nothing
 * written), 3 a run-time failure. */
int fdr_cli_schedule(int argc, char **argv, int (*plot)(const char *script, const char *dir));

/* `fdrsim check RESULT.json --baseline BASELINE.json [--tolerance Z]`:
 * argv[0] is the subcommand's name. Returns the exit status: 0 nothing
 * moved, 1 regressed, 2 bad input, 3 a run-time failure. */
int fdr_cli_check(int argc, char **argv);

/* `fdrsim transfer MODEL [-o DIR] [-s SEC.KEY=VALUE]...`: argv[0] is
 * "transfer". The exact stationary values of a 1-D model from its transfer
 * operator (exact/transfer.h). Returns the exit status: 0 success, 2 bad
 * usage or input or a model it does not support (nothing written), 3 a
 * run-time failure. */
int fdr_cli_transfer(int argc, char **argv);

/* ---- stop requests (stop.c) --------------------------------------------------
 * From fdr_cli_stop_catch to fdr_cli_stop_release, SIGTERM and SIGINT (what
 * schedulers send before SIGKILL) only set fdr_cli_stop_signal to their
 * number: a command with a checkpoint then writes it and stops at its next
 * look. catch sets it to 0. */
extern volatile sig_atomic_t fdr_cli_stop_signal;
void fdr_cli_stop_catch(void);
void fdr_cli_stop_release(void);

/* ---- the ranks of an MPI job (ranks.c) ---------------------------------------
 * The job fdrsim runs in (engine/dist.h), set once by main, or NULL when it
 * runs alone. run, sweep and schedule share their work over its ranks;
 * only rank 0 prints and writes (main silences the others' stdout and
 * stderr). */
struct fdr_dist;
void fdr_cli_set_dist(const struct fdr_dist *d);
const struct fdr_dist *fdr_cli_dist(void);
/* 1 on rank 0 of the job or without one: the process that writes. */
int fdr_cli_root(void);

/* `--version` of fdrsim and of every subcommand (version.c). */
void fdr_cli_version(FILE *f);

/* ---- where the data is (paths.c) ---------------------------------------------
 * The bundled models' and the gnuplot scripts' folders: the source tree's
 * when the running program is the one built in it, else the installed ones
 * ($FDRSIM_PLOTDIR, if set, for the scripts). */
const char *fdr_cli_model_dir(void);
const char *fdr_cli_plot_dir(void);
/* The model file an argument names: arg itself if it exists (or names a
 * folder), else the bundled model arg or arg.ini, written into buf (size
 * n); else arg, for the reader to report. */
const char *fdr_cli_model_path(const char *arg, char *buf, size_t n);

/* ---- the figures (plot.c) ---------------------------------------------------
 * --plot[=FORMATS] renders the figures (FORMATS: a comma-separated list of
 * png, pdf, svg, cairolatex; default png,pdf), --plot-size=W[,H] makes them
 * W x H inches (W alone: each figure's own shape at that width),
 * --plot-font=NAME,SIZE sets the font (points), --plot-notitle drops the
 * run-specific title lines. The same settings can stand in a [plot] section
 * of the model file (formats, size, font, title = on|off), which the
 * command line overrides. */
enum { FDR_PLOT_PNG = 1, FDR_PLOT_PDF = 2, FDR_PLOT_SVG = 4, FDR_PLOT_CAIROLATEX = 8 };
/* The defaults: one column of a two-column paper, in its caption's size. */
#define FDR_PLOT_WIDTH 3.4
#define FDR_PLOT_FONT "Sans"
#define FDR_PLOT_FONTSIZE 8.0

enum {
    FDR_PLOT_GIVEN_FORMATS = 1,
    FDR_PLOT_GIVEN_SIZE = 2,
    FDR_PLOT_GIVEN_FONT = 4,
    FDR_PLOT_GIVEN_TITLE = 8
};

typedef struct {
    int want;             /* --plot given: render the figures */
    unsigned formats;     /* FDR_PLOT_* bits */
    double width, height; /* inches; height 0: each figure's own shape */
    char font[64];
    double fontsize; /* points */
    int title;       /* 0: --plot-notitle, or title = off */
    unsigned given;  /* FDR_PLOT_GIVEN_* bits: set on the command line */
} fdr_plot_opts;

/* getopt_long codes and table entries of the plot options, shared by run,
 * sweep and schedule. */
enum { FDR_OPT_PLOT = 0x200, FDR_OPT_PLOT_SIZE, FDR_OPT_PLOT_FONT, FDR_OPT_PLOT_NOTITLE };
#define FDR_PLOT_LONGOPTS                                                                    \
    {"plot", optional_argument, NULL, FDR_OPT_PLOT},                                         \
    {"plot-size", required_argument, NULL, FDR_OPT_PLOT_SIZE},                               \
    {"plot-font", required_argument, NULL, FDR_OPT_PLOT_FONT},                               \
    {"plot-notitle", no_argument, NULL, FDR_OPT_PLOT_NOTITLE}
#define FDR_PLOT_USAGE                                                                       \
    "      --plot[=FORMATS]     render the figures with gnuplot into the output folder;\n"  \
    "                           FORMATS: png, pdf, svg, cairolatex, comma-separated\n"      \
    "                           (default png,pdf)\n"                                         \
    "      --plot-size=W[,H]    figure size in inches (default 3.4 wide, one paper\n"       \
    "                           column; each figure's own height)\n"                         \
    "      --plot-font=NAME,SIZE  font and size in points (default Sans,8)\n"               \
    "      --plot-notitle       no run-specific titles (for a paper's own caption)\n"       \
    "                           (all four also in the model file's [plot] section)\n"

void fdr_plot_defaults(fdr_plot_opts *o);

/* Applies one plot option (code FDR_OPT_PLOT*, its argument or NULL):
 * FDR_EINVAL with a message naming the option on a bad value. */
int fdr_plot_option(fdr_plot_opts *o, int code, const char *arg);

/* Reads the [plot] section of cfg into o, except what the command line
 * gave; a bad value or an unknown key is FDR_EINVAL naming the file, line
 * and key. Called whether or not --plot is given: the keys are checked
 * like every other. */
int fdr_plot_config(fdr_plot_opts *o, fdr_config *cfg);

/* The options that give o again (--plot=..., --plot-size=..., ...) into
 * arg, for a subcommand run from another; returns their number. */
int fdr_plot_args(const fdr_plot_opts *o, char arg[4][128]);

/* The settings fdr_plot_render uses from now on. */
void fdr_plot_use(const fdr_plot_opts *o);

/* Renders plots/SCRIPT into the folder dir, after writing the settings to
 * dir/plot.gp if it is not there yet (gnuplot loads it before the script);
 * with dir NULL, checks that it could (the script and gnuplot are there),
 * so that --plot fails before a run, not after. */
int fdr_plot_render(const char *script, const char *dir);

#endif
