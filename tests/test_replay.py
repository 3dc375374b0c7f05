"""``verify replay WITNESS.json``: a refuted witness's verdict reproduced from its exact inputs, on an
enumerated grid and on the all-law grid; exit status as ``verify check``; bad files in one line.

Expected values are closed forms worked by hand (repetition code, rays of the profile cone), never
the suite's own output."""
import json
import math
import re

import pytest

from verify.claims.check import run_claim
from verify.claims.model import load_claims_file
from verify.cli.main import main

# E KL ≤ TC/(2K): false on purpose. On the repetition code of length 3 (mds:q=2,L=3,k=1, TC = 2 log 2),
# one block (K = 1) costs E KL = TC = 2 log 2 while the bound is log 2: rhs − lhs = −log 2, the
# most violated instance.
FALSE_BALANCED = """
[[claim]]
id = "X.HALF-TC"
paper = "derived"
provenance = "derived"
statement = 'false on purpose: E KL <= TC/(2K)'
relation = "<="
grid = "balanced"
predictors = ["perfect"]
lhs = "expected_kl"
rhs = "TC/(2*K)"
"""

# The same bound on every law at once: L = 4, two blocks of 2. On the ray r_3(m) = min(m, 3) (units
# of log q): TC = 4·1 − 3 = 1, so rhs = 1/4; the first block of 2 costs 2·h(1) − h(2) = 0, the second
# 2·(h(3) − h(2)) − (h(4) − h(2)) = 2 − 1 = 1 = lhs. Margin −3/4.
FALSE_ALL_LAWS = """
[[claim]]
id = "X.HALF-ALL"
paper = "derived"
provenance = "derived"
statement = 'false on purpose: E KL <= TC/(2K) for all laws'
relation = "<="
grid = "all-laws"
lengths = [4]
samplers = ["balanced:K={K}"]
budgets = [2]
lhs = "expected_kl"
rhs = "TC/(2*K)"
"""

REPETITION = "mds:q=2,L=3,k=1"


def _claims_file(tmp_path, text, known=()):
    p = tmp_path / "claims.toml"
    p.write_text(text + (f"known_refutations = {json.dumps(list(known))}\n" if known else ""))
    return p


def _replay(capsys, path, claims_file):
    status = main(["replay", str(path), "--claims-file", str(claims_file)])
    out = capsys.readouterr()
    return status, out.out, out.err


def _ball(text: str, label: str) -> tuple:
    """(lo, hi) of the ball printed on the line ``label``: ``[mid +/- rad]``."""
    line = next(ln for ln in text.splitlines() if ln.startswith(label))
    mid, rad = re.search(r"\[(\S+) \+/- (\S+)\]", line).groups()
    return float(mid) - float(rad), float(mid) + float(rad)


@pytest.fixture
def enumerated_witness(tmp_path):
    cf = _claims_file(tmp_path, FALSE_BALANCED)
    claim = load_claims_file(cf)[0]
    res = run_claim(claim, "ci", targets=[REPETITION], witness_dir=tmp_path / "w")
    worst = min(res.refutations(), key=lambda r: r.verdict["margin_hi"])
    assert worst.instance["sampler"] == "balanced:K=1"
    w = next(w for w in res.witnesses if json.loads(open(w["path"]).read())["witness"]["sampler"] == "balanced:K=1")
    return cf, w


def test_replay_reproduces_a_refuted_enumerated_witness(enumerated_witness, capsys):
    cf, w = enumerated_witness
    status, out, err = _replay(capsys, w["path"], cf)
    assert status == 1, err
    assert "verdict   refuted" in out and "recorded  refuted  (same)" in out
    assert "sides     expected_kl  <=  TC/(2*K)" in out
    lo, hi = _ball(out, "lhs")
    assert lo <= 2 * math.log(2) <= hi
    lo, hi = _ball(out, "rhs")
    assert lo <= math.log(2) <= hi
    lo, hi = _ball(out, "margin")
    assert lo <= -math.log(2) <= hi and hi < 0
    assert "not recorded as known (exit 1)" in out


def test_replay_of_a_known_refutation_exits_0(enumerated_witness, tmp_path, capsys):
    _, w = enumerated_witness
    cf = _claims_file(tmp_path, FALSE_BALANCED, known=[w["id"]])
    status, out, _ = _replay(capsys, w["path"], cf)
    assert status == 0 and "verdict   refuted" in out and "recorded as a known refutation" in out


