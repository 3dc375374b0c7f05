"""Split trial-division cofactors over known primes: the fast path of the exact zero test.

The zero test (docs/certification.md, "Splitting cofactors over the form's primes") factors each
numerator and denominator of a log-linear form by trial division; a multi-limb integer leaves a
cofactor ``c`` that may be composite. In the suite's forms such a cofactor is almost always a product
of primes that the form already holds (complete factorisations of its one-limb integers: the big
integers are products of a law's "atoms", which also occur on their own). ``split_cofactors`` finds,
for every cofactor, which of those primes divide it, then removes them by exact division:

    c = Π_p p^{v_p(c)} · r        (every p | c found, r coprime to all the given primes)

Finding the divisors is the only fast part, and it is exact: ``c mod p`` for every pair (cofactor,
prime) by Horner's rule on 16-bit digits in numpy ``uint64``. With ``p < 2^48`` every intermediate
``r·2^16 + d`` is below ``2^64`` (``r < p``), so no step wraps and ``c mod p == 0`` iff ``p | c``.
Primes of ``2^48`` or more (none in the suite so far) are tested with Python integers. Whatever the
finder reports, the factorisation itself comes from exact division (``divmod``), so a wrong report
could only leave a factor in ``r``: ``r`` then goes to the coprime refinement, never to a verdict.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["divisor_lists", "split_cofactors"]

_MAX_CELLS = 1 << 21  # cofactors are processed in blocks of at most this many (cofactor, prime) cells
# (digit bits, prime bound): with p < bound and r < p, r·2^bits + d < 2^64, so no Horner step wraps
_WIDTHS = ((32, 1 << 32), (16, 1 << 48))
_DTYPES = {32: ">u4", 16: ">u2"}


def _digits(xs: list, n_digits: int, bits: int) -> np.ndarray:
    """``(len(xs), n_digits)`` uint64 array of base-2^bits digits, most significant first (zero padded)."""
    nbytes = n_digits * bits // 8
    raw = b"".join(x.to_bytes(nbytes, "big") for x in xs)
    return np.frombuffer(raw, dtype=_DTYPES[bits]).reshape(len(xs), n_digits).astype(np.uint64)


def _residues_zero(xs: list, primes: np.ndarray, bits: int) -> np.ndarray:
    """Boolean ``(len(xs), len(primes))``: ``primes[j] | xs[i]`` by Horner's rule on base-2^bits
    digits (every prime below the bound that ``_WIDTHS`` pairs with ``bits``; xs ``≥ 0``)."""
    n_digits = max(1, -(-max(x.bit_length() for x in xs) // bits))
    dig = _digits(xs, n_digits, bits)
    shift = np.uint64(bits)
    r = dig[:, :1] % primes  # broadcasts to (n, m)
    for k in range(1, n_digits):  # in place: r = (r·2^bits + d) mod p
        np.left_shift(r, shift, out=r)
        np.bitwise_or(r, dig[:, k:k + 1], out=r)
        np.remainder(r, primes, out=r)
    return r == 0


def divisor_lists(xs: list, primes: list) -> list:
    """For each ``x`` of ``xs``, the list of the ``primes`` dividing it (Python ints, ``xs ≥ 1``,
    ``primes ≥ 2``; in the order of ``primes`` within each width group of ``_WIDTHS``)."""
    out: list = [[] for _ in xs]
    if not xs or not primes:
        return out
    lo_bound = 0
    for bits, bound in _WIDTHS:
        group = [p for p in primes if lo_bound <= p < bound]
        lo_bound = bound
        if not group:
            continue
        parr = np.array(group, dtype=np.uint64)[None, :]
        block = max(1, _MAX_CELLS // len(group))
        for lo in range(0, len(xs), block):
            rows, js = np.nonzero(_residues_zero(xs[lo:lo + block], parr, bits))
            for i, j in zip((rows + lo).tolist(), js.tolist()):
                out[i].append(group[j])
    large = [p for p in primes if p >= lo_bound]
    if large:
        for x, ps in zip(xs, out):
            ps.extend(p for p in large if x % p == 0)
    return out


def _remove(q: int, p: int) -> tuple[int, int]:
    """``(v, q / p^v)`` with ``v = v_p(q)`` for ``q ≥ 1`` and a prime ``p``.

    ``p^N > q`` for ``N = ⌊bits(q) / (bits(p) − 1)⌋ + 1``, so ``gcd(q, p^N) = p^v`` in one gcd; ``v``
    is read off a float logarithm and then checked exactly (``p^v`` must equal that gcd), so the
    float only guesses and the exact comparison decides.
    """
    if p == 2:  # the trailing zero bits of q (q ≥ 1)
        v = (q & -q).bit_length() - 1
        return v, q >> v
    pv = math.gcd(q, p ** (q.bit_length() // (p.bit_length() - 1) + 1))
    if pv == 1:
        return 0, q
    v = max(1, round(math.log(pv) / math.log(p)))
    while p**v > pv:
        v -= 1
    while p**v < pv:
        v += 1
    if p**v != pv:
        raise AssertionError("internal error: gcd with a prime power is not a power of that prime")
    return v, q // pv


def split_cofactors(cofactors: list, primes: list) -> list:
    """``[(factors, r)]`` per cofactor ``c``: ``c = Π p^v · r`` over ``factors = ((p, v), …)`` (every
    prime of ``primes`` dividing ``c``) and ``r`` coprime to all of ``primes``.

    ``cofactors``: Python ints ``> 1``; ``primes``: distinct Python primes. The primes found dividing
    ``c`` multiply to ``g``, and ``c = g · q`` by exact division (checked: a zero remainder); the
    primes of ``h = gcd(q, g)`` (usually none; 2, 3, 5 in high powers otherwise) divide ``c`` again,
    and their whole remaining power is taken out of ``q`` by ``_remove``. Every step is exact integer
    arithmetic, so the identity holds whatever ``divisor_lists`` reports.
    """
    out: list = []
    gcd = math.gcd
    for x, ps in zip(cofactors, divisor_lists(cofactors, primes)):
        if not ps:
            out.append(((), x))
            continue
        g = 1
        for p in ps:
            g *= p
        q, m = divmod(x, g)
        if m:
            raise AssertionError("internal error: a reported divisor does not divide its cofactor")
        h = gcd(q, g)
        if h == 1:  # the usual case: every prime divides c once
            out.append((tuple((p, 1) for p in ps), q))
            continue
        factors = []
        for p in ps:  # h's primes divide c again: take out their whole power at once
            if h % p:
                factors.append((p, 1))
            else:
                v, q = _remove(q, p)
                factors.append((p, v + 1))
        out.append((tuple(factors), q))
    return out
