"""The append-only audit log: every change to a stored record, with who, when and why.

One record's changes are added to the session (``record``, ``record_of``); the changes of
many records of one table, as an import makes them, are inserted at once (``record_many``):
the same rows, in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session, SQLModel

from engine.store.bulk import insert_many
from engine.store.models import AuditLog, require_id


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Actor:
    """Who made a change and through what (``cli:import kien_tuong_3838.docx``)."""

    name: str
    source: str = ""


def apply_changes(record: SQLModel, values: Mapping[str, Any]) -> list[Change]:
    """Set ``values`` on ``record`` and return the fields that really changed."""
    changes: list[Change] = []
    for name, new in values.items():
        old = getattr(record, name)
        if old != new:
            setattr(record, name, new)
            changes.append(Change(name, old, new))
    return changes


def record(
    session: Session,
    *,
    organization_id: int,
    entity: str,
    entity_id: int,
    action: str,
    changes: Iterable[Change],
    actor: Actor,
    now: datetime,
) -> None:
    """Append one audit row per change (one row with no field for a bare create/withdraw)."""
    entry = Entry(entity_id, action, tuple(changes))
    session.add_all(
        AuditLog(**values) for values in _rows(organization_id, entity, entry, actor, now)
    )


@dataclass(frozen=True)
class Entry:
    """What happened to one record: its id, the action, the fields that changed (none for a
    bare create or withdraw)."""

    entity_id: int
    action: str
    changes: Sequence[Change] = ()


def record_many(
    connection: Connection,
    *,
    organization_id: int,
    entity: str,
    entries: Iterable[Entry],
    actor: Actor,
    now: datetime,
) -> None:
    """``record`` for many records of the table ``entity``, in one executemany (Core, not an
    ORM object per row: an import audits thousands of tasks), in the order of ``entries``."""
    rows = [row for entry in entries for row in _rows(organization_id, entity, entry, actor, now)]
    insert_many(connection, AuditLog.__table__, rows)  # type: ignore[attr-defined]


def _rows(
    organization_id: int, entity: str, entry: Entry, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    """The values of one entry's audit rows: one per change, or one with no field."""
    common = {
        "organization_id": organization_id,
        "entity": entity,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "actor": actor.name,
        "source": actor.source,
        "at": now,
    }
    if not entry.changes:
        return [{**common, "field": "", "old_value": None, "new_value": None}]
    return [
        {**common, "field": c.field, "old_value": _text(c.old), "new_value": _text(c.new)}
        for c in entry.changes
    ]


def record_of(
    session: Session,
    changed: SQLModel,
    *,
    organization_id: int,
    action: str,
    changes: Iterable[Change],
    actor: Actor,
    now: datetime,
) -> None:
    """``record`` for a stored row: its table names the entity, its id the entity id."""
    record(
        session,
        organization_id=organization_id,
        entity=str(type(changed).__tablename__),
        entity_id=require_id(changed),
        action=action,
        changes=changes,
        actor=actor,
        now=now,
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
