"""Wainwright's (2026, arXiv 2608.13520) unmasking-growth quantities from the entropy profile (docs/w26.md).

Notation: his ``d`` is our ``L``, his ``e_m`` our ``h(m)``; ``f(m) = h(m+1) − h(m)`` and the second
differences ``D_k = f(k−1) − f(k) ≥ 0`` (k = 1..L−1; Han's inequality) are the coordinates of a
profile on the rays ``r_k(m) = min(m, k)`` of the profile cone (docs/cone.md):
``h = Σ_{k<L} D_k r_k + f(L−1) r_L``. Every quantity below vanishes on ``r_L`` (product laws), so

    Q(h) = Σ_{k=1}^{L−1} D_k · Q(r_k)        and, as weights on h,   w_m = 2v_m − v_{m−1} − v_{m+1}

with ``v_k = Q(r_k)`` (``v_0 = v_L = 0``). On ray ``k`` his card coefficients are
``h_j^card = L (f(0) − f(j)) = L·[j ≥ k]`` (eq. 15b, 66) and his Bernoulli gain is the Bernstein
polynomial ``h(t) = Σ_j C(L−1, j) t^j (1−t)^{L−1−j} h_j^card`` (eq. 63), so
``h'_k(t) = L(L−1) b_{k−1, L−2}(t)`` with ``b_{j,n}(t) = C(n, j) t^j (1−t)^{n−j}``, and
``t(1−t) h'_k(t) = k(L−k) b_{k, L}(t)``. Hence, on ray k (units of log q):

* ``H(p, q) = ∫_p^q t(1−t) h'(t) dt`` (eq. 2c, 16a) ``= k(L−k)/(L+1) · [G(q) − G(p)]``,
  ``G(x) = P(Bin(L+1, x) ≥ k+1)`` (``∫_0^x b_{k,L} = G(x)/(L+1)``); ``H(0, 1) = k(L−k)/(L+1)``;
* ``H^card(a, b)`` (eq. 16b) ``= k(L−k)/L`` for ``a < k < b``, else 0; ``H^card(0, L) = k(L−k)/L``;
* ``Γ_card(a, b)`` (eq. 52b, our block cost ``c(a, b−a)``) ``= b − k`` for ``a < k < b``, else 0;
* ``TSE = Σ_m (h(m) − (m/L) h(L))`` (eq. 60) ``= k(L−k)/2``;
* ``∫(1−t) h' = L − k = TC(r_k)``, ``∫ t h' = k = DTC(r_k)`` (eq. 61b);
* ``DHW = ∫ t·min{1, log(1/t)} h'(t) dt`` (his representation, §A) ``= k Σ_{i=k+1}^{L} F(i−1)/i``,
  ``F(j) = P(Bin(L, 1/e) ≤ j)`` (integrate by parts against ``g(t) = t min{1, log 1/t}``, docs/w26.md);
* ``C_UGC = 2 ℓ H(1/L, 1 − 1/L)``, ``ℓ = log(L−1)`` (eq. 5a), and
  ``P_UGC = (∫_{−ℓ}^{ℓ} √q(λ) dλ)² = (∫_{1/L}^{1−1/L} √h'(t) dt)²`` (eq. 5b; ``dλ = dt/(t(1−t))``),
  not linear in h: certified quadrature (python-flint ``acb.integral``); ``UGC_ratio = C_UGC/P_UGC``
  (eq. 6), undefined (0/0) for product laws (h' ≡ 0) and at ``L = 2`` (ℓ = 0).
"""
from __future__ import annotations

from math import comb, lgamma, log

import numpy as np
from flint import acb, arb, ctx, fmpq

from ...certify.logforms import LogLinear
from ...certify.verdicts import Formula

QUANTITIES = ("h_card", "H01", "H_card_total", "TSE", "DHW", "C_UGC", "P_UGC", "UGC_ratio")


# ------------------------------------------------------------------ values on the rays (k = 1..L−1)

def bernstein_moment(L: int, k: int, a: int, b: int) -> fmpq:
    """∫_0^1 t^a (1−t)^b h'_k(t) dt on ray k, h'_k = L(L−1) b_{k−1, L−2} (eq. 65b):
    L(L−1) C(L−2, k−1) B(k + a, L − k + b), B(x, y) = (x−1)!(y−1)!/(x+y−1)!."""
    from math import factorial

    x, y = k + a, L - k + b
    return fmpq(L * (L - 1) * comb(L - 2, k - 1) * factorial(x - 1) * factorial(y - 1), factorial(x + y - 1))


