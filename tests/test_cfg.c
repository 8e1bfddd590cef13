/* test_cfg.c - model-file parsing and validation: every bad input is an
 * error naming the file, line and key. */
#include "helpers.h"

#include <math.h>
#include <string.h>

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
