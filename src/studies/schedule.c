/* schedule.c - the FDR quencher and preset schedules (see schedule.h). */
#include "config.h"

#include "studies/schedule.h"
#include "engine/dist.h"
#include "engine/engine.h"
#include "exact/exact.h"
#include "exact/lyapunov.h"
#include "io/report.h"
#include "rng/rng.h"

#include <gsl/gsl_cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_GROUPS 64 /* replica groups: blocks of the run and units of the bootstrap */

static const char *const kind_name[FDR_SCHED_NKINDS] = {"fdr", "constant", "step", "inverse"};

const char *fdr_sched_kind_name(enum fdr_sched_kind kind)
{
    return kind_name[kind];
}

/* Fills o with the defaults (schedule.h); the step decay's steps depend on
 * the run's length. */
void fdr_sched_opts_default(fdr_sched_opts *o, long steps)
{
    memset(o, 0, sizeof *o);
    o->X = 0.01;
    o->Y = 0.9;
    o->t_adaptive = 1000;
    o->mode = FDR_SCHED_REPLICA;
    o->step_at[0] = steps / 4;
    o->step_at[1] = steps / 2;
    o->n_step_at = 2;
    o->step_factor = 0.1;
    o->t0 = 1000;
    for (int k = 0; k < FDR_SCHED_NKINDS; k++)
        o->run[k] = 1;
    o->target = NAN;
}

/* Returns FDR_OK if every option is in range, else FDR_EINVAL with a
 * message that names the option and its allowed values. */
int fdr_sched_opts_check(const fdr_sched_opts *o, long steps)
{
    if (!(o->X >= 0 && isfinite(o->X)))
        return fdr_error(FDR_EINVAL,
                         "--X %g: the threshold must be a finite number >= 0 "
                         "(0 never quenches)",
                         o->X);
    if (!(o->Y > 0 && o->Y < 1))
        return fdr_error(FDR_EINVAL,
                         "--Y %g: the cut must lie strictly between 0 and 1 "
                         "(eta <- (1 - Y) eta)",
                         o->Y);
    if (o->t_adaptive <= 0)
        return fdr_error(FDR_EINVAL, "--t-adaptive %ld: must be a positive number of steps",
                         o->t_adaptive);
    if (!(o->lr_min >= 0 && isfinite(o->lr_min)))
        return fdr_error(FDR_EINVAL, "--lr-min %g: must be a finite number >= 0", o->lr_min);
    if (!(o->step_factor > 0 && o->step_factor <= 1))
        return fdr_error(FDR_EINVAL, "--step-factor %g: must lie in (0, 1]", o->step_factor);
    if (!(o->t0 > 0 && isfinite(o->t0)))
        return fdr_error(FDR_EINVAL, "--t0 %g: must be a finite number > 0", o->t0);
    for (size_t i = 0; i < o->n_step_at; i++)
        if (o->step_at[i] <= (i ? o->step_at[i - 1] : 0) || o->step_at[i] > steps)
            return fdr_error(FDR_EINVAL,
                             "--step-at: the steps must increase and lie in "
                             "[1, %ld] (the run's length), got %ld",
                             steps, o->step_at[i]);
    if (!isnan(o->target) && !(o->target > 0 && isfinite(o->target)))
        return fdr_error(FDR_EINVAL, "--target %g: must be a finite number > 0", o->target);
    if (o->threads < 0)
        return fdr_error(FDR_EINVAL, "--threads %d: must be >= 1", o->threads);
    if (!o->run[FDR_SCHED_FDR])
        return fdr_error(FDR_EINVAL, "the fdr schedule always runs");
    return FDR_OK;
}

/* ---- the schedules' observer on the engine --------------------------------- */

/* Per recorded step and group of replicas: sums over its replicas, the
 * loss's, then per parameter group (P_*) its lr's and its O_L and O_R's. */
enum { A_LOSS, A_LOSS2, NACC };
enum { P_LR, P_LO, P_HI, P_OL, P_OR, P_OL2, P_OR2, P_OLOR, NPER };

/* One replica's quencher: the lr it runs at and the record of O_L and O_R
 * since the last change, kept as running sums plus the sums at the
 * half-grid points floor(j t_adaptive / 2), j = 0, 1, ..., which are where
 * the half-running windows start (check k uses the window [floor(k T/2), kT)). */
typedef struct {
    double lr;
    long n;          /* steps since the last change */
    double sl, sr;   /* sums of O_L and O_R over those steps */
    double *pl, *pr; /* the sums when n was floor(j T / 2) */
    size_t np;
    int frozen;    /* at the lr floor: no more checks */
    fdr_quench *q; /* replica mode: this replica's quenches */
    size_t nq;
} tracker;

/* What the schedule's observer shares between the engine's blocks: the
 * read-only set-up, the trackers (each block touches only its replicas')
 * and the sums per group and recorded step (each group lies in one block). */
typedef struct {
    const fdr_model *m;
    const fdr_sched_opts *o;
    enum fdr_sched_kind kind;
    const fdr_sched_result *res;
    long T;
    size_t cap;  /* half-grid points kept per tracker: steps / T + 2 */
    size_t npg;  /* parameter groups (res->npg) */
    size_t stride; /* accumulator entries per recorded step: NACC + npg NPER */
    double lr0[FDR_MAX_GROUPS]; /* each parameter group's initial lr */
    tracker *tr; /* R x npg trackers (fdr), replica-major, else NULL */
    double c1;   /* O_R = c1 / lr |v|^2: the FDR1 factor at lr = 1 (heavy-ball's is
                    1/lr times it) */
    double *acc; /* per group of replicas (the bootstrap's): n_rec x stride */
    size_t *next; /* per block: index of its next recorded step */
} run_ctx;

/* The lr of a preset schedule at step t (all start from lr0). */
static double preset_lr(const fdr_sched_opts *o, enum fdr_sched_kind kind, double lr0, long t)
{
    if (kind == FDR_SCHED_STEP) {
        double lr = lr0;
        for (size_t i = 0; i < o->n_step_at && o->step_at[i] <= t; i++)
            lr *= o->step_factor;
        return lr;
    }
    if (kind == FDR_SCHED_INVERSE)
        return lr0 / (1 + (double)t / o->t0);
    return lr0;
}

/* floor(j T / 2): where check j's half-running window starts. */
static long half_point(size_t j, long T)
{
    return (long)(j * (size_t)T / 2);
}

/* Clears the record (after a change of lr, and at the start). */
static void tracker_reset(tracker *k, long T, size_t cap)
{
    k->n = 0;
    k->sl = k->sr = 0;
    k->np = 0;
    while (k->np < cap && half_point(k->np, T) == 0) {
        k->pl[k->np] = k->pr[k->np] = 0;
        k->np++;
    }
}

/* Adds one step's O_L and O_R to the record. */
static void tracker_push(tracker *k, long T, size_t cap, double ol, double orr)
{
    k->sl += ol;
    k->sr += orr;
    k->n++;
    while (k->np < cap && half_point(k->np, T) == k->n) {
        k->pl[k->np] = k->sl;
        k->pr[k->np] = k->sr;
        k->np++;
    }
}

/* The lr after a quench from lr: (1 - Y) lr, but never below the floor. */
static double cut_lr(const fdr_sched_opts *o, double lr)
{
    return fmax((1 - o->Y) * lr, o->lr_min);
}

/* Replica mode: the check after this replica's n-th step since its last
 * change (n a multiple of T); next is the first step the new lr would use. */
static void replica_check(const run_ctx *c, tracker *k, long next)
{
    size_t j = (size_t)(k->n / c->T);
    double ratio = (k->sl - k->pl[j]) / (k->sr - k->pr[j]);
    if (!(fabs(ratio - 1) < c->o->X))
        return;
    double lr = cut_lr(c->o, k->lr);
    k->q[k->nq++] = (fdr_quench){next, k->lr, lr, ratio};
    k->lr = lr;
    k->frozen = lr <= c->o->lr_min;
    tracker_reset(k, c->T, c->cap);
}

/* The schedule's observer on the engine. Step t of every replica of a
 * block: its O_L (the noisy, uncentred theta . g) and O_R at the lr step t
 * used into the block's sums if t is a recorded step; then the lr of step
 * t + 1: the preset's, or, after an update, the quencher's bookkeeping
 * (in replica mode its check). */
static void sched_observe(void *ctx, const fdr_step_view *v)
{
    const run_ctx *c = ctx;
    const fdr_sched_result *res = c->res;
    long t = v->t;
    size_t *next = &c->next[v->block];
    int rec = *next < res->n_rec && res->rec_step[*next] == t;
    size_t npg = c->npg;
    for (size_t r = 0; r < v->n; r++) {
        /* the replica's group: whole groups make up the engine's blocks */
        double *acc = rec ? c->acc + (((v->first + r) / res->gsize[0]) * res->n_rec + *next) *
                                         c->stride
                          : NULL;
        if (rec) {
            double loss = v->obs[r * FDR_NOBS + FDR_OBS_LOSS];
            acc[A_LOSS] += loss;
            acc[A_LOSS2] += loss * loss;
        }
        for (size_t g = 0; g < npg; g++) {
            /* parameter group g's O_L and O_R, restricted to its coordinates */
            size_t i = r * npg + g;
            double lr = v->lr[i];
            double ol = npg > 1 ? v->group_ol[i] : v->noisy_ol[r];
            double vv = npg > 1 ? v->group_vv[i] : v->obs[r * FDR_NOBS + FDR_OBS_VV];
            double orr = c->c1 / lr * vv;
            if (rec) {
                double *a = acc + NACC + g * NPER;
                a[P_LR] += lr;
                a[P_LO] = fmin(a[P_LO], lr);
                a[P_HI] = fmax(a[P_HI], lr);
                a[P_OL] += ol;
                a[P_OR] += orr;
                a[P_OL2] += ol * ol;
                a[P_OR2] += orr * orr;
                a[P_OLOR] += ol * orr;
            }
            if (!c->tr) {
                v->lr[i] = preset_lr(c->o, c->kind, c->lr0[g], t + 1);
                continue;
            }
            tracker *k = &c->tr[(v->first + r) * npg + g];
            if (!v->updated)
                continue;
            tracker_push(k, c->T, c->cap, ol, orr);
            /* no check after the last update: its lr would never be used */
            if (c->o->mode == FDR_SCHED_REPLICA && !k->frozen && k->n % c->T == 0 &&
                t + 1 < c->m->steps)
                replica_check(c, k, t + 1);
            v->lr[i] = k->lr;
        }
    }
    if (rec)
        (*next)++;
}

