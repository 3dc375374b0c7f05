"""Wainwright 2026's Theorem 1 (eqs. 17a, 17b) and Corollary 1 (eq. 21) right sides, from the
averaged entropy profile ``h(0..L)`` (docs/w26-samplers.md). Every function is linear in ``h``, with
rational coefficients for a rational grid: ``h`` may hold fmpq (the cone's rays), log-linear forms
(exact targets) or floats.

With ``f(m) = h(m+1) − h(m)`` (his ``h_j^card = L (f(0) − f(j))``) and his Bernoulli gain
``h(t) = Σ_m Bin(m; L−1, t) L (f(0) − f(m))``, one has ``h′(t) = L(L−1) Σ_k (f(k) − f(k+1)) b_{k,L−2}(t)``
(Bernstein basis) and ``t(1−t) b_{k,L−2}(t) = (k+1)(L−1−k)/(L(L−1)) · b_{k+1,L}(t)``, so

    H(p, q) = ∫_p^q t(1−t) h′(t) dt
            = Σ_{k=0}^{L−2} (f(k) − f(k+1)) (k+1)(L−1−k)/(L+1) · [S_{k+2}(q) − S_{k+2}(p)],
    S_j(x) = P(Binomial(L+1, x) ≥ j)                  (∫_0^x b_{j,n} = S_{j+1}(x)/(n+1) for Bin(n+1, x)),

    H^card(a, b) = Σ_{j=a+1}^{b−1} (j/L)(1 − j/L) · L (f(j−1) − f(j))        (eq. 16b).

Block cost ``c(n, s) = s f(n) − (h(n+s) − h(n))`` (the exact expected KL of a uniform block).
"""
from __future__ import annotations

from functools import lru_cache
from math import comb

from flint import fmpq

from ...errors import NotDefined


def _q(x) -> fmpq:
    """fmpq of a Fraction, int or fmpq."""
    if isinstance(x, fmpq):
        return x
    from fractions import Fraction

    x = Fraction(x)
    return fmpq(x.numerator, x.denominator)


def _mul(v, c):
    """v · c for a rational c: float profiles take float(c) (fmpq · float is not defined); exact
    values (forms, fmpq, and object arrays of fmpq: the coefficient vectors of a lazy sum) take c."""
    if isinstance(v, float) or (type(v).__module__ == "numpy" and getattr(v, "dtype", None) != object):
        return v * float(c)
    return v * c


def _f(h, m):
    return h[m + 1] - h[m]


def block_cost(h, n: int, s: int):
    """c(n, s) = s f(n) − (h(n+s) − h(n)): the exact E KL of a uniform block of s after n."""
    if s == 0:
        return h[0] * 0
    return _f(h, n) * s - (h[n + s] - h[n])


@lru_cache(maxsize=4096)  # consecutive steps share an endpoint; claims reuse grids across targets
def _tails(L1: int, x: fmpq) -> list:
    """[P(Binomial(L1, x) ≥ j), j = 0..L1+1] exact."""
    pmf = [comb(L1, i) * x**i * (1 - x) ** (L1 - i) for i in range(L1 + 1)]
    out = [fmpq(0)] * (L1 + 2)
    for j in range(L1, -1, -1):
        out[j] = out[j + 1] + pmf[j]
    return tuple(out)


def _linear(terms, zero):
    total = zero
    for c, v in terms:
        if c != 0:
            total = total + _mul(v, c)
    return total


def ugc_bernoulli(h, p, q):
    """His H(p, q) (eq. 2c/16a) in closed form (module docstring); p, q rational in [0, 1]."""
    L = len(h) - 1
    Sp, Sq = _tails(L + 1, _q(p)), _tails(L + 1, _q(q))
    terms = [(fmpq((k + 1) * (L - 1 - k), L + 1) * (Sq[k + 2] - Sp[k + 2]), _f(h, k) - _f(h, k + 1))
             for k in range(L - 1)]
    return _linear(terms, h[0] * 0)


def ugc_card(h, a: int, b: int):
    """His H^card(a, b) (eq. 16b); 0 when b ≤ a + 1."""
    L = len(h) - 1
    terms = [(fmpq(j * (L - j), L), _f(h, j - 1) - _f(h, j)) for j in range(a + 1, b)]
    return _linear(terms, h[0] * 0)


def _psi(t):
    return t / (1 - t)


# --- the sampler's side: grid, start and finish ------------------------------------------------------

def bernoulli_ends(h, grid, start: str, finish: str):
    """D_KL(P_{t_0} ‖ Q_{t_0}) + Γ_C(T): 0 for serial (single) ends; E_M c(0, M), M ~ Bin(L, t_0),
    for a parallel start; E c(n, L − n), n ~ Bin(L, T), for a parallel completion."""
    L = len(h) - 1
    total = h[0] * 0
    for which, t in (("start", grid[0]), ("finish", grid[-1])):
        if (start if which == "start" else finish) != "parallel":
            continue
        t = _q(t)
        for n in range(L + 1):
            p = comb(L, n) * t**n * (1 - t) ** (L - n)
            cost = block_cost(h, 0, n) if which == "start" else block_cost(h, n, L - n)
            if p != 0:
                total = total + _mul(cost, p)
    return total


