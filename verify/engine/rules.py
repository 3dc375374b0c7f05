"""Adaptive decoding rules: spec parsing and each rule's law over the next batch at one state.

A rule looks at a state ``(S, x_S)`` — the revealed set and its values — through the predictor's
conditionals ``p̂_j(· | x_S)`` of the masked positions ``j ∉ S`` and returns a law over batches
``B ⊆ [L]∖S``. Every comparison a rule makes goes through a ``view`` (``verify.engine.adaptive.StateView``)
that decides it exactly (docs/index.md §7: entropies of rational laws are
log-linear forms, probabilities are rational), so no branch is ever a float coin-flip.

Rules (η, γ ≥ 0; positions tie-break by index, lowest first):

* ``entropy-sum:eta`` (CL26's decoder). Draw a uniform order π once; at an iteration with ``w``
  tokens revealed, with entropies ``H_k`` all given the tokens revealed *before* the iteration, the
  batch is ``π_{w+1}..π_k`` for the smallest ``k`` with ``H_{w+1} + … + H_k > η`` (strict; the
  crossing token is included), or all remaining positions if the sum never exceeds η. Since the
  stop is a stopping time of the order, the unrevealed order stays uniform, and the batch is a set
  ``B`` (``|B| = b`` of ``m`` masked) with probability (the batch-set law)

      P(B) = (b−1)! (m−b)! / m! · #{j ∈ B : Σ_{k∈B} H_k − H_j ≤ η} · 1[Σ_{k∈B} H_k > η or b = m]

  (the last-drawn element of B must be one whose removal leaves a sum ≤ η).
* ``max-entropy:eta``: every masked position with ``H_j ≤ η``; if none, the lowest-entropy one.
* ``eb:gamma`` (EB-sampler): sort masked positions by entropy ascending; the largest prefix with
  ``Σ H − max H ≤ γ`` (at least one position).
* ``topk:k`` (LLaDA low-confidence remasking): the ``k`` positions with the largest top
  probability ``max_v p̂_j(v | x_S)`` (all of them if fewer than ``k`` are masked).
* ``threshold:tau`` (Fast-dLLM): every masked position with top probability ``≥ τ``; if none, the
  most confident one.

Caps and floors (every rule): ``max=c`` and ``min=c`` (integers ≥ 1, min ≤ max), e.g.
``threshold:tau=9/10,max=2``, bound the tokens revealed per step. A deterministic rule's batch is a
prefix of its priority order (entropy ascending for max-entropy and eb, top probability descending
for topk and threshold, equal values by position); with caps the batch is the first
``clamp(|B|, min(min, m), max)`` positions of that order (``m`` masked). For ``entropy-sum`` the
order's prefix stops at the first crossing once it holds ``min`` tokens, and at ``max`` tokens at
the latest: its batch-set law for ``|B| = b``, with ``lo = min(min, m)``, ``hi = min(max, m)``, is

    lo < b < hi : the formula above;
    b = hi > lo : (b−1)! (m−b)! / m! · #{j ∈ B : Σ_B H − H_j ≤ η}     (no crossing before hi);
    b = lo < hi : b! (m−b)! / m! · 1[Σ_B H > η or b = m]              (crossed by lo);
    b = lo = hi : b! (m−b)! / m!;   0 for b outside [lo, hi].

(With no caps, lo = 1 and hi = m, these are the uncapped law.)

η and γ may be a rational (``0.4``, ``1/3``) or ``log(r)`` / ``c*log(r)`` with rational ``c, r``
(``eta=log(2)`` reaches the exact tie of a fair bit). No other expression is accepted: the text
is matched by a small grammar, never evaluated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import factorial

import numpy as np
from flint import fmpq

from ..errors import SpecError, Undecided, shorten
from ..certify.logforms import LogLinear
from ..specs import check_keys, parse_fmpq, parse_int, parse_spec

RULES = ("entropy-sum", "max-entropy", "eb", "topk", "threshold")
_PARAM = {"entropy-sum": "eta", "max-entropy": "eta", "eb": "gamma", "topk": "k", "threshold": "tau"}


class UndecidedBranch(Undecided):
    """A comparison a rule makes could not be settled at the precision cap (never expected for
    log-linear forms, docs/index.md §7); the message names the state."""

    def __init__(self, where: str, detail: str):
        super().__init__(f"sampler: branch undecided at {where}: {detail} (a parameter away from this "
                         "exact coincidence, or a higher precision cap, settles it)")


@dataclass(frozen=True, eq=False)
class AdaptiveRule:
    """One adaptive decoder. ``value`` is η/γ (fmpq or LogLinear), k (int) or τ (fmpq)."""

    kind: str
    spec: str
    L: int
    value: object
    value_float: float
    params: dict = field(default_factory=dict)
    adaptive: bool = True
    cap_min: int | None = None  # min= tokens per step (module docstring)
    cap_max: int | None = None  # max= tokens per step

    @property
    def eta(self):
        return self.value if self.kind in ("entropy-sum", "max-entropy", "eb") else None


def is_rule(spec) -> bool:
    """True when ``spec`` names an adaptive rule (the sampler dispatch of ``metrics.measure``)."""
    if not isinstance(spec, str):
        return isinstance(spec, AdaptiveRule)
    name = spec.strip().partition(":")[0].strip()
    return name in RULES


_RAT = r"\s*[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?(?:\s*/\s*[0-9]+)?\s*"
_LOG_FORM = re.compile(rf"^(?:({_RAT})\*)?\s*log\s*\(({_RAT})\)\s*$")
_PLAIN = re.compile(rf"^({_RAT})$")
_ACCEPT_LOGFORM = "a rational >= 0 (0.4, 1/3) or log(r) / c*log(r) with rationals c, r (e.g. log(2))"


def _rat(text: str, field_name: str) -> fmpq:
    """A rational through the spec parser's limits (length, exponent), so huge values are refused."""
    return parse_fmpq(text.replace(" ", ""), field_name)


