"""The task cache of the distributed proof check: checked on every read, never trusted.

An entry is one finished task (one claim on one target, ``distributed.run_task``) stored as
``DIR/<key[:2]>/<key>.json``::

    {"format": "verify-task-cache/2", "key": <task key>, "n_rows": N,
     "content": {"rows": [...], "sides": [...], "seconds": s}, "mac": <hex>}

* ``sides[i]`` holds the exact values row ``i``'s verdict was decided from: each side of the
  claim as an exact log-linear form ``c0 + Σ c_k log r_k`` (rationals as text, docs/index.md §7), or,
  for a side that is not one (a ratio of logs, an exp, a python Formula), its arb balls at every
  working precision the decision visited (midpoint and radius as exact dyadic numbers) and its
  exact form if it has one. Rows without a certified comparison (shape claims, quantities that
  stayed undecided) have ``null`` there.
* ``mac`` is HMAC-SHA256, under a per-user key kept outside the cache, over the canonical JSON of
  everything else (format, task key, row count, content — unknown extra row fields included).

Reading an entry (``TaskCache.get``): the JSON must parse, the format and the task key must be
the ones asked for, the MAC must match, the row count must be the stored one and the number of
instances the claim has on that target; then every verdict is **decided again** from the stored
sides by the certifier (``check_le`` / ``check_ge`` / ``check_eq``) and must reproduce the stored
verdict, margin and display values exactly; a row that claims a verdict (certified, tight,
refuted) without sides is refused. Anything else — a hand edit, a truncated or malformed file, an
entry written under another user's key or copied from another task — is not an error: the task
is recomputed and its entry overwritten, and the run prints one warning line on stderr.

The key: ``$VERIFY_CACHE_KEY`` if set (a file path), else ``$XDG_CONFIG_HOME/dlm-verify/cache-key``
(``~/.config/dlm-verify/cache-key``); created on first use with mode 0600 (64 hex digits of
``secrets.token_bytes(32)``); refused (one line, exit 2) if others may read or write it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
from pathlib import Path

from flint import arb, fmpq

from ..certify.logforms import LogLinear, working_precision
from ..certify.verdicts import DEFAULT_PREC_START, Enclosable, exact_form
from ..errors import SpecError

FORMAT = "verify-task-cache/2"
KEY_ENV = "VERIFY_CACHE_KEY"
KEY_ACCEPTED = ("a key file of 64 hex digits, mode 0600, owned by you (delete it to have a new one made; "
                f"${KEY_ENV} names another)")
DECIDED = ("certified", "tight", "refuted")
MAX_EXPONENT = 1 << 20   # binary exponents of stored balls: far beyond any working precision here


class BadEntry(Exception):
    """An entry that fails its check; ``str`` says which check (for the warning line)."""


# ------------------------------------------------------------------ the per-user key

def key_path() -> Path:
    """Where the cache key lives: ``$VERIFY_CACHE_KEY``, else under ``$XDG_CONFIG_HOME`` (an
    absolute path, per the XDG spec) or ``~/.config``."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "dlm-verify" / "cache-key"


def user_key(path: Path | None = None) -> bytes:
    """The 32-byte key of ``path`` (default ``key_path()``), made on first use (mode 0600)."""
    path = Path(path) if path is not None else key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_bytes(32).hex() + "\n")
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # atomic, and never replaces a key another run made meanwhile
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    except OSError as err:
        raise SpecError("--cache", f"cannot create the cache key {str(path)!r} ({err.strerror})",
                        f"a writable $XDG_CONFIG_HOME or ~/.config, or ${KEY_ENV} naming a key file") from None
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as err:
        raise SpecError("--cache", f"cannot read the cache key {str(path)!r} ({err.strerror})", KEY_ACCEPTED) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SpecError("--cache", f"the cache key {str(path)!r} is not a regular file", KEY_ACCEPTED)
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise SpecError("--cache", f"the cache key {str(path)!r} belongs to another user", KEY_ACCEPTED)
        if st.st_mode & 0o077:
            raise SpecError("--cache", f"the cache key {str(path)!r} is open to others "
                            f"(mode {stat.S_IMODE(st.st_mode):04o})", KEY_ACCEPTED)
        text = os.read(fd, 200)
    finally:
        os.close(fd)
    m = re.fullmatch(rb"([0-9a-f]{64})\n?", text)
    if m is None:
        raise SpecError("--cache", f"the cache key {str(path)!r} is not 64 hex digits", KEY_ACCEPTED)
    return bytes.fromhex(m.group(1).decode())


