"""The resource guard on every engine, in memory and in time, and the input cases of issue 20.

Each case the hostile review reported is a named regression test below; the limits are set small
through ``VERIFY_MAX_BYTES`` / ``VERIFY_MAX_SECONDS`` where that keeps a test fast, and nothing here
allocates more than a few MiB (the estimates are checked against peaks measured once by
``benchmarks/bench_guard.py``, quoted in docs/errors.md). The hypothesis tests at the end extend the
fuzzers of ``test_bad_input.py`` to Unicode look-alikes, special files and oversized numbers.
"""
from __future__ import annotations

import json
import math
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyp import effort
from test_bad_input import _contract, _run_in_tmp, cli, one_line  # noqa: F401  (cli is a fixture)
from verify import guard

GIB, MIB = 2**30, 2**20
START = 45  # MiB: the peak of a trivial run (start-up), measured by benchmarks/bench_guard.py


def quick(fn, limit=5.0):
    """Run ``fn`` and check it returned within ``limit`` seconds (a refusal is up front, not after work)."""
    t = time.perf_counter()
    out = fn()
    assert time.perf_counter() - t < limit
    return out


# ------------------------------------------------------------------ memory on every engine

def test_profile_engine_obeys_max_bytes(cli, monkeypatch):
    """Was: 895 MiB used under a 1 MB limit (markov at L = 4096 through the profile engine)."""
    monkeypatch.setenv("VERIFY_MAX_BYTES", "1e6")
    line = one_line(*quick(lambda: cli("measure", "--target", "markov:L=4096,q=2,flip=0.1"))[::2], "target")
    assert "entropy profile of markov" in line and "VERIFY_MAX_BYTES" in line
    line = one_line(*cli("measure", "--target", "markov:L=4096,q=2,flip=0.1", "--sampler", "balanced:K=4")[::2],
                    "target")
    assert "VERIFY_MAX_BYTES" in line


def test_profile_estimate_bounds_the_measured_peak():
    """markov:L=4096 peaks at 895 MiB (float) and 214 MiB (exact), seeded q = 3 at 1771 MiB (float), all
    whole-process peaks with a 45 MiB start-up: the estimates (above start-up) bound them."""
    from distributions import plan_spec
    from verify.engine.profile.entropy import refuse_profile

    plan = plan_spec("markov:L=4096,q=2,flip=0.1")
    assert refuse_profile(plan, exact=False)[0] >= (895 - START) * MIB
    assert refuse_profile(plan, exact=True)[0] >= (214 - START) * MIB
    assert refuse_profile(plan_spec("markov:L=4096,q=3,seed=1"), exact=False)[0] >= (1771 - START) * MIB


def test_mdm_1e9_steps_at_L4096_refused_up_front(cli):
    """Was: mdm:N=10⁹ at L = 4096 reached 7.9 GB (a list of 10⁹ step probabilities)."""
    line = one_line(*quick(lambda: cli("measure", "--target", "markov:L=4096,q=2,flip=0.1",
                                       "--sampler", "mdm:N=1000000000"))[::2], "sampler.mdm.N")
    assert "N=1000000000" in line
    assert guard.binomial_cost(10**9, 4096, True)[0] >= 7.9e9


def test_hmm_10000_states_estimate_bounds_the_peak(cli):
    """Was: estimated at 766 MiB, peaked at 4.6 GiB (the states × states Dirichlet draws)."""
    from distributions.registry import plan_cost, plan_spec

    assert plan_cost(plan_spec("hmm:L=2,q=2,states=10000"), False)[0] >= 4.6 * GIB
    # states = 3000 peaks at 460 MiB (benchmarks/bench_guard.py)
    assert plan_cost(plan_spec("hmm:L=2,q=2,states=3000"), False)[0] >= (460 - START) * MIB
    line = one_line(*quick(lambda: cli("measure", "--target", "hmm:L=2,q=2,states=10000"))[::2], "target")
    assert "states=10000" in line


def test_entropy_sum_on_dirichlet_L14_estimate_bounds_the_peak(cli, monkeypatch):
    """Was: 183 MiB estimated against 985 MiB used (the adaptive engine was sized as enumeration)."""
    assert guard.adaptive_bytes(2, 14, False) >= (985 - START) * MIB
    monkeypatch.setenv("VERIFY_MAX_BYTES", str(900 * MIB))
    line = one_line(*quick(lambda: cli("measure", "--target", "dirichlet:L=14,q=2",
                                       "--sampler", "entropy-sum:eta=0.4"))[::2], "sampler")
    assert "adaptive chain" in line


