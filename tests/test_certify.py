"""Certified arithmetic: exact log-linear forms (docs/index.md §7) and verdicts (docs/index.md §5).

Expected values come from mathematics (unique factorisation, known decimal expansions, series
bounds), never from this code's own output.
"""
from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from flint import arb, ctx, fmpq
from hypothesis import given
from hyp import effort
from hypothesis import strategies as st

from verify.certify.verdicts import (
    Difference,
    Formula,
    Product,
    Quotient,
    Scaled,
    Sum,
    Verdict,
    as_enclosable,
    ceil_log2,
    check_eq,
    check_ge,
    check_le,
    exact_form,
    log2,
)
from verify.certify.logforms import LogLinear, PrecisionExhausted

LL = LogLinear
Q = fmpq

# The double nearest to ln 2 is 6243314768165359 / 2^53
#   = 0.69314718055994528622676398299518041312694549560546875  <  ln 2 = 0.69314718055994530941...
LN2_DOUBLE = Fraction(0.6931471805599453)


# --------------------------------------------------------------------------------------------
# §7: exact zero by unique factorisation (over a pairwise coprime base)


@pytest.mark.parametrize(
    "form",
    [
        LL.log(4) - 2 * LL.log(2),
        LL.log(Q(3, 16)) + LL.log(Q(16, 3)),
        Q(1, 2) * LL.log(9) - LL.log(3),
        LL.log(2) + LL.log(3) - LL.log(6),
        LL.log(Q(12, 18)) - LL.log(2) + LL.log(3),
    ],
    ids=["log4-2log2", "log(3/16)+log(16/3)", "half-log9-log3", "log2+log3-log6", "log(12/18)"],
)
def test_identities_are_exact_zero(form):
    assert form.is_zero()
    assert form.canonical() == (0, {})
    assert form.sign() == 0
    assert form == 0
    v = check_eq(form, 0)
    assert v.status == "tight"
    assert "coprime base" in v.how or "rational" in v.how


def test_tight_verdicts_for_exact_identities():
    v = check_eq(LL.log(4), 2 * LL.log(2))
    assert v.status == "tight" and "coprime base" in v.how
    # an exactly-zero margin in an inequality is tight, both ways round
    assert check_le(LL.log(6), LL.log(2) + LL.log(3)).status == "tight"
    assert check_ge(LL.log(6), LL.log(2) + LL.log(3)).status == "tight"


def test_canonical_prime_exponents():
    # log(12/18) = log(2/3); 5 log(50) = 5 log 2 + 10 log 5
    c0, exps = (LL.log(Q(12, 18)) + LL.log(50, 5) + Q(1, 7)).canonical()
    assert c0 == Q(1, 7)
    assert exps == {2: 1 + 5, 3: -1, 5: 10}


def test_zero_test_with_large_hard_composites():
    # Mersenne primes M89, M107, M127: their product is not split by trial division, and the zero
    # test must still succeed (coprime refinement) without a full factorisation.
    m89, m107, m127 = 2**89 - 1, 2**107 - 1, 2**127 - 1
    form = LL.log(m89 * m127) + LL.log(Q(m107, 7)) - LL.log(m89) - LL.log(m127 * m107) + LL.log(7)
    assert form.is_zero()
    nonzero = LL.log(m89 * m127 * m107) - LL.log(m89 * m107)  # = log M127
    assert not nonzero.is_zero()
    assert nonzero.canonical() == (0, {m127: 1})


@pytest.mark.parametrize(
    "form",
    [LL.log(2), LL.log(2) - LL.log(3), LL.constant(Q(1, 10**9)), LL.log(3) - 1, 2 * LL.log(2) - LL.log(Q(399, 100))],
)
def test_nonzero_forms_are_not_zero(form):
    assert not form.is_zero()
    assert form.sign() != 0


# --------------------------------------------------------------------------------------------
# sign and rising precision


def test_log2_against_its_nearest_double():
    form = LL.log(2) - LN2_DOUBLE
    assert not form.is_zero()
    assert form.sign() == 1  # ln 2 exceeds its nearest double (see LN2_DOUBLE)
    v = check_eq(LL.log(2), LN2_DOUBLE)
    assert v.status == "refuted"
    assert check_le(LN2_DOUBLE, LL.log(2)).status == "certified"


