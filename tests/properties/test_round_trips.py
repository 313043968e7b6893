"""A report full of hostile values, through the store and every export format and back.

The report is what the setters made of hostile input (what they refused is
not in it). It is stored in SQLite and read back equal, and the database
passes ``PRAGMA integrity_check``; HardPy's JSON file and OpenHTF's record
(through JSON text, as files carry them) import back equal; CSV and JUnit
XML, which have no importer, parse and hold every measurement.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _hostile import anything, assert_report_is_sound, call, live_case, mappings, texts
from hypothesis import given
from hypothesis import strategies as st

from hardlab import api
from hardlab.exchange import (
    JsonLoader,
    from_openhtf,
    read_json_report,
    to_csv,
    to_junit,
    to_openhtf,
)
from hardlab.model import NumericMeasurement, ResultRunStore, StringMeasurement, TestStatus
from hardlab.storage import Store

finite = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**53), max_value=2**53),
)
"""Measurement values a store keeps exactly (beyond 64 bits: see the report)."""


@st.composite
def hostile_reports(draw: st.DrawFn) -> ResultRunStore:
    """A finished run's report, filled through the setters with hostile values."""
    with live_case() as run:
        for setter in (api.set_dut_serial_number, api.set_dut_part_number, api.set_stand_name,
                       api.set_user_name, api.set_process_name):  # fmt: skip
            call(setter, draw(texts))
        for setter in (api.set_dut_info, api.set_run_artifact, api.set_case_artifact,
                       api.set_module_artifact, api.set_stand_info):  # fmt: skip
            call(setter, draw(mappings))
        for _ in range(draw(st.integers(0, 3))):
            call(api.set_message, draw(anything), draw(st.one_of(st.none(), texts)))
        for _ in range(draw(st.integers(0, 4))):
            name, unit = draw(st.one_of(st.none(), texts)), draw(st.one_of(st.none(), texts))
            if draw(st.booleans()):
                low, high = sorted([draw(finite), draw(finite)])
                measurement: Any = NumericMeasurement(
                    value=draw(finite), name=name, unit=unit, operation="gele",
                    lower_limit=low, upper_limit=high,
                )  # fmt: skip
            else:
                measurement = StringMeasurement(
                    value=draw(texts), name=name, operation="eq", comparison_value=draw(texts)
                )
            call(api.set_case_measurement, measurement)
        with run.lock:
            case = run.case("test_module", "test_case")
            case.status = TestStatus.PASSED
            case.start_time, case.stop_time = 1_790_000_000, 1_790_000_002
            module = run.document.modules["test_module"]
            module.status, module.start_time, module.stop_time = (
                TestStatus.PASSED, 1_790_000_000, 1_790_000_002,
            )  # fmt: skip
            run.document.status = TestStatus.PASSED
            run.document.start_time, run.document.stop_time = 1_790_000_000, 1_790_000_003
        return assert_report_is_sound(run)


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "runs.db"


@pytest.fixture(scope="module")
def store(store_file: Path) -> Iterator[Store]:
    with Store(store_file) as opened:
        yield opened


@given(report=hostile_reports())
def test_the_store_keeps_it_and_stays_sound(
    store: Store, store_file: Path, report: ResultRunStore
) -> None:
    run_id, _ = store.save_report(report, run_id=str(uuid.uuid4()))
    assert store.get_report(run_id) == report
    with sqlite3.connect(store_file) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@given(report=hostile_reports())
def test_hardpy_json_files_import_back_equal(tmp_path_factory: Any, report: ResultRunStore) -> None:
    folder = tmp_path_factory.mktemp("json")
    assert JsonLoader(folder).load(report, new_report_id="r1")
    back = read_json_report(folder / "r1.json")
    assert back.model_dump(exclude={"id", "rev"}) == report.model_dump(exclude={"id", "rev"})


@given(report=hostile_reports())
def test_openhtf_records_import_back_equal(report: ResultRunStore) -> None:
    run_id = str(uuid.uuid4())
    text = json.dumps(to_openhtf(report, run_id=run_id), allow_nan=False)
    back = from_openhtf(json.loads(text))
    assert back.report == report
    assert back.run_id == run_id
    fields_only = from_openhtf(json.loads(json.dumps(to_openhtf(report, embed_report=False))))
    # without hardlab's copy the record is lossy: an empty DUT id reads back as none
    assert (fields_only.report.dut.serial_number or "") == (report.dut.serial_number or "")


def _measurements(report: ResultRunStore) -> list[Any]:
    return [m for module in report.modules.values() for case in module.cases.values()
            for m in case.measurements]  # fmt: skip


@given(report=hostile_reports())
def test_csv_and_junit_parse_and_hold_every_measurement(report: ResultRunStore) -> None:
    csv.field_size_limit(1 << 24)  # the reader's default (128 KiB) is below the huge strings
    rows = list(csv.DictReader(io.StringIO(to_csv(report, run_id="r1"), newline="")))
    measurements = _measurements(report)
    assert len(rows) == len(measurements)
    for row, measurement in zip(rows, measurements, strict=True):
        name = measurement.name or ""
        assert row["name"] in (name, "'" + name)
    root = ET.fromstring(to_junit(report, run_id="r1"))
    assert root.tag == "testsuites"
    assert int(root.attrib["tests"]) == 1
