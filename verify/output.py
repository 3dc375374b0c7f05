"""The one output layer: every file a command writes goes through here (docs/errors.md, "Writing").

Use it in three steps — check, stage, commit — so that bad paths fail in one line before any work
and an error, Ctrl-C, SIGTERM or even SIGKILL never leaves a mix of old and new files::

    from verify.output import Staging, check_dir_path, check_file_path

    json_path = check_file_path(args.json, "--json")          # 1. before any work (SpecError: exit 2)
    wdir = check_dir_path(args.witness_dir, "--witness-dir")
    with Staging(json_path) as stage:                         # 2. a hidden staging folder beside it
        results = run()                                       #    (stale ones of dead runs removed)
        stage.write_text(json_path, text, "--json")           #    staged, nothing in place yet
        stage.write_text(wdir / name, witness, "--witness-dir")
        stage.commit()                                        # 3. all new files in place, or none
    # leaving the block without commit (an error, a signal) writes nothing

**Checks** (``check_file_path``, ``check_dir_path``; ``SpecError`` naming the field otherwise): every
name at most 255 bytes and the path under 4096, no NUL; the destination itself is not a symbolic
link and not a special file (FIFO, device, socket); a file is not a folder and a folder not a file;
the nearest existing ancestor is a writable folder, reached without a symbolic-link loop.

**Staging**: files are written into ``.verify-staging-<pid>-<random>`` beside the destination (one
such folder per file system written to, so every move is a rename). ``commit`` re-checks every
destination, then moves each old file into the staging folder and the new one into place, writing
each step to a journal first; any failure rolls the journal back, so either all old files or all
new files are in place. Signals are held during the commit (it finishes, then the interrupt is
raised). Files of the destination folder that the run does not write are left alone, except those
the caller names with ``stage.remove(path)`` (a report's stale plots and witnesses): each is moved
into the staging folder in the same journalled commit (so a failed commit puts it back) and goes
with the staging folder once the commit is done.

**Stale staging**: a run killed outright (SIGKILL, power loss) leaves its staging folder; every
``Staging`` first removes, in the folder it stages in, the staging folders of this user whose owning
process (pid, process start time and host recorded in ``owner.json``) is gone — rolling back a commit
its journal shows unfinished — and never touches those of a live process.

**Signals** (``run_interruptible``, used by ``verify.cli.main``): the first SIGINT or SIGTERM raises
``KeyboardInterrupt`` (``Terminated`` for SIGTERM) once; later ones are only recorded. The command
then prints one line and exits 130 (SIGINT) or 143 (SIGTERM), never by the signal, with no
traceback; a signal after the work is done (even during interpreter shutdown) gives the same line
and status, the outputs then being complete.

**Hypothesis storage** (``hypothesis_storage``): hypothesis keeps caches under ``.hypothesis/`` in
the working folder; a search points it at ``user_cache_dir() / "hypothesis"`` instead.
"""
from __future__ import annotations

import atexit
import errno
import json
import os
import shutil
import signal
import socket
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import SpecError, shorten

ACCEPT_FILE = ("a file path (not a folder, symbolic link, FIFO, device or socket; names of at most 255 bytes) "
               "whose folder exists or can be created, writable")
ACCEPT_DIR = ("a folder (not a file, symbolic link or special file; names of at most 255 bytes) "
              "that exists or can be created, writable")
NAME_MAX = 255     # bytes per path component (Linux, macOS)
PATH_MAX = 4096    # bytes per path
STAGING_PREFIX = ".verify-staging-"


# ------------------------------------------------------------------ checks, before any work

def _shown(path) -> str:
    """A path echoed in an error line: its last 60 characters (the name is the telling part)."""
    text = str(path)
    return text if len(text) <= 60 else "…" + text[-60:]


def _kind(mode: int) -> str | None:
    """What a non-regular, non-folder file is, for the error line (None for a regular file)."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "a special file"


def _check_names(path: Path, field: str, accepted: str) -> None:
    raw = os.fsencode(str(path))
    if b"\0" in raw:
        raise SpecError(field, "contains a NUL character", accepted)
    if len(raw) >= PATH_MAX:
        raise SpecError(field, f"the path is {len(raw)} bytes long (at most {PATH_MAX - 1})", accepted)
    for part in path.parts:
        n = len(os.fsencode(part))
        if n > NAME_MAX:
            raise SpecError(field, f"the name {shorten(part)} is {n} bytes long (at most {NAME_MAX})", accepted)


def _lstat(path: Path, field: str, accepted: str):
    """``os.lstat`` or None when nothing is there; any other failure is a one-line SpecError."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise SpecError(field, f"{_shown(path)}: {_reason(err)}", accepted) from None


