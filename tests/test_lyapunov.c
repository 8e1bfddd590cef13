/* test_lyapunov.c - the eigenbasis Lyapunov solver against the commuting
 * closed form, against brute-force iteration of the full 2d x 2d moment
 * equation, against the exact FDR identities, and at the stability edge. */
#include "core/fdr.h"
#include "exact/lyapunov.h"

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The heavy-ball map with eta_b and mu (dampening 0), through the sgd type. */
static int hb_step(fdr_lyap *w, double eta_b, double mu)
{
    const fdr_optim_params p = {.momentum = mu, .dampening = 0};
    return fdr_lyap_step(w, &fdr_optim_sgd, &p, eta_b);
}

static void hb_step_traces(fdr_lyap *w, double eta_b, double mu)
{
    const fdr_optim_params p = {.momentum = mu, .dampening = 0};
    cr_assert_eq(fdr_lyap_step_traces(w, &fdr_optim_sgd, &p, eta_b), FDR_OK);
}

/* The sgd type's largest stable lr on w's spectrum for mu and nu. */
static double hb_max_lr(const fdr_lyap *w, double mu, double nu)
{
    const fdr_optim_params p = {.momentum = mu, .dampening = nu};
    return fdr_lyap_max_stable_lr(w, &fdr_optim_sgd, &p);
}

/* The (eta_b, mu) pairs at which doc/theory.md section 5 confirmed the closed form. */
static const struct {
    double eta, mu;
} params[] = {{0.05, 0.9}, {0.1, 0.0}, {0.2, 0.5}};
#define NPARAMS (sizeof params / sizeof params[0])

/* Eigenvalue positions as fractions of the stability bound 2 (1 + mu) / eta:
 * from slow (0.02) to close to the edge (0.95). */
static const double fracs[] = {0.02, 0.2, 0.5, 0.8, 0.95};

/* A zero-filled array of n doubles; fails the test if memory runs out. */
static double *zeros(size_t n)
{
    double *p = calloc(n, sizeof *p);
    cr_assert_not_null(p);
    return p;
}

/* Replaces the symmetric d x d matrix M by P M P, P = I - 2 u u^T (|u| = 1):
 * M - 2 u w^T - 2 w u^T + 4 (u.w) u u^T with w = M u, exactly symmetric. */
static void reflect(size_t d, const double *u, double *M, double *wbuf)
{
    double s = 0;
    for (size_t i = 0; i < d; i++) {
        double wi = 0;
        for (size_t k = 0; k < d; k++)
            wi += M[i * d + k] * u[k];
        wbuf[i] = wi;
        s += u[i] * wi;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            M[i * d + j] = M[j * d + i] =
                M[i * d + j] - 2 * (u[i] * wbuf[j] + wbuf[i] * u[j]) + 4 * s * u[i] * u[j];
}

/* Writes R diag(h) R^T into M, R the product of nref Householder reflections
 * with Gaussian directions drawn from seed: the same seed gives the same R,
 * so two spectra rotated with one seed commute. */
static void rotated(size_t d, const double *h, size_t nref, unsigned long seed, double *M)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *u = zeros(d), *wbuf = zeros(d);
    gsl_rng_set(r, seed);
    memset(M, 0, d * d * sizeof *M);
    for (size_t i = 0; i < d; i++)
        M[i * d + i] = h[i];
    for (size_t k = 0; k < nref; k++) {
        double n2 = 0;
        for (size_t i = 0; i < d; i++) {
            u[i] = gsl_ran_gaussian(r, 1.0);
            n2 += u[i] * u[i];
        }
        for (size_t i = 0; i < d; i++)
            u[i] /= sqrt(n2);
        reflect(d, u, M, wbuf);
    }
    free(u);
    free(wbuf);
    gsl_rng_free(r);
}

/* doc/theory.md's commuting closed form for one eigen-direction:
 * <x^2> = eta/(1-mu) c / ((2 - eta h/(1+mu)) h). */
static double closed_tt(double eta, double mu, double h, double c)
{
    return eta / (1 - mu) * c / ((2 - eta * h / (1 + mu)) * h);
}

static double maxabs(size_t n, const double *a)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k]));
    return m;
}

static double maxdiff(size_t n, const double *a, const double *b)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k] - b[k]));
    return m;
}

