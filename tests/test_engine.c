/* test_engine.c - reproducibility and failure detection of the Monte
 * Carlo loop. */
#include "helpers.h"

#include <math.h>
#include <string.h>

static void expect_identical(const fdr_result *a, const fdr_result *b)
{
    cr_assert_eq(a->R, b->R);
    cr_assert_eq(memcmp(a->bsum, b->bsum, a->R * FDR_NBATCH * FDR_NOBS * sizeof *a->bsum), 0,
                 "scalar accumulators differ");
    cr_assert_eq(memcmp(a->gsum, b->gsum, a->units * a->d * sizeof *a->gsum), 0);
    cr_assert_eq(memcmp(a->vsum, b->vsum, a->units * a->d * sizeof *a->vsum), 0);
    cr_assert_eq(memcmp(a->tA, b->tA, a->units * a->ntens * sizeof *a->tA), 0);
    cr_assert_eq(memcmp(a->ts, b->ts, a->n_rec * FDR_NTS * sizeof *a->ts), 0);
}

static void threads_do_not_matter(const char *ini)
{
    test_run one, two, three;
    test_run_model(&one, ini, 1);
    test_run_model(&two, ini, 2);
    test_run_model(&three, ini, 3);
    expect_identical(one.r, two.r);
    expect_identical(one.r, three.r);
    test_run_free(&one);
    test_run_free(&two);
    test_run_free(&three);
}

Test(engine, fused_path_is_identical_for_any_thread_count)
{
    const char *ini = "[landscape]\ntype = quadratic\ndim = 30\nspectrum = log 0.1 3\n"
                      "[optimizer]\nlr = 0.1\nmomentum = 0.5\n[run]\nreplicas = 40\nsteps = 2000\n";
    fdr_model *m = test_model(ini);
    fdr_result *r;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_OK);
    cr_assert(r->fused, "a diagonal quadratic with diagonal Gaussian noise takes the fused path");
    fdr_result_free(r);
    fdr_model_free(m);
    threads_do_not_matter(ini);
    /* dense H: the fused path with one product per block of replicas */
    threads_do_not_matter("[landscape]\ntype = quadratic\ndim = 20\nspectrum = log 0.1 3\n"
                          "rotation = random\n[optimizer]\nlr = 0.1\nmomentum = 0.5\n"
                          "[run]\nreplicas = 150\nsteps = 500\n");
}

Test(engine, dense_path_is_identical_for_any_thread_count)
{
    const char *ini = "[landscape]\ntype = quadratic\ndim = 60\nspectrum = log 0.1 3\n"
                      "rotation = random\n[noise]\ncovariance = hessian 1 1\n"
                      "[optimizer]\nlr = 0.1\nmomentum = 0.5\n[run]\nreplicas = 150\nsteps = 500\n";
    fdr_model *m = test_model(ini);
    fdr_result *r;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_OK);
    cr_assert(!r->fused);
    fdr_result_free(r);
    fdr_model_free(m);
    threads_do_not_matter(ini);
}

static double max_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k]));
    return m;
}

/* |a - b| <= 1e-9 max(|a|, |b|, floor) entry by entry. */
static void expect_close(const double *a, const double *b, size_t n, double floor, const char *what)
{
    for (size_t k = 0; k < n; k++) {
        double scale = fmax(fmax(fabs(a[k]), fabs(b[k])), floor);
        cr_assert_leq(fabs(a[k] - b[k]), 1e-9 * scale, "%s[%zu]: fused %.17g, generic %.17g", what,
                      k, a[k], b[k]);
    }
}

/* The fused quadratic path (one pass, FDR0.v telescoped) against the
 * generic path on the same streams: the two differ only by rounding. */
static void fused_matches_generic(const char *ini)
{
    fdr_model *m = test_model(ini);
    fdr_result *f, *g;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &f), FDR_OK);
    cr_assert(f->fused);
    double *sdiag = m->noise->sdiag;
    m->noise->sdiag = NULL; /* hides the diagonal noise from the engine */
    cr_assert_eq(fdr_engine_run(m, 1, 0, &g), FDR_OK);
    m->noise->sdiag = sdiag;
    cr_assert(!g->fused);
    size_t nd = f->units * f->d, nb = f->R * FDR_NBATCH * FDR_NOBS;
    size_t nts = f->n_rec * FDR_NTS, nt = f->units * f->ntens;
    cr_assert_gt(max_abs(g->vsum, nd), 0);
    /* Sums of many terms of both signs can end near zero, where rounding
     * differences are relative to the terms, not the sum: the FDR0 sums
     * are compared on the scale of their largest entry, the others on a
     * thousandth of it. */
    expect_close(f->gsum, g->gsum, nd, max_abs(g->gsum, nd), "gsum");
    expect_close(f->vsum, g->vsum, nd, max_abs(g->vsum, nd), "vsum");
    expect_close(f->bsum, g->bsum, nb, 1e-3 * max_abs(g->bsum, nb), "bsum");
    expect_close(f->ts, g->ts, nts, 1e-3 * max_abs(g->ts, nts), "ts");
    expect_close(f->tA, g->tA, nt, 1e-3 * max_abs(g->tA, nt), "tA");
    expect_close(f->tB, g->tB, nt, 1e-3 * max_abs(g->tB, nt), "tB");
    fdr_result_free(f);
    fdr_result_free(g);
    fdr_model_free(m);
}

