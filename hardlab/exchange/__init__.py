"""Reports in and out of hardlab: HardPy's JSON report files (more formats to come)."""

from __future__ import annotations

from hardlab.exchange.json_loader import JsonLoader, read_json_report

__all__ = ["JsonLoader", "read_json_report"]
