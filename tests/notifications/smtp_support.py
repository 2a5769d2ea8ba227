"""The SMTP test server behind the fixtures in ``conftest.py``: aiosmtpd, scriptable."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from notifications.smtp_settings import SmtpSecurity, SmtpSettings


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    connection: int  # which connection carried it
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        # Lines arrive with CRLF, as SMTP wants; a mail client reads them as lines.
        raw = self.raw.replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class ScriptedHandler:
    """Records messages; refuses or rejects as scripted. Runs on the server's thread."""

    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    data_replies: deque[str] = field(default_factory=deque)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    open_connections: set[int] = field(default_factory=set)
    connections_seen: int = 0
    max_connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, reply: str, times: int) -> None:
        """Answer the next ``times`` DATA commands with ``reply`` ("451 4.3.0 …")."""
        self.data_replies.extend([reply] * times)

    def reject(self, address: str, reply: str = "550 5.1.1 Không có hộp thư này") -> None:
        self.rcpt_replies[address] = reply

    def opened(self, connection: int) -> None:
        with self.lock:
            self.open_connections.add(connection)
            self.connections_seen += 1
            self.max_connections = max(self.max_connections, len(self.open_connections))

    def closed(self, connection: int) -> None:
        with self.lock:
            self.open_connections.discard(connection)

    def reset_counters(self) -> None:
        """Forget the controller's own start-up probe (once its connection has closed)."""
        deadline = time.monotonic() + 2.0
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.005)
        with self.lock:
            self.connections_seen = len(self.open_connections)
            self.max_connections = len(self.open_connections)

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        with self.lock:
            reply = self.data_replies.popleft() if self.data_replies else None
        if reply is not None:
            return reply
        login = session.auth_data.login.decode() if session.auth_data else None
        content = envelope.original_content or b""
        record = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(content),
            connection=id(server),
            tls=server.transport is not None
            and server.transport.get_extra_info("ssl_object") is not None,
            login=login,
        )
        # Recorded before the reply: a client killed while waiting for "250" has its
        # message on the server but not in its ledger (the message "in flight").
        with self.lock:
            self.received.append(record)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Đã nhận"

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(item.message["Subject"]) for item in self.received]

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(item.message["Message-ID"]) for item in self.received]

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"server got {len(self.received)} messages, not {count}")
            time.sleep(0.01)


class _CountingSMTP(SMTP):
    """aiosmtpd's SMTP, telling the handler when a connection opens and closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:  # not the STARTTLS re-entry
            self.event_handler.opened(id(self))
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.event_handler.closed(id(self))
        super().connection_lost(error)


class _Controller(Controller):
    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # AUTH without TLS is what the plain-connection tests want.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return _CountingSMTP(self.handler, **self.SMTP_kwargs)


class Authenticator:
    """Accepts one user name and password; a failed AUTH must not be ``handled``."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user.encode()
        self.password = password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.user,
            self.password,
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


@dataclass
class SmtpTestServer:
    """One aiosmtpd server on 127.0.0.1; ``settings()`` gives a client's settings for it."""

    handler: ScriptedHandler
    port: int
    options: dict[str, Any]
    security: SmtpSecurity
    controller: _Controller | None = None

    def start(self) -> None:
        self.controller = _Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()
        self.handler.reset_counters()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": self.security,
            "smtp_sender": "Văn phòng UBND <vanphong@ubnd.example.vn>",
            "smtp_timeout": 5.0,
            "smtp_validate_certs": False,
        }
        values.update(overrides)
        return SmtpSettings(**values)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


ServerFactory = Callable[..., SmtpTestServer]


class SilentServer:
    """Accepts TCP connections and never says a word (no SMTP greeting)."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.1)
        self.port: int = self._socket.getsockname()[1]
        self._clients: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._socket.accept()
            except TimeoutError:
                continue
            self._clients.append(client)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for client in self._clients:
            client.close()
        self._socket.close()
