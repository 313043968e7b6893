"""The run store: every run in SQL, SQLite by default, PostgreSQL for many stands.

Importing this package imports no SQLAlchemy; `Store` does when first used.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

if TYPE_CHECKING:
    from hardlab.storage._queries import RunFilter
    from hardlab.storage._sink import StoreSink, report_run_id
    from hardlab.storage._store import Rows, Store
    from hardlab.storage._url import DB_ENV, default_url, resolve_url

__all__ = [
    "DB_ENV",
    "Rows",
    "RunFilter",
    "Store",
    "StoreSink",
    "default_url",
    "report_run_id",
    "resolve_url",
]

_WHERE = {
    "DB_ENV": "hardlab.storage._url",
    "RunFilter": "hardlab.storage._queries",
    "Rows": "hardlab.storage._store",
    "Store": "hardlab.storage._store",
    "default_url": "hardlab.storage._url",
    "resolve_url": "hardlab.storage._url",
    "StoreSink": "hardlab.storage._sink",
    "report_run_id": "hardlab.storage._sink",
}


def __getattr__(name: str) -> _Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'hardlab.storage' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
