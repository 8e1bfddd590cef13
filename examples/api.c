/* api.c - libfdrsim from a program of one's own: a model from INI text and
 * one from C arrays, each run and its relations read; and how a bad model
 * is reported. Build against an installed fdrsim:
 *
 *     cc -std=c11 api.c $(pkg-config --cflags --libs fdrsim) -o api
 *
 * Exits 0 when every identity of both models passes, 1 when one fails,
 * 2 on an error. */
#include <fdrsim.h>

#include <stdio.h>
#include <string.h>

static const char model_text[] =
    "[landscape]\n"
    "type = quadratic\n"
    "dim = 2\n"
    "spectrum = log 0.5 2\n"
    "[noise]\n"
    "covariance = isotropic 1\n"
    "[optimizer]\n"
    "type = sgd\n"
    "lr = 0.1\n"
    "momentum = 0.5\n"
    "[run]\n"
    "replicas = 32\n"
    "steps = 4000\n"
    "seed = 7\n";

/* Prints every relation of res; returns 1 when every identity passed. */
static int show(const char *what, const fdrsim_results *res)
{
    printf("%s\n", what);
    for (size_t i = 0; i < fdrsim_results_nrelations(res); i++) {
        double lhs, lhs_err, rhs, rhs_err, lhs_exact, z;
        int verdict, identity;
        fdrsim_relation_sides(res, i, &lhs, &lhs_err, &rhs, &rhs_err, &lhs_exact, NULL);
        fdrsim_relation_verdict(res, i, &z, &verdict, &identity);
        printf("  %-14s %12.6g +- %-10.3g %12.6g +- %-10.3g z %6.2f exact lhs %-10.6g %s %s\n",
               fdrsim_relation_name(res, i), lhs, lhs_err, rhs, rhs_err, z, lhs_exact,
               verdict == FDRSIM_PASS ? "pass" : verdict == FDRSIM_FAIL ? "FAIL" : "unresolved",
               identity ? "identity" : "approximation");
    }
    for (size_t i = 0; i < fdrsim_results_nobservables(res); i++) {
        double v, err, exact;
        fdrsim_observable(res, i, &v, &err, &exact);
        printf("  %-15s %12.6g +- %-10.3g exact %g\n", fdrsim_observable_name(res, i), v, err,
               exact);
    }
    return fdrsim_results_all_pass(res);
}

/* Runs m on 2 threads and shows it; 1 when every identity passed, -1 on error. */
static int run(const char *what, fdrsim_model *m)
{
    fdrsim_results *res = NULL;
    if (fdrsim_run(m, 2, &res) != FDRSIM_OK) {
        fprintf(stderr, "api: %s\n", fdrsim_errmsg());
        return -1;
    }
    int pass = show(what, res);
    fdrsim_results_free(res);
    return pass;
}

int main(void)
{
    printf("libfdrsim %s\n", fdrsim_version());
    fdrsim_model *m = NULL;
    /* 1. INI text, with two overrides as fdrsim's --set takes them */
    const char *sets[] = {"run.steps=5000", "optimizer.momentum=0.8"};
    if (fdrsim_model_from_string(model_text, "<example>", sets, 2, &m) != FDRSIM_OK) {
        fprintf(stderr, "api: %s\n", fdrsim_errmsg());
        return 2;
    }
    int a = run("INI text (d = 2, momentum 0.8):", m);
    fdrsim_model_free(m);

    /* 2. C arrays: a correlated quadratic and a noise covariance that does
     * not commute with it */
    const double H[4] = {2.0, 0.5, 0.5, 1.0}, C[4] = {1.0, 0.0, 0.0, 0.25};
    const char *run_keys[] = {"run.replicas=32", "run.steps=4000", "run.seed=3"};
    if (fdrsim_model_quadratic(2, H, C, "sgd", 0.2, run_keys, 3, &m) != FDRSIM_OK) {
        fprintf(stderr, "api: %s\n", fdrsim_errmsg());
        return 2;
    }
    printf("model of dimension %zu from C arrays\n", fdrsim_model_dim(m));
    int b = run("C arrays (plain SGD, lr 0.2):", m);
    fdrsim_model_free(m);

    /* 3. A misspelt key is refused, with file, line and key in the message. */
    char bad[sizeof model_text + 32];
    snprintf(bad, sizeof bad, "%s", model_text);
    memcpy(strstr(bad, "lr = "), "Lr = ", 5);
    int rc = fdrsim_model_from_string(bad, "<bad example>", NULL, 0, &m);
    printf("a misspelt key: status %d: %s\n", rc, fdrsim_errmsg());
    if (rc != FDRSIM_EINVAL || m)
        return 2;
    if (a < 0 || b < 0)
        return 2;
    return a && b ? 0 : 1;
}
