"""Rigorous enclosures and verdicts for checked inequalities and identities (docs/index.md §5, §7).

A quantity handed to the certifier is one of

* an exact rational (``int``, ``fmpz``, ``fmpq``, ``Fraction``, numpy integer);
* a ``LogLinear`` (``verify.certify.logforms``): exact, so equality can be *proved* (docs/index.md §7);
* an ``Enclosable``: anything with ``enclose(prec) -> arb``, for quantities that are not log-linear
  (``log_2 L``, ratios of logs). Only ball arithmetic applies to these, so they can be certified or
  refuted but never proved equal (an identity between them is at best ``undecided``).

Combinators (``Sum``, ``Difference``, ``Product``, ``Quotient``, ``Scaled``, ``log2``, ``Formula``, and
the operators ``+ - * /`` on Enclosables) keep track of whether a value is still an exact log-linear form
(``exact_form``); when both sides of a comparison are exact, the difference is formed exactly.

Verdicts (docs/index.md §5): ``certified`` (enclosure of ``rhs − lhs`` is ``≥ 0``), ``refuted`` (``< 0``;
for identities: excludes 0), ``tight`` (equality proved exactly), ``undecided`` (still straddles 0 at the
precision cap). Floats appear only in display fields; no decision ever reads a float.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Callable, Protocol, runtime_checkable

import numpy as np
from flint import arb, fmpq, fmpz

from . import logforms
from .logforms import LogLinear, _is_prime, add_over_denominator, to_rational, working_precision

__all__ = [
    "SupportsEnclose",
    "Enclosable",
    "Formula",
    "Sum",
    "Difference",
    "Product",
    "Quotient",
    "Scaled",
    "Log2",
    "log2",
    "ceil_log2",
    "as_enclosable",
    "exact_form",
    "enclose",
    "Verdict",
    "check_le",
    "check_ge",
    "check_eq",
    "STATUSES",
]

STATUSES = ("certified", "refuted", "tight", "undecided")
DEFAULT_PREC_START = 64
DEFAULT_PREC_CAP = 4096
_DISPLAY_PREC = 64
_MARGIN_DIGITS = 20  # arb.str defaults to the *current* ctx precision; pin the digits instead


@runtime_checkable
class SupportsEnclose(Protocol):
    """Anything that can produce a rigorous ball for its value at a working precision (bits)."""

    def enclose(self, prec: int) -> arb: ...


def _is_rational_like(x) -> bool:
    return isinstance(x, (fmpq, fmpz, int, Fraction, np.integer))


# --------------------------------------------------------------------------------------------
# Enclosables


class Enclosable:
    """Base of the combinator tree. Subclasses define ``enclose`` and, if they can, ``exact_form``.

    Operators build nodes: ``a + b``, ``a - b``, ``a * b``, ``a / b``, ``-a`` with Enclosables,
    LogLinears and exact rationals on either side.
    """

    __slots__ = ()

    def enclose(self, prec: int) -> arb:  # pragma: no cover - abstract
        raise NotImplementedError

    def exact_form(self) -> LogLinear | None:
        """The value as an exact ``LogLinear`` if this node is provably log-linear, else None."""
        return None

    def __add__(self, other):
        return Sum(self, other)

    def __radd__(self, other):
        return Sum(other, self)

    def __sub__(self, other):
        return Difference(self, other)

    def __rsub__(self, other):
        return Difference(other, self)

    def __mul__(self, other):
        if _is_rational_like(other):
            return Scaled(other, self)
        return Product(self, other)

    def __rmul__(self, other):
        if _is_rational_like(other):
            return Scaled(other, self)
        return Product(other, self)

    def __truediv__(self, other):
        if _is_rational_like(other):
            return Scaled(fmpq(1) / to_rational(other), self)
        return Quotient(self, other)

    def __rtruediv__(self, other):
        return Quotient(other, self)

    def __neg__(self):
        return Scaled(-1, self)

    def __float__(self) -> float:
        """Display only (and the statistics of shape claims, which give no verdict): the correctly
        rounded double of the value, once both ends of a ball (from the parts' cached balls) round to
        the same double; when a ball holding 0 comes first (the value may be exactly 0) or two
        precisions do not settle it (a difference of nearly equal parts, where merging cancels
        terms exactly), the exact form's float if there is one, else the 64-bit midpoint. Merging an
        exact form per value was the cost of a statistic over a grid (LC25.T2: most of its time)."""
        prec = _DISPLAY_PREC
        while prec <= 2 * _DISPLAY_PREC:
            ball = self.enclose(prec)
            if ball.contains(0) or not ball.is_finite():
                break
            lo, hi = _nearest_double(ball.lower, prec), _nearest_double(ball.upper, prec)
            if lo == hi:  # rounding is monotone: every number of the ball rounds to it
                return lo
            prec *= 2
        form = self.exact_form()
        if form is not None:
            return float(form)
        return float(self.enclose(_DISPLAY_PREC).mid())


def _nearest_double(end, prec: int) -> float:
    """The double nearest to an end of a ball (``ball.lower`` / ``ball.upper``), taken exactly at the
    ball's precision (at a lower context precision the end itself would be rounded outwards)."""
    with working_precision(prec + 64):
        man, exp = end().man_exp()
    man, exp = int(man), int(exp)
    return float(Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp))  # correctly rounded


