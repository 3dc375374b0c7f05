"""The tightness report: per-claim tables, best constants, worst-case witnesses, plots.

``write_report`` runs every claim on a profile and writes ``report.md``, ``report.json``, the
plots (png) and the witnesses (``witnesses/*.json``, replayable with ``verify measure``).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .check import ClaimResult, TargetCache, run_claim
from .serialize import cell

PROVENANCE_LEGEND = {
    "abstract": "stated in the paper's abstract (rate-level content only)",
    "reported": "explicit form as described by secondary summaries; constants plausible but unconfirmed",
    "reading": "our checkable formalisation of an abstract-level claim",
    "derived": "our own exact identity or bound; a failure would be a bug in the suite",
}


def check_lines(res: ClaimResult) -> list:
    c = res.claim
    lines = [f"{c.id}  [{c.paper}, {c.provenance}]  {c.relation}  grid={c.grid}  "
             f"instances={len(res.rows)}  ({res.seconds:.1f} s)"]
    if c.checked:
        counts = res.counts
        lines.append("  verdicts: " + "  ".join(f"{k}={v}" for k, v in counts.items()))
        ratios = res.ratios()
        if ratios:
            ratios.sort()
            lines.append(f"  lhs/rhs: min={cell(ratios[0])}  median={cell(ratios[len(ratios) // 2])}  max={cell(ratios[-1])}")
        w = res.worst()
        if w is not None:
            lines.append(f"  worst: {w.instance['target']}  sampler={w.instance['sampler']}  "
                         f"predictor={w.instance['predictor']}  lhs={cell(w.lhs)} rhs={cell(w.rhs)} ({w.status})")
    if res.summary.get("table_lines"):
        lines += res.summary["table_lines"]
    elif res.summary:
        lines.append("  summary: " + json.dumps(res.summary, default=str)[:300])
    for wt in res.witnesses:
        lines.append(f"  witness ({wt['kind']}): {wt['path']}")
    return lines


def print_check_table(res: ClaimResult) -> None:
    print("\n".join(check_lines(res)), flush=True)


def run_and_print(claims: list, profile: str, witness_dir) -> list:
    """Run every claim on the profile's grid (one shared target cache), printing each table."""
    cache = TargetCache()
    results = []
    for c in claims:
        print(f"[{c.id}: running on the {profile} grid]", file=sys.stderr, flush=True)
        res = run_claim(c, profile, cache, witness_dir=witness_dir)
        print_check_table(res)
        results.append(res)
    return results


