"""Exact laws of adaptive decoders: the averaged process as a Markov chain on partial assignments.

An adaptive rule (``verify.engine.rules``) picks the next batch ``B`` from what has been revealed. At a
state ``(S, x_S)`` it gives a law ``P(B | S, x_S)``; the batch tokens are then drawn independently
from the predictor, ``x_B ~ Π_{j∈B} p̂_j(· | x_S)``. For CL26's ``entropy-sum`` rule the uniform
order drawn once at the start averages out into this chain (the batch-set law in ``rules.py``).
The chain is run forward over ``|S|`` with two weights per state:

* ``g(S, x_S)`` — the sampler's own law of being at the state:
  ``g(S ∪ B, x_S ⊕ x_B) += g(S, x_S) · P(B | S, x_S) · Π_{j∈B} p̂_j(x_j | x_S)``; the mixture law
  a user samples is ``r = g([L], ·)``;
* ``ρ(S, x_S)`` — the probability that the path of a *fixed* string ``x`` visits ``S``, which
  depends on ``x_S`` only: ``ρ(S ∪ B, x_{S∪B}) += ρ(S, x_S) · P(B | S, x_S)``. With ``X ~ p`` the
  data-law weight of the state is ``p_S(x_S) · ρ(S, x_S)`` (every ``x`` has one path per order).

From them, with the data law driving the path (docs/index.md §1, D-CHAIN along each path):

* expected KL  ``E KL(p ‖ q̂_π) = −H − E_p Σ_t Σ_{j∈B_t} log p̂_j(X_j | X_{U_t})``
  ``= −H − Σ_{S, j} Σ_{x_S} c_j(S, x_S) Σ_v p_j(v | x_S) log p̂_j(v | x_S)``,
  ``c_j(S, x_S) = Σ_{B ∋ j} p_S(x_S) ρ(S, x_S) P(B | S, x_S)``; for the perfect predictor this is
  ``Σ_t E TC(X_{B_t} | X_{U_t})``;
* iterations  ``E_p[T] = Σ_{S ≠ [L]} Σ_{x_S} p_S ρ`` (data law) and ``E_q[T] = Σ_{S ≠ [L]} Σ g``
  (sampler law);
* ``E_p #{t : |B_t| = b}``, and ``E_π H(q̂_π) = E_q Σ_t Σ_{j∈B_t} Ĥ_j`` (the sampler-law entropy
  sum of CL26.ITERQ);
* on request (``stats=True``), certified maxima over data-reachable states and batches of
  ``Σ_{k∈B} min(H_k, η)`` (CL26.BUDGET) and ``Σ_{k∈B} H_k − max_{k∈B} H_k`` (CL26.STEP);
* on request (``chain=True``), the chain side of WLL26 Theorem 1 (D-CHAIN for adaptive rules),
  ``Σ_t E_p TC(X_{B_t} | x_{U_t}) = Σ_{S, B} Σ_{x_S} p_S ρ P(B | S, x_S) TC(X_B | x_S)`` with
  ``TC(X_B | x_S) = Σ_{j∈B} H(X_j | x_S) − H(X_B | x_S)`` in the data law's conditionals, each
  batch's joint conditional ``p_{S∪B} / p_S`` read from the marginals: a second route, batch by
  batch, to the expected KL of the perfect predictor (which the pass above telescopes to
  ``−H − Σ c log p̂``). Singleton batches add exactly 0 and are skipped.

Everything runs on float64 or on exact fmpq arrays, like ``laws.py``; the rule's comparisons are
decided exactly in both modes (``StateView``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cmp_to_key

import numpy as np
from flint import fmpq

from .info import Marginals
from .laws import _cond_full, full_form
from ..certify.logforms import LogLinear, PrecisionExhausted
from ..errors import SpecError
from .numbers import log_sum, rational, safe_div
from .predictors import PERFECT, Predictor
from .rules import AdaptiveRule, UndecidedBranch, batch_law, parse_rule
from .target import Target, as_float

# Float decisions (proof: docs/adaptive.md, "The float preview's radii"). With N = q^L ≤ 2^24
# joint entries (checked in RunContext) and u = 2^-53, every float conditional probability is
# within relative ε ≤ 2(e0 + γ_N) + 5u ≤ 1.13 · 2^-28 of the exact one (marginals are sums of at
# most N non-negative binary64 terms in any order, relative error γ_N = Nu/(1 − Nu); the float
# entries are within relative e0 ≤ 2^-32 of the exact law's; one division; the mix predictor's
# two operations). Then a float entropy −Σ_v c_v log c_v is within
#     E ≤ (ε + γ_q + u + u_log) (log q + 1 + 2ε) ≤ 2^-23.1
# of the exact value (mean value theorem: Σ_v |log ξ_v + 1| ε c_v ≤ ε (H + 1 + 2ε), H ≤ log q ≤
# 24 log 2; u_log ≤ 2^-40 is the relative error of numpy's log, far above its real few ulps).
# A float comparison is used only when it clears RAD_H = 2^-22 ≥ E per entropy term (plus two
# terms for the threshold's own rounding and the float sum's); anything closer goes to the exact
# decision. A top probability is within ε ≤ 2^-27.8 of the exact one, so the difference of two
# (or one minus τ) is off by less than RAD_C = 2^-26. (The earlier 2^-26 / 2^-36 were not proved:
# γ_N alone reaches 2^-29 at N = 2^24.) Not covered: the temp and noise predictors, whose float
# and exact versions are different roundings (docs/adaptive.md).
RAD_H = 2.0**-22
RAD_C = 2.0**-26
MAX_FLOAT_PREVIEW_ENTRIES = 2**24
# Float previews of one level come from one batched conditional layer up to this many entries
# (fewer for exact targets, whose layer holds fmpq objects); beyond it, pair by pair.
LEVEL_LAYER_MAX = 2**22
LEVEL_LAYER_MAX_EXACT = 2**18
PREC_CAP = 4096


class RunContext:
    """What every state of one run shares: the exact target (for exact decisions), the
    predictor, the rule's threshold, and the caches of exact conditionals and decided signs."""

    def __init__(self, target: Target, m: Marginals, predictor: Predictor, rule: AdaptiveRule,
                 shared: dict | None = None, exact_target: Target | None = None,
                 exact_marginals: Marginals | None = None):
        if float(target.q) ** target.L > MAX_FLOAT_PREVIEW_ENTRIES:
            # The float preview's radii (RAD_H, RAD_C: module comment) are proved for N <= 2^24.
            raise SpecError("target", f"q^L = {target.q}^{target.L} exceeds 2^24 joint entries, beyond what the "
                            "adaptive engine's float preview is proved for", "q^L <= 2^24 for adaptive rules")
        self.target, self.m, self.pred, self.rule = target, m, predictor, rule
        self._mE = m if target.exact else exact_marginals
        self._exact_target = exact_target
        # per (target, predictor), reusable by every rule: exact conditionals, float columns
        shared = {} if shared is None else shared
        self._condE: dict = shared.setdefault("exact_cond", {})
        self._cols: dict = shared.setdefault("float_columns", {})
        self.signs: dict = {}
        self.classes: dict = {}  # multiset of a conditional's probabilities → id
        thr = rule.value if rule.kind in ("entropy-sum", "max-entropy", "eb") else fmpq(0)
        self.thr = thr if isinstance(thr, LogLinear) else LogLinear.constant(thr)
        self.thr_f = rule.value_float if rule.kind in ("entropy-sum", "max-entropy", "eb") else 0.0

    def float_columns(self, S: tuple, j: int):
        """(entropy, top probability) of p̂_j(· | x_S) for every x_S, as floats.

        The first request at a level |S| = n computes the columns of every pair (S, j ∉ S) at once
        from the size-n conditional layer (``layers.conditional_layer``: the same numbers as the
        pair-by-pair conditionals), when that layer is small enough (LEVEL_LAYER_MAX entries)."""
        key = (S, j)
        got = self._cols.get(key)
        if got is None and ("level", len(S)) not in self._cols:
            self._fill_level(len(S))
            got = self._cols.get(key)
        if got is None:
            q = self.target.q
            got = _columns(as_float(self.pred.conditional(self.m, j, S)).reshape(-1, q), axis=1)
            self._cols[key] = got
        return got

    def _fill_level(self, n: int) -> None:
        """Columns of every (S, j) with |S| = n from one conditional layer, if it is small enough."""
        from math import comb

        from .info import subsets
        from .layers import conditional_layer

        L, q = self.target.L, self.target.q
        self._cols[("level", n)] = True
        cap = LEVEL_LAYER_MAX_EXACT if self.m.exact else LEVEL_LAYER_MAX
        if n >= L or (n + 1) * q ** (n + 1) * comb(L, n + 1) > cap:
            return
        # [r, x_j, x_S, A]: p̂_{A_r}(x_j | x_S) with S = A ∖ {A_r}, x_S in C order over S
        cond = as_float(conditional_layer(self.m, self.pred, n)).reshape(n + 1, q, q**n, -1)
        H, top = _columns(cond, axis=1)
        for a, row in enumerate(subsets(L, n + 1).tolist()):
            for r, j in enumerate(row):
                self._cols[(tuple(row[:r] + row[r + 1:]), j)] = (H[r, :, a], top[r, :, a])

    def exact_marginals(self) -> Marginals:
        """The law the branches are decided on: the exact law the float target approximates
        when the caller has it, else the float target's entries read exactly (their binary64
        values, whose rounding breaks the exact ties of the law they approximate)."""
        if self._mE is None:
            self._mE = Marginals(self._exact_target or self.target.to_exact())
        return self._mE

    def exact_cond(self, S: tuple, j: int) -> np.ndarray:
        """p̂_j(· | x_S) exactly, shape (NS, q); in float mode from the exact target."""
        key = (S, j)
        got = self._condE.get(key)
        if got is None:
            got = self.pred.conditional(self.exact_marginals(), j, S).reshape(-1, self.target.q)
            self._condE[key] = got
        return got


