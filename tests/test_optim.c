/* test_optim.c - every optimizer type against its own contract (as GSL's
 * multimin tests loop over every minimizer): the stability limit against the
 * spectral radius of the type's linear map, the FDR1 factor against the
 * map's stationary moments, the update against the map by simulation, and
 * a heavy-ball type's map against the closed-form Lyapunov solution. Then
 * the README's "Adding an optimizer", tried: a small type defined and
 * registered only here, run by the engine. */
#include "helpers.h"
#include "stats/estimators.h"
#include "exact/lyapunov.h"
#include "optim/optim.h"

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

/* The noise-free step is -eta (mu buf + (1 - nu) g) = mu v - eta (1 - nu) g. */
static int buf_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    c[0] = lr * (1 - p->dampening);
    c[1] = -p->momentum;
    return 1;
}

static int buf_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    double mu = p->momentum, nu = p->dampening;
    k->k_theta = (1 - nu) / (2 * (1 - mu));
    k->k_G = (1 - nu) * (1 - nu) / (2 * (1 - mu * mu));
    k->hessian = "2 (1 - mu^2) / (1 - nu)^2 G / eta -> Tr(H* C*)";
    k->curvature = "(1 + mu) / (1 - nu) G / <theta . grad f> -> Tr(H* C*) / Tr(C*)";
    k->noise_ball = "<f> - f* -> eta (1 - nu) Tr(C*) / (4 (1 - mu))";
    k->intercept = "a1 -> (1 - nu)^2 / (1 - mu^2) Tr(H* C*) / 2";
    return 1;
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
    .dissipation = buf_dissipation,
    .small_lr = buf_small_lr,
    .linear_map = buf_linear_map,
    .max_stable_lr = buf_max_stable_lr,
};

/* The registry plus the example: what the contract tests loop over. The
 * adaptive types have no linear map, so none of the contracts below: their
 * own are in test_adaptive.c. */
static const fdr_optimizer_type *const *all_types(void)
{
    enum { MAXT = 16 };
    static const fdr_optimizer_type *list[MAXT];
    size_t n = 0;
    for (const fdr_optimizer_type *const *t = fdr_optimizer_types; *t; t++) {
        cr_assert_lt(n, MAXT - 2);
        if (!(*t)->fdr1_approximate)
            list[n++] = *t;
    }
    list[n++] = &example_buffered;
    list[n] = NULL;
    return list;
}

#define PAPER FDR_CONVENTION_PAPER
#define PYTORCH FDR_CONVENTION_PYTORCH
#define HB(m, n, c) {.momentum = (m), .dampening = (n), .convention = (c)}
static const fdr_optim_params PARAMS[] = {HB(0, 0, PAPER), HB(0.9, 0, PAPER),
                                          HB(0.5, 0.3, PAPER), HB(0.99, 0.5, PAPER),
                                          HB(0.9, 0.2, PYTORCH)};
static const double CURV[] = {0.3, 1, 7};
#define NPARAMS (sizeof PARAMS / sizeof *PARAMS)
#define NCURV (sizeof CURV / sizeof *CURV)

/* 1 if type t accepts the hyperparameters p (a type may refuse some, as
 * nesterov a dampening: its stability limit is then 0). */
static int in_range(const fdr_optimizer_type *t, const fdr_optim_params *p)
{
    return t->max_stable_lr(p, 0.3, 7) > 0;
}

/* Momentum and dampening both if type t accepts them, else momentum. */
static const fdr_optim_params *some_params(const fdr_optimizer_type *t)
{
    static const size_t pref[] = {2, 1, 0};
    for (size_t k = 0; k < sizeof pref / sizeof *pref; k++)
        if (in_range(t, &PARAMS[pref[k]]))
            return &PARAMS[pref[k]];
    cr_assert_fail("%s accepts none of the test's hyperparameters", t->name);
    return NULL;
}

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

/* The stationary moments (xx, xv, vv) of (x, v) under type t's map A, b:
 * map_stationary's, or, when the map is on the type's own (x, s), those of
 * v' = x' - x = r . (x, s) + b[0] xi, r = (A[0] - 1, A[1]), written out
 * here independently of lyapunov.c. */
static void map_xv(const fdr_optimizer_type *t, const double A[4], const double b[2], double c,
                   double S[3])
{
    map_stationary(A, b, c, S);
    if (!t->own_map_state)
        return;
    double xx = S[0], xs = S[1], ss = S[2], r0 = A[0] - 1, r1 = A[1];
    double vv = r0 * r0 * xx + 2 * r0 * r1 * xs + r1 * r1 * ss + c * b[0] * b[0];
    S[1] = r0 * xx + r1 * xs + vv;
    S[2] = vv;
}

