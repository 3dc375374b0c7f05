"""A claim's own scope on the enumerated grids: the claims-file keys ``lengths``, ``alphabets``,
``samplers`` (with ``budgets``) and ``where`` (docs/reviewer.md).

* ``lengths`` / ``alphabets``: the target sizes ``(L, q)`` are every pair of the two lists; a list
  left out is the profile's (``ci``: L = 1..6, q = 2, 3). Given lengths replace the profile's
  per-grid length caps. Every target is enumerated: ``q**L`` is at most MAX_STATES, refused at load
  with the count otherwise.
* ``samplers``: sampler specs, ``{L}`` and ``{K}`` expanded over the lengths and ``budgets`` (K ≤ L
  kept), as on the all-law grid (``all_laws.expand_samplers``); the claim keeps the instances of
  its grid whose sampler is one of them (compared by the parsed spec), the others are *skipped*.
  A spec that is on no instance of the grid at any length is refused at load.
* ``where``: comparisons joined by ``and``/``or`` (``symbolic.parse_condition``); an instance where
  it is false is *skipped*; where one of its sides has no value (a division by 0, ``K`` of a
  target without sampler) the instance is *undefined* — never counted as inside or outside — and
  where a comparison stays open at the precision cap it is *undecided*, each with its reason.
  ``and``/``or`` are three-valued (Kleene): a part that settles the connective settles it whatever
  the other parts, so the order of the parts never matters.

* a ``file:`` predictor (a table for one ``(q, L)``): instances on targets of another size are
  *skipped* (reason ``table-size``), so a table predictor restricts the claim to its own size.

Skipped instances are no verdict: they are counted per reason (``ClaimResult.skipped``) and shown
by ``check``, its JSON and the report.
"""
from __future__ import annotations

from ..errors import NotDefined, SpecError, shorten
from .profiles import PROFILES
from .symbols import NEEDS_PLAN, NEEDS_SAMPLER

MAX_STATES = 2**13  # q**L of one enumerated target of a claim's own lengths/alphabets
SKIP_REASONS = ("samplers", "where", "table-size")


def sizes(claim, profile: str) -> list:
    """The (L, q) pairs of the claim's targets: the profile's, or the claim's lengths × alphabets."""
    if getattr(claim, "targets", ()):  # the claim's own targets name their sizes (profile_instances.py)
        from distributions import plan_spec

        return sorted({(plan_spec(t).L, plan_spec(t).q) for t in claim.targets})
    base = PROFILES[profile]["sizes"]
    if claim.grid == "all-laws" or not claim.lengths and not claim.alphabets:  # all-laws: no target
        return list(base)
    lengths = claim.lengths or tuple(sorted({L for L, _ in base}))
    alphabets = claim.alphabets or tuple(sorted({q for _, q in base}))
    return [(L, q) for q in alphabets for L in lengths]


def own_lengths(claim) -> bool:
    """Whether the claim chose its lengths (then the profile's per-grid length caps do not apply)."""
    return bool(claim.lengths) or bool(getattr(claim, "targets", ()))


def expand(samplers, budgets, L: int) -> list:
    """Sampler specs at length L, ``{L}`` and ``{K}`` expanded (K in budgets, 1 <= K <= L)."""
    out = []
    for raw in samplers:
        for K in (budgets if "{K}" in raw else (None,)):
            if K is not None and not 1 <= K <= L:
                continue
            out.append(raw.replace("{L}", str(L)).replace("{K}", str(K)).strip())
    return out


def allowed_samplers(claim, L: int, memo: dict | None = None) -> frozenset | None:
    """The parsed specs of the claim's samplers at length L (None: no ``samplers`` key, all kept)."""
    if not claim.samplers:
        return None
    key = (claim.samplers, claim.budgets, L)
    if memo is not None and key in memo:
        return memo[key]
    out = set()
    for spec in expand(claim.samplers, claim.budgets, L):
        try:
            out.add(sampler_of(spec, L).spec)
        except SpecError:
            continue  # not a sampler at this length (fixed:sizes=2+2 at L = 3): on no instance here
    out = frozenset(out)
    if memo is not None:
        memo[key] = out
    return out


def skip_reason(claim, inst, memo: dict | None = None) -> str | None:
    """"samplers" or "where" if the instance is outside the claim's scope, else None. A ``where``
    with no value on the instance raises NotDefined, an open comparison Undecided."""
    # A predictor table (file:PRED.npy / .json) is for one (q, L): the claim is restricted to the
    # targets of that size, the others skipped and counted (as by samplers/where), never an error.
    pred = getattr(inst, "predictor", None)
    if hasattr(pred, "check_shape") and (pred.q, pred.L) != (inst.target.q, inst.target.L):
        return "table-size"
    # a profile instance is one of the claim's samplers already (profile_instances.instance_specs)
    allowed = None if getattr(inst, "backend", None) == "profile" else allowed_samplers(claim, inst.target.L, memo)
    if allowed is not None and (inst.schedule is None or inst.schedule.spec not in allowed):
        return "samplers"
    if claim.where:
        from .symbolic import condition_holds, parse_condition

        cond = parse_condition(claim.where, claim.constants)
        try:
            if not condition_holds(cond, claim.constants, inst.value):
                return "where"
        except NotDefined as err:
            err.problem = f"where {shorten(claim.where, 60)!r} is undefined here, neither true nor false: {err.problem}"
            raise
    return None


