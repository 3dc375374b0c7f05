"""Turning engine values (float, fmpq, LogLinear, numpy scalars) into JSON and table cells."""
from __future__ import annotations

import math

import numpy as np
from flint import fmpq


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
        return {k: jsonable(x) for k, x in v.items() if not k.startswith("_")}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (str, bool)) or v is None:
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    f = to_float(v)
    if math.isinf(f) or math.isnan(f):
        return str(f)
    return f


def cell(v, digits: int = 6) -> str:
    """Short table text for a value."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    f = to_float(v)
    if math.isinf(f):
        return "inf"
    return f"{f:.{digits}g}"
