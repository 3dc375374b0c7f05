"""Float enclosures of the adaptive chain (engine/floattwin.py ``FloatTwin.adaptive``,
certify/floatlaw.py ``ChainTrace``; docs/certification.md "Float enclosures of the adaptive
chain") against the engine-free oracle tests/adaptive_oracle.py, run on exact Fractions.

The oracle runs every rule literally (every order π for entropy-sum, every comparison decided
exactly) and gives, per run, q_π(x), T_π(x) and #{t : |B_t| ≥ 2} as exact Fractions. From them, in
exact rationals or 256-bit arb balls: the mixture law r = mean_π q_π, E_π KL(p ‖ q_π), KL(p ‖ r),
E_p T, E_q T, E_p #{|B| ≥ 2}, and E_π H(q_π) (= E_q Σ_t Σ_{j∈B_t} Ĥ_j, the sampler-law entropy
sum). Every enclosure must contain its exact value; shrunk radii must miss.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, ctx, fmpq

import adaptive_oracle as orc
from verify.certify import floatlaw
from verify.engine.floattwin import FloatTwin, enclosed_adaptive_metric
from verify.engine.predictors import parse_predictor
from verify.engine.rules import parse_rule
from verify.engine.target import make_target

# (engine spec, oracle rule) per rule kind; thresholds include exact ties (log 2 with a fair bit)
RULES = [
    ("entropy-sum:eta=1/2", ("entropy-sum", Fraction(1, 2))),
    ("entropy-sum:eta=log(2)", ("entropy-sum", ("log", 1, 2))),
    ("entropy-sum:eta=1,max=2", ("entropy-sum", Fraction(1), None, 2)),
    ("threshold:tau=1/2", ("threshold", Fraction(1, 2))),
    ("threshold:tau=9/10,min=2", ("threshold", Fraction(9, 10), 2, None)),
    ("topk:k=2", ("topk", 2)),
    ("max-entropy:eta=1/2", ("max-entropy", Fraction(1, 2))),
    ("max-entropy:eta=log(2),max=2", ("max-entropy", ("log", 1, 2), None, 2)),
    ("eb:gamma=1/2", ("eb", Fraction(1, 2))),
    ("eb:gamma=log(2)", ("eb", ("log", 1, 2))),
]
PREDICTORS = [("perfect", None), ("mix:lam=1/10", Fraction(1, 10)), ("mix:lam=1/3", Fraction(1, 3))]


def _random_law(rng, q, L):
    """Fractions (oracle) and fmpq (engine) of one random law: small integer weights, sometimes
    zeros (off-support states, SER > 0), sometimes repeated values (exact entropy ties)."""
    w = rng.integers(0, 7, size=q**L)
    if rng.random() < 0.3:
        w[rng.random(q**L) < 0.4] = 0
    if rng.random() < 0.3:
        w = np.where(w > 0, 2, 0)
    if w.sum() == 0:
        w[0] = 1
    tot = int(w.sum())
    fr = np.array([Fraction(int(v), tot) for v in w], dtype=object).reshape((q,) * L)
    fq = np.array([fmpq(int(v), tot) for v in w], dtype=object).reshape((q,) * L)
    return fr, fq


def _oracle_runs(pmf, rule, lam):
    """[{x: (q_π(x), T, T2)}] of the rule, Fractions throughout."""
    q, L = pmf.shape[0], pmf.ndim
    pred = orc.perfect(pmf) if lam is None else orc.mix_predictor(pmf, lam)
    kind, param, *caps = rule
    lo, hi = caps if caps else (None, None)
    if kind == "entropy-sum":
        decide = orc.ExactEntropy(param)
        return [orc._walk(pmf, pred, orc.entropy_sum_policy(pred, decide, perm, lo, hi), L, q)
                for perm in itertools.permutations(range(L))]
    return [orc._walk(pmf, pred, orc.comparator_policy(pmf, kind, param, pred, lo, hi), L, q)]


def _a(v) -> arb:
    v = Fraction(v)
    return arb(fmpq(v.numerator, v.denominator))


def _exact_values(pmf, runs):
    """The exact quantities (module docstring): Fractions, or 256-bit arb balls for the logs."""
    n = len(runs)
    mix, eT, eTq, ge2 = {}, Fraction(0), Fraction(0), Fraction(0)
    ekl, ent_q = arb(0), arb(0)
    for run in runs:
        for x, (w, T, T2) in run.items():
            w = Fraction(w)
            p = Fraction(pmf[x])
            mix[x] = mix.get(x, Fraction(0)) + w / n
            eTq += w * T / n
            if w > 0:
                ent_q -= _a(w) * _a(w).log() / n
            if p > 0:
                ekl += _a(p) * (_a(p) / _a(w)).log() / n
                eT += p * T / n
                ge2 += p * T2 / n
    mkl = None
    if all(mix[x] > 0 for x in mix if pmf[x] > 0):
        mkl = sum((_a(pmf[x]) * (_a(pmf[x]) / _a(r)).log() for x, r in mix.items() if pmf[x] > 0), arb(0))
    return {"mixture": mix, "expected_kl": ekl, "mixture_kl": mkl, "expected_iterations": eT,
            "expected_iterations_sampler": eTq, "steps_ge2": ge2, "entropy_sum_sampler": ent_q}


class _Ball:
    def __init__(self, b):
        self.b = b

    def enclose(self, prec):
        return self.b


def _cases(seed: int, n: int):
    """n random (twin, rule, predictor, exact values): binary L ≤ 4 and ternary L ≤ 3, every rule
    kind, perfect and imperfect (mix) predictors."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        q = int(rng.choice([2, 3]))
        L = int(rng.integers(2, 5 if q == 2 else 4))
        fr, fq = _random_law(rng, q, L)
        twin = FloatTwin(make_target(fq, q, L, exact=True))
        H = -sum((_a(v) * _a(v).log() for v in fr.reshape(-1) if v != 0), arb(0))
        for spec, rule in RULES:
            if rng.random() < 0.5:
                continue
            pspec, lam = PREDICTORS[int(rng.integers(len(PREDICTORS)))]
            out.append((twin, parse_rule(spec, L), parse_predictor(pspec), H,
                        _exact_values(fr, _oracle_runs(fr, rule, lam))))
    return out


