"""Plans and assigning documents as things: the kind of document a plan's tasks come from,
and when it was withdrawn (imported by mistake: its tasks withdrawn, nothing deleted).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), server_default="ke_hoach", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "withdrawn_at",
                engine.store.column_types.AwareDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("kind")
