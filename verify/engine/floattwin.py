"""The float twin of an exact target: the mixture law by the float DP, with its proven radius.

``enclosed_metric`` gives, for a non-adaptive schedule, the mixture-law metrics (mixture KL, TV,
SER, TER gap, generative log-perplexity gap) as certified enclosures computed from the float DP
(``verify/certify/floatlaw.py``, docs/certification.md "Float enclosures") instead of the exact
rational DP; ``expected_kl_enclosure`` the expected KL from the float layers;
``measure_enclosed`` is ``verify measure --exact`` built on both. The float law is the one ``laws.mixture_law`` computes on the float copy of the exact
target (every entry rounded once); the predictors ``perfect`` and ``mix`` use the float formulas
the operation count covers, ``temp`` and ``noise`` the exact predictor's layers rounded once
(their float formulas are not the exact predictor's).
"""
from __future__ import annotations

import weakref

import numpy as np
from flint import fmpq

from ..certify.floatlaw import (FloatBall, LawEnclosure, gen_logppl_ball, law_count, mixture_kl_ball, ser_value,
                                support_of, tv_ball, underflow_safe, zeros_kept)
from .info import Marginals
from .laws import mixture_law, step_order
from .layers import conditional_layer
from .predictors import builtin_kind
from .target import Target, as_float

FLOAT_METRICS = ("mixture_kl", "tv", "ser", "ter_gap", "gen_logppl_gap")
# An adaptive rule's quantities enclosed from the float chain (branches decided exactly):
ADAPTIVE_FLOAT_METRICS = ("mixture_kl", "tv", "ser", "ter_gap", "expected_kl", "expected_iterations",
                          "expected_iterations_sampler", "steps_ge2", "entropy_sum_sampler")
# ... and the certified maxima of the same float run: exact log-linear forms (its branches and its
# maxima are decided exactly, adaptive.CertifiedMax), served as exact values.
ADAPTIVE_EXACT_STATS = ("budget_max", "excess_max")


