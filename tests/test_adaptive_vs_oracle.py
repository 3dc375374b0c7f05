"""Adaptive decoders (verify.engine.adaptive / verify.engine.rules) against the brute-force oracle of
tests/adaptive_oracle.py, the limiting cases and the copy-law closed form (CLAIMS: CL26 decoder,
D-ONE, D-SEQ), and exact ties.

Float tolerances below compare the engine's float mode with the oracle: cross-checks, not
verdicts. Exact-mode checks compare exact values (fmpq, LogLinear equality by factorisation).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

import adaptive_oracle as AO
import oracles as O
from verify.engine.adaptive import run_chain
from verify.errors import SpecError
from verify.certify.logforms import LogLinear
from verify.engine.predictors import parse_predictor
from verify.engine.rules import parse_rule
from verify.engine.target import make_target

RTOL, ATOL = 1e-9, 1e-12


def _laws():
    rng = np.random.default_rng(2603)
    out = []
    for q, L, alpha, zf in [(2, 3, 1.0, 0.0), (2, 4, 0.5, 0.0), (2, 4, 0.3, 0.3), (2, 5, 1.0, 0.0),
                            (3, 3, 1.0, 0.0), (3, 3, 0.3, 0.3)]:
        out.append((f"q{q}-L{L}-a{alpha}-z{zf}", O.random_law(rng, q, L, alpha, zf)))
    return out


LAWS = _laws()


def _etas(pmf):
    """0, tiny, two mid values, and one above Σ_i H(X_i) (T = 1)."""
    s = AO.sum_marginal_entropies(pmf)
    return [Fraction(0), Fraction(1, 1000), Fraction(3, 10), Fraction(9, 10), Fraction(math.ceil(s * 10) + 1, 10)]


def _close(engine, oracle, what):
    np.testing.assert_allclose(np.asarray(engine, dtype=float), oracle, rtol=RTOL, atol=ATOL, err_msg=what)


def _compare(res, want, what):
    _close(res.mixture, want["mixture"], what + " mixture")
    _close(float(res.expected_kl), want["expected_kl"], what + " expected KL")
    _close(float(res.expected_iterations), want["iters_data"], what + " E_p[T]")
    _close(float(res.expected_iterations_sampler), want["iters_sampler"], what + " E_q[T]")


@pytest.mark.parametrize("name,pmf", LAWS, ids=[n for n, _ in LAWS])
def test_entropy_sum_vs_every_order(name, pmf):
    t = make_target(pmf, pmf.shape[0], pmf.ndim)
    for eta in _etas(pmf):
        if pmf.ndim == 5 and eta not in (Fraction(3, 10), Fraction(9, 10)):
            continue  # L = 5: 120 orders; the cheap η cases are covered at L <= 4
        res = run_chain(t, f"entropy-sum:eta={eta}")
        _compare(res, AO.entropy_sum_direct(pmf, AO.FloatDecide(eta)), f"{name} eta={eta}")


@pytest.mark.parametrize("name,pmf", LAWS[:3] + LAWS[4:5], ids=[n for n, _ in LAWS[:3] + LAWS[4:5]])
def test_entropy_sum_imperfect_predictor(name, pmf):
    t = make_target(pmf, pmf.shape[0], pmf.ndim)
    pred = parse_predictor("mix:lam=1/10")
    for eta in (Fraction(1, 1000), Fraction(3, 10), Fraction(9, 10)):
        res = run_chain(t, f"entropy-sum:eta={eta}", pred)
        want = AO.entropy_sum_direct(pmf, AO.FloatDecide(eta), AO.mix_predictor(pmf, 0.1))
        _compare(res, want, f"{name} mix eta={eta}")


COMPARATORS = [("max-entropy", "eta=0.4", 0.4), ("max-entropy", "eta=0.05", 0.05), ("eb", "gamma=0.3", 0.3),
               ("eb", "gamma=1.1", 1.1), ("topk", "k=1", 1), ("topk", "k=2", 2),
               ("threshold", "tau=0.7", 0.7), ("threshold", "tau=0.95", 0.95)]


@pytest.mark.parametrize("rule,arg,param", COMPARATORS, ids=[f"{r}:{a}" for r, a, _ in COMPARATORS])
def test_comparators_run_literally(rule, arg, param):
    for name, pmf in LAWS[:5]:
        t = make_target(pmf, pmf.shape[0], pmf.ndim)
        _compare(run_chain(t, f"{rule}:{arg}"), AO.comparator_direct(pmf, rule, param), f"{name} {rule}:{arg}")
    name, pmf = LAWS[1]
    t = make_target(pmf, 2, pmf.ndim)
    res = run_chain(t, f"{rule}:{arg}", parse_predictor("mix:lam=1/10"))
    _compare(res, AO.comparator_direct(pmf, rule, param, AO.mix_predictor(pmf, 0.1)), f"{name} {rule}:{arg} mix")


# ------------------------------------------------------------------ limiting cases


def _exact(pmf_frac):
    arr = np.empty(pmf_frac.shape, dtype=object)
    for idx in np.ndindex(pmf_frac.shape):
        arr[idx] = fmpq(pmf_frac[idx].numerator, pmf_frac[idx].denominator)
    return make_target(arr, pmf_frac.shape[0], pmf_frac.ndim, exact=True)


def _frac_law(weights, q, L):
    w = [Fraction(v) for v in weights]
    tot = sum(w)
    return np.array([v / tot for v in w], dtype=object).reshape((q,) * L)


def test_product_law_is_sampled_exactly_at_every_eta():
    pmf = _frac_law([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 2, 4)
    # make it a product: outer product of per-position Bernoullis
    ps = [Fraction(1, 3), Fraction(1, 2), Fraction(3, 4), Fraction(1, 5)]
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = math.prod((p if v else 1 - p) for p, v in zip(ps, idx))
    t = _exact(pmf)
    for eta in ("0", "1/100", "log(2)", "1", "10"):
        res = run_chain(t, f"entropy-sum:eta={eta}")
        assert res.expected_kl == LogLinear.constant(0)
        assert all(a == b for a, b in zip(res.mixture.ravel(), t.pmf.ravel()))


def test_eta_zero_reveals_one_token_per_step_and_samples_p():
    name, pmf = LAWS[0]  # full support: every conditional entropy is > 0
    assert np.all(pmf > 0)
    t = make_target(pmf, 2, pmf.ndim, exact=True)
    res = run_chain(t, "entropy-sum:eta=0")
    assert res.expected_iterations == pmf.ndim and res.expected_iterations_sampler == pmf.ndim
    assert set(res.batch_sizes) == {1}
    assert all(a == b for a, b in zip(res.mixture.ravel(), t.pmf.ravel()))
    assert res.expected_kl == LogLinear.constant(0)


@pytest.mark.parametrize("name,pmf", LAWS[:5], ids=[n for n, _ in LAWS[:5]])
def test_eta_above_sum_of_marginal_entropies_gives_one_block(name, pmf):
    s = AO.sum_marginal_entropies(pmf)
    t = make_target(pmf, pmf.shape[0], pmf.ndim)
    res = run_chain(t, f"entropy-sum:eta={math.ceil(s) + 1}")
    assert float(res.expected_iterations) == pytest.approx(1) and float(res.expected_iterations_sampler) == pytest.approx(1)
    _close(float(res.expected_kl), AO.total_correlation(pmf), f"{name}: one block, KL = TC")


@pytest.mark.parametrize("L,delta", [(4, Fraction(1, 3)), (5, Fraction(1, 4)), (3, Fraction(1, 2))])
def test_copy_law_closed_form(L, delta):
    """Copy law X_1 = … = X_L ~ Bern(δ), h = h(δ): η < h ⇒ KL 0 and T = 2 (one token, then the
    rest at entropy 0); η ≥ h ⇒ first batch m = min(⌊η/h⌋ + 1, L) tokens and KL = (m − 1) h."""
    pmf = np.empty((2,) * L, dtype=object)
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = Fraction(0)
    pmf[(0,) * L], pmf[(1,) * L] = 1 - delta, delta
    t = _exact(pmf)
    h = LogLinear.log(fmpq(delta.denominator, delta.numerator), fmpq(delta.numerator, delta.denominator)) + \
        LogLinear.log(fmpq(delta.denominator, delta.denominator - delta.numerator),
                      fmpq(delta.denominator - delta.numerator, delta.denominator))
    hf = -float(delta) * math.log(delta) - float(1 - delta) * math.log(1 - delta)
    for eta_text, eta_f in (("1/100", 0.01), ("1/2", 0.5), ("1", 1.0), ("3/2", 1.5), ("5", 5.0)):
        res = run_chain(t, f"entropy-sum:eta={eta_text}")
        if eta_f < hf:
            m = 1
        else:
            m = min(math.floor(eta_f / hf) + 1, L)
        assert res.expected_kl == h * (m - 1), (eta_text, float(res.expected_kl), m)
        assert res.expected_iterations == (1 if m == L else 2)


# ------------------------------------------------------------------ exact ties


def _fair_bits(L):
    pmf = np.empty((2,) * L, dtype=object)
    for idx in np.ndindex(pmf.shape):
        pmf[idx] = Fraction(1, 2 ** L)
    return pmf


def test_tie_eta_log2_uses_strict_inequality():
    """Fair bits, every entropy = log 2. η = log 2: one token does not exceed η (strict), two do:
    batches 2 then 1. η = 2 log 2: three tokens per batch. Checked against the oracle's exact
    comparisons and in both number types."""
    pmf = _fair_bits(3)
    for exact in (True, False):
        t = _exact(pmf) if exact else make_target(np.asarray(pmf, dtype=float), 2, 3)
        r1 = run_chain(t, "entropy-sum:eta=log(2)")
        assert float(r1.expected_iterations) == pytest.approx(2) and set(r1.batch_sizes) == {1, 2}
        r2 = run_chain(t, "entropy-sum:eta=2*log(2)")
        assert float(r2.expected_iterations) == pytest.approx(1)
    assert AO.first_batches_direct(pmf, AO.ExactEntropy(("log", 1, 2))) == {2: 1}
    assert AO.first_batches_direct(pmf, AO.ExactEntropy(("log", 2, 2))) == {3: 1}


@pytest.mark.parametrize("exact", [True, False])
def test_eta_one_float_step_around_ln2(exact):
    """η the rational value of the float one step below / above ln 2 (math.nextafter)."""
    pmf = _fair_bits(3)
    t = _exact(pmf) if exact else make_target(np.asarray(pmf, dtype=float), 2, 3)
    ln2 = math.log(2)
    # float(ln 2) is within half an ulp of ln 2, so one step down is below it and one step up above
    below = Fraction(math.nextafter(ln2, 0))
    above = Fraction(math.nextafter(ln2, 1))
    for eta in (below, above):
        want = AO.entropy_sum_direct(pmf, AO.ExactEntropy(eta))
        res = run_chain(t, f"entropy-sum:eta={eta.numerator}/{eta.denominator}")
        _compare(res, want, f"eta={float(eta)!r}")
        # below ln 2 every single fair bit already exceeds η; above it, two are needed
        assert float(res.expected_iterations) == pytest.approx(3 if eta is below else 2)


def test_tie_on_a_non_symmetric_law_matches_exact_oracle():
    """Product of Bern(1/2), Bern(1/2), Bern(1/4) and a correlated law with a fair first bit,
    at η = log 2 and η = h(1/4) = (1/4) log(256/27): every order resolved with exact comparisons."""
    ps = [Fraction(1, 2), Fraction(1, 2), Fraction(1, 4)]
    prod = np.empty((2,) * 3, dtype=object)
    for idx in np.ndindex(prod.shape):
        prod[idx] = math.prod((p if v else 1 - p) for p, v in zip(ps, idx))
    corr = _frac_law([3, 1, 0, 4, 1, 3, 4, 0], 2, 3)  # X_1 fair; X_2 | X_1 and X_3 | X_1 skewed
    for pmf in (prod, corr):
        t = _exact(pmf)
        for spec, eta in (("log(2)", ("log", 1, 2)), ("1/4*log(256/27)", ("log", Fraction(1, 4), Fraction(256, 27)))):
            want = AO.entropy_sum_direct(pmf, AO.ExactEntropy(eta))
            _compare(run_chain(t, f"entropy-sum:eta={spec}"), want, f"eta={spec}")
            tf = make_target(np.asarray(pmf, dtype=float), 2, 3)
            _compare(run_chain(tf, f"entropy-sum:eta={spec}"), want, f"float target eta={spec}")


def test_float_target_branches_are_decided_on_its_exact_law():
    """A float target whose rounding breaks an exact tie. X_1 uniform on 3 values, X_2 and X_3
    independent of it with law (1/2, 1/4, 1/4), whose entropy is exactly η = (3/2) log 2. The float
    copy moves two entries by 2^-40 toward uniform, so one conditional's entropy rises just above
    η. Given the exact law, every branch is decided on it and the result matches the oracle's exact
    comparisons (up to the 2^-40 perturbation); decided on the float entries, E_p[T] moves by about
    0.3 (checked, so the case really separates the two)."""
    dist = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    pmf = np.empty((3, 3, 3), dtype=object)
    for a, b, c in np.ndindex(pmf.shape):
        pmf[a, b, c] = Fraction(1, 3) * dist[b] * dist[c]
    fl = np.asarray(pmf, dtype=float)
    fl[0, 0, 0] -= 2.0**-40
    fl[0, 1, 0] += 2.0**-40
    tf = make_target(fl, 3, 3)
    want = AO.entropy_sum_direct(pmf, AO.ExactEntropy(("log", Fraction(3, 2), 2)))
    res = run_chain(tf, "entropy-sum:eta=3/2*log(2)", exact_target=_exact(pmf))
    assert float(res.expected_iterations) == pytest.approx(want["iters_data"], abs=1e-9)
    assert float(res.expected_iterations_sampler) == pytest.approx(want["iters_sampler"], abs=1e-9)
    assert float(res.expected_kl) == pytest.approx(want["expected_kl"], abs=1e-9)
    rounded = run_chain(tf, "entropy-sum:eta=3/2*log(2)")
    assert abs(float(rounded.expected_iterations) - want["iters_data"]) > 0.1


PREVIEW_LAWS = {
    "q2-L4": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 2, 4),
    "q2-L4-zeros": ([3, 0, 0, 1, 2, 0, 5, 1, 0, 4, 1, 0, 0, 2, 7, 1], 2, 4),  # zero-mass states
    "q3-L3": ([(7 * k) % 11 + (k % 3 == 0) for k in range(27)], 3, 3),
}


@pytest.mark.parametrize("name", sorted(PREVIEW_LAWS))
@pytest.mark.parametrize("exact", [False, True])
def test_float_previews_of_a_level_are_the_conditionals_entropies(name, exact):
    """The float previews (entropy, top probability) of every (S, j, x_S), which the engine takes
    from one batched conditional layer per level, against the oracle's conditionals (zero-mass
    states included: uniform there)."""
    import itertools

    from verify.engine.adaptive import RunContext
    from verify.engine.info import Marginals
    from verify.engine.predictors import PERFECT

    pmf = _frac_law(*PREVIEW_LAWS[name])
    q, L = pmf.shape[0], pmf.ndim
    t = _exact(pmf) if exact else make_target(np.asarray(pmf, dtype=float), q, L)
    ctx = RunContext(t, Marginals(t), PERFECT, parse_rule("entropy-sum:eta=1/2", L))
    for n in range(L):
        for S in itertools.combinations(range(L), n):
            for j in (j for j in range(L) if j not in S):
                H, top = ctx.float_columns(S, j)
                for k, xs in enumerate(itertools.product(range(q), repeat=n)):
                    want = AO.conditional(pmf, j, dict(zip(S, xs)))
                    assert H[k] == pytest.approx(AO.entropy(want), abs=1e-12), (S, j, xs)
                    assert top[k] == pytest.approx(float(max(want)), abs=1e-15), (S, j, xs)
        assert ("level", n) in ctx._cols  # the level was filled at once, from the layer


# ------------------------------------------------------------------ spec errors


@pytest.mark.parametrize("spec", ["entropy-sum:eta=-1", "entropy-sum:eta=-log(2)", "entropy-sum:eta=log(1/2)",
                                  "entropy-sum:eta=exp(1)", "entropy-sum:eta=log(2)+1", "entropy-sum",
                                  "eb:gamma=-0.1", "topk:k=0", "topk:k=1.5", "threshold:tau=0",
                                  "threshold:tau=1.01", "threshold:tau=log(2)", "max-entropy:eta=abc",
                                  "entropy-sum:eta=__import__('os')"])
def test_bad_rule_parameters(spec):
    with pytest.raises(SpecError) as err:
        parse_rule(spec, 4)
    assert "\n" not in str(err.value)


def test_symbolic_eta_values():
    assert parse_rule("entropy-sum:eta=log(2)", 3).value == LogLinear.log(2)
    assert parse_rule("entropy-sum:eta=2*log(3/2)", 3).value == LogLinear.log(fmpq(9, 4))
    assert parse_rule("entropy-sum:eta=0.4", 3).value == fmpq(2, 5)
    assert parse_rule("threshold:tau=1", 3).value == 1
