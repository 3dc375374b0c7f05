"""Schedules: laws over reveal plans (docs/index.md §2), as size processes.

A non-adaptive schedule draws block sizes from a law independent of X and, given the sizes,
positions uniformly among the still-masked ones. It is stored as a finite graph of *size nodes*:
``nodes[key] = [(prob, size, next_key), ...]`` with ``revealed[key]`` tokens known at that node;
a node with ``revealed == L`` is terminal. Compositions sharing a prefix share a node, so the
exact DP (``laws.py``) runs once per node, not once per composition. Sizes are in reveal order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import comb

from flint import fmpq

from ..errors import SpecError, shorten

SAMPLERS = ("fixed", "balanced", "random-size", "mdm", "count", "plan", "bernoulli")


@dataclass(frozen=True, eq=False)
class Schedule:
    kind: str
    spec: str
    L: int
    start: object
    nodes: dict
    revealed: dict
    params: dict = field(default_factory=dict)
    adaptive: bool = False

    def depths(self) -> dict:
        """{node: longest number of steps from the start} over the size-node graph."""
        depth = {self.start: 0}
        frontier = [self.start]
        while frontier:
            nxt = []
            for key in frontier:
                for _, _, child in self.nodes.get(key, ()):
                    d = depth[key] + 1
                    if depth.get(child, -1) < d:
                        depth[child] = d
                        nxt.append(child)
            frontier = nxt
        return depth

    def order(self) -> list:
        """Nodes in an order where every transition goes forward: by (revealed, depth)."""
        depth = self.depths()
        return sorted(depth, key=lambda k: (self.revealed[k], depth[k]))

    def size_weights(self) -> dict:
        """W(n, s) = Σ over nodes with n revealed of P(node) · P(next block has size s), s ≥ 1."""
        prob = {self.start: fmpq(1)}
        W: dict = {}
        for key in self.order():
            pk = prob.get(key, fmpq(0))
            if pk == 0:
                continue
            n = self.revealed[key]
            for p, s, child in self.nodes.get(key, ()):
                prob[child] = prob.get(child, fmpq(0)) + pk * p
                if s > 0 and p != 0:
                    W[(n, s)] = W.get((n, s), fmpq(0)) + pk * p
        return W

    def expected_iterations(self) -> fmpq:
        """E[T]: expected number of non-empty blocks (steps of size 0 do nothing)."""
        return sum(self.size_weights().values(), fmpq(0))

    def compositions(self) -> list:
        """[(prob, sizes)] with empty steps dropped — for small schedules (reports, oracles)."""
        out: dict = {}

        def walk(key, pr, sizes):
            if self.revealed[key] == self.L:
                out[sizes] = out.get(sizes, fmpq(0)) + pr
                return
            for p, s, child in self.nodes.get(key, ()):
                if p != 0:
                    walk(child, pr * p, sizes + ((s,) if s else ()))

        walk(self.start, fmpq(1), ())
        return sorted(((p, s) for s, p in out.items()), key=lambda t: t[1])

    @property
    def max_block(self) -> int:
        return max((s for (_, s) in self.size_weights()), default=0)


def _check_sizes(sizes, L: int, field_name: str) -> tuple:
    sizes = tuple(int(s) for s in sizes)
    if any(s <= 0 for s in sizes):
        raise SpecError(field_name, f"{'+'.join(map(str, sizes))} contains a size <= 0",
                        f"positive block sizes summing to L={L}")
    if sum(sizes) != L:
        raise SpecError(field_name, f"{'+'.join(map(str, sizes))} sums to {sum(sizes)}, not L={L}",
                        f"positive block sizes summing to L={L}")
    return sizes


def fixed(sizes, L: int | None = None, spec: str | None = None) -> Schedule:
    """LC25's sampler: sizes (s_1..s_T) in reveal order, positions uniform among the masked."""
    sizes = tuple(int(s) for s in sizes)
    L = sum(sizes) if L is None else L
    sizes = _check_sizes(sizes, L, "sampler.fixed.sizes")
    return _from_law([(fmpq(1), sizes)], L, "fixed", spec or "fixed:sizes=" + "+".join(map(str, sizes)),
                     {"sizes": sizes})


def even_sizes(L: int, K: int) -> tuple:
    """K sizes in {⌊L/K⌋, ⌈L/K⌉} summing to L; the larger ones are revealed first."""
    base, extra = divmod(L, K)
    return tuple(base + 1 if t < extra else base for t in range(K))


