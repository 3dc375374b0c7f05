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
MAX_SIDE_CHARS, nested deeper than MAX_DEPTH, raise a number to a power beyond MAX_EXPONENT, or
hold a power whose value would have more than MAX_POWER_BITS bits (``(10**4096)**4096``): the
size is bounded *before* sympy or flint computes the power, at parse time, when symbols are
substituted, and when the walk raises a rational to an integer power.

Integer- and rational-valued symbols (L, q, K, s_max, constants) are substituted first; sympy
then folds rational arithmetic exactly (``log(8, 2)`` is 3 by integer multiplicity). ``ceiling``,
``floor``, ``Max`` and ``Min`` are built unevaluated (``evaluate=False``), both when parsing and
when substituting: sympy would settle them by its own floating-point ``evalf``, which is not a
certificate. What is left is walked into exact objects: rationals → fmpq, ``log`` of a rational
→ ``LogLinear``, sums and rational multiples of LogLinears stay LogLinear (so identities can be
proved ``tight``), and anything else (a product of two logs, ``log_2 L``) becomes an
``Enclosable`` for ball arithmetic. The walk decides ceiling/floor/Max/Min itself (``_round``,
``_compare``): exactly for rationals, by balls at rising precision when a ball settles it, and by
an exact sign when it does not — of a log-linear form, or of a quotient ``A/B`` of two such forms
(``2**ceiling(log(s_max, 2))`` reads ``log(s_max)/log(2)``: at ``s_max = 8`` the ball of the
quotient holds 3 and ``sign(log 8 − 3 log 2) = 0`` is proved by factorisation). A decision that
stays open at PREC_CAP bits raises ``Undecided`` naming the term; nothing is ever guessed.
"""
from __future__ import annotations

import ast
import re
from fractions import Fraction
from functools import lru_cache, partial

import sympy
from flint import arb, fmpq

from ..certify.logforms import LogLinear, PrecisionExhausted, working_precision
from ..certify.verdicts import (DEFAULT_PREC_CAP, Difference, Formula, Log2, Product, Quotient, Scaled, Sum,
                                as_enclosable)
from ..errors import NotDefined, SpecError, Undecided, shorten
from .symbols import SYMBOLS

MAX_SIDE_CHARS = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 4096
MAX_NUMBER_DIGITS = 200
MAX_DECIMAL_EXPONENT = 1000
# A power's value may have at most this many bits (2^16: 8 KiB). Legit sides stay far below
# (2**4096 has 4097 bits, 10**4096 about 13,600); (10**4096)**5 is already refused. Checked
# before sympy or flint forms the number, since ((10**4096)**4096)**4096 would never finish.
MAX_POWER_BITS = 2**16
PREC_START = 64
PREC_CAP = DEFAULT_PREC_CAP  # the certifier's cap (4096 bits) for ceiling/floor/Max/Min decisions

# Settled by our certified walk, never by sympy: evaluated, sympy decides them with evalf
# (ceiling(log(6)/log(2)) → 3, Max(log(3), 1) → log(3)) — floating point, not a certificate.
_UNEVALUATED = (sympy.ceiling, sympy.floor, sympy.Max, sympy.Min)

# name -> (sympy constructor, least and most arguments)
FUNCTIONS = {
    "log": (sympy.log, 1, 2),
    "ceiling": (partial(sympy.ceiling, evaluate=False), 1, 1),
    "floor": (partial(sympy.floor, evaluate=False), 1, 1),
    "sqrt": (sympy.sqrt, 1, 1),
    "exp": (sympy.exp, 1, 1),
    "min": (partial(sympy.Min, evaluate=False), 2, 16), "Min": (partial(sympy.Min, evaluate=False), 2, 16),
    "max": (partial(sympy.Max, evaluate=False), 2, 16), "Max": (partial(sympy.Max, evaluate=False), 2, 16),
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


_POWER_ACCEPTED = f"a power whose value has at most {MAX_POWER_BITS} bits"


def _height_bits(e) -> Fraction:
    """Upper bound on ``log2`` of the numbers sympy may form when it raises ``e`` to a power,
    per unit of exponent: ``max(bits(p), bits(q))`` for a rational ``p/q``; ``|x| · h(b)`` for
    ``b**x`` with rational ``x`` (sympy folds ``(b**x)**y`` into ``b**(x·y)``); the sum over the
    arguments of anything else (``(c·y)**n`` distributes into ``c**n · y**n``; sums and function
    calls are counted too, which only over-estimates). Symbols and named constants count 0."""
    if e.is_Rational:
        return Fraction(max(int(e.p).bit_length(), int(e.q).bit_length()))
    if e.is_Pow and e.exp.is_Rational:
        return abs(Fraction(int(e.exp.p), int(e.exp.q))) * _height_bits(e.base)
    return sum((_height_bits(a) for a in e.args), Fraction(0))


def _power_bits(base, ex) -> Fraction:
    """Bound on the bits of ``base ** ex`` (rational ``ex``): ``|ex| · h(base)`` (``_height_bits``)."""
    return abs(Fraction(int(ex.p), int(ex.q))) * _height_bits(sympy.sympify(base))


def _shown_bits(bits) -> str:
    """A bit count for a message (display only)."""
    return f"{int(bits):,}" if bits < 10**30 else "more than 10^30"


def _refuse_power(where: str, bits) -> SpecError:
    return SpecError("claim side", f"{where} is a power of about {_shown_bits(bits)} bits", _POWER_ACCEPTED)


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
        bits = _power_bits(base, ex) if ex.is_Rational else 0
        if bits > MAX_POWER_BITS:  # checked before ``base ** ex``: sympy would form the number
            raise SpecError(self.field, f"refused power {self.token(node)!r} (about {_shown_bits(bits)} bits) "
                            f"in {shorten(self.text)!r}", _POWER_ACCEPTED)
        value = base ** ex
        # (s_max**4096)**4096 folds into s_max**16777216: refuse it here, not per instance
        for p in value.atoms(sympy.Pow) if isinstance(value, sympy.Basic) else ():
            if p.exp.is_Rational and abs(p.exp) > MAX_EXPONENT:
                raise SpecError(self.field, f"refused power {self.token(node)!r} (total exponent "
                                f"{shorten(str(p.exp))}) in {shorten(self.text)!r}",
                                f"a power whose total exponent is at most {MAX_EXPONENT}")
        return value


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
    otherwise absorb it (TC / (1/(q − 2)) at q = 2 would silently become 0). ceiling, floor, Max
    and Min are rebuilt unevaluated (the walk decides them, certified; ``e.subs`` would evaluate
    them again), and a power is bounded before sympy forms it (``s_max**4096`` at a 200-digit s_max)."""
    if not e.args:
        return subs.get(e, e)
    args = [_substitute(a, subs) for a in e.args]
    bits = _power_bits(*args) if e.is_Pow and args[1].is_Rational else 0
    if bits > MAX_POWER_BITS:
        raise _refuse_power(f"{shorten(str(e))} at {shorten(str(subs))}", bits)
    new = e.func(*args, evaluate=False) if isinstance(e, _UNEVALUATED) else e.func(*args)
    if new.has(*_NOT_FINITE):
        raise NotDefined("claim side", f"{shorten(str(e))} is not finite at {shorten(str(subs))}",
                        "a side with a finite real value on every instance of its grid")
    return new


