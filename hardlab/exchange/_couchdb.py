"""HardPy's CouchDB report classes on CouchDB's HTTP API (httpx).

`CouchdbLoader` saves finished reports into a CouchDB database, usually from
a post-run function; `CouchdbReader` answers HardPy's questions about such a
database; `CouchdbSource` lists the databases and reads every document, for
``hardlab import --couchdb``. Every failure is a `hardlab.errors.CouchdbError`
(a `RuntimeError`, as HardPy raises) that names the server without its
password, and says what to check.
"""

from __future__ import annotations

import functools
import json
import logging
import socket
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from hardlab.errors import ConfigError, CouchdbError, ReportFormatError
from hardlab.model.report import ResultRunStore

__all__ = [
    "CouchdbConfig",
    "CouchdbLoader",
    "CouchdbReader",
    "CouchdbSource",
    "ReportInfo",
    "couchdb_report_id",
    "safe_couchdb_url",
]

_log = logging.getLogger(__name__)

_TIMEOUT_S = 5.0
"""HardPy's timeout for finding the server; requests get `_REQUEST_TIMEOUT_S`."""

_REQUEST_TIMEOUT_S = 30.0
_PAGE = 500
"""Documents per ``_all_docs`` request when reading a whole database."""


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """The CA bundle httpx trusts by default, loaded once.

    Loading it is most of the cost of making an httpx client (tens of
    milliseconds); each operation here makes a short-lived client.
    """
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def safe_couchdb_url(url: str) -> str:
    """`url` with its password hidden: ``http://dev:***@localhost:5984/``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# ---------------------------------------------------------------------- config


@dataclass
class CouchdbConfig:
    """Where the CouchDB report database is, as HardPy's `CouchdbConfig`.

    Args:
        db_name: The database reports are saved in.
        user: CouchDB user.
        password: Its password.
        host: CouchDB host.
        port: CouchDB port (for plain HTTP; HTTPS is looked for on 443).
        connection_str: A full server URL (``http://user:pw@host:5984/``); when
            set it is used as it is, and nothing is probed.

    Example:
        ```python
        config = CouchdbConfig(db_name="report", host="couchdb.lab", port=5984)
        CouchdbLoader(config).load(get_current_report())
        ```
    """

    db_name: str = "report"
    user: str = "dev"
    password: str = "dev"
    host: str = "localhost"
    port: int = 5984
    connection_str: str | None = None

    @property
    def connection_string(self) -> str:
        """The server URL with credentials, ending in ``/``.

        `connection_str` if it is set. Otherwise the server is probed as
        HardPy does: HTTPS first (``https://host``, port omitted), then plain
        HTTP on `port`; the answer must be CouchDB's welcome object.

        Raises:
            CouchdbError: If no CouchDB answers at `host` (HardPy raises a
                `RuntimeError`; this is one).
        """
        if self.connection_str:
            return self.connection_str
        protocol = self._protocol()
        if protocol == "https":
            host_url, where = f"https://{self.host}", self.host
        else:
            host_url, where = f"http://{self.host}:{self.port}", f"{self.host}:{self.port}"
        try:
            response = httpx.get(host_url, timeout=_TIMEOUT_S, verify=_tls())
            welcome = response.json()
        except httpx.HTTPError as exc:
            msg = f"Error CouchDB connecting to {host_url}: {exc}"
            raise CouchdbError(msg) from exc
        except ValueError:
            welcome = None
        if not isinstance(welcome, dict):
            msg = (
                f"Address {host_url} does not provide CouchDB attributes: it answered "
                f"{response.status_code} without CouchDB's welcome object; check host and port"
            )
            raise CouchdbError(msg, status_code=response.status_code)
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"{protocol}://{credentials}@{where}/"

    def _protocol(self) -> str:
        """``https`` or ``http``: which one the server answers 200 on (HardPy's probe)."""
        for protocol, url in (
            ("https", f"https://{self.host}"),
            ("http", f"http://{self.host}:{self.port}"),
        ):
            try:
                with socket.create_connection((self.host, self.port), timeout=_TIMEOUT_S):
                    pass
                answer = httpx.get(url, timeout=_TIMEOUT_S, verify=_tls())
                if answer.status_code == httpx.codes.OK:
                    return protocol
            except (OSError, httpx.HTTPError):
                continue
        msg = (
            f"Error connecting to couchdb server {self.host}:{self.port}: nothing answers "
            "there over HTTPS or HTTP. Is CouchDB running? Set CouchdbConfig(host=..., "
            "port=...) or connection_str='http://user:password@host:5984/'"
        )
        raise CouchdbError(msg)


# ---------------------------------------------------------------------- HTTP


class _Server:
    """One CouchDB server: requests with its credentials, errors as `CouchdbError`."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            msg = (
                f"CouchDB URL {safe_couchdb_url(url)!r} is not an http(s) server URL; "
                "write it as http://user:password@host:5984/"
            )
            raise ConfigError(msg)
        self.auth = (
            (unquote(parts.username or ""), unquote(parts.password or ""))
            if parts.username is not None
            else None
        )
        netloc = parts.netloc.rpartition("@")[2]
        self.base = urlunsplit((parts.scheme, netloc, "/", "", ""))
        self.safe = safe_couchdb_url(urlunsplit((parts.scheme, parts.netloc, "/", "", "")))

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base,
            auth=self.auth,
            verify=_tls(),
            timeout=_REQUEST_TIMEOUT_S,
            headers={"Accept": "application/json"},
        )

    def request(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        what: str,
        *,
        accept: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request; statuses in `accept` and 2xx come back, the rest raise."""
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            msg = f"{what}: cannot reach CouchDB at {self.safe}: {reason}"
            raise CouchdbError(msg) from exc
        if response.is_success or response.status_code in accept:
            return response
        raise self.error(response, what)

    def error(self, response: httpx.Response, what: str) -> CouchdbError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        reason = ""
        if isinstance(body, dict):
            reason = ": ".join(str(body[k]) for k in ("error", "reason") if body.get(k))
        detail = f"{response.status_code}" + (f" {reason}" if reason else "")
        status = response.status_code
        if status in (401, 403):
            user = self.auth[0] if self.auth else None
            who = f"user {user!r}" if user else "anonymous requests"
            hint = (
                f"CouchDB at {self.safe} refused {who} ({detail}); check the user and "
                "password (CouchdbConfig(user=..., password=...) or the URL's user:password@)"
            )
            return CouchdbError(f"{what}: {hint}", status_code=status)
        return CouchdbError(f"{what}: CouchDB at {self.safe} answered {detail}", status_code=status)

    def database_exists(self, client: httpx.Client, db_name: str) -> bool:
        response = self.request(
            client, "GET", _db_path(db_name), f"opening database {db_name!r}", accept=(404,)
        )
        return response.status_code != 404

    def documents(self, client: httpx.Client, db_name: str) -> Iterator[dict[str, Any]]:
        """Every document of `db_name` (design documents too), in id order, a page at a time."""
        start: str | None = None
        while True:
            params: dict[str, str | int] = {"include_docs": "true", "limit": _PAGE}
            if start is not None:
                params["startkey"] = json.dumps(start)
                params["skip"] = 1
            response = self.request(
                client,
                "GET",
                f"{_db_path(db_name)}/_all_docs",
                f"reading database {db_name!r}",
                params=params,
            )
            rows = response.json().get("rows") or []
            for row in rows:
                doc = row.get("doc")
                if isinstance(doc, dict):
                    yield doc
            if len(rows) < _PAGE:
                return
            start = rows[-1]["id"]


def _db_path(db_name: str) -> str:
    return "/" + quote(db_name, safe="")


def _doc_path(db_name: str, doc_id: str) -> str:
    return f"{_db_path(db_name)}/{quote(doc_id, safe='')}"


# ---------------------------------------------------------------------- loader


def couchdb_report_id(report: ResultRunStore) -> str:
    """The document id `CouchdbLoader` saves `report` under.

    ``report_<stop_time>_<serial number>``, or ``report_<stop_time>_no_serial_<6
    random hex digits>`` when the DUT has no serial number (as HardPy).
    """
    serial = report.dut.serial_number
    if not serial:
        return f"report_{report.stop_time}_no_serial_{uuid.uuid4().hex[:6]}"
    return f"report_{report.stop_time}_{serial}"


class CouchdbLoader:
    """Saves finished reports into a CouchDB database, as HardPy's `CouchdbLoader`.

    The database is created if it does not exist. Each report becomes one
    document whose id is `couchdb_report_id`: the report's ``model_dump()``
    without ``id`` and ``rev``, with ``_id`` set to that id.

    Args:
        config: Where the database is.

    Raises:
        CouchdbError: If the server cannot be reached, refuses the credentials
            or cannot create the database.

    Example:
        ```python
        def save_report():
            report = hardpy.get_current_report()
            if report:
                CouchdbLoader(CouchdbConfig(port=5984)).load(report)

        @pytest.fixture(scope="session", autouse=True)
        def register(post_run_functions):
            post_run_functions.append(save_report)
        ```
    """

    def __init__(self, config: CouchdbConfig) -> None:
        self._config = config
        self._server = _Server(config.connection_string)
        with self._server.client() as client:
            # 412: the database exists already (HardPy's Conflict), which is fine
            self._server.request(
                client,
                "PUT",
                _db_path(config.db_name),
                f"creating database {config.db_name!r}",
                accept=(412,),
            )

    def load(self, report: ResultRunStore) -> bool:
        """Save `report` as a new document.

        Returns:
            True if it was saved; False if a document with its id exists
            already (a conflict, logged), as in HardPy.

        Raises:
            CouchdbError: If the server cannot be reached or refuses the write.
        """
        report_id = couchdb_report_id(report)
        body = report.model_dump(mode="json", exclude={"id", "rev"})
        body["_id"] = report_id
        with self._server.client() as client:
            response = self._server.request(
                client,
                "PUT",
                _doc_path(self._config.db_name, report_id),
                f"saving report {report_id!r}",
                accept=(409,),
                json=body,
            )
        if response.status_code == 409:
            _log.error(
                "Error while saving report %s: database %r already has a document with this id",
                report_id,
                self._config.db_name,
            )
            return False
        _log.debug("Report saved with id: %s", report_id)
        return True


# ---------------------------------------------------------------------- reader


@dataclass
class ReportInfo:
    """What `CouchdbReader` tells about one report (HardPy's `ReportInfo`).

    Attributes:
        name: The document id.
        status: The run's status.
        start_time: Start, Unix seconds (None if the run never started).
        end_time: Stop, Unix seconds.
        first_failed_test_name: The name of a failed case, or None. As in
            HardPy this is the *last* failed case in report order.
        first_failed_test_id: That case's id.
    """

    name: str
    status: str
    start_time: int | None
    end_time: int | None
    first_failed_test_name: str | None
    first_failed_test_id: str | None


class CouchdbReader:
    """Reads report summaries from a CouchDB report database, as HardPy's `CouchdbReader`.

    Design documents (``_design/...``) are not reports and are left out.

    Args:
        config: Where the database is.

    Raises:
        CouchdbError: If the server cannot be reached or the database does not
            exist ("Error initializing database" in HardPy).
    """

    def __init__(self, config: CouchdbConfig) -> None:
        self._config = config
        self._server = _Server(config.connection_string)
        with self._server.client() as client:
            if not self._server.database_exists(client, config.db_name):
                msg = (
                    f"Error initializing database: CouchDB at {self._server.safe} has no "
                    f"database {config.db_name!r} (check CouchdbConfig(db_name=...))"
                )
                raise CouchdbError(msg, status_code=404)

    def _reports(self) -> Iterator[dict[str, Any]]:
        with self._server.client() as client:
            for doc in self._server.documents(client, self._config.db_name):
                if not str(doc.get("_id", "")).startswith("_design/"):
                    yield doc

    def get_report_total_count(self) -> int:
        """How many reports the database holds."""
        return sum(1 for _ in self._reports())

    def get_report_count_in_timeframe(self, start_time: int, end_time: int) -> int:
        """How many reports started at or after `start_time` and stopped by `end_time`.

        Raises:
            ConfigError: If either time is negative (a `ValueError`, as in HardPy).
        """
        _check_timeframe(start_time, end_time)
        return sum(1 for doc in self._reports() if _in_timeframe(doc, start_time, end_time))

    def get_report_status(self, report_name: str) -> str:
        """The status of the report with document id `report_name`.

        Raises:
            CouchdbError: If there is no such report.
            ReportFormatError: If its status is not passed, failed or skipped
                (HardPy's "Invalid report status", a `ValueError`).
        """
        what = f"reading report {report_name!r}"
        with self._server.client() as client:
            response = self._server.request(
                client, "GET", _doc_path(self._config.db_name, report_name), what, accept=(404,)
            )
        if response.status_code == 404:
            msg = f"{what}: database {self._config.db_name!r} has no such document"
            raise CouchdbError(msg, status_code=404)
        status = response.json().get("status")
        if status not in ("passed", "failed", "skipped"):
            msg = (
                f"Invalid report status {status!r} in report {report_name!r}: "
                "expected passed, failed or skipped (the run did not finish)"
            )
            raise ReportFormatError(msg)
        return str(status)

    def get_report_infos(self) -> list[ReportInfo]:
        """A `ReportInfo` for each report."""
        return [_report_info(doc) for doc in self._reports()]

    def get_report_infos_in_timeframe(self, start_time: int, end_time: int) -> list[ReportInfo]:
        """A `ReportInfo` for each report in the timeframe (see `get_report_count_in_timeframe`).

        Raises:
            ConfigError: If either time is negative.
        """
        _check_timeframe(start_time, end_time)
        return [
            _report_info(doc) for doc in self._reports() if _in_timeframe(doc, start_time, end_time)
        ]


def _check_timeframe(start_time: int, end_time: int) -> None:
    if start_time < 0 or end_time < 0:
        msg = (
            f"Start time and end time must be positive values (got {start_time}, {end_time}); "
            "give Unix seconds"
        )
        raise ConfigError(msg)


def _in_timeframe(doc: dict[str, Any], start_time: int, end_time: int) -> bool:
    started, stopped = doc.get("start_time"), doc.get("stop_time")
    if not isinstance(started, int) or not isinstance(stopped, int):
        return False
    return start_time <= started and stopped <= end_time


def _report_info(doc: dict[str, Any]) -> ReportInfo:
    failed_name = failed_id = None
    for module in (doc.get("modules") or {}).values():
        for case_id, case in ((module or {}).get("cases") or {}).items():
            if (case or {}).get("status") == "failed":
                failed_name, failed_id = case.get("name"), case_id
    return ReportInfo(
        name=str(doc.get("_id")),
        status=str(doc.get("status")),
        start_time=doc.get("start_time"),
        end_time=doc.get("stop_time"),
        first_failed_test_name=failed_name,
        first_failed_test_id=failed_id,
    )


# ---------------------------------------------------------------------- source


class CouchdbSource:
    """A CouchDB server to bring reports from (``hardlab import --couchdb``).

    Args:
        url: The server, ``http://user:password@host:5984`` (a path names a
            database; see `database`).

    Raises:
        ConfigError: If `url` is not an http(s) URL.
    """

    def __init__(self, url: str) -> None:
        self._server = _Server(url)
        path = urlsplit(url if "://" in url else f"http://{url}").path.strip("/")
        self.database: str | None = unquote(path) if path else None
        """The database named in the URL's path, if any."""

    @property
    def safe_url(self) -> str:
        """The server URL with its password hidden."""
        return self._server.safe

    def databases(self) -> list[str]:
        """The names of the server's databases (``_all_dbs``).

        Raises:
            CouchdbError: If the server cannot be reached or refuses the credentials.
        """
        with self._server.client() as client:
            response = self._server.request(client, "GET", "/_all_dbs", "listing databases")
        return [str(name) for name in response.json()]

    def documents(self, db_name: str) -> Iterator[dict[str, Any]]:
        """Every document in `db_name`, design documents included, in id order.

        Raises:
            CouchdbError: If the database does not exist or cannot be read.
        """
        with self._server.client() as client:
            if not self._server.database_exists(client, db_name):
                msg = f"CouchDB at {self._server.safe} has no database {db_name!r}"
                raise CouchdbError(msg, status_code=404)
            yield from self._server.documents(client, db_name)
