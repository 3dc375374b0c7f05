"""Speed of the exact engine (float mode): ``verify measure`` work on growing L.

Run:  .venv/bin/python benchmarks/bench_measure.py [--max-L 12]
Prints one line per instance: seconds for the full measure (marginals, measures, mixture law by
DP, expected KL), so growth with L can be read off. Not a test: timings never gate CI.
"""
import argparse
import time

from distributions import parse_target
from verify.engine.metrics import measure

CASES = [
    ("markov:L={L},q=2,flip=1/10", lambda L: "fixed:sizes=" + "+".join(["3"] * (L // 3)) if L % 3 == 0 else f"balanced:K={max(1, L // 3)}"),
    ("coloring3:L={L}", lambda L: "mdm:N=3"),
    ("dirichlet:L={L},q=2,alpha=1/2,seed=0", lambda L: "mdm:N=4"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-L", type=int, default=12)
    ap.add_argument("--exact-max-L", type=int, default=6, help="also time exact mode up to this L")
    args = ap.parse_args()
    for tspec, sspec in CASES:
        for L in range(4, args.max_L + 1, 2):
            if tspec.startswith("coloring3") and L > 10:
                continue
            spec, sampler = tspec.format(L=L), sspec(L)
            for exact in (False, True):
                if exact and L > args.exact_max_L:
                    continue
                target = parse_target(spec, exact=exact)
                t0 = time.perf_counter()
                measure(target, sampler)
                dt = time.perf_counter() - t0
                print(f"{spec:<40} {sampler:<24} {'exact' if exact else 'float':<5} {dt:8.3f} s", flush=True)


if __name__ == "__main__":
    main()
