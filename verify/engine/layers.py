"""Batched layers of the exact DP: every revealed set of one size at once (see docs/engine.md).

Layout. A *layer* of size n holds one number per (revealed set B, values x_B) with |B| = n, as an
array of shape ``(q,)*n + (C(L, n),)``: the value axes first, in increasing position order inside
B, and the *batch* axis last, the sets B in the lexicographic order of ``itertools.combinations``.
Batch-last keeps every product below a contiguous run of at least ``q^n · C(L, n)`` elements
(or of ``C(L, n)`` for a permutation of value axes), so numpy runs long inner loops whatever L.

Indexing a set inside its size class goes through ``rank_table(L)``: entry ``mask`` (the bitmask
Σ_{j∈B} 2^j) is the position of B in ``subsets(L, |B|)``.

A *conditional layer* of size n is one array of shape ``(n+1, q) + (q,)*n + (C(L, n+1),)``:
entry ``[r, x_i, x_B, A]`` is p̂_i(x_i | x_B) with i = A_r (the r-th smallest position of A) and
B = A ∖ {i}; with ``batch_first`` the same numbers are laid out (C(L, n+1), n+1, q, q^n), for the
compiled kernel. Every pair (B, i ∉ B) appears exactly once, indexed by A = B ∪ {i} and the rank
r of i in A, so the layer is one gather away from any block product.

The transition of the mixture-law DP from a size-n layer g through a block of size s
(``laws.mixture_law``, docs/engine.md) is

    g'(A, x_A) = w · Σ_{D ⊆ A, |D| = s} g(A∖D, x_{A∖D}) · Π_{i∈D} p̂_i(x_i | x_{A∖D})

with w = P(s | node) / C(L − n, s). ``advance`` computes it *pattern by pattern*: a pattern is the
set P of ranks that D occupies inside A, the same permutation of value axes for every A, so one
pattern is a batched gather, s contiguous products and one axis permutation over all C(L, n+s)
sets A at once (numpy); large float transitions run the same sums in a compiled kernel
(``kernels.py``, numba) over batch-first copies. Work: Σ_P q^{n+s} C(L, n+s) =
C(L, n+s) C(n+s, s) q^{n+s} products, the DP's own operation count.

These helpers are pure functions over arrays, usable by any engine (the adaptive one included)
that walks revealed sets size by size: ``subsets``/``rank_table`` index the sets,
``Marginals.layer`` and ``conditional_layer`` stack the numbers, ``patterns`` and
``compiled_patterns`` give the gathers of one transition, ``advance`` runs it.
"""
from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from .info import Marginals, rank_table, subset_masks, subsets
from .numbers import rational, safe_div
from .predictors import LAM_DEFAULT, builtin_kind, cached_conditional

def layer_entries(q: int, L: int, n: int) -> int:
    """Entries of a size-n layer: q^n · C(L, n)."""
    return q**n * comb(L, n)


def conditional_layer_entries(q: int, L: int, n: int) -> int:
    """Entries of a size-n conditional layer: (n+1) · q^{n+1} · C(L, n+1) = (L−n) q^{n+1} C(L, n)."""
    return 0 if n >= L else (n + 1) * q ** (n + 1) * comb(L, n + 1)


def marginal_layer(m: Marginals, n: int) -> np.ndarray:
    """p_B(x_B) for every |B| = n, as a size-n layer (shape (q,)*n + (C(L, n),))."""
    return m.layer(n)


