"""The live terminal view (hardlab/cli/_view.py): alive during a long case, on a pty and in a log."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab
from hardlab.cli._view import TerminalView
from tests.cli.conftest import HARDLAB, pty_run

pytestmark = pytest.mark.slow

MakePlan = Callable[..., Path]

ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SGR = re.compile(r"\x1b\[[0-9;]*m")
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

# A long case: a message at 0.3 s, then 1.7 s more of work.
LONG_PLAN = {
    "test_burn.py": """
        import time

        import pytest

        import hardpy

        pytestmark = pytest.mark.module_name("Burn-in")


        @pytest.mark.case_name("Flash firmware")
        def test_flash():
            time.sleep(0.3)
            hardpy.set_message("erasing flash", "step")
            time.sleep(1.7)
    """
}
DONE = "✓ Flash firmware"


class Recorder(io.StringIO):
    """A stream that remembers when each piece of text was written (not a terminal)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.writes.append((time.monotonic(), text))
            return super().write(text)

    def first(self, text: str) -> float:
        """When `text` was first written."""
        with self.lock:
            for when, piece in self.writes:
                if text in piece:
                    return when
        raise AssertionError(f"{text!r} never written: {self.getvalue()!r}")


def _when(chunks: list[tuple[float, str]], text: str) -> float:
    """When `text` first appeared in the output (it may straddle chunks)."""
    seen = ""
    for when, chunk in chunks:
        seen += chunk
        if text in ESCAPE.sub("", seen):
            return when
    raise AssertionError(f"{text!r} never appeared: {seen!r}")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_shows_a_live_status_line_and_messages_as_they_happen(
    make_plan: MakePlan, env: dict[str, str], tmp_path: Path
) -> None:
    plan = make_plan(LONG_PLAN)
    chunks = pty_run(["run", plan, "--no-store"], env, tmp_path)
    raw = "".join(chunk for _, chunk in chunks)

    message_at, done_at = _when(chunks, "erasing flash"), _when(chunks, DONE)
    assert done_at - message_at > 1.0, raw  # the message came when it was set, not at the end

    before_end = raw[: raw.index(DONE)]
    clocks = [
        float(seconds)
        for seconds in re.findall(r"Burn-in › Flash firmware(?:  · [^\r\x1b]*)?  (\d+\.\d)s", raw)
    ]
    assert len(clocks) >= 6, raw  # redrawn a few times a second, not only on events
    assert clocks == sorted(clocks), clocks
    assert clocks[-1] >= 1.5, clocks
    assert len({frame for frame in before_end if frame in SPINNER}) >= 4, raw
    assert "· erasing flash" in raw  # the status line shows the case's last message
    # each printed line first clears the status line; nothing is left of it at the end
    assert "\r\x1b[K  ▸ Flash firmware\r\n      erasing flash\r\n" in raw
    assert f"\r\x1b[K  {DONE}" in raw
    assert not any(frame in raw[raw.index(DONE) :] for frame in SPINNER), raw
    assert not SGR.search(raw), "NO_COLOR is set, yet the output has colours"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_dumb_terminal_gets_no_escape_sequences_but_messages_as_they_happen(
    make_plan: MakePlan, env: dict[str, str], tmp_path: Path
) -> None:
    plan = make_plan(LONG_PLAN)
    chunks = pty_run(["run", plan, "--no-store"], {**env, "TERM": "dumb"}, tmp_path)
    raw = "".join(chunk for _, chunk in chunks)
    assert _when(chunks, DONE) - _when(chunks, "erasing flash") > 1.0, raw
    assert "\x1b" not in raw
    assert not any(frame in raw for frame in SPINNER), raw
    assert "\r\n" in raw and "\r" not in raw.replace("\r\n", "")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_with_capture_off_keeps_the_tests_own_output_whole(
    make_plan: MakePlan, env: dict[str, str], tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "test_talk.py": """
                import time

                def test_talk():
                    time.sleep(0.6)
                    print("hello from the test")
                    time.sleep(0.6)
            """
        }
    )
    chunks = pty_run(["run", plan, "--no-store", "--", "-s"], env, tmp_path)
    raw = "".join(chunk for _, chunk in chunks)
    # no status line to run into: the test's line starts a line of its own
    assert "\r\nhello from the test\r\n" in raw, raw
    assert not any(frame in raw for frame in SPINNER), raw


def test_log_gets_messages_as_they_happen_and_no_spinner(
    make_plan: MakePlan, env: dict[str, str], tmp_path: Path
) -> None:
    plan = make_plan(LONG_PLAN)
    env = {key: value for key, value in env.items() if key != "NO_COLOR"}  # a log is no tty
    process = subprocess.Popen(
        [str(HARDLAB), "run", str(plan), "--no-store"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    lines = [(time.monotonic(), line) for line in process.stdout]
    assert process.wait(timeout=60) == 0, lines
    text = "".join(line for _, line in lines)
    message_at = next(when for when, line in lines if "erasing flash" in line)
    done_at = next(when for when, line in lines if DONE in line)
    assert done_at - message_at > 1.0, text
    assert text.index("  ▸ Flash firmware\n      erasing flash\n") < text.index(DONE)
    assert text.count("erasing flash") == 1, text  # not again under the finished case
    assert "\x1b" not in text and "\r" not in text
    assert not any(frame in text for frame in SPINNER), text


def test_log_says_a_long_case_is_still_running(make_plan: MakePlan) -> None:
    plan = make_plan(LONG_PLAN)
    stream = Recorder()
    view = TerminalView(stream, color=False, live=False, still_every=0.5)
    result = hardlab.run(plan, store=False, operator=None, quiet=True, listeners=[view])
    view.close()
    assert result.exit_code == 0
    text = stream.getvalue()
    still = re.findall(r"… still running: Burn-in › Flash firmware \((\d+) s\)", text)
    assert len(still) >= 2, text
    assert [int(seconds) for seconds in still] == sorted(int(s) for s in still), still
    # only while the case runs
    assert stream.first("still running") < stream.first(DONE)
    assert "still running" not in text[text.index(DONE) :]


def test_quiet_view_shows_the_last_message_in_the_status_line(make_plan: MakePlan) -> None:
    plan = make_plan(LONG_PLAN)
    stream = Recorder()
    view = TerminalView(stream, color=False, live=True, verbose=False, tick=0.05)
    result = hardlab.run(plan, store=False, operator=None, quiet=True, listeners=[view])
    view.close()
    assert result.exit_code == 0
    text = stream.getvalue()
    assert "· erasing flash" in text
    assert "      erasing flash" not in text  # quiet: no message lines of a passing case
    assert stream.first("· erasing flash") < stream.first(DONE) - 1.0
    assert text.endswith("\n") and not text.rstrip("\n").endswith("\x1b[K")
