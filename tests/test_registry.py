"""The registry machinery: verdicts that must come out refuted or tight, witnesses that replay,
claims files, and the LC25 shape claims' closed forms."""
import dataclasses
import json
import shlex
import subprocess
import sys
from fractions import Fraction
from math import log

import pytest

from distributions import parse_target
from proofs_numeric import claim_by_id, registry
from verify.certify.verdicts import check_eq, check_le
from verify.claims.check import TargetCache, replay_witness, run_claim
from verify.claims.model import Claim, load_claims_file
from verify.errors import SpecError
from verify.engine.info import Marginals, measures
from verify.engine.laws import expected_kl
from verify.engine.plans import fixed
from verify.engine.samplers import parse_sampler

FALSE_SMAX = """
[[claim]]
id = "FALSE.SMAX-HALF"
paper = "derived"
provenance = "derived"
statement = 'deliberately false: D-SMAX with half its constant'
relation = "<="
grid = "compositions"
lhs = "expected_kl"
rhs = "(1/2)*(s_max - 1)/L * (TC + DTC)"
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_registry_ids_unique_and_tagged():
    claims = registry()
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids))
    for c in claims:
        assert c.provenance in ("abstract", "reported", "reading", "derived")
        assert (c.paper == "derived") == (c.provenance == "derived")
    for required in ("LC25.T1", "LC25.C1", "LC25.TRAIN", "LC25.T2", "LC25.RATE", "D-CHAIN", "D-PROFILE",
                     "D-MIX", "D-SMAX", "D-ONE", "D-SEQ", "D-INFO"):
        assert required in ids


def test_false_claim_is_refuted_with_a_replayable_certified_witness(tmp_path):
    claim = load_claims_file(_write(tmp_path, "false.toml", FALSE_SMAX))[0]
    res = run_claim(claim, "ci", TargetCache(), family="mds", witness_dir=tmp_path / "w")
    refuted = res.refutations()
    assert refuted, "halving D-SMAX's constant must break it on a repetition code"
    assert [w for w in res.witnesses if w["kind"] == "refuted"]
    assert res.unknown_refutations()
    # Replay from the saved exact inputs alone: the file holds the law, the sampler and predictor.
    w = next(w for w in res.witnesses if w["kind"] == "refuted")
    assert replay_witness(claim, w["path"]).status == "refuted"
    saved = json.loads(open(w["path"]).read())
    target = parse_target(f"file:{w['path']}", exact=True)
    sched = parse_sampler(saved["witness"]["sampler"], target.L)
    info = measures(target)
    lhs = expected_kl(target, sched)
    rhs = (info["TC"] + info["DTC"]) * Fraction(sched.max_block - 1, 2 * target.L)
    assert check_le(lhs, rhs).status == "refuted"
    # The printed replay command runs as is through a shell.
    cmd = w["replay"].replace("verify measure", f"{shlex.quote(sys.executable)} -m verify.cli measure", 1)
    out = subprocess.run(cmd + " --json", shell=True, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert abs(json.loads(out.stdout)["expected_kl"] - float(lhs)) < 1e-12


def test_replay_commands_are_shell_safe_for_every_grid(tmp_path):
    """Witness replay strings quote specs (random-size laws contain ';') and name plan samplers."""
    claim = load_claims_file(_write(tmp_path, "x.toml", FALSE_SMAX.replace('grid = "compositions"', 'grid = "schedules"')
                                    .replace("(1/2)*", "(1/100)*")))[0]
    res = run_claim(claim, "ci", TargetCache(), targets=["mds:q=2,L=3,k=1"], witness_dir=tmp_path / "w")
    rs = [w for w in res.witnesses if "random-size" in w["replay"]]
    assert rs, "the schedules grid has a random-size law that must be refuted here"
    for w in rs:
        cmd = w["replay"].replace("verify measure", f"{shlex.quote(sys.executable)} -m verify.cli measure", 1)
        out = subprocess.run(cmd + " --json", shell=True, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr


def test_false_claim_makes_verify_check_exit_1(tmp_path):
    path = _write(tmp_path, "false.toml", FALSE_SMAX)
    out = subprocess.run([sys.executable, "-m", "verify.cli", "check", "--claims-file", str(path),
                          "--only", "FALSE.*", "--witness-dir", str(tmp_path / "w")],
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "FALSE.SMAX-HALF" in out.stdout


def test_two_token_one_block_is_tight_not_undecided(tmp_path):
    """p(0,0) = p(1,1) = 3/8, p(0,1) = p(1,0) = 1/8; one block of 2: E KL = I(X_1;X_2) = rhs of LC25.T1."""
    law = _write(tmp_path, "two.json", json.dumps({"q": 2, "L": 2, "pmf": ["3/8", "1/8", "1/8", "3/8"]}))
    claim = dataclasses.replace(claim_by_id("LC25.T1"), predictors=("perfect",))
    res = run_claim(claim, "ci", TargetCache(), targets=[f"file:{law}"])
    by_sampler = {r.instance["sampler"]: r for r in res.rows}
    row = by_sampler["fixed:sizes=2"]
    assert row.status == "tight"
    assert row.verdict["how"].startswith("exact zero")
    # and the value is the closed form I = (3/4) log 3 − log 2 (approximately, for display only)
    assert abs(row.lhs - (0.75 * log(3) - log(2))) < 1e-12


def test_tight_needs_exact_equality_float_near_misses_are_not_tight():
    """A side that differs from the bound by 2^-80 must not read tight."""
    target = parse_target("mds:q=2,L=3,k=1", exact=True)
    ekl = expected_kl(target, fixed((3,), 3))          # repetition, one block: TC = 2 log 2
    assert check_eq(ekl, measures(target)["TC"]).status == "tight"
    v = check_le(ekl, measures(target)["TC"] - Fraction(1, 2**80))
    assert v.status == "refuted"


def test_claims_file_errors_name_the_field(tmp_path):
    bad_symbol = FALSE_SMAX.replace("TC + DTC", "TC + DTX")
    with pytest.raises(SpecError, match="unknown symbol 'DTX'"):
        load_claims_file(_write(tmp_path, "a.toml", bad_symbol))
    with pytest.raises(SpecError, match="unknown key 'bogus'"):
        load_claims_file(_write(tmp_path, "b.toml", FALSE_SMAX + 'bogus = 1\n'))
    with pytest.raises(SpecError, match="provenance"):
        load_claims_file(_write(tmp_path, "c.toml", FALSE_SMAX.replace('provenance = "derived"', 'provenance = "proved"')))
    with pytest.raises(SpecError, match="not valid TOML"):
        load_claims_file(_write(tmp_path, "d.toml", "[[claim]\n"))


def test_T2_parity_ratio_is_exactly_one_over_s():
    """Parity [L, L−1]_q: max over s_max = s of E KL is log q (last block of size s), Σ I = L log q,
    so E KL / ((s/L) Σ I) = 1/s exactly — any lower constant must shrink like 1/s."""
    for q, L in ((2, 5), (3, 4)):
        target = parse_target(f"mds:q={q},L={L},k={L - 1}", exact=True)
        sum_I = measures(target)["sum_I"]
        m = Marginals(target)
        for s in range(2, L + 1):
            sizes = (1,) * (L - s) + (s,)
            ekl = expected_kl(target, fixed(sizes, L), marginals=m)
            assert check_eq(ekl * s, sum_I * Fraction(s, L)).status == "tight"


def test_T2_summary_reports_parity_one_over_s():
    res = run_claim(claim_by_id("LC25.T2"), "ci", TargetCache(), family="mds")
    par = res.summary["parity_ratio_by_s"]
    assert par, "the ci grid contains parity codes"
    for s, ratio in par.items():
        assert abs(ratio - 1 / int(s)) < 1e-12


def test_C1_best_constant_on_repetition_is_closed_form():
    """Repetition [L,1]_2 with balanced:K=1: E KL = TC = (L−1) log 2 and Σ I = L log 2, so the
    statistic K (E KL − ε)/Σ I equals (L−1)/L; over the ci grid (L ≤ 6) the max is 5/6."""
    res = run_claim(claim_by_id("LC25.C1"), "ci", TargetCache(), family="mds")
    assert abs(res.summary["value"] - 5 / 6) < 1e-12


def test_a_statistic_left_out_only_where_it_is_not_defined():
    """A statistic that has no value on an instance (NotDefined, a division by zero) is left out
    for that instance; any other error of a side is a fault in the claim and must surface, not
    be swallowed as "not defined"."""
    from verify.claims.check import TargetCache, claim_rows
    from verify.claims.model import Claim
    from verify.errors import NotDefined, SpecError

    def claim_with(stat):
        return Claim(id="TEST.STAT", paper="derived", provenance="reading", statement="s",
                     relation="shape", grid="targets", statistic=stat)

    specs = ["product:L=2,q=2,seed=1"]

    def not_defined(inst):
        raise NotDefined("claim side", "TC / 0 is not finite here")

    def zero_div(inst):
        raise ZeroDivisionError

    for stat in (not_defined, zero_div):
        rows = claim_rows(claim_with(stat), "ci", TargetCache(), targets=specs)
        assert rows and all(r.statistic is None for r in rows)

    def faulty(inst):
        raise SpecError("claim side", "unsupported term foo(TC)")

    with pytest.raises(SpecError, match="unsupported term"):
        claim_rows(claim_with(faulty), "ci", TargetCache(), targets=specs)


def test_any_short_paper_key_is_accepted_and_a_bad_one_refused():
    """A reviewer's claims file may name any paper by a short identifier; anything else is one error."""
    ok = Claim(id="X.ONE", paper="Smith27", provenance="reading", statement="s", relation="<=",
               grid="targets", lhs="TC", rhs="TC + DTC")
    assert ok.paper == "Smith27"
    for bad in ("", "27Smith", "has space", "x" * 30, "Ünï"):
        with pytest.raises(SpecError, match="paper"):
            Claim(id="X.BAD", paper=bad, provenance="reading", statement="s", relation="<=",
                  grid="targets", lhs="TC", rhs="TC + DTC")
