"""numpy reference for fdrsim's diagonal benchmark (models/bench-diag.ini).

Heavy-ball SGD on f = 0.5 sum_i h_i x_i^2, h = logspace(-1, 1, d), R replicas vectorized.
Copied, with credit, from the project's baseline sgd_diag.py
("what a researcher would write instead"); the logic, the work and the printed observables are
unchanged, so the two stay comparable.

usage: /usr/bin/python3 numpy_diag.py [tuned|naive] [steps=2000] [R=256] [d=1000]

Update (per replica):  g = h*theta (true gradient);  O1 = theta.g
    v <- mu v - eta (g + sigma xi),  xi ~ N(0, I);   theta <- theta + v;  O2 = v.v
Per step the replica means of O1 and O2 are stored.  FDR1 (stationary):
    <O1> = (1+mu)/(2 eta) <O2>.  Checked over the second half of the run.
'tuned' (the figure fdrsim is compared with) works in place on preallocated buffers;
'naive' allocates new arrays every step, as code is usually written.
Only the stepping loop is timed; updates/s = R*d*steps / time.
"""
import sys
import time

import numpy as np

mode = sys.argv[1] if len(sys.argv) > 1 else "tuned"
if mode not in ("tuned", "naive"):
    sys.exit("usage: numpy_diag.py [tuned|naive] [steps] [R] [d]")
T = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
R = int(sys.argv[3]) if len(sys.argv) > 3 else 256
d = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
eta, mu, sigma = 0.01, 0.9, 1.0
h = np.logspace(-1, 1, d)            # curvatures 0.1 .. 10
rng = np.random.default_rng(0)
theta = np.ones((R, d))
v = np.zeros((R, d))
tg = np.empty(T)
vv = np.empty(T)

t0 = time.perf_counter()
if mode == "naive":                  # what a user would typically write
    for t in range(T):
        grad = h * theta
        tg[t] = np.mean(np.sum(theta * grad, axis=1))
        noise = rng.standard_normal((R, d))
        v = mu * v - eta * (grad + sigma * noise)
        theta = theta + v
        vv[t] = np.mean(np.sum(v * v, axis=1))
else:                                # in-place, preallocated buffers
    grad = np.empty((R, d))
    noise = np.empty((R, d))
    for t in range(T):
        np.multiply(theta, h, out=grad)
        tg[t] = np.einsum("ij,ij->", theta, grad) / R
        rng.standard_normal(out=noise)
        noise *= sigma
        noise += grad
        noise *= eta
        v *= mu
        v -= noise
        theta += v
        vv[t] = np.einsum("ij,ij->", v, v) / R
dt = time.perf_counter() - t0


def bm(x, nb=20):
    """Mean and batch-means standard error (nb batches)."""
    b = x[: len(x) // nb * nb].reshape(nb, -1).mean(axis=1)
    return x.mean(), b.std(ddof=1) / np.sqrt(nb)


msg = f"RESULT numpy_{mode} time={dt:.4f} s updates/s={R*d*T/dt:.4e}"
if T >= 40:
    h2 = slice(T // 2, T)
    o1, e1 = bm(tg[h2])
    o2, e2 = bm(vv[h2])
    c = (1 + mu) / (2 * eta)
    r, er = bm(tg[h2] / (c * vv[h2]))
    msg += (f" O1={o1:.5f}+-{e1:.5f} O2={o2:.7f}+-{e2:.7f}"
            f" FDR1ratio={o1/(c*o2):.5f}+-{er:.5f}")
print(msg + f" T={T} R={R} d={d}")