N_CASES = 1000


@pytest.fixture(scope="module")
def cases():
    old = ctx.prec
    ctx.prec = 256
    try:
        yield _cases(seed=26, n=N_CASES)
    finally:
        ctx.prec = old


def _law_ratio(enc, mix):
    """max over x of |r̂ − r| / (γ r) in exact rationals (inf where r = 0 ≠ r̂)."""
    gamma = enc.gamma
    worst = fmpq(0)
    for x, r in mix.items():
        d = abs(fmpq(*float(enc.law[x]).as_integer_ratio()) - fmpq(r.numerator, r.denominator))
        if d == 0:
            continue
        if r == 0:
            return float("inf")
        worst = max(worst, d / (gamma * fmpq(r.numerator, r.denominator)))
    return worst


def test_enough_instances(cases):
    assert len(cases) >= N_CASES
    assert {rule.kind for _, rule, _, _, _ in cases} == {"entropy-sum", "threshold", "topk", "max-entropy", "eb"}
    assert {pred.kind for _, _, pred, _, _ in cases} == {"perfect", "mix"}
    assert {twin.target.q for twin, *_ in cases} == {2, 3}
    assert sum(twin.adaptive(rule, pred) is not None for twin, rule, pred, _, _ in cases) == len(cases)


def test_adaptive_law_enclosure_contains_the_exact_law(cases):
    """|r̂(x) − r(x)| ≤ γ_N r(x) at every x, N = the chain's operation count."""
    worst = max(_law_ratio(twin.adaptive(rule, pred).law, ex["mixture"]) for twin, rule, pred, _, ex in cases)
    assert worst <= 1, f"an entry is outside its enclosure (ratio {float(worst)})"


NAMES = ("mixture_kl", "expected_kl", "expected_iterations", "expected_iterations_sampler", "steps_ge2",
         "entropy_sum_sampler")


