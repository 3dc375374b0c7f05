"""One construction, two number types: helpers shared by every family.

A law is built either as a ``float64`` array or as an object array of ``flint.fmpq``.
Parameters arrive as exact rationals (``Fraction``); :func:`number` turns them into the
requested type, so the float law is computed from the float values of the same rationals
the exact law uses.

Random families draw with ``numpy.random.default_rng(seed)`` and quantise each draw to an
integer weight (:func:`quantised_simplex`); the exact law is those integers normalised, and
the float law is the float value of that same rational law.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import fmpq

# Each quantised simplex sums to 2**RESOLUTION_BITS (more for simplices with > 2**19 entries).
RESOLUTION_BITS = 20


def number(x, exact: bool):
    """``x`` (int, Fraction or fmpq) as an fmpq (exact) or the nearest float."""
    if isinstance(x, fmpq):
        fr = Fraction(int(x.p), int(x.q))
    else:
        fr = Fraction(x)
    return fmpq(fr.numerator, fr.denominator) if exact else float(fr)


def number_array(values, exact: bool) -> np.ndarray:
    """Array of rationals (nested lists or an array of ints/Fractions) in the requested type."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object if exact else np.float64)
    for idx in np.ndindex(arr.shape):
        out[idx] = number(arr[idx], exact)
    return out


def law_from_weights(weights: np.ndarray, exact: bool) -> np.ndarray:
    """p(x) = w(x) / Σ_y w(y) for non-negative integer weights w (int64 or Python-int objects)."""
    w = np.asarray(weights)
    total = int(sum(int(v) for v in w.reshape(-1))) if w.dtype == object else int(w.sum())
    if total <= 0:
        raise ValueError("weights are all zero")
    if exact:
        return np.array(np.frompyfunc(lambda v: fmpq(int(v), total), 1, 1)(w), dtype=object)
    if w.dtype != object and total < 2**53:
        return np.asarray(w.astype(np.float64) / float(total))
    # Python's int / int is correctly rounded even when the integers exceed 2**53.
    return np.array(np.frompyfunc(lambda v: int(v) / total, 1, 1)(w), dtype=np.float64)


def stochastic_rows(weights: np.ndarray, exact: bool) -> np.ndarray:
    """Normalise integer weights along the last axis: row r becomes w_r / Σ w_r (a conditional law)."""
    w = np.asarray(weights, dtype=np.int64)
    sums = w.sum(axis=-1, keepdims=True)
    if np.any(sums <= 0):
        raise ValueError("a row of weights is all zero")
    if exact:
        out = np.empty(w.shape, dtype=object)
        for idx in np.ndindex(w.shape):
            out[idx] = fmpq(int(w[idx]), int(sums[idx[:-1] + (0,)]))
        return out
    return w.astype(np.float64) / sums.astype(np.float64)


def log_gamma(rng: np.random.Generator, alpha: float, size) -> np.ndarray:
    """log G with G ~ Gamma(alpha, 1), stable for tiny alpha.

    Uses G(α) = G(α+1) · U^{1/α} (Marsaglia–Tsang boost), so log G = log G(α+1) + log(U)/α
    never underflows the way a direct Gamma(α) draw does for α ≪ 1.
    """
    g = rng.standard_gamma(alpha + 1.0, size=size)
    u = 1.0 - rng.random(size=size)  # in (0, 1], so log u is finite
    return np.log(g) + np.log(u) / alpha


def row_total(n: int) -> int:
    """Integer total of a quantised simplex with n entries: 2^20, or 2^b ≥ 2n for n > 2^19."""
    return 2 ** max(RESOLUTION_BITS, (2 * n - 1).bit_length())


def quantised_simplex(rng: np.random.Generator, shape, alpha: float, keep_positive: bool) -> np.ndarray:
    """Integer weights of Dirichlet(alpha) draws, one simplex along the last axis of ``shape``.

    Each row is a draw θ = G / Σ G with G_j ~ Gamma(alpha) i.i.d., quantised by largest
    remainders to integers summing exactly to D = 2^20 (:func:`row_total`). A common power-of-two
    denominator keeps every product of rows dyadic, so exact laws built from many rows (chains,
    HMMs) keep small denominators, and the float law w/D is exact in float64.

    With ``keep_positive`` every entry is at least 1 (full support: a Dirichlet draw is positive
    almost surely, so no positive draw is zeroed). Without it, entries with θ_j·D below the rounding
    threshold become exact zeros, which is how small alpha gives sparse laws; every row keeps its
    largest entry (≥ D/n > 0).
    """
    shape = tuple(shape)
    n = shape[-1]
    D = row_total(n)
    lg = log_gamma(rng, float(alpha), shape)
    rel = np.exp(lg - lg.max(axis=-1, keepdims=True))
    scaled = rel / rel.sum(axis=-1, keepdims=True) * D
    w = np.floor(scaled).astype(np.int64)
    if keep_positive:
        w = np.maximum(w, 1)
    rows, rem = w.reshape(-1, n), (scaled - np.floor(scaled)).reshape(-1, n)
    for r in range(rows.shape[0]):
        short = D - int(rows[r].sum())
        if short > 0:  # hand the missing units to the largest remainders
            rows[r, np.argsort(-rem[r], kind="stable")[:short]] += 1
        elif short < 0:  # forced 1s overshot: take the excess from the largest entries
            rows[r, np.argsort(-rows[r], kind="stable")[:-short]] -= 1
    return rows.reshape(shape)


def axis_values(q: int, L: int, i: int) -> np.ndarray:
    """arange(q) shaped to broadcast along axis i of a (q,)*L array: the value x_i."""
    shape = [1] * L
    shape[i] = q
    return np.arange(q).reshape(shape)


def agreements(q: int, L: int, edges) -> np.ndarray:
    """A(x) = #{(u, v) ∈ edges : x_u = x_v} as an int array of shape (q,)*L."""
    count = np.zeros((q,) * L, dtype=np.int32)
    for u, v in edges:
        count += axis_values(q, L, u) == axis_values(q, L, v)
    return count


def chain_extend(law: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """p(x_1..x_{i+1}) = p(x_1..x_i) · K(x_{i-n+2}..x_i, x_{i+1}).

    ``kernel`` has n axes: the last n-1 positions of ``law`` and the new token; trailing-axis
    broadcasting lines them up.
    """
    return law[..., None] * kernel


def exact_sum(a: np.ndarray):
    """Σ of an array of fmpq, exactly."""
    return sum(a.reshape(-1), fmpq(0))
