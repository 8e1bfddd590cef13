/* cli.h - the subcommands of the fdrsim command line, and their exit
 * statuses. Only src/cli/ prints to the terminal or chooses an exit
 * status; the library returns status codes (core/fdr.h). */
#ifndef FDR_CLI_H
#define FDR_CLI_H

/* 1: `--check` or `fdrsim check` found a failed relation or a regression;
 * 2: bad usage or input (nothing is written); 3: a run-time failure. */
enum { EXIT_CHECK_FAILED = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* `fdrsim sweep MODEL.ini [options]`: argv[0] is the subcommand's name.
 * plot(script, dir) renders a gnuplot script into dir, and plot(script,
 * NULL) checks that it could, before the sweep runs (the CLI's helper;
 * NULL makes --plot an error). Returns the exit status: 0 success, 2 bad
 * usage or input (nothing written), 3 a run-time failure. */
int fdr_cli_sweep(int argc, char **argv, int (*plot)(const char *script, const char *dir));

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

#endif
