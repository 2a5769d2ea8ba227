"""A message ready to deliver, and its conversion to a MIME e-mail.

An ``OutgoingMessage`` is what planning and rendering hand to delivery: addresses, a
Vietnamese subject and body, and the ledger keys it covers (one per task, rule step,
recipient and deadline version). Its ``message_id`` is derived from those keys only, so
the same digest planned twice, or again after a crash, has the same id: the ``.eml`` file
name, the ``Message-ID`` header (mail clients fold duplicates on it) and the ledger agree.

Pure: no I/O, no clock (``to_email`` and ``email_bytes`` take ``now``).

``email_bytes`` writes the wire form with the standard library's ``compat32`` MIME classes
and ``email.header.Header``, not with ``email.policy.default``: up to Python 3.14 the newer
folder drops the space between two RFC 2047 encoded words when it splits a long non-ASCII
header (CPython gh-144156), so "rà soát hồ sơ" would arrive as "rà soáthồ sơ"; the older
encoder keeps every space inside the encoded words, and is three times faster.
``to_email`` is those bytes parsed back into an ``EmailMessage``.
"""

from __future__ import annotations

import base64
import email
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.base64mime import header_encode
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32, default
from email.utils import format_datetime, formataddr, parseaddr
from typing import TypeAlias, cast

# Headers the conversion sets itself, and Cc/Bcc (recipients belong in ``to``).
_RESERVED = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version"}
    | {"content-type", "content-transfer-encoding"}
)
_ADDRESS_HEADERS = frozenset({"reply-to", "sender"})
_MAX_ENCODED_WORD = 75  # RFC 2047 section 2
_WIRE = compat32.clone(linesep="\r\n")  # lines of at most 78 characters, CRLF
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # quoted-printable: 7-bit, no server needs 8BITMIME
_Mime: TypeAlias = "Message[str, str | Header]"


