"""The exact zero test of log-linear forms against an independent oracle (issue 19 item 2).

Engine under test: ``LogLinear.is_zero`` / ``reduced`` (verify/certify/logforms.py, whose multi-limb
integers are split over the form's primes by verify/certify/splitting.py) and ``check_eq`` on sums of
leaves (verify/certify/verdicts.py, which adds the leaves' prime reductions).

Oracle (imports nothing from the engine): every ratio is built as a product of "atoms" (products of
small and medium primes, like the suite's probabilities; some atoms hold primes beyond 2^48 or beyond
2^64, which take the fallback paths). The primes are checked prime by sympy once; each atom's
factorisation is recovered by trial division by those known primes (sympy.factorint would spend
seconds on 47-bit factors), and the exponent of a prime in the form is ``Σ_k c_k · v_p(r_k)`` summed over the atoms of each ratio. The form is 0 iff
the constant and every such sum vanish. Exact zeros are built by construction (a form minus the
same form with every ratio cut into its atoms, shuffled) and near-zeros by changing one atom by 1 or
one coefficient by 10^-30 (or one atom by a small prime factor).
"""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from flint import fmpq

from verify.certify import logforms
from verify.certify.logforms import LogLinear
from verify.certify.splitting import divisor_lists, split_cofactors
from verify.certify.verdicts import Sum, check_eq

SMALL = [2, 3, 5, 7, 11, 13]
MEDIUM = [int(sympy.prime(k)) for k in (200, 1000, 5000, 20000, 100000)] + [
    int(sympy.nextprime(2**k + 7 * k)) for k in (31, 33, 40, 47)]
LARGE = [int(sympy.nextprime(2**49 + 11)), int(sympy.nextprime(2**70 + 5))]  # Python path; no one-limb witness


ALL_PRIMES = SMALL + MEDIUM + LARGE
assert all(sympy.isprime(p) for p in ALL_PRIMES)
ATOMS: dict = {}  # atom -> {p: k}, recorded at construction


def factor_known(x: int) -> dict:
    """Exponents of x over ALL_PRIMES by trial division (x must be a product of them)."""
    out = {}
    for p in ALL_PRIMES:
        while x % p == 0:
            x //= p
            out[p] = out.get(p, 0) + 1
    assert x == 1, "test integer is not a product of the known primes"
    return out


def random_atom(rng: random.Random) -> int:
    """A product of 1-3 prime powers, mostly small and medium primes (rarely a large one)."""
    x, fac = 1, {}
    for _ in range(rng.randint(1, 3)):
        pool = LARGE if rng.random() < 0.03 else MEDIUM if rng.random() < 0.6 else SMALL
        p, k = rng.choice(pool), rng.randint(1, 3)
        x *= p**k
        fac[p] = fac.get(p, 0) + k
    ATOMS[x] = fac
    return x


def oracle_exponents(pairs: list) -> dict:
    """``{p: Σ c · v_p}`` for ``pairs`` of ``(c, num_atoms, den_atoms)`` (Fraction c)."""
    out: dict = {}
    for c, nums, dens in pairs:
        for atoms, sign in ((nums, 1), (dens, -1)):
            for a in atoms:
                for p, k in factor_known(a).items():
                    out[p] = out.get(p, 0) + sign * c * k
    return {p: e for p, e in out.items() if e != 0}


def prod(xs) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


def random_pairs(rng: random.Random, n_terms: int) -> list:
    """Terms ``(c, num atoms, den atoms)``: each ratio a product of up to 6 atoms over up to 6."""
    denom = rng.choice([10, 2**rng.randint(1, 20), 10**rng.randint(1, 6), 3 * 7 * 1024])
    out = []
    for _ in range(n_terms):
        c = Fraction(rng.randint(-50, 50) or 1, denom)
        nums = [random_atom(rng) for _ in range(rng.randint(1, 6))]
        dens = [random_atom(rng) for _ in range(rng.randint(0, 6))]
        out.append((c, nums, dens))
    return out


def form_of(pairs: list, split: bool = False) -> LogLinear:
    """``Σ c log(Π nums / Π dens)``; with ``split``, every ratio written atom by atom instead."""
    coefs, ratios = [], []
    for c, nums, dens in pairs:
        if split:
            coefs += [c] * len(nums) + [-c] * len(dens)
            ratios += nums + dens
        else:
            coefs.append(c)
            ratios.append(Fraction(prod(nums), prod(dens)))
    order = list(range(len(coefs)))
    random.Random(len(coefs)).shuffle(order)
    return LogLinear.from_pairs([coefs[i] for i in order], [ratios[i] for i in order])


