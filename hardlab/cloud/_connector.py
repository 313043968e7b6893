"""`StandCloudConnector`: one StandCloud address, its credentials and a reused HTTPS client.

API keys go in the ``Authorization`` header. Logins (RFC 8628 device flow,
see `hardlab.cloud.login`) keep an OAuth token in a `TokenStore`; the token
is refreshed with authlib a minute before it expires, and once more when the
server answers 401 (a token revoked or expired early), before the request
is given up.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from hardlab.cloud._settings import (
    CLIENT_ID,
    DEFAULT_ADDRESS,
    DEVICE_GRANT,
    SCOPE,
    StandCloudAPIMode,
    TlsSettings,
    Urls,
    normalize_address,
    translate_errors,
)
from hardlab.cloud._tokens import TokenStore, default_token_store, refresh_lock
from hardlab.errors import StandCloudAuthError, StandCloudError

if TYPE_CHECKING:
    from hardlab.config import StandCloudConfig

__all__ = ["LEEWAY_S", "ApiEndpoint", "StandCloudConnector"]

LEEWAY_S = 60
"""A token is refreshed when it has less than this many seconds left (as HardPy)."""

_USER_AGENT = "hardlab-standcloud"


class _ClientAuth(httpx.Auth):
    """authlib's client authentication (``none``: the client id in the form) on httpx."""

    requires_request_body = True

    def __init__(self, client_id: str, client_secret: str | None, auth_method: Any = None) -> None:
        from authlib.oauth2.auth import ClientAuth

        self._auth = ClientAuth(client_id, client_secret, auth_method)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body = request.content.decode()
        headers = httpx.Headers(request.headers)  # case-insensitive, as authlib expects
        url, headers, body = self._auth.prepare(request.method, str(request.url), headers, body)
        headers["Content-Length"] = str(len(body))
        yield httpx.Request(
            request.method,
            url,
            headers=headers,
            content=body,
            extensions=request.extensions,
        )


def _oauth_client(session: httpx.Client, token: Mapping[str, Any] | None, token_url: str) -> Any:
    """The OAuth 2 client of authlib (its framework-free core) speaking through `session`."""
    from authlib.oauth2.client import OAuth2Client

    class HttpxOAuth2Client(OAuth2Client):  # type: ignore[misc]
        client_auth_class = _ClientAuth
        SESSION_REQUEST_PARAMS = ["timeout"]

    return HttpxOAuth2Client(
        session,
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",
        token=dict(token) if token else None,
        leeway=LEEWAY_S,
        token_endpoint=token_url,
    )


class _BearerAuth(httpx.Auth):
    """Adds the bearer credential; on 401 with a login, refreshes once and retries."""

    def __init__(self, connector: StandCloudConnector) -> None:
        self.connector = connector

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credential = self.connector._credential()
        request.headers["Authorization"] = f"Bearer {credential}"
        response = yield request
        if response.status_code == 401 and self.connector.api_key is None:
            fresh = self.connector._refresh(stale=credential)
            if fresh is not None:
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request


class ApiEndpoint:
    """One endpoint of the API (what HardPy's ``get_api(endpoint)`` returns).

    Example:
        ```python
        connector.get_api("test_run").get(params={"part_number": "PB-100"})
        ```
    """

    def __init__(self, connector: StandCloudConnector, endpoint: str) -> None:
        self.connector = connector
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"<ApiEndpoint {self.connector.api_url}/{self.endpoint}>"

    def get(self, path: str = "", **kwargs: Any) -> httpx.Response:
        """GET this endpoint (or a path below it); see `StandCloudConnector.request`."""
        return self.connector.request("GET", self._path(path), **kwargs)

    def post(self, path: str = "", **kwargs: Any) -> httpx.Response:
        """POST to this endpoint (or a path below it)."""
        return self.connector.request("POST", self._path(path), **kwargs)

    def _path(self, path: str) -> str:
        return f"{self.endpoint}/{path.lstrip('/')}" if path else self.endpoint


