"""Declarative claim sides: a small arithmetic grammar over SYMBOLS, evaluated *as written* to
certifiable values.

A side is *parsed, never evaluated as Python*: ``ast.parse(text, mode="eval")`` only splits the
text into a tree, and a strict whitelist turns that tree into our own expression tree (``Node``).
Accepted:

    side   := number | name | side (+ - * / **) side | (+|-) side | ( side ) | func(side, ...)
    number := digits [. digits] [e [+-] digits]     (read exactly: 0.1 is 1/10)
    name   := a documented symbol (verify/claims/symbols.py) or one of the claim's constants
    func   := log(x) | log(x, base) | ceiling | floor | sqrt | exp | min/Min | max/Max (2+ args)

Anything else (attribute access, subscripts, strings, calls of other names, comparisons,
lambdas, non-ASCII characters, ...) is refused with a SpecError naming the offending token.

**Evaluated as written.** Nothing is simplified before the domain checks: ``H*(q-2)/(q-2)`` is a
product and a division, and the division is checked on every instance (at ``q = 2`` it is 0/0).
Each instance's side is evaluated bottom-up (``_Eval``), and it is *undefined* (``NotDefined``)
where any sub-expression is: a division by a value that is exactly 0, ``log`` of a value ≤ 0 (or
to a base that is ≤ 0 or 1), ``sqrt`` or a fractional power of a negative value, 0 to a negative
power, a quantity that is not finite on the instance, or a value outside the number-size bound
(a power of more than MAX_POWER_BITS bits, an ``exp``, ``floor`` or ``ceiling`` beyond
2^MAX_POWER_BITS). Zero and sign questions are decided exactly (rationals; log-linear forms by
their exact zero test; quotients of such forms) or by balls at rising precision; a question a
ball cannot settle by PREC_CAP bits raises ``Undecided`` naming the term (never a guess).

**Decided at parse time.** Every constant sub-expression (numbers and the claim's constants) is
evaluated once when the side is parsed, so a domain or size question that does not depend on
the instance is settled then: ``log(0)``, ``1/(2-2)``, ``sqrt(-1)``, ``(10**4096)**4096`` and
``floor(exp(exp(100)))`` are refused (SpecError). A condition over symbols is examined with
sympy's exact algebra and the symbols' documented signs (L, q, K, N, T, s_max ≥ 1; entropies, KLs
and the other NONNEGATIVE quantities ≥ 0): identically violated (``1/(L-L)``, ``log(-L)``) is
refused, identically satisfied (``log(L)``, ``1/(q+1)``) is dropped, and the rest are the side's
instance-dependent conditions (``Side.conditions``: ``q-2 != 0``, ``L-1 > 0``, ``2-L >= 0``),
listed by ``verify claims``; on an instance where one fails the instance is undefined. The
analysis only chooses what is refused early and what is listed: every instance is checked again
exactly, so it never decides a verdict.

Number sizes are bounded at every step: a literal has at most MAX_NUMBER_DIGITS characters and a
decimal exponent at most MAX_DECIMAL_EXPONENT; a power's exponent at most MAX_EXPONENT and its
value at most MAX_POWER_BITS bits, bounded *before* the number is formed (``_height``); a side at
most MAX_SIDE_CHARS characters and MAX_DEPTH levels of real nesting (a flat sum or product of any
length is one level).

Values: rationals → fmpq, ``log`` of a rational → ``LogLinear``, sums and rational multiples of
LogLinears stay LogLinear (so identities can be proved ``tight``), ``log(x, b)`` of rationals is
the rational ``c`` when ``log x = c log b`` exactly, and anything else (a product of two logs,
``log_2 L``) becomes an ``Enclosable`` for ball arithmetic. ceiling/floor/Max/Min are decided by
the certified walk (``_round``, ``_compare``): exactly for rationals, by balls at rising precision
when a ball settles it, and by an exact sign when it does not — of a log-linear form, or of a
quotient ``A/B`` of two such forms (``2**ceiling(log(s_max, 2))`` at ``s_max = 8`` is 8, proved
by ``log 8 = 3 log 2``). A decision open at PREC_CAP bits raises ``Undecided``.
"""
from __future__ import annotations

import ast
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from flint import arb, fmpq, fmpz

from ..certify.logforms import LogLinear, PrecisionExhausted, working_precision
from ..certify.verdicts import (DEFAULT_PREC_CAP, Difference, Enclosable, Formula, Log2, Product, Quotient,
                                Scaled, Sum, as_enclosable)
from ..errors import NotDefined, SpecError, Undecided, shorten
from .symbols import NONNEGATIVE, SYMBOLS

MAX_SIDE_CHARS = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 4096
MAX_NUMBER_DIGITS = 200
MAX_DECIMAL_EXPONENT = 1000
# A power's value may have at most this many bits (2^16: 8 KiB). Legit sides stay far below
# (2**4096 has 4097 bits, 10**4096 about 13,600); (10**4096)**5 is already refused. Checked
# before the number is formed, since ((10**4096)**4096)**4096 would never finish.
MAX_POWER_BITS = 2**16
PREC_START = 64
PREC_CAP = DEFAULT_PREC_CAP  # the certifier's cap (4096 bits) for sign, ceiling/floor/Max/Min decisions
_SIZE_LIMIT = arb(2) ** MAX_POWER_BITS  # |value| bound for exp, floor, ceiling and non-rational powers

FUNCTIONS = {"log": (1, 2), "ceiling": (1, 1), "floor": (1, 1), "sqrt": (1, 1), "exp": (1, 1),
             "min": (2, 16), "Min": (2, 16), "max": (2, 16), "Max": (2, 16)}
ACCEPTED = ("numbers, the documented symbols and constants, + - * / **, parentheses, "
            "log, ceiling, floor, sqrt, exp, min, max (ASCII only)")
_OP_TEXT = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^ (use **)", ast.BitOr: "|",
            ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~"}
