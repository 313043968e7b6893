"""StandCloud's addresses, modes and TLS settings, and how HTTP errors become hardlab's.

No httpx at import: `connection_error` imports it when an error is translated.
"""

from __future__ import annotations

import contextlib
import enum
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hardlab.errors import ConfigError, StandCloudError

__all__ = [
    "CLIENT_ID",
    "DEFAULT_ADDRESS",
    "DEVICE_GRANT",
    "SCOPE",
    "StandCloudAPIMode",
    "TlsSettings",
    "Urls",
    "translate_errors",
]

DEFAULT_ADDRESS = "standcloud.everypin.io"
"""HardPy 0.25's default StandCloud address."""

CLIENT_ID = "hardpy-report-uploader"
"""The OAuth client id HardPy logs in with; StandCloud knows it."""

SCOPE = "offline_access authelia.bearer.authz"
"""The scopes HardPy asks for: a refresh token, and bearer access to the API."""

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
"""RFC 8628's grant type."""


class StandCloudAPIMode(str, enum.Enum):
    """Which API a connector talks to (HardPy's ``StandCloudAPIMode``)."""

    HARDPY = "hardpy"
    """The test stands' API: upload reports, read them back."""
    INTEGRATION = "integration"
    """The API for third-party tools (read access with an API key)."""


@dataclass(frozen=True)
class Urls:
    """Every URL of one StandCloud address, as HardPy builds them."""

    addr: str
    api_mode: StandCloudAPIMode = StandCloudAPIMode.HARDPY
    api_version: int = 1

    @property
    def base(self) -> str:
        """``https://{addr}``."""
        return f"https://{self.addr}"

    @property
    def api(self) -> str:
        """``https://{addr}/{hardpy|integration}/api/v{version}``."""
        return f"{self.base}/{self.api_mode.value}/api/v{self.api_version}"

    @property
    def token(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.base}/auth/api/oidc/token"

    @property
    def authorization(self) -> str:
        """The OAuth authorization endpoint (HardPy names it; the device flow does not use it)."""
        return f"{self.base}/auth/api/oidc/authorization"

    @property
    def device_authorization(self) -> str:
        """RFC 8628's device authorization endpoint."""
        return f"{self.base}/auth/api/oidc/device-authorization"

    @property
    def docs(self) -> str:
        """The server's REST documentation."""
        return f"{self.base}/integration/api/v1/docs"


def normalize_address(addr: str) -> str:
    """`addr` without a scheme or trailing slash: ``host`` or ``host:port``.

    Raises:
        ConfigError: If `addr` is empty or not a plain https address.
    """
    text = addr.strip()
    if text.startswith("https://"):
        text = text[len("https://") :]
    elif "://" in text:
        msg = f"StandCloud address {addr!r}: StandCloud is reached over https; give host[:port]"
        raise ConfigError(msg)
    text = text.rstrip("/")
    if not text or "/" in text or " " in text:
        msg = f"StandCloud address {addr!r} is not host[:port] (for example standcloud.everypin.io)"
        raise ConfigError(msg)
    return text


@dataclass(frozen=True)
class TlsSettings:
    """How the server's certificate is checked.

    Attributes:
        verify: Check it (the default). Off only for a private test server.
        ca_bundle: A PEM file of authorities to trust instead of the system's.
    """

    verify: bool = True
    ca_bundle: str | None = None

    def context(self) -> ssl.SSLContext | bool:
        """What httpx's ``verify`` gets: a context for a CA bundle, else a flag.

        Raises:
            ConfigError: If the CA bundle cannot be read.
        """
        if not self.verify:
            return False
        if not self.ca_bundle:
            return True
        path = Path(self.ca_bundle).expanduser()
        try:
            return ssl.create_default_context(cafile=os.fspath(path))
        except (OSError, ssl.SSLError) as exc:
            msg = (
                f"[stand_cloud] ca_bundle {str(path)!r} cannot be used as a CA file ({exc}); "
                "give a PEM file of the certificate authorities your server's certificate "
                "comes from"
            )
            raise ConfigError(msg) from exc


def _is_certificate_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def translate_errors(what: str, addr: str) -> Iterator[None]:
    """Turn httpx's transport errors into `StandCloudError` that says what and where.

    Errors that may pass by themselves (timeouts, refused or reset
    connections) are marked ``transient``; an untrusted certificate is not.
    """
    import httpx

    try:
        yield
    except httpx.TimeoutException as exc:
        msg = f"{what}: StandCloud at {addr} did not answer in time ({type(exc).__name__})"
        raise StandCloudError(msg, transient=True) from exc
    except httpx.TransportError as exc:
        if _is_certificate_error(exc):
            msg = (
                f"{what}: the TLS certificate of {addr} is not trusted ({exc}). For a private "
                "server set [stand_cloud] ca_bundle to its CA file (or --ca-bundle); "
                "verify = false turns the check off"
            )
            raise StandCloudError(msg) from exc
        detail = str(exc) or type(exc).__name__
        msg = f"{what}: cannot reach StandCloud at {addr} ({detail})"
        raise StandCloudError(msg, transient=True) from exc