def test_adaptive_metric_enclosures_contain_the_exact_values(cases):
    old = ctx.prec
    ctx.prec = 256
    try:
        for twin, rule, pred, H, ex in cases:
            for name in NAMES:
                got = enclosed_adaptive_metric(twin, name, rule, pred, _Ball(H))
                want = ex[name]
                if want is None:  # r = 0 somewhere p > 0: infinite KL, no enclosure
                    assert got is None
                    continue
                want = want if isinstance(want, arb) else _a(want)
                ball = arb(got) if isinstance(got, fmpq) else got.ball  # an exact value: a point
                assert ball.contains(want) if not isinstance(got, fmpq) else want.contains(ball), \
                    (rule.spec, pred.spec, name, got, want)
            tv = sum((abs(Fraction(int(twin.exact_target.pmf[x].p), int(twin.exact_target.pmf[x].q)) - r)
                      for x, r in ex["mixture"].items()), Fraction(0)) / 2
            got = enclosed_adaptive_metric(twin, "tv", rule, pred)
            assert (tv == 0 and got == 0) if isinstance(got, fmpq) else got.ball.contains(_a(tv))
    finally:
        ctx.prec = old


@pytest.mark.parametrize("factor", [8])  # worst observed |r̂ − r| / (γ r) on these cases: 0.16
def test_shrunk_radius_misses(cases, monkeypatch, factor):
    """The law's radius is not vacuous: divided by ``factor``, some entry leaves its enclosure."""
    orig = floatlaw.relative_radius
    monkeypatch.setattr(floatlaw, "relative_radius", lambda n: orig(n) / factor)
    worst = max(_law_ratio(twin.adaptive(rule, pred).law, ex["mixture"]) for twin, rule, pred, _, ex in cases)
    assert worst > 1


def test_radius_is_not_absurdly_loose(cases):
    """The counted radius is within a factor 2^12 of the worst observed error (a sanity bound on
    the analysis, not a proof: the bound of the test above is the proof's)."""
    worst = max(_law_ratio(twin.adaptive(rule, pred).law, ex["mixture"]) for twin, rule, pred, _, ex in cases)
    assert worst > fmpq(1, 2**12)


def test_temp_noise_and_underflow_fall_back_to_the_exact_path():
    """No enclosure where the operation counts do not apply (temp, noise) or the chain could
    underflow: the exact path answers there."""
    fq = np.array([fmpq(1, 4)] * 4, dtype=object).reshape(2, 2)
    twin = FloatTwin(make_target(fq, 2, 2, exact=True))
    rule = parse_rule("entropy-sum:eta=1/2", 2)
    assert twin.adaptive(rule, parse_predictor("temp:beta=2")) is None
    assert twin.adaptive(rule, parse_predictor("noise:sigma=1/2,seed=1")) is None
    tiny = np.array([fmpq(1, 2**1000), fmpq(1, 2) - fmpq(1, 2**1000), fmpq(1, 4), fmpq(1, 4)],
                    dtype=object).reshape(2, 2)
    twin = FloatTwin(make_target(tiny, 2, 2, exact=True))
    assert twin.adaptive(rule, parse_predictor("perfect")) is None
    # every entry in range, but the a-priori product bound (pmf · L weights · L + 1 conditionals)
    # leaves it: refused too
    small = np.array([fmpq(1, 2**300), fmpq(1, 2) - fmpq(1, 2**300), fmpq(1, 4), fmpq(1, 4)],
                     dtype=object).reshape(2, 2)
    twin = FloatTwin(make_target(small, 2, 2, exact=True))
    assert twin.adaptive(rule, parse_predictor("perfect")) is None


# ------------------------------------------------------------------ operation counts in closed form

def _product_target(L, tops):
    """Independent bits with P(X_j = 0) = tops[j] (distinct: the confidence order is forced)."""
    vals = []
    for x in itertools.product(range(2), repeat=L):
        v = fmpq(1)
        for j, b in enumerate(x):
            v *= tops[j] if b == 0 else 1 - tops[j]
        vals.append(v)
    return make_target(np.array(vals, dtype=object).reshape((2,) * L), 2, L, exact=True)


