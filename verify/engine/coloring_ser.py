"""Exact sequence error rate of the 3-colouring chain under ``mdm:π``, at lengths beyond enumeration.

The target (``coloring3:L``) is uniform on proper 3-colourings of a path: X_1 uniform, each next
colour uniform on the two others, so P = (J − I)/2 and P^d(x, y) = 1/3 + (−1/2)^d (1[x=y] − 1/3).
The sampler ``mdm:π`` draws each position's step K_i ∈ {1..N} i.i.d. with P(K_i = k) = π_k; given
K_i ≥ k, position i is revealed at step k with probability ρ_k = π_k / (π_k + … + π_N).

**Where errors come from.** A token revealed after an adjacent one is drawn given it, so it differs
from it; two non-adjacent tokens of one block can always be completed to a proper colouring (three
colours). So the output is improper exactly when two *adjacent* positions revealed at the *same*
step draw the same colour, and SER = 1 − P(no such collision).

**Gap recursion (derived).** Given the revealed values, the masked positions fall into gaps between
consecutive revealed positions; by the Markov property the gaps evolve independently, and by the
symmetry of the colours a gap's future depends only on its length g and its type:
``E`` (both ends revealed, equal colours), ``U`` (both ends, different colours), ``O`` (one end
revealed, the other side open) and ``Z`` (nothing revealed: the whole chain, g = L). With
F_k^T(g) = P(no collision in the gap from step k on), F_{N+1}^T(g) = 1[g = 0] and

    F_k^T(g) = (1 − ρ_k)^g F_{k+1}^T(g)
               + Σ_{∅ ≠ D ⊆ gap} ρ_k^{|D|} (1 − ρ_k)^{g − |D|} Σ_{y_D} Π_{d∈D} m_d^T(y_d) · Π links,

where m_d^T is the conditional marginal of position d given the gap's ends and each link is the
factor of the sub-gap between consecutive revealed points: 1[y ≠ y'] for two adjacent block
positions, F_{k+1}^{E or U}(s) for a sub-gap of s ≥ 1 between two colours, F_{k+1}^O(s) towards an
open side. The sum over D is a left-to-right scan (O(g²) per gap), so one step costs O(L³).

For uniform π = (1/N, …, 1/N), ρ_k = 1/(N − k + 1) depends only on the number j of steps left, so
a single pass j = 1, 2, … gives P(no collision) = F^Z(L) for *every* N at once — which is what makes
N_min(L, δ) (the fewest uniform steps with SER ≤ δ, FG25.SER) exact at L beyond enumeration.
Everything is exact (fmpq); comparisons against a rational δ are exact, hence certified.
"""
from __future__ import annotations

from flint import fmpq

from ..errors import SpecError

TYPES = ("E", "U", "O")


def transition_power(d: int, same: bool) -> fmpq:
    """P^d(x, y) of the 3-colouring chain: 1/3 + (−1/2)^d (1[x = y] − 1/3)."""
    return fmpq(1, 3) + fmpq(-1, 2) ** d * (fmpq(2, 3) if same else fmpq(-1, 3))


def _marginals(kind: str, g: int) -> list:
    """m[j][y] for gap positions j = 1..g (index 0 unused); left end colour 0 at position 0.

    E: right end colour 0 at g+1; U: right end colour 1 at g+1; O: no right end; Z: no end at all.
    """
    out = [None]
    for j in range(1, g + 1):
        if kind == "Z":
            out.append([fmpq(1, 3)] * 3)
            continue
        left = [transition_power(j, y == 0) for y in range(3)]
        if kind == "O":
            out.append(left)
            continue
        c_r = 0 if kind == "E" else 1
        right = [transition_power(g + 1 - j, y == c_r) for y in range(3)]
        norm = transition_power(g + 1, c_r == 0)
        out.append([left[y] * right[y] / norm for y in range(3)])
    return out


