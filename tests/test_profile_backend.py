"""The profile backend of a claims file (``backend = "profile"``, ``targets = [...]``: claims/profile_instances.py).

Oracles: (1) the enumeration backend on the same small targets (L ≤ 6) — it builds the pmf and
computes every quantity from it, independently of the closed-form profiles — must give the same
instances, the same verdicts and, for exact sides, values proved equal by the exact equality test;
(2) at L = 1000, the noisy repeated bit's entropies from its binomial closed form, computed here in
log space with nothing from the engine.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from verify.certify.verdicts import check_eq
from verify.claims.check import row_instance, run_claim, side_value
from verify.claims.distributed import run_claims
from verify.claims.model import load_claims_file
from verify.cli.main import main

SMALL = ["noisy-copy:L=5,eta=1/10", "product:L=4,q=2,p=1/3+2/3", "mds:q=3,L=4,k=2,code=tetracode",
         "copy:L=5,delta=1/3", "markov:L=5,q=2,flip=1/10",
         "mixture:weights=1/3+2/3,of=[product:L=4,q=2,p=1/4+3/4]+[product:L=4,q=2]"]


def _claim(cid, grid, lhs, rhs, relation="<=", backend=None, targets=SMALL, extra=""):
    return (f'[[claim]]\nid = "{cid}"\npaper = "REV1"\nprovenance = "reading"\nstatement = "x"\n'
            f'relation = "{relation}"\ngrid = "{grid}"\nlhs = "{lhs}"\nrhs = "{rhs}"\n'
            + (f'backend = "{backend}"\n' if backend else "") + f"targets = {json.dumps(targets)}\n" + extra)


def _pair(tmp_path, grid, lhs, rhs, relation):
    f = tmp_path / "c.toml"
    f.write_text(_claim("X.E", grid, lhs, rhs, relation, "enumeration")
                 + _claim("X.P", grid, lhs, rhs, relation, "profile"))
    return load_claims_file(f)


CASES = [
    ("balanced", "expected_kl", "TC", "<="),
    ("balanced", "profile_kl", "expected_kl_perfect", "=="),
    ("balanced", "H + DTC_alt", "sum_I + L*K", ">="),
    ("mdm", "expected_kl + sum_pi_sq", "TC + pi_sq_over_R", "<="),
    ("mdm", "s_max*T", "expected_iterations*K + N", "<="),
    ("schedules", "expected_kl", "(s_max - 1)/L * sum_I + expected_iterations_sampler", "<="),
    ("size-laws", "expected_kl", "TC", "<="),
    ("w26", "w26_bound", "expected_kl", ">="),
    ("w26-geo", "w26_bound", "expected_kl + w26_cor1", ">="),
    ("compositions", "s_max + profile_kl", "K + T + TC", "<="),
    ("one-block", "expected_kl", "TC", "=="),
    ("singletons", "expected_kl", "DTC", "<="),
    ("count-seq", "expected_kl", "sum_I / 2", "<="),
    ("w26-geo-card", "w26_ends + w26_cor1", "TC", "<="),
    ("targets", "H01 + TSE", "TC_integral + DTC_integral + H_card_total", "<="),
    ("targets", "DHW + C_UGC", "P_UGC * UGC_ratio + 1", "<="),
]


@pytest.mark.parametrize("grid,lhs,rhs,relation", CASES)
def test_profile_backend_equals_enumeration_on_small_targets(tmp_path, grid, lhs, rhs, relation):
    enum, prof = _pair(tmp_path, grid, lhs, rhs, relation)
    assert (enum.backend, prof.backend) == ("enumeration", "profile")
    re_, rp = run_claim(enum, "ci"), run_claim(prof, "ci")
    key = lambda r: (r.instance["target"], r.instance["sampler"])  # noqa: E731
    by_e, by_p = {key(r): r for r in re_.rows}, {key(r): r for r in rp.rows}
    assert list(by_e) == list(by_p) and by_e  # the same instances, in the same order
    assert re_.counts == rp.counts and len(re_.undefined_rows()) == len(rp.undefined_rows())
    for k, a in by_e.items():
        b = by_p[k]
        assert a.status == b.status, (k, a.margin, b.margin)
        if a.status == "undefined":
            continue
        for side in (lhs, rhs):
            va = side_value(enum, side, row_instance(enum, a))
            vb = side_value(prof, side, row_instance(prof, b))
            if "DHW" in side or "P_UGC" in side:  # certified balls (quadrature): the enclosures overlap
                from flint import arb

                ea, eb = (v.enclose(128) if hasattr(v, "enclose") else arb(v) for v in (va, vb))
                assert ea.overlaps(eb), (k, side, ea, eb)
            else:
                assert check_eq(va, vb).status == "tight", (k, side)


def test_grid_specs_name_the_enumerated_grids_samplers():
    from verify.claims.instances import grid_schedules
    from verify.claims.profile_instances import PROFILE_GRIDS, grid_specs

    for grid in PROFILE_GRIDS:
        for L in (1, 2, 5, 7):
            want = [s.spec if s is not None else None for s, _ in grid_schedules(grid, L)]
            assert grid_specs(grid, L) == want, (grid, L)


# ------------------------------------------------------------------ beyond enumeration

def _noisy_copy_h(m: int, eta: float) -> float:
    """H of the noisy repeated bit at length m: p(x) = ½ (1−η)^{m−k} η^k + ½ η^{m−k} (1−η)^k, k ones."""
    a, b = math.log(1 - eta), math.log(eta)
    total = 0.0
    for k in range(m + 1):
        u, v = (m - k) * a + k * b, k * a + (m - k) * b
        hi = max(u, v)
        logp = math.log(0.5) + hi + math.log(math.exp(u - hi) + math.exp(v - hi))
        logc = math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)
        total -= math.exp(logc + logp) * logp
    return total


LONG = """
[[claim]]
id = "REV.LONG"
paper = "REV1"
provenance = "reading"
statement = "E KL <= DTC (false on long noisy copies)"
relation = "<="
grid = "balanced"
samplers = ["balanced:K={K}"]
budgets = [2]
targets = ["noisy-copy:L=1000,eta=1/10", "product:L=1000,q=2,p=1/3+2/3"]
lhs = "expected_kl"
rhs = "DTC"

