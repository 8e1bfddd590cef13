/* stop.c - SIGTERM and SIGINT as requests to checkpoint and stop (cli.h). */
#include "cli/cli.h"

#include <signal.h>

volatile sig_atomic_t fdr_cli_stop_signal;

static struct sigaction old_term, old_int;

static void on_stop(int sig)
{
    fdr_cli_stop_signal = sig;
}

void fdr_cli_stop_catch(void)
{
    struct sigaction sa = {.sa_handler = on_stop, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    fdr_cli_stop_signal = 0;
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGINT, &sa, &old_int);
}

void fdr_cli_stop_release(void)
{
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
}
