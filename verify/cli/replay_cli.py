"""``verify replay WITNESS.json [--claims-file F]``: one witness recomputed from its exact inputs.

A witness is a file the suite wrote (``verify check``, ``verify report``, ``verify search``):

* an enumerated instance: ``{"q", "L", "pmf": [rational strings], "witness": {"claim", "sampler",
  "predictor", "plan", "verdict", ...}}``. The law is read back exactly from the file (``file:``),
  the schedule, predictor and plan from their specs; both sides of the claim are evaluated exactly
  (rationals and log-linear forms) and compared by the claim's certified checker (``lhs ≤ rhs``,
  ``≥`` or ``=``: a verdict in {certified, tight, refuted, undecided}, docs/index.md §5);
* a profile witness (``"backend": "profile"``, ``target_spec``, ``sampler``: a claims file's
  ``backend = "profile"``, targets beyond enumeration): no law in the file; the closed-form entropy
  profile is rebuilt from the spec and both sides are evaluated on it exactly, as by ``verify check``
  (``claims/profile_instances.py``);
* an all-law witness (``"grid": "all-laws"``, ``L``, ``sampler``, ``ray``): the claim is decided
  again for every law at that ``(L, sampler)`` on the rays of the profile cone (docs/cone.md), and
  both sides are shown on the witness's ray, exactly, in units of ``log q``.

Printed: the claim (id, paper, provenance, statement, sides), the instance, both sides, the margin
(``rhs − lhs``; ``lhs − rhs`` for ``≥``), the certified verdict and the one recorded in the file.
Shape claims (no relation) show their statistic. The claim is looked up in the registry, extended
by ``--claims-file`` (so a corrected constant is replayed against the old witness).

Exit status as ``verify check``: 1 when the replayed verdict is ``refuted`` and the witness id is not
among the claim's ``known_refutations``; 0 otherwise; 2 for a file that is not a witness (one line
naming the field).

The claim's own scope is applied again (``samplers``, ``where``: ``scope.skip_reason``): a witness
outside it (the claim was narrowed since, or the witness was written for another scope) is not one
of the claim's instances — no verdict is formed, the line ``scope  outside …`` says why, and the
exit status is 1 (the witness no longer stands for the claim). A ``where`` with no value there
is reported as undefined (not a verdict, exit 0), as an undefined side is.

``--json`` prints the same as one JSON object: ``instance``, ``scope``, ``lhs``/``rhs`` (float and
exact value or certified ball), ``margin``, ``verdict``, ``recorded``, ``same``, ``known``, ``exit``.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import SpecError, shorten

ACCEPTED = "a witness file written by verify check, report or search (witnesses/*.json)"


def add_commands(sub) -> None:
    r = sub.add_parser("replay", help="recompute one witness: the claim's two sides and its certified verdict")
    r.add_argument("witness", metavar="WITNESS.json", help="a witness file (reports/witnesses/*.json)")
    r.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    r.add_argument("--json", action="store_true",
                   help="print the replay as one JSON object (instance, sides, margin, verdict, recorded, scope, exit)")
    r.set_defaults(func=cmd_replay)


def cmd_replay(args) -> int:
    path = Path(args.witness)
    data = read_witness(path)
    w = data["witness"]
    claim = _claim(w["claim"], args.claims_file)
    rec: dict = {}
    if w.get("grid") == "all-laws":
        lines, status = _replay_all_laws(claim, w, rec)
    elif w.get("backend") == "profile":
        lines, status = _replay_profile(claim, w, rec)
    else:
        lines, status = _replay_instance(claim, path, data, w, rec)
    rc, tail = _exit(claim, w, status)
    if rec.get("scope", {}).get("status") == "outside":  # not one of the claim's instances (docs/reviewer.md)
        rc = 1
    if getattr(args, "json", False):
        print(json.dumps(_json_record(path, w, claim, rec, status, rc), indent=1))
    else:
        print("\n".join(_header(path, w, claim) + lines + tail))
    return rc


def _json_record(path: Path, w: dict, claim, rec: dict, status, rc: int) -> dict:
    """``verify replay --json``: what the text shows, as data (sides exact or as balls)."""
    was = (w.get("verdict") or {}).get("status")
    return {"witness": w.get("id", path.stem), "path": str(path), "kind": w.get("kind"), "claim": claim.id,
            "relation": claim.relation, "sides": {k: v for k, v in claim.to_json().items() if k in ("lhs", "rhs")},
            **rec, "verdict": status, "recorded": was, "same": None if was is None else was == status,
            "known": status == "refuted" and w.get("id") in claim.known_refutations, "exit": rc}


# ------------------------------------------------------------------ reading

def _bad(field: str, problem: str, accepted: str = ACCEPTED):
    raise SpecError(field, problem, accepted)


def read_witness(path: Path) -> dict:
    """The witness's JSON, every field replay reads checked (one-line SpecError otherwise)."""
    name = shorten(str(path))
    if not path.is_file():
        _bad("WITNESS.json", f"{name} is not a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        _bad("WITNESS.json", f"{name} is not UTF-8 text")
    except json.JSONDecodeError as err:
        _bad("WITNESS.json", f"{name} is not JSON ({err.msg} at line {err.lineno})")
    except OSError as err:
        _bad("WITNESS.json", f"cannot read {name} ({err.strerror})")
    if not isinstance(data, dict) or not isinstance(data.get("witness"), dict):
        _bad("WITNESS.json", f"{name} has no 'witness' record (a law alone is replayed by verify measure --target file:…)")
    w = data["witness"]
    _typed(w, "claim", str)
    if w.get("grid") == "all-laws":
        _typed(w, "L", int)
        _typed(w, "sampler", str)
        _typed(w, "ray", int, optional=True)
        return data
    if w.get("backend") == "profile":  # no law in the file: the target spec names it
        if w["backend"] != data.get("backend"):
            _bad("backend", "differs between the file and its witness record", "a profile witness as written")
        _typed(w, "target_spec", str)
        _typed(w, "sampler", str, optional=True)
        return data
    for key in ("q", "L"):
        if key not in data:
            _bad(key, "is missing: an enumerated witness carries its exact law (q, L, pmf)")
    _typed(w, "sampler", str, optional=True)
    _typed(w, "predictor", str, optional=True)
    _typed(w, "plan", list, optional=True)
    plan = w.get("plan")
    if plan is not None and not all(isinstance(b, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                                                for i in b) for b in plan):
        _bad("witness.plan", f"{shorten(repr(plan))} is not a list of blocks", "lists of positions, e.g. [[0, 2], [1]]")
    return data


def _typed(w: dict, key: str, kind, optional: bool = False) -> None:
    v = w.get(key)
    if v is None and optional:
        return
    if v is None or not isinstance(v, kind) or isinstance(v, bool):
        what = {str: "a string", int: "an integer", list: "a list"}[kind]
        _bad(f"witness.{key}", "is missing" if v is None else f"{shorten(repr(v))} is not {what}")


def _claim(cid: str, claims_files):
    from proofs_numeric import registry

    claims = registry(claims_files or ())
    for c in claims:
        if c.id == cid:
            return c
    raise SpecError("witness.claim", f"{shorten(cid)!r} is not a registered claim",
                    "a registered claim id (verify claims), or its --claims-file")


# ------------------------------------------------------------------ printing

def _header(path: Path, w: dict, claim) -> list:
    rel = {"<=": "≤", ">=": "≥", "==": "=", "shape": "shape (a best constant, no relation)"}[claim.relation]
    lines = [f"witness   {w.get('id', path.stem)}  ({w.get('kind', '?')})  {path}",
             f"claim     {claim.id}  [{claim.paper}, {claim.provenance}]  {rel}",
             f"          {claim.statement}"]
    sides = claim.to_json()
    if claim.checked:
        lines.append(f"sides     {sides['lhs']}  {claim.relation}  {sides['rhs']}")
    else:
        lines.append(f"statistic {sides['statistic']}  ({claim.aggregate} over instances)")
    if claim.constants:
        lines.append("constants " + ", ".join(f"{k} = {v}" for k, v in claim.constants.items()))
    return lines


def _value_line(label: str, v, rec: dict | None = None) -> str:
    from ..claims.serialize import cell, enclosure, to_float

    enc = enclosure(v)
    if rec is not None:
        rec[label] = {"float": to_float(v), **(enc or {})}
    exact = (f"exact {enc['exact']}" if "exact" in enc else f"ball {enc['ball']}") if enc else ""
    return f"{label:<9} {cell(to_float(v), 12)}" + (f"   {exact}" if exact else "")


def _verdict_lines(v, recorded: dict | None, relation: str, rec: dict | None = None) -> list:
    margin = "lhs − rhs" if relation == ">=" else "rhs − lhs"
    if rec is not None:
        rec.update({"margin": v.margin, "how": v.how})
    lines = [f"margin    {margin} {'∈' if v.margin.startswith('[') else '='} {v.margin}",
             f"verdict   {v.status}  ({v.how})"]
    return lines + _recorded_line(v.status, recorded)


def _recorded_line(status: str, recorded: dict | None) -> list:
    was = (recorded or {}).get("status")
    if was is None:
        return []
    return [f"recorded  {was}" + ("  (same)" if was == status else
                                  f"  (differs: the claim or the engine changed since the witness was written)")]


def _exit(claim, w: dict, status: str | None) -> tuple:
    """(exit status, closing lines)."""
    if status != "refuted":
        return 0, []
    wid = w.get("id")
    if wid is not None and wid in claim.known_refutations:
        return 0, [f"known     {wid} is recorded as a known refutation of {claim.id}"]
    return 1, [f"new       a refutation of {claim.id} not recorded as known (exit 1)"]


# ------------------------------------------------------------------ enumerated instances

def _target(path: Path, data: dict, w: dict):
    """The exact law of the file; its original target spec is used instead (for the family's
    parameters, e.g. an n-gram's order) only when it rebuilds exactly the same law."""
    from distributions import parse_target

    law = parse_target(f"file:{path}", exact=True, field="WITNESS.json")
    spec = w.get("target_spec")
    if isinstance(spec, str) and spec.split(":", 1)[0] not in ("file", "search"):
        try:
            named = parse_target(spec, exact=True)
        except SpecError:
            return law, "exact law read from the witness"
        if named.q == law.q and named.L == law.L and all(a == b for a, b in zip(named.pmf.reshape(-1),
                                                                                  law.pmf.reshape(-1))):
            return named, f"{spec}, equal to the exact law in the witness"
    return law, "exact law read from the witness"


def _evaluate(claim, inst, w: dict, lines: list, rec: dict) -> tuple:
    """Both sides on the rebuilt instance and the certified verdict, after the claim's own scope
    (samplers, where) is applied again: a witness outside it is not one of the claim's instances."""
    from ..claims.check import CHECKERS, side_value
    from ..claims.scope import skip_reason
    from ..errors import NotDefined, Undecided

    rec["instance"] = inst.describe()
    try:
        skip = skip_reason(claim, inst)
    except NotDefined as err:
        rec["scope"] = {"status": "undefined", "reason": err.problem}
        return lines + [f"scope     undefined: {err.problem} (not a verdict)"] + _recorded_line(
            "undefined", w.get("verdict")), None
    except Undecided as err:
        rec["scope"] = {"status": "undecided", "reason": str(err)}
        return lines + [f"scope     undecided: {err} (not a verdict)"], None
    if skip is not None:
        reason = {"samplers": "its sampler is not one of the claim's samplers",
                  "where": f"the claim's where {claim.where!r} is false here"}[skip]
        rec["scope"] = {"status": "outside", "reason": reason}
        return lines + [f"scope     outside the claim's scope: {reason}; not one of its instances, no verdict "
                        "(exit 1)"], None
    rec["scope"] = {"status": "inside"}
    try:
        if not claim.checked:
            stat = side_value(claim, claim.statistic, inst)
            return lines + [_value_line("statistic", stat, rec)], None
        lhs, rhs = side_value(claim, claim.lhs, inst), side_value(claim, claim.rhs, inst)
    except NotDefined as err:
        rec["undefined"] = err.problem
        return lines + [f"undefined {err.problem} (not a verdict)"] + _recorded_line("undefined", w.get("verdict")), None
    v = CHECKERS[claim.relation](lhs, rhs)
    lines += [_value_line("lhs", lhs, rec), _value_line("rhs", rhs, rec)]
    return lines + _verdict_lines(v, w.get("verdict"), claim.relation, rec), v.status


def _replay_instance(claim, path: Path, data: dict, w: dict, rec: dict) -> tuple:
    from ..claims.check import sampler_of
    from ..claims.instances import Instance, Workspace
    from ..claims.symbolic import fmpq_of
    from ..engine.predictors import parse_predictor

    target, origin = _target(path, data, w)
    sched = sampler_of(w["sampler"], target.L) if w.get("sampler") else None
    plan = tuple(tuple(b) for b in w["plan"]) if w.get("plan") else None
    inst = Instance(Workspace(target), sched, parse_predictor(w.get("predictor")), plan,
                    {k: fmpq_of(v) for k, v in claim.constants.items()})
    d = inst.describe()
    lines = [f"instance  q={target.q}, L={target.L} ({origin})",
             f"          sampler {d['sampler']}  predictor {d['predictor']}" + (f"  plan {d['plan']}" if plan else "")]
    return _evaluate(claim, inst, w, lines, rec)


# ------------------------------------------------------------------ profile witnesses

def _replay_profile(claim, w: dict, rec: dict) -> tuple:
    """Both sides on the profile instance rebuilt from the target spec and sampler (no pmf)."""
    from ..claims.profile_instances import make_instance
    from ..claims.symbolic import fmpq_of

    if getattr(claim, "backend", None) != "profile":
        _bad("witness.backend", f"the witness is a profile witness but {claim.id} runs on backend "
             f"{getattr(claim, 'backend', None) or 'enumeration'!r}", "the claim the witness was written for")
    try:
        inst = make_instance(w["target_spec"], w.get("sampler"), {k: fmpq_of(v) for k, v in claim.constants.items()},
                             claim.grid)
    except SpecError as err:
        raise SpecError(f"witness.{err.field}", err.problem, err.accepted) from None
    d = inst.describe()
    lines = [f"instance  q={d['q']}, L={d['L']} ({d['target']}: closed-form entropy profile, backend profile)",
             f"          sampler {d['sampler']}  predictor perfect"]
    return _evaluate(claim, inst, w, lines, rec)


# ------------------------------------------------------------------ all-law witnesses

def _replay_all_laws(claim, w: dict, rec: dict) -> tuple:
    from ..certify.verdicts import check_eq, check_ge, check_le
    from ..claims.all_laws import _side, _value, decide, instance_constants, law_of, ray_values
    from ..engine.profile.cone import ray_witness

    if claim.grid != "all-laws":
        _bad("witness.grid", f"the witness is an all-law witness but {claim.id} is on grid {claim.grid!r}",
             "the claim the witness was written for")
    if not claim.checked or not isinstance(claim.lhs, str) or not isinstance(claim.rhs, str):
        _bad("witness.claim", f"{claim.id} has no declarative sides to replay on the rays",
             "an all-law claim with lhs and rhs as text")
    L, spec = w["L"], w["sampler"]
    if not 1 <= L <= 10**5:
        _bad("witness.L", f"{L} is not a length", "integers 1..100000")
    law = law_of(L, spec)
    if claim.where:  # the claim's where, applied again to the witness's (L, sampler)
        from ..claims.all_laws import where_rows
        from ..claims.check import Row

        _, out = where_rows(claim, [(L, spec)], Row)
        if out:
            r = out[0]
            reason = f"the claim's where {claim.where!r} is false here" if r.status == "skipped" else r.margin
            rec["instance"] = {"grid": "all-laws", "L": L, "sampler": law.spec}
            rec["scope"] = {"status": "outside" if r.status == "skipped" else r.status, "reason": reason}
            head = [f"instance  every law of every alphabet at L={L}, sampler {law.spec}"]
            if r.status == "skipped":
                return head + [f"scope     outside the claim's scope: {reason}; not one of its instances, no "
                               "verdict (exit 1)"], None
            return head + [f"scope     {r.status}: {reason} (not a verdict)"], None
        rec["scope"] = {"status": "inside"}
    vals, consts = ray_values(law), instance_constants(law)
    where = f"claim {claim.id}"
    lhs_c = _side(claim.lhs, claim.constants, where + ".lhs").at(consts)
    rhs_c = _side(claim.rhs, claim.constants, where + ".rhs").at(consts)
    d = decide(claim.relation, lhs_c, rhs_c, vals, L)
    k = w.get("ray") or d.k
    rec["instance"] = {"grid": "all-laws", "L": L, "sampler": law.spec, "ray": k}
    rec["all_laws"] = d.status
    lines = [f"instance  every law of every alphabet at L={L}, sampler {law.spec} (the profile cone's {L} rays)",
             f"all laws  {d.status}" + (f" (deciding ray k={d.k})" if d.k else "")
             + (f"; {d.trivial} ray(s) where both sides vanish" if d.trivial else "")]
    if k is None or not 1 <= k <= L:
        return lines + _recorded_line(d.status, w.get("verdict")), d.status
    lhs, rhs = _value(lhs_c, vals, k), _value(rhs_c, vals, k)
    v = {"<=": check_le, ">=": check_ge, "==": check_eq}[claim.relation](lhs, rhs)
    lines += [f"ray k={k}   the code {ray_witness(L, k)}; sides in units of log q:",
              _value_line("lhs", lhs, rec), _value_line("rhs", rhs, rec)]
    rec["margin_on_ray"] = v.margin
    lines += _verdict_lines(v, None, claim.relation)[:1] + [f"verdict   {d.status} for all laws at (L={L}, {law.spec})"
                                                            f"; on this ray: {v.status}"]
    lines += _recorded_line(d.status, w.get("verdict"))
    lines.append(f"enumerate verify measure --target {ray_witness(L, k)} --sampler {law.spec} --exact")
    return lines, d.status
