"""The bad-input contract of the command line, driven in-process through ``verify.cli.main``.

Contract (docs/errors.md): bad input → exit 2, exactly one line on stderr naming the field, no
traceback, nothing written; a claims file is parsed, never executed. Every case an earlier review
found is a named regression test below; the hypothesis tests at the end generate malformed
target/sampler/predictor specs, law files and claims files (ci: short and derandomised; deep: longer).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyp import effort
from verify.cli.main import main

ROOT = Path(__file__).resolve().parent.parent

CLAIM = """[[claim]]
id = "{id}"
paper = "derived"
provenance = "derived"
statement = "a reviewer's claim"
relation = "<="
grid = "{grid}"
lhs = {lhs}
rhs = {rhs}
"""


def _claims(tmp: Path, name="c.toml", id="R.ONE", grid="compositions", lhs='"TC"', rhs='"TC + DTC"', extra=""):
    p = tmp / name
    p.write_text(CLAIM.format(id=id, grid=grid, lhs=lhs, rhs=rhs) + extra)
    return p


def _files(d: Path) -> set:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch):
    """Run ``verify ARGS`` in tmp_path; returns (status, stdout, stderr) and checks nothing new
    appeared in tmp_path on a bad-input exit."""
    monkeypatch.chdir(tmp_path)

    def run(*argv):
        before = _files(tmp_path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rc = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        if rc == 2:
            assert _files(tmp_path) == before, "bad input must write nothing"
            assert not [w for w in caught if "numpy" in str(w.filename) or issubclass(w.category, RuntimeWarning)], \
                [str(w.message) for w in caught]
        return rc, out, err
    return run


def one_line(rc, err, field):
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("verify: error: ") and field in lines[0], lines[0]
    assert len(lines[0]) < 700
    return lines[0]


# ------------------------------------------------------------------ claims files: data, never code

def test_claims_file_code_is_never_run(cli, tmp_path):
    f = _claims(tmp_path, rhs='"__import__(\\"os\\").system(\\"touch PWNED\\")"')
    for cmd in ("claims", "check"):
        rc, _, err = cli(cmd, "--claims-file", f)
        line = one_line(rc, err, "claims-file c.toml claim R.ONE.rhs")
        assert "__import__" in line
        assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("rhs,token", [
    ('"None"', "None"), ('"[1, 2]"', "[1, 2]"), ("[1, 2]", "list"), ("3", "int"), ('"open(\'x\', \'w\')"', "open"),
    ('"TC.real"', "TC.real"), ('"TC[0]"', "TC[0]"), ('"lambda: 1"', "lambda"), ('"1/0"', "finite"),
    ('"log(0)"', "finite"), ('"sqrt(-1)"', "finite"), ('"2**10**10"', "nested power"), ('"TC ^ 2"', "^"),
    ('"DTX"', "DTX"), ('"1e99999"', "1e99999"), ('""', "empty"),
])
def test_claims_file_bad_sides(cli, tmp_path, rhs, token):
    rc, _, err = cli("claims", "--claims-file", _claims(tmp_path, rhs=rhs))
    assert token in one_line(rc, err, "claims-file c.toml claim")


def test_claims_file_binary_or_folder(cli, tmp_path):
    (tmp_path / "bin.toml").write_bytes(bytes(range(256)) * 8)
    one_line(*cli("claims", "--claims-file", tmp_path / "bin.toml")[::2], "claims-file")
    (tmp_path / "dir.toml").mkdir()
    one_line(*cli("check", "--claims-file", tmp_path / "dir.toml")[::2], "claims-file")
    one_line(*cli("claims", "--claims-file", tmp_path / "missing.toml")[::2], "claims-file")


@pytest.mark.parametrize("kw,field", [
    (dict(rhs='"plan_kl"'), "needs an explicit plan"),
    (dict(grid="targets", rhs='"expected_kl"'), "needs a sampler"),
    (dict(extra='predictors = ["temp:beta=0"]\n'), "predictors[0]"),
    (dict(extra='constants = { c = "abc" }\n'), "constant c"),
    (dict(extra='predictors = "perfect"\n'), "predictors"),
    (dict(id="has space"), ".id"),
])
def test_verify_claims_validates_what_check_would(cli, tmp_path, kw, field):
    f = _claims(tmp_path, **kw)
    for cmd in ("claims", "check"):
        one_line(*cli(cmd, "--claims-file", f)[::2], field)


# ------------------------------------------------------------------ specs: sizes and numbers

@pytest.mark.parametrize("args,field,shows", [
    (["--target", "hmm:L=5,q=2,states=100000,seed=0"], "target", "GiB"),
    (["--target", "hmm:L=5,q=2,states=100000000,seed=0"], "target", "PiB"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:N=" + "9" * 30], "sampler.mdm.N", "iB"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:N=2", "--predictor", "temp:beta=1e400"],
     "predictor.temp.beta", "…"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:N=2", "--predictor", "noise:sigma=1e400,seed=1"],
     "predictor.noise.sigma", "…"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:N=2", "--predictor", "temp:beta=2,lam=1e-400"],
     "predictor.temp.lam", "…"),
    (["--target", "potts:graph=path,L=3,q=2,beta=1e400"], "target.potts.beta", "overflows"),
    (["--target", "dirichlet:L=3,q=2,alpha=1e400"], "target.dirichlet.alpha", "1e400"),
    (["--target", "dirichlet:L=3,q=2,alpha=1e-400"], "target.dirichlet.alpha", "1e-400"),
    (["--target", "product:L=3,q=2,seed=" + "1" * 100_000], "target.product.seed", "…"),
    (["--target", "markov:L=3,q=2,flip=" + "1" * 100_000 + "/3"], "target.markov.flip", "…"),
    (["--target", "mixture:of=" + "+".join(["[hmm:L=5,q=2,states=100000]"] * 2)], "target", "2 components"),
    (["--target", "markov:L=100000000,q=2,flip=0"], "target", "1e308"),
    (["--target", "potts:graph=grid,L=1000000000000000,q=2,w=2"], "target", "q^L"),   # no divisor search
    (["--target", "mds:q=1000000000000000000000000000039,L=2,k=1"], "target", "q^L"),    # no primality test
])
def test_out_of_range_parameters_are_refused_by_name(cli, args, field, shows):
    line = one_line(*cli("measure", *args)[::2], field)
    assert shows in line
    assert len(line) < 400  # a long value is echoed shortened


def test_empty_npy_file(cli, tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    one_line(*cli("measure", "--target", f"file:{tmp_path / 'empty.npy'}")[::2], "target.file")


def test_max_bytes_must_be_positive(cli, monkeypatch):
    for bad in ("-1", "0", "nan", "lots"):
        monkeypatch.setenv("VERIFY_MAX_BYTES", bad)
        one_line(*cli("measure", "--target", "markov:L=3,q=2,flip=1/10")[::2], "VERIFY_MAX_BYTES")


def test_empty_only_is_an_error(cli):
    one_line(*cli("check", "--only", "")[::2], "--only")
    one_line(*cli("check", "--only", " , ")[::2], "--only")


# ------------------------------------------------------------------ output paths, checked first

def test_output_paths_are_checked_before_any_work(cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    for args, field in ((["check", "--only", "D-ONE", "--json", "afile/missing/out.json"], "--json"),
                        (["check", "--only", "D-ONE", "--json", "."], "--json"),
                        (["check", "--only", "D-ONE", "--witness-dir", "afile/w"], "--witness-dir"),
                        (["check", "--only", "D-ONE", "--witness-dir", "afile"], "--witness-dir"),
                        (["report", "--only", "D-ONE", "--out", "afile"], "--out"),
                        (["report", "--only", "D-ONE", "--out", "afile/sub"], "--out")):
        rc, out, err = cli(*args)
        one_line(rc, err, field)   # one line: the run never started (no progress line)
        assert out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_output_folder(cli, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        one_line(*cli("report", "--only", "D-ONE", "--out", ro / "rep")[::2], "--out")
    finally:
        ro.chmod(0o755)


def test_a_failure_mid_run_writes_nothing(cli, tmp_path, monkeypatch):
    """A claim whose side fails mid-run (an error injected when R.BAD's side is evaluated; an
    undefined instance such as TC/(q−2) at q = 2 is an outcome, not an error: test_claim_domains)
    after another claim produced witnesses: exit 2 and no witness, no json, no empty folder."""
    from verify.claims import symbolic
    from verify.errors import SpecError

    real = symbolic.evaluate

    def failing(text, constants, value):
        if text == "TC/(q - 2)":
            raise SpecError("claim side", "injected failure")
        return real(text, constants, value)

    monkeypatch.setattr(symbolic, "evaluate", failing)
    f = _claims(tmp_path, id="R.FALSE", rhs='"TC/2"',
                extra=CLAIM.format(id="R.BAD", grid="one-block", lhs='"TC"', rhs='"TC/(q - 2)"'))
    rc, _, err = cli("check", "--claims-file", f, "--only", "R.*", "--json", "out/r.json", "--witness-dir", "w")
    assert rc == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("verify: error: claim side")
    assert _files(tmp_path) == {"c.toml"}


# ------------------------------------------------------------------ witnesses: the worst few

def test_false_claim_keeps_the_worst_few_witnesses(cli, tmp_path):
    """E KL <= TC/2 fails almost everywhere; the compositions grid has one sampler kind (fixed),
    so each target family keeps at most MAX_REFUTED_WITNESSES = 3 refuted witnesses."""
    f = _claims(tmp_path, id="R.HALF", grid="compositions", lhs='"expected_kl"', rhs='"TC/2"')
    rc, out, _ = cli("check", "--claims-file", f, "--only", "R.HALF", "--witness-dir", "w", "--json", "r.json")
    assert rc == 1
    res = json.loads((tmp_path / "r.json").read_text())[0]
    files = sorted((tmp_path / "w").iterdir())
    assert len(files) == len(res["witnesses"])
    per_family: dict = {}
    for p in files:
        w = json.loads(p.read_text())["witness"]
        if w["kind"] == "refuted":
            fam = w["target_spec"].split(":")[0]
            per_family[fam] = per_family.get(fam, 0) + 1
    assert per_family and max(per_family.values()) <= 3
    assert res["refuted_total"] > 5 * sum(per_family.values())   # 259 refuted, 30 files on the ci grid
    assert f"R.HALF: {res['refuted_total']} refuted instances" in out


# ------------------------------------------------------------------ displayed values

@pytest.mark.parametrize("spec", ["product:L=2,q=3,seed=1", "product:L=3,q=2,seed=4", "product:L=3,q=3,seed=2"])
def test_nonnegative_quantities_never_print_negative(cli, spec):
    """Independent positions: TC = DTC = Σ I = E KL = 0 exactly; float rounding made them −4e-16."""
    L = int(spec.split("L=")[1].split(",")[0])
    rc, out, _ = cli("measure", "--target", spec, "--sampler", f"fixed:sizes={L}", "--json")
    d = json.loads(out)
    for k in ("H", "TC", "DTC", "sum_I", "expected_kl", "mixture_kl", "tv", "ser", "ter_gap"):
        assert d[k] >= 0, (k, d[k])
    rc, out, _ = cli("measure", "--target", spec, "--sampler", f"fixed:sizes={L}")
    assert rc == 0
    for line in out.splitlines()[3:]:
        assert " -" not in line, line


# ------------------------------------------------------------------ Ctrl-C

def test_sigint_leaves_the_previous_report_or_the_complete_new_one(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    old = {"report.md": "OLD report\n", "report.json": '{"old": true}\n'}
    for name, text in old.items():
        (out / name).write_text(text)
    # A seeded moment, so a failure can be replayed; counted from the child's first line on stderr
    # (the run has started inside main), since a SIGINT while the interpreter itself is still
    # starting up is Python's, not ours.
    delay = random.Random(20261123).uniform(0.0, 2.0)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "verify.cli", "report", "--out", str(out), "--only", "D-ONE"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = child.stderr.readline()
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    _, rest = child.communicate(timeout=120)
    err = first + rest
    names = sorted(p.name for p in out.iterdir())
    assert not [p for p in tmp_path.rglob(".verify-staging-*")], "staging folder left behind"
    assert "Traceback" not in err, (delay, err)
    if child.returncode == 130:
        assert err.strip().splitlines()[-1] in ("verify: interrupted (exit 130); outputs left as they were",
                                                "verify: interrupted (exit 130); outputs complete")
    else:
        assert child.returncode == 0, (delay, err)
    if (out / "report.md").read_text() == old["report.md"]:
        assert child.returncode == 130 and names == sorted(old), (delay, names)
        assert (out / "report.json").read_text() == old["report.json"]
    else:
        new = json.loads((out / "report.json").read_text())
        assert [r["claim"]["id"] for r in new["results"]] == ["D-ONE"], delay
        assert "## Claims" in (out / "report.md").read_text()


# ------------------------------------------------------------------ fuzzing

JUNK = ["abc", "1/0", "nan", "inf", "-inf", "[", "]", "1e99999", "9" * 150, "x" * 500, "é", "0x10", "--1",
        "+", "1/2/3", "1//2", "1,2", "∞", " ", "[product:L=2,q=2]]", "1=2", "\x00"]
junk = st.one_of(st.sampled_from(JUNK), st.text(min_size=0, max_size=30).map(lambda t: "zz" + t))
SIMPLE_FAMILIES = ["product:L=4,q=2,p=1/4+3/4", "dirichlet:L=3,q=2,alpha=0.3,seed=7", "markov:L=4,q=2,flip=0.1",
                   "ngram:L=4,q=2,n=3,seed=1", "hmm:L=4,q=2,states=3,seed=0", "coloring3:L=4", "mds:q=3,L=4,k=2",
                   "copy:L=4,delta=1/3", "lowentropy:L=4,q=2,m=4,seed=0", "potts:graph=cycle,L=4,q=2,w=3"]
SIZE_KEYS = ("L", "q", "states", "n", "k", "m", "rows")
SAMPLERS = ["fixed:sizes=2+1", "balanced:K=2", "count:N=2", "mdm:N=3", "mdm:pi=1/2+1/2",
            "random-size:law=1/2@1+2;1/2@3", "plan:blocks=0+2/1"]
SAMPLERS += ["threshold:tau=1/2,max=2", "eb:gamma=1/2,min=2", "entropy-sum:eta=log(2),min=1,max=2"]
PREDICTORS = ["mix:lam=1/10", "temp:beta=2", "noise:sigma=1/2,seed=1"]


def _run_in_tmp(argv, files=None):
    """main(argv) in a fresh folder; returns (status, stdout, stderr, files written by the run)."""
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd()
        os.chdir(d)
        try:
            for name, data in (files or {}).items():
                Path(name).write_bytes(data if isinstance(data, bytes) else data.encode())
            before = _files(Path(d))
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rc = main(argv)
            written = _files(Path(d)) - before
            assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
        finally:
            os.chdir(cwd)
    return rc, out.getvalue(), err.getvalue(), written


def _contract(result, field):
    rc, out, err, written = result
    one_line(rc, err, field)
    assert out == "" and not written, written


def _replace(spec, key, value):
    name, _, rest = spec.partition(":")
    items = [kv.split("=", 1) for kv in rest.split(",")] if rest else []
    if any(k == key for k, _ in items):
        items = [[k, value if k == key else v] for k, v in items]
    else:
        items.append([key, value])
    return name + ":" + ",".join(f"{k}={v}" for k, v in items)


@st.composite
def bad_targets(draw):
    base = draw(st.sampled_from(SIMPLE_FAMILIES))
    keys = [kv.split("=")[0] for kv in base.partition(":")[2].split(",")]
    how = draw(st.sampled_from(["junk", "unknown", "huge", "family"]))
    if how == "junk":
        return _replace(base, draw(st.sampled_from(keys)), draw(junk))
    if how == "unknown":
        return _replace(base, "zz" + draw(st.text("abcdefgh_", max_size=8)), draw(st.sampled_from(["1", "x"])))
    if how == "huge":
        sized = [k for k in keys if k in SIZE_KEYS] or ["L"]
        return _replace(base, draw(st.sampled_from(sized)), str(draw(st.integers(10**7, 10**60))))
    return "zz" + draw(st.text("abcdefghij-", max_size=10)) + ":" + base.partition(":")[2]


@effort(40)
@given(bad_targets())
def test_fuzz_target_specs(spec):
    _contract(_run_in_tmp(["measure", "--target", spec, "--sampler", "fixed:sizes=1+1+1"]), "target")


@st.composite
def bad_sampler_or_predictor(draw):
    which = draw(st.sampled_from(["--sampler", "--predictor"]))
    base = draw(st.sampled_from(SAMPLERS if which == "--sampler" else PREDICTORS))
    name, _, rest = base.partition(":")
    key = draw(st.sampled_from([kv.split("=")[0] for kv in rest.split(",")] + ["zz"]))
    value = draw(junk) if which == "--predictor" or draw(st.booleans()) else str(draw(st.integers(10**9, 10**40)))
    spec = _replace(base, key, value)
    args = ["--sampler", spec] if which == "--sampler" else ["--sampler", "mdm:N=2", "--predictor", spec]
    return args, which.strip("-")


@effort(40)
@given(bad_sampler_or_predictor())
def test_fuzz_sampler_and_predictor_specs(case):
    args, field = case
    _contract(_run_in_tmp(["measure", "--target", "markov:L=3,q=2,flip=1/10", *args]), field)


json_junk = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 1), st.text(max_size=5),
                      st.lists(st.integers(), max_size=3), st.floats(allow_nan=True))


@st.composite
def bad_law_files(draw):
    kind = draw(st.sampled_from(["bytes.json", "bytes.npy", "doc"]))
    if kind != "doc":
        return "law." + kind.split(".")[1], draw(st.binary(max_size=200))
    doc = {"q": 2, "L": 2, "pmf": [0.25, 0.25, 0.25, 0.25]}
    broken = draw(st.sampled_from(["q", "L", "pmf", "entry", "sum"]))
    if broken in ("q", "L", "pmf"):
        doc[broken] = draw(json_junk)
    elif broken == "entry":
        doc["pmf"][draw(st.integers(0, 3))] = draw(st.one_of(st.text(max_size=4).map(lambda t: "zz" + t),
                                                           st.just(None), st.just([]), st.just(-1)))
    else:
        doc["pmf"] = [draw(st.floats(0, 1)) for _ in range(3)] + [1.5]
    return "law.json", json.dumps(doc)


@effort(40)
@given(bad_law_files())
def test_fuzz_law_files(case):
    name, data = case
    _contract(_run_in_tmp(["measure", "--target", f"file:{name}"], {name: data}), "target.file")


BAD_ATOMS = ['__import__("os").system("touch PWNED")', 'open("PWNED", "w")', "TC.real", "TC[0]", '"s"', "None",
             "[1, 2]", "{}", "lambda: 0", "1 if TC else 0", "TC < 1", "not TC", "~TC", "TC // 2", "TC % 2", "f(1)",
             "unknown_sym", "log()", "log(TC, 2, 3)", "2**10**10", "1/0", "log(0)", "sqrt(-1)", "TC @ TC",
             "exec('1')", "globals()", "(x := 1)", "*TC", "TC if 1 else 2", "[i for i in ()]", "...", "1j",
             "0x10", "TC;TC", "TC\nTC", "max(TC)", "min(TC, key=1)", "Symbol('x')"]
BAD_SCOPE = {
    "where": ['"K"', '"K >= 2 and"', '"not K > 1"', '"1 < 2"', '"K in L"', '"(K > 1) > 0"', '"plan_kl > 0"', "3",
              '"K >= 2 or zz > 1"', '"K >= log(0)"', '""', "{atom}"],
    "samplers": ['["mdm:N=2"]', '["zz"]', "[1]", '"fixed:sizes=1"', '["fixed:sizes={K}"]', '["fixed:sizes=0"]', "[[]]"],
    "lengths": ["[0]", "5", '["5"]', "[true]", "[30]", "[1.5]", "[-3]", "[100000]"],
    "alphabets": ["[1]", "[0]", '["2"]', "[99]", "2"],
    "budgets": ["[0]", '["2"]', "3", "[false]"],
}
# The profile backend's keys (claims/profile_instances.py; the base claim is TC <= TC + DTC on compositions):
# an unknown backend, a bad or non-closed-form or too-long target, targets beside lengths.
BAD_SCOPE["backend"] = ['"fast"', "3", '"Profile"', '"profile"']  # profile without targets: refused
BAD_SCOPE["targets"] = ['"x"', "[3]", '["zz:L=3"]', '["noisy-copy:L=1000,eta=2"]', '[""]',
                        '["noisy-copy:L=1000,eta=1/10"]',            # compositions: 2^999 samplers
                        '["hmm:L=100,q=2,states=2,seed=0"]',         # no closed form, beyond enumeration
                        '["product:L=3,q=2", "product:L=3,q=2"]']    # a target named twice
VALID = ["TC", "TC + DTC", "(s_max - 1)/L * sum_I", "log(q, 2)", "max(TC, DTC)", "2**K"]


@st.composite
def bad_claims(draw):
    how = draw(st.sampled_from(["side", "side", "type", "bytes", "scope"]))
    if how == "scope":  # a claim's own scope keys (tests/test_claims_file_grid.py)
        key = draw(st.sampled_from(sorted(BAD_SCOPE)))
        value = draw(st.sampled_from(BAD_SCOPE[key]))
        if key == "where" and value == "{atom}":
            value = json.dumps(f"K >= 2 and ({draw(st.sampled_from(BAD_ATOMS))}) > 0")
        return CLAIM.format(id="R.X", grid="compositions", lhs='"TC"', rhs='"TC + DTC"') + f"{key} = {value}\n"
    if how == "bytes":
        return draw(st.binary(min_size=1, max_size=300))
    if how == "type":
        field = draw(st.sampled_from(["lhs", "rhs", "predictors", "constants", "grid", "relation"]))
        value = draw(st.sampled_from(["3", "true", "[1, 2]", "{ a = 1 }", '"zz"', "1.5"]))
        text = CLAIM.format(id="R.X", grid="compositions", lhs='"TC"', rhs='"TC + DTC"')
        if field in ("lhs", "rhs", "grid", "relation"):
            lines = [f"{field} = {value}" if ln.startswith(f"{field} =") else ln for ln in text.splitlines()]
            if value == '"zz"' and field in ("lhs", "rhs"):
                lines = [ln.replace('"zz"', '"zz zz"') for ln in lines]
            return "\n".join(lines) + "\n"
        bad = {"predictors": ["3", "true", "{ a = 1 }", "1.5", '"perfect"', '["zz"]'],
               "constants": ["3", "true", "[1, 2]", '{ a = "zz" }', "{ a = [1] }", '"zz"']}[field]
        return text + f"{field} = {draw(st.sampled_from(bad))}\n"
    atom = draw(st.sampled_from(BAD_ATOMS))
    side = draw(st.sampled_from(["{a}", "{v} + {a}", "{a} * {v}", "({v}) / ({a})", "log({a})"])).format(
        a=atom, v=draw(st.sampled_from(VALID)))
    which = draw(st.sampled_from(["lhs", "rhs"]))
    sides = {"lhs": '"TC"', "rhs": '"TC + DTC"', which: json.dumps(side)}
    return CLAIM.format(id="R.X", grid="compositions", **sides)


@effort(40)
@given(bad_claims(), st.sampled_from(["claims", "check"]))
def test_fuzz_claims_files(content, cmd):
    rc, out, err, written = _run_in_tmp([cmd, "--claims-file", "c.toml"], {"c.toml": content})
    _contract((rc, out, err, written), "claims-file")


# ------------------------------------------------------------------ predictor tables (file:PRED.npy / .json)


def _good_table(q=2, L=3):
    import itertools

    flat = []
    for s in itertools.product(range(q + 1), repeat=L):
        for i in range(L):
            flat += ["1/4", "3/4"] if s[i] == q else [0, 0]
    return {"q": q, "L": L, "table": flat}


@st.composite
def bad_predictor_files(draw):
    kind = draw(st.sampled_from(["bytes.json", "bytes.npy", "doc", "npy"]))
    if kind.startswith("bytes"):
        return "p." + kind.split(".")[1], draw(st.binary(max_size=200))
    if kind == "npy":
        import numpy as np

        shape = draw(st.sampled_from([(3, 3, 3, 3, 2), (3, 3, 2, 3), (2, 2, 2, 3, 2), (3, 3, 3, 3, 3), (4,), ()]))
        arr = np.full(shape, draw(st.sampled_from([0.0, -1.0, np.nan, 0.4])))  # 0.5 would be valid
        buf = io.BytesIO()
        np.save(buf, arr)
        return "p.npy", buf.getvalue()
    doc = _good_table()
    broken = draw(st.sampled_from(["q", "L", "table", "entry", "sum", "shape", "target"]))
    if broken in ("q", "L", "table"):
        doc[broken] = draw(json_junk)
    elif broken == "entry":
        # entries 16, 17: the row of position 2 at state (0, 0, *), the first masked row
        doc["table"][draw(st.integers(16, 17))] = draw(st.one_of(st.text(max_size=4).map(lambda t: "zz" + t),
                                                                st.just(None), st.just([]), st.just("0"), st.just(-1)))
    elif broken == "sum":
        doc["table"][16] = draw(st.sampled_from(["1/3", "0.3", "1", 0.26]))
    elif broken == "shape":
        doc["table"] = doc["table"][:-draw(st.integers(1, 5))]
    else:  # a valid table for another length than the target's
        doc = _good_table(2, 2)
    return "p.json", json.dumps(doc)


@effort(40)
@given(bad_predictor_files(), st.sampled_from(["mdm:N=2", "threshold:tau=1/2,max=2"]))
def test_fuzz_predictor_files(case, sampler):
    name, data = case
    argv = ["measure", "--target", "markov:L=3,q=2,flip=1/10", "--sampler", sampler, "--predictor", f"file:{name}"]
    _contract(_run_in_tmp(argv, {name: data}), "predictor.file")


# ------------------------------------------------------------------ the profile backend (claims/profile_instances.py)

PROFILE_CLAIM = CLAIM.format(id="R.P", grid="balanced", lhs='"expected_kl"', rhs='"TC"')


@pytest.mark.parametrize("extra,field,words", [
    ('backend = "profile"\ntargets = ["noisy-copy:L=1000,eta=1/10"]\nrhs2 = 1\n', "unknown key", "rhs2"),
    ('backend = "profile"\ntargets = ["noisy-copy:L=50,eta=1/10"]\npredictors = ["mix:lam=1/10"]\n',
     ".predictors", "backend 'profile'"),
    ('backend = "profile"\ntargets = ["hmm:L=4,q=2,states=2,seed=0"]\n', ".targets[0]", "closed-form"),
    ('backend = "enumeration"\ntargets = ["noisy-copy:L=1000,eta=1/10"]\n', ".targets[0]", "beyond enumeration"),
    ('targets = ["noisy-copy:L=10,eta=1/10"]\nlengths = [4]\n', ".lengths", "targets"),
    ('targets = ["noisy-copy:L=300,eta=1/10"]\nwhere = "H01 > 0"\n', ".targets[0]", "H01"),
    ('backend = "profile"\ntargets = ["product:L=10**9,q=2"]\n', ".targets[0]", ""),
])
def test_profile_backend_bad_input_is_one_line(cli, tmp_path, extra, field, words):
    (tmp_path / "c.toml").write_text(PROFILE_CLAIM + extra)
    for cmd in ("claims", "check"):
        line = one_line(*cli(cmd, "--claims-file", tmp_path / "c.toml")[::2], field)
        assert words in line


@pytest.mark.parametrize("side", ["mixture_kl", "tv", "ser", "ter_gap", "gen_logppl_gap", "eps_train"])
def test_profile_backend_refuses_pmf_symbols_up_front(cli, tmp_path, side):
    text = CLAIM.format(id="R.P", grid="balanced", lhs=f'"{side}"', rhs='"TC"')
    (tmp_path / "c.toml").write_text(text + 'backend = "profile"\ntargets = ["noisy-copy:L=1000,eta=1/10"]\n')
    line = one_line(*cli("check", "--claims-file", tmp_path / "c.toml")[::2], "claim R.P.lhs")
    assert f"symbol {side!r} needs the target's pmf: not available on backend 'profile'" in line
