"""Float enclosures of the mixture law and its metrics (docs/certification.md, "Float enclosures").

Every enclosure must contain the exact value, computed here by an exact brute-force oracle that
shares no code with the engine: all L! orders (or all N^L mdm label vectors) cut into blocks, each
plan's law a product of conditionals summed from the joint, in python-flint rationals. The radius
is attacked: shrunk by a factor, some law entry falls outside. Only ``floatverdict.py`` decides a
verdict from a float enclosure (grep).
"""
from __future__ import annotations

import ast
import itertools
import math
import re
from math import factorial
from pathlib import Path

import numpy as np
import pytest
from flint import arb, ctx, fmpq

from verify.certify import floatlaw
from verify.engine.floattwin import FloatTwin, enclosed_metric
from verify.engine.info import Marginals
from verify.engine.predictors import parse_predictor
from verify.engine.samplers import parse_sampler
from verify.engine.target import make_target

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ exact oracle (no engine code)

def _cond_exact(pmf, q, L, i, known):
    """p_i(· | x_known) as q rationals, uniform off support, by summing the joint."""
    num = [fmpq(0)] * q
    for x in itertools.product(range(q), repeat=L):
        if all(x[j] == v for j, v in known.items()):
            num[x[i]] += pmf[x]
    tot = sum(num, fmpq(0))
    return [fmpq(1, q)] * q if tot == 0 else [v / tot for v in num]


def _plans_fixed(L, sizes):
    out = {}
    for perm in itertools.permutations(range(L)):
        blocks, k = [], 0
        for s in sizes:
            blocks.append(tuple(sorted(perm[k:k + s])))
            k += s
        out[tuple(blocks)] = out.get(tuple(blocks), fmpq(0)) + fmpq(1, factorial(L))
    return out


def _plans_mdm(L, pi):
    out = {}
    for labels in itertools.product(range(len(pi)), repeat=L):
        w = fmpq(1)
        for k in labels:
            w *= pi[k]
        if w == 0:
            continue
        blocks = tuple(b for b in (tuple(i for i in range(L) if labels[i] == k) for k in range(len(pi))) if b)
        out[blocks] = out.get(blocks, fmpq(0)) + w
    return out


def exact_mixture(pmf, q, L, plans, cond, ekl=None):
    """Σ_D P(D) Π_t Π_{i∈D_t} p̂_i(x_i | x_{U_t}) as a dict x → rational. With a list ``ekl``,
    appends a 256-bit ball of E_D KL(p ‖ q̂_D) = Σ_D P(D) Σ_{p>0} p log(p / q̂_D)."""
    law = {x: fmpq(0) for x in itertools.product(range(q), repeat=L)}
    old, ctx.prec = ctx.prec, 256
    total = arb(0)
    for blocks, w in plans.items():
        for x in law:
            prob, known = fmpq(1), {}
            for b in blocks:
                for i in b:
                    prob *= cond(i, tuple(sorted(known.items())))[x[i]]
                for i in b:
                    known[i] = x[i]
            law[x] += w * prob
            if ekl is not None and pmf[x] != 0:
                total += arb(w) * arb(pmf[x]) * (arb(pmf[x]) / arb(prob)).log()
    ctx.prec = old
    if ekl is not None:
        ekl.append(total)
    return law


# ------------------------------------------------------------------ random instances

PREDICTORS = ("perfect", "mix:lam=1/10", "mix:lam=1/3", "temp:beta=2", "noise:sigma=1/2,seed=1")


def _random_pmf(rng, q, L):
    w = rng.integers(0, 9, size=q**L)
    if rng.random() < 0.3:
        w[rng.random(q**L) < 0.4] = 0  # zeros: off-support conditionals, SER > 0
    if w.sum() == 0:
        w[0] = 1
    tot = int(w.sum())
    return np.array([fmpq(int(v), tot) for v in w], dtype=object).reshape((q,) * L)


def _random_composition(rng, L):
    cuts = sorted(c for c in range(1, L) if rng.random() < 0.5)
    return tuple(b - a for a, b in zip([0] + cuts, cuts + [L]))


