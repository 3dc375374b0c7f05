"""A speed switch on and off, alternated in one process, on deep slices (claim, target): CPU seconds
and the verdict counts of both settings (they must agree; a difference is printed and exits 1).

Switches (module attribute = value when "off"; "on" is the code's default):

* ``grouped``  ``verify.certify.verdicts.GROUPED_ZERO_TEST = False``: every tie reduces the whole form
  instead of the leaves grouped by |coefficient| (remembered per group).
* ``lazy``     ``verify.claims.symbolic.EAGER_MAX_TERMS = 10**9``: claim sides merge every log form
  eagerly instead of combining large ones lazily.
* ``context-free``  ``verify.engine.laws.CONTEXT_FREE_SHORTCUT = False``: the exact mixture law always
  runs the DP, also for a predictor that ignores the context (the product of its conditionals).

    PYTHONPATH=$PWD python benchmarks/bench_switches.py --switch grouped [--repeat 2]
        [--slices 'LC25.TRAIN@hmm:L=8,q=2,states=2,seed=4;D-CHAIN@markov:L=8,q=2,seed=2']

Each run starts from a fresh ``TargetCache`` (and an empty group memory: the forms are rebuilt).
Figures: see the closing note of issue 19 (not a test: timings never gate CI).
"""
from __future__ import annotations

import argparse
import sys
import time

SWITCHES = {
    "grouped": ("verify.certify.verdicts", "GROUPED_ZERO_TEST", False),
    "lazy": ("verify.claims.symbolic", "EAGER_MAX_TERMS", 10**9),
    "context-free": ("verify.engine.laws", "CONTEXT_FREE_SHORTCUT", False),
}
DEFAULT_SLICES = ("LC25.TRAIN@hmm:L=8,q=2,states=2,seed=4;LC25.T1@hmm:L=8,q=2,states=2,seed=4;"
                  "D-CHAIN@markov:L=7,q=2,seed=2;D-MIX@copy:L=8,delta=1/3;D-PROFILE@hmm:L=8,q=2,states=2,seed=4;"
                  "WLL26.T1@markov:L=8,q=2,flip=1/10")


def run(claim, spec: str) -> tuple:
    from verify.claims.check import ClaimResult, TargetCache, claim_rows

    c0 = time.process_time()
    rows = claim_rows(claim, "deep", TargetCache(), targets=[spec])
    return time.process_time() - c0, ClaimResult(claim, "deep", rows).counts


def main(argv=None) -> int:
    import importlib

    from proofs_numeric import claim_by_id

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--switch", required=True, choices=sorted(SWITCHES))
    ap.add_argument("--slices", default=DEFAULT_SLICES, help="';'-separated CLAIM@TARGET")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    mod_name, attr, off = SWITCHES[args.switch]
    mod = importlib.import_module(mod_name)
    on = getattr(mod, attr)
    status = 0
    print(f"{'slice':60s} {'on CPU s':>9s} {'off CPU s':>9s}  verdicts")
    for item in args.slices.split(";"):
        cid, spec = item.split("@", 1)
        claim = claim_by_id(cid)
        best = {}
        counts = {}
        for _ in range(max(1, args.repeat)):
            for name, value in (("on", on), ("off", off)):
                setattr(mod, attr, value)
                try:
                    cpu, counts[name] = run(claim, spec)
                finally:
                    setattr(mod, attr, on)
                best[name] = min(cpu, best.get(name, cpu))
        same = counts["on"] == counts["off"]
        print(f"{item[:60]:60s} {best['on']:9.2f} {best['off']:9.2f}  {counts['on']}"
              + ("" if same else f"  DIFFER off: {counts['off']}"), flush=True)
        status |= not same
    return status


if __name__ == "__main__":
    sys.exit(main())
