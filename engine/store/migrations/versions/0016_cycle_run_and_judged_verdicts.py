"""The lease of each organization's daily cycle (``cycle_run``), and what each stored
6-rõ verdict was judged on (``task.judged_version``, ``task.judged_rules``), so that a
refresh re-judges only the tasks changed since.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engine.store.column_types import AwareDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycle_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organization_id", sa.Integer(), sa.ForeignKey("organization.id"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("started_at", AwareDateTime(), nullable=False),
        sa.Column("expires_at", AwareDateTime(), nullable=False),
        sa.Column("finished_at", AwareDateTime(), nullable=True),
        sa.Column("takeovers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.UniqueConstraint("organization_id", "day", "kind"),
    )
    # Plain ALTER TABLE, as 0013: a batch copy would break the foreign keys on SQLite.
    op.add_column("task", sa.Column("judged_version", sa.Integer(), nullable=True))
    op.add_column(
        "task",
        sa.Column("judged_rules", sa.String(length=16), server_default="", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("task", "judged_rules")
    op.drop_column("task", "judged_version")
    op.drop_table("cycle_run")
