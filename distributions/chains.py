"""Sequential laws: Markov chains, n-gram (order-n) chains, hidden Markov chains, 3-colouring chain.

Every law is built left to right, p(x_1..x_{i+1}) = p(x_1..x_i) · K(x_{i+1} | context), with the
same array code for float64 and for fmpq entries. Seeded tables come from
``numpy.random.default_rng(seed)`` quantised to integer weights, so their rows are exact rationals.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import fmpq

from verify.engine.target import refuse_if_too_large

from .rationals import (chain_extend, law_from_weights, number_array, quantised_simplex, row_total,
                        stochastic_rows)


# --- first-order Markov chains -------------------------------------------------------------

def symmetric_transition(q: int, flip) -> list[list[Fraction]]:
    """T[a][b] = 1 − ρ if a = b, else ρ/(q − 1): stay with probability 1 − ρ, else move uniformly."""
    rho = Fraction(flip)
    return [[1 - rho if a == b else rho / (q - 1) for b in range(q)] for a in range(q)]


def markov_parameters(q: int, flip=None, seed: int | None = None, exact: bool = False):
    """(start, T): the initial law and transition matrix of ``markov``, in the requested number type.

    ``flip=ρ``: uniform start and :func:`symmetric_transition` (the binary symmetric chain at q = 2).
    ``seed``: start and each row of T are seeded Dirichlet(1) draws with full support.
    """
    if (flip is None) == (seed is None):
        raise ValueError("give exactly one of flip, seed")
    if flip is not None:
        return (number_array([Fraction(1, q)] * q, exact),
                number_array(symmetric_transition(q, flip), exact))
    rng = np.random.default_rng(seed)
    start = quantised_simplex(rng, (q,), 1.0, keep_positive=True)
    trans = quantised_simplex(rng, (q, q), 1.0, keep_positive=True)
    return stochastic_rows(start, exact), stochastic_rows(trans, exact)


def markov_law(L: int, q: int, flip=None, seed: int | None = None, exact: bool = False) -> np.ndarray:
    """p(x) = μ(x_1) Π_{i<L} T(x_i, x_{i+1})  (see :func:`markov_parameters` for μ and T).

    With ``flip=ρ``: p(x) = (1/q) (1−ρ)^{L−1−c(x)} (ρ/(q−1))^{c(x)}, c(x) = #{i : x_i ≠ x_{i+1}},
    and every consecutive pair has law P(x_i = a, x_{i+1} = b) = T(a, b)/q.
    """
    refuse_if_too_large(q, L, exact)
    start, trans = markov_parameters(q, flip, seed, exact)
    law = start
    for _ in range(L - 1):
        law = chain_extend(law, trans)
    return law


# --- order-n chains ------------------------------------------------------------------------

def ngram_parameters(q: int, n: int, seed: int, alpha=1, exact: bool = False):
    """(initial, C): the law of the first n−1 tokens (shape (q,)*(n−1)) and the conditional table
    C[x_{i−n+1}, …, x_{i−1}, x_i] (shape (q,)*n, each last-axis row a law).

    Both are seeded Dirichlet(alpha) draws quantised to integers; small alpha makes rows sparse.
    """
    rng = np.random.default_rng(seed)
    init = quantised_simplex(rng, (q ** (n - 1),), float(alpha), keep_positive=False)
    cond = quantised_simplex(rng, (q,) * n, float(alpha), keep_positive=False)
    return law_from_weights(init.reshape((q,) * (n - 1)), exact), stochastic_rows(cond, exact)


def ngram_law(L: int, q: int, n: int, seed: int, alpha=1, exact: bool = False) -> np.ndarray:
    """p(x) = p_0(x_1..x_{n−1}) Π_{i ≥ n} C(x_i | x_{i−n+1}..x_{i−1})  (order n, 1 ≤ n ≤ L).

    n = 1 is an i.i.d. law, n = 2 a first-order Markov chain with a random start.
    """
    if not 1 <= n <= L:
        raise ValueError("need 1 <= n <= L")
    refuse_if_too_large(q, L, exact)
    law, cond = ngram_parameters(q, n, seed, alpha, exact)
    for _ in range(L - (n - 1)):
        law = chain_extend(law, cond)
    return law


# --- hidden Markov chains ------------------------------------------------------------------

def hmm_parameters(q: int, states: int, seed: int, exact: bool = False):
    """(π, A, B): start law on hidden states, transition A[h, h'], emission B[h, x]; seeded, full support."""
    rng = np.random.default_rng(seed)
    start = quantised_simplex(rng, (states,), 1.0, keep_positive=True)
    trans = quantised_simplex(rng, (states, states), 1.0, keep_positive=True)
    emit = quantised_simplex(rng, (states, q), 1.0, keep_positive=True)
    return stochastic_rows(start, exact), stochastic_rows(trans, exact), stochastic_rows(emit, exact)


def hmm_law(L: int, q: int, states: int, seed: int, exact: bool = False) -> np.ndarray:
    """p(x) = Σ_h π(h_1) B(h_1, x_1) Π_{i<L} A(h_i, h_{i+1}) B(h_{i+1}, x_{i+1}).

    Forward recursion over α_i(x_1..x_i, h_i) = P(x_1..x_i, h_i), the hidden state as a last axis.
    """
    refuse_if_too_large(q, L, exact)
    if exact:
        return _hmm_law_exact(L, q, states, seed)
    start, trans, emit = hmm_parameters(q, states, seed, exact)
    fwd = (start[:, None] * emit).T  # α_1[x_1, h_1]
    for _ in range(L - 1):
        fwd = (fwd @ trans)[..., None, :] * emit.T  # α_{i+1}[x_1..x_i, x_{i+1}, h_{i+1}]
    return fwd.sum(axis=-1)


def _hmm_law_exact(L: int, q: int, states: int, seed: int) -> np.ndarray:
    # The same forward recursion on Python integers with one division at the end: every row of
    # π, A, B sums to its row_total, so p(x) = (integer) / (D_π · D_A^{L−1} · D_B^L). fmpq
    # arithmetic at every step would reduce q^L·states fractions per position.
    rng = np.random.default_rng(seed)
    start = quantised_simplex(rng, (states,), 1.0, keep_positive=True).astype(object)
    trans = quantised_simplex(rng, (states, states), 1.0, keep_positive=True).astype(object)
    emit = quantised_simplex(rng, (states, q), 1.0, keep_positive=True).astype(object)
    fwd = (start[:, None] * emit).T
    for _ in range(L - 1):
        fwd = (fwd @ trans)[..., None, :] * emit.T
    denom = row_total(states) ** L * row_total(q) ** L
    return np.array(np.frompyfunc(lambda v: fmpq(int(v), denom), 1, 1)(fwd.sum(axis=-1)), dtype=object)


# --- proper 3-colourings of a path ---------------------------------------------------------

def coloring3_law(L: int, exact: bool = False) -> np.ndarray:
    """Uniform on proper 3-colourings of the path: p(x) = 1/(3·2^{L−1}) if x_i ≠ x_{i+1} ∀i, else 0.

    The FG25.SER chain (q = 3): each token is uniform on the two colours its left neighbour is not.
    """
    q = 3
    refuse_if_too_large(q, L, exact)
    proper = np.ones((q,) * L, dtype=np.int64)
    for i in range(L - 1):
        proper &= np.not_equal.outer(np.arange(q), np.arange(q)).reshape(
            (1,) * i + (q, q) + (1,) * (L - i - 2)).astype(np.int64)
    return law_from_weights(proper, exact)