def conditional_layer(m: Marginals, predictor, n: int, batch_first: bool = False) -> np.ndarray:
    """The size-n conditional layer of a predictor: ``[r, x_i, x_B, A]`` = p̂_{A_r}(x_i | x_{A∖A_r}),
    one array of shape (n+1, q) + (q,)*n + (C(L, n+1),); with ``batch_first`` the same numbers
    as (C(L, n+1), n+1, q, q^n), the layout of the compiled kernel (``kernels.py``).

    ``perfect`` and ``mix`` are computed batched from two marginal layers, with the same
    elementwise formulas as ``Marginals.conditional`` / ``Predictor.conditional`` (so the numbers
    agree exactly, including the uniform off-support convention). Other predictors are
    pair-by-pair calls of ``predictor.conditional``.
    """
    L, q, exact = m.L, m.q, m.exact
    if n >= L:
        return np.empty((0,), dtype=object if exact else np.float64)
    A = subsets(L, n + 1)
    Amask = subset_masks(L, n + 1)
    ranks = rank_table(L)
    kind = builtin_kind(predictor)
    dtype = object if exact else np.float64
    if batch_first:
        bf = np.empty((len(A), n + 1, q, q**n), dtype=dtype)
        out = np.moveaxis(bf, 0, -1).reshape((n + 1, q) + (q,) * n + (len(A),))  # a view of bf
    else:
        out = np.empty((n + 1, q) + (q,) * n + (len(A),), dtype=dtype)
    if kind in ("perfect", "mix") and batch_first and not exact:
        # The same numbers computed set by set in batch-first order: every write is a whole row.
        C1 = len(A)
        topT = np.ascontiguousarray(np.moveaxis(marginal_layer(m, n + 1), -1, 0))
        lowT = np.ascontiguousarray(np.moveaxis(marginal_layer(m, n), -1, 0)).reshape(-1, q**n)
        for r in range(n + 1):
            Bidx = ranks[Amask ^ (np.int64(1) << A[:, r])]
            num = np.moveaxis(topT, r + 1, 1).reshape(C1, q, q**n)
            den = lowT[Bidx][:, None, :]
            c = np.divide(num, np.where(den > 0, den, 1.0))
            off = den == 0
            if off.any():
                np.copyto(c, 1 / q, where=np.broadcast_to(off, c.shape))
            if kind == "mix":
                lam = predictor.params.get("lam", LAM_DEFAULT)
                c = c * rational(1 - lam, False) + rational(lam / q, False)
            bf[:, r] = c
        return bf
    if kind in ("perfect", "mix"):
        top = marginal_layer(m, n + 1)
        low = marginal_layer(m, n)
        default = rational(1, exact) / q if exact else 1 / q
        for r in range(n + 1):
            Bidx = ranks[Amask ^ (np.int64(1) << A[:, r])]
            num = np.moveaxis(top, r, 0)
            den = np.take(low, Bidx, axis=-1)[None]
            if exact:
                c = safe_div(num, den, default, exact)
            else:
                # safe_div's numbers (num / den, the default where den = 0) without its temporaries
                c = np.divide(num, np.where(den > 0, den, 1.0))
                off = den == 0
                if off.any():
                    np.copyto(c, default, where=np.broadcast_to(off, c.shape))
            if kind == "mix":
                lam = predictor.params.get("lam", LAM_DEFAULT)
                c = c * rational(1 - lam, exact) + rational(lam / q, exact)
            out[r] = c
        return bf if batch_first else out
    for r in range(n + 1):
        for a, row in enumerate(A):
            i = int(row[r])
            B = tuple(int(j) for j in row if j != i)
            out[r][..., a] = np.moveaxis(cached_conditional(predictor, m, i, B), -1, 0)
    return bf if batch_first else out


# ``patterns`` of small transitions, kept for the process: a proof check builds thousands of
# float and exact laws on small targets, each of which would otherwise rebuild them. Only
# transitions with at most PATTERNS_MEMO_MAX index entries are kept (a few hundred kB each), so
# the memory ``law_peak_entries`` counts for a large DP is unchanged.
PATTERNS_MEMO_MAX = 1 << 15
_PATTERNS: dict = {}


