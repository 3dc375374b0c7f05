"""Command line: ``verify claims | measure | check | search | report`` (the contract in the README).

Exit status: 0 success; 1 ``check`` (``report``, ``replay``) found a refutation not recorded as known; 2 bad input (one
line on stderr naming the field and what is accepted, nothing written); 3 internal error (a bug:
traceback kept); 130 interrupted by Ctrl-C, 143 by SIGTERM (one line; the outputs as before the
run or complete, never a mix). See docs/errors.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import traceback

from ..errors import SpecError, Undecided
from ..output import run_interruptible

# Heavy modules (numpy, sympy, flint) are imported inside main's try, so that Ctrl-C during
# start-up also ends with one line and exit 130.

MAX_ERROR_CHARS = 600

MEASURE_KEYS = ("H", "TC", "DTC", "sum_I", "expected_kl", "mixture_kl", "tv", "ser", "ter_gap",
                "gen_logppl_gap", "expected_iterations", "expected_iterations_sampler")
MEASURE_KEYS += ("eps_train",)  # LC25's learning error (None for adaptive rules); learning_levels in --json
# Wainwright 2026's quantities from the profile (docs/w26.md), shown for every target with a profile.
W26_KEYS = ("H01", "H_card_total", "TSE", "DHW", "C_UGC", "P_UGC", "UGC_ratio")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise SpecError("arguments", message, f"see '{self.prog} --help'")


def _measure(args) -> int:
    from distributions.registry import build_plan, plan_seconds, plan_spec, refuse_plan

    from ..guard import progress, refuse_run
    from ..engine.metrics import measure, measure_target
    from ..engine.samplers import parse_sampler
    from ..engine.predictors import parse_predictor
    from ..engine.target import make_target

    from ..errors import TooLarge
    from ..guard import TooSlow
    from ..engine.rules import is_rule, parse_rule

    # Every input is checked (and sized) before anything is built.
    plan = plan_spec(args.target, "target")
    try:
        need = refuse_plan(plan, args.exact, "target")
    except (TooLarge, TooSlow):
        # Too long to enumerate: the profile engine answers what depends only on h(m), if the
        # family has a closed-form profile; otherwise the refusal stands.
        from ..engine.profile.entropy import has_closed_form

        if not has_closed_form(plan):
            raise
        return _measure_profile(args, plan)
    if args.sampler is None and args.predictor is not None:
        raise SpecError("--predictor", "needs a --sampler", "a sampler spec with --sampler")
    pred = parse_predictor(args.predictor)  # before the sampler: a schedule may be costly to build
    if hasattr(pred, "check_shape"):  # a table predictor is for one (q, L)
        pred.check_shape(plan.q, plan.L, "predictor.file")
    if args.sampler is None:
        sched = None
    elif is_rule(args.sampler):
        sched = parse_rule(args.sampler, plan.L)
    else:
        sched = parse_sampler(args.sampler, plan.L)
    need, seconds = refuse_run(plan, sched, args.exact, plan_seconds(plan, args.exact))
    # progress only now: every input has been checked (no progress line before an error line)
    progress(f"building target {plan.family} (q={plan.q}, L={plan.L})", need, seconds)
    target = make_target(build_plan(plan, args.exact), plan.q, plan.L, spec=args.target.strip(), name=plan.family,
                         params=plan.params, field_name=plan.where, exact=args.exact)
    exact_target = None
    if sched is not None and not args.exact and getattr(sched, "adaptive", False):
        exact_target = _exact_twin(plan, target)
    out = None
    if args.exact and sched is not None and not getattr(sched, "adaptive", False):
        from ..engine.floattwin import measure_enclosed  # mixture-law metrics from the float DP

        out = measure_enclosed(target, sched, pred)
    if out is None:
        out = measure_target(target) if sched is None else measure(target, sched, pred, exact_target)
    out.update(_w26(target, args.exact))
    header = [f"target   {target.spec}  (q={target.q}, L={target.L})  engine: {out.get('engine', 'enumeration')}"]
    if "sampler" in out:
        header.append(f"sampler  {out['sampler']}   predictor {out['predictor']}   off-support: {out['off_support']}")
    footer = ()
    if out.get("enclosed_from_float"):
        footer = (f"enclosed from the float DP (radius γ_N = {out['float_law_radius']:.3g}, N = "
                  f"{out['float_law_ops']}): {', '.join(out['enclosed_from_float'])}; the rest exact",)
    return _print_measure(args, out, header, footer)


def _w26(target, exact: bool) -> dict:
    """Wainwright's quantities from the enumerated profile (docs/w26.md)."""
    from ..engine.profile.entropy import enumerated_profile
    from ..engine.profile.wainwright import measure_quantities

    return measure_quantities(enumerated_profile(target), exact and target.exact)


