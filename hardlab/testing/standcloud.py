"""A StandCloud-compatible server for tests and demos, and a handle to drive it.

`StandCloudServer` starts the server in its own process (``python -m
hardlab.testing.standcloud``), listening on loopback over HTTPS with a
certificate from a throwaway CA, and plays the user's part in a login
(`StandCloudServer.approve`, as if the user clicked Accept)::

    with StandCloudServer() as server:
        pending = hardlab.cloud.login(server.address, ca_bundle=server.ca_bundle)
        server.approve(pending.user_code)
        pending.wait()

It needs ``pip install "hardlab[standcloud-server]"`` (Starlette, uvicorn,
cryptography). The server stops when its handle does or its parent dies.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["FAULT_KINDS", "StandCloudServer", "main"]

FAULT_KINDS = (
    "error_500",
    "error_503",
    "too_many_requests",
    "timeout",
    "reset",
    "expired_token",
    "lost_response",
)
"""What the fault mode can do to an upload (see `StandCloudServer.set_faults`)."""


class StandCloudServer:
    """A StandCloud-compatible test server in a child process.

    Args:
        folder: Where the CA and certificates go (default: a temporary folder,
            removed on `stop`).
        host: The loopback address to listen on.
        port: The port (0: any free one).
        device_interval: Seconds a device login asks clients to wait between polls.
        token_lifetime: Seconds an access token lives.

    Attributes:
        address: ``host:port``, what `hardlab.cloud` functions take.
        ca_bundle: The CA file to trust (``[stand_cloud] ca_bundle``).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        device_interval: float = 0.2,
        token_lifetime: float = 3600.0,
    ) -> None:
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else None
        self.host = host
        self.port = port
        self.device_interval = device_interval
        self.token_lifetime = token_lifetime
        self.address = ""
        self.ca_bundle = ""
        self._admin_token = secrets.token_urlsafe(24)
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    def __repr__(self) -> str:
        state = f"at https://{self.address}" if self._process else "not running"
        return f"<StandCloudServer {state}>"

    def __enter__(self) -> StandCloudServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``https://host:port``."""
        return f"https://{self.address}"

    def start(self, timeout: float = 60.0) -> StandCloudServer:
        """Start the server; return once it accepts connections.

        Raises:
            RuntimeError: If the server did not start (its error output is in the message).
        """
        if self._process is not None:
            return self
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="hardlab-standcloud-"))
        command = [
            sys.executable,
            "-m",
            "hardlab.testing.standcloud",
            "--folder",
            str(self.folder),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--device-interval",
            str(self.device_interval),
            "--token-lifetime",
            str(self.token_lifetime),
        ]
        env = {**os.environ, "HARDLAB_SC_ADMIN_TOKEN": self._admin_token}
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not line or not line[0]:
            process.kill()
            _, err = process.communicate()
            msg = (
                f"the StandCloud test server did not start: {err.decode(errors='replace')[-2000:]}"
            )
            raise RuntimeError(msg)
        info = json.loads(line[0])
        self._process = process
        self.address = info["address"]
        self.ca_bundle = info["ca_bundle"]
        return self

    def stop(self) -> None:
        """Stop the server (and remove its temporary folder)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        process = self._process
        self._process = None
        if process is not None:
            stdin: IO[bytes] | None = process.stdin
            if stdin is not None:
                stdin.close()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if self._own_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # ------------------------------------------------------------------ control

    def _http(self) -> Any:
        import ssl

        import httpx

        if self._process is None:
            msg = "the StandCloud test server is not running; call start() first"
            raise RuntimeError(msg)
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.url,
                verify=ssl.create_default_context(cafile=self.ca_bundle),
                headers={"X-Admin-Token": self._admin_token},
                timeout=30.0,
            )
        return self._client

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http().request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def approve(self, user_code: str) -> None:
        """Accept a device login, as the user clicking Accept on the verification page.

        Raises:
            LookupError: If no pending login has this code.
        """
        self._decide(user_code, "accept")

    def deny(self, user_code: str) -> None:
        """Refuse a device login, as the user clicking Deny.

        Raises:
            LookupError: If no pending login has this code.
        """
        self._decide(user_code, "deny")

    def _decide(self, user_code: str, decision: str) -> None:
        response = self._http().post(
            "/auth/device/decision", data={"user_code": user_code, "decision": decision}
        )
        if response.status_code == 404:
            msg = f"no pending login with code {user_code!r}"
            raise LookupError(msg)
        response.raise_for_status()

    def create_api_key(self) -> str:
        """A new API key the server accepts."""
        return str(self._admin("POST", "/_admin/api-keys")["api_key"])

    def configure(
        self,
        *,
        device_interval: float | None = None,
        device_expires_in: float | None = None,
        token_lifetime: float | None = None,
        slow_down: int | None = None,
    ) -> None:
        """Change the login settings (`slow_down`: that many ``slow_down`` answers per login)."""
        body = {
            name: value
            for name, value in (
                ("device_interval", device_interval),
                ("device_expires_in", device_expires_in),
                ("token_lifetime", token_lifetime),
                ("slow_down", slow_down),
            )
            if value is not None
        }
        self._admin("POST", "/_admin/config", body)

    def set_faults(
        self,
        rate: float,
        kinds: Iterable[str] | Mapping[str, float] = FAULT_KINDS,
        *,
        seed: int | None = None,
        timeout_s: float = 1.0,
        retry_after: float = 0.0,
        endpoints: Sequence[str] = ("test_report",),
    ) -> None:
        """Make a share `rate` of the requests to `endpoints` fail in one of `kinds`.

        Args:
            rate: The share of requests that fail, 0 to 1.
            kinds: Some of `FAULT_KINDS`, or a mapping of kinds to weights.
            seed: Makes the choice of faults repeatable.
            timeout_s: How long a ``timeout`` fault stalls before it answers 503.
            retry_after: The Retry-After (seconds) of 503 and 429 answers.
            endpoints: Which endpoints fail.
        """
        chosen = dict(kinds) if isinstance(kinds, Mapping) else dict.fromkeys(kinds, 1.0)
        unknown = set(chosen) - set(FAULT_KINDS)
        if unknown:
            msg = f"unknown fault kinds {sorted(unknown)}; choose from {FAULT_KINDS}"
            raise ValueError(msg)
        faults = {
            "rate": rate,
            "kinds": chosen,
            "seed": seed,
            "timeout_s": timeout_s,
            "retry_after": retry_after,
            "endpoints": list(endpoints),
        }
        self._admin("POST", "/_admin/config", {"faults": faults})

    def expire_tokens(self) -> None:
        """Make every access token the server issued expire now (refresh tokens stay valid)."""
        self._admin("POST", "/_admin/expire-tokens")

    def reports(self) -> list[dict[str, Any]]:
        """The stored reports, in order.

        Each has ``key`` (the idempotency key), ``test_run_id``, ``stored``
        (how many times it was stored: 1) and ``document``.
        """
        return list(self._admin("GET", "/_admin/reports")["reports"])

    def stats(self) -> dict[str, Any]:
        """Counters: ``duplicates_refused``, ``faults`` by kind, ``requests`` by endpoint."""
        data = self._admin("GET", "/_admin/reports")
        return {key: value for key, value in data.items() if key != "reports"}

    def reset(self) -> None:
        """Forget the stored reports and the counters."""
        self._admin("POST", "/_admin/reset")


def _serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from hardlab.testing._sc_app import ResettableH11Protocol, ServerState, build_app
    from hardlab.testing._tls import make_certificates

    folder = Path(args.folder)
    certificates = make_certificates(folder)
    admin_token = os.environ.get("HARDLAB_SC_ADMIN_TOKEN") or secrets.token_urlsafe(24)
    state = ServerState(
        admin_token=admin_token,
        device_interval=args.device_interval,
        token_lifetime=args.token_lifetime,
    )
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle's algorithm off only on sockets that say they are
    # TCP; without it every response of a kept-alive connection waits for a delayed ACK (40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(512)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    config = uvicorn.Config(
        build_app(state),
        http=ResettableH11Protocol,
        ssl_certfile=str(certificates.cert),
        ssl_keyfile=str(certificates.key),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=60,
        backlog=512,
    )
    server = uvicorn.Server(config)

    def _watch_parent() -> None:
        # the parent closes our stdin (or dies): stop serving
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=_watch_parent, daemon=True).start()
    info = {"address": f"{host}:{port}", "ca_bundle": str(certificates.ca), "pid": os.getpid()}
    print(json.dumps(info), flush=True)
    server.run(sockets=[sock])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hardlab.testing.standcloud``: serve until standard input closes.

    Prints one JSON line when it listens: ``address``, ``ca_bundle``, ``pid``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m hardlab.testing.standcloud",
        description="A StandCloud-compatible HTTPS server on loopback, for tests and demos. "
        "It serves until its standard input closes.",
    )
    parser.add_argument("--folder", required=True, help="where the CA and certificates go")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--device-interval", type=float, default=5.0, help="login poll interval")
    parser.add_argument("--token-lifetime", type=float, default=3600.0, help="seconds")
    return _serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
