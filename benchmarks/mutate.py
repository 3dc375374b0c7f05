"""Mutation testing of the certifier, the adaptive rules' decisions and the size laws.

Each mutant is one exact textual edit (file, original text, replacement) with a short name. For
every mutant the script copies the checkout's ``verify/``, ``tests/`` and the data they read into a
scratch folder (one per job, never the user's checkout), applies the edit there, runs a fast test
subset with ``pytest -x`` and reports the mutant **killed** (some test failed or the run timed out)
or **survived** (every test passed). A mutant whose original text is not found exactly once is
reported **stale** (the code moved: update the list). Before the mutants, the unmutated copy is run
on every test subset in use; if that fails, nothing is reported (a red baseline kills everything).

    python benchmarks/mutate.py --list
    python benchmarks/mutate.py                      # every mutant, 1 job
    python benchmarks/mutate.py --only verdicts-plain-rational-ge --only rules-threshold-gt
    python benchmarks/mutate.py --jobs 2 --timeout 120 --json mutants.json

Run with the project's interpreter (the one that has flint, numpy, pytest, hypothesis). Each
mutant's run is kept short (a chosen subset, about 10–40 s on a quiet machine); the timeout bounds
a mutant that loops.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("verify", "tests", "distributions", "proofs_numeric", "pyproject.toml")

# test subsets (paths relative to the checkout; extra pytest arguments allowed)
T_CERTIFY = ("tests/test_ties.py", "tests/test_certify.py", "tests/test_coprime.py")
T_ADAPTIVE = ("tests/test_ties.py", "tests/test_adaptive_vs_oracle.py", "tests/test_cl26.py",
              "tests/test_undecided.py")
T_SIZES = ("tests/test_ties.py", "tests/test_sizelaws.py", "tests/test_zc26_table_paths.py")
T_CAPS = ("tests/test_rule_caps.py", "tests/test_api.py", "tests/test_adaptive_vs_oracle.py")
T_TABLE = ("tests/test_table_predictor.py", "tests/test_api.py")
T_W26 = ("tests/test_w26_samplers.py",)

V = "verify/certify/verdicts.py"
LF = "verify/certify/logforms.py"
CP = "verify/certify/coprime.py"
R = "verify/engine/rules.py"
A = "verify/engine/adaptive.py"
SZ = "verify/engine/profile/sizelaws.py"
PR = "verify/engine/predictors.py"
FL = "verify/certify/floatlaw.py"
FV = "verify/certify/floatverdict.py"
FT = "verify/engine/floattwin.py"
FC = "verify/claims/floatcheck.py"
T_FLOAT = ("tests/test_float_enclosures.py",)
WL = "verify/engine/profile/w26laws.py"
WB = "verify/engine/profile/w26bounds.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    replacement: str
    tests: tuple = ()
    issue: bool = False  # listed in issue 20 as surviving the default suite

    def selection(self) -> tuple:
        if self.tests:
            return self.tests
        if self.file.startswith("verify/certify/"):
            return T_CERTIFY
        if self.file == SZ:
            return T_SIZES
        return T_ADAPTIVE


M = Mutant
MUTANTS = [
    # ---------------------------------------------------------------- listed in issue 20
    M("verdicts-plain-rational-ge", V,
      'status = "certified" if c > 0 else "refuted" if c < 0 else "tight"',
      'status = "certified" if c >= 0 else "refuted" if c < 0 else "tight"', issue=True),
    M("verdicts-one-base-is-rational", V,
      "if red is not None and not red[1]:", "if red is not None and len(red[1]) <= 1:", issue=True),
    M("adaptive-entropy-tiebreak-reversed", A,
      "return s if s else (a > b) - (a < b)", "return s if s else (a < b) - (a > b)", issue=True),
    M("adaptive-certmax-float-no-radius", A,
      "rad = RAD_H * (nterms + 2) * (1 + abs(fval))", "rad = 0.0", issue=True),
    M("adaptive-certmax-keeps-smaller", A,
      "        if s > 0:\n            self.best_f, self._where = fval, where",
      "        if s < 0:\n            self.best_f, self._where = fval, where", issue=True),
    M("rules-threshold-gt", R,
      "view.compare_conf_tau(k, a, rule.value) >= 0]", "view.compare_conf_tau(k, a, rule.value) > 0]", issue=True),
    M("sizelaws-odds-clip-L", SZ,
      "n_next = min(L - 1, max(n + 1, target))", "n_next = min(L, max(n + 1, target))", issue=True),
    # ---------------------------------------------------------------- verdicts.py
    M("verdicts-one-base-is-rational-eq", V,
      "if exact and not red[1]:", "if exact and len(red[1]) <= 1:"),
    M("verdicts-ball-gt-to-ge", V,
      'if ball > 0:\n            return "certified"', 'if ball >= 0:\n            return "certified"'),
    M("verdicts-ball-lt-to-le", V,
      'if ball < 0:\n            return "refuted"', 'if ball <= 0:\n            return "refuted"'),
    M("verdicts-reduced-zero-not-tight", V,
      'if c == 0:\n                    return "tight"', 'if c != 0:\n                    return "tight"'),
    M("verdicts-reduced-sign-swapped", V,
      'status = "certified" if c > 0 else "refuted"\n', 'status = "certified" if c < 0 else "refuted"\n'),
    M("verdicts-lower-end-or", V,
      "if ball >= 0 and (last or ball.is_exact()):", "if ball >= 0 or (last or ball.is_exact()):"),
    M("verdicts-eq-drops-negative-ball", V,
      "if ball > 0 or ball < 0:", "if ball > 0:"),
    M("verdicts-eq-reduced-ge-zero", V, "if red[0] == 0:", "if red[0] >= 0:"),
    M("verdicts-eq-nonzero-branch-swapped", V,
      "            if exact:\n                how = f\"nonzero", "            if not exact:\n                how = f\"nonzero"),
    M("verdicts-eq-plain-rational-ge", V,
      'return ("tight" if c == 0 else "refuted")', 'return ("tight" if c >= 0 else "refuted")'),
    M("verdicts-ge-margin-reversed", V,
      "status, fields, prec, how = _decide_nonneg(_difference(lhs, rhs), prec_start, prec_cap)",
      "status, fields, prec, how = _decide_nonneg(_difference(rhs, lhs), prec_start, prec_cap)"),
    M("verdicts-fastpath-drops-negative-exponents", V,
      "return const, {b: e for b, e in exps.items() if e != 0}",
      "return const, {b: e for b, e in exps.items() if e > 0}",
      # the refinement path (kept for bench_zerotest --compare) is exercised by test_zerotest's old-path runs
      ("tests/test_zerotest.py", "tests/test_certify.py", "tests/test_ties.py")),
    M("verdicts-leaves-difference-sign", V,
      "_linear_leaves(x.b, -scale, acc)", "_linear_leaves(x.b, scale, acc)"),
    M("verdicts-exact-log2-off-by-one", V,
      "return p.bit_length() - 1", "return p.bit_length()"),
    M("verdicts-ceil-log2-strict", V,
      "return (q << k) >= p if k >= 0 else q >= (p << -k)", "return (q << k) > p if k >= 0 else q > (p << -k)"),
    # ---------------------------------------------------------------- logforms.py
    M("logforms-is-rational-ignores-reduction", LF,
      "return not self._terms or not self._independent()\n\n    # ---- arithmetic",
      "return not self._terms\n\n    # ---- arithmetic"),
    M("logforms-sign-skips-zero-test", LF,
      "                if self.is_zero():\n                    return 0", "                if False:\n                    return 0"),
    M("logforms-is-zero-ignores-const", LF,
      "        if self._const != 0:\n            return False", "        if False:\n            return False"),
    M("logforms-ratio-below-one-sign", LF,
      "            key = (q, p)\n            c = -c", "            key = (q, p)\n            c = c"),
    M("logforms-den-exponent-sign", LF,
      "per_int[den] = get(den, 0) - w", "per_int[den] = get(den, 0) + w"),
    # ---------------------------------------------------------------- coprime.py
    M("coprime-refine-drops-gcd-weight", CP,
      "pending.extend(((g, w + wb), (a // g, w), (b // g, wb)))",
      "pending.extend(((g, w), (a // g, w), (b // g, wb)))"),
    M("coprime-divide-out-off-by-one", CP,
      "            _add(primes, p, w * v)", "            _add(primes, p, w * (v + 1))"),
    M("coprime-add-keeps-one", CP, "    if x == 1 or w == 0:\n        return", "    if w == 0:\n        return"),
    # ---------------------------------------------------------------- rules.py
    M("rules-entropy-sum-cross-ge", R,
      "cross = view.sign_eta(nsum, {c: 1 for c in nB}) > 0", "cross = view.sign_eta(nsum, {c: 1 for c in nB}) >= 0"),
    M("rules-entropy-sum-last-strict", R,
      "ok = view.sign_eta(nsum - Hf[:, j], lin, rows=rows) <= 0", "ok = view.sign_eta(nsum - Hf[:, j], lin, rows=rows) < 0"),
    M("rules-entropy-sum-coef-off-by-one", R,
      "fmpq(factorial(b - 1) * factorial(m - b), factorial(m))", "fmpq(factorial(b) * factorial(m - b), factorial(m))"),
    M("rules-entropy-sum-prune-on-sum", R,
      "doomed = view.surely_gt_eta(nsum - nmax, b)", "doomed = view.surely_gt_eta(nsum, b)"),
    M("rules-max-entropy-strict", R,
      "view.sign_eta_one(k, view.Hf[k, a], {a: 1}) <= 0]", "view.sign_eta_one(k, view.Hf[k, a], {a: 1}) < 0]"),
    M("rules-eb-strict", R,
      "if view.sign_eta_one(k, total, lin) <= 0:", "if view.sign_eta_one(k, total, lin) < 0:"),
    M("rules-eb-size-off-by-one", R, "size = j + 2", "size = j + 1"),
    M("rules-topk-off-by-one", R,
      "return tuple(sorted(order[:min(rule.value, view.m)]))", "return tuple(sorted(order[:min(rule.value + 1, view.m)]))"),
    M("rules-threshold-fallback-least", R,
      "picked = [view.sorted_by_confidence(k)[0]]", "picked = [view.sorted_by_confidence(k)[-1]]"),
    M("rules-max-entropy-fallback-last", R,
      "picked = [view.argmin_entropy(k, list(range(view.m)))]", "picked = [view.sorted_by_entropy(k)[-1]]"),
    M("rules-tau-one-refused", R, "if v is None or not 0 < v <= 1:", "if v is None or not 0 < v < 1:"),
    # ---------------------------------------------------------------- rules.py: caps and floors (max=, min=)
    M("caps-floor-ignored", R, "lo = min(rule.cap_min or 1, m)", "lo = 1", tests=T_CAPS),
    M("caps-cap-ignored", R, "hi = min(rule.cap_max or m, m)", "hi = m", tests=T_CAPS),
    M("caps-priority-swapped", R,
      'order = view.sorted_by_entropy(k) if rule.kind in ("max-entropy", "eb") else view.sorted_by_confidence(k)',
      'order = view.sorted_by_confidence(k) if rule.kind in ("max-entropy", "eb") else view.sorted_by_entropy(k)',
      tests=T_CAPS),
    M("caps-priority-lowest-first", R, "else view.sorted_by_confidence(k)\n    return tuple(sorted(order[:size]))",
      "else view.sorted_by_confidence(k)\n    return tuple(sorted(order[::-1][:size]))", tests=T_CAPS),
    M("caps-deterministic-floor-dropped", R, "size = min(max(len(picked), lo), hi)", "size = min(len(picked), hi)",
      tests=T_CAPS),
    M("caps-entropy-sum-cap-needs-crossing", R, "rows = cross if b < hi else np.ones(NS, dtype=bool)", "rows = cross",
      tests=T_CAPS),
    M("caps-entropy-sum-floor-coef", R, "return cross.astype(np.int64), False", "return cross.astype(np.int64), True",
      tests=T_CAPS),
    M("caps-entropy-sum-floor-no-crossing", R, "return cross.astype(np.int64), False",
      "return np.ones(NS, dtype=np.int64), False", tests=T_CAPS),
    M("caps-entropy-sum-equal-caps", R, "if b == lo == hi:", "if b == lo == hi == m:", tests=T_CAPS),
    M("caps-entropy-sum-prune-below-floor", R, "if doomed and b > lo:", "if doomed:", tests=T_CAPS),
    M("caps-entropy-sum-push-below-floor", R, "if b < hi and not (doomed and b >= lo):", "if b < hi and not doomed:",
      tests=T_CAPS),
    M("caps-entropy-sum-push-at-cap", R, "if b < hi and not (doomed and b >= lo):",
      "if b <= hi and b < m and not (doomed and b >= lo):", tests=T_CAPS),
    M("caps-min-equal-max-refused", R, 'caps["min"] > caps["max"]', 'caps["min"] >= caps["max"]', tests=T_CAPS),
    M("caps-zero-accepted", R, 'parse_int(kv[c], f"{f}.{c}", minimum=1)', 'parse_int(kv[c], f"{f}.{c}", minimum=0)',
      tests=T_CAPS),
    # ---------------------------------------------------------------- predictors.py: tables
    M("table-float-rows-not-normalised", PR, "        return [v / total for v in out]\n", "        return out\n",
      tests=T_TABLE),
    M("table-zero-entry-accepted", PR, "if any(v <= 0 for v in out):", "if any(v < 0 for v in out):", tests=T_TABLE),
    M("table-float-sum-unchecked", PR, "if abs(int(total.p) / int(total.q) - 1) > ROW_SUM_TOL:", "if False:",
      tests=T_TABLE),
    M("table-state-revealed-as-masked", PR, "idx = tuple(slice(0, q) if j in B else q for j in range(L))",
      "idx = tuple(slice(0, q) if j in B else 0 for j in range(L))", tests=T_TABLE),
    M("subclass-batched-as-builtin", PR, "    if type(pred).conditional is not Predictor.conditional:\n        return \"custom\"",
      "    if False:\n        return \"custom\"", tests=T_TABLE),
    # ---------------------------------------------------------------- adaptive.py (decision code)
    M("adaptive-confidence-tiebreak-reversed", A,
      "            return 1 if cb > ca else -1\n        return (a > b) - (a < b)",
      "            return 1 if cb > ca else -1\n        return (a < b) - (a > b)"),
    M("adaptive-sign-eta-no-radius", A,
      "open_ = np.abs(d) <= self._rad(lin)", "open_ = np.abs(d) < 0"),
    M("adaptive-sign-eta-one-no-radius", A,
      "        if abs(d) > self._rad(lin):\n            return 1 if d > 0 else -1",
      "        if abs(d) >= 0:\n            return 1 if d > 0 else -1"),
    M("adaptive-cmp-entropy-no-radius", A, "if abs(d) > 4 * RAD_H:", "if abs(d) >= 0:"),
    M("adaptive-cmp-confidence-no-radius", A, "if abs(d) > RAD_C:\n            return 1 if d > 0 else -1\n        ca",
      "if abs(d) >= 0:\n            return 1 if d > 0 else -1\n        ca"),
    M("adaptive-conf-tau-no-radius", A,
      "        if abs(d) > RAD_C:\n            return 1 if d > 0 else -1\n        c = self.conf_exact(k, a)",
      "        if abs(d) >= 0:\n            return 1 if d > 0 else -1\n        c = self.conf_exact(k, a)"),
    M("adaptive-conf-tau-tie-below", A, "return (c > tau) - (c < tau)", "return (c > tau) - (c <= tau)"),
    M("adaptive-prune-no-radius", A,
      "return bool(np.all(fvals - self.ctx.thr_f > RAD_H * (nterms + 2) * (1 + abs(self.ctx.thr_f))))",
      "return bool(np.all(fvals - self.ctx.thr_f > 0))"),
    M("adaptive-rad-h-shrunk", A, "RAD_H = 2.0**-22", "RAD_H = 2.0**-60"),
    M("adaptive-rad-c-shrunk", A, "RAD_C = 2.0**-26", "RAD_C = 2.0**-60"),
    M("adaptive-excess-drops-min", A,
      "if view.cmp_entropy(k, a, top) > 0:", "if view.cmp_entropy(k, a, top) < 0:"),
    M("adaptive-budget-strict", A,
      "le = view.sign_eta_one(k, view.Hf[k, a], {a: 1}) <= 0", "le = view.sign_eta_one(k, view.Hf[k, a], {a: 1}) > 0"),
    M("adaptive-certmax-same-form-ignores-const", A,
      "if new._terms == cur._terms and new._const == cur._const:", "if new._terms == cur._terms:"),
    M("adaptive-stats-only-float-max", A,
      "near = np.flatnonzero(vals >= top - 16 * RAD_H * (len(idx) + 2) * (1 + abs(top)))",
      "near = np.flatnonzero(vals >= top)"),
    M("adaptive-steps-ge2-strict", A, "if len(B) >= 2:", "if len(B) > 2:"),
    # ---------------------------------------------------------------- sizelaws.py
    M("sizelaws-odds-first-odds", SZ, "d = a + b * (L - 1)", "d = a + b * L"),
    M("sizelaws-round-down", SZ, "_clip((2 * a + b) // (2 * b), left)", "_clip(a // b, left)"),
    M("sizelaws-clip-allows-zero", SZ, "return min(left, max(1, s))", "return min(left, max(0, s))"),
    M("sizelaws-random-rounding-swapped", SZ,
      "for p, s in ((b - rem, fl), (rem, fl + 1)):", "for p, s in ((rem, fl), (b - rem, fl + 1)):"),
    M("sizelaws-grow-off-by-one", SZ, "_split(r * n, L - n, randomized)", "_split(r * (n + 1), L - n, randomized)"),
    M("sizelaws-shrink-off-by-one", SZ, "_split(r * (L - n), L - n, randomized)", "_split(r * (L - n - 1), L - n, randomized)"),
    M("sizelaws-uniform-A-off-by-one", SZ,
      "[1 - fmpq(comb(n - 1, K - 1), top) for n in range(1, L)]", "[1 - fmpq(comb(n, K - 1), top) for n in range(1, L)]"),
    M("sizelaws-uniform-P", SZ, "[fmpq(K - 1, L - 1)] * (L - 1)", "[fmpq(K, L - 1)] * (L - 1)"),
    M("sizelaws-uniform-K-equal-L-refused", SZ, "if not 1 <= K <= L:", "if not 1 <= K < L:"),
    M("sizelaws-uniform-max-block", SZ, 'self._cache["smax"] = self.L - self.params["K"] + 1',
      'self._cache["smax"] = self.L - self.params["K"]'),
    M("sizelaws-binomial-A-exponent", SZ, "GA = symmetric_sums(N, L - 1)", "GA = symmetric_sums(N, L)"),
    M("sizelaws-binomial-P-sign", SZ, "P.append(fmpq(binom * (GP[n] - HP[n]), D))",
      "P.append(fmpq(binom * (GP[n] + HP[n]), D))"),
    M("sizelaws-binomial-mirror", SZ, "return S + [S[e - n] for n in range(half + 1, e + 1)]",
      "return S + [S[e - n - 1] for n in range(half + 1, e + 1)]"),
    M("sizelaws-binomial-cumulative-pi", SZ, "R = list(accumulate(pi[:-1], initial=Fraction(0)))",
      "R = list(accumulate(pi[1:], initial=Fraction(0)))"),
    M("sizelaws-forward-counts-empty-steps", SZ, "            if s > 0:\n                P[n] = P[n] + w",
      "            if s >= 0:\n                P[n] = P[n] + w"),
    M("sizelaws-binomial-max-iterations", SZ, "min(nz, L), lambda: mdm(", "min(nz, L - 1), lambda: mdm("),
    M("sizelaws-uniform-max-iterations", SZ, 'SizeLaw("uniform", spec, L, {"K": K}, K, build, closed)',
      'SizeLaw("uniform", spec, L, {"K": K}, L, build, closed)'),
    # ---------------------------------------------------------------- float enclosures (issue 19)
    M("floatlaw-radius-halved", FL, "return nu / (1 - nu)", "return nu / (2 - nu)", T_FLOAT),
    M("floatlaw-weight-count-zero", FL, "WEIGHT_COUNT = 3", "WEIGHT_COUNT = 0", T_FLOAT),
    M("floatlaw-no-pattern-sum", FL, "c += s * (nc + 1) + comb(n + s, s) - 1", "c += s * (nc + 1)", T_FLOAT),
    M("floatlaw-factor-count", FL, "c += s * (nc + 1) + comb(n + s, s) - 1", "c += s + comb(n + s, s) - 1", T_FLOAT),
    M("floatlaw-child-sum-uncounted", FL, "own = max(got) + len(got) - 1", "own = max(got)", T_FLOAT),
    M("floatlaw-division-count", FL, "c = marginal_count(L, q, n + 1) + 2 * marginal_count(L, q, n) + 1",
      "c = marginal_count(L, q, n + 1) + 1", T_FLOAT),
    M("floatlaw-marginal-count", FL, "return 1 + (L - k) * (q - 1)", "return 1", T_FLOAT),
    M("floatlaw-mix-count", FL, "return c + 3 if kind == \"mix\" else c", "return c", T_FLOAT),
    M("floatlaw-unit-ball-gamma", FL, "return arb(1, gamma / (1 - gamma))", "return arb(1, gamma / 1000)", T_FLOAT),
    M("floatlaw-kl-sign", FL, "return sup.plogp - total + arb(0, log_radius(enc.gamma))",
      "return total - sup.plogp + arb(0, log_radius(enc.gamma))", T_FLOAT),
    M("floatlaw-ser-always-zero", FL, "if not np.any(vals != 0):", "if True:", T_FLOAT),
    M("floattwin-temp-float-formula", FT, 'if kind not in ("perfect", "mix"):', "if False:", T_FLOAT),
    M("floatverdict-straddle-certifies", FV, "    else:\n        return None", "    else:\n        status = \"certified\"", T_FLOAT),
    M("floatverdict-eq-proves", FV, 'status = "refuted" if relation == "==" else "certified"',
      'status = "tight" if relation == "==" else "certified"', T_FLOAT),
    M("floatverdict-ge-margin-swapped", FV, 'if relation == ">=" else _difference(rhs, lhs)',
      'if relation == "<=" else _difference(rhs, lhs)', T_FLOAT),
    M("floatcheck-balls-as-exact", FC, "exact_sides=not proxy.balls", "exact_sides=True", T_FLOAT),
]

# ---------------------------------------------------------------- WLL26 / CCL25 (plans.py bisection,
# the adaptive chain side, CCL25's step count and the minimax budget search)
P = "verify/engine/plans.py"
C25 = "proofs_numeric/ccl25.py"
T_WLL26 = ("tests/test_wll26.py",)
T_CCL25 = ("tests/test_ccl25.py",)
MUTANTS += [
    M("bisect-central-block-ceil", P, "left = (ell - m) // 2", "left = (ell - m + 1) // 2", T_WLL26),
    M("bisect-block-order-reversed", P, "block = [t[r] for t in targets if r < len(t)]",
      "block = [t[-1 - r] for t in targets if r < len(t)]", T_WLL26),
    M("bisect-stage-in-one-round", P, "block = [t[r] for t in targets if r < len(t)]",
      "block = [v for t in targets for v in t] if r == 0 else []", T_WLL26),
    M("bisect-short-segment-split", P, "            if ell > m:\n                left",
      "            if ell > 2 * m:\n                left", T_WLL26),
    M("bisect-rounds-floor", P, "ell = -(-(ell - m) // 2)", "ell = (ell - m) // 2", T_WLL26),
    M("bisect-bound-off-by-one", P, "while m << j < L:", "while m << j <= L:", T_WLL26),
    M("bisect-m-equal-L-accepted", P, "if not 1 <= m < L:", "if not 1 <= m <= L:", T_WLL26),
    M("chain-skips-pairs", A, "if chain and len(B) >= 2:", "if chain and len(B) >= 3:", T_WLL26),
    M("chain-joint-not-conditional", A, "joint = safe_div(full_form(m.marginal(A), A, L), pS,",
      "joint = safe_div(full_form(m.marginal(A), A, L), pS * pS,", T_WLL26),
    M("chain-marginal-log-doubled", A, "terms.add(-(wB * pj), pj)", "terms.add(-(wB * pj), pj * pj)", T_WLL26),
    M("chain-sampler-law-weight", A, "_add_batch_tc(tc_terms, m, S, B, A, pS, wB, pcache, exact)",
      "_add_batch_tc(tc_terms, m, S, B, A, pS, g * PB, pcache, exact)", T_WLL26),
    M("ccl25-floor-of-ratio", C25, "c = 1 + math.ceil(r)", "c = 1 + math.floor(r)", T_CCL25),
    M("ccl25-budget-search-strict", C25, "if _minimax_bounds(L, mid)[1] <= target:",
      "if _minimax_bounds(L, mid)[1] < target:", T_CCL25),
    # ---------------------------------------------------------------- W26 samplers and bounds
    M("w26-graph-beta-unconditional", WL,
      "        beta = (g[j + 1] - g[j]) / (1 - g[j])\n        for n in range(L):\n            m = L - n",
      "        beta = g[j + 1] - g[j]\n        for n in range(L):\n            m = L - n", T_W26),
    M("w26-closed-beta-unconditional", WL, "beta = (g[j + 1] - g[j]) / (one - g[j])", "beta = g[j + 1] - g[j]", T_W26),
    M("w26-serial-start-hazard", WL, "up = tail[n + 1] / tail[n]", "up = tail[n + 1]", T_W26),
    M("w26-default-start-parallel", WL, 'kv.get("start", "single")', 'kv.get("start", "parallel")', T_W26),
    M("w26-serial-finish-cumulative", WL, "            cum += occ[n]", "            cum = occ[n]", T_W26),
    M("w26-geo-first-odds", WL, "o, top, out = Fraction(1, L - 1), Fraction(L - 1), []",
      "o, top, out = Fraction(1, L), Fraction(L - 1), []", T_W26),
    M("w26-geo-no-cap", WL, "o = min(o * (1 + rho), top)", "o = o * (1 + rho)", T_W26),
    M("w26-psi-odds-base-no-plus-one", WL, "c = (1 + Fraction(rho)) * Fraction(a + 1, L - a - 1)",
      "c = (1 + Fraction(rho)) * Fraction(a, L - a)", T_W26),
    M("w26-psi-odds-round-half-up", WL, "nxt = min(A, max(a + 1, floor(c * L / (1 + c))))",
      "nxt = min(A, max(a + 1, floor(c * L / (1 + c) + Fraction(1, 2))))", T_W26),
    M("w26-psi-odds-N-strict", WL, "return ratio ** N <= R", "return ratio ** N < R", T_W26),
    M("w26-psi-odds-no-last-singleton", WL, "    sizes.append(1)\n    return tuple(sizes)",
      "    sizes[-1] += 1\n    return tuple(sizes)", T_W26),
    M("w26-ugc-bernstein-weight", WB, "fmpq((k + 1) * (L - 1 - k), L + 1)", "fmpq((k + 1) * (L - k), L + 1)", T_W26),
    M("w26-ugc-card-weight", WB, "fmpq(j * (L - j), L)", "fmpq(j * (L - j), L * L)", T_W26),
    M("w26-card-odds-without-plus-one", WB, "_psi(fmpq(y, L)) / _psi(fmpq(x + 1, L)) - 1",
      "_psi(fmpq(y, L)) / _psi(fmpq(x, L)) - 1", T_W26),
    M("w26-ber-factor-minus-one", WB, "_psi(b) / _psi(a) - 1)", "_psi(b) / _psi(a))", T_W26),
    M("w26-start-cost-as-completion", WB,
      'cost = block_cost(h, 0, n) if which == "start" else block_cost(h, n, L - n)',
      'cost = block_cost(h, n, L - n)', T_W26),
]

# ---------------------------------------------------------------- deepcost: the CCL25 K_mm search
# across ratios and W26.L5's sign shortcut (tests/test_ccl25.py, tests/test_w26.py)
W26P = "proofs_numeric/w26.py"
MUTANTS += [
    M("ccl25-bracket-skips-one", C25, "lo = max(lo, K + 1)", "lo = max(lo, K + 2)", T_CCL25),
    M("ccl25-ratios-not-monotone-start", C25, "out[r] = start = lo", "out[r] = start = lo + 1", T_CCL25),
    M("w26-l5-trivial-pair-as-tie", W26P, "if any(sD[k - 1] != 0 for k, _ in ms):", "if True:",
      ("tests/test_w26.py",)),
    M("w26-l5-negative-D-accepted", W26P, "if any(x < 0 for x in sD):", "if any(x < -1 for x in sD):",
      ("tests/test_w26.py",)),
]

# ---------------------------------------------------------------- float enclosures of the adaptive chain
# (floatlaw.ChainTrace, adaptive.run_chain(trace=...), floattwin.FloatTwin.adaptive, floatcheck)
T_AFLOAT = ("tests/test_adaptive_float_enclosures.py",)
FCK = "verify/claims/floatcheck.py"
MUTANTS += [
    M("adaptenc-weight-count-zero", FL, "ADAPTIVE_WEIGHT_COUNT = 2  #", "ADAPTIVE_WEIGHT_COUNT = 0  #", T_AFLOAT),
    M("adaptenc-child-g-no-conditionals", A, "c_child[1].append(c_g + c_pb + 1 + len(B) * (trace.cond_count(n) + 1))",
      "c_child[1].append(c_g + c_pb + 1)", T_AFLOAT),
    M("adaptenc-child-sum-uncounted", A, "return max(counts) + len(counts) - 1", "return max(counts)", T_AFLOAT),
    M("adaptenc-wD-no-marginal-count", A, "c_w = trace.marginal_count(n) + c_rho + 1", "c_w = c_rho + 1", T_AFLOAT),
    M("adaptenc-kl-weight-no-perfect-count", A, "+ trace.perfect_count(n) + 1, n)", "+ 1, n)", T_AFLOAT),
    M("adaptenc-mass-additions-uncounted", FL, "(float(arr.sum()), count + arr.size - 1)", "(float(arr.sum()), count)",
      T_AFLOAT),
    M("adaptenc-mass-no-unit-ball", FL, "return total * _unit_ball(gamma)", "return total", T_AFLOAT),
    M("adaptenc-cross-total-weight-one", FT, "chain_cross_entropy_ball(self.trace.cross[name], self.L)",
      "chain_cross_entropy_ball(self.trace.cross[name], 1)", T_AFLOAT),
    M("adaptenc-cross-min-count", FL, "max(p[2] for p in parts), max(p[3] for p in parts)",
      "min(p[2] for p in parts), min(p[3] for p in parts)", T_AFLOAT),
    M("adaptenc-ekl-sign-of-H", FT, "FloatBall(-H.enclose(128) - T, name)", "FloatBall(H.enclose(128) - T, name)",
      T_AFLOAT),
    M("adaptenc-underflow-ignored", FT, "if trace.underflow_safe(self.target.pmf):", "if True:", T_AFLOAT),
    M("adaptenc-underflow-weights-ignored", FL, "low = _min_positive_log2(pmf) + L * self.min_weight_log2 + (L + 1) * self.min_cond_log2",
      "low = _min_positive_log2(pmf)", T_AFLOAT),
    M("adaptenc-temp-enclosed", FT, 'if kind in ("perfect", "mix") and rule.kind != "function"',
      'if rule.kind != "function"', T_AFLOAT),
    M("adaptenc-cached-law-of-another-state", A, "law = None if laws_cache is None else laws_cache.get(S)",
      "law = None if laws_cache is None else laws_cache.get(S[:-1])", T_AFLOAT),
    M("adaptenc-singletons-if-any-zero", FL, "return all(v == 0.0 for v, _ in self.masses[\"ge2\"])",
      "return any(v == 0.0 for v, _ in self.masses[\"ge2\"])", T_AFLOAT),
    M("adaptenc-one-block-any-single-root-batch", FL, "return self.root == [(self.L, 1)]", "return len(self.root) == 1",
      T_AFLOAT),
    M("adaptenc-adaptive-metrics-as-plain", FCK,
      "v = enclosed_adaptive_metric(twin, name, inst.schedule, inst.predictor, H, decided,",
      "v = (lambda *a, **k: enclosed_metric(twin, name, inst.schedule, inst.predictor, H))(decided,", T_AFLOAT),
    M("adaptenc-display-values-dropped", FCK, "        _keep_for_display(inst, proxy.values)", "        pass", T_AFLOAT),
]


# ---------------------------------------------------------------- zero test fast path (issue 19 item 2):
# splitting.py (multi-limb integers split over the form's primes), logforms._prime_exponents,
# verdicts._combine_prime_reductions
SP = "verify/certify/splitting.py"
T_ZERO = ("tests/test_zerotest.py", "tests/test_certify.py", "tests/test_ties.py")
MUTANTS += [
    M("split-horner-no-shift", SP, "        np.left_shift(r, shift, out=r)\n", "", T_ZERO),
    M("split-width-bound-too-high", SP, "_WIDTHS = ((32, 1 << 32), (16, 1 << 48))",
      "_WIDTHS = ((32, 1 << 40), (16, 1 << 56))", T_ZERO),
    M("split-skips-large-primes", SP, "    if large:\n", "    if False:\n", T_ZERO),
    M("split-repeated-prime-once", SP, "factors.append((p, v + 1))", "factors.append((p, 1))", T_ZERO),
    M("split-usual-case-keeps-g", SP, "out.append((tuple((p, 1) for p in ps), q))",
      "out.append((tuple((p, 1) for p in ps), x))", T_ZERO),
    M("split-remove-float-guess-trusted", SP, "    if p**v != pv:\n        raise", "    if False:\n        raise",
      T_ZERO),
    M("split-remove-two-off-by-one", SP, "        v = (q & -q).bit_length() - 1", "        v = (q & -q).bit_length()", T_ZERO),
    M("split-remove-off-by-one", SP, "    return v, q // pv", "    return v - 1, q // pv", T_ZERO),
    M("zerotest-leftover-dropped", LF, "            _remember_split(c, factors, r)\n            if r != 1:\n                leftover[r] = leftover.get(r, 0) + w",
      "            _remember_split(c, factors, r)\n            if r != 1:\n                pass", T_ZERO),
    M("zerotest-remembered-leftover-dropped", LF, "            if r != 1:\n                leftover[r] = leftover.get(r, 0) + w\n        for f, e in fac:",
      "            if r != 1:\n                pass\n        for f, e in fac:", T_ZERO),
    M("zerotest-leftover-claims-prime", LF, "            return D, {int(b): int(w) for b, w in exps.items()}, False",
      "            return D, {int(b): int(w) for b, w in exps.items()}, True", T_ZERO),
    M("zerotest-one-limb-part-not-factored", LF, "                factors, r = factors + _full_factor(r), 1",
      "                factors, r = factors + ((r, 1),), 1", T_ZERO),
    M("zerotest-split-weight-ignores-exponent", LF, "                exps[p] = pget(p, 0) + w * v",
      "                exps[p] = pget(p, 0) + w", T_ZERO),
    M("zerotest-no-always-tried-primes", LF, "    exps: dict = dict.fromkeys(_ALWAYS_TRIED, 0)",
      "    exps: dict = {}", T_ZERO),
    M("zerotest-partial-split-remembered-as-complete", LF, "            _remember_split(c, factors, r)",
      "            _remember_split(c, factors)", T_ZERO),
    M("combine-scale-denominator-dropped", V, "            den = int(scale.q) * D", "            den = D", T_ZERO),
    M("combine-skips-prime-check", V, "        if red is None:\n            return None",
      "        if red is None:\n            continue", T_ZERO),
    M("merge-weights-scale-denominator-dropped", LF, "        den = int(s.q) * D\n        L = math.lcm(L, den)",
      "        den = D\n        L = math.lcm(L, den)", T_ZERO),
    M("merge-weights-drops-constant", V, "        const += scale * leaf.const\n", "        pass\n", T_ZERO),
    M("combine-drops-constant", V, "        const += scale * c0\n        if exps:", "        if exps:", T_ZERO),
]

# twins of exact forms (issue 19): each twin must keep its form's exact value
T_TWIN = ("tests/test_twins.py",)
NU = "verify/engine/numbers.py"
MUTANTS += [
    M("twin-own-conditional-unchecked", NU, "        if jk != 0 and c[k] * m[k] != jk:", "        if False:", T_TWIN),
    M("twin-sum-drops-scale", LF, "        s = _ONE if scale is None else to_rational(scale)", "        s = _ONE", T_TWIN),
    M("twin-learning-sign", "verify/engine/training.py", "[(-c, g) for c, g in own.twin_parts()]",
      "[(c, g) for c, g in own.twin_parts()]", T_TWIN),
    M("twin-plan-learning-parts-sign", "verify/engine/training.py", "(-one, cross_entropy(m, PERFECT, i, U))",
      "(one, cross_entropy(m, PERFECT, i, U))", T_TWIN),
    M("twin-plan-terms-key-drops-U", "verify/claims/instances.py", "keys += [(i, U, positions is not None) for i in block]",
      "keys += [(i, (), positions is not None) for i in block]", T_TWIN),
    M("twin-factored-drops-marginal-atom", NU, "    return log_sum(joint, joint, True) - log_sum(joint, marg, True)",
      "    return log_sum(joint, joint, True)", T_TWIN),
    M("twin-plan-positions-shifted", "verify/engine/laws.py",
      "            t = own_conditional_log_sum(pa, f, positions[j]) if positions is not None else None",
      "            t = own_conditional_log_sum(pa, f, positions[j - 1]) if positions is not None else None", T_TWIN),
    M("twin-never-used", V, "    if logforms.USE_TWINS and any(leaf.prefers_twin() for _, leaf in leaves):",
      "    if False:", T_TWIN),
]

# grouped zero test, lazy claim sides, and the exact mixture law's shortcuts (issue 19)
T_LAWS = ("tests/test_law_shortcuts.py",)
LW = "verify/engine/laws.py"
MUTANTS += [
    M("grouped-sign-ignored", V, "[leaf, 0])[1] += 1 if s > 0 else -1", "[leaf, 0])[1] += 1", T_ZERO),
    M("grouped-scale-dropped", V, "        total += a * c\n", "        total += c\n", T_ZERO),
    M("grouped-rational-leaf-dropped", V, "            total += s * leaf.const\n", "            pass\n", T_ZERO),
    M("lazy-scale-dropped", "verify/claims/symbolic.py", "return r * x if _small(x) else Scaled(r, x)",
      "return r * x if _small(x) else Scaled(1, x)", ("tests/test_symbolic_certified.py",)),
    M("context-free-unchecked", LW, "        if not all((flat[r] == out[A[:, r]].T[:, None, :]).all() for r in range(n + 1)):",
      "        if False:", T_LAWS),
    M("points-rank-ignored", LW, "        idx = [pts[:, A[:, r]]] + [pts[:, A[:, j]] for j in range(n + 1) if j != r] + [batch]",
      "        idx = [pts[:, A[:, 0]]] + [pts[:, A[:, j]] for j in range(n + 1) if j != 0] + [batch]", T_LAWS),
    M("w26-lazy-unit-vector-doubled", "verify/claims/instances.py", "        e[k] = rational(1, True)",
      "        e[k] = rational(2, True)", T_W26),
    M("points-weight-dropped", LW, "                x = layer[:, Bidx] * w\n", "                x = layer[:, Bidx]\n", T_LAWS),
    M("walk-drops-merged-value", LW, "                prev += out  # in place: a fresh array of this walk",
      "                pass", T_LAWS),
]


def _copy_tree(dest: Path) -> None:
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, dest / name)


def _run_tests(work: Path, tests: tuple, timeout: float) -> tuple:
    """(status, seconds, last line): pytest -x on the selection in the scratch copy."""
    env = dict(os.environ, PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    t0 = time.monotonic()
    try:
        out = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - t0, f"no result in {timeout:.0f} s"
    lines = [ln for ln in out.stdout.splitlines() if ln.strip()]
    tail = lines[-1] if lines else out.stderr.strip().splitlines()[-1:]
    return ("passed" if out.returncode == 0 else "failed"), time.monotonic() - t0, str(tail)


def _apply(work: Path, mutant: Mutant) -> str | None:
    """Apply the edit in the scratch copy; the original text, to restore, or None if stale."""
    path = work / mutant.file
    text = path.read_text()
    if text.count(mutant.original) != 1:
        return None
    path.write_text(text.replace(mutant.original, mutant.replacement))
    return text


def run_one(work: Path, mutant: Mutant, timeout: float) -> dict:
    before = _apply(work, mutant)
    if before is None:
        return {"name": mutant.name, "status": "stale", "seconds": 0.0, "detail": "original text not found exactly once"}
    try:
        status, secs, tail = _run_tests(work, mutant.selection(), timeout)
    finally:
        (work / mutant.file).write_text(before)
    verdict = "survived" if status == "passed" else "killed"
    return {"name": mutant.name, "status": verdict, "seconds": round(secs, 1), "detail": tail,
            "tests": list(mutant.selection()), "issue": mutant.issue}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--only", action="append", default=[], help="run only this mutant (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel scratch copies (default 1)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant run (default 180)")
    ap.add_argument("--tests", nargs="+", help="override every mutant's test selection")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = ap.parse_args(argv)
    names = [m.name for m in MUTANTS]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        print(f"mutate: error: duplicate mutant names {sorted(dup)}", file=sys.stderr)
        return 2
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:48s} {m.file}{'  (issue 20)' if m.issue else ''}")
        print(f"{len(MUTANTS)} mutants")
        return 0
    unknown = [n for n in args.only if n not in names]
    if unknown:
        print(f"mutate: error: --only: unknown mutant(s) {unknown}; accepted: a name from --list", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("mutate: error: --jobs: must be >= 1", file=sys.stderr)
        return 2
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.tests:
        chosen = [Mutant(m.name, m.file, m.original, m.replacement, tuple(args.tests), m.issue) for m in chosen]
    scratch = Path(tempfile.mkdtemp(prefix="verify-mutate-"))
    works = []
    try:
        for j in range(args.jobs):
            w = scratch / f"job{j}"
            w.mkdir()
            _copy_tree(w)
            works.append(w)
        if not args.no_baseline:
            for sel in sorted({m.selection() for m in chosen}):
                status, secs, tail = _run_tests(works[0], sel, args.timeout * 3)
                print(f"baseline {' '.join(sel)}: {status} in {secs:.0f} s ({tail})", flush=True)
                if status != "passed":
                    print("mutate: error: the unmutated tree fails its tests; fix that first", file=sys.stderr)
                    return 1
        results = []
        free = list(works)

        def task(m: Mutant) -> dict:
            w = free.pop()
            try:
                return run_one(w, m, args.timeout)
            finally:
                free.append(w)

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for res in pool.map(task, chosen):
                results.append(res)
                print(f"{res['status']:8s} {res['name']:48s} {res['seconds']:6.1f} s  {res['detail'][:80]}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ran = [r for r in results if r["status"] != "stale"]
    killed = [r for r in ran if r["status"] == "killed"]
    survived = [r["name"] for r in ran if r["status"] == "survived"]
    stale = [r["name"] for r in results if r["status"] == "stale"]
    rate = len(killed) / len(ran) if ran else 0.0
    print(f"\nkilled {len(killed)} of {len(ran)} mutants ({100 * rate:.1f} %)")
    if survived:
        print("survived: " + ", ".join(survived))
    if stale:
        print("stale (original text not found): " + ", ".join(stale))
    issue_left = [r["name"] for r in ran if r["issue"] and r["status"] != "killed"]
    if issue_left:
        print("issue-20 mutants not killed: " + ", ".join(issue_left))
    if args.json:
        Path(args.json).write_text(json.dumps({"killed": len(killed), "ran": len(ran), "rate": rate,
                                               "survived": survived, "stale": stale, "results": results}, indent=1))
    return 0 if not issue_left and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
