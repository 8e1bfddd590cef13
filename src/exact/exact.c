/* exact.c - exact references from the discrete Lyapunov equation or, off
 * its reach, from the transfer operator of a 1-D chain. */
#include "exact/exact.h"
#include "core/fdr.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fdr_exact_method_name(fdr_exact_method m)
{
    return m == FDR_EXACT_LYAPUNOV ? "lyapunov" : m == FDR_EXACT_TRANSFER ? "transfer" : "none";
}

void fdr_exact_clear(fdr_exact *e)
{
    free(e->tA);
    free(e->tB);
    fdr_lyap_free(e->w);
    memset(e, 0, sizeof *e);
}

/* B = S A S for symmetric d x d A and S, using T (d x d) as scratch; B
 * made exactly symmetric. */
static void sandwich(size_t d, const double *S, const double *A, double *T, double *B)
{
    int n = (int)d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, S, n, A, n, 0.0, T, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, T, n, S, n, 0.0, B, n);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            B[i * d + j] = B[j * d + i] = 0.5 * (B[i * d + j] + B[j * d + i]);
}

/* A Lyapunov workspace for the model (zero covariance if C varies). For a
 * type with a preconditioner P, in the coordinates y = P^-1/2 (theta -
 * theta*), z = P^-1/2 v, where the step is heavy-ball SGD on the Hessian
 * P^1/2 H P^1/2 with the noise covariance P^1/2 C P^1/2 (doc/theory.md
 * section 8.2). Every trace fdr_lyap_traces_get returns is then the model's
 * observable in the metric the engine measures it in: Tr(H~ S_yy) =
 * <x . grad f>, Tr(S_zz) = <v^T P^-1 v>, Tr(H~^2 S_yy) = <grad f^T P grad
 * f>, Tr(H~ S_yz) = <v . grad f>, Tr(H~ S_zz) = <v^T H v>, Tr(H~ C~) =
 * Tr(H P C P), with Tr C~ = Tr(P C). */
static fdr_lyap *lyap_for(const fdr_model *m)
{
    size_t d = m->land->dim;
    const fdr_preconditioner *pc = fdr_model_optim_params(m).precond;
    const double *C = m->noise->C, *H = m->land->H;
    double *zero = NULL, *work = NULL;
    if (!C && !(C = zero = fdr_calloc(d * d, sizeof *zero)))
        return NULL;
    if (pc) {
        if (!(work = fdr_malloc(3 * d * d * sizeof *work))) {
            free(zero);
            return NULL;
        }
        sandwich(d, pc->half, H, work + 2 * d * d, work);
        sandwich(d, pc->half, C, work + 2 * d * d, work + d * d);
        H = work;
        C = work + d * d;
    }
    fdr_lyap *w = fdr_lyap_alloc(d, H, C);
    free(zero);
    free(work);
    return w;
}

/* FDR2's order K as the transfer operator takes it (2 .. FDR_KMAX_ORDER). */
static int fdr2_order(const fdr_model *m)
{
    return m->fdr2_order < 2 ? 2 : m->fdr2_order > FDR_KMAX_ORDER ? FDR_KMAX_ORDER : m->fdr2_order;
}

/* e->q from the Lyapunov traces: exact to rounding (error 0); on a
 * quadratic F3 ... FK vanish. */
static void values_from_traces(const fdr_model *m, fdr_exact *e)
{
    const fdr_lyap_traces *tr = &e->tr;
    const double v[][2] = {{FDR_TQ_OL, tr->theta_dot_grad}, {FDR_TQ_VV, tr->v_dot_v},
                           {FDR_TQ_GSQ, tr->grad_sq},       {FDR_TQ_VG, tr->v_dot_grad},
                           {FDR_TQ_LOSS, tr->loss_excess},  {FDR_TQ_GRAD, 0},
                           {FDR_TQ_F2, 0.5 * tr->v_H_v}};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        e->q[(int)v[k][0]] = (fdr_est){v[k][1], 0};
    for (int k = 3; k <= fdr2_order(m); k++)
        e->q[FDR_TQ_F2 + k - 2] = (fdr_est){0, 0};
}

/* The transfer operator's values into e, each kept if its error estimate is
 * within FDR_EXACT_MAX_REL_ERR of its magnitude; those that vanish in
 * exact arithmetic (FDR0, FDR1's and FDR2's differences) are kept as
 * computed, since no relative error means anything for them. 1 if the
 * state observables' values were kept. */
