"""StandCloud upload throughput: the outbox drain against one upload per connection (HardPy's way).

The script starts hardlab's StandCloud-compatible test server
(`hardlab.testing.standcloud`: uvicorn over TLS on loopback, with a
throwaway CA), makes 1,000 finished twenty-case reports, stores them in a
fresh SQLite store and queues them in its outbox. Then, side by side:

* ``hardlab outbox``: ``hardlab.sync()`` drains the outbox with the default
  `SyncPolicy` (a few kept-alive HTTPS connections at once, the run id as
  idempotency key, every answer recorded in the store). TLS is verified
  against the test CA.
* ``HardPy's way``: the same reports uploaded one by one, each on a new
  connection, as HardPy 0.25.2's ``StandCloudLoader.load`` does: a new
  requests session per report (its ``ApiClient``), ``POST test_report`` with
  ``json=report.model_dump()``, and certificate checks off, as HardPy runs
  under a normal interpreter (``verify = not __debug__``). HardPy itself is
  not imported; this is its HTTP code path.
* Two more one-by-one rows, for the record: HardPy's way with certificates
  checked (against the test CA), and hardlab's own `StandCloudLoader` with a
  new loader (so a new connection) per report.

The server is emptied between rounds, so every round stores all 1,000. The
script prints reports per second for each round and the ratios. Target: the
outbox at least 8x faster than HardPy's way, with TLS verified. (HardPy
0.25.2's ``StandCloudLoader`` took 25.7 s for 1,000 twenty-case reports to a
local HTTPS server, 38.9 reports/s, with certificate checks off.)

The one-by-one rounds need ``requests`` (HardPy's HTTP client); without it
only the hardlab rows are measured.

Usage: python benchmarks/sync_throughput.py [--reports 1000] [--cases 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hardlab
from hardlab.cloud import StandCloudLoader
from hardlab.config import StandCloudConfig
from hardlab.model import ResultRunStore
from hardlab.storage import Store
from hardlab.testing.standcloud import StandCloudServer

START = 1_795_000_000


def report(index: int, cases: int) -> ResultRunStore:
    """A finished report: `cases` cases of one numeric measurement, as a 20-case plan leaves."""
    start = START + index * 60
    case_docs = {
        f"test_rail_{c:02d}": {
            "status": "passed",
            "name": f"Rail {c:02d}",
            "group": "main",
            "start_time": start + c,
            "stop_time": start + c + 1,
            "attempt": 1,
            "msg": {"0": f"rail {c} measured"},
            "measurements": [
                {
                    "type": "numeric",
                    "name": f"rail {c:02d}",
                    "value": 3.3 + c / 1000,
                    "unit": "V",
                    "operation": "gele",
                    "lower_limit": 3.2,
                    "upper_limit": 3.4,
                    "result": True,
                }
            ],
        }
        for c in range(cases)
    }
    return ResultRunStore.model_validate(
        {
            "_id": "bench_8000",
            "_rev": "bench_8000",
            "name": "Power board",
            "status": "passed",
            "start_time": start,
            "stop_time": start + cases + 1,
            "test_stand": {"name": "bench-1", "hw_id": "hw-0001", "location": "Line 1"},
            "dut": {
                "serial_number": f"SN-{index:06d}",
                "part_number": "PB-100",
                "info": {"firmware": "1.4.2"},
            },
            "process": {"name": "final test"},
            "modules": {
                "test_power": {
                    "status": "passed",
                    "name": "Power rails",
                    "group": "main",
                    "start_time": start,
                    "stop_time": start + cases + 1,
                    "cases": case_docs,
                }
            },
        }
    )


def timed(label: str, count: int, action: Callable[[], Any]) -> float:
    """Run `action`, print its rate, and return the seconds it took."""
    began = time.perf_counter()
    action()
    took = time.perf_counter() - began
    print(f"{label:<58} {took:7.2f} s  {count / took:8.1f} reports/s", flush=True)
    return took


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports per round (1000)")
    parser.add_argument("--cases", type=int, default=20, help="cases per report (20)")
    args = parser.parse_args()
    os.environ.setdefault("HARDLAB_SC_TOKEN_STORE", "file")  # API keys only; keep off the keyring

    try:
        import requests
        import urllib3
    except ImportError:
        requests = None  # type: ignore[assignment]
    work = Path(tempfile.mkdtemp(prefix="hardlab-sync-bench-"))
    try:
        with StandCloudServer(work / "server") as server:
            api_key = server.create_api_key()
            plan = work / "plan"
            plan.mkdir()
            (plan / "hardpy.toml").write_text(
                f'[stand_cloud]\naddress = "{server.address}"\napi_key = "{api_key}"\n'
                f'ca_bundle = "{server.ca_bundle}"\n',
                encoding="utf-8",
            )
            reports = [report(i, args.cases) for i in range(args.reports)]
            db = work / "runs.db"
            began = time.perf_counter()
            with Store(db) as store:
                ids = [store.save_report(r, source="run")[0] for r in reports]
                store.outbox.enqueue(ids, address=server.address)
            print(
                f"{args.reports} reports of {args.cases} cases stored and queued in "
                f"{time.perf_counter() - began:.1f} s (not timed); server https://{server.address}"
            )

            results: dict[str, Any] = {}

            def drain() -> None:
                results["sync"] = hardlab.sync(plan, store=db)

            outbox = timed("hardlab outbox drain (TLS verified)", args.reports, drain)
            outcome = results["sync"]
            if not outcome.ok or outcome.delivered != args.reports:
                raise SystemExit(f"the drain did not deliver everything: {outcome}")
            if len(server.reports()) != args.reports:
                raise SystemExit("the server did not store every report")

            rows: dict[str, float] = {}
            url = f"{server.url}/hardpy/api/v1/test_report"

            def hardpy_way(verify: bool | str) -> Callable[[], None]:
                def upload_all() -> None:
                    assert requests is not None
                    headers = {"Authorization": f"Bearer {api_key}"}
                    for item in reports:
                        with requests.Session() as session:  # HardPy: a new ApiClient per load
                            answer = session.post(
                                url, json=item.model_dump(), headers=headers,
                                verify=verify, timeout=20,
                            )  # fmt: skip
                        if answer.status_code != 201:
                            raise SystemExit(f"HardPy's way: {answer.status_code} {answer.text}")

                return upload_all

            if requests is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    server.reset()
                    rows["hardpy"] = timed(
                        "HardPy's way: new connection each, certificates unchecked",
                        args.reports,
                        hardpy_way(False),
                    )
                server.reset()
                rows["hardpy_verified"] = timed(
                    "HardPy's way: new connection each, TLS verified",
                    args.reports,
                    hardpy_way(server.ca_bundle),
                )
            else:
                print("requests is not installed: HardPy's way is not measured")

            section = StandCloudConfig(
                address=server.address, api_key=api_key, ca_bundle=server.ca_bundle
            )

            def loader_each() -> None:
                for item in reports:
                    with StandCloudLoader(config=section) as loader:
                        answer = loader.load(item)
                    if answer.status_code != 201:
                        raise SystemExit(f"StandCloudLoader: {answer.status_code} {answer.text}")

            server.reset()
            rows["loader"] = timed(
                "hardlab StandCloudLoader, new connection each, TLS verified",
                args.reports,
                loader_each,
            )

            print()
            if "hardpy" in rows:
                ratio = rows["hardpy"] / outbox
                print(f"outbox vs HardPy's way: {ratio:.1f}x  (target >= 8x, TLS verified)")
                verified = rows["hardpy_verified"] / outbox
                print(f"outbox vs HardPy's way with TLS verified: {verified:.1f}x")
            print(f"outbox vs one StandCloudLoader per report: {rows['loader'] / outbox:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
