"""hardlab's counterparts of HardPy's internal names that plans and tools import.

HardPy's documentation and users import more than ``hardpy``'s top level:
the configuration manager, the document field names, the store helpers, the
progress calculator. Each name here behaves as HardPy's does on the data
hardlab has. HardPy's CouchDB/JSON storage backends, its reporters and its
panel's pytest wrapper have no place in hardlab (runs are kept in SQL by
hardlab's writer): they import, so a plan that names them collects, and
using one raises `NotSupportedError` saying what to use instead.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from hardlab.config import HardpyConfig, load_config
from hardlab.errors import ConfigError, NotSupportedError

__all__ = [
    "ConfigManager",
    "CurrentTestInfo",
    "DatabaseField",
    "ProgressCalculator",
    "RunStore",
    "SingletonMeta",
    "StandCloudAddr",
    "StorageInterface",
    "StorageType",
    "T",
    "TempStorageInterface",
    "TestConfigs",
    "clear_doc_value",
    "create_default_doc_structure",
    "get_field",
    "hardpy_only",
    "json_update_db",
    "json_update_doc",
    "log",
    "update_doc_value",
]

log = logging.getLogger("hardlab.compat")
"""The logger HardPy's JSON storage helpers report to."""

T = TypeVar("T")


class SingletonMeta(type, Generic[T]):
    """HardPy's metaclass: one instance per class and process."""

    _instances: ClassVar[dict[Any, Any]] = {}

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        """The class's one instance, created on first call."""
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__(*args, **kwargs)
        return cls._instances[cls]

    def __instancecheck__(cls, instance: object) -> bool:
        return cls.__subclasscheck__(type(instance))


class StorageType(str, Enum):
    """Where HardPy keeps its live documents (hardlab always keeps runs in SQL)."""

    JSON = "json"
    COUCHDB = "couchdb"


class TestConfigs(BaseModel):
    """HardPy's list of available test configuration names."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="allow")

    available: list[str] = []


class ConfigManager(metaclass=SingletonMeta):
    """HardPy's configuration manager: the ``hardpy.toml`` of the running plan.

    During a run, `config` is the run's configuration (what
    ``hardpy.get_hardpy_config()`` returns); outside one, the last file read
    with `read_config`, or the defaults.
    """

    def __init__(self) -> None:
        self._config = HardpyConfig()
        self._tests_path = Path.cwd()

    @property
    def config(self) -> HardpyConfig:
        """The configuration in force."""
        from hardlab.runtime import maybe_current_run

        run = maybe_current_run()
        return run.config if run is not None else self._config

    @property
    def tests_path(self) -> Path:
        """The folder of the ``hardpy.toml`` read last (the working directory at first)."""
        return self._tests_path

    def read_config(self, toml_path: Path) -> HardpyConfig | None:
        """Read ``hardpy.toml`` from the folder `toml_path`; None if it is missing or invalid."""
        self._tests_path = Path(toml_path)
        if not (self._tests_path / "hardpy.toml").is_file():
            log.error("File hardpy.toml not found at path: %s", self._tests_path)
            return None
        try:
            self._config = load_config(self._tests_path)
        except ConfigError:
            log.exception("Error parsing TOML")
            return None
        return self._config

    def set_current_test_config(self, config_name: str) -> None:
        """Select the ``[[test_configs]]`` entry `config_name` (unknown names are ignored)."""
        names = [entry.name for entry in self._config.test_configs]
        if not names:
            log.warning("No test configurations available.")
        elif config_name in names:
            self._config.current_test_config = config_name
        else:
            log.warning("Test configuration %s not found among available ones.", config_name)


class StandCloudAddr(NamedTuple):
    """A StandCloud address and the URLs derived from it."""

    domain: str
    api: str
    token: str
    auth: str
    device: str


class DatabaseField(str, Enum):
    """The keys of HardPy's report documents."""

    NAME = "name"
    USER = "user"
    BATCH_SN = "batch_serial_number"
    CAUSED_DUT_FAILURE_ID = "caused_dut_failure_id"
    GROUP = "group"
    ERROR_CODE = "error_code"
    STATUS = "status"
    START_TIME = "start_time"
    STOP_TIME = "stop_time"
    NUMBER = "number"
    REVISION = "revision"
    INFO = "info"
    TIMEZONE = "timezone"
    MSG = "msg"
    ASSERTION_MSG = "assertion_msg"
    PART_NUMBER = "part_number"
    SERIAL_NUMBER = "serial_number"
    SUB_UNITS = "sub_units"
    ATTEMPT = "attempt"
    LOCATION = "location"
    HW_ID = "hw_id"
    DRIVERS = "drivers"
    TYPE = "type"
    CHART = "chart"
    DUT = "dut"
    TEST_STAND = "test_stand"
    PROCESS = "process"
    MODULES = "modules"
    CASES = "cases"
    INSTRUMENTS = "instruments"
    MEASUREMENTS = "measurements"
    PROGRESS = "progress"
    DIALOG_BOX = "dialog_box"
    OPERATOR_MSG = "operator_msg"
    FONT_SIZE = "font_size"
    ALERT = "alert"
    OPERATOR_DATA = "operator_data"
    DIALOG = "dialog"
    VISIBLE = "visible"
    TITLE = "title"
    IMAGE = "image"
    HTML = "html"
    ID = "id"
    ARTIFACT = "artifact"


