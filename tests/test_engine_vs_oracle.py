"""Engine (verify.*) against the brute-force oracles of tests/oracles.py on seeded random laws.

Float tolerances here are engine cross-checks, not verdicts (docs/index.md §5).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

import oracles as O
from verify.engine.info import Marginals, measures
from verify.engine.laws import expected_kl, mixture_law, plan_law
from verify.engine.plans import balanced, count, fixed, mdm, random_size
from verify.engine.samplers import parse_sampler
from verify.engine.target import make_target

RTOL, ATOL = 1e-9, 1e-12

# (q, L) grid: q = 2 with L = 1..5, q = 3 with L = 1..4; alphas include sparse laws with exact zeros.
ALPHAS = [(1.0, 0.0), (0.3, 0.3), (0.1, 0.5)]
GRID = [(2, L) for L in range(1, 6)] + [(3, L) for L in range(1, 5)]


def _build_laws():
    rng = np.random.default_rng(20250521)
    out = []
    for q, L in GRID:
        for alpha, zf in ALPHAS:
            out.append((f"q{q}-L{L}-a{alpha}-z{zf}", O.random_law(rng, q, L, alpha, zf)))
    return out


LAWS = _build_laws()
IDS = [name for name, _ in LAWS]


def _target(pmf):
    q, L = pmf.shape[0], pmf.ndim
    return make_target(pmf, q, L)


def _assert_law_close(got, want, what):
    got = np.asarray(got, dtype=float)
    assert got.shape == want.shape, what
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def _assert_num_close(got, want, what):
    assert float(got) == pytest.approx(want, rel=RTOL, abs=ATOL), f"{what}: engine {float(got)!r} oracle {want!r}"


def test_laws_cover_sparse_and_off_support_cases():
    """The law set must actually contain exact zeros, else the off-support checks test nothing."""
    assert sum(1 for _, p in LAWS if np.any(p == 0)) >= len(GRID)


# ------------------------------------------------------------------ fixed sizes: every composition

@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_fixed_every_composition_expected_kl_and_mixture_law(name, pmf):
    tgt = _target(pmf)
    L = pmf.ndim
    for sizes in O.all_compositions(L):
        want_kl, want_mix = O.fixed_sampler_direct(pmf, sizes)
        sch = fixed(sizes, L)
        _assert_num_close(expected_kl(tgt, sch), want_kl, f"{name} fixed {sizes} expected_kl")
        _assert_law_close(mixture_law(tgt, sch), want_mix, f"{name} fixed {sizes} mixture_law")


def test_fixed_every_composition_q3_L5_sparse():
    """The corner of the issue's range (L = 5, q = 3) on one sparse law: every composition."""
    pmf = O.random_law(np.random.default_rng(35), 3, 5, 0.3, 0.3)
    tgt = _target(pmf)
    for sizes in O.all_compositions(5):
        want_kl, want_mix = O.fixed_sampler_direct(pmf, sizes)
        sch = fixed(sizes, 5)
        _assert_num_close(expected_kl(tgt, sch), want_kl, f"q3-L5 fixed {sizes} expected_kl")
        _assert_law_close(mixture_law(tgt, sch), want_mix, f"q3-L5 fixed {sizes} mixture_law")


@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_plan_law_random_plans(name, pmf):
    tgt = _target(pmf)
    L = pmf.ndim
    rng = np.random.default_rng(L * 7 + pmf.shape[0])
    for _ in range(8):
        perm = [int(v) for v in rng.permutation(L)]
        k = int(rng.integers(0, L))
        cuts = sorted(int(c) for c in rng.choice(range(1, L), size=k, replace=False)) if L > 1 else []
        blocks = [tuple(perm[a:b]) for a, b in zip([0] + cuts, cuts + [L])]
        _assert_law_close(plan_law(tgt, blocks), O.plan_law_direct(pmf, blocks), f"{name} plan {blocks}")


# ------------------------------------------------------------------ mdm, random-size, balanced, count

def _pis(L):
    """A few pi in time order: uniform N=2, zeros inside, N > L, a zero first step."""
    return [
        [Fraction(1, 2), Fraction(1, 2)],
        [Fraction(1, 5), Fraction(0), Fraction(3, 10), Fraction(1, 2)],
        [Fraction(1, L + 2)] * (L + 2),
        [Fraction(0), Fraction(2, 3), Fraction(1, 3)],
    ]


@pytest.mark.parametrize("name,pmf", [lw for lw in LAWS if lw[1].ndim <= 4 or lw[1].shape[0] == 2],
                         ids=[n for n, p in LAWS if p.ndim <= 4 or p.shape[0] == 2])
