"""StandCloud's test runs as the same DataFrames as the local store's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _standcloud import report_document

import hardlab
from hardlab.cloud import StandCloudConnector, StandCloudLoader, StandCloudReader
from hardlab.config import StandCloudConfig
from hardlab.errors import ConfigError
from hardlab.model import ResultRunStore
from hardlab.services import StandCloudHistory, summary_document
from hardlab.storage import Store
from hardlab.testing.standcloud import StandCloudServer

DAY = 86_400


def _documents() -> list[dict[str, Any]]:
    """Two part numbers, two stands, three days; SN-2 fails first and passes its retest."""
    plan = [
        ("SN-1", "PB-100", "Stand 1", 0, "passed"),
        ("SN-2", "PB-100", "Stand 1", 0, "failed"),
        ("SN-2", "PB-100", "Stand 2", 1, "passed"),
        ("SN-3", "PB-100", "Stand 2", 1, "passed"),
        ("SN-4", "PB-200", "Stand 1", 2, "failed"),
        ("SN-5", "PB-200", "Stand 2", 2, "stopped"),
    ]
    documents = []
    for index, (serial, part, stand, day, status) in enumerate(plan):
        start = 1_795_000_000 + day * DAY + index * 600
        doc = report_document(serial, part, stand, cases=3, start=start, status=status)
        cases = doc["modules"]["test_1"]["cases"]
        for position, case in enumerate(cases.values()):
            case["measurements"][0]["value"] = 3.3 + index / 100 + position / 1000
        if status == "failed":
            case = cases["test_1"]
            case["status"] = "failed"
            case["assertion_msg"] = "V1 out of range"
            case["measurements"][0].update(value=4.5, result=False)
            doc["modules"]["test_1"]["status"] = "failed"
            doc["error_code"] = 7
        documents.append(doc)
    return documents


def _upload(server: StandCloudServer, api_key: str, documents: list[dict[str, Any]]) -> None:
    section = StandCloudConfig(address=server.address, api_key=api_key, ca_bundle=server.ca_bundle)
    with StandCloudLoader(config=section) as loader:
        for doc in documents:
            assert loader.load(ResultRunStore.model_validate(doc)).status_code == 201


def _folder(tmp_path: Path, server: StandCloudServer, api_key: str) -> Path:
    folder = tmp_path / "plan"
    folder.mkdir(exist_ok=True)
    (folder / "hardpy.toml").write_text(
        f'[stand_cloud]\naddress = "{server.address}"\napi_key = "{api_key}"\n'
        f'ca_bundle = "{server.ca_bundle}"\n',
        encoding="utf-8",
    )
    return folder


def _same(cloud: pd.DataFrame, local: pd.DataFrame, *, drop: tuple[str, ...] = ()) -> None:
    """The frames match in columns, dtypes and values (ids aside)."""
    assert list(cloud.columns) == list(local.columns)
    assert cloud.dtypes.to_dict() == local.dtypes.to_dict()
    pd.testing.assert_frame_equal(
        cloud.drop(columns=list(drop)).reset_index(drop=True),
        local.drop(columns=list(drop)).reset_index(drop=True),
        check_categorical=False,  # the same categories; unseen ones may be ordered differently
    )


@pytest.fixture
def local(tmp_path: Path) -> Any:
    documents = _documents()
    with Store(tmp_path / "local.db") as store:
        for doc in documents:
            store.save_report(ResultRunStore.model_validate(doc), source="standcloud")
    history = hardlab.history(tmp_path / "local.db")
    yield history
    history.close()


def test_standcloud_runs_come_back_as_the_local_stores_frames(
    server: StandCloudServer, api_key: str, tmp_path: Path, local: Any
) -> None:
    _upload(server, api_key, _documents())
    folder = _folder(tmp_path, server, api_key)
    with hardlab.history("standcloud://", config_dir=folder) as cloud:
        assert isinstance(cloud.source, StandCloudHistory)
        runs = cloud.runs()
        assert str(runs["started_at"].dtype) == "datetime64[ns, UTC]"
        assert isinstance(runs["status"].dtype, pd.CategoricalDtype)
        remote_ids = {r["test_run_id"] for r in server.reports()}
        assert set(runs["run_id"]) == remote_ids  # StandCloud's ids
        # the upload named the DUTs after their part numbers, as HardPy does
        assert list(runs["dut_name"]) == list(runs["part_number"])
        _same(runs, local.runs(), drop=("run_id", "dut_name"))
        _same(cloud.cases(), local.cases(), drop=("run_id",))
        _same(cloud.measurements(), local.measurements(), drop=("run_id",))
        _same(cloud.first_pass_yield(by=("part_number", "day")), local.first_pass_yield(by=("part_number", "day")))  # fmt: skip
        _same(cloud.yields(), local.yields())
        _same(cloud.retests(), local.retests())
        _same(cloud.failure_pareto(), local.failure_pareto())
        _same(cloud.failure_pareto(by="error_code"), local.failure_pareto(by="error_code"))
        _same(cloud.capability(by=("part_number",)), local.capability(by=("part_number",)))
        # the local filters work on the mirror as on a store
        failed = cloud.runs(status="failed")
        assert sorted(failed["serial_number"]) == ["SN-2", "SN-4"]
        assert list(cloud.runs(stand="Stand 2", part_number="PB-100")["serial_number"]) == [
            "SN-3",
            "SN-2",
        ]


def test_server_filters_choose_what_is_pulled(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    _upload(server, api_key, _documents())
    folder = _folder(tmp_path, server, api_key)
    url = f"standcloud://{server.address}?part_number=PB-200&status=fail"
    with hardlab.history(url, config_dir=folder) as cloud:
        runs = cloud.runs()
        assert list(runs["serial_number"]) == ["SN-4"]
        assert list(runs["status"]) == ["failed"]
        assert list(cloud.measurements(case="test_1")["value"]) == [4.5]


def test_summaries_only_and_an_incremental_cache(
    server: StandCloudServer, api_key: str, tmp_path: Path, local: Any
) -> None:
    documents = _documents()
    _upload(server, api_key, documents[:4])
    cache = tmp_path / "mirror.db"
    with StandCloudConnector(server.address, api_key=api_key, ca_bundle=server.ca_bundle) as sc:
        with hardlab.history(sc, cache=cache, reports=False) as cloud:
            runs = cloud.runs()
            assert len(runs) == 4
            assert cloud.cases().empty  # no reports fetched: the summaries say no more
            expected = local.runs().iloc[2:].reset_index(drop=True)  # the four oldest
            for column in ("name", "status", "started_at", "stopped_at", "serial_number",
                           "part_number", "stand"):  # fmt: skip
                assert list(runs[column]) == list(expected[column]), column
        assert "test_run/{id}" not in server.stats()["requests"]
        with hardlab.history(StandCloudReader(sc), cache=cache) as again:
            assert len(again.runs()) == 4  # from the cache
            _upload(server, api_key, documents[4:])
            assert again.source.pull() == 2
            assert len(again.runs()) == 6
            assert len(again.cases(serial_number="SN-5")) == 3  # its report was fetched
            assert again.source.pull() == 0
        assert cache.exists()
        # the cached runs' reports were not fetched again, only the two new ones
        assert server.stats()["requests"]["test_run/{id}"] == 2


def test_standcloud_urls(server: StandCloudServer, api_key: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, server, api_key)
    source = StandCloudHistory.from_url(f"standcloud://{server.address}/integration", folder)
    assert source.reader.connector.api_url == f"https://{server.address}/integration/api/v1"
    assert source.reader.connector.api_key == api_key  # the configured address's key
    source.close()
    other = StandCloudHistory.from_url("standcloud://other.example.com", folder)
    assert other.reader.connector.api_key is None  # a key is never sent to another address
    other.close()
    with pytest.raises(ConfigError, match="/integration"):
        StandCloudHistory.from_url(f"standcloud://{server.address}/v2", folder)
    with pytest.raises(TypeError, match="cache= is for StandCloud"):
        hardlab.history(tmp_path / "x.db", cache=tmp_path / "c.db")


def test_a_summary_becomes_a_report() -> None:
    summary = {
        "test_run_id": "8f7c3b1e-0000-4000-8000-000000000001",
        "test_plan_name": "Board test",
        "serial_number": "SN-1",
        "part_number": "PB-100",
        "status": "FAIL",
        "start_time": "2026-11-18T11:06:40Z",
        "stop_time": "2026-11-18T11:07:22Z",
        "test_stand_name": "Stand 1",
        "test_stand_hw_id": "hw-1",
        "test_stand_info": {"line": "A"},
        "dut_info": {"fw": "1.2"},
        "test_run_artifact": {},
    }
    report = ResultRunStore.model_validate(summary_document(summary))
    assert report.status.value == "failed"
    assert (report.start_time, report.stop_time) == (1_795_000_000, 1_795_000_042)
    assert report.dut.serial_number == "SN-1" and report.dut.info == {"fw": "1.2"}
    assert report.test_stand.name == "Stand 1" and report.modules == {}
