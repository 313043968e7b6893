"""Case charts as inline SVG: lines, axes, ticks, log scales, a legend; no plotting library.

`chart_svg` turns a chart a test gave to ``set_case_chart`` into one
``<svg>`` element that any HTML host shows as it is (an ipywidgets `HTML`
value, a report page): no matplotlib, no JavaScript, no images to encode.
The axes honour the chart's type (``line_log_x``, ``line_log_y`` and
``log_x_y`` put that axis on a log10 scale); points a log axis cannot show
(zero, negative) and values that are not finite are left out and counted
in a note under the plot. Long series are thinned to the minimum and
maximum of each horizontal slot, which keeps their envelope and spikes.

Text and axis lines use ``currentColor``, so the chart follows the
notebook's light or dark theme. Every label is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from hardlab.model.enums import ChartType
from hardlab.model.measurement import ChartRecord

__all__ = ["ICONS", "PALETTE", "chart_svg", "icon_svg"]

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
"""Series colours, in order (they repeat after the eighth series)."""

ICONS: dict[str, str] = {
    # a pause sign: two bars
    "pause": '<rect x="3" y="2" width="3.5" height="12" rx="1"/>'
    '<rect x="9.5" y="2" width="3.5" height="12" rx="1"/>',
    # a line chart: axes and a rising polyline
    "chart": '<path d="M2 2v12h12" fill="none" stroke="currentColor" stroke-width="1.5"/>'
    '<path d="M4 11l3-4 3 2 4-6" fill="none" stroke="currentColor" stroke-width="1.5" '
    'stroke-linejoin="round" stroke-linecap="round"/>',
}
"""The panel's icons, as the inside of a 16 x 16 ``<svg>`` (filled with ``currentColor``).

Inline SVG rather than emoji (⏸, 📈): a stand PC without an emoji font shows
those as empty boxes.
"""


def icon_svg(name: str, title: str = "") -> str:
    """Icon `name` of `ICONS` as an inline ``<svg>`` one text line high, in the text's colour.

    Args:
        name: A key of `ICONS`.
        title: What a screen reader says for it (none: the icon is decoration).

    Raises:
        KeyError: If there is no such icon.
    """
    shape = ICONS[name]
    label = (
        f' role="img" aria-label="{html.escape(title, quote=True)}"'
        if title
        else ' aria-hidden="true"'
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="1em" height="1em"'
        f' fill="currentColor" class="hardlab-icon hardlab-icon-{name}"{label}'
        ' style="vertical-align:-0.125em">'
        f"{shape}</svg>"
    )


_LOG_X = frozenset({ChartType.LINE_LOG_X, ChartType.LOG_X_Y})
_LOG_Y = frozenset({ChartType.LINE_LOG_Y, ChartType.LOG_X_Y})
_FONT = 11
_MARKERS_UP_TO = 40  # points per series: few enough to mark each one


@dataclass(frozen=True)
class _Axis:
    """One axis: its range in plot space (log10 of the value on a log axis) and ticks."""

    low: float
    high: float
    log: bool
    ticks: tuple[tuple[float, str], ...]
    minor: tuple[float, ...] = ()

    def fraction(self, value: float) -> float:
        """Where `value` (in plot space) lies between the axis ends, 0 to 1."""
        return (value - self.low) / (self.high - self.low)


def _number(value: float) -> str:
    """A tick label: short, no ``-0``, no float noise."""
    if value == 0:
        return "0"
    text = f"{value:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def _nice_step(span: float, target: int) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals."""
    raw = span / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * magnitude >= raw * (1 - 1e-9):
            return multiple * magnitude
    return 10.0 * magnitude  # pragma: no cover - 10 always satisfies the loop


def _linear_axis(low: float, high: float, target: int = 5) -> _Axis:
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step(high - low, target)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    ticks = tuple((k * step, _number(round(k * step, 12))) for k in range(first, last + 1))
    return _Axis(first * step, last * step, log=False, ticks=ticks)


def _power_label(exponent: int) -> str:
    return _number(10.0**exponent) if -3 <= exponent <= 4 else f"1e{exponent}"


