"""`StandCloudLoader`: upload a report (HardPy's name and signature), and `StandCloudReader`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hardlab.cloud._connector import StandCloudConnector

if TYPE_CHECKING:
    import httpx

    from hardlab.cloud._outcome import UploadOutcome
    from hardlab.cloud._tokens import TokenStore
    from hardlab.config import StandCloudConfig
    from hardlab.model.report import ResultRunStore

__all__ = [
    "IDEMPOTENCY_HEADER",
    "StandCloudLoader",
    "StandCloudReader",
    "prepare_document",
    "report_key",
]

IDEMPOTENCY_HEADER = "Idempotency-Key"
"""The header that carries the run id: a re-sent report is recognised, not stored twice."""

_NAMESPACE = uuid.UUID("0b4d3f6e-5c1a-4e8b-9a7d-2f6c8e1b3a55")


def report_key(report: ResultRunStore) -> str:
    """The idempotency key of a report: its run's id, else a digest of its content.

    Inside a run (a post-run function, say) or right after it, the key is the
    run id, the same key the outbox sends: uploading the report from
    ``post_run_functions`` and by autosync stores it once.
    """
    from hardlab.runtime import last_run, maybe_current_run

    run = maybe_current_run() or last_run()
    if run is not None:
        same = run.view.read(
            lambda live: (
                live.start_time == report.start_time
                and live.name == report.name
                and live.dut.serial_number == report.dut.serial_number
            )
        )
        if same:
            return str(run.run_id)
    digest = report.model_dump_json(exclude={"rev"})
    return str(uuid.uuid5(_NAMESPACE, digest))


def _named(item: Any) -> Any:
    """`item` (a DUT, sub-unit or instrument) named after its part number if it has no name."""
    if isinstance(item, dict) and not item.get("name") and item.get("part_number"):
        return {**item, "name": item["part_number"]}
    return item


def prepare_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The report as StandCloud gets it, with HardPy's defaults for optional names.

    A DUT without a name is named after its part number, and so are sub-units
    and instruments. The DUT part number and the stand name are *not* filled
    in (HardPy writes ``"unknown"``): StandCloud requires them and answers a
    report without them with 422, as its documentation says. The caller's
    document is not changed (only what gets a name is copied).
    """
    doc = dict(document)
    dut = doc.get("dut")
    if isinstance(dut, dict):
        dut = _named(dut)
        if dut.get("sub_units"):
            dut = {**dut, "sub_units": [_named(unit) for unit in dut["sub_units"]]}
        doc["dut"] = dut
    stand = doc.get("test_stand")
    if isinstance(stand, dict) and stand.get("instruments"):
        doc["test_stand"] = {
            **stand,
            "instruments": [_named(instrument) for instrument in stand["instruments"]],
        }
    return doc


def _config() -> StandCloudConfig:
    from hardlab.api import get_hardpy_config

    return get_hardpy_config().stand_cloud


