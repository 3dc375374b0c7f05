"""The profile backend of a claims file: claims decided on targets beyond enumeration.

A claim with ``backend = "profile"`` (or ``"auto"``, the default when ``targets`` is given: docs/reviewer.md)
and ``targets = ["noisy-copy:L=1000,eta=1/10", ...]`` is evaluated on *profile instances*: a target
spec with a closed-form entropy profile ``h(0..L)`` (``engine/profile/entropy.py``: product, mds,
copy, Markov chains, exchangeable mixtures such as ``noisy-copy``), a uniform-position sampler as a
size law (``all_laws.law_of``) and the perfect predictor. No pmf is built. Every symbol is
computed from ``h`` and the size law, exactly (log-linear forms), and decided by the same symbolic
sides and certified deciders (``certify/verdicts.py``) as on enumerated instances:

* ``H = h(L)``, ``TC = L h(1) − H``, ``DTC = DTC_alt = L h(L−1) − (L−1) H``, ``sum_I = TC + DTC`` (D-INFO);
* ``expected_kl = expected_kl_perfect = Σ_m w_m h(m)`` with the size law's start weights (D-PROFILE);
  ``profile_kl``: the same right side summed composition by composition where the law has one
  composition (fixed, balanced, count), else from the start weights. On this backend both are
  D-PROFILE's right side, so ``expected_kl == profile_kl`` is an identity of the method here; the
  enumeration backend is what tests D-PROFILE;
* ``L``, ``q``, ``K``, ``T``, ``s_max``, ``expected_iterations(_sampler)``, ``N``, ``sum_pi_sq``,
  ``pi_sq_over_R``: from the size law (as ``all_laws.instance_constants``);
* ``w26_bound``, ``w26_ends``, ``w26_cor1``: Wainwright's bound terms (``profile/w26bounds.py``),
  linear in ``h``: evaluated on a symbolic profile (``LinearH``) and folded into one exact form;
* ``H01``, ``H_card_total``, ``TSE``, ``DHW``, ``TC_integral``, ``DTC_integral``, ``C_UGC``, ``P_UGC``,
  ``UGC_ratio``: from the exact list ``h(0..L)``, as on enumerated instances, up to
  ``wainwright.CERTIFIED_MAX_L`` (refused at load beyond it).

Symbols that need the pmf or the predictor's conditionals (``mixture_kl``, ``tv``, ``ser``,
``ter_gap``, ``gen_logppl_gap``, ``eps_train``, plan and adaptive quantities) are refused when the
file is loaded, in one line naming the symbol and the backend.

Instances: per target, the claim's ``samplers`` (``{L}``/``{K}`` expanded at the target's L) if
given, else the grid's samplers at that L (``grid_specs``, the same specs as the enumerated grid;
``compositions`` and ``schedules`` only up to L = 16). A witness stores the target spec and the
sampler, not a law: ``verify replay`` rebuilds the profile from the spec.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache

from flint import fmpq

from ..errors import NotDefined, SpecError, shorten

BACKENDS = ("enumeration", "profile", "auto")
PROFILE_GRIDS = ("targets", "balanced", "one-block", "singletons", "count-seq", "mdm", "size-laws",
                 "compositions", "schedules", "w26", "w26-geo", "w26-geo-card")
SMALL_GRIDS = ("compositions", "schedules")  # every composition of L: only up to SMALL_GRID_MAX_L
SMALL_GRID_MAX_L = 16
W26_LIST = ("H01", "H_card_total", "TSE", "DHW", "TC_integral", "DTC_integral", "C_UGC", "P_UGC", "UGC_ratio")
SAMPLER_ONLY = ("K", "T", "s_max", "expected_iterations", "expected_iterations_sampler", "N", "sum_pi_sq",
                "pi_sq_over_R")
PROFILE_SYMBOLS = frozenset(("L", "q", "H", "TC", "DTC", "DTC_alt", "sum_I", "expected_kl", "expected_kl_perfect",
                             "profile_kl", "w26_bound", "w26_ends", "w26_cor1") + SAMPLER_ONLY + W26_LIST)
ACCEPTED_SYMBOLS = ", ".join(sorted(PROFILE_SYMBOLS))


# ------------------------------------------------------------------ the profile of a target spec

@lru_cache(maxsize=32)
def _plan(spec: str):
    from distributions import plan_spec

    return plan_spec(spec)


def has_profile(spec: str) -> bool:
    """Whether the target has a closed-form entropy profile (computed without its pmf)."""
    from ..engine.profile.entropy import has_closed_form

    return has_closed_form(_plan(spec))


@lru_cache(maxsize=16)
def profile_of(spec: str):
    """The exact closed-form profile of a target spec (never the enumerated one: no pmf)."""
    from ..engine.profile.entropy import CLOSED_FORMS, closed_form_profile, refuse_profile

    plan = _plan(spec)
    if not has_profile(spec):
        raise SpecError("target", f"{shorten(spec)}: no closed-form entropy profile",
                        "a family with a closed form (" + ", ".join(CLOSED_FORMS) + ", noisy-copy, mixtures of "
                        "i.i.d. products)")
    refuse_profile(plan, exact=True)
    return closed_form_profile(plan, spec)


# ------------------------------------------------------------------ samplers as size laws

def grid_specs(grid: str, L: int) -> list:
    """The sampler specs of an enumerated grid at length L (``instances.grid_schedules``), written
    down without building the schedules (a schedule of L = 1000 costs seconds); [None] for 'targets'."""
    from .instances import MDM_SKEWED

    if grid == "targets":
        return [None]
    if grid == "balanced":
        return [f"balanced:K={K}" for K in range(1, L + 1)]
    if grid == "one-block":
        return [f"fixed:sizes={L}"]
    if grid == "singletons":
        return ["fixed:sizes=" + "+".join(["1"] * L)]
    if grid == "count-seq":
        return [f"count:N={L}"]
    if grid == "mdm":
        return [f"mdm:N={N}" for N in (1, 2, 3)] + list(MDM_SKEWED)
    if grid == "size-laws":
        from ..engine.profile.sizelaws import small_grid_laws

        return list(small_grid_laws(L))
    if grid in ("w26", "w26-geo", "w26-geo-card"):
        from ..engine.profile.w26laws import grid_specs as w26_specs

        return list(w26_specs(grid, L))
    if grid in SMALL_GRIDS:
        from .instances import grid_schedules

        return [s.spec for s, _ in grid_schedules(grid, L)]
    raise SpecError("grid", f"{grid!r} is not available on backend 'profile'", ", ".join(PROFILE_GRIDS))


def law_at(spec: str, L: int, grid: str | None = None):
    """The size law of a sampler spec at length L (the schedule's own law on the small grids, whose
    random-size schedules have no text spec of their own)."""
    from .all_laws import law_of
    from ..engine.samplers import size_law_of

    if grid in SMALL_GRIDS:
        sched = _small_grid(grid, L).get(spec)
        if sched is not None:
            return size_law_of(sched, L)
    return law_of(L, spec)


@lru_cache(maxsize=8)
def _small_grid(grid: str, L: int) -> dict:
    """{spec: schedule} of a small grid at L, built once (not once per instance)."""
    from .instances import grid_schedules

    return {s.spec: s for s, _ in grid_schedules(grid, L)}


def instance_specs(claim, L: int) -> list:
    """The sampler specs of the claim's instances on a target of length L."""
    if claim.samplers:
        from .scope import expand

        return expand(claim.samplers, claim.budgets, L)
    return grid_specs(claim.grid, L)


