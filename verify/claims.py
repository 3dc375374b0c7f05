"""Claim records and their declarative (TOML) form — the registry's data model.

A claim is data (docs/index.md §3): id, paper key, provenance tag, LaTeX statement, KL direction,
the grid of instances it ranges over, and its two sides. Sides are either sympy expressions over
the documented SYMBOLS (declarative claims, also loadable from a reviewer's own TOML file with
``--claims-file``) or python callables taking an ``Instance``. Constants are fields, so a
reviewer holding the paper can correct them without touching the engine.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import SpecError

PAPERS = ("LC25", "ZC26", "CL26", "FG25", "derived")
PROVENANCE = ("abstract", "reported", "reading", "derived")
RELATIONS = ("<=", ">=", "==", "shape")

# Symbols a declarative side may use. Every KL is data first: KL(p ‖ ·). Nats.
SYMBOLS = {
    "L": "sequence length",
    "q": "vocabulary size",
    "T": "number of non-empty blocks of a fixed plan (expected number for random sizes)",
    "K": "number of iterations the sampler is configured with (blocks of fixed/balanced/count, N of mdm)",
    "s_max": "largest block size the schedule can produce",
    "H": "joint entropy H(X)",
    "TC": "total correlation Σ_i H(X_i) − H",
    "DTC": "dual total correlation H − Σ_i H(X_i | X_{−i})",
    "DTC_alt": "dual total correlation by the second formula Σ_i H(X_{−i}) − (L−1) H",
    "sum_I": "Σ_i I(X_i ; X_{−i})",
    "expected_kl": "E_D KL(p ‖ q̂_D) with the instance's predictor",
    "expected_kl_perfect": "E_D KL(p ‖ q_D) with the perfect predictor",
    "mixture_kl": "KL(p ‖ E_D q̂_D)",
    "tv": "total variation between p and the mixture law",
    "ser": "sequence error rate: mixture mass off the support of p",
    "ter_gap": "mixture_kl / L",
    "gen_logppl_gap": "generative log-perplexity gap (E_r[−log p] − H)/L on the mixture law r (only where SER = 0)",
    "N": "number of steps of an mdm sampler (length of π)",
    "sum_pi_sq": "Σ_k π_k² of an mdm sampler: probability that two given positions share a step",
    "pi_sq_over_R": "Σ_k π_k² / R_k with R_k = π_1 + … + π_k, FG25.TER's per-token rate (uniform π: H_N/N)",
    "eps_train": "LC25's ε_train = E[(L/|M_τ|) Σ_{i∈M_τ} log(p_i/p̂_i)], P(τ = t) = s_t/L",
    "profile_kl": "D-PROFILE's right side Σ_t s_t [h(n_{t−1}+1) − h(n_{t−1})] − H, averaged over the size law",
    "plan_kl": "KL(p ‖ q̂_D) for the instance's single plan, from its explicit law",
    "chain_tc": "Σ_t E_p TC(X_{D_t} | X_{U_t}) for the instance's single plan, from subset entropies",
    "plan_learning": "Σ_t Σ_{i∈D_t} E_p log(p_i / p̂_i) for the instance's single plan",
    # adaptive rules (CL26; grid "entropy-sum"): B_t is the t-th batch, U_t what is revealed before it
    "eta": "the entropy-sum rule's threshold η (rational, or c·log r)",
    "expected_iterations": "E_p[T]: expected number of iterations when x ~ p drives the path (data law); "
                           "= T for non-adaptive samplers",
    "expected_iterations_sampler": "E_q[T]: expected number of iterations under the sampler's own law",
    "steps_ge2": "E_p #{t : |B_t| >= 2}: expected number of iterations revealing two or more tokens (data law)",
    "entropy_sum_sampler": "E_π H(q̂_π) = E_q Σ_t Σ_{k∈B_t} Ĥ(X_k | x_{U_t}) (sampler law)",
    "budget_max": "max over data-reachable states and batches of Σ_{k∈B} min(H(X_k | x_S), η)",
    "excess_max": "max over data-reachable states and batches of Σ_{k∈B} H(X_k | x_S) − max_{k∈B} H(X_k | x_S)",
    "expected_kl_max_entropy": "E KL(p ‖ q) of the max-entropy comparator at the same η (perfect predictor; a float, for shape statistics)",
}


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

    def __post_init__(self):
        f = f"claim {self.id or '?'}"
        if not self.id:
            raise SpecError("claim.id", "is missing", "a stable id like LC25.T1")
        if self.paper not in PAPERS:
            raise SpecError(f"{f}.paper", f"unknown paper {self.paper!r}", ", ".join(PAPERS))
        if self.provenance not in PROVENANCE:
            raise SpecError(f"{f}.provenance", f"unknown tag {self.provenance!r}", ", ".join(PROVENANCE))
        from .instances import GRIDS

        if self.grid not in GRIDS:
            raise SpecError(f"{f}.grid", f"unknown grid {self.grid!r}", ", ".join(GRIDS))
        if self.relation not in RELATIONS:
            raise SpecError(f"{f}.relation", f"unknown relation {self.relation!r}", ", ".join(RELATIONS))
        if self.relation != "shape" and (self.lhs is None or self.rhs is None):
            raise SpecError(f"{f}.lhs", "a checked claim needs both lhs and rhs", "sympy expressions over the symbols")
        if self.relation == "shape" and self.statistic is None and self.lhs is None:
            raise SpecError(f"{f}.statistic", "a shape claim needs a statistic", "a sympy expression")
        if self.aggregate not in ("max", "min"):
            raise SpecError(f"{f}.aggregate", f"{self.aggregate!r}", "max, min")
        self.predictors = tuple(self.predictors)
        self.uses = tuple(self.uses)
        self.known_refutations = tuple(self.known_refutations)
        self.families = tuple(self.families)
        if self.families:
            from distributions.registry import FAMILIES  # lazy: distributions imports verify

            for fam in self.families:
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
        }


_TOML_KEYS = {"id", "paper", "provenance", "statement", "relation", "grid", "lhs", "rhs", "kl_direction",
              "predictors", "constants", "statistic", "aggregate", "notes", "uses", "known_refutations",
              "families"}


def load_claims_file(path: str | Path) -> list[Claim]:
    """Claims from a TOML file: an array of tables ``[[claim]]`` with the Claim fields.

    ``lhs``/``rhs``/``statistic`` are sympy expressions over SYMBOLS and the claim's ``constants``
    (constants are written as strings: "2", "1/16"). ``families`` (optional) lists the target
    families the claim ranges over, e.g. ``families = ["markov", "coloring3"]``.
    """
    path = Path(path)
    field_name = f"claims-file {path.name}"
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError("claims-file", f"{path} does not exist", "a readable TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(field_name, f"is not valid TOML ({err})", "TOML with [[claim]] tables") from None
    entries = data.get("claim")
    if not isinstance(entries, list) or not entries:
        raise SpecError(field_name, "has no [[claim]] tables", "TOML with [[claim]] tables")
    out = []
    for k, entry in enumerate(entries):
        unknown = set(entry) - _TOML_KEYS
        if unknown:
            raise SpecError(f"{field_name} claim #{k + 1}", f"unknown key {sorted(unknown)[0]!r}",
                            ", ".join(sorted(_TOML_KEYS)))
        missing = {"id", "paper", "provenance", "statement", "relation", "grid"} - set(entry)
        if missing:
            raise SpecError(f"{field_name} claim #{k + 1}", f"missing key {sorted(missing)[0]!r}",
                            "id, paper, provenance, statement, relation, grid and lhs/rhs or statistic")
        claim = Claim(source=str(path), **entry)
        from .symbolic import validate

        for side_name in ("lhs", "rhs", "statistic"):
            side = getattr(claim, side_name)
            if isinstance(side, str):
                validate(side, claim.constants, f"claim {claim.id}.{side_name}")
        out.append(claim)
    return out