class _Power(Formula):
    """``base ** exponent`` by ball arithmetic. Keeps its parts so that ``_ratio`` reads
    ``x ** -1`` as the exact quotient ``1 / x`` (sympy writes ``log(s, 2)`` as ``log(s) · log(2)**-1``)."""

    __slots__ = ("base", "exponent")

    def __init__(self, base, exponent):
        b, x = as_enclosable(base), as_enclosable(exponent)
        super().__init__(lambda prec: b.enclose(prec) ** x.enclose(prec), f"pow({base}, {exponent})")
        self.base, self.exponent = base, exponent


def _rational_power(base: fmpq, n: int) -> fmpq:
    """``base ** n`` exactly, refused (SpecError) when ``|n| · max(bits(p), bits(q))`` exceeds
    MAX_POWER_BITS; 0, 1 and −1 are settled by ``n``'s sign and parity at any size."""
    if base == 0:
        if n < 0:
            raise ZeroDivisionError("0 to a negative power in a claim side")
        return fmpq(1) if n == 0 else fmpq(0)
    if base == 1 or base == -1:
        return fmpq(1) if n % 2 == 0 else base
    if abs(n) > MAX_EXPONENT:
        raise SpecError("claim side", f"exponent {shorten(str(n))} is too large", f"at most {MAX_EXPONENT}")
    bits = abs(n) * max(int(base.p).bit_length(), int(base.q).bit_length())
    if bits > MAX_POWER_BITS:
        raise _refuse_power(f"{shorten(str(base))}**{n}", bits)
    return base ** n


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
            return _rational_power(base, int(ex.p))
        return _Power(base, ex)
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
        return fmpq(_round(_walk(e.args[0], bound), isinstance(e, sympy.ceiling), e))
    if isinstance(e, (sympy.Max, sympy.Min)):
        want = 1 if isinstance(e, sympy.Max) else -1
        best = None
        for a in e.args:
            v = _walk(a, bound)
            # an exact tie (compare = 0) keeps either: they are the same number
            if best is None or _compare(v, best, e) == want:
                best = v
        return best
    raise SpecError("claim side", f"unsupported term {shorten(str(e))}", "+, -, *, /, integer powers, log, ceiling, floor, Max, Min")


