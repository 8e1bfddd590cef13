/* test_observer.c - the engine as a library: advancing to a step, per-
 * replica learning rates, observers, the observation-only last step.
 *
 * It also holds the README's example observer ("Adding an observer"): a
 * per-replica record of the mean |v|^2 over a run, kept per replica so that
 * blocks on different threads never share a cell. */
#include "helpers.h"

#include <math.h>
#include <string.h>

/* ---- the example observer -------------------------------------------------- */

typedef struct {
    size_t R;
    double *vv;      /* per replica: the sum of |v|^2 over the observed steps */
    double *ol;      /* per replica: the sum of the noisy O_L (when asked for) */
    long *steps;     /* per replica: steps observed */
    double *lr_used; /* per replica: the sum of the learning rates its steps used */
    long last_t;     /* the last step seen by block 0, and whether it updated */
    int last_updated;
    long halve_at; /* if >= 0: the observer halves every lr from this step on */
} vv_record;

static void vv_observe(void *ctx, const fdr_step_view *v)
{
    vv_record *rec = ctx;
    for (size_t r = 0; r < v->n; r++) {
        size_t i = v->first + r;
        rec->vv[i] += v->obs[r * FDR_NOBS + FDR_OBS_VV];
        rec->ol[i] += v->noisy_ol ? v->noisy_ol[r] : 0;
        rec->lr_used[i] += v->lr[r];
        rec->steps[i]++;
        if (v->t + 1 == rec->halve_at)
            v->lr[r] *= 0.5; /* the rate of step t + 1 */
    }
    if (v->block == 0) {
        rec->last_t = v->t;
        rec->last_updated = v->updated;
    }
}

static void vv_init(vv_record *rec, size_t R)
{
    memset(rec, 0, sizeof *rec);
    rec->R = R;
    rec->vv = calloc(R, sizeof *rec->vv);
    rec->ol = calloc(R, sizeof *rec->ol);
    rec->lr_used = calloc(R, sizeof *rec->lr_used);
    rec->steps = calloc(R, sizeof *rec->steps);
    rec->halve_at = -1;
    cr_assert(rec->vv && rec->ol && rec->lr_used && rec->steps);
}

static void vv_clear(vv_record *rec)
{
    free(rec->vv);
    free(rec->ol);
    free(rec->lr_used);
    free(rec->steps);
}

/* ---- models ---------------------------------------------------------------- */

/* The engine's three paths: the fused quadratic loop, the general block
 * path, and stepping in a rotated quartic's frame. */
static const char *const FUSED = "[landscape]\ntype = quadratic\ndim = 7\nspectrum = log 0.2 4\n"
                                 "[noise]\ncovariance = diagonal 1 2 1 0.5 1 3 1\n"
                                 "[optimizer]\nlr = 0.05\nmomentum = 0.5\n"
                                 "[run]\nreplicas = 20\nsteps = 900\ninit = 1\n";
static const char *const GENERAL = "[landscape]\ntype = quartic\ndim = 3\nh = 1 2 0.5\n"
                                   "cubic = 0.5\nquartic = 1\n[noise]\ncovariance = isotropic 1\n"
                                   "[optimizer]\nlr = 0.05\nmomentum = 0.3\n"
                                   "[run]\nreplicas = 20\nsteps = 900\ninit = 1\n";
static const char *const FRAME = "[landscape]\ntype = quartic\ndim = 6\nh = log 0.5 2\n"
                                 "cubic = 0.5\nquartic = 1\ncoupling = 0.3\n"
                                 "minimum = 0.5\nrotation = random\n"
                                 "[noise]\ncovariance = isotropic 1\n"
                                 "[optimizer]\nlr = 0.05\nmomentum = 0.3\n"
                                 "[run]\nreplicas = 20\nsteps = 900\ninit = 1\n"
                                 "tensor_full_max = 0\ntensor_directions = 2\n";
static const char *const PATHS[] = {FUSED, GENERAL, FRAME};

