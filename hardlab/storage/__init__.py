"""The run store: every run in SQL, SQLite by default, PostgreSQL for many stands.

Importing this package imports no SQLAlchemy; `Store` does when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.storage._outbox import Outbox, OutboxEntry, OutboxResult
    from hardlab.storage._queries import RunFilter
    from hardlab.storage._sink import StoreSink, report_run_id
    from hardlab.storage._store import Rows, Store
    from hardlab.storage._url import DB_ENV, default_url, resolve_url

__all__ = [
    "DB_ENV",
    "Outbox",
    "OutboxEntry",
    "OutboxResult",
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
    "Outbox": "hardlab.storage._outbox",
    "OutboxEntry": "hardlab.storage._outbox",
    "OutboxResult": "hardlab.storage._outbox",
    "RunFilter": "hardlab.storage._queries",
    "Rows": "hardlab.storage._store",
    "Store": "hardlab.storage._store",
    "default_url": "hardlab.storage._url",
    "resolve_url": "hardlab.storage._url",
    "StoreSink": "hardlab.storage._sink",
    "report_run_id": "hardlab.storage._sink",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
