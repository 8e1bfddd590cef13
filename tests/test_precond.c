/* test_precond.c - the preconditioned optimizer (v' = mu v - eta_b P g, a
 * constant SPD P): its exact reference against an independent dense solve,
 * its relations on simulated runs (each with a twin that a wrong factor or
 * the unweighted |v|^2 fails), its stability limit from the spectrum of P H
 * and the refusal of bad preconditioners. */
#include "helpers.h"
#include "studies/schedule.h"
#include "studies/sweep.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A rotated quadratic, noise not commuting with H and a dense P commuting
 * with neither; momentum and dampening. */
#define DENSE_P                                                                                   \
    "[landscape]\ntype = quadratic\ndim = %d\nspectrum = log 0.3 3\nrotation = random\n"         \
    "minimum = 1\n[noise]\ncovariance = spectrum log 2 0.2\ncovariance_rotation = random\n"      \
    "[optimizer]\ntype = preconditioned\nlr = %g\nmomentum = 0.9\ndampening = 0.3\n"             \
    "preconditioner = spectrum log 0.5 2\npreconditioner_rotation = random\n"                    \
    "rotation_seed = 7\n[run]\nreplicas = 64\nsteps = 40000\nseed = 3\n"

static fdr_model *dense_model(int d, double lr)
{
    char ini[1024];
    snprintf(ini, sizeof ini, DENSE_P, d, lr);
    return test_model(ini);
}

/* C = A B for d x d row-major matrices. */
static void mul(size_t d, const double *A, const double *B, double *C)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += A[i * d + k] * B[k * d + j];
            C[i * d + j] = s;
        }
}

static double trace_mul(size_t d, const double *A, const double *B)
{
    double s = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t k = 0; k < d; k++)
            s += A[i * d + k] * B[k * d + i];
    return s;
}

/* The stationary second moment S (2d x 2d) of z = (theta - theta*, v) from
 * the Kronecker form of S = A S A^T + Q, A = [[I - eta_b P H, mu I],
 * [-eta_b P H, mu I]], Q = eta_b^2 [[PCP, PCP], [PCP, PCP]], by LU: an
 * independent solve in the original coordinates. */
static void kronecker_solve(const fdr_model *m, double *S)
{
    size_t d = m->land->dim, n = 2 * d, nn = n * n;
    double mu = m->momentum, eta = m->lr * (1 - m->dampening);
    const double *H = m->land->H, *P = m->precond.P, *C = m->noise->C;
    double *PH = malloc(d * d * sizeof *PH), *PC = malloc(d * d * sizeof *PC),
           *PCP = malloc(d * d * sizeof *PCP), *A = calloc(nn, sizeof *A);
    gsl_matrix *K = gsl_matrix_alloc(nn, nn);
    gsl_vector *q = gsl_vector_alloc(nn), *s = gsl_vector_alloc(nn);
    gsl_permutation *perm = gsl_permutation_alloc(nn);
    mul(d, P, H, PH);
    mul(d, P, C, PC);
    mul(d, PC, P, PCP);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            A[i * n + j] = (i == j) - eta * PH[i * d + j];
            A[i * n + d + j] = mu * (i == j);
            A[(d + i) * n + j] = -eta * PH[i * d + j];
            A[(d + i) * n + d + j] = mu * (i == j);
        }
    /* row-major vec: vec(A S A^T) = (A (x) A) vec S */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            gsl_vector_set(q, i * n + j, eta * eta * PCP[(i % d) * d + j % d]);
            for (size_t k = 0; k < n; k++)
                for (size_t l = 0; l < n; l++)
                    gsl_matrix_set(K, i * n + j, k * n + l,
                                   (i == k && j == l) - A[i * n + k] * A[j * n + l]);
        }
    int sign;
    cr_assert_eq(gsl_linalg_LU_decomp(K, perm, &sign), 0);
    cr_assert_eq(gsl_linalg_LU_solve(K, perm, q, s), 0);
    memcpy(S, s->data, nn * sizeof *S);
    gsl_permutation_free(perm);
    gsl_vector_free(s);
    gsl_vector_free(q);
    gsl_matrix_free(K);
    free(A);
    free(PCP);
    free(PC);
    free(PH);
}

/* The d x d block (bi, bj) of the 2d x 2d matrix S. */
static void block_of(size_t d, const double *S, int bi, int bj, double *B)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            B[i * d + j] = S[(bi * d + i) * 2 * d + bj * d + j];
}

