"""Wall time of the proof check in-process vs on a local Dask cluster (verify.claims.distributed).

Run:  .venv/bin/python benchmarks/bench_distributed.py [--only LC25.C1,D-SMAX] [--profile ci]
          [--workers 2] [--cache DIR]
Runs the claims once in-process (``run_claim`` per claim, one shared target cache) and once with
``run_claims`` on a local cluster of N worker processes, prints both wall times (the cluster's
includes starting and stopping it) and CPU times, and whether the two results agree exactly (every row and ``to_json()`` apart from timings).
With ``--cache`` it then repeats the distributed run from the filled cache. Not a test: timings
never gate CI; on a shared machine they depend on the load.
"""
import argparse
import time

from proofs_numeric import registry
from verify.claims.check import select
from verify.claims.distributed import ROW_FIELDS, StderrProgress, run_claims


def _key(res):
    d = res.to_json()
    d.pop("seconds")
    d.pop("witnesses")
    return d, [[repr(getattr(r, f)) for f in ROW_FIELDS] for r in res.rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="LC25.C1,D-SMAX")
    ap.add_argument("--profile", default="ci")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", default=None, help="also time a second, cached distributed run")
    args = ap.parse_args()
    import dask
    from distributed import Client, LocalCluster

    claims = select(registry(), args.only)
    t, c = time.perf_counter(), time.process_time()
    ref = run_claims(claims, args.profile)
    t_in, c_in = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    # The cluster run_claims(workers=N) starts (same settings), started here to read its workers' CPU.
    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        c = time.process_time()
        got = run_claims(claims, args.profile, client=client, cache_dir=args.cache,
                         progress=StderrProgress(10))
        c_dist = time.process_time() - c + sum(client.run(time.process_time).values())
    t_dist = time.perf_counter() - t
    same = [_key(a) == _key(b) for a, b in zip(ref, got)]
    rows = sum(len(r.rows) for r in ref)
    print(f"{args.only} on {args.profile}: {rows} instances, {len(ref)} claims")
    print(f"  in-process            {t_in:8.1f} s wall {c_in:8.1f} s CPU")
    print(f"  --workers {args.workers:<2}          {t_dist:8.1f} s wall {c_dist:8.1f} s CPU (client + workers, "
          f"with the workers' start-up)   identical: {all(same)}")
    if args.cache:
        t = time.perf_counter()
        again = run_claims(claims, args.profile, workers=args.workers, cache_dir=args.cache)
        t_cached = time.perf_counter() - t
        print(f"  --workers {args.workers} from cache {t_cached:8.1f} s   identical: "
              f"{all(_key(a) == _key(b) for a, b in zip(ref, again))}")


if __name__ == "__main__":
    main()
