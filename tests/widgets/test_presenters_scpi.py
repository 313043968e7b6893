"""A case's instrument exchanges in the live panel: folded under the case, escaped."""

from __future__ import annotations

from hardlab.model.enums import Group, TestStatus
from hardlab.model.report import CaseRunStore
from hardlab.model.scpi import SCPI_COLUMNS
from hardlab.widgets._presenters import case_row_html, traffic_html


def _table(*rows: tuple[object, ...]) -> dict[str, object]:
    return {"columns": list(SCPI_COLUMNS), "rows": [list(row) for row in rows]}


def _case(artifact: dict[str, object]) -> CaseRunStore:
    return CaseRunStore(
        name="3V3 rail", status=TestStatus.PASSED, group=Group.MAIN, start_time=None,
        stop_time=None, artifact=artifact,
    )  # fmt: skip


def test_the_exchanges_are_folded_under_the_case() -> None:
    entries = _table(
        ("dmm", "query", "MEAS:VOLT:DC?", "<3.3>", 1.7e9, 0.1, None),
        ("psu", "write", "VOLT 3.3", None, 1.7e9, 0.1, "timeout"),
    )
    html = case_row_html(_case({"scpi": entries}))
    assert "<details" in html and "<summary>scpi: 2 × dmm, psu</summary>" in html
    assert "dmm  MEAS:VOLT:DC? → &lt;3.3&gt;" in html  # answers are escaped
    assert "psu  VOLT 3.3  ✗ timeout" in html


def test_no_exchanges_no_fold_and_measurement_display_off_hides_them() -> None:
    assert traffic_html({}) == "" and traffic_html({"scpi": "not a list"}) == ""
    entries = _table(("dmm", "query", "X?", "1", 1.7e9, 0.1, None))
    assert "<details" not in case_row_html(_case({"scpi": entries}), measurements=False)


def test_a_long_log_shows_its_first_rows_and_counts_the_rest() -> None:
    entries = _table(*[("dmm", "query", f"Q{i}?", "1", 1.7e9, 0.1, None) for i in range(205)])
    html = traffic_html({"scpi": entries})
    assert "Q199?" in html and "Q200?" not in html and "… 5 more" in html
