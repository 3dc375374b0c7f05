"""``verify minimax --L N --K K [--over TC|DTC|min] [--json] [--out LAW.json]`` (docs/minimax.md).

The law over compositions with ``E[T] ≤ K`` whose sharp constant ``sup over all laws of E KL / over``
is smallest (docs/minimax.md), certified exactly: ``upper`` is the returned law's exact
sharp constant, ``lower`` a lower bound from the dual checked in exact arithmetic, so the minimax
value lies in ``[lower, upper]``. ``--out`` writes the law as a ``random-size:law=file:`` JSON, which
``verify measure`` and ``verify worst`` read. Every input is checked, and the LP sized, before any work.
"""
from __future__ import annotations

import json
import sys


def _fraction_text(x) -> str:
    """An exact rational as "a/b" (integers as "a/1": one form for every reader)."""
    return f"{int(x.p)}/{int(x.q)}"


def result_json(r) -> dict:
    return {"L": r.L, "K": str(r.K), "over": r.over, "upper": _fraction_text(r.upper),
            "lower": _fraction_text(r.lower), "upper_float": float(r.upper), "lower_float": float(r.lower),
            "expected_iterations": _fraction_text(r.expected_iterations), "support": r.support}


def _cmd_minimax(args) -> int:
    from ..engine.profile.minimax import (cg_seconds, check_inputs, default_method, estimate_seconds, law_json,
                                          minimax, refuse_large)
    from ..output import atomic_write_text, check_file_path
    from ..specs import parse_rational

    K = check_inputs(args.L, parse_rational(args.K, "--K"), args.over)
    out = check_file_path(args.out, "--out") if args.out is not None else None
    method = args.method or default_method(args.L)
    nbytes = refuse_large(args.L, method)
    secs = cg_seconds(args.L) if method == "cg" else estimate_seconds(args.L)
    if secs > 10:  # a long accepted run says so on stderr before it starts
        print(f"verify: solving the minimax LP at L={args.L} by {method} (about {secs / 60:.0f} min "
              f"and {nbytes / 2**30:.1f} GiB on a quiet machine)", file=sys.stderr, flush=True)
    r = minimax(args.L, K, args.over, method, check_size=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        # one composition per line: exact string probabilities, as sizelaws.from_file reads them
        atomic_write_text(out, "[\n" + ",\n".join(json.dumps(e) for e in law_json(r)) + "\n]\n")
    data = result_json(r)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"minimax law  L={r.L}  E[T] <= K={r.K}  over {r.over}  (all laws of every alphabet, by the rays)")
    print(f"  upper                {data['upper_float']:.12g}   (the law's exact sharp constant {data['upper']})")
    print(f"  lower                {data['lower_float']:.12g}   (dual certificate, checked exactly)")
    print(f"  expected_iterations  {float(r.expected_iterations):.12g}   ({data['expected_iterations']})")
    print(f"  support              {r.support} compositions")
    print(f"  solver               {r.method}  ({r.seconds['lp']:.3g} s, certificate {r.seconds['certify']:.3g} s)")
    for p, comp in r.law[:5]:
        print(f"    {float(p):.6f}  {'+'.join(map(str, comp))}")
    if r.support > 5:
        print(f"    … {r.support - 5} more" + (f" (all in {out})" if out else " (--out writes them all)"))
    if out is not None:
        print(f"  law written to {out}: use it as --sampler random-size:law=file:{out}")
    return 0


def add_commands(sub) -> None:
    m = sub.add_parser("minimax", help="the best distribution-agnostic law over compositions at budget K")
    m.add_argument("--L", type=int, required=True, help="sequence length (the LP has L(L+1)/2 flow variables)")
    m.add_argument("--K", required=True, help="budget on E[T]: a rational 1 <= K <= L, e.g. 8 or 17/2")
    m.add_argument("--over", default="TC", choices=("TC", "DTC", "min"),
                   help="denominator of the sharp constant sup E KL / over (default TC)")
    m.add_argument("--method", default=None, choices=("cg", "highs", "highs-ipm"),
                   help="cg: column generation (default from L = 256 on); highs / highs-ipm: the full LP by "
                        "dual simplex / interior point (defaults: highs below 128, highs-ipm from 128 to 255)")
    m.add_argument("--json", action="store_true", help="one JSON object on stdout")
    m.add_argument("--out", default=None, metavar="LAW.json",
                   help="write the law as a random-size:law=file: JSON list of [\"p\", [sizes]]")
    m.set_defaults(func=_cmd_minimax)

