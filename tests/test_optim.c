/* test_optim.c - every optimizer type against its own contract (as GSL's
 * multimin tests loop over every minimizer): the stability limit against the
 * spectral radius of the type's linear map, the FDR1 factor against the
 * map's stationary moments, the update against the map by simulation, and
 * a heavy-ball type's map against the closed-form Lyapunov solution. Then
 * the README's "Adding an optimizer", tried: a small type defined and
 * registered only here, run by the engine. */
#include "helpers.h"
#include "lyapunov.h"
#include "optim.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

/* ---- the example type: SGD with its momentum buffer as optimizer state ----
 * PyTorch's convention: buf' = mu buf + (1 - nu) g, theta' = theta - lr buf'.
 * The displacement v = -lr buf is heavy-ball's, but the type keeps buf as
 * per-coordinate state and declares no heavy-ball coefficients, so the
 * engine steps it through update_block on its generic path. */

static int buf_heavy_ball(const fdr_optim_params *p, double lr, double *mu, double *eta_b)
{
    (void)p, (void)lr, (void)mu, (void)eta_b;
    return 0;
}

static void buf_update_block(const fdr_optim_params *p, size_t n, size_t d, const double *lr,
                             size_t lr_stride, double *v, const double *g, const double *z,
                             double *w, double *state)
{
    for (size_t r = 0; r < n; r++) {
        double eta = lr[r * lr_stride];
        for (size_t i = 0; i < d; i++) {
            size_t k = r * d + i;
            double gi = z ? g[k] + z[k] : g[k];
            if (w)
                w[k] = -eta * (p->momentum * state[k] + (1 - p->dampening) * g[k]);
            state[k] = p->momentum * state[k] + (1 - p->dampening) * gi;
            v[k] = -eta * state[k];
        }
    }
}

static double buf_fdr1_factor(const fdr_optim_params *p, double lr)
{
    return (1 + p->momentum) / (2 * lr * (1 - p->dampening));
}

static int buf_linear_map(const fdr_optim_params *p, double lr, double h, double A[4],
                          double b[2])
{
    double e = lr * (1 - p->dampening), a = e * h;
    A[0] = 1 - a;
    A[1] = p->momentum;
    A[2] = -a;
    A[3] = p->momentum;
    b[0] = b[1] = -e;
    return 1;
}

static double buf_max_stable_lr(const fdr_optim_params *p, double hmin, double hmax)
{
    if (!(hmin > 0) || !(p->momentum < 1) || !(p->dampening < 1))
        return 0;
    return 2 * (1 + p->momentum) / ((1 - p->dampening) * hmax);
}

static const fdr_optimizer_type example_buffered = {
    .name = "sgd-buffer",
    .summary = "test only: SGD with its momentum buffer as optimizer state",
    .state_size = 1,
    .heavy_ball = buf_heavy_ball,
    .update_block = buf_update_block,
    .fdr1_factor = buf_fdr1_factor,
    .linear_map = buf_linear_map,
    .max_stable_lr = buf_max_stable_lr,
};

/* The registry plus the example: what the contract tests loop over. */
static const fdr_optimizer_type *const *all_types(void)
{
    enum { MAXT = 16 };
    static const fdr_optimizer_type *list[MAXT];
    size_t n = 0;
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t; t++) {
        cr_assert_lt(n, MAXT - 2);
        list[n++] = *t;
    }
    list[n++] = &example_buffered;
    list[n] = NULL;
    return list;
}

static const fdr_optim_params PARAMS[] = {{0, 0}, {0.9, 0}, {0.5, 0.3}, {0.99, 0.5}};
static const double CURV[] = {0.3, 1, 7};
#define NPARAMS (sizeof PARAMS / sizeof *PARAMS)
#define NCURV (sizeof CURV / sizeof *CURV)

/* Spectral radius of a real 2 x 2 matrix (row-major). */
static double radius(const double A[4])
{
    double tr = A[0] + A[3], det = A[0] * A[3] - A[1] * A[2], disc = tr * tr / 4 - det;
    if (disc < 0)
        return sqrt(det);
    return fabs(tr / 2) + sqrt(disc);
}

/* The stationary second moment S = [[xx, xv], [xv, vv]] of (x, v) under the
 * map A, b with noise variance c, by iterating S <- A S A^T + c b b^T to a
 * fixed point (the map is stable). */
static void map_stationary(const double A[4], const double b[2], double c, double S[3])
{
    double xx = 0, xv = 0, vv = 0;
    for (int t = 0; t < 2000000; t++) {
        /* L = A S, S' = L A^T + c b b^T (S symmetric: S_vx = xv) */
        double lxx = A[0] * xx + A[1] * xv, lxv = A[0] * xv + A[1] * vv;
        double lvx = A[2] * xx + A[3] * xv, lvv = A[2] * xv + A[3] * vv;
        double nxx = lxx * A[0] + lxv * A[1] + c * b[0] * b[0];
        double nxv = lxx * A[2] + lxv * A[3] + c * b[0] * b[1];
        double nvv = lvx * A[2] + lvv * A[3] + c * b[1] * b[1];
        int done = fabs(nxx - xx) <= 1e-15 * fabs(nxx) && fabs(nvv - vv) <= 1e-15 * fabs(nvv);
        xx = nxx, xv = nxv, vv = nvv;
        if (done)
            break;
    }
    S[0] = xx, S[1] = xv, S[2] = vv;
}

