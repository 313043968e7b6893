"""The exceptions hardlab raises, in one tree.

Every error hardlab raises on purpose derives from `HardlabError`. Errors
from libraries hardlab uses (pydantic, pytest, the database and HTTP layers)
are translated where they enter hardlab, so callers catch one family::

    HardlabError
    ├── ConfigError                  bad hardpy.toml, option or argument (also ValueError)
    ├── PlanError                    the test plan cannot be found or collected
    ├── ReportFormatError            a document is not a HardPy schema-v1 report (also ValueError)
    ├── NotInRunError                a setter was called outside a run or a test (also RuntimeError)
    ├── RunNotFinishedError          a background run's result was asked for before it ended
    ├── KernelBlockedError           a run would block the kernel thread its operator needs
    ├── InvalidValueError            a setter got a value the report cannot hold (also ValueError)
    ├── HardpyError                  HardPy's own error family, messages prefixed "HardPy error: "
    │   ├── DuplicateParameterError  a write-once report field was set twice (also ValueError)
    │   ├── TestStandNumberError     set_stand_number got a non-integer or a negative number
    │   ├── WidgetInfoError          a dialog widget or component was built with bad values
    │   └── ImageError               an image for a dialog cannot be read
    ├── StorageError                 the run store cannot be opened, read or written
    │   └── SchemaOutOfDateError     the database's schema is older than hardlab's
    ├── StandCloudError              StandCloud cannot be reached or refused a request (HardPy)
    │   └── StandCloudAuthError      no API key or login for the address, or the login failed
    ├── CouchdbError                 CouchDB is unreachable or refused a request (also RuntimeError)
    ├── InstrumentError              an instrument cannot be opened or did not answer
    ├── OperatorError                the operator channel could not give an answer
    │   ├── NoOperatorError          a dialog or a blocking message came with no operator
    │   ├── NoAnswerError            a scripted operator has no answer for a dialog
    │   ├── InvalidAnswerError       an answer does not fit the dialog's widget
    │   └── DialogCancelledError     the run was stopped while a dialog was open
    ├── MissingExtraError            an optional dependency is not installed (also ImportError)
    └── NotSupportedError            a HardPy internal hardlab does not run (its CouchDB stores,
                                     reporters, panel wrapper); also RuntimeError

    HardlabWarning                   input accepted but not used (a UserWarning, not an error)

The HardPy-named classes keep HardPy's constructor arguments and messages, so
code written for HardPy that catches or inspects them keeps working.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CouchdbError",
    "DialogCancelledError",
    "DuplicateParameterError",
    "HardlabError",
    "HardlabWarning",
    "HardpyError",
    "ImageError",
    "InstrumentError",
    "InvalidAnswerError",
    "InvalidValueError",
    "KernelBlockedError",
    "MissingExtraError",
    "NoAnswerError",
    "NoOperatorError",
    "NotInRunError",
    "NotSupportedError",
    "OperatorError",
    "PlanError",
    "ReportFormatError",
    "RunNotFinishedError",
    "SchemaOutOfDateError",
    "StandCloudAuthError",
    "StandCloudError",
    "StartRefusedError",
    "StorageError",
    "TestStandNumberError",
    "WidgetInfoError",
]


class HardlabError(Exception):
    """Base class of every error hardlab raises on purpose."""


class ConfigError(HardlabError, ValueError):
    """A configuration value, option or argument is invalid.

    The message names the offending field, where it came from and how to fix it.
    """


class PlanError(HardlabError):
    """A test plan cannot be found or collected.

    Args:
        message: What went wrong.
        errors: pytest's collection errors, each ``nodeid: text``, if any.

    Attributes:
        errors: pytest's collection errors, each ``nodeid: text`` (may be empty).
    """

    def __init__(self, message: str = "", *, errors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


class ReportFormatError(HardlabError, ValueError):
    """A file or document is not a report in HardPy's schema v1; the message says where."""


class NotInRunError(HardlabError, RuntimeError):
    """A function that needs a running test (or run) was called outside one.

    HardPy raises a plain `RuntimeError` in this case; this class derives from
    it so existing ``except RuntimeError`` blocks keep working.
    """


class RunNotFinishedError(HardlabError):
    """A background run's result was asked for while the run is still going.

    Wait for it first: ``handle.wait()``, ``await handle``, or check ``handle.done()``.
    """


class KernelBlockedError(HardlabError, RuntimeError):
    """A run would block the notebook kernel's thread that its operator's answers need.

    A widget operator's answers reach the kernel as messages that the
    kernel's main thread handles; ``hardlab.run()`` called in a cell blocks
    that thread, so the first dialog would wait for ever. Run the plan with
    ``%hardpy run PLAN`` (``%load_ext hardlab``) or ``await hardlab.start(...)``.
    """


