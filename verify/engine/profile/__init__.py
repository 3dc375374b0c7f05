"""The profile side of the engine (docs/index.md §8–§9): what uniform-position samplers see of a law.

``entropy``  entropy profiles h(m) (closed forms, enumeration) and the functionals on them;
``sizelaws`` laws over block sizes (compositions) as size-node graphs;
``optimal``  optimal compositions for one profile (block costs, shortest path, convex hull);
``cone``     the profile cone: values on its extreme rays, sharp constants over every law.
"""

from . import exchangeable  # noqa: E402,F401  (registers the exchangeable closed form with entropy)
