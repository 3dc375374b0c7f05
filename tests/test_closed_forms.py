"""The engine against the closed forms of docs/index.md §4 and the derived identities of §1/§3
(D-PROFILE, D-MIX, D-SMAX, D-ONE, D-SEQ, D-INFO, D-CHAIN, MDS overshoot, product, two-token).

Float tolerances: these are engine cross-checks, not verdicts.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq
from hypothesis import given
from hypothesis import strategies as st

import oracles as O
from hyp import effort
from verify.engine.info import measures
from verify.engine.laws import expected_kl, mixture_law, plan_law
from verify.engine.plans import balanced, count, fixed, mdm, random_size
from verify.engine.target import make_target

TOL = dict(rel=1e-9, abs=1e-12)
HYP = effort(40)  # derandomised by the ci profile; more examples under --profile deep


def _target(pmf, exact=False):
    return make_target(pmf, pmf.shape[0], pmf.ndim, exact=exact)


def _f(x) -> float:
    return float(x)


@st.composite
def laws(draw, max_L=4, zeros=True):
    """A law on V^L from small integer weights (exact zeros allowed), q in {2,3}, q^L <= 81."""
    q = draw(st.sampled_from([2, 3]))
    L = draw(st.integers(1, max_L if q == 2 else min(max_L, 3)))
    lo = 0 if zeros else 1
    w = draw(st.lists(st.integers(lo, 6), min_size=q ** L, max_size=q ** L).filter(lambda v: sum(v) > 0))
    w = np.array(w, dtype=float)
    return (w / w.sum()).reshape((q,) * L)


@st.composite
def law_and_sizes(draw, max_L=4):
    pmf = draw(laws(max_L))
    sizes = draw(st.sampled_from(O.all_compositions(pmf.ndim)))
    return pmf, sizes


def multinomial_size_law(pi, L):
    """mdm:pi as random sizes: P(b_1..b_N) = L!/prod b_k! prod pi_k^b_k, empty steps dropped (§2)."""
    law = {}
    for b in itertools.product(range(L + 1), repeat=len(pi)):
        if sum(b) != L:
            continue
        w = Fraction(math.factorial(L))
        for bk, pk in zip(b, pi):
            w = w / math.factorial(bk) * Fraction(pk) ** bk
        if w:
            sizes = tuple(x for x in b if x)
            law[sizes] = law.get(sizes, 0) + w
    return [(w, s) for s, w in law.items()]


# ------------------------------------------------------------------ D-PROFILE

@HYP
@given(law_and_sizes())
def test_D_PROFILE_fixed_sizes(case):
    pmf, sizes = case
    h = O.measures_direct(pmf)["profile"]
    got = expected_kl(_target(pmf), fixed(sizes, pmf.ndim))
    assert _f(got) == pytest.approx(O.profile_formula(h, sizes), **TOL)


@pytest.mark.parametrize("seed", range(4))
def test_D_PROFILE_random_size_and_mdm_average_over_size_law(seed):
    rng = np.random.default_rng(seed)
    L = 4 if seed % 2 else 5
    pmf = O.random_law(rng, 2, L, 0.3, 0.3 * (seed % 2))
    h = O.measures_direct(pmf)["profile"]
    comps = O.all_compositions(L)
    pick = rng.choice(len(comps), size=3, replace=False)
    law = [(Fraction(w, 10), comps[int(i)]) for w, i in zip((1, 6, 3), pick)]
    want = sum(float(w) * O.profile_formula(h, s) for w, s in law)
    assert _f(expected_kl(_target(pmf), random_size(law, L))) == pytest.approx(want, **TOL)
    pi = [Fraction(1, 6), Fraction(0), Fraction(1, 2), Fraction(1, 3)]
    want = sum(float(w) * O.profile_formula(h, s) for w, s in multinomial_size_law(pi, L))
    assert _f(expected_kl(_target(pmf), mdm(pi, L))) == pytest.approx(want, **TOL)


# ------------------------------------------------------------------ D-MIX, D-SMAX

@HYP
@given(law_and_sizes())
def test_D_MIX_mixture_kl_at_most_expected_kl(case):
    pmf, sizes = case
    tgt = _target(pmf)
    sch = fixed(sizes, pmf.ndim)
    mix_kl = O.kl(pmf, np.asarray(mixture_law(tgt, sch), float))
    assert mix_kl <= _f(expected_kl(tgt, sch)) + 1e-12


def test_D_MIX_equality_on_parity_and_strict_gap_on_a_random_law():
    """Parity [3,2]_2, sizes 1+2: every plan outputs the uniform law, so mixture KL = expected KL
    = log 2. On a generic law the convexity gap is strictly positive."""
    pmf = O.parity_code(2, 3)
    tgt = _target(pmf)
    sch = fixed((1, 2), 3)
    ekl = _f(expected_kl(tgt, sch))
    r = np.asarray(mixture_law(tgt, sch), float)
    np.testing.assert_allclose(r, np.full((2, 2, 2), 1 / 8), rtol=1e-9, atol=1e-13)
    assert ekl == pytest.approx(math.log(2), **TOL)
    assert O.kl(pmf, r) == pytest.approx(math.log(2), **TOL)
    pmf = O.random_law(np.random.default_rng(3), 2, 3, 0.3)
    tgt = _target(pmf)
    sch = fixed((2, 1), 3)
    assert O.kl(pmf, np.asarray(mixture_law(tgt, sch), float)) < _f(expected_kl(tgt, sch)) - 1e-6


@HYP
@given(law_and_sizes(max_L=4))
def test_D_SMAX_expected_kl_at_most_smax_minus_1_over_L_times_TC_plus_DTC(case):
    pmf, sizes = case
    L = pmf.ndim
    meas = O.measures_direct(pmf)
    got = _f(expected_kl(_target(pmf), fixed(sizes, L)))
    assert got <= (max(sizes) - 1) / L * (meas["TC"] + meas["DTC"]) + 1e-12
    assert got >= -1e-12


# ------------------------------------------------------------------ D-ONE, D-SEQ

@HYP
@given(laws())
def test_D_ONE_single_block_gives_TC(pmf):
    L = pmf.ndim
    tc = O.measures_direct(pmf)["TC"]
    tgt = _target(pmf)
    for sch in (fixed((L,), L), balanced(1, L), count(1, L), mdm([Fraction(1)], L),
                mdm([Fraction(0), Fraction(1)], L)):
        assert _f(expected_kl(tgt, sch)) == pytest.approx(tc, **TOL), sch.spec
    # the one-block law is the product of the one-site marginals
    prod = np.ones(())
    for i in range(L):
        prod = np.multiply.outer(prod, O.marginal_direct(pmf, [i]))
    np.testing.assert_allclose(np.asarray(mixture_law(tgt, fixed((L,), L)), float), prod,
                               rtol=1e-9, atol=1e-12)


@HYP
@given(laws())
def test_D_SEQ_singleton_blocks_sample_p_exactly(pmf):
    L = pmf.ndim
    tgt = _target(pmf)
    for sch in (fixed((1,) * L, L), count(L, L), balanced(L, L)):
        assert abs(_f(expected_kl(tgt, sch))) < 1e-12
        np.testing.assert_allclose(np.asarray(mixture_law(tgt, sch), float), pmf, rtol=1e-9, atol=1e-13)


def test_D_SEQ_exact_mode_reproduces_p_exactly():
    """Exact rationals: one token per step returns p itself, entry for entry (no tolerance)."""
    w = [3, 0, 1, 0, 2, 5, 0, 1, 4, 0, 0, 2, 1, 1, 0, 3]
    tot = sum(w)
    pmf = np.empty((2,) * 4, dtype=object)
    for k, x in enumerate(itertools.product(range(2), repeat=4)):
        pmf[x] = fmpq(w[k], tot)
    tgt = make_target(pmf, 2, 4, exact=True)
    assert tgt.exact
    r = mixture_law(tgt, fixed((1, 1, 1, 1), 4))
    assert r.dtype == object
    assert all(a == b for a, b in zip(r.reshape(-1), pmf.reshape(-1)))
    # and one block returns exactly the product of marginals
    r1 = mixture_law(tgt, fixed((4,), 4))
    marg = [[sum(pmf[x] for x in itertools.product(range(2), repeat=4) if x[i] == v) for v in range(2)]
            for i in range(4)]
    for x in itertools.product(range(2), repeat=4):
        assert r1[x] == marg[0][x[0]] * marg[1][x[1]] * marg[2][x[2]] * marg[3][x[3]]


# ------------------------------------------------------------------ D-INFO, D-CHAIN

@HYP
@given(laws(max_L=4))
def test_D_INFO_sum_I_is_TC_plus_DTC_and_DTC_two_formulas(pmf):
    m = measures(_target(pmf))
    assert _f(m["sum_I"]) == pytest.approx(_f(m["TC"]) + _f(m["DTC"]), **TOL)
    assert _f(m["DTC"]) == pytest.approx(_f(m["DTC_alt"]), **TOL)
    # Σ I_i against the oracle's other route, I_i = H(X_i) − H(X_i | X_{−i}) from the conditional itself
    o = O.measures_direct(pmf)
    want = sum(o["H_single"][i] - o["H_cond_rest"][i] for i in range(pmf.ndim))
    assert _f(m["sum_I"]) == pytest.approx(want, **TOL)
    for i, v in enumerate(m["I"]):
        assert _f(v) == pytest.approx(o["H_single"][i] - o["H_cond_rest"][i], **TOL)
    prof = [_f(v) for v in m["profile"]]
    L = pmf.ndim
    f = np.diff(prof)
    assert _f(m["TC"]) == pytest.approx(L * f[0] - prof[-1], **TOL)
    assert _f(m["DTC"]) == pytest.approx(prof[-1] - L * f[-1], **TOL)
    assert np.all(np.diff(f) <= 1e-12)


@HYP
@given(laws(max_L=4), st.randoms(use_true_random=False))
def test_D_CHAIN_plan_kl_is_sum_of_conditional_TCs(pmf, rnd):
    L = pmf.ndim
    perm = list(range(L))
    rnd.shuffle(perm)
    cuts = sorted(rnd.sample(range(1, L), rnd.randint(0, L - 1))) if L > 1 else []
    blocks = [tuple(perm[a:b]) for a, b in zip([0] + cuts, cuts + [L])]
    H = lambda A: O.entropy_direct(pmf, A)  # noqa: E731
    chain, U = 0.0, []
    for D in blocks:
        chain += sum(H(U + [i]) - H(U) for i in D) - (H(U + list(D)) - H(U))
        U = U + list(D)
    got = O.kl(pmf, np.asarray(plan_law(_target(pmf), blocks), float))
    assert got == pytest.approx(chain, rel=1e-9, abs=1e-11)


# ------------------------------------------------------------------ product laws, two-token

@pytest.mark.parametrize("q,L", [(2, 3), (2, 5), (3, 4)])
def test_product_law_every_sampler_exact(q, L):
    pmf = O.product_law(np.random.default_rng(q + L), q, L)
    tgt = _target(pmf)
    m = measures(tgt)
    assert abs(_f(m["TC"])) < 1e-12 and abs(_f(m["DTC"])) < 1e-12
    scheds = [fixed(s, L) for s in O.all_compositions(L)]
    scheds += [mdm([Fraction(1, 3)] * 3, L), mdm([Fraction(1, 2), Fraction(0), Fraction(1, 2)], L),
               balanced(2, L), count(2, L),
               random_size([(Fraction(1, 2), (L,)), (Fraction(1, 2), (1,) * L)], L)]
    for sch in scheds:
        assert abs(_f(expected_kl(tgt, sch))) < 1e-12, sch.spec
        np.testing.assert_allclose(np.asarray(mixture_law(tgt, sch), float), pmf, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("q,seed", [(2, 0), (3, 1), (3, 2), (2, 3)])
def test_two_token_one_block_is_mutual_information_LC25_T1_equality(q, seed):
    pmf = O.random_law(np.random.default_rng(seed), q, 2, 0.5, 0.3 if seed % 2 else 0.0)
    p1, p2 = pmf.sum(axis=1), pmf.sum(axis=0)
    mi = sum(pmf[a, b] * math.log(pmf[a, b] / (p1[a] * p2[b]))
             for a in range(q) for b in range(q) if pmf[a, b] > 0)
    tgt = _target(pmf)
    got = _f(expected_kl(tgt, fixed((2,), 2)))
    assert got == pytest.approx(mi, **TOL)
    m = measures(tgt)
    # LC25.T1 with s_max = 2: ((2^1 - 1)/L) sum_I = I(X1;X2), attained
    assert got == pytest.approx((2 ** math.ceil(math.log2(2)) - 1) / 2 * _f(m["sum_I"]), **TOL)


# ------------------------------------------------------------------ MDS codes

MDS = [("repetition q2 L3", lambda: O.repetition_code(2, 3), 2, 3, 1),
       ("repetition q3 L4", lambda: O.repetition_code(3, 4), 3, 4, 1),
       ("repetition q2 L5", lambda: O.repetition_code(2, 5), 2, 5, 1),
       ("parity q2 L5", lambda: O.parity_code(2, 5), 2, 5, 4),
       ("parity q3 L4", lambda: O.parity_code(3, 4), 3, 4, 3),
       ("tetracode [4,2]_3", O.tetracode, 3, 4, 2),
       ("Reed-Solomon [4,2]_5", O.reed_solomon_4_2_5, 5, 4, 2)]
MDS_IDS = [m[0] for m in MDS]


@pytest.mark.parametrize("name,build,q,L,k", MDS, ids=MDS_IDS)
def test_MDS_TC_DTC_closed_form(name, build, q, L, k):
    pmf = build()
    assert np.count_nonzero(pmf) == q ** k
    m = measures(_target(pmf))
    assert _f(m["TC"]) == pytest.approx((L - k) * math.log(q), **TOL)
    assert _f(m["DTC"]) == pytest.approx(k * math.log(q), **TOL)
    assert _f(m["H"]) == pytest.approx(k * math.log(q), **TOL)
    np.testing.assert_allclose([_f(v) for v in m["profile"]],
                               [min(j, k) * math.log(q) for j in range(L + 1)], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,build,q,L,k", MDS, ids=MDS_IDS)
def test_MDS_overshoot_every_composition(name, build, q, L, k):
    """E KL = log q * (n_{t*} - k): repetition log q (s_1 - 1), parity log q 1[s_T >= 2]."""
    tgt = _target(build())
    for sizes in O.all_compositions(L):
        want = math.log(q) * O.mds_overshoot(sizes, k)
        if k == 1:
            assert O.mds_overshoot(sizes, k) == sizes[0] - 1
        if k == L - 1:
            assert O.mds_overshoot(sizes, k) == int(sizes[-1] >= 2)
        assert _f(expected_kl(tgt, fixed(sizes, L))) == pytest.approx(want, **TOL), sizes


@pytest.mark.parametrize("name,build,q,L,k", MDS, ids=MDS_IDS)
def test_MDS_overshoot_random_size_and_mdm(name, build, q, L, k):
    tgt = _target(build())
    law = [(Fraction(1, 4), (1,) * L), (Fraction(1, 4), (L,)), (Fraction(1, 2), (2,) + (1,) * (L - 2))]
    want = math.log(q) * sum(float(w) * O.mds_overshoot(s, k) for w, s in law)
    assert _f(expected_kl(tgt, random_size(law, L))) == pytest.approx(want, **TOL)
    for pi in ([Fraction(1, 3)] * 3, [Fraction(1, 10), Fraction(0), Fraction(9, 10)], [Fraction(1, 7)] * 7):
        want = math.log(q) * sum(float(w) * O.mds_overshoot(s, k) for w, s in multinomial_size_law(pi, L))
        assert _f(expected_kl(tgt, mdm(pi, L))) == pytest.approx(want, **TOL), pi


def test_MDS_parity_mdm_uniform_closed_form():
    """Parity: E KL = log q * P(last nonempty step holds >= 2) = log q (1 - sum_m L/N ((m-1)/N)^(L-1))."""
    L, q = 4, 3
    tgt = _target(O.parity_code(q, L))
    for N in (1, 2, 3, 5, 9):
        p_unique = sum(L / N * ((m - 1) / N) ** (L - 1) for m in range(1, N + 1))
        got = _f(expected_kl(tgt, mdm([Fraction(1, N)] * N, L)))
        assert got == pytest.approx(math.log(q) * (1 - p_unique), **TOL), N


# ------------------------------------------------------------------ exact mode (fmpq laws, LogLinear results)

def _exact_law(weights, q, L):
    tot = sum(weights)
    pmf = np.empty((q,) * L, dtype=object)
    for k, x in enumerate(itertools.product(range(q), repeat=L)):
        pmf[x] = fmpq(weights[k], tot)
    return pmf


def _exact_parity(q, L):
    pmf = np.empty((q,) * L, dtype=object)
    for x in itertools.product(range(q), repeat=L):
        pmf[x] = fmpq(1, q ** (L - 1)) if sum(x) % q == 0 else fmpq(0)
    return pmf


def test_exact_mode_MDS_parity_overshoot_is_exactly_log_q():
    from verify.certify.logforms import LogLinear

    q, L = 3, 4
    tgt = make_target(_exact_parity(q, L), q, L, exact=True)
    for sizes in O.all_compositions(L):
        got = expected_kl(tgt, fixed(sizes, L))
        want = LogLinear.log(q) * int(sizes[-1] >= 2)
        assert (got - want).is_zero(), (sizes, got)


def test_exact_mode_D_SEQ_D_ONE_D_INFO_are_exact_identities():
    w = [3, 0, 1, 0, 2, 5, 0, 1, 4, 0, 0, 2, 1, 1, 0, 3, 2, 7, 0, 1, 1, 0, 5, 2, 1, 0, 3]
    q, L = 3, 3
    pmf = _exact_law(w, q, L)
    tgt = make_target(pmf, q, L, exact=True)
    m = measures(tgt)
    assert expected_kl(tgt, fixed((1, 1, 1), L)).is_zero()                         # D-SEQ
    assert (expected_kl(tgt, fixed((3,), L)) - m["TC"]).is_zero()                  # D-ONE
    assert (m["sum_I"] - m["TC"] - m["DTC"]).is_zero()                            # D-INFO
    assert (m["DTC"] - m["DTC_alt"]).is_zero()
    assert not m["TC"].is_zero() and not m["DTC"].is_zero()                       # not vacuous
    # the exact value agrees with the float oracle
    fl = pmf.astype(float)
    for sizes in [(2, 1), (1, 2)]:
        want, want_mix = O.fixed_sampler_direct(fl, sizes)
        got = expected_kl(tgt, fixed(sizes, L))
        assert float(got) == pytest.approx(want, **TOL)
        mix = mixture_law(tgt, fixed(sizes, L))
        np.testing.assert_allclose(np.vectorize(float)(mix), want_mix, rtol=1e-12, atol=1e-15)
