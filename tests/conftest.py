"""Shared fixtures: an isolated hardlab home, live runs for setter tests, plan folders."""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import json
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _couchdb import couchdb as couchdb
from _couchdb import couchdb_server as couchdb_server

from hardlab import services
from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus
from hardlab.runtime import CaseRef, RunState, running

# pytester runs sessions in this process and afterwards drops the modules they
# imported, but some modules cannot be imported twice in one process. A StandCloud
# run loads them in-process (its sync worker opens the store, logs in through
# keyring), so they are imported now, before any pytester snapshot:
# - the importlib_metadata backport (imported on Python < 3.12 by keyring) deletes
#   the standard library's `PathFinder.find_distributions` and appends its own finder
#   to `sys.meta_path`; pytester then puts `sys.meta_path` back and no distribution
#   is found any more (no pytest11 entry points: the next in-process run rejects
#   `--hardlab`; `importlib.metadata.version` fails);
# - SQLAlchemy's Cython extensions stay loaded and keep the first import's classes,
#   so a second import of SQLAlchemy fails at its first query ("'InternalTraversal'
#   object is not callable");
# - cryptography's Rust extension may be initialised only once per process.
_LOAD_ONCE = (
    "importlib_metadata",
    "sqlalchemy.orm",
    # a dialect imported twice registers its SQL functions twice (SAWarning)
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "cryptography.hazmat.bindings._rust",
)
for _name in _LOAD_ONCE:
    with contextlib.suppress(ImportError):
        importlib.import_module(_name)

# Seconds past a test's own timeout (pytest-timeout, by SIGALRM) after which the
# session is ended with every thread's stack on stderr: a hang in C code, where
# the signal's exception cannot be raised, must still end CI with a clue.
_HARD_LIMIT_GRACE_S = 120
_real_stderr = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    # Now, while pytest's capture is suspended: during a test fd 2 is captured,
    # and a dump written there is lost when the process exits.
    config.stash[_real_stderr] = os.dup(2)


def pytest_unconfigure(config: pytest.Config) -> None:
    os.close(config.stash[_real_stderr])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    marker = item.get_closest_marker("timeout")
    soft = (
        float(marker.args[0])
        if marker and marker.args
        else float(item.config.getini("timeout") or 0)
    )
    if soft > 0:
        faulthandler.dump_traceback_later(
            soft + _HARD_LIMIT_GRACE_S, exit=True, file=item.config.stash[_real_stderr]
        )
    try:
        yield
    finally:
        if soft > 0:
            faulthandler.cancel_dump_traceback_later()


# HardPy's example plans for the fidelity test (tests/compat) are run by those
# tests, under hardlab; the suite itself does not collect them.
collect_ignore = ["data"]


@pytest.fixture(autouse=True)
def hardlab_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """hardlab's data folder, per test, so no test writes into the real home.

    A run with autosync may leave a background sync worker retrying; it is
    stopped after the test, so it cannot outlive the test's store and server
    (or import modules while pytester puts ``sys.modules`` back).
    """
    home = tmp_path_factory.mktemp("hardlab_home")
    monkeypatch.setenv("HARDLAB_HOME", str(home))
    monkeypatch.delenv("HARDPY_SC_API_KEY", raising=False)
    yield home
    services.stop_background_syncs()


def _add_case(run: RunState, module_id: str, case_id: str) -> None:
    with run.lock:
        module = run.document.modules.get(module_id)
        if module is None:
            module = run.document.modules[module_id] = ModuleRunStore(
                status=TestStatus.RUN,
                name=module_id,
                group=Group.MAIN,
                start_time=None,
                stop_time=None,
            )
        module.cases[case_id] = CaseRunStore(
            status=TestStatus.RUN,
            name=case_id,
            group=Group.MAIN,
            start_time=None,
            stop_time=None,
            attempt=1,
        )


@pytest.fixture
def live_run() -> Iterator[RunState]:
    """A run that is current for this thread, with no case running (fixtures, post-run)."""
    run = RunState(name="unit")
    _add_case(run, "test_module", "test_case")
    with running(run):
        yield run


@pytest.fixture
def in_case(live_run: RunState) -> RunState:
    """A current run whose case ``test_module::test_case`` is running."""
    live_run.current = CaseRef("test_module", "test_case")
    return live_run


@pytest.fixture
def make_plan(tmp_path: Path) -> Callable[..., Path]:
    """Write a plan folder: ``make_plan({"test_1.py": "...", "hardpy.toml": "..."})``.

    Text is dedented. Returns the folder (``tmp_path/plan`` unless `name` is given).
    """

    def make(files: dict[str, str], name: str = "plan") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return make


def _read_report(folder: Path) -> dict[str, Any]:
    files = sorted(folder.glob("*.json"))
    assert len(files) == 1, f"expected one report in {folder}, found {[f.name for f in files]}"
    data: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    return data


@pytest.fixture
def read_report() -> Callable[[Path], dict[str, Any]]:
    """``read_report(folder)``: the one HardPy JSON report in `folder`, as a dict."""
    return _read_report


# ---------------------------------------------------------------- PostgreSQL

PG_ENV = "HARDLAB_TEST_PG_URL"
"""An existing PostgreSQL server for the suite (a URL to a database the suite may create
databases from); without it the suite starts a throwaway server from Debian's packages."""


def _pg_binaries() -> Path | None:
    import shutil

    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


class PostgresServer:
    """A PostgreSQL server the suite can create databases on."""

    def __init__(self, admin_url: str, control: tuple[list[str], list[str]] | None = None) -> None:
        self.admin_url = admin_url
        self.control = control
        """The commands that stop and start the server (None: a server the suite did not start)."""
        self._count = 0

    def new_database(self, prefix: str = "hardlab_test") -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg
        from sqlalchemy.engine import make_url

        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}"
        url = make_url(self.admin_url)
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | str]:
    """A PostgreSQL server, or the reason none could be started (the tests then skip)."""
    import shutil
    import socket
    import subprocess

    external = os.environ.get(PG_ENV)
    if external:
        yield PostgresServer(external)
        return
    binaries = _pg_binaries()
    if binaries is None:
        yield "PostgreSQL is not installed (apt-get install postgresql; .ci/run does)"
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        yield "psycopg is not installed (pip install -e '.[test]')"
        return
    import tempfile

    # not under pytest's tmp folder: its parents are private to this user,
    # and the server runs as the postgres user when the suite runs as root
    root = Path(tempfile.mkdtemp(prefix="hardlab-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        runuser = shutil.which("runuser")
        if runuser is None:
            yield "running as root and runuser is missing"
            return
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        prefix = [runuser, "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = root / "server.log"
    start = [
        *prefix,
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        "60",
        "-o",
        f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        "start",
    ]
    stop = [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-w", "-m", "fast", "stop"]
    commands = [
        [*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "--no-sync"],
        start,
    ]  # fmt: skip
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            yield f"cannot start PostgreSQL ({command[0]}): {done.stderr.strip()} {tail}"
            return
    try:
        yield PostgresServer(
            f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={port}", (stop, start)
        )
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server = request.getfixturevalue("postgres")
    if isinstance(server, str):
        pytest.skip(f"PostgreSQL: {server}")
    return server.new_database()
