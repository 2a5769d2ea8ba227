"""A fake Zalo ZNS and OAuth v4 server on 127.0.0.1 for the Zalo tests: a real HTTP server
(the standard library's, in a thread) that checks requests the way the documented API does.

``POST /message/template``: the ``access_token`` header must be the current token (else
error -124); the JSON body must hold ``phone`` (84 and nine digits), an approved
``template_id`` (-109 when unknown, -131 when not approved), ``template_data`` with exactly
the template's parameters as strings (-112) and a ``tracking_id`` of at most 48
characters. Each accepted message is counted per (phone, tracking_id). Phones listed in
``not_zalo`` get -118; a spent daily quota gets -144; ``fail_next(n)`` answers HTTP 503.

``POST /v4/oa/access_token``: form ``app_id``, ``grant_type=refresh_token`` and the
current ``refresh_token``, header ``secret_key``; a refresh hands out a new pair and the
old refresh token stops working (-14020). ``refresh_delay`` holds the answer, so that
two concurrent refreshes overlap.

Anything a client sends that the real API would refuse is also listed in ``problems``,
so a test can assert that the client never sent a malformed request.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

APP_ID = "1234567890123456789"
SECRET_KEY = "s3cr3t-key"
TEMPLATES = {"7895417a7d3f9461cd2e": ("so_viec", "qua_han", "lien_ket"), "100200": ("ten",)}


@dataclass
class FakeZns:
    """The server's state; every method is safe to call from the test while it runs."""

    app_id: str = APP_ID
    secret_key: str = SECRET_KEY
    templates: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(TEMPLATES))
    unapproved: set[str] = field(default_factory=set)
    not_zalo: set[str] = field(default_factory=set)
    daily_quota: int = 500
    remaining_quota: int = 500
    refresh_delay: float = 0.0
    reject_new_tokens: bool = False  # even a freshly refreshed access token is refused
    access_token: str | None = field(default_factory=lambda: "at-" + secrets.token_hex(8))
    refresh_token: str = field(default_factory=lambda: "rt-" + secrets.token_hex(8))
    received: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    refreshes: list[str] = field(default_factory=list)  # refresh tokens accepted
    refused_refreshes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _fail: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ----------------------------------------------------------------- test controls

    def expire_token(self) -> None:
        """The current access token stops working until the client refreshes."""
        with self._lock:
            self.access_token = None

    def revoke_refresh_token(self) -> None:
        with self._lock:
            self.refresh_token = "rt-revoked-" + secrets.token_hex(8)

    def fail_next(self, times: int) -> None:
        """Answer the next ``times`` ZNS requests with HTTP 503."""
        with self._lock:
            self._fail = times

    def exhaust_quota(self) -> None:
        with self._lock:
            self.remaining_quota = 0

    @property
    def sent(self) -> int:
        return sum(self.received.values())

    # ----------------------------------------------------------------------- the API

    def send(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self._fail > 0:
                self._fail -= 1
                return 503, {"error": -100, "message": "Service unavailable"}
            token = headers.get("access_token")
            if token is None or token != self.access_token or token.startswith("bad-"):
                return 200, {"error": -124, "message": "Access token invalid"}
            try:
                body = json.loads(raw)
            except ValueError:
                self.problems.append("body is not JSON")
                return 200, {"error": -122, "message": "Body format invalid"}
            self.requests.append(body)
            return self._checked(body)

    def _checked(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: PLR0911
        # One answer per documented check, in the API's order.
        phone, template = body.get("phone"), body.get("template_id")
        data, tracking = body.get("template_data"), body.get("tracking_id")
        if not (isinstance(phone, str) and phone.isdigit() and phone.startswith("84")):
            self.problems.append(f"phone {phone!r}")
            return 200, {"error": -108, "message": "Phone number invalid"}
        if not isinstance(tracking, str) or not tracking or len(tracking) > 48:
            self.problems.append(f"tracking_id {tracking!r}")
            return 200, {"error": -132, "message": "Parameter invalid"}
        if template in self.unapproved:
            return 200, {"error": -131, "message": "Template not approved"}
        if template not in self.templates:
            return 200, {"error": -109, "message": "Template ID invalid"}
        wanted = set(self.templates[template])
        if not isinstance(data, dict) or set(data) != wanted:
            self.problems.append(f"template_data {data!r} for {template}")
            return 200, {"error": -112, "message": "Template data invalid"}
        if not all(isinstance(value, str) for value in data.values()):
            self.problems.append(f"template_data values {data!r}")
            return 200, {"error": -112, "message": "Template data invalid"}
        if phone in self.not_zalo:
            return 200, {"error": -118, "message": "Zalo account not existed"}
        if self.remaining_quota <= 0:
            return 200, {"error": -144, "message": "OA has exceeded daily quota"}
        self.remaining_quota -= 1
        self.received[(phone, tracking)] += 1
        return 200, {
            "error": 0,
            "message": "Success",
            "data": {
                "msg_id": secrets.token_hex(10),
                "sent_time": str(int(time.time() * 1000)),
                "quota": {
                    "dailyQuota": str(self.daily_quota),
                    "remainingQuota": str(self.remaining_quota),
                },
            },
        }

    def refresh(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        if self.refresh_delay:
            time.sleep(self.refresh_delay)  # outside the lock: let refreshes overlap
        with self._lock:
            if headers.get("secret_key") != self.secret_key:
                return 200, {"error": -14002, "error_name": "Invalid secret key"}
            if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
                self.problems.append(f"oauth form {form!r}")
                return 200, {"error": -14001, "error_name": "Invalid parameter"}
            used = form.get("refresh_token", "")
            if used != self.refresh_token:
                self.refused_refreshes.append(used)
                return 200, {
                    "error": -14020,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or has been used",
                }
            self.refreshes.append(used)
            prefix = "bad-" if self.reject_new_tokens else "at-"
            self.access_token = prefix + secrets.token_hex(8)
            self.refresh_token = "rt-" + secrets.token_hex(8)
            return 200, {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake = self.server.fake
        if self.path == "/message/template":
            status, body = fake.send(headers, raw)
        elif self.path == "/v4/oa/access_token":
            status, body = fake.refresh(headers, raw)
        else:
            status, body = 404, {"error": -106, "message": "Method unsupported"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeZns) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class FakeZnsServer:
    """A running fake: ``url`` for both ``api_url`` and ``oauth_url``; ``stop`` at the end."""

    def __init__(self, fake: FakeZns | None = None) -> None:
        self.fake = fake or FakeZns()
        self._server = _Server(self.fake)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
