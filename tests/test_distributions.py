"""The target zoo (docs/index.md §4): shapes, exact normalisation, closed forms, files, spec errors.

Expected values come from closed forms written here (independent of distributions/), never from
the module's own output.
"""
from __future__ import annotations

import itertools
import json
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

from distributions import FAMILIES, parse_target, zoo_grid
from verify.errors import SpecError, TooLarge
from verify.engine.target import as_float

GRID = [(L, 2) for L in range(1, 7)] + [(L, 3) for L in range(1, 5)]


def F(x) -> fmpq:
    fr = Fraction(x)
    return fmpq(fr.numerator, fr.denominator)


def exact_total(pmf) -> fmpq:
    return sum(pmf.reshape(-1), fmpq(0))


def words(q: int, L: int):
    return itertools.product(range(q), repeat=L)


def support(pmf) -> list[tuple]:
    return [x for x in np.ndindex(pmf.shape) if pmf[x] != 0]


def marginal(pmf: np.ndarray, A) -> np.ndarray:
    """p_A by summing out the positions not in A (float)."""
    others = tuple(i for i in range(pmf.ndim) if i not in A)
    return np.asarray(pmf, dtype=np.float64).sum(axis=others)


def entropy(p: np.ndarray) -> float:
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


# --- every zoo law: shape, exact sum 1, float = exact to rounding ------------------------

@pytest.mark.parametrize("L,q", GRID)
def test_zoo_specs_build_exact_and_float_laws_that_agree(L, q):
    specs = zoo_grid(L, q)
    assert 10 <= len(specs) <= 22
    families = {s.split(":")[0] for s in specs}
    expected = {"product", "dirichlet", "markov", "ngram", "hmm", "lowentropy", "mds", "potts", "mixture"}
    expected |= {"copy"} if q == 2 else {"coloring3"} if q == 3 else set()
    assert expected <= families
    for spec in specs:
        ex = parse_target(spec, exact=True)
        fl = parse_target(spec)
        assert (ex.q, ex.L) == (fl.q, fl.L) == (q, L), spec
        assert ex.pmf.shape == fl.pmf.shape == (q,) * L, spec
        assert ex.pmf.dtype == object and all(isinstance(v, fmpq) for v in ex.pmf.reshape(-1)), spec
        assert exact_total(ex.pmf) == 1, spec
        assert all(v >= 0 for v in ex.pmf.reshape(-1)), spec
        assert fl.pmf.dtype == np.float64 and abs(fl.pmf.sum() - 1) < 1e-12, spec
        np.testing.assert_allclose(fl.pmf, as_float(ex.pmf), rtol=1e-12, atol=1e-15, err_msg=spec)
        assert ex.spec == spec and ex.name == spec.split(":")[0]


def test_zoo_has_mds_variants_where_they_exist():
    assert "mds:q=3,L=4,k=2,code=tetracode" in zoo_grid(4, 3)
    assert any("code=rs" in s for s in zoo_grid(3, 3))
    z = zoo_grid(5, 2)
    assert "mds:q=2,L=5,k=1" in z and "mds:q=2,L=5,k=4" in z


def test_brief_examples_parse():
    for spec in ["markov:L=6,q=2,flip=0.1", "coloring3:L=5", "mds:q=5,L=4,k=2",
                 "dirichlet:L=4,q=2,alpha=0.3,seed=7",
                 "mixture:weights=1/2+1/2,of=[copy:L=4,delta=1/2]+[product:L=4,q=2]"]:
        t = parse_target(spec, exact=True)
        assert exact_total(t.pmf) == 1


def test_decimal_and_fraction_parameters_are_the_same_rational():
    a = parse_target("markov:L=4,q=2,flip=0.1", exact=True).pmf
    b = parse_target("markov:L=4,q=2,flip=1/10", exact=True).pmf
    assert all(x == y for x, y in zip(a.reshape(-1), b.reshape(-1)))


def test_families_registry_documents_every_family():
    assert set(FAMILIES) == {"product", "dirichlet", "markov", "ngram", "hmm", "coloring3", "mds",
                             "copy", "lowentropy", "mixture", "potts", "file", "noisy-copy"}
    for name, fam in FAMILIES.items():
        assert fam.summary and fam.supports and fam.example.startswith(name)
        assert name in fam.usage() and all(k.name in fam.usage() for k in fam.keys)
        if name != "file":
            parse_target(fam.example)  # the documented example works


