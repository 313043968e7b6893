"""Reports in and out of hardlab: HardPy's JSON files and CouchDB, OpenHTF, JUnit, CSV.

- HardPy: `JsonLoader` and `read_json_report` (JSON report files);
  `CouchdbConfig`, `CouchdbLoader`, `CouchdbReader` (CouchDB, over httpx:
  ``pip install "hardlab[couchdb]"``); `CouchdbSource` reads whole databases.
- OpenHTF: `to_openhtf` writes a report as an OpenHTF test record (what
  OpenHTF's JSON output callback writes, which TofuPilot imports);
  `from_openhtf` reads one back.
- CI: `to_junit` (JUnit XML, measurements as properties) and `to_csv` (one
  row per measurement).
- `read_report_document` tells HardPy reports, HardPy panel state and
  OpenHTF records apart.
- The registry: `EXPORT_FORMATS` (`ExportFormat`: name, file suffix, media
  type, description, writer) and `IMPORT_FORMATS`; `read_stored_run` reads
  a stored run for them. `import_paths` and `import_couchdb` bring reports
  into a store, each once.

Names are imported on first use: ``import hardlab.exchange`` imports no httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.exchange._common import CaseAttempt
    from hardlab.exchange._couchdb import (
        CouchdbConfig,
        CouchdbLoader,
        CouchdbReader,
        CouchdbSource,
        ReportInfo,
        couchdb_report_id,
        safe_couchdb_url,
    )
    from hardlab.exchange._csv import CSV_COLUMNS, to_csv
    from hardlab.exchange._detect import ReadDocument, read_report_document
    from hardlab.exchange._formats import (
        DEFAULT_EXPORT,
        EXPORT_FORMATS,
        IMPORT_FORMATS,
        DocumentFormat,
        ExportedRun,
        ExportFormat,
        ImportFormat,
        export_format,
        hardpy_json,
    )
    from hardlab.exchange._import import (
        HARDPY_DATABASES,
        ImportSummary,
        ReportTarget,
        import_couchdb,
        import_paths,
    )
    from hardlab.exchange._junit import to_junit
    from hardlab.exchange._openhtf import OpenhtfRun, from_openhtf, is_openhtf_record, to_openhtf
    from hardlab.exchange._stored import RunSource, read_stored_run, stored_attempt_case
    from hardlab.exchange.json_loader import JsonLoader, read_json_report, validate_report

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_EXPORT",
    "EXPORT_FORMATS",
    "HARDPY_DATABASES",
    "IMPORT_FORMATS",
    "CaseAttempt",
    "CouchdbConfig",
    "CouchdbLoader",
    "CouchdbReader",
    "CouchdbSource",
    "DocumentFormat",
    "ExportFormat",
    "ExportedRun",
    "ImportFormat",
    "ImportSummary",
    "JsonLoader",
    "OpenhtfRun",
    "ReadDocument",
    "ReportInfo",
    "ReportTarget",
    "RunSource",
    "couchdb_report_id",
    "export_format",
    "from_openhtf",
    "hardpy_json",
    "import_couchdb",
    "import_paths",
    "is_openhtf_record",
    "read_json_report",
    "read_report_document",
    "read_stored_run",
    "safe_couchdb_url",
    "stored_attempt_case",
    "to_csv",
    "to_junit",
    "to_openhtf",
    "validate_report",
]

_WHERE = {
    "CSV_COLUMNS": "hardlab.exchange._csv",
    "CaseAttempt": "hardlab.exchange._common",
    "CouchdbConfig": "hardlab.exchange._couchdb",
    "CouchdbLoader": "hardlab.exchange._couchdb",
    "CouchdbReader": "hardlab.exchange._couchdb",
    "CouchdbSource": "hardlab.exchange._couchdb",
    "DEFAULT_EXPORT": "hardlab.exchange._formats",
    "DocumentFormat": "hardlab.exchange._formats",
    "EXPORT_FORMATS": "hardlab.exchange._formats",
    "ExportFormat": "hardlab.exchange._formats",
    "ExportedRun": "hardlab.exchange._formats",
    "HARDPY_DATABASES": "hardlab.exchange._import",
    "IMPORT_FORMATS": "hardlab.exchange._formats",
    "ImportFormat": "hardlab.exchange._formats",
    "ImportSummary": "hardlab.exchange._import",
    "ReportTarget": "hardlab.exchange._import",
    "RunSource": "hardlab.exchange._stored",
    "export_format": "hardlab.exchange._formats",
    "hardpy_json": "hardlab.exchange._formats",
    "import_couchdb": "hardlab.exchange._import",
    "import_paths": "hardlab.exchange._import",
    "read_stored_run": "hardlab.exchange._stored",
    "stored_attempt_case": "hardlab.exchange._stored",
    "JsonLoader": "hardlab.exchange.json_loader",
    "OpenhtfRun": "hardlab.exchange._openhtf",
    "ReadDocument": "hardlab.exchange._detect",
    "ReportInfo": "hardlab.exchange._couchdb",
    "couchdb_report_id": "hardlab.exchange._couchdb",
    "from_openhtf": "hardlab.exchange._openhtf",
    "is_openhtf_record": "hardlab.exchange._openhtf",
    "read_json_report": "hardlab.exchange.json_loader",
    "read_report_document": "hardlab.exchange._detect",
    "safe_couchdb_url": "hardlab.exchange._couchdb",
    "to_csv": "hardlab.exchange._csv",
    "to_junit": "hardlab.exchange._junit",
    "to_openhtf": "hardlab.exchange._openhtf",
    "validate_report": "hardlab.exchange.json_loader",
}


def _missing_extra(exc: ImportError) -> Exception | None:
    if exc.name == "httpx":
        from hardlab.errors import MissingExtraError

        return MissingExtraError("couchdb", "httpx")
    return None


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, _missing_extra)