/* Frees R trackers and their records; NULL is a no-op. */
static void trackers_free(tracker *tr, size_t R)
{
    for (size_t r = 0; tr && r < R; r++) {
        free(tr[r].pl);
        free(tr[r].pr);
        free(tr[r].q);
    }
    free(tr);
}

/* R trackers (replicas x parameter groups) at their lr0; replica mode also gives each room for its quenches
 * (at most one per t_adaptive steps). */
static tracker *trackers_alloc(const run_ctx *c, size_t R)
{
    tracker *tr = fdr_calloc(R, sizeof *tr);
    if (!tr)
        return NULL;
    size_t qcap = (size_t)(c->m->steps / c->T) + 1;
    for (size_t r = 0; r < R; r++) {
        tracker *k = &tr[r];
        k->lr = c->lr0[r % c->npg];
        k->frozen = k->lr <= c->o->lr_min;
        k->pl = fdr_malloc(c->cap * sizeof *k->pl);
        k->pr = fdr_malloc(c->cap * sizeof *k->pr);
        if (c->o->mode == FDR_SCHED_REPLICA)
            k->q = fdr_malloc(qcap * sizeof *k->q);
        if (!k->pl || !k->pr || (c->o->mode == FDR_SCHED_REPLICA && !k->q)) {
            trackers_free(tr, R);
            return NULL;
        }
        tracker_reset(k, c->T, c->cap);
    }
    return tr;
}

/* The replicas [span[k], span[k + 1]) that rank k of job d runs (span has
 * d->size + 1 entries): those of its range of the engine's blocks, empty
 * for a rank without blocks. Without a job, span = {0, R}. */
static void replica_spans(const fdr_engine *e, const fdr_dist *d, size_t R, size_t *span)
{
    size_t ranks = d ? (size_t)d->size : 1, nb = fdr_engine_nblocks(e);
    for (size_t k = 0; k < ranks; k++) {
        size_t k0, k1, first = R;
        fdr_dist_range(d, (int)k, nb, &k0, &k1);
        if (k0 < nb)
            fdr_engine_block(e, k0, &first);
        span[k] = first;
    }
    span[ranks] = R;
}

/* Ensemble mode: parameter group g's check after its shared n-th step
 * since its last change, on the replica means of the half-running windows,
 * summed in replica order so that the decision depends on neither threads
 * nor ranks: in a job, every rank's window sums of its replicas (span)
 * first reach every rank. win is scratch of 4 R doubles, len of d->size. */
static int ensemble_check(const run_ctx *c, const fdr_dist *d, const size_t *span, size_t R,
                          size_t g, long n, long next, fdr_quench *q, size_t *nq, double *win,
                          size_t *len)
{
    size_t npg = c->npg, rank = d ? (size_t)d->rank : 0;
    tracker *tr = c->tr + g;
    size_t j = (size_t)(n / c->T), r0 = span[rank], r1 = span[rank + 1];
    double *own = win + 2 * R;
    for (size_t r = r0; r < r1; r++) {
        own[2 * (r - r0)] = tr[r * npg].sl - tr[r * npg].pl[j];
        own[2 * (r - r0) + 1] = tr[r * npg].sr - tr[r * npg].pr[j];
    }
    if (d) {
        for (size_t k = 0; k < (size_t)d->size; k++)
            len[k] = 2 * (span[k + 1] - span[k]) * sizeof *win;
        int rc = d->gather(d->ctx, own, len, win, 1);
        if (rc != FDR_OK)
            return rc;
    } else {
        memcpy(win, own, 2 * R * sizeof *win);
    }
    double sl = 0, sr = 0;
    for (size_t r = 0; r < R; r++) {
        sl += win[2 * r];
        sr += win[2 * r + 1];
    }
    double ratio = sl / sr;
    if (!(fabs(ratio - 1) < c->o->X))
        return FDR_OK;
    double lr = cut_lr(c->o, tr[0].lr);
    q[(*nq)++] = (fdr_quench){next, tr[0].lr, lr, ratio};
    for (size_t r = 0; r < R; r++) {
        tr[r * npg].lr = lr;
        tr[r * npg].frozen = lr <= c->o->lr_min;
        tracker_reset(&tr[r * npg], c->T, c->cap);
    }
    return FDR_OK;
}

/* In a job, brings to rank 0 what the other ranks' replicas (span) hold:
 * their groups' sums (acc; a rank's blocks are whole groups, so its groups
 * are contiguous) and, in replica mode, every tracker's quenches. Every
 * rank takes part; the status is every rank's. */
static int gather_replicas(run_ctx *c, const fdr_dist *d, const size_t *span, int quenches)
{
    const fdr_sched_result *res = c->res;
    size_t ranks = (size_t)d->size, rank = (size_t)d->rank, npg = c->npg;
    size_t bs = res->gsize[0], per = res->n_rec * c->stride, R = res->R;
    size_t *len = fdr_malloc(ranks * sizeof *len);
    uint64_t *size = fdr_malloc(ranks * sizeof *size);
    double *acc = rank == 0 ? fdr_malloc(res->ngroups * per * sizeof *acc) : NULL;
    /* the quenches: per tracker of this rank's replicas, their count and records */
    uint64_t own = 0;
    for (size_t i = span[rank] * npg; quenches && rank != 0 && i < span[rank + 1] * npg; i++)
        own += sizeof own + c->tr[i].nq * sizeof *c->tr[i].q;
    char *send = own ? fdr_malloc((size_t)own) : NULL, *recv = NULL;
    int rc = len && size && (rank != 0 || acc) && (!own || send) ? FDR_OK : FDR_ENOMEM;
    rc = fdr_dist_agree(d, rc);
    size_t g0 = span[rank] / bs;
    for (size_t k = 0; rc == FDR_OK && k < ranks; k++)
        len[k] = span[k] < span[k + 1]
                     ? ((span[k + 1] + bs - 1) / bs - span[k] / bs) * per * sizeof *acc
                     : 0;
    if (rc == FDR_OK)
        rc = d->gather(d->ctx, c->acc + g0 * per, len, acc, 0);
    if (rc == FDR_OK && rank == 0)
        memcpy(c->acc, acc, res->ngroups * per * sizeof *acc);
    size_t at = 0, total = 0;
    for (size_t i = span[rank] * npg; rc == FDR_OK && own && i < span[rank + 1] * npg; i++) {
        uint64_t nq = c->tr[i].nq;
        memcpy(send + at, &nq, sizeof nq);
        memcpy(send + at + sizeof nq, c->tr[i].q, c->tr[i].nq * sizeof *c->tr[i].q);
        at += sizeof nq + c->tr[i].nq * sizeof *c->tr[i].q;
    }
    if (rc == FDR_OK && quenches)
        rc = fdr_dist_each(d, &own, sizeof own, size);
    for (size_t k = 0; rc == FDR_OK && quenches && k < ranks; k++)
        total += (len[k] = (size_t)size[k]);
    if (rc == FDR_OK && quenches && rank == 0 && total && !(recv = fdr_malloc(total)))
        rc = FDR_ENOMEM;
    if (quenches)
        rc = fdr_dist_agree(d, rc);
    if (rc == FDR_OK && quenches)
        rc = d->gather(d->ctx, send, len, recv, 0);
    /* rank 0 places the other ranks' quenches at their trackers */
    size_t qcap = (size_t)(c->m->steps / c->T) + 1;
    at = 0;
    for (size_t i = span[1] * npg; rc == FDR_OK && quenches && rank == 0 && i < R * npg; i++) {
        uint64_t nq;
        if (total - at < sizeof nq) {
            rc = fdr_error(FDR_EFAIL, "the quenches from the other ranks arrived malformed");
            break;
        }
        memcpy(&nq, recv + at, sizeof nq);
        if (nq > qcap || total - at - sizeof nq < nq * sizeof *c->tr[i].q) {
            rc = fdr_error(FDR_EFAIL, "the quenches from the other ranks arrived malformed");
            break;
        }
        c->tr[i].nq = (size_t)nq;
        memcpy(c->tr[i].q, recv + at + sizeof nq, (size_t)nq * sizeof *c->tr[i].q);
        at += sizeof nq + (size_t)nq * sizeof *c->tr[i].q;
    }
    free(len);
    free(size);
    free(acc);
    free(send);
    free(recv);
    return fdr_dist_agree(d, rc);
}

/* The lowest of every rank's lo, in rank order (fmin is exact, so the
 * order does not change it); lo itself without a job. */
static int lowest(const fdr_dist *d, double *lo)
{
    if (!d)
        return FDR_OK;
    size_t ranks = (size_t)d->size;
    double *all = fdr_malloc(ranks * sizeof *all);
    int rc = fdr_dist_agree(d, all ? FDR_OK : FDR_ENOMEM);
    if (rc == FDR_OK)
        rc = fdr_dist_each(d, lo, sizeof *lo, all);
    for (size_t k = 0; rc == FDR_OK && k < ranks; k++)
        *lo = fmin(*lo, all[k]);
    free(all);
    return rc;
}

