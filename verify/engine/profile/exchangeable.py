"""Exchangeable targets: the entropy profile of a mixture of i.i.d. product laws in closed form.

A law ``p(x) = Σ_c λ_c Π_i ν_c(x_i)`` (every component an i.i.d. product: the same marginal ``ν_c`` at
every position) is exchangeable, so every set of ``m`` positions has the law of ``X_1..X_m`` and

    h(m) = H(X_1, …, X_m) = − Σ_{n ⊢ m} multinom(m; n) P_m(n) log P_m(n),
    P_m(n) = Σ_c λ_c Π_a ν_c(a)^{n_a}                      (the probability of ONE word with counts n),

a sum over the count vectors ``n = (n_0..n_{q−1})`` of ``m``: ``m + 1`` terms for ``q = 2`` (a binomial
sum), ``C(m + q − 1, q − 1)`` for ``q > 2`` (multinomial). The noisy repeated bit of Wainwright
(2026, §2.2.1) is the case ``λ = (1/2, 1/2)``, ``ν_1 = (1 − η, η)``, ``ν_2 = (η, 1 − η)``
(``noisy-copy:L=…,eta=…``).

Exact path: basis entropy ``E_{m−1} = h(m)`` as (coefficient, ratio) pairs, built only for the ``m`` a
functional uses. Float path (any L up to 10⁴ for q = 2): the increments
``f(m) = h(m+1) − h(m) = H(X_{m+1} | X_1..X_m) = Σ_n C(m, n) P_m(n) H_2(P_{m+1}(n+1)/P_m(n))`` are
computed directly (non-negative terms in log space, no cancellation), ``h = cumsum f``; ``TC =
Σ_m (f(0) − f(m))`` and ``DTC = Σ_m (f(m) − f(L−1))`` are sums of non-negative terms too.
"""
from __future__ import annotations

from fractions import Fraction
from math import comb, lgamma

import numpy as np
from flint import fmpq

from ...errors import SpecError
from .entropy import Profile, _fq

KIND = "exchangeable"
EXACT_SECONDS_PER_BIT_PAIR = 2e-9   # LogLinear folding of one pair, per bit of its ratio (calibrated)


# ------------------------------------------------------------------ which targets

def exchangeable_parameters(plan):
    """(weights λ_c, marginals ν_c) as exact rationals if the planned target is a mixture of i.i.d.
    products (``mixture`` of ``product`` components with a shared ``p`` or the default uniform one,
    nested mixtures included) or ``noisy-copy``; else None."""
    fam, pr = plan.family, plan.params
    if fam == "noisy-copy":
        eta = Fraction(pr["eta"])
        return [Fraction(1, 2)] * 2, [[1 - eta, eta], [eta, 1 - eta]]
    if fam == "product":
        if "seed" in pr:
            return None
        p = pr.get("p") or [Fraction(1, plan.q)] * plan.q
        return [Fraction(1)], [[Fraction(x) for x in p]]
    if fam == "mixture":
        weights, margs = [], []
        for lam, comp in zip(pr["weights"], plan.components):
            sub = exchangeable_parameters(comp)
            if sub is None:
                return None
            weights += [Fraction(lam) * w for w in sub[0]]
            margs += sub[1]
        return weights, margs
    return None


def is_exchangeable(plan) -> bool:
    return plan.family in ("noisy-copy", "mixture") and exchangeable_parameters(plan) is not None


# ------------------------------------------------------------------ counts

def count_vectors(m: int, q: int):
    """Every n = (n_0..n_{q−1}) with Σ n = m (lexicographic)."""
    if q == 1:
        yield (m,)
        return
    for first in range(m, -1, -1):
        for rest in count_vectors(m - first, q - 1):
            yield (first,) + rest


def _multinomial(n) -> int:
    out, tot = 1, 0
    for k in n:
        tot += k
        out *= comb(tot, k)
    return out


def word_probability(weights, margs, n) -> fmpq:
    """P_m(n) = Σ_c λ_c Π_a ν_c(a)^{n_a}, exact."""
    tot = fmpq(0)
    for lam, nu in zip(weights, margs):
        term = _fq(lam)
        for a, k in enumerate(n):
            if k:
                term *= _fq(nu[a]) ** k
        tot += term
    return tot


