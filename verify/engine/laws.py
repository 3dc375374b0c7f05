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

from ..certify.logforms import form_of_parts
from ..errors import TooLarge
from .info import Marginals, subsets
from .layers import (COMPILED_MIN_TOTAL, advance, compiled_kernel, conditional_layer,
                     conditional_layer_entries, layer_entries, marginal_layer, patterns, transition_ops)
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
    return form_of_parts(factored_kl_parts(p, factors, positions))


def factored_kl_parts(p: np.ndarray, factors: list, positions: list | None = None,
                      keys: list | None = None, memo: dict | None = None) -> list:
    """``factored_kl`` as parts ``[(1, Σ p log p), (−1, Σ p_A log f_1), …]`` (``LogLinear.twin_parts``).

    ``keys`` and ``memo``: a key per factor that determines it (predictor, position, revealed set)
    and a dict kept by the caller for one target, so that the plans of a grid, which share most of
    their factors, sum each factor's term once."""
    one = rational(1, True)
    parts = [(one, _memo(memo, "p log p", lambda: log_sum(p, p, True)))]
    for j, f in enumerate(factors):
        def term(f=f, j=j):
            axes = tuple(k for k, n in enumerate(f.shape) if n == 1)
            pa = p.sum(axis=axes, keepdims=True) if axes else p
            t = own_conditional_log_sum(pa, f, positions[j]) if positions is not None else None
            return t if t is not None else log_sum(pa, f, True)
        parts.append((-one, _memo(memo, None if keys is None else keys[j], term)))
    return parts


def _memo(memo: dict | None, key, build):
    if memo is None or key is None:
        return build()
    got = memo.get(key)
    if got is None:
        got = memo[key] = build()
    return got


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
    if exact and CONTEXT_FREE_SHORTCUT:
        c = context_free_conditionals(m, predictor, cond_cache)
        if c is not None:
            return product_of_conditionals(c, reach_mass(schedule))
    one = np.empty((1,), dtype=object) if exact else np.ones((1,))
    if exact:
        one[0] = rational(1, True)
    shared = cond_cache is not None
    conds: dict = cond_cache if shared else {}
    pats: dict = {}
    if compiled is None and dp_ops(schedule, q) < COMPILED_MIN_TOTAL:
        compiled = False

    def transitions(key, n, layer):
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
                yield advance(layer, cond, n, s, L, q, ws[0][0], pats, kern), ws[0][1]
            else:
                base = advance(layer, cond, n, s, L, q, None, pats, kern)
                for w, child in ws:
                    yield base * w, child

    result = walk_nodes(schedule, one, transitions)
    return np.ascontiguousarray(result[..., 0])


# Exact laws of predictors that ignore the context (a product target with the perfect predictor or
# any predictor applied position by position): every path multiplies the same factors, so the law
# is their product, whatever the schedule (docs/engine.md, "Two shortcuts of the exact law").
CONTEXT_FREE_SHORTCUT = True  # False: always run the DP (benchmarks, mutation, tests)


def context_free_conditionals(m: Marginals, predictor: Predictor, cond_cache: dict | None = None):
    """``c`` (L × q, exact) with p̂_i(x_i | x_B) = c[i, x_i] for every position i, every B ∌ i and
    every x_B — checked by exact equality on every conditional layer — or None if some conditional
    depends on its context. Kept in ``cond_cache`` (one per target and predictor) with the layers."""
    conds = cond_cache if cond_cache is not None else {}
    if ("context-free",) in conds:
        return conds[("context-free",)]
    L, q = m.L, m.q
    out = None
    for n in range(L):
        cond = _exact_layer(m, predictor, n, conds, cond_cache is not None)
        A = subsets(L, n + 1)
        if n == 0:
            out = np.empty((L, q), dtype=object)
            out[A[:, 0]] = cond[0].T  # c[i, x] = p̂_i(x | ∅)
        flat = cond.reshape(n + 1, q, q**n, len(A))
        if not all((flat[r] == out[A[:, r]].T[:, None, :]).all() for r in range(n + 1)):
            out = None
            break
    conds[("context-free",)] = out
    return out


def _exact_layer(m: Marginals, predictor: Predictor, n: int, conds: dict, keep: bool) -> np.ndarray:
    """The size-n conditional layer in the DP's batch-last layout, from ``conds`` (the DP's cache
    key) or computed, and kept there when ``keep``."""
    cond = conds.get(("layer", n, False))
    if cond is None:
        cond = conditional_layer(m, predictor, n)
        if keep:
            conds[("layer", n, False)] = cond
    return cond


def reach_mass(schedule: Schedule):
    """Σ over the nodes revealing all L positions of the probability of reaching them (exact; 1 for
    a proper schedule): the total weight the DP puts on its final layer."""
    def transitions(key, n, w):
        for prob, _, child in schedule.nodes.get(key, ()):
            if prob != 0:
                yield w * rational(prob, True), child

    return walk_nodes(schedule, rational(1, True), transitions)


