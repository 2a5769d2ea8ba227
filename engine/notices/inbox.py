"""A person's inbox: their notices, newest first, read or not.

Every function is scoped by the person: one person never reads or marks another's notice
(a notice id of someone else is simply not found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from engine.errors import NotFoundError
from engine.store.models import Notice
from notifications.notice_config import NOTICE_LABELS, NoticeKind

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class InboxPage:
    """One page of a person's notices."""

    notices: list[Notice]
    page: int
    pages: int
    total: int
    unread: int

    @staticmethod
    def label(notice: Notice) -> str:
        """ "Đề nghị gia hạn chờ quyết định"."""
        return NOTICE_LABELS.get(NoticeKind(notice.kind), notice.kind)


def unread_count(session: Session, person_id: int | None) -> int:
    """How many of the person's notices are unread (0 for an account without a person)."""
    if person_id is None:
        return 0
    query = select(func.count()).where(
        col(Notice.person_id) == person_id, col(Notice.read_at).is_(None)
    )
    return int(session.exec(query).one())


def inbox_page(
    session: Session, person_id: int | None, *, page: int = 1, size: int = PAGE_SIZE
) -> InboxPage:
    """Page ``page`` (from 1) of the person's notices, newest first."""
    if person_id is None:
        return InboxPage([], 1, 1, 0, 0)
    size = max(1, min(size, MAX_PAGE_SIZE))
    total = int(session.exec(select(func.count()).where(col(Notice.person_id) == person_id)).one())
    pages = max(1, -(-total // size))
    page = max(1, min(page, pages))
    rows = session.exec(
        select(Notice)
        .where(col(Notice.person_id) == person_id)
        .order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return InboxPage(list(rows), page, pages, total, unread_count(session, person_id))


def mark_read(
    session: Session, person_id: int | None, ids: Sequence[int] | None, *, now: datetime
) -> int:
    """Mark the person's notices ``ids`` (all when None) read; returns how many changed."""
    if person_id is None:
        return 0
    statement = (
        update(Notice)
        .where(col(Notice.person_id) == person_id, col(Notice.read_at).is_(None))
        .values(read_at=now)
    )
    if ids is not None:
        if not ids:
            return 0
        statement = statement.where(col(Notice.id).in_(list(ids)))
    result = session.exec(statement)
    return int(result.rowcount or 0)


def open_notice(session: Session, person_id: int | None, notice_id: int, *, now: datetime) -> str:
    """Mark one of the person's notices read and return where it leads."""
    notice = session.get(Notice, notice_id)
    if notice is None or person_id is None or notice.person_id != person_id:
        raise NotFoundError(f"Không có thông báo số {notice_id} của bạn.")
    if notice.read_at is None:
        notice.read_at = now
        session.add(notice)
    return notice.link if notice.link.startswith("/") and not notice.link.startswith("//") else "/"