def _Nc(L, q, n, kind):
    """Conditional count by hand (docs/certification.md table): N_m(k) = 1 + (L − k)(q − 1)."""
    Nm = lambda k: 1 + (L - k) * (q - 1)  # noqa: E731
    c = Nm(n + 1) + 2 * Nm(n) + 1
    return c + 3 if kind == "mix" else c


@pytest.mark.parametrize("pspec,kind", [("perfect", "perfect"), ("mix:lam=1/10", "mix")])
def test_chain_count_one_token_per_step(pspec, kind):
    """topk:k=1 on independent bits of distinct confidences: the path () → {0} → {0,1} → [3] at
    every x, one array per state; each step adds 2 (weight) + 1 (product) + N_c(n) + 1."""
    twin = FloatTwin(_product_target(3, [fmpq(9, 10), fmpq(8, 10), fmpq(7, 10)]))
    enc = twin.adaptive(parse_rule("topk:k=1", 3), parse_predictor(pspec))
    assert enc.law.ops == sum(3 + _Nc(3, 2, n, kind) + 1 for n in range(3))


def test_chain_counts_of_the_masses_and_cross_entropy_weights():
    """The same path, L = 3, q = 2, N_m(k) = 1 + (3 − k): ρ has count 0, 3, 6 at |S| = 0, 1, 2
    (+3 per step: weight 2, one product); wD = p_S ρ has count N_m(n) + count(ρ) + 1 = 5, 7, 9 and
    its mass adds |S|-many values: 5 + 0, 7 + 1, 9 + 3. The data-path weight c_j = wD · P(B) has
    count wD + 3 = 8, 10, 12, and c_j · p_j adds N_c(n) + 1 = 13, 10, 7. Σ p = L = 3 exactly."""
    twin = FloatTwin(_product_target(3, [fmpq(9, 10), fmpq(8, 10), fmpq(7, 10)]))
    enc = twin.adaptive(parse_rule("topk:k=1", 3), parse_predictor("perfect"))
    assert [c for _, c in enc.trace.masses["eT"]] == [5, 8, 12]
    assert [w for _, _, w, _ in enc.trace.cross["kl"]] == [21, 20, 19]
    assert [c for _, _, _, c in enc.trace.cross["kl"]] == [_Nc(3, 2, n, "perfect") for n in range(3)]
    w = sum((float(p[0].sum()) for p in enc.trace.cross["kl"]), 0.0)
    assert abs(w - 3) < 1e-12  # the premise Σ p = L of the cross-entropy ball
    assert enc.cross("kl").rad() == floatlaw.chain_cross_entropy_ball(enc.trace.cross["kl"], 3).rad()


def test_chain_cross_entropy_uses_the_largest_counts():
    """Terms of different counts are enclosed at the largest ones (a smaller count is no bound)."""
    w1, c1 = np.array([0.25, 0.75]), np.array([0.5, 0.5])
    w2, c2 = np.array([1.0]), np.array([0.25])
    got = floatlaw.chain_cross_entropy_ball([(w1, c1, 5, 70), (w2, c2, 90, 3)], 2)
    want = floatlaw.cross_entropy_ball(np.concatenate([w1, w2]), np.concatenate([c1, c2]), 90, 70, 2)
    assert got.mid() == want.mid() and got.rad() == want.rad()


def test_chain_count_sums_the_arrays_reaching_a_state():
    """entropy-sum at η = 0 on two bits: () → {0} or {1} (weight 1/2 each) → [2]; the last state is
    reached by two arrays, one addition."""
    twin = FloatTwin(_product_target(2, [fmpq(9, 10), fmpq(6, 10)]))
    enc = twin.adaptive(parse_rule("entropy-sum:eta=0", 2), parse_predictor("perfect"))
    step = [3 + _Nc(2, 2, n, "perfect") + 1 for n in range(2)]
    assert enc.law.ops == step[0] + step[1] + 1


# ------------------------------------------------------------------ the proof check

