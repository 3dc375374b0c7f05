"""The tightness report: per-claim tables, best constants, worst-case witnesses, plots.

``write_report`` takes the results of a run (``commands.run_and_print``) and writes
``report.md``, ``report.json``, the plots (png), the witnesses (``witnesses/*.json``, replayable
with ``verify measure``) and ``run.log`` (timings and date; the only file that changes between
identical runs). This module only formats and writes, through an ``output.Staging`` so an error
or Ctrl-C leaves the previous report whole; it imports check's data types, never the runner.
The same commit removes the report's own files that this run no longer writes (``stale_outputs``),
so an old plot or witness never sits beside the new report looking current.

Plots are generic. A claim's ``summary`` dict (from its ``summarize`` function) may carry
``"plots"``: a list of plot specs, each rendered to ``<name>.png`` and shown with its caption::

    {"name": "LC25.RATE",                 # file stem; unique across claims
     "title": "...", "caption": "...",     # figure title; markdown line under the image
     "ncols": 3,                           # panels per row (optional)
     "panels": [
        {"kind": "lines", "title": "...", "xlabel": "...", "ylabel": "...",
         "xscale": "linear" | "log", "yscale": "linear" | "log", "integer_x": bool,
         "series": [{"label": "...", "x": [...], "y": [...],
                     "style": "-" | "--" | ":", "marker": "o", "color": "C0"}],
         "hlines": [{"y": 2.0, "label": "..."}]},
        {"kind": "heatmap", "title": "...", "xlabel": "...", "ylabel": "...",
         "x": [column labels], "y": [row labels], "z": [[value or None per column] per row],
         "zlabel": "colour-bar label", "annotate": bool}]}

A summary may also carry ``"headline"`` (a short text for the summary table's best-constant column)
and ``"tables"``: ``[{"caption": "...", "header": [...], "rows": [[str or number, ...]], "digits": 4}]``,
rendered as markdown tables under the claim.
New claim families add plots by returning such dicts; nothing here names a claim.
"""
from __future__ import annotations

import datetime
import hashlib
import html
import json
import os
import re
import stat
import statistics

from pathlib import Path

from ..claims.all_laws import scope
from ..claims.check import ClaimResult, TargetCache, row_instance, undecided_reason
from ..claims.serialize import cell, to_float
from .report_scope import from_claims_file, generic_plot, grid_covered, grid_line, relative, replay_command

PROVENANCE_LEGEND = {
    "abstract": "stated in the paper's abstract (rate-level content only)",
    "reported": "explicit form as described by secondary summaries; constants plausible but unconfirmed",
    "reading": "our checkable formalisation of a paper's statement (an abstract-level claim, or a full-text statement rewritten in our notation)",
    "derived": "our own exact identity or bound; a failure would be a bug in the suite",
}


# ------------------------------------------------------------------ escaping
# Claim ids, statements, notes, constants and sides come from a reviewer's claims file: each goes
# into report.md through one of these, so no text can open an HTML element, an attribute, a link
# or a new markdown block. (A claims file's ids are already restricted to [A-Za-z0-9._+-].)


def _one_line(text) -> str:
    return " ".join(str(text).split())


def md_code(text, in_table: bool = False) -> str:
    """``text`` as an inline code span: literal in markdown (no HTML, no links); the fence is longer
    than any backtick run inside, and a table's ``|`` is escaped."""
    t = _one_line(text)
    if in_table:
        t = t.replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", t)), default=0)
    fence = "`" * (run + 1)
    pad = " " if t.startswith("`") or t.endswith("`") else ""
    return f"{fence}{pad}{t}{pad}{fence}"


# Parentheses and "!" are left alone: without "[" (escaped) they form no link or image, and "\\(" would
# read as inline math to some renderers.
_MD_ACTIVE = re.compile(r"([\\`*_\[\]#|$~])")


def md_text(text) -> str:
    """Prose (notes, KL direction) as literal markdown: HTML characters as entities, markdown
    punctuation backslash-escaped, one line."""
    return _MD_ACTIVE.sub(r"\\\1", html.escape(_one_line(text), quote=False))


def md_math(text) -> str:
    """A LaTeX statement for a ``$$ … $$`` block: one line; ``$`` cannot close the block and
    ``< > &`` are LaTeX commands, never HTML; ``](`` gets a thin space, so it never forms a link."""
    t = _one_line(text).replace("\\$", "$").replace("$", "\\$")
    t = t.replace("&", "\\&").replace("<", "\\lt ").replace(">", "\\gt ")
    return t.replace("](", "]\\,(")  # a renderer without math never sees a link: [x](y) needs "]("


