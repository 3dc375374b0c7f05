"""Instances a claim ranges over, and the lazily computed quantities (SYMBOLS) on each.

An instance is (target, schedule, predictor[, plan]). A ``Workspace`` holds everything computed
once per target (marginals, measures, per-level cross-entropies per predictor) so that a grid of
all compositions of L costs little more than one composition.
"""
from __future__ import annotations

import weakref
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np

from ..certify.logforms import LogLinear
from ..certify.verdicts import Scaled, Sum
from ..errors import NotDefined, SpecError
from ..engine.info import Marginals, chain_tc, measures
from ..engine.laws import (expected_kl_parts, factored_kl_parts, law_of_factors, mixture_law, mixture_law_at,
                           plan_factors, points_cheaper)
from ..engine.metrics import kl, sequence_error_rate, total_variation
from ..engine.numbers import log_sum, rational, zero
from ..engine.plans import Schedule, balanced, fixed, plan, random_size
from ..engine.samplers import parse_sampler
from ..engine.predictors import PERFECT, Predictor, parse_predictor, predictor_key
from ..engine.rules import AdaptiveRule, parse_rule
from ..engine.target import Target
from ..engine.training import eps_train_parts, plan_learning, plan_learning_parts
from .profiles import PROFILES


def all_compositions(L: int) -> list:
    """Every composition of L (ordered tuples of positive sizes), in lexicographic order."""
    return list(_compositions(L))


@lru_cache(maxsize=None)
def _compositions(L: int) -> tuple:
    if L == 0:
        return ((),)
    return tuple((f,) + rest for f in range(1, L + 1) for rest in _compositions(L - f))


def grid_schedules(grid: str, L: int) -> list:
    """Schedules (and explicit plans for the "plans" grid) of a named grid at length L.

    targets: none (one instance per target) · compositions: fixed, every composition of L ·
    balanced: balanced:K, K = 1..L · one-block · singletons · schedules: every composition, mdm
    with N = 1..3 and a skewed π, and a two-point random-size law · size-laws: ZC26's candidate
    size laws (grow, shrink, odds, uniform, binomial, equal) · plans: each composition cut from one
    seeded random order · mdm: mdm:N for N = 1..3 and three non-uniform π (FG25) ·
    count-seq: count:N=L, one token per step.
    """
    if grid == "targets":
        return [(None, None)]
    if grid == "all-laws":  # no target: decided on the profile cone's rays (claims/all_laws.py)
        return []
    if grid == "compositions":
        return [(fixed(c, L), None) for c in all_compositions(L)]
    if grid == "balanced":
        return [(balanced(K, L), None) for K in range(1, L + 1)]
    if grid == "one-block":
        return [(fixed((L,), L), None)]
    if grid == "singletons":
        return [(fixed((1,) * L, L), None)]
    if grid == "schedules":
        out = [(fixed(c, L), None) for c in all_compositions(L)]
        out += [(parse_sampler(f"mdm:N={N}", L), None) for N in (1, 2, 3)]
        out.append((parse_sampler("mdm:pi=1/2+1/4+1/4", L), None))
        if L >= 2:
            out.append((random_size([(rational("1/3", True), (1, L - 1)), (rational("2/3", True), (L - 1, 1))], L), None))
        return out
    if grid == "size-laws":
        from ..engine.profile.sizelaws import small_grid_laws

        return [(parse_sampler(spec, L), None) for spec in small_grid_laws(L)]
    if grid == "mdm":
        # FG25's sampler: uniform π with several N, and non-uniform π (front-loaded, back-loaded,
        # with an empty step).
        specs = [f"mdm:N={N}" for N in (1, 2, 3)] + list(MDM_SKEWED)
        return [(parse_sampler(s, L), None) for s in specs]
    if grid == "count-seq":
        # One token per step (count:L), FG25.SEQ's sampler.
        return [(parse_sampler(f"count:N={L}", L), None)]
    if grid == "entropy-sum":
        return [(parse_rule(f"entropy-sum:eta={eta}", L), None) for eta in entropy_sum_etas(L)]
    if grid in RULE_GRIDS:  # the other built-in adaptive rules, with caps and floors
        return [(parse_rule(spec, L), None) for spec in rule_grid_specs(grid, L)]
    if grid == "adaptive-rules":
        return [(parse_rule(spec, L), None) for spec in ADAPTIVE_RULE_SPECS]
    if grid == "bisect":
        # WLL26 Theorem 2's plans, m = 1..3 (m < L); the instance carries the plan's blocks.
        from ..engine.plans import bisect

        return [(s, s.params["blocks"]) for s in (bisect(m, L) for m in range(1, min(3, L - 1) + 1))]
    if grid == "plans":
        # One explicit plan per composition: a fixed pseudo-random order (seeded by L and the
        # composition) cut into the composition's blocks.
        out = []
        for c in all_compositions(L):
            order = tuple(np.random.default_rng([L, *c]).permutation(L).tolist())
            blocks, k = [], 0
            for s in c:
                blocks.append(tuple(sorted(order[k:k + s])))
                k += s
            out.append((plan(blocks, L), tuple(blocks)))
        return out
    if grid in ("w26", "w26-geo", "w26-geo-card"):  # Wainwright 2026's samplers (profile/w26laws.py)
        from ..engine.profile.w26laws import grid_specs

        return [(parse_sampler(spec, L), None) for spec in grid_specs(grid, L)]
    raise KeyError(grid)


