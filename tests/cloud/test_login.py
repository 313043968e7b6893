"""Device login (RFC 8628) against the test server: accept, deny, slow_down, expiry, refresh."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

import hardlab.cloud
from hardlab.cloud import (
    AutoTokenStore,
    FileTokenStore,
    KeyringTokenStore,
    StandCloudConnector,
    default_token_store,
)
from hardlab.errors import StandCloudAuthError
from hardlab.testing.standcloud import StandCloudServer


def _login(server: StandCloudServer, store: Any) -> dict[str, Any]:
    with hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=store
    ) as pending:
        assert pending.verification_uri_complete.endswith(f"user_code={pending.user_code}")
        server.approve(pending.user_code)  # the user clicks Accept
        return pending.wait(timeout=30)


def test_login_keeps_the_token_in_a_file_only_the_user_reads(
    server: StandCloudServer, hardlab_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = default_token_store()
    assert isinstance(store, FileTokenStore)
    token = _login(server, store)
    assert token["access_token"] and token["refresh_token"] and token["expires_at"]
    path = store.path(server.address)
    assert path.is_relative_to(hardlab_home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with StandCloudConnector(server.address, ca_bundle=server.ca_bundle) as connector:
        assert connector.healthcheck().status_code == 200
    # the secrets never show in logs or in what the objects print
    for secret in (token["access_token"], token["refresh_token"]):
        assert secret not in caplog.text
        assert secret not in repr(connector) and secret not in repr(store)
    assert hardlab.cloud.logout(server.address)
    assert not path.exists()
    with (
        StandCloudConnector(server.address, ca_bundle=server.ca_bundle) as connector,
        pytest.raises(StandCloudAuthError, match="no API key and no login"),
    ):
        connector.healthcheck()


def test_denied_login(server: StandCloudServer, tmp_path: Path) -> None:
    pending = hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=FileTokenStore(tmp_path)
    )
    server.deny(pending.user_code)
    with pytest.raises(StandCloudAuthError, match="denied"):
        pending.wait(timeout=30)
    assert FileTokenStore(tmp_path).load(server.address) is None


def test_slow_down_makes_the_client_poll_less_often(
    server: StandCloudServer, tmp_path: Path
) -> None:
    server.configure(slow_down=2)
    pending = hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=FileTokenStore(tmp_path)
    )
    answers: list[str] = []
    approve = threading.Timer(0.5, server.approve, [pending.user_code])
    approve.start()
    try:
        pending.wait(timeout=30, slow_down_step=0.1, on_poll=answers.append)
    finally:
        approve.cancel()
    assert answers[:2] == ["slow_down", "slow_down"]
    assert pending.interval == pytest.approx(0.05 + 2 * 0.1)
    assert pending.done


def test_an_expired_code_ends_the_wait(server: StandCloudServer, tmp_path: Path) -> None:
    server.configure(device_expires_in=0.3)
    pending = hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=FileTokenStore(tmp_path)
    )
    time.sleep(0.4)
    with pytest.raises(StandCloudAuthError, match="expired"):
        pending.wait(timeout=30)


def test_tokens_refresh_before_they_expire(server: StandCloudServer, tmp_path: Path) -> None:
    server.configure(token_lifetime=65)  # inside the 60 s leeway after 5 s: refreshed on use
    store = FileTokenStore(tmp_path)
    first = _login(server, store)
    first["expires_at"] = time.time() + 30  # as if 35 s had passed
    store.save(server.address, first)
    with StandCloudConnector(server.address, ca_bundle=server.ca_bundle, token_store=store) as sc:
        assert sc.healthcheck().status_code == 200
    saved = store.load(server.address)
    assert saved is not None
    assert saved["access_token"] != first["access_token"]
    assert saved["refresh_token"] != first["refresh_token"]  # the server rotates it


def test_a_401_is_retried_once_after_a_refresh(server: StandCloudServer, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path)
    first = _login(server, store)
    server.expire_tokens()  # revoked early: the client cannot know before it asks
    with StandCloudConnector(server.address, ca_bundle=server.ca_bundle, token_store=store) as sc:
        assert sc.healthcheck().status_code == 200
    assert store.load(server.address)["access_token"] != first["access_token"]  # type: ignore[index]
    # a refresh token the server no longer knows: log in again
    store.save(server.address, {**first, "refresh_token": "gone"})
    server.expire_tokens()
    with StandCloudConnector(server.address, ca_bundle=server.ca_bundle, token_store=store) as sc:
        with pytest.raises(StandCloudAuthError, match="log in again"):
            sc.healthcheck()
        assert not sc.is_refresh_token_valid()


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in: the real keyring API, a dict behind it."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("locked")


def test_tokens_go_to_the_keyring_when_there_is_one(
    server: StandCloudServer, tmp_path: Path
) -> None:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        store = AutoTokenStore(file_store=FileTokenStore(tmp_path))
        token = _login(server, store)
        (key,) = backend.items
        assert key == (f"hardlab-standcloud:{server.address}", "token")
        assert json.loads(backend.items[key])["refresh_token"] == token["refresh_token"]
        assert not any(tmp_path.iterdir())  # nothing on disk
        assert KeyringTokenStore().load(server.address) == store.load(server.address)
        assert store.delete(server.address) and backend.items == {}
        # a keyring that fails at use gives way to the file
        keyring.set_keyring(BrokenKeyring())
        fallback = AutoTokenStore(file_store=FileTokenStore(tmp_path))
        fallback.save(server.address, token)
        assert FileTokenStore(tmp_path).load(server.address) == token
    finally:
        keyring.set_keyring(before)


def _hardlab(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "import sys, hardlab.cli; sys.exit(hardlab.cli.main())", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_cli_login_check_and_logout(server: StandCloudServer, tmp_path: Path) -> None:
    ca = ["--ca-bundle", server.ca_bundle]
    login = _hardlab("sc-login", server.address, *ca, "--wait", "60")
    assert login.stdout is not None
    lines = []
    for line in login.stdout:
        lines.append(line)
        if "user_code=" in line:
            server.approve(line.strip().rsplit("user_code=", 1)[1])
            break
    out = "".join(lines) + login.stdout.read()
    assert login.wait(60) == 0, out
    assert f"To log in to StandCloud at {server.address}, open:" in out
    assert f"Logged in to StandCloud at {server.address}." in out
    check = _hardlab("sc-login", server.address, "--check", *ca)
    assert check.communicate(timeout=60)[0].strip() == "StandCloud connection success"
    again = _hardlab("sc-login", server.address, *ca)
    assert "Already logged in" in again.communicate(timeout=60)[0]
    logout = _hardlab("sc-logout", server.address)
    assert f"Logged out from StandCloud at {server.address}." in logout.communicate(timeout=60)[0]
    check = _hardlab("sc-login", server.address, "--check", *ca)
    out = check.communicate(timeout=60)[0]
    assert check.returncode == 1 and out.startswith("StandCloud connection failed: no API key")


def test_poll_asks_at_most_once_per_interval_and_never_blocks(
    server: StandCloudServer, tmp_path: Path
) -> None:
    server.configure(device_interval=0.3)
    store = FileTokenStore(tmp_path)
    with hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=store
    ) as pending:
        assert not pending.poll()  # before the first interval: nothing is sent
        assert pending.polls == 0
        while pending.polls == 0:
            assert not pending.poll()  # the user has not accepted yet
            time.sleep(0.02)
        assert pending.last_answer == "authorization_pending"
        server.approve(pending.user_code)
        deadline = time.monotonic() + 30
        while not pending.poll():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        polls = pending.polls
        assert pending.done and pending.poll() and pending.polls == polls  # done: no more asking
        assert store.load(server.address) is not None
    with hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=FileTokenStore(tmp_path / "x")
    ) as refused:
        server.deny(refused.user_code)

        def poll_until_answered() -> None:
            while not refused.poll():
                time.sleep(0.02)

        with pytest.raises(StandCloudAuthError, match="denied"):
            poll_until_answered()


def test_login_settings_take_hardpy_toml_only_for_its_address(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read before a connection\n", encoding="utf-8")
    (tmp_path / "hardpy.toml").write_text(
        '[stand_cloud]\naddress = "sc.example.com:8443"\napi_key = "key-1"\n'
        f'ca_bundle = "{ca}"\nverify = false\n',
        encoding="utf-8",
    )
    own = hardlab.cloud.LoginSettings.resolve("https://sc.example.com:8443/", config_dir=tmp_path)
    assert own == hardlab.cloud.LoginSettings(
        "sc.example.com:8443", "hardpy", verify=False, ca_bundle=str(ca), api_key="key-1"
    )
    # another server gets neither this one's key nor its TLS exceptions
    other = hardlab.cloud.LoginSettings.resolve("other.example.com", config_dir=tmp_path)
    assert other == hardlab.cloud.LoginSettings("other.example.com")
    given = hardlab.cloud.LoginSettings.resolve(
        "sc.example.com:8443",
        config_dir=tmp_path,
        api_mode="integration",
        insecure=True,
        ca_bundle="/mine.pem",
    )
    assert (given.api_mode, given.verify, given.ca_bundle) == ("integration", False, "/mine.pem")


def test_login_settings_start_a_login_only_when_the_stored_one_fails(
    server: StandCloudServer, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path)
    settings = hardlab.cloud.LoginSettings.resolve(
        server.address, config_dir=tmp_path, ca_bundle=server.ca_bundle
    )
    assert settings.check(token_store=store) is not None  # no key, no login yet
    pending = settings.start(token_store=store)
    assert pending is not None
    server.approve(pending.user_code)
    pending.finish(30)
    assert pending.done and pending.done_message == f"Logged in to StandCloud at {server.address}."
    assert settings.check(token_store=store) is None
    assert settings.start(token_store=store) is None  # the stored login works: refreshed
    assert settings.refreshed_message.startswith(
        f"Already logged in to StandCloud at {server.address}"
    )
    denied = hardlab.cloud.LoginSettings.resolve(
        server.address, config_dir=tmp_path, ca_bundle=server.ca_bundle
    ).start(token_store=FileTokenStore(tmp_path / "other"))
    assert denied is not None
    server.deny(denied.user_code)
    with pytest.raises(StandCloudAuthError, match="denied"):
        denied.finish(30)


_REFRESH_AT_ONCE = """
import sys, time
from hardlab.cloud import FileTokenStore, StandCloudConnector

