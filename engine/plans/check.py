"""The 6-rõ check over stored tasks (one set-based read, then the pure rules) and over
the drafts of an import that is not stored yet.

Stored tasks: two Core queries (tasks, then the unit mentions of those tasks) give the
columns the rules need. Drafts: ``facts_from_draft`` reads the same facts off a
``TaskDraft``. Both run ``rules.six_clear`` through one ``Evaluator``, so an import preview
and ``sauro check`` after the import give the same verdict.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Select, and_, bindparam, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from engine.directory.store import require_organization
from engine.errors import NotFoundError
from engine.plans.drafts import TaskDraft
from engine.store.bulk import collector_paused
from engine.store.models import (
    DocumentKind,
    Organization,
    Person,
    Plan,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitRole,
)
from engine.text import fold
from rules.facts import Dimension, Finding, TaskFacts, UnitMention
from rules.schema import RulesConfig
from rules.six_clear import Evaluator, clear_map

_KNOWN_SHOWN = 10  # plans named in a "no such plan" error


@dataclass(frozen=True, slots=True)
class TaskCheck:
    """The verdict on one task: which dimensions are clear and the findings behind it.

    ``task_id`` is None for a draft that is not stored yet (an import preview).
    """

    task_id: int | None
    organization: str
    plan: str
    ref: str
    work: str
    clear: dict[Dimension, bool]
    findings: list[Finding]

    @property
    def all_clear(self) -> bool:
        return all(self.clear.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "work": self.work,
            "organization": self.organization,
            "plan": self.plan,
            **self.verdict_json(),
        }

    def verdict_json(self) -> dict[str, Any]:
        """``{"clear": {dimension: bool}, "findings": [...]}``, as ``sauro check --json``."""
        return {
            "clear": {str(d): ok for d, ok in self.clear.items()},
            "findings": [finding_json(f) for f in self.findings],
        }


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as JSON: dimension, code, severity, message and fix."""
    return {
        "dimension": str(finding.dimension),
        "code": finding.code,
        "severity": str(finding.severity),
        "message": finding.message,
        "fix": finding.fix,
    }


def check_tasks(
    connection: Connection,
    *,
    rules: RulesConfig,
    org_code: str | None = None,
    plan_key: str | None = None,
    task_id: int | None = None,
    task_ids: Collection[int] | None = None,
) -> list[TaskCheck]:
    """Check every current task of an organization (or all, with ``org_code=None``), of one
    plan (``plan_key``), the one task ``task_id`` (a task page checks only its task) or the
    tasks ``task_ids`` (a refresh re-judges only the tasks changed since their verdict).

    Raises ``NotFoundError`` when ``org_code`` or ``plan_key`` names nothing stored, so a
    mistyped code is not mistaken for a plan with no tasks.
    """
    _require_scope(connection, org_code, plan_key)
    with collector_paused():
        ids = _ids(task_id, task_ids)
        rows = raw_rows(connection, _task_query(org_code, plan_key, ids))
        mentions = _mentions(connection, org_code, plan_key, ids)
        evaluator = Evaluator(rules)
        none: tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]] = ((), ())
        return [_judge(row, mentions.get(row[0], none), evaluator) for row in rows]


def check_task(connection: Connection, *, rules: RulesConfig, task_id: int) -> TaskCheck | None:
    """The verdict on the one task ``task_id`` (None when it is withdrawn or missing), as
    ``check_tasks(task_id=...)`` gives it, for a page that shows one task on every request:
    the same two reads, built once and run through SQLAlchemy's compiled cache, where
    ``check_tasks`` builds and compiles its reads for each call (right for a plan-wide
    read, where that cost is nothing beside the rows)."""
    tasks, mentions = _one_task_reads()
    with collector_paused():
        row = connection.execute(tasks, {"task_id": task_id}).first()
        if row is None:
            return None
        parts = _group(connection.execute(mentions, {"task_id": task_id}))
        none: tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]] = ((), ())
        return _judge(row, parts.get(task_id, none), Evaluator(rules))


@cache
def _one_task_reads() -> tuple[Select[Any], Select[Any]]:
    t, tu = Task.__table__.c, TaskUnit.__table__.c  # type: ignore[attr-defined]
    one = bindparam("task_id", type_=Integer)
    return (
        _task_query(None, None, None).where(t.id == one),
        _mentions_query(None, None, None).where(tu.task_id == one),
    )


