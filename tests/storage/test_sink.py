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


OPERATOR_PLAN = {
    "test_bench.py": """
        import hardlab as hardpy

        def test_serial():
            hardpy.set_user_name("bob")
            hardpy.set_operator_message("Connect the load", title="Setup", block=True)
            serial = hardpy.run_dialog_box(hardpy.DialogBox(
                "Scan the serial", title_bar="Serial", widget=hardpy.TextInputWidget()))
            hardpy.set_dut_serial_number(serial)
            hardpy.set_message("rail ok")

        def test_led():
            hardpy.set_operator_message("Watch the LED", block=False)
            verdict = hardpy.run_dialog_box(hardpy.DialogBox("Is the LED green?", pass_fail=True))
            hardpy.clear_operator_message()
            assert verdict.result
    """,
}


def operator_run(make_plan: Any, tmp_path: Path) -> tuple[Any, str]:
    """A run that asks two dialogs and shows two operator messages, stored in SQLite."""
    plan = make_plan(OPERATOR_PLAN)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = hardlab.run(
        plan, store=db, quiet=True, answers={"Serial": "SN-9", "Is the LED green?": "pass"}
    )
    assert result.passed and result.store_url is not None
    return result, db


def test_dialogs_and_operator_messages_are_stored(
    tmp_path: Path, make_plan: Any, hardlab_home: Path
) -> None:
    from hardlab.storage import Store

    result, db = operator_run(make_plan, tmp_path)
    with Store(db) as store:
        events = store.operator_events(str(result.run_id))
        stored = store.get_report(str(result.run_id))
    shown = [(e["kind"], e["case_id"], e["title"], e["text"], e["state"]) for e in events]
    assert shown == [
        ("message", "test_serial", "Setup", "Connect the load", "closed"),
        ("dialog", "test_serial", "Serial", "Scan the serial", "answered"),
        ("message", "test_led", None, "Watch the LED", "shown"),
        ("dialog", "test_led", "test_led", "Is the LED green?", "answered"),
    ]
    serial, led = events[1], events[3]
    assert (serial["widget"], serial["pass_fail"], serial["result"], serial["answer"]) == (
        "textinput", False, "confirm", "SN-9",
    )  # fmt: skip
    assert (led["widget"], led["pass_fail"], led["result"], led["answer"]) == (
        "base", True, "passed", None,
    )  # fmt: skip
    assert [e["block"] for e in events] == [True, True, False, True]
    assert [e["position"] for e in events] == [0, 1, 2, 3]
    assert {e["user_name"] for e in events} == {"bob"}
    for event in events:
        assert event["asked_at"].tzinfo is not None
        if event["state"] != "shown":  # answered, or a blocking message closed
            assert event["answered_at"] >= event["asked_at"]
    assert events[2]["answered_at"] is None
    # a hardlab extra: the HardPy report document (and so its export) has none of it
    assert stored.model_dump_json() == result.report.model_dump_json()
    assert "Scan the serial" not in stored.model_dump_json()


def test_a_cancelled_dialog_is_stored_without_an_answer(
    tmp_path: Path, make_plan: Any, hardlab_home: Path
) -> None:
    from hardlab.errors import DialogCancelledError
    from hardlab.reports import run_report_html
    from hardlab.storage import Store

    plan = make_plan(
        {
            "test_1.py": """
                import hardlab as hardpy

                def test_ask():
                    hardpy.run_dialog_box(hardpy.DialogBox("Press the button", title_bar="Button"))
            """
        }
    )

    def give_up(request: Any) -> Any:
        raise DialogCancelledError("the operator went home")

    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = hardlab.run(plan, store=db, quiet=True, operator=hardlab.ScriptedOperator(give_up))
    assert not result.passed
    with Store(db) as store:
        (event,) = store.operator_events(str(result.run_id))
    assert (event["kind"], event["text"], event["state"], event["result"]) == (
        "dialog", "Press the button", "cancelled", None,
    )  # fmt: skip
    assert event["answered_at"] is not None
    assert "no answer: cancelled" in run_report_html(str(result.run_id), db)