/* ---- exact curves and statistics ----------------------------------------- */

/* Exact <f> - f* and <O_L>/<O_R> at every recorded step along the lr
 * sequence of schedule s, from theta0 with v = 0: the second moment goes
 * through M <- A M A^T + Q with each step's lr (fdr_lyap_step_traces: the
 * traces are all it needs), its velocity carried over each change of lr by
 * the optimizer's convention. <O_L> = <theta . grad f> = Tr(H M_tt) +
 * theta* . grad f(<theta>), where <theta> follows the noiseless iteration
 * (the gradient is linear). */
static int exact_curve(const fdr_model *m, const fdr_sched_opts *o, fdr_lyap *w,
                       const fdr_sched_result *res, fdr_sched_curve *s, const double *theta0)
{
    size_t d = res->d;
    const double *ref = m->land->ref;
    double *buf = fdr_calloc(4 * d, sizeof *buf);
    if (!buf)
        return FDR_ENOMEM;
    double *dx = buf, *xm = buf + d, *vm = buf + 2 * d, *gm = buf + 3 * d;
    int centred = 1;
    for (size_t i = 0; i < d; i++) {
        dx[i] = theta0[i] - ref[i];
        xm[i] = theta0[i];
        centred = centred && ref[i] == 0;
    }
    fdr_lyap_set_initial(w, dx, vm);
    const fdr_optim_params op = fdr_model_optim_params(m);
    double lr = m->lr;
    size_t kq = 0, j = 0;
    for (long t = 0; t <= res->steps; t++) {
        double lr_prev = lr;
        if (s->kind == FDR_SCHED_FDR) {
            if (kq < s->nq[0] && s->q[0][kq].step == t)
                lr = s->q[0][kq++].lr_after;
        } else {
            lr = preset_lr(o, s->kind, m->lr, t);
        }
        /* The engine's carry at a change of lr (optim.h): v -> c v, so
         * <x v^T> -> c <x v^T>, <v v^T> -> c^2 <v v^T> and <v> -> c <v>. */
        double carry = lr != lr_prev && m->opt->carry ? m->opt->carry(&op, lr_prev, lr) : 1;
        if (carry != 1) {
            fdr_lyap_scale_velocity(w, carry);
            for (size_t i = 0; !centred && i < d; i++)
                vm[i] *= carry;
        }
        if (!centred)
            fdr_landscape_gradient(m->land, xm, gm);
        if (j < res->n_rec && res->rec_step[j] == t) {
            fdr_lyap_traces tr;
            fdr_lyap_traces_get(w, &tr);
            double ol = tr.theta_dot_grad;
            for (size_t i = 0; !centred && i < d; i++)
                ol += ref[i] * gm[i];
            s->exact_loss[j] = tr.loss_excess;
            s->exact_ratio[j] =
                tr.v_dot_v > 0 ? ol / (m->opt->fdr1_factor(&op, lr) * tr.v_dot_v) : NAN;
            j++;
        }
        int rc = fdr_lyap_step_traces(w, m->opt, &op, lr);
        if (rc != FDR_OK) {
            free(buf);
            return rc;
        }
        if (!centred) { /* the mean follows the noiseless update (the map is linear) */
            m->opt->update_block(&op, 1, d, &lr, 0, vm, gm, NULL, NULL, NULL);
            for (size_t i = 0; i < d; i++)
                xm[i] += vm[i];
        }
    }
    free(buf);
    s->exact = 1;
    return FDR_OK;
}

/* The exact curves of a run with parameter groups (doc/theory.md section
 * 10.1): heavy-ball SGD with eta_b,i the coefficient of coordinate i's
 * group, x = theta - theta*, v' = mu v - E (H x + xi), x' = x + v', E =
 * diag(eta_b,i) (a diagonal preconditioner that changes at each quench,
 * so no fixed eigenbasis serves). The second moments about theta*, M_tt,
 * M_tv, M_vv (d x d, dense), and the means follow
 *     B     = <x v'^T>  = -M_tt H E + mu M_tv,
 *     M_vv' = E H M_tt H E - mu (E H M_tv + (E H M_tv)^T) + mu^2 M_vv + E C E,
 *     M_tv' = B + M_vv',   M_tt' = M_tt + B + B^T + M_vv',
 * with each group's velocity carried over a change of its lr by the
 * convention (v_i -> c_i v_i). Recorded: Tr(H M_tt) / 2 and per group
 * <O_L,G> = sum_{i in G} (H M_tt)_ii + theta*_i (H <x>)_i over
 * <O_R,G> = (1 + mu) / (2 eta_b,G) sum_{i in G} (M_vv)_ii. */
static int exact_curve_groups(const fdr_model *m, const fdr_sched_opts *o,
                              const fdr_sched_result *res, fdr_sched_curve *s,
                              const double *theta0, const double *lr0)
{
    size_t d = res->d, npg = res->npg, dd = d * d;
    const double *H = m->land->H, *C = m->noise->C, *ref = m->land->ref;
    double *buf = fdr_calloc(7 * dd + 6 * d, sizeof *buf);
    if (!buf)
        return FDR_ENOMEM;
    double *Mtt = buf, *Mtv = buf + dd, *Mvv = buf + 2 * dd, *HM = buf + 3 * dd;
    double *HMH = buf + 4 * dd, *HMtv = buf + 5 * dd, *B = buf + 6 * dd;
    double *mx = buf + 7 * dd, *mv = mx + d, *hx = mx + 2 * d, *eta = mx + 3 * d;
    double *sc = mx + 4 * d, *ol = mx + 5 * d;
    for (size_t i = 0; i < d; i++)
        mx[i] = theta0[i] - ref[i];
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            Mtt[i * d + j] = mx[i] * mx[j];
    const fdr_optim_params op = fdr_model_optim_params(m);
    double lr[FDR_MAX_GROUPS], mu = 0;
    size_t kq[FDR_MAX_GROUPS] = {0}, j = 0;
    for (size_t g = 0; g < npg; g++)
        lr[g] = NAN;
    for (long t = 0; t <= res->steps; t++) {
        int carried = 0;
        for (size_t g = 0; g < npg; g++) {
            double prev = lr[g];
            if (s->kind != FDR_SCHED_FDR)
                lr[g] = preset_lr(o, s->kind, lr0[g], t);
            else if (t == 0)
                lr[g] = lr0[g];
            else if (kq[g] < s->nq[g] && s->q[g][kq[g]].step == t)
                lr[g] = s->q[g][kq[g]++].lr_after;
            double c = t > 0 && lr[g] != prev && m->opt->carry ? m->opt->carry(&op, prev, lr[g])
                                                               : 1;
            const fdr_group *gr = &m->groups[g];
            double eb;
            m->opt->heavy_ball(&op, lr[g], &mu, &eb);
            for (size_t i = gr->first; i < gr->first + gr->count; i++) {
                sc[i] = c;
                eta[i] = eb;
            }
            carried = carried || c != 1;
        }
        for (size_t i = 0; carried && i < d; i++) {
            mv[i] *= sc[i];
            for (size_t k = 0; k < d; k++) {
                Mvv[i * d + k] *= sc[i] * sc[k];
                Mtv[i * d + k] *= sc[k];
            }
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, H,
                    (int)d, Mtt, (int)d, 0.0, HM, (int)d);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, H, (int)d, mx, 1, 0.0, hx,
                    1);
        if (j < res->n_rec && res->rec_step[j] == t) {
            double loss = 0;
            for (size_t i = 0; i < d; i++) {
                loss += HM[i * d + i];
                ol[i] = HM[i * d + i] + ref[i] * hx[i];
            }
            s->exact_loss[j] = 0.5 * loss;
            for (size_t g = 0; g < npg; g++) {
                const fdr_group *gr = &m->groups[g];
                double l = 0, vv = 0;
                for (size_t i = gr->first; i < gr->first + gr->count; i++) {
                    l += ol[i];
                    vv += Mvv[i * d + i];
                }
                s->exact_ratio[j * npg + g] =
                    vv > 0 ? l / (m->opt->fdr1_factor(&op, lr[g]) * vv) : NAN;
            }
            j++;
        }
        if (t == res->steps)
            break;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, HM,
                    (int)d, H, (int)d, 0.0, HMH, (int)d);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, H,
                    (int)d, Mtv, (int)d, 0.0, HMtv, (int)d);
        for (size_t i = 0; i < d; i++)
            for (size_t k = 0; k < d; k++) {
                size_t ik = i * d + k, ki = k * d + i;
                B[ik] = -HM[ki] * eta[k] + mu * Mtv[ik];
                Mvv[ik] = eta[i] * eta[k] * (HMH[ik] + C[ik]) -
                          mu * (eta[i] * HMtv[ik] + eta[k] * HMtv[ki]) + mu * mu * Mvv[ik];
            }
        for (size_t i = 0; i < d; i++)
            for (size_t k = 0; k < d; k++) {
                size_t ik = i * d + k, ki = k * d + i;
                Mtv[ik] = B[ik] + Mvv[ik];
                Mtt[ik] += B[ik] + B[ki] + Mvv[ik];
            }
        for (size_t i = 0; i < d; i++) {
            mv[i] = mu * mv[i] - eta[i] * hx[i];
            mx[i] += mv[i];
        }
    }
    free(buf);
    s->exact = 1;
    return FDR_OK;
}

/* The exact stationary excess loss at the groups' initial rates: in y =
 * E^-1/2 x, E = diag(eta_b,i / eta_b), the step is heavy-ball SGD at the
 * model's eta_b on E^1/2 H E^1/2 with noise covariance E^1/2 C E^1/2, and
 * y^T (E^1/2 H E^1/2) y = x^T H x: the Lyapunov solver's closed form
 * applies there. FDR_EUNSTABLE when the rates have no stationary state. */
