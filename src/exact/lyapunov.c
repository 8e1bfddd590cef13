/* lyapunov.c - exact second moments of heavy-ball SGD on a quadratic, solved
 * pair by pair in the eigenbasis of H.
 *
 * With H = U diag(h) U^T, x = U^T (theta - theta*) and the rotated velocity
 * (also called v below), each eigen-direction i evolves as
 *     (x_i, v_i) <- A_i (x_i, v_i) + n_i (1, 1),
 *     A_i = [[1 - a_i, mu], [-a_i, mu]],  a_i = eta_b h_i,
 *     <n_i n_j> = q_ij = eta_b^2 c'_ij,   C' = U^T C U.
 * For a pair (i, j) write X = <x_i x_j>, P = <x_i v_j>, R = <v_i x_j>,
 * V = <v_i v_j>, a = a_i, b = a_j. Stationarity of these four moments gives
 *     (1 - mu) P = V - b X,  (1 - mu) R = V - a X,  (1 + mu) V = (a + b) X,
 * and then, from <v_i v_j>,
 *     X = q (1 - mu^2) / den,  V = q (1 - mu)(a + b) / den,
 *     P = q (a - mu b) / den,  R = q (b - mu a) / den,
 *     den = (1 - mu)^2 ((1 + mu)(a + b) - a b) + mu (a - b)^2.
 * This closed form is the solution of the 4x4 system (I - A_j (x) A_i) vec M
 * = vec Q_ij. In the stable region (|mu| < 1, 0 < a, b < 2 (1 + mu)) den > 0:
 * the system is invertible there, so den cannot vanish, and den > 0 at a = b.
 * For mu >= 0 it is visible term by term, as (1 + mu)(a + b) - a b =
 * (1 + mu)^2 - (a - 1 - mu)(b - 1 - mu) > 0. Writing den with (a - b)^2,
 * rather than expanding mu (a + b)^2 - (1 + mu)^2 a b, avoids a cancellation
 * for mu close to 1. */
#include "exact/lyapunov.h"
#include "core/fdr.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct fdr_lyap {
    size_t d;
    double *h;            /* eigenvalues of H                                */
    double *U;            /* d x d row-major, column k = eigenvector k       */
    double *Cr;           /* C' = U^T C U, exactly symmetric                 */
    double *xx, *xv, *vv; /* kept moment in the eigenbasis: <x_i x_j>,
                           * <x_i v_j>, <v_i v_j>, d x d row-major each    */
    double *z;            /* 2d scratch for fdr_lyap_set_initial             */
    double *map;          /* 6 per direction: the optimizer's A (2 x 2), b   */
    double hmin, hmax;
    double tr_HC, tr_C;
    int identity;    /* H is diagonal: U = I, and the rotations are copies */
    int traces_only; /* only the pairs (i, i) of the kept moment are current */
};

/* Returns 1 if every one of the n entries of a is finite, else 0. */
static int all_finite(size_t n, const double *a)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(a[k]))
            return 0;
    return 1;
}

/* Diagonalises H into w->h and w->U (only H's lower triangle is read, as in
 * gsl_eigen_symmv); returns FDR_OK or a recorded failure status. */
static int diagonalise(fdr_lyap *w, const double *H)
{
    size_t d = w->d;
    /* A diagonal H is its own eigendecomposition: saves the O(d^3)
     * rotations of C and of the moments (a second or so at d = 1000). */
    w->identity = 1;
    for (size_t i = 1; i < d && w->identity; i++)
        for (size_t j = 0; j < i; j++)
            if (H[i * d + j] != 0) {
                w->identity = 0;
                break;
            }
    if (w->identity) {
        for (size_t k = 0; k < d * d; k++)
            w->U[k] = 0;
        for (size_t i = 0; i < d; i++) {
            w->h[i] = H[i * d + i];
            w->U[i * d + i] = 1;
        }
        return FDR_OK;
    }
    /* gsl_eigen_symmv overwrites its input, so it works on a copy. */
    double *a = fdr_malloc(d * d * sizeof *a);
    if (!a)
        return FDR_ENOMEM;
    for (size_t k = 0; k < d * d; k++)
        a[k] = H[k];
    /* GSL's default handler aborts on an allocation failure: report it. */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    int rc = FDR_OK;
    if (!ws) {
        rc = fdr_error(FDR_ENOMEM, "out of memory diagonalising a %zu x %zu Hessian", d, d);
    } else {
        gsl_matrix_view am = gsl_matrix_view_array(a, d, d);
        gsl_matrix_view um = gsl_matrix_view_array(w->U, d, d);
        gsl_vector_view hv = gsl_vector_view_array(w->h, d);
        fdr_progress(d, "eigendecomposition of the Hessian", 0);
        if (gsl_eigen_symmv(&am.matrix, &hv.vector, &um.matrix, ws) != GSL_SUCCESS)
            rc = fdr_error(FDR_EFAIL, "the eigendecomposition of the %zu x %zu Hessian failed",
                           d, d);
        fdr_progress(d, "eigendecomposition of the Hessian", 1);
        gsl_eigen_symmv_free(ws);
    }
    gsl_set_error_handler(old);
    free(a);
    return rc;
}

