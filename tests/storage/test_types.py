"""How the store keeps times: the ORM, the writer process and the migrations agree."""

from __future__ import annotations

import importlib.util
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest

from hardlab.storage._types import read_time, sqlite_micros, sqlite_time_text

MOMENTS = [
    datetime(2026, 12, 3, 14, 5, 6, 123456, tzinfo=timezone.utc),
    datetime(2026, 12, 3, 16, 5, 6, 999999, tzinfo=timezone(timedelta(hours=2))),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=timezone.utc),
    datetime(1970, 1, 1, tzinfo=timezone.utc),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=timezone.utc),
]


def _migration() -> ModuleType:
    import hardlab.storage

    versions = Path(hardlab.storage.__file__).with_name("migrations") / "versions"
    path = versions / "20261203_0008_slim_measurements.py"
    spec = importlib.util.spec_from_file_location("slim_measurements", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_integer_microseconds_read_back_as_the_same_time(moment: datetime) -> None:
    micros = sqlite_micros(moment)
    assert isinstance(micros, int)
    assert read_time(micros) == moment
    assert read_time(micros).tzinfo is timezone.utc  # type: ignore[union-attr]
    assert read_time(sqlite_time_text(moment)) == moment
    assert sqlite_micros(None) is None


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_the_migration_turns_text_times_into_microseconds_and_back(moment: datetime) -> None:
    migration = _migration()
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (v DATETIME)")
    connection.execute("INSERT INTO t VALUES (?)", (sqlite_time_text(moment),))
    connection.execute(f"UPDATE t SET v = {migration._micros('v')}")
    assert connection.execute("SELECT v FROM t").fetchone()[0] == sqlite_micros(moment)
    connection.execute(f"UPDATE t SET v = {migration._text('v')}")
    assert connection.execute("SELECT v FROM t").fetchone()[0] == sqlite_time_text(moment)
    connection.close()


def test_a_text_time_without_a_fraction_migrates_as_whole_seconds() -> None:
    migration = _migration()
    connection = sqlite3.connect(":memory:")
    value = connection.execute(
        f"SELECT {migration._micros('v')} FROM (SELECT '2026-12-03 14:05:06' AS v)"
    ).fetchone()[0]
    connection.close()
    assert value == sqlite_micros(datetime(2026, 12, 3, 14, 5, 6, tzinfo=timezone.utc))