class Formula(Enclosable):
    """An opaque quantity given by a python callable ``f(prec) -> arb``.

    ``f`` runs with ``flint.ctx.prec = prec`` and must return a *rigorous* ball (build it from exact
    inputs with arb operations). Beware ``arb(float)``: python-flint turns a float into a radius-0
    ball, so a float-computed value looks exact. Returning a float is therefore refused; an int /
    fmpq is converted with ``arb``. A Formula is never an exact form: identities over Formulas
    cannot be proved, only refuted.
    """

    __slots__ = ("f", "label")

    def __init__(self, f: Callable[[int], arb], label: str | None = None):
        self.f = f
        self.label = label or getattr(f, "__name__", "formula")

    def enclose(self, prec: int) -> arb:
        with working_precision(prec):
            v = self.f(prec)
            if isinstance(v, arb):
                return v
            if isinstance(v, (float, np.floating)):
                raise TypeError(f"Formula {self.label!r} returned a float; return an arb ball")
            return arb(to_rational(v))

    def __repr__(self) -> str:
        return f"Formula({self.label})"


class Sum(Enclosable):
    """``Σ x_i``. Exact if every term is."""

    __slots__ = ("terms",)

    def __init__(self, *terms):
        self.terms = tuple(as_enclosable(t) for t in terms)

    def enclose(self, prec: int) -> arb:
        parts = [t.enclose(prec) for t in self.terms]
        with working_precision(prec):
            total = arb(0)
            for p in parts:
                total += p
            return total

    def exact_form(self) -> LogLinear | None:
        forms = [exact_form(t) for t in self.terms]
        if any(f is None for f in forms):
            return None
        total = LogLinear.constant(0)
        for f in forms:
            total = total + f
        return total

    def __repr__(self) -> str:
        return "Sum(" + ", ".join(map(repr, self.terms)) + ")"


class Difference(Enclosable):
    """``a − b``. Exact if both are."""

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = as_enclosable(a), as_enclosable(b)

    def enclose(self, prec: int) -> arb:
        x, y = self.a.enclose(prec), self.b.enclose(prec)
        with working_precision(prec):
            return x - y

    def exact_form(self) -> LogLinear | None:
        fa, fb = exact_form(self.a), exact_form(self.b)
        return None if fa is None or fb is None else fa - fb

    def __repr__(self) -> str:
        return f"Difference({self.a!r}, {self.b!r})"


