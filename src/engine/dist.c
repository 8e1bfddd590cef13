/* dist.c - the merges of a run spread over ranks (see dist.h). */
#include "engine/dist.h"
#include "core/fdr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fdr_dist_range(const fdr_dist *d, int rank, size_t nblocks, size_t *k0, size_t *k1)
{
    size_t n = d ? (size_t)d->size : 1, k = d ? (size_t)rank : 0;
    *k0 = k * nblocks / n;
    *k1 = (k + 1) * nblocks / n;
}

int fdr_dist_agree(const fdr_dist *d, int rc)
{
    if (!d)
        return rc;
    struct status {
        int rc;
        char msg[500];
    } me = {rc, ""}, *all;
    size_t n = (size_t)d->size, *len = malloc(n * sizeof *len);
    all = malloc(n * sizeof *all);
    if (!len || !all) {
        free(len);
        free(all);
        return fdr_error(FDR_ENOMEM, "out of memory");
    }
    if (rc != FDR_OK)
        snprintf(me.msg, sizeof me.msg, "%s", fdr_error_message());
    for (size_t k = 0; k < n; k++)
        len[k] = sizeof me;
    int got = d->gather(d->ctx, &me, len, all, 1);
    for (size_t k = 0; got == FDR_OK && k < n; k++)
        if (all[k].rc != FDR_OK) {
            got = all[k].rc;
            if ((int)k != d->rank)
                fdr_error(got, "rank %zu of the parallel job: %s", k,
                          all[k].msg[0] ? all[k].msg : "failed");
            break;
        }
    free(len);
    free(all);
    return got;
}

/* Moves the rows [lo[k], hi[k]) of item bytes (within each of outer
 * repeats, stride bytes apart) from rank k into base on rank 0 (every rank
 * with all). */
static int share_rows(const fdr_dist *d, const size_t *lo, const size_t *hi, size_t item,
                      size_t outer, size_t stride, void *base, int all)
{
    size_t n = (size_t)d->size, me = (size_t)d->rank, total = 0;
    size_t *len = malloc(n * sizeof *len);
    if (!len)
        return fdr_error(FDR_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        total += len[k] = outer * (hi[k] - lo[k]) * item;
    char *send = malloc(len[me] ? len[me] : 1), *recv = malloc(total ? total : 1);
    char *p = base;
    int rc = send && recv ? FDR_OK : fdr_error(FDR_ENOMEM, "out of memory");
    size_t own = (hi[me] - lo[me]) * item;
    for (size_t o = 0; rc == FDR_OK && o < outer; o++)
        memcpy(send + o * own, p + o * stride + lo[me] * item, own);
    if (rc == FDR_OK)
        rc = d->gather(d->ctx, send, len, recv, all);
    const char *q = recv;
    for (size_t k = 0; rc == FDR_OK && (all || me == 0) && k < n; q += len[k], k++) {
        size_t seg = (hi[k] - lo[k]) * item;
        for (size_t o = 0; k != me && o < outer; o++)
            memcpy(p + o * stride + lo[k] * item, q + o * seg, seg);
    }
    free(len);
    free(send);
    free(recv);
    return rc;
}

/* The item ranges [lo[k], hi[k]) of every rank: blocks (first NULL) or
 * the replicas of its blocks. */
static int ranges(const fdr_dist *d, size_t nblocks, const size_t *first, size_t **lo,
                  size_t **hi)
{
    size_t n = (size_t)d->size;
    *lo = malloc(n * sizeof **lo);
    *hi = malloc(n * sizeof **hi);
    if (!*lo || !*hi) {
        free(*lo);
        free(*hi);
        return fdr_error(FDR_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        fdr_dist_range(d, (int)k, nblocks, &(*lo)[k], &(*hi)[k]);
        if (first) {
            (*lo)[k] = first[(*lo)[k]];
            (*hi)[k] = first[(*hi)[k]];
        }
    }
    return FDR_OK;
}

int fdr_dist_each(const fdr_dist *d, const void *item, size_t size, void *all)
{
    size_t n = (size_t)d->size, *len = malloc(n * sizeof *len);
    if (!len)
        return fdr_error(FDR_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        len[k] = size;
    int rc = d->gather(d->ctx, item, len, all, 1);
    free(len);
    return rc;
}

int fdr_dist_share(const fdr_dist *d, size_t count, size_t size, void *items, int all)
{
    size_t *lo, *hi;
    int rc = ranges(d, count, NULL, &lo, &hi);
    if (rc == FDR_OK)
        rc = share_rows(d, lo, hi, size, 1, 0, items, all);
    free(lo);
    free(hi);
    return rc;
}

/* The per-replica arrays of a result: base, bytes per replica, repeats
 * (outer) and the stride between them. */
typedef struct {
    void *base;
    size_t item, outer, stride;
} rows;

static size_t result_rows(const fdr_result *res, rows *out)
{
    size_t R = res->R, upr = res->units_are_replicas ? 1 : FDR_NBATCH, db = sizeof(double);
    size_t sd = res->sample_dim, n = 0;
    out[n++] = (rows){res->bsum, FDR_NBATCH * FDR_NOBS * db, 1, 0};
    out[n++] = (rows){res->sumsq, FDR_NOBS * db, 1, 0};
    out[n++] = (rows){res->squnit, FDR_NOBS * db, 1, 0};
    out[n++] = (rows){res->gsum, upr * res->d * db, 1, 0};
    out[n++] = (rows){res->vsum, upr * res->d * db, 1, 0};
    out[n++] = (rows){res->tA, upr * res->ntens * db, 1, 0};
    out[n++] = (rows){res->tB, upr * res->ntens * db, 1, 0};
    out[n++] = (rows){res->ucount, upr * sizeof(long), 1, 0};
    out[n++] = (rows){res->samples, sd * db, res->n_samples, R * sd * db};
    return n;
}

enum { NROWS = 9 };

int fdr_dist_result(const fdr_dist *d, fdr_result *res, size_t nblocks, const size_t *first)
{
    size_t *lo, *hi;
    rows a[NROWS];
    size_t na = result_rows(res, a);
    int rc = ranges(d, nblocks, first, &lo, &hi);
    if (rc != FDR_OK)
        return rc;
    for (size_t k = 0; rc == FDR_OK && k < na; k++)
        rc = share_rows(d, lo, hi, a[k].item, a[k].outer, a[k].stride, a[k].base, 0);
    free(lo);
    free(hi);
    return rc;
}
