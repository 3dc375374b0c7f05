"""Subset marginals, conditional marginals and information measures of a target (docs/index.md §0).

Every subset marginal p_S (S a sorted tuple of positions) is computed once per target, each from
a marginal one position larger, never from the full joint each time. Conditionals follow the
off-support convention: where p_S(x_S) = 0 the conditional is the uniform law on V.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

from .numbers import entropy_of, inv_binom, log_sum, safe_div, zero
from .target import Target

OFF_SUPPORT = "uniform"


@lru_cache(maxsize=64)
def subsets(L: int, n: int) -> np.ndarray:
    """All n-subsets of 0..L−1 as rows (C(L, n), n) of increasing positions, lexicographic order."""
    if n == 0:
        return np.zeros((1, 0), dtype=np.int64)
    out = np.array(list(combinations(range(L), n)), dtype=np.int64).reshape(-1, n)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def subset_masks(L: int, n: int) -> np.ndarray:
    """Bitmask Σ_{j∈S} 2^j of every row of ``subsets(L, n)``."""
    out = (np.int64(1) << subsets(L, n)).sum(axis=1, dtype=np.int64)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=16)
def rank_table(L: int) -> np.ndarray:
    """``rank_table(L)[mask]`` = index of the set ``mask`` in ``subsets(L, popcount(mask))``."""
    out = np.zeros(1 << L, dtype=np.int64)
    for n in range(L + 1):
        out[subset_masks(L, n)] = np.arange(comb(L, n), dtype=np.int64)
    out.flags.writeable = False
    return out


class Marginals:
    """Cache of p_S for every S ⊆ [L], and of entropies H(X_S), keyed by sorted tuples."""

    def __init__(self, target: Target):
        self.target = target
        self.q = target.q
        self.L = target.L
        self.exact = target.exact
        self._marg: dict[tuple, np.ndarray] = {tuple(range(self.L)): target.pmf}
        self._ent: dict[tuple, object] = {}
        self._cond: dict[tuple, np.ndarray] = {}
        self._layers: dict[int, np.ndarray] = {}

    def layer(self, k: int) -> np.ndarray:
        """p_S(x_S) for every |S| = k as one array (q,)*k + (C(L, k),) (layout of ``layers.py``).

        Built top-down, batched: p_S is the sum over x_j of p_{S∪j} with j = min([L]∖S), as in
        ``marginal``, and j has rank j in S ∪ {j}; so the sets S with a given j are summed from
        their parents in one call. Kept for the life of this object.
        """
        got = self._layers.get(k)
        if got is not None:
            return got
        L = self.L
        if k == L:
            got = self.target.pmf[..., None]
        else:
            parent = self.layer(k + 1)
            A, Amask, ranks = subsets(L, k + 1), subset_masks(L, k + 1), rank_table(L)
            got = np.empty((self.q,) * k + (comb(L, k),), dtype=parent.dtype)
            for j in range(k + 1):
                cols = np.flatnonzero((A[:, : j + 1] == np.arange(j + 1)).all(axis=1))
                S = ranks[Amask[cols] ^ (np.int64(1) << j)]
                got[..., S] = np.take(parent, cols, axis=-1).sum(axis=j)
        self._layers[k] = got
        return got

    def marginal(self, S) -> np.ndarray:
        """p_S(x_S), axes in increasing position order: sum of p_{S ∪ {j}} over x_j, j = min([L]∖S)."""
        S = tuple(S)
        got = self._marg.get(S)
        if got is not None:
            return got
        missing = [j for j in range(self.L) if j not in S]
        j = missing[0]
        bigger = tuple(sorted(S + (j,)))
        parent = self.marginal(bigger)
        out = parent.sum(axis=bigger.index(j))
        if not isinstance(out, np.ndarray):  # a 0-d sum over an object array is a scalar
            out = np.array(out, dtype=parent.dtype)
        self._marg[S] = out
        return out

    def conditional(self, i: int, S) -> np.ndarray:
        """p_i(x_i | x_S) with axes (S in order..., i): p_{S∪i}(x_S, x_i) / p_S(x_S); uniform off support."""
        S = tuple(S)
        key = (i,) + S
        got = self._cond.get(key)
        if got is not None:
            return got
        Si = tuple(sorted(S + (i,)))
        joint = np.moveaxis(self.marginal(Si), Si.index(i), -1)
        den = self.marginal(S)[..., None]
        default = (1 / self.q) if not self.exact else _fmpq(1, self.q)
        out = safe_div(joint, den, default, self.exact)
        self._cond[key] = out
        return out

    def entropy(self, S) -> object:
        """H(X_S) = −Σ p_S log p_S (float, or LogLinear in exact mode)."""
        S = tuple(S)
        got = self._ent.get(S)
        if got is None:
            got = zero(self.exact) if not S else entropy_of(self.marginal(S), self.exact)
            self._ent[S] = got
        return got

    def conditional_entropy(self, i: int, S) -> object:
        """H(X_i | X_S) = −Σ p_{S∪i}(x) log p_i(x_i | x_S), computed from the conditional itself."""
        S = tuple(S)
        Si = tuple(sorted(S + (i,)))
        joint = np.moveaxis(self.marginal(Si), Si.index(i), -1)
        return -log_sum(joint, self.conditional(i, S), self.exact)


def _fmpq(a, b):
    from flint import fmpq

    return fmpq(a, b)


def entropy_profile(m: Marginals) -> list:
    """h(k) = mean over |A| = k of H(X_A), k = 0..L (h(0) = 0, h(L) = H).

    Float mode sums each level over one batched marginal layer (``Marginals.layer``);
    exact mode sums the per-set LogLinear entropies.
    """
    L = m.L
    prof = []
    if not m.exact:
        for k in range(L + 1):
            M = m.layer(k)
            prof.append(entropy_of(M, False) * inv_binom(L, k, False) if k else 0.0)
        return prof
    for k in range(L + 1):
        total = zero(m.exact)
        for A in combinations(range(L), k):
            total = total + m.entropy(A)
        prof.append(total * inv_binom(L, k, m.exact) if k else total)
    return prof


def measures(target: Target, marginals: Marginals | None = None, profile: bool = True) -> dict:
    """H, TC, DTC (two formulas, D-INFO), I_i, Σ I_i and the entropy profile h(0..L) (None with
    ``profile=False``: it sums all 2^L subset entropies, the bulk of an exact measurement).

    TC = Σ_i H(X_i) − H;  DTC = H − Σ_i H(X_i | X_{−i});  DTC_alt = Σ_i H(X_{−i}) − (L−1) H;
    I_i = H(X_i) + H(X_{−i}) − H.
    """
    m = marginals or Marginals(target)
    L = m.L
    full = tuple(range(L))
    H = m.entropy(full)
    H_i = [m.entropy((i,)) for i in range(L)]
    rest = [tuple(j for j in full if j != i) for i in range(L)]
    H_cond = [m.conditional_entropy(i, rest[i]) for i in range(L)]
    TC = _sum(H_i, m.exact) - H
    DTC = H - _sum(H_cond, m.exact)
    H_rest = [m.entropy(r) for r in rest]
    DTC_alt = _sum(H_rest, m.exact) - H * (L - 1)  # D-INFO's second formula
    # I_i from joint entropies, not from H(X_i | X_{−i}) as DTC is, so D-INFO compares two routes.
    I = [H_i[i] + H_rest[i] - H for i in range(L)]
    return {
        "H": H,
        "TC": TC,
        "DTC": DTC,
        "DTC_alt": DTC_alt,
        "I": I,
        "sum_I": _sum(I, m.exact),
        "profile": entropy_profile(m) if profile else None,
        "off_support": OFF_SUPPORT,
    }


def _sum(xs, exact):
    total = zero(exact)
    for x in xs:
        total = total + x
    return total


def block_tc(m: Marginals, D, U) -> object:
    """TC(X_D | X_U) averaged over x_U ~ p: Σ_{i∈D} H(X_{U∪i}) − (|D|−1) H(X_U) − H(X_{U∪D})."""
    U = tuple(sorted(U))
    total = m.entropy(tuple(sorted(U + tuple(D)))) * -1 - m.entropy(U) * (len(D) - 1)
    for i in D:
        total = total + m.entropy(tuple(sorted(U + (i,))))
    return total


def chain_tc(m: Marginals, blocks) -> object:
    """D-CHAIN's right side Σ_t E_p TC(X_{D_t} | X_{U_t}) for one ordered partition."""
    total = zero(m.exact)
    U: tuple = ()
    for block in blocks:
        total = total + block_tc(m, tuple(block), U)
        U = tuple(sorted(U + tuple(block)))
    return total
