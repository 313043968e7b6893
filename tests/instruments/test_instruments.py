"""Instruments against real PyVISA and pyvisa-sim: config, the logged session, runs, reuse."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _bench import DMM, PSU, bench_toml

import hardlab
import hardlab.instruments as hi
from hardlab.config import InstrumentConfig, parse_config
from hardlab.errors import ConfigError, HardlabWarning, InstrumentError
from hardlab.model.scpi import scpi_entries

pytest.importorskip("pyvisa_sim")

QUIET: dict[str, Any] = {"store": False, "operator": None, "quiet": True}

TOML = bench_toml()

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def powered(instruments):
    instruments["psu"].write("VOLT 5.0")
    instruments["psu"].write("OUTP ON")
    return instruments["psu"]
"""

TESTS = """
import hardlab

def test_measure(powered, instruments):
    dmm = instruments["dmm"]
    dmm.write("SIM:INP 4.99")
    assert abs(float(dmm.query("MEAS:VOLT:DC?")) - 4.99) < 0.01

def test_by_name():
    assert hardlab.instrument("psu").query("VOLT?") == "5.000"
"""


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    hi.close()
    hi.clear_bench_log()
    yield
    hi.close()
    hi.clear_bench_log()


@pytest.fixture
def bench_plan(make_plan: Callable[..., Path]) -> Path:
    folder = make_plan({"hardpy.toml": TOML, "conftest.py": CONFTEST, "test_bench.py": TESTS})
    (folder / "bench.yaml").write_text(Path(hi.BENCH_YAML).read_text())
    return folder


def _config(name: str = "psu", resource: str = PSU, **extra: Any) -> InstrumentConfig:
    settings: dict[str, Any] = {"backend": f"{hi.BENCH_YAML}@sim", "read_termination": "\n",
                                "write_termination": "\n"}  # fmt: skip
    settings.update(extra)
    return InstrumentConfig(name=name, resource=resource, **settings)


def _case_traffic(report: Any) -> dict[str, list[tuple[str, str, str, str | None]]]:
    return {
        case_id: [
            (e["instrument"], e["op"], e["command"], e["answer"])
            for e in scpi_entries(case.artifact.get("scpi"))
        ]
        for module in report.modules.values()
        for case_id, case in module.cases.items()
    }


# ---------------------------------------------------------------------- config


def test_config_reads_the_table_and_resolves_a_plan_relative_yaml(tmp_path: Path) -> None:
    raw = {"hardlab": {"instruments": [{"name": "psu", "resource": PSU, "backend": "b.yaml@sim",
                                        "timeout_ms": 500, "shared": True}]}}  # fmt: skip
    config = parse_config(raw, directory=tmp_path).hardlab.instruments[0]
    assert config.backend == f"{(tmp_path / 'b.yaml').resolve()}@sim"
    assert config.timeout_ms == 500 and config.shared is True
    for backend in ("@py", "@sim", "/abs/bench.yaml@sim", ""):
        raw["hardlab"]["instruments"][0]["backend"] = backend
        assert parse_config(raw, directory=tmp_path).hardlab.instruments[0].backend == backend


