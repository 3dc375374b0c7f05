"""Adversarial search: hypothesis hunts for target laws that make a claim tight or false.

A candidate is an exact instance of the claim: a target law with rational probabilities (integer
weights normalised), one schedule of the claim's grid at that length (plus, for grids with
continuous parameters, a drawn parameter), and one predictor of the claim's range. Its score is a
float that hypothesis climbs with ``hypothesis.target``:

* ``lhs <= rhs``: ``lhs/rhs`` (1 is tight, above 1 a violation);
* ``lhs >= rhs``: ``rhs/lhs`` (the reciprocal, so that climbing means approaching the bound);
* ``lhs == rhs``: ``|lhs − rhs| / max(|lhs|, |rhs|)`` (an identity's only hunt is for a discrepancy);
* ``shape``: the claim's statistic (its reciprocal when the claim aggregates by ``min``).

Floats only propose. The sides are the engine's exact values (rationals and log-linear forms,
docs/index.md §7); the score is their float value. Every candidate whose score says "tight or
violated" (``>= 1 − 1e-9`` for inequalities, ``> 1e-9`` for identities) is re-decided by the claim's
certified checker (``verify.certify.verdicts``), and so is the best candidate at the end. A certified
refutation makes the hypothesis test body fail, so hypothesis shrinks it to a small readable
witness (smaller L, fewer support points, smaller weights) before it is saved.

The saved witness is the same exact JSON as ``verify check`` writes: ``{"q", "L", "pmf"}`` with
rational strings, readable by ``file:`` and replayable with ``verify measure --target file:…``, plus
a ``witness`` record (claim, provenance, kind, sampler, predictor, plan, verdict, search seed).

Same seed, same result: hypothesis runs with ``database=None``, ``@seed(N)``, no deadline and no
time-dependent phase, and every draw is a pure function of hypothesis's choices. Nothing is written
under the working folder: hypothesis's own caches go to the user cache folder
(``output.hypothesis_storage``).
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from fractions import Fraction
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .check import CHECKERS, Row, side_value, witness_payload, _replay_command
from .model import Claim
from ..errors import NotDefined, SpecError, Undecided
from .instances import Instance, Workspace, expand_predictors, grid_schedules
from .scope import skip_reason
from ..output import atomic_write_text, hypothesis_storage
from .serialize import jsonable, to_float

# Sizes (q, L) a hunt draws from, smallest first (hypothesis shrinks toward the first entry). Every
# one is small enough for the enumeration engine on every grid, including all compositions of L.
SIZES = {
    "ci": [(2, 2), (2, 3), (3, 2), (2, 4), (3, 3), (2, 5)],
    "deep": [(2, 2), (2, 3), (3, 2), (2, 4), (3, 3), (2, 5), (4, 2), (3, 4), (4, 3)],
}
DEFAULT_BUDGET = {"ci": 150, "deep": 3000}  # examples per claim (``--all``: in total, ci only)
NEAR_TIGHT = 1e-9
DEGENERATE = 1e-12  # both sides below this: 0 ≤ 0, nothing to learn about the bound
VIOLATION_SCORE = 1e6  # a positive lhs against a zero rhs
MAX_WEIGHT = 8


# ------------------------------------------------------------------ candidates

@dataclass(frozen=True)
class Candidate:
    """One drawn instance: exact law (integer weights over q^L cells), schedule and predictor."""

    q: int
    L: int
    weights: tuple          # integers, C order, not all zero
    origin: str             # how the law was drawn (a target spec when the law is exactly one)
    schedule: int           # index into grid_schedules(claim.grid, L), or -1 for ``sampler``
    predictor: str
    sampler: str | None = None  # a drawn sampler spec (grids with continuous parameters)

    def key(self) -> tuple:
        return (self.q, self.L, self.weights, self.schedule, self.predictor, self.sampler)


def _family_choices(q: int, L: int, st) -> list:
    """(family, strategy of a spec at (q, L) with drawn rational parameters) for the zoo's families."""
    lq = f"L={L},q={q}"
    frac = st.integers(1, 19).map(lambda k: f"{k}/20")
    choices = [
        ("mds", st.sampled_from([f"mds:q={q},L={L},k={k}" for k in sorted({1, max(1, L - 1)})])),  # repetition, parity
        ("copy", st.builds(lambda d: f"copy:L={L},delta={d}", frac) if q == 2 else None),
        ("markov", st.builds(lambda f: f"markov:{lq},flip={f}", frac)),
        ("markov", st.builds(lambda s: f"markov:{lq},seed={s}", st.integers(0, 9))),
        ("potts", st.builds(lambda g, w: f"potts:graph={g},{lq},w={w}",
                            st.sampled_from(["path", "cycle", "complete"] if L >= 3 else ["path"]),
                            st.sampled_from(["1/4", "1/2", "2", "4", "16"]))),
        # w = 0 keeps only proper q-colourings: drawn only on graphs that have one (a path always; an
        # odd cycle needs q >= 3; the complete graph q >= L), else the law has no mass at all
        ("potts", st.builds(lambda g: f"potts:graph={g},{lq},w=0",
                            st.sampled_from(_colourable_graphs(q, L)))),
        ("dirichlet", st.builds(lambda a, s: f"dirichlet:{lq},alpha={a},seed={s}",
                                st.sampled_from(["1/10", "1/3", "1", "3"]), st.integers(0, 9))),
        ("lowentropy", st.builds(lambda m, s: f"lowentropy:{lq},m={m},seed={s}", st.integers(1, min(4, q**L)),
                                 st.integers(0, 9))),
        ("hmm", st.builds(lambda s: f"hmm:{lq},states=2,seed={s}", st.integers(0, 9))),
        ("coloring3", st.just(f"coloring3:L={L}") if q == 3 else None),
        ("ngram", st.builds(lambda n, s: f"ngram:{lq},n={n},seed={s}", st.integers(2, max(2, min(3, L))),
                            st.integers(0, 9))),
        ("product", st.builds(lambda s: f"product:{lq},seed={s}", st.integers(0, 9))),
    ]
    return [(f, c) for f, c in choices if c is not None]


