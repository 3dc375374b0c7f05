"""Self-checks of the brute-force oracles against closed forms only (docs/index.md §0, §1, §4).

Nothing here touches the engine: if these fail, the oracle (not the engine) is wrong.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import oracles as O

RTOL, ATOL = 1e-10, 1e-12


def _laws(seed, cases):
    rng = np.random.default_rng(seed)
    out = []
    for q, L, alpha, zf in cases:
        out.append(((q, L, alpha, zf), O.random_law(rng, q, L, alpha, zf)))
    return out


RANDOM_LAWS = _laws(11, [(2, 2, 1.0, 0.0), (2, 3, 0.5, 0.0), (2, 3, 0.2, 0.4), (3, 2, 1.0, 0.0),
                         (3, 3, 0.3, 0.3), (2, 4, 1.0, 0.0), (2, 4, 0.1, 0.5), (3, 4, 0.5, 0.0)])
LAW_IDS = [f"q{q}L{L}a{a}z{z}" for (q, L, a, z), _ in RANDOM_LAWS]


# ------------------------------------------------------------------ building blocks

@pytest.mark.parametrize("L", range(0, 7))
def test_all_compositions_are_the_2_pow_L_minus_1_compositions(L):
    comps = O.all_compositions(L)
    assert len(comps) == (2 ** (L - 1) if L else 1)
    assert len(set(comps)) == len(comps)
    assert all(sum(c) == L and all(s >= 1 for s in c) for c in comps)
    # every composition corresponds to a unique subset of the L-1 cut points
    cuts = {tuple(itertools.accumulate(c))[:-1] for c in comps}
    assert len(cuts) == len(comps)


def test_conditional_direct_bayes_by_hand_and_off_support_uniform():
    # L = 3, q = 2; p(x) nonzero only on 3 points
    pmf = np.zeros((2, 2, 2))
    pmf[0, 0, 0] = 0.5
    pmf[0, 1, 1] = 0.3
    pmf[1, 1, 0] = 0.2
    np.testing.assert_allclose(O.conditional_direct(pmf, 0, {}), [0.8, 0.2])
    np.testing.assert_allclose(O.conditional_direct(pmf, 2, {1: 1}), [0.4, 0.6])
    np.testing.assert_allclose(O.conditional_direct(pmf, 2, {0: 0, 1: 1}), [0.0, 1.0])
    np.testing.assert_allclose(O.conditional_direct(pmf, 1, {0: 0, 2: 0}), [1.0, 0.0])
    # off support: x_0 = 1, x_1 = 0 has probability 0 -> uniform
    np.testing.assert_allclose(O.conditional_direct(pmf, 2, {0: 1, 1: 0}), [0.5, 0.5])
    q3 = np.zeros((3, 3))
    q3[0, 0] = 1.0
    np.testing.assert_allclose(O.conditional_direct(q3, 1, {0: 2}), [1 / 3] * 3)


def test_kl_tv_ser_by_hand():
    p = np.array([0.5, 0.5, 0.0])
    r = np.array([0.25, 0.25, 0.5])
    assert O.kl(p, r) == pytest.approx(math.log(2))
    assert O.tv(p, r) == pytest.approx(0.5)
    assert O.ser(p, r) == pytest.approx(0.5)
    assert O.kl(r, p) == math.inf
    assert O.kl(p, p) == 0.0 and O.tv(p, p) == 0.0 and O.ser(p, p) == 0.0


def test_plan_law_one_block_is_product_of_marginals():
    (_, pmf), = _laws(3, [(3, 3, 0.5, 0.3)])
    law = O.plan_law_direct(pmf, [(0, 1, 2)])
    m = [pmf.sum(axis=tuple(j for j in range(3) if j != i)) for i in range(3)]
    np.testing.assert_allclose(law, np.einsum("a,b,c->abc", *m), rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ product laws (§4)

@pytest.mark.parametrize("q,L", [(2, 1), (2, 3), (2, 4), (3, 3)])
def test_product_law_every_composition_exact(q, L):
    pmf = O.product_law(np.random.default_rng(q * 10 + L), q, L)
    for sizes in O.all_compositions(L):
        ekl, mix = O.fixed_sampler_direct(pmf, sizes)
        assert abs(ekl) < 1e-12, sizes
        np.testing.assert_allclose(mix, pmf, rtol=RTOL, atol=ATOL)
    ekl, mix = O.mdm_direct(pmf, [0.3, 0.7])
    assert abs(ekl) < 1e-12
    np.testing.assert_allclose(mix, pmf, rtol=RTOL, atol=ATOL)
    m = O.measures_direct(pmf)
    assert abs(m["TC"]) < 1e-12 and abs(m["DTC"]) < 1e-12


# ------------------------------------------------------------------ two-token (§4)

@pytest.mark.parametrize("q,alpha,zf", [(2, 1.0, 0.0), (3, 0.3, 0.0), (3, 1.0, 0.4)])
def test_two_token_one_block_KL_is_mutual_information(q, alpha, zf):
    pmf = O.random_law(np.random.default_rng(5), q, 2, alpha, zf)
    p1 = [sum(pmf[a, b] for b in range(q)) for a in range(q)]
    p2 = [sum(pmf[a, b] for a in range(q)) for b in range(q)]
    mi = sum(pmf[a, b] * math.log(pmf[a, b] / (p1[a] * p2[b]))
             for a in range(q) for b in range(q) if pmf[a, b] > 0)
    ekl, mix = O.fixed_sampler_direct(pmf, (2,))
    assert ekl == pytest.approx(mi, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(mix, np.outer(p1, p2), rtol=RTOL, atol=ATOL)
    m = O.measures_direct(pmf)
    assert m["TC"] == pytest.approx(mi, abs=1e-13)
    assert m["I"][0] == pytest.approx(mi, abs=1e-13) and m["I"][1] == pytest.approx(mi, abs=1e-13)


# ------------------------------------------------------------------ D-ONE, D-SEQ

@pytest.mark.parametrize("case,pmf", RANDOM_LAWS, ids=LAW_IDS)
def test_D_ONE_single_block_gives_TC(case, pmf):
    L = pmf.ndim
    tc = sum(O.entropy_direct(pmf, [i]) for i in range(L)) - O.entropy_direct(pmf, range(L))
    ekl, _ = O.fixed_sampler_direct(pmf, (L,))
    assert ekl == pytest.approx(tc, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("case,pmf", RANDOM_LAWS, ids=LAW_IDS)
def test_D_SEQ_singleton_blocks_are_exact(case, pmf):
    L = pmf.ndim
    ekl, mix = O.fixed_sampler_direct(pmf, (1,) * L)
    assert abs(ekl) < 1e-12
    np.testing.assert_allclose(mix, pmf, rtol=RTOL, atol=ATOL)
    # each single plan also reproduces p (chain rule)
    for perm in itertools.permutations(range(L)):
        np.testing.assert_allclose(O.plan_law_direct(pmf, [(i,) for i in perm]), pmf,
                                   rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ D-CHAIN, D-PROFILE (oracle vs oracle)

@pytest.mark.parametrize("case,pmf", RANDOM_LAWS, ids=LAW_IDS)
def test_D_CHAIN_plan_KL_is_sum_of_conditional_TCs(case, pmf):
    L = pmf.ndim
    rng = np.random.default_rng(L)
    H = lambda A: O.entropy_direct(pmf, A)  # noqa: E731
    for _ in range(6):
        perm = list(rng.permutation(L))
        cuts = sorted(rng.choice(range(1, L), size=rng.integers(0, L), replace=False)) if L > 1 else []
        blocks = [tuple(perm[a:b]) for a, b in zip([0] + list(cuts), list(cuts) + [L])]
        chain, U = 0.0, []
        for D in blocks:
            # E TC(X_D | X_U) = sum_i H(X_i|X_U) - H(X_D|X_U)
            chain += sum(H(U + [i]) - H(U) for i in D) - (H(U + list(D)) - H(U))
            U = U + list(D)
        assert O.kl(pmf, O.plan_law_direct(pmf, blocks)) == pytest.approx(chain, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("case,pmf", RANDOM_LAWS, ids=LAW_IDS)
def test_D_PROFILE_oracle_every_composition(case, pmf):
    prof = O.measures_direct(pmf)["profile"]
    for sizes in O.all_compositions(pmf.ndim):
        ekl, _ = O.fixed_sampler_direct(pmf, sizes)
        assert ekl == pytest.approx(O.profile_formula(prof, sizes), rel=1e-9, abs=1e-12), sizes


# ------------------------------------------------------------------ MDS codes (§4)

MDS = [("repetition q2 L4", lambda: O.repetition_code(2, 4), 2, 4, 1),
       ("repetition q3 L4", lambda: O.repetition_code(3, 4), 3, 4, 1),
       ("repetition q2 L5", lambda: O.repetition_code(2, 5), 2, 5, 1),
       ("parity q2 L4", lambda: O.parity_code(2, 4), 2, 4, 3),
       ("parity q3 L4", lambda: O.parity_code(3, 4), 3, 4, 3),
       ("parity q2 L5", lambda: O.parity_code(2, 5), 2, 5, 4),
       ("tetracode [4,2]_3", O.tetracode, 3, 4, 2)]


@pytest.mark.parametrize("name,build,q,L,k", MDS, ids=[m[0] for m in MDS])
def test_MDS_entropy_profile_and_TC_DTC(name, build, q, L, k):
    pmf = build()
    assert np.count_nonzero(pmf) == q ** k
    for m in range(L + 1):
        for A in itertools.combinations(range(L), m):
            assert O.entropy_direct(pmf, A) == pytest.approx(min(m, k) * math.log(q), abs=1e-12)
    meas = O.measures_direct(pmf)
    assert meas["TC"] == pytest.approx((L - k) * math.log(q), abs=1e-12)
    assert meas["DTC"] == pytest.approx(k * math.log(q), abs=1e-12)


@pytest.mark.parametrize("name,build,q,L,k", MDS, ids=[m[0] for m in MDS])
def test_MDS_overshoot_every_composition(name, build, q, L, k):
    pmf = build()
    for sizes in O.all_compositions(L):
        ekl, _ = O.fixed_sampler_direct(pmf, sizes)
        want = math.log(q) * O.mds_overshoot(sizes, k)
        assert ekl == pytest.approx(want, abs=1e-12), sizes
        if k == 1:
            assert want == pytest.approx(math.log(q) * (sizes[0] - 1))
        if k == L - 1:
            assert want == pytest.approx(math.log(q) * (sizes[-1] >= 2))


def test_MDS_parity_random_size_is_log_q_times_P_last_block_ge_2():
    pmf = O.parity_code(3, 4)
    law = [(0.2, (1, 1, 2)), (0.5, (2, 1, 1)), (0.3, (1, 3))]
    ekl, _ = O.random_size_direct(pmf, law)
    assert ekl == pytest.approx(math.log(3) * (0.2 + 0.3), abs=1e-12)


# ------------------------------------------------------------------ mdm

@pytest.mark.parametrize("case,pmf", RANDOM_LAWS[:6], ids=LAW_IDS[:6])
def test_mdm_N1_and_degenerate_pi_equal_one_block(case, pmf):
    L = pmf.ndim
    e1, m1 = O.fixed_sampler_direct(pmf, (L,))
    for pi in ([1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]):
        e, m = O.mdm_direct(pmf, pi)
        assert e == pytest.approx(e1, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(m, m1, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case,pmf", RANDOM_LAWS[:7], ids=LAW_IDS[:7])
def test_mdm_equals_multinomial_random_size(case, pmf):
    """§2: mdm:pi is random-size with the multinomial law over block sizes (empty steps dropped)."""
    L = pmf.ndim
    pi = [0.5, 0.0, 0.2, 0.3]
    law = {}
    for b in itertools.product(range(L + 1), repeat=len(pi)):
        if sum(b) != L:
            continue
        w = math.factorial(L)
        for bk, pk in zip(b, pi):
            w = w / math.factorial(bk) * pk ** bk
        sizes = tuple(x for x in b if x)
        law[sizes] = law.get(sizes, 0.0) + w
    assert sum(law.values()) == pytest.approx(1.0)
    e_rs, m_rs = O.random_size_direct(pmf, [(w, s) for s, w in law.items()])
    e_mdm, m_mdm = O.mdm_direct(pmf, pi)
    assert e_mdm == pytest.approx(e_rs, rel=1e-10, abs=1e-13)
    np.testing.assert_allclose(m_mdm, m_rs, rtol=1e-10, atol=ATOL)


@pytest.mark.parametrize("N", [1, 2, 3, 8])
def test_MDS_parity_mdm_uniform_pi_closed_form(N):
    """Parity [3,2]_2 under mdm:N: E KL = log 2 * P(last nonempty step holds >= 2 positions)
    = log 2 * (1 - sum_m L (1/N) ((m-1)/N)^(L-1))."""
    L = 3
    pmf = O.parity_code(2, L)
    p_unique_last = sum(L * (1 / N) * ((m - 1) / N) ** (L - 1) for m in range(1, N + 1))
    e, _ = O.mdm_direct(pmf, [1 / N] * N)
    assert e == pytest.approx(math.log(2) * (1 - p_unique_last), abs=1e-12)


# ------------------------------------------------------------------ D-INFO and profile identities

@pytest.mark.parametrize("case,pmf", RANDOM_LAWS, ids=LAW_IDS)
def test_D_INFO_sum_I_is_TC_plus_DTC_and_two_DTC_formulas(case, pmf):
    m = O.measures_direct(pmf)
    L = pmf.ndim
    assert m["sum_I"] == pytest.approx(m["TC"] + m["DTC"], rel=1e-10, abs=1e-12)
    assert m["DTC"] == pytest.approx(m["DTC_alt"], rel=1e-10, abs=1e-12)
    prof = m["profile"]
    assert prof[0] == 0.0 and prof[L] == pytest.approx(m["H"], abs=1e-13)
    f = np.diff(prof)
    assert np.all(np.diff(f) <= 1e-12)                       # increments non-increasing
    assert m["TC"] == pytest.approx(L * f[0] - m["H"], abs=1e-12)
    assert m["DTC"] == pytest.approx(m["H"] - L * f[L - 1], abs=1e-12)
    assert m["TC"] >= -1e-12 and m["DTC"] >= -1e-12
