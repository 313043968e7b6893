"""A CouchDB-compatible server for the suite: pouchdb-server from the npm registry.

pouchdb-server speaks CouchDB's HTTP API (databases, documents, ``_all_docs``,
``_all_dbs``, basic authentication). It is installed once into
``$HARDLAB_TEST_CACHE/pouchdb-server-<version>`` (default
``~/.cache/hardlab-tests``) with ``npm install --ignore-scripts`` (its in-memory
adapter needs no native build), started once per session in memory on a
free port, with an admin ``dev``/``dev`` (HardPy's default credentials).

``.ci/run`` installs Node.js and the server before the suite; here the
``couchdb_server`` fixture installs it when missing, fails with what to do
when it cannot (no Node.js, no registry), or skips with ``HARDLAB_TEST_OFFLINE=1``.
``HARDLAB_POUCHDB_SERVER`` names an installed ``pouchdb-server`` script instead.

Known pouchdb-server 4.2.0 limits the fixture works around: a request that
creates a database without an admin's credentials kills the server (so the
fixture restarts a dead server before each test), and it writes ``log.txt``
and ``config.json`` into its working folder (a temporary one).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POUCHDB_VERSION = "4.2.0"
"""The pouchdb-server release the suite runs (`.ci/run` installs the same)."""

OFFLINE_ENV = "HARDLAB_TEST_OFFLINE"
CACHE_ENV = "HARDLAB_TEST_CACHE"
SERVER_ENV = "HARDLAB_POUCHDB_SERVER"

USER, PASSWORD = "dev", "dev"
_START_TIMEOUT_S = 30
_INSTALL_TIMEOUT_S = 900


class CouchServerError(RuntimeError):
    """pouchdb-server cannot be installed or started; the message says why and what to do."""


def cache_dir() -> Path:
    """Where pouchdb-server is installed (one folder per version)."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "hardlab-tests"
    return Path(root) / f"pouchdb-server-{POUCHDB_VERSION}"


def _script(folder: Path) -> Path:
    return folder / "node_modules" / "pouchdb-server" / "bin" / "pouchdb-server"


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def server_script() -> Path:
    """The pouchdb-server script, installed into the cache first if needed.

    Raises:
        CouchServerError: If it is not installed and cannot be (no npm, no registry).
    """
    override = os.environ.get(SERVER_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise CouchServerError(f"${SERVER_ENV}={override} is not a file")
        return path
    folder = cache_dir()
    ready = folder / "ready.json"
    if ready.is_file() and _script(folder).is_file():
        return _script(folder)
    npm = shutil.which("npm")
    if npm is None:
        msg = (
            "npm is not installed, so pouchdb-server (the suite's CouchDB) cannot be: "
            "apt-get install nodejs npm (.ci/run does), or set HARDLAB_TEST_OFFLINE=1 to skip"
        )
        raise CouchServerError(msg)
    with _locked(folder):
        if ready.is_file() and _script(folder).is_file():
            return _script(folder)
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
            "--ignore-scripts", "--no-save", "--loglevel=error", f"pouchdb-server@{POUCHDB_VERSION}",
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise CouchServerError(f"npm install pouchdb-server timed out: {exc}") from exc
        if done.returncode != 0 or not _script(folder).is_file():
            msg = (
                f"npm install pouchdb-server@{POUCHDB_VERSION} failed (exit {done.returncode}); "
                f"is the npm registry reachable? Set {OFFLINE_ENV}=1 to skip.\n"
                f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
            raise CouchServerError(msg)
        ready.write_text(json.dumps({"version": POUCHDB_VERSION}), encoding="utf-8")
    return _script(folder)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CouchServer:
    """A running pouchdb-server (in memory), with an admin ``dev``/``dev``.

    Attributes:
        host: Always ``127.0.0.1``.
        port: The port it listens on.
    """

    host = "127.0.0.1"

    def __init__(self, script: Path) -> None:
        self._script = script
        self._folder = Path(tempfile.mkdtemp(prefix="hardlab-couch-"))
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0

    @property
    def url(self) -> str:
        """The server URL with the admin's credentials, ending in ``/``."""
        return f"http://{USER}:{PASSWORD}@{self.host}:{self.port}/"

    @property
    def plain_url(self) -> str:
        """The server URL without credentials."""
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        """Start the server on a free port and wait until it answers.

        Raises:
            CouchServerError: If it does not answer within 30 s.
        """
        node = shutil.which("node")
        if node is None:
            raise CouchServerError("Node.js is not installed (apt-get install nodejs npm)")
        # the admin must exist before the first database is made (see the module docstring)
        (self._folder / "config.json").write_text(
            json.dumps({"admins": {USER: PASSWORD}}), encoding="utf-8"
        )
        self.port = _free_port()
        log = open(self._folder / "server.out", "ab")  # noqa: SIM115 - the process owns it
        self._process = subprocess.Popen(
            [str(node), str(self._script), "--in-memory", "-p", str(self.port),
             "-o", self.host, "-n", "--no-color"],
            cwd=self._folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()
        self.starts += 1
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.plain_url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        output = (self._folder / "server.out").read_text(errors="replace")[-2000:]
        self.stop()
        raise CouchServerError(f"pouchdb-server did not start on port {self.port}:\n{output}")

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self._process is not None and self._process.poll() is None

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        """An admin request; returns the status and the parsed JSON answer."""
        import base64

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.plain_url + path.lstrip("/"), data, method=method)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def clear(self) -> None:
        """Delete every database but the server's own (``_users``, ``_replicator``)."""
        status, names = self.request("GET", "_all_dbs")
        assert status == 200, names
        assert isinstance(names, list)
        for name in names:
            if not str(name).startswith("_"):
                self.request("DELETE", urllib.request.quote(str(name), safe=""))

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)


@pytest.fixture(scope="session")
def couchdb_server() -> Iterator[CouchServer]:
    """pouchdb-server, installed (once) and started once per session."""
    try:
        script = server_script()
        server = CouchServer(script)
        server.start()
    except CouchServerError as exc:
        if os.environ.get(OFFLINE_ENV) == "1":
            pytest.skip(f"no CouchDB-compatible server ({OFFLINE_ENV}=1): {exc}")
        pytest.fail(f"no CouchDB-compatible server for the CouchDB tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def couchdb(couchdb_server: CouchServer) -> CouchServer:
    """The session's server, restarted if a test killed it, with no databases of ours."""
    if not couchdb_server.alive():
        couchdb_server.start()
    couchdb_server.clear()
    return couchdb_server