/* The full 2d x 2d A and Q of doc/theory.md section 5, built entry by entry. */
static void full_AQ(size_t d, const double *H, const double *C, double eta, double mu,
                    double *A, double *Q)
{
    size_t n = 2 * d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            A[i * n + j] = (i == j) - eta * H[i * d + j];
            A[(d + i) * n + j] = -eta * H[i * d + j];
            A[i * n + d + j] = A[(d + i) * n + d + j] = (i == j) ? mu : 0;
            Q[i * n + j] = Q[i * n + d + j] = Q[(d + i) * n + j] = Q[(d + i) * n + d + j] =
                eta * eta * C[i * d + j];
        }
}

/* M <- A M A^T + Q on n x n matrices, plain loops; tmp holds n x n. */
static void full_step(size_t n, const double *A, const double *Q, double *M, double *tmp)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += A[i * n + k] * M[k * n + j];
            tmp[i * n + j] = s;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = Q[i * n + j];
            for (size_t k = 0; k < n; k++)
                s += tmp[i * n + k] * A[j * n + k];
            M[i * n + j] = s;
        }
}

/* Assembles the full 2d x 2d moment from the solver's blocks. */
static void full_from_blocks(const fdr_lyap *w, size_t d, double *M)
{
    size_t n = 2 * d;
    double *tt = zeros(d * d), *tv = zeros(d * d), *vv = zeros(d * d);
    cr_assert_eq(fdr_lyap_blocks(w, tt, tv, vv), FDR_OK);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            M[i * n + j] = tt[i * d + j];
            M[i * n + d + j] = tv[i * d + j];
            M[(d + i) * n + j] = tv[j * d + i];
            M[(d + i) * n + d + j] = vv[i * d + j];
        }
    free(tt);
    free(tv);
    free(vv);
}

/* A non-commuting pair: H with eigenvalues fracs * 2 (1 + mu) / eta (the
 * last d - 5 spread between them), C with eigenvalues 0.3 .. 1.7, rotated by
 * independent dense random rotations (H stays diagonal with diagonal_h, the
 * solver's shortcut). */
static void noncommuting_h(size_t d, double eta, double mu, int diagonal_h, double *H, double *C)
{
    double *h = zeros(d), *c = zeros(d);
    for (size_t i = 0; i < d; i++) {
        double f = i < 5 ? fracs[i] : 0.02 + 0.93 * (double)(i - 5) / (double)d;
        h[i] = f * 2 * (1 + mu) / eta;
        c[i] = 0.3 + 1.4 * (double)i / (double)d;
    }
    if (diagonal_h) {
        for (size_t k = 0; k < d * d; k++)
            H[k] = 0;
        for (size_t i = 0; i < d; i++)
            H[i * d + i] = h[i];
    } else {
        rotated(d, h, d, 11, H);
    }
    rotated(d, c, d, 23, C);
    free(h);
    free(c);
}

static void noncommuting(size_t d, double eta, double mu, double *H, double *C)
{
    noncommuting_h(d, eta, mu, 0, H, C);
}

Test(lyapunov, alloc_rejects_bad_input_and_starts_at_zero)
{
    double H[4] = {2, 0.5, 0.5, 1}, C[4] = {1, 0, 0, 1};
    fdr_error_clear();
    cr_assert_null(fdr_lyap_alloc(0, H, C));
    cr_assert(strstr(fdr_error_message(), "dimension") != NULL, "%s", fdr_error_message());
    double Hn[4] = {2, 0.5, 0.5, NAN};
    fdr_error_clear();
    cr_assert_null(fdr_lyap_alloc(2, Hn, C));
    cr_assert(strstr(fdr_error_message(), "non-finite") != NULL, "%s", fdr_error_message());
    fdr_lyap_free(NULL);

    fdr_lyap *w = fdr_lyap_alloc(2, H, C);
    cr_assert_not_null(w);
    fdr_lyap_traces t;
    fdr_lyap_traces_get(w, &t);
    cr_assert_eq(t.theta_dot_grad, 0);
    cr_assert_eq(t.v_dot_v, 0);
    cr_assert_eq(t.v_dot_grad, 0);
    /* Tr(H C) = 3 and Tr C = 2, up to the rounding of the rotation. */
    cr_assert_float_eq(t.tr_HC, 3.0, 1e-14);
    cr_assert_float_eq(t.tr_C, 2.0, 1e-14);
    fdr_lyap_free(w);
}

