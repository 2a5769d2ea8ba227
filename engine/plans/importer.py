"""Import a plan's task table into the database: one transaction, audited, idempotent.

file → raw tables → task table → parsed rows (or, for an assigning document given as text,
its proposed tasks: ``engine.plans.document_rows``) → drafts (deadline parsed, units resolved,
area resolved, authority attached) → 6-rõ verdicts → stored tasks. Everything up to the
verdicts reads no table but the directory, so ``--dry-run`` shows exactly what an import
would store. Re-importing the same plan (same number, or same file name when it has no
number) updates its tasks in place and audits every changed field; tasks that left the plan
are withdrawn, never deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from engine.calendar.deadlines import Deadline, DeadlineKind, parse_deadline
from engine.calendar.status import local_date
from engine.calendar.workdays import weekly_due_weekday
from engine.configs.files import Configs
from engine.directory.bodies import CLASSIFIER
from engine.directory.store import OrgDirectory, get_organization, load_org_directory
from engine.directory.unit_cells import split_units
from engine.errors import ImportFileError, Location, Problem, SauroError
from engine.importing.areas import AreaResolver
from engine.importing.columns import TableLayout, find_task_table
from engine.importing.document_text import DocumentReading, Skipped
from engine.importing.rows import ParsedRow, parse_rows
from engine.importing.tables import RawTable, read_tables
from engine.plans.check import BASIS_WORDS, TaskCheck, check_drafts, plan_basis
from engine.plans.document_rows import document_rows, read_document
from engine.plans.drafts import ASSIGNER_CHAIRMAN, ASSIGNER_SIGNER, Authority, TaskDraft
from engine.plans.verdicts import rules_fingerprint, unclear_dimensions
from engine.store import audit
from engine.store.audit import Actor
from engine.store.bulk import collector_paused, insert_many
from engine.store.models import (
    DocumentKind,
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
from rules.facts import UnitMention

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# Where a task sits in the file: kept current on re-import, but not a change of the task
# (dropping one row must not "update" every task below it).
_PLACEMENT = frozenset({"position", "source_row"})


def _max_length(model: type[SQLModel], column: str) -> int:
    """The declared length of a string column, so checks follow the schema."""
    return int(model.__table__.c[column].type.length)  # type: ignore[attr-defined]


_REF_MAX = _max_length(Task, "ref")
_NUMBER_MAX = _max_length(Plan, "number")
_KEY_MAX = _max_length(Plan, "key")
_TEXT_MAX = _max_length(TaskUnit, "text")


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
    # The kind of document (``DocumentKind``); "" = as its text says, else a plan.
    kind: str = ""
    # Rows the user edited in a preview, read instead of the file (which still names the
    # source): an assigning document's proposed tasks, corrected, dropped or added to.
    rows: tuple[ParsedRow, ...] | None = None

    @property
    def plan_key(self) -> str:
        """The plan's identity across re-imports: its number, else the file name."""
        return self.plan_number or self.path.stem[:_KEY_MAX]


@dataclass
class ImportResult:
    """What an import did (or, with --dry-run, would do), with the verdict on each draft."""

    organization: str
    plan_key: str
    year: int | None
    year_source: str
    authority: Authority
    drafts: list[TaskDraft]
    checks: list[TaskCheck]  # one per draft, same order
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    registered_units: list[str] = field(default_factory=list)
    # Names --register-units left out: posts ("Chủ tịch UBND xã"), not units.
    not_registered: list[str] = field(default_factory=list)
    unknown_units: list[str] = field(default_factory=list)
    dry_run: bool = False
    register_units: bool = False
    kind: str = DocumentKind.PLAN
    skipped: tuple[Skipped, ...] = ()  # an assigning document's paragraphs not read as tasks
    # Section headings that name no CCHC area, each once, with how many tasks they hold.
    unmatched_sections: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class SourceRows:
    """What a file gives: its task rows, the options completed by what an assigning
    document says of itself (its number, date and kind, unless the officer gave them), and
    the document's paragraphs not read as tasks, with why."""

    options: ImportOptions
    rows: list[ParsedRow]
    skipped: tuple[Skipped, ...] = ()
    signer: str = ""  # who signed the document, when it names them