def patterns(L: int, n: int, s: int) -> list:
    """Per rank pattern P (s ranks inside A, |A| = n+s): the gather indices and the axis order.

    Returns [(Bidx, [(r_k, A'idx_k)], perm, P)]: B = A ∖ A[P] as ranks in size n, for the k-th
    position of P its rank r_k inside A'_k = B ∪ {A[P_k]} and the index of A'_k in size n+1, and
    the permutation taking the product's axes (x_{P_{s−1}}, …, x_{P_0}, x_B, batch) to (x_A, batch).
    Small ones are shared (read-only arrays) across calls.
    """
    key = (L, n, s)
    got = _PATTERNS.get(key)
    if got is not None:
        return got
    out = _patterns(L, n, s)
    if comb(n + s, s) * comb(L, n + s) * (s + 1) <= PATTERNS_MEMO_MAX:
        for Bidx, factors, _, _ in out:
            Bidx.flags.writeable = False
            for _, Aidx in factors:
                Aidx.flags.writeable = False
        _PATTERNS[key] = out
    return out


def _patterns(L: int, n: int, s: int) -> list:
    a = n + s
    A = subsets(L, a)
    Amask = subset_masks(L, a)
    ranks = rank_table(L)
    one = np.int64(1)
    out = []
    for P in combinations(range(a), s):
        dmask = np.zeros(len(A), dtype=np.int64)
        for p in P:
            dmask |= one << A[:, p]
        Bmask = Amask ^ dmask
        Bidx = ranks[Bmask]
        factors = [(p - k, ranks[Bmask | (one << A[:, p])]) for k, p in enumerate(P)]
        rest = [j for j in range(a) if j not in P]
        perm = [s - 1 - P.index(j) if j in P else s + rest.index(j) for j in range(a)] + [a]
        out.append((Bidx, factors, tuple(perm), P))
    return out


# A float DP with at least COMPILED_MIN_TOTAL products in all runs its transitions of at least
# COMPILED_MIN_OPS products in the compiled kernel (kernels.py) when numba is installed; a
# smaller DP stays on numpy, which finishes before numba would have been imported.
COMPILED_MIN_TOTAL = 3 * 10**7
COMPILED_MIN_OPS = 10**5


def transition_ops(L: int, n: int, s: int, q: int) -> int:
    """Products of one block transition n → n+s: C(L, n+s) · C(n+s, s) · q^{n+s}."""
    return comb(L, n + s) * comb(n + s, s) * q ** (n + s)


def compiled_kernel(exact: bool, ops: int, force: bool | None = None):
    """The numba kernel if a float transition of ``ops`` products should use it, else None.

    ``force`` True/False overrides the ``COMPILED_MIN_OPS`` threshold (tests use it; the DP passes
    False when its total is under ``COMPILED_MIN_TOTAL``)."""
    if exact or force is False or (force is None and ops < COMPILED_MIN_OPS):
        return None
    from .kernels import kernel

    return kernel()


def warm_kernel():
    """Load (or compile) the numba kernel now, on a one-pattern transition; None without numba."""
    k = compiled_kernel(False, 0, True)
    if k is not None:
        arrs = compiled_patterns(2, 1, 1, 2)
        k(np.ones((2, 2)), np.ones((1, 2, 2, 2)), *arrs, 1.0, np.zeros((1, 4)), 2)
    return k


