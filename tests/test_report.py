"""The report (verify report): byte-identical regeneration, PNGs without run metadata, vacuity
flags, the known-refutations section and the link to the project's own mathematical reference."""
import json
from pathlib import Path

from proofs_numeric import registry
from verify.claims.check import TargetCache, run_claim, select
from verify.claims.model import load_claims_file
from verify.cli.commands import run_and_print
from verify.cli.report import render_plot, vacuous_counts, write_report

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