Test(lyapunov, commuting_closed_form_diagonal)
{
    enum { d = 6 };
    /* Stable for all three (eta, mu): eta h_max = 2.6 < 2 (1 + mu) = 3 at (0.2, 0.5). */
    const double h[d] = {0.3, 1, 2.5, 5, 9, 13}, c[d] = {1.0, 0.4, 2.0, 0.7, 1.5, 0.2};
    double H[d * d] = {0}, C[d * d] = {0}, tt[d * d], tv[d * d], vv[d * d];
    for (size_t i = 0; i < d; i++) {
        H[i * d + i] = h[i];
        C[i * d + i] = c[i];
    }
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    cr_assert_not_null(w);
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
        cr_assert_eq(fdr_lyap_blocks(w, tt, tv, vv), FDR_OK);
        double scale = maxabs(d * d, tt);
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double want = i == j ? closed_tt(eta, mu, h[i], c[i]) : 0;
                /* Both sides are O(10) correctly rounded operations on a
                 * well-conditioned denominator (eigenvalues at most 87% of
                 * the stability bound): agreement to ~1e-15 relative. */
                cr_assert(fabs(tt[i * d + j] - want) <= 1e-13 * scale,
                          "eta %g mu %g S_tt[%zu][%zu] = %.17g, closed form %.17g", eta, mu, i,
                          j, tt[i * d + j], want);
                /* Per direction <v^2> = 2 eta h <x^2>/(1+mu) and <x v> = <v^2>/2. */
                double wantvv = 2 * eta * h[i] / (1 + mu) * want;
                cr_assert(fabs(vv[i * d + j] - wantvv) <= 1e-13 * maxabs(d * d, vv));
                cr_assert(fabs(tv[i * d + j] - wantvv / 2) <= 1e-13 * maxabs(d * d, vv));
            }
    }
    fdr_lyap_free(w);
}

Test(lyapunov, commuting_closed_form_rotated)
{
    enum { d = 6 };
    const double h[d] = {0.3, 1, 2.5, 5, 9, 13}, cscale = 0.7;
    double H[d * d], C[d * d], tt[d * d], want[d * d], s[d];
    rotated(d, h, d, 7, H);
    for (size_t k = 0; k < d * d; k++)
        C[k] = cscale * H[k];
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    cr_assert_not_null(w);
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        for (size_t i = 0; i < d; i++)
            s[i] = closed_tt(eta, mu, h[i], cscale * h[i]);
        rotated(d, s, d, 7, want);
        cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
        cr_assert_eq(fdr_lyap_blocks(w, tt, NULL, NULL), FDR_OK);
        /* Two independent rotations of O(d) rounding each (the solver's from
         * gsl_eigen_symmv, the reference's from d reflections) on a
         * spectrum with relative gaps >= 0.05: ~1e-14 expected. */
        double err = maxdiff(d * d, tt, want) / maxabs(d * d, want);
        cr_assert(err <= 1e-12, "eta %g mu %g: relative error %g", eta, mu, err);
    }
    fdr_lyap_free(w);
}

/* Iterates the full 2d x 2d equation from zero to its fixed point and
 * compares every block with the solver, for non-commuting H and C. */
static void check_brute_force(double eta, double mu)
{
    enum { d = 5, n = 2 * d, steps = 5000 };
    double H[d * d], C[d * d], A[n * n], Q[n * n], M[n * n] = {0}, prev[n * n], tmp[n * n],
        S[n * n];
    noncommuting(d, eta, mu, H, C);
    full_AQ(d, H, C, eta, mu, A, Q);
    /* The blocks' spectral radii satisfy rho^2 <= 0.96 for these spectra
     * (worst at mu = -0.3), so after 5000 steps the distance to the fixed
     * point is below 0.96^5000 = 1e-89 of the start: only rounding is left,
     * which the last step's change bounds. */
    for (int it = 0; it < steps; it++) {
        memcpy(prev, M, sizeof M);
        full_step(n, A, Q, M, tmp);
    }
    cr_assert(maxdiff(n * n, M, prev) <= 1e-14 * maxabs(n * n, M),
              "brute force did not settle at eta %g mu %g", eta, mu);
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    cr_assert_not_null(w);
    cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
    full_from_blocks(w, d, S);
    /* The iteration's fixed point carries rounding ~eps/(1 - rho^2) ~ 1e-14
     * relative; the solver's error is smaller. */
    double err = maxdiff(n * n, S, M) / maxabs(n * n, M);
    cr_assert(err <= 1e-12, "eta %g mu %g: relative error %g", eta, mu, err);
    fdr_lyap_free(w);
}

