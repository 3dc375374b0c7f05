"""Holes a mutation run found, closed with independent oracles.

- The expected KL of a single ``plan:`` sampler must condition inside each block on the earlier
  blocks only: KL(p ‖ q_D) = Σ_t E_p TC(X_{D_t} | X_{U_t}) (D-CHAIN). In the spec syntax '+' joins
  positions of one block and '/' separates blocks, so ``plan:blocks=0+1+2`` is one block of all
  three positions and its KL is exactly TC — never 0 on a law with TC > 0.
- ``balanced:K`` and ``count:N`` reveal the larger blocks first (sizes ⌈L/K⌉ before ⌊L/K⌋).
"""
import numpy as np
import pytest

import oracles
from verify.engine.metrics import measure
from verify.engine.samplers import parse_sampler
from verify.engine.target import make_target

PLANS = ["0+1+2", "0+2/1", "1/0+2", "2/1/0", "0/1+2", "1+2/0"]


def _law(seed, q=2, L=3):
    return oracles.random_law(np.random.default_rng(seed), q, L, alpha=0.5)


def _blocks(text):
    return [tuple(int(i) for i in b.split("+")) for b in text.split("/")]


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("blocks", PLANS)
def test_single_plan_expected_kl_is_the_chain_of_conditional_tcs(blocks, exact):
    pmf = _law(11, q=3)
    target = make_target(pmf, 3, 3, exact=exact)
    got = float(measure(target, f"plan:blocks={blocks}")["expected_kl"])
    law = oracles.plan_law_direct(pmf, _blocks(blocks))
    want = oracles.kl(pmf, law)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert want == pytest.approx(oracles.chain_tc_direct(pmf, _blocks(blocks)), rel=1e-9, abs=1e-12)


def test_one_block_of_every_position_costs_exactly_TC():
    pmf = _law(5)
    TC = oracles.measures_direct(pmf)["TC"]
    assert TC > 0.01
    got = float(measure(make_target(pmf, 2, 3), "plan:blocks=0+1+2")["expected_kl"])
    assert got == pytest.approx(TC, rel=1e-10)


@pytest.mark.parametrize("name", ["balanced:K", "count:N"])
@pytest.mark.parametrize("L,K,sizes", [(5, 2, (3, 2)), (5, 3, (2, 2, 1)), (4, 3, (2, 1, 1)), (3, 2, (2, 1))])
def test_balanced_and_count_reveal_larger_blocks_first(name, L, K, sizes):
    sched = parse_sampler(f"{name}={K}", L)
    assert tuple(sched.params["sizes"]) == sizes
    # and the law follows that order: the oracle's reversed order gives a different E KL here
    pmf = _law(3, q=2, L=L)
    want, _ = oracles.fixed_sampler_direct(pmf, sizes)
    other, _ = oracles.fixed_sampler_direct(pmf, sizes[::-1])
    assert abs(want - other) > 1e-6
    got = float(measure(make_target(pmf, 2, L), sched)["expected_kl"])
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