class FloatTwin:
    """Per exact target: its float copy, float marginals, conditional layers and enclosed laws."""

    def __init__(self, exact_target: Target, exact_marginals: Marginals | None = None):
        self.exact_target = exact_target
        self.exact_marginals = exact_marginals or Marginals(exact_target)
        self.target = exact_target.to_float()  # every entry correctly rounded (int / int)
        self.marginals = Marginals(self.target)
        self.conds: dict = {}   # predictor spec → cond_cache of mixture_law
        self.laws: dict = {}    # (schedule spec, predictor spec) → LawEnclosure or None
        self._support = None
        self._pmf_kept = None
        self.adaptive_runs: dict = {}  # (rule spec, predictor spec) → AdaptiveEnclosure or None

    @property
    def support(self):
        if self._support is None:
            self._support = support_of(self.exact_target.pmf)
        return self._support

    @property
    def pmf_kept(self) -> bool:
        """True if rounding the exact pmf to binary64 sent no positive entry to 0 (the underflow
        check sees only the float copy's positive entries: a flushed entry would hide from it)."""
        if self._pmf_kept is None:
            self._pmf_kept = zeros_kept(self.exact_target.pmf, self.target.pmf)
        return self._pmf_kept

    def law(self, schedule, predictor) -> LawEnclosure | None:
        """The float mixture law with its radius, or None where the a-priori analysis does not
        apply (a fixed plan, an adaptive rule, or a DP that could underflow)."""
        if getattr(schedule, "adaptive", False) or schedule.kind == "plan":
            return None
        key = (schedule.spec, predictor.spec)
        if key in self.laws:
            return self.laws[key]
        kind = builtin_kind(predictor)
        if kind == "custom":  # a subclass's own conditional: the operation counts are not its
            self.laws[key] = None
            return None
        cache = self.conds.setdefault(predictor.spec, {})
        compiled = None
        kept = self.pmf_kept
        if kind not in ("perfect", "mix"):
            compiled = False  # the prefilled layers are batch-last
            for node, n in schedule.revealed.items():
                if n < schedule.L and schedule.nodes.get(node) and ("layer", n, False) not in cache:
                    exact_layer = conditional_layer(self.exact_marginals, predictor, n)
                    cache[("layer", n, False)] = as_float(exact_layer)
                    kept = kept and zeros_kept(exact_layer, cache[("layer", n, False)])
        law = mixture_law(self.target, schedule, predictor, self.marginals, cache, compiled=compiled)
        enc = None
        if kept and underflow_safe(self.target.pmf, list(cache.values()), schedule):
            enc = LawEnclosure(law, law_count(schedule, self.target.q, kind, step_order(schedule)))
        self.laws[key] = enc
        return enc


    def adaptive(self, rule, predictor, decided: dict | None = None) -> "AdaptiveEnclosure | None":
        """The adaptive chain run on the float copy, its branches decided exactly on the exact
        target (``adaptive.RunContext``), with the enclosures of its law and sums; None where
        the a-priori analysis does not apply (temp, noise, custom predictors or rules, or a chain
        that could underflow). ``decided``: the exact runs' store of decided batch laws and maxima
        for this (target, predictor) (``adaptive.run_chain``), shared both ways."""
        key = (rule.spec, predictor.spec)
        if key in self.adaptive_runs:
            return self.adaptive_runs[key]
        from ..certify.floatlaw import ChainTrace
        from .adaptive import run_chain

        kind = builtin_kind(predictor)
        enc = None
        if kind in ("perfect", "mix") and rule.kind != "function" and self.pmf_kept:
            trace = ChainTrace(self.target.L, self.target.q, kind)
            shared = self.conds.setdefault(("adaptive", predictor.spec), {})
            stats = rule.kind not in ("topk", "threshold")  # as adaptive.run_chain offers them
            res = run_chain(self.target, rule, predictor, self.marginals, stats=stats, shared=shared,
                            exact_target=self.exact_target, exact_marginals=self.exact_marginals, trace=trace,
                            decided=decided)
            if trace.underflow_safe(self.target.pmf):
                enc = AdaptiveEnclosure(LawEnclosure(res.mixture, trace.mixture_count), trace, self.target.L)
                if stats:  # exact forms, proved maxima over the data-reachable rows (zero pattern exact)
                    enc.exact = {"budget_max": res.budget_max, "excess_max": res.excess_max}
                    if decided is not None:  # the exact run's maxima too: keep them for it
                        got = (res.budget_max, res.excess_max, res.extra["budget_max_at"], res.extra["excess_max_at"])
                        decided.setdefault(("stats", rule.spec), got)
        self.adaptive_runs[key] = enc
        return enc


class AdaptiveEnclosure:
    """A float run of the adaptive chain with its proven radii (floatlaw.ChainTrace): the mixture
    law r̂ (|r̂ − r| ≤ γ r entrywise), and balls of the cross-entropy sums and the masses."""

    def __init__(self, law: LawEnclosure, trace, L: int):
        self.law, self.trace, self.L = law, trace, L
        self._balls: dict = {}
        self.exact: dict = {}  # ADAPTIVE_EXACT_STATS of the same run (exact values)

    def cross(self, name: str):
        """T = Σ p log p̂ along data paths ("kl") or sampler paths ("q"); every path reveals all L
        positions and each conditional sums to 1, so Σ p = L exactly on both. None: infinite."""
        from ..certify.floatlaw import chain_cross_entropy_ball

        if name not in self._balls:
            self._balls[name] = chain_cross_entropy_ball(self.trace.cross[name], self.L)
        return self._balls[name]

    def mass(self, name: str):
        from ..certify.floatlaw import mass_ball

        key = ("mass", name)
        if key not in self._balls:
            self._balls[key] = mass_ball(self.trace.masses[name])
        return self._balls[key]


