"""FG25 — G. Feng, Y. Geng, J. Guan, W. Wu, L. Wang, D. He, *Theoretical Benefit and Limitation of
Diffusion Language Model* (arXiv 2502.09622, NeurIPS 2025): token error versus sequence error.

The sampler is ``mdm:π`` (each position's step K_i ∈ {1..N} i.i.d., P(K_i = k) = π_k). The output
law r is the mixture over reveal plans; TER gap = KL(p ‖ r)/L (data first), SER = r({p = 0}).

``FG25.TER`` (abstract; quantitative form derived): for a first-order chain and any π,
    KL(p ‖ r)/L ≤ log q · Σ_k π_k²/R_k,   R_k = π_1 + … + π_k,
independent of L. Proof sketch: KL(p ‖ r) ≤ E_D KL(p ‖ q_D) (D-MIX) = Σ_t E TC(X_{D_t} | X_{U_t})
(D-CHAIN); given the revealed values the gaps are independent, and inside a gap the block is a
Markov chain whose TC is Σ of I between block-consecutive positions, each ≤ log q. A pair i < j is
block-consecutive inside a gap at step k iff K_i = K_j = k and every position between has K > k:
probability π_k² (1 − R_k)^{j−i−1}; summing over j gives ≤ Σ_k π_k²/R_k per position. Uniform π:
Σ_k (1/N²)/(k/N) = H_N/N (harmonic number).

``FG25.SER`` (abstract; quantitative form derived), on the 3-colouring chain:
    SER ≥ 1 − (1 − Σ_k π_k²/9)^{⌊L/2⌋}  and  SER ≤ (L − 1) Σ_k π_k²,
so SER ≤ δ needs N = Ω(L) uniform steps. The upper bound is the union bound over adjacent pairs
revealed at the same step (the only way to err, see ``verify/engine/coloring_ser.py``). Registered as two
claims: ``FG25.SER`` (the lower bound, the limitation) and ``FG25.SER.UPPER``.

``FG25.CONST`` (reported, low confidence): N = O((n − 1)/ε^n) steps give
log PPL ≤ log PPL* + ε_learning + 4ε log q for order-n targets. Shape only: we report the constant
c = N (ε/1)^n/(n − 1) at the smallest ε the instance's TER gap allows (ε = TER gap/(4 log q));
it is never presented as the paper's constant.

The two curves of the paper's story are the summaries of FG25.TER and FG25.SER (``verify check
--json``): KL/L against L at fixed N (exact mixture KL where enumeration reaches, flat), and
N_min(L, δ) against L (exact by the gap recursion where it reaches, bracketed by FG25.SER's two
bounds up to L = 1024, linear).
"""
from __future__ import annotations

from math import log

from flint import fmpq

from verify.certify.verdicts import check_le, enclose
from verify.claims.model import Claim
from verify.engine.coloring_ser import coloring3_ser_uniform, n_min_bracket, ser_lower_bound, ser_upper_bound
from verify.claims.instances import Instance
from verify.certify.logforms import LogLinear
from verify.engine.samplers import parse_sampler
from verify.claims.serialize import to_float

DELTAS = (fmpq(1, 10), fmpq(1, 5))
BEYOND = (16, 32, 64, 128, 256, 512, 1024)
# Where the exact curves are computed, per profile: TER curve lengths per chain, fixed N values,
# and the longest L of the exact N_min(L, δ) curve.
CURVES = {
    "ci": {"chains": {"markov:L={L},q=2,flip=1/10": 6, "coloring3:L={L}": 5}, "N": (2, 4), "n_min_L": 10},
    "deep": {"chains": {"markov:L={L},q=2,flip=1/10": 9, "coloring3:L={L}": 8}, "N": (2, 4), "n_min_L": 16},
}


def profile_expected_kl(target_spec: str, N: int) -> dict:
    """Exact E_D KL(p ‖ q_D)/L of ``mdm:N`` on ``target_spec`` at any L, from the profile
    engine (D-PROFILE with the closed-form first-order chain profile h(m)): an upper bound on the
    mixture KL/L by D-MIX, so FG25.TER's L-free bound, certified against it, holds for the mixture
    too. Extends the TER curve past enumeration (L = 16 … 1024)."""
    from distributions import plan_spec
    from verify.claims.instances import pi_sq_over_R
    from verify.engine.profile.entropy import entropy_profile, expected_kl

    L, q = plan_spec(target_spec).L, plan_spec(target_spec).q
    # The size law by spec (a binomial SizeLaw), not the O(N L²)-node Schedule graph.
    ekl_over_L = expected_kl(entropy_profile(target_spec), f"mdm:N={N}") * fmpq(1, L)
    bound = LogLinear.log(fmpq(q)) * pi_sq_over_R([fmpq(1, N)] * N)
    return {"value": _num(ekl_over_L), "ball": _ball(ekl_over_L), "bound": _num(bound),
            "verdict": check_le(ekl_over_L, bound).status}


