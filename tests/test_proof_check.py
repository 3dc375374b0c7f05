"""The proof check: every registered claim on the profile's grid, one test per claim and family.

A checked claim passes when every instance is ``certified`` or ``tight`` (docs/index.md §5), except
refutations recorded as known findings and undefined instances: a new ``refuted`` instance (any
of them, saved as a witness or not) or any ``undecided`` instance fails, naming the claim, the
instance and its witness; so do a claim with no instance in the profile (a case of its own) and a
claim whose every instance is undefined (``check.proof_problems``). Each known finding of a *paper* claim is
its own test, marked xfail(strict=True, raises=AssertionError) with the witness id: it re-checks the
claim on the saved witness, so it fails (as expected) while the finding stands and turns into a
strict failure if the witness ever stops refuting; any other exception (a crash) is a real failure.
A refuted ``derived`` claim is a bug and is never marked. The same test always runs once more on a
synthetic finding (a false claims-file claim, its witness generated here), so it is never an empty
parameter set; ``test_synthetic_finding_replay_contract`` checks ``verify replay``'s verdict and exit
status on that witness, unrecorded (exit 1) and recorded (exit 0).
"""
import math
from pathlib import Path

import pytest

from proofs_numeric import registry
from verify.claims.check import TargetCache, proof_cases, proof_problems, replay_witness, run_claim
from verify.claims.serialize import to_float

PROFILE_FOR_COLLECTION = "ci"
WITNESSES = Path(__file__).resolve().parent.parent / "reports" / "witnesses"
CACHE = TargetCache()  # shared by all claims: marginals and per-level forms are computed once


def _cases():
    # a claim with no family in the profile is a case too, and fails: no claim is silently absent
    for claim, fam in proof_cases(registry(), PROFILE_FOR_COLLECTION):
        yield pytest.param(claim, fam, id=f"{claim.id}[{fam or 'no instance'}]")


# A finding made on purpose: mixture KL <= 0 is false wherever the mixture law differs from the target.
# On the repetition code of length 3 (mds:q=2,L=3,k=1: x1 = x2 = x3, uniform) one balanced block
# (K = 1) reveals every position at once from its marginal, so the output law is the product of the
# uniform marginals and KL(p || product) = TC = 3 log 2 - log 2 = 2 log 2 > 0 = rhs: refuted, margin -2 log 2.
SYNTHETIC = """
[[claim]]
id = "X.MIX-NONPOS"
paper = "SYNTH"
provenance = "reading"
statement = 'false on purpose: mixture KL <= 0'
relation = "<="
grid = "balanced"
predictors = ["perfect"]
lhs = "mixture_kl"
rhs = "0"
"""
REPETITION = "mds:q=2,L=3,k=1"


def _findings():
    # the synthetic finding first: the test runs (and can fail) even when no claim records a refutation
    yield pytest.param(None, None, id="X.MIX-NONPOS[synthetic finding]",
                       marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                               reason="synthetic finding: mixture_kl <= 0 is false"))
    for claim in registry():
        for wid in claim.known_refutations:
            assert claim.provenance != "derived", f"{claim.id}: a refuted derived claim is a bug, not a finding"
            yield pytest.param(claim, wid, id=f"{claim.id}[finding {wid}]",
                               marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                                       reason=f"known refutation, witness {wid}"))


def _replay(capsys, *args) -> tuple:
    """(exit status, JSON record) of ``verify replay ARGS --json``."""
    import json

    from verify.cli.main import main

    status = main(["replay", *map(str, args), "--json"])
    out = capsys.readouterr()
    assert out.out.strip(), out.err
    return status, json.loads(out.out)


def _synthetic_witness(tmp_path) -> tuple:
    """(claim, witness path) of SYNTHETIC's balanced:K=1 instance on the repetition code (no check here:
    a witness that stops refuting must reach the strict-xfail test as a passing check)."""
    import json

    from verify.claims.model import load_claims_file

    (tmp_path / "new.toml").write_text(SYNTHETIC)
    claim = load_claims_file(tmp_path / "new.toml")[0]
    res = run_claim(claim, "ci", targets=[REPETITION], witness_dir=tmp_path / "w")
    for w in res.witnesses:
        if json.loads(Path(w["path"]).read_text())["witness"]["sampler"] == "balanced:K=1":
            return claim, Path(w["path"]), w["id"]
    return claim, None, None  # not refuted there, so no witness was written


@pytest.mark.parametrize("claim,family", list(_cases()))
def test_claim(claim, family, profile, tmp_path):
    if family is None:
        pytest.fail(f"{claim.id} ranges over no target family of the {profile} profile: it has no instance")
    res = run_claim(claim, profile, CACHE, family=family, witness_dir=tmp_path)
    problems = proof_problems(res, family)
    assert not problems, "; ".join(problems)
    if not claim.checked and claim.grid == "all-laws":
        bad = [r.instance for r in res.rows if r.statistic is None or math.isnan(r.statistic)]
        assert not bad, f"all-law shape claim {claim.id} has no statistic on {bad[:2]}"
    elif not claim.checked:
        # Shape claims give no verdict; their statistic must be a finite number wherever it is
        # defined (Σ I > 0).
        bad = [r.instance for r in res.rows
               if to_float(r._inst.value("sum_I")) > 0
               and (r.statistic is None or not math.isfinite(r.statistic))]
        assert not bad, f"shape claim {claim.id} has no finite statistic on {bad[:2]}"


@pytest.mark.parametrize("claim,witness_id", list(_findings()))
def test_known_finding(claim, witness_id, tmp_path, capsys):
    """The claim re-checked on the finding's witness: an AssertionError (expected, strict) while it refutes."""
    if claim is None:
        claim, path, _ = _synthetic_witness(tmp_path)
        if path is None:
            return  # no refuted instance, no witness: the claim holds there (a strict XPASS)
    else:
        path = WITNESSES / f"{witness_id}.json"
    verdict = replay_witness(claim, path)
    assert verdict.holds, f"{claim.id} refuted by {path.stem}: margin {verdict.margin}"


def test_synthetic_finding_replay_contract(tmp_path, capsys):
    """``verify replay`` on a finding: ``refuted`` with exit 1 while unrecorded, exit 0 once its id is in ``known_refutations`` (docs/report.md,
    "Exit status as verify check")."""
    _, path, wid = _synthetic_witness(tmp_path)
    assert path is not None, "the synthetic claim mixture_kl <= 0 wrote no witness on balanced:K=1"
    status, rec = _replay(capsys, path, "--claims-file", tmp_path / "new.toml")
    assert (rec["verdict"], rec["known"], rec["exit"], status) == ("refuted", False, 1, 1), rec
    assert math.isclose(rec["lhs"]["float"], 2 * math.log(2)) and rec["rhs"]["float"] == 0
    recorded = tmp_path / "known.toml"
    recorded.write_text(SYNTHETIC + f'known_refutations = ["{wid}"]\n')
    status, rec = _replay(capsys, path, "--claims-file", recorded)
    assert rec["verdict"] == "refuted", f"{rec['claim']}: the finding no longer refutes: margin {rec['margin']}"
    assert (rec["known"], rec["exit"], status) == (True, 0, 0), rec