def theorem1_bernoulli(h, grid, start: str, finish: str):
    """Eq. 17a: Σ_j {ψ(t_{j+1})/ψ(t_j) − 1} H(t_j, t_{j+1}) + D_KL(P_{t_0}‖Q_{t_0}) + Γ_C(T)."""
    g = [_q(t) for t in grid]
    total = bernoulli_ends(h, g, start, finish)
    for a, b in zip(g, g[1:]):
        total = total + _mul(ugc_bernoulli(h, a, b), _psi(b) / _psi(a) - 1)
    return total


def card_grid(sizes) -> list:
    """His d-aligned grid a_0 < … < a_N of a composition: a_0 = s_1 (the initial step), a_N = L − s_T
    (the completion step); [] for one block."""
    sizes = tuple(sizes)
    if len(sizes) < 2:
        return []
    out, n = [], 0
    for s in sizes[:-1]:
        n += s
        out.append(n)
    return out


def card_ends(h, sizes):
    """Initial step (s_1 tokens in parallel) and completion (s_T in parallel): c(0, s_1) + c(L − s_T, s_T);
    both 0 for singletons (his zero-cost start and finish)."""
    L = len(h) - 1
    if len(sizes) == 1:
        return block_cost(h, 0, L)
    return block_cost(h, 0, sizes[0]) + block_cost(h, L - sizes[-1], sizes[-1])


def theorem1_card(h, sizes):
    """Eq. 17b for the composition ``sizes``: Σ_j {ψ(a_{j+1}/L)/ψ((a_j+1)/L) − 1} H^card(a_j, a_{j+1})
    + init + completion (``card_ends``). One block: the bound is its own exact cost, TC."""
    L = len(h) - 1
    a = card_grid(sizes)
    total = card_ends(h, sizes)
    for x, y in zip(a, a[1:]):
        total = total + _mul(ugc_card(h, x, y), _psi(fmpq(y, L)) / _psi(fmpq(x + 1, L)) - 1)
    return total


def corollary1_coefficient(h, law_params: dict, sizes=None):
    """The profile-linear factor of eq. 21: 2 H(t_0, T)/N (Bernoulli) or its card analogue
    2 H^card(a_0, A)/N, where N is the budget of an ``N=`` sampler; the claim multiplies it by
    log(ψ(T)/ψ(t_0)) = log((L−1)²) (Bernoulli) or log((L−1)(L−2)/2) (card)."""
    N = law_params.get("N_budget")
    if N is None:
        raise NotDefined("claim grid", "Corollary 1 needs a sampler given by its budget",
                         "bernoulli:N=... or random-size:law=psi-odds,N=...")
    if "grid" in law_params:
        g = law_params["grid"]
        return _mul(ugc_bernoulli(h, g[0], g[-1]), fmpq(2, N))
    a = card_grid(sizes)
    return _mul(ugc_card(h, a[0], a[-1]), fmpq(2, N))


def theorem1(h, law_params: dict, sizes=None):
    """Eq. 17a for a Bernoulli sampler (``law_params`` has a grid), else 17b for ``sizes``."""
    if "grid" in law_params:
        return theorem1_bernoulli(h, law_params["grid"], law_params["start"], law_params["finish"])
    if sizes is None:
        raise NotDefined("claim grid", "Theorem 1 (17b) needs one composition",
                         "fixed, balanced, count or a deterministic random-size law (psi-odds, odds)")
    return theorem1_card(h, sizes)


def ends(h, law_params: dict, sizes=None):
    if "grid" in law_params:
        return bernoulli_ends(h, law_params["grid"], law_params["start"], law_params["finish"])
    return card_ends(h, sizes)


# --- claim symbols (verify/claims/symbols.py): one dispatcher for instances and the cone's rays -----

SYMBOLS = ("w26_bound", "w26_ends", "w26_cor1")


def single_composition(params: dict):
    """The one composition of a deterministic sampler (fixed, balanced, count, psi-odds, odds), else None."""
    if "sizes" in params:
        return tuple(params["sizes"])
    for key in ("law", "sizes_law"):
        law = params.get(key)
        if isinstance(law, list) and len(law) == 1 and law[0][0] == 1:
            return tuple(law[0][1])
    return None


def symbol_value(name: str, h, params: dict):
    """w26_bound (Theorem 1's right side), w26_ends (its start + completion terms) or w26_cor1
    (2 H(t_0, T)/N, Corollary 1's profile-linear factor) for a sampler's params on profile h."""
    sizes = None if "grid" in params else single_composition(params)
    if "grid" not in params and sizes is None:
        raise NotDefined("claim grid", "Wainwright's bounds need a bernoulli sampler or one composition",
                         "bernoulli:..., fixed, balanced, count, random-size:law=psi-odds")
    if name == "w26_bound":
        return theorem1(h, params, sizes)
    if name == "w26_ends":
        return ends(h, params, sizes)
    return corollary1_coefficient(h, params, sizes)