# --- closed forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("L", range(1, 7))
def test_coloring3_uniform_on_proper_colourings(L):
    """FG25.SER chain: 3·2^(L−1) proper colourings of the path, each 1/(3·2^(L−1))."""
    pmf = parse_target(f"coloring3:L={L}", exact=True).pmf
    n = 3 * 2 ** (L - 1)
    supp = support(pmf)
    assert len(supp) == n
    assert all(pmf[x] == fmpq(1, n) for x in supp)
    assert all(x[i] != x[i + 1] for x in supp for i in range(L - 1))
    proper = {x for x in words(3, L) if all(x[i] != x[i + 1] for i in range(L - 1))}
    assert set(supp) == proper


MDS_CASES = [  # (q, L, k, code expected when chosen automatically)
    (2, 4, 1, "repetition"), (3, 3, 1, "repetition"), (4, 3, 1, "repetition"),
    (2, 4, 3, "parity"), (3, 3, 2, "parity"), (4, 3, 2, "parity"), (2, 6, 5, "parity"),
    (5, 4, 2, "rs"), (5, 5, 3, "rs"), (7, 4, 2, "rs"), (3, 3, 3, "rs"),
    (3, 4, 2, "tetracode"),
]


@pytest.mark.parametrize("q,L,k,code", MDS_CASES)
def test_mds_entropy_profile_and_distance(q, L, k, code):
    """H(X_A) = min(|A|, k) log q for every A; q^k codewords; minimum distance L − k + 1."""
    t = parse_target(f"mds:q={q},L={L},k={k}", exact=True)
    assert t.params["code"] == code
    supp = support(t.pmf)
    assert len(supp) == q**k
    assert all(t.pmf[x] == fmpq(1, q**k) for x in supp)
    for r in range(1, L + 1):
        for A in itertools.combinations(range(L), r):
            assert entropy(marginal(t.pmf, A)) == pytest.approx(min(r, k) * math.log(q), abs=1e-12)
    dmin = min(sum(a != b for a, b in zip(x, y)) for x, y in itertools.combinations(supp, 2))
    assert dmin == L - k + 1  # Singleton bound met with equality
    if code == "parity":
        assert all(sum(x) % q == 0 for x in supp)
    if code == "repetition":
        assert all(len(set(x)) == 1 for x in supp)


def test_reed_solomon_codewords_are_polynomial_evaluations():
    q, L, k = 5, 4, 2
    supp = set(support(parse_target(f"mds:q={q},L={L},k={k},code=rs").pmf))
    evals = {tuple(sum(c * a**j for j, c in enumerate(coef)) % q for a in range(L))
             for coef in words(q, k)}
    assert supp == evals


def test_tetracode_is_the_ternary_42_code():
    supp = set(support(parse_target("mds:q=3,L=4,k=2,code=tetracode").pmf))
    gen = [(1, 0, 1, 1), (0, 1, 1, 2)]
    span = {tuple((a * g0 + b * g1) % 3 for g0, g1 in zip(*gen)) for a in range(3) for b in range(3)}
    assert supp == span


@pytest.mark.parametrize("L,delta", [(1, "1/3"), (3, "1/3"), (5, "0.25"), (4, "0"), (2, "1")])
def test_copy_law_masses(L, delta):
    d = F(delta)
    pmf = parse_target(f"copy:L={L},delta={delta}", exact=True).pmf
    assert pmf[(0,) * L] == 1 - d
    assert pmf[(1,) * L] == d
    other = [pmf[x] for x in np.ndindex(pmf.shape) if len(set(x)) > 1]
    assert all(v == 0 for v in other)


@pytest.mark.parametrize("q,flip", [(2, "1/10"), (3, "1/3"), (4, "0.2")])
def test_markov_pair_marginals_match_transition(q, flip):
    """Consecutive pairs: P(X_i = a, X_{i+1} = b) = T(a, b)/q with T the symmetric flip matrix."""
    L, rho = 5, F(flip)
    pmf = parse_target(f"markov:L={L},q={q},flip={flip}", exact=True).pmf
    T = [[1 - rho if a == b else rho / (q - 1) for b in range(q)] for a in range(q)]
    for i in range(L - 1):
        others = tuple(j for j in range(L) if j not in (i, i + 1))
        pair = pmf.sum(axis=others)
        for a, b in itertools.product(range(q), repeat=2):
            assert pair[a, b] == T[a][b] / q
    # the whole law: (1/q)(1−ρ)^(L−1−c)(ρ/(q−1))^c with c the number of changes
    for x in [(0,) * L, tuple(i % q for i in range(L)), (0, 0, 1, 1, 0)]:
        c = sum(x[i] != x[i + 1] for i in range(L - 1))
        assert pmf[x] == fmpq(1, q) * (1 - rho) ** (L - 1 - c) * (rho / (q - 1)) ** c


