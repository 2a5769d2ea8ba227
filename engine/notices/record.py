"""Recording event notices: one ``Notice`` per event and person, whatever re-runs.

An event (``Event``) is something that happened to a task or a report that someone must
hear of: a task given to a unit or a person, taken away, an extension asked or decided, a
result waiting for acceptance or returned, a coordinating unit's note, a unit's report form
requested. ``notify`` writes one notice per recipient in the caller's transaction, so a
refused action (rolled back) tells nobody; the unique (event key, person) makes a second
call for the same event a no-op. Recipients are directory people; the helpers here find
the usual ones (a unit's head and deputies, the leaders of an organization).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engine.store.models import Notice, Person, PersonRole
from notifications.notice_config import NoticeKind

TITLE_MAX = 300
# ``Session.info`` key: set when a unit of work recorded notices, so that whoever commits it
# may send those due at once (the web app does: ``engine.web.mailer``).
PENDING = "sauro_notices_pending"
BODY_MAX = 2000


@dataclass(frozen=True)
class Event:
    """What happened, said once for everyone who hears of it.

    ``key`` names the event so that recording it again changes nothing
    ("extension:12:requested"); ``title`` is one line, ``body`` a few; ``link`` the app
    path where a recipient acts ("/tasks/12")."""

    kind: NoticeKind
    key: str
    organization_id: int
    title: str
    body: str
    link: str
    actor: str
    task_id: int | None = None


def notify(
    session: Session, event: Event, people: Iterable[int | None], *, now: datetime
) -> list[Notice]:
    """One notice of ``event`` per person in ``people`` (None and repeats skipped, and the
    people already told of it); returns the notices written."""
    wanted = list(dict.fromkeys(p for p in people if p is not None))
    if not wanted:
        return []
    told = set(
        session.exec(
            select(Notice.person_id).where(
                col(Notice.event_key) == event.key, col(Notice.person_id).in_(wanted)
            )
        ).all()
    )
    active = set(
        session.exec(
            select(Person.id).where(
                col(Person.id).in_(wanted),
                col(Person.active),
                col(Person.organization_id) == event.organization_id,
            )
        ).all()
    )
    notices = [
        Notice(
            organization_id=event.organization_id,
            person_id=person_id,
            event_key=event.key[:255],
            kind=event.kind.value,
            task_id=event.task_id,
            link=event.link[:255],
            title=_cut(event.title, TITLE_MAX),
            body=_cut(event.body, BODY_MAX),
            actor=event.actor[:128],
            created_at=now,
        )
        for person_id in wanted
        if person_id in active and person_id not in told
    ]
    session.add_all(notices)
    session.flush()
    if notices:
        session.info[PENDING] = True
    return notices


def unit_heads(session: Session, unit_id: int | None) -> list[int]:
    """The head and deputies of a unit (active): who hears of what concerns the unit."""
    if unit_id is None:
        return []
    query = select(Person.id).where(
        col(Person.unit_id) == unit_id,
        col(Person.active),
        col(Person.role).in_([PersonRole.HEAD.value, PersonRole.DEPUTY.value]),
    )
    return [p for p in session.exec(query.order_by(col(Person.role), col(Person.id))).all() if p]


def leaders_of(session: Session, organization_id: int, unit_code: str | None) -> list[int]:
    """Who decides for a unit's task: the Vice-Chairmen in charge of the unit, else the
    Chairman (active)."""
    rows = session.exec(
        select(Person).where(
            col(Person.organization_id) == organization_id,
            col(Person.active),
            col(Person.role).in_([PersonRole.CHAIRMAN.value, PersonRole.VICE_CHAIRMAN.value]),
        )
    ).all()
    in_charge = [
        p.id
        for p in rows
        if p.role == PersonRole.VICE_CHAIRMAN and unit_code and unit_code in (p.in_charge or [])
    ]
    chairman = [p.id for p in rows if p.role == PersonRole.CHAIRMAN]
    return [p for p in (in_charge or chairman) if p is not None]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
