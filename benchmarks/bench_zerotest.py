"""Speed of the exact zero test on D-CHAIN (derived) at binary L = 8, per instance.

D-CHAIN is an identity, so every instance ends in ``check_eq``: a ball that straddles 0, then the
exact zero test (a coprime base of every numerator and denominator in the form; see
docs/certification.md). This script times what ``verify.claims.check.run_claim`` does per instance (both
sides, then the verdict) on a slice of the ``deep`` grid: for every chosen target and plan, the
perfect predictor and the six imperfect ones. ``--plans`` picks plan indices for every target of the
binary zoo; ``--sample K`` draws K (target, plan) pairs uniformly, an unbiased estimate of the
grid's mean cost per instance.

``--compare`` (issue 19 item 2) times the zero test's two paths in one process, alternated per
target and repeat: "before" (``logforms.SPLIT_COFACTORS = False``: coprime refinement of every
trial-division factor, leaves combined with fmpq arithmetic) and "after" (multi-limb integers split
over the form's primes, leaves combined as integers). ``--claim`` picks the claim (default D-CHAIN;
LC25.TRAIN, D-PROFILE, ... work too) and ``--zero-only`` reports the CPU seconds spent in
``verdicts._exact_reduction`` (the exact zero test) besides the whole instance.

Run from a checkout (the same script can time another checkout's engine):
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_zerotest.py [--plans 40,100 | --sample 20] [--repeat 3]
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/bench_zerotest.py ...
Each repeat starts from empty caches (targets, factorisations); per instance the best repeat is
kept (by CPU time: the process's own time, which other jobs on a loaded machine disturb much less
than wall time). Prints one line per target (mean and max CPU seconds per instance, verdict counts)
and the means over all instances (CPU and wall). Not a test: timings never gate CI.
"""
import argparse
import itertools
import random
import time

from distributions import zoo_grid
from proofs_numeric import registry
try:
    from verify.certify import logforms
    from verify.claims.check import CHECKERS, TargetCache, instances, side_value
except ImportError:  # a checkout from before the package was grouped by stage (the "before" figure)
    from verify import logforms
    from verify.check import CHECKERS, TargetCache, instances, side_value

N_PREDICTORS = 7  # deep profile: perfect + six imperfect


def _clear_caches():
    for name in ("_partial_factor", "_full_factor", "_is_prime"):
        f = getattr(logforms, name, None)
        if f is not None and hasattr(f, "cache_clear"):
            f.cache_clear()
    getattr(logforms, "_split_cache", {}).clear()


_ZERO_CPU = [0.0]  # CPU seconds inside verdicts._exact_reduction (with --compare)


def _time_exact_reduction():
    """Wrap verdicts._exact_reduction so its CPU time is summed in _ZERO_CPU."""
    from verify.certify import verdicts
    inner = verdicts._exact_reduction

    def timed(x):
        t = time.process_time()
        try:
            return inner(x)
        finally:
            _ZERO_CPU[0] += time.process_time() - t
    verdicts._exact_reduction = timed


def compare(claim, chosen: dict, repeat: int) -> None:
    """Before/after alternated per target and repeat (CPU s; whole instances and the zero test)."""
    _time_exact_reduction()
    tot = {False: [0.0, 0.0, 0], True: [0.0, 0.0, 0]}
    for spec, plans in chosen.items():
        line = []
        for r in range(repeat):
            for split in ((False, True) if r % 2 == 0 else (True, False)):
                logforms.SPLIT_COFACTORS = split
                _clear_caches()
                _ZERO_CPU[0] = 0.0
                rows = time_target(claim, spec, plans)
                counts = {}
                for row in rows:
                    counts[row[2]] = counts.get(row[2], 0) + 1
                cpu = sum(row[0] for row in rows)
                tot[split][0] += cpu
                tot[split][1] += _ZERO_CPU[0]
                tot[split][2] += len(rows)
                line.append(f"{'after' if split else 'before'} {cpu:6.2f}s (zero test {_ZERO_CPU[0]:5.2f}s) {counts}")
        print(f"{spec:<50} " + " | ".join(line), flush=True)
    b, a = tot[False], tot[True]
    print(f"ALL {claim.id} instances={a[2] // max(1, repeat)} x {repeat} repeats: "
          f"before {b[0]:.2f}s (zero test {b[1]:.2f}s)  after {a[0]:.2f}s (zero test {a[1]:.2f}s)  "
          f"speed-up whole {b[0] / max(a[0], 1e-9):.2f}x  zero test {b[1] / max(a[1], 1e-9):.2f}x", flush=True)
    logforms.SPLIT_COFACTORS = True