# ASCII digits only: ``\d`` would also match Arabic-Indic, fullwidth and other Unicode digits
# a constant: an optional sign, a decimal literal, optionally "/" and a second one (spaces allowed)
_RATIONAL = re.compile(r"([+-]?)\s*([^/\s]+)\s*(?:/\s*([^/\s]+))?", re.ASCII)
_NUMBER = re.compile(r"^([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?$", re.ASCII)
# Integer-valued symbols that are at least 1 on every instance (sequence length, vocabulary size,
# iteration and step counts, block sizes): used only by the parse-time domain analysis.
POSITIVE_SYMBOLS = frozenset({"L", "q", "K", "N", "T", "s_max"})
INTEGER_SYMBOLS = frozenset({"L", "q", "K", "N", "s_max"})  # T is an expected count for random sizes
_DOMAIN_ACCEPTED = "a side defined on the instances of its grid (no division by 0, log of a value <= 0, " \
                   "sqrt of a negative, number beyond the size bound)"


def _symbol_names():
    return tuple(SYMBOLS)


def exact_number(text: str) -> fmpq | None:
    """A decimal literal read exactly (ASCII digits only), or None if it is not one (or absurdly long/large)."""
    t = text.strip()
    m = _NUMBER.match(t)
    if not m or len(t) > MAX_NUMBER_DIGITS:
        return None
    if m.group(2) is not None and abs(int(m.group(2))) > MAX_DECIMAL_EXPONENT:
        return None
    fr = Fraction(t)
    return fmpq(fr.numerator, fr.denominator)


def _non_ascii(text: str) -> str | None:
    """The first non-ASCII character of ``text`` as ``'x' (U+XXXX)``, or None."""
    for ch in text:
        if ord(ch) > 127:
            return f"{ch!r} (U+{ord(ch):04X})"
    return None


_POWER_ACCEPTED = f"a power whose value has at most {MAX_POWER_BITS} bits"


def _shown_bits(bits) -> str:
    """A bit count for a message (display only)."""
    return f"{int(bits):,}" if bits < 10**30 else "more than 10^30"


# --------------------------------------------------------------------------------------------
# the expression tree


@dataclass(eq=False)
class Node:
    """One sub-expression as written. ``kind``: num (``value`` an fmpq), sym (``name``), add
    (``parts``: (+1|−1, Node) in order), mul (``parts``: ("*"|"/", Node) in order), neg, pow
    (``parts``: base, exponent), call (``name``, ``parts``: arguments). ``const`` holds the value
    of a constant sub-expression, computed once at parse time (None: not constant or undecided)."""
    kind: str
    text: str
    parts: tuple = ()
    name: str = ""
    value: object = None
    symbols: frozenset = frozenset()
    const: object = None
    depth: int = 1

    def children(self):
        for p in self.parts:
            yield p[1] if isinstance(p, tuple) else p


@dataclass
class Side:
    """A parsed side: its tree, the symbols it uses (constants excluded) and the domain conditions
    that depend on the instance (text such as ``q-2 != 0``), in the order written."""
    text: str
    root: Node
    symbols: frozenset
    conditions: tuple = ()


class _Builder:
    """ast → Node, refusing everything outside the grammar."""

    def __init__(self, text: str, names: set, consts: set, field: str):
        self.text, self.names, self.consts, self.field = text, names, consts, field

    def refuse(self, problem: str):
        raise SpecError(self.field, f"{problem} in {shorten(self.text)!r}", ACCEPTED)

    def token(self, node) -> str:
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        return shorten(seg)

    def seg(self, node) -> str:
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def node(self, kind, src, parts=(), **kw) -> Node:
        kids = [p[1] if isinstance(p, tuple) else p for p in parts]
        syms = frozenset().union(*(k.symbols for k in kids)) if kids else kw.pop("symbols", frozenset())
        depth = 1 + max((k.depth for k in kids), default=0)
        if depth > MAX_DEPTH:
            self.refuse(f"nesting deeper than {MAX_DEPTH}")
        return Node(kind, self.seg(src), tuple(parts), symbols=syms, depth=depth, **kw)

    def chain(self, node, ops: tuple) -> list:
        """The operands of a left-associated chain ``a op b op c ...`` of the given operators, read
        iteratively (a flat sum of any length is one level, not one level per term)."""
        out = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ops):
            out.append((node.op, node.right))
            node = node.left
        out.append((None, node))
        return out[::-1]

    def build(self, node, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            self.refuse(f"nesting deeper than {MAX_DEPTH}")
        d = depth + 1
        if isinstance(node, ast.Expression):
            return self.build(node.body, depth)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                self.refuse(f"refused token {self.token(node)!r} (not a number)")
            r = exact_number(self.seg(node).replace("_", ""))
            if r is None:
                self.refuse(f"refused number {self.token(node)!r} (at most {MAX_NUMBER_DIGITS} characters, "
                            f"decimal exponent at most {MAX_DECIMAL_EXPONENT})")
            return self.node("num", node, value=r)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                syms = frozenset() if node.id in self.consts else frozenset({node.id})
                return self.node("sym", node, name=node.id, symbols=syms)
            if node.id in FUNCTIONS:
                self.refuse(f"function {node.id!r} used without arguments")
            raise SpecError(self.field, f"unknown symbol {shorten(node.id)!r}", ", ".join(sorted(self.names)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand, d)
            return self.node("neg", node, (inner,)) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op in (ast.Add, ast.Sub):
                terms = [(-1 if o is not None and isinstance(o, ast.Sub) else 1, self.build(t, d))
                         for o, t in self.chain(node, (ast.Add, ast.Sub))]
                return self.node("add", node, tuple(terms))
            if op in (ast.Mult, ast.Div):
                facs = [("/" if isinstance(o, ast.Div) else "*", self.build(t, d))
                        for o, t in self.chain(node, (ast.Mult, ast.Div))]
                return self.node("mul", node, tuple(facs))
            if op is ast.Pow:
                return self.power(node, d)
            self.refuse(f"refused operator {_OP_TEXT.get(op, op.__name__)!r}")
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                self.refuse(f"refused call {self.token(node.func)!r} (only {', '.join(sorted(set(FUNCTIONS)))})")
            lo, hi = FUNCTIONS[name]
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                self.refuse(f"refused arguments of {name}(...) (positional arguments only)")
            if not lo <= len(node.args) <= hi:
                self.refuse(f"{name} takes {lo}" + (f" to {hi}" if hi > lo else "") +
                            f" argument(s), got {len(node.args)}")
            return self.node("call", node, tuple(self.build(a, d) for a in node.args), name=name.lower())
        if isinstance(node, ast.UnaryOp):
            self.refuse(f"refused operator {_OP_TEXT.get(type(node.op), type(node.op).__name__)!r}")
        kind = {ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.List: "list",
                ast.Tuple: "tuple", ast.Compare: "comparison", ast.BoolOp: "boolean operator",
                ast.Lambda: "lambda", ast.Dict: "dict", ast.Set: "set"}.get(type(node), "expression")
        self.refuse(f"refused {kind} {self.token(node)!r}")

    def power(self, node, d) -> Node:
        if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node.right)):
            self.refuse(f"refused nested power {self.token(node)!r}")
        base, ex = self.build(node.left, d), self.build(node.right, d)
        if ex.kind == "num" or (ex.kind == "neg" and ex.parts[0].kind == "num"):
            n = ex.value if ex.kind == "num" else -ex.parts[0].value
            if abs(n) > MAX_EXPONENT:
                self.refuse(f"refused exponent {self.token(node.right)!r} (a rational of size at most {MAX_EXPONENT})")
            bits = abs(Fraction(int(n.p), int(n.q))) * _height(base)
            if bits > MAX_POWER_BITS:  # checked before any number is formed
                raise SpecError(self.field, f"refused power {self.token(node)!r} (about {_shown_bits(bits)} bits) "
                                f"in {shorten(self.text)!r}", _POWER_ACCEPTED)
            total = abs(Fraction(int(n.p), int(n.q))) * _exponent_product(base)
            if total > MAX_EXPONENT and n.q == 1 and base.symbols:
                # (s_max**4096)**4096 is s_max to the 16,777,216th: refused here, not per instance
                raise SpecError(self.field, f"refused power {self.token(node)!r} (total exponent "
                                f"{shorten(str(total))}) in {shorten(self.text)!r}",
                                f"a power whose total exponent is at most {MAX_EXPONENT}")
        return self.node("pow", node, (base, ex))