static void inverse(size_t d, const double *P, double *Pinv)
{
    gsl_matrix *a = gsl_matrix_alloc(d, d);
    memcpy(a->data, P, d * d * sizeof *P);
    cr_assert_eq(gsl_linalg_cholesky_decomp1(a), 0);
    cr_assert_eq(gsl_linalg_cholesky_invert(a), 0);
    memcpy(Pinv, a->data, d * d * sizeof *P);
    gsl_matrix_free(a);
}

#define REL(a, b, tol) (fabs((a) - (b)) <= (tol) * fabs(b))

Test(precond, exact_reference_matches_the_kronecker_solve)
{
    for (int d = 2; d <= 4; d++) {
        fdr_model *m = dense_model(d, 0.1);
        size_t n = (size_t)d, dd = n * n;
        double *S = malloc(4 * dd * sizeof *S), *M = malloc(8 * dd * sizeof *M);
        double *Sxx = M, *Sxv = M + dd, *Svv = M + 2 * dd, *Pinv = M + 3 * dd, *T = M + 4 * dd,
               *HPH = M + 5 * dd, *PCP = M + 6 * dd, *U = M + 7 * dd;
        const double *H = m->land->H, *P = m->precond.P;
        kronecker_solve(m, S);
        block_of(n, S, 0, 0, Sxx);
        block_of(n, S, 0, 1, Sxv);
        block_of(n, S, 1, 1, Svv);
        inverse(n, P, Pinv);
        mul(n, H, P, T);
        mul(n, T, H, HPH);
        mul(n, P, m->noise->C, T);
        mul(n, T, P, PCP);
        fdr_exact e;
        cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK, "%s", fdr_error_message());
        cr_assert(e.available);
        const double want[] = {trace_mul(n, H, Sxx),   trace_mul(n, Pinv, Svv),
                               trace_mul(n, HPH, Sxx), trace_mul(n, H, Sxv),
                               trace_mul(n, H, Svv),   trace_mul(n, H, PCP)};
        const double got[] = {e.tr.theta_dot_grad, e.tr.v_dot_v, e.tr.grad_sq,
                              e.tr.v_dot_grad,     e.tr.v_H_v,   e.tr.tr_HC};
        const char *what[] = {"<x . grad f>",  "<v^T P^-1 v>", "<grad f^T P grad f>",
                              "<v . grad f>", "<v^T H v>",    "Tr(H P C P)"};
        for (int k = 0; k < 6; k++)
            cr_assert(REL(got[k], want[k], 1e-10), "d = %d, %s: %.17g, Kronecker %.17g", d,
                      what[k], got[k], want[k]);
        /* The relations hold on the independent solution, and the twins fail. */
        double mu = m->momentum, eta = m->lr * (1 - m->dampening);
        double c = (1 + mu) / (2 * eta), vv = trace_mul(n, Pinv, Svv);
        double unweighted = 0;
        for (size_t i = 0; i < n; i++)
            unweighted += Svv[i * n + i];
        cr_assert(REL(want[0], c * vv, 1e-10), "FDR1 with v^T P^-1 v");
        cr_assert(!REL(want[0], c * unweighted, 1e-2), "FDR1 with |v|^2 should fail");
        double D = eta * want[2] - mu * want[3];
        mul(n, H, H, T);
        double Dwrong = eta * trace_mul(n, T, Sxx) - mu * want[3];
        cr_assert(REL(D, want[4] / 2, 1e-10), "FDR2: D = F2");
        cr_assert(!REL(Dwrong, want[4] / 2, 1e-2), "FDR2 with |grad f|^2 should fail");
        /* The tensor form eta_b (Sxx H P + P H Sxx) = (1 + mu) Svv, and the
         * same without P fails. */
        mul(n, Sxx, H, T);
        mul(n, T, P, U);
        double scale = 0, err = 0, err_np = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                scale = fmax(scale, fabs(Svv[i * n + j]));
                err = fmax(err, fabs(eta * (U[i * n + j] + U[j * n + i]) -
                                     (1 + mu) * Svv[i * n + j]));
                err_np = fmax(err_np, fabs(eta * (T[i * n + j] + T[j * n + i]) -
                                           (1 + mu) * Svv[i * n + j]));
            }
        cr_assert(err <= 1e-10 * scale, "tensor FDR1 with P: error %g of %g", err, scale);
        cr_assert(err_np > 1e-2 * scale, "tensor FDR1 without P should fail");
        fdr_exact_clear(&e);
        free(S);
        free(M);
        fdr_model_free(m);
    }
}

