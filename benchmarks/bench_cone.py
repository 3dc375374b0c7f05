"""Speed of the cone engine (docs/cone.md): exact sharp constants over all laws at large L.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/bench_cone.py [--L 100000]
Prints, per sampler, the seconds for its exact start weights and for the L ray values and the sharp
constants over TC, DTC and min(TC, DTC) (``verify worst``), and the all-law claims of the registry.
Not a test.
"""
import argparse
import time

from verify.engine.profile.cone import worst_case
from verify.engine.samplers import size_law_of

SAMPLERS = ["balanced:K=17", "count:N=1000", "random-size:law=uniform,K=17", "random-size:law=odds,rho=1",
            "random-size:law=grow,r=1,randomized=true", "random-size:law=shrink,r=1/2,randomized=true"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", type=int, default=100_000)
    ap.add_argument("--claims", action="store_true", help="also time the built-in all-law claims")
    args = ap.parse_args()
    for spec in SAMPLERS:
        t0 = time.perf_counter()
        law = size_law_of(spec, args.L)
        law.start_weights(True)
        t1 = time.perf_counter()
        outs = {over: worst_case(law, over) for over in ("TC", "DTC", "min")}
        t2 = time.perf_counter()
        shown = "  ".join(f"{o}: {v['sup_float']:.4g} @k={v['k']}" for o, v in outs.items())
        print(f"L={args.L} {spec:<45} weights {t1 - t0:6.2f} s   3 sharp constants {t2 - t1:6.2f} s   {shown}")
    for N, L in ((17, 1000), (17, 4000)):
        t0 = time.perf_counter()
        worst_case(size_law_of(f"mdm:N={N}", L), "TC")
        print(f"L={L} mdm:N={N} (exact weights over N^L) {time.perf_counter() - t0:6.2f} s")
    if args.claims:
        from proofs_numeric import registry
        from verify.claims.check import run_claim

        for c in registry():
            if c.grid == "all-laws":
                t0 = time.perf_counter()
                res = run_claim(c, "ci")
                print(f"{c.id:<24} {len(res.rows):6d} (L, sampler) pairs  {time.perf_counter() - t0:6.2f} s  "
                      f"{res.counts if c.checked else res.summary.get('headline', '')}")


if __name__ == "__main__":
    main()