def _judge(
    row: Any, parts: tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]], evaluator: Evaluator
) -> TaskCheck:
    (task_id, ref, work, area, person_text, person_name, person_unit, lead_text,
     deadline_text, deadline_kind, deadline_resolved, deadline_reason, due, assigner,
     product, state, result, evidence, number, issued_on, kind, plan, org) = row  # fmt: skip
    facts = TaskFacts(
        ref=ref,
        work=work,
        area=area,
        person_text=person_text,
        person_name=person_name,
        person_unit=person_unit,
        lead_text=lead_text,
        lead_units=parts[0],
        coordinators=parts[1],
        deadline_text=deadline_text,
        deadline_kind=deadline_kind,
        deadline_resolved=bool(deadline_resolved),
        deadline_reason=deadline_reason,
        due=as_date(due),
        plan_date=as_date(issued_on),
        assigner=assigner,
        basis=plan_basis(number, as_date(issued_on), kind),
        product=product,
        done=state in (TaskState.DONE, TaskState.AWAITING),
        result=result,
        evidence=evidence,
    )
    return _verdict(facts, evaluator, task_id=task_id, organization=org, plan=plan)


def raw_rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Run a Core query on the DBAPI cursor of ``connection`` (same transaction) and return
    plain tuples: no per-row result processing, for reads of 100,000s of rows. Values come
    as the driver gives them: see ``as_date``."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@lru_cache(maxsize=4096)
def _iso_day(text: str) -> date:
    return date.fromisoformat(text)


def as_date(value: date | str | None) -> date | None:
    """A date from the driver: PostgreSQL gives ``date``, SQLite its ISO text."""
    return _iso_day(value) if isinstance(value, str) else value


def as_instant(value: datetime | str) -> datetime:
    """An aware instant from the driver: PostgreSQL gives it aware, SQLite naive UTC text."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _verdict(
    facts: TaskFacts, evaluator: Evaluator, *, task_id: int | None, organization: str, plan: str
) -> TaskCheck:
    findings = evaluator.evaluate(facts)
    return TaskCheck(
        task_id, organization, plan, facts.ref, facts.work, clear_map(findings), findings
    )


def facts_from_draft(draft: TaskDraft) -> TaskFacts:
    """What the rules see of a task read from a file, before it is stored.

    The one place a draft becomes facts: the import preview (``--dry-run``, ``--json``)
    judges these, and the stored task holds the same values (``engine.plans.importer``).
    """
    row, deadline, person = draft.row, draft.deadline, draft.person
    return TaskFacts(
        ref=row.ref,
        work=row.work,
        area=draft.area,
        person_text=row.person,
        person_name=person[0] if person else None,
        person_unit=person[1] if person else None,
        lead_text=row.lead,
        lead_units=draft.lead,
        coordinators=draft.coordinators,
        deadline_text=row.deadline,
        deadline_kind=str(deadline.kind),
        deadline_resolved=deadline.resolved,
        deadline_reason=deadline.reason,
        due=deadline.due,
        plan_date=draft.authority.plan_date,
        assigner=draft.authority.assigner,
        basis=draft.authority.basis,
        product=row.product,
    )


def check_drafts(
    drafts: Iterable[TaskDraft], *, rules: RulesConfig, organization: str, plan: str
) -> list[TaskCheck]:
    """The 6-rõ verdict on each draft of an import, in order."""
    evaluator = Evaluator(rules)
    return [
        _verdict(
            facts_from_draft(draft),
            evaluator,
            task_id=None,
            organization=organization,
            plan=plan,
        )
        for draft in drafts
    ]


BASIS_WORDS: dict[str, str] = {
    DocumentKind.PLAN: "Kế hoạch",
    DocumentKind.CONCLUSION: "Thông báo kết luận",
    DocumentKind.LETTER: "Công văn",
    DocumentKind.MEETING: "Chỉ đạo tại cuộc họp",
}


# A plan is often issued with a decision and carries the decision's number ("465/QĐ-UBND"):
# its basis names the decision. The type code of the number (NĐ 30/2020, Phụ lục III).
_ISSUED_WITH = re.compile(r"/qd\b")  # on the folded number


@lru_cache(maxsize=4096)
def plan_basis(number: str, issued_on: date | None, kind: str = DocumentKind.PLAN) -> str:
    """The legal basis of a document's tasks: "Kế hoạch số 3838/KH-UBND ngày 28/12/2023";
    a plan whose number is a decision's: "Kế hoạch ban hành kèm theo Quyết định số
    465/QĐ-UBND ngày 23/04/2026"; a direct instruction at a meeting needs its date only."""
    word = BASIS_WORDS.get(kind, BASIS_WORDS[DocumentKind.PLAN])
    if issued_on is None or not (number or kind == DocumentKind.MEETING):
        return ""
    if kind == DocumentKind.PLAN and _ISSUED_WITH.search(fold(number)):
        word = f"{word} ban hành kèm theo Quyết định"
    numbered = f" số {number}" if number else ""
    return f"{word}{numbered} ngày {issued_on:%d/%m/%Y}"