class StateView:
    """The rule's window on all states ``(S, x_S)`` with the same S, rows k = x_S in C order.

    ``Hf[k, a]`` / ``Cf[k, a]``: float entropy / top probability of the a-th masked position.
    The ``sign_*`` and ordering methods decide comparisons exactly: a float answer when it clears
    the error radius, else the exact log-linear form (sign by rising precision and the exact zero
    test of ``LogLinear.sign``), cached per state.
    """

    def __init__(self, ctx: RunContext, S: tuple):
        self.ctx, self.S = ctx, S
        q = ctx.target.q
        self.M = [j for j in range(ctx.target.L) if j not in S]
        self.m = len(self.M)
        self.NS = q ** len(S)
        Hf = np.zeros((self.NS, self.m))
        Cf = np.zeros((self.NS, self.m))
        for a, j in enumerate(self.M):
            Hf[:, a], Cf[:, a] = ctx.float_columns(S, j)
        self.Hf, self.Cf = Hf, Cf
        self._H: dict = {}
        self._cls: dict = {}
        self._eta: dict = {}  # terms of Σ lin[a] H_a → {row: decided sign}, for this S

    # ---- exact values

    def where(self, k: int) -> str:
        xs = np.unravel_index(k, (self.ctx.target.q,) * len(self.S)) if self.S else ()
        return f"state S={self.S}, x_S={tuple(int(v) for v in xs)} (rule {self.ctx.rule.spec})"

    def H_exact(self, k: int, a: int) -> LogLinear:
        key = (k, a)
        got = self._H.get(key)
        if got is None:
            row = self.ctx.exact_cond(self.S, self.M[a])[k]
            got = -LogLinear.from_pairs(row, row)
            self._H[key] = got
        return got

    def conf_exact(self, k: int, a: int) -> fmpq:
        return max(self.ctx.exact_cond(self.S, self.M[a])[k])

    def _sign(self, k: int, form: LogLinear, what: str) -> int:
        try:
            return form.sign(prec_cap=PREC_CAP)
        except PrecisionExhausted as err:
            raise UndecidedBranch(self.where(k), f"{what}: {err}") from None

    def _dist_key(self, k: int, a: int) -> int:
        """An entropy depends only on the multiset of the conditional's probabilities: a small
        integer naming that multiset (one per run)."""
        got = self._cls.get((k, a))
        if got is None:
            # the multiset as sorted (numerator, denominator) pairs: fmpz hashes natively, while
            # an fmpq hashes through Python's Fraction
            ms = tuple((x.p, x.q) for x in sorted(self.ctx.exact_cond(self.S, self.M[a])[k]))
            got = self.ctx.classes.setdefault(ms, len(self.ctx.classes))
            self._cls[(k, a)] = got
        return got

    def _exact_sign_eta(self, k: int, lin: dict) -> int:
        # many states share the same conditional laws (symmetries, Markov rows): decide each
        # multiset of laws once per run
        vkey = ("eta", tuple(sorted((self._dist_key(k, a), c) for a, c in lin.items())))
        got = self.ctx.signs.get(vkey)
        if got is None:
            form = -self.ctx.thr
            for a, c in lin.items():
                form = form + self.H_exact(k, a) * c
            got = self._sign(k, form, f"sum of entropies of {[self.M[a] for a in lin]} vs the threshold")
            self.ctx.signs[vkey] = got
        return got

    def _eta_memo(self, lin: dict) -> dict:
        """{row: exact sign(Σ lin[a] H_a − η)} decided so far for these terms at this S."""
        memo = self._eta.get(lkey := tuple(sorted(lin.items())))
        if memo is None:
            memo = self._eta[lkey] = {}
        return memo

    def _decided(self, memo: dict, k: int, lin: dict) -> int:
        got = memo.get(k)
        if got is None:
            got = memo[k] = self._exact_sign_eta(k, lin)
        return got

    # ---- comparisons against the threshold η (or γ)

    def _rad(self, lin: dict) -> float:
        return RAD_H * (sum(abs(c) for c in lin.values()) + 2) * (1 + abs(self.ctx.thr_f))

    def sign_eta(self, fvals: np.ndarray, lin: dict, rows=None) -> np.ndarray:
        """sign(Σ_a lin[a] H_a − η) for every row (rows outside ``rows`` get the float sign)."""
        d = fvals - self.ctx.thr_f
        out = np.sign(d).astype(np.int64)
        open_ = np.abs(d) <= self._rad(lin)
        if rows is not None:
            open_ &= rows
        ks = np.flatnonzero(open_)
        if ks.size:
            memo = self._eta_memo(lin)
            for k in ks.tolist():
                out[k] = self._decided(memo, k, lin)
        return out

    def sign_eta_one(self, k: int, fval: float, lin: dict) -> int:
        d = fval - self.ctx.thr_f
        if abs(d) > self._rad(lin):
            return 1 if d > 0 else -1
        return self._decided(self._eta_memo(lin), k, lin)

    def surely_gt_eta(self, fvals: np.ndarray, nterms: int) -> bool:
        """True only if Σ − max > η is proved by the float ball at every row (a pruning test)."""
        return bool(np.all(fvals - self.ctx.thr_f > RAD_H * (nterms + 2) * (1 + abs(self.ctx.thr_f))))

    # ---- orders

    def cmp_entropy(self, k: int, a: int, b: int) -> int:
        """Order by entropy ascending, equal entropies by position."""
        d = self.Hf[k, a] - self.Hf[k, b]
        if abs(d) > 4 * RAD_H:
            return 1 if d > 0 else -1
        key = ("H", self._dist_key(k, a), self._dist_key(k, b))
        s = self.ctx.signs.get(key)
        if s is None:
            s = self._sign(k, self.H_exact(k, a) - self.H_exact(k, b),
                           f"entropies of positions {self.M[a]} and {self.M[b]}")
            self.ctx.signs[key] = s
        return s if s else (a > b) - (a < b)

    def cmp_confidence(self, k: int, a: int, b: int) -> int:
        """Order by top probability descending, equal ones by position."""
        d = self.Cf[k, b] - self.Cf[k, a]
        if abs(d) > RAD_C:
            return 1 if d > 0 else -1
        ca, cb = self.conf_exact(k, a), self.conf_exact(k, b)
        if ca != cb:
            return 1 if cb > ca else -1
        return (a > b) - (a < b)

    def sorted_by_entropy(self, k: int) -> list:
        return sorted(range(self.m), key=cmp_to_key(lambda a, b: self.cmp_entropy(k, a, b)))

    def sorted_by_confidence(self, k: int) -> list:
        return sorted(range(self.m), key=cmp_to_key(lambda a, b: self.cmp_confidence(k, a, b)))

    def argmin_entropy(self, k: int, cands: list) -> int:
        best = cands[0]
        for a in cands[1:]:
            if self.cmp_entropy(k, a, best) < 0:
                best = a
        return best

    def compare_conf_tau(self, k: int, a: int, tau: fmpq) -> int:
        d = self.Cf[k, a] - int(tau.p) / int(tau.q)
        if abs(d) > RAD_C:
            return 1 if d > 0 else -1
        c = self.conf_exact(k, a)
        return (c > tau) - (c < tau)


