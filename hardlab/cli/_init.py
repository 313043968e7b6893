"""``hardlab init``: a starter plan that runs at once, on the simulated board."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hardlab.errors import ConfigError

__all__ = ["init_plan"]

_PYTEST_INI = """\
[pytest]
# `pytest` in this folder runs the plan with hardlab (HardPy's --hardpy-pt works too).
addopts = --hardlab
"""

_CONFTEST = '''\
"""Fixtures shared by the plan's tests."""

import pytest

import hardlab
from hardlab.sim import SimulatedBoard


@pytest.fixture(scope="session")
def board():
    """The device under test. Replace the simulated board with your board's driver."""
    dut = SimulatedBoard()
    dut.power_on()
    yield dut
    dut.power_off()


def finish():
    report = hardlab.get_current_report()
    if report is not None:
        serial = report.dut.serial_number  # None when the run ended before it was read
        board = f" ({serial})" if serial else ""
        print(f"Testing completed: {report.status.value}{board}")


@pytest.fixture(scope="session", autouse=True)
def post_run(post_run_functions):
    """Functions appended here run once the run has finished."""
    post_run_functions.append(finish)
'''

_TEST_1 = '''\
"""A first module: identify the board and check one rail."""

import socket

import pytest

import hardlab

pytestmark = pytest.mark.module_name({module_name})


@pytest.mark.case_name("Identify the board")
def test_identify(board):
    hardlab.set_dut_serial_number(board.serial_number)
    hardlab.set_dut_part_number(board.part_number)
    hardlab.set_stand_name(socket.gethostname())  # StandCloud takes no report without it
    hardlab.set_message(f"Serial number {{board.serial_number}}")


@pytest.mark.case_name("3V3 rail")
def test_rail_3v3(board):
    voltage = hardlab.NumericMeasurement(
        name="3V3",
        value=board.measure_rail("3V3"),
        unit="V",
        operation=hardlab.ComparisonOperation.GELE,
        lower_limit=3.2,
        upper_limit=3.4,
    )
    hardlab.set_case_measurement(voltage)
    assert voltage.result, hardlab.ErrorCode(1, f"3V3 rail at {{voltage.value}} V")
'''


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _hardpy_toml(
    name: str,
    sc_address: str | None,
    sc_api_key: str | None,
    sc_autosync: bool,
    sc_connection_only: bool,
) -> str:
    lines = [
        'title = "HardPy TOML config"',
        f"tests_name = {_toml_string(name)}",
        "",
        "[frontend]",
        'language = "en"',
    ]
    if sc_address or sc_api_key or sc_autosync or sc_connection_only:
        from hardlab.config import StandCloudConfig

        default = StandCloudConfig()
        lines += [
            "",
            "[stand_cloud]",
            f"address = {_toml_string(sc_address or default.address)}",
            f"connection_only = {str(sc_connection_only).lower()}",
            f"autosync = {str(sc_autosync).lower()}",
            f"api_key = {_toml_string(sc_api_key or '')}",
        ]
    return "\n".join(lines) + "\n"


def init_plan(
    folder: Path,
    *,
    tests_name: str | None = None,
    force: bool = False,
    sc_address: str | None = None,
    sc_api_key: str | None = None,
    sc_autosync: bool = False,
    sc_connection_only: bool = False,
) -> list[Path]:
    """Write a starter plan (``hardpy.toml``, ``pytest.ini``, ``conftest.py``, ``test_1.py``).

    Args:
        folder: The plan folder; created if missing.
        tests_name: The plan's name; the folder's name if None.
        force: Overwrite files that exist.
        sc_address: StandCloud address for a ``[stand_cloud]`` section.
        sc_api_key: StandCloud API key for it. ``hardpy.toml`` is then
            written readable by its owner only (mode 0600).
        sc_autosync: Upload every finished report.
        sc_connection_only: Refuse to run while StandCloud is unreachable.

    Returns:
        The files written.

    Raises:
        ConfigError: If a file exists and `force` is False.
    """
    folder = folder.expanduser()
    name = tests_name or folder.resolve().name
    files = {
        "hardpy.toml": _hardpy_toml(name, sc_address, sc_api_key, sc_autosync, sc_connection_only),
        "pytest.ini": _PYTEST_INI,
        "conftest.py": _CONFTEST,
        "test_1.py": _TEST_1.format(module_name=_toml_string(name)),
    }
    existing = [folder / file for file in files if (folder / file).exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        msg = f"{names} already exist; pass --force to overwrite"
        raise ConfigError(msg)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file, text in files.items():
        path = folder / file
        if file == "hardpy.toml" and sc_api_key:
            _write_private(path, text)
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable and writable by its owner only (0600): it holds a secret."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        # an existing file (--force) keeps its mode through O_CREAT: set it
        os.chmod(path, 0o600)
        handle.write(text)