def time_target(claim, spec: str, plans: list) -> list:
    """[(cpu s, wall s, status, predictor, plan)] for each chosen plan × predictor on one target."""
    cache = TargetCache()
    out = []
    for k in plans:
        lo = k * N_PREDICTORS
        for inst in itertools.islice(instances(claim, "deep", cache, targets=[spec]), lo, lo + N_PREDICTORS):
            c0, t0 = time.process_time(), time.perf_counter()
            lhs = side_value(claim, claim.lhs, inst)
            rhs = side_value(claim, claim.rhs, inst)
            v = CHECKERS[claim.relation](lhs, rhs, prec_cap=4096)
            out.append((time.process_time() - c0, time.perf_counter() - t0, v.status, inst.predictor.spec, k))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", type=int, default=8)
    ap.add_argument("--plans", default="40,100", help="indices into the 'plans' grid (2^(L-1) compositions)")
    ap.add_argument("--targets", default=None, help="comma-free list separated by ';' (default: the binary zoo)")
    ap.add_argument("--sample", type=int, default=0,
                    help="instead of --plans: this many (target, plan) pairs drawn uniformly from the grid")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--claim", default="D-CHAIN", help="claim id (an identity: relation ==)")
    ap.add_argument("--q", type=int, default=2, help="alphabet size of the zoo grid (default 2)")
    ap.add_argument("--compare", action="store_true",
                    help="time the previous zero test (before) and the new one (after), alternated")
    args = ap.parse_args()
    claim = next((c for c in registry() if c.id == args.claim), None)
    if claim is None:
        ap.error(f"--claim: unknown claim id {args.claim!r}; accepted: ids listed by `python -m verify.cli claims`")
    specs = args.targets.split(";") if args.targets else zoo_grid(args.L, args.q)
    if args.sample:
        n_plans = 2 ** (args.L - 1)  # one plan per composition of L
        rng = random.Random(args.seed)
        drawn = sorted(rng.sample(range(len(specs) * n_plans), args.sample))
        chosen = {}
        for d in drawn:
            chosen.setdefault(specs[d // n_plans], []).append(d % n_plans)
    else:
        chosen = {spec: [int(p) for p in args.plans.split(",")] for spec in specs}
    if args.compare:
        compare(claim, chosen, max(1, args.repeat))
        return
    all_times, all_wall = [], []
    for spec, plans in chosen.items():
        best = None
        for _ in range(args.repeat):
            _clear_caches()
            rows = time_target(claim, spec, plans)
            best = rows if best is None else [min(a, b, key=lambda r: r[0]) for a, b in zip(best, rows)]
        times = [r[0] for r in best]
        all_times += times
        all_wall += [r[1] for r in best]
        counts = {}
        for r in best:
            counts[r[2]] = counts.get(r[2], 0) + 1
        worst = max(best, key=lambda r: r[0])
        print(f"{spec:<66} n={len(times):3d} cpu mean={sum(times) / len(times):7.3f}s max={worst[0]:7.3f}s "
              f"({worst[3]}, plan {worst[4]}) {counts}", flush=True)
    n = len(all_times)
    print(f"ALL  instances={n}  cpu mean={sum(all_times) / n:.3f} s/instance (total {sum(all_times):.1f} s)  "
          f"wall mean={sum(all_wall) / n:.3f} s/instance", flush=True)


if __name__ == "__main__":
    main()