def read_source(options: ImportOptions, configs: Configs, areas: AreaResolver) -> SourceRows:
    """The task rows of the file; raises ``ImportFileError`` naming file, table, row, column."""
    edited = list(options.rows) if options.rows is not None else None
    tables = _docx_tables(options.path)  # a .docx is read once, table or text
    reading = read_document(options.path, configs.columns, tables)
    if not isinstance(reading, DocumentReading):  # a table file
        found = reading if options.table is None else None  # --table: that one is looked up
        return SourceRows(options, edited or read_rows(options, configs, areas, tables, found))
    header = reading.header
    # A plan in prose often has no number of its own, only its caption: "(Kèm theo Quyết
    # định số 465/QĐ-UBND ngày 23/4/2026)".
    attached = header.attached
    number = header.number or (attached.number if attached else "")
    completed = replace(
        options,
        plan_number=options.plan_number or number[:_NUMBER_MAX],
        plan_date=options.plan_date
        or header.issued_on
        or (attached and attached.issued_on)
        or None,
        kind=options.kind or header.kind or DocumentKind.PLAN,
    )
    rows = edited if edited is not None else document_rows(reading, options.path.name, areas)
    return SourceRows(completed, rows, reading.skipped, header.signer)


def _docx_tables(path: Path) -> list[RawTable] | None:
    """The tables of a .docx, which may hold a task table or an assigning document's text."""
    return read_tables(path) if path.suffix.lower() == ".docx" and path.is_file() else None


def read_rows(
    options: ImportOptions,
    configs: Configs,
    areas: AreaResolver,
    tables: list[RawTable] | None = None,
    layout: TableLayout | None = None,
) -> list[ParsedRow]:
    """The task rows of a table file (``tables``: its tables, ``layout``: its task table,
    when found already)."""
    source = options.path.name
    if layout is None:
        tables = read_tables(options.path) if tables is None else tables
        layout = find_task_table(tables, configs.columns, table=options.table)
    rows = parse_rows(layout, source=source, areas=areas)
    if not rows:
        where = Location(file=source, table=layout.table, row=layout.header_row)
        raise ImportFileError(
            f"Bảng nhiệm vụ của tệp {source} không có nhiệm vụ nào",
            [Problem(where, "không có dòng nhiệm vụ nào dưới dòng tiêu đề")],
        )
    _check_refs(rows, layout, source)
    return rows


def _check_refs(rows: Sequence[ParsedRow], layout: TableLayout, source: str) -> None:
    """A number cell holding a sentence is a misplaced cell, not a task number."""
    column = layout.header_of("ref") or layout.header_of("work")
    problems = [
        Problem(
            Location(file=source, table=row.table, row=row.row, column=column),
            f"số thứ tự '{_fit(row.ref, 40)}' dài hơn {_REF_MAX} ký tự",
        )
        for row in rows
        if len(row.ref) > _REF_MAX
    ]
    if problems:
        raise ImportFileError(
            f"Không nhập được tệp {source}: cột số thứ tự có nội dung không phải số thứ tự",
            problems,
        )


def _drafts_result(
    options: ImportOptions,
    configs: Configs,
    directory: OrgDirectory,
    source: SourceRows,
    areas: AreaResolver,
) -> ImportResult:
    rows = source.rows
    year, year_source = _plan_year(options, rows)
    kind = options.kind or DocumentKind.PLAN
    authority = Authority(
        assigner=_assigner(directory, source.signer, kind),
        assigner_source=ASSIGNER_SIGNER if source.signer else ASSIGNER_CHAIRMAN,
        basis=plan_basis(options.plan_number, options.plan_date, kind),
        plan_date=options.plan_date,
    )
    context = _DraftContext(year, authority, configs, directory, areas)
    drafts = [
        _draft(key, position, row, context)
        for position, (key, row) in enumerate(zip(_task_keys(rows), rows, strict=True), 1)
    ]
    checks = check_drafts(
        drafts, rules=configs.rules, organization=directory.organization.code,
        plan=options.plan_key,
    )  # fmt: skip
    org_code = directory.organization.code
    return ImportResult(
        organization=org_code,
        plan_key=options.plan_key,
        year=year,
        year_source=year_source,
        authority=authority,
        drafts=drafts,
        checks=checks,
        unknown_units=_unknown_units(drafts),
        dry_run=options.dry_run,
        register_units=options.register_units,
        kind=kind,
        skipped=source.skipped,
        unmatched_sections=_unmatched_sections(drafts),
    )


