"""The station's completion sounds: short WAV files made in Python, one per result.

HardPy's panel plays a sound when a run ends (``[frontend] sound_on``). The
station plays these through an ipywidgets ``Audio`` widget: a rising
two-note chime when the run passed, two low buzzes when it failed, a falling
pair of notes when it was stopped. They are synthesised here (16-bit mono
PCM, soft attack and release so they do not click), so no sound file ships
with hardlab.
"""

from __future__ import annotations

import io
import math
import wave
from array import array

from hardlab.model.enums import TestStatus

__all__ = ["RATE", "TONES", "completion_sound", "tones_for"]

RATE = 22_050
"""Samples per second of the sounds."""

Tone = tuple[float, float, int]
"""One note: frequency in Hz (0: silence), seconds, harmonics (1: a sine; more: brighter)."""

TONES: dict[str, tuple[Tone, ...]] = {
    "passed": ((880.0, 0.14, 1), (0.0, 0.03, 1), (1318.5, 0.28, 1)),
    "failed": ((196.0, 0.22, 5), (0.0, 0.08, 1), (196.0, 0.34, 5)),
    "stopped": ((659.3, 0.16, 2), (0.0, 0.03, 1), (440.0, 0.26, 2)),
}
"""The notes of each sound."""

_FADE_S = 0.012
_VOLUME = 0.45


def tones_for(status: TestStatus | str) -> tuple[Tone, ...]:
    """The notes for a run that ended `status` (an error sounds like a failure)."""
    key = status.value if isinstance(status, TestStatus) else str(status)
    if key == TestStatus.ERROR.value:
        key = "failed"
    return TONES.get(key, TONES["stopped"])


def _samples(tones: tuple[Tone, ...], rate: int) -> array[int]:
    out = array("h")
    fade = max(1, int(_FADE_S * rate))
    for frequency, seconds, harmonics in tones:
        count = int(seconds * rate)
        for n in range(count):
            if frequency <= 0:
                out.append(0)
                continue
            t = n / rate
            # odd harmonics with falling weight: a sine (1) up to a soft square (5)
            value = sum(
                math.sin(2 * math.pi * frequency * k * t) / k for k in range(1, 2 * harmonics, 2)
            )
            envelope = min(1.0, n / fade, (count - n) / fade)
            out.append(int(32767 * _VOLUME * envelope * value / 1.3))
    return out


def completion_sound(status: TestStatus | str, *, rate: int = RATE) -> bytes:
    """The sound for a run that ended `status`, as the bytes of a WAV file.

    Args:
        status: ``passed``, ``failed`` (or ``error``) or ``stopped``.
        rate: Samples per second.
    """
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(_samples(tones_for(status), rate).tobytes())
    return buffer.getvalue()
