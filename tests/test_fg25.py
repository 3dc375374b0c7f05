"""FG25 (token versus sequence error under mdm): engine against oracles that import nothing from it.

* mixture law, SER, TER gap and the generative log-perplexity gap of n-gram, HMM, Markov and
  3-colouring targets under mdm:π (uniform and not) against the label enumeration of
  ``oracles.mdm_direct`` (all N^L label vectors);
* the gap recursion for the 3-colouring chain's SER (``verify.engine.coloring_ser``) against the same
  enumeration, and N_min(L, δ) against the independent recursion ``oracles.Coloring3NoCollision``;
* count:L samples p exactly, and its expected KL is the per-token learning error (brute force over
  orders); SER is exactly 0 on full-support targets; closed forms of FG25's rates.

Float tolerances compare the engine with float oracles (cross-checks); verdicts are elsewhere.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

import oracles as O
from distributions import parse_target
from proofs_numeric import claim_by_id
from verify.certify.verdicts import enclose
from verify.claims.check import TargetCache, run_claim
from verify.claims.model import Claim
from verify.engine.coloring_ser import coloring3_ser, n_min_bracket, n_min_exact
from verify.errors import SpecError
from verify.claims.instances import Instance, Workspace
from verify.engine.samplers import parse_sampler
from verify.claims.serialize import to_float

RTOL, ATOL = 1e-9, 1e-12


def _f(v) -> float:
    """Float of an engine value via its certified ball (float(LogLinear) may factor huge integers)."""
    if isinstance(v, (fmpq, int)):
        return to_float(v)
    return float(enclose(v, 128).mid())

# (target, sampler) pairs, L <= 6: every FG25 family, uniform and non-uniform π, an empty step.
CASES = [
    ("markov:L=6,q=2,flip=1/10", "mdm:N=2"),
    ("markov:L=4,q=3,seed=2", "mdm:pi=1/2+1/4+1/4"),
    ("ngram:L=5,q=2,n=3,seed=3", "mdm:pi=1/6+1/3+1/2"),
    ("ngram:L=4,q=2,n=2,seed=1,alpha=1/5", "mdm:N=3"),
    ("hmm:L=5,q=2,states=3,seed=4", "mdm:pi=1/3+0+2/3"),
    ("hmm:L=4,q=2,states=2,seed=0", "mdm:N=2"),
    ("coloring3:L=4", "mdm:N=3"),
    ("coloring3:L=5", "mdm:pi=1/2+1/4+1/4"),
]


def _pi_floats(sampler: str, L: int) -> list:
    return [float(Fraction(str(p))) for p in parse_sampler(sampler, L).params["pi"]]


@pytest.mark.parametrize("spec,sampler", CASES)
def test_fg25_metrics_match_label_enumeration(spec, sampler):
    """Exact mixture law, SER, TER gap and log-perplexity gap = the N^L label-vector oracle."""
    tgt = parse_target(spec, exact=True)
    L = tgt.L
    pmf = np.array(tgt.pmf.tolist(), dtype=object).astype(float).reshape((tgt.q,) * L)
    _, want_mix = O.mdm_direct(pmf, _pi_floats(sampler, L))
    inst = Instance(Workspace(tgt), parse_sampler(sampler, L))
    from verify.claims.instances import _mixture  # the law the symbols are computed on

    np.testing.assert_allclose(np.array(_mixture(inst).tolist(), dtype=float), want_mix, rtol=RTOL, atol=ATOL)
    assert to_float(inst.value("ser")) == pytest.approx(O.ser(pmf, want_mix), rel=RTOL, abs=ATOL)
    assert _f(inst.value("ter_gap")) == pytest.approx(O.kl(pmf, want_mix) / L, rel=RTOL, abs=ATOL)
    want_gap = O.gen_logppl_gap(pmf, want_mix)
    if math.isinf(want_gap):
        assert inst.value("ser") > 0
        with pytest.raises(SpecError, match="gen_logppl_gap"):
            inst.value("gen_logppl_gap")
    else:
        assert _f(inst.value("gen_logppl_gap")) == pytest.approx(want_gap, rel=RTOL, abs=ATOL)


def test_cases_cover_both_finite_and_infinite_perplexity_gaps():
    kinds = set()
    for spec, sampler in CASES:
        t = parse_target(spec)
        kinds.add(bool(np.any(t.pmf == 0)))
    assert kinds == {True, False}


@pytest.mark.parametrize("L", [2, 3, 4, 5])
def test_coloring3_gap_recursion_matches_label_enumeration(L):
    """verify.engine.coloring_ser (gap recursion, exact) = SER of the N^L label enumeration."""
    pmf = O.coloring3_pmf(L)
    pis = [[Fraction(1)], [Fraction(1, 2)] * 2, [Fraction(1, 10), Fraction(9, 10)], [Fraction(1, 3)] * 3,
           [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], [Fraction(1, 3), Fraction(0), Fraction(2, 3)]]
    for pi in pis[:4] if L == 5 else pis:  # 3^5 label vectors per three-step π: keep L = 5 short
        _, mix = O.mdm_direct(pmf, [float(p) for p in pi])
        got = coloring3_ser(L, [fmpq(p.numerator, p.denominator) for p in pi])
        assert isinstance(got, fmpq)
        assert to_float(got) == pytest.approx(O.ser(pmf, mix), rel=RTOL, abs=ATOL), (L, pi)


def test_coloring3_oracle_recursion_matches_label_enumeration():
    """The oracle of the N_min test is itself checked against the label enumeration."""
    rec = O.Coloring3NoCollision()
    for L in (1, 2, 3, 4):
        pmf = O.coloring3_pmf(L)
        for N in (1, 2, 3):
            _, mix = O.mdm_direct(pmf, [1.0 / N] * N)
            assert rec.ser(L, N) == pytest.approx(O.ser(pmf, mix), rel=RTOL, abs=ATOL)


ORACLE = O.Coloring3NoCollision()


@pytest.mark.parametrize("delta", [Fraction(1, 10), Fraction(1, 5)])
def test_n_min_exact_on_coloring3_up_to_L10(delta):
    """N_min(L, δ) from the engine's exact SER = the oracle's, L = 2..10; the oracle's decisive
    values are far enough from δ that its floats cannot flip a comparison."""
    for L in range(2, 11):
        got = n_min_exact(L, fmpq(delta.numerator, delta.denominator))
        N = got["N_min"]
        assert N is not None
        sers = [ORACLE.ser(L, n) for n in range(1, N + 1)]
        assert all(s > float(delta) + 1e-9 for s in sers[:-1]), (L, sers)
        assert sers[-1] < float(delta) - 1e-9, (L, sers[-1])
        assert to_float(got["ser_at_N_min"]) == pytest.approx(sers[-1], rel=1e-9)
        lo, hi = got["bracket"]
        assert lo <= N <= hi


def test_n_min_bracket_closed_forms():
    """N_hi = ⌈(L−1)/δ⌉; N_lo is the first N with 1 − (1 − 1/(9N))^⌊L/2⌋ ≤ δ (Fractions, by scan)."""
    for L in (2, 7, 64, 1024):
        for d in (Fraction(1, 10), Fraction(1, 5)):
            lo, hi = n_min_bracket(L, fmpq(d.numerator, d.denominator))
            assert hi == math.ceil((L - 1) / d)
            lower = lambda N: 1 - (1 - Fraction(1, 9 * N)) ** (L // 2)
            assert lower(lo) <= d and (lo == 1 or lower(lo - 1) > d)
            assert lo <= hi


def test_pi_sq_over_R_closed_form_and_sum_pi_sq():
    """Uniform π: Σ π_k²/R_k = H_N/N and Σ π_k² = 1/N; a zero step adds nothing."""
    ws = Workspace(parse_target("markov:L=2,q=2,flip=1/10", exact=True))
    for N in (1, 2, 3, 7):
        inst = Instance(ws, parse_sampler(f"mdm:N={N}", 2))
        H_N = sum(Fraction(1, k) for k in range(1, N + 1))
        assert inst.value("pi_sq_over_R") == fmpq((H_N / N).numerator, (H_N / N).denominator)
        assert inst.value("sum_pi_sq") == fmpq(1, N)
        assert inst.value("N") == N
    inst = Instance(ws, parse_sampler("mdm:pi=1/3+0+2/3", 2))
    assert inst.value("pi_sq_over_R") == fmpq(1, 9) / fmpq(1, 3) + fmpq(4, 9)


@pytest.mark.parametrize("spec", ["markov:L=4,q=2,flip=1/10", "hmm:L=4,q=2,states=2,seed=4", "coloring3:L=4"])
def test_count_L_samples_p_exactly_and_learning_error_is_per_token(spec):
    """count:L with the perfect predictor: r = p exactly. With p̂ mixed with uniform, E_D KL/L =
    the per-token learning error, both from brute force over all L! orders."""
    tgt = parse_target(spec, exact=True)
    L = tgt.L
    ws = Workspace(tgt)
    inst = Instance(ws, parse_sampler(f"count:N={L}", L))
    from verify.claims.instances import _mixture

    r = _mixture(inst)
    assert all(a == b for a, b in zip(r.reshape(-1), tgt.pmf.reshape(-1)))
    pmf = np.array(tgt.pmf.tolist(), dtype=object).astype(float)
    pred = O.mix_predictor(pmf, 0.1)
    want_ekl, _ = O.fixed_sampler_direct(pmf, (1,) * L, pred)
    want_learn = O.eps_train_direct(pmf, (1,) * L, pred)
    assert want_ekl == pytest.approx(want_learn, rel=1e-9)  # the identity, on the oracle side
    from verify.engine.predictors import parse_predictor

    imp = Instance(ws, parse_sampler(f"count:N={L}", L), parse_predictor("mix:lam=1/10"))
    assert _f(imp.value("expected_kl")) / L == pytest.approx(want_learn / L, rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("spec", ["product:L=4,q=2,seed=1", "markov:L=4,q=3,seed=2", "hmm:L=5,q=2,states=3,seed=4"])
def test_ser_exactly_zero_on_full_support_targets(spec):
    tgt = parse_target(spec, exact=True)
    assert all(v > 0 for v in tgt.pmf.reshape(-1)), "the FG25.FULL families must have full support"
    ws = Workspace(tgt)
    for sampler in ("mdm:N=1", "mdm:N=3", "mdm:pi=1/10+9/10"):
        v = Instance(ws, parse_sampler(sampler, tgt.L)).value("ser")
        assert isinstance(v, fmpq) and v == 0


def test_fg25_families_restrict_the_grid():
    ter = claim_by_id("FG25.TER")
    assert ter.families == ("markov", "coloring3") and not ter.ranges_over("hmm")
    res = run_claim(ter, "ci", TargetCache(), family="hmm")
    assert res.rows == []
    with pytest.raises(SpecError, match="families"):
        Claim(id="X", paper="FG25", provenance="abstract", statement="", relation="<=", grid="mdm",
              lhs="ser", rhs="1", families=("nosuchfamily",))


def test_fg25_ser_summary_curve_is_exact_and_linear():
    """The N_min curve in FG25.SER's summary (ci: L = 2..10) equals the oracle's N_min and every
    exact SER met FG25.SER's two bounds; the bracket beyond grows with L."""
    res = run_claim(claim_by_id("FG25.SER"), "ci", TargetCache(), family="coloring3")
    s = res.summary
    assert s["bound_violations"] == []
    for point in s["n_min_vs_L"]["exact"]:
        L = point["L"]
        for d in (Fraction(1, 10), Fraction(1, 5)):
            N = point[f"delta={d}"]["N_min"]
            assert ORACLE.ser(L, N) <= float(d) and (N == 1 or ORACLE.ser(L, N - 1) > float(d))
    br = s["n_min_vs_L"]["bracketed"]
    assert [p["L"] for p in br][-1] == 1024
    los = [p["delta=1/10"]["N_lo"] for p in br]
    assert los == sorted(los) and los[-1] > 10 * los[0]


