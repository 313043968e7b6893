"""A store that goes away mid-run: a database restarted, a share gone, a full disk, read-only.

Each test runs a real plan against a real SQLite file or the suite's own
PostgreSQL server; the plan's cases cause the outage themselves (stop the
server, move the store's folder away, make the file read-only, limit the
writer's file size), so it happens at a known point of the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.cli import main as cli
from hardlab.storage import Store, StoreSink
from hardlab.storage._store import pid_alive
from hardlab.storage._worker import GRACE_ENV

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc, rlimits, chattr")

CASES = 6
PLAN = f"""
    import json
    import os
    import pathlib
    import subprocess

    import pytest
    import hardpy

    ACTIONS = json.loads(pathlib.Path(__file__).with_name("actions.json").read_text())


    @pytest.mark.parametrize("i", range({CASES}))
    def test_case(i):
        hardpy.set_case_measurement(hardpy.NumericMeasurement(name="i", value=i, unit="V"))
        for command in ACTIONS.get(str(i), []):
            command = [part.replace("{{run_pid}}", str(os.getpid())) for part in command]
            subprocess.run(command, check=True, capture_output=True)
    """

# Run by a case: give the run's writer a file size limit of 16 kB, so its next
# commit (several pages, appended to its log or written from the log's start)
# finds the disk "full"; the spool of the run's last cases still fits.
LIMIT_THE_WRITER = """
import os, resource, sys
run_pid, limit = int(sys.argv[1]), 16384
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        stat = open(f"/proc/{entry}/stat").read()
        cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
    except OSError:
        continue
    ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
    if ppid == run_pid and b"hardlab.storage._worker" in cmdline:
        resource.prlimit(int(entry), resource.RLIMIT_FSIZE, (limit, limit))
        sys.exit(0)
sys.exit("no writer found")
"""


# Run by a case before the outage: wait until the writer has committed the
# cases before it (a fast plan would otherwise end before the writer starts;
# a PostgreSQL server stopped before the writer connected would show no
# outage at all). A SQLite file is opened read-only: waiting must not create it.
WAIT_FOR_THE_WRITER = """
import sys, time
import sqlalchemy
url, cases = sys.argv[1], int(sys.argv[2])
engine = sqlalchemy.create_engine(url)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with engine.connect() as connection:
            query = sqlalchemy.text("SELECT count(*) FROM hardlab_cases")
            if connection.execute(query).scalar_one() >= cases:
                sys.exit(0)
    except sqlalchemy.exc.SQLAlchemyError:
        pass
    time.sleep(0.02)
sys.exit("the writer did not commit the first cases")
"""


def _wait_for_the_writer(store: Path | str, cases: int) -> list[str]:
    """The command that waits for `cases` committed cases in a SQLite file or at a URL."""
    url = f"sqlite:///file:{store}?mode=ro&uri=true" if isinstance(store, Path) else store
    return [sys.executable, "-c", WAIT_FOR_THE_WRITER, url, str(cases)]


@pytest.fixture
def plan_with(make_plan: Callable[..., Path]) -> Callable[[dict[int, list[list[str]]]], Path]:
    """A plan of `CASES` cases; case i runs the commands ``actions[i]`` before it ends."""

    def make(actions: dict[int, list[list[str]]]) -> Path:
        folder = make_plan({"test_outage.py": PLAN})
        (folder / "actions.json").write_text(json.dumps({str(k): v for k, v in actions.items()}))
        return folder

    return make


@pytest.fixture
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer gives a store that is still down at the run's end one second, not ten."""
    monkeypatch.setenv(GRACE_ENV, "1")


@pytest.fixture
def server(postgres: Any) -> Iterator[Any]:
    """The suite's PostgreSQL server, if the suite started it (so a test may stop it)."""
    if isinstance(postgres, str):
        pytest.skip(f"PostgreSQL: {postgres}")
    if postgres.control is None:
        pytest.skip("an external PostgreSQL server: the suite does not restart it")
    yield postgres
    # whatever the test did, the next test finds the server up
    subprocess.run(postgres.control[1], capture_output=True, check=False)


