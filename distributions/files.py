"""Target laws loaded from files: ``file:PATH``.

- ``.npy``: a numeric array of shape (q,)*L (all axes equal); q and L come from the shape.
- ``.json``: ``{"q": q, "L": L, "pmf": [...]}`` with ``pmf`` flat in C order (length q^L) or
  nested to shape (q,)*L. Entries are numbers or exact rationals as strings (``"3/16"``).

Sizes: the file must be a regular file (a FIFO, a device or a socket is refused after ``os.stat``,
before it is opened); a JSON file is read whole only up to ``guard.MAX_LAW_FILE_BYTES`` and within
the memory limit (≈ 40 bytes per byte); every number in it has at most 100 characters and a decimal
exponent of at most ±1000 (``"1e-100000000"`` is refused in one line).

Exactness: when any entry is a string, or when the decimal literals of the file sum exactly to 1,
the law is read exactly (``0.1`` in the file is 1/10) and must sum to exactly 1. Otherwise the
entries are floats, must sum to 1 within 1e-9, and are renormalised (see ``make_target``).
"""
from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from verify import guard
from verify.errors import SpecError, shorten
from verify.specs import check_number_text

FORMATS = ".npy (array of shape (q,)*L) or .json ({\"q\", \"L\", \"pmf\"})"


def read_shape(path: str, field: str = "target.file") -> tuple[int, int]:
    """(q, L) of a law file, read without building the law (so a huge file can be refused first)."""
    p = _existing(path, field)
    if p.suffix.lower() == ".npy":
        return _npy_shape(_open_npy(p, field), field)
    doc = _read_json(p, field)
    return _json_q_L(doc, field)


def load_law(path: str, field: str = "target.file"):
    """(pmf, q, L): pmf a float64 array, or an object array of Fractions when read exactly.

    Validation of the values (sign, NaN, sum) is left to ``make_target``, which names
    ``{field}.pmf``; shape problems are raised here.
    """
    p = _existing(path, field)
    if p.suffix.lower() == ".npy":
        arr = _open_npy(p, field)
        q, L = _npy_shape(arr, field)
        if arr.dtype.kind not in "biuf":
            raise SpecError(f"{field}.pmf", f"array of dtype {arr.dtype} is not numeric",
                            "a float or integer array")
        return np.array(arr, dtype=np.float64), q, L
    doc = _read_json(p, field)
    q, L = _json_q_L(doc, field)
    nested = isinstance(doc["pmf"], list) and any(isinstance(v, list) for v in doc["pmf"])
    if nested and not _has_shape(doc["pmf"], q, L):
        raise SpecError(f"{field}.pmf", f"nested list is not of shape ({q},)*{L}",
                        "a flat list of q^L entries in C order, or nested to shape (q,)*L")
    flat = _flatten(doc["pmf"], f"{field}.pmf")
    if len(flat) != q**L:
        raise SpecError(f"{field}.pmf", f"has {len(flat)} entries, q^L = {q}^{L} = {q**L} expected",
                        "a flat list of q^L entries in C order, or nested to shape (q,)*L")
    values = [_entry(v, f"{field}.pmf") for v in flat]
    exact = any(isinstance(v, str) for v in flat) or (
        all(isinstance(v, Fraction) for v in values) and sum(values) == 1)
    if exact:
        if not all(isinstance(v, Fraction) for v in values):
            raise SpecError(f"{field}.pmf", "mixes exact entries with NaN or infinite ones",
                            "finite probabilities >= 0 summing to 1")
        return np.array(values, dtype=object).reshape((q,) * L), q, L
    return np.array([float(v) for v in values], dtype=np.float64).reshape((q,) * L), q, L


def _existing(path: str, field: str) -> Path:
    if not path:
        raise SpecError(field, "no file name given", "file:PATH with PATH a " + FORMATS)
    p = Path(path)
    if p.suffix.lower() not in (".npy", ".json"):
        raise SpecError(field, f"unknown file type {shorten(p.suffix or '(none)')!r} for {shorten(path)!r}", FORMATS)
    guard.check_regular_file(path, field, "an existing regular file: " + FORMATS, limit=None)
    return p