class CertifiedMax:
    """Running maximum of exact values offered with a float preview; ties within the float
    radius are settled exactly, so the final exact value is a proved maximum."""

    def __init__(self):
        self.best_f: float | None = None
        self.best_rad = 0.0
        self._best = None  # thunk → LogLinear
        self._where = None

    def offer(self, fval: float, thunk, where, nterms: int) -> None:
        """``where()`` names the state (built only when needed). ``fval`` sums ``nterms`` float
        entropies, each within RAD_H of its exact value (module comment), so the float decides
        only when the two values' radii do not overlap."""
        rad = RAD_H * (nterms + 2) * (1 + abs(fval))
        if self.best_f is None or fval - self.best_f > rad + self.best_rad:
            self.best_f, self.best_rad, self._best, self._where = fval, rad, thunk, where
            return
        if self.best_f - fval > rad + self.best_rad:
            return
        self.best_rad = max(self.best_rad, rad)
        cur, new = self._best(), thunk()
        self._best = lambda v=cur: v
        if new._terms == cur._terms and new._const == cur._const:
            return  # the same form (symmetric states): equal values, nothing to decide
        try:
            s = (new - cur).sign(prec_cap=PREC_CAP)
        except PrecisionExhausted as err:
            raise UndecidedBranch(where(), f"maximum of a per-state statistic: {err}") from None
        if s > 0:
            self.best_f, self._where = fval, where
            self._best = lambda v=new: v

    @property
    def where(self):
        return None if self._best is None else self._where()

    def value(self):
        return None if self._best is None else self._best()