static int values_from_transfer(fdr_exact *e)
{
    const fdr_transfer *t = &e->transfer;
    size_t len = 0;
    e->dropped[0] = '\0';
    e->max_rel_err = 0;
    for (int q = 0; q < FDR_TQ_N; q++) {
        fdr_est x = t->q[q];
        e->q[q] = x;
        if (q == FDR_TQ_GRAD || q == FDR_TQ_FDR1_DIFF || q == FDR_TQ_FDR2_DIFF || isnan(x.val))
            continue;
        if (x.err <= FDR_EXACT_MAX_REL_ERR * fabs(x.val)) {
            if (x.val != 0)
                e->max_rel_err = fmax(e->max_rel_err, x.err / fabs(x.val));
            continue;
        }
        e->q[q].val = NAN;
        int w = snprintf(e->dropped + len, sizeof e->dropped - len, "%s%s", len ? ", " : "",
                         fdr_transfer_names[q]);
        if (w > 0 && (size_t)w < sizeof e->dropped - len)
            len += (size_t)w;
    }
    fdr_lyap_traces *tr = &e->tr;
    tr->theta_dot_grad = e->q[FDR_TQ_OL].val;
    tr->v_dot_v = e->q[FDR_TQ_VV].val;
    tr->grad_sq = e->q[FDR_TQ_GSQ].val;
    tr->v_dot_grad = e->q[FDR_TQ_VG].val;
    tr->loss_excess = e->q[FDR_TQ_LOSS].val;
    tr->v_H_v = tr->tr_HC = tr->tr_C = NAN; /* no Hessian, no constant C to trace */
    return !isnan(tr->theta_dot_grad) && !isnan(tr->v_dot_v) && !isnan(tr->grad_sq) &&
           !isnan(tr->loss_excess);
}

/* The transfer operator where the Lyapunov solution does not apply (lead:
 * why it does not): e filled and available, or why_not saying why neither
 * applies. The transfer operator's refusals and failures are reasons, not
 * errors; the message recorded before the call is kept. */
static void try_transfer(const fdr_model *m, fdr_exact *e, const char *lead)
{
    char saved[1024];
    int saved_status = fdr_error_status();
    snprintf(saved, sizeof saved, "%s", fdr_error_message());
    fdr_error_clear();
    int rc = fdr_transfer_supported(m);
    if (rc == FDR_OK)
        rc = fdr_transfer_solve(m, &m->transfer, &e->transfer);
    if (rc != FDR_OK) {
        /* "..., and the transfer operator is ..." where the message names it */
        const char *msg = fdr_error_message(), *name = "the transfer operator ";
        int named = strncmp(msg, name, strlen(name)) == 0;
        snprintf(e->why_buf, sizeof e->why_buf, "%s%s%s", lead,
                 named ? ", and " : "; the transfer operator: ", msg[0] ? msg : "failed");
    } else if (!values_from_transfer(e)) {
        snprintf(e->why_buf, sizeof e->why_buf,
                 "%s; the transfer operator's error estimates on %zu cells are above %g of the "
                 "values (%s): refine its grid in [transfer] (spacing, energy, pad)",
                 lead, e->transfer.cells, FDR_EXACT_MAX_REL_ERR, e->dropped);
    } else {
        e->available = 1;
        e->method = FDR_EXACT_TRANSFER;
    }
    if (!e->available) {
        e->why_not = e->why_buf;
        for (int q = 0; q < FDR_TQ_N; q++)
            e->q[q] = (fdr_est){NAN, NAN};
    }
    fdr_error_clear();
    if (saved[0])
        fdr_error(saved_status, "%s", saved);
}

int fdr_exact_compute(const fdr_model *m, fdr_exact *e)
{
    memset(e, 0, sizeof *e);
    e->max_stable_lr = NAN;
    for (int q = 0; q < FDR_TQ_N; q++)
        e->q[q] = (fdr_est){NAN, NAN};
    if (!m->land->H) {
        try_transfer(m, e, "the landscape is not quadratic");
        return FDR_OK;
    }
    fdr_lyap *w = lyap_for(m);
    if (!w)
        return FDR_EFAIL;
    const fdr_optim_params op = fdr_model_optim_params(m);
    double mu, eta_b, map[6];
    e->max_stable_lr = fdr_lyap_max_stable_lr(w, m->opt, &op);
    int rc = FDR_OK;
    const char *why = NULL;
    if (!(m->lr < e->max_stable_lr)) {
        char lr[32], top[32];
        fdr_format_distinct(m->lr, e->max_stable_lr, lr, top, sizeof lr);
        if (e->max_stable_lr > 0)
            rc = fdr_error(FDR_EUNSTABLE,
                           "%s: [optimizer] lr: %s makes the exact dynamics unstable (no "
                           "stationary state); the largest stable learning rate for momentum "
                           "%g and dampening %g is %s%s",
                           m->source, lr, m->momentum, m->dampening, top,
                           m->opt->preconditioner ? " (from the spectrum of P H)" : "");
        else
            rc = fdr_error(FDR_EUNSTABLE,
                           "%s: [landscape]: the Hessian has an eigenvalue <= 0, so SGD has no "
                           "stationary state on this quadratic at any learning rate (add "
                           "weight_decay or change the spectrum)",
                           m->source);
    } else if (!m->opt->linear_map(&op, m->lr, 1.0, map, map + 4)) {
        why = "the optimizer has no linear map";
    } else if (!m->noise->C) {
        why = "the noise covariance depends on theta";
    } else if (!m->land->ref_is_min) {
        why = "the quadratic has no unique minimum";
    } else {
        /* A heavy-ball type has the closed form; any other its map's solve. */
        rc = m->opt->heavy_ball(&op, m->lr, &mu, &eta_b)
                 ? fdr_lyap_stationary(w, eta_b, mu)
                 : fdr_lyap_stationary_map(w, m->opt, &op, m->lr);
        if (rc == FDR_OK) {
            fdr_lyap_traces_get(w, &e->tr);
            values_from_traces(m, e);
            e->available = 1;
            e->method = FDR_EXACT_LYAPUNOV;
            e->w = w;
            return FDR_OK;
        }
    }
    fdr_lyap_free(w);
    if (rc == FDR_OK && why)
        try_transfer(m, e, why);
    return rc;
}