# ------------------------------------------------------------------ time

def test_mdm_1e6_steps_bounded_in_work(cli, monkeypatch):
    monkeypatch.setenv("VERIFY_MAX_SECONDS", "1")
    line = one_line(*quick(lambda: cli("measure", "--target", "product:L=4,q=2", "--sampler", "mdm:N=1000000"))[::2],
                    "sampler.mdm.N")
    assert "of work" in line and "VERIFY_MAX_SECONDS" in line


def test_binomial_law_1e6_at_L4_refused_by_default(cli):
    """The prefix sums of 10⁶ step probabilities alone are ~10¹² Fraction additions: over an hour."""
    line = one_line(*quick(lambda: cli("measure", "--target", "product:L=4,q=2",
                                       "--sampler", "random-size:law=binomial,N=1000000"))[::2],
                    "sampler.random-size.N")
    assert "over the limit of 60 min" in line


def test_search_budget_bounded_in_work(cli):
    for args in (["search", "--all", "--budget", str(10**30)], ["search", "ZC26.TC", "--budget", str(10**30)]):
        rc, out, err = quick(lambda: cli(*args))
        one_line(rc, err, "--budget")
        assert out == ""


def test_enumeration_and_adaptive_work_estimates(cli, monkeypatch):
    monkeypatch.setenv("VERIFY_MAX_SECONDS", "0.001")
    one_line(*cli("measure", "--target", "product:L=10,q=2", "--sampler", "mdm:N=3")[::2], "sampler")
    one_line(*cli("measure", "--target", "product:L=8,q=2", "--sampler", "entropy-sum:eta=0.4")[::2], "sampler")
    one_line(*cli("measure", "--target", "dirichlet:L=10,q=2")[::2], "target")


def test_too_slow_to_enumerate_falls_back_to_the_profile_engine(cli, monkeypatch):
    """With no memory limit, markov:L=40 is refused by time (40·2^40 operations to build), not memory:
    the profile engine answers it as it answers a target too large."""
    monkeypatch.setenv("VERIFY_MAX_BYTES", "inf")
    rc, out, err = cli("measure", "--target", "markov:L=40,q=2,flip=0.1", "--sampler", "balanced:K=4")
    assert rc == 0, err
    assert "engine: profile" in out


def test_max_seconds_must_be_positive(cli, monkeypatch):
    for bad in ("-1", "0", "nan", "lots"):
        monkeypatch.setenv("VERIFY_MAX_SECONDS", bad)
        one_line(*cli("measure", "--target", "markov:L=3,q=2,flip=1/10")[::2], "VERIFY_MAX_SECONDS")


def test_default_limits_never_refuse_what_the_project_needs(monkeypatch):
    """Profile engine at L = 4096 for markov/mds/copy/product (float and exact, with the samplers of
    the profile grids) and size laws at L = 10⁵ for the cone engine's balanced:K=17."""
    from distributions import plan_spec
    from verify.engine.profile.entropy import refuse_profile
    from verify.engine.samplers import size_law_of

    monkeypatch.delenv("VERIFY_MAX_BYTES", raising=False)
    monkeypatch.delenv("VERIFY_MAX_SECONDS", raising=False)
    for spec in ("markov:L=4096,q=2,flip=0.1", "markov:L=4096,q=3,seed=1", "mds:q=5,L=4096,k=1", "mds:q=2,L=4096,k=4095",
                 "copy:L=4096,delta=1/3", "product:L=4096,q=2,p=1/4+3/4", "product:L=4096,q=3,seed=2",
                 "coloring3:L=4096", "ngram:L=4096,q=2,n=2,seed=1"):
        for exact in (False, True):
            nbytes, seconds = refuse_profile(plan_spec(spec), exact)
            assert nbytes < 4 * GIB and seconds < 600, (spec, exact, nbytes, seconds)
    for sampler in ("mdm:N=4", "mdm:N=4096", "balanced:K=64", "random-size:law=binomial,N=16",
                    "random-size:law=grow,r=1", "random-size:law=uniform,K=17", "random-size:law=odds,rho=1"):
        size_law_of(sampler, 4096)  # guarded inside; raises TooLarge/TooSlow if refused
    law = quick(lambda: size_law_of("balanced:K=17", 10**5), 20)
    P, A = law.start_weights(True)
    assert sum(A) == 10**5  # Σ_n A(n) = L (sizelaws module docstring)
    size_law_of("random-size:law=uniform,K=17", 10**5)