@dataclass
class _DraftContext:
    """What every draft of one plan is read with, and what was read already.

    A plan repeats its cells (a merged lead cell fills a run of rows; a handful of
    deadlines and units recur), so each distinct cell is read once: the readers are pure.
    """

    year: int | None
    authority: Authority
    configs: Configs
    directory: OrgDirectory
    areas: AreaResolver
    _units: dict[str, tuple[UnitMention, ...]] = field(default_factory=dict)
    _deadlines: dict[str, Deadline] = field(default_factory=dict)
    _no_deadline: dict[str, bool] = field(default_factory=dict)  # the cell gives no deadline
    _people: dict[tuple[str, str | None], tuple[str, str | None] | None] = field(
        default_factory=dict
    )
    _area_codes: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def units(self, cell: str) -> tuple[UnitMention, ...]:
        """The mentions of a lead or coordinator cell."""
        found = self._units.get(cell)
        if found is None:
            found = self._units[cell] = split_units(
                cell,
                resolver=self.directory.unit_resolver,
                collective_patterns=self.configs.rules.collective_regexes,
            )
        return found

    def deadline(self, cell: str, task_text: str) -> Deadline:
        """The deadline cell read; an empty one is read from the task's text instead, so
        only a cell that gives no deadline by itself is read again with the task."""
        found = self._deadlines.get(cell)
        weekly = weekly_due_weekday(self.configs.calendar)
        if found is None:
            found = parse_deadline(cell, year=self.year, weekly_due=weekly)
            self._deadlines[cell] = found
            self._no_deadline[cell] = found == _no_deadline(cell)
        if self._no_deadline[cell]:
            return parse_deadline(cell, year=self.year, task_text=task_text, weekly_due=weekly)
        return found

    def person(self, name: str, unit_code: str | None) -> tuple[str, str | None] | None:
        """The person cell resolved within the lead unit (None when empty or unknown)."""
        if not name:
            return None
        key = (name, unit_code)
        if key not in self._people:
            resolver = self.directory.person_resolver
            self._people[key] = resolver.resolve(name, unit_code=unit_code)
        return self._people[key]

    def area(self, area_text: str, group: str) -> str | None:
        """The area code of the area cell, else of the section label."""
        key = (area_text, group)
        if key not in self._area_codes:
            self._area_codes[key] = self.areas.resolve(area_text) or self.areas.resolve(group)
        return self._area_codes[key]


def _no_deadline(cell: str) -> Deadline:
    """What ``parse_deadline`` says of a cell with no deadline when the task says none."""
    return Deadline(clean(cell), DeadlineKind.NONE, reason="Chưa ghi thời hạn")


def _draft(key: str, position: int, row: ParsedRow, context: _DraftContext) -> TaskDraft:
    lead = context.units(row.lead)
    lead_code = lead[0].unit_code if len(lead) == 1 else None
    return TaskDraft(
        key=key,
        position=position,
        row=row,
        area=context.area(row.area_text, row.group),
        deadline=context.deadline(row.deadline, row.work),
        lead=lead,
        coordinators=context.units(row.coordinators),
        person=context.person(row.person, lead_code),
        authority=context.authority,
    )


def _unmatched_sections(drafts: Iterable[TaskDraft]) -> list[tuple[str, int]]:
    """The section headings (in file order) whose tasks got no area, with their task count."""
    counts = Counter(d.row.group for d in drafts if d.area is None and d.row.group)
    return list(counts.items())


