"""LC25 shape claims that need more than one formula per instance (docs/index.md §3, LC25).

``LC25.T2`` (reported, incomplete): a matching lower bound with constant 1/16 and a multiscale
mutual-information functional that was not recovered. We do not assert it. We report the best
lower constant c(s) in  max_{sizes: s_max = s} E KL ≥ c(s) · (s/L) · Σ_i I_i  over the zoo, and the
parity family, where the ratio is exactly 1/s, so any such c must shrink like 1/s.

``LC25.RATE`` (abstract): error ~ 1/K, linear in mutual information: K · E KL / Σ_i I_i for
balanced:K, per family.

Statistics are floats: these claims report shapes, they give no verdict.
"""
from __future__ import annotations

from verify.claims.model import Claim
from verify.claims.serialize import to_float


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
    c_by_s = {str(s): {"c": v, "witness": row.instance} for s, (v, row) in sorted(per_s.items())}
    par = {str(s): max(v) for s, v in sorted(parity.items())}
    ss = sorted(per_s)
    series = [{"label": "best c(s) over the zoo", "x": ss, "y": [per_s[s][0] for s in ss], "marker": "o"}]
    if par:
        ps = sorted(int(k) for k in par)
        series += [{"label": "parity code", "x": ps, "y": [par[str(k)] for k in ps], "marker": "s"},
                   {"label": "1/s (closed form)", "x": ps, "y": [1 / k for k in ps], "style": "--", "color": "k"}]
    return {
        "best_lower_constant_by_s": c_by_s,
        "parity_ratio_by_s": par,
        "parity_closed_form": "ratio = 1/s exactly for s >= 2 (E KL = log q, sum_I = L log q)",
        "tables": [{
            "header": ["s", "best lower c(s) over the zoo", "parity family (closed form 1/s)", "witness"],
            "rows": [[str(s), v, par.get(str(s)), f"`{row.instance['target']}` `{row.instance['sampler']}`"]
                     for s, (v, row) in sorted(per_s.items())]}],
        "headline": "c(s) over the zoo: " + ", ".join(f"s={s}: {per_s[s][0]:.3g}" for s in ss),
        "plots": [{
            "name": "LC25.T2",
            "title": "LC25.T2 [reported, incomplete]: best lower constant c(s)",
            "caption": "Largest E KL / ((s/L) Σ I_i) over compositions with s_max = s, minimised over the zoo; "
                       "the parity code gives exactly 1/s, so no constant c works for every s. The red line is the "
                       "constant 1/16 the paper states (reported) for its own functional, not Σ I_i.",
            "panels": [{"kind": "lines", "xlabel": "s = s_max (largest block size)",
                        "ylabel": "c(s) = max E KL / ((s/L) Σ I_i)  [dimensionless]",
                        "integer_x": True, "series": series,
                        # the paper's stated constant (with a functional we did not recover)
                        "hlines": [{"y": 1 / 16, "label": "c = 1/16 (the paper's constant, reported)",
                                    "color": "C3"}]}],
        }],
    }


def _ratio_RATE(inst) -> float | None:
    sum_i = to_float(inst.value("sum_I"))
    if sum_i <= 0:
        return None
    return inst.value("K") * to_float(inst.value("expected_kl")) / sum_i


def _record_K(inst) -> dict:
    """What the summaries of balanced:K grids (LC25.RATE, LC25.C1) read from a row: the number of blocks K."""
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
    shown = {f"{fam} q={q} L={L}": d for (fam, q, L), d in sorted(table.items()) if longest[(fam, q)] == L}
    fam_index = {f: n for n, f in enumerate(sorted({name.split(" ", 1)[0] for name in shown}))}
    # One colour and one marker per family (q = 2 solid, q = 3 dashed).
    series = [{"label": name, "x": sorted(d), "y": [d[K][0] for K in sorted(d)],
               "color": f"C{fam_index[name.split(' ', 1)[0]] % 10}",
               "marker": "os^vDPX*<>"[fam_index[name.split(' ', 1)[0]] % 10],
               "style": "--" if " q=3 " in name else "-"} for name, d in shown.items()]
    top = max((v for d in shown.values() for v, _ in d.values()), default=0.0)
    return {
        "max_K_ekl_over_sum_I": {
            name: {str(K): {"value": v, "target": t} for K, (v, t) in sorted(d.items())} for name, d in shown.items()
        },
        "headline": f"max K · E KL / Σ I_i = {top:.4g} (K < L)",
        "tables": [{
            "caption": "max over each family's targets of K · E KL / Σ I_i (balanced:K, K < L, at the family's "
                       "longest L in the grid):",
            "header": ["family"] + [f"K={k}" for k in sorted({K for d in shown.values() for K in d})],
            "rows": [[name] + [d[k][0] if k in d else "—" for k in sorted({K for d in shown.values() for K in d})]
                     for name, d in shown.items()],
            "digits": 4}],
        "plots": [{
            "name": "LC25.RATE",
            "title": "LC25.RATE [abstract]: K · E KL / Σ I_i against K, per family (longest L)",
            "caption": "A 1/K rate linear in Σ I_i means a bounded curve; LC25.T1 implies the line C_1 = 2 "
                       "for balanced sizes. Solid: q = 2; dashed: q = 3.",
            "panels": [{"kind": "lines", "xlabel": "K (number of balanced blocks, K < L)",
                        "ylabel": "max over the family's targets of K · E KL / Σ I_i", "integer_x": True,
                        "series": series, "hlines": [{"y": 2, "label": "C_1 = 2 (from LC25.T1)"}],
                        "legend_cols": 2}],
        }],
    }