def ray_H01(L: int) -> list:
    """H(0, 1) = ∫ t(1−t) h' on r_k (= k(L−k)/(L+1))."""
    return [bernstein_moment(L, k, 1, 1) for k in range(1, L)]


def ray_H_card(L: int, a: int = 0, b: int | None = None) -> list:
    """H^card(a, b) on r_k: k(L−k)/L for a < k < b."""
    b = L if b is None else b
    return [fmpq(k * (L - k), L) if a < k < b else fmpq(0) for k in range(1, L)]


def ray_Gamma_card(L: int, a: int, b: int) -> list:
    """Γ_card(a, b) on r_k: b − k for a < k < b (eq. 52b)."""
    return [fmpq(b - k) if a < k < b else fmpq(0) for k in range(1, L)]


def ray_TSE(L: int) -> list:
    return [fmpq(k * (L - k), 2) for k in range(1, L)]


def ray_TC_integral(L: int) -> list:
    """∫ (1−t) h' on r_k (eq. 61b; = L − k = TC(r_k))."""
    return [bernstein_moment(L, k, 0, 1) for k in range(1, L)]


def ray_DTC_integral(L: int) -> list:
    """∫ t h' on r_k (eq. 61b; = k = DTC(r_k))."""
    return [bernstein_moment(L, k, 1, 0) for k in range(1, L)]


def _binom_tail_ge(n: int, x: fmpq, j: int) -> fmpq:
    """P(Bin(n, x) ≥ j), exact."""
    return sum((comb(n, i) * x**i * (1 - x) ** (n - i) for i in range(j, n + 1)), fmpq(0))


def ray_H_interval(L: int, p, q) -> list:
    """H(p, q) on r_k for rational 0 ≤ p < q ≤ 1: k(L−k)/(L+1) [G(q) − G(p)], exact."""
    p, q = fmpq(p), fmpq(q)
    return [fmpq(k * (L - k), L + 1) * (_binom_tail_ge(L + 1, q, k + 1) - _binom_tail_ge(L + 1, p, k + 1))
            for k in range(1, L)]


def ray_DHW(L: int, prec: int) -> list:
    """DHW on r_k as arb balls: k Σ_{i=k+1}^{L} F(i−1)/i, F(j) = P(Bin(L, 1/e) ≤ j)."""
    old = ctx.prec
    ctx.prec = prec + 32
    try:
        x = arb(-1).exp()
        pmf = [arb(comb(L, i)) * x**i * (1 - x) ** (L - i) for i in range(L + 1)]
        F, acc = [], arb(0)
        for i in range(L + 1):
            acc += pmf[i]
            F.append(acc)
        suffix = [arb(0)] * (L + 2)       # S_k = Σ_{i=k+1}^{L} F(i−1)/i
        for i in range(L, 0, -1):
            suffix[i - 1] = suffix[i] + F[i - 1] / i
        return [k * suffix[k] for k in range(1, L)]
    finally:
        ctx.prec = old


def ray_H_interval_float(L: int, p: float, q: float) -> np.ndarray:
    from scipy.stats import binom

    k = np.arange(1, L)
    return k * (L - k) / (L + 1) * (binom.sf(k, L + 1, q) - binom.sf(k, L + 1, p))


def ray_DHW_float(L: int) -> np.ndarray:
    from scipy.stats import binom

    F = binom.cdf(np.arange(L + 1), L, np.exp(-1.0))
    terms = F[:L] / np.arange(1, L + 1)           # F(i−1)/i, i = 1..L
    suffix = np.cumsum(terms[::-1])[::-1]          # suffix[i−1] = Σ_{i'≥i}
    k = np.arange(1, L)
    return k * suffix[k]


# ------------------------------------------------------------------ from rays to the profile

def weights(v: list) -> list:
    """w_m (m = 1..L) with Σ_m w_m h(m) = Σ_k v_k D_k: w_m = 2v_m − v_{m−1} − v_{m+1}, v_0 = v_L = 0."""
    L = len(v) + 1
    ext = [0] + list(v) + [0, 0]
    return [2 * ext[m] - ext[m - 1] - ext[m + 1] for m in range(1, L + 1)]


def second_differences(h) -> np.ndarray:
    """D_k = 2h(k) − h(k−1) − h(k+1), k = 1..L−1, from floats h(0..L)."""
    h = np.asarray(h, dtype=np.float64)
    return 2 * h[1:-1] - h[:-2] - h[2:]


def second_differences_of_increments(f) -> np.ndarray:
    """D_k = f(k−1) − f(k) from the increments (no cancellation of the large h)."""
    f = np.asarray(f, dtype=np.float64)
    return np.maximum(f[:-1] - f[1:], 0.0)