static int groups_stationary(const fdr_model *m, double *loss)
{
    size_t d = m->land->dim;
    const fdr_optim_params op = fdr_model_optim_params(m);
    double mu, eb, *buf = fdr_malloc((2 * d * d + d) * sizeof *buf);
    if (!buf)
        return FDR_ENOMEM;
    double *Hs = buf, *Cs = buf + d * d, *e = buf + 2 * d * d;
    m->opt->heavy_ball(&op, m->lr, &mu, &eb);
    for (size_t g = 0; g < m->ngroups; g++) {
        double eg, mg;
        m->opt->heavy_ball(&op, m->groups[g].lr, &mg, &eg);
        for (size_t i = m->groups[g].first; i < m->groups[g].first + m->groups[g].count; i++)
            e[i] = sqrt(eg / eb);
    }
    for (size_t i = 0; i < d; i++)
        for (size_t k = 0; k < d; k++) {
            Hs[i * d + k] = e[i] * m->land->H[i * d + k] * e[k];
            Cs[i * d + k] = e[i] * m->noise->C[i * d + k] * e[k];
        }
    fdr_lyap *w = fdr_lyap_alloc(d, Hs, Cs);
    int rc = w ? fdr_lyap_stationary(w, eb, mu) : FDR_ENOMEM;
    if (rc == FDR_OK) {
        fdr_lyap_traces tr;
        fdr_lyap_traces_get(w, &tr);
        *loss = tr.loss_excess;
    } else if (rc == FDR_EUNSTABLE) {
        fdr_error_clear();
        rc = fdr_error(FDR_EUNSTABLE,
                       "%s: [optimizer] group_lr: the groups' learning rates have no stationary "
                       "state on this quadratic (lower the largest group's lr)",
                       m->source);
    }
    fdr_lyap_free(w);
    free(buf);
    return rc;
}

/* The value of the local minimum reached from x by gradient descent with a
 * backtracking step; x is overwritten, g and y are d-vectors of scratch. */
static double descend(const fdr_landscape *l, double *x, double *g, double *y)
{
    size_t d = l->dim;
    double fx = fdr_landscape_value(l, x), step = 0.1;
    for (int it = 0; it < 20000 && step > 1e-15; it++) {
        fdr_landscape_gradient(l, x, g);
        double gn = 0;
        for (size_t i = 0; i < d; i++)
            gn += g[i] * g[i];
        gn = sqrt(gn);
        if (!(gn > 1e-13))
            break;
        for (size_t i = 0; i < d; i++)
            y[i] = x[i] - step * g[i] / gn;
        double fy = fdr_landscape_value(l, y);
        if (fy < fx) {
            memcpy(x, y, d * sizeof *x);
            fx = fy;
            step *= 1.5;
        } else {
            step *= 0.5;
        }
    }
    return fx;
}

/* Merges the blocks' sums (acc), in block order, into schedule s's curves. */
static void merge_blocks(fdr_sched_result *res, fdr_sched_curve *s, const double *acc)
{
    size_t n = res->n_rec, npg = res->npg, stride = NACC + npg * NPER;
    double R = (double)res->R;
    for (size_t k = 0; k < n; k++) {
        double a[NACC + FDR_MAX_GROUPS * NPER] = {0};
        for (size_t g = 0; g < npg; g++) {
            a[NACC + g * NPER + P_LO] = INFINITY;
            a[NACC + g * NPER + P_HI] = -INFINITY;
        }
        for (size_t g = 0; g < res->ngroups; g++) {
            const double *b = acc + (g * n + k) * stride;
            for (size_t i = 0; i < stride; i++) {
                size_t p = i < NACC ? NPER : (i - NACC) % NPER;
                a[i] = p == P_LO ? fmin(a[i], b[i]) : p == P_HI ? fmax(a[i], b[i]) : a[i] + b[i];
            }
            s->gloss[g * n + k] = b[A_LOSS];
        }
        double ml = a[A_LOSS] / R;
        s->loss[k] = ml;
        s->loss_err[k] = sqrt(fmax(0, (a[A_LOSS2] - a[A_LOSS] * ml) / (R * (R - 1))));
        for (size_t g = 0; g < npg; g++) {
            const double *p = a + NACC + g * NPER;
            size_t i = k * npg + g;
            double mr = p[P_OR] / R, rho = p[P_OL] / p[P_OR];
            /* a shared lr stays exact rather than a rounded mean */
            s->lr[i] = p[P_LO] == p[P_HI] ? p[P_LO] : p[P_LR] / R;
            s->lr_lo[i] = p[P_LO];
            s->lr_hi[i] = p[P_HI];
            /* delta method: the spread of O_L - rho O_R over replicas */
            s->ratio[i] = rho;
            s->ratio_err[i] = sqrt(fmax(0, (p[P_OL2] - 2 * rho * p[P_OLOR] + rho * rho * p[P_OR2]) /
                                               (R * (R - 1)))) /
                              mr;
            if (!(p[P_OR] > 0)) /* at step 0 v = 0: no O_R, no ratio */
                s->ratio[i] = s->ratio_err[i] = NAN;
        }
    }
}

/* The step at which the curve y (at the recorded steps) first falls to
 * target, linearly interpolated between recorded steps; NAN if never. */
static double crossing(const long *step, const double *y, size_t n, double target)
{
    if (y[0] <= target)
        return (double)step[0];
    for (size_t k = 1; k < n; k++)
        if (y[k] <= target)
            return (double)step[k - 1] +
                   (double)(step[k] - step[k - 1]) * (y[k - 1] - target) / (y[k - 1] - y[k]);
    return NAN;
}

/* Time to target with its bootstrap error: the crossing of the mean curve
 * of NBOOT resamples (with replacement) of the groups of replicas. A first
 * crossing is not a smooth function of the replicas (the jackknife
 * overstates its spread by about half here); the bootstrap follows it. The
 * resamples draw from their own stream (seed, FDR_SCHED_BOOT_STREAM - kind),
 * apart from every replica's. shift = f(c) - f* turns the group sums of
 * f - f(c) into sums of the excess loss. The error is NAN when more than a
 * tenth of the resamples never reach the target. */
static int time_to_target(fdr_sched_result *res, fdr_sched_curve *s, uint64_t seed, double shift)
{
    enum { NBOOT = 200 };
    size_t n = res->n_rec, G = res->ngroups;
    double *y = fdr_malloc(n * sizeof *y), *tb = fdr_malloc(NBOOT * sizeof *tb);
    fdr_rng *rng = fdr_rng_alloc(seed, FDR_SCHED_BOOT_STREAM - (uint64_t)s->kind);
    int rc = y && tb && rng ? FDR_OK : FDR_ENOMEM;
    s->time_to_target.val = crossing(res->rec_step, s->loss, n, res->target);
    s->time_to_target.err = NAN;
    if (rc == FDR_OK && !isnan(s->time_to_target.val)) {
        double mean = 0, ss = 0;
        int reached = 0;
        for (int b = 0; b < NBOOT; b++) {
            double count = 0;
            for (size_t k = 0; k < n; k++)
                y[k] = 0;
            for (size_t i = 0; i < G; i++) {
                size_t g = (size_t)(((unsigned __int128)fdr_rng_u64(rng) * G) >> 64);
                for (size_t k = 0; k < n; k++)
                    y[k] += s->gloss[g * n + k] + shift * (double)res->gsize[g];
                count += (double)res->gsize[g];
            }
            for (size_t k = 0; k < n; k++)
                y[k] /= count;
            tb[b] = crossing(res->rec_step, y, n, res->target);
            if (!isnan(tb[b])) {
                mean += tb[b];
                reached++;
            }
        }
        mean /= reached > 0 ? reached : 1;
        for (int b = 0; b < NBOOT; b++)
            if (!isnan(tb[b]))
                ss += (tb[b] - mean) * (tb[b] - mean);
        if (10 * reached >= 9 * NBOOT)
            s->time_to_target.err = sqrt(ss / (reached - 1));
    }
    free(y);
    free(tb);
    fdr_rng_free(rng);
    return rc;
}

/* Allocates schedule s's curves for n recorded steps and G groups; the
 * exact curves start as NAN (unknown). */
static int curve_alloc(fdr_sched_curve *s, enum fdr_sched_kind kind, size_t n, size_t G,
                       size_t npg)
{
    s->kind = kind;
    s->name = kind_name[kind];
    double **arr[] = {&s->lr,    &s->lr_lo,     &s->lr_hi,      &s->loss,       &s->loss_err,
                      &s->ratio, &s->ratio_err, &s->exact_loss, &s->exact_ratio};
    for (size_t i = 0; i < sizeof arr / sizeof *arr; i++) {
        /* per parameter group but the loss's */
        size_t len = arr[i] == &s->loss || arr[i] == &s->loss_err || arr[i] == &s->exact_loss
                         ? n
                         : n * npg;
        if (!(*arr[i] = fdr_malloc(len * sizeof **arr[i])))
            return FDR_ENOMEM;
    }
    for (size_t k = 0; k < n; k++)
        s->exact_loss[k] = NAN;
    for (size_t k = 0; k < n * npg; k++)
        s->exact_ratio[k] = NAN;
    s->exact_final_loss = NAN;
    if (!(s->gloss = fdr_calloc(G * n, sizeof *s->gloss)))
        return FDR_ENOMEM;
    return FDR_OK;
}

/* Runs one schedule over every replica into res->s[res->nsched]: a study
 * on the engine, whose blocks are made of whole groups of the bootstrap
 * (so no two blocks share a group's sums), with the schedule's observer
 * and no relations. */