def _is_order_n_markov(pmf, n):
    """p(x_i | x_1..x_{i−1}) = p(x_i | x_{i−n+1}..x_{i−1}) wherever the context has mass (cross-multiplied)."""
    L = pmf.ndim
    for i in range(n, L):  # 0-based position i with full context of n−1
        head = pmf.sum(axis=tuple(range(i + 1, L))) if i + 1 < L else pmf
        prev = head.sum(axis=i)
        win = head.sum(axis=tuple(range(0, i - n + 1))) if i - n + 1 > 0 else head
        win_prev = win.sum(axis=-1)
        for x in np.ndindex(head.shape):
            lhs = head[x] * win_prev[x[i - n + 1:i]]
            rhs = prev[x[:i]] * win[x[i - n + 1:]]
            if lhs != rhs:
                return False
    return True


def test_seeded_markov_and_ngram_have_the_markov_property():
    assert _is_order_n_markov(parse_target("markov:L=5,q=2,seed=3", exact=True).pmf, 2)
    assert _is_order_n_markov(parse_target("ngram:L=5,q=2,n=2,seed=1", exact=True).pmf, 2)
    tri = parse_target("ngram:L=5,q=2,n=3,seed=1", exact=True).pmf
    assert _is_order_n_markov(tri, 3)
    assert not _is_order_n_markov(tri, 2)  # a random order-3 table really uses two tokens back


def test_seeded_markov_is_homogeneous():
    pmf = parse_target("markov:L=5,q=3,seed=2", exact=True).pmf
    conds = []
    for i in range(4):
        pair = pmf.sum(axis=tuple(j for j in range(5) if j not in (i, i + 1)))
        conds.append([[pair[a, b] / pair[a].sum() for b in range(3)] for a in range(3)])
    assert all(c == conds[0] for c in conds)


def test_ngram_order_one_and_hmm_one_state_are_iid():
    for spec in ["ngram:L=4,q=3,n=1,seed=5", "hmm:L=4,q=3,states=1,seed=5"]:
        pmf = parse_target(spec, exact=True).pmf
        m = pmf.sum(axis=(1, 2, 3))
        for x in np.ndindex(pmf.shape):
            assert pmf[x] == m[x[0]] * m[x[1]] * m[x[2]] * m[x[3]], spec


def test_hmm_has_full_support_and_is_not_a_product():
    pmf = parse_target("hmm:L=4,q=2,states=3,seed=0", exact=True).pmf
    assert all(v > 0 for v in pmf.reshape(-1))
    f = as_float(pmf)
    tc = sum(entropy(marginal(f, (i,))) for i in range(4)) - entropy(f)
    assert tc > 1e-6


def test_product_law_with_marginal():
    pmf = parse_target("product:L=3,p=1/4+3/4", exact=True).pmf
    p = [F("1/4"), F("3/4")]
    for x in words(2, 3):
        assert pmf[x] == p[x[0]] * p[x[1]] * p[x[2]]
    u = parse_target("product:L=2,q=3", exact=True).pmf
    assert all(v == fmpq(1, 9) for v in u.reshape(-1))


def test_seeded_product_is_a_product_of_its_marginals():
    pmf = parse_target("product:L=3,q=3,seed=4", exact=True).pmf
    m = [pmf.sum(axis=tuple(j for j in range(3) if j != i)) for i in range(3)]
    assert all(pmf[x] == m[0][x[0]] * m[1][x[1]] * m[2][x[2]] for x in words(3, 3))
    assert m[0][0] != m[1][0] or m[0][1] != m[1][1]  # the marginals differ by position


def test_dirichlet_sparsity_and_reproducibility():
    sparse = parse_target("dirichlet:L=6,q=2,alpha=1/20,seed=1", exact=True).pmf
    zeros = sum(v == 0 for v in sparse.reshape(-1))
    assert 0 < zeros < 64  # small alpha: exact zeros, yet some mass
    dense = parse_target("dirichlet:L=4,q=2,alpha=1,seed=7").pmf
    assert np.all(dense > 0)
    again = parse_target("dirichlet:L=4,q=2,alpha=1,seed=7").pmf
    other = parse_target("dirichlet:L=4,q=2,alpha=1,seed=8").pmf
    assert np.array_equal(dense, again) and not np.array_equal(dense, other)


