"""A logged session over one PyVISA resource: open on first use, every exchange recorded.

`InstrumentSession` is what ``instruments["psu"]`` and
``hardlab.instrument("psu")`` give. It opens the VISA resource the first time
it is used, asks ``*IDN?`` once, and hands every write, query and read to
`record` (see `hardlab.instruments._traffic`), which keeps it with the
running case, the run, or the bench log. PyVISA is imported here only when
a session opens, so ``import hardlab`` never loads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hardlab.config import InstrumentConfig
from hardlab.errors import ConfigError, InstrumentError, MissingExtraError
from hardlab.instruments._passthrough import RESOURCE_ATTRIBUTES, Passed
from hardlab.instruments._traffic import OFFSET_NS, note_identity, record
from hardlab.model.measurement import Instrument
from hardlab.runtime import CURRENT_RUN, shared

__all__ = ["InstrumentSession", "parse_idn", "visa"]

_clock = time.perf_counter_ns  # a module global: the hot path reads it twice an exchange

_RESOURCE_MANAGERS: dict[str, Any] = {}
_RM_LOCK = threading.Lock()


def visa() -> Any:
    """The ``pyvisa`` module, or a `MissingExtraError` naming the ``instruments`` extra."""
    try:
        return importlib.import_module("pyvisa")
    except ImportError:
        raise MissingExtraError("instruments", "pyvisa") from None


def _resource_manager(backend: str) -> Any:
    """One PyVISA ResourceManager per back end, for the whole process."""
    with _RM_LOCK:
        manager = _RESOURCE_MANAGERS.get(backend)
        if manager is None:
            pyvisa = visa()
            if backend.endswith("@sim"):
                try:
                    importlib.import_module("pyvisa_sim")
                except ImportError:
                    raise MissingExtraError("instruments", "pyvisa-sim") from None
            manager = pyvisa.ResourceManager(backend) if backend else pyvisa.ResourceManager()
            _RESOURCE_MANAGERS[backend] = manager
        return manager


def parse_idn(name: str, resource: str, answer: str) -> Instrument:
    """HardPy's `Instrument` from an ``*IDN?`` answer (``maker,model,serial,firmware``).

    The fields: ``name`` is the instrument's name in hardpy.toml,
    ``part_number`` the model, ``serial_number`` the serial, ``revision`` the
    firmware; ``info`` keeps the maker, the model, the VISA address and the
    raw answer. An answer with fewer fields fills what it has.
    """
    parts = [part.strip() for part in answer.strip().split(",")]
    parts += [""] * (4 - len(parts))
    maker, model, serial, firmware = parts[0], parts[1], parts[2], ",".join(parts[3:]).strip(",")
    info: dict[str, Any] = {"maker": maker, "model": model, "resource": resource}
    info["idn"] = answer.strip()
    return Instrument(
        name=name,
        part_number=model or None,
        serial_number=serial or None,
        revision=firmware or None,
        info=info,
    )


class InstrumentSession:
    """One instrument of ``[[hardlab.instruments]]``: a logged PyVISA session.

    The methods mirror PyVISA's message-based resource (`write`, `query`,
    `read`, `read_raw`, `write_raw`, `read_bytes`); each exchange is recorded
    with its command, answer, time and duration (binary data as its length
    and SHA-256). PyVISA's other resource attributes (``timeout``,
    ``clear()``, ...) are read from and set on the resource, unrecorded.

    Attributes:
        config: The instrument's table in hardpy.toml.
        name: Its name there.
    """

    def __init__(self, config: InstrumentConfig) -> None:
        self.config = config
        self.name = config.name
        self._resource: Any = None
        self._identity: Instrument | None = None
        self._driver: Any = None
        self._lock = threading.RLock()
        self.identity_runs: set[Any] = set()
        """Ids of the runs whose report already lists this instrument."""
        self.target: tuple[object, list[Any], Any] | None = None
        """Where the last exchange in a run went: the run's route then, the rows it was
        appended to, the run."""
        self._direct: Any = None
        """The resource when writes and queries may take the hot path (open, not shared)."""

    def __repr__(self) -> str:
        state = "open" if self._resource is not None else "closed"
        return f"<InstrumentSession {self.name!r} {self.config.resource} ({state})>"

    # ------------------------------------------------------------------ lifetime

    @property
    def identified(self) -> bool:
        """Whether the identity was read since the session opened."""
        return self._identity is not None

    @property
    def is_open(self) -> bool:
        """Whether the VISA resource is open."""
        return self._resource is not None

    @property
    def resource(self) -> Any:
        """The PyVISA resource (opened now if need be); its traffic is not recorded."""
        return self.open()

    def _fail(self, what: str, fix: str, exc: BaseException | None = None) -> InstrumentError:
        cause = f": {exc}" if exc is not None else ""
        backend = self.config.backend or "PyVISA's default"
        msg = (
            f"instrument {self.name!r} at {self.config.resource} (backend {backend}) "
            f"{what}{cause}. {fix}"
        )
        return InstrumentError(msg, instrument=self.name, resource=self.config.resource)

    def open(self) -> Any:
        """Open the resource if it is closed, and read its identity; return the resource.

        Raises:
            InstrumentError: If it cannot be opened (the message names the address and the fix).
            MissingExtraError: If PyVISA is not installed.
        """
        with self._lock:
            if self._resource is not None:
                return self._resource
            config = self.config
            try:
                manager = _resource_manager(config.backend)
            except MissingExtraError:
                raise
            except Exception as exc:  # PyVISA raises OSError, ValueError, its own errors
                raise self._fail(
                    "has no usable VISA back end",
                    'Check `backend` in [[hardlab.instruments]] ("@py", "@ivi" or '
                    '"bench.yaml@sim") and that the YAML file or VISA library exists.',
                    exc,
                ) from exc
            options: dict[str, Any] = {}
            if config.read_termination is not None:
                options["read_termination"] = config.read_termination
            if config.write_termination is not None:
                options["write_termination"] = config.write_termination
            if config.timeout_ms is not None:
                options["timeout"] = config.timeout_ms
            try:
                self._resource = manager.open_resource(config.resource, **options)
                self._direct = None if config.shared else self._resource
            except Exception as exc:
                raise self._fail(
                    "cannot be opened",
                    "Check that it is powered and connected and that the address is right "
                    "(`hardlab instruments PLAN` tries every instrument of the plan).",
                    exc,
                ) from exc
        self.identity()
        return self._resource

    def close(self) -> None:
        """Close the resource (it reopens, and reads its identity again, on next use)."""
        with self._lock:
            resource, self._resource = self._resource, None
            self._direct = None
            self._identity = None
            self._driver = None
            self.identity_runs.clear()
            self.target = None
        if resource is not None:
            # already gone (unplugged, back end closed): nothing left to release
            with contextlib.suppress(Exception):
                resource.close()

    def identity(self) -> Instrument:
        """The instrument's identity from ``*IDN?``, asked once per opening."""
        if self._identity is None:
            self.open()
            with self._lock:
                if self._identity is None:
                    self._identity = self._ask_identity()
            note_identity(self)
        return self._identity.model_copy(deep=True)

    def _ask_identity(self) -> Instrument:
        resource = self.config.resource
        if not self.config.identify:
            return Instrument(name=self.name, info={"resource": resource})
        answer = self.query("*IDN?")
        if not answer.strip():
            self.close()
            raise self._fail(
                "answered *IDN? with nothing",
                "Check that the instrument at this address is the one meant and is on; "
                "for an instrument that does not speak SCPI set identify = false.",
            )
        return parse_idn(self.name, resource, answer)

    @property
    def driver(self) -> Any:
        """The ``driver`` class of hardpy.toml built on this session (``Class(session)``).

        Raises:
            ConfigError: If the instrument has no driver or it cannot be imported.
        """
        if self._driver is None:
            spec = self.config.driver
            if not spec:
                msg = (
                    f"instrument {self.name!r} has no driver = 'package.module:Class' "
                    "in hardpy.toml"
                )
                raise ConfigError(msg)
            module_name, _, attr = spec.partition(":")
            try:
                cls = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as exc:
                msg = (
                    f"instrument {self.name!r}: driver {spec!r} cannot be imported ({exc}); "
                    "install its package or fix the path in hardpy.toml"
                )
                raise ConfigError(msg) from exc
            self._driver = cls(self)
        return self._driver

    # ------------------------------------------------------------------ exchanges

    def _failed(self, op: str, command: str, start: int, exc: Exception) -> InstrumentError:
        record(self, op, command, None, start, _clock(), str(exc))
        fix = (
            "Check the read/write terminations against the instrument's manual "
            "(a mismatch shows as a timeout), `timeout_ms`, and the command's spelling."
        )
        return self._fail(f"failed on {op} {command!r}", fix, exc)

    def _exchange(self, op: str, command: str, call: Callable[[Any], Any]) -> Any:
        if self.config.shared:
            # the stand's slots take turns on a shared instrument, one exchange at a
            # time; opening it (PyVISA's import, the session) needs no turn
            if self._resource is None:
                self.open()
            with shared(self.name):
                return self._exchange_now(op, command, call)
        return self._exchange_now(op, command, call)

    def _exchange_now(self, op: str, command: str, call: Callable[[Any], Any]) -> Any:
        resource = self._resource if self._resource is not None else self.open()
        start = _clock()
        try:
            answer = call(resource)
        except Exception as exc:
            raise self._failed(op, command, start, exc) from exc
        record(self, op, command, answer, start, _clock(), None)
        return answer

    # write and query are the hot path of every plan that talks to an
    # instrument (see benchmarks/instruments.py): no closure, one clock pair,
    # and where the exchange goes decided inline (a call would cost a tenth of
    # hardlab's share): one context lookup, one identity check of the run's
    # `route` against the one the session's last exchange saw (`record` sets
    # `target`), and the exchange's row appended to the rows it went to.
    # Anything else goes through `record`. The class has no `__getattr__` (see
    # `_passthrough`): with one, CPython specialises no attribute lookup on it.

    def write(self, command: str) -> int:
        """Write a command (with the write termination); return the bytes written."""
        resource = self._direct
        if resource is None:  # closed, or shared by the stand's slots
            count_: int = self._exchange("write", command, lambda r: r.write(command))
            return count_
        start = _clock()
        try:
            count: int = resource.write(command)
        except Exception as exc:
            raise self._failed("write", command, start, exc) from exc
        end = _clock()
        run, target = CURRENT_RUN.get(), self.target
        if run is not None and target is not None and target[0] is run.route:
            target[1].append(
                (
                    self.name,
                    "write",
                    command,
                    None,
                    (start + OFFSET_NS) / 1e9,
                    (end - start) / 1e6,
                    None,
                )
            )
        else:
            record(self, "write", command, None, start, end, None)
        return count

    def query(self, command: str, delay: float | None = None) -> str:
        """Write a command and read its answer (without the read termination)."""
        resource = self._direct
        if resource is None:  # closed, or shared by the stand's slots
            text: str = self._exchange("query", command, lambda r: r.query(command, delay))
            return text
        start = _clock()
        try:
            answer: str = resource.query(command, delay)
        except Exception as exc:
            raise self._failed("query", command, start, exc) from exc
        end = _clock()
        run, target = CURRENT_RUN.get(), self.target
        if run is not None and target is not None and target[0] is run.route:
            target[1].append(
                (
                    self.name,
                    "query",
                    command,
                    answer,
                    (start + OFFSET_NS) / 1e9,
                    (end - start) / 1e6,
                    None,
                )
            )
        else:
            record(self, "query", command, answer, start, end, None)
        return answer

    def read(self) -> str:
        """Read one answer."""
        answer: str = self._exchange("read", "", lambda r: r.read())
        return answer

    def write_raw(self, data: bytes) -> int:
        """Write bytes as they are; recorded as their length and SHA-256."""
        count: int = self._exchange("write_raw", _digest(data), lambda r: r.write_raw(data))
        return count

    def read_raw(self, size: int | None = None) -> bytes:
        """Read bytes up to the end of the message; recorded as their length and SHA-256."""
        data: bytes = self._exchange("read_raw", "", lambda r: r.read_raw(size))
        return data

    def read_bytes(self, count: int) -> bytes:
        """Read exactly `count` bytes; recorded as their length and SHA-256."""
        data: bytes = self._exchange("read_bytes", str(count), lambda r: r.read_bytes(count))
        return data

    if TYPE_CHECKING:
        # PyVISA's other attributes (timeout, clear(), query_ascii_values, ...)
        # are `Passed` descriptors, set below: a type checker sees them as Any.
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...


for _name in RESOURCE_ATTRIBUTES:
    setattr(InstrumentSession, _name, Passed(_name))


def _digest(data: bytes) -> str:
    return f"<{len(data)} bytes sha256:{hashlib.sha256(data).hexdigest()}>"
