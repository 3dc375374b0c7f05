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

Every comparison is decided exactly, ties included (``form_sign``): a sum of entropies minus a
threshold is the real number ``c0 + Σ_k c_k log r_k`` with rational ``c0, c_k, r_k`` (an entropy
of a law with rational probabilities ``v`` is ``Σ_v −v log v``; a threshold is a rational or
``c·log r``). Logs of distinct primes are linearly independent over Q, so the log part vanishes iff
every prime's total exponent (``sympy.factorint`` of each ratio) is 0; a nonzero log part is
transcendental (Lindemann), so the number is then nonzero even if ``c0 ≠ 0``. A nonzero number's
sign comes from mpmath at rising precision, accepted only once the value clears the evaluation
error. A float pre-check decides first when the float value is more than ``MARGIN`` from the
threshold (the float error of these few-term sums is below 1e-14). Probabilities are compared as
exact Fractions (floats are read as their exact binary value). Equal entropies / probabilities are
broken by position, lowest first, as the rules are defined.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import cmp_to_key

import mpmath
import numpy as np
import sympy

MARGIN = 1e-9  # float pre-check only: nearer than this, the exact decision runs


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


def _fr(v) -> Fraction:
    """A number as an exact Fraction (a float's exact binary value; a decimal string as written)."""
    return v if isinstance(v, Fraction) else Fraction(v)


def _prime_exponents(terms) -> dict:
    """{p: Σ_k c_k · v_p(r_k)} over the terms (c_k, r_k), zeros dropped: Σ c_k log r_k = Σ_p e_p log p."""
    out: dict = {}
    for c, r in terms:
        if c == 0 or r == 1:
            continue
        for n, sgn in ((r.numerator, 1), (r.denominator, -1)):
            for p, k in sympy.factorint(n).items():
                out[p] = out.get(p, Fraction(0)) + sgn * c * k
    return {p: e for p, e in out.items() if e != 0}


def form_sign(terms, const=Fraction(0)) -> int:
    """The exact sign of ``const + Σ c log r`` (Fractions ``c``, ``r > 0``), see the module docstring."""
    terms = [(_fr(c), _fr(r)) for c, r in terms if c != 0]
    const = _fr(const)
    zero_checked = False
    for dps in (30, 60, 120, 240, 480, 960, 1920):
        with mpmath.workdps(dps + 20):
            parts = [mpmath.mpf(c.numerator) / c.denominator * mpmath.log(mpmath.mpf(r.numerator) / r.denominator)
                     for c, r in terms]
            v = mpmath.mpf(const.numerator) / const.denominator + mpmath.fsum(parts)
            scale = 1 + sum(abs(x) for x in parts) + abs(mpmath.mpf(const.numerator) / const.denominator)
            if abs(v) > scale * mpmath.mpf(10) ** -dps:
                return 1 if v > 0 else -1
        if not zero_checked:
            if not _prime_exponents(terms):  # the log part is exactly 0: the value is c0
                return (const > 0) - (const < 0)
            zero_checked = True
    raise AssertionError("oracle: a nonzero form below 10^-1920")


def entropy_terms(d) -> list:
    """H(d) = Σ_v −v log v as (coefficient, ratio) pairs."""
    return [(-_fr(v), _fr(v)) for v in d if v > 0]


def eta_form(eta):
    """A threshold as (terms, const): ('log', c, r) is c·log r; anything else a rational (a float
    is read as the decimal it prints as, 0.4 = 2/5, the way the spec parser reads it)."""
    if isinstance(eta, tuple):
        _, c, r = eta
        return [(Fraction(c), Fraction(r))], Fraction(0)
    return [], eta if isinstance(eta, Fraction) else Fraction(repr(eta)) if isinstance(eta, float) else Fraction(eta)


def eta_float(eta) -> float:
    terms, const = eta_form(eta)
    return float(const) + sum(float(c) * math.log(float(r)) for c, r in terms)


def sign_entropies(plus, minus=(), eta=Fraction(0)) -> int:
    """sign(Σ_{d∈plus} H(d) − Σ_{d∈minus} H(d) − η), exactly."""
    f = sum(entropy(d) for d in plus) - sum(entropy(d) for d in minus) - eta_float(eta)
    if abs(f) > MARGIN:
        return 1 if f > 0 else -1
    terms, const = eta_form(eta)
    pairs = [t for d in plus for t in entropy_terms(d)] + [(-c, r) for d in minus for c, r in entropy_terms(d)]
    return form_sign(pairs + [(-c, r) for c, r in terms], -const)