def exact_value(prof, v: list):
    """Σ_k v_k D_k as an exact LogLinear (rational v)."""
    w = weights(v)
    return prof.functional({m: wm for m, wm in enumerate(w, start=1) if wm != 0})


def h_card(f) -> list:
    """h_j^card = L (f(0) − f(j)), j = 0..L−1 (eq. 66), floats."""
    f = np.asarray(f, dtype=np.float64)
    return list(np.maximum(len(f) * (f[0] - f), 0.0))  # ≥ 0 by Han's inequality: below 0 is rounding


# ------------------------------------------------------------------ h'(t) and the quadrature

def hprime_float(D, t) -> np.ndarray:
    """h'(t) = L(L−1) Σ_k D_k b_{k−1, L−2}(t) (eq. 65b), vectorised over t (log-space binomials)."""
    D = np.asarray(D, dtype=np.float64)
    L = len(D) + 1
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if L == 2:
        return np.full_like(t, 2.0 * D[0])
    n = L - 2
    j = np.arange(n + 1)
    lc = _log_binomials(n)
    lt, l1 = np.log(t)[:, None], np.log1p(-t)[:, None]
    logb = lc[None, :] + j[None, :] * lt + (n - j)[None, :] * l1
    return L * (L - 1) * (np.exp(logb) @ D)


_LB: dict = {}


def _log_binomials(n: int) -> np.ndarray:
    if n not in _LB:
        _LB.clear()
        _LB[n] = np.array([lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) for i in range(n + 1)])
    return _LB[n]


def p_ugc_float(D) -> float:
    """(∫_{1/L}^{1−1/L} √h'(t) dt)² by adaptive Gauss–Kronrod (floats: display and proposals)."""
    from scipy.integrate import quad

    L = len(D) + 1
    if L <= 2:
        return 0.0
    grid = np.linspace(1 / L, 1 - 1 / L, 33)
    tot = 0.0
    for a, b in zip(grid[:-1], grid[1:]):
        tot += quad(lambda t: float(np.sqrt(max(hprime_float(D, t)[0], 0.0))), a, b, limit=200)[0]
    return tot * tot


def p_ugc_ball(D_balls: list, prec: int = 128) -> arb:
    """P_UGC as a certified ball: acb.integral of √h'(t) over [1/L, 1 − 1/L], the integrand's
    analyticity checked on every evaluation (``sqrt(analytic=…)``), then squared. ``D_balls`` are
    enclosures of D_k ≥ 0 (a lower end below 0 is cut at 0: D_k ≥ 0 is Han's inequality)."""
    L = len(D_balls) + 1
    if L <= 2:
        return arb(0)
    n = L - 2
    old = ctx.prec
    ctx.prec = prec
    try:
        # h'(t) = L(L−1) (1−t)^n P(t/(1−t)), P(u) = Σ_j D_j C(n, j) u^j: non-negative coefficients,
        # so no cancellation (the monomial basis in t would lose ~2n bits); Horner in C (acb_poly).
        from flint import acb_poly

        P = acb_poly([acb(_nonneg(d) * comb(n, j)) for j, d in enumerate(D_balls)])
        scale = arb(L * (L - 1))

        def integrand(t, analytic):
            s = 1 - t
            return (scale * s**n * P(t / s)).sqrt(analytic=analytic)

        lo, hi = arb(1) / L, 1 - arb(1) / L
        val = acb.integral(integrand, lo, hi, rel_tol=arb(2) ** (-min(prec - 16, 50)))
        return val.real * val.real
    finally:
        ctx.prec = old


def _nonneg(d: arb) -> arb:
    lo, hi = d.lower(), d.upper()
    if lo >= 0:
        return d
    hi = max(hi, arb(0))
    return (hi / 2).union(arb(0)).union(hi)


# ------------------------------------------------------------------ everything from a profile

