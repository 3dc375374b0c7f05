"""Exact output laws of non-adaptive samplers, by dynamic programming over partial assignments.

State (node, A, x_A): the size node of the schedule, the revealed set A and its values. With
n = |B| revealed at a node whose next block has size s (docs/index.md §2):

    g_child(A, x_A) += P(s | node) · C(L − n, s)^{-1} · g_node(B, x_B) · Π_{i ∈ A∖B} p̂_i(x_i | x_B)

and the mixture law is the sum of g over terminal nodes at A = [L]. The g of one node is one
batched *layer* over all revealed sets of its size (``layers.py``; docs/engine.md), and a block
transition is ``layers.advance``: numpy on float64 or exact fmpq object arrays, or a compiled
numba kernel for large float transitions. ``plan_law`` (one fixed plan) keeps arrays in *full
form* (q on revealed axes, 1 elsewhere), a plain product.
"""
from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from ..errors import TooLarge
from .info import Marginals
from .layers import (COMPILED_MIN_TOTAL, advance, compiled_kernel, conditional_layer,
                     conditional_layer_entries, layer_entries, marginal_layer, transition_ops)
from .numbers import inv_binom, log_sum, own_conditional_log_sum, rational, zero
from .plans import Schedule
from .predictors import PERFECT, Predictor, cached_conditional, memo_for, predictor_key
from .target import BYTES_EXACT, BYTES_FLOAT, Target, max_bytes


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
        c = cached_conditional(pred, m, i, B)  # axes (B..., i)
        Bi = tuple(sorted(B + (i,)))
        c = np.moveaxis(c, -1, Bi.index(i))
        got = full_form(c, Bi, m.L)
        cache[key] = got
    return got


def plan_factors(target: Target, blocks, predictor: Predictor = PERFECT,
                 marginals: Marginals | None = None) -> list:
    """The factors of q_D: the arrays p̂_i(x_i | x_{U_t}) for t = 1..T, i ∈ D_t, each over the L axes
    (size 1 off U_t ∪ {i}), in plan order; their product is ``plan_law``."""
    m = marginals or Marginals(target)
    L = target.L
    out: list = []
    U: tuple = ()
    cache: dict = {}
    for block in blocks:
        for i in block:
            out.append(_cond_full(m, predictor, i, U, cache))
        U = tuple(sorted(U + tuple(block)))
    if sorted(U) != list(range(L)):
        raise ValueError(f"blocks {blocks} are not a partition of 0..{L - 1}")
    return out


def law_of_factors(target: Target, factors: list) -> np.ndarray:
    """Π_j factors[j] over the full (q,)*L grid (exact: fmpq products from 1)."""
    L = target.L
    law = np.ones((1,) * L, dtype=target.pmf.dtype)
    if target.exact:
        law = np.empty((1,) * L, dtype=object)
        law.reshape(-1)[0] = rational(1, True)
    for f in factors:
        law = law * f
    return np.broadcast_to(law, (target.q,) * L).copy()


def plan_law(target: Target, blocks, predictor: Predictor = PERFECT,
             marginals: Marginals | None = None) -> np.ndarray:
    """q_D(x) = Π_t Π_{i∈D_t} p̂_i(x_i | x_{U_t}) for one ordered partition D (D-CHAIN's q_D)."""
    return law_of_factors(target, plan_factors(target, blocks, predictor, marginals))


