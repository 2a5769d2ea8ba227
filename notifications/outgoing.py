"""A message ready to deliver, and its conversion to a MIME e-mail.

An ``OutgoingMessage`` is what planning and rendering hand to delivery: addresses, a
Vietnamese subject and body, and the ledger keys it covers (one per task, rule step,
recipient and deadline version). Its ``message_id`` is derived from those keys only, so
the same digest planned twice, or again after a crash, has the same id: the ``.eml`` file
name, the ``Message-ID`` header (mail clients fold duplicates on it) and the ledger agree.

Pure: no I/O, no clock (``to_email`` and ``email_bytes`` take ``now``).

``email_bytes`` writes the wire form itself: a message is always text, or text and HTML,
with or without attachments, so its MIME tree is written directly rather than built as
``email.message`` objects and serialised (which took longer than rendering the mail).
Headers are encoded and folded by ``email.header.Header`` exactly as the standard
library's ``compat32`` policy does, not by ``email.policy.default``: up to Python 3.14 the
newer folder drops the space between two RFC 2047 encoded words when it splits a long
non-ASCII header (CPython gh-144156), so "rà soát hồ sơ" would arrive as "rà soáthồ sơ".
Bodies are quoted-printable (``binascii.b2a_qp``), attachments base64. Recipients are
``Mailbox`` values (name and address apart) written as RFC 5322 mailboxes, so no name can
add a recipient or a header. ``to_email`` is those bytes parsed back into an
``EmailMessage``.
"""

from __future__ import annotations

import base64
import binascii
import email
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.base64mime import header_encode
from email.header import Header
from email.message import EmailMessage
from email.policy import default
from email.utils import encode_rfc2231, format_datetime, formataddr, getaddresses
from functools import lru_cache

from notifications.addresses import Mailbox, normalize_email, one_line

