"""The REST handlers under ``/hardlab/api/``: runs, one run's report, its HardPy JSON.

Every handler is authenticated and authorized by jupyter_server (the same
token or login as JupyterLab itself) and reads the store through `Store` on
the extension's store thread, so a slow database never stalls the server's
event loop. Errors answer with jupyter_server's JSON error body,
``{"message": ..., "reason": ...}``:

* 400: a bad query parameter or run id (`hardlab.labext._params`);
* 404: no such run;
* 500: a stored report does not validate (the message names the run);
* 503: the store cannot be read (unreachable, or its schema needs
  ``hardlab db upgrade``); the message is the store's own.

The report model and SQLAlchemy are imported on the first request, not when
jupyter_server imports the extension, so JupyterLab starts as fast without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from hardlab.errors import HardlabError, ReportFormatError
from hardlab.labext._params import (
    RUN_OUTCOMES,
    RUN_STATUSES,
    ParameterError,
    check_run_id,
    parse_export_format,
    parse_runs_query,
)

if TYPE_CHECKING:
    from hardlab.labext._app import HardlabExtension
    from hardlab.model.report import ResultRunStore
    from hardlab.storage import Store

__all__ = [
    "AUTH_RESOURCE",
    "ExportHandler",
    "FiltersHandler",
    "ReportHandler",
    "RunsHandler",
    "UnitReportHandler",
]

AUTH_RESOURCE = "hardlab"
"""The resource name jupyter_server's authorizer is asked about (action ``read``)."""

T = TypeVar("T")


class _StoreHandler(ExtensionHandlerMixin, APIHandler):
    """Shared plumbing: the extension's store, its thread, and error translation."""

    auth_resource = AUTH_RESOURCE

    @property
    def hardlab(self) -> HardlabExtension:
        return self.extensionapp  # type: ignore[return-value]

    def arguments(self) -> dict[str, list[str]]:
        """The query string, decoded (names to every value given).

        JupyterLab's `ServerConnection` appends a cache buster to every GET
        (``?limit=50&1795277089739``): a bare number, which is left out. So
        is ``token``: jupyter_server authenticates ``?token=...`` (the link it
        prints at start), which is no filter of ours.
        """
        return {
            name: [value.decode("utf-8", "replace") for value in values]
            for name, values in self.request.query_arguments.items()
            if not (name.isdigit() and values == [b""]) and name != "token"
        }

    async def read(self, work: Callable[[Store], T]) -> T:
        """`work(store)` on the store thread; store errors become HTTP 503."""
        try:
            return await self.hardlab.read(work)
        except ReportFormatError as exc:
            self.log.error("hardlab: %s", exc)
            raise web.HTTPError(500, "%s", str(exc), reason="Report unreadable") from exc
        except HardlabError as exc:
            self.log.warning("hardlab: %s", exc)
            raise web.HTTPError(503, "%s", str(exc), reason="Store unavailable") from exc

    def store_info(self) -> dict[str, Any]:
        """The store's URL and whether it exists; 503 if no store could be chosen."""
        try:
            return self.hardlab.store_info()
        except HardlabError as exc:
            raise web.HTTPError(503, "%s", str(exc), reason="Store unavailable") from exc

    def bad_request(self, error: ParameterError) -> web.HTTPError:
        return web.HTTPError(400, "%s", str(error), reason="Bad parameter")

    def refuse_arguments(self) -> None:
        """Refuse a query parameter where the endpoint takes none.

        Raises:
            HTTPError: 400, naming the parameters given.
        """
        given = self.arguments()
        if given:
            names = ", ".join(map(repr, sorted(given)))
            error = ParameterError(f"unknown parameter {names}; this endpoint takes none")
            raise self.bad_request(error)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """jupyter_server's JSON error body, with the message's arguments filled in.

        (APIHandler sends ``log_message`` unformatted; messages here are
        ``"%s"`` templates so that a ``%`` in a run id cannot break tornado's log.)
        """
        error = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(error, web.HTTPError) or not error.log_message:
            super().write_error(status_code, **kwargs)
            return
        message = error.log_message % error.args if error.args else error.log_message
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"message": message, "reason": error.reason}, ensure_ascii=False))

    def reply(self, payload: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload, ensure_ascii=False))


