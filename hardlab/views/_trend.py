"""Trend plots: a measurement's values over time with the limits in force, as a Figure."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["TrendFigure", "trend_figure"]


class TrendFigure(Figure):
    """A matplotlib `Figure` that shows itself in a notebook without pyplot.

    Figures made without pyplot have no backend; Jupyter displays them as
    PNG through this method (or through the inline backend, when pyplot
    has set it up).
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _naive_utc(times: pd.Series[Any]) -> Any:
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def trend_figure(frame: pd.DataFrame, measurement: str) -> TrendFigure:
    """Plot `frame` (rows of `History.measurements`) as value over run start time.

    Values are joined by a thin line, failed values are marked with a red
    cross, and the specification limits are drawn as steps, so a limit that
    changed shows where it changed.
    """
    figure = TrendFigure(figsize=(9.0, 4.0), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(measurement)
    if frame.empty:
        axes.text(
            0.5,
            0.5,
            f"no numeric values of {measurement!r} match",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
        axes.set_xticks([])
        axes.set_yticks([])
        return figure
    frame = frame.sort_values("run_started_at", kind="stable")
    times = _naive_utc(frame["run_started_at"])
    values = frame["value"].to_numpy(dtype=float)
    axes.plot(times, values, marker="o", markersize=3, linewidth=0.8, color="C0", label="value")
    failed = frame["result"].eq(False).fillna(False).to_numpy(dtype=bool)
    if failed.any():
        axes.scatter(
            times[failed], values[failed], marker="x", s=40, color="C3", zorder=3, label="failed"
        )
    for column, label in (("spec_upper", "upper limit"), ("spec_lower", "lower limit")):
        limits = frame[column].to_numpy(dtype=float)
        if not pd.isna(limits).all():
            axes.step(times, limits, where="post", linestyle="--", color="C1", label=label)
    units = frame["unit"].dropna().unique()
    axes.set_ylabel(f"{measurement} [{units[0]}]" if len(units) == 1 else measurement)
    axes.set_xlabel("run start (UTC)")
    axes.legend(loc="best", fontsize="small")
    axes.grid(visible=True, alpha=0.3)
    axes.tick_params(axis="x", labelrotation=30)
    return figure
