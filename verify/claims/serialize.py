"""Turning engine values (float, fmpq, LogLinear, numpy scalars) into JSON and table cells.

Display rules (values only, never verdicts): an exact or float zero prints as ``0`` (never
``-0``), and a float of a quantity non-negative by definition (``symbols.NONNEGATIVE``: H, TC,
DTC, Σ I, KLs, TV, SER, ...) in [-NONNEG_ROUNDING, 0) is float rounding and shows as 0.
"""
from __future__ import annotations

import math

import numpy as np
from flint import fmpq

from .symbols import NONNEGATIVE

NONNEG_ROUNDING = 1e-12


def shown(key: str, v):
    """``v`` for display under ``key``: rounding below zero of a non-negative quantity becomes 0."""
    if key in NONNEGATIVE and isinstance(v, (float, np.floating)) and -NONNEG_ROUNDING <= v <= 0:
        return 0.0
    return v


def to_float(v):
    if v is None:
        return None
    if isinstance(v, fmpq):
        return int(v.p) / int(v.q)
    if isinstance(v, (int, float, np.floating, np.integer)):
        return float(v)
    return float(v)  # LogLinear and other forms define __float__


def enclosure(v, prec: int = 128) -> dict | None:
    """Certified description of an exact value: rationals exactly, log forms as an arb ball."""
    if v is None:
        return None
    if isinstance(v, fmpq):
        return {"exact": str(v)}
    if isinstance(v, int):
        return {"exact": str(v)}
    if hasattr(v, "enclose"):
        ball = v.enclose(prec)
        return {"ball": ball.str(30, radius=True) if hasattr(ball, "str") else str(ball)}
    return None


def jsonable(v):
    """JSON value: floats (inf → the string 'inf'), nested dicts and lists."""
    if isinstance(v, dict):
        return {k: jsonable(shown(k, x)) for k, x in v.items() if not k.startswith("_")}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (str, bool)) or v is None:
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    f = to_float(v)
    if math.isinf(f) or math.isnan(f):
        return str(f)
    return f + 0.0  # -0.0 + 0.0 == +0.0: JSON never shows -0.0


def cell(v, digits: int = 6) -> str:
    """Short table text for a value."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    f = to_float(v)
    if math.isinf(f):
        return "inf"
    if f == 0:
        return "0"
    return f"{f:.{digits}g}"
