"""Held messages keep each recipient as a name and an address apart
(``[{"name": …, "address": …}]``), no longer as one "Name <address>" string.

The strings held before are read here once, the last time a joined recipient is ever
split: a held message lives only until the next run, so what this reads is what the
previous version wrote, and a recipient it cannot read keeps its whole text as the
address (the send then fails as an unusable address, and the standing office is told).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:00:00
"""

import json
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HELD = sa.table("held_message", sa.column("message_id", sa.String()), sa.column("to", sa.JSON()))


def upgrade() -> None:
    connection = op.get_bind()
    for message_id, recipients in connection.execute(sa.select(_HELD.c.message_id, _HELD.c.to)):
        boxes = [_mailbox(recipient) for recipient in _loaded(recipients)]
        connection.execute(_HELD.update().where(_HELD.c.message_id == message_id).values(to=boxes))


def downgrade() -> None:
    connection = op.get_bind()
    for message_id, recipients in connection.execute(sa.select(_HELD.c.message_id, _HELD.c.to)):
        joined = [
            f"{box['name']} <{box['address']}>" if box["name"] else box["address"]
            for box in _loaded(recipients)
        ]
        connection.execute(_HELD.update().where(_HELD.c.message_id == message_id).values(to=joined))


def _loaded(value: object) -> list[Any]:
    """The JSON column's list (SQLite may hand back its text)."""
    loaded = json.loads(value) if isinstance(value, str) else value
    return list(loaded) if isinstance(loaded, list) else []


def _mailbox(recipient: object) -> dict[str, str]:
    if isinstance(recipient, dict):
        return recipient
    name, address = parseaddr(str(recipient))
    return {"name": name, "address": address or str(recipient)}
