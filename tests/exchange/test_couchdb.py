"""CouchdbConfig, CouchdbLoader and CouchdbReader against a real CouchDB-compatible server."""

from __future__ import annotations

import http.server
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _couchdb import CouchServer
from _reports import START, report_doc, sample_report

import hardlab
from hardlab.errors import ConfigError, CouchdbError, HardlabError, ReportFormatError
from hardlab.exchange import CouchdbConfig, CouchdbLoader, CouchdbReader, ReportInfo, import_couchdb
from hardlab.model import ResultRunStore
from hardlab.storage import Store


def _config(server: CouchServer, **more: Any) -> CouchdbConfig:
    return CouchdbConfig(host=server.host, port=server.port, **more)


def _docs(server: CouchServer, db: str) -> list[dict[str, Any]]:
    status, body = server.request("GET", f"{db}/_all_docs?include_docs=true")
    assert status == 200, body
    assert isinstance(body, dict)
    return [row["doc"] for row in body["rows"]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web_page(tmp_path: Path) -> Iterator[int]:
    """A plain HTTP server that is not CouchDB (it serves a folder listing); its port."""
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *args, directory=str(tmp_path)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------- config


def test_connection_string_finds_plain_http(couchdb: CouchServer) -> None:
    config = _config(couchdb)
    assert config.connection_string == f"http://dev:dev@127.0.0.1:{couchdb.port}/"


def test_connection_str_is_taken_as_it_is() -> None:
    # nothing is probed: no server is needed
    config = CouchdbConfig(connection_str="http://u:p@nowhere.invalid:1/")
    assert config.connection_string == "http://u:p@nowhere.invalid:1/"


def test_credentials_are_quoted_for_the_url(couchdb: CouchServer) -> None:
    config = _config(couchdb, user="a@b", password="p:w/d")
    assert config.connection_string == f"http://a%40b:p%3Aw%2Fd@127.0.0.1:{couchdb.port}/"


def test_no_server_is_a_runtime_error_naming_host_and_port() -> None:
    port = _free_port()
    with pytest.raises(CouchdbError) as caught:
        CouchdbConfig(host="127.0.0.1", port=port).connection_string  # noqa: B018
    assert isinstance(caught.value, RuntimeError)  # what HardPy raises
    message = str(caught.value)
    assert f"Error connecting to couchdb server 127.0.0.1:{port}" in message
    assert "connection_str=" in message


def test_a_web_server_that_is_not_couchdb(web_page: int) -> None:
    with pytest.raises(CouchdbError, match="does not provide CouchDB attributes"):
        CouchdbConfig(host="127.0.0.1", port=web_page).connection_string  # noqa: B018


# ---------------------------------------------------------------------- loader


def test_load_saves_the_report_under_hardpys_id(couchdb: CouchServer) -> None:
    report = sample_report()
    loader = CouchdbLoader(_config(couchdb))
    assert loader.load(report) is True
    (doc,) = _docs(couchdb, "report")
    assert doc["_id"] == f"report_{START + 42}_SN-0042"
    assert doc["_rev"].startswith("1-")
    expected = report.model_dump(mode="json", exclude={"id", "rev"})
    assert {k: v for k, v in doc.items() if k not in ("_id", "_rev")} == expected
    # and CouchDB's document reads back as the same report
    assert ResultRunStore.model_validate(doc).model_dump(exclude={"id", "rev"}) == (
        report.model_dump(exclude={"id", "rev"})
    )


def test_load_twice_is_a_conflict(couchdb: CouchServer, caplog: pytest.LogCaptureFixture) -> None:
    loader = CouchdbLoader(_config(couchdb, db_name="reports_2026"))
    assert loader.load(sample_report()) is True
    assert loader.load(sample_report()) is False
    assert "report_1767225642_SN-0042" in caplog.text
    assert len(_docs(couchdb, "reports_2026")) == 1
    # a second loader opens the existing database
    assert CouchdbLoader(_config(couchdb, db_name="reports_2026")).load(
        sample_report(stop_time=START + 50)
    )
    assert len(_docs(couchdb, "reports_2026")) == 2


def test_a_report_without_serial_number(couchdb: CouchServer) -> None:
    loader = CouchdbLoader(_config(couchdb))
    doc = report_doc()
    doc["dut"]["serial_number"] = None
    assert loader.load(ResultRunStore.model_validate(doc))
    doc["dut"]["serial_number"] = ""
    assert loader.load(ResultRunStore.model_validate(doc))  # a fresh suffix: no conflict
    ids = sorted(d["_id"] for d in _docs(couchdb, "report"))
    assert len(ids) == 2
    for doc_id in ids:
        assert re.fullmatch(rf"report_{START + 42}_no_serial_[0-9a-f]{{6}}", doc_id), doc_id


def test_wrong_password_names_the_user_and_hides_the_password(couchdb: CouchServer) -> None:
    with pytest.raises(CouchdbError) as caught:
        CouchdbLoader(_config(couchdb, password="s3cret-wrong"))
    message = str(caught.value)
    assert caught.value.status_code == 401
    assert "refused user 'dev'" in message
    assert "s3cret-wrong" not in message
    assert f"http://dev:***@127.0.0.1:{couchdb.port}/" in message


def test_connection_lost_after_start_is_an_error(couchdb: CouchServer) -> None:
    loader = CouchdbLoader(_config(couchdb))
    couchdb.stop()
    try:
        with pytest.raises(CouchdbError, match="cannot reach CouchDB"):
            loader.load(sample_report())
    finally:
        couchdb.start()


# ---------------------------------------------------------------------- reader


def _fill(server: CouchServer) -> None:
    loader = CouchdbLoader(_config(server))
    passed = report_doc(status="passed", caused_dut_failure_id=None, error_code=None)
    passed["modules"]["test_2_power"]["cases"]["test_vout"]["status"] = "passed"
    passed["dut"]["serial_number"] = "SN-1"
    assert loader.load(ResultRunStore.model_validate(passed))
    late = report_doc(start_time=START + 1000, stop_time=START + 1100)
    late["dut"]["serial_number"] = "SN-2"
    # two failed cases: HardPy's reader names the last one
    late["modules"]["test_1_checks"]["cases"]["test_strings"]["status"] = "failed"
    assert loader.load(ResultRunStore.model_validate(late))
    status, body = server.request("PUT", "report/_design/views", {"views": {}})
    assert status == 201, body


def test_reader_counts_and_timeframes(couchdb: CouchServer) -> None:
    _fill(couchdb)
    reader = CouchdbReader(_config(couchdb))
    assert reader.get_report_total_count() == 2  # the design document is not a report
    assert reader.get_report_count_in_timeframe(START, START + 42) == 1
    assert reader.get_report_count_in_timeframe(START, START + 41) == 0
    assert reader.get_report_count_in_timeframe(START + 1, START + 5000) == 1
    assert reader.get_report_count_in_timeframe(0, START + 5000) == 2
    with pytest.raises(ValueError, match="must be positive"):
        reader.get_report_count_in_timeframe(-1, 5)
    with pytest.raises(ConfigError):
        reader.get_report_infos_in_timeframe(0, -5)


def test_reader_infos_and_status(couchdb: CouchServer) -> None:
    _fill(couchdb)
    reader = CouchdbReader(_config(couchdb))
    infos = {info.name: info for info in reader.get_report_infos()}
    assert infos[f"report_{START + 42}_SN-1"] == ReportInfo(
        name=f"report_{START + 42}_SN-1",
        status="passed",
        start_time=START,
        end_time=START + 42,
        first_failed_test_name=None,
        first_failed_test_id=None,
    )
    late = infos[f"report_{START + 1100}_SN-2"]
    assert (late.status, late.first_failed_test_id) == ("failed", "test_vout")
    assert late.first_failed_test_name == "Output voltage"
    window = reader.get_report_infos_in_timeframe(START + 500, START + 2000)
    assert [info.name for info in window] == [late.name]
    assert reader.get_report_status(late.name) == "failed"
    with pytest.raises(CouchdbError, match="no such document"):
        reader.get_report_status("report_0_nobody")


def test_reader_refuses_an_unfinished_report(couchdb: CouchServer) -> None:
    CouchdbLoader(_config(couchdb)).load(sample_report(status="run"))
    reader = CouchdbReader(_config(couchdb))
    with pytest.raises(ReportFormatError, match="Invalid report status 'run'"):
        reader.get_report_status(f"report_{START + 42}_SN-0042")


def test_reader_of_a_missing_database(couchdb: CouchServer) -> None:
    with pytest.raises(CouchdbError, match="Error initializing database") as caught:
        CouchdbReader(_config(couchdb, db_name="nothing_here"))
    assert isinstance(caught.value, RuntimeError)
    assert isinstance(caught.value, HardlabError)
    assert "'nothing_here'" in str(caught.value)


def test_bad_url_for_the_import_source() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        import_couchdb(Store("sqlite://"), "ftp://dev:dev@host/")


# ---------------------------------------------------------------------- a plan


PLAN_CONFTEST = """
    import pytest

    from hardpy import CouchdbConfig, CouchdbLoader, get_current_report


    def save_report_to_couchdb():
        report = get_current_report()
        if report:
            loader = CouchdbLoader(CouchdbConfig(db_name="report", host="127.0.0.1", port=PORT))
            assert loader.load(report)


    @pytest.fixture(scope="session", autouse=True)
    def fill_actions_after_test(post_run_functions: list):
        post_run_functions.append(save_report_to_couchdb)
        yield
"""

PLAN_TEST = """
    import pytest

    import hardpy

    pytestmark = pytest.mark.module_name("Power")


    @pytest.mark.case_name("Identify")
    def test_identify():
        hardpy.set_dut_serial_number("SN-PLAN-1")
        hardpy.set_dut_part_number("PB-1")
        hardpy.set_stand_name("Bench 3")


    @pytest.mark.case_name("Output voltage")
    def test_vout():
        meas = hardpy.NumericMeasurement(
            name="Vout", value=3.31, unit="V",
            operation=hardpy.ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4,
        )
        hardpy.set_case_measurement(meas)
        assert meas.result
"""


def test_a_hardpy_plan_saving_to_couchdb_runs_unchanged(
    couchdb: CouchServer, make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "hardpy.toml": 'tests_name = "Couch plan"\n',
            "conftest.py": PLAN_CONFTEST.replace("PORT", str(couchdb.port)),
            "test_power.py": PLAN_TEST,
        }
    )
    store = tmp_path / "store.db"
    result = hardlab.run(plan, store=store, quiet=True)
    assert not result.errors
    assert result.status.value == "passed"
    (doc,) = _docs(couchdb, "report")
    assert doc["_id"] == f"report_{result.report.stop_time}_SN-PLAN-1"
    saved = ResultRunStore.model_validate(doc)
    assert saved.model_dump(exclude={"id", "rev"}) == result.report.model_dump(
        exclude={"id", "rev"}
    )

    # the run is in the store already: importing CouchDB adds nothing
    with Store(store) as opened:
        summary = import_couchdb(opened, couchdb.url)
        assert (summary.imported, summary.present) == ([], [str(result.run_id)])
        assert summary.skipped == []
        assert opened.count_runs() == 1


def test_whole_databases_are_read_page_by_page(couchdb: CouchServer) -> None:
    from hardlab.exchange import CouchdbSource

    # more than two pages of _all_docs (500 a page), ids that sort in a tricky order
    docs = [
        dict(report_doc(stop_time=START + n), _id=f'report_{START + n}_SN "{n}"/x')
        for n in range(1201)
    ]
    for doc in docs:
        doc.pop("_rev")
    status, body = couchdb.request("PUT", "report")
    assert status == 201, body
    status, body = couchdb.request("POST", "report/_bulk_docs", {"docs": docs})
    assert status == 201, body
    source = CouchdbSource(couchdb.url + "report")
    assert source.database == "report"
    seen = [doc["_id"] for doc in source.documents("report")]
    assert sorted(seen) == sorted(doc["_id"] for doc in docs)
    assert len(set(seen)) == 1201
    assert CouchdbReader(_config(couchdb)).get_report_total_count() == 1201
    assert "report" in source.databases()
