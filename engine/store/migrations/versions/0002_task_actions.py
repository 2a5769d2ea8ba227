"""task actions: progress reports, extension requests, deadline version

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing tasks were never extended: their due date is the plan's, version 1.
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("deadline_version", sa.Integer(), nullable=False, server_default="1")
        )

    op.create_table(
        "progress_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.create_index("ix_progress_report_task", ["task_id", "at"], unique=False)

    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "requested_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_due", sa.Date(), nullable=False),
        sa.Column("new_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "decided_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=True
        ),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_extension_request_org_status", ["organization_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_extension_request_task", ["task_id", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.drop_index("ix_extension_request_task")
        batch_op.drop_index("ix_extension_request_org_status")
    op.drop_table("extension_request")
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_report_task")
    op.drop_table("progress_report")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("deadline_version")
        batch_op.drop_column("original_due")
