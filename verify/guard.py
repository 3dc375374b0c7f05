"""The resource guard: every engine (enumeration, adaptive, profile) and every target family and
sampler is sized from its parameters before anything is built, in **memory** and in **time**, and
refused (``TooLarge`` / ``TooSlow``, exit 2) with the estimate in one line when over a limit.

Memory (bytes; float64 = 8 per number, an exact fmpq ≈ 120):

- enumeration engine, any target: q^L joint entries plus 3·(q+1)^L partial-assignment entries
  (subset marginals and one DP layer hold at most Σ_k C(L,k) q^k = (q+1)^L numbers);
- adaptive engine: (2L + 4)·(q+1)^L state weights and cached conditionals plus (1 + 2L)·q^L;
- ``hmm``: the forward recursion holds q^L · states numbers (three at once) and the seeded
  states × states matrix with about ten float temporaries while it is drawn;
- ``mixture``: every component law at once (components · q^L) plus each component's own cost;
- ``file``: a JSON law is parsed whole (≈ 40 bytes per byte of file);
- ``mdm``: (N+1)(L+1) size nodes and N·(L+1)(L+2)/2 transitions of ≈ 320 bytes each;
- profile engine (``profile_cost``): a chain's float coefficient matrix (L+1)×(2L−1) with its
  temporaries, its exact basis (≈ 3 L² q² rationals of d·b bits, d ≤ L, b the bits of P), and the
  size law's start weights (``size_law_cost``).

Time: operation counts turned into seconds with three documented constants, calibrated on a
loaded 2-core machine by ``benchmarks/bench_guard.py`` (an order-of-magnitude estimate, not a bound):
``SECONDS_PER_FLOAT`` for one float64 element operation in numpy, ``SECONDS_PER_EXACT`` for one fmpq
operation in an object array, ``SECONDS_PER_STEP`` for one Python-level loop step. Counts:

- enumeration: 4 float (or 3 exact) operations per unit, (transitions + L)·(q+1)^L units;
- adaptive: 100 float (or 10 exact) operations per unit, (2L + 4)·(q+1)^L units;
- building a target: L·q^L numbers (hmm: q^L·states² multiply-adds, Dirichlet draws of states²);
- profile engine and size laws: ``profile_cost`` and ``size_law_cost``;
- ``search``: ``SEARCH_SECONDS_PER_EXAMPLE`` per example.

Limits: ``VERIFY_MAX_BYTES`` (a positive number of bytes, ``inf`` for none; default 8 GiB) and
``VERIFY_MAX_SECONDS`` (a positive number of seconds, ``inf`` for none; default 3600, about an hour
of estimated work). Every figure is a Python int or a float that saturates at ``inf`` (counts are
formed in log space where they could overflow), so the guard itself never overflows.
Accepted runs whose estimate exceeds ``PROGRESS_SECONDS`` (or ``PROGRESS_BYTES``) print one progress
line per stage on stderr — only after every input has been checked, so never before an error line.
"""
from __future__ import annotations

import math
import os
import sys

from .errors import SpecError, TooLarge, shorten

BYTES_FLOAT = 8
BYTES_EXACT = 120
BYTES_TRANSITION = 320  # measured: mdm:N=2000 at L = 4 peaks 8.8 MiB above start-up (30,000 transitions)
DEFAULT_MAX_BYTES = 8 * 2**30
PROGRESS_BYTES = 1 * 2**30

# Time constants (seconds), calibrated by benchmarks/bench_guard.py on a loaded 2-core machine.
SECONDS_PER_FLOAT = 1e-8    # one float64 element operation inside numpy (memory-bound, shared cores)
SECONDS_PER_EXACT = 1e-6    # one fmpq operation in an object array (Python dispatch included)
SECONDS_PER_STEP = 3e-7     # one Python-level loop step (an int addition, a dict update)
SECONDS_PER_LIMB = 2e-9     # one 64-bit limb of a big-integer addition or copy
SECONDS_PER_EXACT_BIT = 1e-8  # one bit of an fmpq product or sum of big operands (gcd reduction included)
SEARCH_SECONDS_PER_EXAMPLE = 0.05
DEFAULT_MAX_SECONDS = 3600.0
PROGRESS_SECONDS = 10.0


def _limit(name: str, default: float, unit: str) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    accepted = f"a positive number of {unit} such as 4e9, or inf"
    try:
        v = float(raw)
    except ValueError:
        raise SpecError(name, f"{shorten(repr(raw))} is not a number", accepted) from None
    if math.isnan(v) or v <= 0:
        raise SpecError(name, f"{shorten(repr(raw))} is not positive", accepted)
    return v


