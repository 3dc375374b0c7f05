"""Exact log-linear forms ``c0 + Σ_k c_k log r_k`` (docs/index.md §7).

Every information quantity of a law with rational probabilities (H, TC, DTC, I_i, KL, ε_train, and
rational combinations of them) is such a form with rational ``c0``, ``c_k`` and rational ``r_k > 0``.
This module keeps the form exact and decides two things about it:

* **exact zero** (``is_zero``): factor every ``r_k`` over a multiplicatively independent base, and the
  form vanishes iff ``c0 = 0`` and every exponent vanishes (unique factorisation, docs/index.md §7);
* **sign** (``sign``): a nonzero form is settled by ball arithmetic (python-flint ``arb``) at rising
  precision; §7 guarantees termination (for ``c0 ≠ 0`` by Lindemann: ``e^{c0}`` is transcendental).

Number type conventions: coefficients and ratios are ``flint.fmpq``. ``int``, ``fmpz``,
``fractions.Fraction`` and numpy integers are converted exactly. Floats are *refused*: a float that
reaches a certified computation is almost always a bug, so the caller must convert it on purpose
(``Fraction(x)`` gives its exact binary value).

python-flint's working precision is one process-global setting (``flint.ctx.prec``, not thread-local);
every function here sets it inside ``working_precision`` and restores it, so callers never see it move.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping

import numpy as np
from flint import arb, ctx, fmpq, fmpz

from .coprime import coprime_weights
from .splitting import split_cofactors

__all__ = [
    "LogLinear",
    "PrecisionExhausted",
    "working_precision",
    "to_rational",
    "log_of_rational",
]

_ZERO = fmpq(0)
_ONE = fmpq(1)
_FLOAT_PREC_CAP = 4096  # __float__ gives up refining here and returns the midpoint it has


class PrecisionExhausted(ArithmeticError):
    """Rising precision reached its cap with an enclosure that still contains 0."""


# --------------------------------------------------------------------------------------------
# precision and rational conversion


@contextmanager
def working_precision(prec: int) -> Iterator[None]:
    """Set ``flint.ctx.prec`` to ``prec`` bits for the block and restore the previous value.

    Written out (rather than ``ctx.workprec``) so that nesting and exceptions are obviously safe:
    the old value lives in this frame, not on a shared manager object.
    """
    prec = int(prec)
    if prec < 2:
        raise ValueError(f"precision must be at least 2 bits, got {prec}")
    old = ctx.prec
    ctx.prec = prec
    try:
        yield
    finally:
        ctx.prec = old


def to_rational(x) -> fmpq:
    """Exact ``fmpq`` from int / fmpz / fmpq / Fraction / numpy integer. Floats raise TypeError."""
    t = type(x)
    if t is fmpq:
        return x
    if t is int or t is fmpz:
        return fmpq(x)
    if t is Fraction:
        # fmpq(Fraction) is not accepted by python-flint, and fmpq == Fraction is False: convert.
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, (bool, np.bool_)):
        return fmpq(int(x))
    if isinstance(x, (int, np.integer)):
        return fmpq(int(x))
    if isinstance(x, (float, np.floating)):
        raise TypeError(
            f"refusing float {x!r} in an exact computation; convert on purpose "
            "(Fraction(x) is its exact binary value)"
        )
    raise TypeError(f"cannot use {t.__name__} as an exact rational")


def _is_rational_like(x) -> bool:
    return isinstance(x, (fmpq, fmpz, int, Fraction, np.integer))


# --------------------------------------------------------------------------------------------
# ball enclosure of one log


def log_of_rational(n, d=1) -> arb:
    """Ball containing ``log(n/d)`` for integers ``n, d > 0`` (or one fmpq ``n``) at the current ``ctx.prec``.

    Near 1 it uses ``log1p((n − d)/d)``, whose *relative* error stays ~2^-prec, so small logs such as
    ``log(1 + 10^-30)`` keep their sign without extra precision; elsewhere ``log(arb(n/d))``
    (``arb`` of a rational rounds to ``ctx.prec`` bits; ``arb_log`` propagates that radius).
    """
    if isinstance(n, fmpq) and d == 1:
        n, d = n.p, n.q
    if n <= 0 or d <= 0:
        raise ValueError(f"log of non-positive ratio {n}/{d}")
    delta = n - d
    if 2 * abs(delta) < d:  # n/d in (1/2, 3/2)
        return arb(fmpq(delta, d)).log1p()
    return arb(fmpq(n, d)).log()


# --------------------------------------------------------------------------------------------
# factorisation over a multiplicatively independent base (docs/index.md §7)

# Integers above one limb get a trial-division-limited factorisation, so a large hard cofactor
# (mixture-law probabilities can have 100-digit numerators) never stalls the zero test.
_ONE_LIMB = 2**64
_TRIAL_PRIMES = 200  # primes up to 1223; rarer shared primes are left to the coprime base
_TRIAL_BOUND = 1224  # so a cofactor left by the trial division has no prime factor below this


@lru_cache(maxsize=1 << 17)
def _partial_factor(n: int) -> tuple[tuple[int, int], ...]:
    """``n = Π f^e`` for n ≥ 2: complete for one-limb n; otherwise factors may be composite."""
    fac = fmpz(n).factor() if n < _ONE_LIMB else fmpz(n).factor(trial_limit=_TRIAL_PRIMES)
    return tuple((int(f), int(e)) for f, e in fac)


@lru_cache(maxsize=1 << 17)
def _full_factor(n: int) -> tuple[tuple[int, int], ...]:
    """Complete prime factorisation ``n = Π p^e`` (``fmpz.factor``; may be slow on hard n)."""
    return tuple((int(p), int(e)) for p, e in fmpz(n).factor())


@lru_cache(maxsize=1 << 17)
def _is_prime(n: int) -> bool:
    return bool(fmpz(n).is_prime())


def _independent_exponents_refine(terms: Mapping[tuple[fmpz, fmpz], fmpq]) -> dict[int, fmpq]:
    """``Σ c log r = Σ_b e_b log b`` over pairwise coprime integers ``b > 1``, every ``e_b ≠ 0``.

    Logs of pairwise coprime integers > 1 are linearly independent over Q (if ``Π b^{n_b} = 1`` with
    integer ``n_b``, the positive and negative parts are coprime and equal, hence both 1), so the log
    part vanishes iff the result is empty. Coefficients are brought to one denominator ``D`` (the
    suite's coefficients share one: probabilities of one law), so the bookkeeping adds integers.
    Each distinct numerator and denominator is split by trial division (complete for one-limb
    integers, whose factors are then primes); when a factor may be composite, all factors go to
    ``coprime.coprime_weights`` (coprime base by divide and conquer, verified pairwise coprime; see
    docs/certification.md).
    """
    D = fmpz(1)
    for c in terms.values():
        q = c.q
        if q != 1 and D % q:
            D = D.lcm(q)
    per_int: dict = {}  # integer -> Σ ±c·D over the terms holding it
    get = per_int.get
    for (num, den), c in terms.items():
        w = c.p * (D // c.q)
        if num != 1:
            per_int[num] = get(num, 0) + w
        if den != 1:
            per_int[den] = -w + get(den, 0)
    exps: dict = {}
    get = exps.get
    all_prime = True
    for m, w in per_int.items():
        if not w:
            continue
        m = int(m)
        if m >= _ONE_LIMB:
            all_prime = False  # a trial-limited factorisation: its last factor may be composite
        for f, e in _partial_factor(m):
            exps[f] = get(f, 0) + w * e
    if not all_prime:
        # one-limb factors of complete factorisations are primes (and so is every one-limb factor
        # that passes the deterministic one-limb primality test): no refinement needed among them
        exps = coprime_weights(exps, primes=[f for f in exps if f < _ONE_LIMB and _is_prime(f)],
                               free_below=_TRIAL_BOUND)
    return {int(b): fmpq(w, D) for b, w in exps.items() if w}


# The fast path (``_independent_exponents``) factors one-limb integers completely and splits the
# multi-limb ones over the form's primes (``splitting.split_cofactors``); the primes below 100 are
# always tried too (powers of 2, 3, 5 fill the suite's large numerators and denominators).
_ALWAYS_TRIED = tuple(p for p in range(2, 100) if all(p % d for d in range(2, p)))
_SPLIT_CACHE_MAX = 1 << 17
_split_cache: dict = {}  # multi-limb integer n -> (((p, e), ...), r): n = Π p^e · r once split (r = 1: complete)
SPLIT_COFACTORS = True   # False: the previous path (coprime refinement of every factor); benchmarks
USE_TWINS = True  # False: the zero test ignores twins (LogLinear.with_twin); benchmarks


def _remember_split(n: int, factors: tuple, rest: int = 1) -> None:
    """Keep ``n = Π p^e · rest`` (found by exact division; ``rest = 1``: complete) for later forms.

    A partial split stays exact for any later form: its primes go in as primes, and ``rest`` as a
    composite key that ``coprime_weights`` refines against that form's primes and other keys."""
    if len(_split_cache) >= _SPLIT_CACHE_MAX:
        _split_cache.clear()  # a crude bound: the cache only saves work, it decides nothing
    _split_cache[n] = (factors, rest)


def _independent_exponents(terms: Mapping[tuple[fmpz, fmpz], fmpq]) -> dict[int, fmpq]:
    """``Σ c log r = Σ_b e_b log b`` over pairwise coprime integers ``b > 1``, every ``e_b ≠ 0``.

    As ``_independent_exponents_refine`` (same contract), faster on the suite's forms. Weights are
    merged per integer first (equal integers cancel outright). One-limb integers are factored
    completely (``fmpz.factor``: primes). Each multi-limb integer is divided by every prime of the
    form (and every prime below 100) that divides it (``splitting.split_cofactors``: exact division;
    the divisors are found by an exact vectorised ``c mod p``); a one-limb part left over is factored
    completely. When nothing else is left, every base is a proven prime, so the bases are pairwise
    coprime without any refinement; otherwise (a factor none of those primes accounts for) the
    leftovers and the primes go to ``coprime.coprime_weights``, the general method, which verifies its
    output pairwise coprime.
    """
    D, exps, _ = _prime_exponents(terms)
    return {b: fmpq(w, D) for b, w in exps.items()}


def _prime_exponents(terms: Mapping[tuple[fmpz, fmpz], fmpq]) -> tuple[int, dict, bool]:
    """``(D, {b: w_b}, all_prime)``: ``Σ c log r = Σ_b (w_b / D) log b`` with integer ``w_b ≠ 0``
    over pairwise coprime ``b > 1``; ``all_prime`` when every ``b`` is a proven prime (no coprime
    refinement was needed). The integer core of ``_independent_exponents``."""
    if not SPLIT_COFACTORS:
        red = _independent_exponents_refine(terms)
        D = 1
        for e in red.values():
            D = math.lcm(D, int(e.q))
        return D, {b: int(e.p) * (D // int(e.q)) for b, e in red.items()}, all(map(_is_prime, red))
    D, per_int = _integer_weights(terms)
    return _prime_exponents_of_weights(D, per_int)


def _integer_weights(terms: Mapping[tuple[fmpz, fmpz], fmpq]) -> tuple[int, dict]:
    """``(D, {m: w_m})`` with ``Σ c log r = Σ_m (w_m / D) log m``: ``D`` the lcm of the coefficients'
    denominators, ``w_m`` the integer ``Σ ±c·D`` over the terms whose numerator (+) or denominator
    (−) is ``m`` (Python ints; zero totals kept, the caller skips them)."""
    D = fmpz(1)
    for c in terms.values():
        q = c.q
        if q != 1 and D % q:
            D = D.lcm(q)
    D = int(D)
    per_int: dict = {}  # integer -> Σ ±c·D over the terms holding it
    get = per_int.get
    for (num, den), c in terms.items():
        w = int(c.p) * (D // int(c.q))
        if num != 1:
            num = int(num)
            per_int[num] = get(num, 0) + w
        if den != 1:
            den = int(den)
            per_int[den] = get(den, 0) - w
    return D, per_int


def combined_prime_exponents(parts) -> tuple[int, dict, bool]:
    """``_prime_exponents`` of ``Σ s_k · F_k`` for pairs ``(s_k, F_k)`` (fmpq scale, LogLinear), without
    building the merged form: each form's integer weights are cached on it (shared leaves are
    converted once) and added over one common denominator."""
    L, scaled = 1, []
    for s, f in parts:
        if s == 0 or not f._terms:
            continue
        D, w = f._weights()
        den = int(s.q) * D
        L = math.lcm(L, den)
        scaled.append((int(s.p), den, w))
    return _prime_exponents_of_weights(L, add_over_denominator(L, scaled))


def add_over_denominator(L: int, parts) -> dict:
    """``Σ_k (s_k / d_k) · w_k`` as integer numerators over ``L`` (every ``d_k`` divides ``L``): for
    parts ``(s_k, d_k, {key: int})``, the dict ``{key: Σ_k s_k (L / d_k) w_k[key]}``."""
    total: dict = {}
    get = total.get
    for sp, den, w in parts:
        k = sp * (L // den)
        for m, x in w.items():
            total[m] = get(m, 0) + k * x
    return total


def _prime_exponents_of_weights(D: int, per_int: dict) -> tuple[int, dict, bool]:
    """The rest of ``_prime_exponents``: from integer weights ``{m: w_m}`` over denominator ``D``."""
    exps: dict = dict.fromkeys(_ALWAYS_TRIED, 0)
    opened: dict = {}  # multi-limb integer -> weight, not yet factored
    leftover: dict = {}  # multi-limb cofactor with no prime of the form's one-limb integers -> weight
    pget = exps.get
    cache = _split_cache
    for m, w in per_int.items():
        if not w:
            continue
        if m < _ONE_LIMB:
            fac = _full_factor(m)
        else:
            hit = cache.get(m)
            if hit is None:
                opened[m] = w
                continue
            fac, r = hit
            if r != 1:
                leftover[r] = leftover.get(r, 0) + w
        for f, e in fac:
            exps[f] = pget(f, 0) + w * e
    if opened:
        # every key of exps is a prime (complete factorisations); zero totals are kept on purpose:
        # such a prime may still divide a multi-limb integer
        for (c, w), (factors, r) in zip(opened.items(), split_cofactors(list(opened), list(exps))):
            if r != 1 and r < _ONE_LIMB:  # a one-limb part: its complete factorisation is cheap
                factors, r = factors + _full_factor(r), 1
            _remember_split(c, factors, r)
            if r != 1:
                leftover[r] = leftover.get(r, 0) + w
            for p, v in factors:
                exps[p] = pget(p, 0) + w * v
    if leftover:
        leftover = {r: w for r, w in leftover.items() if w}
        if leftover:
            primes = [p for p, w in exps.items() if w]
            merged = {p: exps[p] for p in primes}
            merged.update(leftover)  # multi-limb keys; a cofactor remembered from another form may
            # hold one of these primes: coprime_weights divides the keys by the known primes first,
            # then refines shared factors (with each other, or with primes of one-limb leftovers)
            exps = coprime_weights(merged, primes=primes)
            return D, {int(b): int(w) for b, w in exps.items()}, False
    return D, {b: w for b, w in exps.items() if w}, True


def sum_of_forms(forms, scale=None) -> "LogLinear":
    """``scale · Σ_k forms[k]`` as one LogLinear; when a summand has a twin (``with_twin``), the sum
    gets the twin ``scale · Σ_k forms[k].twin()``, as parts (``twin_parts``: the summands' own parts,
    scaled): equal, since each twin is."""
    forms = list(forms)
    total = LogLinear()
    for f in forms:
        total = total + f
    if scale is not None:
        total = total * scale
    if any(f.has_twin() for f in forms):
        s = _ONE if scale is None else to_rational(scale)
        total.with_twin(parts=lambda: [(s * c, g) for f in forms for c, g in f.twin_parts()])
    return total


def form_of_parts(parts) -> "LogLinear":
    """``Σ_k s_k F_k`` merged into one LogLinear, for parts ``(s_k, F_k)``."""
    total = LogLinear()
    for c, f in parts:
        total = total + f * c
    return total


# --------------------------------------------------------------------------------------------
# the form


class LogLinear:
    """The exact real number ``c0 + Σ_k c_k log r_k`` (rational ``c0, c_k``; rational ``r_k > 0``).

    Immutable value. Storage is normalised so that equal ratios merge: terms are kept as
    ``{(num, den): c}`` with ``num/den > 1`` in lowest terms (a ratio ``r < 1`` is stored as
    ``log r = −log(1/r)``), no ratio equals 1, no coefficient is 0. Equality
    (``==``) is *exact value* equality, proved by factorisation (docs/index.md §7); forms are unhashable
    because structurally different forms can be equal (``log 4 = 2 log 2``).
    """

    __slots__ = ("_terms", "_const", "_indep", "_ired", "_iw", "_balls", "_twin", "_groups", "_cheap")

    def __init__(self, terms: Mapping | None = None, const=0):
        acc: dict[tuple[fmpz, fmpz], fmpq] = {}
        if terms:
            _accumulate(acc, terms.values(), terms.keys())
        self._terms = acc
        self._const = to_rational(const)
        self._indep = None  # cache of _independent_exponents(self._terms)
        self._ired = None  # cache of _prime_exponents(self._terms)
        self._iw = None  # cache of _integer_weights(self._terms)
        self._balls = None  # cache of enclose(prec): forms are immutable, and shared across checks
        self._twin = None  # [builder or built twin or False, prefer, parts] (``with_twin``)
        self._groups = None  # zero-test results of signed groups this form anchors (verdicts.py)
        self._cheap = None  # cache of cheap_to_reduce's scan of the ratios

    # ---- constructors

    @classmethod
    def _raw(cls, terms: dict[tuple[fmpz, fmpz], fmpq], const: fmpq) -> "LogLinear":
        """Wrap an already normalised dict without copying or re-checking it (internal)."""
        obj = cls.__new__(cls)
        obj._terms = terms
        obj._const = const
        obj._indep = None
        obj._ired = None
        obj._iw = None
        obj._balls = None
        obj._twin = None
        obj._groups = None
        obj._cheap = None
        return obj

    @classmethod
    def log(cls, r, coef=1) -> "LogLinear":
        """``coef · log r`` for a rational ``r > 0``."""
        return cls({to_rational(r): coef})

    @classmethod
    def constant(cls, c) -> "LogLinear":
        """The rational ``c`` as a form with no log terms."""
        return cls._raw({}, to_rational(c))

    @classmethod
    def from_pairs(cls, coefs, ratios, const=0) -> "LogLinear":
        """``const + Σ coefs[k] · log ratios[k]`` from two equal-length iterables (or object arrays).

        Pairs with coefficient 0 are skipped whatever their ratio (the ``0 · log 0 = 0`` convention of
        entropies); a ratio ``≤ 0`` with a nonzero coefficient raises ValueError.
        """
        if isinstance(coefs, np.ndarray):
            coefs = coefs.ravel()
        if isinstance(ratios, np.ndarray):
            ratios = ratios.ravel()
        if hasattr(coefs, "__len__") and hasattr(ratios, "__len__") and len(coefs) != len(ratios):
            raise ValueError(f"from_pairs: {len(coefs)} coefficients but {len(ratios)} ratios")
        acc: dict[tuple[fmpz, fmpz], fmpq] = {}
        _accumulate(acc, coefs, ratios)
        return cls._raw(acc, to_rational(const))

    def __getstate__(self):
        # a twin builder may be a closure (not picklable): a copy starts without it, which is safe
        # (the zero test then reduces the form itself); group results are keyed by object ids,
        # which mean nothing in another process
        return None, {k: getattr(self, k) for k in self.__slots__ if k not in ("_twin", "_groups")}

    def __setstate__(self, state):
        slots = state[1]
        for k in self.__slots__:
            setattr(self, k, slots.get(k))

    # ---- the zero test's twin

    def with_twin(self, build=None, prefer: bool = False, parts=None) -> "LogLinear":
        """This form, annotated with ``build``: a callable returning a form of *exactly the same value*
        (or None), written over smaller ratios, for the exact zero test (``twin``).

        The caller proves the equality; the twin changes neither the value nor the enclosures. Used
        where a ratio of this form is a product of ratios the other side of an identity holds on their
        own (``log Π f = Σ log f`` for rationals ``f > 0``; docs/certification.md, "Twins"): merged
        term by term, such ratios cancel as equal integers instead of going through a coprime base.
        ``prefer``: this form's own ratios are products that only a coprime base would split (an
        explicit law's values); the zero test uses twins (of every leaf that has one) only when some
        leaf prefers its twin, and otherwise reduces the forms as they are. ``parts`` (instead of, or
        besides, ``build``): a callable returning ``[(s_k, F_k)]`` whose sum is the twin
        (``twin_parts``); without ``build`` the twin is their merged sum.
        """
        if build is None:
            if parts is None:
                raise ValueError("with_twin: give build or parts")
            build = lambda: form_of_parts(self.twin_parts())  # noqa: E731
        # [builder, then the twin or False once built; prefer; parts builder, then the parts]
        self._twin = [build, bool(prefer), parts]
        return self

    def twin_parts(self) -> list:
        """The twin as ``[(s_k, F_k)]`` with ``Σ_k s_k F_k`` = the twin (so = this form): the parts given
        to ``with_twin`` (built once), else ``[(1, twin())]``. The zero test adds the parts' cached
        integer weights instead of merging them into one form per instance: shared parts (the
        memoised cross-entropies of a plan's factors) are converted once."""
        if not self.has_twin() or self._twin[2] is None:
            return [(_ONE, self.twin())]
        got = self._twin[2]
        if callable(got):
            got = self._twin[2] = list(got())
        return got

    def has_twin(self) -> bool:
        """True when ``with_twin`` gave this form a twin (built, or not yet built)."""
        return self._twin is not None and self._twin[0] is not False

    def prefers_twin(self) -> bool:
        """True when ``with_twin(..., prefer=True)`` gave this form a twin."""
        return self.has_twin() and self._twin[1]

    def twin(self) -> "LogLinear":
        """The form the exact zero test reduces: the twin of ``with_twin`` (built once), else self."""
        if not self.has_twin():
            return self
        t = self._twin[0]
        if not isinstance(t, LogLinear):  # the builder, run once (None: no twin after all)
            t = t()
            self._twin[0] = t if t is not None else False
            if t is None:
                return self
        return t  # (never ``bool(t)``: a form's truth value is its own zero test)

    # ---- read-only views

    @property
    def const(self) -> fmpq:
        """The rational part ``c0``."""
        return self._const

    @property
    def terms(self) -> Mapping[fmpq, fmpq]:
        """Read-only ``{r_k: c_k}`` (normalised: every ``r_k > 1``)."""
        return MappingProxyType({fmpq(n, d): c for (n, d), c in self._terms.items()})

    def __len__(self) -> int:
        """Number of log terms."""
        return len(self._terms)

    def is_rational(self) -> bool:
        """True iff the log part is exactly 0, i.e. the form equals the rational ``self.const``."""
        return not self._terms or not self._independent()

    # ---- arithmetic

    def __add__(self, other):
        if isinstance(other, LogLinear):
            if len(other._terms) > len(self._terms):
                big, small = other._terms, self._terms
            else:
                big, small = self._terms, other._terms
            acc = dict(big)
            for r, c in small.items():
                s = acc.get(r, _ZERO) + c
                if s == 0:
                    acc.pop(r, None)
                else:
                    acc[r] = s
            return LogLinear._raw(acc, self._const + other._const)
        if _is_rational_like(other):
            return LogLinear._raw(self._terms, self._const + to_rational(other))
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> "LogLinear":
        return LogLinear._raw({r: -c for r, c in self._terms.items()}, -self._const)

    def __pos__(self) -> "LogLinear":
        return self

    def __sub__(self, other):
        if isinstance(other, LogLinear):
            return self + (-other)
        if _is_rational_like(other):
            return LogLinear._raw(self._terms, self._const - to_rational(other))
        return NotImplemented

    def __rsub__(self, other):
        if _is_rational_like(other):
            return (-self) + other
        return NotImplemented

    def __mul__(self, other):
        # Only rational scalars: a product of two logs is not log-linear.
        if not _is_rational_like(other):
            return NotImplemented
        s = to_rational(other)
        if s == 0:
            return LogLinear._raw({}, _ZERO)
        return LogLinear._raw({r: c * s for r, c in self._terms.items()}, self._const * s)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _is_rational_like(other):
            return NotImplemented
        s = to_rational(other)
        if s == 0:
            raise ZeroDivisionError("LogLinear divided by zero")
        return self * (_ONE / s)

    # ---- exact decisions (docs/index.md §7)

    def _independent(self) -> dict[int, fmpq]:
        if self._indep is None:
            D, exps, _ = self._integer_reduction()
            self._indep = {b: fmpq(w, D) for b, w in exps.items()}
        return self._indep

    def _integer_reduction(self) -> tuple[int, dict, bool]:
        if self._ired is None:
            if SPLIT_COFACTORS:
                self._ired = _prime_exponents_of_weights(*self._weights())
            else:
                self._ired = _prime_exponents(self._terms)
        return self._ired

    def _weights(self) -> tuple[int, dict]:
        if self._iw is None:
            self._iw = _integer_weights(self._terms)
        return self._iw

    def prime_reduction(self):
        """``(c0, D, {p: w_p})`` with ``form = c0 + Σ_p (w_p / D) log p`` over proven primes ``p``
        (integers ``w_p ≠ 0``), or None when a base is not a proven prime (coprime refinement was
        needed). Reductions of several forms over primes add up to one over primes (distinct primes
        are pairwise coprime), which is how ``verdicts`` combines shared leaves."""
        D, exps, all_prime = self._integer_reduction()
        return (self._const, D, exps) if all_prime else None

    def cheap_to_reduce(self) -> bool:
        """True when ``reduced()`` is cached or every ratio has one-limb parts (complete, fast
        factorisation). A form with larger parts may need coprime refinement against primes that
        only other forms hold, so it is better reduced once, merged with them."""
        if self._indep is not None or self._ired is not None:
            return True
        if self._cheap is None:
            self._cheap = all(n < _ONE_LIMB and d < _ONE_LIMB for n, d in self._terms)
        return self._cheap

    def reduced(self) -> tuple[fmpq, dict[int, fmpq]]:
        """``(c0, {b: e_b})`` with ``form = c0 + Σ e_b log b`` over pairwise coprime integers ``b > 1``.

        Same exactness as ``canonical`` (logs of coprime integers are Q-independent) but never runs
        an expensive factorisation: bases are primes, or composites that only gcds with the form's
        other integers could split (see ``coprime.coprime_weights``).
        """
        return self._const, dict(self._independent())

    def canonical(self) -> tuple[fmpq, dict[int, fmpq]]:
        """``(c0, {p: e_p})``: the canonical form ``c0 + Σ_p e_p log p`` over primes (docs/index.md §7).

        Every numerator and denominator is factored with ``fmpz.factor`` (cached per integer).
        Composite cofactors are fully factored here, which can be slow for huge hard integers;
        ``is_zero`` does not need this step.
        """
        out: dict[int, fmpq] = {}
        for b, e in self._independent().items():
            for p, k in ((b, 1),) if _is_prime(b) else _full_factor(b):
                out[p] = out.get(p, _ZERO) + e * k
        return self._const, {p: e for p, e in sorted(out.items()) if e != 0}

    def is_zero(self) -> bool:
        """Exact: the form is 0 iff ``c0 = 0`` and every prime exponent vanishes (docs/index.md §7).

        ``c0 ≠ 0`` already proves nonzero without factoring: either the log part vanishes and the
        form is ``c0``, or ``Σ e_p log p = −c0`` would make ``e^{−c0}`` algebraic (Lindemann).
        """
        if self._const != 0:
            return False
        return not self._terms or not self._independent()

    def __eq__(self, other):
        if isinstance(other, LogLinear):
            return (self - other).is_zero()
        if _is_rational_like(other):
            return (self - other).is_zero()
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # value equality across different representations cannot be hashed cheaply

    def __bool__(self) -> bool:
        return not self.is_zero()

    # ---- enclosure and sign

    def enclose(self, prec: int) -> arb:
        """Rigorous ball for the form at ``prec`` bits working precision.

        ``arb(c0) + Σ_k arb(c_k) · log r_k``, one ball log of an exact rational per term (never a
        difference of separately rounded entropies); the ball sum carries every rounding error.
        """
        prec = int(prec)
        if self._balls is not None and prec in self._balls:
            return self._balls[prec]
        with working_precision(prec):
            total = arb(self._const)
            for (n, d), c in self._terms.items():
                total += log_of_rational(n, d) * arb(c)
        if self._balls is None:
            self._balls = {}
        self._balls[prec] = total
        return total

    def __float__(self) -> float:
        """Nearest-ish float, for display only (never for a decision).

        Midpoint of an enclosure whose precision rises from 64 bits until the ball carries 53
        correct relative bits: a fixed 64-bit ball of a tiny form (``log(1+1/N) − 1/N``) has a
        midpoint that is pure rounding noise.
        """
        if not self._terms:
            return float(Fraction(int(self._const.p), int(self._const.q)))  # correctly rounded
        prec, ball = 64, None
        while prec <= _FLOAT_PREC_CAP:
            ball = self.enclose(prec)
            if ball.rel_accuracy_bits() >= 53:
                break
            # Only a ball around 0 can hide an exact zero; a nonzero form converges by raising
            # precision, and the zero test (factorisation) is slow on large forms.
            if prec == 64 and ball.contains(0) and self.is_zero():
                return 0.0
            prec *= 2
        return float(ball.mid())

    def sign(self, prec_start: int = 64, prec_cap: int = 8192) -> int:
        """Exact sign −1 / 0 / +1.

        0 iff ``is_zero()``; otherwise the precision doubles from ``prec_start`` until the enclosure
        excludes 0, which always happens for a nonzero form (docs/index.md §7). The zero test runs only
        once the first enclosure straddles 0, so clear-cut signs never factor anything.
        Raises ``PrecisionExhausted`` if ``prec_cap`` is reached first.
        """
        if not self._terms:
            c = self._const
            return (c > 0) - (c < 0)
        prec = max(2, int(prec_start))
        cap = max(prec, int(prec_cap))
        zero_checked = False
        while True:
            ball = self.enclose(prec)
            if ball > 0:
                return 1
            if ball < 0:
                return -1
            if not zero_checked:
                if self.is_zero():
                    return 0
                zero_checked = True
            if prec >= cap:
                raise PrecisionExhausted(
                    f"sign of a nonzero log-linear form not settled at {cap} bits "
                    f"(enclosure {ball.str(10)}); raise prec_cap"
                )
            prec = min(2 * prec, cap)

    # ---- display

    def __repr__(self) -> str:
        shown = 6
        parts = []
        if self._const != 0 or not self._terms:
            parts.append(str(self._const))
        for i, ((n, d), c) in enumerate(self._terms.items()):
            r = n if d == 1 else f"{n}/{d}"
            if i == shown:
                parts.append(f"... ({len(self._terms) - shown} more terms)")
                break
            parts.append(f"log({r})" if c == 1 else f"-log({r})" if c == -1 else f"{c}*log({r})")
        body = " + ".join(parts).replace("+ -", "- ")
        return f"LogLinear({body})"


def _accumulate(acc: dict[tuple[fmpz, fmpz], fmpq], coefs: Iterable, ratios: Iterable) -> None:
    """Add ``Σ c·log r`` into ``acc`` in place, keyed by ``(num, den)`` of ``r > 1``; drop zeros.

    Hot loop of ``from_pairs`` (tens of thousands of pairs). Keys are fmpz pairs rather than fmpq
    because ``hash(fmpq)`` is Python's rational hash (a modular inverse: ~2 µs, ~10 µs for 40-digit
    entries) while hashing a pair of fmpz is ~0.5 µs.
    """
    get = acc.get
    for c, r in zip(coefs, ratios, strict=True):
        if type(c) is not fmpq:
            c = to_rational(c)
        if not c:  # 0 · log r = 0 for any r, including r = 0
            continue
        if type(r) is not fmpq:
            r = to_rational(r)
        p, q = r.p, r.q  # fmpq is kept in lowest terms with q > 0
        if p <= 0:
            raise ValueError(f"log of non-positive ratio {r} with nonzero coefficient {c}")
        if p == q:
            continue
        if p < q:  # log r = −log(1/r): one key per ratio pair so they cancel exactly
            key = (q, p)
            c = -c
        else:
            key = (p, q)
        acc[key] = get(key, _ZERO) + c
    for r in [r for r, c in acc.items() if c == 0]:
        del acc[r]