/* The largest eigenvalue of P H, from GSL's non-symmetric solver. */
static double max_eig_PH(const fdr_model *m)
{
    size_t d = m->land->dim;
    gsl_matrix *a = gsl_matrix_alloc(d, d);
    gsl_vector_complex *ev = gsl_vector_complex_alloc(d);
    gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(d);
    mul(d, m->precond.P, m->land->H, a->data);
    cr_assert_eq(gsl_eigen_nonsymm(a, ev, ws), 0);
    double top = 0;
    for (size_t i = 0; i < d; i++) {
        gsl_complex z = gsl_vector_complex_get(ev, i);
        cr_assert(fabs(GSL_IMAG(z)) < 1e-12 && GSL_REAL(z) > 0, "P H has a real spectrum");
        top = fmax(top, GSL_REAL(z));
    }
    gsl_eigen_nonsymm_free(ws);
    gsl_vector_complex_free(ev);
    gsl_matrix_free(a);
    return top;
}

Test(precond, stability_limit_comes_from_the_spectrum_of_p_h)
{
    fdr_model *m = dense_model(5, 0.1);
    double top = 2 * (1 + m->momentum) / ((1 - m->dampening) * max_eig_PH(m));
    fdr_exact e;
    m->lr = top * (1 - 1e-6);
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK, "%s", fdr_error_message());
    cr_assert(REL(e.max_stable_lr, top, 1e-10), "limit %.17g, from P H %.17g", e.max_stable_lr,
              top);
    fdr_exact_clear(&e);
    m->lr = top * (1 + 1e-6);
    fdr_error_clear();
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_EUNSTABLE);
    cr_assert(strstr(fdr_error_message(), "largest stable learning rate") &&
                  strstr(fdr_error_message(), "spectrum of P H"),
              "%s", fdr_error_message());
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

Test(precond, hessian_c_alpha_is_c_h_to_the_minus_alpha)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.1 10\n"
                              "rotation = random\n[optimizer]\ntype = preconditioned\nlr = 0.1\n"
                              "momentum = 0.5\npreconditioner = hessian 2 1\n");
    size_t d = 5;
    double PH[25];
    mul(d, m->precond.P, m->land->H, PH);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            cr_assert(fabs(PH[i * d + j] - 2.0 * (i == j)) < 1e-12, "P H = 2 I at (%zu, %zu): %g",
                      i, j, PH[i * d + j]);
    /* P H = 2 I: stable below 2 (1 + mu) / 2 = 1.5 */
    fdr_exact e;
    cr_assert_eq(fdr_exact_compute(m, &e), FDR_OK);
    cr_assert(REL(e.max_stable_lr, 1.5, 1e-12), "%.17g", e.max_stable_lr);
    fdr_exact_clear(&e);
    fdr_model_free(m);
}

/* Every relation and every observable of a run against the exact values. */
static void expect_all_hold(const char *ini)
{
    test_run t;
    test_run_model(&t, ini, 2);
    cr_assert(t.e.available);
    cr_assert_eq(t.a.nrel, 7, "FDR0.grad, FDR0.v, FDR1, FDR1.tensor, FDR2, FDR2.harmonic, FDR2.F2");
    for (size_t i = 0; i < t.a.nrel; i++) {
        const fdr_relation *r = &t.a.rel[i];
        cr_expect(r->pass, "%s: z = %.2f (threshold %.2f)", r->name, r->z, r->threshold);
    }
    for (int k = 0; k < FDR_NSTATE_OBS; k++) {
        const fdr_observable *o = &t.a.obs[k];
        double z = (o->est.val - o->exact) / o->est.err;
        cr_expect(fabs(z) < 4, "%s: %g +- %g, exact %g (z = %.2f)", o->key, o->est.val,
                  o->est.err, o->exact, z);
    }
    const fdr_fdr2_terms *f2 = &t.a.fdr2;
    double zd = (f2->dissipation.val - f2->dissipation_exact) / f2->dissipation.err;
    double zn = (f2->F2_noise_averaged.val - f2->F2_exact) / f2->F2_noise_averaged.err;
    cr_expect(fabs(zd) < 4 && fabs(zn) < 4, "dissipation z = %.2f, noise-averaged F2 z = %.2f",
              zd, zn);
    cr_assert(REL(f2->dissipation_exact, f2->F2_exact, 1e-9));
    const fdr_relation *f1 = &t.a.rel[FDR_REL_FDR1];
    cr_assert(REL(f1->lhs_exact, f1->rhs_exact, 1e-9));
    /* The tensor form, eta_b <x (P g)^T + (P g) x^T> = (1 + mu) <v v^T>,
     * entry by entry (or along the random directions): exact sides equal,
     * simulated left sides at the exact values. */
    cr_assert(t.a.ntens > 0 && t.e.ntens == t.a.ntens);
    double thr = fdr_analysis_find(&t.a, "FDR1.tensor")->threshold;
    for (size_t k = 0; k < t.a.ntens; k++) {
        const fdr_relation *r = &t.a.tens[k];
        cr_assert(fabs(r->lhs_exact - r->rhs_exact) <= 1e-9 * (fabs(r->lhs_exact) + 1e-12),
                  "tensor entry %zu: exact %.17g against %.17g", k, r->lhs_exact, r->rhs_exact);
        double z = (r->lhs.val - r->lhs_exact) / r->lhs.err;
        cr_expect(fabs(z) < thr, "tensor entry %zu against exact: z = %.2f", k, z);
    }
    test_run_free(&t);
}