def test_float_path_gives_the_exact_paths_verdicts_on_adaptive_claims():
    """The entropy-sum grid's claims (inequalities: mostly decided from the float chain) and the
    identities D-MIX.threshold, WLL26.T1 (exact) give the same verdicts with the float path on and
    off, and the same statistics and recorded values to 1e-12 (ball midpoints for display)."""
    import verify.claims.check as check
    from proofs_numeric import claim_by_id

    # at least floatcheck.MIN_ADAPTIVE_ENTRIES joint entries (smaller targets go exact), plus one below
    targets = ["markov:L=6,q=2,flip=1/10", "dirichlet:L=4,q=3,alpha=1/2,seed=1", "markov:L=3,q=2,flip=1/10"]
    by_float = 0
    saved = check.float_verdict
    decided_by_float = []

    def counting(*a):
        v = saved(*a)
        decided_by_float.append(v is not None)
        return v

    for cid in ("D-MIX.entropy-sum", "CL26.T1", "CL26.STEP", "CL26.STEP.state", "CL26.BUDGET", "CL26.ITER",
                "CL26.ITERQ", "D-MIX.threshold", "WLL26.T1"):
        claim = claim_by_id(cid)
        decided_by_float.clear()
        check.float_verdict = counting
        try:
            fast = check.claim_rows(claim, "ci", check.TargetCache(), targets=targets)
        finally:
            check.float_verdict = saved
        check.float_verdict = lambda *a: None
        try:
            slow = check.claim_rows(claim, "ci", check.TargetCache(), targets=targets)
        finally:
            check.float_verdict = saved
        assert fast and [r.status for r in fast] == [r.status for r in slow], cid
        for a, b in zip(fast, slow):  # display values (statistic, record) from the float run's balls
            if b.statistic is not None:
                assert abs(a.statistic - b.statistic) <= 1e-12 * (1 + abs(b.statistic)), cid
            for k, v in (b.values or {}).items():
                assert abs(a.values[k] - v) <= 1e-12 * (1 + abs(v)), cid
        n = sum(decided_by_float)
        if cid in ("D-MIX.threshold", "WLL26.T1"):
            assert n == 0  # identities are never decided from a ball
        by_float += n
    assert by_float > 20


def test_certified_maxima_of_the_float_run_are_the_exact_ones(cases):
    """budget_max and excess_max (CL26.BUDGET, CL26.STEP.state) served from the float run are exact
    forms: equal to the oracle's maxima (floats, within 1e-9) on the entropy-sum instances."""
    n = 0
    for twin, rule, pred, _, _ in cases:
        if rule.kind != "entropy-sum" or pred.kind != "perfect" or n >= 150:
            continue
        enc = twin.adaptive(rule, pred)
        fr = np.array([Fraction(int(v.p), int(v.q)) for v in twin.exact_target.pmf.reshape(-1)],
                      dtype=object).reshape(twin.exact_target.pmf.shape)
        eta = {"1/2": Fraction(1, 2), "log(2)": ("log", 1, 2), "1": Fraction(1)}[str(rule.params["eta"])]
        lo_hi = (None, 2) if rule.cap_max == 2 else (None, None)
        stats: dict = {}
        orc.entropy_sum_direct(fr, orc.ExactEntropy(eta), stats=stats, lo=lo_hi[0], hi=lo_hi[1])
        for key, name in (("budget", "budget_max"), ("excess", "excess_max")):
            got = enclosed_adaptive_metric(twin, name, rule, pred)
            assert not hasattr(got, "ball")  # an exact form, decided exactly downstream
            assert abs(float(got.enclose(128).mid()) - stats[key]) < 1e-9, (rule.spec, name)
        n += 1
    assert n >= 50


