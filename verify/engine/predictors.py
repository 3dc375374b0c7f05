"""Predictors: the conditional marginals a sampler draws from (docs/index.md §2, LC25.TRAIN).

A predictor maps (i, B, marginals) to an array of shape (q,)*|B| + (q,) holding p̂_i(· | x_B).
``perfect`` is p_i(· | x_B) itself. The imperfect ones are strictly positive, so every KL stays
finite, and rational, so exact runs certify a definite predictor:

- ``mix`` is the same rational in both modes;
- ``temp`` and ``noise`` are computed in floats (from the float value of the exact conditional in
  exact mode), rounded to multiples of 2^-40 and normalised exactly. Float and exact runs agree to
  about 2^-40 per entry (a boundary case can round to the neighbouring dyadic), and the exact
  values depend on the platform's exp/log only through that rounding. A certified verdict is
  about the exact predictor the run used.
"""
from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass, field

import numpy as np
from flint import fmpq

from ..errors import SpecError, shorten
from .info import Marginals
from .numbers import rational
from ..specs import check_keys, parse_fmpq, parse_int, parse_spec
from .target import as_float

PREDICTORS = ("perfect", "mix", "temp", "noise", "file")
# λ of ``mix``/``temp``/``noise`` when a Predictor is built without one (the layer engine reads the same).
LAM_DEFAULT = fmpq(1, 100)
# Float weights are rounded to multiples of 2^-DYADIC_BITS before exact normalisation.
DYADIC_BITS = 40
# Ranges that keep the float weights finite and positive (temp, noise): λ ≥ 2^-40 (a smaller
# smoothing is below the rounding), β ≤ 100, σ ≤ 100 (σ ξ stays far below float overflow).
LAM_MIN = fmpq(1, 2**DYADIC_BITS)
BETA_MAX = fmpq(100)
SIGMA_MAX = fmpq(100)


@dataclass(frozen=True)
class Predictor:
    """``kind`` ∈ PREDICTORS; ``params`` exact rationals (lam, beta, sigma) and ints (seed)."""

    kind: str = "perfect"
    params: dict = field(default_factory=dict)
    spec: str = "perfect"

    @property
    def perfect(self) -> bool:
        # a subclass that overrides ``conditional`` is never the perfect predictor, whatever its kind
        return builtin_kind(self) == "perfect"

    def conditional(self, m: Marginals, i: int, B: tuple) -> np.ndarray:
        """p̂_i(x_i | x_B), axes (B..., i)."""
        p = m.conditional(i, B)
        if self.kind == "perfect":
            return p
        lam = self.params.get("lam", LAM_DEFAULT)
        if self.kind == "mix":
            # p̂ = (1 − λ) p + λ / q : exact in both modes
            return p * rational(1 - lam, m.exact) + rational(lam / m.q, m.exact)
        smooth = p * rational(1 - lam, m.exact) + rational(lam / m.q, m.exact)
        f = as_float(smooth)
        if self.kind == "temp":
            # p̂ ∝ p_smooth^β
            beta = float(self.params["beta"])
            logw = beta * np.log(f)
            w = np.exp(logw)
            if not np.all(w.max(axis=-1) > 1e-300):  # a whole row would underflow: shift by its max
                w = np.exp(logw - logw.max(axis=-1, keepdims=True))
        else:
            # p̂ ∝ p_smooth · exp(σ ξ), ξ standard normal, seeded by (seed, i, B) so it is a fixed function
            sigma = float(self.params["sigma"])
            w = f * np.exp(sigma * _noise(self.params["seed"], i, B, f.shape))
        return _normalise_dyadic(w, m.exact)


# Per-``Marginals`` memo of exact builtin-predictor conditionals and the log terms built on them
# (``memo_for``): one dict per Marginals object, dropped with it.
_MEMO: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def memo_for(m: Marginals) -> dict:
    """The memo dict of one ``Marginals`` (one target): keys are tuples led by a tag."""
    got = _MEMO.get(m)
    if got is None:
        got = _MEMO[m] = {}
    return got


