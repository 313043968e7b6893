"""Where StandCloud login tokens live: the OS keyring, or a file only the user can read.

A token never goes into logs, reports or exceptions: `TokenStore` hands it
to the connector and to nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from hardlab._util import data_dir

__all__ = [
    "TOKEN_STORE_ENV",
    "AutoTokenStore",
    "FileTokenStore",
    "KeyringTokenStore",
    "TokenStore",
    "default_token_store",
    "refresh_lock",
]

TOKEN_STORE_ENV = "HARDLAB_SC_TOKEN_STORE"
"""``keyring`` or ``file``: force one token store (default: the keyring when it works)."""

_SERVICE = "hardlab-standcloud"
_USERNAME = "token"


@runtime_checkable
class TokenStore(Protocol):
    """Keeps one OAuth token (a JSON-able dict) per StandCloud address."""

    def load(self, address: str) -> dict[str, Any] | None:
        """The token saved for `address`, or None."""
        ...

    def save(self, address: str, token: dict[str, Any]) -> None:
        """Keep `token` for `address`, replacing any other."""
        ...

    def delete(self, address: str) -> bool:
        """Forget the token of `address`; True if there was one."""
        ...


def _safe(address: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in address)


class FileTokenStore:
    """Tokens as JSON files readable by the user only (mode 0600, in a 0700 folder).

    Args:
        folder: Where the files go (default: ``<hardlab data folder>/standcloud``).
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else data_dir() / "standcloud"

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.folder)!r})"

    def path(self, address: str) -> Path:
        """The file that holds the token of `address`."""
        return self.folder / f"{_safe(address)}.token.json"

    def load(self, address: str) -> dict[str, Any] | None:
        """The token saved for `address`, or None (also for an unreadable file)."""
        try:
            data = json.loads(self.path(address).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save(self, address: str, token: dict[str, Any]) -> None:
        """Write the token atomically, never readable by others, even for a moment."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(self.folder, 0o700)
        # mkstemp creates the file with mode 0600 before anything is written
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".token-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(token, file)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path(address))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def delete(self, address: str) -> bool:
        """Remove the token file of `address`."""
        try:
            self.path(address).unlink()
        except FileNotFoundError:
            return False
        return True


class KeyringTokenStore:
    """Tokens in the operating system's keyring (Secret Service, Keychain, Windows vault).

    Raises `keyring.errors.KeyringError` when the keyring cannot be used;
    `AutoTokenStore` falls back to a file then.
    """

    def __init__(self, service: str = _SERVICE) -> None:
        self.service = service

    def __repr__(self) -> str:
        return f"KeyringTokenStore({self.service!r})"

    def _name(self, address: str) -> str:
        return f"{self.service}:{address}"

    def load(self, address: str) -> dict[str, Any] | None:
        """The token saved for `address`, or None."""
        import keyring

        text = keyring.get_password(self._name(address), _USERNAME)
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def save(self, address: str, token: dict[str, Any]) -> None:
        """Keep the token in the keyring."""
        import keyring

        keyring.set_password(self._name(address), _USERNAME, json.dumps(token))

    def delete(self, address: str) -> bool:
        """Remove the token from the keyring."""
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(self._name(address), _USERNAME)
        except PasswordDeleteError:
            return False
        return True


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    # the chainer with nothing in it is keyring's way of saying "no keyring here"
    backends = getattr(backend, "backends", None)
    return backends is None or bool(backends)


class AutoTokenStore:
    """The keyring when this computer has a working one, else a 0600 file.

    A keyring that fails at use (a locked Secret Service without a desktop
    session, say) is given up for the file, and a token found in either is used.
    """

    def __init__(
        self, keyring_store: TokenStore | None = None, file_store: FileTokenStore | None = None
    ) -> None:
        self.keyring = keyring_store or KeyringTokenStore()
        self.file = file_store or FileTokenStore()
        self._keyring_ok = _keyring_usable() if keyring_store is None else True

    def __repr__(self) -> str:
        where = "keyring, then file" if self._keyring_ok else "file"
        return f"AutoTokenStore({where}: {self.file.folder})"

    def _try_keyring(self, action: str, *args: Any) -> Any:
        if not self._keyring_ok:
            raise LookupError
        from keyring.errors import KeyringError

        try:
            return getattr(self.keyring, action)(*args)
        except KeyringError:
            self._keyring_ok = False
            raise LookupError from None

    def load(self, address: str) -> dict[str, Any] | None:
        """The token from the keyring, else from the file."""
        with contextlib.suppress(LookupError):
            found = self._try_keyring("load", address)
            if found is not None:
                return dict(found)
        return self.file.load(address)

    def save(self, address: str, token: dict[str, Any]) -> None:
        """Into the keyring when it works (and no stale file is left), else into the file."""
        try:
            self._try_keyring("save", address, token)
        except LookupError:
            self.file.save(address, token)
        else:
            self.file.delete(address)

    def delete(self, address: str) -> bool:
        """From both places."""
        removed = False
        with contextlib.suppress(LookupError):
            removed = bool(self._try_keyring("delete", address))
        return self.file.delete(address) or removed


def default_token_store() -> TokenStore:
    """The token store hardlab uses unless told otherwise.

    ``$HARDLAB_SC_TOKEN_STORE`` = ``file`` or ``keyring`` forces one; the
    default is `AutoTokenStore` (keyring, else file).
    """
    choice = os.environ.get(TOKEN_STORE_ENV, "").strip().lower()
    if choice == "file":
        return FileTokenStore()
    if choice == "keyring":
        return KeyringTokenStore()
    return AutoTokenStore()


@contextlib.contextmanager
def refresh_lock(store: TokenStore, address: str) -> Iterator[None]:
    """Hold the lock that serialises refreshing the login of `address` across processes.

    A refresh token is single-use: two processes sharing a login (a station,
    a notebook, ``hardlab sc-sync``) that refresh at once would leave one of
    them with a refused token. The holder reloads the token under this lock,
    and refreshes only if no other process did meanwhile. The lock is an OS
    file lock beside the token files (released when its process dies).
    """
    if isinstance(store, FileTokenStore):
        folder = store.folder
    elif isinstance(store, AutoTokenStore):
        folder = store.file.folder
    else:
        folder = data_dir() / "standcloud"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / f"{_safe(address)}.refresh.lock", "a+b") as file:
        if sys.platform == "win32":
            import msvcrt

            file.seek(0)
            while True:
                try:
                    msvcrt.locking(file.fileno(), msvcrt.LK_LOCK, 1)  # tries for 10 s
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                file.seek(0)
                msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)
