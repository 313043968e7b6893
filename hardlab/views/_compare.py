"""Two runs side by side: cases, measurements, deltas, changed verdicts, added/removed cases."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hardlab._format import format_value
from hardlab.model.measurement import NumericMeasurementRecord

if TYPE_CHECKING:
    import pandas as pd

    from hardlab.model.report import ResultRunStore

__all__ = ["CaseChange", "Comparison", "MeasurementChange", "compare_reports", "golden_run_id"]


@dataclass(frozen=True)
class CaseChange:
    """One case in either run: its status in each (None where the run lacks it)."""

    case: str
    """``module::case``."""
    name: str
    status_base: str | None
    status_new: str | None

    @property
    def change(self) -> str:
        """``added``, ``removed``, ``changed`` (status) or ``same``."""
        if self.status_base is None:
            return "added"
        if self.status_new is None:
            return "removed"
        return "same" if self.status_base == self.status_new else "changed"


@dataclass(frozen=True)
class MeasurementChange:
    """One measurement in either run, side by side."""

    case: str
    measurement: str
    unit: str | None
    base: float | str | None
    new: float | str | None
    verdict_base: bool | None
    verdict_new: bool | None
    present_base: bool = True
    present_new: bool = True

    @property
    def delta(self) -> float | None:
        """New - base, for numbers in both runs."""
        if isinstance(self.base, (int, float)) and isinstance(self.new, (int, float)):
            return float(self.new) - float(self.base)
        return None

    @property
    def relative(self) -> float | None:
        """(new - base) / |base|; None when base is zero or a value is not a number."""
        delta = self.delta
        if delta is None or not self.base:
            return None
        return delta / abs(float(self.base))

    @property
    def verdict_changed(self) -> bool:
        """Whether the verdict differs (a measurement in one run only counts as changed)."""
        return not (self.present_base and self.present_new) or self.verdict_base != self.verdict_new


def _verdict(value: bool | None) -> str:
    return {True: "pass", False: "fail"}.get(value, "-") if value is not None else "-"


@dataclass(frozen=True)
class Comparison:
    """Two runs compared: `base` (the reference) and `new`; deltas are new - base.

    ``str(comparison)`` (or `text`) is the terminal rendering ``hardlab diff``
    prints; `frame` and `cases_frame` are pandas DataFrames (``hardlab[analytics]``).
    """

    base: str
    """The reference run (its id, or a label)."""
    new: str
    status_base: str
    status_new: str
    cases: tuple[CaseChange, ...] = ()
    measurements: tuple[MeasurementChange, ...] = ()
    serial_base: str | None = None
    serial_new: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def added(self) -> list[str]:
        """Cases only the new run has."""
        return [c.case for c in self.cases if c.change == "added"]

    @property
    def removed(self) -> list[str]:
        """Cases only the base run has."""
        return [c.case for c in self.cases if c.change == "removed"]

    @property
    def changed(self) -> list[CaseChange]:
        """Cases in both runs whose status changed."""
        return [c for c in self.cases if c.change == "changed"]

    @property
    def verdicts_changed(self) -> list[MeasurementChange]:
        """Measurements whose verdict changed (or that one run lacks)."""
        return [m for m in self.measurements if m.verdict_changed]

    @property
    def same(self) -> bool:
        """Whether nothing but the values moved: same statuses, cases and verdicts."""
        return not (self.added or self.removed or self.changed or self.verdicts_changed) and (
            self.status_base == self.status_new
        )

    def frame(self) -> pd.DataFrame:
        """Measurements side by side: ``case``, ``measurement``, ``unit``, ``base``, ``new``,
        ``delta``, ``relative_delta``, ``verdict_base``, ``verdict_new``, ``verdict_changed``.

        ``base`` and ``new`` are numbers (float64) when both runs measured
        numbers, else objects.
        """  # noqa: D205
        import pandas as pd

        rows = [
            {
                "case": m.case,
                "measurement": m.measurement,
                "unit": m.unit,
                "base": m.base,
                "new": m.new,
                "delta": m.delta,
                "relative_delta": m.relative,
                "verdict_base": m.verdict_base,
                "verdict_new": m.verdict_new,
                "verdict_changed": m.verdict_changed,
            }
            for m in self.measurements
        ]
        frame = pd.DataFrame(
            rows,
            columns=["case", "measurement", "unit", "base", "new", "delta", "relative_delta",
                     "verdict_base", "verdict_new", "verdict_changed"],
        )  # fmt: skip
        for column in ("delta", "relative_delta"):
            frame[column] = frame[column].astype("float64")
        for column in ("verdict_base", "verdict_new"):
            frame[column] = frame[column].astype("boolean")
        frame["verdict_changed"] = frame["verdict_changed"].astype(bool)
        return frame

    def cases_frame(self) -> pd.DataFrame:
        """Cases side by side: ``case``, ``name``, ``status_base``, ``status_new``, ``change``."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"case": c.case, "name": c.name, "status_base": c.status_base,
                 "status_new": c.status_new, "change": c.change}
                for c in self.cases
            ],
            columns=["case", "name", "status_base", "status_new", "change"],
        )  # fmt: skip

    def text(self) -> str:
        """The comparison as lines of text (what ``hardlab diff`` prints)."""
        lines = [
            f"base {self.base}: {self.status_base}"
            + (f" (DUT {self.serial_base})" if self.serial_base else ""),
            f"new  {self.new}: {self.status_new}"
            + (f" (DUT {self.serial_new})" if self.serial_new else ""),
        ]
        for title, items in (("Cases added", self.added), ("Cases removed", self.removed)):
            if items:
                lines += ["", f"{title}:", *(f"  {item}" for item in items)]
        if self.changed:
            lines += ["", "Case status changed:"]
            lines += [f"  {c.case}: {c.status_base} -> {c.status_new}" for c in self.changed]
        if self.measurements:
            lines += ["", "Measurements (new - base):"]
            width = max(len(f"{m.case} {m.measurement}") for m in self.measurements)
            for m in self.measurements:
                label = f"{m.case} {m.measurement}".ljust(width)
                base = format_value(m.base, m.unit) if m.present_base else "(absent)"
                new = format_value(m.new, m.unit) if m.present_new else "(absent)"
                delta = ""
                if m.delta is not None:
                    delta = f"  Δ {m.delta:+.6g}"
                    if m.relative is not None and math.isfinite(m.relative):
                        delta += f" ({m.relative:+.2%})"
                verdict = ""
                if m.verdict_changed:
                    verdict = f"  verdict {_verdict(m.verdict_base)} -> {_verdict(m.verdict_new)}"
                lines.append(f"  {label}  {base} -> {new}{delta}{verdict}")
        if self.same:
            lines += ["", "Same cases, statuses and verdicts."]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text())}</pre>"