class ExactEntropy:
    """Σ H(d) > η decided exactly; η a rational (Fraction, int, decimal float) or ('log', c, r) = c·log r."""

    def __init__(self, eta):
        self.eta = eta
        self.eta_value = eta_float(eta)

    def gt(self, dists) -> bool:
        return sign_entropies(dists, (), self.eta) > 0


FloatDecide = ExactEntropy  # the old name: every decision is exact now


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
    out = {"expected_kl": ekl, "mixture": mix, "iters_data": eTp, "iters_sampler": eTq,
           "steps_ge2": ge2, "entropy_q": ent_q}
    if pmf.dtype == object:  # an exact law: the mixture law and E_p[T] as Fractions too
        mixx, eTx = {}, Fraction(0)
        for run in runs:
            for x, (w, T, _) in run.items():
                mixx[x] = mixx.get(x, Fraction(0)) + _fr(w) / n
                eTx += _fr(pmf[x]) * T / n
        out["mixture_exact"], out["iters_data_exact"] = mixx, eTx
    return out


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


def entropy_sum_direct(pmf, decide, pred=None, stats=None, lo=None, hi=None):
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
        runs.append(_walk(pmf, pred, entropy_sum_policy(pred, decide, perm, lo, hi), L, q, on_batch))
    return _summarise(pmf, runs)


def entropy_sum_policy(pred, decide, perm, lo=None, hi=None):
    """CL26's decoder for one order ``perm`` as a deterministic policy ``choose(known) → batch``."""
    def choose(known):
        rest = [j for j in perm if j not in known]
        batch = []
        for j in rest:
            batch.append(j)
            # caps (min=lo, max=hi): stop at hi tokens at the latest; a crossing stops only
            # once the batch holds lo tokens
            if hi is not None and len(batch) >= hi:
                break
            if (lo is None or len(batch) >= lo) and decide.gt([pred(k, known) for k in batch]):
                break
        return batch

    return choose


def comparator_direct(pmf, rule, param, pred=None, lo=None, hi=None):
    """max-entropy (η), eb (γ), topk (k), threshold (τ), run literally on every state, every
    comparison decided exactly (module docstring); η, γ a rational or ('log', c, r), τ a rational
    (a float parameter is read as the decimal it prints as)."""
    q, L = pmf.shape[0], pmf.ndim
    pred = pred or perfect(pmf)
    return _summarise(pmf, [_walk(pmf, pred, comparator_policy(pmf, rule, param, pred, lo, hi), L, q)])


def comparator_policy(pmf, rule, param, pred=None, lo=None, hi=None):
    """The comparator as a deterministic policy: ``choose(known) → batch`` (a list of positions)."""
    L = pmf.ndim
    pred = pred or perfect(pmf)
    if rule == "threshold":
        param = param if isinstance(param, Fraction) else Fraction(repr(param)) if isinstance(param, float) \
            else Fraction(param)

    def cmp_entropy(known):  # ascending entropy, equal entropies by position
        def cmp(a, b):
            return sign_entropies([pred(a, known)], [pred(b, known)]) or (a > b) - (a < b)
        return cmp

    def conf(j, known):
        return max(_fr(v) for v in pred(j, known))

    def by_confidence(masked, known):  # descending top probability, equal ones by position
        return sorted(masked, key=lambda j: (-conf(j, known), j))

    def choose(known):
        batch = choose_uncapped(known)
        masked = [j for j in range(L) if j not in known]
        if rule in ("max-entropy", "eb"):
            priority = sorted(masked, key=cmp_to_key(cmp_entropy(known)))
        else:
            priority = by_confidence(masked, known)
        if hi is not None and len(batch) > hi:  # keep the hi highest-priority tokens of the batch
            batch = [j for j in priority if j in batch][:hi]
        if lo is not None and len(batch) < lo:  # add the highest-priority tokens not in it
            batch = batch + [j for j in priority if j not in batch][:lo - len(batch)]
        return batch

    def choose_uncapped(known):
        masked = [j for j in range(L) if j not in known]
        if rule == "max-entropy":
            got = [j for j in masked if sign_entropies([pred(j, known)], (), param) <= 0]
            return got or [sorted(masked, key=cmp_to_key(cmp_entropy(known)))[0]]
        if rule == "eb":
            order = sorted(masked, key=cmp_to_key(cmp_entropy(known)))
            size = 1
            for s in range(2, len(order) + 1):
                # the prefix is sorted ascending, so its last element carries max H
                if sign_entropies([pred(j, known) for j in order[:s - 1]], (), param) <= 0:
                    size = s
                else:
                    break
            return order[:size]
        if rule == "topk":
            return by_confidence(masked, known)[:param]
        if rule == "threshold":
            got = [j for j in masked if conf(j, known) >= param]
            return got or by_confidence(masked, known)[:1]
        raise ValueError(rule)

    return choose


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