# ------------------------------------------------------------------ no overflow in the guard

def test_mds_q257_L256_no_overflow(cli):
    """Was: an OverflowError inside the guard (float(comb(256, n)·257^n))."""
    assert guard.engine_bytes(257, 256, False) == math.inf
    rc, out, err = cli("measure", "--target", "mds:q=257,L=256,k=100,code=rs", "--sampler", "mdm:N=4")
    assert rc == 0, err
    assert "engine: profile" in out


@effort(60)
@given(st.integers(2, 10**6), st.integers(1, 10**6), st.integers(1, 10**40), st.booleans())
def test_fuzz_guard_arithmetic_never_raises(q, L, N, exact):
    for value in (guard.engine_bytes(q, min(L, 5000), exact), guard.enumeration_seconds(q, L, N, exact),
                  guard.adaptive_bytes(q, L, exact), guard.adaptive_seconds(q, L, exact), guard.mdm_bytes(N, L),
                  guard.mdm_seconds(N, L), *guard.binomial_cost(N, L, exact), *guard.uniform_cost(N, L),
                  *guard.profile_cost("chain", q, L, exact, 64), *guard.profile_cost("scalar", q, L, exact),
                  guard.power(q, L), guard.as_float(N**50)):
        assert isinstance(value, float) and not math.isnan(value) and value >= 0
    assert guard.human_seconds(guard.mdm_seconds(N, L)) and guard.human(guard.mdm_bytes(N, L))


# ------------------------------------------------------------------ number sizes in law files

@pytest.mark.parametrize("entry", ['"1e-100000000"', "1e-100000000", '"1/1e100000000"', "1" * 5000])
def test_huge_number_in_size_law_file_refused_in_one_line(cli, tmp_path, entry):
    """Was: a "1e-100000000" law entry ran for minutes."""
    (tmp_path / "law.json").write_text(f"[[{entry}, [2, 2]], [\"1/2\", [4]]]")
    one_line(*quick(lambda: cli("measure", "--target", "product:L=4,q=2",
                                "--sampler", f"random-size:law=file:{tmp_path / 'law.json'}"))[::2],
             "sampler.random-size.law.file")


@pytest.mark.parametrize("entry", ['"1e-100000000"', "1e-100000000", "1E+99999"])
def test_huge_number_in_target_law_file_refused_in_one_line(cli, tmp_path, entry):
    (tmp_path / "law.json").write_text(f'{{"q": 2, "L": 1, "pmf": [{entry}, "1/2"]}}')
    one_line(*quick(lambda: cli("measure", "--target", f"file:{tmp_path / 'law.json'}"))[::2], "target.file")


# ------------------------------------------------------------------ special files

def test_dev_zero_size_law_refused(cli):
    """Was: law=file:/dev/zero read until MemoryError."""
    line = one_line(*quick(lambda: cli("measure", "--target", "product:L=4,q=2",
                                       "--sampler", "random-size:law=file:/dev/zero"))[::2],
                    "sampler.random-size.law.file")
    assert "character device" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_law_files_refused_without_blocking(cli, tmp_path):
    """Was: a FIFO blocked forever (nobody writes to it)."""
    for name in ("law.json", "law.npy"):
        os.mkfifo(tmp_path / name)
    line = one_line(*quick(lambda: cli("measure", "--target", "product:L=4,q=2",
                                       "--sampler", f"random-size:law=file:{tmp_path / 'law.json'}"))[::2],
                    "sampler.random-size.law.file")
    assert "FIFO" in line
    for name in ("law.json", "law.npy"):
        line = one_line(*quick(lambda: cli("measure", "--target", f"file:{tmp_path / name}"))[::2], "target.file")
        assert "FIFO" in line


