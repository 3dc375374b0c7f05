"""``verify measure`` with adaptive rules: the JSON contract's iteration counts, and one-line
errors (exit 2) for bad rule parameters."""
import json

import pytest

from verify.cli.main import main


def test_measure_entropy_sum_json_contract(capsys):
    code = main(["measure", "--target", "copy:L=4,delta=1/3", "--sampler", "entropy-sum:eta=1/3*log(27/4)",
                 "--exact", "--json"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("H", "TC", "DTC", "sum_I", "expected_kl", "mixture_kl", "tv", "ser", "ter_gap",
                "expected_iterations", "expected_iterations_sampler"):
        assert key in d
    # copy law, η = h(1/3): first batch of 2 (strict >), then the rest (closed form, docs/adaptive.md)
    assert d["expected_iterations"] == 2
    assert d["enclosures"]["expected_iterations_sampler"]["exact"] == "22/9"  # 2 + P(first two differ) = 2 + 4/9
    assert d["enclosures"]["ser"]["exact"] == "4/9"


@pytest.mark.parametrize("sampler", ["entropy-sum:eta=-0.1", "topk:k=0", "threshold:tau=2", "eb:gamma=sqrt(2)"])
def test_bad_rule_parameters_exit_2(sampler, capsys):
    code = main(["measure", "--target", "markov:L=3,q=2,flip=1/10", "--sampler", sampler])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "sampler." in err
