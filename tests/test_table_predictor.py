"""Table predictors (``--predictor file:PRED.npy`` / ``.json``; verify.engine.predictors.TablePredictor)
against the engine-free oracle of tests/table_oracle.py fed the same table: expected KL and LC25's
ε_train equal exactly (log-linear forms compared by factorisation), for exact (.json) and float
(.npy, normalised exactly from the binary values) tables; plus the one-line error contract."""
from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

import table_oracle as TO
from verify.certify.logforms import LogLinear
from verify.engine.metrics import measure
from verify.engine.predictors import Predictor, parse_predictor
from verify.engine.target import make_target
from verify.errors import SpecError


def _target(rng, q, L):
    w = rng.integers(0, 6, size=q**L)
    w[0] += 1
    arr = np.empty(q**L, dtype=object)
    for k, v in enumerate(w):
        arr[k] = fmpq(int(v), int(w.sum()))
    pmf = np.array([Fraction(int(v), int(w.sum())) for v in w], dtype=object).reshape((q,) * L)
    return make_target(arr.reshape((q,) * L), q, L, exact=True), pmf


def _form(pairs) -> LogLinear:
    return LogLinear.from_pairs([fmpq(c.numerator, c.denominator) for c, _ in pairs],
                                [fmpq(r.numerator, r.denominator) for _, r in pairs])


def _save(tmp_path, table, q, L, floats):
    if floats:
        np.save(tmp_path / "p.npy", table)
        return f"file:{tmp_path / 'p.npy'}"
    flat = [str(v) for v in table.reshape(-1)]
    (tmp_path / "p.json").write_text(json.dumps({"q": q, "L": L, "table": flat}))
    return f"file:{tmp_path / 'p.json'}"


@pytest.mark.parametrize("q,L,floats,seed", [(2, 3, False, 1), (2, 3, True, 2), (3, 3, False, 3), (2, 4, True, 4)])
def test_eps_train_and_expected_kl_equal_the_oracle(tmp_path, q, L, floats, seed):
    rng = np.random.default_rng(seed)
    t, pmf = _target(rng, q, L)
    table = TO.random_table(rng, q, L, floats)
    pred = parse_predictor(_save(tmp_path, table, q, L, floats))
    comps = [(L,), (1,) * L, (2, L - 2) if L > 2 else (1, 1), (1, L - 1)]
    for sizes in comps:
        out = measure(t, "fixed:sizes=" + "+".join(map(str, sizes)), pred)
        assert out["expected_kl"] == _form(TO.expected_kl_form(pmf, table, sizes)), sizes
        assert out["eps_train"] == _form(TO.eps_train_form(pmf, table, sizes)), sizes
        assert not out["eps_train"] == 0  # a random table is far from the perfect predictor


def test_the_oracle_comparison_can_fail(tmp_path):
    """One entry moved by 1/100 in the oracle's copy changes both quantities."""
    rng = np.random.default_rng(5)
    t, pmf = _target(rng, 2, 3)
    table = TO.random_table(rng, 2, 3)
    pred = parse_predictor(_save(tmp_path, table, 2, 3, False))
    other = table.copy()
    row = list(other[(2, 2, 2, 0)])
    other[(2, 2, 2, 0)] = [row[0] + Fraction(1, 100), row[1] - Fraction(1, 100)]
    out = measure(t, "fixed:sizes=1+2", pred)
    assert not out["expected_kl"] == _form(TO.expected_kl_form(pmf, other, (1, 2)))
    assert not out["eps_train"] == _form(TO.eps_train_form(pmf, other, (1, 2)))


