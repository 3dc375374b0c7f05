"""The target zoo: a cheap spec list covering every family that exists at a given (L, q).

Used for the CI grid (L <= 6 with q = 2, L <= 4 with q = 3). Families needing L >= 2 or a
particular q are left out where they do not exist; random families appear with two seeds or
parameters; Potts appears on several graphs with rational w, so every zoo law is exact.
"""
from __future__ import annotations

from .codes import is_prime
from .graphs import near_square_rows


def zoo_grid(L: int, q: int) -> list[str]:
    """Spec strings covering every family at (L, q): about 13-20 specs, each cheap to build."""
    if L < 1 or q < 2:
        raise ValueError("zoo_grid needs L >= 1 and q >= 2")
    lq = f"L={L},q={q}"
    specs = [
        f"product:{lq}",
        f"product:{lq},seed=1",
        f"dirichlet:{lq},alpha=1,seed=0",
        f"dirichlet:{lq},alpha=1/10,seed=1",   # sparse: many exact zeros
        f"markov:{lq},flip=1/10",
        f"markov:{lq},seed=2",
        f"ngram:{lq},n={min(3, L)},seed=3",
        f"hmm:{lq},states=2,seed=4",
        f"lowentropy:{lq},m={min(3, q**L)},seed=5",
        f"mds:q={q},L={L},k=1",                 # repetition
    ]
    if L >= 3:
        specs.append(f"mds:q={q},L={L},k={L - 1}")  # sum-to-zero parity (k = 1 at L = 2 is repetition)
    if L >= 2 and is_prime(q) and q >= L:
        specs.append(f"mds:q={q},L={L},k={(L + 1) // 2},code=rs")
    if (q, L) == (3, 4):
        specs.append("mds:q=3,L=4,k=2,code=tetracode")
    if q == 2:
        specs.append(f"copy:L={L},delta=1/3")
    if q == 3:
        specs.append(f"coloring3:L={L}")
    specs.append(f"potts:graph=path,{lq},w=3")
    if L >= 3:
        specs.append(f"potts:graph=cycle,{lq},w=1/2")
    if L >= 4:  # below 4 nodes a star or a tree is a path
        specs.append(f"potts:graph=star,{lq},w=2")
        specs.append(f"potts:graph=tree,{lq},w=3/2,seed=6")
    if L >= 4 and near_square_rows(L) >= 2:
        specs.append(f"potts:graph=grid,{lq},w=2")
    if L >= 2:
        specs.append(f"potts:graph=complete,{lq},w=5/4")
    # CL26.ITERQ-shaped witness: the constant strings (repetition code) with a little uniform noise.
    specs.append(f"mixture:weights=9/10+1/10,of=[mds:q={q},L={L},k=1]+[product:{lq}]")
    return specs
