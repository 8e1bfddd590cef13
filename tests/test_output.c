/* test_output.c - what a reader finds in an output folder: the complete
 * earlier run or the complete new one (after a kill -9 or a write error),
 * never files of another model; arguments refused before the run; write
 * errors on files and on stdout exit 3 naming the file and the cause;
 * every number reads back as the double that was written. */
#include "helpers.h"
#include "io/report.h"
#include "rng/rng.h"
#include "scratch.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(output, .init = scratch_make, .fini = scratch_remove, .timeout = 240);

/* Runs a shell fragment in tmpdir with fdrsim as $F and the models as $M;
 * returns the exit status, with stdout and stderr in out.txt and err.txt. */
static int sh(const char *script)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && F='%s' M='%s' && export F M && { %s ; } >out.txt 2>err.txt", tmpdir,
             FDRSIM_BIN, FDR_TEST_MODELDIR, script);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "did not exit normally: %s", script);
    return WEXITSTATUS(st);
}

static char *path(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* The whole of a file in tmpdir (a fresh string; NULL if unreadable). */
static char *slurp(const char *name)
{
    FILE *f = fopen(path(name), "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in folder dir of tmpdir (hidden ones too), sorted, each
 * followed by a space. */
static void listing(const char *dir, char *out, size_t n)
{
    DIR *d = opendir(path(dir));
    cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
    char *names[256];
    size_t k = 0;
    struct dirent *e;
    while ((e = readdir(d)) && k < 256)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names[k++] = strdup(e->d_name);
    closedir(d);
    qsort(names, k, sizeof *names, by_name);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        snprintf(out + strlen(out), n - strlen(out), "%s ", names[i]);
        free(names[i]);
    }
}

/* The command recorded in dir/summary.json (a fresh string). */
static char *summary_command(const char *dir)
{
    char name[512];
    snprintf(name, sizeof name, "%s/summary.json", dir);
    json_error_t err;
    json_t *root = json_load_file(path(name), 0, &err);
    cr_assert_not_null(root, "%s: %s", name, err.text);
    char *cmd = strdup(json_string_value(json_object_get(root, "command")));
    json_decref(root);
    return cmd;
}

/* Asserts that folder dir holds one complete run: exactly the files of the
 * reference folder ref (a complete run of the same command), and every .dat
 * file made by the command that summary.json records. */
static void assert_complete(const char *dir, const char *ref)
{
    char have[4096], want[4096];
    listing(dir, have, sizeof have);
    listing(ref, want, sizeof want);
    cr_assert_str_eq(have, want, "%s holds [%s], a complete run [%s]", dir, have, want);
    char *cmd = summary_command(dir);
    char line[1200];
    snprintf(line, sizeof line, "# command: %s\n", cmd);
    for (char *name = strtok(have, " "); name; name = strtok(NULL, " ")) {
        size_t n = strlen(name);
        if (n < 4 || strcmp(name + n - 4, ".dat") != 0)
            continue;
        char file[600];
        snprintf(file, sizeof file, "%s/%s", dir, name);
        char *text = slurp(file);
        cr_assert(text && strstr(text, line), "%s is not from the run of summary.json (%s)", file,
                  cmd);
        free(text);
    }
    free(cmd);
}

/* No temporary folder of fdrsim is left beside dir. */
static void assert_no_temporaries(const char *dir)
{
    char all[4096], prefix[256];
    listing(".", all, sizeof all);
    snprintf(prefix, sizeof prefix, ".%s.", dir);
    cr_assert_null(strstr(all, prefix), "temporaries left: %s", all);
    listing(dir, all, sizeof all);
    cr_assert(all[0] != '.', "hidden files left in %s: %s", dir, all);
}

#define GMM "run \"$M/gmm-2d.ini\" -q --steps 4000"
#define BIG                                                                                        \
    "run \"$M/default.ini\" -q -j1 --replicas 4 --steps 100000 --set run.record_every=1"

Test(output, a_new_run_leaves_no_file_of_another_model)
{
    cr_assert_eq(sh("$F " GMM " -o X && $F " GMM " -o gmm"), 0);
    cr_assert(exists("X/samples.dat") && exists("X/minima.dat"));
    cr_assert_eq(sh("$F run \"$M/default.ini\" -q --steps 3000 -o X && "
                    "$F run \"$M/default.ini\" -q --steps 3000 -o def"),
                 0, "%s", slurp("err.txt"));
    cr_assert(!exists("X/samples.dat") && !exists("X/landscape2d.dat") &&
                  !exists("X/minima.dat"),
              "files of gmm-2d left beside default's summary");
    assert_complete("X", "def");
    /* Another command replaces the folder just the same. */
    cr_assert_eq(sh("$F sweep \"$M/sweep-quadratic.ini\" -q --steps 1500 --replicas 8 -o X"), 0,
                 "%s", slurp("err.txt"));
    cr_assert(exists("X/sweep.json") && !exists("X/summary.json") && !exists("X/timeseries.dat"));
    cr_assert_eq(sh("$F schedule \"$M/schedule-nqm.ini\" -q --steps 2000 --replicas 8 -o X"), 0,
                 "%s", slurp("err.txt"));
    cr_assert(exists("X/schedule.json") && !exists("X/sweep.json"));
    assert_no_temporaries("X");
}

/* Whether a hidden entry (a temporary of a run into X) is in folder dir. */
static int hidden_in(const char *dir, const char *prefix)
{
    DIR *d = opendir(path(dir));
    int found = 0;
    struct dirent *e;
    while (d && !found && (e = readdir(d)))
        found = strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strcmp(e->d_name, ".") != 0 &&
                strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return found;
}

/* Whether a run into X has started to write: its temporary is there (in
 * tmpdir, or inside X for a writer that makes temporary files there). */
static int writing(void)
{
    return hidden_in(".", ".X.") || hidden_in("X", ".");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Starts fdrsim with the arguments of a shell fragment in tmpdir, waits
 * until it starts to write (a temporary appears) and kills it with SIGKILL
 * delay seconds later; with delay < 0, lets it finish and returns how long
 * it wrote. */
static double run_and_kill(const char *args, double delay)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && M='%s' && exec '%s' %s >/dev/null 2>&1", tmpdir,
             FDR_TEST_MODELDIR, FDRSIM_BIN, args);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st, ended = 0;
    struct timespec tick = {0, 200000};
    for (int i = 0; !writing() && !ended; i++) {
        cr_assert(i < 150000, "no temporary seen in 30 s");
        ended = waitpid(pid, &st, WNOHANG) == pid; /* too fast to be seen: not killed */
        nanosleep(&tick, NULL);
    }
    double t0 = now();
    if (ended)
        return 0;
    if (delay >= 0) {
        struct timespec ts = {(time_t)delay, (long)((delay - floor(delay)) * 1e9)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(delay >= 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 0));
    return now() - t0;
}

/* kill -9 at times spread over the writing of a run into a folder that
 * holds an earlier run (a 14 MB time series first, then the other files
 * and the swap): the folder is always one complete run. */
Test(output, kill_9_leaves_the_old_or_the_new_complete_run)
{
    cr_assert_eq(sh("$F " GMM " -o X && $F " GMM " -o gmm && $F " BIG " -o big"), 0, "%s",
                 slurp("err.txt"));
    double wrote = run_and_kill(BIG " -o X", -1);
    cr_assert_eq(sh("$F " GMM " -o X"), 0, "%s", slurp("err.txt"));
    int old = 0, new = 0;
    enum { TRIALS = 8 };
    for (int i = 0; i < TRIALS; i++) {
        run_and_kill(BIG " -o X", 1.2 * wrote * i / (TRIALS - 1));
        char *cmd = summary_command("X");
        int is_new = strstr(cmd, "default.ini") != NULL;
        free(cmd);
        assert_complete("X", is_new ? "big" : "gmm");
        old += !is_new;
        new += is_new;
        if (is_new) /* back to the old run for the next trial */
            cr_assert_eq(sh("$F " GMM " -o X"), 0, "%s", slurp("err.txt"));
    }
    cr_log_info("kill -9 over %.3f s of writing: %d times the old run, %d times the new one",
                wrote, old, new);
    /* The temporaries of the killed runs go with the next run into X. */
    cr_assert_eq(sh("$F " GMM " -o X"), 0);
    assert_complete("X", "gmm");
    assert_no_temporaries("X");
}

/* A write error in the middle of a file (here a file-size limit; a full
 * disk is the same to fdrsim): exit 3, the file and the cause named, the
 * earlier run intact, nothing left over. */
Test(output, write_error_exits_3_names_the_file_and_keeps_the_old_run)
{
    cr_assert_eq(sh("$F " GMM " -o X && $F " GMM " -o gmm"), 0, "%s", slurp("err.txt"));
    cr_assert_eq(sh("ulimit -f 16 && trap '' XFSZ && $F " BIG " -o X"), 3);
    char *err = slurp("err.txt");
    cr_assert(strstr(err, "X/timeseries.dat") && strstr(err, strerror(EFBIG)), "%s", err);
    free(err);
    assert_complete("X", "gmm");
    assert_no_temporaries("X");
    /* The same for a folder written for the first time: none is made. */
    cr_assert_eq(sh("ulimit -f 16 && trap '' XFSZ && $F " BIG " -o sub/new"), 3);
    cr_assert(!exists("sub/new"));
}

Test(output, write_error_on_stdout_exits_3)
{
    cr_assert_eq(sh("$F landscape \"$M/gmm-2d.ini\" --at 1,2 >/dev/full"), 3);
    char *err = slurp("err.txt");
    cr_assert(strstr(err, "standard output") && strstr(err, strerror(ENOSPC)), "%s", err);
    free(err);
    cr_assert_eq(sh("$F list >/dev/full"), 3);
    cr_assert_eq(sh("$F landscape \"$M/gmm-2d.ini\" --at 1,2 >/dev/null"), 0);
}

/* Bad output folders are refused at once, before a run of minutes. */
Test(output, bad_output_folders_are_refused_before_the_run)
{
    const char *slow = "\"$M/default.ini\" -q --steps 50000000";
    char cmd[8192];
    cr_assert_eq(sh("mkdir mine && echo keep > mine/notes.txt"), 0);
    snprintf(cmd, sizeof cmd, "$F run %s -o mine", slow);
    cr_assert_eq(sh(cmd), 2);
    char *err = slurp("err.txt");
    cr_assert(strstr(err, "mine: a folder that is not an fdrsim output"), "%s", err);
    free(err);
    char *notes = slurp("mine/notes.txt");
    cr_assert_str_eq(notes, "keep\n");
    free(notes);
    snprintf(cmd, sizeof cmd, "$F sweep \"$M/sweep-quadratic.ini\" --steps 50000000 -q -o mine");
    cr_assert_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "$F schedule \"$M/schedule-nqm.ini\" --steps 50000000 -q -o mine");
    cr_assert_eq(sh(cmd), 2);
    cr_assert_eq(sh("mkdir -p fd/sub && touch fd/summary.json"), 0);
    snprintf(cmd, sizeof cmd, "$F run %s -o fd", slow);
    cr_assert_eq(sh(cmd), 2);
    cr_assert(exists("fd/sub"));
    snprintf(cmd, sizeof cmd, "$F run %s -o mine/notes.txt/x", slow);
    cr_assert_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "$F run %s -o .", slow);
    cr_assert_eq(sh(cmd), 2);
    /* A path of 4200 characters: refused whole, no folder made. */
    char longpath[4300] = "";
    for (int i = 0; i < 2100; i++)
        strcat(longpath, "d/");
    snprintf(cmd, sizeof cmd, "$F run %s -o %s", slow, longpath);
    cr_assert_eq(sh(cmd), 2);
    cr_assert(!exists("d"), "folders made for a refused path");
    char listing_now[4096];
    listing(".", listing_now, sizeof listing_now);
    cr_assert_str_eq(listing_now, "err.txt fd mine out.txt ", "%s", listing_now);
}

