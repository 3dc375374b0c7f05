"""LC25.T2 over every law: an inf over laws of a max over schedules (docs/cone.md, "Sups, not infs").

LC25.T2 (reported, incomplete) asks for a lower bound ``max_{sizes: s_max = s} E KL ≥ c (s/L) Σ I_i``
for *some* law. Over all laws of every alphabet the best such constant is

    c*(L, s) = inf over laws h of  max over compositions C with s_max = s of  E_C KL(h) / ((s/L) Σ I(h)),

which is not a ray maximum: writing ``h = Σ_k λ_k r_k`` (rays ``k < L``, where ``Σ I = L``; ray L
has ``E KL = Σ I = 0``) and ``μ = λ / Σ λ``, ``c*(L, s) = (1/s) min_μ max_C Σ_k μ_k E_C[O_k]`` — the value
of a matrix game between a mixture of codes and a composition, a small linear program (HiGHS via
``scipy.optimize.linprog``). The result is certified exactly: the rounded primal ``μ`` gives an
upper bound ``max_C Σ μ_k E_C[O_k] / s`` and the rounded dual (a law ``y`` over compositions) a lower
bound ``min_k Σ_C y_C E_C[O_k] / s`` (a max over compositions is at least any average of them, and
the inf over the cone of a linear ratio is a ray minimum), both in exact rationals; they meet.
Beside it, the rays-only value ``(1/s) min_k max_C E_C[O_k]`` (what a single code can force).
"""
from __future__ import annotations

from fractions import Fraction

from verify.claims.instances import all_compositions
from verify.claims.model import Claim

LENGTHS = (2, 3, 4, 5, 6, 7, 8, 9, 10)


def overshoots(c: tuple) -> list:
    """E[O_k] = O_k for a fixed composition, k = 1..L."""
    return [o for s in c for o in range(s - 1, -1, -1)]


