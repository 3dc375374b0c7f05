"""ZC26.TC / ZC26.DTC's all-law table (proofs_numeric/zc26.py): sharp constants over every law of
every alphabet, by the rays of the profile cone.

The oracle below imports nothing from the engine: it enumerates each size law's compositions from
its written definition (docs/zc26.md §2), evaluates E KL on every ray profile r_k(m) = min(m, k) by
D-PROFILE (E KL = Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − h(L)), takes TC = L h(1) − h(L) and
DTC = L h(L−1) − (L−1) h(L) of the same profile, and maximises E KL / TC (or DTC) over the rays
where the denominator is positive (CLAIMS.md §9).
"""
from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from math import floor

import pytest

# ------------------------------------------------------------------ engine-free oracle


def _round(x: Fraction) -> int:
    return floor(x + Fraction(1, 2))  # halves up


def _clip(s: int, left: int) -> int:
    return min(left, max(1, s))


def _nominal(x: Fraction, left: int, randomized: bool) -> list:
    """[(prob, size)]: x rounded half up, or randomly rounded (⌊x⌋ + Bernoulli(frac x)); clipped."""
    if not randomized:
        return [(Fraction(1), _clip(_round(x), left))]
    fl = floor(x)
    return [(p, _clip(s, left)) for p, s in ((1 - (x - fl), fl), (x - fl, fl + 1)) if p]


def _markov_law(L: int, step) -> dict:
    """{composition: probability} of a law whose next size depends on the revealed count n only."""
    out: dict = {}

    def walk(n, sizes, p):
        if n == L:
            out[tuple(sizes)] = out.get(tuple(sizes), Fraction(0)) + p
            return
        for q, s in step(n):
            walk(n + s, sizes + [s], p * q)

    walk(0, [], Fraction(1))
    return out


def grow_law(r, L, randomized=False):
    r = Fraction(r)
    return _markov_law(L, lambda n: [(Fraction(1), 1)] if n == 0 else _nominal(r * n, L - n, randomized))


def shrink_law(r, L, randomized=False):
    r = Fraction(r)
    return _markov_law(L, lambda n: _nominal(r * (L - n), L - n, randomized))


def odds_law(rho, L):
    """Singleton; odds n/(L−n) × (1+ρ) per step from o_1 = 1/(L−1), n_t = round(L o/(1+o)) clipped to
    [n_{t−1}+1, L−1]; a last singleton."""
    rho = Fraction(rho)
    if L <= 2:
        return {(1,) * L: Fraction(1)}
    sizes, n, o = [1], 1, Fraction(1, L - 1)
    while n < L - 1:
        o *= 1 + rho
        m = min(L - 1, max(n + 1, _round(L * o / (1 + o))))
        sizes.append(m - n)
        n = m
    return {tuple(sizes + [1]): Fraction(1)}


def uniform_law(K, L):
    """Every composition of L into K parts, equally likely."""
    comps = [c for c in itertools.product(range(1, L + 1), repeat=K) if sum(c) == L]
    return {c: Fraction(1, len(comps)) for c in comps}


def binomial_law(N, L):
    """mdm:N's sizes: each position's step uniform on 1..N; empty steps do nothing."""
    out: dict = {}
    for labels in itertools.product(range(N), repeat=L):
        sizes = tuple(c for c in (labels.count(j) for j in range(N)) if c)
        out[sizes] = out.get(sizes, Fraction(0)) + Fraction(1, N ** L)
    return out


def balanced_law(K, L):
    """Sizes ⌈L/K⌉ first, then ⌊L/K⌋."""
    q, r = divmod(L, K)
    return {tuple([q + 1] * r + [q] * (K - r)): Fraction(1)}


def ray(L, k):
    return [min(m, k) for m in range(L + 1)]


def expected_kl(law: dict, h: list) -> Fraction:
    L = len(h) - 1
    total = Fraction(0)
    for sizes, p in law.items():
        n, cost = 0, Fraction(0)
        for s in sizes:
            cost += s * (h[n + 1] - h[n])
            n += s
        total += p * (cost - h[L])
    return total


def oracle_sharp(law: dict, L: int, over: str) -> tuple:
    """(max over rays with positive denominator of E KL / over, smallest worst k), by enumeration."""
    best, arg = None, None
    for k in range(1, L + 1):
        h = ray(L, k)
        den = L * h[1] - h[L] if over == "TC" else L * h[L - 1] - (L - 1) * h[L]
        if den <= 0:
            continue
        v = expected_kl(law, h) / den
        if best is None or v > best:
            best, arg = v, k
    return best, arg