Test(engine, fused_path_matches_generic_path)
{
    /* d = 7 leaves vector remainders; 6 replicas make replica x batch units
     * (FDR0.v telescoped per batch), 20 make whole-replica units. */
    fused_matches_generic("[landscape]\ntype = quadratic\ndim = 7\nspectrum = log 0.2 4\n"
                          "minimum = 0.5\n[noise]\ncovariance = diagonal 1 2 1 0.5 1 3 1\n"
                          "[optimizer]\nlr = 0.05\nmomentum = 0.8\n[run]\nreplicas = 6\n"
                          "steps = 1003\ninit = 1\n");
    fused_matches_generic("[landscape]\ntype = quadratic\ndim = 7\nspectrum = log 0.2 4\n"
                          "[optimizer]\nlr = 0.05\nmomentum = 0.8\n[run]\nreplicas = 20\n"
                          "steps = 600\nburn_in = 100\nfdr2 = off\n");
    /* dense H: the gradient from one product per block, F2 from a second */
    fused_matches_generic("[landscape]\ntype = quadratic\ndim = 9\nspectrum = log 0.2 4\n"
                          "rotation = random\nminimum = 0.5\n[noise]\ncovariance = isotropic 2\n"
                          "[optimizer]\nlr = 0.05\nmomentum = 0.8\n[run]\nreplicas = 70\n"
                          "steps = 500\ninit = 1\ntensor_full_max = 0\ntensor_directions = 3\n");
    fused_matches_generic("[landscape]\ntype = quadratic\ndim = 9\nspectrum = log 0.2 4\n"
                          "rotation = random\n[noise]\ncovariance = isotropic 2\n"
                          "[optimizer]\nlr = 0.05\nmomentum = 0.8\n[run]\nreplicas = 5\n"
                          "steps = 500\nfdr2 = off\n");
    /* weight decay and a minimum away from 0: the fused path centres at the
     * exact minimum of the regularised loss; a least-squares loss is a
     * quadratic too, whose loss_excess the fused path takes as ol / 2 */
    fused_matches_generic("[landscape]\ntype = quadratic\ndim = 9\nspectrum = log 0.2 4\n"
                          "rotation = random\nminimum = 0.5\nweight_decay = 0.3\n"
                          "[optimizer]\nlr = 0.05\nmomentum = 0.8\n[run]\nreplicas = 40\n"
                          "steps = 500\ninit = 1\n");
    fused_matches_generic("[landscape]\ntype = regression\ndim = 6\nsamples = 40\n"
                          "features = spectrum log 2 0.3\nfeatures_rotation = random\n"
                          "label_noise = 0.5\ntrue_theta = 1\nweight_decay = 0.05\n"
                          "[noise]\ncovariance = isotropic 0.2\n[optimizer]\nlr = 0.1\n"
                          "momentum = 0.5\n[run]\nreplicas = 20\nsteps = 600\n");
}

Test(engine, seeds_give_different_streams)
{
    const char *ini = "[landscape]\ntype = quadratic\ndim = 5\nspectrum = list 1 1 1 1 1\n"
                      "[optimizer]\nlr = 0.1\n[run]\nreplicas = 16\nsteps = 200\nseed = %d\n";
    char a[512], b[512];
    snprintf(a, sizeof a, ini, 1);
    snprintf(b, sizeof b, ini, 2);
    test_run x, y;
    test_run_model(&x, a, 1);
    test_run_model(&y, b, 1);
    cr_assert_neq(memcmp(x.r->bsum, y.r->bsum, 16 * FDR_NBATCH * FDR_NOBS * sizeof(double)), 0);
    test_run_free(&x);
    test_run_free(&y);
}

Test(engine, divergence_is_detected_with_its_step)
{
    /* lr far beyond 2 (1 + mu) / h_max: the exact check would refuse it, so
     * call the engine directly, as a non-quadratic landscape would. */
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 30\n"
                              "[optimizer]\nlr = 1\n[run]\nreplicas = 4\nsteps = 100000\n");
    fdr_result *r = NULL;
    fdr_error_clear();
    cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_EDIVERGED);
    cr_assert_null(r);
    cr_assert(strstr(fdr_error_message(), "diverged") && strstr(fdr_error_message(), "at step"),
              "%s", fdr_error_message());
    fdr_model_free(m);
}

