"""Profile engine (D-PROFILE, CLAIMS §8): closed-form entropy profiles equal brute-force subset entropies.

Exact checks compare canonical forms Σ_p c_p log p (primes, rational c_p): the oracle factors with
sympy, the engine's LogLinear gives ``canonical()`` — equality of dicts is exact equality of the
real numbers (unique factorisation). Float checks extend to L = 10.
"""
from fractions import Fraction

import numpy as np
import pytest

from tests import profile_oracles as O
from verify.engine.profile.entropy import entropy_profile, markov_profile


def canon(form) -> dict:
    c0, terms = form.canonical()
    assert c0 == 0
    return {int(p): Fraction(int(e.p), int(e.q)) for p, e in terms.items()}


def sym_chain(q, flip):
    flip = Fraction(flip)
    return [Fraction(1, q)] * q, [[1 - flip if a == b else flip / (q - 1) for b in range(q)] for a in range(q)]


COLOR = ([Fraction(1, 3)] * 3, [[Fraction(0) if a == b else Fraction(1, 2) for b in range(3)] for a in range(3)])


def random_chain(rng, q):
    """Small-integer weights (exact, factorable), non-stationary start, some zero transitions."""
    start = rng.integers(1, 6, size=q)
    trans = rng.integers(0, 5, size=(q, q))
    trans[np.arange(q), rng.integers(0, q, size=q)] += 1  # every row has mass
    return ([Fraction(int(v), int(start.sum())) for v in start],
            [[Fraction(int(v), int(r.sum())) for v in r] for r in trans])


def rs_words():
    return [tuple((a + b * t) % 5 for t in range(4)) for a in range(5) for b in range(5)]


def tetra_words():
    return [tuple((a * g + b * h) % 3 for g, h in zip((1, 0, 1, 1), (0, 1, 1, 2))) for a in range(3) for b in range(3)]


SPECS = [
    ("markov:L=6,q=2,flip=1/10", lambda: O.markov_joint(*sym_chain(2, "1/10"), 6)),
    ("markov:L=4,q=3,flip=1/4", lambda: O.markov_joint(*sym_chain(3, "1/4"), 4)),
    ("coloring3:L=6", lambda: O.markov_joint(*COLOR, 6)),
    ("mds:q=2,L=6,k=1", lambda: O.uniform_joint([(a,) * 6 for a in range(2)])),
    ("mds:q=3,L=5,k=4", lambda: O.uniform_joint([x for x in __import__("itertools").product(range(3), repeat=5)
                                                  if sum(x) % 3 == 0])),
    ("mds:q=3,L=4,k=2,code=tetracode", lambda: O.uniform_joint(tetra_words())),
    ("mds:q=5,L=4,k=2,code=rs", lambda: O.uniform_joint(rs_words())),
    ("copy:L=6,delta=1/3", lambda: {(0,) * 6: Fraction(2, 3), (1,) * 6: Fraction(1, 3)}),
    ("product:L=5,q=2,p=1/4+3/4", lambda: O.markov_joint([Fraction(1, 4), Fraction(3, 4)],
                                                          [[Fraction(1, 4), Fraction(3, 4)]] * 2, 5)),
    ("potts:graph=path,L=5,q=2,w=3", lambda: O.markov_joint([Fraction(1, 2)] * 2,
                                                             [[Fraction(3, 4), Fraction(1, 4)],
                                                              [Fraction(1, 4), Fraction(3, 4)]], 5)),
]


def oracle_info(joint, L):
    """H, TC = Σ H(X_i) − H, DTC = Σ H(X_{−i}) − (L−1) H as canonical forms (definitions, not h)."""
    full = tuple(range(L))
    H = O.entropy_form(joint, full)
    TC: dict = {}
    DTC: dict = {}
    for i in range(L):
        O.add_form(TC, O.entropy_form(joint, (i,)), 1)
        O.add_form(DTC, O.entropy_form(joint, tuple(j for j in full if j != i)), 1)
    O.add_form(TC, H, -1)
    O.add_form(DTC, H, -(L - 1))
    return {"H": H, "TC": O.clean(TC), "DTC": O.clean(DTC)}


