"""Compiled float kernel of one DP block transition (numba), used by ``layers.advance``.

Imported lazily, and only for float layers above ``layers.COMPILED_MIN_OPS`` products: importing
numba costs a few tenths of a second, and exact mode never comes here (fmpq stays in numpy
object arrays). ``kernel()`` returns None when numba is not installed; ``layers.advance`` then
runs its numpy path, which computes the same sums (to rounding).

For one rank pattern P (``layers.patterns``), with b the code of x_B and d that of x_D
(digits of P in order, the first most significant):

    out[A, dpart[d] + bpart[b]] += w · g[Bidx[A], b] · Π_k cond[Aidx[k, A], r_k, d_k, b]

on *batch-first* copies of the layers (set index first, values contiguous), sets A outermost and
all patterns inside: for one A the kernel streams through contiguous rows of g and of the
conditionals and accumulates into one row of out that stays in cache. The q^s products of one
(A, pattern) are vectors over x_B built by prefix doubling, about one multiply each.
"""
from __future__ import annotations

import numpy as np

_KERNEL = None
_TRIED = False


def kernel():
    """The compiled pattern kernel, or None without numba."""
    global _KERNEL, _TRIED
    if not _TRIED:
        _TRIED = True
        try:
            import numba
        except ImportError:
            return None
        _KERNEL = numba.njit(cache=True, nogil=True, fastmath=False)(_pattern_kernel)
    return _KERNEL


def _pattern_kernel(gT, condT, Bidx, Aidx, rk, dpart, bpart, w, out, q):
    """All patterns of one transition, sets A outermost (batch-first layouts, see module doc).

    gT (C(L,n), q^n); condT (C(L,n+1), n+1, q, q^n); Bidx (patterns, C(L,a));
    Aidx (patterns, s, C(L,a)); rk (patterns, s); out (C(L,a), q^a); the code of x_A is
    dpart[p, d] + bpart[p, b] (the digits of D and of B at their ranks in A).
    The products of one (A, pattern) are vectors over x_B (contiguous, so they vectorise).
    """
    npat, qs = dpart.shape
    qn = bpart.shape[1]
    s = rk.shape[1]
    Ca = out.shape[0]
    prod = np.empty((max(qs // q, 1), qn))
    for A in range(Ca):
        orow = out[A]
        for p in range(npat):
            grow = gT[Bidx[p, A]]
            first = prod[0]
            for b in range(qn):
                first[b] = w * grow[b]
            size = 1
            for k in range(s - 1):
                crow = condT[Aidx[p, k, A], rk[p, k]]
                for j in range(size - 1, -1, -1):
                    src = prod[j]
                    for x in range(q - 1, -1, -1):
                        dst = prod[j * q + x]
                        cx = crow[x]
                        for b in range(qn):
                            dst[b] = src[b] * cx[b]
                size *= q
            # the last factor goes straight into the output row
            crow = condT[Aidx[p, s - 1, A], rk[p, s - 1]]
            bp = bpart[p]
            for j in range(size):
                src = prod[j]
                for x in range(q):
                    cx = crow[x]
                    dst = orow[dpart[p, j * q + x]:]
                    for b in range(qn):
                        dst[bp[b]] += src[b] * cx[b]