def entropy_pairs(weights, margs, m: int) -> list:
    """h(m) = −Σ_n multinom(m; n) P_m(n) log P_m(n) as [(coef, ratio)] (zero-probability words skipped)."""
    q = len(margs[0])
    out = []
    for n in count_vectors(m, q):
        P = word_probability(weights, margs, n)
        if P != 0:
            out.append((-_multinomial(n) * P, P))
    return out


# ------------------------------------------------------------------ float path

def _log_word_probs(logw, logs, m: int) -> np.ndarray:
    """log P_m(n) for binary counts n = 0..m (n ones): logsumexp_c (log λ_c + (m−n) log ν_c(0) + n log ν_c(1))."""
    n = np.arange(m + 1)[:, None]
    if np.all(np.isfinite(logs)):  # full-support marginals: one broadcast, no masking
        t = (logw + m * logs[:, 0])[None, :] + n * (logs[:, 1] - logs[:, 0])[None, :]
        return np.logaddexp.reduce(t, axis=1) if t.shape[1] > 1 else t[:, 0]
    with np.errstate(invalid="ignore"):
        t = logw[None, :] + np.where(m - n > 0, (m - n) * logs[None, :, 0], 0.0) + \
            np.where(n > 0, n * logs[None, :, 1], 0.0)
    top = t.max(axis=1)
    ok = np.isfinite(top)
    out = np.full(m + 1, -np.inf)
    out[ok] = top[ok] + np.log(np.exp(t[ok] - top[ok, None]).sum(axis=1))
    return out


def binary_increments(weights, margs, L: int) -> np.ndarray:
    """f(m) = H(X_{m+1} | X_1..X_m), m = 0..L−1, for q = 2 (module docstring), O(m) per m."""
    w = np.array([float(x) for x in weights])
    nu = np.array([[float(a) for a in row] for row in margs])
    with np.errstate(divide="ignore"):
        logw, logs = np.log(w), np.log(nu)
    lgam = np.array([lgamma(k + 1) for k in range(L + 1)])
    f = np.zeros(L)
    prev = _log_word_probs(logw, logs, 0)
    for m in range(L):
        nxt = _log_word_probs(logw, logs, m + 1)
        n = np.arange(m + 1)
        ok = np.isfinite(prev)
        lp = prev[ok]
        logc = lgam[m] - lgam[n[ok]] - lgam[m - n[ok]]
        one = np.exp(np.minimum(nxt[n[ok] + 1] - lp, 0.0))   # P(next = 1 | n ones)
        zero = np.exp(np.minimum(nxt[n[ok]] - lp, 0.0))      # P(next = 0 | n ones)
        with np.errstate(divide="ignore", invalid="ignore"):
            hb = -(np.where(one > 0, one * np.log(one), 0.0) + np.where(zero > 0, zero * np.log(zero), 0.0))
        f[m] = float(np.sum(np.exp(logc + lp) * hb))
        prev = nxt
    return np.maximum(f, 0.0)


def general_values(weights, margs, L: int) -> np.ndarray:
    """h(0..L) for q > 2 (or small binary L), from the multinomial sums in floats."""
    q = len(margs[0])
    w = [float(x) for x in weights]
    nu = np.array([[float(a) for a in row] for row in margs])
    h = np.zeros(L + 1)
    for m in range(1, L + 1):
        tot = 0.0
        for n in count_vectors(m, q):
            P = sum(wc * float(np.prod(nu[c] ** np.array(n))) for c, wc in enumerate(w))
            if P > 0:
                tot -= _multinomial(n) * P * np.log(P)
        h[m] = tot
    return h


# ------------------------------------------------------------------ the profile

def exchangeable_profile(L: int, weights, margs, spec: str = "") -> Profile:
    """h(m) = H(X_1..X_m) of Σ_c λ_c ν_c^{⊗L} (module docstring); basis E_{m−1} = h(m), m = 1..L."""
    q = len(margs[0])
    weights = [Fraction(x) for x in weights]
    margs = [[Fraction(a) for a in row] for row in margs]
    if q == 2:
        f = binary_increments(weights, margs, L)
        h = np.concatenate([[0.0], np.cumsum(f)])
    else:
        h = general_values(weights, margs, L)
        f = np.diff(h)

    class _Lazy(list):
        """Basis pairs built on demand: a functional touches only the h(m) it weights."""

        def __init__(self):
            super().__init__([None] * L)

        def __getitem__(self, j):
            got = list.__getitem__(self, j)
            if got is None:
                got = entropy_pairs(weights, margs, j + 1)
                list.__setitem__(self, j, got)
            return got

    def coef_float():
        C = np.zeros((L + 1, L))
        C[np.arange(1, L + 1), np.arange(L)] = 1.0
        return C

    prof = Profile(L, KIND, spec, _Lazy, h[1:].copy(), lambda m: {m - 1: fmpq(1)}, coef_float)
    prof._cache["h"] = h                      # never the (L+1)×L identity at L = 10⁴
    prof._cache["f"] = f
    prof._cache["params"] = (weights, margs)
    return prof


