"""The JupyterLab extension as installed: built, shipped, enabled, and out of `import hardlab`'s way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hardlab
from hardlab.labext import _jupyter_labextension_paths, _jupyter_server_extension_points
from hardlab.labext._app import HardlabExtension, hide_password
from hardlab.labext._params import RUN_OUTCOMES, RUN_STATUSES
from hardlab.model import TestStatus

REPO = Path(hardlab.__file__).resolve().parent.parent
BUILD_HINT = (
    "the JupyterLab extension is not built/installed: it is built by `pip install -e .` "
    "when Node.js >= 20 is on PATH (or by hand: cd extension && jlpm install && "
    "jlpm build:prod, then pip install -e . again)"
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_hardlab_does_not_import_the_server_extension() -> None:
    loaded = _loaded_after("import hardlab")
    assert "hardlab.labext" not in loaded
    assert not {name.split(".")[0] for name in loaded} & {"jupyter_server", "tornado"}


def test_jupyter_server_imports_the_extension_without_the_model_or_sqlalchemy() -> None:
    # JupyterLab's start-up pays for whatever this import pulls in
    loaded = _loaded_after("import hardlab.labext")
    tops = {name.split(".")[0] for name in loaded}
    assert "sqlalchemy" not in tops and "pydantic" not in tops
    assert "hardlab.model" not in loaded


def test_the_run_statuses_are_hardpys_and_interrupted() -> None:
    assert (*(status.value for status in TestStatus), "interrupted") == RUN_STATUSES


def test_the_filter_offers_statuses_runs_have() -> None:
    assert set(RUN_OUTCOMES) < set(RUN_STATUSES)
    assert not {"skipped", "error", "ready"} & set(RUN_OUTCOMES)  # cases' statuses


def test_stopped_is_the_same_colour_in_the_extension_as_in_the_panel_and_station() -> None:
    from hardlab.widgets._presenters import STATUS_COLOR

    css = (REPO / "extension" / "style" / "base.css").read_text(encoding="utf-8")
    # one definition of each status colour, used by every rule that colours by status
    assert css.count("--hl-status-stopped:") == 1
    assert f"--hl-status-stopped: {STATUS_COLOR[TestStatus.STOPPED]};" in css
    rules = css.split("}")
    stopped = next(rule for rule in rules if ".hl-Status-stopped" in rule and "background" in rule)
    assert "background: var(--hl-status-stopped)" in stopped
    assert "--jp-warn-color1" not in stopped


def test_extension_points_name_the_app_and_the_built_extension() -> None:
    assert _jupyter_server_extension_points() == [
        {"module": "hardlab.labext", "app": HardlabExtension}
    ]
    (paths,) = _jupyter_labextension_paths()
    assert paths["dest"] == "hardlab"
    source = (Path(hardlab.labext.__file__).parent / paths["src"]).resolve()
    assert source == REPO / "hardlab" / "labextension"


def test_passwords_are_hidden_in_urls_shown() -> None:
    assert hide_password("postgresql+psycopg://ana:s3cret@db:5432/runs") == (
        "postgresql+psycopg://ana:***@db:5432/runs"
    )
    assert hide_password("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert hide_password("postgresql://ana@db/runs") == "postgresql://ana@db/runs"


def _installed(*parts: str) -> Path:
    return Path(sys.prefix, *parts)


def test_the_built_extension_is_installed_where_jupyterlab_finds_it() -> None:
    folder = _installed("share", "jupyter", "labextensions", "hardlab")
    manifest = folder / "package.json"
    if not manifest.is_file():
        pytest.fail(f"{manifest} is missing: {BUILD_HINT}", pytrace=False)
    built = json.loads(manifest.read_text(encoding="utf-8"))
    source = json.loads((REPO / "extension" / "package.json").read_text(encoding="utf-8"))
    assert (built["name"], built["version"]) == ("hardlab", source["version"])
    entry = folder / built["jupyterlab"]["_build"]["load"]
    assert entry.is_file(), f"{entry} is missing: {BUILD_HINT}"
    assert (folder / "static" / "style.js").is_file()
    schema = json.loads((folder / "schemas" / "hardlab" / "run-plan.json").read_text("utf-8"))
    (button,) = schema["jupyter.lab.toolbars"]["Notebook"]
    assert button["command"] == "hardlab:run-plan"


def test_jupyter_lists_the_extension_as_enabled() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in (listed.stdout + listed.stderr).splitlines() if "hardlab" in line]
    assert any("enabled" in line and "OK" in line for line in lines), (lines, BUILD_HINT)


def test_the_server_extension_is_enabled_by_the_installed_config() -> None:
    config = _installed("etc", "jupyter", "jupyter_server_config.d", "hardlab.json")
    assert config.is_file(), f"{config} is missing: reinstall hardlab (pip install -e .)"
    shipped = REPO / "extension" / "jupyter-config" / "jupyter_server_config.d" / "hardlab.json"
    assert json.loads(config.read_text("utf-8")) == json.loads(shipped.read_text("utf-8"))
    assert json.loads(config.read_text("utf-8")) == {
        "ServerApp": {"jpserver_extensions": {"hardlab.labext": True}}
    }