static int run_schedule(const fdr_model *m, const fdr_sched_opts *o, fdr_sched_result *res,
                        enum fdr_sched_kind kind)
{
    fdr_sched_curve *s = &res->s[res->nsched++];
    size_t R = res->R, d = res->d, G = res->ngroups, n = res->n_rec, npg = res->npg;
    int rc = curve_alloc(s, kind, n, G, npg);
    if (rc != FDR_OK)
        return rc;
    run_ctx c = {.m = m, .o = o, .kind = kind, .res = res, .T = o->t_adaptive, .npg = npg,
                 .stride = NACC + npg * NPER};
    for (size_t g = 0; g < npg; g++)
        c.lr0[g] = npg > 1 ? m->groups[g].lr : m->lr;
    c.cap = (size_t)(m->steps / c.T) + 2;
    const fdr_optim_params op = fdr_model_optim_params(m);
    c.c1 = m->opt->fdr1_factor(&op, 1.0);
    int ensemble = kind == FDR_SCHED_FDR && o->mode == FDR_SCHED_ENSEMBLE;
    size_t qcap = (size_t)(m->steps / o->t_adaptive) + 1;
    if (kind == FDR_SCHED_FDR) {
        s->nlists = (ensemble ? 1 : R) * npg;
        s->nq = fdr_calloc(s->nlists, sizeof *s->nq);
        s->q = fdr_calloc(s->nlists, sizeof *s->q);
        if (!s->nq || !s->q || !(c.tr = trackers_alloc(&c, R * npg)))
            return FDR_ENOMEM;
        for (size_t g = 0; ensemble && g < npg; g++)
            if (!(s->q[g] = fdr_malloc(qcap * sizeof **s->q)))
                return FDR_ENOMEM;
    }
    c.acc = fdr_malloc(G * n * c.stride * sizeof *c.acc);
    c.next = fdr_calloc(G, sizeof *c.next);
    fdr_engine *e = NULL;
    fdr_observer obs = {FDR_NEED_NOISY_OL, &c, sched_observe};
    const fdr_dist *dist = o->dist && o->dist->size > 1 ? o->dist : NULL;
    fdr_engine_opts eo = {.threads = o->threads, .block_multiple = res->gsize[0], .observers = &obs,
                          .n_observers = 1, .dist = dist};
    size_t ranks = dist ? (size_t)dist->size : 1;
    /* per rank: its replicas (span), a length (lens); ensemble checks' window sums (win) */
    size_t *span = fdr_malloc((2 * ranks + 1) * sizeof *span), *lens = span + ranks + 1;
    double *win = ensemble ? fdr_malloc(4 * R * sizeof *win) : NULL;
    rc = c.acc && c.next && span && (!ensemble || win) ? fdr_engine_alloc(m, &eo, &e)
                                                       : FDR_ENOMEM;
    rc = fdr_dist_agree(dist, rc);
    if (rc == FDR_OK)
        replica_spans(e, dist, R, span);
    for (size_t k = 0; rc == FDR_OK && k < G * n; k++) {
        double *a = c.acc + k * c.stride;
        memset(a, 0, c.stride * sizeof *a);
        for (size_t g = 0; g < npg; g++) {
            a[NACC + g * NPER + P_LO] = INFINITY;
            a[NACC + g * NPER + P_HI] = -INFINITY;
        }
    }
    long t = 0, since[FDR_MAX_GROUPS] = {0}; /* ensemble: each group's last change */
    while (rc == FDR_OK && t < m->steps) {
        /* The engine runs its blocks independently up to the next point
         * where the replicas must agree: the next ensemble check of any
         * parameter group, or the end of the run. */
        long t1 = m->steps;
        for (size_t g = 0; ensemble && g < npg; g++)
            if (!c.tr[g].frozen && t + (c.T - (t - since[g]) % c.T) < t1)
                t1 = t + (c.T - (t - since[g]) % c.T);
        rc = fdr_engine_advance(e, t1);
        t = t1;
        int checked = 0;
        for (size_t g = 0; rc == FDR_OK && ensemble && g < npg; g++)
            if (!c.tr[g].frozen && (t - since[g]) % c.T == 0 && t < m->steps) {
                size_t nq = s->nq[g];
                rc = ensemble_check(&c, dist, span, R, g, t - since[g], t, s->q[g], &s->nq[g],
                                    win, lens);
                if (s->nq[g] > nq)
                    since[g] = t;
                checked = 1;
            }
        if (checked) {
            double *lr = fdr_engine_lr(e);
            for (size_t r = 0; r < R * npg; r++)
                lr[r] = c.tr[r].lr;
        }
    }
    /* The final state is observed, not updated. */
    if (rc == FDR_OK)
        rc = fdr_engine_advance(e, m->steps + 1);
    if (rc == FDR_EDIVERGED) { /* name the schedule after the file */
        char msg[1024];
        const char *what = fdr_error_message();
        size_t len = strlen(m->source);
        if (strncmp(what, m->source, len) == 0 && strncmp(what + len, ": ", 2) == 0)
            what += len + 2;
        snprintf(msg, sizeof msg, "%s", what);
        fdr_error_clear();
        rc = fdr_error(FDR_EDIVERGED, "%s: schedule %s: %s", m->source, s->name, msg);
    }
    if (rc == FDR_OK && dist)
        rc = gather_replicas(&c, dist, span, kind == FDR_SCHED_FDR && !ensemble);
    if (rc == FDR_OK) {
        merge_blocks(res, s, c.acc);
        if (kind == FDR_SCHED_FDR && !ensemble)
            for (size_t r = 0; r < R * npg; r++) {
                s->q[r] = c.tr[r].q;
                s->nq[r] = c.tr[r].nq;
                c.tr[r].q = NULL;
            }
        /* f* off a known minimum: the lowest minimum reached by descent from
         * the reference point and from every replica's final state (each
         * rank descends from its own). */
        if (!m->land->ref_is_min) {
            size_t rank = dist ? (size_t)dist->rank : 0;
            double *x = fdr_malloc(3 * d * sizeof *x), lo = res->fstar;
            rc = fdr_dist_agree(dist, x ? FDR_OK : FDR_ENOMEM);
            for (size_t r = span[rank]; rc == FDR_OK && r < span[rank + 1]; r++) {
                fdr_engine_theta(e, r, x);
                lo = fmin(lo, descend(m->land, x, x + d, x + 2 * d));
            }
            if (rc == FDR_OK)
                rc = lowest(dist, &lo);
            res->fstar = lo;
            free(x);
        }
    }
    fdr_engine_free(e);
    free(span);
    free(win);
    free(c.acc);
    free(c.next);
    trackers_free(c.tr, R * npg);
    return rc;
}

/* Frees a result and everything it owns; NULL is a no-op. */
void fdr_sched_result_free(fdr_sched_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsched; i++) {
        fdr_sched_curve *s = &r->s[i];
        free(s->lr);
        free(s->lr_lo);
        free(s->lr_hi);
        free(s->loss);
        free(s->loss_err);
        free(s->ratio);
        free(s->ratio_err);
        free(s->exact_loss);
        free(s->exact_ratio);
        free(s->gloss);
        for (size_t k = 0; s->q && k < s->nlists; k++)
            free(s->q[k]);
        free(s->q);
        free(s->nq);
    }
    free(r->rec_step);
    free(r->gsize);
    free(r);
}

/* The recorded steps: 0, then about 20 per decade up to record_every (for
 * log-scale figures), then every record_every steps, then the last step. */
static int record_grid(fdr_sched_result *res, long every)
{
    size_t cap = (size_t)(res->steps / every) + 2 + 200;
    long *s = fdr_malloc(cap * sizeof *s);
    if (!s)
        return FDR_ENOMEM;
    size_t k = 0;
    s[k++] = 0;
    for (int j = 0;; j++) {
        long t = lround(pow(10, j / 20.0));
        if (t >= every || t >= res->steps)
            break;
        if (t > s[k - 1])
            s[k++] = t;
    }
    for (long t = every; t < res->steps; t += every)
        s[k++] = t;
    s[k++] = res->steps;
    res->rec_step = s;
    res->n_rec = k;
    return FDR_OK;
}

/* The quencher keeps, per replica and per t_adaptive steps, two sums of its
 * half-running record and room for a quench; refuse sizes that would
 * exhaust memory rather than fail late. */
static int check_memory(const fdr_model *m, const fdr_sched_opts *o)
{
    double bytes = (double)m->replicas * (double)(m->ngroups ? m->ngroups : 1) *
                   ((double)(m->steps / o->t_adaptive) + 2) *
                   (double)(2 * sizeof(double) + sizeof(fdr_quench));
    if (bytes > 1e9)
        return fdr_error(FDR_EINVAL,
                         "--t-adaptive %ld with %ld steps and %ld replicas needs %.3g GB for the "
                         "quencher's records; raise --t-adaptive or lower the steps or replicas",
                         o->t_adaptive, m->steps, m->replicas, bytes / 1e9);
    return FDR_OK;
}

/* Runs every selected schedule in turn (fdr first), then derives f*, the
 * target and the times to reach it (contract in schedule.h). */