def predictor_key(pred) -> tuple | None:
    """A key that identifies a builtin predictor by what it computes: (kind, sorted params).
    None for a custom or table predictor (its numbers are not a function of kind and params, so
    nothing about it is memoised across calls)."""
    kind = builtin_kind(pred)
    if kind not in ("perfect", "mix", "temp", "noise"):
        return None
    return (kind,) + tuple(sorted(pred.params.items()))


def cached_conditional(pred, m: Marginals, i: int, B: tuple) -> np.ndarray:
    """``pred.conditional(m, i, B)``, memoised per (predictor key, i, B) on the exact ``m``.

    The same (predictor, position, revealed set) is asked for by the cross-entropy levels, the
    learning terms, the plan laws and the conditional layers of every claim on one target; the
    temp/noise predictors pay a float round trip and an exact normalisation for each. The array
    returned is shared, so it is made read-only. Float runs and custom predictors are not memoised.
    """
    key = predictor_key(pred)
    if key is None or not m.exact or key[0] == "perfect":  # perfect: Marginals caches it already
        return pred.conditional(m, i, B)
    memo = memo_for(m)
    k = ("cond", key, i, tuple(B))
    got = memo.get(k)
    if got is None:
        got = pred.conditional(m, i, B)
        got.flags.writeable = False
        memo[k] = got
    return got


def builtin_kind(pred) -> str:
    """The predictor's ``kind`` when it computes with the built-in formulas, else ``"custom"``:
    a subclass that overrides ``conditional`` is run pair by pair through its own method, whatever
    ``kind`` it reuses (the layer engine's batched formulas are those of the built-in kinds)."""
    if type(pred).conditional is not Predictor.conditional:
        return "custom"
    return getattr(pred, "kind", "perfect")


def _noise(seed: int, i: int, B: tuple, shape) -> np.ndarray:
    """ξ for (seed, i, B): standard normals of shape (q,)*|B| + (q,) from numpy's default_rng seeded
    by the first 8 bytes, little endian, of sha256(repr((seed, i, B))) — a fixed function of its inputs."""
    key = hashlib.sha256(repr((seed, i, tuple(B))).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(key[:8], "little"))
    return rng.standard_normal(shape)


def _normalise_dyadic(w: np.ndarray, exact: bool) -> np.ndarray:
    """Round positive weights to k·2^-40 (k ≥ 1) and normalise along the last axis, exactly."""
    scale = 2.0**DYADIC_BITS
    w = w / w.sum(axis=-1, keepdims=True)
    k = np.maximum(np.rint(w * scale), 1).astype(np.int64)
    tot = k.sum(axis=-1, keepdims=True)
    if not exact:
        return k / tot
    kb, tb = np.broadcast_arrays(k, tot)
    vals = [fmpq(a, b) for a, b in zip(kb.reshape(-1).tolist(), tb.reshape(-1).tolist())]
    return np.fromiter(vals, dtype=object, count=len(vals)).reshape(k.shape)


PERFECT = Predictor()


