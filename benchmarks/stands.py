"""Many stands at once: 8 processes x 25 runs into one SQLite file and one PostgreSQL database.

Each stand is a process that runs a small plan (three cases with
measurements, the DUT and stand filled in) again and again with
`hardlab.run`, as a station does, storing every run. The SQLite stands and
the PostgreSQL stands all run at the same time. The script checks that
every run is stored, passed and reads back whole, and that no "database is
locked" or serialisation error reached a run; it prints runs/s per store
and the slowest run's wait (from `hardlab.run` called to the run stored).

PostgreSQL: ``--pg-url`` names a server (a database the script may create
databases from); without it the script starts a throwaway server with
``initdb``/``pg_ctl`` from Debian's ``postgresql`` package
(``/usr/lib/postgresql/*/bin``). ``--no-pg`` leaves PostgreSQL out.

Usage: python benchmarks/stands.py [--stands 8] [--runs 25] [--pg-url URL | --no-pg]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAN = """
import uuid

import hardpy


def test_identify():
    hardpy.set_dut_serial_number("{stand}-" + uuid.uuid4().hex[:8])
    hardpy.set_dut_part_number("PN-STANDS")
    hardpy.set_stand_name("{stand}")


def test_rail():
    hardpy.set_message("rail measured")
    hardpy.set_case_measurement(
        hardpy.NumericMeasurement(name="3V3", value=3.3, unit="V",
                                  operation=hardpy.ComparisonOperation.GELE,
                                  lower_limit=3.2, upper_limit=3.4)
    )


def test_firmware():
    hardpy.set_case_measurement(hardpy.StringMeasurement(name="fw", value="1.4.2"))
"""

TROUBLE = ("database is locked", "serializ", "deadlock", "could not serialize")
"""Words of the errors that must never reach a run."""

_START_TIMEOUT_S = 300.0
"""Seconds the stands wait for each other to be ready (spawned and hardlab imported)."""


@dataclass
class StoreResult:
    """What the stands writing one store saw.

    Attributes:
        url: The store.
        runs: Runs started.
        stored: Runs the store holds afterwards, passed and whole.
        seconds: Wall time from the first run's start to the last run's end.
        waits: Each run's wait, seconds (`hardlab.run` called to the run stored).
        problems: What went wrong (a run not stored, an error it reported).
    """

    url: str
    runs: int = 0
    stored: int = 0
    seconds: float = 0.0
    waits: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every run stored, no error reached a run."""
        return not self.problems and self.stored == self.runs

    def line(self) -> str:
        """One line: the store, runs/s and the slowest run's wait."""
        rate = self.runs / self.seconds if self.seconds else 0.0
        slowest = max(self.waits, default=0.0)
        median = statistics.median(self.waits) if self.waits else 0.0
        kind = self.url.split(":", 1)[0].split("+", 1)[0]
        return (
            f"{kind:10s} {self.stored}/{self.runs} runs stored, {rate:.2f} runs/s, "
            f"slowest run's wait {slowest:.2f} s (median {median:.2f} s)"
            + ("" if self.ok else f"; {len(self.problems)} problems")
        )


