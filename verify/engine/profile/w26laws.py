"""Wainwright 2026's two unmasking samplers as laws over compositions (docs/w26-samplers.md).

**Bernoulli unmasking** (his §3.1.1, eqs. 10–11) on a reveal-time grid ``0 < t_0 < … < t_N < 1``:
at step ``j`` every masked token is revealed independently with probability
``β_j = (t_{j+1} − t_j)/(1 − t_j)``; the number revealed is therefore ``Binomial(L − n, β_j)`` and,
given the count, the positions are uniform among the masked ones — a law over compositions that is
Markov in ``(j, n)``. Before ``t_0`` and after ``t_N = T`` the paper leaves the initial law ``Q_{t_0}``
and the completion kernel ``C_T`` open; the two choices offered here:

* ``start=single`` (default): the initial revealed set is his reveal process at ``t_0`` (a
  Bernoulli(``t_0``) subset) drawn **one token per step** from the exact conditionals, so
  ``D_KL(P_{t_0} ‖ Q_{t_0}) = 0``; ``Binomial(L, t_0)`` singleton steps (one on average at ``t_0 = 1/L``).
  ``start=parallel``: the same subset revealed in **one** step from the product of marginals
  (cost ``E_M c(0, M)``, ``M ~ Binomial(L, t_0)``). This is ``mdm:pi`` with ``π_1 = t_0``.
* ``finish=single`` (default): the tokens still masked at ``T`` are completed one per step — his
  zero-defect completion kernel (``Γ_C(T) = 0``). ``finish=parallel``: one last step (cost
  ``E c(n, L − n)``, ``n ~ Binomial(L, T)``).

Specs: ``bernoulli:grid=t_0+…+t_N`` (rationals), ``bernoulli:rho=ρ`` (his ``Geo(ρ)``, eq. 20, on the
canonical interval ``[1/L, 1 − 1/L]``: ``ψ(t_{j+1}) = min{(1+ρ) ψ(t_j), ψ(T)}``, ``ψ(t) = t/(1−t)``), and
``bernoulli:N=n`` (Corollary 1's ``ρ = (ψ(T)/ψ(t_0))^{1/N} − 1 = (L−1)^{2/N} − 1``, accepted only when
that root is rational, so that the grid stays exact).

**ψ-odds fixed-cardinality schedule** (his Corollary 1 analogue for the card sampler): a first
singleton (``a_0 = 1``); then ``a_{j+1}`` = the largest ``a ≤ A = L − 1`` with
``ψ(a/L) ≤ (1 + ρ) ψ((a_j + 1)/L)``; a last singleton completes. ``N=n`` sets
``1 + ρ = (ψ(A/L)/ψ(2/L))^{1/N} = ((L−1)(L−2)/2)^{1/N}`` and every comparison is decided exactly by
raising both sides to the power ``N``.
"""
from __future__ import annotations

from fractions import Fraction
from math import comb, floor, log

import numpy as np
from flint import fmpq

from ...errors import SpecError
from ..numbers import log_binom
from ..plans import Schedule

STARTS = ("single", "parallel")
MAX_WORK = 5 * 10**6  # (grid steps) × L² transitions of the enumeration graph / N·L profile terms


def _fq(x) -> fmpq:
    x = Fraction(x)
    return fmpq(x.numerator, x.denominator)


def psi(t):
    """Reveal odds ψ(t) = t/(1 − t)."""
    return t / (1 - t)


# --- grids -----------------------------------------------------------------------------------------

def geo_grid(rho, L: int) -> list:
    """Geo(ρ) (eq. 20) on [1/L, 1 − 1/L]: odds ψ_0 = 1/(L−1), ψ_{j+1} = min((1+ρ) ψ_j, L − 1)."""
    rho = Fraction(rho)
    if rho <= 0:
        raise SpecError("sampler.bernoulli.rho", f"rho={rho} is not > 0", "a rational rho > 0")
    if L < 2:
        return []
    o, top, out = Fraction(1, L - 1), Fraction(L - 1), []
    steps = 0 if L == 2 else int(2 * log(L - 1) / log(1 + float(rho))) + 2
    if steps * L > MAX_WORK:
        raise SpecError("sampler.bernoulli.rho", f"rho={rho} at L={L} needs about {steps} steps "
                        f"({steps * L:.2g} profile terms; limit {MAX_WORK:.0e})", "a larger rho or a smaller L")
    while True:
        out.append(o / (1 + o))
        if o >= top:
            return out
        o = min(o * (1 + rho), top)


def exact_root(num: int, N: int) -> int | None:
    """The integer r with r^N = num, or None."""
    r = round(num ** (1.0 / N))
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**N == num:
            return c
    return None


