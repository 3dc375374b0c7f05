"""Speed of the profile engine: an L = 1024 Markov chain's entropy profile and E KL for each size law.

Run:  .venv/bin/python benchmarks/bench_profile.py [--L 1024] [--exact]
Prints seconds for the float profile (closed form, O(L²)), then per law: its start weights and the
float E KL; with --exact also the exact log-linear E KL and a 128-bit enclosure of it. Not a test.
"""
import argparse
import time

from verify.engine.profile.optimal import optimal_compositions
from verify.engine.profile.entropy import entropy_profile, expected_kl
from verify.engine.samplers import size_law_of

LAWS = ["random-size:law=grow,r=1", "random-size:law=grow,r=1/4,randomized=true",
        "random-size:law=shrink,r=1/2", "random-size:law=shrink,r=1/8,randomized=true",
        "random-size:law=odds,rho=1/4", "random-size:law=uniform,K=32", "random-size:law=binomial,N=32",
        "balanced:K=32", "mdm:N=32"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", type=int, default=1024)
    ap.add_argument("--target", default="markov:L={L},q=2,flip=1/10")
    ap.add_argument("--exact", action="store_true", help="also the exact E KL (log-linear) per law")
    args = ap.parse_args()
    spec = args.target.format(L=args.L)
    t0 = time.perf_counter()
    prof = entropy_profile(spec)
    h = prof.values()
    info = prof.information(False)
    print(f"{spec}: float profile + H, TC, DTC in {time.perf_counter() - t0:.2f} s  "
          f"(H={info['H']:.4f} TC={info['TC']:.4f} DTC={info['DTC']:.4f})")
    if args.exact:
        t0 = time.perf_counter()
        prof.basis_pairs
        print(f"  exact basis (2L-1 entropies as log-linear forms): {time.perf_counter() - t0:.2f} s")
    for law_spec in LAWS:
        t0 = time.perf_counter()
        law = size_law_of(law_spec, args.L)
        law.start_weights(False)
        t1 = time.perf_counter()
        ekl = expected_kl(prof, law, exact=False)
        t2 = time.perf_counter()
        line = (f"  {law_spec:<45} E[T]={law.mean_iterations(False):8.3f}  E KL={ekl:10.6f}  "
                f"weights {t1 - t0:.3f} s, E KL {t2 - t1:.4f} s")
        if args.exact:
            t3 = time.perf_counter()
            form = expected_kl(prof, law, exact=True)
            t4 = time.perf_counter()
            ball = form.enclose(128)
            line += f"; exact {t4 - t3:.2f} s + enclosure {time.perf_counter() - t4:.2f} s ({ball.str(12)})"
        print(line, flush=True)
    t0 = time.perf_counter()
    opt = optimal_compositions(h, 32)
    print(f"  optimal compositions K = 1..32 (shortest path): {time.perf_counter() - t0:.2f} s, V*(32) = {opt.values[32]:.6f}")


if __name__ == "__main__":
    main()