/* A quote in the folder's name once failed the figures after every result
 * was written. gnuplot now runs inside the folder: the name never reaches
 * a script. Without gnuplot, --plot is refused before the run. */
Test(output, plot_into_a_folder_named_with_a_quote)
{
    int have = system("command -v gnuplot >/dev/null 2>&1") == 0;
    int rc = sh("$F run \"$M/default.ini\" -q --steps 3000 --plot -o \"it's\"");
    if (have) {
        cr_assert_eq(rc, 0, "%s", slurp("err.txt"));
        cr_assert(exists("it's/approach.png") && exists("it's/relations.pdf") &&
                  exists("it's/summary.json"));
        assert_no_temporaries("it's");
    } else {
        cr_assert_eq(rc, 2);
        cr_assert(!exists("it's"));
    }
}

/* The next double above x: a value that 10 significant digits cannot
 * tell from x. */
static double odd(double x)
{
    return nextafter(x, INFINITY);
}

/* Every number in summary.json and in relations.dat is the double in
 * memory, and the learning rate reads back exactly everywhere. */
Test(output, numbers_read_back_as_the_same_double)
{
    double lr = odd(0.05);
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\n"
             "[noise]\ntype = gaussian\ncovariance = isotropic 1\n"
             "[optimizer]\nlr = %.17g\nmomentum = 0.5\n[run]\nreplicas = 16\nsteps = 3000\n",
             lr);
    test_run t;
    test_run_model(&t, ini, 1);
    cr_assert_eq(t.m->lr, lr);
    fdr_config *cfg = fdr_config_parse_string(ini, "test.ini");
    fdr_report rep = {"test_output", cfg, t.m, &t.e, t.r, &t.a};
    cr_assert_eq(fdr_report_write(path("R"), &rep), FDR_OK, "%s", fdr_error_message());
    json_error_t err;
    json_t *root = json_load_file(path("R/summary.json"), 0, &err);
    cr_assert_not_null(root, "%s", err.text);
    json_t *opt = json_object_get(json_object_get(root, "model"), "optimizer");
    cr_assert_eq(json_real_value(json_object_get(opt, "lr")), lr);
    json_t *rels = json_object_get(root, "relations");
    cr_assert_eq(json_array_size(rels), t.a.nrel);
    char *dat = slurp("R/relations.dat");
    char *line = dat;
    for (size_t i = 0; i < t.a.nrel; i++) {
        const fdr_relation *x = &t.a.rel[i];
        json_t *o = json_array_get(rels, i);
        const struct {
            const char *key, *part;
            double v;
        } want[] = {{"lhs", "value", x->lhs.val},  {"lhs", "error", x->lhs.err},
                    {"rhs", "value", x->rhs.val},  {"rhs", "error", x->rhs.err},
                    {"diff", "value", x->diff.val}, {"diff", "error", x->diff.err},
                    {"z", NULL, x->z}};
        for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
            const json_t *v = json_object_get(o, want[k].key);
            if (want[k].part)
                v = json_object_get(v, want[k].part);
            cr_assert_eq(json_real_value(v), want[k].v,
                         "%s.%s.%s: %.17g in the file, %.17g in memory", x->name, want[k].key,
                         want[k].part ? want[k].part : "", json_real_value(v), want[k].v);
        }
        while (*line == '#')
            line = strchr(line, '\n') + 1;
        char *end;
        cr_assert_eq((size_t)strtol(line, &end, 10), i);
        end = strchr(end + 1, ' '); /* past the name */
        for (size_t k = 0; k < 6; k++)
            cr_assert_eq(strtod(end, &end), want[k].v, "relations.dat %s column %zu", x->name,
                         k + 3);
        line = strchr(line, '\n') + 1;
    }
    free(dat);
    json_decref(root);
    char *ts = slurp("R/timeseries.dat");
    char *row = strstr(ts, "\n0 ");
    cr_assert_not_null(row);
    char *end;
    strtol(row + 1, &end, 10);
    cr_assert_eq(strtod(end, NULL), lr, "timeseries.dat: lr");
    free(ts);
    fdr_config_free(cfg);
    test_run_free(&t);
}

