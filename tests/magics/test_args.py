"""Parsing ``%hardpy`` lines and ``%%hardpy`` options (no IPython needed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hardlab.magics._args import (
    CellCommand,
    InstrumentsCommand,
    LoginCommand,
    MagicUsageError,
    RunCommand,
    RunsCommand,
    SyncCommand,
    parse_cell,
    parse_line,
    usage,
)


def test_run_with_every_option() -> None:
    command = parse_line(
        "run plans/board --answers a.toml --no-wait -k 'rail and not 12V' "
        "--arg seed=7 --arg serial=SN=1 --name Board --db runs.db --report-dir out "
        "-- -x --maxfail 2"
    )
    assert command == RunCommand(
        path="plans/board",
        answers="a.toml",
        no_wait=True,
        select="rail and not 12V",
        start_args={"seed": "7", "serial": "SN=1"},
        name="Board",
        db="runs.db",
        report_dir="out",
        pytest_args=("-x", "--maxfail", "2"),
    )
    assert command.store == "runs.db"


def test_run_defaults_and_no_store() -> None:
    command = parse_line("run .")
    assert isinstance(command, RunCommand)
    assert (command.path, command.no_wait, command.start_args, command.store) == (
        ".",
        False,
        {},
        None,
    )
    assert parse_line("run . --no-store").store is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("run", "the following arguments are required: PATH"),
        ("run . --arg seed", "--arg needs KEY=VALUE, got 'seed'"),
        ("run . --arg =7", "--arg needs KEY=VALUE"),
        ("run . --bogus", "unrecognized arguments: --bogus"),
        ("frobnicate", "invalid choice: 'frobnicate'"),
        ("runs --limit -1", "--limit must be 0 (all) or more"),
        ("runs -- -x", "`%hardpy runs` takes none"),
        ("sc-login host --wait 0", "--wait must be more than 0 seconds"),
        ("sc-sync --wait -1", "--wait must be 0 or more seconds"),
        ("run 'unclosed", "cannot read the arguments"),
    ],
)
def test_bad_lines_say_what_is_wrong(line: str, message: str) -> None:
    with pytest.raises(MagicUsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_line(line)


def test_a_usage_error_shows_the_usage() -> None:
    with pytest.raises(MagicUsageError) as caught:
        parse_line("run")
    assert "usage: %hardpy run" in str(caught.value)


@pytest.mark.parametrize("line", ["", "help", "--help", "-h"])
def test_help(line: str) -> None:
    text = parse_line(line)
    assert isinstance(text, str)
    assert text == usage()
    for command in ("run", "runs", "sc-login", "sc-sync"):
        assert command in text


def test_help_of_one_command() -> None:
    text = parse_line("run --help")
    assert isinstance(text, str)
    assert "--no-wait" in text and "usage: %hardpy run" in text


def test_runs_filters() -> None:
    command = parse_line(
        "runs --limit 0 --db x.db --serial SN1 --part PB --status failed --since 2026-01-01"
    )
    assert command == RunsCommand(
        limit=0,
        db="x.db",
        filters={
            "serial_number": "SN1",
            "part_number": "PB",
            "status": "failed",
            # local midnight, as `hardlab runs --since` reads it
            "since": datetime(2026, 1, 1).astimezone(),
        },
    )
    assert parse_line("runs --until 2h").filters["until"] == pytest.approx(
        datetime.now().astimezone() - timedelta(hours=2), abs=timedelta(seconds=60)
    )
    with pytest.raises(MagicUsageError, match=r"expected a date or time.*got 'soon'"):
        parse_line("runs --since soon")


def test_standcloud_commands() -> None:
    assert parse_line("sc-login sc.example.com:8443 --ca-bundle ca.pem --wait 30") == LoginCommand(
        address="sc.example.com:8443", ca_bundle="ca.pem", wait=30.0
    )
    assert parse_line("sc-login h --check --insecure --api-mode integration") == LoginCommand(
        address="h", check=True, insecure=True, api_mode="integration"
    )
    assert parse_line("sc-sync plan --wait 5 --address h --db s.db") == SyncCommand(
        path="plan", wait=5.0, address="h", db="s.db"
    )
    assert parse_line("sc-sync") == SyncCommand()


def test_cell_options() -> None:
    assert parse_cell("") == CellCommand()
    assert parse_cell("-k slow --arg a=1 --answers x.toml -- -x") == CellCommand(
        select="slow", start_args={"a": "1"}, answers="x.toml", pytest_args=("-x",)
    )
    help_text = parse_cell("--help")
    assert isinstance(help_text, str) and "usage: %%hardpy" in help_text
    with pytest.raises(MagicUsageError, match="unrecognized arguments: plan"):
        parse_cell("plan")


def test_instruments_takes_a_plan_and_close() -> None:
    assert parse_line("instruments") == InstrumentsCommand(path=".", close=False)
    assert parse_line("instruments plans/bench --close") == InstrumentsCommand(
        path="plans/bench", close=True
    )


def test_run_with_slots() -> None:
    command = parse_line("run plans/board --slots 4 --answers a.toml")
    assert command == RunCommand(path="plans/board", slots=4, answers="a.toml")
    assert parse_line("run .") == RunCommand(path=".", slots=None)
    with pytest.raises(MagicUsageError, match="--slots needs the number of slots, 1 or more"):
        parse_line("run . --slots 0")
    with pytest.raises(MagicUsageError, match="invalid int value"):
        parse_line("run . --slots many")
    with pytest.raises(MagicUsageError, match="unrecognized arguments: --slots"):
        parse_cell("--slots 2")  # a cell's tests live in this kernel: no slot processes
    text = parse_line("run --help")
    assert isinstance(text, str) and "--slots N" in text
