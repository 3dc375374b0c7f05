"""Output paths: checked before any work, written atomically.

Every command that writes (``check --json``, ``check --witness-dir``, ``report --out``) first
checks its paths (``check_file_path``, ``check_dir_path``: creatable, writable, not a file where a
folder is needed), so bad paths fail in one line before a long run. Results are then *staged*: a
:class:`Staging` collects every file in a hidden temporary folder beside the destination and, at
``commit``, moves them into place with ``os.replace`` (atomic per file, same file system) while
SIGINT is held back, so an error or Ctrl-C leaves either the old outputs or the new ones — never
a half-written file, a mix, or an empty new folder.
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import SpecError, shorten

ACCEPT_FILE = "a file path whose folder exists or can be created, writable"
ACCEPT_DIR = "a folder that exists or can be created, writable (not a file)"


def _nearest_existing(p: Path) -> Path:
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _check_ancestor(p: Path, field: str, accepted: str) -> None:
    """The nearest existing ancestor of ``p`` must be a writable folder (so ``p`` can be created)."""
    anc = _nearest_existing(p.parent if p != p.parent else p)
    if not anc.is_dir():
        raise SpecError(field, f"{shorten(str(anc))} is a file, not a folder, in {shorten(str(p))}", accepted)
    if not os.access(anc, os.W_OK | os.X_OK):
        raise SpecError(field, f"{shorten(str(anc))} is not writable", accepted)


def check_file_path(path: str | Path, field: str) -> Path:
    """A file to be (re)written: not a folder; its folder exists or can be created; writable."""
    if not str(path).strip():
        raise SpecError(field, "is empty", ACCEPT_FILE)
    p = Path(path)
    if p.is_dir():
        raise SpecError(field, f"{shorten(str(p))} is a folder", ACCEPT_FILE)
    if p.exists() and not os.access(p, os.W_OK) and not os.access(p.parent, os.W_OK):
        raise SpecError(field, f"{shorten(str(p))} is not writable", ACCEPT_FILE)
    _check_ancestor(p, field, ACCEPT_FILE)
    return p


def check_dir_path(path: str | Path, field: str) -> Path:
    """A folder to write into: an existing writable folder, or creatable (no file on the way)."""
    if not str(path).strip():
        raise SpecError(field, "is empty", ACCEPT_DIR)
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            raise SpecError(field, f"{shorten(str(p))} is a file", ACCEPT_DIR)
        if not os.access(p, os.W_OK | os.X_OK):
            raise SpecError(field, f"{shorten(str(p))} is not writable", ACCEPT_DIR)
        return p
    _check_ancestor(p, field, ACCEPT_DIR)
    return p


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8, whatever the locale) atomically: see ``atomic_write_bytes``."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file in the same folder, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def sigint_held():
    """Hold Ctrl-C back for a short critical section; re-raise it once the section is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


class Staging:
    """Files destined for several places, written to one hidden temporary folder first.

    ``path(dest)`` gives the staged file for destination ``dest``; ``commit()`` moves every staged
    file onto its destination (creating folders only then). Leaving the ``with`` block without
    ``commit`` (an error, Ctrl-C) removes the staging folder and touches no destination.
    """

    def __init__(self, anchor: str | Path):
        self.anchor = Path(anchor)
        self.dir: Path | None = None
        self.files: list = []  # (staged, destination)

    def __enter__(self) -> "Staging":
        base = _nearest_existing(self.anchor)
        base = base if base.is_dir() else base.parent
        self.dir = Path(tempfile.mkdtemp(prefix=".verify-staging-", dir=base))
        return self

    def path(self, dest: str | Path) -> Path:
        staged = self.dir / f"{len(self.files)}-{Path(dest).name}"
        self.files.append((staged, Path(dest)))
        return staged

    def write_text(self, dest: str | Path, text: str) -> None:
        self.path(dest).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        with sigint_held():
            for staged, dest in self.files:
                if staged.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.replace(staged, dest)
                    except OSError:  # another file system: copy beside dest, then rename there
                        atomic_write_bytes(dest, staged.read_bytes())

    def __exit__(self, *exc) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
