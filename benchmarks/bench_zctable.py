"""ZC26.TC / ZC26.DTC's all-law table alone (no per-instance rows): CPU seconds of the two summaries
on a profile, in a fresh process, and a digest of their JSON so two code versions can be compared.

    PYTHONPATH=$PWD python benchmarks/bench_zctable.py [--profile deep] [--repeat 1]

Runs ``summarize`` of ZC26.TC then ZC26.DTC on no rows (the table, the zoo column, the competitive
ratios, the TC-only zoo table) and prints CPU s each, the minimax share (``minimax`` calls) and the
SHA-256 of the summaries' JSON (sorted keys). To compare with another version, run the script with
PYTHONPATH set to that version's tree (the script itself imports only the registry), alternating.

Figures (CPU s, deep profile, two shared cores at load 4–6; main at cc28543 against branch zctable,
runs alternated; the JSON rows of both claims identical byte for byte, ``bench_deep --dump``):

    bench_deep --only 'ZC26.TC,ZC26.DTC'   main: TC 172.3, 162.3, 177.4   branch: TC 83.8, 81.2
                                           (DTC 5.6–12.7 both: its rows only, the table is shared)
    bench_zctable (the table alone)        main: 119.3 (minimax 23.0)     branch: 64.7 (minimax 23.7)
    exact mdm:N weights, N = 256, L = 4096:  50.2 → 7.5
The minimax programs (HiGHS, one per cell and X up to L = 128) and the 960 enumeration rows are left
as they are; the table without them went 96 → 41 s.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="deep")
    args = ap.parse_args(argv)

    from proofs_numeric import zc26
    from verify.claims.profiles import PROFILES
    from verify.claims.serialize import jsonable
    from verify.engine.profile import minimax as mm

    if args.profile not in PROFILES:
        print(f"bench_zctable: --profile {args.profile!r} is not a profile; one of {', '.join(sorted(PROFILES))}",
              file=sys.stderr)
        return 2
    lp = [0.0]
    inner = mm.minimax

    def timed(*a, **k):
        c0 = time.process_time()
        try:
            return inner(*a, **k)
        finally:
            lp[0] += time.process_time() - c0

    mm.minimax = timed
    digest = hashlib.sha256()
    total = 0.0
    for which in ("TC", "DTC"):
        c0 = time.process_time()
        out = zc26._summarize(which)([], args.profile)
        cpu = time.process_time() - c0
        total += cpu
        digest.update(json.dumps(jsonable(out), sort_keys=True).encode())
        print(f"ZC26.{which:<4} summary {cpu:8.1f} CPU s", flush=True)
    print(f"total {total:8.1f} CPU s (minimax programs {lp[0]:.1f} s)  sha256 {digest.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