def _unknown_units(drafts: Iterable[TaskDraft]) -> list[str]:
    mentions = (m for d in drafts for m in (*d.lead, *d.coordinators))
    return sorted({m.text for m in mentions if m.unit_code is None and not m.collective})


def import_plan(
    *, session: Session, options: ImportOptions, configs: Configs, actor: Actor, now: datetime
) -> ImportResult:
    """Read and store a plan in the caller's transaction (the caller commits or rolls back).

    Every check that can fail on the file or the options runs before the first write, so
    an error leaves the transaction untouched; with ``dry_run`` nothing is written at all.
    The cyclic garbage collector is paused meanwhile: reading and storing a plan builds
    hundreds of thousands of small objects (elements, cells, rows, drafts, findings), and
    its passes over them took a quarter of the import (the file's bounds cap the memory).
    """
    with collector_paused():
        return _import_plan(session=session, options=options, configs=configs, actor=actor, now=now)


def _import_plan(
    *, session: Session, options: ImportOptions, configs: Configs, actor: Actor, now: datetime
) -> ImportResult:
    _check_options(options)
    org = get_organization(session, options.org_code)
    directory = load_org_directory(session, org)
    areas = AreaResolver(configs.areas)
    source = read_source(options, configs, areas)
    options = source.options
    result = _drafts_result(options, configs, directory, source, areas)
    if options.dry_run:
        return result
    if options.register_units and result.unknown_units:
        registered, posts = _register_units(session, directory, result.unknown_units, actor, now)
        directory = load_org_directory(session, org)
        result = _drafts_result(options, configs, directory, source, areas)
        result.registered_units = registered
        result.not_registered = posts
    plan = _upsert_plan(
        session, directory=directory, options=options, result=result, actor=actor, now=now
    )
    verdicts = _Verdicts(rules_fingerprint(configs.rules), local_date(now))
    _TaskStore(session, plan, directory, actor, now, verdicts).store(result)
    return result


def _check_options(options: ImportOptions) -> None:
    if len(options.plan_number) > _NUMBER_MAX:
        raise SauroError(
            f"Số kế hoạch dài quá {_NUMBER_MAX} ký tự",
            [Problem(Location(field="--plan-number"), f"'{options.plan_number[:80]}…'")],
        )


def _plan_year(options: ImportOptions, rows: Sequence[ParsedRow]) -> tuple[int | None, str]:
    """The year a deadline cell means when it omits one: --year, else the year most deadline
    cells name, else the plan date's year. The choice is reported, never silent."""
    if options.year:
        return options.year, "--year"
    cells = Counter(row.deadline for row in rows)  # a few deadlines recur: each read once
    years: Counter[int] = Counter()
    for cell, count in cells.items():
        for year in _YEAR.findall(cell):
            years[int(year)] += count
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
    session: Session, directory: OrgDirectory, unknown: Sequence[str], actor: Actor, now: datetime
) -> tuple[list[str], list[str]]:
    """Add the unknown units to the directory: an outside body's name ("Sở Y tế", "UBND
    tỉnh") as an external unit, a post's ("Chủ tịch UBND xã") not at all. Returns the names
    registered and the posts left out."""
    org_id = require_id(directory.organization)
    taken = set(directory.units)
    names: list[str] = []
    posts: list[str] = []
    for text in unknown:
        name = _fit(clean(text).strip(" ,;.-"), _max_length(Unit, "name"))
        kind = CLASSIFIER.kind(name)
        if kind == "post":
            posts.append(name)
            continue
        code = _free_code(fold(name).replace(" ", "-")[:60] or "don-vi", taken)
        taken.add(code)
        unit = Unit(
            organization_id=org_id, code=code, name=name, kind=kind, registered_by_import=True
        )
        session.add(unit)
        session.flush()
        changes = [audit.Change("name", None, name)]
        if kind == "external":
            changes.append(audit.Change("kind", None, kind))
        audit.record(
            session,
            organization_id=org_id,
            entity="unit",
            entity_id=require_id(unit),
            action="create",
            changes=changes,
            actor=actor,
            now=now,
        )
        names.append(name)
    return names, posts


