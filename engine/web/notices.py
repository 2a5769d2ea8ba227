"""The inbox behind the pages and the API: every call scoped to the user's own person;
the list newest first, read a page at a time by keyset cursor (``engine.web.paging``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from engine.calendar.status import VN
from engine.notices.inbox import PAGE_SIZE, InboxPage, mark_read, open_notice, unread_count
from engine.store.db import session_scope
from engine.store.models import Notice
from engine.web.deps import User, Web
from engine.web.paging import Key, decode_cursor, keyset
from engine.web.paging import page as paged
from engine.web.policy import Action, authorize


def unread(state: Web, user: User) -> int:
    """The bell's count (no policy check: it is the user's own count, possibly 0)."""
    with Session(state.engine) as session:
        return unread_count(session, user.principal.person_id)


@dataclass(frozen=True)
class Inbox:
    """One page of one's notices, newest first, and the counts of all of them."""

    notices: list[Notice]
    next: str | None
    previous: str | None
    total: int
    unread: int

    @staticmethod
    def label(notice: Notice) -> str:
        return InboxPage.label(notice)


_KEYS = [Key(col(Notice.created_at), datetime), Key(col(Notice.id), int)]


def page(state: Web, user: User, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Inbox:
    """The page of the user's own notices ``cursor`` names (the newest without one)."""
    authorize(user.principal, Action.VIEW_NOTICES)
    person_id = user.principal.person_id
    start = decode_cursor(cursor, _KEYS)
    if person_id is None:
        return Inbox([], None, None, 0, 0)
    mine = col(Notice.person_id) == person_id
    query = keyset(select(Notice).where(mine), _KEYS, start, limit, descending=True)
    with Session(state.engine) as session:
        found = list(session.exec(query))  # type: ignore[call-overload]
        total = session.exec(select(func.count()).where(mine)).one()
        unread = unread_count(session, person_id)
    shown = paged(found, lambda n: (n.created_at, n.id), start, limit)
    return Inbox(shown.rows, shown.next, shown.previous, int(total), unread)


def read(state: Web, user: User, ids: Sequence[int] | None) -> int:
    authorize(user.principal, Action.VIEW_NOTICES)
    with session_scope(state.engine) as session:
        return mark_read(session, user.principal.person_id, ids, now=state.clock())


def follow(state: Web, user: User, notice_id: int) -> str:
    """Mark one of the user's notices read (the inbox's POST) and return where it leads."""
    authorize(user.principal, Action.VIEW_NOTICES)
    with session_scope(state.engine) as session:
        return open_notice(session, user.principal.person_id, notice_id, now=state.clock())


def as_json(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "label": InboxPage.label(notice),
        "title": notice.title,
        "body": notice.body,
        "link": notice.link,
        "task_id": notice.task_id,
        "actor": notice.actor,
        "created_at": notice.created_at.astimezone(VN).isoformat(),
        "read": notice.read_at is not None,
    }