def balanced(K: int, L: int, spec: str | None = None) -> Schedule:
    """balanced:K — fixed sizes as even as possible (larger blocks first)."""
    if not 1 <= K <= L:
        raise SpecError("sampler.balanced.K", f"{K} is outside 1..L={L}", f"an integer 1 <= K <= {L}")
    sch = fixed(even_sizes(L, K), L)
    return Schedule("balanced", spec or f"balanced:K={K}", L, sch.start, sch.nodes, sch.revealed, {"K": K, "sizes": sch.params["sizes"]})


def count(N: int, L: int, spec: str | None = None) -> Schedule:
    """count:N — the deterministic-count (LLaDA-style) variant: N steps of sizes as even as possible."""
    if not 1 <= N <= L:
        raise SpecError("sampler.count.N", f"{N} is outside 1..L={L}", f"an integer 1 <= N <= {L}")
    sch = fixed(even_sizes(L, N), L)
    return Schedule("count", spec or f"count:N={N}", L, sch.start, sch.nodes, sch.revealed, {"N": N, "sizes": sch.params["sizes"]})


def random_size(law, L: int | None = None, spec: str | None = None) -> Schedule:
    """ZC26's family: a law [(prob, sizes), ...] over compositions of L, independent of X."""
    law = [(_prob(p, "sampler.random-size.law"), tuple(int(s) for s in sizes)) for p, sizes in law]
    if not law:
        raise SpecError("sampler.random-size.law", "is empty", "a list of (probability, sizes) pairs")
    L = sum(law[0][1]) if L is None else L
    for _, sizes in law:
        _check_sizes(sizes, L, "sampler.random-size.law")
    total = sum((p for p, _ in law), fmpq(0))
    if total != 1:
        raise SpecError("sampler.random-size.law", f"probabilities sum to {total}, not 1",
                        "probabilities >= 0 summing to 1")
    return _from_law(law, L, "random-size", spec or "random-size:law=" + ";".join(
        f"{p}@{'+'.join(map(str, s))}" for p, s in law), {"law": law})


def _prob(p, field_name: str) -> fmpq:
    from .target import to_fmpq

    try:
        p = to_fmpq(p)
    except (TypeError, ValueError):
        raise SpecError(field_name, f"{shorten(repr(p))} is not a probability", "a number in [0, 1]") from None
    if p < 0 or p > 1:
        raise SpecError(field_name, f"{p} is outside [0, 1]", "probabilities in [0, 1]")
    return p


def _from_law(law, L: int, kind: str, spec: str, params: dict) -> Schedule:
    """Trie over composition prefixes; P(next size | prefix) = P(prefix+s) / P(prefix)."""
    mass: dict = {}
    for p, sizes in law:
        for t in range(len(sizes) + 1):
            mass[sizes[:t]] = mass.get(sizes[:t], fmpq(0)) + p
    nodes: dict = {}
    revealed = {pre: sum(pre) for pre in mass}
    for pre in sorted(mass, key=len):
        if pre == ():
            continue
        parent = pre[:-1]
        # Zero-probability branches are dropped: they would inflate s_max and the node count.
        if mass[pre] != 0:
            nodes.setdefault(parent, []).append((mass[pre] / mass[parent], pre[-1], pre))
    return Schedule(kind, spec, L, (), nodes, revealed, params)


def mdm(pi, L: int, spec: str | None = None) -> Schedule:
    """FG25's sampler: each position's reveal step K_i ∈ {1..N} i.i.d. with P(K_i = k) = π_k.

    Equivalent to random sizes: given n revealed before step k, each masked position is revealed
    at step k independently with ρ_k = π_k / (π_k + … + π_N), so s_k ~ Binomial(L − n, ρ_k);
    positions are uniform given the size. Node key (k, n); steps of size 0 do nothing.
    """
    pi = [_prob(p, "sampler.mdm.pi") for p in pi]
    total = sum(pi, fmpq(0))
    if total != 1:
        raise SpecError("sampler.mdm.pi", f"sums to {total}, not 1", "probabilities >= 0 summing to 1")
    N = len(pi)
    nodes: dict = {}
    revealed: dict = {}
    for k in range(N + 1):
        for n in range(L + 1):
            revealed[(k, n)] = n
    for k in range(N):
        tail = sum(pi[k:], fmpq(0))
        if tail == 0:
            continue
        rho = pi[k] / tail
        for n in range(L):
            m = L - n
            trans = []
            for s in range(m + 1):
                p = comb(m, s) * rho**s * (1 - rho) ** (m - s)
                if p != 0:
                    trans.append((p, s, (k + 1, n + s)))
            nodes[(k, n)] = trans
    return Schedule("mdm", spec or "mdm:pi=" + "+".join(map(str, pi)), L, (0, 0), nodes, revealed, {"pi": pi})


