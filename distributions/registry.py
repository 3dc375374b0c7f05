"""The family registry and the spec-string front door: ``parse_target(spec, exact)``.

Each family is a record (:class:`Family`) of its keys (type, default, constraint, description),
the (q, L) it supports, and two functions: ``plan`` checks the typed keys and fixes (q, L)
without allocating anything, ``build`` makes the law array. ``parse_target`` plans, refuses an
instance too large for memory (``refuse_plan``: the engine's estimate and the family's ``cost``, both
through ``verify.guard``), builds, and wraps with ``make_target``.

Errors are ``SpecError`` naming the field: ``target`` (syntax, unknown family),
``target.<family>.<key>`` (unknown, missing, malformed or out-of-range key), and nested fields
for mixture components (``target.mixture.of[2].markov.flip``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import numpy as np

from verify import guard
from verify.errors import SpecError, shorten
from verify.engine.target import Target, make_target

from . import chains, codes, files, graphs, mixtures, random_laws
from verify.specs import parse_bracketed, parse_int, parse_list, parse_rational, parse_real, parse_spec

REQUIRED = object()  # marker: the key has no default


@dataclass(frozen=True)
class Key:
    """One ``key=value`` of a family: its type, default, constraint and meaning."""

    name: str
    kind: str  # int | rational | real | choice | rationals | specs | path
    doc: str
    default: object = REQUIRED  # REQUIRED, None (optional, absent) or a default value
    check: Callable | None = None
    accepted: str = ""
    choices: tuple = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        if self.required:
            dflt = "required"
        elif self.default is None:
            dflt = "optional"
        else:
            dflt = f"default {self.default}"
        allowed = self.accepted or (", ".join(self.choices) if self.choices else self.kind)
        return f"{self.name} ({dflt}; {allowed}): {self.doc}"


@dataclass
class Plan:
    """A checked spec: family, (q, L), typed parameters, and planned components (mixtures)."""

    family: str
    q: int
    L: int
    params: dict
    where: str  # field name of this spec in errors, e.g. target.mixture.of[2].markov
    components: list = field(default_factory=list)


@dataclass(frozen=True)
class Family:
    name: str
    summary: str
    keys: tuple
    supports: str
    example: str
    plan: Callable  # (typed values, family field) -> (q, L, params[, components])
    build: Callable  # (Plan, exact) -> pmf array
    cost: Callable | None = None  # (Plan, exact) -> (bytes, what): building cost beyond the engine's

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)

    def usage(self) -> str:
        lines = [f"{self.name}: {self.summary}", f"  supports: {self.supports}", f"  example: {self.example}"]
        lines += [f"  {k.describe()}" for k in self.keys]
        return "\n".join(lines)


# --- typed values --------------------------------------------------------------------------

def _typed(key: Key, raw: str, fld: str):
    if key.kind == "int":
        value = parse_int(raw, fld)
    elif key.kind == "rational":
        value = parse_rational(raw, fld)
    elif key.kind == "real":
        value = parse_real(raw, fld)
    elif key.kind == "rationals":
        value = parse_list(raw, fld)
    elif key.kind == "specs":
        value = parse_bracketed(raw, fld)
    elif key.kind == "choice":
        value = raw.strip()
        if value not in key.choices:
            raise SpecError(fld, f"unknown value {shorten(value)!r}", ", ".join(key.choices))
    else:
        value = raw
    if key.check is not None and not key.check(value):
        raise SpecError(fld, f"{shorten(raw)!r} is out of range", key.accepted)
    return value


def _need(cond: bool, fld: str, problem: str, accepted: str = "") -> None:
    if not cond:
        raise SpecError(fld, problem, accepted or None)


def _one_of(v: dict, a: str, b: str, f: str, accepted: str) -> None:
    """Exactly one of keys a, b given."""
    if v[a] is None and v[b] is None:
        raise SpecError(f"{f}.{a}", f"missing (give {a} or {b})", accepted)
    if v[a] is not None and v[b] is not None:
        raise SpecError(f"{f}.{a}", f"give {a} or {b}, not both", accepted)


# --- common keys ---------------------------------------------------------------------------

def _L(doc="sequence length (positions)"):
    return Key("L", "int", doc, check=lambda v: v >= 1, accepted="an integer >= 1")


def _q(default=REQUIRED, doc="vocabulary size, tokens 0..q-1"):
    return Key("q", "int", doc, default, check=lambda v: v >= 2, accepted="an integer >= 2")


def _seed(default=0, doc="seed of numpy.random.default_rng"):
    return Key("seed", "int", doc, default, check=lambda v: v >= 0, accepted="an integer >= 0")


ALPHA_RANGE = (Fraction(1, 10**6), Fraction(10**6))


def _alpha(doc="Dirichlet concentration (small: sparse)"):
    lo, hi = ALPHA_RANGE
    return Key("alpha", "rational", doc, Fraction(1), check=lambda v: lo <= v <= hi,
               accepted="a number in [1e-6, 1e6] (smaller underflows the Gamma draws, larger overflows)")


def _prob(name, doc, default=REQUIRED):
    return Key(name, "rational", doc, default, check=lambda v: 0 <= v <= 1,
               accepted="a number in [0, 1] (0.1 or 1/10)")


# --- families: plan (check, fix q and L) and build -----------------------------------------

def _plan_product(v, f):
    L, q, p, seed = v["L"], v["q"], v["p"], v["seed"]
    _need(p is None or seed is None, f"{f}.p", "give p or seed, not both",
          "p=a+b+... (one marginal for all positions) or seed=N (random marginals)")
    if p is not None:
        if q is None:
            q = len(p)
        _need(len(p) == q, f"{f}.p", f"has {len(p)} entries but q={q}", "q entries joined with '+'")
        _need(q >= 2, f"{f}.p", "needs at least 2 entries", "q >= 2 entries joined with '+'")
        _need(all(x >= 0 for x in p), f"{f}.p", "has a negative entry", "non-negative entries summing to 1")
        _need(sum(p) == 1, f"{f}.p", f"entries sum to {sum(p)}, not 1", "non-negative entries summing to 1")
    _need(q is not None, f"{f}.q", "missing", "an integer >= 2 (or give p)")
    return q, L, {"L": L, "q": q, **({"p": p} if p is not None else {}), **({"seed": seed} if seed is not None else {})}


def _build_product(plan, exact):
    pr = plan.params
    if "seed" in pr:
        return random_laws.random_product_law(plan.L, plan.q, pr["seed"], exact)
    return random_laws.product_law(plan.L, plan.q, pr.get("p"), exact)


def _plan_dirichlet(v, f):
    return v["q"], v["L"], {"L": v["L"], "q": v["q"], "alpha": v["alpha"], "seed": v["seed"]}


def _build_dirichlet(plan, exact):
    pr = plan.params
    return random_laws.dirichlet_law(plan.L, plan.q, pr["alpha"], pr["seed"], exact)


def _plan_markov(v, f):
    _one_of(v, "flip", "seed", f, "flip=rho in [0, 1] (symmetric chain) or seed=N (random transition matrix)")
    params = {"L": v["L"], "q": v["q"]}
    params.update({"flip": v["flip"]} if v["flip"] is not None else {"seed": v["seed"]})
    return v["q"], v["L"], params


def _build_markov(plan, exact):
    pr = plan.params
    return chains.markov_law(plan.L, plan.q, pr.get("flip"), pr.get("seed"), exact)


def _plan_ngram(v, f):
    _need(v["n"] <= v["L"], f"{f}.n", f"n={v['n']} exceeds L={v['L']}", "an integer 1 <= n <= L")
    return v["q"], v["L"], {k: v[k] for k in ("L", "q", "n", "seed", "alpha")}


def _build_ngram(plan, exact):
    pr = plan.params
    return chains.ngram_law(plan.L, plan.q, pr["n"], pr["seed"], pr["alpha"], exact)


def _plan_hmm(v, f):
    return v["q"], v["L"], {k: v[k] for k in ("L", "q", "states", "seed")}


def _cost_hmm(plan, exact):
    """The forward recursion holds q^L·states numbers three times (α, α·A, the product with B) and
    the seeded tables are drawn as Dirichlet rows: about ten float temporaries of states² while the
    states × states matrix is drawn and quantised (measured: states = 10,000 peaks at 4.6 GiB)."""
    S = plan.params["states"]
    QL = guard.power(plan.q, plan.L)
    Sf = guard.as_float(S)
    per = 40 if exact else guard.BYTES_FLOAT  # exact: python ints in an object array
    n = per * (3.0 * QL * Sf + Sf * Sf + Sf * plan.q) + guard.BYTES_FLOAT * 10 * (Sf * Sf + Sf * plan.q)
    return n, f"hmm with states={shorten(str(S))}, q^L={QL:.3g} (forward recursion q^L·states, states² tables)"


def _seconds_hmm(plan, exact):
    """q^L·states² multiply-adds of the forward recursion (Σ_i q^i ≤ 2 q^L) and 100 float
    operations per entry of the Dirichlet draws."""
    S = guard.as_float(plan.params["states"])
    return (2 * guard.power(plan.q, plan.L) * S * S * guard.seconds_per_op(exact)
            + 100 * guard.SECONDS_PER_FLOAT * S * (S + plan.q))


def _build_hmm(plan, exact):
    pr = plan.params
    return chains.hmm_law(plan.L, plan.q, pr["states"], pr["seed"], exact)


def _plan_coloring3(v, f):
    _need(v["q"] in (None, 3), f"{f}.q", f"q={v['q']}: the 3-colouring chain has q = 3", "3")
    return 3, v["L"], {"L": v["L"], "q": 3}


def _plan_mds(v, f):
    q, L, k = v["q"], v["L"], v["k"]
    _need(1 <= k <= L, f"{f}.k", f"k={k} is not in 1..L={L}", "an integer 1 <= k <= L")
    code = codes.choose_code(q, L, k, v["code"], field=f)
    return q, L, {"q": q, "L": L, "k": k, "code": code}


def _plan_copy(v, f):
    _need(v["q"] in (None, 2), f"{f}.q", f"q={v['q']}: the copy law is binary", "2")
    return 2, v["L"], {"L": v["L"], "q": 2, "delta": v["delta"]}


def _plan_noisy_copy(v, f):
    _need(v["q"] in (None, 2), f"{f}.q", f"q={v['q']}: the noisy repeated bit is binary", "2")
    return 2, v["L"], {"L": v["L"], "q": 2, "eta": v["eta"]}


def _build_noisy_copy(plan, exact):
    """(1/2) Bern(η)^{⊗L} + (1/2) Bern(1−η)^{⊗L}: a uniform bit copied to L tokens, each flipped w.p. η."""
    eta = plan.params["eta"]
    laws = [random_laws.product_law(plan.L, 2, [1 - eta, eta], exact),
            random_laws.product_law(plan.L, 2, [eta, 1 - eta], exact)]
    return mixtures.mixture_law(laws, [Fraction(1, 2)] * 2, exact)


def _plan_lowentropy(v, f):
    q, L, m = v["q"], v["L"], v["m"]
    if L * math.log2(q) < 62:  # beyond that q^L dwarfs any m and the size check refuses anyway
        _need(m <= q**L, f"{f}.m", f"m={m} exceeds q^L = {q**L} words", "an integer 1 <= m <= q^L")
    return q, L, {"L": L, "q": q, "m": m, "seed": v["seed"]}


def _plan_potts(v, f):
    g, L = v["graph"], v["L"]
    _one_of(v, "w", "beta", f, "w=rational >= 0 (exact law, weight per agreeing edge) or beta=real (w = e^beta)")
    _need(v["rows"] is None or g == "grid", f"{f}.rows", f"rows applies to graph=grid, not {g}", "omit rows")
    _need(v["seed"] is None or g == "tree", f"{f}.seed", f"seed applies to graph=tree, not {g}", "omit seed")
    _need(g != "cycle" or L >= 3, f"{f}.L", f"a cycle needs L >= 3, got L={L}", "L >= 3 for graph=cycle")
    params = {"graph": g, "L": L, "q": v["q"]}
    if g == "grid":
        rows = graphs.near_square_rows(L) if v["rows"] is None else v["rows"]
        _need(L % rows == 0, f"{f}.rows", f"rows={rows} does not divide L={L}", "a divisor of L")
        params.update(rows=rows, cols=L // rows)
    if v["seed"] is not None:
        params["seed"] = v["seed"]
    params.update({"w": v["w"]} if v["w"] is not None else {"beta": v["beta"]})
    return v["q"], L, params


def _build_potts(plan, exact):
    pr = plan.params
    graph = graphs.potts_graph(pr["graph"], plan.L, pr.get("rows"), pr.get("seed"))
    try:
        return graphs.potts_law(graph, plan.q, pr.get("w"), pr.get("beta"), exact)
    except ValueError as err:
        raise SpecError(f"{plan.where}.w", f"{err} (w=0 on graph={pr['graph']} with q={plan.q})",
                        "w > 0, or a graph with a proper q-colouring") from None


def _plan_mixture(v, f):
    specs = v["of"]
    comps = [plan_spec(s, f"{f}.of[{j}]") for j, s in enumerate(specs, start=1)]
    weights = v["weights"]
    if weights is None:
        weights = [Fraction(1, len(comps))] * len(comps)
    _need(len(weights) == len(comps), f"{f}.weights",
          f"{len(weights)} weights for {len(comps)} components", "one weight per component")
    _need(all(w >= 0 for w in weights), f"{f}.weights", "has a negative weight", "weights >= 0 summing to 1")
    _need(sum(weights) == 1, f"{f}.weights", f"weights sum to {sum(weights)}, not 1", "weights >= 0 summing to 1")
    first = comps[0]
    for j, c in enumerate(comps[1:], start=2):
        _need((c.q, c.L) == (first.q, first.L), f"{f}.of",
              f"component {j} has q={c.q}, L={c.L} but component 1 has q={first.q}, L={first.L}",
              "components with the same q and L")
    return first.q, first.L, {"weights": list(weights), "of": list(specs)}, comps


def _cost_mixture(plan, exact):
    comps = plan.components
    total = len(comps) * guard.power(plan.q, plan.L) * guard.per_number(exact)
    for c in comps:
        total += plan_cost(c, exact)[0]
    return total, f"mixture of {len(comps)} components (each law held at once)"


def _build_mixture(plan, exact):
    laws = [build_plan(c, exact) for c in plan.components]
    return mixtures.mixture_law(laws, plan.params["weights"], exact)


def _plan_file(v, f):
    path = v["path"]
    q, L = files.read_shape(path, f)
    return q, L, {"path": path}


def _cost_file(plan, exact):
    import os

    path = plan.params["path"]
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    if path.lower().endswith(".json"):
        return 40.0 * size, f"JSON law file of {size} bytes (parsed whole)"
    return 0.0, ""


def _build_file(plan, exact):
    pmf, q, L = files.load_law(plan.params["path"], plan.where)
    # entries near 1e308 overflow the sum to inf, which is refused by name: no numpy warning first
    with np.errstate(over="ignore", invalid="ignore"):
        return make_target(pmf, q, L, field_name=f"{plan.where}.pmf", exact=exact).pmf


def _fixed(fn, *names):
    """build adapter: call ``fn(*params[names], exact)``."""
    return lambda plan, exact: fn(*(plan.params[n] for n in names), exact=exact)


FAMILIES: dict[str, Family] = {fam.name: fam for fam in (
    Family("product", "independent positions, p(x) = prod_i p_i(x_i); TC = DTC = 0",
           (_L(), _q(None, "vocabulary size (optional when p is given)"),
            Key("p", "rationals", "one marginal shared by all positions, p(0)+p(1)+...", None,
                accepted="q non-negative numbers joined with '+', summing to 1"),
            _seed(None, "random full-support marginal per position (instead of p)")),
           "q >= 2, L >= 1; default marginal uniform", "product:L=4,q=2,p=1/4+3/4",
           _plan_product, _build_product),
    Family("dirichlet", "random joint law p ~ Dirichlet(alpha) on the q^L words, quantised to rationals",
           (_L(), _q(), _alpha("concentration; small alpha gives many exact zeros"), _seed()),
           "q >= 2, L >= 1", "dirichlet:L=4,q=2,alpha=0.3,seed=7", _plan_dirichlet, _build_dirichlet),
    Family("markov", "first-order Markov chain: symmetric flip chain or seeded random transition matrix",
           (_L(), _q(),
            _prob("flip", "move probability rho: stay w.p. 1-rho, else uniform on the q-1 others; uniform start",
                  None),
            _seed(None, "random transition rows and start (instead of flip)")),
           "q >= 2, L >= 1; exactly one of flip, seed", "markov:L=6,q=2,flip=0.1", _plan_markov, _build_markov),
    Family("ngram", "order-n chain: each token depends on the previous n-1 (seeded Dirichlet tables)",
           (_L(), _q(), Key("n", "int", "order: context of n-1 tokens", 2, lambda v: v >= 1, "an integer 1 <= n <= L"),
            _seed(), _alpha("concentration of each conditional row and of the initial law")),
           "q >= 2, 1 <= n <= L", "ngram:L=5,q=2,n=3,seed=1", _plan_ngram, _build_ngram),
    Family("hmm", "hidden Markov chain with seeded start, transition and emission matrices (full support)",
           (_L(), _q(), Key("states", "int", "number of hidden states", 2, lambda v: v >= 1, "an integer >= 1"),
            _seed()),
           "q >= 2, L >= 1", "hmm:L=5,q=2,states=3,seed=0", _plan_hmm, _build_hmm, _cost_hmm),
    Family("coloring3", "uniform on proper 3-colourings of the path (neighbours differ): 3*2^(L-1) words",
           (_L(), Key("q", "int", "vocabulary size (fixed)", None, accepted="3")),
           "q = 3, L >= 1", "coloring3:L=5", _plan_coloring3, _fixed(chains.coloring3_law, "L")),
    Family("mds", "uniform on a linear MDS code [L,k]_q: H(X_A) = min(|A|,k) log q",
           (_q(), _L("code length"), Key("k", "int", "code dimension", check=lambda v: v >= 1,
                                         accepted="an integer 1 <= k <= L"),
            Key("code", "choice", "which code (chosen from q, L, k when absent)", None, choices=codes.CODES)),
           "repetition k=1; parity k=L-1 (L>=2); rs q prime, k <= L <= q; tetracode q=3,L=4,k=2",
           "mds:q=5,L=4,k=2", _plan_mds, _fixed(codes.mds_law, "q", "L", "k", "code")),
    Family("copy", "X_1 = ... = X_L ~ Bernoulli(delta): mass 1-delta at 0...0, delta at 1...1",
           (_L(), _prob("delta", "probability of the all-ones word", Fraction(1, 2)),
            Key("q", "int", "vocabulary size (fixed)", None, accepted="2")),
           "q = 2, L >= 1", "copy:L=4,delta=1/3", _plan_copy, _fixed(codes.copy_law, "L", "delta")),
    Family("noisy-copy", "noisy repeated bit: U ~ Bernoulli(1/2), X_i = U xor W_i with W_i ~ Bernoulli(eta) i.i.d.",
           (_L(), _prob("eta", "flip probability of each token"),
            Key("q", "int", "vocabulary size (fixed)", None, accepted="2")),
           "q = 2, L >= 1; exchangeable: closed-form profile at any L", "noisy-copy:L=8,eta=1/10",
           _plan_noisy_copy, _build_noisy_copy),
    Family("lowentropy", "uniform on m distinct seeded random words: H = log m",
           (_L(), _q(), Key("m", "int", "number of words", check=lambda v: v >= 1, accepted="an integer 1 <= m <= q^L"),
            _seed()),
           "q >= 2, 1 <= m <= q^L", "lowentropy:L=5,q=2,m=4,seed=0", _plan_lowentropy,
           _fixed(random_laws.lowentropy_law, "L", "q", "m", "seed")),
    Family("mixture", "weighted mixture sum_j lambda_j p_j of specs with the same q and L",
           (Key("of", "specs", "component specs, each in square brackets, joined with '+'",
                accepted="[spec]+[spec]+..."),
            Key("weights", "rationals", "mixture weights lambda_j (default uniform)", None,
                accepted="one non-negative number per component, joined with '+', summing to 1")),
           "components share q and L", "mixture:weights=1/2+1/2,of=[copy:L=4,delta=1/2]+[product:L=4,q=2]",
           _plan_mixture, _build_mixture, _cost_mixture),
    Family("potts", "Potts/Ising law on a graph: p(x) ∝ w^#(agreeing edges), w = e^beta",
           (Key("graph", "choice", "interaction graph over the positions", "path", choices=graphs.GRAPHS),
            _L(), _q(),
            Key("w", "rational", "weight per agreeing edge (exact law; 0 = neighbours differ)", None,
                lambda v: v >= 0, "a number >= 0"),
            Key("beta", "real", "coupling, w = e^beta (float law)", None, lambda v: abs(v) <= 1000,
                "a real number with |beta| <= 1000"),
            Key("rows", "int", "grid rows (default: near-square divisor of L)", None, lambda v: v >= 1,
                "a divisor of L"),
            _seed(None, "random labelled tree (default: complete binary tree)")),
           "q >= 2, L >= 1; cycle L >= 3; exactly one of w, beta", "potts:graph=cycle,L=5,q=2,w=3",
           _plan_potts, _build_potts),
    Family("file", "a law read from a file: file:PATH (.npy of shape (q,)*L, or JSON {q, L, pmf})",
           (Key("path", "path", "file name (everything after 'file:')", accepted=files.FORMATS),),
           "q, L from the file", "file:law.json", _plan_file, _build_file, _cost_file),
)}


# --- front door ----------------------------------------------------------------------------

PROFILE_FAMILIES = frozenset({"product", "copy", "markov", "coloring3", "ngram", "mds", "noisy-copy"})
PROFILE_MAX_L, PROFILE_MAX_Q = 10_000, 8192  # q: the Reed–Solomon ray witnesses need a prime q >= L


def plan_spec(spec: str, field: str = "target") -> Plan:
    """Parse and check a spec, fixing (q, L) and the typed parameters; allocates no law."""
    name, raw = parse_spec(spec, field)
    fam = FAMILIES.get(name)
    if fam is None:
        raise SpecError(field, f"unknown target family {shorten(name)!r}", ", ".join(FAMILIES))
    f = f"{field}.{name}"
    accepted_keys = ", ".join(k.name for k in fam.keys)
    values = {}
    for k in raw:
        if fam.key(k) is None:
            raise SpecError(f"{f}.{k}", f"unknown key {shorten(k)!r} for {name}", accepted_keys)
    for key in fam.keys:
        if key.name in raw:
            values[key.name] = _typed(key, raw[key.name], f"{f}.{key.name}")
        elif key.required:
            raise SpecError(f"{f}.{key.name}", "missing", f"{key.name}=... ({key.accepted or key.doc})")
        else:
            values[key.name] = key.default
    # Size first: planning itself may loop over divisors of L or test q for primality. Families
    # whose entropy profile has a closed form (verify/engine/profile.py) plan cheaply up to
    # PROFILE_MAX_L, where the profile engine answers beyond enumeration; the caller sizes those.
    q0, L0 = values.get("q"), values.get("L")
    small_q = not isinstance(q0, int) or q0 <= PROFILE_MAX_Q
    if isinstance(L0, int) and not (name in PROFILE_FAMILIES and L0 <= PROFILE_MAX_L and small_q):
        guard.refuse_engine(q0 if isinstance(q0, int) and q0 >= 2 else 2, L0, False, field)
    out = fam.plan(values, f)
    q, L, params = out[:3]
    comps = out[3] if len(out) > 3 else []
    return Plan(name, q, L, params, f, comps)


def plan_cost(plan: Plan, exact: bool) -> tuple:
    """(bytes, what) to build ``plan``'s law beyond the engine's own q^L + 3(q+1)^L numbers."""
    fam = FAMILIES[plan.family]
    return fam.cost(plan, exact) if fam.cost is not None else (0.0, "")


def plan_seconds(plan: Plan, exact: bool) -> float:
    """Estimated seconds to build ``plan``'s law: about L operations per entry of the q^L joint (a
    chain multiplies in one factor per position), the family's own work (hmm), each component's."""
    total = plan.L * guard.power(plan.q, plan.L) * guard.seconds_per_op(exact)
    if plan.family == "hmm":
        total += _seconds_hmm(plan, exact)
    for c in plan.components:
        total += plan_seconds(c, exact)
    return total


def refuse_plan(plan: Plan, exact: bool, field: str = "target") -> float:
    """Refuse (TooLarge / TooSlow) before any allocation: the engine's estimate and the family's own
    building cost (hidden states, mixture components, file parsing) both go through the guard, and
    so does the estimated building time. Returns the larger memory estimate."""
    engine = guard.refuse_engine(plan.q, plan.L, exact, field)
    extra, what = plan_cost(plan, exact)
    if extra:
        guard.refuse(field, what, extra, "fewer hidden states / components, smaller q or L")
    guard.refuse_seconds(field, f"building {plan.family} (q={plan.q}, L={plan.L})", plan_seconds(plan, exact),
                         "fewer hidden states / components, smaller q or L")
    return max(engine, extra)


def build_plan(plan: Plan, exact: bool) -> np.ndarray:
    return FAMILIES[plan.family].build(plan, exact)


def parse_target(spec: str, exact: bool = False, field: str = "target") -> Target:
    """The target law named by ``spec`` (``name:key=value,...``), float64 or exact fmpq.

    Raises SpecError (one line, naming the field and what is accepted) on bad input, and
    TooLarge before allocating an instance over the memory limit.
    """
    plan = plan_spec(spec, field)
    need = refuse_plan(plan, exact, field)
    if plan.family != "file":  # a file law is validated after loading: no progress line before that
        guard.progress(f"building target {shorten(spec.strip())}", need, plan_seconds(plan, exact))
    pmf = build_plan(plan, exact)
    return make_target(pmf, plan.q, plan.L, spec=spec.strip(), name=plan.family, params=plan.params,
                       field_name=plan.where, exact=exact)


def family_docs() -> str:
    """Every family's keys, defaults and constraints, for ``--help``-style listings."""
    return "\n\n".join(fam.usage() for fam in FAMILIES.values())