/* k of the type's FDR1 (optim.h), 0 without a gradient term. */
static double grad_factor(const fdr_optimizer_type *t, const fdr_optim_params *p, double lr)
{
    return t->fdr1_gradient_factor ? t->fdr1_gradient_factor(p, lr) : 0;
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
                      (*t)->linear_map && (*t)->max_stable_lr && (*t)->heavy_ball &&
                      (*t)->dissipation && (*t)->small_lr,
                  "%s: a member is missing", (*t)->name);
    }
    cr_assert_null(fdr_optimizer_type_find("adagrad"));
    const char *msg = test_reject("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"
                                  "[optimizer]\ntype = adagrad\nlr = 0.1\n");
    cr_assert(msg && strstr(msg, "unknown optimizer 'adagrad' (known: sgd") && strstr(msg, "type"),
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
            if (!in_range(*t, p))
                continue;
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
 * stationarity: h <x^2> = c <v^2> + k (h^2 <x^2> + C), with c and k the
 * type's factors. Every type is tried on at least two of the PARAMS. */
Test(optim, fdr1_factor_matches_the_maps_stationary_state)
{
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++) {
        size_t tried = 0;
        for (size_t k = 0; k < NPARAMS; k++)
            for (size_t i = 0; i < NCURV; i++) {
                const fdr_optim_params *p = &PARAMS[k];
                if (!in_range(*t, p))
                    continue;
                tried++;
                double lr = 0.3 * (*t)->max_stable_lr(p, CURV[i], CURV[i]), A[4], b[2], S[3];
                cr_assert((*t)->linear_map(p, lr, CURV[i], A, b));
                map_xv(*t, A, b, 1.3, S);
                double h = CURV[i], lhs = h * S[0],
                       rhs = (*t)->fdr1_factor(p, lr) * S[2] + grad_factor(*t, p, lr) *
                                                                   (h * h * S[0] + 1.3);
                cr_assert(fabs(lhs - rhs) <= 1e-9 * fabs(lhs),
                          "%s mu %g nu %g h %g: h <x^2> = %.17g, factor <v^2> = %.17g",
                          (*t)->name, p->momentum, p->dampening, CURV[i], lhs, rhs);
            }
        cr_assert_geq(tried, 2 * NCURV, "%s: tried on %zu", (*t)->name, tried);
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

/* The dissipation is -<grad f . w> with w the noise-free row of the map,
 * w = A[2] x + A[3] v, for every state: c[0] h = -A[2] and c[1] = -A[3]. At
 * stationarity on a quadratic it equals F2 = h <v^2> / 2 (FDR2 closes at
 * k = 2), which catches a wrong factor that the map would share. A type
 * may have no dissipation (nesterov); every heavy-ball type has one. */
Test(optim, dissipation_matches_the_map_and_closes_fdr2)
{
    int seen = 0;
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; k < NPARAMS; k++)
            for (size_t i = 0; i < NCURV; i++) {
                const fdr_optim_params *p = &PARAMS[k];
                double h = CURV[i], lr = 0.3 * (*t)->max_stable_lr(p, h, h), A[4], b[2], c[2],
                       S[3], mu, eta_b;
                int hb = (*t)->heavy_ball(p, lr, &mu, &eta_b);
                if (!(*t)->dissipation(p, lr, c)) {
                    cr_assert_not(hb, "%s: a heavy-ball type without dissipation", (*t)->name);
                    continue;
                }
                cr_assert_not((*t)->own_map_state, "%s: a map not on (x, v)", (*t)->name);
                seen = 1;
                cr_assert((*t)->linear_map(p, lr, h, A, b));
                cr_assert(fabs(c[0] * h + A[2]) <= 1e-15 * fabs(A[2]) &&
                              fabs(c[1] + A[3]) <= 1e-15 * fabs(A[3]),
                          "%s mu %g nu %g h %g: dissipation (%.17g, %.17g), map row (%.17g, "
                          "%.17g)",
                          (*t)->name, p->momentum, p->dampening, h, c[0], c[1], A[2], A[3]);
                map_stationary(A, b, 1.3, S);
                double D = c[0] * h * h * S[0] + c[1] * h * S[1], F2 = h * S[2] / 2;
                cr_assert(fabs(D - F2) <= 1e-9 * F2, "%s mu %g nu %g h %g: D = %.17g, F2 = %.17g",
                          (*t)->name, p->momentum, p->dampening, h, D, F2);
            }
    cr_assert(seen, "no type with a dissipation");
}

/* sgd's coefficients are the heavy-ball formulas of doc/theory.md sections
 * 3 and 4, every heavy-ball type's dissipation is (eta_b, -mu), and the
 * buffered example, the same dynamics kept differently, gives sgd's values. */
Test(optim, sgd_factors_are_the_heavy_ball_formulas)
{
    for (size_t k = 0; k < NPARAMS; k++) {
        const fdr_optim_params *p = &PARAMS[k];
        double mu = p->momentum, nu = p->dampening, lr = 0.07, c[2], e[2];
        fdr_small_lr ks, ke;
        cr_assert(fdr_optim_sgd.dissipation(p, lr, c) && fdr_optim_sgd.small_lr(p, &ks));
        cr_assert(c[0] == lr * (1 - nu) && c[1] == -mu, "mu %g nu %g: (%.17g, %.17g)", mu, nu,
                  c[0], c[1]);
        cr_assert_float_eq(ks.k_theta, (1 - nu) / (2 * (1 - mu)), 1e-15 * ks.k_theta);
        cr_assert_float_eq(ks.k_G, (1 - nu) * (1 - nu) / (2 * (1 - mu * mu)), 1e-15 * ks.k_G);
        /* The estimators' factors, as estimators.h writes them. */
        cr_assert_float_eq(1 / ks.k_G, 2 * (1 - mu * mu) / ((1 - nu) * (1 - nu)),
                           1e-15 / ks.k_G);
        cr_assert_float_eq(ks.k_theta / ks.k_G, (1 + mu) / (1 - nu), 1e-15 * (1 + mu) / (1 - nu));
        cr_assert(example_buffered.dissipation(p, lr, e) && example_buffered.small_lr(p, &ke));
        cr_assert(e[0] == c[0] && e[1] == c[1] && ke.k_theta == ks.k_theta && ke.k_G == ks.k_G,
                  "mu %g nu %g: the buffered example differs from sgd", mu, nu);
        for (const fdr_optimizer_type *const *t = all_types(); *t; t++) {
            double m, eta_b;
            if (!(*t)->heavy_ball(p, lr, &m, &eta_b))
                continue;
            cr_assert((*t)->dissipation(p, lr, c) && c[0] == eta_b && c[1] == -m,
                      "%s: dissipation (%.17g, %.17g) is not (eta_b, -mu) = (%.17g, %.17g)",
                      (*t)->name, c[0], c[1], eta_b, -m);
        }
    }
}

/* At small lr the map's stationary state has <theta . grad f> = h <x^2>
 * -> lr k_theta c and G = D / lr -> lr k_G h c, approached linearly in lr:
 * the distance is below 1e-3 at 1e-5 of the stability limit and shrinks
 * about tenfold from 1e-4. */
Test(optim, small_lr_limits_match_the_maps_stationary_state)
{
    int seen = 0;
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; k < NPARAMS; k++)
            for (size_t i = 0; i < NCURV; i++) {
                const fdr_optim_params *p = &PARAMS[k];
                fdr_small_lr ks;
                if (!(*t)->small_lr(p, &ks))
                    continue;
                seen = 1;
                double h = CURV[i], cn = 1.3, dev[2][2];
                for (int j = 0; j < 2; j++) {
                    double lr = (j ? 1e-5 : 1e-4) * (*t)->max_stable_lr(p, h, h), A[4], b[2],
                           c[2], S[3];
                    cr_assert((*t)->linear_map(p, lr, h, A, b) && (*t)->dissipation(p, lr, c));
                    map_stationary(A, b, cn, S);
                    double G = (c[0] * h * h * S[0] + c[1] * h * S[1]) / lr;
                    dev[j][0] = fabs(h * S[0] / (lr * cn) / ks.k_theta - 1);
                    dev[j][1] = fabs(G / (lr * h * cn) / ks.k_G - 1);
                }
                for (int q = 0; q < 2; q++) {
                    double ratio = dev[0][q] / dev[1][q];
                    cr_assert(dev[1][q] < 1e-3 && ratio > 8 && ratio < 12,
                              "%s mu %g nu %g h %g: %s off by %g at 1e-5, ratio %g", (*t)->name,
                              p->momentum, p->dampening, h, q ? "k_G" : "k_theta", dev[1][q],
                              ratio);
                }
            }
    cr_assert(seen, "no type with small-lr limits");
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
        const fdr_optim_params *p = some_params(*t);
        double lr = 0.4 * (*t)->max_stable_lr(p, h, h), A[4], b[2], S[3];
        cr_assert((*t)->linear_map(p, lr, h, A, b));
        map_xv(*t, A, b, c, S);
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
 * with <v . v> at the exact value of the equivalent sgd run, which the
 * example's own exact reference (its map's solve, not the closed form)
 * reproduces. */
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
    cr_assert(t.e.available, "%s", t.e.why_not);
    cr_assert(fabs(t.e.tr.v_dot_v - vv_exact) <= 1e-10 * vv_exact, "map solve %.17g, closed form "
              "%.17g", t.e.tr.v_dot_v, vv_exact);
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

