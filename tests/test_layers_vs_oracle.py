"""Batched layers (verify/engine/layers.py) and the compiled kernel (verify/engine/kernels.py) against the
brute-force oracles of tests/oracles.py, and the DP's memory estimate against a measured peak.

The numpy path of the batched DP is what ``mixture_law`` runs on every small case, so the oracle
tests of test_engine_vs_oracle.py cover it; here the compiled path is forced on small laws, the
layer helpers are checked one by one, and the size guard is checked to bound tracemalloc's peak.
Float tolerances are engine cross-checks, not verdicts.
"""
from __future__ import annotations

import itertools
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

import oracles as O
from verify.errors import TooLarge
from verify.engine.info import Marginals
from verify.engine.laws import law_peak_bytes, mixture_law
from verify.engine.info import rank_table, subsets
from verify.engine.layers import conditional_layer
from verify.engine.plans import fixed, mdm, random_size
from verify.engine.samplers import parse_sampler
from verify.engine.predictors import parse_predictor
from verify.engine.target import make_target

RTOL, ATOL = 1e-9, 1e-12


def _laws():
    rng = np.random.default_rng(20260511)
    return [("q2-L5-sparse", O.random_law(rng, 2, 5, 0.3, 0.3)),
            ("q3-L4-sparse", O.random_law(rng, 3, 4, 0.1, 0.5)),
            ("q2-L6-dense", O.random_law(rng, 2, 6, 1.0, 0.0))]


LAWS = _laws()
IDS = [n for n, _ in LAWS]


def _target(pmf):
    return make_target(pmf, pmf.shape[0], pmf.ndim)


def test_subsets_and_rank_table_index_every_set_once():
    L = 6
    ranks = rank_table(L)
    for n in range(L + 1):
        rows = [tuple(r) for r in subsets(L, n)]
        assert rows == list(itertools.combinations(range(L), n))
        masks = [sum(1 << j for j in r) for r in rows]
        assert [int(ranks[m]) for m in masks] == list(range(len(rows)))


@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_marginal_and_conditional_layers_match_the_oracle(name, pmf):
    q, L = pmf.shape[0], pmf.ndim
    m = Marginals(_target(pmf))
    for n in range(L + 1):
        layer = m.layer(n)
        for a, S in enumerate(itertools.combinations(range(L), n)):
            np.testing.assert_allclose(layer[..., a], O.marginal_direct(pmf, S), rtol=RTOL, atol=ATOL)
    for n in range(L):
        cond = conditional_layer(m, parse_predictor(None), n)
        bf = conditional_layer(m, parse_predictor(None), n, batch_first=True)
        for a, A in enumerate(itertools.combinations(range(L), n + 1)):
            for r, i in enumerate(A):
                B = tuple(j for j in A if j != i)
                for xB in itertools.product(range(q), repeat=n):
                    want = O.conditional_direct(pmf, i, dict(zip(B, xB)))
                    np.testing.assert_allclose(cond[(r, slice(None)) + xB + (a,)], want, rtol=RTOL, atol=ATOL)
                    code = int(np.ravel_multi_index(xB, (q,) * n)) if n else 0
                    np.testing.assert_allclose(bf[a, r, :, code], want, rtol=RTOL, atol=ATOL)


def _cases(L):
    return [fixed((2, L - 2), L), fixed((1,) * L, L), fixed((L,), L),
            mdm([Fraction(1, 3)] * 3, L), mdm([Fraction(1, 5), Fraction(0), Fraction(4, 5)], L),
            random_size([(Fraction(1, 2), (1, L - 1)), (Fraction(1, 2), (L - 2, 2))], L)]


def _oracle(pmf, sch):
    kind, L = sch.kind, pmf.ndim
    if kind == "mdm":
        return O.mdm_direct(pmf, [float(p) for p in sch.params["pi"]])[1]
    if kind == "random-size":
        return O.random_size_direct(pmf, [(float(p), s) for p, s in sch.params["law"]])[1]
    return O.fixed_sampler_direct(pmf, sch.params["sizes"])[1]


@pytest.mark.parametrize("name,pmf", LAWS, ids=IDS)
def test_compiled_kernel_matches_the_oracle(name, pmf):
    pytest.importorskip("numba")
    tgt = _target(pmf)
    for sch in _cases(pmf.ndim):
        got = mixture_law(tgt, sch, compiled=True)
        np.testing.assert_allclose(got, _oracle(pmf, sch), rtol=RTOL, atol=ATOL, err_msg=sch.spec)
        # numpy and compiled paths multiply in the same order: equal to the last bit
        np.testing.assert_array_equal(got, mixture_law(tgt, sch, compiled=False), err_msg=sch.spec)


def test_compiled_kernel_with_an_imperfect_predictor():
    pytest.importorskip("numba")
    name, pmf = LAWS[1]
    tgt = _target(pmf)
    lam = 0.1
    cond = O.mix_predictor(pmf, lam)
    sch = mdm([Fraction(1, 2)] * 2, pmf.ndim)
    want = O.mdm_direct(pmf, [0.5, 0.5], cond)[1]
    got = mixture_law(tgt, sch, parse_predictor("mix:lam=1/10"), compiled=True)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_exact_layers_equal_float_layers_to_rounding_and_are_rationals():
    pmf = LAWS[0][1]
    tgt = make_target(pmf, 2, 5, exact=True)
    sch = mdm([Fraction(1, 3)] * 3, 5)
    r = mixture_law(tgt, sch)
    assert r.dtype == object and type(r.reshape(-1)[0]).__name__ == "fmpq"
    assert sum(r.reshape(-1)) == 1  # an exact law
    np.testing.assert_allclose(np.vectorize(float)(r), _oracle(pmf, sch), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("spec,sampler", [("markov:L=10,q=2,flip=1/10", "balanced:K=3"),
                                          ("markov:L=9,q=2,flip=1/10", "mdm:N=3"),
                                          ("coloring3:L=7", "fixed:sizes=3+4")])
def test_memory_estimate_bounds_the_measured_peak(spec, sampler):
    """law_peak_bytes must bound what the DP really allocates (tracemalloc sees numpy's buffers)."""
    from distributions import parse_target

    tgt = parse_target(spec)
    sch = parse_sampler(sampler, tgt.L)
    m = Marginals(tgt)
    m.layer(0)  # the marginal layers belong to the target's cache, not to the DP
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        mixture_law(tgt, sch, marginals=m, compiled=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base <= law_peak_bytes(sch, tgt.q, False), (peak - base, law_peak_bytes(sch, tgt.q, False))


def test_size_guard_refuses_before_allocating(monkeypatch):
    from distributions import parse_target

    tgt = parse_target("markov:L=10,q=2,flip=1/10")
    sch = parse_sampler("balanced:K=2", 10)
    monkeypatch.setenv("VERIFY_MAX_BYTES", str(law_peak_bytes(sch, 2, False) / 2))
    with pytest.raises(TooLarge):
        mixture_law(tgt, sch)