@pytest.mark.parametrize("spec,joint", SPECS, ids=[s for s, _ in SPECS])
def test_closed_form_profile_equals_subset_entropies_exactly(spec, joint):
    prof = entropy_profile(spec)
    assert prof.kind != "enumeration", "a closed form is expected for this family"
    joint = joint()
    L = prof.L
    want = O.profile_forms(joint, L)
    got = prof.exact_values()
    for m in range(1, L + 1):
        assert canon(got[m]) == want[m], f"h({m})"
    info = prof.information(True)
    for k, v in oracle_info(joint, L).items():
        assert canon(info[k]) == v, k
    assert np.allclose(prof.values(), [O.form_value(f) for f in want], atol=1e-12)


@pytest.mark.parametrize("seed,q,L", [(0, 2, 5), (1, 3, 4), (2, 2, 6), (3, 3, 5)])
def test_random_markov_chain_nonstationary_start_exact(seed, q, L):
    start, trans = random_chain(np.random.default_rng(seed), q)
    prof = markov_profile(L, start, trans)
    want = O.profile_forms(O.markov_joint(start, trans, L), L)
    got = prof.exact_values()
    for m in range(1, L + 1):
        assert canon(got[m]) == want[m], f"h({m})"


def test_closed_forms_match_float_enumeration_up_to_L10(profile):
    Ls = (7,) if profile == "ci" else (7, 8, 9, 10)
    for L in Ls:
        rng = np.random.default_rng(L)
        chains = [random_chain(rng, 2), random_chain(rng, 3), COLOR]
        for start, trans in chains:
            want = O.float_profile(O.markov_joint(start, trans, L), L)
            assert np.allclose(markov_profile(L, start, trans).values(), want, atol=1e-10), (L, start, trans)
    # q = 2 at L = 10 is cheap enough for ci (q = 3 beyond L = 7 only in deep)
    start, trans = random_chain(np.random.default_rng(10), 2)
    want = O.float_profile(O.markov_joint(start, trans, 10), 10)
    assert np.allclose(markov_profile(10, start, trans).values(), want, atol=1e-10)


def test_mds_and_copy_closed_forms_at_any_length():
    # h(m) = min(m, k) log q and h(m) = H(ν): closed forms, checked exactly at L = 1024.
    import math
    prof = entropy_profile("mds:q=2,L=1024,k=1023")
    info = prof.information(True)
    assert canon(info["TC"]) == {2: 1} and canon(info["DTC"]) == {2: 1023}
    copy = entropy_profile("copy:L=1024,delta=1/3").information(True)
    # H(1/3) = log 3 − (2/3) log 2; TC = (L − 1) H; DTC = H.
    assert canon(copy["TC"]) == {3: 1023, 2: Fraction(-2 * 1023, 3)}
    assert canon(copy["DTC"]) == {3: 1, 2: Fraction(-2, 3)}  # DTC = H: each X_i is fixed by the rest
    assert math.isclose(float(copy["H"]), math.log(3) - 2 / 3 * math.log(2), rel_tol=1e-15)


def test_closed_forms_exact_at_L10(profile):
    """Certified (exact canonical-form) agreement at L = 10: repetition and copy in ci; parity, the
    3-colouring chain and a flip chain in deep (their 2^10 exact subset entropies take longer)."""
    import itertools
    L = 10
    cases = [("mds:q=2,L=10,k=1", O.uniform_joint([(a,) * L for a in range(2)])),
             ("copy:L=10,delta=1/4", {(0,) * L: Fraction(3, 4), (1,) * L: Fraction(1, 4)})]
    if profile != "ci":
        cases += [("mds:q=2,L=10,k=9",
                   O.uniform_joint([x for x in itertools.product(range(2), repeat=L) if sum(x) % 2 == 0])),
                  ("coloring3:L=10", O.markov_joint(*COLOR, L)),
                  ("markov:L=10,q=2,flip=1/10", O.markov_joint(*sym_chain(2, "1/10"), L))]
    for spec, joint in cases:
        got = entropy_profile(spec).exact_values()
        want = O.profile_forms(joint, L)
        for m in range(1, L + 1):
            assert canon(got[m]) == want[m], (spec, m)
