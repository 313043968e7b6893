"""``hardpy.toml``: the plan's configuration, read as HardPy reads it.

The top level accepts extra tables (``[extra_args]``, ...), which become
attributes of `HardpyConfig`, as `get_hardpy_config()` exposes them in HardPy.
The sections ``[database]``, ``[frontend]``, ``[stand_cloud]`` and hardlab's
own ``[hardlab]`` (start arguments the operator station asks for) know their
keys. Where HardPy throws the whole file away over one unknown key (its own
example spells ``enabled`` for ``enable``), hardlab ignores that key and says
so in a `HardlabWarning` that names it and suggests the right spelling.
Where HardPy takes any key (the top level, ``[[test_configs]]`` entries), a
key that looks like a known one misspelt (``[databse]``, ``test_name``) gets
the same warning. A value of the wrong type, or a file that is not TOML, is
a `ConfigError`.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import typing
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hardlab._util import data_dir, toml_loads
from hardlab.errors import ConfigError, HardlabWarning

__all__ = [
    "CONFIG_FILE",
    "DatabaseConfig",
    "FrontendConfig",
    "HardlabConfig",
    "HardpyConfig",
    "InstrumentConfig",
    "ModalResultConfig",
    "ReportConfig",
    "ReportsStorageMenuConfig",
    "StandCloudConfig",
    "StartArgConfig",
    "TestConfig",
    "data_dir",
    "load_config",
]

CONFIG_FILE = "hardpy.toml"
"""The file name a plan folder's configuration has."""

API_KEY_ENV = "HARDPY_SC_API_KEY"
"""Environment variable that overrides ``[stand_cloud] api_key`` (as HardPy 0.25)."""

_SECTION = ConfigDict(extra="forbid", validate_assignment=True)


class DatabaseConfig(BaseModel):
    """``[database]``: HardPy's CouchDB/JSON settings, plus hardlab's SQL ``url``.

    The CouchDB keys are accepted so HardPy files load unchanged; hardlab
    stores runs in SQL and does not use them.
    """

    model_config = _SECTION

    storage_type: str = "couchdb"
    user: str = "dev"
    password: str = "dev"
    host: str = "localhost"
    port: int = 5984
    storage_path: str = ".hardpy"
    url: str | None = None
    """SQLAlchemy URL of hardlab's store (hardlab only; None = the embedded default).

    HardPy derives a ``url`` of its own (the CouchDB address); hardlab gives
    that one as `connection_url()`, since hardlab never talks to CouchDB.
    """
    doc_id: str = Field(default="", exclude=True)
    """HardPy's derived document id, ``<frontend.host>_<frontend.port>`` (read-only)."""

    def connection_url(self) -> str:
        """HardPy's derived CouchDB URL, ``http://user:password@host:port/``."""
        return f"http://{self.user}:{self.password}@{self.host}:{self.port}/"


class ModalResultConfig(BaseModel):
    """``[frontend.modal_result]``: the full-panel result after a run."""

    model_config = _SECTION

    enable: bool = False
    auto_dismiss_pass: bool = True
    auto_dismiss_timeout: int = 5


class ReportsStorageMenuConfig(BaseModel):
    """``[frontend.reports_storage_menu]`` (HardPy 0.25)."""

    model_config = _SECTION

    show_standcloud: bool = True
    check_standcloud: bool = True


class FrontendConfig(BaseModel):
    """``[frontend]``: the operator panel's look and behaviour."""

    model_config = _SECTION

    host: str = "localhost"
    port: int = 8000
    language: str = "en"
    full_size_button: bool = False
    sound_on: bool = False
    manual_collect: bool = False
    measurement_display: bool = True
    test_history: bool = False
    auto_scroll: bool = False
    slots: int | None = Field(default=None, ge=1)
    """hardlab's own: the station shows this many slots (docs/slots.md); HardPy has no such key."""
    modal_result: ModalResultConfig = Field(default_factory=ModalResultConfig)
    reports_storage_menu: ReportsStorageMenuConfig = Field(default_factory=ReportsStorageMenuConfig)


