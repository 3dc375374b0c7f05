"""The report (verify report): byte-identical regeneration, PNGs without run metadata, vacuity
flags, the known-refutations section and the link to the project's own mathematical reference."""
import json

import pytest
from pathlib import Path

from proofs_numeric import registry
from verify.claims.check import TargetCache, run_claim, select
from verify.claims.model import load_claims_file
from verify.cli.commands import run_and_print
from verify.cli.report import render_plot, vacuous_counts, write_report

from tests.test_replay import FALSE_BALANCED

PLOT = {"name": "demo", "title": "demo", "caption": "c", "ncols": 2, "panels": [
    {"kind": "lines", "xlabel": "K", "ylabel": "nats", "xscale": "log", "yscale": "log", "integer_x": True,
     "series": [{"label": "a", "x": [1, 2, 4], "y": [1.0, 0.5, 0.25], "marker": "o"},
                {"label": "b", "x": [1, 2, 4], "y": [2.0, 1.0, 0.5], "style": "--"}],
     "hlines": [{"y": 0.3, "label": "h"}]},
    {"kind": "heatmap", "xlabel": "K", "ylabel": "L", "x": [1, 2], "y": [2, 3], "z": [[0.5, None], [1.0, 0.25]],
     "zlabel": "ratio", "annotate": True}]}


def _snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file() and p.name != "run.log"}


def test_regeneration_is_byte_identical(tmp_path):
    claims = select(registry(), "D-INFO,CL26.L1")  # CL26.L1 has a python side: no address in the text
    cache = TargetCache()  # speed only: the second run reuses the exact marginals
    def regenerate():
        results = run_and_print(claims, "ci", tmp_path / "witnesses", write=False, cache=cache)
        write_report(results, "ci", tmp_path, 0.0)

    regenerate()
    first = _snapshot(tmp_path)
    regenerate()
    assert _snapshot(tmp_path) == first
    md = (tmp_path / "report.md").read_text()
    # Regenerating in one process cannot see an object address that changes between processes.
    assert " at 0x" not in md and " at 0x" not in (tmp_path / "report.json").read_text()
    assert "docs/index.md" in md and "`D-INFO`" in md and "derived" in md
    assert "## Known refutations" in md
    assert (tmp_path / "run.log").read_text().startswith("verify report --profile ci")
    assert "seconds" not in json.loads((tmp_path / "report.json").read_text())


def test_every_plot_the_report_shows_is_written(tmp_path):
    # the plots go through the output layer's staging area (staged names have no suffix): each
    # png the report links must be in the folder, a real PNG
    claims = select(registry(), "LC25.T2")
    results = run_and_print(claims, "ci", tmp_path / "witnesses", write=False)
    write_report(results, "ci", tmp_path, 0.0)
    import re

    shown = set(re.findall(r"\(<?([A-Za-z0-9_.\-]+\.png)>?\)", (tmp_path / "report.md").read_text()))
    assert shown, "LC25.T2 draws a plot"
    for name in shown:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG"), name
    assert not list(tmp_path.rglob("*.png.png"))


def test_png_has_no_software_metadata_and_is_reproducible(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = render_plot(PLOT, tmp_path / "a").read_bytes()
    b = render_plot(PLOT, tmp_path / "b").read_bytes()
    assert a == b
    assert a.startswith(b"\x89PNG") and b"Software" not in a and b"matplotlib" not in a


def test_vacuous_rhs_is_counted_against_L_log_q(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[claim]]\nid = "V.LOOSE"\npaper = "LC25"\nprovenance = "reading"\nstatement = "loose"\n'
                 'relation = "<="\ngrid = "one-block"\nlhs = "expected_kl"\nrhs = "L*q"\n')
    claim = load_claims_file(f)[0]
    res = run_claim(claim, "ci", targets=["copy:L=3,delta=1/3", "mds:q=3,L=2,k=1"])
    # L*q > L log q for every q >= 2 (q > log q), and > TC since TC <= (L-1) log q.
    assert vacuous_counts(res) == {"L log q": 2, "TC": 2}