int fdr_sched_run(const fdr_model *m, const fdr_sched_opts *o, fdr_sched_result **out)
{
    *out = NULL;
    int rc = fdr_sched_opts_check(o, m->steps);
    if (rc == FDR_OK)
        rc = check_memory(m, o);
    /* The quencher's O_R scales the FDR1 factor as 1/lr and the exact curve
     * follows the mean by the update: both hold for heavy-ball types. */
    const fdr_optim_params op = fdr_model_optim_params(m);
    double mu, eta_b;
    if (rc == FDR_OK && !m->opt->heavy_ball(&op, m->lr, &mu, &eta_b))
        rc = fdr_error(FDR_EINVAL, "%s: [optimizer] type: schedule needs a heavy-ball optimizer, "
                                   "not '%s'", m->source, m->opt->name);
    fdr_exact e;
    if (rc == FDR_OK)
        rc = fdr_exact_compute(m, &e);
    if (rc != FDR_OK)
        return rc;
    if (isnan(o->target) && !e.available && !o->run[FDR_SCHED_CONSTANT]) {
        rc = fdr_error(FDR_EINVAL,
                       "give --target: this model has no exact stationary excess "
                       "loss (%s) and --compare leaves out the constant schedule "
                       "that would measure it",
                       e.why_not);
        fdr_exact_clear(&e);
        return rc;
    }
    fdr_sched_result *res = fdr_calloc(1, sizeof *res);
    size_t d = m->land->dim;
    double *theta0 = fdr_malloc(d * sizeof *theta0);
    if (!res || !theta0) {
        free(res);
        free(theta0);
        fdr_exact_clear(&e);
        return FDR_ENOMEM;
    }
    res->R = (size_t)m->replicas;
    res->d = d;
    res->npg = m->ngroups > 1 ? m->ngroups : 1;
    res->steps = m->steps;
    size_t bs = (res->R + MAX_GROUPS - 1) / MAX_GROUPS;
    res->ngroups = (res->R + bs - 1) / bs;
    res->gsize = fdr_malloc(res->ngroups * sizeof *res->gsize);
    rc = res->gsize ? record_grid(res, m->record_every) : FDR_ENOMEM;
    for (size_t g = 0; rc == FDR_OK && g < res->ngroups; g++)
        res->gsize[g] = g + 1 < res->ngroups ? bs : res->R - g * bs;
    /* The exact curves propagate the Lyapunov moments; the transfer operator
     * gives the stationary state only (its excess loss, from f(c), is moved
     * to f* below with the curves). */
    res->exact_available = e.method == FDR_EXACT_LYAPUNOV;
    if (!e.available)
        snprintf(res->why_buf, sizeof res->why_buf, "%s", e.why_not);
    else if (!res->exact_available)
        snprintf(res->why_buf, sizeof res->why_buf,
                 "the exact law here comes from the transfer operator, which gives the "
                 "stationary state only, not the transient along a schedule");
    res->why_not = res->exact_available ? NULL : res->why_buf;
    res->stationary_loss = e.available ? e.tr.loss_excess : NAN;
    /* With parameter groups the exact curves propagate dense d x d moments
     * (exact_curve_groups): refused beyond about 1e10 operations. */
    if (rc == FDR_OK && res->exact_available && res->npg > 1) {
        if (6.0 * (double)d * (double)d * (double)d * (double)m->steps > 1e10) {
            res->exact_available = 0;
            res->stationary_loss = NAN;
            res->why_not = "with parameter groups the exact recursion is dense in d and would "
                           "take beyond 1e10 operations here";
        } else {
            rc = groups_stationary(m, &res->stationary_loss);
        }
    }
    res->fstar = m->land->fref;
    res->fstar_how = m->land->ref_is_min
                         ? "the value at the landscape's known minimum"
                         : "the lowest value found by descent from the reference point and from "
                           "every replica's final state; the minimum is not known in closed form";
    fdr_engine_initial(m, theta0);
    if (rc == FDR_OK && !m->land->ref_is_min) {
        double *x = fdr_malloc(3 * d * sizeof *x);
        if (!x) {
            rc = FDR_ENOMEM;
        } else {
            memcpy(x, m->land->ref, d * sizeof *x);
            res->fstar = fmin(res->fstar, descend(m->land, x, x + d, x + 2 * d));
        }
        free(x);
    }
    /* in a job, rank 0 alone holds the curves and does all that follows them */
    const int root = !o->dist || o->dist->rank == 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; rc == FDR_OK && k < FDR_SCHED_NKINDS; k++)
        if (o->run[k]) {
            rc = run_schedule(m, o, res, (enum fdr_sched_kind)k);
            fdr_sched_curve *s = &res->s[res->nsched - 1];
            /* In replica mode the fdr replicas each follow their own lr
             * sequence, so no single exact curve describes their mean. */
            if (rc == FDR_OK && root && res->exact_available &&
                (k != FDR_SCHED_FDR || o->mode == FDR_SCHED_ENSEMBLE)) {
                double lr0[FDR_MAX_GROUPS];
                for (size_t g = 0; g < res->npg; g++)
                    lr0[g] = m->groups[g].lr;
                rc = res->npg > 1 ? exact_curve_groups(m, o, res, s, theta0, lr0)
                                  : exact_curve(m, o, e.w, res, s, theta0);
            }
            rc = fdr_dist_agree(o->dist, rc);
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (!root) {
        fdr_sched_result_free(res);
        free(theta0);
        fdr_exact_clear(&e);
        return fdr_dist_agree(o->dist, rc);
    }
    /* The curves so far are f - f(c); shift them to f - f*. */
    double shift = m->land->fref - res->fstar;
    if (e.method == FDR_EXACT_TRANSFER)
        res->stationary_loss += shift;
    for (size_t i = 0; rc == FDR_OK && i < res->nsched; i++)
        for (size_t k = 0; k < res->n_rec; k++)
            res->s[i].loss[k] += shift;
    if (rc == FDR_OK) {
        const double frac = FDR_SCHED_TARGET_FRACTION;
        if (!isnan(o->target)) {
            res->target = o->target;
            snprintf(res->target_how, sizeof res->target_how, "given (--target)");
        } else if (isfinite(res->stationary_loss)) {
            res->target = frac * res->stationary_loss;
            snprintf(res->target_how, sizeof res->target_how,
                     "%g x the exact stationary excess loss %.6g at the initial lr", frac,
                     res->stationary_loss);
        } else {
            const fdr_sched_curve *c = NULL;
            for (size_t i = 0; i < res->nsched; i++)
                if (res->s[i].kind == FDR_SCHED_CONSTANT)
                    c = &res->s[i];
            double sum = 0;
            size_t cnt = 0;
            for (size_t k = 0; c && k < res->n_rec; k++)
                if (2 * res->rec_step[k] >= res->steps) {
                    sum += c->loss[k];
                    cnt++;
                }
            if (c) {
                res->target = frac * sum / (double)cnt;
                snprintf(res->target_how, sizeof res->target_how,
                         "%g x the constant schedule's mean excess loss %.6g over the second "
                         "half of the run (no exact value for this model)",
                         frac, sum / (double)cnt);
            } else {
                rc = fdr_error(FDR_EINVAL, "give --target: %s, and --compare leaves out the "
                                           "constant schedule that would measure it",
                               res->why_not);
            }
        }
    }
    for (size_t i = 0; rc == FDR_OK && i < res->nsched; i++) {
        fdr_sched_curve *s = &res->s[i];
        s->final_loss = (fdr_est){s->loss[res->n_rec - 1], s->loss_err[res->n_rec - 1]};
        s->exact_final_loss = s->exact ? s->exact_loss[res->n_rec - 1] : NAN;
        rc = time_to_target(res, s, m->seed, shift);
    }
    free(theta0);
    fdr_exact_clear(&e);
    rc = fdr_dist_agree(o->dist, rc);
    if (rc != FDR_OK) {
        fdr_sched_result_free(res);
        return rc;
    }
    *out = res;
    return FDR_OK;
}

/* ---- output files ---------------------------------------------------------- */

typedef struct {
    const fdr_model *m;
    const fdr_sched_opts *o;
    const fdr_sched_result *r;
    const char *command;
    int (*plot)(const char *script, const char *dir); /* NULL: no figure */
} sched_report;

/* The option spelling of a mode. */
const char *fdr_sched_mode_name(enum fdr_sched_mode mode)
{
    return mode == FDR_SCHED_ENSEMBLE ? "ensemble" : "replica";
}

/* The curve y (one value per recorded step) at step t, interpolated
 * linearly between recorded steps: where a quench sits on a curve. */
static double curve_at(const fdr_sched_result *r, const double *y, long t)
{
    size_t k = 1;
    while (k < r->n_rec && r->rec_step[k] < t)
        k++;
    if (k >= r->n_rec)
        return y[r->n_rec - 1];
    double a = (double)(t - r->rec_step[k - 1]) / (double)(r->rec_step[k] - r->rec_step[k - 1]);
    return (1 - a) * y[k - 1] + a * y[k];
}

/* The number of quenches in all of s's lists. */
size_t fdr_sched_quench_total(const fdr_sched_curve *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->nlists; k++)
        n += s->nq[k];
    return n;
}

