"""The writer's view of the tables (`hardlab.storage._schema`) is generated from the ORM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import JSON

from hardlab.storage import _schema, _write
from hardlab.storage._orm import (
    Base,
    MeasurementRow,
    MeasurementWeekly,
    MicroTime,
    RunRow,
    UTCDateTime,
)
from hardlab.storage._schemagen import SCHEMA_FILE, render_schema, write_schema


def test_the_schema_module_is_what_the_orm_generates() -> None:
    # after changing the ORM: python -m hardlab.storage._schemagen, and commit the result
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema()


def test_the_generator_writes_the_module_and_says_when_it_changed(tmp_path: Path) -> None:
    target = tmp_path / "_schema.py"
    assert write_schema(target) is True
    assert write_schema(target) is False
    assert target.read_text(encoding="utf-8") == render_schema()
    # and the module it writes is plain Python that needs nothing but the standard library
    namespace: dict[str, object] = {}
    exec(compile(target.read_text(encoding="utf-8"), str(target), "exec"), namespace)
    assert namespace["COLUMNS"] == _schema.COLUMNS


def test_the_writer_knows_the_models_columns() -> None:
    tables = Base.metadata.tables
    assert set(_schema.COLUMNS) == set(tables)
    for name, table in tables.items():
        assert _schema.COLUMNS[name] == tuple(c.name for c in table.columns)
        assert _schema.JSON_COLUMNS[name] == {
            c.name for c in table.columns if isinstance(c.type, JSON)
        }
        assert _schema.TIME_COLUMNS[name] == {
            c.name for c in table.columns if isinstance(c.type, UTCDateTime)
        }
        assert _schema.MICRO_TIME_COLUMNS[name] == {
            c.name for c in table.columns if isinstance(c.type, MicroTime)
        }
    measurement = [c.name for c in MeasurementRow.__table__.columns if c.name != "id"]
    assert sorted(_write._MEASUREMENT_COLUMNS) == sorted(measurement)
    assert _schema.COLUMNS[_schema.MEASUREMENT_WEEKLY] == tuple(
        c.name for c in MeasurementWeekly.__table__.columns
    )
    assert _schema.MICRO_TIME_COLUMNS[_schema.CASES] == {"started_at", "stopped_at"}
    assert _schema.KEYS[_schema.CASES] == ("run_id", "module_id", "case_id", "attempt")
    assert _schema.KEYS[_schema.RUNS] == ("id",)
    assert _schema.DEFAULTS[_schema.RUNS]
    for name, value in _schema.DEFAULTS[_schema.RUNS].items():
        default = RunRow.__table__.columns[name].default
        assert default is not None and default.arg == value, name


def test_the_schema_module_imports_only_the_standard_library() -> None:
    script = (
        "import sys\n"
        "import hardlab.storage._schema, hardlab.storage._write, hardlab.storage._messages\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'pydantic')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
