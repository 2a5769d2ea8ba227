"""The difficulties and proposals a unit writes in its returned form (per task and in
general), kept with its report of the period so the period report can quote them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, as 0013: a batch copy would break the foreign keys on SQLite.
    op.add_column(
        "unit_report", sa.Column("difficulties", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column(
        "unit_report", sa.Column("proposals", sa.JSON(), server_default="[]", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("unit_report", "proposals")
    op.drop_column("unit_report", "difficulties")