def _free_code(code: str, taken: set[str]) -> str:
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}-{n}"
    return candidate


def _fit(text: str, length: int) -> str:
    """``text`` cut to a column's length, marked with "…" when cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


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
        "kind": options.kind or DocumentKind.PLAN,
        "imported_at": now,
        "withdrawn_at": None,  # imported again after a withdrawal: in force again
    }
    plan = _find_plan(session, org_id, result.plan_key, options)
    if plan is None:
        plan = Plan(organization_id=org_id, key=result.plan_key, **values)
        session.add(plan)
        session.flush()
        audit.record_of(
            session, plan, organization_id=org_id, action="create", changes=(), actor=actor, now=now
        )
        return plan
    values["key"] = result.plan_key
    changes = [c for c in audit.apply_changes(plan, values) if c.field != "imported_at"]
    if changes:
        audit.record_of(
            session,
            plan,
            organization_id=org_id,
            action="update",
            changes=changes,
            actor=actor,
            now=now,
        )
    return plan


def _find_plan(session: Session, org_id: int, key: str, options: ImportOptions) -> Plan | None:
    """The stored plan this file updates: the one with this key, or, when the officer now
    gives the number of a plan first imported without one, that plan (same file name)."""
    plan = session.exec(select(Plan).where(Plan.organization_id == org_id, Plan.key == key)).first()
    if plan is not None or not options.plan_number:
        return plan
    return session.exec(
        select(Plan).where(
            Plan.organization_id == org_id,
            Plan.key == options.path.stem,
            Plan.number == "",
            Plan.source_file == options.path.name,
        )
    ).first()


def _chairman(directory: OrgDirectory) -> str:
    return next((p.name for p in directory.people if p.role == PersonRole.CHAIRMAN), "")


def _assigner(directory: OrgDirectory, signer: str, kind: str) -> str:
    """Who signed the document assigns its tasks and accepts their results; when the file
    names no signer, the Chairman of the directory."""
    if signer:
        text = f"{signer}, người ký {BASIS_WORDS.get(kind, BASIS_WORDS[DocumentKind.PLAN]).lower()}"
    else:
        name = _chairman(directory)
        text = f"Chủ tịch {directory.organization.name} ({name})" if name else ""
    return _fit(text, _max_length(Task, "assigner"))


# -- storing tasks and their parts (unit mentions, milestones) -------------------------------

_UnitPart = tuple[str, int, str, int | None, bool]  # role, position, text, unit id, collective
_MilestonePart = tuple[int, date, str]  # position, due date, text


@dataclass(frozen=True)
class _Parts:
    """The rows a task owns in ``task_unit`` and ``milestone``, comparable across imports."""

    units: tuple[_UnitPart, ...] = ()
    milestones: tuple[_MilestonePart, ...] = ()


@dataclass(frozen=True)
class _Verdicts:
    """How a new task's 6-rõ verdict is stored: stamped with the rules judged by, a failing
    one counting from ``today`` (as ``engine.plans.verdicts.refresh_verdicts`` stores it)."""

    rules_stamp: str
    today: date

    def values(self, check: TaskCheck) -> dict[str, Any]:
        """The verdict columns of a task created at version 1."""
        unclear = unclear_dimensions(check)
        return {
            "version": 1,
            "unclear": unclear,
            "unclear_since": self.today if unclear else None,
            "judged_version": 1,
            "judged_rules": self.rules_stamp,
        }


@dataclass
class _TaskStore:
    """Writes one plan's drafts: creates, updates and withdraws tasks, audits every change.

    Reads the plan's tasks and parts once; inserts new tasks, parts and audit rows in bulk
    (the audit rows of updates, then of creations, then of withdrawals). A new task is
    stored with the verdict the import gave it; an updated one is judged again by the
    refresh that follows (its version changed).
    """

    session: Session
    plan: Plan
    directory: OrgDirectory
    actor: Actor
    now: datetime
    verdicts: _Verdicts
    _unit_parts: dict[tuple[int, int], tuple[_UnitPart, ...]] = field(default_factory=dict)

    def store(self, result: ImportResult) -> None:
        plan_id = require_id(self.plan)
        tasks = self.session.exec(select(Task).where(Task.plan_id == plan_id))
        existing = {task.key: task for task in tasks}
        stored = _stored_parts(self.session, plan_id) if existing else {}
        created: list[tuple[TaskDraft, TaskCheck, _Parts]] = []
        rewritten: dict[int, _Parts] = {}
        updates: list[audit.Entry] = []
        for draft, check in zip(result.drafts, result.checks, strict=True):
            parts = self._parts(draft)
            task = existing.pop(draft.key, None)
            if task is None:
                created.append((draft, check, parts))
            elif update := self._update(task, draft, stored.get(require_id(task), _Parts()), parts):
                rewritten[require_id(task)] = parts
                updates.append(update)
            else:
                result.unchanged += 1
        self._record(updates)
        new_parts = self._create(created)
        withdrawals = [entry for task in existing.values() if (entry := self._withdraw(task))]
        self._record(withdrawals)
        result.created, result.updated, result.withdrawn = (
            len(created), len(updates), len(withdrawals)
        )  # fmt: skip
        _write_parts(self.session, rewritten, new_parts)

    def _create(self, created: list[tuple[TaskDraft, TaskCheck, _Parts]]) -> dict[int, _Parts]:
        """Insert the new tasks, with their verdicts, and their "create" audit rows in bulk
        (Core, not one ORM object per task: a plan has thousands); returns their parts by
        the new ids."""
        if not created:
            return {}
        self.session.flush()  # what the ORM holds goes first, as it always did
        org_id, plan_id = require_id(self.directory.organization), require_id(self.plan)
        rows = [
            {"organization_id": org_id, "plan_id": plan_id, "key": draft.key,
             **_task_values(draft, self.directory), **self.verdicts.values(check),
             "created_at": self.now, "updated_at": self.now}
            for draft, check, _ in created
        ]  # fmt: skip
        connection = self.session.connection()
        t = Task.__table__  # type: ignore[attr-defined]
        insert_many(connection, t, rows)  # one executemany, no RETURNING round trips
        stored = connection.execute(sa.select(t.c.key, t.c.id).where(t.c.plan_id == plan_id))
        by_key = {key: task_id for key, task_id in stored}
        ids = [by_key[draft.key] for draft, _, _ in created]
        self._record([audit.Entry(task_id, "create") for task_id in ids])
        return {task_id: parts for task_id, (_, _, parts) in zip(ids, created, strict=True)}

    def _update(self, task: Task, draft: TaskDraft, old: _Parts, new: _Parts) -> audit.Entry | None:
        """Apply the draft to a stored task; its audit entry when anything but its placement
        changed."""
        values = _keep_extension(task, _task_values(draft, self.directory))
        changes = [c for c in audit.apply_changes(task, values) if c.field not in _PLACEMENT]
        if any(c.field == "due_date" for c in changes):  # a new date re-arms the reminders
            changes += audit.apply_changes(task, {"deadline_version": task.deadline_version + 1})
        if task.state == TaskState.WITHDRAWN:
            changes += audit.apply_changes(task, {"state": str(TaskState.OPEN)})
        changes += self._part_changes(old, new)
        if not changes:
            return None
        task.version += 1
        task.updated_at = self.now
        return audit.Entry(require_id(task), "update", changes)

    def _withdraw(self, task: Task) -> audit.Entry | None:
        """A task no longer in the plan: withdrawn (kept, audited), never deleted."""
        if task.state == TaskState.WITHDRAWN:
            return None
        changes = audit.apply_changes(task, {"state": str(TaskState.WITHDRAWN)})
        task.version += 1
        task.updated_at = self.now
        return audit.Entry(require_id(task), "withdraw", changes)

    def _parts(self, draft: TaskDraft) -> _Parts:
        milestones = tuple(
            (position, m.due, _fit(m.text, _TEXT_MAX))
            for position, m in enumerate(draft.deadline.milestones)
        )
        # The drafts share one tuple of mentions per distinct cell (``_DraftContext.units``)
        # and outlive the store: the parts of a pair of tuples are made once.
        key = (id(draft.lead), id(draft.coordinators))
        unit_parts = self._unit_parts.get(key)
        if unit_parts is None:
            unit_parts = self._unit_parts[key] = self._mention_parts(draft)
        return _Parts(unit_parts, milestones)

    def _mention_parts(self, draft: TaskDraft) -> tuple[_UnitPart, ...]:
        units = self.directory.units
        mentions = ((UnitRole.LEAD, draft.lead), (UnitRole.COORDINATOR, draft.coordinators))
        unit_parts = [
            (str(role), position, _fit(m.text, _TEXT_MAX), _unit_id(units, m), m.collective)
            for role, group in mentions
            for position, m in enumerate(group)
        ]
        return tuple(sorted(unit_parts, key=lambda p: (p[0], p[1])))

    def _part_changes(self, old: _Parts, new: _Parts) -> list[audit.Change]:
        """The unit mentions and milestones as audit values, when they differ."""
        changes: list[audit.Change] = []
        if old.units != new.units:
            codes = {u.id: u.code for u in self.directory.units.values()}
            changes.append(
                audit.Change("units", _units_json(old.units, codes), _units_json(new.units, codes))
            )
        if old.milestones != new.milestones:
            changes.append(
                audit.Change(
                    "milestones", _milestones_json(old.milestones), _milestones_json(new.milestones)
                )
            )
        return changes

    def _record(self, entries: list[audit.Entry]) -> None:
        """The audit rows of these tasks' entries, inserted at once."""
        audit.record_many(
            self.session.connection(),
            organization_id=require_id(self.directory.organization),
            entity=str(Task.__tablename__),
            entries=entries,
            actor=self.actor,
            now=self.now,
        )