def test_lowentropy_uniform_on_m_words():
    pmf = parse_target("lowentropy:L=5,q=2,m=6,seed=3", exact=True).pmf
    supp = support(pmf)
    assert len(supp) == 6 and all(pmf[x] == fmpq(1, 6) for x in supp)


@pytest.mark.parametrize("graph,extra", [("path", ""), ("star", ""), ("tree", ""), ("tree", ",seed=4")])
@pytest.mark.parametrize("q,w", [(2, "3"), (3, "1/2")])
def test_potts_on_a_tree_has_partition_function_q_times_w_plus_q_minus_1(graph, extra, q, w):
    """On any tree with L nodes, Z = Σ_x w^{A(x)} = q (w + q − 1)^{L−1}."""
    L, wf = 5, F(w)
    pmf = parse_target(f"potts:graph={graph},L={L},q={q},w={w}{extra}", exact=True).pmf
    Z = q * (wf + q - 1) ** (L - 1)
    assert pmf[(0,) * L] == wf ** (L - 1) / Z  # every edge agrees


@pytest.mark.parametrize("q,w", [(2, "2"), (3, "1/3")])
def test_potts_cycle_and_complete_closed_forms(q, w):
    L, wf = 5, F(w)
    cyc = parse_target(f"potts:graph=cycle,L={L},q={q},w={w}", exact=True).pmf
    Z = (wf + q - 1) ** L + (q - 1) * (wf - 1) ** L  # transfer-matrix eigenvalues w+q−1, w−1 (×(q−1))
    for x in words(q, L):
        A = sum(x[i] == x[(i + 1) % L] for i in range(L))
        assert cyc[x] == wf**A / Z
    com = parse_target(f"potts:graph=complete,L={L},q={q},w={w}", exact=True).pmf
    A = {x: sum(x[i] == x[j] for i, j in itertools.combinations(range(L), 2)) for x in words(q, L)}
    Zc = sum(wf**a for a in A.values())
    assert all(com[x] == wf ** A[x] / Zc for x in A)


def test_potts_hard_constraint_supports():
    """w = 0 leaves the proper 2-colourings: two checkerboards on a 2×3 grid, centre ≠ leaves on a star."""
    grid = parse_target("potts:graph=grid,L=6,q=2,w=0,rows=2", exact=True).pmf
    assert set(support(grid)) == {(0, 1, 0, 1, 0, 1), (1, 0, 1, 0, 1, 0)}
    star = parse_target("potts:graph=star,L=5,q=2,w=0", exact=True).pmf
    assert set(support(star)) == {(0, 1, 1, 1, 1), (1, 0, 0, 0, 0)}
    assert all(star[x] == fmpq(1, 2) for x in support(star))


def test_potts_beta_matches_w_equal_e_to_the_beta():
    a = parse_target("potts:graph=cycle,L=5,q=3,beta=0.6931471805599453").pmf
    b = parse_target("potts:graph=cycle,L=5,q=3,w=2").pmf
    np.testing.assert_allclose(a, b, rtol=1e-12)
    ex = parse_target("potts:graph=cycle,L=5,q=3,beta=0.5", exact=True).pmf
    assert exact_total(ex) == 1


def test_mixture_is_the_weighted_sum():
    L, lam, d = 4, F("1/3"), F("1/5")
    pmf = parse_target(f"mixture:weights=1/3+2/3,of=[copy:L={L},delta=1/5]+[product:L={L},q=2]",
                       exact=True).pmf
    assert pmf[(0,) * L] == lam * (1 - d) + (1 - lam) / 2**L
    assert pmf[(1,) * L] == lam * d + (1 - lam) / 2**L
    assert pmf[(0, 1, 0, 0)] == (1 - lam) / 2**L
    nested = parse_target("mixture:of=[mixture:of=[coloring3:L=3]+[product:L=3,q=3]]+[mds:q=3,L=3,k=1]",
                          exact=True).pmf
    assert nested[0, 0, 0] == fmpq(1, 2) * fmpq(1, 2) * fmpq(1, 27) + fmpq(1, 2) * fmpq(1, 3)


# --- files ----------------------------------------------------------------------------------