class Scaled(Enclosable):
    """``c · x`` for an exact rational ``c``. Exact if ``x`` is."""

    __slots__ = ("c", "x")

    def __init__(self, c, x):
        self.c, self.x = to_rational(c), as_enclosable(x)

    def enclose(self, prec: int) -> arb:
        v = self.x.enclose(prec)
        with working_precision(prec):
            return v * arb(self.c)

    def exact_form(self) -> LogLinear | None:
        f = exact_form(self.x)
        return None if f is None else f * self.c

    def __repr__(self) -> str:
        return f"Scaled({self.c}, {self.x!r})"


class Product(Enclosable):
    """``Π x_i``. Exact if every factor is exact and at most one is not a rational constant."""

    __slots__ = ("factors",)

    def __init__(self, *factors):
        self.factors = tuple(as_enclosable(f) for f in factors)

    def enclose(self, prec: int) -> arb:
        parts = [f.enclose(prec) for f in self.factors]
        with working_precision(prec):
            total = arb(1)
            for p in parts:
                total *= p
            return total

    def exact_form(self) -> LogLinear | None:
        forms = [exact_form(f) for f in self.factors]
        if any(f is None for f in forms):
            return None
        scale, logpart = fmpq(1), None
        for f in forms:
            if f.is_rational():
                scale *= f.const
            elif logpart is None:
                logpart = f
            else:
                return None  # log × log is not log-linear
        return LogLinear.constant(scale) if logpart is None else logpart * scale

    def __repr__(self) -> str:
        return "Product(" + ", ".join(map(repr, self.factors)) + ")"


class Quotient(Enclosable):
    """``a / b``. Exact if ``a`` is exact and ``b`` is an exact nonzero rational.

    If the ball of ``b`` contains 0 the quotient ball is unbounded, so any comparison straddles.
    """

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = as_enclosable(a), as_enclosable(b)

    def enclose(self, prec: int) -> arb:
        x, y = self.a.enclose(prec), self.b.enclose(prec)
        with working_precision(prec):
            return x / y

    def exact_form(self) -> LogLinear | None:
        fa, fb = exact_form(self.a), exact_form(self.b)
        if fa is None or fb is None or not fb.is_rational() or fb.const == 0:
            return None
        return fa / fb.const

    def __repr__(self) -> str:
        return f"Quotient({self.a!r}, {self.b!r})"


class Log2(Enclosable):
    """``log_2 n = log n / log 2`` for a rational ``n > 0`` (base 2: it counts dyadic levels, §0).

    Not log-linear in general (a ratio of logs); exact — the integer ``k`` — when ``n = 2^k``.
    """

    __slots__ = ("n", "_k")

    def __init__(self, n):
        self.n = to_rational(n)
        if self.n <= 0:
            raise ValueError(f"log2 of non-positive {self.n}")
        self._k = _exact_log2(self.n)

    def enclose(self, prec: int) -> arb:
        with working_precision(prec):
            if self._k is not None:
                return arb(self._k)
            return LogLinear.log(self.n).enclose(prec) / arb(2).log()

    def exact_form(self) -> LogLinear | None:
        return None if self._k is None else LogLinear.constant(self._k)

    def __repr__(self) -> str:
        return f"log2({self.n})"


def _exact_log2(n: fmpq) -> int | None:
    """``k`` if ``n = 2^k`` exactly (k may be negative), else None."""
    p, q = int(n.p), int(n.q)
    if q == 1 and p & (p - 1) == 0:
        return p.bit_length() - 1
    if p == 1 and q & (q - 1) == 0:
        return -(q.bit_length() - 1)
    return None


def log2(n) -> Log2:
    """``log_2 n`` as an Enclosable (exact integer when ``n`` is a power of two)."""
    return Log2(n)


def ceil_log2(n) -> int:
    """``⌈log_2 n⌉`` for a rational ``n > 0``, exactly: the least integer ``k`` with ``2^k ≥ n``."""
    r = to_rational(n)
    if r <= 0:
        raise ValueError(f"ceil_log2 of non-positive {r}")
    p, q = int(r.p), int(r.q)
    k = p.bit_length() - q.bit_length()  # 2^(k-1) < p/q < 2^(k+1)

    def at_least(k: int) -> bool:  # 2^k ≥ p/q, in integers
        return (q << k) >= p if k >= 0 else q >= (p << -k)

    while not at_least(k):
        k += 1
    while at_least(k - 1):
        k -= 1
    return k


