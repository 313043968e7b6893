"""HardPy's `JsonLoader`: one JSON file per report, in HardPy's file format."""

from __future__ import annotations

import logging
import os
import uuid
from os import PathLike
from pathlib import Path

from pydantic import ValidationError

from hardlab._util import uuid7
from hardlab.errors import ReportFormatError
from hardlab.exchange._formats import hardpy_json
from hardlab.model.report import ResultRunStore

__all__ = ["JsonLoader", "read_json_report", "validate_report", "write_atomically"]

_log = logging.getLogger(__name__)


class JsonLoader:
    """Saves reports as JSON files, as HardPy's `JsonLoader` does.

    Each report becomes ``<storage_dir>/<id>.json``: the report's
    ``model_dump()`` with ``id`` replaced by the report id, indented by two.
    Files are written atomically (a crash never leaves half a report).

    Args:
        storage_dir: The folder; ``./reports`` by default. Created if missing.

    Example:
        ```python
        def save_report():
            report = get_current_report()
            if report:
                JsonLoader(Path("reports")).load(report)

        @pytest.fixture(scope="session", autouse=True)
        def register(post_run_functions):
            post_run_functions.append(save_report)
        ```
    """

    def __init__(self, storage_dir: Path | str | PathLike[str] | None = None) -> None:
        self._storage_dir = Path(storage_dir) if storage_dir is not None else Path.cwd() / "reports"
        self._storage_dir.mkdir(parents=True, exist_ok=True)

    @property
    def storage_dir(self) -> Path:
        """Where reports are written."""
        return self._storage_dir

    def path_for(self, report_id: str) -> Path:
        """The file a report with `report_id` is written to."""
        return self._storage_dir / f"{report_id}.json"

    def load(self, report: ResultRunStore, new_report_id: str | None = None) -> bool:
        """Write `report` to a file.

        Args:
            report: The report.
            new_report_id: The file's id; a new time-ordered UUID if None.

        Returns:
            True if the file was written, False if writing failed (the
            failure is logged), as in HardPy.
        """
        report_id = new_report_id or str(uuid7())
        path = self.path_for(report_id)
        try:
            write_atomically(path, hardpy_json(report, report_id))
        except (OSError, TypeError, ValueError):
            _log.exception("cannot write report %s to %s", report_id, path)
            return False
        return True


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8) so that a crash never leaves half a file.

    The text goes to a temporary file beside `path`, which then replaces
    it. The file gets the permissions any new file gets (the umask), as
    HardPy's plain ``open`` gives its reports.

    Raises:
        OSError: If the file cannot be written (the temporary file is removed).
    """
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        # newline="": text is written as given (CSV rows end in CRLF on every system)
        with open(temp, "x", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def read_json_report(path: str | PathLike[str]) -> ResultRunStore:
    """Read a HardPy JSON report file (``id``/``rev`` or CouchDB's ``_id``/``_rev``).

    Raises:
        OSError: If the file cannot be read.
        ReportFormatError: If it is not a schema-v1 report; the message lists
            the offending fields.
    """
    source = Path(path)
    try:
        return ResultRunStore.model_validate_json(source.read_bytes())
    except ValidationError as exc:
        raise ReportFormatError(f"{source} is {_problems(exc)}") from None


def validate_report(document: object) -> ResultRunStore:
    """A parsed JSON document as a HardPy report (``id``/``rev`` or ``_id``/``_rev``).

    Raises:
        ReportFormatError: If it is not a schema-v1 report; the message starts
            with "not a HardPy report" and lists the offending fields.
    """
    try:
        return ResultRunStore.model_validate(document)
    except ValidationError as exc:
        raise ReportFormatError(_problems(exc)) from None


def _problems(exc: ValidationError) -> str:
    names = {"_id": "id", "_rev": "rev"}  # HardPy's files spell them without the underscore
    problems = "; ".join(
        f"{'.'.join(names.get(str(p), str(p)) for p in error['loc']) or 'document'}: {error['msg']}"
        for error in exc.errors()[:10]
    )
    more = f" (and {exc.error_count() - 10} more)" if exc.error_count() > 10 else ""
    return f"not a HardPy report (schema v1): {problems}{more}"