/* Replaces the d x d matrix a by (a + a^T) / 2. A product U M U^T rounds its
 * entries (i, j) and (j, i) differently; callers compare the two. */
static void symmetrise(size_t d, double *a)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
            a[i * d + j] = a[j * d + i] = 0.5 * (a[i * d + j] + a[j * d + i]);
}

/* Allocates the workspace: diagonalises H, rotates C into H's eigenbasis and
 * starts the kept moment at zero (theta = theta*, v = 0). Returns NULL with a
 * recorded error if d is 0 or too large, if H or C has a non-finite entry, or
 * if memory or the eigendecomposition fails; nothing is leaked then. */
fdr_lyap *fdr_lyap_alloc(size_t d, const double *H, const double *C)
{
    if (d == 0) {
        fdr_error(FDR_EINVAL, "the Lyapunov solver needs a dimension of at least 1");
        return NULL;
    }
    if (d > SIZE_MAX / sizeof(double) / d || d > INT_MAX) {
        fdr_error(FDR_ENOMEM, "dimension %zu is too large for d x d matrices", d);
        return NULL;
    }
    /* GSL's eigensolver need not terminate on NaN input, so reject it here. */
    if (!all_finite(d * d, H) || !all_finite(d * d, C)) {
        fdr_error(FDR_EINVAL, "the Hessian or the noise covariance has a non-finite entry");
        return NULL;
    }
    fdr_lyap *w = fdr_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->d = d;
    size_t dd = d * d;
    w->h = fdr_malloc(d * sizeof *w->h);
    w->U = fdr_malloc(dd * sizeof *w->U);
    w->Cr = fdr_malloc(dd * sizeof *w->Cr);
    w->xx = fdr_calloc(dd, sizeof *w->xx);
    w->xv = fdr_calloc(dd, sizeof *w->xv);
    w->vv = fdr_calloc(dd, sizeof *w->vv);
    w->z = fdr_malloc(2 * d * sizeof *w->z);
    w->map = fdr_malloc(6 * d * sizeof *w->map);
    if (!w->h || !w->U || !w->Cr || !w->xx || !w->xv || !w->vv || !w->z || !w->map ||
        diagonalise(w, H) != FDR_OK) {
        fdr_lyap_free(w);
        return NULL;
    }
    int n = (int)d;
    if (w->identity) {
        for (size_t k = 0; k < dd; k++)
            w->Cr[k] = C[k];
    } else {
        /* C' = U^T (C U), with C U held in xx until the moment is cleared. */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, C, n, w->U, n, 0.0,
                    w->xx, n);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, w->U, n, w->xx, n,
                    0.0, w->Cr, n);
        for (size_t k = 0; k < dd; k++)
            w->xx[k] = 0;
    }
    /* The solver reads one triangle of C': averaging keeps the rounding of
     * the rotation (or a slightly asymmetric C) from favouring either. */
    symmetrise(d, w->Cr);
    w->hmin = w->hmax = w->h[0];
    for (size_t i = 0; i < d; i++) {
        w->hmin = fmin(w->hmin, w->h[i]);
        w->hmax = fmax(w->hmax, w->h[i]);
        w->tr_HC += w->h[i] * w->Cr[i * d + i];
        w->tr_C += w->Cr[i * d + i];
    }
    return w;
}

/* Frees the workspace; NULL is a no-op. */
void fdr_lyap_free(fdr_lyap *w)
{
    if (!w)
        return;
    free(w->h);
    free(w->U);
    free(w->Cr);
    free(w->xx);
    free(w->xv);
    free(w->vv);
    free(w->z);
    free(w->map);
    free(w);
}

double fdr_lyap_max_stable_lr(const fdr_lyap *w, const fdr_optimizer_type *t,
                              const fdr_optim_params *p)
{
    return t->max_stable_lr(p, w->hmin, w->hmax);
}

/* Replaces the kept moment by the stationary covariance for eta_b and mu.
 * Returns FDR_EUNSTABLE with a message, leaving the kept moment unchanged,
 * when some block has spectral radius >= 1. */