def float_information(prof: Profile) -> dict:
    """H, TC, DTC, Σ I from the increments f as sums of non-negative terms (no L-fold cancellation)."""
    f = prof._cache.get("f")
    if f is None:
        f = np.diff(prof.values())
    H = float(np.sum(f))
    TC = float(np.sum(f[0] - f))
    DTC = float(np.sum(f - f[-1]))
    return {"H": H, "TC": TC, "DTC": DTC, "sum_I": TC + DTC}


# ------------------------------------------------------------------ size guard

def _bits(x) -> int:
    x = Fraction(x)
    return max(x.numerator.bit_length(), x.denominator.bit_length(), 1)


def exact_cost(plan, L: int | None = None) -> tuple:
    """(bytes, seconds) of the exact basis entropies H, h(1), h(L−1) (what ``measure --exact`` and
    the information quantities fold): about 3 (L+1)·C terms of L·bits-bit ratios for q = 2, with
    C = count vectors per m; a dense functional (Wainwright's quantities) touches all L of them."""
    weights, margs = exchangeable_parameters(plan)
    L = plan.L if L is None else L
    q = len(margs[0])
    bits = max(_bits(a) for row in margs for a in row) + max(_bits(w) for w in weights)
    per_m = comb(L + q - 1, q - 1)
    pairs = 3 * per_m * max(1, len(weights))
    ratio_bits = L * bits
    # the coprime base of the log form: pairwise gcds of the ratios
    seconds = EXACT_SECONDS_PER_BIT_PAIR * pairs * pairs * ratio_bits / 64 + 1e-5 * pairs
    return 64.0 * pairs * (ratio_bits / 8 + 64), seconds


def float_cost(plan) -> tuple:
    """(bytes, seconds) of the float profile: O(L·C) per length (q = 2: L²/2 log-space terms)."""
    weights, margs = exchangeable_parameters(plan)
    L, q, C = plan.L, len(margs[0]), len(weights)
    if q == 2:
        return 8.0 * 8 * (L + 1) * C + 8.0 * 4 * L, 4e-8 * L * L * C + 3e-5 * L
    terms = sum(comb(m + q - 1, q - 1) for m in range(1, L + 1)) if L <= 400 else float(L) ** q
    return 8.0 * 4 * L, 3e-6 * terms * C


def refuse_exchangeable(plan, exact: bool, field: str = "target") -> tuple:
    from ... import guard

    what = f"the exchangeable profile of {plan.family} (q={plan.q}, L={plan.L}, {'exact' if exact else 'float'})"
    nbytes, seconds = float_cost(plan)
    if exact:
        eb, es = exact_cost(plan)
        nbytes, seconds = max(nbytes, eb), seconds + es
    return guard.refuse_cost(field, what, nbytes, seconds, "a smaller L (exact: L of a few hundred)")


def profile_of_plan(plan, spec: str = "") -> Profile | None:
    params = exchangeable_parameters(plan) if plan.family in ("noisy-copy", "mixture") else None
    if params is None:
        return None
    if any(len(row) != len(params[1][0]) for row in params[1]):
        raise SpecError("target", "mixture components with different q", "components with the same q")
    return exchangeable_profile(plan.L, params[0], params[1], spec)


class _Hook:
    """This closed form, registered with ``entropy.EXTRA_CLOSED_FORMS`` (entropy never imports us)."""

    accepts = staticmethod(is_exchangeable)
    refuse = staticmethod(refuse_exchangeable)
    profile = staticmethod(profile_of_plan)
    float_information = staticmethod(float_information)


def register() -> None:
    from . import entropy

    if not any(isinstance(x, _Hook) for x in entropy.EXTRA_CLOSED_FORMS):
        entropy.EXTRA_CLOSED_FORMS.append(_Hook())


register()
