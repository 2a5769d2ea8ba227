"""Transports: the only code that puts a message somewhere. Each returns a result, never raises.

- ``SmtpTransport`` — aiosmtplib with STARTTLS, implicit TLS or none, AUTH, a timeout per
  command, and a small pool of open connections (one per concurrent sender, reused);
- ``EmlTransport`` — ``<message id>.eml`` files in a folder, written atomically (the
  embedded default when no SMTP server is configured);
- ``MemoryTransport`` — an in-memory twin for unit tests, scriptable to fail.

A ``SendResult`` says ``sent``, ``temporary`` (try again later: 4xx, connection refused,
timeout) or ``permanent`` (5xx for this message: retrying cannot help), with a Vietnamese
``detail`` for the report. ``server_problem`` marks failures about the server or the
configuration rather than the message (cannot connect, TLS, login refused): the other
messages of the run would fail the same way, so delivery stops trying them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import tempfile
from collections import deque
from dataclasses import dataclass
from email.errors import MessageError
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import aiosmtplib

from notifications.outgoing import OutgoingMessage, email_bytes, envelope_sender, to_email
from notifications.smtp_settings import DEFAULT_SENDER, SmtpSecurity, SmtpSettings


class SendStatus(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt to send one message."""

    status: SendStatus
    detail: str  # Vietnamese, for the delivery report
    smtp_code: int | None = None
    server_problem: bool = False

    @classmethod
    def sent(cls, detail: str = "đã gửi", smtp_code: int | None = 250) -> SendResult:
        return cls(SendStatus.SENT, detail, smtp_code)

    @classmethod
    def temporary(
        cls, detail: str, smtp_code: int | None = None, *, server_problem: bool = False
    ) -> SendResult:
        return cls(SendStatus.TEMPORARY, detail, smtp_code, server_problem)

    @classmethod
    def permanent(cls, detail: str, smtp_code: int | None = None) -> SendResult:
        return cls(SendStatus.PERMANENT, detail, smtp_code)


class Transport(Protocol):
    """Puts messages somewhere. ``send`` may be called concurrently; ``aclose`` once at the end."""

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Try once to send ``message``; never raises for a delivery problem."""
        ...

    async def aclose(self) -> None:
        """Release connections or files held open."""
        ...


# --------------------------------------------------------------------------------------- SMTP


class SmtpTransport:
    """Sends over SMTP with aiosmtplib; keeps open connections for reuse.

    Each concurrent ``send`` takes an idle connection (or opens one) and puts it back when
    the server is still in a known state, so N workers hold at most N connections. Any
    error that leaves the session in doubt (timeout, disconnection, cancellation) closes
    that connection instead.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []

    async def send(self, message: OutgoingMessage) -> SendResult:
        try:
            data = email_bytes(message, self._settings.sender)
        except (ValueError, MessageError) as error:
            return SendResult.permanent(f"thư không hợp lệ: {error}")
        client: aiosmtplib.SMTP | None = None
        try:
            client = await self._acquire()
            sender = envelope_sender(self._settings.sender)
            refused, _ = await client.sendmail(sender, message.addresses, data)
        except Exception as error:
            result = self.classify(error)
            self._release(client, reusable=_session_intact(error))
            return result
        except BaseException:  # cancelled (timeout of the attempt): the session is in doubt
            self._release(client, reusable=False)
            raise
        self._release(client, reusable=True)
        return _sent(refused)

    async def aclose(self) -> None:
        """Say QUIT on every idle connection (closing it anyway if the server is gone)."""
        await self.close_idle()

    async def close_idle(self) -> None:
        """Say QUIT on every idle connection; a later ``send`` opens a new one. A sender
        holding a send slot calls it before giving the slot back (``delivery``)."""
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await client.quit(timeout=min(self._settings.smtp_timeout, 5.0))
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def _acquire(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
            client.close()
        client = self._new_client()
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client

    def _new_client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        security = settings.smtp_security
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.port,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() or None,
            use_tls=security is SmtpSecurity.TLS,
            start_tls=security is SmtpSecurity.STARTTLS,
            validate_certs=settings.smtp_validate_certs,
            timeout=settings.smtp_timeout,
        )

    def _release(self, client: aiosmtplib.SMTP | None, *, reusable: bool) -> None:
        if client is None:
            return
        if reusable and client.is_connected:
            self._idle.append(client)
        else:
            client.close()

    def classify(self, error: BaseException) -> SendResult:
        """The result for an error raised while connecting or sending."""
        return classify_smtp_error(error, f"{self._settings.smtp_host}:{self._settings.port}")