# ------------------------------------------------------------------ exact sides as JSON

def _form_to_json(form: LogLinear) -> dict:
    return {"c": str(form.const), "t": [[str(r), str(c)] for r, c in form.terms.items()]}


def _rational(text) -> fmpq:
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]{1,20000}(/[0-9]{1,20000})?", text):
        raise BadEntry(f"{str(text)[:40]!r} is not an exact rational")
    return fmpq(text)


def _form_from_json(d) -> LogLinear:
    if not isinstance(d, dict) or set(d) != {"c", "t"} or not isinstance(d["t"], list):
        raise BadEntry("a side's exact form is malformed")
    for pair in d["t"]:
        if not isinstance(pair, list) or len(pair) != 2:
            raise BadEntry("a side's log term is malformed")
    ratios = [_rational(r) for r, _ in d["t"]]
    if any(r <= 1 for r in ratios):  # stored forms are normalised: every ratio > 1
        raise BadEntry("a side's log term has a ratio <= 1")
    return LogLinear.from_pairs([_rational(c) for _, c in d["t"]], ratios, _rational(d["c"]))


def _dyadic_to_json(x: arb) -> list:
    man, exp = x.man_exp()
    return [str(man), int(exp)]


def _dyadic(pair) -> fmpq:
    if (not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], int)
            or isinstance(pair[1], bool) or abs(pair[1]) > MAX_EXPONENT):
        raise BadEntry("a stored ball is malformed")
    man, exp = _rational(pair[0]), pair[1]
    if man.q != 1:
        raise BadEntry("a stored ball's mantissa is not an integer")
    return man * fmpq(2) ** exp


def _ball_to_json(ball: arb) -> list:
    return [_dyadic_to_json(ball.mid()), _dyadic_to_json(ball.rad())]