/* schedule.dat: a header, one block per schedule, then the quench events. */
static int write_dat(FILE *f, const void *ctx)
{
    const sched_report *p = ctx;
    const fdr_model *m = p->m;
    const fdr_sched_opts *o = p->o;
    const fdr_sched_result *r = p->r;
    fprintf(f, "# fdrsim %s: learning-rate schedules, the FDR quencher against presets\n",
            PACKAGE_VERSION);
    fprintf(f, "# model %s (%s), seed %llu, %zu replicas x %ld steps\n", m->name, m->source,
            (unsigned long long)m->seed, r->R, r->steps);
    fprintf(f, "# command: %s\n", p->command);
    fprintf(f, "# quencher of %s\n", FDR_PAPER);
    fprintf(f, "# quencher: mode %s, X %.17g, Y %.17g, t_adaptive %ld, lr floor %.17g\n",
            fdr_sched_mode_name(o->mode), o->X, o->Y, o->t_adaptive, o->lr_min);
    fprintf(f, "# O_L = theta . g (noisy gradient, theta not centred, as published), "
               "O_R = (1 + mu) / (2 eta_b) |v|^2 (v in parameter units)\n");
    fprintf(f, "# f* %.17g: %s\n", r->fstar, r->fstar_how);
    fprintf(f, "# target excess loss: %.17g (%s)\n", r->target, r->target_how);
    fprintf(f, "# exact curves: %s\n",
            r->exact_available ? "yes (second-moment recursion along each lr sequence)"
                               : r->why_not);
    if (m->noise->caveat)
        fprintf(f, "# caveat: FDR1 is not exact under this noise law: %s\n", m->noise->caveat);
    fprintf(f, "# schedules:");
    for (size_t i = 0; i < r->nsched; i++)
        fprintf(f, " %s", r->s[i].name);
    fprintf(f, "\n# errors: 1 sigma over replicas; lr is the mean over replicas, lr_lo and "
               "lr_hi its range\n");
    size_t npg = r->npg;
    if (npg > 1) {
        fprintf(f, "# parameter groups (each its own lr, FDR1 record and quenches):");
        for (size_t g = 0; g < npg; g++)
            fprintf(f, " %s:%zu-%zu", m->groups[g].name, m->groups[g].first,
                    m->groups[g].first + m->groups[g].count - 1);
        fprintf(f, "\n# columns lr, lr_lo, lr_hi, ratio, ratio_err, exact_ratio are group %s's "
                   "(O_L and O_R on its coordinates); 6 more per further group\n",
                m->groups[0].name);
    }
    fprintf(f, "# one block per schedule (gnuplot index 0, 1, ...), then the quench events\n");
    for (size_t i = 0; i < r->nsched; i++) {
        const fdr_sched_curve *s = &r->s[i];
        fprintf(f, "# schedule %s\n", s->name);
        fprintf(f, "# step lr lr_lo lr_hi loss_excess loss_err ratio ratio_err exact_loss "
                   "exact_ratio");
        for (size_t g = 1; g < npg; g++) {
            const char *n = m->groups[g].name;
            fprintf(f, " lr_%s lr_lo_%s lr_hi_%s ratio_%s ratio_err_%s exact_ratio_%s", n, n, n,
                    n, n, n);
        }
        fprintf(f, "\n");
        for (size_t k = 0; k < r->n_rec; k++) {
            size_t i0 = k * npg;
            fprintf(f, "%ld %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g",
                    r->rec_step[k], s->lr[i0], s->lr_lo[i0], s->lr_hi[i0], s->loss[k],
                    s->loss_err[k], s->ratio[i0], s->ratio_err[i0], s->exact_loss[k],
                    s->exact_ratio[i0]);
            for (size_t g = 1; g < npg; g++)
                fprintf(f, " %.17g %.17g %.17g %.17g %.17g %.17g", s->lr[i0 + g],
                        s->lr_lo[i0 + g], s->lr_hi[i0 + g], s->ratio[i0 + g],
                        s->ratio_err[i0 + g], s->exact_ratio[i0 + g]);
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
    }
    const fdr_sched_curve *q = &r->s[0];
    fprintf(f, "# quench events: %zu\n", fdr_sched_quench_total(q));
    fprintf(f, "# replica step lr_before lr_after ratio loss_excess%s "
               "(replica -1: the shared ensemble schedule; loss_excess: the mean curve there%s)\n",
            npg > 1 ? " group" : "", npg > 1 ? "; group: its index from 0" : "");
    for (size_t k = 0; k < q->nlists; k++)
        for (size_t j = 0; j < q->nq[k]; j++) {
            const fdr_quench *e = &q->q[k][j];
            fprintf(f, "%ld %ld %.17g %.17g %.17g %.17g",
                    o->mode == FDR_SCHED_ENSEMBLE ? -1L : (long)(k / npg), e->step, e->lr_before,
                    e->lr_after, e->ratio, curve_at(r, q->loss, e->step));
            if (npg > 1)
                fprintf(f, " %zu", k % npg);
            fprintf(f, "\n");
        }
    return FDR_OK;
}


/* meta.gp: what schedule.gp needs besides the columns of schedule.dat
 * (README.md, "Output"). */
static int write_meta(FILE *f, const void *ctx)
{
    const sched_report *p = ctx;
    const fdr_sched_result *r = p->r;
    const fdr_sched_opts *o = p->o;
    char text[512];
    fprintf(f, "# fdrsim %s: the values of schedule.gp (gnuplot: load 'meta.gp')\n",
            PACKAGE_VERSION);
    fdr_gp_str(f, "model", p->m->name);
    snprintf(text, sizeof text, "%llu", (unsigned long long)p->m->seed); /* beyond 2^63 */
    fdr_gp_str(f, "seed", text);
    size_t len = 0;
    text[0] = 0;
    for (size_t i = 0; i < r->nsched && len < sizeof text; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i ? " " : "",
                                r->s[i].name);
    fdr_gp_str(f, "schedules", text);
    fdr_gp_int(f, "nsched", (long long)r->nsched);
    /* a title: each number with the fewest digits that read back exactly */
    char sx[32], sy[32], sf[32];
    fdr_format_distinct(o->X, o->X, sx, sx, sizeof sx);
    fdr_format_distinct(o->Y, o->Y, sy, sy, sizeof sy);
    fdr_format_distinct(o->lr_min, o->lr_min, sf, sf, sizeof sf);
    snprintf(text, sizeof text, "mode %s, X %s, Y %s, t_adaptive %ld, lr floor %s",
             fdr_sched_mode_name(o->mode), sx, sy, o->t_adaptive, sf);
    fdr_gp_str(f, "quencher", text);
    fdr_gp_str(f, "mode", fdr_sched_mode_name(o->mode));
    fdr_gp_int(f, "nquench", (long long)fdr_sched_quench_total(&r->s[0]));
    /* parameter groups: their names, one lr staircase each */
    fdr_gp_int(f, "ngroups", (long long)r->npg);
    len = 0;
    text[0] = 0;
    for (size_t g = 0; r->npg > 1 && g < r->npg && len < sizeof text; g++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", g ? " " : "",
                                p->m->groups[g].name);
    fdr_gp_str(f, "groups", text);
    fdr_gp_num(f, "target", r->target);
    fdr_gp_int(f, "have_exact", r->exact_available);
    /* the axes: the last recorded step, the smallest positive and the largest lr */
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < r->nsched; i++)
        for (size_t k = 0; k < r->n_rec * r->npg; k++) {
            if (r->s[i].lr_lo[k] > 0)
                lo = fmin(lo, r->s[i].lr_lo[k]);
            hi = fmax(hi, r->s[i].lr_hi[k]);
        }
    fdr_gp_int(f, "stepmax", r->n_rec ? (long long)r->rec_step[r->n_rec - 1] : 0);
    fdr_gp_num(f, "lr_lo", isfinite(lo) ? lo : 0);
    fdr_gp_num(f, "lr_hi", hi);
    return FDR_OK;
}

/* qsort order of longs, ascending. */
static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Across replicas, the step of each replica's k-th quench (k = 1, 2, ...):
 * how many replicas had one, the mean step with its standard error, the
 * standard deviation, minimum, median, maximum (of group g's quenches, npg
 * groups). */
static json_t *quench_spread(const fdr_sched_curve *s, size_t R, size_t npg, size_t g)
{
    json_t *list = json_array();
    long *t = fdr_malloc(R * sizeof *t);
    if (!t)
        return list;
    for (size_t k = 0;; k++) {
        size_t n = 0;
        for (size_t r = 0; r < R; r++)
            if (s->nq[r * npg + g] > k)
                t[n++] = s->q[r * npg + g][k].step;
        if (n == 0)
            break;
        qsort(t, n, sizeof *t, cmp_long);
        double mean = 0, ss = 0;
        for (size_t i = 0; i < n; i++)
            mean += (double)t[i] / (double)n;
        for (size_t i = 0; i < n; i++)
            ss += ((double)t[i] - mean) * ((double)t[i] - mean);
        double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
        json_t *o = json_object();
        json_object_set_new(o, "quench", json_integer((json_int_t)(k + 1)));
        json_object_set_new(o, "replicas", json_integer((json_int_t)n));
        json_object_set_new(o, "step", fdr_json_est((fdr_est){mean, sd / sqrt((double)n)}, NAN));
        json_object_set_new(o, "sd", fdr_json_number(sd));
        json_object_set_new(o, "min", json_integer(t[0]));
        json_object_set_new(
            o, "median",
            fdr_json_number(n % 2 ? (double)t[n / 2] : 0.5 * (double)(t[n / 2 - 1] + t[n / 2])));
        json_object_set_new(o, "max", json_integer(t[n - 1]));
        json_array_append_new(list, o);
    }
    free(t);
    return list;
}

/* The steps of n quenches as a JSON list. */
static json_t *steps_json(const fdr_quench *q, size_t n)
{
    json_t *a = json_array();
    for (size_t j = 0; j < n; j++)
        json_array_append_new(a, json_integer(q[j].step));
    return a;
}

