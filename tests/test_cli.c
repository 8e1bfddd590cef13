/* test_cli.c - the fdrsim command end to end: runs, files, JSON, exit
 * codes, and bad inputs that must exit 2 without writing anything. */
#include "scratch.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(cli, .init = scratch_make, .fini = scratch_remove, .timeout = 120);

/* Runs fdrsim with args (a shell fragment) in tmpdir; returns its exit
 * status and leaves stdout/stderr in tmpdir/out.txt and tmpdir/err.txt. */
static int fdrsim(const char *args)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >out.txt 2>err.txt", tmpdir, FDRSIM_BIN, args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "fdrsim did not exit normally: %s", args);
    return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(cli, version_and_help)
{
    cr_assert_eq(fdrsim("--version"), 0);
    const char *v = slurp("out.txt");
    cr_assert(strstr(v, "fdrsim ") && strstr(v, "GPL version 3 or later"), "%s", v);
    cr_assert_eq(fdrsim("--help"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage:"));
    cr_assert_eq(fdrsim("--no-such-option"), 2);
    cr_assert_eq(fdrsim("frobnicate"), 2);
    cr_assert_eq(fdrsim("run"), 2);
}

/* GNU conventions: help for every command, a short pointer to it after a
 * bad option, errors that name the argument at fault. */
Test(cli, help_for_every_command_and_errors_that_name_the_argument)
{
    cr_assert_eq(fdrsim("help"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim [COMMAND]"));
    cr_assert_eq(fdrsim("help run"), 0);
    cr_assert(strstr(slurp("out.txt"), "Options for run:"));
    cr_assert_eq(fdrsim("help sweep"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim sweep MODEL.ini"), "%s", slurp("out.txt"));
    cr_assert_eq(fdrsim("help schedule"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim schedule MODEL.ini"));
    cr_assert_eq(fdrsim("help check"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim check RESULT.json"));
    cr_assert_eq(fdrsim("landscape --help"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim landscape MODEL.ini --at"));
    cr_assert_eq(fdrsim("help landscape"), 0);
    cr_assert(strstr(slurp("out.txt"), "Usage: fdrsim landscape MODEL.ini --at"));
    const char *const subs[] = {"sweep", "schedule", "check"};
    for (size_t i = 0; i < 3; i++) {
        char a[64];
        snprintf(a, sizeof a, "%s --version", subs[i]);
        cr_assert_eq(fdrsim(a), 0, "%s", a);
        cr_assert(strstr(slurp("out.txt"), "fdrsim ") &&
                      strstr(slurp("out.txt"), "GPL version 3 or later"),
                  "%s: %s", a, slurp("out.txt"));
        snprintf(a, sizeof a, "%s --no-such-option", subs[i]);
        cr_assert_eq(fdrsim(a), 2, "%s", a);
        cr_assert(strstr(slurp("err.txt"), "--no-such-option") &&
                      !strstr(slurp("err.txt"), "Usage:"),
                  "%s: %s", a, slurp("err.txt"));
    }
    cr_assert_eq(fdrsim("help nosuch"), 2);
    cr_assert(strstr(slurp("err.txt"), "help: unknown command 'nosuch'"));

    cr_assert_eq(fdrsim("--no-such-option"), 2);
    const char *err = slurp("err.txt");
    cr_assert(strstr(err, "'--no-such-option'") && strstr(err, "Try 'fdrsim --help'") &&
                  !strstr(err, "Usage:"),
              "%s", err);
    cr_assert_eq(fdrsim("run a.ini b.ini"), 2);
    cr_assert(strstr(slurp("err.txt"), "run: unexpected argument 'b.ini'"), "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("list extra"), 2);
    cr_assert(strstr(slurp("err.txt"), "list: unexpected argument 'extra'"));
    cr_assert_eq(fdrsim("frobnicate"), 2);
    cr_assert(strstr(slurp("err.txt"), "unknown command 'frobnicate'"));
    /* figures come from fixed runs: what would change them is refused, not ignored */
    cr_assert_eq(fdrsim("figures --set run.steps=nonsense -o figs"), 2);
    cr_assert(strstr(slurp("err.txt"), "figures: --set, --seed, --steps or --replicas does not "
                                       "apply"),
              "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("figures --seed 3 -o figs"), 2);
    char longdir[4200] = "figures -o ";
    memset(longdir + strlen(longdir), 'x', 4000);
    cr_assert_eq(fdrsim(longdir), 2);
    cr_assert(strstr(slurp("err.txt"), "path too long"), "%s", slurp("err.txt"));
    /* a [plot] key misspelt: named with the keys of [plot] */
    cr_assert_eq(fdrsim("--set plot.format=png -q -o typo"), 2);
    cr_assert(strstr(slurp("err.txt"), "[plot] format: unknown key in this model (did you mean "
                                       "'formats'? the keys of [plot] here: formats, size, font, "
                                       "title)"),
              "%s", slurp("err.txt"));
}

/* `fdrsim list keys MODEL`: the keys the model reads, given or by default. */
Test(cli, list_keys_names_what_a_model_reads)
{
    cr_assert_eq(fdrsim("list keys adam-quadratic"), 0, "%s", slurp("err.txt"));
    const char *out = slurp("out.txt");
    cr_assert(strstr(out, "[optimizer]\n  type                 = adam\n") &&
                  strstr(out, "  beta2                = 0.5\n") &&
                  strstr(out, "  eps                    (not given: its default)\n") &&
                  !strstr(out, "  momentum "),
              "%s", out);
    cr_assert_eq(fdrsim("list keys"), 0);
    cr_assert(strstr(slurp("out.txt"), "the built-in default model"));
    cr_assert_eq(fdrsim("list keys no-such-model"), 2);
    cr_assert(strstr(slurp("err.txt"), "no-such-model"));
}

/* A bundled model runs by its name, without folder or .ini; a file of that
 * name in the working folder comes first. */
Test(cli, bundled_models_by_name)
{
    cr_assert_eq(fdrsim("run isotropic --steps 400 --replicas 4 -q -o byname"), 0, "%s",
                 slurp("err.txt"));
    cr_assert(strstr(slurp("byname/summary.json") ? slurp("byname/summary.json") : "",
                     "\"isotropic\""));
    cr_assert_eq(fdrsim("run isotropic.ini --steps 400 --replicas 4 -q -o byname2"), 0);
    cr_assert_eq(fdrsim("run no-such-model -q"), 2);
    cr_assert(strstr(slurp("err.txt"), "no-such-model"), "%s", slurp("err.txt"));
}

Test(cli, list_names_every_kind)
{
    cr_assert_eq(fdrsim("list"), 0);
    const char *out = slurp("out.txt");
    cr_assert(strstr(out, "quadratic") && strstr(out, "gaussian") && strstr(out, "sgd"));
    cr_assert(strstr(out, "\n  default ") && strstr(out, "\n  nqm "), "%s", out);
}

Test(cli, run_writes_every_file_and_a_parsable_summary)
{
    cr_assert_eq(fdrsim("run " FDR_TEST_MODELDIR "/isotropic.ini --steps 4000 --out res --check"),
                 0, "%s", slurp("err.txt"));
    cr_assert(exists("res/timeseries.dat") && exists("res/relations.dat") &&
              exists("res/tensor.dat"));
    char path[512];
    snprintf(path, sizeof path, "%s/res/summary.json", tmpdir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert_not_null(root, "summary.json: %s (line %d)", err.text, err.line);
    cr_assert_eq(json_integer_value(json_object_get(root, "seed")), 1);
    cr_assert(json_is_string(json_object_get(root, "version")));
    json_t *rels = json_object_get(root, "relations");
    cr_assert(json_is_array(rels) && json_array_size(rels) == 7);
    cr_assert(json_is_object(json_object_get(root, "fdr2_terms")));
    const char *keys[] = {"name", "lhs", "rhs", "diff", "rel", "z", "pass"};
    const char *ekeys[] = {"lhs", "rhs", "diff", "rel"}, *parts[] = {"value", "error", "exact"};
    for (size_t i = 0; i < json_array_size(rels); i++) {
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            cr_assert_not_null(json_object_get(json_array_get(rels, i), keys[k]), "%s", keys[k]);
        for (size_t k = 0; k < 4; k++)
            for (size_t p = 0; p < 3; p++)
                cr_assert_not_null(json_object_get(json_object_get(json_array_get(rels, i),
                                                                   ekeys[k]),
                                                   parts[p]),
                                   "%s.%s", ekeys[k], parts[p]);
    }
    json_t *fdr1 = json_array_get(rels, 2);
    cr_assert_str_eq(json_string_value(json_object_get(fdr1, "name")), "FDR1");
    cr_assert(json_is_true(json_object_get(fdr1, "pass")));
    cr_assert(json_is_real(json_object_get(json_object_get(fdr1, "lhs"), "exact")));
    json_t *obs = json_object_get(root, "observables");
    const char *okeys[] = {"theta_dot_grad", "v_dot_v", "grad_sq", "loss_excess"};
    for (size_t k = 0; k < 4; k++) {
        json_t *o = json_object_get(obs, okeys[k]);
        cr_assert(o && json_object_get(o, "value") && json_object_get(o, "error") &&
                      json_object_get(o, "exact") && json_object_get(o, "tau_int"),
                  "%s", okeys[k]);
    }
    json_t *st = json_object_get(root, "stationarity");
    const char *skeys[] = {"test", "quantity", "drift", "z", "limit"};
    for (size_t k = 0; k < sizeof skeys / sizeof *skeys; k++)
        cr_assert_not_null(json_object_get(st, skeys[k]), "stationarity.%s", skeys[k]);
    cr_assert(json_is_boolean(json_object_get(st, "pass")));
    cr_assert(json_is_real(json_object_get(json_object_get(st, "drift"), "error")));
    json_decref(root);
    /* The verdict table names each relation and gives the stationarity check. */
    const char *out = slurp("out.txt");
    cr_assert(strstr(out, "FDR1 ") && strstr(out, "FDR0.grad") && strstr(out, "PASS"));
    cr_assert(strstr(out, "stationarity: "));
    /* The time series has its documented columns and one row per record. */
    const char *ts = slurp("res/timeseries.dat");
    cr_assert(strstr(ts, "# step lr O_L O_R O_L_half O_R_half loss_excess grad_sq"));
}

Test(cli, threads_do_not_change_results)
{
    const char *m = FDR_TEST_MODELDIR "/default.ini --steps 3000 --quiet";
    char a[512], b[512];
    snprintf(a, sizeof a, "run %s --threads 1 --out one", m);
    snprintf(b, sizeof b, "run %s --threads 2 --out two", m);
    cr_assert_eq(fdrsim(a), 0);
    cr_assert_eq(fdrsim(b), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && cmp -s <(grep -v '^#' one/relations.dat) <(grep -v '^#' two/relations.dat)"
             " && cmp -s <(grep -v '^#' one/timeseries.dat) <(grep -v '^#' two/timeseries.dat)",
             tmpdir);
    char full[1200];
    snprintf(full, sizeof full, "bash -c \"%s\"", cmd);
    cr_assert_eq(system(full), 0, "outputs differ between 1 and 2 threads");
}

Test(cli, check_fails_when_a_relation_fails)
{
    /* A threshold of 1e-6 sigma cannot be met: --check must exit 1. */
    cr_assert_eq(fdrsim("run " FDR_TEST_MODELDIR "/isotropic.ini --steps 2000 --out r "
                        "--set run.threshold=1e-6 --check --quiet"),
                 1);
    cr_assert(exists("r/summary.json"), "results are still written");
}

/* Bad inputs: exit 2, a message naming file, line and key, no output. */
static void expect_bad(const char *ini, const char *extra, const char *needle)
{
    write_file("bad.ini", ini);
    char args[512];
    snprintf(args, sizeof args, "run bad.ini --out out %s", extra);
    cr_assert_eq(fdrsim(args), 2, "accepted:\n%s", ini);
    const char *err = slurp("err.txt");
    cr_assert(strstr(err, needle), "stderr '%s' lacks '%s'", err, needle);
    cr_assert(!exists("out"), "output written for a bad input");
}

#define L "[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\n"

Test(cli, bad_inputs_exit_2_without_output)
{
    expect_bad(L "[optimizer]\nlr = fast\n", "", "bad.ini:6: [optimizer] lr");
    expect_bad(L "[optimizer]\nlr = 0.1\n[run]\nsteeps = 10\n", "", "bad.ini:8: [run] steeps");
    expect_bad(L "[optimizer]\nlr = 0.1\n[extra]\na = 1\n", "", "unknown section [extra]");
    expect_bad("[landscape]\ntype = quadratic\ndim = 0\n[optimizer]\nlr = 0.1\n", "",
               "bad.ini:3: [landscape] dim");
    expect_bad(L "[optimizer]\nlr = -0.1\n", "", "[optimizer] lr: must be > 0");
    expect_bad(L "[optimizer]\nlr = 0.1\nmomentum = 1.0\n", "", "[optimizer] momentum");
    expect_bad(L "[optimizer]\nlr = 0.1\ndampening = 2\n", "", "[optimizer] dampening");
    expect_bad(L "[optimizer]\nlr = 0.1\nconvention = PyTorch\n", "",
               "bad.ini:7: [optimizer] convention: 'PyTorch': expected paper or pytorch");
    expect_bad(L "[noise]\ncovariance = matrix 1 0 0 0 -1 0 0 0 1\n[optimizer]\nlr = 0.1\n", "",
               "not positive semi-definite");
    expect_bad(L "dim = 4\n[optimizer]\nlr = 0.1\n", "", "bad.ini:5: [landscape] dim: key given twice");
    expect_bad("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2\n[optimizer]\nlr = 0.1\n",
               "", "bad.ini:4: [landscape] spectrum");
    expect_bad(L "[optimizer]\nlr = 1.5\n", "", "largest stable learning rate");
    /* nesterov: h_max = 3, mu = 0.5: the largest stable lr is 2 (1.5) / (2 x 3) = 0.5. */
    expect_bad(L "[optimizer]\ntype = nesterov\nlr = 0.6\nmomentum = 0.5\n[run]\nfdr2 = off\n",
               "", "largest stable learning rate for momentum 0.5 and dampening 0 is 0.5");
    expect_bad(L "[optimizer]\ntype = nesterov\nlr = 0.1\nmomentum = 0.5\ndampening = 0.1\n", "",
               "bad.ini:9: [optimizer] dampening: must be 0 for optimizer 'nesterov'");
    expect_bad(L "[optimizer]\ntype = nesterov\nlr = 0.1\nmomentum = 0.5\n", "",
               "[run] fdr2: the FDR2 terms need an optimizer whose dissipation is a "
               "combination of <|grad f|^2> and <v . grad f>, not 'nesterov'");
    expect_bad(L "[optimizer]\ntype = nesterov\nlr = 0.1\n[run]\nfdr2 = off\n", "",
               "[optimizer] momentum: must be > 0 for optimizer 'nesterov'");
    /* its state is PyTorch's buffer: the paper's convention is not its to offer */
    expect_bad(L "[optimizer]\ntype = nesterov\nlr = 0.1\nmomentum = 0.5\nconvention = paper\n"
               "[run]\nfdr2 = off\n", "",
               "bad.ini:9: [optimizer] convention: optimizer 'nesterov' has only the pytorch "
               "convention");
    expect_bad(L "[noise]\ntype = state\ns0 = 1\ns1 = 1\n[optimizer]\ntype = nesterov\nlr = 0.1\nmomentum = 0.5\n"
               "[run]\nfdr2 = off\n", "",
               "bad.ini:10: [optimizer] type: 'nesterov' needs a noise of constant covariance");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--set optimizer.lr=x", "[optimizer] lr: 'x' is not a finite number");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--steps 0", "command line (--set or option): [run] steps: must be");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--threads 0", "--threads");
    cr_assert_eq(fdrsim("run does-not-exist.ini"), 2);
    cr_assert(strstr(slurp("err.txt"), "does-not-exist.ini: cannot open"));
}

/* The figures' settings: the [plot] keys are checked like every other, with
 * or without --plot (no gnuplot is needed to refuse them), and so are the
 * plot options; a good [plot] section runs. */
Test(cli, plot_settings_are_checked_like_every_key)
{
    write_file("ok.ini", L "[optimizer]\nlr = 0.1\n[plot]\nformats = png, svg\nsize = 7,3\n"
                         "font = Serif,9\ntitle = off\n");
    cr_assert_eq(fdrsim("run ok.ini --out ok -q --steps 200"), 0, "%s", slurp("err.txt"));
    cr_assert(!exists("ok/plot.gp"), "settings written without --plot");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\nsize = 70,3\n", "",
               "bad.ini:8: [plot] size: '70,3': expected W or W,H in inches");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\nformats = png,gif\n", "",
               "bad.ini:8: [plot] formats: 'png,gif'");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\nformats = png,,pdf\n", "", "[plot] formats");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\nfont = Sans,2\n", "", "bad.ini:8: [plot] font");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\nfont = Sans'x\n", "", "bad.ini:8: [plot] font");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\ntitle = no\n", "",
               "bad.ini:8: [plot] title: 'no': expected on or off");
    expect_bad(L "[optimizer]\nlr = 0.1\n[plot]\ncolour = red\n", "",
               "bad.ini:8: [plot] colour: unknown key");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--set plot.size=x", "[plot] size: 'x'");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--plot=jpeg", "--plot=jpeg: expected a comma-separated");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--plot-size=3,0", "--plot-size=3,0");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--plot-size=3x2", "--plot-size=3x2");
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--plot-font=Sans,", "--plot-font=Sans,");
    write_file("sw.ini", L "[optimizer]\nlr = 0.1\n[plot]\nsize = 0\n");
    cr_assert_eq(fdrsim("sweep sw.ini --lr 0.02:0.1:3 --out sw -q --steps 200"), 2);
    cr_assert(strstr(slurp("err.txt"), "sw.ini:8: [plot] size"), "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("schedule sw.ini --out sc -q --steps 200"), 2);
    cr_assert(strstr(slurp("err.txt"), "sw.ini:8: [plot] size"), "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("landscape sw.ini --at 0,0,0"), 2);
    cr_assert(strstr(slurp("err.txt"), "sw.ini:8: [plot] size"), "%s", slurp("err.txt"));
    cr_assert(!exists("sw") && !exists("sc"), "output written for a bad input");
}

/* CPU seconds used by the finished child processes (fdrsim and its shell):
 * unlike the wall clock, this does not grow with the load of a shared machine. */
static double now(void)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

Test(cli, oversized_model_files_are_refused_at_once)
{
    /* /dev/zero was read until memory ran out; a pipe has no size to check */
    const char *runs[] = {"run /dev/zero --out out",
                          "run big.ini --out out",
                          "run /dev/stdin --out out < big.ini",
                          "sweep big.ini --out out",
                          "schedule /dev/zero --out out",
                          "landscape /dev/zero --at 0"};
    const char *names[] = {"/dev/zero", "big.ini", "/dev/stdin", "big.ini", "/dev/zero",
                           "/dev/zero"};
    char path[512];
    snprintf(path, sizeof path, "%s/big.ini", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < (9 << 20) / 64; i++)
        fputs("; a comment line of sixty-four bytes, to make the file big....\n", f);
    cr_assert_eq(fclose(f), 0);
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        double t0 = now();
        cr_assert_eq(fdrsim(runs[i]), 2, "%s", runs[i]);
        double t = now() - t0;
        const char *err = slurp("err.txt");
        char want[128];
        snprintf(want, sizeof want, "%s: larger than the 8388608 bytes (8 MiB)", names[i]);
        cr_assert(strstr(err, want), "%s: stderr '%s' lacks '%s'", runs[i], err, want);
        cr_assert(t < 5.0, "%s took %.1f s of CPU time", runs[i], t);
        cr_assert(!exists("out"), "%s wrote output", runs[i]);
    }
}

Test(cli, many_keys_are_read_in_linear_time)
{
    char path[512];
    snprintf(path, sizeof path, "%s/many.ini", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(L "[optimizer]\nlr = 0.1\n[run]\n", f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "key%d = %d\n", i, i);
    cr_assert_eq(fclose(f), 0);
    double t0 = now();
    cr_assert_eq(fdrsim("run many.ini --out out"), 2);
    double t = now() - t0;
    cr_assert(strstr(slurp("err.txt"), "many.ini:8: [run] key0: unknown key"), "%s",
              slurp("err.txt"));
    cr_assert(t < 5.0, "100000 keys took %.1f s of CPU time (23 s before the hash table)", t);
    cr_assert(!exists("out"));
}

Test(cli, section_headers_with_trailing_text_exit_2)
{
    expect_bad(L "[optimizer]\nlr = 0.1\n[run] replicas = 1\n", "",
               "bad.ini:7: text after the section header [run]: 'replicas = 1'");
    expect_bad(L "[optimizer]\nlr = 0.1\n[run]]] x\n", "",
               "bad.ini:7: text after the section header [run]: ']] x'");
}

Test(cli, numbers_are_neither_truncated_nor_wrapped)
{
    /* 65 characters were cut to 64, and what remained was the value used */
    char args[8192];
    const char *opts[] = {"--seed", "--steps", "--replicas"};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "%s 1%0100d", opts[i], 0);
        expect_bad(L "[optimizer]\nlr = 0.1\n", args, "too long for a number");
    }
    /* -o: 5000 characters were cut to 4095 after 2048 folders were made */
    char deep[5001];
    for (int i = 0; i < 2500; i++)
        memcpy(deep + 2 * i, "d/", 2);
    deep[5000] = '\0';
    write_file("bad.ini", L "[optimizer]\nlr = 0.1\n[run]\nsteps = 64\nreplicas = 2\n");
    const char *cmds[] = {"run", "sweep", "schedule"};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "%s bad.ini --out %s", cmds[i], deep);
        cr_assert_eq(fdrsim(args), 2, "%s", cmds[i]);
        cr_assert(strstr(slurp("err.txt"), "longer than 4095 characters"), "%s",
                  slurp("err.txt"));
        cr_assert(!exists("d"), "%s made folders before the path was refused", cmds[i]);
    }
    /* values past the type's range are errors, not LONG_MAX or a wrapped int */
    cr_assert_eq(fdrsim("schedule " FDR_TEST_MODELDIR "/schedule-nqm.ini --t-adaptive "
                        "99999999999999999999 --out out"),
                 2);
    cr_assert(strstr(slurp("err.txt"), "--t-adaptive 99999999999999999999: expected a whole"),
              "%s", slurp("err.txt"));
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--threads 4294967297", "--threads 4294967297");
    cr_assert_eq(fdrsim("sweep bad.ini --threads 4294967297 --out out"), 2);
    cr_assert(!exists("out"));
    /* the whole uint64 range of seeds */
    cr_assert_eq(fdrsim("run bad.ini --seed 18446744073709551615 --quiet --out big"), 0, "%s",
                 slurp("err.txt"));
    /* past a JSON integer's 63 bits the seed is written as its decimal string, not wrapped */
    char path[512];
    snprintf(path, sizeof path, "%s/big/summary.json", tmpdir);
    json_t *root = json_load_file(path, 0, NULL);
    cr_assert_not_null(root);
    const char *seed = json_string_value(json_object_get(root, "seed"));
    cr_assert(seed && strcmp(seed, "18446744073709551615") == 0, "seed %s",
              seed ? seed : "not a string");
    json_decref(root);
    expect_bad(L "[optimizer]\nlr = 0.1\n", "--seed 18446744073709551616",
               "[run] seed: '18446744073709551616' is not a whole number from 0 to "
               "18446744073709551615");
}

Test(cli, subnormal_numbers_are_numbers)
{
    write_file("tiny.ini", L "weight_decay = 1e-320\n[optimizer]\nlr = 0.1\n[run]\nsteps = 64\n");
    cr_assert_eq(fdrsim("run tiny.ini --quiet --out tiny"), 0, "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("landscape tiny.ini --at 1e-320,0,0"), 0, "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("landscape tiny.ini --at 1e-400,0,0"), 2);
    cr_assert(strstr(slurp("err.txt"), "--at 1e-400,0,0: expected 3 comma-separated finite"),
              "%s", slurp("err.txt"));
    expect_bad(L "weight_decay = 1e-400\n[optimizer]\nlr = 0.1\n", "",
               "bad.ini:5: [landscape] weight_decay: '1e-400' is too small");
}

Test(cli, check_names_unreadable_and_malformed_json)
{
    cr_assert_eq(fdrsim("check nothere.json --baseline nothere.json"), 2);
    const char *err = slurp("err.txt");
    cr_assert(strstr(err, "fdrsim check: nothere.json: cannot open: No such file"), "%s", err);
    /* JSON read from a stream had no bound: a valid array that goes on for
     * ever took memory until the system ran out */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && (echo '['; yes 1, | head -c 70000000) | '%s' check /dev/stdin "
             "--baseline x.json >out.txt 2>err.txt",
             tmpdir, FDRSIM_BIN);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
    cr_assert(strstr(slurp("err.txt"), "/dev/stdin: larger than the 67108864 bytes (64 MiB) a "
                                       "summary may have"),
              "%s", slurp("err.txt"));
    cr_assert_eq(fdrsim("check /dev/zero --baseline /dev/zero"), 2);
    cr_assert(strstr(slurp("err.txt"), "/dev/zero: larger than"), "%s", slurp("err.txt"));
    /* a key given twice was silently the last one */
    write_file("dup.json", "{\"schema\": \"fdrsim-summary/1\", \"schema\": \"fdrsim-sweep/1\"}\n");
    cr_assert_eq(fdrsim("check dup.json --baseline dup.json"), 2);
    cr_assert(strstr(slurp("err.txt"), "dup.json:1:"), "%s", slurp("err.txt"));
    cr_assert(strstr(slurp("err.txt"), "duplicate object key"), "%s", slurp("err.txt"));
}

Test(cli, check_matches_relations_in_linear_time)
{
    /* Each relation of the baseline was looked up by a walk through the
     * result's list: 50,000 relations (2.5 MB) took more than 2 minutes. */
    char path[512];
    snprintf(path, sizeof path, "%s/many.json", tmpdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"schema\": \"fdrsim-summary/2\", \"model\": {\"name\": \"m\", \"landscape\": "
          "{\"type\": \"quadratic\", \"dim\": 1}, \"settings\": {}}, \"relations\": [",
          f);
    for (int i = 0; i < 50000; i++)
        fprintf(f,
                "%s{\"name\": \"R%d\", \"components\": 1, \"lhs\": "
                "{\"value\": %d, \"error\": 1, \"exact\": null}}",
                i ? ", " : "", i, i);
    fputs("]}\n", f);
    cr_assert_eq(fclose(f), 0);
    double t0 = now();
    cr_assert_eq(fdrsim("check many.json --baseline many.json"), 0, "%s", slurp("err.txt"));
    double t = now() - t0;
    cr_assert(strstr(slurp("out.txt"), "compared 50000 estimates"), "%.300s", slurp("out.txt"));
    cr_assert(t < 10.0, "50000 relations took %.1f s of CPU time", t);
}

/* The time series' O_R is the optimizer's whole FDR1 right side: for
 * nesterov, c |v|^2 plus its gradient term. Its last half-running averages
 * cover the run's window through every record_every-th step, so their
 * difference may spread by up to sqrt(record_every) times the relation's
 * error (subsampling a positively correlated series); c |v|^2 alone, the
 * heavy-ball right side, lies 0.9 away. */
Test(cli, the_time_series_uses_the_optimizers_whole_fdr1)
{
    cr_assert_eq(fdrsim("run " FDR_TEST_MODELDIR "/nesterov-quadratic.ini -q --out ts"), 0, "%s",
                 slurp("err.txt"));
    char path[512];
    snprintf(path, sizeof path, "%s/ts/summary.json", tmpdir);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    cr_assert_not_null(root, "summary.json: %s", err.text);
    double diff_err = NAN;
    json_t *rels = json_object_get(root, "relations");
    for (size_t i = 0; i < json_array_size(rels); i++) {
        json_t *r = json_array_get(rels, i);
        if (strcmp(json_string_value(json_object_get(r, "name")), "FDR1") == 0)
            diff_err = json_number_value(json_object_get(json_object_get(r, "diff"), "error"));
    }
    json_t *run = json_object_get(json_object_get(root, "model"), "run");
    double every = (double)json_integer_value(json_object_get(run, "record_every"));
    json_decref(root);
    cr_assert(diff_err > 0 && every >= 1);
    snprintf(path, sizeof path, "%s/ts/timeseries.dat", tmpdir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[1024];
    double col[8] = {0};
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#')
            n = sscanf(line, "%lf %lf %lf %lf %lf %lf %lf %lf", &col[0], &col[1], &col[2],
                       &col[3], &col[4], &col[5], &col[6], &col[7]);
    fclose(f);
    cr_assert_eq(n, 8);
    double tol = 4 * sqrt(every) * diff_err;
    cr_assert_lt(fabs(col[4] - col[5]), tol, "O_L_half %.6g, O_R_half %.6g, tolerance %.3g",
                 col[4], col[5], tol);
}

/* The recorded steps of timeseries.dat, in order, into steps[]; their count. */
static size_t recorded_steps(const char *name, long *steps, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            cr_assert_lt(n, cap, "%s: more than %zu rows", name, cap);
            steps[n++] = strtol(line, NULL, 10);
        }
    fclose(f);
    return n;
}

/* Steps 0, 1, 2, 4, ... below record_every, then every record_every steps
 * below steps: a log-scale figure of the approach starts at the first step. */
Test(cli, the_time_series_records_the_first_steps_on_a_log_scale)
{
    static const struct {
        long steps, every;
    } cases[] = {{20000, 0}, {50, 7}, {64, 16}, {40, 1}};
    static long got[2048];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char args[512];
        long every = cases[c].every ? cases[c].every : cases[c].steps / 1000;
        snprintf(args, sizeof args,
                 "run " FDR_TEST_MODELDIR "/default.ini -q --steps %ld -s run.record_every=%ld "
                 "--out ts%zu",
                 cases[c].steps, cases[c].every, c);
        cr_assert_eq(fdrsim(args), 0, "%s: %s", args, slurp("err.txt"));
        char name[64];
        snprintf(name, sizeof name, "ts%zu/timeseries.dat", c);
        size_t n = recorded_steps(name, got, sizeof got / sizeof *got), k = 0;
        for (long t = 0; t < every; t = t ? 2 * t : 1, k++)
            cr_assert(k < n && got[k] == t, "%s: row %zu is step %ld, not %ld", args, k,
                      k < n ? got[k] : -1, t);
        for (long t = every; t < cases[c].steps; t += every, k++)
            cr_assert(k < n && got[k] == t, "%s: row %zu is step %ld, not %ld", args, k,
                      k < n ? got[k] : -1, t);
        cr_assert_eq(n, k, "%s: %zu rows, expected %zu", args, n, k);
    }
}

/* An overflowing value is null in fdrsim landscape's JSON, not a missing key. */
Test(cli, landscape_writes_non_finite_values_as_null)
{
    cr_assert_eq(fdrsim("landscape " FDR_TEST_MODELDIR "/quartic-anharmonic-1d.ini --at 1e200"), 0,
                 "%s", slurp("err.txt"));
    json_error_t err;
    json_t *root = json_loads(slurp("out.txt"), 0, &err);
    cr_assert_not_null(root, "%s", err.text);
    json_t *value = json_object_get(root, "value");
    cr_assert(value && json_is_null(value), "value is %s", value ? "not null" : "missing");
    cr_assert(json_is_null(json_array_get(json_object_get(root, "gradient"), 0)));
    json_decref(root);
}