def check_lines(res: ClaimResult) -> list:
    c = res.claim
    lines = [f"{c.id}  [{c.paper}, {c.provenance}]  {c.relation}  grid={c.grid}  "
             f"instances={len(res.rows)}  ({res.seconds:.1f} s)"]
    lines.append(f"  holds for: {scope(c)}")
    if c.checked:
        counts = res.counts
        undefined = res.undefined_rows()
        lines.append("  verdicts: " + "  ".join(f"{k}={v}" for k, v in counts.items())
                     + f"  (undefined: {len(undefined)}, not a verdict)")
        for r in undefined[:UNDEFINED_SHOWN]:
            lines.append(f"  undefined: {r.instance['target']}  sampler={r.instance['sampler']}  "
                         f"predictor={r.instance['predictor']}: {r.margin}")
        if len(undefined) > UNDEFINED_SHOWN:
            lines.append(f"  undefined: … and {len(undefined) - UNDEFINED_SHOWN} more (all in --json)")
        lines += [f"  {line}" for line in scope_lines(res)]
        if res.all_undefined():
            lines.append(f"  every instance is undefined: {c.id} is checked on none")
        ratios = res.ratios()
        if ratios:
            ratios.sort()
            lines.append(f"  lhs/rhs: min={cell(ratios[0])}  median={cell(ratios[len(ratios) // 2])}  max={cell(ratios[-1])}")
        w = res.worst()
        if w is not None:
            lines.append(f"  worst: {w.instance['target']}  sampler={w.instance['sampler']}  "
                         f"predictor={w.instance['predictor']}  lhs={cell(w.lhs)} rhs={cell(w.rhs)} ({w.status})"
                         + (f"  ray k={w.instance['ray']}: {w.instance['witness']} (units of log q)"
                            if w.instance.get("witness") else ""))
    if res.summary.get("table_lines"):
        lines += res.summary["table_lines"]
    elif res.summary:
        brief = {k: v for k, v in res.summary.items() if k not in ("plots", "tables", "table_lines")}
        lines.append("  summary: " + json.dumps(brief, default=str)[:300])
    for wt in res.witnesses:
        lines.append(f"  witness ({wt['kind']}): {wt['path']}")
    return lines


UNDEFINED_SHOWN = 5  # undefined instances listed per claim in the text outputs; the JSON lists all


def scope_lines(res: ClaimResult) -> list:
    """Skipped counts (outside the claim's samplers/where) and the reason of each undecided row shown."""
    out = []
    if res.skipped:
        out.append("skipped (outside the claim's " + " / ".join(res.skipped) + ", not a verdict): "
                   + ", ".join(f"{n} by {k}" for k, n in res.skipped.items()))
    undecided = res.undecided_rows()
    for r in undecided[:UNDEFINED_SHOWN]:
        out.append(f"undecided: {r.instance['target']}  sampler={r.instance['sampler']}  "
                   f"predictor={r.instance['predictor']}: {undecided_reason(r)}")
    if len(undecided) > UNDEFINED_SHOWN:
        out.append(f"undecided: … and {len(undecided) - UNDEFINED_SHOWN} more (all with their reason in the JSON)")
    return out


def print_check_table(res: ClaimResult) -> None:
    print("\n".join(check_lines(res)), flush=True)


