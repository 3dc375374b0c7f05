"""A Python API for reviewers: your own predictor and your own decoding rule, run by the exact engines
(docs/api.md has a worked example).

``predictor(fn)``: ``fn(state)`` gets a partial state — a tuple of length L with ``None`` at masked
positions and the revealed values (0..q−1) elsewhere — and returns the predicted conditionals of the
masked positions: a sequence of L rows (rows of revealed positions are ignored) or a mapping
``{i: row}`` over the masked positions. Rows follow the table predictor's rules
(``predictors.exact_row``): exact rationals (``Fraction``, int, ``"3/16"``) summing to exactly 1, or
floats summing to 1 within 1e-9, normalised exactly from their binary values; every entry > 0. The
function is called once per partial state, (q+1)^L calls, the first time a target of that (q, L)
needs it: the result is the table predictor of that table (``predictors.TablePredictor``).

``rule(fn)``: ``fn(state)`` gets a ``State`` — the revealed values, the masked positions, and for
each masked position j its exact conditional ``state.conditional(j)`` (a tuple of ``Fraction``),
``state.confidence(j)`` (its largest entry, a ``Fraction``) and ``state.entropy(j)``, a ``Certified``
real whose comparisons (with other ``Certified`` values, rationals, ``log(r)``) are decided exactly:
entropies of rational laws are log-linear forms ``c0 + Σ c_k log r_k`` whose sign is settled by
rising precision and an exact zero test (docs/index.md §7), never by a float. It returns the batch:
a non-empty collection of masked positions. The rule is deterministic (one batch per state) and is
run by the exact adaptive engine (``verify.engine.adaptive``) like the built-in rules.

Both objects go wherever a predictor or rule goes: ``measure(target, sampler, pred)`` below (the
quantities of ``verify measure --json``), ``verify.engine.adaptive.run_chain``. ``target(spec)``
builds a target from a spec string (exact by default); ``write_table(pred, q, L, path)`` saves a
predictor's table as JSON of rational strings, for ``verify measure --predictor file:PATH``. Errors in what the function returns are one-line
``SpecError`` naming the state; an exception raised by the function itself propagates unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import total_ordering

import numpy as np
from flint import fmpq

from .certify.logforms import LogLinear, PrecisionExhausted, to_rational
from .engine.predictors import TablePredictor, build_table, state_text
from .engine.rules import AdaptiveRule, UndecidedBranch
from .engine.target import as_float
from .errors import SpecError, shorten

__all__ = ["predictor", "rule", "log", "Certified", "State", "target", "measure", "write_table"]

PREC_CAP = 4096  # bits: the adaptive engine's cap for one decision


# ------------------------------------------------------------------ exact reals for rules


@total_ordering
class Certified:
    """An exact real ``c0 + Σ c_k log r_k`` (an entropy, ``log(r)``, sums and rational multiples).
    ``<``, ``<=``, ``==`` … against Certified values and exact rationals are decided exactly; a
    float is refused (TypeError): convert it on purpose, ``Fraction(x)``. ``approx()`` is a float
    for display only."""

    __slots__ = ("form",)

    def __init__(self, form: LogLinear):
        self.form = form

    @staticmethod
    def _form(x) -> LogLinear:
        if isinstance(x, Certified):
            return x.form
        return LogLinear.constant(to_rational(x))  # TypeError for floats and other types

    def __add__(self, other):
        return Certified(self.form + self._form(other))

    __radd__ = __add__  # sum() starts from 0

    def __sub__(self, other):
        return Certified(self.form - self._form(other))

    def __rsub__(self, other):
        return Certified(self._form(other) - self.form)

    def __neg__(self):
        return Certified(-self.form)

    def __mul__(self, c):
        return Certified(self.form * to_rational(c))

    __rmul__ = __mul__

    def __truediv__(self, c):
        return Certified(self.form / to_rational(c))

    def sign(self) -> int:
        """−1, 0 or 1, exactly (UndecidedBranch at the precision cap, never expected)."""
        try:
            return self.form.sign(prec_cap=PREC_CAP)
        except PrecisionExhausted as err:
            raise UndecidedBranch("a reviewer's rule", str(err)) from None

    def __eq__(self, other):
        return (self - other).sign() == 0

    def __lt__(self, other):
        return (self - other).sign() < 0

    __hash__ = None  # equal values can have different forms (log 4 = 2 log 2)

    def approx(self) -> float:
        """A float for display; never used by a decision."""
        return float(self.form)

    def __repr__(self) -> str:
        return f"Certified({self.form!r})"


def log(r) -> Certified:
    """``log r`` for a rational r > 0, exactly (e.g. a threshold ``log(2)``)."""
    r = to_rational(r)
    if r <= 0:
        raise SpecError("api.log", f"log of {r} is undefined", "a rational r > 0")
    return Certified(LogLinear.log(r))


class State:
    """One state ``(S, x_S)`` as a rule sees it: ``revealed`` {position: value}, ``masked`` (sorted
    positions), ``L``, ``q``, and per masked position its exact conditional, confidence, entropy."""

    def __init__(self, view, k: int):
        self._view, self._k = view, k
        q = view.ctx.target.q
        xs = np.unravel_index(k, (q,) * len(view.S)) if view.S else ()
        self.revealed = {j: int(v) for j, v in zip(view.S, xs)}
        self.masked = tuple(view.M)
        self.L, self.q = view.ctx.target.L, q

    def _a(self, j: int) -> int:
        if j not in self.masked:
            raise SpecError("rule", f"position {shorten(repr(j))} is not masked at {self._view.where(self._k)}",
                            f"one of the masked positions {list(self.masked)}")
        return self.masked.index(j)

    def conditional(self, j: int) -> tuple:
        """p̂_j(· | x_S) as exact Fractions."""
        row = self._view.ctx.exact_cond(self._view.S, j)[self._k]
        self._a(j)
        return tuple(Fraction(int(v.p), int(v.q)) for v in row)

    def confidence(self, j: int) -> Fraction:
        """max_v p̂_j(v | x_S), exactly."""
        return max(self.conditional(j))

    def entropy(self, j: int) -> Certified:
        """H(p̂_j(· | x_S)) as a certified real."""
        return Certified(self._view.H_exact(self._k, self._a(j)))


def rule(fn, name: str | None = None) -> AdaptiveRule:
    """The adaptive rule ``fn(State) -> batch`` (module docstring); ``name`` labels it in outputs."""
    label = f"api:{name or getattr(fn, '__name__', 'rule')}"

    def choose(view, k: int) -> tuple:
        st = State(view, k)
        got = fn(st)
        where = view.where(k).replace(f"(rule {view.ctx.rule.spec})", f"(rule {label})")
        try:
            items = list(got)
            batch = sorted({int(j) for j in items if not isinstance(j, bool) and int(j) == j})
            ok = len(batch) == len(items)
        except (TypeError, ValueError, OverflowError):
            batch, ok = [], False
        if not batch or not ok or any(j not in st.masked for j in batch):
            raise SpecError("rule", f"{label} returned {shorten(repr(got))} at {where}",
                            f"a non-empty collection of distinct masked positions {list(st.masked)}")
        return tuple(st.masked.index(j) for j in batch)

    return AdaptiveRule("function", label, 0, fmpq(0), 0.0, {"choose": choose})


# ------------------------------------------------------------------ predictors given as functions


@dataclass(frozen=True, eq=False)
class FunctionPredictor(TablePredictor):
    """The table predictor of ``fn`` (module docstring), built per (q, L) at first use."""

    fn: object = None
    built: dict = field(default_factory=dict)

    def tables(self, q: int, L: int) -> tuple:
        got = self.built.get((q, L))
        if got is None:
            memo: dict = {}

            def row(state, i):
                s = tuple(None if v == q else int(v) for v in state)
                if s not in memo:
                    memo[s] = self.fn(s)
                rows = memo[s]
                try:
                    return rows[i]
                except (KeyError, IndexError, TypeError):
                    kind = "mapping" if isinstance(rows, Mapping) else type(rows).__name__
                    raise SpecError("predictor", f"{self.spec} gave no row for position {i} at state "
                                    f"{state_text(s, q)} (got a {kind})",
                                    "a sequence of L rows, or a mapping {masked position: row}") from None

            exact = build_table(row, q, L, "predictor")
            got = self.built[(q, L)] = (exact, as_float(exact))
        return got


def predictor(fn, name: str | None = None) -> TablePredictor:
    """The predictor ``fn(state) -> conditionals`` (module docstring)."""
    return FunctionPredictor("function", {}, f"api:{name or getattr(fn, '__name__', 'predictor')}", fn=fn)


# ------------------------------------------------------------------ conveniences


def target(spec: str, exact: bool = True):
    """The target of a spec string (``verify targets`` lists the families), exact by default."""
    from distributions.registry import parse_target

    return parse_target(spec, exact)


def measure(tgt, sampler, pred=None) -> dict:
    """The quantities of ``verify measure --json`` for (target, sampler or rule, predictor):
    exact values (fmpq, log-linear forms) for an exact target. Keys starting with ``_`` dropped."""
    from .engine.metrics import measure as _measure

    out = _measure(tgt, sampler, pred)
    return {k: v for k, v in out.items() if not k.startswith("_")}


def write_table(pred: TablePredictor, q: int, L: int, path) -> None:
    """Save the predictor's exact table as ``{"q", "L", "table"}`` JSON (rational strings), the
    format ``--predictor file:PATH`` reads back to the same predictor."""
    import json
    from pathlib import Path

    exact = pred.tables(q, L)[0]
    flat = [str(v) for v in exact.reshape(-1)]
    Path(path).write_text(json.dumps({"q": q, "L": L, "table": flat}) + "\n")