def test_mdm_matches_label_enumeration(name, pmf):
    tgt = _target(pmf)
    L = pmf.ndim
    for pi in _pis(L):
        want_kl, want_mix = O.mdm_direct(pmf, [float(v) for v in pi])
        sch = mdm(pi, L)
        _assert_num_close(expected_kl(tgt, sch), want_kl, f"{name} mdm {pi} expected_kl")
        _assert_law_close(mixture_law(tgt, sch), want_mix, f"{name} mdm {pi} mixture_law")


def _size_laws(L, rng):
    comps = O.all_compositions(L)
    out = []
    for n_parts in (2, 3):
        if len(comps) < n_parts:
            continue
        idx = rng.choice(len(comps), size=n_parts, replace=False)
        weights = [Fraction(int(w), 10) for w in ([3, 7] if n_parts == 2 else [2, 5, 3])]
        out.append([(w, comps[int(i)]) for w, i in zip(weights, idx)])
    return out


@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_random_size_matches_weighted_fixed(name, pmf):
    tgt = _target(pmf)
    L = pmf.ndim
    laws = _size_laws(L, np.random.default_rng(L))
    if L == 1:
        laws = [[(Fraction(1), (1,))]]
    for law in laws:
        want_kl, want_mix = O.random_size_direct(pmf, [(float(w), s) for w, s in law])
        sch = random_size(law, L)
        _assert_num_close(expected_kl(tgt, sch), want_kl, f"{name} random-size {law} expected_kl")
        _assert_law_close(mixture_law(tgt, sch), want_mix, f"{name} random-size {law} mixture_law")


def _schedule_sizes(sch):
    comps = sch.compositions()
    assert len(comps) == 1 and comps[0][0] == 1, comps
    return tuple(comps[0][1])


