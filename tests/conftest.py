"""Shared test set-up: the proof-check profile (``--profile ci|deep``) and hypothesis profiles."""
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


def pytest_addoption(parser):
    parser.addoption("--profile", default="ci", choices=("ci", "deep"),
                     help="grid of the proof check and hypothesis effort (deep: long hunts, not run in CI)")


def pytest_configure(config):
    settings.load_profile(config.getoption("--profile"))


def pytest_collection_modifyitems(config, items):
    """The ``deep`` marker (pyproject.toml): such a test runs only under ``--profile deep``."""
    if config.getoption("--profile") == "deep":
        return
    later = pytest.mark.skip(reason="deep profile only (--profile deep)")
    for item in items:
        if "deep" in item.keywords:
            item.add_marker(later)


@pytest.fixture(scope="session")
def profile(request):
    return request.config.getoption("--profile")