def max_bytes() -> float:
    """Memory limit for one instance (env ``VERIFY_MAX_BYTES``, default 8 GiB)."""
    return _limit("VERIFY_MAX_BYTES", DEFAULT_MAX_BYTES, "bytes")


def max_seconds() -> float:
    """Estimated-work limit for one run (env ``VERIFY_MAX_SECONDS``, default 3600 s)."""
    return _limit("VERIFY_MAX_SECONDS", DEFAULT_MAX_SECONDS, "seconds")


class TooSlow(SpecError):
    """An instance whose estimated work exceeds ``VERIFY_MAX_SECONDS``, refused before it starts."""

    def __init__(self, field: str, what: str, seconds: float, limit: float, accepted: str = "smaller q or L"):
        super().__init__(field, f"{what} needs about {human_seconds(seconds)} of work, over the limit of "
                         f"{human_seconds(limit)}", f"{accepted} (raise the limit with VERIFY_MAX_SECONDS)")
        self.seconds = seconds


def human_seconds(t: float) -> str:
    if t != t or t == math.inf:
        return "over 1e308 s"
    if t < 120:
        return f"{t:.2g} s"
    if t < 7200:
        return f"{t / 60:.0f} min"
    if t < 3 * 86400:
        return f"{t / 3600:.1f} h"
    days = t / 86400
    return f"{days:.0f} days" if days < 1e6 else f"{days:.2g} days"


def per_number(exact: bool) -> int:
    return BYTES_EXACT if exact else BYTES_FLOAT


def seconds_per_op(exact: bool) -> float:
    return SECONDS_PER_EXACT if exact else SECONDS_PER_FLOAT


def as_float(n) -> float:
    """A Python int (or float) as a float, +inf instead of OverflowError."""
    try:
        return float(n)
    except OverflowError:
        return math.inf


def power(base: float, exp: float) -> float:
    """base**exp as a float, +inf instead of OverflowError (in log space: no huge int is formed)."""
    base, exp = float(base), float(exp)
    if base <= 0 or exp == 0:
        return float(base) ** exp if base > 0 or exp > 0 else 1.0
    lg = exp * math.log(base)
    return math.inf if lg > 709 else math.exp(lg)


