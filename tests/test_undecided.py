"""An adaptive branch still open at the precision cap is reported as undecided: one line from
`verify measure`, an `undecided` row in the proof check — never a silent float choice and never a
"bad input" error.

The instance: a fair bit and η = ln 2 rounded to 40 decimals. Its entropy sum differs from η by
less than 10^-40 (math: |ln 2 − round(ln 2, 40)| ≤ ½·10^-40), below the float preview's radius,
so the rule must decide exactly; with the cap lowered to 64 bits (about 19 digits) it cannot.
"""
import pytest

import verify.engine.adaptive as adaptive
from proofs_numeric import registry
from verify.claims.check import claim_rows, select, TargetCache
from verify.cli.main import main

ETA = "0.6931471805599453094172321214581765680755"  # ln 2 to 40 decimals (mpmath: ln 2 = 0.69314718055994530941723212145817656807550013…)


@pytest.fixture
def low_cap(monkeypatch):
    monkeypatch.setattr(adaptive, "PREC_CAP", 64)


def test_measure_reports_an_undecided_branch_in_one_line(low_cap, capsys):
    rc = main(["measure", "--target", "product:L=2,q=2,p=1/2+1/2", "--sampler", f"entropy-sum:eta={ETA}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("verify: undecided:"), err


def test_the_same_branch_is_decided_at_the_normal_cap(capsys):
    rc = main(["measure", "--target", "product:L=2,q=2,p=1/2+1/2", "--sampler", f"entropy-sum:eta={ETA}", "--json"])
    assert rc == 0, capsys.readouterr().err
    import json

    out = json.loads(capsys.readouterr().out)
    # η < ln 2 (the rounding above is down: the 41st decimal of ln 2 is 0, then 0, 1, 3, ...):
    # a single fair bit already exceeds η, so every iteration reveals exactly one token.
    assert out["expected_iterations"] == 2


def test_proof_check_row_is_undecided_not_an_error(low_cap, monkeypatch):
    import verify.claims.instances as instances_mod
    from verify.engine.rules import parse_rule

    monkeypatch.setattr(instances_mod, "grid_schedules", lambda grid, L: [(parse_rule(f"entropy-sum:eta={ETA}", L), None)])
    claim = select(registry(), "CL26.STEP")[0]
    rows = claim_rows(claim, "ci", TargetCache(), targets=["product:L=2,q=2,p=1/2+1/2"])
    assert [r.status for r in rows] == ["undecided"]
    assert "branch undecided" in rows[0].margin
