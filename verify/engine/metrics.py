"""Output metrics of a sampler on a target (docs/index.md §1), assembled for ``verify measure``.

On the mixture law r: mixture KL = KL(p ‖ r) (data first), TV = ½ Σ |p − r|, SER = r({p = 0}),
TER gap = KL(p ‖ r) / L, generative log-perplexity gap = (E_r[−log p] − H) / L (only when SER = 0).
Expected KL = E_D KL(p ‖ q_D) comes from ``laws.expected_kl``.
"""
from __future__ import annotations

import numpy as np

from .adaptive import run_chain
from .info import Marginals, measures
from .laws import expected_kl, mixture_law
from .profile.sizelaws import longest_path
from .numbers import log_sum, rational, safe_div
from .plans import Schedule
from .predictors import Predictor, parse_predictor
from .rules import AdaptiveRule, is_rule, parse_rule
from .samplers import parse_sampler
from .target import Target
from .training import eps_train, masked_learning_level


def kl(p: np.ndarray, r: np.ndarray, exact: bool):
    """KL(p ‖ r) = Σ_{p>0} p log(p / r); +inf (float) if r = 0 somewhere p > 0."""
    pos_r_missing = bool(np.any((p != 0) & (r == 0))) if not exact else any(
        a != 0 and b == 0 for a, b in zip(p.reshape(-1), r.reshape(-1)))
    if pos_r_missing:
        return float("inf")
    return log_sum(p, safe_div(p, r, 1, exact), exact)


def total_variation(p: np.ndarray, r: np.ndarray, exact: bool):
    """TV(p, r) = ½ Σ |p − r| (a rational in exact mode)."""
    d = abs(p - r)
    return d.sum() / 2 if exact else float(d.sum() / 2)


def sequence_error_rate(p: np.ndarray, r: np.ndarray, exact: bool):
    """SER = r({x : p(x) = 0}) — mass the sampler puts on strings the target never produces."""
    mask = p == 0
    if exact:
        return sum(r[mask].tolist(), rational(0, True))
    return float(r[mask].sum())


def output_metrics(target: Target, r: np.ndarray, H) -> dict:
    p, exact, L = target.pmf, target.exact, target.L
    mkl = kl(p, r, exact)
    ser = sequence_error_rate(p, r, exact)
    out = {
        "mixture_kl": mkl,
        "tv": total_variation(p, r, exact),
        "ser": ser,
        "ter_gap": mkl / L,
        "gen_logppl_gap": None,
    }
    if ser == 0:
        # E_r[−log p] is finite exactly when r puts no mass off the support of p; log_sum skips
        # the entries where r = 0, which include every p = 0.
        out["gen_logppl_gap"] = (-log_sum(r, p, exact) - H) / L
    return out


def measure_target(target: Target, marginals: Marginals | None = None, profile: bool = True) -> dict:
    """The target's own quantities: H, TC, DTC, Σ I_i (no sampler); ``profile`` see ``measures``."""
    info = measures(target, marginals or Marginals(target), profile)
    return {
        "target": {"spec": target.spec, "q": target.q, "L": target.L},
        "off_support": info["off_support"],
        "H": info["H"],
        "TC": info["TC"],
        "DTC": info["DTC"],
        "sum_I": info["sum_I"],
    }


def measure(target: Target, sampler: str | Schedule, predictor: str | Predictor | None = None,
            exact_target: Target | None = None) -> dict:
    """Every quantity of the JSON contract (README, "Command line") for one (target, sampler, predictor).

    Numbers are floats in float mode; in exact mode rationals are fmpq and log quantities LogLinear.
    Adaptive rules (entropy-sum, max-entropy, eb, topk, threshold) go to ``measure_adaptive``,
    which decides its branches on ``exact_target`` (the exact law of a float target) when given.
    """
    if is_rule(sampler):
        return measure_adaptive(target, sampler, predictor, exact_target)
    sched = parse_sampler(sampler, target.L) if isinstance(sampler, str) else sampler
    pred = parse_predictor(predictor) if (predictor is None or isinstance(predictor, str)) else predictor
    m = Marginals(target)
    out = measure_target(target, m)
    r = mixture_law(target, sched, pred, m)
    out["engine"] = "enumeration"
    out.update({"sampler": sched.spec, "predictor": pred.spec,
                "expected_kl": expected_kl(target, sched, pred, m)})
    out.update(output_metrics(target, r, out["H"]))
    iters = sched.expected_iterations()
    out["expected_iterations"] = iters
    # Non-adaptive: the count does not depend on X, so the data and sampler laws agree.
    out["expected_iterations_sampler"] = iters
    out["max_iterations"] = longest_path(sched)
    out.update(learning_terms(m, pred, sched))
    out["_mixture_law"] = r
    return out


def learning_terms(m: Marginals, pred: Predictor, sched: Schedule | None) -> dict:
    """LC25's learning terms (docs/index.md LC25.TRAIN): ``eps_train`` = E[(L/|M_τ|) Σ_{i∈M_τ} ℓ_i(U_τ)]
    with P(τ = t) = s_t / L (a schedule's; None for an adaptive rule, whose sizes depend on X), and
    ``learning_levels`` {|M|: λ(|M|)}, λ(|M|) = C(L, |M|)^{-1} Σ_{|M|} Σ_{i∈M} ℓ_i([L]∖M) with
    ℓ_i(B) = E_p log(p_i(X_i | X_B) / p̂_i(X_i | X_B)). All 0 for the perfect predictor."""
    zero = rational(0, m.exact)
    if pred.perfect:
        levels = {str(k): zero for k in range(1, m.L + 1)}
        return {"eps_train": zero if sched is not None else None, "learning_levels": levels}
    cache: dict = {}
    levels = {str(k): masked_learning_level(m, pred, k, cache) for k in range(1, m.L + 1)}
    return {"eps_train": eps_train(m, sched, pred, cache) if sched is not None else None,
            "learning_levels": levels}


def measure_adaptive(target: Target, sampler: str | AdaptiveRule, predictor=None,
                     exact_target: Target | None = None) -> dict:
    """``verify measure`` for an adaptive rule: the JSON contract's quantities, with both
    iteration counts (data law and sampler law) and the per-iteration statistics.
    ``exact_target``: see ``run_chain``."""
    rule = parse_rule(sampler, target.L) if isinstance(sampler, str) else sampler
    pred = parse_predictor(predictor) if (predictor is None or isinstance(predictor, str)) else predictor
    m = Marginals(target)
    out = measure_target(target, m)
    res = run_chain(target, rule, pred, m, exact_target=exact_target)
    out.update({"sampler": rule.spec, "predictor": pred.spec, "expected_kl": res.expected_kl})
    out.update(output_metrics(target, res.mixture, out["H"]))
    out["expected_iterations"] = res.expected_iterations
    out["expected_iterations_sampler"] = res.expected_iterations_sampler
    out["steps_ge2"] = res.steps_ge2
    out["batch_sizes"] = {str(b): v for b, v in res.batch_sizes.items()}
    out["entropy_sum_sampler"] = res.entropy_sum_sampler
    out["states"] = res.states
    out.update(learning_terms(m, pred, None))
    out["_mixture_law"] = res.mixture
    return out
