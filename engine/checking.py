"""The 6-rõ check over stored tasks: one set-based read, then the pure rules.

Reads the columns the rules need with two Core queries (tasks, then the unit mentions of
those tasks), builds ``TaskFacts`` and runs ``rules.six_clear.evaluate`` on each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from engine.models import Organization, Person, Plan, Task, TaskState, TaskUnit, Unit, UnitRole
from rules.facts import Dimension, Finding, TaskFacts, UnitMention
from rules.schema import RulesConfig
from rules.six_clear import Evaluator, clear_map


@dataclass(frozen=True, slots=True)
class TaskCheck:
    """The verdict on one task: which dimensions are clear and the findings behind it."""

    task_id: int
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
            "clear": {str(d): ok for d, ok in self.clear.items()},
            "findings": [
                {
                    "dimension": str(f.dimension),
                    "code": f.code,
                    "severity": str(f.severity),
                    "message": f.message,
                    "fix": f.fix,
                }
                for f in self.findings
            ],
        }


def check_tasks(
    connection: Connection,
    *,
    rules: RulesConfig,
    org_code: str | None = None,
    plan_key: str | None = None,
) -> list[TaskCheck]:
    """Check every current task of an organization (or all, with ``org_code=None``)."""
    rows = connection.execute(_task_query(org_code, plan_key)).all()
    mentions = _mentions(connection, org_code, plan_key)
    evaluator = Evaluator(rules)
    none: tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]] = ((), ())
    return [_judge(row, mentions.get(row[0], none), evaluator) for row in rows]


def _judge(
    row: Any, parts: tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]], evaluator: Evaluator
) -> TaskCheck:
    (task_id, ref, work, area, person_text, person_name, person_unit, lead_text,
     deadline_text, deadline_kind, deadline_resolved, deadline_reason, due, assigner,
     product, state, result, evidence, number, issued_on, plan, org) = row  # fmt: skip
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
        deadline_resolved=deadline_resolved,
        deadline_reason=deadline_reason,
        due=due,
        plan_date=issued_on,
        assigner=assigner,
        basis=plan_basis(number, issued_on),
        product=product,
        done=state == TaskState.DONE,
        result=result,
        evidence=evidence,
    )
    findings = evaluator.evaluate(facts)
    return TaskCheck(task_id, org, plan, ref, work, clear_map(findings), findings)


@lru_cache(maxsize=4096)
def plan_basis(number: str, issued_on: date | None) -> str:
    """The legal basis of a plan's tasks: "Kế hoạch số 3838/KH-UBND ngày 28/12/2023"."""
    if not number or issued_on is None:
        return ""
    return f"Kế hoạch số {number} ngày {issued_on:%d/%m/%Y}"


def _scope(query: Select[Any], org_code: str | None, plan_key: str | None) -> Select[Any]:
    query = query.where(Task.state != TaskState.WITHDRAWN)  # type: ignore[arg-type]
    if org_code is not None:
        query = query.where(Organization.code == org_code)  # type: ignore[arg-type]
    if plan_key is not None:
        query = query.where(Plan.key == plan_key)  # type: ignore[arg-type]
    return query


def _task_query(org_code: str | None, plan_key: str | None) -> Select[Any]:
    person_unit = aliased(Unit)
    t, p = Task.__table__.c, Person.__table__.c  # type: ignore[attr-defined]
    pl, o = Plan.__table__.c, Organization.__table__.c  # type: ignore[attr-defined]
    query = (
        select(
            t.id, t.ref, t.work, t.area, t.person_text, p.name.label("person_name"),
            col(person_unit.code).label("person_unit"), t.lead_text, t.deadline_text,
            t.deadline_kind, t.deadline_resolved, t.deadline_reason, t.due_date,
            t.assigner, t.product, t.state, t.result, t.evidence,
            pl.number, pl.issued_on, pl["key"].label("plan_key"), o.code.label("org_code"),
        )
        .select_from(Task)
        .join(Plan, and_(pl.id == t.plan_id))
        .join(Organization, o.id == t.organization_id)
        .outerjoin(Person, p.id == t.person_id)
        .outerjoin(person_unit, person_unit.id == p.unit_id)
        .order_by(o.code, pl.key, t.position)
    )  # fmt: skip
    return _scope(query, org_code, plan_key)


def _mentions(
    connection: Connection, org_code: str | None, plan_key: str | None
) -> dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]]:
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
    return _group(connection.execute(_scope(query, org_code, plan_key)))


def _group(
    rows: Iterable[Any],
) -> dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]]:
    """Rows ordered by task, role, position -> per task (leads, coordinators)."""
    grouped: dict[int, tuple[tuple[UnitMention, ...], tuple[UnitMention, ...]]] = {}
    seen: dict[tuple[str, str | None, bool], UnitMention] = {}  # one object per distinct mention
    current: int | None = None
    leads: list[UnitMention] = []
    coordinators: list[UnitMention] = []
    for task_id, role, text, code, collective in rows:
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