def log_comb(n: int, k: int) -> float:
    """log C(n, k) by lgamma (no big integer)."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _exp(lg: float) -> float:
    return math.inf if lg > 709 else math.exp(lg)


def engine_bytes(q: int, L: int, exact: bool = False) -> float:
    """Working memory of the engine on a (q, L) instance, before anything is allocated.

    joint q^L + marginal layers Σ_k C(L,k) q^k = (q+1)^L (every subset marginal, cached once) +
    the exact DP at its heaviest size node (docs/engine.md): one conditional layer
    max_n (L−n) q^{n+1} C(L,n) and five DP layers of at most max_n C(L,n) q^n numbers (the
    node's own, a child, the returned layer and two products), with 25 % allocator slack.
    The maxima are taken in log space (``mds:q=257,L=256`` has layers of 2000-bit sizes).
    A schedule whose DP keeps more alive (mdm keeps two steps of layers) is checked again, with
    its own figure, by ``laws.mixture_law`` before it allocates.
    """
    joint, marg = power(q, L), power(q + 1, L)
    if L <= 4096:
        lq = math.log(q)
        layer = _exp(max(log_comb(L, n) + n * lq for n in range(L + 1)))
        cond = _exp(max(math.log(L - n) + (n + 1) * lq + log_comb(L, n) for n in range(L)))
    else:  # the sums' bounds
        layer, cond = marg, L * q * marg
    return per_number(exact) * (joint + marg + 1.25 * (cond + 5 * layer))


def enumeration_seconds(q: int, L: int, transitions: int = 0, exact: bool = False) -> float:
    """Estimated work of the enumeration engine: (transitions + L)·(q+1)^L units of 4 float (or 3
    exact) operations — every size-node transition of a schedule touches about one layer of
    partial assignments, and the measures themselves about L of them — plus ≈ 0.3 ms of call
    overhead per transition (measured: mdm:N=500 at L = 4, 3750 transitions, 7 s of DP)."""
    units = (float(transitions) + L) * power(q + 1, L)
    per_call = 1000 * SECONDS_PER_STEP * float(transitions)  # each transition is a few numpy calls (≈ 0.3 ms)
    return units * (3 * SECONDS_PER_EXACT if exact else 4 * SECONDS_PER_FLOAT) + per_call


def adaptive_bytes(q: int, L: int, exact: bool = False) -> float:
    """Memory of the adaptive engine (``engine/adaptive.py``): the state weights g, ρ and the cached
    full-form conditionals, (2L + 4)·(q+1)^L numbers, plus (1 + 2L)·q^L for the joint and its
    marginals, with 25 % slack. (Measured: dirichlet:L=14 peaks at 0.94 GiB above start-up.)"""
    n = (2 * L + 4) * power(q + 1, L) + (1 + 2 * L) * power(q, L)
    return 1.25 * per_number(exact) * n


def adaptive_seconds(q: int, L: int, exact: bool = False) -> float:
    """Estimated work of the adaptive engine: (2L + 4)·(q+1)^L units of 100 float (10 exact) operations."""
    units = (2 * L + 4) * power(q + 1, L)
    return units * (10 * SECONDS_PER_EXACT if exact else 100 * SECONDS_PER_FLOAT)


def refuse(field: str, what: str, nbytes: float, accepted: str = "smaller q or L") -> float:
    """TooLarge when ``nbytes`` exceeds the limit; returns the estimate otherwise."""
    limit = max_bytes()
    if not nbytes <= limit:  # also catches inf and nan
        raise TooLarge(field, what, nbytes, limit, accepted)
    return nbytes


def refuse_seconds(field: str, what: str, seconds: float, accepted: str = "smaller q or L") -> float:
    """TooSlow when the estimated ``seconds`` of work exceed ``VERIFY_MAX_SECONDS``; returns the estimate."""
    limit = max_seconds()
    if not seconds <= limit:
        raise TooSlow(field, what, seconds, limit, accepted)
    return seconds


def refuse_cost(field: str, what: str, nbytes: float, seconds: float, accepted: str = "smaller q or L") -> tuple:
    """Memory first, then time; returns (bytes, seconds)."""
    return refuse(field, what, nbytes, accepted), refuse_seconds(field, what, seconds, accepted)


def refuse_engine(q: int, L: int, exact: bool = False, field: str = "target") -> float:
    kind = "exact" if exact else "float"
    return refuse(field, f"q={q}, L={L} ({kind}: q^L={power(q, L):.3g} joint entries, "
                  f"(q+1)^L={power(q + 1, L):.3g} partial-assignment states)", engine_bytes(q, L, exact))


def mdm_bytes(N: int, L: int) -> float:
    return BYTES_TRANSITION * (as_float(N) + 1) * (L + 1) * (L + 2) / 2


def mdm_seconds(N: int, L: int) -> float:
    """Building mdm's size-node graph: N·(L+1)(L+2)/2 transitions, each a binomial term in fmpq."""
    return 4 * SECONDS_PER_EXACT * as_float(N) * (L + 1) * (L + 2) / 2


def refuse_mdm(N: int, L: int, field: str) -> tuple:
    """mdm builds (N+1)(L+1) nodes and N(L+1)(L+2)/2 transitions: sized (memory, time) before building."""
    return refuse_cost(field, f"mdm with N={shorten(str(N))} steps at L={L}", mdm_bytes(N, L), mdm_seconds(N, L),
                       "fewer steps N (or a shorter pi)")


def progress(message: str, nbytes: float = 0.0, seconds: float | None = None) -> None:
    """One line on stderr for a stage of a long accepted run (call it only once every input of the
    run has been checked, so that no progress line ever precedes an error line)."""
    long_run = (seconds is not None and seconds > PROGRESS_SECONDS) or nbytes > PROGRESS_BYTES
    if long_run:
        est = [human(nbytes)] if nbytes else []
        if seconds is not None:
            est.append(human_seconds(seconds))
        print(f"verify: {message} (estimated {', '.join(est)})", file=sys.stderr, flush=True)


def human(n: float) -> str:
    from .errors import _human as h

    return h(n)


_human = human


# --- the profile engine (verify/engine/profile/) -------------------------------------------

def profile_cost(kind: str, q: int, L: int, exact: bool, bits: int = 1) -> tuple:
    """(bytes, seconds) of a closed-form profile and one functional of it (``profile/entropy.py``),
    above the process's start-up.

    ``kind`` "scalar" (product, mds, copy: one basis entropy, O(L·q) numbers) or "chain" (the gap
    formula: 2L − 1 basis entropies), ``bits`` the largest bit size of a numerator or denominator
    of the chain's start law and transition matrix. A chain always builds its exact basis (H, TC,
    DTC are given exactly): for each gap d < L, q² pairs (M_d(x)·P^d(x, y), P^d(x, y)) of about
    (2L + d)·bits bits, so 3 q² L² bits in all, held twice while folded into a log-linear form, and
    about 10 ns of work per bit (fmpq products and reductions; calibrated). The float path then
    holds the (L+1)×(2L−1) coefficient matrix with its log-binomial temporaries (eight such arrays,
    after the exact basis is released: the peak is the larger of the two); the exact path adds
    the binomial transforms of ``fold_dense``: L² additions of integers of about 4L + 64 bits.
    """
    L, q = int(L), int(q)
    if kind == "scalar":
        n = 4.0 * L * q
        return BYTES_EXACT * n + 2**20, SECONDS_PER_EXACT * 10 * n
    bits = max(1, int(bits))
    LL, qq = float(L) * L, float(q) * q
    basis_bits = 3 * qq * LL * bits
    exact_part = 2 * basis_bits / 8 + 6 * qq * L * BYTES_EXACT
    seconds = SECONDS_PER_EXACT * (qq * q * L + 20 * qq * L) + SECONDS_PER_EXACT_BIT * basis_bits
    if exact:
        w_bits = 4 * L + 64
        nbytes = exact_part + 3 * L * (w_bits / 8 + 32)
        seconds += LL * (SECONDS_PER_STEP + SECONDS_PER_LIMB * w_bits / 64)
    else:
        nbytes = max(exact_part, BYTES_FLOAT * (8 * (L + 1.0) * L + 3 * qq * L + 4 * q * L))
        seconds += SECONDS_PER_FLOAT * (40 * (L + 1.0) * L + 2 * qq * q * L)
    return nbytes, seconds


def binomial_cost(N: int, L: int, exact: bool) -> tuple:
    """(bytes, seconds) of mdm:N's size law in the profile engine (``sizelaws.binomial``): N step
    probabilities and their N prefix sums as Python Fractions (≈ 250 bytes per step; the prefix sums
    cost N²/2 Fraction additions of ≈ 10 µs: measured 125,000 in 4.5 s at N = 500), then the start weights: exactly, 4 N L additions of
    integers of L·log2 N bits (``_binomial_uniform_exact``); in floats, N passes over length-L arrays."""
    N, L = as_float(N), int(L)
    nbytes = 250.0 * N
    seconds = 10 * SECONDS_PER_EXACT * N * N / 2
    bits = L * math.log2(max(N, 2.0)) + 64
    if exact:
        nbytes += 4 * L * (bits / 8 + 32)
        seconds += 4 * N * L * (SECONDS_PER_STEP + SECONDS_PER_LIMB * bits / 64)
    else:
        seconds += N * (30 * 2e-6 + 10 * L * SECONDS_PER_FLOAT)
    return nbytes, seconds


def refuse_binomial(N: int, L: int, field: str, exact: bool = True) -> tuple:
    return refuse_cost(field, f"the size law of mdm with N={shorten(str(N))} steps at L={L}",
                       *binomial_cost(N, L, exact), "fewer steps N")


def uniform_cost(K: int, L: int) -> tuple:
    """(bytes, seconds) of ``law=uniform,K``'s exact start weights: L binomials C(n−1, K−1) of up to
    log2 C(L−1, K−1) bits each (computed and divided once)."""
    K, L = int(K), int(L)
    bits = (log_comb(L - 1, K - 1) / math.log(2) if 1 <= K <= L else 0.0) + 64
    nbytes = 3.0 * L * (bits / 8 + BYTES_EXACT)
    seconds = L * (SECONDS_PER_EXACT * 4 + SECONDS_PER_LIMB * bits / 64 * max(1.0, math.log2(K + 1)))
    return nbytes, seconds


def graph_law_cost(nodes: float, transitions: float, bits: float = 0.0) -> tuple:
    """(bytes, seconds) of a size law built as a size-node graph (grow, shrink, explicit lists):
    ≈ 1 KiB and 20 Python-level steps per node and per transition, and, when each step's
    probability has ``bits`` bits (randomized rounding of r·n), exact path probabilities of up to
    nodes·bits bits in the forward pass (one per node, one product per transition at
    ``SECONDS_PER_EXACT_BIT``; measured: shrink r=1/1000 randomized at L = 10⁵ takes 260 s)."""
    n = as_float(nodes) + as_float(transitions)
    grown = as_float(nodes) * float(bits)
    nbytes = 1024.0 * n + as_float(nodes) * grown / 8
    seconds = 20 * SECONDS_PER_STEP * n + as_float(transitions) * SECONDS_PER_EXACT_BIT * grown
    return nbytes, seconds


def odds_cost(rho_bits: int, log1p_rho: float, L: int) -> tuple:
    """(bytes, seconds) of ``law=odds,rho``: T ≤ min(L, 2 ln L / ln(1+ρ) + 2) steps, step t holding
    the odds (1+ρ)^t / (L−1), a rational of t·b bits (b = bits of 1+ρ), with a quadratic-time gcd
    per step (Python's Fraction): Σ_t (t b / 30)² digit operations."""
    L = int(L)
    T = float(L) if log1p_rho <= 0 else min(float(L), 2 * math.log(max(L, 2)) / log1p_rho + 2)
    b = float(rho_bits) + 64
    nbytes = 4 * T * b / 8 + 1024.0 * T
    seconds = 20 * SECONDS_PER_STEP * T + 1e-9 * (T ** 3) * (b / 30) ** 2 / 3
    return nbytes, seconds


# --- input files ---------------------------------------------------------------------------

MAX_LAW_FILE_BYTES = 256 * 2**20  # a size-law or JSON target-law file; .npy laws are memory-mapped


def file_kind(mode: int) -> str:
    import stat

    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular_file(path: str, field: str, accepted: str, limit: int | None = MAX_LAW_FILE_BYTES) -> os.stat_result:
    """``os.stat`` before any open: a FIFO, a device (``/dev/zero``), a socket or a folder is refused,
    and so is a file over ``limit`` bytes (None: no size limit). Returns the stat result."""
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SpecError(field, f"no such file {shorten(path)!r}", accepted) from None
    except (OSError, ValueError) as err:  # a loop of links, a NUL in the name, a name too long
        raise SpecError(field, f"cannot open {shorten(path)!r} ({shorten(type(err).__name__)})", accepted) from None
    if not stat.S_ISREG(st.st_mode):
        raise SpecError(field, f"{shorten(path)!r} is {file_kind(st.st_mode)}, not a regular file", accepted)
    if limit is not None and st.st_size > limit:
        raise SpecError(field, f"{shorten(path)!r} has {human(st.st_size)}, over {human(limit)}", accepted)
    return st


def read_regular_file(path: str, field: str, accepted: str, limit: int = MAX_LAW_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes: checked by ``check_regular_file``, opened
    without blocking (a file swapped for a FIFO after the check does not hang), checked again on the
    open descriptor, and read at most ``limit`` + 1 bytes."""
    import stat

    check_regular_file(path, field, accepted, limit)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise SpecError(field, f"cannot open {shorten(path)!r} ({shorten(type(err).__name__)})", accepted) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise SpecError(field, f"{shorten(path)!r} is {file_kind(st.st_mode)}, not a regular file", accepted)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise SpecError(field, f"{shorten(path)!r} is over {human(limit)}", accepted)
    return data


# --- one enumerated run (``verify measure``) ------------------------------------------------

def refuse_run(plan, sched, exact: bool, build_seconds: float = 0.0) -> tuple:
    """(bytes, seconds) of measuring ``sched`` on the planned target by enumeration, refused over the
    limits: building the law (``build_seconds``: ``registry.plan_seconds``) and the engine's work — the adaptive chain
    (``adaptive_bytes``/``adaptive_seconds``, plus the exact twin of a float target's joint) or the
    non-adaptive DP (``enumeration_seconds``; its memory is checked by ``laws.mixture_law``)."""
    q, L = plan.q, plan.L
    nbytes = engine_bytes(q, L, exact)
    seconds = float(build_seconds)
    if sched is not None and getattr(sched, "adaptive", False):
        twin = 0.0 if exact else BYTES_EXACT * (1 + 2 * L) * power(q, L)
        ab = adaptive_bytes(q, L, exact) + (twin if twin <= max_bytes() else 0.0)
        what = f"the adaptive chain of {shorten(sched.spec)} on q={q}, L={L}"
        refuse_cost("sampler", what, ab, adaptive_seconds(q, L, exact), "a smaller q or L")
        return max(nbytes, ab), seconds + adaptive_seconds(q, L, exact)
    transitions = sum(len(v) for v in sched.nodes.values()) if sched is not None else 0
    seconds += enumeration_seconds(q, L, transitions, exact)
    what = f"measuring {shorten(sched.spec) if sched is not None else 'the target'} on q={q}, L={L}"
    refuse_seconds("sampler" if sched is not None else "target", what, seconds, "a smaller q or L, or fewer steps")
    return nbytes, seconds
