"""``verify search CLAIM_ID|--all [--budget N] [--seed N] [--claims-file F] [--profile ci|deep]``.

Prints, per claim, the best ratio found, its certified verdict and the saved witness (exact JSON,
replayable with ``verify measure --target file:…``). Exit status 1 when a hunt found a certified
refutation of a claim that records no known refutation; 0 otherwise. See docs/search.md.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import SpecError
from ..output import Staging, check_dir_path, check_file_path


def _cmd_search(args) -> int:
    from proofs_numeric import registry

    from ..claims.search import result_lines, summary_table

    claims = registry(args.claims_file or ())
    chosen = _chosen(args, claims)
    json_path = check_file_path(args.json, "--json") if args.json is not None else None
    wdir = check_dir_path(args.witness_dir, "--witness-dir")
    with Staging(json_path if json_path is not None else wdir,
                 "--json" if json_path is not None else "--witness-dir") as stage:
        results = _hunt(args, claims, chosen, wdir, stage)
        for r in results:
            print("\n".join(result_lines(r)), flush=True)
        if args.all:
            print("\ntightest instance found per claim:")
            print("\n".join(summary_table(results)))
        if json_path is not None:
            stage.write_text(json_path, json.dumps([r.to_json() for r in results], indent=1) + "\n", "--json")
        stage.commit()
    new = [r.claim.id for r in results if r.refuted is not None and not r.claim.known_refutations]
    if new:
        print("refuted by search (certified; witnesses saved): " + ", ".join(new))
        return 1
    return 0


def _chosen(args, claims: list):
    """The claim to hunt (None with --all), every argument checked before any work."""
    from ..claims.search import searchable

    if args.all == (args.claim is not None):
        raise SpecError("claim", "give exactly one of CLAIM_ID or --all",
                        "a claim id (see 'verify claims') or --all")
    if args.seed < 0:
        raise SpecError("--seed", f"{args.seed} is negative", "an integer >= 0")
    if args.budget is not None and args.budget < 1:
        raise SpecError("--budget", f"{args.budget} is not a positive number of examples", "an integer >= 1")
    if args.all:
        return None
    chosen = [c for c in claims if c.id == args.claim]
    if not chosen:
        raise SpecError("claim", f"unknown claim id {args.claim!r}", ", ".join(c.id for c in claims))
    if chosen[0].grid == "all-laws":
        raise SpecError("claim", f"{args.claim} is decided for every law (grid all-laws): nothing to hunt",
                        ", ".join(c.id for c in searchable(claims)))
    if not searchable(chosen):
        raise SpecError("claim", f"{args.claim} is a shape claim aggregated by min; a hunt cannot climb it",
                        ", ".join(c.id for c in searchable(claims)))
    return chosen[0]


def _hunt(args, claims: list, chosen, wdir: Path, stage) -> list:
    """The hunts, their witnesses staged (in place only when the whole command succeeds)."""
    from ..claims.search import DEFAULT_BUDGET, _progress, hunt, hunt_all, save_witness

    if chosen is None:
        results = hunt_all(claims, args.budget, args.seed, args.profile, None, _progress)
    else:
        budget = args.budget if args.budget is not None else DEFAULT_BUDGET[args.profile]
        results = [hunt(chosen, budget, args.seed, args.profile, None)]
    for r in results:
        if r.shown is not None:
            r.witness = save_witness(r, wdir, stage)
    return results


def add_commands(sub) -> None:
    s = sub.add_parser("search", help="hypothesis hunt for tight or violating instances of a claim")
    s.add_argument("claim", nargs="?", default=None, help="claim id, e.g. LC25.T1 (or --all)")
    s.add_argument("--all", action="store_true", help="hunt every registered claim within a total budget")
    s.add_argument("--budget", type=int, default=None,
                   help="examples (per claim; with --all: in total, at least 10 per claim). "
                        "Default: 150 per claim (ci), 3000 (deep); --all: 4 times that in total")
    s.add_argument("--seed", type=int, default=0, help="hypothesis seed; same seed, same result")
    s.add_argument("--profile", default="ci", choices=("ci", "deep"), help="sizes drawn and default budget")
    s.add_argument("--claims-file", action="append", help="extra claims TOML file (repeatable)")
    s.add_argument("--witness-dir", default="reports/witnesses", help="where the witness JSON is saved")
    s.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON")
    s.set_defaults(func=_cmd_search)
