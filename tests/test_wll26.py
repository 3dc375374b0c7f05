"""WLL26 (Wen–Liang–Lu): Theorem 1 (adaptive chain rule) and Theorem 2 (recursive bisection).

* The bisection plan's positions against tables worked by hand from the proof of Theorem 2
  (Appendix B: central m-block, floor on the left, one position per segment per round); its round
  count against the closed forms (ours, and for m = 1 the paper's ⌈log₂(L + 1)⌉) and the bound.
* Zero KL on order-1 and order-2 Markov laws by the engine-free oracle (``wll26_oracle``: the plan's
  output law in Fractions equals p exactly), and a positive KL when the order exceeds m.
* The engine's adaptive chain side (``run_chain(chain=True)``) against the oracle's trajectory
  sums, and the oracle's own KL against its own chain (Theorem 1 without the engine), for every
  built-in rule. Float tolerances here are cross-checks; the exact verdicts are the claims'.
"""
from __future__ import annotations

import itertools
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import adaptive_oracle as AO
import oracles as O
import wll26_oracle as W
from verify.claims.check import TargetCache, run_claim
from verify.engine.adaptive import run_chain
from verify.engine.plans import bisection_blocks, bisection_bound, bisection_rounds
from verify.engine.samplers import parse_sampler
from verify.engine.target import make_target
from verify.errors import SpecError

# (L, m) → blocks, worked by hand: segment [a, a+ℓ) with ℓ > m gets the block starting at
# a + ⌊(ℓ − m)/2⌋; ℓ ≤ m the whole segment; round r of a stage takes the r-th position of each target.
HAND = {
    (2, 1): ((0,), (1,)),                                  # ℓ=2: block {0}; then [1]
    (5, 1): ((2,), (0, 3), (1, 4)),                        # 5 → {2}; [0,2):{0}, [3,5):{3}; then 1, 4
    (7, 1): ((3,), (1, 5), (0, 2, 4, 6)),                  # ⌈log2 8⌉ = 3 rounds
    (8, 1): ((3,), (1, 5), (0, 2, 4, 6), (7,)),            # [4,8): ℓ=4 → {5}; [6,8): ℓ=2 → {6}; then 7
    (6, 2): ((2,), (3,), (0, 4), (1, 5)),                  # 6 → {2,3}; [0,2), [4,6) whole
    (7, 2): ((2,), (3,), (0, 4), (1, 5), (6,)),            # [4,7): ℓ=3 → {4,5}, then [6,7)
    (10, 2): ((4,), (5,), (1, 7), (2, 8), (0, 3, 6, 9)),   # [0,4) → {1,2}, [6,10) → {7,8}
    (9, 3): ((3,), (4,), (5,), (0, 6), (1, 7), (2, 8)),    # [0,3), [6,9) whole, one per round
    (4, 3): ((0,), (1,), (2,), (3,)),                      # ℓ=4 → left 0: {0,1,2}; then [3,4)
}


@pytest.mark.parametrize("L,m", sorted(HAND))
def test_bisection_positions_match_the_hand_table(L, m):
    assert bisection_blocks(L, m) == HAND[(L, m)]
    sch = parse_sampler(f"plan:bisect={m}", L)
    assert sch.kind == "plan" and sch.params["blocks"] == HAND[(L, m)] and sch.params["bisect"] == m


def test_bisection_round_count_closed_forms_and_the_papers_bound():
    for L in range(2, 80):
        assert len(bisection_blocks(L, 1)) == (L).bit_length()  # ⌈log2(L+1)⌉, the paper's Theorem 3(i)
        for m in range(1, min(L, 6)):
            blocks = bisection_blocks(L, m)
            assert sorted(i for b in blocks for i in b) == list(range(L))
            assert len(blocks) == bisection_rounds(L, m)
            j = math.ceil(math.log2(Fraction(L, m))) if L > m else 0
            assert bisection_bound(L, m) == m * (j + 1)
            assert len(blocks) <= bisection_bound(L, m)
    # the bound is attained at L = m·2^j, not in general
    assert bisection_rounds(8, 1) == bisection_bound(8, 1) == 4
    assert bisection_rounds(7, 1) == 3 < bisection_bound(7, 1) == 4


def _same_segment_pairs(L, m):
    """Rounds that reveal two positions with no fully revealed m-block between them."""
    bad, known = [], set()
    for block in bisection_blocks(L, m):
        for a, b in itertools.combinations(sorted(block), 2):
            if not any(all(s + t in known for t in range(m)) for s in range(a + 1, b - m + 1)):
                bad.append((a, b))
        known |= set(block)
    return bad


def test_every_round_is_separated_by_revealed_m_blocks():
    """The invariant (I) of the proof, checked on the plan itself."""
    for L in range(2, 40):
        for m in range(1, min(L, 5)):
            assert _same_segment_pairs(L, m) == [], (L, m)


@pytest.mark.parametrize("order", [0, 1, 2])
def test_zero_kl_on_markov_laws_by_the_engine_free_oracle(order):
    for L in range(3, 8):
        for q in ((2, 3) if L <= 5 else (2,)):
            pmf = W.markov_law(L, q, order, seed=100 * L + q)
            for m in range(max(order, 1), min(L, 4)):
                law = W.plan_output_law(pmf, bisection_blocks(L, m))
                assert all(law[x] == pmf[x] for x in law), (L, q, order, m)


