"""Side-evaluation overhead of the deep proof check (issue 19 items 2–3): CPU seconds of a sequence
of claims run on one shared ``TargetCache``, for two source trees, alternated.

Each (tree, repeat) runs in a child process with ``PYTHONPATH`` set to the tree, so "before" is a
checkout of the old code (default /work/main) and "after" this repository. The child runs every
claim of the sequence on every target, one ``TargetCache`` for the whole sequence (as a proof check
run shares it), and reports, per claim, CPU seconds (time.process_time) of the whole claim and of the evaluation of its sides
alone (``check.side_value``, float twins included; the exact zero test excluded) and the verdict
counts;
the parent prints them side by side and checks that the counts agree.

Usage: python benchmarks/bench_overhead.py [--before PATH] [--after PATH] [--repeat N]
       [--claims D-CHAIN,D-PROFILE,...] [--targets SPEC;SPEC]
Timings depend on the machine's load (CPU seconds are less affected than wall time).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CLAIMS = "D-CHAIN,D-PROFILE,D-MIX,LC25.T1,LC25.TRAIN"
TARGETS = "markov:L=7,q=2,flip=1/10;markov:L=5,q=3,flip=1/10"

CHILD = r"""
import json, sys, time
import verify.claims.check as check
from proofs_numeric import claim_by_id
claims, targets = sys.argv[1].split(","), sys.argv[2].split(";")
cache = check.TargetCache()
out = {}
sides = [0.0]
_side_value = check.side_value


def timed_side_value(*a, **k):  # CPU inside the sides' evaluation (the part this issue is about)
    t = time.process_time()
    try:
        return _side_value(*a, **k)
    finally:
        sides[0] += time.process_time() - t


check.side_value = timed_side_value
for cid in claims:
    claim = claim_by_id(cid)
    t, sides[0] = time.process_time(), 0.0
    rows = check.claim_rows(claim, "deep", cache, targets=targets)
    out[cid] = {"cpu": time.process_time() - t, "sides": sides[0], "rows": len(rows),
                "counts": check.ClaimResult(claim, "deep", rows).counts}
import resource
out["_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(tree: str, claims: str, targets: str) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    res = subprocess.run([sys.executable, "-c", CHILD, claims, targets], cwd=tree, env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"child failed in {tree}:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="/work/main")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--claims", default=CLAIMS)
    ap.add_argument("--targets", default=TARGETS)
    a = ap.parse_args(argv)
    runs: dict = {"before": [], "after": []}
    for _ in range(a.repeat):  # alternated: before, after, before, after, ...
        for mode, tree in (("before", a.before), ("after", a.after)):
            runs[mode].append(run(tree, a.claims, a.targets))
    print(f"targets: {a.targets}   repeats: {a.repeat} (min CPU s shown)")
    print(f"{'claim':<12} {'rows':>6} {'before s':>9} {'after s':>9} {'ratio':>6} "
          f"{'sides before':>13} {'sides after':>12} {'ratio':>6}  counts")
    tot = {"before": 0.0, "after": 0.0, "sb": 0.0, "sa": 0.0}
    same = True
    for cid in a.claims.split(","):
        b = min(r[cid]["cpu"] for r in runs["before"])
        f = min(r[cid]["cpu"] for r in runs["after"])
        sb = min(r[cid]["sides"] for r in runs["before"])
        sa = min(r[cid]["sides"] for r in runs["after"])
        tot["before"] += b
        tot["after"] += f
        tot["sb"] += sb
        tot["sa"] += sa
        cb, ca = runs["before"][0][cid], runs["after"][0][cid]
        agree = cb["counts"] == ca["counts"] and cb["rows"] == ca["rows"]
        same &= agree
        print(f"{cid:<12} {ca['rows']:>6} {b:>9.2f} {f:>9.2f} {b / max(f, 1e-9):>6.2f} "
              f"{sb:>13.2f} {sa:>12.2f} {sb / max(sa, 1e-9):>6.2f}  "
              f"{ca['counts']}{'' if agree else '  DIFFERS from before: ' + str(cb['counts'])}")
    print(f"{'total':<12} {'':>6} {tot['before']:>9.2f} {tot['after']:>9.2f} {tot['before'] / max(tot['after'], 1e-9):>6.2f} "
          f"{tot['sb']:>13.2f} {tot['sa']:>12.2f} {tot['sb'] / max(tot['sa'], 1e-9):>6.2f}")
    rss = {mode: max(r["_maxrss_mb"] for r in runs[mode]) for mode in runs}
    print(f"peak RSS of a child: before {rss['before']:.0f} MB, after {rss['after']:.0f} MB")
    print("verdict and row counts identical" if same else "VERDICT OR ROW COUNTS DIFFER")


if __name__ == "__main__":
    main()
