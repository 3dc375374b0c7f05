"""Claim sides: ceiling / floor / Max / Min are decided by the certified walk, never by sympy's
evalf, and powers are size-bounded before any number is formed.

Every expected value below is a closed form or a hand-derived fact (integer arithmetic, known
digits of ln 2, e < 3), never the code's own output.
"""
import time

import pytest
import sympy
from flint import fmpq

import sympy.functions.elementary.integers as sympy_integers
from sympy.functions.elementary.miscellaneous import MinMaxBase

from verify.certify.logforms import LogLinear
from verify.claims import symbolic
from verify.claims.symbolic import MAX_POWER_BITS, evaluate, parse, validate
from verify.errors import SpecError, Undecided


def value_of(**values):
    return lambda name: values[name]


def ev(text, **values):
    return evaluate(text, {}, value_of(**values))


def ceil_log2(n: int) -> int:
    """⌈log2 n⌉ for n ≥ 1: the least k with 2^k ≥ n."""
    return (n - 1).bit_length()


def floor_log2(n: int) -> int:
    """⌊log2 n⌋ for n ≥ 1: the largest k with 2^k ≤ n."""
    return n.bit_length() - 1


# ---------------------------------------------------------------- ceiling / floor


@pytest.mark.parametrize("n", range(2, 41))
def test_ceiling_floor_of_log2_quotient(n):
    # log(n)/log(2) is the quotient sympy keeps; log(n, 2) is what sympy makes of a literal base
    # (an integer multiplicity of 2 plus log(odd)/log(2)): both must give the integer answer,
    # including the exact ties at powers of two (log(8)/log(2) = 3 exactly).
    for arg in (f"log({n})/log(2)", f"log({n}, 2)"):
        assert ev(f"ceiling({arg})") == ceil_log2(n), arg
        assert ev(f"floor({arg})") == floor_log2(n), arg


@pytest.mark.parametrize("n", range(2, 41))
def test_ceiling_floor_of_log2_with_symbol(n):
    assert ev("ceiling(log(s_max, 2))", s_max=n) == ceil_log2(n)
    assert ev("floor(log(s_max, 2))", s_max=n) == floor_log2(n)


@pytest.mark.parametrize("s_max", range(1, 18))
def test_lc25_power_of_two(s_max):
    # LC25.T1's constant: the least power of two >= s_max
    assert ev("2**ceiling(log(s_max, 2))", s_max=s_max) == 1 << ceil_log2(s_max)
    assert ev("(2**ceiling(log(s_max, 2)) - 1)/L", s_max=s_max, L=17) == fmpq((1 << ceil_log2(s_max)) - 1, 17)


def test_ceiling_floor_negative_and_reversed_quotients():
    # log(8)/log(1/2) = -3 exactly (negative denominator); log(6)/log(1/2) = -log2(6) ∈ (-3, -2)
    assert ev("floor(log(8)/log(1/2))") == -3
    assert ev("ceiling(log(8)/log(1/2))") == -3
    assert ev("floor(log(6)/log(1/2))") == -3
    assert ev("ceiling(log(6)/log(1/2))") == -2
    assert ev("floor(log(1/8)/log(2))") == -3
    assert ev("ceiling(-log(8)/log(2))") == -3
    # a log-linear form that is exactly an integer: log(4) - 2 log(2) = 0, 1 + log(9)/2 - log(3) = 1
    assert ev("floor(log(4) - 2*log(2))") == 0
    assert ev("ceiling(1 + log(9)/2 - log(3))") == 1


def test_ceiling_of_bound_log_forms():
    # a symbol bound to an exact form: TC = log 8, so TC/log(2) = 3 exactly
    assert ev("ceiling(TC/log(2))", TC=LogLinear.log(8)) == 3
    assert ev("floor(TC/log(2))", TC=LogLinear.log(8)) == 3
    assert ev("ceiling(TC/log(2))", TC=LogLinear.log(9)) == 4  # 2^3 < 9 < 2^4


def test_ceiling_of_rationals_is_exact():
    assert ev("ceiling(7/2)") == 4 and ev("floor(7/2)") == 3
    assert ev("ceiling(-7/2)") == -3 and ev("floor(-7/2)") == -4
    assert ev("ceiling(L/3)", L=6) == 2 and ev("floor(L/3)", L=7) == 2


