"""The panel's display logic, without widgets."""

from __future__ import annotations

import base64
import sys
from typing import Any

import pytest

from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus
from hardlab.model.dialog import DialogBox, HTMLComponent, ImageComponent
from hardlab.model.enums import ChartType, ComparisonOperation
from hardlab.model.measurement import (
    ChartRecord,
    NumericMeasurementRecord,
    StringMeasurementRecord,
)
from hardlab.operators import DialogRequest, MessageRequest
from hardlab.runtime import CaseRef, RunState
from hardlab.widgets import _presenters as p

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def case(status: TestStatus = TestStatus.PASSED, name: str = "case", **fields: Any) -> CaseRunStore:
    return CaseRunStore(
        status=status, name=name, group=Group.MAIN, start_time=None, stop_time=None, **fields
    )


def module(status: TestStatus, *cases: CaseRunStore, name: str = "Power") -> ModuleRunStore:
    return ModuleRunStore(
        status=status,
        name=name,
        group=Group.MAIN,
        start_time=None,
        stop_time=None,
        cases={f"test_{n}": c for n, c in enumerate(cases)},
    )


def numeric(value: float, result: bool | None, **fields: Any) -> NumericMeasurementRecord:
    return NumericMeasurementRecord(value=value, result=result, **fields)


# ---------------------------------------------------------------------- escaping


def test_case_row_escapes_every_user_text() -> None:
    row = p.case_row_html(
        case(
            TestStatus.FAILED,
            name="<script>alert('name')</script>",
            msg={"m": "<img src=x onerror=alert(1)>"},
            measurements=[
                numeric(1.0, True, name="<b>v</b>", unit="<i>V</i>"),
                StringMeasurementRecord(value="<u>fw</u>", name="ver"),
            ],
            assertion_msg="AssertionError: <svg onload=x()>",
        )
    )
    assert "<script" not in row and "<img" not in row and "<svg" not in row
    assert "<b>v</b>" not in row and "<u>fw</u>" not in row
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in row
    assert "&lt;img src=x onerror=alert(1)&gt;" in row
    assert "&lt;b&gt;v&lt;/b&gt; 1 &lt;i&gt;V&lt;/i&gt;" in row
    # the operator sees the assertion's message, escaped
    assert ">&lt;svg onload=x()&gt;</pre>" in row


def test_header_and_banner_escape() -> None:
    run = RunState(name="<b>run</b>")
    run.document.dut.serial_number = "<SN>"
    html = p.header_html(p.run_header(run.view))
    assert "&lt;b&gt;run&lt;/b&gt;" in html and "DUT &lt;SN&gt;" in html
    banner = p.banner_html(p.banner_state(run.document))
    assert "DUT &lt;SN&gt;" in banner


# ---------------------------------------------------------------------- cases


def test_status_colour_and_symbol_per_case() -> None:
    for status, colour in p.STATUS_COLOR.items():
        row = p.case_row_html(case(status))
        assert f"border-left:3px solid {colour}" in row
        assert f"hardlab-{status.value}" in row


def test_measurements_read_name_value_unit_with_limits_and_colour() -> None:
    ok = numeric(
        3.3, True, name="vcc", unit="V", operation=ComparisonOperation.GELE,
        lower_limit=3.2, upper_limit=3.4,
    )  # fmt: skip
    bad = numeric(
        12.5, False, name="ripple", unit="%", operation=ComparisonOperation.LE,
        comparison_value=10.0,
    )  # fmt: skip
    row = p.case_row_html(case(TestStatus.FAILED, measurements=[ok, bad, numeric(7.0, None)]))
    green, red = p.STATUS_COLOR[TestStatus.PASSED], p.STATUS_COLOR[TestStatus.FAILED]
    assert (
        f'<div style="color:{green};">vcc 3.3 V ✓ <span style="color:#888">[3.2 .. 3.4]</span>'
        in row
    )
    assert f'<div style="color:{red};">ripple 12.5% ✗ <span style="color:#888">≤ 10</span>' in row
    assert '<div style="">7</div>' in row


def test_case_row_notes_attempt_duration_and_failure_text() -> None:
    long = "\n".join(f"line {n}" for n in range(30))
    row = p.case_row_html(case(TestStatus.FAILED, attempt=3, assertion_msg=long), duration=1.5)
    assert "attempt 3 · 1.50s · failed" in row
    assert "line 11" in row and "line 12" not in row and "…" in row
    skipped = p.case_row_html(case(TestStatus.SKIPPED, assertion_msg="Skipped: needs X\nmore"))
    assert "Skipped: needs X" in skipped and "more" not in skipped
    passed = p.case_row_html(case(TestStatus.PASSED, assertion_msg="ignored"))
    assert "ignored" not in passed


def test_case_rows_pair_durations() -> None:
    rows = p.case_rows_html([case(name="a"), case(name="b")], [None, 2.0])
    assert rows.count("hardlab-case") == 2 and "2.00s" in rows


# ---------------------------------------------------------------------- modules and header


