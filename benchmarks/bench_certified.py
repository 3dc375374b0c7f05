"""Certified at float cost: seconds in float, with enclosures, and exact, alternated in one run.

Measure cases (what ``verify measure`` computes after parsing, target built inside the timing):

* float      — ``metrics.measure`` on the float target (``verify measure``);
* enclosures — ``floattwin.measure_enclosed`` on the exact target (``verify measure --exact`` now:
  the mixture-law metrics as certified balls of the float DP, the rest exact);
* exact      — ``metrics.measure`` on the exact target (``--exact`` before: the rational DP).

Claim slices (one small deep slice per claim family that uses the mixture-law metrics): the proof
check's ``claim_rows`` (every instance's verdict; not the claim's summary, which is cached across
runs) with the float path (enclosures) and with it switched off (exact), with the verdict counts of
both (they must agree).

CPU seconds of this process (``time.process_time``) and wall seconds, modes alternated in every
repeat so that a loaded machine slows all of them alike.

    PYTHONPATH=$PWD python benchmarks/bench_certified.py [--repeat 2] [--skip-heavy] [--only-claims]
"""
from __future__ import annotations

import argparse
import gc
import time

MEASURE_CASES = [
    ("markov:L=12,q=2,flip=1/10", "fixed:sizes=3+3+3+3", True),
    ("dirichlet:L=10,q=2,alpha=1/2,seed=1", "fixed:sizes=3+3+4", False),
    ("markov:L=8,q=2,flip=1/10", "mdm:N=3", False),
]

# (claim id, target specs): small deep slices, one per claim family using mixture-law metrics
CLAIM_SLICES = [
    ("D-MIX", ["markov:L=7,q=2,flip=1/10"]),
    ("FG25.TER", ["markov:L=8,q=2,flip=1/10", "coloring3:L=5"]),
    ("FG25.SER", ["coloring3:L=5"]),
    ("FG25.FULL", ["markov:L=8,q=2,flip=1/10", "hmm:L=8,q=2,states=2,seed=4"]),
    ("D-SEQ", ["markov:L=8,q=2,flip=1/10"]),
]
# Adaptive rules (float chain, branches decided exactly) and explicit plans. D-MIX.<rule>,
# WLL26.T1 and D-CHAIN are identities: decided exactly, the float path must leave them as they were.
CLAIM_SLICES += [
    ("D-MIX.entropy-sum", ["markov:L=8,q=2,flip=1/10", "markov:L=5,q=3,flip=1/10"]),
    ("CL26.T1", ["markov:L=8,q=2,flip=1/10", "dirichlet:L=5,q=3,alpha=1/2,seed=1"]),
    ("CL26.STEP", ["markov:L=8,q=2,flip=1/10", "markov:L=5,q=3,flip=1/10"]),
    ("CL26.ITERQ", ["markov:L=8,q=2,flip=1/10", "markov:L=5,q=3,flip=1/10"]),
    ("D-MIX.threshold", ["markov:L=7,q=2,flip=1/10", "markov:L=5,q=3,flip=1/10"]),
    ("D-CHAIN", ["markov:L=6,q=2,flip=1/10"]),
]


def _timed(fn):
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def measure_modes(target_spec: str, sampler: str) -> dict:
    from distributions import parse_target
    from verify.engine.floattwin import measure_enclosed
    from verify.engine.metrics import measure
    from verify.engine.predictors import PERFECT
    from verify.engine.samplers import parse_sampler

    def float_mode():
        t = parse_target(target_spec)
        return measure(t, parse_sampler(sampler, t.L))

    def enclosed_mode():
        t = parse_target(target_spec, exact=True)
        return measure_enclosed(t, parse_sampler(sampler, t.L), PERFECT)

    def exact_mode():
        t = parse_target(target_spec, exact=True)
        return measure(t, parse_sampler(sampler, t.L))

    return {"float": float_mode, "enclosures": enclosed_mode, "exact": exact_mode}


