"""Declarative claim sides: a small arithmetic grammar over SYMBOLS, evaluated to certifiable values.

A side is *parsed, never evaluated as Python*: ``ast.parse(text, mode="eval")`` only splits the
text into a tree, and a strict whitelist turns that tree into a sympy expression. Accepted:

    side   := number | name | side (+ - * / **) side | (+|-) side | ( side ) | func(side, ...)
    number := digits [. digits] [e [+-] digits]     (read exactly: 0.1 is 1/10)
    name   := a documented symbol (verify/claims/symbols.py) or one of the claim's constants
    func   := log(x) | log(x, base) | ceiling | floor | sqrt | exp | min/Min | max/Max (2+ args)

Anything else (attribute access, subscripts, strings, calls of other names, comparisons,
lambdas, ...) is refused with a SpecError naming the offending token. Sides are also refused
when they are not a finite real scalar (``1/0``, ``log(0)``, ``sqrt(-1)``), longer than
MAX_SIDE_CHARS, nested deeper than MAX_DEPTH, or raise a number to a power beyond MAX_EXPONENT.

Integer- and rational-valued symbols (L, q, K, s_max, constants) are substituted first, so sympy
settles purely numeric parts exactly (``2**ceiling(log(s_max, 2))`` becomes an integer). What is
left is walked into exact objects: rationals → fmpq, ``log`` of a rational → ``LogLinear``, sums
and rational multiples of LogLinears stay LogLinear (so identities can be proved ``tight``), and
anything else (a product of two logs, ``log_2 L``) becomes an ``Enclosable`` for ball arithmetic.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache

import sympy
from flint import arb, fmpq

from ..certify.verdicts import Formula, Product, Scaled, Sum, as_enclosable
from ..errors import SpecError, shorten
from ..certify.logforms import LogLinear
from .symbols import SYMBOLS

MAX_SIDE_CHARS = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 4096
MAX_NUMBER_DIGITS = 200
MAX_DECIMAL_EXPONENT = 1000

# name -> (sympy constructor, least and most arguments)
FUNCTIONS = {
    "log": (sympy.log, 1, 2),
    "ceiling": (sympy.ceiling, 1, 1),
    "floor": (sympy.floor, 1, 1),
    "sqrt": (sympy.sqrt, 1, 1),
    "exp": (sympy.exp, 1, 1),
    "min": (sympy.Min, 2, 16), "Min": (sympy.Min, 2, 16),
    "max": (sympy.Max, 2, 16), "Max": (sympy.Max, 2, 16),
}
ACCEPTED = ("numbers, the documented symbols and constants, + - * / **, parentheses, "
            "log, ceiling, floor, sqrt, exp, min, max")
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b}
_OP_TEXT = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^ (use **)", ast.BitOr: "|",
            ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~"}
_NOT_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I)
_NUMBER = re.compile(r"^(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$")


def _symbol_names():
    return tuple(SYMBOLS)


def exact_number(text: str) -> sympy.Rational | None:
    """A decimal literal read exactly, or None if it is not one (or absurdly long/large)."""
    m = _NUMBER.match(text.strip())
    if not m or len(text) > MAX_NUMBER_DIGITS:
        return None
    if m.group(2) is not None and abs(int(m.group(2))) > MAX_DECIMAL_EXPONENT:
        return None
    return sympy.Rational(text.strip())


class _Builder:
    def __init__(self, text: str, names: set, field: str):
        self.text, self.names, self.field = text, names, field

    def refuse(self, problem: str):
        raise SpecError(self.field, f"{problem} in {shorten(self.text)!r}", ACCEPTED)

    def token(self, node) -> str:
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        return shorten(seg)

    def build(self, node, depth: int = 0):
        """The sympy value of ``node``; every intermediate value must be finite and real, since
        sympy would otherwise absorb it (x / (1/0) evaluates to 0)."""
        value = self._build(node, depth)
        if isinstance(value, sympy.Basic) and (value.has(*_NOT_FINITE) or value.is_real is False):
            raise SpecError(self.field, f"{self.token(node)!r} is not a finite real number ({shorten(str(value))}) "
                            f"in {shorten(self.text)!r}",
                            "a side with a finite real value (no division by zero, log of 0, sqrt of a negative)")
        return value

    def _build(self, node, depth: int = 0):
        if depth > MAX_DEPTH:
            self.refuse(f"nesting deeper than {MAX_DEPTH}")
        d = depth + 1
        if isinstance(node, ast.Expression):
            return self.build(node.body, d)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                self.refuse(f"refused token {self.token(node)!r} (not a number)")
            r = exact_number(self.token(node).replace("_", ""))
            if r is None:
                self.refuse(f"refused number {self.token(node)!r} (at most {MAX_NUMBER_DIGITS} characters, "
                            f"decimal exponent at most {MAX_DECIMAL_EXPONENT})")
            return r
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return sympy.Symbol(node.id)
            if node.id in FUNCTIONS:
                self.refuse(f"function {node.id!r} used without arguments")
            raise SpecError(self.field, f"unknown symbol {shorten(node.id)!r}", ", ".join(sorted(self.names)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.build(node.operand, d)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(node, d)
            fn = _BINOPS.get(type(node.op))
            if fn is None:
                self.refuse(f"refused operator {_OP_TEXT.get(type(node.op), type(node.op).__name__)!r}")
            return fn(self.build(node.left, d), self.build(node.right, d))
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                self.refuse(f"refused call {self.token(node.func)!r} (only {', '.join(sorted(set(FUNCTIONS)))})")
            fn, lo, hi = FUNCTIONS[name]
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                self.refuse(f"refused arguments of {name}(...) (positional arguments only)")
            if not lo <= len(node.args) <= hi:
                self.refuse(f"{name} takes {lo}" + (f" to {hi}" if hi > lo else "") +
                            f" argument(s), got {len(node.args)}")
            return fn(*(self.build(a, d) for a in node.args))
        if isinstance(node, ast.UnaryOp):
            self.refuse(f"refused operator {_OP_TEXT.get(type(node.op), type(node.op).__name__)!r}")
        kind = {ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.List: "list",
                ast.Tuple: "tuple", ast.Compare: "comparison", ast.BoolOp: "boolean operator",
                ast.Lambda: "lambda", ast.Dict: "dict", ast.Set: "set"}.get(type(node), "expression")
        self.refuse(f"refused {kind} {self.token(node)!r}")

    def power(self, node, d):
        if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node.right)):
            self.refuse(f"refused nested power {self.token(node)!r}")
        base, ex = self.build(node.left, d), self.build(node.right, d)
        if ex.is_number and (ex.is_Rational is not True or abs(ex) > MAX_EXPONENT):
            self.refuse(f"refused exponent {self.token(node.right)!r} (a rational of size at most {MAX_EXPONENT})")
        return base ** ex


@lru_cache(maxsize=256)
def _parse(text: str, constant_names: tuple, field: str) -> sympy.Expr:
    if len(text) > MAX_SIDE_CHARS:
        raise SpecError(field, f"side of {len(text)} characters {shorten(text)!r}",
                        f"at most {MAX_SIDE_CHARS} characters")
    if not text.strip():
        raise SpecError(field, "is empty", ACCEPTED)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise SpecError(field, f"cannot parse {shorten(text)!r} ({err.msg})", ACCEPTED) from None
    except (RecursionError, MemoryError):
        raise SpecError(field, f"cannot parse {shorten(text)!r} (too deeply nested)", ACCEPTED) from None
    except ValueError as err:  # e.g. a NUL character
        raise SpecError(field, f"cannot parse {shorten(text)!r} ({shorten(str(err), 60)})", ACCEPTED) from None
    b = _Builder(text.strip(), set(_symbol_names()) | set(constant_names), field)
    try:
        expr = b.build(tree)
    except RecursionError:
        raise SpecError(field, f"{shorten(text)!r} is nested too deeply", ACCEPTED) from None
    if not isinstance(expr, sympy.Expr) or expr.has(*_NOT_FINITE) or expr.is_real is False:
        raise SpecError(field, f"{shorten(text)!r} is not a finite real number ({shorten(str(expr))})",
                        "a side with a finite real value (no division by zero, log of 0, sqrt of a negative)")
    return expr


def parse(text, constants: dict, field: str = "expression") -> sympy.Expr:
    """The sympy expression of a side; SpecError naming ``field`` and the offending token."""
    if not isinstance(text, str):
        raise SpecError(field, f"is {type(text).__name__} {shorten(repr(text))}, not a string",
                        "a string such as \"TC + DTC\"")
    return _parse(text, tuple(sorted(constants)), field)


def free_symbols(text: str, constants: dict) -> set:
    return {s.name for s in parse(text, constants).free_symbols} - set(constants)


def validate(text: str, constants: dict, field: str) -> set:
    """Raise SpecError on a side ``evaluate`` would refuse; return the symbols it uses."""
    for c, v in constants.items():
        if not isinstance(c, str) or not c.isidentifier() or c in FUNCTIONS:
            raise SpecError(f"{field} constant {shorten(str(c))}", "is not a usable name",
                            "an identifier that is not a function name")
        try:
            fmpq_of(v)
        except (ValueError, ZeroDivisionError, TypeError):
            raise SpecError(f"{field} constant {c}", f"{shorten(repr(v))} is not a rational",
                            "a string like '2' or '1/16'") from None
    expr = parse(text, constants, field)
    return {s.name for s in expr.free_symbols} - set(constants)


def fmpq_of(v) -> fmpq:
    from fractions import Fraction

    if isinstance(v, fmpq):
        return v
    if isinstance(v, bool) or not isinstance(v, (int, str, Fraction)):
        raise TypeError(f"{type(v).__name__} is not a rational")
    text = str(v).strip()
    if isinstance(v, str):
        num, slash, den = text.partition("/")
        parts = [num, den] if slash else [num]
        vals = [exact_number(x.strip().lstrip("+-")) if x.strip() else None for x in parts]
        if any(x is None for x in vals):
            raise ValueError(f"{shorten(text)!r} is not a rational")
    fr = Fraction(text)
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
        expr = _substitute(expr, subs)
    return _walk(expr, bound)


def _substitute(e, subs: dict):
    """``e.subs(subs)`` rebuilt bottom-up, refusing a non-finite intermediate value: sympy would
    otherwise absorb it (TC / (1/(q − 2)) at q = 2 would silently become 0)."""
    if not e.args:
        return subs.get(e, e)
    new = e.func(*(_substitute(a, subs) for a in e.args))
    if new.has(*_NOT_FINITE):
        raise SpecError("claim side", f"{shorten(str(e))} is not finite at {shorten(str(subs))}",
                        "a side with a finite real value on every instance of its grid")
    return new


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
            if abs(ex) > MAX_EXPONENT and abs(base) != 1 and base != 0:
                raise SpecError("claim side", f"exponent {shorten(str(ex))} is too large", f"at most {MAX_EXPONENT}")
            if base == 0 and ex < 0:
                raise ZeroDivisionError("0 to a negative power in a claim side")
            return base ** int(ex.p)
        b, x = as_enclosable(base), as_enclosable(ex)
        return Formula(lambda prec: b.enclose(prec) ** x.enclose(prec), f"pow({base}, {ex})")
    if e is sympy.E:
        return Formula(lambda prec: arb(1).exp(), "e")
    if isinstance(e, sympy.exp):
        arg = as_enclosable(_walk(e.args[0], bound))
        return Formula(lambda prec: arg.enclose(prec).exp(), "exp")
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
    raise SpecError("claim side", f"unsupported term {shorten(str(e))}", "+, -, *, /, integer powers, log, ceiling, floor, Max, Min")


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
