"""Hypothesis effort that follows ``--profile``: ``effort(n)`` runs n examples in the default (ci)
run and proportionally more under the deep profile (its max_examples / 100 times n), so no
hypothesis test is pinned to its ci budget. Profiles are loaded in conftest.pytest_configure,
before test modules are imported, so ``settings.default`` is already the chosen profile."""
from hypothesis import HealthCheck, settings

CI_EXAMPLES = 100  # hypothesis' default max_examples, kept by the "ci" profile


def effort(n_ci: int, **kw) -> settings:
    scale = settings.default.max_examples / CI_EXAMPLES
    n = n_ci if scale <= 1 else int(n_ci * scale)
    kw.setdefault("suppress_health_check", [HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    return settings(max_examples=n, deadline=None, **kw)