def parse_log_form(text: str, field_name: str):
    """``c``, ``log(r)`` or ``c*log(r)`` (rational c, r > 0) → (exact value, float value).

    The exact value is an fmpq or a ``LogLinear``; it must be ≥ 0 (decided exactly: the sign of
    ``c log r`` is sign(c)·sign(r − 1)). Anything else is refused with a SpecError.
    """
    t = text.strip()
    plain = _PLAIN.match(t)
    if plain:
        v = _rat(plain.group(1), field_name)
        if v < 0:
            raise SpecError(field_name, f"{t} is negative", _ACCEPT_LOGFORM)
        try:
            return v, int(v.p) / int(v.q)
        except OverflowError:
            raise SpecError(field_name, f"{shorten(t)!r} is too large", _ACCEPT_LOGFORM) from None
    if t.startswith("-"):
        raise SpecError(field_name, f"{t} is negative", _ACCEPT_LOGFORM)
    form = _LOG_FORM.match(t)
    if not form:
        raise SpecError(field_name, f"cannot read {t!r}", _ACCEPT_LOGFORM)
    c = _rat(form.group(1), field_name) if form.group(1) else fmpq(1)
    r = _rat(form.group(2), field_name)
    if r <= 0:
        raise SpecError(field_name, f"log of {r} is undefined", _ACCEPT_LOGFORM)
    if (c > 0 and r < 1) or (c < 0 and r > 1):
        raise SpecError(field_name, f"{t} is negative", _ACCEPT_LOGFORM)
    if c == 0 or r == 1:
        return fmpq(0), 0.0
    import math

    try:
        approx = float(int(c.p) / int(c.q)) * (math.log(int(r.p)) - math.log(int(r.q)))
    except OverflowError:
        raise SpecError(field_name, f"{shorten(t)!r} is too large", _ACCEPT_LOGFORM) from None
    return LogLinear.log(r, c), approx