def enclosed_adaptive_metric(twin: FloatTwin, name: str, rule, predictor, H=None, decided: dict | None = None,
                             TC=None):
    """One of ADAPTIVE_FLOAT_METRICS for an adaptive rule as a FloatBall (or SER = 0 proved by
    the float law's zero pattern), one of ADAPTIVE_EXACT_STATS as its exact value, or None (the
    exact path answers). ``H``: the exact entropy (``expected_kl`` only); ``decided``: as for
    ``FloatTwin.adaptive``; ``TC``: a callable giving the exact total correlation.

    Exact values the float run proves for the perfect predictor (docs/certification.md):
    singleton batches on every data path (E_p #{|B| ≥ 2} = 0 by the zero rule) give q_π = p on
    the support for every π, so mixture KL = expected KL = TV = SER = 0; one batch of all L
    positions (T = 1) gives r = q = Π_j p_j, so mixture KL = expected KL = TC."""
    if name not in ADAPTIVE_FLOAT_METRICS and name not in ADAPTIVE_EXACT_STATS:
        return None
    enc = twin.adaptive(rule, predictor, decided)
    if enc is None:
        return None
    if name in ADAPTIVE_EXACT_STATS:
        return enc.exact.get(name)
    if builtin_kind(predictor) == "perfect" and name != "entropy_sum_sampler" and not name.startswith("expected_it"):
        if enc.trace.singletons():
            return fmpq(0)
        if enc.trace.one_block and TC is not None and name in ("mixture_kl", "expected_kl", "ter_gap"):
            tc = TC()
            return tc if name != "ter_gap" else tc / twin.target.L
    if name in ("mixture_kl", "ter_gap", "tv", "ser"):
        sup = twin.support
        if name == "tv":
            return FloatBall(tv_ball(sup, enc.law), name)
        if name == "ser":
            v = ser_value(sup, enc.law)
            return v if isinstance(v, fmpq) else FloatBall(v, name)
        ball = mixture_kl_ball(sup, enc.law)
        if ball is None:
            return None
        return FloatBall(ball if name == "mixture_kl" else ball / twin.target.L, name)
    if name == "expected_kl":
        T = enc.cross("kl")
        if T is None or H is None:
            return None
        return FloatBall(-H.enclose(128) - T, name)
    if name == "entropy_sum_sampler":
        T = enc.cross("q")
        return None if T is None else FloatBall(-T, name)
    mass = {"expected_iterations": "eT", "expected_iterations_sampler": "eTq", "steps_ge2": "ge2"}[name]
    return FloatBall(enc.mass(mass), name)


_TWINS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def twin_of(owner, exact_target: Target, exact_marginals: Marginals | None = None) -> FloatTwin:
    """The FloatTwin kept as long as ``owner`` lives (a claims Workspace, a measurement)."""
    tw = _TWINS.get(owner)
    if tw is None:
        tw = _TWINS[owner] = FloatTwin(exact_target, exact_marginals)
    return tw


def enclosed_metric(twin: FloatTwin, name: str, schedule, predictor, H=None):
    """One of FLOAT_METRICS on the instance as a FloatBall (or an exact fmpq where the float law
    proves it: SER = 0), or None when no enclosure applies (the exact path answers then).
    ``H`` (an exact value with ``enclose``) is needed for ``gen_logppl_gap`` only."""
    enc = twin.law(schedule, predictor)
    if enc is None:
        return None
    sup = twin.support
    if name in ("mixture_kl", "ter_gap"):
        ball = mixture_kl_ball(sup, enc)
        if ball is None:
            return None
        return FloatBall(ball if name == "mixture_kl" else ball / twin.target.L, name)
    if name == "tv":
        return FloatBall(tv_ball(sup, enc), name)
    if name == "ser":
        v = ser_value(sup, enc)
        return v if isinstance(v, fmpq) else FloatBall(v, name)
    if name == "gen_logppl_gap":
        if not isinstance(ser_value(sup, enc), fmpq) or H is None:
            return None
        return FloatBall(gen_logppl_ball(sup, enc, H.enclose(128)), name)
    return None