def advance(g: np.ndarray, cond: np.ndarray, n: int, s: int, L: int, q: int, weight=None,
            cache: dict | None = None, kernel=None) -> np.ndarray:
    """One block of size s from the size-n layer g: the size-(n+s) layer
    Σ_{D ⊆ A, |D|=s} weight · g(A∖D) · Π_{i∈D} p̂_i(x_i | x_{A∖D})  (module docstring).

    ``cond`` is the size-n conditional layer; ``weight`` a scalar folded into the first factor;
    ``cache`` (a dict the caller owns) keeps the index arrays of ``patterns`` across calls.
    With ``kernel`` (from ``compiled_kernel``; float only) ``cond`` must be the *batch-first*
    conditional layer and the compiled kernel does the sums; otherwise numpy does, pattern by
    pattern. Exact mode (object arrays of fmpq) runs the numpy path: every value is an exact
    rational, so the order of the products does not change a bit of the result.
    """
    a = n + s
    Ca = comb(L, a)
    if s == 0:
        return g * weight if weight is not None else g.copy()
    if kernel is not None:
        return _advance_compiled(kernel, g, cond, n, s, L, q, 1.0 if weight is None else float(weight), cache)
    key = (L, n, s)
    pats = cache.get(key) if cache is not None else None
    if pats is None:
        pats = patterns(L, n, s)
        if cache is not None:
            cache[key] = pats
    out = None
    inner = q**n * Ca
    for Bidx, factors, perm, _ in pats:
        x = g.take(Bidx, axis=-1)  # the method: np.take adds a wrapper call per gather
        if weight is not None:
            x = x * weight
        x = x.reshape(1, inner)
        for r, Aidx in factors:
            c = cond[r].take(Aidx, axis=-1).reshape(q, 1, inner)
            x = (c * x[None]).reshape(-1, inner)
        x = x.reshape((q,) * a + (Ca,)).transpose(perm)
        if out is None:
            out = np.ascontiguousarray(x)
        else:
            out += x
    return out


def compiled_patterns(L: int, n: int, s: int, q: int) -> tuple:
    """The gathers of every pattern of one transition n → a = n+s, stacked for the kernel.

    Bidx (P, C(L,a)): B = A ∖ A[pattern] as ranks in size n; Aidx (P, s, C(L,a)): for the k-th
    rank of the pattern, A'_k = B ∪ {A[p_k]} as ranks in size n+1, and rk (P, s) the rank
    p_k − k of A[p_k] inside A'_k; dpart (P, q^s) and bpart (P, q^n): the code of x_A is
    dpart[d] + bpart[b] (d the code of x_D, b that of x_B). Built for all patterns at once.
    """
    a = n + s
    A, Amask, ranks = subsets(L, a), subset_masks(L, a), rank_table(L)
    Pm = np.array(list(combinations(range(a), s)), dtype=np.int64).reshape(-1, s)
    npat = len(Pm)
    inP = np.zeros((npat, a), dtype=bool)
    inP[np.arange(npat)[:, None], Pm] = True
    Rm = np.nonzero(~inP)[1].reshape(npat, n)
    dbits = (np.int64(1) << A)[:, Pm]  # (C, P, s): the bit of each position of D
    Bmask = Amask[:, None] - dbits.sum(axis=2)
    Bidx = np.ascontiguousarray(ranks[Bmask].T)
    Aidx = np.ascontiguousarray(ranks[Bmask[:, :, None] + dbits].transpose(1, 2, 0))
    rk = Pm - np.arange(s, dtype=np.int64)
    place = q ** np.arange(a - 1, -1, -1, dtype=np.int64)  # weight of rank j's digit in x_A
    dpart = place[Pm] @ np.indices((q,) * s, dtype=np.int64).reshape(s, -1)
    bpart = (place[Rm] @ np.indices((q,) * n, dtype=np.int64).reshape(n, -1) if n
             else np.zeros((npat, 1), dtype=np.int64))
    return Bidx, Aidx, np.ascontiguousarray(rk), np.ascontiguousarray(dpart), np.ascontiguousarray(bpart)


def _advance_compiled(k, g, condT, n, s, L, q, w, cache) -> np.ndarray:
    """``advance`` through the compiled kernel: batch-first g in, batch-last layer out."""
    a = n + s
    key = ("compiled", L, n, s)
    arrs = cache.get(key) if cache is not None else None
    if arrs is None:
        arrs = compiled_patterns(L, n, s, q)
        if cache is not None:
            cache[key] = arrs
    gT = np.ascontiguousarray(g.reshape(q**n, -1).T)
    out = np.zeros((comb(L, a), q**a))
    k(gT, condT, *arrs, w, out, q)
    return np.ascontiguousarray(out.T).reshape((q,) * a + (comb(L, a),))