# --------------------------------------------------------------------------------------------
# certified ceiling / floor / comparison (the decisions sympy used to make by evalf)


def _precisions():
    """``PREC_START, 2·PREC_START, …, PREC_CAP`` bits."""
    prec = PREC_START
    while True:
        yield prec
        if prec >= PREC_CAP:
            return
        prec = min(2 * prec, PREC_CAP)


def _undecided(term, what: str) -> Undecided:
    return Undecided(f"claim side: {what} of {shorten(str(term), 60)} not settled at {PREC_CAP} bits "
                     "(a ball still holds the deciding point and no exact form decides it)")


def _lmul(a: LogLinear, b: LogLinear) -> LogLinear | None:
    """``a · b`` when it is log-linear (one factor rational), else None. A factor with no log terms
    is seen at once; only then is a form reduced to find that its logs cancel (``log 4 − 2 log 2``)."""
    for x, y in ((a, b), (b, a)):
        if len(x) == 0:
            return y * x.const
    for x, y in ((a, b), (b, a)):
        if x.is_rational():
            return y * x.const
    return None


def _ratio_mul(x, y):
    """``(A1/B1) · (A2/B2) = (A1·A2) / (B1·B2)`` when both products are log-linear."""
    if x is None or y is None:
        return None
    num, den = _lmul(x[0], y[0]), _lmul(x[1], y[1])
    return None if num is None or den is None else (num, den)


def _ratio_add(x, y):
    """``A1/B + A2/B = (A1 + A2)/B`` for an equal denominator (exact equality), else
    ``(A1·B2 + A2·B1) / (B1·B2)`` when the products are log-linear."""
    if x is None or y is None:
        return None
    (a1, b1), (a2, b2) = x, y
    if b1 == b2:
        return a1 + a2, b1
    p, q, den = _lmul(a1, b2), _lmul(a2, b1), _lmul(b1, b2)
    return None if p is None or q is None or den is None else (p + q, den)


def _ratio_inverse(x):
    """``1 / (A/B) = B/A``; None for ``A = 0`` (no exact value to decide with)."""
    if x is None or x[0].is_zero():
        return None
    return x[1], x[0]


_ONE = LogLinear.constant(1)


def _ratio(v):
    """``(A, B)`` with ``v = A / B`` for exact log-linear forms ``A``, ``B ≠ 0``; None when ``v`` is
    not provably such a quotient (a product of two logs, an exp, a non-integer power)."""
    if isinstance(v, (fmpq, int)):
        return LogLinear.constant(v), _ONE
    if isinstance(v, LogLinear):
        return v, _ONE
    if isinstance(v, Log2):
        return LogLinear.log(v.n), LogLinear.log(2)
    if isinstance(v, _Power):
        if isinstance(v.exponent, fmpq) and v.exponent in (1, -1):
            r = _ratio(v.base)
            return r if v.exponent == 1 else _ratio_inverse(r)
        return None
    if isinstance(v, Scaled):
        r = _ratio(v.x)
        return None if r is None else (r[0] * v.c, r[1])
    if isinstance(v, Sum):
        out = (LogLinear.constant(0), _ONE)
        for t in v.terms:
            out = _ratio_add(out, _ratio(t))
        return out
    if isinstance(v, Difference):
        r = _ratio(v.b)
        return _ratio_add(_ratio(v.a), None if r is None else (-r[0], r[1]))
    if isinstance(v, Product):
        out = (_ONE, _ONE)
        for f in v.factors:
            out = _ratio_mul(out, _ratio(f))
        return out
    if isinstance(v, Quotient):
        return _ratio_mul(_ratio(v.a), _ratio_inverse(_ratio(v.b)))
    return None


def _exact_sign(form: LogLinear, term, what: str) -> int:
    """``sign(form)`` exactly (LogLinear.sign: balls to PREC_CAP, exact zero test); Undecided if the
    cap is reached (a nonzero form below about 2^-PREC_CAP)."""
    try:
        return form.sign(prec_start=PREC_START, prec_cap=PREC_CAP)
    except PrecisionExhausted:
        raise _undecided(term, what) from None


def _proportional(a: LogLinear, b: LogLinear) -> fmpq | None:
    """``c`` with ``a = c · b`` exactly (``b ≠ 0``), else None. The candidate is read off one base
    of ``b``'s reduced form (docs/index.md §7) and then proved by the exact zero test of
    ``a − c·b``, so a wrong candidate can only mean "not found", never a wrong ``c``."""
    if a.is_zero():
        return fmpq(0)
    ea, eb = a.reduced()[1], b.reduced()[1]
    base = next((k for k in eb if k in ea), None)
    if base is None:
        return None
    c = ea[base] / eb[base]
    return c if (a - b * c).is_zero() else None