/* One entry of schedule.json's `schedules` list. */
static json_t *schedule_json(const sched_report *p, const fdr_sched_curve *s)
{
    const fdr_sched_opts *o = p->o;
    const fdr_sched_result *r = p->r;
    size_t last = r->n_rec - 1;
    json_t *js = json_object();
    char what[256];
    switch (s->kind) {
    case FDR_SCHED_FDR:
        snprintf(what, sizeof what,
                 "FDR quencher (%s mode): every %ld steps, if |<O_L>/<O_R> - 1| "
                 "< %g over the half-running window since the last change, lr <- (1 - %g) lr",
                 fdr_sched_mode_name(o->mode), o->t_adaptive, o->X, o->Y);
        break;
    case FDR_SCHED_CONSTANT:
        snprintf(what, sizeof what, "constant lr");
        break;
    case FDR_SCHED_STEP:
        snprintf(what, sizeof what, "step decay: lr *= %g at each of the steps in step_at",
                 o->step_factor);
        break;
    case FDR_SCHED_INVERSE:
        snprintf(what, sizeof what, "lr_0 / (1 + t / t0), t0 = %g", o->t0);
        break;
    }
    json_object_set_new(js, "name", json_string(s->name));
    json_object_set_new(js, "description", json_string(what));
    size_t npg = r->npg;
    json_t *groups = npg > 1 ? json_array() : NULL;
    for (size_t g = 0; g < npg; g++) {
        json_t *jg = js;
        if (groups) {
            const fdr_group *gr = &p->m->groups[g];
            jg = json_object();
            json_object_set_new(jg, "name", json_string(gr->name));
            json_object_set_new(jg, "first", json_integer((json_int_t)gr->first));
            json_object_set_new(jg, "last", json_integer((json_int_t)(gr->first + gr->count - 1)));
            json_array_append_new(groups, jg);
        }
        json_object_set_new(jg, "lr_initial", json_real(groups ? p->m->groups[g].lr : p->m->lr));
        json_t *lr = json_object();
        json_object_set_new(lr, "mean", fdr_json_number(s->lr[last * npg + g]));
        json_object_set_new(lr, "min", fdr_json_number(s->lr_lo[last * npg + g]));
        json_object_set_new(lr, "max", fdr_json_number(s->lr_hi[last * npg + g]));
        json_object_set_new(jg, "lr_final", lr);
    }
    if (s->kind == FDR_SCHED_STEP) {
        json_t *a = json_array();
        for (size_t i = 0; i < o->n_step_at; i++)
            json_array_append_new(a, json_integer(o->step_at[i]));
        json_object_set_new(js, "step_at", a);
        json_object_set_new(js, "step_factor", json_real(o->step_factor));
    }
    if (s->kind == FDR_SCHED_INVERSE)
        json_object_set_new(js, "t0", json_real(o->t0));
    for (size_t g = 0; s->kind == FDR_SCHED_FDR && g < npg; g++) {
        json_t *jg = groups ? json_array_get(groups, g) : js;
        if (o->mode == FDR_SCHED_ENSEMBLE) {
            json_t *a = json_array(); /* a list of lists in both modes */
            json_array_append_new(a, steps_json(s->q[g], s->nq[g]));
            json_object_set_new(jg, "quench_steps", a);
            json_t *ev = json_array();
            for (size_t j = 0; j < s->nq[g]; j++) {
                json_t *e = json_object();
                json_object_set_new(e, "step", json_integer(s->q[g][j].step));
                json_object_set_new(e, "lr_before", json_real(s->q[g][j].lr_before));
                json_object_set_new(e, "lr_after", json_real(s->q[g][j].lr_after));
                json_object_set_new(e, "ratio", fdr_json_number(s->q[g][j].ratio));
                json_array_append_new(ev, e);
            }
            json_object_set_new(jg, "quenches", ev);
        } else {
            json_t *a = json_array();
            size_t lo = (size_t)-1, hi = 0, total = 0;
            for (size_t k = g; k < s->nlists; k += npg) {
                json_array_append_new(a, steps_json(s->q[k], s->nq[k]));
                lo = s->nq[k] < lo ? s->nq[k] : lo;
                hi = s->nq[k] > hi ? s->nq[k] : hi;
                total += s->nq[k];
            }
            json_object_set_new(jg, "quench_steps", a);
            json_t *cnt = json_object();
            json_object_set_new(cnt, "mean", json_real((double)total / (double)r->R));
            json_object_set_new(cnt, "min", json_integer((json_int_t)lo));
            json_object_set_new(cnt, "max", json_integer((json_int_t)hi));
            json_object_set_new(jg, "quench_count", cnt);
            json_object_set_new(jg, "quench_spread", quench_spread(s, r->R, npg, g));
        }
    }
    if (groups)
        json_object_set_new(js, "groups", groups);
    json_object_set_new(js, "final_excess_loss", fdr_json_est(s->final_loss, s->exact_final_loss));
    json_object_set_new(js, "time_to_target", fdr_json_est(s->time_to_target, NAN));
    json_object_set_new(js, "target_reached", json_boolean(!isnan(s->time_to_target.val)));
    return js;
}

/* schedule.json: settings, references and the list of schedules. */
static int write_json(FILE *f, const void *ctx)
{
    const sched_report *p = ctx;
    const fdr_model *m = p->m;
    const fdr_sched_opts *o = p->o;
    const fdr_sched_result *r = p->r;
    json_t *root = fdr_json_header(FDR_SCHEMA_SCHEDULE, p->command, m->seed);
    json_t *model = json_object();
    json_object_set_new(model, "name", json_string(m->name));
    json_object_set_new(model, "source", json_string(m->source));
    json_object_set_new(model, "landscape", json_string(m->land->type->name));
    json_object_set_new(model, "dim", json_integer((json_int_t)m->land->dim));
    json_object_set_new(model, "noise", json_string(m->noise->type->name));
    json_object_set_new(model, "lr", json_real(m->lr));
    json_object_set_new(model, "momentum", json_real(m->momentum));
    json_object_set_new(model, "dampening", json_real(m->dampening));
    json_object_set_new(model, "convention", json_string(fdr_convention_names[m->convention]));
    if (r->npg > 1) {
        json_t *gs = json_array();
        for (size_t g = 0; g < r->npg; g++) {
            json_t *jg = json_object();
            json_object_set_new(jg, "name", json_string(m->groups[g].name));
            json_object_set_new(jg, "first", json_integer((json_int_t)m->groups[g].first));
            json_object_set_new(
                jg, "last", json_integer((json_int_t)(m->groups[g].first + m->groups[g].count - 1)));
            json_object_set_new(jg, "lr", json_real(m->groups[g].lr));
            json_array_append_new(gs, jg);
        }
        json_object_set_new(model, "groups", gs);
    }
    json_object_set_new(model, "replicas", json_integer((json_int_t)r->R));
    json_object_set_new(model, "steps", json_integer((json_int_t)r->steps));
    json_object_set_new(model, "record_every", json_integer((json_int_t)m->record_every));
    json_object_set_new(root, "model", model);
    json_t *q = json_object();
    json_object_set_new(q, "mode", json_string(fdr_sched_mode_name(o->mode)));
    json_object_set_new(q, "X", json_real(o->X));
    json_object_set_new(q, "Y", json_real(o->Y));
    json_object_set_new(q, "t_adaptive", json_integer((json_int_t)o->t_adaptive));
    json_object_set_new(q, "lr_min", json_real(o->lr_min));
    json_object_set_new(q, "O_L",
                        json_string("theta . g: the noisy gradient at the pre-update "
                                    "state, theta not centred (as published)"));
    json_object_set_new(q, "O_R",
                        json_string("(1 + mu) / (2 eta_b) |v|^2, v in parameter units, "
                                    "eta_b the current lr times (1 - dampening)"));
    json_object_set_new(q, "note",
                        json_string("the public implementation defaults to X = 0.01, "
                                    "Y = 0.9; the paper's own runs used Y = 0.1"));
    json_object_set_new(q, "caveat",
                        m->noise->caveat ? json_string(m->noise->caveat) : json_null());
    json_object_set_new(root, "quencher", q);
    json_t *ex = json_object();
    json_object_set_new(ex, "available", json_boolean(r->exact_available));
    json_object_set_new(ex, "reason", r->why_not ? json_string(r->why_not) : json_null());
    json_object_set_new(ex, "stationary_excess_loss_at_initial_lr",
                        fdr_json_number(r->stationary_loss));
    json_object_set_new(root, "exact_reference", ex);
    json_t *fs = json_object();
    json_object_set_new(fs, "value", fdr_json_number(r->fstar));
    json_object_set_new(fs, "how", json_string(r->fstar_how));
    json_object_set_new(root, "f_star", fs);
    json_t *tg = json_object();
    json_object_set_new(tg, "value", fdr_json_number(r->target));
    json_object_set_new(tg, "how", json_string(r->target_how));
    json_object_set_new(root, "target", tg);
    json_object_set_new(root, "error_bars",
                        json_string("1 sigma: excess loss, standard error over replicas; time "
                                    "to target, bootstrap over groups of replicas (null when "
                                    "more than a tenth of the resamples never reach it); FDR1 "
                                    "ratio, delta method"));
    json_t *list = json_array();
    for (size_t i = 0; i < r->nsched; i++)
        json_array_append_new(list, schedule_json(p, &r->s[i]));
    json_object_set_new(root, "schedules", list);
    json_t *timing = json_object();
    json_object_set_new(timing, "seconds", json_real(r->seconds));
    json_object_set_new(root, "timing", timing);
    int rc = json_dumpf(root, f, FDR_JSON_FLAGS);
    fputc('\n', f);
    json_decref(root);
    return rc == 0 ? FDR_OK : fdr_error(FDR_EIO, "schedule.json: cannot write");
}

/* Writes the files, and the figure if asked, into dir (a fresh folder:
 * fdr_outdir_write's temporary one). */
static int sched_fill(const char *dir, const void *ctx)
{
    const sched_report *p = ctx;
    int rc = fdr_write_file(dir, "schedule.dat", write_dat, p);
    if (rc == FDR_OK)
        rc = fdr_write_file(dir, "meta.gp", write_meta, p);
    if (rc == FDR_OK)
        rc = fdr_write_file(dir, "schedule.json", write_json, p);
    if (rc == FDR_OK && p->plot)
        rc = p->plot("schedule.gp", dir);
    return rc;
}

int fdr_sched_write(const char *dir, const fdr_model *m, const fdr_sched_opts *o,
                    const fdr_sched_result *r, const char *command,
                    int (*plot)(const char *script, const char *dir))
{
    sched_report p = {m, o, r, command, plot};
    return fdr_outdir_write(dir, sched_fill, &p);
}

/* ---- the command ------------------------------------------------------------ */