def _colourable_graphs(q: int, L: int) -> list:
    """The Potts graphs of the zoo at (q, L) that have a proper q-colouring (w = 0 is defined)."""
    graphs = ["path"]
    if L >= 3 and (q >= 3 or L % 2 == 0):
        graphs.append("cycle")
    if L >= 3 and q >= L:
        graphs.append("complete")
    return graphs


def _family_specs(q: int, L: int, draw, st, allowed: tuple = ()) -> str:
    """A structured family at (q, L) with drawn rational parameters (codes, chains, graphs, ...);
    only the ``allowed`` families when a claim names the families it ranges over."""
    choices = [c for f, c in _family_choices(q, L, st) if not allowed or f in allowed]
    return draw(st.one_of(choices))


def _weights_of(spec: str) -> tuple:
    """Integer weights of an exact family law: its probabilities times their common denominator."""
    from distributions import parse_target

    pmf = parse_target(spec, exact=True).pmf.reshape(-1)
    den = 1
    for v in pmf:
        den = math.lcm(den, int(v.q))
    return tuple(int(v.p) * (den // int(v.q)) for v in pmf)


def candidates(claim: Claim, profile: str = "ci"):
    """The hypothesis strategy of candidates for ``claim`` (see the module docstring)."""
    from hypothesis import strategies as st

    preds = [p.spec for p in expand_predictors(claim.predictors, profile)]
    imperfect = "imperfect" in claim.predictors
    sizes = SIZES[profile]
    if claim.grid != "all-laws" and (getattr(claim, "lengths", None) or getattr(claim, "alphabets", None)):
        from .scope import sizes as claim_sizes

        sizes = [(q, L) for L, q in claim_sizes(claim, profile)]  # the claim's own (L, q), as check uses
    # A claim about named families (e.g. the 3-colouring chain) is hunted on those families only,
    # with their structure intact: no reweighting, no noise.
    allowed = tuple(getattr(claim, "families", None) or ())
    if allowed:
        sizes = [(q, L) for q, L in sizes if any(f in allowed for f, _ in _family_choices(q, L, st))]
    if claim.grid != "all-laws":  # lengths where the grid has no sampler are not drawn
        sizes = [(q, L) for q, L in sizes if grid_schedules(claim.grid, L)]

    @st.composite
    def draw_candidate(draw):
        q, L = draw(st.sampled_from(sizes))
        n = q**L
        kind = "family" if allowed else draw(st.sampled_from(["sparse", "weights", "family"]))
        if kind == "sparse":  # a few support points with small weights
            k = draw(st.integers(1, min(6, n)))
            cells = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
            w = [0] * n
            for c in cells:
                w[c] = draw(st.integers(1, MAX_WEIGHT))
            weights, origin = tuple(w), "sparse"
        elif kind == "weights":  # every cell, zeros allowed
            w = draw(st.lists(st.integers(0, MAX_WEIGHT), min_size=n, max_size=n))
            if not any(w):
                w[0] = 1
            weights, origin = tuple(w), "weights"
        else:  # a structured family, possibly mixed with integer-weight noise
            spec = _family_specs(q, L, draw, st, allowed)
            base = _weights_of(spec)
            if not allowed and draw(st.booleans()):  # perturb the law on its own support (e.g. a code's words unequal)
                scale = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
                base = tuple(b * k for b, k in zip(base, scale))
                spec = f"{spec} reweighted"
            eps = 0 if allowed else draw(st.integers(0, 5))  # noise share eps/20; 0 keeps the family law
            if eps == 0:
                weights, origin = base, spec
            else:
                noise = draw(st.lists(st.integers(0, MAX_WEIGHT), min_size=n, max_size=n))
                if not any(noise):
                    noise[0] = 1
                sb, sn = sum(base), sum(noise)
                # (1 − ε) p + ε u with ε = eps/20, over the common denominator 20 · sb · sn.
                weights = tuple((20 - eps) * b * sn + eps * u * sb for b, u in zip(base, noise))
                origin = f"{spec} + noise {eps}/20"
        g = math.gcd(*weights)
        weights = tuple(v // g for v in weights)
        schedules = grid_schedules(claim.grid, L)
        sampler = None
        extra = EXTRA_SAMPLERS.get(claim.grid)
        if extra is not None and draw(st.booleans()):
            sampler, idx = extra(draw, st, L), -1
        else:
            idx = draw(st.integers(0, len(schedules) - 1))
        pred = draw(st.sampled_from(preds))
        if imperfect and draw(st.booleans()):
            pred = f"mix:lam={Fraction(draw(st.integers(1, 19)), 20)}"
        return Candidate(q, L, weights, origin, idx, pred, sampler)

    return draw_candidate()


def pinned_examples(claim: Claim, profile: str = "ci") -> list:
    """Known extremal laws, run before any random draw: the two-token law p(00) = p(11) = 1/3,
    p(01) = p(10) = 1/6 (one block of 2: KL = I(X_1; X_2), LC25.T1 with equality) and the binary
    parity code at L = 3, each under the grid's last and first schedules."""
    if getattr(claim, "families", None):
        return []  # the pinned laws belong to no named family
    pred = expand_predictors(claim.predictors, profile)[0].spec
    out = []
    for q, L, weights, origin in ((2, 2, (2, 1, 1, 2), "two-token"), (2, 3, _weights_of("mds:q=2,L=3,k=2"),
                                                                      "mds:q=2,L=3,k=2")):
        n = len(grid_schedules(claim.grid, L))
        if n == 0:  # a grid with no sampler at this length (e.g. W26's budget forms)
            continue
        for idx in sorted({n - 1, 0}):
            out.append(Candidate(q, L, tuple(weights), origin, idx, pred))
    return out


def _mdm_pi(draw, st, L: int) -> str:
    """mdm with a drawn step law π (integer weights normalised), for the ``schedules`` grid."""
    w = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))
    tot = sum(w)
    return "mdm:pi=" + "+".join(f"{v}/{tot}" for v in w)


# Grids with continuous schedule parameters: a drawn sampler spec next to the grid's own list.
# Families that add such grids register a drawer here: (draw, strategies, L) -> sampler spec.
EXTRA_SAMPLERS = {"schedules": _mdm_pi}


def build_instance(claim: Claim, cand: Candidate) -> Instance:
    """The exact instance of a candidate (target law as fmpq, the grid's schedule, the predictor)."""
    from flint import fmpq

    from ..engine.samplers import parse_sampler
    from ..engine.predictors import parse_predictor
    from .symbolic import fmpq_of
    from ..engine.target import make_target

    tot = sum(cand.weights)
    pmf = np.array([fmpq(v, tot) for v in cand.weights], dtype=object).reshape((cand.q,) * cand.L)
    exact_family = ":" in cand.origin and " " not in cand.origin  # the law is exactly this spec
    spec = cand.origin if exact_family else f"search:{cand.origin}"
    target = make_target(pmf, cand.q, cand.L, spec=spec, name="search", exact=True)
    if cand.sampler is not None:
        sched, plan = parse_sampler(cand.sampler, cand.L), None
    else:
        sched, plan = grid_schedules(claim.grid, cand.L)[cand.schedule]
    return Instance(Workspace(target), sched, parse_predictor(cand.predictor), plan,
                    {k: fmpq_of(v) for k, v in claim.constants.items()})


# ------------------------------------------------------------------ scoring

@dataclass
class Evaluation:
    cand: Candidate
    inst: Instance
    lhs: object = None
    rhs: object = None
    lhs_f: float | None = None
    rhs_f: float | None = None
    statistic: float | None = None
    score: float = 0.0
    verdict: object = None  # a certify.Verdict once decided

    @property
    def magnitude(self) -> float:
        """Tie-break among equal scores: the larger sides (a tight 0 = 0 says little)."""
        vals = [abs(v) for v in (self.lhs_f, self.rhs_f, self.statistic) if v is not None and math.isfinite(v)]
        return max(vals, default=0.0)

    @property
    def ratio(self) -> float | None:
        if self.lhs_f is None or self.rhs_f is None or not self.rhs_f > 0:
            return None
        return self.lhs_f / self.rhs_f


def score_of(relation: str, lhs: float, rhs: float) -> float:
    """The float hypothesis climbs (module docstring); large means tight or violated."""
    if relation == "==":
        scale = max(abs(lhs), abs(rhs))
        return 0.0 if scale < DEGENERATE else abs(lhs - rhs) / scale
    top, bottom = (lhs, rhs) if relation == "<=" else (rhs, lhs)
    if abs(top) < DEGENERATE and abs(bottom) < DEGENERATE:
        return 0.0
    if bottom <= DEGENERATE:
        return VIOLATION_SCORE if top > bottom else 0.0
    return top / bottom


def needs_verdict(relation: str, ev: Evaluation) -> bool:
    if relation == "==":
        return ev.score > NEAR_TIGHT
    if ev.score >= 1 - NEAR_TIGHT:
        return True
    # Degenerate sides (both ~0): floats cannot rank them, but a float-side violation is still proposed.
    top, bottom = (ev.lhs_f, ev.rhs_f) if relation == "<=" else (ev.rhs_f, ev.lhs_f)
    return ev.score == 0.0 and top > bottom


def evaluate(claim: Claim, cand: Candidate) -> Evaluation | None:
    """Exact sides of the claim on the candidate, their floats and the score (None: not applicable)."""
    inst = build_instance(claim, cand)
    ev = Evaluation(cand, inst)
    try:
        if skip_reason(claim, inst) is not None:  # outside the claim's samplers or where: not its instance
            return None
        if claim.checked:
            ev.lhs, ev.rhs = side_value(claim, claim.lhs, inst), side_value(claim, claim.rhs, inst)
            ev.lhs_f, ev.rhs_f = to_float(ev.lhs), to_float(ev.rhs)
            ev.score = score_of(claim.relation, ev.lhs_f, ev.rhs_f)
        else:
            st = side_value(claim, claim.statistic, inst)
            ev.statistic = to_float(st) if st is not None else None
            if ev.statistic is None or not math.isfinite(ev.statistic):
                return None
            if claim.aggregate == "max":
                ev.score = ev.statistic
            else:
                ev.score = 1 / ev.statistic if ev.statistic > 0 else VIOLATION_SCORE
    except (ZeroDivisionError, NotDefined):
        return None  # e.g. a statistic divided by Σ I = 0, or a quantity the sampler does not have
    except Undecided as err:  # never a silent skip: the hunt stops and says where
        raise SpecError(f"search {claim.id}", f"undecided on a drawn instance: {err}",
                        "a report of this instance (it is a precision-cap coincidence)") from None
    return ev


def decide(claim: Claim, ev: Evaluation, prec_cap: int = 4096):
    if ev.verdict is None:
        ev.verdict = CHECKERS[claim.relation](ev.lhs, ev.rhs, prec_cap=prec_cap)
    return ev.verdict


# ------------------------------------------------------------------ the hunt

@dataclass
class SearchResult:
    claim: Claim
    seed: int
    budget: int
    profile: str
    examples: int = 0
    best: Evaluation | None = None
    refuted: Evaluation | None = None
    decided: int = 0               # candidates re-decided with certified arithmetic
    witness: dict | None = None    # {"id", "path", "kind", "replay"}

    @property
    def shown(self) -> Evaluation | None:
        """The instance the result is about: the (shrunk) refutation, else the best score."""
        return self.refuted or self.best

    @property
    def verdict(self) -> str:
        if not self.claim.checked:
            return "shape"
        ev = self.shown
        return ev.verdict.status if ev is not None and ev.verdict is not None else "none"

    def to_json(self) -> dict:
        ev = self.shown
        return jsonable({
            "claim": self.claim.id, "paper": self.claim.paper, "provenance": self.claim.provenance,
            "relation": self.claim.relation, "seed": self.seed, "budget": self.budget,
            "profile": self.profile, "examples": self.examples, "certified_decisions": self.decided,
            "verdict": self.verdict,
            "best_score": self.best.score if self.best else None,
            "ratio_lhs_rhs": ev.ratio if ev else None,
            "statistic": ev.statistic if ev else None,
            "instance": ev.inst.describe() | {"law": ev.cand.origin} if ev else None,
            "lhs": ev.lhs_f if ev else None, "rhs": ev.rhs_f if ev else None,
            "margin": ev.verdict.margin if ev and ev.verdict else None,
            "witness": self.witness,
        })


class _Refuted(Exception):
    """Raised inside the hypothesis body on a certified refutation, so that hypothesis shrinks."""


def hunt(claim: Claim, budget: int | None = None, seed: int = 0, profile: str = "ci",
         witness_dir: str | Path | None = None, prec_cap: int = 4096, pinned: bool = True) -> SearchResult:
    """Search ``budget`` examples for the claim's tightest (or violating) instance; certify it.
    ``pinned=False`` leaves out the known extremal laws, so only random draws (and shrinking) count."""
    from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
    from hypothesis import seed as hyp_seed
    from hypothesis import target as hyp_target
    from hypothesis.errors import Unsatisfiable

    if profile not in SIZES:
        raise SpecError("--profile", f"unknown profile {profile!r}", ", ".join(SIZES))
    budget = DEFAULT_BUDGET[profile] if budget is None else budget
    if budget < 1:
        raise SpecError("--budget", f"{budget} is not a positive number of examples", "an integer >= 1")
    from .. import guard  # --budget bounded in estimated work (docs/errors.md)
    guard.refuse_seconds("--budget", f"{guard.shorten(str(budget))} examples", budget * guard.SEARCH_SECONDS_PER_EXAMPLE, "a smaller budget")
    res = SearchResult(claim, seed, budget, profile)
    seen: dict = {}

    def consider(cand: Candidate) -> Evaluation | None:
        key = cand.key()
        if key not in seen:
            seen[key] = evaluate(claim, cand)
        return seen[key]

    @settings(max_examples=budget, derandomize=False, database=None, deadline=None,
              verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
              phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @hyp_seed(seed)
    @given(candidates(claim, profile))
    def body(cand):
        from hypothesis import assume

        ev = consider(cand)
        assume(ev is not None)
        res.examples += 1
        hyp_target(float(min(ev.score, VIOLATION_SCORE)), label=claim.id)
        if claim.relation == "==":  # a discrepancy is float noise until certified: also climb the size
            hyp_target(ev.magnitude, label=f"{claim.id} size")
        if res.best is None or (ev.score, ev.magnitude) > (res.best.score, res.best.magnitude):
            res.best = ev
        if claim.checked and needs_verdict(claim.relation, ev):
            if ev.verdict is None:
                res.decided += 1
            if not decide(claim, ev, prec_cap).holds and ev.verdict.status == "refuted":
                res.refuted = ev  # the last one raised is hypothesis's shrunk minimal example
                raise _Refuted(claim.id)

    for ex in pinned_examples(claim, profile) if pinned else ():
        body = example(ex)(body)
    try:
        with hypothesis_storage():  # its caches go to the user cache folder, not the working folder
            body()
    except _Refuted:
        pass
    except Unsatisfiable:
        pass  # no candidate was applicable: reported as no instance
    if claim.checked and res.best is not None and res.refuted is None:
        if res.best.verdict is None:
            res.decided += 1
        decide(claim, res.best, prec_cap)
    if witness_dir is not None and res.shown is not None:
        res.witness = save_witness(res, Path(witness_dir))
    return res


def save_witness(res: SearchResult, out: Path, stage=None) -> dict:
    """Write the result's instance as an exact, ``file:``-readable witness; returns its record.
    With ``stage`` (an ``output.Staging``) the file is staged, in place only at its commit."""
    ev = res.shown
    kind = "refuted" if res.refuted is not None else "tightest"
    row = Row(ev.inst.describe(), ev.verdict.status if ev.verdict else None, ev.lhs_f, ev.rhs_f,
              ev.verdict.margin if ev.verdict else None, ev.statistic,
              ev.verdict.to_json() if ev.verdict else None, ev.inst)
    payload = witness_payload(ev.inst, res.claim, row, kind)
    payload["witness"]["law"] = ev.cand.origin
    payload["witness"]["search"] = {"seed": res.seed, "budget": res.budget, "profile": res.profile,
                                    "score": ev.score, "statistic": ev.statistic}
    digest = hashlib.sha256(json.dumps([payload["q"], payload["L"], payload["pmf"], row.instance["sampler"],
                                        row.instance["predictor"], row.instance["plan"]]).encode()).hexdigest()[:10]
    wid = f"{res.claim.id}-search-{digest}"
    payload["witness"]["id"] = wid
    path = out / f"{wid}.json"
    text = json.dumps(jsonable(payload), indent=1) + "\n"
    if stage is not None:
        stage.write_text(path, text, "--witness-dir")
    else:
        atomic_write_text(path, text)
    return {"id": wid, "path": str(path), "kind": kind, "replay": _replay_command(path, ev.inst)}


def searchable(claims: list) -> list:
    """Claims a hunt can climb: inequalities, identities, and shape claims aggregated by max
    (a min over single instances is 0 at the trivial schedules, which says nothing). A shape claim
    about named families reads the family's parameters (e.g. an n-gram's order), which a drawn law
    no longer carries, so it is left to the grid. All-law claims (grid "all-laws") are already
    decided for every law: there is nothing left to hunt."""
    return [c for c in claims if c.grid != "all-laws" and (c.checked or (c.aggregate == "max" and not c.families))
            and getattr(c, "searchable", True)]  # a claim may opt out (it reads a named family's structure)


def hunt_all(claims: list, budget: int | None = None, seed: int = 0, profile: str = "ci",
             witness_dir=None, progress=None) -> list:
    """Hunt every searchable claim, splitting a total ``budget`` evenly (at least 10 each)."""
    claims = searchable(claims)
    total = DEFAULT_BUDGET[profile] * 4 if budget is None else budget
    from .. import guard  # --budget bounded in estimated work (docs/errors.md)
    guard.refuse_seconds("--budget", f"{guard.shorten(str(total))} examples", total * guard.SEARCH_SECONDS_PER_EXAMPLE, "a smaller budget")
    each = max(10, total // max(1, len(claims)))
    out = []
    for n, c in enumerate(claims):
        if progress is not None:
            progress(n, len(claims), c.id)
        out.append(hunt(c, each, seed, profile, witness_dir))
    return out


# ------------------------------------------------------------------ printing

def result_lines(res: SearchResult) -> list:
    c = res.claim
    lines = [f"{c.id}  [{c.paper}, {c.provenance}]  {c.relation}  examples={res.examples}  "
             f"seed={res.seed}  certified decisions={res.decided}"]
    ev = res.shown
    if ev is None:
        return lines + ["  no applicable instance was drawn"]
    d = ev.inst.describe()
    where = f"target={d['target']}  sampler={d['sampler']}  predictor={d['predictor']}"
    if c.checked:
        what = "refuted" if res.refuted else "best"
        ratio = "—" if ev.ratio is None else f"{ev.ratio:.10g}"
        lines.append(f"  {what}: lhs/rhs = {ratio}  (lhs={ev.lhs_f:.10g}, rhs={ev.rhs_f:.10g})  {where}")
        lines.append(f"  verdict: {res.verdict}  (margin {ev.verdict.margin if ev.verdict else '—'})")
    else:
        lines.append(f"  best statistic ({c.aggregate}): {ev.statistic:.10g}  {where}")
    if res.witness:
        lines.append(f"  witness ({res.witness['kind']}): {res.witness['path']}")
        lines.append(f"  replay: {res.witness['replay']}")
    return lines


def summary_table(results: list) -> list:
    rows = ["| claim | provenance | relation | examples | best lhs/rhs (statistic) | verdict | witness |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        ev = r.shown
        val = "—"
        if ev is not None:
            val = f"{ev.ratio:.6g}" if r.claim.checked and ev.ratio is not None else (
                f"{ev.statistic:.6g}" if ev.statistic is not None else "—")
        rows.append(f"| {r.claim.id} | {r.claim.provenance} | {r.claim.relation} | {r.examples} | {val} | "
                    f"{r.verdict} | {r.witness['id'] if r.witness else '—'} |")
    return rows


def _progress(n: int, total: int, cid: str) -> None:
    print(f"[search {n + 1}/{total}: {cid}]", file=sys.stderr, flush=True)