def _reason(err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return "a symbolic link loop"
    return err.strerror or type(err).__name__


def existing_ancestor(path: Path, field: str = "output", accepted: str = ACCEPT_DIR) -> Path:
    """The nearest existing ancestor of ``path`` (``path`` included): a writable folder, or SpecError.
    Ancestors may be symbolic links to folders (followed; a loop is refused)."""
    q = Path(os.path.abspath(path))
    while True:
        try:
            st = os.stat(q)
        except (FileNotFoundError, NotADirectoryError):
            if q == q.parent:
                raise SpecError(field, f"no existing folder above {_shown(path)}", accepted) from None
            q = q.parent
            continue
        except OSError as err:
            raise SpecError(field, f"{_shown(q)}: {_reason(err)}", accepted) from None
        if not stat.S_ISDIR(st.st_mode):
            what = _kind(st.st_mode) or "a file"
            raise SpecError(field, f"{_shown(q)} is {what}, not a folder, in {_shown(path)}", accepted)
        if not os.access(q, os.W_OK | os.X_OK):
            raise SpecError(field, f"{_shown(q)} is not writable", accepted)
        return q


def check_file_path(path: str | Path, field: str) -> Path:
    """A file to be (re)written: a regular file or nothing; its folder exists or can be created."""
    if not str(path).strip():
        raise SpecError(field, "is empty", ACCEPT_FILE)
    if str(path).endswith(os.sep):
        raise SpecError(field, f"{_shown(path)} names a folder", ACCEPT_FILE)
    p = Path(path)
    _check_names(p, field, ACCEPT_FILE)
    st = _lstat(p, field, ACCEPT_FILE)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise SpecError(field, f"{_shown(p)} is {_kind(st.st_mode)}", ACCEPT_FILE)
    existing_ancestor(p.parent, field, ACCEPT_FILE)
    return p


def check_dir_path(path: str | Path, field: str) -> Path:
    """A folder to write into: an existing writable folder (not a link), or creatable."""
    if not str(path).strip():
        raise SpecError(field, "is empty", ACCEPT_DIR)
    p = Path(path)
    _check_names(p, field, ACCEPT_DIR)
    st = _lstat(p, field, ACCEPT_DIR)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise SpecError(field, f"{_shown(p)} is {_kind(st.st_mode) or 'a file'}", ACCEPT_DIR)
    existing_ancestor(p, field, ACCEPT_DIR)
    return p


# ------------------------------------------------------------------ signals, to the last instruction

class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup path is the same (exit 143, not 130)."""


class _Signals:
    """Process-wide state of the handlers installed by ``run_interruptible`` (main thread only)."""

    def __init__(self):
        self.installed = False
        self.armed = False      # the next signal raises (once)
        self.held = 0           # inside a commit: record only, raise when it is done
        self.got: list = []     # every signal received, in order
        self.committed = False  # some commit of this run completed
        self.final = None       # (status, signals seen) when the command returned, process mode


_SIG = _Signals()
_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _handler(signum, frame):
    _SIG.got.append(signum)
    if _SIG.armed and not _SIG.held:
        _SIG.armed = False
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _raise_recorded() -> None:
    if _SIG.armed and _SIG.got:
        _SIG.armed = False
        raise Terminated() if _SIG.got[0] == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def signals_held():
    """Hold SIGINT/SIGTERM back for a critical section; raise the first one once it is done.
    Without ``run_interruptible`` (library use, other threads) this holds nothing."""
    if not _SIG.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _SIG.held += 1
    try:
        yield
    finally:
        _SIG.held -= 1
    if not _SIG.held:
        _raise_recorded()


sigint_held = signals_held  # the former name


def interrupted_line(signum: int) -> str:
    name = "terminated" if signum == signal.SIGTERM else "interrupted"
    outs = "outputs complete" if _SIG.committed else "outputs left as they were"
    return f"verify: {name} (exit {_STATUS[signum]}); {outs}"


def run_interruptible(fn, *args, process: bool = False) -> int:
    """``fn(*args)`` (a command returning its exit status) with SIGINT/SIGTERM handled.

    The first signal raises once (KeyboardInterrupt or Terminated) so that staging is cleaned up;
    the status is then 130/143 with one line on stderr. ``process=True`` (the real command line)
    keeps the recording handlers after return and ends the process itself from an exit hook
    (``os._exit`` after flushing), so a signal during interpreter shutdown cannot kill it by
    signal or print a traceback: it gives the same one line and status instead."""
    if threading.current_thread() is not threading.main_thread():
        return fn(*args)
    old = {s: signal.getsignal(s) for s in _STATUS}
    _SIG.__init__()
    if process:
        atexit.register(_last_instruction)  # registered first among this run's hooks: runs last
    for s in _STATUS:
        signal.signal(s, _handler)
    _SIG.installed = True
    _SIG.armed = True
    status = None
    try:
        try:
            status = fn(*args)
            _SIG.armed = False
        except SystemExit as err:  # argparse's --help
            _SIG.armed = False
            status = err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
        except KeyboardInterrupt as err:  # the one raise of the handler (or a KeyboardInterrupt of fn)
            _SIG.armed = False
            if not _SIG.got:
                _SIG.got.append(signal.SIGTERM if isinstance(err, Terminated) else signal.SIGINT)
        if _SIG.got:
            print(interrupted_line(_SIG.got[0]), file=sys.stderr, flush=True)
            status = _STATUS[_SIG.got[0]]
            if process:
                _silence_stderr()
        _SIG.final = (status, len(_SIG.got))
        return status
    finally:
        if not process:
            for s, h in old.items():
                signal.signal(s, h)
            _SIG.installed = False


def _silence_stderr() -> None:
    """After the one line of an interrupt, the rest of this process's stderr (a Dask cluster
    closing half-started workers, its exit hooks) goes nowhere: the line stays the last one."""
    try:
        sys.stderr.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except (OSError, ValueError):
        pass


def _last_instruction() -> None:
    """The exit hook of the command line: a signal after the command returned changes the status
    to 130/143 with its one line (once); then flush and leave with that status, never by signal."""
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, set(_STATUS))
    except (AttributeError, OSError, ValueError):
        pass
    status, seen = _SIG.final if _SIG.final is not None else (None, 0)
    pending = list(_SIG.got[seen:])
    try:
        pending += [s for s in signal.sigpending() if s in _STATUS]
    except (AttributeError, OSError):
        pass
    if status is None:
        return  # the command never returned (an uncaught error): Python's own ending
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BaseException:  # a closed pipe: nothing more to say
        pass
    if pending and seen == 0:
        try:
            os.write(2, (interrupted_line(pending[0]) + "\n").encode())
        except OSError:
            pass
        status = _STATUS[pending[0]]
    os._exit(status if isinstance(status, int) else 1)


# ------------------------------------------------------------------ staging and commit

def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/verify`` or ``~/.cache/verify`` (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "verify"


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) from /proc, to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _alive(owner: dict) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if owner.get("host") not in (None, socket.gethostname()):
        return True  # another machine's run (a shared folder): never ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = owner.get("start")
    return start is None or _start_time(pid) in (None, start)


def _owner_of(folder: Path) -> dict:
    try:
        owner = json.loads((folder / "owner.json").read_text())
        if isinstance(owner, dict):
            return owner
    except (OSError, ValueError):
        pass
    try:  # killed before owner.json was written: the pid is in the name
        return {"pid": int(folder.name[len(STAGING_PREFIX):].split("-")[0])}
    except ValueError:
        return {}


def _read_journal(folder: Path) -> list:
    try:
        lines = (folder / "journal").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            break  # a line cut by the kill: the step it announces did not start
    return out


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` onto ``dst``; across mount points, a copy beside ``dst`` renamed into place."""
    try:
        os.replace(src, dst)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name[:200]}.verify-tmp")
        shutil.copyfile(src, tmp, follow_symlinks=False)
        os.replace(tmp, dst)
        os.unlink(src)


