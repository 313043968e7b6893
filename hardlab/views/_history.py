"""`History`: the store's runs, cases, measurements and analytics as pandas DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

import numpy as np
import pandas as pd

from hardlab.model.scpi import SCPI_KEY, scpi_entries
from hardlab.views._frames import RowsLike, rows_frame

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from hardlab.views._compare import Comparison
    from hardlab.views._limits import LimitSuggestion, WhatIf
    from hardlab.views._trend import TrendFigure

__all__ = ["FILTERS", "History", "HistoryFilters", "HistorySource"]

Attempts = Literal["final", "all"]
CapabilityMethod = Literal["auto", "daily", "raw"]

YIELD_BY = ("part_number", "stand", "day")


class HistoryFilters(TypedDict, total=False):
    """The keyword arguments every `History` method takes to choose runs (all in SQL).

    Each accepts one value or a list of values; None (the default) does not filter.
    """

    part_number: str | Sequence[str] | None
    """DUT part number(s)."""
    serial_number: str | Sequence[str] | None
    """DUT serial number(s)."""
    stand: str | Sequence[str] | None
    """Test stand name(s)."""
    status: str | Sequence[str] | None
    """Run status(es): ``passed``, ``failed``, ``stopped``, ``interrupted``, ``error``, ``run``."""
    since: datetime | date | str | None
    """Runs started at or after this time (datetime, date or ISO text; UTC if naive)."""
    until: datetime | date | str | None
    """Runs started before this time."""
    name: str | Sequence[str] | None
    """Test (plan) name(s)."""


FILTERS = frozenset(HistoryFilters.__annotations__)
"""The names of the filter keyword arguments."""


class HistorySource(Protocol):
    """Where `History` gets its rows: `hardlab.storage.Store` is one.

    Each method runs one query and returns its rows; filters are passed as a
    mapping of `HistoryFilters` names to values.
    """

    def runs(
        self, run_filter: Mapping[str, Any] | None = ..., *, limit: int | None = ...
    ) -> RowsLike:
        """Runs, newest first."""
        ...

    def cases(
        self,
        run_filter: Mapping[str, Any] | None = ...,
        *,
        case: str | Sequence[str] | None = ...,
        attempts: Attempts = ...,
        limit: int | None = ...,
    ) -> RowsLike:
        """Case attempts, in run and plan order."""
        ...

    def measurements(
        self,
        run_filter: Mapping[str, Any] | None = ...,
        *,
        measurement: str | Sequence[str] | None = ...,
        case: str | Sequence[str] | None = ...,
        attempts: Attempts = ...,
        numeric: bool = ...,
        limit: int | None = ...,
    ) -> RowsLike:
        """Measurements, in run and plan order."""
        ...

    def get_report(self, run_id: str) -> Any:
        """One stored run's report document (a `hardlab.model.ResultRunStore`)."""
        ...

    def units(self, run_filter: Mapping[str, Any] | None = ...) -> RowsLike:
        """Units with a serial number, most retested first."""
        ...

    def yields(
        self,
        run_filter: Mapping[str, Any] | None = ...,
        *,
        by: Sequence[str] = ...,
        final: bool = ...,
    ) -> RowsLike:
        """First-pass yield (and with `final`, final yield, runs and retests) per group."""
        ...

    def case_failures(self, run_filter: Mapping[str, Any] | None = ...) -> RowsLike:
        """Failure pareto by case."""
        ...

    def error_code_failures(self, run_filter: Mapping[str, Any] | None = ...) -> RowsLike:
        """Failure pareto by error code."""
        ...

    def capability(
        self,
        run_filter: Mapping[str, Any] | None = ...,
        *,
        measurement: str | Sequence[str] | None = ...,
        by: Sequence[str] = ...,
        attempts: Attempts = ...,
        method: CapabilityMethod = ...,
    ) -> RowsLike:
        """n, mean, M2 (sum of squared deviations), min, max, passes, fails per measurement."""
        ...

    def close(self) -> None:
        """Release the source's resources."""
        ...


_RUN_RENAMES = {
    "id": "run_id",
    "dut_serial_number": "serial_number",
    "dut_part_number": "part_number",
    "stand_name": "stand",
}
_EPS = float(np.finfo(float).eps)


def _by(by: str | Sequence[str]) -> tuple[str, ...]:
    return (by,) if isinstance(by, str) else tuple(by)