static void expect_same_result(const fdr_result *a, const fdr_result *b)
{
    cr_assert_eq(memcmp(a->bsum, b->bsum, a->R * FDR_NBATCH * FDR_NOBS * sizeof *a->bsum), 0);
    cr_assert_eq(memcmp(a->sumsq, b->sumsq, a->R * FDR_NOBS * sizeof *a->sumsq), 0);
    cr_assert_eq(memcmp(a->gsum, b->gsum, a->units * a->d * sizeof *a->gsum), 0);
    cr_assert_eq(memcmp(a->vsum, b->vsum, a->units * a->d * sizeof *a->vsum), 0);
    cr_assert_eq(memcmp(a->tA, b->tA, a->units * a->ntens * sizeof *a->tA), 0);
    cr_assert_eq(memcmp(a->ts, b->ts, a->n_rec * FDR_NTS * sizeof *a->ts), 0);
    cr_assert_eq(memcmp(a->samples, b->samples,
                        a->n_samples * a->R * a->sample_dim * sizeof *a->samples),
                 0);
}

/* Runs m with relations off and the observer rec, lr set per replica by
 * lr_of (NULL: the model's), through all steps. */
static void run_observed(const fdr_model *m, vv_record *rec, unsigned needs,
                         double (*lr_of)(size_t r, double lr))
{
    fdr_observer ob = {needs, rec, vv_observe};
    fdr_engine_opts o = {.threads = 2, .observers = &ob, .n_observers = 1};
    fdr_engine *e;
    cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK, "%s", fdr_error_message());
    double *lr = fdr_engine_lr(e);
    for (size_t r = 0; lr_of && r < (size_t)m->replicas; r++)
        lr[r] = lr_of(r, m->lr);
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK, "%s", fdr_error_message());
    fdr_engine_free(e);
}

/* ---- tests ----------------------------------------------------------------- */

/* Advancing in pieces gives the same bits as one run to the end, on every
 * path: a study may stop the engine wherever it needs to. */
Test(observer, advancing_in_pieces_changes_nothing)
{
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        fdr_result *whole, *pieces;
        cr_assert_eq(fdr_engine_run(m, 1, NULL, &whole), FDR_OK, "%s", fdr_error_message());
        fdr_engine_opts o = {.threads = 2, .relations = 1};
        fdr_engine *e;
        cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
        const long cuts[] = {1, 100, 101, 513, m->steps};
        for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++)
            cr_assert_eq(fdr_engine_advance(e, cuts[k]), FDR_OK, "%s", fdr_error_message());
        cr_assert_eq(fdr_engine_result(e, &pieces), FDR_OK);
        fdr_engine_free(e);
        expect_same_result(whole, pieces);
        fdr_result_free(whole);
        fdr_result_free(pieces);
        fdr_model_free(m);
    }
}

static double two_rates(size_t r, double lr)
{
    return r % 2 ? 0.5 * lr : lr;
}

static double half_rate(size_t r, double lr)
{
    (void)r;
    return 0.5 * lr;
}

/* Replicas at different learning rates in one engine follow exactly the
 * trajectories they have in a run where every replica has their rate:
 * each replica's stream, and now its lr, is its own. */
Test(observer, per_replica_learning_rates_are_each_replicas_own)
{
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        size_t R = (size_t)m->replicas;
        vv_record mixed, full, half;
        vv_init(&mixed, R);
        vv_init(&full, R);
        vv_init(&half, R);
        run_observed(m, &mixed, 0, two_rates);
        run_observed(m, &full, 0, NULL);
        run_observed(m, &half, 0, half_rate);
        for (size_t r = 0; r < R; r++) {
            const vv_record *same = r % 2 ? &half : &full, *other = r % 2 ? &full : &half;
            cr_assert_eq(mixed.vv[r], same->vv[r], "path %zu, replica %zu", p, r);
            cr_assert_eq(mixed.lr_used[r], same->lr_used[r]);
            cr_assert_neq(mixed.vv[r], other->vv[r], "path %zu: the lr made no difference", p);
            cr_assert_eq(mixed.steps[r], m->steps);
        }
        vv_clear(&mixed);
        vv_clear(&full);
        vv_clear(&half);
        fdr_model_free(m);
    }
}

