"""Held messages: rendered messages deferred by a temporary failure, sent by a later run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_message",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("ledger_keys", sa.JSON(), nullable=False),
        sa.Column(
            "held_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("held_message")
