"""Optimal schedules (CLAIMS §8, beyond the papers): the shortest-path DP equals brute force over all
compositions (L ≤ 10), the convex-hull law equals the best two-composition mixture, and the chosen
composition's exact cost (a certified log-linear form) matches."""
import math
from fractions import Fraction

import numpy as np
import pytest

from tests import profile_oracles as O
from tests.test_profile import COLOR, random_chain
from verify.engine.profile.optimal import competitive_ratio, exact_cost, optimal_compositions
from verify.engine.profile.entropy import entropy_profile, markov_profile


def oracle_profiles(L):
    rng = np.random.default_rng(L)
    yield O.float_profile(O.markov_joint(*random_chain(rng, 2), L), L)
    yield O.float_profile(O.markov_joint(*COLOR, L), L)
    yield [min(m, 1) * math.log(2) for m in range(L + 1)]            # repetition
    yield [min(m, L - 1) * math.log(3) for m in range(L + 1)]        # parity


@pytest.mark.parametrize("L", [2, 4, 6, 8, 10])
def test_dp_equals_brute_force_over_all_compositions(L):
    for h in oracle_profiles(L):
        opt = optimal_compositions(h)
        want = O.best_by_blocks(h)
        for K in range(1, L + 1):
            assert abs(opt.values[K] - want[K]) < 1e-12, (L, K)
            sizes = opt.sizes[K]
            assert sum(sizes) == L and len(sizes) <= K
            assert abs(O.composition_cost(h, sizes) - want[K]) < 1e-12, (L, K, sizes)


@pytest.mark.parametrize("L", [5, 8])
def test_hull_equals_best_two_point_mixture(L):
    for h in oracle_profiles(L):
        opt = optimal_compositions(h)
        for budget in (1.0, 1.5, 2.25, L / 2 + 0.3, float(L - 1)):
            value, mix = opt.best_randomized(budget)
            assert abs(value - O.best_mixture(h, budget)) < 1e-12, (L, budget)
            assert abs(sum(w for w, _ in mix) - 1) < 1e-12
            assert sum(w * K for w, K in mix) <= budget + 1e-12


def test_exact_cost_of_the_optimum_is_certified():
    from verify.certify.verdicts import check_eq
    from verify.certify.logforms import LogLinear

    prof = entropy_profile("markov:L=8,q=2,flip=1/10")
    opt = optimal_compositions(prof.values(), 8)
    # the brute-force profile of the same chain (uniform start, stay 9/10, flip 1/10)
    h = O.float_profile(O.markov_joint([Fraction(1, 2)] * 2, [[Fraction(9, 10), Fraction(1, 10)],
                                                              [Fraction(1, 10), Fraction(9, 10)]], 8), 8)
    want = O.best_by_blocks(h)
    for K in (2, 3, 5):
        c = exact_cost(prof, opt.sizes[K])
        assert abs(float(c) - want[K]) < 1e-12
        assert abs(float(c) - O.composition_cost(h, opt.sizes[K])) < 1e-12
    # parity: the optimum with 2 blocks is exactly 0 (the last block a singleton)
    par = entropy_profile("mds:q=2,L=8,k=7")
    sizes = optimal_compositions(par.values(), 2).sizes[2]
    assert check_eq(exact_cost(par, sizes), LogLinear()).status == "tight"


def test_competitive_ratio_of_a_law():
    prof = markov_profile(8, *COLOR)
    c = competitive_ratio(prof, "random-size:law=grow,r=1,randomized=true")
    h = O.float_profile(O.markov_joint(*COLOR, 8), 8)
    law = O.grow_law(8, 1, True)
    T = float(sum(p * len(s) for s, p in law.items()))
    assert abs(c["E_T"] - T) < 1e-12
    assert abs(c["ratio"] - O.law_profile_kl(law, h) / O.best_mixture(h, T)) < 1e-9
    assert c["ratio"] >= 1 - 1e-12