def reduced_as_primes(form: LogLinear) -> dict:
    """The engine's reduction re-expressed over primes (bases may be composite)."""
    const, red = form.reduced()
    out: dict = {}
    for b, e in red.items():
        for p, k in factor_known(b).items():
            p, k = int(p), int(k)
            out[p] = out.get(p, 0) + Fraction(int(e.p), int(e.q)) * k
    return {p: e for p, e in out.items() if e != 0}


@pytest.fixture(params=[True, False], ids=["split", "refine"])
def split_mode(request, monkeypatch):
    monkeypatch.setattr(logforms, "SPLIT_COFACTORS", request.param)
    return request.param


def test_random_forms_match_oracle(split_mode):
    """Random forms, exact zeros and near-zeros: is_zero and the exponents agree with the oracle."""
    rng = random.Random(19)
    kinds = {"random": 0, "zero": 0, "near": 0}
    for trial in range(2400 if split_mode else 300):
        pairs = random_pairs(rng, rng.randint(1, 12))
        kind = ("random", "zero", "near")[trial % 3]
        if kind == "random":
            form, truth = form_of(pairs), oracle_exponents(pairs)
        else:
            other = [(c, list(n), list(d)) for c, n, d in pairs]
            if kind == "near":
                c, nums, dens = other[rng.randrange(len(other))]
                if rng.random() < 0.5:
                    nums[0] *= rng.choice(SMALL)  # one atom off by a prime factor: a different ratio
                else:
                    other[0] = (other[0][0] + Fraction(1, 10**30), other[0][1], other[0][2])
            form = form_of(pairs) - form_of(other, split=True)
            truth = oracle_exponents(pairs + [(-c, n, d) for c, n, d in other])
        kinds[kind] += 1
        assert form.is_zero() == (not truth), (kind, pairs)
        assert reduced_as_primes(form) == truth, (kind, pairs)
        if kind == "zero":
            assert not truth  # the construction really is an exact zero
    assert min(kinds.values()) > 0


def test_sum_of_leaves_matches_oracle(split_mode):
    """check_eq on a Sum of one-limb leaves (the combined prime reductions) against the oracle."""
    rng = random.Random(7)
    statuses = {}
    for trial in range(600 if split_mode else 100):
        leaves = [random_pairs(rng, rng.randint(1, 4)) for _ in range(rng.randint(2, 5))]
        for leaf in leaves:  # keep every integer one-limb, the combining path's domain
            for i, (c, nums, dens) in enumerate(leaf):
                leaf[i] = (c, [a for a in nums if a < 2**20][:2] or [2], [a for a in dens if a < 2**20][:2])
        flat = [t for leaf in leaves for t in leaf]
        if trial % 2:
            rhs, truth = form_of(flat, split=True), {}
        else:
            c, nums, dens = flat[0]
            bumped = [(c + Fraction(1, 10**30), nums, dens)] + flat[1:]  # the ball at 64 bits straddles 0
            rhs = form_of(bumped, split=True)
            truth = oracle_exponents(flat + [(-c, n, d) for c, n, d in bumped])
        v = check_eq(Sum(*[form_of(leaf) for leaf in leaves]), rhs)
        expected = "tight" if not truth else "refuted"
        assert v.status == expected, (v, leaves)
        statuses[expected] = statuses.get(expected, 0) + 1
    assert set(statuses) == {"tight", "refuted"}


def test_divisor_lists_exact_near_the_bounds():
    """Divisibility by primes just below 2^32 and 2^48 (the uint64 Horner bounds) and above 2^48."""
    ps = [int(sympy.prevprime(2**32)), int(sympy.nextprime(2**32)), int(sympy.prevprime(2**48)),
          int(sympy.nextprime(2**48)), 3, 65537]
    rng = random.Random(3)
    for _ in range(200):
        chosen = [p for p in ps if rng.random() < 0.5]
        x = prod(chosen) * rng.choice([1, 2**200 + 1, 10**40 + 7, 2**64 - 1])
        got = divisor_lists([x], ps)[0]
        assert sorted(got) == sorted(p for p in ps if x % p == 0)


def test_split_cofactors_identity():
    """c = Π p^v · r with r coprime to every given prime, high powers included."""
    rng = random.Random(5)
    ps = [2, 3, 5, 7, int(sympy.prime(5000)), int(sympy.nextprime(2**40))]
    big = int(sympy.nextprime(2**80))
    for _ in range(300):
        truth: dict = {}
        for _ in range(rng.randint(1, 5)):
            p, k = rng.choice(ps), rng.randint(1, 40)
            truth[p] = truth.get(p, 0) + k
        rest = rng.choice([1, 11, big, 11 * big])
        c = prod(p**k for p, k in truth.items()) * rest
        (factors, r), = split_cofactors([c], ps)
        assert dict(factors) == truth and r == rest


