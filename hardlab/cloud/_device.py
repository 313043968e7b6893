"""A StandCloud device login in progress (OAuth 2.0 device authorization grant, RFC 8628).

`DeviceLogin` holds the verification URL the user opens (in a browser, on a
phone through the QR code) and polls the token endpoint at the server's
interval until the user has accepted, honouring ``slow_down`` and giving up
on ``expired_token`` and ``access_denied``. It works on a connector it is
given, so the connector (whose HardPy-named ``wait_verification`` uses it)
and the login functions that build connectors both import this module, not
each other.
"""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any

from hardlab.errors import StandCloudAuthError

if TYPE_CHECKING:
    from collections.abc import Callable

    from hardlab.cloud._connector import StandCloudConnector

__all__ = ["SLOW_DOWN_S", "DeviceLogin"]

SLOW_DOWN_S = 5.0
"""RFC 8628: each ``slow_down`` answer adds this much to the polling interval."""


class DeviceLogin:
    """A device login in progress: the link for the user, and `wait` (or `poll`) for the result.

    `wait` blocks until the user accepts (a terminal, a script); `poll` asks
    once and returns at once (a notebook or a UI that keeps running, calling
    it from a timer); `cancel` ends a `wait` from another thread.

    Attributes:
        connector: The connector that receives the token.
        user_code: The code the user sees on the verification page.
        verification_uri: The page where the user enters `user_code`.
        verification_uri_complete: The page with the code already filled in
            (what the QR code and the notebook link open).
        expires_at: ``time.monotonic()`` after which the code is no longer valid.
        interval: Seconds between two polls (grows on ``slow_down``).
        token: The token once the login completed, else None.
    """

    def __init__(self, connector: StandCloudConnector, answer: dict[str, Any]) -> None:
        self.connector = connector
        self.device_code = str(answer["device_code"])
        self.user_code = str(answer.get("user_code", ""))
        self.verification_uri = str(answer.get("verification_uri", ""))
        self.verification_uri_complete = str(
            answer.get("verification_uri_complete") or self.verification_uri
        )
        self.interval = float(answer.get("interval") or 5)
        self.expires_at = time.monotonic() + float(answer.get("expires_in") or 300)
        self.token: dict[str, Any] | None = None
        self.polls = 0
        """How many times the token endpoint was asked."""
        self.last_answer: str | None = None
        """The server's last answer while waiting (``authorization_pending``, ``slow_down``)."""
        # RFC 8628: the first poll waits one interval too (the user needs it anyway)
        self._next_poll = time.monotonic() + self.interval
        self._cancel = threading.Event()

    def __repr__(self) -> str:
        state = "done" if self.token else "waiting"
        return f"<DeviceLogin {self.connector.addr} {state}: open {self.verification_uri_complete}>"

    def __enter__(self) -> DeviceLogin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connector's connections (the token stays stored)."""
        self.connector.close()

    @property
    def address(self) -> str:
        """The StandCloud address being logged in to."""
        return self.connector.addr

    @property
    def done(self) -> bool:
        """Whether the login completed."""
        return self.token is not None

    def qr_text(self) -> str:
        """The verification link as a QR code drawn with text, for a terminal.

        Raises:
            MissingExtraError: If qrcode is not installed (``hardlab[standcloud]``).
        """
        try:
            import qrcode
        except ImportError as exc:  # pragma: no cover - depends on the installation
            from hardlab.errors import MissingExtraError

            raise MissingExtraError("standcloud", "qrcode") from exc
        import io

        code = qrcode.QRCode(border=1)
        code.add_data(self.verification_uri_complete)
        code.make(fit=True)
        out = io.StringIO()
        code.print_ascii(out=out, invert=True)
        return out.getvalue()

    def instructions(self) -> str:
        """What to tell the user, as plain text."""
        lines = [
            f"To log in to StandCloud at {self.address}, open:",
            f"  {self.verification_uri_complete}",
        ]
        if self.user_code:
            lines.append(f"and check that the page shows the code {self.user_code}.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        link = html.escape(self.verification_uri_complete, quote=True)
        code = html.escape(self.user_code)
        state = "logged in" if self.done else f"code <b>{code}</b>, waiting for you to accept"
        return (
            f"<div>Log in to StandCloud at {html.escape(self.address)}: "
            f'<a href="{link}" target="_blank" rel="noopener">{link}</a> ({state})</div>'
        )

    @property
    def done_message(self) -> str:
        """What to tell the user once the login completed."""
        return f"Logged in to StandCloud at {self.address}."

    def finish(self, timeout: float | None = None) -> None:
        """Wait for the user to accept (`wait`), check the new login works, then close.

        Raises:
            StandCloudAuthError: As `wait`, or if the server refuses the new login.
            StandCloudError: If the server cannot be reached.
        """
        try:
            self.wait(timeout)
            self.connector.healthcheck()
        finally:
            self.connector.close()

    def cancel(self) -> None:
        """Stop `wait` (from another thread); it raises `StandCloudAuthError`."""
        self._cancel.set()

    @property
    def expires_in(self) -> float:
        """Seconds left before the code expires (0 once it has)."""
        return max(0.0, self.expires_at - time.monotonic())

    def poll(self, *, slow_down_step: float = SLOW_DOWN_S) -> bool:
        """Ask the server once whether the user has accepted; never blocks longer than one request.

        Polls closer together than the server's interval are not sent (the
        answer is False), so a notebook or a UI may call this as often as it
        likes. ``slow_down`` lengthens the interval, as RFC 8628 asks.

        Args:
            slow_down_step: Seconds added to the interval per ``slow_down`` (RFC 8628: 5).

        Returns:
            True once the login is complete (the token is kept in the
            connector's token store), False while it waits for the user.

        Raises:
            StandCloudAuthError: If the user denied the login, the code
                expired or the server refused it otherwise.
            StandCloudError: If the server cannot be reached.
        """
        if self.token is not None:
            return True
        now = time.monotonic()
        if now < self._next_poll:
            return False
        answer = self.connector.poll_device_token(self.device_code)
        self.polls += 1
        self._next_poll = time.monotonic() + self.interval
        if isinstance(answer, dict):
            self.token = answer
            return True
        self.last_answer = answer
        if answer == "authorization_pending":
            if time.monotonic() >= self.expires_at:
                raise StandCloudAuthError(self._expired())
            return False
        if answer == "slow_down":
            self.interval += slow_down_step
            self._next_poll = time.monotonic() + self.interval
            return False
        if answer == "expired_token":
            raise StandCloudAuthError(self._expired())
        if answer == "access_denied":
            raise StandCloudAuthError(f"the login to {self.address} was denied")
        msg = f"StandCloud at {self.address} refused the login ({answer})"
        raise StandCloudAuthError(msg)

    def _expired(self) -> str:
        return (
            f"the login code for {self.address} expired before it was accepted; "
            f"start again with `hardlab sc-login {self.address}`"
        )

    def wait(
        self,
        timeout: float | None = None,
        *,
        slow_down_step: float = SLOW_DOWN_S,
        on_poll: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """Poll the token endpoint until the user accepts; keep and return the token.

        Args:
            timeout: Give up after this many seconds (default: when the code expires).
            slow_down_step: Seconds added to the interval per ``slow_down`` (RFC 8628: 5).
            on_poll: Called with each answer (``authorization_pending``, ...), for progress.

        Returns:
            The token (it is also saved in the connector's token store).

        Raises:
            StandCloudAuthError: If the user denied the login, the code expired,
                `timeout` passed or `cancel` was called.
            StandCloudError: If the server cannot be reached.
        """
        deadline = self.expires_at
        if timeout is not None:
            deadline = min(deadline, time.monotonic() + timeout)
        while True:
            pause = max(0.0, min(self._next_poll, deadline) - time.monotonic())
            if self._cancel.wait(pause):
                raise StandCloudAuthError(f"the login to {self.address} was cancelled")
            sent = self.polls
            if self.poll(slow_down_step=slow_down_step) and self.token is not None:
                return self.token
            if on_poll is not None and self.polls != sent and self.last_answer is not None:
                on_poll(self.last_answer)
            if time.monotonic() >= deadline:
                if time.monotonic() >= self.expires_at:
                    raise StandCloudAuthError(self._expired())
                msg = (
                    f"the login to {self.address} was not accepted in time; start it again "
                    f"with `hardlab sc-login {self.address}`"
                )
                raise StandCloudAuthError(msg)
