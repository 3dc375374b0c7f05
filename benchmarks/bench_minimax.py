"""Minimax schedules (docs/minimax.md): wall time and peak memory of the LP and of its exact
certificate, for column generation (``cg``, the default) and the full LP by HiGHS (dual simplex ``highs``, interior point ``highs-ipm``).

    PYTHONPATH=$PWD python benchmarks/bench_minimax.py [--L 64 256 1024] [--K log2] [--over TC]
        [--methods cg highs-ipm] [--repeat 1] [--time-limit 1800]

Each (L, method) runs in a fresh process so that its peak resident memory (ru_maxrss) and its CPU
time (user + system, all threads) are its own; the methods alternate within each L, ``--repeat``
times, so that a change of machine load hits both. K defaults to log2 L. A run that hits the time
limit is reported as failed.

Figures (docs/minimax.md, "Figures"; TC, K = log2 L; two cores shared with many other jobs, load
average 9 to 15, so compare the CPU column; one run each, cg and highs-ipm alternated):

    L     method  K   LP wall s  cert s  CPU s  peak MiB  upper        upper-lower  support
    256   cg      8     13.22    0.14     2.0     98      0.288461000  6.99e-14      256
    256   ipm     8     15.31    0.14     2.0    136      0.288461000  9.96e-14      256
    512   cg      9    117.72    0.49    10.9    113      0.287013507  3.25e-13      512
    512   ipm     9    460.59    0.41    33.6    268      0.287013507  4.70e-14      512
    1024  cg     10    896.00    0.53    87.3    162      0.285949217  5.67e-13     1024
    1024  ipm    10    not finished after 40 min of CPU (an earlier run)
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from fractions import Fraction
from verify.engine.profile.minimax import minimax
L, K, over, method, limit = int(sys.argv[1]), Fraction(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
import scipy.optimize  # imported before the clock starts
t0 = time.perf_counter()
r = minimax(L, K, over, method, check_size=False, time_limit=limit or None)
ru = resource.getrusage(resource.RUSAGE_SELF)
out = {"L": L, "K": str(K), "over": over, "method": method, "lp_s": r.seconds["lp"],
       "cpu_s": ru.ru_utime + ru.ru_stime,
       "certify_s": r.seconds["certify"], "total_s": time.perf_counter() - t0,
       "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
       "upper": float(r.upper), "lower": float(r.lower), "gap": float(r.upper - r.lower), "support": r.support}
print(json.dumps(out))
"""


def run(L: int, K: str, over: str, method: str, limit: float) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(L), K, over, method, str(limit)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"L": L, "method": method, "error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--L", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--K", default="log2", help="a rational budget, or log2 (= log2 L, rounded)")
    ap.add_argument("--over", default="TC", choices=("TC", "DTC", "min"))
    ap.add_argument("--methods", nargs="+", default=["cg", "highs-ipm"])
    ap.add_argument("--repeat", type=int, default=1, help="alternate the methods this many times per L")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="seconds given to HiGHS (0: none); a run stopped there is reported as failed")
    args = ap.parse_args()
    print(f"{'L':>5} {'method':>10} {'K':>5} {'LP s':>8} {'cert s':>7} {'CPU s':>7} {'peak MiB':>9} {'upper':>12} "
          f"{'upper-lower':>11} {'support':>7}")
    for L in args.L:
        K = str(round(math.log2(L))) if args.K == "log2" else args.K
        for m in args.methods * args.repeat:
            r = run(L, K, args.over, m, args.time_limit)
            if "error" in r:
                print(f"{L:>5} {m:>10} {K:>5}  failed: {r['error']}", flush=True)
                continue
            print(f"{L:>5} {m:>10} {K:>5} {r['lp_s']:>8.2f} {r['certify_s']:>7.2f} {r['cpu_s']:>7.1f} {r['peak_MiB']:>9.0f} "
                  f"{r['upper']:>12.9f} {r['gap']:>11.2e} {r['support']:>7}", flush=True)


if __name__ == "__main__":
    main()
