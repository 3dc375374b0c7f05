"""``verify measure`` on targets too long to enumerate: the profile engine answers, says so, and
leaves out what needs the output law; targets with no closed form are refused up front."""
import json
import math
from fractions import Fraction

import pytest

from verify.cli.main import main


def measure(capsys, *args):
    rc = main(["measure", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_markov_1024_answers_from_the_profile(capsys):
    rc, out, err = measure(capsys, "--target", "markov:L=1024,q=2,flip=0.1", "--sampler",
                           "random-size:law=grow,r=1,randomized=true", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["engine"] == "profile" and d["target"]["L"] == 1024
    assert set(d["omitted"]["metrics"]) >= {"mixture_kl", "tv", "ser"} and d["omitted"]["reason"]
    for k in ("mixture_kl", "tv", "ser"):
        assert k not in d
    # closed forms of the binary symmetric chain: H = log 2 + (L−1) h(ρ); TC = (L−1)(log 2 − h(ρ))
    hr = -(0.1 * math.log(0.1) + 0.9 * math.log(0.9))
    assert math.isclose(d["H"], math.log(2) + 1023 * hr, rel_tol=1e-9)
    assert math.isclose(d["TC"], 1023 * (math.log(2) - hr), rel_tol=1e-9)
    assert math.isclose(d["sum_I"], d["TC"] + d["DTC"], rel_tol=1e-12)
    assert 0 < d["expected_kl"] < d["TC"]
    assert d["expected_iterations"] == 11  # s = 1, 1, 2, 4, ..., 512: sizes r·n are integers


def test_exact_profile_measure_carries_enclosures(capsys):
    rc, out, err = measure(capsys, "--target", "coloring3:L=300", "--sampler", "mdm:N=4", "--exact", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["engine"] == "profile" and d["exact"] is True
    from flint import arb
    for k in ("H", "TC", "DTC", "expected_kl"):
        assert arb(d["enclosures"][k]["ball"]).contains(arb(d[k])) or abs(float(arb(d["enclosures"][k]["ball"]).mid()) - d[k]) < 1e-9


def test_enumerable_target_uses_enumeration(capsys):
    rc, out, err = measure(capsys, "--target", "markov:L=5,q=2,flip=0.1", "--sampler", "random-size:law=odds,rho=1", "--json")
    assert rc == 0, err
    assert json.loads(out)["engine"] == "enumeration"


def test_no_closed_form_and_too_long_is_refused(capsys):
    rc, out, err = measure(capsys, "--target", "hmm:L=300,q=2,states=2", "--sampler", "mdm:N=3")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_profile_engine_refuses_plans_and_imperfect_predictors(capsys):
    rc, _, err = measure(capsys, "--target", "markov:L=300,q=2,flip=0.1", "--sampler", "random-size:law=uniform,K=3",
                         "--predictor", "mix:lam=1/10")
    assert rc == 2 and "perfect" in err


def _odds_boundaries(L: int, rho: Fraction) -> list:
    """Revealed counts after each step of law=odds (written out from its definition, no engine):
    n_1 = 1, target odds o_t = (1 + ρ)^(t−1)/(L − 1), n_t = ⌊L o_t/(1 + o_t) + 1/2⌋ clipped to
    [n_{t−1} + 1, L − 1] until L − 1, then a last singleton."""
    out, t = [1], 1
    while out[-1] < L - 1:
        t += 1
        o = (1 + rho) ** (t - 1) / (L - 1)
        n = math.floor(L * o / (1 + o) + Fraction(1, 2))
        out.append(min(L - 1, max(out[-1] + 1, n)))
    return out + [L]


def test_a_reed_solomon_ray_witness_replays_on_the_profile_engine(capsys):
    # the cone's worst DTC ray of law=odds at L = 1024 is a Reed–Solomon code over q = 1031 > 1024:
    # its E KL is log q times the overshoot past k = 32, and DTC = 32 log q (docs/cone.md)
    rc, out, err = measure(capsys, "--target", "mds:q=1031,L=1024,k=32,code=rs", "--sampler",
                           "random-size:law=odds,rho=1", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["engine"] == "profile"
    first = next(n for n in _odds_boundaries(1024, Fraction(1)) if n >= 32)
    assert d["DTC"] == pytest.approx(32 * math.log(1031), rel=1e-12)
    assert d["expected_kl"] == pytest.approx((first - 32) * math.log(1031), rel=1e-12)
