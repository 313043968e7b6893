"""The process's open instrument sessions: they outlive a run, so a notebook reuses them.

A second ``%hardpy run`` in the same kernel finds its instruments open (no
reopen, no second ``*IDN?``); an instrument whose table in hardpy.toml
changed is closed and opened again on next use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from hardlab.config import HardpyConfig, InstrumentConfig, load_config
from hardlab.errors import ConfigError
from hardlab.instruments._session import InstrumentSession
from hardlab.instruments._traffic import run_instruments

__all__ = ["Instruments", "close", "configure", "instrument", "sessions"]

_SESSIONS: dict[str, InstrumentSession] = {}
_LOCK = threading.Lock()


def configure(configs: Sequence[InstrumentConfig]) -> dict[str, InstrumentSession]:
    """The sessions for `configs`: kept when their table is unchanged, else made afresh.

    An instrument declared before with another table is closed first; one no
    longer declared stays open (another plan in the same process may use it)
    until `close`.
    """
    chosen: dict[str, InstrumentSession] = {}
    stale: list[InstrumentSession] = []
    with _LOCK:
        for config in configs:
            session = _SESSIONS.get(config.name)
            if session is None or session.config != config:
                if session is not None:
                    stale.append(session)
                session = _SESSIONS[config.name] = InstrumentSession(config.model_copy(deep=True))
            chosen[config.name] = session
    for session in stale:
        session.close()
    return chosen


def sessions() -> dict[str, InstrumentSession]:
    """Every session of the process, by name (open or not)."""
    with _LOCK:
        return dict(_SESSIONS)


def close(name: str | None = None) -> list[str]:
    """Close the process's instrument sessions (or only `name`); return the names closed.

    A closed instrument opens again on next use.
    """
    with _LOCK:
        names = [name] if name is not None else list(_SESSIONS)
        closing = [_SESSIONS.pop(key) for key in names if key in _SESSIONS]
    for session in closing:
        session.close()
    return [session.name for session in closing]


def _declared(plan: str | os.PathLike[str] | None) -> list[InstrumentConfig]:
    if plan is None:
        in_run = run_instruments()
        if in_run is not None:
            return in_run
    config: HardpyConfig = load_config(Path(plan) if plan is not None else None)
    return list(config.hardlab.instruments)


def instrument(name: str, plan: str | os.PathLike[str] | None = None) -> InstrumentSession:
    """The instrument `name` of ``[[hardlab.instruments]]``, open on first use.

    Inside a run it is the run's instrument; between runs (a notebook cell) it
    is the session the last run used, whose traffic goes to the bench log.
    Otherwise it is read from `plan`'s hardpy.toml (default: the working
    directory's).

    Raises:
        ConfigError: If no instrument of that name is declared.
    """
    if plan is None:
        with _LOCK:
            known = _SESSIONS.get(name)
        if known is not None and _declared_in_run(name, known):
            return known
    configs = _declared(plan)
    found = configure([config for config in configs if config.name == name])
    if name not in found:
        listed = ", ".join(repr(config.name) for config in configs) or "none"
        msg = (
            f"no instrument {name!r} in [[hardlab.instruments]] of hardpy.toml (declared: "
            f"{listed}); add a table with name = {name!r} and its resource"
        )
        raise ConfigError(msg)
    return found[name]


def _declared_in_run(name: str, session: InstrumentSession) -> bool:
    in_run = run_instruments()
    return in_run is None or any(config == session.config for config in in_run)


class Instruments(Mapping[str, InstrumentSession]):
    """The ``instruments`` fixture: the plan's instruments by name, each opened on first use."""

    def __init__(self, sessions: Mapping[str, InstrumentSession]) -> None:
        self._sessions = dict(sessions)

    def __getitem__(self, name: str) -> InstrumentSession:
        try:
            return self._sessions[name]
        except KeyError:
            listed = ", ".join(repr(key) for key in self._sessions) or "none"
            msg = (
                f"no instrument {name!r} in [[hardlab.instruments]] of hardpy.toml "
                f"(declared: {listed})"
            )
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._sessions)

    def __len__(self) -> int:
        return len(self._sessions)

    def __repr__(self) -> str:
        return f"<Instruments {list(self._sessions)}>"
