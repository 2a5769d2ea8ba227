"""Unit reports: each unit's report to the standing office per reporting period.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column(
            "requested_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column("form_file", sa.String(length=255), nullable=False),
        sa.Column(
            "submitted_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_submitted_at",
            engine.store.column_types.AwareDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("submitted_by", sa.String(length=128), nullable=False),
        sa.Column("submitted_via", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "unit_id", "period_code"),
    )
    op.create_index("ix_unit_report_open", "unit_report", ["submitted_at", "due"])


def downgrade() -> None:
    op.drop_index("ix_unit_report_open", table_name="unit_report")
    op.drop_table("unit_report")
