"""Distributed proof check (verify.claims.distributed): the same results on a Dask cluster as in-process.

The reference is ``run_claim`` in this process, one claim after the other with one shared target
cache — the path every other proof-check test exercises against the oracles. A run on a
``LocalCluster`` of 2 worker processes must give exactly the same rows (verdicts, margins, display
floats, statistics), the same ``to_json()`` apart from timings and the witness directory, and
byte-identical witness files; so must a run during which one worker process is killed, and a run
read back from the task cache. A deliberately false claim (TC ≤ DTC) puts refuted rows and
refutation witnesses through the merge; its verdicts are also checked against closed forms:
for the repetition code [3,1]_2, TC = 2 log 2 > DTC = log 2 (refuted); for the parity code
[4,3]_2, TC = log 2 < DTC = 3 log 2 (certified); for a product law TC = DTC = 0 (tight).
"""
import os
import signal

import pytest

from proofs_numeric import registry
from verify.claims.check import TargetCache, row_instance, run_claim
from verify.claims.model import Claim
from verify.claims.distributed import ROW_FIELDS, TaskCache, run_claims, task_key
from verify.errors import SpecError
from verify.cli.report import _md_claim, vacuous_counts

PROFILE = "ci"
SPECS = ["mds:q=2,L=3,k=1", "mds:q=2,L=4,k=3", "product:L=3,q=2,seed=1",
         "markov:L=4,q=2,flip=1/10", "dirichlet:L=2,q=2,alpha=1,seed=0"]
IDS = ("D-ONE", "D-SMAX", "LC25.C1", "LC25.T2", "LC25.RATE")
FALSE_CLAIM = Claim(id="TEST.TC-LE-DTC", paper="derived", provenance="reading",
                    statement=r"TC \le DTC \text{ (false in general: a test claim)}", relation="<=",
                    grid="targets", lhs="TC", rhs="DTC")
CLOSED_FORM_STATUS = {"mds:q=2,L=3,k=1": "refuted", "mds:q=2,L=4,k=3": "certified",
                      "product:L=3,q=2,seed=1": "tight"}


def _claims():
    by_id = {c.id: c for c in registry()}
    return [by_id[i] for i in IDS] + [FALSE_CLAIM]


def _normalised(res, wdir) -> dict:
    d = res.to_json()
    d.pop("seconds")
    d["witnesses"] = [{k: str(v).replace(str(wdir), "<W>") for k, v in w.items()} for w in d["witnesses"]]
    d["rows"] = [[repr(getattr(r, f)) for f in ROW_FIELDS] for r in res.rows]
    # What the report adds from the rows: its claim section and the vacuity counts.
    d["report"] = [line.replace(str(wdir), "<W>") for line in _md_claim(res)]
    d["vacuous"] = vacuous_counts(res)
    return d


def _witness_files(results) -> dict:
    from pathlib import Path

    return {w["id"]: Path(w["path"]).read_bytes() for r in results for w in r.witnesses}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    wdir = tmp_path_factory.mktemp("w-ref")
    cache = TargetCache()
    results = [run_claim(c, PROFILE, cache, witness_dir=wdir, targets=SPECS) for c in _claims()]
    return [_normalised(r, wdir) for r in results], _witness_files(results)


def _assert_same(results, wdir, reference):
    expected, files = reference
    assert [_normalised(r, wdir) for r in results] == expected
    assert _witness_files(results) == files


def test_reference_grid_is_not_trivial(reference):
    """The grid exercises what the merge must preserve: refutations, worst-case witnesses, summaries."""
    expected, files = reference
    by_id = {d["claim"]["id"]: d for d in expected}
    kinds = {w["kind"] for d in expected for w in d["witnesses"]}
    assert kinds == {"refuted", "worst"} and len(files) >= 4
    assert by_id["LC25.T2"]["summary"]["parity_ratio_by_s"]  # read from the rows' recorded values
    assert by_id["LC25.RATE"]["summary"]["max_K_ekl_over_sum_I"]
    assert any(by_id["LC25.C1"]["vacuous"].values())  # rebuilt instances on the client must count these


def test_local_cluster_gives_the_in_process_result(reference, tmp_path):
    seen = []
    results = run_claims(_claims(), PROFILE, workers=2, targets=SPECS, witness_dir=tmp_path,
                         progress=seen.append, on_claim=lambda r: seen.append(r.claim.id))
    _assert_same(results, tmp_path, reference)
    # Closed forms for the false claim TC <= DTC (module docstring).
    false = results[-1]
    got = {r.instance["target"]: r.status for r in false.rows}
    assert {k: got[k] for k in CLOSED_FORM_STATUS} == CLOSED_FORM_STATUS
    assert [w["kind"] for w in false.witnesses].count("refuted") == len(false.refutations()) >= 1
    assert false.unknown_refutations()
    # Progress: one event per task, counting up to the total; claims announced in their order.
    ticks = [p for p in seen if not isinstance(p, str)]
    assert [p.done for p in ticks] == list(range(1, len(_claims()) * len(SPECS) + 1))
    assert ticks[-1].remaining == 0 and ticks[-1].from_cache == 0
    assert [s for s in seen if isinstance(s, str)] == [c.id for c in _claims()]


