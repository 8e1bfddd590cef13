/* test_cfg.c - model-file parsing and validation: every bad input is an
 * error naming the file, line and key. */
#include "helpers.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE_LANDSCAPE "[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\n"
#define BASE_OPT "[optimizer]\nlr = 0.1\n"

static void expect_reject(const char *ini, const char *needle)
{
    const char *msg = test_reject(ini);
    cr_assert_not_null(msg, "accepted a bad model:\n%s", ini);
    cr_assert(strstr(msg, needle) != NULL, "message '%s' lacks '%s'", msg, needle);
}

Test(cfg, accepts_minimal_model)
{
    fdr_model *m = test_model(BASE_LANDSCAPE BASE_OPT);
    cr_assert_eq(m->land->dim, 3);
    cr_assert_float_eq(m->lr, 0.1, 1e-15);
    cr_assert_eq(m->burn_in, m->steps / 2);
    cr_assert(m->land->hdiag != NULL, "an unrotated spectrum is diagonal");
    fdr_model_free(m);
}

Test(cfg, spectrum_forms)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 4\nspectrum = power 2 1\n" BASE_OPT);
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(m->land->hdiag[i], 2.0 / (i + 1), 1e-15);
    fdr_model_free(m);
    m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = log 0.1 10\n" BASE_OPT);
    cr_assert_float_eq(m->land->hdiag[1], 1.0, 1e-12);
    fdr_model_free(m);
    m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = linear 1 3\n" BASE_OPT);
    cr_assert_float_eq(m->land->hdiag[1], 2.0, 1e-15);
    fdr_model_free(m);
}

Test(cfg, continuation_lines_join_long_values)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 2\nhessian = 2 1\n   1 3\n" BASE_OPT);
    cr_assert(m->land->H != NULL);
    cr_assert_float_eq(m->land->H[3], 3.0, 1e-15);
    cr_assert(m->land->hdiag == NULL);
    fdr_model_free(m);
}

Test(cfg, set_overrides_and_adds)
{
    fdr_config *c = fdr_config_parse_string(BASE_LANDSCAPE BASE_OPT, "t.ini");
    cr_assert_not_null(c);
    cr_assert_eq(fdr_config_set(c, "optimizer.lr=0.2"), FDR_OK);
    cr_assert_eq(fdr_config_set(c, "optimizer.momentum=0.5"), FDR_OK);
    cr_assert_neq(fdr_config_set(c, "nosuch.lr=1"), FDR_OK);
    cr_assert_neq(fdr_config_set(c, "lr=1"), FDR_OK);
    fdr_model *m = fdr_model_alloc(c, "t");
    cr_assert_not_null(m, "%s", fdr_error_message());
    cr_assert_float_eq(m->lr, 0.2, 1e-15);
    cr_assert_float_eq(m->momentum, 0.5, 1e-15);
    fdr_model_free(m);
    fdr_config_free(c);
}

Test(cfg, errors_name_file_line_and_key)
{
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = abc\n", "bad.ini:6: [optimizer] lr");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nstepz = 10\n", "bad.ini:8: [run] stepz: unknown key");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[runn]\nsteps = 10\n", "bad.ini:8: unknown section [runn]");
    expect_reject(BASE_LANDSCAPE BASE_OPT "lr = 0.2\n", "key given twice");
    expect_reject("[landscape]\nthis is not ini\n", "bad.ini:2: not an INI line");
}

/* A typo'd key is named with the key it was perhaps meant to be, and an
 * unknown one with the keys the section has in this model. */
