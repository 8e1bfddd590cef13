/* plot.c - the figures' settings (--plot[=FORMATS], --plot-size,
 * --plot-font, --plot-notitle and the model file's [plot] section) and
 * rendering a gnuplot script with them (contract in cli.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "config.h"

#include "cli/cli.h"
#include "core/fdr.h"
#include "io/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const format_name[] = {"png", "pdf", "svg", "cairolatex"};
enum { NFORMATS = sizeof format_name / sizeof *format_name };

void fdr_plot_defaults(fdr_plot_opts *o)
{
    *o = (fdr_plot_opts){0};
    o->formats = FDR_PLOT_PNG | FDR_PLOT_PDF;
    o->width = FDR_PLOT_WIDTH;
    snprintf(o->font, sizeof o->font, "%s", FDR_PLOT_FONT);
    o->fontsize = FDR_PLOT_FONTSIZE;
    o->title = 1;
}

/* The parsers below return NULL, or what is wrong, for the caller's message
 * (which names the option or the key). */

static const char *parse_formats(const char *text, unsigned *out)
{
    unsigned bits = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, ", \t");
        int k = 0;
        while (k < NFORMATS && (strlen(format_name[k]) != n || strncmp(p, format_name[k], n)))
            k++;
        if (k == NFORMATS)
            return "expected a comma-separated list of png, pdf, svg, cairolatex";
        bits |= 1u << k;
        p += n;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (*p++ != ',')
            return "expected a comma-separated list of png, pdf, svg, cairolatex";
    }
    *out = bits;
    return NULL;
}

/* A number from lo to hi, all of text from *p to the next stop character or
 * the end. */
static int parse_number(const char **p, const char *stop, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(*p, &end);
    if (end == *p || errno == ERANGE || !isfinite(x) || x < lo || x > hi ||
        (*end && !strchr(stop, *end)))
        return 0;
    *p = end;
    *out = x;
    return 1;
}

static const char *parse_size(const char *text, double *w, double *h)
{
    static const char *const why = "expected W or W,H in inches, each from 1 to 20 "
                                   "(W alone: each figure's own shape)";
    const char *p = text;
    double a, b = 0;
    if (!parse_number(&p, ",", 1, 20, &a))
        return why;
    if (*p == ',') {
        p++;
        if (!parse_number(&p, "", 1, 20, &b))
            return why;
    }
    *w = a;
    *h = b;
    return NULL;
}

static const char *parse_font(const char *text, char *name, size_t n, double *size)
{
    static const char *const why = "expected NAME,SIZE, NAME or ,SIZE (a font name of letters, "
                                   "digits, blanks and - _ . only; a size from 4 to 36 points)";
    size_t len = strcspn(text, ",");
    if (len >= n)
        return why;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == ' ' || c == '-' || c == '_' || c == '.'))
            return why;
    }
    double s = *size;
    if (text[len] == ',') {
        const char *p = text + len + 1;
        if (!parse_number(&p, "", 4, 36, &s))
            return why;
    } else if (len == 0) {
        return why;
    }
    if (len > 0) {
        memcpy(name, text, len);
        name[len] = '\0';
    }
    *size = s;
    return NULL;
}

int fdr_plot_option(fdr_plot_opts *o, int code, const char *arg)
{
    const char *why = NULL, *opt = "--plot";
    switch (code) {
    case FDR_OPT_PLOT:
        o->want = 1;
        if (arg) {
            why = parse_formats(arg, &o->formats);
            o->given |= FDR_PLOT_GIVEN_FORMATS;
        }
        break;
    case FDR_OPT_PLOT_SIZE:
        opt = "--plot-size";
        why = parse_size(arg, &o->width, &o->height);
        o->given |= FDR_PLOT_GIVEN_SIZE;
        break;
    case FDR_OPT_PLOT_FONT:
        opt = "--plot-font";
        why = parse_font(arg, o->font, sizeof o->font, &o->fontsize);
        o->given |= FDR_PLOT_GIVEN_FONT;
        break;
    default:
        o->title = 0;
        o->given |= FDR_PLOT_GIVEN_TITLE;
        break;
    }
    return why ? fdr_error(FDR_EINVAL, "%s=%s: %s", opt, arg, why) : FDR_OK;
}

int fdr_plot_config(fdr_plot_opts *o, fdr_config *cfg)
{
    static const struct {
        const char *key;
        unsigned given;
    } keys[] = {{"formats", FDR_PLOT_GIVEN_FORMATS},
                {"size", FDR_PLOT_GIVEN_SIZE},
                {"font", FDR_PLOT_GIVEN_FONT},
                {"title", FDR_PLOT_GIVEN_TITLE}};
    fdr_plot_opts f = *o; /* what the file says; the command line wins */
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        /* read through the getter even when absent, so that a typo's message
         * names the keys of [plot] */
        static const char absent[] = "";
        const char *v;
        int rc = fdr_config_string(cfg, "plot", keys[k].key, absent, &v);
        if (rc != FDR_OK)
            return rc;
        if (v == absent)
            continue;
        const char *why = NULL;
        switch (k) {
        case 0:
            why = parse_formats(v, &f.formats);
            break;
        case 1:
            why = parse_size(v, &f.width, &f.height);
            break;
        case 2:
            why = parse_font(v, f.font, sizeof f.font, &f.fontsize);
            break;
        default:
            if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0)
                f.title = strcmp(v, "on") == 0;
            else
                why = "expected on or off";
        }
        if (why)
            return fdr_config_error(cfg, "plot", keys[k].key, "'%s': %s", v, why);
    }
    int rc = fdr_config_check_unused_section(cfg, "plot");
    if (rc != FDR_OK)
        return rc;
    if (!(o->given & FDR_PLOT_GIVEN_FORMATS))
        o->formats = f.formats;
    if (!(o->given & FDR_PLOT_GIVEN_SIZE)) {
        o->width = f.width;
        o->height = f.height;
    }
    if (!(o->given & FDR_PLOT_GIVEN_FONT)) {
        memcpy(o->font, f.font, sizeof o->font);
        o->fontsize = f.fontsize;
    }
    if (!(o->given & FDR_PLOT_GIVEN_TITLE))
        o->title = f.title;
    return FDR_OK;
}