# Headers the conversion sets itself, and Cc/Bcc (recipients belong in ``to``).
_RESERVED = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version"}
    | {"content-type", "content-transfer-encoding"}
)
_ADDRESS_HEADERS = frozenset({"reply-to", "sender"})
_MAX_ENCODED_WORD = 75  # RFC 2047 section 2
_MAX_LINE = 78  # RFC 5322 section 2.1.1: header lines folded to this length
_CRLF = "\r\n"
_BARE = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")  # one address, no specials


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

    ``to`` holds the recipients as ``Mailbox`` values (a name and an address, apart);
    ``headers`` adds extra headers (``Reply-To``, ``X-Sauro-Rule``…), not the ones the
    conversion sets. ``attachments`` go after the body (multipart/mixed). ``message_id``
    is derived from ``ledger_keys`` and cannot be passed.
    """

    to: tuple[Mailbox, ...]
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
        if not all(isinstance(recipient, Mailbox) for recipient in self.to):
            raise TypeError("recipients are Mailbox values, never 'Name <address>' strings")
        lines = [self.subject, *self.headers, *self.headers.values()]
        if any("\n" in value or "\r" in value for value in lines):
            raise ValueError("a subject or header cannot span lines")
        object.__setattr__(self, "message_id", message_id_for(self.ledger_keys))

    @property
    def addresses(self) -> list[str]:
        """The bare addresses of ``to`` (the SMTP envelope recipients)."""
        return [recipient.address for recipient in self.to]


def email_bytes(message: OutgoingMessage, sender: str, *, now: datetime | None = None) -> bytes:
    """``message`` from ``sender`` ("Sáu Rõ <sauro@ubnd.gov.vn>") as sent on the wire.

    UTF-8 throughout, 7-bit on the wire: non-ASCII headers as RFC 2047 encoded words,
    bodies quoted-printable; with ``html`` a multipart/alternative (text first, as mail
    clients show the last part they can) whose boundary derives from the message id, so
    the bytes depend only on the message, the sender and ``now`` (the Date header).
    Raises ``ValueError`` (in Vietnamese) for an address that cannot be used.
    """
    origin = sender_mailbox(sender)
    for recipient in message.to:
        _check_address(recipient)
    head = [
        _folded("From", _mailbox(origin)),
        _folded("To", ", ".join(_mailbox(recipient) for recipient in message.to)),
        _folded("Subject", _text_header("Subject", message.subject)),
        f"Date: {format_datetime(now or datetime.now(UTC))}",
        f"Message-ID: <{message.message_id}@{_domain(origin)}>",
        "MIME-Version: 1.0",
    ]
    for name, value in message.headers.items():
        if name.lower() in _ADDRESS_HEADERS:
            box = sender_mailbox(value)
            _check_address(box)
            head.append(_folded(name, _mailbox(box)))
        else:
            head.append(_folded(name, _text_header(name, value)))
    body_head, body = _body(message)
    return _CRLF.join([*head, *body_head, "", ""]).encode("ascii") + body


def to_email(message: OutgoingMessage, sender: str, *, now: datetime | None = None) -> EmailMessage:
    """``email_bytes`` parsed back: the message exactly as a recipient will read it."""
    return email.message_from_bytes(email_bytes(message, sender, now=now), policy=default)


@lru_cache(maxsize=64)
def sender_mailbox(sender: str) -> Mailbox:
    """The configured sender ("Sáu Rõ <sauro@ubnd.gov.vn>", or a bare address) as a
    ``Mailbox``: a setting an administrator wrote, read once, never a name we joined.
    ``ValueError`` when it is not one ASCII address (a local server's ``sauro@localhost``
    is fine)."""
    parsed = getaddresses([sender])
    name, address = parsed[0] if len(parsed) == 1 else ("", "")
    if not address.isascii() or address.count("@") != 1 or not _BARE.fullmatch(address):
        raise ValueError(f"địa chỉ người gửi '{sender}' không dùng được")
    return Mailbox(address, name)


def _check_address(recipient: Mailbox) -> None:
    try:
        normalize_email(recipient.address)
    except ValueError as error:
        raise ValueError(f"địa chỉ thư '{recipient.address}' không dùng được: {error}") from None


# -- the MIME tree ------------------------------------------------------------------------

_Part = tuple[list[str], bytes]  # a part's header lines, and its encoded body


def _body(message: OutgoingMessage) -> _Part:
    body = _alternatives(message)
    if not message.attachments:
        return body
    parts = [body, *(_attachment_part(a) for a in message.attachments)]
    return _multipart("mixed", f"=_sauro_mixed_{message.message_id}", parts)


def _alternatives(message: OutgoingMessage) -> _Part:
    text = _text_part(message.text, "plain")
    if message.html is None:
        return text
    # "=_" cannot occur in quoted-printable, so the boundary never appears in a part.
    boundary = f"=_sauro_{message.message_id}"
    return _multipart("alternative", boundary, [text, _text_part(message.html, "html")])


def _multipart(subtype: str, boundary: str, parts: list[_Part]) -> _Part:
    chunks: list[bytes] = []
    for head, body in parts:
        chunks.append(f"--{boundary}{_CRLF}{_CRLF.join(head)}{_CRLF}{_CRLF}".encode("ascii"))
        chunks.append(body + b"\r\n")
    chunks.append(f"--{boundary}--{_CRLF}".encode("ascii"))
    content_type = f'Content-Type: multipart/{subtype};{_CRLF} boundary="{boundary}"'  # ≤ 78
    return [content_type], b"".join(chunks)


def _text_part(text: str, subtype: str) -> _Part:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(lines, quotetabs=False, istext=True, header=False)
    head = [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
    ]
    return head, encoded.replace(b"\n", b"\r\n")


def _attachment_part(attachment: Attachment) -> _Part:
    name = attachment.filename
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        disposition = f'attachment; filename="{quoted}"'
    else:  # RFC 2231
        disposition = f"attachment; filename*={encode_rfc2231(name, 'utf-8')}"
    head = [
        f"Content-Type: {attachment.mimetype}",
        "Content-Transfer-Encoding: base64",
        _folded("Content-Disposition", disposition),
    ]
    encoded = base64.encodebytes(attachment.content).rstrip(b"\n")
    return head, encoded.replace(b"\n", b"\r\n")


# -- headers ------------------------------------------------------------------------------


def _folded(name: str, value: str | Header) -> str:
    """``Name: value`` in lines of at most 78 characters, as ``compat32`` folds it."""
    if isinstance(value, str) and len(name) + 2 + len(value) <= _MAX_LINE:
        return f"{name}: {value}"
    header = value if isinstance(value, Header) else Header(value, header_name=name)
    return f"{name}: {header.encode(linesep=_CRLF, maxlinelen=_MAX_LINE)}"


def _text_header(name: str, value: str) -> str | Header:
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name)


def _mailbox(recipient: Mailbox) -> str:
    name = one_line(recipient.name)
    if name.isascii():
        return formataddr((name, recipient.address))
    return f"{_phrase(name)} <{recipient.address}>"


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
    return sender_mailbox(sender).address


def _domain(sender: Mailbox) -> str:
    return sender.address.rpartition("@")[2]
