"""The exchange table of an artifact ``scpi``, and reading it in either form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hardlab.model.scpi import SCPI_COLUMNS, scpi_entries, scpi_table

ROW = ("dmm", "query", "MEAS:VOLT:DC?", "+3.3", 1764750000.5, 0.061, None)
ENTRY = dict(zip(SCPI_COLUMNS, ROW, strict=True))


def test_a_table_reads_as_one_dict_per_row_also_after_a_json_round_trip() -> None:
    table = scpi_table()
    table["rows"] += [ROW, ("psu", "write", "VOLT 3", None, 1764750001.0, 0.02, "timeout")]
    entries = scpi_entries(table)
    assert entries[0] == ENTRY
    assert entries[1]["error"] == "timeout" and entries[1]["answer"] is None
    assert scpi_entries(json.loads(json.dumps(table))) == entries
    assert scpi_table() == {"columns": list(SCPI_COLUMNS), "rows": []}  # a fresh one each time


def test_a_table_is_read_by_its_own_columns() -> None:
    columns = ["time", "instrument", "command", "ms"]  # another order, fewer columns
    table = {"columns": columns, "rows": [[1764750000.5, "dmm", "*IDN?", 0.2]]}
    (entry,) = scpi_entries(table)
    assert entry == {**dict.fromkeys(SCPI_COLUMNS), "time": 1764750000.5, "instrument": "dmm",
                     "command": "*IDN?", "ms": 0.2}  # fmt: skip


def test_the_list_of_objects_of_earlier_versions_reads_the_same() -> None:
    old = {key: value for key, value in ENTRY.items() if key not in ("time", "error")}
    assert scpi_entries([{**old, "t": 1764750000.5}]) == [ENTRY]


@pytest.mark.parametrize(
    "value",
    [
        None,
        "not exchanges",
        {"columns": "instrument", "rows": []},
        {"columns": list(SCPI_COLUMNS)},
        {"columns": list(SCPI_COLUMNS), "rows": [["too", "short"], "nor a row"]},
        [1, "two", None],
    ],
)
def test_a_value_of_the_plans_own_under_the_key_gives_no_exchanges(value: Any) -> None:
    assert scpi_entries(value) == []