def geo_rho_from_budget(N: int, L: int) -> Fraction:
    """Corollary 1: ρ = (ψ(T)/ψ(t_0))^{1/N} − 1 = ((L−1)²)^{1/N} − 1, when that root is rational."""
    f = "sampler.bernoulli.N"
    if N < 1:
        raise SpecError(f, f"N={N} is not >= 1", "an integer N >= 1")
    r = exact_root((L - 1) ** 2, N)
    if r is None:
        raise SpecError(f, f"(L-1)^(2/N) = {L - 1}^(2/{N}) is irrational: the grid would not be exact",
                        "an N with (L-1)^2 a perfect N-th power (e.g. N=1 or 2), or bernoulli:rho=RHO")
    return Fraction(r - 1)


def check_grid(grid, field: str = "sampler.bernoulli.grid") -> list:
    grid = [Fraction(t) for t in grid]
    if not grid or any(not 0 < t < 1 for t in grid) or any(a >= b for a, b in zip(grid, grid[1:])):
        raise SpecError(field, f"{'+'.join(map(str, grid))} is not strictly increasing inside (0, 1)",
                        "reveal times 0 < t_0 < t_1 < ... < t_N < 1 joined with '+', e.g. 1/4+1/2+3/4")
    return grid


# --- the Bernoulli law -------------------------------------------------------------------------------

def _binom_pmf(L: int, t: fmpq) -> list:
    """[P(Binomial(L, t) = n), n = 0..L] exact."""
    return [comb(L, n) * t**n * (1 - t) ** (L - n) for n in range(L + 1)]


def bernoulli_graph(grid, L: int, start: str, finish: str, spec: str, params: dict) -> Schedule:
    """Size-node graph: ("i", n) serial start, ("s",) parallel start, ("b", j, n) before step j,
    ("f", n) serial completion, ("e",) after a parallel completion. Steps of size 0 do nothing."""
    g = [_fq(t) for t in grid]
    N = len(g) - 1
    # built for enumeration only (the profile engine uses the closed form): O(N L²) transitions
    if (N + 1) * L * L > MAX_WORK:
        raise SpecError("sampler.bernoulli.grid", f"{N} steps at L={L}: about {(N + 1) * L * L:.2g} transitions "
                        f"(limit {MAX_WORK:.0e})", "fewer grid points or a smaller L (the profile engine has no limit)")
    nodes, revealed = {}, {("e",): L}
    for j in range(N + 1):
        for n in range(L + 1):
            revealed[("b", j, n)] = n
    for n in range(L + 1):
        revealed[("f", n)] = n
        revealed[("i", n)] = n
    t0 = g[0]
    if start == "parallel":
        root = ("s",)
        revealed[root] = 0
        nodes[root] = [(p, s, ("b", 0, s)) for s, p in enumerate(_binom_pmf(L, t0)) if p != 0]
    else:  # one token per step while the Bernoulli(t_0) count M exceeds n: hazard P(M > n | M ≥ n)
        root = ("i", 0)
        pmf = _binom_pmf(L, t0)
        tail = [sum(pmf[m:], fmpq(0)) for m in range(L + 2)]
        for n in range(L):
            up = tail[n + 1] / tail[n]
            nodes[("i", n)] = [(q, s, k) for q, s, k in ((up, 1, ("i", n + 1)), (1 - up, 0, ("b", 0, n))) if q != 0]
    for j in range(N):
        beta = (g[j + 1] - g[j]) / (1 - g[j])
        for n in range(L):
            m = L - n
            nodes[("b", j, n)] = [(comb(m, s) * beta**s * (1 - beta) ** (m - s), s, ("b", j + 1, n + s))
                                  for s in range(m + 1)]
    for n in range(L):
        if finish == "parallel":
            nodes[("b", N, n)] = [(fmpq(1), L - n, ("e",))]
        else:
            nodes[("b", N, n)] = [(fmpq(1), 1, ("f", n + 1))]
            if n >= 1:
                nodes[("f", n)] = [(fmpq(1), 1, ("f", n + 1))]
    return Schedule("bernoulli", spec, L, root, nodes, revealed, params)