def sampler_of(spec: str, L: int):
    """The schedule or adaptive rule a spec names at length L (``instances.sampler_of``)."""
    from .instances import sampler_of as of

    return of(spec, L)


# --- validation at load (one line, exit 2) -------------------------------------------------------------

def validate_scope(claim, where: str) -> None:
    """Refuse now what the run would trip on: bad lengths, alphabets, budgets, samplers or where."""
    if claim.grid == "all-laws":  # lengths, samplers, budgets: checked by all_laws.validate_all_laws
        if claim.alphabets:
            raise SpecError(f"{where}.alphabets", "grid 'all-laws' ranges over every alphabet at once",
                            "no alphabets key on grid 'all-laws'")
        if claim.where is not None:  # over (L, sampler) numbers only (all_laws.validate_where)
            from .all_laws import validate_where

            validate_where(claim, where)
        return
    _ints(claim.lengths, f"{where}.lengths", 1, 64, "lengths")
    _ints(claim.alphabets, f"{where}.alphabets", 2, 64, "alphabet sizes")
    _ints(claim.budgets, f"{where}.budgets", 1, 10**5, "budgets")
    for L, q in _every_size(claim) if (claim.lengths or claim.alphabets) else ():
        if q ** L > MAX_STATES:
            raise SpecError(f"{where}.lengths", f"L={L}, q={q} is {q ** L} sequences to enumerate per target",
                            f"lengths and alphabets with q**L <= {MAX_STATES}")
    if claim.where is not None:
        from .symbolic import check_constants, parse_condition

        check_constants(claim.constants, f"{where}.where")
        used = parse_condition(claim.where, claim.constants, f"{where}.where").symbols
        if claim.grid == "targets" and used & NEEDS_SAMPLER:
            raise SpecError(f"{where}.where", f"symbol {sorted(used & NEEDS_SAMPLER)[0]!r} needs a sampler, but "
                            "grid is 'targets'", "a grid with samplers (compositions, balanced, schedules, ...)")
        if claim.grid != "plans" and used & NEEDS_PLAN:
            raise SpecError(f"{where}.where", f"symbol {sorted(used & NEEDS_PLAN)[0]!r} needs an explicit plan",
                            'grid = "plans"')
    if claim.samplers and getattr(claim, "backend", None) != "profile":  # profile: profile_instances.py
        _validate_samplers(claim, where)


def _every_size(claim) -> list:
    """The claim's sizes under every profile (validated at load, before a profile is chosen)."""
    return sorted({size for profile in PROFILES for size in sizes(claim, profile)})


def _ints(values, field: str, lo: int, hi: int, what: str) -> None:
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise SpecError(field, f"{shorten(repr(v))} is not one of the {what}", f"a list of integers {lo}..{hi}")


def _validate_samplers(claim, where: str) -> None:
    """Every spec must parse at some length of the grid, and be on some instance of it."""
    from .instances import grid_schedules

    field = f"{where}.samplers"
    if claim.grid == "targets":
        raise SpecError(field, "grid 'targets' has no sampler", "a grid with samplers (compositions, balanced, ...)")
    for raw in claim.samplers:
        if not isinstance(raw, str):
            raise SpecError(field, f"{shorten(repr(raw))} is not a sampler spec", "a list of sampler specs")
        if "{K}" in raw and not claim.budgets:
            raise SpecError(f"{where}.budgets", f"sampler {shorten(raw)!r} uses {{K}} but budgets is empty",
                            "a list of integers, e.g. budgets = [2, 3]")
    lengths = sorted({L for L, _ in _every_size(claim)})
    found: dict = {raw: False for raw in claim.samplers}
    first_error: dict = {}
    for L in lengths:
        on_grid = {s.spec for s, _ in grid_schedules(claim.grid, L) if s is not None}
        for raw in claim.samplers:
            for spec in expand((raw,), claim.budgets, L):
                try:
                    parsed = sampler_of(spec, L).spec
                except SpecError as err:
                    first_error.setdefault(raw, f"at L={L}: {err.field}: {err.problem}")
                    continue
                found[raw] = found[raw] or parsed in on_grid
    for raw, ok in found.items():
        if not ok:
            why = first_error.get(raw, f"it is on no instance of grid {claim.grid!r}")
            raise SpecError(field, f"{shorten(raw)!r} selects nothing at lengths {lengths[0]}..{lengths[-1]} ({why})",
                            f"specs of samplers on grid {claim.grid!r} (see verify claims --symbols and docs/reviewer.md)")