def test_npy_round_trip(tmp_path):
    law = np.arange(1, 9, dtype=np.float64).reshape(2, 2, 2) / 36
    path = tmp_path / "law.npy"
    np.save(path, law)
    t = parse_target(f"file:{path}")
    assert (t.q, t.L, t.name) == (2, 3, "file")
    np.testing.assert_allclose(t.pmf, law, rtol=1e-15)
    assert exact_total(parse_target(f"file:{path}", exact=True).pmf) == 1


def test_json_exact_rationals_round_trip(tmp_path):
    pmf = ["1/16", "3/16", "1/4", "1/2"]
    path = tmp_path / "law.json"
    path.write_text(json.dumps({"q": 2, "L": 2, "pmf": pmf}))
    t = parse_target(f"file:{path}", exact=True)
    assert (t.q, t.L) == (2, 2)
    assert [t.pmf[x] for x in words(2, 2)] == [F(v) for v in pmf]
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps({"q": 3, "L": 2, "pmf": [["1/9"] * 3, ["1/9"] * 3, [0.25, "1/36", "1/18"]]}))
    n = parse_target(f"file:{nested}", exact=True)
    assert n.pmf.shape == (3, 3) and n.pmf[2, 0] == fmpq(1, 4) and n.pmf[2, 2] == fmpq(1, 18)


def test_json_decimals_are_read_exactly(tmp_path):
    path = tmp_path / "dec.json"
    path.write_text('{"q": 2, "L": 1, "pmf": [0.1, 0.9]}')
    t = parse_target(f"file:{path}", exact=True)
    assert t.pmf[0] == fmpq(1, 10) and t.pmf[1] == fmpq(9, 10)


@pytest.mark.parametrize("content,field", [
    ('{"q": 2, "L": 1, "pmf": [-0.5, 1.5]}', "target.file.pmf"),
    ('{"q": 2, "L": 1, "pmf": [NaN, 1.0]}', "target.file.pmf"),
    ('{"q": 2, "L": 1, "pmf": [0.5, 0.6]}', "target.file.pmf"),
    ('{"q": 2, "L": 1, "pmf": ["1/3", "1/3"]}', "target.file.pmf"),
    ('{"q": 2, "L": 2, "pmf": [0.5, 0.5]}', "target.file.pmf"),
    ('{"q": 2, "L": 1, "pmf": ["x", "1/2"]}', "target.file.pmf"),
    ('{"L": 1, "pmf": [0.5, 0.5]}', "target.file.q"),
    ('{"q": 2, "L": 0, "pmf": [1]}', "target.file.L"),
    ('not json', "target.file"),
])
def test_bad_json_files(tmp_path, content, field):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SpecError) as err:
        parse_target(f"file:{path}")
    assert err.value.field == field and str(err.value).startswith(field)


def test_bad_npy_files(tmp_path):
    rect = tmp_path / "rect.npy"
    np.save(rect, np.full((2, 3), 1 / 6))
    off = tmp_path / "off.npy"
    np.save(off, np.full((2, 2), 0.3))
    for path in (rect, off):
        with pytest.raises(SpecError) as err:
            parse_target(f"file:{path}")
        assert err.value.field == "target.file.pmf"
    with pytest.raises(SpecError, match="target.file"):
        parse_target(f"file:{tmp_path / 'missing.npy'}")
    with pytest.raises(SpecError, match="target.file"):
        parse_target("file:law.txt")


# --- spec errors ----------------------------------------------------------------------------