# --- issue 18, item 5: exit status, relative links, the regenerating command, grid, plots -------------

# E KL <= TC/(2K), false on purpose (tests/test_replay.py), on the mds family only: a small grid.
FALSE_MDS = FALSE_BALANCED + 'families = ["mds"]\n'


def _links(md: str) -> list:
    """Every link and image target of a markdown text (``[t](<x>)``, ``[t](x)``), anchors left out."""
    import re

    out = re.findall(r"\]\(<([^>]*)>\)", md) + re.findall(r"\]\(([^<)][^)]*)\)", md)
    return [x for x in out if not x.startswith("#")]


@pytest.fixture(scope="module")
def false_report(tmp_path_factory):
    """A report of one false claim from a claims file, written with relative arguments (as a user
    would type them) from the folder that holds both; (folder, exit status, stdout)."""
    import contextlib
    import io
    import os

    from verify.cli.main import main

    base = tmp_path_factory.mktemp("rep")
    (base / "false.toml").write_text(FALSE_MDS)
    cwd = os.getcwd()
    os.chdir(base)
    try:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = main(["report", "--out", "r", "--claims-file", "false.toml", "--only", "X.*,D-INFO"])
    finally:
        os.chdir(cwd)
    return base, status, buf.getvalue()


def test_report_exits_1_on_a_new_refutation_and_still_writes(false_report):
    base, status, out = false_report
    assert status == 1
    assert "refuted claims with refutations not recorded as known: X.HALF-TC" in out
    assert (base / "r" / "report.md").is_file() and list((base / "r" / "witnesses").glob("X.HALF-TC-*.json"))


def test_links_resolve_from_a_copy_moved_elsewhere(false_report, tmp_path):
    import shutil

    base, _, _ = false_report
    moved = tmp_path / "far" / "away"
    shutil.copytree(base / "r", moved)
    md = (moved / "report.md").read_text()
    links = _links(md)
    assert any(x.startswith("witnesses/") for x in links) and any(x.endswith(".png") for x in links)
    for x in links:
        assert not Path(x).is_absolute(), x
        assert (moved / x.replace("%20", " ")).is_file(), x
    # Written outside the project, the report names the docs instead of linking a path on this machine.
    assert "`docs/index.md` of the dlm-verify project" in md
    for text in (md, (moved / "report.json").read_text()):
        assert str(base) not in text and str(Path.cwd()) not in text
        assert str(Path(__file__).resolve().parents[1]) not in text  # the project's own path
    # Replay commands run from the report's folder, naming the witness relative to it.
    data = json.loads((moved / "report.json").read_text())
    w = next(r for r in data["results"] if r["claim"]["id"] == "X.HALF-TC")["witnesses"][0]
    assert w["replay"] == f"verify replay {w['path']} --claims-file ../false.toml"
    assert (moved / w["path"]).is_file()
    assert f"`verify replay {w['path']} --claims-file ../false.toml`" in md


def test_docs_are_linked_relative_to_the_project_only_from_inside_it(tmp_path):
    from verify.cli.report import PROJECT, _docs_link

    link = _docs_link(PROJECT / "reports")
    assert link == "../docs/index.md" and (PROJECT / "reports" / link).resolve().is_file()
    assert _docs_link(PROJECT / "reports" / "deep", "cone.md") == "../../docs/cone.md"
    assert _docs_link(tmp_path) is None


def test_the_report_names_the_command_that_regenerates_it(false_report, tmp_path):
    import os
    import shlex

    from verify.cli.main import main

    base, _, _ = false_report
    data = json.loads((base / "r" / "report.json").read_text())
    cmd = "verify report --profile ci --out r --only 'X.*,D-INFO' --claims-file false.toml"
    assert data["command"] == cmd and f"Regenerate with `{cmd}`" in (base / "r" / "report.md").read_text()
    # Running it (from the same folder) rewrites the same files byte for byte.
    first = _snapshot(base / "r")
    cwd = os.getcwd()
    os.chdir(base)
    try:
        assert main(shlex.split(cmd)[1:]) == 1
    finally:
        os.chdir(cwd)
    assert _snapshot(base / "r") == first
    assert (base / "r" / "run.log").read_text().startswith(cmd + ":")


