"""The StandCloud-compatible test server: a Starlette app served by uvicorn over TLS.

It speaks the parts of StandCloud that hardlab (and HardPy) use: the device
login (RFC 8628) with refresh tokens, API keys, ``test_report`` uploads
checked against HardPy's schema v1 with idempotency keys, and the
``test_run``/``tested_dut`` readers. A fault mode answers a share of the
uploads with 5xx, 429, a stall past the client's timeout, a reset
connection, an expired token, or stores the report and then drops the
connection (the response is lost). ``/_admin`` endpoints, guarded by a
secret, let tests configure it and look at what it stored.
"""

from __future__ import annotations

import asyncio
import datetime
import html
import json
import random
import secrets
import socket
import struct
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["FAULT_KINDS", "ResettableH11Protocol", "ServerState", "build_app"]

CLIENT_ID = "hardpy-report-uploader"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
API_MODES = ("hardpy", "integration")

FAULT_KINDS = (
    "error_500",
    "error_503",
    "too_many_requests",
    "timeout",
    "reset",
    "expired_token",
    "lost_response",
)
"""What the fault mode can do to an upload."""

# The open connections by client address, so a fault can reset one (RST, not a
# clean close): the ASGI scope names the client, not its transport.
_TRANSPORTS: dict[tuple[str, int], asyncio.Transport] = {}


class ResettableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, remembering each connection's transport by client address."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # responses go out as two writes (head, body): no Nagle delay between them
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.client is not None:
            _TRANSPORTS[(self.client[0], self.client[1])] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client is not None:
            _TRANSPORTS.pop((self.client[0], self.client[1]), None)
        super().connection_lost(exc)


def _reset(request: Request) -> bool:
    """Abort the request's connection with a TCP reset; True if it was found."""
    client = request.client
    transport = _TRANSPORTS.get((client.host, client.port)) if client else None
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER on with a zero timeout: close() sends RST instead of FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


@dataclass
class Faults:
    """The fault mode's settings."""

    rate: float = 0.0
    kinds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 1.0))
    timeout_s: float = 1.0
    """How long a ``timeout`` fault stalls (longer than the client waits)."""
    retry_after: float = 0.0
    """The Retry-After of 503 and 429 answers, in seconds."""
    endpoints: tuple[str, ...] = ("test_report",)
    rng: random.Random = field(default_factory=random.Random)

    def pick(self) -> str | None:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kinds = [k for k, w in self.kinds.items() if w > 0]
        if not kinds:
            return None
        return self.rng.choices(kinds, weights=[self.kinds[k] for k in kinds])[0]