def parse_predictor(spec: str | None) -> Predictor:
    """perfect | mix:lam=1/10 | temp:beta=2[,lam=1/100] | noise:sigma=1/2,seed=3[,lam=1/100] | file:PATH

    mix: p̂ = (1−λ)p + λ/q.  temp and noise act on that smoothed law (λ defaults to 1/100) so
    that p̂ > 0 everywhere; their weights are rounded to dyadic rationals, then normalised.
    """
    if spec is None or spec.strip() == "perfect":
        return PERFECT
    if spec.strip().startswith("file:"):
        # a table read from a file (distributions/predictor_files.py; docs/predictors.md)
        from distributions.predictor_files import load_predictor

        return load_predictor(spec.strip()[5:].strip(), spec.strip())
    name, kv = parse_spec(spec, "predictor", verbatim=())
    f = f"predictor.{name}"
    allowed = {"mix": ("lam",), "temp": ("beta", "lam"), "noise": ("sigma", "seed", "lam")}
    if name not in allowed:
        raise SpecError("predictor", f"unknown predictor {shorten(name)!r}", ", ".join(PREDICTORS))
    check_keys(kv, allowed[name], f)
    params: dict = {}
    for key in allowed[name]:
        if key not in kv:
            if key == "lam" and name != "mix":
                continue
            raise SpecError(f"{f}.{key}", "is missing", _ACCEPT[key])
        if key == "seed":
            params[key] = parse_int(kv[key], f"{f}.{key}", minimum=0)
            continue
        v = parse_fmpq(kv[key], f"{f}.{key}")
        ok = {"lam": (v >= LAM_MIN if name != "mix" else v > 0) and v <= 1,
              "beta": 0 < v <= BETA_MAX, "sigma": 0 <= v <= SIGMA_MAX}[key]
        if not ok:
            raise SpecError(f"{f}.{key}", f"{shorten(str(v))} is out of range",
                            _ACCEPT["lam_mix" if key == "lam" and name == "mix" else key])
        params[key] = v
    return Predictor(name, params, spec)


_ACCEPT = {
    "lam_mix": "a rational 0 < lam <= 1",
    "lam": "a rational 2^-40 <= lam <= 1 (the float weights are rounded to 2^-40)",
    "beta": "a rational 0 < beta <= 100 (larger powers underflow float weights)",
    "sigma": "a rational 0 <= sigma <= 100 (larger noise overflows float weights)",
    "seed": "an integer >= 0",
}


# ------------------------------------------------------------------ table predictors (file:, verify.api)

ROW_SUM_TOL = 1e-9
# At most this many table entries ((q+1)^L · L · q); each is an exact rational in memory.
MAX_TABLE_ENTRIES = 2**21
_ROW_ACCEPT = ("a strictly positive conditional law at every masked position: exact rationals summing "
               "to 1, or floats summing to 1 within 1e-9")


def table_entries(q: int, L: int) -> int:
    """Entries of a predictor table: (q+1)^L · L · q."""
    return (q + 1) ** L * L * q


def state_text(state: tuple, q: int) -> str:
    """A partial state with ``*`` at masked positions (entry q of the table, None in the API)."""
    return "(" + ", ".join("*" if v is None or v == q else str(int(v)) for v in state) + ")"


def exact_row(values, q: int, field_name: str, where: str) -> list:
    """One predicted conditional as q exact rationals, validated (LC25.TRAIN needs p̂ > 0).

    Exact entries (int, Fraction, fmpq, rational strings) must sum to 1 exactly. If any entry is a
    float, every entry is read as its exact binary value, the row must sum to 1 within 1e-9, and it
    is normalised exactly: p̂_v = w_v / Σ_u w_u over those binary values (so the exact predictor is a
    fixed function of the file's bits). Every entry must be > 0.
    """
    from .target import to_fmpq

    vals = list(values) if not isinstance(values, np.ndarray) else values.reshape(-1).tolist()
    if len(vals) != q:
        raise SpecError(field_name, f"row of {where} has {len(vals)} entries, q = {q} expected", _ROW_ACCEPT)
    floats = any(isinstance(v, (float, np.floating)) for v in vals)
    out = []
    for v in vals:
        if isinstance(v, (bool, np.bool_)) or v is None:
            raise SpecError(field_name, f"row of {where} has the entry {shorten(repr(v))}", _ROW_ACCEPT)
        if isinstance(v, (float, np.floating)) and not np.isfinite(v):
            raise SpecError(field_name, f"row of {where} has the entry {v}", _ROW_ACCEPT)
        try:
            out.append(to_fmpq(v))
        except (TypeError, ValueError, ZeroDivisionError):
            raise SpecError(field_name, f"row of {where} has the entry {shorten(repr(v))}", _ROW_ACCEPT) from None
    if any(v <= 0 for v in out):
        raise SpecError(field_name, f"row of {where} has an entry <= 0 ({shorten(str(min(out)))})", _ROW_ACCEPT)
    total = sum(out, fmpq(0))
    if floats:
        if abs(int(total.p) / int(total.q) - 1) > ROW_SUM_TOL:
            raise SpecError(field_name, f"row of {where} sums to {int(total.p) / int(total.q):.12g}", _ROW_ACCEPT)
        return [v / total for v in out]
    if total != 1:
        raise SpecError(field_name, f"row of {where} sums to {shorten(str(total))}, not exactly 1", _ROW_ACCEPT)
    return out