def _measurements(report: ResultRunStore) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for module_id, module in report.modules.items():
        for case_id, case in module.cases.items():
            for index, measurement in enumerate(case.measurements):
                name = measurement.name or f"#{index + 1}"
                found.setdefault((f"{module_id}::{case_id}", name), measurement)
    return found


def _cases(report: ResultRunStore) -> dict[str, tuple[str, str]]:
    return {
        f"{module_id}::{case_id}": (case.name or case_id, case.status.value)
        for module_id, module in report.modules.items()
        for case_id, case in module.cases.items()
    }


def compare_reports(
    base: ResultRunStore, new: ResultRunStore, *, base_label: str = "base", new_label: str = "new"
) -> Comparison:
    """Compare two reports: `new` against the reference `base` (deltas are new - base).

    Cases are matched by module and case id; measurements by case and name
    (an unnamed one by its position). Cases keep the base run's order, the
    new run's own cases follow.
    """
    base_cases, new_cases = _cases(base), _cases(new)
    cases = [
        CaseChange(key, (base_cases.get(key) or new_cases[key])[0],
                   base_cases[key][1] if key in base_cases else None,
                   new_cases[key][1] if key in new_cases else None)
        for key in [*base_cases, *(k for k in new_cases if k not in base_cases)]
    ]  # fmt: skip
    base_values, new_values = _measurements(base), _measurements(new)
    measurements = []
    for key in [*base_values, *(k for k in new_values if k not in base_values)]:
        one, other = base_values.get(key), new_values.get(key)
        either = one if one is not None else other
        unit = either.unit if isinstance(either, NumericMeasurementRecord) else None
        measurements.append(
            MeasurementChange(
                case=key[0],
                measurement=key[1],
                unit=unit,
                base=one.value if one is not None else None,
                new=other.value if other is not None else None,
                verdict_base=one.result if one is not None else None,
                verdict_new=other.result if other is not None else None,
                present_base=one is not None,
                present_new=other is not None,
            )
        )
    return Comparison(
        base=base_label,
        new=new_label,
        status_base=base.status.value,
        status_new=new.status.value,
        cases=tuple(cases),
        measurements=tuple(measurements),
        serial_base=base.dut.serial_number,
        serial_new=new.dut.serial_number,
    )


def golden_run_id(source: Any, serial_number: str, run_filter: dict[str, Any] | None = None) -> str:
    """The id of the newest passing run of the unit `serial_number` in `source` (a store).

    Raises:
        StorageError: If the unit has no passing run.
    """
    chosen = {**(run_filter or {}), "serial_number": serial_number, "status": "passed"}
    rows = source.runs(chosen, limit=1)
    if not rows.records:
        from hardlab.errors import StorageError

        msg = f"no passing run of unit {serial_number!r} to compare with"
        raise StorageError(msg)
    return str(rows.records[0][list(rows.columns).index("id")])