class _Tables:
    """Marginals per (type, g), computed once per L."""

    def __init__(self, L: int):
        self.L = L
        self.m = {(t, g): _marginals(t, g) for t in TYPES for g in range(1, L)}
        self.m[("Z", L)] = _marginals("Z", L)


def _gap_step(kind: str, g: int, rho: fmpq, F: dict, Fz_next, tab: _Tables) -> fmpq:
    """F_k^kind(g) from the next step's table F (F[(T, s)], s ≥ 1) — the scan of the module doc."""
    one = fmpq(1)
    stay = one - rho
    pw = [one]
    for _ in range(g):
        pw.append(pw[-1] * stay)
    m = tab.m[(kind, g)]

    def two_sided(s: int, equal: bool) -> fmpq:
        if s == 0:
            return fmpq(0) if equal else one
        return F[("E" if equal else "U", s)]

    def open_side(s: int) -> fmpq:
        return one if s == 0 else F[("O", s)]

    # Colour of the left end (0) for E, U, O; Z has no ends (its left side is open).
    c_r = {"E": 0, "U": 1}.get(kind)
    alpha: list = [None] * (g + 1)
    total: list = [None] * (g + 1)
    for j in range(1, g + 1):
        a = []
        for y in range(3):
            if m[j][y] == 0:
                a.append(fmpq(0))
                continue
            acc = pw[j - 1] * (open_side(j - 1) if kind == "Z" else two_sided(j - 1, y == 0))
            for jp in range(1, j):
                s = j - jp - 1
                eq, ne = two_sided(s, True), two_sided(s, False)
                # Σ_{y'} α_{j'}(y') link(s, y', y) with link depending only on [y' = y].
                acc += pw[s] * (alpha[jp][y] * eq + (total[jp] - alpha[jp][y]) * ne)
            a.append(rho * m[j][y] * acc)
        alpha[j] = a
        total[j] = a[0] + a[1] + a[2]
    nothing = pw[g] * (Fz_next if kind == "Z" else F[(kind, g)])
    out = nothing
    for j in range(1, g + 1):
        s = g - j
        for y in range(3):
            if alpha[j][y] == 0:
                continue
            if kind in ("O", "Z"):
                link = open_side(s)
            else:
                link = two_sided(s, y == c_r)
            out += pw[s] * alpha[j][y] * link
    return out


def _step(F: dict, Fz, rho: fmpq, tab: _Tables):
    """One step of the recursion: (F_{k+1}, F_{k+1}^Z(L)) → (F_k, F_k^Z(L))."""
    L = tab.L
    new = {}
    for g in range(1, L):
        for t in TYPES:
            new[(t, g)] = _gap_step(t, g, rho, F, None, tab)
    return new, _gap_step("Z", L, rho, F, Fz, tab)


def _terminal(L: int):
    """After the last step no masked position may remain: F = 1[g = 0], and every g here is ≥ 1."""
    return {(t, g): fmpq(0) for t in TYPES for g in range(1, L)}, fmpq(0)


def _check_pi(pi) -> list:
    pi = [p if isinstance(p, fmpq) else fmpq(p) for p in pi]
    if not pi or any(p < 0 for p in pi) or sum(pi, fmpq(0)) != 1:
        raise SpecError("sampler.mdm.pi", f"{'+'.join(map(str, pi))} is not a probability vector",
                        "probabilities >= 0 summing to 1")
    return pi


def coloring3_ser(L: int, pi) -> fmpq:
    """Exact SER of ``coloring3:L`` under ``mdm:π`` (perfect predictor), by the gap recursion."""
    if L < 1:
        raise SpecError("target.coloring3.L", f"{L} < 1", "an integer >= 1")
    pi = _check_pi(pi)
    if L == 1:
        return fmpq(0)
    tab = _Tables(L)
    F, Fz = _terminal(L)
    tail = fmpq(0)
    for p in reversed(pi):  # steps N, N−1, …, 1
        tail += p
        if p == 0:
            continue  # ρ = 0: the step reveals nothing
        F, Fz = _step(F, Fz, p / tail, tab)
    return 1 - Fz