/* The same for the other commands: a learning rate and a quencher X that
 * 10 digits round off read back exactly. */
Test(output, sweep_and_schedule_numbers_read_back)
{
    cr_assert_eq(sh("$F sweep \"$M/sweep-quadratic.ini\" -q --steps 1500 --replicas 8 "
                    "--lr 0.01,0.05000000000000001,0.1 -o S"),
                 0, "%s", slurp("err.txt"));
    json_error_t err;
    json_t *root = json_load_file(path("S/sweep.json"), 0, &err);
    cr_assert_not_null(root, "%s", err.text);
    json_t *p1 = json_array_get(json_object_get(root, "points"), 1);
    cr_assert_eq(json_real_value(json_object_get(p1, "lr")), odd(0.05));
    json_decref(root);
    cr_assert_eq(sh("$F schedule \"$M/schedule-nqm.ini\" -q --steps 2000 --replicas 8 "
                    "--X 0.010000000000000002 -o Q"),
                 0, "%s", slurp("err.txt"));
    root = json_load_file(path("Q/schedule.json"), 0, &err);
    cr_assert_not_null(root, "%s", err.text);
    json_t *q = json_object_get(root, "quencher");
    cr_assert_eq(json_real_value(json_object_get(q, "X")), odd(0.01));
    json_decref(root);
}