def test_check_le_log2_decimal_bounds():
    assert check_le(LL.log(2), Q(7, 10)).status == "certified"  # ln 2 = 0.693... ≤ 0.7
    assert check_le(LL.log(2), Q(69, 100)).status == "refuted"  # ln 2 > 0.69
    assert check_ge(Q(7, 10), LL.log(2)).status == "certified"
    assert check_ge(Q(69, 100), LL.log(2)).status == "refuted"


def test_tiny_nonzero_form_needs_rising_precision():
    # log(1 + x) − x = −x²/2 + x³/3 − … < 0 for 0 < x < 1; here |value| ≈ 5e-61.
    n = 10**30
    form = LL.log(Q(n + 1, n)) - Q(1, n)
    assert form.sign() == -1
    v = check_le(LL.log(Q(n + 1, n)), Q(1, n))
    assert v.status == "certified" and v.prec > 64
    assert check_ge(LL.log(Q(n + 1, n)), Q(1, n)).status == "refuted"
    # with the cap at the starting precision the ball cannot settle it
    assert check_le(LL.log(Q(n + 1, n)), Q(1, n), prec_cap=64).status == "undecided"
    with pytest.raises(PrecisionExhausted):
        form.sign(prec_cap=64)
    # ...but an identity is refuted exactly: the prime exponents do not all vanish (§7)
    v = check_eq(LL.log(Q(n + 1, n)), Q(1, n), prec_cap=64)
    assert v.status == "refuted" and "coprime base" in v.how


def test_tiny_form_without_log1p_path():
    # (log(N+1) − log N) − 1/N with the two logs of large integers as separate terms: the cancellation
    # happens in the ball sum, so more bits are needed; the sign is still −1.
    n = 10**30
    form = LL.log(n + 1) - LL.log(n) - Q(1, n)
    assert form.sign() == -1


def test_precision_context_is_restored():
    old = ctx.prec
    LL.log(3).enclose(500)
    check_le(LL.log(2), Q(7, 10), prec_start=300)
    assert ctx.prec == old

    def boom(prec):
        raise RuntimeError("inside formula")

    with pytest.raises(RuntimeError):
        Formula(boom).enclose(777)
    assert ctx.prec == old


# --------------------------------------------------------------------------------------------
# Enclosables: only exact forms can be proved equal


def test_log2_of_power_of_two_vs_opaque_formula_is_undecided():
    # log2(8) is recognised as the exact integer 3, but a Formula is opaque: its agreement with 3
    # is numerical, so the identity is *undecided*, never tight.
    three = Formula(lambda prec: arb(3), label="three")
    v = check_eq(log2(8), three)
    assert v.status == "undecided"
    # against the exact rational 3 the identity is proved
    assert check_eq(log2(8), 3).status == "tight"
    assert check_eq(log2(Q(1, 8)), -3).status == "tight"


def test_non_power_log2_identity_is_undecided():
    via_formula = Formula(lambda prec: arb(7).log() / arb(2).log(), label="ln7/ln2")
    v = check_eq(log2(7), via_formula, prec_cap=256)
    assert v.status == "undecided"
    assert v.prec == 256


def test_log2_bounds():
    # log2 7 = 2.8073549...
    assert check_le(log2(7), Q(281, 100)).status == "certified"
    assert check_le(log2(7), Q(2807, 1000)).status == "refuted"
    assert check_ge(log2(7) + 1, log2(14) - Q(1, 10**6)).status == "certified"


def test_combinators_track_exactness():
    a, b = LL.log(2), LL.log(3)
    assert exact_form(Sum(a, b, 1)) == LL.log(6) + 1
    assert exact_form(Difference(LL.log(6), b)) == a
    assert exact_form(Scaled(Q(1, 2), LL.log(9))) == b
    assert exact_form(Product(2, a, Q(1, 2))) == a
    assert exact_form(Product(a, b)) is None  # log 2 · log 3 is not log-linear
    assert exact_form(Quotient(a, 2)) == a / 2
    assert exact_form(Quotient(2, a)) is None
    assert exact_form(log2(7)) is None
    # operators build the same nodes
    assert exact_form(log2(8) * a + 1) == 3 * a + 1
    assert check_eq(Sum(a, b), LL.log(6)).status == "tight"
    # a product of logs is certified by balls: log2·log3 = 0.7615... ≤ 0.77
    assert check_le(Product(a, b), Q(77, 100)).status == "certified"