def _exponent_product(n: Node) -> Fraction:
    """The product of the constant exponents of the powers nested as bases (``(s**a)**b`` → a·b)."""
    if n.kind == "pow":
        ex = n.parts[1]
        c = ex.value if ex.kind == "num" else (-ex.parts[0].value if ex.kind == "neg" and ex.parts[0].kind == "num"
                                               else None)
        if c is not None:
            return abs(Fraction(int(c.p), int(c.q))) * _exponent_product(n.parts[0])
    return Fraction(1)


def _height(n: Node) -> Fraction:
    """Upper bound on ``log2`` of the numbers formed when ``n`` is raised to a power, per unit of
    exponent: ``max(bits(p), bits(q))`` for a number ``p/q``; ``|x| · h(b)`` for ``b**x`` with a
    constant exponent ``x``; the sum over the parts of anything else (``(c·y)**n`` holds ``c**n``;
    sums and function calls are counted too, which only over-estimates). Symbols and named
    constants count 0 here; their sizes are bounded per instance when the power is formed."""
    if n.kind == "num":
        return Fraction(max(int(n.value.p).bit_length(), int(n.value.q).bit_length()))
    if n.kind == "pow":
        ex = n.parts[1]
        if ex.kind == "num":
            return abs(Fraction(int(ex.value.p), int(ex.value.q))) * _height(n.parts[0])
    return sum((_height(c) for c in n.children()), Fraction(0))


def _parse_tree(text: str, names: set, consts: set, field: str) -> Node:
    if len(text) > MAX_SIDE_CHARS:
        raise SpecError(field, f"side of {len(text)} characters {shorten(text)!r}",
                        f"at most {MAX_SIDE_CHARS} characters")
    if not text.strip():
        raise SpecError(field, "is empty", ACCEPTED)
    bad = _non_ascii(text)
    if bad:  # refused, not normalised: Python would NFKC-fold 'Ｈ' into H and misread Unicode digits
        raise SpecError(field, f"non-ASCII character {bad} in {shorten(text)!r}",
                        "ASCII text: digits 0-9, the documented symbol names, + - * / ** ( ) ,")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise SpecError(field, f"cannot parse {shorten(text)!r} ({shorten(err.msg, 60)})", ACCEPTED) from None
    except (RecursionError, MemoryError):
        raise SpecError(field, f"cannot parse {shorten(text)!r} (too deeply nested)", ACCEPTED) from None
    except ValueError as err:  # e.g. a NUL character
        raise SpecError(field, f"cannot parse {shorten(text)!r} ({shorten(str(err), 60)})", ACCEPTED) from None
    try:
        return _Builder(text.strip(), names, consts, field).build(tree)
    except RecursionError:
        raise SpecError(field, f"{shorten(text)!r} is nested too deeply", ACCEPTED) from None


@lru_cache(maxsize=256)
def _parse(text: str, constants: tuple, field: str) -> Side:
    consts = {k: fmpq_of(v) for k, v in constants}
    root = _parse_tree(text, set(_symbol_names()) | set(consts), set(consts), field)
    conditions: list = []
    _Analysis(consts, field, text, conditions).visit(root)
    return Side(text.strip(), root, root.symbols, tuple(dict.fromkeys(conditions)))


def _constants_key(constants: dict) -> tuple:
    return tuple(sorted((str(k), str(v)) for k, v in constants.items()))


def parse(text, constants: dict, field: str = "expression") -> Side:
    """The parsed side (``Side``); SpecError naming ``field`` and the offending token, or a domain
    or size question settled at parse time against the side."""
    if not isinstance(text, str):
        raise SpecError(field, f"is {type(text).__name__} {shorten(repr(text))}, not a string",
                        "a string such as \"TC + DTC\"")
    return _parse(text, _constants_key(constants), field)


def free_symbols(text: str, constants: dict) -> set:
    return set(parse(text, constants).symbols)


def check_constants(constants: dict, field: str) -> None:
    """Refuse a constant whose name is not a usable identifier or whose value is not a bounded rational."""
    for c, v in constants.items():
        if not isinstance(c, str) or not c.isidentifier() or not c.isascii() or c in FUNCTIONS or c in SYMBOLS:
            raise SpecError(f"{field} constant {shorten(str(c))}", "is not a usable name",
                            "an ASCII identifier that is neither a function nor a symbol name")
        try:
            fmpq_of(v)
        except (ValueError, ZeroDivisionError, TypeError):
            raise SpecError(f"{field} constant {c}", f"{shorten(repr(v))} is not a rational",
                            f"a string like '2' or '1/16' (ASCII digits, at most {MAX_NUMBER_DIGITS} "
                            "characters a part)") from None


