"""Sampler specs (docs/index.md §2): every non-adaptive sampler spec to its ``Schedule`` (a law over
reveal plans, ``plans.py``), and every uniform-position one to its ``SizeLaw`` (``profile/sizelaws.py``).

This is the one module that knows both the plan constructors and the named size laws, so neither of
them imports the other. Adaptive rules are parsed by ``rules.parse_rule``.
"""
from __future__ import annotations

from fractions import Fraction

from flint import fmpq

from .. import guard
from ..errors import SpecError, shorten
from ..specs import check_keys, parse_fmpq, parse_int, parse_list, parse_spec
from .plans import SAMPLERS, Schedule, _check_sizes, _guard_mdm, balanced, bisect, count, fixed, mdm, plan, random_size
from .profile.sizelaws import SizeLaw, binomial, longest_path, parse_size_law
from .profile.w26laws import parse_w26
from .rules import RULES, is_rule


def parse_sampler(spec: str, L: int) -> Schedule:
    """fixed:sizes=2+2 | balanced:K=3 | count:N=4 | mdm:N=3 | mdm:pi=0.2+0.3+0.5 |
    random-size:law=1/2@1+3;1/2@2+2 (``p@sizes`` entries joined with ';') |
    random-size:law=grow|shrink|uniform|binomial|odds|psi-odds|file:PATH,... (``sizelaws.py``) |
    bernoulli:grid=t0+...+tN|rho=R|N=N[,start=single|parallel][,finish=single|parallel] (``w26laws.py``) |
    plan:blocks=0+2/1/3 (one fixed plan: blocks of 0-based positions in reveal order, joined with '/') |
    plan:bisect=m (WLL26 Theorem 2: recursive bisection by m-blocks, 1 <= m < L)."""
    w26 = parse_w26(spec, L)  # Wainwright's samplers: bernoulli:..., random-size:law=psi-odds,...
    if w26 is not None:
        return w26.graph()
    if isinstance(spec, str) and spec.strip().startswith("random-size:") and "@" not in spec:
        law = parse_size_law(spec, L)
        if law.name == "binomial":  # its graph is mdm's: sized like mdm:N before it is built
            _guard_mdm(len(law.params["pi"]), L, "sampler.random-size.N")
        return law.graph()
    name, kv = parse_spec(spec, "sampler", verbatim=())
    f = f"sampler.{name}"
    if name == "fixed":
        check_keys(kv, ("sizes",), f)
        if "sizes" not in kv:
            raise SpecError(f + ".sizes", "is missing", f"block sizes joined with '+', summing to L={L}")
        sizes = parse_list(kv["sizes"], f + ".sizes", parse_int)
        _check_sizes(sizes, L, f + ".sizes")
        return fixed(sizes, L, spec)
    if name in ("balanced", "count"):
        key = "K" if name == "balanced" else "N"
        check_keys(kv, (key,), f)
        if key not in kv:
            raise SpecError(f"{f}.{key}", "is missing", f"an integer 1..L={L}")
        n = parse_int(kv[key], f"{f}.{key}")
        return (balanced if name == "balanced" else count)(n, L, spec)
    if name == "mdm":
        check_keys(kv, ("N", "pi"), f)
        if ("N" in kv) == ("pi" in kv):
            raise SpecError(f, "needs exactly one of N or pi", "mdm:N=3 or mdm:pi=0.2+0.3+0.5")
        if "N" in kv:
            N = parse_int(kv["N"], f + ".N", minimum=1)
            _guard_mdm(N, L, f + ".N")
            pi = [fmpq(1, N)] * N
        else:
            pi = parse_list(kv["pi"], f + ".pi")
            _guard_mdm(len(pi), L, f + ".pi")
        return mdm(pi, L, spec)
    if name == "random-size":
        check_keys(kv, ("law",), f)
        if "law" not in kv:
            raise SpecError(f + ".law", "is missing", "entries p@s1+s2+... joined with ';'")
        law = []
        for entry in kv["law"].split(";"):
            p, at, sizes = entry.partition("@")
            if not at:
                raise SpecError(f + ".law", f"entry {shorten(entry)!r} has no '@'", "entries p@s1+s2+... joined with ';'")
            law.append((parse_fmpq(p, f + ".law"),
                        parse_list(sizes, f + ".law", parse_int)))
        return random_size(law, L, spec)
    if name == "plan" and "bisect" in kv:
        check_keys(kv, ("bisect",), f)  # plan:bisect=m (WLL26 Theorem 2); never mixed with blocks
        return bisect(parse_int(kv["bisect"], f + ".bisect", minimum=1), L, spec)
    if name == "plan":
        check_keys(kv, ("blocks",), f)
        if "blocks" not in kv:
            raise SpecError(f + ".blocks", "is missing", "blocks of 0-based positions joined with '/', e.g. 0+2/1/3")
        blocks = [parse_list(b, f + ".blocks", parse_int) for b in kv["blocks"].split("/")]
        return plan(blocks, L, spec)
    raise SpecError("sampler", f"unknown sampler {shorten(name)!r}", ", ".join(SAMPLERS + RULES))


def size_law_of(spec_or_schedule, L: int) -> SizeLaw:
    """Any non-adaptive uniform-position sampler as a SizeLaw: fixed, balanced, count, mdm and every
    random-size law. ``plan`` (one fixed partition) and adaptive samplers are refused: their error
    is not a function of the entropy profile."""
    if isinstance(spec_or_schedule, SizeLaw):
        return spec_or_schedule
    if isinstance(spec_or_schedule, str):
        text = spec_or_schedule.strip()
        if is_rule(text):
            name = text.partition(":")[0].strip()
            raise SpecError("sampler", f"{shorten(name)!r} is an adaptive rule: the profile engine (targets too long "
                            "to enumerate) runs non-adaptive samplers only",
                            "fixed, balanced, count, mdm or random-size samplers, or a target small enough to enumerate")
        w26 = parse_w26(text, L)
        if w26 is not None:
            return w26
        if text.startswith("random-size:") and "@" not in text:
            return parse_size_law(text, L)
        if text.startswith("mdm:"):
            _, kv = parse_spec(text, "sampler", verbatim=())
            if "N" in kv and "pi" not in kv:
                N = parse_int(kv["N"], "sampler.mdm.N", minimum=1)
                guard.refuse_binomial(N, L, "sampler.mdm.N")
                return binomial([Fraction(1, N)] * N, L, text)
            if "pi" in kv and "N" not in kv:
                pi = parse_list(kv["pi"], "sampler.mdm.pi")
                guard.refuse_binomial(len(pi), L, "sampler.mdm.pi")
                if sum(pi) != 1 or any(p < 0 for p in pi):
                    raise SpecError("sampler.mdm.pi", "is not a probability vector", "probabilities >= 0 summing to 1")
                return binomial(pi, L, text)
        sched = parse_sampler(text, L)
    else:
        sched = spec_or_schedule
    if sched.adaptive or sched.kind == "plan":
        raise SpecError("sampler", f"{sched.spec} is not a size law with uniform positions",
                        "fixed, balanced, count, mdm or random-size samplers")
    if sched.kind == "mdm":
        return binomial([Fraction(int(p.p), int(p.q)) for p in sched.params["pi"]], L, sched.spec)
    law = SizeLaw(sched.kind, sched.spec, L, dict(sched.params), 0, lambda: sched)
    law.max_iterations = longest_path(sched)
    return law