def _sent(refused: dict[str, aiosmtplib.SMTPResponse]) -> SendResult:
    if not refused:
        return SendResult.sent()
    # Some recipients were accepted: the message went out; say who did not get it.
    names = "; ".join(f"{address} ({response})" for address, response in refused.items())
    return SendResult.sent(f"đã gửi, nhưng máy chủ thư từ chối: {names}")


def _session_intact(error: BaseException) -> bool:
    """True after an SMTP reply the client answered with RSET: the connection is reusable."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return True
    connection_level = (
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPHeloError,
        aiosmtplib.SMTPAuthenticationError,
    )
    return isinstance(error, aiosmtplib.SMTPResponseException) and not isinstance(
        error, connection_level
    )


def classify_smtp_error(error: BaseException, server: str) -> SendResult:
    """Temporary or permanent, and why in Vietnamese, for an aiosmtplib or socket error."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return _refused(error)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _replied(error, server)
    if isinstance(error, ValueError) and not isinstance(error, OSError):
        # aiosmtplib refuses an unsafe address before sending (a certificate that fails
        # verification is a ValueError too, but also an OSError: handled below).
        return SendResult.permanent(f"thư không hợp lệ: {error}")
    return _connection_failure(error, server)


def _replied(error: aiosmtplib.SMTPResponseException, server: str) -> SendResult:
    """An SMTP error reply: the code decides, except for replies about the session
    (greeting, EHLO, login, sender), which no message can get past."""
    reply = _reply(error)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        detail = (
            f"máy chủ thư {server} từ chối đăng nhập ({reply}): kiểm tra "
            "SAURO_SMTP_USERNAME và SAURO_SMTP_PASSWORD"
        )
    elif isinstance(error, aiosmtplib.SMTPSenderRefused):
        detail = (
            f"máy chủ thư từ chối người gửi {error.sender} ({reply}): kiểm tra SAURO_SMTP_SENDER"
        )
    elif isinstance(error, (aiosmtplib.SMTPConnectResponseError, aiosmtplib.SMTPHeloError)):
        detail = f"máy chủ thư {server} không nhận phiên làm việc ({reply})"
    else:
        return _by_code(error.code, reply)
    return SendResult.temporary(detail, error.code, server_problem=True)


# Errors that are not SMTP replies, most specific first: (types, Vietnamese text with
# {server} and {error}, whether the server or the configuration is at fault).
_CONNECTION_FAILURES: tuple[tuple[tuple[type[BaseException], ...], str, bool], ...] = (
    (
        (aiosmtplib.SMTPConnectTimeoutError,),
        "quá thời gian chờ khi kết nối máy chủ thư {server}",
        True,
    ),
    (
        (TimeoutError,),  # includes aiosmtplib.SMTPReadTimeoutError
        "quá thời gian chờ máy chủ thư {server} trả lời",
        False,
    ),
    (
        (ssl.SSLError,),
        "lỗi TLS với máy chủ thư {server} ({error}): kiểm tra SAURO_SMTP_SECURITY "
        "và SAURO_SMTP_VALIDATE_CERTS",
        True,
    ),
    (
        (aiosmtplib.SMTPServerDisconnected,),
        "máy chủ thư {server} ngắt kết nối giữa chừng ({error})",
        False,
    ),
    (
        (aiosmtplib.SMTPConnectError, OSError),
        "không kết nối được máy chủ thư {server} ({error})",
        True,
    ),
    (
        (aiosmtplib.SMTPNotSupported,),
        "máy chủ thư {server} không hỗ trợ yêu cầu ({error}): kiểm tra SAURO_SMTP_SECURITY",
        True,
    ),
)


def _connection_failure(error: BaseException, server: str) -> SendResult:
    for types, text, server_problem in _CONNECTION_FAILURES:
        if isinstance(error, types):
            detail = text.format(server=server, error=error)
            return SendResult.temporary(detail, server_problem=server_problem)
    return SendResult.temporary(f"lỗi khi gửi qua máy chủ thư {server}: {error!r}")