def _rollback(entries: list) -> None:
    """Undo a journal's steps in reverse: new files out, old files back, created folders removed."""
    if any(e.get("op") == "done" for e in entries):
        return
    for e in reversed(entries):
        try:
            if e["op"] == "new" and not os.path.lexists(e["staged"]):
                st = os.lstat(e["dest"])
                if stat.S_ISREG(st.st_mode):
                    os.unlink(e["dest"])
            elif e["op"] == "old" and os.path.lexists(e["backup"]):
                _move(Path(e["backup"]), Path(e["dest"]))
            elif e["op"] == "mkdir":
                os.rmdir(e["path"])
        except (OSError, KeyError, TypeError):
            continue  # best effort for the rest: one stuck step must not keep the others back


def remove_stale(folder: str | Path) -> list:
    """Remove (after rolling back an unfinished commit) this user's staging folders in ``folder``
    whose owning process is gone; returns the removed paths. Live runs' folders are kept."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        path = Path(entry.path)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            continue
        owner = _owner_of(path)
        if owner.get("pid") == os.getpid() or _alive(owner):
            continue
        primary = owner.get("primary")
        if primary and primary != str(path) and _is_staging(primary):
            removed += _recover(Path(primary))
        removed += _recover(path)
    return removed


_CLEANED: set = set()


def _remove_stale_once(folder: Path) -> None:
    """``remove_stale`` once per folder and process: a dead run's folders do not come back, and a
    folder written many times (a task cache) is not listed again at every write."""
    key = os.path.realpath(folder)
    if key not in _CLEANED:
        remove_stale(folder)
        _CLEANED.add(key)


def _is_staging(path) -> bool:
    """A real folder of ours named like a staging folder (a journal is only ever trusted this far)."""
    try:
        st = os.lstat(path)
    except (OSError, TypeError, ValueError):
        return False
    return (Path(path).name.startswith(STAGING_PREFIX) and stat.S_ISDIR(st.st_mode)
            and st.st_uid == os.geteuid())


def _recover(folder: Path) -> list:
    entries = _read_journal(folder)
    _rollback(entries)
    gone = [folder] + [Path(e["path"]) for e in entries if e.get("op") == "dir" and e.get("path")]
    gone = [d for d in gone if _is_staging(d)]
    for d in gone:
        shutil.rmtree(d, ignore_errors=True)
    return gone


class Staging:
    """Files destined for several places, staged in hidden folders, committed all or nothing.

    ``Staging(anchor)``: ``anchor`` is a destination (file or folder) of the run; the main staging
    folder, holding the journal, goes into its nearest existing folder. ``path(dest, field)`` gives
    the staged file for ``dest`` (to write yourself, e.g. a plot); ``write_text`` / ``write_bytes``
    write it; ``commit()`` puts every staged file in place (see the module docstring). Leaving
    the ``with`` block without ``commit`` removes the staging and touches no destination.
    """

    def __init__(self, anchor: str | Path, field: str = "output"):
        self.anchor = Path(anchor)
        self.field = field
        self.dir: Path | None = None
        self.dirs: dict = {}    # st_dev -> staging folder on that file system
        self.files: list = []   # (staged, destination, field)
        self.removals: list = []  # (destination, field): old files to take away at the commit
        self.removed: list = []   # the ones actually removed by the commit
        self.committed = False

    def __enter__(self) -> "Staging":
        try:
            with signals_held():  # a signal here must not leave a folder no __exit__ removes
                try:
                    inside = self.anchor.is_dir() and not self.anchor.is_symlink()
                except OSError:
                    inside = False
                base = existing_ancestor(self.anchor if inside else self.anchor.parent, self.field)
                _remove_stale_once(base)
                self.dir = self._make(base, None)
                self.dirs[os.stat(base).st_dev] = self.dir
                self._journal = os.open(self.dir / "journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW,
                                        0o600)
        except OSError as err:  # the folder turned unwritable or full since it was checked
            self.__exit__(None, None, None)
            raise SpecError(self.field, f"cannot stage beside {_shown(self.anchor)}: {_reason(err)}",
                            ACCEPT_FILE) from None
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _make(self, base: Path, primary: Path | None) -> Path:
        import tempfile

        d = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=base))
        owner = {"pid": os.getpid(), "start": _start_time(os.getpid()), "host": socket.gethostname(),
                 "primary": str(primary) if primary else None}
        (d / "owner.json").write_text(json.dumps(owner))
        (d / "new").mkdir()
        (d / "old").mkdir()
        if primary is not None:
            self._log({"op": "dir", "path": str(d)})
        return d

    def _log(self, entry: dict) -> None:
        os.write(self._journal, (json.dumps(entry) + "\n").encode())

    def _dir_for(self, dest: Path, field: str) -> Path:
        base = existing_ancestor(dest.parent, field, ACCEPT_FILE)
        dev = os.stat(base).st_dev
        if dev not in self.dirs:
            _remove_stale_once(base)
            self.dirs[dev] = self._make(base, self.dir)
        return self.dirs[dev]

    def path(self, dest: str | Path, field: str | None = None) -> Path:
        field = field or self.field
        dest = Path(dest)
        _check_names(dest, field, ACCEPT_FILE)
        staged = self._dir_for(dest, field) / "new" / str(len(self.files))
        self.files.append((staged, dest, field))
        return staged

    def write_text(self, dest: str | Path, text: str, field: str | None = None) -> None:
        self.write_bytes(dest, text.encode("utf-8"), field)

    def write_bytes(self, dest: str | Path, data: bytes, field: str | None = None) -> None:
        staged = self.path(dest, field)
        try:
            with open(staged, "xb") as fh:
                fh.write(data)
        except OSError as err:  # a full disk: one line, nothing in place yet
            raise SpecError(field or self.field, f"cannot write {_shown(dest)}: {_reason(err)}; "
                            "nothing was changed", ACCEPT_FILE) from None

    def remove(self, dest: str | Path, field: str | None = None) -> None:
        """Take ``dest`` away at the commit (journalled like a replacement: a rollback puts it back).
        Only a regular file is removed; a link, folder or special file there by then is left alone,
        and so is a destination that this staging also writes."""
        field = field or self.field
        dest = Path(dest)
        _check_names(dest, field, ACCEPT_FILE)
        self._dir_for(dest, field)  # its backup is a rename on the same file system
        self.removals.append((dest, field))

    def _removal_plan(self, written: list) -> list:
        keep = {os.path.abspath(dest) for _, dest, _ in written}
        plan = {}
        for dest, field in self.removals:
            key = os.path.abspath(dest)
            try:
                regular = stat.S_ISREG(os.lstat(dest).st_mode)
            except OSError:
                regular = False  # gone since (or unreadable): nothing to remove
            if regular and key not in keep:
                plan[key] = dest
        return list(plan.values())

    def _plan(self) -> list:
        """The last staged file of each destination, every destination checked again (it may have
        changed during the run): a SpecError here still leaves everything as it was."""
        last = {}
        for staged, dest, field in self.files:
            if staged.exists():
                last[os.path.abspath(dest)] = (staged, dest, field)
        for staged, dest, field in last.values():
            check_file_path(dest, field)
        return list(last.values())

    def commit(self) -> None:
        """Every staged file in place, or (on any failure, journal rolled back) none."""
        with signals_held():
            plan = self._plan()
            removals = self._removal_plan(plan)
            done = []
            try:
                for n, dest in enumerate(removals):  # old files moved aside, as a replacement's would be
                    backup = self._dir_for(dest, self.field) / "old" / f"removed-{n}"
                    entry = {"op": "old", "dest": os.path.abspath(dest), "backup": str(backup)}
                    self._log(entry)
                    _move(dest, backup)
                    done.append(entry)
                for n, (staged, dest, _) in enumerate(plan):
                    for d in reversed([a for a in Path(os.path.abspath(dest)).parents if not a.exists()]):
                        self._log({"op": "mkdir", "path": str(d)})
                        os.mkdir(d)
                        done.append({"op": "mkdir", "path": str(d)})
                    if os.path.lexists(dest):
                        backup = staged.parent.parent / "old" / str(n)
                        entry = {"op": "old", "dest": os.path.abspath(dest), "backup": str(backup)}
                        self._log(entry)
                        _move(dest, backup)
                        done.append(entry)
                    entry = {"op": "new", "dest": os.path.abspath(dest), "staged": str(staged)}
                    self._log(entry)
                    _move(staged, dest)
                    done.append(entry)
                self._log({"op": "done"})
                self.removed = removals
            except OSError as err:  # a full disk, a folder made read-only during the run, ...
                _rollback(done)
                where = getattr(err, "filename", None) or "the staging folder"
                raise SpecError(self._field_of(where), f"cannot write {_shown(where)}: {_reason(err)}; "
                                "nothing was changed", ACCEPT_FILE) from None
            except BaseException:
                _rollback(done)
                raise
            self.committed = True
            _SIG.committed = True

    def _field_of(self, where) -> str:
        for staged, dest, field in self.files:
            if str(where) in (str(staged), str(dest), os.path.abspath(dest)):
                return field
        return self.field

    def __exit__(self, *exc) -> None:
        with signals_held():  # removed whole, even on a second Ctrl-C
            try:
                os.close(self._journal)
            except (OSError, AttributeError):
                pass
            for d in list(self.dirs.values())[::-1]:
                shutil.rmtree(d, ignore_errors=True)
            if self.dir is not None and not self.dirs:  # killed between mkdtemp and the bookkeeping
                shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------ single files, hypothesis

def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to one file, staged and committed (``Staging``)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to one file through a ``Staging`` of its own (checked, never via a link)."""
    with Staging(path) as stage:
        stage.write_bytes(path, data)
        stage.commit()


@contextmanager
def hypothesis_storage():
    """Point hypothesis's storage (its constants cache; the example database is off) at the user
    cache folder for the block, so a search writes nothing under the working folder."""
    from hypothesis import configuration

    before = configuration.storage_directory(intent_to_write=False).home_directory
    configuration.set_hypothesis_home_dir(user_cache_dir() / "hypothesis")
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(before)
