"""Brute-force oracles written from the definitions of docs/index.md §0–§2.

They share no code with the engine (nothing from ``verify`` is imported): every
quantity is obtained by summing the full joint law, and every sampler law by
enumerating plans the slow way (all L! permutations, all N^L label vectors).
Inputs are plain float arrays ``pmf`` of shape (q,)*L, axis i = position i.
Meant for L <= 5, q <= 3 (and small codes); logs are natural (nats).
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np


# ---------------------------------------------------------------- combinatorics

def all_compositions(L: int) -> list[tuple[int, ...]]:
    """Every tuple of positive ints summing to L (2^(L-1) of them; L = 0 gives [()])."""
    if L == 0:
        return [()]
    out = []
    for first in range(1, L + 1):
        for rest in all_compositions(L - first):
            out.append((first,) + rest)
    return out


# ---------------------------------------------------------------- basic laws

def _shape(pmf: np.ndarray) -> tuple[int, int]:
    L = pmf.ndim
    q = pmf.shape[0] if L else 1
    return q, L


def marginal_direct(pmf: np.ndarray, A) -> np.ndarray:
    """p_A as an array with one axis per position of A (in increasing order), by summing the joint."""
    A = sorted(A)
    other = tuple(j for j in range(pmf.ndim) if j not in A)
    return np.asarray(pmf.sum(axis=other)) if other else np.asarray(pmf)


def conditional_direct(pmf: np.ndarray, i: int, known: dict) -> np.ndarray:
    """p_i(. | x_U = known), shape (q,); uniform on {0..q-1} when P(x_U = known) = 0."""
    q, L = _shape(pmf)
    assert i not in known
    idx = tuple(known[j] if j in known else slice(None) for j in range(L))
    sub = pmf[idx]                      # axes: positions not in known, increasing order
    free = [j for j in range(L) if j not in known]
    axis_i = free.index(i)
    others = tuple(a for a in range(len(free)) if a != axis_i)
    vec = sub.sum(axis=others) if others else sub
    total = vec.sum()
    if total <= 0:
        return np.full(q, 1.0 / q)
    return vec / total


class _CondCache:
    """Memo of conditional_direct for one pmf (the oracle is the same function, just not recomputed)."""

    def __init__(self, pmf):
        self.pmf = pmf
        self.memo = {}

    def __call__(self, i, known):
        key = (i, tuple(sorted(known.items())))
        if key not in self.memo:
            self.memo[key] = conditional_direct(self.pmf, i, known)
        return self.memo[key]


def plan_law_direct(pmf: np.ndarray, blocks, _cond=None) -> np.ndarray:
    """q_D(x) = prod_t prod_{i in D_t} p_i(x_i | x_{U_t}) for the ordered partition ``blocks``."""
    q, L = _shape(pmf)
    blocks = [tuple(b) for b in blocks if len(b)]
    assert sorted(j for b in blocks for j in b) == list(range(L)), blocks
    cond = _cond if _cond is not None else _CondCache(pmf)
    out = np.zeros(pmf.shape)
    for x in itertools.product(range(q), repeat=L):
        prob = 1.0
        revealed: list[int] = []
        for b in blocks:
            known = {j: x[j] for j in revealed}
            for i in b:
                prob *= cond(i, known)[x[i]]
            revealed.extend(b)
        out[x] = prob
    return out


def kl(p: np.ndarray, r: np.ndarray) -> float:
    """KL(p || r) in nats, data first; 0 log 0 = 0; inf if r = 0 somewhere p > 0."""
    p = np.asarray(p, dtype=float).ravel()
    r = np.asarray(r, dtype=float).ravel()
    total = 0.0
    for a, b in zip(p, r):
        if a > 0:
            if b <= 0:
                return math.inf
            total += a * math.log(a / b)
    return total


def tv(p: np.ndarray, r: np.ndarray) -> float:
    """Total variation 1/2 sum |p - r|."""
    return 0.5 * float(np.abs(np.asarray(p, float) - np.asarray(r, float)).sum())


def ser(p: np.ndarray, r: np.ndarray) -> float:
    """Sequence error rate r({x : p(x) = 0})."""
    p = np.asarray(p, float)
    r = np.asarray(r, float)
    return float(r[p == 0].sum())


# ---------------------------------------------------------------- samplers

def _average_over_plans(pmf, weighted_plans, cond=None):
    """(sum_w w KL(p||q_D), sum_w w q_D) over a dict plan -> weight; ``cond(i, known)`` is the
    predictor (default: the perfect one, p_i(. | known))."""
    cond = cond if cond is not None else _CondCache(pmf)
    ekl = 0.0
    mix = np.zeros(pmf.shape)
    for plan, w in weighted_plans.items():
        if w == 0:
            continue
        law = plan_law_direct(pmf, plan, cond)
        ekl += w * kl(pmf, law)
        mix += w * law
    return ekl, mix


def _fixed_plans(L: int, sizes) -> dict:
    plans: dict = defaultdict(float)
    n_perm = math.factorial(L)
    for perm in itertools.permutations(range(L)):
        blocks, start = [], 0
        for s in sizes:
            blocks.append(tuple(sorted(perm[start:start + s])))
            start += s
        plans[tuple(blocks)] += 1.0 / n_perm
    return plans


def fixed_sampler_direct(pmf: np.ndarray, sizes, cond=None) -> tuple[float, np.ndarray]:
    """E_D KL(p||q_D) and E_D q_D for uniform positions, block sizes ``sizes`` in reveal order.

    Enumerates all L! permutations, cuts each into consecutive blocks of the given sizes.
    ``cond(i, known)`` is the predictor (default perfect).
    """
    q, L = _shape(pmf)
    sizes = tuple(int(s) for s in sizes)
    assert sum(sizes) == L and all(s >= 1 for s in sizes), sizes
    return _average_over_plans(pmf, _fixed_plans(L, sizes), cond)


def mdm_direct(pmf: np.ndarray, pi, cond=None) -> tuple[float, np.ndarray]:
    """FG25 masked diffusion: K_i iid with P(K_i = k) = pi_k (k = 1..N, time order); step k reveals
    {i : K_i = k}. Enumerates all N^L label vectors."""
    q, L = _shape(pmf)
    pi = [float(v) for v in pi]
    N = len(pi)
    plans: dict = defaultdict(float)
    for labels in itertools.product(range(N), repeat=L):
        w = 1.0
        for k in labels:
            w *= pi[k]
        if w == 0:
            continue
        blocks = tuple(tuple(i for i in range(L) if labels[i] == k) for k in range(N))
        blocks = tuple(b for b in blocks if b)      # empty steps do nothing
        plans[blocks] += w
    return _average_over_plans(pmf, plans, cond)


def random_size_direct(pmf: np.ndarray, law) -> tuple[float, np.ndarray]:
    """Random sizes independent of X and positions: ``law`` = [(prob, sizes), ...]."""
    ekl = 0.0
    mix = np.zeros(pmf.shape)
    for prob, sizes in law:
        e, m = fixed_sampler_direct(pmf, sizes)
        ekl += prob * e
        mix += prob * m
    return ekl, mix


def mix_predictor(pmf: np.ndarray, lam: float):
    """p̂_i(. | known) = (1 - lam) p_i(. | known) + lam / q, from the joint directly."""
    q, _ = _shape(pmf)
    perfect = _CondCache(pmf)
    return lambda i, known: (1 - lam) * perfect(i, known) + lam / q


def eps_train_direct(pmf: np.ndarray, sizes, cond) -> float:
    """LC25's eps_train = E[(L/|M_tau|) sum_{i in M_tau} E_p log(p_i / p̂_i)], P(tau = t) = s_t/L.

    Enumerates every permutation (uniform positions) and every x; M_t is the masked set before
    block t, U_t its complement.
    """
    q, L = _shape(pmf)
    perfect = _CondCache(pmf)
    n_perm = math.factorial(L)
    total = 0.0
    for perm in itertools.permutations(range(L)):
        n = 0
        for s in sizes:
            U, M = perm[:n], perm[n:]
            for x in itertools.product(range(q), repeat=L):
                px = pmf[x]
                if px == 0:
                    continue
                known = {j: x[j] for j in U}
                inner = sum(math.log(perfect(i, known)[x[i]] / cond(i, known)[x[i]]) for i in M)
                total += (s / L) * (L / len(M)) * px * inner / n_perm
            n += s
    return total


# ---------------------------------------------------------------- information measures

def entropy_direct(pmf: np.ndarray, A) -> float:
    """H(X_A) in nats from the marginal p_A (H(X_empty) = 0)."""
    A = list(A)
    if not A:
        return 0.0
    m = np.asarray(marginal_direct(pmf, A), float).ravel()
    m = m[m > 0]
    return float(-(m * np.log(m)).sum())


def conditional_entropy_given_rest(pmf: np.ndarray, i: int) -> float:
    """H(X_i | X_{-i}) = -sum_x p(x) log p(x_i | x_{-i}), computed from the conditional itself."""
    p_rest = pmf.sum(axis=i, keepdims=True)
    total = 0.0
    for x in itertools.product(range(pmf.shape[0]), repeat=pmf.ndim):
        px = pmf[x]
        if px > 0:
            xr = tuple(0 if j == i else x[j] for j in range(pmf.ndim))
            total -= px * math.log(px / p_rest[xr])
    return total


def measures_direct(pmf: np.ndarray) -> dict:
    """H, TC, DTC (two formulas), I_i = I(X_i; X_{-i}), sum_I, profile h(0..L); nats."""
    q, L = _shape(pmf)
    full = list(range(L))
    H = entropy_direct(pmf, full)
    H1 = [entropy_direct(pmf, [i]) for i in full]
    Hrest = [entropy_direct(pmf, [j for j in full if j != i]) for i in full]
    Hcond = [conditional_entropy_given_rest(pmf, i) for i in full]
    TC = sum(H1) - H
    DTC = H - sum(Hcond)
    DTC_alt = sum(Hrest) - (L - 1) * H
    I = [H1[i] + Hrest[i] - H for i in full]
    profile = []
    for m in range(L + 1):
        subsets = list(itertools.combinations(full, m))
        profile.append(sum(entropy_direct(pmf, A) for A in subsets) / len(subsets))
    return {"H": H, "TC": TC, "DTC": DTC, "DTC_alt": DTC_alt, "I": I, "sum_I": sum(I),
            "profile": profile, "H_single": H1, "H_cond_rest": Hcond}


# ---------------------------------------------------------------- closed-form helpers

def uniform_on_code(words, q: int, L: int) -> np.ndarray:
    """Uniform law on a set of words (tuples of length L)."""
    words = set(tuple(int(v) for v in w) for w in words)
    pmf = np.zeros((q,) * L)
    for w in words:
        pmf[w] = 1.0 / len(words)
    return pmf


def mds_overshoot(sizes, k: int) -> int:
    """n_{t*} - k with t* = min{t : n_t >= k} (docs/index.md §4)."""
    n = 0
    for s in sizes:
        n += s
        if n >= k:
            return n - k
    raise ValueError("sizes sum below k")


def profile_formula(profile, sizes) -> float:
    """D-PROFILE right side: sum_t s_t [h(n_{t-1}+1) - h(n_{t-1})] - H, with H = profile[-1]."""
    n, total = 0, 0.0
    for s in sizes:
        total += s * (profile[n + 1] - profile[n])
        n += s
    return total - profile[-1]


# ---------------------------------------------------------------- test laws built by hand

def random_law(rng: np.random.Generator, q: int, L: int, alpha: float = 1.0,
               zero_frac: float = 0.0) -> np.ndarray:
    """Dirichlet(alpha) law on V^L; with zero_frac > 0 that fraction of entries is set exactly to 0
    (at least one entry is kept), then the law is renormalised."""
    n = q ** L
    w = rng.dirichlet(np.full(n, alpha))
    if zero_frac > 0:
        kill = rng.random(n) < zero_frac
        kill[int(np.argmax(w))] = False
        w = np.where(kill, 0.0, w)
    w = w / w.sum()
    return w.reshape((q,) * L)


def product_law(rng: np.random.Generator, q: int, L: int) -> np.ndarray:
    """Independent positions with random marginals."""
    pmf = np.ones(())
    for _ in range(L):
        pmf = np.multiply.outer(pmf, rng.dirichlet(np.ones(q)))
    return pmf


def repetition_code(q: int, L: int) -> np.ndarray:
    """Uniform on {(a,..,a)}: MDS [L,1]_q."""
    return uniform_on_code([(a,) * L for a in range(q)], q, L)


def parity_code(q: int, L: int) -> np.ndarray:
    """Uniform on {x : sum x = 0 mod q}: MDS [L,L-1]_q."""
    return uniform_on_code([x for x in itertools.product(range(q), repeat=L) if sum(x) % q == 0], q, L)


def tetracode() -> np.ndarray:
    """Uniform on the tetracode [4,2]_3, generator rows (1,0,1,1), (0,1,1,2)."""
    words = [tuple((a * g + b * h) % 3 for g, h in zip((1, 0, 1, 1), (0, 1, 1, 2)))
             for a in range(3) for b in range(3)]
    return uniform_on_code(words, 3, 4)


def reed_solomon_4_2_5() -> np.ndarray:
    """Uniform on Reed-Solomon [4,2]_5: (f(0),f(1),f(2),f(3)) for f(t) = a + b t over F_5."""
    words = [tuple((a + b * t) % 5 for t in range(4)) for a in range(5) for b in range(5)]
    return uniform_on_code(words, 5, 4)


# ---------------------------------------------------------------- imperfect predictors, from their definitions

LAM_DEFAULT = 0.01
DYADIC = 2.0 ** 40


def _dyadic(w: np.ndarray) -> np.ndarray:
    """Normalise positive weights, round each to k·2^-40 (k >= 1), renormalise: the published rule."""
    w = np.asarray(w, float) / np.sum(w)
    k = np.array([max(round(v * DYADIC), 1) for v in w], dtype=float)
    return k / k.sum()


def _smoothed(pmf, i, known, lam):
    q, _ = _shape(pmf)
    return (1 - lam) * conditional_direct(pmf, i, known) + lam / q


def temp_predictor(pmf: np.ndarray, beta: float, lam: float = LAM_DEFAULT):
    """p̂_i(. | known) ∝ p_smooth^beta with p_smooth = (1 - lam) p_i(. | known) + lam / q, then the
    dyadic rounding. Each entry is computed as a power of the smoothed conditional, row by row."""
    def cond(i, known):
        s = _smoothed(pmf, i, known, lam)
        return _dyadic([math.pow(v, beta) for v in s])
    return cond


def noise_draw(seed: int, i: int, B: tuple, shape) -> np.ndarray:
    """The predictor's fixed noise ξ for (seed, i, B): standard normals from numpy's default_rng
    seeded by the first 8 bytes (little endian) of sha256(repr((seed, i, B)))."""
    import hashlib

    key = hashlib.sha256(repr((seed, i, tuple(B))).encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:8], "little")).standard_normal(shape)


def noise_predictor(pmf: np.ndarray, sigma: float, seed: int, lam: float = LAM_DEFAULT):
    """p̂_i(. | x_B) ∝ p_smooth(x_i) · exp(sigma · ξ[x_B, x_i]) with ξ of shape (q,)*|B| + (q,)
    drawn once per (i, B) (B the sorted known positions), then the dyadic rounding."""
    q, _ = _shape(pmf)

    def cond(i, known):
        B = tuple(sorted(known))
        xi = noise_draw(seed, i, B, (q,) * len(B) + (q,))[tuple(known[j] for j in B)]
        s = _smoothed(pmf, i, known, lam)
        return _dyadic([v * math.exp(sigma * z) for v, z in zip(s, xi)])
    return cond


def chain_tc_direct(pmf: np.ndarray, blocks) -> float:
    """Σ_t E_p TC(X_{D_t} | X_{U_t}) = Σ_t [Σ_{i∈D_t} H(X_i | X_{U_t}) − H(X_{D_t} | X_{U_t})],
    U_t the positions of earlier blocks, H(A | B) = H(X_{A∪B}) − H(X_B) from marginals."""
    total, U = 0.0, []
    for D in blocks:
        hU = entropy_direct(pmf, U)
        total += sum(entropy_direct(pmf, U + [i]) - hU for i in D)
        total -= entropy_direct(pmf, U + list(D)) - hU
        U = U + list(D)
    return total


# ---------------------------------------------------------------- 3-colouring chain under mdm:N

def coloring3_pmf(L: int) -> np.ndarray:
    """Uniform law on proper 3-colourings of a path of L positions (neighbours differ)."""
    words = [x for x in itertools.product(range(3), repeat=L) if all(a != b for a, b in zip(x, x[1:]))]
    return uniform_on_code(words, 3, L)


class Coloring3NoCollision:
    """P(no same-step collision) for the 3-colouring chain under uniform mdm:N, written from the
    definitions only (no closed-form transition powers, no colour-class shortcuts in the marginals).

    Why it equals 1 − SER: a token drawn after its neighbour is drawn given it, so it differs; two
    non-adjacent tokens of one step can always be completed (three colours). So the output is
    improper exactly when two adjacent positions revealed at the same step draw the same colour.

    The recursion: with the revealed values fixed, the masked positions split into gaps; the law of
    a gap given everything revealed is uniform over the proper completions of the gap between its
    end colours (enumerated here), and gaps evolve independently. With j uniform steps left a
    masked position is revealed now with probability 1/j. So, summing over the subset D of the gap
    revealed now (every subset, explicitly) and over the colours of D:

        f(j, g, l, r) = Σ_D (1/j)^{|D|} (1 − 1/j)^{g−|D|} Σ_{y_D} Π_d m_d(y_d) Π links

    where m_d is the enumerated marginal of gap position d and a link is 1[y ≠ y'] between adjacent
    revealed points and f(j − 1, s, y, y') for a sub-gap of s ≥ 1 masked positions. Colour
    relabelling leaves the law unchanged, so ends are renamed (l → 0, r → 0 or 1) for the memo.
    SER(L, N) = 1 − f(N, L, None, None).
    """

    def __init__(self):
        self.memo: dict = {}
        self.marg: dict = {}

    @staticmethod
    def _canon(l, r):
        if l is None and r is None:
            return None, None
        if l is None:
            return None, 0
        if r is None:
            return 0, None
        return 0, (0 if l == r else 1)

    def marginals(self, g: int, l, r) -> np.ndarray:
        key = (g, l, r)
        if key not in self.marg:
            counts = np.zeros((g, 3))
            for y in itertools.product(range(3), repeat=g):
                word = ([l] if l is not None else []) + list(y) + ([r] if r is not None else [])
                if all(a != b for a, b in zip(word, word[1:])):
                    counts[np.arange(g), list(y)] += 1
            self.marg[key] = counts / counts[0].sum()
        return self.marg[key]

    def link(self, j: int, s: int, a, b) -> float:
        if s == 0:
            return 0.0 if (a is not None and a == b) else 1.0
        return self.f(j, s, a, b)

    def f(self, j: int, g: int, l, r) -> float:
        if g == 0:
            return 1.0
        if j == 0:
            return 0.0
        l, r = self._canon(l, r)
        key = (j, g, l, r)
        if key in self.memo:
            return self.memo[key]
        rho = 1.0 / j
        m = self.marginals(g, l, r).tolist()
        total = (1 - rho) ** g * self.f(j - 1, g, l, r)
        links: dict = {}

        def link(s, a, b):
            if (s, a, b) not in links:
                links[(s, a, b)] = self.link(j - 1, s, a, b)
            return links[(s, a, b)]

        # Every non-empty D ⊆ {1..g}, depth first so that each subset extends its prefix's
        # product: a node is (last revealed position, {colour of that point: weight}, |D|).
        stack = [(0, {l: 1.0}, 0)]
        while stack:
            prev, v, size = stack.pop()
            if size:
                end = sum(w * link(g - prev, c, r) for c, w in v.items())
                total += rho ** size * (1 - rho) ** (g - size) * end
            for d in range(prev + 1, g + 1):
                new = {}
                for y in range(3):
                    if m[d - 1][y] == 0:
                        continue
                    acc = sum(w * link(d - prev - 1, c, y) for c, w in v.items())
                    if acc:
                        new[y] = m[d - 1][y] * acc
                if new:
                    stack.append((d, new, size + 1))
        self.memo[key] = total
        return total

    def ser(self, L: int, N: int) -> float:
        return 1.0 - self.f(N, L, None, None)


def gen_logppl_gap(p: np.ndarray, r: np.ndarray) -> float:
    """(E_r[−log p] − H(p))/L; +inf when r puts mass where p = 0 (SER > 0)."""
    p = np.asarray(p, float)
    r = np.asarray(r, float)
    if np.any((p == 0) & (r > 0)):
        return math.inf
    nz = r > 0
    cross = float(-(r[nz] * np.log(p[nz])).sum())
    H = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    return (cross - H) / p.ndim
