"""Every notebook in notebooks/ runs, top to bottom, in a fresh kernel.

A notebook whose runs ask the operator has its answers beside it, in
``<notebook>.answers.toml``; the kernel gets ``HARDLAB_ANSWERS`` naming that
file, as a user running the notebook headless would do.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds the examples the suite executes"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs(notebook: Path, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    work = tmp_path / notebook.name
    shutil.copy(notebook, work)
    env = dict(os.environ)
    answers = notebook.with_name(f"{notebook.stem}.answers.toml")
    if answers.is_file():
        shutil.copy(answers, tmp_path / answers.name)
        env["HARDLAB_ANSWERS"] = answers.name  # relative: the kernel starts in tmp_path
    nb = nbformat.read(work, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        pytest.fail(f"{notebook.name} failed:\n{exc}")
    errors = [
        output
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors


def test_committed_notebooks_carry_no_outputs() -> None:
    # Outputs of a run are large (widget state, images) and differ on every run.
    import nbformat

    for notebook in NOTEBOOKS:
        nb = nbformat.read(notebook, as_version=4)
        with_outputs = [
            index
            for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
        ]
        assert not with_outputs, f"{notebook.name}: clear the outputs of cells {with_outputs}"
