"""Brute-force oracles for adaptive decoders, written from the rule definitions alone.

Nothing from the engine is imported (no ``verify``, ``distributions``, ``proofs_numeric``).
``entropy_sum_direct`` enumerates every order π of the positions and runs CL26's decoder
literally on every outcome: at each iteration it computes the entropies of the next positions in
π, all given the tokens revealed before the iteration, and takes the shortest prefix whose sum
exceeds η strictly (or everything left). The comparators are run literally on every state.
For each order (or once, for the comparators) this gives the law q_π(x) and the iteration count
T_π(x) of every outcome x (each x has one path), hence

    expected KL = mean_π KL(p ‖ q_π),  mixture = mean_π q_π,
    E_p[T] = mean_π Σ_x p(x) T_π(x),   E_q[T] = mean_π Σ_x q_π(x) T_π(x).

Comparisons: by default floats, which assert a clear margin (pick test cases away from ties).
``ExactEntropy`` decides ``Σ H > η`` exactly for rational laws and ``η = c·log r`` by comparing
``Π p^{−p}`` with ``r^c`` after raising both to a common integer power; for a rational η it uses
mpmath at 60 digits and asserts the two sides differ by far more than that precision.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import reduce

import numpy as np

MARGIN = 1e-9


def conditional(pmf, i, known):
    """p_i(· | x_known) as a list (Fractions for an object pmf, floats otherwise); uniform off support."""
    L = pmf.ndim
    q = pmf.shape[0]
    idx = tuple(known[j] if j in known else slice(None) for j in range(L))
    sub = pmf[idx]
    free = [j for j in range(L) if j not in known]
    ax = free.index(i)
    vec = []
    for v in range(q):
        sl = [slice(None)] * len(free)
        sl[ax] = v
        part = sub[tuple(sl)]
        vec.append(part.sum() if isinstance(part, np.ndarray) else part)
    total = sum(vec)
    if total == 0:
        one = Fraction(1, q) if pmf.dtype == object else 1.0 / q
        return [one] * q
    return [v / total for v in vec]


def entropy(vec) -> float:
    return -sum(float(v) * math.log(float(v)) for v in vec if v > 0)


class FloatDecide:
    """Σ entropies > η, by floats with an asserted margin (test cases are chosen away from ties)."""

    def __init__(self, eta: float):
        self.eta = float(eta)
        self.eta_value = self.eta

    def gt(self, dists) -> bool:
        s = sum(entropy(d) for d in dists)
        if s == 0 and all(max(d) == 1 for d in dists):
            return 0 > self.eta  # deterministic tokens: the sum is exactly 0
        assert abs(s - self.eta) > MARGIN, f"oracle float comparison too close to a tie: {s} vs {self.eta}"
        return s > self.eta


class ExactEntropy:
    """Exact Σ H(d) > η for distributions of Fractions; η = ('log', c, r) meaning c·log r, or a Fraction."""

    def __init__(self, eta):
        self.eta = eta

    def gt(self, dists) -> bool:
        pairs = [(v, v) for d in dists for v in d if v > 0]  # Σ H = log Π v^{−v}
        if isinstance(self.eta, tuple):
            _, c, r = self.eta
            # compare Π v^{−v} with r^c: raise to D = lcm of every exponent's denominator
            D = reduce(lambda a, b: a * b // math.gcd(a, b), [Fraction(e).denominator for _, e in pairs] + [Fraction(c).denominator], 1)
            lhs = Fraction(1)
            for v, e in pairs:
                k = -Fraction(e) * D
                assert k.denominator == 1
                lhs *= Fraction(v) ** int(k)
            kc = Fraction(c) * D
            rhs = Fraction(r) ** int(kc)
            return lhs > rhs
        import mpmath

        with mpmath.workdps(60):
            s = -sum(mpmath.mpf(v.numerator) / v.denominator * mpmath.log(mpmath.mpf(v.numerator) / v.denominator)
                     for v, _ in pairs)
            eta = mpmath.mpf(self.eta.numerator) / self.eta.denominator
            assert abs(s - eta) > mpmath.mpf(10) ** -40, "oracle: an exact tie needs eta as c*log(r)"
            return bool(s > eta)


def _walk(pmf, pred, choose, L, q, on_batch=None):
    """Run a decoder from the empty state; ``choose(known)`` gives the next batch (a list).
    Returns {x: (q(x), T(x), #{t : |B_t| >= 2}(x))}; ``on_batch(known, batch)`` sees every state."""
    out = {}

    def rec(known, weight, T, T2):
        if len(known) == L:
            x = tuple(known[j] for j in range(L))
            assert x not in out
            out[x] = (weight, T, T2)
            return
        batch = choose(known)
        if on_batch is not None:
            on_batch(known, batch)
        dists = {j: pred(j, known) for j in batch}
        for vals in itertools.product(range(q), repeat=len(batch)):
            w = weight
            for j, v in zip(batch, vals):
                w = w * dists[j][v]
            new = dict(known)
            new.update(zip(batch, vals))
            rec(new, w, T + 1, T2 + (len(batch) >= 2))

    rec({}, 1, 0, 0)
    return out


def _summarise(pmf, runs):
    """Average over runs (each {x: (q, T)}) of KL, law, E_p T, E_q T."""
    q, L = pmf.shape[0], pmf.ndim
    n = len(runs)
    mix = np.zeros(pmf.shape)
    ekl = eTp = eTq = ge2 = ent_q = 0.0
    for run in runs:
        kl = 0.0
        for x in itertools.product(range(q), repeat=L):
            w, T, T2 = run[x]
            px = float(pmf[x])
            w = float(w)
            mix[x] += w / n
            eTq += w * T / n
            if w > 0:
                ent_q -= w * math.log(w) / n
            if px > 0:
                assert w > 0
                kl += px * math.log(px / w)
                eTp += px * T / n
                ge2 += px * T2 / n
        ekl += kl / n
    return {"expected_kl": ekl, "mixture": mix, "iters_data": eTp, "iters_sampler": eTq,
            "steps_ge2": ge2, "entropy_q": ent_q}


def perfect(pmf):
    memo = {}

    def pred(j, known):
        key = (j, tuple(sorted(known.items())))
        if key not in memo:
            memo[key] = conditional(pmf, j, known)
        return memo[key]

    return pred


def mix_predictor(pmf, lam):
    """p̂ = (1 − λ) p + λ/q (exact for an object pmf with Fraction λ)."""
    base = perfect(pmf)
    q = pmf.shape[0]

    def pred(j, known):
        return [(1 - lam) * v + lam / q for v in base(j, known)]

    return pred


def entropy_sum_direct(pmf, decide, pred=None, stats=None):
    """CL26's decoder over every order π (L! runs). ``stats`` (a dict), if given, receives the
    maxima over data-reachable states (P(X_known = known) > 0) of Σ_B min(H, η) ("budget") and
    Σ_B H − max_B H ("excess"), floats."""
    q, L = pmf.shape[0], pmf.ndim
    pred = pred or perfect(pmf)
    runs = []
    on_batch = None
    if stats is not None:
        stats.update(budget=-1.0, excess=-1.0)

        def on_batch(known, batch):
            idx = tuple(known.get(j, slice(None)) for j in range(L))
            if float(np.asarray(pmf[idx], dtype=float).sum()) <= 0:
                return
            hs = [entropy(pred(j, known)) for j in batch]
            stats["budget"] = max(stats["budget"], sum(min(h, float(decide.eta_value)) for h in hs))
            stats["excess"] = max(stats["excess"], sum(hs) - max(hs))
    for perm in itertools.permutations(range(L)):
        def choose(known, perm=perm):
            rest = [j for j in perm if j not in known]
            batch = []
            for j in rest:
                batch.append(j)
                if decide.gt([pred(k, known) for k in batch]):
                    break
            return batch

        runs.append(_walk(pmf, pred, choose, L, q, on_batch))
    return _summarise(pmf, runs)


def comparator_direct(pmf, rule, param, pred=None):
    """max-entropy (η), eb (γ), topk (k), threshold (τ), run literally on every state (floats with margin)."""
    q, L = pmf.shape[0], pmf.ndim
    pred = pred or perfect(pmf)

    def H(j, known):
        return entropy(pred(j, known))

    def conf(j, known):
        return max(float(v) for v in pred(j, known))

    def choose(known):
        masked = [j for j in range(L) if j not in known]
        if rule == "max-entropy":
            hs = {j: H(j, known) for j in masked}
            for h in hs.values():
                assert abs(h - param) > MARGIN
            got = [j for j in masked if hs[j] <= param]
            return got or [min(masked, key=lambda j: (round(hs[j], 12), j))]
        if rule == "eb":
            order = sorted(masked, key=lambda j: (round(H(j, known), 12), j))
            size = 1
            for s in range(2, len(order) + 1):
                prefix = [H(j, known) for j in order[:s]]
                v = sum(prefix) - max(prefix)
                assert abs(v - param) > MARGIN
                if v <= param:
                    size = s
                else:
                    break
            return order[:size]
        if rule == "topk":
            order = sorted(masked, key=lambda j: (-round(conf(j, known), 12), j))
            return order[:param]
        if rule == "threshold":
            cs = {j: conf(j, known) for j in masked}
            for c in cs.values():
                assert abs(c - param) > MARGIN
            got = [j for j in masked if cs[j] >= param]
            return got or [min(masked, key=lambda j: (-round(cs[j], 12), j))]
        raise ValueError(rule)

    return _summarise(pmf, [_walk(pmf, pred, choose, L, q)])


def first_batches_direct(pmf, decide):
    """{batch size of the first iteration: probability over π} (no values involved)."""
    L = pmf.ndim
    pred = perfect(pmf)
    out = {}
    perms = list(itertools.permutations(range(L)))
    for perm in perms:
        batch = []
        for j in perm:
            batch.append(j)
            if decide.gt([pred(k, {}) for k in batch]):
                break
        out[len(batch)] = out.get(len(batch), 0) + Fraction(1, len(perms))
    return out


def sum_marginal_entropies(pmf) -> float:
    L = pmf.ndim
    return sum(entropy(conditional(pmf, i, {})) for i in range(L))


def total_correlation(pmf) -> float:
    p = np.asarray(pmf, dtype=float)
    H = -sum(v * math.log(v) for v in p.ravel() if v > 0)
    return sum_marginal_entropies(p) - H
