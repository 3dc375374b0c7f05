"""CL26 quantities against the brute-force oracle, the ITERQ witness family, CL26.L1 as a
property over random rational laws, and the copy-law closed forms behind CL26.MAX.

Float tolerances compare the engine's float mode with the oracle (cross-checks, not verdicts);
CL26.L1 and the copy-law forms are decided exactly (certify / LogLinear equality).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

import adaptive_oracle as AO
import oracles as O
from verify.engine.adaptive import run_chain
from verify.certify.verdicts import check_le
from verify.engine.info import measures
from verify.certify.logforms import LogLinear
from verify.engine.target import make_target

RTOL, ATOL = 1e-9, 1e-12


def _laws():
    rng = np.random.default_rng(2622)
    return [O.random_law(rng, 2, 4, 1.0, 0.0), O.random_law(rng, 2, 4, 0.3, 0.3), O.random_law(rng, 3, 3, 0.5, 0.0)]


@pytest.mark.parametrize("k", range(3))
def test_path_statistics_vs_oracle(k):
    """steps_ge2 (CL26.STEP), E_π H(q_π) (CL26.ITERQ) and the per-state maxima of Σ min(H, η)
    (CL26.BUDGET) and Σ H − max H (CL26.STEP.state) against every order and path."""
    pmf = _laws()[k]
    t = make_target(pmf, pmf.shape[0], pmf.ndim)
    for eta in (Fraction(1, 1000), Fraction(3, 10), Fraction(9, 10)):
        res = run_chain(t, f"entropy-sum:eta={eta}", stats=True)
        stats: dict = {}
        want = AO.entropy_sum_direct(pmf, AO.FloatDecide(eta), stats=stats)
        for got, exp, what in ((res.steps_ge2, want["steps_ge2"], "steps_ge2"),
                               (res.entropy_sum_sampler, want["entropy_q"], "E_pi H(q_pi)"),
                               (res.budget_max, stats["budget"], "budget max"),
                               (res.excess_max, stats["excess"], "excess max")):
            assert float(got) == pytest.approx(exp, rel=RTOL, abs=ATOL), (what, float(eta))
        assert float(res.budget_max) <= 2 * float(eta) + 1e-12


def _noisy_constant_strings(L: int, noise: Fraction) -> np.ndarray:
    """(1 − ε)·(½ on 0…0 and 1…1) + ε·uniform: the CL26.ITERQ witness family."""
    pmf = np.full((2,) * L, noise / 2 ** L, dtype=object)
    pmf[(0,) * L] += (1 - noise) / 2
    pmf[(1,) * L] += (1 - noise) / 2
    return pmf


def test_iterq_witness_sampler_count_not_bounded_by_H_p():
    """L = 5, ε = 1/10, η = 1: E_p[T] ≤ 1 + H(p)/η < E_q[T] ≤ 1 + E_π H(q_π)/η (oracle values).
    The sampler draws the first two tokens independently; when they disagree it is off the
    constant strings and keeps paying log 2 per token, which H(p) does not see."""
    pmf = _noisy_constant_strings(5, Fraction(1, 10))
    f = np.asarray(pmf, dtype=float)
    H = -sum(v * math.log(v) for v in f.ravel() if v > 0)
    want = AO.entropy_sum_direct(f, AO.FloatDecide(1.0))
    assert want["iters_data"] <= 1 + H / 1.0 < want["iters_sampler"] - 0.1
    assert want["iters_sampler"] <= 1 + want["entropy_q"] / 1.0
    res = run_chain(make_target(f, 2, 5), "entropy-sum:eta=1")
    assert float(res.expected_iterations_sampler) == pytest.approx(want["iters_sampler"], rel=RTOL)
    assert float(res.expected_iterations) == pytest.approx(want["iters_data"], rel=RTOL)


def _exact_target(weights, q, L):
    arr = np.empty(len(weights), dtype=object)
    tot = sum(weights)
    for i, w in enumerate(weights):
        arr[i] = fmpq(w, tot)
    return make_target(arr.reshape((q,) * L), q, L, exact=True)


@settings(max_examples=25)
@given(st.sampled_from([(2, 2), (2, 3), (3, 2), (2, 4)]).flatmap(
    lambda qL: st.tuples(st.just(qL), st.lists(st.integers(0, 6), min_size=qL[0] ** qL[1],
                                               max_size=qL[0] ** qL[1]).filter(lambda w: sum(w) > 0))))
def test_cl26_l1_property_over_random_laws(case):
    """CL26.L1 (reported): TC ≤ Σ_{i≠j} I(X_i; X_{−i}) for every j, certified on random rational laws."""
    (q, L), weights = case
    info = measures(_exact_target(weights, q, L))
    for j in range(L):
        v = check_le(info["TC"], info["sum_I"] - info["I"][j])
        assert v.holds, (weights, j, v)


def _copy_law(L, delta):
    pmf = np.empty((2,) * L, dtype=object)
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = fmpq(0)
    pmf[(0,) * L], pmf[(1,) * L] = 1 - delta, delta
    return make_target(pmf, 2, L, exact=True)


@pytest.mark.parametrize("L", [3, 5])
def test_cl26_max_copy_law_closed_forms(L):
    """Copy law Bern(1/3), h = (1/3) log(27/4): for η ≥ h the max-entropy rule reveals all L
    tokens at once and pays (L − 1) h exactly, the sum rule (m − 1) h ≤ η with
    m = min(⌊η/h⌋ + 1, L); for η < h both pay 0."""
    delta = fmpq(1, 3)
    t = _copy_law(L, delta)
    h = LogLinear.log(fmpq(27, 4), fmpq(1, 3))
    hf = math.log(27 / 4) / 3
    for eta_text, eta_f in (("1/2", 0.5), ("1/3*log(27/4)", hf), ("1", 1.0), ("3/2", 1.5)):
        mx = run_chain(t, f"max-entropy:eta={eta_text}")
        es = run_chain(t, f"entropy-sum:eta={eta_text}")
        if eta_f < hf - 1e-12:
            assert mx.expected_kl == LogLinear.constant(0) and es.expected_kl == LogLinear.constant(0)
            continue
        m = min(math.floor(eta_f / hf + 1e-12) + 1, L)
        assert mx.expected_kl == h * (L - 1)
        assert es.expected_kl == h * (m - 1)
        assert check_le(es.expected_kl, mx.expected_kl).holds