def _samplers(rng, L):
    """(spec, plans dict for the oracle): every non-adaptive kind but plan."""
    out = []
    c = _random_composition(rng, L)
    out.append(("fixed:sizes=" + "+".join(map(str, c)), _plans_fixed(L, c)))
    K = int(rng.integers(1, L + 1))
    base, extra = divmod(L, K)
    even = tuple(base + 1 if t < extra else base for t in range(K))
    out.append((f"balanced:K={K}", _plans_fixed(L, even)))
    out.append((f"count:N={K}", _plans_fixed(L, even)))
    N = int(rng.integers(1, 4))
    out.append((f"mdm:N={N}", _plans_mdm(L, [fmpq(1, N)] * N)))
    a, b = (int(v) for v in rng.integers(0, 4, size=2))
    pi = [fmpq(a, a + b + 1), fmpq(b, a + b + 1), fmpq(1, a + b + 1)]
    out.append(("mdm:pi=" + "+".join(str(p) for p in pi), _plans_mdm(L, pi)))
    if L >= 2:
        c2 = _random_composition(rng, L)
        law = {}
        for w, sizes in ((fmpq(1, 3), c), (fmpq(2, 3), c2)):
            for plan, v in _plans_fixed(L, sizes).items():
                law[plan] = law.get(plan, fmpq(0)) + w * v
        spec = "random-size:law=1/3@" + "+".join(map(str, c)) + ";2/3@" + "+".join(map(str, c2))
        out.append((spec, law))
    return out


def _cases(seed, n_targets):
    """Yield (twin, schedule, predictor, exact law dict) over random targets (binary L ≤ 4,
    ternary L ≤ 3), every non-adaptive sampler kind and five predictors."""
    rng = np.random.default_rng(seed)
    for _ in range(n_targets):
        q = int(rng.choice([2, 3]))
        L = int(rng.integers(1, 5 if q == 2 else 4))
        pmf = _random_pmf(rng, q, L)
        target = make_target(pmf, q, L, spec="random", exact=True)
        m = Marginals(target)
        twin = FloatTwin(target, m)
        for pspec in PREDICTORS:
            pred = parse_predictor(pspec)
            if pred.perfect:
                memo = {}

                def cond(i, known, memo=memo):
                    if (i, known) not in memo:
                        memo[(i, known)] = _cond_exact(pmf, q, L, i, dict(known))
                    return memo[(i, known)]
            elif pred.kind == "mix":
                lam = pred.params["lam"]
                memo = {}

                def cond(i, known, memo=memo, lam=lam):
                    if (i, known) not in memo:
                        memo[(i, known)] = [(1 - lam) * v + lam / q for v in _cond_exact(pmf, q, L, i, dict(known))]
                    return memo[(i, known)]
            else:
                # temp, noise: the predictor's exact definition is the engine's (dyadic rounding of
                # a float computation); the oracle only reads its conditionals.
                memo = {}

                def cond(i, known, pred=pred, m=m, memo=memo):
                    if (i, known) not in memo:
                        B = tuple(j for j, _ in known)
                        memo[(i, known)] = list(pred.conditional(m, i, B)[tuple(v for _, v in known)])
                    return memo[(i, known)]
            for sspec, plans in _samplers(rng, L):
                sched = parse_sampler(sspec, L)
                ekl = [] if pred.kind in ("perfect", "mix") else None
                law = exact_mixture(pmf, q, L, plans, cond, ekl)
                if ekl:
                    EXPECTED_KL[(id(twin), sched.spec, pred.spec)] = ekl[0]
                yield twin, sched, pred, law


EXPECTED_KL: dict = {}  # (twin, sampler, predictor) → ball of the exact expected KL (perfect, mix)


def _law_ratio(enc, exact):
    """max over x of |r̂ − r| / (γ r) (0 where r = r̂ = 0; inf if r = 0 ≠ r̂)."""
    gamma = enc.gamma
    worst = fmpq(0)
    for x, r in exact.items():
        v = float(enc.law[x])
        d = abs(fmpq(*v.as_integer_ratio()) - r)
        if d == 0:
            continue
        if r == 0:
            return math.inf
        worst = max(worst, d / (gamma * r))
    return worst


def _exact_kl_ball(pmf, exact):
    total = arb(0)
    for x, r in exact.items():
        p = pmf[x]
        if p != 0:
            total += arb(p) * (arb(p) / arb(r)).log()
    return total