Test(optim, registry_lookup_and_names)
{
    cr_assert_eq(fdr_optimizer_types[0], &fdr_optim_sgd, "sgd is the first type");
    char names[256];
    fdr_optimizer_type_names(names, sizeof names);
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t; t++) {
        cr_assert_eq(fdr_optimizer_type_find((*t)->name), *t);
        cr_assert_not_null(strstr(names, (*t)->name), "'%s' not in '%s'", (*t)->name, names);
        cr_assert((*t)->summary && (*t)->update_block && (*t)->fdr1_factor &&
                      (*t)->linear_map && (*t)->max_stable_lr && (*t)->heavy_ball,
                  "%s: a member is missing", (*t)->name);
    }
    cr_assert_null(fdr_optimizer_type_find("adam"));
    const char *msg = test_reject("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"
                                  "[optimizer]\ntype = adam\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "unknown optimizer 'adam' (known: sgd") && strstr(msg, "type"),
              "%s", msg ? msg : "(accepted)");
}

/* Just below max_stable_lr the map is stable in every direction of
 * [hmin, hmax]; just above it the hmax direction is not. */
Test(optim, stability_limit_is_where_the_map_turns_unstable)
{
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; k < NPARAMS; k++) {
            const fdr_optim_params *p = &PARAMS[k];
            double hmin = 0.3, hmax = 7, top = (*t)->max_stable_lr(p, hmin, hmax), A[4], b[2];
            cr_assert(top > 0 && isfinite(top), "%s: limit %g", (*t)->name, top);
            for (size_t i = 0; i < NCURV; i++) {
                cr_assert((*t)->linear_map(p, 0.999 * top, CURV[i], A, b));
                cr_assert_lt(radius(A), 1, "%s mu %g nu %g h %g: radius %.17g below the limit",
                             (*t)->name, p->momentum, p->dampening, CURV[i], radius(A));
            }
            cr_assert((*t)->linear_map(p, 1.001 * top, hmax, A, b));
            cr_assert_gt(radius(A), 1, "%s mu %g nu %g: radius %.17g above the limit", (*t)->name,
                         p->momentum, p->dampening, radius(A));
            cr_assert_eq((*t)->max_stable_lr(p, 0, hmax), 0, "%s: a flat direction", (*t)->name);
            cr_assert_eq((*t)->max_stable_lr(p, -1, hmax), 0, "%s: a negative one", (*t)->name);
        }
}

/* On a quadratic, FDR1 holds exactly in each eigen-direction at
 * stationarity: h <x^2> = c <v^2>, with c the type's factor. */
Test(optim, fdr1_factor_matches_the_maps_stationary_state)
{
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; k < NPARAMS; k++)
            for (size_t i = 0; i < NCURV; i++) {
                const fdr_optim_params *p = &PARAMS[k];
                double lr = 0.3 * (*t)->max_stable_lr(p, CURV[i], CURV[i]), A[4], b[2], S[3];
                cr_assert((*t)->linear_map(p, lr, CURV[i], A, b));
                map_stationary(A, b, 1.3, S);
                double lhs = CURV[i] * S[0], rhs = (*t)->fdr1_factor(p, lr) * S[2];
                cr_assert(fabs(lhs - rhs) <= 1e-9 * fabs(lhs),
                          "%s mu %g nu %g h %g: h <x^2> = %.17g, factor <v^2> = %.17g",
                          (*t)->name, p->momentum, p->dampening, CURV[i], lhs, rhs);
            }
}

/* A heavy-ball type's map and coefficients give the closed-form Lyapunov
 * solution of lyapunov.c, direction by direction. */
Test(optim, heavy_ball_map_matches_the_closed_form)
{
    int seen = 0;
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; k < NPARAMS; k++)
            for (size_t i = 0; i < NCURV; i++) {
                const fdr_optim_params *p = &PARAMS[k];
                double lr = 0.3 * (*t)->max_stable_lr(p, CURV[i], CURV[i]), mu, eta_b;
                if (!(*t)->heavy_ball(p, lr, &mu, &eta_b))
                    continue;
                seen = 1;
                double A[4], b[2], S[3], H = CURV[i], C = 1.3, xx, xv, vv;
                cr_assert((*t)->linear_map(p, lr, H, A, b));
                map_stationary(A, b, C, S);
                fdr_lyap *w = fdr_lyap_alloc(1, &H, &C);
                cr_assert_not_null(w);
                cr_assert_eq(fdr_lyap_stationary(w, eta_b, mu), FDR_OK, "%s", fdr_error_message());
                cr_assert_eq(fdr_lyap_blocks(w, &xx, &xv, &vv), FDR_OK);
                fdr_lyap_free(w);
                cr_assert(fabs(S[0] - xx) <= 1e-9 * xx && fabs(S[2] - vv) <= 1e-9 * vv &&
                              fabs(S[1] - xv) <= 1e-9 * sqrt(xx * vv),
                          "%s mu %g nu %g h %g: map (%.17g, %.17g, %.17g), closed form (%.17g, "
                          "%.17g, %.17g)",
                          (*t)->name, p->momentum, p->dampening, H, S[0], S[1], S[2], xx, xv, vv);
            }
    cr_assert(seen, "no heavy-ball type registered");
}