def _log_axis(low: float, high: float) -> _Axis:
    """A log10 axis over values whose log10 spans `low`..`high`."""
    first, last = math.floor(low), math.ceil(high)
    if last - first < 1:
        last = first + 1
    if last - first == 1 and high - low < 0.5:
        # Less than half a decade: decade ticks would leave the plot bare, so
        # place round linear values, drawn at their logarithm.
        linear = _linear_axis(10.0**low, 10.0**high, target=4)
        ticks = tuple((math.log10(value), label) for value, label in linear.ticks if value > 0)
        bottom = min(low, *(t for t, _ in ticks)) if ticks else low
        top = max(high, *(t for t, _ in ticks)) if ticks else high
        if top == bottom:
            top = bottom + 1
        return _Axis(bottom, top, log=True, ticks=ticks)
    stride = max(1, math.ceil((last - first) / 6))
    ticks = tuple((float(k), _power_label(k)) for k in range(first, last + 1, stride))
    minor: tuple[float, ...] = ()
    if stride == 1 and last - first <= 4:
        minor = tuple(k + math.log10(m) for k in range(first, last) for m in range(2, 10))
    return _Axis(float(first), float(last), log=True, ticks=ticks, minor=minor)


def _axis(values: Sequence[float], log: bool) -> _Axis:
    if log:
        return _log_axis(min(values), max(values))
    return _linear_axis(min(values), max(values))


def _plottable(value: float, log: bool) -> float | None:
    """`value` in plot space, or None if the axis cannot show it."""
    if not math.isfinite(value) or (log and value <= 0):
        return None
    return math.log10(value) if log else float(value)


def _thin(points: list[tuple[float, float]], slots: int) -> list[tuple[float, float]]:
    """At most about ``2 * slots`` points: each slot's lowest and highest, in order."""
    if len(points) <= 2 * slots:
        return points
    size = len(points) / slots
    kept: list[tuple[float, float]] = []
    for slot in range(slots):
        bucket = points[int(slot * size) : int((slot + 1) * size)]
        if not bucket:
            continue
        low = min(bucket, key=lambda point: point[1])
        high = max(bucket, key=lambda point: point[1])
        kept.extend(sorted({low, high}, key=bucket.index))
    return kept


def _text(x: float, y: float, text: str, anchor: str = "middle", **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="currentColor"{extra}>'
        f"{html.escape(text)}</text>"
    )


