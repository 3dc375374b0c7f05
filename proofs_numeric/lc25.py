"""LC25 shape claims that need more than one formula per instance (CLAIMS.md §3, LC25).

``LC25.T2`` (reported, incomplete): a matching lower bound with constant 1/16 and a multiscale
mutual-information functional that was not recovered. We do not assert it. We report the best
lower constant c(s) in  max_{sizes: s_max = s} E KL ≥ c(s) · (s/L) · Σ_i I_i  over the zoo, and the
parity family, where the ratio is exactly 1/s, so any such c must shrink like 1/s.

``LC25.RATE`` (abstract): error ~ 1/K, linear in mutual information: K · E KL / Σ_i I_i for
balanced:K, per family.

Statistics are floats: these claims report shapes, they give no verdict.
"""
from __future__ import annotations

from verify.claims import Claim
from verify.serialize import to_float


def _ratio_T2(inst) -> float | None:
    s, L = inst.value("s_max"), inst.value("L")
    sum_i = to_float(inst.value("sum_I"))
    if sum_i <= 0:
        return None
    return to_float(inst.value("expected_kl")) / (s / L * sum_i)


def _record_T2(inst) -> dict:
    """What ``_summarize_T2`` reads from a row: s_max, and k of an mds target (parity: k = L − 1)."""
    return {"s_max": inst.value("s_max"), "k": inst.target.params.get("k")}


def _summarize_T2(rows) -> dict:
    """c(s) = min over targets of max over compositions with s_max = s of the ratio."""
    best: dict = {}  # (target, s) → (ratio, row)
    for r in rows:
        if r.statistic is None:
            continue
        s = r.values["s_max"]
        key = (r.instance["target"], s)
        if key not in best or r.statistic > best[key][0]:
            best[key] = (r.statistic, r)
    per_s: dict = {}
    parity: dict = {}
    for (spec, s), (ratio, row) in best.items():
        if s not in per_s or ratio < per_s[s][0]:
            per_s[s] = (ratio, row)
        # s = 1 reveals one token at a time: E KL = 0, and the 1/s closed form starts at s = 2.
        if s >= 2 and spec.startswith("mds:") and row.instance["L"] - 1 == row.values["k"]:
            parity.setdefault(s, []).append(ratio)
    return {
        "best_lower_constant_by_s": {
            str(s): {"c": v, "witness": row.instance} for s, (v, row) in sorted(per_s.items())
        },
        "parity_ratio_by_s": {str(s): max(v) for s, v in sorted(parity.items())},
        "parity_closed_form": "ratio = 1/s exactly for s >= 2 (E KL = log q, sum_I = L log q)",
    }


def _ratio_RATE(inst) -> float | None:
    sum_i = to_float(inst.value("sum_I"))
    if sum_i <= 0:
        return None
    return inst.value("K") * to_float(inst.value("expected_kl")) / sum_i


def _record_RATE(inst) -> dict:
    """What ``_summarize_RATE`` reads from a row: the number of blocks K."""
    return {"K": inst.value("K")}


def _summarize_RATE(rows) -> dict:
    """Per family at its longest L (per q) and K < L: the largest K · E KL / Σ I over its targets."""
    table: dict = {}
    for r in rows:
        if r.statistic is None:
            continue
        q, L = r.instance["q"], r.instance["L"]
        K = r.values["K"]
        if K >= L:
            continue
        fam = r.instance["target"].split(":", 1)[0]
        cur = table.setdefault((fam, q, L), {})
        if r.statistic > cur.get(K, (-1.0,))[0]:
            cur[K] = (r.statistic, r.instance["target"])
    longest: dict = {}
    for fam, q, L in table:
        longest[(fam, q)] = max(L, longest.get((fam, q), 0))
    return {
        "max_K_ekl_over_sum_I": {
            f"{fam} q={q} L={L}": {str(K): {"value": v, "target": t} for K, (v, t) in sorted(d.items())}
            for (fam, q, L), d in sorted(table.items()) if longest[(fam, q)] == L
        }
    }


PYTHON_CLAIMS = [
    Claim(
        id="LC25.T2",
        paper="LC25",
        provenance="reported",
        statement=r"\text{(incomplete) } \max_{s_{\max} = s} \mathbb{E}_D\,\mathrm{KL}(p \,\|\, q_D) \ge c\,\frac{s}{L} \sum_i I(X_i; X_{-i}) \text{ for some schedules; paper: } c = 1/16 \text{ with an unrecovered functional}",
        relation="shape",
        grid="compositions",
        statistic=_ratio_T2,
        aggregate="min",
        summarize=_summarize_T2,
        record=_record_T2,
        notes="Not asserted: the paper's multiscale functional was not recovered. Reports c(s) over the zoo; the parity code gives exactly 1/s.",
    ),
    Claim(
        id="LC25.RATE",
        paper="LC25",
        provenance="abstract",
        statement=r"\mathbb{E}_D\,\mathrm{KL} \text{ decays like } 1/K \text{ and is linear in } \sum_i I(X_i; X_{-i}) \ (K < L)",
        relation="shape",
        grid="balanced",
        statistic=_ratio_RATE,
        aggregate="max",
        summarize=_summarize_RATE,
        record=_record_RATE,
        notes="K · E KL / sum_I for balanced:K per family; LC25.C1 checks the bound 2 on it.",
        uses=["LC25.C1"],
    ),
]
