"""Minimax schedules (docs/minimax.md; the profile cone: docs/cone.md): the best law over
compositions that a non-adaptive, uniform-position sampler can use when it knows nothing about the
target.

A law over compositions of L is a unit flow ``x`` on the DAG of revealed counts ``0 → L`` with edges
``(n, n + s)``, ``s ≥ 1``; ``E[T] = Σ x`` and, on ray ``k`` of the profile cone (``cone.py``),

    E KL(r_k) = E[O_k],   E[O_k] = E[O_{k−1}] − 1 + Σ_s s · x(k−1, s),   E[O_0] = 0,

so the sharp constant ``sup over all laws of E KL / D`` is ``max_k E[O_k]/D(r_k)``. The minimax value at
budget ``K`` is the linear program

    minimise t   over x ≥ 0 (unit flow), o_1..o_L (free), t ≥ 0
    subject to   o_k − o_{k−1} − Σ_s s·x(k−1, s) = −1          (k = 1..L, o_0 = 0)
                 o_k ≤ t · D_j(r_k)                           (every row j of D, k = 1..L)
                 Σ x ≤ K,

``D`` one of TC (``L − k``), DTC (``k``), or both rows for ``min(TC, DTC)`` (0 on ray L). The ``o_k``
keep the ray rows at two non-zeros each: the program has ``L(L+1)/2 + L + 1`` columns and
``O(L²)`` non-zeros. It is solved in floats by HiGHS, whole (``scipy.optimize.linprog``) or by column
generation over compositions (``colgen.py``, the default from ``CG_FROM``), and then certified exactly:

* ``upper``: the float flow, rounded to the grid ``2⁻⁵⁰``, repaired node by node so that conservation
  holds exactly, split into paths (a list of compositions), mixed with a balanced composition of
  fewer than ``K`` parts when rounding left ``E[T] > K``; its exact sharp constant by the rays.
* ``lower``: the dual (docs/minimax.md) — ray multipliers ``μ_{jk} ≥ 0`` with ``Σ μ_{jk} D_j(r_k) ≤ 1``
  and a budget multiplier ``β ≥ 0`` — rounded to the grid ``2⁻⁶⁴``; by weak duality every such pair
  gives  ``t ≥ SP − Σ μ_{jk} k − β K``  with ``SP`` the shortest path ``0 → L`` under edge costs
  ``β + s · M(n)``, ``M(n) = Σ_{k > n} Σ_j μ_{jk}``: computed in integers, exactly.

``upper ≥ minimax value ≥ lower`` is then a theorem about exact numbers, whatever the solver did.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import fmpq

from ...errors import SpecError
from .cone import denominators, sharp_constant

OVER = ("TC", "DTC", "min")
PRIMAL_BITS = 50          # the flow is rounded to multiples of 2⁻⁵⁰ before the exact repair
DUAL_BITS = 64            # the dual multipliers to multiples of 2⁻⁶⁴
GAP = Fraction(1, 10**9)  # required: upper − lower ≤ GAP · upper
IPM_FROM = 128            # interior point from this length on (benchmarks/bench_minimax.py)
CG_FROM = 256             # column generation from this length on (docs/minimax.md, "Figures")

# Column generation (colgen.py), measured by benchmarks/bench_minimax.py (docs/minimax.md, "Figures"):
# peak memory 98 MiB at L = 256, 113 at 512, 162 at 1024, i.e. ≈ 93 MiB + 68 B per L² (the pricing's
# L × L arrays); the estimate below is 5–10 % above. CPU time 2.0 s at 256, 10.9 at 512, 87 at 1024:
# the exponent of the last doubling (3.0) extrapolates upward.
CG_BYTES_BASE = 100 * 2**20
CG_BYTES_PER_L2 = 75.0
CG_SECONDS_L1024 = 90.0
CG_TIME_EXPONENT = 3.0

# Memory and time of the interior-point solve (docs/minimax.md, "Figures"): peak resident memory
# measured 90 MiB at L = 64, 136 at 256, 278 at 512, ≈ 780 at 1024, i.e. ≈ 90 MiB + 1500 B per edge;
# the estimate below is ~7 % above that. Time: CPU seconds, growing as L^4.1 (1.6 s at L = 256,
# 27 s at 512); at L = 1024 a lower bound (the run had used 40 min of CPU, unfinished), for the one
# line said before a long run.
BYTES_BASE = 100 * 2**20
BYTES_PER_EDGE = 1600.0
SECONDS_L1024 = 2400.0
TIME_EXPONENT = 4.1


def n_edges(L: int) -> int:
    return L * (L + 1) // 2


def edge_offset(L: int, n: int) -> int:
    """Column of edge (n, s=1): edges are ordered by start n, then size s = 1..L−n."""
    return n * L - n * (n - 1) // 2


def estimate_bytes(L: int) -> float:
    """Peak memory of the LP at length L (the fit above)."""
    return BYTES_BASE + BYTES_PER_EDGE * n_edges(L)


def estimate_seconds(L: int) -> float:
    return SECONDS_L1024 * (L / 1024) ** TIME_EXPONENT


@dataclass
class Minimax:
    """The certified result. ``law`` is ``[(prob, composition)]`` with exact fmpq probabilities;
    ``upper`` is its exact sharp constant, ``lower`` a certified lower bound from the dual; the
    minimax value lies in ``[lower, upper]``."""

    L: int
    K: Fraction
    over: str
    upper: fmpq
    lower: fmpq
    expected_iterations: fmpq
    law: list
    lp_value: float
    method: str
    seconds: dict = field(default_factory=dict)

    @property
    def support(self) -> int:
        return len(self.law)


def check_inputs(L, K, over: str) -> Fraction:
    """Refuse bad (L, K, over) with one line (SpecError); returns K as an exact Fraction."""
    if isinstance(L, bool) or not isinstance(L, int) or L < 1:
        raise SpecError("--L", f"{L!r} is not a positive integer", "an integer L >= 1")
    try:
        Kq = Fraction(K) if not isinstance(K, float) else Fraction(repr(K))
    except (ValueError, ZeroDivisionError, TypeError):
        raise SpecError("--K", f"{K!r} is not a number", f"a rational 1 <= K <= L={L}, e.g. 8 or 17/2") from None
    if not 1 <= Kq <= L:
        raise SpecError("--K", f"K={Kq} is outside [1, L={L}] (every law has 1 <= E[T] <= L)",
                        f"a rational 1 <= K <= {L}")
    if over not in OVER:
        raise SpecError("--over", f"{over!r} is not a denominator of the minimax program", " | ".join(OVER))
    return Kq


def cg_bytes(L: int) -> float:
    """Peak memory of column generation at length L: the pricing's L × L through-cost arrays and the
    flow over every edge dominate (fit in docs/minimax.md)."""
    return CG_BYTES_BASE + CG_BYTES_PER_L2 * L * L


def cg_seconds(L: int) -> float:
    return CG_SECONDS_L1024 * (L / 1024) ** CG_TIME_EXPONENT


def refuse_large(L: int, method: str | None = None) -> float:
    """TooLarge (one line, exit 2) when the chosen solver's estimated memory exceeds the limit
    (guard.py); the message names the estimated time too. Column generation is also refused past
    the time limit (TooSlow, ``VERIFY_MAX_SECONDS``): its memory is O(L²), its time about O(L³)."""
    from ...guard import refuse, refuse_seconds

    method = method or default_method(L)
    cg = method == "cg"
    secs = cg_seconds(L) if cg else estimate_seconds(L)
    when = f"{secs / 60:.0f} min" if secs < 2 * 86400 else f"{secs / 86400:.3g} days"
    what = (f"the minimax LP at L={L} by column generation (about {when})" if cg else
            f"the minimax LP at L={L} ({n_edges(L)} flow variables, about {when} of interior point)")
    nbytes = refuse("--L", what, cg_bytes(L) if cg else estimate_bytes(L), "a smaller L")
    if cg:
        refuse_seconds("--L", what, secs, "a smaller L")
    return nbytes


# ---------------------------------------------------------------- the linear program (floats)

def ray_rows(L: int, over: str) -> list:
    """[(k, D_j(r_k))] for every ray row: k = 1..L, one row per denominator in ``over``."""
    rows = []
    for vals in denominators(L, over).values():
        rows += [(k, int(vals[k - 1])) for k in range(1, L + 1)]
    return rows


def build_lp(L: int, K: float, over: str) -> dict:
    """The program of the module docstring as sparse arrays for ``linprog``. Columns: the edges
    (``edge_offset``), then o_1..o_L, then t."""
    from scipy.sparse import coo_array

    E = n_edges(L)
    nv = E + L + 1
    n = np.repeat(np.arange(L), L - np.arange(L))                  # start of each edge
    s = np.arange(E) - np.repeat([edge_offset(L, m) for m in range(L)], L - np.arange(L)) + 1
    cols = np.arange(E)
    # conservation at node m = 0..L−1: out(m) − in(m) = [m = 0]; edges into L need no row
    into = n + s < L
    r_eq = [n, (n + s)[into]]
    c_eq = [cols, cols[into]]
    v_eq = [np.ones(E), -np.ones(into.sum())]
    # overshoot recurrence, row L + k − 1 for k = 1..L: o_k − o_{k−1} − Σ_s s x(k−1, s) = −1
    r_eq += [L + n, L + np.arange(L), L + np.arange(1, L)]
    c_eq += [cols, E + np.arange(L), E + np.arange(L - 1)]
    v_eq += [-s.astype(float), np.ones(L), -np.ones(L - 1)]
    A_eq = coo_array((np.concatenate(v_eq), (np.concatenate(r_eq), np.concatenate(c_eq))),
                     shape=(2 * L, nv)).tocsc()
    b_eq = np.concatenate([[1.0], np.zeros(L - 1), -np.ones(L)])
    rows = ray_rows(L, over)
    R = len(rows)
    ks = np.array([k for k, _ in rows])
    ds = np.array([d for _, d in rows], dtype=float)
    r_ub = [np.arange(R), np.arange(R), np.full(E, R)]
    c_ub = [E + ks - 1, np.full(R, E + L), cols]
    v_ub = [np.ones(R), -ds, np.ones(E)]
    A_ub = coo_array((np.concatenate(v_ub), (np.concatenate(r_ub), np.concatenate(c_ub))),
                     shape=(R + 1, nv)).tocsc()
    b_ub = np.concatenate([np.zeros(R), [float(K)]])
    c = np.zeros(nv)
    c[-1] = 1.0
    # x ≥ 0, o free, t ≥ 0 (an (n, 2) array: linprog reads ±inf as no bound)
    bounds = np.column_stack([np.concatenate([np.zeros(E), np.full(L, -np.inf), [0.0]]), np.full(nv, np.inf)])
    return {"c": c, "A_ub": A_ub, "b_ub": b_ub, "A_eq": A_eq, "b_eq": b_eq, "bounds": bounds,
            "rows": rows}


def solve_cg(L: int, K: float, over: str, time_limit: float | None = None, solver: str | None = None):
    """Column generation (``colgen.py``) on the same program; returns (flow x over every edge in
    ``edge_offset`` order, μ over ``ray_rows``, β, the master's value). The flow is the paths' weights
    summed per edge: ``exact_law`` repairs and splits it like the full LP's."""
    from . import colgen

    dens = [[int(v) for v in d] for d in denominators(L, over).values()]
    r = colgen.solve(L, K, dens, solver=solver, time_limit=time_limit)
    x = np.zeros(n_edges(L))
    for comp, w in zip(r.paths, r.weights):
        if w > 0:
            for n, s in colgen.blocks(comp):
                x[edge_offset(L, n) + s - 1] += w
    return x, r.mu, r.beta, r


def solve_lp(L: int, K: float, over: str, method: str | None = None, time_limit: float | None = None):
    """HiGHS on the program; returns (scipy result, rows). ``method`` None: simplex below IPM_FROM.
    Tolerances 1e-10 (HiGHS' defaults are 1e-7): the certificate asks for a relative gap of 1e-9."""
    from scipy.optimize import linprog

    lp = build_lp(L, K, over)
    method = method or ("highs-ipm" if L >= IPM_FROM else "highs")
    res = linprog(lp["c"], A_ub=lp["A_ub"], b_ub=lp["b_ub"], A_eq=lp["A_eq"], b_eq=lp["b_eq"],
                  bounds=lp["bounds"], method=method,
                  options={"presolve": True, "primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10,
                           **({"ipm_optimality_tolerance": 1e-12} if method == "highs-ipm" else {}),
                           **({"time_limit": time_limit} if time_limit else {})})
    if res.status != 0:
        raise RuntimeError(f"HiGHS did not solve the minimax LP at L={L}, K={K}: {res.message}")
    return res, lp["rows"]


# ---------------------------------------------------------------- exact primal: the law and `upper`

def repair_flow(L: int, x) -> dict:
    """{(n, s): integer flow on the grid 2^-PRIMAL_BITS} with exact unit conservation.

    Nodes in increasing order: the outflow of n is rounded, then its largest edge absorbs the
    difference to the (exact) inflow, taken first from the largest edges if negative; a node whose
    outgoing flow rounded to nothing ends in one block ``s = L − n``."""
    G = 1 << PRIMAL_BITS
    out = {}
    offsets = np.array([edge_offset(L, m) for m in range(L + 1)])
    for col in np.flatnonzero(np.asarray(x[: n_edges(L)]) > 0.5 / G):
        n = int(np.searchsorted(offsets, col, side="right")) - 1
        out.setdefault(n, {})[int(col - edge_offset(L, n)) + 1] = round(math.ldexp(float(x[col]), PRIMAL_BITS))
    inflow = [0] * (L + 1)
    inflow[0] = G
    flow = {}
    for n in range(L):
        I = inflow[n]
        edges = {s: v for s, v in out.get(n, {}).items() if v > 0} if I > 0 else {}
        if I > 0 and not edges:
            edges = {L - n: I}
        d = I - sum(edges.values())
        for s in sorted(edges, key=lambda s: -edges[s]):
            take = max(d, -edges[s])       # d > 0: the largest edge absorbs it all
            edges[s] += take
            d -= take
            if d == 0:
                break
        assert d == 0 and all(v >= 0 for v in edges.values())
        for s, v in edges.items():
            if v > 0:
                flow[(n, s)] = v
                inflow[n + s] += v
    assert inflow[L] == G
    return flow


def paths(L: int, flow: dict) -> list:
    """Exact decomposition of an integer unit flow into [(integer weight, composition)]: follow the
    largest remaining edge from 0 to L, subtract the bottleneck (each path empties an edge)."""
    left = dict(flow)
    by_node = {}
    for (n, s) in left:
        by_node.setdefault(n, set()).add(s)
    out = []
    while by_node.get(0):
        n, comp = 0, []
        while n < L:
            s = max(by_node[n], key=lambda s: left[(n, s)])
            comp.append(s)
            n += s
        w = min(left[e] for e in _edges_of(comp))
        for e in _edges_of(comp):
            left[e] -= w
            if left[e] == 0:
                by_node[e[0]].discard(e[1])
        out.append((w, tuple(comp)))
    assert all(v == 0 for v in left.values())
    return out


def _edges_of(comp) -> list:
    n, out = 0, []
    for s in comp:
        out.append((n, s))
        n += s
    return out


def balanced_composition(L: int, parts: int) -> tuple:
    """L into ``parts`` near-equal blocks (the larger first): T = parts exactly."""
    q, r = divmod(L, parts)
    return tuple([q + 1] * r + [q] * (parts - r))


def law_weights(law: list, L: int) -> tuple:
    """Exact (P(n), A(n)) of a list law [(p, composition)] (``sizelaws.py``)."""
    P, A = [fmpq(0)] * L, [fmpq(0)] * L
    for p, comp in law:
        for n, s in _edges_of(comp):
            P[n] += p
            A[n] += p * s
    return P, A


def exact_law(L: int, K: Fraction, x) -> list:
    """The certified law: repaired, decomposed, and mixed with the balanced composition of
    ``c = max(1, ⌈K⌉ − 1)`` parts if ``E[T]`` exceeds K (the weight λ = (E[T] − K)/(E[T] − c) makes
    ``E[T] = K`` exactly; λ is of the order of the rounding, 2⁻⁵⁰ per edge)."""
    G = 1 << PRIMAL_BITS
    law = [(fmpq(w, G), comp) for w, comp in paths(L, repair_flow(L, x))]
    ET = sum((p * len(c) for p, c in law), fmpq(0))
    Kq = fmpq(K.numerator, K.denominator)
    if ET > Kq:
        # fewer than K parts, so λ < 1 (at K = 1 the one-block law is the only feasible one: λ = 1)
        cheap = balanced_composition(L, max(1, math.ceil(K) - 1))
        lam = (ET - Kq) / (ET - len(cheap))
        law = [((1 - lam) * p, c) for p, c in law] + [(lam, cheap)]
    merged = {}
    for p, c in law:
        merged[c] = merged.get(c, fmpq(0)) + p
    return sorted(((p, c) for c, p in merged.items() if p > 0), key=lambda pc: (-pc[0], pc[1]))


# ---------------------------------------------------------------- exact dual: `lower`

def dual_lower_bound(L: int, K: Fraction, rows: list, mu, beta: float) -> fmpq:
    """A certified lower bound on the minimax value from (approximate) dual multipliers.

    Weak duality (docs/minimax.md): for μ ≥ 0, β ≥ 0 with Σ μ_{jk} d_{jk} ≤ 1 and every feasible
    (x, t),  t ≥ Σ μ_{jk} o_k ≥ Σ_e x_e (β + s M(n)) − Σ μ_{jk} k − β K ≥ SP − Σ μ_{jk} k − β K.
    The multipliers are rounded to the grid 2^-DUAL_BITS (integers below), scaled down if the rounding
    broke Σ μ d ≤ 1; SP is a shortest path over the DAG in exact integers. t ≥ 0 gives 0 otherwise."""
    H = 1 << DUAL_BITS
    m = [max(0, round(math.ldexp(float(v), DUAL_BITS))) for v in mu]
    b = max(0, round(math.ldexp(float(beta), DUAL_BITS)))
    S = sum(mj * d for mj, (_, d) in zip(m, rows))
    M = [0] * (L + 1)                      # M(n) = Σ over rows with k > n of μ
    for mj, (k, _) in zip(m, rows):
        M[k - 1] += mj
    for n in range(L - 2, -1, -1):
        M[n] += M[n + 1]
    INF = None
    pi = [INF] * (L + 1)
    pi[0] = 0
    for n in range(L):
        if pi[n] is None:
            continue
        base, slope = pi[n] + b, M[n]
        for s in range(1, L - n + 1):
            v = base + s * slope
            if pi[n + s] is None or v < pi[n + s]:
                pi[n + s] = v
    value = fmpq(pi[L] - sum(mj * k for mj, (k, _) in zip(m, rows)), H) - fmpq(b, H) * fmpq(K.numerator, K.denominator)
    if S > H:
        value = value * fmpq(H, S)
    return value if value > 0 else fmpq(0)


# ---------------------------------------------------------------- the whole computation

METHODS = ("cg", "highs", "highs-ipm")


def default_method(L: int) -> str:
    """Column generation where scipy has the warm-startable HiGHS binding and L ≥ CG_FROM (there it
    ties interior point at 256 in time with less memory, and wins from 512 on); else dual simplex
    below IPM_FROM and interior point from there (the full program)."""
    from .colgen import _highs_core

    if L >= CG_FROM and _highs_core() is not None:
        return "cg"
    return "highs-ipm" if L >= IPM_FROM else "highs"


def minimax(L: int, K, over: str = "TC", method: str | None = None, check_size: bool = True,
            time_limit: float | None = None) -> Minimax:
    """The certified minimax law at length L and budget E[T] ≤ K (module docstring). ``method``:
    ``"cg"`` (column generation, ``colgen.py``), ``"highs"`` or ``"highs-ipm"`` (the full program),
    None for ``default_method(L)``. Raises RuntimeError if the certificate's gap exceeds
    GAP · upper (a solver failure, never silent)."""
    Kq = check_inputs(L, K, over)
    method = method or default_method(L)
    if method not in METHODS:
        raise SpecError("method", f"{method!r} is not a minimax solver", " | ".join(METHODS))
    if check_size:
        refuse_large(L, method)
    t0 = time.perf_counter()
    rows = ray_rows(L, over)
    if method == "cg":
        x, mu, beta, cg = solve_cg(L, float(Kq), over, time_limit)
        lp_value = cg.value
    else:
        res, rows = solve_lp(L, float(Kq), over, method, time_limit)
        x, lp_value = res.x, float(res.fun)
        R = len(rows)
        mu = -np.asarray(res.ineqlin.marginals[:R])
        beta = -float(res.ineqlin.marginals[R])
    t1 = time.perf_counter()
    law = exact_law(L, Kq, x)
    P, A = law_weights(law, L)
    sharp = sharp_constant(A, L, over)
    if sharp.infinite:
        raise RuntimeError("the repaired law has an infinite sharp constant: a repair bug")
    upper = sharp.value
    ET = sum(P, fmpq(0))
    assert ET <= fmpq(Kq.numerator, Kq.denominator)
    lower = dual_lower_bound(L, Kq, rows, mu, beta)
    t2 = time.perf_counter()
    gap = Fraction(int((upper - lower).p), int((upper - lower).q))
    if not (upper >= lower and gap <= GAP * Fraction(int(upper.p), int(upper.q))):
        raise RuntimeError(f"minimax certificate too loose at L={L}, K={Kq}, over={over}, method={method}: "
                           f"upper={float(upper)!r}, lower={float(lower)!r}")
    return Minimax(L, Kq, over, upper, lower, ET, law, lp_value, method, {"lp": t1 - t0, "certify": t2 - t1})


def law_json(result: Minimax) -> list:
    """The law as a ``random-size:law=file:`` JSON list: [["p", [s_1, ...]], ...], exact strings."""
    return [[str(p), list(c)] for p, c in result.law]


def competitive_ratio(law_spec, L: int, over: str = "TC", method: str | None = None) -> dict:
    """A law's worst-case competitive ratio: its sharp constant ``sup E KL / over`` over all laws
    (``cone.sharp_constant``) divided by the minimax value at the same budget ``K = E[T]`` (exact,
    possibly fractional). The minimax value is known within [lower, upper], so the ratio is returned
    as the interval ``[sharp/upper, sharp/lower]`` (``inf`` where a denominator is 0 < sharp)."""
    from ..samplers import size_law_of

    if over not in OVER:
        raise SpecError("over", f"{over!r} is not a denominator of the minimax program", " | ".join(OVER))
    law = size_law_of(law_spec, L)
    P, A = law.start_weights(True)
    sharp = sharp_constant(A, L, over)
    ET = sum(P, fmpq(0))
    mm = minimax(L, Fraction(int(ET.p), int(ET.q)), over, method)

    def ratio(den):
        if sharp.infinite:
            return None
        if den == 0:
            return fmpq(1) if sharp.value == 0 else None
        return sharp.value / den

    lo, hi = ratio(mm.upper), ratio(mm.lower)
    return {"sampler": getattr(law, "spec", str(law_spec)), "L": L, "over": over,
            "expected_iterations": ET, "sharp": sharp.value, "k": sharp.k,
            "minimax_upper": mm.upper, "minimax_lower": mm.lower,
            "ratio_lower": lo, "ratio_upper": hi,
            "ratio_float": None if hi is None else float(hi)}