def factored_kl(p: np.ndarray, factors: list, positions: list | None = None):
    """KL(p ‖ Π_j f_j) = Σ_x p(x) log p(x) − Σ_j Σ_x p(x) log f_j(x), exact (a LogLinear).

    Equal to ``kl(p, Π_j f_j)`` whenever every f_j(x) > 0 on the support of p (log of a product of
    positive rationals is the sum of their logs); the caller guarantees it (the product is > 0 there).
    Σ_x p(x) log f_j(x) is summed as Σ_{x_A} p_A(x_A) log f_j(x_A) over the axes A where f_j is not
    constant (p summed over the others here, exactly: the same number, from fewer terms). With
    ``positions`` (the position i_j of each factor), a factor that is p_A's own conditional of x_{i_j}
    is written over p_A's values (``numbers.own_conditional_log_sum``, checked there)."""
    total = log_sum(p, p, True)
    for j, f in enumerate(factors):
        axes = tuple(k for k, n in enumerate(f.shape) if n == 1)
        pa = p.sum(axis=axes, keepdims=True) if axes else p
        term = own_conditional_log_sum(pa, f, positions[j]) if positions is not None else None
        total = total - (term if term is not None else log_sum(pa, f, True))
    return total


def mixture_law(target: Target, schedule: Schedule, predictor: Predictor = PERFECT,
                marginals: Marginals | None = None, cond_cache: dict | None = None,
                compiled: bool | None = None) -> np.ndarray:
    """r = E_D q_D, the law a user actually samples (docs/index.md §1 mixture KL is KL(p ‖ r)).

    DP over size nodes with one batched layer per node (``layers.py``): the layer of a node with
    n revealed holds g(B, x_B) for every |B| = n, and a block of size s moves it to the child by
    ``layers.advance`` with weight P(s | node) / C(L − n, s). Nodes run step by step (by depth,
    then n), so at most the nodes of two consecutive steps are alive. ``cond_cache`` (one per
    target and predictor) keeps the conditional layers across schedules; without it only the
    current node's layer is kept. ``compiled`` forces (True) or forbids (False) the numba kernel
    for float transitions (default: when the whole DP has ``layers.COMPILED_MIN_TOTAL`` products). Refuses (TooLarge) a schedule whose estimated peak
    (``law_peak_bytes``) is over the memory limit, before allocating.
    """
    m = marginals or Marginals(target)
    if schedule.kind == "plan":
        return plan_law(target, schedule.params["blocks"], predictor, m)
    L, q, exact = target.L, target.q, target.exact
    refuse_law_if_too_large(schedule, q, L, exact)
    one = np.empty((1,), dtype=object) if exact else np.ones((1,))
    if exact:
        one[0] = rational(1, True)
    g: dict = {schedule.start: one}
    result = None
    shared = cond_cache is not None
    conds: dict = cond_cache if shared else {}
    pats: dict = {}
    if compiled is None and dp_ops(schedule, q) < COMPILED_MIN_TOTAL:
        compiled = False
    for key in step_order(schedule):
        layer = g.pop(key, None)
        if layer is None:
            continue
        n = schedule.revealed[key]
        if n == L:
            result = layer if result is None else result + layer
            continue
        edges: dict = {}
        for prob, s, child in schedule.nodes.get(key, ()):
            if prob != 0:
                edges.setdefault(s, []).append((prob, child))
        # One conditional layer per n, in the layout of the path that uses it: the compiled
        # kernel (large float transitions) reads it batch-first.
        kern = compiled_kernel(exact, max(transition_ops(L, n, s, q) for s in edges), compiled)
        ckey = ("layer", n, kern is not None)
        cond = conds.get(ckey)
        if cond is None:
            if not shared:
                conds.clear()  # one conditional layer alive at a time
            cond = conds[ckey] = conditional_layer(m, predictor, n, batch_first=kern is not None)
        for s, out in sorted(edges.items()):
            ws = [(rational(prob, exact) * inv_binom(L - n, s, exact), child) for prob, child in out]
            if len(ws) == 1:  # fold the weight into the first factor
                arrs = [(advance(layer, cond, n, s, L, q, ws[0][0], pats, kern), ws[0][1])]
            else:
                base = advance(layer, cond, n, s, L, q, None, pats, kern)
                arrs = [(base * w, child) for w, child in ws]
            for arr, child in arrs:
                prev = g.get(child)
                if prev is None:
                    g[child] = arr
                else:
                    prev += arr
        del layer
    if result is None:
        raise ValueError(f"schedule {schedule.spec!r} never reveals all {L} positions")
    return np.ascontiguousarray(result[..., 0])