def _ball(x) -> str:
    return enclose(x, 128).str(20, radius=True)


def _num(x) -> float:
    """Display float from the certified ball (never used for a decision)."""
    if isinstance(x, (fmpq, int)):
        return to_float(x)
    return float(enclose(x, 128).mid())


def _ter_point(cache, spec: str, sampler: str) -> dict:
    ws = cache.workspace(spec)
    L, q = ws.target.L, ws.target.q
    inst = Instance(ws, parse_sampler(sampler, L))
    ter = inst.value("ter_gap")
    bound = LogLinear.log(fmpq(q)) * inst.value("pi_sq_over_R")
    v = check_le(ter, bound)
    return {"L": L, "kl_over_L": _num(ter), "kl_over_L_ball": _ball(ter),
            "expected_kl_over_L": _num(inst.value("expected_kl")) / L,
            "bound": _num(bound), "verdict": v.status}


_CURVES_DONE: dict = {}  # (claim, profile) → summary: the curves do not depend on the grid's rows


def _summarize_TER(rows, profile="ci", cache=None) -> dict:
    """KL/L against L at fixed N on a binary Markov chain and the 3-colouring chain: flat."""
    if ("TER", profile) not in _CURVES_DONE:
        _CURVES_DONE[("TER", profile)] = _ter_curves(profile, cache)
    return _CURVES_DONE[("TER", profile)]


def _ter_curves(profile: str, cache) -> dict:
    from verify.claims.check import TargetCache

    cache = cache or TargetCache()
    cfg = CURVES[profile]
    curves: dict = {}
    for template, L_max in cfg["chains"].items():
        for N in cfg["N"]:
            key = f"{template.replace('L={L},', '').replace(':L={L}', '')} mdm:N={N}"
            curves[key] = {
                "bound_log_q_H_N_over_N": None,
                "exact": [_ter_point(cache, template.format(L=L), f"mdm:N={N}") for L in range(1, L_max + 1)],
                "beyond_enumeration": [
                    {"L": L, "expected_kl_over_L_upper_bound": profile_expected_kl(template.format(L=L), N)}
                    for L in BEYOND],
            }
            pts = curves[key]["exact"]
            curves[key]["bound_log_q_H_N_over_N"] = pts[-1]["bound"]
    return {"kl_over_L_vs_L": curves, "plots": [_ter_plot(curves)],
            "note": "exact mixture KL/L (certified ball); the bound log q * sum_k pi_k^2/R_k does not depend on L. "
                    "beyond_enumeration: exact expected KL/L from the profile engine (an upper bound on the mixture "
                    "KL/L by D-MIX), with its certified verdict against the same bound."}


_summarize_TER.wants_context = True


def _ter_curve_targets(profile: str) -> list:
    """The exact targets ``_ter_curves`` takes from the run's cache (a run keeps them until then)."""
    chains = CURVES.get(profile, {}).get("chains", {})
    return [template.format(L=L) for template, L_max in chains.items() for L in range(1, L_max + 1)]


_summarize_TER.targets = _ter_curve_targets


def n_min_curve(L_max: int, deltas=DELTAS) -> dict:
    """Exact N_min(L, δ) for L = 2..L_max on coloring3, and FG25.SER's bounds checked on the way.

    For each L one pass of the gap recursion gives the exact SER at N = 1, 2, …; N_min is the first
    N with SER ≤ δ (exact rational comparison). Every SER computed is also compared exactly with
    FG25.SER's two bounds; a violation would be listed under ``bound_violations``.
    """
    exact, violations, checked = [], [], 0
    for L in range(2, L_max + 1):
        found: dict = {}
        prev = None
        for N, ser in coloring3_ser_uniform(L, 10 * L * 10):
            s2 = fmpq(1, N)
            lo, hi = ser_lower_bound(L, s2), ser_upper_bound(L, s2)
            checked += 1
            if not lo <= ser <= hi:
                violations.append({"L": L, "N": N, "ser": str(ser), "lower": str(lo), "upper": str(hi)})
            for d in deltas:
                if d not in found and ser <= d:
                    found[d] = {"N_min": N, "ser_at_N_min": str(ser), "ser_at_N_min_float": to_float(ser),
                                "ser_below_float": to_float(prev), "bracket": list(n_min_bracket(L, d))}
            if len(found) == len(deltas):
                break
            prev = ser
        exact.append({"L": L, **{f"delta={d}": found[d] for d in deltas}})
    return {"exact": exact, "bounds_checked": checked, "bound_violations": violations}


