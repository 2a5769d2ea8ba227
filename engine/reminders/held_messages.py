"""Rendered messages held back by a temporary delivery failure, kept for the next run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from engine.store.models import HeldMessage
from notifications.addresses import Mailbox
from notifications.outgoing import OutgoingMessage


def held(connection: Connection, *, org_code: str | None) -> list[OutgoingMessage]:
    """Every held message (of one organization, or all), oldest first."""
    table = HeldMessage.__table__  # type: ignore[attr-defined]
    rows = connection.execute(select(table).order_by(table.c.held_at, table.c.message_id))
    messages = [
        OutgoingMessage(
            to=tuple(Mailbox(entry["address"], entry["name"]) for entry in row.to),
            subject=row.subject,
            text=row.text,
            html=row.html,
            headers=dict(row.headers),
            ledger_keys=tuple(row.ledger_keys),
        )
        for row in rows
    ]
    if org_code is None:
        return messages
    return [m for m in messages if org_code in m.headers.get("X-Sauro-Org", "").split(",")]


def hold(connection: Connection, messages: Sequence[OutgoingMessage], *, now: datetime) -> None:
    """Keep ``messages`` for the next run (replacing a held copy of the same message).
    Only the cycle's digests are held; a message with attachments (a form, a report) is
    rebuilt by the run that retries it, so it is refused here rather than kept without
    its files."""
    if not messages:
        return
    if any(m.attachments for m in messages):
        raise ValueError("messages with attachments are rebuilt, not held")
    release(connection, (m.message_id for m in messages))
    rows = [
        {
            "message_id": m.message_id,
            "to": [{"name": r.name, "address": r.address} for r in m.to],
            "subject": m.subject,
            "text": m.text,
            "html": m.html,
            "headers": dict(m.headers),
            "ledger_keys": list(m.ledger_keys),
            "held_at": now,
        }
        for m in messages
    ]
    connection.execute(insert(HeldMessage), rows)


def release(connection: Connection, message_ids: Iterable[str]) -> None:
    """Forget held messages: delivered, failed for good, or replaced by a fresher digest."""
    ids = list(message_ids)
    if ids:
        table = HeldMessage.__table__  # type: ignore[attr-defined]
        connection.execute(delete(table).where(table.c.message_id.in_(ids)))