/* The carry over a change of lr (optim.h): 1 in the paper's convention for
 * every type that has one, whatever the rates; sgd's is lr_new / lr_old in
 * PyTorch's. */
Test(optim, carry_is_one_in_the_paper_convention_and_the_rate_ratio_in_pytorchs)
{
    static const double rates[][2] = {{0.1, 0.01}, {0.01, 0.1}, {0.3, 0.3}, {2e-7, 5}};
    int seen = 0;
    for (const fdr_optimizer_type *const *t = all_types(); *t; t++)
        for (size_t k = 0; (*t)->carry && k < NPARAMS; k++)
            for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
                fdr_optim_params p = PARAMS[k];
                p.convention = FDR_CONVENTION_PAPER;
                seen = 1;
                cr_assert_eq((*t)->carry(&p, rates[i][0], rates[i][1]), 1, "%s", (*t)->name);
            }
    cr_assert(seen, "no type with a carry");
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
        fdr_optim_params p = HB(0.9, 0.2, PYTORCH);
        double c = fdr_optim_sgd.carry(&p, rates[i][0], rates[i][1]);
        cr_assert_eq(c, rates[i][1] / rates[i][0], "sgd, %g -> %g: %.17g", rates[i][0],
                     rates[i][1], c);
    }
}

/* An observer that cuts every rate tenfold at step 200 and triples it at
 * step 400, and sums each replica's loss over the run. */
