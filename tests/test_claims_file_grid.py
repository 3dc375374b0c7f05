"""A claims file's own scope (docs/reviewer.md): ``samplers`` (with ``budgets``), ``where``,
``lengths``, ``alphabets``; skipped counts; undecided rows with their reason; ``claims --symbols``.

Expected instance sets are counted here independently: the zoo's target specs (plain data from
``distributions.zoo_grid``), compositions enumerated with itertools, the samplers and the
``where`` condition applied by hand — nothing from the claim runner.
"""
from __future__ import annotations

import itertools
import json

import pytest

from distributions import zoo_grid
from verify.cli.main import main

HEAD = """[[claim]]
id = "{id}"
paper = "REV1"
provenance = "reading"
statement = "a reviewer's claim"
relation = "<="
grid = "{grid}"
lhs = "{lhs}"
rhs = "{rhs}"
"""


def _check(tmp_path, capsys, claim_text, cid):
    f = tmp_path / "c.toml"
    f.write_text(claim_text)
    rc = main(["check", "--claims-file", str(f), "--only", cid, "--witness-dir", str(tmp_path / "w"),
               "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    data = json.loads((tmp_path / "r.json").read_text())
    assert len(data) == 1
    return rc, out, data[0]


def _compositions(L):
    """Every composition of L, by the cut points of 1..L-1 (independent of the engine's enumerator)."""
    out = []
    for cuts in itertools.product([0, 1], repeat=L - 1):
        sizes, run = [], 1
        for c in cuts:
            if c:
                sizes.append(run)
                run = 1
            else:
                run += 1
        out.append(tuple(sizes + [run]))
    return out


def test_samplers_and_where_run_exactly_the_matching_instances(tmp_path, capsys):
    text = HEAD.format(id="R.SCOPE", grid="compositions", lhs="expected_kl", rhs="TC") + (
        'lengths = [3, 4]\nalphabets = [2, 3]\n'
        'samplers = ["fixed:sizes=1+2", "fixed:sizes={K}+2", "fixed:sizes=2+2"]\nbudgets = [2, 5]\n'
        'where = "s_max >= 2 and q == 2"\npredictors = ["perfect", "mix:lam=1/10"]\n')
    rc, out, res = _check(tmp_path, capsys, text, "R.SCOPE")
    # by hand: the named samplers at each L ({K} = 2 gives 2+2 at L = 4; K = 5 > L is dropped)
    named = {3: {(1, 2)}, 4: {(2, 2)}}
    expected, by_sampler, by_where = set(), 0, 0
    for q in (2, 3):
        for L in (3, 4):
            for target in zoo_grid(L, q):
                for comp in _compositions(L):
                    for pred in ("perfect", "mix:lam=1/10"):
                        if comp not in named[L]:
                            by_sampler += 1
                        elif not (max(comp) >= 2 and q == 2):
                            by_where += 1
                        else:
                            expected.add((target, "fixed:sizes=" + "+".join(map(str, comp)), pred))
    assert res["instances"] == len(expected) > 0
    assert res["skipped"] == {"samplers": by_sampler, "where": by_where}
    assert sum(res["verdicts"].values()) + res["undefined"] == len(expected)
    assert f"{by_sampler} by samplers, {by_where} by where" in out
    # every instance the run decided is one of the expected (worst / closest name instances)
    for key in ("worst", "closest_strict"):
        if res[key]:
            assert (res[key]["target"], res[key]["sampler"], res[key]["predictor"]) in expected


def test_rows_are_exactly_the_expected_set(tmp_path):
    """The run's rows themselves (not only their count) are the hand-counted set."""
    from verify.claims.check import run_claim
    from verify.claims.model import load_claims_file

    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.SET", grid="balanced", lhs="expected_kl", rhs="TC")
                 + 'samplers = ["balanced:K={K}"]\nbudgets = [2, 3]\nwhere = "K >= 2 and L >= 4"\n')
    res = run_claim(load_claims_file(f)[0], "ci")
    got = sorted((r.instance["target"], r.instance["sampler"]) for r in res.rows)
    want = sorted((t, f"balanced:K={K}") for L, q in [(L, 2) for L in range(1, 7)] + [(L, 3) for L in range(1, 5)]
                  for t in zoo_grid(L, q) for K in (2, 3) if K <= L and L >= 4)
    assert got == want
    n_all = sum(L * len(zoo_grid(L, q)) for L, q in [(L, 2) for L in range(1, 7)] + [(L, 3) for L in range(1, 5)])
    assert sum(res.skipped.values()) + len(res.rows) == n_all


def test_lengths_and_alphabets_are_honoured_beyond_the_profile(tmp_path, capsys):
    # L = 7 is outside the ci profile (L <= 6): a claim file can still ask for it
    text = HEAD.format(id="R.L7", grid="targets", lhs="TC", rhs="(L - 1) * H") + "lengths = [7]\nalphabets = [2]\n"
    rc, out, res = _check(tmp_path, capsys, text, "R.L7")
    assert rc == 0
    assert res["instances"] == len(zoo_grid(7, 2))
    assert res["verdicts"]["refuted"] == 0  # TC = Σ H_i − H <= L·H − H
    assert res["worst"]["L"] == 7 and res["worst"]["q"] == 2


def test_lengths_replace_the_profiles_length_cap(tmp_path, capsys):
    # ci caps the "plans" grid at L = 5; a claim that names L = 6 gets L = 6
    text = HEAD.format(id="R.P6", grid="plans", lhs="plan_kl", rhs="chain_tc + plan_learning").replace(
        'relation = "<="', 'relation = "=="') + 'lengths = [6]\nalphabets = [2]\nfamilies = ["product"]\n'
    rc, out, res = _check(tmp_path, capsys, text, "R.P6")
    assert res["instances"] == len(_compositions(6)) * sum(1 for t in zoo_grid(6, 2) if t.startswith("product:"))
    assert res["verdicts"]["refuted"] == 0


def test_undecided_rows_carry_their_reason(tmp_path, capsys):
    # expected_kl is 0 for a product law, but only as a sum of enclosures: 0/(1 + log L) <= 0 is
    # never settled by balls (the honest outcome), and each row says why
    text = HEAD.format(id="R.U", grid="balanced", lhs="expected_kl / (1 + log(L))", rhs="0") + (
        'lengths = [3]\nalphabets = [2]\nfamilies = ["product"]\n')
    rc, out, res = _check(tmp_path, capsys, text, "R.U")
    n = res["verdicts"]["undecided"]
    assert n == 3 * sum(1 for t in zoo_grid(3, 2) if t.startswith("product:")) > 0
    assert len(res["undecided_instances"]) == n
    assert all("straddles 0" in r["reason"] for r in res["undecided_instances"])
    assert out.count("undecided: product:") == min(n, 5) and "straddles 0" in out  # five shown, all in JSON


def test_report_shows_skipped_counts_and_undecided_reasons(tmp_path, capsys):
    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.U", grid="balanced", lhs="expected_kl / (1 + log(L))", rhs="0") + (
        'lengths = [3]\nalphabets = [2]\nfamilies = ["product"]\nwhere = "K >= 2"\n'))
    main(["report", "--claims-file", str(f), "--only", "R.U", "--out", str(tmp_path / "rep")])
    capsys.readouterr()
    md = (tmp_path / "rep" / "report.md").read_text()
    n_targets = sum(1 for t in zoo_grid(3, 2) if t.startswith("product:"))
    assert f"{n_targets} by where" in md
    assert md.count("straddles 0") == 2 * n_targets


