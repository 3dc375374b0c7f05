"""Engine-free oracles for WLL26 (Wen–Liang–Lu): the chain of conditional total correlations along
an adaptive policy's trajectories (Theorem 1), the output law of a fixed plan, and small Markov laws
of order 1 and 2 (Theorem 2). Nothing from ``verify``, ``distributions`` or ``proofs_numeric``.

For a deterministic policy ``choose(known) → batch`` (``adaptive_oracle.comparator_policy`` or, per
order, ``adaptive_oracle.entropy_sum_policy``), every x with p(x) > 0 has one trajectory
``(C_t, S_t)``; the chain side is ``Σ_x p(x) Σ_t TC(X_{S_t} | x_{C_t})`` with
``TC(X_S | x_C) = Σ_{i∈S} H(X_i | x_C) − H(X_S | x_C)`` computed by summing the pmf over the
unrevealed axes (written here from the definition, not from the engine's marginals).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def _slice_given(pmf, known: dict):
    """The sub-array of pmf with revealed axes fixed (remaining axes in position order)."""
    return pmf[tuple(known[j] if j in known else slice(None) for j in range(pmf.ndim))]


def _H(values) -> float:
    tot = float(sum(float(v) for v in values))
    return -sum(float(v) / tot * math.log(float(v) / tot) for v in values if v > 0)


def conditional_tc(pmf, known: dict, batch) -> float:
    """TC(X_batch | x_known) in nats (x_known of positive probability)."""
    sub = np.asarray(_slice_given(pmf, known), dtype=float)
    free = [j for j in range(pmf.ndim) if j not in known]
    keep = [free.index(j) for j in sorted(batch)]
    drop = tuple(a for a in range(len(free)) if a not in keep)
    joint = sub.sum(axis=drop) if drop else sub
    marg = 0.0
    for a in range(len(keep)):
        others = tuple(b for b in range(len(keep)) if b != a)
        marg += _H(np.atleast_1d(joint.sum(axis=others) if others else joint).ravel())
    return marg - _H(np.atleast_1d(joint).ravel())


def chain_tc(pmf, choose) -> float:
    """Σ_x p(x) Σ_t TC(X_{S_t} | x_{C_t}) along the deterministic policy's trajectory of each x."""
    L, q = pmf.ndim, pmf.shape[0]
    total = 0.0
    for x in itertools.product(range(q), repeat=L):
        px = float(pmf[x])
        if px <= 0:
            continue
        known: dict = {}
        while len(known) < L:
            batch = choose(known)
            assert batch and not set(batch) & set(known)
            if len(batch) >= 2:
                total += px * conditional_tc(pmf, known, batch)
            known = {**known, **{j: x[j] for j in batch}}
    return total


def plan_output_law(pmf, blocks) -> dict:
    """q_D(x) = Π_t Π_{i∈D_t} p(x_i | x_{U_t}) for every x, in Fractions (object pmf); uniform
    conditionals off the support (the same convention as the paper's null histories)."""
    L, q = pmf.ndim, pmf.shape[0]
    out = {}
    for x in itertools.product(range(q), repeat=L):
        w, known = Fraction(1), {}
        for block in blocks:
            for i in block:
                sub = _slice_given(pmf, known)
                free = [j for j in range(L) if j not in known]
                ax = free.index(i)
                col = [np.sum(np.take(sub, v, axis=ax)) for v in range(q)]
                tot = sum(col)
                w *= Fraction(col[x[i]], tot) if tot else Fraction(1, q)
            known = {**known, **{i: x[i] for i in block}}
        out[x] = w
    return out


def markov_law(L: int, q: int, order: int, seed: int):
    """An order-``order`` chain with random positive rational tables: p(x) = μ(x_1..x_o) Π_i
    T(x_i | x_{i−o..i−1}), Fractions (object array)."""
    rng = np.random.default_rng(seed)

    def row(n):
        w = [int(v) for v in rng.integers(1, 9, size=n)]
        return [Fraction(v, sum(w)) for v in w]

    o = min(order, L)
    start = dict(zip(itertools.product(range(q), repeat=o), row(q**o)))
    trans = {ctx: row(q) for ctx in itertools.product(range(q), repeat=order)} if order else {(): row(q)}
    pmf = np.empty((q,) * L, dtype=object)
    for x in itertools.product(range(q), repeat=L):
        w = start[x[:o]]
        for i in range(o, L):
            w *= trans[x[i - order:i]][x[i]]
        pmf[x] = w
    return pmf
