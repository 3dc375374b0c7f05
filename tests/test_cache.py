"""The task cache is checked, not trusted (verify.claims.cache; issue 20, item 2).

The reference is a clean in-process run (``run_claim``, no cache). A cached run whose entries
were tampered with must give exactly the clean result — rows, verdicts, margins, summaries, JSON —
and print one warning line, whatever field was edited: the verdict, a side, the row count, the
task key, the MAC, the JSON syntax, or the whole entry (another user's key, another task's file).
Edits re-signed with the right key (a forger who has the key, or a bug) are caught by re-deciding
every verdict from the stored exact sides and by counting the claim's instances on the target.

The false claim TC ≤ DTC is decided by closed forms on two targets: for the repetition code
[3,1]_2, TC = 2 log 2 > DTC = log 2 (refuted; the issue's forgery turned such a row certified);
for the parity code [4,3]_2, TC = log 2 < DTC = 3 log 2 (certified; the other forgery refuted it).
"""
import hashlib
import hmac
import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs_numeric import registry
from verify.claims import cache as cache_mod
from verify.claims.cache import FORMAT, KEY_ENV, TaskCache, side_from_json, side_to_json, user_key
from verify.claims.check import TargetCache, run_claim
from verify.claims.distributed import ROW_FIELDS, code_version, run_claims, task_key
from verify.claims.model import Claim
from verify.errors import SpecError

PROFILE = "ci"
SPECS = ["mds:q=2,L=3,k=1", "mds:q=2,L=4,k=3", "product:L=3,q=2,seed=1", "markov:L=4,q=2,flip=1/10"]
FALSE_CLAIM = Claim(id="TEST.TC-LE-DTC", paper="derived", provenance="reading",
                    statement=r"TC \le DTC \text{ (false in general: a test claim)}", relation="<=",
                    grid="targets", lhs="TC", rhs="DTC")
REFUTED, CERTIFIED = "mds:q=2,L=3,k=1", "mds:q=2,L=4,k=3"   # closed forms (module docstring)
WARNING = "verify: warning: --cache: "


def _claims():
    by_id = {c.id: c for c in registry()}
    return [FALSE_CLAIM, by_id["D-ONE"], by_id["LC25.C1"]]


def _normalised(results) -> list:
    out = []
    for res in results:
        d = res.to_json()
        d.pop("seconds")
        d["rows"] = [[repr(getattr(r, f)) for f in ROW_FIELDS] for r in res.rows]
        out.append(d)
    return out


@pytest.fixture(scope="module")
def clean():
    cache = TargetCache()
    results = [run_claim(c, PROFILE, cache, targets=SPECS) for c in _claims()]
    statuses = {r.instance["target"]: r.status for r in results[0].rows}
    assert statuses[REFUTED] == "refuted" and statuses[CERTIFIED] == "certified"  # closed forms
    return _normalised(results)


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "cache-key"
    monkeypatch.setenv(KEY_ENV, str(path))
    return path


def _run(cache_dir, progress=None):
    return run_claims(_claims(), PROFILE, cache_dir=cache_dir, targets=SPECS, progress=progress)


def _entry_path(cache_dir, spec, claim=FALSE_CLAIM):
    key = task_key(claim, PROFILE, spec, 4096, code_version())
    return cache_dir / key[:2] / f"{key}.json", key