Test(lyapunov, matches_brute_force_iteration)
{
    for (size_t p = 0; p < NPARAMS; p++)
        check_brute_force(params[p].eta, params[p].mu);
    /* The stability criterion and the closed form hold for -1 < mu < 0 too. */
    check_brute_force(0.1, -0.3);
}

/* S = A S A^T + Q in the original basis, from the solver's blocks. */
static void residual_check(int diagonal_h)
{
    enum { d = 50, n = 2 * d };
    double *H = zeros(d * d), *C = zeros(d * d), *A = zeros(n * n), *Q = zeros(n * n),
           *S = zeros(n * n), *R = zeros(n * n), *tmp = zeros(n * n);
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        noncommuting_h(d, eta, mu, diagonal_h, H, C);
        full_AQ(d, H, C, eta, mu, A, Q);
        fdr_lyap *w = fdr_lyap_alloc(d, H, C);
        cr_assert_not_null(w);
        cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
        full_from_blocks(w, d, S);
        memcpy(R, S, n * n * sizeof *R);
        full_step(n, A, Q, R, tmp);
        double num = 0, den = 0;
        for (size_t k = 0; k < n * n; k++) {
            num += (R[k] - S[k]) * (R[k] - S[k]);
            den += S[k] * S[k];
        }
        /* Backward error of an orthogonal rotation plus O(1) flops per entry:
         * ~d eps = 1e-14; ||A|| <~ 5 amplifies it at most ~25 fold. */
        cr_assert(sqrt(num / den) <= 1e-12, "eta %g mu %g: residual %g", eta, mu,
                  sqrt(num / den));
        fdr_lyap_free(w);
    }
    free(H);
    free(C);
    free(A);
    free(Q);
    free(S);
    free(R);
    free(tmp);
}

Test(lyapunov, residual_noncommuting_d50)
{
    residual_check(0);
}

Test(lyapunov, residual_diagonal_hessian_dense_noise_d50)
{
    residual_check(1);
}

Test(lyapunov, step_matches_brute_force)
{
    enum { d = 5, n = 2 * d };
    const double theta0[d] = {1.0, -0.5, 0.25, 2.0, -1.5}, v0[d] = {0.1, 0.3, -0.2, 0, 0.4};
    double H[d * d], C[d * d], A[n * n], Q[n * n], M[n * n], tmp[n * n], S[n * n];
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        noncommuting(d, eta, mu, H, C);
        full_AQ(d, H, C, eta, mu, A, Q);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                M[i * n + j] = (i < d ? theta0[i] : v0[i - d]) * (j < d ? theta0[j] : v0[j - d]);
        fdr_lyap *w = fdr_lyap_alloc(d, H, C);
        cr_assert_not_null(w);
        fdr_lyap_set_initial(w, theta0, v0);
        full_from_blocks(w, d, S);
        double peak = maxabs(n * n, M);
        cr_assert(maxdiff(n * n, S, M) <= 1e-14 * peak, "set_initial");
        for (int t = 1; t <= 30; t++) {
            cr_assert_eq(hb_step(w, eta, mu), FDR_OK);
            full_step(n, A, Q, M, tmp);
            full_from_blocks(w, d, S);
            /* Rounding errors are absolute, inherited from the largest moment
             * seen so far; the transient oscillates, and where |M| dips the
             * error relative to |M| alone reaches 6e-13 (checked against a
             * long double brute force), relative to the peak ~1e-14. */
            peak = fmax(peak, maxabs(n * n, M));
            double err = maxdiff(n * n, S, M) / peak;
            cr_assert(err <= 1e-13, "eta %g mu %g step %d: error %g of the peak", eta, mu, t,
                      err);
        }
        fdr_lyap_free(w);
    }
}

