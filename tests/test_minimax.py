"""Minimax schedules (docs/minimax.md): the certified LP against an independent program
written over the weights of every composition, exact certificates, the law file, bad input.

The oracle below imports nothing from the engine: it lists the compositions of L, computes each
one's overshoot past every k and its step count directly, and hands scipy's linprog the program
"minimise t over weights w_c ≥ 0, Σ w = 1, Σ w T ≤ K, Σ w O_k ≤ t D(r_k)" with D(r_k) = L − k (TC),
k (DTC), or both (min), 0 on ray L.
"""
from __future__ import annotations

import json
import random
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import linprog

from verify.cli.main import main

# ---------------------------------------------------------------- the oracle (no engine imports)


def compositions(L: int) -> list:
    """Every composition of L (2^(L−1) of them), by the cut points among the L − 1 gaps."""
    out = []
    for r in range(L):
        for cuts in combinations(range(1, L), r):
            b = (0,) + cuts + (L,)
            out.append(tuple(b[i + 1] - b[i] for i in range(len(b) - 1)))
    return out


def overshoots(comp) -> list:
    """[O_k for k = 1..L]: tokens revealed when the step revealing the k-th token ends, minus k."""
    ends, n = [], 0
    for s in comp:
        ends += [n + s] * s
        n += s
    return [ends[k - 1] - k for k in range(1, n + 1)]


def ray_dens(L: int, over: str) -> list:
    tc = [L - k if k < L else 0 for k in range(1, L + 1)]
    dtc = [k if k < L else 0 for k in range(1, L + 1)]
    return {"TC": [tc], "DTC": [dtc], "min": [tc, dtc]}[over]


def oracle_value(L: int, K: float, over: str) -> float:
    comps = compositions(L)
    C = len(comps)
    O = np.array([overshoots(c) for c in comps], dtype=float)      # C × L
    T = np.array([len(c) for c in comps], dtype=float)
    rows, rhs = [], []
    for den in ray_dens(L, over):
        for k in range(L):
            rows.append(np.concatenate([O[:, k], [-den[k]]]))
            rhs.append(0.0)
    rows.append(np.concatenate([T, [0.0]]))
    rhs.append(K)
    c = np.zeros(C + 1)
    c[-1] = 1
    res = linprog(c, A_ub=np.array(rows), b_ub=rhs, A_eq=[np.concatenate([np.ones(C), [0.0]])], b_eq=[1],
                  bounds=[(0, None)] * (C + 1), method="highs")
    assert res.status == 0
    return res.fun


def exact_sharp(law, L: int, over: str) -> Fraction:
    """max over rays of E[O_k]/D(r_k) (rows with D > 0; E[O_k] must be 0 where D = 0), in Fractions."""
    EO = [sum((Fraction(p) * overshoots(c)[k] for p, c in law), Fraction(0)) for k in range(L)]
    best = Fraction(0)
    for den in ray_dens(L, over):
        for k in range(L):
            if den[k] == 0:
                assert EO[k] == 0
            else:
                best = max(best, EO[k] / den[k])
    return best


