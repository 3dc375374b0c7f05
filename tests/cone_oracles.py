"""Independent oracles for the profile cone (docs/cone.md). Imports nothing from ``verify``.

Everything here is written out from the definitions, by enumeration:

* a size law is a dict ``{composition (reveal order): probability}`` (Fractions);
* the expected KL of a size law on a profile ``h`` is D-PROFILE itself,
  ``Σ_c P(c) (Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − h(L))``, summed composition by composition;
* TC, DTC, Σ I, H of a profile: ``TC = L h(1) − h(L)``, ``DTC = L h(L−1) − (L−1) h(L)``;
* a law's profile: ``h(m)`` = mean over subsets ``A`` with ``|A| = m`` of ``H(X_A)``, each ``H(X_A)``
  from the marginal of the pmf array (numpy sums over the other axes);
* codes: repetition, parity (sum ≡ 0 mod q), Reed–Solomon (polynomials of degree < k over F_q
  evaluated at 0..L−1), written out word by word.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

OVER = ("TC", "DTC", "sum_I", "H", "min")


# --- size laws as explicit lists of compositions ----------------------------------------------

def compositions(L: int):
    if L == 0:
        yield ()
        return
    for first in range(1, L + 1):
        for rest in compositions(L - first):
            yield (first,) + rest


def fixed_law(sizes) -> dict:
    return {tuple(sizes): Fraction(1)}


def balanced_law(K: int, L: int) -> dict:
    """Sizes in {⌊L/K⌋, ⌈L/K⌉}, the larger blocks revealed first (the order of docs/index.md §2)."""
    q, r = divmod(L, K)
    return {tuple([q + 1] * r + [q] * (K - r)): Fraction(1)}


def mdm_law(pi, L: int) -> dict:
    """Each position's step i.i.d. with P(step = j) = π_j; empty steps dropped."""
    out: dict = {}
    N = len(pi)
    for counts in itertools.product(range(L + 1), repeat=N):
        if sum(counts) != L:
            continue
        p = Fraction(math.factorial(L))
        for c, pj in zip(counts, pi):
            p = p / math.factorial(c) * Fraction(pj) ** c
        if p:
            key = tuple(c for c in counts if c)
            out[key] = out.get(key, Fraction(0)) + p
    return out


def uniform_composition_law(K: int, L: int) -> dict:
    comps = [c for c in compositions(L) if len(c) == K]
    return {c: Fraction(1, len(comps)) for c in comps}


def start_weights(law: dict, L: int) -> list:
    """A(n) = E[Σ_t s_t 1{n_{t−1} = n}]."""
    A = [Fraction(0)] * L
    for c, p in law.items():
        n = 0
        for s in c:
            A[n] += p * s
            n += s
    return A


def mean_iterations(law: dict) -> Fraction:
    return sum((p * len(c) for c, p in law.items()), Fraction(0))


# --- profiles and the quantities linear in them ------------------------------------------------

def ray(L: int, k: int) -> list:
    return [Fraction(min(m, k)) for m in range(L + 1)]


def expected_kl(law: dict, h: list):
    """D-PROFILE, composition by composition."""
    L = len(h) - 1
    total = 0
    for c, p in law.items():
        n, part = 0, 0
        for s in c:
            part += s * (h[n + 1] - h[n])
            n += s
        total += p * (part - h[L])
    return total


def info(h: list) -> dict:
    L = len(h) - 1
    TC = L * h[1] - h[L]
    DTC = L * h[L - 1] - (L - 1) * h[L]
    return {"H": h[L], "TC": TC, "DTC": DTC, "sum_I": TC + DTC}


def overshoot(law: dict, k: int) -> Fraction:
    """E[O_k]: tokens revealed at the end of the step revealing the k-th token, minus k."""
    total = Fraction(0)
    for c, p in law.items():
        n = 0
        for s in c:
            n += s
            if n >= k:
                total += p * (n - k)
                break
    return total


def brute_sharp(law: dict, L: int, over: str):
    """max over rays k (written out) of E KL(r_k) / D(r_k) over the rays with D > 0; None = +∞.
    ``min``: the ratio over min(TC, DTC) on each ray."""
    best = None
    for k in range(1, L + 1):
        h = ray(L, k)
        num = expected_kl(law, h)
        d = info(h)
        den = min(d["TC"], d["DTC"]) if over == "min" else d[over]
        if den == 0:
            if num > 0:
                return None
            continue
        r = num / den
        best = r if best is None or r > best else best
    return best if best is not None else Fraction(0)


def denominator(h: list, over: str):
    d = info(h)
    return min(d["TC"], d["DTC"]) if over == "min" else d[over]


# --- laws by enumeration -----------------------------------------------------------------------

def entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def profile_of(pmf: np.ndarray) -> list:
    """h(m) = mean over |A| = m of H(X_A), from the pmf array of shape (q,)*L (floats, nats)."""
    L = pmf.ndim
    h = [0.0]
    for m in range(1, L + 1):
        vals = []
        for A in itertools.combinations(range(L), m):
            rest = tuple(i for i in range(L) if i not in A)
            vals.append(entropy(pmf.sum(axis=rest).ravel() if rest else pmf.ravel()))
        h.append(sum(vals) / len(vals))
    return h


def exact_code_profile(pmf, q: int) -> list:
    """h(m)/log q exactly for a law uniform on its support whose every projection is uniform on
    a power of q words (codes): Fractions; raises AssertionError otherwise."""
    arr = np.array([[float(v) for v in pmf.reshape(-1)]]).reshape(pmf.shape) if pmf.dtype == object else pmf
    L = arr.ndim
    support = np.argwhere(arr > 0)
    h = [Fraction(0)]
    for m in range(1, L + 1):
        tot = Fraction(0)
        subsets = list(itertools.combinations(range(L), m))
        for A in subsets:
            _, counts = np.unique(support[:, list(A)], axis=0, return_counts=True)
            assert counts.min() == counts.max(), "projection not uniform"
            size = len(counts)
            j = round(math.log(size, q))
            assert q**j == size, f"projection has {size} words, not a power of {q}"
            tot += j
        h.append(tot / len(subsets))
    return h


def code_words(kind: str, q: int, L: int, k: int) -> list:
    if kind == "repetition":
        return [(a,) * L for a in range(q)]
    if kind == "parity":
        return [w + ((-sum(w)) % q,) for w in itertools.product(range(q), repeat=L - 1)]
    if kind == "rs":
        return [tuple(sum(c * x**j for j, c in enumerate(coef)) % q for x in range(L))
                for coef in itertools.product(range(q), repeat=k)]
    raise ValueError(kind)


def uniform_on(words, q: int, L: int) -> np.ndarray:
    pmf = np.zeros((q,) * L)
    for w in words:
        pmf[w] += 1
    return pmf / pmf.sum()


# --- a zoo of laws for the "no law exceeds it" test ----------------------------------------------

def random_laws(rng: np.random.Generator, count: int, max_L: int = 8) -> list:
    """(name, pmf) pairs: Dirichlet (dense and sparse), products, copies, Markov chains, codes,
    mixtures of codes, uniform on a few random words — binary and ternary, 2 ≤ L ≤ max_L."""
    out = []
    kinds = ("dirichlet", "sparse", "product", "copy", "markov", "code", "mixture", "words")
    for n in range(count):
        kind = kinds[n % len(kinds)]
        q = 2 if n % 3 else 3
        L = int(rng.integers(2, (max_L if q == 2 else min(max_L, 7)) + 1))
        shape = (q,) * L
        if kind == "dirichlet":
            pmf = rng.dirichlet(np.ones(q**L)).reshape(shape)
        elif kind == "sparse":
            pmf = rng.dirichlet(np.full(q**L, 0.05)).reshape(shape)
        elif kind == "product":
            pmf = np.ones(())
            for _ in range(L):
                pmf = np.multiply.outer(pmf, rng.dirichlet(np.ones(q)))
        elif kind == "copy":
            pmf = np.zeros(shape)
            nu = rng.dirichlet(np.ones(q))
            for a in range(q):
                pmf[(a,) * L] = nu[a]
        elif kind == "markov":
            P = rng.dirichlet(np.full(q, 0.3), size=q)
            pmf = rng.dirichlet(np.ones(q))
            for _ in range(L - 1):
                pmf = pmf[..., None] * P  # [..., a, b] = p(..., a) P(a, b)
        elif kind == "code":
            pmf = uniform_on(code_words("parity" if rng.random() < 0.5 else "repetition", q, L, 0), q, L)
        elif kind == "mixture":
            a = uniform_on(code_words("parity", q, L, 0), q, L)
            b = uniform_on(code_words("repetition", q, L, 1), q, L)
            lam = rng.random()
            pmf = lam * a + (1 - lam) * b
        else:
            m = int(rng.integers(2, min(q**L, 12) + 1))
            idx = rng.choice(q**L, size=m, replace=False)
            pmf = np.zeros(q**L)
            pmf[idx] = 1.0 / m
            pmf = pmf.reshape(shape)
        out.append((f"{kind} q={q} L={L} #{n}", pmf))
    return out


def increments(h: list) -> list:
    return [h[m + 1] - h[m] for m in range(len(h) - 1)]


def ray_coefficients(h: list) -> list:
    """c_k of h = Σ_k c_k r_k: f(k−1) − f(k) for k < L, f(L−1) for k = L."""
    f = increments(h)
    L = len(h) - 1
    return [f[k - 1] - f[k] for k in range(1, L)] + [f[L - 1]]
