"""Plans and assigning documents on the web: the list with the state of their tasks (as the
user may see them), one document with its tasks, and withdrawing one imported by mistake
(``engine.plans.documents``), each authorized by ``engine.web.policy``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from engine.plans.documents import (
    DocumentSummary,
    TaskTally,
    document_summaries,
    get_plan,
    withdraw_plan,
)
from engine.store.db import session_scope
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.tasks import TaskFilters, TaskRow, list_tasks, refresh_after_change


@dataclass(frozen=True)
class DocumentPage:
    """One document as its page shows it."""

    summary: DocumentSummary
    rows: list[TaskRow]


def documents(state: Web, user: User) -> list[DocumentSummary]:
    """The organization's documents, with the tasks ``user`` may see counted."""
    authorize(user.principal, Action.VIEW_PLANS)
    rows = list_tasks(state, user, TaskFilters())
    tallies = [TaskTally(row.plan, row.status, row.all_clear) for row in rows]
    with Session(state.engine) as session:
        return document_summaries(session, user.principal.organization_id, tallies)


def document(state: Web, user: User, plan_id: int) -> DocumentPage:
    """One document and its tasks."""
    authorize(user.principal, Action.VIEW_PLANS)
    with Session(state.engine) as session:
        plan = get_plan(session, plan_id, user.principal.organization_id)
        key = plan.key
    summary = next(s for s in documents(state, user) if s.id == plan_id)
    return DocumentPage(summary, list_tasks(state, user, TaskFilters(plan=key)))


def withdraw(state: Web, user: User, plan_id: int, reason: str) -> int:
    """The standing office withdraws a document imported by mistake; how many tasks went."""
    authorize(user.principal, Action.WITHDRAW_PLAN)
    now = state.clock()
    with session_scope(state.engine) as session:
        plan = get_plan(session, plan_id, user.principal.organization_id)
        count = withdraw_plan(
            session=session,
            plan=plan,
            reason=reason,
            actor=user.actor(f"plan {plan_id} withdraw"),
            now=now,
        )
        refresh_after_change(session, state, user, now)
        return count