def test_where_undefined_is_undefined_not_true(tmp_path, capsys):
    # 1/(L - 3) has no value at L = 3: those instances are undefined, neither skipped nor checked
    text = HEAD.format(id="R.W", grid="one-block", lhs="TC", rhs="TC") + (
        'lengths = [2, 3, 4]\nalphabets = [2]\nwhere = "1/(L - 3) > 0"\n')
    rc, out, res = _check(tmp_path, capsys, text, "R.W")
    assert res["undefined"] == len(zoo_grid(3, 2))
    assert all("neither true nor false" in r["reason"] for r in res["undefined_instances"])
    assert res["skipped"] == {"where": len(zoo_grid(2, 2))}
    assert res["instances"] - res["undefined"] == len(zoo_grid(4, 2))


def test_symbols_json_lists_every_symbol_of_the_registry(capsys):
    from verify.claims.symbols import SYMBOLS

    assert main(["claims", "--symbols", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["symbol"] for r in rows] == list(SYMBOLS)
    assert all(r["meaning"] == SYMBOLS[r["symbol"]] and r["needs"] in ("target", "sampler", "plan") for r in rows)
    assert "random-size" in next(r["meaning"] for r in rows if r["symbol"] == "K")
    # every symbol a built-in claim's side uses is listed
    from proofs_numeric import registry

    used = set().union(*(c.symbols() for c in registry()))
    assert used <= set(SYMBOLS)
    assert main(["claims", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)  # still the list of claims


@pytest.mark.parametrize("extra,field", [
    ('where = "K >= 2 and"\n', ".where"),
    ('where = "K"\n', ".where"),
    ('where = "not K > 1"\n', ".where"),
    ('where = "__import__(\'os\') > 1"\n', ".where"),
    ('where = "1 < 2"\n', ".where"),
    ('where = "zz > 1"\n', ".where"),
    ('where = "plan_kl > 0"\n', ".where"),
    ('where = 3\n', ".where"),
    ('where = ""\n', ".where"),
    ('samplers = ["mdm:N=2"]\n', ".samplers"),
    ('samplers = ["zz:K=1"]\n', ".samplers"),
    ('samplers = [3]\n', ".samplers"),
    ('samplers = "fixed:sizes=1"\n', ".samplers"),
    ('samplers = ["fixed:sizes={K}"]\n', ".budgets"),
    ('lengths = [0]\n', ".lengths"),
    ('lengths = [30]\nalphabets = [3]\n', ".lengths"),
    ('lengths = 5\n', ".lengths"),
    ('lengths = ["5"]\n', ".lengths"),
    ('alphabets = [1]\n', ".alphabets"),
])
def test_bad_scope_keys_get_one_line(tmp_path, capsys, monkeypatch, extra, field):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text(HEAD.format(id="R.BAD", grid="compositions", lhs="TC", rhs="TC + DTC") + extra)
    before = set(tmp_path.rglob("*"))
    for cmd in ("claims", "check"):
        rc = main([cmd, "--claims-file", "c.toml"])
        out, err = capsys.readouterr()
        assert rc == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("verify: error: ") and field in lines[0], err
        assert "Traceback" not in err and out == ""
        assert set(tmp_path.rglob("*")) == before


def test_all_law_lengths_add_no_target():
    """An all-law claim's lengths (16 .. 4096) name no target: the run's targets stay the profile's."""
    from verify.claims.check import target_specs
    from proofs_numeric import registry

    claims = registry()
    assert any(c.grid == "all-laws" and c.lengths for c in claims)
    assert target_specs("ci", None, claims) == target_specs("ci")


def test_task_runs_keep_the_scope(tmp_path):
    """Per-(claim, target) tasks (the Dask path, here in-process with a task cache) see the claim's
    own sizes and count the same skipped instances as one run; a second run reads the cache."""
    from verify.claims.check import run_claim
    from verify.claims.distributed import run_claims
    from verify.claims.model import load_claims_file

    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.T", grid="balanced", lhs="expected_kl", rhs="TC")
                 + 'lengths = [4, 7]\nalphabets = [2]\nsamplers = ["balanced:K={K}"]\nbudgets = [2, 7]\n'
                 + 'where = "K < L"\nfamilies = ["markov", "product"]\n')
    claim = load_claims_file(f)[0]
    one = run_claim(claim, "ci")
    for _ in range(2):  # computed, then from the cache
        (tasks,) = run_claims([claim], "ci", cache_dir=tmp_path / "cache")
        assert tasks.skipped == one.skipped and len(tasks.rows) == len(one.rows)
        assert sorted(r.instance["target"] for r in tasks.rows) == sorted(r.instance["target"] for r in one.rows)
    n = {L: sum(1 for t in zoo_grid(L, 2) if t.split(":")[0] in ("markov", "product")) for L in (4, 7)}
    # L = 4: K = 2 kept (K = 7 > L dropped), balanced K = 1, 3, 4 skipped; L = 7: K = 2 kept, K = 7 fails K < L
    assert len(one.rows) == n[4] + n[7]
    assert one.skipped == {"samplers": 3 * n[4] + 5 * n[7], "where": n[7]}


def test_search_stays_inside_the_scope(tmp_path, capsys):
    """The hunt beyond the grid keeps to the claim's where: E KL <= TC/2 fails at K = 1 (E KL = TC),
    never at K = L (E KL = 0). Scoped to K == L it is never refuted; unscoped, it is."""
    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.S1", grid="balanced", lhs="expected_kl", rhs="TC / 2") + 'where = "K == L"\n'
                 + HEAD.format(id="R.S2", grid="balanced", lhs="expected_kl", rhs="TC / 2"))
    out = {}
    for cid in ("R.S1", "R.S2"):
        main(["search", cid, "--claims-file", str(f), "--budget", "40", "--seed", "0",
              "--witness-dir", str(tmp_path / "w")])
        out[cid] = capsys.readouterr().out
    assert "verdict: refuted" not in out["R.S1"] and "sampler=balanced:K=1" not in out["R.S1"]
    assert "verdict: refuted" in out["R.S2"], out["R.S2"]