def _unit_id(units: dict[str, Unit], mention: UnitMention) -> int | None:
    unit = units.get(mention.unit_code or "")
    return unit.id if unit else None


def _units_json(parts: Sequence[_UnitPart], codes: dict[int | None, str]) -> list[dict[str, Any]]:
    return [
        {"role": role, "text": text, "unit": codes.get(unit_id), "collective": collective}
        for role, _, text, unit_id, collective in parts
    ]


def _milestones_json(parts: Sequence[_MilestonePart]) -> list[dict[str, str]]:
    return [{"due": due.isoformat(), "text": text} for _, due, text in parts]


def _task_values(draft: TaskDraft, directory: OrgDirectory) -> dict[str, Any]:
    row, deadline = draft.row, draft.deadline
    single = draft.lead[0] if len(draft.lead) == 1 else None
    return {
        "ref": row.ref,
        "position": draft.position,
        "work": row.work,
        "area": draft.area,
        "group_label": row.group,
        "person_text": row.person,
        "person_id": _person_id(draft, directory),
        "lead_text": row.lead,
        "lead_unit_id": _unit_id(directory.units, single) if single else None,
        "coordinators_text": row.coordinators,
        "deadline_text": row.deadline,
        **deadline.task_values(),
        "assigner": draft.authority.assigner,
        "product": row.product,
        "budget": row.budget,
        "note": row.note,
        "raw_cells": row.raw,
        "source_row": f"bảng {row.table}, dòng {row.row}",
    }