def test_the_grid_covered_is_stated_per_claim(false_report):
    base, _, _ = false_report
    md = (base / "r" / "report.md").read_text()
    # The ci grid (README): binary L <= 6 and ternary L <= 4; this claim ranges over mds only, with
    # balanced:K for K = 1..L (so at most 6 specs at L = 6).
    line = [ln for ln in md.splitlines() if ln.startswith("- grid covered:")][-1]  # X.HALF-TC: after D-INFO
    assert "q=2: L ∈ {1..6}" in line and "q=3: L ∈ {1..4}" in line
    assert "families (1): mds" in line and "balanced (6)" in line and "predictors: perfect" in line


def test_a_claims_file_claim_gets_the_generic_plot(false_report):
    base, _, _ = false_report
    png = base / "r" / "X.HALF-TC.ratio-vs-L.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "![X.HALF-TC.ratio-vs-L](<X.HALF-TC.ratio-vs-L.png>)" in (base / "r" / "report.md").read_text()


def test_generic_plot_takes_the_largest_ratio_per_L_and_family():
    from types import SimpleNamespace

    from verify.claims.check import ClaimResult, Row
    from verify.cli.report_scope import generic_plot

    claim = SimpleNamespace(id="X.Y", provenance="reading", relation="<=", checked=True, grid="balanced",
                            aggregate="max", statistic=None)

    def row(target, L, lhs, rhs):
        return Row({"target": target, "q": 2, "L": L, "sampler": "balanced:K=1", "predictor": "perfect",
                    "plan": None}, "certified", lhs, rhs)

    res = ClaimResult(claim, "ci", rows=[row("mds:L=3", 3, 1.0, 4.0), row("mds:L=3,k=2", 3, 3.0, 4.0),
                                          row("copy:L=4", 4, 1.0, 2.0), row("mds:L=4", 4, 0.0, 0.0)])
    spec = generic_plot(res)
    by = {s["label"]: dict(zip(s["x"], s["y"])) for s in spec["panels"][0]["series"]}
    assert by == {"copy q=2": {4: 0.5}, "mds q=2": {3: 0.75}}  # rhs = 0 has no ratio
    assert spec["panels"][0]["hlines"][0]["y"] == 1.0
    assert len({s["marker"] for s in spec["panels"][0]["series"]}) == 2


def test_coinciding_series_are_noted_and_drawn_apart(tmp_path):
    from verify.cli.report import coincidence_notes, coinciding

    panel = {"kind": "lines", "xlabel": "s", "series": [
        {"label": "zoo", "x": [1, 2, 3, 4], "y": [0.0, 0.25, 1 / 3, 0.25]},
        {"label": "parity", "x": [2, 3, 4], "y": [0.5, 1 / 3, 0.25]},
        {"label": "1/s", "x": [2, 3, 4], "y": [1 / 2, 1 / 3, 1 / 4]},
        {"label": "apart", "x": [2, 3, 4], "y": [1.0, 2.0, 3.0]}]}
    assert coinciding(panel) == [(0, 1, [3, 4]), (1, 2, [2, 3, 4])]
    assert coincidence_notes({"panels": [panel]}) == ["parity coincides with zoo at s = 3, 4",
                                                      "1/s coincides with parity"]
    assert render_plot({"name": "c", "panels": [panel]}, tmp_path).read_bytes().startswith(b"\x89PNG")
    # scatter series (no line) falling on the same points are data, not a hidden curve
    scatter = {"series": [{**sr, "style": "none"} for sr in panel["series"]]}
    assert coinciding(scatter) == []
    # a line sharing fewer than half its points with another is not hidden by it
    assert coinciding({"series": [{"x": [1, 2, 3, 4, 5], "y": [1, 2, 3, 4, 5]},
                                  {"x": [1, 2, 3, 4, 5], "y": [1, 2, 0, 0, 0]}]}) == []


