"""Column generation for the minimax program (docs/minimax.md §3): the default solver of
``verify minimax`` from moderate ``L`` on.

The full program of ``minimax.py`` has one column per edge of the DAG of revealed counts, ``L(L+1)/2``
of them. Its optimum needs only about ``L`` compositions, so the *restricted master* below carries a
growing set ``𝒫`` of compositions (paths ``0 → L``) with weights ``w_c ≥ 0``:

    minimise t   over w ≥ 0 (one per path in 𝒫), o_1..o_L (free), t ≥ 0
    subject to   o_k − o_{k−1} − Σ_c w_c A_{k−1}(c) = −1      k = 1..L, o_0 = 0   (overshoot; y_k)
                 o_k − t · d_{jk} ≤ 0                          k = 1..L−1, rows j  (rays; −μ_{jk})
                 Σ_c w_c T(c) ≤ K                                                (budget; −β)
                 Σ_c w_c = 1                                                     (convexity; σ)

``A_n(c) = s`` when ``c`` has a block of size ``s`` starting at ``n`` (else 0) and ``T(c)`` its number of
blocks; a path column has ``T(c) + 2`` non-zeros. (Ray ``L`` has ``d = 0`` and ``E[O_L] = 0`` for every
law, so it needs no row.) With the master's row duals, a composition's reduced cost is

    rc(c) = Σ_{blocks (n, s) of c} (β + s · M(n)) − σ,      M(n) = y_{n+1},

a path cost on the DAG with edge costs ``β + s·M(n)``. **Pricing** is the shortest path ``0 → L``:
``O(L²)``. At a master optimum ``M(n) = Σ_{j, k > n} μ_{jk}`` (the free ``o_k`` have zero reduced cost),
and ``value(master) + min rc = SP(μ, β) − Σ μ_{jk} k − β K``: the Lagrangian (weak-duality) bound of
docs/minimax.md §2, valid at every round. The loop stops when the best bound is within ``REL_TOL`` of
the master value. Each round adds up to ``PER_ROUND`` paths with negative reduced cost: for every
edge the cheapest path through it (forward and backward shortest paths, ``O(L²)`` with numpy), the
most negative first. Pricing is done at the smoothed multipliers ``α·best + (1 − α)·current``
(Wentges; ``best`` = highest bound so far), and again at the current ones when that finds nothing.
The master is pruned to ``4L`` paths (non-basic, largest reduced cost out) when it passes ``8L``.

The master is solved by HiGHS's primal simplex, **warm-started** after each round of added columns:
scipy ships the HiGHS binding (``scipy.optimize._highspy._core._Highs``, the class that ``highspy``
wraps) with ``addCols`` and a kept basis. When that private module is missing (another scipy), the
master is re-solved from scratch each round with ``scipy.optimize.linprog`` — correct, slower.

Nothing here is trusted: ``minimax.py`` certifies the returned law's sup by the rays in exact
rationals (``upper``) and the ray multipliers ``μ`` and ``β`` by an exact shortest path (``lower``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

REL_TOL = 1e-12      # stop when value − Lagrangian bound ≤ REL_TOL · value (the certificate asks 1e-9)
PER_ROUND = 128      # paths added per pricing round at most (L = 384: 4.5 s CPU; 64: 5.5 s, 256: 5.2 s)
MAX_ROUNDS = 20000
ALPHA = 0.5        # dual smoothing weight (Wentges)
FEAS_TOL = 1e-10     # HiGHS primal/dual feasibility tolerances (defaults 1e-7 are too loose)


@dataclass
class CGResult:
    """Float output of the column generation: the master's paths with their weights, the ray duals
    ``mu`` (aligned with ``minimax.ray_rows``, ray ``L`` rows 0) and ``beta``, the master value and
    the best Lagrangian bound with its multipliers (floats: the certificate is computed from them in ``minimax.py``)."""

    paths: list
    weights: np.ndarray
    mu: np.ndarray
    beta: float
    value: float
    bound: float
    rounds: int
    columns: int
    solver: str


def blocks(comp) -> list:
    """[(n, s)] of a composition: the start and size of each block."""
    out, n = [], 0
    for s in comp:
        out.append((n, s))
        n += s
    return out


def initial_paths(L: int, K: float) -> list:
    """Balanced compositions with 1..⌈K⌉ parts (the ⌊K⌋-part one keeps the master feasible:
    T = ⌊K⌋ ≤ K), plus the doubling and halving compositions (a cheap start for both ends)."""
    out = []
    for parts in sorted({1, *range(max(1, int(K) - 2), min(L, int(np.ceil(K))) + 1)}):
        q, r = divmod(L, parts)
        out.append(tuple([q + 1] * r + [q] * (parts - r)))
    grow, n, s = [], 0, 1
    while n < L:
        s = min(s, L - n)
        grow.append(s)
        n += s
        s *= 2
    out.append(tuple(grow))
    out.append(tuple(reversed(grow)))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- pricing

def shortest_paths(L: int, M: np.ndarray, beta: float):
    """Forward and backward shortest paths on the DAG 0..L with edge costs ``beta + s·M[n]``:
    (F, pred, B, succ); F[v] = cheapest 0 → v, B[v] = cheapest v → L. ``O(L²)``, numpy per node."""
    F = np.full(L + 1, np.inf)
    F[0] = 0.0
    pred = np.zeros(L + 1, dtype=np.int64)
    for n in range(L):
        cand = F[n] + beta + M[n] * np.arange(1, L - n + 1)
        seg = F[n + 1:]
        better = cand < seg
        seg[better] = cand[better]
        pred[n + 1:][better] = n
    B = np.zeros(L + 1)
    succ = np.full(L + 1, L, dtype=np.int64)
    for v in range(L - 1, -1, -1):
        cand = beta + M[v] * np.arange(1, L - v + 1) + B[v + 1:]
        j = int(np.argmin(cand))
        B[v], succ[v] = cand[j], v + 1 + j
    return F, pred, B, succ


def _path(L: int, n: int, m: int, pred, succ) -> tuple:
    """The composition 0 → … → n (by pred), the edge n → m, then m → … → L (by succ)."""
    head = []
    v = n
    while v > 0:
        u = int(pred[v])
        head.append(v - u)
        v = u
    comp = head[::-1] + [m - n]
    v = m
    while v < L:
        w = int(succ[v])
        comp.append(w - v)
        v = w
    return tuple(comp)


def through_paths(L: int, M: np.ndarray, beta: float, limit: int) -> tuple:
    """(SP, candidates): the shortest path cost 0 → L under edge costs ``beta + s·M[n]``, and the
    cheapest path through each of the ``limit`` edges with the cheapest such paths, cheapest first."""
    F, pred, B, succ = shortest_paths(L, M, beta)
    # through(n, s) = F[n] + β + s M[n] + B[n + s], +inf where n + s > L
    s = np.arange(1, L + 1)
    idx = np.arange(L)[:, None] + s[None, :]
    ok = idx <= L
    flat = np.where(ok, F[:L, None] + beta + M[:L, None] * s[None, :] + B[np.minimum(idx, L)], np.inf).ravel()
    cand = np.argpartition(flat, limit)[:limit] if flat.size > limit else np.arange(flat.size)
    cand = cand[np.argsort(flat[cand], kind="stable")]
    out = []
    for c in cand:
        if not np.isfinite(flat[c]):
            break
        a, b = divmod(int(c), L)
        out.append(_path(L, a, a + b + 1, pred, succ))
    return float(B[0]), list(dict.fromkeys(out))


def lagrangian(L: int, K: float, dens: list, mu: np.ndarray, beta: float) -> tuple:
    """(M, C) of the multipliers: ``M(n) = Σ_{j, k > n} μ_{jk}`` (edge cost ``β + s M(n)``) and
    ``C = Σ μ_{jk} k + β K``; the Lagrangian bound is ``SP − C`` (docs/minimax.md §2)."""
    m = mu.reshape(len(dens), L - 1).sum(axis=0)            # Σ_j μ_{jk}, k = 1..L−1
    M = np.concatenate([np.cumsum(m[::-1])[::-1], [0.0]])   # n = 0..L−1: Σ_{k > n} = Σ_{k ≥ n+1}
    return M, float(m @ np.arange(1, L)) + beta * K


def path_cost(comp, M, beta) -> float:
    return sum(beta + s * M[n] for n, s in blocks(comp))


# ---------------------------------------------------------------- masters

def _highs_core():
    try:
        from scipy.optimize._highspy import _core
    except ImportError:     # another scipy: linprog fallback
        return None
    return _core if hasattr(_core, "_Highs") else None


class _Rows:
    """Row layout shared by both masters: overshoot rows 0..L−1 (row n is k = n + 1), ray rows,
    then budget and convexity."""

    def __init__(self, L: int, dens: list):
        self.L, self.dens = L, dens
        self.J = len(dens)
        self.budget = L + self.J * (L - 1)
        self.conv = self.budget + 1
        self.n = self.conv + 1

    def column(self, comp):
        """(row indices, values) of a path column."""
        rows = [n for n, _ in blocks(comp)] + [self.budget, self.conv]
        vals = [-float(s) for s in comp] + [float(len(comp)), 1.0]
        return np.array(rows, dtype=np.int32), np.array(vals)

    def base_rows(self, K: float):
        """CSR of the rows over the base columns t (0) and o_1..o_L (1..L), with bounds."""
        L = self.L
        starts, index, value, lo, hi = [], [], [], [], []
        for k in range(1, L + 1):                       # o_k − o_{k−1} = −1 − (path terms)
            starts.append(len(index))
            index += [k] + ([k - 1] if k > 1 else [])
            value += [1.0] + ([-1.0] if k > 1 else [])
            lo.append(-1.0)
            hi.append(-1.0)
        for d in self.dens:                             # o_k − d_k t ≤ 0
            for k in range(1, L):
                starts.append(len(index))
                index += [k, 0]
                value += [1.0, -float(d[k - 1])]
                lo.append(-np.inf)
                hi.append(0.0)
        for b_lo, b_hi in ((-np.inf, K), (1.0, 1.0)):   # budget, convexity: paths only
            starts.append(len(index))
            lo.append(b_lo)
            hi.append(b_hi)
        return (np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value),
                np.array(lo), np.array(hi))

    def duals(self, row_dual):
        """(M, beta, sigma, mu) from the row duals (HiGHS/linprog sign: ≤ rows have duals ≤ 0)."""
        L = self.L
        y = np.asarray(row_dual, dtype=float)
        M = y[:L]
        mu = np.maximum(0.0, -y[L:self.budget])
        return M, max(0.0, -y[self.budget]), y[self.conv], mu


class HighsMaster:
    """The restricted master in one HiGHS instance, warm-started after every ``add``."""

    name = "cg-highs"

    def __init__(self, L: int, K: float, dens: list, core):
        self.rows = _Rows(L, dens)
        h = core._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("primal_feasibility_tolerance", FEAS_TOL)
        h.setOptionValue("dual_feasibility_tolerance", FEAS_TOL)
        # primal simplex: added columns keep the basis primal feasible (measured 3× less CPU than dual)
        h.setOptionValue("simplex_strategy", 4)
        inf = core.kHighsInf
        h.addVars(L + 1, np.concatenate([[0.0], np.full(L, -inf)]), np.full(L + 1, inf))
        h.changeColCost(0, 1.0)
        starts, index, value, lo, hi = self.rows.base_rows(K)
        h.addRows(len(lo), np.where(np.isinf(lo), -inf, lo), np.where(np.isinf(hi), inf, hi),
                  len(index), starts, index, value)
        self.h, self.inf, self.paths = h, inf, []

    def add(self, comps) -> None:
        cols = [self.rows.column(c) for c in comps]
        starts = np.cumsum([0] + [len(r) for r, _ in cols[:-1]]).astype(np.int32)
        index = np.concatenate([r for r, _ in cols]).astype(np.int32)
        value = np.concatenate([v for _, v in cols])
        m = len(cols)
        self.h.addCols(m, np.zeros(m), np.zeros(m), np.full(m, self.inf), len(index), starts, index, value)
        self.paths += list(comps)

    def prune(self, keep: int) -> None:
        """Delete non-basic path columns with the largest reduced costs, down to ``keep`` columns
        (a deleted path may come back if it prices out again)."""
        P = len(self.paths)
        if P <= keep:
            return
        rc = np.asarray(self.h.getSolution().col_dual)[self.rows.L + 1:]
        order = np.argsort(-rc, kind="stable")[: P - keep]
        drop = np.sort(order[rc[order] > 1e-9]).astype(np.int32)
        if drop.size == 0:
            return
        self.h.deleteCols(int(drop.size), (drop + self.rows.L + 1).astype(np.int32))
        gone = set(drop.tolist())
        self.dropped = [c for i, c in enumerate(self.paths) if i in gone]
        self.paths = [c for i, c in enumerate(self.paths) if i not in gone]

    def solve(self):
        self.h.run()
        status = self.h.getModelStatus()
        if self.h.modelStatusToString(status) != "Optimal":
            raise RuntimeError(f"HiGHS did not solve the minimax master: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        value = self.h.getInfo().objective_function_value
        w = np.asarray(sol.col_value)[self.rows.L + 1:]
        return value, w, self.rows.duals(sol.row_dual)


class LinprogMaster:
    """The same master re-solved from scratch by ``scipy.optimize.linprog`` (no warm start)."""

    name = "cg-linprog"

    def __init__(self, L: int, K: float, dens: list):
        self.rows, self.K, self.paths, self.L = _Rows(L, dens), K, [], L
        self.base = self.rows.base_rows(K)

    def add(self, comps) -> None:
        self.paths += list(comps)

    def solve(self):
        from scipy.optimize import linprog
        from scipy.sparse import csr_array, csc_array, hstack

        L, R = self.L, self.rows
        starts, index, value, lo, hi = self.base
        base = csr_array((value, index, np.append(starts, len(index))), shape=(R.n, L + 1))
        cols = [R.column(c) for c in self.paths]
        ptr = np.cumsum([0] + [len(r) for r, _ in cols])
        P = csc_array((np.concatenate([v for _, v in cols]), np.concatenate([r for r, _ in cols]), ptr),
                      shape=(R.n, len(cols)))
        A = hstack([base, P]).tocsr()
        eq = lo == hi
        c = np.zeros(A.shape[1])
        c[0] = 1.0
        bounds = [(0, None)] + [(None, None)] * L + [(0, None)] * len(cols)
        res = linprog(c, A_ub=A[~eq], b_ub=hi[~eq], A_eq=A[eq], b_eq=hi[eq], bounds=bounds, method="highs-ds",
                      options={"primal_feasibility_tolerance": FEAS_TOL, "dual_feasibility_tolerance": FEAS_TOL})
        if res.status != 0:
            raise RuntimeError(f"HiGHS (linprog) did not solve the minimax master: {res.message}")
        row_dual = np.zeros(R.n)
        row_dual[eq] = res.eqlin.marginals
        row_dual[~eq] = res.ineqlin.marginals
        self.rc = np.asarray(res.lower.marginals)[L + 1:]
        return res.fun, res.x[L + 1:], R.duals(row_dual)

    def prune(self, keep: int) -> None:
        """As ``HighsMaster.prune``, from the last solve's reduced costs."""
        P = len(self.paths)
        order = np.argsort(-self.rc, kind="stable")[: max(0, P - keep)]
        gone = set(order[self.rc[order] > 1e-9].tolist())
        self.dropped = [c for i, c in enumerate(self.paths) if i in gone]
        self.paths = [c for i, c in enumerate(self.paths) if i not in gone]


