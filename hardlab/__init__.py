"""hardlab: bring up and test hardware from Jupyter, the HardPy way.

Test plans are pytest functions that call HardPy's API (every name of
``hardpy`` that is not CouchDB-specific is here, with the same
signature and effect), and run from a notebook, a terminal or CI::

    import hardlab

    result = hardlab.run("plans/power_board", answers={"LED check": "pass"})
    result.status, result.report.dut.serial_number

Names are imported on first use, so ``import hardlab`` (which pytest does in
every session through the plugin entry point) stays cheap.

In a notebook, ``%load_ext hardlab`` adds the ``%hardpy`` magics (see
`hardlab.magics`); ``hardlab.station(PATH)`` is the operator station, a
kiosk panel for production (``hardlab station PATH`` serves it with Voilà).

PYTEST_DONT_REWRITE: hardlab's own asserts are not test assertions.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

from hardlab._version import __version__

if TYPE_CHECKING:
    from hardlab.api import (
        ErrorCode,
        clear_operator_message,
        get_current_attempt,
        get_current_report,
        get_hardpy_config,
        run_dialog_box,
        set_batch_serial_number,
        set_case_artifact,
        set_case_chart,
        set_case_measurement,
        set_driver_info,
        set_dut_info,
        set_dut_name,
        set_dut_part_number,
        set_dut_revision,
        set_dut_serial_number,
        set_dut_sub_unit,
        set_dut_type,
        set_instrument,
        set_message,
        set_module_artifact,
        set_operator_message,
        set_process_info,
        set_process_name,
        set_process_number,
        set_run_artifact,
        set_stand_info,
        set_stand_location,
        set_stand_name,
        set_stand_number,
        set_stand_revision,
        set_user_name,
    )
    from hardlab.cloud import StandCloudConnector, StandCloudLoader, StandCloudReader
    from hardlab.config import HardpyConfig
    from hardlab.errors import (
        DuplicateParameterError,
        HardlabError,
        StandCloudError,
        TestStandNumberError,
    )
    from hardlab.exchange import CouchdbConfig, CouchdbLoader, CouchdbReader, JsonLoader
    from hardlab.instruments import instrument
    from hardlab.magics import load_ipython_extension, unload_ipython_extension
    from hardlab.model import (
        BaseWidget,
        Chart,
        ChartType,
        CheckboxWidget,
        ComparisonOperation,
        DialogBox,
        Group,
        HTMLComponent,
        ImageComponent,
        Instrument,
        MultistepWidget,
        NumericInputWidget,
        NumericMeasurement,
        PassFailDialog,
        RadiobuttonWidget,
        ResultRunStore,
        StepWidget,
        StringMeasurement,
        SubUnit,
        TestStatus,
        TextInputWidget,
    )
    from hardlab.operator_station import station
    from hardlab.operators import Answer, DialogRequest, MessageRequest, Operator
    from hardlab.runner import (
        RunHandle,
        RunResult,
        ScriptedOperator,
        TerminalOperator,
        run,
        start,
    )
    from hardlab.runtime import shared
    from hardlab.services import history, sync

__all__ = [
    "Answer",
    "BaseWidget",
    "Chart",
    "ChartType",
    "CheckboxWidget",
    "ComparisonOperation",
    "CouchdbConfig",
    "CouchdbLoader",
    "CouchdbReader",
    "DialogBox",
    "DialogRequest",
    "DuplicateParameterError",
    "ErrorCode",
    "Group",
    "HTMLComponent",
    "HardlabError",
    "HardpyConfig",
    "ImageComponent",
    "Instrument",
    "JsonLoader",
    "MessageRequest",
    "MultistepWidget",
    "NumericInputWidget",
    "NumericMeasurement",
    "Operator",
    "PassFailDialog",
    "RadiobuttonWidget",
    "ResultRunStore",
    "RunHandle",
    "RunResult",
    "ScriptedOperator",
    "StandCloudConnector",
    "StandCloudError",
    "StandCloudLoader",
    "StandCloudReader",
    "StepWidget",
    "StringMeasurement",
    "SubUnit",
    "TerminalOperator",
    "TestStandNumberError",
    "TestStatus",
    "TextInputWidget",
    "__version__",
    "clear_operator_message",
    "get_current_attempt",
    "get_current_report",
    "get_hardpy_config",
    "history",
    "instrument",
    "load_ipython_extension",
    "run",
    "run_dialog_box",
    "set_batch_serial_number",
    "set_case_artifact",
    "set_case_chart",
    "set_case_measurement",
    "set_driver_info",
    "set_dut_info",
    "set_dut_name",
    "set_dut_part_number",
    "set_dut_revision",
    "set_dut_serial_number",
    "set_dut_sub_unit",
    "set_dut_type",
    "set_instrument",
    "set_message",
    "set_module_artifact",
    "set_operator_message",
    "set_process_info",
    "set_process_name",
    "set_process_number",
    "set_run_artifact",
    "set_stand_info",
    "set_stand_location",
    "set_stand_name",
    "set_stand_number",
    "set_stand_revision",
    "set_user_name",
    "shared",
    "start",
    "station",
    "sync",
    "unload_ipython_extension",
]

# Where a name is defined is found on first use, in this order; each module
# is imported only when a name is asked for, and light modules come first.
_SOURCES = (
    "hardlab.errors",
    "hardlab.model",
    "hardlab.config",
    "hardlab.operators",
    "hardlab.api",
    "hardlab.runtime",
    "hardlab.exchange",
    "hardlab.cloud",
    "hardlab.instruments",
    "hardlab.services",
    "hardlab.runner",
    "hardlab.magics",
    "hardlab.operator_station",
    "hardlab.widgets",
)


# Sub-packages reached as attributes (``hardlab.instruments.close()``) before any import.
_PACKAGES = ("instruments",)


def __getattr__(name: str) -> _Any:
    if name in _PACKAGES:
        return _importlib.import_module(f"hardlab.{name}")
    if name not in __all__:
        msg = f"module 'hardlab' has no attribute {name!r}"
        raise AttributeError(msg)
    for source in _SOURCES:
        module = _importlib.import_module(source)
        if name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            globals()[name] = value
            return value
    msg = f"hardlab.{name} is listed in __all__ but defined nowhere"  # pragma: no cover
    raise AttributeError(msg)  # pragma: no cover


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
