/* test_api.c - the public API (src/fdrsim.h) as a user links it: only the
 * installed header and libfdrsim.la, the shared library. The three ways to
 * build a model agree bit for bit when they describe the same model; bad
 * input of each kind is refused with a status and a message naming its
 * cause; readers refuse out-of-range indices. */
#include "fdrsim.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define QUAD_INI                                                                                   \
    "[landscape]\ntype = quadratic\ndim = 2\nhessian = 2 0.5\n  0.5 1\n"                           \
    "[noise]\ntype = gaussian\ncovariance = matrix 1 0 0 0.25\n"                                   \
    "[optimizer]\ntype = sgd\nlr = 0.2\n[run]\nreplicas = 16\nsteps = 2000\nseed = 3\n"

static const double H[4] = {2, 0.5, 0.5, 1}, C[4] = {1, 0, 0, 0.25};

static fdrsim_results *run(fdrsim_model *m)
{
    fdrsim_results *r = NULL;
    cr_assert_eq(fdrsim_run(m, 1, &r), FDRSIM_OK, "%s", fdrsim_errmsg());
    return r;
}

/* Every number the readers return, the same bits in a and b. */
static void assert_same(const fdrsim_results *a, const fdrsim_results *b)
{
    cr_assert_eq(fdrsim_results_nrelations(a), fdrsim_results_nrelations(b));
    cr_assert_gt(fdrsim_results_nrelations(a), 2);
    for (size_t i = 0; i < fdrsim_results_nrelations(a); i++) {
        double x[6], y[6];
        cr_assert_str_eq(fdrsim_relation_name(a, i), fdrsim_relation_name(b, i));
        cr_assert_eq(fdrsim_relation_sides(a, i, x, x + 1, x + 2, x + 3, x + 4, x + 5), FDRSIM_OK);
        cr_assert_eq(fdrsim_relation_sides(b, i, y, y + 1, y + 2, y + 3, y + 4, y + 5), FDRSIM_OK);
        for (int k = 0; k < 6; k++)
            cr_assert(memcmp(&x[k], &y[k], sizeof x[k]) == 0, "%s[%d]: %.17g vs %.17g",
                      fdrsim_relation_name(a, i), k, x[k], y[k]);
    }
    for (size_t i = 0; i < fdrsim_results_nobservables(a); i++) {
        double x[3], y[3];
        fdrsim_observable(a, i, x, x + 1, x + 2);
        fdrsim_observable(b, i, y, y + 1, y + 2);
        cr_assert(memcmp(x, y, sizeof x) == 0, "%s", fdrsim_observable_name(a, i));
    }
}

Test(api, arrays_text_and_file_build_the_same_model)
{
    fdrsim_model *a, *b, *c;
    const char *sets[] = {"run.replicas=16", "run.steps=2000", "run.seed=3"};
    cr_assert_eq(fdrsim_model_quadratic(2, H, C, "sgd", 0.2, sets, 3, &a), FDRSIM_OK, "%s",
                 fdrsim_errmsg());
    cr_assert_eq(fdrsim_model_from_string(QUAD_INI, NULL, NULL, 0, &b), FDRSIM_OK, "%s",
                 fdrsim_errmsg());
    char path[] = "/tmp/fdrsim-test-api-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    /* the file's seed is overridden back to 3 */
    fprintf(f, "%s", QUAD_INI);
    fclose(f);
    const char *reseed[] = {"run.seed=3"};
    int rc = fdrsim_model_from_file(path, reseed, 1, &c);
    remove(path);
    cr_assert_eq(rc, FDRSIM_OK, "%s", fdrsim_errmsg());
    cr_assert_eq(fdrsim_model_dim(a), 2);
    fdrsim_results *ra = run(a), *rb = run(b), *rc_ = run(c);
    assert_same(ra, rb);
    assert_same(ra, rc_);
    /* the relations are readable and hold on this exact quadratic */
    cr_assert_str_eq(fdrsim_relation_name(ra, 2), "FDR1");
    double z, lhs, lhs_exact;
    int verdict, identity;
    cr_assert_eq(fdrsim_relation_verdict(ra, 2, &z, &verdict, &identity), FDRSIM_OK);
    cr_assert_eq(fdrsim_relation_sides(ra, 2, &lhs, NULL, NULL, NULL, &lhs_exact, NULL), FDRSIM_OK);
    cr_assert(verdict == FDRSIM_PASS && identity && fabs(z) < 4 && isfinite(lhs_exact), "z %g", z);
    cr_assert(fdrsim_results_all_pass(ra));
    fdrsim_results_free(ra);
    fdrsim_results_free(rb);
    fdrsim_results_free(rc_);
    fdrsim_model_free(a);
    fdrsim_model_free(b);
    fdrsim_model_free(c);
}

