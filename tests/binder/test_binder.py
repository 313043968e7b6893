"""The repository launches on Binder: binder/ alone builds a working environment.

What repo2docker does with binder/, done here in a fresh venv: a copy of the
files a clone has, ``pip install -r binder/requirements.txt``, then
``binder/postBuild`` with the venv first on PATH. The result must have
hardlab, JupyterLab with the Test runs extension (built from extension/ by
the wheel build, with the Node.js that requirements.txt brings), and run
every notebook in notebooks/ with the venv's own kernel, as a Binder user
would: in the notebooks folder, dialogs answered from the answers file beside
each notebook (``HARDLAB_ANSWERS``).

The venv is new on every run and built in the background while the rest of
the session runs (``conftest.py``); pip's cache (and yarn's global mirror) make
the second build quicker. It takes minutes: it is marked slow.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import BUILD_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_NOTEBOOK_TIMEOUT_S = 900

# The first test may wait for the build (pip, then the extension with npm):
# the build's own limit and a margin.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 300)]


def _run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, output[-20000:]
    return done.stdout


def test_hardlab_is_installed_from_the_repository(binder: tuple[Path, dict[str, str]]) -> None:
    repo, env = binder
    probe = (
        "import json, sys, hardlab, jupyterlab, pandas, uvicorn, ipykernel;"
        "print(json.dumps({'prefix': sys.prefix, 'hardlab': hardlab.__file__}))"
    )
    # not from the repository's folder, whose hardlab/ `python -c` would import first
    found = json.loads(_run(["python", "-c", probe], cwd=repo.parent, env=env, timeout=120))
    assert found["prefix"] == env["VIRTUAL_ENV"]
    # a regular install (the wheel), not the repository's sources on sys.path
    assert Path(found["hardlab"]).is_relative_to(env["VIRTUAL_ENV"])


def test_jupyterlab_has_the_extension(binder: tuple[Path, dict[str, str]]) -> None:
    repo, env = binder
    lab = _run(["jupyter", "labextension", "list"], cwd=repo, env=env, timeout=120)
    server = _run(["jupyter", "server", "extension", "list"], cwd=repo, env=env, timeout=120)
    # the list commands write to stderr too; what matters is hardlab's line
    assert "hardlab" in lab + _stderr(["jupyter", "labextension", "list"], repo, env)
    assert "hardlab" in server + _stderr(["jupyter", "server", "extension", "list"], repo, env)
    built = Path(env["VIRTUAL_ENV"]) / "share" / "jupyter" / "labextensions" / "hardlab"
    assert (built / "package.json").is_file()
    assert list((built / "static").glob("*.js")), "the extension's bundle was built"


def _stderr(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    ).stderr


def test_the_kernel_is_the_venvs(binder: tuple[Path, dict[str, str]]) -> None:
    repo, env = binder
    listed = json.loads(
        _run(["jupyter", "kernelspec", "list", "--json"], cwd=repo, env=env, timeout=120)
    )
    spec = listed["kernelspecs"]["python3"]
    assert Path(spec["resource_dir"]).is_relative_to(env["VIRTUAL_ENV"])
    # "python" in a kernelspec means the interpreter that starts the kernel: the venv's
    assert spec["spec"]["argv"][0] in {"python", str(Path(env["VIRTUAL_ENV"], "bin", "python"))}


def test_the_panel_has_demo_runs(binder: tuple[Path, dict[str, str]]) -> None:
    repo, env = binder
    listed = _run(["hardlab", "runs", "--json"], cwd=repo, env=env, timeout=120)
    runs = [json.loads(line) for line in listed.splitlines() if line.strip()]
    assert len(runs) >= 3
    assert {run["name"] for run in runs} == {"hardlab demo board"}


def test_the_build_leaves_no_node_modules(binder: tuple[Path, dict[str, str]]) -> None:
    repo, _env = binder
    assert not (repo / "extension" / "node_modules").exists()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_in_the_binder_kernel(
    binder: tuple[Path, dict[str, str]], notebook: Path
) -> None:
    repo, env = binder
    folder = repo / "notebooks"
    run_env = dict(env)
    answers = folder / f"{notebook.stem}.answers.toml"
    if answers.is_file():
        run_env["HARDLAB_ANSWERS"] = answers.name
    # nbclient's --output is a name without a suffix (it puts .ipynb in place of one)
    executed = folder / f"{notebook.stem}_executed.ipynb"
    _run(
        [
            "jupyter",
            "execute",
            notebook.name,
            f"--output={executed.stem}",
            "--kernel_name=python3",
        ],
        cwd=folder,
        env=run_env,
        timeout=_NOTEBOOK_TIMEOUT_S,
    )
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    errors = [
        output
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
