"""OpenHTF records: hardlab's export has OpenHTF's shape, and records (OpenHTF's own too) read back.

Reference records come from the `openhtf` package itself: a small OpenHTF test
runs in a subprocess with OpenHTF's JSON output callback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import unicodedata
from typing import Any

import pytest
from _reports import OPERATIONS, START, report_doc, sample_report

from hardlab.exchange import CaseAttempt, from_openhtf, read_report_document, to_openhtf
from hardlab.exchange._openhtf import _UNITS, parse_validator, validator_text
from hardlab.model import CaseRunStore, ComparisonOperation, ResultRunStore, TestStatus
from hardlab.model.measurement import NumericMeasurementRecord, StringMeasurementRecord

OPENHTF_TEST = """
import json, sys
import openhtf as htf
from openhtf.output.callbacks import json_factory
from openhtf.util import units

@htf.measures(
    htf.Measurement("voltage").in_range(3.0, 3.6).with_units(units.VOLT).doc("rail"),
    htf.Measurement("count").in_range(minimum=2),
    htf.Measurement("ceiling").in_range(maximum=5),
    htf.Measurement("exact").equals(5),
    htf.Measurement("fw").equals("1.2.3"),
    htf.Measurement("pattern").matches_regex(r"ab.*"),
    htf.Measurement("percent").within_percent(10, 5),
    htf.Measurement("current").in_range(0.1, 0.5, marginal_minimum=0.15).with_units(units.AMPERE),
    htf.Measurement("unset"),
    htf.Measurement("plain"),
    htf.Measurement("sweep").with_dimensions(units.HERTZ),
)
def power(test):
    test.measurements.voltage = 3.3
    test.measurements.count = 1
    test.measurements.ceiling = 5
    test.measurements.exact = 5
    test.measurements.fw = "1.2.4"
    test.measurements.pattern = "abc"
    test.measurements.percent = 10.4
    test.measurements.current = 0.12
    test.measurements.plain = True
    test.measurements.sweep[100] = 1.5
    test.measurements.sweep[200] = 1.25

tries = {"n": 0}

@htf.PhaseOptions(repeat_limit=3)
@htf.measures(htf.Measurement("tries").in_range(maximum=5))
def flaky(test):
    tries["n"] += 1
    test.measurements.tries = tries["n"]
    if tries["n"] < 3:
        return htf.PhaseResult.REPEAT

def skipped(test):
    return htf.PhaseResult.SKIP

@htf.measures(htf.Measurement("load").in_range(0, 1))
def overload(test):
    test.measurements.load = 1.5
    assert False, "load too high"

