"""The memoised side evaluation (issue 19): memo hits give the brute-force values, and the caches a
Workspace shares between claims never mix up two predictors or two schedules.

Expected values come from tests/oracles.py (brute force over x, the predictors rebuilt from their
definitions), or from a fresh Workspace/Marginals that has no memo yet.
"""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

import oracles
from verify.claims.instances import Instance, Workspace
from verify.engine.info import Marginals
from verify.engine.laws import cross_entropy
from verify.engine.plans import fixed
from verify.engine.predictors import Predictor, cached_conditional, parse_predictor
from verify.engine.target import as_float, make_target
from verify.engine.training import learning_term

PREDICTORS = {
    "mix:lam=1/10": lambda pmf: oracles.mix_predictor(pmf, 0.1),
    "temp:beta=2": lambda pmf: oracles.temp_predictor(pmf, 2.0),
    "noise:sigma=1/2,seed=1": lambda pmf: oracles.noise_predictor(pmf, 0.5, 1),
    "perfect": lambda pmf: (lambda i, known: oracles.conditional_direct(pmf, i, known)),
}


def _exact_target(q=2, L=3, seed=5):
    pmf = oracles.random_law(np.random.default_rng(seed), q, L, alpha=0.7)
    return pmf, make_target(pmf, q, L, exact=True)


def _ce_and_learning_direct(pmf, cond, i, B):
    """CE_i(B) = −Σ_x p(x) log p̂_i(x_i | x_B) and ℓ_i(B) = Σ_x p(x) log(p_i / p̂_i)(x_i | x_B)."""
    q, L = pmf.shape[0], pmf.ndim
    ce = ell = 0.0
    for x in itertools.product(range(q), repeat=L):
        if pmf[x] == 0:
            continue
        known = {j: x[j] for j in B}
        ce -= pmf[x] * math.log(cond(i, known)[x[i]])
        ell += pmf[x] * math.log(oracles.conditional_direct(pmf, i, known)[x[i]] / cond(i, known)[x[i]])
    return ce, ell


@pytest.mark.parametrize("spec", list(PREDICTORS))
def test_memoised_cross_entropy_and_learning_terms_match_brute_force(spec):
    pmf, target = _exact_target()
    m = Marginals(target)
    pred, cond = parse_predictor(spec), PREDICTORS[spec](pmf)
    L = target.L
    for i in range(L):
        others = [j for j in range(L) if j != i]
        for r in range(L):
            for B in itertools.combinations(others, r):
                ce, ell = _ce_and_learning_direct(pmf, cond, i, B)
                for _ in range(2):  # the second round reads the memo
                    assert float(cross_entropy(m, pred, i, B)) == pytest.approx(ce, rel=1e-9, abs=1e-9)
                    assert float(learning_term(m, pred, i, B)) == pytest.approx(ell, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("spec", ["mix:lam=1/10", "temp:beta=2", "noise:sigma=1/2,seed=1"])
def test_cached_conditional_is_the_predictors_conditional_and_read_only(spec):
    _, target = _exact_target(q=3, L=3, seed=2)
    m, fresh = Marginals(target), Marginals(target)
    pred = parse_predictor(spec)
    for i, B in ((0, ()), (2, (0,)), (1, (2, 0)), (1, (0, 2))):
        got = cached_conditional(pred, m, i, B)
        assert cached_conditional(pred, m, i, B) is got
        assert not got.flags.writeable
        assert (got == pred.conditional(fresh, i, B)).all()
    # a predictor with other parameters under the same spec text gets its own entries
    other = Predictor(pred.kind, {**pred.params, "lam": fmpq(1, 2)}, pred.spec)
    assert not (cached_conditional(other, m, 1, (0,)) == cached_conditional(pred, m, 1, (0,))).all()


QUANTITIES = ("expected_kl", "eps_train", "mixture_kl", "tv")


def _values(ws, sched, pred):
    inst = Instance(ws, sched, pred)
    return [float(inst.value(n)) for n in QUANTITIES]


def test_workspace_shares_values_but_never_across_predictors_with_one_spec():
    """Two predictors that differ only in λ but carry the same spec string, on one Workspace, get
    the values each gets alone on a fresh Workspace (the shared keys use kind and parameters)."""
    _, target = _exact_target(L=3)
    a = Predictor("mix", {"lam": fmpq(1, 10)}, "same")
    b = Predictor("mix", {"lam": fmpq(1, 2)}, "same")
    sched = fixed((1, 2), 3)
    ws = Workspace(target)
    va, vb = _values(ws, sched, a), _values(ws, sched, b)
    assert va == _values(Workspace(target), sched, a)
    assert vb == _values(Workspace(target), sched, b)
    assert va != vb
    # a second instance of the same (schedule, predictor) reads the shared value itself
    assert Instance(ws, fixed((1, 2), 3), a).value("expected_kl") is Instance(ws, sched, a).value("expected_kl")


def test_workspace_never_shares_across_schedules_with_one_spec():
    _, target = _exact_target(L=3)
    pred = parse_predictor("temp:beta=2")
    s1, s2 = fixed((1, 2), 3, spec="same"), fixed((2, 1), 3, spec="same")
    ws = Workspace(target)
    v1, v2 = _values(ws, s1, pred), _values(ws, s2, pred)
    assert v1 == _values(Workspace(target), s1, pred)
    assert v2 == _values(Workspace(target), s2, pred)
    assert v1 != v2
    p1, p2 = Instance(ws, s1, pred), Instance(ws, s2, pred)
    assert float(p1.value("profile_kl")) != float(p2.value("profile_kl"))


def test_as_float_rounds_each_rational_to_nearest():
    vals = [fmpq(1, 3), fmpq(-2, 7), fmpq(0), fmpq(10**40 + 1, 3), fmpq(1, 10**30), 5, 2.5]
    arr = np.empty((7,), dtype=object)
    arr[:] = vals
    want = [float(Fraction(int(v.p), int(v.q))) if isinstance(v, fmpq) else float(v) for v in vals]
    got = as_float(arr.reshape(7, 1)[::-1])
    assert got.dtype == np.float64 and got.shape == (7, 1)
    assert got.reshape(-1).tolist() == want[::-1]
    assert as_float(np.empty((0, 3), dtype=object)).shape == (0, 3)


@pytest.mark.parametrize("spec", ["fixed:sizes=1+3", "fixed:sizes=2+1+1", "mdm:pi=1/6+1/3+1/2",
                                  "random-size:law=1/3@1+3;2/3@3+1"])
def test_profile_kl_from_summed_coefficients_matches_brute_force(spec):
    """D-PROFILE's right side, now summed as Σ_k c_k h(k): against the formula on a brute-force
    entropy profile, averaged over the schedule's size law enumerated by the engine's schedule."""
    from verify.engine.samplers import parse_sampler

    pmf, target = _exact_target(q=2, L=4, seed=3)
    L = 4
    prof = [np.mean([oracles.entropy_direct(pmf, A) for A in itertools.combinations(range(L), k)])
            for k in range(L + 1)]
    sched = parse_sampler(spec, L)
    want = sum(float(Fraction(int(fmpq(p).p), int(fmpq(p).q))) * oracles.profile_formula(prof, sizes)
               for p, sizes in sched.compositions())
    got = Instance(Workspace(target), sched).value("profile_kl")
    assert float(got) == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert float(Instance(Workspace(target.to_float()), sched).value("profile_kl")) == pytest.approx(want, rel=1e-9, abs=1e-12)