int fdr_lyap_stationary(fdr_lyap *w, double eta_b, double mu)
{
    if (!(fabs(mu) < 1))
        return fdr_error(FDR_EUNSTABLE,
                         "[optimizer] momentum: %g makes the dynamics unstable: |momentum| must "
                         "be below 1",
                         mu);
    if (!(w->hmin > 0))
        return fdr_error(FDR_EUNSTABLE,
                         "[landscape]: the Hessian has the eigenvalue %g <= 0, so no learning "
                         "rate gives a stationary state (add weight_decay or change the "
                         "spectrum)",
                         w->hmin);
    /* eta_b is heavy-ball SGD's lr at dampening 0. */
    const fdr_optim_params hb = {.momentum = mu, .dampening = 0};
    double max_eta_b = fdr_lyap_max_stable_lr(w, &fdr_optim_sgd, &hb);
    if (!(eta_b > 0) || !(eta_b < max_eta_b)) {
        char eta[32], top[32];
        fdr_format_distinct(eta_b, max_eta_b, eta, top, sizeof eta);
        return fdr_error(FDR_EUNSTABLE,
                         "[optimizer] lr: eta (1 - dampening) = %s makes the dynamics unstable "
                         "for momentum %g: the largest stable eta (1 - dampening) is %s",
                         eta, mu, top);
    }
    size_t d = w->d;
    w->traces_only = 0;
    double omu = 1 - mu, opmu = 1 + mu;
    for (size_t i = 0; i < d; i++) {
        double a = eta_b * w->h[i];
        for (size_t j = i; j < d; j++) {
            double b = eta_b * w->h[j];
            double den = omu * omu * (opmu * (a + b) - a * b) + mu * (a - b) * (a - b);
            double s = eta_b * eta_b * w->Cr[i * d + j] / den;
            w->xx[i * d + j] = w->xx[j * d + i] = s * omu * opmu;
            w->vv[i * d + j] = w->vv[j * d + i] = s * omu * (a + b);
            w->xv[i * d + j] = s * (a - mu * b);
            w->xv[j * d + i] = s * (b - mu * a);
        }
    }
    return FDR_OK;
}

/* Sets the kept moment to z0 z0^T with z0 = (dtheta0, v0) rotated into the
 * eigenbasis. */
void fdr_lyap_set_initial(fdr_lyap *w, const double *dtheta0, const double *v0)
{
    size_t d = w->d;
    w->traces_only = 0;
    int n = (int)d;
    double *x = w->z, *v = w->z + d;
    cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, w->U, n, dtheta0, 1, 0.0, x, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, w->U, n, v0, 1, 0.0, v, 1);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            w->xx[i * d + j] = x[i] * x[j];
            w->xv[i * d + j] = x[i] * v[j];
            w->vv[i * d + j] = v[i] * v[j];
        }
}

/* M_ij <- A_i M_ij A_j^T + c'_ij b_i b_j^T for the pair (i, j), i <= j,
 * with direction k's map A_k, b_k in w->map (fill_maps). */
static void step_pair(fdr_lyap *w, size_t i, size_t j)
{
    size_t d = w->d, ij = i * d + j, ji = j * d + i;
    const double *Ai = w->map + 6 * i, *bi = Ai + 4, *Aj = w->map + 6 * j, *bj = Aj + 4;
    double X = w->xx[ij], P = w->xv[ij], R = w->xv[ji], V = w->vv[ij], c = w->Cr[ij];
    /* L = A_i M_ij with M_ij = [[X, P], [R, V]], then M_ij <- L A_j^T + Q_ij. */
    double lxx = Ai[0] * X + Ai[1] * R, lxv = Ai[0] * P + Ai[1] * V;
    double lvx = Ai[2] * X + Ai[3] * R, lvv = Ai[2] * P + Ai[3] * V;
    w->xx[ij] = w->xx[ji] = Aj[0] * lxx + Aj[1] * lxv + bi[0] * bj[0] * c;
    w->xv[ij] = Aj[2] * lxx + Aj[3] * lxv + bi[0] * bj[1] * c;
    w->xv[ji] = Aj[0] * lvx + Aj[1] * lvv + bi[1] * bj[0] * c;
    w->vv[ij] = w->vv[ji] = Aj[2] * lvx + Aj[3] * lvv + bi[1] * bj[1] * c;
}

/* Fills w->map with the optimizer's linear map of every eigen-direction;
 * FDR_EINVAL if the type has none. */