def chart_svg(chart: ChartRecord, *, width: int = 520, height: int = 280) -> str:
    """`chart` as one inline ``<svg>`` element.

    Args:
        chart: The case's chart (``Chart`` or the stored ``ChartRecord``).
        width: Drawing width in CSS pixels; the SVG scales down to fit its box.
        height: Drawing height in CSS pixels.

    Returns:
        The SVG markup. A chart without plottable points shows its frame,
        title and a "no data" note.

    Example:
        ```python
        chart = Chart(type=ChartType.LINE_LOG_X, title="Gain", x_label="Hz", y_label="dB")
        chart.add_series([10, 100, 1000], [0.0, -0.5, -3.0], "gain")
        html_value = chart_svg(chart)
        ```
    """
    log_x = chart.type in _LOG_X
    log_y = chart.type in _LOG_Y
    series: list[tuple[str | None, list[tuple[float, float]]]] = []
    dropped = 0
    for index, (xs, ys) in enumerate(zip(chart.x_data, chart.y_data, strict=False)):
        name = chart.marker_name[index] if index < len(chart.marker_name) else None
        points: list[tuple[float, float]] = []
        for x_value, y_value in zip(xs, ys, strict=False):
            px, py = _plottable(x_value, log_x), _plottable(y_value, log_y)
            if px is None or py is None:
                dropped += 1
            else:
                points.append((px, py))
        series.append((name, points))

    named = [(n, s) for n, s in enumerate(series) if s[0]]
    top = 30 if chart.title else 12
    left = 64 if chart.y_label else 52
    bottom = 46 if chart.x_label else 30
    if dropped:
        bottom += 14
    right = 16
    plot_w, plot_h = width - left - right, height - top - bottom
    label = chart.title or "chart"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hardlab-chart" role="img" '
        f'aria-label="{html.escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px;height:auto" '
        f'font-family="sans-serif" font-size="{_FONT}">',
        f"<title>{html.escape(label)}</title>",
    ]
    if chart.title:
        parts.append(_text(left + plot_w / 2, 18, chart.title, font_weight="bold"))
    if chart.x_label:
        parts.append(_text(left + plot_w / 2, top + plot_h + 38, chart.x_label))
    if chart.y_label:
        middle = top + plot_h / 2
        parts.append(_text(14, middle, chart.y_label, transform=f"rotate(-90 14 {middle:.1f})"))
    all_points = [point for _, points in series for point in points]
    frame = (
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5"/>'
    )
    if not all_points:
        parts.append(frame)
        parts.append(
            _text(left + plot_w / 2, top + plot_h / 2, "no data to plot", fill_opacity="0.6")
        )
        parts.append("</svg>")
        return "".join(parts)

    x_axis = _axis([p[0] for p in all_points], log_x)
    y_axis = _axis([p[1] for p in all_points], log_y)

    def sx(value: float) -> float:
        return left + x_axis.fraction(value) * plot_w

    def sy(value: float) -> float:
        return top + plot_h - y_axis.fraction(value) * plot_h

    grid = [
        f'<line x1="{sx(v):.1f}" y1="{top}" x2="{sx(v):.1f}" y2="{top + plot_h}"/>'
        for v in x_axis.minor
    ]
    grid += [
        f'<line x1="{left}" y1="{sy(v):.1f}" x2="{left + plot_w}" y2="{sy(v):.1f}"/>'
        for v in y_axis.minor
    ]
    if grid:
        parts.append(f'<g stroke="currentColor" stroke-opacity="0.07">{"".join(grid)}</g>')
    grid = []
    labels: list[str] = []
    for value, text in x_axis.ticks:
        x = sx(value)
        grid.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}"/>')
        labels.append(_text(x, top + plot_h + 15, text))
    for value, text in y_axis.ticks:
        y = sy(value)
        grid.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>')
        labels.append(_text(left - 5, y + 4, text, anchor="end"))
    parts.append(f'<g stroke="currentColor" stroke-opacity="0.15">{"".join(grid)}</g>')
    parts.append(frame)
    parts.append(f"<g>{''.join(labels)}</g>")

    slots = max(1, plot_w)
    for index, (_, points) in enumerate(series):
        if not points:
            continue
        color = PALETTE[index % len(PALETTE)]
        thinned = _thin(points, slots)
        coordinates = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in thinned)
        if len(thinned) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                f'stroke-linejoin="round" points="{coordinates}"/>'
            )
        if len(points) <= _MARKERS_UP_TO:
            dots = "".join(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5"/>' for x, y in points
            )
            parts.append(f'<g fill="{color}">{dots}</g>')

    if named:
        rows = []
        for row, (index, (name, _)) in enumerate(named[:8]):
            y = top + 12 + row * 14
            color = PALETTE[index % len(PALETTE)]
            rows.append(
                f'<rect x="{left + plot_w - 118}" y="{y - 8}" width="10" height="3" '
                f'fill="{color}"/>' + _text(left + plot_w - 104, y - 3, str(name), anchor="start")
            )
        if len(named) > 8:
            rows.append(
                _text(left + plot_w - 104, top + 12 + 8 * 14 - 3, f"+{len(named) - 8} more",
                      anchor="start", fill_opacity="0.6")
            )  # fmt: skip
        parts.append(f"<g>{''.join(rows)}</g>")
    if dropped:
        note = (
            f"{dropped} point{'s' if dropped != 1 else ''} not shown "
            "(not finite, or not positive on a log axis)"
        )
        parts.append(_text(left + plot_w, height - 6, note, anchor="end", fill_opacity="0.6"))
    parts.append("</svg>")
    return "".join(parts)
