"""Logging in to StandCloud with the OAuth 2.0 device authorization grant (RFC 8628).

`login` asks the server for a code and returns a `DeviceLogin` at once: it
holds the verification URL the user opens (in a browser, on a phone through
the QR code) and `DeviceLogin.wait` polls the token endpoint at the server's
interval until the user has accepted, honouring ``slow_down`` and giving up
on ``expired_token`` and ``access_denied``.

`LoginSettings` is what ``hardlab sc-login`` and ``%hardpy sc-login`` share:
which TLS settings and API key apply to an address (``hardpy.toml``'s only
when it names that address), the check, and a login that starts only when
the stored one no longer works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hardlab.cloud._device import DeviceLogin
from hardlab.cloud._settings import DEFAULT_ADDRESS, StandCloudAPIMode
from hardlab.errors import StandCloudError

if TYPE_CHECKING:
    import os

    from hardlab.cloud._connector import StandCloudConnector
    from hardlab.cloud._tokens import TokenStore

__all__ = ["LoginSettings", "check", "login", "logout"]


def _connector(
    address: str,
    api_mode: StandCloudAPIMode | str,
    verify: bool,
    ca_bundle: str | None,
    token_store: TokenStore | None,
    timeout: float,
) -> StandCloudConnector:
    from hardlab.cloud._connector import StandCloudConnector

    return StandCloudConnector(
        address,
        api_mode,
        verify=verify,
        ca_bundle=ca_bundle,
        token_store=token_store,
        timeout=timeout,
    )


def login(
    address: str = DEFAULT_ADDRESS,
    *,
    api_mode: StandCloudAPIMode | str = StandCloudAPIMode.HARDPY,
    verify: bool = True,
    ca_bundle: str | None = None,
    token_store: TokenStore | None = None,
    timeout: float = 10.0,
) -> DeviceLogin:
    """Start a device login to StandCloud; show its link, then call `DeviceLogin.wait`.

    Args:
        address: ``host[:port]`` of the StandCloud server.
        api_mode: Which API the token is for (its audience).
        verify: Check the server's TLS certificate.
        ca_bundle: A PEM file of authorities to trust for a private server.
        token_store: Where the token is kept (default: keyring, else a 0600 file).
        timeout: Seconds to wait for each answer of the server.

    Returns:
        The login in progress, with the URL and code to show.

    Raises:
        StandCloudError: If the server cannot be reached or refuses to start a login.

    Example:
        ```python
        pending = hardlab.cloud.login("standcloud.example.com")
        print(pending.instructions())
        pending.wait()
        ```
    """
    connector = _connector(address, api_mode, verify, ca_bundle, token_store, timeout)
    return DeviceLogin(connector, connector.get_verification_url())


def logout(address: str = DEFAULT_ADDRESS, *, token_store: TokenStore | None = None) -> bool:
    """Forget the login of `address`; True if there was one.

    Raises:
        ConfigError: If `address` is not ``host[:port]``.
    """
    from hardlab.cloud._settings import normalize_address
    from hardlab.cloud._tokens import default_token_store

    store = token_store if token_store is not None else default_token_store()
    return store.delete(normalize_address(address))


def check(
    address: str = DEFAULT_ADDRESS,
    *,
    api_key: str | None = None,
    api_mode: StandCloudAPIMode | str = StandCloudAPIMode.HARDPY,
    verify: bool = True,
    ca_bundle: str | None = None,
    token_store: TokenStore | None = None,
    timeout: float = 10.0,
) -> str | None:
    """Check that StandCloud answers and takes the credentials; why not, or None if it does."""
    from hardlab.cloud._connector import StandCloudConnector

    connector = StandCloudConnector(
        address,
        api_mode,
        api_key=api_key,
        verify=verify,
        ca_bundle=ca_bundle,
        token_store=token_store,
        timeout=timeout,
    )
    try:
        connector.healthcheck()
    except StandCloudError as exc:
        return str(exc)
    finally:
        connector.close()
    return None


@dataclass(frozen=True)
class LoginSettings:
    """How to reach one StandCloud address to log in or check: its TLS settings and API key.

    Build it with `resolve`. ``hardlab sc-login`` and ``%hardpy sc-login``
    both do, then `check` or `start` a login.

    Attributes:
        address: ``host[:port]``, normalized.
        api_mode: Which API the login is for (its audience).
        verify: Check the server's TLS certificate.
        ca_bundle: A PEM file of authorities to trust, or None for the system's.
        api_key: The API key `check` uses (``hardpy.toml``'s, for its own address).
    """

    address: str
    api_mode: str = StandCloudAPIMode.HARDPY.value
    verify: bool = True
    ca_bundle: str | None = None
    api_key: str | None = None

    @classmethod
    def resolve(
        cls,
        address: str,
        *,
        config_dir: str | os.PathLike[str] | None = None,
        api_mode: StandCloudAPIMode | str = StandCloudAPIMode.HARDPY,
        insecure: bool = False,
        ca_bundle: str | None = None,
    ) -> LoginSettings:
        """The settings for `address`: the options given, else ``hardpy.toml``'s when it names it.

        ``[stand_cloud] verify``, ``ca_bundle`` and ``api_key`` of the
        ``hardpy.toml`` in `config_dir` apply only to the address that file
        names: a login to another server must not send it this one's key.

        Args:
            address: ``host[:port]`` of the StandCloud server.
            config_dir: The plan folder whose ``hardpy.toml`` is read (default: the working one).
            api_mode: Which API the login is for.
            insecure: Do not check the server's TLS certificate (a test server only).
            ca_bundle: A PEM file of authorities to trust, over ``hardpy.toml``'s.

        Raises:
            ConfigError: If `address` is not ``host[:port]`` or ``hardpy.toml`` is invalid.
        """
        from hardlab.cloud._settings import normalize_address
        from hardlab.config import load_config

        address = normalize_address(address)
        section = load_config(config_dir).stand_cloud
        same = normalize_address(section.address) == address
        return cls(
            address=address,
            api_mode=StandCloudAPIMode(api_mode).value,
            verify=not insecure and (section.verify if same else True),
            ca_bundle=ca_bundle or (section.ca_bundle if same else "") or None,
            api_key=(section.api_key or None) if same else None,
        )

    def check(self, *, token_store: TokenStore | None = None) -> str | None:
        """Check that the server answers and takes the credentials; why not, or None if it does."""
        return check(
            self.address,
            api_key=self.api_key,
            api_mode=self.api_mode,
            verify=self.verify,
            ca_bundle=self.ca_bundle,
            token_store=token_store,
        )

    @property
    def refreshed_message(self) -> str:
        """What to tell the user when `start` found the stored login still works."""
        return f"Already logged in to StandCloud at {self.address} (the login was refreshed)."

    def start(self, *, token_store: TokenStore | None = None) -> DeviceLogin | None:
        """Start a device login, unless the stored one still works: then refresh it, return None.

        Returns:
            The login in progress (show its link, then `DeviceLogin.finish`),
            or None when no new login is needed (say `refreshed_message`).

        Raises:
            StandCloudError: If the server cannot be reached or refuses to start a login.
        """
        from hardlab.cloud._connector import StandCloudConnector

        connector = StandCloudConnector(
            self.address,
            self.api_mode,
            verify=self.verify,
            ca_bundle=self.ca_bundle,
            token_store=token_store,
        )
        try:
            if connector.is_refresh_token_valid():
                return None
        finally:
            connector.close()
        return login(
            self.address,
            api_mode=self.api_mode,
            verify=self.verify,
            ca_bundle=self.ca_bundle,
            token_store=token_store,
        )
