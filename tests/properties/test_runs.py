"""A real run whose plan feeds hostile values to every setter: it ends, is stored, reads back.

The plan catches what the setters refuse (documented errors only) and
records what they took; the run must pass, write its HardPy JSON report,
and be stored complete (not ``interrupted``) in a store that passes its
integrity check, with the stored report equal to the run's own.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest
from _hostile import budget, json_like
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hardlab
from hardlab.exchange import read_json_report
from hardlab.storage import Store

PLAN = """
import json, math
from datetime import datetime
from pathlib import Path

import hardlab
from hardlab.errors import HardlabError

VALUES = json.loads(Path(__file__).with_name("values.json").read_text(encoding="ascii"))


def _loop():
    value = {"a": 1}
    value["self"] = value
    return value


ODD = [_loop(), {1, 2}, datetime(2026, 1, 1), {(1, 2): "x"}, object(), 10**400, math.nan]


def attempt(setter, *args):
    try:
        setter(*args)
    except (HardlabError, ValueError) as exc:
        assert isinstance(exc, HardlabError) or type(exc) is ValueError, repr(exc)


def test_run_fields():
    for value in VALUES + ODD:
        for setter in (hardlab.set_dut_serial_number, hardlab.set_dut_part_number,
                       hardlab.set_stand_name, hardlab.set_user_name, hardlab.set_process_name,
                       hardlab.set_stand_number, hardlab.set_process_number):
            attempt(setter, value)
        for setter in (hardlab.set_dut_info, hardlab.set_stand_info, hardlab.set_run_artifact,
                       hardlab.set_process_info, hardlab.set_driver_info):
            attempt(setter, {"k": value})
            attempt(setter, value)


def test_case_fields():
    for index, value in enumerate(VALUES + ODD):
        attempt(hardlab.set_message, value)
        attempt(hardlab.set_message, "text", value)
        attempt(hardlab.set_case_artifact, {f"k{index}": value})
        attempt(hardlab.set_module_artifact, {f"k{index}": value})
        for build in (
            lambda: hardlab.NumericMeasurement(value=value, name="v"),
            lambda: hardlab.NumericMeasurement(value=1.0, name=value if isinstance(value, str) else "n",
                                               operation="gele", lower_limit=0, upper_limit=2),
            lambda: hardlab.StringMeasurement(value=value, name="s"),
        ):
            try:
                measurement = build()
            except ValueError:
                continue
            attempt(hardlab.set_case_measurement, measurement)
"""


@pytest.mark.slow
# one hardlab home for every example is what a stand has: the health check's worry is moot
@settings(
    max_examples=budget(2),
    suppress_health_check=[*settings().suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(json_like, min_size=1, max_size=6))
def test_a_run_of_hostile_values_is_stored_and_reads_back_equal(
    tmp_path_factory: pytest.TempPathFactory, hardlab_home: Path, values: list[Any]
) -> None:
    folder = tmp_path_factory.mktemp("plan")
    (folder / "test_hostile.py").write_text(textwrap.dedent(PLAN), encoding="utf-8")
    # ensure_ascii: lone surrogates travel as \\udcxx escapes; NaN and Infinity as tokens
    (folder / "values.json").write_text(json.dumps(values), encoding="ascii")
    db = folder / "runs.db"
    result = hardlab.run(folder, store=str(db), report_dir=folder / "reports", quiet=True)
    assert (result.exit_code, result.errors) == (0, ()), result.report.model_dump_json()[:2000]
    assert result.status == "passed"
    assert result.report_path is not None
    on_disk = read_json_report(result.report_path)
    assert on_disk.model_dump(exclude={"id", "rev"}) == result.report.model_dump(
        exclude={"id", "rev"}
    )
    with Store(db) as store:
        row = store.run_row(str(result.run_id))
        assert row["status"] == "passed"
        stored = store.get_report(str(result.run_id))
    assert stored.model_dump(exclude={"id", "rev"}) == result.report.model_dump(
        exclude={"id", "rev"}
    )
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
