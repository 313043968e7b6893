"""Many stands at once (issue 14): the short version of ``benchmarks/stands.py``.

Three processes x three runs into one SQLite file and, at the same time,
into one PostgreSQL database: every run stored whole, and no "database is
locked" or serialisation error reaches a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_three_stands_write_one_sqlite_file_and_one_postgresql_database_at_once(
    tmp_path: Path, postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the stands' processes import it too
    import stands

    urls = [f"sqlite:///{tmp_path / 'stands.db'}"]
    if isinstance(postgres, str):
        pytest.skip(f"PostgreSQL: {postgres}")
    urls.append(postgres.new_database("hardlab_stands"))
    for url in urls:
        stands.prepare(url)
    results = stands.run_stands(urls, stands=3, runs=3, workdir=tmp_path / "stands")
    for result in results:
        assert result.runs == 9
        assert result.ok, (result.line(), result.problems)
        assert result.stored == 9 and len(result.waits) == 9
        assert "9/9 runs stored" in result.line()
