"""Imperfect predictors: the engine's E_D KL(p ‖ q̂_D), mixture law and ε_train against brute force.

Every predictor is rebuilt independently in the oracle from its documented definition: `mix`
(1 − λ)p + λ/q; `temp` p_smooth^β and `noise` p_smooth · exp(σ ξ) (p_smooth the λ = 1/100
smoothing, ξ the predictor's seeded normal draw), both rounded to multiples of 2^-40. The oracle
then recomputes every sampler quantity by enumerating plans. LC25.TRAIN's registry check confirms
the algebra of the weights; these tests confirm the engine against the definitions.
"""
import numpy as np
import pytest

import oracles
from verify.engine.info import Marginals
from verify.engine.laws import expected_kl, mixture_law
from verify.engine.plans import fixed, mdm
from verify.engine.predictors import parse_predictor
from verify.engine.target import make_target
from verify.engine.training import eps_train

LAWS = [(2, 3, 0.5, 0), (2, 4, 0.3, 1), (3, 3, 1.0, 2)]  # (q, L, alpha, seed)
PREDICTORS = ["mix:lam=1/10", "temp:beta=2", "noise:sigma=1/2,seed=1"]


def _law(q, L, alpha, seed):
    return oracles.random_law(np.random.default_rng(seed), q, L, alpha=alpha)


def _oracle_predictor(pmf, spec):
    """The oracle's own predictor for a spec of PREDICTORS (no engine table is read)."""
    if spec == "mix:lam=1/10":
        return oracles.mix_predictor(pmf, 0.1)
    if spec == "temp:beta=2":
        return oracles.temp_predictor(pmf, 2.0)
    if spec == "noise:sigma=1/2,seed=1":
        return oracles.noise_predictor(pmf, 0.5, 1)
    if spec == "noise:sigma=1,seed=3":
        return oracles.noise_predictor(pmf, 1.0, 3)
    raise KeyError(spec)


@pytest.mark.parametrize("q,L,alpha,seed", LAWS)
@pytest.mark.parametrize("pspec", PREDICTORS)
def test_fixed_sizes_expected_kl_mixture_and_eps_train(q, L, alpha, seed, pspec):
    pmf = _law(q, L, alpha, seed)
    target = make_target(pmf, q, L)
    m = Marginals(target)
    pred = parse_predictor(pspec)
    cond = _oracle_predictor(pmf, pspec)
    for sizes in oracles.all_compositions(L):
        sched = fixed(sizes, L)
        ekl, mix = oracles.fixed_sampler_direct(pmf, sizes, cond)
        np.testing.assert_allclose(expected_kl(target, sched, pred, m), ekl, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(mixture_law(target, sched, pred, m), mix, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(eps_train(m, sched, pred), oracles.eps_train_direct(pmf, sizes, cond),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("pi", [(0.5, 0.5), (0.0, 0.25, 0.75), (0.2, 0.0, 0.3, 0.5)])
def test_mdm_with_imperfect_predictor(pi):
    from fractions import Fraction

    q, L = 2, 4
    pmf = _law(q, L, 0.5, 7)
    target = make_target(pmf, q, L)
    m = Marginals(target)
    pred = parse_predictor("noise:sigma=1,seed=3")
    cond = _oracle_predictor(pmf, "noise:sigma=1,seed=3")
    sched = mdm([Fraction(str(v)) for v in pi], L)
    ekl, mix = oracles.mdm_direct(pmf, pi, cond)
    np.testing.assert_allclose(expected_kl(target, sched, pred, m), ekl, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mixture_law(target, sched, pred, m), mix, rtol=1e-9, atol=1e-12)


def test_mix_predictor_matches_its_formula_and_is_positive():
    pmf = _law(3, 3, 0.3, 4)
    m = Marginals(make_target(pmf, 3, 3))
    for spec in PREDICTORS:
        pred = parse_predictor(spec)
        for i, B in ((0, ()), (1, (0,)), (2, (0, 1))):
            arr = np.asarray(pred.conditional(m, i, B), dtype=float)
            assert np.all(arr > 0)
            np.testing.assert_allclose(arr.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    pred = parse_predictor("mix:lam=1/10")
    got = pred.conditional(m, 2, (0,))
    for x0 in range(3):
        want = 0.9 * oracles.conditional_direct(pmf, 2, {0: x0}) + 0.1 / 3
        np.testing.assert_allclose(got[x0], want, rtol=1e-12)


@pytest.mark.parametrize("pspec", PREDICTORS)
@pytest.mark.parametrize("exact", [False, True])
def test_predictor_values_match_the_oracle_formula(pspec, exact):
    """Every conditional p̂_i(· | x_B), entry by entry, within the 2^-40 rounding step."""
    import itertools

    q, L = 3, 3
    pmf = _law(q, L, 0.3, 4)
    m = Marginals(make_target(pmf, q, L, exact=exact))
    pred = parse_predictor(pspec)
    cond = _oracle_predictor(pmf, pspec)
    for i in range(L):
        others = [j for j in range(L) if j != i]
        for r in range(L):
            for B in itertools.combinations(others, r):
                got = pred.conditional(m, i, B)
                for xB in itertools.product(range(q), repeat=len(B)):
                    want = cond(i, dict(zip(B, xB)))
                    np.testing.assert_allclose(np.asarray(got[xB], dtype=float), want, rtol=0, atol=2.0**-38)