N_TARGETS = 60  # × 5 predictors × ~6 samplers: about 1,700 instances, a few seconds


@pytest.fixture(scope="module")
def cases():
    return list(_cases(seed=19, n_targets=N_TARGETS))


def test_enough_instances(cases):
    assert len(cases) >= 1500
    kinds = {sched.kind for _, sched, _, _ in cases}
    assert kinds == {"fixed", "balanced", "count", "mdm", "random-size"}
    assert {pred.kind for _, _, pred, _ in cases} == {"perfect", "mix", "temp", "noise"}
    assert {twin.target.q for twin, _, _, _ in cases} == {2, 3}


def test_law_enclosure_contains_the_exact_law(cases):
    """|r̂(x) − r(x)| ≤ γ_N r(x) for every entry, in exact rational arithmetic."""
    worst = max(_law_ratio(twin.law(sched, pred), exact) for twin, sched, pred, exact in cases)
    assert worst <= 1, f"an entry is outside its enclosure (ratio {float(worst)})"


def test_metric_enclosures_contain_the_exact_values(cases):
    """mixture KL (a ball against a 256-bit ball of the exact KL), TV and SER (exact rationals)."""
    old = ctx.prec
    ctx.prec = 256
    try:
        for twin, sched, pred, exact in cases:
            pmf = twin.exact_target.pmf
            kl = enclosed_metric(twin, "mixture_kl", sched, pred)
            if any(pmf[x] != 0 and r == 0 for x, r in exact.items()):
                assert kl is None  # infinite KL: no enclosure, the exact path answers
            else:
                assert kl.ball.contains(_exact_kl_ball(pmf, exact)), (sched.spec, pred.spec)
            tv = sum((abs(pmf[x] - r) for x, r in exact.items()), fmpq(0)) / 2
            assert enclosed_metric(twin, "tv", sched, pred).ball.contains(tv)
            ser = sum((r for x, r in exact.items() if pmf[x] == 0), fmpq(0))
            got = enclosed_metric(twin, "ser", sched, pred)
            if isinstance(got, fmpq):
                assert got == ser == 0
            else:
                assert got.ball.contains(ser) and ser > 0
    finally:
        ctx.prec = old


def test_expected_kl_enclosure_contains_the_exact_value(cases):
    """The level-by-level float enclosure of E_D KL (perfect and mix predictors) holds the oracle's
    ball of Σ_D P(D) KL(p ‖ q̂_D) computed plan by plan."""
    from verify.engine.floattwin import expected_kl_enclosure

    old = ctx.prec
    ctx.prec = 256
    try:
        n = 0
        for twin, sched, pred, _ in cases:
            want = EXPECTED_KL.get((id(twin), sched.spec, pred.spec))
            if want is None:
                continue
            p = [v for v in twin.exact_target.pmf.reshape(-1) if v != 0]
            Hball = -sum((arb(v) * arb(v).log() for v in p), arb(0))
            got = expected_kl_enclosure(twin, sched, pred, _Ball(Hball))
            assert got is not None and got.ball.contains(want), (sched.spec, pred.spec, got, want)
            n += 1
        assert n > 500
    finally:
        ctx.prec = old


class _Ball:
    def __init__(self, b):
        self.b = b

    def enclose(self, prec):
        return self.b


@pytest.mark.parametrize("factor", [4])
def test_shrunk_radius_misses(cases, monkeypatch, factor):
    """The radius is not vacuous: divided by ``factor`` some entry leaves its enclosure."""
    orig = floatlaw.relative_radius
    monkeypatch.setattr(floatlaw, "relative_radius", lambda n: orig(n) / factor)
    worst = max(_law_ratio(twin.law(sched, pred), exact) for twin, sched, pred, exact in cases)
    assert worst > 1