def _exact_twin(plan, target):
    """The exact law of a float target, on which an adaptive rule's branches are decided (exact
    ties of the law stay ties), or None when it would not fit in memory: the branches are then
    decided on the float entries read exactly (docs/adaptive.md)."""
    from distributions.registry import build_plan, refuse_plan

    from ..engine.target import make_target
    from ..errors import TooLarge
    from ..guard import TooSlow

    try:
        refuse_plan(plan, True, "target")
    except (TooLarge, TooSlow):
        return None
    return make_target(build_plan(plan, True), plan.q, plan.L, spec=target.spec, name=target.name,
                       params=plan.params, field_name=plan.where, exact=True)


def _print_measure(args, out: dict, header: list, footer: tuple = ()) -> int:
    """The measured quantities as JSON, or as a table with each exact enclosure beside its value."""
    from ..claims.serialize import cell, enclosure, jsonable, shown

    data = jsonable(out)
    if args.exact:
        encs = {k: enclosure(out[k]) for k in MEASURE_KEYS + W26_KEYS if out.get(k) is not None}
        data["enclosures"] = {k: e for k, e in encs.items() if e is not None}  # W26 floats past L = 256
        data["exact"] = True
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print("\n".join(header))
    print("all information quantities in nats; KL is data first, KL(p ‖ ·)")
    width = max(len(k) for k in MEASURE_KEYS)
    for k in MEASURE_KEYS + ("max_iterations",) + W26_KEYS:
        if k not in out:
            continue
        line = f"  {k:<{width}}  {cell(shown(k, out.get(k)), 10)}"
        if args.exact and k in data.get("enclosures", {}):
            enc = data["enclosures"][k]
            line += "   " + (enc.get("exact") or enc.get("ball"))
        print(line)
    for line in footer:
        print(line)
    from ..engine.profile.wainwright import measure_lines

    for line in measure_lines(out):
        print(line)
    return 0


def _measure_profile(args, plan) -> int:
    from ..engine.profile.entropy import measure_profile

    out = measure_profile(args.target, args.sampler, args.exact, args.predictor)
    header = [f"target   {plan.family} (q={plan.q}, L={plan.L})  engine: profile ({out['profile_form']} closed form)"]
    if "sampler" in out:
        header.append(f"sampler  {out['sampler']}   predictor perfect")
    footer = ("  omitted: " + ", ".join(out["omitted"]["metrics"]) + " — " + out["omitted"]["reason"],)
    return _print_measure(args, out, header, footer)


def one_line(text: str) -> str:
    """The error on one line, cut to MAX_ERROR_CHARS (user values are already shortened)."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


def build_parser() -> argparse.ArgumentParser:
    from .commands import add_commands

    p = _Parser(prog="verify", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    m = sub.add_parser("measure", help="every metric of one sampler on one target")
    m.add_argument("--target", required=True, help="target spec, e.g. markov:L=6,q=2,flip=0.1 or file:law.json")
    m.add_argument("--sampler", default=None,
                   help="sampler spec, e.g. fixed:sizes=2+2, mdm:N=3, random-size:law=grow,r=1, "
                        "plan:blocks=0+2/1/3, plan:bisect=2, entropy-sum:eta=log(2), "
                        "bernoulli:rho=1[,start=single|parallel][,finish=single|parallel], "
                        "bernoulli:grid=1/4+1/2+3/4, random-size:law=psi-odds,rho=1 (omit: target only)")
    m.add_argument("--predictor", default=None, help="perfect (default) | mix:lam=1/10 | temp:beta=2 | "
                   "noise:sigma=1/2,seed=3 | file:PRED.npy or file:PRED.json (your own table, docs/api.md)")
    m.add_argument("--exact", action="store_true", help="exact rationals; print certified enclosures")
    m.add_argument("--json", action="store_true", help="one JSON object on stdout")
    m.set_defaults(func=_measure)

    add_commands(sub)
    _add_search(sub)
    from .cone_cli import add_commands as add_cone_commands  # verify worst (docs/cone.md)
    add_cone_commands(sub)
    from .minimax_cli import add_commands as add_minimax
    add_minimax(sub)
    from .replay_cli import add_commands as add_replay  # verify replay WITNESS.json
    add_replay(sub)
    return p


def main(argv=None) -> int:
    """The command line. ``argv=None`` is the real process (``verify``, ``python -m verify.cli``):
    signals are then handled up to the process's last instruction (``output.run_interruptible``);
    with a list (tests, embedding) the previous signal handlers are restored on return."""
    return run_interruptible(_main, argv, process=argv is None)


def _main(argv) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except Undecided as err:  # a quantity stayed open at the precision cap: say so, no traceback
        print(f"verify: undecided: {one_line(str(err))}", file=sys.stderr)
        return 2
    except SpecError as err:
        print(f"verify: error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception:  # a bug, not bad input: keep the traceback, and an exit status of its own
        traceback.print_exc()
        print("verify: internal error (exit 3): please report it with the command line above", file=sys.stderr)
        return 3


def _add_search(sub) -> None:
    from .search_cli import add_commands as add_search_commands

    add_search_commands(sub)


if __name__ == "__main__":
    sys.exit(main())