def summarize_C1(claim, rows) -> dict:
    """LC25.C1: the best constant C_1 (statistic) plus its plots (perfect predictor, balanced:K):
    E KL and the bound (C_1/K) Σ I_i against K on log–log axes per family at the longest L with q = 2,
    and the heatmap of the largest lhs/rhs over the zoo per (L, K), one panel per q."""
    from verify.claims.check import statistic_summary

    out = statistic_summary(claim, rows)
    perfect = [r for r in rows if r.instance["predictor"] == "perfect" and r.lhs is not None]
    if not perfect:
        return out
    longest = max(r.instance["L"] for r in perfect if r.instance["q"] == 2) if any(
        r.instance["q"] == 2 for r in perfect) else None
    by_target: dict = {}
    for r in perfect:
        if r.instance["q"] == 2 and r.instance["L"] == longest:
            by_target.setdefault(r.instance["target"], []).append((r.values["K"], r.lhs, r.rhs))
    panels = []
    fams: dict = {}
    for spec, pts in by_target.items():
        fams.setdefault(spec.split(":", 1)[0], []).append((spec, sorted(pts)))
    for fam, targets in sorted(fams.items()):
        series = []
        for n, (spec, pts) in enumerate(targets):
            pos = [(K, lhs, rhs) for K, lhs, rhs in pts if rhs > 0]
            if not pos:
                continue
            short = ",".join(p for p in spec.split(":", 1)[1].split(",") if p not in (f"L={longest}", "q=2"))
            kl = [(K, lhs) for K, lhs, _ in pos if lhs > 0]  # log axes: E KL = 0 (e.g. K = L) is left out
            name = f" {short}" if len(targets) > 1 else ""
            series.append({"label": f"E KL{name}", "x": [k for k, _ in kl],
                           "y": [v for _, v in kl], "marker": "o", "color": f"C{n}"})
            # one legend entry per bound line (same colour as its E KL, dashed, its own marker)
            series.append({"label": f"bound{name}", "x": [k for k, *_ in pos],
                           "y": [v for *_, v in pos], "style": "--", "marker": "x", "color": f"C{n}"})
        if series:
            panels.append({"kind": "lines", "title": fam, "xlabel": "K (balanced blocks)", "ylabel": "nats",
                           "xscale": "log", "yscale": "log", "integer_x": True, "series": series})
    plots = []
    if panels:
        plots.append({
            "name": "LC25.C1-kl-vs-K",
            "title": f"LC25.C1 [reported]: E KL and the bound (C_1/K) Σ I_i against K (q = 2, L = {longest}, "
                     "perfect predictor)",
            "caption": "Log–log axes, one panel per family; solid: E KL (zero values omitted), dashed: the bound. "
                       "A slope of −1 is the 1/K rate.",
            "panels": panels, "ncols": 2})
    heat = []
    for q in sorted({r.instance["q"] for r in perfect}):
        cellmax: dict = {}
        for r in perfect:
            if r.instance["q"] != q or r.ratio is None:
                continue
            key = (r.instance["L"], r.values["K"])
            cellmax[key] = max(cellmax.get(key, 0.0), r.ratio)
        if not cellmax:
            continue
        Ls = sorted({L for L, _ in cellmax})
        Ks = sorted({K for _, K in cellmax})
        heat.append({"kind": "heatmap", "title": f"q = {q}", "xlabel": "K (balanced blocks)", "ylabel": "L",
                     "x": Ks, "y": Ls, "z": [[cellmax.get((L, K)) for K in Ks] for L in Ls],
                     "zlabel": "max lhs/rhs over the zoo", "annotate": True})
    if heat:
        plots.append({
            "name": "LC25.C1-ratio-heatmap",
            "title": "LC25.C1 [reported]: largest E KL / ((C_1/K) Σ I_i) over the zoo, per (L, K), perfect predictor",
            "caption": "1 means the bound is attained; blank cells have no instance with a positive bound.",
            "panels": heat, "ncols": len(heat)})
    out["plots"] = plots
    return out


SUMMARIZERS = {"LC25.C1": summarize_C1}  # declarative (TOML) claims that also carry plots
RECORDERS = {"LC25.C1": _record_K}    # ... and the values their summaries read from each row


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
        record=_record_K,
        notes="K · E KL / sum_I for balanced:K per family; LC25.C1 checks the bound 2 on it.",
        uses=["LC25.C1"],
    ),
]