# --------------------------------------------------------------------------------------------
# conversion


def as_enclosable(x):
    """The certifier's view of ``x``: a ``LogLinear`` for exact inputs, else an Enclosable.

    Rationals become constant forms; a ``LogLinear`` or ``Enclosable`` is returned as is; any other
    object with ``enclose(prec)`` is wrapped in a ``Formula``. Floats raise TypeError: a float is not
    an enclosure (convert on purpose with ``Fraction(x)`` if its exact binary value is meant).
    """
    if isinstance(x, (LogLinear, Enclosable)):
        return x
    if _is_rational_like(x):
        return LogLinear.constant(x)
    if isinstance(x, (float, np.floating)):
        raise TypeError(
            f"float {x!r} cannot enter a verdict; pass an exact rational (Fraction(x)) or an Enclosable"
        )
    if isinstance(x, SupportsEnclose):
        return Formula(x.enclose, label=type(x).__name__)
    raise TypeError(f"cannot certify a value of type {type(x).__name__}")


def exact_form(x) -> LogLinear | None:
    """``x`` as an exact ``LogLinear`` when provable (rationals, LogLinears, exact combinators)."""
    x = as_enclosable(x)
    if isinstance(x, LogLinear):
        return x
    return x.exact_form()


def enclose(x, prec: int) -> arb:
    """Rigorous ball for any certifiable quantity at ``prec`` bits."""
    return as_enclosable(x).enclose(prec)


# --------------------------------------------------------------------------------------------
# verdicts


