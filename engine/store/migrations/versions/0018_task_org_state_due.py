"""An index on the tasks of one organization by state and due date.

The dashboard and the daily cycle ask for an organization's open tasks by due date. With
only ``ix_task_state_due`` (every organization's tasks by state and due date), SQLite,
which keeps no statistics unless asked, read the open tasks of every organization for
each of them: 70 ms per dashboard query with 100 communes of 1,000 tasks, 1 ms with this
index.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_task_org_state_due", "task", ["organization_id", "state", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_task_org_state_due", table_name="task")
