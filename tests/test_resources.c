/* test_resources.c - fdrsim under memory pressure: a run the machine cannot
 * hold is refused up front with the estimate and the key to change (exit 3),
 * and no subcommand spins or hangs when allocations fail (ulimit -v). Every
 * child runs under a timeout, so a hang fails the test instead of the suite.
 * Also the messages for parameters that break step 0 and for unstable
 * learning rates: each names the file and the key. */
#include "core/fdr.h"
#include "core/memory.h"
#include "config/cfg.h"
#include "scratch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

TestSuite(resources, .init = scratch_make, .fini = scratch_remove, .timeout = 600);

static const char *slurp(const char *name)
{
    static char buf[1 << 14];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
        fclose(f);
    }
    return buf;
}

/* Runs fdrsim with argv (NULL-terminated) in tmpdir under an address-space
 * limit of limit_mb (0: none), stderr to err.txt. Returns the exit status,
 * or -1 when it had to be killed after timeout_s seconds, or 128 + the
 * signal that ended it. */
static int run_limited(const char *const *argv, long limit_mb, int timeout_s)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (chdir(tmpdir) != 0)
            _exit(126);
        int null = open("/dev/null", O_WRONLY);
        int err = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (null < 0 || err < 0 || dup2(null, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        if (limit_mb > 0) {
            struct rlimit rl = {(rlim_t)limit_mb << 20, (rlim_t)limit_mb << 20};
            if (setrlimit(RLIMIT_AS, &rl) != 0)
                _exit(126);
        }
        execv(FDRSIM_BIN, (char *const *)argv);
        _exit(127);
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        cr_assert(w >= 0, "waitpid: %s", strerror(errno));
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
}

/* d = 100000 passes validation, but its d x d matrices alone are 80 GB
 * each: refused at once, before anything is allocated, with the estimate
 * and the key; nothing is written. */
Test(resources, a_model_larger_than_the_machine_is_refused_with_the_estimate)
{
    write_file("big.ini", "[landscape]\ntype = quadratic\ndim = 100000\nspectrum = linear 1 2\n"
                          "rotation = random\n[optimizer]\nlr = 0.1\n");
    const char *const argv[] = {FDRSIM_BIN, "run", "big.ini", "-q", "-o", "out", NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run_limited(argv, 0, 60);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const char *err = slurp("err.txt");
    cr_assert_eq(rc, 3, "exit %d: %s", rc, err);
    cr_assert(t1.tv_sec - t0.tv_sec < 10, "took %ld s to refuse", (long)(t1.tv_sec - t0.tv_sec));
    cr_assert(strstr(err, "GB of memory"), "no estimate in '%s'", err);
    cr_assert(strstr(err, "big.ini: [landscape] dim = 100000"), "no file and key in '%s'", err);
    cr_assert(!exists("out"), "output written for a refused run");
    const char *const land[] = {FDRSIM_BIN, "landscape", "big.ini", "--at", "1", NULL};
    cr_assert_eq(run_limited(land, 0, 60), 3, "landscape: %s", slurp("err.txt"));
    cr_assert(strstr(slurp("err.txt"), "[landscape] dim"));
}

/* The replica count dominates: R = 1e6 with d = 3000 is refused naming it. */
Test(resources, the_estimate_names_the_dominant_key)
{
    write_file("many.ini", "[landscape]\ntype = quadratic\ndim = 3000\nspectrum = linear 1 2\n"
                           "[optimizer]\nlr = 0.1\n[run]\nreplicas = 1000000\n");
    const char *const argv[] = {FDRSIM_BIN, "run", "many.ini", "-q", "-o", "out", NULL};
    int rc = run_limited(argv, 0, 60);
    const char *err = slurp("err.txt");
    cr_assert_eq(rc, 3, "exit %d: %s", rc, err);
    cr_assert(strstr(err, "[run] replicas = 1000000"), "key not named in '%s'", err);
}

/* Minibatch noise keeps a permutation of the samples per replica: R = 1e5
 * replicas of 1e7 samples (8 TB) are refused naming the samples key. */
Test(resources, minibatch_permutations_are_in_the_estimate)
{
    const char *const argv[] = {FDRSIM_BIN,   "run",
                                FDR_TEST_MODELDIR "/minibatch-regression-b10.ini",
                                "-q",         "--set",
                                "landscape.samples=10000000",
                                "--replicas", "100000",
                                "-o",         "out",
                                NULL};
    int rc = run_limited(argv, 0, 60);
    const char *err = slurp("err.txt");
    cr_assert_eq(rc, 3, "exit %d: %s", rc, err);
    cr_assert(strstr(err, "[landscape] samples = 10000000") && strstr(err, "GB of memory"), "%s",
              err);
}

/* The estimate bounds what a run takes: under any address-space limit a
 * run is either refused up front (by the estimate or by the check of
 * OpenBLAS's buffers) or completes; it never fails half-way on an
 * allocation the estimate did not foresee. */
Test(resources, a_run_the_estimate_accepts_completes)
{
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer needs more address space than any limit here");
    write_file("mid.ini", "[landscape]\ntype = quadratic\ndim = 400\nspectrum = log 0.1 10\n"
                          "rotation = random\n[optimizer]\nlr = 0.05\n[run]\nreplicas = 16\n"
                          "steps = 200\n");
    const char *const argv[] = {FDRSIM_BIN, "run", "mid.ini", "-q", "-j", "1", "-o", "out", NULL};
    int completed = 0, estimated = 0;
    for (long mb = 100; mb <= 400; mb += 10) {
        int rc = run_limited(argv, mb, 120);
        const char *err = slurp("err.txt");
        cr_assert(rc == 0 || (rc == 3 && (strstr(err, "the estimate in README") ||
                                          strstr(err, "OpenBLAS needs"))),
                  "ulimit -v %ld MB: exit %d: %s", mb, rc, err);
        completed += rc == 0;
        estimated += rc == 3 && strstr(err, "the estimate in README") != NULL;
    }
    cr_assert(completed > 0 && estimated > 0,
              "the limits did not span the estimate: %d completed, %d refused by it", completed,
              estimated);
}

/* Every subcommand under many address-space limits: an answer (0, or 3 with
 * a message) within the timeout, never a hang. OpenBLAS used to spin at
 * 100% CPU retrying its buffer allocation. */
Test(resources, no_subcommand_hangs_under_an_address_space_limit)
{
    if (UNDER_ASAN)
        cr_skip_test("AddressSanitizer needs more address space than any limit here");
    /* A summary for `check` to read, made without a limit. */
    const char *const base[] = {FDRSIM_BIN, "run", FDR_TEST_MODELDIR "/isotropic.ini", "-q",
                                "--steps", "2000", "-o", "base", NULL};
    cr_assert_eq(run_limited(base, 0, 120), 0, "%s", slurp("err.txt"));
    const char *const cmds[][12] = {
        {FDRSIM_BIN, "run", FDR_TEST_MODELDIR "/default.ini", "-q", "--steps", "2000", "-o", "o1",
         NULL},
        {FDRSIM_BIN, "run", FDR_TEST_MODELDIR "/gmm-2d.ini", "-q", "--steps", "2000", "-o", "o2",
         NULL},
        {FDRSIM_BIN, "sweep", FDR_TEST_MODELDIR "/sweep-quadratic.ini", "-q", "--steps", "2000",
         "-o", "o3", NULL},
        {FDRSIM_BIN, "schedule", FDR_TEST_MODELDIR "/schedule-nqm.ini", "-q", "--steps", "2000",
         "-o", "o4", NULL},
        {FDRSIM_BIN, "landscape", FDR_TEST_MODELDIR "/default.ini", "--at",
         "1,2,3,4,5,6,7,8,9,10", NULL},
        {FDRSIM_BIN, "check", "base/summary.json", "--baseline", "base/summary.json", NULL},
    };
    static const long limits_mb[] = {90, 130, 170, 210, 250, 290, 330, 400, 500};
    for (size_t c = 0; c < sizeof cmds / sizeof *cmds; c++)
        for (size_t k = 0; k < sizeof limits_mb / sizeof *limits_mb; k++) {
            int rc = run_limited(cmds[c], limits_mb[k], 60);
            const char *err = slurp("err.txt");
            cr_assert(rc != -1, "%s %s hung under ulimit -v %ld MB", cmds[c][1], cmds[c][2],
                      limits_mb[k]);
            cr_assert(rc == 0 || (rc == 3 && strstr(err, "memory")),
                      "%s %s under ulimit -v %ld MB: exit %d: %s", cmds[c][1], cmds[c][2],
                      limits_mb[k], rc, err);
        }
}

/* The available memory is finite and positive, and an address-space limit
 * lowers it to at most that limit. */
Test(resources, available_memory_honours_the_limit)
{
    double avail = fdr_memory_available();
    cr_assert(avail > 0 && isfinite(avail), "available: %g", avail);
    if (UNDER_ASAN)
        return;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        getrlimit(RLIMIT_AS, &rl);
        rl.rlim_cur = (rlim_t)4 << 30;
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(2);
        _exit(fdr_memory_available() <= 4.0 * (1 << 30) && fdr_address_headroom() > 0 ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- messages about step 0, stability and divergence --------------------- */

/* Runs `fdrsim ARGS` (a shell fragment) in tmpdir with stderr to err.txt
 * under a timeout; returns the exit status. */
static int fdrsim_sh(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && timeout 120 '%s' %s >/dev/null 2>err.txt", tmpdir,
             FDRSIM_BIN, args);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "fdrsim did not exit: %s", args);
    return WEXITSTATUS(st);
}

/* Parameters that make step 0 non-finite whatever the learning rate are
 * reported with their section, not as a divergence to cure by lowering the
 * learning rate. */
Test(resources, parameters_out_of_range_at_step_0_name_their_section)
{
    cr_assert_eq(fdrsim_sh("run " FDR_TEST_MODELDIR "/skewed-quartic.ini --steps 200 -q -o o "
                           "--set noise.skewness=1e-300"),
                 2);
    const char *err = slurp("err.txt");
    cr_assert(strstr(err, "skewed-quartic.ini: [noise]") && !strstr(err, "learning rate"), "%s",
              err);
    cr_assert(!exists("o"));
    cr_assert_eq(fdrsim_sh("run " FDR_TEST_MODELDIR "/isotropic.ini --steps 200 -q -o o "
                           "--set landscape.minimum=1e200"),
                 2);
    err = slurp("err.txt");
    cr_assert(strstr(err, "isotropic.ini: [landscape]") && strstr(err, "[run] init") &&
                  !strstr(err, "lower the learning rate"),
              "%s", err);
    cr_assert(!exists("o"));
}

/* A learning rate just above the largest stable one is printed with the
 * digits that tell the two apart. */
Test(resources, an_unstable_lr_is_told_apart_from_the_largest_stable_one)
{
    char buf[32], top[32];
    fdr_format_distinct(1.5000001, 1.5, buf, top, sizeof buf);
    cr_assert_str_eq(buf, "1.5000001");
    cr_assert_str_eq(top, "1.5");
    fdr_format_distinct(0.1, 0.2, buf, top, sizeof buf);
    cr_assert_str_eq(buf, "0.1");
    cr_assert_str_eq(top, "0.2");
    /* h_max = 2, momentum 0.5: the largest stable lr is 2 (1 + 0.5) / 2 = 1.5. */
    write_file("edge.ini", "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"
                           "[optimizer]\nlr = 1.5000001\nmomentum = 0.5\n");
    cr_assert_eq(fdrsim_sh("run edge.ini -q -o o"), 2);
    const char *err = slurp("err.txt");
    cr_assert(strstr(err, "edge.ini: [optimizer] lr: 1.5000001 makes") &&
                  strstr(err, "learning rate for momentum 0.5 and dampening 0 is 1.5"),
              "%s", err);
    /* A sweep's grid names the file and the option. */
    cr_assert_eq(fdrsim_sh("sweep edge.ini --lr 1:1.5000001:3 -q -o o"), 2);
    err = slurp("err.txt");
    cr_assert(strstr(err, "edge.ini: --lr: the learning rate 1.5000001 makes"), "%s", err);
}

/* A failed allocation while a model is built is a run-time failure (3), not
 * bad input (2): the status comes with the message. */
Test(resources, the_status_of_a_recorded_error_is_kept)
{
    fdr_error_clear();
    cr_assert_eq(fdr_error_status(), FDR_EINVAL);
    fdr_error(FDR_ENOMEM, "out of memory");
    fdr_error(FDR_EINVAL, "later and less specific");
    cr_assert_eq(fdr_error_status(), FDR_ENOMEM);
    fdr_error_clear();
}

/* Long set-up shows what it is doing on a terminal (here a pseudo-terminal
 * from script(1)), and nothing with -q or when stderr is not a terminal. */
Test(resources, long_set_up_shows_progress_on_a_terminal)
{
    write_file("rot.ini", "[landscape]\ntype = quadratic\ndim = 600\nspectrum = log 0.1 10\n"
                          "rotation = random\n[optimizer]\nlr = 0.05\n[run]\nreplicas = 2\n"
                          "steps = 32\nfdr2 = off\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 300 script -qec \"'%s' run rot.ini -o o1 >/dev/null\" /dev/null "
             ">tty.txt 2>&1",
             tmpdir, FDRSIM_BIN);
    cr_assert_eq(system(cmd), 0, "%s", slurp("tty.txt"));
    const char *tty = slurp("tty.txt");
    cr_assert(strstr(tty, "set-up") && strstr(tty, "random rotation") &&
                  strstr(tty, "eigendecomposition of the Hessian"),
              "no set-up progress on a terminal: '%s'", tty);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 300 script -qec \"'%s' run rot.ini -q -o o2\" /dev/null "
             ">tty.txt 2>&1",
             tmpdir, FDRSIM_BIN);
    cr_assert_eq(system(cmd), 0);
    cr_assert(!strstr(slurp("tty.txt"), "set-up"), "progress despite -q: '%s'", slurp("tty.txt"));
    cr_assert_eq(fdrsim_sh("run rot.ini -o o3"), 0);
    cr_assert(!strstr(slurp("err.txt"), "set-up"), "progress into a file: '%s'", slurp("err.txt"));
}