@dataclass
class AdaptiveResult:
    """Everything one run of the chain yields (float, or fmpq / LogLinear in exact mode)."""

    rule: AdaptiveRule
    predictor: Predictor
    mixture: np.ndarray
    expected_kl: object
    expected_iterations: object          # E_p[T], data law
    expected_iterations_sampler: object  # E_q[T], the sampler's own law
    steps_ge2: object                    # E_p #{t : |B_t| >= 2}
    batch_sizes: dict                    # b → E_p #{t : |B_t| = b}
    entropy_sum_sampler: object          # E_π H(q̂_π) = E_q Σ_t Σ_{j∈B_t} Ĥ_j
    states: int = 0
    budget_max: object = None            # max Σ_{k∈B} min(H_k, η) over data-reachable (state, B)
    excess_max: object = None            # max Σ_{k∈B} H_k − max_{k∈B} H_k over the same
    chain_tc: object = None              # Σ_t E_p TC(X_{B_t} | x_{U_t}) (chain=True; WLL26.T1)
    extra: dict = field(default_factory=dict)


def _columns(c: np.ndarray, axis: int) -> tuple:
    """(−Σ_v c_v log c_v, max_v c_v) along ``axis`` (the value axis of float conditionals)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        H = -np.where(c > 0, c * np.log(np.where(c > 0, c, 1.0)), 0.0).sum(axis=axis)
    return H, c.max(axis=axis)


def _one(shape_L: int, exact: bool) -> np.ndarray:
    if exact:
        a = np.empty((1,) * shape_L, dtype=object)
        a.reshape(-1)[0] = fmpq(1)
        return a
    return np.ones((1,) * shape_L)


def run_chain(target: Target, rule: AdaptiveRule | str, predictor: Predictor = PERFECT,
              marginals: Marginals | None = None, stats: bool = False,
              shared: dict | None = None, exact_target: Target | None = None,
              chain: bool = False, trace: "ChainTrace | None" = None,
              exact_marginals: Marginals | None = None, decided: dict | None = None) -> AdaptiveResult:
    """Forward pass of the chain (module docstring); ``stats`` adds the certified maxima,
    ``chain`` the batch-by-batch conditional TC sum (``AdaptiveResult.chain_tc``, WLL26.T1).

    ``shared`` (one dict per target and predictor) keeps conditionals and their entropies across
    runs, e.g. the η values of one grid; without it they are dropped level by level.
    ``exact_target`` (float mode): the exact law the float target was rounded from; branches
    are then decided on it (``RunContext.exact_marginals``; ``exact_marginals``: its Marginals,
    shared with the caller).
    ``trace`` (float mode only): a ``ChainTrace`` that records the float arrays and their operation
    counts for the rigorous enclosures of ``engine/floattwin.py`` (docs/certification.md,
    "Float enclosures of the adaptive chain"). The branches are the exact ones either way.
    ``decided`` (default: ``shared["decided"]``): per rule, the batch law of every state and the
    certified maxima, kept for the next run of the same rule on the same (target, predictor) — in
    float or exact mode, since every branch is decided exactly in both, the batch laws are the
    same. Maxima are stored by exact runs only (a float run's rows could differ if it underflowed;
    ``floattwin`` stores them after its underflow check).
    """
    rule = parse_rule(rule, target.L) if isinstance(rule, str) else rule
    m = marginals or Marginals(target)
    L, q, exact = target.L, target.q, target.exact
    if trace is not None and exact:
        raise ValueError("a ChainTrace records a float run")
    ctx = RunContext(target, m, predictor, rule, shared, exact_target, exact_marginals)
    if decided is None and shared is not None:
        decided = shared.setdefault("decided", {})
    laws_cache = None if decided is None else decided.setdefault(("laws", rule.spec), {})
    stats_cached = None if decided is None or not stats else decided.get(("stats", rule.spec))
    offer = stats and stats_cached is None
    cache: dict = {} if shared is None else shared.setdefault("cond_full", {})
    pcache: dict = {}  # perfect conditionals in full form (the data law's p_j(· | x_S))
    full = tuple(range(L))
    one = _one(L, exact)
    pending: dict = {(): [one, one]}  # S → [ρ, g] in full form
    counts_in: dict = {(): ([0], [0])}  # trace only: S → (counts of the ρ arrays, of the g arrays) reaching S
    kl_terms = _LogTerms(exact)   # Σ c log p̂ along data paths
    q_terms = _LogTerms(exact)    # Σ c log p̂ along sampler paths
    tc_terms = _LogTerms(exact)   # Σ w p_B log p_B − Σ_j w p_j log p_j: the chain of conditional TCs
    eT, eTq = rational(0, exact), rational(0, exact)
    ge2 = rational(0, exact)
    sizes: dict = {}
    bmax, xmax = CertifiedMax(), CertifiedMax()
    mixture = None
    n_states = 0
    for n in range(L + 1):
        level = sorted(S for S in pending if len(S) == n)
        for S in level:
            rho, g = pending.pop(S)
            n_states += 1
            if trace is not None:
                c_rho, c_g = (_sum_count(c) for c in counts_in.pop(S))
            if n == L:
                mixture = g
                if trace is not None:
                    trace.mixture_count = c_g
                continue
            pS = full_form(m.marginal(S), S, L)
            wD = pS * rho
            eT = eT + wD.sum()
            eTq = eTq + g.sum()
            if trace is not None:
                c_w = trace.marginal_count(n) + c_rho + 1      # wD = p_S · ρ
                trace.mass("eT", wD, c_w)
                trace.mass("eTq", g, c_g)
                cD_counts: dict = {}
                cQ_counts: dict = {}
            masked = [j for j in full if j not in S]
            conds = [_cond_full(m, predictor, j, S, cache) for j in masked]
            law = None if laws_cache is None else laws_cache.get(S)
            view = StateView(ctx, S) if law is None or offer else None
            if law is None:
                law = batch_law(rule, view)
                if laws_cache is not None:
                    laws_cache[S] = law
            cD = {j: None for j in masked}
            cQ = {j: None for j in masked}
            wD_flat = wD.reshape(-1)
            for B, coef, counts in law:
                cnt = counts.astype(object) if exact else counts.astype(np.float64)
                PB = full_form(cnt.reshape((q,) * n) if n else cnt.reshape(()), S, L) * rational(coef, exact)
                A = tuple(sorted(S + B))
                shape = tuple(q if j in A else 1 for j in full)
                gB = g * PB
                for j in B:
                    gB = gB * conds[masked.index(j)]
                if trace is not None:
                    c_pb = trace.weight_count  # coef rounded once, times an integer count
                    trace.note_weight(coef)
                    if n == 0:  # the root's batch law (one state): T = 1 iff one batch of all L, P = 1
                        trace.root.append((len(B), fmpq(coef) * int(counts[0])))
                    c_child = counts_in.setdefault(A, ([], []))
                    c_child[0].append(c_rho + c_pb + 1)
                    c_child[1].append(c_g + c_pb + 1 + len(B) * (trace.cond_count(n) + 1))
                    for j in B:
                        cD_counts.setdefault(j, []).append(c_w + c_pb + 1)
                        cQ_counts.setdefault(j, []).append(c_g + c_pb + 1)
                slot = pending.get(A)
                if slot is None:
                    pending[A] = [np.array(np.broadcast_to(rho * PB, shape)), np.array(np.broadcast_to(gB, shape))]
                else:
                    slot[0] = slot[0] + rho * PB
                    slot[1] = slot[1] + gB
                wB = wD * PB
                mass = wB.sum()
                sizes[len(B)] = sizes.get(len(B), rational(0, exact)) + mass
                if len(B) >= 2:
                    ge2 = ge2 + mass
                    if trace is not None:
                        trace.mass("ge2", wB, c_w + c_pb + 1)
                qB = g * PB
                for j in B:
                    cD[j] = wB if cD[j] is None else cD[j] + wB
                    cQ[j] = qB if cQ[j] is None else cQ[j] + qB
                if offer and rule.kind != "topk" and rule.kind != "threshold":
                    _offer_stats(view, B, counts, wD_flat, bmax, xmax)
                if chain and len(B) >= 2:
                    _add_batch_tc(tc_terms, m, S, B, A, pS, wB, pcache, exact)
            for a, j in enumerate(masked):
                ph = conds[a]
                if cD[j] is not None:
                    pj = _perfect_full(m, j, S, pcache) if not predictor.perfect else ph
                    kl_terms.add(cD[j] * pj, ph)
                    if trace is not None:
                        trace.terms("kl", cD[j] * pj, ph, _sum_count(cD_counts[j]) + trace.perfect_count(n) + 1, n)
                        trace.note_conds(pj)
                if cQ[j] is not None:
                    q_terms.add(cQ[j] * ph, ph)
                    if trace is not None:
                        trace.terms("q", cQ[j] * ph, ph, _sum_count(cQ_counts[j]) + trace.cond_count(n) + 1, n)
            if shared is None:
                for key in [key for key in cache if key[1] == S]:
                    del cache[key]
    if mixture is None:
        raise AssertionError("the chain never revealed every position")
    r = np.array(np.broadcast_to(mixture, (q,) * L))
    ekl = -m.entropy(full) - kl_terms.total()
    ent_q = -q_terms.total()
    sizes = {b: v for b, v in sorted(sizes.items()) if v != 0}  # batches seen only off the support of p
    res = AdaptiveResult(rule, predictor, r, ekl, eT, eTq, ge2, sizes, ent_q, n_states)
    if chain:
        res.chain_tc = tc_terms.total()
    if stats:
        if stats_cached is None:
            stats_cached = (bmax.value(), xmax.value(), bmax.where, xmax.where)
            if exact and decided is not None:
                decided[("stats", rule.spec)] = stats_cached
        res.budget_max, res.excess_max = stats_cached[:2]
        res.extra = {"budget_max_at": stats_cached[2], "excess_max_at": stats_cached[3]}
    return res


class _LogTerms:
    """Σ coef · log val over many arrays: floats add at once; exact pairs are collected and merged
    into one LogLinear at the end (adding forms one by one would re-merge a growing dict)."""

    def __init__(self, exact: bool):
        self.exact = exact
        self.value = 0.0
        self.coefs: list = []
        self.vals: list = []

    def add(self, coef: np.ndarray, val: np.ndarray) -> None:
        if not self.exact:
            self.value += log_sum(coef, val, False)
            return
        c, v = np.broadcast_arrays(coef, val)
        self.coefs.append(c.reshape(-1))
        self.vals.append(v.reshape(-1))

    def total(self):
        if not self.exact:
            return self.value
        if not self.coefs:
            return LogLinear()
        return LogLinear.from_pairs(np.concatenate(self.coefs), np.concatenate(self.vals))


def _perfect_full(m: Marginals, j: int, S: tuple, cache: dict) -> np.ndarray:
    return _cond_full(m, PERFECT, j, S, cache)


def _add_batch_tc(terms: _LogTerms, m: Marginals, S: tuple, B: tuple, A: tuple, pS: np.ndarray,
                  wB: np.ndarray, pcache: dict, exact: bool) -> None:
    """Add ``Σ_{x_S} wB(x_S) TC(X_B | x_S)`` (data law) as log terms: the joint conditional
    ``p(x_B | x_S) = p_A(x_A) / p_S(x_S)`` (A = S ∪ B) and each ``p_j(· | x_S)``. Where
    ``p_S(x_S) = 0`` the weight ``wB`` is 0 and the uniform default never counts."""
    L = m.L
    joint = safe_div(full_form(m.marginal(A), A, L), pS, rational(1, exact), exact)
    terms.add(wB * joint, joint)
    for j in B:
        pj = _perfect_full(m, j, S, pcache)
        terms.add(-(wB * pj), pj)


def _offer_stats(view: StateView, B: tuple, counts: np.ndarray, wD_flat: np.ndarray,
                 bmax: CertifiedMax, xmax: CertifiedMax) -> None:
    """Offer Σ_{k∈B} min(H_k, η) and Σ_{k∈B} H_k − max H_k at every data-reachable row."""
    idx = [view.M.index(j) for j in B]
    rows = np.flatnonzero((counts > 0) & _positive(wD_flat))
    if rows.size == 0:
        return
    H = view.Hf[np.ix_(rows, idx)]
    thr_f = view.ctx.thr_f
    budget = np.minimum(H, thr_f).sum(axis=1)
    excess = H.sum(axis=1) - H.max(axis=1)
    for vals, target, build in ((budget, bmax, _budget_form), (excess, xmax, _excess_form)):
        top = vals.max()
        if target.best_f is not None:
            top = max(top, target.best_f)
        near = np.flatnonzero(vals >= top - 16 * RAD_H * (len(idx) + 2) * (1 + abs(top)))
        for r in near:  # only rows that can still be the maximum
            kk = int(rows[r])
            target.offer(float(vals[r]), lambda kk=kk, f=build: f(view, kk, idx),
                         lambda kk=kk: view.where(kk), len(idx))


def _budget_form(view: StateView, k: int, idx: list) -> LogLinear:
    total = LogLinear.constant(0)
    for a in idx:
        le = view.sign_eta_one(k, view.Hf[k, a], {a: 1}) <= 0
        total = total + (view.H_exact(k, a) if le else view.ctx.thr)
    return total


def _excess_form(view: StateView, k: int, idx: list) -> LogLinear:
    top = idx[0]
    for a in idx[1:]:
        if view.cmp_entropy(k, a, top) > 0:
            top = a
    total = LogLinear.constant(0)
    for a in idx:
        if a != top:
            total = total + view.H_exact(k, a)
    return total


def _positive(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == object:
        return np.array([v != 0 for v in arr], dtype=bool)
    return arr > 0


def _sum_count(counts: list) -> int:
    """Operation count of a recursive sum of arrays with these counts (floatlaw's sum rule:
    the largest count plus one rounding per addition)."""
    return max(counts) + len(counts) - 1