def measure_enclosed(target: Target, schedule, predictor) -> dict:
    """``metrics.measure`` on an exact target with the mixture-law metrics enclosed from the float
    DP (``verify measure --exact``): H, TC, DTC, Σ I and the expected KL stay exact log-linear
    forms; mixture KL, TV, SER (an exact 0 when the float law proves it), TER gap and the
    generative log-perplexity gap are certified balls of radius γ_N (docs/certification.md).
    Iteration counts are exact rationals. No exact mixture law is built. None where the a-priori
    analysis does not apply (``FloatTwin.law``)."""
    from .laws import expected_kl
    from .metrics import learning_terms, measure_target
    from .profile.sizelaws import longest_path

    twin = FloatTwin(target)
    enc = twin.law(schedule, predictor)
    if enc is None:
        return None  # no a-priori bound here (underflow): the caller runs the exact DP
    out = measure_target(target, twin.exact_marginals, profile=False)  # the profile is not printed
    out["engine"] = "enumeration (mixture law: float DP with a proven radius)"
    ekl = expected_kl_enclosure(twin, schedule, predictor, out["H"])
    if ekl is None:  # temp, noise: the exact log-linear form
        ekl = expected_kl(target, schedule, predictor, twin.exact_marginals)
    out.update({"sampler": schedule.spec, "predictor": predictor.spec, "expected_kl": ekl})
    for name in ("mixture_kl", "tv", "ser", "ter_gap"):
        v = enclosed_metric(twin, name, schedule, predictor)
        out[name] = float("inf") if v is None else v  # None: r = 0 where p > 0, an infinite KL
    out["gen_logppl_gap"] = enclosed_metric(twin, "gen_logppl_gap", schedule, predictor, out["H"])
    out.update(learning_terms(twin.exact_marginals, predictor, schedule))  # exact, as without --exact
    iters = schedule.expected_iterations()
    out["expected_iterations"] = iters
    out["expected_iterations_sampler"] = iters
    out["max_iterations"] = longest_path(schedule)
    out["float_law_ops"] = enc.ops
    out["float_law_radius"] = float(enc.gamma)
    out["enclosed_from_float"] = [k for k in ("expected_kl",) + FLOAT_METRICS
                                  if out.get(k) is not None and hasattr(out[k], "ball")]
    out["_mixture_law"] = enc.law
    return out


def expected_kl_enclosure(twin: FloatTwin, schedule, predictor, H) -> FloatBall | None:
    """E_D KL(p ‖ q̂_D) = −H + Σ_{n,s} W(n,s) s/(L−n) c(n) (``laws.expected_kl_parts``) with each
    level c(n) = −C(L,n)⁻¹ Σ_r Σ_A Σ_x p_A(x) log p̂[r, x, A] enclosed from the float marginal and
    conditional layers (``floatlaw.cross_entropy_ball``); H exact (its ball). None for a plan,
    an adaptive rule, or the predictors whose float formulas are not the exact ones (temp, noise)."""
    from math import comb

    from flint import arb

    from ..certify.floatlaw import conditional_count, cross_entropy_ball, marginal_count
    from .layers import marginal_layer

    kind = builtin_kind(predictor)
    if getattr(schedule, "adaptive", False) or schedule.kind == "plan" or kind not in ("perfect", "mix"):
        return None
    if not twin.pmf_kept or not underflow_safe(twin.target.pmf, [], schedule):
        return None
    L, q = twin.target.L, twin.target.q
    levels = twin.conds.setdefault(("levels", predictor.spec), {})
    total = -H.enclose(128)
    for (n, s), W in sorted(schedule.size_weights().items()):
        if n not in levels:
            top = marginal_layer(twin.marginals, n + 1)
            cond = conditional_layer(twin.marginals, predictor, n)
            weights = np.stack([np.moveaxis(top, r, 0) for r in range(n + 1)])
            levels[n] = cross_entropy_ball(weights, cond, marginal_count(L, q, n + 1),
                                           conditional_count(L, q, n, kind), (n + 1) * comb(L, n + 1))
        if levels[n] is None:
            return None
        total -= arb(W) * s / (L - n) * levels[n] / comb(L, n)
    return FloatBall(total, "expected_kl")