def dp_ops(schedule: Schedule, q: int) -> int:
    """Products of the whole DP: Σ over transitions of C(L, n+s) C(n+s, s) q^{n+s}."""
    L = schedule.L
    return sum(transition_ops(L, schedule.revealed[key], s, q)
               for key, edges in schedule.nodes.items() for prob, s, _ in edges if prob != 0 and s > 0)


def step_order(schedule: Schedule) -> list:
    """Nodes by (depth, revealed): every transition goes one step deeper, so this order is
    topological, and the nodes of a step are done before the next step's are read."""
    depth = schedule.depths()
    return sorted(depth, key=lambda k: (depth[k], schedule.revealed[k]))


def law_peak_entries(schedule: Schedule, q: int) -> int:
    """Upper bound on the numbers ``mixture_law`` holds at once on this schedule (marginals aside).

    Walks the nodes in ``step_order`` as the DP does. At a node with n revealed, alive are: the
    layers of every node reached but not yet processed (children included), the node's own
    layer, its conditional layer, the pattern index arrays cached so far (int64, one entry each,
    plus the Python objects holding them), and the largest of (a) building the conditional
    layer: four slices of it, copies of two marginal layers and a gathered one; (b) one
    transition n → a = n+s: the returned layer, the product and its predecessor, one gathered
    conditional and the weighted gather of g (numpy path), or the batch-first copy of g, the
    output and its transposed copy and the stacked pattern arrays (compiled path).
    ``law_peak_bytes`` adds 25 % for allocator slack. The marginal layers the DP reads belong to
    the ``Marginals`` cache: (q+1)^L numbers, counted by ``target.estimated_bytes``. A shared
    ``cond_cache`` (the proof check's) keeps the conditional layers of other sizes on top.
    """
    L = schedule.L
    pending: dict = {schedule.start: 1}
    seen: set = set()
    cached_idx = 0
    peak = 0
    for key in step_order(schedule):
        own = pending.pop(key, None)
        if own is None:
            continue
        n = schedule.revealed[key]
        if n == L:
            continue
        edges = [(s, child) for prob, s, child in schedule.nodes.get(key, ()) if prob != 0]
        for s, child in edges:
            pending.setdefault(child, layer_entries(q, L, n + s))
        cond = conditional_layer_entries(q, L, n)
        # batch-first copies of two marginal layers, a gathered one and four slices in flight
        build = 4 * (cond // (n + 1)) + layer_entries(q, L, n + 1) + layer_entries(q, L, n) + q**n * comb(L, n + 1)
        work = 0
        for s, _ in edges:
            if s == 0:
                work = max(work, layer_entries(q, L, n))
                continue
            a = n + s
            Ca, P = comb(L, a), comb(a, s)
            if (n, s) not in seen:
                seen.add((n, s))
                # the arrays and the Python objects holding them, once for each path: a node's
                # path depends on its largest transition, so one (n, s) may run on both
                cached_idx += 2 * P * ((s + 1) * Ca + 64 * (s + 3))
            out = layer_entries(q, L, a)
            numpy_path = 2 * out + out // q + q ** (n + 1) * Ca + 2 * q**n * Ca
            compiled_path = layer_entries(q, L, n) + 2 * out + P * ((s + 1) * Ca + q**s + q**n + s)
            work = max(work, numpy_path, compiled_path)
        live = sum(pending.values()) + own + cond + cached_idx
        peak = max(peak, live + max(build, work))
    return peak + 2**16  # small structures: subset tables, schedule, node dictionaries


def law_peak_bytes(schedule: Schedule, q: int, exact: bool) -> float:
    """``law_peak_entries`` in bytes (8 per float, BYTES_EXACT per fmpq), plus 25 % slack."""
    return 1.25 * float(law_peak_entries(schedule, q)) * (BYTES_EXACT if exact else BYTES_FLOAT)


def measure_peak_bytes(schedule: Schedule, q: int, exact: bool) -> float:
    """The DP (``law_peak_bytes``) plus what a measurement keeps beside it: the joint, the
    marginal layers ((q+1)^L numbers) and about 2L·q^L more (subset marginals along the chains
    ``Marginals.marginal`` walks for H(X_i) and H(X_{−i}), the law r and its metrics)."""
    L = schedule.L
    per = BYTES_EXACT if exact else BYTES_FLOAT
    return law_peak_bytes(schedule, q, exact) + per * (float(q) ** L * (1 + 2 * L) + float(q + 1) ** L)


def refuse_law_if_too_large(schedule: Schedule, q: int, L: int, exact: bool) -> None:
    """TooLarge if ``measure_peak_bytes`` exceeds the memory limit (before any allocation)."""
    need = measure_peak_bytes(schedule, q, exact)
    limit = max_bytes()
    if need > limit:
        raise TooLarge("sampler", f"the mixture-law DP of {schedule.spec} on q={q}, L={L}", need, limit)


def cross_entropy(m: Marginals, predictor: Predictor, i: int, B: tuple):
    """CE_i(B) = −E_p log p̂_i(X_i | X_B) = −Σ p_{B∪i}(x) log p̂_i(x_i | x_B).

    Memoised per (predictor key, i, B) on ``m`` (``predictors.memo_for``): the levels c(n), the
    plan terms and the learning terms of every claim on one target ask for the same pairs, and a
    form is an immutable value."""
    B = tuple(B)
    pkey = predictor_key(predictor)
    memo = memo_for(m) if pkey is not None else None
    if memo is not None:
        got = memo.get(("ce", pkey, i, B))
        if got is not None:
            return got
    Bi = tuple(sorted(B + (i,)))
    joint = np.moveaxis(m.marginal(Bi), Bi.index(i), -1)
    cond = cached_conditional(predictor, m, i, B)
    out = -log_sum(joint, cond, m.exact)
    if m.exact and predictor.perfect:
        # the zero test's twin: −Σ p_{B∪i} log p_{B∪i} + Σ p_{B∪i} log p_B, over the law's own
        # marginal values (checked: cond = p_{B∪i} / p_B on the support), which entropies share
        def build(joint=joint, cond=cond):
            t = own_conditional_log_sum(joint, cond, -1)
            return None if t is None else -t
        out.with_twin(build)
    if memo is not None:
        memo[("ce", pkey, i, B)] = out
    return out


def cross_entropy_level(m: Marginals, predictor: Predictor, n: int):
    """c(n) = C(L,n)^{-1} Σ_{|B|=n} Σ_{i∉B} CE_i(B): mean cross-entropy of one level.

    Float mode sums over the batched layers (``layers.py``): the pairs (B, i) are the pairs
    (A = B ∪ {i}, rank of i in A), so c(n) = −C(L,n)^{-1} Σ_r Σ_A Σ_x p_A(x) log p̂[r, x, A].
    Exact mode keeps the pair-by-pair LogLinear sum.
    """
    L = m.L
    total = zero(m.exact)
    if not m.exact and n < L:
        top = marginal_layer(m, n + 1)
        cond = conditional_layer(m, predictor, n)
        for r in range(n + 1):
            total = total - log_sum(np.moveaxis(top, r, 0), cond[r], False)
        return total * inv_binom(L, n, False)
    forms = [cross_entropy(m, predictor, i, B) for B in combinations(range(L), n) for i in range(L) if i not in B]
    if m.exact:
        from ..certify.logforms import sum_of_forms

        return sum_of_forms(forms, inv_binom(L, n, True))
    for f in forms:
        total = total + f
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
