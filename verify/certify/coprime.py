"""Weighted coprime bases: the engine of the exact zero test (docs/certification.md).

A log-linear form's log part is ``Σ_x w_x log x`` over distinct integers ``x > 1`` with exact weights
``w_x``. If the ``x`` are *pairwise coprime*, their logs are linearly independent over Q (if
``Π x^{n_x} = 1`` with integers ``n_x``, the positive and negative parts are coprime and equal, hence
both 1), so the log part vanishes iff every weight does. ``coprime_weights`` rewrites any such sum into
one over pairwise coprime integers, using only the exact identity

    log x = log g + log(x / g)          (g | x, found as a gcd)

(the weight of ``x`` moves onto both parts; parts of weight 0 are dropped). No step factors an
integer, so a product of two huge primes costs a few gcds, never a factorisation.

Method. Keys declared prime (one-limb factors of complete factorisations) are coprime already; the
other integers are first divided by the ones they share a factor with. The rest are sorted by size
and refined by divide and conquer: the smaller half is made
pairwise coprime (recursively), then the larger half is *absorbed* into it (``_absorb``): every
``x`` is split as ``x = x₀ · Π_b ppi(x, b)`` over the base elements ``b`` sharing a factor with it,
each ``b`` is refined together with the parts that landed on it (a small group), and the leftovers
``x₀``, coprime to the whole base, are refined among themselves recursively. This order suits the
suite's forms, whose large integers are products of a few smaller "atoms" (probabilities of a law,
mixture numerators) that also occur on their own: a product meets its atoms directly, never the other
products. The sharing pairs are found against chunk products of the base (``_sharing_pairs``).
Finally one batch gcd (``shared_parts``: product tree and remainder tree) *checks* that the result is
pairwise coprime, so the zero test's proof rests on the exact splits alone, not on the merging logic.

Cost, for ``n`` integers of ``N`` digits in all: each absorb tests every element against the whole
base and ``√n`` chunk products, ``O(n^{3/2})`` gcds whose digit cost is about one pass of each element
over the base's digits; the final check is ``O(M(N) log n)`` (``M``: multiplication time,
quasi-linear in GMP/FLINT). This is not Bernstein's essentially-linear algorithm; pairwise refinement
(quadratic in ``n``) is kept (``refine``) for sets of a handful of integers. Measured figures are in
docs/certification.md.
"""
from __future__ import annotations

from math import isqrt

from flint import fmpz

__all__ = ["coprime_weights", "refine", "shared_parts", "is_pairwise_coprime"]

_ONE = fmpz(1)
_SMALL = 8          # below this many integers, pairwise refinement beats building trees


# --------------------------------------------------------------------------------------------
# product and remainder trees


def _product_tree(xs: list) -> list:
    """Levels of the product tree, leaves first: ``tree[0] = xs``, ``tree[-1] = [Π xs]``."""
    tree = [list(xs)]
    while len(tree[-1]) > 1:
        lvl = tree[-1]
        nxt = [lvl[i] * lvl[i + 1] for i in range(0, len(lvl) - 1, 2)]
        if len(lvl) % 2:
            nxt.append(lvl[-1])
        tree.append(nxt)
    return tree


