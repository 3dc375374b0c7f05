"""Rigorous float enclosures of the non-adaptive engine's mixture law and of its metrics.

The float DP (``laws.mixture_law`` on the float copy of an exact target) adds and multiplies
non-negative numbers only, and divides by non-negative sums (the conditionals). In the standard
model of binary64 arithmetic, fl(a ∘ b) = (a ∘ b)(1 + δ) with |δ| ≤ u = 2⁻⁵³ (no underflow: see
``underflow_safe``), so every entry of the float law is its exact value times 1 + θ_N with

    |θ_N| ≤ γ_N = N u / (1 − N u)                     (``relative_radius``, docs/certification.md)

where N is an *operation count* read off the schedule graph (``law_count``): a product adds the
counts of its factors plus 1, a quotient a/b adds count(a) + 2·count(b) + 1, and a sum of k
non-negative terms has the largest count of its terms plus k − 1. Zeros are exact (a sum of
non-negative terms is 0 iff every term is), so the model holds for every entry, 0 included.

On top of the law, the metrics that are *signed* sums of logs (mixture KL, TV, the generative
log-perplexity gap) are enclosed by ball arithmetic (python-flint ``arb``) over the float entries,
which are exact binary rationals, with the relative radius added as an explicit ball. SER is an
exact 0 when every float entry off the support is 0 (a proof, by the zero rule above), else a ball.

This module computes enclosures; it never decides a verdict. ``floatverdict.py`` is the only module
that decides from them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from math import comb

import numpy as np
from flint import arb, fmpq

from .logforms import working_precision
from .verdicts import Enclosable

UNIT_ROUNDOFF = fmpq(1, 2**53)   # u for binary64, round to nearest
BALL_PREC = 96                   # working precision of the signed sums (the float radius dominates)
# Smallest positive value allowed anywhere in the DP: well inside binary64's normal range (2^-1022),
# so no product or quotient of the DP underflows and the relative model holds.
MIN_NORMAL_LOG2 = -960


def relative_radius(ops: int) -> fmpq:
    """γ_N = N u / (1 − N u): the proven relative error of a value after N counted roundings
    (Higham, *Accuracy and Stability of Numerical Algorithms*, Lemma 3.1 and 3.3). Exact rational.

    This is the radius the tests attack: shrunk by a factor, some enclosure misses its exact value.
    """
    nu = UNIT_ROUNDOFF * int(ops)
    if nu >= fmpq(1, 2):
        raise ValueError(f"operation count {ops} too large for the a-priori bound")
    return nu / (1 - nu)


# --------------------------------------------------------------------------------------------
# operation counts


def marginal_count(L: int, q: int, k: int) -> int:
    """Count of a size-k marginal layer: the pmf rounded once, then L − k sums over q values."""
    return 1 + (L - k) * (q - 1)


def conditional_count(L: int, q: int, n: int, kind: str) -> int:
    """Count of a size-n conditional layer entry p̂_i(x_i | x_B), |B| = n.

    perfect: p_{B∪i} / p_B, count(num) + 2·count(den) + 1 (the off-support 1/q has count 1);
    mix: c·(1 − λ) + λ/q, three more roundings (1 − λ and λ/q rounded, one product, one sum);
    temp, noise: the exact conditional rounded once (``FloatTwin`` builds them so).
    """
    if kind in ("perfect", "mix"):
        c = marginal_count(L, q, n + 1) + 2 * marginal_count(L, q, n) + 1
        return c + 3 if kind == "mix" else c
    return 1


WEIGHT_COUNT = 3  # P(s | node) rounded, 1/C(L − n, s) rounded, their product


def law_count(schedule, q: int, kind: str, order) -> int:
    """N for every entry of ``laws.mixture_law``'s float result on this schedule (module doc).

    Walks the nodes in the DP's own ``order`` (``laws.step_order``). A transition n → n + s from a layer of count N_g gives
    N_g + WEIGHT_COUNT + 1 (the weight) + s·(N_c + 1) (s conditional factors) + C(n+s, s) − 1
    (the sum over the rank patterns); a child adds the arrays reaching it (k arrays: k − 1 sums),
    and the result sums the terminal layers.
    """
    L = schedule.L
    incoming: dict = {schedule.start: [0]}
    terminal: list = []
    for key in order:
        got = incoming.pop(key, None)
        if got is None:
            continue
        own = max(got) + len(got) - 1
        n = schedule.revealed[key]
        if n == L:
            terminal.append(own)
            continue
        nc = conditional_count(L, q, n, kind)
        for prob, s, child in schedule.nodes.get(key, ()):
            if prob == 0:
                continue
            c = own + WEIGHT_COUNT + 1
            if s > 0:
                c += s * (nc + 1) + comb(n + s, s) - 1
            incoming.setdefault(child, []).append(c)
    if not terminal:
        raise ValueError(f"schedule {schedule.spec!r} never reveals all {L} positions")
    return max(terminal) + len(terminal) - 1


@dataclass
class LawEnclosure:
    """A float law r̂ with |r̂ − r| ≤ γ·r entrywise, γ = relative_radius(ops)."""

    law: np.ndarray
    ops: int

    @property
    def gamma(self) -> fmpq:
        return relative_radius(self.ops)


def _min_positive_log2(arr: np.ndarray) -> float:
    pos = arr[arr > 0]
    return math.log2(float(pos.min())) if pos.size else 0.0


def zeros_kept(exact, rounded: np.ndarray) -> bool:
    """True if rounding sent no non-zero exact entry to 0.0: the zero pattern is the exact one.
    ``underflow_safe`` sees the rounded arrays only, so an input entry flushed to zero on
    conversion (below 2⁻¹⁰⁷⁴) would escape it and break the relative model (a false SER = 0)."""
    exact = np.asarray(exact)
    nonzero = sum(1 for v in exact.reshape(-1) if v != 0) if exact.dtype == object else int(np.count_nonzero(exact))
    return nonzero == int(np.count_nonzero(rounded))


def _log2_fraction(prob) -> float:
    """log2 of a positive rational from its integers (no float underflow for tiny weights)."""
    return math.log2(int(prob.p)) - math.log2(int(prob.q))


def underflow_safe(pmf: np.ndarray, cond_layers, schedule) -> bool:
    """True if no positive value of the DP can leave binary64's normal range.

    Every product of the DP is a weight product along a path of at most D steps (each ≥ w_min)
    times at most L conditionals (each ≥ c_min), and every other value is a sum of such products
    or of pmf entries: if log2 p_min and D·log2 w_min + L·log2 c_min stay above MIN_NORMAL_LOG2,
    nothing underflows and the relative model holds.
    """
    L = schedule.L
    c_min = min((_min_positive_log2(v) for v in cond_layers if v.size), default=0.0)
    w_min = 0.0
    for key, edges in schedule.nodes.items():
        for prob, s, _ in edges:
            if prob != 0:
                w_min = min(w_min, _log2_fraction(prob) - math.log2(comb(L - schedule.revealed[key], s)))
    depth = max(schedule.depths().values())
    return _min_positive_log2(pmf) > MIN_NORMAL_LOG2 and depth * w_min + L * c_min > MIN_NORMAL_LOG2


# --------------------------------------------------------------------------------------------
# metrics of an enclosed law


class FloatBall(Enclosable):
    """A fixed rigorous ball (from a float enclosure): never an exact form, so it can certify or
    refute a comparison but never prove an equality."""

    __slots__ = ("ball", "label")

    def __init__(self, ball: arb, label: str = ""):
        self.ball, self.label = ball, label

    def enclose(self, prec: int) -> arb:
        return self.ball

    def __repr__(self) -> str:
        return f"FloatBall({self.label}: {self.ball})"

    def __float__(self) -> float:
        """The midpoint, for display only (a statistic, a recorded value): never a verdict."""
        return float(self.ball.mid())


def _unit_ball(gamma: fmpq) -> arb:
    """A ball holding r/r̂ = 1/(1 + θ) for |θ| ≤ γ: [1/(1+γ), 1/(1−γ)] ⊂ [1 − γ', 1 + γ'] with
    γ' = γ/(1 − γ) (the law's bound is relative to the exact r, not to the float r̂)."""
    return arb(1, gamma / (1 - gamma))


def log_radius(gamma: fmpq) -> fmpq:
    """ρ ≥ |log(1 + θ)| for |θ| ≤ γ < 1: −log(1 − γ) = Σ γ^k/k ≤ γ/(1 − γ)."""
    return gamma / (1 - gamma)


@dataclass
class Support:
    """The exact target's support as balls: [(flat index, arb p)] over p > 0, and Σ p log p.
    Built once per target (``support_of``) and shared by every law enclosed on it."""

    pmf: np.ndarray          # the exact pmf (fmpq object array)
    entries: list
    plogp: arb


def support_of(pmf: np.ndarray) -> Support:
    flat = pmf.reshape(-1)
    with working_precision(BALL_PREC):
        entries = [(k, arb(v)) for k, v in enumerate(flat) if v != 0]
        total = arb(0)
        for _, a in entries:
            total += a * a.log()
    return Support(pmf, entries, total)


def mixture_kl_ball(sup: Support, enc: LawEnclosure) -> arb | None:
    """KL(p ‖ r) = Σ p log p − Σ_{p>0} p log r̂ + Σ p log(1 + θ), the last term within ±ρ (Σ p = 1).
    None if r̂ = 0 somewhere p > 0 (then r = 0 there too and the KL is infinite)."""
    flat = enc.law.reshape(-1)
    with working_precision(BALL_PREC):
        total = arb(0)
        for k, a in sup.entries:
            v = flat[k]
            if v == 0:
                return None
            total += a * arb(float(v)).log()
        return sup.plogp - total + arb(0, log_radius(enc.gamma))


def tv_ball(sup: Support, enc: LawEnclosure) -> arb:
    """TV = ½ Σ |p − r| with r ∈ r̂·[1 − γ', 1 + γ'] entrywise (``_unit_ball``; p exact)."""
    unit = _unit_ball(enc.gamma)
    pflat = sup.pmf.reshape(-1)
    flat = enc.law.reshape(-1)
    with working_precision(BALL_PREC):
        total = arb(0)
        for k in range(flat.size):
            total += abs(arb(pflat[k]) - arb(float(flat[k])) * unit)
        return total / 2


def ser_value(sup: Support, enc: LawEnclosure):
    """SER = Σ_{p=0} r: the exact rational 0 when every float entry there is 0 (zeros are exact in
    the relative model), else the ball (Σ r̂)·[1 − γ', 1 + γ'] (``_unit_ball``)."""
    mask = (sup.pmf == 0).reshape(-1)
    vals = enc.law.reshape(-1)[mask]
    if not np.any(vals != 0):
        return fmpq(0)
    with working_precision(BALL_PREC):
        total = arb(0)
        for v in vals:
            total += arb(float(v))
        return total * _unit_ball(enc.gamma)


def gen_logppl_ball(sup: Support, enc: LawEnclosure, H_ball: arb) -> arb:
    """(E_r[−log p] − H)/L, only where SER = 0 (the caller checks): r over the support of p."""
    unit = _unit_ball(enc.gamma)
    flat = enc.law.reshape(-1)
    L = sup.pmf.ndim
    with working_precision(BALL_PREC):
        total = arb(0)
        for k, a in sup.entries:
            total -= arb(float(flat[k])) * unit * a.log()
        return (total - H_ball) / L


def cross_entropy_ball(weights: np.ndarray, conds: np.ndarray, wcount: int, ccount: int,
                       total_weight: int) -> arb | None:
    """T = Σ_i p_i log c_i (over p_i > 0) from float weights p̃_i = p_i(1 + θ_wcount) and float
    conditionals ĉ_i = c_i(1 + θ_ccount), where Σ_i p_i = ``total_weight`` exactly.

    Logs are arb balls on the distinct values of ĉ (their float midpoints ℓ_u, off by at most e);
    the dot product D = fl(Σ p̃ ℓ) is a float with |D − Σ p̃ ℓ| ≤ γ_m Σ |p̃ ℓ| (Higham (3.5), any
    order, m terms). Then, with A ≥ Σ p̃ |ℓ| and ρ(γ) = γ/(1 − γ):
    |T − D| ≤ γ_m A + e Σ p̃ + ρ(γ_w)(A + e Σ p̃) + ρ(γ_c) Σ p, and Σ p̃ ≤ (1 + γ_w) Σ p.
    None if some ĉ = 0 where p̃ > 0 (an infinite cross-entropy: the exact path answers).
    """
    w, c = weights.reshape(-1), conds.reshape(-1)
    nz = w > 0
    w, c = w[nz], c[nz]
    if w.size == 0:
        return arb(0)
    if not np.all(c > 0):
        return None
    uniq, inv = np.unique(c, return_inverse=True)
    with working_precision(BALL_PREC):
        mids = np.empty(uniq.size)
        e = arb(0)
        for k, v in enumerate(uniq):
            b = arb(float(v)).log()
            mids[k] = float(b.mid())
            t = abs(b - arb(mids[k])).upper()  # an exact point: |log ĉ − ℓ| ≤ t
            if t > e:
                e = t
        ell = mids[inv]
        D = float(np.dot(w, ell))
        gm = relative_radius(w.size)
        A = arb(float(np.dot(w, np.abs(ell)))) / (1 - arb(gm))
        gw, gc = relative_radius(wcount), relative_radius(ccount)
        P = arb(total_weight)
        sum_w = P * (1 + arb(gw))
        err = arb(gm) * A + e * sum_w + arb(log_radius(gw)) * (A + e * sum_w) + arb(log_radius(gc)) * P
        return arb(D) + err * arb(0, 1)


# --------------------------------------------------------------------------------------------
# the adaptive chain (engine/adaptive.py run in float mode, branches decided exactly)

ADAPTIVE_WEIGHT_COUNT = 2  # P(B | x_S) = coef · counts: coef rounded once, one product (counts are integers < 2^53)


class ChainTrace:
    """What a float run of the adaptive chain (``adaptive.run_chain(trace=...)``) records for its
    enclosures, with the operation count of every array (docs/certification.md, "Float enclosures
    of the adaptive chain"):

    * the sampler law g and the data-path weight ρ of a state: the arrays reaching it summed
      (largest count + k − 1); a child from (S, B) gets count(ρ_S) + 3, resp.
      count(g_S) + 3 + |B|·(N_c(|S|) + 1) (the weight P(B | x_S) has count 2, one product with it,
      then |B| conditional factors);
    * wD = p_S · ρ: count(p_S) + count(ρ) + 1, p_S a marginal (``marginal_count``);
    * the cross-entropy terms (weights c_j · p_j or c^q_j · p̂_j, conditionals p̂_j) with their
      counts, for ``cross_entropy_ball``; the masses (E_p T, E_q T, E_p #{|B| ≥ 2}) per state;
    * the smallest positive weight coefficient and conditional, for the underflow guard.

    The arrays are the run's own float values, so the branches (which batches carry weight) are
    the exact run's: they are decided exactly in both modes.
    """

    weight_count = ADAPTIVE_WEIGHT_COUNT

    def __init__(self, L: int, q: int, kind: str):
        self.L, self.q, self.kind = L, q, kind
        self.mixture_count: int | None = None
        self.masses: dict = {"eT": [], "eTq": [], "ge2": []}   # name → [(float sum, count)]
        self.cross: dict = {"kl": [], "q": []}                 # name → [(weights, conds, wcount, ccount)]
        self.min_weight_log2 = 0.0
        self.min_cond_log2 = 0.0
        self.root: list = []  # [(|B|, P(B))] at the empty state (exact rationals)

    @property
    def one_block(self) -> bool:
        """Every path is one iteration revealing all L positions (P(B = [L] | ∅) = 1)."""
        return self.root == [(self.L, 1)]

    def singletons(self) -> bool:
        """E_p #{t : |B_t| ≥ 2} = 0 exactly: every recorded mass of a batch of size ≥ 2 is a float
        0.0, which by the zero rule (no underflow) is an exact 0."""
        return all(v == 0.0 for v, _ in self.masses["ge2"])

    def marginal_count(self, n: int) -> int:
        return marginal_count(self.L, self.q, n)

    def cond_count(self, n: int) -> int:
        return conditional_count(self.L, self.q, n, self.kind)

    def perfect_count(self, n: int) -> int:
        return conditional_count(self.L, self.q, n, "perfect")

    def mass(self, name: str, arr: np.ndarray, count: int) -> None:
        """Σ arr as a float, with the count of its entries plus the size − 1 additions."""
        self.masses[name].append((float(arr.sum()), count + arr.size - 1))

    def note_weight(self, coef) -> None:
        self.min_weight_log2 = min(self.min_weight_log2, _log2_fraction(fmpq(coef)))

    def note_conds(self, conds: np.ndarray) -> None:
        self.min_cond_log2 = min(self.min_cond_log2, _min_positive_log2(conds))

    def terms(self, name: str, weights: np.ndarray, conds: np.ndarray, wcount: int, n: int) -> None:
        w, c = np.broadcast_arrays(weights, conds)
        self.cross[name].append((w.reshape(-1), c.reshape(-1), wcount, self.cond_count(n)))
        self.note_conds(conds)

    def underflow_safe(self, pmf: np.ndarray) -> bool:
        """Every value of the float chain is a sum of products of at most one marginal entry
        (≥ p_min), at most L weights P(B | x_S) (each ≥ its coefficient, counts being ≥ 1) and at
        most L + 1 conditionals (each ≥ the smallest positive one): if that product's log2 stays
        above MIN_NORMAL_LOG2, nothing underflows and the relative model holds."""
        L = self.L
        low = _min_positive_log2(pmf) + L * self.min_weight_log2 + (L + 1) * self.min_cond_log2
        return _min_positive_log2(pmf) > MIN_NORMAL_LOG2 and low > MIN_NORMAL_LOG2


def mass_ball(parts: list) -> arb:
    """Σ_i m_i from floats m̃_i = m_i (1 + θ_i), |θ_i| ≤ γ(count_i), m_i ≥ 0: the float sum taken in
    ball arithmetic, times [1/(1 + γ), 1/(1 − γ)] at the largest count (``_unit_ball``)."""
    if not parts:
        return arb(0)
    gamma = relative_radius(max(c for _, c in parts))
    with working_precision(BALL_PREC):
        total = arb(0)
        for v, _ in parts:
            total += arb(v)
        return total * _unit_ball(gamma)


def chain_cross_entropy_ball(parts: list, total_weight: int) -> arb | None:
    """T = Σ p log p̂ over every recorded term (``cross_entropy_ball`` at the largest weight and
    conditional counts, which bound every term's), with Σ p = ``total_weight`` exactly."""
    if not parts:
        return arb(0)
    w = np.concatenate([p[0] for p in parts])
    c = np.concatenate([p[1] for p in parts])
    return cross_entropy_ball(w, c, max(p[2] for p in parts), max(p[3] for p in parts), total_weight)