def mean_T(law: dict) -> Fraction:
    return sum(p * len(s) for s, p in law.items())


CASES = [  # (spec, oracle law, L)
    ("random-size:law=grow,r=1", lambda L: grow_law(1, L), 9),
    ("random-size:law=grow,r=1/3,randomized=true", lambda L: grow_law(Fraction(1, 3), L, True), 8),
    ("random-size:law=shrink,r=1/2", lambda L: shrink_law(Fraction(1, 2), L), 10),
    ("random-size:law=shrink,r=2/5,randomized=true", lambda L: shrink_law(Fraction(2, 5), L, True), 9),
    ("random-size:law=odds,rho=1", lambda L: odds_law(1, L), 10),
    ("random-size:law=odds,rho=1/3", lambda L: odds_law(Fraction(1, 3), L), 9),
    ("random-size:law=uniform,K=3", lambda L: uniform_law(3, L), 8),
    ("random-size:law=binomial,N=3", lambda L: binomial_law(3, L), 6),
    ("balanced:K=3", lambda L: balanced_law(3, L), 7),
]


# ------------------------------------------------------------------ the table's cells against the oracle

@pytest.mark.parametrize("spec,make,L", CASES, ids=[c[0] for c in CASES])
def test_sharp_cell_equals_the_brute_force_maximum_over_rays(spec, make, L):
    from verify.engine.samplers import size_law_of
    from proofs_numeric.zc26 import _sharp_cell

    law = make(L)
    assert sum(law.values()) == 1 and all(sum(s) == L for s in law)
    cell = _sharp_cell(size_law_of(spec, L), L)
    T = mean_T(law)
    assert cell["exact"] and Fraction(cell["E_T_exact"]) == T
    for over in ("TC", "DTC"):
        value, k = oracle_sharp(law, L, over)
        assert Fraction(cell[over]["sup_exact"]) == value, (spec, over)
        assert cell[over]["k"] == k, (spec, over)
        assert cell[over]["ratio"] == pytest.approx(float(T * value) / math.log(L), rel=1e-12)


def test_float_path_agrees_with_the_exact_rays():
    """The binomial law beyond the exact cost cap uses float weights: same rays, same values."""
    from verify.engine.profile.cone import sharp_constant
    from verify.engine.samplers import size_law_of
    from proofs_numeric.zc26 import _float_sharp

    for spec, L in (("random-size:law=binomial,N=9", 64), ("random-size:law=grow,r=1/4,randomized=true", 128),
                    ("random-size:law=odds,rho=1/2", 100)):
        law = size_law_of(spec, L)
        for over in ("TC", "DTC"):
            exact = sharp_constant(law.start_weights(True)[1], L, over)
            v, k = _float_sharp(law.start_weights(False)[1], L, over)
            assert v == pytest.approx(int(exact.value.p) / int(exact.value.q), rel=1e-9)
            assert k == exact.k


# ------------------------------------------------------------------ the table's rows

@pytest.fixture(scope="module")
def small_table():
    from proofs_numeric.zc26 import cone_table

    return cone_table((16, 32, 64))


def test_rows_obey_the_all_law_bounds(small_table):
    """E KL ≤ TC on every ray, so K·sup(E KL/TC)/ln L ≤ K/ln L; the repetition ray gives
    sup E KL/DTC ≥ E[s_1] − 1; and the structured families are laws, so their worst ratio never
    exceeds the sup over all laws (the float profile engine against the exact rays)."""
    cells = [(L, c) for lv in small_table["budget"].values() for row in lv.values() for L, c in row.items()]
    cells += [(L, c) for row in small_table["fixed"].values() for L, c in row.items()]
    assert len(cells) == 3 * (8 * 4 + 12)
    for L, c in cells:
        exact = c["TC"]["sup_exact"]   # None when the rational is too long to print
        assert Fraction(exact) <= 1 if exact is not None else c["TC"]["sup_kl_over"] <= 1 + 1e-15
        assert c["TC"]["ratio"] <= c["E_T"] / math.log(L) * (1 + 1e-12)
        for over in ("TC", "DTC"):
            z = c["zoo"][over]["ratio"]
            if z is not None:
                assert z <= c[over]["ratio"] * (1 + 1e-9) + 1e-12, (c["law"], over, z, c[over]["ratio"])


