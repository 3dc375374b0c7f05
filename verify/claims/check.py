"""Running the claims registry: instances → certified verdicts → per-claim results.

``run_claim`` evaluates one claim on a profile's grid and picks its witnesses; the command line
(``commands.py``) composes running with printing and writing (``report.py``, ``output.py``), so
this module never imports either. pytest's proof check calls ``run_claim`` directly.

Witnesses: a claim refuted on many instances keeps, per target family, the most violated
refutation (smallest upper end of the certified margin) of each sampler kind, topped up to
MAX_REFUTED_WITNESSES, plus every refutation recorded as known, and its closest non-refuted
instance; ``refuted_total`` counts all refuted instances. Every refuted instance whose witness id
is not recorded as known counts as a *new* refutation (``unknown_refutations``), saved or not.

Undefined instances: a side with no value on an instance (a division by 0, log of a value <= 0,
sqrt of a negative, a quantity not finite there, a number beyond the size bound: ``symbolic.py``)
gives the outcome ``undefined`` with its reason. It is not a verdict: it is skipped by every
verdict count, ratio and witness, and counted and listed on its own (``undefined_rows``).
"""
from __future__ import annotations

import fnmatch
import functools
import gc
import json
import math
import statistics
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from ..certify.verdicts import check_eq, check_ge, check_le
from .model import Claim
from .floatcheck import float_verdict
from ..errors import NotDefined, SpecError, Undecided, shorten
from .instances import PROFILES, Instance, Workspace, grid_admits
from . import scope
from .scope import sampler_of  # noqa: F401  (re-exported: rows and witnesses name their sampler)
from ..output import atomic_write_text
from .serialize import jsonable, to_float

CHECKERS = {"<=": check_le, ">=": check_ge, "==": check_eq}
MAX_REFUTED_WITNESSES = 3
VERDICTS = ("certified", "tight", "refuted", "undecided")
UNDEFINED = "undefined"  # an outcome, not a verdict: the claim's sides have no value on the instance
SKIPPED = "skipped"  # outside the claim's samplers/where (scope.py): counted per reason, not a row


# The cyclic collector's thresholds while claims run. A proof check keeps millions of small objects
# alive in its caches (workspaces, exact laws, log forms, balls) while it allocates millions more;
# with CPython's default (700, 10, 10) the heap keeps growing, so a full collection of the whole
# heap runs about every 70,000 allocations and frees almost nothing. These thresholds make young
# collections rarer and full ones much rarer (benchmarks/bench_deep.py's "gc s" column; D-PROFILE
# alone on the deep grid: 56 → 42 CPU s, 22.7 → 0.8 s in the collector, same peak memory). Only
# memory can depend on the collector, never a result: cyclic garbage waits longer, while a released
# workspace goes at once by reference counting (checked with the collector off, test_release.py).
COLLECTOR_THRESHOLDS = (100_000, 50, 100)


