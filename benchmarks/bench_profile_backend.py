"""CPU cost of a claims file on the profile backend (claims/profile_instances.py) at long lengths.

The claim ``E KL <= DTC`` (refuted on the noisy repeated bit, tight on a product law) on balanced
schedules with K = 2, 10, 100, at L = 250, 500, 1000 (and the same claim's verdicts on both
backends at L = 6, where enumeration still reaches). Each run starts from empty profile caches;
figures are the process's CPU seconds (time.process_time), which other jobs disturb less than
wall time. Not a test: timings never gate CI.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_profile_backend.py [--lengths 250,500,1000]
"""
import argparse
import tempfile
import time
from pathlib import Path

CLAIM = """[[claim]]
id = "B.{tag}"
paper = "REV1"
provenance = "reading"
statement = "E KL <= DTC"
relation = "<="
grid = "balanced"
backend = "{backend}"
samplers = ["balanced:K={{K}}"]
budgets = [2, 10, 100]
targets = ["noisy-copy:L={L},eta=1/10", "product:L={L},q=2,p=1/3+2/3"]
lhs = "expected_kl"
rhs = "DTC"
"""


def run(L: int, backend: str) -> tuple:
    from verify.claims import profile_instances
    from verify.claims.check import run_claim
    from verify.claims.model import load_claims_file

    profile_instances.profile_of.cache_clear()
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "c.toml"
        f.write_text(CLAIM.format(tag=f"{backend}{L}", backend=backend, L=L))
        t0 = time.process_time()
        claim = load_claims_file(f)[0]
        res = run_claim(claim, "ci")
        return time.process_time() - t0, res.counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", default="250,500,1000")
    args = ap.parse_args()
    for backend in ("enumeration", "profile"):
        cpu, counts = run(6, backend)
        print(f"L=6     {backend:<12} {cpu:7.2f} CPU s  {counts}")
    for L in (int(x) for x in args.lengths.split(",")):
        cpu, counts = run(L, "profile")
        print(f"L={L:<5} {'profile':<12} {cpu:7.2f} CPU s  {counts}")


if __name__ == "__main__":
    main()