int fdr_plot_args(const fdr_plot_opts *o, char arg[4][128])
{
    char list[64] = "";
    for (int k = 0; k < NFORMATS; k++)
        if (o->formats & (1u << k))
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? "," : "",
                     format_name[k]);
    int n = 0;
    snprintf(arg[n++], sizeof arg[0], "--plot=%s", list);
    if (o->height > 0)
        snprintf(arg[n++], sizeof arg[0], "--plot-size=%.17g,%.17g", o->width, o->height);
    else
        snprintf(arg[n++], sizeof arg[0], "--plot-size=%.17g", o->width);
    snprintf(arg[n++], sizeof arg[0], "--plot-font=%s,%.17g", o->font, o->fontsize);
    if (!o->title)
        snprintf(arg[n++], sizeof arg[0], "--plot-notitle");
    return n;
}

/* ---- rendering ---------------------------------------------------------------- */

static fdr_plot_opts current = {0, FDR_PLOT_PNG | FDR_PLOT_PDF, FDR_PLOT_WIDTH, 0,
                                FDR_PLOT_FONT, FDR_PLOT_FONTSIZE, 1, 0};

void fdr_plot_use(const fdr_plot_opts *o)
{
    current = *o;
}

/* plot.gp: the settings as gnuplot variables, which plots/terminal.gp reads. */
static int write_settings(FILE *f, const void *ctx)
{
    const fdr_plot_opts *o = ctx;
    char list[64] = "";
    for (int k = 0; k < NFORMATS; k++)
        if (o->formats & (1u << k))
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? " " : "",
                     format_name[k]);
    fprintf(f, "# fdrsim %s: the figures' settings (gnuplot: load 'plot.gp' before a script "
               "of plots/)\n",
            PACKAGE_VERSION);
    fdr_gp_str(f, "plot_formats", list);
    fdr_gp_num(f, "plot_width", o->width);
    fdr_gp_num(f, "plot_height", o->height);
    fdr_gp_str(f, "plot_font", o->font);
    fdr_gp_num(f, "plot_fontsize", o->fontsize);
    fdr_gp_int(f, "plot_title", o->title);
    return FDR_OK;
}


/* Whether gnuplot is an executable file in a folder of $PATH (where execlp
 * will look for it). */
static int have_gnuplot(void)
{
    const char *p = getenv("PATH");
    if (!p || !*p)
        p = "/usr/bin:/bin";
    for (;;) {
        size_t n = strcspn(p, ":");
        char path[FDR_PATH_MAX];
        if (snprintf(path, sizeof path, "%.*s/gnuplot", (int)(n ? n : 1), n ? p : ".") <
                (int)sizeof path &&
            access(path, X_OK) == 0)
            return 1;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

int fdr_plot_render(const char *script, const char *dir)
{
    char path[FDR_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", fdr_cli_plot_dir(), script) >= (int)sizeof path)
        return fdr_error(FDR_EINVAL, "--plot: %s/%s: path too long", fdr_cli_plot_dir(), script);
    char *abs = realpath(path, NULL); /* gnuplot runs in another folder */
    if (!abs || access(abs, R_OK) != 0) {
        int err = errno;
        free(abs);
        return fdr_error(FDR_EINVAL,
                         "--plot: %s: %s (FDRSIM_PLOTDIR names the folder of the scripts)", path,
                         strerror(err));
    }
    if (!dir) {
        free(abs);
        return have_gnuplot() ? FDR_OK
                              : fdr_error(FDR_EINVAL, "--plot: gnuplot is not installed "
                                                      "(Debian: apt-get install gnuplot-nox)");
    }
    char settings[FDR_PATH_MAX];
    int rc = FDR_OK;
    snprintf(settings, sizeof settings, "%s/plot.gp", dir);
    if (access(settings, F_OK) != 0) /* the first figure of the folder writes it */
        rc = fdr_write_file(dir, "plot.gp", write_settings, &current);
    if (rc != FDR_OK) {
        free(abs);
        return rc;
    }
    fflush(NULL); /* nothing buffered is written twice by the child */
    pid_t pid = fork();
    if (pid < 0) {
        free(abs);
        return fdr_error(FDR_EIO, "cannot start gnuplot: %s", strerror(errno));
    }
    if (pid == 0) {
        /* gnuplot runs inside dir and is told dir='.': the scripts quote the
         * path for gnuplot, which no quoting survives for every name, and "."
         * needs none. */
        if (chdir(dir) != 0) {
            fprintf(stderr, "fdrsim: %s: %s\n", dir, strerror(errno));
            _exit(126);
        }
        execlp("gnuplot", "gnuplot", "-e", "dir='.'; load 'plot.gp'", abs, (char *)NULL);
        fprintf(stderr, "fdrsim: cannot run gnuplot: %s (Debian: apt-get install gnuplot-nox)\n",
                strerror(errno));
        _exit(127);
    }
    free(abs);
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return fdr_error(FDR_EIO, "gnuplot failed on %s/%s", fdr_cli_plot_dir(), script);
    return FDR_OK;
}
