"""How a directory person wants to hear of their work ("Nhận thông báo"): the channel
(e-mail, Zalo, both, or the organization's default), when e-mail comes (at once per event,
or in the daily digest, or the default), and the phone and Zalo numbers.

Phone numbers are Vietnamese mobile numbers, stored as ten digits from "0"
("+84 987 654 321", "84987654321" and "0987.654.321" are all "0987654321"). Choosing Zalo
needs a number (the Zalo number, else the phone). Every change is audited under ``person``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from engine.errors import Location, NotFoundError, Problem, SauroError
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Person
from notifications import phones

CHANNEL_LABELS: dict[str, str] = {
    "": "Theo mặc định của cơ quan",
    "email": "Thư điện tử",
    "zalo": "Zalo",
    "both": "Cả hai (thư điện tử và Zalo)",
}
EMAIL_MODE_LABELS: dict[str, str] = {
    "": "Theo mặc định",
    "immediate": "Gửi ngay từng việc",
    "digest": "Gộp vào thư tổng hợp hằng ngày",
}
_ZALO = frozenset({"zalo", "both"})


@dataclass(frozen=True)
class NoticePreferences:
    """A person's choices as stored ("" = the organization's default)."""

    channel: str = ""
    email_mode: str = ""
    phone: str = ""
    zalo: str = ""


def normalize_phone(text: str, *, field: str = "phone") -> str:
    """``text`` as ten digits from "0" ("" stays ""), or a Vietnamese error on ``field``."""
    try:
        return phones.mobile(text)
    except ValueError as error:
        raise SauroError(
            f"Số điện thoại {error}.", [Problem(Location(field=field), str(error))]
        ) from None


def checked(preferences: NoticePreferences) -> NoticePreferences:
    """The preferences with their numbers normalized, or one error listing every problem."""
    problems: list[Problem] = []
    if preferences.channel not in CHANNEL_LABELS:
        problems.append(Problem(Location(field="channel"), "chọn một cách nhận thông báo"))
    if preferences.email_mode not in EMAIL_MODE_LABELS:
        problems.append(Problem(Location(field="email_mode"), "chọn thời điểm gửi thư"))
    numbers: dict[str, str] = {}
    for name in ("phone", "zalo"):
        try:
            numbers[name] = normalize_phone(getattr(preferences, name), field=name)
        except SauroError as error:
            problems.extend(error.problems)
            numbers[name] = ""
    if preferences.channel in _ZALO and not problems and not (numbers["zalo"] or numbers["phone"]):
        problems.append(
            Problem(Location(field="zalo"), "ghi số Zalo (hoặc số điện thoại) để nhận qua Zalo")
        )
    if problems:
        raise SauroError("Chưa lưu được cách nhận thông báo.", problems)
    return NoticePreferences(
        preferences.channel, preferences.email_mode, numbers["phone"], numbers["zalo"]
    )


def preferences_of(session: Session, *, person_id: int) -> NoticePreferences:
    """The stored choices of the person ``person_id``."""
    person = _person(session, person_id)
    return NoticePreferences(person.channel, person.email_mode, person.phone, person.zalo)


def set_preferences(
    session: Session,
    *,
    person_id: int,
    preferences: NoticePreferences,
    actor: Actor,
    now: datetime,
) -> NoticePreferences:
    """Store ``preferences`` (checked, numbers normalized) on the person ``person_id``;
    audited under ``person`` (nothing written when nothing changed)."""
    wanted = checked(preferences)
    person = _person(session, person_id)
    changes = audit.apply_changes(
        person,
        {
            "channel": wanted.channel,
            "email_mode": wanted.email_mode,
            "phone": wanted.phone,
            "zalo": wanted.zalo,
        },
    )
    if changes:
        audit.record_of(
            session,
            person,
            organization_id=person.organization_id,
            action="update",
            changes=changes,
            actor=actor,
            now=now,
        )
    return wanted


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFoundError(f"Không có cán bộ số {person_id} trong danh mục.")
    return person
