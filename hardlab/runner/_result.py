"""`RunResult`: what a run left, whichever entry point ran it (in this process or a slot's)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardlab.events import CaseAttempt
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore

if TYPE_CHECKING:
    import pandas as pd

    from hardlab.views import Comparison

__all__ = ["RunResult"]


@dataclass(frozen=True)
class RunResult:
    """What a run left: its status, its report and every attempt of every case.

    Attributes:
        run_id: The run's unique id (a time-ordered UUID).
        status: ``passed``, ``failed`` or ``stopped``.
        report: The final report (HardPy's schema v1).
        exit_code: pytest's exit code (0 passed, 1 failed, 2 stopped, 5 nothing collected).
        attempts: Every attempt of every case, in order; the report shows the last ones.
        errors: Collection errors and failed post-run functions.
        report_path: The HardPy JSON report written for this run, if one was.
        duration: Wall-clock seconds the run took.
        store_url: The database the run was stored in, if it was.
        node_ids: The pytest node id of every collected case, absolute (its
            file's full path), by ``module_id::case_id``: what to pass as a
            target to run just that case (``hardlab.run(result.node_ids[key])``).
            A run with ``args=["--collect-only"]`` collects the plan and runs
            nothing: its report lists every case ``ready``.
        extra: More about the run, for the entry point that made it.
        slot: The stand slot the run occupied (``hardlab run --slots``), or None.
        output: pytest's own terminal output, when it was kept out of the
            notebook: a run in a Jupyter kernel shows the live panel, not
            pytest's session text (``print(result.output)`` shows it); empty
            elsewhere, where pytest writes to the terminal (or ``quiet=True``
            silenced it).
    """

    run_id: uuid.UUID
    status: TestStatus
    report: ResultRunStore
    exit_code: int
    attempts: tuple[CaseAttempt, ...] = ()
    errors: tuple[str, ...] = ()
    report_path: Path | None = None
    duration: float = 0.0
    store_url: str | None = None
    node_ids: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    slot: int | None = None
    output: str = field(default="", repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """Whether the run passed."""
        return self.status == TestStatus.PASSED

    def to_frame(self) -> pd.DataFrame:
        """This run's case attempts and their measurements as a pandas DataFrame.

        One row per attempt and measurement (an attempt without
        measurements gets one row with the measurement columns missing),
        built from `attempts` in memory. Columns: ``run_id``,
        ``module_id``, ``module_name``, ``case_id``, ``case_name``,
        ``attempt``, ``final``, ``status`` (categorical), ``started_at``,
        ``stopped_at`` (UTC), ``duration_ms``, ``assertion_msg``,
        ``measurement`` (its name), ``kind``, ``value`` (numeric),
        ``value_str`` (string measurements), ``unit``, ``operation``,
        ``comparison_value``, ``comparison_str``, ``lower_limit``,
        ``upper_limit``, ``result``.

        Raises:
            MissingExtraError: If pandas is not installed
                (``pip install "hardlab[analytics]"``).
        """
        from hardlab import views

        return views.attempts_frame(self.attempts, run_id=str(self.run_id))

    def report_html(self, *, template: str | PathLike[str] | None = None) -> str:
        """This run's unit report: one self-contained HTML page (see `hardlab.reports`).

        Raises:
            MissingExtraError: If Jinja2 is not installed (``hardlab[report]``).
        """
        from hardlab.reports import render_html

        return render_html(self.report, self.attempts, run_id=str(self.run_id), template=template)

    def _repr_html_(self) -> str:
        # a notebook shows the report, in an iframe so that its style sheet cannot
        # restyle the notebook; without Jinja2 it falls back to the repr
        from hardlab.errors import MissingExtraError
        from hardlab.reports import embed_html

        try:
            return embed_html(self.report_html())
        except MissingExtraError:
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"

    def compare(self, other: RunResult | ResultRunStore) -> Comparison:
        """This run side by side with `other`, the reference: deltas are this - other.

        Returns:
            A `hardlab.views.Comparison` (``print()`` it, or ``.frame()``).
        """
        from hardlab.views import compare_reports

        if isinstance(other, RunResult):
            return compare_reports(
                other.report, self.report, base_label=str(other.run_id), new_label=str(self.run_id)
            )
        return compare_reports(other, self.report, new_label=str(self.run_id))

    def counts(self) -> dict[str, int]:
        """How many cases ended in each status."""
        counts: dict[str, int] = {}
        for module in self.report.modules.values():
            for case in module.cases.values():
                counts[case.status.value] = counts.get(case.status.value, 0) + 1
        return counts

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items()))
        return (
            f"<RunResult {self.report.name!r} {self.status.value} ({counts or 'no cases'}) "
            f"run_id={self.run_id}>"
        )
