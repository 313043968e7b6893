from __future__ import annotations


def test_plain():
    assert False, "plain fails"  # noqa: B011, PT015 - the plan fails on purpose
