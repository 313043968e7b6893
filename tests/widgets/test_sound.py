"""The station's completion sounds: one WAV per result, told apart by ear (and by frequency)."""

from __future__ import annotations

import io
import itertools
import wave

import pytest

from hardlab.model import TestStatus
from hardlab.widgets._sound import RATE, completion_sound, tones_for


def dominant_frequency(wav_bytes: bytes, seconds: float) -> float:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        frames = wav.readframes(int(seconds * RATE))
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    crossings = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    return crossings / seconds


def test_completion_sounds_differ_by_result() -> None:
    passed, failed, stopped = (completion_sound(s) for s in ("passed", "failed", "stopped"))
    assert len({passed, failed, stopped}) == 3
    assert completion_sound(TestStatus.ERROR) == failed
    assert dominant_frequency(passed, 0.1) == pytest.approx(880, rel=0.05)  # the chime starts high
    assert dominant_frequency(failed, 0.1) == pytest.approx(196, rel=0.1)  # the buzz is low
    assert tones_for("passed")[-1][0] > tones_for("passed")[0][0]  # and rises
    assert tones_for("stopped")[-1][0] < tones_for("stopped")[0][0]  # stopping falls