class StandCloudConfig(BaseModel):
    """``[stand_cloud]``: where and how reports are uploaded."""

    model_config = _SECTION

    address: str = "standcloud.everypin.io"
    connection_only: bool = False
    autosync: bool = False
    autosync_timeout: int = 30
    """Minutes between background upload attempts."""
    api_key: str = ""
    verify: bool = True
    """Check the server's TLS certificate (hardlab only; HardPy never checks it).

    Turn it off only for a private test server you trust; prefer `ca_bundle`.
    """
    ca_bundle: str = ""
    """A PEM file of the certificate authorities to trust for a private server
    (hardlab only); relative paths are from the plan folder. Empty: the system's."""


class TestConfig(BaseModel):
    """One ``[[test_configs]]`` entry: a named alternative pytest ini file."""

    __test__ = False  # a pytest collector must not take this for a test class

    model_config = ConfigDict(extra="allow")

    name: str
    description: str = ""
    file: str | None = None


class StartArgConfig(BaseModel):
    """One ``[[hardlab.start_args]]`` entry: an input the operator fills in before Start.

    HardPy takes start arguments only from its command line (``hardpy start
    --arg k=v``); hardlab's operator station asks for the ones declared here
    and passes them to the run, where the ``hardpy_start_args`` fixture
    gives them to the tests as text. HardPy ignores the ``[hardlab]`` table.

    Example:
        ```toml
        [[hardlab.start_args]]
        name = "operator"
        label = { en = "Operator", de = "Bediener" }

        [[hardlab.start_args]]
        name = "serial"
        label = "Serial number"
        pattern = "SN-[0-9]{4}"
        keep = false             # asked afresh for every run

        [[hardlab.start_args]]
        name = "mode"
        kind = "choice"
        choices = ["quick", "full"]
        default = "full"
        ```
    """

    model_config = _SECTION

    name: str
    """The key in ``hardpy_start_args``."""
    label: str | dict[str, str] = ""
    """What the operator reads: a text, or a table of texts by language code
    (``en``, ``de``, ...); default: `name`."""
    kind: Literal["text", "number", "choice"] = "text"
    """``text``, ``number`` (any decimal number) or ``choice`` (one of `choices`)."""
    choices: list[str] = []
    default: str = ""
    """The value shown before the operator changes it."""
    required: bool = True
    """Whether Start refuses an empty value."""
    pattern: str = ""
    """A regular expression the whole value must match (text only)."""
    keep: bool = True
    """Keep the value for the next run (an operator's name); false clears it
    after each start (a serial number)."""
    placeholder: str = ""

    @field_validator("name")
    @classmethod
    def _name_is_a_key(cls, value: str) -> str:
        if not value or "=" in value or value != value.strip():
            msg = (
                "a start argument's name must be a non-empty key without '=' "
                f"or surrounding spaces, not {value!r}"
            )
            raise ValueError(msg)
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            msg = f"pattern {value!r} is not a regular expression: {exc}"
            raise ValueError(msg) from None
        return value

    @model_validator(mode="after")
    def _choices_fit(self) -> StartArgConfig:
        if self.kind == "choice" and not self.choices:
            msg = f"start argument {self.name!r} is a choice: give its choices = [...]"
            raise ValueError(msg)
        if self.kind == "choice" and self.default and self.default not in self.choices:
            msg = (
                f"start argument {self.name!r}: default {self.default!r} is not one of its choices"
            )
            raise ValueError(msg)
        return self

    def label_for(self, language: str) -> str:
        """The label in `language` (falling back to English, then any, then the name)."""
        if isinstance(self.label, str):
            return self.label or self.name
        for key in (language, "en"):
            if self.label.get(key):
                return self.label[key]
        return next((text for text in self.label.values() if text), self.name)