def proof_run_collector(fn):
    """Run ``fn`` with ``COLLECTOR_THRESHOLDS`` (never lowering a threshold the process set higher),
    and put the process's own thresholds back afterwards, so embedding code keeps its settings."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        before = gc.get_threshold()
        gc.set_threshold(*(max(a, b) for a, b in zip(before, COLLECTOR_THRESHOLDS)))
        try:
            return fn(*args, **kwargs)
        finally:
            gc.set_threshold(*before)
    return run


def instance_class(backend: str | None):
    """The instance class of a backend (a claim's ``backend``, or a witness file's): ``Instance``
    (enumeration: the target's pmf) or ``profile_instances.ProfileInstance`` (``"profile"``: the
    entropy profile, no pmf). The one place the backend is looked at; the class then enumerates,
    rebuilds, saves and replays its instances (``check.py`` calls its methods)."""
    if backend == "profile":
        from .profile_instances import ProfileInstance

        return ProfileInstance
    return Instance


class TargetCache:
    """Exact targets and their workspaces, shared by every claim of one run.

    Release (optional): a runner that knows its claims in order calls ``plan_release`` before the
    run and ``claim_done(n, res)`` after claim n. From then on, after claim n the cache keeps only
    the workspaces of targets a later claim will use (``claim_targets``), and detaches the finished
    rows on the others (``Row._inst = None``), so each target's workspace, its laws and forms and
    the instances' computed values can be collected once the run has passed its last claim. A
    detached row rebuilds its instance from its description when asked (``row_instance``, as the
    rows of a distributed run do); what a result needs from its instances (witnesses, unknown
    refutations) is computed before. Verdicts and rows are unchanged: a workspace is only ever
    dropped after its last use, so nothing is computed twice either."""

    def __init__(self):
        self._ws: dict = {}
        self.memo: dict = {}  # parsed schedules of rebuilt rows (row_instance)
        self._last: dict | None = None  # spec → index of the last claim of the run using it (None: keep all)
        # id(workspace) → weak references to the rows of finished claims whose instance is on it
        # (weak: a caller that drops a result, as bench_deep does, frees its rows at once)
        self._held: dict = {}
        self.released: list = []  # specs whose workspace was dropped, in order

    def workspace(self, spec: str) -> Workspace:
        ws = self._ws.get(spec)
        if ws is None:
            from distributions import parse_target

            ws = Workspace(parse_target(spec, exact=True))
            self._ws[spec] = ws
        return ws

    def release(self, spec: str) -> None:
        """Drop the workspace of ``spec`` now (a caller that knows no later use needs it)."""
        if self._ws.pop(spec, None) is not None:
            self.released.append(spec)

    def plan_release(self, claims: list, profile: str, family: str | None = None,
                     per_claim: list | None = None) -> None:
        """Record, for every target spec, the last of ``claims`` (run in this order) that uses it.
        ``per_claim``: the target specs each ``run_claim`` is given (None: the profile's zoo)."""
        self._last = {}
        for n, c in enumerate(claims):
            for spec in claim_targets(c, profile, family, None if per_claim is None else per_claim[n]):
                self._last[spec] = n

    def claim_done(self, n: int, res: "ClaimResult | None" = None) -> list:
        """Claim ``n`` of the planned run is done (``res``: its result, whose rows may hold
        instances): drop every workspace no later claim uses and detach the finished rows on it.
        Returns the specs released. Without a plan, nothing is released."""
        if self._last is None:
            return []
        if res is not None:
            res.unknown_refutations()  # reads the refuted rows' instances: computed while they are here
            for row in res.rows:
                if isinstance(row._inst, Instance):
                    self._held.setdefault(id(row._inst.ws), []).append(weakref.ref(row))
        gone = [spec for spec in self._ws if self._last.get(spec, -1) <= n]
        for spec in gone:
            self._ws.pop(spec)
            self.released.append(spec)
        kept = {id(ws) for ws in self._ws.values()}
        for key in [k for k in self._held if k not in kept]:
            for ref in self._held.pop(key):
                row = ref()
                if row is not None:
                    row._inst = None
        return gone


def family_of(spec: str) -> str:
    return spec.split(":", 1)[0]


def target_specs(profile: str, family: str | None = None, claims=()) -> list:
    """The zoo's target specs at the profile's sizes, then at the sizes the given claims add with
    their own ``lengths``/``alphabets`` (``scope.sizes``)."""
    from distributions import zoo_grid

    if profile not in PROFILES:
        raise SpecError("--profile", f"unknown profile {profile!r}", ", ".join(PROFILES))
    out = []
    grid = list(PROFILES[profile]["sizes"])
    for c in claims:
        if not getattr(c, "targets", ()):  # a claim with its own targets adds them, not the zoo at their sizes
            grid += [size for size in scope.sizes(c, profile) if size not in grid]
    for L, q in grid:
        for spec in zoo_grid(L, q):
            if family is None or family_of(spec) == family:
                out.append(spec)
    for c in claims:
        out += [t for t in own_targets(c) if t not in out and (family is None or family_of(t) == family)]
    return out


def claim_targets(claim: Claim, profile: str, family: str | None = None, targets: list | None = None) -> set:
    """The target specs whose workspace ``run_claim`` (same arguments) takes from the run's cache:
    those of its grid (``instances``: nothing is built to tell), plus the ones its summary reads
    through the cache (``summarize.targets(profile)``, for a summary that asks for the cache)."""
    if claim.grid == "all-laws":
        return set()
    out = set()
    if backend_of(claim).uses_target_cache:  # the profile backend keeps its own small caches by spec
        specs = targets if targets is not None else target_specs(profile, family, [claim])
        out = {s for s in specs if admits(claim, profile, s)}
    summ = claim.summarize
    if summ is not None and getattr(summ, "wants_context", False) and hasattr(summ, "targets"):
        out |= set(summ.targets(profile))
    return out


def own_targets(claim: Claim) -> list:
    """The claim's own target specs (claims-file key ``targets``; empty: the profile's zoo)."""
    return [t.strip() for t in getattr(claim, "targets", ())]


def is_profile(claim: Claim) -> bool:
    """Whether the claim runs on the profile backend (``profile_instances.py``: no pmf)."""
    return getattr(claim, "backend", None) == "profile"


def backend_of(claim: Claim) -> type:
    """The class of the claim's instances (``instances.instance_class``): it enumerates, rebuilds,
    saves and replays them, so nothing here branches on the backend."""
    return instance_class(getattr(claim, "backend", None))


def families(profile: str) -> list:
    seen: list = []
    for spec in target_specs(profile):
        f = family_of(spec)
        if f not in seen:
            seen.append(f)
    return seen


def instances(claim: Claim, profile: str, cache: TargetCache, family: str | None = None,
              targets: list | None = None):
    """Every (target, schedule, predictor, plan) the claim ranges over on the profile's grid
    (or on the given target specs instead of the profile's zoo). The claim's families and the
    profile's per-grid length caps apply to given specs too, so a run split into per-target tasks
    (``distributed.py``) sees exactly the instances of the whole run."""
    specs = targets if targets is not None else target_specs(profile, family, [claim])
    yield from backend_of(claim).enumerate(claim, profile, cache, [s for s in specs if admits(claim, profile, s)])


def admits(claim: Claim, profile: str, spec: str) -> bool:
    """Whether target ``spec`` is on the claim's grid: its family, its size (the profile's sizes or
    the claim's own, ``scope.sizes``) and the profile's per-grid length cap (unless the claim chose
    its lengths). Read from the spec alone: nothing is built."""
    if not claim.ranges_over(family_of(spec)):
        return False
    if getattr(claim, "targets", ()):  # the claim's own targets, and only those
        return spec.strip() in own_targets(claim)
    from distributions import plan_spec

    plan = plan_spec(spec)
    if (plan.L, plan.q) not in scope.sizes(claim, profile):  # also when another claim widened the run
        return False
    return scope.own_lengths(claim) or grid_admits(profile, claim.grid, plan.L)


def side_value(claim: Claim, side, inst: Instance):
    if callable(side):
        return side(inst)
    from .symbolic import evaluate  # sympy: imported only when a claim is evaluated

    return evaluate(side, claim.constants, inst.value)


@dataclass
class Row:
    instance: dict
    status: str | None
    lhs: float | None
    rhs: float | None
    margin: str | None = None
    statistic: float | None = None
    verdict: dict | None = None
    values: dict = field(default_factory=dict)  # claim.record(instance): plain values for summarize
    _inst: Instance | None = None  # in-process only; rows of a distributed run travel without it
    # (lhs, rhs): the exact values the verdict was decided from (kept for the task cache)
    _sides: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def ratio(self) -> float | None:
        if self.lhs is None or self.rhs is None or not self.rhs > 0:
            return None
        return self.lhs / self.rhs


def _digits12(x: float) -> float:
    """``x`` to 12 significant digits: a display float's last-digit rounding does not reorder rows."""
    return float(f"{x:.12g}")


@dataclass
class ClaimResult:
    claim: Claim
    profile: str
    rows: list = field(default_factory=list)
    witnesses: list = field(default_factory=list)   # saved files: {"id", "path", "kind"}
    witness_files: list = field(default_factory=list)  # (path, text) still to be written
    summary: dict = field(default_factory=dict)      # shape claims: best constants
    seconds: float = 0.0
    _unknown: list | None = field(default=None, repr=False)  # unknown_refutations, computed once
    skipped: dict = field(default_factory=dict)  # instances outside samplers/where: reason → count
    _vacuous: dict | None = field(default=None, repr=False, compare=False)  # report.vacuous_counts, once

    def set_rows(self, rows: list) -> None:
        """Keep the rows with an outcome; count the skipped ones per reason (``samplers``, ``where``)."""
        self.rows = [r for r in rows if r.status != SKIPPED]
        self.skipped = {k: n for k in scope.SKIP_REASONS
                        if (n := sum(1 for r in rows if r.status == SKIPPED and r.margin == k))}

    def undecided_rows(self) -> list:
        return [r for r in self.rows if r.status == "undecided"]

    @property
    def counts(self) -> dict:
        """Verdict counts; undefined instances are not a verdict and are counted by ``undefined_rows``."""
        out = {s: 0 for s in VERDICTS}
        for r in self.rows:
            if r.status in out:
                out[r.status] += 1
        return out

    def undefined_rows(self) -> list:
        return [r for r in self.rows if r.status == UNDEFINED]

    def defined_rows(self) -> list:
        return [r for r in self.rows if r.status != UNDEFINED]

    def all_undefined(self) -> bool:
        """A checked claim with instances, every one of them undefined or skipped by its own
        samplers/where: nothing is checked (a scope that excludes everything proves nothing)."""
        scoped_out = any(self.skipped.values())
        return (bool(self.rows) or scoped_out) and self.claim.checked and not any(
            r.status in VERDICTS for r in self.rows)

    def ratios(self) -> list:
        return [r.ratio for r in self.rows if r.ratio is not None]

    def refutations(self) -> list:
        return [r for r in self.rows if r.status == "refuted"]

    def unknown_refutations(self) -> list:
        """Every refuted instance whose witness id is not recorded as known (not only the saved
        witnesses): the saved witness entry where there is one, else ``{"id", "kind", "instance"}``."""
        if self._unknown is None:
            known = set(self.claim.known_refutations)
            saved = {w["id"]: w for w in self.witnesses if w["kind"] == "refuted"}
            cache, out = TargetCache(), {}
            for row in self.refutations():
                wid = refutation_id(self, row, cache)
                if wid not in known and wid not in out:
                    out[wid] = saved.get(wid) or {"id": wid, "kind": "refuted", "instance": row.instance}
            self._unknown = list(out.values())
        return self._unknown

    def worst(self) -> Row | None:
        """The refuted row, else the row closest to the bound: a tight row (it meets the bound
        exactly), the one with the largest |rhs|, else the largest lhs/rhs among the certified ones.
        Floats are compared to 12 significant digits and equals go to the first in grid order:
        instances with equal exact values must not be told apart by the rounding of their displays."""
        rows = self.defined_rows()
        if not rows or not self.claim.checked:
            return None
        refuted = self.refutations()
        if refuted:  # the most violated: the most negative upper end of the margin
            return min(refuted, key=lambda r: r.verdict["margin_hi"])
        undecided = [r for r in rows if r.status == "undecided"]
        if undecided:
            return undecided[0]
        tight = [r for r in rows if r.status == "tight"]
        if tight:
            return max(tight, key=lambda r: _digits12(abs(r.rhs or 0)))
        if self.claim.relation == "==":
            return max(rows, key=lambda r: _digits12(abs((r.lhs or 0) - (r.rhs or 0))))
        with_ratio = [r for r in rows if r.ratio is not None]
        if with_ratio:
            return max(with_ratio, key=lambda r: _digits12(r.ratio if self.claim.relation == "<=" else -r.ratio))
        return min(rows, key=lambda r: abs((r.rhs or 0) - (r.lhs or 0)))

    def closest_strict(self) -> Row | None:
        """Among instances proved with slack (certified, not tight), the largest lhs/rhs."""
        rows = [r for r in self.rows if r.status == "certified" and r.ratio is not None]
        return max(rows, key=lambda r: r.ratio if self.claim.relation == "<=" else -r.ratio) if rows else None

    def to_json(self) -> dict:
        ratios = self.ratios()
        strict = self.closest_strict()
        worst = self.worst()
        return jsonable({
            "claim": self.claim.to_json(),
            "profile": self.profile,
            "instances": len(self.rows),
            "verdicts": self.counts if self.claim.checked else None,
            "undefined": len(self.undefined_rows()),
            "undefined_instances": [{**r.instance, "reason": r.margin} for r in self.undefined_rows()],
            "undecided_instances": [{**r.instance, "reason": undecided_reason(r)} for r in self.undecided_rows()],
            **({"skipped": self.skipped} if self.skipped else {}),
            "ratio_lhs_rhs": ({"min": min(ratios), "median": statistics.median(ratios), "max": max(ratios)}
                              if ratios else None),
            "worst": ({**worst.instance, "status": worst.status, "lhs": worst.lhs, "rhs": worst.rhs,
                       "margin": worst.margin} if worst else None),
            "closest_strict": ({**strict.instance, "lhs": strict.lhs, "rhs": strict.rhs, "ratio": strict.ratio}
                               if strict else None),
            "witnesses": self.witnesses,
            "refuted_total": len(self.refutations()) if self.claim.checked else None,
            "unknown_refutations": [w["id"] for w in self.unknown_refutations()],
            "summary": self.summary,
            "seconds": round(self.seconds, 2),
        })


@proof_run_collector
def claim_rows(claim: Claim, profile: str, cache: TargetCache, family: str | None = None,
               targets: list | None = None, prec_cap: int = 4096, progress=None) -> list:
    """One Row per instance: certified verdict (checked claims), statistic, recorded values.
    ``progress(n)``, if given, is called with the number of instances done (every 100)."""
    if claim.grid == "all-laws":  # every law at once, no target (all_laws.py)
        from .all_laws import all_law_rows

        return all_law_rows(claim, prec_cap, Row)
    rows, memo = [], {}
    for inst in instances(claim, profile, cache, family, targets):
        row = Row(inst.describe(), None, None, None, _inst=inst)
        try:
            skip = scope.skip_reason(claim, inst, memo)
        except NotDefined as err:  # where has no value here: undefined (also for shape claims), not in
            skip, row.status, row.margin = UNDEFINED, UNDEFINED, err.problem
            row.verdict = {"status": UNDEFINED, "reason": err.problem}
        except Undecided as err:
            skip, row.status, row.margin = "undecided", "undecided", str(err)
            row.verdict = {"status": "undecided", "reason": str(err)}
        if skip is not None:  # outside the claim's samplers or where (counted), or not decidable
            if row.status is None:
                row.status, row.margin, row._inst = SKIPPED, skip, None
            rows.append(row)
            continue
        try:
            if claim.checked:
                v = float_verdict(claim, inst, side_value, prec_cap)  # None: the exact path decides
                if v is None:
                    lhs = side_value(claim, claim.lhs, inst)
                    rhs = side_value(claim, claim.rhs, inst)
                    v = CHECKERS[claim.relation](lhs, rhs, prec_cap=prec_cap)
                    row._sides = (lhs, rhs)
                row.status, row.margin, row.verdict = v.status, v.margin, v.to_json()
                row.lhs, row.rhs = v.lhs_float, v.rhs_float
            if claim.statistic is not None:
                try:
                    row.statistic = to_float(side_value(claim, claim.statistic, inst))
                except (ZeroDivisionError, NotDefined):
                    row.statistic = None  # e.g. sum_I = 0: the constant is not defined there
        except Undecided as err:  # a quantity itself could not be settled (an adaptive branch)
            row.status, row.margin = "undecided", str(err)
            row.verdict = {"status": "undecided", "reason": str(err)}
        except NotDefined as err:  # a side has no value here: an outcome of its own, not a verdict
            if not claim.checked:
                raise
            row.status, row.margin = UNDEFINED, err.problem
            row.verdict = {"status": UNDEFINED, "reason": err.problem}
        if claim.record is not None:
            row.values = claim.record(inst)
        rows.append(row)
        if progress is not None and len(rows) % 100 == 0:
            progress(len(rows))
    return rows


def undecided_reason(row: Row) -> str:
    """Why an undecided row stayed open: the quantity's own reason, or the certifier's (the ball of
    the margin still holding 0 at the precision cap)."""
    v = row.verdict or {}
    if v.get("reason"):
        return v["reason"]
    return f"margin {row.margin}: {v['how']}" if v.get("how") else f"margin {row.margin}"


def proof_cases(claims: list, profile: str) -> list:
    """The proof check's cases: ``(claim, family)`` for every family of the profile's zoo the claim
    ranges over, and ``(claim, None)`` for a claim that ranges over none of them (it has no
    instance in the profile: a failed case, never a silently absent one)."""
    fams = families(profile)
    out = []
    for claim in claims:
        if claim.grid == "all-laws":  # every law at once: one case, no target family
            out.append((claim, "all-laws"))
            continue
        mine = [f for f in fams if claim.ranges_over(f)]
        out += [(claim, f) for f in mine] if mine else [(claim, None)]
    return out


def proof_problems(res: "ClaimResult", family: str | None) -> list:
    """Why a proof-check case fails (empty: it passes): no instance, every instance undefined, an
    undecided instance, or a refuted instance not recorded as known (any of them, not only the
    saved witnesses). Shape claims: no instance only (their statistic is checked by the test)."""
    claim = res.claim
    where = (f"family {family}" if family not in (None, "all-laws")
             else f"profile {res.profile}" + (" (all laws)" if family else ""))
    if not res.rows:
        return [f"{claim.id} has no instance in {where}"]
    if not claim.checked:
        return []
    out = []
    if res.all_undefined():
        out.append(f"{claim.id}: every one of its {len(res.rows)} instances in {where} is undefined or skipped "
                   f"(e.g. {res.rows[0].margin}): it is checked on none")
    undecided = [r for r in res.rows if r.status == "undecided"]
    if undecided:
        out.append(f"{claim.id}: undecided on {undecided[0].instance} (margin {undecided[0].margin})")
    new = res.unknown_refutations()
    if new:
        out.append(f"{claim.id} [{claim.provenance}] is refuted on {len(new)} new instance(s): "
                   + "; ".join(f"{w['id']} → {w.get('replay') or w.get('instance')}" for w in new[:5]))
    return out


def summarize(claim: Claim, rows: list, profile: str = "ci", cache: "TargetCache | None" = None) -> dict:
    """Shape claims: the claim's own table (``summarize``), else its best constant."""
    if claim.grid == "all-laws" and claim.summarize is None:  # scope, and exact sups of shape claims
        from .all_laws import summarize_all_laws

        return summarize_all_laws(claim, rows)
    if claim.summarize is not None:
        # A summary may compute beyond the grid (curves in L): if it asks, it gets the profile and
        # the run's target cache, so it reuses the laws the grid already computed.
        if getattr(claim.summarize, "wants_context", False):
            return claim.summarize(rows, profile=profile, cache=cache or TargetCache())
        return claim.summarize(rows)
    if claim.statistic is not None:
        return statistic_summary(claim, rows)
    return {}


@proof_run_collector
def run_claim(claim: Claim, profile: str = "ci", cache: TargetCache | None = None,
              family: str | None = None, witness_dir: str | Path | None = None,
              prec_cap: int = 4096, targets: list | None = None, progress=None,
              write: bool = True) -> ClaimResult:
    """Evaluate the claim on every instance of its grid; certified verdicts for checked claims.
    ``progress(n)``, if given, is called with the number of instances done (every 100).

    With ``witness_dir``, the chosen witnesses are recorded under that folder and written there
    (atomically) unless ``write`` is False: then ``res.witness_files`` holds them for the caller.
    """
    if claim.grid == "all-laws":  # every law at once, no target (all_laws.py)
        from .all_laws import run_all_laws

        return run_all_laws(claim, profile, witness_dir, write, prec_cap, ClaimResult, Row)
    cache = cache or TargetCache()
    res = ClaimResult(claim, profile)
    t0 = time.perf_counter()
    res.set_rows(claim_rows(claim, profile, cache, family, targets, prec_cap, progress))
    res.summary = summarize(claim, res.rows, profile, cache)
    if witness_dir is not None:
        _choose_witnesses(res, Path(witness_dir))
        if write:
            for path, text in res.witness_files:
                atomic_write_text(path, text)
            res.witness_files = []
    res.seconds = time.perf_counter() - t0
    return res


def row_instance(claim: Claim, row: Row, cache: TargetCache | None = None) -> Instance:
    """The row's Instance: kept on in-process rows; rebuilt from the row's description (target,
    sampler, predictor and plan specs, all deterministic) for rows that came back from a worker.
    Pass one ``cache`` when rebuilding many rows: targets and schedules are then parsed once."""
    if row._inst is not None:
        return row._inst
    if claim.grid == "all-laws":
        from .all_laws import AllLawInstance

        return AllLawInstance(row.instance)
    return backend_of(claim).rebuild(claim, row.instance, cache or TargetCache())


def statistic_summary(claim: Claim, rows: list) -> dict:
    """The claim's best constant: the max (or min) of its statistic over the rows, with its instance."""
    stats = [r for r in rows if r.statistic is not None and math.isfinite(r.statistic)]
    if not stats:
        return {}
    pick = max if claim.aggregate == "max" else min
    best = pick(stats, key=lambda r: r.statistic)
    return {"statistic": claim.statistic if isinstance(claim.statistic, str) else "python",
            "aggregate": claim.aggregate, "value": best.statistic, "witness": best.instance}


def witness_payload(inst: Instance, claim: Claim, row: Row, kind: str) -> dict:
    """The exact inputs of one instance, replayable (``inst.witness_payload``: readable by ``file:``
    (q, L, pmf) on enumeration, the target spec and sampler on the profile backend)."""
    return inst.witness_payload(claim, row, kind)


def refutation_id(res: ClaimResult, row: Row, cache: TargetCache | None = None) -> str:
    """The witness id a refuted row has (saved or not): on the all-law grid ``ID-L<L>-k<ray>``
    (a row has no target law there, only its (L, sampler) and deciding ray), else a digest of
    the exact inputs."""
    if res.claim.grid == "all-laws":
        from .all_laws import witness_id

        return witness_id(res.claim, row)
    inst = row_instance(res.claim, row, cache)
    return inst.witness_id(res.claim.id, inst.witness_payload(res.claim, row, "refuted"))


def _choose_witnesses(res: ClaimResult, out: Path) -> None:
    """The few witnesses worth a file, per target family: the most violated refutation of each
    sampler kind, then the next most violated up to MAX_REFUTED_WITNESSES; every refutation
    recorded as known; and the closest non-refuted case. ``refuted_total`` counts the rest."""
    known = set(res.claim.known_refutations)
    by_family: dict = {}
    for row in sorted(res.refutations(), key=lambda r: r.verdict["margin_hi"]):
        by_family.setdefault(family_of(row.instance["target"]), []).append(row)
    chosen, seen = [], set()

    def take(row, kind):
        inst = row_instance(res.claim, row)
        payload = inst.witness_payload(res.claim, row, kind)
        wid = inst.witness_id(res.claim.id, payload)
        if wid not in seen:
            seen.add(wid)
            chosen.append((row, inst, payload, wid))

    for rows in by_family.values():
        kinds: set = set()
        picked = []
        for row in rows:  # most violated first
            kind = row.instance["sampler"].split(":", 1)[0] if row.instance["sampler"] else None
            if kind not in kinds:
                kinds.add(kind)
                picked.append(row)
        for row in rows:
            if len(picked) >= MAX_REFUTED_WITNESSES:
                break
            if row not in picked:
                picked.append(row)
        for row in picked:
            take(row, "refuted")
        if known:
            for row in rows:
                inst = row_instance(res.claim, row)
                if inst.witness_id(res.claim.id, inst.witness_payload(res.claim, row, "refuted")) in known:
                    take(row, "refuted")
    worst = res.worst()
    # An identity's closest instance says nothing; an inequality's is its tightest case.
    if worst is not None and worst.status != "refuted" and res.claim.relation != "==":
        take(worst, "worst")
    for row, inst, payload, wid in chosen:
        payload["witness"]["id"] = wid
        path = out / f"{wid}.json"
        res.witness_files.append((path, json.dumps(jsonable(payload), indent=1) + "\n"))
        res.witnesses.append({"id": wid, "path": str(path), "kind": payload["witness"]["kind"],
                              "replay": inst.replay_command(path)})


def _replay_command(path: Path, inst: Instance) -> str:
    """A shell command that recomputes the instance's quantities from the saved exact inputs."""
    return inst.replay_command(path)


def replay_witness(claim: Claim, path: str | Path, prec_cap: int = 4096):
    """Re-check ``claim`` on the single instance saved in a witness file; returns its Verdict."""
    w = json.loads(Path(path).read_text())["witness"]
    # The file's own backend says how it was saved (a profile witness holds no law, only specs).
    inst = instance_class(w.get("backend")).from_witness(claim, path, w)
    return CHECKERS[claim.relation](side_value(claim, claim.lhs, inst), side_value(claim, claim.rhs, inst),
                                    prec_cap=prec_cap)


def select(claims: list, only: str | None) -> list:
    """Claims whose id matches one of the comma-separated globs; ``None`` keeps all, "" is an error."""
    if only is None:
        return claims
    pats = [p.strip() for p in only.split(",") if p.strip()]
    if not pats:
        raise SpecError("--only", f"{shorten(repr(only))} names no claim id", "comma-separated id globs, e.g. 'LC25.*,D-MIX'")
    out = [c for c in claims if any(fnmatch.fnmatchcase(c.id, p) for p in pats)]
    if not out:
        raise SpecError("--only", f"{shorten(repr(only))} matches no claim id", shorten(", ".join(c.id for c in claims), 200))
    return out
