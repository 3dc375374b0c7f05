"""Two shortcuts of the exact mixture law (verify/engine/laws.py), against closed forms.

* Context-free predictors: when p̂_i(x_i | x_B) does not depend on B or x_B (a product law with the
  perfect or the mixing predictor), every path of the DP multiplies the same factors, so the law is
  Π_i c_i(x_i) for any schedule. Expected values: the product of the closed-form conditionals, in
  Fractions (perfect: c_i = p_i; mix: (1 − λ) p_i + λ/q), and the DP with the shortcut off.
* The law at a few strings (``mixture_law_at``): on the repetition code 0^L / 1^L with the perfect
  or mixing predictor, the first block of s positions is drawn from uniform marginals and every later
  position copies with probability 1 − λ/2 (λ = 0: surely), so r(0^L) = 2^{−s_1} (1 − λ/2)^{L − s_1}
  for fixed sizes, averaged over the first size for random sizes.
"""
from __future__ import annotations

from fractions import Fraction
from itertools import product as cartesian

import numpy as np
import pytest
from flint import fmpq

from exact_laws import exact_target, product_law
from oracles import fixed_sampler_direct
from verify.engine import laws
from verify.engine.info import Marginals
from verify.engine.plans import random_size
from verify.engine.predictors import parse_predictor
from verify.engine.samplers import parse_sampler

PS = [Fraction(1, 3), Fraction(5, 7), Fraction(2, 9), Fraction(1, 2), Fraction(7, 11)]
SCHEDULES = ["fixed:sizes=2+3", "fixed:sizes=1+1+1+1+1", "fixed:sizes=5", "mdm:N=2", "mdm:pi=1/2+1/4+1/4",
             "balanced:K=2"]


def _closed_form_product(ps, lam: Fraction) -> dict:
    """x ↦ Π_i c_i(x_i), c_i(1) = (1 − λ) p_i + λ/2, c_i(0) = (1 − λ)(1 − p_i) + λ/2."""
    out = {}
    for x in cartesian((0, 1), repeat=len(ps)):
        v = Fraction(1)
        for p, b in zip(ps, x):
            v *= (1 - lam) * (p if b else 1 - p) + lam / 2
        out[x] = v
    return out


@pytest.mark.parametrize("pred, lam", [("perfect", Fraction(0)), ("mix:lam=1/10", Fraction(1, 10)),
                                       ("mix:lam=1/2", Fraction(1, 2))])
def test_context_free_predictor_law_is_the_product_of_its_conditionals(pred, lam):
    t = exact_target(product_law(PS))
    want = _closed_form_product(PS, lam)
    predictor = parse_predictor(pred)
    cache: dict = {}
    assert laws.context_free_conditionals(Marginals(t), predictor, cache) is not None
    for spec in SCHEDULES:
        law = laws.mixture_law(t, parse_sampler(spec, t.L), predictor, None, cache)
        assert {x: Fraction(int(law[x].p), int(law[x].q)) for x in want} == want, spec
        laws.CONTEXT_FREE_SHORTCUT = False
        try:
            dp = laws.mixture_law(t, parse_sampler(spec, t.L), predictor)
        finally:
            laws.CONTEXT_FREE_SHORTCUT = True
        assert all(dp[x] == law[x] for x in want), spec


def test_reach_mass_is_one_for_proper_schedules_and_adds_the_paths():
    for spec in SCHEDULES:
        assert laws.reach_mass(parse_sampler(spec, 5)) == 1
    two = random_size([(fmpq(1, 3), (1, 4)), (fmpq(2, 3), (4, 1))], 5)
    assert laws.reach_mass(two) == 1


