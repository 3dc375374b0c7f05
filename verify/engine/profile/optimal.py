"""Optimal schedules on an entropy profile (beyond the papers), and competitive ratios.

With ``f(n) = h(n+1) − h(n)`` a block of size s begun with n revealed costs

    c(n, s) = s f(n) − [h(n+s) − h(n)] ≥ 0          (concavity of h),

and for uniform positions E KL = Σ_t c(n_{t−1}, s_t) (D-PROFILE). So:

* **V*(K)** — the best composition into at most K blocks — is a shortest path over
  ``(blocks used, revealed)``: ``V_k(n') = min_{n<n'} V_{k−1}(n) + c(n, n' − n)``, O(K L²) (vectorised).
  Splitting a block never costs more (``c(n, s) − c(n, a) − c(n+a, s−a) = (s−a)(f(n) − f(n+a)) ≥ 0``),
  so "at most K" and "exactly K" blocks agree for K ≤ L.
* Over laws on compositions with ``E[T] ≤ B`` the optimum is the **lower convex hull** of K ↦ V*(K) at B
  (a linear objective under one linear constraint: a mixture of at most two compositions).
* A schedule's **competitive ratio** is its E KL over that hull value at its own E[T].

The DP runs on the float profile (it proposes); ``exact_cost`` gives the chosen composition's E KL as
an exact log-linear form, for certified comparisons.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def block_costs(h) -> np.ndarray:
    """C[n, n'] = c(n, n' − n) for n < n' (else +inf), from the float profile h(0..L)."""
    h = np.asarray(h, dtype=np.float64)
    L = len(h) - 1
    f = np.diff(h)                                  # f(n), n = 0..L−1
    n = np.arange(L + 1)[:, None]
    m = np.arange(L + 1)[None, :]
    fn = np.concatenate([f, [0.0]])[:, None]
    C = (m - n) * fn - (h[None, :] - h[:, None])
    C = np.where(m > n, np.maximum(C, 0.0), np.inf)  # round-off below 0 is noise: c ≥ 0 exactly
    return C


@dataclass
class Optimum:
    values: np.ndarray      # V*(K), K = 0..K_max (V*(0) = inf for L ≥ 1)
    sizes: list             # an optimal composition per K (None for K = 0)

    def hull(self) -> list:
        """Vertices (K, V*(K)) of the lower convex hull, K ≥ 1, increasing K."""
        pts = [(K, float(v)) for K, v in enumerate(self.values) if K >= 1 and np.isfinite(v)]
        hull: list = []
        # V* is non-increasing: beyond the first K reaching the minimum, nothing improves.
        vmin = min(y for _, y in pts)
        pts = pts[:next(i for i, (_, y) in enumerate(pts) if y <= vmin) + 1]
        for p in pts:
            while len(hull) >= 2:
                (x1, y1), (x2, y2) = hull[-2], hull[-1]
                # drop the middle point if it lies on or above the chord
                if (y2 - y1) * (p[0] - x1) >= (p[1] - y1) * (x2 - x1):
                    hull.pop()
                else:
                    break
            hull.append(p)
        return hull

    def best_randomized(self, budget: float) -> tuple:
        """(value, [(weight, K), ...]): the best law over compositions with E[T] ≤ budget."""
        hull = self.hull()
        if budget < hull[0][0]:
            raise ValueError(f"budget {budget} is below one block")
        if budget >= hull[-1][0]:
            return hull[-1][1], [(1.0, hull[-1][0])]
        for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
            if x1 <= budget <= x2:
                t = (budget - x1) / (x2 - x1)
                return (1 - t) * y1 + t * y2, [(1 - t, x1), (t, x2)]
        raise AssertionError("unreachable")


def optimal_compositions(h, K_max: int | None = None) -> Optimum:
    """V*(K) and an optimal composition for K = 1..K_max (default L), by the shortest-path DP."""
    h = np.asarray(h, dtype=np.float64)
    L = len(h) - 1
    K_max = L if K_max is None else min(int(K_max), L)
    C = block_costs(h)
    V = np.full(L + 1, np.inf)
    V[0] = 0.0
    back = []
    values = [np.inf if L else 0.0]
    for _ in range(K_max):
        tot = V[:, None] + C                     # from n to n'
        arg = np.argmin(tot, axis=0)
        Vn = tot[arg, np.arange(L + 1)]
        # "at most k blocks": keep the previous value where it is not worse
        keep = V <= Vn
        arg = np.where(keep, -1, arg)
        Vn = np.where(keep, V, Vn)
        back.append(arg)
        V = Vn
        values.append(V[L])
    sizes = [None]
    for K in range(1, K_max + 1):
        sizes.append(_trace(back[:K], L))
    return Optimum(np.array(values), sizes)


def _trace(back, L: int) -> tuple:
    out, n = [], L
    for arg in reversed(back):
        prev = arg[n]
        if prev == -1:
            continue
        out.append(n - prev)
        n = prev
    if n != 0:
        raise AssertionError("DP trace did not reach 0")
    return tuple(int(s) for s in reversed(out))


def exact_cost(profile, sizes):
    """E KL of the fixed composition ``sizes`` as an exact form (D-PROFILE on the exact profile)."""
    from .entropy import expected_kl
    from .sizelaws import explicit

    law = explicit([(1, tuple(sizes))], profile.L, "fixed:sizes=" + "+".join(map(str, sizes)))
    return expected_kl(profile, law, exact=True)


def competitive_ratio(profile, law, optimum: Optimum | None = None) -> dict:
    """E KL(law) / (best randomised law with the same E[T]) on the float profile."""
    from .entropy import expected_kl
    from ..samplers import size_law_of

    law = size_law_of(law, profile.L)
    T = law.mean_iterations(False)
    opt = optimum or optimal_compositions(profile.values(), int(np.ceil(T)) + 1)
    best, mix = opt.best_randomized(T)
    ekl = expected_kl(profile, law, exact=False)
    # Float proposals: an optimum or an error below 1e-9 nats is treated as 0 (a shape table only).
    if best > 1e-9:
        ratio = ekl / best
    else:
        ratio = 1.0 if ekl < 1e-9 else float("inf")
    return {"law": law.spec, "E_T": T, "expected_kl": ekl, "optimum": best, "optimum_law": mix, "ratio": ratio}