def test_scaled_leaves_combine_over_their_denominators():
    """Σ (k/7)·A over k = 1..6 equals 3·A, and differs from it by (1/10^30)·A: the scales' own
    denominators enter the common denominator of the combined exponents."""
    from verify.certify.verdicts import Scaled
    A = LogLinear.from_pairs([Fraction(3, 10), Fraction(-7, 10)], [Fraction(33, 4), Fraction(5, 91)])
    parts = [Scaled(fmpq(k, 7), A) for k in range(1, 7)]
    assert check_eq(Sum(*parts), A * 3).status == "tight"
    assert check_eq(Sum(*parts), A * (3 + fmpq(1, 10**30))).status == "refuted"


def test_leaves_with_composite_bases_are_merged_not_added():
    """Leaves whose reductions need composite bases (two primes beyond 2^64 that no one-limb integer
    holds) must not be added as if their bases were primes: log(PQ) − log P − log Q is 0."""
    P, Q = int(sympy.nextprime(2**80)), int(sympy.nextprime(2**90))
    a = LogLinear.from_pairs([1], [P * Q])
    b = LogLinear.from_pairs([-1, -1], [P, Q])
    assert a.reduced()[1] and b.reduced()[1]  # cached reductions over the bases PQ and P, Q
    assert check_eq(Sum(a, b), LogLinear.constant(0)).status == "tight"
    assert check_eq(Sum(a, b), LogLinear.from_pairs([fmpq(1, 10**30)], [3])).status == "refuted"


def test_scaled_multi_limb_leaves_merged_by_weights():
    """The merge path (leaves with multi-limb ratios, not reduced before): Σ (k/7)·A over k = 1..6
    equals 3·A exactly, and a 10^-30 change of the coefficient is refuted."""
    from verify.certify.verdicts import Scaled
    big = (2**70 + 25) * 3**50
    def leaf():
        return LogLinear.from_pairs([Fraction(3, 10), Fraction(-7, 11)], [Fraction(big, 7**30), Fraction(5**40, 91)])
    assert check_eq(Sum(*[Scaled(fmpq(k, 7), leaf()) for k in range(1, 7)]), leaf() * 3).status == "tight"
    near = leaf() * (3 + fmpq(1, 10**30))
    assert check_eq(Sum(*[Scaled(fmpq(k, 7), leaf()) for k in range(1, 7)]), near).status == "refuted"


def test_merge_path_keeps_the_constants():
    """Leaves with multi-limb ratios whose logs cancel but whose constants leave 10^-30: refuted
    (the ball at 64 bits still contains 0, so the decision is the reduction's)."""
    big = (2**70 + 25) * 3**50
    A = LogLinear.from_pairs([Fraction(3, 10)], [Fraction(big, 7**30)])
    assert check_eq(Sum(A + fmpq(1, 10**30), -A), LogLinear.constant(0)).status == "refuted"
    assert check_eq(Sum(A + fmpq(1, 10**30), -A), LogLinear.constant(fmpq(1, 10**30))).status == "tight"


# ---------------------------------------------------------------- grouped zero test (verdicts.py)
def _log(r, c=1) -> LogLinear:
    return LogLinear.from_pairs([fmpq(c)], [fmpq(r)])


def _level(n: int):
    """Three forms with F = G + H + n/5 exactly, written over different ratios: G = log(p/q),
    H = 2 log(r), F = n/5 + log(p r^2 / q) (p, q, r distinct primes, some beyond one limb)."""
    p, q, r = int(sympy.nextprime(2**70 + 97 * n)), int(sympy.prime(10 + n)), int(sympy.prime(40 + n))
    G = _log(fmpq(p, q))
    H = _log(r, 2)
    F = _log(fmpq(p * r * r, q)) + fmpq(n, 5)
    return F, G, H


