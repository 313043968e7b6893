"""The run store: every run in SQL, SQLite by default, PostgreSQL for many stands.

Importing this package imports no SQLAlchemy; `Store` does when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hardlab.model.flat import measurement_from_row
    from hardlab.storage._outbox import Outbox, OutboxEntry, OutboxResult
    from hardlab.storage._queries import RunFilter
    from hardlab.storage._sink import StoreSink, report_run_id
    from hardlab.storage._spool import SpoolResult
    from hardlab.storage._store import Rows, Store
    from hardlab.storage._url import DB_ENV, check_url, default_url, resolve_url
    from hardlab.storage._version import SCHEMA_HEAD

__all__ = [
    "DB_ENV",
    "SCHEMA_HEAD",
    "Outbox",
    "OutboxEntry",
    "OutboxResult",
    "Rows",
    "RunFilter",
    "SpoolResult",
    "Store",
    "StoreSink",
    "check_url",
    "default_url",
    "measurement_from_row",
    "report_run_id",
    "resolve_url",
]

_WHERE = {
    "DB_ENV": "hardlab.storage._url",
    "Outbox": "hardlab.storage._outbox",
    "OutboxEntry": "hardlab.storage._outbox",
    "OutboxResult": "hardlab.storage._outbox",
    "RunFilter": "hardlab.storage._queries",
    "Rows": "hardlab.storage._store",
    "Store": "hardlab.storage._store",
    "SCHEMA_HEAD": "hardlab.storage._version",
    "check_url": "hardlab.storage._url",
    "default_url": "hardlab.storage._url",
    "resolve_url": "hardlab.storage._url",
    "StoreSink": "hardlab.storage._sink",
    "SpoolResult": "hardlab.storage._spool",
    "report_run_id": "hardlab.storage._sink",
    "measurement_from_row": "hardlab.model.flat",
}


# As `hardlab._util.lazy_exports` does, without importing `hardlab._util`: the
# store writer process imports this package too, and needs none of what that
# module imports (a tenth of the writer's start).
def __getattr__(name: str) -> Any:
    module_name = _WHERE.get(name)
    if module_name is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
