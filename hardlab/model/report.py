"""HardPy's report document, schema v1, field for field.

`ResultRunStore` is the report: what `get_current_report()` returns, what a
HardPy JSON report file holds and what StandCloud receives. `ResultStateStore`
is HardPy's UI-state document (progress, alert, operator dialogs); hardlab
builds one on demand for front ends that speak HardPy's state format.

All models forbid unknown keys. Times are integer Unix seconds. Enumerations
dump as HardPy's lowercase strings. The document ids are accepted both as
CouchDB's ``_id``/``_rev`` and as the ``id``/``rev`` that HardPy's JSON report
files contain; `model_dump()` writes ``id``/``rev`` as HardPy does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hardlab.model.enums import Group, TestStatus
from hardlab.model.measurement import (
    ChartRecord,
    InfoValue,
    Instrument,
    MeasurementRecord,
    SubUnit,
)

__all__ = [
    "CaseRunStore",
    "CaseStateStore",
    "Dut",
    "IBaseResult",
    "ModuleRunStore",
    "ModuleStateStore",
    "OperatorData",
    "Process",
    "ResultRunStore",
    "ResultStateStore",
    "TestStand",
]

_CONFIG = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)


class IBaseResult(BaseModel):
    """Fields every run, module and case has."""

    model_config = _CONFIG

    status: TestStatus
    stop_time: int | None
    start_time: int | None
    name: str


class _CaseBase(IBaseResult):
    # HardPy's field order: a report's keys come out in the same order
    assertion_msg: str | None = None
    msg: dict[str, Any] | None = None
    measurements: list[MeasurementRecord] = []
    chart: ChartRecord | None = None
    attempt: int = 0
    group: Group


class CaseRunStore(_CaseBase):
    """A case in the report."""

    artifact: dict[str, Any] = {}


class CaseStateStore(_CaseBase):
    """A case in the UI-state document."""

    dialog_box: dict[str, Any] = {}


class ModuleRunStore(IBaseResult):
    """A module (one test file) in the report."""

    cases: dict[str, CaseRunStore] = {}
    group: Group
    artifact: dict[str, Any] = {}


class ModuleStateStore(IBaseResult):
    """A module in the UI-state document."""

    cases: dict[str, CaseStateStore] = {}
    group: Group


class Dut(BaseModel):
    """The device under test."""

    model_config = _CONFIG

    name: str | None = None
    type: str | None = None
    serial_number: str | None = None
    part_number: str | None = None
    revision: str | None = None
    sub_units: list[SubUnit] = []
    info: Mapping[str, InfoValue] = {}


class TestStand(BaseModel):
    """The test stand that ran the plan."""

    __test__ = False  # a pytest collector must not take this for a test class

    model_config = _CONFIG

    hw_id: str | None = None
    name: str | None = None
    revision: str | None = None
    timezone: str | None = None
    location: str | None = None
    number: int | None = None
    drivers: dict[str, Any] = {}  # deprecated by HardPy, kept in schema v1
    instruments: list[Instrument] = []
    info: Mapping[str, InfoValue] = {}


class Process(BaseModel):
    """The production process step the run belongs to."""

    model_config = _CONFIG

    name: str | None = None
    number: int | None = None
    info: Mapping[str, InfoValue] = {}


class OperatorData(BaseModel):
    """The operator's last answer, as HardPy's panel writes it."""

    model_config = _CONFIG

    dialog: str | None = None


class ResultRunStore(IBaseResult):
    """The report of one run (HardPy's runstore document, schema v1).

    Example:
        ```python
        report = ResultRunStore.model_validate_json(Path("report.json").read_text())
        report.dut.serial_number, report.status
        ```
    """

    __version__: ClassVar[int] = 1

    rev: str = Field(alias="_rev")
    id: str = Field(alias="_id")
    test_stand: TestStand
    dut: Dut
    process: Process
    modules: dict[str, ModuleRunStore] = {}
    user: str | None = None
    batch_serial_number: str | None = None
    caused_dut_failure_id: str | None = None
    error_code: int | None = None
    artifact: dict[str, Any] = {}


class ResultStateStore(IBaseResult):
    """HardPy's UI-state document: the report without artifacts, plus panel state."""

    rev: str = Field(alias="_rev")
    id: str = Field(alias="_id")
    progress: int
    test_stand: TestStand
    dut: Dut
    process: Process
    modules: dict[str, ModuleStateStore] = {}
    user: str | None = None
    batch_serial_number: str | None = None
    caused_dut_failure_id: str | None = None
    error_code: int | None = None
    operator_msg: dict[str, Any] = {}
    alert: str
    operator_data: OperatorData