test = htf.Test(
    flaky, skipped, htf.Subtest("power_module", power), overload,
    test_name="board_test", part_number="PCB1",
)
test.configure(failure_exceptions=[AssertionError], stop_on_first_failure=False)
test.add_output_callbacks(json_factory.OutputToJSON(sys.argv[1], indent=2))
test.execute(test_start=lambda: "SN123")
"""

OPENHTF_OUTCOMES = {"PASS", "FAIL", "ERROR", "TIMEOUT", "ABORTED"}
PHASE_OUTCOMES = {"PASS", "FAIL", "SKIP", "ERROR"}
MEASUREMENT_KEYS = {
    "name", "outcome", "validators", "conditional_validators", "dimensions", "units",
    "docstring", "measured_value",
}  # fmt: skip


@pytest.fixture(scope="module")
def openhtf_record(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A record written by OpenHTF's own JSON output callback."""
    folder = tmp_path_factory.mktemp("openhtf")
    script = folder / "board_test.py"
    script.write_text(textwrap.dedent(OPENHTF_TEST), encoding="utf-8")
    out = folder / "record.json"
    done = subprocess.run(
        [sys.executable, str(script), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=folder,
    )
    assert out.exists(), f"OpenHTF wrote no record:\n{done.stdout}\n{done.stderr}"
    record: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return record


def _phase(record: dict[str, Any], name: str, *, last: bool = True) -> dict[str, Any]:
    found = [p for p in record["phases"] if p["name"] == name]
    assert found, [p["name"] for p in record["phases"]]
    return found[-1] if last else found[0]


def _roundtrip(record: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(record))
    return loaded


# ---------------------------------------------------------------------- shape


def test_export_has_openhtfs_shape(openhtf_record: dict[str, Any]) -> None:
    ours = _roundtrip(to_openhtf(sample_report(), run_id="0190"))
    real = openhtf_record
    assert list(ours) == list(real)  # the same fields, in OpenHTF's order
    assert ours["outcome"] in OPENHTF_OUTCOMES
    assert isinstance(ours["start_time_millis"], int)
    assert isinstance(ours["end_time_millis"], int)
    assert ours["start_time_millis"] == START * 1000
    assert ours["dut_id"] == "SN-0042"
    assert ours["station_id"] == "Stand 1"
    assert ours["metadata"]["test_name"] == "Power board"
    assert ours["metadata"]["part_number"] == "PB-1"
    assert set(ours["code_info"]) == set(real["code_info"])
    assert [set(d) for d in ours["outcome_details"]] == [{"code", "description"}]
    assert set(ours["subtests"][0]) == set(real["subtests"][0])
    assert set(ours["log_records"][0]) == set(real["log_records"][0])
    real_phase = _phase(real, "power")
    for phase in ours["phases"]:
        assert set(phase) == set(real_phase), phase["name"]
        assert set(phase["options"]) == set(real_phase["options"])
        assert set(phase["codeinfo"]) == set(real_phase["codeinfo"])
        assert phase["outcome"] in PHASE_OUTCOMES
        assert isinstance(phase["descriptor_id"], int)
        for key, meas in phase["measurements"].items():
            assert meas["name"] == key
            assert set(meas) <= MEASUREMENT_KEYS
            assert meas["outcome"] in {"PASS", "FAIL"}
            assert "measured_value" in meas
            if "units" in meas:
                assert set(meas["units"]) == set(real_phase["measurements"]["voltage"]["units"])
    failed = next(p for p in ours["phases"] if p["name"] == "Output voltage")
    real_failed = _phase(real, "overload")
    assert set(failed["result"]["phase_result"]) == set(real_failed["result"]["phase_result"])
    assert failed["result"]["phase_result"]["exc_type"] == "<class 'AssertionError'>"
    assert failed["result"]["phase_result"]["exc_val"] == "Vout out of range\nassert False"
    skipped = next(p for p in ours["phases"] if p["name"] == "Load")
    assert skipped["outcome"] == "SKIP" == _phase(real, "skipped")["outcome"]
    assert skipped["result"] == _phase(real, "skipped")["result"] == {"phase_result": "SKIP"}


def test_inclusive_checks_are_written_as_openhtf_writes_them() -> None:
    from openhtf.util import validators

    def text(**measurement: Any) -> str | None:
        kind = StringMeasurementRecord if measurement.get("type") == "string" else None
        model = (kind or NumericMeasurementRecord).model_validate(measurement)
        return validator_text(model)

    gele = text(value=1, operation="gele", lower_limit=3.2, upper_limit=3.4)
    assert gele == str(validators.in_range(3.2, 3.4))
    assert text(value=1, operation="ge", comparison_value=2) == str(validators.in_range(2))
    assert text(value=1, operation="le", comparison_value=5) == str(validators.in_range(maximum=5))
    assert text(value=1, operation="eq", comparison_value=5) == str(validators.equals(5))
    assert text(value=1, operation="gele", lower_limit=2, upper_limit=2) == "x == 2"
    fw = text(type="string", value="1.2.3", operation="eq", comparison_value="1.2.3")
    assert fw == str(validators.equals("1.2.3"))
    # OpenHTF's regex validator accepts what the text says, and HardPy's case rule holds
    regex = validators.matches_regex(
        text(
            type="string", value="x", operation="eq", comparison_value="a.B",
            casesensitive=False,
        )[len("'x' matches /") : -1]
    )  # fmt: skip
    assert regex("A.b") and not regex("aXb")


def test_unit_names_and_codes_are_openhtfs() -> None:
    from openhtf.util import units

    by_code = {u.code: u for u in vars(units).values() if isinstance(u, units.UnitDescriptor)}
    for written, (name, code) in _UNITS.items():
        descriptor = by_code[code]
        assert descriptor.name == name, written
        if written == "%":
            assert descriptor.suffix == "pct"  # OpenHTF's spelling; HardPy plans write %
        else:
            # Ω is written with the ohm sign by OpenHTF, with the Greek omega by most people
            assert unicodedata.normalize("NFKC", descriptor.suffix) == unicodedata.normalize(
                "NFKC", written
            )


# ---------------------------------------------------------------------- validators


@pytest.mark.parametrize("measurement", OPERATIONS, ids=lambda m: m["name"])
def test_every_numeric_check_reads_back(measurement: dict[str, Any]) -> None:
    model = NumericMeasurementRecord.model_validate({"type": "numeric", **measurement})
    text = validator_text(model)
    assert text is not None
    check = parse_validator(text)
    assert check is not None
    assert check.operation == model.operation
    assert check.comparison_value == model.comparison_value
    assert (check.lower_limit, check.upper_limit) == (model.lower_limit, model.upper_limit)
    for key in ("comparison_value", "lower_limit", "upper_limit"):
        # ints stay ints, floats floats
        assert type(getattr(check, key)) is type(measurement.get(key)), key


def test_openhtfs_own_validators_read_as_hardpy_checks() -> None:
    from openhtf.util import validators

    cases = {
        str(validators.in_range(1, 2)): (ComparisonOperation.GELE, None, 1, 2),
        str(validators.in_range(minimum=1.5)): (ComparisonOperation.GE, 1.5, None, None),
        str(validators.in_range(maximum=-3)): (ComparisonOperation.LE, -3, None, None),
        str(validators.equals(7)): (ComparisonOperation.EQ, 7, None, None),
        str(validators.in_range(0.1, 0.5, marginal_minimum=0.15, marginal_maximum=0.4)): (
            ComparisonOperation.GELE, None, 0.1, 0.5,
        ),
        str(validators.within_percent(200, 5)): (ComparisonOperation.GELE, None, 190, 210),
        str(validators.in_range(1e-06, 2e3)): (ComparisonOperation.GELE, None, 1e-06, 2000.0),
    }  # fmt: skip
    for text, (op, value, lower, upper) in cases.items():
        check = parse_validator(text)
        assert check is not None, text
        assert (check.operation, check.comparison_value) == (op, value), text
        assert check.lower_limit == pytest.approx(lower) if lower is not None else True, text
        assert check.upper_limit == pytest.approx(upper) if upper is not None else True, text
    equals = parse_validator(str(validators.equals("1.2.3")))
    assert equals is not None
    assert (equals.operation, equals.comparison_value, equals.kind) == (
        ComparisonOperation.EQ, "1.2.3", "string",
    )  # fmt: skip
    assert parse_validator(str(validators.matches_regex(r"ab.*"))) is None  # not a literal
    assert parse_validator("my own rule") is None


# ---------------------------------------------------------------------- round trips


def test_round_trip_with_hardlabs_copy_is_exact() -> None:
    report = sample_report()
    record = _roundtrip(to_openhtf(report, run_id="01234567-89ab-7def-8123-456789abcdef"))
    back = from_openhtf(record)
    assert back.from_copy and back.note is None
    assert back.run_id == "01234567-89ab-7def-8123-456789abcdef"
    assert back.report == report


def _case(report: ResultRunStore, name: str) -> CaseRunStore:
    return next(c for m in report.modules.values() for c in m.cases.values() if c.name == name)


def test_round_trip_through_openhtf_fields_alone_keeps_statuses_measurements_limits() -> None:
    report = sample_report()
    back = from_openhtf(_roundtrip(to_openhtf(report, embed_report=False))).report
    assert back.status is report.status
    assert back.error_code == report.error_code
    assert (back.dut.serial_number, back.dut.part_number) == ("SN-0042", "PB-1")
    assert back.test_stand.name == "Stand 1"
    assert (back.start_time, back.stop_time) == (report.start_time, report.stop_time)
    assert [m.name for m in back.modules.values()] == [m.name for m in report.modules.values()]
    for module in report.modules.values():
        for case in module.cases.values():
            copy = _case(back, case.name)
            assert copy.status is case.status, case.name
            assert (copy.start_time, copy.stop_time) == (case.start_time, case.stop_time)
            assert len(copy.measurements) == len(case.measurements), case.name
            for index, (old, new) in enumerate(
                zip(case.measurements, copy.measurements, strict=True)
            ):
                assert new.type == old.type
                assert new.value == old.value and type(new.value) is type(old.value)
                assert new.name == (old.name if old.name not in (None, "mode") else new.name)
                assert new.name is not None
                assert new.operation == old.operation, (case.name, index)
                assert new.comparison_value == old.comparison_value, (case.name, index)
                assert new.result == old.result or (old.result is None and old.operation is None)
                if isinstance(old, NumericMeasurementRecord):
                    assert isinstance(new, NumericMeasurementRecord)
                    assert new.unit == old.unit
                    if old.operation is not None:
                        assert (new.lower_limit, new.upper_limit) == (
                            old.lower_limit, old.upper_limit,
                        )  # fmt: skip
                else:
                    assert isinstance(new, StringMeasurementRecord)
                    assert new.casesensitive == old.casesensitive
    failed = _case(back, "Output voltage")
    assert failed.assertion_msg == "AssertionError: Vout out of range\nassert False"
    assert back.caused_dut_failure_id == "Power::Output voltage"


def test_earlier_attempts_become_repeat_phases_and_come_back() -> None:
    report = sample_report()
    first = _case(report, "Output voltage").model_copy(
        update={
            "attempt": 1,
            "measurements": [
                NumericMeasurementRecord(name="Vout", value=3.7, unit="V", result=False)
            ],
        }
    )
    attempts = [
        CaseAttempt("test_2_power", "test_vout", 1, first, started_ms=(START + 3) * 1000 + 5),
        CaseAttempt(
            "test_2_power", "test_vout", 2, _case(report, "Output voltage"), final=True,
            started_ms=(START + 20) * 1000 + 250, stopped_ms=(START + 40) * 1000 + 1,
        ),
    ]  # fmt: skip
    record = _roundtrip(to_openhtf(report, attempts=attempts))
    names = [p["name"] for p in record["phases"]]
    assert names.count("Output voltage") == 2
    repeat, final = [p for p in record["phases"] if p["name"] == "Output voltage"]
    assert repeat["result"] == {"phase_result": "REPEAT"}
    assert repeat["descriptor_id"] == final["descriptor_id"]
    assert repeat["measurements"]["Vout"]["measured_value"] == 3.7
    assert final["start_time_millis"] == (START + 20) * 1000 + 250
    for copy in (True, False):
        if not copy:
            record["metadata"]["hardlab"].pop("report")
        back = from_openhtf(record)
        assert back.from_copy is copy
        (attempt,) = back.attempts
        module_id, case_id = ("test_2_power", "test_vout") if copy else ("Power", "Output voltage")
        assert (attempt.module_id, attempt.case_id, attempt.attempt) == (module_id, case_id, 1)
        assert attempt.case.measurements[0].value == 3.7
        assert back.report.modules[module_id].cases[case_id].attempt == 2


def test_an_edited_record_is_read_from_its_fields() -> None:
    record = _roundtrip(to_openhtf(sample_report()))
    vout = next(p for p in record["phases"] if p["name"] == "Output voltage")
    vout["measurements"]["Vout"]["measured_value"] = 3.35
    vout["measurements"]["Vout"]["outcome"] = "PASS"
    back = from_openhtf(record)
    assert not back.from_copy
    assert back.note is not None and "changed after hardlab wrote it" in back.note
    assert _case(back.report, "Output voltage").measurements[0].value == 3.35
    assert _case(back.report, "Output voltage").measurements[0].result is True
    # read_report_document passes the note on
    read = read_report_document(record)
    assert read.note is not None and "OpenHTF fields" in read.note


# ---------------------------------------------------------------------- OpenHTF's records


def test_a_record_openhtf_wrote_reads_as_a_report(openhtf_record: dict[str, Any]) -> None:
    run = from_openhtf(openhtf_record)
    report = run.report
    assert not run.from_copy and run.run_id is None
    assert report.name == "board_test"
    assert report.status is TestStatus.FAILED
    assert report.dut.serial_number == "SN123"
    assert report.dut.part_number == "PCB1"
    assert report.test_stand.name == openhtf_record["station_id"]
    assert report.start_time == openhtf_record["start_time_millis"] // 1000
    assert list(report.modules) == ["board_test", "power_module"]
    plain, power = report.modules["board_test"], report.modules["power_module"]
    assert "trigger_phase" not in plain.cases  # OpenHTF's DUT-id trigger
    assert list(plain.cases) == ["flaky", "skipped", "overload"]
    assert plain.cases["flaky"].status is TestStatus.PASSED
    assert plain.cases["flaky"].attempt == 3
    assert [(a.case_id, a.attempt) for a in run.attempts] == [("flaky", 1), ("flaky", 2)]
    assert [a.case.measurements[0].value for a in run.attempts] == [1, 2]
    assert plain.cases["flaky"].measurements[0].value == 3
    assert plain.cases["skipped"].status is TestStatus.SKIPPED
    overload = plain.cases["overload"]
    assert overload.status is TestStatus.FAILED
    assert overload.assertion_msg == "AssertionError: load too high"
    assert report.caused_dut_failure_id == "board_test::overload"
    assert plain.status is TestStatus.FAILED
    assert power.status is TestStatus.FAILED  # fw is not 1.2.3, count is below 2

    meas = {m.name: m for m in power.cases["power"].measurements}
    assert "unset" not in meas  # no value: nothing HardPy can keep
    voltage = meas["voltage"]
    assert isinstance(voltage, NumericMeasurementRecord)
    assert (voltage.value, voltage.unit, voltage.operation) == (3.3, "V", ComparisonOperation.GELE)
    assert (voltage.lower_limit, voltage.upper_limit, voltage.result) == (3.0, 3.6, True)
    count = meas["count"]
    assert (count.operation, count.comparison_value, count.result) == (
        ComparisonOperation.GE, 2, False,
    )  # fmt: skip
    assert (meas["ceiling"].operation, meas["ceiling"].comparison_value) == (
        ComparisonOperation.LE, 5,
    )  # fmt: skip
    assert (meas["exact"].operation, meas["exact"].comparison_value) == (ComparisonOperation.EQ, 5)
    fw = meas["fw"]
    assert isinstance(fw, StringMeasurementRecord)
    assert (fw.value, fw.operation, fw.comparison_value, fw.result) == (
        "1.2.4", ComparisonOperation.EQ, "1.2.3", False,
    )  # fmt: skip
    pattern = meas["pattern"]
    assert (pattern.operation, pattern.result) == (None, True)  # a general regex: verdict only
    percent = meas["percent"]
    assert isinstance(percent, NumericMeasurementRecord)
    assert percent.operation is ComparisonOperation.GELE
    assert (percent.lower_limit, percent.upper_limit) == pytest.approx((9.5, 10.5))
    current = meas["current"]
    assert isinstance(current, NumericMeasurementRecord)
    assert (current.unit, current.lower_limit, current.upper_limit) == ("A", 0.1, 0.5)
    assert (meas["plain"].value, meas["plain"].result) == ("True", None)
    assert json.loads(str(meas["sweep"].value)) == [[100, 1.5], [200, 1.25]]
    # and the report stores and exports like any other
    ResultRunStore.model_validate(report.model_dump(mode="json"))
    again = _roundtrip(to_openhtf(report))
    assert from_openhtf(again).report == report


def test_documents_that_are_not_records() -> None:
    doc = report_doc()
    assert read_report_document(doc, expect="openhtf").problem is not None
    record = _roundtrip(to_openhtf(sample_report()))
    refused = read_report_document(record, expect="hardpy")
    assert refused.report is None and "--format openhtf" in (refused.problem or "")
    broken = dict(record, phases=[{"name": "x", "outcome": "PASS", "measurements": [1]}])
    problem = read_report_document(broken).problem
    assert problem is not None and "OpenHTF record hardlab cannot read" in problem