def test_quotient_by_ball_containing_zero_is_undecided():
    zero_ish = LL.log(4) - 2 * LL.log(2)  # exactly 0, but as a denominator it is only a ball
    v = check_le(Quotient(1, Sum(zero_ish)), 5, prec_cap=128)
    assert v.status == "undecided"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        as_enclosable(0.5)
    with pytest.raises(TypeError):
        check_le(LL.log(2), 0.7)
    with pytest.raises(TypeError):
        LL.log(0.5)
    with pytest.raises(TypeError):
        Formula(lambda prec: 0.5).enclose(64)


@pytest.mark.parametrize(
    "n, k",
    [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (1024, 10), (1025, 11),
     (Q(1, 3), -1), (Q(1, 4), -2), (Q(5, 4), 1), (Fraction(3, 2), 1)],
)
def test_ceil_log2_values(n, k):
    assert ceil_log2(n) == k


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_ceil_log2_is_least_power_above(p, q):
    k = ceil_log2(Q(p, q))
    # 2^k ≥ p/q > 2^(k-1), checked in exact rationals
    assert Fraction(2) ** k >= Fraction(p, q) > Fraction(2) ** (k - 1)


# --------------------------------------------------------------------------------------------
# LogLinear construction and arithmetic


def test_from_pairs_skips_zero_coefficients_and_rejects_bad_ratios():
    form = LL.from_pairs([Q(1, 2), 0, Fraction(3, 2), 2], [Q(1, 4), 0, 4, 1])
    # 1/2 log(1/4) + 3/2 log 4 = log 4; the pair (0, 0) follows 0·log 0 = 0; log 1 = 0
    assert form == LL.log(4)
    assert len(form) == 1
    with pytest.raises(ValueError):
        LL.from_pairs([1], [0])
    with pytest.raises(ValueError):
        LL.from_pairs([1], [Q(-1, 2)])
    with pytest.raises(ValueError):
        LL.from_pairs([1, 2], [Q(1, 2)])


def test_from_pairs_large_object_arrays_telescoping():
    # Σ_{k=1}^{n} log((k+1)/k) = log(n+1)
    n = 20000
    coefs = np.empty(n, dtype=object)
    coefs[:] = [Q(1)] * n
    ratios = np.empty(n, dtype=object)
    ratios[:] = [Q(k + 1, k) for k in range(1, n + 1)]
    form = LL.from_pairs(coefs, ratios)
    assert len(form) == n
    assert (form - LL.log(n + 1)).is_zero()
    assert check_eq(form, LL.log(n + 1)).status == "tight"


def test_arithmetic_rules():
    a = LL.log(2)
    assert (a + 1) - 1 == a
    assert 1 - a == -(a - 1)
    assert (a * 3) / 3 == a
    assert Fraction(1, 2) * LL.log(4) == a
    assert (a * 0).is_zero() and len(a * 0) == 0
    assert LL.log(Q(1, 2)) == -a  # stored as −log 2: the two merge
    assert len(LL.log(Q(1, 2)) + a) == 0
    with pytest.raises(TypeError):
        a * a
    with pytest.raises(ZeroDivisionError):
        a / 0
    with pytest.raises(TypeError):
        hash(a)
    assert sum([a, a, a]) == 3 * a
    assert "log(2)" in repr(a)


def test_float_is_display_accurate_even_for_tiny_forms():
    n = 10**30
    tiny = LL.log(Q(n + 1, n)) - Q(1, n)
    # −x²/2 + x³/3 − … with x = 1e-30
    assert math.isclose(float(tiny), -5e-61, rel_tol=1e-12)
    assert float(LL.log(2)) == math.log(2)


# --------------------------------------------------------------------------------------------
# two-token example (docs/index.md §4): KL(p ‖ p_1 ⊗ p_2) = I(X_1; X_2)


