"""The float path of the proof check: a claim side over the mixture-law metrics is first evaluated
on float enclosures (``engine/floattwin.py``), and ``certify/floatverdict.py`` decides when the
margin ball excludes 0 (an identity uses the float path only for values it proves exactly: SER = 0);
otherwise ``float_verdict`` returns None and ``check.claim_rows`` runs the
exact path as before (exact rationals, exact zero test) — so every ``tight`` verdict, and every
margin within the float radius, is still decided exactly (docs/certification.md).
"""
from __future__ import annotations

from ..certify import floatverdict
from ..engine.floattwin import (ADAPTIVE_EXACT_STATS, ADAPTIVE_FLOAT_METRICS, FLOAT_METRICS, enclosed_adaptive_metric,
                                enclosed_metric, twin_of)

ADAPTIVE_SERVED = ADAPTIVE_FLOAT_METRICS + ADAPTIVE_EXACT_STATS
# Below this many joint entries (q^L) the exact adaptive chain costs about what the float one does
# (Python overhead per state dominates both; measured on the ci grid, docs/certification.md), so
# the float chain would only add its run to the rows it cannot decide: the exact path answers.
MIN_ADAPTIVE_ENTRIES = 64
from ..errors import NotDefined, Undecided


class _NoEnclosure(Exception):
    """A float metric has no enclosure on this instance: the exact path answers."""


class EnclosedInstance:
    """An Instance whose mixture-law metrics come from the float twin (balls, or exact values the
    float law proves, such as SER = 0); every other quantity is the instance's exact one."""

    def __init__(self, inst, identity: bool = False):
        self.inst = inst
        self.identity = identity  # an identity is proved only exactly: serve exact values only
        self.balls = 0   # how many FloatBalls were served
        self.served = 0  # how many float metrics were served (balls or proved exact values)
        self.values: dict = {}  # name → what was served

    def value(self, name: str):
        inst = self.inst
        adaptive = getattr(inst.schedule, "adaptive", False)
        if name not in (ADAPTIVE_SERVED if adaptive else FLOAT_METRICS) or name in inst.constants:
            return inst.value(name)
        if inst.schedule is None or (self.identity and name != "ser" and name not in ADAPTIVE_EXACT_STATS):
            raise _NoEnclosure(name)  # (only SER can come out exact: 0 proved by the float law)
        twin = twin_of(inst.ws, inst.target, inst.ws.m)
        H = inst.value("H") if name in ("gen_logppl_gap", "expected_kl") else None
        if adaptive:  # the float chain, its branches decided exactly (engine/floattwin.py)
            # the exact run's store of decided batch laws (instances._adaptive's shared dict), so
            # that an exact run after this one does not decide the branches again
            decided = inst.ws.adaptive.setdefault(("shared", inst.predictor.spec), {}).setdefault("decided", {})
            v = enclosed_adaptive_metric(twin, name, inst.schedule, inst.predictor, H, decided,
                                         TC=lambda: inst.value("TC"))
        else:
            v = enclosed_metric(twin, name, inst.schedule, inst.predictor, H)
        if v is None or (self.identity and hasattr(v, "ball")):
            raise _NoEnclosure(name)
        self.served += 1
        self.balls += hasattr(v, "ball")
        self.values[name] = v
        return v


def float_verdict(claim, inst, side_value, prec_cap: int | None = None):
    """The verdict from float enclosures, or None (no float metric in the claim, no enclosure, or a
    margin ball containing 0). ``side_value`` is ``check.side_value``."""
    if not (isinstance(claim.lhs, str) and isinstance(claim.rhs, str)):
        return None
    adaptive = getattr(inst.schedule, "adaptive", False)
    names = ADAPTIVE_SERVED if adaptive else FLOAT_METRICS
    if not any(name in claim.lhs or name in claim.rhs for name in names):
        return None
    if not inst.target.exact:
        return None
    if adaptive and _exact_chain_needed(claim, inst):
        return None
    proxy = EnclosedInstance(inst, identity=claim.relation == "==")
    try:
        lhs = side_value(claim, claim.lhs, proxy)
        rhs = side_value(claim, claim.rhs, proxy)
    except (_NoEnclosure, NotDefined, Undecided, ArithmeticError, ValueError, TypeError):
        return None  # the exact path decides (and raises what it raises) as before
    if not proxy.served:
        return None
    verdict = floatverdict.decide(claim.relation, lhs, rhs, exact_sides=not proxy.balls, prec_cap=prec_cap)
    if verdict is not None and adaptive:
        _keep_for_display(inst, proxy.values)
    return verdict


def _keep_for_display(inst, values: dict) -> None:
    """After a verdict from the float run: the row's statistic and record (evaluated next on this
    row's own instance, for display: floats) read the served values (balls give their midpoints,
    radius ~1e-13 relative) instead of running the exact chain just for them. Only this row's
    instance sees them; the verdict is already decided."""
    for name, v in values.items():
        inst._cache.setdefault(name, v)


def _exact_chain_needed(claim, inst) -> bool:
    """True when the exact adaptive chain of this instance is already computed (its exact values
    cost nothing more, and the float chain would only add its own run), or the target is small
    (MIN_ADAPTIVE_ENTRIES)."""
    if inst.target.q ** inst.target.L < MIN_ADAPTIVE_ENTRIES:
        return True
    return (inst.schedule.spec, inst.predictor.spec) in inst.ws.adaptive
