"""Limits from history: propose limits from stored values; re-evaluate runs with new ones."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hardlab.views._frames import rows_frame

if TYPE_CHECKING:
    from hardlab.views._history import History

__all__ = ["LimitSuggestion", "WhatIf", "suggest_limits", "what_if"]

Attempts = Literal["final", "all"]
LimitsLike = Mapping[str, tuple[float | None, float | None]]


@dataclass(frozen=True)
class LimitSuggestion:
    """Proposed limits per measurement, with the statistics they rest on.

    Attributes:
        frame: One row per measurement and unit: ``measurement``, ``unit``,
            ``n``, ``mean``, ``std``, ``min``, ``max``, ``lsl`` and ``usl``
            (the limits most of the values were held to), ``low`` and
            ``high`` (the proposal), ``cpk_current`` and ``cpk_proposed``,
            ``n_fail`` (values that failed their limits then).
        method: How the proposal was made (``k_sigma`` or ``cpk``).
        k: The half-width in σ (for ``cpk``: 3 · the target Cpk).
        guard_band: The fraction of the half-width added on each side.
        filters: The runs the values come from.
    """

    frame: pd.DataFrame
    method: str
    k: float
    guard_band: float
    filters: dict[str, Any]
    _history: History | None = field(default=None, repr=False, compare=False)
    attempts: Attempts = "final"

    @property
    def limits(self) -> dict[str, tuple[float | None, float | None]]:
        """``{measurement: (low, high)}``: what `hardlab.views.History.what_if` takes."""
        found: dict[str, tuple[float | None, float | None]] = {}
        for name, low, high in zip(
            self.frame["measurement"], self.frame["low"], self.frame["high"], strict=True
        ):
            found[str(name)] = (_number(low), _number(high))
        return found

    def data(self, measurement: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The values the proposal rests on (`History.measurements` rows, numeric)."""
        if self._history is None:
            msg = "this suggestion was made without a history to read its values from"
            raise ValueError(msg)
        names = list(self.frame["measurement"]) if measurement is None else measurement
        return self._history.measurements(
            measurement=names,
            numeric=True,
            attempts=self.attempts,
            **self.filters,
        )

    def what_if(self) -> WhatIf:
        """These limits applied to the same runs (see `History.what_if`)."""
        if self._history is None:
            msg = "this suggestion was made without a history to re-evaluate"
            raise ValueError(msg)
        return self._history.what_if(self.limits, **self.filters)

    def text(self) -> str:
        """The proposal as a table of text."""
        how = f"mean ± {self.k:g}σ" if self.method == "k_sigma" else f"target Cpk {self.k / 3:g}"
        if self.guard_band:
            how += f", guard band {self.guard_band:.0%} of the half-width"
        shown = self.frame[["measurement", "unit", "n", "mean", "std", "lsl", "usl",
                            "low", "high", "cpk_current"]]  # fmt: skip
        return f"Limits from {how}:\n{shown.to_string(index=False)}"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        how = f"mean ± {self.k:g}σ" if self.method == "k_sigma" else f"target Cpk {self.k / 3:g}"
        rests = int(self.frame["n"].sum()) if len(self.frame) else 0
        return (
            f"<p>Limits from {html.escape(how)}, resting on {rests} stored values "
            f"(<code>.data()</code> lists them).</p>" + self.frame.to_html(index=False)
        )


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _combine(stats: pd.DataFrame) -> pd.DataFrame:
    """Merge the capability groups of a measurement (one per set of limits) with Chan's formula."""
    columns = ["measurement", "unit", "n", "mean", "std", "min", "max", "lsl", "usl", "n_fail"]
    stats = stats[stats["n"] > 0].copy()
    if stats.empty:
        return pd.DataFrame(columns=columns)
    # one vectorised pass, not a Python loop per measurement: a store has hundreds
    keys = ["measurement", "unit"]
    stats["unit"] = stats["unit"].astype(object).where(stats["unit"].notna(), "")
    n = stats["n"].astype("float64")
    stats["weighted"] = n * stats["mean"]
    grouped = stats.groupby(keys, sort=False)
    total = grouped["n"].transform("sum").astype("float64")
    mean = grouped["weighted"].transform("sum") / total
    stats["spread"] = stats["m2"].clip(lower=0) + n * (stats["mean"] - mean) ** 2
    # the limits most of the values were held to
    main = stats.loc[stats.sort_values("n", ascending=False, kind="stable")
                     .drop_duplicates(keys).index, [*keys, "lsl", "usl"]]  # fmt: skip
    merged = grouped.agg(
        n=("n", "sum"),
        weighted=("weighted", "sum"),
        spread=("spread", "sum"),
        min=("min", "min"),
        max=("max", "max"),
        n_fail=("n_fail", "sum"),
    ).reset_index()
    merged = merged.merge(main, on=keys, how="left")
    count = merged["n"].astype("float64")
    merged["mean"] = merged["weighted"] / count
    merged["std"] = np.sqrt(merged["spread"] / (count - 1)).where(count >= 2)
    merged["unit"] = merged["unit"].mask(merged["unit"] == "", None)
    merged["n"] = merged["n"].astype(int)
    merged["n_fail"] = merged["n_fail"].astype(int)
    return merged[columns].reset_index(drop=True)


