"""Claim records and their declarative (TOML) form — the registry's data model.

A claim is data: id, paper key, provenance tag, LaTeX statement, KL direction, the grid of
instances it ranges over, and its two sides. Sides are either arithmetic over the documented
SYMBOLS (``symbols.py``; declarative claims, also loadable from a reviewer's own TOML file with
``--claims-file``), parsed by ``symbolic.parse`` and never evaluated as code, or python callables
taking an ``Instance``. Constants are fields, so a reviewer holding the paper can correct them
without touching the engine. ``load_claims_file`` refuses everything ``check`` would refuse later.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import SpecError, shorten
from .symbols import NEEDS_PLAN, NEEDS_SAMPLER, SYMBOLS  # noqa: F401  (SYMBOLS re-exported)

PAPERS = ("LC25", "ZC26", "CL26", "FG25", "W26", "WLL26", "CCL25", "derived")  # the built-in keys
# A reviewer's claims file may name any other paper by a short identifier.
PAPER_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,23}\Z")
PROVENANCE = ("abstract", "reported", "reading", "derived")
RELATIONS = ("<=", ">=", "==", "shape")

@dataclass
class Claim:
    id: str
    paper: str
    provenance: str
    statement: str
    relation: str
    grid: str
    lhs: str | Callable | None = None
    rhs: str | Callable | None = None
    kl_direction: str = "KL(p ‖ output): data first"
    predictors: tuple = ("perfect",)
    constants: dict = field(default_factory=dict)
    statistic: str | Callable | None = None  # shape claims: a per-instance number to aggregate
    aggregate: str = "max"
    summarize: Callable | None = None  # python shape claims: rows → table of best constants
    # python claims: instance → small dict of plain values (int, str, bool, None) kept on each row
    # as ``Row.values`` for ``summarize``, which then needs no instance (rows of a distributed run
    # come back from the workers without their workspaces)
    record: Callable | None = None
    notes: str = ""
    uses: tuple = ()
    known_refutations: tuple = ()
    families: tuple = ()  # target families the claim ranges over (empty: every family of the zoo)
    source: str = ""
    # grid "all-laws" (verify/claims/all_laws.py): decided for every law at each (L, sampler)
    lengths: tuple = ()   # the lengths L
    samplers: tuple = ()  # sampler specs; {L}, {K} expanded over lengths and budgets
    budgets: tuple = ()   # the values of {K}
    # every other grid (verify/claims/scope.py): the claim's own sizes and instances
    alphabets: tuple = ()  # the alphabet sizes q (with lengths: every pair)
    where: str | None = None  # a condition over the symbols; instances where it is false are skipped
    # the evaluation backend (verify/claims/profile_instances.py): "enumeration" (the pmf), "profile"
    # (the entropy profile h(0..L) and the sampler's size law: targets beyond enumeration) or "auto";
    # resolved at load. ``targets``: the claim's own target specs instead of the profile's zoo.
    backend: str | None = None
    targets: tuple = ()

    def __post_init__(self):
        f = f"claim {shorten(self.id or '?')}"
        if not self.id:
            raise SpecError("claim.id", "is missing", "a stable id like LC25.T1")
        if not isinstance(self.paper, str) or not PAPER_KEY.match(self.paper):
            raise SpecError(f"{f}.paper", f"bad paper key {shorten(str(self.paper))!r}",
                            "a short identifier (a letter, then up to 23 letters, digits, '-' or '_'), e.g. "
                            + ", ".join(PAPERS))
        if self.provenance not in PROVENANCE:
            raise SpecError(f"{f}.provenance", f"unknown tag {shorten(self.provenance)!r}", ", ".join(PROVENANCE))
        from .instances import GRIDS

        if self.grid not in GRIDS:
            raise SpecError(f"{f}.grid", f"unknown grid {shorten(self.grid)!r}", ", ".join(GRIDS))
        if self.relation not in RELATIONS:
            raise SpecError(f"{f}.relation", f"unknown relation {shorten(self.relation)!r}", ", ".join(RELATIONS))
        if self.relation != "shape" and (self.lhs is None or self.rhs is None):
            raise SpecError(f"{f}.lhs", "a checked claim needs both lhs and rhs", "sympy expressions over the symbols")
        if self.relation == "shape" and self.statistic is None and self.lhs is None:
            raise SpecError(f"{f}.statistic", "a shape claim needs a statistic", "a sympy expression")
        if self.aggregate not in ("max", "min"):
            raise SpecError(f"{f}.aggregate", f"unknown aggregate {shorten(self.aggregate)!r}", "max, min")
        self.predictors = tuple(self.predictors)
        self.uses = tuple(self.uses)
        self.known_refutations = tuple(self.known_refutations)
        self.families = tuple(self.families)
        self.lengths, self.samplers, self.budgets = tuple(self.lengths), tuple(self.samplers), tuple(self.budgets)
        self.alphabets = tuple(self.alphabets)
        self.targets = tuple(self.targets)
        if self.families:
            from distributions.registry import FAMILIES  # lazy: distributions imports verify

            for fam in self.families:
                if not isinstance(fam, str):
                    raise SpecError(f"{f}.families", f"{shorten(repr(fam))} is not a family name",
                                    "a list of family names: " + ", ".join(FAMILIES))
                if fam not in FAMILIES:
                    raise SpecError(f"{f}.families", f"unknown target family {fam!r}", ", ".join(FAMILIES))

    def ranges_over(self, family: str) -> bool:
        return not self.families or family in self.families

    @property
    def checked(self) -> bool:
        return self.relation != "shape"

    def symbols(self) -> set:
        """Symbols its declarative sides mention (python sides declare nothing)."""
        from .symbolic import free_symbols

        out: set = set()
        for side in (self.lhs, self.rhs, self.statistic):
            if isinstance(side, str):
                out |= free_symbols(side, self.constants)
        return out

    def to_json(self) -> dict:
        def side(s):
            return s if isinstance(s, str) or s is None else f"python:{getattr(s, '__name__', 'callable')}"

        return {
            "id": self.id, "paper": self.paper, "provenance": self.provenance,
            "statement": self.statement, "relation": self.relation, "kl_direction": self.kl_direction,
            "grid": self.grid, "predictors": list(self.predictors),
            "constants": {k: str(v) for k, v in self.constants.items()},
            "lhs": side(self.lhs), "rhs": side(self.rhs), "statistic": side(self.statistic),
            "aggregate": self.aggregate, "notes": self.notes, "uses": list(self.uses),
            "known_refutations": list(self.known_refutations), "families": list(self.families),
            "source": self.source,
            **({"lengths": list(self.lengths), "samplers": list(self.samplers), "budgets": list(self.budgets)}
               if self.grid == "all-laws" else {}),
            **({k: list(getattr(self, k)) for k in ("lengths", "alphabets", "samplers", "budgets")}
               if self.grid != "all-laws" and (self.lengths or self.alphabets or self.samplers) else {}),
            **({"where": self.where} if self.where is not None else {}),
            **({"backend": self.backend, "targets": list(self.targets)} if self.backend or self.targets else {}),
        }


_TOML_KEYS = {"id", "paper", "provenance", "statement", "relation", "grid", "lhs", "rhs", "kl_direction",
              "predictors", "constants", "statistic", "aggregate", "notes", "uses", "known_refutations",
              "families", "lengths", "samplers", "budgets", "alphabets", "where", "backend", "targets"}


_STR_KEYS = ("id", "paper", "provenance", "statement", "relation", "grid", "kl_direction", "aggregate", "notes",
             "lhs", "rhs", "statistic", "where", "backend")
_LIST_KEYS = ("predictors", "uses", "known_refutations", "families", "targets")
# A claims-file id: it names witness files, report anchors and --only globs. ASCII letters, digits
# and . _ + - (no spaces, slashes, control characters, look-alike letters or markup).
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,79}", re.ASCII)
_ID_ACCEPTED = "1 to 80 ASCII letters, digits and . _ + - (starting with a letter or digit), like LC25.T1"
# Fields that are code-like (names, specs, sides): ASCII only, refused otherwise (never NFKC-
# normalised: 'Ｈ' or a Unicode digit would silently become H or 1). Prose (statement, notes,
# kl_direction) may be any Unicode but no control or format character (NUL, ESC, bidi overrides).
_ASCII_KEYS = ("id", "paper", "provenance", "relation", "grid", "lhs", "rhs", "statistic", "aggregate",
               "predictors", "uses", "known_refutations", "families", "where", "backend", "targets")
MAX_CLAIMS_FILE_BYTES = 4 * 2**20


def _read_claims_text(path: Path) -> str:
    if not path.exists():
        raise SpecError("claims-file", f"{shorten(str(path))} does not exist", "a readable TOML file")
    if not path.is_file():
        raise SpecError("claims-file", f"{shorten(str(path))} is not a regular file", "a readable TOML file")
    try:
        if path.stat().st_size > MAX_CLAIMS_FILE_BYTES:
            raise SpecError("claims-file", f"{shorten(str(path))} is larger than {MAX_CLAIMS_FILE_BYTES} bytes",
                            "a TOML file of claims")
        raw = path.read_bytes()
    except OSError as err:
        raise SpecError("claims-file", f"cannot read {shorten(str(path))} ({err.strerror})",
                        "a readable TOML file") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"claims-file {shorten(path.name)}", "is not UTF-8 text (a binary file?)",
                        "a UTF-8 TOML file with [[claim]] tables") from None
    if "\x00" in text:
        raise SpecError(f"claims-file {shorten(path.name)}", "contains NUL bytes (a binary file?)",
                        "a UTF-8 TOML file with [[claim]] tables")
    return text


def _check_types(entry: dict, where: str) -> None:
    for key in _STR_KEYS:
        if key in entry and not isinstance(entry[key], str):
            raise SpecError(f"{where}.{key}", f"is {type(entry[key]).__name__} {shorten(repr(entry[key]))}, "
                            "not a string", "a string" + (" such as \"TC + DTC\"" if key in ("lhs", "rhs") else ""))
    for key in _LIST_KEYS:
        if key in entry and (not isinstance(entry[key], list) or not all(isinstance(x, str) for x in entry[key])):
            raise SpecError(f"{where}.{key}", f"{shorten(repr(entry[key]))} is not a list of strings",
                            "a list of strings")
    for key in ("lengths", "alphabets", "budgets", "samplers"):  # items: checked by scope.py / all_laws.py
        if key in entry and not isinstance(entry[key], list):
            raise SpecError(f"{where}.{key}", f"{shorten(repr(entry[key]))} is not a list",
                            "a list, e.g. lengths = [4, 5, 6], samplers = [\"balanced:K={K}\"]")
    if "constants" in entry:
        c = entry["constants"]
        if not isinstance(c, dict) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in c.values()):
            raise SpecError(f"{where}.constants", f"{shorten(repr(c))} is not a table of rationals",
                            'a table like { C_1 = "2", c = "1/16" }')


def _check_text(entry: dict, where: str) -> None:
    """Refuse non-ASCII characters in code-like fields and control/format characters anywhere."""
    for key, v in entry.items():
        values = v if isinstance(v, list) else list(v.items()) if isinstance(v, dict) else [v]
        for x in values:
            for text in (x if isinstance(x, tuple) else (x,)):
                text = str(text)
                bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")
                            and not (key in ("notes", "statement") and ch in "\n\t")), None)
                if bad is not None:
                    raise SpecError(f"{where}.{key}", f"contains the control character U+{ord(bad):04X}",
                                    "printable text (no NUL, escape, or bidirectional-override characters)")
                if (key in _ASCII_KEYS or key == "constants") and not text.isascii():
                    ch = next(ch for ch in text if ord(ch) > 127)
                    raise SpecError(f"{where}.{key}", f"non-ASCII character {ch!r} (U+{ord(ch):04X}) in "
                                    f"{shorten(repr(text))} (refused, not normalised)",
                                    "ASCII: digits 0-9 and Latin letters (prose fields statement and notes "
                                    "may be Unicode)")


def validate_claim(claim: Claim, where: str) -> None:
    """Everything ``check`` would refuse later, refused now: sides (parsed, never evaluated), the
    symbols' availability on the claim's grid, and the predictor specs."""
    from ..engine.predictors import parse_predictor
    from .scope import validate_scope
    from .symbolic import validate

    from .profile_instances import validate_backend

    validate_backend(claim, where)  # backend/targets: resolved first (the scope's checks depend on it)
    validate_scope(claim, where)
    if claim.grid == "all-laws":  # every law at once: its own checks (verify/claims/all_laws.py)
        from .all_laws import validate_all_laws

        return validate_all_laws(claim, where)
    for side_name in ("lhs", "rhs", "statistic"):
        side = getattr(claim, side_name)
        if side is None or callable(side):
            continue
        used = validate(side, claim.constants, f"{where}.{side_name}")
        if claim.grid == "targets" and used & NEEDS_SAMPLER:
            sym = sorted(used & NEEDS_SAMPLER)[0]
            raise SpecError(f"{where}.{side_name}", f"symbol {sym!r} needs a sampler, but grid is 'targets'",
                            "a grid with samplers (compositions, balanced, schedules, plans, ...)")
        if claim.grid != "plans" and used & NEEDS_PLAN:
            sym = sorted(used & NEEDS_PLAN)[0]
            raise SpecError(f"{where}.{side_name}", f"symbol {sym!r} needs an explicit plan", 'grid = "plans"')
    if not claim.predictors:
        raise SpecError(f"{where}.predictors", "is empty", '"perfect", "imperfect" or predictor specs')
    for k, spec in enumerate(claim.predictors):
        if spec != "imperfect":
            try:
                parse_predictor(spec)
            except SpecError as err:
                raise SpecError(f"{where}.predictors[{k}]", f"{err.field}: {err.problem}", err.accepted) from None


def load_claims_file(path: str | Path) -> list[Claim]:
    """Claims from a TOML file: an array of tables ``[[claim]]`` with the Claim fields.

    ``lhs``/``rhs``/``statistic`` are arithmetic over SYMBOLS and the claim's ``constants``
    (constants are written as strings: "2", "1/16"), parsed by ``symbolic.parse`` and never
    evaluated as code. Every problem is a SpecError naming the file, claim and field.
    """
    path = Path(path)
    field_name = f"claims-file {shorten(path.name)}"
    text = _read_claims_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(field_name, f"is not valid TOML ({shorten(str(err), 80)})", "TOML with [[claim]] tables") from None
    except RecursionError:
        raise SpecError(field_name, "is nested too deeply", "TOML with [[claim]] tables") from None
    entries = data.get("claim")
    if not isinstance(entries, list) or not entries:
        raise SpecError(field_name, "has no [[claim]] tables", "TOML with [[claim]] tables")
    out = []
    for k, entry in enumerate(entries):
        where = f"{field_name} claim #{k + 1}"
        if not isinstance(entry, dict):
            raise SpecError(where, "is not a table", "[[claim]] tables")
        unknown = set(entry) - _TOML_KEYS
        if unknown:
            raise SpecError(where, f"unknown key {shorten(sorted(unknown)[0])!r}", ", ".join(sorted(_TOML_KEYS)))
        missing = {"id", "paper", "provenance", "statement", "relation", "grid"} - set(entry)
        if missing:
            raise SpecError(where, f"missing key {sorted(missing)[0]!r}",
                            "id, paper, provenance, statement, relation, grid and lhs/rhs or statistic")
        _check_types(entry, where)
        if ID_PATTERN.fullmatch(entry["id"]) is None:
            raise SpecError(f"{where}.id", f"{shorten(ascii(entry['id']))} is not a usable id", _ID_ACCEPTED)
        _check_text(entry, where)
        try:
            claim = Claim(source=str(path), **entry)
        except SpecError as err:
            raise SpecError(f"{field_name} {err.field}", err.problem, err.accepted) from None
        validate_claim(claim, f"{field_name} claim {claim.id}")
        out.append(claim)
    return out
