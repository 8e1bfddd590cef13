"""numpy reference for fdrsim's quartic benchmarks (models/bench-quartic-rotated.ini and
models/bench-quartic-separable.ini).

Copied, with credit, from the project's anharmonic baseline sgd_quartic.py (issue 11, "what a
researcher would write instead"); the logic, the work and the observables are unchanged, only the
RESULT line is printed in the form bench/run.sh reads (updates/s=..., FDR1ratio=...).

Quartic SGD with the FDR1 and FDR2 observables (F2, F3, F4 along the step, noise-averaged F2),
vectorised over replicas (numpy): what a researcher would write for the same work.
f = sum_i [h_i x_i^2/2 + k x_i^3/6 + l x_i^4/24] + (g/8)|x|^4, x = Q^T (theta - theta*),
h_i log-spaced 0.5..2, k = 1.5, l = 3, g = 0.5, isotropic noise sigma^2 = 1, lr 0.1, momentum 0,
theta_0 = 0; observables over the second half of the run.
usage: /usr/bin/python3 numpy_quartic.py d R steps seed [rotated|separable]
  rotated:   Q Haar-random (four R x d x d products per step);  separable: Q = I (no products).
Same model in fdrsim: models/bench-quartic-rotated.ini and models/bench-quartic-separable.ini
with --set landscape.dim=d --set run.replicas=R --set run.steps=steps."""
import sys, time, numpy as np
d, R, T, seed = map(int, sys.argv[1:5])
sep = len(sys.argv) > 5 and sys.argv[5] == 'separable'
rng = np.random.default_rng(seed)
h = np.geomspace(0.5, 2, d); kap = 1.5; lam = 3.0; gam = 0.5; s2 = 1.0; eta = 0.1; mu = 0.0
Q, r = np.linalg.qr(rng.standard_normal((d, d))); Q = Q * np.sign(np.diag(r))
rot = (lambda A: A @ Q) if not sep else (lambda A: A)
back = (lambda A: A @ Q.T) if not sep else (lambda A: A)
X = np.zeros((R, d)); V = np.zeros((R, d))
acc = np.zeros(8); n = 0
t0 = time.perf_counter()
for t in range(T):
    xr = rot(X)
    q = np.einsum('ij,ij->i', xr, xr)
    gx = h * xr + kap * xr**2 / 2 + lam * xr**3 / 6 + (gam / 2) * q[:, None] * xr
    G = back(gx)
    Z = rng.standard_normal((R, d)) * np.sqrt(s2)
    W = mu * V - eta * G
    Vn = W - eta * Z
    if t >= T // 2:
        U = rot(Vn); Wr = rot(W)
        diag = h + kap * xr + lam * xr**2 / 2
        c = np.einsum('ij,ij->i', U, U); b = 2 * np.einsum('ij,ij->i', xr, U)
        D2 = np.einsum('ij,ij->i', diag, U**2) + (gam / 8) * 2 * (b**2 + 2 * q * c)
        D3 = np.einsum('ij,ij->i', kap + lam * xr, U**3) + (gam / 8) * 12 * b * c
        D4 = lam * np.einsum('ij,ij->i', U, U**3) + 3 * gam * c**2
        cw = np.einsum('ij,ij->i', Wr, Wr); bw = 2 * np.einsum('ij,ij->i', xr, Wr)
        D2w = np.einsum('ij,ij->i', diag, Wr**2) + (gam / 8) * 2 * (bw**2 + 2 * q * cw)
        trH = diag.sum(1) + (gam / 2) * (d * q + 2 * q)
        F2n = D2w / 2 + eta**2 * s2 * trH / 2
        gsq = np.einsum('ij,ij->i', G, G); vg = np.einsum('ij,ij->i', V, G)
        ol = np.einsum('ij,ij->i', X, G); vv = np.einsum('ij,ij->i', V, V)
        acc += np.array([ol.sum(), vv.sum(), (eta * gsq - mu * vg).sum(), (D2 / 2).sum(), (D3 / 6).sum(), (D4 / 24).sum(), F2n.sum(), 0])
        n += R
    V = Vn; X = X + V
el = time.perf_counter() - t0
a = acc / n
print(f"RESULT numpy_quartic_{'separable' if sep else 'rotated'} time={el:.4f} s updates/s={R*d*T/el:.4e} "
      f"FDR1ratio={a[0] / ((1 + mu) / (2 * eta) * a[1]):.5f} dissipation={a[2]:.6g} F2={a[3]:.6g} "
      f"F3={a[4]:.6g} F4={a[5]:.6g} F2n={a[6]:.6g} T={T} R={R} d={d}")