def _md_claim(res: ClaimResult, where: Path | None = None, claims_files=()) -> list:
    c = res.claim
    out = [f"### {md_code(c.id)} — {md_text(c.paper)}, provenance **{md_text(c.provenance)}**", "",
           f"$$ {md_math(c.statement)} $$", "",
           f"- relation: `{c.relation}`; KL direction: {md_text(c.kl_direction)}; grid: `{c.grid}`; "
           f"predictors: {md_text(', '.join(c.predictors))}; instances: {len(res.rows)}",
           f"- grid covered: {md_text(grid_line(res))}",
           f"- verdicts hold for: {md_text(scope(c))}"]
    if c.constants:
        out.append("- constants (data, correctable): " + ", ".join(md_code(f"{k} = {v}") for k, v in c.constants.items()))
    if isinstance(c.lhs, str):
        # The claim's JSON form names python sides (python:<function>), never a memory address,
        # so the report stays identical across runs.
        sides = c.to_json()
        out.append(f"- sides: {md_code(sides['lhs'])} {c.relation} {md_code(sides['rhs'])}")
    if c.notes:
        out.append(f"- notes: {md_text(c.notes)}")
    if c.checked:
        counts = res.counts
        out.append("- verdicts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        undefined = res.undefined_rows()
        if undefined:
            out.append(f"- undefined instances (a side has no value there; not a verdict): {len(undefined)}"
                       + (" — **every instance**: the claim is checked on none" if res.all_undefined() else ""))
            for r in undefined[:UNDEFINED_SHOWN]:
                out.append(f"  - {md_code(r.instance['target'])}, sampler {md_code(r.instance['sampler'])}, "
                           f"predictor {md_code(r.instance['predictor'])}: {md_text(r.margin)}")
            if len(undefined) > UNDEFINED_SHOWN:
                out.append(f"  - … and {len(undefined) - UNDEFINED_SHOWN} more (all listed in report.json)")
        out += [f"- {md_text(line)}" for line in scope_lines(res)]
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
    shown = 5  # a refuted claim can have a witness per instance; all are saved, a few are listed
    for wt in res.witnesses[:shown]:
        link = _rel(wt["path"], where) if where is not None else wt["path"]
        replay = replay_command(wt, where, claims_files) if where is not None else wt["replay"]
        out.append(f"- witness [{md_code(wt['id'])}](<{_link(link)}>) ({wt['kind']}) — replay: {md_code(replay)}")
    if len(res.witnesses) > shown:
        out.append(f"- … and {len(res.witnesses) - shown} more witnesses under {md_code(f'witnesses/{c.id}-*.json')}")
    vac = vacuous_counts(res)
    if any(vac.values()):
        out.append("- vacuous right side (an upper bound above a trivial one): "
                   + ", ".join(f"{n} instances above {k}" for k, n in vac.items() if n))
    if res.summary:
        out += ["", *_md_summary(c.id, res.summary)]
    out.append("")
    return out


def _md_summary(cid: str, summary: dict) -> list:
    """A summary as markdown: its tables (generic shape, module docstring), its best constant, or JSON."""
    out = []
    if summary.get("table_lines"):
        out += ["```", *summary["table_lines"], "```", ""]
    for t in summary.get("tables", []):
        if t.get("caption"):
            out += [t["caption"], ""]
        out += ["| " + " | ".join(t["header"]) + " |", "|" + "---|" * len(t["header"])]
        out += ["| " + " | ".join(v if isinstance(v, str) else cell(v, t.get("digits", 6)) for v in row) + " |"
                for row in t["rows"]]
        out.append("")
    if "value" in summary:
        w = summary["witness"]
        out.append(f"best constant ({summary['aggregate']} of `{summary['statistic']}`): **{cell(summary['value'], 8)}** "
                   f"at `{w['target']}`, sampler `{w['sampler']}`, predictor `{w['predictor']}`")
    elif not out:
        rest = {k: v for k, v in summary.items() if k not in ("plots", "headline", "tables", "table_lines")}
        if rest:
            out += ["```", json.dumps(rest, indent=1, default=str), "```"]
        elif "headline" in summary:
            out.append(summary["headline"])
    return out


# ------------------------------------------------------------------ vacuity

def _ln(x: float) -> float:
    import math

    return math.log(x)


# Trivial upper bounds on a checked claim's left side, by its symbol: an upper bound (``<=``) whose
# right side exceeds one says nothing the trivial bound does not. KL-type ceilings hold for the
# perfect predictor only (an imperfect predictor's KL is unbounded). TC is the one-block error, the
# largest expected KL of any uniform-position schedule (docs/index.md §8, block costs). H is no
# ceiling for KL: the copy law has TC = (L − 1) H.
_KL = (("L log q", lambda i: i.target.L * _ln(i.target.q)), ("TC", lambda i: to_float(i.value("TC"))))
CEILINGS = {
    "expected_kl": _KL, "expected_kl_perfect": _KL, "mixture_kl": _KL, "plan_kl": _KL, "chain_tc": _KL,
    "ter_gap": (("log q", lambda i: _ln(i.target.q)),),
    "ser": (("1", lambda i: 1.0),), "tv": (("1", lambda i: 1.0),),
    "T": (("L", lambda i: float(i.target.L)),),
}
PERFECT_ONLY = {"expected_kl", "mixture_kl", "plan_kl", "ter_gap"}


def vacuous_counts(res: ClaimResult) -> dict:
    """{ceiling label: number of rows whose rhs exceeds it} for an upper bound on a known symbol."""
    c = res.claim
    if c.relation != "<=" or not isinstance(c.lhs, str) or c.lhs.strip() not in CEILINGS or c.grid == "all-laws":
        return {}
    if res._vacuous is not None:  # the report asks three times (summary, section, json)
        return dict(res._vacuous)
    sym = c.lhs.strip()
    out = {label: 0 for label, _ in CEILINGS[sym]}
    # Rows of a distributed run, and rows detached after their target was released
    # (TargetCache.claim_done), come without their instance: rebuilt here, once per target (the
    # ceilings read the target alone) and dropped as soon as its ceilings are read.
    rebuilt = TargetCache()
    ceilings: dict = {}  # target spec → [ceiling(instance) for each ceiling of the symbol]
    for r in res.rows:
        if r.rhs is None:
            continue
        if sym in PERFECT_ONLY and r.instance["predictor"] != "perfect":
            continue
        spec = r.instance["target"]
        if spec not in ceilings:
            inst = row_instance(c, r, rebuilt)
            ceilings[spec] = [ceiling(inst) for _, ceiling in CEILINGS[sym]]
            rebuilt.release(spec)
        for (label, _), top in zip(CEILINGS[sym], ceilings[spec]):
            if r.rhs > top * (1 + 1e-12):  # display only; verdicts never read this
                out[label] += 1
    res._vacuous = dict(out)
    return out


# ------------------------------------------------------------------ plots (generic)

def render_plot(spec: dict, out: Path, stage=None) -> Path:
    """Draw one plot spec (module docstring) to ``out/<name>.png``, byte-reproducibly (into the
    staging area when ``stage`` is given; the returned path is the destination)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = _shared_colour_scale(spec["panels"])
    # At most MAX_COLS panels a row: a markdown page shows an image at most about 900 px wide, and
    # a wider figure would be scaled down until its legends and ticks are unreadable.
    ncols = min(spec.get("ncols", 1), len(panels), MAX_COLS)
    nrows = -(-len(panels) // ncols)
    w, h = spec.get("panel_size", (8, 5) if len(panels) == 1 else (4.5, 3.6))
    h += max(_legend_rows(p) for p in panels) * 0.2  # room for a legend drawn below its axes
    with matplotlib.rc_context({"svg.hashsalt": "verify", "path.simplify": False, "font.size": 9}):
        fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows), squeeze=False)
        for ax, panel in zip(axes.flat, panels):
            _draw_panel(fig, ax, panel)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        fig.suptitle(spec.get("title", spec["name"]), fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (h * nrows)))  # the title kept clear of the panels
        path = out / f"{spec['name']}.png"
        # No software/date metadata: regenerated PNGs are identical byte for byte. format="png":
        # the staged name has no suffix, and matplotlib would otherwise write "<name>.png" beside it.
        fig.savefig(stage.path(path) if stage is not None else path, dpi=spec.get("dpi", 100),
                    format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.1)
        plt.close(fig)
    return path


MAX_COLS = 2
LEGEND_SIZE = 8  # points: readable at the size the report shows a figure (100 dpi, at most ~900 px wide)
LEGEND_INSIDE = 6  # legend entries drawn inside the axes; more go below them
MARKERS = "os^vDPX*<>"
STYLES = ("-", "--", "-.", ":")


def _legend_rows(panel: dict) -> int:
    """Rows of a legend drawn below the axes (two columns), 0 when it fits inside."""
    n = sum(1 for sr in panel.get("series", []) if sr.get("label") and sr.get("x")) + sum(
        1 for hl in panel.get("hlines", []) if hl.get("label"))
    return -(-n // max(panel.get("legend_cols", 1), 2)) + 1 if n > LEGEND_INSIDE else 0


def _shared_colour_scale(panels: list) -> list:
    """Heatmap panels of one figure on one colour scale (a colour means the same value in every
    panel): vmin/vmax of all their cells, unless a panel sets its own."""
    import math

    heat = [p for p in panels if p.get("kind") == "heatmap"]
    vals = [v for p in heat for row in p["z"] for v in row if v is not None and math.isfinite(v)]
    if len(heat) < 2 or not vals:
        return panels
    lo, hi = min(0.0, min(vals)), max(vals)
    return [{"vmin": lo, "vmax": hi, **p} if p.get("kind") == "heatmap" else p for p in panels]


def _shared_points(a: dict, b: dict) -> list:
    """The x values where series a and b draw the same point (1e-9 relative: a display test only)."""
    import math

    at = dict(zip(a["x"], a["y"]))
    return [x for x, y in zip(b["x"], b["y"])
            if x in at and math.isclose(at[x], y, rel_tol=1e-9, abs_tol=1e-12)]


def coinciding(panel: dict) -> list:
    """[(i, j, xs)]: line j draws the same points as an earlier line i at the x values ``xs`` (at
    least two of them, or all of j's, and at least half of j's points), so that j would hide i
    there; i is the earlier line sharing the most points. Scatter series (style "none") are left
    out: points of different series falling together there are data, not a hidden curve."""
    series = [sr for sr in panel.get("series", []) if sr.get("x")]
    out = []
    for j, b in enumerate(series):
        if b.get("style") == "none":
            continue
        best = max(((len(xs), i, xs) for i, a in enumerate(series[:j]) if a.get("style") != "none"
                    for xs in [_shared_points(a, b)]), default=(0, None, []))
        n, i, xs = best
        if n > 0 and n >= min(2, len(b["x"])) and 2 * n >= len(b["x"]):
            out.append((i, j, xs))
    return out


def coincidence_notes(spec: dict) -> list:
    """One note per series drawn over another: "B coincides with A [at x = ...]" (panel title first)."""
    notes = []
    for panel in spec.get("panels", []):
        series = [sr for sr in panel.get("series", []) if sr.get("x")]
        for i, j, xs in coinciding(panel):
            a, b = series[i].get("label") or f"series {i + 1}", series[j].get("label") or f"series {j + 1}"
            where = "" if len(xs) == len(series[j]["x"]) == len(series[i]["x"]) else \
                f" at {panel.get('xlabel', 'x').split(' ')[0]} = {', '.join(f'{x:g}' for x in xs)}"
            notes.append((f"{panel['title']}: " if panel.get("title") else "") + f"{b} coincides with {a}{where}")
    return notes


def _draw_panel(fig, ax, panel: dict) -> None:
    import numpy as np

    if panel.get("kind", "lines") == "heatmap":
        z = np.array([[np.nan if v is None else v for v in row] for row in panel["z"]], dtype=float)
        top = panel.get("vmax", np.nanmax(z) if np.isfinite(z).any() else 1)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap=panel.get("cmap", "viridis"),
                       vmin=panel.get("vmin", 0.0), vmax=top)
        ax.set_xticks(range(len(panel["x"])), [str(v) for v in panel["x"]])
        ax.set_yticks(range(len(panel["y"])), [str(v) for v in panel["y"]])
        if panel.get("annotate"):
            for (i, j), v in np.ndenumerate(z):
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                            color="w" if v < 0.6 * top else "k")
        fig.colorbar(im, ax=ax, label=panel.get("zlabel", ""))
    else:
        series = [sr for sr in panel.get("series", []) if sr["x"]]
        hidden = {j: i for i, j, _ in coinciding(panel)}
        depth: dict = {}
        for n, sr in enumerate(series):
            # A series without its own marker gets one of its own, so overlapping lines stay apart;
            # one drawn over an earlier series is drawn hollow, larger and dotted, and says so.
            marker = sr.get("marker") or MARKERS[n % len(MARKERS)]
            label, style, face, size = sr.get("label"), sr.get("style", "-"), None, 5
            if n in hidden:
                under = series[hidden[n]]
                depth[n] = depth.get(hidden[n], 0) + 1  # a series over one that is itself over another: larger
                label = f"{label} (over {under.get('label') or f'series {hidden[n] + 1}'})" if label else None
                # dotted unless its own style already differs from the line under it
                style = ":" if style == under.get("style", "-") else style
                face, size = "none", min(5 + 3 * depth[n], 11)
                mine = under.get("marker") or MARKERS[hidden[n] % len(MARKERS)]
                if marker == mine:
                    marker = MARKERS[(MARKERS.index(mine) + 1) % len(MARKERS)] if mine in MARKERS else "o"
            ax.plot(sr["x"], sr["y"], linestyle=style, marker=marker, color=sr.get("color"), label=label,
                    markersize=size, markerfacecolor=face, lw=1.4)
        for n, hl in enumerate(panel.get("hlines", [])):
            ax.axhline(hl["y"], color=hl.get("color", "k"), ls=hl.get("style", STYLES[(n + 1) % len(STYLES)]),
                       lw=1.2, label=hl.get("label"))
        ax.set_xscale(panel.get("xscale", "linear"))
        ax.set_yscale(panel.get("yscale", "linear"))
        xs = sorted({v for sr in panel.get("series", []) for v in sr["x"]})
        if panel.get("integer_x") and panel.get("xscale") == "log" and xs:
            from matplotlib.ticker import NullFormatter, NullLocator

            ax.set_xticks(xs, [f"{v:g}" for v in xs])  # integer ticks, not 2×10^0
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_minor_formatter(NullFormatter())
        elif panel.get("integer_x"):
            ax.xaxis.get_major_locator().set_params(integer=True)
        if any(sr.get("label") for sr in panel.get("series", [])) or panel.get("hlines"):
            entries = len(ax.get_legend_handles_labels()[1])
            if entries > LEGEND_INSIDE:  # below the axes, never over the curves; the saved image grows to hold it
                ax.legend(fontsize=max(panel.get("legend_size", LEGEND_SIZE), LEGEND_SIZE), loc="upper center",
                          bbox_to_anchor=(0.5, -0.16), ncol=max(panel.get("legend_cols", 1), 2), framealpha=0.85)
            else:
                ax.legend(fontsize=max(panel.get("legend_size", LEGEND_SIZE), LEGEND_SIZE),
                          ncol=panel.get("legend_cols", 1), framealpha=0.85)
        ax.grid(True, which="both", alpha=0.3)
    ax.set_xlabel(panel.get("xlabel", ""))
    ax.set_ylabel(panel.get("ylabel", ""))
    if panel.get("title"):
        ax.set_title(panel["title"], fontsize=9)


def plots_of(results: list, out: Path, stage=None) -> list:
    """(path, caption, claim, coincidence notes) for every plot spec in the results' summaries, in
    registry order; a claim from a claims file whose summary draws none gets the generic plot
    (``report_scope.generic_plot``), drawn by the same renderer."""
    made = []
    for res in results:
        specs = list(res.summary.get("plots", [])) if res.summary else []
        if not specs and from_claims_file(res.claim):
            specs = [p for p in (generic_plot(res),) if p is not None]
        for spec in specs:
            made.append((render_plot(spec, out, stage), spec.get("caption", ""), res.claim, coincidence_notes(spec)))
    return made


# ------------------------------------------------------------------ report

def _rel(path: str, out: Path) -> str:
    """A witness path relative to the report directory (links work wherever the report is)."""
    return relative(path, out)


def _ratio_stats(res: ClaimResult):
    ratios = sorted(res.ratios()) if res.claim.relation != "==" else []
    if not ratios:
        return None
    return ratios[0], statistics.median(ratios), ratios[-1]


def _headline(res: ClaimResult) -> str:
    s = res.summary or {}
    if "headline" in s:
        return s["headline"]
    if "value" in s:
        return f"{s['aggregate']} {s['statistic']} = {cell(s['value'], 6)}"
    return "—"


def _summary_table(results: list, out: Path) -> list:
    md = ["| claim | paper | provenance | relation | instances | certified | tight | refuted | undecided | "
          "undefined | lhs/rhs min · median · max | best constant | vacuous rhs | worst witness |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r.claim
        cnt = r.counts if c.checked else {}
        st = _ratio_stats(r)
        ratio = " · ".join(cell(v, 4) for v in st) if st else "—"
        vac = vacuous_counts(r)
        vac_txt = ", ".join(f"{n} above {k}" for k, n in vac.items() if n) or ("none" if vac else "—")
        wit = [w for w in r.witnesses if w["kind"] == "refuted"] or [w for w in r.witnesses if w["kind"] == "worst"]
        wtxt = f"[{md_code(wit[0]['id'], True)}](<{_link(_rel(wit[0]['path'], out))}>)" if wit else "—"
        undef = str(len(r.undefined_rows())) if c.checked else "—"
        md.append(f"| [{md_code(c.id, True)}](#{_anchor(c.id)}) | {c.paper} | {c.provenance} | {c.relation} | "
                  f"{len(r.rows)} | "
                  + " | ".join(str(cnt.get(k, "—")) for k in ("certified", "tight", "refuted", "undecided"))
                  + f" | {undef} | {ratio} | {_headline(r)} | {vac_txt} | {wtxt} |")
    return md


def _anchor(cid: str) -> str:
    """An HTML id safe in an attribute and a URL fragment: ``[a-z0-9-]`` only. An id that needed
    more than lower-casing and ``.`` → ``-`` gets a short hash, so two ids never share an anchor."""
    low = cid.lower()
    safe = re.sub(r"[^a-z0-9-]", "-", low.replace(".", "-"))
    if re.fullmatch(r"[a-z0-9.-]*", low) is None:
        safe += "-" + hashlib.sha256(cid.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return "claim-" + safe


def _link(path: str) -> str:
    """A relative path inside ``<…>`` link syntax: no ``<``, ``>`` or newline can end it early."""
    return str(path).replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A").replace(" ", "%20")


PROVENANCE_FAILURE = {
    "abstract": "the paper's own (abstract-level) statement fails on this instance",
    "reported": "the explicit form taken from secondary summaries fails; the paper's exact constants may differ",
    "reading": "our formalisation of an abstract-level claim fails; the paper itself may be fine",
    "derived": "a bug in the suite (our own identity or bound), never a finding",
}


def _known_refutations(results: list, out: Path, claims_files=()) -> list:
    md = ["## Known refutations", "",
          "A refutation is a certified counterexample with exact inputs. What it means depends on the claim's "
          "provenance:", ""]
    md += [f"- **{k}**: {v}." for k, v in PROVENANCE_FAILURE.items()]
    md.append("")
    rows = []
    for r in results:
        c = r.claim
        saved = {w["id"]: w for w in r.witnesses if w["kind"] == "refuted"}
        for wid in c.known_refutations:  # recorded findings, one row each
            w = saved.get(wid)
            where = f"[{md_code(wid, True)}](<{_link(_rel(w['path'], out))}>)" if w else md_code(wid, True)
            rows.append(f"| {md_code(c.id, True)} | {c.paper} | {c.provenance} | {PROVENANCE_FAILURE[c.provenance]} | "
                        f"{where} | recorded{'' if w else ' (not reproduced on this grid)'} | "
                        f"{md_code(replay_command(w, out, claims_files), True) if w else '—'} |")
        new = r.unknown_refutations() if c.checked else []  # every refuted instance, saved or not
        if new:  # one row per claim: the first new refutation (a saved one if any) and how many more
            w = next((x for x in new if x.get("path")), new[0])
            more = f" and {len(new) - 1} more" if len(new) > 1 else ""
            where = (f"[{md_code(w['id'], True)}](<{_link(_rel(w['path'], out))}>)" if w.get("path")
                     else md_code(w["id"], True))
            rows.append(f"| {md_code(c.id, True)} | {c.paper} | {c.provenance} | {PROVENANCE_FAILURE[c.provenance]} | "
                        f"{where}{more} | **new: {len(new)} refuted instances not recorded as known "
                        f"(of {len(r.refutations())})** | "
                        f"{md_code(replay_command(w, out, claims_files), True) if w.get('path') else '—'} |")
    if rows:
        md += ["| claim | paper | provenance | what fails | witness | status | replay |",
               "|---|---|---|---|---|---|---|", *rows]
    else:
        md.append("No claim is refuted on this grid, and none records a known refutation.")
    return md + [""]


PROJECT = Path(__file__).resolve().parents[2]


def _docs_link(out: Path, name: str = "index.md") -> str | None:
    """The project's docs page relative to a report inside the project; None for a report written
    elsewhere (a link would name a path on the writer's machine: the page is then named, not linked)."""
    try:
        out.resolve().relative_to(PROJECT)
    except ValueError:
        return None
    return os.path.relpath(PROJECT / "docs" / name, out.resolve())


def _docs_ref(out: Path, text: str, name: str = "index.md") -> str:
    """``[text](relative path)`` inside the project, else the page by name (dlm-verify's docs/NAME)."""
    link = _docs_link(out, name)
    if link:
        return f"[{text}]({_link(link)})"
    return f"`docs/{name}` of the dlm-verify project" if text == f"docs/{name}" else \
        f"{text} (`docs/{name}` of the dlm-verify project)"


# The names of the report's witnesses (verify/claims/check.py ``_witness_id``: ``<claim>-<10 hex>``,
# enumerated and profile rows; verify/claims/all_laws.py ``witness_id``: ``<claim>-L<n>-k<ray>``).
# ``verify search`` writes ``<claim>-search-<10 hex>`` into the same default folder: never the report's.
REPORT_WITNESS = re.compile(r"[A-Za-z0-9._+-]+-(?:[0-9a-f]{10}|L[0-9]+-k[0-9]+)\.json")
SEARCH_WITNESS = re.compile(r".*-search-[0-9a-f]{10}\.json")


def _recorded_plots(out: Path) -> list:
    """The plot files the previous report in ``out`` says it wrote (its report.json ``plots``):
    plain ``*.png`` names only, so a damaged or edited report.json can name nothing elsewhere."""
    try:
        names = json.loads((out / "report.json").read_text(encoding="utf-8")).get("plots", [])
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(names, list):
        return []
    return [out / n for n in names if isinstance(n, str) and n.endswith(".png") and not n.startswith(".")
            and n == Path(n).name and "\\" not in n]


def stale_outputs(out: Path, written) -> list:
    """The report's own files under ``out`` that this run does not write (``written``: its paths).

    The report's own files are (1) the plots the previous report recorded in its report.json
    (plot names are free text, so a ``*.png`` of the user's is never taken for one) and (2) the
    witnesses ``out/witnesses/<claim>-<10 hex>.json`` and ``<claim>-L<n>-k<ray>.json`` (the names
    ``verify check`` also gives its witnesses, so those in the report's folder count as the
    report's). Everything else — other names, search witnesses, sub-folders, links, special
    files — is never the report's and is left alone."""
    keep = {os.path.abspath(p) for p in written}
    candidates = _recorded_plots(out)
    wdir = out / "witnesses"
    try:
        if not wdir.is_symlink():  # a linked folder is someone else's (the command refuses it anyway)
            candidates += [e for e in wdir.iterdir()
                           if REPORT_WITNESS.fullmatch(e.name) and not SEARCH_WITNESS.fullmatch(e.name)]
    except OSError:  # no witnesses folder (yet), or not a folder: nothing of ours there
        pass
    stale = []
    for p in candidates:
        try:
            regular = stat.S_ISREG(os.lstat(p).st_mode)  # a regular file, never through a link
        except OSError:
            continue
        if regular and os.path.abspath(p) not in keep:
            stale.append(p)
    return sorted(set(stale))


def write_report(results: list, profile: str, out: Path, elapsed: float, stage=None,
                 command: str | None = None, claims_files=()) -> list:
    """Write report.md, report.json, plots, witnesses and run.log of ``results`` (run on ``profile``
    with witnesses recorded under ``out / "witnesses"``) under ``out``.

    The compared files (report.md, report.json, *.png, witnesses) hold no timing or date, so a
    regeneration with the same profile and claims is identical byte for byte; timings go to
    ``run.log``. With ``stage`` (an ``output.Staging``) every file goes to the staging area and
    only the caller's ``stage.commit()`` moves them under ``out``; without it this function stages
    and commits itself.

    The report's own files that this run does not write (``stale_outputs``: earlier plots and
    witnesses) are removed by the same commit, so a failed or interrupted run leaves them too.

    ``command`` is the command line that regenerates the report (``report_scope.regenerate_command``;
    default: the profile alone), ``claims_files`` the claims files of the run (named in the replay
    commands, relative to ``out``). Every link is relative: witnesses and plots inside ``out``, the
    project's docs only when ``out`` is inside the project (named otherwise).
    """
    from ..output import Staging

    if stage is None:
        with Staging(out) as own:
            paths = write_report(results, profile, out, elapsed, own, command, claims_files)
            own.commit()
        return paths
    for r in results:
        for path, text in r.witness_files:
            stage.write_text(path, text)
    plots = plots_of(results, out, stage)
    docs = _docs_link(out)
    command = command or f"verify report --profile {profile}"
    md = ["# Bound-tightness report", "",
          f"Profile `{profile}`; {len(results)} claims; {sum(len(r.rows) for r in results)} instances. "
          "Natural logarithms; every KL is data first, KL(p ‖ ·). Verdicts are certified (exact rationals "
          f"and ball arithmetic; see {_docs_ref(out, 'the mathematical reference')}, §5 and §7): `certified` (enclosure "
          "of rhs − lhs ≥ 0), `tight` (equality proved exactly), `refuted` (certified counterexample), "
          "`undecided`. Ratios, best constants and plots are floats, for reading only.", "",
          "Scope: claims on grid `all-laws` hold for every law of every alphabet at their listed lengths and "
          "samplers (" + (", ".join(f"`{r.claim.id}`" for r in results
                                   if r.claim.grid == "all-laws" and not getattr(r.claim, "scope_note", None))
                         or "none here")
          + f"; decided on the rays of the profile cone, {_docs_ref(out, 'docs/cone.md', 'cone.md')}); every other "
          "verdict holds for the listed instances only (an `all-laws` claim with a note of its own, such as a plot on "
          "listed targets, says so in its section). Each claim's section states the grid it covered "
          "(L per q, target families, samplers, predictors).", "",
          f"Every claim's statement, notation and provenance are explained in {_docs_ref(out, 'docs/index.md')}. "
          f"Regenerate with {md_code(command)}; the output is identical byte for byte "
          "(timings are in `run.log`). Replay commands run from this report's folder: `verify replay` "
          "recomputes a witness from its exact inputs and prints both sides and the certified verdict.", "",
          "Provenance tags:", ""]
    md += [f"- **{k}** — {v}" for k, v in PROVENANCE_LEGEND.items()]
    md += ["", "## Summary", "",
           "lhs/rhs is over instances with rhs > 0. *Best constant* is the claim's statistic at its extreme "
           "(or the summary's headline). *Vacuous rhs* counts instances where an upper bound exceeds a trivial "
           "one (L log q or TC for KL with the perfect predictor, 1 for SER and TV, L for iteration counts).", "",
           *_summary_table(results, out), ""]
    md += _known_refutations(results, out, claims_files)
    md += ["## Claims", ""]
    for r in results:
        md += [f'<a id="{_anchor(r.claim.id)}"></a>', ""] + _md_claim(r, out, claims_files)
    if plots:
        md += ["## Plots", ""]
        for path, caption, claim, notes in plots:
            md += [f"### {md_text(path.stem)} ({md_code(claim.id)}, {claim.provenance})", "",
                   f"![{md_text(path.stem)}](<{_link(path.name)}>)", ""]
            if caption:
                md += [caption, ""]
            if notes:
                md += ["Coinciding series (drawn one over the other; told apart by marker and line style): "
                       + "; ".join(md_text(n) for n in notes) + ".", ""]
    stage.write_text(out / "report.md", "\n".join(md))
    stage.write_text(out / "report.json", json.dumps({
        "profile": profile,
        "docs": docs or "docs/index.md of the dlm-verify project",
        "command": command,
        "results": [_result_json(r, out, claims_files) for r in results],
        "plots": [p.name for p, *_ in plots],
    }, indent=1) + "\n")
    _run_log(out, command, results, elapsed, stage)
    written = [dest for _, dest, _ in stage.files]
    for path in stale_outputs(out, written):
        stage.remove(path)
    return [out / "report.md", out / "report.json", *(p for p, *_ in plots)]


def _result_json(res: ClaimResult, out: Path, claims_files=()) -> dict:
    d = res.to_json()
    d.pop("seconds", None)
    d["vacuous_rhs"] = vacuous_counts(res)
    d["grid_covered"] = grid_covered(res)
    # The claim's file: the package's by its name in the project, a claims file relative to the report
    # (an absolute path would name the writer's machine, and differ between two checkouts).
    src = d["claim"].get("source")
    if src:
        inside = Path(src).resolve().is_relative_to(PROJECT)
        d["claim"]["source"] = Path(src).resolve().relative_to(PROJECT).as_posix() if inside else relative(src, out)
    # Witness paths and replay commands relative to the report's folder (it may be moved).
    d["witnesses"] = [{**w, "path": relative(w["path"], out), "replay": replay_command(w, out, claims_files)}
                      for w in res.witnesses]
    if isinstance(d.get("summary"), dict):
        d["summary"] = {k: v for k, v in d["summary"].items() if k != "plots"}
    return d


def _run_log(out: Path, command: str, results: list, elapsed: float, stage) -> None:
    """Timings and the date: kept out of the compared files."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"{command}: {stamp}, {elapsed:.1f} s"]
    lines += [f"  {r.claim.id:<14} {len(r.rows):>7} instances  {r.seconds:8.1f} s" for r in results]
    stage.write_text(out / "run.log", "\n".join(lines) + "\n")
