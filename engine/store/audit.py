"""The append-only audit log: every change to a stored record, with who, when and why."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel

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
    rows = [
        AuditLog(
            organization_id=organization_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            field=change.field,
            old_value=_text(change.old),
            new_value=_text(change.new),
            actor=actor.name,
            source=actor.source,
            at=now,
        )
        for change in changes
    ]
    if not rows:
        rows.append(
            AuditLog(
                organization_id=organization_id,
                entity=entity,
                entity_id=entity_id,
                action=action,
                actor=actor.name,
                source=actor.source,
                at=now,
            )
        )
    session.add_all(rows)


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