def test_two_token_kl_equals_mutual_information():
    p = {(0, 0): Q(3, 8), (1, 1): Q(3, 8), (0, 1): Q(1, 8), (1, 0): Q(1, 8)}
    p1 = {a: sum(v for (x, _), v in p.items() if x == a) for a in (0, 1)}
    p2 = {b: sum(v for (_, y), v in p.items() if y == b) for b in (0, 1)}
    # KL built term by term from log ratios
    kl = LL.from_pairs(list(p.values()), [v / (p1[x] * p2[y]) for (x, y), v in p.items()])

    def entropy(law):  # H = −Σ p log p, one log per outcome
        vals = list(law.values())
        return LL.from_pairs([-v for v in vals], vals)

    mi = entropy(p1) + entropy(p2) - entropy(p)
    v = check_eq(kl, mi)
    assert v.status == "tight"
    # closed form: (3/4) log(3/2) − (1/4) log 2 = (3/4) log 3 − log 2
    assert check_eq(mi, LL.from_pairs([Q(3, 4), -1], [3, 2])).status == "tight"
    # and I > 0 (dependent tokens)
    assert check_ge(mi, 0).status == "certified"


# --------------------------------------------------------------------------------------------
# verdict record


def test_verdict_to_json_round_trips():
    v = check_le(LL.log(2), Q(7, 10))
    d = json.loads(json.dumps(v.to_json()))
    assert d["status"] == "certified"
    assert d["relation"] == "le"
    assert d["margin_lo"] <= d["margin_hi"]
    assert d["prec"] == 64
    with pytest.raises(ValueError):
        Verdict("maybe", "0", 0.0, 0.0, 0, 0.0, 0.0, "")


def test_exact_rational_verdicts_need_no_balls():
    v = check_le(Fraction(1, 3), Q(1, 2))
    assert v.status == "certified" and v.prec == 0 and v.margin == "1/6"
    assert check_le(Q(1, 2), Q(1, 3)).status == "refuted"
    assert check_eq(Fraction(2, 4), Q(1, 2)).status == "tight"
    assert check_eq(np.int64(2), 3).status == "refuted"


# --------------------------------------------------------------------------------------------
# property tests

small_pos_rational = st.builds(Q, st.integers(1, 10**4), st.integers(1, 10**4))
# ratios built from a few small primes so that random forms often cancel exactly
smooth_ratio = st.builds(
    lambda a, b, c, d: Q(2) ** a * Q(3) ** b * Q(5) ** c * Q(7) ** d,
    *[st.integers(-3, 3)] * 4,
)
coef = st.builds(Q, st.integers(-6, 6), st.integers(1, 4))
random_form = st.builds(
    lambda pairs, c0: LL.from_pairs([c for c, _ in pairs], [r for _, r in pairs], const=c0),
    st.lists(st.tuples(coef, st.one_of(smooth_ratio, small_pos_rational)), max_size=6),
    st.one_of(st.just(Q(0)), coef),
)


@given(small_pos_rational, small_pos_rational)
@effort(150)
def test_log_of_product_is_sum_of_logs(a, b):
    assert (LL.log(a * b) - LL.log(a) - LL.log(b)).is_zero()
    assert check_eq(LL.log(a * b), LL.log(a) + LL.log(b)).status == "tight"


def _mp_value(form: LogLinear) -> mpmath.mpf:
    c0 = form.const
    v = mpmath.mpf(int(c0.p)) / int(c0.q)
    for r, c in form.terms.items():
        v += mpmath.mpf(int(c.p)) / int(c.q) * mpmath.log(mpmath.mpf(int(r.p)) / int(r.q))
    return v


@given(random_form)
@effort(150)
def test_sign_agrees_with_mpmath(form):
    with mpmath.workdps(200):
        v = _mp_value(form)
        s = form.sign()
        if form.is_zero():
            assert s == 0 and abs(v) < mpmath.mpf(10) ** -190
        else:
            # small random forms are nowhere near 0 unless exactly 0
            assert abs(v) > mpmath.mpf(10) ** -150
            assert s == (1 if v > 0 else -1)


