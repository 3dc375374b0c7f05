"""Wainwright 2026's samplers and bounds (docs/w26-samplers.md) against engine-free oracles
(tests/w26_oracles.py, tests/oracles.py): laws over compositions, expected and mixture KL by brute
force, his ψ-odds rounding on cases worked by hand, profile engine = enumeration, and his H(p, q)."""
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

import oracles
import w26_oracles as W
from verify.engine.metrics import measure
from verify.engine.profile.entropy import expected_kl as profile_expected_kl
from verify.engine.profile.sizelaws import forward_weights
from verify.engine.profile.w26bounds import theorem1_bernoulli, theorem1_card, ugc_bernoulli, ugc_card
from verify.engine.samplers import parse_sampler, size_law_of
from verify.engine.target import make_target
from verify.errors import SpecError

BERNOULLI = [  # (grid, start, finish)
    (["1/2"], "single", "single"), (["1/2"], "parallel", "parallel"),
    (["1/4", "1/2", "3/4"], "single", "single"), (["1/4", "1/2", "3/4"], "parallel", "single"),
    (["1/10", "9/10"], "single", "parallel"), (["1/3", "2/5"], "parallel", "parallel"),
]


def _spec(grid, start, finish):
    return f"bernoulli:grid={'+'.join(grid)},start={start},finish={finish}"


def _engine_law(sched) -> dict:
    return {tuple(s): Fraction(int(p.p), int(p.q)) for p, s in sched.compositions()}


# ---------------------------------------------------------------- laws over compositions