def validate(text: str, constants: dict, field: str) -> set:
    """Raise SpecError on a side ``evaluate`` would refuse on every instance; return the symbols it uses."""
    check_constants(constants, field)
    return set(parse(text, constants, field).symbols)


def conditions(text: str, constants: dict) -> tuple:
    """The side's instance-dependent domain conditions, as text (``q-2 != 0``)."""
    return parse(text, constants).conditions


def fmpq_of(v) -> fmpq:
    """A claim constant as an exact rational: an fmpq, an int of at most MAX_NUMBER_DIGITS digits,
    a Fraction, or a string ``"n"`` / ``"n/d"`` of ASCII decimal literals (``exact_number``)."""
    if isinstance(v, fmpq):
        return v
    if isinstance(v, bool) or not isinstance(v, (int, str, Fraction)):
        raise TypeError(f"{type(v).__name__} is not a rational")
    if isinstance(v, int):
        if abs(v).bit_length() > 4 * MAX_NUMBER_DIGITS:
            raise ValueError("integer constant too large")
        return fmpq(v)
    if isinstance(v, Fraction):
        return fmpq(v.numerator, v.denominator)
    text = v.strip()
    m = _RATIONAL.fullmatch(text) if len(text) <= 2 * MAX_NUMBER_DIGITS + 8 else None
    vals = [exact_number(x) for x in (m.group(2), m.group(3)) if x is not None] if m else [None]
    if any(x is None for x in vals):
        raise ValueError(f"{shorten(text)!r} is not a rational")
    if len(vals) == 2 and vals[1] == 0:
        raise ZeroDivisionError("zero denominator")
    sign = -1 if m.group(1) == "-" else 1
    return sign * (vals[0] / vals[1] if len(vals) == 2 else vals[0])


# --------------------------------------------------------------------------------------------
# parse-time analysis: constant sub-expressions evaluated once, domain questions settled


class _Analysis:
    """Walks a side bottom-up at parse time. A constant sub-expression is evaluated exactly
    (``_Eval`` with no symbols): undefined or too large there is undefined on every instance, so
    it is refused now (SpecError); undecided is left to the instances. A domain condition over
    symbols goes to ``_decide_condition``."""

    def __init__(self, consts: dict, field: str, text: str, out: list):
        self.consts, self.field, self.text, self.out = consts, field, text, out
        self.ev = _Eval(lambda name: consts[name])

    def refuse(self, node: Node, err: NotDefined):
        how = "is refused" if err.accepted == _POWER_ACCEPTED else \
            "is undefined on every instance, not a finite real number"
        why = getattr(err, "why", err.problem)
        raise SpecError(self.field, f"{shorten(node.text)!r} {how} ({why}) in {shorten(self.text)!r}",
                        err.accepted or _DOMAIN_ACCEPTED)

    def visit(self, node: Node) -> None:
        for c in node.children():
            self.visit(c)
        if not node.symbols:
            if node.kind in ("num",):
                node.const = node.value
                return
            try:
                node.const = self.ev.eval(node)
            except NotDefined as err:
                self.refuse(node, err)
            except Undecided:
                node.const = None  # each instance will say so, with its reason
            return
        if node.kind == "pow" and node.parts[1].symbols and isinstance(node.parts[0].const, fmpq):
            b = node.parts[0].const
            if b not in (0, 1, -1):  # b**n is formed exactly: |n| · bits(b) is bounded per instance
                limit = MAX_POWER_BITS // max(int(b.p).bit_length(), int(b.q).bit_length())
                self.out.append(f"|{node.parts[1].text}| <= {limit} (number-size bound)")
        for arg, rel in _node_conditions(node):
            verdict = (_decide_condition(arg, rel, self.consts) if arg.symbols
                       else _constant_condition(arg.const, rel, arg))
            if verdict is False:
                raise SpecError(self.field, f"{shorten(node.text)!r} is undefined on every instance, not a "
                                f"finite real number ({shorten(arg.text)} {rel} never holds) in {shorten(self.text)!r}",
                                _DOMAIN_ACCEPTED)
            if verdict is None:
                self.out.append(f"{arg.text} {rel}")


_OR_INTEGER = "> 0 (or the exponent an integer)"


def _constant_condition(v, rel: str, arg: Node) -> bool | None:
    """``v rel`` for a constant value computed at parse time: True, False, or None when undecided
    (or the relation needs the instance: a base under a symbolic exponent)."""
    if v is None:
        return None
    try:
        if rel == "!= 1":
            return _sign(_add(v, fmpq(-1)), arg, "log base") != 0
        s = _sign(v, arg, "domain")
    except Undecided:
        return None
    if rel == "!= 0":
        return s != 0
    if rel == "> 0":
        return s > 0
    if rel == ">= 0":
        return s >= 0
    return True if s > 0 else None  # _OR_INTEGER: a positive base is always fine


def _node_conditions(node: Node):
    """(argument, relation) pairs the node needs to be defined: ``!= 0`` for a divisor, ``> 0`` for
    a log's argument and base (and ``!= 1`` for the base), ``>= 0`` under a square root."""
    if node.kind == "mul":
        for op, f in node.parts:
            if op == "/":
                yield f, "!= 0"
    elif node.kind == "call" and node.name == "log":
        yield node.parts[0], "> 0"
        if len(node.parts) == 2:
            yield node.parts[1], "> 0"
            yield node.parts[1], "!= 1"
    elif node.kind == "call" and node.name == "sqrt":
        yield node.parts[0], ">= 0"
    elif node.kind == "pow":
        base, ex = node.parts
        n = ex.const if not ex.symbols else None
        if n is None and _integer_valued(ex):
            if _decide_condition(ex, ">= 0", {}) is not True:
                yield base, "!= 0"  # an integer exponent that may be negative: 0 has no inverse
        elif n is None:
            yield base, _OR_INTEGER  # a symbolic exponent: an integer per instance, or a positive base
        elif isinstance(n, fmpq) and n.q == 1:
            if n < 0:
                yield base, "!= 0"
        else:
            yield base, ">= 0" if (isinstance(n, fmpq) and n > 0) else "> 0"


