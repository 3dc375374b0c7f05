"""ZC26 size laws: each law equals its written definition (engine-free oracle), D-PROFILE averaged over
every law equals the engine's exact DP, the MDS overshoot formula, and one-line refusals of bad files."""
import json
import subprocess
import sys
from fractions import Fraction

import pytest

from tests import profile_oracles as O
from verify.engine.profile.sizelaws import forward_weights, parse_size_law
from verify.engine.samplers import size_law_of


def fr(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def engine_law(law) -> dict:
    return {tuple(s): Fraction(int(p.p), int(p.q)) for p, s in law.graph().compositions()}


def oracle_laws(L: int) -> dict:
    out = {}
    for r in ("1", "1/2", "3/2"):
        for rnd in (False, True):
            out[f"random-size:law=grow,r={r}" + (",randomized=true" if rnd else "")] = O.grow_law(L, r, rnd)
    for r in ("1/2", "1/3", "1"):
        for rnd in (False, True):
            out[f"random-size:law=shrink,r={r}" + (",randomized=true" if rnd else "")] = O.shrink_law(L, r, rnd)
    for rho in ("1", "1/2"):
        out[f"random-size:law=odds,rho={rho}"] = O.odds_law(L, rho)
    for K in range(1, L + 1):
        out[f"random-size:law=uniform,K={K}"] = O.uniform_law(L, K)
    for N in (1, 2, 3):
        if N ** L <= 3 ** 7:
            out[f"random-size:law=binomial,N={N}"] = O.binomial_law(L, N)
    return out


@pytest.mark.parametrize("L", [1, 2, 3, 5, 7])
def test_every_law_equals_its_definition(L):
    for spec, want in oracle_laws(L).items():
        law = parse_size_law(spec, L)
        got = engine_law(law)
        want = {k: v for k, v in want.items() if v}
        assert got == want, spec
        P, A = law.start_weights(True)
        wP, wA = O.start_weights(want, L)
        assert [Fraction(int(x.p), int(x.q)) for x in P] == wP, spec
        assert [Fraction(int(x.p), int(x.q)) for x in A] == wA, spec
        mean_T = sum((p * len(s) for s, p in want.items()), Fraction(0))
        assert fr(law.mean_iterations(True)) == mean_T and law.max_iterations == max(len(s) for s in want), spec
        Pf, Af = law.start_weights(False)
        assert max(abs(float(a) - float(b)) for a, b in zip(Af, wA)) < 1e-12, spec


def test_closed_form_weights_equal_the_written_law():
    """uniform and binomial start weights come from closed forms at large L: they must equal the
    weights summed over the law written out composition by composition (engine-free oracle), and
    so must the size-node graph's forward pass."""
    for spec, L, want in (("random-size:law=uniform,K=4", 12, O.uniform_law(12, 4)),
                          ("random-size:law=uniform,K=1", 6, O.uniform_law(6, 1)),
                          ("random-size:law=binomial,N=3", 9, O.binomial_law(9, 3)),
                          ("mdm:pi=1/2+1/4+1/4", 7, O.mdm_law(7, [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]))):
        law = size_law_of(spec, L)
        wP, wA = O.start_weights(want, L)
        P, A = law.start_weights(True)
        assert [fr(x) for x in P] == wP and [fr(x) for x in A] == wA, spec
        gP, gA = forward_weights(law.graph(), True)
        assert [fr(x) for x in gP] == wP and [fr(x) for x in gA] == wA, spec


def test_weights_at_L1024_sum_to_L():
    for spec in ("random-size:law=grow,r=1/4,randomized=true", "random-size:law=shrink,r=1/8,randomized=true",
                 "random-size:law=uniform,K=32", "random-size:law=odds,rho=1/4", "balanced:K=10"):
        law = size_law_of(spec, 1024)
        _, A = law.start_weights(True)
        assert sum(A) == 1024, spec
        _, Af = law.start_weights(False)
        assert abs(sum(Af) - 1024) < 1e-8, spec


TARGETS = [
    ("markov:L=5,q=2,flip=1/10", lambda: O.markov_joint([Fraction(1, 2)] * 2, [[Fraction(9, 10), Fraction(1, 10)],
                                                                                [Fraction(1, 10), Fraction(9, 10)]], 5)),
    ("coloring3:L=4", lambda: O.markov_joint([Fraction(1, 3)] * 3, [[Fraction(0) if a == b else Fraction(1, 2)
                                                                     for b in range(3)] for a in range(3)], 4)),
]


@pytest.mark.parametrize("spec,joint", TARGETS, ids=[t for t, _ in TARGETS])
def test_d_profile_over_every_law_equals_dp_engine(spec, joint):
    """D-PROFILE averaged over the law (oracle, exact canonical forms) = the engine's DP expected KL
    (laws.expected_kl, from conditionals) = the profile engine's expected_kl."""
    from distributions import parse_target
    from verify.engine.laws import expected_kl as dp_expected_kl
    from verify.engine.samplers import parse_sampler
    from verify.engine.profile.entropy import expected_kl

    from tests.test_profile import canon

    target = parse_target(spec, exact=True)
    L = target.L
    hforms = O.profile_forms(joint(), L)
    for law_spec, law in oracle_laws(L).items():
        want = O.law_profile_kl_form(law, hforms)
        dp = dp_expected_kl(target, parse_sampler(law_spec, L))
        assert canon(dp) == want, law_spec
        assert canon(expected_kl(spec, law_spec, exact=True)) == want, law_spec


CODES = [("mds:q=2,L=6,k=1", 2, 1), ("mds:q=3,L=5,k=1", 3, 1), ("mds:q=2,L=6,k=5", 2, 5),
         ("mds:q=3,L=4,k=3", 3, 3), ("mds:q=3,L=4,k=2,code=tetracode", 3, 2), ("mds:q=5,L=4,k=2,code=rs", 5, 2)]


@pytest.mark.parametrize("spec,q,k", CODES, ids=[c[0] for c in CODES])
def test_mds_overshoot_formula(spec, q, k):
    """E KL = log q · E[n_{t*} − k] (t* the first block reaching k), for every size law."""
    from verify.engine.profile.entropy import expected_kl

    from tests.test_profile import canon

    L = int(spec.split("L=")[1].split(",")[0])
    for law_spec, law in oracle_laws(L).items():
        over = O.mean_overshoot(law, k)
        want = {q: over} if over else {}  # q is prime here
        assert canon(expected_kl(spec, law_spec, exact=True)) == want, law_spec


def test_mds_overshoot_on_dp_engine_for_rs_and_tetracode():
    from distributions import parse_target
    from verify.engine.laws import expected_kl as dp_expected_kl
    from verify.engine.samplers import parse_sampler

    from tests.test_profile import canon

    for spec, q, k in (CODES[4], CODES[5]):
        target = parse_target(spec, exact=True)
        for law_spec in ("random-size:law=grow,r=1,randomized=true", "random-size:law=shrink,r=1/2",
                         "random-size:law=uniform,K=2", "random-size:law=binomial,N=2"):
            law = engine_law(parse_size_law(law_spec, 4))
            over = O.mean_overshoot(law, k)
            assert canon(dp_expected_kl(target, parse_sampler(law_spec, 4))) == ({q: over} if over else {}), law_spec


def run(*args):
    return subprocess.run([sys.executable, "-m", "verify.cli", *args], capture_output=True, text=True)


BAD_FILES = [
    ("not json", "{"),
    ("not a list", '{"p": 1}'),
    ("empty", "[]"),
    ("entry shape", '[["1", 4]]'),
    ("bad size", '[["1", [0, 4]]]'),
    ("wrong sum", '[["1", [1, 2]]]'),
    ("probs sum", '[["1/2", [4]], ["1/3", [1, 3]]]'),
    ("negative", '[["-1/2", [4]], ["3/2", [1, 3]]]'),
    ("bad prob", '[["x", [4]]]'),
    ("bool size", '[["1", [true, 3]]]'),
]


@pytest.mark.parametrize("name,text", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_size_law_file_exit_2_one_line(tmp_path, capsys, name, text):
    from verify.cli.main import main

    path = tmp_path / "law.json"
    path.write_text(text)
    rc = main(["measure", "--target", "markov:L=4,q=2,flip=1/10", "--sampler", f"random-size:law=file:{path}"])
    out = capsys.readouterr()
    assert rc == 2 and out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "sampler.random-size.law.file" in lines[0], out.err


def test_bad_size_law_file_process_exit_status(tmp_path):
    path = tmp_path / "law.json"
    path.write_text('[["1/2", [4]], ["1/3", [1, 3]]]')
    out = run("measure", "--target", "markov:L=4,q=2,flip=1/10", "--sampler", f"random-size:law=file:{path}")
    assert out.returncode == 2 and out.stdout == "" and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_good_size_law_file_is_exact(tmp_path):
    path = tmp_path / "law.json"
    path.write_text(json.dumps([["1/3", [1, 3]], ["2/3", [2, 1, 1]]]))
    law = parse_size_law(f"random-size:law=file:{path}", 4)
    assert engine_law(law) == {(1, 3): Fraction(1, 3), (2, 1, 1): Fraction(2, 3)}
    assert fr(law.mean_iterations(True)) == Fraction(1, 3) * 2 + Fraction(2, 3) * 3 and law.max_iterations == 3
    # the legacy explicit syntax still works
    old = size_law_of("random-size:law=1/3@1+3;2/3@2+1+1", 4)
    assert engine_law(old) == engine_law(law)


def test_mixture_law_of_a_graph_law_equals_brute_force_over_plans():
    """The enumeration engine runs on the size-node graph; its mixture law must be the average of
    plan laws over the law written out by its definition (engine-free oracles for both the size
    law and the plan laws)."""
    import numpy as np

    from distributions import parse_target
    from tests import oracles as PO
    from verify.engine.laws import mixture_law
    from verify.engine.samplers import parse_sampler

    target = parse_target("markov:L=4,q=2,seed=2", exact=True)
    pmf = np.array([float(x) for x in target.pmf.reshape(-1)]).reshape(target.pmf.shape)
    for spec, want in (("random-size:law=grow,r=1/2,randomized=true", O.grow_law(4, "1/2", True)),
                       ("random-size:law=uniform,K=2", O.uniform_law(4, 2)),
                       ("random-size:law=shrink,r=1/3,randomized=true", O.shrink_law(4, "1/3", True))):
        _, r_oracle = PO.random_size_direct(pmf, [(float(p), s) for s, p in want.items()])
        r = mixture_law(target, parse_sampler(spec, 4))
        got = np.array([float(x) for x in r.reshape(-1)]).reshape(r.shape)
        np.testing.assert_allclose(got, r_oracle, rtol=1e-12, atol=1e-15, err_msg=spec)