def test_a_context_dependent_conditional_turns_the_shortcut_off():
    """One entry of a product law moved by 1/1000 (and another back): p̂ now depends on the context,
    the shortcut is refused and the law is the DP's (close to the enumeration oracle, not the product)."""
    pmf = product_law(PS)
    pmf[(0,) * 5] += Fraction(1, 1000)
    pmf[(1,) * 5] -= Fraction(1, 1000)
    t = exact_target(pmf)
    assert laws.context_free_conditionals(Marginals(t), parse_predictor("perfect"), {}) is None
    sizes = (2, 3)
    law = laws.mixture_law(t, parse_sampler("fixed:sizes=2+3", 5))
    _, want = fixed_sampler_direct(np.array(pmf, dtype=float), sizes)
    got = np.array([float(v) for v in law.reshape(-1)]).reshape(want.shape)
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    marg = [sum(v for x, v in np.ndenumerate(pmf) if x[i] == 1) for i in range(5)]
    product = _closed_form_product(marg, Fraction(0))
    assert any(Fraction(int(law[x].p), int(law[x].q)) != v for x, v in product.items())


def _repetition(L: int):
    pmf = np.zeros((2,) * L, dtype=object)
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = Fraction(0)
    pmf[(0,) * L] = pmf[(1,) * L] = Fraction(1, 2)
    return exact_target(pmf)


@pytest.mark.parametrize("pred, lam", [("perfect", Fraction(0)), ("mix:lam=1/10", Fraction(1, 10))])
def test_law_at_the_strings_of_a_code_matches_the_closed_form(pred, lam):
    L = 6
    t = _repetition(L)
    pts = np.array([[0] * L, [1] * L])
    predictor = parse_predictor(pred)

    def at_first(s1):
        return Fraction(1, 2**s1) * (1 - lam / 2) ** (L - s1)

    cases = [("fixed:sizes=2+3+1", at_first(2)), ("fixed:sizes=1+5", at_first(1)), ("fixed:sizes=6", at_first(6)),
             ("balanced:K=3", at_first(2))]
    for spec, want in cases:
        got = laws.mixture_law_at(t, parse_sampler(spec, L), pts, predictor)
        assert [Fraction(int(v.p), int(v.q)) for v in got] == [want, want], spec
    two = random_size([(fmpq(1, 3), (1, L - 1)), (fmpq(2, 3), (L - 1, 1))], L)
    want = Fraction(1, 3) * at_first(1) + Fraction(2, 3) * at_first(L - 1)
    got = laws.mixture_law_at(t, two, pts, predictor)
    assert [Fraction(int(v.p), int(v.q)) for v in got] == [want, want]


def test_law_at_strings_equals_the_whole_law_there():
    """Any strings of a law with full support (a Markov chain, a noisy predictor): the same exact
    numbers as the whole law read there."""
    from distributions import parse_target

    t = parse_target("markov:L=5,q=2,flip=1/10", exact=True)
    rng = np.random.default_rng(3)
    pts = rng.integers(0, 2, size=(7, 5))
    for pred in ("perfect", "noise:sigma=1/2,seed=1", "temp:beta=2"):
        for spec in ("fixed:sizes=2+1+2", "mdm:N=3", "mdm:pi=1/3+0+2/3"):
            cache: dict = {}
            sched = parse_sampler(spec, 5)
            whole = laws.mixture_law(t, sched, parse_predictor(pred), None, cache)
            got = laws.mixture_law_at(t, sched, pts, parse_predictor(pred), None, cache)
            assert all(whole[tuple(x)] == v for x, v in zip(pts, got)), (pred, spec)


def test_points_cheaper_is_the_work_ratio():
    assert laws.points_cheaper(2, 2, 8) and not laws.points_cheaper(128, 2, 8)
    assert laws.points_cheaper(3, 3, 5) and not laws.points_cheaper(64, 3, 5)


def test_mixture_kl_rows_are_the_same_with_and_without_the_strings_path(monkeypatch):
    """D-MIX on the repetition code: every row (verdict, sides, margin) as with the whole law."""
    from proofs_numeric import claim_by_id
    from verify.claims import instances
    from verify.claims.check import TargetCache, claim_rows

    claim = claim_by_id("D-MIX")
    spec = "mds:q=2,L=5,k=1"

    def rows():
        return [(r.status, r.lhs, r.rhs, r.margin) for r in claim_rows(claim, "deep", TargetCache(), targets=[spec])]

    with_points = rows()
    monkeypatch.setattr(instances, "points_cheaper", lambda *a: False)
    assert rows() == with_points
    assert {s for s, *_ in with_points} == {"tight", "certified"}