@pytest.mark.parametrize("L", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("grid,start,finish", BERNOULLI)
def test_bernoulli_law_equals_the_multinomial_oracle(L, grid, start, finish):
    got = _engine_law(parse_sampler(_spec(grid, start, finish), L))
    assert got == W.bernoulli_law(L, grid, start, finish)


@pytest.mark.parametrize("L,rho", [(3, 1), (5, 1), (6, Fraction(1, 3)), (7, 4)])
def test_bernoulli_rho_is_his_geometric_grid(L, rho):
    got = _engine_law(parse_sampler(f"bernoulli:rho={rho}", L))
    assert got == W.bernoulli_law(L, W.geo_grid(L, rho))


def test_bernoulli_parallel_ends_is_mdm_pi():
    """start=parallel, finish=parallel is mdm:pi with π = (t_0, t_1 − t_0, …, 1 − t_N)."""
    law = W.bernoulli_law(5, ["1/4", "1/2", "3/4"], "parallel", "parallel")
    mdm = _engine_law(parse_sampler("mdm:pi=1/4+1/4+1/4+1/4", 5))
    assert law == mdm


def test_bernoulli_budget_form_is_rho_from_the_budget():
    # L = 5: (L−1)^(2/N) = 16^(1/4) = 2, so N = 4 is Geo(1); N = 3 is irrational and refused
    assert _engine_law(parse_sampler("bernoulli:N=4", 5)) == _engine_law(parse_sampler("bernoulli:rho=1", 5))
    with pytest.raises(SpecError, match="irrational"):
        parse_sampler("bernoulli:N=3", 5)


@pytest.mark.parametrize("bad", ["bernoulli:grid=1/2+1/4", "bernoulli:grid=0+1/2", "bernoulli:grid=1/2+1",
                                 "bernoulli:rho=0", "bernoulli:rho=1,grid=1/2", "bernoulli:rho=1,start=both",
                                 "random-size:law=psi-odds", "random-size:law=psi-odds,rho=-1"])
def test_bad_specs_are_refused(bad):
    with pytest.raises(SpecError):
        parse_sampler(bad, 5)


# ---------------------------------------------------------------- his rounding, worked by hand

PSI_ODDS_CASES = [
    # (L, rho or None, N or None, sizes) — each worked by hand in docs/w26-samplers.md
    (12, 1, None, (1, 2, 3, 2, 2, 1, 1)),                     # CLAIMS' example: ours (law=odds) differs
    (12, Fraction(1318086, 764875), None, (1, 3, 3, 3, 1, 1)),
    (8, 1, None, (1, 2, 2, 1, 1, 1)),
    (10, 3, None, (1, 4, 3, 1, 1)),
    (12, None, 2, (1, 6, 4, 1)),                               # (1+ρ)² = 11·10/2 = 55
    (10, None, 2, (1, 5, 3, 1)),                               # (1+ρ)² = 36: a = 6 is an exact tie, kept (≤)
    (3, 5, None, (1, 1, 1)), (2, 1, None, (1, 1)), (1, 1, None, (1,)),
]


@pytest.mark.parametrize("L,rho,N,sizes", PSI_ODDS_CASES)
def test_psi_odds_follows_his_rule(L, rho, N, sizes):
    spec = f"random-size:law=psi-odds,{'rho=' + str(rho) if N is None else 'N=' + str(N)}"
    assert _engine_law(parse_sampler(spec, L)) == {sizes: 1}
    assert W.psi_odds_sizes(L, rho, N) == sizes


@pytest.mark.parametrize("L", range(3, 30))
@pytest.mark.parametrize("rho", [Fraction(1, 7), Fraction(1, 2), 1, Fraction(5, 2), 9])
def test_psi_odds_equals_the_scanning_oracle(L, rho):
    assert _engine_law(parse_sampler(f"random-size:law=psi-odds,rho={rho}", L)) == {W.psi_odds_sizes(L, rho): 1}


def test_law_odds_is_not_his_rule_at_L12():
    assert _engine_law(parse_sampler("random-size:law=odds,rho=1", 12)) == {(1, 1, 1, 2, 2, 2, 1, 1, 1): 1}


# ---------------------------------------------------------------- expected and mixture KL by brute force

@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("grid,start,finish", BERNOULLI[:5])
def test_bernoulli_kl_equals_brute_force(L, grid, start, finish):
    pmf = oracles.random_law(np.random.default_rng(L), 2, L, alpha=0.5)
    law = [(float(p), s) for s, p in W.bernoulli_law(L, grid, start, finish).items()]
    want_e, want_mix = oracles.random_size_direct(pmf, law)
    got = measure(make_target(pmf, 2, L), _spec(grid, start, finish))
    assert float(got["expected_kl"]) == pytest.approx(want_e, rel=1e-9, abs=1e-12)
    assert float(got["mixture_kl"]) == pytest.approx(oracles.kl(pmf, want_mix), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("L,spec", [(4, "random-size:law=psi-odds,rho=1"), (5, "random-size:law=psi-odds,N=2"),
                                    (5, "bernoulli:rho=1")])
def test_w26_samplers_kl_equals_brute_force_q3(L, spec):
    pmf = oracles.random_law(np.random.default_rng(7), 3, L, alpha=0.7) if L == 4 else \
        oracles.random_law(np.random.default_rng(8), 2, L, alpha=0.7)
    q = 3 if L == 4 else 2
    if "psi-odds" in spec:
        rho, N = (1, None) if "rho" in spec else (None, 2)
        law = [(1.0, W.psi_odds_sizes(L, rho, N))]
    else:
        law = [(float(p), s) for s, p in W.bernoulli_law(L, W.geo_grid(L, 1)).items()]
    want_e, want_mix = oracles.random_size_direct(pmf, law)
    got = measure(make_target(pmf, q, L), spec)
    assert float(got["expected_kl"]) == pytest.approx(want_e, rel=1e-9, abs=1e-12)
    assert float(got["mixture_kl"]) == pytest.approx(oracles.kl(pmf, want_mix), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- profile engine = enumeration

SPECS = [_spec(*b) for b in BERNOULLI] + ["bernoulli:rho=1", "bernoulli:rho=1/3,start=parallel",
                                          "random-size:law=psi-odds,rho=1", "random-size:law=psi-odds,N=3"]


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("spec", SPECS)
def test_closed_form_weights_equal_the_graph(L, spec):
    law = size_law_of(spec, L)
    P, A = law.start_weights(True)
    P2, A2 = forward_weights(parse_sampler(spec, L), True)
    assert list(P) == list(P2) and list(A) == list(A2)
    Pf, Af = law.start_weights(False)
    assert np.allclose(Af, [float(a) for a in A], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("L", [3, 5, 6])
@pytest.mark.parametrize("spec", ["bernoulli:rho=1", "bernoulli:grid=1/4+1/2+3/4,start=parallel",
                                  "random-size:law=psi-odds,rho=1/2"])
def test_profile_engine_equals_enumeration(L, spec):
    from distributions import parse_target

    tspec = f"markov:L={L},q=2,flip=1/10"
    want = float(measure(parse_target(tspec), spec)["expected_kl"])
    assert float(profile_expected_kl(tspec, spec, exact=True)) == pytest.approx(want, rel=1e-10, abs=1e-13)


# ---------------------------------------------------------------- his quantities

def _ray(L, k):
    return [fmpq(min(m, k)) for m in range(L + 1)]


@pytest.mark.parametrize("L", [2, 5, 9])
def test_ugc_closed_form_equals_quadrature(L):
    rng = np.random.default_rng(L)
    f = np.sort(rng.random(L))[::-1]  # any concave profile
    h = [0.0] + list(np.cumsum(f))
    for p, q in [(0.0, 1.0), (0.1, 0.6), (1 / L, 1 - 1 / L)]:
        got = ugc_bernoulli(h, Fraction(p).limit_denominator(10**6), Fraction(q).limit_denominator(10**6))
        want = W.ugc_quadrature(h, float(Fraction(p).limit_denominator(10**6)), float(Fraction(q).limit_denominator(10**6)))
        assert float(got) == pytest.approx(want, rel=1e-7, abs=1e-10)


@pytest.mark.parametrize("L", [2, 3, 8, 20])
def test_repetition_and_parity_H01_closed_form(L):
    """His eq. 24a–b: H(0, 1) = (L−1)/(L+1) log 2 for both codes (units of log q: rays k = 1, L−1)."""
    for k in {1, L - 1} - {0}:
        assert ugc_bernoulli(_ray(L, k), 0, 1) == fmpq(L - 1, L + 1)


def test_card_bound_of_singletons_and_one_block():
    L = 6
    for k in range(1, L + 1):
        assert theorem1_card(_ray(L, k), (1,) * L) == 0       # every factor ψ(a+1)/ψ(a+1) − 1 vanishes
        assert theorem1_card(_ray(L, k), (L,)) == L - k        # one block: TC of the code
    assert ugc_card(_ray(L, 1), 0, L) == fmpq(L - 1, L)         # (1/L)(1 − 1/L) · L (f(0) − f(1))


def test_theorem1_values_worked_by_hand():
    """Eq. 17b, L = 4, sizes 1+2+1 on the [4, 2] ray: a = (1, 3), (ψ(3/4)/ψ(2/4) − 1) H^card(1, 3) = 2 · 1.
    Eq. 17a, L = 2 repetition ray, grid 1/3+2/3: h(t) = 2t, H = ∫ 2t(1−t) = 13/81, factor ψ(2/3)/ψ(1/3) − 1 = 3.
    A parallel start at t_0 = 1/2, L = 3, repetition ray: E c(0, M) = E[M] − P(M ≥ 1) = 3/2 − 7/8 = 5/8."""
    assert theorem1_card(_ray(4, 2), (1, 2, 1)) == 2
    assert ugc_bernoulli(_ray(2, 1), Fraction(1, 3), Fraction(2, 3)) == fmpq(13, 81)
    assert theorem1_bernoulli(_ray(2, 1), ["1/3", "2/3"], "single", "single") == fmpq(13, 27)
    assert theorem1_bernoulli(_ray(3, 1), ["1/2"], "parallel", "single") == fmpq(5, 8)
    assert theorem1_bernoulli(_ray(3, 1), ["1/2"], "single", "parallel") == fmpq(1, 1) * (
        # completion: n ~ Bin(3, 1/2) revealed, cost c(n, 3 − n) = overshoot past k = 1 if n = 0 (2), else 0
        fmpq(1, 8) * 2)


def test_w26_bound_terms_summed_lazily_equal_the_terms_on_the_forms():
    """The claims evaluate Theorem 1's terms (17a, 17b, the ends, Corollary 1's factor) on the unit
    vectors of the profile, then sum the coefficients over the profile's forms: the same exact number
    as the terms computed on the forms themselves (a tie, decided by the exact zero test)."""
    from verify.certify.verdicts import check_eq
    from verify.claims.check import TargetCache, instances
    from verify.errors import NotDefined
    from verify.claims.instances import _w26_bounds
    from verify.engine.profile.w26bounds import symbol_value
    from proofs_numeric import claim_by_id

    seen = set()
    for cid in ("W26.T1.card", "W26.T1.ber", "W26.C1.card", "W26.C1"):
        claim = claim_by_id(cid)
        for spec in ("markov:L=6,q=2,flip=1/10", "potts:graph=cycle,L=4,q=3,w=1/2"):
            for inst in instances(claim, "deep", TargetCache(), targets=[spec]):
                h = inst.ws.measures["profile"]
                for name in ("w26_bound", "w26_ends", "w26_cor1"):
                    try:
                        eager = symbol_value(name, h, inst.schedule.params)
                    except NotDefined:  # not defined for this sampler (Corollary 1 needs a budget)
                        continue
                    lazy = _w26_bounds(inst, name)
                    assert check_eq(lazy, eager).status == "tight", (cid, spec, name, inst.describe())
                    seen.add(name)
    assert seen == {"w26_bound", "w26_ends", "w26_cor1"}
