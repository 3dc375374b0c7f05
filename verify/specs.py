"""Syntax of spec strings (targets, samplers, predictors): ``name:key=value,key=value``.

Grammar (whitespace around tokens is ignored)::

    spec   := name [":" items]          | "file:" PATH      (PATH taken verbatim)
    items  := item ("," item)*
    item   := key "=" value
    value  := scalar | scalar ("+" scalar)+  | "[" spec "]" ("+" "[" spec "]")*
    scalar := integer | decimal | fraction          e.g. 3, 0.1, 1/10, 1e-3

Commas and plus signs inside square brackets belong to the bracketed spec, so specs nest:
``mixture:weights=1/2+1/2,of=[copy:L=4,delta=1/2]+[product:L=4,q=2]``.

Decimals are read exactly: ``0.1`` is the rational 1/10, never the float nearest to it.

Input is **refused, not normalised**, when it is not ASCII: a spec may contain non-ASCII characters
only inside a ``file:`` path. Unicode digits (``４``, ``٤``), full-width signs and look-alike letters
(Cyrillic ``а`` in ``mаrkov``) are refused in one line naming the character and its code point, so
nothing the user did not type in plain ASCII is silently read as a number or a name. Brackets nest
at most ``MAX_NESTING`` deep (``mixture`` of ``mixture`` of ...).

Every error is a :class:`verify.errors.SpecError` naming the field (``target.markov.flip``).
"""
from __future__ import annotations

import re
from fractions import Fraction

from flint import fmpq

from .errors import SpecError, shorten

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

SYNTAX = "name:key=value,key=value (lists join with '+', nested specs in [brackets])"
# A single number is at most this long, and its decimal exponent at most this large: longer
# values are absurd for a law's parameter and would only cost time (10**(10**9)).
MAX_NUMBER_CHARS = 100
MAX_DECIMAL_EXPONENT = 1000
_EXPONENT = re.compile(r"[eE]\s*([+-]?[0-9]+)\s*$")
MAX_NESTING = 8
ASCII_ONLY = "ASCII only (Unicode digits and look-alike letters are refused, not normalised)"


def check_ascii(text: str, field: str) -> None:
    """SpecError naming the first non-ASCII character of ``text`` (the documented choice: refuse)."""
    if text.isascii():
        return
    k, ch = next((k, ch) for k, ch in enumerate(text) if not ch.isascii())
    raise SpecError(field, f"non-ASCII character {ch!r} (U+{ord(ch):04X}) at position {k + 1} of "
                    f"{shorten(text)!r}", ASCII_ONLY)


def split_top(text: str, sep: str, field: str) -> list[str]:
    """Split ``text`` at ``sep`` outside square brackets; unbalanced brackets are a syntax error."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
            if depth > MAX_NESTING:
                raise SpecError(field, f"brackets nested deeper than {MAX_NESTING} in {shorten(text)!r}",
                                f"specs nested at most {MAX_NESTING} deep")
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise SpecError(field, f"unmatched ']' in {shorten(text)!r}", SYNTAX)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise SpecError(field, f"unmatched '[' in {shorten(text)!r}", SYNTAX)
    parts.append(text[start:])
    return parts


def parse_spec(text: str, field: str, verbatim: tuple[str, ...] = ("file",)) -> tuple[str, dict[str, str]]:
    """Split a spec into its family name and raw ``key -> value`` strings (values not yet typed).

    Families in ``verbatim`` take everything after the colon as one value under key ``path``
    (a file name may contain ',' or '=').
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError(field, "empty spec", SYNTAX)
    text = text.strip()
    name, colon, rest = text.partition(":")
    name = name.strip()
    check_ascii(name, field)
    if not _NAME.match(name):
        raise SpecError(field, f"malformed spec {shorten(text)!r}: bad family name {shorten(name)!r}", SYNTAX)
    if name in verbatim:
        return name, {"path": rest.strip()}
    check_ascii(_outside_brackets(rest), field)  # bracketed specs are checked when they are parsed
    raw: dict[str, str] = {}
    if not colon:
        return name, raw
    if not rest.strip():
        raise SpecError(field, f"malformed spec {shorten(text)!r}: nothing after ':'", SYNTAX)
    for item in split_top(rest, ",", field):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not _KEY.match(key) or not value:
            raise SpecError(field, f"malformed item {shorten(item.strip())!r} in {shorten(text)!r}", SYNTAX)
        if key in raw:
            raise SpecError(f"{field}.{name}.{key}", "given twice", "each key at most once")
        raw[key] = value
    return name, raw


