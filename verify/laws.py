"""Exact output laws of non-adaptive samplers, by dynamic programming over partial assignments.

State (node, A, x_A): the size node of the schedule, the revealed set A and its values. With
n = |B| revealed at a node whose next block has size s (docs/index.md §2):

    g_child(A, x_A) += P(s | node) · C(L − n, s)^{-1} · g_node(B, x_B) · Π_{i ∈ A∖B} p̂_i(x_i | x_B)

and the mixture law is the sum of g over terminal nodes at A = [L]. Arrays are kept in *full form*
(shape with q on revealed axes and 1 elsewhere), so products are plain numpy broadcasting. The
same code runs on float64 and on exact fmpq object arrays.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from .info import Marginals
from .numbers import inv_binom, log_sum, rational, zero
from .plans import Schedule
from .predictors import PERFECT, Predictor
from .target import Target


def full_form(arr: np.ndarray, S: tuple, L: int) -> np.ndarray:
    """Reshape an array over x_S (axes in position order) to L axes, size 1 off S."""
    shape = [1] * L
    for k, j in enumerate(S):
        shape[j] = arr.shape[k]
    return arr.reshape(shape)


def _cond_full(m: Marginals, pred: Predictor, i: int, B: tuple, cache: dict) -> np.ndarray:
    key = (i, B)
    got = cache.get(key)
    if got is None:
        c = pred.conditional(m, i, B)  # axes (B..., i)
        Bi = tuple(sorted(B + (i,)))
        c = np.moveaxis(c, -1, Bi.index(i))
        got = full_form(c, Bi, m.L)
        cache[key] = got
    return got


def plan_law(target: Target, blocks, predictor: Predictor = PERFECT,
             marginals: Marginals | None = None) -> np.ndarray:
    """q_D(x) = Π_t Π_{i∈D_t} p̂_i(x_i | x_{U_t}) for one ordered partition D (D-CHAIN's q_D)."""
    m = marginals or Marginals(target)
    L = target.L
    law = np.ones((1,) * L, dtype=target.pmf.dtype)
    if target.exact:
        law = np.empty((1,) * L, dtype=object)
        law.reshape(-1)[0] = rational(1, True)
    U: tuple = ()
    cache: dict = {}
    for block in blocks:
        for i in block:
            law = law * _cond_full(m, predictor, i, U, cache)
        U = tuple(sorted(U + tuple(block)))
    if sorted(U) != list(range(L)):
        raise ValueError(f"blocks {blocks} are not a partition of 0..{L - 1}")
    return np.broadcast_to(law, (target.q,) * L).copy()


def mixture_law(target: Target, schedule: Schedule, predictor: Predictor = PERFECT,
                marginals: Marginals | None = None, cond_cache: dict | None = None) -> np.ndarray:
    """r = E_D q_D, the law a user actually samples (docs/index.md §1 mixture KL is KL(p ‖ r)).

    ``cond_cache`` (one per target and predictor) shares the predictor's conditionals across
    schedules; without it they are dropped level by level to bound memory.
    """
    m = marginals or Marginals(target)
    if schedule.kind == "plan":
        return plan_law(target, schedule.params["blocks"], predictor, m)
    L, q, exact = target.L, target.q, target.exact
    full = tuple(range(L))
    one = np.empty((1,) * L, dtype=object) if exact else np.ones((1,) * L)
    if exact:
        one.reshape(-1)[0] = rational(1, True)
    g: dict = {schedule.start: {(): one}}
    result = None
    shared = cond_cache is not None
    cache: dict = cond_cache if shared else {}
    for key in schedule.order():
        layer = g.pop(key, None)
        if layer is None:
            continue
        n = schedule.revealed[key]
        if n == L:
            arr = layer[full]
            result = arr if result is None else result + arr
            continue
        # weight[s] = [(P(s | node) / C(L − n, s), child)]: every block of size s is equally likely.
        weight: dict = {}
        for prob, s, child in schedule.nodes.get(key, ()):
            w = rational(prob, exact) * (inv_binom(L - n, s, exact) if s else rational(1, exact))
            weight.setdefault(s, []).append((w, child))
        for B, gB in layer.items():
            masked = [j for j in full if j not in B]
            conds = [_cond_full(m, predictor, i, B, cache) for i in masked]
            for D, arr in _block_products(gB, masked, conds, max(weight)):
                for w, child in weight.get(len(D), ()):
                    _accumulate(g.setdefault(child, {}), tuple(sorted(B + D)), arr * w)
        if not shared:  # conditionals given sets of this size are not needed again
            for k in [k for k in cache if len(k[1]) == n]:
                del cache[k]
    if result is None:
        raise ValueError(f"schedule {schedule.spec!r} never reveals all {L} positions")
    return np.broadcast_to(result, (q,) * L).copy()


def _block_products(base: np.ndarray, masked: list, conds: list, max_size: int):
    """Every block D ⊆ masked with |D| ≤ max_size, with base · Π_{i∈D} cond_i.

    Depth-first over blocks in increasing position order, so each product extends its prefix's
    by one factor instead of being rebuilt.
    """
    stack = [(0, (), base)]
    while stack:
        start, D, arr = stack.pop()
        yield D, arr
        if len(D) < max_size:
            for j in range(start, len(masked)):
                stack.append((j + 1, D + (masked[j],), arr * conds[j]))


def _accumulate(dest: dict, A: tuple, arr: np.ndarray) -> None:
    prev = dest.get(A)
    dest[A] = arr if prev is None else prev + arr


def cross_entropy(m: Marginals, predictor: Predictor, i: int, B: tuple):
    """CE_i(B) = −E_p log p̂_i(X_i | X_B) = −Σ p_{B∪i}(x) log p̂_i(x_i | x_B)."""
    Bi = tuple(sorted(B + (i,)))
    joint = np.moveaxis(m.marginal(Bi), Bi.index(i), -1)
    return -log_sum(joint, predictor.conditional(m, i, B), m.exact)


def cross_entropy_level(m: Marginals, predictor: Predictor, n: int):
    """c(n) = C(L,n)^{-1} Σ_{|B|=n} Σ_{i∉B} CE_i(B): mean cross-entropy of one level."""
    L = m.L
    total = zero(m.exact)
    for B in combinations(range(L), n):
        for i in range(L):
            if i not in B:
                total = total + cross_entropy(m, predictor, i, B)
    return total * inv_binom(L, n, m.exact)


def expected_kl_parts(target: Target, schedule: Schedule, predictor: Predictor = PERFECT,
                      marginals: Marginals | None = None, levels: dict | None = None) -> list:
    """E_D KL(p ‖ q̂_D) as terms [(coefficient, value)]: (−1, H) and (W(n,s)·s/(L−n), c(n)).

    log q̂_D(x) = Σ_t Σ_{i∈D_t} log p̂_i(x_i | x_{U_t}). Given the sizes, U_t is a uniform n-subset
    and each masked i lies in the next block w.p. s/(L − n), so
    E_D KL = −H + Σ_{n,s} W(n,s) · s/(L−n) · c(n),  W(n,s) = P(some block of size s starts at n).
    ``levels`` caches c(n) for this (target, predictor) across schedules.
    """
    m = marginals or Marginals(target)
    L, exact = target.L, target.exact
    levels = {} if levels is None else levels
    parts = [(rational(-1, exact), m.entropy(tuple(range(L))))]
    if schedule.kind == "plan":
        # One fixed plan: KL(p ‖ q̂_D) = −H + Σ_t Σ_{i∈D_t} CE_i(U_t), no average over positions.
        U: tuple = ()
        for block in schedule.params["blocks"]:
            for i in block:
                parts.append((rational(1, exact), cross_entropy(m, predictor, i, U)))
            U = tuple(sorted(U + tuple(block)))
        return parts
    for (n, s), W in sorted(schedule.size_weights().items()):
        if n not in levels:
            levels[n] = cross_entropy_level(m, predictor, n)
        parts.append((rational(W, exact) * rational(s, exact) / rational(L - n, exact), levels[n]))
    return parts


def expected_kl(target: Target, schedule: Schedule, predictor: Predictor = PERFECT,
                marginals: Marginals | None = None, levels: dict | None = None):
    """E_D KL(p ‖ q̂_D) = −H − E_D E_p log q̂_D(X), straight from the definition of q̂_D.

    Data-first KL; float, or a LogLinear in exact mode. See ``expected_kl_parts``.
    """
    total = zero(target.exact)
    for coef, value in expected_kl_parts(target, schedule, predictor, marginals, levels):
        total = total + value * coef
    return total