def game_value(L: int, s: int) -> dict:
    """c*(L, s) by the game's LP, certified by exact primal and dual bounds (module docstring)."""
    import numpy as np
    from scipy.optimize import linprog

    comps = [c for c in all_compositions(L) if max(c) == s]
    M = np.array([overshoots(c)[: L - 1] for c in comps], dtype=float)  # rows: compositions; cols: rays k < L
    n_c, n_k = M.shape
    # min t  s.t.  M μ ≤ t,  Σ μ = 1,  μ ≥ 0   (variables μ_1..μ_{L−1}, t)
    cost = np.r_[np.zeros(n_k), 1.0]
    A_ub = np.c_[M, -np.ones(n_c)]
    A_eq = np.r_[np.ones(n_k), 0.0][None, :]
    res = linprog(cost, A_ub=A_ub, b_ub=np.zeros(n_c), A_eq=A_eq, b_eq=[1.0],
                  bounds=[(0, None)] * n_k + [(None, None)], method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed at L={L}, s={s}: {res.message}")
    mu = _simplex_point(res.x[:n_k])
    y = _simplex_point(-res.ineqlin.marginals)  # the dual: a law over compositions
    E = [[Fraction(v) for v in overshoots(c)[: L - 1]] for c in comps]
    upper = max(sum((m * e for m, e in zip(mu, row)), Fraction(0)) for row in E) / s
    lower = min(sum((yc * E[i][k] for i, yc in enumerate(y)), Fraction(0)) for k in range(n_k)) / s
    rays = min(max(row[k] for row in E) for k in range(n_k)) / s
    return {"L": L, "s": s, "lower": lower, "upper": upper, "rays_only": rays,
            "support": [k + 1 for k, m in enumerate(mu) if m], "compositions": len(comps)}


def _simplex_point(x) -> list:
    """A float vector rounded to rationals, clipped at 0 and normalised to sum 1 exactly."""
    q = [max(Fraction(float(v)).limit_denominator(10**6), Fraction(0)) for v in x]
    total = sum(q, Fraction(0))
    return [v / total for v in q]


def _rows(claim, Row) -> list:
    rows = []
    for L in claim.lengths:
        for s in range(2, L + 1):
            g = game_value(L, s)
            exact = g["lower"] == g["upper"]
            row = Row({"target": "all-laws", "q": None, "L": L, "sampler": f"compositions with s_max={s}",
                       "predictor": "perfect", "plan": None, "ray": None, "witness": None}, None, None, None)
            row.statistic = float(g["upper"])
            row.values = {"s": s, "exact": str(g["upper"]) if exact else None, "lower": str(g["lower"]),
                          "upper": str(g["upper"]), "rays_only": str(g["rays_only"]),
                          "rays_only_float": float(g["rays_only"]), "support": g["support"]}
            rows.append(row)
    return rows


def _summarize(rows) -> dict:
    table = [[r.instance["L"], r.values["s"], r.values["exact"] or f"[{r.values['lower']}, {r.values['upper']}]",
              r.statistic, r.values["rays_only"], 1 / r.values["s"], " ".join(map(str, r.values["support"]))]
             for r in rows]
    worst = min(rows, key=lambda r: r.statistic) if rows else None
    Ls = sorted({r.instance["L"] for r in rows})
    series = []
    for L in Ls[-3:]:
        pts = sorted((r.values["s"], r.statistic) for r in rows if r.instance["L"] == L)
        series.append({"label": f"cone (all laws), L = {L}", "x": [p[0] for p in pts], "y": [p[1] for p in pts],
                       "marker": "o"})
    if Ls:
        pts = sorted((r.values["s"], r.values["rays_only_float"]) for r in rows if r.instance["L"] == Ls[-1])
        series.append({"label": f"rays only (single codes), L = {Ls[-1]}", "x": [p[0] for p in pts],
                       "y": [p[1] for p in pts], "style": "--", "marker": "s"})
    return {
        "holds_for": "all laws",
        "headline": (f"inf over all laws: min c*(L, s) = {worst.values['exact'] or worst.values['upper']} "
                     f"(L={worst.instance['L']}, s={worst.values['s']})" if worst else "—"),
        "tables": [{
            "caption": "c*(L, s) = inf over every law of every alphabet of max over compositions with s_max = s of "
                       "E KL / ((s/L) Σ I_i): the value of a small LP over the cone, certified by exact primal and "
                       "dual bounds; beside it the rays-only value (the best a single code forces) and 1/s (parity). "
                       "Support: the rays of the worst mixture.",
            "header": ["L", "s", "c* exact", "c*", "rays only", "1/s", "support (rays k)"],
            "rows": table, "digits": 4}],
        "plots": [{
            "name": "LC25.T2.all",
            "title": "LC25.T2 [reported, incomplete]: best lower constant over all laws",
            "caption": "Solid: c*(L, s) over every law (mixtures of codes go below any single code); dashed: "
                       "the rays-only value.",
            "panels": [{"kind": "lines", "xlabel": "s = s_max", "ylabel": "c*(L, s)", "integer_x": True,
                        "series": series}]}],
    }


PYTHON_CLAIMS = [
    Claim(
        id="LC25.T2.all",
        paper="LC25",
        provenance="reported",
        statement=r"c^*(L, s) = \inf_{\text{all laws}} \max_{s_{\max} = s} \mathbb{E}_D\,\mathrm{KL}(p \,\|\, q_D) / \big(\tfrac{s}{L} \sum_i I(X_i; X_{-i})\big)",
        relation="shape",
        grid="all-laws",
        lengths=LENGTHS,
        samplers=("compositions",),
        statistic=_rows,
        aggregate="min",
        summarize=_summarize,
        notes="Not asserted (the paper's functional was not recovered): the best constant c that LC25.T2's form "
              "could have over every law, an inf over laws of a max over compositions — a linear program over the "
              "cone, not a ray maximum (docs/cone.md). At L = 6, s = 2: 1/2 on the rays, 1/4 on the cone.",
        uses=["LC25.T2"],
    ),
]
