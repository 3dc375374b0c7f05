"""WLL26 Theorem 2 (reading): recursive bisection samples an order-m Markov law exactly.

Wen, Liang, Lu (arXiv 2608.25505), Theorem 2: for ``1 ≤ m < L`` and ``p`` order-m Markov
(``p(x) = Π_i φ_i(x_{i..i+m})``), the fixed schedule of recursive bisection by m-blocks (its proof,
Appendix B; ``verify.engine.plans.bisection_blocks``) has zero KL in at most ``m(⌈log₂(L/m)⌉ + 1)``
rounds. Two claims on grid ``bisect`` (``plan:bisect=m``, m = 1..3, m < L):

* ``WLL26.T2``: ``expected_kl == 0`` exactly, on every zoo target whose Markov order is known from
  its family and is ``≤ m`` (``markov_order``); a row whose order exceeds m, or is not known, is
  ``undefined`` (the theorem says nothing there).
* ``WLL26.T2.steps``: the plan's number of rounds ``≤ m(⌈log₂(L/m)⌉ + 1)``; its summary lists, for
  L = 2..64, where the bound is attained (the paper states an upper bound, not an equality).
"""
from __future__ import annotations

from verify.claims.model import Claim
from verify.engine.plans import bisection_bound, bisection_rounds
from verify.errors import NotDefined


def markov_order(spec: str) -> int | None:
    """The Markov order of a zoo target, from its family (None: not a finite order we can vouch for).

    product 0; markov, copy, coloring3 and the Potts law on a path 1; ngram ``n − 1``; an MDS code
    ``[L, k]`` order ``k``: its dual code has a codeword supported exactly on every window of
    ``k + 1`` consecutive positions (dual distance ``k + 1``), and these ``L − k`` words are
    triangular (the one on window i is the last to touch position i + k), hence a basis of the dual,
    so the uniform law is a product of parity indicators on windows of ``k + 1`` positions."""
    from distributions import plan_spec

    plan = plan_spec(spec, "target")
    fam, pr = plan.family, plan.params
    if fam == "product":
        return 0
    if fam in ("markov", "copy", "coloring3"):
        return 1
    if fam == "potts" and pr.get("graph") == "path":
        return 1
    if fam == "ngram":
        return int(pr["n"]) - 1
    if fam == "mds":
        return int(pr["k"])
    return None


def _bisect_m(inst) -> int:
    s = inst.schedule
    if s is None or "bisect" not in s.params:
        raise NotDefined("claim grid", "needs a plan:bisect=m sampler", 'grid = "bisect"')
    return s.params["bisect"]


def _lhs_T2(inst):
    m = _bisect_m(inst)
    order = markov_order(inst.target.spec)
    if order is None:
        raise NotDefined("WLL26.T2", f"the Markov order of {inst.target.spec} is not known from its family",
                         "order-m Markov targets (product, markov, copy, coloring3, potts path, ngram, mds)")
    if order > m:
        raise NotDefined("WLL26.T2", f"order {order} > m = {m}: Theorem 2 does not apply", "order <= m")
    return inst.value("expected_kl")


def _zero(inst):
    from verify.engine.numbers import zero

    return zero(inst.target.exact)


def _rhs_steps(inst):
    from flint import fmpq

    return fmpq(bisection_bound(inst.target.L, _bisect_m(inst)))


def summarize_steps(rows) -> dict:
    """Rounds of the bisection plan against the paper's bound, L = 2..64 and m = 1..3 (closed forms
    of ``plans.py``; the rows of the grid count the plan's blocks themselves)."""
    table, attained = [], 0
    for L in range(2, 65):
        for m in (1, 2, 3):
            if m < L:
                r, b = bisection_rounds(L, m), bisection_bound(L, m)
                attained += r == b
                table.append({"L": L, "m": m, "rounds": r, "bound": b})
    eq = [(t["L"], t["m"]) for t in table if t["rounds"] == t["bound"]]
    by = {(t["L"], t["m"]): t for t in table}
    shown = [L for L in (*range(2, 17), 31, 32, 33, 48, 63, 64)]
    cells = [[L] + [f"{by[(L, m)]['rounds']} / {by[(L, m)]['bound']}" if (L, m) in by else "-" for m in (1, 2, 3)]
             for L in shown]
    return {"table": table, "attained": eq,
            "tables": [{"caption": "plan:bisect=m: rounds of the plan / the paper's bound m(ceil(log2(L/m)) + 1)",
                        "header": ["L", "m = 1", "m = 2", "m = 3"], "rows": cells}],
            "headline": f"bound attained at {attained} of {len(table)} (L, m) with L <= 64, m <= 3: "
                        + ", ".join(f"({L}, {m})" for L, m in eq) + "; fewer rounds elsewhere (the paper "
                        "states an upper bound)"}


PYTHON_CLAIMS = [
    Claim(
        id="WLL26.T2",
        paper="WLL26",
        provenance="reading",
        statement=r"p \text{ order-}m\text{ Markov}, 1 \le m < L:\ \mathrm{KL}(p \,\|\, q_{\mathrm{bisect}(m)}) = 0",
        relation="==",
        grid="bisect",
        lhs=_lhs_T2,
        rhs=_zero,
        families=("product", "markov", "copy", "coloring3", "potts", "ngram", "mds"),
        notes="plan:bisect=m for m = 1..3 (m < L). Rows whose target's Markov order (from its family: "
              "product 0; markov, copy, coloring3, Potts on a path 1; ngram n-1; MDS [L,k] k) exceeds m, or "
              "is unknown (Potts off a path), are undefined. Exact zero of a log-linear form.",
        uses=["WLL26.T1", "D-CHAIN"],
    ),
    Claim(
        id="WLL26.T2.steps",
        paper="WLL26",
        provenance="reading",
        statement=r"\#\text{rounds of } \mathrm{bisect}(m) \le m\,(\lceil \log_2(L/m) \rceil + 1)",
        relation="<=",
        grid="bisect",
        lhs="T",
        rhs=_rhs_steps,
        families=("product",),
        summarize=summarize_steps,
        notes="T counts the plan's non-empty blocks. The count does not depend on the target (one family "
              "suffices). Equality only at some (L, m): the summary lists them up to L = 64.",
    ),
]