# ------------------------------------------------------------------ a symbolic profile

class LinearH:
    """A linear form Σ_m c_m h(m) (c rational), standing in for h in functions linear in h
    (``w26bounds``): indexing gives h(m), arithmetic combines the coefficients, and
    ``Profile.functional`` folds the result into one exact log-linear form."""

    def __init__(self, coefs: dict | None = None, L: int = 0):
        self.c = coefs or {}
        self.L = L

    def __len__(self):
        return self.L + 1

    def __getitem__(self, m: int):
        return LinearH({m: fmpq(1)}, self.L)

    def _scaled(self, k):
        k = k if isinstance(k, fmpq) else fmpq(k)
        return LinearH({m: v * k for m, v in self.c.items() if v * k != 0}, self.L)

    def __add__(self, other):
        out = dict(self.c)
        for m, v in other.c.items():
            out[m] = out.get(m, fmpq(0)) + v
        return LinearH(out, self.L)

    def __neg__(self):
        return self._scaled(-1)

    def __sub__(self, other):
        return self + (-other)

    def __mul__(self, k):
        return self._scaled(k)

    __rmul__ = __mul__


# ------------------------------------------------------------------ the instance

@dataclass
class ProfileTarget:
    """What a profile instance knows of its target: spec, sizes and the exact profile (no pmf)."""

    spec: str
    L: int
    q: int
    exact: bool = True

    @property
    def profile(self):
        return profile_of(self.spec)


