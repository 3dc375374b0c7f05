"""Column generation for the minimax program (verify/engine/profile/colgen.py, docs/minimax.md §3):
its certified interval against the program over every composition (tests/test_minimax.py's oracle,
which imports nothing from the engine), against the full edge LP, the pricing against a brute-force
shortest path, the linprog fallback master, and a broken pricing caught by the certificate.

Two certified intervals ``[lower, upper]`` of the same minimax value must overlap exactly:
``max(lowers) ≤ min(uppers)`` in rationals is an exact test, whatever the solvers did.
"""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from tests.test_minimax import compositions, exact_sharp, frac, oracle_value


def _check_interval(r, K):
    up, lo = frac(r.upper), frac(r.lower)
    assert up >= lo > 0
    assert up - lo <= Fraction(1, 10**9) * up
    assert frac(r.expected_iterations) <= Fraction(K)
    return lo, up


CASES = [(3, 2, "TC"), (5, 2, "DTC"), (6, 3, "min"), (7, Fraction(5, 2), "TC"), (8, 3, "DTC"),
         (9, 4, "min"), (10, 3, "TC"), (10, Fraction(7, 3), "min")]


@pytest.mark.parametrize("L,K,over", CASES)
def test_colgen_equals_the_program_over_every_composition(L, K, over):
    from verify.engine.profile.minimax import minimax

    r = minimax(L, K, over, method="cg")
    assert r.method == "cg"
    lo, up = _check_interval(r, K)
    want = oracle_value(L, float(K), over)
    assert float(lo) <= want + 1e-12 and want <= float(up) + 1e-12
    # the law, re-evaluated from its compositions in Fractions (the oracle's overshoots), has exactly
    # the reported upper bound
    law = [(frac(p), c) for p, c in r.law]
    assert sum(p for p, _ in law) == 1 and all(sum(c) == L for _, c in law)
    assert exact_sharp(law, L, over) == up
    # and the full LP's certified interval overlaps it exactly (both contain the minimax value)
    full = minimax(L, K, over, method="highs")
    assert max(lo, frac(full.lower)) <= min(up, frac(full.upper))


@pytest.mark.parametrize("L,K,over", [(40, 5, "TC"), (40, 5, "DTC"), (40, Fraction(13, 2), "min")])
def test_colgen_matches_the_full_lp_at_40(L, K, over):
    # a pricing that misses improving compositions stops early with a worse law: its upper bound
    # would sit above the full LP's and the intervals would not overlap
    from verify.engine.profile.minimax import minimax

    cg, full = minimax(L, K, over, method="cg"), minimax(L, K, over, method="highs")
    lo, up = _check_interval(cg, K)
    assert max(lo, frac(full.lower)) <= min(up, frac(full.upper))
    assert abs(cg.lp_value - full.lp_value) <= 1e-9 * full.lp_value


@pytest.mark.parametrize("L,K,over", [(96, 7, "TC"), (96, 12, "DTC"), (80, Fraction(19, 2), "min")])
def test_colgen_certificate_gap_at_moderate_L(L, K, over):
    from verify.engine.profile.minimax import minimax

    _check_interval(minimax(L, K, over, method="cg"), K)


def test_default_method_is_colgen_from_cg_from():
    from verify.engine.profile.minimax import CG_FROM, default_method

    assert default_method(CG_FROM) == "cg" and default_method(4 * CG_FROM) == "cg"
    assert default_method(CG_FROM - 1) in ("highs", "highs-ipm") and default_method(10) == "highs"


def test_pricing_is_the_shortest_path_over_every_composition():
    # edge cost β + s·M(n): the cheapest composition found by brute force equals the DP's, and the
    # first candidate path has that cost (random non-increasing M ≥ 0, as the multipliers give)
    from verify.engine.profile import colgen

    rng = random.Random(11)
    for L in (1, 2, 5, 8, 9):
        comps = compositions(L)
        for _ in range(10):
            m = [rng.random() * 10 ** rng.uniform(-2, 1) for _ in range(L)]
            M = np.cumsum(m[::-1])[::-1]
            beta = rng.random() * 10 ** rng.uniform(-2, 1)

            def cost(c):
                n, tot = 0, 0.0
                for s in c:
                    tot += beta + s * M[n]
                    n += s
                return tot

            want = min(cost(c) for c in comps)
            sp, cands = colgen.through_paths(L, M, beta, 4 * L)
            assert abs(sp - want) <= 1e-12 * max(1.0, want)
            assert abs(cost(cands[0]) - want) <= 1e-12 * max(1.0, want)
            assert all(sum(c) == L for c in cands) and len(set(cands)) == len(cands)


