"""The station's renderers: status bar, history and times as HTML, without widgets."""

from __future__ import annotations

from hardlab.widgets._i18n import Labels
from hardlab.widgets._station_html import (
    HistoryRow,
    StatusBar,
    format_when,
    history_html,
    plan_html,
    status_bar_html,
)


def test_plan_view_lists_modules_and_cases_escaped_in_order() -> None:
    assert plan_html([], Labels("en")) == ""  # nothing collected (yet)
    text = plan_html([("Power", ["Rail <5V>", "quick"]), ("Check", ["LED"])], Labels("de"))
    assert text.index("Power") < text.index("Rail &lt;5V&gt;") < text.index("quick")
    assert text.index("quick") < text.index("Check") < text.index("LED")
    assert text.count('class="hardlab-plan-case"') == 3 and ">2</span>" in text


def test_history_view() -> None:
    from datetime import datetime, timezone

    row = HistoryRow.from_row(
        {"id": "r1", "started_at": datetime(2026, 1, 2, 3, 4, 5), "dut_serial_number": "SN<1>",
         "status": "interrupted", "duration_s": 12.5}
    )  # fmt: skip
    assert row.started == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    text = history_html([row], Labels("de"))
    assert "<th>Zeit</th>" in text and "SN&lt;1&gt;" in text and "INTERRUPTED" in text
    assert "12.5s" in text


def test_status_bar_view() -> None:
    bar = StatusBar(
        status="failed", stand="S<1>", started="a", finished="b", alert="x & y",
        stand_info="line 3", config="fast",
    )  # fmt: skip
    text = status_bar_html(bar, Labels("es"))
    for part in ("Banco", "S&lt;1&gt;", "FALLIDO", "Inicio", "Fin", "x &amp; y", "line 3", "fast"):
        assert part in text, part
    assert "Inicio" not in status_bar_html(StatusBar(status="ready"), Labels("es"))


def test_times_carry_their_zone() -> None:
    assert format_when(None) == ""
    text = format_when(1_700_000_000 * 10**9, "Europe/Prague")
    assert text.endswith("(Europe/Prague)") and " UTC" in text
    assert format_when(0).startswith("1970-01-01") or format_when(0).startswith("1969-12-31")