def parse_rule(spec: str, L: int) -> AdaptiveRule:
    """entropy-sum:eta=0.4 | max-entropy:eta=log(2) | eb:gamma=0.1 | topk:k=2 | threshold:tau=9/10,
    each optionally with ``max=c`` / ``min=c`` tokens per step (module docstring)."""
    name, kv = parse_spec(spec, "sampler", verbatim=())
    f = f"sampler.{name}"
    if name not in RULES:
        raise SpecError("sampler", f"unknown adaptive rule {name!r}", ", ".join(RULES))
    key = _PARAM[name]
    check_keys(kv, (key, "max", "min"), f)
    caps = {c: parse_int(kv[c], f"{f}.{c}", minimum=1) for c in ("min", "max") if c in kv}
    if "min" in caps and "max" in caps and caps["min"] > caps["max"]:
        raise SpecError(f"{f}.min", f"{caps['min']} exceeds max={caps['max']}", "integers 1 <= min <= max")
    if key not in kv:
        raise SpecError(f"{f}.{key}", "is missing", _accept(key))
    raw = kv[key]
    if key in ("eta", "gamma"):
        v, vf = parse_log_form(raw, f"{f}.{key}")
    elif key == "k":
        v = parse_int(raw, f"{f}.k", minimum=1)
        vf = float(v)
    else:
        v = _rat(raw, f"{f}.tau") if _PLAIN.match(raw.strip()) else None
        if v is None or not 0 < v <= 1:
            raise SpecError(f"{f}.tau", f"{raw.strip()!r} is outside (0, 1]", _accept("tau"))
        vf = int(v.p) / int(v.q)
    params = {key: raw.strip(), **{c: kv[c].strip() for c in caps}}
    return AdaptiveRule(name, spec.strip(), L, v, vf, params, cap_min=caps.get("min"), cap_max=caps.get("max"))


def _accept(key: str) -> str:
    return {"eta": _ACCEPT_LOGFORM, "gamma": _ACCEPT_LOGFORM, "k": "an integer k >= 1",
            "tau": "a rational 0 < tau <= 1"}[key]


# ------------------------------------------------------------------ batch laws at one state
# Each returns [(B, coef, counts)]: B a tuple of positions (sorted), coef an fmpq, counts an int64
# array over the NS values of x_S; P(B | x_S) = coef · counts[x_S]. Entries with counts all 0 are
# dropped.


def batch_law(rule: AdaptiveRule, view) -> list:
    if rule.kind == "entropy-sum":
        return entropy_sum_law(view, *caps(rule, view.m))
    if rule.kind in ("max-entropy", "eb", "topk", "threshold"):
        return _group(view, [_capped(rule, view, k, _CHOOSE[rule.kind](rule, view, k)) for k in range(view.NS)])
    if rule.kind == "function":  # verify.api.rule: the reviewer's function, on exact numbers
        return _group(view, [rule.params["choose"](view, k) for k in range(view.NS)])
    raise ValueError(rule.kind)


def caps(rule: AdaptiveRule, m: int) -> tuple:
    """(lo, hi): the batch sizes the rule's caps allow with m masked positions."""
    lo = min(rule.cap_min or 1, m)
    hi = min(rule.cap_max or m, m)
    return lo, hi


def _capped(rule: AdaptiveRule, view, k: int, picked: tuple) -> tuple:
    """The first clamp(|picked|, lo, hi) positions of the rule's priority order (the batch is a
    prefix of it, module docstring); ``picked`` itself when no cap binds."""
    lo, hi = caps(rule, view.m)
    size = min(max(len(picked), lo), hi)
    if size == len(picked):
        return picked
    order = view.sorted_by_entropy(k) if rule.kind in ("max-entropy", "eb") else view.sorted_by_confidence(k)
    return tuple(sorted(order[:size]))