def test_linprog_master_agrees():
    # the fallback master (re-solved from scratch by linprog) reaches the same value
    from verify.engine.profile import colgen
    from verify.engine.profile.cone import denominators

    for L, K, over in [(12, 4, "TC"), (16, 5, "min")]:
        dens = [[int(v) for v in d] for d in denominators(L, over).values()]
        a = colgen.solve(L, K, dens, solver="linprog")
        want = oracle_value(L, K, over) if L <= 12 else colgen.solve(L, K, dens).value
        assert a.solver == "cg-linprog"
        assert abs(a.value - want) <= 1e-9 * want and a.bound <= a.value + 1e-12


def test_a_broken_pricing_is_caught_by_the_certificate(monkeypatch):
    # pricing that only ever offers the current shortest path through the first edges (a truncated
    # candidate list) and ignores the budget multiplier: the column generation stops on a worse law,
    # and the exact certificate refuses it instead of returning a wrong value
    from verify.engine.profile import colgen
    from verify.engine.profile.minimax import minimax

    real = colgen.through_paths

    def broken(L, M, beta, limit):
        sp, cands = real(L, M, 0.0, limit)
        return sp, cands[:1]

    monkeypatch.setattr(colgen, "through_paths", broken)
    with pytest.raises(RuntimeError, match="certificate too loose"):
        minimax(24, 4, "TC", method="cg")


@pytest.mark.deep  # about a minute: --profile deep only (conftest.py)
def test_colgen_matches_interior_point_at_256():
    from verify.engine.profile.minimax import minimax

    cg, ipm = minimax(256, 8, "TC", method="cg"), minimax(256, 8, "TC", method="highs-ipm")
    lo, up = _check_interval(cg, 8)
    assert max(lo, frac(ipm.lower)) <= min(up, frac(ipm.upper))


# ---------------------------------------------------------------- competitive ratios in the ZC26 table

def test_zc26_competitive_ratios_against_the_oracle():
    # each cell's ratio = (its exact sup E KL/X) / (the program over every composition at K = E[T]);
    # no law beats the minimax law at its own budget, so every ratio is ≥ 1 (upper end exactly)
    from proofs_numeric import zc26

    L = 8
    tab = zc26.cone_table((L,), zoo=False, competitive_max_L=L)
    seen = 0
    for row in [c for lv in tab["budget"].values() for r in lv.values() for c in r.values()] + \
               [r[L] for r in tab["fixed"].values()]:
        for X in ("TC", "DTC"):
            c = row[X]["competitive"]
            assert c["ratio_upper"] >= 1 - 1e-12 and c["ratio"] <= c["ratio_upper"]
            want = oracle_value(L, row["E_T"], X)
            sup = row[X]["sup_kl_over"]
            if want > 1e-9:
                assert abs(c["ratio"] - sup / want) <= 1e-7 * sup / want
                seen += 1
    assert seen >= 20
    # and the text table lists them
    assert any("competitive ratio" in line for line in zc26.cone_competitive_lines(tab, "TC"))


def test_colgen_refused_past_the_time_limit(capsys, monkeypatch, tmp_path):
    # column generation's memory is O(L²), so a long run is refused on its estimated time: one line,
    # exit 2, nothing written, before any work
    from verify.cli.main import main

    monkeypatch.setenv("VERIFY_MAX_SECONDS", "5")
    path = tmp_path / "law.json"
    rc = main(["minimax", "--L", "1024", "--K", "10", "--out", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("verify: error: --L")
    assert "column generation" in err and "VERIFY_MAX_SECONDS" in err and not path.exists()


@pytest.mark.parametrize("solver", [None, "linprog"])
def test_pruning_keeps_the_value(solver):
    # a master pruned hard (to L/2 paths whenever it passes L) still reaches the full LP's value:
    # deleted paths come back when they price out again
    from verify.engine.profile import colgen
    from verify.engine.profile.cone import denominators
    from verify.engine.profile.minimax import solve_lp

    L, K = 30, 5.0
    dens = [[int(v) for v in d] for d in denominators(L, "min").values()]
    r = colgen.solve(L, K, dens, solver=solver, keep=L // 2)
    want = solve_lp(L, K, "min", "highs")[0].fun
    assert abs(r.value - want) <= 1e-9 * want and r.bound <= r.value + 1e-12
    assert r.columns <= 2 * (L // 2) + colgen.PER_ROUND + len(colgen.initial_paths(L, K))
