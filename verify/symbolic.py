"""Declarative claim sides: sympy expressions over SYMBOLS, evaluated to certifiable values.

Integer- and rational-valued symbols (L, q, K, s_max, constants) are substituted first, so sympy
settles purely numeric parts exactly (``2**ceiling(log(s_max, 2))`` becomes an integer). What is
left is walked into exact objects: rationals → fmpq, ``log`` of a rational → ``LogLinear``, sums
and rational multiples of LogLinears stay LogLinear (so identities can be proved ``tight``), and
anything else (a product of two logs, ``log_2 L``) becomes an ``Enclosable`` for ball arithmetic.
"""
from __future__ import annotations

from functools import lru_cache

import sympy
from flint import fmpq
from sympy.parsing.sympy_parser import parse_expr

from .certify import Formula, Product, Scaled, Sum, as_enclosable
from .errors import SpecError
from .logforms import LogLinear


def _symbol_names():
    from .claims import SYMBOLS

    return tuple(SYMBOLS)


@lru_cache(maxsize=None)
def _parse(text: str, constant_names: tuple) -> sympy.Expr:
    names = _symbol_names() + constant_names
    local = {n: sympy.Symbol(n) for n in names}
    return parse_expr(text, local_dict=local, evaluate=True)


def parse(text: str, constants: dict, field: str = "expression") -> sympy.Expr:
    try:
        return _parse(text, tuple(sorted(constants)))
    except Exception as err:  # sympy raises many types for bad syntax
        raise SpecError(field, f"cannot parse {text!r} ({type(err).__name__})",
                        "a sympy expression over the documented symbols") from None


def free_symbols(text: str, constants: dict) -> set:
    return {s.name for s in parse(text, constants).free_symbols} - set(constants)


def validate(text: str, constants: dict, field: str) -> None:
    """Raise SpecError naming an unknown symbol, so a reviewer's typo fails before any run."""
    known = set(_symbol_names()) | set(constants)
    for s in parse(text, constants, field).free_symbols:
        if s.name not in known:
            raise SpecError(field, f"unknown symbol {s.name!r}", ", ".join(sorted(known)))
    for c, v in constants.items():
        try:
            fmpq_of(v)
        except (ValueError, ZeroDivisionError):
            raise SpecError(f"{field} constant {c}", f"{v!r} is not a rational", "a string like '2' or '1/16'") from None


def fmpq_of(v) -> fmpq:
    from fractions import Fraction

    if isinstance(v, fmpq):
        return v
    fr = Fraction(str(v))
    return fmpq(fr.numerator, fr.denominator)


def evaluate(text: str, constants: dict, value) -> object:
    """Exact value of ``text``: ``value(name)`` supplies each symbol (int, fmpq, LogLinear, Enclosable)."""
    expr = parse(text, constants)
    subs = {}
    bound = {}
    for s in expr.free_symbols:
        v = fmpq_of(constants[s.name]) if s.name in constants else value(s.name)
        if isinstance(v, (int, fmpq)):
            v = fmpq_of(v) if not isinstance(v, fmpq) else v
            subs[s] = sympy.Rational(int(v.p), int(v.q))
        else:
            bound[s.name] = v
    if subs:
        expr = expr.subs(subs)
    return _walk(expr, bound)


def _walk(e, bound: dict):
    if e.is_Symbol:
        return bound[e.name]
    if e.is_Rational:
        return fmpq(int(e.p), int(e.q))
    if e.is_Add:
        total = fmpq(0)
        for a in e.args:
            total = _add(total, _walk(a, bound))
        return total
    if e.is_Mul:
        out = fmpq(1)
        for a in e.args:
            out = _mul(out, _walk(a, bound))
        return out
    if e.is_Pow:
        base, ex = (_walk(a, bound) for a in e.args)
        if isinstance(base, fmpq) and isinstance(ex, fmpq) and ex.q == 1:
            if base == 0 and ex < 0:
                raise ZeroDivisionError("0 to a negative power in a claim side")
            return base ** int(ex.p)
        b, x = as_enclosable(base), as_enclosable(ex)
        return Formula(lambda prec: b.enclose(prec) ** x.enclose(prec), f"pow({base}, {ex})")
    if isinstance(e, sympy.log):
        arg = _walk(e.args[0], bound)
        if isinstance(arg, fmpq):
            return LogLinear.log(arg)
        a = as_enclosable(arg)
        return Formula(lambda prec: a.enclose(prec).log(), "log")
    if isinstance(e, (sympy.ceiling, sympy.floor)):
        arg = _walk(e.args[0], bound)
        if isinstance(arg, fmpq):
            n = int(arg.p) // int(arg.q)
            return fmpq(n + (1 if isinstance(e, sympy.ceiling) and n * arg.q != arg.p else 0))
        raise SpecError("claim side", f"{e} is not settled exactly by sympy",
                        "ceiling/floor of rationals, or ceiling(log(n, 2)) with n known")
    if isinstance(e, (sympy.Max, sympy.Min)):
        vals = [_walk(a, bound) for a in e.args]
        if all(isinstance(v, fmpq) for v in vals):
            return max(vals) if isinstance(e, sympy.Max) else min(vals)
    raise SpecError("claim side", f"unsupported term {e}", "+, -, *, /, integer powers, log, ceiling, floor, Max, Min")


def _add(a, b):
    """Lazy: the ball of a sum reuses its terms' cached balls; the merged form is built on demand."""
    if isinstance(a, fmpq) and isinstance(b, fmpq):
        return a + b
    return Sum(a, b)


def _mul(a, b):
    """Rational multiples keep a log form exact; a product of two log forms is only enclosed."""
    if isinstance(a, fmpq) or isinstance(b, fmpq):
        r, x = (a, b) if isinstance(a, fmpq) else (b, a)
        return r * x if isinstance(x, fmpq) else Scaled(r, x)
    return Product(as_enclosable(a), as_enclosable(b))


__all__ = ["parse", "free_symbols", "validate", "evaluate"]
