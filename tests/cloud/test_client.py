"""The StandCloud client over real HTTPS: HardPy's URLs, uploads, answers, errors, readers."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

import hardlab
from hardlab.cloud import StandCloudAPIMode, StandCloudConnector, StandCloudLoader, StandCloudReader
from hardlab.cloud._settings import Urls
from hardlab.config import StandCloudConfig
from hardlab.errors import ConfigError, StandCloudAuthError, StandCloudError
from hardlab.model import ResultRunStore
from hardlab.testing.standcloud import StandCloudServer


def _report(serial: str = "SN-1", part: str | None = "PB-100", stand: str | None = "Stand 1",
            status: str = "passed", start: int = 1_795_000_000) -> ResultRunStore:  # fmt: skip
    return ResultRunStore.model_validate(
        {
            "_id": "localhost_8000",
            "_rev": "localhost_8000",
            "name": "Board test",
            "status": status,
            "start_time": start,
            "stop_time": start + 42,
            "test_stand": {"name": stand, "hw_id": "hw-1", "info": {"line": "A"}},
            "dut": {"serial_number": serial, "part_number": part, "info": {"fw": "1.2"}},
            "process": {},
            "modules": {
                "test_1": {
                    "status": status,
                    "name": "Power",
                    "group": "main",
                    "start_time": start,
                    "stop_time": start + 42,
                    "cases": {
                        "test_rail": {
                            "status": status,
                            "name": "Rail",
                            "group": "main",
                            "start_time": start,
                            "stop_time": start + 42,
                            "measurements": [
                                {
                                    "type": "numeric",
                                    "value": 3.31,
                                    "name": "3V3",
                                    "unit": "V",
                                    "lower_limit": 3.2,
                                    "upper_limit": 3.4,
                                    "operation": "gele",
                                    "result": True,
                                }
                            ],
                        }
                    },
                }
            },
        }
    )


def _loader(server: StandCloudServer, api_key: str, **kwargs: Any) -> StandCloudLoader:
    section = StandCloudConfig(address=server.address, api_key=api_key, ca_bundle=server.ca_bundle)
    return StandCloudLoader(config=section, **kwargs)


def test_urls_are_hardpys() -> None:
    urls = Urls("standcloud.example.com")
    assert urls.api == "https://standcloud.example.com/hardpy/api/v1"
    assert urls.token == "https://standcloud.example.com/auth/api/oidc/token"
    assert urls.device_authorization == (
        "https://standcloud.example.com/auth/api/oidc/device-authorization"
    )
    integration = StandCloudConnector("sc.example.com:8443", StandCloudAPIMode.INTEGRATION, 2)
    assert integration.api_url == "https://sc.example.com:8443/integration/api/v2"
    assert StandCloudConnector().addr == "standcloud.everypin.io"
    assert StandCloudConnector("https://sc.example.com/").addr == "sc.example.com"
    with pytest.raises(ConfigError, match="host\\[:port\\]"):
        StandCloudConnector("http://sc.example.com")


def test_healthcheck_with_an_api_key(server: StandCloudServer, api_key: str) -> None:
    with StandCloudConnector(server.address, api_key=api_key, ca_bundle=server.ca_bundle) as sc:
        response = sc.healthcheck()
        assert (response.status_code, response.json()) == (200, {})
    with (
        StandCloudConnector(server.address, api_key="wrong", ca_bundle=server.ca_bundle) as sc,
        pytest.raises(StandCloudAuthError, match="refused the API key") as caught,
    ):
        sc.healthcheck()
    assert caught.value.status_code == 401


def test_tls_is_verified_by_default(server: StandCloudServer, api_key: str) -> None:
    with (
        StandCloudConnector(server.address, api_key=api_key) as sc,
        pytest.raises(StandCloudError, match=r"not trusted.*ca_bundle") as caught,
    ):
        sc.healthcheck()
    assert not caught.value.transient  # retrying will not make the certificate trusted
    # the documented way out for a private test server
    with StandCloudConnector(server.address, api_key=api_key, verify=False) as insecure:
        assert insecure.healthcheck().status_code == 200
    with pytest.raises(ConfigError, match="ca_bundle"):
        StandCloudConnector(server.address, ca_bundle="/nonexistent.pem").healthcheck()


def test_load_answers_201_then_409_for_the_same_run(server: StandCloudServer, api_key: str) -> None:
    report = _report()
    with _loader(server, api_key) as loader:
        first = loader.load(report)
        again = loader.load(report)
    assert first.status_code == 201
    assert again.status_code == 409  # the same idempotency key: stored once
    (stored,) = server.reports()
    assert stored["stored"] == 1
    assert stored["document"] == report.model_dump(mode="json") | {
        "dut": {**report.model_dump(mode="json")["dut"], "name": "PB-100"}  # HardPy's default name
    }
    assert report.dut.name is None  # the caller's report is not changed


@pytest.mark.parametrize(
    ("part", "stand", "field"),
    [
        (None, "Stand 1", "part number"),
        ("PB-100", None, "test stand name"),
        ("", "", "part number"),
    ],
)
def test_missing_part_number_or_stand_name_is_422(
    server: StandCloudServer, api_key: str, part: str | None, stand: str | None, field: str
) -> None:
    with _loader(server, api_key) as loader:
        response = loader.load(_report(part=part, stand=stand))
    assert response.status_code == 422
    assert field in response.text
    assert "unknown" not in response.text
    assert server.reports() == []


def test_loader_takes_the_key_from_the_environment(
    server: StandCloudServer, api_key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    (tmp_path / "hardpy.toml").write_text(
        f'[stand_cloud]\naddress = "{server.address}"\nca_bundle = "{server.ca_bundle}"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HARDPY_SC_API_KEY", api_key)
    loader = StandCloudLoader()
    assert loader.connector.addr == server.address
    assert loader.load(_report()).status_code == 201


def test_connection_failures_raise_standcloud_error(api_key: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    section = StandCloudConfig(address=f"127.0.0.1:{port}", api_key=api_key)
    with pytest.raises(StandCloudError, match="cannot reach StandCloud") as caught:
        StandCloudLoader(config=section).load(_report())
    assert caught.value.transient


def test_a_refused_key_raises_and_names_the_fix(server: StandCloudServer) -> None:
    with (
        _loader(server, "not-a-key") as loader,
        pytest.raises(
            StandCloudAuthError, match=r"refused the API key.*HARDPY_SC_API_KEY"
        ) as caught,
    ):
        loader.load(_report())
    assert caught.value.status_code == 401
    assert server.reports() == []


def test_no_credentials_names_the_fix(server: StandCloudServer) -> None:
    section = StandCloudConfig(address=server.address, ca_bundle=server.ca_bundle)
    with pytest.raises(StandCloudAuthError, match=f"hardlab sc-login {server.address}"):
        StandCloudLoader(config=section).load(_report())


def test_reader_filters_and_pages(
    server: StandCloudServer, api_key: str, reader: StandCloudReader
) -> None:
    with _loader(server, api_key) as loader:
        for serial, status in [("SN-1", "failed"), ("SN-1", "passed"), ("SN-2", "passed")]:
            start = 1_795_000_000 + len(server.reports())
            assert loader.load(_report(serial, status=status, start=start)).status_code == 201
    runs = reader.test_run(params={"serial_number": "SN-1"}).json()
    assert [(r["serial_number"], r["status"], r["number_of_attempt"]) for r in runs] == [
        ("SN-1", "fail", 1),
        ("SN-1", "pass", 2),
    ]
    assert runs[0]["start_time"] == "2026-11-18T11:06:40Z"  # 1_795_000_000, ISO-8601 Z
    assert runs[0]["duration"] == "PT42S"
    assert runs[0]["dut_info"] == {"fw": "1.2"}
    one = reader.test_run(runs[1]["test_run_id"]).json()
    assert one["test_run_id"] == runs[1]["test_run_id"]
    assert reader.test_run("no-such-run").status_code == 404  # answers come back as they are
    duts = reader.tested_dut({"part_number": "PB-100"}).json()
    assert sorted((d["serial_number"], d["attempt_count"], d["status"]) for d in duts) == [
        ("SN-1", 2, "pass"),  # the latest run of each DUT
        ("SN-2", 1, "pass"),
    ]
    retested = reader.tested_dut({"attempt_count": 2}).json()
    assert [d["serial_number"] for d in retested] == ["SN-1"]
    assert [
        r["serial_number"] for r in reader.test_run(params={"number_of_attempt": 2}).json()
    ] == ["SN-1"]
    assert [
        r["status"] for r in reader.test_run(params={"fw": "1.2", "status": "FAIL"}).json()
    ] == ["fail"]  # a dut.info key, and statuses in any case
    assert [r["serial_number"] for r in reader.iter_test_runs(page_size=2)] == [
        "SN-1",
        "SN-1",
        "SN-2",
    ]
    with pytest.raises(ValueError, match="not both"):
        reader.test_run("x", params={})


def test_hardlab_exports_hardpys_names() -> None:
    assert hardlab.StandCloudLoader is StandCloudLoader
    assert issubclass(hardlab.StandCloudError, hardlab.HardlabError)


def test_optional_names_default_as_hardpys_and_the_caller_keeps_its_document() -> None:
    from hardlab.cloud import prepare_document

    document = _report().model_dump(mode="json")
    document["dut"]["sub_units"] = [{"part_number": "PSU-1"}, {"name": "Fan", "part_number": "F"}]
    document["test_stand"]["instruments"] = [{"part_number": "DMM-6500"}]
    before = json.loads(json.dumps(document))
    sent = prepare_document(document)
    assert sent["dut"]["name"] == "PB-100"
    assert [u["name"] for u in sent["dut"]["sub_units"]] == ["PSU-1", "Fan"]
    assert sent["test_stand"]["instruments"][0]["name"] == "DMM-6500"
    assert document == before
    # the mandatory names are never made up
    document["dut"]["part_number"] = None
    document["test_stand"]["name"] = ""
    sent = prepare_document(document)
    assert sent["dut"]["part_number"] is None and sent["test_stand"]["name"] == ""
    assert sent["dut"].get("name") is None