static void decay_observe(void *ctx, const fdr_step_view *v)
{
    double *loss = ctx, f = v->t + 1 == 200 ? 0.1 : v->t + 1 == 400 ? 3 : 1;
    for (size_t r = 0; r < v->n; r++) {
        loss[v->first + r] += v->obs[r * FDR_NOBS + FDR_OBS_LOSS];
        v->lr[r] *= f;
    }
}

/* Runs m under decay_observe: the replicas' final theta (R x d) and loss sums (R). */
static void run_decay(const fdr_model *m, double *theta, double *loss)
{
    size_t R = (size_t)m->replicas, d = m->land->dim;
    memset(loss, 0, R * sizeof *loss);
    fdr_observer ob = {0, loss, decay_observe};
    fdr_engine_opts o = {.threads = 1, .observers = &ob, .n_observers = 1};
    fdr_engine *e;
    cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK, "%s", fdr_error_message());
    for (size_t r = 0; r < R; r++)
        fdr_engine_theta(e, r, theta + r * d);
    fdr_engine_free(e);
}

/* The largest |a_k - b_k| over n entries, relative to the rms of b. */
static double max_rel_diff(const double *a, const double *b, size_t n)
{
    double dmax = 0, ss = 0;
    for (size_t k = 0; k < n; k++) {
        dmax = fmax(dmax, fabs(a[k] - b[k]));
        ss += b[k] * b[k];
    }
    return dmax / sqrt(ss / (double)n);
}

/* convention = pytorch is PyTorch's SGD: through a tenfold cut of the lr
 * and a tripling, sgd in that convention, on the fused quadratic path and
 * on the general one, ends where the example type that keeps PyTorch's
 * buffer itself ends, on the same noise (to rounding: the paths round
 * differently), and sgd in the paper's convention does not. */
Test(optim, pytorch_convention_is_pytorchs_buffer_on_every_path)
{
    enum { R = 12, D = 5 };
    static const char ini[] = "[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.2 2\n"
                              "[noise]\ncovariance = diagonal 1 2 0.5 1 3\n[optimizer]\n"
                              "lr = 0.1\nmomentum = 0.9\ndampening = 0.2\nconvention = pytorch\n"
                              "[run]\nreplicas = 12\nsteps = 420\ninit = 1\n";
    fdr_model *m = test_model(ini);
    cr_assert_eq(m->convention, FDR_CONVENTION_PYTORCH);
    fdr_result *res;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &res), FDR_OK, "%s", fdr_error_message());
    cr_assert(res->fused, "this model runs on the fused path");
    fdr_result_free(res);
    double fused[R * D], general[R * D], buffer[R * D], paper[R * D];
    double lf[R], lg[R], lb[R], lp[R];
    run_decay(m, fused, lf);
    double *sdiag = m->noise->sdiag;
    m->noise->sdiag = NULL; /* the general path */
    run_decay(m, general, lg);
    m->noise->sdiag = sdiag;
    m->opt = &example_buffered;
    run_decay(m, buffer, lb);
    m->opt = &fdr_optim_sgd;
    m->convention = FDR_CONVENTION_PAPER;
    run_decay(m, paper, lp);
    double df = max_rel_diff(fused, buffer, R * D), dg = max_rel_diff(general, buffer, R * D);
    double dp = max_rel_diff(paper, buffer, R * D);
    cr_assert(df < 1e-12 && dg < 1e-12, "theta off PyTorch's: fused %g, general %g", df, dg);
    cr_assert(max_rel_diff(lf, lb, R) < 1e-12 && max_rel_diff(lg, lb, R) < 1e-12,
              "the losses along the way differ: fused %g, general %g", max_rel_diff(lf, lb, R),
              max_rel_diff(lg, lb, R));
    cr_assert_gt(dp, 0.1, "the paper's convention ends where PyTorch's does (%g)", dp);
    cr_assert_gt(max_rel_diff(lp, lb, R), 1e-2, "the losses agree (%g)", max_rel_diff(lp, lb, R));
    fdr_model_free(m);
}