@dataclass
class ProfileInstance:
    """(target spec, size law, perfect predictor) on the profile backend; the ``Instance`` interface
    (``describe``, ``value``, ``target``, ``schedule``, ``predictor``, ``plan``, ``constants``)."""

    target: ProfileTarget
    schedule: object = None           # the size law (all_laws.law_of), None on grid 'targets'
    sampler: str | None = None        # its spec, as the enumerated grid names it
    constants: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)
    backend = "profile"
    plan = None
    uses_target_cache = False  # the profile is cached by spec here (profile_of), no workspace

    # --- the backend's behaviour (the ``Instance`` methods: check.py calls these)

    @classmethod
    def enumerate(cls, claim, profile: str, cache, specs: list):
        """Every (target, sampler) of the claim on ``specs`` (already admitted by its grid)."""
        return profile_instances(claim, specs)

    @classmethod
    def rebuild(cls, claim, d: dict, cache) -> "ProfileInstance":
        """Rebuilt from the row's target spec and sampler (the profile is cached by spec)."""
        from .instances import claim_constants

        return make_instance(d["target"], d.get("sampler"), claim_constants(claim), claim.grid)

    @classmethod
    def from_witness(cls, claim, path, w: dict) -> "ProfileInstance":
        """No law in the file: the profile is rebuilt from the saved target spec and sampler."""
        from .instances import claim_constants

        return make_instance(w["target_spec"], w.get("sampler"), claim_constants(claim), claim.grid)

    def witness_payload(self, claim, row, kind: str) -> dict:
        return witness_payload(self, claim, row, kind)

    def witness_id(self, claim_id: str, payload: dict) -> str:
        """``<claim id>-<digest>``: no law in the file, the digest of the specs (``witness_digest``)."""
        return f"{claim_id}-{witness_digest(payload)}"

    def replay_command(self, path) -> str:
        return replay_command(self)

    @property
    def predictor(self):
        from ..engine.predictors import PERFECT

        return PERFECT

    def describe(self) -> dict:
        return {"target": self.target.spec, "q": self.target.q, "L": self.target.L, "sampler": self.sampler,
                "predictor": "perfect", "plan": None}

    def value(self, name: str):
        if name in self.constants:
            return self.constants[name]
        if name not in self._cache:
            if name not in _COMPUTE:
                raise SpecError("claim", f"symbol {name!r} needs the target's pmf: not available on backend "
                                "'profile'", ACCEPTED_SYMBOLS)
            self._cache[name] = _COMPUTE[name](self)
        return self._cache[name]


def make_instance(spec: str, sampler: str | None, constants: dict, grid: str | None = None) -> ProfileInstance:
    plan = _plan(spec.strip())
    target = ProfileTarget(spec.strip(), plan.L, plan.q)
    law = law_at(sampler, plan.L, grid) if sampler is not None else None
    return ProfileInstance(target, law, sampler, constants)


def profile_instances(claim, specs):
    """Every (target, sampler) of the claim on the given target specs (profile backend)."""
    from .symbolic import fmpq_of

    consts = {k: fmpq_of(v) for k, v in claim.constants.items()}
    for spec in specs:
        L = _plan(spec.strip()).L
        for sampler in instance_specs(claim, L):
            yield make_instance(spec, sampler, consts, claim.grid)


def _law(inst: ProfileInstance):
    if inst.schedule is None:
        raise NotDefined("claim grid", "'targets' has no sampler for a sampler quantity",
                         "a grid with samplers (compositions, balanced, schedules, ...) for such symbols")
    return inst.schedule


def _constant(inst, name: str):
    from .all_laws import instance_constants

    law = _law(inst)
    consts = inst._cache.setdefault("__law_constants", instance_constants(law))
    if name == "N":
        if "N" not in consts:
            raise NotDefined("claim grid", f"{inst.sampler!r} is not an mdm sampler",
                             "grid = \"mdm\" for N, sum_pi_sq, pi_sq_over_R")
        return len(_law(inst).params["pi"])
    return consts[name]