def _ball_from_json(pair) -> arb:
    """The arb ball stored by ``_ball_to_json``, bit for bit (else BadEntry).

    arb keeps a radius as a 30-bit upper bound and rounds it up when a ball is built from a
    midpoint and a radius, sometimes by one unit of its last place even when the value fits. So
    the radius ``M·2^E`` (30-bit ``M``) is tried as given, then as its predecessor on that grid
    (``(M − 1)·2^E``, or ``(2M − 1)·2^(E−1)`` at a power of two); the ball is
    accepted only if it reads back as exactly the stored midpoint and radius."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise BadEntry("a stored ball is malformed")
    mid, rad = _dyadic(pair[0]), _dyadic(pair[1])
    if rad < 0:
        raise BadEntry("a stored ball has a negative radius")
    man, exp = int(pair[1][0]), pair[1][1]
    shift = max(30 - man.bit_length(), 0)
    big = man << shift  # the 30-bit mantissa; its predecessor on arb's grid is one of these two
    tries = [rad] + ([fmpq(big - 1) * fmpq(2) ** (exp - shift), fmpq(2 * big - 1) * fmpq(2) ** (exp - shift - 1)]
                     if man > 0 else [])
    bits = max(int(abs(mid.p)).bit_length(), 32) + 8
    with working_precision(bits):  # wide enough for both dyadics: arb(fmpq) is exact here
        for r in tries:
            ball = arb(arb(mid), arb(r)) if r else arb(mid)
            if _ball_to_json(ball) == pair:
                return ball
    raise BadEntry("a stored ball does not read back as stored")


def _precisions(prec_cap: int, upto: int) -> list:
    """The working precisions a verdict visits, ``64, 128, …`` (capped at ``prec_cap``), up to
    the one that decided it (``verdicts._precisions``)."""
    out, prec = [], DEFAULT_PREC_START
    cap = max(prec, int(prec_cap))
    while True:
        out.append(prec)
        if prec >= cap or prec >= upto:
            return out
        prec = min(2 * prec, cap)


def side_to_json(x, decided_at: int, prec_cap: int) -> dict:
    """A claim side as the exact data its verdict is decided from (see the module docstring)."""
    if isinstance(x, LogLinear):
        return {"form": _form_to_json(x)}
    if isinstance(x, (int, fmpq)) and not isinstance(x, bool):
        return {"form": _form_to_json(LogLinear.constant(x))}
    if not isinstance(x, Enclosable):
        raise ValueError(f"a side of type {type(x).__name__} has no exact description")
    form = exact_form(x)
    return {"balls": [[p, _ball_to_json(x.enclose(p))] for p in _precisions(prec_cap, decided_at)],
            "form": None if form is None else _form_to_json(form)}


class StoredSide(Enclosable):
    """A side read back from the cache: its balls at the precisions the verdict visited, and its
    exact form (if it has one). A precision that was not stored is a malformed entry."""

    __slots__ = ("balls", "form")

    def __init__(self, balls: dict, form):
        self.balls, self.form = balls, form

    def enclose(self, prec: int) -> arb:
        try:
            return self.balls[prec]
        except KeyError:
            raise BadEntry(f"a side has no stored ball at {prec} bits") from None

    def exact_form(self):
        return self.form


def side_from_json(d):
    if not isinstance(d, dict):
        raise BadEntry("a side is malformed")
    if set(d) == {"form"}:
        return _form_from_json(d["form"])
    if set(d) != {"balls", "form"} or not isinstance(d["balls"], list):
        raise BadEntry("a side is malformed")
    balls = {}
    for item in d["balls"]:
        if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], int):
            raise BadEntry("a side's ball is malformed")
        balls[item[0]] = _ball_from_json(item[1])
    return StoredSide(balls, None if d["form"] is None else _form_from_json(d["form"]))


def sides_of(rows: list, prec_cap: int) -> list:
    """Per row: ``[lhs, rhs]`` as exact data, or None (no comparison, or a side with no exact
    description — such a task is then not cached, see ``cacheable``)."""
    out = []
    for row in rows:
        sides = getattr(row, "_sides", None)
        if sides is None or row.verdict is None or "prec" not in row.verdict:
            out.append(None)
            continue
        try:
            out.append([side_to_json(s, int(row.verdict["prec"]), prec_cap) for s in sides])
        except (ValueError, TypeError, ArithmeticError):
            out.append(None)
    return out


def cacheable(value: dict) -> bool:
    """Whether a task's value can be checked when read back: every row that claims a verdict
    carries its sides."""
    return all(side is not None or row.get("status") not in DECIDED
               for row, side in zip(value["rows"], value["sides"]))


# ------------------------------------------------------------------ re-deciding a row

def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def redecide(row: dict, sides, relation: str, prec_cap: int) -> None:
    """Decide the row's verdict again from its stored sides; BadEntry unless it is the stored one.

    Verdict fields, status, margin and both display values must all agree: the row then is what
    the certifier says of those exact values, whatever the entry's text said."""
    from .check import CHECKERS

    if sides is None:
        if row.get("status") in DECIDED:
            raise BadEntry(f"a {row.get('status')} row carries no sides to decide it from")
        return
    if not isinstance(sides, list) or len(sides) != 2:
        raise BadEntry("a row's sides are malformed")
    if relation not in CHECKERS:
        raise BadEntry("a row has sides, but its claim compares nothing")
    lhs, rhs = (side_from_json(s) for s in sides)
    v = CHECKERS[relation](lhs, rhs, prec_cap=prec_cap)
    decided = {"status": v.status, "margin": v.margin, "verdict": v.to_json(), "lhs": v.lhs_float,
               "rhs": v.rhs_float}
    stored = {k: row.get(k) for k in decided}
    if _canonical(decided) != _canonical(stored):
        raise BadEntry(f"a stored verdict ({row.get('status')!r}) is not what its sides decide ({v.status!r})")


# ------------------------------------------------------------------ the cache

