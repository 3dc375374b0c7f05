"""Potts (Ising at q = 2) laws on a graph over the L positions.

p(x) ∝ w^{A(x)},  A(x) = #{edges uv : x_u = x_v},  with w = e^β.

Give ``w`` (a rational ≥ 0) for an exact rational law, or ``beta`` (a real coupling, w = e^β)
for a float law; with ``beta`` the exact law is the exact binary value of the float law (a
rational law within rounding of the Gibbs law, since e^β is irrational). w = 0 is the hard
constraint "neighbours differ" (uniform proper q-colourings).

Graphs (networkx, nodes 0..L−1 = positions): ``path``, ``cycle`` (L ≥ 3), ``star`` (centre 0),
``tree`` (complete binary tree in heap order, node i's parent (i−1)//2; with a seed, a uniformly
random labelled tree from a seeded Prüfer sequence), ``grid`` (rows × cols = L, row-major:
position r·cols + c), ``complete``.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from flint import fmpq

if TYPE_CHECKING:
    import networkx as nx

from verify.engine.target import as_exact, refuse_if_too_large

from .rationals import agreements, exact_sum

GRAPHS = ("path", "cycle", "star", "tree", "grid", "complete")


def near_square_rows(L: int) -> int:
    """Largest divisor of L that is at most √L (so rows ≤ cols and rows·cols = L)."""
    return max(d for d in range(1, math.isqrt(L) + 1) if L % d == 0)


def potts_graph(graph: str, L: int, rows: int | None = None, seed: int | None = None) -> nx.Graph:
    """The interaction graph on nodes 0..L−1 (see the module docstring for each kind)."""
    import networkx as nx  # heavy (~0.5 s): imported only when a graph is built
    if graph == "path":
        return nx.path_graph(L)
    if graph == "cycle":
        if L < 3:
            raise ValueError("a cycle needs L >= 3")
        return nx.cycle_graph(L)
    if graph == "star":
        return nx.star_graph(L - 1) if L >= 2 else nx.empty_graph(L)
    if graph == "tree":
        if seed is None:
            return nx.full_rary_tree(2, L)
        if L <= 2:
            return nx.path_graph(L)
        rng = np.random.default_rng(seed)
        return nx.from_prufer_sequence([int(v) for v in rng.integers(0, L, size=L - 2)])
    if graph == "grid":
        rows = near_square_rows(L) if rows is None else rows
        if L % rows:
            raise ValueError("rows must divide L")
        cols = L // rows
        g = nx.grid_2d_graph(rows, cols)
        return nx.relabel_nodes(g, {(r, c): r * cols + c for r, c in g.nodes})
    if graph == "complete":
        return nx.complete_graph(L)
    raise ValueError(f"unknown graph {graph!r}")


def potts_law(graph: nx.Graph, q: int, w=None, beta: float | None = None, exact: bool = False) -> np.ndarray:
    """p(x) = w^{A(x)} / Z,  Z = Σ_y w^{A(y)}, on the nodes 0..L−1 of ``graph``.

    Rational w = a/b: p(x) ∝ a^{A(x)} b^{|E|−A(x)}, integers, so the exact law is exact.
    Real β: p(x) ∝ exp(β (A(x) − max A)) in floats.
    Raises ValueError when every configuration has weight 0 (w = 0 and no proper q-colouring).
    """
    if (w is None) == (beta is None):
        raise ValueError("give exactly one of w, beta")
    L = graph.number_of_nodes()
    refuse_if_too_large(q, L, exact)
    A = agreements(q, L, sorted(tuple(sorted(e)) for e in graph.edges))
    E = graph.number_of_edges()
    if w is not None:
        w = Fraction(w)
        a, b = w.numerator, w.denominator
        table = [a**k * b ** (E - k) for k in range(E + 1)]  # weight of a word with k agreeing edges
        counts = np.bincount(A.reshape(-1), minlength=E + 1)
        Z = sum(int(c) * t for c, t in zip(counts, table))
        if Z == 0:
            raise ValueError("every configuration has weight 0")
        if exact:
            return np.array([fmpq(t, Z) for t in table], dtype=object)[A]
        return np.array([t / Z for t in table], dtype=np.float64)[A]
    # Shift by the largest exponent: A.max() for beta >= 0, A.min() for beta < 0 (no overflow).
    unnorm = np.exp(float(beta) * (A - (A.max() if beta >= 0 else A.min())).astype(np.float64))
    law = unnorm / unnorm.sum()
    if exact:
        ex = as_exact(law)
        total = exact_sum(ex)
        return ex if total == 1 else ex / total
    return law