/* At a constant lr the carry is never applied: a run with the relations on
 * is the same in both conventions, bit for bit, on the fused path (a
 * diagonal quadratic) and the general one (a quartic). */
Test(optim, the_conventions_are_the_same_run_at_a_constant_lr)
{
    static const char *const ini[] = {
        "[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.2 2\n[noise]\n"
        "covariance = diagonal 1 2 0.5 1 3\n[optimizer]\nlr = 0.1\nmomentum = 0.9\n"
        "dampening = 0.2\n[run]\nreplicas = 16\nsteps = 2000\ninit = 1\n",
        "[landscape]\ntype = quartic\ndim = 3\nh = 1 2 0.5\ncubic = 0.5\nquartic = 1\n"
        "[noise]\ncovariance = isotropic 1\n[optimizer]\nlr = 0.05\nmomentum = 0.9\n"
        "[run]\nreplicas = 16\nsteps = 2000\ninit = 1\n"};
    for (int k = 0; k < 2; k++) {
        fdr_model *m = test_model(ini[k]);
        fdr_result *a, *b;
        cr_assert_eq(fdr_engine_run(m, 1, 0, &a), FDR_OK, "%s", fdr_error_message());
        m->convention = FDR_CONVENTION_PYTORCH;
        cr_assert_eq(fdr_engine_run(m, 1, 0, &b), FDR_OK, "%s", fdr_error_message());
        cr_assert_eq(a->fused, k == 0);
        size_t nb = a->R * FDR_NBATCH * FDR_NOBS, nt = a->n_rec * FDR_NTS;
        cr_assert(memcmp(a->bsum, b->bsum, nb * sizeof *a->bsum) == 0 &&
                      memcmp(a->sumsq, b->sumsq, a->R * FDR_NOBS * sizeof *a->sumsq) == 0 &&
                      memcmp(a->vsum, b->vsum, a->units * a->d * sizeof *a->vsum) == 0 &&
                      memcmp(a->ts, b->ts, nt * sizeof *a->ts) == 0,
                  "model %d: the conventions differ at a constant lr", k);
        fdr_result_free(a);
        fdr_result_free(b);
        fdr_model_free(m);
    }
}

/* An orthogonal 3 x 3 matrix (three Givens rotations) Q, and H = Q diag(h) Q^T. */
static void rotated(const double h[3], double H[9])
{
    double Q[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double ang[3] = {0.7, -0.4, 1.1};
    for (int k = 0; k < 3; k++) {
        int i = k, j = (k + 1) % 3;
        double c = cos(ang[k]), s = sin(ang[k]);
        for (int r = 0; r < 3; r++) {
            double a = Q[r * 3 + i], b = Q[r * 3 + j];
            Q[r * 3 + i] = c * a - s * b;
            Q[r * 3 + j] = s * a + c * b;
        }
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            H[i * 3 + j] = 0;
            for (int k = 0; k < 3; k++)
                H[i * 3 + j] += Q[i * 3 + k] * h[k] * Q[j * 3 + k];
        }
}

/* C = A B^T (+ D if not NULL) for 6 x 6 row-major matrices. */
static void mul_abt6(const double *A, const double *B, const double *D, double *C)
{
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double s = D ? D[i * 6 + j] : 0;
            for (int k = 0; k < 6; k++)
                s += A[i * 6 + k] * B[j * 6 + k];
            C[i * 6 + j] = s;
        }
}

/* Nesterov's exact stationary moments (the map's pairwise LU solve in H's
 * eigenbasis, v read off the map) against an independent solve: the full
 * 6 x 6 recursion M <- A M A^T + Q of z = (x, u), u = -lr b, iterated to
 * its fixed point in the original basis, with v = x - x_prev = R z_prev +
 * noise, on a rotated H and a C that does not commute with it. Entries
 * agree to 1e-10 of their block's largest, and the exact traces satisfy
 * the type's FDR1 to 1e-12. */