def test_ball_decides_a_non_log_linear_argument():
    # (log 4)^2 / (log 2)^2 = 4 exactly, so adding 1/2 puts it strictly between 4 and 5: balls
    # settle it even though the product of logs has no exact form
    assert ev("floor(log(4)**2/log(2)**2 + 1/2)") == 4
    assert ev("ceiling(log(4)**2/log(2)**2 + 1/2)") == 5


def test_undecided_instead_of_a_guess():
    # (log 4)^2 / (log 2)^2 is exactly 4, but it is a quotient of *products* of logs: no exact
    # log-linear form, so no ball can ever exclude 4 and no zero test applies
    with pytest.raises(Undecided, match="ceiling"):
        ev("ceiling(log(4)**2/log(2)**2)")
    with pytest.raises(Undecided, match="Max"):
        ev("Max(log(4)**2/log(2)**2, 4)")


# ---------------------------------------------------------------- Max / Min


def test_max_min_of_log_forms_and_rationals():
    assert ev("Max(log(3), 1)") == LogLinear.log(3)  # e < 3
    assert ev("Min(log(3), 1)") == 1
    assert ev("Min(log(2), 7/10)") == LogLinear.log(2)  # ln 2 = 0.6931... < 0.7
    assert ev("max(log(2), 7/10)") == fmpq(7, 10)
    assert ev("Max(log(s_max), 1)", s_max=3) == LogLinear.log(3)
    assert ev("Max(log(s_max), 1)", s_max=2) == 1  # ln 2 < 1


def test_max_min_closer_than_a_float():
    # ln 2 = 0.69314718055994530941|7232... (OEIS A002162): the truncation r is below ln 2 by
    # about 7e-21, far under a double's resolution (both round to the same float)
    r = "69314718055994530941/10**20"
    assert ev(f"Min(log(2), {r})") == fmpq(69314718055994530941, 10**20)
    assert ev(f"Max(log(2), {r})") == LogLinear.log(2)
    up = "69314718055994530942/10**20"
    assert ev(f"Min(log(2), {up})") == LogLinear.log(2)


def test_max_min_exact_tie():
    # log 4 = 2 log 2 exactly: either argument is the (same) answer
    assert ev("Max(log(4), 2*log(2))") == LogLinear.log(4)
    assert ev("Min(log(4), 2*log(2))") == LogLinear.log(4)
    # quotients with different denominators: log(8)/log(2) = 3 = log(27)/log(3)
    # (⌊v⌋ = ⌈v⌉ = 3 pins v = 3; log×log cross products do not decide this tie, the exact
    # proportionality log 8 = 3 log 2 does)
    for f in ("Max", "Min"):
        assert ev(f"floor({f}(log(8)/log(2), log(27)/log(3)))") == 3
        assert ev(f"ceiling({f}(log(8)/log(2), log(27)/log(3)))") == 3


def test_max_min_of_quotients():
    # log2(9) ∈ (3, 4) since 8 < 9 < 16; log3(26) ∈ (2, 3) since 9 < 26 < 27
    assert ev("Min(log(9)/log(2), 3)") == 3
    assert ev("Max(log(26)/log(3), 3)") == 3
    assert ev("floor(Max(log(9)/log(2), 3))") == 3
    assert ev("ceiling(Max(log(9)/log(2), 3))") == 4
    assert ev("ceiling(Min(log(26)/log(3), 3))") == 3
    assert ev("floor(Min(log(26)/log(3), 3))") == 2


# ---------------------------------------------------------------- sympy does not decide


def test_parse_keeps_ceiling_max_min_as_written():
    # the side is our own tree of what was written: nothing is settled or simplified by sympy
    assert parse("ceiling(log(6)/log(2))", {}).root.name == "ceiling"
    assert parse("floor(log(6)/log(2))", {}).root.name == "floor"
    assert parse("Max(log(3), 1)", {}).root.name == "max"
    assert parse("min(log(2), 7/10)", {}).root.name == "min"
    side = parse("H*(q-2)/(q-2)", {})
    assert side.root.kind == "mul" and [op for op, _ in side.root.parts] == ["*", "*", "/"]


