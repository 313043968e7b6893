"""Runs keep their stand slot: migration 20261203_0003, the ``slot`` column, yields by slot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

import hardlab
from hardlab.storage import Store, _migrate

pytest.importorskip("pandas")


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {column["name"] for column in inspect(conn).get_columns("hardlab_runs")}
    finally:
        engine.dispose()


def test_the_migration_adds_the_slot_and_goes_back(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        _migrate.upgrade(conn, "20261122_0002")
        conn.execute(
            text(
                "INSERT INTO hardlab_runs (id, name, status, progress, cases_passed, "
                "cases_failed, cases_skipped, source, aggregated) "
                "VALUES ('01a1fe20-0000-7000-8000-000000000001', 'old', 'passed', 100, 1, 0, 0, "
                "'run', false)"
            )
        )
    assert "slot" not in _columns(store_url)
    with engine.begin() as conn:
        _migrate.upgrade(conn, "20261203_0003")
        assert _migrate.current_revision(conn) == "20261203_0003"
        assert conn.execute(text("SELECT slot FROM hardlab_runs")).all() == [(None,)]
    assert "slot" in _columns(store_url)
    with engine.begin() as conn:
        from alembic import command

        command.downgrade(_migrate.alembic_config(conn), "20261122_0002")
    assert "slot" not in _columns(store_url)
    with engine.connect() as conn:  # the old run survived both ways
        assert conn.execute(text("SELECT name FROM hardlab_runs")).all() == [("old",)]
    engine.dispose()


def test_slot_yields_show_a_bad_socket(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {
            "test_socket.py": """
            import hardlab

            def test_contact(hardpy_start_args, hardlab_slot):
                hardlab.set_dut_part_number("PB-1")
                hardlab.set_dut_serial_number(f"{hardpy_start_args['batch']}-{hardlab_slot}")
                hardlab.set_stand_name("fixture-A")
                assert hardlab_slot != 3, "no contact in socket 3"
            """
        }
    )
    db = tmp_path / "runs.db"
    for batch in ("B1", "B2"):
        results = hardlab.run(
            plan, slots=3, store=db, operator=None, quiet=True, start_args={"batch": batch}
        )
        assert [r.slot for r in results] == [1, 2, 3]
        assert [r.passed for r in results] == [True, True, False]
    history = hardlab.history(db)
    runs = history.runs()
    assert sorted(runs["slot"].tolist()) == [1, 1, 2, 2, 3, 3]
    assert str(runs["slot"].dtype) == "Int64"
    frame = history.slot_yields()
    assert frame["slot"].tolist() == [1, 2, 3]
    assert frame["units"].tolist() == [2, 2, 2]
    assert frame["first_pass_yield"].tolist() == [1.0, 1.0, 0.0]
    assert set(frame["stand"]) == {"fixture-A"}
    by_slot = history.first_pass_yield(by="slot")
    assert by_slot["first_pass_yield"].tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="slot"):
        history.yields(by=("socket",))
    history.close()


def test_a_one_board_run_has_no_slot(tmp_path: Path, make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {"test_one.py": "def test_one(hardlab_slot):\n    assert hardlab_slot is None\n"}
    )
    db = tmp_path / "runs.db"
    result = hardlab.run(plan, store=db, operator=None, quiet=True)
    assert result.passed and result.slot is None
    with Store(f"sqlite:///{db}") as store:
        rows = store.runs()
        assert rows.records[0][rows.columns.index("slot")] is None
