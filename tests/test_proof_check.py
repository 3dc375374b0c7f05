"""The proof check: every registered claim on the profile's grid, one test per claim and family.

A checked claim passes when every instance is ``certified`` or ``tight`` (CLAIMS.md §5): a
``refuted`` or ``undecided`` instance fails, naming the claim, the instance and its saved witness.
A refuted *paper* claim that is a recorded finding is marked xfail(strict=True) with its witness
id; a refuted ``derived`` claim is a bug and is never marked.
"""
import pytest

from proofs_numeric import registry
from verify.check import TargetCache, families, run_claim
from verify.serialize import to_float

PROFILE_FOR_COLLECTION = "ci"
CACHE = TargetCache()  # shared by all claims: marginals and per-level forms are computed once


def _cases():
    for claim in registry():
        for fam in families(PROFILE_FOR_COLLECTION):
            marks = []
            if claim.known_refutations:
                assert claim.provenance != "derived", f"{claim.id}: a refuted derived claim is a bug"
                marks.append(pytest.mark.xfail(strict=True, reason="known refutation: " + ", ".join(claim.known_refutations)))
            yield pytest.param(claim, fam, id=f"{claim.id}[{fam}]", marks=marks)


@pytest.mark.parametrize("claim,family", list(_cases()))
def test_claim(claim, family, profile, tmp_path):
    res = run_claim(claim, profile, CACHE, family=family, witness_dir=tmp_path)
    assert res.rows, f"{claim.id} has no instance in family {family}"
    if claim.checked:
        bad = [r for r in res.rows if r.status not in ("certified", "tight")]
        witnesses = {w["id"]: w["path"] for w in res.witnesses}
        assert not bad, (
            f"{claim.id} [{claim.provenance}] fails on {len(bad)} instance(s); first: {bad[0].instance} "
            f"status={bad[0].status} margin={bad[0].margin}; witnesses: {witnesses}")
    else:
        # Shape claims give no verdict; their statistic must exist wherever it is defined (Σ I > 0).
        missing = [r.instance for r in res.rows
                   if r.statistic is None and to_float(r._inst.value("sum_I")) > 0]
        assert not missing, f"shape claim {claim.id} has no statistic on {missing[:2]}"
