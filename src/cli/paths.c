/* paths.c - where the command line finds its data: the bundled models and
 * the gnuplot scripts of the source tree when the program running is the
 * one built in that tree, else the installed ones; and a bundled model
 * named without its folder and .ini. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 if the running program lies in the build tree (FDR_BUILDDIR): an
 * installed fdrsim reads its installed data even while the source tree it
 * was built from exists. */
static int in_build_tree(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    char exe[PATH_MAX], tree[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    known = 0;
    if (n > 0 && realpath(FDR_BUILDDIR, tree)) {
        exe[n] = '\0';
        size_t t = strlen(tree);
        known = strncmp(exe, tree, t) == 0 && exe[t] == '/';
    }
    return known;
}

const char *fdr_cli_model_dir(void)
{
    return in_build_tree() ? FDR_SRC_MODELDIR : FDR_PKG_MODELDIR;
}

const char *fdr_cli_plot_dir(void)
{
    const char *env = getenv("FDRSIM_PLOTDIR");
    if (env && *env)
        return env;
    return in_build_tree() ? FDR_SRC_PLOTDIR : FDR_PKG_PLOTDIR;
}

const char *fdr_cli_model_path(const char *arg, char *buf, size_t n)
{
    struct stat st;
    if (stat(arg, &st) == 0 || strchr(arg, '/') || !*arg)
        return arg;
    size_t len = strlen(arg);
    int has_ini = len > 4 && strcmp(arg + len - 4, ".ini") == 0;
    int w = snprintf(buf, n, "%s/%s%s", fdr_cli_model_dir(), arg, has_ini ? "" : ".ini");
    if (w < 0 || (size_t)w >= n || stat(buf, &st) != 0 || !S_ISREG(st.st_mode))
        return arg;
    return buf;
}