def grid_admits(profile: str, grid: str, L: int) -> bool:
    """Whether the profile runs ``grid`` at length L (its ``grid_max_L`` cap, if any)."""
    cap = PROFILES[profile].get("grid_max_L", {}).get(grid)
    return cap is None or L <= cap


GRIDS = ("targets", "compositions", "balanced", "one-block", "singletons", "schedules", "size-laws", "plans",
         "mdm", "count-seq", "entropy-sum", "all-laws", "adaptive-rules", "bisect",
         "w26", "w26-geo", "w26-geo-card")
GRIDS += ("threshold", "topk", "max-entropy", "eb")  # adaptive rules besides CL26's (rule_grid_specs)
RULE_GRIDS = ("threshold", "topk", "max-entropy", "eb")
# Grid "adaptive-rules": every built-in adaptive rule (rules.RULES), two parameters each (an exact
# tie with a fair bit, log 2, among them), for WLL26.T1.
ADAPTIVE_RULE_SPECS = ("entropy-sum:eta=log(2)", "entropy-sum:eta=1", "max-entropy:eta=1/2",
                       "max-entropy:eta=log(2)", "eb:gamma=1/2", "eb:gamma=log(2)", "topk:k=1", "topk:k=2",
                       "threshold:tau=1/2", "threshold:tau=9/10", "threshold:tau=9/10,max=2", "topk:k=1,min=2")
MDM_SKEWED = ("mdm:pi=1/2+1/4+1/4", "mdm:pi=1/6+1/3+1/2", "mdm:pi=1/3+0+2/3")


def entropy_sum_etas(L: int) -> list:
    """η values of the "entropy-sum" grid (CL26): 0; tiny; log 2 (an exact tie with any fair
    bit); (1/3) log(27/4) = h(1/3) (an exact tie with the copy law's δ = 1/3); a mid value; and
    L log 4 ≥ L log q ≥ Σ_i H(X_i) for every q ≤ 4 in the profiles (one block, T = 1).

    From L = 5 on, η = 0 and η = 1/100 (one token per step almost everywhere: every state of the
    chain is visited, the slowest cases) are left to L ≤ 4, which keeps the ci proof check lean.
    """
    etas = ["0", "1/100", "log(2)", "1/3*log(27/4)", "1", f"{L}*log(4)"]
    return etas if L <= 4 else etas[2:]


