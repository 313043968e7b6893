"""pytester sessions with hardlab on, and the HardPy JSON report each one leaves."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest


class Session:
    """Runs pytester sessions with hardlab on and reads the report they leave."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.reports = pytester.path / "_reports"

    def files(self, **files: str) -> None:
        for name, text in files.items():
            path = self.pytester.path / (name if "." in name else f"{name}.py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def run(self, *args: str, flag: str | None = "--hardlab") -> pytest.RunResult:
        for old in self.reports.glob("*.json"):
            old.unlink()
        extra = [flag] if flag else []
        return self.pytester.runpytest(
            *extra,
            f"--hardlab-report-dir={self.reports}",
            "--hardlab-attempt-delay=0",
            "-p",
            "no:cacheprovider",
            *args,
        )

    def report(self) -> dict[str, Any]:
        files = list(self.reports.glob("*.json"))
        assert len(files) == 1, files
        data: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
        return data

    def case(self, module: str, case: str) -> dict[str, Any]:
        found: dict[str, Any] = self.report()["modules"][module]["cases"][case]
        return found

    def statuses(self) -> dict[str, str]:
        return {
            f"{m}::{c}": case["status"]
            for m, module in self.report()["modules"].items()
            for c, case in module["cases"].items()
        }