def _imports(path: Path) -> set:
    """Every module and every name a file imports (inside functions too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.rsplit(".", 1)[-1] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add((node.module or "").rsplit(".", 1)[-1])
            out |= {a.name for a in node.names}
    return out


def test_only_floatverdict_decides_from_floats():
    """Only verify/certify/floatverdict.py turns a float enclosure into a verdict: the claim hook is
    the one module that imports it, FloatBall is built only by the float twin, and no module outside
    certify/ builds a Verdict (grep-able: ``floatverdict.decide``)."""
    files = {p.relative_to(ROOT).as_posix(): _imports(p) for p in (ROOT / "verify").rglob("*.py")}
    assert {f for f, names in files.items() if "floatverdict" in names} == {"verify/claims/floatcheck.py"}
    assert {f for f, names in files.items() if "FloatBall" in names} == {"verify/engine/floattwin.py"}
    builders = {f for f in files if re.search(r"\bVerdict\(", (ROOT / f).read_text())}
    assert builders == {"verify/certify/verdicts.py"}  # floatverdict builds through verdicts._verdict
    hook = (ROOT / "verify/claims/floatcheck.py").read_text()
    assert "floatverdict.decide(" in hook


# ------------------------------------------------------------------ deciding from enclosures

def test_decide_from_balls():
    """certified / refuted only when the margin ball excludes 0; None (the exact path) otherwise;
    an identity is refuted by a ball excluding 0 and never proved by one."""
    from verify.certify.floatlaw import FloatBall
    from verify.certify.floatverdict import decide

    one = FloatBall(arb(1, fmpq(1, 10)))      # [0.9, 1.1]
    near0 = FloatBall(arb(0, fmpq(1, 10)))    # [-0.1, 0.1]
    assert decide("<=", one, fmpq(2)).status == "certified"
    assert decide("<=", one, fmpq(1, 2)).status == "refuted"
    assert decide(">=", one, fmpq(1, 2)).status == "certified"
    assert decide(">=", one, fmpq(2)).status == "refuted"
    assert decide("<=", one, fmpq(1)) is None and decide("==", one, fmpq(1)) is None
    assert decide("==", one, fmpq(3)).status == "refuted" and decide("==", one, fmpq(-3)).status == "refuted"
    assert decide("<=", near0, fmpq(0)) is None
    # exact values the float law proved (SER = 0): the exact checkers decide, tight included
    assert decide("==", fmpq(0), fmpq(0), exact_sides=True).status == "tight"
    v = decide("<=", one, fmpq(2))
    assert "float DP" in v.how and v.margin_lo > 0.8


def test_float_path_gives_the_exact_paths_verdicts():
    """D-MIX, FG25.TER and FG25.FULL on a few small targets: identical verdicts with the float path
    and with it switched off, and most D-MIX verdicts come from the float path."""
    import verify.claims.check as check
    from proofs_numeric import claim_by_id

    targets = ["markov:L=4,q=2,flip=1/10", "hmm:L=3,q=2,states=2,seed=4", "coloring3:L=3"]
    for cid in ("D-MIX", "FG25.TER", "FG25.FULL", "FG25.SER"):
        claim = claim_by_id(cid)
        fast = check.run_claim(claim, "ci", check.TargetCache(), targets=targets)
        saved = check.float_verdict
        check.float_verdict = lambda *a: None
        try:
            slow = check.run_claim(claim, "ci", check.TargetCache(), targets=targets)
        finally:
            check.float_verdict = saved
        assert [r.status for r in fast.rows] == [r.status for r in slow.rows], cid
        assert fast.rows, cid
        if cid == "D-MIX":
            by_float = sum("float DP" in (r.verdict or {}).get("how", "") for r in fast.rows)
            assert by_float >= fast.counts["certified"] > 0


def _count_closed_form(L, q, sizes, kind):
    """The docs' table for one composition (one path through the size graph): N_0 = 0 and
    N_t = N_{t−1} + 3 (weight) + 1 + s_t (N_c(n_{t−1}) + 1) + C(n_t, s_t) − 1."""
    from math import comb

    def Nm(k):
        return 1 + (L - k) * (q - 1)

    def Nc(n):
        if kind in ("perfect", "mix"):
            return Nm(n + 1) + 2 * Nm(n) + 1 + (3 if kind == "mix" else 0)
        return 1

    N, n = 0, 0
    for s in sizes:
        N += 3 + 1 + s * (Nc(n) + 1) + comb(n + s, s) - 1
        n += s
    return N


@pytest.mark.parametrize("q,L", [(2, 5), (3, 4)])
@pytest.mark.parametrize("kind", ["perfect", "mix", "temp"])
def test_operation_count_closed_form(q, L, kind):
    """law_count follows the counts of docs/certification.md: one path for a fixed composition;
    two terminal layers summed (one more rounding) for a two-point random-size law."""
    from verify.certify.floatlaw import law_count
    from verify.engine.laws import step_order

    for sizes in [(L,), (1,) * L, (2, L - 2), (1, L - 2, 1)]:
        sched = parse_sampler("fixed:sizes=" + "+".join(map(str, sizes)), L)
        assert law_count(sched, q, kind, step_order(sched)) == _count_closed_form(L, q, sizes, kind)
    a, b = (1, L - 1), (L - 1, 1)
    sched = parse_sampler(f"random-size:law=1/3@1+{L - 1};2/3@{L - 1}+1", L)
    want = max(_count_closed_form(L, q, a, kind), _count_closed_form(L, q, b, kind)) + 1
    assert law_count(sched, q, kind, step_order(sched)) == want


@pytest.mark.parametrize("kind", ["perfect", "mix"])
def test_operation_count_sums_the_arrays_reaching_a_node(kind):
    """mdm:N=2 is a DAG: the terminal (2, L) receives one array from every (1, n), n < L (L arrays,
    L − 1 roundings), and the result sums it with the terminal (1, L) (one more)."""
    from math import comb

    from verify.certify.floatlaw import law_count
    from verify.engine.laws import step_order

    q, L = 2, 4
    Nm = lambda k: 1 + (L - k) * (q - 1)  # noqa: E731
    Nc = lambda n: Nm(n + 1) + 2 * Nm(n) + 1 + (3 if kind == "mix" else 0)  # noqa: E731
    first = {n: 4 + (n * (Nc(0) + 1) + comb(n, n) - 1 if n else 0) for n in range(L + 1)}
    into_last = [first[n] + 4 + (L - n) * (Nc(n) + 1) + comb(L, L - n) - 1 for n in range(L)]
    want = max(first[L], max(into_last) + L - 1) + 1
    sched = parse_sampler("mdm:N=2", L)
    assert law_count(sched, q, kind, step_order(sched)) == want


# ---------------------------------------------------------------- inputs the float copy cannot hold

def _measure_json(*args):
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "verify.cli", "measure", "--json", *args],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_an_entry_flushed_to_zero_sends_measure_exact_to_the_exact_path():
    # copy law with δ = 10⁻⁴⁰⁰: p(11) = δ rounds to 0.0 in binary64. One block of two draws both
    # tokens independently from their marginals, so SER = 2δ(1 − δ) > 0 exactly: the float copy
    # would "prove" SER = 0 (and an infinite KL) from its flushed zero.
    from distributions import parse_target
    from verify.engine.floattwin import measure_enclosed
    from verify.engine.metrics import measure
    from verify.engine.predictors import parse_predictor
    from verify.engine.samplers import parse_sampler

    target = parse_target("copy:L=2,delta=1e-400", exact=True)
    sched, pred = parse_sampler("fixed:sizes=2", 2), parse_predictor("perfect")
    assert measure_enclosed(target, sched, pred) is None  # refused: the exact path decides
    exact = measure(target, sched, pred)
    d = target.pmf[1, 1]  # the copy law X1 = X2 ~ (1 − δ, δ): two independent marginal draws differ
    assert exact["ser"] > 0 and exact["ser"] == 2 * d * (1 - d)


def test_a_weight_below_the_float_range_is_refused_by_the_underflow_check_not_a_crash():
    from flint import fmpq

    from verify.certify.floatlaw import _log2_fraction

    assert _log2_fraction(fmpq(1, 10**400)) == pytest.approx(-400 * 3.321928094887362)
    got = _measure_json("--target", "product:L=4,q=2", "--sampler", "bernoulli:grid=1e-400+1/2", "--exact")
    assert "expected_kl" in got


def test_measure_exact_keeps_the_learning_terms():
    args = ("--target", "markov:L=4,q=2,flip=1/10", "--sampler", "fixed:sizes=2+2", "--predictor", "mix:lam=1/10")
    plain, exact = _measure_json(*args), _measure_json(*args, "--exact")
    assert exact["eps_train"] == pytest.approx(plain["eps_train"]) and plain["eps_train"] > 0
    assert exact["learning_levels"] == pytest.approx(plain["learning_levels"])