def build_table(get_row, q: int, L: int, field_name: str) -> np.ndarray:
    """The exact table (object array of fmpq, shape (q+1,)*L + (L, q)) from ``get_row(state, i)``,
    called at every partial state (entry q = masked) and masked position i; rows of revealed
    positions are never read by the engine and hold the uniform law."""
    from itertools import product

    from ..guard import refuse

    n = table_entries(q, L)
    if n > MAX_TABLE_ENTRIES:
        raise SpecError(field_name, f"a table for q={q}, L={L} has {n} entries", f"(q+1)^L * L * q <= {MAX_TABLE_ENTRIES}")
    # two copies (exact and float) of every entry; an exact rational costs about 100 bytes
    refuse(field_name, f"a predictor table of {n} entries (q={q}, L={L})", 120.0 * n, "a table for a smaller q or L")
    out = np.empty((q + 1,) * L + (L, q), dtype=object)
    uniform = [fmpq(1, q)] * q
    for state in product(range(q + 1), repeat=L):
        for i in range(L):
            if state[i] == q:
                row = exact_row(get_row(state, i), q, field_name,
                                f"position {i} at state {state_text(state, q)}")
            else:
                row = uniform
            out[state + (i,)] = row
    return out


@dataclass(frozen=True, eq=False)
class TablePredictor(Predictor):
    """p̂_i(· | x_B) = row i of the table at the partial state s with s_j = x_j (j ∈ B) and
    s_j = q (masked) elsewhere. ``exact``: object array of fmpq (``build_table``); the float
    table is its float image (each entry rounded once)."""

    exact: np.ndarray | None = None
    floats: np.ndarray | None = None

    @classmethod
    def from_exact(cls, table: np.ndarray, spec: str, kind: str = "file") -> "TablePredictor":
        return cls(kind, {}, spec, table, as_float(table))

    @property
    def q(self) -> int:
        return self.exact.shape[-1]

    @property
    def L(self) -> int:
        return self.exact.shape[-2]

    def check_shape(self, q: int, L: int, field_name: str = "predictor") -> None:
        if (q, L) != (self.q, self.L):
            raise SpecError(field_name, f"the table is for q={self.q}, L={self.L}; the target has q={q}, L={L}",
                            "a table of shape (q+1,)*L + (L, q) for the target's q and L")

    def tables(self, q: int, L: int) -> tuple:
        """(exact, float) tables for a target of this (q, L)."""
        self.check_shape(q, L)
        return self.exact, self.floats

    def conditional(self, m: Marginals, i: int, B: tuple) -> np.ndarray:
        """p̂_i(x_i | x_B), axes (B..., i) in the order of B."""
        q, L = m.q, m.L
        tab = self.tables(q, L)[0 if m.exact else 1]
        idx = tuple(slice(0, q) if j in B else q for j in range(L)) + (i, slice(None))
        out = tab[idx]
        srt = sorted(B)
        if list(B) != srt:
            out = out.transpose([srt.index(b) for b in B] + [len(B)])
        return np.array(out)
