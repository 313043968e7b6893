"""A bench for the magics' kernel tests: a kernel started in a folder with a plan and a conftest.

The folder holds ``plan/`` (a plan whose first case asks the operator for a
serial number and prints what it got) and a ``conftest.py`` with a ``board``
fixture; the kernel has ``%load_ext hardlab`` done and stores runs in the
folder's own hardlab home.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from _kernel_client import KernelSession, Widget
from _kernels import KernelPython

PLAN = {
    "hardpy.toml": 'tests_name = "Bench plan"\n',
    "test_1_serial.py": """
        import hardlab

        def test_serial():
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox(
                    "Scan the serial number", title_bar="Serial", widget=hardlab.TextInputWidget()
                )
            )
            print("GOT", serial)
            hardlab.set_dut_serial_number(serial)

        def test_after():
            pass
        """,
}

CONFTEST = """
    import pytest

    @pytest.fixture
    def board():
        return {"3V3": 3.31}
    """


@dataclass
class Bench:
    """A running kernel and its working folder."""

    kernel: KernelSession
    folder: Path
    python: KernelPython


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def start_bench(folder: Path, python: KernelPython, env: dict[str, str] | None = None) -> Bench:
    write(folder / "plan", PLAN)
    write(folder, {"conftest.py": CONFTEST})
    kernel = KernelSession(
        python.python,
        cwd=folder,
        env={
            "HARDLAB_HOME": str(folder / "home"),
            "HARDLAB_SC_TOKEN_STORE": "file",
            **(env or {}),
        },
        log_path=folder / "kernel.log",
    ).start()
    kernel.run("%load_ext hardlab")
    return Bench(kernel, folder, python)


def opened(kernel: KernelSession) -> set[str]:
    """The comms opened so far (to tell a new dialog from an old one)."""
    return {str(m.msg["content"]["comm_id"]) for m in kernel.messages("comm_open")}


def new_widget(kernel: KernelSession, old: set[str], model: str, **state: str) -> Widget:
    return kernel.wait_comm_open(
        lambda w: (
            w.comm_id not in old
            and w.model == model
            and all(w.state.get(key) == value for key, value in state.items())
        ),
        timeout=60,
    )


def dialog(kernel: KernelSession, old: set[str]) -> tuple[Widget, Widget]:
    """The text input and the Confirm button of the plan's serial-number dialog."""
    text = new_widget(kernel, old, "TextModel", placeholder="Enter a text")
    confirm = new_widget(kernel, old, "ButtonModel", description="Confirm")
    return text, confirm


def answer(kernel: KernelSession, old: set[str], value: str) -> None:
    text, confirm = dialog(kernel, old)
    kernel.send_update(text.comm_id, {"value": value})
    kernel.click(confirm.comm_id)
