"""Engine-free oracle for table predictors: expected KL and LC25's ε_train of a fixed-size schedule,
straight from the definitions, with exact numbers. Imports nothing from the engine (no ``verify``).

A table has shape (q+1,)*L + (L, q): entry [s, i] is p̂_i(· | x_B) at the partial state s with
s_j = x_j for j ∈ B and s_j = q (masked) elsewhere. A float row is read as its exact binary values
and divided by their exact sum (the documented normalisation).

Log quantities are returned as forms: lists of (coefficient, ratio) Fraction pairs standing for
Σ coefficient · log(ratio), so a test can compare them exactly.

* expected KL of ``fixed:sizes=c``: the mean over all L! orders π, each cut into blocks of sizes c,
  of KL(p ‖ q_D) = Σ_x p(x) log p(x) − Σ_t Σ_{i∈D_t} Σ_x p(x) log p̂_i(x_i | x_{U_t});
* ε_train (LC25, P(τ = t) = s_t / L): Σ_t (s_t / L) · mean_π (L / |M_t|) Σ_{i∈M_t} ℓ_i(U_t), with
  M_t the masked set before step t, U_t its complement, and
  ℓ_i(U) = Σ_x p(x) [log p_i(x_i | x_U) − log p̂_i(x_i | x_U)].
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np


def exact_row(row) -> list:
    vals = [Fraction(v) if not isinstance(v, Fraction) else v for v in row]
    tot = sum(vals)
    return [v / tot for v in vals]


def predicted(table, q: int, i: int, known: dict) -> list:
    L = table.ndim - 2
    s = tuple(known.get(j, q) for j in range(L))
    return exact_row(table[s + (i,)].tolist())


def true_conditional(pmf, i: int, known: dict) -> list:
    """p_i(· | x_known) as Fractions (uniform off the support)."""
    q, L = pmf.shape[0], pmf.ndim
    vec = [Fraction(0)] * q
    for x in itertools.product(range(q), repeat=L):
        if all(x[j] == v for j, v in known.items()):
            vec[x[i]] += Fraction(pmf[x])
    tot = sum(vec)
    return [Fraction(1, q)] * q if tot == 0 else [v / tot for v in vec]


def _plans(L: int, sizes):
    for perm in itertools.permutations(range(L)):
        blocks, k = [], 0
        for s in sizes:
            blocks.append(perm[k:k + s])
            k += s
        yield blocks


def expected_kl_form(pmf, table, sizes) -> list:
    q, L = pmf.shape[0], pmf.ndim
    plans = list(_plans(L, sizes))
    w = Fraction(1, len(plans))
    form = []
    for x in itertools.product(range(q), repeat=L):
        px = Fraction(pmf[x])
        if px:
            form.append((px, px))  # Σ p log p
    for blocks in plans:
        U: list = []
        for block in blocks:
            for x in itertools.product(range(q), repeat=L):
                px = Fraction(pmf[x])
                if not px:
                    continue
                known = {j: x[j] for j in U}
                for i in block:
                    form.append((-w * px, predicted(table, q, i, known)[x[i]]))
            U += list(block)
    return form


def learning_form(pmf, table, i: int, U) -> list:
    q, L = pmf.shape[0], pmf.ndim
    out = []
    for x in itertools.product(range(q), repeat=L):
        px = Fraction(pmf[x])
        if not px:
            continue
        known = {j: x[j] for j in U}
        out.append((px, true_conditional(pmf, i, known)[x[i]]))
        out.append((-px, predicted(table, q, i, known)[x[i]]))
    return out


def eps_train_form(pmf, table, sizes) -> list:
    L = pmf.ndim
    plans = list(_plans(L, sizes))
    out = []
    n = 0
    for t, s in enumerate(sizes):
        for blocks in plans:
            U = [j for b in blocks[:t] for j in b]
            M = [j for j in range(L) if j not in U]
            w = Fraction(s, L) * Fraction(L, len(M)) / len(plans)
            for i in M:
                out += [(w * c, r) for c, r in learning_form(pmf, table, i, U)]
        n += s
    return out


def random_table(rng: np.random.Generator, q: int, L: int, floats: bool = False):
    """A strictly positive table: exact Fraction rows, or float rows summing to 1 up to rounding
    (revealed positions hold NaN: they must be ignored)."""
    shape = (q + 1,) * L + (L, q)
    t = np.empty(shape, dtype=np.float64 if floats else object)
    for s in itertools.product(range(q + 1), repeat=L):
        for i in range(L):
            if s[i] != q:
                t[s + (i,)] = [np.nan] * q if floats else [Fraction(0)] * q
                continue
            w = rng.integers(1, 9, size=q)
            t[s + (i,)] = (w / w.sum()).tolist() if floats else [Fraction(int(v), int(w.sum())) for v in w]
    return t
