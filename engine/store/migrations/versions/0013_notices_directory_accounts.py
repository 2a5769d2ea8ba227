"""Notices and the directory on the web: an inbox of event notices per person; a person's
phone, Zalo number, channel and e-mail preference, the day they left; a unit that is no
longer used (merged into another); password reset tokens; the Zalo OA tokens.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (tasks refer to people and units: a batch copy would break their
    # foreign keys on SQLite).
    op.add_column("person", sa.Column("phone", sa.String(32), server_default="", nullable=False))
    op.add_column("person", sa.Column("zalo", sa.String(32), server_default="", nullable=False))
    op.add_column("person", sa.Column("channel", sa.String(16), server_default="", nullable=False))
    op.add_column(
        "person", sa.Column("email_mode", sa.String(16), server_default="", nullable=False)
    )
    op.add_column("person", sa.Column("left_on", sa.Date(), nullable=True))
    op.add_column("person", sa.Column("areas", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("person", sa.Column("in_charge", sa.JSON(), server_default="[]", nullable=False))
    op.add_column(
        "unit", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("unit", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column("read_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key", "person_id"),
    )
    op.create_index("ix_notice_person", "notice", ["person_id", "created_at"])
    op.create_index("ix_notice_org_created", "notice", ["organization_id", "created_at"])
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column("used_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_password_reset_ip", "password_reset", ["ip", "created_at"])
    op.create_index("ix_password_reset_user", "password_reset", ["user_id", "created_at"])
    op.create_table(
        "zalo_token",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column(
            "expires_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", engine.store.column_types.AwareDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("app_id"),
    )


def downgrade() -> None:
    op.drop_table("zalo_token")
    op.drop_index("ix_password_reset_user", table_name="password_reset")
    op.drop_index("ix_password_reset_ip", table_name="password_reset")
    op.drop_table("password_reset")
    op.drop_index("ix_notice_org_created", table_name="notice")
    op.drop_index("ix_notice_person", table_name="notice")
    op.drop_table("notice")
    op.drop_column("unit", "merged_into_id")
    op.drop_column("unit", "active")
    for column in ("in_charge", "areas", "left_on", "email_mode", "channel", "zalo", "phone"):
        op.drop_column("person", column)
