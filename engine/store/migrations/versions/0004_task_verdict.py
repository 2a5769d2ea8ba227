"""Task verdict for the reminder cycle: failing 6-rõ dimensions and since when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unclear", sa.String(length=128), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("unclear_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("unclear_since")
        batch_op.drop_column("unclear")