def rule_grid_specs(grid: str, L: int) -> list:
    """Rule specs of the grid named after a built-in rule (docs/rules.md): parameters at exact ties
    (τ = 1/2 and η = γ = log 2 tie with a fair bit; η = 0), a mid value, a value where the rule
    reveals everything at once (τ small is not one: topk:k=L, η = L log 4), and the same rules
    under a cap (max=2) and a floor (min=2)."""
    return {
        "threshold": ["threshold:tau=1/2", "threshold:tau=9/10", "threshold:tau=1",
                      "threshold:tau=1/2,max=2", "threshold:tau=1,min=2"],
        "topk": ["topk:k=1", "topk:k=2", f"topk:k={L}", f"topk:k={L},max=2"],
        "max-entropy": ["max-entropy:eta=0", "max-entropy:eta=log(2)", "max-entropy:eta=1",
                        f"max-entropy:eta={L}*log(4)", "max-entropy:eta=log(2),max=2", "max-entropy:eta=0,min=2"],
        "eb": ["eb:gamma=0", "eb:gamma=log(2)", "eb:gamma=1", "eb:gamma=log(2),max=2", "eb:gamma=0,min=2"],
    }[grid]


class Workspace:
    """Per-target caches: the target in exact or float form, marginals, measures, levels."""

    def __init__(self, target: Target):
        self.target = target
        self.m = Marginals(target)
        self._measures = None
        self._support = None
        self.levels: dict = {}   # pred_key → {n: c(n)}
        self.train: dict = {}    # pred_key → {|M|: λ}
        self.laws: dict = {}     # (schedule fingerprint, pred_key) → mixture law
        self.conds: dict = {}    # pred_key → the DP's conditional layers
        self.plan_terms: dict = {}  # pred_key → {(i, U, own): Σ p log p̂_i(x_i | x_U)} (plan KL twins)
        self.adaptive: dict = {} # (rule spec, pred_key) → adaptive.AdaptiveResult
        self.values: dict = {}   # shared_key(…) → a quantity's value, shared by every claim of a run

        self._custom: dict = {}  # id → custom predictor, kept alive so its id is never reused

    def pred_key(self, pred: Predictor) -> tuple:
        """What identifies a predictor's numbers in this workspace: (kind, params) for the builtin
        ones (``predictors.predictor_key``), the object itself (by id, kept alive here) otherwise.
        Never the spec string alone, which a caller may set to anything."""
        pk = predictor_key(pred)
        if pk is None:
            self._custom.setdefault(id(pred), pred)
            pk = ("custom", id(pred))
        return pk

    @property
    def support(self) -> np.ndarray:
        """The strings x with p(x) > 0, one per row, in the order of ``pmf.reshape(-1)``."""
        if self._support is None:
            self._support = np.argwhere(self.target.pmf != 0)
        return self._support

    @property
    def measures(self) -> dict:
        if self._measures is None:
            self._measures = measures(self.target, self.m)
        return self._measures


def sampler_of(spec: str, L: int):
    """The schedule or adaptive rule a spec names at length L."""
    from ..engine.rules import is_rule, parse_rule
    from ..engine.samplers import parse_sampler

    return (parse_rule if is_rule(spec) else parse_sampler)(spec, L)


def claim_constants(claim) -> dict:
    """The claim's constants as exact rationals (as every instance of it carries them)."""
    from .symbolic import fmpq_of

    return {k: fmpq_of(v) for k, v in claim.constants.items()}