Test(optim, nesterov_exact_matches_an_independent_solve)
{
    const double h[3] = {0.5, 1.3, 3}, C[9] = {1.0, 0.3, -0.2, 0.3, 0.7, 0.1, -0.2, 0.1, 0.5};
    const double mus[] = {0.5, 0.9, 0.99};
    double H[9];
    rotated(h, H);
    for (size_t q = 0; q < sizeof mus / sizeof *mus; q++) {
        fdr_optim_params p = {.momentum = mus[q]};
        double mu = p.momentum, lr = 0.5 * fdr_optim_nesterov.max_stable_lr(&p, h[0], h[2]);
        /* A = [[I - (1 + mu) lr H, mu^2 I], [-lr H, mu I]], noise B xi with
         * B = [-(1 + mu) lr I; -lr I]: Q = B C B^T. */
        const double bn[2] = {-(1 + mu) * lr, -lr};
        double A[36] = {0}, Qn[36], M[36] = {0}, AM[36], N[36];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                A[i * 6 + j] = (i == j) - (1 + mu) * lr * H[i * 3 + j];
                A[(i + 3) * 6 + j] = -lr * H[i * 3 + j];
                A[i * 6 + j + 3] = (i == j) * mu * mu;
                A[(i + 3) * 6 + j + 3] = (i == j) * mu;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++)
                        Qn[(i + 3 * a) * 6 + j + 3 * b] = bn[a] * bn[b] * C[i * 3 + j];
            }
        /* Rounding keeps the step's change near 1e-16 of the moment: once it
         * is below 1e-14, the iteration goes on as long again. */
        int converged = 0, settle = 0;
        for (int it = 0; it < 1000000 && (!converged || it < 2 * settle); it++) {
            mul_abt6(A, M, NULL, AM); /* A M, M being symmetric */
            mul_abt6(AM, A, Qn, N);
            double change = 0, size = 0;
            for (int k = 0; k < 36; k++) {
                change = fmax(change, fabs(N[k] - M[k]));
                size = fmax(size, fabs(N[k]));
                M[k] = N[k];
            }
            if (!converged && change <= 1e-14 * size) {
                converged = 1;
                settle = it;
            }
        }
        cr_assert(converged, "mu %g: the iteration did not settle", mu);
        /* R = [-(1 + mu) lr H, mu^2 I]: <v v^T> = R M R^T + (1 + mu)^2 lr^2 C,
         * <x v^T> = [I 0] M R^T + <v v^T>. */
        double Rm[18], RM[18], xx[9], xv[9], vv[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                Rm[i * 6 + j] = -(1 + mu) * lr * H[i * 3 + j];
                Rm[i * 6 + j + 3] = (i == j) * mu * mu;
            }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 6; j++) {
                RM[i * 6 + j] = 0;
                for (int k = 0; k < 6; k++)
                    RM[i * 6 + j] += Rm[i * 6 + k] * M[k * 6 + j];
            }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double s = bn[0] * bn[0] * C[i * 3 + j], t = 0;
                for (int k = 0; k < 6; k++) {
                    s += RM[i * 6 + k] * Rm[j * 6 + k];
                    t += M[i * 6 + k] * Rm[j * 6 + k];
                }
                vv[i * 3 + j] = s;
                xv[i * 3 + j] = t + s;
                xx[i * 3 + j] = M[i * 6 + j];
            }
        fdr_lyap *w = fdr_lyap_alloc(3, H, C);
        cr_assert_not_null(w);
        cr_assert_eq(fdr_lyap_stationary_map(w, &fdr_optim_nesterov, &p, lr), FDR_OK, "%s",
                     fdr_error_message());
        double Mtt[9], Mtv[9], Mvv[9];
        cr_assert_eq(fdr_lyap_blocks(w, Mtt, Mtv, Mvv), FDR_OK);
        const double *mine[3] = {Mtt, Mtv, Mvv}, *ref[3] = {xx, xv, vv};
        for (int b = 0; b < 3; b++) {
            double big = 0;
            for (int k = 0; k < 9; k++)
                big = fmax(big, fabs(ref[b][k]));
            for (int k = 0; k < 9; k++)
                cr_assert(fabs(mine[b][k] - ref[b][k]) <= 1e-10 * big,
                          "mu %g block %d entry %d: lyapunov %.17g, iterated %.17g", mu, b, k,
                          mine[b][k], ref[b][k]);
        }
        fdr_lyap_traces tr;
        fdr_lyap_traces_get(w, &tr);
        double rhs = fdr_optim_nesterov.fdr1_factor(&p, lr) * tr.v_dot_v +
                     fdr_optim_nesterov.fdr1_gradient_factor(&p, lr) * (tr.grad_sq + tr.tr_C);
        cr_assert(fabs(tr.theta_dot_grad - rhs) <= 1e-12 * tr.theta_dot_grad,
                  "mu %g: exact <theta . grad f> %.17g, FDR1 side %.17g", mu, tr.theta_dot_grad,
                  rhs);
        cr_assert_eq(fdr_lyap_step(w, &fdr_optim_nesterov, &p, lr), FDR_EINVAL,
                     "no transient for a map on the buffer");
        double top = fdr_optim_nesterov.max_stable_lr(&p, h[0], h[2]);
        fdr_error_clear();
        cr_assert_eq(fdr_lyap_stationary_map(w, &fdr_optim_nesterov, &p, 1.001 * top),
                     FDR_EUNSTABLE);
        cr_assert(strstr(fdr_error_message(), "largest stable learning rate"), "%s",
                  fdr_error_message());
        fdr_lyap_free(w);
    }
}

/* Heavy-ball's factor (1 + mu) / (2 lr) in place of nesterov's. */
static double heavy_ball_factor(const fdr_optim_params *p, double lr)
{
    return (1 + p->momentum) / (2 * lr);
}

