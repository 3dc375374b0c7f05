"""The output layer (verify/output.py, docs/errors.md "Writing"): one named regression test per
reported case, and hypothesis fuzzing of output paths made of special files and links.

Every case checks the contract: a bad path fails in one line naming the option, before any work
(no progress line, nothing on stdout), exit 2, and the file system as it was (link targets, FIFOs
and devices untouched); after any failure or signal either all old files or all new files are in
place; no staging folder survives, and stale ones of killed runs are removed by later runs.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyp import effort
from verify import output
from verify.cli.main import main
from verify.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


# ------------------------------------------------------------------ helpers

def snapshot(d: Path) -> dict:
    """Every entry under ``d``: its kind and, for regular files, the content (links not followed)."""
    out = {}
    for p in sorted(d.rglob("*")):
        st_ = os.lstat(p)
        if stat.S_ISREG(st_.st_mode):
            out[str(p.relative_to(d))] = ("file", p.read_bytes())
        elif stat.S_ISLNK(st_.st_mode):
            out[str(p.relative_to(d))] = ("link", os.readlink(p))
        else:
            out[str(p.relative_to(d))] = (stat.S_IFMT(st_.st_mode), None)
    return out


def staging_left(d: Path) -> list:
    return [p for p in d.rglob(output.STAGING_PREFIX + "*")]


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch):
    """``verify ARGS`` in-process in tmp_path: (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / (tmp_path.name + "-cache")))

    def run(*argv):
        rc = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return rc, out, err

    return run


def refused(result, field: str, what: str = "") -> str:
    """Exit 2, one line naming ``field`` (and ``what``), no traceback, nothing on stdout (no work)."""
    rc, out, err = result
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("verify: error: ") and field in lines[0] and what in lines[0], lines[0]
    assert out == ""
    return lines[0]


def victim(tmp_path: Path) -> Path:
    """A file outside the output folder that a link points at: must never change."""
    v = tmp_path.parent / (tmp_path.name + "-victim")
    v.write_text("precious\n")
    return v


SEARCH = ("search", "LC25.T1", "--budget", "3")
CHECK = ("check", "--only", "D-ONE")
REPORT = ("report", "--only", "D-ONE")


# ------------------------------------------------------------------ search: checked first, staged

def test_search_json_through_a_symlink_is_refused_and_its_target_untouched(cli, tmp_path):
    v = victim(tmp_path)
    (tmp_path / "out.json").symlink_to(v)
    before = snapshot(tmp_path)
    refused(cli(*SEARCH, "--json", "out.json", "--witness-dir", "w"), "--json", "symbolic link")
    assert v.read_text() == "precious\n" and snapshot(tmp_path) == before


def test_search_json_onto_a_folder_is_one_line(cli, tmp_path):
    (tmp_path / "d").mkdir()
    refused(cli(*SEARCH, "--json", "d"), "--json", "is a folder")
    refused(cli(*SEARCH, "--json", "d/"), "--json")
    assert snapshot(tmp_path) == {"d": (stat.S_IFDIR, None)}


def test_search_witness_dir_symlink_is_refused(cli, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "w").symlink_to(tmp_path / "real")
    refused(cli(*SEARCH, "--witness-dir", "w"), "--witness-dir", "symbolic link")
    assert list((tmp_path / "real").iterdir()) == []


def test_search_writes_json_and_witness_together_and_no_hypothesis_folder(tmp_path):
    """A real process in a fresh folder: hypothesis's constants cache goes to the user cache
    folder (XDG_CACHE_HOME), never to ./.hypothesis; the JSON names the witness that was written."""
    cache = tmp_path / "cache"
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([sys.executable, "-m", "verify.cli", *SEARCH, "--json", "r.json", "--witness-dir", "w"],
                       cwd=work, env=dict(ENV, XDG_CACHE_HOME=str(cache)), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in work.iterdir()) == ["r.json", "w"]
    res = json.loads((work / "r.json").read_text())
    assert [Path(x["witness"]["path"]).name for x in res] == [p.name for p in (work / "w").iterdir()]
    assert (cache / "verify" / "hypothesis" / "constants").is_dir()   # where hypothesis wrote instead


