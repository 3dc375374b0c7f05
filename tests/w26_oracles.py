"""Engine-free oracles for Wainwright 2026's samplers and bounds (docs/w26-samplers.md).

Nothing from ``verify`` is imported. Laws over compositions are dicts ``sizes -> Fraction`` built
from the written definitions by a route different from the engine's:

* Bernoulli unmasking: position i's reveal time U_i is uniform on [0, 1]; the sampler reveals it in
  the start step if U_i ≤ t_0, at step j if t_j < U_i ≤ t_{j+1}, in the completion if U_i > t_N.
  So the step counts are **one multinomial draw** (L; t_0, t_1 − t_0, …, 1 − t_N) — the engine instead
  chains binomials with the conditional rates β_j and serial hazards. A ``single`` end splits its count
  into singletons; a ``parallel`` end is one block; empty steps vanish.
* ψ-odds: his rule, the largest a found by scanning every candidate (no closed-form rounding).
* H(p, q) = ∫_p^q t(1−t) h′(t) dt by Gauss–Legendre quadrature of the Bernoulli gain
  h(t) = Σ_i E Info(Z_i; Z_{A_{i,t}}) written from its definition (eq. 15a) with the averaged profile.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def _weak_compositions(L: int, k: int):
    """Every (c_1..c_k) of integers >= 0 summing to L (stars and bars)."""
    for bars in itertools.combinations(range(L + k - 1), k - 1):
        edges = (-1,) + bars + (L + k - 1,)
        yield tuple(edges[i + 1] - edges[i] - 1 for i in range(k))


def multinomial_counts(L: int, probs):
    """[(prob, counts)] of Multinomial(L; probs), exact."""
    out = []
    for counts in _weak_compositions(L, len(probs)):
        p = Fraction(math.factorial(L))
        for c, pr in zip(counts, probs):
            p = p / math.factorial(c) * Fraction(pr) ** c
        if p:
            out.append((p, counts))
    return out


def bernoulli_law(L: int, grid, start: str = "single", finish: str = "single") -> dict:
    """Law over compositions of the Bernoulli sampler (module docstring)."""
    g = [Fraction(t) for t in grid]
    probs = [g[0]] + [b - a for a, b in zip(g, g[1:])] + [1 - g[-1]]
    law: dict = {}
    for p, counts in multinomial_counts(L, probs):
        sizes = []
        for pos, c in enumerate(counts):
            if c == 0:
                continue
            end = start if pos == 0 else finish if pos == len(counts) - 1 else "parallel"
            sizes += [1] * c if end == "single" else [c]
        law[tuple(sizes)] = law.get(tuple(sizes), Fraction(0)) + p
    return law


def psi(t: Fraction) -> Fraction:
    return t / (1 - t)


def psi_odds_sizes(L: int, rho=None, N=None) -> tuple:
    """His rule by scanning: a_0 = 1; a_{j+1} = largest a in a_j+1..L−1 with ψ(a/L) ≤ (1+ρ) ψ((a_j+1)/L)
    (with N: (ψ(a/L)/ψ((a_j+1)/L))^N ≤ (L−1)(L−2)/2); a last singleton."""
    if L <= 2:
        return (1,) * L
    A, a, out = L - 1, 1, [1]
    while a < A:
        base = psi(Fraction(a + 1, L))
        best = a + 1
        for cand in range(a + 1, A + 1):
            r = psi(Fraction(cand, L)) / base
            if (r <= 1 + Fraction(rho)) if N is None else (r ** N <= Fraction((L - 1) * (L - 2), 2)):
                best = cand
        out.append(best - a)
        a = best
    out.append(1)
    return tuple(out)


def geo_grid(L: int, rho) -> list:
    """Geo(ρ) on [1/L, 1 − 1/L]: odds 1/(L−1) times (1+ρ) per step, capped at L − 1."""
    o, out = Fraction(1, L - 1), []
    while True:
        out.append(o / (1 + o))
        if o >= L - 1:
            return out
        o = min(o * (1 + Fraction(rho)), Fraction(L - 1))


def bernoulli_gain(h, t: float) -> float:
    """His h(t) (eq. 15a) for an averaged profile h(0..L): position i masked, the others revealed
    i.i.d. w.p. t; Info(Z_i; Z_A) averaged over |A| = m is h(1) − (h(m+1) − h(m))."""
    L = len(h) - 1
    return sum(L * (h[1] - (h[m + 1] - h[m])) * math.comb(L - 1, m) * t**m * (1 - t) ** (L - 1 - m)
               for m in range(L))


def ugc_quadrature(h, p: float, q: float, n: int = 60) -> float:
    """H(p, q) = ∫ t(1−t) h′(t) dt with h′ by a central difference of ``bernoulli_gain`` (a degree-(L−1)
    polynomial: the 4th-order difference is exact to rounding) and Gauss–Legendre nodes."""
    x, w = np.polynomial.legendre.leggauss(n)
    t = 0.5 * (q - p) * x + 0.5 * (q + p)
    eps = 1e-4
    d = np.array([(-bernoulli_gain(h, s + 2 * eps) + 8 * bernoulli_gain(h, s + eps)
                   - 8 * bernoulli_gain(h, s - eps) + bernoulli_gain(h, s - 2 * eps)) / (12 * eps) for s in t])
    return float(0.5 * (q - p) * np.sum(w * t * (1 - t) * d))
