"""The guard's estimates against measured peaks and times (docs/errors.md, "Memory and time").

Each case runs ``verify measure`` in a fresh child process that records every estimate the guard
forms (the largest memory and time figure passed to ``guard.refuse`` / ``guard.refuse_seconds``)
and its own peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and wall time.
The start-up baseline (a trivial run) is printed too: an estimate should bound the peak above it.
Refused cases show the refused estimate; memory and time columns show the largest estimate of
each kind (a refusal in one leaves the other at 0).

    PYTHONPATH=. python benchmarks/bench_guard.py            # the quick cases (~1 min alone)
    PYTHONPATH=. python benchmarks/bench_guard.py --full     # + dirichlet:L=14 entropy-sum, L=14 mdm (~5 min)

Cases over the default limits (mdm:N=10^9 at L=4096, hmm with 10,000 states, law=binomial,N=10^6)
are only refused: their line shows the estimate and how fast the refusal came.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import verify.guard as g
rec = {"bytes": 0.0, "seconds": 0.0, "refused_bytes": 0.0, "refused_seconds": 0.0}
_r, _s = g.refuse, g.refuse_seconds
def _record(kind, fn, field, what, value, *a, **k):
    try:
        out = fn(field, what, value, *a, **k)
    except Exception:
        rec["refused_" + kind] = float(value); raise  # the refusal that ends the run
    rec[kind] = max(rec[kind], float(value)); return out
def refuse(field, what, nbytes, *a, **k):
    return _record("bytes", _r, field, what, nbytes, *a, **k)
def refuse_seconds(field, what, seconds, *a, **k):
    return _record("seconds", _s, field, what, seconds, *a, **k)
g.refuse, g.refuse_seconds = refuse, refuse_seconds
import verify.engine.laws as laws  # the enumeration DP's own memory estimate (checked in mixture_law)
_m = laws.measure_peak_bytes
def measure_peak_bytes(*a, **k):
    v = _m(*a, **k); rec["bytes"] = max(rec["bytes"], float(v)); return v
laws.measure_peak_bytes = measure_peak_bytes
from verify.cli.main import main
import io, contextlib
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(sys.argv[1:])
rec.update(rc=rc, wall=time.perf_counter() - t,
           peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
print("BENCH " + json.dumps(rec), file=sys.stderr)
"""

QUICK = [
    ("baseline (start-up, engine modules loaded)", ["--target", "product:L=2,q=2", "--sampler", "mdm:N=2"]),
    ("profile markov L=4096 float, mdm:N=4", ["--target", "markov:L=4096,q=2,flip=0.1", "--sampler", "mdm:N=4"]),
    ("profile markov L=4096 exact, mdm:N=4", ["--target", "markov:L=4096,q=2,flip=0.1", "--sampler", "mdm:N=4",
                                              "--exact"]),
    ("profile mds q=257 L=256 rs, mdm:N=4", ["--target", "mds:q=257,L=256,k=100,code=rs", "--sampler", "mdm:N=4"]),
    ("size law binomial N=2000 at L=4", ["--target", "product:L=4,q=2", "--sampler",
                                         "random-size:law=binomial,N=2000"]),
    ("hmm states=3000", ["--target", "hmm:L=2,q=2,states=3000"]),
    ("adaptive entropy-sum dirichlet L=12", ["--target", "dirichlet:L=12,q=2", "--sampler", "entropy-sum:eta=0.4"]),
    ("enumeration product L=12 mdm:N=3", ["--target", "product:L=12,q=2", "--sampler", "mdm:N=3"]),
    ("refused: mdm:N=1e9 at L=4096", ["--target", "markov:L=4096,q=2,flip=0.1", "--sampler", "mdm:N=1000000000"]),
    ("refused: hmm states=10000", ["--target", "hmm:L=2,q=2,states=10000"]),
    ("refused: law=binomial,N=1e6 at L=4", ["--target", "product:L=4,q=2", "--sampler",
                                            "random-size:law=binomial,N=1000000"]),
]
FULL = [
    ("adaptive entropy-sum dirichlet L=14", ["--target", "dirichlet:L=14,q=2", "--sampler", "entropy-sum:eta=0.4"]),
    ("enumeration product L=14 mdm:N=3", ["--target", "product:L=14,q=2", "--sampler", "mdm:N=3"]),
]


def run(argv: list) -> dict:
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.run([sys.executable, "-c", CHILD, "measure", *argv], env=env, capture_output=True,
                          text=True, timeout=3600)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        return {"rc": proc.returncode, "error": proc.stderr.strip()[-300:]}
    return json.loads(line[6:])


def mib(x: float) -> str:
    return f"{x / 2**20:9.1f}"


def main() -> None:
    cases = QUICK + (FULL if "--full" in sys.argv else [])
    print(f"{'case':44} {'rc':>2} {'est MiB':>9} {'peak MiB':>9} {'peak-base':>9} {'est s':>8} {'wall s':>7}")
    base = None
    for name, argv in cases:
        t = time.perf_counter()
        r = run(argv)
        if "error" in r:
            print(f"{name:44} {r['rc']:>2} error: {r['error']}")
            continue
        if base is None:
            base = r["peak"]
        # an accepted run shows its largest accepted estimate; a refused one the estimate refused
        # (an engine refused on the way, e.g. enumeration before the profile engine, is not counted)
        nbytes, secs = (r["bytes"], r["seconds"]) if r["rc"] == 0 else (r["refused_bytes"], r["refused_seconds"])
        print(f"{name:44} {r['rc']:>2} {mib(nbytes)} {mib(r['peak'])} {mib(r['peak'] - base)} "
              f"{secs:8.3g} {r['wall']:7.2f}", flush=True)
        del t


if __name__ == "__main__":
    main()