@given(random_form, st.sampled_from([53, 64, 200]))
@effort(60)
def test_enclosure_contains_the_value(form, prec):
    ball = form.enclose(prec)
    with mpmath.workdps(120):
        v = _mp_value(form)
        assert mpmath.mpf(ball.lower()) <= v <= mpmath.mpf(ball.upper())


def test_lazy_sum_with_tiny_rational_value_is_decided_exactly():
    """log 4 − 2 log 2 + 2^-5000 as a lazy tree: no ball below the 4096-bit cap excludes 0, but the
    exact reduction leaves the rational 2^-5000, so the verdicts are exact, never undecided."""
    from verify.certify.verdicts import Scaled, Sum

    tiny = fmpq(1, 2**5000)
    x = Sum(LogLinear.log(4), Scaled(-2, LogLinear.log(2)), LogLinear.constant(tiny))
    v = check_le(0, x)
    assert v.status == "certified" and "exact rational" in v.how
    assert check_le(x, 0).status == "refuted"
    assert check_eq(x, 0).status == "refuted"
    assert check_eq(Sum(x, LogLinear.constant(-tiny)), 0).status == "tight"


# --------------------------------------------------------------------------------------------
# exact zero test: cancellations hidden by composite bases (docs/certification.md)

# Primes far beyond trial division (sympy, an independent library): products of two of them are
# semiprimes that the zero test can only split by gcds with other integers of the form.
_BIG_PRIMES = [int(sympy.nextprime(2**k + 97 * k)) for k in (110, 130, 150, 170, 190, 210)]


def _semiprimes():
    p = _BIG_PRIMES
    return p[0] * p[1], p[2] * p[3], p[4] * p[5]


def test_log6_minus_log2_minus_log3_is_zero():
    form = LL.log(6) - LL.log(2) - LL.log(3)
    assert form.is_zero() and form.reduced() == (0, {})
    assert check_eq(LL.log(6), LL.log(2) + LL.log(3)).status == "tight"


def test_product_of_large_semiprimes_cancels():
    a, b, c = _semiprimes()
    form = LL.log(a * b) - LL.log(a) - LL.log(b)
    assert form.is_zero()
    assert check_eq(LL.log(Q(a * b, c)), LL.log(a) + LL.log(b) - LL.log(c)).status == "tight"
    # nonzero: log(a²b) + log(b/c) = log(a²b²/c); without factoring, a base such as {a², b, c}
    # (a² with exponent 1) is as good as {a, b, c}: pairwise coprime, same value
    c0, red = (LL.log(a * a * b) + LL.log(Q(b, c))).reduced()
    bases = [int(k) for k in red]
    assert c0 == 0 and len(bases) == 3
    assert all(math.gcd(x, y) == 1 for i, x in enumerate(bases) for y in bases[i + 1:])
    num = math.prod(int(k) ** int(e.p) for k, e in red.items() if e > 0)
    den = math.prod(int(k) ** int(-e.p) for k, e in red.items() if e < 0)
    assert all(e.q == 1 for e in red.values()) and (num, den) == (a * a * b * b, c)


def test_reduced_base_is_pairwise_coprime_and_exact():
    """Semiprimes sharing primes (p0p1, p1p2, p0p2 ...): the reduction must split them; checked with
    plain integers: pairwise gcd 1, and Π b^{e_b} equals Π r^{c} (integer exponents here)."""
    p = _BIG_PRIMES
    ratios = [p[0] * p[1], p[1] * p[2], Q(p[0] * p[2], 10**6), p[3] * p[0] ** 2, Q(6, p[2] * p[4] * p[5])]
    coefs = [3, -1, 2, 1, -2]
    form = LL.from_pairs(coefs, ratios)
    c0, red = form.reduced()
    bases = [int(k) for k in red]
    assert all(math.gcd(x, y) == 1 for i, x in enumerate(bases) for y in bases[i + 1:])
    assert all(e.q == 1 for e in red.values())
    lhs_num = lhs_den = 1
    for b, e in red.items():
        k = int(e.p)
        if k > 0:
            lhs_num *= int(b) ** k
        else:
            lhs_den *= int(b) ** -k
    rhs_num = rhs_den = 1
    for c, r in zip(coefs, ratios):
        r = Q(r)
        n, d = int(r.p), int(r.q)
        if c < 0:
            n, d, c = d, n, -c
        rhs_num *= n**c
        rhs_den *= d**c
    assert lhs_num * rhs_den == rhs_num * lhs_den
    assert not form.is_zero()