def _md_claim(res: ClaimResult) -> list:
    c = res.claim
    out = [f"### `{c.id}` — {c.paper}, provenance **{c.provenance}**", "",
           f"$$ {c.statement} $$", "",
           f"- relation: `{c.relation}`; KL direction: {c.kl_direction}; grid: `{c.grid}`; "
           f"predictors: {', '.join(c.predictors)}; instances: {len(res.rows)}"]
    if c.constants:
        out.append("- constants (data, correctable): " + ", ".join(f"`{k} = {v}`" for k, v in c.constants.items()))
    if isinstance(c.lhs, str):
        out.append(f"- sides: `{c.lhs}` {c.relation} `{c.rhs}`")
    if c.notes:
        out.append(f"- notes: {c.notes}")
    if c.checked:
        counts = res.counts
        out.append("- verdicts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        ratios = sorted(res.ratios()) if c.relation != "==" else []
        if ratios:
            out.append(f"- lhs/rhs over instances with rhs > 0: min {cell(ratios[0])}, "
                       f"median {cell(ratios[len(ratios) // 2])}, max {cell(ratios[-1])}")
        w = res.worst() if c.relation != "==" or res.refutations() else None
        if w is not None:
            out.append(f"- closest instance: `{w.instance['target']}`, sampler `{w.instance['sampler']}`, "
                       f"predictor `{w.instance['predictor']}`: lhs {cell(w.lhs, 10)}, rhs {cell(w.rhs, 10)} "
                       f"({w.status}; margin {w.margin})")
        st = res.closest_strict()
        if st is not None and st is not w:
            out.append(f"- closest instance with slack (certified, not tight): `{st.instance['target']}`, "
                       f"sampler `{st.instance['sampler']}`, predictor `{st.instance['predictor']}`: "
                       f"lhs/rhs = {cell(st.ratio, 8)}")
    for wt in res.witnesses:
        out.append(f"- witness `{wt['id']}` ({wt['kind']}): `{wt['path']}` — replay: `{wt['replay']}`")
    if res.summary:
        out += ["", *_md_summary(c.id, res.summary)]
    out.append("")
    return out


def _md_summary(cid: str, summary: dict) -> list:
    if summary.get("table_lines"):
        return ["```", *summary["table_lines"], "```"]
    if "best_lower_constant_by_s" in summary:
        rows = ["| s | best lower c(s) over the zoo | parity family (closed form 1/s) | witness |", "|---|---|---|---|"]
        par = summary.get("parity_ratio_by_s", {})
        for s, d in summary["best_lower_constant_by_s"].items():
            rows.append(f"| {s} | {cell(d['c'])} | {cell(par.get(s))} | `{d['witness']['target']}` `{d['witness']['sampler']}` |")
        return rows
    if "max_K_ekl_over_sum_I" in summary:
        table = summary["max_K_ekl_over_sum_I"]
        Ks = sorted({int(k) for d in table.values() for k in d})
        rows = ["| family | " + " | ".join(f"K={k}" for k in Ks) + " |", "|---|" + "---|" * len(Ks)]
        for fam, d in table.items():
            rows.append(f"| {fam} | " + " | ".join(cell(d.get(str(k), {}).get("value"), 4) for k in Ks) + " |")
        return ["max over each family's targets of K · E KL / Σ I_i (balanced:K, K < L, at the family's "
                "longest L in the grid):", "", *rows]
    if "value" in summary:
        w = summary["witness"]
        return [f"best constant ({summary['aggregate']} of `{summary['statistic']}`): **{cell(summary['value'], 8)}** "
                f"at `{w['target']}`, sampler `{w['sampler']}`, predictor `{w['predictor']}`"]
    return ["```", json.dumps(summary, indent=1, default=str), "```"]


def _plots(results: list, out: Path) -> list:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for res in results:
        s = res.summary
        if "max_K_ekl_over_sum_I" in s:
            fig, ax = plt.subplots(figsize=(8, 5))
            colours = plt.get_cmap("tab20").colors
            for n, (fam, d) in enumerate(s["max_K_ekl_over_sum_I"].items()):
                Ks = sorted(int(k) for k in d)
                ax.plot(Ks, [d[str(k)]["value"] for k in Ks], marker="o", label=fam,
                        color=colours[n % len(colours)], ls="--" if "q=3" in fam else "-")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.axhline(2, color="k", ls="--", lw=1, label="C_1 = 2 (from LC25.T1)")
            ax.set_xlabel("K (balanced blocks, K < L)")
            ax.set_ylabel("max K · E KL / Σ I_i")
            ax.set_title("LC25.RATE [abstract]: K · E KL / Σ I_i per family, longest L")
            ax.legend(fontsize=7, ncol=2)
            p = out / "LC25.RATE.png"
            fig.tight_layout()
            fig.savefig(p, dpi=110)
            plt.close(fig)
            paths.append(p)
        if "best_lower_constant_by_s" in s:
            fig, ax = plt.subplots(figsize=(6, 4))
            ss = sorted(int(k) for k in s["best_lower_constant_by_s"])
            ax.plot(ss, [s["best_lower_constant_by_s"][str(k)]["c"] for k in ss], marker="o", label="best c(s) over the zoo")
            par = s.get("parity_ratio_by_s", {})
            if par:
                ps = sorted(int(k) for k in par)
                ax.plot(ps, [par[str(k)] for k in ps], marker="s", label="parity code")
                ax.plot(ps, [1 / k for k in ps], "k--", lw=1, label="1/s")
            ax.set_xlabel("s = s_max")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_ylabel("max E KL / ((s/L) Σ I_i)")
            ax.set_title("LC25.T2 [reported, incomplete]: lower constant")
            ax.legend(fontsize=8)
            p = out / "LC25.T2.png"
            fig.tight_layout()
            fig.savefig(p, dpi=110)
            plt.close(fig)
            paths.append(p)
    return paths


def write_report(claims: list, profile: str, out: Path) -> list:
    """Run ``claims`` on ``profile`` and write report.md, report.json, plots and witnesses under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    results = run_and_print(claims, profile, out / "witnesses")
    elapsed = time.time() - t0
    plots = _plots(results, out)
    findings = [(r, w) for r in results for w in r.witnesses if w["kind"] == "refuted"]
    md = ["# Bound-tightness report", "",
          f"Profile `{profile}`; {sum(len(r.rows) for r in results)} instances; {elapsed:.0f} s. "
          "Natural logarithms; every KL is data first, KL(p ‖ ·). Verdicts are certified (exact rationals "
          "and ball arithmetic, CLAIMS.md §5): `certified` (enclosure of rhs − lhs ≥ 0), `tight` (equality "
          "proved exactly), `refuted` (certified counterexample), `undecided`. Ratios and best constants are "
          "floats, for reading only.", "",
          "Provenance tags:", ""]
    md += [f"- **{k}** — {v}" for k, v in PROVENANCE_LEGEND.items()]
    md += ["", "## Summary", "", "| claim | paper | provenance | relation | instances | certified | tight | refuted | undecided | max lhs/rhs |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.claim
        cnt = r.counts if c.checked else {}
        ratios = r.ratios() if c.relation != "==" else []
        md.append(f"| `{c.id}` | {c.paper} | {c.provenance} | {c.relation} | {len(r.rows)} | "
                  + " | ".join(str(cnt.get(k, "—")) for k in ("certified", "tight", "refuted", "undecided"))
                  + f" | {cell(max(ratios)) if ratios else '—'} |")
    md += ["", "## Findings", ""]
    if findings:
        for r, w in findings:
            md.append(f"- `{r.claim.id}` ({r.claim.provenance}) is refuted by witness `{w['id']}`: `{w['path']}`; "
                      f"replay with `{w['replay']}`.")
    else:
        md.append("No claim was refuted on this grid.")
    md += ["", "## Claims", ""]
    for r in results:
        md += _md_claim(r)
    if plots:
        md += ["## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots] + [""]
    (out / "report.md").write_text("\n".join(md))
    (out / "report.json").write_text(json.dumps({"profile": profile, "seconds": elapsed,
                                                 "results": [r.to_json() for r in results]}, indent=1) + "\n")
    return [out / "report.md", out / "report.json", *plots]
