"""ZC26.TC / ZC26.DTC all-law table: the fast paths behind it against independent computations.

* mdm:N start weights (``_binomial_uniform_exact``, exact divisions along n) against the law written
  out label vector by label vector (``profile_oracles``, engine-free) and, at sizes the oracle cannot
  reach, against the straightforward sum of products of powers re-written here in Python integers;
* mdm:pi (the cumulative R_k) against the written-out law;
* the odds composition (computed in integers) against the Fraction definition (``profile_oracles``);
* ``sharp_constants`` (ray values shared by several denominators) against the maximum over rays
  computed here in Fractions, and against ``sharp_constant`` one denominator at a time;
* the float forward pass against the definition ``float(Fraction(p))`` per edge;
* the budget sweep with its memo against the sweep without it.
"""
from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from tests import profile_oracles as O


def fr(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def straightforward_binomial(N: int, L: int) -> tuple:
    """P(n), A(n) of mdm:N: C(L,n) Σ_k a^n (b^{L−n} − c^{L−n}) / N^L and (L−n) C(L,n) Σ_k a^n b^{L−n−1} / N^L,
    a = k−1, b = N−k+1, c = N−k (Python integers, products of powers, 0^0 = 1)."""
    D = N ** L
    P = [Fraction(comb(L, n) * sum((k - 1) ** n * ((N - k + 1) ** (L - n) - (N - k) ** (L - n))
                                   for k in range(1, N + 1)), D) for n in range(L)]
    A = [Fraction((L - n) * comb(L, n) * sum((k - 1) ** n * (N - k + 1) ** (L - n - 1)
                                             for k in range(1, N + 1)), D) for n in range(L)]
    return P, A


@pytest.mark.parametrize("N,L", [(1, 1), (1, 5), (2, 1), (2, 6), (3, 5), (4, 6), (5, 5), (6, 4), (7, 3)])
def test_binomial_weights_equal_the_written_law(N, L):
    from verify.engine.profile.sizelaws import _binomial_uniform_exact

    P, A = _binomial_uniform_exact(N, L)
    wP, wA = O.start_weights(O.binomial_law(L, N), L)
    assert [fr(x) for x in P] == wP and [fr(x) for x in A] == wA


@pytest.mark.parametrize("N,L", [(9, 40), (17, 33), (40, 17), (64, 64), (3, 200)])
def test_binomial_weights_equal_the_product_of_powers_formula(N, L):
    from verify.engine.profile.sizelaws import _binomial_uniform_exact
    from verify.engine.samplers import size_law_of

    P, A = _binomial_uniform_exact(N, L)
    wP, wA = straightforward_binomial(N, L)
    assert [fr(x) for x in P] == wP and [fr(x) for x in A] == wA
    assert sum(wA) == L                                   # every token is revealed once
    T = size_law_of(f"random-size:law=binomial,N={N}", L).mean_iterations(True)
    assert fr(T) == N - N * Fraction(N - 1, N) ** L       # E[T] = N (1 − (1 − 1/N)^L): non-empty steps


@pytest.mark.parametrize("pi,L", [((Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)), 6),
                                  ((Fraction(1, 5), Fraction(0), Fraction(1, 5), Fraction(3, 5)), 5),
                                  ((Fraction(1, 10),) * 2 + (Fraction(4, 5),), 6)])
def test_mdm_pi_weights_equal_the_written_law(pi, L):
    from verify.engine.samplers import size_law_of

    law = size_law_of("mdm:pi=" + "+".join(map(str, pi)), L)
    wP, wA = O.start_weights(O.mdm_law(L, list(pi)), L)
    P, A = law.start_weights(True)
    assert [fr(x) for x in P] == wP and [fr(x) for x in A] == wA
    Pf, Af = law.start_weights(False)
    assert max(abs(float(a) - float(b)) for a, b in zip(Af, wA)) < 1e-12


def test_odds_sizes_equal_the_fraction_definition():
    from verify.engine.profile.sizelaws import odds_sizes

    for L in list(range(1, 60)) + [97, 256, 1000]:
        for rho in ("1", "1/8", "1/2", "3", "7/5", "1/1000", "1/4096"):
            (want,) = O.odds_law(L, rho)
            assert odds_sizes(Fraction(rho), L) == want, (L, rho)


def brute_sharp(A: list, L: int, den) -> tuple:
    """(max over rays k with den(k) > 0 of (Σ_{n<k} A(n) − k)/den(k), smallest such k), in Fractions."""
    best, arg = None, None
    for k in range(1, L + 1):
        d = den(k)
        if d > 0:
            r = (sum(A[:k], Fraction(0)) - k) / d
            if best is None or r > best:
                best, arg = r, k
    return best, arg


@pytest.mark.parametrize("spec,L", [("random-size:law=grow,r=1/2,randomized=true", 37),
                                    ("random-size:law=odds,rho=1", 50), ("random-size:law=binomial,N=5", 23),
                                    ("random-size:law=uniform,K=4", 19), ("balanced:K=1", 8)])
def test_shared_ray_values_give_the_brute_force_sharp_constants(spec, L):
    from verify.engine.profile.cone import sharp_constant, sharp_constants
    from verify.engine.samplers import size_law_of

    _, A = size_law_of(spec, L).start_weights(True)
    Af = [fr(a) for a in A]
    got = sharp_constants(A, L, ("TC", "DTC", "sum_I", "H"))
    for over, den in (("TC", lambda k: L - k), ("DTC", lambda k: k if k < L else 0),
                      ("sum_I", lambda k: L if k < L else 0), ("H", lambda k: k)):
        v, k = brute_sharp(Af, L, den)
        assert (fr(got[over].value), got[over].k) == (v, k), over
        one = sharp_constant(A, L, over)
        assert (one.value, one.k) == (got[over].value, got[over].k), over


def test_float_forward_pass_equals_the_fraction_definition():
    from verify.engine.profile.sizelaws import forward_weights
    from verify.engine.samplers import size_law_of

    sch = size_law_of("random-size:law=shrink,r=2/7,randomized=true", 61).graph()
    L = sch.L
    prob, P, A = {sch.start: 1.0}, [0.0] * L, [0.0] * L
    for key in sch.order():
        pk = prob.get(key, 0.0)
        if pk == 0:
            continue
        n = sch.revealed[key]
        for p, s, child in sch.nodes.get(key, ()):
            w = pk * float(Fraction(int(p.p), int(p.q)))
            prob[child] = prob.get(child, 0.0) + w
            if s > 0:
                P[n] += w
                A[n] += w * s
    gP, gA = forward_weights(sch, False)
    assert list(gP) == P and list(gA) == A           # bit for bit: the same float operations


def test_budget_sweep_with_memo_picks_the_same_laws():
    from proofs_numeric.zc26 import LEVELS, SWEPT, _law_at, budget

    L, memo = 64, {}
    for label in SWEPT:
        for level in LEVELS:
            K = budget(level, L)
            assert _law_at(label, L, K, memo).spec == _law_at(label, L, K).spec, (label, level)
