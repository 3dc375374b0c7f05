"""Weighted coprime bases (verify/certify/coprime.py), the engine of the exact zero test.

Oracle: every integer is *built* from a known list of primes (large primes from sympy.nextprime,
far beyond trial division), so the true prime exponents of ``Σ w_x log x`` are known from the
construction; the test checks the engine's output with plain Python integers (math.gcd, trial
division by the known primes), importing nothing else from the engine.
"""
from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy
from flint import fmpq, fmpz
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.certify.coprime import coprime_weights, is_pairwise_coprime, refine, shared_parts

# Three small primes (shared by many integers, like the suite's denominators) and large ones.
PRIMES = [2, 3, 7] + [int(sympy.nextprime(2**k + 12345 * k)) for k in (61, 89, 100, 127, 160, 200, 256, 300)]


def prime_exponents(x: int) -> dict:
    """Exponents of x over PRIMES by trial division with the known primes (x must be PRIMES-smooth)."""
    out = {}
    for p in PRIMES:
        while x % p == 0:
            x //= p
            out[p] = out.get(p, 0) + 1
    assert x == 1, "test integer is not a product of the known primes"
    return out


def expected_prime_weights(weights: dict) -> dict:
    """Σ_x w_x log x = Σ_p e_p log p with e_p = Σ_x w_x v_p(x): the construction's truth."""
    e = {}
    for x, w in weights.items():
        for p, k in prime_exponents(x).items():
            e[p] = e.get(p, 0) + Fraction(w) * k
    return {p: v for p, v in e.items() if v != 0}


def check_output(weights: dict, out: dict) -> None:
    keys = [int(b) for b in out]
    assert all(b > 1 for b in keys)
    assert all(math.gcd(a, b) == 1 for i, a in enumerate(keys) for b in keys[i + 1:]), "not coprime"
    assert all(w != 0 for w in out.values())
    got = {}
    for b, w in out.items():
        for p, k in prime_exponents(int(b)).items():
            got[p] = got.get(p, 0) + Fraction(int(w.p), int(w.q)) * k
    assert {p: v for p, v in got.items() if v != 0} == expected_prime_weights(weights)


prime_power_product = st.lists(st.tuples(st.sampled_from(PRIMES), st.integers(1, 3)), min_size=1, max_size=4).map(
    lambda fs: math.prod(p**k for p, k in fs))
weight = st.builds(Fraction, st.integers(-5, 5), st.integers(1, 6))


@given(st.dictionaries(prime_power_product, weight, min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_coprime_weights_keeps_every_prime_exponent(weights):
    exact = {x: fmpq(w.numerator, w.denominator) for x, w in weights.items()}
    check_output(weights, coprime_weights(exact))
    # integer weights (the zero test scales to one denominator), and keys declared prime
    scaled = {x: int(w * 360) for x, w in weights.items()}
    out = coprime_weights(scaled, primes=[x for x in weights if x in PRIMES])
    check_output(scaled, {b: fmpq(w) for b, w in out.items()})


def test_products_of_atoms_cancel_exactly():
    """The suite's shape: large 'atoms' and products of several of them, with weights such that the
    log part is exactly 0 (Σ_s w_s [log Π_{a∈s} a − Σ_{a∈s} log a] = 0). The atoms are semiprimes of
    large primes, so they share factors with each other as well as with the products."""
    big = [p * q for p in PRIMES[3:] for q in PRIMES[3:] if p < q]
    subsets = [big[i:i + 3] for i in range(0, len(big) - 2)]
    weights: dict = {}
    for k, s in enumerate(subsets):
        w = Fraction(k + 1, 7)
        weights[math.prod(s)] = weights.get(math.prod(s), 0) + w
        for x in s:
            weights[x] = weights.get(x, 0) - w
    weights = {x: w for x, w in weights.items() if w != 0}
    assert weights  # the cancellation is hidden: no integer appears with total weight 0 up front
    out = coprime_weights({x: fmpq(w.numerator, w.denominator) for x, w in weights.items()})
    assert out == {}
    # one weight off by 1/1000: the log part is Σ over the primes of that product, not 0
    x0 = next(iter(weights))
    weights[x0] += Fraction(1, 1000)
    out = coprime_weights({x: fmpq(w.numerator, w.denominator) for x, w in weights.items()})
    check_output(weights, out)
    assert out


def test_refine_small_sets():
    # {6, 4, 9}: base {2, 3}; 6 → 2·3, 4 → 2², 9 → 3²
    out = refine([(fmpz(6), fmpq(1)), (fmpz(4), fmpq(1)), (fmpz(9), fmpq(-1))])
    assert out == {2: 1 + 2, 3: 1 - 2}
    assert refine([(fmpz(12), fmpq(1)), (fmpz(2), fmpq(-2)), (fmpz(3), fmpq(-1))]) == {}


@given(st.lists(prime_power_product, min_size=1, max_size=30, unique=True))
@settings(max_examples=40, deadline=None)
def test_shared_parts_is_gcd_with_product_of_others(xs):
    got = shared_parts([fmpz(x) for x in xs])
    for i, x in enumerate(xs):
        others = math.prod(xs[:i] + xs[i + 1:])
        assert int(got[i]) == math.gcd(x, others)
    assert is_pairwise_coprime([fmpz(x) for x in xs]) == all(
        math.gcd(a, b) == 1 for i, a in enumerate(xs) for b in xs[i + 1:])


@pytest.mark.parametrize("n", [1, 2, 9, 200])
def test_pairwise_coprime_input_is_returned_unchanged(n):
    primes = [int(p) for p in sympy.primerange(10**4, 10**4 + 3000)][:n]
    weights = {p * p: fmpq(k + 1, 3) for k, p in enumerate(primes)}  # squares of distinct primes
    assert coprime_weights(weights) == weights