def _rationalized(x):
    """``(A, B)`` as ``(c, 1)`` when ``A/B`` is the rational ``c`` (``log 8 / log 2 = 3``)."""
    a, b = x
    if len(b) == 0 or b.is_rational():
        return x
    c = _proportional(a, b)
    return x if c is None else (LogLinear.constant(c), _ONE)


def _ratio_sign(x, y, term, what: str) -> int | None:
    """``sign(A1/B1 − A2/B2)`` exactly: ``sign(A1 − A2) · sign(B)`` for an equal denominator ``B``,
    else ``sign(A1·B2 − A2·B1) · sign(B1) · sign(B2)``, after reading a quotient that is a rational
    as one (``log 8/log 2 = 3``, so it compares with ``log 27/log 3``). None when a product is not
    log-linear or a denominator is 0 (then only balls can decide)."""
    if x is None or y is None:
        return None
    (a1, b1), (a2, b2) = x, y
    if b1 == b2:
        num, dens = a1 - a2, (b1,)
    else:
        p, q = _lmul(a1, b2), _lmul(a2, b1)
        if p is None or q is None:
            (a1, b1), (a2, b2) = _rationalized(x), _rationalized(y)
            p, q = _lmul(a1, b2), _lmul(a2, b1)
            if p is None or q is None:
                return None
        num, dens = p - q, (b1, b2)
    sign = 1
    for b in dens:
        sign *= _exact_sign(b, term, what)
    return None if sign == 0 else _exact_sign(num, term, what) * sign


def _endpoint(x: arb) -> Fraction:
    """The exact value of an exact (radius 0) ball ``m · 2^e``."""
    m, e = (int(t) for t in x.man_exp())
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def _round(x, up: bool, term) -> int:
    """``⌈x⌉`` (``up``) or ``⌊x⌋``, certified.

    An fmpq is exact. Otherwise a ball ``[lo, hi] ∋ x`` at rising precision: ``⌊lo⌋ = ⌊hi⌋``
    settles the floor (``x ∈ [n, n+1)``), ``⌈lo⌉ = ⌈hi⌉`` the ceiling. A ball holding exactly
    one integer ``n`` (so ``n − 1 < lo ≤ n ≤ hi < n + 1``) is settled by the exact sign of
    ``x − n`` when ``x`` is a quotient of log-linear forms: ``⌊x⌋ = n`` iff ``x ≥ n`` (else
    ``n − 1``), ``⌈x⌉ = n`` iff ``x ≤ n`` (else ``n + 1``). Otherwise Undecided at PREC_CAP.
    """
    if isinstance(x, fmpq):
        n = int(x.p) // int(x.q)
        return n + 1 if up and n * x.q != x.p else n
    what = "ceiling" if up else "floor"
    ball_of, exact_tried = as_enclosable(x), False
    for prec in _precisions():
        ball = ball_of.enclose(prec)
        if not ball.is_finite():
            continue
        with working_precision(prec):  # endpoints rounded outward at the ball's own precision
            lo, hi = _endpoint(ball.lower()), _endpoint(ball.upper())
        flo, fhi = lo.numerator // lo.denominator, hi.numerator // hi.denominator
        clo, chi = -(-lo.numerator // lo.denominator), -(-hi.numerator // hi.denominator)
        if not up and flo == fhi:
            return flo
        if up and clo == chi:
            return clo
        if clo == fhi and not exact_tried:  # the one integer n in the ball
            exact_tried = True  # the exact sign does its own rising precision: ask it once
            s = _ratio_sign(_ratio(x), (LogLinear.constant(clo), _ONE), term, what)
            if s is not None:
                return (clo if s <= 0 else clo + 1) if up else (clo if s >= 0 else clo - 1)
    raise _undecided(term, what)


def _compare(x, y, term) -> int:
    """``sign(x − y)``, certified: exact for rationals and for quotients of log-linear forms
    (``_ratio_sign``; 0 means proved equal), else balls of ``x − y`` at rising precision.
    Undecided when a ball still holds 0 at PREC_CAP and no exact form decides."""
    if isinstance(x, fmpq) and isinstance(y, fmpq):
        return (x > y) - (x < y)
    what = "Max" if isinstance(term, sympy.Max) else "Min"
    s = _ratio_sign(_ratio(x), _ratio(y), term, what)
    if s is not None:
        return s
    diff = Difference(x, y)
    for prec in _precisions():
        ball = diff.enclose(prec)
        if ball > 0:
            return 1
        if ball < 0:
            return -1
    raise _undecided(term, what)


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
