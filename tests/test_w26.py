"""Wainwright 2026 (W26): exchangeable profiles and his quantities against independent routes.

Oracles here import nothing from the engine: laws are built in Fractions by hand, subset entropies
by brute force over every subset, his Bernoulli gain h(t) from its definition (eq. 15a: a sum over
positions i and Bernoulli subsets A of the others of I(Z_i; Z_A)), and integrals by mpmath.quad.
``LogLinear`` only compares the oracle's exact (coefficient, ratio) pairs with the engine's forms.
"""
from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import mpmath
import pytest

from verify.certify.logforms import LogLinear

# ------------------------------------------------------------------ engine-free oracles


def mixture_pmf(L: int, weights, margs) -> dict:
    """{word: probability} of Σ_c λ_c Π_i ν_c(x_i), in Fractions."""
    q = len(margs[0])
    out = {}
    for x in itertools.product(range(q), repeat=L):
        p = Fraction(0)
        for lam, nu in zip(weights, margs):
            t = Fraction(lam)
            for a in x:
                t *= Fraction(nu[a])
            p += t
        out[x] = p
    return out


def marginal(pmf: dict, A: tuple) -> dict:
    out: dict = {}
    for x, p in pmf.items():
        key = tuple(x[i] for i in A)
        out[key] = out.get(key, Fraction(0)) + p
    return out


def entropy_pairs(dist: dict, scale=Fraction(1)) -> list:
    return [(-scale * p, p) for p in dist.values() if p != 0]


def oracle_profile_pairs(pmf: dict, L: int) -> list:
    """h(m) as exact pairs: the mean over EVERY subset of size m (no exchangeability assumed)."""
    out = [[]]
    for m in range(1, L + 1):
        subsets = list(itertools.combinations(range(L), m))
        pairs = []
        for A in subsets:
            pairs += entropy_pairs(marginal(pmf, A), Fraction(1, len(subsets)))
        out.append(pairs)
    return out


def as_form(pairs) -> LogLinear:
    return LogLinear.from_pairs([c for c, _ in pairs], [r for _, r in pairs])


def float_entropy(dist: dict):
    """−Σ p log p in mpmath (its working precision, not float's)."""
    out = mpmath.mpf(0)
    for p in dist.values():
        if p != 0:
            x = mpmath.mpf(p.numerator) / p.denominator
            out -= x * mpmath.log(x)
    return out


def bernoulli_gain(pmf: dict, L: int):
    """His h(t) by definition (eq. 15a): Σ_i Σ_{A ⊆ [L]∖{i}} t^|A| (1−t)^{L−1−|A|} I(Z_i; Z_A)."""
    H = {(): mpmath.mpf(0)}
    for m in range(1, L + 1):
        for A in itertools.combinations(range(L), m):
            H[A] = float_entropy(marginal(pmf, A))
    terms = []
    for i in range(L):
        others = [j for j in range(L) if j != i]
        for m in range(L):
            for A in itertools.combinations(others, m):
                I = H[(i,)] + H[A] - H[tuple(sorted(A + (i,)))]
                terms.append((m, I))

    def h(t):
        return sum(mpmath.mpf(t) ** m * (1 - mpmath.mpf(t)) ** (L - 1 - m) * I for m, I in terms)

    return h


def quad(f, a, b):
    return mpmath.quad(f, [a, b])


LAWS = [  # (L, weights, marginals): several mixtures, q = 2 and q = 3
    (10, [Fraction(1, 2)] * 2, [[Fraction(9, 10), Fraction(1, 10)], [Fraction(1, 10), Fraction(9, 10)]]),
    (9, [Fraction(1, 3), Fraction(2, 3)], [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 5), Fraction(4, 5)]]),
    (7, [Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)],
     [[1, 0], [Fraction(1, 3), Fraction(2, 3)], [Fraction(3, 4), Fraction(1, 4)]]),
    (6, [Fraction(1, 2), Fraction(1, 2)],
     [[Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], [Fraction(1, 6), Fraction(1, 6), Fraction(2, 3)]]),
    (5, [Fraction(1, 5), Fraction(3, 10), Fraction(1, 2)],
     [[1, 0, 0], [0, Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 3)] * 3]),
]