Test(precond, relations_hold_with_a_dense_preconditioner, .timeout = 120)
{
    char ini[1024];
    snprintf(ini, sizeof ini, DENSE_P, 6, 0.1);
    expect_all_hold(ini);
}

Test(precond, relations_hold_with_a_diagonal_preconditioner, .timeout = 120)
{
    /* A diagonal P on a rotated quadratic, no momentum: the general path
     * with the diagonal product, the tensor FDR1 along random directions. */
    expect_all_hold("[landscape]\ntype = quadratic\ndim = 8\nspectrum = log 0.5 4\n"
                    "rotation = random\n[noise]\ncovariance = isotropic 1\n"
                    "[optimizer]\ntype = preconditioned\nlr = 0.05\n"
                    "preconditioner = diagonal 1 2 3 4 0.5 0.25 1 2\n"
                    "[run]\nreplicas = 64\nsteps = 40000\nseed = 4\ntensor_full_max = 0\n");
}

Test(precond, relations_hold_off_the_quadratic, .timeout = 120)
{
    /* A rotated quartic (FDR2 closes at order 4): the landscape's block
     * derivatives along v' and the type's w, and Tr(H(theta) P C P) from
     * the traces prepared with P C P. FDR2.F2 compares the realized F2 with
     * the noise-averaged one, whose noise part is that trace. */
    test_run t;
    test_run_model(&t,
                   "[landscape]\ntype = quartic\ndim = 4\nh = 1\ncubic = 1.5\nquartic = 3\n"
                   "rotation = random\n[noise]\ncovariance = spectrum log 1 0.3\n"
                   "covariance_rotation = random\n[optimizer]\ntype = preconditioned\n"
                   "lr = 0.05\nmomentum = 0.5\npreconditioner = matrix 1.5 0.3 0 0 0.3 1 0.2 0 "
                   "0 0.2 0.8 0.1 0 0 0.1 1.2\n[run]\nreplicas = 64\nsteps = 40000\nseed = 8\n",
                   2);
    cr_assert(!t.e.available);
    const char *exact[] = {"FDR0.grad", "FDR0.v", "FDR1", "FDR1.tensor", "FDR2", "FDR2.F2"};
    for (size_t k = 0; k < sizeof exact / sizeof *exact; k++) {
        const fdr_relation *r = fdr_analysis_find(&t.a, exact[k]);
        cr_assert(r, "%s is reported", exact[k]);
        cr_expect(r->pass, "%s: z = %.2f (threshold %.2f)", r->name, r->z, r->threshold);
    }
    cr_assert(t.a.fdr2.F[3].val != 0 && t.a.fdr2.F[4].val != 0, "the quartic's F3 and F4");
    test_run_free(&t);
}

/* The unweighted |v|^2 of every replica over the window, from theta after
 * each step: an observer, so the twin needs no engine support. */
typedef struct {
    const fdr_model *m;
    double *prev; /* R x d: theta after the previous step */
    double *ol, *vv, *uv; /* per replica: sums of O_L, |v|^2, v^T P^-1 v */
} twin_obs;