/* An observer that halves the lr from step 300 on and a study that halves
 * it between two advances make the same run. */
Test(observer, an_observer_sets_the_next_steps_rate)
{
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        size_t R = (size_t)m->replicas;
        vv_record by_observer, by_study;
        vv_init(&by_observer, R);
        vv_init(&by_study, R);
        by_observer.halve_at = 300;
        run_observed(m, &by_observer, 0, NULL);
        fdr_observer ob = {0, &by_study, vv_observe};
        fdr_engine_opts o = {.threads = 1, .observers = &ob, .n_observers = 1};
        fdr_engine *e;
        cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
        cr_assert_eq(fdr_engine_advance(e, 300), FDR_OK);
        for (size_t r = 0; r < R; r++)
            fdr_engine_lr(e)[r] *= 0.5;
        cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK);
        fdr_engine_free(e);
        double want = 300 * m->lr + (double)(m->steps - 300) * 0.5 * m->lr;
        for (size_t r = 0; r < R; r++) {
            cr_assert_eq(by_observer.vv[r], by_study.vv[r], "path %zu, replica %zu", p, r);
            cr_assert_float_eq(by_observer.lr_used[r], want, 1e-12 * want);
        }
        vv_clear(&by_observer);
        vv_clear(&by_study);
        fdr_model_free(m);
    }
}

/* The relations hold for one lr: a changed rate is refused, not averaged
 * over silently. */
Test(observer, relations_refuse_a_changed_rate)
{
    fdr_model *m = test_model(GENERAL);
    fdr_engine_opts o = {.threads = 1, .relations = 1};
    fdr_engine *e;
    cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
    cr_assert_eq(fdr_engine_advance(e, 10), FDR_OK);
    fdr_engine_lr(e)[3] *= 2;
    cr_assert_eq(fdr_engine_advance(e, 20), FDR_EINVAL);
    cr_assert(strstr(fdr_error_message(), "replica 3's learning rate"), "%s",
              fdr_error_message());
    fdr_engine_free(e);
    fdr_model_free(m);
}

/* Step `steps` observes the final state without moving it; nothing lies
 * beyond it, and no step is taken twice. */
Test(observer, the_last_step_only_observes)
{
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        size_t R = (size_t)m->replicas, d = m->land->dim;
        vv_record rec;
        vv_init(&rec, R);
        fdr_observer ob = {FDR_NEED_NOISY_OL, &rec, vv_observe};
        fdr_engine_opts o = {.threads = 1, .observers = &ob, .n_observers = 1};
        fdr_engine *e;
        cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
        cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK);
        cr_assert_eq(rec.last_t, m->steps - 1);
        cr_assert(rec.last_updated);
        double before[8], after[8];
        cr_assert_leq(d, 8);
        fdr_engine_theta(e, R - 1, before);
        double vv = rec.vv[R - 1];
        cr_assert_eq(fdr_engine_advance(e, m->steps + 1), FDR_OK);
        fdr_engine_theta(e, R - 1, after);
        cr_assert_eq(memcmp(before, after, d * sizeof *before), 0, "path %zu: the state moved", p);
        cr_assert_eq(rec.last_t, m->steps);
        cr_assert(!rec.last_updated);
        cr_assert_gt(rec.vv[R - 1], vv, "the final state was not observed");
        cr_assert(isfinite(rec.ol[R - 1]));
        cr_assert_eq(fdr_engine_advance(e, m->steps + 2), FDR_EINVAL);
        cr_assert_eq(fdr_engine_advance(e, m->steps - 5), FDR_EINVAL);
        fdr_engine_free(e);
        vv_clear(&rec);
        fdr_model_free(m);
    }
}

/* The noisy O_L, theta . (grad f + xi), is the same quantity on every
 * path: the fused loop against the general one on the same streams, and
 * the frame against theta's own coordinates. */