Test(cfg, unknown_and_missing_keys_suggest_the_right_one)
{
    expect_reject(BASE_LANDSCAPE BASE_OPT "momentun = 0.5\n",
                  "bad.ini:7: [optimizer] momentun: unknown key in this model (did you mean "
                  "'momentum'?");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlearning_rate = 0.1\n",
                  "[optimizer] lr: missing (this key is required; did you mean it by "
                  "'learning_rate' on line 6?)");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nstep_size = 0.1\n", "lr: missing");
    const char *msg = test_reject(BASE_LANDSCAPE "[optimizer]\nstep_size = 0.1\n");
    cr_assert(msg && !strstr(msg, "did you mean"), "neither a typo nor an abbreviation, no guess: %s", msg);
    /* a misspelt defaulted key: the error it leads to names the typo */
    expect_reject(BASE_LANDSCAPE "[optimizer]\ntyp = adam\nlr = 0.01\nbeta1 = 0.9\n",
                  "not a key of optimizer 'sgd' (its hyperparameters: lr, momentum, dampening); "
                  "[optimizer] type is not given (its default applies): did you mean it by 'typ' "
                  "on line 6?");
    msg = test_reject(BASE_LANDSCAPE BASE_OPT "[run]\nfrobnicate = 10\n");
    cr_assert(msg && strstr(msg, "bad.ini:8: [run] frobnicate: unknown key") &&
                  !strstr(msg, "did you mean") && strstr(msg, "the keys of [run] here: ") &&
                  strstr(msg, "steps") && strstr(msg, "replicas"),
              "%s", msg);
}

Test(cfg, rejects_bad_values)
{
    expect_reject("[landscape]\ntype = quadratic\ndim = 0\nspectrum = list 1\n" BASE_OPT, "dim");
    expect_reject("[landscape]\ntype = quadratic\ndim = -3\nspectrum = list 1\n" BASE_OPT, "dim");
    expect_reject("[landscape]\ntype = cubic\ndim = 3\n" BASE_OPT, "unknown landscape 'cubic'");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0\n", "[optimizer] lr: must be > 0");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = -1\n", "[optimizer] lr");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.1\nmomentum = 1\n", "momentum: must be in [0, 1)");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.1\nmomentum = -0.1\n", "momentum");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.1\ndampening = 1\n", "dampening");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.1\ndampening = -0.5\n", "dampening");
    expect_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.1\nconvention = torch\n",
                  "bad.ini:7: [optimizer] convention: 'torch': expected paper or pytorch");
    expect_reject(BASE_LANDSCAPE, "[optimizer] lr: missing");
    expect_reject("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2\n" BASE_OPT,
                  "'list' needs 3 numbers");
    expect_reject("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\nminimum = 1 2\n" BASE_OPT,
                  "[landscape] minimum: expected one number or a list of 3");
    expect_reject("[landscape]\ntype = quadratic\ndim = 2\nhessian = 1 2 3 4\n" BASE_OPT,
                  "not symmetric");
    expect_reject("[landscape]\ntype = quadratic\ndim = 2\nhessian = 1 0 0\n" BASE_OPT,
                  "expected a list of 4 numbers, got 3");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nreplicas = 1\n", "replicas");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nburn_in = many\n", "burn_in");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nsteps = 1e3\n", "not an integer");
}

Test(cfg, rejects_bad_covariances)
{
    expect_reject(BASE_LANDSCAPE "[noise]\ncovariance = matrix 1 2 0 2 1 0 0 0 1\n" BASE_OPT,
                  "[noise] covariance: not positive semi-definite");
    expect_reject(BASE_LANDSCAPE "[noise]\ncovariance = diagonal 1 2\n" BASE_OPT,
                  "'diagonal' needs 3 numbers, got 2");
    expect_reject(BASE_LANDSCAPE "[noise]\ncovariance = diagonal 1 -2 1\n" BASE_OPT, "negative");
    expect_reject(BASE_LANDSCAPE "[noise]\ncovariance = isotropic -1\n" BASE_OPT, "isotropic");
    expect_reject(BASE_LANDSCAPE "[noise]\ncovariance = fuzzy 1\n" BASE_OPT, "not a covariance");
    expect_reject(BASE_LANDSCAPE "[noise]\ntype = cauchy\n" BASE_OPT, "unknown noise law 'cauchy'");
}

Test(cfg, rejects_unstable_learning_rate_with_the_largest_stable_one)
{
    /* h_max = 3, momentum 0: stable iff lr < 2 (1 + 0) / 3. */
    const char *msg = test_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.7\n");
    cr_assert_not_null(msg);
    cr_assert(strstr(msg, "unstable") && strstr(msg, "0.666667"), "%s", msg);
    cr_assert_null(test_reject(BASE_LANDSCAPE "[optimizer]\nlr = 0.66\n"));
    msg = test_reject("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 -1\n" BASE_OPT);
    cr_assert(msg && strstr(msg, "eigenvalue <= 0"), "%s", msg ? msg : "(accepted)");
}