def test_shape_claim_where_undefined_is_listed_not_a_crash(tmp_path, capsys):
    text = HEAD.format(id="R.SH", grid="one-block", lhs="TC", rhs="TC").replace('relation = "<="', 'relation = "shape"')
    text = text.replace('lhs = "TC"\nrhs = "TC"\n', 'statistic = "TC / (1 + H)"\n')
    rc, out, res = _check(tmp_path, capsys, text + 'lengths = [2, 3]\nalphabets = [2]\nwhere = "1/(L - 3) < 0"\n', "R.SH")
    assert rc == 0
    assert res["undefined"] == len(zoo_grid(3, 2)) and res["instances"] == len(zoo_grid(2, 2)) + len(zoo_grid(3, 2))
    assert res["summary"]["witness"]["L"] == 2


def test_a_claim_keeps_its_own_sizes_when_another_claim_widens_the_run(tmp_path):
    """Task runs share one target list across claims; a claim without lengths must still see only
    the profile's sizes, however far another claim's lengths reach."""
    from verify.claims.check import run_claim
    from verify.claims.distributed import run_claims
    from verify.claims.model import load_claims_file

    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.A", grid="targets", lhs="H", rhs="L") + 'lengths = [7]\nalphabets = [2]\n'
                 + 'families = ["product"]\n'
                 + HEAD.format(id="R.B", grid="targets", lhs="H", rhs="L") + 'families = ["product"]\n')
    a, b = load_claims_file(f)
    alone = run_claim(b, "ci")
    _, together = run_claims([a, b], "ci", cache_dir=tmp_path / "cache")
    sizes = {(r.instance["target"]) for r in together.rows}
    assert len(together.rows) == len(alone.rows) and sizes == {r.instance["target"] for r in alone.rows}
    assert not any("L=7" in s for s in sizes)


