"""Import a plan's task table into the database: one transaction, audited, idempotent.

file → raw tables → task table → parsed rows → drafts (deadline parsed, units resolved,
area resolved) → stored tasks. Re-importing the same plan (same number, or same file name
when it has no number) updates its tasks in place and audits every changed field; tasks
that left the plan are withdrawn, never deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from engine import audit
from engine.areas import AreaResolver
from engine.audit import Actor
from engine.config import Configs
from engine.deadlines import Deadline, parse_deadline
from engine.directory_store import OrgDirectory, get_organization, load_org_directory
from engine.importing.columns import find_task_table
from engine.importing.rows import ParsedRow, parse_rows
from engine.importing.tables import read_tables
from engine.models import (
    Milestone,
    PersonRole,
    Plan,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitRole,
    require_id,
)
from engine.text import clean, fold
from engine.unit_cells import split_units
from rules.facts import UnitMention

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class ImportOptions:
    """What the officer said on the command line."""

    path: Path
    org_code: str
    plan_number: str = ""
    plan_date: date | None = None
    year: int | None = None
    register_units: bool = False
    dry_run: bool = False
    table: int | None = None


@dataclass(frozen=True)
class TaskDraft:
    """One task as read from the file, before it is stored."""

    key: str
    position: int
    row: ParsedRow
    area: str | None
    deadline: Deadline
    lead: tuple[UnitMention, ...]
    coordinators: tuple[UnitMention, ...]
    person: tuple[str, str | None] | None  # (name, unit code) when resolved


@dataclass
class ImportResult:
    """What an import did (or, with --dry-run, would do)."""

    plan_key: str
    year: int | None
    year_source: str
    drafts: list[TaskDraft]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    registered_units: list[str] = field(default_factory=list)
    unknown_units: list[str] = field(default_factory=list)
    dry_run: bool = False


def read_drafts(options: ImportOptions, configs: Configs, directory: OrgDirectory) -> ImportResult:
    """Read the file into drafts without touching the database."""
    source = options.path.name
    layout = find_task_table(read_tables(options.path), configs.columns, table=options.table)
    areas = AreaResolver(configs.areas)
    rows = parse_rows(layout, source=source, areas=areas)
    year, year_source = _plan_year(options, rows)
    keys = _task_keys(rows)
    drafts = [
        _draft(
            key,
            position=position,
            row=row,
            year=year,
            configs=configs,
            directory=directory,
            areas=areas,
        )
        for position, (key, row) in enumerate(zip(keys, rows, strict=True), start=1)
    ]
    unknown = sorted({m.text for d in drafts for m in (*d.lead, *d.coordinators) if _unknown(m)})
    return ImportResult(
        plan_key=options.plan_number or options.path.stem,
        year=year,
        year_source=year_source,
        drafts=drafts,
        unknown_units=unknown,
        dry_run=options.dry_run,
    )


def _draft(
    key: str,
    *,
    position: int,
    row: ParsedRow,
    year: int | None,
    configs: Configs,
    directory: OrgDirectory,
    areas: AreaResolver,
) -> TaskDraft:
    patterns = configs.rules.collective_regexes
    resolver = directory.unit_resolver
    lead = split_units(row.lead, resolver=resolver, collective_patterns=patterns)
    lead_code = lead[0].unit_code if len(lead) == 1 else None
    person = (
        directory.person_resolver.resolve(row.person, unit_code=lead_code) if row.person else None
    )
    return TaskDraft(
        key=key,
        position=position,
        row=row,
        area=areas.resolve(row.area_text) or areas.resolve(row.group),
        deadline=parse_deadline(row.deadline, year=year, task_text=row.work),
        lead=lead,
        coordinators=split_units(row.coordinators, resolver=resolver, collective_patterns=patterns),
        person=person,
    )


def import_plan(
    *, session: Session, options: ImportOptions, configs: Configs, actor: Actor, now: datetime
) -> ImportResult:
    """Read and store a plan in the caller's transaction (the caller commits or rolls back)."""
    org = get_organization(session, options.org_code)
    directory = load_org_directory(session, org)
    result = read_drafts(options, configs, directory)
    if options.dry_run:
        return result
    if options.register_units and result.unknown_units:
        result.registered_units = _register_units(session, directory, result, actor, now)
        directory = load_org_directory(session, org)
        result = _with_registered(read_drafts(options, configs, directory), result)
    plan = _upsert_plan(
        session, directory=directory, options=options, result=result, actor=actor, now=now
    )
    _store_tasks(session, plan=plan, directory=directory, result=result, actor=actor, now=now)
    return result


