"""``verify search CLAIM_ID|--all [--budget N] [--seed N] [--claims-file F] [--profile ci|deep]``.

Prints, per claim, the best ratio found, its certified verdict and the saved witness (exact JSON,
replayable with ``verify measure --target file:…``). Exit status 1 when a hunt found a certified
refutation of a claim that records no known refutation; 0 otherwise. See docs/search.md.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import SpecError


def _cmd_search(args) -> int:
    from proofs_numeric import registry

    from ..claims.search import DEFAULT_BUDGET, _progress, hunt, hunt_all, result_lines, searchable, summary_table

    claims = registry(args.claims_file or ())
    if args.all == (args.claim is not None):
        raise SpecError("claim", "give exactly one of CLAIM_ID or --all",
                        "a claim id (see 'verify claims') or --all")
    if args.seed < 0:
        raise SpecError("--seed", f"{args.seed} is negative", "an integer >= 0")
    if args.all:
        results = hunt_all(claims, args.budget, args.seed, args.profile, args.witness_dir, _progress)
    else:
        chosen = [c for c in claims if c.id == args.claim]
        if not chosen:
            raise SpecError("claim", f"unknown claim id {args.claim!r}", ", ".join(c.id for c in claims))
        if chosen[0].grid == "all-laws":
            raise SpecError("claim", f"{args.claim} is decided for every law (grid all-laws): nothing to hunt",
                            ", ".join(c.id for c in searchable(claims)))
        if not searchable(chosen):
            raise SpecError("claim", f"{args.claim} is a shape claim aggregated by min; a hunt cannot climb it",
                            ", ".join(c.id for c in searchable(claims)))
        budget = args.budget if args.budget is not None else DEFAULT_BUDGET[args.profile]
        results = [hunt(chosen[0], budget, args.seed, args.profile, args.witness_dir)]
    for r in results:
        print("\n".join(result_lines(r)), flush=True)
    if args.all:
        print("\ntightest instance found per claim:")
        print("\n".join(summary_table(results)))
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_json() for r in results], indent=1) + "\n")
    new = [r.claim.id for r in results if r.refuted is not None and not r.claim.known_refutations]
    if new:
        print("refuted by search (certified; witnesses saved): " + ", ".join(new))
        return 1
    return 0


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