static void twin_observe(void *ctx, const fdr_step_view *v)
{
    twin_obs *o = ctx;
    size_t d = o->m->land->dim;
    const fdr_model *m = o->m;
    for (size_t r = 0; r < v->n; r++) {
        size_t g = v->first + r;
        double th[16], s = 0;
        fdr_step_theta(v, r, d, th);
        for (size_t i = 0; i < d; i++) {
            double dv = th[i] - o->prev[g * d + i];
            s += dv * dv;
            o->prev[g * d + i] = th[i];
        }
        /* v_{t+1} pairs with the pre-update observables of step t + 1 */
        if (v->t + 1 >= m->burn_in && v->t + 1 < m->steps)
            o->vv[g] += s;
        if (v->t >= m->burn_in && v->t < m->steps) {
            o->ol[g] += v->obs[r * FDR_NOBS + FDR_OBS_OL];
            o->uv[g] += v->obs[r * FDR_NOBS + FDR_OBS_VV];
        }
    }
}

/* z of the per-replica means of O_L - c X over the replicas. */
static double replica_z(const twin_obs *o, size_t R, const double *x, double c)
{
    double s = 0, s2 = 0;
    for (size_t r = 0; r < R; r++) {
        double dl = o->ol[r] - c * x[r];
        s += dl;
        s2 += dl * dl;
    }
    double mean = s / (double)R, var = (s2 / (double)R - mean * mean) / (double)(R - 1);
    return mean / sqrt(var);
}

Test(precond, fdr1_twins_the_unweighted_velocity_and_a_dropped_one_plus_mu, .timeout = 120)
{
    fdr_model *m = dense_model(6, 0.1);
    size_t R = (size_t)m->replicas, d = m->land->dim;
    twin_obs o = {m, calloc(R * d, sizeof(double)), calloc(R, sizeof(double)),
                  calloc(R, sizeof(double)), calloc(R, sizeof(double))};
    fdr_engine_initial(m, o.prev);
    for (size_t r = 1; r < R; r++)
        memcpy(o.prev + r * d, o.prev, d * sizeof *o.prev);
    fdr_observer obs = {0, &o, twin_observe};
    fdr_engine_opts eo = {.threads = 2, .relations = 1, .observers = &obs, .n_observers = 1};
    fdr_engine *e;
    cr_assert_eq(fdr_engine_alloc(m, &eo, &e), FDR_OK);
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK, "%s", fdr_error_message());
    double c = fdr_model_fdr1_factor(m);
    double z_right = replica_z(&o, R, o.uv, c), z_plain = replica_z(&o, R, o.vv, c);
    double z_nomu = replica_z(&o, R, o.uv, c / (1 + m->momentum));
    cr_assert(fabs(z_right) < 4, "FDR1 with v^T P^-1 v: z = %.2f", z_right);
    cr_assert(fabs(z_plain) > 6, "FDR1 with |v|^2 not caught: z = %.2f", z_plain);
    cr_assert(fabs(z_nomu) > 6, "FDR1 without (1 + mu) not caught: z = %.2f", z_nomu);
    fdr_engine_free(e);
    free(o.prev);
    free(o.ol);
    free(o.vv);
    free(o.uv);
    fdr_model_free(m);
}

Test(precond, fdr2_twin_without_the_preconditioner_is_caught, .timeout = 120)
{
    /* The dissipation with |grad f|^2 in place of grad f^T P grad f: the
     * exact <|grad f|^2> = Tr(H^2 Sxx) from the Kronecker solve. */
    test_run t;
    fdr_model *m = dense_model(4, 0.1);
    test_run_built(&t, m, 2);
    size_t n = m->land->dim, dd = n * n;
    double *S = malloc(4 * dd * sizeof *S), *Sxx = malloc(dd * sizeof *Sxx),
           *H2 = malloc(dd * sizeof *H2);
    kronecker_solve(m, S);
    block_of(n, S, 0, 0, Sxx);
    mul(n, m->land->H, m->land->H, H2);
    double eta = m->lr * (1 - m->dampening);
    double wrong = eta * trace_mul(n, H2, Sxx) - m->momentum * t.e.tr.v_dot_grad;
    const fdr_fdr2_terms *f2 = &t.a.fdr2;
    cr_assert(fdr_analysis_find(&t.a, "FDR2")->pass);
    double z = (f2->F[2].val - wrong) / f2->F[2].err;
    cr_assert(fabs(z) > 6, "F2 against the unpreconditioned dissipation: z = %.2f", z);
    free(S);
    free(Sxx);
    free(H2);
    test_run_free(&t);
}