@dataclass
class Instance:
    ws: Workspace
    schedule: Schedule | None = None
    predictor: Predictor = PERFECT
    plan: tuple | None = None
    constants: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    uses_target_cache = True  # its workspace comes from the run's TargetCache (check.claim_targets)

    @property
    def target(self) -> Target:
        return self.ws.target

    # --- the backend's behaviour (check.py calls these, never asks which backend it has)

    @classmethod
    def enumerate(cls, claim, profile: str, cache, specs: list):
        """Every (target, schedule, predictor, plan) of the claim on ``specs`` (already admitted by
        the claim's grid): per target, the grid's schedules at its L, each with every predictor."""
        preds = expand_predictors(claim.predictors, profile)
        consts = claim_constants(claim)
        for spec in specs:
            ws = cache.workspace(spec)
            for sched, plan in grid_schedules(claim.grid, ws.target.L):
                for pred in (preds if sched is not None else preds[:1]):
                    yield cls(ws, sched, pred, plan, consts)

    @classmethod
    def rebuild(cls, claim, d: dict, cache) -> "Instance":
        """The instance a row's description ``d`` names (target, sampler, predictor and plan specs,
        all deterministic); targets and schedules from ``cache`` (a ``TargetCache``)."""
        ws = cache.workspace(d["target"])
        sched = None
        if d.get("sampler"):
            key = ("schedule", d["sampler"], ws.target.L)
            if key not in cache.memo:
                cache.memo[key] = sampler_of(d["sampler"], ws.target.L)
            sched = cache.memo[key]
        plan = tuple(tuple(b) for b in d["plan"]) if d.get("plan") else None
        return cls(ws, sched, parse_predictor(d["predictor"]), plan, claim_constants(claim))

    @classmethod
    def from_witness(cls, claim, path, w: dict) -> "Instance":
        """The single instance saved in witness file ``path`` (``w``: its "witness" entry): the
        exact law read back from the file (``file:``), its sampler, predictor and plan."""
        from distributions import parse_target

        target = parse_target(f"file:{path}", exact=True)
        sampler = w.get("sampler")
        sched = sampler_of(sampler, target.L) if sampler else None
        plan = tuple(tuple(b) for b in w["plan"]) if w.get("plan") else None
        return cls(Workspace(target), sched, parse_predictor(w.get("predictor")), plan, claim_constants(claim))

    def witness_payload(self, claim, row, kind: str) -> dict:
        """The exact inputs of the instance, readable by ``file:`` (q, L, pmf) and replayable."""
        return {
            "q": self.target.q,
            "L": self.target.L,
            "pmf": [str(v) for v in self.target.pmf.reshape(-1)],
            "witness": {
                "claim": claim.id, "provenance": claim.provenance, "kind": kind,
                "target_spec": self.target.spec, "sampler": self.schedule.spec if self.schedule else None,
                "predictor": self.predictor.spec, "plan": row.instance["plan"],
                "verdict": row.verdict, "lhs": row.lhs, "rhs": row.rhs,
            },
        }

    def witness_id(self, claim_id: str, payload: dict) -> str:
        """``<claim id>-<digest>``: the digest of the law (q, L, pmf), sampler, predictor and plan."""
        import hashlib
        import json

        digest = hashlib.sha256(json.dumps({k: payload[k] for k in ("q", "L", "pmf")} | {
            "s": payload["witness"]["sampler"], "p": payload["witness"]["predictor"],
            "plan": payload["witness"]["plan"]}, sort_keys=True).encode()).hexdigest()[:10]
        return f"{claim_id}-{digest}"

    def replay_command(self, path) -> str:
        """A shell command that recomputes the instance's quantities from the witness saved at ``path``."""
        import shlex

        cmd = ["verify", "measure", "--target", f"file:{path}"]
        if self.schedule is not None:
            cmd += ["--sampler", self.schedule.spec]
            if not self.predictor.perfect:
                cmd += ["--predictor", self.predictor.spec]
        return shlex.join(cmd + ["--exact"])

    def describe(self) -> dict:
        return {
            "target": self.target.spec,
            "q": self.target.q,
            "L": self.target.L,
            "sampler": self.schedule.spec if self.schedule else None,
            "predictor": self.predictor.spec,
            "plan": [list(b) for b in self.plan] if self.plan else None,
        }

    def value(self, name: str):
        """The quantity a SYMBOLS name stands for on this instance (exact or float by the target)."""
        if name in self.constants:
            return self.constants[name]
        if name not in self._cache:
            key = shared_key(self, name)
            if key is None:
                self._cache[name] = _COMPUTE[name](self)
            else:
                got = self.ws.values.get(key)
                if got is None:
                    got = self.ws.values[key] = _COMPUTE[name](self)
                self._cache[name] = got
        return self._cache[name]


# Quantities a Workspace shares between the instances of every claim on its target, with what
# each depends on besides the target: s = the schedule, p = the predictor, d = the explicit plan.
# Only quantities whose computation reads nothing else (never a claim's constants through
# ``Instance.value``), and only for non-adaptive schedules (adaptive runs have their own cache).
SHARED = {"expected_kl": "sp", "expected_kl_perfect": "s", "eps_train": "sp", "mixture_kl": "sp",
          "tv": "sp", "ser": "sp", "profile_kl": "s", "plan_kl": "dp", "chain_tc": "d", "plan_learning": "dp"}
_FINGERPRINTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def schedule_fingerprint(s: Schedule) -> tuple:
    """What a non-adaptive schedule computes with: its kind, spec, L, size nodes and parameters
    (reprs of exact rationals and tuples), so two schedules share a key only if they are the same
    law whatever their spec strings say."""
    got = _FINGERPRINTS.get(s)
    if got is None:
        got = _FINGERPRINTS[s] = (s.kind, s.spec, s.L, repr(s.start), repr(s.nodes), repr(s.revealed), repr(s.params))
    return got


def shared_key(inst: Instance, name: str) -> tuple | None:
    """The Workspace key of ``name`` on ``inst`` (``SHARED``), or None when it is not shared: not a
    shared name, or an adaptive or missing schedule where one is needed."""
    deps = SHARED.get(name)
    if deps is None:
        return None
    key: tuple = (name,)
    if "s" in deps:
        s = inst.schedule
        if s is None or getattr(s, "adaptive", False) or not isinstance(s, Schedule):
            return None
        key += (schedule_fingerprint(s),)
    if "p" in deps:
        key += (inst.ws.pred_key(inst.predictor),)
    if "d" in deps:
        if inst.plan is None:
            return None
        key += (tuple(tuple(int(i) for i in b) for b in inst.plan),)
    return key


def _sched(inst: Instance) -> Schedule:
    if inst.schedule is None:
        raise NotDefined("claim grid", "'targets' has no sampler for a sampler quantity",
                        "a grid with samplers (compositions, balanced, schedules, ...) for such symbols")
    return inst.schedule


def _adaptive(inst: Instance, pred: Predictor | None = None, rule: AdaptiveRule | None = None,
              stats: bool = True):
    """The adaptive chain's result for the instance's rule (or ``rule``), cached per workspace."""
    from ..engine.adaptive import run_chain

    pred = pred or inst.predictor
    rule = rule or _sched(inst)
    if not getattr(rule, "adaptive", False):
        raise NotDefined("claim grid", f"{rule.spec!r} is not an adaptive rule",
                        "an adaptive grid (entropy-sum) for adaptive quantities")
    pk = inst.ws.pred_key(pred)
    key = (rule.spec, pk)
    got = inst.ws.adaptive.get(key)
    if got is None:
        shared = inst.ws.adaptive.setdefault(("shared", pk), {})
        got = run_chain(inst.target, rule, pred, inst.ws.m, stats=stats, shared=shared)
        inst.ws.adaptive[key] = got
    return got


def _adaptive_chain_tc(inst: Instance):
    """Σ_t E_p TC(X_{B_t} | x_{U_t}) of the instance's adaptive rule (WLL26.T1's chain side), from a
    run with ``chain=True`` (the engine computes it only on request). That run also has the plain
    run's statistics (``stats=True``), so it serves the plain key too when that is still empty."""
    from ..engine.adaptive import run_chain

    rule = _sched(inst)
    if not getattr(rule, "adaptive", False):
        raise NotDefined("claim grid", f"{rule.spec!r} is not an adaptive rule",
                        "an adaptive grid (entropy-sum, adaptive-rules) for adaptive_chain_tc")
    key = ("chain", rule.spec)
    got = inst.ws.adaptive.get(key)
    if got is None:
        pk = inst.ws.pred_key(PERFECT)
        shared = inst.ws.adaptive.setdefault(("shared", pk), {})
        got = run_chain(inst.target, rule, PERFECT, inst.ws.m, stats=True, shared=shared, chain=True)
        inst.ws.adaptive[key] = got
        inst.ws.adaptive.setdefault((rule.spec, pk), got)
    return got.chain_tc


def _eta(inst: Instance):
    rule = _sched(inst)
    if not getattr(rule, "adaptive", False) or rule.eta is None:
        raise NotDefined("claim grid", "eta needs an entropy rule", "the entropy-sum grid")
    return rule.eta


