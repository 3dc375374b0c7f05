"""The command-line contract (README, "Command line"): JSON keys, exact enclosures, one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

KEYS = ("H", "TC", "DTC", "sum_I", "expected_kl", "mixture_kl", "tv", "ser", "ter_gap",
        "expected_iterations", "expected_iterations_sampler")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "verify.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_measure_json_contract():
    out = run("measure", "--target", "markov:L=4,q=2,flip=1/10", "--sampler", "fixed:sizes=2+2", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["target"] == {"spec": "markov:L=4,q=2,flip=1/10", "q": 2, "L": 4}
    assert d["sampler"] == "fixed:sizes=2+2"
    for k in KEYS:
        assert isinstance(d[k], (int, float)), k
    assert d["mixture_kl"] <= d["expected_kl"] + 1e-12
    assert d["expected_iterations"] == 2


def test_measure_exact_carries_enclosures_that_contain_the_float():
    out = run("measure", "--target", "coloring3:L=3", "--sampler", "mdm:N=2", "--exact", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["exact"] is True
    enc = d["enclosures"]
    from flint import arb
    for k in ("H", "TC", "DTC", "expected_kl", "mixture_kl"):
        ball = arb(enc[k]["ball"])
        assert ball.contains(arb(d[k])) or abs(float(ball.mid()) - d[k]) < 1e-12, k
    # SER: exact when the float law proves it 0, else a certified ball of the float DP
    # (docs/certification.md, "Float enclosures"); here SER > 0
    assert d["ser"] > 0 and arb(enc["ser"]["ball"]).contains(arb(d["ser"]))


def test_measure_table_without_json():
    out = run("measure", "--target", "copy:L=3,delta=1/3", "--sampler", "balanced:K=2")
    assert out.returncode == 0, out.stderr
    assert "expected_kl" in out.stdout and "data first" in out.stdout


def test_witness_file_replays(tmp_path):
    law = tmp_path / "w.json"
    law.write_text(json.dumps({"q": 2, "L": 2, "pmf": ["3/8", "1/8", "1/8", "3/8"], "witness": {"claim": "x"}}))
    out = run("measure", "--target", f"file:{law}", "--sampler", "fixed:sizes=2", "--exact", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert abs(d["expected_kl"] - (0.75 * np.log(3) - np.log(2))) < 1e-12


BAD = [
    (["--target", "nosuch:L=3", "--sampler", "fixed:sizes=3"], "target"),
    (["--target", "markov:L=3,q=2,flip=1/10,bogus=1", "--sampler", "fixed:sizes=3"], "bogus"),
    (["--target", "markov:L=3,q=2,flip=3/2", "--sampler", "fixed:sizes=3"], "flip"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "fixed:sizes=2+2"], "sampler.fixed.sizes"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "fixed:sizes=3+0"], "sampler.fixed.sizes"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:pi=1/2+1/3"], "sampler.mdm.pi"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "mdm:pi=-1/2+3/2"], "sampler.mdm.pi"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "nosuch:N=2"], "sampler"),
    (["--target", "markov:L=3,q=2,flip=1/10", "--sampler", "fixed:sizes=3", "--predictor", "mix:lam=2"], "predictor.mix.lam"),
    # a family with no closed-form profile (product laws are now answered by the profile engine)
    (["--target", "hmm:L=60,q=2", "--sampler", "fixed:sizes=60"], "target"),
]


@pytest.mark.parametrize("args,field", BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_input_one_line_exit_2(args, field, tmp_path):
    out = run("measure", *args, cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert field in lines[0] and "accepted" in lines[0]
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_too_large_names_its_size():
    out = run("measure", "--target", "hmm:L=60,q=2", "--sampler", "fixed:sizes=60")
    assert out.returncode == 2
    assert "iB" in out.stderr  # the estimated size, e.g. '… needs about 3.4 EiB'


@pytest.mark.parametrize("name,content,field", [
    ("neg.json", {"q": 2, "L": 1, "pmf": [-0.5, 1.5]}, "pmf"),
    ("nan.json", {"q": 2, "L": 1, "pmf": ["NaN", 1]}, "pmf"),
    ("sum.json", {"q": 2, "L": 1, "pmf": [0.5, 0.6]}, "pmf"),
    ("shape.json", {"q": 2, "L": 2, "pmf": [0.5, 0.5]}, "pmf"),
])
def test_bad_law_file(tmp_path, name, content, field):
    p = tmp_path / name
    p.write_text(json.dumps(content).replace('"NaN"', "NaN"))
    out = run("measure", "--target", f"file:{p}", "--sampler", "fixed:sizes=1" if content["L"] == 1 else "fixed:sizes=2")
    assert out.returncode == 2, out.stdout
    assert len(out.stderr.strip().splitlines()) == 1 and field in out.stderr


def test_bad_arguments_are_one_line_too():
    out = run("check", "--profile", "huge")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_claims_json_lists_provenance():
    out = run("claims", "--json")
    assert out.returncode == 0
    claims = json.loads(out.stdout)
    t1 = next(c for c in claims if c["id"] == "LC25.T1")
    assert t1["provenance"] == "reported" and t1["paper"] == "LC25"