def frac(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


# ---------------------------------------------------------------- the engine against the oracle

CASES = [(2, 1, "TC"), (3, 2, "DTC"), (5, 2, "TC"), (6, 3, "min"), (7, Fraction(5, 2), "DTC"),
         (8, 3, "TC"), (9, 4, "min"), (10, 3, "TC"), (10, 4, "DTC"), (10, Fraction(7, 3), "min")]


@pytest.mark.parametrize("L,K,over", CASES)
def test_minimax_equals_the_program_over_every_composition(L, K, over):
    from verify.engine.profile.minimax import minimax

    r = minimax(L, K, over)
    want = oracle_value(L, float(K), over)
    assert float(r.lower) <= want + 1e-9 and want <= float(r.upper) + 1e-9
    assert abs(float(r.upper) - want) <= 1e-8 * max(1.0, want)
    # the returned law, re-evaluated here from its compositions, has exactly the reported sup,
    # is a probability law over compositions of L and keeps the budget exactly
    law = [(frac(p), c) for p, c in r.law]
    assert sum(p for p, _ in law) == 1 and all(p > 0 and sum(c) == L for p, c in law)
    assert sum(p * len(c) for p, c in law) == frac(r.expected_iterations) <= Fraction(K)
    assert exact_sharp(law, L, over) == frac(r.upper)


@pytest.mark.parametrize("K", [1, Fraction(5, 4), Fraction(3, 2), 2])
def test_two_tokens_closed_form(K):
    # L = 2: mix [1,1] (T = 2) with weight K − 1 and [2] (T = 1); ray 1 has TC = DTC = 1 and O_1 = [s_1 = 2]:
    # the value is 1 − (K − 1) = 2 − K, for every denominator
    from verify.engine.profile.minimax import minimax

    for over in ("TC", "DTC", "min"):
        r = minimax(2, K, over)
        assert frac(r.lower) <= 2 - Fraction(K) <= frac(r.upper)
        assert frac(r.upper) - frac(r.lower) <= Fraction(1, 10**9) * frac(r.upper)


@pytest.mark.parametrize("L,K,over,method", [(32, 5, "TC", None), (48, 6, "DTC", None), (64, 6, "min", None),
                                             (64, Fraction(21, 2), "TC", None), (40, 5, "DTC", "highs-ipm"),
                                             (40, 5, "min", "highs-ipm")])
def test_certificate_gap(L, K, over, method):
    # both HiGHS methods (interior point is the default from L = 128 on): their duals certify too
    from verify.engine.profile.minimax import minimax

    r = minimax(L, K, over, method)
    up, lo = frac(r.upper), frac(r.lower)
    assert up >= lo > 0
    assert up - lo <= Fraction(1, 10**9) * up
    assert frac(r.expected_iterations) <= Fraction(K)


def test_weak_duality_holds_for_arbitrary_multipliers():
    # the exact dual bound must stay below the optimum for every μ, β ≥ 0 (a wrong dual — e.g. the
    # budget multiplier left out — gives bounds above it); random multipliers of several scales
    from verify.engine.profile.minimax import dual_lower_bound, ray_rows

    rng = random.Random(7)
    for L, K, over in [(6, 2, "TC"), (8, 3, "DTC"), (7, 3, "min")]:
        want = oracle_value(L, float(K), over)
        rows = ray_rows(L, over)
        for _ in range(40):
            scale = 10 ** rng.uniform(-2, 1)
            mu = [rng.random() * scale for _ in rows]
            beta = rng.random() * scale
            assert float(dual_lower_bound(L, Fraction(K), rows, mu, beta)) <= want + 1e-12


def test_repair_is_exact_on_a_noisy_flow():
    # a float flow far from conservation (the LP's, perturbed): the repaired law is still an exact
    # probability law over compositions of L within the budget
    from verify.engine.profile.minimax import exact_law, solve_lp

    L, K = 12, Fraction(4)
    res, _ = solve_lp(L, 4.0, "TC")
    rng = np.random.default_rng(3)
    x = res.x * (1 + 1e-6 * rng.standard_normal(res.x.size))
    law = exact_law(L, K, x)
    assert sum(frac(p) for p, _ in law) == 1
    assert all(sum(c) == L and frac(p) > 0 for p, c in law)
    assert sum(frac(p) * len(c) for p, c in law) <= K


# ---------------------------------------------------------------- the command, the law file


def run(capsys, *args):
    rc = main(["minimax", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_and_law_file_round_trip(capsys, tmp_path):
    from verify.engine.profile.cone import sharp_constant
    from verify.engine.profile.sizelaws import parse_size_law

    path = tmp_path / "law.json"
    rc, out, err = run(capsys, "--L", "10", "--K", "3", "--over", "DTC", "--json", "--out", str(path))
    assert rc == 0, err
    d = json.loads(out)
    assert set(d) == {"L", "K", "over", "upper", "lower", "upper_float", "lower_float", "expected_iterations", "support"}
    up, lo = Fraction(d["upper"]), Fraction(d["lower"])
    assert up >= lo and up - lo <= Fraction(1, 10**9) * up
    assert abs(d["upper_float"] - float(up)) <= 1e-15
    raw = json.loads(path.read_text())
    assert len(raw) == d["support"] and all(isinstance(p, str) for p, _ in raw)
    # the size-law parser reads it back: same exact sup and E[T]
    law = parse_size_law(f"random-size:law=file:{path}", 10)
    P, A = law.start_weights(True)
    assert frac(sharp_constant(A, 10, "DTC").value) == up
    assert frac(law.mean_iterations(True)) == Fraction(d["expected_iterations"])
    # and the oracle, from the file's compositions alone
    assert exact_sharp([(Fraction(p), tuple(c)) for p, c in raw], 10, "DTC") == up
    # every command that takes a sampler reads it: measure enumerates a law under it
    rc = main(["measure", "--target", "markov:L=10,q=2,flip=1/10", "--sampler",
               f"random-size:law=file:{path}", "--json"])
    m = json.loads(capsys.readouterr().out)
    assert rc == 0 and abs(m["expected_iterations"] - float(Fraction(d["expected_iterations"]))) < 1e-12


def test_competitive_ratio(tmp_path):
    from verify.engine.profile.minimax import competitive_ratio, minimax, law_json

    # a fixed balanced law is worse than the minimax one at its own budget
    c = competitive_ratio("balanced:K=3", 9, "TC")
    assert c["expected_iterations"] == 3
    assert abs(float(c["sharp"]) / oracle_value(9, 3.0, "TC") - c["ratio_float"]) < 1e-8
    assert frac(c["ratio_upper"]) >= frac(c["ratio_lower"]) > 1
    # the minimax law itself: ratio 1 within the certificates (sharp ≥ value ≥ lower, so the upper
    # end is ≥ 1 exactly; both ends are within 1e-8 of 1)
    r = minimax(9, 3, "TC")
    path = tmp_path / "mm.json"
    path.write_text(json.dumps(law_json(r)))
    c = competitive_ratio(f"random-size:law=file:{path}", 9, "TC")
    lo, hi = frac(c["ratio_lower"]), frac(c["ratio_upper"])
    assert 1 - Fraction(1, 10**8) <= lo <= hi and 1 <= hi <= 1 + Fraction(1, 10**8)


@pytest.mark.parametrize("args,field", [
    (["--L", "12", "--K", "0"], "--K"),
    (["--L", "12", "--K", "13"], "--K"),
    (["--L", "12", "--K", "1/0"], "--K"),
    (["--L", "12", "--K", "abc"], "--K"),
    (["--L", "0", "--K", "1"], "--L"),
    (["--L", "twelve", "--K", "1"], "arguments"),
    (["--L", "12", "--K", "3", "--over", "H"], "arguments"),
    (["--L", "100000", "--K", "17"], "--L"),
])
def test_bad_input_one_line_exit_2_nothing_written(capsys, tmp_path, args, field):
    path = tmp_path / "law.json"
    rc, out, err = run(capsys, *args, "--out", str(path))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"verify: error: {field}")
    assert not path.exists()


def test_too_large_names_memory_and_time(capsys):
    rc, _, err = run(capsys, "--L", "100000", "--K", "17")
    assert rc == 2 and "needs about" in err and "column generation" in err and "VERIFY_MAX_BYTES" in err
    rc, _, err = run(capsys, "--L", "100000", "--K", "17", "--method", "highs-ipm")
    assert rc == 2 and "needs about" in err and "interior point" in err and "VERIFY_MAX_BYTES" in err


def test_out_is_a_folder(capsys, tmp_path):
    rc, out, err = run(capsys, "--L", "6", "--K", "2", "--out", str(tmp_path))
    assert rc == 2 and err.startswith("verify: error: --out")


def test_the_program_stays_quadratic():
    # the overshoot columns keep every ray row at two non-zeros: at most 4 per edge (two conservation,
    # one overshoot, one budget) plus O(L) — written edge by edge the ray rows alone would hold O(L³)
    from verify.engine.profile.minimax import build_lp, n_edges

    for L in (20, 80):
        lp = build_lp(L, 5.0, "min")
        nnz = lp["A_ub"].nnz + lp["A_eq"].nnz
        assert nnz <= 4 * n_edges(L) + 8 * L
        assert max(lp["A_ub"][[i], :].nnz for i in range(2 * L)) == 2