def test_folder_and_link_loop_law_files(cli, tmp_path):
    (tmp_path / "d.json").mkdir()
    os.symlink(tmp_path / "loop.json", tmp_path / "loop.json")
    one_line(*cli("measure", "--target", f"file:{tmp_path / 'd.json'}")[::2], "target.file")
    one_line(*cli("measure", "--target", f"file:{tmp_path / 'loop.json'}")[::2], "target.file")
    one_line(*cli("measure", "--target", "product:L=4,q=2", "--sampler",
                  f"random-size:law=file:{tmp_path / 'loop.json'}")[::2], "sampler.random-size.law.file")


def test_oversized_law_file_refused_before_reading(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "MAX_LAW_FILE_BYTES", 1000)
    (tmp_path / "law.json").write_text(json.dumps([["1", [4]]] + [["0", [4]]] * 200))
    line = one_line(*cli("measure", "--target", "product:L=4,q=2",
                         "--sampler", f"random-size:law=file:{tmp_path / 'law.json'}")[::2],
                    "sampler.random-size.law.file")
    assert "over" in line


# ------------------------------------------------------------------ tracebacks on bad input

def test_mixture_nested_400_deep(cli):
    spec = "mixture:of=" * 1 + "[mixture:of=" * 399 + "[copy:L=2]" + "]" * 399
    line = one_line(*cli("measure", "--target", spec)[::2], "target")
    assert "nested deeper than" in line


def test_npz_renamed_npy(cli, tmp_path):
    np.savez(tmp_path / "law.npz", a=np.full((2, 2), 0.25))
    os.replace(tmp_path / "law.npz", tmp_path / "law.npy")
    assert zipfile.is_zipfile(tmp_path / "law.npy")
    line = one_line(*cli("measure", "--target", f"file:{tmp_path / 'law.npy'}")[::2], "target.file")
    assert ".npz archive" in line


def test_no_progress_line_before_an_error_line(cli):
    """Was: the mdm schedule's progress line printed, then the predictor refused."""
    one_line(*cli("measure", "--target", "product:L=4,q=2", "--sampler", "mdm:N=20000",
                  "--predictor", "bogus:x=1")[::2], "predictor")
    one_line(*cli("measure", "--target", "markov:L=4096,q=2,flip=0.1", "--sampler", "mdm:N=4",
                  "--predictor", "temp:beta=2")[::2], "--predictor")


def test_entropy_sum_at_L4096_names_the_adaptive_rule(cli):
    """Was: "unknown sampler 'entropy-sum'" — an accepted sampler, on a target too long to enumerate."""
    line = one_line(*cli("measure", "--target", "markov:L=4096,q=2,flip=0.1",
                         "--sampler", "entropy-sum:eta=log(2)")[::2], "sampler")
    assert "adaptive rule" in line and "unknown" not in line


@pytest.mark.parametrize("args, field", [
    (["--target", "product:L=\uff14,q=2"], "target"),                     # full-width 4
    (["--target", "product:L=\u0664,q=2"], "target"),                     # Arabic-Indic 4
    (["--target", "m\u0430rkov:L=4,q=2,flip=0.1"], "target"),             # Cyrillic a
    (["--target", "markov:L=4,q=2,flip=0.\u0661"], "target"),
    (["--target", "mixture:of=[product:L=\uff14,q=2]"], "target"),
    (["--target", "product:L=4,q=2", "--sampler", "balanced:K=\uff12"], "sampler"),
    (["--target", "product:L=4,q=2", "--sampler", "mdm:N=\u0663"], "sampler"),
    (["--target", "product:L=4,q=2", "--sampler", "entropy-sum:eta=log(\uff12)"], "sampler"),
    (["--target", "product:L=4,q=2", "--sampler", "random-size:law=binomial,N=\uff12"], "sampler"),
])
def test_unicode_digits_and_lookalikes_refused(cli, args, field):
    line = one_line(*cli("measure", *args)[::2], field)
    assert "non-ASCII" in line


# ------------------------------------------------------------------ fuzzers (test_bad_input.py style)

VALID_SPECS = [("--target", "markov:L=4,q=2,flip=1/10"), ("--target", "product:L=4,q=2,p=1/4+3/4"),
               ("--target", "mixture:of=[copy:L=4]+[product:L=4,q=2]"),
               ("--sampler", "balanced:K=2"), ("--sampler", "mdm:N=3"), ("--sampler", "fixed:sizes=2+2"),
               ("--sampler", "random-size:law=grow,r=1"), ("--sampler", "entropy-sum:eta=log(2)")]
