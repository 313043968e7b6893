"""The flat form of a measurement: one row of named columns, as the store keeps it.

The store writes measurements as rows (numeric and string values in their
own columns); this turns such a row back into a report measurement. It lives
with the model, below both the store and the exchange formats, so that
there is one way back from a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["measurement_from_row"]


def measurement_from_row(row: Mapping[str, Any], *, whole_as_int: bool = False) -> dict[str, Any]:
    """A ``hardlab_measurements`` row as a report measurement (HardPy's schema v1, JSON style).

    The one way back from the store's measurement rows (``storage``'s
    ``measurement_rows``): the store, its exports and the CLI all use it.

    Args:
        row: The row's columns by name.
        whole_as_int: Give a whole numeric value as an int, as a plan most
            likely set it (a rebuilt report); off, values are as stored (floats).
    """
    if row["kind"] == "numeric":
        value: Any = row["value_num"]
        comparison: Any = row["comparison_num"]
        # an int beyond float range is kept as its digits in the text column
        if value is None and row.get("value_str") is not None:
            value = int(row["value_str"])
        if comparison is None and row.get("comparison_str") is not None:
            comparison = int(row["comparison_str"])
        if whole_as_int and isinstance(value, float) and value.is_integer():
            value = int(value) if abs(value) < 2**53 else value
        return {
            "type": "numeric",
            "value": value,
            "name": row["name"],
            "unit": row["unit"],
            "operation": row["operation"],
            "comparison_value": comparison,
            "lower_limit": row["lower_limit"],
            "upper_limit": row["upper_limit"],
            "result": row["result"],
        }
    return {
        "type": "string",
        "value": row["value_str"],
        "name": row["name"],
        "casesensitive": row["casesensitive"] if row["casesensitive"] is not None else True,
        "operation": row["operation"],
        "comparison_value": row["comparison_str"],
        "result": row["result"],
    }