Test(engine, replicas_start_where_init_says)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 3\nspectrum = list 1 2 3\n"
                              "minimum = 1 2 3\n[optimizer]\nlr = 0.1\n[run]\ninit = 0.5\n");
    double x0[3];
    fdr_engine_initial(m, x0);
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(x0[i], i + 1.5, 1e-15);
    fdr_model_free(m);
}

Test(engine, first_record_is_the_initial_state)
{
    /* At step 0 every replica sits at theta_0 = x* + 1 with v = 0. */
    test_run t;
    test_run_model(&t, "[landscape]\ntype = quadratic\ndim = 4\nspectrum = list 1 2 3 4\n"
                       "[optimizer]\nlr = 0.1\n[run]\nreplicas = 8\nsteps = 100\ninit = 1\n", 1);
    cr_assert_float_eq(t.r->ts[FDR_TS_OL] / 8, 10.0, 1e-12); /* sum h_i */
    cr_assert_float_eq(t.r->ts[FDR_TS_LOSS] / 8, 5.0, 1e-12);
    cr_assert_eq(t.r->ts[FDR_TS_VV], 0.0);
    test_run_free(&t);
}

/* The allocation counter: this test program is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc
 * (Makefile.am), so every allocation the library makes passes through
 * here, sanitizers or not (the real functions are whatever the process
 * resolves malloc to, ASan's included). Allocations inside shared
 * libraries (BLAS, OpenMP) are not seen. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
static size_t allocations;
void *__wrap_malloc(size_t n)
{
    allocations++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t count, size_t size)
{
    allocations++;
    return __real_calloc(count, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    allocations++;
    return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n)
{
    allocations++;
    return __real_aligned_alloc(align, n);
}

/* Allocations made by one run of ini (one thread) for the given steps. */
static size_t run_allocations(const char *ini, long steps)
{
    char text[2048];
    snprintf(text, sizeof text, "%s[run]\nreplicas = 40\nsteps = %ld\n", ini, steps);
    fdr_model *m = test_model(text);
    fdr_result *r;
    size_t before = allocations;
    cr_assert_eq(fdr_engine_run(m, 1, 0, &r), FDR_OK, "%s", fdr_error_message());
    size_t n = allocations - before;
    cr_assert(!r->fused, "%s\nthis test is about the generic path", ini);
    fdr_result_free(r);
    fdr_model_free(m);
    return n;
}

/* The stepping loop allocates nothing: a run of 4 times the steps makes
 * exactly as many allocations (set-up only), for every landscape type on
 * the generic path with the FDR2 terms on (a rotated quartic also in its
 * frame), with a constant covariance and with one of the form a(theta) C0. The counter is checked to see the
 * library's allocations at all. */
Test(engine, generic_path_allocates_nothing_per_step)
{
    static const char *const inis[] = {
        "[landscape]\ntype = quartic\ndim = 7\nh = log 0.5 2\ncubic = 0.5\nquartic = 2\n"
        "coupling = 0.3\nrotation = random\n[noise]\ncovariance = spectrum log 0.5 1.5\n"
        "covariance_rotation = random\n[optimizer]\nlr = 0.1\n",
        /* d > tensor_full_max: stepped in its frame */
        "[landscape]\ntype = quartic\ndim = 60\nh = log 0.5 2\ncubic = 0.5\nquartic = 2\n"
        "rotation = random\n[optimizer]\nlr = 0.1\n",
        "[landscape]\ntype = quartic\ndim = 2\nh = -1 1\nquartic = 3 0\n[noise]\ntype = state\n"
        "s0 = 1\ns1 = 1\ncovariance = isotropic 2\n[optimizer]\nlr = 0.1\n",
        "[landscape]\ntype = gmm\ndim = 3\ncomponents = 2\nmeans = 0 0 0; 1 -1 0.5\n"
        "covariances = matrix 1 0.3 0.1 0.3 0.8 -0.2 0.1 -0.2 0.6; isotropic 0.5\n"
        "weight_decay = 0.05\n[noise]\ntype = student_t\ndof = 8\n[optimizer]\nlr = 0.05\n",
        "[landscape]\ntype = quadratic\ndim = 5\nspectrum = log 0.5 2\nrotation = random\n"
        "[noise]\ntype = laplace\n[optimizer]\nlr = 0.1\n",
        "[landscape]\ntype = regression\ndim = 4\nsamples = 50\n[noise]\ntype = minibatch\n"
        "batch = 10\n[optimizer]\nlr = 0.1\n",
        /* minibatch over shifted copies of a double well: C depends on theta */
        "[landscape]\ntype = quartic\ndim = 2\nh = -1 1\nquartic = 3 1\n[noise]\n"
        "type = minibatch\nsamples = 20\nbatch = 4\nspread = isotropic 0.5\n[optimizer]\n"
        "lr = 0.05\n",
    };
    for (size_t k = 0; k < sizeof inis / sizeof inis[0]; k++) {
        size_t a = run_allocations(inis[k], 400), b = run_allocations(inis[k], 1600);
        cr_assert(a > 0, "%s\nthe counter sees no allocation", inis[k]);
        cr_assert_eq(a, b, "%s\n%zu allocations for 400 steps, %zu for 1600", inis[k], a, b);
    }
}