static int fill_maps(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p,
                     double lr)
{
    if (t->own_map_state)
        return fdr_error(FDR_EINVAL, "optimizer '%s' has no exact transient: its linear map is "
                                     "not on (theta, v)", t->name);
    for (size_t i = 0; i < w->d; i++)
        if (!t->linear_map(p, lr, w->h[i], w->map + 6 * i, w->map + 6 * i + 4))
            return fdr_error(FDR_EINVAL, "optimizer '%s' has no linear map for the exact "
                                         "moments", t->name);
    return FDR_OK;
}

/* Solves the pair (i, j) of the stationary equation M = A_i M A_j^T + c'_ij
 * b_i b_j^T, M = [[X, P], [R, V]] the moments of (x_i, s_i) with (x_j,
 * s_j), as the 4 x 4 system (I - A_i (x) A_j) vec M = c'_ij vec(b_i b_j^T)
 * (row-major vec); writes (X, P, R, V) into m. FDR_EUNSTABLE if the system
 * is singular (a block on the edge of stability). */
static int solve_pair(const fdr_lyap *w, size_t i, size_t j, double m[4])
{
    const double *Ai = w->map + 6 * i, *bi = Ai + 4, *Aj = w->map + 6 * j, *bj = Aj + 4;
    double K[16], c = w->Cr[i * w->d + j];
    for (int k = 0; k < 2; k++)
        for (int l = 0; l < 2; l++) {
            for (int q = 0; q < 2; q++)
                for (int n = 0; n < 2; n++)
                    K[(2 * k + l) * 4 + 2 * q + n] =
                        (k == q && l == n) - Ai[2 * k + q] * Aj[2 * l + n];
            m[2 * k + l] = c * bi[k] * bj[l];
        }
    size_t pd[4];
    gsl_permutation perm = {4, pd};
    gsl_matrix_view Km = gsl_matrix_view_array(K, 4, 4);
    gsl_vector_view mv = gsl_vector_view_array(m, 4);
    int sign;
    /* GSL's default handler aborts on a singular matrix: report it. */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_LU_decomp(&Km.matrix, &perm, &sign) ||
             gsl_linalg_LU_svx(&Km.matrix, &perm, &mv.vector);
    gsl_set_error_handler(old);
    if (rc || !all_finite(4, m))
        return fdr_error(FDR_EUNSTABLE, "the exact stationary state is singular for the "
                                        "eigenvalues %g and %g of the Hessian",
                         w->h[i], w->h[j]);
    return FDR_OK;
}

/* Replaces the kept moment by the stationary one of t's map: the stability
 * limit first (so that every pair's system is regular), then each pair's
 * solve, and for a map on the type's own coordinate the moments of v. */
int fdr_lyap_stationary_map(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p,
                            double lr)
{
    double top = fdr_lyap_max_stable_lr(w, t, p);
    if (!(lr > 0) || !(lr < top)) {
        char now[32], max[32];
        fdr_format_distinct(lr, top, now, max, sizeof now);
        return fdr_error(FDR_EUNSTABLE,
                         "[optimizer] lr: %s makes the dynamics of optimizer '%s' unstable: the "
                         "largest stable learning rate is %s",
                         now, t->name, max);
    }
    for (size_t i = 0; i < w->d; i++)
        if (!t->linear_map(p, lr, w->h[i], w->map + 6 * i, w->map + 6 * i + 4))
            return fdr_error(FDR_EINVAL, "optimizer '%s' has no linear map for the exact "
                                         "moments", t->name);
    size_t d = w->d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = i; j < d; j++) {
            double m[4];
            int rc = solve_pair(w, i, j, m);
            if (rc != FDR_OK)
                return rc;
            size_t ij = i * d + j, ji = j * d + i;
            if (!t->own_map_state) {
                w->xx[ij] = w->xx[ji] = m[0];
                w->xv[ij] = m[1];
                w->xv[ji] = m[2];
                w->vv[ij] = w->vv[ji] = m[3];
                continue;
            }
            /* v = x - x_prev = r^T z_prev + b[0] xi with r = (A[0] - 1, A[1]),
             * z_prev distributed as z: <v_i v_j> = r_i^T M r_j + c'_ij b_i[0]
             * b_j[0] and <x_i v_j> = <x_prev,i v_j> + <v_i v_j>. */
            const double *Ai = w->map + 6 * i, *Aj = w->map + 6 * j;
            double ri0 = Ai[0] - 1, ri1 = Ai[1], rj0 = Aj[0] - 1, rj1 = Aj[1];
            double vv = ri0 * (rj0 * m[0] + rj1 * m[1]) + ri1 * (rj0 * m[2] + rj1 * m[3]) +
                        w->Cr[ij] * Ai[4] * Aj[4];
            w->xx[ij] = w->xx[ji] = m[0];
            w->xv[ij] = rj0 * m[0] + rj1 * m[1] + vv;
            w->xv[ji] = ri0 * m[0] + ri1 * m[2] + vv;
            w->vv[ij] = w->vv[ji] = vv;
        }
    w->traces_only = 0;
    return FDR_OK;
}

