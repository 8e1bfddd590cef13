"""numpy reference for fdrsim's dense benchmark (models/bench-dense.ini).

Heavy-ball SGD on f = 0.5 x^T H x with a dense Hessian H = Q diag(logspace(-1,1,d)) Q^T
(Q: 4 random Householder reflections), R replicas as the rows of one matrix, so the gradient
of all replicas is one matrix product (BLAS dgemm; numpy's BLAS is whatever libblas.so.3 the
dynamic loader picks - OpenBLAS on Debian when installed).
Based on, and credited to, the project's baseline sgd_dense.py; the
'naive' mode is that code unchanged, 'tuned' (the default, the figure fdrsim is compared with)
is the same work in place on preallocated buffers, as in sgd_diag.py's tuned variant.

usage: /usr/bin/python3 numpy_dense.py [tuned|naive] [steps=2000] [R=256] [d=500]
       (the mode may be omitted: numpy_dense.py 2000 256 500 runs 'tuned')

Per step the replica means of O1 = theta.grad and O2 = v.v are stored; FDR1
<O1> = (1+mu)/(2 eta) <O2> is checked over the second half with 20 batch means.
Only the stepping loop is timed; updates/s = R*d*steps / time.
"""
import sys
import time

import numpy as np

args = sys.argv[1:]
mode = "tuned"
if args and args[0] in ("tuned", "naive"):
    mode = args.pop(0)
elif args and not args[0].isdigit():
    sys.exit("usage: numpy_dense.py [tuned|naive] [steps] [R] [d]")
T = int(args[0]) if len(args) > 0 else 2000
R = int(args[1]) if len(args) > 1 else 256
d = int(args[2]) if len(args) > 2 else 500
eta, mu, sigma = 0.01, 0.9, 1.0
rng = np.random.default_rng(0)
H = np.diag(np.logspace(-1, 1, d))
for _ in range(4):
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    P = np.eye(d) - 2 * np.outer(u, u)
    H = P @ H @ P
H = 0.5 * (H + H.T)
theta = np.ones((R, d))
v = np.zeros((R, d))
tg = np.empty(T)
vv = np.empty(T)

t0 = time.perf_counter()
if mode == "naive":                  # the baseline, as a user would write it
    for t in range(T):
        grad = theta @ H
        tg[t] = np.mean(np.sum(theta * grad, axis=1))
        noise = rng.standard_normal((R, d))
        v = mu * v - eta * (grad + sigma * noise)
        theta = theta + v
        vv[t] = np.mean(np.sum(v * v, axis=1))
else:                                # in-place, preallocated buffers
    grad = np.empty((R, d))
    noise = np.empty((R, d))
    for t in range(T):
        np.matmul(theta, H, out=grad)
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

msg = f"RESULT numpy_dense_{mode} time={dt:.4f} s updates/s={R*d*T/dt:.4e}"
if T >= 40:
    h2 = slice(T // 2, T)
    c = (1 + mu) / (2 * eta)
    nb = 20
    b1 = tg[h2][: len(tg[h2]) // nb * nb].reshape(nb, -1).mean(1)
    b2 = vv[h2][: len(vv[h2]) // nb * nb].reshape(nb, -1).mean(1)
    r = b1 / (c * b2)
    msg += (f" O1={b1.mean():.5f}+-{b1.std(ddof=1)/nb**.5:.5f}"
            f" O2={b2.mean():.7f}+-{b2.std(ddof=1)/nb**.5:.7f}"
            f" FDR1ratio={b1.mean()/(c*b2.mean()):.5f}+-{r.std(ddof=1)/nb**.5:.5f}")
print(msg + f" T={T} R={R} d={d}")
