"""StandCloud's server and plans that upload to it (the fixtures are tests/_standcloud.py's)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from _standcloud import api_key as api_key
from _standcloud import no_background_sync as no_background_sync
from _standcloud import reader as reader
from _standcloud import sc_server as sc_server
from _standcloud import server as server
from _standcloud import token_files as token_files

from hardlab.testing.standcloud import StandCloudServer

SEED_TEST = """
import pytest

import hardpy


@pytest.mark.case_name("Identify the board")
def test_identify():
    hardpy.set_dut_serial_number("{serial}")
    hardpy.set_dut_part_number("{part}")
    hardpy.set_stand_name("{stand}")
    hardpy.set_stand_location("Line 1")


@pytest.mark.case_name("Measure the rail")
def test_rail():
    hardpy.set_case_measurement(
        hardpy.NumericMeasurement(
            value=3.31, name="3V3 rail", unit="V", lower_limit=3.2, upper_limit=3.4,
            operation=hardpy.ComparisonOperation.GELE,
        )
    )
    assert True
"""

# HardPy's stand_cloud example: the report goes up from a post-run function and
# the operator is told when it did not (autosync sends it too, under the same key).
SEED_CONFTEST = """
import pytest

from hardpy import (
    StandCloudError,
    StandCloudLoader,
    get_current_report,
    set_operator_message,
)


def finish_executing():
    report = get_current_report()
    if report:
        try:
            loader = StandCloudLoader()
            response = loader.load(report)
            if response.status_code != 201:
                msg = (
                    f"Report not uploaded to StandCloud, "
                    f"status code: {response.status_code}, text: {response.text}"
                )
                set_operator_message(msg, title="Error")
        except StandCloudError as exc:
            set_operator_message(f"{exc}", title="Error")


@pytest.fixture(scope="session", autouse=True)
def fill_actions_after_test(post_run_functions: list):
    post_run_functions.append(finish_executing)
    yield
"""

SEED_TOML = """
title = "HardPy TOML config"
tests_name = "StandCloud example"

[database]
user = "dev"
password = "dev"
host = "localhost"
port = 5984

[frontend]
host = "localhost"
port = 8000

[stand_cloud]
address = "{address}"
connection_only = {connection_only}
autosync = {autosync}
api_key = "{api_key}"
ca_bundle = "{ca_bundle}"
"""


@pytest.fixture
def seed_plan(
    tmp_path: Path,
) -> Callable[..., Path]:
    """Write HardPy's stand_cloud example (autosync or manual) pointed at a server."""

    def make(
        server: StandCloudServer,
        api_key: str,
        *,
        autosync: bool = True,
        connection_only: bool = True,
        serial: str = "SN-0001",
        part: str = "PB-100",
        stand: str = "Stand 1",
        name: str = "plan",
    ) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        files = {
            "hardpy.toml": SEED_TOML.format(
                address=server.address,
                connection_only=str(connection_only).lower(),
                autosync=str(autosync).lower(),
                api_key=api_key,
                ca_bundle=server.ca_bundle,
            ),
            "conftest.py": SEED_CONFTEST,
            "test_1.py": SEED_TEST.format(serial=serial, part=part, stand=stand),
            "pytest.ini": "[pytest]\naddopts = --hardpy-pt\n",
        }
        for relative, text in files.items():
            (folder / relative).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return make
