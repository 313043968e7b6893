"""Every HardPy 0.25.2 module path and public name resolves under ``import hardpy``.

HardPy's module list with each module's public names is data in
``tests/data/hardpy_modules.json`` (read from HardPy's wheel, no HardPy code).
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hardlab
from hardlab.compat import HARDPY_MODULES, HARDPY_VERSION
from hardlab.errors import NotSupportedError
from hardlab.runner import _alias

DATA = json.loads((Path(__file__).parents[1] / "data" / "hardpy_modules.json").read_text())
MODULES: dict[str, list[str]] = DATA["modules"]


@pytest.fixture
def hardpy_alias() -> Iterator[None]:
    handle = _alias.install(force=True)
    try:
        yield
    finally:
        handle.remove()


def test_the_data_is_hardpy_0_25_2_with_its_55_modules() -> None:
    assert DATA["hardpy_version"] == HARDPY_VERSION == "0.25.2"
    assert len(MODULES) == 55
    assert "hardpy.pytest_hardpy.utils.const" in MODULES


def test_the_table_covers_every_module_and_name() -> None:
    missing = {
        module: sorted(set(names) - set(HARDPY_MODULES.get(module, {})))
        for module, names in MODULES.items()
        if module != "hardpy"
    }
    assert {module: names for module, names in missing.items() if names} == {}
    assert set(MODULES) <= set(HARDPY_MODULES)


@pytest.mark.usefixtures("hardpy_alias")
@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports_with_its_public_names(module: str) -> None:
    imported = importlib.import_module(module)
    absent = [name for name in MODULES[module] if not hasattr(imported, name)]
    assert absent == []
    assert set(MODULES[module]) <= set(dir(imported))


@pytest.mark.usefixtures("hardpy_alias")
def test_documented_deep_imports_give_hardlab_objects() -> None:
    from hardpy.common.config import ConfigManager, StandCloudConfig  # type: ignore[import-not-found]
    from hardpy.pytest_hardpy.db import DatabaseField  # type: ignore[import-not-found]
    from hardpy.pytest_hardpy.db.schema.v1 import NumericMeasurement  # type: ignore[import-not-found]
    from hardpy.pytest_hardpy.utils.const import Group  # type: ignore[import-not-found]
    from hardpy.pytest_hardpy.utils.dialog_box import BaseWidget  # type: ignore[import-not-found]

    assert Group is hardlab.Group
    assert BaseWidget is hardlab.BaseWidget
    assert StandCloudConfig().autosync is False
    assert ConfigManager() is ConfigManager()
    assert DatabaseField.CAUSED_DUT_FAILURE_ID.value == "caused_dut_failure_id"
    # the schema's measurement has no validator: a stored report is not recomputed
    assert NumericMeasurement(value=1, operation="eq", comparison_value=2).result is None


@pytest.mark.usefixtures("hardpy_alias")
def test_hardpy_version_is_the_compatible_release_and_hardlab_keeps_its_own() -> None:
    import hardpy  # type: ignore[import-not-found]

    from hardlab._version import __version__

    assert hardpy.__version__ == "0.25.2"
    assert hardlab.__version__ == __version__ != "0.25.2"


@pytest.mark.usefixtures("hardpy_alias")
@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("hardpy.pytest_hardpy.db", "StateStore"),
        ("hardpy.pytest_hardpy.db.couchdb", "CouchDBRunStore"),
        ("hardpy.pytest_hardpy.reporter", "HookReporter"),
        ("hardpy.pytest_hardpy.pytest_wrapper", "PyTestWrapper"),
        ("hardpy.pytest_hardpy.db.couchdb.common", "update_db"),
    ],
)
def test_hardpy_engine_internals_import_and_refuse_when_used(module: str, name: str) -> None:
    thing: Callable[..., object] = getattr(importlib.import_module(module), name)
    with pytest.raises(NotSupportedError, match=f"HardPy's {name} is not part of hardlab"):
        thing()


@pytest.mark.usefixtures("hardpy_alias")
def test_store_helpers_work_on_documents(tmp_path: Path) -> None:
    from hardpy.pytest_hardpy.db.common import (  # type: ignore[import-not-found]
        clear_doc_value,
        create_default_doc_structure,
        get_field,
        update_doc_value,
    )
    from hardpy.pytest_hardpy.db.json.common import (  # type: ignore[import-not-found]
        update_db,
        update_doc,
    )
    from hardpy.pytest_hardpy.utils import ProgressCalculator  # type: ignore[import-not-found]

    doc = create_default_doc_structure("localhost_8000", "localhost_8000")
    update_doc_value(doc, "dut.info.fw", "1.2")
    update_doc_value(doc, "artifact.when", {1, 2})  # not JSON: kept as its text
    assert get_field(doc, "dut.info.fw") == "1.2"
    assert get_field(doc, "dut.nothing.here") is None
    assert isinstance(doc["artifact"]["when"], str)
    assert clear_doc_value(doc, "artifact") is not None and "artifact" not in doc
    path = tmp_path / "store" / "doc.json"
    update_db(path.parent, path, doc)
    assert update_doc(path, {}) == doc
    progress = ProgressCalculator()
    progress.set_test_amount(3)
    assert [progress.calculate(n) for n in ("a", "a", "b")] == [33, 33, 66]
    with pytest.raises(ValueError, match="greater than 0"):
        progress.set_test_amount(0)


def test_config_manager_reads_a_folder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from hardlab.compat._internals import ConfigManager

    (tmp_path / "hardpy.toml").write_text('tests_name = "Board"\n[[test_configs]]\nname = "A"\n')
    manager = ConfigManager()
    config = manager.read_config(tmp_path)
    assert config is not None and config.tests_name == "Board" and manager.tests_path == tmp_path
    manager.set_current_test_config("A")
    assert manager.config.current_test_config == "A"
    with caplog.at_level(logging.ERROR):
        assert manager.read_config(tmp_path / "missing") is None
    assert "hardpy.toml not found" in caplog.text


def test_a_plan_with_deep_imports_runs(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {
            "test_deep.py": """
                import pytest
                from hardpy.common.config import ConfigManager
                from hardpy.pytest_hardpy.db import RunStore
                from hardpy.pytest_hardpy.utils.const import Group

                import hardpy

                @pytest.mark.case_group(Group.SETUP)
                def test_deep():
                    hardpy.set_dut_serial_number("SN-9")
                    assert RunStore().get_field("dut.serial_number") == "SN-9"
                    assert RunStore().get_document().dut.serial_number == "SN-9"
                    assert ConfigManager().config.tests_name == "Deep"
            """,
            "hardpy.toml": 'tests_name = "Deep"\n',
        }
    )
    result = hardlab.run(plan, store=False, quiet=True, hardpy_alias=True)
    case = result.report.modules["test_deep"].cases["test_deep"]
    assert result.passed, case.assertion_msg
    assert case.group == "setup"


def test_hardpy_validators_widget_type_convert_data_and_extra_info(tmp_path: Path) -> None:
    from hardlab.config import load_config
    from hardlab.model.dialog import WidgetType

    meas = hardlab.NumericMeasurement(value=10, operation="eq", comparison_value=10)
    assert meas.validate_operation_requirements() is meas and meas.result is True
    with pytest.raises(ValueError, match=r"Comparison_value required for ComparisonOperation\.EQ"):
        hardlab.StringMeasurement(value="x", operation="eq")
    chart = hardlab.Chart()
    chart.add_series([1, 2], [3, 4], "m")
    assert chart.validate_lines() is chart
    with pytest.raises(ValueError, match="data in single series must have the same length"):
        chart.add_series([1], [1, 2])
    assert hardlab.BaseWidget(widget_type=WidgetType.TEXT_INPUT).type == "textinput"
    assert hardlab.BaseWidget().type == "base" and hardlab.BaseWidget().convert_data() is True
    assert hardlab.TextInputWidget().convert_data() is None
    # a whole-number limit stays an int in the stored form
    assert '"comparison_value":10,' in meas.model_dump_json()
    assert repr(meas).startswith(
        "NumericMeasurement(type=<MeasurementType.NUMERIC: 'numeric'>, name=None, operation="
    )
    (tmp_path / "hardpy.toml").write_text('[extra_info]\nline = "A"\nslot = 2\n')
    assert load_config(tmp_path).extra_info == {"line": "A", "slot": 2}
    assert load_config(tmp_path / "none").extra_info == {}