# ------------------------------------------------------------------ special files, never replaced

def _fifo(tmp_path):
    f = tmp_path / "fifo"
    os.mkfifo(f)
    return f


def test_json_onto_a_fifo_is_refused_and_the_fifo_kept(cli, tmp_path):
    f = _fifo(tmp_path)
    for args in (CHECK, SEARCH):
        refused(cli(*args, "--json", f), "--json", "a FIFO")
    assert stat.S_ISFIFO(os.lstat(f).st_mode)


def _device(tmp_path) -> Path:
    """A character device of our own (the null device's numbers) — never the system's /dev/null,
    which a broken output layer would replace for every process on the machine."""
    d = tmp_path / "null"
    try:
        os.mknod(d, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a device node here ({err})")
    return d


def test_json_onto_a_device_is_refused(cli, tmp_path):
    dev = _device(tmp_path)
    refused(cli(*CHECK, "--json", dev), "--json", "a device")
    refused(cli(*SEARCH, "--json", dev), "--json", "a device")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_json_onto_a_socket_is_refused(cli, tmp_path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(tmp_path / "sock"))
        refused(cli(*CHECK, "--json", "sock"), "--json", "a socket")
    finally:
        s.close()
    assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)


def test_out_and_witness_dir_onto_special_files_are_refused(cli, tmp_path):
    f = _fifo(tmp_path)
    refused(cli(*REPORT, "--out", f), "--out", "a FIFO")
    refused(cli(*CHECK, "--witness-dir", f), "--witness-dir", "a FIFO")
    refused(cli(*CHECK, "--witness-dir", _device(tmp_path)), "--witness-dir", "a device")


@pytest.mark.parametrize("name,make", [("report.md", os.mkfifo), ("run.log", lambda p: p.symlink_to("/etc/passwd")),
                                       ("witnesses", lambda p: p.write_text("a file"))])
def test_special_files_inside_the_report_folder_are_refused_before_work(cli, tmp_path, name, make):
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "report.json").write_text("OLD\n")
    make(rep / name)
    before = snapshot(tmp_path)
    refused(cli(*REPORT, "--out", rep), "--out", name)
    assert snapshot(tmp_path) == before


def test_a_destination_turned_special_during_the_run_is_refused_at_commit(tmp_path):
    """The run cannot know every name in advance (witnesses, plots), and a path can change during a
    long run: the commit checks every destination again before the first move."""
    (tmp_path / "a").write_text("old a")
    with output.Staging(tmp_path, "--out") as stage:
        stage.write_text(tmp_path / "a", "new a")
        stage.write_text(tmp_path / "w" / "x.json", "new x")
        os.mkdir(tmp_path / "w")
        os.mkfifo(tmp_path / "w" / "x.json")
        before = snapshot(tmp_path)
        with pytest.raises(SpecError, match="--out.*x.json is a FIFO"):
            stage.commit()
        assert {k: v for k, v in snapshot(tmp_path).items() if output.STAGING_PREFIX not in k} == \
               {k: v for k, v in before.items() if output.STAGING_PREFIX not in k}
    assert (tmp_path / "a").read_text() == "old a" and not staging_left(tmp_path)


# ------------------------------------------------------------------ names and loops

def test_output_names_over_255_bytes_are_one_line(cli, tmp_path):
    long = "x" * 256
    refused(cli(*CHECK, "--json", long + ".json"), "--json", "at most 255")
    refused(cli(*CHECK, "--witness-dir", f"w/{long}"), "--witness-dir", "at most 255")
    refused(cli(*REPORT, "--out", long), "--out", "at most 255")
    refused(cli(*SEARCH, "--json", "é" * 128), "--json", "256 bytes")   # 128 characters, 256 bytes
    refused(cli(*CHECK, "--json", "/".join(["d"] * 2100)), "--json", "bytes long")
    assert snapshot(tmp_path) == {}