def _spec(L, weights, margs) -> str:
    q = len(margs[0])
    comps = "+".join(f"[product:L={L},q={q},p={'+'.join(str(Fraction(a)) for a in nu)}]" for nu in margs)
    return f"mixture:weights={'+'.join(str(w) for w in weights)},of={comps}"


# ------------------------------------------------------------------ exchangeable profiles


@pytest.mark.parametrize("L,weights,margs", LAWS)
def test_exchangeable_profile_equals_enumeration_exactly(L, weights, margs):
    from distributions import plan_spec
    from verify.engine.profile.entropy import closed_form_profile

    spec = _spec(L, weights, margs)
    prof = closed_form_profile(plan_spec(spec), spec)
    assert prof is not None and prof.kind == "exchangeable"
    pmf = mixture_pmf(L, weights, margs)
    oracle = oracle_profile_pairs(pmf, L)
    vals = prof.values()
    for m in range(1, L + 1):
        assert prof.h(m) == as_form(oracle[m]), (spec, m)           # exact, by factorisation
        assert vals[m] == pytest.approx(float(as_form(oracle[m])), abs=1e-12)


def test_noisy_copy_is_the_mixture_and_the_issue_spec_is_answered_by_the_profile_engine():
    from distributions import parse_target
    from verify.cli.main import main

    a = parse_target("noisy-copy:L=5,eta=3/10", exact=True).pmf
    b = parse_target("mixture:weights=1/2+1/2,of=[product:L=5,q=2,p=7/10+3/10]+[product:L=5,q=2,p=3/10+7/10]",
                     exact=True).pmf
    assert (a == b).all()
    spec = "mixture:weights=1/2+1/2,of=[product:L=128,q=2,p=7/10+3/10]+[product:L=128,q=2,p=3/10+7/10]"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["measure", "--target", spec, "--sampler", "balanced:K=8", "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert out["engine"] == "profile" and out["profile_form"] == "exchangeable"
    # H = h(128) of the noisy repeated bit: between the component entropy and it plus log 2
    comp = -128 * (0.7 * math.log(0.7) + 0.3 * math.log(0.3))
    assert comp < out["H"] < comp + math.log(2)
    for key in ("h_card", "H01", "H_card_total", "TSE", "DHW", "C_UGC", "P_UGC", "UGC_ratio"):
        assert key in out
    assert out["UGC_ratio"] == pytest.approx(2.16, abs=0.005)      # his Figure 1, η = 0.30


def test_exchangeable_float_information_has_no_cancellation_at_large_L():
    """DTC of the noisy repeated bit tends to log 2 (the hidden bit is recovered from the rest):
    the float path gets it to 1e-7 at L = 2000 (the exact form would cancel ~L-fold in floats)."""
    from verify.engine.profile.entropy import entropy_profile
    from verify.engine.profile.exchangeable import float_information

    info = float_information(entropy_profile("noisy-copy:L=2000,eta=1/10"))
    assert info["DTC"] == pytest.approx(math.log(2), abs=1e-7)
    assert info["TC"] + info["H"] == pytest.approx(2000 * math.log(2), rel=1e-12)


# ------------------------------------------------------------------ his quantities


@pytest.mark.parametrize("L,k,q", [(2, 1, 2), (5, 1, 2), (5, 4, 2), (6, 5, 3), (7, 2, 7), (12, 5, 13)])
def test_TC_and_DTC_from_his_integral_forms_equal_the_closed_forms(L, k, q):
    from verify.engine.profile.entropy import entropy_profile
    from verify.engine.profile.wainwright import quantities

    spec = f"mds:q={q},L={L},k={k}" + (",code=rs" if 1 < k < L - 1 else "")
    got = quantities(entropy_profile(spec), exact=True)
    assert got["TC_integral"] == LogLinear.log(q, L - k)       # TC = (L − k) log q
    assert got["DTC_integral"] == LogLinear.log(q, k)          # DTC = k log q


def test_TC_and_DTC_integrals_of_a_markov_chain_equal_its_exact_information():
    from verify.engine.profile.entropy import entropy_profile
    from verify.engine.profile.wainwright import quantities

    prof = entropy_profile("markov:L=12,q=2,flip=1/10")
    got, info = quantities(prof, exact=True), prof.information(True)
    assert got["TC_integral"] == info["TC"] and got["DTC_integral"] == info["DTC"]


@pytest.mark.parametrize("L", [2, 3, 4, 7, 16, 33, 64])
def test_H01_of_repetition_and_parity_is_exactly_his_eq24(L):
    from verify.engine.profile.entropy import entropy_profile
    from verify.engine.profile.wainwright import quantities

    want = LogLinear.log(2, Fraction(L - 1, L + 1))
    for k in sorted({1, L - 1}):
        assert quantities(entropy_profile(f"mds:q=2,L={L},k={k}"), exact=True)["H01"] == want


SMALL = [(3, [Fraction(1, 2)] * 2, [[Fraction(4, 5), Fraction(1, 5)], [Fraction(1, 5), Fraction(4, 5)]]),
         (4, [Fraction(1, 3), Fraction(2, 3)], [[Fraction(1, 2)] * 2, [Fraction(1, 10), Fraction(9, 10)]]),
         (5, [Fraction(1, 2)] * 2, [[Fraction(2, 3), Fraction(1, 3)], [0, 1]])]


@pytest.mark.parametrize("L,weights,margs", SMALL)
def test_his_integrals_against_mpmath_quadrature_of_his_definition(L, weights, margs):
    """H(0,1), TSE, DHW, C_UGC, P_UGC against mpmath.quad of h(t) built from eq. 15a by brute force."""
    from distributions import plan_spec
    from verify.engine.profile.entropy import closed_form_profile
    from verify.engine.profile.wainwright import quantities

    mpmath.mp.dps = 30
    pmf = mixture_pmf(L, weights, margs)
    h = bernoulli_gain(pmf, L)
    dh = lambda t: mpmath.diff(h, t)  # noqa: E731
    H01 = quad(lambda t: t * (1 - t) * dh(t), 0, 1)
    e1 = mpmath.e ** -1
    DHW = quad(lambda t: t * dh(t), 0, e1) + quad(lambda t: t * mpmath.log(1 / t) * dh(t), e1, 1)
    a, b = mpmath.mpf(1) / L, 1 - mpmath.mpf(1) / L
    C = 2 * mpmath.log(L - 1) * quad(lambda t: t * (1 - t) * dh(t), a, b)
    P = quad(lambda t: mpmath.sqrt(dh(t)), a, b) ** 2
    spec = _spec(L, weights, margs)
    prof = closed_form_profile(plan_spec(spec), spec)
    # TSE by its definition (eq. 60) from the brute-force profile: Σ_m (e_m − (m/L) e_L)
    e = [0.0] + [float(as_form(p)) for p in oracle_profile_pairs(pmf, L)[1:]]
    TSE = sum(e[m] - m / L * e[L] for m in range(1, L + 1))
    for exact in (False, True):
        got = quantities(prof, exact=exact)
        assert float(got["H01"]) == pytest.approx(float(H01), rel=1e-10)
        assert float(got["TSE"]) == pytest.approx(TSE, rel=1e-10)
        assert float(got["DHW"]) == pytest.approx(float(DHW), rel=1e-10)
        assert float(got["C_UGC"]) == pytest.approx(float(C), rel=1e-9)
        assert float(got["P_UGC"]) == pytest.approx(float(P), rel=1e-6 if not exact else 1e-9)
    # the certified ball contains the independent value
    got = quantities(prof, exact=True)
    ball = got["P_UGC"].enclose(128)
    from flint import arb

    d = ball - arb(mpmath.nstr(P, 35))           # mpmath's own error is far below 1e-25
    assert float(d.lower()) <= 1e-25 and float(d.upper()) >= -1e-25


def test_his_quantities_on_a_law_that_is_not_exchangeable():
    """Enumerated profile of a Markov chain: H(0,1) and DHW against the brute-force h(t)."""
    from distributions import parse_target
    from verify.engine.profile.entropy import enumerated_profile
    from verify.engine.profile.wainwright import quantities

    mpmath.mp.dps = 30
    t = parse_target("markov:L=4,q=2,flip=1/5", exact=True)
    pmf = {x: Fraction(int(t.pmf[x].p), int(t.pmf[x].q)) for x in itertools.product(range(2), repeat=4)}
    dh = lambda s: mpmath.diff(bernoulli_gain(pmf, 4), s)  # noqa: E731
    got = quantities(enumerated_profile(t), exact=True)
    assert float(got["H01"]) == pytest.approx(float(quad(lambda s: s * (1 - s) * dh(s), 0, 1)), rel=1e-10)


def test_UGC_ratio_is_null_with_its_reason_for_product_laws_and_L_2():
    from verify.engine.profile.entropy import entropy_profile
    from verify.engine.profile.wainwright import measure_quantities

    for spec in ("product:L=6,q=3,p=1/2+1/4+1/4", "mds:q=5,L=5,k=5"):
        out = measure_quantities(entropy_profile(spec), exact=True)
        assert out["UGC_ratio"] is None and "product" in out["w26_undefined"]["UGC_ratio"]
        assert out["H01"].is_zero() and out["DHW"].is_zero()
    out = measure_quantities(entropy_profile("mds:q=2,L=2,k=1"), exact=False)
    assert out["UGC_ratio"] is None and "L = 2" in out["w26_undefined"]["UGC_ratio"]
    assert out["H01"] == pytest.approx(math.log(2) / 3)


def test_measure_json_carries_null_and_the_reason():
    import contextlib
    import io

    from verify.cli.main import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["measure", "--target", "product:L=4,q=2", "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert out["UGC_ratio"] is None and "0/0" in out["w26_undefined"]["UGC_ratio"]
    assert out["H01"] == 0 and len(out["h_card"]) == 4


def test_lemma5_all_laws_is_decided_on_every_pair_and_ray():
    """The ray margins of eq. 53 are ρ k(L−k)/L − (b − k) ≥ 0; the decider reports the tightest."""
    from proofs_numeric.w26 import lemma5_rays

    for L in (3, 5, 9, 17):
        d, pair = lemma5_rays(L)
        assert d.status in ("certified", "tight")
        a, b = pair
        assert 0 <= a < b <= L - 1 and d.lhs <= d.rhs


def test_ray_decider_can_refute():
    """The all-law decider must be able to fail: a false relation on the rays is refuted."""
    from flint import fmpq

    from proofs_numeric.w26 import decide_rays
    from verify.engine.profile.wainwright import ray_H01, ray_H_card

    d = decide_rays("<=", ray_H_card(8), ray_H01(8))       # H^card(0, L) <= H(0, 1) is false
    assert d.status == "refuted"
    d = decide_rays("==", ray_H01(8), [fmpq(x) for x in ray_H01(8)])
    assert d.status == "tight"


def test_measure_exact_past_the_certified_length_shows_floats_and_says_why():
    import contextlib
    import io

    from verify.cli.main import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["measure", "--target", "noisy-copy:L=300,eta=1/10", "--exact", "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert "L = 300 > 256" in out["w26_undefined"]["exact"]
    assert "H" in out["enclosures"] and "UGC_ratio" not in out["enclosures"]
    assert out["UGC_ratio"] > 1


# ---------------------------------------------------------------- a reviewer's all-law claims on W26 symbols

def _all_law_claim(tmp_path, relation, lhs, rhs):
    from verify.claims.model import load_claims_file

    p = tmp_path / "w26_all.toml"
    p.write_text(f'''[[claim]]
id = "X.W26"
paper = "W26"
provenance = "reading"
statement = 'x'
relation = "{relation}"
grid = "all-laws"
lengths = [5, 8]
samplers = ["balanced:K=2"]
lhs = "{lhs}"
rhs = "{rhs}"
''')
    return load_claims_file(p)[0]


@pytest.mark.parametrize("relation,lhs,rhs,status", [
    # on ray k < L (units of log q): H(0,1) = k(L−k)/(L+1), TSE = k(L−k)/2, H^card(0,L) = k(L−k)/L,
    # TC = L − k, DTC = k; all vanish on the product ray k = L
    ("==", "TSE", "(L+1)/2 * H01", "tight"),
    ("==", "H_card_total", "(L+1)/L * H01", "tight"),
    ("==", "TC_integral", "TC", "tight"),
    ("==", "DTC_integral", "DTC", "tight"),
    ("<=", "H01", "TC", "certified"),          # k(L−k)/(L+1) < L − k for every k < L
    ("<=", "2*H01", "DTC", "refuted"),         # 2k(L−k)/(L+1) > k at k = 1, L ≥ 5
])
def test_declarative_all_law_claims_decide_w26_quantities_on_the_rays(tmp_path, relation, lhs, rhs, status):
    from verify.claims.check import run_claim

    res = run_claim(_all_law_claim(tmp_path, relation, lhs, rhs), "ci", witness_dir=tmp_path)
    assert len(res.rows) == 2
    want = {"certified": ("certified",), "tight": ("tight",), "refuted": ("refuted",)}[status]
    assert {r.status for r in res.rows} == set(want), [(r.status, r.instance) for r in res.rows]
    if status == "refuted":
        for r in res.rows:  # most violated ray: 2k(L−k)/(L+1) − k is largest at k = ⌊(L−1)/2⌋ or so
            L, k = r.instance["L"], r.instance["ray"]
            gap = {kk: Fraction(2 * kk * (L - kk), L + 1) - kk for kk in range(1, L)}
            assert gap[k] == max(gap.values()) > 0


def test_all_law_grid_refuses_dhw_and_ugc_in_one_line(tmp_path):
    from verify.errors import SpecError

    for side in ("DHW", "P_UGC", "UGC_ratio"):
        with pytest.raises(SpecError) as err:
            _all_law_claim(tmp_path, "<=", side, "TC")
        assert side in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("spec", ["mds:q=2,L=6,k=1", "mds:q=2,L=5,k=4", "markov:L=6,q=2,flip=1/10",
                                  "mds:q=3,L=4,k=2", "product:L=5,q=2,seed=1"])
def test_lemma5_sign_shortcut_picks_the_pair_the_full_loop_picks(spec):
    # The shortcut (exact signs of the second differences) must return the very pair and exact
    # sides of the per-pair loop (every margin decided exactly), on ties, codes and product laws.
    from types import SimpleNamespace

    import proofs_numeric.w26 as w26
    from verify.claims.check import TargetCache

    ws = TargetCache().workspace(spec)
    inst = SimpleNamespace(ws=ws, target=ws.target)
    fast = w26._lemma5(inst)
    ws.__dict__.pop("_w26_l5")
    saved, w26._lemma5_by_signs = w26._lemma5_by_signs, lambda prof, L: None
    try:
        slow = w26._lemma5(inst)
    finally:
        w26._lemma5_by_signs = saved
    assert fast[2] == slow[2]
    assert (fast[0] - slow[0]).is_zero() and (fast[1] - slow[1]).is_zero()


def test_lemma5_sign_shortcut_declines_a_profile_with_a_negative_second_difference():
    # h = (0, 1, 3, 4) log 2 is not concave (D_1 = -1): the shortcut's premise fails, so it must
    # leave the decision to the per-pair loop rather than call margins non-negative.
    from flint import fmpq

    from proofs_numeric.w26 import _lemma5_by_signs
    from verify.certify.logforms import LogLinear
    from verify.engine.profile import wainwright as w

    h = [LogLinear.log(2, fmpq(v)) for v in (0, 1, 3, 4)]
    assert _lemma5_by_signs(w.ListProfile(h, True), 3) is None