/* Replaces the kept moment M by A M A^T + Q, one 2x2 block per pair i <= j
 * (the block of (j, i) is its transpose). There is no stability check: a
 * transient is meaningful for any parameters. */
int fdr_lyap_step(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p, double lr)
{
    if (w->traces_only)
        return fdr_error(FDR_EINVAL, "the kept moment was advanced for its traces only");
    int rc = fill_maps(w, t, p, lr);
    if (rc != FDR_OK)
        return rc;
    for (size_t i = 0; i < w->d; i++)
        for (size_t j = i; j < w->d; j++)
            step_pair(w, i, j);
    return FDR_OK;
}

int fdr_lyap_step_traces(fdr_lyap *w, const fdr_optimizer_type *t, const fdr_optim_params *p,
                         double lr)
{
    int rc = fill_maps(w, t, p, lr);
    if (rc != FDR_OK)
        return rc;
    /* In H's eigenbasis each pair evolves on its own, and the traces read
     * only the pairs (i, i). */
    for (size_t i = 0; i < w->d; i++)
        step_pair(w, i, i);
    w->traces_only = 1;
    return FDR_OK;
}

void fdr_lyap_scale_velocity(fdr_lyap *w, double s)
{
    size_t d = w->d;
    for (size_t i = 0; i < d; i++) {
        size_t j0 = w->traces_only ? i : 0, j1 = w->traces_only ? i + 1 : d;
        for (size_t j = j0; j < j1; j++) {
            w->xv[i * d + j] *= s;
            w->vv[i * d + j] *= s * s;
        }
    }
}

/* Fills t with traces of the kept moment, each a sum over the diagonal in
 * the eigenbasis (Tr(F(H) M) = sum_i F(h_i) M'_ii), and with the constants
 * Tr(H C) and Tr C. */
void fdr_lyap_traces_get(const fdr_lyap *w, fdr_lyap_traces *t)
{
    size_t d = w->d;
    double hx = 0, vv = 0, h2x = 0, hxv = 0, hvv = 0;
    for (size_t i = 0; i < d; i++) {
        double hi = w->h[i];
        hx += hi * w->xx[i * d + i];
        hvv += hi * w->vv[i * d + i];
        h2x += hi * hi * w->xx[i * d + i];
        hxv += hi * w->xv[i * d + i];
        vv += w->vv[i * d + i];
    }
    t->theta_dot_grad = hx;
    t->v_dot_v = vv;
    t->grad_sq = h2x;
    t->v_dot_grad = hxv;
    t->loss_excess = hx / 2;
    t->v_H_v = hvv;
    t->tr_HC = w->tr_HC;
    t->tr_C = w->tr_C;
}

/* Writes U Mp U^T into out, using tmp (d x d) as scratch. */
static void rotate_back(const fdr_lyap *w, const double *Mp, double *tmp, double *out)
{
    size_t d = w->d;
    const double *U = w->U;
    if (w->identity) {
        for (size_t k = 0; k < d * d; k++)
            out[k] = Mp[k];
        return;
    }
    int n = (int)d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, U, n, Mp, n, 0.0, tmp,
                n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, tmp, n, U, n, 0.0, out,
                n);
}

/* Writes the requested blocks of the kept moment in the original basis
 * (NULL pointers are skipped). Returns FDR_OK, or FDR_ENOMEM when the d x d
 * scratch cannot be allocated (the outputs are then untouched). */
int fdr_lyap_blocks(const fdr_lyap *w, double *Mtt, double *Mtv, double *Mvv)
{
    if (!Mtt && !Mtv && !Mvv)
        return FDR_OK;
    if (w->traces_only)
        return fdr_error(FDR_EINVAL, "the kept moment was advanced for its traces only");
    size_t d = w->d;
    double *tmp = fdr_malloc(d * d * sizeof *tmp);
    if (!tmp)
        return FDR_ENOMEM;
    if (Mtt) {
        rotate_back(w, w->xx, tmp, Mtt);
        symmetrise(d, Mtt);
    }
    if (Mtv)
        rotate_back(w, w->xv, tmp, Mtv);
    if (Mvv) {
        rotate_back(w, w->vv, tmp, Mvv);
        symmetrise(d, Mvv);
    }
    free(tmp);
    return FDR_OK;
}
