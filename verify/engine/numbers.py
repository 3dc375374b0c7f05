"""The two number types of the engine: float64 arrays and exact object arrays of fmpq.

Every logarithm in the suite goes through ``log_sum``: in float mode it returns a float, in
exact mode a ``LogLinear`` form (docs/index.md §7) — one log of an exact rational per term — so the
same engine code yields both a fast value and a certifiable one.
"""
from __future__ import annotations

from math import comb

import numpy as np
from flint import fmpq

from .target import is_exact


def log_sum(coef: np.ndarray, val: np.ndarray, exact: bool | None = None):
    """Σ_x coef(x) · log val(x), over entries with coef(x) ≠ 0 (so 0 · log 0 = 0).

    Float mode: a float.  Exact mode: a ``LogLinear`` (coefficients and values fmpq).
    """
    if exact is None:
        exact = is_exact(coef) or is_exact(val)
    coef = np.asarray(coef)
    val = np.asarray(val)
    if coef.shape != val.shape:
        coef, val = np.broadcast_arrays(coef, val)
    if exact:
        from ..certify.logforms import LogLinear

        return LogLinear.from_pairs(coef.reshape(-1), val.reshape(-1))
    c = coef.reshape(-1).astype(np.float64)
    v = val.reshape(-1).astype(np.float64)
    nz = c != 0
    return float(np.dot(c[nz], np.log(v[nz])))


def own_conditional_log_sum(joint: np.ndarray, cond: np.ndarray, axis: int):
    """Σ_x joint(x) log cond(x) written over joint's own atoms, or None: exact mode only.

    When cond is joint's conditional along ``axis`` — cond(x) · m(x) = joint(x) wherever
    joint(x) ≠ 0, with m = Σ_{x_axis} joint (checked here, exactly, entry by entry) — then
    log cond(x) = log joint(x) − log m(x) there, so the sum equals Σ joint log joint − Σ joint log m:
    the same number over the values of joint and of its marginal m, which other forms of the same
    law hold too (entropies, other conditionals). None when the check fails somewhere. The zero test
    uses it as a twin (``LogLinear.with_twin``; docs/certification.md, "Twins")."""
    marg = joint.sum(axis=axis, keepdims=True)
    j, c, m = (a.reshape(-1) for a in np.broadcast_arrays(joint, cond, marg))
    for k in range(j.size):
        jk = j[k]
        if jk != 0 and c[k] * m[k] != jk:
            return None
    return log_sum(joint, joint, True) - log_sum(joint, marg, True)


def entropy_of(p: np.ndarray, exact: bool | None = None):
    """H = −Σ p log p (nats) of an array of probabilities."""
    return -log_sum(p, p, exact)


def zero(exact: bool):
    """The additive zero of the mode's log quantities."""
    if exact:
        from ..certify.logforms import LogLinear

        return LogLinear()
    return 0.0


def rational(x, exact: bool):
    """A rational constant in the mode's number type (fmpq exact, float otherwise)."""
    if exact:
        from .target import to_fmpq

        return to_fmpq(x)
    if isinstance(x, fmpq):
        return int(x.p) / int(x.q)
    return float(x)


def inv_binom(n: int, k: int, exact: bool):
    """1 / C(n, k) in the mode's number type."""
    c = comb(n, k)
    return fmpq(1, c) if exact else 1.0 / c


def safe_div(num: np.ndarray, den: np.ndarray, default, exact: bool) -> np.ndarray:
    """num / den elementwise, ``default`` where den == 0 (the off-support convention)."""
    if exact:
        out = np.empty(np.broadcast_shapes(num.shape, den.shape), dtype=object)
        n_b, d_b = np.broadcast_arrays(num, den)
        fo, fn, fd = out.reshape(-1), n_b.reshape(-1), d_b.reshape(-1)
        for k in range(fo.size):
            d = fd[k]
            fo[k] = default if d == 0 else fn[k] / d
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), float(default))
    return out


def log_binom(n, k):
    """log C(n, k) for integer arrays (−inf outside 0 ≤ k ≤ n), from a table of log n!."""
    n, k = np.asarray(n), np.asarray(k)
    top = int(np.max(n)) if n.size else 0
    lfact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, max(top, 1) + 1)))])
    ok = (k >= 0) & (k <= n) & (n >= 0)
    nn, kk = np.where(ok, n, 0).astype(int), np.where(ok, k, 0).astype(int)
    return np.where(ok, lfact[nn] - lfact[kk] - lfact[nn - kk], -np.inf)