def _resign(entry: dict, key_file) -> dict:
    """What a forger holding the user's key would write: the MAC recomputed over the edit."""
    body = {k: entry[k] for k in ("format", "key", "n_rows", "content")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return {**body, "mac": hmac.new(user_key(key_file), text, hashlib.sha256).hexdigest()}


def _edit(field):
    """An edit of one field of an entry (a dict → dict function)."""
    def status_to(new):
        def f(e):
            row = e["content"]["rows"][0]
            row["status"] = new
            row["verdict"]["status"] = new
            return e
        return f

    def side_const(e):
        form = e["content"]["sides"][0][0]["form"]  # lhs = TC, an exact log-linear form
        form["c"] = "1" if form["c"] == "0" else "0"
        return e

    def side_term(e):
        form = e["content"]["sides"][0][1]["form"]  # rhs = DTC
        form["t"] = [[r, "5"] for r, _ in form["t"]] or [["2", "5"]]
        return e

    def n_rows(e):
        e["n_rows"] += 1
        return e

    def emptied(e):
        e["content"]["rows"], e["content"]["sides"], e["n_rows"] = [], [], 0
        return e

    def other_key(e):
        e["key"] = "0" * 64
        return e

    def no_sides(e):
        e["content"]["sides"][0] = None
        return e

    def seconds(e):
        e["content"]["seconds"] = "fast"
        return e

    return {"verdict refuted→certified": status_to("certified"), "verdict refuted→tight": status_to("tight"),
            "side constant": side_const, "side log term": side_term, "row count": n_rows,
            "rows emptied": emptied, "task key": other_key, "sides removed": no_sides,
            "compute time": seconds}[field]


EDITS = ["verdict refuted→certified", "verdict refuted→tight", "side constant", "side log term", "row count",
         "rows emptied", "task key", "sides removed", "compute time"]


def _text_edit(name):
    return {
        "mac flipped": _flip_mac,
        "mac removed": lambda t: json.dumps({k: v for k, v in json.loads(t).items() if k != "mac"}),
        "truncated": lambda t: t[: len(t) // 2],
        "empty file": lambda t: "",
        "not an object": lambda t: "[]",
        "bad syntax": lambda t: t.replace(":", "=", 1),
        "not UTF-8": lambda t: "\udcff",
        "old format": lambda t: t.replace(FORMAT, "verify-task-cache/1"),
    }[name]


def _flip_mac(text: str) -> str:
    e = json.loads(text)
    e["mac"] = ("1" if e["mac"][0] == "0" else "0") + e["mac"][1:]
    return json.dumps(e)


TEXT_EDITS = ["mac flipped", "mac removed", "truncated", "empty file", "not an object", "bad syntax",
              "not UTF-8", "old format"]


def _check_recomputed(cache_dir, clean, capsys, what):
    """One cached run after the tampering: the clean result, one warning line; the entry was
    rewritten, so the next run reads every task from the cache with no warning."""
    capsys.readouterr()
    seen = []
    got = _run(cache_dir, seen.append)
    err = capsys.readouterr().err
    assert _normalised(got) == clean, what
    warnings = [line for line in err.splitlines() if line.startswith(WARNING)]
    assert len(warnings) == 1 and "1 entry failed the check" in warnings[0], (what, err)
    assert seen[-1].from_cache == seen[-1].total - 1, what
    statuses = {r.instance["target"]: r.status for r in got[0].rows}
    assert statuses[REFUTED] == "refuted" and statuses[CERTIFIED] == "certified", what
    seen.clear()
    again = _run(cache_dir, seen.append)
    assert WARNING not in capsys.readouterr().err and seen[-1].from_cache == seen[-1].total, what
    assert _normalised(again) == clean, what


@pytest.fixture
def filled(tmp_path, key_file, clean, capsys):
    cache_dir = tmp_path / "cache"
    assert _normalised(_run(cache_dir)) == clean
    assert WARNING not in capsys.readouterr().err
    return cache_dir


def test_a_clean_cache_gives_the_clean_run(filled, clean, capsys):
    seen = []
    assert _normalised(_run(filled, seen.append)) == clean
    assert seen[-1].from_cache == seen[-1].total == len(_claims()) * len(SPECS)
    assert WARNING not in capsys.readouterr().err


@pytest.mark.parametrize("resign", [False, True], ids=["plain edit", "re-signed with the key"])
@pytest.mark.parametrize("field", EDITS)
def test_each_field_edited_is_recomputed(filled, clean, capsys, key_file, field, resign):
    path, _ = _entry_path(filled, REFUTED)
    entry = _edit(field)(json.loads(path.read_text()))
    if resign:
        entry = _resign(entry, key_file)
    path.write_text(json.dumps(entry))
    _check_recomputed(filled, clean, capsys, f"{field} (re-signed: {resign})")


@pytest.mark.parametrize("name", TEXT_EDITS)
def test_each_malformed_entry_is_recomputed(filled, clean, capsys, name):
    path, _ = _entry_path(filled, REFUTED)
    path.write_text(_text_edit(name)(path.read_text()), errors="surrogateescape")
    _check_recomputed(filled, clean, capsys, name)


def test_a_certified_verdict_forged_into_a_refutation_is_recomputed(filled, clean, capsys, key_file):
    """The other direction of the issue's forgery: a certified row edited to refuted."""
    for resign in (False, True):
        path, _ = _entry_path(filled, CERTIFIED)
        entry = json.loads(path.read_text())
        row = entry["content"]["rows"][0]
        row["status"] = row["verdict"]["status"] = "refuted"
        path.write_text(json.dumps(_resign(entry, key_file) if resign else entry))
        _check_recomputed(filled, clean, capsys, f"certified→refuted (re-signed: {resign})")


def test_another_tasks_entry_in_this_file_is_recomputed(filled, clean, capsys):
    path, _ = _entry_path(filled, REFUTED)
    other, _ = _entry_path(filled, CERTIFIED)
    path.write_bytes(other.read_bytes())  # a valid entry, signed with this key, of another task
    _check_recomputed(filled, clean, capsys, "another task's entry")


def test_entries_written_under_another_key_are_all_recomputed(filled, clean, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "someone-else" / "key"))
    seen = []
    got = _run(filled, seen.append)
    err = capsys.readouterr().err
    assert _normalised(got) == clean and seen[-1].from_cache == 0
    warnings = [line for line in err.splitlines() if line.startswith(WARNING)]
    n = len(_claims()) * len(SPECS)
    assert len(warnings) == 1 and f"{n} entries failed the check" in warnings[0] and "MAC" in warnings[0]


# ------------------------------------------------------------------ the key

def test_key_is_made_on_first_use_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "xdg" / "dlm-verify" / "cache-key"
    assert cache_mod.key_path() == path and not path.exists()
    key = user_key()
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert user_key() == key  # the same key on the next use
    assert not [p for p in path.parent.iterdir() if p.name != "cache-key"]  # no temporary left


def test_a_relative_xdg_config_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_mod.key_path() == tmp_path / ".config" / "dlm-verify" / "cache-key"


@pytest.mark.parametrize("case", ["open to others", "not hex", "a folder", "a symlink"])
def test_a_bad_key_file_is_one_error_naming_cache(tmp_path, case):
    path = tmp_path / "key"
    if case == "open to others":
        path.write_text("ab" * 32 + "\n")
        path.chmod(0o644)
    elif case == "not hex":
        path.write_text("not a key\n")
        path.chmod(0o600)
    elif case == "a folder":
        path.mkdir()
    else:
        real = tmp_path / "real"
        real.write_text("ab" * 32 + "\n")
        real.chmod(0o600)
        path.symlink_to(real)
    with pytest.raises(SpecError) as err:
        user_key(path)
    assert err.value.field == "--cache" and "0600" in str(err.value)


# ------------------------------------------------------------------ exact sides

def test_exact_sides_round_trip_and_decide_the_same():
    """Log-linear sides are stored exactly; other sides as their balls at every precision the
    verdict visited, bit for bit (arb rounds radii up: ``_ball_from_json`` undoes that)."""
    from flint import fmpq

    from verify.certify.logforms import LogLinear
    from verify.certify.verdicts import check_eq, check_le, log2

    form = LogLinear.log(fmpq(3, 2), fmpq(1, 7)) + LogLinear.log(5) + fmpq(2, 9)
    other = log2(3) + form  # a ratio of logs: not log-linear
    for lhs, rhs, check in [(form, 1, check_le), (other, 3, check_le), (form, form, check_eq),
                            (other, fmpq(3, 1), check_eq), (fmpq(1, 3), fmpq(1, 3), check_le)]:
        v = check(lhs, rhs)
        back = [side_from_json(json.loads(json.dumps(side_to_json(s, v.prec, 4096)))) for s in (lhs, rhs)]
        assert check(*back).to_json() == v.to_json()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 10**12), d=st.integers(1, 10**6), prec=st.sampled_from([53, 64, 128, 256, 1024]),
       neg=st.booleans())
