"""Transports against a real aiosmtpd server on 127.0.0.1, the .eml folder and the twin."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import time
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from delivery_child import make_messages
from smtp_support import ServerFactory, SilentServer

from notifications.addresses import Mailbox, one_line
from notifications.outgoing import OutgoingMessage, email_bytes, message_id_for, to_email
from notifications.smtp_settings import SmtpSecurity, SmtpSettings
from notifications.transport import (
    EmlTransport,
    MemoryTransport,
    SendResult,
    SendStatus,
    SmtpTransport,
    Transport,
    make_transport,
)

SUBJECT = "[Sáu Rõ] Nhắc việc: Phó Chủ tịch UBND xã Xuân Dương — hạn 15/12/2026"
TEXT = (
    "Kính gửi đồng chí Nguyễn Thị Hằng,\n\n"
    "Nhiệm vụ «Rà soát, cập nhật hồ sơ địa chính các thửa đất công ích» do Văn phòng HĐND "
    "và UBND chủ trì còn 3 ngày làm việc đến hạn.\n"
    "Đề nghị đồng chí báo cáo kết quả trước ngày 15/12/2026.\n"
)
HTML = "<p>Kính gửi đồng chí <b>Nguyễn Thị Hằng</b>,</p><p>Nhiệm vụ «Rà soát…» sắp đến hạn.</p>"


def vietnamese(
    html: str | None = None, to: tuple[Mailbox, ...] = (Mailbox("hang@xa.example.vn"),)
) -> OutgoingMessage:
    return OutgoingMessage(
        to=to,
        subject=SUBJECT,
        text=TEXT,
        html=html,
        ledger_keys=("task:7|before-3|0|person|v1", "task:9|before-3|0|person|v2"),
        headers={"X-Sauro-Rule": "before-3@v1"},
    )


def send(transport: Transport, *messages: OutgoingMessage) -> list[SendResult]:
    async def run() -> list[SendResult]:
        try:
            return [await transport.send(message) for message in messages]
        finally:
            await transport.aclose()

    return asyncio.run(run())


# ----------------------------------------------------------------------- the message itself


def test_message_id_depends_on_the_ledger_keys_only() -> None:
    a = OutgoingMessage(to=(Mailbox("a@x.vn"),), subject="s", text="t", ledger_keys=("k1", "k2"))
    b = OutgoingMessage(
        to=[Mailbox("b@x.vn")], subject="khác", text="khác", ledger_keys=["k2", "k1", "k1"]
    )  # type: ignore[arg-type]
    assert a.message_id == b.message_id == message_id_for(["k1", "k2"])
    assert b.ledger_keys == ("k2", "k1")
    c = OutgoingMessage(to=(Mailbox("a@x.vn"),), subject="s", text="t", ledger_keys=("k1", "k3"))
    assert c.message_id != a.message_id


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"to": ()}, "recipient"),
        ({"ledger_keys": ()}, "ledger key"),
        ({"headers": {"Subject": "x"}}, "cannot be overridden"),
        ({"headers": {"Bcc": "a@x.vn"}}, "cannot be overridden"),
        ({"subject": "hai\nDòng"}, "cannot span lines"),
        ({"headers": {"X-A": "b\r\nBcc: c@x.vn"}}, "cannot span lines"),
        ({"to": ("Nguyễn Văn A <a@x.vn>",)}, "Mailbox"),
    ],
)
def test_a_message_that_cannot_be_delivered_is_refused(
    kwargs: dict[str, object], problem: str
) -> None:
    fields: dict[str, object] = {
        "to": (Mailbox("a@x.vn"),),
        "subject": "s",
        "text": "t",
        "ledger_keys": ("k",),
    }
    fields.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=problem):
        OutgoingMessage(**fields)  # type: ignore[arg-type]


def test_email_bytes_are_7bit_utf8_and_multipart_alternative_with_html() -> None:
    raw = email_bytes(vietnamese(HTML), "Văn phòng UBND <vanphong@ubnd.example.vn>")
    assert raw.isascii()  # quoted-printable and RFC 2047: no 8BITMIME needed
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, email.message.EmailMessage)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "Văn phòng UBND"
    assert mail["Message-ID"] == f"<{vietnamese().message_id}@ubnd.example.vn>"
    assert mail["X-Sauro-Rule"] == "before-3@v1"
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == TEXT
    assert "Nguyễn Thị Hằng" in html.get_content()


LONG = [
    "[Sáu Rõ] Nhắc việc số 0: rà soát hồ sơ đất đai còn 3 ngày làm việc đến hạn nộp báo cáo",
    "Đề nghị Phòng Tài nguyên và Môi trường báo cáo kết quả thực hiện nhiệm vụ quý IV/2026",
    "a" * 40 + " Ủy ban nhân dân xã Xuân Dương " + "b" * 60,
]


@pytest.mark.parametrize("subject", LONG)
def test_long_vietnamese_headers_keep_every_space(subject: str) -> None:
    """The standard folder of Python ≤ 3.14 drops a space between encoded words
    (CPython gh-144156): "rà soát hồ sơ" became "rà soáthồ sơ"."""
    name = " ".join(subject.replace(":", "").split()[2:12])
    message = OutgoingMessage(
        to=(Mailbox("a@x.vn", name),),
        subject=subject,
        text="x",
        ledger_keys=("k",),
        headers={"X-Sauro-Rule": subject},
    )
    raw = email_bytes(message, "sauro@x.vn")
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Subject"] == subject and mail["X-Sauro-Rule"] == subject
    # RFC 2047 decoders join the display name's words exactly.
    to = raw.split(b"\r\nTo: ")[1].split(b" <a@x.vn>")[0].decode()
    assert str(make_header(decode_header(to))) == name
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_to_email_is_the_bytes_parsed_back() -> None:
    now = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    mail = to_email(vietnamese(), "sauro@ubnd.example.vn", now=now)
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail["Date"].datetime == now
    assert mail.as_bytes(policy=email.policy.SMTP) == email_bytes(
        vietnamese(), "sauro@ubnd.example.vn", now=now
    )


def test_non_ascii_addresses_are_refused() -> None:
    message = OutgoingMessage(
        to=(Mailbox("hằng@xa.vn"),), subject="s", text="t", ledger_keys=("k",)
    )
    with pytest.raises(ValueError, match="ngoài bảng ASCII"):
        email_bytes(message, "sauro@x.vn")
    for transport in (MemoryTransport(), EmlTransport(Path("/nonexistent"))):
        (result,) = send(transport, message)
        assert result.status is SendStatus.PERMANENT and "ngoài bảng ASCII" in result.detail


# ------------------------------------------------------------------------------------- SMTP


def test_vietnamese_subject_and_body_arrive_intact(smtp_server: ServerFactory) -> None:
    server = smtp_server()
    (result,) = send(SmtpTransport(server.settings()), vietnamese(HTML))
    assert result.status is SendStatus.SENT, result.detail
    (received,) = server.handler.received
    assert received.mail_from == "vanphong@ubnd.example.vn"
    assert received.rcpt_tos == ["hang@xa.example.vn"]
    message = received.message
    assert message["Subject"] == SUBJECT
    body = message.get_body(("plain",))
    assert body is not None and body.get_content() == TEXT
    html = message.get_body(("html",))
    assert html is not None and "«Rà soát…»" in html.get_content()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_with_a_self_signed_certificate_and_auth(
    smtp_server: ServerFactory, mechanism: str
) -> None:
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    server = smtp_server(tls="starttls", auth=("sauro", "mật-khẩu-Đ9"), exclude_auth=[other])
    settings = server.settings(smtp_username="sauro", smtp_password="mật-khẩu-Đ9")
    (result,) = send(SmtpTransport(settings), vietnamese())
    assert result.status is SendStatus.SENT, result.detail
    (received,) = server.handler.received
    assert received.tls and received.login == "sauro"
    assert received.message["Subject"] == SUBJECT


def test_implicit_tls(smtp_server: ServerFactory) -> None:
    server = smtp_server(tls="implicit")
    (result,) = send(SmtpTransport(server.settings()), vietnamese())
    assert result.status is SendStatus.SENT, result.detail
    assert server.handler.received[0].tls


def test_an_unverifiable_certificate_is_a_server_problem(smtp_server: ServerFactory) -> None:
    server = smtp_server(tls="starttls")
    (result,) = send(SmtpTransport(server.settings(smtp_validate_certs=True)), vietnamese())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert "TLS" in result.detail and "SAURO_SMTP_VALIDATE_CERTS" in result.detail
    assert server.handler.received == []


def test_a_wrong_password_is_reported_not_hung(smtp_server: ServerFactory) -> None:
    server = smtp_server(auth=("sauro", "đúng"))
    settings = server.settings(smtp_username="sauro", smtp_password="sai")
    started = time.monotonic()
    (result,) = send(SmtpTransport(settings), vietnamese())
    assert time.monotonic() - started < 3
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert result.smtp_code == 535 and "SAURO_SMTP_PASSWORD" in result.detail


def test_missing_credentials_where_auth_is_required(smtp_server: ServerFactory) -> None:
    server = smtp_server(auth=("sauro", "đúng"))
    (result,) = send(SmtpTransport(server.settings()), vietnamese())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert result.smtp_code == 530


def test_a_server_that_never_answers_times_out(silent_server: SilentServer) -> None:
    settings = SmtpSettings(
        smtp_host="127.0.0.1",
        smtp_port=silent_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_sender="sauro@ubnd.example.vn",
        smtp_timeout=0.5,
    )
    started = time.monotonic()
    (result,) = send(SmtpTransport(settings), vietnamese())
    assert time.monotonic() - started < 3
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert "quá thời gian chờ" in result.detail


def test_no_listener_is_a_temporary_server_problem(smtp_server: ServerFactory) -> None:
    server = smtp_server(started=False)
    (result,) = send(SmtpTransport(server.settings()), vietnamese())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert "không kết nối được" in result.detail


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        ("451 4.3.0 Hệ thống bận, thử lại sau", SendStatus.TEMPORARY, 451),
        ("421 4.3.2 Máy chủ đang tạm dừng", SendStatus.TEMPORARY, 421),
        ("554 5.6.0 Nội dung bị từ chối", SendStatus.PERMANENT, 554),
    ],
)
def test_data_replies_are_classified_by_code(
    smtp_server: ServerFactory, reply: str, status: SendStatus, code: int
) -> None:
    server = smtp_server()
    server.handler.refuse(reply, times=1)
    first, second = send(SmtpTransport(server.settings()), *make_messages(2))
    assert (first.status, first.smtp_code) == (status, code)
    assert not first.server_problem
    assert second.status is SendStatus.SENT  # the connection (or a new one) still works
    assert len(server.handler.received) == 1


def test_a_rejected_recipient_is_permanent(smtp_server: ServerFactory) -> None:
    server = smtp_server()
    server.handler.reject("hang@xa.example.vn")
    (result,) = send(SmtpTransport(server.settings()), vietnamese())
    assert (result.status, result.smtp_code) == (SendStatus.PERMANENT, 550)
    assert "hang@xa.example.vn" in result.detail


def test_a_partly_rejected_message_is_sent_and_says_who_missed_it(
    smtp_server: ServerFactory,
) -> None:
    server = smtp_server()
    server.handler.reject("khong-co@xa.example.vn")
    message = vietnamese(
        to=(Mailbox("hang@xa.example.vn"), Mailbox("khong-co@xa.example.vn", "Không Có"))
    )
    (result,) = send(SmtpTransport(server.settings()), message)
    assert result.status is SendStatus.SENT
    assert "khong-co@xa.example.vn" in result.detail
    assert server.handler.received[0].rcpt_tos == ["hang@xa.example.vn"]


def test_one_connection_is_reused_and_closed_with_quit(smtp_server: ServerFactory) -> None:
    server = smtp_server()
    results = send(SmtpTransport(server.settings()), *make_messages(10))
    assert {r.status for r in results} == {SendStatus.SENT}
    assert server.handler.connections_seen == 1
    deadline = time.monotonic() + 2
    while server.handler.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.handler.open_connections == set()


def test_a_connection_closed_by_the_server_is_replaced(smtp_server: ServerFactory) -> None:
    server = smtp_server()

    async def run() -> list[SendResult]:
        transport = SmtpTransport(server.settings())
        first = await transport.send(make_messages(1, prefix="a")[0])
        server.stop()  # closes every connection
        server.start()
        await asyncio.sleep(0.05)
        second = await transport.send(make_messages(1, prefix="b")[0])
        await transport.aclose()
        return [first, second]

    results = asyncio.run(run())
    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    assert len(server.handler.received) == 2


# ---------------------------------------------------------------------------------- settings


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAURO_SMTP_HOST", "smtp.example.vn")
    monkeypatch.setenv("SAURO_SMTP_SECURITY", "tls")
    monkeypatch.setenv("SAURO_SMTP_USERNAME", "sauro")
    monkeypatch.setenv("SAURO_SMTP_PASSWORD", "bí-mật")
    monkeypatch.setenv("SAURO_SMTP_SENDER", "Sáu Rõ <sauro@example.vn>")
    monkeypatch.setenv("SAURO_SMTP_TIMEOUT", "12.5")
    monkeypatch.setenv("SAURO_SMTP_CONCURRENCY", "8")
    monkeypatch.setenv("SAURO_SMTP_VALIDATE_CERTS", "false")
    monkeypatch.setenv("SAURO_OUTBOX_DIR", str(tmp_path))
    settings = SmtpSettings()
    assert settings.uses_smtp and settings.port == 465
    assert settings.smtp_password.get_secret_value() == "bí-mật"
    assert "bí-mật" not in repr(settings)
    assert (settings.smtp_timeout, settings.smtp_concurrency) == (12.5, 8)
    assert not settings.smtp_validate_certs
    assert isinstance(make_transport(settings), SmtpTransport)


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("tls", 465), ("none", 25)])
def test_default_ports(security: str, port: int) -> None:
    settings = SmtpSettings(smtp_host="h", smtp_sender="a@b.vn", smtp_security=security)  # type: ignore[arg-type]
    assert settings.port == port


def test_no_host_means_eml_files_in_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SAURO_SMTP") or name == "SAURO_OUTBOX_DIR":
            monkeypatch.delenv(name)
    settings = SmtpSettings()
    transport = make_transport(settings)
    assert isinstance(transport, EmlTransport)
    assert transport.folder == Path("outbox")


def test_smtp_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="SAURO_SMTP_SENDER"):
        SmtpSettings(smtp_host="smtp.example.vn")


# ------------------------------------------------------------------------------------- .eml


def test_eml_files_are_parseable_and_named_by_message_id(tmp_path: Path) -> None:
    message = vietnamese(HTML)
    (result,) = send(EmlTransport(tmp_path / "outbox", sender="sauro@ubnd.example.vn"), message)
    assert result.status is SendStatus.SENT
    path = tmp_path / "outbox" / f"{message.message_id}.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed["Subject"] == SUBJECT and parsed["To"] == "hang@xa.example.vn"
    body = parsed.get_body(("plain",))
    # Written as on the wire (CRLF line ends), which mail programs open as they are.
    assert body is not None and body.get_content().replace("\r\n", "\n") == TEXT
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [path.name]


def test_eml_is_idempotent_by_message_id(tmp_path: Path) -> None:
    transport = EmlTransport(tmp_path)
    message = vietnamese()
    send(transport, message)
    path = transport.path_for(message)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    (again,) = send(transport, message)
    assert again.status is SendStatus.SENT and "đã có" in again.detail
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert len(list(tmp_path.iterdir())) == 1


def test_eml_never_leaves_half_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    (result,) = send(EmlTransport(tmp_path), vietnamese())
    assert result.status is SendStatus.TEMPORARY and "không ghi được" in result.detail
    assert list(tmp_path.iterdir()) == []


def test_eml_concurrent_writes_of_the_same_message(tmp_path: Path) -> None:
    transport = EmlTransport(tmp_path)
    message = vietnamese()

    async def run() -> list[SendResult]:
        return list(await asyncio.gather(*(transport.send(message) for _ in range(8))))

    results = asyncio.run(run())
    assert {r.status for r in results} == {SendStatus.SENT}
    assert [p.name for p in tmp_path.iterdir()] == [f"{message.message_id}.eml"]


# ----------------------------------------------------------------------------------- memory


def test_memory_transport_plays_its_script_then_sends() -> None:
    transport = MemoryTransport()
    transport.script(SendResult.temporary("bận"), SendResult.permanent("không có hộp thư", 550))
    transport.fail_for["chet@x.vn"] = SendResult.permanent("không tồn tại", 550)
    first, second, third = make_messages(3)
    dead = OutgoingMessage(to=(Mailbox("chet@x.vn"),), subject="s", text="t", ledger_keys=("d",))
    results = send(transport, first, second, third, dead)
    assert [r.status for r in results] == [
        SendStatus.TEMPORARY,
        SendStatus.PERMANENT,
        SendStatus.SENT,
        SendStatus.PERMANENT,
    ]
    assert [m["Subject"] for m in transport.sent] == [third.subject]
    assert len(transport.attempts) == 4 and transport.closed


@pytest.mark.parametrize(
    "name",
    [
        "Hoàng Văn Thái\r\nBcc: evil-name@attacker.example",
        "Triệu Văn Hùng, Trưởng phòng",
        "Tran, Van A",
        'Ke "gia" <evil@attacker.example>',
        "Lê\u202eThị Hoa",
    ],
)
def test_a_name_never_adds_a_recipient_or_a_header(smtp_server: ServerFactory, name: str) -> None:
    """Name and address stay apart to the wire: a directory name with a line break and
    "Bcc:", a comma or angle brackets is only ever a name."""
    server = smtp_server()
    message = vietnamese(to=(Mailbox("thai@xa.example.vn", name),))
    (result,) = send(SmtpTransport(server.settings()), message)
    assert result.status is SendStatus.SENT, result.detail
    (received,) = server.handler.received
    assert received.rcpt_tos == ["thai@xa.example.vn"]
    mail = received.message
    assert "Bcc" not in mail and "attacker" not in str(mail["To"].addresses[0].addr_spec)
    (address,) = mail["To"].addresses
    assert address.addr_spec == "thai@xa.example.vn"
    assert " ".join(address.display_name.split()) == one_line(name)


def test_a_sender_that_is_not_one_address_is_refused() -> None:
    for sender in ("Sáu Rõ <a@x.vn>, b@x.vn", "Sáu Rõ", "a@b@c"):
        with pytest.raises(ValueError, match="người gửi"):
            email_bytes(vietnamese(), sender)