def test_fg25_registry_entries_and_tags():
    """Every FG25 claim is registered with its provenance; the paper claims are never 'derived'."""
    want = {"FG25.TER": "abstract", "FG25.SER": "abstract", "FG25.SER.UPPER": "abstract",
            "FG25.CONST": "reported", "FG25.FULL": "derived", "FG25.SEQ": "derived", "FG25.SEQ.EXACT": "derived"}
    for cid, tag in want.items():
        c = claim_by_id(cid)
        assert c.provenance == tag
        assert (c.paper == "FG25") == (tag != "derived")
    assert not claim_by_id("FG25.CONST").checked


def test_fg25_ter_curve_beyond_enumeration_is_flat_and_certified():
    """FG25.TER past enumeration: the profile engine's exact E KL/L (an upper bound on the mixture
    KL/L, D-MIX) at L = 16 … 1024 stays under the L-free bound (H_N/N) log q, certified, and is
    flat in L. The closed form of the bound at uniform π is written here from its definition."""
    from proofs_numeric.fg25 import profile_expected_kl

    for spec, q in (("coloring3:L={L}", 3), ("markov:L={L},q=2,flip=1/10", 2)):
        for N in (2, 4):
            bound = math.log(q) * sum(1 / k for k in range(1, N + 1)) / N
            pts = [profile_expected_kl(spec.format(L=L), N) for L in (16, 128, 1024)]
            assert all(p["verdict"] == "certified" for p in pts)
            assert all(abs(p["bound"] - bound) < 1e-12 for p in pts)
            vals = [p["value"] for p in pts]
            assert 0 < min(vals) and max(vals) / min(vals) < 1.25  # flat: the TER benefit


def test_fg25_ter_profile_point_matches_the_independent_oracle():
    """The profile-engine point of the TER curve equals the oracle's D-PROFILE average over the
    mdm:N size law (all N^L label vectors) on the brute-force entropy profile (tests/profile_oracles.py,
    no engine code), at L = 8 on both chains."""
    import itertools
    from fractions import Fraction as F

    import profile_oracles as O

    from proofs_numeric.fg25 import profile_expected_kl

    L = 8
    chains = {
        "markov:L=8,q=2,flip=1/10": O.markov_joint([F(1, 2), F(1, 2)], [[F(9, 10), F(1, 10)], [F(1, 10), F(9, 10)]], L),
        "coloring3:L=8": O.uniform_joint(w for w in itertools.product(range(3), repeat=L)
                                         if all(a != b for a, b in zip(w, w[1:]))),
    }
    for spec, joint in chains.items():
        h = O.float_profile(joint, L)
        for N in (2, 4):
            want = O.law_profile_kl(O.binomial_law(L, N), h) / L
            got = profile_expected_kl(spec, N)["value"]
            assert abs(got - want) < 1e-12, (spec, N, got, want)