@pytest.mark.parametrize("where,status", [
    # at L = 3 the side 1/(L − 3) has no value; Kleene's logic decides without it when another part does
    ("L >= 3 or 1/(L - 3) > 0", "checked"),
    ("1/(L - 3) > 0 or L >= 3", "checked"),
    ("L < 3 and 1/(L - 3) > 0", "skipped"),
    ("1/(L - 3) > 0 and L < 3", "skipped"),
    ("1/(L - 3) > 0 and L >= 3", "undefined"),
    ("L < 3 or 1/(L - 3) > 0", "undefined"),
])
def test_where_is_three_valued_and_order_free(tmp_path, where, status):
    from verify.claims.check import run_claim
    from verify.claims.model import load_claims_file

    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.W", grid="targets", lhs="H", rhs="L") + 'lengths = [3]\nalphabets = [2]\n'
                 + 'families = ["product"]\n' + f'where = "{where}"\n')
    res = run_claim(load_claims_file(f)[0], "ci")
    n = sum(1 for t in zoo_grid(3, 2) if t.startswith("product"))
    got = {"checked": sum(1 for r in res.rows if r.status in ("certified", "tight")),
           "skipped": sum(res.skipped.values()),
           "undefined": sum(1 for r in res.rows if r.status == "undefined")}
    assert got[status] == n and sum(got.values()) == n, got


@pytest.mark.parametrize("where,word", [("K >= 2 or 1 < 2", "no symbol"), ("K >= 2 and 0 > 1", "no symbol"),
                                        ("expected_kl_max_entropy > 0", "float")])
def test_where_refuses_constant_comparisons_and_float_symbols(tmp_path, where, word):
    from verify.claims.model import load_claims_file
    from verify.errors import SpecError

    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.W", grid="entropy-sum", lhs="expected_kl", rhs="TC") + f'where = "{where}"\n')
    with pytest.raises(SpecError) as err:
        load_claims_file(f)
    assert word in str(err.value) and "\n" not in str(err.value)