def _open_npy(p: Path, field: str) -> np.ndarray:
    try:
        arr = np.load(p, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise SpecError(field, f"cannot read {shorten(str(p))!r} as .npy ({shorten(str(err), 80)})", "a numeric .npy array") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive under a .npy name loads as NpzFile
        close = getattr(arr, "close", None)
        if close is not None:
            close()
        raise SpecError(field, f"{shorten(str(p))!r} is an .npz archive, not one .npy array", "a numeric .npy array")
    return arr


def _npy_shape(arr: np.ndarray, field: str) -> tuple[int, int]:
    shape = arr.shape
    if len(shape) == 0 or len(set(shape)) != 1 or shape[0] < 2:
        raise SpecError(f"{field}.pmf", f"array shape {shape} is not (q,)*L with q >= 2",
                        "an array with L >= 1 axes all of length q >= 2")
    return int(shape[0]), len(shape)


def _read_json(p: Path, field: str, key: str = "pmf", shape: str = '{"q": q, "L": L, "pmf": [...]}') -> dict:
    st = guard.check_regular_file(str(p), field, "a regular file: " + FORMATS)
    guard.refuse(field, f"JSON law file of {st.st_size} bytes (parsed whole)", 40.0 * st.st_size,
                 "a smaller file, or the law as .npy")
    raw = guard.read_regular_file(str(p), field, "a regular file: " + FORMATS)
    try:
        # Decimal keeps each literal exact, so "0.1" can be read as 1/10; every literal is first
        # bounded in size (a 10^8-digit exponent would otherwise be expanded when read exactly).
        doc = json.loads(raw.decode("utf-8"), parse_float=lambda t: Decimal(_bounded(t, field)),
                         parse_int=lambda t: int(_bounded(t, field)))
    except SpecError:
        raise
    except RecursionError:
        raise SpecError(field, f"{shorten(str(p))!r} is nested too deeply", FORMATS) from None
    except (ValueError, OSError, UnicodeDecodeError) as err:
        raise SpecError(field, f"cannot read {shorten(str(p))!r} as JSON ({shorten(str(err), 80)})", FORMATS) from None
    if not isinstance(doc, dict) or key not in doc:
        raise SpecError(field, f"JSON is not an object with a {key!r} entry", shape)
    return doc


def _bounded(text: str, field: str) -> str:
    """A JSON number literal within the spec parser's size limits (``specs.check_number_text``)."""
    return check_number_text(text, f"{field}.pmf", "numbers of at most 100 characters with an exponent within ±1000")


def _json_q_L(doc: dict, field: str) -> tuple[int, int]:
    out = []
    for key, low in (("q", 2), ("L", 1)):
        v = doc.get(key)
        if v is None:
            raise SpecError(f"{field}.{key}", "missing from the JSON file", f"an integer >= {low}")
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise SpecError(f"{field}.{key}", f"{shorten(repr(v))} is not an integer >= {low}", f"an integer >= {low}")
        out.append(v)
    return out[0], out[1]


def _has_shape(obj, q: int, depth: int) -> bool:
    if depth == 0:
        return not isinstance(obj, list)
    return isinstance(obj, list) and len(obj) == q and all(_has_shape(v, q, depth - 1) for v in obj)


def _flatten(obj, field: str) -> list:
    if not isinstance(obj, list):
        raise SpecError(field, f"is {type(obj).__name__}, not a list", "a list of probabilities")
    flat = []
    stack = [iter(obj)]
    while stack:
        for v in stack[-1]:
            if isinstance(v, list):
                stack.append(iter(v))
                break
            flat.append(v)
        else:
            stack.pop()
    return flat


def _entry(v, field: str):
    """A JSON entry as a Fraction (int, decimal literal, rational string) or a float (NaN/inf)."""
    if isinstance(v, bool) or v is None or isinstance(v, (dict, list)):
        raise SpecError(field, f"entry {shorten(repr(v))} is not a number", 'numbers or rational strings like "3/16"')
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, Decimal):
        return Fraction(v) if v.is_finite() else float(v)
    if isinstance(v, float):  # NaN / Infinity constants
        return v if not math.isfinite(v) else Fraction(v)
    if isinstance(v, str):
        check_number_text(v.split("/", 1)[0], field, 'numbers or rational strings like "3/16"')
        if "/" in v:
            check_number_text(v.split("/", 1)[1], field, 'numbers or rational strings like "3/16"')
        try:
            return Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise SpecError(field, f"entry {shorten(repr(v))} is not a rational", 'numbers or strings like "3/16"') from None
    raise SpecError(field, f"entry {shorten(repr(v))} is not a number", 'numbers or rational strings like "3/16"')