def message_id_for(ledger_keys: Iterable[str]) -> str:
    """The stable id of a message covering ``ledger_keys``: order and repeats do not count."""
    joined = "\n".join(sorted(set(ledger_keys)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a unit's report form, the period report)."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"

    def __post_init__(self) -> None:
        if not self.filename or "/" in self.filename or "\n" in self.filename:
            raise ValueError(f"an attachment needs a plain file name, got {self.filename!r}")
        if self.mimetype.count("/") != 1:
            raise ValueError(f"not a MIME type: {self.mimetype!r}")


@dataclass(frozen=True)
class OutgoingMessage:
    """One e-mail to send, and the ledger keys that are delivered when it is.

    ``to`` holds plain addresses ("a@x.vn") or named ones ("Nguyễn Văn A <a@x.vn>");
    ``headers`` adds extra headers (``Reply-To``, ``X-Sauro-Rule``…), not the ones the
    conversion sets. ``attachments`` go after the body (multipart/mixed). ``message_id``
    is derived from ``ledger_keys`` and cannot be passed.
    """

    to: tuple[str, ...]
    subject: str
    text: str
    ledger_keys: tuple[str, ...]
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    message_id: str = field(init=False)

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the message immutable.
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "ledger_keys", tuple(dict.fromkeys(self.ledger_keys)))
        if not self.to:
            raise ValueError("an outgoing message needs at least one recipient")
        if not self.ledger_keys:
            raise ValueError("an outgoing message needs at least one ledger key")
        reserved = sorted(name for name in self.headers if name.lower() in _RESERVED)
        if reserved:
            raise ValueError(f"headers set by the conversion cannot be overridden: {reserved}")
        one_line = [self.subject, *self.to, *self.headers, *self.headers.values()]
        if any("\n" in value or "\r" in value for value in one_line):
            raise ValueError("a subject, address or header cannot span lines")
        object.__setattr__(self, "message_id", message_id_for(self.ledger_keys))

    @property
    def addresses(self) -> list[str]:
        """The bare addresses of ``to`` (the SMTP envelope recipients)."""
        return [parseaddr(recipient)[1] or recipient for recipient in self.to]


def email_bytes(message: OutgoingMessage, sender: str, *, now: datetime | None = None) -> bytes:
    """``message`` from ``sender`` ("Sáu Rõ <sauro@ubnd.gov.vn>") as sent on the wire.

    UTF-8 throughout, 7-bit on the wire: non-ASCII headers as RFC 2047 encoded words,
    bodies quoted-printable; with ``html`` a multipart/alternative (text first, as mail
    clients show the last part they can) whose boundary derives from the message id, so
    the bytes depend only on the message, the sender and ``now`` (the Date header).
    Raises ``ValueError`` for a non-ASCII address (SMTPUTF8 is not supported).
    """
    bad = [a for a in [envelope_sender(sender), *message.addresses] if not a.isascii()]
    if bad:
        raise ValueError(f"địa chỉ thư có ký tự không phải ASCII: {', '.join(bad)}")
    mime = _body(message)
    mime["From"] = _address_list([sender])
    mime["To"] = _address_list(message.to)
    mime["Subject"] = _unstructured("Subject", message.subject)
    mime["Date"] = format_datetime(now or datetime.now(UTC))
    mime["Message-ID"] = f"<{message.message_id}@{_domain(sender)}>"
    for name, value in message.headers.items():
        is_address = name.lower() in _ADDRESS_HEADERS
        mime[name] = _address_list([value]) if is_address else _unstructured(name, value)
    return mime.as_bytes(policy=_WIRE)


def to_email(message: OutgoingMessage, sender: str, *, now: datetime | None = None) -> EmailMessage:
    """``email_bytes`` parsed back: the message exactly as a recipient will read it."""
    return email.message_from_bytes(email_bytes(message, sender, now=now), policy=default)


def _body(message: OutgoingMessage) -> _Mime:
    body = _alternatives(message)
    if not message.attachments:
        return body
    parts = [body, *(_attachment_part(a) for a in message.attachments)]
    for part in parts:
        del part["MIME-Version"]
    boundary = f"=_sauro_mixed_{message.message_id}"
    return cast(_Mime, MIMEMultipart("mixed", boundary=boundary, _subparts=parts))


def _alternatives(message: OutgoingMessage) -> _Mime:
    text = _text_part(message.text, "plain")
    if message.html is None:
        return text
    boundary = f"=_sauro_{message.message_id}"  # "=_" cannot occur in quoted-printable
    parts = [text, _text_part(message.html, "html")]
    for part in parts:
        del part["MIME-Version"]  # once, at the top
    mime = MIMEMultipart("alternative", boundary=boundary, _subparts=parts)
    return cast(_Mime, mime)


def _attachment_part(attachment: Attachment) -> _Mime:
    maintype, subtype = attachment.mimetype.split("/")
    part = MIMENonMultipart(maintype, subtype)
    part.set_payload(base64.encodebytes(attachment.content).decode("ascii"))
    part["Content-Transfer-Encoding"] = "base64"
    name = attachment.filename
    if name.isascii():
        part.add_header("Content-Disposition", "attachment", filename=name)
    else:  # RFC 2231
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return cast(_Mime, part)


def _text_part(text: str, subtype: str) -> _Mime:
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(_lines(text), _UTF8_QP)
    # compat32 messages take ``Header`` values too (typeshed declares ``str`` only).
    return cast(_Mime, part)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unstructured(name: str, value: str) -> str | Header:
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name)


def _address_list(addresses: Iterable[str]) -> str:
    return ", ".join(_mailbox(*parseaddr(address)) for address in addresses)


def _mailbox(display_name: str, address: str) -> str:
    if display_name.isascii():
        return formataddr((display_name, address))
    return f"{_phrase(display_name)} <{address}>"


def _phrase(text: str) -> str:
    """A display name as encoded words split between words, each space inside the next
    word: RFC 2047 decoders join them exactly, and Python's address parser (which keeps
    the folding space) shows at worst a double space, never a word cut in two."""
    chunks: list[str] = []
    for word in text.split(" "):
        joined = f"{chunks[-1]} {word}" if chunks else word
        if chunks and len(header_encode(joined, "utf-8")) > _MAX_ENCODED_WORD:
            chunks.append(f" {word}")
        elif chunks:
            chunks[-1] = joined
        else:
            chunks.append(word)
    return " ".join(_encoded_words(chunk) for chunk in chunks)


def _encoded_words(text: str) -> str:
    word = header_encode(text, "utf-8")
    if len(word) <= _MAX_ENCODED_WORD:
        return word
    # One word too long for an encoded word: cut it (decoders join the pieces).
    return Header(text, "utf-8", maxlinelen=_MAX_ENCODED_WORD + 1).encode(linesep=" ")


def envelope_sender(sender: str) -> str:
    """The bare address of ``sender`` for the SMTP envelope (MAIL FROM)."""
    return parseaddr(sender)[1] or sender


def _domain(sender: str) -> str:
    # A bare local name gives no domain: the Message-ID stays valid and unique.
    return envelope_sender(sender).rpartition("@")[2] or "sauro.localhost"
