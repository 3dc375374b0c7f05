"""Predictor tables read from files: ``--predictor file:PATH`` (docs/predictors.md).

- ``.npy``: a numeric array of shape ``(q+1,)*L + (L, q)``; entry ``[s_0, …, s_{L−1}, i, :]`` is the
  predicted conditional of X_i at the partial state s, where ``s_j = q`` marks a masked position
  and ``s_j < q`` a revealed value. Floats: each row must sum to 1 within 1e-9 and is normalised
  exactly from its binary values (``p̂_v = w_v / Σ_u w_u``, rationals).
- ``.json``: ``{"q": q, "L": L, "table": [...]}`` with ``table`` flat in C order
  ((q+1)^L · L · q entries) or nested to that shape; entries are rational strings (``"3/16"``) or
  decimal numbers read exactly (``0.1`` is 1/10); each row must sum to exactly 1.

Only rows of masked positions (``s_i = q``) are read: they must be strictly positive (every KL
stays finite, LC25.TRAIN). Rows of revealed positions are ignored (any numbers, NaN included).
Sizes: the file is stat-ed first (no FIFO or device); the table may hold at most
``predictors.MAX_TABLE_ENTRIES`` entries, checked from the shape before any value is read.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from verify.engine.predictors import MAX_TABLE_ENTRIES, TablePredictor, build_table, table_entries
from verify.errors import SpecError, shorten

from .files import _entry, _existing, _flatten, _open_npy, _read_json

FIELD = "predictor.file"
FORMATS = ".npy (array of shape (q+1,)*L + (L, q)) or .json ({\"q\", \"L\", \"table\"})"


def load_predictor(path: str, spec: str) -> TablePredictor:
    """The table predictor of a file (module docstring); one-line SpecError on any problem."""
    p = _path(path)
    if p.suffix.lower() == ".npy":
        arr = _open_npy(p, FIELD)
        q, L = _npy_shape(arr.shape)
        if arr.dtype.kind not in "iuf":
            raise SpecError(f"{FIELD}.table", f"array of dtype {arr.dtype} is not numeric", "a float or integer array")
        arr = np.array(arr, dtype=np.float64 if arr.dtype.kind == "f" else object)
        return TablePredictor.from_exact(build_table(lambda s, i: arr[s + (i,)].tolist(), q, L, f"{FIELD}.table"), spec)
    doc = _read_json(p, FIELD, "table", '{"q": q, "L": L, "table": [...]}')
    q, L = _json_q_L(doc)
    n = table_entries(q, L)
    if n > MAX_TABLE_ENTRIES:
        raise SpecError(FIELD, f"a table for q={q}, L={L} has {n} entries", f"(q+1)^L * L * q <= {MAX_TABLE_ENTRIES}")
    flat = _flatten(doc["table"], f"{FIELD}.table")
    if len(flat) != n:
        raise SpecError(f"{FIELD}.table", f"has {len(flat)} entries, (q+1)^L * L * q = {n} expected",
                        "a flat list in C order, or nested to shape (q+1,)*L + (L, q)")
    strides = [L * q * (q + 1) ** (L - 1 - j) for j in range(L)]

    def row(state, i):
        k = sum(s * st for s, st in zip(state, strides)) + i * q
        return [_entry(v, f"{FIELD}.table") for v in flat[k:k + q]]

    return TablePredictor.from_exact(build_table(row, q, L, f"{FIELD}.table"), spec)


def _path(path: str) -> Path:
    try:
        return _existing(path, FIELD)
    except SpecError as err:  # the law-file checker names law formats: name the table's instead
        raise SpecError(FIELD, err.problem, FORMATS) from None


def _npy_shape(shape: tuple) -> tuple[int, int]:
    bad = SpecError(f"{FIELD}.table", f"array shape {shape} is not (q+1,)*L + (L, q) with q >= 2",
                    "an array of shape (q+1,)*L + (L, q): L state axes of length q+1, then positions, then values")
    if len(shape) < 3:
        raise bad
    L, q = shape[-2], shape[-1]
    if q < 2 or L != len(shape) - 2 or any(n != q + 1 for n in shape[:-2]):
        raise bad
    if table_entries(q, L) > MAX_TABLE_ENTRIES:
        raise SpecError(FIELD, f"a table for q={q}, L={L} has {table_entries(q, L)} entries",
                        f"(q+1)^L * L * q <= {MAX_TABLE_ENTRIES}")
    return q, L


def _json_q_L(doc: dict) -> tuple[int, int]:
    out = []
    for key, low in (("q", 2), ("L", 1)):
        v = doc.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise SpecError(f"{FIELD}.{key}", f"{shorten(repr(v))} is not an integer >= {low}", f"an integer >= {low}")
        out.append(v)
    return out[0], out[1]
