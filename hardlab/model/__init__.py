"""The report document (HardPy schema v1) and the values tests put into it.

Pure pydantic: no I/O, no pytest. Users can build and validate reports with
only this package.
"""

from __future__ import annotations

from hardlab.model.dialog import (
    BaseWidget,
    CheckboxWidget,
    DialogBox,
    HTMLComponent,
    ImageComponent,
    MultistepWidget,
    NumericInputWidget,
    PassFailDialog,
    RadiobuttonWidget,
    StepWidget,
    TextInputWidget,
    answer_value,
)
from hardlab.model.enums import ChartType, ComparisonOperation, Group, MeasurementType, TestStatus
from hardlab.model.measurement import (
    Chart,
    ChartRecord,
    Instrument,
    MeasurementRecord,
    NumericMeasurement,
    NumericMeasurementRecord,
    StringMeasurement,
    StringMeasurementRecord,
    SubUnit,
)
from hardlab.model.report import (
    CaseRunStore,
    CaseStateStore,
    Dut,
    IBaseResult,
    ModuleRunStore,
    ModuleStateStore,
    OperatorData,
    Process,
    ResultRunStore,
    ResultStateStore,
    TestStand,
)

__all__ = [
    "BaseWidget",
    "CaseRunStore",
    "CaseStateStore",
    "Chart",
    "ChartRecord",
    "ChartType",
    "CheckboxWidget",
    "ComparisonOperation",
    "DialogBox",
    "Dut",
    "Group",
    "HTMLComponent",
    "IBaseResult",
    "ImageComponent",
    "Instrument",
    "MeasurementRecord",
    "MeasurementType",
    "ModuleRunStore",
    "ModuleStateStore",
    "MultistepWidget",
    "NumericInputWidget",
    "NumericMeasurement",
    "NumericMeasurementRecord",
    "OperatorData",
    "PassFailDialog",
    "Process",
    "RadiobuttonWidget",
    "ResultRunStore",
    "ResultStateStore",
    "StepWidget",
    "StringMeasurement",
    "StringMeasurementRecord",
    "SubUnit",
    "TestStand",
    "TestStatus",
    "TextInputWidget",
    "answer_value",
]
