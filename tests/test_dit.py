"""verify.engine.info.measures against dit (an independent implementation) on random laws, sparse included.

dit's multivariate measures return bits for a linear-base Distribution; we convert to nats.
"""
from __future__ import annotations

import itertools
import math

import dit
import numpy as np
import pytest
from dit.multivariate import dual_total_correlation, entropy, total_correlation
from dit.shannon import mutual_information

import oracles as O
from verify.engine.info import measures
from verify.engine.target import make_target

LN2 = math.log(2)


def _dit_dist(pmf):
    q, L = pmf.shape[0], pmf.ndim
    outcomes, probs = [], []
    for x in itertools.product(range(q), repeat=L):
        if pmf[x] > 0:
            outcomes.append("".join(str(v) for v in x))
            probs.append(float(pmf[x]))
    d = dit.Distribution(outcomes, probs)
    assert d.get_base() == "linear"          # measures below are then in bits
    return d


def _laws():
    rng = np.random.default_rng(777)
    out = []
    for q, L in [(2, 2), (2, 3), (2, 4), (2, 5), (3, 2), (3, 3), (3, 4)]:
        for alpha, zf in [(1.0, 0.0), (0.2, 0.0), (0.5, 0.5)]:
            out.append((f"q{q}-L{L}-a{alpha}-z{zf}", O.random_law(rng, q, L, alpha, zf)))
    out.append(("parity-q3-L3", O.parity_code(3, 3)))
    out.append(("repetition-q2-L4", O.repetition_code(2, 4)))
    return out


LAWS = _laws()


@pytest.mark.parametrize("name,pmf", LAWS, ids=[n for n, _ in LAWS])
def test_H_TC_DTC_match_dit(name, pmf):
    q, L = pmf.shape[0], pmf.ndim
    got = measures(make_target(pmf, q, L))
    d = _dit_dist(pmf)
    assert float(got["H"]) == pytest.approx(entropy(d) * LN2, rel=1e-9, abs=1e-12)
    assert float(got["TC"]) == pytest.approx(total_correlation(d) * LN2, rel=1e-9, abs=1e-12)
    assert float(got["DTC"]) == pytest.approx(dual_total_correlation(d) * LN2, rel=1e-9, abs=1e-12)
    assert float(got["DTC_alt"]) == pytest.approx(dual_total_correlation(d) * LN2, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name,pmf", LAWS[::3], ids=[n for n, _ in LAWS[::3]])
def test_I_i_and_profile_match_dit(name, pmf):
    """I_i = I(X_i; X_{-i}) and h(m) = mean_{|A|=m} H(X_A), each from dit."""
    q, L = pmf.shape[0], pmf.ndim
    got = measures(make_target(pmf, q, L))
    d = _dit_dist(pmf)
    rvs = list(range(L))
    want_I = [mutual_information(d, [i], [j for j in rvs if j != i]) * LN2 for i in rvs]
    np.testing.assert_allclose([float(v) for v in got["I"]], want_I, rtol=1e-9, atol=1e-12)
    want_prof = [0.0] + [np.mean([entropy(d, list(A)) for A in itertools.combinations(rvs, m)]) * LN2
                         for m in range(1, L + 1)]
    np.testing.assert_allclose([float(v) for v in got["profile"]], want_prof, rtol=1e-9, atol=1e-12)
