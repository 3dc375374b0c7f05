"""Exact ties and boundary cases, worked by hand (issue 20, item 4).

Every expected value below is a closed form derived in the docstring of its test, or (for the
cross-checks at the end) the engine-free oracle of ``tests/adaptive_oracle.py`` deciding every
comparison exactly. Three groups:

* the certifier on exact ties (equal rationals) and on single-base log forms whose 64-bit ball
  straddles 0 (the zero test must not mistake them for rationals);
* every adaptive rule on laws whose entropies / top probabilities tie exactly, with the rule's
  threshold placed exactly on a sum of entropies;
* size laws at extreme parameters against hand-written compositions.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import fmpq

import adaptive_oracle as AO
from tests import profile_oracles as PO
from verify.certify.logforms import LogLinear
from verify.certify.verdicts import Sum, check_eq, check_ge, check_le
from verify.engine.adaptive import run_chain
from verify.engine.profile.sizelaws import forward_weights, odds_sizes, parse_size_law
from verify.engine.target import make_target

LOG2 = LogLinear.log(2)


# ------------------------------------------------------------------ certifier: equal rationals


EQUAL_RATIONALS = [0, 1, -7, Fraction(1, 3), Fraction(-22, 7), fmpq(10**40 + 1, 3**50), np.int64(5)]


@pytest.mark.parametrize("x", EQUAL_RATIONALS, ids=[str(x) for x in EQUAL_RATIONALS])
def test_equal_rationals_are_tight_in_every_relation(x):
    """x ≤ x, x ≥ x and x = x hold with equality: the verdict is ``tight`` (proved equal), never
    ``certified`` (which claims a strict-or-unknown margin) and never ``refuted``."""
    for check in (check_le, check_ge, check_eq):
        v = check(x, x)
        assert v.status == "tight", (check.__name__, x, v)
        assert v.prec == 0  # decided by exact arithmetic, no ball


def test_equal_rationals_written_differently_are_tight():
    """1/3 as Fraction, fmpq and a constant LogLinear; 2/4 = 1/2; a Sum of rationals."""
    assert check_le(Fraction(1, 3), fmpq(1, 3)).status == "tight"
    assert check_ge(LogLinear.constant(Fraction(2, 4)), Fraction(1, 2)).status == "tight"
    assert check_eq(Sum(Fraction(1, 6), Fraction(1, 6)), fmpq(1, 3)).status == "tight"
    assert check_le(Sum(Fraction(1, 6), Fraction(1, 6)), fmpq(1, 3)).status == "tight"


def test_exact_ties_through_combinators_are_tight():
    """log_2 8 = 3, log_2(1/8) = −3 (exact integers: a radius-0 ball at 0 for the difference, which
    must read as proved equality, not a strict margin); (log 4 − 2 log 2 + 3) · log 2 = 3 log 2 (the
    first factor reduces to the rational 3, so the product is an exact form)."""
    from verify.certify.verdicts import Product, log2

    for check in (check_le, check_ge, check_eq):
        assert check(log2(8), 3).status == "tight", check.__name__
        assert check(-3, log2(Fraction(1, 8))).status == "tight", check.__name__
        prod = Product(LogLinear.log(4) - LogLinear.log(2, 2) + 3, LOG2)
        assert check(prod, LogLinear.log(2, 3)).status == "tight", check.__name__
    assert check_le(log2(8), Fraction(3) - Fraction(1, 2**100)).status == "refuted"
    assert check_le(log2(8), Fraction(3) + Fraction(1, 2**100)).status == "certified"


def test_identity_refuted_by_the_first_ball_in_both_orders():
    """log 3 ≠ log 2 and two opaque Formulas 1 ≠ 2: the difference's first ball excludes 0 whichever
    side is larger, so check_eq is refuted at the starting precision (a Formula can only ever be
    refuted by a ball)."""
    from flint import arb

    from verify.certify.verdicts import Formula

    one, two = Formula(lambda prec: arb(1), "one"), Formula(lambda prec: arb(2), "two")
    for lhs, rhs in ((LogLinear.log(3), LOG2), (LOG2, LogLinear.log(3)), (one, two), (two, one)):
        v = check_eq(lhs, rhs)
        assert v.status == "refuted" and v.prec == 64, (lhs, rhs, v)


def test_zero_after_dividing_out_a_known_prime():
    """log p − (1/2) log p² = 0 and 2 log p − (2/3) log p³ = 0 for a prime p: once p is divided out
    of p² (p³) nothing is left (the cofactor 1 carries no log), so the coprime base is empty."""
    from verify.certify.coprime import coprime_weights

    p = 1000003
    assert coprime_weights({p: 1, p * p: Fraction(-1, 2)}, primes=[p]) == {}
    assert coprime_weights({p: 2, p**3: Fraction(-2, 3)}, primes=[p]) == {}
    assert coprime_weights({p: 1, p * p: Fraction(-1, 2), 6: 1}, primes=[p]) == {6: 1}


def test_one_ulp_apart_rationals_are_strict():
    """x and x + 2^-200: strictly ordered (exact), both directions."""
    x = Fraction(1, 3)
    y = x + Fraction(1, 2**200)
    assert check_le(x, y).status == "certified"
    assert check_le(y, x).status == "refuted"
    assert check_ge(y, x).status == "certified"
    assert check_ge(x, y).status == "refuted"
    assert check_eq(x, y).status == "refuted"


# ------------------------------------------------------------------ certifier: single-base forms straddling 0


def _dyadic_bracket(log_value, bits: int = 90):
    """(⌊2^bits v⌋/2^bits, ⌈2^bits v⌉/2^bits) for an irrational v given as an mpmath thunk: two
    rationals within 2^-bits of v, one on each side (mpmath at 200 digits, far more than needed)."""
    with mpmath.workdps(200):
        scaled = log_value() * mpmath.mpf(2) ** bits
        lo = int(mpmath.floor(scaled))
    return Fraction(lo, 2**bits), Fraction(lo + 1, 2**bits)


# (form, its value for mpmath): one log base after reduction, and c·log(r) with other bases
SINGLE_BASE = [
    ("log 2", LogLinear.log(2), lambda: mpmath.log(2)),
    ("log(3/2)", LogLinear.log(Fraction(3, 2)), lambda: mpmath.log(mpmath.mpf(3) / 2)),
    ("3*log 5", LogLinear.log(5, 3), lambda: 3 * mpmath.log(5)),
    ("log 4 - log 2", LogLinear.log(4) - LogLinear.log(2), lambda: mpmath.log(2)),
    ("1/7*log(1/9)", LogLinear.log(Fraction(1, 9), Fraction(1, 7)), lambda: mpmath.log(mpmath.mpf(1) / 9) / 7),
]


@pytest.mark.parametrize("name,form,value", SINGLE_BASE, ids=[s[0] for s in SINGLE_BASE])
def test_single_base_form_next_to_a_rational(name, form, value):
    """v = form, lo < v < hi with hi − lo = 2^-90: the 64-bit ball of v − lo straddles 0 and one log
    base is left after reduction, so v ≠ lo (§7: a nonzero exponent means irrational). Expected:
    v ≤ lo refuted, v ≥ lo certified, v = lo refuted; the mirror statements for hi."""
    lo, hi = _dyadic_bracket(value)
    assert check_le(form, lo).status == "refuted"
    assert check_ge(form, lo).status == "certified"
    assert check_le(lo, form).status == "certified"
    assert check_ge(lo, form).status == "refuted"
    assert check_eq(form, lo).status == "refuted"
    assert check_le(form, hi).status == "certified"
    assert check_ge(form, hi).status == "refuted"
    assert check_le(hi, form).status == "refuted"
    assert check_eq(hi, form).status == "refuted"
    # the bracket is really below the starting precision: the first ball cannot decide
    assert check_le(form, lo).prec > 64
    # the reported margin encloses the true rhs − lhs (for ge: lhs − rhs), about ±2^-90
    with mpmath.workdps(200):
        v = value()
        d_lo = float(v - mpmath.mpf(lo.numerator) / lo.denominator)  # v − lo > 0
        d_hi = float(v - mpmath.mpf(hi.numerator) / hi.denominator)  # v − hi < 0
    for verdict, margin in ((check_le(form, lo), -d_lo), (check_ge(form, lo), d_lo), (check_eq(form, lo), -d_lo),
                            (check_eq(hi, form), d_hi), (check_le(lo, form), d_lo), (check_ge(form, hi), d_hi)):
        assert verdict.margin_lo <= margin <= verdict.margin_hi, verdict
    assert 0 < d_lo < 2.0**-89 and -(2.0**-89) < d_hi < 0


def test_issue_example_log2_against_floor():
    """c = ⌊2^90 log 2⌋ / 2^90 < log 2 (the example of issue 20)."""
    with mpmath.workprec(400):
        c = Fraction(int(mpmath.floor(mpmath.mpf(2) ** 90 * mpmath.log(2))), 2**90)
    assert check_le(LOG2, c).status == "refuted"
    assert check_ge(LOG2, c).status == "certified"


def test_form_equal_to_a_rational_after_reduction_is_tight():
    """log 8 − 3 log 2 + 1/3 = 1/3 exactly (no log base left): tight against 1/3 in every relation,
    and strictly ordered against 1/3 ± 2^-200."""
    form = LogLinear.log(8) - LogLinear.log(2, 3) + Fraction(1, 3)
    for check in (check_le, check_ge, check_eq):
        assert check(form, Fraction(1, 3)).status == "tight"
    eps = Fraction(1, 2**200)
    assert check_le(form, Fraction(1, 3) - eps).status == "refuted"
    assert check_ge(form, Fraction(1, 3) + eps).status == "refuted"
    assert check_le(form, Fraction(1, 3) + eps).status == "certified"
    for other in (Fraction(1, 3) - eps, Fraction(1, 3) + eps):  # either sign of the difference
        assert check_eq(form, other).status == "refuted"
        assert check_eq(other, form).status == "refuted"
    assert check_ge(form, Fraction(1, 3) - eps).status == "certified"
    assert check_ge(Fraction(1, 3) - eps, form).status == "refuted"


# ------------------------------------------------------------------ adaptive rules on tied laws


def _frac_pmf(fn, q: int, L: int) -> np.ndarray:
    pmf = np.empty((q,) * L, dtype=object)
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = Fraction(fn(idx))
    assert sum(pmf.ravel()) == 1
    return pmf


def _exact_target(pmf):
    arr = np.empty(pmf.shape, dtype=object)
    for idx in np.ndindex(pmf.shape):
        arr[idx] = fmpq(pmf[idx].numerator, pmf[idx].denominator)
    return make_target(arr, pmf.shape[0], pmf.ndim, exact=True)


def _float_target(pmf):
    return make_target(np.asarray(pmf, dtype=float), pmf.shape[0], pmf.ndim)


# X0 = X1 a fair bit, X2 an independent fair bit: every marginal entropy is log 2 and every top
# probability 1/2 at the empty state; given X0, X1 is certain (H = 0, top 1) and X2 still fair.
COPY_PLUS_BIT = _frac_pmf(lambda x: Fraction(1, 4) if x[0] == x[1] else 0, 2, 3)

# (rule, E KL, E_p[T], batch sizes b → E_p #{t: |B_t| = b}) worked by hand on COPY_PLUS_BIT.
# Positions tie-break by index, lowest first; TC(X0, X1) = I(X0; X1) = log 2, TC of any batch
# holding at most one of X0, X1 (or revealed after the other) is 0; E KL = Σ_t E TC(X_B | revealed).
HAND_3BIT = [
    # max-entropy: every H ≤ η. η = log 2 holds with equality for all three: one block, KL = TC = log 2.
    ("max-entropy:eta=log(2)", LOG2, 1, {3: 1}),
    # η = 1/2 < log 2: none qualifies, lowest entropy with ties by index → X0; then H(X1|X0) = 0 ≤ η
    # → {X1} (X2 still log 2 > η); then X2. KL 0.
    ("max-entropy:eta=1/2", 0, 3, {1: 3}),
    # eb: order by entropy, ties by index: (X0, X1, X2). Prefix of 2: Σ − max = log 2; of 3: 2 log 2.
    # γ = 1: log 2 ≤ 1 < 2 log 2 → batch {X0, X1}, KL log 2, then X2.
    ("eb:gamma=1", LOG2, 2, {1: 1, 2: 1}),
    # γ = log 2: the prefix of 2 ties (≤ holds) → {X0, X1} again.
    ("eb:gamma=log(2)", LOG2, 2, {1: 1, 2: 1}),
    # γ = 2 log 2: the prefix of 3 ties → one block.
    ("eb:gamma=2*log(2)", LOG2, 1, {3: 1}),
    # γ = 1/2: X0 alone; given X0 the order is (X1: 0, X2: log 2), prefix of 2 has Σ − max = 0 ≤ γ
    # → {X1, X2}, independent given X0: KL 0.
    ("eb:gamma=1/2", 0, 2, {1: 1, 2: 1}),
    # topk: tops tie at 1/2, broken by index: k = 2 → {X0, X1}, KL log 2, then X2.
    ("topk:k=2", LOG2, 2, {1: 1, 2: 1}),
    # k = 1 → X0, then X1 (top 1 beats 1/2), then X2: KL 0.
    ("topk:k=1", 0, 3, {1: 3}),
    # threshold: every top ≥ τ. τ = 1/2 holds with equality for all three → one block, KL log 2.
    ("threshold:tau=1/2", LOG2, 1, {3: 1}),
    # τ = 1: none at first → the most confident, ties by index → X0; then X1 (top 1 ≥ 1); then X2.
    ("threshold:tau=1", 0, 3, {1: 3}),
    # entropy-sum (the batch-set law, docs/adaptive.md): η = log 2, one token never exceeds η
    # (strict), any two do, and each of the two can be the last drawn: P(B) = 1!·1!/3! · 2 = 1/3 for
    # each pair. Only {X0, X1} carries TC, log 2; the leftover token comes alone: KL = (1/3) log 2.
    ("entropy-sum:eta=log(2)", LOG2 / 3, 2, {1: 1, 2: 1}),
    # η = 2 log 2: two tokens sum to exactly η (not > η), so the batch is all three: KL log 2.
    ("entropy-sum:eta=2*log(2)", LOG2, 1, {3: 1}),
]


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float"])
@pytest.mark.parametrize("spec,kl,iters,sizes", HAND_3BIT, ids=[h[0] for h in HAND_3BIT])
def test_every_rule_at_exact_ties_on_the_3bit_law(spec, kl, iters, sizes, exact):
    t = _exact_target(COPY_PLUS_BIT) if exact else _float_target(COPY_PLUS_BIT)
    res = run_chain(t, spec)
    if exact:
        assert res.expected_kl == kl, (spec, res.expected_kl)
        assert res.expected_iterations == iters
        assert {b: v for b, v in res.batch_sizes.items()} == sizes
        assert res.steps_ge2 == sum(v for b, v in sizes.items() if b >= 2)
    else:  # float mode: the same branches (ties decided on the exact law), values to rounding
        assert float(res.expected_kl) == pytest.approx(float(kl), abs=1e-12), spec
        assert float(res.expected_iterations) == pytest.approx(iters, abs=1e-12)
        assert {b: pytest.approx(v, abs=1e-12) for b, v in res.batch_sizes.items()} == sizes


# (rule, excess_max, budget_max) on COPY_PLUS_BIT, by hand from the batches above (data-reachable
# states only). excess = Σ_B H − max_B H, budget = Σ_B min(H, η).
HAND_3BIT_STATS = [
    # pairs at the empty state: excess log 2 = η (CL26.STEP.state tight), budget 2 log 2 = 2η
    # (CL26.BUDGET tight); later single tokens give less.
    ("entropy-sum:eta=log(2)", LOG2, 2 * LOG2),
    # one block of three: excess 2 log 2; budget Σ min(log 2, 2 log 2) = 3 log 2
    ("entropy-sum:eta=2*log(2)", 2 * LOG2, 3 * LOG2),
    # {X0, X1}: excess log 2, budget Σ min(log 2, 1) = 2 log 2; then {X2}: log 2, budget log 2
    ("eb:gamma=1", LOG2, 2 * LOG2),
    ("eb:gamma=log(2)", LOG2, 2 * LOG2),
    # X0 (excess 0, budget 1/2), then {X1, X2} given X0: entropies (0, log 2): excess 0,
    # budget 0 + min(log 2, 1/2) = 1/2
    ("eb:gamma=1/2", 0, Fraction(1, 2)),
    # one block: excess 2 log 2, budget 3 log 2
    ("max-entropy:eta=log(2)", 2 * LOG2, 3 * LOG2),
    # single tokens: excess 0; budget min(H, 1/2) = 1/2 for a fair token
    ("max-entropy:eta=1/2", 0, Fraction(1, 2)),
]


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float"])
@pytest.mark.parametrize("spec,excess,budget", HAND_3BIT_STATS, ids=[h[0] for h in HAND_3BIT_STATS])
def test_certified_maxima_at_exact_ties(spec, excess, budget, exact):
    t = _exact_target(COPY_PLUS_BIT) if exact else _float_target(COPY_PLUS_BIT)
    res = run_chain(t, spec, stats=True)
    # the maxima are exact forms in both modes (decided on the exact law)
    assert res.excess_max == excess, (spec, res.excess_max)
    assert res.budget_max == budget, (spec, res.budget_max)


# X0 ~ (1/4, 3/4), X1 ~ (3/4, 1/4), X2 ~ (1/2, 1/2), independent: H0 = H1 = h(1/4) exactly with
# equal tops 3/4, H2 = log 2 > h(1/4). A product law: every rule samples it exactly (KL 0), so the
# batches are what distinguishes the tie-breaks.
def _prod(ps):
    return _frac_pmf(lambda x: math.prod(p if v else 1 - p for p, v in zip(ps, x)), 2, len(ps))


PRODUCT_TIE = _prod([Fraction(3, 4), Fraction(1, 4), Fraction(1, 2)])
H14 = LogLinear.log(Fraction(256, 27), Fraction(1, 4))  # h(1/4) = 2 log 2 − (3/4) log 3


def test_tied_entropies_on_a_product_law_batch_sizes():
    """h(1/4) ≈ 0.562, log 2 ≈ 0.693.
    * max-entropy:η = h(1/4): X0 and X1 qualify (equality), X2 not: batches {X0,X1}, {X2}.
    * eb:γ = h(1/4): order (X0, X1, X2); prefix of 2 has Σ − max = h(1/4) ≤ γ (tie), prefix of 3
      has 2h(1/4) > γ: batches {X0, X1}, {X2}.
    * threshold:τ = 3/4: X0, X1 have top exactly 3/4 (≥ holds), X2 has 1/2: {X0, X1}, {X2}.
    * entropy-sum:η = h(1/4) + log 2: B = {X0, X2} or {X1, X2} sums to exactly η (not > η);
      {X0, X1} sums to 2h(1/4) < η; so no pair is a batch and the first batch is all three."""
    t = _exact_target(PRODUCT_TIE)
    for spec, want in (("max-entropy:eta=1/4*log(256/27)", {2: 1, 1: 1}),
                       ("eb:gamma=1/4*log(256/27)", {2: 1, 1: 1}),
                       ("threshold:tau=3/4", {2: 1, 1: 1}),
                       ("entropy-sum:eta=1/4*log(4096/27)", {3: 1})):
        res = run_chain(t, spec)
        assert res.batch_sizes == want, spec
        assert res.expected_kl == 0


def test_entropy_sum_at_a_sum_of_two_entropies():
    """X0 = X1 fair, X2 ~ Bern(1/4) independent; η = log 2 + h(1/4).
    First batch from the batch-set law at m = 3 (H = log 2, log 2, h):
    * pairs: {X0,X1} sums to 2 log 2 > η, both elements can be last (2 log 2 − log 2 ≤ η):
      P = 1!1!/3! · 2 = 1/3. {X0,X2} and {X1,X2} sum to exactly η: not a batch.
    * the full set (b = m): last element j with Σ − H_j ≤ η: j = X0 or X1 (Σ − log 2 = η), not X2
      (2 log 2 > η): P = 2!0!/3! · 2 = 2/3.
    KL: {X0,X1} pays I(X0;X1) = log 2 then X2 alone; the full set pays TC = log 2. E KL = log 2.
    E_p[T] = (1/3)·2 + (2/3)·1 = 4/3."""
    p = Fraction(1, 4)
    pmf = _frac_pmf(lambda x: (Fraction(1, 2) if x[0] == x[1] else 0) * (p if x[2] else 1 - p), 2, 3)
    res = run_chain(_exact_target(pmf), "entropy-sum:eta=1/4*log(4096/27)")  # log 2 + h(1/4)
    assert res.expected_kl == LOG2
    assert res.expected_iterations == fmpq(4, 3)
    assert res.batch_sizes == {2: fmpq(1, 3), 1: fmpq(1, 3), 3: fmpq(2, 3)}


def test_topk_tie_break_by_index_on_equal_tops_given_the_past():
    """X0 fair; X1 = X0 and X2 = 1 − X0 (both certain given X0), X3 an independent fair bit.
    topk:k=2 at the empty state: tops (1/2, 1/2, 1/2, 1/2) → {X0, X1} (index order): TC = I = log 2.
    Then given X0: tops X2 → 1, X3 → 1/2 → {X2, X3}: independent given X0 (X2 certain): TC 0.
    E KL = log 2, T = 2."""
    pmf = _frac_pmf(lambda x: Fraction(1, 4) if (x[1] == x[0] and x[2] == 1 - x[0]) else 0, 2, 4)
    res = run_chain(_exact_target(pmf), "topk:k=2")
    assert res.expected_kl == LOG2
    assert res.expected_iterations == 2


# ------------------------------------------------------------------ the oracle, exact, at ties

TIE_LAWS = {
    "copy+bit": COPY_PLUS_BIT,
    "product-tie": PRODUCT_TIE,
    "fair3": _frac_pmf(lambda x: Fraction(1, 8), 2, 3),
    "copy3-1/3": _frac_pmf(lambda x: (Fraction(2, 3) if x[0] == 0 else Fraction(1, 3))
                           if x[0] == x[1] == x[2] else 0, 2, 3),
}
TIE_RULES = [("max-entropy", "eta=log(2)", ("log", 1, 2)), ("max-entropy", "eta=1/4*log(256/27)",
                                                            ("log", Fraction(1, 4), Fraction(256, 27))),
             ("eb", "gamma=log(2)", ("log", 1, 2)), ("eb", "gamma=2*log(2)", ("log", 2, 2)),
             ("eb", "gamma=1/3*log(27/4)", ("log", Fraction(1, 3), Fraction(27, 4))),
             ("eb", "gamma=0", Fraction(0)),
             ("topk", "k=1", 1), ("topk", "k=2", 2), ("threshold", "tau=1/2", Fraction(1, 2)),
             ("threshold", "tau=3/4", Fraction(3, 4)), ("threshold", "tau=2/3", Fraction(2, 3))]


@pytest.mark.parametrize("rule,arg,param", TIE_RULES, ids=[f"{r}:{a}" for r, a, _ in TIE_RULES])
def test_comparators_at_ties_match_the_exact_oracle(rule, arg, param):
    for name, pmf in TIE_LAWS.items():
        want = AO.comparator_direct(pmf, rule, param)
        for t in (_exact_target(pmf), _float_target(pmf)):
            res = run_chain(t, f"{rule}:{arg}")
            assert float(res.expected_kl) == pytest.approx(want["expected_kl"], abs=1e-12), (name, t.exact)
            assert float(res.expected_iterations) == pytest.approx(want["iters_data"], abs=1e-12), (name, t.exact)
            assert float(res.expected_iterations_sampler) == pytest.approx(want["iters_sampler"], abs=1e-12)
            np.testing.assert_allclose(np.asarray(res.mixture, dtype=float), want["mixture"], atol=1e-12)


@pytest.mark.parametrize("name", sorted(TIE_LAWS))
def test_entropy_sum_at_ties_matches_the_exact_oracle_with_stats(name):
    pmf = TIE_LAWS[name]
    t = _exact_target(pmf)
    for spec, eta in (("log(2)", ("log", 1, 2)), ("2*log(2)", ("log", 2, 2)),
                      ("1/4*log(256/27)", ("log", Fraction(1, 4), Fraction(256, 27)))):
        stats: dict = {}
        want = AO.entropy_sum_direct(pmf, AO.ExactEntropy(eta), stats=stats)
        res = run_chain(t, f"entropy-sum:eta={spec}", stats=True)
        assert float(res.expected_kl) == pytest.approx(want["expected_kl"], abs=1e-12), spec
        assert float(res.expected_iterations) == pytest.approx(want["iters_data"], abs=1e-12), spec
        assert float(res.excess_max) == pytest.approx(stats["excess"], abs=1e-12), spec
        assert float(res.budget_max) == pytest.approx(stats["budget"], abs=1e-12), spec


# ------------------------------------------------------------------ size laws at extreme parameters


def _weights_of(compositions: dict, L: int):
    return PO.start_weights(compositions, L)


def _check_law(spec: str, L: int, compositions: dict, iters: int):
    law = parse_size_law(spec, L)
    P, A = law.start_weights(True)
    wP, wA = _weights_of(compositions, L)
    assert [Fraction(int(x.p), int(x.q)) for x in P] == wP, spec
    assert [Fraction(int(x.p), int(x.q)) for x in A] == wA, spec
    gP, gA = forward_weights(law.graph(), True)  # the size-node graph agrees with the closed form
    assert list(gP) == list(P) and list(gA) == list(A), spec
    assert law.max_iterations == iters, spec
    mean = law.mean_iterations(True)
    assert Fraction(int(mean.p), int(mean.q)) == sum(p * len(s) for s, p in compositions.items())


# odds, ρ = 100: o_1 = 1/(L−1); the next target odds 101/(L−1) give n = round(101 L/(L + 100)) = L − 1
# for L ≤ 6 (the target rounds to L or L − 1 and is clipped at L − 1): sizes (1, L − 2, 1).
# ρ = 1/1000: odds grow by 0.1 % per step, so every target rounds to n (or less) and the clip at
# n + 1 makes every block a singleton.
ODDS_HAND = {(2, "100"): (1, 1), (3, "100"): (1, 1, 1), (4, "100"): (1, 2, 1), (5, "100"): (1, 3, 1),
             (6, "100"): (1, 4, 1), (4, "1/1000"): (1, 1, 1, 1), (6, "1/1000"): (1,) * 6,
             (2, "1/1000"): (1, 1), (5, "1000000"): (1, 3, 1),
             # a middle case where the first odds 1/(L−1) matter: L = 8, ρ = 3: o = 4/7 → n =
             # round(32/11) = 3; o = 16/7 → round(128/23) = 6; o = 64/7 → round(512/71) = 7 = L − 1
             (8, "3"): (1, 2, 3, 1, 1)}


@pytest.mark.parametrize("L,rho", sorted(ODDS_HAND), ids=[f"L{L}-rho{r}" for L, r in sorted(ODDS_HAND)])
def test_odds_at_extreme_rho(L, rho):
    sizes = ODDS_HAND[(L, rho)]
    assert odds_sizes(Fraction(rho), L) == sizes
    _check_law(f"random-size:law=odds,rho={rho}", L, {sizes: Fraction(1)}, len(sizes))


@pytest.mark.parametrize("L", [2, 3, 4, 5, 6])
def test_grow_shrink_uniform_binomial_at_extremes(L):
    """Hand compositions:
    * grow r = 1000: s_1 = 1, then round(1000 n) ≥ L − n, clipped: (1, L − 1); randomized too (r n
      is an integer, so no coin).
    * grow r = 1/1000: round(n/1000) = 0, clipped up to 1: all singletons; randomized: ⌊n/1000⌋ + B
      ∈ {0, 1}, clipped to 1: all singletons.
    * shrink r = 1: round(L − n) = L − n: one block; r = 1/1000: singletons (randomized the same).
    * uniform K = 1: one block; K = L: singletons.  binomial N = 1: one block."""
    one, singles = {(L,): Fraction(1)}, {(1,) * L: Fraction(1)}
    grow_big = {(1, L - 1): Fraction(1)}
    for rnd in ("", ",randomized=true"):
        _check_law(f"random-size:law=grow,r=1000{rnd}", L, grow_big, 2)
        _check_law(f"random-size:law=grow,r=1/1000{rnd}", L, singles, L)
        _check_law(f"random-size:law=shrink,r=1{rnd}", L, one, 1)
        _check_law(f"random-size:law=shrink,r=1/1000{rnd}", L, singles, L)
    _check_law("random-size:law=uniform,K=1", L, one, 1)
    _check_law(f"random-size:law=uniform,K={L}", L, singles, L)
    _check_law("random-size:law=binomial,N=1", L, one, 1)
    # N = L: the L positions' steps i.i.d. uniform on 1..L; at most L non-empty steps. At L = 2:
    # same step w.p. 1/2 (one block), else two singletons.
    if L == 2:
        _check_law("random-size:law=binomial,N=2", 2, {(2,): Fraction(1, 2), (1, 1): Fraction(1, 2)}, 2)
        _check_law("random-size:law=binomial,N=3", 2, {(2,): Fraction(1, 3), (1, 1): Fraction(2, 3)}, 2)
    assert parse_size_law("random-size:law=uniform,K=1", L).max_block() == L
    assert parse_size_law(f"random-size:law=uniform,K={L}", L).max_block() == 1


# ------------------------------------------------------------------ the float preview's radius


def test_preview_radii_cover_the_proved_float_error():
    """The bound of docs/adaptive.md ("The float preview's radii"), recomputed here from its
    formula at the worst case the engine accepts (N = q^L ≤ 2^24, q ≤ 2^24): every entropy within
    E, every top probability within ε, so RAD_H ≥ E and RAD_C > 2ε + 2u."""
    from verify.engine import adaptive as AD

    u = Fraction(1, 2**53)
    N = 2**24
    gamma = lambda n: n * u / (1 - n * u)  # noqa: E731
    e0, u_log = Fraction(1, 2**32), Fraction(1, 2**40)
    eps = 2 * (e0 + gamma(N)) + 5 * u
    log_q_plus_1 = Fraction(1764, 100)  # 24 log 2 + 1 = 17.635… (rounded up)
    assert 24 * math.log(2) + 1 < float(log_q_plus_1)
    E = (eps + gamma(N) + u + u_log) * (log_q_plus_1 + 2 * eps)
    assert AD.MAX_FLOAT_PREVIEW_ENTRIES == N
    assert Fraction(AD.RAD_H) >= E
    assert Fraction(AD.RAD_C) > 2 * eps + 2 * u
    # the old radii were below the bound
    assert Fraction(2.0**-26) < E and Fraction(2.0**-36) < 2 * eps


def _uniform5_pair():
    """Two independent tokens, each uniform on 5 values: H = log 5 exactly, and the float entropy
    of (1/5, …, 1/5) is one ulp above float(log 5) (checked below), so a float decision without a
    radius reads the exact tie H = η as H > η."""
    return _frac_pmf(lambda x: Fraction(1, 25), 5, 2)


def test_uniform5_tie_is_one_ulp_off_in_floats():
    c = np.full(5, 0.2)
    assert -(c * np.log(c)).sum() > math.log(5)


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float"])
def test_tie_at_log5_is_decided_exactly(exact):
    """η = log 5 = H of each token (hand): max-entropy takes both (H ≤ η), eb's prefix of 2 has
    Σ − max = log 5 ≤ γ, entropy-sum needs both to exceed η; one block each time (T = 1)."""
    pmf = _uniform5_pair()
    t = _exact_target(pmf) if exact else _float_target(pmf)
    for spec in ("max-entropy:eta=log(5)", "eb:gamma=log(5)", "entropy-sum:eta=log(5)"):
        res = run_chain(t, spec)
        assert res.expected_iterations == 1, spec
        assert res.batch_sizes == {2: 1}, spec


def test_a_shrunk_radius_decides_the_tie_wrongly(monkeypatch):
    """The radius is load-bearing: at RAD_H = 2^-60 (below one ulp of log 5) the float preview
    decides the tie H = log 5 = η as H > η, and max-entropy reveals one token at a time."""
    from verify.engine import adaptive as AD

    t = _exact_target(_uniform5_pair())
    monkeypatch.setattr(AD, "RAD_H", 2.0**-60)
    res = run_chain(t, "max-entropy:eta=log(5)")
    assert res.expected_iterations == 2  # wrong: the exact answer is 1 (previous test)


def test_confidence_tie_on_a_float_target_is_decided_on_its_exact_law(monkeypatch):
    """Entries p(0,0) = 1/10, p(0,1) = 7/10, p(1,1) = 2/10: X0 has top probability 4/5 exactly,
    X1 has 9/10. threshold:τ = 4/5 takes both (4/5 ≥ τ holds with equality): one block, T = 1. The
    float target's marginal of X0 comes out one ulp below float(4/5) (checked), so with RAD_C shrunk
    below that the float decides 4/5 < τ, and the batch is {X1}, then {X0}: T = 2."""
    from verify.engine import adaptive as AD
    from verify.engine.info import Marginals
    from verify.engine.predictors import PERFECT
    from verify.engine.rules import parse_rule

    pmf = _frac_pmf(lambda x: {(0, 0): Fraction(1, 10), (0, 1): Fraction(7, 10), (1, 0): 0,
                               (1, 1): Fraction(2, 10)}[x], 2, 2)
    tf, te = _float_target(pmf), _exact_target(pmf)
    ctx = AD.RunContext(tf, Marginals(tf), PERFECT, parse_rule("threshold:tau=4/5", 2))
    assert ctx.float_columns((), 0)[1][0] < 0.8  # the float preview is off by an ulp
    res = run_chain(tf, "threshold:tau=4/5", exact_target=te)
    assert float(res.expected_iterations) == pytest.approx(1, abs=1e-12)
    assert run_chain(te, "threshold:tau=4/5").expected_iterations == 1
    monkeypatch.setattr(AD, "RAD_C", 2.0**-60)
    wrong = run_chain(tf, "threshold:tau=4/5", exact_target=te)
    assert float(wrong.expected_iterations) == pytest.approx(2, abs=1e-12)


def test_certified_max_is_the_exact_maximum_when_floats_disagree():
    """CertifiedMax is offered float previews within the proved radius of exact values. A = log 5
    previewed by the float entropy of the uniform law on 5 values (one ulp above float(log 5)),
    B = log 5 + 2^-70 previewed by float(log 5): B > A exactly while the floats say A > B. The
    maximum must be B in either order of offers; an exact repeat of a value changes nothing."""
    from verify.engine.adaptive import CertifiedMax

    A = LogLinear.log(5)
    B = LogLinear.log(5) + Fraction(1, 2**70)
    fA = float(-(np.full(5, 0.2) * np.log(np.full(5, 0.2))).sum())
    fB = math.log(5)
    assert fA > fB
    for offers in (((fA, A, "A"), (fB, B, "B")), ((fB, B, "B"), (fA, A, "A"))):
        cm = CertifiedMax()
        for f, v, tag in offers:
            cm.offer(f, lambda v=v: v, lambda tag=tag: tag, 1)
        assert cm.value() == B and cm.value() != A, offers
        assert cm.where == "B"
    cm = CertifiedMax()
    cm.offer(fA, lambda: A, lambda: "first", 1)
    cm.offer(fA, lambda: LogLinear.log(5), lambda: "second", 1)
    assert cm.value() == A and cm.where == "first"  # a tie keeps the first state offered


def test_statistics_offer_every_row_that_can_be_the_exact_maximum():
    """``_offer_stats`` filters the rows of one (S, B) by their float values before the exact
    comparison; a row whose float is one ulp below the float maximum can still hold the exact
    maximum (floats within the radius say nothing). Two rows, one masked position, η large so the
    budget is the entropy itself: row 0 has H = log 5 previewed one ulp high, row 1 has
    H = log 5 + 2^-70 previewed as float(log 5). The budget maximum is row 1's value."""
    from types import SimpleNamespace

    from verify.engine.adaptive import CertifiedMax, _offer_stats

    A, B = LogLinear.log(5), LogLinear.log(5) + Fraction(1, 2**70)
    fA = float(-(np.full(5, 0.2) * np.log(np.full(5, 0.2))).sum())
    fB = math.log(5)
    assert fA > fB

    class View:
        M = [0]
        Hf = np.array([[fA], [fB]])
        ctx = SimpleNamespace(thr_f=10.0, thr=LogLinear.constant(10))

        def sign_eta_one(self, k, fval, lin):
            return -1  # H < 10 = η in both rows

        def H_exact(self, k, a):
            return (A, B)[k]

        def cmp_entropy(self, k, a, b):
            return (a > b) - (a < b)

        def where(self, k):
            return f"row {k}"

    bmax, xmax = CertifiedMax(), CertifiedMax()
    _offer_stats(View(), (0,), np.array([1, 1]), np.array([0.5, 0.5]), bmax, xmax)
    assert bmax.value() == B and bmax.where == "row 1"
    assert xmax.value() == 0  # one position: Σ H − max H = 0