def _pi(inst) -> list:
    law = _law(inst)
    if getattr(law, "name", None) != "binomial":
        raise NotDefined("claim grid", f"{inst.sampler!r} is not an mdm sampler",
                         "grid = \"mdm\" for N, sum_pi_sq, pi_sq_over_R")
    return [fmpq(p.numerator, p.denominator) if not isinstance(p, fmpq) else p for p in law.params["pi"]]


def _info(inst, name: str):
    return inst.target.profile.information(True)["DTC" if name == "DTC_alt" else name]


def _ekl(inst):
    from ..engine.profile.entropy import kl_weights

    return inst.target.profile.functional(kl_weights(_law(inst), True))


def _profile_kl(inst):
    """Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − H: composition by composition for a law with one
    composition, else averaged through the start weights A(n) (the same sum, by linearity)."""
    law, L = _law(inst), inst.target.L
    sizes = law.params.get("sizes")
    if sizes is None:
        return _ekl(inst)
    w: dict = {}
    n = 0
    for s in sizes:
        w[n + 1] = w.get(n + 1, fmpq(0)) + s
        w[n] = w.get(n, fmpq(0)) - s
        n += s
    w[L] = w.get(L, fmpq(0)) - 1
    return inst.target.profile.functional({m: c for m, c in w.items() if m})


def _w26_bound(inst, name: str):
    from ..engine.profile.w26bounds import symbol_value

    form = symbol_value(name, LinearH(L=inst.target.L), _law(inst).params)
    if not isinstance(form, LinearH):  # a constant (0)
        form = LinearH({}, inst.target.L)
    return inst.target.profile.functional(form.c)


class _ListWorkspace:
    """The one thing ``wainwright.instance_quantity`` reads of a workspace: the exact list h(0..L)."""

    def __init__(self, prof):
        self.measures = {"profile": prof.exact_values()}


def _w26_quantity(inst, name: str):
    from ..engine.profile.wainwright import instance_quantity

    ws = inst._cache.get("__w26_ws")
    if ws is None:
        ws = inst._cache["__w26_ws"] = _W26_WS.get(inst.target.spec) or _ListWorkspace(inst.target.profile)
        if len(_W26_WS) >= 8:  # a few targets' exact lists at a time (each up to L = 256 forms)
            _W26_WS.clear()
        _W26_WS[inst.target.spec] = ws
    return instance_quantity(ws, name, True)


_W26_WS: dict = {}  # target spec → its exact h list (shared by every sampler of one target)


def _sum_pi_sq(inst):
    return sum((p * p for p in _pi(inst)), fmpq(0))


def _pi_sq_over_R(inst):
    from .instances import pi_sq_over_R

    return pi_sq_over_R(_pi(inst))


_COMPUTE = {
    "L": lambda i: i.target.L,
    "q": lambda i: i.target.q,
    **{name: (lambda n: lambda i: _constant(i, n))(name)
       for name in ("K", "T", "s_max", "expected_iterations", "expected_iterations_sampler", "N")},
    "sum_pi_sq": _sum_pi_sq,
    "pi_sq_over_R": _pi_sq_over_R,
    **{name: (lambda n: lambda i: _info(i, n))(name) for name in ("H", "TC", "DTC", "DTC_alt", "sum_I")},
    "expected_kl": _ekl,
    "expected_kl_perfect": _ekl,
    "profile_kl": _profile_kl,
    **{name: (lambda n: lambda i: _w26_bound(i, n))(name) for name in ("w26_bound", "w26_ends", "w26_cor1")},
    **{name: (lambda n: lambda i: _w26_quantity(i, n))(name) for name in W26_LIST},
}
assert set(_COMPUTE) == PROFILE_SYMBOLS


# ------------------------------------------------------------------ witnesses