def test_tiny_nonzero_forms_hidden_by_composites_have_ball_signs():
    """log(a(c+1)) − log a − log c = log(1 + 1/c) ∈ (1/(c+1), 1/c): positive but about 2^-400, so
    only a ball at more than 400 bits decides it; the zero test must not call it 0."""
    a, b, c = _semiprimes()
    assert c.bit_length() > 390
    pos = LL.log(a * (c + 1)) - LL.log(a) - LL.log(c)
    assert not pos.is_zero()
    assert pos.sign() == 1
    assert (-pos).sign() == -1
    v = check_le(LL.log(a) + LL.log(c), LL.log(a * (c + 1)))
    assert v.status == "certified" and v.prec > 400
    assert check_ge(LL.log(a) + LL.log(c), LL.log(a * (c + 1))).status == "refuted"
    assert check_eq(LL.log(a) + LL.log(c), LL.log(a * (c + 1))).status == "refuted"
    # the bracket 1/(c+1) < log(1 + 1/c) < 1/c, decided exactly
    assert check_le(Q(1, c + 1), pos).status == "certified"
    assert check_le(pos, Q(1, c)).status == "certified"


def test_many_products_of_atoms_cancel():
    """D-CHAIN's shape: Σ_x p(x) log(q(x)) with q(x) a product of large 'atoms' over a small
    denominator, against Σ_x p(x) Σ log(atom) − log(denominator). Exactly 0; perturbing one
    coefficient gives a form whose sign mpmath (an independent library) confirms."""
    atoms = [p * q for i, p in enumerate(_BIG_PRIMES) for q in _BIG_PRIMES[i + 1:]] + [11, 13]
    coefs, ratios = [], []
    for k in range(40):
        chosen = [atoms[(7 * k + j * j) % len(atoms)] for j in range(4)]
        den = 10 ** (k % 5 + 1)
        w = Q(k + 1, 97)
        coefs.append(w)
        ratios.append(Q(math.prod(chosen), den))
        coefs += [-w] * 4 + [w]
        ratios += chosen + [den]
    form = LL.from_pairs(coefs, ratios)
    assert form.is_zero()
    assert check_eq(form, 0).status == "tight"
    coefs[0] += Q(1, 10**6)
    off = LL.from_pairs(coefs, ratios)
    assert not off.is_zero()
    with mpmath.workdps(60):
        expected = mpmath.mpf(1) / 10**6 * mpmath.log(mpmath.mpf(int(ratios[0].p)) / int(ratios[0].q))
    assert off.sign() == (1 if expected > 0 else -1)


def test_the_float_of_a_lazy_value_is_its_correctly_rounded_double():
    """float() of a lazy sum (shape-claim statistics, displays) is the double nearest to the exact
    value — mpmath at 200 digits is the oracle — and an exact zero shows as 0.0."""
    import mpmath
    from flint import fmpq

    from verify.certify.logforms import LogLinear
    from verify.certify.verdicts import Scaled, Sum

    mpmath.mp.dps = 200
    cases = [
        (Sum(Scaled(3, LogLinear.log(2)), LogLinear.log(5)), mpmath.log(40)),
        (Sum(Scaled(fmpq(1, 3), LogLinear.log(7)), Scaled(fmpq(-2, 9), LogLinear.log(fmpq(11, 13)))),
         mpmath.log(7) / 3 - 2 * mpmath.log(mpmath.mpf(11) / 13) / 9),
        (Sum(LogLinear.log(fmpq(10**20 + 1, 10**20)), Scaled(-1, LogLinear.constant(fmpq(1, 10**20)))),
         mpmath.log(mpmath.mpf(10**20 + 1) / 10**20) - mpmath.mpf(1) / 10**20),  # about −5e-41: cancellation
    ]
    for value, exact in cases:
        assert float(value) == float(exact), (value, exact)
    assert float(Sum(LogLinear.log(6), Scaled(-1, LogLinear.log(2)), Scaled(-1, LogLinear.log(3)))) == 0.0
