"""Small exact laws for tests of adaptive rules (Fractions), and their exact targets."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import fmpq

from verify.engine.target import make_target


def exact_target(pmf):
    """The exact target of an object array of Fractions (or numbers Fraction accepts)."""
    arr = np.empty(pmf.shape, dtype=object)
    for idx in np.ndindex(pmf.shape):
        v = Fraction(pmf[idx])
        arr[idx] = fmpq(v.numerator, v.denominator)
    return make_target(arr, pmf.shape[0], pmf.ndim, exact=True)


def product_law(ps):
    """Independent bits with P(X_i = 1) = ps[i]."""
    pmf = np.empty((2,) * len(ps), dtype=object)
    for idx in np.ndindex(pmf.shape):
        v = Fraction(1)
        for p, b in zip(ps, idx):
            v *= p if b else 1 - p
        pmf[idx] = v
    return pmf


def weights_law(weights, q, L):
    """Weights normalised exactly, in C order."""
    w = [Fraction(v) for v in weights]
    tot = sum(w)
    return np.array([v / tot for v in w], dtype=object).reshape((q,) * L)
