"""How a cell waits, decided without a kernel; ``await handle`` outside one."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab
from hardlab.runner import _background
from hardlab.widgets import kernel as _kernel

MakePlan = Callable[..., Path]


@pytest.mark.parametrize(
    ("version", "strategy"),
    [
        ((6, 29, 5), "ui-poll"),
        ((7, 0, 1), "ui-poll"),
        ((7, 3, 0), "ui-poll"),
        ((7, 4, 0), "await"),
        ((7, 10), "await"),
        ((8, 0), "await"),
        (None, "await"),  # outside a kernel
    ],
)
def test_strategy_by_ipykernel_version(version: tuple[int, ...] | None, strategy: str) -> None:
    if version is None:
        assert _kernel.current_kernel() is None
    assert _kernel.choose_strategy(version) == strategy


def test_the_version_is_read_from_the_running_kernel_only() -> None:
    assert _kernel.ipykernel_version() is None  # pytest is no kernel
    assert _kernel.require_strategy() == "await"
    assert _kernel.require_strategy("ui-poll") == "ui-poll"  # jupyter-ui-poll is installed


@pytest.mark.parametrize(
    ("env", "voila"),
    [
        ({}, False),
        ({"SERVER_SOFTWARE": "voila/0.5.13"}, True),
        ({"SERVER_SOFTWARE": "nginx"}, False),
        ({"VOILA_KERNEL_ID": "abc"}, True),
        ({"VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/x.ipynb"}, True),
    ],
)
def test_voila_is_detected_from_its_kernel_environment(
    env: dict[str, str], voila: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SERVER_SOFTWARE", "VOILA_KERNEL_ID", "VOILA_REQUEST_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _kernel.in_voila() is voila


def test_importing_hardlab_and_finding_the_extension_loads_no_ipython() -> None:
    code = (
        "import sys, hardlab; hardlab.load_ipython_extension; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'IPython', 'ipywidgets'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_await_handle_outside_a_kernel(make_plan: MakePlan) -> None:
    plan = make_plan({"test_1.py": "def test_a():\n    pass\n"})
    previous = _background.set_awaiter(None)
    try:
        _kernel.install()
        assert _background._AWAITER is not None

        async def main() -> hardlab.RunResult:
            handle = hardlab.start(plan, quiet=True, store=False)
            await _kernel.wait(handle)  # no kernel: no interrupt handling, a plain wait
            assert handle.done()
            return await handle

        result = asyncio.run(main())
    finally:
        _background.set_awaiter(previous)
    assert result.passed


def test_interrupt_handler_does_nothing_outside_a_kernel() -> None:
    import signal

    async def main() -> None:
        before = signal.getsignal(signal.SIGINT)  # asyncio.run's own
        with _kernel.interrupt_handler(asyncio.get_running_loop(), lambda: None):
            assert signal.getsignal(signal.SIGINT) is before

    asyncio.run(main())
    _kernel.abort_queued_cells()  # no kernel: nothing to abort
