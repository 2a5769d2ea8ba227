"""Task assignments: when a task was last given to its person, how many times, and whether
the lead unit's head gave it (the ladder's ``assigned`` steps tell each assignment once).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("assignment", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("assigned_by_lead", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_task_assigned_on", ["assigned_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_assigned_on")
        batch_op.drop_column("assigned_by_lead")
        batch_op.drop_column("assignment")
        batch_op.drop_column("assigned_on")
