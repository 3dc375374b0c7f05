"""The deep proof check in-process, claim by claim: CPU and wall seconds, and the verdict counts
against the committed reference (issue 19: ``verify check --profile deep`` within 20 min of one core).

    PYTHONPATH=$PWD python benchmarks/bench_deep.py [--profile deep] [--only GLOBS] [--skip GLOBS]
        [--reference reports/deep/report.json]

It runs what ``verify check --profile deep`` runs without Dask: the registry's claims in order, one
shared ``TargetCache``, ``run_claim`` with a witness folder but nothing written (the witnesses are
chosen, as the check does, into a temporary folder). Per claim it prints the CPU seconds
(``time.process_time``: this process only, all threads), the wall seconds, the seconds spent in the
cyclic garbage collector (``gc s``), the process's peak resident memory so far (MB), the instance
count and the verdict counts, then the totals. Each
claim's instance count and verdict counts are compared with the reference report's
(``results[].claim.id``, ``instances``, ``verdicts``): a difference prints a ``DIFFER`` line and the
exit status is 1; claims absent from the reference are listed as new (not an error); a reference
entry without verdicts (a statistic claim) is compared on its instance count only.

``--only`` / ``--skip``: comma-separated id globs (``fnmatch``, as ``verify check --only``).
``--keep-targets``: keep every target's workspace to the end of the run (the check releases each
after the last claim using it, ``TargetCache.plan_release``; this is the way to compare memory).
``--dump PATH``: the claims' JSON rows as the report writes them (``ClaimResult.to_json`` without the
timing field ``seconds``), sorted keys, so two runs are compared with ``cmp`` / ``diff``.

Whole registry (83 claims, 308,917 instances), one process, the other core mostly idle: 1,428 CPU s
(63 s in the collector, peak 11.5 GB) before the grouped zero test, lazy sides, twin parts, the
exact-law shortcuts and the collector thresholds; 970 CPU s after (26 s, 9.3 GB). The split per
claim is in the closing note of issue 19.

Figures (CPU s, deep profile, two shared cores at load 3–6; issue 19, branch deepcost):

    claim              before   after    command
    CCL25.T1.9         > 300      9.0    --only CCL25.T1.9,... (the L = 256 rows, unfinished after
                                         288 s of column generation before, are out of the check)
    W26.L5               31.4     2.0    --only 'W26.*' before; the item-2 list after (warm profiles)
    W26.BOUNDS.L256       7.2     6.4
    W26.FIG1              5.8     5.9
    W26.P3.DHW-upper      1.9    12.0    (after: cold cache, it computed the DHW balls that
                                         W26.P3.DHW-lower computes first in registry order)
    W26.L5.all, W26.E24.all, W26.P3.*.all: 0.0–0.3 each
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tempfile
import time
from pathlib import Path

VERDICT_KEYS = ("certified", "tight", "refuted", "undecided")


def fail(msg: str) -> None:
    """Bad input: one line naming the field, exit 2."""
    print(f"bench_deep: {msg}", file=sys.stderr)
    sys.exit(2)


def globs(text: str | None, field: str) -> list | None:
    if text is None:
        return None
    pats = [p.strip() for p in text.split(",") if p.strip()]
    if not pats:
        fail(f"{field} {text!r} names no claim id; give comma-separated id globs, e.g. 'W26.*'")
    return pats


def choose(claims: list, only: list | None, skip: list | None) -> list:
    """The registry's claims (in order) matching ``only`` (all if None) and no glob of ``skip``."""
    def hit(cid, pats):
        return any(fnmatch.fnmatchcase(cid, p) for p in pats)

    return [c for c in claims if (only is None or hit(c.id, only)) and not (skip and hit(c.id, skip))]