@dataclass(frozen=True)
class Verdict:
    """Outcome of one certified comparison (docs/index.md §5).

    ``margin`` is the ball of ``rhs − lhs`` (for ``ge``: ``lhs − rhs``) as arb text, or an exact
    rational when no ball was needed; ``margin_lo``/``margin_hi`` are its endpoints as floats and
    ``lhs_float``/``rhs_float`` the two sides, all for display only. ``prec`` is the working
    precision (bits) of the deciding enclosure, 0 when decided by exact arithmetic alone.
    """

    status: str
    margin: str
    margin_lo: float
    margin_hi: float
    prec: int
    lhs_float: float
    rhs_float: float
    how: str
    relation: str = "le"

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown verdict status {self.status!r}")

    @property
    def holds(self) -> bool:
        """True iff the comparison is proved (``certified`` or ``tight``)."""
        return self.status in ("certified", "tight")

    def to_json(self) -> dict:
        """A JSON-ready dict (non-finite floats become the strings "inf", "-inf", "nan")."""
        return {k: _json_float(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _json_float(v: float):
    return v if math.isfinite(v) else str(v)


def _display_float(x) -> float:
    """A side's value as a float for the report; NaN if it cannot be evaluated. Never decides.

    The midpoint of a (cached) 64-bit ball, or 0.0 when that ball holds 0: a member of the ball
    either way, and never a sign the value may not have (a float enclosure's midpoint around a KL of
    0 can be -8e-16). Cheap, because reports show thousands of these and none of them decides anything.
    """
    try:
        if isinstance(x, LogLinear) and len(x) == 0:
            return _rational_fields(x.const)[1]
        ball = x.enclose(_DISPLAY_PREC)
        if ball.contains(0):
            return 0.0
        return float(ball.mid())
    except (ArithmeticError, ValueError, TypeError):
        return float("nan")


def _ball_fields(ball: arb) -> tuple[str, float, float]:
    return ball.str(_MARGIN_DIGITS), float(ball.lower()), float(ball.upper())


def _rational_fields(q: fmpq) -> tuple[str, float, float]:
    try:
        v = float(Fraction(int(q.p), int(q.q)))
    except OverflowError:  # display only: a rational beyond the float range (claim sides allow 2^65536)
        v = math.inf if q > 0 else -math.inf
    return str(q), v, v


def _difference(a, b):
    """``a − b``: exact rationals subtract at once; otherwise a lazy ``Difference``.

    The ball of a lazy difference reuses the sides' cached balls, and its exact form (a merge of
    every log term, then factorisation) is built only when a ball fails to decide.
    """
    if isinstance(a, LogLinear) and isinstance(b, LogLinear) and len(a) == 0 and len(b) == 0:
        return a - b
    return Difference(a, b)


def _linear_leaves(x, scale: fmpq, acc: list) -> bool:
    """Flatten a tree of Sum / Difference / Scaled over LogLinear leaves into (scale, leaf) pairs.

    False if the tree holds anything else (a Product, Quotient or Formula)."""
    x = as_enclosable(x)
    if isinstance(x, LogLinear):
        acc.append((scale, x))
        return True
    if isinstance(x, Sum):
        return all(_linear_leaves(t, scale, acc) for t in x.terms)
    if isinstance(x, Difference):
        return _linear_leaves(x.a, scale, acc) and _linear_leaves(x.b, -scale, acc)
    if isinstance(x, Scaled):
        return _linear_leaves(x.x, scale * x.c, acc)
    return False


def _exact_reduction_refine(x):
    """The previous ``_exact_reduction`` (benchmarks: ``logforms.SPLIT_COFACTORS = False``).

    ``(c0, {b: e_b})`` with ``x = c0 + Σ e_b log b`` over pairwise coprime bases, all ``e_b ≠ 0``;
    None when ``x`` is not an exact log-linear form (docs/index.md §7).

    By §7 the value is the rational ``c0`` when no exponent is left, and irrational (so nonzero)
    otherwise. Fast path, when every leaf is cheap to reduce: combine the leaves' cached reductions;
    when every base is a prime the combined exponents are canonical. Shared leaves (per-level forms
    used by many instances) are reduced once. Otherwise (a leaf with multi-limb ratios, or a
    composite base, which needs refinement across leaves) merge the whole form and reduce it.
    """
    leaves: list = []
    if _linear_leaves(x, fmpq(1), leaves) and all(leaf.cheap_to_reduce() for _, leaf in leaves):
        const, exps = fmpq(0), {}
        for scale, leaf in leaves:
            if scale == 0:
                continue
            c0, red = leaf.reduced()
            const += scale * c0
            for b, e in red.items():
                exps[b] = exps.get(b, fmpq(0)) + scale * e
        if all(_is_prime(b) for b in exps):
            return const, {b: e for b, e in exps.items() if e != 0}
    form = exact_form(x)
    return None if form is None else form.reduced()


def _exact_reduction(x):
    """``(c0, {b: e_b})`` with ``x = c0 + Σ e_b log b`` over pairwise coprime bases, all ``e_b ≠ 0``;
    None when ``x`` is not an exact log-linear form (docs/index.md §7).

    By §7 the value is the rational ``c0`` when no exponent is left, and irrational (so nonzero)
    otherwise. Fast path, when every leaf is cheap to reduce and its reduction is over proven primes
    (``LogLinear.prime_reduction``): add the leaves' cached integer exponents (distinct primes are
    pairwise coprime, so the sum is over primes too). Shared leaves (per-level forms used by many
    instances) are reduced once. Otherwise (a leaf with multi-limb ratios, or one whose reduction
    needed a composite base) merge the whole form and reduce it.
    """
    if not logforms.SPLIT_COFACTORS:
        return _exact_reduction_refine(x)
    leaves: list = []
    if not _linear_leaves(x, fmpq(1), leaves):
        form = exact_form(x)
        return None if form is None else form.reduced()
    if GROUPED_ZERO_TEST:
        rational = _grouped_rational(leaves)
        if rational is not None:
            return rational, {}
    return _reduce_leaves(leaves)


# Grouped zero test. An identity checked on many instances is often a sum of shared per-level forms
# with instance-dependent coefficients, Σ_n a_n (F_n − G_n − H_n), that vanishes level by level: the
# leaves grouped by |coefficient| are each a rational. Each group's signed sum is reduced once and
# remembered (on the group's anchor leaf), so every further instance costs a lookup per group.
GROUPED_ZERO_TEST = True  # False: every tie reduces the whole form (benchmarks, mutation)


def _grouped_rational(leaves: list):
    """The rational ``Σ s_k F_k`` when, grouping the leaves by ``|s_k|``, every group's signed sum
    ``Σ sign(s_k) F_k`` is a rational ``c_g`` (then the whole is ``Σ_g |s_g| c_g``, exactly); None
    otherwise (the caller reduces the whole form). A group of one form can be rational only if the
    form is, which the whole reduction finds as cheaply: such leaves make it give up at once, as do
    leaves met for the first time (they are marked, ``LogLinear._groups``, for the next tie)."""
    groups: dict = {}
    total = fmpq(0)
    for s, leaf in leaves:
        if s == 0:
            continue
        if len(leaf) == 0:  # a rational leaf: no group needed
            total += s * leaf.const
            continue
        groups.setdefault(abs(s), {}).setdefault(id(leaf), [leaf, 0])[1] += 1 if s > 0 else -1
    if len(groups) < 2:
        return None
    # Only leaves met in an earlier tie can be shared ones: a group holding a form first met here
    # (an instance's own law) is almost never rational, and trying it would double the work.
    fresh = False
    for g in groups.values():
        for leaf, _ in g.values():
            if leaf._groups is None:
                leaf._groups, fresh = {}, True
    if fresh:
        return None
    members = []
    for g in groups.values():
        signed = [(fmpq(n), leaf) for leaf, n in g.values() if n != 0]
        if len(signed) == 1:
            return None
        members.append(signed)
    for a, signed in zip(groups, members):
        c = _group_rational(signed)
        if c is None:
            return None
        total += a * c
    return total


def _group_rational(signed: list):
    """``Σ n_k F_k`` (small integer ``n_k``) if it is a rational, else None; remembered on the
    member with the smallest id (which holds the others, so no id is reused while the entry lives)."""
    if not signed:
        return fmpq(0)
    key = tuple(sorted((id(leaf), int(n)) for n, leaf in signed))
    memo = min((leaf for _, leaf in signed), key=id)._groups  # a dict: every member was met before
    if key in memo:
        return memo[key][1]
    c0, exps = _reduce_leaves(signed)
    out = c0 if not exps else None
    memo[key] = (tuple(leaf for _, leaf in signed), out)
    return out


def _reduce_leaves(leaves: list):
    """``_exact_reduction`` of ``Σ s_k F_k`` from its (scale, LogLinear leaf) pairs."""
    if all(leaf.cheap_to_reduce() for _, leaf in leaves):
        combined = _combine_prime_reductions(leaves)
        if combined is not None:
            return combined
    # Twins (LogLinear.with_twin): a leaf's twin has the leaf's exact value, written over the law's
    # marginal values, which the other leaves share. When a leaf prefers its twin (its own ratios are
    # products that only a coprime base would split: an explicit law's values), every leaf with a
    # twin is replaced by its twin's parts; leaves with one-limb ratios only stay as they are.
    if logforms.USE_TWINS and any(leaf.prefers_twin() for _, leaf in leaves):
        leaves = [(scale * c, part) for scale, leaf in leaves
                  for c, part in ([(fmpq(1), leaf)] if leaf.cheap_to_reduce() else leaf.twin_parts())]
    # merge the leaves' integer weights (cached per leaf) and reduce the sum in one go: the same
    # value as exact_form(x), without building the merged form's fmpq terms
    const = fmpq(0)
    for scale, leaf in leaves:
        const += scale * leaf.const
    D, exps, _ = logforms.combined_prime_exponents(leaves)
    return const, {b: fmpq(w, D) for b, w in exps.items()}


def _combine_prime_reductions(leaves: list):
    """``Σ scale · leaf`` as ``(c0, {p: e_p})`` over primes, or None if a leaf's reduction is not over
    primes. Exponents are added as integers over one common denominator ``L`` (fmpq additions per
    base were the hot loop): leaf ``k`` contributes ``(s_k / D_k) · w`` = ``(s_k.p · L / (s_k.q D_k)) · w / L``.
    """
    const, L, parts = fmpq(0), 1, []
    for scale, leaf in leaves:
        if scale == 0:
            continue
        red = leaf.prime_reduction()
        if red is None:
            return None
        c0, D, exps = red
        const += scale * c0
        if exps:
            den = int(scale.q) * D
            L = math.lcm(L, den)
            parts.append((int(scale.p), den, exps))
    total = add_over_denominator(L, parts)
    return const, {p: fmpq(w, L) for p, w in total.items() if w}


def _is_plain_rational(diff) -> bool:
    return isinstance(diff, LogLinear) and len(diff) == 0


def _precisions(prec_start: int, prec_cap: int):
    """Doubling sequence ``prec_start, 2·prec_start, …`` ending exactly at ``prec_cap``."""
    prec = max(2, int(prec_start))
    cap = max(prec, int(prec_cap))
    while True:
        yield prec, prec >= cap
        if prec >= cap:
            return
        prec = min(2 * prec, cap)


_HOW_EXACT_RATIONAL = "exact rational arithmetic"
_HOW_EXACT_ZERO = "exact zero over a pairwise coprime base (docs/index.md §7)"


def _decide_nonneg(diff, prec_start: int, prec_cap: int):
    """Decide ``diff ≥ 0``. Returns ``(status, (margin, lo, hi), prec, how)``.

    Exact forms: rational → exact sign; otherwise balls at doubling precision, with the zero test
    (docs/index.md §7) run once the first ball fails to exclude 0. A ball with lower end exactly 0 and
    positive radius keeps raising precision (the value may still be exactly 0, which should read
    ``tight``, and a nonzero value eventually gets a strictly positive ball); at the cap it is
    ``certified`` since ``≥ 0`` is already proved.
    """
    if _is_plain_rational(diff):  # no log terms: plain rational
        c = diff.const
        status = "certified" if c > 0 else "refuted" if c < 0 else "tight"
        return status, _rational_fields(c), 0, _HOW_EXACT_RATIONAL
    zero_checked = False
    for prec, last in _precisions(prec_start, prec_cap):
        ball = diff.enclose(prec)
        if ball > 0:
            return "certified", _ball_fields(ball), prec, f"ball arithmetic at {prec} bits"
        if ball < 0:
            return "refuted", _ball_fields(ball), prec, f"ball arithmetic at {prec} bits"
        if not zero_checked:
            red = _exact_reduction(diff)  # only now: merging and factoring is the slow part
            if red is not None and not red[1]:  # no log part left: the exact rational c0
                c = red[0]
                if c == 0:
                    return "tight", ("0", 0.0, 0.0), prec, _HOW_EXACT_ZERO
                status = "certified" if c > 0 else "refuted"
                return status, _rational_fields(c), prec, _HOW_EXACT_RATIONAL + " after reduction"
            zero_checked = True
        if ball >= 0 and (last or ball.is_exact()):
            # Proved ≥ 0 but not > 0; a radius-0 ball will not improve with precision.
            return "certified", _ball_fields(ball), prec, f"ball arithmetic at {prec} bits (lower end 0)"
        if last:
            return "undecided", _ball_fields(ball), prec, f"enclosure straddles 0 at the cap of {prec} bits"
    raise AssertionError("unreachable")


def _decide_zero(diff, prec_start: int, prec_cap: int):
    """Decide ``diff = 0``. Returns ``(status, (margin, lo, hi), prec, how)``.

    ``tight`` only by exact proof (rational equality or ``LogLinear.is_zero``). An exact form that
    the factorisation proves nonzero is ``refuted`` even if its ball still straddles 0 at the cap
    (§7: the exponents do not all vanish). Non-exact Enclosables are ``refuted`` by a ball excluding
    0 and otherwise ``undecided`` — even a radius-0 ball at 0, since an opaque Formula's rigour
    (e.g. a float slipped into ``arb``) is not something the certifier can check.
    """
    if _is_plain_rational(diff):  # no log terms: plain rational
        c = diff.const
        return ("tight" if c == 0 else "refuted"), _rational_fields(c), 0, _HOW_EXACT_RATIONAL
    checked, exact = False, False
    for prec, last in _precisions(prec_start, prec_cap):
        ball = diff.enclose(prec)
        if ball > 0 or ball < 0:
            return "refuted", _ball_fields(ball), prec, f"ball arithmetic at {prec} bits excludes 0"
        if not checked:
            red = _exact_reduction(diff)  # only once a ball fails to decide
            checked, exact = True, red is not None
            if exact and not red[1]:  # no log part left: the exact rational c0
                if red[0] == 0:
                    return "tight", ("0", 0.0, 0.0), prec, _HOW_EXACT_ZERO
                return "refuted", _rational_fields(red[0]), prec, _HOW_EXACT_RATIONAL + " after reduction"
        if last or ball.is_exact():
            if exact:
                how = f"nonzero over a pairwise coprime base (docs/index.md §7); ball still contains 0 at {prec} bits"
                return "refuted", _ball_fields(ball), prec, how
            how = (
                f"enclosure contains 0 at {prec} bits; sides are not exact log-linear forms, "
                "so equality cannot be proved"
            )
            return "undecided", _ball_fields(ball), prec, how
    raise AssertionError("unreachable")


def _verdict(lhs, rhs, relation, status, fields, prec, how) -> Verdict:
    margin, lo, hi = fields
    return Verdict(
        status=status,
        margin=margin,
        margin_lo=lo,
        margin_hi=hi,
        prec=prec,
        lhs_float=_display_float(lhs),
        rhs_float=_display_float(rhs),
        how=how,
        relation=relation,
    )


def check_le(lhs, rhs, prec_start: int = DEFAULT_PREC_START, prec_cap: int = DEFAULT_PREC_CAP) -> Verdict:
    """Verdict on ``lhs ≤ rhs`` from a rigorous enclosure of ``rhs − lhs`` (docs/index.md §5).

    ``tight`` if ``rhs − lhs`` is proved exactly 0; ``certified`` if its ball is ``≥ 0``; ``refuted``
    if ``< 0``; ``undecided`` if it still straddles 0 at ``prec_cap`` bits (for exact log-linear
    differences this needs a value below about ``2^-prec_cap``, docs/index.md §7).
    """
    lhs, rhs = as_enclosable(lhs), as_enclosable(rhs)
    status, fields, prec, how = _decide_nonneg(_difference(rhs, lhs), prec_start, prec_cap)
    return _verdict(lhs, rhs, "le", status, fields, prec, how)


def check_ge(lhs, rhs, prec_start: int = DEFAULT_PREC_START, prec_cap: int = DEFAULT_PREC_CAP) -> Verdict:
    """Verdict on ``lhs ≥ rhs``: as ``check_le`` with the margin ``lhs − rhs``."""
    lhs, rhs = as_enclosable(lhs), as_enclosable(rhs)
    status, fields, prec, how = _decide_nonneg(_difference(lhs, rhs), prec_start, prec_cap)
    return _verdict(lhs, rhs, "ge", status, fields, prec, how)


def check_eq(lhs, rhs, prec_start: int = DEFAULT_PREC_START, prec_cap: int = DEFAULT_PREC_CAP) -> Verdict:
    """Verdict on the identity ``lhs = rhs`` (margin ``rhs − lhs``).

    ``tight`` iff equality is proved exactly (both sides exact forms, docs/index.md §7); ``refuted`` if the
    difference is proved nonzero (ball excluding 0, or factorisation for exact forms); otherwise
    ``undecided`` — in particular for Enclosables that agree only numerically.
    """
    lhs, rhs = as_enclosable(lhs), as_enclosable(rhs)
    status, fields, prec, how = _decide_zero(_difference(rhs, lhs), prec_start, prec_cap)
    return _verdict(lhs, rhs, "eq", status, fields, prec, how)
