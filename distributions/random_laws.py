"""Product laws, Dirichlet random joint laws, and low-entropy laws (uniform on m random words).

Random draws use ``numpy.random.default_rng(seed)`` and are quantised to integer weights
(:func:`distributions.rationals.quantised_simplex`), so the exact law is rational and the float
law is its float value.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from verify.engine.target import refuse_if_too_large

from .rationals import law_from_weights, number, number_array, quantised_simplex, stochastic_rows


def product_law(L: int, q: int, marginals=None, exact: bool = False) -> np.ndarray:
    """p(x) = Π_i p_i(x_i).

    ``marginals``: None (uniform 1/q), one marginal of length q shared by all positions, or an
    (L, q) table of per-position marginals; entries rational (Fraction/int) or already numbers of
    the requested type. TC = DTC = 0.
    """
    refuse_if_too_large(q, L, exact)
    if marginals is None:
        marginals = [Fraction(1, q)] * q
    m = np.asarray(marginals, dtype=object)
    if m.ndim == 1:
        m = np.broadcast_to(m, (L, q))
    m = number_array(m, exact)
    law = np.array(number(1, exact), dtype=object if exact else np.float64)
    for i in range(L):
        law = law[..., None] * m[i]
    return law


def random_marginals(L: int, q: int, seed: int) -> np.ndarray:
    """Integer weights of L seeded Dirichlet(1) marginals, all entries positive; shape (L, q)."""
    rng = np.random.default_rng(seed)
    return quantised_simplex(rng, (L, q), 1.0, keep_positive=True)


def random_product_law(L: int, q: int, seed: int, exact: bool = False) -> np.ndarray:
    """p(x) = Π_i p_i(x_i) with independent seeded Dirichlet(1) marginals p_i (full support)."""
    refuse_if_too_large(q, L, exact)
    return product_law(L, q, stochastic_rows(random_marginals(L, q, seed), exact), exact)


def dirichlet_law(L: int, q: int, alpha, seed: int, exact: bool = False) -> np.ndarray:
    """p ~ Dirichlet(alpha, …, alpha) on the q^L words, quantised to integer weights.

    p(x) = w(x) / D with w the largest-remainder rounding of D · G(x)/Σ_y G(y), G(x) ~ Gamma(alpha)
    i.i.d., D = 2^20 (:func:`distributions.rationals.quantised_simplex`). Words whose share rounds
    to 0 get exactly 0, so small alpha gives sparse laws (the largest word always keeps its mass).
    """
    refuse_if_too_large(q, L, exact)
    rng = np.random.default_rng(seed)
    w = quantised_simplex(rng, (q**L,), float(alpha), keep_positive=False)
    return law_from_weights(w.reshape((q,) * L), exact)


def random_words(L: int, q: int, m: int, seed: int) -> np.ndarray:
    """m distinct seeded words of V^L as an (m, L) int array (C-order digits of the word index)."""
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(q**L, size=m, replace=False))
    return np.stack(np.unravel_index(idx, (q,) * L), axis=1) if L else np.zeros((m, 0), dtype=int)


def lowentropy_law(L: int, q: int, m: int, seed: int, exact: bool = False) -> np.ndarray:
    """Uniform on m distinct seeded random words: p(x) = 1/m on the words, 0 elsewhere; H = log m."""
    refuse_if_too_large(q, L, exact)
    words = random_words(L, q, m, seed)
    w = np.zeros((q,) * L, dtype=np.int64)
    w[tuple(words.T)] = 1
    return law_from_weights(w, exact)

