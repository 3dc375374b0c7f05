"""Speed of FG25's exact quantities (issue: token versus sequence error). Not a test.

Run:  .venv/bin/python benchmarks/bench_fg25.py [--skip-hmm] [--skip-coloring-L10] [--n-min-L 16]
Cases, each measured *exactly* (fmpq laws, certified log forms):
  1. hmm:L=8,q=2,states=2 and states=3 under mdm:N=4 — mixture law by the DP engine, SER,
     TER gap, generative log-perplexity gap;
  2. coloring3:L=10 under mdm:N=3 — the same through the generic DP engine (the speed helper's
     target), and its SER by the gap recursion (verify/engine/coloring_ser.py) for comparison;
  3. N_min(L, δ) on coloring3 for δ ∈ {1/10, 1/5} by the gap recursion, L up to --n-min-L.
Timings depend on machine load; record them in notes, never in tests.
"""
import argparse
import time

from flint import fmpq

from distributions import parse_target
from verify.certify.verdicts import enclose
from verify.engine.coloring_ser import coloring3_ser, n_min_exact
from verify.claims.instances import Instance, Workspace
from verify.engine.samplers import parse_sampler


def _show(v) -> str:
    if isinstance(v, fmpq):
        return f"{float(int(v.p) / int(v.q)):.6g} (exact rational)"
    return enclose(v, 128).str(12, radius=True)


def exact_measure(spec: str, sampler: str) -> None:
    t0 = time.perf_counter()
    tgt = parse_target(spec, exact=True)
    inst = Instance(Workspace(tgt), parse_sampler(sampler, tgt.L))
    ser = inst.value("ser")
    t1 = time.perf_counter()
    ter = inst.value("ter_gap")
    gap = inst.value("gen_logppl_gap") if ser == 0 else None
    t2 = time.perf_counter()
    print(f"{spec:<32} {sampler:<10} mixture law {t1 - t0:7.2f} s  metrics {t2 - t1:6.2f} s  "
          f"SER={_show(ser)}  TER gap={_show(ter)}  gen log-ppl gap={_show(gap) if gap is not None else 'inf'}",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-coloring-L10", action="store_true", help="skip the generic-engine coloring3:L=10 run")
    ap.add_argument("--skip-hmm", action="store_true", help="skip the exact hmm:L=8 runs (slow on the current engine)")
    ap.add_argument("--n-min-L", type=int, default=16)
    args = ap.parse_args()
    for states in (() if args.skip_hmm else (2, 3)):
        exact_measure(f"hmm:L=8,q=2,states={states},seed=0", "mdm:N=4")
    t0 = time.perf_counter()
    ser = coloring3_ser(10, [fmpq(1, 3)] * 3)
    print(f"coloring3:L=10 mdm:N=3 SER by the gap recursion: {_show(ser)}  {time.perf_counter() - t0:.3f} s", flush=True)
    if not args.skip_coloring_L10:
        exact_measure("coloring3:L=10", "mdm:N=3")
    for L in (10, args.n_min_L):
        for d in (fmpq(1, 10), fmpq(1, 5)):
            t0 = time.perf_counter()
            r = n_min_exact(L, d)
            print(f"N_min(L={L}, delta={d}) = {r['N_min']}  bracket {r['bracket']}  {time.perf_counter() - t0:.2f} s",
                  flush=True)


if __name__ == "__main__":
    main()