[[claim]]
id = "REV.LONG-H"
paper = "REV1"
provenance = "reading"
statement = "H <= L log 2"
relation = "<="
grid = "targets"
targets = ["noisy-copy:L=1000,eta=1/10"]
lhs = "H"
rhs = "TC"
"""


def test_a_claim_at_L_1000_against_the_binomial_closed_form(tmp_path):
    (tmp_path / "long.toml").write_text(LONG)
    claim, hclaim = load_claims_file(tmp_path / "long.toml")
    assert claim.backend == "profile" and "chosen" in claim.backend_reason  # auto: every symbol is profile-linear
    res = run_claim(claim, "ci")
    rows = {r.instance["target"].split(":")[0]: r for r in res.rows}
    # the product law: E KL = DTC = 0, decided exactly
    assert rows["product"].status == "tight"
    # the noisy copy: two blocks of 500; E KL = [500 h(1) − h(500)] + [500 (h(501) − h(500)) − (h(1000) − h(500))]
    h = {m: _noisy_copy_h(m, 0.1) for m in (1, 500, 501, 999, 1000)}
    ekl = 500 * h[1] - h[500] + 500 * (h[501] - h[500]) - (h[1000] - h[500])
    dtc = 1000 * h[999] - 999 * h[1000]
    r = rows["noisy-copy"]
    assert r.status == "refuted"
    assert math.isclose(r.lhs, ekl, rel_tol=1e-9) and math.isclose(r.rhs, dtc, rel_tol=1e-6, abs_tol=1e-6)
    hres = run_claim(hclaim, "ci")
    assert math.isclose(hres.rows[0].lhs, h[1000], rel_tol=1e-10)
    assert math.isclose(hres.rows[0].rhs, 1000 * math.log(2) - h[1000], rel_tol=1e-9)


def test_a_refuted_profile_witness_replays_to_the_same_verdict(tmp_path, capsys):
    (tmp_path / "long.toml").write_text(LONG)
    rc = main(["check", "--claims-file", str(tmp_path / "long.toml"), "--only", "REV.LONG",
               "--witness-dir", str(tmp_path / "w")])
    out = capsys.readouterr().out
    assert rc == 1 and "backend profile" in out
    files = sorted((tmp_path / "w").glob("REV.LONG-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text())
    assert "pmf" not in data and data["witness"]["target_spec"] == "noisy-copy:L=1000,eta=1/10"
    rc = main(["replay", "--claims-file", str(tmp_path / "long.toml"), str(files[0])])
    out = capsys.readouterr().out
    assert rc == 1
    assert "verdict   refuted" in out and "recorded  refuted  (same)" in out and "backend profile" in out


def test_distributed_and_cached_runs_rebuild_profile_rows(tmp_path):
    from proofs_numeric import registry

    (tmp_path / "long.toml").write_text(LONG)
    mine = load_claims_file(tmp_path / "long.toml")
    claims = mine + [c for c in registry() if c.id == "D-INFO"]
    plain = [run_claim(c, "ci", witness_dir=tmp_path / "w0") for c in claims]
    seen = []
    first = run_claims(claims, "ci", cache_dir=tmp_path / "cache", witness_dir=tmp_path / "w1")
    again = run_claims(claims, "ci", cache_dir=tmp_path / "cache", witness_dir=tmp_path / "w2",
                       progress=seen.append)
    assert seen[-1].from_cache == seen[-1].total > 0
    for runs in (first, again):
        for a, b in zip(plain, runs):
            assert [r.instance for r in a.rows] == [r.instance for r in b.rows]  # own targets never leak
            assert [r.status for r in a.rows] == [r.status for r in b.rows]
            assert [w["id"] for w in a.witnesses] == [w["id"] for w in b.witnesses]


# ------------------------------------------------------------------ choosing and refusing

def test_auto_backend_says_what_it_chose(tmp_path, capsys):
    f = tmp_path / "c.toml"
    f.write_text(_claim("A.PROF", "balanced", "expected_kl", "TC", targets=SMALL[:2])
                 + _claim("A.ENUM", "balanced", "tv", "1", targets=SMALL[:2]))
    assert main(["claims", "--claims-file", str(f), "--only", "A.*"]) == 0
    out = capsys.readouterr().out
    assert "backend: profile (chosen: every symbol is computable" in out
    assert "backend: enumeration (chosen: symbol 'tv' needs the target's pmf" in out


@pytest.mark.parametrize("extra,field,words", [
    ('backend = "fast"\n', ".backend", "enumeration, profile, auto"),
    ('backend = "profile"\n', ".lhs", "'tv' needs the target's pmf: not available on backend 'profile'"),
])
def test_profile_refusals_name_the_symbol_and_backend(tmp_path, capsys, extra, field, words):
    f = tmp_path / "c.toml"
    f.write_text(_claim("B.X", "balanced", "tv", "1", targets=SMALL[:1]).replace("targets", extra + "targets"))
    assert main(["claims", "--claims-file", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0] and words in err[0], err


def test_workers_run_profile_tasks_and_the_client_rebuilds_witnesses(tmp_path):
    (tmp_path / "long.toml").write_text(LONG)
    claims = load_claims_file(tmp_path / "long.toml")
    plain = [run_claim(c, "ci", witness_dir=tmp_path / "w0") for c in claims]
    got = run_claims(claims, "ci", workers=2, witness_dir=tmp_path / "w1")
    for a, b in zip(plain, got):
        assert [(r.instance, r.status, r.margin) for r in a.rows] == [(r.instance, r.status, r.margin) for r in b.rows]
        assert [w["id"] for w in a.witnesses] == [w["id"] for w in b.witnesses]
        for w in b.witnesses:  # the client wrote a profile witness (no pmf) for each
            assert "pmf" not in json.loads(Path(w["path"]).read_text())