def test_stored_balls_are_bit_exact(n, d, prec, neg):
    from flint import arb

    from verify.certify.logforms import working_precision

    with working_precision(prec):
        x = arb(n).log() / d * (-1 if neg else 1)
    y = cache_mod._ball_from_json(json.loads(json.dumps(cache_mod._ball_to_json(x))))
    assert y.mid() == x.mid() and y.rad() == x.rad()


# ------------------------------------------------------------------ fuzzing the entry bytes

@pytest.fixture(scope="module")
def one_entry(tmp_path_factory):
    """A real entry (the refuted task), its key and its value, under a fixed test key."""
    root = tmp_path_factory.mktemp("fuzz")
    value = __import__("verify.claims.distributed", fromlist=["run_task"]).run_task(FALSE_CLAIM, PROFILE, REFUTED)
    cache = TaskCache(root, key=b"k" * 32, row_fields=ROW_FIELDS)
    key = "cd" + "1" * 62
    assert cache.put(key, value)
    return root, key, (root / key[:2] / f"{key}.json").read_bytes(), value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_entry_bytes_are_refused_or_unchanged(one_entry, data):
    """Any edit of an entry's bytes: ``get`` refuses it (recorded, for the warning), or — when
    the edit changed no value (e.g. inside the JSON's whitespace) — returns exactly the original."""
    root, key, text, value = one_entry
    pos = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(st.binary(min_size=0, max_size=3))
    cut = data.draw(st.integers(0, 3))
    mutated = text[:pos] + new + text[pos + cut:]
    path = root / key[:2] / f"{key}.json"
    path.write_bytes(mutated)
    try:
        cache = TaskCache(root, key=b"k" * 32, row_fields=ROW_FIELDS)
        got = cache.get(key, FALSE_CLAIM.relation, 4096, expected_rows=1)
        if got is None:
            assert len(cache.rejected) == 1 and cache.warning().startswith(WARNING)
        else:
            want = {"rows": value["rows"], "sides": value["sides"], "seconds": value["seconds"]}
            assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    finally:
        path.write_bytes(text)


