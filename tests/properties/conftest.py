"""Hypothesis profiles for the property tests.

The property tests live in one folder rather than beside the modules they
test: they cross modules (a setter's value goes through the report, the
store and every export format), share one set of hostile strategies
(tests/_hostile.py) and one pair of profiles, and can be run on their own
for a long soak::

    HARDLAB_HYPOTHESIS=long pytest tests/properties -p no:cacheprovider

- ``suite`` (the default): a small fixed budget, derandomised so that every
  CI run tries the same examples; the folder takes well under a minute.
- ``long``: forty times the examples, random, without pytest's time limit.
"""

from __future__ import annotations

import os

import pytest
from _hostile import PROFILE
from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile(
    "suite",
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "long",
    max_examples=800,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=_QUIET,
)
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if PROFILE == "long":
        here = os.path.dirname(__file__)
        for item in items:
            if str(item.path).startswith(here):
                item.add_marker(pytest.mark.timeout(0))