Test(lyapunov, steps_converge_to_stationary)
{
    enum { d = 20 };
    double *H = zeros(d * d), *C = zeros(d * d), *theta0 = zeros(d), *v0 = zeros(d);
    for (size_t i = 0; i < d; i++) {
        theta0[i] = sin(1.3 * (double)i + 0.2);
        v0[i] = 0.1 * cos(0.7 * (double)i);
    }
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        noncommuting(d, eta, mu, H, C);
        fdr_lyap *w = fdr_lyap_alloc(d, H, C);
        cr_assert_not_null(w);
        cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
        fdr_lyap_traces ts, t;
        fdr_lyap_traces_get(w, &ts);
        /* The stationary moment is a fixed point of one step. */
        cr_assert_eq(hb_step(w, eta, mu), FDR_OK);
        fdr_lyap_traces_get(w, &t);
        cr_assert(fabs(t.theta_dot_grad - ts.theta_dot_grad) <= 1e-14 * ts.theta_dot_grad);
        cr_assert(fabs(t.v_dot_v - ts.v_dot_v) <= 1e-14 * ts.v_dot_v);
        /* From a deterministic start the transient decays like rho^(2t),
         * rho^2 <= 0.93 here: 2000 steps leave nothing above rounding. */
        fdr_lyap_set_initial(w, theta0, v0);
        for (int s = 0; s < 2000; s++)
            cr_assert_eq(hb_step(w, eta, mu), FDR_OK);
        fdr_lyap_traces_get(w, &t);
        cr_assert(fabs(t.theta_dot_grad - ts.theta_dot_grad) <= 1e-12 * ts.theta_dot_grad,
                  "eta %g mu %g: %.17g vs %.17g", eta, mu, t.theta_dot_grad, ts.theta_dot_grad);
        cr_assert(fabs(t.v_dot_v - ts.v_dot_v) <= 1e-12 * ts.v_dot_v);
        cr_assert(fabs(t.grad_sq - ts.grad_sq) <= 1e-12 * ts.grad_sq);
        cr_assert(fabs(t.v_dot_grad - ts.v_dot_grad) <= 1e-12 * fabs(ts.v_dot_grad));
        fdr_lyap_free(w);
    }
    free(H);
    free(C);
    free(theta0);
    free(v0);
}

/* Stepping only what the traces read gives the traces of the full step,
 * along a varying learning rate from a deterministic start; the stale rest
 * is refused until the moment is set again. */
Test(lyapunov, traces_only_step_matches_full_step)
{
    enum { d = 20 };
    double H[d * d], C[d * d], x0[d], v0[d];
    noncommuting(d, 0.1, 0.6, H, C);
    for (size_t i = 0; i < d; i++) {
        x0[i] = 1.0 - 0.1 * (double)i;
        v0[i] = 0.05 * (double)(i % 3);
    }
    fdr_lyap *full = fdr_lyap_alloc(d, H, C), *fast = fdr_lyap_alloc(d, H, C);
    cr_assert(full && fast);
    fdr_lyap_set_initial(full, x0, v0);
    fdr_lyap_set_initial(fast, x0, v0);
    for (int s = 0; s < 300; s++) {
        double eta = 0.1 / (1 + 0.01 * s);
        cr_assert_eq(hb_step(full, eta, 0.6), FDR_OK);
        hb_step_traces(fast, eta, 0.6);
        fdr_lyap_traces a, b;
        fdr_lyap_traces_get(full, &a);
        fdr_lyap_traces_get(fast, &b);
        cr_assert_eq(a.theta_dot_grad, b.theta_dot_grad, "step %d", s);
        cr_assert_eq(a.v_dot_v, b.v_dot_v, "step %d", s);
        cr_assert_eq(a.grad_sq, b.grad_sq, "step %d", s);
        cr_assert_eq(a.v_dot_grad, b.v_dot_grad, "step %d", s);
        cr_assert_eq(a.v_H_v, b.v_H_v, "step %d", s);
    }
    double M[d * d];
    cr_assert_eq(fdr_lyap_blocks(fast, M, NULL, NULL), FDR_EINVAL);
    cr_assert_eq(hb_step(fast, 0.1, 0.6), FDR_EINVAL);
    fdr_lyap_set_initial(fast, x0, v0);
    cr_assert_eq(hb_step(fast, 0.1, 0.6), FDR_OK);
    cr_assert_eq(fdr_lyap_blocks(fast, M, NULL, NULL), FDR_OK);
    fdr_lyap_free(full);
    fdr_lyap_free(fast);
}

/* Scaling the velocity of the kept moment is the moment of (x, s v): from a
 * deterministic start it is the start (x0, s v0), after noisy steps the
 * blocks <x x^T>, s <x v^T>, s^2 <v v^T>; on the traces-only moment it
 * gives the traces of the full one, through further steps. */