def test_float_rows_are_normalised_exactly_from_their_binary_values(tmp_path):
    table = np.full((3, 3, 2, 2), np.nan)
    for s in itertools.product(range(3), repeat=2):
        for i in range(2):
            if s[i] == 2:
                table[s + (i,)] = [0.1, 0.9 + 4e-10]  # sums to 1 within 1e-9, not exactly
    np.save(tmp_path / "p.npy", table)
    pred = parse_predictor(f"file:{tmp_path / 'p.npy'}")
    a, b = Fraction(0.1), Fraction(0.9 + 4e-10)
    want = a / (a + b)
    got = pred.exact[(2, 2, 0)][0]
    assert Fraction(int(got.p), int(got.q)) == want


def test_subclass_reusing_a_builtin_kind_runs_its_own_conditional():
    """A Predictor subclass with kind "mix" (no lam) or "perfect" used to crash in the layer engine
    (TypeError) or be taken for the built-in kind; it now runs pair by pair through its method."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Half(Predictor):
        def conditional(self, m, i, B):
            return m.conditional(i, B) * fmpq(1, 2) + fmpq(1, 4)

    rng = np.random.default_rng(6)
    t, _ = _target(rng, 2, 3)
    ref = measure(t, "mdm:N=2", parse_predictor("mix:lam=1/2"))["expected_kl"]  # the same p̂ = p/2 + 1/4
    ref_law = measure(t, "mdm:N=2", parse_predictor("mix:lam=1/2"))["_mixture_law"]  # batched layers
    for kind in ("mix", "perfect", "temp"):
        got = measure(t, "mdm:N=2", Half(kind, {}, "half"))
        assert got["expected_kl"] == ref and (got["_mixture_law"] == ref_law).all(), kind
    # and the built-in mix without lam uses the documented default, in the batched layer as well
    assert measure(t, "mdm:N=2", Predictor("mix", {}, "m"))["expected_kl"] == \
        measure(t, "mdm:N=2", parse_predictor("mix:lam=1/100"))["expected_kl"]


BAD = {
    "zero-entry": (lambda t: t.__setitem__((2, 2, 0), [0.0, 1.0]), "entry <= 0"),
    "sum": (lambda t: t.__setitem__((2, 2, 0), [0.5, 0.6]), "sums to"),
    "nan": (lambda t: t.__setitem__((0, 2, 1), [np.nan, 0.5]), "entry nan"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rows_name_the_state(tmp_path, case):
    rng = np.random.default_rng(0)
    table = TO.random_table(rng, 2, 2, floats=True)
    BAD[case][0](table)
    np.save(tmp_path / "p.npy", table)
    with pytest.raises(SpecError) as err:
        parse_predictor(f"file:{tmp_path / 'p.npy'}")
    msg = str(err.value)
    assert msg.startswith("predictor.file.table: row of position") and BAD[case][1] in msg, msg
    assert "\n" not in msg


def test_measure_json_reports_the_learning_terms(tmp_path, capsys):
    """``verify measure --json``: eps_train and learning_levels for a schedule (equal to the oracle
    in float), eps_train null for an adaptive rule; 0 for the perfect predictor."""
    from verify.cli.main import main

    rng = np.random.default_rng(8)
    table = TO.random_table(rng, 2, 3)
    spec = _save(tmp_path, table, 2, 3, False)
    target = "markov:L=3,q=2,flip=1/10"
    pmf = np.empty((2, 2, 2), dtype=object)
    for x in np.ndindex(pmf.shape):  # the markov law: uniform start, flip 1/10
        pmf[x] = Fraction(1, 2) * np.prod([Fraction(1, 10) if a != b else Fraction(9, 10) for a, b in zip(x, x[1:])])
    want = float(_form(TO.eps_train_form(pmf, table, (2, 1))))
    assert main(["measure", "--target", target, "--sampler", "fixed:sizes=2+1", "--predictor", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["eps_train"] - want) <= 1e-12 and set(out["learning_levels"]) == {"1", "2", "3"}
    assert main(["measure", "--target", target, "--sampler", "threshold:tau=1/2,max=2", "--predictor", spec, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eps_train"] is None
    assert main(["measure", "--target", target, "--sampler", "mdm:N=2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eps_train"] == 0
