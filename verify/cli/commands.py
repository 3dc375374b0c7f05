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

from ..claims.profiles import PROFILES
from ..output import Staging, check_dir_path, check_file_path

# The claim runner (numpy, the engine, python-flint, sympy on use) and the report writer are
# imported by the commands that use them: ``verify measure`` builds this parser too and should
# not pay for them.


def _load_registry(args) -> list:
    from proofs_numeric import registry

    return registry(getattr(args, "claims_file", None) or ())


def cmd_claims(args) -> int:
    from ..claims.check import select

    if getattr(args, "symbols", False):
        return _print_symbols(args)
    claims = select(_load_registry(args), getattr(args, "only", None))
    if args.json:
        print(json.dumps([{**c.to_json(), "domain": _domain(c)} for c in claims], indent=2))
        return 0
    width = max((len(c.id) for c in claims), default=12)
    for c in claims:
        kind = c.relation if c.checked else "shape (reports a best constant)"
        print(f"{c.id:<{width}} {c.paper:<8} {c.provenance:<9} {kind:<6}  grid={c.grid}  predictors={'+'.join(c.predictors)}")
        print(f"    {c.statement}")
        print(f"    {_domain_line(_domain(c))}")
        if c.grid != "all-laws" and (c.samplers or c.where or c.lengths or c.alphabets):
            print("    scope: " + "; ".join(f"{k} = {v}" for k, v in c.to_json().items()
                                         if k in ("lengths", "alphabets", "samplers", "budgets", "where") and v))
        if getattr(c, "targets", ()):  # the claim's own targets and the backend that runs them
            print(f"    targets: {', '.join(c.targets)}")
            print(f"    backend: {c.backend} ({getattr(c, 'backend_reason', 'as the claims file says')})")
    print("\nNotation, samplers, every claim's provenance and the verdict semantics: docs/index.md")
    return 0