static void noisy_ol_agrees(fdr_model *m, void (*hide)(fdr_model *m, int on))
{
    size_t R = (size_t)m->replicas;
    vv_record a, b;
    vv_init(&a, R);
    vv_init(&b, R);
    run_observed(m, &a, FDR_NEED_NOISY_OL, NULL);
    hide(m, 1);
    run_observed(m, &b, FDR_NEED_NOISY_OL, NULL);
    hide(m, 0);
    for (size_t r = 0; r < R; r++) {
        cr_assert_neq(a.ol[r], 0);
        double scale = fmax(fabs(a.ol[r]), 1e-3 * a.vv[r] / m->lr);
        cr_assert_leq(fabs(a.ol[r] - b.ol[r]), 1e-9 * scale, "replica %zu: %.17g vs %.17g", r,
                      a.ol[r], b.ol[r]);
    }
    vv_clear(&a);
    vv_clear(&b);
}

static double *hidden_sdiag;
static void hide_sdiag(fdr_model *m, int on)
{
    if (on) {
        hidden_sdiag = m->noise->sdiag;
        m->noise->sdiag = NULL; /* no fused path */
    } else {
        m->noise->sdiag = hidden_sdiag;
    }
}

static const void *hidden_frame;
static void hide_frame(fdr_model *m, int on)
{
    if (on) {
        hidden_frame = m->land->frame;
        m->land->frame = NULL; /* stepped in theta's coordinates */
    } else {
        m->land->frame = hidden_frame;
    }
}

Test(observer, the_noisy_ol_is_the_same_on_every_path)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 7\nspectrum = log 0.2 4\n"
                              "minimum = 0.5\n[noise]\ncovariance = diagonal 1 2 1 0.5 1 3 1\n"
                              "[optimizer]\nlr = 0.05\nmomentum = 0.5\n"
                              "[run]\nreplicas = 20\nsteps = 900\ninit = 1\n");
    noisy_ol_agrees(m, hide_sdiag);
    fdr_model_free(m);
    m = test_model(FRAME);
    cr_assert_not_null(m->land->frame);
    cr_assert_not_null(m->noise->C, "a constant covariance: the engine steps in the frame");
    noisy_ol_agrees(m, hide_frame);
    fdr_model_free(m);
}

/* The twin of the agreement above: the noisy O_L is not the centred,
 * noise-free one, which a wrong path would give. */
Test(observer, the_noisy_ol_is_not_the_centred_one)
{
    fdr_model *m = test_model("[landscape]\ntype = quadratic\ndim = 7\nspectrum = log 0.2 4\n"
                              "minimum = 0.5\n[noise]\ncovariance = diagonal 1 2 1 0.5 1 3 1\n"
                              "[optimizer]\nlr = 0.05\nmomentum = 0.5\n"
                              "[run]\nreplicas = 20\nsteps = 900\ninit = 1\n");
    size_t R = (size_t)m->replicas;
    vv_record a;
    vv_init(&a, R);
    run_observed(m, &a, FDR_NEED_NOISY_OL, NULL);
    fdr_result *r;
    cr_assert_eq(fdr_engine_run(m, 1, NULL, &r), FDR_OK);
    double centred = 0, noisy = 0;
    for (size_t k = 0; k < R * FDR_NBATCH; k++)
        centred += r->bsum[k * FDR_NOBS + FDR_OBS_OL];
    for (size_t k = 0; k < R; k++)
        noisy += a.ol[k];
    cr_assert_gt(fabs(noisy - centred), 1e-6 * fabs(centred), "%g vs %g", noisy, centred);
    fdr_result_free(r);
    vv_clear(&a);
    fdr_model_free(m);
}

/* A study's groups of replicas never straddle two blocks: with
 * block_multiple every block but the last holds whole groups, on every
 * path, and the blocks cover the replicas in order. */