class TaskCache:
    """Finished tasks under ``root/<key[:2]>/<key>.json``, authenticated and re-decided on read.

    ``rejected`` lists ``(path, reason)`` of the entries that failed their check in this run;
    ``warning()`` is the one line to print about them (None if there are none)."""

    def __init__(self, root, key: bytes | None = None, row_fields: tuple = ()):
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SpecError("--cache", f"cannot create {str(root)!r} ({err.strerror})",
                            "a writable directory") from None
        self.key = key if key is not None else user_key()
        self.row_fields = tuple(row_fields)  # every row must have these (the merge reads them)
        self.rejected: list = []

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def _mac(self, body: dict) -> str:
        return hmac.new(self.key, _canonical(body).encode(), hashlib.sha256).hexdigest()

    def get(self, key: str, relation: str | None = None, prec_cap: int = 4096,
            expected_rows: int | None = None) -> dict | None:
        """The task's value ``{"rows", "sides", "seconds"}`` if its entry passes every check
        (module docstring), else None (not there, or refused: recorded in ``rejected``)."""
        path = self._path(key)
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            self.rejected.append((path, f"unreadable ({err.strerror})"))
            return None
        try:
            return self._check(text, key, relation, prec_cap, expected_rows)
        except BadEntry as err:
            self.rejected.append((path, str(err)))
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError) as err:
            self.rejected.append((path, f"malformed ({type(err).__name__})"))
        return None

    def _check(self, text: bytes, key: str, relation, prec_cap: int, expected_rows) -> dict:
        try:
            entry = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadEntry("not JSON (truncated or edited)") from None
        if not isinstance(entry, dict) or set(entry) != {"format", "key", "n_rows", "content", "mac"}:
            raise BadEntry("not a task entry")
        if entry["format"] != FORMAT:
            raise BadEntry(f"format {str(entry['format'])[:40]!r}, not {FORMAT!r}")
        if entry["key"] != key:
            raise BadEntry("it is another task's entry")
        body = {k: entry[k] for k in ("format", "key", "n_rows", "content")}
        if not isinstance(entry["mac"], str) or not hmac.compare_digest(self._mac(body), entry["mac"]):
            raise BadEntry("its MAC does not match (edited, or written under another key)")
        content = entry["content"]
        if not isinstance(content, dict) or set(content) != {"rows", "sides", "seconds"}:
            raise BadEntry("its content is malformed")
        rows, sides = content["rows"], content["sides"]
        if not isinstance(rows, list) or not isinstance(sides, list) or not all(isinstance(r, dict) for r in rows):
            raise BadEntry("its rows are malformed")
        n = entry["n_rows"]
        if not (isinstance(n, int) and n == len(rows) == len(sides)):
            raise BadEntry("its row count does not match its rows")
        if expected_rows is not None and n != expected_rows:
            raise BadEntry(f"{n} rows where the claim has {expected_rows} instances on this target")
        if not isinstance(content["seconds"], (int, float)) or isinstance(content["seconds"], bool):
            raise BadEntry("its compute time is malformed")
        for row, side in zip(rows, sides):
            missing = [f for f in self.row_fields if f not in row]
            if missing:
                raise BadEntry(f"a row has no field {missing[0]!r}")
            if not isinstance(row.get("instance", {}), dict) or not isinstance(row.get("values", {}), dict):
                raise BadEntry("a row's instance or values are malformed")
            redecide(row, side, relation, prec_cap)
        return content

    def put(self, key: str, value: dict) -> bool:
        """Store a task's value (atomically: temporary file, then ``os.replace``). False, storing
        nothing, if some verdict could not be checked on reading (``cacheable``)."""
        if not cacheable(value):
            return False
        content = {"rows": value["rows"], "sides": value["sides"], "seconds": value["seconds"]}
        body = {"format": FORMAT, "key": key, "n_rows": len(value["rows"]), "content": content}
        entry = {**body, "mac": self._mac(body)}
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                # The MAC is over the canonical (sorted) text; the file keeps the rows' own key
                # order, which the outputs show (instance descriptions).
                json.dump(entry, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def warning(self) -> str | None:
        """One line about the refused entries of this run, or None."""
        if not self.rejected:
            return None
        path, reason = self.rejected[0]
        n = len(self.rejected)
        what = "1 entry" if n == 1 else f"{n} entries"
        return (f"verify: warning: --cache: {what} failed the check and will be recomputed "
                f"(first: {path}: {reason})")
