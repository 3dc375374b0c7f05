"""verify.api: a reviewer's rule written as a Python function equals the built-in rule it imitates
at every state (the batch law of each (S, x_S), exact ties included), and a predictor given as a
function equals the table predictor of the same table (exact expected KL and mixture law)."""
from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest

from exact_laws import exact_target, product_law, weights_law
from verify import api
from verify.engine.adaptive import RunContext, StateView, run_chain
from verify.engine.info import Marginals
from verify.engine.metrics import measure
from verify.engine.predictors import PERFECT, parse_predictor
from verify.engine.rules import batch_law, parse_rule
from verify.errors import SpecError


TARGETS = {
    "ties": exact_target(product_law([Fraction(1, 2), Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)])),
    "copy-noise": exact_target(weights_law([9, 1, 1, 1, 1, 1, 1, 9], 2, 3)),
    "random-q3": exact_target(weights_law(np.random.default_rng(7).integers(1, 6, size=27).tolist(), 3, 3)),
}


# ---- the built-in rules written as reviewer functions (docs/api.md), on exact numbers only

def threshold(tau):
    def f(st):
        picked = [j for j in st.masked if st.confidence(j) >= tau]
        return picked or [min(st.masked, key=lambda j: (-st.confidence(j), j))]
    return f


def topk(k):
    return lambda st: sorted(st.masked, key=lambda j: (-st.confidence(j), j))[:k]


def max_entropy(eta):
    def f(st):
        picked = [j for j in st.masked if st.entropy(j) <= eta]
        return picked or [min(st.masked, key=lambda j: (st.entropy(j), j))]
    return f


def eb(gamma):
    def f(st):
        order = sorted(st.masked, key=lambda j: (st.entropy(j), j))
        size = 1
        for s in range(2, len(order) + 1):
            hs = [st.entropy(j) for j in order[:s]]
            if sum(hs) - max(hs) <= gamma:
                size = s
            else:
                break
        return order[:size]
    return f


PAIRS = [
    ("threshold:tau=1/2", threshold(Fraction(1, 2))),
    ("threshold:tau=3/4", threshold(Fraction(3, 4))),
    ("topk:k=2", topk(2)),
    ("max-entropy:eta=log(2)", max_entropy(api.log(2))),
    ("max-entropy:eta=1/2", max_entropy(Fraction(1, 2))),
    ("eb:gamma=log(2)", eb(api.log(2))),
    ("eb:gamma=0", eb(0)),
]


def _states(L):
    for n in range(L):
        yield from itertools.combinations(range(L), n)


def _law_at(target, rule, S):
    ctx = RunContext(target, Marginals(target), PERFECT, rule)
    return sorted((B, coef, tuple(c.tolist())) for B, coef, c in batch_law(rule, StateView(ctx, S)))


@pytest.mark.parametrize("name", sorted(TARGETS))
@pytest.mark.parametrize("spec,fn", PAIRS, ids=[p[0] for p in PAIRS])
def test_function_rule_equals_builtin_at_every_state(name, spec, fn):
    t = TARGETS[name]
    builtin, mine = parse_rule(spec, t.L), api.rule(fn, spec)
    for S in _states(t.L):
        assert _law_at(t, mine, S) == _law_at(t, builtin, S), (spec, S)
    a, b = run_chain(t, builtin), run_chain(t, mine)
    assert (a.mixture == b.mixture).all() and a.expected_kl == b.expected_kl


def test_the_comparison_can_fail():
    """A rule that differs from threshold:tau=1/2 only at an exact tie (conf = 1/2: > instead of >=)."""
    t = TARGETS["ties"]

    def strict(st):
        picked = [j for j in st.masked if st.confidence(j) > Fraction(1, 2)]
        return picked or [min(st.masked, key=lambda j: (-st.confidence(j), j))]

    builtin, mine = parse_rule("threshold:tau=1/2", t.L), api.rule(strict)
    assert any(_law_at(t, mine, S) != _law_at(t, builtin, S) for S in _states(t.L))


def test_certified_values_are_exact():
    h = api.log(2)
    assert h == api.log(4) / 2 and not h < api.log(4) / 2 and h > Fraction(693, 1000)
    assert sum([h, h]) == api.log(4)
    with pytest.raises(TypeError):
        h < 0.5  # floats are refused


@pytest.mark.parametrize("bad", [[], [7], [0, 0], ["a"], None, [True]])
def test_bad_batches_are_one_line_errors(bad):
    t = TARGETS["copy-noise"]
    with pytest.raises(SpecError) as err:
        run_chain(t, api.rule(lambda st: bad, "bad"))
    assert str(err.value).startswith("rule: api:bad returned"), str(err.value)


# ---- predictor(fn) against the table predictor of the same table

def _table_fn(L, q, seed):
    rng = np.random.default_rng(seed)
    rows = {}
    for s in itertools.product(list(range(q)) + [None], repeat=L):
        w = rng.integers(1, 9, size=(L, q))
        rows[s] = [[Fraction(int(v), int(r.sum())) for v in r] for r in w]
    return lambda s: rows[s]


def _write_json(path, fn, L, q):
    flat = []
    for s in itertools.product(range(q + 1), repeat=L):
        st = tuple(None if v == q else v for v in s)
        for row in fn(st):
            flat += [str(v) for v in row]
    path.write_text(json.dumps({"q": q, "L": L, "table": flat}))


@pytest.mark.parametrize("sampler", ["mdm:N=2", "fixed:sizes=2+1", "threshold:tau=1/2", "entropy-sum:eta=log(2)"])
def test_function_predictor_equals_table_file(tmp_path, sampler):
    t = TARGETS["copy-noise"]
    fn = _table_fn(3, 2, 11)
    _write_json(tmp_path / "p.json", fn, 3, 2)
    a = measure(t, sampler, parse_predictor(f"file:{tmp_path / 'p.json'}"))
    b = measure(t, sampler, api.predictor(fn))
    assert a["expected_kl"] == b["expected_kl"] and (a["_mixture_law"] == b["_mixture_law"]).all()
    c = measure(t, sampler, PERFECT)
    assert not a["expected_kl"] == c["expected_kl"]  # the table is used, not the perfect predictor


def test_function_predictor_rows_are_validated():
    t = TARGETS["copy-noise"]
    with pytest.raises(SpecError, match=r"^predictor: row of position \d at state \(.*\) sums to 5/6"):
        measure(t, "mdm:N=2", api.predictor(lambda s: [[Fraction(1, 2), Fraction(1, 3)]] * 3))
    with pytest.raises(SpecError, match="gave no row for position"):
        measure(t, "mdm:N=2", api.predictor(lambda s: {}))
    # floats within 1e-9 are accepted and normalised exactly from their binary values
    ok = measure(t, "mdm:N=2", api.predictor(lambda s: [[0.1, 0.9]] * 3))
    assert ok["expected_kl"] is not None
