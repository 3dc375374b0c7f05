"""Engine-free oracles for the profile engine, the size laws and optimal schedules.

Nothing from ``verify``, ``distributions`` or ``proofs_numeric`` is imported. Laws are dicts
``word -> Fraction``; exact entropies are canonical forms ``{prime: Fraction}`` meaning
``Σ_p c_p log p`` (sympy.factorint), so exact equality is a dict comparison after the engine's form is
mapped to the same canonical basis. Size laws are built from their written definitions by recursion
over compositions (exponential: meant for L ≤ 10).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from math import floor

import numpy as np
from sympy import factorint


# ---------------------------------------------------------------- exact laws

def markov_joint(start, trans, L: int) -> dict:
    """p(x) = μ_0(x_1) Π P(x_i, x_{i+1}) as {word: Fraction}, zero words dropped."""
    q = len(start)
    out = {}
    for x in itertools.product(range(q), repeat=L):
        p = Fraction(start[x[0]])
        for a, b in zip(x, x[1:]):
            p *= Fraction(trans[a][b])
            if p == 0:
                break
        if p:
            out[x] = p
    return out


def uniform_joint(words) -> dict:
    words = sorted(set(tuple(w) for w in words))
    return {w: Fraction(1, len(words)) for w in words}


def marginal(joint: dict, A) -> dict:
    out: dict = {}
    for x, p in joint.items():
        key = tuple(x[i] for i in A)
        out[key] = out.get(key, Fraction(0)) + p
    return out


def log_form(r: Fraction) -> dict:
    """log r as {prime: exponent}."""
    out: dict = {}
    for p, e in factorint(r.numerator).items():
        out[p] = out.get(p, 0) + e
    for p, e in factorint(r.denominator).items():
        out[p] = out.get(p, 0) - e
    return out


def add_form(acc: dict, form: dict, c) -> None:
    for p, e in form.items():
        acc[p] = acc.get(p, Fraction(0)) + c * e


def clean(form: dict) -> dict:
    return {p: Fraction(c) for p, c in form.items() if c != 0}


def entropy_form(joint: dict, A) -> dict:
    """H(X_A) = −Σ p log p as {prime: Fraction}."""
    acc: dict = {}
    if not A:
        return acc
    for p in marginal(joint, A).values():
        add_form(acc, log_form(p), -p)
    return clean(acc)


def profile_forms(joint: dict, L: int) -> list:
    """h(m) = mean over |A| = m of H(X_A), m = 0..L, as canonical forms."""
    cache: dict = {}
    out = []
    for m in range(L + 1):
        acc: dict = {}
        subsets = list(itertools.combinations(range(L), m))
        for A in subsets:
            add_form(acc, cache.setdefault(A, entropy_form(joint, A)), Fraction(1, len(subsets)))
        out.append(clean(acc))
    return out


def form_value(form: dict) -> float:
    return float(sum(float(c) * math.log(p) for p, c in form.items()))


def float_profile(joint: dict, L: int) -> list:
    """h(0..L) in floats: every subset marginal by summing the joint array over the other axes."""
    q = 1 + max(max(x) for x in joint)
    pmf = np.zeros((q,) * L)
    for x, p in joint.items():
        pmf[x] = float(p)
    out = []
    for m in range(L + 1):
        subsets = list(itertools.combinations(range(L), m))
        tot = 0.0
        for A in subsets:
            if A:
                ps = pmf.sum(axis=tuple(i for i in range(L) if i not in A)).ravel()
                ps = ps[ps > 0]
                tot -= float(np.sum(ps * np.log(ps)))
        out.append(tot / len(subsets))
    return out


# ---------------------------------------------------------------- size laws, from their definitions

def _round_half_up(x: Fraction) -> int:
    return floor(x + Fraction(1, 2))


def _next_sizes(x: Fraction, left: int, randomized: bool) -> list:
    if randomized:
        lo = floor(x)
        cand = [(1 - (x - lo), lo), (x - lo, lo + 1)]
    else:
        cand = [(Fraction(1), _round_half_up(x))]
    return [(p, min(left, max(1, s))) for p, s in cand if p]


def _markov_law(L: int, step) -> dict:
    out: dict = {}

    def walk(n, prob, sizes):
        if n == L:
            out[sizes] = out.get(sizes, Fraction(0)) + prob
            return
        for p, s in step(n):
            walk(n + s, prob * p, sizes + (s,))

    walk(0, Fraction(1), ())
    return out


def grow_law(L: int, r, randomized: bool) -> dict:
    r = Fraction(r)
    return _markov_law(L, lambda n: [(Fraction(1), 1)] if n == 0 else _next_sizes(r * n, L - n, randomized))


def shrink_law(L: int, r, randomized: bool) -> dict:
    r = Fraction(r)
    return _markov_law(L, lambda n: _next_sizes(r * (L - n), L - n, randomized))


def odds_law(L: int, rho) -> dict:
    """Singleton; then target odds o_t = (1+ρ)^{t−1}/(L−1), n_t = round(L o/(1+o)) clipped to
    [n_{t−1}+1, L−1]; a last singleton."""
    rho = Fraction(rho)
    if L <= 2:
        return {(1,) * L: Fraction(1)}
    ns = [0, 1]
    t = 1
    while ns[-1] < L - 1:
        o = Fraction(1, L - 1) * (1 + rho) ** t
        t += 1
        ns.append(min(L - 1, max(ns[-1] + 1, _round_half_up(L * o / (1 + o)))))
    ns.append(L)
    return {tuple(b - a for a, b in zip(ns, ns[1:])): Fraction(1)}


def compositions(L: int) -> list:
    if L == 0:
        return [()]
    return [(f,) + rest for f in range(1, L + 1) for rest in compositions(L - f)]


def uniform_law(L: int, K: int) -> dict:
    cs = [c for c in compositions(L) if len(c) == K]
    return {c: Fraction(1, len(cs)) for c in cs}


def binomial_law(L: int, N: int) -> dict:
    """mdm:N sizes: all N^L label vectors, empty steps dropped."""
    out: dict = {}
    w = Fraction(1, N ** L)
    for labels in itertools.product(range(N), repeat=L):
        sizes = tuple(c for c in (labels.count(k) for k in range(N)) if c)
        out[sizes] = out.get(sizes, Fraction(0)) + w
    return out


def mdm_law(L: int, pi: list) -> dict:
    """mdm:pi sizes: every label vector, with probability Π π[label] (Fractions), empty steps dropped."""
    out: dict = {}
    for labels in itertools.product(range(len(pi)), repeat=L):
        w = Fraction(1)
        for k in labels:
            w *= pi[k]
        sizes = tuple(c for c in (labels.count(k) for k in range(len(pi))) if c)
        out[sizes] = out.get(sizes, Fraction(0)) + w
    return {s: w for s, w in out.items() if w}


def law_profile_kl(law: dict, h) -> float:
    """D-PROFILE averaged over the law, on a float profile."""
    tot = 0.0
    for sizes, p in law.items():
        n, part = 0, 0.0
        for s in sizes:
            part += s * (h[n + 1] - h[n])
            n += s
        tot += float(p) * (part - h[-1])
    return tot


def law_profile_kl_form(law: dict, hforms: list) -> dict:
    """D-PROFILE averaged over the law, exactly, on canonical profile forms."""
    acc: dict = {}
    for sizes, p in law.items():
        n = 0
        for s in sizes:
            add_form(acc, hforms[n + 1], p * s)
            add_form(acc, hforms[n], -p * s)
            n += s
        add_form(acc, hforms[-1], -p)
    return clean(acc)


def mean_overshoot(law: dict, k: int) -> Fraction:
    """E[n_{t*} − k], t* = min{t : n_t ≥ k}."""
    tot = Fraction(0)
    for sizes, p in law.items():
        n = 0
        for s in sizes:
            n += s
            if n >= k:
                tot += p * (n - k)
                break
    return tot


# ---------------------------------------------------------------- optimal schedules by brute force

def composition_cost(h, sizes) -> float:
    n, tot = 0, 0.0
    for s in sizes:
        tot += s * (h[n + 1] - h[n]) - (h[n + s] - h[n])
        n += s
    return tot


def best_by_blocks(h) -> dict:
    """K -> min over compositions with at most K blocks of E KL (float), by enumeration."""
    L = len(h) - 1
    best: dict = {}
    for c in compositions(L):
        v = composition_cost(h, c)
        best[len(c)] = min(best.get(len(c), math.inf), v)
    out, run = {}, math.inf
    for K in range(1, L + 1):
        run = min(run, best.get(K, math.inf))
        out[K] = run
    return out


def best_mixture(h, budget: float) -> float:
    """min over pairs of compositions (c1, c2) and weights with E[T] = budget of the mixed E KL."""
    L = len(h) - 1
    by = best_by_blocks(h)
    best = math.inf
    for K1 in range(1, L + 1):
        for K2 in range(K1, L + 1):
            if K1 <= budget <= K2:
                t = 0.0 if K2 == K1 else (budget - K1) / (K2 - K1)
                best = min(best, (1 - t) * by[K1] + t * by[K2])
    return best


def start_weights(law: dict, L: int):
    """(P, A) of a law {sizes: prob} over compositions of L: P(n) = P(a block begins at n revealed),
    A(n) = E[size · 1{begins at n}] (docs/zc26.md), exact Fractions."""
    P, A = [Fraction(0)] * L, [Fraction(0)] * L
    for sizes, p in law.items():
        assert sum(sizes) == L
        n = 0
        for s in sizes:
            P[n] += p
            A[n] += p * s
            n += s
    return P, A

