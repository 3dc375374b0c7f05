"""Twins of exact forms (issue 19): the zero test may reduce, in place of a form, a *twin* written over
the law's own marginal values (``LogLinear.with_twin``; docs/certification.md, "Twins"). A twin must
have exactly the form's value, or a verdict could be wrong; these tests check that, and that verdicts
do not depend on twins.

Oracle: every form is turned into its prime exponents by sympy's factorint, term by term, with
Fraction coefficients (``_prime_exponents``): two forms are equal iff their constants and prime
exponents agree (logs of distinct primes are linearly independent over Q). Nothing of the zero test
(coprime bases, splitting, integer weights) is used. Targets are small (L ≤ 4) with small rational
parameters, so every numerator and denominator factors at once.
"""
from __future__ import annotations

import itertools
import tempfile
from fractions import Fraction

import numpy as np
import pytest
import sympy

from distributions.registry import parse_target
from proofs_numeric import registry
from verify.certify import logforms
from verify.certify.logforms import form_of_parts
from verify.claims.check import TargetCache, run_claim
from verify.engine.info import Marginals
from verify.engine.laws import (cross_entropy, cross_entropy_level, factored_kl, factored_kl_parts, law_of_factors,
                               plan_factors)
from verify.engine.metrics import kl
from verify.engine.numbers import own_conditional_log_sum
from verify.engine.predictors import PERFECT, parse_predictor
from verify.engine.training import learning_term, masked_learning_level, plan_learning, plan_learning_parts

TARGETS = ["markov:L=3,q=2,flip=1/10", "copy:L=3,delta=1/3", "potts:graph=cycle,L=3,q=3,w=1/2",
           "potts:graph=path,L=4,q=2,w=3"]
IMPERFECT = ["mix:lam=1/10", "temp:beta=2", "noise:sigma=1/2,seed=1"]


def _prime_exponents(form) -> tuple:
    """(constant, {prime: exponent}) of ``c0 + Σ c log r`` by complete factorisation (sympy)."""
    acc: dict = {}
    for r, c in form.terms.items():
        c = Fraction(int(c.p), int(c.q))
        for n, sign in ((int(r.p), 1), (int(r.q), -1)):
            for p, e in sympy.factorint(n).items():
                p, e = int(p), int(e)
                acc[p] = acc.get(p, 0) + sign * e * c
    return Fraction(int(form.const.p), int(form.const.q)), {p: e for p, e in acc.items() if e != 0}


def _assert_twin_equal(form, what: str, must_have: bool = True):
    if must_have:
        assert form.has_twin(), f"{what}: no twin"
    twin = form.twin()
    if must_have:
        assert twin is not form, f"{what}: the twin builder gave up"
    assert _prime_exponents(twin) == _prime_exponents(form), f"{what}: the twin has another value"
    # the zero test reads the twin as parts (twin_parts), summed leaf by leaf
    merged = form_of_parts(form.twin_parts())
    assert _prime_exponents(merged) == _prime_exponents(form), f"{what}: the twin's parts have another value"


@pytest.mark.parametrize("spec", TARGETS)
def test_cross_entropy_twins_equal_their_forms(spec):
    """CE_i(B) of the perfect predictor has a twin of the same value; imperfect ones have none."""
    t = parse_target(spec, exact=True)
    m = Marginals(t)
    for i in range(t.L):
        others = [j for j in range(t.L) if j != i]
        for r in range(t.L):
            for B in itertools.combinations(others, r):
                _assert_twin_equal(cross_entropy(m, PERFECT, i, B), f"{spec} CE_{i}({B})")
                hat = cross_entropy(m, parse_predictor("mix:lam=1/10"), i, B)
                assert not hat.has_twin()


@pytest.mark.parametrize("spec", TARGETS)
def test_level_and_learning_twins_equal_their_forms(spec):
    """Sums carry the sum of their summands' twins, scale included (levels c(n), λ(M), ℓ_i(B))."""
    t = parse_target(spec, exact=True)
    m = Marginals(t)
    for n in range(t.L):
        _assert_twin_equal(cross_entropy_level(m, PERFECT, n), f"{spec} c({n})")
    for pspec in IMPERFECT:
        pred = parse_predictor(pspec)
        for n_masked in range(1, t.L + 1):
            _assert_twin_equal(masked_learning_level(m, pred, n_masked), f"{spec} {pspec} λ({n_masked})")
        _assert_twin_equal(learning_term(m, pred, 0, (1,)), f"{spec} {pspec} ℓ_0((1,))")
        _assert_twin_equal(plan_learning(m, pred, [(1,), (0, 2)]), f"{spec} {pspec} plan learning")
        lazy = form_of_parts(plan_learning_parts(m, pred, [(1,), (0, 2)]))  # D-CHAIN's lazy right side
        assert _prime_exponents(lazy) == _prime_exponents(plan_learning(m, pred, [(1,), (0, 2)]))