def _max_entropy_twin(inst: Instance):
    """The max-entropy comparator at the instance's η (CL26.MAX, a shape statistic): run on the
    float copy of the target (its branches are still decided exactly)."""
    from ..engine.adaptive import run_chain

    rule = parse_rule(f"max-entropy:eta={_sched(inst).params['eta']}", inst.target.L)
    key = ("float", rule.spec)
    got = inst.ws.adaptive.get(key)
    if got is None:
        if ("float-target",) not in inst.ws.adaptive:
            ft = inst.target.to_float()
            inst.ws.adaptive[("float-target",)] = (ft, Marginals(ft), {})
        ft, fm, shared = inst.ws.adaptive[("float-target",)]
        got = run_chain(ft, rule, PERFECT, fm, shared=shared, exact_target=inst.target)
        inst.ws.adaptive[key] = got
    return got


def _iterations(inst: Instance, sampler_law: bool):
    s = _sched(inst)
    if getattr(s, "adaptive", False):
        res = _adaptive(inst)
        return res.expected_iterations_sampler if sampler_law else res.expected_iterations
    return s.expected_iterations()  # sizes independent of X: both laws agree


def _mixture(inst: Instance):
    if getattr(_sched(inst), "adaptive", False):
        return _adaptive(inst).mixture
    pk = inst.ws.pred_key(inst.predictor)
    key = (schedule_fingerprint(_sched(inst)), pk)
    if key not in inst.ws.laws:
        conds = inst.ws.conds.setdefault(pk, {})
        inst.ws.laws[key] = mixture_law(inst.target, _sched(inst), inst.predictor, inst.ws.m, conds)
    return inst.ws.laws[key]


def _mixture_kl(inst: Instance):
    """KL(p ‖ r) = Σ_{p(x)>0} p(x) log(p(x)/r(x)). Exact, for a schedule whose law is not already
    built, on a target with few strings (``points_cheaper``): r is computed at those strings only
    (``mixture_law_at``); the pairs are the same, in the same order, so the form is the same."""
    t, sched = inst.target, _sched(inst)
    if t.exact and not getattr(sched, "adaptive", False) and sched.kind != "plan":
        pk = inst.ws.pred_key(inst.predictor)
        key = (schedule_fingerprint(sched), pk)
        pts = inst.ws.support
        if key not in inst.ws.laws and points_cheaper(len(pts), t.q, t.L):
            at = key + ("support",)
            if at not in inst.ws.laws:
                conds = inst.ws.conds.setdefault(pk, {})
                inst.ws.laws[at] = mixture_law_at(t, sched, pts, inst.predictor, inst.ws.m, conds)
            return kl(t.pmf[tuple(pts.T)], inst.ws.laws[at], True)
    return kl(t.pmf, _mixture(inst), t.exact)


def _ekl(inst: Instance, pred: Predictor):
    if getattr(_sched(inst), "adaptive", False):
        return _adaptive(inst, pred).expected_kl
    levels = inst.ws.levels.setdefault(inst.ws.pred_key(pred), {})
    return _combine(expected_kl_parts(inst.target, _sched(inst), pred, inst.ws.m, levels), inst.target.exact)


def _eps_train(inst: Instance):
    cache = inst.ws.train.setdefault(inst.ws.pred_key(inst.predictor), {})
    return _combine(eps_train_parts(inst.ws.m, _sched(inst), inst.predictor, cache), inst.target.exact)


def _combine(parts: list, exact: bool):
    """Σ coef · value. Exact: a lazy sum whose ball reuses the cached balls of the shared per-level
    forms, so a grid of many schedules on one target encloses each level once."""
    if not exact:
        return sum((v * c for c, v in parts), 0.0)
    if not parts:
        return zero(True)
    return Sum(*(Scaled(c, v) for c, v in parts))


def _num_blocks(inst: Instance):
    s = _sched(inst)
    if getattr(s, "adaptive", False):  # its batches depend on the values drawn: nothing configured
        raise NotDefined("K", f"{s.spec!r} is an adaptive rule: it is configured with no number of iterations",
                         "expected_iterations (data law) or expected_iterations_sampler for adaptive rules")
    if s.kind in ("fixed", "balanced", "count"):
        return len(s.params["sizes"])
    if s.kind == "mdm":
        return len(s.params["pi"])
    return s.expected_iterations()


