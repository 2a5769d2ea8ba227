"""Plans and assigning documents on the web: the list with the state of their tasks (as the
user may see them), one document with its tasks, and withdrawing one imported by mistake
(``engine.plans.documents``), each authorized by ``engine.web.policy``.

The list is read a page at a time, newest first (``engine.web.paging``); the tasks of the
documents of a page are counted by one aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from engine.calendar.status import TaskStatus, local_date
from engine.plans.documents import DocumentSummary, get_plan, withdraw_plan
from engine.store.models import Plan, Task, TaskState
from engine.web import task_query as tq
from engine.web.changes import task_change
from engine.web.deps import User, Web
from engine.web.paging import Key, Page, decode_cursor, keyset, page
from engine.web.policy import Action, authorize, task_visibility
from engine.web.tasks import PAGE_SIZE, TaskFilters, TaskListPage, list_page

PL = tq.PL
_FIRST_DAY = date(1, 1, 1)
_KEYS = [Key(sa.func.coalesce(PL.issued_on, sa.literal(_FIRST_DAY, sa.Date)), date),
         Key(PL.id, int)]  # fmt: skip
_COLUMNS = (PL.id, PL["key"], PL.number, PL.issued_on, PL.kind, PL.issuer, PL.signer,
            PL.withdrawn_at)  # fmt: skip


@dataclass(frozen=True)
class DocumentList:
    """One page of the organization's documents and how many there are in all."""

    documents: Page[DocumentSummary]
    total: int


@dataclass(frozen=True)
class DocumentPage:
    """One document as its page shows it: a page of its tasks."""

    summary: DocumentSummary
    listed: TaskListPage

    @property
    def rows(self) -> list[Any]:
        return self.listed.rows


def documents(
    state: Web, user: User, *, cursor: str | None = None, limit: int = PAGE_SIZE
) -> DocumentList:
    """The page of the organization's documents ``cursor`` names, newest first, with the
    tasks ``user`` may see counted."""
    authorize(user.principal, Action.VIEW_PLANS)
    org_id = user.principal.organization_id
    start = decode_cursor(cursor, _KEYS)
    query = sa.select(*_COLUMNS, *(k.column for k in _KEYS)).where(PL.organization_id == org_id)
    with state.engine.connect() as connection:
        found = list(connection.execute(keyset(query, _KEYS, start, limit, descending=True)))
        shown = page(found, lambda r: tuple(r[len(_COLUMNS) :]), start, limit)
        counts = _tallies(state, user, connection, [row[0] for row in shown.rows])
        total = connection.execute(
            sa.select(sa.func.count()).select_from(Plan).where(PL.organization_id == org_id)
        ).scalar_one()
    summaries = [_summary(row, counts.get(row[0], _NONE)) for row in shown.rows]
    return DocumentList(Page(summaries, shown.next, shown.previous), int(total))


_NONE = (0, 0, 0, 0)


def _summary(row: Sequence[Any], counts: tuple[int, int, int, int]) -> DocumentSummary:
    plan_id, key, number, issued_on, kind, issuer, signer, withdrawn_at = row[: len(_COLUMNS)]
    tasks, clear, done, overdue = counts
    return DocumentSummary(
        plan_id, key, number, issued_on, kind, issuer, signer, withdrawn_at,
        tasks, clear, done, overdue,
    )  # fmt: skip


def _tallies(
    state: Web, user: User, connection: sa.Connection, plan_ids: list[int]
) -> dict[int, tuple[int, int, int, int]]:
    """Per document: its tasks ``user`` sees, those clear on all six, done, overdue."""
    if not plan_ids:
        return {}
    calendar = state.calendar()
    rule = tq.StatusRule(tq.overdue_cutoff(calendar, local_date(state.clock())), {})
    t = tq.T

    def count(condition: Any) -> Any:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    query = (
        sa.select(
            t.plan_id,
            sa.func.count(),
            count(t.unclear == ""),
            count(t.state == str(TaskState.DONE)),
            count(rule.predicate(TaskStatus.OVERDUE)),
        )
        .select_from(Task)
        .where(
            tq.visible(task_visibility(user.principal)),
            t.state != str(TaskState.WITHDRAWN),
            t.plan_id.in_(plan_ids),
        )
        .group_by(t.plan_id)
    )
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in connection.execute(query)}  # type: ignore[misc]


def document(state: Web, user: User, plan_id: int, *, cursor: str | None = None) -> DocumentPage:
    """One document and the page of its tasks ``cursor`` names."""
    authorize(user.principal, Action.VIEW_PLANS)
    with Session(state.engine) as session:
        plan = get_plan(session, plan_id, user.principal.organization_id)
        key = plan.key
        values = tuple(getattr(plan, c.name) for c in _COLUMNS)
    with state.engine.connect() as connection:
        counts = _tallies(state, user, connection, [plan_id]).get(plan_id, _NONE)
    summary = _summary(values, counts)
    return DocumentPage(summary, list_page(state, user, TaskFilters(plan=key), cursor=cursor))


def withdraw(state: Web, user: User, plan_id: int, reason: str) -> int:
    """The standing office withdraws a document imported by mistake; how many tasks went."""
    authorize(user.principal, Action.WITHDRAW_PLAN)
    now = state.clock()
    with task_change(state, user) as session:
        plan = get_plan(session, plan_id, user.principal.organization_id)
        return withdraw_plan(
            session=session,
            plan=plan,
            reason=reason,
            actor=user.actor(f"plan {plan_id} withdraw"),
            now=now,
        )