def test_a_task_whose_verdict_cannot_be_checked_is_not_stored(tmp_path):
    """A decided row without exact sides would be refused on reading: it is not written."""
    cache = TaskCache(tmp_path, key=b"k" * 32)
    row = {f: None for f in ROW_FIELDS} | {"status": "certified", "instance": {}, "values": {}}
    assert not cache.put("ab" + "0" * 62, {"rows": [row], "sides": [None], "seconds": 1.0})
    assert not list(tmp_path.rglob("*.json"))


def test_unreadable_entry_is_refused_not_raised(tmp_path, monkeypatch):
    """An entry the process may not read (EACCES; simulated on the path's read, because chmod 0
    does not stop root, who runs the tests here) is refused with a warning, not raised."""
    import errno
    import pathlib

    cache = TaskCache(tmp_path, key=b"k" * 32)
    key = "ab" + "0" * 62
    entry = tmp_path / "ab" / f"{key}.json"
    entry.parent.mkdir()
    entry.write_text("{}")
    entry.chmod(0)
    real = pathlib.Path.read_bytes

    def read_bytes(self):
        if self == entry:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    assert cache.get(key, "<=") is None and "unreadable" in cache.warning()


# ------------------------------------------------------------------ the case, on the command line

CLAIMS_TOML = '''
[[claim]]
id = "TEST.TC-LE-DTC"
paper = "derived"
provenance = "reading"
statement = 'TC \\le DTC \\text{ (false in general: a test claim)}'
relation = "<="
grid = "targets"
lhs = "TC"
rhs = "DTC"
families = ["mds"]
'''


