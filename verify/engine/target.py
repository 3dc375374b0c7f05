"""The target law p on V^L, stored as an array of shape (q,)*L (axis i = position i).

Two number types share every code path: ``float64`` arrays (fast: sweeps, search) and
object arrays of ``flint.fmpq`` (exact rationals, for certification). See docs/engine.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import fmpq

from ..errors import SpecError

# The memory guard lives in guard.py; these names stay importable from here.
from ..guard import BYTES_EXACT, BYTES_FLOAT, DEFAULT_MAX_BYTES, engine_bytes, max_bytes  # noqa: F401,E402


def estimated_bytes(q: int, L: int, exact: bool = False) -> float:
    """Working memory of the engine on a (q, L) instance (see ``guard.engine_bytes``)."""
    return engine_bytes(q, L, exact)


def refuse_if_too_large(q: int, L: int, exact: bool = False, field_name: str = "target") -> None:
    from ..guard import refuse_engine

    refuse_engine(q, L, exact, field_name)


def to_fmpq(x) -> fmpq:
    """Exact rational from int, Fraction, fmpq, a string like '3/16', or a float (its exact binary value)."""
    if isinstance(x, fmpq):
        return x
    if isinstance(x, (int, np.integer)):
        return fmpq(int(x))
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, str):
        fr = Fraction(x.strip())
        return fmpq(fr.numerator, fr.denominator)
    if isinstance(x, (float, np.floating)):
        fr = Fraction(float(x))
        return fmpq(fr.numerator, fr.denominator)
    raise TypeError(f"cannot make an exact rational of {type(x).__name__}")


def as_exact(a) -> np.ndarray:
    """Object array of fmpq with the same shape (floats convert by their exact binary value)."""
    a = np.asarray(a, dtype=object) if not isinstance(a, np.ndarray) else a
    out = np.empty(a.shape, dtype=object)
    flat_in = a.reshape(-1)
    flat_out = out.reshape(-1)
    for k in range(flat_in.size):
        flat_out[k] = to_fmpq(flat_in[k])
    return out


def as_float(a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == object:
        # int / int is correctly rounded: each fmpq becomes its nearest float
        vals = (int(v.p) / int(v.q) if isinstance(v, fmpq) else float(v) for v in a.reshape(-1).tolist())
        return np.fromiter(vals, dtype=np.float64, count=a.size).reshape(a.shape)
    return a.astype(np.float64)


def is_exact(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == object


@dataclass(frozen=True, eq=False)
class Target:
    """A law on V^L with V = {0..q-1}; ``pmf[x_1, ..., x_L]`` in C order.

    ``spec`` is the spec string that rebuilds it; ``params`` the parsed parameters.
    """

    pmf: np.ndarray
    q: int
    L: int
    spec: str = ""
    name: str = ""
    params: dict = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return is_exact(self.pmf)

    def to_exact(self) -> "Target":
        if self.exact:
            return self
        return Target(as_exact(self.pmf), self.q, self.L, self.spec, self.name, dict(self.params))

    def to_float(self) -> "Target":
        if not self.exact:
            return self
        return Target(as_float(self.pmf), self.q, self.L, self.spec, self.name, dict(self.params))


def make_target(pmf, q: int, L: int, spec: str = "", name: str = "", params: dict | None = None,
                field_name: str = "pmf", exact: bool = False) -> Target:
    """Validate a law and wrap it. Raises SpecError (one line) on a bad law.

    Accepts: shape (q,)*L, entries finite and >= 0, summing to 1 (exactly for rational
    input, within 1e-9 for floats, which are then renormalised).
    """
    arr = pmf if isinstance(pmf, np.ndarray) else np.asarray(pmf, dtype=object)
    if arr.shape != (q,) * L:
        raise SpecError(field_name, f"shape {arr.shape} disagrees with q={q}, L={L}",
                        f"an array of shape ({q},)*{L} = {(q,) * L}")
    if arr.dtype == object:
        ex = as_exact(arr)
        flat = ex.reshape(-1)
        if any(v < 0 for v in flat):
            raise SpecError(field_name, "has a negative entry", "probabilities >= 0 summing to 1")
        total = sum(flat, fmpq(0))
        if total != 1:
            raise SpecError(field_name, f"entries sum to {total}, not 1", "probabilities >= 0 summing to 1")
        out = ex if exact else as_float(ex)
    else:
        f = arr.astype(np.float64)
        if not np.all(np.isfinite(f)):
            raise SpecError(field_name, "has a NaN or infinite entry", "finite probabilities >= 0 summing to 1")
        if np.any(f < 0):
            raise SpecError(field_name, "has a negative entry", "probabilities >= 0 summing to 1")
        s = float(f.sum())
        if abs(s - 1.0) > 1e-9:
            raise SpecError(field_name, f"entries sum to {s!r}, not 1 (beyond rounding)",
                            "probabilities >= 0 summing to 1 within 1e-9")
        f = f / s
        if exact:
            # The exact law is the float law taken at its binary value, renormalised exactly.
            ex = as_exact(f)
            tot = sum(ex.reshape(-1), fmpq(0))
            out = ex if tot == 1 else ex / tot
        else:
            out = f
    return Target(out, q, L, spec, name, dict(params or {}))
