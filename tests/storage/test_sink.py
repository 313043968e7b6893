"""The store sink as a sink of the run: open, handle, close with what became of the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hardlab
from hardlab.events import SinkOutcome
from hardlab.storage import StoreSink


def test_a_run_is_saved_and_close_says_where(
    tmp_path: Path, make_plan: Any, hardlab_home: Path
) -> None:
    plan = make_plan({"test_1.py": "def test_one():\n    pass\n"})
    sinks: list[StoreSink] = []
    states: list[Any] = []  # the live run, whose listeners include the store's sink

    class FindTheSink:
        def handle(self, event: Any) -> None:
            from hardlab.events import RunFinished

            if isinstance(event, RunFinished):
                sinks.extend(s for s in states[0].listeners if isinstance(s, StoreSink))

    result = hardlab.run(
        plan,
        store=tmp_path / "store.db",
        listeners=[FindTheSink()],
        quiet=True,
        on_run=states.append,
    )
    assert result.passed and result.store_url is not None
    (sink,) = sinks
    assert sink.close() == SinkOutcome(notices=(), saved_to=result.store_url)


def test_a_store_that_cannot_take_the_run_says_why_at_open_and_close(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_text("not a database, a note someone left here\n" * 100)
    sink = StoreSink(f"sqlite:///{path}")
    reason = sink.open(None)
    assert reason is not None and "not an SQLite database" in reason
    outcome = sink.close()
    assert outcome.saved_to is None
    assert outcome.notices and all(isinstance(n, str) for n in outcome.notices)
    assert outcome.notices == tuple(sink.errors)


def test_a_sink_that_saw_no_run_saves_nothing(tmp_path: Path) -> None:
    sink = StoreSink(f"sqlite:///{tmp_path / 'store.db'}")
    assert sink.open(None) is None
    assert sink.close() == SinkOutcome()
    assert sink.close() == SinkOutcome()  # once closed, closing again changes nothing