def create_default_doc_structure(doc_id: str, doc_id_for_rev: str) -> dict[str, Any]:
    """An empty HardPy document: id, revision, no modules, empty DUT, stand and process."""
    empty: dict[str, Any] = {"modules": {}, "dut": {}, "test_stand": {}, "process": {}}
    return {"_id": doc_id, "_rev": doc_id_for_rev, **empty}


def _path(key: str) -> list[str]:
    return key.split(".")


def update_doc_value(doc: dict[str, Any], key: str, value: Any) -> None:
    """Set the dotted `key` of `doc`, creating missing dicts (HardPy's rule).

    A value JSON cannot hold is stored as its ``json.dumps(default=str)`` text.
    """
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        value = json.dumps(value, default=str)
    *parents, last = _path(key)
    node = doc
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def clear_doc_value(doc: dict[str, Any], key: str) -> Any:
    """Remove the top-level `key` from `doc`; its value, or None."""
    return doc.pop(key, None)


def get_field(doc: dict[str, Any], key: str) -> Any:
    """The value at the dotted `key` of `doc` (list items by index), or None."""
    node: Any = doc
    for part in _path(key):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def json_update_db(storage_dir: Path, file_path: Path, doc: dict[str, Any]) -> None:
    """Write `doc` to `file_path` atomically (a ``.tmp`` file, then a rename)."""
    storage_dir.mkdir(parents=True, exist_ok=True)
    temp = file_path.with_suffix(".tmp")
    try:
        temp.write_text(json.dumps(doc, indent=2, default=str))
        temp.replace(file_path)
    except OSError:
        log.exception("Error writing to storage file")
        temp.unlink(missing_ok=True)
        raise


def json_update_doc(file_path: Path, doc: dict[str, Any]) -> dict[str, Any]:
    """The document in `file_path`, or `doc` if the file is missing or not JSON."""
    if not file_path.exists():
        return doc
    try:
        loaded: dict[str, Any] = json.loads(file_path.read_text())
    except json.JSONDecodeError:
        log.exception("Error reading storage file")
        return doc
    return loaded


class StorageInterface(ABC):
    """HardPy's interface of a live document store."""

    @abstractmethod
    def get_field(self, key: str) -> Any:
        """The value at the dotted `key`, or None."""

    @abstractmethod
    def update_doc_value(self, key: str, value: Any) -> None:
        """Set the dotted `key` in memory."""

    @abstractmethod
    def clear_doc_value(self) -> None:
        """Remove a top-level key in memory."""

    @abstractmethod
    def update_db(self) -> None:
        """Persist the document."""

    @abstractmethod
    def update_doc(self) -> None:
        """Reload the document."""

    @abstractmethod
    def get_document(self) -> BaseModel:
        """The document, validated."""

    @abstractmethod
    def clear(self) -> None:
        """Reset the document."""

    @abstractmethod
    def compact(self) -> None:
        """Compact the storage."""