Test(lyapunov, scale_velocity_is_the_moment_of_the_scaled_velocity)
{
    enum { d = 10 };
    const double s = 0.1;
    double H[d * d], C[d * d], x0[d], v0[d], sv0[d];
    double a[3][d * d], b[3][d * d];
    noncommuting(d, 0.1, 0.6, H, C);
    for (size_t i = 0; i < d; i++) {
        x0[i] = 1.0 - 0.1 * (double)i;
        v0[i] = 0.05 * (double)(i % 3) - 0.04;
        sv0[i] = s * v0[i];
    }
    fdr_lyap *w = fdr_lyap_alloc(d, H, C), *u = fdr_lyap_alloc(d, H, C),
             *fast = fdr_lyap_alloc(d, H, C);
    cr_assert(w && u && fast);
    fdr_lyap_set_initial(w, x0, v0);
    fdr_lyap_scale_velocity(w, s);
    fdr_lyap_set_initial(u, x0, sv0);
    cr_assert_eq(fdr_lyap_blocks(w, a[0], a[1], a[2]), FDR_OK);
    cr_assert_eq(fdr_lyap_blocks(u, b[0], b[1], b[2]), FDR_OK);
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < d * d; i++)
            cr_assert_float_eq(a[k][i], b[k][i], 1e-14, "start, block %d, entry %zu", k, i);
    fdr_lyap_set_initial(w, x0, v0);
    fdr_lyap_set_initial(fast, x0, v0);
    for (int t = 0; t < 40; t++) {
        cr_assert_eq(hb_step(w, 0.1, 0.6), FDR_OK);
        hb_step_traces(fast, 0.1, 0.6);
    }
    cr_assert_eq(fdr_lyap_blocks(w, b[0], b[1], b[2]), FDR_OK);
    fdr_lyap_scale_velocity(w, s);
    fdr_lyap_scale_velocity(fast, s);
    cr_assert_eq(fdr_lyap_blocks(w, a[0], a[1], a[2]), FDR_OK);
    for (size_t i = 0; i < d * d; i++) {
        double m = fabs(b[0][i]) + fabs(b[2][i]) + 1e-300;
        cr_assert_float_eq(a[0][i], b[0][i], 1e-13 * m, "<x x^T>, entry %zu", i);
        cr_assert_float_eq(a[1][i], s * b[1][i], 1e-13 * m, "<x v^T>, entry %zu", i);
        cr_assert_float_eq(a[2][i], s * s * b[2][i], 1e-13 * m, "<v v^T>, entry %zu", i);
    }
    for (int t = 0; t < 40; t++) {
        cr_assert_eq(hb_step(w, 0.01, 0.6), FDR_OK);
        hb_step_traces(fast, 0.01, 0.6);
        fdr_lyap_traces x, y;
        fdr_lyap_traces_get(w, &x);
        fdr_lyap_traces_get(fast, &y);
        cr_assert(x.theta_dot_grad == y.theta_dot_grad && x.v_dot_v == y.v_dot_v &&
                      x.v_dot_grad == y.v_dot_grad,
                  "step %d after the scaling: traces-only differs from full", t);
    }
    fdr_lyap_free(w);
    fdr_lyap_free(u);
    fdr_lyap_free(fast);
}

Test(lyapunov, traces_match_blocks)
{
    enum { d = 12 };
    double H[d * d], C[d * d], tt[d * d], tv[d * d], vv[d * d];
    noncommuting(d, 0.2, 0.5, H, C);
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    cr_assert_not_null(w);
    cr_assert_eq(fdr_lyap_stationary(w, 0.2, 0.5), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_lyap_blocks(w, tt, tv, vv), FDR_OK);
    double htt = 0, trvv = 0, h2tt = 0, htv = 0, hc = 0, trc = 0;
    for (size_t i = 0; i < d; i++) {
        trvv += vv[i * d + i];
        trc += C[i * d + i];
        for (size_t j = 0; j < d; j++) {
            htt += H[i * d + j] * tt[j * d + i];
            htv += H[i * d + j] * tv[j * d + i];
            hc += H[i * d + j] * C[j * d + i];
            for (size_t k = 0; k < d; k++)
                h2tt += H[i * d + k] * H[k * d + j] * tt[j * d + i];
        }
    }
    fdr_lyap_traces t;
    fdr_lyap_traces_get(w, &t);
    cr_assert_float_eq(t.theta_dot_grad, htt, 1e-12 * htt);
    cr_assert_float_eq(t.loss_excess, htt / 2, 1e-12 * htt);
    cr_assert_float_eq(t.v_dot_v, trvv, 1e-12 * trvv);
    cr_assert_float_eq(t.grad_sq, h2tt, 1e-12 * h2tt);
    cr_assert_float_eq(t.v_dot_grad, htv, 1e-12 * fabs(htv));
    cr_assert_float_eq(t.tr_HC, hc, 1e-12 * hc);
    cr_assert_float_eq(t.tr_C, trc, 1e-12 * trc);
    fdr_lyap_free(w);
}

