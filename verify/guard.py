"""The resource guard: every target family and sampler is sized from its parameters before
anything is built, and refused (``TooLarge``, exit 2) with the estimate when over the limit.

Estimates (bytes; float64 = 8 per number, an exact fmpq ≈ 120):

- engine, any target: q^L joint entries plus 3·(q+1)^L partial-assignment entries (subset
  marginals and one DP layer hold at most Σ_k C(L,k) q^k = (q+1)^L numbers);
- ``hmm``: the forward recursion holds q^L · states numbers (twice, while multiplying) and the
  states × states transition matrix;
- ``mixture``: every component law at once (components · q^L) plus each component's own cost;
- ``file``: a JSON law is parsed whole (≈ 40 bytes per byte of file);
- ``mdm``: (N+1)(L+1) size nodes and N·(L+1)(L+2)/2 transitions of ≈ 250 bytes each.

The limit is ``VERIFY_MAX_BYTES`` (a positive number of bytes, ``inf`` for none; default 8 GiB).
Accepted runs whose estimate exceeds PROGRESS_BYTES print one progress line per stage on stderr.
"""
from __future__ import annotations

import math
import os
import sys

from .errors import SpecError, TooLarge, shorten

BYTES_FLOAT = 8
BYTES_EXACT = 120
BYTES_TRANSITION = 250
DEFAULT_MAX_BYTES = 8 * 2**30
PROGRESS_BYTES = 64 * 2**20


def max_bytes() -> float:
    """Memory limit for one instance (env ``VERIFY_MAX_BYTES``, default 8 GiB)."""
    raw = os.environ.get("VERIFY_MAX_BYTES")
    if raw is None or not raw.strip():
        return DEFAULT_MAX_BYTES
    accepted = "a positive number of bytes such as 4e9, or inf"
    try:
        v = float(raw)
    except ValueError:
        raise SpecError("VERIFY_MAX_BYTES", f"{shorten(repr(raw))} is not a number", accepted) from None
    if math.isnan(v) or v <= 0:
        raise SpecError("VERIFY_MAX_BYTES", f"{shorten(repr(raw))} is not positive", accepted)
    return v


def per_number(exact: bool) -> int:
    return BYTES_EXACT if exact else BYTES_FLOAT


def power(base: float, exp: float) -> float:
    """base**exp as a float, +inf instead of OverflowError."""
    try:
        return float(base) ** exp
    except OverflowError:
        return math.inf


def engine_bytes(q: int, L: int, exact: bool = False) -> float:
    """Working memory of the engine on a (q, L) instance, before anything is allocated.

    joint q^L + marginal layers Σ_k C(L,k) q^k = (q+1)^L (every subset marginal, cached once) +
    the exact DP at its heaviest size node (docs/engine.md): one conditional layer
    max_n (L−n) q^{n+1} C(L,n) and five DP layers of at most max_n C(L,n) q^n numbers (the
    node's own, a child, the returned layer and two products), with 25 % allocator slack.
    A schedule whose DP keeps more alive (mdm keeps two steps of layers) is checked again, with
    its own figure, by ``laws.mixture_law`` before it allocates.
    """
    from math import comb

    joint, marg = power(q, L), power(q + 1, L)
    if L <= 256 and q <= 2**20:
        layer = float(max(comb(L, n) * q**n for n in range(L + 1)))
        cond = float(max((L - n) * q ** (n + 1) * comb(L, n) for n in range(L)))
    else:  # the sums' bounds; these overflow a float long before L = 256 matters
        layer, cond = marg, L * q * marg
    return per_number(exact) * (joint + marg + 1.25 * (cond + 5 * layer))


def refuse(field: str, what: str, nbytes: float, accepted: str = "smaller q or L") -> float:
    """TooLarge when ``nbytes`` exceeds the limit; returns the estimate otherwise."""
    limit = max_bytes()
    if not nbytes <= limit:  # also catches inf and nan
        raise TooLarge(field, what, nbytes, limit, accepted)
    return nbytes


def refuse_engine(q: int, L: int, exact: bool = False, field: str = "target") -> float:
    kind = "exact" if exact else "float"
    return refuse(field, f"q={q}, L={L} ({kind}: q^L={power(q, L):.3g} joint entries, "
                  f"(q+1)^L={power(q + 1, L):.3g} partial-assignment states)", engine_bytes(q, L, exact))


def mdm_bytes(N: int, L: int) -> float:
    return BYTES_TRANSITION * (float(N) + 1) * (L + 1) * (L + 2) / 2


def progress(message: str, nbytes: float) -> None:
    """One line on stderr for a stage of a long accepted run."""
    if nbytes > PROGRESS_BYTES:
        print(f"verify: {message} (estimated {_human(nbytes)})", file=sys.stderr, flush=True)


def _human(n: float) -> str:
    from .errors import _human as h

    return h(n)
