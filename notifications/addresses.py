"""Email addresses: normalise and validate them without touching the network.

The directory is typed by hand, so an address may be missing, padded with spaces, written
with a capitalised domain or simply wrong ("abc@", "nguyenvana@gmail", "a b@x.vn"). A
wrong address must become a finding for the standing office, never a crash and never a
bounce discovered weeks later, so ``check_email`` says in Vietnamese what is wrong.

The rules are strict and practical rather than the full RFC 5321 grammar:

- the local part is a dot-atom of ASCII letters, digits and ``!#$%&'*+/=?^_`{|}~-``
  (no quoted strings, no leading, trailing or doubled dots), at most 64 characters;
- the domain is a host name of at least two labels, each 1–63 letters, digits or hyphens
  not starting or ending with a hyphen, the last one (the top-level domain) alphabetic or
  an ``xn--`` label; no IP literals. A Unicode domain ("ủybannhândân.vn") is converted to
  its IDNA (punycode) form, which is what SMTP servers expect;
- at most 254 characters in all.

Normalisation strips surrounding spaces and lower-cases the domain (domains are
case-insensitive; the local part, in principle, is not, so it is kept as written).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_LENGTH = 254
MAX_LOCAL = 64
MAX_DOMAIN = 253
MAX_LABEL = 63

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """One recipient as two values, a display name and an address, kept apart until the
    wire: a name is never joined to its address and read back, so a comma in "Triệu Văn
    Hùng, Trưởng phòng" or a line break followed by "Bcc:" in a directory entry stays
    part of the name. The name is made one line of printable text (control, format and
    bidi-override characters become spaces); the address is only trimmed here and is
    checked when the mail is written (``notifications.outgoing.email_bytes``)."""

    address: str
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", self.address.strip())
        object.__setattr__(self, "name", one_line(self.name))

    def __str__(self) -> str:
        """For people reading a report or a log: "Nguyễn Văn A <a@xa.gov.vn>"."""
        return f"{self.name} <{self.address}>" if self.name else self.address


def one_line(text: str) -> str:
    """``text`` as one line of printable text: every control, format (bidi overrides
    included) or separator character but the plain space becomes a space, and runs of
    spaces one space."""
    cleaned = "".join(
        " " if char != " " and unicodedata.category(char)[0] in "CZ" else char for char in text
    )
    return " ".join(cleaned.split())


class EmailProblem(StrEnum):
    """Why an address cannot be used."""

    MISSING = "missing"  # no address at all
    INVALID = "invalid"  # an address that cannot be right


@dataclass(frozen=True, slots=True)
class EmailCheck:
    """The verdict on one address: the normalised address, or the problem and its reason."""

    raw: str | None
    address: str | None = None
    problem: EmailProblem | None = None
    reason: str = ""  # Vietnamese, for an invalid address: "thiếu tên miền sau '@'"

    @property
    def ok(self) -> bool:
        """Can mail be sent to ``address``?"""
        return self.address is not None


def check_email(raw: str | None) -> EmailCheck:
    """Normalise ``raw`` and say whether it is a usable address, and if not why."""
    text = (raw or "").strip()
    if not text:
        return EmailCheck(raw, problem=EmailProblem.MISSING)
    try:
        address = _normalised(text)
    except ValueError as error:
        return EmailCheck(raw, problem=EmailProblem.INVALID, reason=str(error))
    return EmailCheck(raw, address=address)


def normalize_email(raw: str) -> str:
    """The normalised address; ``ValueError`` with a Vietnamese reason when it is unusable."""
    check = check_email(raw)
    if check.address is None:
        raise ValueError(check.reason or "chưa có địa chỉ thư điện tử")
    return check.address


def is_valid_email(raw: str | None) -> bool:
    """Is ``raw`` a usable address (after normalisation)?"""
    return check_email(raw).ok


def _normalised(text: str) -> str:
    """``text`` (stripped, not empty) as a valid normalised address, else ``ValueError``."""
    if any(char.isspace() for char in text):
        raise ValueError("có dấu cách hoặc xuống dòng bên trong địa chỉ")
    count = text.count("@")
    if count == 0:
        raise ValueError("thiếu dấu '@'")
    if count > 1:
        raise ValueError("có nhiều hơn một dấu '@'")
    local, domain = text.split("@")
    _check_local(local)
    ascii_domain = _ascii_domain(domain)
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_LENGTH:
        raise ValueError(f"dài quá {MAX_LENGTH} ký tự")
    return address


def _check_local(local: str) -> None:
    """The part before '@', or ``ValueError`` saying what is wrong with it."""
    if not local:
        raise ValueError("thiếu phần tên trước dấu '@'")
    if len(local) > MAX_LOCAL:
        raise ValueError(f"phần tên trước dấu '@' dài quá {MAX_LOCAL} ký tự")
    if not _LOCAL.fullmatch(local):
        if not local.isascii():
            raise ValueError("phần tên trước dấu '@' có chữ có dấu hoặc ký tự ngoài bảng ASCII")
        raise ValueError(
            "phần tên trước dấu '@' có ký tự không hợp lệ hoặc dấu chấm ở đầu, cuối, liền nhau"
        )


def _ascii_domain(domain: str) -> str:
    """The domain lower-cased and in IDNA form, or ``ValueError`` saying what is wrong."""
    if not domain:
        raise ValueError("thiếu tên miền sau dấu '@'")
    if domain.startswith("[") or domain.replace(".", "").isdigit():
        raise ValueError("tên miền là địa chỉ IP; hãy dùng tên miền (ví dụ xa.gov.vn)")
    labels = domain.lower().split(".")
    if len(labels) < 2:
        raise ValueError(f"tên miền '{domain}' thiếu phần đuôi (ví dụ .gov.vn, .vn)")
    ascii_labels = [_ascii_label(label, domain) for label in labels]
    if not _TLD.fullmatch(ascii_labels[-1]):
        raise ValueError(f"phần đuôi của tên miền '{domain}' không hợp lệ")
    ascii_domain = ".".join(ascii_labels)
    if len(ascii_domain) > MAX_DOMAIN:
        raise ValueError(f"tên miền dài quá {MAX_DOMAIN} ký tự")
    return ascii_domain


def _ascii_label(label: str, domain: str) -> str:
    """One domain label in ASCII (IDNA for Unicode labels), or ``ValueError``."""
    if not label:
        raise ValueError(f"tên miền '{domain}' có dấu chấm ở đầu, cuối hoặc hai dấu chấm liền nhau")
    if not label.isascii():
        try:
            # The standard library's codec (IDNA 2003) covers Vietnamese letters; no network.
            label = label.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueError(f"tên miền '{domain}' có ký tự không dùng được") from error
    if len(label) > MAX_LABEL or not _LABEL.fullmatch(label):
        raise ValueError(
            f"tên miền '{domain}' có phần '{label}' không hợp lệ (chỉ gồm chữ, số, dấu '-' "
            "không ở đầu hoặc cuối, tối đa 63 ký tự)"
        )
    return label