def test_config_hints_at_a_misspelled_key() -> None:
    raw = {"hardlab": {"instruments": [{"name": "psu", "resource": PSU, "timout_ms": 5}]}}
    with pytest.warns(HardlabWarning, match="did you mean 'timeout_ms'"):
        config = parse_config(raw)
    assert config.hardlab.instruments[0].timeout_ms is None


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"name": "a", "resource": PSU, "driver": "no_colon"}, "package.module:Class"),
        ({"name": "a", "resource": PSU, "timeout_ms": 0}, "positive"),
        ({"name": " a", "resource": PSU}, "surrounding spaces"),
        ({"name": "a"}, "resource"),
    ],
)
def test_config_refuses_bad_values(entry: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_config({"hardlab": {"instruments": [entry]}})


def test_config_refuses_two_instruments_of_one_name() -> None:
    twice = [{"name": "psu", "resource": PSU}, {"name": "psu", "resource": DMM}]
    with pytest.raises(ConfigError, match="repeated: psu"):
        parse_config({"hardlab": {"instruments": twice}})


# ---------------------------------------------------------------------- sessions


def test_a_session_opens_on_first_use_and_logs_to_the_bench() -> None:
    psu = hi.configure([_config()])["psu"]
    assert not psu.is_open
    psu.write("VOLT 3.3")
    assert psu.is_open
    assert psu.query("VOLT?") == "3.300"
    identity = psu.identity()
    assert (identity.name, identity.part_number, identity.serial_number, identity.revision) == (
        "psu", "SIM-PSU-30V", "HLPSU0001", "1.2.0",
    )  # fmt: skip
    assert identity.info["maker"] == "hardlab" and identity.info["resource"] == PSU
    log = hi.bench_entries()
    assert [(e["op"], e["command"], e["answer"]) for e in log] == [
        ("query", "*IDN?", "hardlab,SIM-PSU-30V,HLPSU0001,1.2.0"),
        ("write", "VOLT 3.3", None),
        ("query", "VOLT?", "3.300"),
    ]
    assert all(e["ms"] >= 0 and e["time"] > 1.7e9 for e in log)
    frame = hi.bench_log()
    assert list(frame.columns) == list(hi.COLUMNS)
    assert frame["command"].tolist() == ["*IDN?", "VOLT 3.3", "VOLT?"]
    assert str(frame["time"].dt.tz) == "UTC"


def test_binary_reads_are_kept_as_length_and_hash() -> None:
    import hashlib

    psu = hi.configure([_config()])["psu"]
    psu.write("VOLT 1.25")
    psu.write("VOLT?")
    data = psu.read_raw()
    assert data == b"1.250\n"
    entry = hi.bench_entries()[-1]
    assert entry["op"] == "read_raw"
    assert entry["answer"] == f"<6 bytes sha256:{hashlib.sha256(data).hexdigest()}>"


def test_an_instrument_that_is_not_there_names_itself_the_address_and_the_fix() -> None:
    # pyvisa-sim opens any address; nothing there answers *IDN? with nothing
    missing = "USB0::0x9999::0x9999::NOPE::INSTR"
    session = hi.configure([_config("scope", missing, timeout_ms=50)])["scope"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyVISA: "read string doesn't end with termination"
        with pytest.raises(InstrumentError) as caught:
            session.query("*IDN?")
    text = str(caught.value)
    assert "'scope'" in text and missing in text and "identify = false" in text
    assert caught.value.instrument == "scope" and caught.value.resource == missing
    assert not session.is_open


def test_a_missing_bench_file_names_the_backend(tmp_path: Path) -> None:
    config = _config("psu").model_copy(update={"backend": f"{tmp_path}/nope.yaml@sim"})
    with pytest.raises(InstrumentError, match="backend") as caught:
        hi.configure([config])["psu"].write("*RST")
    assert "nope.yaml" in str(caught.value) and PSU in str(caught.value)


def test_an_instrument_that_speaks_no_scpi_is_not_asked_to_identify() -> None:
    psu = hi.configure([_config(identify=False)])["psu"]
    assert psu.query("VOLT?") == psu.query("VOLT?")
    assert "*IDN?" not in [e["command"] for e in hi.bench_entries()]
    assert psu.identity().info == {"resource": PSU}


def test_a_timeout_names_the_command_and_suggests_the_terminations() -> None:
    dmm = hi.configure([_config("dmm", DMM, read_termination="\r", timeout_ms=50)])["dmm"]
    with pytest.raises(InstrumentError, match="terminations") as caught:
        dmm.write("*RST")  # opening asks *IDN?, whose answer never ends with "\r"
    assert "'dmm'" in str(caught.value) and DMM in str(caught.value)
    assert "'*IDN?'" in str(caught.value)
    assert hi.bench_entries()[-1]["error"]


def test_a_changed_table_reopens_only_that_instrument() -> None:
    first = hi.configure([_config(), _config("dmm", DMM)])
    first["psu"].query("VOLT?")
    first["dmm"].query("VOLT:RANG?")
    second = hi.configure([_config(timeout_ms=1234), _config("dmm", DMM)])
    assert second["dmm"] is first["dmm"] and second["dmm"].is_open
    assert second["psu"] is not first["psu"] and not first["psu"].is_open
    assert sorted(hi.close()) == ["dmm", "psu"]
    assert hi.sessions() == {}


class Supply:
    """A driver in PyMeasure's style: built on the (logged) resource."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    @property
    def voltage(self) -> float:
        return float(self.adapter.query("VOLT?"))

    @voltage.setter
    def voltage(self, value: float) -> None:
        self.adapter.write(f"VOLT {value:.3f}")


def test_a_driver_class_is_built_on_the_logged_session() -> None:
    psu = hi.configure([_config(driver=f"{__name__}:Supply")])["psu"]
    psu.driver.voltage = 2.5
    assert psu.driver.voltage == 2.5
    assert [e["command"] for e in hi.bench_entries()][-2:] == ["VOLT 2.500", "VOLT?"]
    with pytest.raises(ConfigError, match="cannot be imported"):
        _ = hi.configure([_config("x", driver="no.such.module:Thing")])["x"].driver


def test_without_the_extra_the_error_names_it() -> None:
    code = (
        "import sys; sys.modules['pyvisa'] = None\n"
        "import hardlab.instruments as hi\n"
        "from hardlab.config import InstrumentConfig\n"
        f"s = hi.configure([InstrumentConfig(name='psu', resource={PSU!r})])['psu']\n"
        "try:\n    s.query('*IDN?')\n"
        "except ImportError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("MissingExtraError") and "hardlab[instruments]" in out.stdout


def test_import_hardlab_loads_no_pyvisa() -> None:
    code = "import sys, hardlab; hardlab.instruments; print('pyvisa' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------- in a run


def test_a_run_keeps_traffic_with_its_case_and_identity_with_the_stand(
    bench_plan: Path, tmp_path: Path
) -> None:
    result = hardlab.run(bench_plan, report_dir=tmp_path / "reports", **QUIET)
    assert result.status == "passed", result.errors
    report = result.report
    stand = [(i.name, i.serial_number) for i in report.test_stand.instruments]
    assert stand == [("psu", "HLPSU0001"), ("dmm", "HLDMM0001")]
    # the session fixture's setup belongs to the run; each case keeps its own
    run_traffic = [(e["instrument"], e["command"]) for e in scpi_entries(report.artifact["scpi"])]
    assert run_traffic == [("psu", "*IDN?"), ("psu", "VOLT 5.0"), ("psu", "OUTP ON")]
    assert _case_traffic(report) == {
        "test_measure": [
            ("dmm", "query", "*IDN?", "hardlab,SIM-DMM-6.5,HLDMM0001,2.0.1"),
            ("dmm", "write", "SIM:INP 4.99", None),
            ("dmm", "query", "MEAS:VOLT:DC?", "+4.990000E+00"),
        ],
        "test_by_name": [("psu", "query", "VOLT?", "5.000")],
    }
    # the HardPy JSON export carries it
    exported = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    case = exported["modules"]["test_bench"]["cases"]["test_by_name"]
    assert scpi_entries(case["artifact"]["scpi"])[0]["command"] == "VOLT?"
    assert exported["test_stand"]["instruments"][0]["info"]["model"] == "SIM-PSU-30V"
    assert hi.bench_entries() == []


def test_the_next_run_reuses_the_open_sessions(bench_plan: Path) -> None:
    hardlab.run(bench_plan, **QUIET)
    opened = hi.sessions()
    second = hardlab.run(bench_plan, **QUIET)
    assert second.status == "passed"
    assert hi.sessions() == opened
    commands = [e["command"] for e in scpi_entries(second.report.artifact["scpi"])]
    commands += [c for traffic in _case_traffic(second.report).values() for _, _, c, _ in traffic]
    assert "*IDN?" not in commands  # no reopen, no second identity query
    assert [i.name for i in second.report.test_stand.instruments] == ["psu", "dmm"]
    # between runs, a cell's traffic goes to the bench log
    assert hardlab.instrument("psu").query("OUTP?") == "ON"
    assert [e["command"] for e in hi.bench_entries()] == ["OUTP?"]


def test_a_case_that_needs_a_missing_instrument_fails_and_keeps_what_was_recorded(
    make_plan: Callable[..., Path],
) -> None:
    toml = TOML.replace(DMM, "USB0::0x9999::0x9999::GONE::INSTR").replace(
        'name = "dmm"', 'name = "dmm"\ntimeout_ms = 50'
    )
    plan = make_plan({"hardpy.toml": toml, "conftest.py": CONFTEST, "test_bench.py": TESTS})
    (plan / "bench.yaml").write_text(Path(hi.BENCH_YAML).read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = hardlab.run(plan, **QUIET)
    cases = {cid: c for m in result.report.modules.values() for cid, c in m.cases.items()}
    assert cases["test_measure"].status == "failed"
    assert "GONE" in json.dumps(cases["test_measure"].assertion_msg or "")
    assert cases["test_by_name"].status == "passed"
    assert [e["command"] for e in scpi_entries(result.report.artifact["scpi"])][1:] == [
        "VOLT 5.0",
        "OUTP ON",
    ]


def test_the_fixture_names_the_declared_instruments_for_an_unknown_one(
    make_plan: Callable[..., Path],
) -> None:
    plan = make_plan({
        "hardpy.toml": TOML,
        "test_x.py": "def test_x(instruments):\n    instruments['scope']\n",
    })  # fmt: skip
    result = hardlab.run(plan, **QUIET)
    case = next(iter(next(iter(result.report.modules.values())).cases.values()))
    assert case.status == "failed"
    assert "'psu', 'dmm'" in (case.assertion_msg or "")


def test_history_gives_the_stored_traffic_as_a_frame(bench_plan: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    first = hardlab.run(bench_plan, store=db, operator=None, quiet=True)
    assert first.status == "passed", first.errors
    with hardlab.history(db) as history:
        frame = history.scpi()
        only_dmm = history.scpi(instrument="dmm")
    assert frame["command"].tolist() == [
        "*IDN?", "VOLT 5.0", "OUTP ON", "*IDN?", "SIM:INP 4.99", "MEAS:VOLT:DC?", "VOLT?",
    ]  # fmt: skip
    assert frame["case_id"].tolist()[:3] == ["", "", ""]  # the run's own traffic
    assert set(frame["case_id"].tolist()[3:]) == {"test_measure", "test_by_name"}
    assert (frame["run_id"] == str(first.run_id)).all()
    assert str(frame["time"].dt.tz) == "UTC" and frame["ms"].dtype == "float64"
    assert only_dmm["instrument"].unique().tolist() == ["dmm"] and len(only_dmm) == 3


def test_each_attempt_of_a_retried_case_keeps_its_own_exchanges(
    make_plan: Callable[..., Path],
) -> None:
    test = """
    import pytest

    @pytest.mark.attempt(3)
    def test_flaky(instruments):
        psu = instruments["psu"]
        count = int(float(psu.query("CURR?"))) + 1
        psu.write(f"CURR {count}")
        assert count >= 2
    """
    plan = make_plan({"hardpy.toml": TOML, "test_retry.py": test})
    (plan / "bench.yaml").write_text(Path(hi.BENCH_YAML).read_text())
    hardlab.instrument("psu", plan).write("CURR 0")  # the plan's own simulated supply
    result = hardlab.run(plan, **QUIET)
    case = result.report.modules["test_retry"].cases["test_flaky"]
    assert case.status == "passed" and case.attempt == 2
    assert [e["command"] for e in scpi_entries(case.artifact["scpi"])] == ["CURR?", "CURR 2"]