def _profile_kl(inst: Instance):
    """Σ over the size law of P(sizes) · (Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − H).

    Linear in the profile: the exact coefficient c_k of each h(k) is summed first (rationals),
    then Σ_k c_k h(k) is one lazy sum over the profile's shared forms (``_combine``), as for
    expected_kl, instead of L form operations per composition. h(0) = 0 and H = h(L).
    """
    h = inst.ws.measures["profile"]
    L = inst.target.L
    coef = [rational(0, True)] * (L + 1)
    for prob, sizes in _sched(inst).compositions():
        prob = rational(prob, True)
        n = 0
        for s in sizes:
            coef[n + 1] += prob * s
            coef[n] -= prob * s
            n += s
        coef[L] -= prob
    parts = [(rational(c, inst.target.exact), h[k]) for k, c in enumerate(coef) if k > 0 and c != 0]
    return _combine(parts, inst.target.exact)


def _w26_bounds(inst: Instance, name: str):
    """Wainwright 2026's bound terms from the target's averaged profile (profile/w26bounds.py).

    Every term is linear in the profile h: exact, it is evaluated once on the unit vectors e_k (the
    coefficient c_k of each h(k), rationals), then Σ_k c_k h(k) is one lazy sum over the profile's
    shared forms (``_combine``), as ``_profile_kl``, instead of a chain of form operations per
    instance."""
    from ..engine.profile.w26bounds import symbol_value

    h = inst.ws.measures["profile"]
    params = _sched(inst).params
    if not inst.target.exact:
        return symbol_value(name, h, params)
    coef = symbol_value(name, _unit_profile(len(h)), params)
    return _combine([(rational(c, True), h[k]) for k, c in enumerate(coef) if c != 0], True)


def _unit_profile(n: int) -> list:
    """[e_0, …, e_{n−1}]: exact unit vectors (object arrays of fmpq) standing for h(0), …, h(n−1)."""
    out = []
    for k in range(n):
        e = np.array([rational(0, True)] * n, dtype=object)
        e[k] = rational(1, True)
        out.append(e)
    return out


def _mdm_pi(inst: Instance) -> list:
    s = _sched(inst)
    if s.kind != "mdm":
        raise NotDefined("claim grid", f"{s.spec!r} is not an mdm sampler",
                        "grid = \"mdm\" for N, sum_pi_sq, pi_sq_over_R")
    return s.params["pi"]


def pi_sq_over_R(pi) -> object:
    """Σ_k π_k² / R_k, R_k = π_1 + … + π_k (a step with π_k = 0 adds nothing). FG25.TER's rate."""
    total, R = rational(0, True), rational(0, True)
    for p in pi:
        R += p
        if p != 0:
            total += p * p / R
    return total


def _pi_sq_over_R(inst: Instance):
    return pi_sq_over_R(_mdm_pi(inst))


def _gen_logppl_gap(inst: Instance):
    """(E_r[−log p] − H)/L on the mixture law r; defined only when SER = 0 (else +∞)."""
    if inst.value("ser") != 0:
        raise NotDefined("gen_logppl_gap", "is infinite: the sampler puts mass off the support (SER > 0)",
                        "instances with SER = 0")
    r = _mixture(inst)
    return (-log_sum(r, inst.target.pmf, inst.target.exact) - inst.value("H")) / inst.target.L


def _plan_kl(inst: Instance):
    """KL(p ‖ q̂_D) from the explicit law q̂_D = Π_t Π_{i∈D_t} p̂_i(x_i | x_{U_t}) of one plan (D-CHAIN).

    Exact: the form Σ_x p log(p / q̂_D) over the law's values, carrying as its zero-test twin the
    same KL with log q̂_D(x) taken factor by factor (``laws.factored_kl``; equal because the law is
    the product of these factors and is > 0 wherever p is: otherwise the KL is +inf and has no form)."""
    plan = _plan(inst)
    factors = plan_factors(inst.target, plan, inst.predictor, inst.ws.m)
    p = inst.target.pmf
    v = kl(p, law_of_factors(inst.target, factors), inst.target.exact)
    if isinstance(v, LogLinear):
        # a perfect predictor's factors are conditionals of p: written over p's marginal values
        positions = [i for block in plan for i in block] if inst.predictor.perfect else None
        keys, U = [], ()
        for block in plan:  # factor j is p̂_i(x_i | x_U): (i, U) and the predictor determine it
            keys += [(i, U, positions is not None) for i in block]
            U = tuple(sorted(U + tuple(block)))
        memo = inst.ws.plan_terms.setdefault(inst.ws.pred_key(inst.predictor), {})
        v.with_twin(parts=lambda: factored_kl_parts(p, factors, positions, keys, memo), prefer=True)
    return v


