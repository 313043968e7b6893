"""StandCloud: upload reports, read them back, log in (httpx + authlib, TLS verified).

HardPy's names are here with HardPy's signatures: `StandCloudConnector`,
`StandCloudLoader`, `StandCloudReader`, `StandCloudError` (also exported
from ``hardlab``). `login` starts a device login (RFC 8628) and `logout`
forgets it; `LoginSettings` resolves an address's TLS settings and key and
starts or checks a login (``hardlab sc-login`` and ``%hardpy sc-login``).

`upload_outcome` (and `StandCloudLoader.deliver`) say what an upload's
answer means as a typed `UploadOutcome`: the one place where StandCloud's
status codes are read. Uploads that must survive outages go through the
store's outbox (`hardlab.sync`), not through `StandCloudLoader` directly.

Importing this package imports neither httpx nor authlib; the names are
loaded on first use (they come with ``pip install "hardlab[standcloud]"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.cloud._connector import ApiEndpoint, StandCloudConnector
    from hardlab.cloud._device import DeviceLogin
    from hardlab.cloud._loader import (
        IDEMPOTENCY_HEADER,
        StandCloudLoader,
        StandCloudReader,
        prepare_document,
        report_key,
    )
    from hardlab.cloud._login import LoginSettings, check, login, logout
    from hardlab.cloud._outcome import UploadKind, UploadOutcome, error_outcome, upload_outcome
    from hardlab.cloud._settings import DEFAULT_ADDRESS, StandCloudAPIMode, normalize_address
    from hardlab.cloud._tokens import (
        AutoTokenStore,
        FileTokenStore,
        KeyringTokenStore,
        TokenStore,
        default_token_store,
    )
    from hardlab.errors import StandCloudAuthError, StandCloudError

__all__ = [
    "DEFAULT_ADDRESS",
    "IDEMPOTENCY_HEADER",
    "ApiEndpoint",
    "AutoTokenStore",
    "DeviceLogin",
    "FileTokenStore",
    "KeyringTokenStore",
    "LoginSettings",
    "StandCloudAPIMode",
    "StandCloudAuthError",
    "StandCloudConnector",
    "StandCloudError",
    "StandCloudLoader",
    "StandCloudReader",
    "TokenStore",
    "UploadKind",
    "UploadOutcome",
    "check",
    "default_token_store",
    "error_outcome",
    "login",
    "logout",
    "normalize_address",
    "prepare_document",
    "report_key",
    "upload_outcome",
]

_WHERE = {
    "DEFAULT_ADDRESS": "hardlab.cloud._settings",
    "IDEMPOTENCY_HEADER": "hardlab.cloud._loader",
    "ApiEndpoint": "hardlab.cloud._connector",
    "AutoTokenStore": "hardlab.cloud._tokens",
    "DeviceLogin": "hardlab.cloud._device",
    "FileTokenStore": "hardlab.cloud._tokens",
    "KeyringTokenStore": "hardlab.cloud._tokens",
    "LoginSettings": "hardlab.cloud._login",
    "StandCloudAPIMode": "hardlab.cloud._settings",
    "StandCloudAuthError": "hardlab.errors",
    "StandCloudConnector": "hardlab.cloud._connector",
    "StandCloudError": "hardlab.errors",
    "StandCloudLoader": "hardlab.cloud._loader",
    "StandCloudReader": "hardlab.cloud._loader",
    "TokenStore": "hardlab.cloud._tokens",
    "UploadKind": "hardlab.cloud._outcome",
    "UploadOutcome": "hardlab.cloud._outcome",
    "error_outcome": "hardlab.cloud._outcome",
    "upload_outcome": "hardlab.cloud._outcome",
    "check": "hardlab.cloud._login",
    "default_token_store": "hardlab.cloud._tokens",
    "login": "hardlab.cloud._login",
    "logout": "hardlab.cloud._login",
    "normalize_address": "hardlab.cloud._settings",
    "prepare_document": "hardlab.cloud._loader",
    "report_key": "hardlab.cloud._loader",
}


def _missing_extra(exc: ImportError) -> Exception | None:
    if exc.name in ("httpx", "authlib", "keyring"):
        from hardlab.errors import MissingExtraError

        return MissingExtraError("standcloud", exc.name)
    return None


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, _missing_extra)