def test_heatmap_panels_share_one_colour_scale():
    from verify.cli.report import _shared_colour_scale

    panels = [{"kind": "heatmap", "z": [[0.5, None], [1.0, 0.25]]}, {"kind": "heatmap", "z": [[2.0]]},
              {"kind": "lines", "series": []}]
    shared = _shared_colour_scale(panels)
    assert [(p["vmin"], p["vmax"]) for p in shared[:2]] == [(0.0, 2.0), (0.0, 2.0)]
    assert "vmin" not in shared[2]


def test_lc25_t2_plot_draws_the_papers_constant():
    # LC25.T2's statement gives c = 1/16 (reported); the plot draws it as a horizontal line.
    claims = select(registry(), "LC25.T2")
    assert "c = 1/16" in claims[0].statement
    res = run_claim(claims[0], "ci", targets=["mds:q=2,L=3,k=2"])
    hl = res.summary["plots"][0]["panels"][0]["hlines"]
    assert [h["y"] for h in hl] == [1 / 16]


# --- stale outputs: the report removes its own old plots and witnesses, nothing else ------------------

def test_a_report_removes_its_stale_plots_and_witnesses_and_keeps_foreign_files(tmp_path, monkeypatch, capsys):
    """Run 1 (the false claim X.HALF-TC) writes its generic plot and refuted witnesses; run 2 (D-INFO,
    an identity: no plot, no witness) must leave none of them behind. Files whose names the report
    never writes stay; a run whose commit fails removes nothing (all or nothing, verify/output.py)."""
    import os

    from verify import output
    from verify.cli.main import main

    (tmp_path / "false.toml").write_text(FALSE_MDS)
    monkeypatch.chdir(tmp_path)
    rep = tmp_path / "r"
    assert main(["report", "--out", "r", "--claims-file", "false.toml", "--only", "X.*"]) == 1
    plot = rep / "X.HALF-TC.ratio-vs-L.png"
    old_witnesses = sorted((rep / "witnesses").glob("X.HALF-TC-*.json"))
    assert plot.is_file() and old_witnesses
    foreign = {rep / "notes.txt": "mine\n", rep / "figure.png": "a user's image\n",  # png not in report.json
               rep / "witnesses" / "mine.json": "{}\n",
               rep / "witnesses" / "X.HALF-TC-search-0123456789.json": "{}\n",  # verify search's name
               rep / "deep" / "X.HALF-TC.ratio-vs-L.png": "another report's\n"}
    for path, text in foreign.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    os.symlink(tmp_path / "false.toml", rep / "witnesses" / "X.HALF-TC-L3-k1.json")  # a link: never followed or removed
    before = _snapshot(rep)

    # A failed commit (full disk on the last file) puts every removed file back.
    real, failed = output._move, []

    def move(src, dst):
        if Path(dst).name == "run.log" and output.STAGING_PREFIX not in str(dst) and not failed:
            failed.append(dst)
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(output, "_move", move)
    assert main(["report", "--out", "r", "--only", "D-INFO"]) == 2 and failed
    assert _snapshot(rep) == before
    monkeypatch.setattr(output, "_move", real)

    capsys.readouterr()
    assert main(["report", "--out", "r", "--only", "D-INFO"]) == 0
    printed = capsys.readouterr().out
    assert not plot.exists() and not any(w.exists() for w in old_witnesses)
    assert f"removed (stale, not written by this run): {Path('r') / plot.name}" in printed
    for path, text in foreign.items():
        assert path.read_text() == text, path
    assert (rep / "witnesses" / "X.HALF-TC-L3-k1.json").is_symlink()
    assert json.loads((rep / "report.json").read_text())["plots"] == []
    assert not [p for p in tmp_path.rglob("*") if output.STAGING_PREFIX in p.name]