def test_exact_run_after_the_float_run_reuses_its_decisions_and_matches_the_oracle(cases):
    """An exact run given the float run's store of decided batch laws (and maxima) skips the
    decisions; its exact law, E_p T, E_q T and expected KL still equal the oracle's."""
    from verify.engine.adaptive import run_chain

    n = 0
    for twin, rule, pred, H, ex in cases[:200]:
        decided: dict = {}
        twin.adaptive_runs.pop((rule.spec, pred.spec), None)
        twin.adaptive(rule, pred, decided)
        assert decided[("laws", rule.spec)]  # the float run stored its decisions
        res = run_chain(twin.exact_target, rule, pred, twin.exact_marginals, stats=True, shared={"decided": decided})
        for x, r in ex["mixture"].items():
            assert res.mixture[x] == fmpq(r.numerator, r.denominator)
        want = ex["expected_iterations"]
        assert res.expected_iterations == fmpq(want.numerator, want.denominator)
        want = ex["expected_iterations_sampler"]
        assert res.expected_iterations_sampler == fmpq(want.numerator, want.denominator)
        assert res.expected_kl.enclose(256).overlaps(ex["expected_kl"])
        n += 1
    assert n == 200


def test_exact_values_proved_by_the_float_run(cases):
    """Perfect predictor: where the float run serves exact values (all batches singletons on data
    paths: 0; one batch of all L: TC), they are the oracle's: the mixture law is p, resp. the
    expected and mixture KLs equal TC (Σ_j H(X_j) − H, from Fractions)."""
    n_zero = n_tc = 0
    for twin, rule, pred, H, ex in cases:
        if pred.kind != "perfect":
            continue
        fr = {x: Fraction(int(v.p), int(v.q)) for x, v in np.ndenumerate(twin.exact_target.pmf)}
        L, q = twin.target.L, twin.target.q
        Hj = arb(0)
        for j in range(L):
            for v in range(q):
                pj = sum((p for x, p in fr.items() if x[j] == v), Fraction(0))
                if pj:
                    Hj -= _a(pj) * _a(pj).log()
        tc = Hj - H
        got = {name: enclosed_adaptive_metric(twin, name, rule, pred, _Ball(H), TC=lambda: _Ball(tc))
               for name in ("mixture_kl", "expected_kl", "tv", "ser", "steps_ge2")}
        if isinstance(got["expected_kl"], fmpq):
            assert all(v == 0 for v in got.values())
            assert ex["mixture"] == fr and ex["steps_ge2"] == 0
            assert ex["expected_kl"].contains(0)
            n_zero += 1
        elif isinstance(got["expected_kl"], _Ball):
            assert got["mixture_kl"] is got["expected_kl"] or got["mixture_kl"].b is got["expected_kl"].b
            assert ex["expected_kl"].overlaps(tc) and ex["mixture_kl"].overlaps(tc)
            n_tc += 1
    assert n_zero > 20 and n_tc > 5


def test_float_decided_rows_run_no_exact_chain():
    """CL26.ITERQ (a statistic) and CL26.ITER (a record) decided from the float run read its values
    for display: the exact chain of those instances is never built (no exact result cached)."""
    import verify.claims.check as check
    from proofs_numeric import claim_by_id

    cache = check.TargetCache()
    spec = "markov:L=6,q=2,flip=1/10"
    for cid in ("CL26.ITERQ", "CL26.ITER"):
        rows = check.claim_rows(claim_by_id(cid), "ci", cache, targets=[spec])
        assert rows and all(r.status == "certified" for r in rows)
    exact_runs = [k for k in cache.workspace(spec).adaptive if len(k) == 2 and k[0] != "shared"]
    assert exact_runs == []



def test_a_displayed_ball_holding_0_shows_0_never_a_sign():
    """Sides decided from float enclosures are displayed from their balls; a ball holding 0 (a KL of
    0 enclosed as -8e-16 ± 1e-13, alone or inside a scaled difference as CL26.ITER's side) is shown as
    0.0, a member of the ball without a sign the value may not have; other balls show their midpoint."""
    from flint import arb, fmpq

    from verify.certify.floatlaw import FloatBall
    from verify.certify.verdicts import Scaled, Sum, _display_float

    kl = FloatBall(arb(-8e-16, 1e-13), "kl")
    assert _display_float(kl) == 0.0
    assert _display_float(Sum(Scaled(fmpq(1, 2), kl), Scaled(fmpq(-1), FloatBall(arb(0, 1e-13), "t")))) == 0.0
    assert _display_float(FloatBall(arb(0.25, 1e-13), "x")) == 0.25
    assert _display_float(FloatBall(arb(-0.25, 1e-13), "x")) == -0.25