def test_module_state_counts_and_folding() -> None:
    running = module(
        TestStatus.RUN, case(TestStatus.PASSED), case(TestStatus.RUN), case(TestStatus.READY)
    )
    state = p.module_state("test_power", running)
    assert (state.done, state.total, state.expanded) == (1, 3, True)
    assert p.module_title(state) == "… Power  1/3 · 1 passed, 1 running, 1 to go"
    passed = p.module_state("m", module(TestStatus.PASSED, case(), case()))
    assert not passed.expanded and p.module_title(passed) == "✓ Power  2/2 · 2 passed"
    failed = p.module_state("m", module(TestStatus.FAILED, case(), case(TestStatus.FAILED)))
    assert failed.expanded
    assert not p.module_state("m", module(TestStatus.READY, case(TestStatus.READY))).expanded
    assert p.module_state("m", module(TestStatus.STOPPED, case(TestStatus.STOPPED))).expanded


def test_counts_text() -> None:
    assert p.counts_text({}) == "no cases"
    counts = {TestStatus.SKIPPED: 1, TestStatus.PASSED: 2, TestStatus.FAILED: 0}
    assert p.counts_text(counts) == "2 passed, 1 skipped"


def test_run_header_reads_the_live_run() -> None:
    run = RunState(name="board")
    run.mark_started()
    run.document.dut.serial_number = "SN-1"
    run.document.dut.part_number = "PN-2"
    run.document.test_stand.name = "stand 4"
    run.document.modules["m"] = module(
        TestStatus.RUN, case(TestStatus.RUN, name="Probe", attempt=2)
    )
    run.current = CaseRef("m", "test_0")
    run.progress = 42
    run.alert = "low <battery>"
    assert run.started_ns is not None
    state = p.run_header(run.view, now_ns=run.started_ns + 12_300_000_000)
    assert state.badge == "RUNNING" and state.color == p.STATUS_COLOR[TestStatus.RUN]
    assert (state.progress, state.elapsed, state.dut, state.stand) == (
        42,
        "12.3s",
        "SN-1 (PN-2)",
        "stand 4",
    )
    assert state.current == "Power › Probe (attempt 2)"
    html = p.header_html(state)
    assert "42% · 12.3s · DUT SN-1 (PN-2) · stand stand 4" in html
    assert "▶ Power › Probe (attempt 2)" in html
    assert "⚠ low &lt;battery&gt;" in html
    run.dialog = DialogRequest(
        dialog=DialogBox("Scan", title_bar="Serial"), run_id="r", module_id="m",
        case_id="test_0", module_name="Power", case_name="Probe", attempt=1,
    )  # fmt: skip
    waiting = p.header_html(p.run_header(run.view))
    assert "waiting for the operator: Serial" in waiting and "▶" not in waiting
    # an icon every browser draws, not an emoji a stand PC may lack a font for
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in waiting and "hardlab-icon-pause" in waiting
    assert "\u23f8" not in waiting


def test_header_state_clamps_progress() -> None:
    run = RunState(name="r")
    assert p.header_state(run.document, progress=140).progress == 100
    assert p.header_state(run.document, progress=0).badge == "READY"


# ---------------------------------------------------------------------- banner


@pytest.mark.parametrize(
    ("status", "text"),
    [(TestStatus.PASSED, "PASSED"), (TestStatus.FAILED, "FAILED"), (TestStatus.STOPPED, "STOPPED")],
)
def test_banner(status: TestStatus, text: str) -> None:
    run = RunState(name="r")
    report = run.document
    report.status = status
    report.modules["a"] = module(status, case(TestStatus.PASSED), case(TestStatus.FAILED))
    report.modules["b"] = module(status, case(TestStatus.PASSED), case(TestStatus.SKIPPED))
    report.error_code = 7 if status == TestStatus.FAILED else None
    report.caused_dut_failure_id = "a::test_1" if status == TestStatus.FAILED else None
    state = p.banner_state(report, 65.0)
    assert (state.text, state.color) == (text, p.STATUS_COLOR[status])
    assert state.detail == "2 passed, 1 failed, 1 skipped in 1m05s"
    html = p.banner_html(state)
    assert f"background:{p.STATUS_COLOR[status]}" in html and f">{text}<" in html
    if status == TestStatus.FAILED:
        # the first failure by the names operators know (module › case), not its id
        assert state.extra == ("error code 7", "first failure: Power › case")


