"""What an upload's answer means: StandCloud's HTTP answers and transport errors, typed.

As httpx maps httpcore's exceptions at its transport, this module maps
StandCloud's answers at the client's boundary, once: 201 and 409 (a report
stored before under the same idempotency key) are delivered; 408, 429 and
5xx are worth another try, after the server's ``Retry-After`` where it
gives one; 401 means the credentials were refused even after the login was
refreshed; any other 4xx rejects the report, with the server's reason. A
`StandCloudError` raised before an answer came (no credentials, an untrusted
certificate, a server that is not there, a timeout) maps the same way, so a
caller switches on `UploadOutcome.kind` and never on a status code.

No httpx at import: the functions look at the objects they are given.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from hardlab.errors import StandCloudAuthError, StandCloudError

if TYPE_CHECKING:
    import httpx

__all__ = ["UploadKind", "UploadOutcome", "error_outcome", "upload_outcome"]

_REASON_CHARS = 500


class UploadKind(str, enum.Enum):
    """The kinds of `UploadOutcome`."""

    DELIVERED = "delivered"
    """StandCloud stored the report now (2xx)."""
    DUPLICATE = "duplicate"
    """StandCloud had stored the report before (409 on its idempotency key): delivered."""
    REJECTED = "rejected"
    """StandCloud will not take the report as it is (4xx): sending it again will not help."""
    RETRY = "retry"
    """Failed for now (408, 429, 5xx, a timeout, a reset connection): try again later."""
    UNAUTHORIZED = "unauthorized"
    """The credentials were refused (401) even after the login was refreshed: try again later."""
    UNREACHABLE = "unreachable"
    """The server could not even be connected to: try again later, stop sending for now."""
    BLOCKED = "blocked"
    """Nothing can be sent until someone acts: no API key or login, a refused refresh,
    an untrusted certificate. The report is not at fault."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        # the value, as str() gives, whatever the Python version does for str mixins
        return format(str(self.value), format_spec)


_RETRYABLE = frozenset({UploadKind.RETRY, UploadKind.UNAUTHORIZED, UploadKind.UNREACHABLE})


@dataclass(frozen=True)
class UploadOutcome:
    """What became of one upload.

    Attributes:
        kind: What it means (see `UploadKind`).
        status: The HTTP status StandCloud answered; None when no answer came.
        reason: The server's reason (its ``detail``, else its text), or what
            went wrong before an answer came.
        retry_after: Seconds the server asked to wait (``Retry-After`` of a
            429 or 503), else None.
        remote_id: StandCloud's id of the stored run, when it says.

    Example:
        ```python
        outcome = StandCloudLoader().deliver(hardlab.get_current_report())
        if not outcome.delivered:
            hardlab.set_operator_message(f"StandCloud: {outcome}")
        ```
    """

    kind: UploadKind
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None
    remote_id: str | None = None

    def __str__(self) -> str:
        """``STATUS: reason`` for an answer, the reason alone when none came."""
        if self.status is None:
            return self.reason or str(self.kind)
        return f"{self.status}: {self.reason}"

    @property
    def delivered(self) -> bool:
        """Whether StandCloud has the report (stored now or before)."""
        return self.kind in (UploadKind.DELIVERED, UploadKind.DUPLICATE)

    @property
    def retryable(self) -> bool:
        """Whether the same report may be taken later (the report is not at fault)."""
        return self.kind in _RETRYABLE


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _reason(response: httpx.Response) -> str:
    """The server's reason: FastAPI's ``detail`` (a validation list made readable), else text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:_REASON_CHARS] or response.reason_phrase
    if isinstance(body, dict):
        detail = body.get("detail", body.get("error_description", body.get("error", body)))
        if isinstance(detail, list):
            parts = []
            for item in detail:
                if isinstance(item, dict):
                    where = ".".join(str(p) for p in item.get("loc", []))
                    parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
                else:
                    parts.append(str(item))
            return "; ".join(parts)[:_REASON_CHARS]
        return str(detail)[:_REASON_CHARS]
    return str(body)[:_REASON_CHARS]


def _remote_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("test_run_id", body.get("id"))
        return str(value) if value is not None else None
    return None


def upload_outcome(response: httpx.Response) -> UploadOutcome:
    """What StandCloud's answer to ``POST test_report`` means.

    Args:
        response: The answer (`StandCloudLoader.load` and `StandCloudLoader.upload` return it).

    Returns:
        The outcome; its `UploadOutcome.kind` decides what to do next.
    """
    status = response.status_code
    if status == 409:
        return UploadOutcome(
            UploadKind.DUPLICATE, status, _reason(response), remote_id=_remote_id(response)
        )
    if 200 <= status < 300:
        return UploadOutcome(UploadKind.DELIVERED, status, "", remote_id=_remote_id(response))
    if status == 401:
        return UploadOutcome(UploadKind.UNAUTHORIZED, status, _reason(response))
    if status == 408 or status >= 500:
        # only 503 carries a Retry-After worth honouring among the 5xx (RFC 9110 §15.6.4)
        wait = _retry_after(response) if status == 503 else None
        return UploadOutcome(UploadKind.RETRY, status, _reason(response), retry_after=wait)
    if status == 429:
        return UploadOutcome(
            UploadKind.RETRY, status, _reason(response), retry_after=_retry_after(response)
        )
    return UploadOutcome(UploadKind.REJECTED, status, _reason(response))


def _connect_failed(exc: StandCloudError) -> bool:
    """Whether the server could not even be connected to (as opposed to a slow answer)."""
    import httpx

    return isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))


def error_outcome(exc: StandCloudError) -> UploadOutcome:
    """What an upload that raised `exc` before StandCloud answered means.

    Args:
        exc: What `StandCloudLoader.upload` raised (`translate_errors` made it
            from httpx's transport error, or the connector found no credentials).

    Returns:
        `UploadKind.BLOCKED` when trying again cannot help by itself,
        `UploadKind.UNREACHABLE` when the server was not there, else
        `UploadKind.RETRY`; the reason is the error's message.
    """
    if isinstance(exc, StandCloudAuthError) or not exc.transient:
        return UploadOutcome(UploadKind.BLOCKED, None, str(exc))
    if _connect_failed(exc):
        return UploadOutcome(UploadKind.UNREACHABLE, None, str(exc))
    return UploadOutcome(UploadKind.RETRY, None, str(exc))