#define L "[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 1 2\n"

static void expect_bad(const char *ini, const char *want)
{
    const char *msg = test_reject(ini);
    cr_assert(msg && strstr(msg, want), "wanted '%s', got '%s'", want, msg ? msg : "(accepted)");
}

Test(precond, bad_preconditioners_are_refused_naming_file_line_and_key)
{
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.1\n"
                 "preconditioner = matrix 1 2 2 1\n",
               "bad.ini:8: [optimizer] preconditioner: not positive semi-definite");
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.1\npreconditioner = diagonal 1 0\n",
               "bad.ini:8: [optimizer] preconditioner: not positive definite");
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.1\npreconditioner = hessian 0 1\n",
               "bad.ini:8: [optimizer] preconditioner: not positive definite");
    expect_bad("[landscape]\ntype = quadratic\ndim = 2\nspectrum = list 0 1\n"
               "[optimizer]\ntype = preconditioned\nlr = 0.1\npreconditioner = hessian 1 1\n",
               "bad.ini:8: [optimizer] preconditioner: 'hessian c alpha' is infinite");
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.1\npreconditioner = diagonal 1\n",
               "bad.ini:8: [optimizer] preconditioner: 'diagonal' needs 2 numbers");
    expect_bad(L "[optimizer]\ntype = sgd\nlr = 0.1\npreconditioner = diagonal 1 1\n",
               "bad.ini:8: [optimizer] preconditioner: unknown key");
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.1\nconvention = pytorch\n",
               "bad.ini:8: [optimizer] convention: optimizer 'preconditioned' has only the paper "
               "convention");
    expect_bad(L "[noise]\ntype = state\ns0 = 1\ns1 = 1\n[optimizer]\ntype = preconditioned\n"
                 "lr = 0.1\n",
               "[run] fdr2: optimizer 'preconditioned' needs a noise of constant covariance");
    /* P = diag(4, 1): P H = diag(4, 2), stable below 2 / 4 */
    expect_bad(L "[optimizer]\ntype = preconditioned\nlr = 0.6\npreconditioner = diagonal 4 1\n",
               "the largest stable learning rate for momentum 0 and dampening 0 is 0.5 (from the "
               "spectrum of P H)");
}

Test(precond, sweep_and_schedule_refuse_with_their_reasons)
{
    char ini[1024];
    snprintf(ini, sizeof ini, DENSE_P, 3, 0.1);
    const double lr[] = {0.02, 0.04, 0.08};
    fdr_sweep_spec spec = {.text = ini, .name = "test", .lr = lr, .n = 3, .threads = 1};
    fdr_sweep *sw;
    fdr_error_clear();
    cr_assert_neq(fdr_sweep_run(&spec, &sw), FDR_OK);
    cr_assert(strstr(fdr_error_message(), "a sweep along lr is not available with a preconditioner"),
              "%s", fdr_error_message());
    fdr_model *m = test_model(ini);
    fdr_sched_opts o;
    fdr_sched_opts_default(&o, m->steps);
    fdr_sched_result *res;
    fdr_error_clear();
    cr_assert_neq(fdr_sched_run(m, &o, &res), FDR_OK);
    cr_assert(strstr(fdr_error_message(), "schedule needs a heavy-ball optimizer, not "
                                          "'preconditioned'"),
              "%s", fdr_error_message());
    fdr_model_free(m);
}

Test(precond, results_do_not_depend_on_the_thread_count, .timeout = 120)
{
    fdr_model *m = dense_model(5, 0.1);
    m->steps = 4000;
    m->burn_in = 2000;
    fdr_result *a, *b;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &a), FDR_OK);
    cr_assert_eq(fdr_engine_run(m, 2, 0, &b), FDR_OK);
    size_t n = a->R * FDR_NBATCH * FDR_NOBS;
    cr_assert(memcmp(a->bsum, b->bsum, n * sizeof *a->bsum) == 0, "the sums differ in a bit");
    cr_assert(memcmp(a->tA, b->tA, a->units * a->ntens * sizeof *a->tA) == 0);
    fdr_result_free(a);
    fdr_result_free(b);
    fdr_model_free(m);
}