def _summarize_SER(rows, profile="ci", cache=None) -> dict:
    """N_min(L, δ) against L: exact where the gap recursion reaches, bracketed beyond: linear."""
    if ("SER", profile) not in _CURVES_DONE:
        _CURVES_DONE[("SER", profile)] = _ser_curves(profile)
    return _CURVES_DONE[("SER", profile)]


def _ser_curves(profile: str) -> dict:
    cfg = CURVES[profile]
    curve = n_min_curve(cfg["n_min_L"])
    beyond = []
    for L in BEYOND:
        point = {"L": L}
        for d in DELTAS:
            lo, hi = n_min_bracket(L, d)
            point[f"delta={d}"] = {"N_lo": lo, "N_hi": hi, "N_lo_over_L": lo / L, "N_hi_over_L": hi / L}
        beyond.append(point)
    return {"n_min_vs_L": {"exact": curve["exact"], "bracketed": beyond},
            "plots": [_ser_plot(curve["exact"], beyond)],
            "bounds_checked_exactly": curve["bounds_checked"], "bound_violations": curve["bound_violations"],
            "note": "N_min = fewest uniform mdm steps with SER <= delta on coloring3:L. exact: rational SER from "
                    "the gap recursion compared exactly with delta. bracketed: N_lo from the lower bound "
                    "1-(1-1/(9N))^floor(L/2) <= delta, N_hi = ceil((L-1)/delta) from the upper bound; both grow "
                    "linearly in L."}


_summarize_SER.wants_context = True


def _ter_plot(curves: dict) -> dict:
    """The TER benefit: KL/L against L at fixed N is flat and under the L-free bound (one panel per
    chain; solid: exact mixture KL/L by enumeration; dashed: exact expected KL/L from the profile
    engine, an upper bound on it by D-MIX; dotted: the bound log q · H_N/N)."""
    panels: dict = {}
    for n, (key, c) in enumerate(curves.items()):
        chain, sampler = key.rsplit(" ", 1)
        panel = panels.setdefault(chain, {"kind": "lines", "title": chain, "xlabel": "L (sequence length)",
                                          "ylabel": "KL / L (nats per token)", "xscale": "log",
                                          "integer_x": True, "series": [], "hlines": []})
        colour = f"C{n % 10}"
        exact = [p for p in c["exact"] if p["L"] >= 2]
        panel["series"].append({"label": f"{sampler}: mixture KL/L (exact)", "x": [p["L"] for p in exact],
                                "y": [p["kl_over_L"] for p in exact], "marker": "o", "color": colour})
        far = c["beyond_enumeration"]
        panel["series"].append({"label": f"{sampler}: E KL/L (profile engine)", "x": [p["L"] for p in far],
                                "y": [p["expected_kl_over_L_upper_bound"]["value"] for p in far],
                                "style": "--", "marker": "s", "color": colour})
        panel["hlines"].append({"y": c["bound_log_q_H_N_over_N"], "label": f"{sampler}: bound log q · H_N/N",
                                "style": ":", "color": colour})
    return {"name": "FG25.TER-kl-over-L", "title": "FG25.TER [abstract]: token error KL/L against L at fixed N",
            "caption": "KL/L stays flat in L at a fixed number of steps N, under the L-free bound "
                       "(log q)·H_N/N: the TER benefit. Exact mixture KL/L where enumeration reaches; beyond, "
                       "the exact expected KL/L from the entropy profile (an upper bound on the mixture KL/L).",
            "ncols": 2, "panels": list(panels.values())}


def _ser_plot(exact: list, beyond: list) -> dict:
    """The SER limitation: the fewest uniform steps with SER ≤ δ grows linearly in L."""
    series = []
    for n, d in enumerate(DELTAS):
        k = f"delta={d}"
        colour = f"C{n}"
        series.append({"label": f"δ = {d}: N_min exact", "x": [p["L"] for p in exact],
                       "y": [p[k]["N_min"] for p in exact], "marker": "o", "color": colour})
        series.append({"label": f"δ = {d}: lower end of the bracket", "x": [p["L"] for p in beyond],
                       "y": [p[k]["N_lo"] for p in beyond], "style": "--", "color": colour})
        series.append({"label": f"δ = {d}: upper end of the bracket", "x": [p["L"] for p in beyond],
                       "y": [p[k]["N_hi"] for p in beyond], "style": ":", "color": colour})
    return {"name": "FG25.SER-n-min", "title": "FG25.SER [abstract]: steps needed for SER ≤ δ on the 3-colouring chain",
            "caption": "N_min(L, δ), the fewest uniform mdm steps with SER ≤ δ: exact (rational SER compared "
                       "exactly with δ) where the gap recursion reaches, and bracketed by FG25.SER's two bounds "
                       "beyond. Both ends grow linearly in L: the SER limitation.",
            "panels": [{"kind": "lines", "xlabel": "L (sequence length)", "ylabel": "N_min (steps)",
                        "xscale": "log", "yscale": "log", "integer_x": True, "series": series}]}


