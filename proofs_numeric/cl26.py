"""CL26 claims that need more than one formula per instance (docs/index.md §3, CL26).

``CL26.L1`` (reported): for any (Z_1..Z_d) and any j, KL(p_Z ‖ Π p_{Z_i}) = TC ≤ Σ_{i≠j} I(Z_i; Z_{−i}).
Checked in its strongest form, j = argmax_j I_j: TC ≤ Σ_i I_i − max_j I_j, the maximum certified
(exact comparisons of log-linear forms). tests/test_cl26.py also runs it as a property over random
rational laws.

``CL26.MAX`` (reading): summing entropies beats thresholding each one. Shape: the statistic is
E KL(max-entropy:η) − E KL(entropy-sum:η); on the copy law the closed forms are (L−1)h for the
max-entropy rule once η ≥ h, against (m−1)h ≤ η for the sum rule (m = min(⌊η/h⌋+1, L)).
"""
from __future__ import annotations

from verify.claims.model import Claim
from verify.certify.logforms import LogLinear
from verify.claims.serialize import to_float


def _certified_max(forms: list):
    """The largest of exact log-linear forms, each comparison decided exactly (``sign`` raises
    PrecisionExhausted rather than guess, which cannot happen for nonzero log-linear forms)."""
    best = forms[0]
    for f in forms[1:]:
        if (f - best).sign() > 0:
            best = f
    return best


def _rhs_L1(inst):
    info = inst.ws.measures
    I = info["I"]
    if not isinstance(I[0], LogLinear):
        return info["sum_I"] - max(I)
    return info["sum_I"] - _certified_max(list(I))


def _stat_MAX(inst) -> float:
    return to_float(inst.value("expected_kl_max_entropy")) - to_float(inst.value("expected_kl"))


def _record_MAX(inst) -> dict:
    """Both expected KLs on the copy law, for the summary's closed-form table (recorded on the
    worker: rows of a distributed run carry no instance)."""
    if not inst.target.spec.startswith("copy:"):
        return {}
    return {"max_entropy_kl": to_float(inst.value("expected_kl_max_entropy")),
            "entropy_sum_kl": to_float(inst.value("expected_kl"))}


def _summarize_MAX(rows) -> dict:
    best = max((r for r in rows if r.statistic is not None), key=lambda r: r.statistic, default=None)
    copy = {}
    for r in rows:
        if r.values and r.statistic is not None:
            copy.setdefault(r.instance["target"], {})[r.instance["sampler"]] = dict(r.values)
    return {"largest_gap": best.statistic if best else None, "witness": best.instance if best else None,
            "headline": (f"largest E KL(max-entropy) − E KL(entropy-sum) = {best.statistic:.4g}" if best else "—"),
            "copy_law": copy,
            "copy_closed_form": "eta >= h: max-entropy pays (L-1)h, entropy-sum (m-1)h <= eta, m = min(floor(eta/h)+1, L); eta < h: both 0"}


PYTHON_CLAIMS = [
    Claim(
        id="CL26.L1",
        paper="CL26",
        provenance="reported",
        statement=r"\mathrm{KL}(p_Z \,\|\, \textstyle\prod_i p_{Z_i}) \le \sum_{i \ne j} I(Z_i; Z_{-i}) \text{ for every } j",
        relation="<=",
        grid="targets",
        lhs="TC",
        rhs=_rhs_L1,
        notes="Checked for the worst j (largest I_j), with the maximum certified; a property over random laws in tests/test_cl26.py.",
    ),
    Claim(
        id="CL26.MAX",
        paper="CL26",
        provenance="reading",
        statement=r"\text{copy law: max-entropy:}\eta \text{ pays } (L-1)h \approx (L-1)\eta,\ \text{entropy-sum:}\eta \text{ at most } \eta",
        relation="shape",
        grid="entropy-sum",
        statistic=_stat_MAX,
        aggregate="max",
        summarize=_summarize_MAX,
        record=_record_MAX,
        notes="Statistic: E KL(max-entropy) - E KL(entropy-sum) at the same eta (perfect predictor). The copy-law closed form is checked exactly in tests/test_cl26.py.",
    ),
]


# ------------------------------------------------------------------ CL26.ITER: E[T] against H/ε (plot)

def _record_iter(inst) -> dict:
    """What the E[T]-vs-H/ε plot reads from each row (rows of a distributed run carry no instance)."""
    return {"H": to_float(inst.value("H")), "eta": to_float(inst.value("eta")),
            "T": to_float(inst.value("expected_iterations"))}


def summarize_ITER(claim, rows) -> dict:
    """The abstract's Õ(H/ε): with η = ε/(4(log_2 L + 1)) (so that CL26.T1 gives KL ≤ ε), the data-law
    iteration count E_p[T] against H/ε, one marker series per target family (η > 0, H > 0)."""
    import math

    by_family: dict = {}
    for r in rows:
        v = r.values or {}
        if not v or v["eta"] <= 0 or v["H"] <= 0:
            continue
        eps = 4 * v["eta"] * (math.log2(r.instance["L"]) + 1)
        by_family.setdefault(r.instance["target"].split(":", 1)[0], []).append((v["H"] / eps, v["T"]))
    series = [{"label": fam, "x": [x for x, _ in pts], "y": [y for _, y in pts], "marker": "os"[n // 10], "style": "none",
               "color": f"C{n % 10}"} for n, (fam, pts) in enumerate(sorted(by_family.items()))]
    plot = {"name": "CL26.ITER-iterations", "title": "CL26.ITER: iterations of the entropy-sum decoder against H/ε",
            "caption": "E_p[T] (data law, exact) against H/ε with ε = 4η(log₂L + 1), the KL level CL26.T1 "
                       "guarantees at threshold η; every (target, η > 0) of the ci grid. The abstract's "
                       "Õ(H/ε) iterations is the growth of this cloud; CL26.ITER certifies "
                       "η(E_p[T] − 1) ≤ H + E KL on each point.",
            "panels": [{"kind": "lines", "xlabel": "H / ε", "ylabel": "E_p[T] (iterations)", "xscale": "log",
                        "yscale": "log", "series": series, "legend_size": 6, "legend_cols": 2}]}
    n = sum(len(s["x"]) for s in series)
    return {"points": n, "plots": [plot], "headline": f"{n} (target, η) points plotted"}


SUMMARIZERS = {"CL26.ITER": summarize_ITER}
RECORDERS = {"CL26.ITER": _record_iter}
