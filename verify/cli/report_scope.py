"""What a report says about its own run: the grid each claim covered, the command that regenerates
it, the replay command of a witness (relative to the report), and the generic plot of a claim from a
claims file whose summary draws none.

Pure functions of a run's results (``check.ClaimResult``) and its arguments; ``report.py`` prints
them. Nothing here decides a verdict: the generic plot's ratios are floats, for reading only.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

from ..claims.check import ClaimResult, family_of

PACKAGE_CLAIMS = Path(__file__).resolve().parents[2] / "proofs_numeric"
MAX_LISTED = 8  # families or samplers named per claim; the rest counted


def _ints(values) -> str:
    vals = sorted(set(values))
    if len(vals) > 2 and vals == list(range(vals[0], vals[-1] + 1)):
        return f"{vals[0]}..{vals[-1]}"
    return ", ".join(map(str, vals))


def _listed(names: list) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def grid_covered(res: ClaimResult) -> dict:
    """The grid a claim was run on, from its instances: {"L_by_q": {q: [L, ...]}, "families",
    "samplers": {kind: number of specs}, "predictors"}; on grid all-laws q is every alphabet."""
    rows = res.rows
    by_q: dict = {}
    fams: list = []
    kinds: dict = {}
    preds: list = []
    for r in rows:
        d = r.instance
        q = "any" if d.get("q") is None else d["q"]
        by_q.setdefault(q, set()).add(d["L"])
        fam = family_of(d["target"])
        if fam not in fams:
            fams.append(fam)
        if d.get("sampler"):
            kinds.setdefault(d["sampler"].split(":", 1)[0], set()).add(d["sampler"])
        if d.get("predictor") and d["predictor"] not in preds:
            preds.append(d["predictor"])
    return {"L_by_q": {str(q): sorted(Ls) for q, Ls in sorted(by_q.items(), key=lambda kv: str(kv[0]))},
            "families": fams, "samplers": {k: len(v) for k, v in kinds.items()}, "predictors": preds}


def grid_line(res: ClaimResult) -> str:
    """One line: ``L`` per ``q``, families, samplers (kind and number of specs), predictors."""
    g = grid_covered(res)
    if not res.rows:
        return "no instance"
    c = res.claim
    if c.grid == "all-laws":
        head = f"every law of every alphabet (any q) at L ∈ {{{_ints(c.lengths)}}}"
        samp = ", ".join(c.samplers) + (f" with K ∈ {{{_ints(c.budgets)}}}" if c.budgets else "")
        return f"{head}; samplers: {samp} ({len(res.rows)} (L, sampler) pairs)"
    Ls = "; ".join(f"q={q}: L ∈ {{{_ints(Ls)}}}" for q, Ls in g["L_by_q"].items())
    samplers = _listed([f"{k} ({n})" for k, n in g["samplers"].items()]) or "none (targets only)"
    return (f"{Ls}; families ({len(g['families'])}): {_listed(g['families'])}; samplers (kind, specs): "
            f"{samplers}; predictors: {_listed(g['predictors'])}")


def from_claims_file(claim) -> bool:
    """A reviewer's claim (loaded with --claims-file), not one of the package's registry."""
    if not claim.source:
        return False
    try:
        Path(claim.source).resolve().relative_to(PACKAGE_CLAIMS)
    except ValueError:
        return True
    return False


def regenerate_command(profile: str, out: str | None = None, only: str | None = None,
                       claims_files=()) -> str:
    """The ``verify report`` command line that rewrites this report (arguments as given)."""
    cmd = ["verify", "report", "--profile", profile]
    if out is not None and out != "reports":
        cmd += ["--out", str(out)]
    if only is not None:
        cmd += ["--only", only]
    for f in claims_files or ():
        cmd += ["--claims-file", str(f)]
    return shlex.join(cmd)


def relative(path, out: Path) -> str:
    """``path`` relative to the report's folder ``out`` (so links and commands work wherever the
    folder is moved); the path as given if no relative form exists (another drive)."""
    try:
        return os.path.relpath(Path(path).resolve(), Path(out).resolve())
    except ValueError:
        return str(path)


def replay_command(witness: dict, out: Path, claims_files=()) -> str:
    """``verify replay witnesses/ID.json`` run from the report's folder (docs/report.md)."""
    cmd = ["verify", "replay", relative(witness["path"], out)]
    for f in claims_files or ():
        cmd += ["--claims-file", relative(f, out)]
    return shlex.join(cmd)


# ------------------------------------------------------------------ the generic plot

MARKERS = "os^vDPX*"


def generic_plot(res: ClaimResult) -> dict | None:
    """A plot spec (report.py's format) for a claim whose summary draws none: against L, the
    largest lhs/rhs (smallest for ``>=``; the statistic's max or min for a shape claim) per target
    family and q (per sampler kind on grid all-laws), with the bound's line at 1."""
    c = res.claim
    pick = min if (c.relation == ">=" or (not c.checked and c.aggregate == "min")) else max
    pts: dict = {}
    for r in res.rows:
        v = r.ratio if c.checked else r.statistic
        if v is None or v != v or v in (float("inf"), float("-inf")):
            continue
        d = r.instance
        key = (d["sampler"] or "").split(":", 1)[0] if c.grid == "all-laws" else \
            f"{family_of(d['target'])} q={d['q']}"
        at = pts.setdefault(key, {})
        at[d["L"]] = v if d["L"] not in at else pick(at[d["L"]], v)
    if not pts:
        return None
    series = [{"label": key, "x": sorted(at), "y": [at[L] for L in sorted(at)],
               "marker": MARKERS[n % len(MARKERS)], "style": ("-", "--", ":", "-.")[n // len(MARKERS) % 4]}
              for n, (key, at) in enumerate(sorted(pts.items()))]
    word = "smallest" if pick is min else "largest"
    what = "lhs/rhs" if c.checked else f"the statistic {c.statistic if isinstance(c.statistic, str) else ''}".rstrip()
    per = "sampler kind" if c.grid == "all-laws" else "target family and q"
    panel = {"kind": "lines", "xlabel": "L (sequence length)", "ylabel": f"{word} {what}", "integer_x": True,
             "series": series}
    if c.checked:
        panel["hlines"] = [{"y": 1.0, "label": "lhs = rhs (the bound)"}]
    return {"name": f"{c.id}.ratio-vs-L", "title": f"{c.id} [{c.provenance}]: {word} {what} against L",
            "caption": f"Generic plot of a claim from a claims file: the {word} {what} over the instances at each L, "
                       f"one line per {per}" + (" (floats, for reading; verdicts are certified)." if c.checked else "."),
            "panels": [panel]}