def _integer_valued(node: Node) -> bool:
    """Whether the sub-expression is an integer on every instance where it is defined: an integer
    literal, an integer-valued symbol (L, q, K, N, s_max), floor/ceiling, and sums, differences,
    products and negations of such."""
    if node.kind == "num":
        return node.value.q == 1
    if node.kind == "sym":
        return node.name in INTEGER_SYMBOLS
    if node.kind == "call":
        return node.name in ("floor", "ceiling")
    if node.kind in ("add", "neg"):
        return all(_integer_valued(c) for c in node.children())
    if node.kind == "mul":
        return all(op == "*" and _integer_valued(f) for op, f in node.parts)
    return False


def _sympy_of(node: Node, consts: dict):
    """The sub-expression as a sympy expression, for the parse-time analysis only (sympy's
    automatic simplification is harmless here: each sub-expression's own conditions are examined
    separately). Constants that are not rational become signed placeholders."""
    import sympy

    if not node.symbols:
        v = node.const
        if isinstance(v, fmpq):
            return sympy.Rational(int(v.p), int(v.q))
        s = _ball_sign(v) if v is not None else None
        return sympy.Dummy(**({"positive": True} if s == 1 else {"negative": True} if s == -1 else {"real": True}))
    k = node.kind
    if k == "sym":
        if node.name in POSITIVE_SYMBOLS:
            return sympy.Symbol(node.name, integer=node.name in INTEGER_SYMBOLS or None, positive=True)
        if node.name in NONNEGATIVE:
            return sympy.Symbol(node.name, nonnegative=True)
        return sympy.Symbol(node.name, real=True)
    if k == "neg":
        return -_sympy_of(node.parts[0], consts)
    if k == "add":
        return sympy.Add(*(s * _sympy_of(t, consts) for s, t in node.parts))
    if k == "mul":
        out = sympy.Integer(1)
        for op, f in node.parts:
            v = _sympy_of(f, consts)
            out = out * v if op == "*" else out / v
        return out
    if k == "pow":
        return _sympy_of(node.parts[0], consts) ** _sympy_of(node.parts[1], consts)
    args = [_sympy_of(a, consts) for a in node.parts]
    fn = {"log": sympy.log, "sqrt": sympy.sqrt, "exp": sympy.exp, "floor": sympy.floor,
          "ceiling": sympy.ceiling, "max": sympy.Max, "min": sympy.Min}[node.name]
    return fn(*args)


def _ball_sign(v) -> int | None:
    """The sign of a constant by one ball (parse-time analysis only); None when the ball holds 0."""
    try:
        b = as_enclosable(v).enclose(PREC_START)
    except Exception:  # noqa: BLE001 - analysis only: no sign known
        return None
    return 1 if b > 0 else (-1 if b < 0 else None)


def _decide_condition(arg: Node, rel: str, consts: dict) -> bool | None:
    """True when ``arg rel`` holds on every instance, False when it holds on none, None when it
    depends on the instance (or sympy cannot tell). Sympy's exact algebra with the symbols'
    documented signs; any failure of the analysis is None (the instances decide)."""
    import sympy

    if len(arg.text) > 400:
        return None  # bounded work: a long condition is left to the instances
    if rel == _OR_INTEGER:
        rel = "> 0"
        integer_ok = True
    else:
        integer_ok = False
    try:
        e = _sympy_of(arg, consts)
        if integer_ok:
            return True if e.is_positive is True else None
        if rel == "!= 1":
            e = e - 1
            rel = "!= 0"
        if any(p.is_Pow and p.exp.is_Integer and abs(p.exp) > 8 for p in e.atoms(sympy.Pow)):
            ex = e
        else:
            ex = sympy.expand(e)
        if rel == "!= 0":
            if ex == 0 or ex.is_zero is True:
                return False
            return True if ex.is_nonzero is True else None
        if rel == "> 0":
            if ex.is_positive is True:
                return True
            return False if ex.is_nonpositive is True else None
        if rel == ">= 0":
            if ex.is_nonnegative is True:
                return True
            return False if ex.is_negative is True else None
    except Exception:  # noqa: BLE001 - analysis only: the instances decide
        return None
    return None


# --------------------------------------------------------------------------------------------
# evaluation of one instance


def evaluate(text: str, constants: dict, value) -> object:
    """Exact value of ``text`` as written: ``value(name)`` supplies each symbol (int, fmpq, LogLinear,
    Enclosable). NotDefined (a SpecError) where a sub-expression is undefined on this instance,
    Undecided where a domain or rounding question stays open at PREC_CAP bits."""
    side = parse(text, constants)
    consts = {k: fmpq_of(v) for k, v in constants.items()}
    return _Eval(lambda name: consts[name] if name in consts else value(name)).eval(side.root)


def _undefined(node: Node, why: str) -> NotDefined:
    err = NotDefined("claim side", f"{shorten(node.text, 60)} is undefined here ({why})", _DOMAIN_ACCEPTED)
    err.why = why
    return err


def _too_large(node: Node, what: str) -> NotDefined:
    err = NotDefined("claim side", f"{shorten(node.text, 60)} is {what}", _POWER_ACCEPTED)
    err.why = what
    return err


