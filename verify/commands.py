"""The registry commands ``verify claims | check | report``: running (``check.py``) composed with
printing and writing (``report.py``), outputs checked first and written atomically (``output.py``).

Order of every command: parse and validate all input (claims files, ``--only``, output paths),
then run, then write everything in one commit. Bad input therefore fails in one line before any
work, and nothing is written unless the whole run succeeded.
"""
from __future__ import annotations

import json
import sys
import time

from .check import TargetCache, run_claim, select
from .instances import PROFILES
from .output import Staging, check_dir_path, check_file_path
from .report import print_check_table


def _load_registry(args) -> list:
    from proofs_numeric import registry

    return registry(getattr(args, "claims_file", None) or ())


def cmd_claims(args) -> int:
    claims = select(_load_registry(args), getattr(args, "only", None))
    if args.json:
        print(json.dumps([c.to_json() for c in claims], indent=2))
        return 0
    for c in claims:
        kind = c.relation if c.checked else "shape (reports a best constant)"
        print(f"{c.id:<12} {c.paper:<8} {c.provenance:<9} {kind:<6}  grid={c.grid}  predictors={'+'.join(c.predictors)}")
        print(f"    {c.statement}")
    return 0


def run_and_print(claims: list, profile: str, witness_dir, write: bool = True) -> list:
    """Run every claim on the profile's grid (one shared target cache), printing each table.

    ``write=False`` leaves the witnesses in ``res.witness_files`` for the caller to stage."""
    cache = TargetCache()
    results = []
    for c in claims:
        print(f"[{c.id}: running on the {profile} grid]", file=sys.stderr, flush=True)
        res = run_claim(c, profile, cache, witness_dir=witness_dir, write=write)
        print_check_table(res)
        results.append(res)
    return results


def _witness_summary(results: list) -> None:
    for r in results:
        total = len(r.refutations()) if r.claim.checked else 0
        saved = sum(1 for w in r.witnesses if w["kind"] == "refuted")
        if total > saved:
            print(f"{r.claim.id}: {total} refuted instances; witnesses saved for the {saved} most violated "
                  "(and any recorded as known)")


def cmd_check(args) -> int:
    claims = select(_load_registry(args), args.only)
    json_path = check_file_path(args.json, "--json") if args.json is not None else None
    wdir = check_dir_path(args.witness_dir, "--witness-dir")
    with Staging(json_path.parent if json_path is not None else wdir) as stage:
        results = run_and_print(claims, args.profile, wdir, write=False)
        for r in results:
            for path, text in r.witness_files:
                stage.write_text(path, text)
        if json_path is not None:
            stage.write_text(json_path, json.dumps([r.to_json() for r in results], indent=2) + "\n")
        stage.commit()
    _witness_summary(results)
    unknown = [(r.claim.id, w["id"]) for r in results for w in r.unknown_refutations()]
    if unknown:
        print("refuted claims with witnesses not recorded as known: " +
              ", ".join(f"{c} ({w})" for c, w in unknown))
        return 1
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    claims = select(_load_registry(args), args.only)
    out = check_dir_path(args.out, "--out")
    with Staging(out) as stage:
        t0 = time.time()
        results = run_and_print(claims, args.profile, out / "witnesses", write=False)
        paths = write_report(results, args.profile, out, time.time() - t0, stage)
        stage.commit()
    for p in paths:
        print(p)
    return 0


def add_commands(sub) -> None:
    c = sub.add_parser("claims", help="the registry: id, paper, provenance, statement")
    c.add_argument("--json", action="store_true")
    c.add_argument("--only", default=None, help="comma-separated id globs")
    c.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    c.set_defaults(func=cmd_claims)

    k = sub.add_parser("check", help="certified verdicts for every claim on a profile's grid")
    k.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    k.add_argument("--only", default=None, help="comma-separated id globs, e.g. 'LC25.*,D-MIX'")
    k.add_argument("--json", default=None, metavar="PATH", help="write all results as JSON")
    k.add_argument("--witness-dir", default="reports/witnesses", help="where witnesses are saved")
    k.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    k.set_defaults(func=cmd_check)

    r = sub.add_parser("report", help="write the tightness report (markdown + json + png)")
    r.add_argument("--out", default="reports")
    r.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    r.add_argument("--only", default=None)
    r.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    r.set_defaults(func=cmd_report)
