"""The exact engine against its own operation count (float, one core): the cases of docs/engine.md.

Run:  .venv/bin/python benchmarks/bench_speed.py [--repeat 3] [--only SUBSTR] [--baseline PATH]

Each case runs ``verify.engine.metrics.measure`` (what ``verify measure`` does after parsing) in a fresh
worker process, so peak memory is that case's own. Printed per case: wall seconds and CPU
seconds (best of ``--repeat`` for the cheap cases, one run for the heavy ones), nanoseconds of CPU
per DP product, where the DP's products are Σ_t C(L, n_t) C(n_t, s_t) q^{n_t} over its block
transitions (n_t revealed after the block, s_t its size), the worker's peak RSS above its RSS
after building the target (and loading numba's kernel, when the DP uses it), with ``--traced``
the tracemalloc peak of one more run (numpy's buffers: the data), and the size guard's estimate
``laws.measure_peak_bytes`` (the DP's ``law_peak_bytes`` plus the joint, the marginal layers and
the measurement's other arrays). The start-up line times the CLI itself
(``python -m verify.cli measure`` at L = 4). ``--baseline PATH`` runs the same cases on another
checkout (for example the code before this engine) for a before/after table; it only needs
``distributions`` and ``verify.engine.metrics.measure`` there.

CPU seconds are the fair figure on a shared machine: wall time counts the time other processes
hold the cores. Not a test: timings never gate CI.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (target, sampler, exact, repeat?) — repeat=False for the heavy cases (one run each)
CASES = [
    ("markov:L=12,q=2,flip=0.1", "fixed:sizes=3+3+3+3", False, True),
    ("markov:L=16,q=2,flip=0.1", "balanced:K=4", False, False),
    ("markov:L=14,q=2,flip=0.1", "mdm:N=3", False, False),
    ("coloring3:L=10", "mdm:N=3", False, True),
    ("markov:L=8,q=2,flip=0.1", "fixed:sizes=2+2+2+2", True, True),
    ("markov:L=8,q=2,flip=0.1", "mdm:N=3", True, True),
]
TARGETS = {  # the targets, seconds (float, one core)
    ("markov:L=12,q=2,flip=0.1", "fixed:sizes=3+3+3+3", False): 0.3,
    ("markov:L=16,q=2,flip=0.1", "balanced:K=4", False): 15,
    ("markov:L=14,q=2,flip=0.1", "mdm:N=3", False): 15,
    ("coloring3:L=10", "mdm:N=3", False): 1,
}

WORKER = r"""
import json, resource, sys, time
from distributions import parse_target
from verify.engine.metrics import measure
spec, sampler, exact = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
target = parse_target(spec, exact=exact)
try:  # load numba and the cached kernel first when the DP will use it: code, not data
    from verify.engine.laws import dp_ops
    from verify.engine.layers import COMPILED_MIN_TOTAL, warm_kernel
    from verify.engine.samplers import parse_sampler
    if not exact and dp_ops(parse_sampler(sampler, target.L), target.q) >= COMPILED_MIN_TOTAL:
        warm_kernel()
except ImportError:  # a checkout without the layered engine
    pass
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
traced = sys.argv[4] == "1"
if traced:  # numpy's buffers are traced: the data the estimate is about (slower, timings unused)
    import tracemalloc
    tracemalloc.start()
c0, t0 = time.process_time(), time.perf_counter()
measure(target, sampler)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = tracemalloc.get_traced_memory()[1] if traced else None
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "cpu": cpu, "rss_kib": rss1, "rss_above_kib": rss1 - rss0, "traced": peak}))
"""


def run_case(tree: Path, spec: str, sampler: str, exact: bool, traced: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", WORKER, spec, sampler, "1" if exact else "0",
                          "1" if traced else "0"],
                         env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "verify.cli", "measure", "--target", "markov:L=4,q=2,flip=0.1",
                    "--sampler", "fixed:sizes=2+2"], env=env, cwd=tree, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu}


def dp_ops_and_estimate(spec: str, sampler: str, exact: bool):
    from verify.engine.laws import dp_ops, measure_peak_bytes
    from verify.engine.samplers import parse_sampler

    name, _, rest = spec.partition(":")
    kv = dict(item.split("=", 1) for item in rest.split(",")) if rest else {}
    L = int(kv["L"])
    q = int(kv.get("q", 3 if name.startswith("coloring3") else 2))
    sch = parse_sampler(sampler, L)
    return dp_ops(sch, q), measure_peak_bytes(sch, q, exact)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs for the cheap cases")
    ap.add_argument("--only", default=None, help="run the cases whose target or sampler contains this")
    ap.add_argument("--baseline", default=None, help="another checkout to time the same cases on")
    ap.add_argument("--skip-heavy", action="store_true", help="only the cheap cases (and start-up)")
    ap.add_argument("--baseline-only", action="store_true", help="time only the --baseline checkout")
    ap.add_argument("--traced", action="store_true",
                    help="one more run per float case under tracemalloc: the traced peak of the data")
    args = ap.parse_args()
    trees = [] if args.baseline_only else [("this", ROOT)]
    trees += [("baseline", Path(args.baseline).resolve())] if args.baseline else []
    print(f"{'tree':<8} {'case':<44} {'mode':<5} {'wall s':>8} {'cpu s':>8} {'target':>7} "
          f"{'ns/op':>7} {'DP ops':>9} {'RSS+ MiB':>9} {'traced MiB':>10} {'est MiB':>8}", flush=True)
    for label, tree in trees:
        for spec, sampler, exact, cheap in CASES:
            if args.only and args.only not in spec and args.only not in sampler:
                continue
            if args.skip_heavy and not cheap:
                continue
            runs = [run_case(tree, spec, sampler, exact) for _ in range(args.repeat if cheap else 1)]
            best = min(runs, key=lambda r: r["cpu"])
            ops, est = dp_ops_and_estimate(spec, sampler, exact)
            tr = run_case(tree, spec, sampler, exact, True)["traced"] if args.traced and not exact else None
            trs = f"{tr / 2**20:10.0f}" if tr is not None else f"{'':>10}"
            goal = TARGETS.get((spec, sampler, exact))
            print(f"{label:<8} {spec + ' ' + sampler:<44} {'exact' if exact else 'float':<5} "
                  f"{best['wall']:8.2f} {best['cpu']:8.2f} {goal if goal else '':>7} "
                  f"{best['cpu'] / ops * 1e9:7.2f} {ops:9.3g} {best['rss_above_kib'] / 1024:9.0f} {trs} "
                  f"{est / 2**20:8.0f}", flush=True)
        if not args.only or "startup" in args.only:
            runs = [startup(tree) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["cpu"])
            print(f"{label:<8} {'start-up: verify measure (L=4)':<44} {'float':<5} {best['wall']:8.2f} "
                  f"{best['cpu']:8.2f} {0.4:>7}", flush=True)


if __name__ == "__main__":
    main()