@pytest.mark.parametrize("spec", TARGETS)
@pytest.mark.parametrize("pspec", ["perfect", "mix:lam=1/10", "temp:beta=2"])
def test_factored_plan_kl_equals_the_law_kl(spec, pspec):
    """KL(p ‖ q_D) from the explicit law equals its factor-by-factor twin, for every plan shape."""
    t = parse_target(spec, exact=True)
    m, pred = Marginals(t), parse_predictor(pspec)
    L = t.L
    plans = [[tuple(range(L))], [(k,) for k in range(L)], [(L - 1,), tuple(range(L - 1))],
             [(0, L - 1), tuple(range(1, L - 1))] if L > 2 else [(1,), (0,)]]
    memo: dict = {}
    for plan in plans:
        factors = plan_factors(t, plan, pred, m)
        law_kl = kl(t.pmf, law_of_factors(t, factors), True)
        positions = [i for b in plan for i in b] if pred.perfect else None
        twin = factored_kl(t.pmf, factors, positions)
        assert _prime_exponents(twin) == _prime_exponents(law_kl), f"{spec} {pspec} {plan}"
        keys, U = [], ()  # the parts with a memo shared by the plans, as D-CHAIN reads them
        for b in plan:
            keys += [(i, U, pred.perfect) for i in b]
            U = tuple(sorted(U + b))
        parts = factored_kl_parts(t.pmf, factors, positions, keys, memo)
        assert _prime_exponents(form_of_parts(parts)) == _prime_exponents(law_kl), f"{spec} {pspec} {plan} parts"
        if pred.perfect:  # written over p's marginal values only (what makes it cancel against entropies)
            values = {v for S in itertools.chain.from_iterable(
                          itertools.combinations(range(L), k) for k in range(1, L + 1))
                      for v in t.pmf.sum(axis=tuple(j for j in range(L) if j not in S)).reshape(-1)}
            strays = [r for r in twin.terms if r not in values and 1 / r not in values]
            assert not strays, f"{spec} {plan}: twin ratios that are no marginal value: {strays[:3]}"


def test_own_conditional_log_sum_refuses_what_is_not_the_conditional():
    """The twin of Σ joint log cond is given only if cond · Σ_i joint = joint on the support, checked
    entry by entry: one entry changed (by a factor 2) and the helper gives no twin."""
    t = parse_target("markov:L=3,q=2,flip=1/10", exact=True)
    m = Marginals(t)
    joint = np.moveaxis(m.marginal((0, 1)), 0, -1)  # axes (x1, x0): position 0 last
    cond = m.conditional(0, (1,))
    good = own_conditional_log_sum(joint, cond, -1)
    assert good is not None
    assert _prime_exponents(good) == _prime_exponents(-cross_entropy(m, PERFECT, 0, (1,)))
    for k in range(cond.size):
        bad = cond.copy()
        bad.reshape(-1)[k] = bad.reshape(-1)[k] * 2
        assert own_conditional_log_sum(joint, bad, -1) is None, f"entry {k} changed, twin still given"


def test_a_form_of_value_zero_with_twins_is_tight_and_a_wrong_twin_would_show():
    """The zero test uses the twin: a form with a twin of another value is decided by the twin (so
    a builder's proof obligation is real), which is why each builder checks or constructs equality."""
    from verify.certify.logforms import LogLinear
    from verify.certify.verdicts import check_eq

    a = LogLinear.log(6) - LogLinear.log(2)      # log 3, written as log 6 − log 2
    b = LogLinear.log(3)
    assert check_eq(a, b).status == "tight"
    big = (1 << 70) + 1  # multi-limb ratios, so the zero test looks at the twin
    c = LogLinear.log(big * 3) - LogLinear.log(big)
    c.with_twin(lambda: LogLinear.log(3), prefer=True)
    assert check_eq(c, b).status == "tight"
    d = LogLinear.log(big * 3) - LogLinear.log(big)
    d.with_twin(lambda: LogLinear.log(5), prefer=True)  # a wrong twin: never built by the engine
    assert check_eq(d, b).status != "tight"


CLAIMS = ["D-CHAIN", "D-PROFILE", "LC25.TRAIN", "LC25.T1", "D-MIX"]


@pytest.mark.parametrize("spec", ["hmm:L=4,q=2,states=2,seed=4", "ngram:L=4,q=2,n=3,seed=3"])
def test_verdicts_do_not_depend_on_twins(spec, monkeypatch):
    """Every row of the identities and bounds whose zero tests meet twins: same verdicts, same
    margins, with and without twins (``logforms.USE_TWINS``)."""
    claims = [c for c in registry(()) if c.id in CLAIMS]
    out = {}
    for flag in (True, False):
        monkeypatch.setattr(logforms, "USE_TWINS", flag)
        rows = []
        with tempfile.TemporaryDirectory() as w:
            cache = TargetCache()
            for c in claims:
                res = run_claim(c, "ci", cache, targets=[spec], witness_dir=w, write=False)
                rows += [(c.id, r.status, r.margin, r.lhs, r.rhs) for r in res.rows]
        out[flag] = rows
    assert out[True] == out[False]
    assert sum(r[1] == "tight" for r in out[True]) > 50