def entropy_sum_law(view, lo: int = 1, hi: int | None = None) -> list:
    """The batch-set law above, for every x_S at once, with sizes capped to [lo, hi] (module
    docstring; lo = 1, hi = m is the uncapped law).

    Subsets are visited depth-first in position order. A subtree is pruned once
    ``Σ_B H − max_B H > η`` at every x_S (proved) and |B| ≥ lo: that quantity only grows when B
    grows, and a batch larger than lo needs some ``j`` with ``Σ_B H − H_j ≤ η``.
    """
    m, NS, Hf = view.m, view.NS, view.Hf
    hi = m if hi is None else hi
    coef = [None] + [fmpq(factorial(b - 1) * factorial(m - b), factorial(m)) for b in range(1, m + 1)]
    coef_all = [None] + [fmpq(factorial(b) * factorial(m - b), factorial(m)) for b in range(1, m + 1)]
    out = []
    zeros = np.zeros(NS)
    stack = [((), zeros, np.full(NS, -np.inf))]
    while stack:
        B, sums, maxs = stack.pop()
        start = B[-1] + 1 if B else 0
        for a in range(start, m):
            nB = B + (a,)
            b = len(nB)
            nsum = sums + Hf[:, a]
            nmax = np.maximum(maxs, Hf[:, a])
            # surely Σ − max > η everywhere: no batch larger than lo contains nB
            doomed = view.surely_gt_eta(nsum - nmax, b)
            if doomed and b > lo:
                continue
            if b >= lo:
                counts, c = _size_law(view, nB, nsum, b, lo, hi, m)
                if counts.any():
                    out.append((tuple(view.M[c_] for c_ in nB), (coef if c else coef_all)[b], counts))
            if b < hi and not (doomed and b >= lo):
                stack.append((nB, nsum, nmax))
    return out


def _size_law(view, nB: tuple, nsum: np.ndarray, b: int, lo: int, hi: int, m: int) -> tuple:
    """(counts, last) for the set nB of size b in [lo, hi]: P(B) = coef · counts, with coef the
    (b−1)!(m−b)!/m! of a last-drawn element when ``last``, else b!(m−b)!/m! (module docstring)."""
    NS, Hf = view.NS, view.Hf
    if b == lo == hi:
        return np.ones(NS, dtype=np.int64), False
    if b == m:
        cross = np.ones(NS, dtype=bool)
    else:
        cross = view.sign_eta(nsum, {c: 1 for c in nB}) > 0
    if b == lo:
        return cross.astype(np.int64), False
    rows = cross if b < hi else np.ones(NS, dtype=bool)
    counts = np.zeros(NS, dtype=np.int64)
    if rows.any():
        for j in nB:
            lin = {c: 1 for c in nB if c != j}
            ok = view.sign_eta(nsum - Hf[:, j], lin, rows=rows) <= 0
            counts += (ok & rows)
    return counts, True


def _choose_max_entropy(rule, view, k) -> tuple:
    picked = [a for a in range(view.m) if view.sign_eta_one(k, view.Hf[k, a], {a: 1}) <= 0]
    if not picked:
        picked = [view.argmin_entropy(k, list(range(view.m)))]
    return tuple(picked)


def _choose_eb(rule, view, k) -> tuple:
    order = view.sorted_by_entropy(k)
    size, total, lin = 1, 0.0, {}
    for j in range(view.m - 1):
        a = order[j]
        total += view.Hf[k, a]
        lin[a] = 1
        if view.sign_eta_one(k, total, lin) <= 0:
            size = j + 2
        else:
            break
    return tuple(sorted(order[:size]))


def _choose_topk(rule, view, k) -> tuple:
    order = view.sorted_by_confidence(k)
    return tuple(sorted(order[:min(rule.value, view.m)]))


def _choose_threshold(rule, view, k) -> tuple:
    picked = [a for a in range(view.m) if view.compare_conf_tau(k, a, rule.value) >= 0]
    if not picked:
        picked = [view.sorted_by_confidence(k)[0]]
    return tuple(picked)


_CHOOSE = {"max-entropy": _choose_max_entropy, "eb": _choose_eb, "topk": _choose_topk,
           "threshold": _choose_threshold}


def _group(view, chosen: list) -> list:
    """Deterministic rules: group x_S by equal batch (indices into the masked list)."""
    groups: dict = {}
    for k, B in enumerate(chosen):
        groups.setdefault(B, []).append(k)
    out = []
    for B, ks in groups.items():
        counts = np.zeros(view.NS, dtype=np.int64)
        counts[ks] = 1
        out.append((tuple(sorted(view.M[a] for a in B)), fmpq(1), counts))
    return out
