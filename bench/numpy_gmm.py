"""numpy reference for fdrsim's Gaussian-mixture benchmarks (models/bench-gmm-d*.ini).

Copied, with credit, from the project's anharmonic baseline sgd_gmm.py (issue 11, "what a researcher
would write instead"); the logic, the work and the observables are unchanged, only the RESULT line
is printed in the form bench/run.sh reads (updates/s=...).

Gaussian-mixture SGD with the FDR2 observables (D^2..D^4 f along the step from the cumulant
recursion, noise-averaged F2 with Tr(H C)), vectorised over replicas (numpy).
f = -log sum_k w_k N(theta; m_k, S_k), K = 3, w = 0.5 0.3 0.2, means 0, 2 e_1, 2 e_2, S_k = s_k I with
s = 0.5 0.4 0.3 held as general d x d precision matrices (2 K R x d x d products per step),
isotropic noise sigma^2 = 40, lr 0.01, momentum 0, theta_0 = 0.
usage: /usr/bin/python3 numpy_gmm.py d R steps seed
Same model in fdrsim: models/bench-gmm-dD.ini (D = 10, 50, 100) with --set run.replicas=R
--set run.steps=steps."""
import sys, time, numpy as np
d, R, T, seed = map(int, sys.argv[1:5])
rng = np.random.default_rng(seed)
K = 3; w = np.array([0.5, 0.3, 0.2]); s = [0.5, 0.4, 0.3]
m = np.zeros((K, d)); m[1, 0] = 2; m[2, 1] = 2
P = [np.eye(d) / s[k] for k in range(K)]          # general matrices (no isotropic shortcut)
logc = np.array([np.log(w[k]) - 0.5 * d * np.log(2 * np.pi * s[k]) for k in range(K)])
trP = np.array([np.trace(p) for p in P])
eta, mu, s2 = 0.01, 0.0, 40.0
X = np.zeros((R, d)); V = np.zeros((R, d)); acc = np.zeros(6); n = 0
def dd(r, a, b):
    h1 = a; h2 = a * a - b; h3 = a * h2 - 2 * b * h1; h4 = a * h3 - 3 * b * h2
    m1, m2, m3, m4 = ((r * h).sum(1) for h in (h1, h2, h3, h4))
    k2 = m2 - m1**2; k3 = m3 - 3 * m2 * m1 + 2 * m1**3
    k4 = m4 - 4 * m3 * m1 - 3 * m2**2 + 12 * m2 * m1**2 - 6 * m1**4
    return -k2, -k3, -k4
t0 = time.perf_counter()
for t in range(T):
    D = [X - m[k] for k in range(K)]
    PD = [D[k] @ P[k] for k in range(K)]
    q = np.stack([logc[k] - 0.5 * np.einsum('ij,ij->i', D[k], PD[k]) for k in range(K)], 1)
    q -= q.max(1, keepdims=True); r = np.exp(q); r /= r.sum(1, keepdims=True)
    G = sum(r[:, k:k+1] * PD[k] for k in range(K))
    Z = rng.standard_normal((R, d)) * np.sqrt(s2)
    W = mu * V - eta * G; Vn = W - eta * Z
    if t >= T // 2:
        PU = [Vn @ P[k] for k in range(K)]; PW = [W @ P[k] for k in range(K)]
        a = np.stack([-np.einsum('ij,ij->i', Vn, PD[k]) for k in range(K)], 1)
        b = np.stack([np.einsum('ij,ij->i', Vn, PU[k]) for k in range(K)], 1)
        D2, D3, D4 = dd(r, a, b)
        aw = np.stack([-np.einsum('ij,ij->i', W, PD[k]) for k in range(K)], 1)
        bw = np.stack([np.einsum('ij,ij->i', W, PW[k]) for k in range(K)], 1)
        D2w, _, _ = dd(r, aw, bw)
        trHC = s2 * ((r * (trP - np.stack([np.einsum('ij,ij->i', PD[k], PD[k]) for k in range(K)], 1))).sum(1) + np.einsum('ij,ij->i', G, G))
        gsq = np.einsum('ij,ij->i', G, G); vg = np.einsum('ij,ij->i', V, G)
        acc += np.array([(eta * gsq - mu * vg).sum(), (D2 / 2).sum(), (D3 / 6).sum(), (D4 / 24).sum(), (D2w / 2 + eta**2 * trHC / 2).sum(), 0]); n += R
    V = Vn; X = X + V
el = time.perf_counter() - t0; a_ = acc / n
print(f"RESULT numpy_gmm time={el:.4f} s updates/s={R*d*T/el:.4e} dissipation={a_[0]:.6g} "
      f"F2={a_[1]:.6g} F3={a_[2]:.6g} F4={a_[3]:.6g} F2n={a_[4]:.6g} T={T} R={R} d={d}")