/* A Nesterov run on a rotated quadratic with non-commuting noise closes its
 * FDR1 and meets the exact <theta . grad f>, <|v|^2> and <|grad f|^2> (|z|
 * < 4); twins with a wrong relation, heavy-ball's factor or nesterov's
 * without its gradient term, fail FDR1 on the same run by far. */
Test(optim, nesterov_run_closes_fdr1_and_twins_fail)
{
    static const char ini[] = "[landscape]\ntype = quadratic\ndim = 4\nspectrum = log 0.5 4\n"
                              "rotation = random\n[noise]\ntype = gaussian\n"
                              "covariance = spectrum log 2 0.1\ncovariance_rotation = random\n"
                              "[optimizer]\ntype = nesterov\nlr = 0.1\nmomentum = 0.9\n"
                              "[run]\nreplicas = 64\nsteps = 20000\nseed = 4\nfdr2 = off\n";
    test_run t;
    test_run_model(&t, ini, 1);
    cr_assert(t.e.available, "%s", t.e.why_not);
    cr_assert_eq(t.r->ntens, 0, "no tensor FDR1 for nesterov");
    const fdr_relation *f1 = &t.a.rel[FDR_REL_FDR1];
    cr_assert(fabs(f1->lhs_exact - f1->rhs_exact) <= 1e-12 * f1->lhs_exact, "exact %.17g, %.17g",
              f1->lhs_exact, f1->rhs_exact);
    cr_assert(f1->pass && fabs(f1->z) < 4, "FDR1 z = %g", f1->z);
    for (int k = 0; k < 3; k++) {
        const fdr_observable *o = &t.a.obs[k];
        double z = (o->est.val - o->exact) / o->est.err;
        cr_assert_lt(fabs(z), 4, "%s = %g +- %g, exact %g", o->key, o->est.val, o->est.err,
                     o->exact);
    }
    fdr_optimizer_type hb = fdr_optim_nesterov, noterm = fdr_optim_nesterov;
    hb.fdr1_factor = heavy_ball_factor;
    hb.fdr1_gradient_factor = NULL;
    noterm.fdr1_gradient_factor = NULL;
    const fdr_optimizer_type *twins[] = {&hb, &noterm};
    for (int k = 0; k < 2; k++) {
        t.m->opt = twins[k];
        fdr_analysis b;
        cr_assert_eq(fdr_analyse(t.m, t.r, &t.e, &b), FDR_OK);
        const fdr_relation *bad = &b.rel[FDR_REL_FDR1];
        cr_assert(!bad->pass && fabs(bad->z) > 40, "twin %d: FDR1 z = %g", k, bad->z);
        fdr_analysis_clear(&b);
    }
    t.m->opt = &fdr_optim_nesterov;
    test_run_free(&t);
}

/* sgd's dissipation, doubled: a type whose FDR2 side differs. */
static int doubled_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    fdr_optim_sgd.dissipation(p, lr, c);
    c[0] *= 2;
    c[1] *= 2;
    return 1;
}

/* FDR2's dissipation side is the type's: the same run analysed with a type
 * that differs from sgd only in its dissipation gives twice the dissipation
 * (measured and exact) and a failing FDR2, where sgd's closes. */
Test(optim, fdr2_dissipation_comes_from_the_type)
{
    static const char ini[] = "[landscape]\ntype = quadratic\ndim = 3\nspectrum = log 0.5 2\n"
                              "[noise]\ntype = gaussian\ncovariance = isotropic 1\n"
                              "[optimizer]\nlr = 0.1\nmomentum = 0.5\ndampening = 0.2\n"
                              "[run]\nreplicas = 32\nsteps = 4000\nseed = 5\n";
    test_run t;
    test_run_model(&t, ini, 1);
    const fdr_relation *ok = fdr_analysis_find(&t.a, "FDR2.harmonic");
    cr_assert_not_null(ok);
    cr_assert_lt(fabs(ok->z), 4, "sgd: FDR2.harmonic z = %g", ok->z);
    fdr_est d1 = t.a.fdr2.dissipation;
    double x1 = t.a.fdr2.dissipation_exact;
    cr_assert(isfinite(x1) && d1.err > 0);
    fdr_optimizer_type other = fdr_optim_sgd;
    other.dissipation = doubled_dissipation;
    t.m->opt = &other;
    fdr_analysis b;
    cr_assert_eq(fdr_analyse(t.m, t.r, &t.e, &b), FDR_OK);
    cr_assert(b.fdr2.measured);
    cr_assert_float_eq(b.fdr2.dissipation.val, 2 * d1.val, 1e-12 * fabs(d1.val));
    cr_assert_float_eq(b.fdr2.dissipation_exact, 2 * x1, 1e-12 * fabs(x1));
    const fdr_relation *bad = fdr_analysis_find(&b, "FDR2.harmonic");
    cr_assert_gt(fabs(bad->z), 4, "a doubled dissipation still closes: z = %g", bad->z);
    fdr_analysis_clear(&b);
    t.m->opt = &fdr_optim_sgd;
    test_run_free(&t);
}