def _remainders(value, tree: list, square: bool = False) -> list:
    """``value mod x`` (or ``mod x²`` if ``square``) for every leaf ``x`` of a product tree, top down.

    Each node reduces its parent's remainder, so every reduction is of a number at most about twice
    the node's size: ``O(M(N) log n)`` in all instead of ``n`` reductions of the full ``value``.
    """
    if square:
        tree = [[x * x for x in lvl] for lvl in tree]
    rems = [value % tree[-1][0]]
    for lvl in reversed(tree[:-1]):
        rems = [rems[i // 2] % x for i, x in enumerate(lvl)]
    return rems


def shared_parts(xs: list) -> list:
    """``gcd(x, Π_{y≠x} y)`` for each ``x`` of a list of integers ``> 0`` (batch gcd).

    ``P mod x² = x · ((P/x) mod x)`` gives ``(P/x) mod x`` without dividing the huge ``P``.
    """
    if len(xs) < 2:
        return [_ONE for _ in xs]
    tree = _product_tree(xs)
    rems = _remainders(tree[-1][0], tree, square=True)
    return [x.gcd(r // x) for x, r in zip(xs, rems)]


def is_pairwise_coprime(xs: list) -> bool:
    """True iff the integers ``xs`` (all ``> 1``) are distinct and pairwise coprime (one batch gcd)."""
    return all(g == 1 for g in shared_parts(xs))


# --------------------------------------------------------------------------------------------
# weighted refinement


def _add(acc: dict, x, w) -> None:
    """``acc[x] += w``, dropping ``x = 1`` (log 1 = 0) and zero totals (they add nothing)."""
    if x == 1 or w == 0:
        return
    s = acc.get(x)
    s = w if s is None else s + w
    if s == 0:
        del acc[x]
    else:
        acc[x] = s


def refine(items) -> dict:
    """Pairwise coprime ``{b: w_b}`` with ``Σ w_b log b = Σ w log x`` over ``items`` (pairs ``(x, w)``).

    Factor refinement: while a pending ``a`` shares ``g = gcd(a, b) > 1`` with a kept ``b``, replace
    both by ``g`` (weight ``w_a + w_b``), ``a/g`` (``w_a``) and ``b/g`` (``w_b``). The product of all
    kept and pending integers drops by ``g`` at each split, so it terminates. Quadratic in the number
    of integers: used for small sets only.
    """
    base: dict = {}
    pending = [(fmpz(x), w) for x, w in items]
    while pending:
        a, w = pending.pop()
        if a == 1 or w == 0:
            continue
        if a in base:
            _add(base, a, w)
            continue
        for b in base:
            g = a.gcd(b)
            if g != 1:
                wb = base.pop(b)
                pending.extend(((g, w + wb), (a // g, w), (b // g, wb)))
                break
        else:
            base[a] = w
    return base


def _split_off(a, b):
    """``(ppi, ppo)``: ``a = ppi · ppo`` where ppi's primes all divide ``b`` and ppo is coprime to ``b``."""
    r = a
    g = r.gcd(b)
    while g != 1:
        r //= g
        g = r.gcd(g)
    return a // r, r


def _sharing_pairs(X: list, base: list) -> list:
    """Every ``(i, j)`` with ``gcd(X[i], base[j]) > 1``; ``base`` pairwise coprime.

    ``base`` is cut into about ``√n`` consecutive chunks with their products. An element ``x`` is
    first reduced to ``gcd(x, Π base)`` (done if 1, or if that is a base element); it is then
    tested against each chunk product; for a chunk with ``g = gcd(x, chunk product) > 1``, if ``g``
    is itself a base element it is the only one of the chunk sharing a factor with ``x`` (the base
    is pairwise coprime), else ``g`` (smaller than ``x``) is tested against the chunk's members.
    ``gcd(x, Π)`` reduces ``Π mod x`` first, so the chunk tests cost one pass over the base's digits
    per element; a binary product-tree descent would repeat that pass at every level. Every hit
    divides out the primes it accounts for, and the search ends when none are left.
    """
    out: list = []
    n = len(base)
    if not X or not n:
        return out
    size = max(1, isqrt(n))
    chunks = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    prods = [_product_tree(base[lo:hi])[-1][0] for lo, hi in chunks]
    whole = _product_tree(prods)[-1][0]
    where = {b: j for j, b in enumerate(base)}
    # one gcd with the whole base first: most elements share nothing, or exactly one element.
    # gcd(x, Π) = gcd(x, Π mod x), and a remainder tree gives every Π mod x for about the cost of
    # one reduction of Π, where n separate reductions would each pass over all of Π's digits.
    rems = _remainders(whole, _product_tree(X)) if len(X) > 1 else [whole % X[0]]
    for i, (x, r) in enumerate(zip(X, rems)):
        x = x.gcd(r)
        # x's primes are all primes of the base; each hit removes the primes it accounts for (the
        # base is pairwise coprime, so no other element holds them), and the search stops as soon
        # as none are left: on average an element meets a few chunks, not all of them.
        for (lo, hi), pk in zip(chunks, prods):
            if x == 1:
                break
            j = where.get(x)
            if j is not None:
                out.append((i, j))
                break
            g = x.gcd(pk)
            if g == 1:
                continue
            x = _split_off(x, g)[1]
            for j in range(lo, hi):
                if g == 1:
                    break
                j_g = where.get(g)
                if j_g is not None:
                    out.append((i, j_g))
                    break
                b = base[j]
                if g.gcd(b) != 1:
                    out.append((i, j))
                    g = _split_off(g, b)[1]
    return out


def _absorb(base: dict, items: list) -> dict:
    """Pairwise coprime weights for ``base ∪ items``; ``base`` is pairwise coprime, ``items`` need not be.

    Each ``x`` of ``items`` splits as ``x = x₀ · Π_{b ∈ N(x)} ppi(x, b)`` over the base elements
    ``N(x)`` sharing a factor with it (they are coprime, so the parts are too), with ``x₀`` coprime to
    the whole base. The parts landing on one ``b`` have only primes of ``b``, so ``b`` and its parts
    form a group refined on its own (groups of different ``b`` are coprime to each other); the
    leftover ``x₀`` are coprime to the base and are refined among themselves recursively.
    """
    keys = list(base)
    X = [x for x, _ in items]
    groups: dict = {}
    nbr: dict = {}
    for i, j in _sharing_pairs(X, keys):
        nbr.setdefault(i, []).append(j)
    rest = []
    for i, (x, w) in enumerate(items):
        js = nbr.get(i)
        if js is not None:
            for j in js:
                inside, x = _split_off(x, keys[j])
                groups.setdefault(j, []).append((inside, w))
        if x != 1:
            rest.append((x, w))
    out: dict = {}
    for j, b in enumerate(keys):
        group = groups.get(j)
        if group is None:
            out[b] = base[b]
        else:
            group.append((b, base[b]))
            for y, w in refine(group).items():
                _add(out, y, w)
    rest.sort(key=lambda xw: (xw[0].bit_length(), xw[0]))
    for y, w in _coprime_sorted(rest).items():
        _add(out, y, w)  # coprime to every base element and group piece: no clash
    return out


def _coprime_sorted(items: list) -> dict:
    """Pairwise coprime weights for ``(x, w)`` pairs sorted by size: make the smaller half coprime,
    then absorb the larger half into it (large integers are mostly products of smaller ones)."""
    if len(items) <= _SMALL:
        return refine(items)
    mid = len(items) // 2
    return _absorb(_coprime_sorted(items[:mid]), items[mid:])


def _divide_out_primes(primes: dict, items: dict, free_below: int = 0) -> list:
    """Move every factor that a known prime ``p`` (a key of ``primes``) has in an item onto ``p``:
    ``w log x = w·v log p + w log(x / p^v)``. Returns the ``(x₀, w)`` left, coprime to every known
    prime. Items meet the primes through ``_sharing_pairs`` (chunk products of the primes); primes
    below ``free_below``, which the caller guarantees divide no item, are not tested."""
    keys = [p for p in primes if p >= free_below]
    X = list(items)
    hits: dict = {}
    for i, j in _sharing_pairs(X, keys):
        hits.setdefault(i, []).append(j)
    rest: dict = {}
    for i, x in enumerate(X):
        w = items[x]
        for j in hits.get(i, ()):
            p = keys[j]
            v = 0
            while x % p == 0:
                x //= p
                v += 1
            _add(primes, p, w * v)  # may drop p (weight 0): it is no longer needed as a base
        _add(rest, x, w)
    return list(rest.items())


def coprime_weights(weights: dict, primes=(), free_below: int = 0) -> dict:
    """``{b: w_b}`` over pairwise coprime integers ``b > 1`` (fmpz), all ``w_b ≠ 0``, with
    ``Σ_b w_b log b = Σ_x weights[x] log x``.

    ``weights`` maps integers ``x ≥ 1`` to exact weights (int / fmpz, or fmpq: anything with exact
    ``+`` and ``== 0``; integers are fastest). ``primes``: keys of ``weights`` known to be prime
    (e.g. from complete factorisations); they are coprime to each other already, so the other keys
    are only divided by them before the refinement. ``free_below``: the other keys have no prime
    factor below it (e.g. cofactors left by trial division), so smaller primes are not tested
    against them. The result is verified pairwise coprime by one batch gcd before it is returned
    (AssertionError otherwise: a bug or a broken promise of the caller, never a verdict).
    """
    known: dict = {}
    items: dict = {}
    prime_set = set(primes)
    for x, w in weights.items():
        _add(known if x in prime_set else items, fmpz(x), w)
    if known and items:
        rest = _divide_out_primes(known, items, free_below)
    else:
        rest = list(items.items())
    if len(rest) + len(known) <= 1:
        out = dict(known)
        out.update(rest)
        return out
    rest.sort(key=lambda xw: (xw[0].bit_length(), xw[0]))
    out = _coprime_sorted(rest)
    for p, w in known.items():
        _add(out, p, w)  # refined pieces are coprime to every known prime: no clash
    if not is_pairwise_coprime(list(out)):
        raise AssertionError("internal error: coprime refinement left a shared factor")
    return out