def test_killed_worker_tasks_are_rerun(reference, tmp_path):
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        killed = []

        def kill_a_busy_worker(p):
            if killed or p.remaining < 4:
                return
            busy = [addr for addr, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        # Through the scheduler's address, as ``--scheduler`` does; the test's own client watches.
        results = run_claims(_claims(), PROFILE, scheduler=cluster.scheduler_address, targets=SPECS,
                             witness_dir=tmp_path, progress=kill_a_busy_worker)
        alive = set(client.run(os.getpid).values())
    assert killed, "no worker was busy while tasks remained: nothing was killed"
    assert killed[0] not in alive
    _assert_same(results, tmp_path, reference)


def test_cache_resumes_an_interrupted_run(reference, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFY_CACHE_KEY", str(tmp_path / "key"))  # never the user's own key
    cache_dir, wdir = tmp_path / "cache", tmp_path / "w"
    total = len(_claims()) * len(SPECS)

    class Interrupted(Exception):
        pass

    def stop_after_7(p):
        if p.done == 7:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_claims(_claims(), PROFILE, cache_dir=cache_dir, targets=SPECS, progress=stop_after_7)
    entries = sorted(cache_dir.rglob("*.json"))
    assert len(entries) == 7 and not list(cache_dir.rglob(".tmp-*"))

    seen = []
    results = run_claims(_claims(), PROFILE, cache_dir=cache_dir, targets=SPECS, witness_dir=wdir,
                         progress=seen.append)
    assert seen[-1].done == total and seen[-1].from_cache == 7
    _assert_same(results, wdir, reference)

    seen.clear()
    results = run_claims(_claims(), PROFILE, cache_dir=cache_dir, targets=SPECS, witness_dir=wdir,
                         progress=seen.append)
    assert seen[-1].from_cache == total == len(list(cache_dir.rglob("*.json")))
    _assert_same(results, wdir, reference)


def test_cache_key_follows_the_claim_target_and_profile():
    c = FALSE_CLAIM
    k = task_key(c, "ci", SPECS[0], 4096, "v1")
    changed = Claim(**{**c.__dict__, "constants": {"c": "2"}, "rhs": "c*DTC"})
    assert len({k, task_key(c, "deep", SPECS[0], 4096, "v1"), task_key(c, "ci", SPECS[1], 4096, "v1"),
                task_key(c, "ci", SPECS[0], 2048, "v1"), task_key(c, "ci", SPECS[0], 4096, "v2"),
                task_key(changed, "ci", SPECS[0], 4096, "v1")}) == 6
    # The claim's file location is not content.
    assert task_key(Claim(**{**c.__dict__, "source": "/elsewhere/x.toml"}), "ci", SPECS[0], 4096, "v1") == k


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    """A torn write from another tool is no entry (tests/test_cache.py tampers with every field)."""
    cache = TaskCache(tmp_path / "c", key=bytes(32))
    key = "ab" + "0" * 62
    (tmp_path / "c" / "ab").mkdir()
    (tmp_path / "c" / "ab" / f"{key}.json").write_text('{"rows": [')
    assert cache.get(key, "shape") is None and "not JSON" in cache.warning()
    assert cache.put(key, {"rows": [], "sides": [], "seconds": 0.0})
    assert cache.get(key, "shape") == {"rows": [], "sides": [], "seconds": 0.0}


@pytest.mark.parametrize("kwargs,field", [({"workers": 0}, "--workers"), ({"workers": "2"}, "--workers"),
                                          ({"workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "--workers")])
def test_bad_options_are_spec_errors(kwargs, field):
    with pytest.raises(SpecError) as err:
        run_claims([FALSE_CLAIM], PROFILE, targets=SPECS[:1], **kwargs)
    assert err.value.field == field


def _norm(obj):
    import json

    from verify.claims.serialize import jsonable

    return json.loads(json.dumps(jsonable(obj), sort_keys=True, default=str))


@pytest.mark.parametrize("claim", registry(), ids=lambda c: c.id)
def test_rows_that_travelled_give_the_same_summary_and_instances(claim):
    """A claim's summary must come out the same from rows that travelled as JSON (as a worker's
    rows do: no Instance attached) as from in-process rows. A summary reading ``row._inst`` would
    fail or differ here (CL26.MAX's copy-law table once did). Small targets only: L ≤ 3, plus
    the copy law and the 3-colouring chain at L = 3."""
    from distributions import zoo_grid
    from verify.claims.check import summarize
    from verify.claims.distributed import row_from_json, row_to_json

    specs = zoo_grid(3, 2) + ["copy:L=3,delta=1/3", "coloring3:L=3"]
    cache = TargetCache()
    res = run_claim(claim, PROFILE, cache, targets=specs)
    assert res.rows, f"{claim.id} has no instance on these targets: the test would check nothing"
    travelled = [row_from_json(row_to_json(r)) for r in res.rows]
    assert all(r._inst is None for r in travelled)
    assert _norm(summarize(claim, travelled, PROFILE, cache)) == _norm(res.summary)
    # witnesses and plots rebuild a travelled row's instance from its specs (adaptive rules too)
    rebuilt = TargetCache()
    for r, t in zip(res.rows, travelled):
        assert row_instance(claim, t, rebuilt).describe() == r._inst.describe()


# ------------------------------------------------------------------ --scheduler addresses, Ctrl-C

@pytest.mark.parametrize("address", ["tls://127.0.0.1:1", "ucx://127.0.0.1:8786", "127.0.0.1", "tcp://host:0",
                                     "tcp://host:65536", "tcp://", "", "tcp://a b:1", "x" * 400])
def test_scheduler_address_is_checked_before_any_work(address):
    """Only plain TCP addresses are accepted (``tls://`` would need certificates the command
    cannot take: it used to end in a TypeError traceback); refused before a task is built."""
    with pytest.raises(SpecError) as err:
        run_claims([FALSE_CLAIM], PROFILE, scheduler=address, targets=SPECS[:1])
    assert err.value.field == "--scheduler" and "tcp://HOST:PORT" in str(err.value)


def test_unreachable_scheduler_is_one_error_after_a_bounded_wait():
    import time

    from verify.claims import distributed

    t0 = time.monotonic()
    with pytest.raises(SpecError) as err:  # port 1: nothing listens there
        run_claims([FALSE_CLAIM], PROFILE, scheduler="127.0.0.1:1", targets=SPECS[:1])
    assert err.value.field == "--scheduler" and "cannot connect" in str(err.value)
    bound = float(distributed.CONNECT_TIMEOUT.rstrip("s"))
    assert time.monotonic() - t0 < bound + 20


def _run_cli(args, **kw):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.Popen([sys.executable, "-m", "verify.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_tls_scheduler_on_the_command_line_is_one_line_exit_2(tmp_path):
    p = _run_cli(["check", "--only", "D-ONE", "--scheduler", "tls://127.0.0.1:1"], cwd=tmp_path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("verify: error: --scheduler:") and "Traceback" not in err


def _children(pid: int) -> list:
    from pathlib import Path

    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d.name))
    return kids


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc to see the workers start")
@pytest.mark.parametrize("delay", [0.0, 1.0])
def test_ctrl_c_while_workers_start_is_one_line_exit_130(tmp_path, delay):
    """Ctrl-C at a terminal goes to the whole process group, workers included. Sent as soon as the
    first worker processes exist (they are still importing), it used to print dozens of worker
    tracebacks; now: the one interrupted line, exit 130, nothing on stdout. A Ctrl-C during the
    seconds the workers start is ignored, so it is pressed again if the run goes on."""
    import time

    # As from an interactive shell: Ctrl-C at its default (a test run in the background of a
    # non-interactive shell has SIGINT ignored, and the command would inherit that).
    # The whole registry: minutes of work, so the presses always land before the end (with one
    # small claim, a quiet machine finished the run before the second press).
    p = _run_cli(["check", "--workers", "2"], cwd=tmp_path, start_new_session=True,
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120 and p.poll() is None and len(_children(p.pid)) < 2:
        time.sleep(0.01)  # the resource tracker, then the first worker
    assert p.poll() is None, "the command ended before its workers started"
    time.sleep(delay)
    import threading

    lines_seen: list = []
    reader = threading.Thread(target=lambda: lines_seen.extend(iter(p.stderr.readline, "")), daemon=True)
    reader.start()
    # A press while the workers start is ignored: press again every 4 s until the command says
    # it was interrupted (not after: a press during the interpreter's exit is another matter).
    for _ in range(15):
        os.killpg(p.pid, signal.SIGINT)
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and p.poll() is None and not any("interrupted" in x for x in lines_seen):
            time.sleep(0.02)
        if p.poll() is not None or any("interrupted" in x for x in lines_seen):
            break
    out = p.stdout.read()
    p.wait(timeout=120)
    reader.join(timeout=30)
    err = "".join(lines_seen)
    assert p.returncode == 130 and out == "", err
    lines = [line for line in err.splitlines() if not line.startswith("[tasks: ")]
    assert lines == ["verify: interrupted (exit 130); outputs left as they were"], err
    assert not list(tmp_path.iterdir())