def _with_registered(fresh: ImportResult, first: ImportResult) -> ImportResult:
    fresh.registered_units = first.registered_units
    return fresh


def _unknown(mention: UnitMention) -> bool:
    return mention.unit_code is None and not mention.collective


def _plan_year(options: ImportOptions, rows: Sequence[ParsedRow]) -> tuple[int | None, str]:
    """The year a deadline cell means when it omits one: --year, else the year most deadline
    cells name, else the plan date's year. The choice is reported, never silent."""
    if options.year:
        return options.year, "--year"
    years = Counter(int(y) for row in rows for y in _YEAR.findall(row.deadline))
    if years:
        return years.most_common(1)[0][0], "năm xuất hiện nhiều nhất trong cột thời hạn"
    if options.plan_date:
        return options.plan_date.year, "năm của ngày kế hoạch"
    return None, "không xác định"


def _task_keys(rows: Sequence[ParsedRow]) -> list[str]:
    """A stable identity per task: the plan's own reference when unique, else section + ref,
    else the row order."""
    refs = [row.ref for row in rows]
    if all(refs) and len(set(refs)) == len(refs):
        return refs
    groups: dict[str, int] = {}
    keys: list[str] = []
    for position, row in enumerate(rows, start=1):
        section = groups.setdefault(row.group, len(groups) + 1)
        keys.append(f"{section}:{row.ref}" if row.ref else f"#{position}")
    if len(set(keys)) != len(keys):
        return [f"#{position}" for position in range(1, len(rows) + 1)]
    return keys


def _register_units(
    session: Session, directory: OrgDirectory, result: ImportResult, actor: Actor, now: datetime
) -> list[str]:
    org_id = require_id(directory.organization)
    taken = set(directory.units)
    names: list[str] = []
    for text in result.unknown_units:
        name = clean(text).strip(" ,;.-")
        code = _free_code(fold(name).replace(" ", "-")[:60] or "don-vi", taken)
        taken.add(code)
        unit = Unit(organization_id=org_id, code=code, name=name, registered_by_import=True)
        session.add(unit)
        session.flush()
        audit.record(
            session,
            organization_id=org_id,
            entity="unit",
            entity_id=require_id(unit),
            action="create",
            changes=(audit.Change("name", None, name),),
            actor=actor,
            now=now,
        )
        names.append(name)
    return names


def _free_code(code: str, taken: set[str]) -> str:
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}-{n}"
    return candidate


def _upsert_plan(
    session: Session,
    *,
    directory: OrgDirectory,
    options: ImportOptions,
    result: ImportResult,
    actor: Actor,
    now: datetime,
) -> Plan:
    org = directory.organization
    org_id = require_id(org)
    values: dict[str, Any] = {
        "number": options.plan_number,
        "issued_on": options.plan_date,
        "issuer": org.name,
        "signer": _chairman(directory),
        "year": result.year,
        "source_file": options.path.name,
        "imported_at": now,
    }
    plan = session.exec(
        select(Plan).where(Plan.organization_id == org_id, Plan.key == result.plan_key)
    ).first()
    if plan is None:
        plan = Plan(organization_id=org_id, key=result.plan_key, **values)
        session.add(plan)
        session.flush()
        audit.record(
            session,
            organization_id=org_id,
            entity="plan",
            entity_id=require_id(plan),
            action="create",
            changes=(),
            actor=actor,
            now=now,
        )
        return plan
    changes = [c for c in audit.apply_changes(plan, values) if c.field != "imported_at"]
    if changes:
        audit.record(
            session,
            organization_id=org_id,
            entity="plan",
            entity_id=require_id(plan),
            action="update",
            changes=changes,
            actor=actor,
            now=now,
        )
    return plan


def _chairman(directory: OrgDirectory) -> str:
    return next((p.name for p in directory.people if p.role == PersonRole.CHAIRMAN), "")


def _assigner(directory: OrgDirectory) -> str:
    """The Chairman signs the plan, so assigns its tasks and accepts their results."""
    name = _chairman(directory)
    return f"Chủ tịch {directory.organization.name} ({name})" if name else ""


