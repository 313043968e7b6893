"""Raw SQL against a test's store: what the tables hold, beside what `Store` methods show.

`Store` runs only its named queries; tests that check the rows themselves
(counts, the weekly statistics, the outbox) read the tables through its engine.
"""

from __future__ import annotations

from typing import Any

from hardlab.storage import Rows, Store


def query(store: Store, statement: Any) -> Rows:
    """Run a SQLAlchemy statement (``select(...)``, ``text(...)``) on `store`'s database."""
    with store.engine.connect() as connection:
        result = connection.execute(statement)
        return Rows(tuple(result.keys()), [tuple(row) for row in result])