def product_of_conditionals(c: np.ndarray, mass) -> np.ndarray:
    """mass · Π_i c[i, x_i] over every x, an exact law of shape (q,)*L (axes in position order)."""
    law = np.array([mass], dtype=object).reshape(())
    for row in c:
        law = np.multiply.outer(law, row)
    return law


def mixture_law_at(target: Target, schedule: Schedule, points: np.ndarray, predictor: Predictor = PERFECT,
                   marginals: Marginals | None = None, cond_cache: dict | None = None) -> np.ndarray:
    """r(x) = (E_D q_D)(x) for the k strings x of ``points`` (a k × L integer array), as a length-k
    array: the DP of ``mixture_law`` with the value axes replaced by the k strings.

    A size-n layer holds g(B, x_B) for |B| = n and each string x (shape (k, C(L, n))); a block of size
    s from it gives, for |A| = n + s,
        g'(A, x_A) = w Σ_{D ⊆ A, |D| = s} g(A∖D, x) Π_{i∈D} p̂_i(x_i | x_{A∖D}),
    the same sum over the same ``layers.patterns`` as ``layers.advance``, read at x. Work per
    transition k · C(L, n+s) C(n+s, s) against the whole law's q^{n+s} C(L, n+s) C(n+s, s): cheaper
    when the strings are few (``points_cheaper``), e.g. the support of a code. Plans and adaptive
    rules are not handled here (``mixture_law``)."""
    m = marginals or Marginals(target)
    L, q, exact = target.L, target.q, target.exact
    refuse_law_if_too_large(schedule, q, L, exact)
    pts = np.ascontiguousarray(points, dtype=np.int64).reshape(-1, L)
    conds: dict = cond_cache if cond_cache is not None else {}
    ptag = pts.tobytes()

    def transitions(key, n, layer):
        pkey = ("points", n, ptag)
        pc = conds.get(pkey)
        if pc is None:
            cond = _exact_layer(m, predictor, n, conds, cond_cache is not None)
            pc = conds[pkey] = _points_conditional(cond, pts, L, n)
        for prob, s, child in schedule.nodes.get(key, ()):
            if prob == 0:
                continue
            w = rational(prob, exact) * inv_binom(L - n, s, exact)
            if s == 0:
                yield layer * w, child
                continue
            arr = None
            for Bidx, factors, _, _ in patterns(L, n, s):
                x = layer[:, Bidx] * w
                for r, Aidx in factors:
                    x = x * pc[r][:, Aidx]
                arr = x if arr is None else arr + x
            yield arr, child

    start = np.full((len(pts), 1), rational(1, exact), dtype=object if exact else np.float64)
    result = walk_nodes(schedule, start, transitions)
    return result[:, 0]


def _points_conditional(cond: np.ndarray, pts: np.ndarray, L: int, n: int) -> np.ndarray:
    """The size-n conditional layer read at each string x: [r, k, A] = p̂_{A_r}(x_{A_r} | x_{A∖A_r})
    for x = pts[k] (shape (n+1, k, C(L, n+1)))."""
    A = subsets(L, n + 1)
    batch = np.arange(len(A))[None, :]
    out = np.empty((n + 1, len(pts), len(A)), dtype=cond.dtype)
    for r in range(n + 1):
        idx = [pts[:, A[:, r]]] + [pts[:, A[:, j]] for j in range(n + 1) if j != r] + [batch]
        out[r] = cond[r][tuple(idx)]
    return out


def points_cheaper(n_points: int, q: int, L: int) -> bool:
    """Whether ``mixture_law_at`` on n_points strings does at most half the work of the whole law:
    a transition to size a costs C(L, a) C(a, s) times n_points against q^a, and summed over a,
    Σ_a C(L, a) n_points = n_points · 2^L against Σ_a C(L, a) q^a = (q+1)^L."""
    return 2 * n_points * 2**L <= (q + 1) ** L


def walk_nodes(schedule: Schedule, start, transitions):
    """The DP's walk over a schedule's size nodes, step by step (``step_order``): a node's value
    (a layer, or a number) goes through ``transitions(key, n, value)``, which yields (value, child)
    for its edges; values meeting at a child are added; the values of the nodes revealing all L
    positions are summed and returned. Only the nodes of two consecutive steps are alive at once."""
    g: dict = {schedule.start: start}
    result = None
    for key in step_order(schedule):
        value = g.pop(key, None)
        if value is None:
            continue
        n = schedule.revealed[key]
        if n == schedule.L:
            result = value if result is None else result + value
            continue
        for out, child in transitions(key, n, value):
            prev = g.get(child)
            if prev is None:
                g[child] = out
            elif isinstance(prev, np.ndarray):
                prev += out  # in place: a fresh array of this walk
            else:
                g[child] = prev + out
        del value
    if result is None:
        raise ValueError(f"schedule {schedule.spec!r} never reveals all {schedule.L} positions")
    return result


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