def _task_values(draft: TaskDraft, directory: OrgDirectory) -> dict[str, Any]:
    row, deadline = draft.row, draft.deadline
    single = draft.lead[0] if len(draft.lead) == 1 else None
    lead_unit = directory.units.get(single.unit_code or "") if single else None
    return {
        "ref": row.ref,
        "position": draft.position,
        "work": row.work,
        "area": draft.area,
        "group_label": row.group,
        "person_text": row.person,
        "person_id": _personrequire_id(draft, directory),
        "lead_text": row.lead,
        "lead_unit_id": lead_unit.id if lead_unit else None,
        "coordinators_text": row.coordinators,
        "deadline_text": row.deadline,
        "deadline_kind": str(deadline.kind),
        "due_date": deadline.due,
        "start_date": deadline.start,
        "recurrence": deadline.recurrence,
        "deadline_resolved": deadline.resolved,
        "deadline_reason": deadline.reason,
        "assigner": _assigner(directory),
        "product": row.product,
        "budget": row.budget,
        "note": row.note,
        "raw_cells": row.raw,
        "source_row": f"bảng {row.table}, dòng {row.row}",
    }


def _personrequire_id(draft: TaskDraft, directory: OrgDirectory) -> int | None:
    if draft.person is None:
        return None
    name, unit_code = draft.person
    unit = directory.units.get(unit_code or "")
    unit_id = unit.id if unit else None
    return next((p.id for p in directory.people if p.name == name and p.unit_id == unit_id), None)


def _store_tasks(
    session: Session,
    *,
    plan: Plan,
    directory: OrgDirectory,
    result: ImportResult,
    actor: Actor,
    now: datetime,
) -> None:
    plan_id, org_id = require_id(plan), require_id(directory.organization)
    existing = {t.key: t for t in session.exec(select(Task).where(Task.plan_id == plan_id))}
    for draft in result.drafts:
        values = _task_values(draft, directory)
        task = existing.pop(draft.key, None)
        if task is None:
            task = Task(organization_id=org_id, plan_id=plan_id, key=draft.key, **values)
            task.created_at = task.updated_at = now
            session.add(task)
            session.flush()
            _audit_task(session, task=task, action="create", changes=[], actor=actor, now=now)
            _store_parts(session, task, draft, directory)
            result.created += 1
            continue
        changes = audit.apply_changes(task, values)
        if task.state == TaskState.WITHDRAWN:
            changes += audit.apply_changes(task, {"state": str(TaskState.OPEN)})
        if not changes:
            result.unchanged += 1
            continue
        task.version += 1
        task.updated_at = now
        _audit_task(session, task=task, action="update", changes=changes, actor=actor, now=now)
        _store_parts(session, task, draft, directory)
        result.updated += 1
    for task in existing.values():
        if task.state != TaskState.WITHDRAWN:
            changes = audit.apply_changes(task, {"state": str(TaskState.WITHDRAWN)})
            task.updated_at = now
            _audit_task(
                session, task=task, action="withdraw", changes=changes, actor=actor, now=now
            )
            result.withdrawn += 1


def _audit_task(
    session: Session,
    *,
    task: Task,
    action: str,
    changes: Sequence[audit.Change],
    actor: Actor,
    now: datetime,
) -> None:
    audit.record(
        session,
        organization_id=task.organization_id,
        entity="task",
        entity_id=require_id(task),
        action=action,
        changes=changes,
        actor=actor,
        now=now,
    )


def _store_parts(session: Session, task: Task, draft: TaskDraft, directory: OrgDirectory) -> None:
    """Replace the task's unit mentions and milestones: both derive from audited cells."""
    task_id = require_id(task)
    session.exec(delete(TaskUnit).where(col(TaskUnit.task_id) == task_id))
    session.exec(delete(Milestone).where(col(Milestone.task_id) == task_id))
    for role, mentions in ((UnitRole.LEAD, draft.lead), (UnitRole.COORDINATOR, draft.coordinators)):
        for position, mention in enumerate(mentions):
            unit = directory.units.get(mention.unit_code or "")
            session.add(
                TaskUnit(
                    task_id=task_id,
                    role=str(role),
                    position=position,
                    text=mention.text[:255],
                    unit_id=unit.id if unit else None,
                    collective=mention.collective,
                )
            )
    for position, milestone in enumerate(draft.deadline.milestones):
        session.add(
            Milestone(
                task_id=task_id, position=position, due_date=milestone.due, text=milestone.text
            )
        )
