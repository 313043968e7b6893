"""What the export formats share: stored attempts with their times, measurement keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hardlab.model.measurement import MeasurementRecord
from hardlab.model.report import CaseRunStore

__all__ = ["CaseAttempt", "final_times", "measurement_keys", "ms"]


@dataclass(frozen=True)
class CaseAttempt:
    """One stored attempt of a case, with its times in milliseconds.

    The exports take these from the store (`hardlab.storage.Store.attempts`):
    earlier attempts are shown beside the final one, and the final attempts
    give cases their times to the millisecond (the report has whole seconds).

    Attributes:
        module_id: The case's module.
        case_id: The case.
        attempt: Its number (1 for the first).
        case: The case as it was at the end of this attempt.
        final: Whether this is the attempt the report shows.
        started_ms: When it started (Unix milliseconds), if known.
        stopped_ms: When it stopped, if known.
    """

    module_id: str
    case_id: str
    attempt: int
    case: CaseRunStore
    final: bool = False
    started_ms: int | None = None
    stopped_ms: int | None = None


def ms(seconds: int | None) -> int | None:
    """Unix seconds as milliseconds (None stays None)."""
    return None if seconds is None else int(seconds) * 1000


def final_times(
    attempts: Iterable[CaseAttempt],
) -> tuple[dict[tuple[str, str], CaseAttempt], dict[tuple[str, str], list[CaseAttempt]]]:
    """The final attempt of each ``(module_id, case_id)``, and the earlier ones, oldest first."""
    final: dict[tuple[str, str], CaseAttempt] = {}
    earlier: dict[tuple[str, str], list[CaseAttempt]] = {}
    for attempt in attempts:
        key = (attempt.module_id, attempt.case_id)
        if attempt.final:
            final[key] = attempt
        else:
            earlier.setdefault(key, []).append(attempt)
    for found in earlier.values():
        found.sort(key=lambda a: a.attempt)
    return final, earlier


def measurement_keys(measurements: Sequence[MeasurementRecord]) -> list[str]:
    """A unique name per measurement of a case: its own, ``measurement_<n>`` if it has none.

    HardPy allows unnamed measurements and repeated names in one case;
    formats that key measurements by name (OpenHTF, JUnit properties) need
    them unique, so a repeated name gets ``_2``, ``_3``, ...
    """
    keys: list[str] = []
    seen: set[str] = set()
    for index, meas in enumerate(measurements):
        base = meas.name or f"measurement_{index}"
        key, n = base, 2
        while key in seen:
            key, n = f"{base}_{n}", n + 1
        seen.add(key)
        keys.append(key)
    return keys