def load_reference(path: Path) -> dict:
    """{claim id: {"instances": n, "verdicts": {...} | None}} from a report.json."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        fail(f"--reference {path}: cannot read a report.json ({e}); give a report written by "
                 "'verify report'")
    return {r["claim"]["id"]: {"instances": r.get("instances"), "verdicts": r.get("verdicts")}
            for r in data.get("results", [])}


def compare(cid: str, instances: int, counts: dict, ref: dict) -> list:
    """DIFFER lines for one claim (empty if it matches; the caller lists claims absent from ref)."""
    want = ref[cid]
    out = []
    if want["instances"] != instances:
        out.append(f"DIFFER {cid}: instances {instances} (reference {want['instances']})")
    if want["verdicts"] is not None:
        got = {k: counts.get(k, 0) for k in VERDICT_KEYS}
        exp = {k: want["verdicts"].get(k, 0) for k in VERDICT_KEYS}
        if got != exp:
            out.append(f"DIFFER {cid}: verdicts {got} (reference {exp})")
    return out


def result_counts(res) -> tuple:
    """(instances, verdict counts) as the report writes them (``ClaimResult.to_json``)."""
    return len(res.rows), (res.counts if res.claim.checked else {})


class GcClock:
    """Seconds spent in the cyclic garbage collector (``gc.callbacks`` start/stop):
    a claim slower inside the full run than alone shows here if the cause is live objects."""

    def __init__(self):
        import gc

        self.total, self._t0 = 0.0, None
        gc.callbacks.append(self._cb)

    def _cb(self, phase, info):
        if phase == "start":
            self._t0 = time.perf_counter()
        elif self._t0 is not None:
            self.total += time.perf_counter() - self._t0
            self._t0 = None


def peak_mb() -> int:
    """This process's peak resident memory so far, in MB (``ru_maxrss``, KB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="deep")
    ap.add_argument("--only", default=None, help="comma-separated id globs to run (default: all)")
    ap.add_argument("--skip", default=None, help="comma-separated id globs to leave out")
    ap.add_argument("--reference", default="reports/deep/report.json", type=Path)
    ap.add_argument("--keep-targets", action="store_true",
                    help="keep every target's workspace for the whole run (no release; the old peak memory)")
    ap.add_argument("--dump", default=None, type=Path,
                    help="write {claim id: the report's JSON row without 'seconds'} here, to diff two runs")
    args = ap.parse_args(argv)

    from proofs_numeric import registry
    from verify.claims.check import TargetCache, run_claim
    from verify.claims.profiles import PROFILES

    if args.profile not in PROFILES:
        fail(f"--profile {args.profile!r} is not a profile; one of {', '.join(sorted(PROFILES))}")
    claims = choose(registry(()), globs(args.only, "--only"), globs(args.skip, "--skip"))
    if not claims:
        fail("--only/--skip leave no claim to run")
    ref = load_reference(args.reference)
    cache = TargetCache()
    if not args.keep_targets:  # as the check: a target's workspace goes after the last claim using it
        cache.plan_release(claims, args.profile)
    differ, new, tot_cpu, t_start = [], [], 0.0, time.perf_counter()
    dumped = {}
    gclock = GcClock()
    print(f"{'claim':24s} {'CPU s':>9s} {'wall s':>9s} {'gc s':>7s} {'peak MB':>8s} {'instances':>10s}  verdicts",
          flush=True)
    with tempfile.TemporaryDirectory() as wdir:
        for i, c in enumerate(claims):
            c0, w0, g0 = time.process_time(), time.perf_counter(), gclock.total
            res = run_claim(c, args.profile, cache, witness_dir=wdir, write=False)
            cpu, wall, gcs = time.process_time() - c0, time.perf_counter() - w0, gclock.total - g0
            if args.dump is not None:
                dumped[c.id] = {k: v for k, v in res.to_json().items() if k != "seconds"}
            cache.claim_done(i, res)  # after the timing: the figures stay the claim's own
            tot_cpu += cpu
            n, counts = result_counts(res)
            vs = " ".join(f"{k}={counts.get(k, 0)}" for k in VERDICT_KEYS) if counts else "-"
            print(f"{c.id:24s} {cpu:9.1f} {wall:9.1f} {gcs:7.1f} {peak_mb():8d} {n!s:>10s}  {vs}", flush=True)
            if c.id in ref:
                lines = compare(c.id, n, counts, ref)
                differ += lines
                for line in lines:
                    print(line, flush=True)
            else:
                new.append(c.id)
    if args.dump is not None:
        args.dump.write_text(json.dumps(dumped, indent=1, sort_keys=True))
    print(f"{'TOTAL':24s} {tot_cpu:9.1f} {time.perf_counter() - t_start:9.1f} {gclock.total:7.1f}"
          f"  ({len(claims)} claims)")
    if new:
        print(f"new (not in {args.reference}): {', '.join(new)}")
    if differ:
        print(f"{len(differ)} difference(s) from the reference")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