def quantities(prof, exact: bool = False, certified_ugc: bool | None = None) -> dict:
    """Wainwright's quantities of a profile (module docstring). Floats, or with ``exact``: exact
    LogLinear forms for the rational-weight ones and certified Formulas for DHW, C_UGC, P_UGC and
    their ratio. ``reasons`` names every quantity left undefined (None) and why."""
    L = prof.L
    f = prof._cache.get("f")
    if f is None:
        f = np.diff(prof.values())
    out, reasons = {}, {}
    if L < 2:
        for k in QUANTITIES:
            out[k] = None
        out["h_card"] = [0.0]
        reasons.update({k: "L = 1: no pair of positions" for k in QUANTITIES if k != "h_card"})
        out["reasons"] = reasons
        return out
    D = second_differences_of_increments(f)
    out["h_card"] = h_card(f)
    if not exact and _all_zero(prof, False, D):  # a product law up to float rounding: show exact zeros
        D = np.zeros_like(D)
        out["h_card"] = [0.0] * L
    ell = log(L - 1)
    if exact:
        out["TC_integral"] = exact_value(prof, ray_TC_integral(L))
        out["DTC_integral"] = exact_value(prof, ray_DTC_integral(L))
        out["H01"] = exact_value(prof, ray_H01(L))
        out["H_card_total"] = exact_value(prof, ray_H_card(L))
        out["TSE"] = exact_value(prof, ray_TSE(L))
        # an exact zero where every D_k is 0 (product laws), so that ties there are proved, not left open
        out["DHW"] = LogLinear.constant(0) if _all_zero(prof, True, D) else dhw_formula(prof)
    else:
        out["TC_integral"] = float(ray_float(ray_TC_integral(L)) @ D)
        out["DTC_integral"] = float(ray_float(ray_DTC_integral(L)) @ D)
        out["H01"] = float(ray_float(ray_H01(L)) @ D)
        out["H_card_total"] = float(ray_float(ray_H_card(L)) @ D)
        out["TSE"] = float(ray_float(ray_TSE(L)) @ D)
        out["DHW"] = float(ray_DHW_float(L) @ D)
    H_mid = float(ray_H_interval_float(L, 1 / L, 1 - 1 / L) @ D) if L > 2 else 0.0
    C = 2 * ell * H_mid
    if certified_ugc is None:
        certified_ugc = exact
    P = p_ugc_float(D)
    if exact or certified_ugc:
        balls = D_balls(prof) if exact else None
        C_f, P_f = ugc_formulas(prof, balls)
        out["C_UGC"], out["P_UGC"] = (C_f, P_f) if exact else (float(C_f), float(P_f))
    else:
        out["C_UGC"], out["P_UGC"] = C, P
    if L == 2:
        out["C_UGC"] = out["P_UGC"] = fmpq(0) if exact else 0.0   # ℓ = log 1 = 0; [1/2, 1/2] is a point
        out["UGC_ratio"] = None
        reasons["UGC_ratio"] = "0/0 at L = 2: the log-odds interval [−log(L−1), log(L−1)] is a point"
    elif _all_zero(prof, exact, D):
        out["C_UGC"] = out["P_UGC"] = fmpq(0) if exact else 0.0
        out["UGC_ratio"] = None
        reasons["UGC_ratio"] = "0/0: h' ≡ 0 (a product law: every position independent), C_UGC = P_UGC = 0"
    else:
        Cv, Pv = out["C_UGC"], out["P_UGC"]
        out["UGC_ratio"] = (Formula(lambda prec: Cv.enclose(prec) / Pv.enclose(prec), "UGC_ratio")
                            if exact else float(Cv) / float(Pv))
    out["reasons"] = reasons
    return out


def ray_float(v: list) -> np.ndarray:
    return np.array([int(x.p) / int(x.q) for x in v])


def _all_zero(prof, exact: bool, D) -> bool:
    """Whether every D_k is 0 (a product law): decided exactly when the profile is exact; in floats,
    to the rounding of h (display only, never a verdict)."""
    if not exact:
        return bool(np.all(np.abs(D) <= 1e-12 * max(1.0, float(prof.values()[-1]))))
    L = prof.L
    return all(d.is_zero() for d in D_balls(prof))


def D_balls(prof, prec: int = 256) -> list:
    """Enclosures of D_k = 2h(k) − h(k−1) − h(k+1) from the exact profile (one LogLinear per k)."""
    L = prof.L
    out = []
    for k in range(1, L):
        w = {k: 2, k + 1: -1}
        if k > 1:
            w[k - 1] = -1
        out.append(prof.functional(w))
    return out


def dhw_formula(prof) -> Formula:
    """DHW = Σ_k D_k DHW(r_k) with exact D_k and ball DHW(r_k)."""
    Ds = D_balls(prof)
    L = prof.L

    def f(prec):
        v = ray_DHW(L, prec)
        tot = arb(0)
        for d, c in zip(Ds, v):
            tot += d.enclose(prec) * c
        return tot

    return Formula(f, "DHW")


