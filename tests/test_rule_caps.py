"""Caps and floors of adaptive rules (``max=``, ``min=`` tokens per step; verify.engine.rules) against
the brute-force oracle of tests/adaptive_oracle.py, which runs each rule literally with the caps
(``lo``/``hi``): the mixture law and E_p[T] must agree exactly (Fractions against fmpq), on laws
with exact ties (fair bits, τ = 1/2, η = log 2), for the perfect and an imperfect predictor."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import adaptive_oracle as AO
from exact_laws import exact_target, product_law, weights_law
from verify.engine.adaptive import run_chain
from verify.engine.predictors import parse_predictor
from verify.engine.rules import parse_rule
from verify.errors import SpecError

LOG2 = ("log", 1, 2)


LAWS = {
    # fair bits tie with η = log 2 and τ = 1/2; two equal positions tie in entropy and confidence
    "ties": product_law([Fraction(1, 2), Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]),
    "copy-noise": weights_law([9, 1, 1, 1, 1, 1, 1, 9], 2, 3),
    "random-q3": weights_law(np.random.default_rng(18).integers(1, 6, size=27).tolist(), 3, 3),
    "orders-q3": None,  # below: entropy order and confidence order disagree
}


def _orders_law():
    """9/10 · (X0 ~ (1/2, 1/2, 0)) ⊗ (X1 ~ (3/5, 1/5, 1/5)) ⊗ (X2 ~ (11/20, 9/20, 0)) + 1/10 · uniform
    on the constant strings. At the start the two lowest entropies are X2, X0 and the two highest
    confidences X1, X2: a cap of 2 that keeps the wrong priority order changes the law."""
    m = [[Fraction(1, 2), Fraction(1, 2), Fraction(0)], [Fraction(3, 5), Fraction(1, 5), Fraction(1, 5)],
         [Fraction(11, 20), Fraction(9, 20), Fraction(0)]]
    pmf = np.empty((3, 3, 3), dtype=object)
    for idx in np.ndindex(pmf.shape):
        v = Fraction(9, 10) * m[0][idx[0]] * m[1][idx[1]] * m[2][idx[2]]
        pmf[idx] = v + (Fraction(1, 30) if idx[0] == idx[1] == idx[2] else 0)
    return pmf


LAWS["orders-q3"] = _orders_law()

# (spec, oracle rule, oracle parameter)
RULES = [
    ("entropy-sum:eta=log(2)", "entropy-sum", LOG2),
    ("entropy-sum:eta=1/2", "entropy-sum", Fraction(1, 2)),
    ("entropy-sum:eta=0", "entropy-sum", Fraction(0)),
    ("entropy-sum:eta=2", "entropy-sum", Fraction(2)),  # pairs stay <= η: a cap ends the batch
    ("max-entropy:eta=log(2)", "max-entropy", LOG2),
    ("eb:gamma=log(2)", "eb", LOG2),
    ("eb:gamma=0", "eb", Fraction(0)),
    ("topk:k=1", "topk", 1),
    ("topk:k=3", "topk", 3),
    ("threshold:tau=1/2", "threshold", Fraction(1, 2)),
    ("threshold:tau=1", "threshold", Fraction(1)),
    ("threshold:tau=1/3", "threshold", Fraction(1, 3)),  # everything passes: the cap picks
]
CAPS = [(None, 1), (None, 2), (2, None), (2, 2), (3, None), (1, 3)]


def _spec(base, lo, hi):
    return base + (f",min={lo}" if lo else "") + (f",max={hi}" if hi else "")


def _oracle(pmf, kind, param, lo, hi, pred=None):
    if kind == "entropy-sum":
        return AO.entropy_sum_direct(pmf, AO.ExactEntropy(param), pred=pred, lo=lo, hi=hi)
    return AO.comparator_direct(pmf, kind, param, pred=pred, lo=lo, hi=hi)


def _check(res, want, what):
    got = {idx: Fraction(int(v.p), int(v.q)) for idx, v in np.ndenumerate(res.mixture)}
    assert got == want["mixture_exact"], what + ": mixture law"
    e = res.expected_iterations
    assert Fraction(int(e.p), int(e.q)) == want["iters_data_exact"], what + ": E_p[T]"
    assert abs(float(res.expected_kl) - want["expected_kl"]) <= 1e-9 * (1 + abs(want["expected_kl"])), what


@pytest.mark.parametrize("law", sorted(LAWS))
@pytest.mark.parametrize("base,kind,param", RULES, ids=[r[0] for r in RULES])
def test_caps_match_the_literal_oracle(law, base, kind, param):
    pmf = LAWS[law]
    t = exact_target(pmf)
    for lo, hi in CAPS:
        spec = _spec(base, lo, hi)
        _check(run_chain(t, parse_rule(spec, t.L)), _oracle(pmf, kind, param, lo, hi), f"{law} {spec}")


@pytest.mark.parametrize("base,kind,param", [RULES[0], RULES[4], RULES[8]], ids=["entropy-sum", "eb", "threshold"])
def test_caps_with_an_imperfect_predictor(base, kind, param):
    pmf = LAWS["copy-noise"]
    t = exact_target(pmf)
    pred = parse_predictor("mix:lam=1/10")
    for lo, hi in [(None, 1), (2, None), (2, 2)]:
        spec = _spec(base, lo, hi)
        want = _oracle(pmf, kind, param, lo, hi, pred=AO.mix_predictor(pmf, Fraction(1, 10)))
        _check(run_chain(t, parse_rule(spec, t.L), pred), want, spec)


def test_caps_bind_where_expected():
    """Closed forms: max=1 is one token per step (E[T] = L); min=L (or min ≥ L) is one step."""
    t = exact_target(LAWS["ties"])
    for base, _, _ in RULES:
        assert run_chain(t, parse_rule(_spec(base, None, 1), t.L)).expected_iterations == 4, base
        assert run_chain(t, parse_rule(_spec(base, 9, None), t.L)).expected_iterations == 1, base


def test_uncapped_equals_loose_caps():
    """max ≥ L and min = 1 change nothing: the capped law with lo = 1, hi = m is the uncapped one."""
    t = exact_target(LAWS["copy-noise"])
    for base, _, _ in RULES:
        a = run_chain(t, parse_rule(base, t.L))
        b = run_chain(t, parse_rule(_spec(base, 1, 7), t.L))
        assert (a.mixture == b.mixture).all() and a.expected_iterations == b.expected_iterations, base


@pytest.mark.parametrize("spec,field", [
    ("threshold:tau=1/2,max=0", "sampler.threshold.max"),
    ("threshold:tau=1/2,min=x", "sampler.threshold.min"),
    ("eb:gamma=0,min=3,max=2", "sampler.eb.min"),
    ("topk:k=1,most=2", "sampler.topk"),
    ("entropy-sum:eta=1,max=1e400", "sampler.entropy-sum.max"),
])
def test_bad_caps_are_refused_by_name(spec, field):
    with pytest.raises(SpecError) as err:
        parse_rule(spec, 3)
    assert str(err.value).startswith(field), str(err.value)