# ---------------------------------------------------------------- the loop

def solve(L: int, K: float, dens: list, solver: str | None = None, time_limit: float | None = None,
          per_round: int = PER_ROUND, rel_tol: float = REL_TOL, init=(), keep: int | None = None,
          alpha: float = ALPHA) -> CGResult:
    """Column generation (module docstring). ``dens``: the ray denominators ``d_j[k−1]`` for k = 1..L
    (``minimax.ray_rows`` order); ``solver``: None (warm-started HiGHS if scipy has it), ``"highs"`` or
    ``"linprog"``; ``init``: extra starting paths; ``keep``: the master is pruned to this many path
    columns when it grows past twice that (default ``4 L``); ``alpha``: dual smoothing (pricing at
    ``α·best + (1 − α)·current`` multipliers, exact pricing at the current ones after a miss).
    Raises RuntimeError past ``time_limit`` seconds or ``MAX_ROUNDS`` rounds."""
    core = _highs_core() if solver in (None, "highs") else None
    if solver == "highs" and core is None:
        raise RuntimeError("scipy has no HiGHS binding (scipy.optimize._highspy); use solver='linprog'")
    master = HighsMaster(L, K, dens, core) if core is not None else LinprogMaster(L, K, dens)
    keep = keep or 4 * L
    start = list(dict.fromkeys(initial_paths(L, K) + [tuple(c) for c in init]))
    known = set(start)
    master.add(start)
    t0 = time.perf_counter()
    best = (-np.inf, None, 0.0)            # (Lagrangian bound, μ, β)
    for rounds in range(1, MAX_ROUNDS + 1):
        value, w, (_, beta, _, mu) = master.solve()
        M_cur, C_cur = lagrangian(L, K, dens, mu, beta)
        if best[1] is None:
            best = (-np.inf, mu, beta)
        new = []
        for a in (alpha, 0.0) if alpha > 0 else (0.0,):
            mu_s, beta_s = a * best[1] + (1 - a) * mu, a * best[2] + (1 - a) * beta
            M_s, C_s = lagrangian(L, K, dens, mu_s, beta_s)
            sp, cands = through_paths(L, M_s, beta_s, 3 * per_round)
            if sp - C_s > best[0]:
                best = (sp - C_s, mu_s, beta_s)
            if value - best[0] <= rel_tol * max(value, 1e-300):
                break
            # a path improves the master iff its Lagrangian cost at the current multipliers is < value
            cut = value + C_cur - 1e-13 * max(1.0, value + C_cur)
            new = [c for c in cands if c not in known and path_cost(c, M_cur, beta) < cut][:per_round]
            if new:
                break
        if not new:
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            raise RuntimeError(f"column generation at L={L} stopped at the {time_limit:.0f} s limit "
                               f"(value {value:.12g}, bound {best[0]:.12g})")
        if len(master.paths) > 2 * keep:
            master.prune(keep)
            known.difference_update(getattr(master, "dropped", ()))
        known.update(new)
        master.add(new)
    else:
        raise RuntimeError(f"column generation at L={L} did not converge in {MAX_ROUNDS} rounds")
    # μ aligned with minimax.ray_rows: per row j, k = 1..L (ray L: 0); the best multipliers found
    mu_b = best[1]
    mu_full = np.concatenate([np.append(mu_b[j * (L - 1):(j + 1) * (L - 1)], 0.0) for j in range(len(dens))])
    return CGResult(list(master.paths), np.asarray(w, dtype=float), mu_full, best[2], value, best[0], rounds,
                    len(master.paths), master.name)