class _Eval:
    """Bottom-up evaluation of a Node on one instance, every domain condition checked exactly."""

    def __init__(self, value):
        self.value = value
        self.symbols: dict = {}

    def eval(self, node: Node):
        if not node.symbols and node.const is not None:
            return node.const
        return getattr(self, "_" + node.kind)(node)

    def _num(self, node):
        return node.value

    def _sym(self, node):
        if node.name in self.symbols:
            return self.symbols[node.name]
        v = self.value(node.name)
        if isinstance(v, bool):
            raise TypeError(f"symbol {node.name} has a boolean value")
        if isinstance(v, (numbers.Integral, fmpz)):
            v = fmpq(int(v))
        elif isinstance(v, Fraction):
            v = fmpq(v.numerator, v.denominator)
        elif isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise _undefined(node, "not finite on this instance")
        elif isinstance(v, Enclosable) and not _finite(v):
            raise _undefined(node, "not finite on this instance")
        self.symbols[node.name] = v
        return v

    def _neg(self, node):
        return _neg(self.eval(node.parts[0]))

    def _add(self, node):
        total = None
        for s, t in node.parts:
            v = self.eval(t)
            v = v if s > 0 else _neg(v)
            total = v if total is None else _add(total, v)
        return total

    def _mul(self, node):
        out = None
        for op, f in node.parts:
            v = self.eval(f)
            if op == "/":
                if _sign(v, f, "division") == 0:
                    raise _undefined(node, f"division by {shorten(f.text, 40)} = 0")
                out = _div(fmpq(1) if out is None else out, v)
            else:
                out = v if out is None else _mul(out, v)
        return out

    def _pow(self, node):
        base_n, ex_n = node.parts
        base, ex = self.eval(base_n), self.eval(ex_n)
        if isinstance(ex, LogLinear) and ex.is_rational():
            ex = ex.const
        if isinstance(ex, fmpq) and ex.q == 1:
            n = int(ex.p)
            if isinstance(base, LogLinear) and base.is_rational():
                base = base.const
            if isinstance(base, fmpq):
                if base == 0 and n < 0:
                    raise _undefined(node, f"0 to the power {n}")
                return _rational_power(base, n, node)
            if isinstance(base, _Power) and isinstance(base.base, fmpq) and isinstance(base.exponent, fmpq):
                return self._root_power(base.base, base.exponent * n, node)
            if n < 0 and _sign(base, base_n, "power") == 0:
                raise _undefined(node, f"0 to the power {n}")
            if n == 1:
                return base
            if n == 0:
                return fmpq(1)
            if abs(n) > MAX_EXPONENT:
                raise _too_large(node, f"a power with exponent {shorten(str(n))} (at most {MAX_EXPONENT})")
            return _bounded(_Power(base, ex), node)
        s = _sign(base, base_n, "power")
        positive_ex = isinstance(ex, fmpq) and ex > 0
        if s < 0 or (s == 0 and not positive_ex):
            raise _undefined(node, f"{shorten(base_n.text, 40)} is {'negative' if s < 0 else '0'} "
                                   f"under a {'fractional' if isinstance(ex, fmpq) else 'non-rational'} power")
        if s == 0:
            return fmpq(0)
        if isinstance(base, fmpq) and isinstance(ex, fmpq):
            return self._root_power(base, ex, node)
        return _bounded(_Power(base, ex), node)

    def _root_power(self, base: fmpq, ex: fmpq, node):
        """``base ** (p/q)`` for a rational ``base > 0``: exact when ``base`` is a q-th power
        (``sqrt(4) = 2``, ``sqrt(2)**4096 = 2**2048``), else a ball."""
        if ex.q == 1:
            return _rational_power(base, int(ex.p), node)
        bits = abs(Fraction(int(ex.p), int(ex.q))) * max(int(base.p).bit_length(), int(base.q).bit_length())
        if bits > MAX_POWER_BITS:
            raise _too_large(node, f"a power of about {_shown_bits(bits)} bits")
        k = int(ex.q)
        rp, rq = _iroot(int(base.p), k), _iroot(int(base.q), k)
        if rp is not None and rq is not None:
            return _rational_power(fmpq(rp, rq), int(ex.p), node)
        return _Power(base, ex)

    def _call(self, node):
        name = node.name
        if name in ("max", "min"):
            want = 1 if name == "max" else -1
            best = None
            for a in node.parts:
                v = self.eval(a)
                # an exact tie (compare = 0) keeps either: they are the same number
                if best is None or _compare(v, best, node, name.capitalize()) == want:
                    best = v
            return best
        x = self.eval(node.parts[0])
        if name == "log":
            if _sign(x, node.parts[0], "log") <= 0:
                raise _undefined(node, f"log of {shorten(node.parts[0].text, 40)} <= 0")
            lx = _log(x)
            if len(node.parts) == 1:
                return lx
            b = self.eval(node.parts[1])
            if _sign(b, node.parts[1], "log") <= 0:
                raise _undefined(node, f"log base {shorten(node.parts[1].text, 40)} <= 0")
            lb = _log(b)
            if _sign(lb, node.parts[1], "log base") == 0:
                raise _undefined(node, "log to the base 1")
            if isinstance(lx, LogLinear) and isinstance(lb, LogLinear):
                c = _proportional(lx, lb)  # log(8, 2) = 3 exactly (proved, never guessed)
                if c is not None:
                    return c
            return _div(lx, lb)
        if name == "sqrt":
            s = _sign(x, node.parts[0], "sqrt")
            if s < 0:
                raise _undefined(node, f"sqrt of {shorten(node.parts[0].text, 40)} < 0")
            if s == 0:
                return fmpq(0)
            if isinstance(x, LogLinear) and x.is_rational():
                x = x.const
            if isinstance(x, fmpq):
                return self._root_power(x, fmpq(1, 2), node)
            return _Power(x, fmpq(1, 2))
        if name == "exp":
            if isinstance(x, fmpq) and x == 0:
                return fmpq(1)
            a = as_enclosable(x)
            return _bounded(Formula(lambda prec: a.enclose(prec).exp(), "exp"), node)
        # ceiling / floor
        if not isinstance(x, fmpq):
            _bounded(x, node)
        return fmpq(_round(x, name == "ceiling", node))


def _iroot(n: int, k: int) -> int | None:
    """The exact integer ``k``-th root of ``n ≥ 0``, or None."""
    r = int(fmpz(n).root(k))
    return r if r ** k == n else None


def _neg(v):
    if isinstance(v, (fmpq, LogLinear)):
        return -v
    return Scaled(-1, v)


def _log(x):
    """``log x`` for ``x > 0`` (checked by the caller): a LogLinear for a rational."""
    if isinstance(x, LogLinear) and x.is_rational():
        x = x.const
    if isinstance(x, fmpq):
        return LogLinear.log(x)
    a = as_enclosable(x)
    return Formula(lambda prec: a.enclose(prec).log(), "log")


def _div(a, b):
    """``a / b`` for ``b ≠ 0`` (checked by the caller): exact when ``b`` is rational."""
    if isinstance(b, LogLinear) and b.is_rational():
        b = b.const
    if isinstance(b, fmpq):
        return a / b if isinstance(a, (fmpq, LogLinear)) else Scaled(fmpq(1) / b, a)
    return Quotient(a, b)


def _finite(v) -> bool:
    """Whether an Enclosable's value is finite: a finite ball at some precision up to PREC_CAP."""
    for prec in _precisions():
        try:
            if v.enclose(prec).is_finite():
                return True
        except (ValueError, ZeroDivisionError, ArithmeticError):
            return False
    return False


