"""The claims registry: one module (or TOML file) per paper, plus the derived identities.

``registry()`` returns every built-in claim in a stable order, followed by those of any
reviewer-supplied TOML files.
"""
from __future__ import annotations

import functools
from pathlib import Path

from verify.claims.model import Claim, load_claims_file
from verify.errors import SpecError

HERE = Path(__file__).parent
BUILTIN_FILES = ("derived.toml", "lc25.toml", "zc26.toml", "cl26.toml", "fg25.toml", "all_laws.toml", "wll26.toml",
                 "w26.toml", "w26_schedules.toml")


def builtin_claims() -> list[Claim]:
    from . import cl26, fg25, lc25, lc25_all, w26, w26_plots, zc26

    out: list[Claim] = []
    for name in BUILTIN_FILES:
        out += load_claims_file(HERE / name)
    out += lc25.PYTHON_CLAIMS
    out += zc26.PYTHON_CLAIMS
    out += cl26.PYTHON_CLAIMS
    out += fg25.PYTHON_CLAIMS
    out += lc25_all.PYTHON_CLAIMS
    from . import ccl25, wll26

    out += wll26.PYTHON_CLAIMS
    out += ccl25.PYTHON_CLAIMS
    out += w26_plots.PYTHON_CLAIMS
    out += w26.PYTHON_CLAIMS
    summarizers = {**lc25.SUMMARIZERS, **cl26.SUMMARIZERS}
    recorders = {**lc25.RECORDERS, **cl26.RECORDERS}
    for c in out:  # summaries with plot data for declarative claims (the report renders them)
        if c.id in summarizers and c.summarize is None:
            c.summarize = functools.partial(summarizers[c.id], c)
        if c.id in recorders and c.record is None:
            c.record = recorders[c.id]
    return out


def registry(extra_files=()) -> list[Claim]:
    claims = builtin_claims()
    for path in extra_files:
        claims += load_claims_file(path)
    seen: set = set()
    for c in claims:
        if c.id in seen:
            raise SpecError("claims-file", f"claim id {c.id!r} is defined twice", "unique claim ids")
        seen.add(c.id)
    return claims


def claim_by_id(claim_id: str, extra_files=()) -> Claim:
    for c in registry(extra_files):
        if c.id == claim_id:
            return c
    raise SpecError("claim", f"unknown claim id {claim_id!r}", ", ".join(c.id for c in registry(extra_files)))
