"""CCL25 Theorem 1.9 (reported) beside the minimax law: the step count, the minimax budget at equal ε,
and the claim's table.

Expected values: CCL25's count worked by hand (ln L to a few digits is enough: the fractional part
is far from an integer at the lengths used); ``K_mm(L, 1) = 1`` in closed form (one block has
E KL = TC on every law, so c*(1) = 1); and an engine-free upper bound on ``K_mm`` from single
compositions, whose sharp constant over TC is ``max_k O_k / (L − k)`` on the rays ``r_k`` (``O_k``
the overshoot past k: a fixed composition's E KL on the k-th ray, in units of log q).
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from proofs_numeric.ccl25 import ccl25_budget, ccl25_steps, comparison_rows, minimax_budget, summarize
from verify.claims.check import TargetCache, run_claim


@pytest.mark.parametrize("L,r,K", [(16, 1, 9), (64, 4, 27), (32, 8, 42), (1, 1, 4), (2, Fraction(1, 2), 5),
                                   (256, 16, 113)])
def test_ccl25_step_count_by_hand(L, r, K):
    # (16, 1): 2 + (1 + 2.7726)·2 = 9.545;  (64, 4): 2 + 5.1589·5 = 27.79;  (32, 8): 2 + 4.4657·9 = 42.19
    # (1, 1): 2 + 1·2;  (2, 1/2): 2 + 1.6931·2 = 5.39;  (256, 16): 2 + 6.5452·17 = 113.27
    assert ccl25_steps(L, r) == K
    assert ccl25_budget(L, r) == min(L, K)


def _sharp_of_composition(c) -> Fraction:
    L, ends, n = sum(c), [], 0
    for s in c:
        n += s
        ends += [n] * s
    # ray k (1 <= k < L): overshoot = end of the step revealing token k, minus k; TC = L − k
    return max(Fraction(ends[k - 1] - k, L - k) for k in range(1, L))


def _composition_budget(L: int, r) -> int:
    best = {}
    for cuts in itertools.product((0, 1), repeat=L - 1):
        c, run = [], 1
        for cut in cuts:
            if cut:
                c.append(run)
                run = 1
            else:
                run += 1
        c.append(run)
        K = len(c)
        v = _sharp_of_composition(c)
        best[K] = min(best.get(K, v), v)
    return min(K for K, v in best.items() if v <= 1 / Fraction(r))


@pytest.mark.parametrize("L", [8, 12])
def test_minimax_budget_against_single_compositions(L):
    for r in (1, 2, 3, 4, 8):
        km, kc = minimax_budget(L, r), _composition_budget(L, r)
        assert km <= kc, (L, r)
    assert minimax_budget(L, 1) == 1 == _composition_budget(L, 1)


def test_table_rows_and_claim_run():
    rows = comparison_rows((16, 32))
    assert [(t["L"], t["r"]) for t in rows] == [(L, r) for L in (16, 32) for r in (1, 2, 4, 8, 16)]
    for t in rows:
        assert 1 <= t["K_minimax"] <= t["K_CCL_capped"] <= t["L"]
        assert t["meets_eps"]
    assert rows[0]["K_minimax"] == 1 and rows[0]["K_CCL"] == 9
    s = summarize([], profile="ci")
    assert s["tables"][0]["header"][0] == "L" and len(s["tables"][0]["rows"]) == 15 and s["plots"]
    claim = next(c for c in __import__("proofs_numeric").registry() if c.id == "CCL25.T1.9")
    assert claim.paper == "CCL25" and claim.provenance == "reported"
    res = run_claim(claim, "ci", TargetCache(), targets=["mds:q=2,L=4,k=1", "markov:L=5,q=2,flip=1/10"])
    assert {r.status for r in res.rows} <= {"certified", "tight"} and len(res.rows) == 2


@pytest.mark.parametrize("hints", [None, {2: 1, 3: 12, 4: 2, 8: 6}, {2: 11, 3: 1, 4: 7, 8: 12}])
def test_budget_search_is_a_linear_scan_whatever_the_probes(hints):
    # The search (monotone across r, guessed probes, bisection safeguard) must return the least K
    # whose certified upper bound is <= 1/r, i.e. what a scan over every K = 1..L finds; the hints
    # only change the probes (a cold cache each time, so the probe order really differs).
    import proofs_numeric.ccl25 as m

    L, ratios = 12, (1, 2, 3, 4, 8)
    m._SOLVED.clear()
    got = m.minimax_budgets(L, ratios, hints)
    scan = {r: next(K for K in range(1, L + 1) if Fraction(str(m._minimax_bounds(L, K)[1])) <= Fraction(1, r)) for r in ratios}
    assert got == scan
    assert [got[r] for r in ratios] == sorted(got[r] for r in ratios)   # non-decreasing in r
    for r in ratios:                                                    # separated below K_mm
        assert got[r] == 1 or Fraction(str(m._minimax_bounds(L, got[r] - 1)[0])) > Fraction(1, r)
