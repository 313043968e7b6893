"""VISA instruments declared in hardpy.toml, with their traffic kept with the run.

A plan declares its instruments in ``[[hardlab.instruments]]`` tables (see
`hardlab.config.InstrumentConfig` in the configuration reference) and uses
them through the ``instruments`` fixture or `instrument`::

    def test_3v3(instruments):
        instruments["psu"].write("VOLT 3.3")
        volts = float(instruments["dmm"].query("MEAS:VOLT:DC?"))

Each instrument opens on first use and answers ``*IDN?`` once; its identity
goes to the report's ``test_stand.instruments``. Every write, query and read
is kept with the case that made it (a table in the case's artifact
``scpi``, see `hardlab.model.scpi`), with the
run outside a case, and in the bench log outside a run (`bench_log`).
Sessions outlive a run: a notebook's next run reuses them; `close` closes
them. PyVISA (the ``instruments`` extra) is imported when a session opens.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardlab.instruments._check import InstrumentCheck, check
from hardlab.instruments._registry import Instruments, close, configure, instrument, sessions
from hardlab.instruments._session import InstrumentSession, parse_idn
from hardlab.instruments._traffic import ARTIFACT_KEY, bench_entries, clear_bench_log
from hardlab.model.scpi import SCPI_COLUMNS, scpi_entries

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ARTIFACT_KEY",
    "BENCH_YAML",
    "COLUMNS",
    "InstrumentCheck",
    "InstrumentSession",
    "Instruments",
    "available",
    "bench_entries",
    "bench_log",
    "check",
    "clear_bench_log",
    "close",
    "configure",
    "instrument",
    "parse_idn",
    "sessions",
    "traffic_frame",
]

BENCH_YAML = str(Path(__file__).with_name("bench.yaml"))
"""The simulated bench shipped with hardlab (pyvisa-sim): a supply and a multimeter.

Use it as ``backend = "<BENCH_YAML>@sim"``, or copy it beside hardpy.toml.
"""
COLUMNS = SCPI_COLUMNS
"""The columns of `bench_log` and `traffic_frame`, those of the artifact's exchange table."""


def available() -> bool:
    """Whether the ``instruments`` extra (PyVISA and pyvisa-sim) is installed."""
    try:
        importlib.import_module("pyvisa")
        importlib.import_module("pyvisa_sim")
    except ImportError:
        return False
    return True


def traffic_frame(entries: Any, **columns: Any) -> pd.DataFrame:
    """A DataFrame of exchanges.

    Args:
        entries: The exchanges: an artifact's ``scpi`` value (see
            `hardlab.model.scpi`), or dicts keyed by `COLUMNS` (`bench_entries`).
        **columns: Constant columns put first (``run_id=..., case=...``).

    Returns:
        One row per exchange: `COLUMNS` (``time`` as a timezone-aware timestamp).
    """
    import pandas as pd

    rows = [{**columns, **entry} for entry in scpi_entries(entries)]
    frame = pd.DataFrame(rows, columns=[*columns, *COLUMNS])
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    frame["ms"] = frame["ms"].astype("float64")
    return frame


def bench_log() -> pd.DataFrame:
    """The exchanges made outside any run (a notebook cell, a script), as a DataFrame."""
    return traffic_frame(bench_entries())
