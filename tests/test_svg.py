"""Case charts drawn as inline SVG: axes, log scales, thinning, escaping."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from hardlab._svg import ICONS, PALETTE, chart_svg, icon_svg
from hardlab.model.enums import ChartType
from hardlab.model.measurement import Chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the markup is well-formed


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    lines = []
    for element in parse(svg).iter(f"{NS}polyline"):
        pairs = [pair.split(",") for pair in element.attrib["points"].split()]
        lines.append([(float(x), float(y)) for x, y in pairs])
    return lines


def texts(svg: str) -> list[str]:
    return [element.text or "" for element in parse(svg).iter(f"{NS}text")]


def chart(kind: ChartType = ChartType.LINE, **fields: str) -> Chart:
    return Chart(type=kind, **fields)


def test_labels_and_legend_are_escaped() -> None:
    c = chart(title="<script>x</script>", x_label="a & b", y_label='"y"')
    c.add_series([1, 2], [3, 4], "<b>series</b>")
    svg = chart_svg(c)
    assert "<script>" not in svg and "<b>" not in svg
    shown = texts(svg)
    assert "<script>x</script>" in shown  # the text, as text
    assert "a & b" in shown and '"y"' in shown and "<b>series</b>" in shown


def test_each_series_has_its_colour() -> None:
    c = chart()
    c.add_series([0, 1, 2], [0, 1, 0], "a")
    c.add_series([0, 1, 2], [1, 0, 1], "b")
    root = parse(chart_svg(c))
    strokes = [element.attrib["stroke"] for element in root.iter(f"{NS}polyline")]
    assert strokes == [PALETTE[0], PALETTE[1]]


def test_linear_axis_has_round_ticks_covering_the_data() -> None:
    c = chart()
    c.add_series([0.3, 7.9], [-1.2, 18.5])
    shown = texts(chart_svg(c))
    assert {"0", "2", "4", "6", "8"} <= set(shown)  # x: 0..8 by 2
    assert {"-5", "0", "5", "10", "15", "20"} <= set(shown)  # y: -5..20 by 5


@pytest.mark.parametrize("kind", [ChartType.LINE_LOG_X, ChartType.LOG_X_Y])
def test_log_x_spaces_decades_evenly(kind: ChartType) -> None:
    c = chart(kind)
    c.add_series([1, 10, 100, 1000], [1, 2, 3, 4])
    (line,) = polylines(chart_svg(c))
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(line)]
    assert max(gaps) - min(gaps) < 0.2  # one decade, one step
    assert {"1", "10", "100", "1000"} <= set(texts(chart_svg(c)))


def test_linear_x_does_not() -> None:
    c = chart(ChartType.LINE)
    c.add_series([1, 10, 100, 1000], [1, 2, 3, 4])
    (line,) = polylines(chart_svg(c))
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(line)]
    assert gaps[-1] > 50 * gaps[0]


@pytest.mark.parametrize("kind", [ChartType.LINE_LOG_Y, ChartType.LOG_X_Y])
def test_log_y_spaces_decades_evenly(kind: ChartType) -> None:
    c = chart(kind)
    c.add_series([1, 2, 3], [0.01, 1, 100])
    (line,) = polylines(chart_svg(c))
    gaps = [a[1] - b[1] for a, b in itertools.pairwise(line)]  # y grows upwards
    assert gaps[0] > 0 and abs(gaps[0] - gaps[1]) < 0.2


def test_log_axis_drops_what_it_cannot_show_and_says_so() -> None:
    c = chart(ChartType.LOG_X_Y)
    c.add_series([0, 1, 10, -3, 100], [5, 1, 10, 5, 100])
    c.add_series([1, 2], [math.nan, 3])
    svg = chart_svg(c)
    lines = polylines(svg)
    assert len(lines[0]) == 3
    assert any("3 points not shown" in text for text in texts(svg))


def test_narrow_log_range_still_gets_ticks() -> None:
    c = chart(ChartType.LINE_LOG_Y)
    c.add_series([1, 2, 3], [2.0, 3.0, 2.5])
    shown = set(texts(chart_svg(c)))
    assert {"2", "2.5", "3"} <= shown


def test_wide_log_range_thins_its_ticks() -> None:
    c = chart(ChartType.LINE_LOG_X)
    c.add_series([1e-9, 1e9], [0, 1])
    shown = [t for t in texts(chart_svg(c)) if t.startswith("1e") or t in {"1", "0.001"}]
    assert 4 <= len(shown) <= 8


def test_a_long_series_is_thinned_but_keeps_its_spike() -> None:
    c = chart()
    ys = [math.sin(i / 300) for i in range(20_000)]
    ys[12_345] = 50.0
    c.add_series(list(range(20_000)), ys)
    svg = chart_svg(c, width=520)
    (line,) = polylines(svg)
    assert len(line) <= 2 * 520
    # the same axes with only the spike and the ends: where 50 is drawn
    spike_only = chart()
    spike_only.add_series([0, 12_345, 19_999], [ys[0], 50.0, ys[-1]])
    (reference,) = polylines(chart_svg(spike_only, width=520))
    assert min(y for _, y in line) == reference[1][1]
    assert len(svg) < 40_000


def test_a_single_point_is_a_marker() -> None:
    c = chart()
    c.add_series([5], [5], "one")
    svg = chart_svg(c)
    assert polylines(svg) == []
    assert len(list(parse(svg).iter(f"{NS}circle"))) == 1


def test_nothing_to_plot() -> None:
    c = chart(ChartType.LOG_X_Y, title="empty")
    c.add_series([-1, 0], [1, 2])
    svg = chart_svg(c)
    assert "no data to plot" in texts(svg)
    assert polylines(svg) == []


def test_constant_series_gets_a_range() -> None:
    c = chart()
    c.add_series([1, 2, 3], [4, 4, 4])
    (line,) = polylines(chart_svg(c))
    assert len({y for _, y in line}) == 1


def test_icons_are_inline_svg_in_the_texts_colour() -> None:
    for name in ICONS:
        svg = icon_svg(name)
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("width") == "1em" and root.get("fill") == "currentColor"
        assert root.get("aria-hidden") == "true" and len(root) >= 1
    labelled = ET.fromstring(icon_svg("pause", title='wait "here" <now>'))
    assert labelled.get("role") == "img" and labelled.get("aria-label") == 'wait "here" <now>'
    with pytest.raises(KeyError):
        icon_svg("nope")