def witness_payload(inst: ProfileInstance, claim, row, kind: str) -> dict:
    """A profile witness: the target spec and sampler (no law: the profile is rebuilt from the spec)."""
    return {
        "q": inst.target.q,
        "L": inst.target.L,
        "backend": "profile",
        "target_spec": inst.target.spec,
        "witness": {
            "claim": claim.id, "provenance": claim.provenance, "kind": kind, "backend": "profile",
            "target_spec": inst.target.spec, "sampler": inst.sampler, "predictor": "perfect", "plan": None,
            "verdict": row.verdict, "lhs": row.lhs, "rhs": row.rhs,
        },
    }


def witness_digest(payload: dict) -> str:
    w = payload["witness"]
    return hashlib.sha256(json.dumps({"backend": "profile", "target": w["target_spec"], "s": w["sampler"],
                                      "p": w["predictor"]}, sort_keys=True).encode()).hexdigest()[:10]


def replay_command(inst: ProfileInstance) -> str:
    import shlex

    cmd = ["verify", "measure", "--target", inst.target.spec]
    if inst.sampler is not None:
        cmd += ["--sampler", inst.sampler]
    return shlex.join(cmd + ["--exact"])


# ------------------------------------------------------------------ validation at load (one line, exit 2)

def _side_symbols(claim, where: str) -> list:
    """[(field, symbol)] of every declarative side and the where condition."""
    from .symbolic import parse_condition, validate

    out = []
    for name in ("lhs", "rhs", "statistic"):
        side = getattr(claim, name)
        if isinstance(side, str):
            out += [(f"{where}.{name}", s) for s in sorted(validate(side, claim.constants, f"{where}.{name}"))]
    if claim.where:
        out += [(f"{where}.where", s) for s in sorted(parse_condition(claim.where, claim.constants,
                                                                      f"{where}.where").symbols)]
    return [(f, s) for f, s in out if s not in claim.constants]


def _blocker(claim, where: str):
    """(field, problem, accepted) of the first thing the profile backend cannot evaluate, else None."""
    for f, s in _side_symbols(claim, where):
        if s not in PROFILE_SYMBOLS:
            return (f, f"symbol {s!r} needs the target's pmf: not available on backend 'profile'", ACCEPTED_SYMBOLS)
    if any(callable(getattr(claim, k)) for k in ("lhs", "rhs", "statistic")):
        return (f"{where}.lhs", "a python side needs an enumerated instance: not available on backend 'profile'",
                "declarative sides over " + ACCEPTED_SYMBOLS)
    if tuple(claim.predictors) != ("perfect",):
        return (f"{where}.predictors", "an imperfect predictor needs the target's conditionals: not available on "
                "backend 'profile'", '["perfect"]')
    if claim.grid not in PROFILE_GRIDS:
        return (f"{where}.grid", f"grid {claim.grid!r} is not available on backend 'profile' (adaptive rules and "
                "explicit plans are not functions of the entropy profile)", ", ".join(PROFILE_GRIDS))
    for k, spec in enumerate(claim.targets):
        if not has_profile(spec):
            return (f"{where}.targets[{k}]", f"{shorten(spec)!r} has no closed-form entropy profile: not "
                    "available on backend 'profile'",
                    "product, mds, copy, markov, coloring3, ngram (n <= 2), potts (graph=path, w), noisy-copy, "
                    "mixtures of i.i.d. products")
    return None


def validate_backend(claim, where: str) -> None:
    """Resolve the claim's backend (``claim.backend``: "enumeration" or "profile"; ``None`` stays for a
    claim with neither key) and refuse now what the run would trip on."""
    if claim.backend is None and not claim.targets:
        return
    if claim.backend is not None and claim.backend not in BACKENDS:
        raise SpecError(f"{where}.backend", f"unknown backend {shorten(repr(claim.backend))}", ", ".join(BACKENDS))
    if claim.grid == "all-laws":
        raise SpecError(f"{where}.backend" if claim.backend else f"{where}.targets",
                        "grid 'all-laws' decides every law at once (no target, no backend)",
                        "no backend or targets key on grid 'all-laws'")
    specs = _validate_targets(claim, where)
    wanted = claim.backend or "auto"
    if wanted == "profile" and not specs:
        raise SpecError(f"{where}.targets", "is missing: backend 'profile' runs on the claim's own targets",
                        'a list of target specs, e.g. targets = ["noisy-copy:L=1000,eta=1/10"]')
    blocker = _blocker(claim, where) if specs else (f"{where}.targets", "no targets", "")
    if wanted == "profile" and blocker is not None:
        raise SpecError(*blocker)
    if wanted == "auto":
        wanted = "profile" if blocker is None else "enumeration"
        claim.backend_reason = ("chosen: every symbol is computable from the entropy profile and the size law"
                                if blocker is None else f"chosen: {blocker[1].split(':')[0]}")
    else:
        claim.backend_reason = "as the claims file says"
    claim.backend = wanted
    if wanted == "enumeration":
        from .scope import MAX_STATES

        for k, spec in enumerate(specs):
            plan = _plan(spec)
            if plan.q ** plan.L > MAX_STATES:
                why = f" ({blocker[0].rsplit('.', 1)[-1]}: {blocker[1]})" if blocker else ""
                raise SpecError(f"{where}.targets[{k}]", f"{shorten(spec)!r} is {plan.q}**{plan.L} sequences: beyond "
                                f"enumeration, and the claim is on backend 'enumeration'{why}",
                                f"targets with q**L <= {MAX_STATES}, or sides over {ACCEPTED_SYMBOLS} (backend "
                                "'profile')")
        return
    _validate_profile(claim, where, specs)