LOOKALIKES = "\uff10\uff11\uff12\u0661\u0663\u06f4\u0966\u2070\u00b9\u0430\u0435\u043e\u0440\u0441\u0445\u2044" \
             "\uff0c\uff1d\u2212\u00a0\u200b\u212a\u0131"


@st.composite
def unicode_specs(draw):
    option, spec = draw(st.sampled_from(VALID_SPECS))
    k = draw(st.integers(0, len(spec) - 1))
    ch = draw(st.sampled_from(LOOKALIKES))
    mode = draw(st.sampled_from(["replace", "insert"]))
    bad = spec[:k] + ch + spec[k + (mode == "replace"):]
    args = ["--target", bad] if option == "--target" else ["--target", "product:L=4,q=2", "--sampler", bad]
    return args, option.strip("-")


@effort(40)
@given(unicode_specs())
def test_fuzz_unicode_in_specs(case):
    args, field = case
    _contract(_run_in_tmp(["measure", *args]), field)


huge_number = st.one_of(
    st.integers(101, 400).map(lambda n: "1" * n),
    st.integers(1001, 10**9).map(lambda e: f"1e-{e}"),
    st.integers(1001, 10**9).map(lambda e: f"2.5E+{e}"),
    st.integers(1001, 10**9).map(lambda e: f"1/1e{e}"))


@st.composite
def oversized_law_files(draw):
    text = draw(huge_number)
    quoted = draw(st.booleans()) or "/" in text
    lit = json.dumps(text) if quoted else text
    if draw(st.booleans()):
        return "size", f'[[{lit}, [1, 3]], ["1/2", [4]]]'
    return "target", f'{{"q": 2, "L": 2, "pmf": [{lit}, "1/4", "1/4", "1/4"]}}'


@effort(30)
@given(oversized_law_files())
def test_fuzz_number_sizes_in_law_files(case):
    kind, text = case
    if kind == "size":
        argv = ["measure", "--target", "product:L=4,q=2", "--sampler", "random-size:law=file:law.json"]
        field = "sampler.random-size.law.file"
    else:
        argv, field = ["measure", "--target", "file:law.json"], "target.file"
    t = time.perf_counter()
    _contract(_run_in_tmp(argv, {"law.json": text}), field)
    assert time.perf_counter() - t < 5


SPECIAL = ["/dev/zero", "/dev/null", "/dev/urandom", "/dev", "/proc/self/fd/0"]


@effort(20)
@given(st.sampled_from(SPECIAL), st.sampled_from(["size", "target-json", "target-npy", "link"]))
def test_fuzz_special_files_as_laws(path, how):
    if not os.path.exists(path):
        return
    if how == "size":
        _contract(_run_in_tmp(["measure", "--target", "product:L=4,q=2", "--sampler",
                               f"random-size:law=file:{path}"]), "sampler.random-size.law.file")
        return
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        name = Path(d) / ("law.npy" if how == "target-npy" else "law.json")
        os.symlink(path, name)
        argv = (["measure", "--target", "product:L=4,q=2", "--sampler", f"random-size:law=file:{name}"]
                if how == "link" else ["measure", "--target", f"file:{name}"])
        _contract(_run_in_tmp(argv), "random-size.law.file" if how == "link" else "target.file")


@effort(30)
@given(st.integers(1, 12).map(lambda k: 2**k), st.integers(2, 3), st.sampled_from(["1e-6", "1e-3", "0.05"]))
def test_fuzz_limits_refuse_in_one_line_and_never_start(L, q, limit):
    """Under a tiny VERIFY_MAX_SECONDS every engine refuses in one line before any work."""
    old = os.environ.get("VERIFY_MAX_SECONDS")
    os.environ["VERIFY_MAX_SECONDS"] = limit
    try:
        for sampler in ("mdm:N=3", "entropy-sum:eta=0.4", "balanced:K=2"):
            rc, out, err, written = _run_in_tmp(["measure", "--target", f"markov:L={L},q={q},flip=1/10",
                                                 "--sampler", sampler])
            assert rc in (0, 2) and "Traceback" not in err and not written
            if rc == 2:
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("verify: error: "), err
    finally:
        if old is None:
            del os.environ["VERIFY_MAX_SECONDS"]
        else:
            os.environ["VERIFY_MAX_SECONDS"] = old