def _cpk(mean: pd.Series, std: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    sigma = std.where(std > 0)
    upper = (high - mean) / (3 * sigma)
    lower = (mean - low) / (3 * sigma)
    return pd.Series(np.fmin(upper, lower), index=mean.index, dtype="float64")


def suggest_limits(
    history: History,
    measurement: str | Sequence[str] | None,
    *,
    k: float | None,
    cpk: float | None,
    guard_band: float,
    attempts: Attempts,
    filters: dict[str, Any],
) -> LimitSuggestion:
    """See `hardlab.views.History.suggest_limits`."""
    if cpk is not None and k is not None:
        msg = "give k (mean ± k·σ) or cpk (a target Cpk), not both"
        raise ValueError(msg)
    if cpk is not None and cpk <= 0:
        msg = f"cpk={cpk!r}: a target Cpk is positive"
        raise ValueError(msg)
    half_width = 3.0 * cpk if cpk is not None else (3.0 if k is None else float(k))
    if half_width <= 0:
        msg = f"k={k!r}: the half-width in σ is positive"
        raise ValueError(msg)
    if guard_band < 0:
        msg = f"guard_band={guard_band!r}: a margin is zero or more"
        raise ValueError(msg)
    rows = history.source.capability(
        filters, measurement=measurement, by=(), attempts=attempts, method="auto"
    )
    frame = _combine(rows_frame(rows))
    half = half_width * frame["std"] * (1.0 + guard_band)
    frame["low"] = (frame["mean"] - half).astype("float64")
    frame["high"] = (frame["mean"] + half).astype("float64")
    frame["cpk_current"] = _cpk(frame["mean"], frame["std"], frame["lsl"], frame["usl"])
    frame["cpk_proposed"] = _cpk(frame["mean"], frame["std"], frame["low"], frame["high"])
    return LimitSuggestion(
        frame=frame,
        method="cpk" if cpk is not None else "k_sigma",
        k=half_width,
        guard_band=guard_band,
        filters=dict(filters),
        _history=history,
        attempts=attempts,
    )


@dataclass(frozen=True)
class WhatIf:
    """Stored runs re-evaluated with new limits: first-pass yield before and after.

    Attributes:
        limits: The new limits, ``{measurement: (low, high)}``.
        units: How many units count (see the counting rules of `History`).
        first_pass_before: Units whose first counted run passed, as stored.
        first_pass_after: Those that would pass with the new limits.
        flips: The units whose first-pass verdict would change, one row
            each: ``part_number``, ``serial_number``, ``stand``, ``run_id``
            (their first counted run), ``first_started``, ``first_status``,
            ``passed_before``, ``passed_after`` (booleans).
    """

    limits: dict[str, tuple[float | None, float | None]]
    units: int
    first_pass_before: int
    first_pass_after: int
    flips: pd.DataFrame

    @property
    def first_pass_yield_before(self) -> float:
        """First-pass yield as stored (NaN without units)."""
        return self.first_pass_before / self.units if self.units else float("nan")

    @property
    def first_pass_yield_after(self) -> float:
        """First-pass yield with the new limits."""
        return self.first_pass_after / self.units if self.units else float("nan")

    @property
    def newly_failing(self) -> pd.DataFrame:
        """Units that passed first time and would fail."""
        return self.flips[self.flips["passed_before"]].reset_index(drop=True)

    @property
    def newly_passing(self) -> pd.DataFrame:
        """Units that failed first time and would pass."""
        return self.flips[~self.flips["passed_before"]].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row: ``units``, ``first_pass_before``, ``first_pass_after``, the two yields,
        ``newly_failing`` and ``newly_passing``."""  # noqa: D205, D209
        return pd.DataFrame(
            [{
                "units": self.units,
                "first_pass_before": self.first_pass_before,
                "first_pass_after": self.first_pass_after,
                "first_pass_yield_before": self.first_pass_yield_before,
                "first_pass_yield_after": self.first_pass_yield_after,
                "newly_failing": len(self.newly_failing),
                "newly_passing": len(self.newly_passing),
            }]
        )  # fmt: skip

    def text(self) -> str:
        """A few lines: the yields and the units that flip."""
        lines = [
            f"{self.units} units; first-pass yield {self.first_pass_yield_before:.2%} "
            f"-> {self.first_pass_yield_after:.2%}",
        ]
        for title, frame in (("would fail", self.newly_failing),
                             ("would pass", self.newly_passing)):  # fmt: skip
            if len(frame):
                serials = ", ".join(str(s) for s in frame["serial_number"].fillna("(no serial)"))
                lines.append(f"{len(frame)} {title}: {serials}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return (
            f"<pre>{html.escape(self.text())}</pre>"
            + self.summary().to_html(index=False)
            + (self.flips.to_html(index=False) if len(self.flips) else "")
        )


def what_if(history: History, limits: LimitsLike, filters: dict[str, Any]) -> WhatIf:
    """See `hardlab.views.History.what_if`."""
    source = history.source
    ask = getattr(source, "what_if", None)
    if ask is None:
        msg = f"{type(source).__name__} cannot re-evaluate runs (it has no what_if)"
        raise TypeError(msg)
    chosen = {str(name): (low, high) for name, (low, high) in limits.items()}
    frame = rows_frame(ask(filters, chosen))
    totals = frame.iloc[-1]
    flips = frame.iloc[:-1].drop(columns="units")
    flips = flips.sort_values(["part_number", "serial_number"], na_position="last")
    for column in ("passed_before", "passed_after"):
        flips[column] = flips[column].astype(bool)
    return WhatIf(
        limits=chosen,
        units=int(totals["units"]),
        first_pass_before=int(totals["passed_before"]),
        first_pass_after=int(totals["passed_after"]),
        flips=flips.reset_index(drop=True),
    )