def _store_notices(result: Any) -> list[str]:
    return [e for e in result.errors if e.startswith("store:")]


def _spool_files(home: Path) -> list[Path]:
    return sorted((home / "unsaved").glob("*.spool.jsonl"))


def _assert_complete(url: str, run_id: str) -> None:
    """The run is in the store as it ended: passed, every case and measurement, counted once."""
    with Store(url) as store:
        row = store.run_row(run_id)
        assert row["status"] == "passed"
        assert row["aggregated"]
        attempts = store.attempts(run_id)
        assert sorted(a["case_id"] for a in attempts) == sorted(
            f"test_case[{i}]" for i in range(CASES)
        )
        values = [m["value"] for m in store.measurements().dicts() if m["run_id"] == run_id]
        assert sorted(values) == list(range(CASES))


def test_a_postgresql_restart_mid_run_loses_nothing(
    server: Any, plan_with: Callable[..., Path], hardlab_home: Path
) -> None:
    stop, start = server.control
    url = server.new_database()
    plan = plan_with({1: [_wait_for_the_writer(url, 1), stop], 3: [start]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed
    assert result.store_url is not None, result.errors
    _assert_complete(url, str(result.run_id))
    notices = _store_notices(result)
    (error,) = [n for n in notices if "writer keeps trying" in n]
    assert "database server is running" in error and url.split("?")[0] in error
    assert any("is back" in n for n in notices), notices
    assert not _spool_files(hardlab_home)


def test_a_database_still_down_at_the_end_is_spooled_then_flushed(
    server: Any,
    plan_with: Callable[..., Path],
    hardlab_home: Path,
    short_grace: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stop, start = server.control
    url = server.new_database()
    plan = plan_with({CASES - 2: [stop]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed
    assert result.store_url is None
    (spool,) = _spool_files(hardlab_home)
    assert spool.name.startswith(str(result.run_id))
    assert spool.stat().st_mode & 0o077 == 0  # the owner's only
    notices = _store_notices(result)
    told = [n for n in notices if str(spool) in n]
    assert len(told) == 1 and "hardlab db flush" in told[0], notices
    # not kept twice: the spool holds the whole run
    assert not list((hardlab_home / "unsaved").glob("*.json"))

    assert cli(["db", "flush", "--db", url]) == 1  # the server is still down: kept, and said so
    assert "still kept in" in capsys.readouterr().out
    assert spool.exists()

    subprocess.run(start, capture_output=True, check=True)
    assert cli(["db", "flush", "--db", url]) == 0
    assert f"wrote run {result.run_id}" in capsys.readouterr().out
    assert not spool.exists()
    _assert_complete(url, str(result.run_id))


def test_the_writer_command_line_shows_no_password(server: Any) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(server.new_database()).set(password="s3cret-Pa55")
    sink = StoreSink(url.render_as_string(hide_password=False))
    try:
        assert sink.open(None) is None  # the writer got the URL (the server trusts us)
        process = sink._process
        assert process is not None
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert b"hardlab.storage._worker" in cmdline
        assert b"s3cret-Pa55" not in cmdline
    finally:
        sink.close()


def test_an_sqlite_share_gone_at_the_end_is_written_by_the_next_run(
    tmp_path: Path, plan_with: Callable[..., Path], hardlab_home: Path, short_grace: None
) -> None:
    share, away = tmp_path / "share", tmp_path / "unmounted"
    share.mkdir()
    url = f"sqlite:///{share / 'runs.db'}"
    wait = _wait_for_the_writer(share / "runs.db", 2)
    plan = plan_with({2: [wait, ["mv", str(share), str(away)]]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed and result.store_url is None
    (spool,) = _spool_files(hardlab_home)
    notices = _store_notices(result)
    assert any("is gone" in n and str(share / "runs.db") in n for n in notices), notices
    assert not share.exists()  # the writer made no new, empty store in its place

    # a writer that began to write it died: its claim is put back once old
    claimed = spool.with_name(spool.name + ".writing")
    spool.rename(claimed)
    an_hour_ago = time.time() - 3600
    os.utime(claimed, (an_hour_ago, an_hour_ago))

    away.rename(share)  # the share is back
    again = hardlab.run(plan_with({}), store=url, quiet=True)
    assert again.passed and again.store_url is not None
    assert not spool.exists() and not claimed.exists()
    _assert_complete(url, str(result.run_id))
    _assert_complete(url, str(again.run_id))


def test_an_sqlite_share_back_before_the_end_loses_nothing(
    tmp_path: Path, plan_with: Callable[..., Path], hardlab_home: Path
) -> None:
    share, away = tmp_path / "share", tmp_path / "unmounted"
    share.mkdir()
    url = f"sqlite:///{share / 'runs.db'}"
    wait = _wait_for_the_writer(share / "runs.db", 1)
    gone, back = ["mv", str(share), str(away)], ["mv", str(away), str(share)]
    # away for a while: the writer tries the cases that end meanwhile, and fails
    plan = plan_with({1: [wait, gone], 2: [["sleep", "0.5"]], 3: [back]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed and result.store_url is not None, result.errors
    _assert_complete(url, str(result.run_id))
    notices = _store_notices(result)
    assert any("is gone" in n for n in notices) and any("is back" in n for n in notices), notices
    assert not _spool_files(hardlab_home)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], list[str]]]:
    """The command that makes a file read-only, even for root (chattr +i); undone after."""
    made: list[Path] = []

    def command(path: Path) -> list[str]:
        made.append(path)
        if os.geteuid() == 0:
            if shutil.which("chattr") is None:
                pytest.skip("running as root without chattr")
            return ["chattr", "+i", str(path)]
        return ["chmod", "a-w", str(path)]

    yield command
    for path in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
        else:
            path.chmod(0o644)


def test_a_store_made_read_only_mid_run_says_so_once_and_keeps_the_run(
    tmp_path: Path,
    plan_with: Callable[..., Path],
    hardlab_home: Path,
    short_grace: None,
    read_only: Callable[[Path], list[str]],
) -> None:
    path = tmp_path / "runs.db"
    url = f"sqlite:///{path}"
    plan = plan_with({2: [_wait_for_the_writer(path, 2), read_only(path)]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed and result.store_url is None
    notices = _store_notices(result)
    errors = [n for n in notices if "read-only" in n]
    assert len(errors) == 1, notices
    assert str(path) in errors[0] and "writable" in errors[0]
    (spool,) = _spool_files(hardlab_home)
    assert any(str(spool) in n for n in notices)
    with Store(url) as store:  # what was finished before stays
        stored = {a["case_id"] for a in store.attempts(str(result.run_id))}
    assert {"test_case[0]", "test_case[1]"} <= stored

    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o644)
    assert cli(["db", "flush", "--db", url]) == 0
    _assert_complete(url, str(result.run_id))


def test_a_full_disk_mid_run_says_so_and_keeps_the_run(
    tmp_path: Path, plan_with: Callable[..., Path], hardlab_home: Path, short_grace: None
) -> None:
    path = tmp_path / "runs.db"
    url = f"sqlite:///{path}"
    limit = [sys.executable, "-c", LIMIT_THE_WRITER, "{run_pid}"]
    plan = plan_with({2: [_wait_for_the_writer(path, 2), limit]})
    result = hardlab.run(plan, store=url, quiet=True)
    assert result.passed and result.store_url is None
    notices = _store_notices(result)
    errors = [n for n in notices if "is full" in n]
    assert len(errors) == 1, notices
    assert str(path) in errors[0] and "file size limit" in errors[0]
    (spool,) = _spool_files(hardlab_home)
    with Store(url) as store:
        stored = {a["case_id"] for a in store.attempts(str(result.run_id))}
    assert {"test_case[0]", "test_case[1]"} <= stored
    assert cli(["db", "flush", "--db", url]) == 0  # this process has no such limit
    assert not spool.exists()
    _assert_complete(url, str(result.run_id))


def test_a_writer_that_exited_but_is_not_reaped_is_dead() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{process.pid}/stat")
        deadline = time.monotonic() + 10
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.01)
        # it has exited; only its parent's wait() has not collected it yet
        assert not pid_alive(process.pid)
    finally:
        process.wait()
    assert pid_alive(os.getpid())