Test(lyapunov, fdr_identities_noncommuting)
{
    enum { d = 30 };
    double *H = zeros(d * d), *C = zeros(d * d), *tt = zeros(d * d), *vv = zeros(d * d);
    for (size_t p = 0; p < NPARAMS; p++) {
        double eta = params[p].eta, mu = params[p].mu;
        noncommuting(d, eta, mu, H, C);
        fdr_lyap *w = fdr_lyap_alloc(d, H, C);
        cr_assert_not_null(w);
        cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
        fdr_lyap_traces t;
        fdr_lyap_traces_get(w, &t);
        /* FDR1: <theta . grad f> = (1 + mu)/(2 eta_b) <v . v>, exact. */
        double rhs = (1 + mu) / (2 * eta) * t.v_dot_v;
        cr_assert(fabs(t.theta_dot_grad - rhs) <= 1e-10 * t.theta_dot_grad,
                  "eta %g mu %g: FDR1 %.17g vs %.17g", eta, mu, t.theta_dot_grad, rhs);
        /* Dropping (1 + mu) is off by the factor 1 + mu; at mu = 0 the two
         * forms coincide, so only mu > 0 can tell them apart. */
        if (mu > 0) {
            double wrong = 1 / (2 * eta) * t.v_dot_v;
            cr_assert(fabs(t.theta_dot_grad - wrong) > 0.1 * t.theta_dot_grad,
                      "eta %g mu %g: the wrong FDR1 factor also holds", eta, mu);
        }
        /* Tensor FDR1: H S_tt + S_tt H = (1 + mu)/eta_b S_vv, entry by entry. */
        cr_assert_eq(fdr_lyap_blocks(w, tt, NULL, vv), FDR_OK);
        double scale = maxabs(d * d, vv) * (1 + mu) / eta, worst = 0, f2 = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double ht = 0;
                for (size_t k = 0; k < d; k++)
                    ht += H[i * d + k] * tt[k * d + j] + tt[i * d + k] * H[k * d + j];
                worst = fmax(worst, fabs(ht - (1 + mu) / eta * vv[i * d + j]));
                f2 += 0.5 * H[i * d + j] * vv[j * d + i];
            }
        cr_assert(worst <= 1e-10 * scale, "eta %g mu %g: tensor FDR1 off by %g of %g", eta, mu,
                  worst, scale);
        /* FDR2 on a quadratic: eta_b <|grad f|^2> - mu <v . grad f> = Tr(H S_vv)/2. */
        double diss = eta * t.grad_sq - mu * t.v_dot_grad;
        cr_assert(fabs(diss - f2) <= 1e-10 * f2, "eta %g mu %g: FDR2 %.17g vs %.17g", eta, mu,
                  diss, f2);
        fdr_lyap_free(w);
    }
    free(H);
    free(C);
    free(tt);
    free(vv);
}

Test(lyapunov, unstable_learning_rate_rejected)
{
    /* h_max = 4, mu = 0.5: the largest stable eta_b is 2 (1.5) / 4 = 0.75. */
    enum { d = 3 };
    double H[d * d] = {1, 0, 0, 0, 4, 0, 0, 0, 2.5}, C[d * d] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    cr_assert_not_null(w);
    cr_assert_float_eq(hb_max_lr(w, 0.5, 0), 0.75, 1e-15);
    cr_assert_float_eq(hb_max_lr(w, 0.5, 0.5), 1.5, 1e-15);
    cr_assert_float_eq(hb_max_lr(w, 0, 0), 0.5, 1e-15);
    cr_assert_eq(fdr_lyap_stationary(w, 0.7499, 0.5), FDR_OK, "%s", fdr_error_message());
    const double bad[] = {0.75, 0.8, 3.0, 0.0, -0.1};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        fdr_error_clear();
        cr_assert_eq(fdr_lyap_stationary(w, bad[k], 0.5), FDR_EUNSTABLE, "eta_b %g", bad[k]);
        cr_assert(strstr(fdr_error_message(), "largest stable") != NULL &&
                      strstr(fdr_error_message(), "0.75") != NULL,
                  "message '%s' lacks the bound 0.75", fdr_error_message());
    }
    fdr_error_clear();
    cr_assert_eq(fdr_lyap_stationary(w, 0.1, 1.0), FDR_EUNSTABLE);
    cr_assert_eq(hb_max_lr(w, 1.0, 0), 0);
    cr_assert_eq(hb_max_lr(w, 0.5, 1.0), 0);
    fdr_lyap_free(w);
}