def _bounded(v, node):
    """``v`` if its magnitude is at most 2^MAX_POWER_BITS (a finite ball proves it), else NotDefined:
    the number-size bound (``exp(exp(100))``); Undecided if no ball settles it by PREC_CAP."""
    for prec in _precisions():
        b = as_enclosable(v).enclose(prec)
        if b.is_finite():
            m = abs(b)
            if m.upper() <= _SIZE_LIMIT:
                return v
            if m.lower() > _SIZE_LIMIT:
                break
    else:
        # no finite ball at PREC_CAP: beyond any range a ball can show
        pass
    raise _too_large(node, f"beyond the number-size bound 2^{MAX_POWER_BITS}")


def _sign(v, node: Node, what: str) -> int:
    """``sign(v)`` certified: exact for rationals, log-linear forms and quotients of them
    (``_ratio``); else a ball excluding 0 at rising precision. Undecided when a ball still holds 0
    at PREC_CAP and no exact form decides (the term is named)."""
    if isinstance(v, fmpq):
        return (v > 0) - (v < 0)
    if isinstance(v, LogLinear):
        return _exact_sign(v, node, what)
    r = _ratio(v)
    if r is not None:
        return _exact_sign(r[0], node, what) * _exact_sign(r[1], node, what)
    for prec in _precisions():
        b = as_enclosable(v).enclose(prec)
        if b > 0:
            return 1
        if b < 0:
            return -1
    raise Undecided(f"claim side: sign of {shorten(node.text, 60)} ({what}) not settled at {PREC_CAP} bits "
                    "(a ball still holds 0 and no exact form decides it)")


class _Power(Formula):
    """``base ** exponent`` by ball arithmetic. Keeps its parts so that ``_ratio`` reads
    ``x ** -1`` as the exact quotient ``1 / x`` and a rational root (``sqrt(2)``) can be raised
    to an integer power exactly."""

    __slots__ = ("base", "exponent")

    def __init__(self, base, exponent):
        b, x = as_enclosable(base), as_enclosable(exponent)
        super().__init__(lambda prec: b.enclose(prec) ** x.enclose(prec), f"pow({base}, {exponent})")
        self.base, self.exponent = base, exponent


def _rational_power(base: fmpq, n: int, node=None) -> fmpq:
    """``base ** n`` exactly; NotDefined (the size bound) when ``|n| · max(bits(p), bits(q))``
    exceeds MAX_POWER_BITS; 0, 1 and −1 are settled by ``n``'s sign and parity at any size."""
    where = node if node is not None else Node("num", f"{shorten(str(base))}**{n}")
    if base == 0:
        if n < 0:
            raise _undefined(where, f"0 to the power {n}")
        return fmpq(1) if n == 0 else fmpq(0)
    if base == 1 or base == -1:
        return fmpq(1) if n % 2 == 0 else base
    if abs(n) > MAX_EXPONENT:
        raise _too_large(where, f"a power with exponent {shorten(str(n))} (at most {MAX_EXPONENT})")
    bits = abs(n) * max(int(base.p).bit_length(), int(base.q).bit_length())
    if bits > MAX_POWER_BITS:
        raise _too_large(where, f"a power of about {_shown_bits(bits)} bits")
    return base ** n


# --------------------------------------------------------------------------------------------
# certified ceiling / floor / comparison (decided here, never by a float evalf)


def _precisions():
    """``PREC_START, 2·PREC_START, …, PREC_CAP`` bits."""
    prec = PREC_START
    while True:
        yield prec
        if prec >= PREC_CAP:
            return
        prec = min(2 * prec, PREC_CAP)


