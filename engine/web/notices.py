"""The inbox behind the pages and the API: every call scoped to the user's own person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from engine.calendar.status import VN
from engine.notices.inbox import InboxPage, inbox_page, mark_read, open_notice, unread_count
from engine.store.db import session_scope
from engine.store.models import Notice
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize


def unread(state: Web, user: User) -> int:
    """The bell's count (no policy check: it is the user's own count, possibly 0)."""
    with Session(state.engine) as session:
        return unread_count(session, user.principal.person_id)


def page(state: Web, user: User, number: int, size: int) -> InboxPage:
    authorize(user.principal, Action.VIEW_NOTICES)
    with Session(state.engine) as session:
        return inbox_page(session, user.principal.person_id, page=number, size=size)


def read(state: Web, user: User, ids: Sequence[int] | None) -> int:
    authorize(user.principal, Action.VIEW_NOTICES)
    with session_scope(state.engine) as session:
        return mark_read(session, user.principal.person_id, ids, now=state.clock())


def follow(state: Web, user: User, notice_id: int) -> str:
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
