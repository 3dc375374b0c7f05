"""The target-law zoo (docs/index.md §4) and the spec-string parser for targets.

    parse_target("markov:L=6,q=2,flip=0.1", exact=True)  -> verify.engine.target.Target
    FAMILIES["mds"].usage()                               -> keys, defaults, constraints
    zoo_grid(L, q)                                         -> spec strings covering every family

Modules: ``spec`` (syntax), ``registry`` (families, ``parse_target``), ``rationals`` (number
types and seeded integer weights), ``random_laws`` (product, dirichlet, lowentropy), ``chains``
(markov, ngram, hmm, coloring3), ``codes`` (mds, copy), ``graphs`` (potts), ``mixtures``,
``files`` (file:PATH), ``zoo``.
"""
from .registry import FAMILIES, Family, Key, family_docs, parse_target, plan_spec
from .zoo import zoo_grid

__all__ = ["FAMILIES", "Family", "Key", "family_docs", "parse_target", "plan_spec", "zoo_grid"]
