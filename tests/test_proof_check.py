"""The proof check: every registered claim on the profile's grid, one test per claim and family.

A checked claim passes when every instance is ``certified`` or ``tight`` (docs/index.md §5), except
refutations recorded as known findings and undefined instances: a new ``refuted`` instance (any
of them, saved as a witness or not) or any ``undecided`` instance fails, naming the claim, the
instance and its witness; so do a claim with no instance in the profile (a case of its own) and a
claim whose every instance is undefined (``check.proof_problems``). Each known finding of a *paper* claim is
its own test, marked xfail(strict=True) with the witness id: it re-checks the claim on the saved
witness, so it fails (as expected) while the finding stands and turns into a strict failure if the
witness ever stops refuting. A refuted ``derived`` claim is a bug and is never marked.
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


def _findings():
    for claim in registry():
        for wid in claim.known_refutations:
            assert claim.provenance != "derived", f"{claim.id}: a refuted derived claim is a bug, not a finding"
            yield pytest.param(claim, wid, id=f"{claim.id}[finding {wid}]",
                               marks=pytest.mark.xfail(strict=True, reason=f"known refutation, witness {wid}"))


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
def test_known_finding(claim, witness_id):
    verdict = replay_witness(claim, WITNESSES / f"{witness_id}.json")
    assert verdict.holds, f"{claim.id} refuted by {witness_id}: margin {verdict.margin}"