# A family of claims on one grid run in one TargetCache, as a full proof check runs them (the exact
# adaptive chain of an instance is shared by every claim that reads it).
FAMILY_SLICES = [
    ("D-MIX.entropy-sum,CL26.T1,CL26.STEP,CL26.STEP.state,CL26.ITER,CL26.ITERQ,CL26.BUDGET",
     ["markov:L=8,q=2,flip=1/10", "markov:L=5,q=3,flip=1/10"]),
]


def claim_modes(claim_id: str, targets: list) -> dict:
    """Modes of one claim, or of a comma-separated family sharing one TargetCache (verdict counts
    summed over the family)."""
    import verify.claims.check as check
    from proofs_numeric import claim_by_id

    claims = [claim_by_id(c) for c in claim_id.split(",")]

    def run(float_path: bool):
        def go():
            saved = check.float_verdict
            if not float_path:
                check.float_verdict = lambda *a: None  # the exact path only, as before
            try:
                # the rows only: a claim's summary (curves beyond the grid) is cached module-wide
                # and does not depend on how the rows' verdicts were decided
                cache, counts, n = check.TargetCache(), {}, 0
                for claim in claims:
                    rows = check.claim_rows(claim, "deep", cache, targets=targets)
                    for k, v in check.ClaimResult(claim, "deep", rows).counts.items():
                        counts[k] = counts.get(k, 0) + v
                    n += len(rows)
            finally:
                check.float_verdict = saved
            return counts, n
        return go

    return {"enclosures": run(True), "exact": run(False)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-heavy", action="store_true", help="skip the L = 12 exact case")
    ap.add_argument("--only-claims", action="store_true")
    ap.add_argument("--only-measure", action="store_true")
    ap.add_argument("--claims", default=None, help="semicolon-separated slice names (a claim id, or a "
                    "family's comma-separated ids): only these slices")
    args = ap.parse_args(argv)

    if not args.only_claims:
        print("verify measure cases: CPU s (wall s), modes alternated; best of", args.repeat)
        for target, sampler, heavy in MEASURE_CASES:
            modes = measure_modes(target, sampler)
            if heavy and args.skip_heavy:
                modes.pop("exact")
            best: dict = {}
            for _ in range(args.repeat):
                for name, fn in modes.items():
                    cpu, wall, _ = _timed(fn)
                    if name not in best or cpu < best[name][0]:
                        best[name] = (cpu, wall)
            f = best["float"][0]
            cells = "  ".join(f"{k} {c:.2f} ({w:.2f}) = {c / f:.1f}x" for k, (c, w) in best.items())
            print(f"  {target} {sampler}: {cells}", flush=True)

    if not args.only_measure:
        print("claim slices on the deep grid: CPU s (wall s), verdict counts per mode")
        for claim_id, targets in CLAIM_SLICES + FAMILY_SLICES:
            if args.claims and claim_id not in args.claims.split(";"):
                continue
            modes = claim_modes(claim_id, targets)
            best, counts = {}, {}
            for _ in range(args.repeat):
                for name, fn in modes.items():
                    cpu, wall, (c, n) = _timed(fn)
                    counts[name] = (c, n)
                    if name not in best or cpu < best[name][0]:
                        best[name] = (cpu, wall)
            same = counts["enclosures"] == counts["exact"]
            cells = "  ".join(f"{k} {c:.2f} ({w:.2f})" for k, (c, w) in best.items())
            n = counts["exact"][1]
            short = {k: v for k, v in counts["exact"][0].items() if v}
            print(f"  {claim_id} on {', '.join(targets)} ({n} instances): {cells}  "
                  f"ratio {best['exact'][0] / best['enclosures'][0]:.1f}x  verdicts {short}"
                  f"{'' if same else '  DIFFER: ' + str(counts)}", flush=True)


if __name__ == "__main__":
    main()