/* meta.gp, the figures' variables: numbers read back as the double written
 * (1e-05 too, which broke the figures when awk printed it), NaN for what is
 * not finite, strings single-quoted with nothing in them a gnuplot escape,
 * and an empty array still valid gnuplot. */
Test(output, meta_gp_values_are_gnuplot_literals)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    fdr_gp_num(f, "a", 1e-05);
    fdr_gp_num(f, "b", NAN);
    fdr_gp_num(f, "c", -INFINITY);
    fdr_gp_int(f, "n", -3);
    fdr_gp_str(f, "s", "it's `x`\n@m");
    const double v[] = {0.1, NAN, 1e300};
    fdr_gp_array(f, "v", v, 3);
    fdr_gp_array(f, "e", v, 0);
    const char *names[] = {"FDR1", "(1,2)"};
    fdr_gp_strings(f, "w", names, 2);
    fdr_gp_strings(f, "z", names, 0);
    fclose(f);
    cr_assert_str_eq(text, "a = 1.0000000000000001e-05\n"
                           "b = NaN\n"
                           "c = NaN\n"
                           "n = -3\n"
                           "s = 'it''s `x` @m'\n"
                           "array v[3] = [0.10000000000000001, NaN, 1.0000000000000001e+300]\n"
                           "array e[1] = [NaN]\n"
                           "array w[2] = ['FDR1', '(1,2)']\n"
                           "array z[1] = ['']\n");
    cr_assert_eq(strtod(text + 4, NULL), 1e-05);
    free(text);
}