def _require_scope(connection: Connection, org_code: str | None, plan_key: str | None) -> None:
    if org_code is not None:
        require_organization(connection, org_code)
    if plan_key is None:
        return
    pl, o = Plan.__table__.c, Organization.__table__.c  # type: ignore[attr-defined]
    query = select(pl["key"]).select_from(Plan).join(Organization, o.id == pl.organization_id)
    if org_code is not None:
        query = query.where(o.code == org_code)
    if connection.execute(query.where(pl["key"] == plan_key).limit(1)).first() is not None:
        return
    known = list(connection.execute(query.order_by(pl["key"]).limit(_KNOWN_SHOWN + 1)).scalars())
    listed = ", ".join(known[:_KNOWN_SHOWN]) + (", …" if len(known) > _KNOWN_SHOWN else "")
    raise NotFoundError(
        f"Không có kế hoạch '{plan_key}'"
        + (f" của đơn vị '{org_code}'" if org_code else "")
        + f" trong cơ sở dữ liệu (đã có: {listed or 'chưa có'}). "
        "Hãy nhập kế hoạch bằng 'sauro import'."
    )


def _ids(task_id: int | None, task_ids: Collection[int] | None) -> list[int] | None:
    if task_id is None:
        return None if task_ids is None else list(task_ids)
    return [task_id, *(task_ids or ())]


def _scope(
    query: Select[Any], org_code: str | None, plan_key: str | None, ids: list[int] | None = None
) -> Select[Any]:
    query = query.where(Task.state != TaskState.WITHDRAWN)  # type: ignore[arg-type]
    if ids is not None:
        query = query.where(col(Task.id).in_(ids))
    if org_code is not None:
        query = query.where(Organization.code == org_code)  # type: ignore[arg-type]
    if plan_key is not None:
        query = query.where(Plan.key == plan_key)  # type: ignore[arg-type]
    return query


def _task_query(org_code: str | None, plan_key: str | None, ids: list[int] | None) -> Select[Any]:
    person_unit = aliased(Unit)
    t, p = Task.__table__.c, Person.__table__.c  # type: ignore[attr-defined]
    pl, o = Plan.__table__.c, Organization.__table__.c  # type: ignore[attr-defined]
    query = (
        select(
            t.id, t.ref, t.work, t.area, t.person_text, p.name.label("person_name"),
            col(person_unit.code).label("person_unit"), t.lead_text, t.deadline_text,
            t.deadline_kind, t.deadline_resolved, t.deadline_reason, t.due_date,
            t.assigner, t.product, t.state, t.result, t.evidence,
            pl.number, pl.issued_on, pl.kind, pl["key"].label("plan_key"),
            o.code.label("org_code"),
        )
        .select_from(Task)
        .join(Plan, and_(pl.id == t.plan_id))
        .join(Organization, o.id == t.organization_id)
        .outerjoin(Person, p.id == t.person_id)
        .outerjoin(person_unit, person_unit.id == p.unit_id)
        .order_by(o.code, pl.key, t.position)
    )  # fmt: skip
    return _scope(query, org_code, plan_key, ids)


def _mentions(
    connection: Connection, org_code: str | None, plan_key: str | None, ids: list[int] | None
) -> dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]]:
    return _group(raw_rows(connection, _mentions_query(org_code, plan_key, ids)))


def _mentions_query(
    org_code: str | None, plan_key: str | None, ids: list[int] | None
) -> Select[Any]:
    tu, u = TaskUnit.__table__.c, Unit.__table__.c  # type: ignore[attr-defined]
    t, pl = Task.__table__.c, Plan.__table__.c  # type: ignore[attr-defined]
    o = Organization.__table__.c  # type: ignore[attr-defined]
    query = (
        select(tu.task_id, tu.role, tu.text, u.code, tu.collective)
        .select_from(TaskUnit)
        .join(Task, t.id == tu.task_id)
        .join(Plan, pl.id == t.plan_id)
        .join(Organization, o.id == t.organization_id)
        .outerjoin(Unit, u.id == tu.unit_id)
        .order_by(tu.task_id, tu.role, tu.position)
    )
    return _scope(query, org_code, plan_key, ids)


def _group(
    rows: Iterable[Any],
) -> dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]]:
    """Rows ordered by task, role, position -> per task (leads, coordinators)."""
    grouped: dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]] = {}
    seen: dict[tuple[str, str | None, bool], UnitMention] = {}  # one object per distinct mention
    current: int | None = None
    leads: list[UnitMention] = []
    coordinators: list[UnitMention] = []
    for task_id, role, text, code, collective in rows:  # collective: 0/1 on SQLite
        if task_id != current:
            if current is not None:
                grouped[current] = (tuple(leads), tuple(coordinators))
            current, leads, coordinators = task_id, [], []
        key = (text, code, bool(collective))
        mention = seen.get(key)
        if mention is None:
            mention = seen[key] = UnitMention(*key)
        (leads if role == UnitRole.LEAD else coordinators).append(mention)
    if current is not None:
        grouped[current] = (tuple(leads), tuple(coordinators))
    return grouped


def summarize(checks: Iterable[TaskCheck]) -> Iterator[tuple[Dimension, int, int]]:
    """Per dimension: (dimension, tasks clear, tasks checked)."""
    checks = list(checks)
    for dimension in Dimension:
        yield dimension, sum(c.clear[dimension] for c in checks), len(checks)