BAD_SPECS = [
    ("", "target"),
    ("markov L=6", "target"),
    ("markov:L=6,,q=2,flip=0.1", "target"),
    ("markov:L=6,q=2,flip", "target"),
    ("mixture:of=[copy:L=4", "target"),
    ("nosuch:L=3", "target"),
    ("markov:L=6,q=2,flp=0.1", "target.markov.flp"),
    ("markov:q=2,flip=0.1", "target.markov.L"),
    ("markov:L=6,q=2", "target.markov.flip"),
    ("markov:L=6,q=2,flip=0.1,seed=1", "target.markov.flip"),
    ("markov:L=6,q=2,flip=1.5", "target.markov.flip"),
    ("markov:L=6,q=2,flip=abc", "target.markov.flip"),
    ("markov:L=6,q=1,flip=0.1", "target.markov.q"),
    ("markov:L=0,q=2,flip=0.1", "target.markov.L"),
    ("markov:L=2.5,q=2,flip=0.1", "target.markov.L"),
    ("markov:L=3,L=4,q=2,flip=0.1", "target.markov.L"),
    ("dirichlet:L=4,q=2,alpha=0", "target.dirichlet.alpha"),
    ("dirichlet:L=4,q=2,alpha=-1", "target.dirichlet.alpha"),
    ("dirichlet:L=4,q=2,seed=-1", "target.dirichlet.seed"),
    ("ngram:L=3,q=2,n=4", "target.ngram.n"),
    ("hmm:L=3,q=2,states=0", "target.hmm.states"),
    ("coloring3:L=4,q=2", "target.coloring3.q"),
    ("copy:L=4,delta=2", "target.copy.delta"),
    ("copy:L=4,q=3", "target.copy.q"),
    ("lowentropy:L=2,q=2,m=5", "target.lowentropy.m"),
    ("mds:q=4,L=4,k=2", "target.mds.k"),
    ("mds:q=5,L=4,k=0", "target.mds.k"),
    ("mds:q=5,L=4,k=2,code=tetracode", "target.mds.code"),
    ("mds:q=6,L=4,k=2,code=rs", "target.mds.code"),
    ("mds:q=5,L=4,k=2,code=golay", "target.mds.code"),
    ("product:L=3", "target.product.q"),
    ("product:L=3,p=1/2+1/3", "target.product.p"),
    ("product:L=3,q=3,p=1/2+1/2", "target.product.p"),
    ("potts:graph=hexagon,L=4,q=2,w=2", "target.potts.graph"),
    ("potts:L=4,q=2", "target.potts.w"),
    ("potts:L=4,q=2,w=-1", "target.potts.w"),
    ("potts:graph=cycle,L=2,q=2,w=2", "target.potts.L"),
    ("potts:graph=grid,L=6,q=2,w=2,rows=4", "target.potts.rows"),
    ("potts:graph=complete,L=4,q=3,w=0", "target.potts.w"),
    ("mixture:weights=1/2+1/3,of=[copy:L=4]+[product:L=4,q=2]", "target.mixture.weights"),
    ("mixture:weights=1/2+1/2,of=[copy:L=4]", "target.mixture.weights"),
    ("mixture:of=[copy:L=4]+[product:L=3,q=2]", "target.mixture.of"),
    ("mixture:of=copy:L=4", "target.mixture.of"),
    ("mixture:of=[copy:L=4]+[markov:L=4,q=2,flip=2]", "target.mixture.of[2].markov.flip"),
    ("file:", "target.file"),
]


@pytest.mark.parametrize("spec,field", BAD_SPECS)
def test_bad_specs_raise_spec_error_naming_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        parse_target(spec)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ") and "\n" not in str(err.value)


def test_unknown_family_and_key_list_what_is_accepted():
    with pytest.raises(SpecError) as err:
        parse_target("nosuch:L=3")
    assert all(name in err.value.accepted for name in FAMILIES)
    with pytest.raises(SpecError) as err:
        parse_target("markov:L=6,q=2,flp=0.1")
    assert all(k in err.value.accepted for k in ("L", "q", "flip", "seed"))


@pytest.mark.parametrize("spec,exact", [("product:L=40,q=2", False), ("dirichlet:L=30,q=3,seed=1", True),
                                        ("markov:L=100000,q=2,flip=0.1", False)])
def test_too_large_is_refused_before_allocation(spec, exact):
    start = time.perf_counter()
    with pytest.raises(TooLarge) as err:
        parse_target(spec, exact=exact)
    assert time.perf_counter() - start < 0.5
    assert err.value.field == "target" and "needs about" in str(err.value)


def test_seeded_laws_are_dyadic_and_convert_to_float():
    """Quantised rows share the denominator 2^20, so chain and HMM laws stay dyadic rationals."""
    for spec in ["markov:L=6,q=3,seed=1", "hmm:L=8,q=3,states=3,seed=2", "ngram:L=6,q=2,n=3,seed=0",
                 "dirichlet:L=5,q=2,alpha=1/2,seed=3", "product:L=4,q=3,seed=2"]:
        ex = parse_target(spec, exact=True).pmf
        dens = {int(v.q) for v in ex.reshape(-1)}
        assert all(d & (d - 1) == 0 for d in dens), spec
        np.testing.assert_allclose(as_float(ex), parse_target(spec).pmf, rtol=1e-12, atol=1e-300)