def test_symlink_loops_are_one_line(cli, tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    refused(cli(*CHECK, "--json", "loop/out.json"), "--json", "symbolic link loop")
    refused(cli(*SEARCH, "--json", "a/x/out.json"), "--json", "symbolic link loop")
    refused(cli(*REPORT, "--out", "loop/rep"), "--out", "symbolic link loop")
    refused(cli(*REPORT, "--out", "loop"), "--out", "symbolic link")
    refused(cli(*CHECK, "--witness-dir", "b/w"), "--witness-dir", "symbolic link loop")


def test_a_nul_in_an_output_path_is_one_line(cli, tmp_path):
    refused(cli(*CHECK, "--json", "a\0b.json"), "--json", "NUL")


# ------------------------------------------------------------------ commit: all old or all new

def _failing_move(monkeypatch, fail_on: str):
    """``output._move`` failing (ENOSPC) when it moves a new file onto a destination named ``fail_on``."""
    real, failed = output._move, []

    def move(src, dst):
        if Path(dst).name == fail_on and output.STAGING_PREFIX not in str(dst) and not failed:
            failed.append(dst)   # once: the rollback's own moves go through
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(output, "_move", move)


def test_a_failed_commit_never_leaves_a_new_report_beside_an_old_run_log(cli, tmp_path, monkeypatch):
    rep = tmp_path / "rep"
    rep.mkdir()
    for name in ("report.md", "report.json", "run.log"):
        (rep / name).write_text(f"OLD {name}\n")
    before = snapshot(tmp_path)
    _failing_move(monkeypatch, "run.log")   # written last: report.md and report.json already moved
    rc, _, err = cli(*REPORT, "--out", rep)
    assert rc == 2 and "Traceback" not in err, err
    assert "verify: error: --out: cannot write" in err and "No space left on device" in err
    assert snapshot(tmp_path) == before and not staging_left(tmp_path)


def test_a_failed_commit_never_leaves_a_new_witness_beside_an_old_json(cli, tmp_path, monkeypatch):
    (tmp_path / "r.json").write_text("OLD\n")
    _failing_move(monkeypatch, "r.json")   # written after the witnesses
    rc, _, err = cli(*CHECK, "--json", "r.json", "--witness-dir", "w")
    assert rc == 2 and "verify: error: --json: cannot write" in err, err
    assert snapshot(tmp_path) == {"r.json": ("file", b"OLD\n")}


def test_a_later_commit_rolls_back_new_files_only_of_its_own(tmp_path):
    """Old files of the destination folder that the run does not write are left alone."""
    (tmp_path / "keep.txt").write_text("mine\n")
    (tmp_path / "a").write_text("old a\n")
    with output.Staging(tmp_path) as stage:
        stage.write_text(tmp_path / "a", "new a\n")
        stage.write_text(tmp_path / "sub" / "b", "new b\n")
        stage.commit()
    assert snapshot(tmp_path) == {"a": ("file", b"new a\n"), "keep.txt": ("file", b"mine\n"),
                                  "sub": (stat.S_IFDIR, None), "sub/b": ("file", b"new b\n")}


def test_an_error_before_commit_writes_nothing_and_removes_the_staging(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with output.Staging(tmp_path) as stage:
            stage.write_text(tmp_path / "new" / "a", "x")
            1 / 0
    assert snapshot(tmp_path) == {}


# ------------------------------------------------------------------ killed runs: stale staging

def _wait_for(pred, timeout=120.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_sigkill_leaves_staging_that_a_later_run_removes(tmp_path):
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "report.md").write_text("OLD\n")
    child = subprocess.Popen([sys.executable, "-m", "verify.cli", *REPORT, "--out", str(rep)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        assert _wait_for(lambda: staging_left(tmp_path)), "no staging folder appeared"
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    stale = staging_left(tmp_path)
    assert stale and (rep / "report.md").read_text() == "OLD\n"
    r = subprocess.run([sys.executable, "-m", "verify.cli", *CHECK, "--json", str(rep / "r.json"),
                        "--witness-dir", str(rep / "w")], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    assert not staging_left(tmp_path), "the later run kept the dead run's staging"
    assert (rep / "report.md").read_text() == "OLD\n"


KILL_MID_COMMIT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from verify import output
    d = Path(sys.argv[1])
    real, moves = output._move, []
    def move(src, dst):
        real(src, dst)
        moves.append(dst)
        if sys.argv[2] != "done" and len(moves) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
    output._move = move
    log = output.Staging._log
    def logged(self, entry):
        log(self, entry)
        if entry["op"] == "done" and sys.argv[2] == "done":
            os.kill(os.getpid(), signal.SIGKILL)
    output.Staging._log = logged
    with output.Staging(d) as stage:
        for name in ("a", "b", "c"):
            stage.write_text(d / name, "new " + name)
        stage.write_text(d / "sub" / "d", "new d")
        stage.commit()
""")


@pytest.mark.parametrize("moves", [1, 2, 3, 5, 7])
def test_sigkill_in_the_middle_of_a_commit_is_rolled_back_by_a_later_run(tmp_path, moves):
    """Old a, b, c; new a, b, c and sub/d. Killed after ``moves`` renames (old out, new in, in turn):
    a later Staging in the same folder finds the journal unfinished and puts every old file back."""
    for name in "abc":
        (tmp_path / name).write_text("old " + name)
    before = snapshot(tmp_path)
    r = subprocess.run([sys.executable, "-c", KILL_MID_COMMIT, str(tmp_path), str(moves)], env=ENV, timeout=120)
    assert r.returncode == -signal.SIGKILL
    assert snapshot(tmp_path) != before            # a mix is on disk now ...
    with output.Staging(tmp_path):                 # ... until any later run stages here
        pass
    assert snapshot(tmp_path) == before


def test_a_finished_commit_killed_before_cleanup_keeps_the_new_files(tmp_path):
    for name in "abc":
        (tmp_path / name).write_text("old " + name)
    r = subprocess.run([sys.executable, "-c", KILL_MID_COMMIT, str(tmp_path), "done"], env=ENV, timeout=120)
    assert r.returncode == -signal.SIGKILL        # killed once the journal says done
    with output.Staging(tmp_path):
        pass
    assert snapshot(tmp_path) == {"a": ("file", b"new a"), "b": ("file", b"new b"), "c": ("file", b"new c"),
                                  "sub": (stat.S_IFDIR, None), "sub/d": ("file", b"new d")}


def test_staging_of_a_live_run_is_never_removed(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom verify import output\n"
                              f"with output.Staging({str(tmp_path)!r}):\n    print('in', flush=True)\n"
                              "    time.sleep(60)\n"], env=ENV, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "in"
        assert output.remove_stale(tmp_path) == [] and len(staging_left(tmp_path)) == 1
    finally:
        child.kill()
        child.wait()
    assert len(output.remove_stale(tmp_path)) == 1 and not staging_left(tmp_path)


def test_a_reused_pid_does_not_keep_a_stale_folder(tmp_path):
    """owner.json names a live pid (our parent) with another start time: the owner is gone."""
    d = tmp_path / f"{output.STAGING_PREFIX}{os.getppid()}-zz"
    d.mkdir()
    (d / "owner.json").write_text(json.dumps({"pid": os.getppid(), "start": "1"}))
    assert output.remove_stale(tmp_path) == [d] and not d.exists()


def test_stale_cleanup_never_follows_a_link_or_touches_a_file(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x").write_text("keep")
    (tmp_path / f"{output.STAGING_PREFIX}999999999-a").symlink_to(elsewhere)
    (tmp_path / f"{output.STAGING_PREFIX}999999999-b").write_text("a file")
    assert output.remove_stale(tmp_path) == []
    assert (elsewhere / "x").read_text() == "keep"


# ------------------------------------------------------------------ signals, to the last instruction

def _report_then(sig, tmp_path):
    rep = tmp_path / "rep"
    rep.mkdir()
    old = {"report.md": "OLD report\n", "report.json": '{"old": true}\n', "run.log": "OLD log\n"}
    for name, text in old.items():
        (rep / name).write_text(text)
    child = subprocess.Popen([sys.executable, "-m", "verify.cli", *REPORT, "--out", str(rep)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    first = child.stderr.readline()   # the run has started inside main
    child.send_signal(sig)
    _, rest = child.communicate(timeout=120)
    return child.returncode, first + rest, rep, old


def test_sigterm_is_one_line_and_exit_143_with_the_old_outputs(tmp_path):
    rc, err, rep, old = _report_then(signal.SIGTERM, tmp_path)
    assert rc == 143, err
    assert err.strip().splitlines()[-1] == "verify: terminated (exit 143); outputs left as they were"
    assert "Traceback" not in err
    assert {p.name: p.read_text() for p in rep.iterdir()} == old
    assert not staging_left(tmp_path)


def test_sigint_is_one_line_and_exit_130_with_the_old_outputs(tmp_path):
    rc, err, rep, old = _report_then(signal.SIGINT, tmp_path)
    assert rc == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "verify: interrupted (exit 130); outputs left as they were"
    assert {p.name: p.read_text() for p in rep.iterdir()} == old
    assert not staging_left(tmp_path)


LATE = textwrap.dedent("""
    import atexit, os, signal, sys
    from verify.cli import main as m
    sig = getattr(signal, sys.argv[1])
    when = sys.argv[2]
    real = m._main
    def late(argv):
        status = real(argv)
        if when == "atexit":   # a hook registered after ours runs before it: deep in the shutdown
            atexit.register(lambda: os.kill(os.getpid(), sig))
        return status
    m._main = late
    sys.argv = ["verify", *sys.argv[3:]]
    status = m.main()
    if when == "return":
        os.kill(os.getpid(), sig)
    sys.exit(status)
""")


@pytest.mark.parametrize("sig,status,name", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
@pytest.mark.parametrize("when", ["return", "atexit"])
def test_a_signal_at_the_very_end_is_one_line_never_a_traceback_or_death_by_signal(tmp_path, sig, status, name,
                                                                                    when):
    r = subprocess.run([sys.executable, "-c", LATE, sig, when, "check", "--only", "D-ONE", "--json",
                        str(tmp_path / "r.json"), "--witness-dir", str(tmp_path / "w")],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == status, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1] == f"verify: {name} (exit {status}); outputs complete"
    assert json.loads((tmp_path / "r.json").read_text())[0]["claim"]["id"] == "D-ONE"
    assert "D-ONE" in r.stdout   # the table printed before the signal is flushed, not lost


def test_main_in_process_restores_the_signal_handlers(cli):
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    cli("claims", "--only", "D-ONE")
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# ------------------------------------------------------------------ fuzzing: special files and links

SHAPES = ("missing", "file", "folder", "link-file", "link-folder", "dangling", "loop", "fifo", "socket",
          "long", "under-file", "under-link", "under-fifo")
BAD_FOR_FILE = {"folder", "link-file", "link-folder", "dangling", "loop", "fifo", "socket", "long", "under-file",
                "under-fifo"}
BAD_FOR_DIR = {"file", "link-file", "link-folder", "dangling", "loop", "fifo", "socket", "long", "under-file",
               "under-fifo"}


def make_shape(root: Path, shape: str, name: str) -> Path:
    """A path ``root/name…`` of the given shape; link targets live in ``root/targets``."""
    targets = root / "targets"
    targets.mkdir(exist_ok=True)
    p = root / name
    if shape == "file":
        p.write_text("old")
    elif shape == "folder":
        p.mkdir()
    elif shape == "link-file":
        (targets / name).write_text("target")
        p.symlink_to(targets / name)
    elif shape == "link-folder":
        (targets / name).mkdir()
        p.symlink_to(targets / name)
    elif shape == "dangling":
        p.symlink_to(targets / "nothing")
    elif shape == "loop":
        p.symlink_to(p)
    elif shape == "fifo":
        os.mkfifo(p)
    elif shape == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(p))
        s.close()
    elif shape == "long":
        p = root / (name + "y" * 256)
    elif shape == "under-file":
        p.write_text("old")
        p = p / "x"
    elif shape == "under-link":   # a symbolic link to a folder on the way: followed, accepted
        (root / "linked").mkdir(exist_ok=True)
        (root / "linked" / name).mkdir()
        p.symlink_to(root / "linked" / name)
        p = p / "x"
    elif shape == "under-fifo":
        os.mkfifo(p)
        p = p / "x"
    return p


@given(shape=st.sampled_from(SHAPES), option=st.sampled_from(["check --json", "search --json", "report --out",
                                                               "check --witness-dir", "search --witness-dir"]))
@effort(40)
def test_fuzz_bad_output_paths_refused_before_work(tmp_path_factory, shape, option):
    root = tmp_path_factory.mktemp("fuzz")
    cmd, flag = option.split()
    bad = BAD_FOR_DIR if flag in ("--out", "--witness-dir") else BAD_FOR_FILE
    if shape not in bad:
        return   # accepted paths run the command: the API fuzzer below covers them cheaply
    p = make_shape(root, shape, "o")
    before = snapshot(root)
    args = {"check": CHECK, "search": SEARCH, "report": REPORT}[cmd]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([*args, flag, str(p)])
    finally:
        os.chdir(cwd)
    refused((rc, out.getvalue(), err.getvalue()), flag)
    assert snapshot(root) == before


GOOD_FOR_FILE = [s for s in SHAPES if s not in BAD_FOR_FILE]


@given(shapes=st.lists(st.tuples(st.one_of(st.sampled_from(GOOD_FOR_FILE), st.sampled_from(SHAPES)),
                                 st.sampled_from(["a", "b", "c"])), min_size=1, max_size=3, unique_by=lambda t: t[1]),
       fail_at=st.one_of(st.none(), st.integers(1, 3)))
@effort(60)
def test_fuzz_staging_writes_all_new_or_changes_nothing(tmp_path_factory, shapes, fail_at):
    """Destinations of random shapes through ``check_file_path`` + ``Staging``: a bad one is refused
    with the file system untouched; good ones are all replaced by regular files with the new
    content (link targets untouched) — or, when the ``fail_at``-th move into place fails, all left as
    they were."""
    root = tmp_path_factory.mktemp("stage")
    dests = [make_shape(root, shape, name) for shape, name in shapes]
    before = snapshot(root)
    try:
        for d in dests:
            output.check_file_path(d, "--json")
    except SpecError:
        assert any(s in BAD_FOR_FILE for s, _ in shapes)
        assert snapshot(root) == before
        return
    assert not any(s in BAD_FOR_FILE for s, _ in shapes)
    real, calls = output._move, []

    def move(src, dst):   # the fail_at-th move onto a destination fails (once)
        if output.STAGING_PREFIX not in str(dst):
            calls.append(dst)
            if len(calls) == fail_at:
                raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    output._move = move
    try:
        with output.Staging(dests[0], "--json") as stage:
            for d in dests:
                stage.write_text(d, f"new {d.name}", "--json")
            try:
                stage.commit()
                failed = False
            except SpecError as err:
                assert "No space left on device" in str(err)
                failed = True
    finally:
        output._move = real
    after = snapshot(root)
    if failed:
        assert after == before
    else:
        for d in dests:
            assert stat.S_ISREG(os.lstat(d).st_mode) and d.read_text() == f"new {d.name}"
        assert {k: v for k, v in after.items() if k.startswith("targets")} == \
               {k: v for k, v in before.items() if k.startswith("targets")}
    assert not staging_left(root)


def _children(pid: int) -> list:
    out = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


PARENT_NOISE = ("Exception ignored", "Task exception was never retrieved", "Nanny failed to start",
                "distributed.deploy", "distributed.nanny")


@pytest.mark.parametrize("group", [False, True])
def test_a_signal_while_dask_workers_start_is_one_line_from_this_process(tmp_path, group):
    """SIGINT while the local cluster starts its workers: exit 130, and after the one line nothing
    more from this process — the cluster closing half-started workers (exit-hook tracebacks,
    "Nanny failed to start") is silenced. ``group``: sent to the whole process group, as a
    terminal's Ctrl-C is; the worker processes then print their own KeyboardInterrupt (their
    start-up is Dask's; see docs/errors.md), which is the only thing tolerated here."""
    child = subprocess.Popen([sys.executable, "-m", "verify.cli", *CHECK, "--workers", "2", "--json",
                              str(tmp_path / "r.json"), "--witness-dir", str(tmp_path / "w")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                             start_new_session=True)
    # The moment: the first worker process exists (the cluster is starting its workers).
    assert _wait_for(lambda: _children(child.pid), timeout=120), "no worker process started"
    if group:
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert "verify: interrupted (exit 130); outputs left as they were" in err
    assert not [n for n in PARENT_NOISE if n in err], err
    if not group:   # the line is the last; what Dask said before the signal is its own business
        assert err.strip().splitlines()[-1] == "verify: interrupted (exit 130); outputs left as they were", err
    assert not staging_left(tmp_path)


def test_a_full_disk_while_staging_is_one_line_and_changes_nothing(cli, tmp_path, monkeypatch):
    """ENOSPC while a file is staged: exit 2, one line naming the option, nothing changed."""
    (tmp_path / "r.json").write_text("OLD\n")
    real_open = open

    def full_open(path, mode="r", *a, **k):
        if "x" in mode and output.STAGING_PREFIX in str(path):
            raise OSError(28, "No space left on device", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr("builtins.open", full_open)
    rc, _, err = cli(*CHECK, "--json", "r.json", "--witness-dir", "w")
    assert rc == 2 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("verify: error: --")
    assert "No space left on device" in err
    assert snapshot(tmp_path) == {"r.json": ("file", b"OLD\n")}


KILL_ACROSS = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from verify import output
    here, there, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    real, moves = output._move, []
    def move(src, dst):
        real(src, dst)
        moves.append(dst)
        if len(moves) == n:
            os.kill(os.getpid(), signal.SIGKILL)
    output._move = move
    with output.Staging(here) as stage:
        stage.write_text(here / "a", "new a")
        stage.write_text(there / "b", "new b")
        stage.commit()
""")


@pytest.fixture
def other_fs(tmp_path):
    """A folder on another file system than tmp_path (tmpfs /dev/shm), removed afterwards."""
    import shutil
    import tempfile

    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system")
    d = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="verify-test-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("moves", [2, 3])
def test_a_commit_across_file_systems_killed_midway_is_rolled_back(tmp_path, other_fs, moves):
    """One staging folder per file system (every move a rename); the journal in the first one
    rolls back both, and removes the second staging folder."""
    (tmp_path / "a").write_text("old a")
    (other_fs / "b").write_text("old b")
    here, there = snapshot(tmp_path), snapshot(other_fs)
    r = subprocess.run([sys.executable, "-c", KILL_ACROSS, str(tmp_path), str(other_fs), str(moves)],
                       env=ENV, timeout=120)
    assert r.returncode == -signal.SIGKILL
    assert staging_left(other_fs)
    with output.Staging(tmp_path):
        pass
    assert snapshot(tmp_path) == here and snapshot(other_fs) == there
    assert not staging_left(other_fs)


def test_a_commit_across_file_systems_puts_both_in_place(tmp_path, other_fs):
    with output.Staging(tmp_path) as stage:
        stage.write_text(tmp_path / "a", "new a")
        stage.write_text(other_fs / "b", "new b")
        stage.commit()
    assert (tmp_path / "a").read_text() == "new a" and (other_fs / "b").read_text() == "new b"
    assert not staging_left(tmp_path) and not staging_left(other_fs)


def test_a_journal_never_makes_cleanup_remove_what_is_not_staging(tmp_path):
    """A dead run's journal naming a folder that is not a staging folder (damage, a hand edit):
    the cleanup removes only staging folders."""
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "x").write_text("keep")
    d = tmp_path / f"{output.STAGING_PREFIX}999999999-zz"
    d.mkdir()
    (d / "journal").write_text(json.dumps({"op": "dir", "path": str(keep)}) + "\n")
    (d / "owner.json").write_text(json.dumps({"pid": 999999999, "primary": str(keep)}))
    assert output.remove_stale(tmp_path) == [d]
    assert (keep / "x").read_text() == "keep" and not d.exists()