def _outside_brackets(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch == "["
        if depth == 0:
            out.append(ch)
        depth -= ch == "]" and depth > 0
    return "".join(out)


def check_number_text(value: str, field: str, accepted: str) -> str:
    """A number's text within the size limits: ASCII, at most MAX_NUMBER_CHARS characters, a
    decimal exponent of at most ±MAX_DECIMAL_EXPONENT (so ``1e-100000000`` is refused in one line
    instead of building a 10⁸-digit denominator). Returns the stripped text."""
    text = value.strip()
    check_ascii(text, field)
    if len(text) > MAX_NUMBER_CHARS:
        raise SpecError(field, f"{shorten(text)!r} has {len(text)} characters", f"{accepted}, at most "
                        f"{MAX_NUMBER_CHARS} characters")
    m = _EXPONENT.search(text)
    if m and abs(int(m.group(1))) > MAX_DECIMAL_EXPONENT:
        raise SpecError(field, f"{shorten(text)!r} has an exponent beyond ±{MAX_DECIMAL_EXPONENT}", accepted)
    return text


def parse_int(value: str, field: str, minimum: int | None = None) -> int:
    text = check_number_text(value, field, "an integer such as 4")
    try:
        n = int(text)
    except ValueError:
        raise SpecError(field, f"{shorten(text)!r} is not an integer", "an integer such as 4") from None
    if minimum is not None and n < minimum:
        raise SpecError(field, f"{shorten(str(n))} is below {minimum}", f"an integer >= {minimum}")
    return n


def parse_rational(value: str, field: str) -> Fraction:
    """Exact rational from '3', '0.1' (= 1/10), '1/10', '1e-3'."""
    accepted = "an integer, decimal or fraction such as 3, 0.1, 1/10"
    text = value.strip()
    for part in text.split("/", 1):
        check_number_text(part, field, accepted)
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise SpecError(field, f"{shorten(text)!r} is not a number", accepted) from None


def parse_fmpq(value: str, field: str) -> fmpq:
    """``parse_rational`` as a python-flint fmpq (the engine's exact number type)."""
    fr = parse_rational(value, field)
    return fmpq(fr.numerator, fr.denominator)


def check_keys(raw: dict, allowed, field: str) -> None:
    """SpecError naming the first key not in ``allowed``."""
    for key in raw:
        if key not in allowed:
            raise SpecError(field, f"unknown key {shorten(key)!r}", ", ".join(allowed) if allowed else "no keys")


def parse_real(value: str, field: str) -> float:
    """A float read through the exact rational; refused when it overflows a float."""
    try:
        return float(parse_rational(value, field))
    except OverflowError:
        raise SpecError(field, f"{shorten(value.strip())!r} overflows a float", "a real number below 1e308") from None


def parse_list(value: str, field: str, item=parse_rational) -> list:
    """A '+'-joined list, each element typed by ``item``."""
    parts = split_top(value, "+", field)
    if any(not p.strip() for p in parts):
        raise SpecError(field, f"malformed list {shorten(value)!r}", "values joined with '+', e.g. 1/2+1/2")
    return [item(p.strip(), field) for p in parts]


def _one_group(part: str) -> bool:
    """True when ``part`` is ``[...]`` with the first '[' closed by the last ']'."""
    if not (part.startswith("[") and part.endswith("]")):
        return False
    depth = 0
    for i, ch in enumerate(part):
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and i < len(part) - 1:
            return False
    return depth == 0


def parse_bracketed(value: str, field: str) -> list[str]:
    """A '+'-joined list of ``[spec]`` items; returns the inner spec strings."""
    out = []
    for k, part in enumerate(split_top(value, "+", field), start=1):
        part = part.strip()
        if not _one_group(part):
            raise SpecError(field, f"component {k} ({shorten(part)!r}) is not one spec in square brackets",
                            "[name:key=value,...]+[name:key=value,...]")
        inner = part[1:-1].strip()
        if not inner:
            raise SpecError(field, f"component {k} is empty", "[name:key=value,...]")
        out.append(inner)
    return out