def _const_statistic(inst):
    """c = N · ε^n/(n − 1) with ε = TER gap/(4 log q): the constant in N = c (n − 1)/ε^n."""
    n = inst.target.params.get("n")
    if n is None or n < 2:
        return None
    eps = _num(inst.value("ter_gap")) / (4 * log(inst.target.q))
    return inst.value("N") * eps**n / (n - 1)


def _summarize_CONST(rows) -> dict:
    best: dict = {}
    for r in rows:
        if r.statistic is None:
            continue
        n = r.values["n"]  # recorded on the worker (rows of a distributed run carry no instance)
        if n not in best or r.statistic > best[n][0]:
            best[n] = (r.statistic, r.instance)
    return {"max_implied_constant_by_n": {str(n): {"c": c, "witness": w} for n, (c, w) in sorted(best.items())},
            "headline": ("max c: " + ", ".join(f"n={n}: {c:.4g}" for n, (c, _) in sorted(best.items()))
                         if best else "—"),
            "note": "shape only (reported, low confidence): c = N * eps^n / (n-1) at eps = TER gap / (4 log q); "
                    "not the paper's constant."}


PYTHON_CLAIMS = [
    Claim(
        id="FG25.TER",
        paper="FG25",
        provenance="abstract",
        statement=r"\text{first-order chain, any } \pi:\ \mathrm{KL}(p \,\|\, r)/L \le \log q \sum_k \pi_k^2 / R_k,\ R_k = \pi_1 + \dots + \pi_k \text{ (uniform: } (H_N/N) \log q\text{), independent of } L",
        relation="<=",
        grid="mdm",
        families=("markov", "coloring3"),
        lhs="ter_gap",
        rhs="log(q) * pi_sq_over_R",
        summarize=_summarize_TER,
        notes="Abstract: MDMs reach near-optimal perplexity in a number of steps independent of L. The explicit "
              "bound is our derived form (D-MIX, D-CHAIN, TC of a Markov block <= (m-1) log q). r is the mixture "
              "law, KL data first. Summary: the KL/L-vs-L curve at fixed N.",
        uses=("D-MIX", "D-CHAIN"),
    ),
    Claim(
        id="FG25.SER",
        paper="FG25",
        provenance="abstract",
        statement=r"\text{3-colouring chain: } \mathrm{SER} \ge 1 - (1 - \textstyle\sum_k \pi_k^2/9)^{\lfloor L/2 \rfloor} \text{, so SER} \le \delta \text{ needs } N = \Omega(L)",
        relation=">=",
        grid="mdm",
        families=("coloring3",),
        lhs="ser",
        rhs="1 - (1 - sum_pi_sq/9)**floor(L/2)",
        summarize=_summarize_SER,
        notes="Abstract: a low sequence error needs a number of steps linear in L. The explicit lower bound is our "
              "derived form (disjoint adjacent pairs). Summary: N_min(L, delta) against L, exact and bracketed.",
        uses=("FG25.SER.UPPER",),
    ),
    Claim(
        id="FG25.SER.UPPER",
        paper="FG25",
        provenance="abstract",
        statement=r"\text{3-colouring chain: } \mathrm{SER} \le (L - 1) \textstyle\sum_k \pi_k^2",
        relation="<=",
        grid="mdm",
        families=("coloring3",),
        lhs="ser",
        rhs="(L - 1)*sum_pi_sq",
        notes="Union bound over the L-1 adjacent pairs: an error needs two neighbours revealed at the same step.",
    ),
    Claim(
        id="FG25.CONST",
        paper="FG25",
        provenance="reported",
        statement=r"\text{(low confidence) order-}n\text{ targets: } N = O((n-1)/\varepsilon^n) \text{ steps give } \log\mathrm{PPL} \le \log\mathrm{PPL}^* + \varepsilon_{\mathrm{learning}} + 4\varepsilon \log q",
        relation="shape",
        grid="mdm",
        families=("ngram",),
        statistic=_const_statistic,
        aggregate="max",
        summarize=_summarize_CONST,
        record=lambda inst: {"n": inst.target.params["n"]},
        notes="Shape only, never the paper's constant: reports c = N eps^n/(n-1) at the smallest eps allowed by the "
              "instance's TER gap (eps = TER gap / (4 log q)), perfect predictor (eps_learning = 0).",
    ),
]