def write_plan(folder: Path, stand: str) -> Path:
    """A small plan for one stand."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_stand.py").write_text(
        textwrap.dedent(PLAN).replace("{stand}", stand), encoding="utf-8"
    )
    (folder / "hardpy.toml").write_text(f'tests_name = "Stand {stand}"\n', encoding="utf-8")
    return folder


def _stand(plan: str, url: str, runs: int, start: Any, out: str) -> None:
    """One stand's process: `runs` runs of `plan` into `url`, each line of results into `out`.

    It imports hardlab, then waits at the `start` barrier for the other stands.
    """
    import hardlab

    lines = []
    # a stand that never arrives breaks the barrier; the others go on regardless
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(_START_TIMEOUT_S)
    for _ in range(runs):
        began = time.monotonic()
        try:
            result = hardlab.run(plan, store=url, quiet=True, operator=None)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the stand
            lines.append({"run_id": None, "error": f"{type(exc).__name__}: {exc}"})
            continue
        lines.append(
            {
                "run_id": str(result.run_id),
                "wait": time.monotonic() - began,
                "passed": result.passed,
                "stored": result.store_url is not None,
                "errors": list(result.errors),
            }
        )
    Path(out).write_text(json.dumps(lines), encoding="utf-8")


def run_stands(urls: Sequence[str], *, stands: int, runs: int, workdir: Path) -> list[StoreResult]:
    """`stands` processes per store in `urls`, all at once, `runs` runs each; what each store saw.

    The processes begin together: each waits, hardlab imported, until all are
    ready (a barrier, rather than a fixed delay that is too long on an idle
    machine and too short on a busy one).

    Args:
        urls: The stores (SQLite URLs or paths, PostgreSQL URLs).
        stands: Processes writing each store.
        runs: Runs per process.
        workdir: Where the plans and the processes' results go.
    """
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(stands * len(urls) + 1)
    jobs: list[tuple[int, Any, Path]] = []
    for index, url in enumerate(urls):
        for number in range(stands):
            name = f"S{index}{number:02d}"
            plan = write_plan(workdir / f"store{index}" / name, name)
            out = workdir / f"store{index}" / f"{name}.json"
            process = context.Process(
                target=_stand, args=(str(plan), url, runs, start, str(out)), daemon=True
            )
            process.start()
            jobs.append((index, process, out))
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(_START_TIMEOUT_S)
    started = time.time()
    for _, process, _ in jobs:
        process.join()
    finished = time.time()
    results = [StoreResult(url) for url in urls]
    for index, process, out in jobs:
        result = results[index]
        result.runs += runs
        if process.exitcode != 0 or not out.exists():
            result.problems.append(f"stand process exited with {process.exitcode}")
            continue
        for line in json.loads(out.read_text(encoding="utf-8")):
            if line["run_id"] is None:
                result.problems.append(line["error"])
                continue
            result.waits.append(line["wait"])
            for error in line["errors"]:
                if any(word in error.lower() for word in TROUBLE):
                    result.problems.append(f"run {line['run_id']}: {error}")
            if not line["stored"] or not line["passed"]:
                result.problems.append(f"run {line['run_id']}: not stored or not passed")
    for result in results:
        result.seconds = finished - started
        result.stored = _stored_runs(result.url, result.problems)
    return results


def _stored_runs(url: str, problems: list[str]) -> int:
    """How many runs the store holds that passed, with all three cases (notes the others)."""
    from hardlab.storage import Store

    whole = 0
    with Store(url) as store:
        passed: dict[str, int] = {}
        for case in store.cases(attempts="final").dicts():
            if case["status"] == "passed":
                passed[case["run_id"]] = passed.get(case["run_id"], 0) + 1
        for run in store.runs().dicts():
            cases = passed.get(run["id"], 0)
            if run["status"] == "passed" and cases == 3:
                whole += 1
            else:
                problems.append(f"run {run['id']} stored {run['status']} with {cases} cases")
    return whole


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server from Debian's packages; its admin URL.

    Raises:
        RuntimeError: If PostgreSQL is not installed or does not start.
    """
    found = shutil.which("pg_ctl")
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        binaries = Path(found).resolve().parent
    elif candidates:
        binaries = candidates[-1].parent
    else:
        msg = "PostgreSQL is not installed (apt-get install postgresql), or pass --pg-url"
        raise RuntimeError(msg)
    root = Path(tempfile.mkdtemp(prefix="hardlab-stands-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = root / "server.log"
    commands = [
        [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "--no-sync"],
        [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
         f"-k {sockets} -p {port} -c listen_addresses='' -c max_connections=200",
         "start"],
    ]  # fmt: skip
    try:
        for command in commands:
            done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = log.read_text()[-2000:] if log.exists() else ""
                msg = f"cannot start PostgreSQL ({command[0]}): {done.stderr.strip()} {tail}"
                raise RuntimeError(msg)
        yield f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={port}"
    finally:
        subprocess.run(
            [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def new_database(admin_url: str, name: str) -> str:
    """Create (anew) the database `name` on the server of `admin_url`; its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def prepare(url: str) -> None:
    """Create the store's tables before the stands start (as `hardlab db upgrade` does)."""
    from hardlab.storage import Store

    with Store(url) as store:
        store.count_runs()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 if every run was stored and no error reached a run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stands", type=int, default=8, help="processes per store (8)")
    parser.add_argument("--runs", type=int, default=25, help="runs per process (25)")
    parser.add_argument("--pg-url", help="a PostgreSQL server to create the database on")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--keep", type=Path, help="keep the plans and the SQLite file here")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="hardlab-stands-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sqlite_url = f"sqlite:///{workdir / 'stands.db'}"
    with contextlib.ExitStack() as stack:
        urls = [sqlite_url]
        if not args.no_pg:
            admin = args.pg_url or stack.enter_context(postgres_server())
            urls.append(new_database(admin, f"hardlab_stands_{os.getpid()}"))
        for url in urls:
            prepare(url)
        print(
            f"{args.stands} stands x {args.runs} runs into each of {len(urls)} stores at once "
            f"({os.cpu_count()} cores)",
            flush=True,
        )
        results = run_stands(urls, stands=args.stands, runs=args.runs, workdir=workdir)
    for result in results:
        print(result.line())
        for problem in result.problems[:10]:
            print(f"  {problem}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