def test_sympy_rounding_and_minmax_evaluation_never_run(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("sympy was asked to settle a ceiling/floor/Max/Min")

    monkeypatch.setattr(sympy.ceiling, "eval", classmethod(boom))
    monkeypatch.setattr(sympy.floor, "eval", classmethod(boom))
    monkeypatch.setattr(sympy_integers, "get_integer_part", boom)
    for name in ("_new_args_filter", "_collapse_arguments", "_find_localzeros"):
        monkeypatch.setattr(MinMaxBase, name, classmethod(boom))
    symbolic._parse.cache_clear()  # parse again under the spies
    try:
        assert ev("ceiling(log(6)/log(2))") == 3
        assert ev("floor(log(6)/log(2))") == 2
        assert ev("2**ceiling(log(s_max, 2))", s_max=6) == 8
        assert ev("Max(log(3), 1)") == LogLinear.log(3)
        assert ev("Min(log(2), 7/10)") == LogLinear.log(2)
    finally:
        symbolic._parse.cache_clear()  # no expression built under the spies outlives the test


# ---------------------------------------------------------------- power size bound


HUGE = ["((10**4096)**4096)**4096", "(10**4096)**4096", "(10**4096)**5", "(1e1000)**4096",
        "(sqrt(2)*10**4096)**4096", "(s_max*10**4096)**4096", "TC + (10**4096)**4096",
        "(s_max**4096)**4096", "((s_max**4096)**4096)**4096"]


@pytest.mark.parametrize("side", HUGE)
def test_huge_powers_are_refused_quickly(side):
    t = time.perf_counter()
    with pytest.raises(SpecError) as err:
        validate(side, {}, "rhs")
    assert time.perf_counter() - t < 2
    assert "power" in str(err.value) and "\n" not in str(err.value)
    assert err.value.field == "rhs"


def test_power_bound_message_names_the_token_and_the_cap():
    with pytest.raises(SpecError) as err:
        parse("(10**4096)**4096", {}, "rhs")
    assert "(10**4096)**4096" in err.value.problem
    assert err.value.accepted == f"a power whose value has at most {MAX_POWER_BITS} bits"


def test_powers_within_the_bound_are_exact():
    assert ev("2**4096") == 2**4096
    assert ev("(10**4096)**4") == 10**16384  # about 54,400 bits: under 2^16
    assert ev("sqrt(2)**4096") == 2**2048
    assert ev("2**K", K=16) == 2**16


def test_power_bound_after_substitution():
    t = time.perf_counter()
    with pytest.raises(SpecError, match="power"):  # a 200-digit constant to the 4096th
        evaluate("c**4096", {"c": "1e199"}, value_of())
    with pytest.raises(SpecError, match="power"):  # the exponent is known only once s_max is
        evaluate("(1e200)**ceiling(s_max)", {}, value_of(s_max=4000))
    with pytest.raises(SpecError, match="power"):
        evaluate("s_max**4096", {}, value_of(s_max=10**200))
    assert time.perf_counter() - t < 2
    # 0, 1 and -1 to any integer power are exact without forming anything
    assert ev("(-1)**ceiling(s_max)", s_max=10**30 + 1) == -1
    assert ev("1**ceiling(s_max)", s_max=10**30) == 1


# ---------------------------------------------------------------- large log forms: lazy, same value
def _big_form(n: int, shift: int = 0) -> LogLinear:
    """Σ_k (k+1)/7 · log(p_k) over the first n primes past ``shift``: n independent log terms."""
    primes = list(sympy.primerange(2, sympy.prime(n + shift) + 1))[shift:]
    return LogLinear.from_pairs([fmpq(k + 1, 7) for k in range(n)], [fmpq(p) for p in primes])


def test_large_forms_combine_lazily_and_keep_their_exact_value():
    from verify.certify.verdicts import Scaled, Sum, check_eq, check_le

    n = symbolic.EAGER_MAX_TERMS + 1
    A, B = _big_form(n), _big_form(n, shift=n)
    small = _big_form(symbolic.EAGER_MAX_TERMS)
    assert isinstance(ev("3*TC/4", TC=small), LogLinear)  # small forms stay eager
    lazy = ev("3*TC/4 + DTC", TC=A, DTC=B)
    assert isinstance(lazy, Sum) and isinstance(lazy.terms[0], Scaled)
    # the same number written another way: a tie decided exactly (a ball alone cannot)
    other = ev("TC/4 + DTC + TC/2", TC=A, DTC=B)
    assert check_eq(lazy, other).status == "tight"
    assert check_eq(lazy, A * fmpq(3, 4) + B).status == "tight"
    # and the lazy value is the sum of its closed-form parts: log 2 enters with weight 3/4 · 1/7
    nudged = ev("3*TC/4 + DTC - H", TC=A, DTC=B, H=LogLinear.log(fmpq(2)) * fmpq(3, 28))
    assert check_eq(nudged, A * fmpq(3, 4) + B - LogLinear.log(fmpq(2)) * fmpq(3, 28)).status == "tight"
    assert check_le(nudged, lazy).status == "certified"