def bernoulli_weights(grid, L: int, start: str, finish: str, exact: bool) -> tuple:
    """(P(n), A(n)), n < L, in closed form: the revealed count at grid time t_j is Binomial(L, t_j)
    whatever the start (serial starts reveal the same set), so each step adds
    P(n) += Bin(n; L, t_j)(1 − (1−β_j)^{L−n}),  A(n) += Bin(n; L, t_j) β_j (L − n);
    serial ends add P(n) = A(n) += P(count ≤ n) (completion) or P(M > n) (start)."""
    g = [_fq(t) for t in grid] if exact else [float(Fraction(t)) for t in grid]
    one, zero = (fmpq(1), fmpq(0)) if exact else (1.0, 0.0)
    P, A = [zero] * L, [zero] * L

    def pmf(t):
        if exact:
            return _binom_pmf(L, t)
        n = np.arange(L + 1, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = log_binom(L, n) + n * np.log(t) + (L - n) * np.log1p(-t)
        return list(np.exp(lp))

    occ = pmf(g[0])
    if start == "parallel":
        P[0] += one - (one - g[0]) ** L
        A[0] += g[0] * L
    else:
        tail = zero
        for n in range(L - 1, -1, -1):  # P(M > n)
            tail += occ[n + 1]
            P[n] += tail
            A[n] += tail
    for j in range(len(g) - 1):
        beta = (g[j + 1] - g[j]) / (one - g[j])
        for n in range(L):
            if occ[n] != 0:
                P[n] += occ[n] * (one - (one - beta) ** (L - n))
                A[n] += occ[n] * beta * (L - n)
        occ = pmf(g[j + 1])
    cum = zero
    for n in range(L):
        if finish == "parallel":
            P[n] += occ[n]
            A[n] += occ[n] * (L - n)
        else:
            cum += occ[n]
            P[n] += cum
            A[n] += cum
    return P, A


def bernoulli_law(grid, L: int, start: str = "single", finish: str = "single", spec: str | None = None,
                  extra: dict | None = None):
    """The Bernoulli sampler as a SizeLaw (closed-form start weights; graph on demand)."""
    from .sizelaws import SizeLaw

    grid = check_grid(grid)
    for key, v in (("start", start), ("finish", finish)):
        if v not in STARTS:
            raise SpecError(f"sampler.bernoulli.{key}", f"unknown value {v!r}", "single or parallel")
    N = len(grid) - 1
    spec = spec or f"bernoulli:grid={'+'.join(map(str, grid))},start={start},finish={finish}"
    params = {"law": "bernoulli", "grid": grid, "start": start, "finish": finish, **(extra or {})}
    smax = 1 if (N == 0 and start == finish == "single") else L
    law = SizeLaw("bernoulli", spec, L, params, L if "single" in (start, finish) else min(L, N + 2),
                  lambda: bernoulli_graph(grid, L, start, finish, spec, params),
                  lambda exact: bernoulli_weights(grid, L, start, finish, exact))
    law._cache["smax"] = smax
    return law


def parse_bernoulli(spec: str, L: int):
    """``bernoulli:grid=…|rho=…|N=…[,start=single|parallel][,finish=single|parallel]``."""
    from ...specs import check_keys, parse_int, parse_list, parse_rational, parse_spec

    text = spec.strip()
    _, kv = parse_spec(text, "sampler", verbatim=())
    f = "sampler.bernoulli"
    check_keys(kv, ("grid", "rho", "N", "start", "finish"), f)
    given = [k for k in ("grid", "rho", "N") if k in kv]
    if len(given) != 1:
        raise SpecError(f, "needs exactly one of grid, rho or N",
                        "bernoulli:grid=1/4+1/2+3/4, bernoulli:rho=1 or bernoulli:N=2 (optional start=, finish=)")
    start, finish = kv.get("start", "single").strip(), kv.get("finish", "single").strip()
    extra: dict = {}
    if L == 1:  # one token: one step whatever the grid
        from .sizelaws import explicit
        return explicit([(Fraction(1), (1,))], 1, text, name="bernoulli", params={"law": "bernoulli"})
    if "grid" in kv:
        grid = parse_list(kv["grid"], f + ".grid")
    elif "rho" in kv:
        rho = parse_rational(kv["rho"], f + ".rho")
        grid, extra = geo_grid(rho, L), {"rho": rho}
        if L > 2 and (1 + rho) ** (len(grid) - 1) == (L - 1) ** 2:  # no clipped step: this is N=len−1
            extra["N_budget"] = len(grid) - 1
    else:
        N = parse_int(kv["N"], f + ".N", minimum=1)
        rho = geo_rho_from_budget(N, L)
        grid = geo_grid(rho, L) if rho > 0 else [Fraction(1, 2)]  # rho = 0 only at L = 2
        extra = {"rho": rho, "N_budget": N}
    return bernoulli_law(grid, L, start, finish, text, extra)


# --- the ψ-odds fixed-cardinality schedule ----------------------------------------------------------

def psi_odds_sizes(L: int, rho=None, N: int | None = None) -> tuple:
    """His rounding (module docstring): a_0 = 1, a_{j+1} = max{a ≤ L−1 : ψ(a/L) ≤ (1+ρ) ψ((a_j+1)/L)},
    then a last singleton. With ``N``: (1+ρ)^N = (L−1)(L−2)/2, compared exactly as N-th powers."""
    if L <= 2:
        return (1,) * L
    A = L - 1
    R = Fraction((L - 1) * (L - 2), 2)

    def ok(a: int, base: int) -> bool:
        ratio = Fraction(a, L - a) / Fraction(base + 1, L - base - 1)
        if N is not None:
            return ratio ** N <= R
        return ratio <= 1 + Fraction(rho)

    sizes, a = [1], 1
    while a < A:
        if N is None:  # closed form: a/(L−a) ≤ c  ⟺  a ≤ cL/(1+c)
            c = (1 + Fraction(rho)) * Fraction(a + 1, L - a - 1)
            nxt = min(A, max(a + 1, floor(c * L / (1 + c))))
        else:
            nxt = a + 1
            while nxt < A and ok(nxt + 1, a):
                nxt += 1
        sizes.append(nxt - a)
        a = nxt
    sizes.append(1)
    return tuple(sizes)


def psi_odds(L: int, rho=None, N: int | None = None, spec: str | None = None):
    from .sizelaws import explicit

    if rho is not None and Fraction(rho) <= 0:
        raise SpecError("sampler.random-size.rho", f"rho={rho} is not > 0", "a rational rho > 0 for law=psi-odds")
    if N is not None and N < 1:
        raise SpecError("sampler.random-size.N", f"N={N} is not >= 1", "an integer N >= 1 for law=psi-odds")
    if rho is not None and L > 2:
        steps = int(log(L * L) / log(1 + float(rho))) + 3
        if min(steps, L) * L > MAX_WORK * 20:
            raise SpecError("sampler.random-size.rho", f"rho={rho} at L={L}: about {min(steps, L)} steps",
                            "a larger rho or a smaller L")
    spec = spec or ("random-size:law=psi-odds," + (f"rho={rho}" if N is None else f"N={N}"))
    params = {"rho": Fraction(rho)} if N is None else {"N_budget": N}
    law = explicit([(Fraction(1), psi_odds_sizes(L, rho, N))], L, spec, name="psi-odds", params=params)
    law.graph().params.update(params)  # the enumeration side sees the budget too (Corollary 1)
    return law


# --- the claim grids "w26" and "w26-geo" (verify/claims/instances.py) --------------------------------

def grid_specs(grid: str, L: int) -> list:
    """w26: Bernoulli samplers with each start/finish choice and the ψ-odds schedule.
    w26-geo (Bernoulli) and w26-geo-card (ψ-odds): budget-form samplers meeting Corollary 1's hypothesis N ≥ log(ψ(T)/ψ(t_0)) (Bernoulli only
    where (L−1)^{2/N} is rational; card: 1 + ρ = ((L−1)(L−2)/2)^{1/N})."""
    if L < 2:
        return []
    if grid == "w26":
        return ["bernoulli:rho=1", "bernoulli:rho=1,start=parallel,finish=parallel",
                "bernoulli:grid=1/4+3/4,start=parallel", "random-size:law=psi-odds,rho=1"]
    if grid == "w26-geo":
        return [f"bernoulli:N={N}" for N in range(1, 2 * L + 1)
                if exact_root((L - 1) ** 2, N) is not None and N >= 2 * log(max(L - 1, 1))][:2]
    if L < 3:  # his interval [a_0, A] = [1, L − 1] needs a_0 < A
        return []
    need = log((L - 1) * (L - 2) / 2)
    n0 = max(1, int(need) + 1)
    return [f"random-size:law=psi-odds,N={N}" for N in sorted({n0, 2 * n0})]


def parse_psi_odds(spec: str, L: int):
    """``random-size:law=psi-odds,rho=ρ`` or ``…,N=N``."""
    from ...specs import check_keys, parse_int, parse_rational, parse_spec

    text = spec.strip()
    _, kv = parse_spec(text, "sampler", verbatim=())
    f = "sampler.random-size"
    check_keys(kv, ("law", "rho", "N"), f + ".psi-odds")
    if ("rho" in kv) == ("N" in kv):
        raise SpecError(f + ".psi-odds", "needs exactly one of rho or N",
                        "random-size:law=psi-odds,rho=RHO or random-size:law=psi-odds,N=N")
    if "rho" in kv:
        return psi_odds(L, rho=parse_rational(kv["rho"], f + ".rho"), spec=text)
    return psi_odds(L, N=parse_int(kv["N"], f + ".N", minimum=1), spec=text)


def parse_w26(spec, L: int):
    """The SizeLaw of a ``bernoulli:`` or ``random-size:law=psi-odds`` spec, else None."""
    if not isinstance(spec, str):
        return None
    text = spec.strip()
    if text.startswith("bernoulli:"):
        return parse_bernoulli(text, L)
    if text.startswith("random-size:") and "@" not in text:
        from ...specs import parse_spec

        _, kv = parse_spec(text, "sampler", verbatim=())
        if kv.get("law", "").strip() == "psi-odds":
            return parse_psi_odds(text, L)
    return None