def _print_symbols(args) -> int:
    """Every symbol a side or a ``where`` may use, with its meaning and the grids that supply it."""
    from ..claims.symbols import NEEDS_PLAN, NEEDS_SAMPLER, SYMBOLS

    def needs(name: str) -> str:
        return "plan" if name in NEEDS_PLAN else "sampler" if name in NEEDS_SAMPLER else "target"

    rows = [{"symbol": k, "meaning": v, "needs": needs(k)} for k, v in SYMBOLS.items()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max(len(r["symbol"]) for r in rows)
    for r in rows:
        print(f"{r['symbol']:<{width}}  [{r['needs']:<7}]  {r['meaning']}")
    print("\n[target]: every grid; [sampler]: every grid but 'targets'; [plan]: grid 'plans' only. "
          "Sides and 'where' may also use the claim's constants (docs/reviewer.md).")
    return 0


def _domain(c) -> list | None:
    """The instance-dependent domain conditions of a claim's declarative sides (``symbolic.py``:
    every other domain question was settled when the claims were loaded); None for python sides."""
    from ..claims.symbolic import conditions

    sides = [s for s in (c.lhs, c.rhs, c.statistic) if s is not None]
    if any(not isinstance(s, str) for s in sides):
        return None
    return list(dict.fromkeys(cond for s in sides for cond in conditions(s, c.constants)))


def _domain_line(conds: list | None) -> str:
    if conds is None:
        return "domain: python sides (an instance where a quantity is not defined is reported undefined)"
    if not conds:
        return "domain: defined on every instance (settled when the claims were loaded)"
    return "domain: depends on the instance: defined where " + " and ".join(conds)


def _ticker(label: str):
    """A progress line on an interactive stderr (instances done so far); silent in logs and pipes."""
    if not sys.stderr.isatty():
        return None

    def tick(done: int) -> None:
        print(f"\r{label} {done} instances", end="", file=sys.stderr, flush=True)

    return tick


def run_and_print(claims: list, profile: str, witness_dir, write: bool = True,
                  cache: TargetCache | None = None, workers: int | None = None,
                  scheduler: str | None = None, cache_dir=None) -> list:
    """Run every claim on the profile's grid (one shared target cache), printing each table.
    Without a ``cache`` from the caller, each target is released once no later claim uses it
    (``TargetCache.plan_release``); a caller's cache is left whole (it may be reused).

    ``write=False`` leaves the witnesses in ``res.witness_files`` for the caller to stage. With
    ``workers``, ``scheduler`` or ``cache_dir`` the claims run as per-(claim, target) tasks on Dask
    (``distributed.run_claims``); the results, and so the outputs, are the same."""
    from ..claims.check import TargetCache, run_claim
    from .report import print_check_table

    if workers is not None or scheduler is not None or cache_dir is not None:
        from ..claims.distributed import StderrProgress, run_claims

        return run_claims(claims, profile, workers=workers, scheduler=scheduler, cache_dir=cache_dir,
                          witness_dir=witness_dir, progress=StderrProgress(), on_claim=print_check_table,
                          write=write)
    if cache is None:  # ours: each target's workspace is dropped after the last claim using it
        cache = TargetCache()
        cache.plan_release(claims, profile)
    results = []
    for n, c in enumerate(claims):
        label = f"[{n + 1}/{len(claims)} {c.id}: running on the {profile} grid]"
        print(label, file=sys.stderr, flush=True)
        res = run_claim(c, profile, cache, witness_dir=witness_dir, write=write, progress=_ticker(label))
        cache.claim_done(n, res)
        if sys.stderr.isatty():
            print(file=sys.stderr)
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
    from ..claims.check import select

    claims = select(_load_registry(args), args.only)
    json_path = check_file_path(args.json, "--json") if args.json is not None else None
    wdir = check_dir_path(args.witness_dir, "--witness-dir")
    dask = _dask_args(args)
    anchor, field = (json_path, "--json") if json_path is not None else (wdir, "--witness-dir")
    with Staging(anchor, field) as stage:
        results = run_and_print(claims, args.profile, wdir, write=False, **dask)
        for r in results:
            for path, text in r.witness_files:
                stage.write_text(path, text, "--witness-dir")
        if json_path is not None:
            stage.write_text(json_path, json.dumps([r.to_json() for r in results], indent=2) + "\n", "--json")
        stage.commit()
    _witness_summary(results)
    return exit_status(results)


def exit_status(results: list) -> int:
    """``check`` and ``report`` alike: 1 if a claim is undefined on every instance or has a refuted
    instance not recorded as known (the offending claims printed), else 0."""
    status = 0
    empty = [r.claim.id for r in results if r.all_undefined()]
    if empty:
        print("claims undefined or skipped on every instance (checked on none): " + ", ".join(empty))
        status = 1
    unknown = [(r.claim.id, [w["id"] for w in r.unknown_refutations()]) for r in results]
    unknown = [(c, ids) for c, ids in unknown if ids]
    if unknown:  # every refuted instance counts, saved as a witness or not; a few ids are named
        print("refuted claims with refutations not recorded as known: " + "; ".join(
            f"{c}: {len(ids)} ({', '.join(ids[:3])}{', …' if len(ids) > 3 else ''})" for c, ids in unknown))
        status = 1
    return status


REPORT_FILES = ("report.md", "report.json", "run.log")


def cmd_report(args) -> int:
    from ..claims.check import select
    from .report import write_report

    claims = select(_load_registry(args), args.only)
    out = check_dir_path(args.out, "--out")
    for name in REPORT_FILES:  # the names known before the run; the rest is checked at the commit
        check_file_path(out / name, "--out")
    check_dir_path(out / "witnesses", "--out")
    dask = _dask_args(args)
    from .report_scope import regenerate_command

    command = regenerate_command(args.profile, args.out, args.only, args.claims_file)
    with Staging(out, "--out") as stage:
        t0 = time.time()
        results = run_and_print(claims, args.profile, out / "witnesses", write=False, **dask)
        paths = write_report(results, args.profile, out, time.time() - t0, stage, command,
                             args.claims_file or ())
        stage.commit()
    for p in paths:
        print(p)
    for p in stage.removed:  # the report's own plots and witnesses this run no longer writes
        print(f"removed (stale, not written by this run): {p}")
    return exit_status(results)  # as check: 1 on a new refutation (the report is written all the same)


def _dask_args(args) -> dict:
    cache_dir = None
    if args.cache is not None:
        cache_dir = check_dir_path(args.cache, "--cache")
    return {"workers": args.workers, "scheduler": args.scheduler, "cache_dir": cache_dir}


def _add_dask_options(p) -> None:
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run on a local Dask cluster of N worker processes (same results)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786 (same results)")
    p.add_argument("--cache", default=None, metavar="DIR",
                   help="content-addressed cache of finished (claim, target) tasks: an interrupted run resumes")


def add_commands(sub) -> None:
    c = sub.add_parser("claims", help="the registry: id, paper, provenance, statement")
    c.add_argument("--json", action="store_true")
    c.add_argument("--only", default=None, help="comma-separated id globs")
    c.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    c.add_argument("--symbols", action="store_true", help="list every symbol a side or a where may use, with its meaning")
    c.set_defaults(func=cmd_claims)

    k = sub.add_parser("check", help="certified verdicts for every claim on a profile's grid")
    k.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    k.add_argument("--only", default=None, help="comma-separated id globs, e.g. 'LC25.*,D-MIX'")
    k.add_argument("--json", default=None, metavar="PATH", help="write all results as JSON")
    k.add_argument("--witness-dir", default="reports/witnesses", help="where witnesses are saved")
    k.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    _add_dask_options(k)
    k.set_defaults(func=cmd_check)

    r = sub.add_parser("report", help="write the tightness report (markdown + json + png)")
    r.add_argument("--out", default="reports")
    r.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    r.add_argument("--only", default=None)
    r.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    _add_dask_options(r)
    r.set_defaults(func=cmd_report)