def test_first_block_bounds_the_dtc_column(small_table):
    """Ray k = 1 (the repetition code): E KL = E[s_1] − 1, a lower bound on the DTC sup, written from
    the oracle's enumeration at L = 16 for the deterministic laws of the sweep."""
    for law, levels in small_table["budget"].items():
        for level, row in levels.items():
            c = row[16]
            spec = c["law"]
            if "randomized" in spec or "binomial" in spec or "uniform" in spec:
                continue
            oracle = (grow_law(Fraction(spec.split("r=")[1]), 16) if "grow" in spec else
                      shrink_law(Fraction(spec.split("r=")[1]), 16) if "shrink" in spec else
                      odds_law(Fraction(spec.split("rho=")[1]), 16) if "odds" in spec else
                      balanced_law(int(spec.split("K=")[1]), 16))
            first = sum(p * s[0] for s, p in oracle.items()) - 1
            assert c["DTC"]["sup_kl_over"] >= float(first) - 1e-12
            assert Fraction(c["E_T_exact"]) == mean_T(oracle)


def test_budget_sweep_reaches_its_targets(small_table):
    """Each law's E[T] sits near the target budget (within the sweep's tolerance, or at the nearest
    value its parameter reaches), and the budgets span ⌈log₂ L⌉ … L/2."""
    from proofs_numeric.zc26 import LEVELS, budget

    assert [budget(lv, 64) for lv in LEVELS] == [6, 8, 8, 32]
    assert [budget(lv, 4096) for lv in LEVELS] == [12, 64, 512, 2048]
    for law, levels in small_table["budget"].items():
        for level, row in levels.items():
            for L, c in row.items():
                K = budget(level, L)
                if law in ("equal", "uniform"):
                    assert c["E_T"] == K
                else:
                    assert abs(c["E_T"] - K) <= max(1.0, 0.1 * K), (law, level, L, c["E_T"])


def test_growth_reading():
    from proofs_numeric.zc26 import GROWTH, growth

    assert growth({16: 1.0, 64: 1.0, 256: GROWTH * 1.01}) > GROWTH
    assert growth({16: 2.0, 64: 1.0, 256: 2.0}) == 1.0
    assert growth({16: 1.0}) is None


# ------------------------------------------------------------------ the summary

def test_summary_builds_from_rows_that_travelled_as_json():
    """ZC26.TC/DTC summaries: the all-law table for the ci lengths, a sentence per law, one plot with
    a TC and a DTC panel per budget sharing one y range; identical from rows that travelled as JSON."""
    from verify.claims.check import TargetCache, run_claim, summarize
    from verify.claims.distributed import row_from_json, row_to_json
    from verify.claims.profiles import PROFILES
    from proofs_numeric import registry
    from verify.claims.serialize import jsonable
    from proofs_numeric.zc26 import CONE_LAWS, LEVELS

    claims = {c.id: c for c in registry()}
    specs = ["mds:q=2,L=3,k=1", "mds:q=2,L=3,k=2", "markov:L=3,q=2,flip=1/10"]
    lengths = PROFILES["ci"]["zc26"]["lengths"]
    for cid in ("ZC26.TC", "ZC26.DTC"):
        claim = claims[cid]
        cache = TargetCache()
        res = run_claim(claim, "ci", cache, targets=specs)
        assert res.rows
        travelled = [row_from_json(json.loads(json.dumps(row_to_json(r)))) for r in res.rows]
        again = summarize(claim, travelled, "ci", cache)
        norm = lambda s: json.loads(json.dumps(jsonable({k: v for k, v in s.items() if k != "plots"}),
                                               sort_keys=True, default=str))
        assert norm(again) == norm(res.summary)
        s = res.summary
        assert set(s["all_laws"]) == set(CONE_LAWS)
        assert all(set(d) == set(LEVELS) for d in s["all_laws"].values())
        assert all(set(row) == {str(L) for L in lengths} for d in s["all_laws"].values() for row in d.values())
        assert all(r["sentence"].startswith(law) for law, r in s["reading"].items())
        assert len(s["reading"]) == len(CONE_LAWS)
        assert "not a verdict" in s["convention"]
    plots = claims["ZC26.TC"].summarize([], profile="ci")["plots"]
    assert len(plots) == 1
    panels = plots[0]["panels"]
    assert len(panels) == 2 * len(LEVELS)
    assert len({tuple(p["ylim"]) for p in panels}) == 1
    # the invisible series that carries the shared range reaches the same bounds in every panel
    assert all(any(sr["color"] == "none" and sr["y"] == list(p["ylim"]) for sr in p["series"]) for p in panels)
    markers = [sr["marker"] for sr in panels[0]["series"] if sr.get("label") and "marker" in sr]
    assert len(markers) == len(set(markers)) == len(CONE_LAWS)