def _cli(tmp_path, *args):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), KEY_ENV: str(tmp_path / "key")}
    p = subprocess.run([sys.executable, "-m", "verify.cli", "check", "--claims-file", str(tmp_path / "c.toml"),
                        "--only", "TEST.*", "--cache", str(tmp_path / "cache"), "--witness-dir", str(tmp_path / "w"),
                        *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def test_check_with_forged_cache_entries_reports_the_refutations(tmp_path):
    """The issue's case: every cached refuted row edited to "certified" made ``verify check``
    print "(certified)" and exit 0. Now the output is the clean run's, exit 1 (a refutation not
    recorded as known), with one warning line about the forged entries."""
    (tmp_path / "c.toml").write_text(CLAIMS_TOML)
    rc, out, err = _cli(tmp_path, "--json", str(tmp_path / "first.json"))
    assert rc == 1 and WARNING not in err
    first = json.loads((tmp_path / "first.json").read_text())  # one result per claim
    assert first[0]["verdicts"]["refuted"] >= 1
    forged = 0
    for path in (tmp_path / "cache").rglob("*.json"):
        text = path.read_text()
        if '"refuted"' in text:
            path.write_text(text.replace('"refuted"', '"certified"'))
            forged += 1
    assert forged >= 1
    rc2, out2, err2 = _cli(tmp_path, "--json", str(tmp_path / "second.json"))
    import re

    def untimed(text):  # the tables show each claim's time: "(0.1 s)"
        return re.sub(r"\(\d+(\.\d+)? s\)", "(… s)", text)

    assert rc2 == 1 and untimed(out2) == untimed(out) and "refuted" in out
    warnings = [line for line in err2.splitlines() if line.startswith(WARNING)]
    assert len(warnings) == 1 and (f"{forged} entries" if forged > 1 else "1 entry") in warnings[0]
    second = json.loads((tmp_path / "second.json").read_text())
    for d in (first, second):
        for r in d:
            r.pop("seconds", None)
    assert second == first


ALL_LAW_TOML = """
[[claim]]
id = "TEST.ALL"
paper = "derived"
provenance = "derived"
statement = 'E KL \\\\le TC'
relation = "<="
grid = "all-laws"
lengths = [3, 4]
samplers = ["balanced:K={K}"]
budgets = [1, 2]
lhs = "expected_kl"
rhs = "TC"
"""


def test_an_all_law_claim_goes_through_the_cache_twice_without_warnings(tmp_path):
    # an all-law claim is decided once by the client: its per-target tasks hold no row and no
    # side, and must be stored and read back as such (a KeyError on 'sides' before)
    (tmp_path / "c.toml").write_text(ALL_LAW_TOML)
    rc, out, err = _cli(tmp_path, "--json", str(tmp_path / "first.json"))
    assert rc == 0 and "Traceback" not in err and WARNING not in err, err
    rc2, out2, err2 = _cli(tmp_path, "--json", str(tmp_path / "second.json"))
    assert rc2 == 0 and WARNING not in err2, err2
    first, second = (json.loads((tmp_path / n).read_text()) for n in ("first.json", "second.json"))
    for d in (first, second):
        for r in d:
            r.pop("seconds", None)
    assert first == second and first[0]["verdicts"]["certified"] + first[0]["verdicts"]["tight"] == 4
