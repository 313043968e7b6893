"""Writes `hardlab.storage._schema` from the ORM: ``python -m hardlab.storage._schemagen``.

The store writer process writes with plain ``sqlite3`` / psycopg and must
not import SQLAlchemy (a third of a second of CPU on a two-core stand), so
what it needs to know of the tables (their columns, keys, JSON and
timestamp columns, defaults) is generated from `hardlab.storage._orm` into a
module of plain constants. A test regenerates it and compares: after
changing the ORM, run this module and commit the result with the migration.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table, UniqueConstraint

from hardlab.storage._orm import Base, MicroTime, PackedJSON, UTCDateTime

__all__ = ["SCHEMA_FILE", "render_schema", "write_schema"]

SCHEMA_FILE = Path(__file__).with_name("_schema.py")
"""The generated module."""

_PREFIX = "hardlab_"

_HEADER = '''"""The stored tables as the writer process needs them: plain constants, no SQLAlchemy.

Generated from `hardlab.storage._orm` by ``python -m hardlab.storage._schemagen``;
do not edit (tests/storage/test_schema.py checks it matches the ORM).
"""

from __future__ import annotations

from typing import Any

__all__ = [
{names}]

'''


def _constant(table: Table) -> str:
    """The module constant naming `table`: ``hardlab_runs`` -> ``RUNS``."""
    return table.name.removeprefix(_PREFIX).upper()


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    msg = f"cannot write {value!r} into the schema module"
    raise TypeError(msg)


def _strings(values: Iterable[str], indent: str) -> str:
    """A multi-line tuple body, one string a line (a trailing comma keeps the layout)."""
    return "".join(f"{indent}{_literal(v)},\n" for v in values)


def _keys(table: Table) -> tuple[str, ...]:
    """What identifies a row: its primary key, or its unique key if the primary one is generated."""
    primary = tuple(c.name for c in table.primary_key.columns)
    if not any(c.autoincrement is True for c in table.primary_key.columns):
        return primary
    unique = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    return tuple(c.name for c in unique[0].columns) if unique else primary


def _defaults(table: Table) -> dict[str, Any]:
    found = {}
    for column in table.columns:
        default = column.default
        if default is None:
            continue
        if not default.is_scalar:
            msg = f"{table.name}.{column.name}: the writer process needs a constant default"
            raise TypeError(msg)
        found[column.name] = default.arg  # type: ignore[attr-defined]
    return found


def _table_dict(
    name: str, doc: str, type_: str, entries: Iterable[tuple[str, str]], indent: str = "    "
) -> str:
    body = "".join(f"{indent}{key}: {value},\n" for key, value in entries)
    return f"{name}: dict[str, {type_}] = {{\n{body}}}\n{doc}\n\n"


def _frozenset(values: Iterable[str]) -> str:
    values = sorted(values)
    if not values:
        return "frozenset()"
    if len(values) == 1:
        return f"frozenset({{{_literal(values[0])}}})"
    return "frozenset(\n        {\n" + _strings(values, " " * 12) + "        }\n    )"


def _tuple(values: Iterable[str]) -> str:
    values = list(values)
    if not values:
        return "()"
    if len(values) == 1:
        return f"({_literal(values[0])},)"
    return "(\n" + _strings(values, " " * 8) + "    )"


def render_schema() -> str:
    """The text of `hardlab.storage._schema` for the ORM as it is."""
    tables = sorted(Base.metadata.tables.values(), key=lambda t: t.name)
    constants = [(_constant(t), t) for t in tables]
    exported = (
        "COLUMNS",
        "DEFAULTS",
        "GENERATED",
        "JSON_COLUMNS",
        "KEYS",
        "MICRO_TIME_COLUMNS",
        "PACKED_COLUMNS",
        "TIME_COLUMNS",
    )
    names = _strings(sorted([*exported, *(name for name, _ in constants)]), "    ")
    out = [_HEADER.format(names=names)]
    for name, table in constants:
        out.append(f'{name} = "{table.name}"\n')
    out.append("\n")
    out.append(
        _table_dict(
            "COLUMNS",
            '"""Every column of each table, in the ORM\'s order."""',
            "tuple[str, ...]",
            ((name, _tuple(c.name for c in t.columns)) for name, t in constants),
        )
    )
    out.append(
        _table_dict(
            "GENERATED",
            '"""The columns the database fills in (autoincrement ids): left out of inserts."""',
            "frozenset[str]",
            (
                (name, _frozenset(c.name for c in t.primary_key.columns if c.autoincrement is True))
                for name, t in constants
            ),
        )
    )
    out.append(
        _table_dict(
            "KEYS",
            '"""What identifies a row for an upsert: the primary key, or the unique key\n'
            'of a table whose primary key is generated."""',
            "tuple[str, ...]",
            ((name, _tuple(_keys(t))) for name, t in constants),
        )
    )
    out.append(
        _table_dict(
            "JSON_COLUMNS",
            '"""Columns of type JSON (``jsonb`` on PostgreSQL)."""',
            "frozenset[str]",
            (
                (name, _frozenset(c.name for c in t.columns if isinstance(c.type, JSON)))
                for name, t in constants
            ),
        )
    )
    out.append(
        _table_dict(
            "PACKED_COLUMNS",
            '"""Columns of type `PackedJSON` (compressed JSON, see `hardlab.storage._types`)."""',
            "frozenset[str]",
            (
                (name, _frozenset(c.name for c in t.columns if isinstance(c.type, PackedJSON)))
                for name, t in constants
            ),
        )
    )
    out.append(
        _table_dict(
            "TIME_COLUMNS",
            '"""Columns of type `UTCDateTime` (see `hardlab.storage._types`)."""',
            "frozenset[str]",
            (
                (name, _frozenset(c.name for c in t.columns if isinstance(c.type, UTCDateTime)))
                for name, t in constants
            ),
        )
    )
    out.append(
        _table_dict(
            "MICRO_TIME_COLUMNS",
            '"""Columns of type `MicroTime` (integer microseconds on SQLite, see\n'
            '`hardlab.storage._types`)."""',
            "frozenset[str]",
            (
                (name, _frozenset(c.name for c in t.columns if isinstance(c.type, MicroTime)))
                for name, t in constants
            ),
        )
    )
    defaults = []
    for name, table in constants:
        values = _defaults(table)
        if not values:
            defaults.append((name, "{}"))
            continue
        body = "".join(f"        {_literal(k)}: {_literal(v)},\n" for k, v in values.items())
        defaults.append((name, "{\n" + body + "    }"))
    out.append(
        _table_dict(
            "DEFAULTS",
            '"""What a new row holds where the insert says nothing (the ORM\'s defaults)."""',
            "dict[str, Any]",
            defaults,
        )
    )
    return "".join(out).rstrip("\n") + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> bool:
    """Write the generated module; True if it changed."""
    text = render_schema()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = write_schema()
    print(f"{SCHEMA_FILE}: {'written' if changed else 'up to date'}")
    sys.exit(0)
