"""Speed of the adaptive chain: ``verify measure`` with entropy-sum on binary Markov targets.

Runs the command line in a subprocess per (L, η) and reports wall time and the number of chain
states visited. Usage: python benchmarks/bench_adaptive.py [L ...]  (default: 8 10 12).
Timings depend on the machine's load; report them with that caveat.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

ETAS = ("0.4", "log(2)", "2")


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(L: int, eta: str) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the child, JSON output)."""
    cmd = [sys.executable, "-m", "verify.cli", "measure", "--target", f"markov:L={L},q=2,flip=1/10",
           "--sampler", f"entropy-sum:eta={eta}", "--json"]
    t0, c0 = time.perf_counter(), _child_cpu()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, _child_cpu() - c0, json.loads(out.stdout)


def main(argv) -> None:
    sizes = [int(a) for a in argv] or [8, 10, 12]
    print(f"{'L':>3} {'eta':>8} {'wall s':>8} {'CPU s':>8} {'states':>8} {'E_p[T]':>8} {'E_q[T]':>8} {'E KL':>10}")
    prev: dict = {}
    for L in sizes:
        for eta in ETAS:
            dt, cpu, d = run(L, eta)
            grow = f"  CPU x{cpu / prev[eta]:.1f} vs previous L" if eta in prev else ""
            prev[eta] = cpu
            print(f"{L:>3} {eta:>8} {dt:>8.2f} {cpu:>8.2f} {d['states']:>8} {d['expected_iterations']:>8.3f} "
                  f"{d['expected_iterations_sampler']:>8.3f} {d['expected_kl']:>10.5f}{grow}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
