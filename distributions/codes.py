"""Uniform laws on linear MDS codes [L, k]_q, and the copy law.

An [L, k]_q MDS code is a set of q^k words in which any k positions determine the word and
are jointly uniform, so under the uniform law H(X_A) = min(|A|, k) log q for every A ⊆ [L]
(CLAIMS §4), TC = (L − k) log q and DTC = k log q.

Codes (generator matrix G, codewords m·G mod q for all m ∈ V^k):

- ``repetition`` k = 1, any q:         G = [1 1 … 1]
- ``parity``     k = L − 1, any q:     G = [I_{L−1} | −1], i.e. words with Σ x_i ≡ 0 (mod q)
- ``rs``         Reed–Solomon, q prime, 1 ≤ k ≤ L ≤ q: G[j, i] = a_i^j, evaluation points a_i = i,
                 the words (f(0), …, f(L−1)) for polynomials f of degree < k over F_q
- ``tetracode``  [4, 2]_3:              G = [[1,0,1,1],[0,1,1,2]]

For composite q the repetition and parity codes are taken over Z_q; the MDS property (any k
coordinates uniform and determining the rest) still holds.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from verify.errors import SpecError
from verify.engine.target import refuse_if_too_large

from .rationals import law_from_weights, number

CODES = ("repetition", "parity", "rs", "tetracode")
TETRACODE_GENERATOR = ((1, 0, 1, 1), (0, 1, 1, 2))


def is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


def code_conditions(code: str) -> str:
    return {
        "repetition": "k = 1 (any q >= 2, L >= 1)",
        "parity": "k = L - 1 (any q >= 2, L >= 2)",
        "rs": "q prime, 1 <= k <= L <= q",
        "tetracode": "q = 3, L = 4, k = 2",
    }[code]


def code_fits(code: str, q: int, L: int, k: int) -> bool:
    if code == "repetition":
        return k == 1 and L >= 1
    if code == "parity":
        return L >= 2 and k == L - 1
    if code == "rs":
        return is_prime(q) and 1 <= k <= L <= q
    if code == "tetracode":
        return (q, L, k) == (3, 4, 2)
    raise ValueError(code)


def choose_code(q: int, L: int, k: int, code: str | None = None, field: str = "target.mds") -> str:
    """The code for (q, L, k): ``code`` if it fits, else the first that fits among
    repetition, parity, rs, tetracode. Raises SpecError listing the codes that exist."""
    if code is not None:
        if code not in CODES:
            raise SpecError(f"{field}.code", f"unknown code {code!r}", ", ".join(CODES))
        if not code_fits(code, q, L, k):
            raise SpecError(f"{field}.code", f"no {code} code with q={q}, L={L}, k={k}",
                            f"{code} needs {code_conditions(code)}")
        return code
    for c in CODES:
        if code_fits(c, q, L, k):
            return c
    raise SpecError(f"{field}.k", f"no MDS code [L={L}, k={k}] over q={q} is available",
                    "; ".join(f"{c}: {code_conditions(c)}" for c in CODES))


def generator_matrix(code: str, q: int, L: int, k: int) -> np.ndarray:
    """k × L generator matrix over Z_q (see the module docstring)."""
    if code == "repetition":
        return np.ones((1, L), dtype=np.int64)
    if code == "parity":
        return np.hstack([np.eye(L - 1, dtype=np.int64), np.full((L - 1, 1), q - 1, dtype=np.int64)])
    if code == "rs":
        points = np.arange(L, dtype=np.int64)
        return np.stack([points**j % q for j in range(k)])
    if code == "tetracode":
        return np.array(TETRACODE_GENERATOR, dtype=np.int64)
    raise ValueError(code)


def codewords(code: str, q: int, L: int, k: int) -> np.ndarray:
    """The q^k codewords m·G mod q as a (q^k, L) int array, in C order of the message m."""
    G = generator_matrix(code, q, L, k)
    messages = np.array(list(itertools.product(range(q), repeat=k)), dtype=np.int64).reshape(-1, k)
    words = messages @ G % q
    if len({tuple(w) for w in words}) != q**k:  # G of rank k over Z_q: distinct messages, distinct words
        raise AssertionError(f"{code} generator is not injective for q={q}, L={L}, k={k}")
    return words


def mds_law(q: int, L: int, k: int, code: str | None = None, exact: bool = False) -> np.ndarray:
    """p(x) = q^{−k} if x is a codeword of the [L, k]_q code, else 0; H(X_A) = min(|A|, k) log q."""
    code = choose_code(q, L, k, code)
    refuse_if_too_large(q, L, exact)
    w = np.zeros((q,) * L, dtype=np.int64)
    w[tuple(codewords(code, q, L, k).T)] = 1
    return law_from_weights(w, exact)


def copy_law(L: int, delta, exact: bool = False) -> np.ndarray:
    """X_1 = … = X_L ~ Bernoulli(δ), q = 2: p(0…0) = 1 − δ, p(1…1) = δ, all else 0."""
    refuse_if_too_large(2, L, exact)
    d = Fraction(delta)
    law = np.zeros((2,) * L, dtype=object if exact else np.float64)
    if exact:
        law[...] = number(0, True)
    law[(0,) * L] = number(1 - d, exact)
    law[(1,) * L] = number(d, exact)
    return law