def coloring3_ser_uniform(L: int, N_max: int):
    """Yield (N, SER of coloring3:L under mdm:N) for N = 1..N_max, one recursion step per N."""
    if L < 1:
        raise SpecError("target.coloring3.L", f"{L} < 1", "an integer >= 1")
    tab = _Tables(max(L, 1))
    F, Fz = _terminal(L)
    for N in range(1, N_max + 1):
        if L == 1:
            yield N, fmpq(0)
            continue
        F, Fz = _step(F, Fz, fmpq(1, N), tab)  # N steps left: ρ = 1/N
        yield N, 1 - Fz


# --------------------------------------------------------------------- FG25.SER's two bounds

def ser_lower_bound(L: int, sum_pi_sq) -> fmpq:
    """FG25.SER lower bound 1 − (1 − Σ_k π_k²/9)^{⌊L/2⌋} (uniform π: Σ π_k² = 1/N)."""
    return 1 - (1 - fmpq(sum_pi_sq) / 9) ** (L // 2)


def ser_upper_bound(L: int, sum_pi_sq) -> fmpq:
    """FG25.SER upper bound (L − 1) Σ_k π_k² (union over adjacent pairs revealed together)."""
    return (L - 1) * fmpq(sum_pi_sq)


def n_min_bracket(L: int, delta) -> tuple:
    """(N_lo, N_hi) with N_lo ≤ N_min(L, δ) ≤ N_hi, from FG25.SER's bounds alone (uniform π).

    N_hi = ⌈(L − 1)/δ⌉ is the first N whose upper bound (L − 1)/N is ≤ δ. N_lo is the first N
    whose lower bound 1 − (1 − 1/(9N))^{⌊L/2⌋} is ≤ δ; the lower bound decreases in N, so every
    N < N_lo has SER > δ. Exact rational comparisons (binary search on the monotone bound).
    """
    delta = fmpq(delta)
    if not 0 < delta < 1:
        raise SpecError("delta", f"{delta} is not in (0, 1)", "a rational 0 < delta < 1")
    if L <= 1:
        return 1, 1
    num, den = int((L - 1) * delta.q), int(delta.p)
    n_hi = max(1, -(-num // den))
    lo, hi = 1, n_hi  # the lower bound at n_hi is ≤ the upper bound ≤ δ
    while lo < hi:
        mid = (lo + hi) // 2
        if ser_lower_bound(L, fmpq(1, mid)) <= delta:
            hi = mid
        else:
            lo = mid + 1
    return lo, n_hi


def n_min_exact(L: int, delta, N_cap: int | None = None) -> dict:
    """N_min(L, δ) = min{N : SER(coloring3:L, mdm:N) ≤ δ}, decided by exact rational comparisons.

    Every N below the answer is shown to have SER > δ by its exact SER (one recursion pass serves
    all N, so the bracket from FG25.SER's bounds is reported, not relied on). Returns the answer,
    the bracket and the exact SER at N_min − 1 and N_min.
    """
    delta = fmpq(delta)
    n_lo, n_hi = n_min_bracket(L, delta)
    cap = N_cap or n_hi
    prev = None
    for N, ser in coloring3_ser_uniform(L, cap):
        if ser <= delta:
            return {"L": L, "delta": delta, "N_min": N, "bracket": (n_lo, n_hi), "ser_at_N_min": ser,
                    "ser_below": prev, "how": "exact rational SER (gap recursion) compared with delta"}
        prev = ser
    return {"L": L, "delta": delta, "N_min": None, "bracket": (n_lo, n_hi), "ser_at_N_min": None,
            "ser_below": prev, "how": f"no N <= {cap} reaches SER <= delta"}