def test_a_corrected_claim_replays_the_old_witness_as_holding(enumerated_witness, tmp_path, capsys):
    # E KL ≤ TC holds (one block is the worst uniform-position schedule): the witness now certifies.
    _, w = enumerated_witness
    cf = _claims_file(tmp_path, FALSE_BALANCED.replace('rhs = "TC/(2*K)"', 'rhs = "TC"'))
    status, out, _ = _replay(capsys, w["path"], cf)
    assert status == 0
    assert "verdict   tight" in out  # K = 1: E KL = TC exactly
    assert "recorded  refuted  (differs" in out


def test_replay_reproduces_a_refuted_all_law_witness(tmp_path, capsys):
    cf = _claims_file(tmp_path, FALSE_ALL_LAWS)
    claim = load_claims_file(cf)[0]
    res = run_claim(claim, "ci", witness_dir=tmp_path / "w")
    assert [w["id"] for w in res.witnesses] == ["X.HALF-ALL-L4-k3"]
    status, out, err = _replay(capsys, res.witnesses[0]["path"], cf)
    assert status == 1, err
    assert "lhs       1   exact 1" in out and "rhs       0.25   exact 1/4" in out
    assert "rhs − lhs = -3/4" in out
    assert "verdict   refuted for all laws at (L=4, balanced:K=2)" in out
    assert "recorded  refuted  (same)" in out


def test_check_exits_1_not_3_on_a_refuted_all_law_claim(tmp_path, capsys):
    """unknown_refutations once rebuilt a target law for all-law rows, which have none (exit 3)."""
    cf = _claims_file(tmp_path, FALSE_ALL_LAWS)
    argv = ["check", "--claims-file", str(cf), "--only", "X.*", "--witness-dir", str(tmp_path / "w")]
    assert main(argv) == 1
    assert "X.HALF-ALL: 1 (X.HALF-ALL-L4-k3)" in capsys.readouterr().out
    cf = _claims_file(tmp_path, FALSE_ALL_LAWS, known=["X.HALF-ALL-L4-k3"])
    assert main(argv) == 0


def test_replay_of_a_search_witness(tmp_path, capsys):
    from verify.claims.search import hunt

    cf = _claims_file(tmp_path, FALSE_BALANCED)
    res = hunt(load_claims_file(cf)[0], budget=10, seed=0, witness_dir=tmp_path / "w")
    assert res.refuted is not None and "-search-" in res.witness["id"]
    status, out, _ = _replay(capsys, res.witness["path"], cf)
    assert status == 1 and "verdict   refuted" in out and "recorded  refuted  (same)" in out


@pytest.mark.parametrize("content,field", [
    (None, "WITNESS.json"),                                   # no such file
    ("{not json", "WITNESS.json"),
    ("[1, 2]", "WITNESS.json"),
    ('{"q": 2, "L": 1, "pmf": ["1/2", "1/2"]}', "WITNESS.json"),  # a law, not a witness
    ('{"witness": {"claim": "NO.SUCH"}, "q": 2, "L": 1, "pmf": ["1/2", "1/2"]}', "witness.claim"),
    ('{"witness": {"claim": 3}}', "witness.claim"),
    ('{"witness": {"claim": "X.HALF-ALL", "grid": "all-laws", "L": "4", "sampler": "balanced:K=2"}}', "witness.L"),
    ('{"witness": {"claim": "X.HALF-TC", "sampler": "balanced:K=1"}}', "q"),
    ('{"witness": {"claim": "X.HALF-TC", "sampler": "balanced:K=1", "plan": [["a"]]}, "q": 2, "L": 1, '
     '"pmf": ["1/2", "1/2"]}', "witness.plan"),
    ('{"witness": {"claim": "X.HALF-TC", "sampler": "balanced:K=1"}, "q": 2, "L": 1, "pmf": ["1/2", "1/3"]}',
     "WITNESS.json"),                                         # the law itself is checked by file:
])
def test_bad_witness_files_fail_in_one_line(tmp_path, capsys, content, field):
    cf = _claims_file(tmp_path, FALSE_BALANCED + FALSE_ALL_LAWS)
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    status, out, err = _replay(capsys, path, cf)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"verify: error: {field}"), err