def _plan(inst: Instance) -> tuple:
    if inst.plan is None:
        raise NotDefined("claim grid", "only the 'plans' grid has an explicit plan",
                        "grid = \"plans\" for plan_kl, chain_tc, plan_learning")
    return inst.plan


_COMPUTE = {
    "L": lambda i: i.target.L,
    "q": lambda i: i.target.q,
    "T": lambda i: _iterations(i, False),
    "K": _num_blocks,
    "s_max": lambda i: _sched(i).max_block,
    "H": lambda i: i.ws.measures["H"],
    "TC": lambda i: i.ws.measures["TC"],
    "DTC": lambda i: i.ws.measures["DTC"],
    "DTC_alt": lambda i: i.ws.measures["DTC_alt"],
    "sum_I": lambda i: i.ws.measures["sum_I"],
    "expected_kl": lambda i: _ekl(i, i.predictor),
    "expected_kl_perfect": lambda i: _ekl(i, PERFECT),
    "mixture_kl": _mixture_kl,
    "tv": lambda i: total_variation(i.target.pmf, _mixture(i), i.target.exact),
    "ser": lambda i: sequence_error_rate(i.target.pmf, _mixture(i), i.target.exact),
    "ter_gap": lambda i: i.value("mixture_kl") / i.target.L,
    "gen_logppl_gap": _gen_logppl_gap,
    "N": lambda i: len(_mdm_pi(i)),
    "sum_pi_sq": lambda i: sum((p * p for p in _mdm_pi(i)), rational(0, True)),
    "pi_sq_over_R": _pi_sq_over_R,
    "eps_train": _eps_train,
    "profile_kl": _profile_kl,
    "plan_kl": _plan_kl,
    "chain_tc": lambda i: chain_tc(i.ws.m, _plan(i)),
    # exact: a lazy sum over the target's memoised cross-entropies (balls and weights cached there)
    "plan_learning": lambda i: (_combine(plan_learning_parts(i.ws.m, i.predictor, _plan(i)), True)
                                if i.target.exact else plan_learning(i.ws.m, i.predictor, _plan(i))),
    "eta": _eta,
    "expected_iterations": lambda i: _iterations(i, False),
    "expected_iterations_sampler": lambda i: _iterations(i, True),
    "steps_ge2": lambda i: _adaptive(i).steps_ge2,
    "entropy_sum_sampler": lambda i: _adaptive(i).entropy_sum_sampler,
    "budget_max": lambda i: _adaptive(i).budget_max,
    "excess_max": lambda i: _adaptive(i).excess_max,
    "expected_kl_max_entropy": lambda i: _max_entropy_twin(i).expected_kl,  # float
    "adaptive_chain_tc": _adaptive_chain_tc,
    "w26_bound": lambda i: _w26_bounds(i, "w26_bound"),
    "w26_ends": lambda i: _w26_bounds(i, "w26_ends"),
    "w26_cor1": lambda i: _w26_bounds(i, "w26_cor1"),
}
# Wainwright 2026's quantities (docs/w26.md), from the instance's entropy profile.
_COMPUTE.update({name: (lambda n: lambda i: _w26(i, n))(name) for name in (
    "H01", "H_card_total", "TSE", "DHW", "TC_integral", "DTC_integral", "C_UGC", "P_UGC", "UGC_ratio")})


def _w26(inst: Instance, name: str):
    """Wainwright 2026's profile quantities (profile/wainwright.py), exact when the target is."""
    from ..engine.profile.wainwright import instance_quantity

    return instance_quantity(inst.ws, name, inst.target.exact)


def expand_predictors(specs, profile: str) -> list:
    out = []
    for s in specs:
        if s == "imperfect":
            out += PROFILES[profile]["imperfect"]
        else:
            out.append(s)
    return [parse_predictor(s) for s in out]