Test(observer, blocks_are_made_of_whole_groups)
{
    const size_t mults[] = {0, 3, 7, 64};
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        for (size_t q = 0; q < sizeof mults / sizeof *mults; q++) {
            fdr_engine_opts o = {.threads = 1, .block_multiple = mults[q]};
            fdr_engine *e;
            cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
            size_t nb = fdr_engine_nblocks(e), next = 0;
            for (size_t k = 0; k < nb; k++) {
                size_t first, n = fdr_engine_block(e, k, &first);
                cr_assert_eq(first, next);
                cr_assert_gt(n, 0);
                if (mults[q] > 1 && k + 1 < nb)
                    cr_assert_eq(n % mults[q], 0, "path %zu: a block of %zu for groups of %zu", p,
                                 n, mults[q]);
                next += n;
            }
            cr_assert_eq(next, (size_t)m->replicas);
            fdr_engine_free(e);
        }
        fdr_model_free(m);
    }
}

/* fdr_step_theta gives an observer theta after the step, in the
 * landscape's coordinates on every path: what fdr_engine_theta reads
 * once the engine stops there. */
typedef struct {
    long at;
    size_t d;
    double theta[20 * 8];
} theta_grab;

static void grab_observe(void *ctx, const fdr_step_view *v)
{
    theta_grab *g = ctx;
    if (v->t != g->at)
        return;
    for (size_t r = 0; r < v->n; r++)
        fdr_step_theta(v, r, g->d, g->theta + (v->first + r) * g->d);
}

Test(observer, an_observer_reads_theta_after_the_step)
{
    for (size_t p = 0; p < sizeof PATHS / sizeof *PATHS; p++) {
        fdr_model *m = test_model(PATHS[p]);
        size_t R = (size_t)m->replicas, d = m->land->dim;
        cr_assert_leq(R * d, 20 * 8);
        theta_grab g = {.at = 99, .d = d};
        fdr_observer ob = {0, &g, grab_observe};
        fdr_engine_opts o = {.threads = 2, .observers = &ob, .n_observers = 1};
        fdr_engine *e;
        cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
        cr_assert_eq(fdr_engine_advance(e, 100), FDR_OK);
        double theta[8], start[8];
        fdr_engine_initial(m, start);
        for (size_t r = 0; r < R; r++) {
            fdr_engine_theta(e, r, theta);
            cr_assert_eq(memcmp(theta, g.theta + r * d, d * sizeof *theta), 0,
                         "path %zu, replica %zu", p, r);
            cr_assert_neq(memcmp(theta, start, d * sizeof *theta), 0, "theta never moved");
        }
        fdr_engine_free(e);
        fdr_model_free(m);
    }
}

/* A replica that diverges at a rate the study set is reported with that
 * rate, not blamed on the model's; the engine then refuses to go on, and
 * its result, once taken, cannot be taken or advanced again. */
Test(observer, a_divergence_at_a_studys_rate_names_the_rate)
{
    fdr_model *m = test_model(GENERAL);
    fdr_engine_opts o = {.threads = 1};
    fdr_engine *e;
    cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
    fdr_engine_lr(e)[13] = 100 * m->lr;
    fdr_error_clear();
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_EDIVERGED);
    const char *msg = fdr_error_message();
    cr_assert(strstr(msg, "replica 13"), "%s", msg);
    cr_assert(strstr(msg, "set by the study"), "%s", msg);
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_EDIVERGED);
    fdr_engine_free(e);
    o.relations = 1;
    cr_assert_eq(fdr_engine_alloc(m, &o, &e), FDR_OK);
    cr_assert_eq(fdr_engine_advance(e, m->steps), FDR_OK);
    fdr_result *r;
    cr_assert_eq(fdr_engine_result(e, &r), FDR_OK);
    fdr_error_clear();
    fdr_result *again;
    cr_assert_eq(fdr_engine_result(e, &again), FDR_EINVAL);
    cr_assert_null(again);
    cr_assert_eq(fdr_engine_advance(e, m->steps + 1), FDR_EINVAL);
    cr_assert(strstr(fdr_error_message(), "taken"), "%s", fdr_error_message());
    double theta[3];
    fdr_engine_theta(e, 0, theta); /* the state stays readable */
    cr_assert(isfinite(theta[0]));
    fdr_result_free(r);
    fdr_engine_free(e);
    fdr_model_free(m);
}