@pytest.mark.parametrize("name,pmf", LAWS[::2], ids=IDS[::2])
def test_balanced_and_count_are_even_fixed_sizes(name, pmf):
    tgt = _target(pmf)
    L = pmf.ndim
    for K in range(1, L + 1):
        for build, label in ((balanced, "balanced"), (count, "count")):
            sch = build(K, L)
            sizes = _schedule_sizes(sch)
            assert len(sizes) == K and sum(sizes) == L
            assert set(sizes) <= {L // K, -(-L // K)}, (label, K, sizes)
            want_kl, want_mix = O.fixed_sampler_direct(pmf, sizes)
            _assert_num_close(expected_kl(tgt, sch), want_kl, f"{name} {label}:{K} {sizes}")
            _assert_law_close(mixture_law(tgt, sch), want_mix, f"{name} {label}:{K} {sizes}")


def test_parse_sampler_builds_the_same_schedules():
    pmf = LAWS[IDS.index("q3-L4-a0.3-z0.3")][1]
    tgt = _target(pmf)
    cases = [("fixed:sizes=2+1+1", O.fixed_sampler_direct(pmf, (2, 1, 1))),
             ("balanced:K=3", None), ("count:N=2", O.fixed_sampler_direct(pmf, (2, 2))),
             ("mdm:N=3", O.mdm_direct(pmf, [1 / 3] * 3)),
             ("mdm:pi=0.2+0+0.8", O.mdm_direct(pmf, [0.2, 0.0, 0.8])),
             ("random-size:law=1/2@1+3;1/2@2+2",
              O.random_size_direct(pmf, [(0.5, (1, 3)), (0.5, (2, 2))]))]
    for spec, want in cases:
        sch = parse_sampler(spec, 4)
        if want is None:
            want = O.fixed_sampler_direct(pmf, _schedule_sizes(sch))
        _assert_num_close(expected_kl(tgt, sch), want[0], spec)
        _assert_law_close(mixture_law(tgt, sch), want[1], spec)


# ------------------------------------------------------------------ marginals, conditionals, measures

@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_marginals_and_conditionals_including_off_support(name, pmf):
    q, L = pmf.shape[0], pmf.ndim
    m = Marginals(_target(pmf))
    off_rows = 0
    for r in range(L + 1):
        for S in itertools.combinations(range(L), r):
            marg = np.asarray(m.marginal(S), dtype=float)
            _assert_law_close(marg, O.marginal_direct(pmf, S), f"{name} marginal {S}")
            for i in range(L):
                if i in S:
                    continue
                cond = np.asarray(m.conditional(i, S), dtype=float)
                assert cond.shape == (q,) * len(S) + (q,)
                for xS in itertools.product(range(q), repeat=len(S)):
                    want = O.conditional_direct(pmf, i, dict(zip(S, xS)))
                    if np.asarray(marg)[xS] == 0:
                        off_rows += 1
                        np.testing.assert_array_equal(want, np.full(q, 1 / q))
                    np.testing.assert_allclose(cond[xS], want, rtol=RTOL, atol=ATOL,
                                               err_msg=f"{name} p_{i}(.|x_{S}={xS})")
    if np.any(pmf == 0) and L >= 2 and np.count_nonzero(pmf) < q ** L // 2:
        assert off_rows > 0, "sparse law produced no off-support row"


@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_measures_match_direct(name, pmf):
    got = measures(_target(pmf))
    want = O.measures_direct(pmf)
    for key in ("H", "TC", "DTC", "DTC_alt", "sum_I"):
        _assert_num_close(got[key], want[key], f"{name} {key}")
    np.testing.assert_allclose([float(v) for v in got["I"]], want["I"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose([float(v) for v in got["profile"]], want["profile"], rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ verify.engine.metrics.measure

METRIC_KEYS = ("H", "TC", "DTC", "sum_I", "expected_kl", "mixture_kl", "tv", "ser", "ter_gap")
MEASURE_CASES = [("q2-L4-a0.1-z0.5", "fixed:sizes=2+2", ("fixed", (2, 2))),
                 ("q2-L5-a0.3-z0.3", "fixed:sizes=1+3+1", ("fixed", (1, 3, 1))),
                 ("q3-L3-a1.0-z0.0", "fixed:sizes=3", ("fixed", (3,))),
                 ("q3-L4-a0.1-z0.5", "mdm:pi=1/4+1/4+1/2", ("mdm", (0.25, 0.25, 0.5))),
                 ("q2-L3-a0.3-z0.3", "count:N=3", ("fixed", (1, 1, 1))),
                 ("q3-L4-a0.3-z0.3", "random-size:law=1/3@4;2/3@1+2+1",
                  ("rs", [(1 / 3, (4,)), (2 / 3, (1, 2, 1))]))]


@pytest.mark.parametrize("lawname,spec,oracle", MEASURE_CASES, ids=[c[1] for c in MEASURE_CASES])
def test_measure_keys_D_MIX_and_output_metrics(lawname, spec, oracle):
    from verify.engine.metrics import measure

    pmf = LAWS[IDS.index(lawname)][1]
    L = pmf.ndim
    res = measure(_target(pmf), spec)
    for key in METRIC_KEYS:
        assert key in res, f"measure() lacks {key!r}"
    kind, arg = oracle
    if kind == "fixed":
        ekl, mix = O.fixed_sampler_direct(pmf, arg)
    elif kind == "mdm":
        ekl, mix = O.mdm_direct(pmf, arg)
    else:
        ekl, mix = O.random_size_direct(pmf, arg)
    meas = O.measures_direct(pmf)
    for key in ("H", "TC", "DTC", "sum_I"):
        _assert_num_close(res[key], meas[key], f"{spec} {key}")
    _assert_num_close(res["expected_kl"], ekl, f"{spec} expected_kl")
    mix_kl = O.kl(pmf, mix)
    _assert_num_close(res["mixture_kl"], mix_kl, f"{spec} mixture_kl")
    assert float(res["mixture_kl"]) <= float(res["expected_kl"]) + 1e-12       # D-MIX
    _assert_num_close(res["tv"], O.tv(pmf, mix), f"{spec} tv")
    _assert_num_close(res["ser"], O.ser(pmf, mix), f"{spec} ser")
    _assert_num_close(res["ter_gap"], mix_kl / L, f"{spec} ter_gap")
    # generative log-perplexity gap: (E_r[-log p] - H)/L, reported only when finite (SER = 0)
    if O.ser(pmf, mix) == 0:
        want = (-sum(mix[x] * math.log(pmf[x]) for x in np.ndindex(pmf.shape) if mix[x] > 0)
                - meas["H"]) / L
        _assert_num_close(res["gen_logppl_gap"], want, f"{spec} gen_logppl_gap")
    else:
        assert res.get("gen_logppl_gap") is None or res["gen_logppl_gap"] == math.inf


def test_measure_ser_positive_on_sparse_law_with_parallel_blocks():
    """SER > 0 must be seen: a one-block sampler on a sparse correlated law leaves the support."""
    from verify.engine.metrics import measure

    pmf = O.parity_code(2, 3)
    res = measure(make_target(pmf, 2, 3), "fixed:sizes=3")
    assert float(res["ser"]) == pytest.approx(0.5, abs=1e-12)
    assert float(res["tv"]) == pytest.approx(0.5, abs=1e-12)
    assert float(res["expected_kl"]) == pytest.approx(math.log(2), abs=1e-12)