def _refused(error: aiosmtplib.SMTPRecipientsRefused) -> SendResult:
    """Every recipient refused: permanent only when every refusal is permanent (5xx)."""
    names = "; ".join(f"{r.recipient} ({_reply(r)})" for r in error.recipients)
    codes = [r.code for r in error.recipients]
    code = max(codes, default=None)
    if codes and all(c >= 500 for c in codes):
        return SendResult.permanent(f"máy chủ thư từ chối người nhận: {names}", code)
    return SendResult.temporary(f"máy chủ thư tạm từ chối người nhận: {names}", code)


def _by_code(code: int, reply: str) -> SendResult:
    if 500 <= code < 600:
        return SendResult.permanent(f"máy chủ thư từ chối thư ({reply})", code)
    return SendResult.temporary(f"máy chủ thư tạm từ chối thư ({reply})", code)


def _reply(error: aiosmtplib.SMTPResponseException) -> str:
    return f"{error.code} {error.message}".strip()


# ---------------------------------------------------------------------------------- .eml files


class EmlTransport:
    """Writes each message as ``<message id>.eml`` in ``folder``.

    Atomic: the bytes go to a hidden temporary file in the same folder, are flushed to
    disk, then renamed over the final name, so a crash leaves the whole file or none.
    Idempotent: a message whose file exists is not written again.
    """

    def __init__(self, folder: Path, *, sender: str = DEFAULT_SENDER) -> None:
        self.folder = Path(folder)
        self._sender = sender

    def path_for(self, message: OutgoingMessage) -> Path:
        return self.folder / f"{message.message_id}.eml"

    async def send(self, message: OutgoingMessage) -> SendResult:
        return await asyncio.to_thread(self._write, message)

    async def aclose(self) -> None:
        return None

    def _write(self, message: OutgoingMessage) -> SendResult:
        target = self.path_for(message)
        if target.exists():
            return SendResult.sent(f"tệp {target} đã có", smtp_code=None)
        try:
            data = email_bytes(message, self._sender)
        except (ValueError, MessageError) as error:
            return SendResult.permanent(f"thư không hợp lệ: {error}")
        try:
            _write_atomically(target, data)
        except OSError as error:
            return SendResult.temporary(
                f"không ghi được tệp {target}: {error}", server_problem=True
            )
        return SendResult.sent(f"đã ghi tệp {target}", smtp_code=None)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# ------------------------------------------------------------------------------------- memory


class MemoryTransport:
    """An in-memory twin for unit tests: keeps what it sent; scripted results come first.

    ``script(r1, r2…)`` makes the next sends return those results (a ``sent`` one in the
    script delivers as usual); ``fail_for[address]`` answers every message to that address.
    ``delay`` makes each send take that long, so ``max_active`` shows the concurrency.
    """

    def __init__(self, *, sender: str = DEFAULT_SENDER, delay: float = 0.0) -> None:
        self.sender = sender
        self.delay = delay
        self.sent: list[EmailMessage] = []
        self.attempts: list[OutgoingMessage] = []
        self.fail_for: dict[str, SendResult] = {}
        self.active = 0
        self.max_active = 0
        self.closed = False
        self._script: deque[SendResult] = deque()

    def script(self, *results: SendResult) -> None:
        self._script.extend(results)

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.attempts.append(message)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._answer(message)
        finally:
            self.active -= 1

    async def aclose(self) -> None:
        self.closed = True

    def _answer(self, message: OutgoingMessage) -> SendResult:
        result = self._script.popleft() if self._script else SendResult.sent()
        for address in message.addresses:
            result = self.fail_for.get(address, result)
        if result.status is SendStatus.SENT:
            try:
                self.sent.append(to_email(message, self.sender))  # the bytes, parsed back
            except (ValueError, MessageError) as error:
                return SendResult.permanent(f"thư không hợp lệ: {error}")
        return result


def make_transport(settings: SmtpSettings) -> Transport:
    """The transport the settings ask for: SMTP when a host is set, ``.eml`` files if not."""
    if settings.uses_smtp:
        return SmtpTransport(settings)
    return EmlTransport(settings.outbox_dir, sender=settings.sender)
