"""The period report a commune signs: the text of each section as people edit it (every
revision kept), the report's way from draft to sent (submitted, approved, issued with a
number of the organization's register of outgoing documents, sent), the register itself,
and the parent organization of a child in the same database (the roll-up).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.column_types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = engine.store.column_types.AwareDateTime


def upgrade() -> None:
    op.add_column(
        "organization",
        sa.Column("parent_code", sa.String(64), server_default="", nullable=False),
    )
    op.create_table(
        "report_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=16), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=128), nullable=False),
        sa.Column("saved_at", _AT(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "period_code", "section", "revision"),
    )
    op.create_table(
        "document_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", _AT(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "year", "number"),
    )
    op.create_table(
        "period_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=128), nullable=False),
        sa.Column("submitted_at", _AT(timezone=True), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(length=128), nullable=False),
        sa.Column("approved_at", _AT(timezone=True), nullable=True),
        sa.Column("register_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", _AT(timezone=True), nullable=True),
        sa.Column("sent_at", _AT(timezone=True), nullable=True),
        sa.Column("updated_at", _AT(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["approver_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["register_id"], ["document_register.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "period_code"),
    )


def downgrade() -> None:
    op.drop_table("period_report")
    op.drop_table("document_register")
    op.drop_table("report_section")
    op.drop_column("organization", "parent_code")
