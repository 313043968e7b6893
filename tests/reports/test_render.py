"""The unit report: one self-contained HTML page with the whole run, and its PDF."""

from __future__ import annotations

import html
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from hardlab.cli import main
from hardlab.errors import MissingExtraError, StorageError
from hardlab.reports import render_html, render_pdf, run_report_html, write_run_report
from hardlab.runner import RunResult


class _References(HTMLParser):
    """Every URL-bearing attribute and every tag of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset", "data") and value:
                self.urls.append(value)


def external(page: str) -> list[str]:
    """The references of `page` that leave it (http, https, protocol-relative, other files)."""
    parser = _References()
    parser.feed(page)
    leaving = [u for u in parser.urls if not u.startswith("#")]
    # CSS may load too: @import and url() in the inline style
    leaving.extend(marker for marker in ("@import", "url(") if marker in page)
    return leaving


def test_the_page_holds_the_whole_run(stored_run: tuple[RunResult, str]) -> None:
    result, db = stored_run
    page = run_report_html(str(result.run_id)[:13], db)
    assert external(page) == []
    parser = _References()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags and "link" not in parser.tags
    for text in (
        "Power board", "failed", str(result.run_id), "PB-100", "stand-A", "Lab 1", "alice",
        "RM-77", "radio", "PSU", "1.2", "v out", "3.31 V", "[3.2 .. 3.4]", "≤ 4", "5 A",
        "rail settled", "load current high", "Error code", "7", "attempt 2",
        "earlier: failed", "(UTC+00:00)", "hardlab ",
    ):  # fmt: skip
        assert text in page, text
    # escaped, not markup: the serial number has "<b>" in it
    assert "SN-&lt;b&gt;1" in page and "SN-<b>1" not in page
    assert page.count("<svg") == 1 and "ramp" in page
    assert "@page" in page and "size: A4" in page and "@media print" in page


def test_run_result_renders_itself(stored_run: tuple[RunResult, str]) -> None:
    result, _ = stored_run
    page = result.report_html()
    shown = result._repr_html_()
    # in a notebook: the same page in a sandboxed iframe, its styles kept inside
    assert shown.startswith('<iframe title="hardlab unit report" sandbox="" srcdoc="')
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == page
    assert "<style>" not in shown
    assert str(result.run_id) in page and "verdict-fail" in page and "verdict-pass" in page
    assert external(page) == []


def test_pdf_through_weasyprint(stored_run: tuple[RunResult, str], tmp_path: Path) -> None:
    import weasyprint

    result, db = stored_run
    path = write_run_report(str(result.run_id), tmp_path, format="pdf", db=db)
    assert path == tmp_path / f"report-{result.run_id}.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    document = weasyprint.HTML(string=run_report_html(str(result.run_id), db)).render()
    assert 1 <= len(document.pages) <= 3
    # A4 at 96 px per inch: 210 mm x 297 mm
    first = document.pages[0]
    assert round(first.width / 96 * 25.4) == 210 and round(first.height / 96 * 25.4) == 297


def test_without_the_extra_the_error_names_it(
    stored_run: tuple[RunResult, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = stored_run
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    with pytest.raises(MissingExtraError, match=r"hardlab\[report\]") as caught:
        render_pdf(result.report_html())
    assert caught.value.extra == "report" and caught.value.package == "weasyprint"
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingExtraError, match=r"jinja2 .*'report' extra"):
        render_html(result.report)


def test_cli_writes_html_and_pdf(
    stored_run: tuple[RunResult, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, db = stored_run
    monkeypatch.chdir(tmp_path)
    short = str(result.run_id)[:13]
    assert main(["report", short, "--db", db]) == 0
    written = tmp_path / f"report-{result.run_id}.html"
    assert f"Report: {written.name}" in capsys.readouterr().out
    assert external(written.read_text(encoding="utf-8")) == []
    assert main(["report", short, "--db", db, "--format", "pdf", "-o", "unit.pdf"]) == 0
    assert (tmp_path / "unit.pdf").read_bytes().startswith(b"%PDF")


def test_unknown_run_is_one_line(
    stored_run: tuple[RunResult, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, db = stored_run
    assert main(["report", "nosuchrun", "--db", db]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run 'nosuchrun'" in err and "Traceback" not in err
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["report", "abc", "--db", empty]) == 4
    assert "has no runs yet" in capsys.readouterr().err
    with pytest.raises(StorageError):
        run_report_html("nosuchrun", db)


def test_hardpy_toml_replaces_the_template(
    stored_run: tuple[RunResult, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, db = stored_run
    site = tmp_path / "site"
    (site / "tpl").mkdir(parents=True)
    (site / "hardpy.toml").write_text('[hardlab.report]\ntemplate = "tpl/ours.html.j2"\n')
    (site / "tpl" / "ours.html.j2").write_text(
        '{% extends "report.html.j2" %}'
        "{% block header %}<h1>ACME test record {{ dut.serial_number }}</h1>{% endblock %}"
    )
    monkeypatch.chdir(site)
    assert main(["report", str(result.run_id), "--db", db, "-o", "out.html"]) == 0
    page = (site / "out.html").read_text(encoding="utf-8")
    assert "<h1>ACME test record SN-&lt;b&gt;1</h1>" in page
    assert "v out" in page  # the rest of hardlab's page stays


def test_template_key_is_spell_checked(tmp_path: Path) -> None:
    from hardlab.config import load_config
    from hardlab.errors import HardlabWarning

    (tmp_path / "hardpy.toml").write_text('[hardlab.report]\ntemplat = "x.j2"\n')
    with pytest.warns(HardlabWarning, match=r"\[hardlab\.report\] has no key 'templat'; did you "
                      r"mean 'template'\?"):  # fmt: skip
        config = load_config(tmp_path)
    assert config.hardlab.report.template is None
    (tmp_path / "hardpy.toml").write_text('[hardlab.report]\ntemplate = "x.j2"\n')
    assert load_config(tmp_path).hardlab.report.template == str(tmp_path / "x.j2")


def test_a_missing_template_is_an_error(stored_run: tuple[RunResult, str]) -> None:
    from hardlab.errors import HardlabError

    result, _ = stored_run
    with pytest.raises(HardlabError, match="does not exist"):
        result.report_html(template="/nonexistent/report.j2")


def test_a_failure_reads_as_its_message_with_pytest_text_folded(
    stored_run: tuple[RunResult, str],
) -> None:
    result, db = stored_run
    page = run_report_html(str(result.run_id)[:13], db)
    # the ErrorCode's text first, as operators read it; the crash text as the report keeps it
    assert '<p class="failure">load current high</p>' in page
    assert "<details" in page and "AssertionError: load current high" in page
    # the first failure by its names, with the stored id beside them
    assert 'test_board › test_load <span class="muted">(test_board::test_load)</span>' in page


def test_dialogs_and_operator_messages_are_in_the_page(
    make_plan: Any, tmp_path: Path, hardlab_home: Path
) -> None:
    from tests.storage.test_sink import operator_run

    result, db = operator_run(make_plan, tmp_path)
    page = run_report_html(str(result.run_id), db)
    assert external(page) == []
    body = page.split("<body", 1)[1]
    for text in (
        "Scan the serial", "SN-9", "textinput", "Is the LED green?", "pass/fail", "passed",
        "Connect the load", "Setup", "Message, blocking", "closed by the operator",
        "Watch the LED", "answered ", "bob", "rail ok",
    ):  # fmt: skip
        assert text in body, text
    # each with its case: the serial dialog in test_serial's section, the LED one in test_led's
    serial = body.split('id="test_bench::test_serial"', 1)[1].split("</section>", 1)[0]
    led = body.split('id="test_bench::test_led"', 1)[1].split("</section>", 1)[0]
    assert "Scan the serial" in serial and "Connect the load" in serial and "LED" not in serial
    assert "Is the LED green?" in led and "Watch the LED" in led
