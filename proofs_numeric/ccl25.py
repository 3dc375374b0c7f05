"""CCL25 Theorem 1.9 (reported, secondary): a step count that needs ``T̂ ≥ TC``, beside the minimax law.

Chen, Cong, Li (arXiv 2511.04647), Theorem 1.9, as reported by a later paper: given ``T̂ ≥ TC``
(or ``DTC``), ``K ≤ 2 + (1 + log L)(1 + ⌈T̂/ε⌉)`` steps reach ``E KL ≤ ε``. We read ``log`` as the
natural logarithm (the secondary source does not say; base 2 gives more steps) and the schedule as
non-adaptive with uniformly random positions (a law over compositions of L).

The comparison at equal ε (docs/wll26-ccl25.md). Write ``r = T̂/ε``. For budget ``K`` the minimax
law (``verify.engine.profile.minimax``) has the sharp constant ``c*(K) = min over laws of
sup over targets of E KL / TC``, so it guarantees ``E KL ≤ c*(K) · TC ≤ c*(K) · T̂`` for every
target with ``TC ≤ T̂``: it meets CCL25's guarantee ``E KL ≤ ε`` as soon as ``c*(K) ≤ 1/r``. Hence

* ``K_CCL(L, r) = min(L, ⌊2 + (1 + ln L)(1 + ⌈r⌉)⌋)`` (L steps reveal one token each: E KL = 0);
* ``K_mm(L, r)`` = the least integer ``K`` with ``c*(K) ≤ 1/r``, certified: the minimax upper bound at
  ``K`` is ``≤ 1/r`` and its lower bound at ``K − 1`` is ``> 1/r``.

Since every such law is in the minimax program, ``c*(K_CCL) ≤ 1/r`` is necessary for the reported
statement to hold for all targets with ``TC = T̂`` on the extreme rays. The claim ``CCL25.T1.9``
checks, on the zoo, that the minimax law at CCL25's budget meets CCL25's ε on the target
(``c*(K_CCL) · TC ≤ TC/r``, exact); its summary is the table of ``K_CCL`` against ``K_mm``.
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

from flint import arb, ctx, fmpq

from verify.claims.model import Claim

R_DEFAULT = 4                              # T̂/ε of the zoo rows (a claim constant)
TABLE_LENGTHS = {"ci": (16, 32, 64), "deep": (16, 32, 64, 128, 256)}
TABLE_RATIOS = (1, 2, 4, 8, 16)


def ccl25_steps(L: int, r) -> int:
    """⌊2 + (1 + ln L)(1 + ⌈r⌉)⌋, decided in ball arithmetic (ln L is irrational for L ≥ 2, so the
    floor is never at an integer boundary); L = 1: 2 + (1 + ⌈r⌉)."""
    r = Fraction(r)
    c = 1 + math.ceil(r)
    if L == 1:
        return 2 + c
    old = ctx.prec
    try:
        for prec in (64, 256, 1024):
            ctx.prec = prec
            v = 2 + (1 + arb(L).log()) * c
            lo, hi = int(v.lower().floor().unique_fmpz()), int(v.upper().floor().unique_fmpz())
            if lo == hi:
                return lo
    finally:
        ctx.prec = old
    raise ArithmeticError(f"floor of 2 + (1 + ln {L})(1 + {c}) not decided")


def ccl25_budget(L: int, r) -> int:
    """CCL25's step count capped at L (sequential decoding is exact)."""
    return min(L, ccl25_steps(L, r))


@lru_cache(maxsize=None)
def _minimax_bounds(L: int, K: int) -> tuple:
    """(lower, upper) of the certified minimax value c*(K) over TC; K = L is sequential: 0."""
    if K >= L:
        return fmpq(0), fmpq(0)
    from verify.engine.profile.minimax import minimax

    res = minimax(L, K, "TC")
    return res.lower, res.upper


def minimax_budget(L: int, r) -> int:
    """Least integer K with c*(K) ≤ 1/r, certified at K (upper ≤ 1/r) and at K − 1 (lower > 1/r).
    c* is non-increasing in K (a larger budget admits every law of a smaller one)."""
    target = fmpq(Fraction(r).denominator, Fraction(r).numerator)
    lo, hi = 1, L  # c*(L) = 0 <= 1/r
    while lo < hi:
        mid = (lo + hi) // 2
        if _minimax_bounds(L, mid)[1] <= target:
            hi = mid
        else:
            lo = mid + 1
    if lo > 1 and not _minimax_bounds(L, lo - 1)[0] > target:
        raise ArithmeticError(f"minimax value at L={L}, K={lo - 1} not separated from 1/r={target}")
    return lo