class InvalidValueError(HardlabError, ValueError, TypeError):
    """A setter got a value the report document cannot hold.

    HardPy would store such a value and then fail to validate the report (so
    `get_current_report()` returned None and uploads failed); hardlab refuses
    it at the call, naming the field and what it accepts.
    """


class HardpyError(HardlabError):
    """HardPy's error family: the message is prefixed with ``HardPy error:``."""

    def __init__(self, msg: str) -> None:
        super().__init__(f"HardPy error: {msg}")


class DuplicateParameterError(HardpyError, ValueError):
    """A write-once report field was given a second value.

    Args:
        param_name: The report field, in HardPy's spelling (``dut_serial_number``).
    """

    def __init__(self, param_name: str) -> None:
        self.param_name = param_name
        super().__init__(f"Parameter {param_name} is already defined")


class TestStandNumberError(HardpyError, ValueError):
    """The test stand number is not a non-negative integer."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self) -> None:
        super().__init__("The test stand number is in the incorrect format.")


class WidgetInfoError(HardpyError, ValueError):
    """A dialog widget or component was built with invalid values."""


class ImageError(HardpyError, ValueError):
    """An image for a dialog box cannot be read."""


class StorageError(HardlabError):
    """The run store cannot be opened, read or written; the message names the database.

    Attributes:
        transient: Whether trying again later may succeed (a lock, a lost connection).
    """

    transient: bool = False


class SchemaOutOfDateError(StorageError):
    """The database's schema is older than this hardlab's; the message names the command.

    Run ``hardlab db upgrade`` (or ``Store(url).upgrade()``) to migrate it.
    """


class StandCloudError(HardlabError):
    """StandCloud cannot be reached, or refused the credentials or a request.

    HardPy raises it from its StandCloud client for connection and
    authorisation failures; code that catches it keeps working.

    Args:
        msg: What went wrong and what to do about it.
        status_code: The HTTP status the server answered, if it answered.
        transient: Whether trying again later may succeed (a timeout, a
            refused connection, a 5xx).
    """

    def __init__(
        self, msg: str, *, status_code: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(msg)
        self.status_code = status_code
        self.transient = transient


class StandCloudAuthError(StandCloudError):
    """There is no API key or login for the address, or the login failed or expired.

    Log in with ``hardlab sc-login ADDRESS`` (or `hardlab.cloud.login`), or set
    ``[stand_cloud] api_key`` / ``HARDPY_SC_API_KEY``.
    """


class CouchdbError(HardlabError, RuntimeError):
    """CouchDB cannot be reached, refused the credentials, or lacks a database or document.

    HardPy's CouchDB classes raise `RuntimeError` for these; this class
    derives from it, so code written for HardPy that catches it keeps working.

    Args:
        msg: What went wrong, where, and what to do about it.
        status_code: The HTTP status CouchDB answered, if it answered.
    """

    def __init__(self, msg: str, *, status_code: int | None = None) -> None:
        super().__init__(msg)
        self.status_code = status_code


class InstrumentError(HardlabError):
    """An instrument of ``[[hardlab.instruments]]`` cannot be opened, or an exchange failed.

    The message names the instrument, its VISA address and what to check.

    Args:
        msg: What went wrong and what to do about it.
        instrument: The instrument's name in hardpy.toml.
        resource: Its VISA address.
    """

    def __init__(self, msg: str, *, instrument: str = "", resource: str = "") -> None:
        super().__init__(msg)
        self.instrument = instrument
        self.resource = resource


class OperatorError(HardlabError):
    """The operator channel could not produce an answer."""


class NoOperatorError(OperatorError):
    """A dialog box or a blocking operator message came, and the run has no operator."""


class NoAnswerError(OperatorError):
    """A scripted operator was asked a dialog it has no answer for."""


class InvalidAnswerError(OperatorError, ValueError):
    """An answer does not fit the dialog it was given to."""


class DialogCancelledError(OperatorError):
    """The run was stopped while a dialog box or operator message was open."""


class StartRefusedError(HardlabError, ValueError):
    """The operator station cannot start a run yet: an input is missing or wrong.

    Its message says what to fill in or choose (in the station's language);
    `problems` lists each one.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class MissingExtraError(HardlabError, ImportError):
    """An optional dependency is needed and not installed.

    Args:
        extra: The name of the hardlab extra that provides it.
        package: The missing distribution.
    """

    def __init__(self, extra: str, package: str) -> None:
        self.extra = extra
        self.package = package
        super().__init__(
            f"{package} is not installed; it comes with hardlab's {extra!r} extra: "
            f'pip install "hardlab[{extra}]"'
        )


class NotSupportedError(HardlabError, RuntimeError):
    """A HardPy internal that hardlab does not run was used.

    A plan that imports HardPy's storage backends, reporters or panel wrapper
    still collects under hardlab; using one raises this error, which says
    what hardlab offers instead (runs are kept in SQL by hardlab itself).
    """


class HardlabWarning(UserWarning):
    """Input was accepted but not (fully) used: an unknown config key, a CouchDB-only option."""
