"""Pages of runs, filtered counts and filter values: what the JupyterLab panel asks the store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hardlab.storage import RunFilter, Store

from .test_queries import report

START = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)


@pytest.fixture
def store(store_url: str):
    with Store(store_url) as opened:
        for index in range(7):
            part = "PB-100" if index % 2 == 0 else "PB-200"
            stand = "A" if index < 4 else "B"
            status = "failed" if index == 3 else "passed"
            opened.save_report(
                report(
                    f"U{index}", status, START + timedelta(minutes=index), part=part, stand=stand
                )
            )
        opened.save_report(report(None, "passed", START + timedelta(hours=1), part="", stand="A"))
        yield opened


def _serials(store: Store, **kwargs: object) -> list[str | None]:
    return [row["dut_serial_number"] for row in store.runs(**kwargs).dicts()]  # type: ignore[arg-type]


def test_pages_follow_each_other_newest_first(store: Store) -> None:
    everything = _serials(store)
    assert everything == [None, "U6", "U5", "U4", "U3", "U2", "U1", "U0"]
    pages = [_serials(store, limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert pages == [everything[0:3], everything[3:6], everything[6:8], []]


def test_a_page_of_filtered_runs(store: Store) -> None:
    wanted = RunFilter(part_number="PB-100")
    assert _serials(store, run_filter=wanted, limit=2, offset=1) == ["U4", "U2"]


def test_count_runs_with_and_without_a_filter(store: Store) -> None:
    assert store.count_runs() == 8
    assert store.count_runs(RunFilter(stand="B")) == 3
    assert store.count_runs({"part_number": "PB-200", "status": "passed"}) == 2
    assert store.count_runs(RunFilter(serial_number="nobody")) == 0


def test_run_values_are_distinct_sorted_and_never_empty(store: Store) -> None:
    # the run without a part number ("") offers no empty choice
    assert store.run_values("part_number") == ["PB-100", "PB-200"]
    assert store.run_values("stand") == ["A", "B"]
    assert store.run_values("status") == ["failed", "passed"]
    assert store.run_values("part_number", RunFilter(stand="B")) == ["PB-100", "PB-200"]
    assert store.run_values("stand", {"status": "failed"}) == ["A"]


def test_run_values_names_the_fields_it_knows(store: Store) -> None:
    with pytest.raises(ValueError, match="part_number, serial_number, stand, status, name"):
        store.run_values("dut_part_number")
