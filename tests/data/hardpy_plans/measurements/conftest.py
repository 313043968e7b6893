from __future__ import annotations

import os
from pathlib import Path

import hardpy
import pytest


@pytest.fixture(scope="session", autouse=True)
def export_report(post_run_functions):
    # the fidelity test reads the report each tool exports with its JsonLoader
    def export():
        report = hardpy.get_current_report()
        hardpy.JsonLoader(Path(os.environ["FIDELITY_EXPORT"])).load(report, "report")

    post_run_functions.append(export)