@dataclass
class ServerState:
    """Everything the server knows; one per server process."""

    admin_token: str
    device_interval: float = 5.0
    device_expires_in: float = 600.0
    token_lifetime: float = 3600.0
    slow_down: int = 0
    """How many ``slow_down`` answers each device login gets before ``authorization_pending``."""
    api_keys: set[str] = field(default_factory=set)
    access_tokens: dict[str, float] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    stored: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    faults_done: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    faults: Faults = field(default_factory=Faults)

    # ------------------------------------------------------------------ tokens

    def issue_tokens(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self.access_tokens[access] = time.time() + self.token_lifetime
        self.refresh_tokens[refresh] = access
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
            "scope": "offline_access authelia.bearer.authz",
        }

    def credential(self, request: Request) -> str | None:
        """``api_key``, ``token`` or None for a missing or invalid credential."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value:
            return None
        if value in self.api_keys:
            return "api_key"
        expires = self.access_tokens.get(value)
        if expires is not None and expires > time.time():
            return "token"
        return None


def _error(status: int, error: str, description: str = "") -> JSONResponse:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return JSONResponse(body, status_code=status)


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_token", "detail": "missing, unknown or expired credentials"},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _iso(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_STATUS = {"passed": "pass", "failed": "fail", "stopped": "stop"}


def _summary(record: dict[str, Any], attempt: int) -> dict[str, Any]:
    doc = record["document"]
    dut, stand = doc.get("dut") or {}, doc.get("test_stand") or {}
    start, stop = doc.get("start_time"), doc.get("stop_time")
    duration = f"PT{max(0, stop - start)}S" if start is not None and stop is not None else None
    status = _STATUS.get(str(doc.get("status")), str(doc.get("status")))
    return {
        "test_run_id": record["id"],
        "test_plan_name": doc.get("name"),
        "serial_number": dut.get("serial_number"),
        "part_number": dut.get("part_number"),
        "status": status,
        "status_icon": "✓" if status == "pass" else "✗",
        "number_of_attempt": attempt,
        "start_time": _iso(start),
        "stop_time": _iso(stop),
        "duration": duration,
        "test_stand_name": stand.get("name"),
        "test_stand_hw_id": stand.get("hw_id"),
        "test_run_artifact": doc.get("artifact") or {},
        "test_stand_info": stand.get("info") or {},
        "dut_info": dut.get("info") or {},
    }


def _attempts(state: ServerState) -> dict[str, int]:
    """Each run's attempt number for its DUT (1 for a DUT's first run), in upload order."""
    seen: Counter[tuple[Any, Any]] = Counter()
    numbers = {}
    for key in state.order:
        dut = state.reports[key]["document"].get("dut") or {}
        unit = (dut.get("part_number"), dut.get("serial_number"))
        seen[unit] += 1
        numbers[key] = seen[unit]
    return numbers


def _matches(summary: dict[str, Any], params: dict[str, str]) -> bool:
    for name, wanted in params.items():
        if name in ("limit", "offset"):
            continue
        if name == "status":
            if str(summary["status"]).lower() != wanted.lower():
                return False
        elif name in summary:
            if str(summary[name]) != wanted:
                return False
        elif str(summary["dut_info"].get(name)) != wanted:
            return False
    return True


def build_app(state: ServerState) -> Starlette:
    """The ASGI application over `state`."""

    def authorized(request: Request) -> bool:
        return state.credential(request) is not None

    def admin(request: Request) -> bool:
        return secrets.compare_digest(request.headers.get("x-admin-token", ""), state.admin_token)

    async def form(request: Request) -> dict[str, str]:
        # urlencoded forms only (what OAuth uses); Starlette's parser would need python-multipart
        return dict(urllib.parse.parse_qsl((await request.body()).decode(errors="replace")))

    # ---------------------------------------------------------------- OAuth

    async def device_authorization(request: Request) -> Response:
        data = await form(request)
        if data.get("client_id") != CLIENT_ID:
            return _error(401, "invalid_client", "unknown client_id")
        device_code = secrets.token_urlsafe(24)
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(alphabet) for _ in range(8))
        state.devices[device_code] = {
            "user_code": user_code,
            "state": "pending",
            "expires_at": time.time() + state.device_expires_in,
            "slow_down": state.slow_down,
            "audience": data.get("audience", ""),
        }
        base = f"https://{request.headers.get('host', request.url.netloc)}"
        return JSONResponse(
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": f"{base}/auth/device",
                "verification_uri_complete": f"{base}/auth/device?user_code={user_code}",
                "expires_in": int(state.device_expires_in),
                "interval": state.device_interval,
            }
        )

    async def token(request: Request) -> Response:
        data = await form(request)
        grant = data.get("grant_type")
        if data.get("client_id") != CLIENT_ID:
            return _error(401, "invalid_client", "unknown client_id")
        if grant == DEVICE_GRANT:
            device = state.devices.get(data.get("device_code", ""))
            if device is None:
                return _error(400, "invalid_grant", "unknown device_code")
            if device["expires_at"] < time.time():
                return _error(400, "expired_token")
            if device["state"] == "denied":
                return _error(400, "access_denied")
            if device["slow_down"] > 0:
                device["slow_down"] -= 1
                return _error(400, "slow_down")
            if device["state"] == "pending":
                return _error(400, "authorization_pending")
            if device["state"] == "used":
                return _error(400, "invalid_grant", "device_code already used")
            device["state"] = "used"
            return JSONResponse(state.issue_tokens())
        if grant == "refresh_token":
            old = state.refresh_tokens.pop(data.get("refresh_token", ""), None)
            if old is None:
                return _error(400, "invalid_grant", "unknown or used refresh_token")
            state.access_tokens.pop(old, None)
            return JSONResponse(state.issue_tokens())
        return _error(400, "unsupported_grant_type")

    async def device_page(request: Request) -> Response:
        code = html.escape(request.query_params.get("user_code", ""), quote=True)
        return HTMLResponse(
            "<!doctype html><title>StandCloud test server: device login</title>"
            "<h1>Allow hardlab to use StandCloud?</h1>"
            f'<form method="post" action="/auth/device/decision">'
            f'<input name="user_code" value="{code}">'
            '<button name="decision" value="accept">Accept</button>'
            '<button name="decision" value="deny">Deny</button></form>'
        )

    async def device_decision(request: Request) -> Response:
        data = await form(request)
        code = data.get("user_code", "").strip().upper()
        for device in state.devices.values():
            if device["user_code"] == code and device["state"] == "pending":
                device["state"] = "approved" if data.get("decision") == "accept" else "denied"
                return HTMLResponse(f"<p>Login {device['state']}. You may close this page.</p>")
        return HTMLResponse("<p>Unknown or used code.</p>", status_code=404)

    # ---------------------------------------------------------------- API

    async def healthcheck(request: Request) -> Response:
        state.requests["healthcheck"] += 1
        if not authorized(request):
            return _unauthorized()
        return JSONResponse({})

    async def fault(request: Request, endpoint: str) -> tuple[str | None, Response | None]:
        if endpoint not in state.faults.endpoints:
            return None, None
        kind = state.faults.pick()
        if kind is None:
            return None, None
        state.faults_done[kind] += 1
        retry = {"Retry-After": f"{state.faults.retry_after:g}"}
        if kind == "error_500":
            return kind, JSONResponse({"detail": "injected fault"}, status_code=500)
        if kind == "error_503":
            return kind, JSONResponse({"detail": "unavailable"}, status_code=503, headers=retry)
        if kind == "too_many_requests":
            return kind, JSONResponse({"detail": "slow down"}, status_code=429, headers=retry)
        if kind == "timeout":
            await asyncio.sleep(state.faults.timeout_s)
            return kind, JSONResponse({"detail": "too late"}, status_code=503)
        if kind == "reset":
            _reset(request)
            return kind, Response(status_code=500)
        if kind == "expired_token":
            header = request.headers.get("authorization", "")
            state.access_tokens.pop(header.partition(" ")[2], None)
            return kind, _unauthorized()
        return kind, None  # lost_response: store, then drop the connection

    async def test_report(request: Request) -> Response:
        state.requests["test_report"] += 1
        if not authorized(request):
            return _unauthorized()
        kind, answer = await fault(request, "test_report")
        if answer is not None:
            return answer
        try:
            document = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": "the body is not JSON"}, status_code=400)
        problems = _validate(document)
        if problems:
            return JSONResponse({"detail": problems}, status_code=422)
        key = request.headers.get("idempotency-key") or str(uuid.uuid4())
        existing = state.reports.get(key)
        if existing is not None:
            state.duplicates[key] += 1
            return JSONResponse(
                {"detail": "a report with this idempotency key is stored",
                 "test_run_id": existing["id"]},
                status_code=409,
            )  # fmt: skip
        record = {"id": str(uuid.uuid4()), "key": key, "document": document}
        state.reports[key] = record
        state.order.append(key)
        state.stored[key] += 1
        if kind == "lost_response":
            _reset(request)
            return Response(status_code=500)
        return JSONResponse({"test_run_id": record["id"]}, status_code=201)

    def summaries(request: Request, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        numbers = _attempts(state)
        found = [_summary(state.reports[key], numbers[key]) for key in state.order]
        params = {k: v for k, v in request.query_params.items() if k not in skip}
        return [item for item in found if _matches(item, params)]

    def page(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            offset = int(request.query_params.get("offset", 0))
            limit = int(request.query_params.get("limit", 100))
        except ValueError:
            return items
        return items[offset : offset + limit]

    async def test_runs(request: Request) -> Response:
        state.requests["test_run"] += 1
        if not authorized(request):
            return _unauthorized()
        return JSONResponse(page(request, summaries(request)))

    async def test_run(request: Request) -> Response:
        state.requests["test_run/{id}"] += 1
        if not authorized(request):
            return _unauthorized()
        wanted = request.path_params["run_id"]
        numbers = _attempts(state)
        for key in state.order:
            record = state.reports[key]
            if record["id"] == wanted:
                return JSONResponse(
                    {**_summary(record, numbers[key]), "report": record["document"]}
                )
        return JSONResponse({"detail": f"no test run {wanted}"}, status_code=404)

    async def tested_dut(request: Request) -> Response:
        state.requests["tested_dut"] += 1
        if not authorized(request):
            return _unauthorized()
        latest: dict[tuple[Any, Any], dict[str, Any]] = {}
        for item in summaries(request, skip=("attempt_count",)):
            unit = (item["part_number"], item["serial_number"])
            latest[unit] = {
                **item,
                "attempt_count": item["number_of_attempt"],
                "finish_time": item["stop_time"],
            }
        duts = list(latest.values())
        wanted = request.query_params.get("attempt_count")
        if wanted is not None:  # DUTs tested that many times in all
            duts = [dut for dut in duts if str(dut["attempt_count"]) == wanted]
        return JSONResponse(page(request, duts))

    # ---------------------------------------------------------------- admin

    async def admin_config(request: Request) -> Response:
        if not admin(request):
            return _unauthorized()
        body = await request.json()
        for name in ("device_interval", "device_expires_in", "token_lifetime"):
            if name in body:
                setattr(state, name, float(body[name]))
        if "slow_down" in body:
            state.slow_down = int(body["slow_down"])
        faults = body.get("faults")
        if faults is not None:
            kinds = faults.get("kinds")
            state.faults = Faults(
                rate=float(faults.get("rate", 0.0)),
                kinds=(
                    {str(k): float(v) for k, v in kinds.items()}
                    if isinstance(kinds, dict)
                    else dict.fromkeys(kinds or FAULT_KINDS, 1.0)
                ),
                timeout_s=float(faults.get("timeout_s", 1.0)),
                retry_after=float(faults.get("retry_after", 0.0)),
                endpoints=tuple(faults.get("endpoints", ("test_report",))),
                rng=random.Random(faults.get("seed")),
            )
        return JSONResponse({"ok": True})

    async def admin_api_key(request: Request) -> Response:
        if not admin(request):
            return _unauthorized()
        key = "sc_" + secrets.token_urlsafe(24)
        state.api_keys.add(key)
        return JSONResponse({"api_key": key})

    async def admin_expire(request: Request) -> Response:
        if not admin(request):
            return _unauthorized()
        now = time.time()
        for access in state.access_tokens:
            state.access_tokens[access] = now - 1
        return JSONResponse({"expired": len(state.access_tokens)})

    async def admin_reports(request: Request) -> Response:
        if not admin(request):
            return _unauthorized()
        reports = [
            {
                "key": key,
                "test_run_id": state.reports[key]["id"],
                "stored": state.stored[key],
                "document": state.reports[key]["document"],
            }
            for key in state.order
        ]
        return JSONResponse(
            {
                "reports": reports,
                "duplicates_refused": sum(state.duplicates.values()),
                "faults": dict(state.faults_done),
                "requests": dict(state.requests),
            }
        )

    async def admin_reset(request: Request) -> Response:
        if not admin(request):
            return _unauthorized()
        state.reports.clear()
        state.order.clear()
        state.stored.clear()
        state.duplicates.clear()
        state.faults_done.clear()
        state.requests.clear()
        return JSONResponse({"ok": True})

    routes = [
        Route("/auth/api/oidc/device-authorization", device_authorization, methods=["POST"]),
        Route("/auth/api/oidc/token", token, methods=["POST"]),
        Route("/auth/device", device_page, methods=["GET"]),
        Route("/auth/device/decision", device_decision, methods=["POST"]),
        Route("/_admin/config", admin_config, methods=["POST"]),
        Route("/_admin/api-keys", admin_api_key, methods=["POST"]),
        Route("/_admin/expire-tokens", admin_expire, methods=["POST"]),
        Route("/_admin/reports", admin_reports, methods=["GET"]),
        Route("/_admin/reset", admin_reset, methods=["POST"]),
    ]
    for mode in API_MODES:
        base = f"/{mode}/api/v1"
        routes += [
            Route(f"{base}/healthcheck", healthcheck, methods=["GET"]),
            Route(f"{base}/test_report", test_report, methods=["POST"]),
            Route(f"{base}/test_run", test_runs, methods=["GET"]),
            Route(f"{base}/test_run/{{run_id}}", test_run, methods=["GET"]),
            Route(f"{base}/tested_dut", tested_dut, methods=["GET"]),
        ]
    return Starlette(routes=routes)


def _validate(document: Any) -> list[dict[str, Any]]:
    """Why `document` is not a storable report: schema v1 errors and missing mandatory fields."""
    from pydantic import ValidationError

    from hardlab.model.report import ResultRunStore

    if not isinstance(document, dict):
        return [{"loc": [], "msg": "the report must be a JSON object"}]
    try:
        ResultRunStore.model_validate(document)
    except ValidationError as exc:
        return [
            {"loc": [str(p) for p in error["loc"]], "msg": error["msg"]} for error in exc.errors()
        ]
    problems = []
    if not (document.get("dut") or {}).get("part_number"):
        problems.append({"loc": ["dut", "part_number"], "msg": "DUT part number is required"})
    if not (document.get("test_stand") or {}).get("name"):
        problems.append({"loc": ["test_stand", "name"], "msg": "test stand name is required"})
    return problems