Test(cfg, rejects_overlong_lines)
{
    char ini[600];
    snprintf(ini, sizeof ini, "[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3 %0250d\n", 0);
    expect_reject(ini, "bad.ini:4: line longer than");
}

Test(cfg, rejects_text_after_a_section_header)
{
    /* inih drops what follows the ']'; a key written there would vanish */
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run] replicas = 1\n",
                  "bad.ini:7: text after the section header [run]: 'replicas = 1'");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]]] x\n", "bad.ini:7: text after the section header");
    expect_reject("  [landscape] x\ntype = quadratic\n", "bad.ini:1: text after the section header");
    expect_reject("\xEF\xBB\xBF[landscape] x\n", "bad.ini:1: text after the section header");
    /* a comment after the header is fine, and so is a continuation line with brackets */
    fdr_model *m = test_model(BASE_LANDSCAPE "[optimizer] ; step size\nlr = 0.1\n[run]   # x\n"
                                             "steps = 64\n");
    cr_assert_eq(m->steps, 64);
    fdr_model_free(m);
    fdr_config *c = fdr_config_parse_string("[run]\nnote = a\n  [b] c\n", "t.ini");
    cr_assert_not_null(c, "%s", fdr_error_message());
    const char *s;
    cr_assert_eq(fdr_config_string(c, "run", "note", NULL, &s), FDR_OK);
    cr_assert_str_eq(s, "a [b] c");
    fdr_config_free(c);
}

Test(cfg, accepts_subnormal_numbers)
{
    fdr_config *c = fdr_config_parse_string("[landscape]\nw = 1e-320\nv = 1e-310 -4.9e-324\n"
                                            "u = 1e-400\nx = 1e309\ny = nan\nz = 2 -1e-999\n",
                                            "t.ini");
    cr_assert_not_null(c);
    double w, *v;
    size_t n;
    cr_assert_eq(fdr_config_double(c, "landscape", "w", 0, &w), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(w, 1e-320);
    cr_assert_eq(fdr_config_numbers(c, "landscape", "v", 2, &v, &n), FDR_OK);
    cr_assert(v[0] == 1e-310 && v[1] == -4.9e-324);
    free(v);
    /* a nonzero number that rounds to zero, infinities and NaN are not numbers of the model */
    fdr_error_clear();
    cr_assert_eq(fdr_config_double(c, "landscape", "u", 0, &w), FDR_EINVAL);
    cr_assert(strstr(fdr_error_message(), "t.ini:4: [landscape] u: '1e-400' is too small"), "%s",
              fdr_error_message());
    fdr_error_clear();
    cr_assert_eq(fdr_config_double(c, "landscape", "x", 0, &w), FDR_EINVAL);
    cr_assert(strstr(fdr_error_message(), "not a finite number"));
    cr_assert_eq(fdr_config_double(c, "landscape", "y", 0, &w), FDR_EINVAL);
    fdr_error_clear();
    cr_assert_eq(fdr_config_numbers(c, "landscape", "z", 2, &v, &n), FDR_EINVAL);
    cr_assert(strstr(fdr_error_message(), "'-1e-999' (entry 2) is too small"), "%s",
              fdr_error_message());
    fdr_config_free(c);
    fdr_model *m = test_model(BASE_LANDSCAPE "weight_decay = 1e-320\n" BASE_OPT);
    cr_assert_eq(m->land->weight_decay, 1e-320);
    fdr_model_free(m);
}

Test(cfg, seed_takes_the_full_uint64_range)
{
    fdr_model *m = test_model(BASE_LANDSCAPE BASE_OPT "[run]\nseed = 18446744073709551615\n");
    cr_assert_eq(m->seed, UINT64_MAX);
    fdr_model_free(m);
    m = test_model(BASE_LANDSCAPE BASE_OPT "[run]\nseed = 0\n");
    cr_assert_eq(m->seed, 0);
    fdr_model_free(m);
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nseed = 18446744073709551616\n",
                  "bad.ini:8: [run] seed: '18446744073709551616' is not a whole number from 0 to "
                  "18446744073709551615");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nseed = -1\n", "[run] seed: '-1' is not");
    expect_reject(BASE_LANDSCAPE BASE_OPT "[run]\nseed = 12x\n", "[run] seed: '12x' is not");
}