class StandCloudConnector:
    """A StandCloud address with its credentials, and one HTTPS client that keeps connections.

    Building one does no I/O. The API key wins over a login; without either,
    requests raise `StandCloudAuthError` naming the fix. TLS certificates
    are checked (HardPy does not check them): give `ca_bundle` for a private
    server's authority, or ``verify=False`` to turn the check off.

    Args:
        addr: ``host`` or ``host:port`` (HardPy's default is standcloud.everypin.io).
        api_mode: `StandCloudAPIMode.HARDPY` (stands) or ``INTEGRATION`` (other tools).
        api_version: The API version in the URL.
        api_key: An API key; None to use the login stored for `addr`.
        verify: Check the server's certificate.
        ca_bundle: A PEM file of certificate authorities to trust.
        timeout: Seconds to wait for a connection or an answer.
        token_store: Where logins are kept (default: the keyring, else a 0600 file).
        max_connections: How many connections may be open at once (kept alive between requests).
        transport: An httpx transport to use instead of the network (tests, proxies).

    Example:
        ```python
        with StandCloudConnector("standcloud.example.com", api_key=key) as connector:
            connector.healthcheck()
        ```
    """

    def __init__(
        self,
        addr: str = DEFAULT_ADDRESS,
        api_mode: StandCloudAPIMode | str = StandCloudAPIMode.HARDPY,
        api_version: int = 1,
        api_key: str | None = None,
        *,
        verify: bool = True,
        ca_bundle: str | None = None,
        timeout: float = 10.0,
        token_store: TokenStore | None = None,
        max_connections: int = 16,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.urls = Urls(normalize_address(addr), StandCloudAPIMode(api_mode), int(api_version))
        self.api_key = api_key or None
        self.tls = TlsSettings(verify=verify, ca_bundle=ca_bundle or None)
        self.timeout = timeout
        self.max_connections = max_connections
        self._token_store = token_store
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.RLock()
        self._token: dict[str, Any] | None = None
        self._token_loaded = False

    @classmethod
    def from_config(
        cls,
        config: StandCloudConfig,
        *,
        address: str | None = None,
        api_mode: StandCloudAPIMode | str = StandCloudAPIMode.HARDPY,
        **kwargs: Any,
    ) -> StandCloudConnector:
        """A connector for ``hardpy.toml``'s ``[stand_cloud]`` (or another `address` in it).

        The API key of the section applies only to its own address.
        """
        chosen = normalize_address(address or config.address)
        same = chosen == normalize_address(config.address)
        return cls(
            chosen,
            api_mode,
            api_key=(config.api_key or None) if same else None,
            verify=config.verify,
            ca_bundle=config.ca_bundle or None,
            **kwargs,
        )

    def __repr__(self) -> str:
        mode = "api key" if self.api_key else "login"
        return f"<StandCloudConnector {self.urls.api} ({mode})>"

    def __enter__(self) -> StandCloudConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None

    # ------------------------------------------------------------------ names

    @property
    def addr(self) -> str:
        """The address, ``host[:port]``."""
        return self.urls.addr

    @property
    def url(self) -> str:
        """``https://{addr}`` (HardPy's ``url``)."""
        return self.urls.base

    @property
    def api_url(self) -> str:
        """The API base URL, ``https://{addr}/{mode}/api/v{version}``."""
        return self.urls.api

    @property
    def token_store(self) -> TokenStore:
        """Where this connector keeps its login."""
        if self._token_store is None:
            self._token_store = default_token_store()
        return self._token_store

    @property
    def client(self) -> httpx.Client:
        """The HTTPS client (made on first use; connections are kept alive and shared)."""
        with self._lock:
            if self._client is None:
                limits = httpx.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=self.max_connections,
                    keepalive_expiry=30.0,
                )
                verify = self.tls.context()
                transport = self._transport
                if transport is None:
                    # httpx writes a request's headers and body as two TLS records; with
                    # Nagle's algorithm on, the body waits for the server's delayed ACK
                    # (40 ms on Linux) on every upload. requests (HardPy's client) turns it off too.
                    transport = httpx.HTTPTransport(
                        verify=verify,
                        limits=limits,
                        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                    )
                self._client = httpx.Client(
                    base_url=self.urls.api + "/",
                    verify=verify,
                    timeout=self.timeout,
                    limits=limits,
                    headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
                    transport=transport,
                    # env proxies (HTTPS_PROXY, NO_PROXY) apply, as they do for HardPy's client
                    trust_env=True,
                )
            return self._client

    # ------------------------------------------------------------------ tokens

    def _stored_token(self) -> dict[str, Any] | None:
        with self._lock:
            if not self._token_loaded:
                self._token = self.token_store.load(self.addr)
                self._token_loaded = True
            return self._token

    def get_access_token(self) -> dict[str, Any] | None:
        """The login's token (refreshed when it is about to expire), or None without a login."""
        token = self._stored_token()
        if token is None:
            return None
        if _expires_soon(token):
            self._refresh(stale=str(token.get("access_token")))
        return self._stored_token()

    def update_token(self, token: Mapping[str, Any], refresh_token: str | None = None) -> None:
        """Keep a new token (from a login or a refresh) for this address."""
        data = {k: v for k, v in dict(token).items() if k != "expires_in"}
        if "expires_at" not in data and "expires_in" in token:
            data["expires_at"] = int(time.time()) + int(token["expires_in"])
        if not data.get("refresh_token") and refresh_token:
            data["refresh_token"] = refresh_token
        with self._lock:
            self.token_store.save(self.addr, data)
            self._token = data
            self._token_loaded = True

    def forget_token(self) -> bool:
        """Delete the login of this address; True if there was one."""
        with self._lock:
            self._token = None
            self._token_loaded = True
            return self.token_store.delete(self.addr)

    def is_refresh_token_valid(self) -> bool:
        """Whether the stored login can still be refreshed (False in API key mode, as HardPy)."""
        if self.api_key is not None:
            return False
        token = self._stored_token()
        if token is None or not token.get("refresh_token"):
            return False
        try:
            return self._refresh(stale=str(token.get("access_token"))) is not None
        except StandCloudError:
            return False

    def has_credentials(self) -> bool:
        """Whether there is an API key or a stored login for this address."""
        return self.api_key is not None or self._stored_token() is not None

    def _credential(self) -> str:
        if self.api_key is not None:
            return self.api_key
        token = self.get_access_token()
        if token is None or not token.get("access_token"):
            msg = (
                f"no API key and no login for StandCloud at {self.addr}: log in with "
                f"`hardlab sc-login {self.addr}`, or set [stand_cloud] api_key "
                "(or HARDPY_SC_API_KEY)"
            )
            raise StandCloudAuthError(msg)
        return str(token["access_token"])

    def _refresh(self, stale: str) -> str | None:
        """Refresh the login unless another thread or process already did; the new access token.

        Refreshing is serialised across processes (`refresh_lock`): the token
        is read again under the lock, so a process that lost the race uses the
        token the winner saved instead of spending the used refresh token.

        Returns:
            The access token to use, or None without a login.

        Raises:
            StandCloudAuthError: If the server refuses the refresh token (log in again).
            StandCloudError: If the server cannot be reached.
        """
        with self._lock, refresh_lock(self.token_store, self.addr):
            self._token_loaded = False  # another process may have refreshed it
            token = self._stored_token()
            if token is None or not token.get("refresh_token"):
                return None
            if token.get("access_token") != stale and not _expires_soon(token):
                return str(token["access_token"])  # refreshed meanwhile
            fresh = self._refresh_with(token)
            self.update_token(fresh, refresh_token=token["refresh_token"])
            return str(fresh["access_token"])

    def _refresh_with(self, token: Mapping[str, Any]) -> dict[str, Any]:
        """The server's answer to refreshing `token`.

        Raises:
            StandCloudAuthError: If the server refuses the refresh token.
            StandCloudError: If the server cannot be reached or fails.
        """
        from authlib.oauth2.base import OAuth2Error

        oauth = _oauth_client(self.client, token, self.urls.token)
        try:
            with translate_errors("refreshing the StandCloud login", self.addr):
                fresh = oauth.refresh_token(
                    self.urls.token,
                    refresh_token=token["refresh_token"],
                    audience=self.api_url,
                    timeout=self.timeout,
                )
        except OAuth2Error as exc:
            msg = (
                f"StandCloud at {self.addr} refused to refresh the login "
                f"({exc.error}); log in again with `hardlab sc-login {self.addr}`"
            )
            raise StandCloudAuthError(msg, status_code=exc.status_code) from None
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            msg = f"refreshing the StandCloud login: {self.addr} answered {status}"
            raise StandCloudError(msg, status_code=status, transient=True) from None
        return dict(fresh)

    # ------------------------------------------------------------------ device flow

    def get_verification_url(self) -> dict[str, Any]:
        """Start a device login (RFC 8628): the server's answer with the URL to open.

        Returns:
            ``device_code``, ``user_code``, ``verification_uri``,
            ``verification_uri_complete``, ``expires_in``, ``interval``.

        Raises:
            StandCloudError: If the server cannot be reached or does not answer 200.
        """
        data = {"client_id": CLIENT_ID, "scope": SCOPE, "audience": self.api_url}
        with translate_errors("starting a StandCloud login", self.addr):
            response = self.client.post(self.urls.device_authorization, data=data)
        if response.status_code != 200:
            msg = (
                f"StandCloud at {self.addr} refused to start a login: status code "
                f"{response.status_code} ({response.text[:200]})"
            )
            raise StandCloudError(msg, status_code=response.status_code)
        answer = response.json()
        if not isinstance(answer, dict) or "device_code" not in answer:
            msg = f"StandCloud at {self.addr} answered the login request without a device code"
            raise StandCloudError(msg)
        return answer

    def poll_device_token(self, device_code: str) -> dict[str, Any] | str:
        """Ask once for the token of a device login.

        Returns:
            The token (kept in the token store) once the user accepted, else
            the server's error code: ``authorization_pending``, ``slow_down``,
            ``expired_token``, ``access_denied``, ...

        Raises:
            StandCloudError: If the server cannot be reached.
        """
        from authlib.oauth2.base import OAuth2Error

        oauth = _oauth_client(self.client, None, self.urls.token)
        try:
            with translate_errors("waiting for the StandCloud login", self.addr):
                token = oauth.fetch_token(
                    self.urls.token,
                    grant_type=DEVICE_GRANT,
                    device_code=device_code,
                    timeout=self.timeout,
                )
        except OAuth2Error as exc:
            return str(exc.error or "invalid_request")
        except httpx.HTTPStatusError as exc:
            msg = (
                f"waiting for the StandCloud login: {self.addr} answered {exc.response.status_code}"
            )
            raise StandCloudError(
                msg, status_code=exc.response.status_code, transient=True
            ) from None
        if not token.get("access_token") or not token.get("refresh_token"):
            return "invalid_token_response"
        self.update_token(token)
        return dict(self._stored_token() or {})

    def wait_verification(
        self, response: Mapping[str, Any], waiting_time_m: float = 5
    ) -> dict[str, Any] | None:
        """Poll until the user accepts the login started by `get_verification_url` (HardPy's way).

        Returns:
            The token, or None if the login was refused, expired or not done
            within `waiting_time_m` minutes.
        """
        from hardlab.cloud._device import DeviceLogin

        login = DeviceLogin(self, dict(response))
        try:
            return login.wait(timeout=waiting_time_m * 60)
        except StandCloudAuthError:
            return None

    # ------------------------------------------------------------------ requests

    def get_api(self, endpoint: str) -> ApiEndpoint:
        """One endpoint of the API, e.g. ``get_api("test_run").get()``."""
        return ApiEndpoint(self, endpoint)

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a request to ``{api_url}/{endpoint}`` with this connector's credentials.

        Any HTTP status is returned as it came; look at ``status_code``.

        Raises:
            StandCloudAuthError: If there is no API key and no login, or the login
                cannot be refreshed.
            StandCloudError: If the server cannot be reached (``transient``) or
                its certificate is not trusted.
        """
        send_headers = dict(headers or {})
        if content is not None:
            send_headers.setdefault("Content-Type", "application/json")
        with translate_errors(f"{method} {endpoint}", self.addr):
            return self.client.request(
                method,
                endpoint.lstrip("/"),
                params=dict(params) if params else None,
                json=json,
                content=content,
                headers=send_headers,
                auth=_BearerAuth(self),
                timeout=self.timeout if timeout is None else timeout,
            )

    def healthcheck(self) -> httpx.Response:
        """``GET healthcheck``: the server is there and takes these credentials.

        Raises:
            StandCloudAuthError: If the credentials are missing or refused (401/403).
            StandCloudError: If the server cannot be reached or is not healthy.
        """
        response = self.request("GET", "healthcheck")
        if response.status_code in (401, 403):
            raise self.refused(response)
        if response.status_code != 200:
            msg = f"StandCloud at {self.addr} is not healthy: status {response.status_code}"
            raise StandCloudError(
                msg, status_code=response.status_code, transient=response.status_code >= 500
            )
        return response

    def refused(self, response: httpx.Response) -> StandCloudAuthError:
        """The error for a 401 or 403 answer: which credential was refused, and the fix."""
        if self.api_key:
            fix = "check [stand_cloud] api_key (or HARDPY_SC_API_KEY)"
            how = "the API key"
        else:
            fix = f"log in again with `hardlab sc-login {self.addr}`"
            how = "the login"
        msg = f"StandCloud at {self.addr} refused {how} (status {response.status_code}); {fix}"
        return StandCloudAuthError(msg, status_code=response.status_code)


def _expires_soon(token: Mapping[str, Any]) -> bool:
    expires_at = token.get("expires_at")
    if expires_at is None:
        return False
    try:
        return float(expires_at) - LEEWAY_S < time.time()
    except (TypeError, ValueError):
        return False