def ugc_formulas(prof, Ds=None) -> tuple:
    """(C_UGC, P_UGC) as certified Formulas (Ds: exact D_k forms; built if None)."""
    L = prof.L
    Ds = D_balls(prof) if Ds is None else Ds
    H_mid = None
    if L > 2:
        H_mid = LogLinear.constant(0)
        for c, d in zip(ray_H_interval(L, fmpq(1, L), 1 - fmpq(1, L)), Ds):
            H_mid = H_mid + d * c
    cache: dict = {}

    def C(prec):
        if H_mid is None:
            return arb(0)
        return 2 * arb(L - 1).log() * H_mid.enclose(prec)

    def P(prec):
        if prec not in cache:
            balls = [d.enclose(prec + 64) for d in Ds]
            cache[prec] = p_ugc_ball(balls, prec)
        return cache[prec]

    return Formula(C, "C_UGC"), Formula(P, "P_UGC")


# ------------------------------------------------------------------ verify measure

CERTIFIED_MAX_L = 256   # exact second differences and certified quadrature: L LogLinears, O(L) per evaluation
MEASURE_KEYS = ("H01", "H_card_total", "TSE", "DHW", "C_UGC", "P_UGC", "UGC_ratio")


def measure_quantities(prof, exact: bool = False) -> dict:
    """The keys ``verify measure`` adds for every target with a profile: ``h_card`` (a list),
    ``MEASURE_KEYS`` (floats, or exact/certified forms with ``exact`` up to ``CERTIFIED_MAX_L``), and
    ``w26_undefined``: {key: why} for every key left null (and why exact values were not formed)."""
    certify = exact and prof.L <= CERTIFIED_MAX_L
    q = quantities(prof, exact=certify)
    reasons = dict(q.pop("reasons"))
    if exact and not certify:
        reasons["exact"] = (f"L = {prof.L} > {CERTIFIED_MAX_L}: Wainwright's quantities are floats here (the "
                            "exact second differences and certified quadrature stop at L = 256)")
    out = {k: q[k] for k in ("h_card",) + MEASURE_KEYS}
    out["w26_undefined"] = reasons
    return out


def measure_lines(out: dict) -> list:
    """Footer lines for the table: h_card in brief and every null with its reason."""
    lines = []
    hc = out.get("h_card")
    if hc:
        lines.append(f"  h_card (L(f(0) − f(j)), j = 0..{len(hc) - 1}): " + ", ".join(f"{x:.4g}" for x in hc[:6])
                     + (", …" if len(hc) > 6 else ""))
    for k, why in (out.get("w26_undefined") or {}).items():
        lines.append(f"  {k}: {'null — ' if k in MEASURE_KEYS else ''}{why}")
    return lines


# ------------------------------------------------------------------ claim symbols on enumerated instances

class ListProfile:
    """A profile given as the list h(0..L) of a claim instance (exact LogLinears or floats): the
    little of ``Profile`` that ``quantities`` reads."""

    def __init__(self, h: list, exact: bool):
        self.h, self.L, self.exact = list(h), len(h) - 1, exact
        self._cache = {}

    def values(self) -> np.ndarray:
        return np.array([float(x) for x in self.h])

    def functional(self, w: dict):
        tot = LogLinear.constant(0) if self.exact else 0.0
        for m, c in w.items():
            if m != 0 and c != 0:
                tot = tot + self.h[m] * (fmpq(c) if self.exact else float(c))
        return tot


SYMBOL_KEYS = ("H01", "H_card_total", "TSE", "DHW", "TC_integral", "DTC_integral", "C_UGC", "P_UGC", "UGC_ratio")


def instance_quantity(ws, name: str, exact: bool):
    """The claim symbol ``name`` (``SYMBOL_KEYS``) of an enumerated workspace, computed once per
    workspace; NotDefined where Wainwright's quantity is undefined (UGC_ratio: 0/0)."""
    from ...errors import NotDefined

    cache = ws.__dict__.setdefault("_w26", {})
    if exact not in cache:
        h = ws.measures["profile"]
        if len(h) - 1 < 2:  # L = 1: every integral over the path is 0; the log-odds interval is empty
            zero = LogLinear.constant(0) if exact else 0.0
            vals = {k: zero for k in SYMBOL_KEYS[:6]}
            vals.update({k: None for k in SYMBOL_KEYS[6:]})
            cache[exact] = (vals, {k: "L = 1: the reveal interval [1/L, 1 − 1/L] is empty" for k in SYMBOL_KEYS[6:]})
        else:
            q = quantities(ListProfile(h, exact), exact=exact, certified_ugc=exact)
            cache[exact] = (q, q["reasons"])
    vals, reasons = cache[exact]
    if vals.get(name) is None:
        raise NotDefined(name, reasons.get(name, "undefined on this instance"),
                         "a law with dependence between positions and L >= 3")
    return vals[name]
