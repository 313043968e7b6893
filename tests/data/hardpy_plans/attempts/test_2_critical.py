from __future__ import annotations

import pytest


@pytest.mark.critical
def test_critical():
    assert 1 == 2


def test_after():
    pass