def _keep_extension(task: Task, values: dict[str, Any]) -> dict[str, Any]:
    """An approved extension stands over a re-import: the plan's date becomes the task's
    original due date, and the due date in force is the later of it and the extended one."""
    if task.original_due is None:
        return values
    plan_due: date | None = values.pop("due_date")
    values["original_due"] = plan_due
    if plan_due is not None and task.due_date is not None and plan_due > task.due_date:
        values["due_date"] = plan_due
    return values


def _person_id(draft: TaskDraft, directory: OrgDirectory) -> int | None:
    """The stored person the draft's person cell resolved to (the resolver cleans names)."""
    if draft.person is None:
        return None
    name, unit_code = draft.person
    unit = directory.units.get(unit_code or "")
    unit_id = unit.id if unit else None
    return next(
        (p.id for p in directory.people if clean(p.name) == name and p.unit_id == unit_id), None
    )


def _stored_parts(session: Session, plan_id: int) -> dict[int, _Parts]:
    """Every task's stored unit mentions and milestones: two reads for the whole plan."""
    tu, m = TaskUnit.__table__.c, Milestone.__table__.c  # type: ignore[attr-defined]
    t = Task.__table__.c  # type: ignore[attr-defined]
    in_plan = sa.select(t.id).where(t.plan_id == plan_id)
    units = session.connection().execute(
        sa.select(tu.task_id, tu.role, tu.position, tu.text, tu.unit_id, tu.collective)
        .where(tu.task_id.in_(in_plan))
        .order_by(tu.task_id, tu.role, tu.position)
    )
    milestones = session.connection().execute(
        sa.select(m.task_id, m.position, m.due_date, m.text)
        .where(m.task_id.in_(in_plan))
        .order_by(m.task_id, m.position)
    )
    unit_rows: dict[int, list[_UnitPart]] = {}
    for task_id, role, position, text, unit_id, collective in units:
        unit_rows.setdefault(task_id, []).append((role, position, text, unit_id, bool(collective)))
    milestone_rows: dict[int, list[_MilestonePart]] = {}
    for task_id, position, due, text in milestones:
        milestone_rows.setdefault(task_id, []).append((position, due, text))
    return {
        task_id: _Parts(tuple(unit_rows.get(task_id, ())), tuple(milestone_rows.get(task_id, ())))
        for task_id in unit_rows.keys() | milestone_rows.keys()
    }