# ---------------------------------------------------------------------- dialog content


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize(
    ("data", "address", "mime"),
    [
        (PNG, "x", "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "x", "image/jpeg"),
        (b"GIF89a" + bytes(20), "x", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(10), "x", "image/webp"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "x",
            "image/svg+xml",
        ),
        (b"  <svg></svg>", "x", "image/svg+xml"),
        (b"unknown bytes here", "photo.jpg", "image/jpeg"),
        (b"unknown bytes here", "noext", "image/png"),
    ],
)
def test_image_mime(data: bytes, address: str, mime: str) -> None:
    assert p.image_mime(b64(data), address) == mime


def test_image_html_from_component_and_dict(tmp_path: Any) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    component = ImageComponent(str(path), width=50, border=2)
    html = p.image_html(component)
    assert f'src="data:image/png;base64,{component.base64}"' in html
    assert "width:50%" in html and "border:2px solid" in html
    assert p.image_html(component.to_dict()) == html


def test_html_block_sanitises_raw_html_and_frames_urls() -> None:
    raw = p.html_block(HTMLComponent('<b onclick="x()">hi</b><script>x()</script>', width=80))
    assert (
        "<b>hi</b>" in raw and "script" not in raw and "onclick" not in raw and "width:80%" in raw
    )
    page = p.html_block(HTMLComponent("https://example.com/doc?a=1&b=2", is_raw_html=False))
    assert '<iframe class="hardlab-html" src="https://example.com/doc?a=1&amp;b=2"' in page
    bad = p.html_block(HTMLComponent("javascript:alert(1)", is_raw_html=False))
    assert "<iframe" not in bad and "page not shown" in bad


def test_dialog_text_and_steps() -> None:
    text = p.dialog_text_html("line 1\n<line 2>", 20)
    assert "font-size:20px" in text and "pre-wrap" in text and "&lt;line 2&gt;" in text
    step = p.step_html(
        {"title": "Plug <in>", "text": "Now", "html": {"code_or_url": "<i>x</i>", "width": 100,
                                                       "border": 0, "is_raw_html": True}},
        1,
        3,
    )  # fmt: skip
    assert "Step 2 of 3" in step and "Plug &lt;in&gt;" in step and "<i>x</i>" in step


def test_message_html() -> None:
    message = MessageRequest(
        msg="Connect <J1>", title="Wiring", block=False, image=None,
        html=HTMLComponent("<u>ok</u><script>x</script>"), font_size=16, id="1", run_id="r",
    )  # fmt: skip
    html = p.message_html(message)
    assert "<b>Wiring</b>" in html and "Connect &lt;J1&gt;" in html and "font-size:16px" in html
    assert "<u>ok</u>" in html and "script" not in html


# ---------------------------------------------------------------------- charts


def chart(kind: ChartType = ChartType.LINE) -> ChartRecord:
    return ChartRecord(
        type=kind,
        title="Response",
        x_label="Hz",
        y_label="dB",
        marker_name=["gain", None],
        x_data=[[1, 10, 100], [1, 10, 100]],
        y_data=[[1, 2, 3], [3, 2, 1]],
    )


@pytest.mark.parametrize(
    ("kind", "xscale", "yscale"),
    [
        (ChartType.LINE, "linear", "linear"),
        (ChartType.LINE_LOG_X, "log", "linear"),
        (ChartType.LINE_LOG_Y, "linear", "log"),
        (ChartType.LOG_X_Y, "log", "log"),
    ],
)
def test_chart_figure_axes(kind: ChartType, xscale: str, yscale: str) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    figure = p.chart_figure(chart(kind))
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    assert (axes.get_xscale(), axes.get_yscale()) == (xscale, yscale)
    assert len(axes.lines) == 2
    assert (
        axes.get_title() == "Response" and axes.get_xlabel() == "Hz" and axes.get_ylabel() == "dB"
    )
    legend = axes.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == ["gain"]


def test_chart_as_data_uri_and_html() -> None:
    pytest.importorskip("matplotlib")
    png = p.chart_image_uri(chart())
    assert png.startswith("data:image/png;base64,")
    assert base64.b64decode(png.split(",", 1)[1]).startswith(b"\x89PNG")
    svg = p.chart_image_uri(chart(), fmt="svg")
    assert svg.startswith("data:image/svg+xml;base64,")
    html = p.chart_html(chart(), caption="test <sweep>")
    assert '<img src="data:image/png;base64,' in html
    assert "test &lt;sweep&gt; — Response: 2 series, 6 points" in html


def test_chart_without_matplotlib_is_a_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    html = p.chart_html(chart(), caption="sweep")
    assert "<img" not in html and "sweep — Response: 2 series, 6 points" in html
    assert "install matplotlib" in html
    assert "hardlab-icon-chart" in html and "\U0001f4c8" not in html


def test_chart_summary() -> None:
    assert p.chart_summary(chart()) == "Response: 2 series, 6 points"
    assert p.chart_summary(ChartRecord()) == "chart: 0 series, 0 points"


def test_presenters_import_no_widgets() -> None:
    import subprocess

    code = (
        "import sys, hardlab.widgets._presenters, hardlab.widgets; "
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_url_dialog_is_framed_in_a_sandbox_without_same_origin() -> None:
    page = p.html_block(HTMLComponent("/files/instructions.html", is_raw_html=False))
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in page
    assert "allow-same-origin" not in page and "allow-top-navigation" not in page
    assert 'referrerpolicy="no-referrer"' in page


def test_case_row_shows_the_assertion_message_not_pytest_introspection() -> None:
    crash = (
        "AssertionError: LED current out of range\nassert False\n"
        " +  where False = NumericMeasurement(type=<MeasurementType.NUMERIC: 'numeric'>).result"
    )
    row = p.case_row_html(case(TestStatus.FAILED, assertion_msg=crash))
    assert "LED current out of range" in row
    assert "where False" not in row and "NumericMeasurement" not in row