class StandCloudLoader:
    """Uploads reports to StandCloud (HardPy's ``StandCloudLoader``).

    Args:
        address: ``host[:port]``; default: ``[stand_cloud] address`` of the
            plan's ``hardpy.toml`` (the running plan's, else the working
            directory's).
        api_key: The API key; default: ``[stand_cloud] api_key`` or
            ``HARDPY_SC_API_KEY`` (for the configured address), else the login.
        config: A ``[stand_cloud]`` section to use instead of ``hardpy.toml``'s.
        connector: A connector to use (its address and credentials win).
        token_store: Where the login is kept.

    Example:
        ```python
        response = StandCloudLoader().load(hardlab.get_current_report())
        if response.status_code != 201:
            hardlab.set_operator_message(f"StandCloud: {response.text}")
        ```
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        api_key: str | None = None,
        config: StandCloudConfig | None = None,
        connector: StandCloudConnector | None = None,
        token_store: TokenStore | None = None,
    ) -> None:
        if connector is None:
            section = config if config is not None else _config()
            connector = StandCloudConnector.from_config(
                section, address=address, token_store=token_store
            )
            if api_key:
                connector.api_key = api_key
        self.connector = connector

    def __repr__(self) -> str:
        return f"StandCloudLoader({self.connector.addr!r})"

    def __enter__(self) -> StandCloudLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connector.close()

    def close(self) -> None:
        """Close the connections."""
        self.connector.close()

    def load(self, report: ResultRunStore, timeout: int = 20) -> httpx.Response:
        """Upload `report` (``POST test_report``) and return the server's answer.

        201 means stored. 409 means the report was stored before (the same
        run id was sent as the idempotency key). 422 carries the server's
        reason, e.g. a missing DUT part number or stand name. Other statuses
        come back as they are, as HardPy returns them; refused credentials
        (401, 403) raise. `deliver` says the same as a typed `UploadOutcome`.

        Raises:
            StandCloudAuthError: No API key or login, the key or login was
                refused, or the login cannot be refreshed.
            StandCloudError: The server cannot be reached (connection, timeout, TLS).
        """
        document = report.model_dump(mode="json")
        response = self.upload(document, key=report_key(report), timeout=timeout)
        if response.status_code in (401, 403):
            raise self.connector.refused(response)
        return response

    def upload(
        self, document: Mapping[str, Any], *, key: str, timeout: float | None = None
    ) -> httpx.Response:
        """Upload a report document (a dict in HardPy's schema v1) under idempotency `key`.

        Raises:
            StandCloudError: As `load`.
        """
        body = json.dumps(prepare_document(document), separators=(",", ":")).encode()
        return self.connector.request(
            "POST",
            "test_report",
            content=body,
            headers={IDEMPOTENCY_HEADER: key},
            timeout=timeout,
        )

    def deliver(self, report: ResultRunStore, timeout: float | None = 20) -> UploadOutcome:
        """Upload `report` as `load` does and say what became of it; never raises `StandCloudError`.

        The idempotency key is the one `load` sends (`report_key`), so a
        report delivered here and by the outbox is stored once.
        """
        document = report.model_dump(mode="json")
        return self.send(document, key=report_key(report), timeout=timeout)

    def send(
        self, document: Mapping[str, Any], *, key: str, timeout: float | None = None
    ) -> UploadOutcome:
        """Upload a report document as `upload` does, and say what became of it.

        Errors raised before StandCloud answered (no credentials, an
        untrusted certificate, a server that is not there) come back as an
        outcome too (see `hardlab.cloud.error_outcome`).
        """
        from hardlab.cloud._outcome import error_outcome, upload_outcome
        from hardlab.errors import StandCloudError

        try:
            response = self.upload(document, key=key, timeout=timeout)
        except StandCloudError as exc:
            return error_outcome(exc)
        return upload_outcome(response)

    def healthcheck(self) -> httpx.Response:
        """``GET healthcheck`` (see `StandCloudConnector.healthcheck`)."""
        return self.connector.healthcheck()


class StandCloudReader:
    """Reads runs and tested DUTs back from StandCloud (HardPy's ``StandCloudReader``).

    Responses come back as the server sent them (look at ``status_code``,
    then ``json()``); filters are the server's query parameters:
    ``part_number``, ``serial_number``, ``status``, ``test_stand_name``,
    ``number_of_attempt``, and `dut.info` keys.

    Args:
        sc_connector: The connector (its mode, API key or login apply).
    """

    def __init__(self, sc_connector: StandCloudConnector) -> None:
        self.connector = sc_connector

    def __repr__(self) -> str:
        return f"StandCloudReader({self.connector.addr!r})"

    def request(self, endpoint: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """``GET {api}/{endpoint}?params``.

        Raises:
            StandCloudError: If the server cannot be reached or the credentials are missing.
        """
        return self.connector.request("GET", endpoint, params=params)

    def test_run(
        self, run_id: str | None = None, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """One run (``GET test_run/{run_id}``) or the runs matching `params` (``GET test_run``).

        Raises:
            ValueError: If both `run_id` and `params` are given (as HardPy).
            StandCloudError: As `request`.
        """
        if run_id is not None and params is not None:
            msg = "test_run() takes a run_id or params, not both"
            raise ValueError(msg)
        if run_id is not None:
            return self.request(f"test_run/{run_id}")
        return self.request("test_run", params)

    def tested_dut(self, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """The latest run of each DUT matching `params` (``GET tested_dut``).

        Raises:
            StandCloudError: As `request`.
        """
        return self.request("tested_dut", params)

    def iter_test_runs(
        self, params: Mapping[str, Any] | None = None, *, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every run matching `params`, page by page (``limit``/``offset`` query parameters).

        A page may be a list or an object with ``items`` (or ``data``); the
        reading stops at a short page, or at a page with no run not seen yet
        (a server without paging sends everything at once).

        Raises:
            StandCloudError: If a page cannot be read (its status and text are in the message).
        """
        from hardlab.errors import StandCloudError

        offset = 0
        seen: set[str] = set()
        while True:
            query = {**dict(params or {}), "limit": page_size, "offset": offset}
            response = self.request("test_run", query)
            if response.status_code != 200:
                msg = (
                    f"reading test runs from {self.connector.addr}: status "
                    f"{response.status_code} ({response.text[:200]})"
                )
                raise StandCloudError(msg, status_code=response.status_code)
            page = response.json()
            items = page.get("items", page.get("data", [])) if isinstance(page, dict) else page
            if not isinstance(items, list):
                msg = f"reading test runs from {self.connector.addr}: the answer is not a list"
                raise StandCloudError(msg)
            runs = [item for item in items if isinstance(item, dict)]
            ids = {str(item.get("test_run_id")) for item in runs}
            if runs and ids <= seen:
                return  # a server that ignores offset sends the same page again
            seen |= ids
            yield from runs
            if len(items) < page_size:
                return
            offset += len(items)
