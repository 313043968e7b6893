from __future__ import annotations

import hardpy
import pytest


@pytest.mark.attempt(3)
def test_third_time():
    attempt = hardpy.get_current_attempt()
    hardpy.set_message(f"attempt {attempt}", "a")
    assert attempt == 3, hardpy.ErrorCode(attempt, f"not yet ({attempt})")


@pytest.mark.attempt(2)
def test_never():
    assert False, hardpy.ErrorCode(7, "never passes")  # noqa: B011, PT015 - the plan fails on purpose


@pytest.mark.dependency("test_1_retry::test_never")
def test_depends():
    pass