class TempStorageInterface(ABC):
    """HardPy's interface of the store of reports waiting for StandCloud."""

    @abstractmethod
    def push_report(self, report: Any) -> bool:
        """Keep `report`; whether it was kept."""

    @abstractmethod
    def reports(self) -> Iterator[dict[str, Any]]:
        """The reports kept."""

    @abstractmethod
    def delete(self, report_id: str) -> bool:
        """Drop one report; whether it was there."""

    @abstractmethod
    def dict_to_schema(self, report: dict[str, Any]) -> Any:
        """`report` as a validated run document."""


_WRITES_REFUSED = (
    "hardlab writes the run's report itself: set its fields with HardPy's setters "
    "(hardpy.set_dut_serial_number, set_case_artifact, ...)"
)


class RunStore(StorageInterface):
    """HardPy's run store, read-only: the report of the run going on.

    ``RunStore().get_document()`` and ``get_field("dut.serial_number")`` read
    the live report as HardPy's do; writing through it raises
    `NotSupportedError` (use HardPy's setters).
    """

    def __init__(self) -> None:
        self._doc: dict[str, Any] = {}
        self.update_doc()

    def get_field(self, key: str) -> Any:
        """The value at the dotted `key` of the report as last loaded, or None."""
        return get_field(self._doc, key)

    def update_doc(self) -> None:
        """Reload the report of the run going on (empty outside a run)."""
        report = self._report()
        self._doc = report.model_dump(mode="json", by_alias=True) if report is not None else {}

    def get_document(self) -> BaseModel:
        """The report of the run going on, validated.

        Raises:
            NotInRunError: Outside a run.
        """
        from hardlab.errors import NotInRunError

        report = self._report()
        if report is None:
            msg = "RunStore().get_document() can't be called outside of the test: no run is going"
            raise NotInRunError(msg)
        self._doc = report.model_dump(mode="json", by_alias=True)
        document: BaseModel = report
        return document

    @staticmethod
    def _report() -> Any:
        from hardlab.api import get_current_report
        from hardlab.errors import NotInRunError

        try:
            return get_current_report()
        except NotInRunError:
            return None

    def update_doc_value(self, key: str, value: Any) -> None:
        """Refused: see the class."""
        raise NotSupportedError(f"RunStore().update_doc_value({key!r}, ...): {_WRITES_REFUSED}")

    def clear_doc_value(self) -> None:
        """Refused: see the class."""
        raise NotSupportedError(f"RunStore().clear_doc_value(): {_WRITES_REFUSED}")

    def update_db(self) -> None:
        """Refused: see the class."""
        raise NotSupportedError(f"RunStore().update_db(): {_WRITES_REFUSED}")

    def clear(self) -> None:
        """Refused: see the class."""
        raise NotSupportedError(f"RunStore().clear(): {_WRITES_REFUSED}")

    def compact(self) -> None:
        """Nothing to compact: hardlab's store needs no compaction."""


class ProgressCalculator:
    """HardPy's progress: distinct nodes reported, as a whole percentage of all."""

    def __init__(self) -> None:
        self._progress_nodeids: set[str] = set()
        self._tests_amount = 1

    def set_test_amount(self, amount: int) -> None:
        """Set how many tests the run has.

        Raises:
            ValueError: If `amount` is not positive.
        """
        if amount <= 0:
            msg = "Test amount must be greater than 0."
            raise ValueError(msg)
        self._tests_amount = amount

    def calculate(self, nodeid: str) -> int:
        """Count `nodeid` as reported; the progress in percent."""
        self._progress_nodeids.add(nodeid)
        return len(self._progress_nodeids) * 100 // self._tests_amount


@dataclass
class CurrentTestInfo:
    """The module and case a HardPy call belongs to."""

    module_id: str
    case_id: str


def hardpy_only(name: str, instead: str, *, function: bool = False) -> Callable[..., Any] | type:
    """A stand-in for HardPy's internal `name` that raises `NotSupportedError` when used.

    Args:
        name: HardPy's name (shown in the error).
        instead: What hardlab offers instead (shown in the error).
        function: Make a function rather than a class.
    """
    message = f"HardPy's {name} is not part of hardlab: {instead}"

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotSupportedError(message)

    doc = f"HardPy's ``{name}``; under hardlab, using it raises `NotSupportedError`: {instead}."
    if function:
        refuse.__name__ = refuse.__qualname__ = name
        refuse.__doc__ = doc
        return refuse
    return type(name, (), {"__init__": refuse, "__doc__": doc, "__module__": __name__})