/* update_block, simulated on f = h x^2 / 2 with Gaussian noise of variance
 * c, reaches the map's stationary <x^2> and <v^2> (independent replicas,
 * fixed seed, |z| < 4). */
Test(optim, update_block_follows_the_linear_map)
{
    enum { R = 4000, STEPS = 400 };
    const double h = 1, c = 0.7;
    double *x = malloc(R * sizeof *x), *v = malloc(R * sizeof *v), *g = malloc(R * sizeof *g);
    double *state = malloc(8 * R * sizeof *state);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    cr_assert(x && v && g && state && rng);
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++) {
        cr_assert_leq((*t)->state_size, 8);
        const fdr_optim_params *p = &PARAMS[2];
        double lr = 0.4 * (*t)->max_stable_lr(p, h, h), A[4], b[2], S[3];
        cr_assert((*t)->linear_map(p, lr, h, A, b));
        map_stationary(A, b, c, S);
        gsl_rng_set(rng, 11);
        memset(x, 0, R * sizeof *x);
        memset(v, 0, R * sizeof *v);
        memset(state, 0, 8 * R * sizeof *state);
        for (int s = 0; s < STEPS; s++) {
            for (size_t r = 0; r < R; r++)
                g[r] = h * x[r] + gsl_ran_gaussian(rng, sqrt(c));
            (*t)->update_block(p, R, 1, &lr, 0, v, g, NULL, NULL, state);
            for (size_t r = 0; r < R; r++)
                x[r] += v[r];
        }
        double m[2] = {0}, q[2] = {0};
        for (size_t r = 0; r < R; r++) {
            double o[2] = {x[r] * x[r], v[r] * v[r]};
            for (int k = 0; k < 2; k++) {
                m[k] += o[k] / R;
                q[k] += o[k] * o[k] / R;
            }
        }
        const double exact[2] = {S[0], S[2]};
        for (int k = 0; k < 2; k++) {
            double err = sqrt((q[k] - m[k] * m[k]) / (R - 1));
            double z = (m[k] - exact[k]) / err;
            cr_assert_lt(fabs(z), 4, "%s: <%s^2> = %g +- %g, map %g (z = %.2f)", (*t)->name,
                         k ? "v" : "x", m[k], err, exact[k], z);
        }
    }
    gsl_rng_free(rng);
    free(x);
    free(v);
    free(g);
    free(state);
}

/* The example type, set on a model built for sgd, runs through the engine:
 * its state is the engine's, its FDR1 factor the relation's, and FDR1 closes
 * with <v . v> at the exact value of the equivalent sgd run. */
Test(optim, example_type_runs_in_the_engine)
{
    static const char ini[] = "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 4\n"
                              "rotation = random\n[noise]\ntype = gaussian\n"
                              "covariance = isotropic 1\n[optimizer]\nlr = 0.05\n"
                              "momentum = 0.5\ndampening = 0.2\n[run]\nreplicas = 64\n"
                              "steps = 20000\nseed = 3\nfdr2 = off\n";
    fdr_model *m = test_model(ini);
    fdr_exact ex;
    cr_assert_eq(fdr_exact_compute(m, &ex), FDR_OK, "%s", fdr_error_message());
    cr_assert(ex.available);
    double vv_exact = ex.tr.v_dot_v;
    fdr_exact_clear(&ex);
    m->opt = &example_buffered;
    test_run t = {.m = m};
    cr_assert_eq(fdr_exact_compute(m, &t.e), FDR_OK, "%s", fdr_error_message());
    cr_assert_not(t.e.available, "no closed form without heavy-ball coefficients");
    cr_assert_eq(fdr_engine_run(m, 1, 0, &t.r), FDR_OK, "%s", fdr_error_message());
    cr_assert_not(t.r->fused, "the fused path is for heavy-ball types");
    cr_assert_eq(fdr_analyse(m, t.r, &t.e, &t.a), FDR_OK);
    const fdr_relation *f1 = &t.a.rel[FDR_REL_FDR1];
    cr_assert_lt(fabs(f1->z), 4, "FDR1 z = %g", f1->z);
    const fdr_observable *vv = &t.a.obs[1];
    double z = (vv->est.val - vv_exact) / vv->est.err;
    cr_assert_lt(fabs(z), 4, "<v.v> = %g +- %g, exact %g", vv->est.val, vv->est.err, vv_exact);
    test_run_free(&t);
}

TestSuite(optim, .timeout = 120);
