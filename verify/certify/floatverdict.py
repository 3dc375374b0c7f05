"""The only module that decides a verdict from float enclosures (docs/certification.md).

A claim side computed from the float DP is a ``floatlaw.FloatBall``: a rigorous ball whose radius
is the proven a-priori bound ``floatlaw.relative_radius`` (plus ball arithmetic for the logs and
the signed sums). ``decide`` forms the ball of the margin (``rhs − lhs``; ``lhs − rhs`` for ``>=``)
and returns a verdict only when that ball excludes 0:

* ``<=`` / ``>=``: margin ball > 0 → ``certified``, < 0 → ``refuted``;
* ``==``: a ball excluding 0 → ``refuted`` (an equality is never proved from a ball).

Otherwise it returns None and the caller runs the exact path (exact rationals, exact zero test),
so a ``tight`` verdict, or any margin within the float radius, is always decided exactly.
"""
from __future__ import annotations

from .verdicts import Verdict, _ball_fields, _difference, _verdict, as_enclosable, check_eq, check_ge, check_le
from .logforms import working_precision

FLOAT_PREC = 128  # precision of the margin ball; the float radius (~1e-13 relative) dominates it
_RELATIONS = {"<=": "le", ">=": "ge", "==": "eq"}
_EXACT = {"<=": check_le, ">=": check_ge, "==": check_eq}
_HOW = ("float DP enclosure (a-priori radius γ_N, docs/certification.md): margin ball at "
        f"{FLOAT_PREC} bits excludes 0")


def decide(relation: str, lhs, rhs, exact_sides: bool = False, prec_cap: int | None = None) -> Verdict | None:
    """Verdict on ``lhs relation rhs`` from enclosures, or None when the margin ball contains 0.

    ``exact_sides``: the float path served exact values only (e.g. SER = 0, proved by the float
    law's zero pattern, docs/certification.md), so the exact checkers decide as usual, at the
    run's precision cap.
    """
    if relation not in _RELATIONS:
        return None
    if exact_sides:
        return _EXACT[relation](lhs, rhs) if prec_cap is None else _EXACT[relation](lhs, rhs, prec_cap=prec_cap)
    lhs, rhs = as_enclosable(lhs), as_enclosable(rhs)
    margin = _difference(lhs, rhs) if relation == ">=" else _difference(rhs, lhs)
    with working_precision(FLOAT_PREC):
        ball = margin.enclose(FLOAT_PREC)
    if ball > 0:
        status = "refuted" if relation == "==" else "certified"
    elif ball < 0:
        status = "refuted"
    else:
        return None
    return _verdict(lhs, rhs, _RELATIONS[relation], status, _ball_fields(ball), FLOAT_PREC, _HOW)


__all__ = ["decide", "FLOAT_PREC", "Verdict"]
