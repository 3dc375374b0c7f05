"""Releasing targets during a run (``TargetCache.plan_release`` / ``claim_done``).

A run told its claims in order drops a target's workspace once no later claim uses it, and
detaches the finished rows on it, so the workspace can be collected (checked with a weakref); a
target a later claim still uses keeps the very same workspace (nothing is computed twice); and the
rows, verdicts, witnesses and JSON of a run with release are exactly those of a run without.
The deliberately false claim TC <= DTC is refuted on the repetition code [3,1]_2
(TC = 2 log 2 > DTC = log 2) and tight on a product law (TC = DTC = 0): refuted rows and their
witnesses go through the release too.
"""
import gc
import weakref

from proofs_numeric import registry
from verify.claims.check import (COLLECTOR_THRESHOLDS, TargetCache, claim_rows, claim_targets,
                                 proof_run_collector, row_instance, run_claim)
from verify.claims.distributed import ROW_FIELDS, run_claims
from verify.claims.model import Claim

PROFILE = "ci"
FALSE_CLAIM = Claim(id="TEST.TC-LE-DTC", paper="derived", provenance="reading",
                    statement=r"TC \le DTC \text{ (false in general: a test claim)}", relation="<=",
                    grid="targets", lhs="TC", rhs="DTC")
ONLY_FIRST, SHARED, ONLY_SECOND = "mds:q=2,L=3,k=1", "product:L=3,q=2,seed=1", "markov:L=4,q=2,flip=1/10"
PER_CLAIM = [[ONLY_FIRST, SHARED], [SHARED, ONLY_SECOND]]


def _claims():
    by_id = {c.id: c for c in registry()}
    return [FALSE_CLAIM, by_id["D-SMAX"]]


def _rows(res) -> list:
    return [[repr(getattr(r, f)) for f in ROW_FIELDS] for r in res.rows]


def _normalised(res, wdir) -> dict:
    d = res.to_json()
    d.pop("seconds")
    d["witnesses"] = [{k: str(v).replace(str(wdir), "<W>") for k, v in w.items()} for w in d["witnesses"]]
    d["rows"] = _rows(res)
    return d


def test_claim_targets_are_the_specs_the_run_builds():
    claims = _claims()
    for c, specs in zip(claims, PER_CLAIM):
        cache = TargetCache()
        run_claim(c, PROFILE, cache, targets=specs)
        assert set(cache._ws) == claim_targets(c, PROFILE, targets=specs) == set(specs)


def test_a_target_is_released_after_its_last_claim_and_only_then(tmp_path):
    claims = _claims()
    cache = TargetCache()
    cache.plan_release(claims, PROFILE, per_claim=PER_CLAIM)
    first = run_claim(claims[0], PROFILE, cache, targets=PER_CLAIM[0], witness_dir=tmp_path)
    assert first.counts["refuted"] == 1  # the repetition code: TC = 2 log 2 > DTC = log 2
    gone = weakref.ref(cache._ws[ONLY_FIRST])
    shared = cache._ws[SHARED]
    gc.disable()  # the proof run makes full collections rare: release must not wait for one
    try:
        assert cache.claim_done(0, first) == [ONLY_FIRST]
        assert gone() is None, "the workspace of a target no later claim uses is still alive"
    finally:
        gc.enable()
    assert all(r._inst is None for r in first.rows if r.instance["target"] == ONLY_FIRST)
    assert all(r._inst is not None for r in first.rows if r.instance["target"] == SHARED)
    second = run_claim(claims[1], PROFILE, cache, targets=PER_CLAIM[1])
    assert cache._ws[SHARED] is shared  # kept for the later claim: not rebuilt
    del shared
    refs = [weakref.ref(ws) for ws in cache._ws.values()]
    assert sorted(cache.claim_done(1, second)) == sorted([SHARED, ONLY_SECOND])
    gc.collect()
    assert all(ref() is None for ref in refs) and not cache._ws
    assert all(r._inst is None for res in (first, second) for r in res.rows)
    # What the result still needs was taken before: its new refutation and witness, and a detached
    # row rebuilds its instance from its description (as a distributed run's rows do).
    assert [w["kind"] for w in first.unknown_refutations()] == ["refuted"]
    row = next(r for r in first.rows if r.status == "refuted")
    assert row_instance(claims[0], row).target.spec == ONLY_FIRST