class InstrumentConfig(BaseModel):
    r"""One ``[[hardlab.instruments]]`` entry: a VISA instrument the plan uses.

    The plan reaches it as ``instruments["psu"]`` (a fixture) or
    ``hardlab.instrument("psu")``; see `hardlab.instruments`. HardPy ignores
    the ``[hardlab]`` table.

    Example:
        ```toml
        [[hardlab.instruments]]
        name = "psu"
        resource = "USB0::0x1234::0x0001::PSU001::INSTR"
        backend = "bench.yaml@sim"      # a pyvisa-sim YAML beside hardpy.toml
        read_termination = "\n"
        write_termination = "\n"
        timeout_ms = 2000

        [[hardlab.instruments]]
        name = "dmm"
        resource = "GPIB0::22::INSTR"
        backend = "@py"
        driver = "my_drivers.keithley:Keithley2000"
        ```
    """

    model_config = _SECTION

    name: str
    """The key in the ``instruments`` fixture and for `hardlab.instrument`."""
    resource: str
    """The VISA address (``USB0::...::INSTR``, ``GPIB0::22::INSTR``)."""
    backend: str = ""
    """PyVISA's visa_library: ``"@py"`` (pyvisa-py), ``"@ivi"`` (an installed
    VISA), ``"@sim"`` or ``"bench.yaml@sim"`` (pyvisa-sim); a relative YAML
    path is read from the plan folder. Empty: PyVISA's default."""
    read_termination: str | None = None
    write_termination: str | None = None
    timeout_ms: int | None = None
    """How long a read waits, in milliseconds (PyVISA's ``timeout``)."""
    driver: str = ""
    """A driver class built on the open resource, ``"package.module:Class"``;
    called as ``Class(resource)``. Empty: the logged resource itself."""
    identify: bool = True
    """Ask ``*IDN?`` when the instrument opens; false for one that does not speak
    SCPI (its report entry then has only its name and address)."""
    shared: bool = False
    """Whether the stand's slots share this instrument: each exchange holds
    ``hardlab.shared(name)``, so slots take turns on it (see docs/slots.md)."""

    @field_validator("name")
    @classmethod
    def _name_is_a_key(cls, value: str) -> str:
        if not value or value != value.strip():
            msg = (
                "an instrument's name must be a non-empty key without surrounding spaces, "
                f"not {value!r}"
            )
            raise ValueError(msg)
        return value

    @field_validator("driver")
    @classmethod
    def _driver_is_a_path(cls, value: str) -> str:
        module, sep, attr = value.partition(":")
        if value and (not sep or not module or not attr):
            msg = f"driver must be 'package.module:Class', not {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("timeout_ms")
    @classmethod
    def _timeout_positive(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            msg = f"timeout_ms must be a positive number of milliseconds, not {value}"
            raise ValueError(msg)
        return value


class ReportConfig(BaseModel):
    """``[hardlab.report]``: the unit report ``hardlab report`` writes.

    Example:
        ```toml
        [hardlab.report]
        template = "report/our_report.html.j2"   # relative to the plan folder
        ```
    """

    model_config = _SECTION

    template: str | None = None
    """A Jinja2 template that replaces hardlab's own (it may ``{% extends "report.html.j2" %}``
    and override blocks); a relative path is from the plan folder."""


class HardlabConfig(BaseModel):
    """``[hardlab]``: hardlab's own settings; HardPy keeps the table as an unknown extra."""

    model_config = _SECTION

    start_args: list[StartArgConfig] = []
    """What the operator station asks before each run (see `StartArgConfig`)."""
    report: ReportConfig = Field(default_factory=ReportConfig)
    """How the unit report looks (see `ReportConfig`)."""
    instruments: list[InstrumentConfig] = []
    """The plan's VISA instruments (see `InstrumentConfig`)."""

    @field_validator("instruments")
    @classmethod
    def _unique_instruments(cls, value: list[InstrumentConfig]) -> list[InstrumentConfig]:
        _refuse_repeats([entry.name for entry in value], "instrument names")
        return value

    @field_validator("start_args")
    @classmethod
    def _unique_names(cls, value: list[StartArgConfig]) -> list[StartArgConfig]:
        _refuse_repeats([entry.name for entry in value], "start argument names")
        return value


def _refuse_repeats(names: list[str], what: str) -> None:
    """Refuse `names` (`what` they are, for the message) if one stands twice.

    Raises:
        ValueError: Naming the repeated ones (pydantic makes it a validation error).
    """
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        msg = f"{what} must be unique; repeated: {', '.join(twice)}"
        raise ValueError(msg)


class HardpyConfig(BaseModel):
    """The whole ``hardpy.toml``. Extra top-level tables become attributes.

    Example:
        ```toml
        tests_name = "Power board"
        [extra_args]
        psu_port = "/dev/ttyUSB0"
        ```
        ``get_hardpy_config().extra_args["psu_port"]``
    """

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    title: str = "HardPy TOML config"
    tests_name: str = ""
    current_test_config: str = ""
    test_configs: list[TestConfig] = []
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    frontend: FrontendConfig = Field(default_factory=FrontendConfig)
    stand_cloud: StandCloudConfig = Field(default_factory=StandCloudConfig)
    hardlab: HardlabConfig = Field(default_factory=HardlabConfig)
    extra_info: dict[str, Any] = Field(default_factory=dict)
    """HardPy's ``[extra_info]`` table of custom fields (``{}`` when the file has none)."""

    def model_post_init(self, context: Any, /) -> None:
        """Fill in HardPy's derived ``database.doc_id``."""
        self.database.doc_id = self.get_doc_id()

    def get_doc_id(self) -> str:
        """HardPy's document id for this stand, ``<frontend.host>_<frontend.port>``."""
        return f"{self.frontend.host}_{self.frontend.port}"

    def test_config(self, name: str | None = None) -> TestConfig | None:
        """The `TestConfig` called `name` (default: `current_test_config`), or None.

        Raises:
            ConfigError: If a name is given and no ``[[test_configs]]`` entry has it.
        """
        wanted = name if name is not None else self.current_test_config
        if not wanted:
            return None
        for entry in self.test_configs:
            if entry.name == wanted:
                return entry
        known = ", ".join(repr(entry.name) for entry in self.test_configs) or "none"
        msg = (
            f"hardpy.toml: current_test_config {wanted!r} matches no [[test_configs]] entry "
            f"(known: {known}); add the entry or choose one of the known names"
        )
        raise ConfigError(msg)


def _model_for(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = HardpyConfig
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field is not None else None
        if typing.get_origin(annotation) is list:  # [[tables]]: the entries' model
            annotation = typing.get_args(annotation)[0]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return None
    return model


def _section_name(path: tuple[str | int, ...]) -> str:
    parts = [str(part) for part in path if not isinstance(part, int)]
    return "[" + ".".join(parts) + "]" if parts else "the top level"


def _drop_unknown_keys(raw: dict[str, Any], exc: ValidationError, source: str) -> bool:
    dropped = False
    for error in exc.errors():
        if error["type"] != "extra_forbidden":
            continue
        *parent, key = error["loc"]
        container: Any = raw
        for part in parent:
            container = container[part]
        if not isinstance(container, dict) or key not in container:
            continue
        del container[key]
        dropped = True
        model = _model_for(tuple(parent))
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        section = _section_name(tuple(parent))
        warnings.warn(
            f"{source}: {section} has no key {key!r}; {hint}it is ignored "
            f"(known keys: {', '.join(known)})",
            HardlabWarning,
            stacklevel=4,
        )
    return dropped


_NEAR_MISS = 0.8
"""How alike an extra key must be to a known one to be taken for its misspelling.

HardPy keeps unknown top-level keys and tables (``[extra_args]``) as the
plan's own settings, so only near misses are reported there: ``[databse]``
and ``test_name`` are, ``[extra_args]`` (0.6 from ``extra_info``) is not.
"""


def _warn_near_misses(raw: dict[str, Any], source: str) -> None:
    """Warn about extra keys where HardPy allows them, when they look like a known key misspelt.

    The top level and ``[[test_configs]]`` entries take any key (HardPy keeps
    them), so a typo there would silently leave the setting at its default.
    """
    places: list[tuple[str, dict[str, Any], type[BaseModel]]] = [("", raw, HardpyConfig)]
    entries = raw.get("test_configs")
    if isinstance(entries, list):
        places += [
            (f"test_configs[{index}].", entry, TestConfig)
            for index, entry in enumerate(entries)
            if isinstance(entry, dict)
        ]
    for prefix, table, model in places:
        known = list(model.model_fields)
        for key, value in table.items():
            if key in model.model_fields:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=_NEAR_MISS)
            if not close:
                continue
            if isinstance(value, dict):
                what, meant = f"table [{prefix}{key}]", f"[{prefix}{close[0]}]"
            else:
                what, meant = f"key {prefix}{key}", f"{prefix}{close[0]}"
            warnings.warn(
                f"{source}: {what} is not one hardpy.toml knows; did you mean {meant}? "
                "It is kept as the plan's own setting and changes nothing (HardPy ignores "
                "it too)",
                HardlabWarning,
                stacklevel=4,
            )


def _explain(exc: ValidationError, source: str) -> str:
    lines = [f"{source} is not valid:"]
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"])
        lines.append(f"  {loc}: {error['msg']} (got {error.get('input')!r})")
    lines.append("Fix these values, or delete them to use the defaults.")
    return "\n".join(lines)


def _dotenv_value(path: Path, key: str) -> str | None:
    """`key` from a ``.env`` file (``KEY=value`` lines, optional quotes and ``export``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        if not sep or name.strip() != key:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            return value[1:-1]
        return value.split(" #", 1)[0].strip()
    return None


def api_key_override(directory: Path | None = None) -> str | None:
    """The StandCloud API key from the environment, as HardPy 0.25 finds it.

    ``HARDPY_SC_API_KEY`` from the environment, else from ``.env`` in the
    plan folder, else from ``.env`` in the working directory.
    """
    value = os.environ.get(API_KEY_ENV)
    if value:
        return value
    for folder in (directory, Path.cwd()):
        if folder is None:
            continue
        found = _dotenv_value(folder / ".env", API_KEY_ENV)
        if found:
            return found
    return None


_MAX_DEPTH = 64
"""The deepest nesting of arrays and tables a configuration may have (JSON copies of it
must stay well inside pydantic's serialisation limit)."""


def _check_depth(raw: dict[str, Any], source: str) -> None:
    stack: list[tuple[Any, int]] = [(raw, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= _MAX_DEPTH:
                msg = f"{source} nests arrays or tables deeper than {_MAX_DEPTH} levels; flatten it"
                raise ConfigError(msg)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def parse_config(
    raw: dict[str, Any], source: str = CONFIG_FILE, directory: Path | None = None
) -> HardpyConfig:
    """Validate an already-parsed ``hardpy.toml`` mapping.

    Args:
        raw: The TOML content.
        source: How to name the input in messages.

        directory: The plan folder, where a ``.env`` file may hold the API key.

    Returns:
        The configuration, with the API key taken from ``HARDPY_SC_API_KEY``
        (the environment, or a ``.env`` file) when it is set.

    Raises:
        ConfigError: If a value has the wrong type, or the tables nest too deeply.
    """
    _check_depth(raw, source)
    _warn_near_misses(raw, source)
    data = copy.deepcopy(raw)
    for _ in range(20):  # each pass drops the unknown keys one validation error reports
        try:
            config = HardpyConfig.model_validate(data)
            break
        except ValidationError as exc:
            if not _drop_unknown_keys(data, exc, source):
                raise ConfigError(_explain(exc, source)) from None
    else:  # pragma: no cover - would need more than 20 nesting levels of unknown keys
        raise ConfigError(f"{source}: too many unknown keys")
    api_key = api_key_override(directory)
    if api_key:
        config.stand_cloud.api_key = api_key
    template = config.hardlab.report.template
    if template and directory is not None and not Path(template).expanduser().is_absolute():
        config.hardlab.report.template = str(directory / template)
    bundle = config.stand_cloud.ca_bundle
    if bundle and directory is not None and not Path(bundle).expanduser().is_absolute():
        config.stand_cloud.ca_bundle = str(directory / bundle)
    if directory is not None:
        for instrument in config.hardlab.instruments:
            instrument.backend = _plan_relative_backend(instrument.backend, directory)
    return config


def _plan_relative_backend(backend: str, directory: Path) -> str:
    """``"bench.yaml@sim"`` read from the plan folder: PyVISA would read it from the cwd."""
    path, sep, library = backend.rpartition("@")
    if not sep or not path or Path(path).expanduser().is_absolute():
        return backend
    return f"{(directory / path).resolve()}@{library}"


def load_config(directory: str | os.PathLike[str] | None = None) -> HardpyConfig:
    """Read ``hardpy.toml`` from `directory` (default: the working directory).

    A missing file gives the defaults, as in HardPy.

    Raises:
        ConfigError: If the file is not UTF-8, not valid TOML, nested too
            deeply, or a value has the wrong type; the message names the file.
    """
    folder = Path(directory) if directory is not None else Path.cwd()
    path = folder / CONFIG_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return parse_config({}, str(path), folder)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = (
            f"{path} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); "
            "TOML files are UTF-8: save it as UTF-8"
        )
        raise ConfigError(msg) from None
    try:
        raw = toml_loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except RecursionError:
        # tomllib parses nested arrays and tables recursively
        msg = f"{path} nests arrays or tables too deeply to be read; flatten it"
        raise ConfigError(msg) from None
    return parse_config(raw, str(path), folder)
