"""Migration and export speed: importing HardPy reports, exporting a big run.

1. Import: writes N HardPy JSON reports of a 50-case plan (one numeric
   measurement per case, what ``JsonLoader`` writes) into a folder, then
   ``hardlab import``'s function stores them into a fresh SQLite store, then
   once more (everything is already there). With ``--couchdb URL`` the same
   reports are also saved with ``CouchdbLoader`` and imported from CouchDB.
2. Export: a 1,000-case report as an OpenHTF record, JUnit XML and CSV.

Reported: reports per second for the imports, milliseconds per export.

Usage: python benchmarks/exchange.py [--reports 1000] [--couchdb http://dev:dev@127.0.0.1:5984]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from hardlab.exchange import (
    CouchdbConfig,
    CouchdbLoader,
    import_couchdb,
    import_paths,
    to_csv,
    to_junit,
    to_openhtf,
)
from hardlab.model import ResultRunStore
from hardlab.storage import Store

START = 1767225600


def report(n: int, cases: int) -> dict[str, Any]:
    start = START + n * 60
    modules: dict[str, Any] = {}
    for m in range(max(1, cases // 10)):
        module_cases = {}
        for c in range(10):
            value = 3.3 + ((n * 7 + c) % 11 - 5) * 0.01
            module_cases[f"test_rail_{c:02d}"] = {
                "status": "passed",
                "name": f"Rail {c:02d}",
                "group": "main",
                "start_time": start,
                "stop_time": start + 1,
                "attempt": 1,
                "measurements": [
                    {"type": "numeric", "name": f"rail_{m}_{c}", "value": value, "unit": "V",
                     "operation": "gele", "lower_limit": 3.2, "upper_limit": 3.4,
                     "result": True},
                ],
            }  # fmt: skip
        modules[f"test_{m}_block"] = {
            "status": "passed",
            "name": f"Block {m}",
            "group": "main",
            "start_time": start,
            "stop_time": start + 50,
            "cases": module_cases,
        }
    return {
        "id": str(uuid.UUID(int=n + 1, version=4)),
        "rev": "1-a",
        "name": "Power board",
        "status": "passed",
        "start_time": start,
        "stop_time": start + 50,
        "test_stand": {"name": "stand-1"},
        "dut": {"serial_number": f"SN-{n:06d}", "part_number": "PB-100"},
        "process": {},
        "modules": modules,
    }


def timed(label: str, count: int, action: Any) -> Any:
    begin = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - begin
    rate = f"{count / seconds:8.0f} reports/s" if count else ""
    print(f"{label:<44} {seconds * 1000:9.1f} ms {rate}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--couchdb", metavar="URL", help="also import from this CouchDB server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        reports = folder / "reports"
        reports.mkdir()
        docs = [report(n, 50) for n in range(args.reports)]
        for doc in docs:
            (reports / f"{doc['id']}.json").write_text(json.dumps(doc, indent=2))
        with Store(folder / "files.db") as store:
            summary = timed(
                f"import {args.reports} JSON reports (50 cases)",
                args.reports,
                lambda: import_paths(store, [reports]),
            )
            assert len(summary.imported) == args.reports, summary.skipped[:3]
            again = timed("import them again (all already there)", args.reports,
                          lambda: import_paths(store, [reports]))  # fmt: skip
            assert len(again.present) == args.reports
        if args.couchdb:
            db_name = f"bench_{uuid.uuid4().hex[:8]}"
            loader = CouchdbLoader(CouchdbConfig(db_name=db_name, connection_str=args.couchdb))
            models = [ResultRunStore.model_validate(doc) for doc in docs]
            timed("CouchdbLoader.load, one by one", args.reports,
                  lambda: [loader.load(model) for model in models])  # fmt: skip
            with Store(folder / "couch.db") as store:
                summary = timed(
                    "import them from CouchDB",
                    args.reports,
                    lambda: import_couchdb(store, args.couchdb, [db_name]),
                )
                assert len(summary.imported) == args.reports, summary.skipped[:3]

        big = ResultRunStore.model_validate(report(0, 1000))
        for name, export in (("openhtf", to_openhtf), ("junit", to_junit), ("csv", to_csv)):

            def run(export: Any = export) -> Any:
                out = export(big)
                return json.dumps(out) if isinstance(out, dict) else out

            text = timed(f"export a 1,000-case run as {name}", 0, run)
            print(f"{'':<44} {len(text) / 1e6:9.2f} MB")


if __name__ == "__main__":
    main()