Test(engine, anharmonic_generic_path_is_identical_for_any_thread_count)
{
    threads_do_not_matter("[landscape]\ntype = quartic\ndim = 12\nh = log 0.5 2\ncubic = 1.5\n"
                          "quartic = 3\ncoupling = 0.5\nrotation = random\n[optimizer]\nlr = 0.1\n"
                          "[run]\nreplicas = 70\nsteps = 400\n");
    threads_do_not_matter("[landscape]\ntype = gmm\ndim = 3\ncomponents = 2\n"
                          "means = 0 0 0; 1 -1 0.5\ncovariances = matrix 1 0.3 0.1 0.3 0.8 -0.2 "
                          "0.1 -0.2 0.6; isotropic 0.5\n[noise]\ncovariance = isotropic 4\n"
                          "[optimizer]\nlr = 0.05\n[run]\nreplicas = 70\nsteps = 400\n");
}

/* Largest |a_i - b_i| relative to the largest |b_i|. */
static double max_rel_diff(const double *a, const double *b, size_t n)
{
    double dm = 0, bm = 0;
    for (size_t i = 0; i < n; i++) {
        dm = fmax(dm, fabs(a[i] - b[i]));
        bm = fmax(bm, fabs(b[i]));
    }
    return bm > 0 ? dm / bm : dm;
}

/* Stepping a rotated quartic in its frame x = R^T (theta - theta*) (one
 * product per step, the noise) gives the run of stepping it in theta
 * (three products) to rounding: the same noise, rotated, drives the same
 * trajectory, and every accumulator, moved back where needed, agrees to
 * 1e-9 of its scale (rounding differences stay small on this confining
 * landscape), with the tensor directions, momentum and a dense noise
 * covariance. */
Test(engine, frame_path_matches_theta_path)
{
    const char *ini = "[landscape]\ntype = quartic\ndim = 60\nh = log 0.5 2\ncubic = 1.5\n"
                      "quartic = 3\ncoupling = 0.5\nrotation = random\nminimum = 0.3\n"
                      "[noise]\ncovariance = spectrum log 0.5 2\ncovariance_rotation = random\n"
                      "[optimizer]\nlr = 0.05\nmomentum = 0.5\n"
                      "[run]\nreplicas = 20\nsteps = 600\ntensor_directions = 5\n";
    fdr_model *a = test_model(ini), *b = test_model(ini);
    cr_assert_not_null(a->land->frame, "a rotated quartic has a frame");
    b->land->frame = NULL;
    fdr_result *ra, *rb;
    cr_assert_eq(fdr_engine_run(a, 1, 0, &ra), FDR_OK, "%s", fdr_error_message());
    cr_assert_eq(fdr_engine_run(b, 1, 0, &rb), FDR_OK, "%s", fdr_error_message());
    struct {
        const char *what;
        const double *x, *y;
        size_t n;
    } parts[] = {
        {"batch sums", ra->bsum, rb->bsum, ra->R * FDR_NBATCH * FDR_NOBS},
        {"FDR0.grad sums", ra->gsum, rb->gsum, ra->units * ra->d},
        {"FDR0.v sums", ra->vsum, rb->vsum, ra->units * ra->d},
        {"tensor A", ra->tA, rb->tA, ra->units * ra->ntens},
        {"tensor B", ra->tB, rb->tB, ra->units * ra->ntens},
        {"time series", ra->ts, rb->ts, ra->n_rec * FDR_NTS},
        {"samples", ra->samples, rb->samples, ra->n_samples * ra->R * ra->sample_dim},
    };
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        double e = max_rel_diff(parts[k].x, parts[k].y, parts[k].n);
        cr_assert(e < 1e-9, "%s differ by %g of their scale", parts[k].what, e);
    }
    fdr_result_free(ra);
    fdr_result_free(rb);
    fdr_model_free(a);
    fdr_model_free(b);
}