def _validate_targets(claim, where: str) -> list:
    if claim.lengths or claim.alphabets:
        raise SpecError(f"{where}.lengths" if claim.lengths else f"{where}.alphabets",
                        "cannot be combined with targets (each target names its own q and L)",
                        "either targets, or lengths/alphabets over the zoo")
    out = []
    for k, spec in enumerate(claim.targets):
        if not isinstance(spec, str) or not spec.strip():
            raise SpecError(f"{where}.targets[{k}]", f"{shorten(repr(spec))} is not a target spec",
                            'target specs such as "noisy-copy:L=1000,eta=1/10"')
        try:
            _plan(spec.strip())
        except SpecError as err:
            raise SpecError(f"{where}.targets[{k}]", f"{err.field}: {err.problem}", err.accepted) from None
        if not claim.ranges_over(spec.split(":", 1)[0].strip()):
            raise SpecError(f"{where}.targets[{k}]", f"{shorten(spec)!r} is not of the claim's families",
                            ", ".join(claim.families))
        out.append(spec.strip())
    if len(set(out)) != len(out):
        raise SpecError(f"{where}.targets", "names a target twice", "distinct target specs")
    return out


def _validate_profile(claim, where: str, specs: list) -> None:
    from ..engine.profile.wainwright import CERTIFIED_MAX_L
    from ..errors import TooLarge

    used = {s for _, s in _side_symbols(claim, where)}
    for k, spec in enumerate(specs):
        plan = _plan(spec)
        field = f"{where}.targets[{k}]"
        try:
            profile_of(spec) if plan.L <= 64 else _refuse_only(spec)
        except (SpecError, TooLarge) as err:
            raise SpecError(field, f"{shorten(spec)!r}: {err.problem}", err.accepted) from None
        if used & set(W26_LIST) and plan.L > CERTIFIED_MAX_L:
            sym = sorted(used & set(W26_LIST))[0]
            raise SpecError(field, f"L={plan.L}: symbol {sym!r} is certified up to L = {CERTIFIED_MAX_L} only on "
                            "backend 'profile'", f"targets with L <= {CERTIFIED_MAX_L} for {sym}")
        if not claim.samplers and claim.grid in SMALL_GRIDS and plan.L > SMALL_GRID_MAX_L:
            raise SpecError(field, f"L={plan.L}: grid {claim.grid!r} has 2^{plan.L - 1} compositions",
                            f"L <= {SMALL_GRID_MAX_L} on grid {claim.grid!r}, or samplers = [...] naming the samplers")
        if claim.samplers:
            for spec_s in instance_specs(claim, plan.L):
                try:
                    law_at(spec_s, plan.L)
                except SpecError as err:
                    raise SpecError(f"{where}.samplers", f"{shorten(spec_s)!r} at L={plan.L}: {err.field}: "
                                    f"{err.problem}", err.accepted) from None


def _refuse_only(spec: str) -> None:
    """The size guard of a long target's profile, without building it (it is built by the run)."""
    from ..engine.profile.entropy import refuse_profile

    if not has_profile(spec):
        raise SpecError("target", "no closed-form entropy profile", "a closed-form family")
    refuse_profile(_plan(spec), exact=True)