/* The tensor entries of a 1-D model from the transfer operator's values:
 * the one entry 2 <x g>, <v^2>, or along a direction u (a number here)
 * u^2 times them. */
static int tensor_1d(fdr_exact *e, int full, size_t ntens, const double *dirs)
{
    e->tA = fdr_malloc(ntens * sizeof *e->tA);
    e->tB = fdr_malloc(ntens * sizeof *e->tB);
    if (!e->tA || !e->tB)
        return FDR_ENOMEM;
    for (size_t k = 0; k < ntens; k++) {
        double u2 = full ? 1 : dirs[k] * dirs[k];
        e->tA[k] = 2 * u2 * e->q[FDR_TQ_OL].val;
        e->tB[k] = u2 * e->q[FDR_TQ_VV].val;
    }
    e->ntens = ntens;
    return FDR_OK;
}

int fdr_exact_tensor(const fdr_model *m, fdr_exact *e, int full, size_t ntens, const double *dirs)
{
    if (ntens == 0 || !e->available)
        return FDR_OK;
    if (e->method == FDR_EXACT_TRANSFER)
        return tensor_1d(e, full, ntens, dirs);
    size_t d = m->land->dim;
    const fdr_preconditioner *pc = fdr_model_optim_params(m).precond;
    double *Mtt = fdr_malloc(d * d * sizeof *Mtt), *Mvv = fdr_malloc(d * d * sizeof *Mvv),
           *MH = fdr_malloc(((pc ? 3 : 1) * d * d + 2 * d) * sizeof *MH);
    e->tA = fdr_malloc(ntens * sizeof *e->tA);
    e->tB = fdr_malloc(ntens * sizeof *e->tB);
    int rc = (Mtt && Mvv && MH && e->tA && e->tB) ? FDR_OK : FDR_ENOMEM;
    if (rc == FDR_OK)
        rc = fdr_lyap_blocks(e->w, Mtt, NULL, Mvv);
    const double *H = m->land->H;
    if (rc == FDR_OK && pc) {
        /* The workspace's moments are those of P^-1/2 (x, v) (lyap_for): back
         * to x and v, and the tensor's gradient is P g = P H dx, so G = H P
         * takes H's place in <dx_i (P g)_j> = (Mtt H P)_ij. */
        double *T = MH + d * d + 2 * d, *G = T + d * d;
        sandwich(d, pc->half, Mtt, T, Mtt);
        sandwich(d, pc->half, Mvv, T, Mvv);
        int n = (int)d;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, H, n, pc->P, n, 0.0,
                    G, n);
        H = G;
    }
    if (rc == FDR_OK) {
        /* <dx_i g_j> = (Mtt H)_ij since g = H dx. */
        if (full) {
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < d; j++) {
                    double sum = 0;
                    for (size_t k = 0; k < d; k++)
                        sum += Mtt[i * d + k] * H[k * d + j];
                    MH[i * d + j] = sum;
                }
            size_t k = 0;
            for (size_t i = 0; i < d; i++)
                for (size_t j = i; j < d; j++, k++) {
                    e->tA[k] = MH[i * d + j] + MH[j * d + i];
                    e->tB[k] = Mvv[i * d + j];
                }
        } else {
            /* u^T Mtt H u = (Mtt u) . (H u): O(d^2) per direction. */
            for (size_t k = 0; k < ntens; k++) {
                const double *u = dirs + k * d;
                double a = 0, b = 0;
                for (size_t i = 0; i < d; i++) {
                    double mt = 0, hu = 0, mv = 0;
                    for (size_t j = 0; j < d; j++) {
                        mt += Mtt[i * d + j] * u[j];
                        hu += H[i * d + j] * u[j];
                        mv += Mvv[i * d + j] * u[j];
                    }
                    MH[i] = mt;
                    MH[d + i] = hu;
                    b += u[i] * mv;
                }
                for (size_t i = 0; i < d; i++)
                    a += MH[i] * MH[d + i];
                e->tA[k] = 2 * a;
                e->tB[k] = b;
            }
        }
        e->ntens = ntens;
    }
    free(Mtt);
    free(Mvv);
    free(MH);
    return rc;
}
