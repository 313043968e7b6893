from __future__ import annotations

import pytest
from hardpy.pytest_hardpy.utils.const import Group


class TestBoard:
    @pytest.mark.case_group(Group.SETUP)
    def test_method(self):
        assert False, "method fails"  # noqa: B011, PT015 - the plan fails on purpose

    def test_second(self):
        pass
