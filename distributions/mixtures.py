"""Mixtures of target laws with the same q and L.

Spec syntax (components in square brackets, weights rational and summing to 1, default uniform)::

    mixture:weights=1/2+1/2,of=[copy:L=4,delta=1/2]+[product:L=4,q=2]

Brackets may nest: ``mixture:of=[mixture:of=[coloring3:L=3]+[product:L=3,q=3]]+[mds:q=3,L=3,k=1]``.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .rationals import number


def mixture_law(laws: list[np.ndarray], weights, exact: bool = False) -> np.ndarray:
    """p(x) = Σ_j λ_j p_j(x) for laws p_j of one shape and weights λ_j ≥ 0 with Σ λ_j = 1."""
    if not laws or len(laws) != len(weights):
        raise ValueError("need one weight per law")
    shape = laws[0].shape
    if any(p.shape != shape for p in laws):
        raise ValueError("mixture components differ in shape")
    out = None
    for lam, p in zip(weights, laws):
        term = number(Fraction(lam), exact) * p
        out = term if out is None else out + term
    return out