def _filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(filters) - FILTERS)
    if unknown:
        msg = (
            f"unknown filter {', '.join(map(repr, unknown))}; "
            f"History methods filter by {', '.join(sorted(FILTERS))}"
        )
        raise TypeError(msg)
    return {key: value for key, value in filters.items() if value is not None}


class History:
    """Every stored run, as pandas DataFrames; the questions are answered in SQL.

    Get one with `hardlab.history()`. Each method takes the same filter
    keywords (`HistoryFilters`): ``part_number``, ``serial_number``,
    ``stand``, ``status``, ``since``, ``until`` and ``name`` (the test
    name), each one value or a list; the filtering happens in the database.

    Frames have real dtypes: times are ``datetime64[ns, UTC]``, statuses a
    categorical of every status, values ``float64``, counts and codes
    nullable ``Int64``, pass/fail results nullable ``boolean``.

    **Counting rules** (yields, retests, failure paretos):

    * A *unit* is a part number and a serial number. A run without a serial
      number is a unit of its own.
    * Runs that were aborted (status ``stopped`` or ``interrupted``), whose
      plan could not run (``error``: a collection error, or a selection that
      left no case; the report says ``failed``, as HardPy's does, and the
      store keeps why) or have not ended (``run``, ``ready``) do not count.
      Every other run counts, and only ``passed`` is a pass.
    * A unit's *cohort* is the part number, stand and UTC day of its first
      counted run; yields group units by cohort.
    * **First-pass yield** of a group = units whose first counted run passed
      / units in the group. **Final yield** = units whose latest counted run
      passed / units. **Retests** of a unit = its counted runs - 1.
    * The ``part_number``, ``serial_number``, ``status`` and ``name`` filters
      choose which runs count; ``stand``, ``since`` and ``until`` choose
      units by cohort. So a filtered answer is the matching row of the
      grouped one: ``first_pass_yield(stand="A", since=d, until=d + 1 day)``
      equals the ``("A", d)`` row of ``first_pass_yield(by=("stand", "day"))``.
      A unit that goes through several test plans is one unit across them;
      filter by ``name`` to get one plan's yield.
    * Failure paretos count counted runs: by case, the runs in which the
      case's final attempt failed; by error code, the failed runs.

    **Capability** (`capability`, `trend`) uses the numeric measurements of
    every run that has ended, aborted ones included (their finished cases
    measured real parts); a run still going joins when it ends.

    Args:
        source: Where the rows come from (a `hardlab.storage.Store`).

    Example:
        ```python
        history = hardlab.history()
        history.first_pass_yield(by=("part_number", "day"), since="2026-11-01")
        history.capability(part_number="PB-100")
        history.trend("output voltage", stand="stand-2")
        ```
    """

    def __init__(self, source: HistorySource) -> None:
        self._source = source

    @property
    def source(self) -> HistorySource:
        """Where the rows come from."""
        return self._source

    def __repr__(self) -> str:
        return f"History({self._source!r})"

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the source's database connections."""
        self._source.close()

    # ------------------------------------------------------------------ records

    def runs(self, *, limit: int | None = None, **filters: Unpack[HistoryFilters]) -> pd.DataFrame:
        """Runs, newest first: one row per run, without its report document.

        Columns: ``run_id``, ``name``, ``status``, ``started_at``,
        ``stopped_at``, ``duration_s``, ``serial_number``, ``part_number``,
        ``dut_name``, ``dut_revision``, ``batch_serial_number``,
        ``user_name``, ``stand``, ``stand_location``, ``process_name``,
        ``error_code``, ``caused_dut_failure_id``, ``cases_passed``,
        ``cases_failed``, ``cases_skipped``, ``source``.

        Args:
            limit: At most this many (the newest).
            **filters: Which runs (see `HistoryFilters`).
        """
        rows = self._source.runs(_filters(filters), limit=limit)
        return rows_frame(rows, _RUN_RENAMES)

    def cases(
        self,
        *,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        limit: int | None = None,
        **filters: Unpack[HistoryFilters],
    ) -> pd.DataFrame:
        """Case attempts, one row each, in run and plan order.

        Columns: ``run_id``, ``run_started_at``, ``part_number``,
        ``serial_number``, ``stand``, ``run_status``, ``module_id``,
        ``module_name``, ``case_id``, ``case_name``, ``group``,
        ``position``, ``attempt``, ``final``, ``status``, ``started_at``,
        ``stopped_at``, ``duration_ms``, ``assertion_msg``.

        Args:
            case: Only these cases (case ids or names).
            attempts: ``all`` (default) for every attempt, ``final`` for
                those the reports show.
            limit: At most this many rows.
            **filters: Which runs (see `HistoryFilters`).
        """
        rows = self._source.cases(_filters(filters), case=case, attempts=attempts, limit=limit)
        return rows_frame(rows)

    def measurements(
        self,
        *,
        measurement: str | Sequence[str] | None = None,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        numeric: bool = False,
        limit: int | None = None,
        **filters: Unpack[HistoryFilters],
    ) -> pd.DataFrame:
        """Measurements, one row each, in run and plan order.

        Columns: ``run_id``, ``run_started_at``, ``part_number``,
        ``serial_number``, ``stand``, ``run_status``, ``module_id``,
        ``case_id``, ``case_name``, ``attempt``, ``final``,
        ``case_status``, ``position``, ``kind``, ``measurement`` (its name),
        ``value`` (numeric), ``value_str`` (string measurements), ``unit``,
        ``operation``, ``comparison_value``, ``comparison_str``,
        ``lower_limit``, ``upper_limit``, ``spec_lower``, ``spec_upper``
        (the specification limits the operation implies) and ``result``.

        Args:
            measurement: Only measurements with these names.
            case: Only measurements of these cases (case ids or names).
            attempts: ``all`` (default) or ``final``.
            numeric: Only numeric measurements with a value.
            limit: At most this many rows.
            **filters: Which runs (see `HistoryFilters`).
        """
        rows = self._source.measurements(
            _filters(filters),
            measurement=measurement,
            case=case,
            attempts=attempts,
            numeric=numeric,
            limit=limit,
        )
        return rows_frame(rows)

    def scpi(
        self,
        *,
        instrument: str | Sequence[str] | None = None,
        limit: int | None = None,
        **filters: Unpack[HistoryFilters],
    ) -> pd.DataFrame:
        """Instrument exchanges of the matching runs (the ``scpi`` artifacts), in order.

        Read from each run's report: every case's artifact ``scpi`` and the
        run's own (``case_id`` empty: traffic outside a case), as
        `hardlab.instruments` keeps them.

        Columns: ``run_id``, ``serial_number``, ``module_id``, ``case_id``,
        ``instrument``, ``op``, ``command``, ``answer``, ``time`` (UTC),
        ``ms`` (duration) and ``error``.

        Args:
            instrument: Only these instruments (their names in hardpy.toml).
            limit: At most this many runs (the newest).
            **filters: Which runs (see `HistoryFilters`).
        """
        wanted = {instrument} if isinstance(instrument, str) else set(instrument or ())
        runs = self.runs(limit=limit, **filters)
        rows: list[dict[str, Any]] = []
        for run_id, serial in zip(runs["run_id"], runs["serial_number"], strict=True):
            report = self._source.get_report(str(run_id))
            logs = [("", "", report.artifact)]
            for module_id, module in report.modules.items():
                logs += [(module_id, case_id, c.artifact) for case_id, c in module.cases.items()]
            for module_id, case_id, artifact in logs:
                value = artifact.get(SCPI_KEY) if isinstance(artifact, Mapping) else None
                for entry in scpi_entries(value):
                    if wanted and entry["instrument"] not in wanted:
                        continue
                    rows.append({
                        "run_id": run_id, "serial_number": serial, "module_id": module_id,
                        "case_id": case_id, **entry,
                    })  # fmt: skip
        columns = ["run_id", "serial_number", "module_id", "case_id", "instrument", "op",
                   "command", "answer", "time", "ms", "error"]  # fmt: skip
        frame = pd.DataFrame(rows, columns=columns)
        frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
        frame["ms"] = frame["ms"].astype("float64")
        return frame

    # ------------------------------------------------------------------ yields

    def yields(
        self, *, by: Sequence[str] = YIELD_BY, **filters: Unpack[HistoryFilters]
    ) -> pd.DataFrame:
        """First-pass and final yield per cohort group (see the counting rules above).

        Columns: the `by` names, ``units``, ``first_pass`` and
        ``final_pass`` (units that passed first time / in the end), ``runs``
        and ``retests`` (counted runs of those units, and runs beyond their
        first), ``first_pass_yield``, ``final_yield``. ``day`` is the UTC
        midnight of the cohort day.

        Args:
            by: Any of ``part_number``, ``stand``, ``day`` (all three by
                default), and ``slot`` (the stand slot of a unit's first
                counted run, see `slot_yields`); ``()`` for one row over everything.
            **filters: Which runs count and which cohorts (see the rules above).

        Raises:
            ValueError: If `by` names anything else.
        """
        return rows_frame(self._source.yields(_filters(filters), by=_by(by)))

    def slot_yields(self, **filters: Unpack[HistoryFilters]) -> pd.DataFrame:
        """Yields per stand and slot (``hardlab run --slots``): a bad socket in a fixture shows up.

        ``yields(by=("stand", "slot"), **filters)``: a unit counts for the
        stand and slot of its first counted run; runs of one-board stands
        have no slot (``<NA>``).
        """
        return self.yields(by=("stand", "slot"), **filters)

    def first_pass_yield(
        self, *, by: Sequence[str] = YIELD_BY, **filters: Unpack[HistoryFilters]
    ) -> pd.DataFrame:
        """First-pass yield per cohort group: the `by` names, ``units``, ``first_pass``, ``first_pass_yield``.

        A unit passes first time when its first counted run passed; see
        `yields` for the arguments and the counting rules above.
        """  # noqa: E501
        # the first run of each unit is all it takes: the database answers
        # without gathering each unit's whole history
        rows = self._source.yields(_filters(filters), by=_by(by), final=False)
        return rows_frame(rows)

    def final_yield(
        self, *, by: Sequence[str] = YIELD_BY, **filters: Unpack[HistoryFilters]
    ) -> pd.DataFrame:
        """Final yield per cohort group: the `by` names, ``units``, ``final_pass``, ``final_yield``.

        A unit passes in the end when its latest counted run passed; see
        `yields` for the arguments and the counting rules above.
        """
        groups = list(_by(by))
        frame = self.yields(by=groups, **filters)
        return frame[[*groups, "units", "final_pass", "final_yield"]]

    def retests(self, **filters: Unpack[HistoryFilters]) -> pd.DataFrame:
        """Units with a serial number and how often they were retested, most first.

        Columns: ``part_number``, ``serial_number``, ``stand`` and ``day``
        (the cohort), ``first_started``, ``last_started``, ``first_status``,
        ``final_status``, ``runs`` (counted runs), ``retests`` (runs - 1).

        Args:
            **filters: Which runs count and which cohorts (see the rules above).
        """
        return rows_frame(self._source.units(_filters(filters)))

    # ------------------------------------------------------------------ failures

    def failure_pareto(
        self, *, by: Literal["case", "error_code"] = "case", **filters: Unpack[HistoryFilters]
    ) -> pd.DataFrame:
        """What fails most: counted runs per failing case, or failed runs per error code.

        By ``case``: ``module_id``, ``case_id``, ``module_name``,
        ``case_name``, ``failures`` (counted runs in which its final attempt
        failed), ``share`` (of all case failures) and ``cumulative_share``,
        most failures first.

        By ``error_code``: ``error_code`` (missing for failures without
        one), ``failures``, ``share``, ``cumulative_share``.

        Args:
            by: ``case`` or ``error_code``.
            **filters: Which runs (see `HistoryFilters`).

        Raises:
            ValueError: If `by` is neither.
        """
        chosen = _filters(filters)
        kind: str = by  # callers without a type checker may pass anything
        if kind == "case":
            return rows_frame(self._source.case_failures(chosen))
        if kind == "error_code":
            return rows_frame(self._source.error_code_failures(chosen))
        msg = f"by={by!r}: use 'case' or 'error_code'"
        raise ValueError(msg)

    # ------------------------------------------------------------------ capability

    def capability(
        self,
        *,
        measurement: str | Sequence[str] | None = None,
        by: Sequence[str] = (),
        attempts: Attempts = "final",
        method: CapabilityMethod = "auto",
        **filters: Unpack[HistoryFilters],
    ) -> pd.DataFrame:
        """Process capability (Cp, Cpk) of each numeric measurement, from its specification limits.

        A measurement is grouped by name, unit and specification limits (a
        changed limit starts a new row), plus the `by` names. The limits
        come from the check: range operations give both, ``ge``/``gt`` a
        lower and ``le``/``lt`` an upper one. With σ the sample standard
        deviation (n - 1) and μ the mean:

        * ``cp`` = (USL - LSL) / 6σ, when both limits exist;
        * ``cpk`` = min((USL - μ) / 3σ, (μ - LSL) / 3σ) over the limits that exist;

        both are missing when n < 2 or σ = 0.

        Counts and sums are aggregated in SQL. With filters on part number,
        stand and whole UTC days only, they come from the per-day statistics
        the store keeps (Welford per day, combined with Chan's formula), so
        the answer reads a few rows per measurement and day whatever the
        number of measurements; other filters aggregate the measurement
        rows themselves (in SQLite, a few seconds per million rows). Runs
        deleted from the store stay in the per-day statistics.

        Columns: the `by` names, ``measurement``, ``unit``, ``lsl``,
        ``usl``, ``n``, ``mean``, ``std``, ``min``, ``max``, ``cp``,
        ``cpk``, ``n_pass``, ``n_fail``.

        Args:
            measurement: Only measurements with these names.
            by: Also group by ``part_number`` and/or ``stand``.
            attempts: ``final`` (default): the attempts the reports show;
                ``all``: every attempt.
            method: ``auto`` (default), or force ``daily``: the statistics
                the store keeps per UTC week (the days at a range's ends that
                do not fill a week from the rows; the name is from when they
                were kept per day), or ``raw`` measurement rows. Both give
                the same numbers.
            **filters: Which runs (see `HistoryFilters`).

        Raises:
            ValueError: For an unknown `by`, `attempts` or `method`, or
                ``method="daily"`` with filters the statistics cannot answer.
        """
        rows = self._source.capability(
            _filters(filters),
            measurement=measurement,
            by=_by(by),
            attempts=attempts,
            method=method,
        )
        return _with_capability(rows_frame(rows))

    def trend(
        self,
        measurement: str,
        *,
        attempts: Attempts = "final",
        limit: int | None = None,
        **filters: Unpack[HistoryFilters],
    ) -> TrendFigure:
        """A measurement's values over time, with its specification limits, as a matplotlib Figure.

        Values are plotted against their run's start time; failed values are
        marked; the lower and upper limits are drawn as steps following
        their history. The figure is made without pyplot (no window opens,
        no backend is needed); in a notebook it shows itself, and
        ``fig.savefig("trend.png")`` saves it.

        Args:
            measurement: The measurement's name.
            attempts: ``final`` (default) or ``all``.
            limit: At most this many values (the oldest).
            **filters: Which runs (see `HistoryFilters`).
        """
        try:
            from hardlab.views._trend import trend_figure
        except ImportError as exc:
            if exc.name == "matplotlib":
                from hardlab.errors import MissingExtraError

                raise MissingExtraError("analytics", "matplotlib") from exc
            raise
        frame = self.measurements(
            measurement=measurement, attempts=attempts, numeric=True, limit=limit, **filters
        )
        return trend_figure(frame, measurement)

    # ------------------------------------------------------------------ comparison and limits

    def golden_run(self, golden: str, **filters: Unpack[HistoryFilters]) -> str:
        """The id of the newest passing run of the unit with serial number `golden`.

        Args:
            golden: The golden unit's serial number.
            **filters: Which runs (see `HistoryFilters`), e.g. its part number.

        Raises:
            StorageError: If the unit has no passing run.
        """
        from hardlab.views._compare import golden_run_id

        return golden_run_id(self._source, golden, _filters(filters))

    def compare(
        self, run_a: str, run_b: str | None = None, *, golden: str | None = None
    ) -> Comparison:
        """Two stored runs side by side: `run_b` against the reference `run_a`.

        Deltas are ``b - a``. With `golden` (a serial number), `run_a` is
        compared with that unit's newest passing run instead (the reference).

        Args:
            run_a: A run id (or a unique prefix).
            run_b: The other run; None with `golden`.
            golden: Compare `run_a` with this unit's newest passing run.

        Returns:
            A `hardlab.views.Comparison` (``str()`` is its text, ``.frame()`` a DataFrame).

        Raises:
            StorageError: If a run is unknown, or the golden unit has no passing run.
            TypeError: If neither or both of `run_b` and `golden` are given.
        """
        from hardlab.views._compare import compare_reports

        if (run_b is None) == (golden is None):
            msg = "compare(run_a, run_b) or compare(run_a, golden=SERIAL)"
            raise TypeError(msg)
        if golden is not None:
            base_id, new_id = self.golden_run(golden), run_a
        else:
            base_id, new_id = run_a, str(run_b)
        base = self._source.get_report(base_id)
        new = self._source.get_report(new_id)
        return compare_reports(base, new, base_label=base_id, new_label=new_id)

    def suggest_limits(
        self,
        measurement: str | Sequence[str] | None = None,
        *,
        k: float | None = None,
        cpk: float | None = None,
        guard_band: float = 0.0,
        attempts: Attempts = "final",
        **filters: Unpack[HistoryFilters],
    ) -> LimitSuggestion:
        """Limits per numeric measurement from its stored values: mean ± k·σ, or a target Cpk.

        The count, mean and σ come from SQL (the same statistics as
        `capability`, merged across the limits a measurement had). The
        proposal is ``mean ± h·σ`` with ``h = k`` (default 3), or ``h = 3 ·
        cpk`` so that the values' Cpk against the proposal is `cpk`;
        ``guard_band`` widens each side by that fraction of ``h·σ`` (room for
        measurement uncertainty and drift).

        Args:
            measurement: Only these measurements (default: every numeric one).
            k: The half-width in σ (default 3).
            cpk: A target Cpk instead of `k`.
            guard_band: Extra margin, a fraction of the half-width (0.1 = 10 %).
            attempts: ``final`` (default) or ``all`` attempts' values.
            **filters: Which runs (see `HistoryFilters`): part number, stand, time...

        Returns:
            A `LimitSuggestion`: ``.frame`` (the proposal and its statistics),
            ``.limits`` (``{name: (low, high)}`` for `what_if`), ``.data()``
            (the values it rests on).

        Raises:
            ValueError: For both `k` and `cpk`, or values that are not positive.
        """
        from hardlab.views._limits import suggest_limits

        return suggest_limits(
            self, measurement, k=k, cpk=cpk, guard_band=guard_band, attempts=attempts,
            filters=_filters(filters),
        )  # fmt: skip

    def what_if(
        self,
        limits: Mapping[str, tuple[float | None, float | None]],
        **filters: Unpack[HistoryFilters],
    ) -> WhatIf:
        """Stored runs re-evaluated with new limits: first-pass yield before and after.

        Each unit's first counted run (the counting rules above) is judged
        again, in SQL: it fails if a final value of a measurement in
        `limits` lies outside its new limits (bounds included); a failed run
        passes if each failed case failed on measurements only and the new
        limits accept every one of them; every other run keeps its verdict.

        Args:
            limits: ``{measurement name: (low, high)}``; None opens a side.
            **filters: Which runs and cohorts (see the counting rules above).

        Returns:
            A `WhatIf`: the yields before and after, ``.flips`` (the units
            whose verdict changes), ``.units`` (how many units count).

        Raises:
            ValueError: If `limits` is empty.
        """
        from hardlab.views._limits import what_if

        return what_if(self, limits, _filters(filters))


def _with_capability(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``std``, ``cp`` and ``cpk`` to n/mean/m2 rows; drop ``m2``."""
    n = frame["n"].astype("float64")
    m2 = frame["m2"].clip(lower=0.0)
    std = np.sqrt(m2 / (n - 1)).where(n >= 2)
    # σ below the rounding of the values is zero: constant values whose mean
    # is not exactly representable leave such a residue
    scale = pd.concat([frame["mean"].abs(), frame["min"].abs(), frame["max"].abs()], axis=1).max(
        axis=1
    )
    std = std.mask(std <= 16 * _EPS * scale, 0.0)
    sigma = std.where(std > 0)
    lsl, usl, mean = frame["lsl"], frame["usl"], frame["mean"]
    cpu = (usl - mean) / (3 * sigma)
    cpl = (mean - lsl) / (3 * sigma)
    frame = frame.drop(columns="m2")
    at = list(frame.columns).index("mean") + 1
    frame.insert(at, "std", std.astype("float64"))
    frame.insert(len(frame.columns) - 2, "cp", ((usl - lsl) / (6 * sigma)).astype("float64"))
    frame.insert(len(frame.columns) - 2, "cpk", np.fmin(cpu, cpl).astype("float64"))
    return frame
