"""Learning-error terms of an imperfect predictor (docs/index.md LC25.TRAIN, D-CHAIN, FG25.SEQ).

ℓ_i(B) = E_p log( p_i(X_i | X_B) / p̂_i(X_i | X_B) ), one log of an exact ratio per term.
"""
from __future__ import annotations

from itertools import combinations

from ..certify.logforms import sum_of_forms
from .info import Marginals
from .laws import cross_entropy
from .numbers import inv_binom, rational, zero
from .plans import Schedule
from .predictors import PERFECT, Predictor


def learning_term(m: Marginals, predictor: Predictor, i: int, B: tuple):
    """ℓ_i(B) = Σ_{x_B, x_i} p_{B∪i}(x) log(p_i(x_i | x_B) / p̂_i(x_i | x_B)) (0 where p_{B∪i} = 0).

    log p − log p̂ as two terms: each value is a small rational, while their ratio would have
    multi-limb numerators whose factorisation the exact zero test (docs/index.md §7) would pay for.
    The two terms are the cross-entropies CE_i(B) of p̂ and of p itself (``laws.cross_entropy``),
    memoised there per (predictor, i, B): D-CHAIN's plans, LC25's masked levels and the E KL
    levels of one target all ask for the same pairs.
    """
    hat, own = cross_entropy(m, predictor, i, tuple(B)), cross_entropy(m, PERFECT, i, tuple(B))
    out = hat - own
    if m.exact and own.has_twin():  # the zero test's twin: the difference of the twins
        out.with_twin(parts=lambda: [(c, g) for c, g in hat.twin_parts()] + [(-c, g) for c, g in own.twin_parts()])
    return out


def masked_learning_level(m: Marginals, predictor: Predictor, n_masked: int, cache: dict | None = None):
    """λ(M) averaged over uniform masked sets: C(L, |M|)^{-1} Σ_{|M|} Σ_{i∈M} ℓ_i([L]∖M)."""
    if cache is not None and n_masked in cache:
        return cache[n_masked]
    L = m.L

    def terms():
        return [learning_term(m, predictor, i, tuple(j for j in range(L) if j not in M))
                for M in combinations(range(L), n_masked) for i in M]

    if m.exact:
        out = sum_of_forms(terms(), inv_binom(L, n_masked, True))
        if out.has_twin():
            # the twin is rebuilt from the memoised cross-entropies when asked, so that the level
            # does not keep its L·C(L−1, |M|−1) learning-term forms alive for the whole run
            out.with_twin(lambda: sum_of_forms(terms(), inv_binom(L, n_masked, True)).twin())
    else:
        out = sum(terms(), zero(False)) * inv_binom(L, n_masked, False)
    if cache is not None:
        cache[n_masked] = out
    return out


def eps_train_parts(m: Marginals, schedule: Schedule, predictor: Predictor, cache: dict | None = None) -> list:
    """LC25's ε_train = E[(L/|M_τ|) Σ_{i∈M_τ} ℓ_i(U_τ)] with P(τ = t) = s_t / L (our reading),
    as terms [(coefficient, λ(|M|))].

    M_τ is the masked set before step τ (|M_τ| = L − n_{τ−1}, uniform given the sizes); for random
    sizes the law of τ is averaged over the size law: Σ_{n,s} W(n,s) · (s/L) · (L/(L−n)) · λ(L−n).
    """
    if predictor.perfect:
        return []
    L, exact = m.L, m.exact
    parts = []
    for (n, s), W in sorted(schedule.size_weights().items()):
        p_tau = rational(W, exact) * rational(s, exact) / rational(L, exact)
        weight = p_tau * rational(L, exact) / rational(L - n, exact)
        parts.append((weight, masked_learning_level(m, predictor, L - n, cache)))
    return parts


def eps_train(m: Marginals, schedule: Schedule, predictor: Predictor, cache: dict | None = None):
    """ε_train as one number (float, or LogLinear in exact mode); see ``eps_train_parts``."""
    total = zero(m.exact)
    for weight, value in eps_train_parts(m, schedule, predictor, cache):
        total = total + value * weight
    return total


def plan_learning(m: Marginals, predictor: Predictor, blocks):
    """Σ_t Σ_{i∈D_t} ℓ_i(U_t) for one plan: the learning term of D-CHAIN."""
    terms: list = []
    U: tuple = ()
    for block in blocks:
        for i in block:
            terms.append(learning_term(m, predictor, i, U))
        U = tuple(sorted(U + tuple(block)))
    return sum_of_forms(terms) if m.exact else sum(terms, zero(False))


def plan_learning_parts(m: Marginals, predictor: Predictor, blocks) -> list:
    """``plan_learning`` as parts [(1, CE_i(U_t; p̂)), (−1, CE_i(U_t; p))] (ℓ_i(U) = CE(p̂) − CE(p)),
    exact mode: the memoised cross-entropies themselves (and their twins), no form per plan."""
    one = rational(1, True)
    parts: list = []
    U: tuple = ()
    for block in blocks:
        for i in block:
            parts += [(one, cross_entropy(m, predictor, i, U)), (-one, cross_entropy(m, PERFECT, i, U))]
        U = tuple(sorted(U + tuple(block)))
    return parts
