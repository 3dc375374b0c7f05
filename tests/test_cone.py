"""The profile cone (docs/cone.md): sharp constants over every law, ray witnesses, all-law claims.

Expected values come from tests/cone_oracles.py, which imports nothing from ``verify``: size laws
as explicit lists of compositions, D-PROFILE summed composition by composition, profiles of laws
by enumerating every subset's marginal, codes written out word by word.
"""
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests import cone_oracles as O
from verify.engine.profile.cone import (OVER, binary_ray, ray_expected_kl, ray_table, ray_witness, sharp_constant,
                                        smallest_prime_at_least, worst_case)
from verify.engine.samplers import size_law_of

ROOT = Path(__file__).resolve().parent.parent


def _fr(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def _engine_sharp(spec: str, L: int, over: str):
    _, A = size_law_of(spec, L).start_weights(True)
    s = sharp_constant(A, L, over)
    return None if s.infinite else _fr(s.value)


# Samplers and their laws written out by the oracle (compositions in reveal order).
def _oracle_laws(L: int) -> list:
    out = [(f"balanced:K={K}", O.balanced_law(K, L)) for K in range(1, L + 1)]
    out += [(f"count:N={N}", O.balanced_law(N, L)) for N in (1, max(1, L // 2), L)]
    out += [(f"mdm:N={N}", O.mdm_law([Fraction(1, N)] * N, L)) for N in (1, 2, 3)]
    out.append(("mdm:pi=1/2+1/4+1/4", O.mdm_law([Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], L)))
    out += [(f"random-size:law=uniform,K={K}", O.uniform_composition_law(K, L)) for K in range(1, L + 1)]
    out += [("fixed:sizes=" + "+".join(map(str, c)), O.fixed_law(c)) for c in O.compositions(L)][:40]
    if L >= 2:
        out.append((f"random-size:law=1/3@1+{L - 1};2/3@{L - 1}+1",
                    {(1, L - 1): Fraction(1, 3), (L - 1, 1): Fraction(2, 3)}))
    return out


NAMED = ("random-size:law=grow,r=1", "random-size:law=grow,r=1/2,randomized=true",
         "random-size:law=shrink,r=1/2", "random-size:law=shrink,r=1/3,randomized=true",
         "random-size:law=odds,rho=1", "random-size:law=odds,rho=1/8")


@pytest.mark.parametrize("L", [1, 2, 3, 5, 7])
def test_sharp_constants_equal_brute_force_over_ray_profiles(L):
    for spec, law in _oracle_laws(L):
        for over in OVER:
            assert _engine_sharp(spec, L, over) == O.brute_sharp(law, L, over), (spec, over)


@pytest.mark.parametrize("L", [4, 9])
def test_named_size_laws_sharp_constants(L):
    """Named laws: their compositions come from the engine's schedule (the law's definition is
    tested in test_sizelaws); the cone arithmetic is the oracle's."""
    from verify.engine.samplers import parse_sampler

    for spec in NAMED:
        law = {tuple(c): Fraction(int(p.p), int(p.q)) for p, c in parse_sampler(spec, L).compositions()}
        for over in OVER:
            assert _engine_sharp(spec, L, over) == O.brute_sharp(law, L, over), (spec, over)


def test_ray_kl_is_the_overshoot_and_d_profile_on_the_ray():
    for L in (3, 6, 8):
        for spec, law in _oracle_laws(L):
            _, A = size_law_of(spec, L).start_weights(True)
            got = [_fr(v) for v in ray_expected_kl(A, L)]
            assert got == [O.overshoot(law, k) for k in range(1, L + 1)], spec
            assert got == [O.expected_kl(law, O.ray(L, k)) for k in range(1, L + 1)], spec


def test_ray_table_information_values():
    L = 7
    _, A = size_law_of("balanced:K=3", L).start_weights(True)
    for row in ray_table(A, L):
        want = O.info(O.ray(L, row["k"]))
        assert {n: _fr(row[n]) for n in ("H", "TC", "DTC", "sum_I")} == want


def test_issue_figures_odds_law_at_1024():
    """The issue's figures: law=odds,rho=1 at L = 1024, DTC worst near k = 32, TC worst near k = 965."""
    law = size_law_of("random-size:law=odds,rho=1", 1024)
    d, t = worst_case(law, "DTC"), worst_case(law, "TC")
    assert d["k"] == 32 and d["witness"] == "mds:q=1031,L=1024,k=32,code=rs"
    assert 960 <= t["k"] <= 970
    assert d["expected_iterations"] == "22/1"


# --- every law below the sharp constant -----------------------------------------------------------

SAMPLERS_FOR_LAWS = ("balanced:K=2", "balanced:K=3", "mdm:N=2", "random-size:law=uniform,K=2", "fixed:sizes=1+{r}",
                     "fixed:sizes={r}+1")


def test_cone_facts_and_no_law_exceeds_the_sharp_constants(profile):
    count = 100 if profile == "ci" else 400
    rng = np.random.default_rng(20260)
    laws = O.random_laws(rng, count)
    sharp_cache: dict = {}
    checked = 0
    for name, pmf in laws:
        L = pmf.ndim
        h = O.profile_of(pmf)
        f = O.increments(h)
        # Theorem 1: non-increasing increments, f(L−1) ≥ 0, and h is the non-negative ray sum
        assert all(f[m] >= f[m + 1] - 1e-12 for m in range(L - 1)), name
        assert f[-1] >= -1e-12, name
        c = O.ray_coefficients(h)
        assert min(c) >= -1e-12
        back = [sum(ck * min(m, k) for k, ck in enumerate(c, start=1)) for m in range(L + 1)]
        assert np.allclose(back, h, atol=1e-12)
        for raw in SAMPLERS_FOR_LAWS:
            spec = raw.format(r=L - 1)
            law = {"balanced:K=2": O.balanced_law(2, L), "balanced:K=3": O.balanced_law(min(3, L), L),
                   "mdm:N=2": O.mdm_law([Fraction(1, 2)] * 2, L),
                   "random-size:law=uniform,K=2": O.uniform_composition_law(2, L),
                   }.get(raw, O.fixed_law((1, L - 1) if raw.startswith("fixed:sizes=1") else (L - 1, 1)))
            if raw == "balanced:K=3":
                spec = f"balanced:K={min(3, L)}"
            ekl = O.expected_kl(law, h)
            for over in OVER:
                key = (spec, L, over)
                if key not in sharp_cache:
                    sharp_cache[key] = _engine_sharp(spec, L, over)
                den = O.denominator(h, over)
                if den <= 1e-9:
                    continue
                sup = sharp_cache[key]
                assert sup is None or ekl / den <= float(sup) + 1e-9, (name, spec, over, ekl / den, sup)
                checked += 1
    assert checked > 10 * count


# --- every ray is a code ----------------------------------------------------------------------------

@pytest.mark.parametrize("L", [2, 3, 4, 5, 6])
def test_every_ray_witness_enumerated_gives_the_ray(L):
    """The witness spec of ray k, built by the target registry and enumerated, has profile
    exactly r_k · log q (every projection uniform on q^{min(|A|, k)} words)."""
    from distributions import parse_target

    for k in range(1, L + 1):
        spec = ray_witness(L, k)
        t = parse_target(spec, exact=False)
        assert O.exact_code_profile(t.pmf, t.q) == O.ray(L, k), spec
        assert binary_ray(L, k) == (t.q == 2)


@pytest.mark.parametrize("L,k", [(5, 2), (5, 3), (7, 4)])
def test_reed_solomon_written_out_by_the_oracle_is_mds(L, k):
    q = smallest_prime_at_least(L)
    pmf = O.uniform_on(O.code_words("rs", q, L, k), q, L)
    assert O.exact_code_profile(pmf, q) == O.ray(L, k)
    assert ray_witness(L, k) == f"mds:q={q},L={L},k={k},code=rs"


def test_witness_measured_by_enumeration_gives_ray_values_times_log_q():
    """verify measure on the worst ray's code reproduces E KL = E[O_k] log q and TC = (L − k) log q."""
    L, spec = 5, "random-size:law=uniform,K=2"
    out = worst_case(size_law_of(spec, L), "TC")
    law = O.uniform_composition_law(2, L)
    r = _run("measure", "--target", out["witness"], "--sampler", spec, "--json")
    q = int(out["witness"].split("q=")[1].split(",")[0]) if "q=" in out["witness"] else 2
    k = out["k"]
    assert r["expected_kl"] == pytest.approx(float(O.overshoot(law, k)) * np.log(q), rel=1e-12)
    assert r["TC"] == pytest.approx((L - k) * np.log(q), rel=1e-12)


# --- the command line ---------------------------------------------------------------------------------

def _run(*args, code=0):
    """The command line in process (``verify.cli.main.main``): exit code, stdout, stderr."""
    import contextlib
    import io
    from types import SimpleNamespace

    from verify.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*args, *(["--json"] if args[0] == "worst" else [])])
    assert rc == code, err.getvalue()
    return json.loads(out.getvalue()) if code == 0 else SimpleNamespace(stdout=out.getvalue(), stderr=err.getvalue())


def test_worst_json_keys_and_values():
    r = _run("worst", "--sampler", "balanced:K=2", "--L", "6", "--over", "DTC", "--rays")
    assert {"L", "sampler", "over", "sup", "sup_float", "k", "witness", "expected_iterations", "engine",
            "holds_for", "rays"} <= set(r)
    law = O.balanced_law(2, 6)
    assert Fraction(r["sup"]) == O.brute_sharp(law, 6, "DTC") == 2  # repetition: first block 3, overshoot 2
    assert r["k"] == 1 and r["witness"] == "mds:q=2,L=6,k=1,code=repetition"
    assert r["engine"] == "cone" and r["holds_for"] == "all laws" and r["expected_iterations"] == "2/1"
    assert [Fraction(x["expected_kl"]) for x in r["rays"]] == [O.overshoot(law, k) for k in range(1, 7)]


def test_worst_sup_infinite_when_a_ray_has_zero_denominator():
    r = _run("worst", "--sampler", "fixed:sizes=3", "--L", "3", "--over", "H")
    assert r["sup"] != "inf"  # H > 0 on every ray
    r = _run("worst", "--sampler", "fixed:sizes=2+1", "--L", "3", "--over", "TC")
    assert Fraction(r["sup"]) == O.brute_sharp(O.fixed_law((2, 1)), 3, "TC")


@pytest.mark.parametrize("sampler,word", [("entropy-sum:eta=1", "adaptive"), ("plan:blocks=0/1+2", "fixed positions"),
                                          ("max-entropy:eta=1", "adaptive")])
def test_worst_refuses_adaptive_and_plan_in_one_line(sampler, word):
    p = _run("worst", "--sampler", sampler, "--L", "3", code=2)
    assert word in p.stderr and len(p.stderr.strip().splitlines()) == 1 and not p.stdout


def test_worst_bad_input_one_line():
    for args in (("--L", "0"), ("--over", "KL"), ("--L", "5", "--sampler", "balanced:K=9")):
        full = ["worst", "--sampler", "balanced:K=2", "--L", "4", *args]
        p = _run(*full, code=2)
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_measure_refuses_a_witness_too_large_to_enumerate_in_one_line():
    r = _run("worst", "--sampler", "random-size:law=odds,rho=1", "--L", "5000", "--over", "DTC")
    assert r["witness"].startswith("mds:q=5003,L=5000,")
    p = _run("measure", "--target", r["witness"], "--sampler", "random-size:law=odds,rho=1", code=2)
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_worst_balanced_at_L_1e5_is_exact_and_fast():
    import time

    t0 = time.perf_counter()
    out = worst_case(size_law_of("balanced:K=17", 10**5), "TC")
    assert time.perf_counter() - t0 < 30
    # 10^5 = 6·5883 + 11·5882 (larger blocks first): on ray k inside the last block, E KL = L − k = TC,
    # so the sup is 1, first reached at k = L − 5882 + 1 (the oracle's brute force agrees at small L above)
    assert out["sup"] == "1/1" and out["k"] == 10**5 - 5882 + 1


# --- all-law claims --------------------------------------------------------------------------------

def test_all_law_LC25_T1_certified_for_every_composition_up_to_16():
    from proofs_numeric import registry
    from verify.claims.check import run_claim

    claim = next(c for c in registry() if c.id == "LC25.T1.all")
    assert tuple(claim.lengths) == tuple(range(1, 17)) and claim.samplers == ("compositions",)
    res = run_claim(claim, "ci")
    assert len(res.rows) == 2**16 - 1
    assert res.counts["refuted"] == 0 and res.counts["undecided"] == 0
    # oracle: on ray k < L, E[O_k] ≤ 2^ceil(log2 s_max) − 1 (sum_I = L); equality somewhere iff tight
    for row in res.rows[:: 97]:
        c = tuple(int(x) for x in row.instance["sampler"].split("=")[1].split("+"))
        L, s = sum(c), max(c)
        bound = 2 ** (s - 1).bit_length() - 1 if s > 1 else 0
        over = [O.overshoot(O.fixed_law(c), k) for k in range(1, L)]
        assert all(o <= bound for o in over)
        want = "tight" if (bound == 0 or bound in over) else "certified"
        assert row.status == want, (c, row.status)


def _false_claim(tmp_path):
    from verify.claims.model import load_claims_file

    p = tmp_path / "false.toml"
    p.write_text('''[[claim]]
id = "X.HALF"
paper = "derived"
provenance = "derived"
statement = 'false on purpose'
relation = "<="
grid = "all-laws"
lengths = [4, 6]
samplers = ["balanced:K={K}"]
budgets = [2, 3]
lhs = "expected_kl"
rhs = "TC/(2*K)"
''')
    return load_claims_file(p)[0]


def test_false_all_law_claim_refuted_with_code_witness_replayed_by_enumeration(tmp_path):
    from distributions import parse_target
    from verify.certify.logforms import LogLinear
    from verify.certify.verdicts import check_eq
    from verify.claims.check import run_claim
    from verify.engine.metrics import measure
    from verify.engine.samplers import parse_sampler

    claim = _false_claim(tmp_path)
    res = run_claim(claim, "ci", witness_dir=tmp_path)
    assert res.counts["refuted"] >= 1 and res.witnesses
    for row in res.refutations():
        L, spec, k = row.instance["L"], row.instance["sampler"], row.instance["ray"]
        K = int(spec.split("=")[1])
        law = O.balanced_law(K, L)
        # the oracle's most violated ray: smallest TC/(2K) − E[O_k]
        margins = {kk: O.info(O.ray(L, kk))["TC"] / (2 * K) - O.overshoot(law, kk) for kk in range(1, L + 1)}
        assert min(margins.values()) < 0 and margins[k] == min(margins.values())
        target = parse_target(row.instance["witness"], exact=True)
        out = measure(target, parse_sampler(spec, L))
        q = target.q
        want = margins[k]  # rhs − lhs in units of log q
        got = check_eq(_diff(out["TC"], out["expected_kl"], K), LogLinear({q: want}))
        assert got.status == "tight", (row.instance, got.margin)
    wfile = Path(res.witnesses[0]["path"])
    data = json.loads(wfile.read_text())
    assert data["witness"]["replay"].startswith("verify measure --target ")


def _diff(tc, ekl, K):
    from verify.certify.verdicts import Difference, Scaled

    return Difference(Scaled(Fraction(1, 2 * K), tc), ekl)


@pytest.mark.parametrize("side,word", [("mixture_kl", "mixture_kl"), ("ser", "ser"), ("eps_train", "eps_train"),
                                       ("TC*DTC/L", "product"), ("TC + 1", "additive constant"),
                                       ("expected_kl/TC", "not linear"), ("q*TC", "'q'"),
                                       ("steps_ge2", "steps_ge2")])
def test_all_law_grid_refuses_nonlinear_sides_in_one_line(tmp_path, side, word):
    from verify.errors import SpecError
    from verify.claims.model import load_claims_file

    p = tmp_path / "bad.toml"
    p.write_text(f'''[[claim]]
id = "X.BAD"
paper = "derived"
provenance = "derived"
statement = 'x'
relation = "<="
grid = "all-laws"
lengths = [4]
samplers = ["balanced:K=2"]
lhs = "expected_kl"
rhs = "{side}"
''')
    with pytest.raises(SpecError) as err:
        load_claims_file(p)
    assert word in str(err.value) and "\n" not in str(err.value)


def test_binary_witness_when_a_binary_ray_attains_the_sup():
    """balanced:K=3 at L = 7 (sizes 3, 2, 2): over TC every ray of the last block attains 1, the
    smallest is k = 6 = L − 1 (parity, binary); over DTC the worst ray k = 1 is the repetition code."""
    law = O.balanced_law(3, 7)
    out = worst_case(size_law_of("balanced:K=3", 7), "TC")
    assert Fraction(out["sup"]) == O.brute_sharp(law, 7, "TC") == 1
    assert out["witness_binary"] and out["binary_witness"] == "mds:q=2,L=7,k=6,code=parity"
    out = worst_case(size_law_of("random-size:law=odds,rho=1", 1024), "DTC")
    assert not out["witness_binary"] and out["binary_witness"] is None


def _toml(tmp_path, body: str):
    from verify.claims.model import load_claims_file

    p = tmp_path / "c.toml"
    p.write_text('[[claim]]\nid = "X.C"\npaper = "derived"\nprovenance = "derived"\nstatement = \'x\'\n'
                 'grid = "all-laws"\n' + body)
    return load_claims_file(p)


@pytest.mark.parametrize("body,field", [
    ('relation = "<="\nsamplers = ["balanced:K=2"]\nlhs = "expected_kl"\nrhs = "TC"\n', "lengths"),
    ('relation = "<="\nlengths = [4]\nlhs = "expected_kl"\nrhs = "TC"\n', "samplers"),
    ('relation = "<="\nlengths = [4]\nsamplers = ["balanced:K=2"]\npredictors = ["imperfect"]\nlhs = "expected_kl"\n'
     'rhs = "TC"\n', "predictors"),
    ('relation = "<="\nlengths = [4]\nsamplers = ["balanced:K={K}"]\nlhs = "expected_kl"\nrhs = "TC"\n', "budgets"),
    ('relation = "<="\nlengths = [4]\nsamplers = ["balanced:K=9"]\nlhs = "expected_kl"\nrhs = "TC"\n', "samplers"),
])
def test_all_law_claim_files_refused_in_one_line(tmp_path, body, field):
    from verify.errors import SpecError

    with pytest.raises(SpecError) as err:
        _toml(tmp_path, body)
    assert field in err.value.field and "\n" not in str(err.value)


def test_all_law_shape_claim_equals_the_oracle_sup_and_expansion_skips_K_above_L(tmp_path):
    from verify.claims.check import run_claim

    claim = _toml(tmp_path, 'relation = "shape"\nlengths = [3, 8]\nsamplers = ["balanced:K={K}"]\nbudgets = [2, 4]\n'
                            'statistic = "K*expected_kl/sum_I"\n')[0]
    res = run_claim(claim, "ci")
    got = {(r.instance["L"], r.instance["sampler"]): Fraction(r.values["exact"]) for r in res.rows}
    assert set(got) == {(3, "balanced:K=2"), (8, "balanced:K=2"), (8, "balanced:K=4")}  # K=4 > L=3 skipped
    for (L, spec), v in got.items():
        K = int(spec.split("=")[1])
        assert v == K * O.brute_sharp(O.balanced_law(K, L), L, "sum_I")
    assert res.summary["holds_for"] == "all laws"


def test_all_law_verdicts_tight_and_certified_against_the_oracle(tmp_path):
    """E KL ≤ TC for every law: with a last block of three tokens the rays inside it give equality
    (tight); singleton blocks have E KL = 0 < TC on every ray k < L (certified; ray L is 0 ≤ 0,
    trivial); E KL ≤ 2·TC is strict on every non-trivial ray (certified)."""
    from verify.claims.check import run_claim

    base = 'relation = "<="\nlengths = [5]\nsamplers = ["fixed:sizes=2+3", "fixed:sizes=1+1+1+1+1"]\n'
    res = run_claim(_toml(tmp_path, base + 'lhs = "expected_kl"\nrhs = "TC"\n')[0], "ci")
    assert [r.status for r in res.rows] == ["tight", "certified"]
    assert res.rows[0].instance["ray"] == 3  # first ray with E[O_k] = L − k: k = 3 in the last block
    assert O.overshoot(O.fixed_law((2, 3)), 3) == 2 == O.info(O.ray(5, 3))["TC"]
    res = run_claim(_toml(tmp_path, base + 'lhs = "expected_kl"\nrhs = "2*TC"\n')[0], "ci")
    assert [r.status for r in res.rows] == ["certified", "certified"]


def test_all_law_irrational_coefficients_go_through_the_certifier(tmp_path):
    """log(3)/log(2) is irrational: each ray is decided by check_le (balls, exact zero test). E KL ≤ TC
    for every law, with equality on the rays of the last block: c·TC is certified for c = log 3/log 2 > 1
    and refuted for c = log 2/log 3 < 1 (on ray k = L − 1: E[O] = 1 = TC)."""
    from verify.claims.check import run_claim

    base = 'relation = "<="\nlengths = [6]\nsamplers = ["balanced:K=3"]\nlhs = "expected_kl"\n'
    up = run_claim(_toml(tmp_path, base + 'rhs = "log(3)/log(2) * TC"\n')[0], "ci")
    assert [r.status for r in up.rows] == ["certified"]
    down = run_claim(_toml(tmp_path, base + 'rhs = "log(2)/log(3) * TC"\n')[0], "ci")
    assert [r.status for r in down.rows] == ["refuted"]
    law = O.balanced_law(3, 6)
    k = down.rows[0].instance["ray"]
    worst = max(range(1, 6), key=lambda j: O.overshoot(law, j) - 0.6309 * O.info(O.ray(6, j))["TC"])
    assert k == worst