def test_order_above_m_is_not_sampled_exactly():
    """The oracle can fail: an order-2 law under bisect=1 has q_D ≠ p."""
    hits = 0
    for L in (4, 5, 6):
        pmf = W.markov_law(L, 2, 2, seed=7 + L)
        law = W.plan_output_law(pmf, bisection_blocks(L, 1))
        hits += any(law[x] != pmf[x] for x in law)
    assert hits == 3


def test_engine_expected_kl_is_exactly_zero_on_oracle_laws():
    pmf = W.markov_law(6, 2, 2, seed=11)
    t = make_target(pmf, 2, 6, spec="order2", exact=True)
    from verify.certify.verdicts import check_eq
    from verify.claims.instances import Instance, Workspace
    from verify.engine.numbers import zero

    ws = Workspace(t)
    for m, status in ((2, "tight"), (3, "tight"), (1, "refuted")):
        inst = Instance(ws, parse_sampler(f"plan:bisect={m}", 6))
        assert check_eq(inst.value("expected_kl"), zero(True)).status == status, m


def test_wll26_t2_claim_has_exact_zeros_and_no_refutation():
    claim = next(c for c in __import__("proofs_numeric").registry() if c.id == "WLL26.T2")
    res = run_claim(claim, "ci", TargetCache(),
                    targets=["markov:L=6,q=2,seed=2", "ngram:L=5,q=2,n=3,seed=3", "mds:q=3,L=4,k=2,code=tetracode",
                             "hmm:L=4,q=2,states=2,seed=4"])
    st = [r.status for r in res.rows]
    assert "refuted" not in st and st.count("tight") >= 6
    # ngram order 2 under m = 1, and the hmm (no finite order) are undefined, not verdicts
    assert any(r.status == "undefined" and "order 2 > m = 1" in r.margin for r in res.rows)


@pytest.mark.parametrize("spec,field", [("plan:bisect=0", "sampler.plan.bisect"), ("plan:bisect=5", "sampler.plan.bisect"),
                                        ("plan:bisect=x", "sampler.plan.bisect"), ("plan:bisect=1,blocks=0", "sampler.plan")])
def test_bad_bisect_specs_name_the_field(spec, field):
    with pytest.raises(SpecError) as err:
        parse_sampler(spec, 5)
    assert err.value.field == field


def test_cli_refuses_a_bad_bisect_with_exit_2():
    out = subprocess.run([sys.executable, "-m", "verify.cli", "measure", "--target", "markov:L=4,q=2,flip=1/10",
                          "--sampler", "plan:bisect=4"], capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout == "" and "sampler.plan.bisect" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ Theorem 1: the chain side

def _laws():
    rng = np.random.default_rng(2608)
    return [O.random_law(rng, 2, 3, 1.0, 0.0), O.random_law(rng, 2, 4, 0.5, 0.0),
            O.random_law(rng, 2, 4, 0.3, 0.3), O.random_law(rng, 3, 3, 0.3, 0.3)]


COMPARATORS = [("max-entropy", "1/2", Fraction(1, 2)), ("eb", "1/2", Fraction(1, 2)), ("topk", "2", 2),
               ("threshold", "1/2", Fraction(1, 2)), ("topk", "3", 3), ("eb", "log(2)", ("log", 1, 2))]


@pytest.mark.parametrize("k", range(4))
def test_chain_side_equals_the_oracle_trajectory_sum_for_every_rule(k):
    pmf = _laws()[k]
    q, L = pmf.shape[0], pmf.ndim
    t = make_target(pmf, q, L, spec=f"law{k}")
    for rule, text, param in COMPARATORS:
        res = run_chain(t, f"{rule}:{'k' if rule == 'topk' else 'tau' if rule == 'threshold' else 'gamma' if rule == 'eb' else 'eta'}={text}",
                        chain=True)
        choose = AO.comparator_policy(pmf, rule, param)
        chain = W.chain_tc(pmf, choose)
        kl = AO.comparator_direct(pmf, rule, param)["expected_kl"]
        assert chain == pytest.approx(kl, rel=1e-9, abs=1e-12)          # Theorem 1, engine-free
        assert res.chain_tc == pytest.approx(chain, rel=1e-9, abs=1e-12)  # the engine's chain side
    # entropy-sum: one deterministic policy per order, averaged
    for eta in (Fraction(1, 2), ("log", 1, 2)):
        decide = AO.ExactEntropy(eta)
        pred = AO.perfect(pmf)
        perms = list(itertools.permutations(range(L)))
        chain = sum(W.chain_tc(pmf, AO.entropy_sum_policy(pred, decide, p)) for p in perms) / len(perms)
        res = run_chain(t, f"entropy-sum:eta={'1/2' if eta == Fraction(1, 2) else 'log(2)'}", chain=True)
        assert res.chain_tc == pytest.approx(chain, rel=1e-9, abs=1e-12)
        assert res.expected_kl == pytest.approx(chain, rel=1e-9, abs=1e-12)


def test_chain_side_is_nonzero_somewhere_so_the_check_can_fail():
    pmf = _laws()[1]
    t = make_target(pmf, 2, 4, spec="law1")
    res = run_chain(t, "topk:k=2", chain=True)
    assert res.chain_tc > 1e-3


def test_exact_chain_side_equals_the_exact_expected_kl():
    from distributions import parse_target

    t = parse_target("dirichlet:L=4,q=2,alpha=1/10,seed=1", exact=True)
    for rule in ("topk:k=2", "threshold:tau=1/2", "entropy-sum:eta=1"):
        res = run_chain(t, rule, chain=True)
        assert (res.expected_kl - res.chain_tc).sign() == 0
        assert res.chain_tc.sign() > 0