def test_search_draws_at_the_claims_own_lengths_and_alphabets(tmp_path, capsys):
    """L + q <= 5 holds exactly at (L, q) = (3, 2), its only size, and fails at every larger one:
    the hunt must stay at (3, 2) and never report a refutation."""
    f = tmp_path / "c.toml"
    f.write_text(HEAD.format(id="R.S3", grid="compositions", lhs="L + q", rhs="5") + 'lengths = [3]\nalphabets = [2]\n')
    rc = main(["search", "R.S3", "--claims-file", str(f), "--budget", "20", "--seed", "0",
               "--witness-dir", str(tmp_path / "w")])
    out = capsys.readouterr().out
    assert rc == 0 and "verdict: refuted" not in out, out


def test_a_scope_that_skips_every_instance_is_checked_on_none_and_fails(tmp_path, capsys):
    text = HEAD.format(id="R.NONE", grid="balanced", lhs="expected_kl", rhs="TC") + 'where = "K > L"\n'
    rc, out, data = _check(tmp_path, capsys, text, "R.NONE")
    assert rc == 1 and "checked on none" in out
    assert data["skipped"] == {"where": data["skipped"]["where"]} and data["skipped"]["where"] > 0


# ------------------------------------------------------------------ a file: predictor keeps to its (q, L)

def test_a_table_predictor_restricts_the_claim_to_its_size(tmp_path, capsys):
    from verify.claims.profiles import PROFILES

    flat = []  # p̂ = (1/4, 3/4) at every masked position of q = 2, L = 3 (a valid table, LC25.TRAIN needs p̂ > 0)
    for s in itertools.product(range(3), repeat=3):
        for i in range(3):
            flat += ["1/4", "3/4"] if s[i] == 2 else [0, 0]
    (tmp_path / "P.json").write_text(json.dumps({"q": 2, "L": 3, "table": flat}))
    text = HEAD.format(id="REV.TBL", grid="balanced", lhs="expected_kl", rhs="expected_kl_perfect + eps_train")
    text += f'predictors = ["file:{tmp_path / "P.json"}"]\n'
    rc, out, data = _check(tmp_path, capsys, text, "REV.TBL")
    # by hand: the ci zoo at (L=3, q=2) runs, L balanced schedules per target; every other size is skipped
    sizes = PROFILES["ci"]["sizes"]
    mine = len(zoo_grid(3, 2)) * 3
    others = sum(len(zoo_grid(L, q)) * L for L, q in sizes if (L, q) != (3, 2))
    assert rc == 0 and data["instances"] == mine and data["verdicts"]["tight"] == mine  # LC25.TRAIN: an identity
    assert data["skipped"] == {"table-size": others}
    assert f"{others} by table-size" in out


# ------------------------------------------------------------------ where on the all-law grid (all_laws.where_rows)

ALL_LAWS_WHERE = HEAD.format(id="REV.ALW", grid="all-laws", lhs="expected_kl", rhs="TC / K") + """lengths = [4, 6]
samplers = ["balanced:K={K}", "mdm:N=2"]
budgets = [1, 2, 3]
where = "{where}"
"""


@pytest.mark.parametrize("where,kept,skipped,undefined", [
    # by hand: pairs (L, K) with K in 1..3 at L = 4, 6, plus mdm:N=2 (K = N = 2) at each L
    ("K >= 2 and L >= 5", 3, 5, 0),                 # L=6: K=2, K=3, mdm
    ("K == 1 or L == 4", 5, 3, 0),                  # L=4: four pairs; L=6: K=1
    ("N >= 2", 2, 0, 6),                            # N: only the mdm samplers have it (undefined elsewhere)
    ("N >= 2 or L == 4", 5, 0, 3),                  # Kleene: L == 4 settles the or where N has no value; mdm at L=6
])
def test_where_on_the_all_law_grid_selects_pairs(tmp_path, capsys, where, kept, skipped, undefined):
    rc, out, data = _check(tmp_path, capsys, ALL_LAWS_WHERE.replace("{where}", where), "REV.ALW")
    assert data["instances"] - data["undefined"] == kept and data["undefined"] == undefined
    assert data.get("skipped", {}) == ({"where": skipped} if skipped else {})
    assert sum(data["verdicts"].values()) == kept


@pytest.mark.parametrize("where,word", [("TC > 0", "'TC' varies with the law"), ("H >= 1", "'H' varies"),
                                        ("expected_kl < 1", "'expected_kl' varies")])
def test_where_on_the_all_law_grid_refuses_law_quantities(tmp_path, capsys, where, word):
    (tmp_path / "c.toml").write_text(ALL_LAWS_WHERE.replace("{where}", where))
    assert main(["claims", "--claims-file", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "REV.ALW.where" in err[0] and word in err[0]