Test(cfg, whole_numbers_of_options_detect_overflow)
{
    long v = 7;
    cr_assert_eq(fdr_parse_long("99999999999999999999", LONG_MIN, LONG_MAX, &v), FDR_EINVAL);
    cr_assert_eq(fdr_parse_long("4294967297", 1, 1024, &v), FDR_EINVAL);
    cr_assert_eq(fdr_parse_long("12 ", 1, 1024, &v), FDR_EINVAL);
    cr_assert_eq(fdr_parse_long("", 1, 1024, &v), FDR_EINVAL);
    cr_assert_eq(v, 7);
    cr_assert_eq(fdr_parse_long("-9223372036854775808", LONG_MIN, LONG_MAX, &v), FDR_OK);
    cr_assert_eq(v, LONG_MIN);
}

/* CPU seconds of this process: unlike the wall clock, this does not grow with
 * the load of a shared machine. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

Test(cfg, parsing_time_is_linear_in_the_number_of_keys, .timeout = 60)
{
    /* 100,000 keys took 23-52 s with a linear search per key; a table takes
     * well under 0.1 s. 2 s leaves room for slow and sanitizer builds. */
    enum { NKEYS = 100000 };
    size_t cap = 32 * (size_t)NKEYS, n = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    n += (size_t)snprintf(text + n, cap - n, BASE_LANDSCAPE BASE_OPT "[run]\n");
    for (int i = 0; i < NKEYS; i++)
        n += (size_t)snprintf(text + n, cap - n, "key%d = %d\n", i, i);
    double t0 = now();
    fdr_error_clear();
    fdr_config *c = fdr_config_parse_string(text, "many.ini");
    cr_assert_not_null(c, "%s", fdr_error_message());
    /* as `fdrsim run` does: every getter of the model, then the unused-key check */
    cr_assert_null(fdr_model_alloc(c, "many"));
    cr_assert(strstr(fdr_error_message(), "many.ini:8: [run] key0: unknown key"), "%s",
              fdr_error_message());
    long v = 0;
    for (int i = 0; i < NKEYS; i += 7) {
        char key[32];
        snprintf(key, sizeof key, "key%d", i);
        cr_assert_eq(fdr_config_long(c, "run", key, -1, &v), FDR_OK);
        cr_assert_eq(v, i);
    }
    double t = now() - t0;
    cr_assert(t < 2.0, "100000 keys took %.2f s of CPU time", t);
    fdr_config_free(c);
    free(text);
}

Test(cfg, parsing_time_is_linear_in_the_length_of_a_value, .timeout = 60)
{
    /* A value continued over 20,000 lines (2 MB): the old reader measured the
     * whole value again for every line, 20 GB of work. */
    enum { NLINES = 20000, PER_LINE = 10 };
    size_t cap = (size_t)NLINES * 128, n = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    n += (size_t)snprintf(text + n, cap - n, "[landscape]\nlist = 0\n");
    for (int i = 0; i < NLINES; i++)
        n += (size_t)snprintf(text + n, cap - n, "  1.5 2.5 3.5 4.5 5.5 6.5 7.5 8.5 9.5 %d\n", i);
    double t0 = now();
    fdr_config *c = fdr_config_parse_string(text, "long.ini");
    cr_assert_not_null(c, "%s", fdr_error_message());
    double *v;
    size_t m;
    cr_assert_eq(fdr_config_numbers(c, "landscape", "list", 0, &v, &m), FDR_OK);
    double t = now() - t0;
    cr_assert_eq(m, 1 + (size_t)NLINES * PER_LINE);
    cr_assert_eq(v[m - 1], NLINES - 1);
    cr_assert(t < 2.0, "a value of %d lines took %.2f s of CPU time", NLINES, t);
    free(v);
    fdr_config_free(c);
    free(text);
}
