"""``hardlab station``: the generated notebook, the port check, the Voilà command line."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from hardlab.cli import main
from hardlab.cli._station import (
    port_in_use,
    station_notebook,
    voila_command,
    write_station_notebook,
)


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    folder = tmp_path / "board plan"
    folder.mkdir()
    (folder / "hardpy.toml").write_text('tests_name = "Board: rev/B"\n[frontend]\nport = 8123\n')
    (folder / "test_a.py").write_text("def test_a():\n    pass\n")
    return folder


def test_the_notebook_shows_the_station_and_nothing_else(plan: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = station_notebook(plan, store="sqlite:////data/runs.db", language="de")
    nbformat.validate(nbformat.from_dict(notebook))
    (cell,) = notebook["cells"]
    assert cell["cell_type"] == "code" and cell["outputs"] == []
    last = cell["source"].strip().splitlines()[-1]
    assert last == (
        f"hardlab.station({str(plan)!r}, store='sqlite:////data/runs.db', language='de')"
    )
    assert station_notebook(plan)["cells"][0]["source"].strip().endswith(f"({str(plan)!r})")


def test_the_generated_cell_builds_the_station(plan: Path) -> None:
    pytest.importorskip("ipywidgets")
    source = station_notebook(plan, store="off.db")["cells"][0]["source"]
    namespace: dict[str, object] = {}
    exec(
        compile(source.replace("hardlab.station(", "station = hardlab.station("), "nb", "exec"),
        namespace,
    )
    station = namespace["station"]
    try:
        assert type(station).__name__ == "Station"
        assert station.plan == plan.resolve()  # type: ignore[attr-defined]
    finally:
        station.close()  # type: ignore[attr-defined]


def test_notebooks_live_per_host_and_port(plan: Path, hardlab_home: Path) -> None:
    first = write_station_notebook(plan, "127.0.0.1", 8123, title="Board: rev/B")
    assert first == hardlab_home / "stations" / "127.0.0.1_8123" / "Board_ rev_B.ipynb"
    json.loads(first.read_text(encoding="utf-8"))
    again = write_station_notebook(plan, "127.0.0.1", 8123, title="Renamed")
    assert not first.exists() and again.name == "Renamed.ipynb"  # one notebook a station
    other = write_station_notebook(plan, "127.0.0.1", 8124, title="Renamed")
    assert other.parent != again.parent and again.exists()


def test_voila_serves_without_code_or_tracebacks() -> None:
    command = voila_command(Path("/x/s.ipynb"), "0.0.0.0", 8000)
    assert command[:4] == [sys.executable, "-m", "voila", "/x/s.ipynb"]
    for option in (
        "--Voila.ip=0.0.0.0", "--Voila.port=8000", "--Voila.port_retries=0",
        "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
        "--no-browser",
    ):  # fmt: skip
        assert option in command
    assert "--no-browser" not in voila_command(Path("s.ipynb"), "h", 1, open_browser=True)


def test_a_busy_port_is_refused_as_hardpy_refuses_it(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        assert main(["station", str(plan), "--host", "127.0.0.1", "--port", str(port)]) == 1
    assert f"Error: Specified port {port} is already in use" in capsys.readouterr().err
    assert not port_in_use("127.0.0.1", port)


def test_a_missing_plan_or_notebook_is_an_error(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["station", str(tmp_path / "nowhere")]) == 4
    assert "needs a plan folder" in capsys.readouterr().err
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    code = main(["station", str(plan), "--port", str(port), "--notebook", "none.ipynb"])
    assert code == 4 and "is not a notebook file" in capsys.readouterr().err


def test_a_station_of_slots_from_the_command_line(plan: Path) -> None:
    pytest.importorskip("ipywidgets")
    source = station_notebook(plan, slots=3)["cells"][0]["source"]
    assert source.strip().endswith(f"hardlab.station({str(plan)!r}, slots=3)")
    namespace: dict[str, object] = {}
    exec(
        compile(source.replace("hardlab.station(", "station = hardlab.station("), "nb", "exec"),
        namespace,
    )
    station = namespace["station"]
    try:
        assert type(station).__name__ == "SlotStation"
        assert sorted(station.cards) == [1, 2, 3]  # type: ignore[attr-defined]
    finally:
        station.close()  # type: ignore[attr-defined]


def test_station_slots_must_be_a_count(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["station", str(plan), "--slots", "0"])
    assert "expected the number of slots (1 or more), got '0'" in capsys.readouterr().err