class RunsHandler(_StoreHandler):
    """``GET /hardlab/api/runs``: one page of runs, newest first.

    Query: ``part_number``, ``serial_number``, ``stand``, ``status``, ``name``
    (repeatable), ``since``, ``until`` (ISO 8601), ``limit`` (1-500, default
    50), ``offset``. Answer: ``runs`` (run summaries), ``total`` (runs
    matching the filters), ``limit``, ``offset``, ``live`` (whether any run
    on the page is still going) and ``store`` (its URL without password, and
    whether it exists yet).
    """

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            query = parse_runs_query(self.arguments())
        except ParameterError as exc:
            raise self.bad_request(exc) from exc
        store_info = self.store_info()
        if not store_info["exists"]:
            # reading an SQLite store that is not there would create it
            rows: list[dict[str, Any]] = []
            total = 0
        else:

            def page(store: Store) -> tuple[list[dict[str, Any]], int]:
                found = store.runs(query.run_filter, limit=query.limit, offset=query.offset)
                return found.dicts(), store.count_runs(query.run_filter)

            rows, total = await self.read(page)
        from hardlab.labext._views import run_summary

        runs = [run_summary(row) for row in rows]
        self.reply(
            {
                "runs": runs,
                "total": total,
                "limit": query.limit,
                "offset": query.offset,
                "live": any(run["status"] == "run" for run in runs),
                "store": store_info,
            }
        )


class FiltersHandler(_StoreHandler):
    """``GET /hardlab/api/filters``: the values the run filters can take.

    Answer: ``part_number``, ``stand`` and ``status``, each the sorted
    distinct values stored runs have, and ``statuses``, the statuses the
    status filter offers: those runs have (`RUN_OUTCOMES`), and any other
    a stored run has.
    """

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.refuse_arguments()
        values: dict[str, list[str]] = {"part_number": [], "stand": [], "status": []}
        if self.store_info()["exists"]:

            def distinct(store: Store) -> dict[str, list[str]]:
                return {field: store.run_values(field) for field in values}

            values = await self.read(distinct)
        offered = [s for s in RUN_STATUSES if s in RUN_OUTCOMES or s in values["status"]]
        self.reply({**values, "statuses": offered})


class _RunHandler(_StoreHandler):
    async def run_row(self, run_id: str) -> dict[str, Any]:
        """The run's summary row; 400 for an implausible id, 404 if there is none."""
        try:
            check_run_id(run_id)
        except ParameterError as exc:
            raise self.bad_request(exc) from exc
        if not self.store_info()["exists"]:
            raise web.HTTPError(404, "no run %r: the store has no runs yet", run_id)

        from hardlab.storage import RunFilter

        def find(store: Store) -> list[dict[str, Any]]:
            return store.runs(RunFilter(run_ids=[run_id]), limit=1).dicts()

        found = await self.read(find)
        if not found:
            raise web.HTTPError(404, "no run %r in %s", run_id, self.store_info()["url"])
        return found[0]


class ReportHandler(_RunHandler):
    """``GET /hardlab/api/runs/{id}``: the run's read-only report view.

    A run that is still going is rebuilt from the cases stored so far.
    """

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.refuse_arguments()
        row = await self.run_row(run_id)
        full_id = str(row["id"])

        def read(store: Store) -> tuple[ResultRunStore, str | None]:
            # why a plan could not run is on the run's own row (not in run summaries)
            plan_error = (
                store.run_row(full_id).get("plan_error") if row["status"] == "error" else None
            )
            return store.get_report(full_id), plan_error

        report, plan_error = await self.read(read)
        from hardlab.labext._views import report_view

        self.reply(report_view(row, report, plan_error))


class ExportHandler(_RunHandler):
    """``GET /hardlab/api/runs/{id}/export``: the run as a HardPy JSON report file.

    Query: ``format`` (``hardpy-json``, the default; see `parse_export_format`).
    The body is what ``hardlab export RUN_ID`` writes, sent as an attachment
    ``<id><the format's suffix>``.
    """

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        try:
            chosen = parse_export_format(self.arguments())
        except ParameterError as exc:
            raise self.bad_request(exc) from exc
        row = await self.run_row(run_id)
        from hardlab.exchange import read_stored_run

        full_id = str(row["id"])
        run = await self.read(lambda store: read_stored_run(store, full_id, attempts=False))
        body = chosen.write(run)
        safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in full_id)
        self.set_header("Content-Type", f"{chosen.media_type}; charset=UTF-8")
        self.set_header("Content-Disposition", f'attachment; filename="{safe_name}{chosen.suffix}"')
        self.finish(body)


class UnitReportHandler(_RunHandler):
    """``GET /hardlab/api/runs/{id}/report``: the run's unit report, one self-contained HTML page.

    The page ``hardlab report RUN_ID`` writes (`hardlab.reports`); it loads
    nothing from anywhere, so the panel can show it from a blob URL.
    """

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.refuse_arguments()
        row = await self.run_row(run_id)
        full_id = str(row["id"])
        from hardlab.reports import render_html

        def page(store: Store) -> str:
            return render_html(store.get_report(full_id), store.attempts(full_id), run_id=full_id)

        self.finish(await self.read(page), set_content_type="text/html; charset=UTF-8")