def plan(blocks, L: int, spec: str | None = None) -> Schedule:
    """One fixed ordered partition D = (D_1..D_T) of the positions 0..L−1 (no randomness).

    Its output law is q_D itself (D-CHAIN); ``laws.py`` handles this kind explicitly, since the
    size-process nodes below only record the sizes.
    """
    blocks = tuple(tuple(sorted(int(i) for i in b)) for b in blocks)
    flat = sorted(i for b in blocks for i in b)
    if any(not b for b in blocks) or flat != list(range(L)):
        raise SpecError("sampler.plan.blocks", f"{_plan_text(blocks)} is not an ordered partition of 0..{L - 1}",
                        f"blocks of positions 0..{L - 1}, each position once, e.g. 0+2/1/3")
    sizes = tuple(len(b) for b in blocks)
    sch = _from_law([(fmpq(1), sizes)], L, "plan", spec or f"plan:blocks={_plan_text(blocks)}",
                    {"blocks": blocks, "sizes": sizes})
    return sch


def bisection_blocks(L: int, m: int) -> tuple:
    """WLL26 Theorem 2's schedule (recursive bisection by m-blocks), as blocks of 0-based positions.

    Active segments (maximal runs of unrevealed positions) start as ``[0, L)``. A *stage* is ``m``
    rounds: each active segment ``[a, a + ℓ)`` of length ``ℓ > m`` gets as target its central m-block
    ``a + ⌊(ℓ − m)/2⌋ … a + ⌊(ℓ − m)/2⌋ + m − 1`` (the paper says "central"; the left remainder takes
    the floor), a segment of length ``ℓ ≤ m`` the whole segment. Round ``r`` of the stage reveals the
    ``r``-th position (left to right) of every target that still has one; a round that reveals
    nothing is dropped. The new active segments are the pieces left and right of each central
    block. Positions depend on ``L`` and ``m`` only, never on values.
    """
    if not 1 <= m < L:
        raise SpecError("sampler.plan.bisect", f"m={m} is outside 1..L-1={L - 1}",
                        f"an integer 1 <= m < L={L} (WLL26 Theorem 2 needs m < L)")
    blocks: list = []
    segments = [(0, L)]  # (start, length)
    while segments:
        targets, nxt = [], []
        for a, ell in segments:
            if ell > m:
                left = (ell - m) // 2
                targets.append(list(range(a + left, a + left + m)))
                nxt += [seg for seg in ((a, left), (a + left + m, ell - left - m)) if seg[1] > 0]
            else:
                targets.append(list(range(a, a + ell)))
        for r in range(m):
            block = [t[r] for t in targets if r < len(t)]
            if block:
                blocks.append(tuple(block))
        segments = nxt
    return tuple(blocks)


def bisection_rounds(L: int, m: int) -> int:
    """Number of rounds of ``bisection_blocks`` in closed form (our construction, derived): the
    longest segment follows ``ℓ → ⌈(ℓ − m)/2⌉`` while ``ℓ > m``; each such stage costs ``m`` rounds
    (some target is a full m-block), the last stage ``ℓ_final`` rounds."""
    ell, rounds = L, 0
    while ell > m:
        rounds += m
        ell = -(-(ell - m) // 2)
    return rounds + ell


def bisection_bound(L: int, m: int) -> int:
    """WLL26 Theorem 2's round count ``m(⌈log₂(L/m)⌉ + 1)`` in integers: ``⌈log₂(L/m)⌉`` is the
    least ``j ≥ 0`` with ``m · 2^j ≥ L``."""
    j = 0
    while m << j < L:
        j += 1
    return m * (j + 1)


def bisect(m: int, L: int, spec: str | None = None) -> Schedule:
    """plan:bisect=m — the fixed plan of :func:`bisection_blocks` (WLL26 Theorem 2)."""
    blocks = bisection_blocks(L, m)
    sch = plan(blocks, L, spec or f"plan:bisect={m}")
    sch.params["bisect"] = m
    return sch


def _plan_text(blocks) -> str:
    return "/".join("+".join(map(str, b)) for b in blocks)


def _guard_mdm(N: int, L: int, field_name: str) -> None:
    """mdm builds (N+1)(L+1) nodes and N(L+1)(L+2)/2 transitions: sized (memory and time) before
    building. No progress line here: the caller prints it once every input is checked."""
    from ..guard import refuse_mdm

    refuse_mdm(N, L, field_name)