static int no_small_lr(const fdr_optim_params *p, fdr_small_lr *k)
{
    (void)p, (void)k;
    return 0;
}

static int no_dissipation(const fdr_optim_params *p, double lr, double c[2])
{
    (void)p, (void)lr, (void)c;
    return 0;
}

/* A type that cannot give the small-lr factors leaves the estimators that
 * need them unavailable (NAN, said so in their description), while G, its
 * fit and the estimators free of the factors stay as with sgd; one without
 * a dissipation has no G at all and is refused. */
Test(optim, estimators_without_the_types_factors_are_unavailable)
{
    static const double lr[] = {0.02, 0.04, 0.08, 0.16};
    fdr_optimizer_type nosmall = fdr_optim_sgd, nodiss = fdr_optim_sgd;
    nosmall.small_lr = no_small_lr;
    nodiss.dissipation = no_dissipation;
    fdr_point with[4], without[4];
    fdr_limits lw, lo;
    for (int i = 0; i < 4; i++) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[landscape]\ntype = quadratic\ndim = 3\nspectrum = log 0.5 2\n[noise]\n"
                 "type = gaussian\ncovariance = isotropic 1\n[optimizer]\nlr = %g\n"
                 "momentum = 0.5\n[run]\nreplicas = 16\nsteps = 2000\nseed = %d\nfdr2 = off\n",
                 lr[i], i + 1);
        fdr_model *m = test_model(ini);
        if (i == 0) {
            cr_assert_eq(fdr_limits_compute(m, &lw), FDR_OK);
            m->opt = &nosmall;
            cr_assert_eq(fdr_limits_compute(m, &lo), FDR_OK);
            cr_assert(lw.small && !lo.small && lo.available);
            m->opt = &fdr_optim_sgd;
        }
        fdr_result *r = NULL;
        cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_OK, "%s", fdr_error_message());
        fdr_harmonic_values hv;
        fdr_harmonic_at(&lw, lr[i], &hv);
        cr_assert_eq(fdr_point_measure(m, r, &lw, &hv, &with[i]), FDR_OK);
        m->opt = &nosmall;
        cr_assert_eq(fdr_point_measure(m, r, &lo, &hv, &without[i]), FDR_OK);
        cr_assert(isfinite(with[i].hessian.val) && isfinite(with[i].curvature.val));
        cr_assert(isnan(without[i].hessian.val) && isnan(without[i].curvature.val) &&
                      isnan(without[i].hessian_exact) && isnan(without[i].curvature_exact),
                  "lr %g: an estimator without its factors", lr[i]);
        cr_assert(without[i].G.val == with[i].G.val && without[i].G.err == with[i].G.err);
        m->opt = &nodiss;
        fdr_error_clear();
        fdr_point p;
        cr_assert_eq(fdr_point_measure(m, r, &lw, &hv, &p), FDR_EINVAL);
        cr_assert(strstr(fdr_error_message(), "no dissipation"), "%s", fdr_error_message());
        m->opt = &fdr_optim_sgd;
        fdr_result_free(r);
        fdr_model_free(m);
    }
    fdr_sweep_fit fw, fo;
    cr_assert_eq(fdr_sweep_fit_compute(with, 4, &lw, &fw), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_sweep_fit_compute(without, 4, &lo, &fo), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fw.nest, fo.nest);
    for (size_t i = 0; i < fo.nest; i++) {
        const fdr_estimator *a = &fw.est[i], *e = &fo.est[i];
        cr_assert_str_eq(a->name, e->name);
        int needs = strcmp(e->name, "hessian_magnitude") == 0 || strcmp(e->name, "curvature") == 0 ||
                    strcmp(e->name, "curvature_limit") == 0;
        int limit = strcmp(e->name, "noise_ball") == 0 || strcmp(e->name, "intercept_a1") == 0;
        cr_assert(isfinite(a->est.val) && isfinite(a->exact), "sgd: %s", a->name);
        if (needs)
            cr_assert(isnan(e->est.val) && isnan(e->z) && strstr(e->what, "not available"),
                      "%s: %g (%s)", e->name, e->est.val, e->what);
        else if (limit)
            cr_assert(e->est.val == a->est.val && isnan(e->exact) && isnan(e->z) &&
                          strstr(e->what, "needs the optimizer's"),
                      "%s: %g, limit %g (%s)", e->name, e->est.val, e->exact, e->what);
    }
    cr_assert(isnan(fo.curv.c[0]) && isnan(fo.curv.chisq) && isfinite(fw.curv.c[0]));
    fdr_sweep_fit_clear(&fw);
    fdr_sweep_fit_clear(&fo);
    fdr_limits_clear(&lw);
    fdr_limits_clear(&lo);
}

TestSuite(optim, .timeout = 120);