def _write_parts(
    session: Session, rewritten: dict[int, _Parts], created: dict[int, _Parts]
) -> None:
    """Replace the unit mentions and milestones of the ``rewritten`` tasks and write those
    of the ``created`` ones (which have none to delete: a plan's new tasks are thousands,
    and the ids of a delete are bound one by one), in bulk."""
    parts = rewritten | created
    if not parts:
        return
    connection = session.connection()
    tu, m = TaskUnit.__table__, Milestone.__table__  # type: ignore[attr-defined]
    if rewritten:
        connection.execute(sa.delete(tu).where(tu.c.task_id.in_(rewritten)))
        connection.execute(sa.delete(m).where(m.c.task_id.in_(rewritten)))
    unit_rows = [
        {"task_id": task_id, "role": role, "position": position, "text": text,
         "unit_id": unit_id, "collective": collective}
        for task_id, p in parts.items()
        for role, position, text, unit_id, collective in p.units
    ]  # fmt: skip
    milestone_rows = [
        {"task_id": task_id, "position": position, "due_date": due, "text": text}
        for task_id, p in parts.items()
        for position, due, text in p.milestones
    ]
    insert_many(connection, tu, unit_rows)
    insert_many(connection, m, milestone_rows)


# -- the import as JSON (``sauro import --json``, the web app's API) ----------------------


def draft_json(draft: TaskDraft, check: TaskCheck) -> dict[str, Any]:
    """One task as read: the six dimensions, the deadline reading and the 6-rõ verdict."""
    row = draft.row
    return {
        "ref": row.ref,
        "key": draft.key,
        "source": {"table": row.table, "row": row.row},
        "group": row.group,
        "work": row.work,
        "area": draft.area,
        "person": {
            "text": row.person,
            "name": draft.person[0] if draft.person else None,
            "unit": draft.person[1] if draft.person else None,
        },
        "deadline": draft.deadline.to_json(),
        "responsibility": {
            "lead_text": row.lead,
            "lead": [_mention(m) for m in draft.lead],
            "coordinators_text": row.coordinators,
            "coordinators": [_mention(m) for m in draft.coordinators],
        },
        "authority": {"assigner": draft.authority.assigner, "basis": draft.authority.basis},
        "result": {"product": row.product},
        "budget": row.budget,
        "note": row.note,
        "raw": row.raw,
        **check.verdict_json(),
    }


def _mention(mention: UnitMention) -> dict[str, Any]:
    return {"text": mention.text, "unit": mention.unit_code, "collective": mention.collective}