def test_a_run_with_release_gives_the_rows_of_a_run_without(tmp_path):
    claims = _claims()
    w_keep, w_free = tmp_path / "keep", tmp_path / "free"
    keep, kept = TargetCache(), []  # no plan: nothing is released
    for c, specs in zip(claims, PER_CLAIM):
        kept.append(run_claim(c, PROFILE, keep, targets=specs, witness_dir=w_keep))
    cache = TargetCache()
    cache.plan_release(claims, PROFILE, per_claim=PER_CLAIM)
    freed = []
    for n, (c, specs) in enumerate(zip(claims, PER_CLAIM)):
        freed.append(run_claim(c, PROFILE, cache, targets=specs, witness_dir=w_free))
        cache.claim_done(n, freed[-1])
    assert not cache._ws
    for a, b in zip(kept, freed):
        assert _normalised(a, w_keep) == _normalised(b, w_free)
    files = lambda d: {p.name: p.read_bytes() for p in d.iterdir()}  # noqa: E731
    assert files(w_keep) == files(w_free) and files(w_keep)


def test_the_in_process_runner_releases_and_changes_nothing(tmp_path):
    # run_claims without workers: the profile's zoo, one cache with release; against run_claim
    # claim by claim with one cache that keeps everything.
    by_id = {c.id: c for c in registry()}
    claims = [by_id["D-INFO"], by_id["CL26.L1"]]
    keep = TargetCache()
    want = [run_claim(c, PROFILE, keep, witness_dir=tmp_path / "a") for c in claims]
    got = run_claims(claims, PROFILE, witness_dir=tmp_path / "b")
    assert [_normalised(r, tmp_path / "a") for r in want] == [_normalised(r, tmp_path / "b") for r in got]
    assert all(r._inst is None for res in got for r in res.rows)


def test_claims_run_with_the_proof_runs_collector_thresholds_and_restore_the_callers():
    seen = []

    @proof_run_collector
    def body(fail):
        seen.append(gc.get_threshold())
        if fail:
            raise RuntimeError("inside")

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # CPython's defaults
        body(False)
        assert seen[-1] == COLLECTOR_THRESHOLDS and gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(10**6, 5, 1000)  # a caller's own higher setting is never lowered
        try:
            body(True)
        except RuntimeError:
            pass
        assert seen[-1] == (10**6, 50, 1000) and gc.get_threshold() == (10**6, 5, 1000)
    finally:
        gc.set_threshold(*before)
    # the two entry points every runner goes through (run_claims, run_task, the proof check)
    assert run_claim.__wrapped__ is not None and claim_rows.__wrapped__ is not None


def test_the_worst_row_among_exact_ties_is_the_first_tight_one_not_the_float_noise():
    """A tight row (the bound met exactly) is preferred, the one with the largest |rhs|; rows whose
    displayed floats differ only by rounding in the last digits count as equal and the first in grid
    order wins; the largest lhs/rhs decides only among certified rows."""
    from verify.claims.check import ClaimResult, Row

    claim = next(c for c in registry(()) if c.id == "LC25.T1")

    def row(name, status, lhs, rhs):
        return Row({"target": name}, status, lhs, rhs)

    res = ClaimResult(claim, PROFILE, [row("a", "certified", 0.5, 1.0), row("z", "tight", 0.0, 0.0),
                                       row("b", "tight", 0.3, 0.3), row("c", "tight", 0.30000000000000004, 0.30000000000000004),
                                       row("d", "certified", 0.9, 1.0)])
    assert res.worst().instance["target"] == "b"
    res = ClaimResult(claim, PROFILE, [row("a", "certified", 0.9, 1.0), row("b", "certified", 0.9000000000000001, 1.0)])
    assert res.worst().instance["target"] == "a"
    res = ClaimResult(claim, PROFILE, [row("a", "certified", 0.5, 1.0), row("d", "certified", 0.9, 1.0)])
    assert res.worst().instance["target"] == "d"
    eq = next(c for c in registry(()) if c.id == "D-CHAIN")
    res = ClaimResult(eq, PROFILE, [row("x", "tight", 1.0, 1.0), row("y", "tight", 0.7, 0.7000000000000001)])
    assert res.worst().instance["target"] == "x"