def _undecided(term, what: str) -> Undecided:
    text = term.text if isinstance(term, Node) else str(term)
    return Undecided(f"claim side: {what} of {shorten(text, 60)} not settled at {PREC_CAP} bits "
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


def _compare(x, y, term, what: str = "Max") -> int:
    """``sign(x − y)``, certified: exact for rationals and for quotients of log-linear forms
    (``_ratio_sign``; 0 means proved equal), else balls of ``x − y`` at rising precision.
    Undecided when a ball still holds 0 at PREC_CAP and no exact form decides."""
    if isinstance(x, fmpq) and isinstance(y, fmpq):
        return (x > y) - (x < y)
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




# A log-linear form with more terms than this is combined lazily (Sum, Scaled): a claim side such as
# c/L · sum_I + eps_train is formed once per instance, and an eager form would copy every term of
# the target's shared measures each time, then enclose all of them again; the lazy node encloses
# from its parts' cached balls and builds the merged form only if the exact zero test needs it
# (``exact_form``). Both are the same number: only the work differs.
EAGER_MAX_TERMS = 64


def _small(v) -> bool:
    return isinstance(v, fmpq) or (isinstance(v, LogLinear) and len(v) <= EAGER_MAX_TERMS)


def _add(a, b):
    """Exact for rationals and small log-linear forms; otherwise lazy: the ball of a sum reuses
    its terms' cached balls."""
    if _small(a) and _small(b):
        return a + b if isinstance(a, LogLinear) or isinstance(b, fmpq) else b + a
    return Sum(a, b)


def _mul(a, b):
    """Rational multiples keep a log form exact; a product of two log forms is only enclosed.
    An exact 0 times a value is the exact 0 (both factors were evaluated, their domains checked:
    ``0 * (1/(q-2))`` is still undefined at q = 2, ``4*eta*(log(L, 2) + 1)`` at η = 0 is 0)."""
    for r, x in ((a, b), (b, a)):
        if isinstance(r, LogLinear) and len(r) == 0:
            r = r.const
        if isinstance(r, fmpq):
            if r == 0:
                return fmpq(0)
            return r * x if _small(x) else Scaled(r, x)
    return Product(as_enclosable(a), as_enclosable(b))


# --------------------------------------------------------------------------------------------
# a claim's ``where`` condition: the one field that may compare and join with and/or

CONDITION_ACCEPTED = ("comparisons (<, <=, >, >=, ==, !=) between sides over the documented symbols, joined "
                      "by 'and'/'or' with parentheses, e.g. \"K >= 2 and L >= 4\"")
_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_HOLDS = {"<": lambda s: s < 0, "<=": lambda s: s <= 0, ">": lambda s: s > 0, ">=": lambda s: s >= 0,
          "==": lambda s: s == 0, "!=": lambda s: s != 0}


@dataclass(frozen=True)
class Condition:
    """A parsed ``where``: ``kind`` "and"/"or" (``parts``: Conditions) or "cmp" (``parts``: left
    Node, operator text, right Node). Each side of a comparison is a side of the ordinary grammar."""
    kind: str
    text: str
    parts: tuple
    symbols: frozenset


def parse_condition(text, constants: dict, field: str = "where") -> Condition:
    """The ordinary side grammar extended, for this field alone, by comparisons (a chain
    ``1 <= K < L`` is the conjunction of its links) and ``and``/``or``. Everything else is refused
    as in a side; a constant comparison is refused too (it never depends on the instance)."""
    if not isinstance(text, str):
        raise SpecError(field, f"is {type(text).__name__} {shorten(repr(text))}, not a string",
                        CONDITION_ACCEPTED)
    return _parse_condition(text, _constants_key(constants), field)


@lru_cache(maxsize=64)
def _parse_condition(text: str, constants: tuple, field: str) -> Condition:
    if len(text) > MAX_SIDE_CHARS:
        raise SpecError(field, f"condition of {len(text)} characters", f"at most {MAX_SIDE_CHARS} characters")
    if not text.strip():
        raise SpecError(field, "is empty", CONDITION_ACCEPTED)
    bad = _non_ascii(text)
    if bad:
        raise SpecError(field, f"non-ASCII character {bad} in {shorten(text)!r}", CONDITION_ACCEPTED)
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as err:
        raise SpecError(field, f"cannot parse {shorten(text)!r} ({shorten(err.msg, 60)})", CONDITION_ACCEPTED) from None
    except (RecursionError, MemoryError, ValueError):
        raise SpecError(field, f"cannot parse {shorten(text)!r}", CONDITION_ACCEPTED) from None
    consts = {k: fmpq_of(v) for k, v in constants}
    builder = _Builder(text.strip(), set(_symbol_names()) | set(consts), set(consts), field)
    try:
        cond = _condition_node(tree, builder, consts, 0)
    except RecursionError:
        raise SpecError(field, f"{shorten(text)!r} is nested too deeply", CONDITION_ACCEPTED) from None
    if not cond.symbols:
        raise SpecError(field, f"{shorten(text)!r} does not depend on the instance (no symbol)", CONDITION_ACCEPTED)
    return cond


def _condition_node(node, builder: "_Builder", consts: dict, depth: int) -> Condition:
    if depth > MAX_DEPTH:
        builder.refuse(f"nesting deeper than {MAX_DEPTH}")
    seg = builder.seg(node)
    if isinstance(node, ast.BoolOp):
        parts = tuple(_condition_node(v, builder, consts, depth + 1) for v in node.values)
        return Condition("and" if isinstance(node.op, ast.And) else "or", seg, parts,
                         frozenset().union(*(p.symbols for p in parts)))
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        links = []
        for k, op in enumerate(node.ops):
            if type(op) not in _COMPARISONS:
                raise SpecError(builder.field, f"refused comparison {type(op).__name__} in {shorten(builder.text)!r}",
                                CONDITION_ACCEPTED)
            left, right = (_condition_side(s, builder, consts, depth + 1) for s in sides[k:k + 2])
            if not (left.symbols | right.symbols) - set(consts):
                raise SpecError(builder.field, f"{left.text} {_COMPARISONS[type(op)]} {right.text} does not depend on "
                                f"the instance (no symbol) in {shorten(builder.text)!r}", CONDITION_ACCEPTED)
            floats = (left.symbols | right.symbols) & FLOAT_ONLY
            if floats:
                raise SpecError(builder.field, f"{sorted(floats)[0]} is a float (for shape statistics) and cannot "
                                f"decide a condition in {shorten(builder.text)!r}", CONDITION_ACCEPTED)
            links.append(Condition("cmp", f"{left.text} {_COMPARISONS[type(op)]} {right.text}",
                                   (left, _COMPARISONS[type(op)], right), left.symbols | right.symbols))
        return links[0] if len(links) == 1 else Condition(
            "and", seg, tuple(links), frozenset().union(*(c.symbols for c in links)))
    raise SpecError(builder.field, f"{shorten(seg)!r} is not a comparison in {shorten(builder.text)!r}",
                    CONDITION_ACCEPTED)


def _condition_side(node, builder: "_Builder", consts: dict, depth: int) -> Node:
    if isinstance(node, (ast.BoolOp, ast.Compare)):
        raise SpecError(builder.field, f"{shorten(builder.seg(node))!r} is a condition where a side is expected "
                        f"in {shorten(builder.text)!r}", CONDITION_ACCEPTED)
    root = builder.build(node, depth)
    _Analysis(consts, builder.field, builder.text, []).visit(root)  # constants once; domain refusals
    return root


def condition_holds(cond: Condition, constants: dict, value) -> bool:
    """Whether the instance satisfies ``cond``, decided exactly (``_compare``: rationals and log
    forms exactly, else balls at rising precision). A side with no value on the instance raises
    NotDefined (the instance is then *undefined*, never silently in or out); an open comparison
    raises Undecided. ``and``/``or`` follow Kleene's three-valued logic, so the order of the parts
    never matters: an ``or`` holds if some part holds and an ``and`` fails if some part fails, even
    where another part has no value; otherwise the first NotDefined / Undecided part is raised."""
    consts = {k: fmpq_of(v) for k, v in constants.items()}
    ev = _Eval(lambda name: consts[name] if name in consts else value(name))
    return _holds(cond, ev)


# Symbols whose values are floats (shape statistics only): never in a condition.
FLOAT_ONLY = frozenset({"expected_kl_max_entropy"})


def _holds(cond: Condition, ev: "_Eval") -> bool:
    if cond.kind in ("and", "or"):
        deciding = cond.kind == "or"  # the value that settles the connective by itself
        first_open = None
        for c in cond.parts:
            try:
                if _holds(c, ev) == deciding:
                    return deciding
            except (NotDefined, Undecided) as err:
                first_open = first_open or err
        if first_open is not None:
            raise first_open
        return not deciding
    left, op, right = cond.parts
    return _HOLDS[op](_compare(ev.eval(left), ev.eval(right), left, f"where {cond.text}"))


__all__ = ["parse", "free_symbols", "validate", "evaluate", "conditions", "Side", "Node", "parse_condition", "condition_holds"]