def test_replay_of_a_shape_claims_search_witness_shows_its_statistic(tmp_path, capsys):
    """A shape claim has no verdict: replay recomputes the statistic the hunt saved, exit 0."""
    from proofs_numeric import claim_by_id
    from verify.claims.search import hunt

    res = hunt(claim_by_id("LC25.RATE"), budget=8, seed=0, witness_dir=tmp_path)
    saved = json.loads(open(res.witness["path"]).read())["witness"]["search"]["statistic"]
    status = main(["replay", res.witness["path"]])
    out = capsys.readouterr().out
    assert status == 0 and "shape (a best constant, no relation)" in out and "verdict" not in out
    shown = float(next(ln for ln in out.splitlines() if ln.startswith("statistic ") and "(max" not in ln).split()[1])
    assert math.isclose(shown, saved, rel_tol=1e-10)


# ------------------------------------------------------------------ the claim's scope, --json (docs/reviewer.md)

def test_replay_reapplies_the_claims_where_and_samplers(enumerated_witness, tmp_path, capsys):
    # The witness is balanced:K=1; a claim narrowed to K >= 2 (or to balanced:K=2) does not range over it.
    _, w = enumerated_witness
    for extra in ('where = "K >= 2"\n', 'samplers = ["balanced:K=2"]\n'):
        cf = _claims_file(tmp_path, FALSE_BALANCED + extra)
        status, out, _ = _replay(capsys, w["path"], cf)
        assert status == 1
        assert "scope     outside the claim's scope" in out and "verdict   " not in out
    cf = _claims_file(tmp_path, FALSE_BALANCED + 'where = "K <= 1"\n')  # still inside: the refutation stands
    status, out, _ = _replay(capsys, w["path"], cf)
    assert status == 1 and "verdict   refuted" in out and "outside" not in out


def test_replay_json(enumerated_witness, capsys):
    cf, w = enumerated_witness
    status = main(["replay", str(w["path"]), "--claims-file", str(cf), "--json"])
    rec = json.loads(capsys.readouterr().out)
    assert status == 1 and rec["exit"] == 1
    assert rec["verdict"] == "refuted" and rec["recorded"] == "refuted" and rec["same"] is True
    assert rec["known"] is False and rec["scope"] == {"status": "inside"}
    assert rec["instance"]["sampler"] == "balanced:K=1" and rec["claim"] == "X.HALF-TC"
    assert math.isclose(rec["lhs"]["float"], 2 * math.log(2)) and math.isclose(rec["rhs"]["float"], math.log(2))
    assert rec["margin"].startswith("[")


def test_replay_json_of_an_all_law_witness(tmp_path, capsys):
    cf = _claims_file(tmp_path, FALSE_ALL_LAWS)
    res = run_claim(load_claims_file(cf)[0], "ci", witness_dir=tmp_path / "w")
    assert main(["replay", res.witnesses[0]["path"], "--claims-file", str(cf), "--json"]) == 1
    rec = json.loads(capsys.readouterr().out)
    assert rec["lhs"]["exact"] == "1" and rec["rhs"]["exact"] == "1/4" and rec["all_laws"] == "refuted"
    assert rec["instance"] == {"grid": "all-laws", "L": 4, "sampler": "balanced:K=2", "ray": 3}


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d["witness"].pop("target_spec"), "witness.target_spec"),
    (lambda d: d.pop("backend"), "backend"),
    (lambda d: d["witness"].update(target_spec="noisy-copy:L=1000,eta=7"), "witness.target"),
])
def test_a_broken_profile_witness_is_one_line(tmp_path, capsys, mutate, field):
    text = FALSE_BALANCED.replace('grid = "balanced"', 'grid = "balanced"\ntargets = ["noisy-copy:L=24,eta=1/10"]')
    cf = _claims_file(tmp_path, text)
    res = run_claim(load_claims_file(cf)[0], "ci", witness_dir=tmp_path / "w")
    path = res.witnesses[0]["path"]
    data = json.loads(open(path).read())
    assert data["backend"] == "profile" and "pmf" not in data
    mutate(data)
    open(path, "w").write(json.dumps(data))
    status, _, err = _replay(capsys, path, cf)
    assert status == 2 and len(err.strip().splitlines()) == 1 and field in err, err
