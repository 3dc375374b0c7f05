"""The profile engine: exact entropy profiles h(m) at any length, and what depends only on them.

``h(m) = mean over |A| = m of H(X_A)`` (h(0) = 0, h(L) = H). For uniformly random positions and a
size law independent of X (D-PROFILE)

    E KL = Σ_{n<L} A(n) [h(n+1) − h(n)] − h(L),     A(n) = E[size of the block begun at n revealed],

so every such sampler is answered from h alone, at lengths far beyond enumeration. Also linear in h:

    H = h(L),   TC = L h(1) − H,   DTC = L h(L−1) − (L−1) H,   Σ_i I_i = TC + DTC   (D-INFO),

(since Σ_i H(X_i | X_{−i}) = L H − L h(L−1)), and the block cost c(n, s) = s f(n) − [h(n+s) − h(n)]
with f(n) = h(n+1) − h(n) (Chen–Cong–Li's characterisation; ``optimal.py``).

A profile is stored as ``h(m) = Σ_j coef(m, j) · E_j``: a few *basis entropies* ``E_j`` (each an exact
log-linear form ``Σ c log r``) with rational coefficients. Closed forms:

* product laws: ``h(m) = (m/L) Σ_i H(X_i)``;   MDS codes [L, k]_q: ``h(m) = min(m, k) log q``;
* copy law with marginal ν: ``h(m) = H(ν)`` for m ≥ 1;
* first-order Markov chains (start μ_0, transition P, μ_a = μ_0 P^a; includes 3-colouring, the
  path Potts law and order-1/2 n-gram chains): for ``A = {a_1 < … < a_m}``,
  ``H(X_A) = H(μ_{a_1}) + Σ_j ψ(a_j, a_{j+1})`` with ``ψ(a, b) = Σ_x μ_a(x) H(P^{b−a}(x, ·))``; counting
  the subsets where a is smallest and where a < b are consecutive (the gap formula)
  ``C(L, m) h(m) = Σ_a C(L−1−a, m−1) H(μ_a) + Σ_{d≥1} C(L−1−d, m−2) Ψ_d``,
  ``Ψ_d = Σ_{a ≤ L−1−d} Σ_x μ_a(x) H(P^d(x, ·))`` — basis ``{H(μ_a)} ∪ {Ψ_d}``, 2L − 1 entropies.
* any other target small enough to enumerate: the 2^L subset entropies (``info.entropy_profile``).

Any linear functional ``Σ_m w_m h(m)`` (E KL, TC, DTC, a block cost) is evaluated **exactly** by first
folding the weights onto the basis (rational arithmetic, O(L) per nonzero w_m) and then forming one
``LogLinear`` — never by building L exact profile entries. The float path (``values(exact=False)``)
proposes; certified verdicts use the exact forms.

Public one-call API: ``entropy_profile(target)``, ``expected_kl(target, sampler, exact)``,
``information(target, exact)``, ``measure_profile(target_spec, sampler_spec)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import comb, lcm

import numpy as np
from flint import fmpq

from ...errors import SpecError, TooLarge, shorten
from ...certify.logforms import LogLinear
from ..numbers import log_binom

CLOSED_FORMS = ("product", "mds", "copy", "markov", "coloring3", "ngram (n <= 2)", "potts (graph=path, w)")

# Closed forms kept in sibling modules (``exchangeable.py``) register a hook here, so that this module
# never imports them (imports point one way): ``accepts(plan)``, ``refuse(plan, exact, field)``,
# ``profile(plan, spec)``, ``float_information(profile)``. The package's ``__init__`` loads them.
EXTRA_CLOSED_FORMS: list = []


def _extra(plan):
    return next((x for x in EXTRA_CLOSED_FORMS if x.accepts(plan)), None)


def _fq(x) -> fmpq:
    if isinstance(x, fmpq):
        return x
    x = Fraction(x)
    return fmpq(x.numerator, x.denominator)


def _entropy_pairs(p, scale=fmpq(1)) -> list:
    """−scale · Σ p log p as (coef, ratio) pairs (zeros skipped)."""
    return [(-scale * x, x) for x in p if x != 0]


def _float_entropy(p) -> float:
    p = np.asarray(p, dtype=np.float64)
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])))


def _row_entropies(p: np.ndarray) -> np.ndarray:
    """−Σ p log p along the last axis (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -t.sum(axis=-1)


@dataclass(eq=False)
class Profile:
    """h(m) = Σ_j coef(m, j) E_j (module docstring). ``kind`` names the closed form or "enumeration"."""

    L: int
    kind: str
    spec: str
    pairs_of: object             # () -> per basis entropy [(coef, ratio)], E_j = Σ coef · log ratio
    basis_float: np.ndarray      # float value of each E_j
    fold: object                 # (m -> {j: rational coef}) for one m
    coef_float: object           # () -> (L+1, J) float matrix
    fold_dense: object = None    # optional: (w_1..w_L as fmpq) -> {j: coef}, fast for dense weights
    _cache: dict = field(default_factory=dict)

    @property
    def basis_pairs(self) -> list:
        """The exact basis (built on first use: the float path never needs it)."""
        if "pairs" not in self._cache:
            self._cache["pairs"] = self.pairs_of()
        return self._cache["pairs"]

    # ---- float path
    def values(self) -> np.ndarray:
        """h(0..L) as floats."""
        if "h" not in self._cache:
            h = self.coef_float() @ self.basis_float
            h[0] = 0.0
            self._cache["h"] = h
        return self._cache["h"]

    def functional_float(self, w) -> float:
        w = np.asarray(w, dtype=np.float64)
        return float(w[1:] @ self.values()[1:])

    # ---- exact path
    def functional(self, w) -> LogLinear:
        """Σ_m w_m h(m) exactly, w a dict {m: rational} or a length-(L+1) sequence (w_0 is ignored)."""
        items = [(m, _fq(wm)) for m, wm in (w.items() if isinstance(w, dict) else enumerate(w))
                 if m != 0 and wm != 0]
        if self.fold_dense is not None and len(items) > 8:
            dense = [fmpq(0)] * (self.L + 1)
            for m, wm in items:
                dense[m] = wm
            fold = self.fold_dense(dense)
        else:
            fold = {}
            for m, wm in items:
                for j, c in self.fold(m).items():
                    fold[j] = fold.get(j, fmpq(0)) + wm * c
        coefs, ratios = [], []
        for j, cj in fold.items():
            if cj == 0:
                continue
            for c, r in self.basis_pairs[j]:
                coefs.append(cj * c)
                ratios.append(r)
        return LogLinear.from_pairs(coefs, ratios)

    def h(self, m: int, exact: bool = True):
        return self.functional({m: 1}) if exact else float(self.values()[m])

    def exact_values(self) -> list:
        """h(0..L) as LogLinear forms (O(L) forms: meant for small L and tests)."""
        return [LogLinear()] + [self.functional({m: 1}) for m in range(1, self.L + 1)]

    # ---- information quantities (linear in h)
    def info_weights(self) -> dict:
        L = self.L
        H = {L: 1}
        TC = {1: L, L: -1} if L > 1 else {}
        DTC = ({L - 1: L, L: -(L - 1)} if L > 2 else {1: 2, 2: -1}) if L > 1 else {}
        return {"H": H, "TC": TC, "DTC": DTC}

    def information(self, exact: bool = True) -> dict:
        """H, TC, DTC, Σ I_i = TC + DTC (exact LogLinear forms, or floats)."""
        key = ("info", exact)
        if key not in self._cache:
            out = {}
            for name, w in self.info_weights().items():
                if exact:
                    out[name] = self.functional(w)
                else:
                    out[name] = sum(c * float(self.values()[m]) for m, c in w.items())
            out["sum_I"] = out["TC"] + out["DTC"]
            self._cache[key] = out
        return self._cache[key]


def _scalar_profile(L, kind, spec, pairs, value, coef_of_m) -> Profile:
    """h(m) = coef_of_m(m) · E for one basis entropy E."""
    def coef_float():
        return np.array([[float(coef_of_m(m))] for m in range(L + 1)])

    return Profile(L, kind, spec, lambda: [pairs], np.array([value]),
                   lambda m: {0: _fq(coef_of_m(m))}, coef_float)


def product_profile(L: int, marginals, spec: str = "") -> Profile:
    """h(m) = (m/L) Σ_i H(X_i); ``marginals`` an (L, q) table of exact rationals."""
    pairs, val = [], 0.0
    for row in marginals:
        row = [_fq(x) for x in row]
        pairs += _entropy_pairs(row)
        val += _float_entropy([float(Fraction(int(x.p), int(x.q))) for x in row])
    return _scalar_profile(L, "product", spec, pairs, val, lambda m: Fraction(m, L))


def mds_profile(L: int, q: int, k: int, spec: str = "") -> Profile:
    """h(m) = min(m, k) log q."""
    return _scalar_profile(L, "mds", spec, [(fmpq(1), fmpq(q))], float(np.log(q)), lambda m: min(m, k))


def copy_profile(L: int, nu, spec: str = "") -> Profile:
    """h(m) = H(ν) for m ≥ 1."""
    nu = [_fq(x) for x in nu]
    return _scalar_profile(L, "copy", spec, _entropy_pairs(nu),
                           _float_entropy([float(Fraction(int(x.p), int(x.q))) for x in nu]),
                           lambda m: 1 if m >= 1 else 0)


def markov_profile(L: int, start, trans, spec: str = "", kind: str = "markov") -> Profile:
    """The gap formula (module docstring) for a chain with exact rational start μ_0 and transition P."""
    q = len(start)
    mu0 = np.array([_fq(x) for x in start], dtype=object)
    P = np.array([[_fq(x) for x in row] for row in trans], dtype=object)
    muf = np.array([float(Fraction(int(x.p), int(x.q))) for x in mu0])
    Pf = np.array([[float(Fraction(int(x.p), int(x.q))) for x in row] for row in P])

    # float basis: H(μ_a), and Ψ_d = Σ_x M_d(x) H(P^d(x, ·)) with M_d = Σ_{a ≤ L−1−d} μ_a
    musf = [muf]
    powers = [np.eye(q)]
    for _ in range(1, L):
        musf.append(musf[-1] @ Pf)
        powers.append(powers[-1] @ Pf)
    musf = np.array(musf)
    cumf = np.cumsum(musf, axis=0)
    row_H = _row_entropies(np.array(powers))          # H(P^d(x, ·)), shape (L, q)
    d = np.arange(1, L)
    vals = list(_row_entropies(musf)) + list(np.sum(cumf[L - 1 - d] * row_H[d], axis=1))

    def pairs_of():
        mus = [mu0]
        for _ in range(1, L):
            mus.append(mus[-1].dot(P))
        cum, acc = [], np.array([fmpq(0)] * q, dtype=object)
        for a in range(L):
            acc = acc + mus[a]
            cum.append(acc)
        pairs = [_entropy_pairs(mu) for mu in mus]
        Pd = np.array([[fmpq(int(i == j)) for j in range(q)] for i in range(q)], dtype=object)
        for d in range(1, L):
            Pd = Pd.dot(P)
            M = cum[L - 1 - d]
            pd = []
            for x in range(q):
                if M[x] != 0:
                    pd += _entropy_pairs(Pd[x], M[x])
            pairs.append(pd)
        return pairs

    binom_L = [1]                          # C(L, m), m = 0..L, by C(L, m+1) = C(L, m)(L − m)/(m + 1)
    for m in range(L):
        binom_L.append(binom_L[-1] * (L - m) // (m + 1))

    def fold(m):
        out = {}
        cL = binom_L[m]
        for a in range(0, L - m + 1):      # C(L−1−a, m−1) ≠ 0 iff a ≤ L − m
            out[a] = fmpq(comb(L - 1 - a, m - 1), cL)
        if m >= 2:
            for d in range(1, L - m + 2):  # C(L−1−d, m−2) ≠ 0 iff d ≤ L − m + 1
                out[L - 1 + d] = fmpq(comb(L - 1 - d, m - 2), cL)
        return out

    def fold_dense(w):
        # c_a = Σ_m w_m C(L−1−a, m−1)/C(L, m),  c_{L−1+d} = Σ_m w_m C(L−1−d, m−2)/C(L, m): two binomial
        # transforms g(j) = Σ_i C(j, i) x_i, on integers over one common denominator.
        u = [w[m] / binom_L[m] for m in range(L + 1)]
        D = 1
        for x in u[1:]:
            D = lcm(D, int(x.q))
        U = [int(x.p) * (D // int(x.q)) for x in u]
        g1 = _binomial_transform(U[1:L + 1], L)       # j = 0..L−1  ↔  a = L−1−j
        g2 = _binomial_transform(U[2:L + 1], L - 1)   # j = 0..L−2  ↔  d = L−1−j
        out = {a: fmpq(g1[L - 1 - a], D) for a in range(L)}
        for d in range(1, L):
            out[L - 1 + d] = fmpq(g2[L - 1 - d], D)
        return out

    def coef_float():
        m = np.arange(L + 1)[:, None]
        a = np.arange(L)[None, :]
        lc = log_binom(L, m)
        first = np.exp(log_binom(L - 1 - a, m - 1) - lc)
        d = np.arange(1, L)[None, :]
        second = np.exp(log_binom(L - 1 - d, m - 2) - lc)
        return np.concatenate([first, second], axis=1)

    return Profile(L, kind, spec, pairs_of, np.array(vals), fold, coef_float, fold_dense)


def _binomial_transform(x: list, n: int) -> list:
    """g(j) = Σ_i C(j, i) x_i for j = 0..n−1 (x padded with zeros), by the difference table
    T_j(i) = T_{j−1}(i) + T_{j−1}(i+1), g(j) = T_j(0): O(n²) integer additions, no products."""
    row = np.array(list(x) + [0] * max(0, n - len(x)), dtype=object)
    out = [row[0]] if n else []
    for _ in range(1, n):
        row = row[:-1] + row[1:]
        out.append(row[0])
    return out


def enumerated_profile(target, spec: str = "") -> Profile:
    """h(m) from the 2^L subset entropies of an enumerable target (exact if the target is)."""
    from ..info import Marginals, entropy_profile as subset_profile

    L = target.L
    h = subset_profile(Marginals(target))
    if target.exact:
        pairs = [[(c, r) for r, c in h[m].terms.items()] for m in range(1, L + 1)]
        consts = [h[m].const for m in range(1, L + 1)]
        if any(c != 0 for c in consts):  # entropies have no rational part; keep the engine honest
            raise AssertionError("an entropy with a rational part")
        vals = np.array([float(h[m]) for m in range(1, L + 1)])
    else:
        pairs = None
        vals = np.array([float(x) for x in h[1:]])

    def fold(m):
        if pairs is None:
            raise SpecError("target", f"{spec or target.spec} is a float law", "an exact target for exact values")
        return {m - 1: fmpq(1)}

    def coef_float():
        C = np.zeros((L + 1, L))
        C[np.arange(1, L + 1), np.arange(L)] = 1.0
        return C

    return Profile(L, "enumeration", spec or target.spec, lambda: pairs, vals, fold, coef_float)


# ------------------------------------------------------------------ from a target spec

def chain_parameters(plan):
    """(μ_0, P) as exact rationals for a planned target that is a first-order chain, else None."""
    from distributions import chains

    fam, pr, q = plan.family, plan.params, plan.q
    if fam == "markov":
        mu, P = chains.markov_parameters(q, pr.get("flip"), pr.get("seed"), exact=True)
        return list(mu), [list(r) for r in P]
    if fam == "coloring3":
        return [fmpq(1, 3)] * 3, [[fmpq(0) if a == b else fmpq(1, 2) for b in range(3)] for a in range(3)]
    if fam == "ngram" and pr["n"] <= 2:
        init, cond = chains.ngram_parameters(q, pr["n"], pr["seed"], pr["alpha"], exact=True)
        if pr["n"] == 1:  # i.i.d.: every row of the "transition" is the marginal
            row = list(np.asarray(cond).reshape(-1))
            return row, [row] * q
        return list(init), [list(r) for r in cond]
    if fam == "potts" and pr.get("graph") == "path" and pr.get("w") is not None:
        w = _fq(pr["w"])
        tot = w + (q - 1)
        return [fmpq(1, q)] * q, [[w / tot if a == b else 1 / tot for b in range(q)] for a in range(q)]
    return None


def has_closed_form(plan) -> bool:
    fam = plan.family
    if _extra(plan) is not None:
        return True
    if fam in ("product", "mds", "copy"):
        return True
    return chain_parameters(plan) is not None if fam in ("markov", "coloring3", "ngram", "potts") else False


def _bits(x) -> int:
    x = _fq(x)
    return max(int(x.p).bit_length(), int(x.q).bit_length())


def refuse_profile(plan, exact: bool, field: str = "target") -> tuple:
    """(bytes, seconds) of the planned target's closed-form profile and one functional of it, refused
    (TooLarge / TooSlow, exit 2) over the limits before anything is built (``guard.profile_cost``)."""
    from ... import guard

    fam = plan.family
    if _extra(plan) is not None:
        return _extra(plan).refuse(plan, exact, field)
    if fam in ("product", "mds", "copy"):
        kind, bits = "scalar", 1
    else:
        params = chain_parameters(plan)
        if params is None:
            return 0.0, 0.0
        kind = "chain"
        bits = max(_bits(x) for x in list(params[0]) + [y for row in params[1] for y in row])
    what = f"the entropy profile of {fam} (q={plan.q}, L={plan.L}, {'exact' if exact else 'float'})"
    return guard.refuse_cost(field, what, *guard.profile_cost(kind, plan.q, plan.L, exact, bits), "a smaller q or L")


def closed_form_profile(plan, spec: str = "") -> Profile | None:
    """The closed-form profile of a planned target (``distributions.plan_spec``), or None."""
    fam, pr, L, q = plan.family, plan.params, plan.L, plan.q
    if _extra(plan) is not None:
        return _extra(plan).profile(plan, spec)
    if fam == "product":
        from distributions.random_laws import random_marginals

        if "seed" in pr:
            w = random_marginals(L, q, pr["seed"])
            rows = [[Fraction(int(x), int(r.sum())) for x in r] for r in w]
        else:
            p = pr.get("p") or [Fraction(1, q)] * q
            rows = [list(p)] * L
        return product_profile(L, rows, spec)
    if fam == "mds":
        return mds_profile(L, q, pr["k"], spec)
    if fam == "copy":
        d = Fraction(pr["delta"])
        return copy_profile(L, [1 - d, d], spec)
    params = chain_parameters(plan) if fam in ("markov", "coloring3", "ngram", "potts") else None
    if params is not None:
        return markov_profile(L, params[0], params[1], spec, kind=fam)
    return None


@lru_cache(maxsize=64)
def _profile_of_spec(spec: str) -> Profile:
    from distributions import parse_target, plan_spec
    from distributions.registry import refuse_plan

    plan = plan_spec(spec)
    if has_closed_form(plan):  # exact forms and float values are both asked of a profile
        refuse_profile(plan, exact=False)
        refuse_profile(plan, exact=True)
    prof = closed_form_profile(plan, spec)
    if prof is not None:
        return prof
    from ...guard import TooSlow

    try:
        refuse_plan(plan, exact=True)
    except (TooLarge, TooSlow) as err:
        raise SpecError("target", f"{spec}: no closed-form profile and too large to enumerate ({err.problem})",
                        "a family with a closed form (" + ", ".join(CLOSED_FORMS) + ") or a smaller L") from None
    return enumerated_profile(parse_target(spec, exact=True), spec)


def entropy_profile(target) -> Profile:
    """The profile of a target spec (closed form if any, else enumeration) or of a Target object."""
    if isinstance(target, Profile):
        return target
    if isinstance(target, str):
        return _profile_of_spec(target.strip())
    prof = None
    if target.spec:
        try:
            from distributions import plan_spec

            prof = closed_form_profile(plan_spec(target.spec), target.spec)
        except SpecError:
            prof = None
    return prof or enumerated_profile(target)


def kl_weights(law, exact: bool):
    """w_m with Σ_m w_m h(m) = E KL:  w_m = A(m−1) − A(m) (A(L) = 0), minus 1 at m = L."""
    _, A = law.start_weights(exact)
    L = law.L
    if exact:
        w = [fmpq(0)] * (L + 1)
        for m in range(1, L + 1):
            w[m] = A[m - 1] - (A[m] if m < L else 0)
        w[L] -= 1
        return w
    A = np.asarray(A, dtype=np.float64)
    w = np.zeros(L + 1)
    w[1:] = A - np.concatenate([A[1:], [0.0]])
    w[L] -= 1.0
    return w


def expected_kl(target, sampler, exact: bool = True):
    """E_D KL(p ‖ q_D) of a uniform-position size law (perfect predictor) from the profile alone.

    ``target``: spec string, Target or Profile; ``sampler``: spec string (fixed, balanced, count, mdm,
    random-size:...), Schedule or SizeLaw. Exact: a LogLinear form; else a float.
    """
    from ..samplers import size_law_of

    prof = entropy_profile(target)
    law = size_law_of(sampler, prof.L)
    if law.L != prof.L:
        raise SpecError("sampler", f"is for L={law.L}, the target has L={prof.L}", "a sampler for the target's L")
    w = kl_weights(law, exact)
    return prof.functional(w) if exact else prof.functional_float(w)


def information(target, exact: bool = True) -> dict:
    """H, TC, DTC, sum_I of a target from its profile."""
    return entropy_profile(target).information(exact)


def measure_profile(target_spec: str, sampler: str | None, exact: bool = False, predictor: str | None = None) -> dict:
    """``verify measure`` answered by the profile engine (targets too long to enumerate)."""
    from distributions import plan_spec

    from ..samplers import size_law_of

    from ... import guard

    plan = plan_spec(target_spec)
    if not has_closed_form(plan):
        raise SpecError("target", "no closed-form profile", ", ".join(CLOSED_FORMS))
    if predictor not in (None, "perfect"):
        raise SpecError("--predictor", f"{shorten(repr(predictor))}: the profile engine covers the perfect "
                        "predictor only", "perfect (or a target small enough to enumerate)")
    # Every input is checked and sized before anything is built: the sampler's size law (its own
    # guard), then the profile; the progress line comes only after the last check.
    law = size_law_of(sampler, plan.L) if sampler is not None else None
    need, seconds = refuse_profile(plan, exact)
    guard.progress(f"entropy profile of {plan.family} (q={plan.q}, L={plan.L})", need, seconds)
    prof = closed_form_profile(plan, target_spec.strip())
    # H, TC, DTC are sparse functionals of h (cheap exactly); DTC = L h(L−1) − (L−1) H cancels
    # ~L-fold in floats, so even float output is the exact form's value.
    if not exact and _extra(plan) is not None:  # its own cancellation-free float path
        info = _extra(plan).float_information(prof)
    else:
        info = prof.information(True)
    if not exact:
        info = {k: float(v) for k, v in info.items()}
    out = {"engine": "profile", "profile_form": prof.kind,
           "target": {"spec": target_spec.strip(), "q": plan.q, "L": plan.L},
           "H": info["H"], "TC": info["TC"], "DTC": info["DTC"], "sum_I": info["sum_I"]}
    omitted = {"metrics": ["mixture_kl", "tv", "ser", "ter_gap", "gen_logppl_gap"],
               "reason": "they need the output law over q^L strings and the target is too long to "
                         "enumerate; the profile engine gives what depends only on h(m)"}
    if law is not None:
        out["sampler"] = law.spec
        out["predictor"] = "perfect"
        w = kl_weights(law, exact)
        out["expected_kl"] = prof.functional(w) if exact else prof.functional_float(w)
        out["expected_iterations"] = law.mean_iterations(exact)
        out["expected_iterations_sampler"] = out["expected_iterations"]
        out["max_iterations"] = law.max_iterations
    out["omitted"] = omitted
    from .wainwright import measure_quantities  # Wainwright's quantities (docs/w26.md)

    out.update(measure_quantities(prof, exact))
    return out
