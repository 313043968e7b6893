"""The report document (HardPy schema v1) and the values tests put into it.

Pure pydantic: no I/O, no pytest. Users can build and validate reports with
only this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
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
    from hardlab.model.enums import (
        ChartType,
        ComparisonOperation,
        Group,
        MeasurementType,
        TestStatus,
    )
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

# Imported on first use: the store's writer process reads `hardlab.model.flat`
# without loading pydantic.
_WHERE = {
    "BaseWidget": "hardlab.model.dialog",
    "CaseRunStore": "hardlab.model.report",
    "CaseStateStore": "hardlab.model.report",
    "Chart": "hardlab.model.measurement",
    "ChartRecord": "hardlab.model.measurement",
    "ChartType": "hardlab.model.enums",
    "CheckboxWidget": "hardlab.model.dialog",
    "ComparisonOperation": "hardlab.model.enums",
    "DialogBox": "hardlab.model.dialog",
    "Dut": "hardlab.model.report",
    "Group": "hardlab.model.enums",
    "HTMLComponent": "hardlab.model.dialog",
    "IBaseResult": "hardlab.model.report",
    "ImageComponent": "hardlab.model.dialog",
    "Instrument": "hardlab.model.measurement",
    "MeasurementRecord": "hardlab.model.measurement",
    "MeasurementType": "hardlab.model.enums",
    "ModuleRunStore": "hardlab.model.report",
    "ModuleStateStore": "hardlab.model.report",
    "MultistepWidget": "hardlab.model.dialog",
    "NumericInputWidget": "hardlab.model.dialog",
    "NumericMeasurement": "hardlab.model.measurement",
    "NumericMeasurementRecord": "hardlab.model.measurement",
    "OperatorData": "hardlab.model.report",
    "PassFailDialog": "hardlab.model.dialog",
    "Process": "hardlab.model.report",
    "RadiobuttonWidget": "hardlab.model.dialog",
    "ResultRunStore": "hardlab.model.report",
    "ResultStateStore": "hardlab.model.report",
    "StepWidget": "hardlab.model.dialog",
    "StringMeasurement": "hardlab.model.measurement",
    "StringMeasurementRecord": "hardlab.model.measurement",
    "SubUnit": "hardlab.model.measurement",
    "TestStand": "hardlab.model.report",
    "TestStatus": "hardlab.model.enums",
    "TextInputWidget": "hardlab.model.dialog",
    "answer_value": "hardlab.model.dialog",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