def test_grouped_levels_that_cancel_level_by_level_are_decided_and_remembered():
    """Σ_n a_n (F_n − G_n − H_n) with F_n − G_n − H_n = n/5 for every level: the sum is the rational
    Σ a_n n/5 (closed form), whatever the a_n; a 10^-30 change is refuted. Each level's group is
    reduced once: a second instance with other coefficients reads the remembered results."""
    from verify.certify.verdicts import Difference, Scaled
    levels = [_level(n) for n in range(1, 5)]

    def instance(coefs):
        return Sum(*[Scaled(a, Difference(F, Sum(G, H))) for a, (F, G, H) in zip(coefs, levels)])

    for coefs in ([fmpq(1, 8), fmpq(3, 7), fmpq(1, 4), fmpq(2, 3)], [fmpq(5), fmpq(1, 9), fmpq(2), fmpq(7, 2)]):
        value = sum((a * fmpq(n, 5) for n, a in enumerate(coefs, start=1)), fmpq(0))
        assert check_eq(instance(coefs), LogLinear.constant(value)).status == "tight"
        assert check_eq(instance(coefs), LogLinear.constant(value + fmpq(1, 10**30))).status == "refuted"
    anchors = [min(lv, key=id) for lv in levels]
    assert all(a._groups for a in anchors)  # remembered on each level's anchor
    assert all(len(a._groups) == 1 for a in anchors)  # one signed group per level, for both instances


def test_grouped_signs_are_part_of_what_is_remembered():
    """F − G = 1 is rational, F + G = 2 log 2 + 1 is not: after the first is remembered, the second
    (same forms, other signs) must not reuse it."""
    from verify.certify.verdicts import Scaled
    F, G = _log(2) + 1, _log(2)
    P, Q = _log(3) + fmpq(1, 3), _log(3)
    first = Sum(Scaled(fmpq(1, 2), F), Scaled(fmpq(-1, 2), G), Scaled(fmpq(1, 5), P), Scaled(fmpq(-1, 5), Q))
    for _ in range(2):  # the forms are met first, then grouped (and the groups remembered)
        assert check_eq(first, LogLinear.constant(fmpq(1, 2) + fmpq(1, 15))).status == "tight"
    assert F._groups or G._groups
    second = Sum(Scaled(fmpq(1, 2), F), Scaled(fmpq(1, 2), G), Scaled(fmpq(1, 5), P), Scaled(fmpq(-1, 5), Q))
    assert check_eq(second, LogLinear.constant(fmpq(1, 2) + fmpq(1, 15))).status == "refuted"
    assert check_eq(second, _log(2) + fmpq(1, 2) + fmpq(1, 15)).status == "tight"
    # and the other way round: F' + G' = 1 is rational, F' − G' = 2 log 2 + 1 is not
    F2, G2 = _log(2) + 1, _log(2, -1)
    third = Sum(Scaled(fmpq(1, 2), F2), Scaled(fmpq(-1, 2), G2), Scaled(fmpq(1, 5), P), Scaled(fmpq(-1, 5), Q))
    for _ in range(2):
        assert check_eq(third, LogLinear.constant(fmpq(1, 2) + fmpq(1, 15))).status == "refuted"
    assert check_eq(third, _log(2) + fmpq(1, 2) + fmpq(1, 15)).status == "tight"


def test_groups_that_cancel_only_together_fall_back_to_the_whole_form():
    """1·(log 18 − log 2) + 2·(log 5 − log 15) = log 9 − 2 log 3 = 0: neither group is rational, the
    whole is 0."""
    from verify.certify.verdicts import Scaled
    x = Sum(Scaled(1, _log(18)), Scaled(-1, _log(2)), Scaled(2, _log(5)), Scaled(-2, _log(15)))
    assert check_eq(x, LogLinear.constant(0)).status == "tight"
    assert check_eq(x, _log(fmpq(10**30 + 1, 10**30))).status == "refuted"


def test_a_remembered_partial_split_is_refined_against_a_later_forms_primes():
    """c = P·s with P a prime beyond 2^64 and s = 1000003 a one-limb prime that the first form does not
    hold: its split leaves c whole, and that is remembered. A later form holding s on its own reads
    the remembered split; log c − log s − log P is still 0 exactly, and log c − log s is log P."""
    P, s = int(sympy.nextprime(2**64 + 2**40)), 1000003
    assert sympy.isprime(s) and s not in logforms._ALWAYS_TRIED
    logforms._split_cache.clear()
    first = LogLinear.from_pairs([fmpq(1, 3), fmpq(1)], [fmpq(P * s), fmpq(7)])
    assert not first.is_zero()
    assert logforms._split_cache[P * s] == ((), P * s)  # partial: no prime of that form divides c
    later = LogLinear.from_pairs([fmpq(1), fmpq(-1), fmpq(-1)], [fmpq(P * s), fmpq(s), fmpq(P)])
    assert later.is_zero()
    assert check_eq(LogLinear.from_pairs([fmpq(1), fmpq(-1)], [fmpq(P * s), fmpq(s)]),
                    LogLinear.from_pairs([fmpq(1)], [fmpq(P)])).status == "tight"
    assert not LogLinear.from_pairs([fmpq(1), fmpq(-1)], [fmpq(P * s), fmpq(P)]).is_zero()