def comparison_rows(lengths, ratios=TABLE_RATIOS) -> list:
    rows = []
    for L in lengths:
        for r in ratios:
            kc, km = ccl25_budget(L, r), minimax_budget(L, r)
            lo, up = _minimax_bounds(L, kc)
            rows.append({"L": L, "r": r, "K_CCL": ccl25_steps(L, r), "K_CCL_capped": kc, "K_minimax": km,
                         "c_star_at_K_CCL": float(up), "meets_eps": bool(up <= fmpq(1, r))})
    return rows


def _lhs(inst):
    """c*(K_CCL) · TC on the target: what the minimax law at CCL25's budget guarantees (exact)."""
    r = inst.constants.get("r", fmpq(R_DEFAULT))
    _, up = _minimax_bounds(inst.target.L, ccl25_budget(inst.target.L, Fraction(int(r.p), int(r.q))))
    return inst.value("TC") * up


def _rhs(inst):
    """ε = TC / r (T̂ = TC: the least knowledge CCL25's count can be given)."""
    r = inst.constants.get("r", fmpq(R_DEFAULT))
    return inst.value("TC") * (1 / r)


def summarize(rows, profile: str = "ci", cache=None) -> dict:
    lengths = TABLE_LENGTHS.get(profile, TABLE_LENGTHS["ci"])
    table = comparison_rows(lengths)
    cells = [[t["L"], t["r"], t["K_CCL"], t["K_CCL_capped"], t["K_minimax"],
              round(t["K_CCL_capped"] / t["K_minimax"], 3), f"{t['c_star_at_K_CCL']:.4g}",
              "yes" if t["meets_eps"] else "NO"] for t in table]
    series = [{"label": f"{who} L={L}", "x": [t["r"] for t in table if t["L"] == L],
               "y": [t[key] for t in table if t["L"] == L], "style": style, "marker": "o",
               "color": f"C{n}"}
              for n, L in enumerate(lengths) for who, key, style in (("CCL25", "K_CCL", "--"), ("minimax", "K_minimax", "-"))]
    plot = {"name": "CCL25.T1.9-budgets", "title": "Steps to E KL <= eps given TC <= T: CCL25 against the minimax law",
            "caption": "CCL25's reported count 2 + (1 + ln L)(1 + ceil(T/eps)) (dashed, uncapped) and the least "
                       "budget K whose certified minimax constant c*(K) over TC is <= eps/T (solid).",
            "panels": [{"kind": "lines", "xlabel": "T / eps", "ylabel": "steps K", "xscale": "log", "yscale": "log",
                        "series": series, "legend_size": 6, "legend_cols": 2}]}
    worst = max(table, key=lambda t: t["K_CCL_capped"] / t["K_minimax"])
    return {"table": table, "plots": [plot],
            "tables": [{"caption": "CCL25.T1.9 beside the minimax law at equal eps (r = T/eps; K_mm certified; "
                                   "c*(K) = minimax sup E KL / TC at budget K)",
                        "header": ["L", "r", "K_CCL", "K_CCL (<= L)", "K_mm", "ratio", "c*(K_CCL)", "meets eps"],
                        "rows": cells}],
            "headline": f"CCL25 uses up to {worst['K_CCL_capped'] / worst['K_minimax']:.3g}x the minimax budget "
                        f"(L={worst['L']}, T/eps={worst['r']})"}


summarize.wants_context = True


PYTHON_CLAIMS = [
    Claim(
        id="CCL25.T1.9",
        paper="CCL25",
        provenance="reported",
        statement=r"T \ge TC:\ K \le 2 + (1 + \log L)(1 + \lceil T/\varepsilon \rceil) \text{ steps give } "
                  r"\mathbb{E}\,\mathrm{KL} \le \varepsilon \quad (\text{checked: } c^*(K) \cdot TC \le \varepsilon = TC/r)",
        relation="<=",
        grid="targets",
        lhs=_lhs,
        rhs=_rhs,
        constants={"r": str(R_DEFAULT)},
        families=("mds", "product", "markov", "copy"),
        summarize=summarize,
        notes="Secondary (via a later paper); log read as ln. Rows: T = TC of the target, eps = TC/r with "
              "r = 4; left side is what the certified minimax law at CCL25's budget guarantees there. On "
              "the ci zoo (L <= 6) CCL25's count is >= L, so the budget is L and both sides are trivial; the "
              "comparison lives in the summary table (L = 16..64 in ci, to 256 in deep).",
    ),
]