address, ca_bundle, folder, start = sys.argv[1:5]
store = FileTokenStore(folder)
with StandCloudConnector(address, ca_bundle=ca_bundle, token_store=store) as sc:
    store.load(address)  # the file is read: both hold the same refresh token
    while time.time() < float(start):
        pass
    print(sc.healthcheck().status_code)
"""


def test_processes_sharing_a_login_refresh_it_once_at_a_time(
    server: StandCloudServer, tmp_path: Path
) -> None:
    # the refresh token is single-use: the loser of a race was told to log in again
    store = FileTokenStore(tmp_path)
    first = _login(server, store)
    for _ in range(3):
        token = store.load(server.address)
        assert token is not None
        store.save(server.address, {**token, "expires_at": time.time() + 30})  # due
        start = time.time() + 2.5
        arguments = [server.address, server.ca_bundle, str(tmp_path), str(start)]
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", _REFRESH_AT_ONCE, *arguments],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=60)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0], outputs
        assert [out.split()[-1] for out in outputs] == ["200", "200"], outputs
    saved = store.load(server.address)
    assert saved is not None and saved["refresh_token"] != first["refresh_token"]
    server.expire_tokens()
    with StandCloudConnector(server.address, ca_bundle=server.ca_bundle, token_store=store) as sc:
        assert sc.healthcheck().status_code == 200  # what was saved last still refreshes
