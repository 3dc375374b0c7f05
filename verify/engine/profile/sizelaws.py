"""Size laws: laws over compositions of L in reveal order, independent of X (ZC26's sampler family).

A size law draws block sizes ``(s_1..s_T)`` (``Σ s_t = L``) and, given the sizes, reveals uniformly
random positions among the masked ones. By D-PROFILE the expected KL of the perfect predictor sees
the law only through its **start weights**

    A(n) = E[ Σ_t s_t · 1{n_{t−1} = n} ]   (expected size of a block begun with n revealed),
    P(n) = P(some block begins with n revealed),

because  E KL = Σ_{n<L} A(n) [h(n+1) − h(n)] − h(L)  and  E[T] = Σ_n P(n).  ``Σ_n A(n) = L`` always.
So no law is ever enumerated as a list of compositions: laws that are Markov in the number of
revealed tokens are a size-node graph (``plans.Schedule``, node = n, or (step, n)), and the start
weights come from one forward pass over its nodes; ``uniform`` and ``binomial`` have closed forms.

Every law below (spec ``random-size:law=...``) is defined exactly, in rationals; ``round(x)`` is
``⌊x + 1/2⌋`` (halves up), and every size is clipped to ``[1, L − n]``:

* ``grow,r=R``: ``s_1 = 1``; then ``s = round(R · n)`` with ``n`` revealed so far. ``randomized=true``:
  random rounding, ``s = ⌊R n⌋ + B`` with ``B ~ Bernoulli(frac(R n))`` (so ``E s = R n`` before clipping).
  Sizes grow geometrically: about ``log L / log(1 + R)`` steps.
* ``shrink,r=R`` (``0 < R ≤ 1``): ``s = round(R · (L − n))``, ending in singletons once ``R (L − n) < 1/2``;
  ``randomized=true``: random rounding of ``R (L − n)``.
* ``uniform,K=K``: a uniform random composition of L into K parts (K − 1 cut points uniform among the
  ``L − 1`` gaps). Closed form: ``A(0) = L/K``, ``A(n) = 1 − C(n−1, K−1)/C(L−1, K−1)`` for ``n ≥ 1``.
* ``binomial,N=N``: the sizes of ``mdm:N`` (each position's step uniform on 1..N; empty steps do nothing).
  ``A(n) = (L−n) C(L,n) Σ_k π_k R_{k−1}^n (1 − R_{k−1})^{L−n−1}`` with ``R_k = π_1 + … + π_k``.
* ``odds,rho=ρ``: deterministic sizes whose reveal odds ``n/(L − n)`` grow by about the factor ``1 + ρ``
  per step. **Not Wainwright's rule** (that is ``psi-odds``; at L = 12, ρ = 1 this gives 1+1+1+2+2+2+1+1+1,
  his gives 1+2+3+2+2+1+1), and his bound is not claimed for it. A first singleton (``n_1 = 1``, odds ``o_1 = 1/(L−1)``), then target
  odds ``o_t = o_1 (1+ρ)^{t−1}`` and ``n_t = round(L o_t / (1 + o_t))`` clipped to ``[n_{t−1} + 1, L − 1]``,
  until ``n_t = L − 1``; a last singleton ends it.
* ``psi-odds,rho=ρ`` or ``psi-odds,N=N``: Wainwright 2026's fixed-cardinality schedule with his rounding
  (``w26laws.py``): singleton, ``a_{j+1} = max{a ≤ L−1 : ψ(a/L) ≤ (1+ρ) ψ((a_j+1)/L)}``, singleton.
* ``file:PATH``: a JSON list of ``[probability, [s_1, s_2, …]]``; probabilities written as strings
  (``"1/3"``) are exact, numbers are read as the decimal they print as. Refused (exit 2) unless every
  entry is a composition of L and the probabilities are in [0, 1] and sum to 1.
* ``1/3@1+3;2/3@3+1``: an explicit law, as before.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import accumulate
from fractions import Fraction
from math import comb

import numpy as np
from flint import fmpq

from ... import guard
from ...errors import SpecError, shorten
from ..plans import Schedule, mdm
from ..numbers import log_binom

LAWS = ("grow", "shrink", "uniform", "binomial", "odds", "psi-odds", "file", "p@sizes;...")
_ACCEPT = ("law=grow,r=R[,randomized=true] | law=shrink,r=R[,randomized=true] | law=uniform,K=K | "
           "law=binomial,N=N | law=odds,rho=RHO | law=psi-odds,rho=RHO | law=psi-odds,N=N | law=file:PATH | law=p@s1+s2;...")


def _clip(s: int, left: int) -> int:
    return min(left, max(1, s))


def _split(x: Fraction, left: int, randomized: bool) -> list:
    """[(prob, size)] for a nominal size x: rounded, or randomly rounded; clipped to [1, left].
    Probabilities are fmpq; with x = a/b in lowest terms, ⌊x⌋ = a // b, frac(x) = (a mod b)/b and
    round(x) = ⌊x + 1/2⌋ = (2a + b) // 2b, in integers (no Fraction arithmetic per node)."""
    a, b = x.numerator, x.denominator
    if not randomized:
        return [(fmpq(1), _clip((2 * a + b) // (2 * b), left))]
    fl, rem = divmod(a, b)
    out: dict = {}
    for p, s in ((b - rem, fl), (rem, fl + 1)):
        if p:
            s = _clip(s, left)
            out[s] = out.get(s, 0) + p      # the two sizes can clip to one: their weights add
    return [(fmpq(p, b), s) for s, p in sorted(out.items())]


def _fq(x: Fraction) -> fmpq:
    return fmpq(x.numerator, x.denominator)


def _graph_from_markov(L: int, step) -> tuple:
    """Size-node graph of a law Markov in n: nodes keyed by n, ``step(n) -> [(prob, size)]``."""
    nodes, revealed, seen, frontier = {}, {0: 0}, {0}, [0]
    while frontier:
        nxt = []
        for n in frontier:
            if n >= L:
                continue
            trans = []
            for p, s in step(n):
                trans.append((p if isinstance(p, fmpq) else _fq(Fraction(p)), s, n + s))
                if n + s not in seen:
                    seen.add(n + s)
                    revealed[n + s] = n + s
                    nxt.append(n + s)
            nodes[n] = trans
        frontier = nxt
    return 0, nodes, revealed


def forward_weights(sched: Schedule, exact: bool) -> tuple:
    """(P, A): P(n) = P(a block begins at n revealed), A(n) = E[size · 1{begins at n}], n = 0..L−1,
    by one forward pass over the size nodes (steps of size 0 do nothing and count nothing)."""
    L = sched.L
    zero = fmpq(0) if exact else 0.0
    prob = {sched.start: fmpq(1) if exact else 1.0}
    P = [zero] * L
    A = [zero] * L
    for key in sched.order():
        pk = prob.get(key, zero)
        if pk == 0:
            continue
        n = sched.revealed[key]
        for p, s, child in sched.nodes.get(key, ()):
            # int / int is correctly rounded, as float(Fraction(p, q)) (fmpq is already in lowest terms)
            w = pk * (p if exact else int(p.p) / int(p.q))
            prob[child] = prob.get(child, zero) + w
            if s > 0:
                P[n] = P[n] + w
                A[n] = A[n] + w * s
    return P, A


@dataclass(eq=False)
class SizeLaw:
    """A law over compositions of L (reveal order), with exact start weights and its graph.

    ``graph()`` is the size-node Schedule (built on demand; for uniform/binomial at large L it has
    O(K L²) edges, so the profile engine uses the closed-form ``start_weights`` instead).
    """

    name: str
    spec: str
    L: int
    params: dict
    max_iterations: int
    _build: object = None                    # () -> Schedule
    _closed: object = None                   # exact -> (P, A) or None
    _cache: dict = field(default_factory=dict)

    def graph(self) -> Schedule:
        if "graph" not in self._cache:
            self._cache["graph"] = self._build()
        return self._cache["graph"]

    def start_weights(self, exact: bool = True) -> tuple:
        """(P(n), A(n)) for n = 0..L−1: fmpq lists (exact) or float64 arrays."""
        key = ("w", exact)
        if key not in self._cache:
            if self._closed is not None:
                P, A = self._closed(exact)
            else:
                P, A = forward_weights(self.graph(), exact)
            if not exact:
                P, A = np.asarray(P, dtype=np.float64), np.asarray(A, dtype=np.float64)
            self._cache[key] = (P, A)
        return self._cache[key]

    def mean_iterations(self, exact: bool = True):
        """E[T] = Σ_n P(n): expected number of non-empty blocks."""
        P, _ = self.start_weights(exact)
        return sum(P, fmpq(0)) if exact else float(np.sum(P))

    def max_block(self) -> int:
        """Largest block size with positive probability (LC25's s_max)."""
        if "smax" not in self._cache:
            if self.name == "uniform":
                self._cache["smax"] = self.L - self.params["K"] + 1
            elif self.name == "binomial":
                self._cache["smax"] = self.L
            else:
                self._cache["smax"] = self.graph().max_block
        return self._cache["smax"]

    def describe(self) -> dict:
        return {"law": self.spec, "mean_iterations": self.mean_iterations(True),
                "max_iterations": self.max_iterations}


def longest_path(sched: Schedule) -> int:
    """Maximum number of non-empty blocks over the schedule's size paths."""
    depth = {sched.start: 0}
    for key in sched.order():
        for p, s, child in sched.nodes.get(key, ()):
            if p != 0:
                depth[child] = max(depth.get(child, 0), depth[key] + (1 if s > 0 else 0))
    return max(depth.values())


def _markov_law(name: str, spec: str, L: int, params: dict, step) -> SizeLaw:
    def build():
        start, nodes, revealed = _graph_from_markov(L, step)
        return Schedule("random-size", spec, L, start, nodes, revealed, {"law": name, **params})

    law = SizeLaw(name, spec, L, params, 0, build)
    law.max_iterations = longest_path(law.graph())
    return law


def grow(r, L: int, randomized: bool = False, spec: str | None = None) -> SizeLaw:
    """s_1 = 1, then s ≈ r · n (rounded half up, or randomly rounded), clipped to [1, L − n]."""
    r = Fraction(r)
    if r <= 0:
        raise SpecError("sampler.random-size.r", f"r={r} is not > 0", "a rational r > 0 for law=grow")
    spec = spec or f"random-size:law=grow,r={r}" + (",randomized=true" if randomized else "")
    return _markov_law("grow", spec, L, {"r": r, "randomized": randomized},
                       lambda n: [(1, 1)] if n == 0 else _split(r * n, L - n, randomized))


def shrink(r, L: int, randomized: bool = False, spec: str | None = None) -> SizeLaw:
    """s ≈ r · (L − n) (rounded half up, or randomly rounded), clipped to [1, L − n]."""
    r = Fraction(r)
    if not 0 < r <= 1:
        raise SpecError("sampler.random-size.r", f"r={r} is outside (0, 1]", "a rational 0 < r <= 1 for law=shrink")
    spec = spec or f"random-size:law=shrink,r={r}" + (",randomized=true" if randomized else "")
    return _markov_law("shrink", spec, L, {"r": r, "randomized": randomized},
                       lambda n: _split(r * (L - n), L - n, randomized))


def odds_sizes(rho, L: int) -> tuple:
    """The odds-geometric composition (module docstring): singleton, odds × (1+ρ) per step, singleton."""
    rho = Fraction(rho)
    if L <= 2:
        return (1,) * L
    # In integers (no gcd per step): with 1 + ρ = num/den in lowest terms, o_t = num^t/(den^t (L−1)) and
    # round(L o_t/(1 + o_t)) = ⌊L a/d + 1/2⌋ = ⌊(2 L a + d)/(2 d)⌋, a = num^t, d = num^t + den^t (L−1).
    num, den = rho.numerator + rho.denominator, rho.denominator
    sizes, n, a, b = [1], 1, 1, 1
    while n < L - 1:
        a, b = a * num, b * den
        d = a + b * (L - 1)
        target = (2 * L * a + d) // (2 * d)
        n_next = min(L - 1, max(n + 1, target))
        sizes.append(n_next - n)
        n = n_next
    sizes.append(1)
    return tuple(sizes)


def odds(rho, L: int, spec: str | None = None) -> SizeLaw:
    rho = Fraction(rho)
    if rho <= 0:
        raise SpecError("sampler.random-size.rho", f"rho={rho} is not > 0", "a rational rho > 0 for law=odds")
    return explicit([(Fraction(1), odds_sizes(rho, L))], L, spec or f"random-size:law=odds,rho={rho}",
                    name="odds", params={"rho": rho})


def explicit(law, L: int, spec: str, name: str = "explicit", params: dict | None = None) -> SizeLaw:
    """A finite list [(prob, sizes)] (checked by ``plans.random_size``) as a trie of prefixes."""
    from ..plans import random_size

    sch = random_size([(_fq(Fraction(p)) if not isinstance(p, fmpq) else p, s) for p, s in law], L, spec)
    params = dict(params or {}, sizes_law=sch.params["law"])
    out = SizeLaw(name, spec, L, params, max(len(s) for _, s in sch.params["law"]), lambda: sch)
    return out


def uniform(K: int, L: int, spec: str | None = None) -> SizeLaw:
    """Uniform random composition of L into K parts; closed-form start weights (module docstring)."""
    if not 1 <= K <= L:
        raise SpecError("sampler.random-size.K", f"K={K} is outside 1..L={L}", f"an integer 1 <= K <= {L}")
    spec = spec or f"random-size:law=uniform,K={K}"

    def build():
        # node (t, n): t parts used; next size s w.p. C(L−n−s−1, K−t−2)/C(L−n−1, K−t−1).
        nodes, revealed = {}, {(0, 0): 0}
        for t in range(K):
            for n in range(t, L - (K - t) + 1):
                left, parts = L - n, K - t
                if parts == 1:
                    nodes[(t, n)] = [(fmpq(1), left, (t + 1, L))]
                    revealed[(t + 1, L)] = L
                    continue
                den = comb(left - 1, parts - 1)
                trans = []
                for s in range(1, left - parts + 2):
                    trans.append((fmpq(comb(left - s - 1, parts - 2), den), s, (t + 1, n + s)))
                    revealed[(t + 1, n + s)] = n + s
                nodes[(t, n)] = trans
                revealed.setdefault((t, n), n)
        return Schedule("random-size", spec, L, (0, 0), nodes, revealed, {"law": "uniform", "K": K})

    def closed(exact):
        if exact:
            top = comb(L - 1, K - 1)
            P = [fmpq(1)] + ([fmpq(K - 1, L - 1)] * (L - 1) if L > 1 else [])
            A = [fmpq(L, K)] + [1 - fmpq(comb(n - 1, K - 1), top) for n in range(1, L)]
            return P, A
        n = np.arange(1, L)
        ratio = np.where(n - 1 >= K - 1, np.exp(log_binom(n - 1, K - 1) - log_binom(L - 1, K - 1)), 0.0)
        P = np.concatenate([[1.0], np.full(L - 1, (K - 1) / (L - 1) if L > 1 else 0.0)])
        return P, np.concatenate([[L / K], 1.0 - ratio])

    return SizeLaw("uniform", spec, L, {"K": K}, K, build, closed)


def binomial(pi, L: int, spec: str | None = None) -> SizeLaw:
    """mdm's sizes: step labels i.i.d. with P(K_i = k) = π_k; closed-form start weights."""
    pi = [Fraction(p) for p in pi]
    N = len(pi)
    spec = spec or (f"random-size:law=binomial,N={N}" if len(set(pi)) == 1 else
                    "mdm:pi=" + "+".join(map(str, pi)))
    R = list(accumulate(pi[:-1], initial=Fraction(0)))  # R_{k−1} = Σ_{j<k} π_j before step k (O(N))

    def closed(exact):
        if exact and len(set(pi)) == 1:
            return _binomial_uniform_exact(N, L)
        if exact:
            P, A = [fmpq(0)] * L, [fmpq(0)] * L
            for k in range(N):
                if pi[k] == 0:
                    continue
                Rk, pk, rest = _fq(R[k]), _fq(pi[k]), _fq(1 - R[k])
                rho = pk / rest
                stay = [fmpq(1)]                      # (1 − ρ)^j, j = 0..L
                for _ in range(L):
                    stay.append(stay[-1] * (1 - rho))
                if Rk == 0:                           # nothing revealed before the first step
                    P[0] += 1 - stay[L]
                    A[0] += rho * L
                    continue
                occ = rest**L                         # P(n revealed before step k), from n = 0 up
                odds = Rk / rest
                for n in range(L):
                    P[n] += occ * (1 - stay[L - n])
                    A[n] += occ * rho * (L - n)
                    occ = occ * odds * fmpq(L - n, n + 1)
            return P, A
        n = np.arange(L, dtype=np.float64)
        P, A = np.zeros(L), np.zeros(L)
        for k in range(N):
            if pi[k] == 0:
                continue
            Rk, pk = float(R[k]), float(pi[k])
            rest = 1.0 - Rk
            with np.errstate(divide="ignore"):
                log_occ = log_binom(L, n) + n * np.log(Rk) + (L - n) * np.log(rest) if Rk > 0 else \
                    np.where(n == 0, L * np.log(rest), -np.inf)
            occ = np.exp(log_occ)
            rho = pk / rest
            P += occ * -np.expm1((L - n) * np.log1p(-rho)) if rho < 1 else occ
            A += occ * rho * (L - n)
        return P, A

    nz = sum(1 for p in pi if p)
    return SizeLaw("binomial", spec, L, {"pi": pi}, min(nz, L), lambda: mdm([_fq(p) for p in pi], L, spec), closed)


def _binomial_uniform_exact(N: int, L: int) -> tuple:
    """Start weights of mdm:N in integers over N^L (no rational reductions until the end):
    with a = k−1 revealed-step labels below step k, b = N−k+1, c = N−k,
    P(n) = C(L,n) Σ_k a^n (b^{L−n} − c^{L−n}) / N^L,   A(n) = (L−n) C(L,n) Σ_k a^n b^{L−n−1} / N^L.

    With S_M^e(n) = Σ_{a=0}^{M} a^n (M−a)^{e−n} (0^0 = 1): Σ_k a^n b^{L−n−1} = S_N^{L−1}(n) for n < L−1
    (the term a = N is N^n 0^{L−1−n} = 0), Σ_k a^n b^{L−n} = S_N^L(n) and Σ_k a^n c^{L−n} = S_{N−1}^L(n)
    for n < L. Each S_M^e is symmetric, S_M^e(n) = S_M^e(e − n) (a ↦ M − a), so only n ≤ e/2 is summed.
    Along n the terms run by exact divisions by small integers instead of products of two large
    powers: u_n = a^n (M−a)^{e−n}, u_{n+1} = a·u_n/(M−a) (exact: M−a divides u_n while e − n ≥ 1).
    Every step is linear in the size of the numbers; the sums are the same integers."""
    from flint import fmpz  # GMP arithmetic: several times faster than int on 10^4-bit numbers

    def symmetric_sums(M: int, e: int) -> list:
        """[S_M^e(n) for n = 0..e]."""
        if e == 0:                           # Σ_a a^0 (M−a)^0 = M + 1
            return [fmpz(M + 1)]
        half = e // 2
        S = [fmpz(0)] * (half + 1)
        for a in range(M + 1):
            b = M - a
            if b == 0:                       # a^n 0^{e−n}: only n = e, mirrored from n = 0 below
                continue
            u = fmpz(b) ** e
            if a == 0:                       # 0^n: only n = 0
                S[0] += u
                continue
            for n in range(half + 1):
                S[n] += u
                u = u * a // b
        return S + [S[e - n] for n in range(half + 1, e + 1)]

    GA = symmetric_sums(N, L - 1)
    GP, HP = symmetric_sums(N, L), symmetric_sums(N - 1, L)
    D = fmpz(N) ** L
    P, A, binom = [], [], 1
    for n in range(L):          # C(L, n) by C(L, n+1) = C(L, n)(L − n)/(n + 1): no math.comb per n
        SA = GA[n] - (fmpz(N) ** (L - 1) if n == L - 1 else 0)   # drop the a = N term at n = L − 1
        P.append(fmpq(binom * (GP[n] - HP[n]), D))
        A.append(fmpq((L - n) * binom * SA, D))
        binom = binom * (L - n) // (n + 1)
    return P, A


def from_file(path: str, L: int, spec: str) -> SizeLaw:
    """law=file:PATH — a JSON list of [probability, [sizes...]] (see the module docstring)."""
    f = "sampler.random-size.law.file"
    accepted = f'a JSON list of [probability, [sizes summing to L={L}]], e.g. [["1/2", [1, {L - 1}]], ["1/2", [{L}]]]'
    from ...specs import check_number_text

    # os.stat before opening: a FIFO would block, /dev/zero would be read until memory runs out
    raw = guard.read_regular_file(path, f, accepted, guard.MAX_LAW_FILE_BYTES)
    guard.refuse(f, f"JSON size-law file of {len(raw)} bytes (parsed whole)", 40.0 * len(raw), "a smaller file")
    number = "numbers of at most 100 characters with an exponent within ±1000"
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=lambda t: int(check_number_text(t, f, number)),
                          parse_float=lambda t: float(check_number_text(t, f, number)))
    except SpecError:
        raise
    except RecursionError:
        raise SpecError(f, f"{shorten(path)} is nested too deeply", accepted) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise SpecError(f, f"{shorten(path)} is not readable JSON ({type(err).__name__})", accepted) from None
    guard.refuse_cost(f, f"a size law of {len(data) if isinstance(data, list) else 1} entries at L={L}",
                      *guard.graph_law_cost(len(raw) // 2, len(raw) // 2), "a shorter list")
    if not isinstance(data, list) or not data:
        raise SpecError(f, "is not a non-empty JSON list", accepted)
    law = []
    for j, entry in enumerate(data, start=1):
        if (not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[1], list)
                or not all(isinstance(s, int) and not isinstance(s, bool) for s in entry[1])):
            raise SpecError(f, f"entry {j} is not [probability, [integer sizes]]", accepted)
        p = entry[0]
        if isinstance(p, str):
            for part in p.split("/", 1):
                check_number_text(part, f"{f}[{j}]", 'probabilities such as "1/3" or 0.25')
        try:
            if isinstance(p, bool) or not isinstance(p, (str, int, float)):
                raise ValueError
            p = Fraction(p) if isinstance(p, str) else Fraction(repr(p))
        except (ValueError, ZeroDivisionError):
            raise SpecError(f, f"entry {j}: probability {shorten(repr(entry[0]))} is not a number", accepted) from None
        if not 0 <= p <= 1:
            raise SpecError(f, f"entry {j}: probability {p} is outside [0, 1]", accepted)
        sizes = tuple(entry[1])
        if not sizes or any(s <= 0 for s in sizes) or sum(sizes) != L:
            raise SpecError(f, f"entry {j}: sizes {list(sizes)} are not a composition of L={L}", accepted)
        law.append((p, sizes))
    total = sum((p for p, _ in law), Fraction(0))
    if total != 1:
        raise SpecError(f, f"probabilities sum to {total}, not 1", accepted)
    return explicit(law, L, spec, name="file", params={"path": path})


def _bool(raw: str, fld: str) -> bool:
    v = raw.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise SpecError(fld, f"{raw!r} is not a boolean", "true or false")


def parse_size_law(spec: str, L: int) -> SizeLaw:
    """A ``random-size:law=<name>,...`` spec (any law but the explicit ``p@sizes`` list) as a SizeLaw."""
    from ...specs import check_keys, parse_int, parse_rational, parse_spec

    f = "sampler.random-size"
    text = spec.strip()
    head = "random-size:law=file:"
    if text.startswith(head):
        return from_file(text[len(head):].strip(), L, text)
    name, kv = parse_spec(text, "sampler", verbatim=())
    law = kv.get("law")
    if law is None:
        raise SpecError(f + ".law", "is missing", _ACCEPT)
    if law == "psi-odds":  # Wainwright's rounding: w26laws.py builds it (it imports this module)
        raise SpecError(f + ".law", "psi-odds is parsed by verify.engine.samplers", "parse_sampler or size_law_of")
    keys = {"grow": ("law", "r", "randomized"), "shrink": ("law", "r", "randomized"), "uniform": ("law", "K"),
            "binomial": ("law", "N"), "odds": ("law", "rho")}
    if law not in keys:
        raise SpecError(f + ".law", f"unknown size law {law!r}", _ACCEPT)
    check_keys(kv, keys[law], f"{f}.{law}")
    need = {"grow": "r", "shrink": "r", "uniform": "K", "binomial": "N", "odds": "rho"}[law]
    if need not in kv:
        raise SpecError(f"{f}.{need}", "is missing", _ACCEPT)
    if law in ("grow", "shrink"):
        rnd = _bool(kv["randomized"], f + ".randomized") if "randomized" in kv else False
        r = parse_rational(kv["r"], f + ".r")
        # at most one node per revealed count n and two transitions per node; randomized rounding
        # multiplies probabilities with r's denominator along each path
        bits = r.denominator.bit_length() if rnd else 0
        if r > 0:
            # a path has T ≲ (ln L + 1)/ln(1 + r) + 1/(2r) + 2 blocks (geometric growth or decay, then
            # the singletons of the rounding), and with randomized rounding its n after t steps lies in
            # an interval of about t values: at most min(L, T²) nodes, each probability of T·bits bits
            lr = math.log1p(float(r)) if r < 10**300 else 690.0
            T = min(float(L), (math.log(max(L, 2)) + 1) / lr + 1 / (2 * float(r)) + 2) if lr > 0 else float(L)
            nodes = min(float(L), T * T + 1) if rnd else T
            guard.refuse_cost(f + ".r", f"law={law} with r={shorten(str(r))} at L={L}",
                              *guard.graph_law_cost(nodes, 2 * nodes, bits * T / max(nodes, 1.0)),
                              "a smaller L, or r with a smaller denominator")
        return (grow if law == "grow" else shrink)(r, L, rnd, text)
    if law == "uniform":
        K = parse_int(kv["K"], f + ".K")
        guard.refuse_cost(f + ".K", f"law=uniform with K={shorten(str(K))} at L={L}", *guard.uniform_cost(K, L),
                          "a smaller K or L")
        return uniform(K, L, text)
    if law == "binomial":
        N = parse_int(kv["N"], f + ".N", minimum=1)
        guard.refuse_binomial(N, L, f + ".N")
        return binomial([Fraction(1, N)] * N, L, text)
    rho = parse_rational(kv["rho"], f + ".rho")
    if rho > 0:
        one = 1 + rho
        guard.refuse_cost(f + ".rho", f"law=odds with rho={shorten(str(rho))} at L={L}",
                          *guard.odds_cost(one.numerator.bit_length() + one.denominator.bit_length(),
                                           math.log1p(float(rho)) if rho < 10**300 else 690.0, L),
                          "a larger rho, or one with fewer digits")
    return odds(rho, L, text)


def small_grid_laws(L: int) -> list:
    """ZC26's candidate laws on the enumeration grid ``size-laws`` (none at L = 1, where every law is
    one block). Equal sizes and mdm are already on the "balanced" and "schedules" grids."""
    if L < 2:
        return []
    return ["random-size:law=grow,r=1,randomized=true", "random-size:law=shrink,r=1/2,randomized=true",
            "random-size:law=odds,rho=1", f"random-size:law=uniform,K={L // 2}"]