/* A different seed gives different bits: assert_same can fail. */
Test(api, another_seed_changes_the_results)
{
    fdrsim_model *a, *b;
    const char *s1[] = {"run.seed=3"}, *s2[] = {"run.seed=4"};
    cr_assert_eq(fdrsim_model_from_string(QUAD_INI, NULL, s1, 1, &a), FDRSIM_OK);
    cr_assert_eq(fdrsim_model_from_string(QUAD_INI, NULL, s2, 1, &b), FDRSIM_OK);
    fdrsim_results *ra = run(a), *rb = run(b);
    double x, y;
    fdrsim_relation_sides(ra, 2, &x, NULL, NULL, NULL, NULL, NULL);
    fdrsim_relation_sides(rb, 2, &y, NULL, NULL, NULL, NULL, NULL);
    cr_assert_neq(x, y);
    fdrsim_results_free(ra);
    fdrsim_results_free(rb);
    fdrsim_model_free(a);
    fdrsim_model_free(b);
}

static void expect_bad(int rc, fdrsim_model *m, const char *want)
{
    cr_assert_eq(rc, FDRSIM_EINVAL, "status %d: %s", rc, fdrsim_errmsg());
    cr_assert_null(m);
    cr_assert(strstr(fdrsim_errmsg(), want), "'%s' not in '%s'", want, fdrsim_errmsg());
}

Test(api, bad_input_is_refused_naming_its_cause)
{
    fdrsim_model *m = NULL;
    const double Hbad[4] = {2, 0.5, 0.4, 1}, Cnan[4] = {1, 0, 0, NAN};
    expect_bad(fdrsim_model_quadratic(2, Hbad, C, "sgd", 0.2, NULL, 0, &m), m,
               "[landscape] hessian: not symmetric");
    expect_bad(fdrsim_model_quadratic(2, H, Cnan, "sgd", 0.2, NULL, 0, &m), m, "C[3] is not finite");
    expect_bad(fdrsim_model_quadratic(2, H, C, "sgd\nlr = 1", 0.2, NULL, 0, &m), m,
               "is not an optimizer name");
    expect_bad(fdrsim_model_quadratic(2, H, C, "adamw", 0.2, NULL, 0, &m), m, "adamw");
    expect_bad(fdrsim_model_quadratic(0, H, C, "sgd", 0.2, NULL, 0, &m), m, "dim must be");
    expect_bad(fdrsim_model_quadratic(2, H, C, "sgd", -1, NULL, 0, &m), m, "[optimizer] lr");
    /* a model whose dynamics has no stationary state is refused by the run */
    cr_assert_eq(fdrsim_model_quadratic(2, H, C, "sgd", 5, NULL, 0, &m), FDRSIM_OK);
    fdrsim_results *none = NULL;
    cr_assert_eq(fdrsim_run(m, 1, &none), FDRSIM_EUNSTABLE, "%s", fdrsim_errmsg());
    cr_assert(!none && strstr(fdrsim_errmsg(), "stable"), "%s", fdrsim_errmsg());
    fdrsim_model_free(m);
    m = NULL;
    const char *bad_set[] = {"run.steps=many"};
    expect_bad(fdrsim_model_from_string(QUAD_INI, "q.ini", bad_set, 1, &m), m, "steps");
    expect_bad(fdrsim_model_from_string("[landscape]\ntype = quadratc\ndim = 2\n", "q.ini", NULL, 0,
                                        &m),
               m, "q.ini:2: [landscape] type: unknown landscape 'quadratc'");
    expect_bad(fdrsim_model_from_string(NULL, NULL, NULL, 0, &m), m, "NULL argument");
    int rc = fdrsim_model_from_file("/nonexistent/model.ini", NULL, 0, &m);
    cr_assert(rc == FDRSIM_EIO || rc == FDRSIM_EINVAL, "%d", rc);
    cr_assert(strstr(fdrsim_errmsg(), "/nonexistent/model.ini"), "%s", fdrsim_errmsg());
    /* a good call clears the message */
    cr_assert_eq(fdrsim_model_from_string(QUAD_INI, NULL, NULL, 0, &m), FDRSIM_OK);
    cr_assert_str_eq(fdrsim_errmsg(), "");
    cr_assert_eq(fdrsim_run(m, -1, &(fdrsim_results *){NULL}), FDRSIM_EINVAL);
    fdrsim_results *r = run(m);
    size_t n = fdrsim_results_nrelations(r);
    cr_assert_null(fdrsim_relation_name(r, n));
    cr_assert_eq(fdrsim_relation_sides(r, n, NULL, NULL, NULL, NULL, NULL, NULL), FDRSIM_EINVAL);
    cr_assert_eq(fdrsim_relation_verdict(r, n, NULL, NULL, NULL), FDRSIM_EINVAL);
    cr_assert_null(fdrsim_observable_name(r, fdrsim_results_nobservables(r)));
    cr_assert_eq(fdrsim_observable(r, 99, NULL, NULL, NULL), FDRSIM_EINVAL);
    cr_assert(strchr(fdrsim_version(), '.'), "%s", fdrsim_version());
    fdrsim_results_free(r);
    fdrsim_model_free(m);
}
