"""Accepting results: a completion waits for the authority's acceptance (chờ xác nhận) when
the organization requires it; who accepts (the task's authority or the standing office);
each submission and each return counted, with the day and the reason of the last return.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on the organization (every table refers to it: a batch copy of it
    # would break their foreign keys on SQLite).
    op.add_column(
        "organization",
        sa.Column("acceptance_required", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column(
        "organization",
        sa.Column("acceptor", sa.String(length=32), server_default="authority", nullable=False),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("submission", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("returned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("returns", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("return_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_index("ix_task_returned_on", ["returned_on"])


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_returned_on")
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returns")
        batch_op.drop_column("returned_on")
        batch_op.drop_column("submission")
        batch_op.drop_column("submitted_on")
    op.drop_column("organization", "acceptor")
    op.drop_column("organization", "acceptance_required")
