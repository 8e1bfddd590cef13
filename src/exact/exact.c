/* exact.c - exact references from the discrete Lyapunov equation. */
#include "exact/exact.h"
#include "core/fdr.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int fdr_exact_compute(const fdr_model *m, fdr_exact *e)
{
    memset(e, 0, sizeof *e);
    e->max_stable_lr = NAN;
    if (!m->land->H) {
        e->why_not = "the landscape is not quadratic";
        return FDR_OK;
    }
    fdr_lyap *w = lyap_for(m);
    if (!w)
        return FDR_EFAIL;
    const fdr_optim_params op = fdr_model_optim_params(m);
    double mu, eta_b, map[6];
    e->max_stable_lr = fdr_lyap_max_stable_lr(w, m->opt, &op);
    int rc = FDR_OK;
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
        e->why_not = "the optimizer has no linear map";
    } else if (!m->noise->C) {
        e->why_not = "the noise covariance depends on theta";
    } else if (!m->land->ref_is_min) {
        e->why_not = "the quadratic has no unique minimum";
    } else {
        /* A heavy-ball type has the closed form; any other its map's solve. */
        rc = m->opt->heavy_ball(&op, m->lr, &mu, &eta_b)
                 ? fdr_lyap_stationary(w, eta_b, mu)
                 : fdr_lyap_stationary_map(w, m->opt, &op, m->lr);
        if (rc == FDR_OK) {
            fdr_lyap_traces_get(w, &e->tr);
            e->available = 1;
            e->w = w;
            return FDR_OK;
        }
    }
    fdr_lyap_free(w);
    return rc;
}

int fdr_exact_tensor(const fdr_model *m, fdr_exact *e, int full, size_t ntens, const double *dirs)
{
    if (!e->available || ntens == 0)
        return FDR_OK;
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