Test(lyapunov, nonpositive_hessian_has_no_stable_lr)
{
    enum { d = 2 };
    const double hneg[d] = {-0.5, 2.0};
    double H[d * d], C[d * d] = {1, 0.2, 0.2, 1};
    /* An exact zero eigenvalue (a rotated one would come back as O(eps) of
     * either sign) and a negative one in a dense H. */
    double H0[d * d] = {0, 0, 0, 1};
    rotated(d, hneg, d, 3, H);
    const double *const Hs[] = {H0, H};
    for (size_t k = 0; k < 2; k++) {
        fdr_lyap *w = fdr_lyap_alloc(d, Hs[k], C);
        cr_assert_not_null(w);
        cr_assert_eq(hb_max_lr(w, 0.5, 0), 0);
        fdr_error_clear();
        cr_assert_eq(fdr_lyap_stationary(w, 0.1, 0.5), FDR_EUNSTABLE);
        cr_assert(strstr(fdr_error_message(), "eigenvalue") != NULL, "%s", fdr_error_message());
        fdr_lyap_free(w);
    }
}

static double seconds(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

Test(lyapunov, d1000_commuting)
{
    const size_t d = 1000;
    const double eta = 0.05, mu = 0.9;
    double *h = zeros(d), *H = zeros(d * d), *tt = zeros(d * d);
    for (size_t i = 0; i < d; i++)
        h[i] = 1.0 / (double)(i + 1);
    /* Four reflections make H dense, so the eigensolver does its full work. */
    rotated(d, h, 4, 5, H);
    double t0 = seconds();
    fdr_lyap *w = fdr_lyap_alloc(d, H, H);
    double t1 = seconds();
    cr_assert_not_null(w, "%s", fdr_error_message());
    cr_assert_eq(fdr_lyap_stationary(w, eta, mu), FDR_OK, "%s", fdr_error_message());
    double t2 = seconds();
    cr_assert_eq(fdr_lyap_blocks(w, tt, NULL, NULL), FDR_OK);
    double t3 = seconds();
    fprintf(stderr, "lyapunov d = %zu: alloc (eigen + rotation) %.2f s, stationary %.3f s, "
                    "blocks(Mtt) %.3f s\n",
            d, t1 - t0, t2 - t1, t3 - t2);
    /* C = H: the closed form per direction, summed. */
    double want_htt = 0, want_vv = 0, trace_tt = 0, want_trtt = 0;
    for (size_t i = 0; i < d; i++) {
        double s = closed_tt(eta, mu, h[i], h[i]);
        want_htt += h[i] * s;
        want_vv += 2 * eta * h[i] / (1 + mu) * s;
        want_trtt += s;
        trace_tt += tt[i * d + i];
    }
    fdr_lyap_traces t;
    fdr_lyap_traces_get(w, &t);
    /* Eigenvalues are accurate to ~d eps ||H|| = 2e-13 absolute, 2e-10
     * relative for h = 1e-3, but C = H makes S_tt depend on them only through
     * eta h / (1 + mu) <= 0.03: ~1e-13 relative. */
    cr_assert(fabs(t.theta_dot_grad - want_htt) <= 1e-10 * want_htt, "%.17g vs %.17g",
              t.theta_dot_grad, want_htt);
    cr_assert(fabs(t.v_dot_v - want_vv) <= 1e-10 * want_vv);
    cr_assert(fabs(trace_tt - want_trtt) <= 1e-10 * want_trtt);
    double want_hc = 0, want_c = 0;
    for (size_t i = 0; i < d; i++) {
        want_hc += h[i] * h[i];
        want_c += h[i];
    }
    cr_assert(fabs(t.tr_HC - want_hc) <= 1e-12 * want_hc);
    cr_assert(fabs(t.tr_C - want_c) <= 1e-12 * want_c);
    fdr_lyap_free(w);
    free(h);
    free(H);
    free(tt);
}
