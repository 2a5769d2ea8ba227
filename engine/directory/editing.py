"""Editing the directory in the database: units and people, one audited change at a time.

After ``sauro init`` the database is the directory's source of truth; the web pages and
the API edit it through these functions. Each takes the session, the organization the
editor belongs to (a unit or person of another organization is refused), the actor and
``now``; each checks everything before its first write (a refused change writes nothing)
and audits every field it changes; the caller commits.

Rules a commune official would expect, kept here so every entry point follows them:

- an internal unit always has a head (reminders and reports go to the head): it is added
  with one, its head cannot be moved away or marked as left before another is named, and
  an outside body becomes internal only once one of its people is named head;
- merging a unit moves its tasks (lead unit, coordinating parts) into the other unit,
  audited task by task; its names become the other unit's aliases, so a plan that names
  it again resolves to the unit it became; its people move only when asked; it is kept
  inactive (``merged_into_id``), never deleted;
- moving a person keeps the same person (and so their history) under another unit; a head
  or deputy becomes an officer there. What happens to their open tasks is the caller's
  choice (``engine.tasks.reassignment``): tasks belong to the unit that leads them;
- a person marked as left is kept, inactive, with the day (``left_on``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from engine.directory.schema import PersonConfig, UnitResolver, organization_localities
from engine.errors import DirectoryError, Location, NotFoundError, Problem
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    Organization,
    Person,
    PersonRole,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitKind,
    UnitRole,
    require_id,
)
from engine.store.verdict_stamps import invalidate_verdicts
from engine.text import clean, fold
from rules.config_text import vietnamese_message

_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELD_WORDS = {
    "name": "họ tên",
    "title": "chức vụ",
    "email": "email",
    "phone": "số điện thoại",
    "zalo": "số Zalo",
}
UNIT_MEMBERS = (PersonRole.HEAD, PersonRole.DEPUTY, PersonRole.OFFICER)


@dataclass(frozen=True)
class PersonFields:
    """What a form says of a person: validated like a person of ``directory.yaml``."""

    name: str
    title: str
    email: str
    phone: str = ""
    zalo: str = ""


@dataclass(frozen=True)
class Merge:
    """What a merge did: the tasks and task-unit rows moved, the people moved."""

    source: Unit
    target: Unit
    tasks: tuple[int, ...]
    parts: int
    people: tuple[int, ...]


# -- lookups ---------------------------------------------------------------------------------


def get_unit(session: Session, unit_id: int, organization_id: int) -> Unit:
    """The unit ``unit_id`` of the organization, or ``NotFoundError``."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organization_id != organization_id:
        raise NotFoundError(f"Không có đơn vị mã {unit_id} trong danh mục của tổ chức.")
    return unit


def get_person(session: Session, person_id: int, organization_id: int) -> Person:
    """The person ``person_id`` of the organization, or ``NotFoundError``."""
    person = session.get(Person, person_id)
    if person is None or person.organization_id != organization_id:
        raise NotFoundError(f"Không có cán bộ mã {person_id} trong danh mục của tổ chức.")
    return person


def open_tasks(session: Session, person_id: int) -> list[Task]:
    """The open tasks that name ``person_id`` as their officer, in plan order."""
    return list(
        session.exec(
            select(Task)
            .where(col(Task.person_id) == person_id, col(Task.state) == str(TaskState.OPEN))
            .order_by(col(Task.plan_id), col(Task.position), col(Task.id))
        )
    )


def members(session: Session, unit_id: int) -> list[Person]:
    """The active people of a unit: head, deputies, officers, by name."""
    people = session.exec(
        select(Person).where(col(Person.unit_id) == unit_id, col(Person.active))
    ).all()
    order = {str(role): n for n, role in enumerate(UNIT_MEMBERS)}
    return sorted(people, key=lambda p: (order.get(p.role, 9), fold(p.name), p.id or 0))


# -- units -----------------------------------------------------------------------------------


def add_unit(
    *,
    session: Session,
    organization_id: int,
    name: str,
    kind: str,
    code: str = "",
    head: PersonFields | None = None,
    actor: Actor,
    now: datetime,
) -> Unit:
    """Add a unit (``internal``, with its ``head``) or an outside body (``external``)."""
    kind = _kind(kind)
    name = _unit_name(name)
    code = clean(code) or _code_of(name)
    taken = {u.code for u in _units(session, organization_id)}
    if not _CODE.fullmatch(code):
        raise _refused("mã đơn vị", f'mã "{code}" phải gồm chữ thường không dấu, số và "-"')
    if code in taken:
        raise _refused("mã đơn vị", f'mã "{code}" đã có trong danh mục')
    _check_names(session, organization_id, None, [name])
    head_values = None
    if kind == UnitKind.INTERNAL:
        if head is None or not clean(head.name):
            raise _refused("người đứng đầu", "đơn vị thuộc UBND phải có người đứng đầu")
        head_values = _person_values(session, organization_id, None, head)
    unit = Unit(organization_id=organization_id, code=code, name=name, kind=kind)
    edit = _Edit(session, organization_id, actor, now)
    edit.create(unit, {"code": code, "name": name, "kind": kind})
    if head_values is not None:
        edit.new_person(unit, head_values, PersonRole.HEAD)
    return unit


def edit_unit(
    *,
    session: Session,
    organization_id: int,
    unit_id: int,
    name: str,
    abbreviations: Sequence[str] = (),
    aliases: Sequence[str] = (),
    actor: Actor,
    now: datetime,
) -> Unit:
    """Rename a unit, or change its abbreviations and aliases (no two units alike)."""
    unit = get_unit(session, unit_id, organization_id)
    name = _unit_name(name)
    short = _forms(abbreviations)
    other = _forms(aliases)
    _check_names(session, organization_id, unit.id, [name, *short, *other])
    values = {"name": name, "abbreviations": short, "aliases": other}
    edit = _Edit(session, organization_id, actor, now)
    edit.update(unit, values)
    return unit


def set_unit_kind(
    *, session: Session, organization_id: int, unit_id: int, kind: str, actor: Actor, now: datetime
) -> Unit:
    """Mark a unit as internal or as an outside body (Sở, UBND tỉnh, Đảng ủy, MTTQ…)."""
    unit = get_unit(session, unit_id, organization_id)
    kind = _kind(kind)
    org = _organization(session, organization_id)
    if kind == UnitKind.EXTERNAL and unit.code == org.standing_office_code:
        raise _refused("loại đơn vị", "cơ quan thường trực CCHC phải là đơn vị thuộc UBND")
    if kind == UnitKind.INTERNAL and unit.kind != kind and _head(session, unit) is None:
        raise _refused(
            "loại đơn vị",
            f"{unit.name} chưa có người đứng đầu: hãy thêm cán bộ và chọn người đứng đầu trước",
        )
    edit = _Edit(session, organization_id, actor, now)
    edit.update(unit, {"kind": kind})
    return unit


def set_head(
    *,
    session: Session,
    organization_id: int,
    unit_id: int,
    person_id: int,
    actor: Actor,
    now: datetime,
) -> Person:
    """Name ``person_id`` (an active person of the unit) its head; the former head stays in
    the unit as an officer."""
    unit = get_unit(session, unit_id, organization_id)
    person = _member(session, unit, person_id)
    former = _head(session, unit)
    edit = _Edit(session, organization_id, actor, now)
    if former is not None and former.id != person.id:
        edit.update(former, {"role": str(PersonRole.OFFICER)})
    edit.update(person, {"role": str(PersonRole.HEAD)})
    return person


def set_deputies(
    *,
    session: Session,
    organization_id: int,
    unit_id: int,
    person_ids: Iterable[int],
    actor: Actor,
    now: datetime,
) -> list[Person]:
    """Make exactly ``person_ids`` (active people of the unit, not its head) its deputies;
    the other deputies become officers."""
    unit = get_unit(session, unit_id, organization_id)
    chosen = [_member(session, unit, person_id) for person_id in dict.fromkeys(person_ids)]
    if any(p.role == PersonRole.HEAD for p in chosen):
        raise _refused("cấp phó", "người đứng đầu không đồng thời là cấp phó")
    wanted = {p.id for p in chosen}
    edit = _Edit(session, organization_id, actor, now)
    for person in members(session, require_id(unit)):
        if person.role == PersonRole.HEAD:
            continue
        role = PersonRole.DEPUTY if person.id in wanted else PersonRole.OFFICER
        edit.update(person, {"role": str(role)})
    return chosen


def merge_units(
    *,
    session: Session,
    organization_id: int,
    source_id: int,
    target_id: int,
    move_people: bool = False,
    actor: Actor,
    now: datetime,
) -> Merge:
    """Merge ``source_id`` into ``target_id``: its tasks and coordinating parts move (each
    task audited), its names become aliases of the target, its people move only with
    ``move_people`` (as officers), and it is kept inactive with ``merged_into_id``."""
    source = get_unit(session, source_id, organization_id)
    target = _merge_target(session, source, target_id)
    org = _organization(session, organization_id)
    edit = _Edit(session, organization_id, actor, now)
    moved = edit.move_tasks(source, target)
    parts = sum(n for _, n in moved)
    people: list[int] = []
    if move_people:
        for person in members(session, require_id(source)):
            values = {"unit_id": target.id, "role": str(PersonRole.OFFICER)}
            edit.update(person, values)
            people.append(require_id(person))
    aliases = _forms([*target.aliases, source.name, *source.aliases, *source.abbreviations])
    edit.update(target, {"aliases": aliases})
    values = {"active": False, "merged_into_id": target.id}
    edit.update(source, values)
    if org.standing_office_code == source.code:
        values = {"standing_office_code": target.code}
        edit.update(org, values)
    edit.replace_in_charge(org, source.code, target.code)
    return Merge(source, target, tuple(t for t, _ in moved), parts, tuple(people))


def _merge_target(session: Session, source: Unit, target_id: int) -> Unit:
    if target_id == source.id:
        raise _refused("đơn vị nhận", "không thể sáp nhập một đơn vị vào chính nó")
    target = session.get(Unit, target_id)
    if target is None or target.organization_id != source.organization_id:
        raise _refused("đơn vị nhận", "đơn vị nhận không thuộc cùng tổ chức")
    if not source.active:
        raise _refused("đơn vị", f"{source.name} đã sáp nhập hoặc thôi hoạt động")
    if not target.active:
        raise _refused("đơn vị nhận", f"{target.name} đã sáp nhập hoặc thôi hoạt động")
    if target.kind != UnitKind.INTERNAL:
        raise _refused("đơn vị nhận", f"{target.name} là cơ quan bên ngoài, không nhận sáp nhập")
    return target


def _has_part(parts: Sequence[TaskUnit], unit: Unit, role: str) -> bool:
    return any(p.unit_id == unit.id and p.role == role for p in parts)


def _part_json(part: TaskUnit) -> dict[str, Any]:
    return {"role": part.role, "text": part.text, "unit_id": part.unit_id}


# -- people ----------------------------------------------------------------------------------


def add_person(
    *,
    session: Session,
    organization_id: int,
    unit_id: int,
    fields: PersonFields,
    deputy: bool = False,
    actor: Actor,
    now: datetime,
) -> Person:
    """Add an officer (or a deputy) to an active unit of the organization."""
    unit = get_unit(session, unit_id, organization_id)
    if not unit.active:
        raise _refused("đơn vị", f"{unit.name} đã sáp nhập hoặc thôi hoạt động")
    values = _person_values(session, organization_id, None, fields)
    role = PersonRole.DEPUTY if deputy else PersonRole.OFFICER
    return _Edit(session, organization_id, actor, now).new_person(unit, values, role)


def edit_person(
    *,
    session: Session,
    organization_id: int,
    person_id: int,
    fields: PersonFields,
    actor: Actor,
    now: datetime,
) -> Person:
    """Change a person's name, title, e-mail, phone or Zalo number (validated)."""
    person = get_person(session, person_id, organization_id)
    values = _person_values(session, organization_id, person.id, fields)
    edit = _Edit(session, organization_id, actor, now)
    edit.update(person, values)
    return person


def move_person(
    *,
    session: Session,
    organization_id: int,
    person_id: int,
    unit_id: int,
    actor: Actor,
    now: datetime,
) -> Person:
    """Move an active person to another active unit of the organization, as an officer
    (the same person: their history follows). A head is moved only once another is named."""
    person = check_move(session, organization_id, person_id, unit_id)
    values = {"unit_id": unit_id, "role": str(PersonRole.OFFICER)}
    edit = _Edit(session, organization_id, actor, now)
    edit.update(person, values)
    return person


def check_move(session: Session, organization_id: int, person_id: int, unit_id: int) -> Person:
    """The person, when ``move_person`` would accept the move; else the refusal."""
    person = _active_member(session, organization_id, person_id)
    unit = get_unit(session, unit_id, organization_id)
    if unit.id == person.unit_id:
        raise _refused("đơn vị mới", f"{person.name} đã thuộc {unit.name}")
    if not unit.active or unit.kind != UnitKind.INTERNAL:
        raise _refused("đơn vị mới", f"{unit.name} không phải đơn vị đang hoạt động thuộc UBND")
    _not_head(session, person, "chuyển đơn vị")
    return person


def mark_left(
    *,
    session: Session,
    organization_id: int,
    person_id: int,
    on: date,
    actor: Actor,
    now: datetime,
) -> Person:
    """Mark a person as left on ``on`` (nghỉ việc, chuyển công tác): kept, inactive. A
    deputy becomes an officer; a head only once another is named; never the Chairman."""
    person = check_leave(session, organization_id, person_id)
    values: dict[str, Any] = {"active": False, "left_on": on}
    if person.role == PersonRole.DEPUTY:
        values["role"] = str(PersonRole.OFFICER)
    edit = _Edit(session, organization_id, actor, now)
    edit.update(person, values)
    return person


def check_leave(session: Session, organization_id: int, person_id: int) -> Person:
    """The person, when ``mark_left`` would accept it; else the refusal."""
    person = get_person(session, person_id, organization_id)
    if not person.active:
        raise _refused("cán bộ", f"{person.name} đã nghỉ hoặc không còn hoạt động")
    if person.role == PersonRole.CHAIRMAN:
        raise _refused("cán bộ", "không đánh dấu Chủ tịch đã nghỉ: hãy ghi Chủ tịch mới trước")
    _not_head(session, person, "đánh dấu đã nghỉ")
    return person


# -- helpers ---------------------------------------------------------------------------------


def _refused(field: str, message: str) -> DirectoryError:
    return DirectoryError("Không sửa được danh mục", [Problem(Location(field=field), message)])


def _organization(session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFoundError(f"Không có tổ chức mã {organization_id}.")
    return org


def _units(session: Session, organization_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.organization_id == organization_id)))


def _kind(kind: str) -> UnitKind:
    try:
        return UnitKind(kind)
    except ValueError:
        raise _refused("loại đơn vị", f'"{kind}" không phải internal hay external') from None


def _unit_name(name: str) -> str:
    name = clean(name)
    if not name:
        raise _refused("tên đơn vị", "chưa ghi tên đơn vị")
    if len(name) > 255:
        raise _refused("tên đơn vị", "tên đơn vị dài quá 255 ký tự")
    return name


def _forms(forms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(f for f in (clean(x) for x in forms) if f))


def _code_of(name: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60]
    return code or "don-vi"


def _check_names(
    session: Session, organization_id: int, unit_id: int | None, forms: Sequence[str]
) -> None:
    """No name, abbreviation or alias that resolves to another active unit."""
    org = _organization(session, organization_id)
    others = [u for u in _units(session, organization_id) if u.active and u.id != unit_id]
    resolver = UnitResolver.from_units(
        ((u.code, u.name, u.abbreviations, u.aliases) for u in others),
        localities=organization_localities(org.place, org.parent_name),
    )
    names = {u.code: u.name for u in others}
    for form in forms:
        code = resolver.resolve(form)
        if code is not None:
            raise _refused("tên đơn vị", f'"{form}" trùng với đơn vị {names[code]} ({code})')


def _head(session: Session, unit: Unit) -> Person | None:
    return next((p for p in members(session, require_id(unit)) if p.role == PersonRole.HEAD), None)


def _member(session: Session, unit: Unit, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.unit_id != unit.id or not person.active:
        raise _refused("cán bộ", f"cán bộ mã {person_id} không phải người của {unit.name}")
    return person


def _active_member(session: Session, organization_id: int, person_id: int) -> Person:
    person = get_person(session, person_id, organization_id)
    if not person.active:
        raise _refused("cán bộ", f"{person.name} đã nghỉ hoặc không còn hoạt động")
    if person.unit_id is None:
        raise _refused("cán bộ", f"{person.name} là lãnh đạo UBND, không thuộc đơn vị nào")
    return person


def _not_head(session: Session, person: Person, what: str) -> None:
    if person.role != PersonRole.HEAD or person.unit_id is None:
        return
    unit = session.get(Unit, person.unit_id)
    if unit is not None and unit.active and unit.kind == UnitKind.INTERNAL:
        raise _refused(
            "cán bộ",
            f"{person.name} là người đứng đầu {unit.name}: hãy chọn người đứng đầu mới "
            f"trước khi {what}",
        )


def _person_values(
    session: Session, organization_id: int, person_id: int | None, fields: PersonFields
) -> dict[str, Any]:
    """The fields checked as ``directory.yaml`` checks them, and the e-mail unused."""
    try:
        config = PersonConfig(
            name=fields.name,
            title=fields.title,
            email=fields.email,
            phone=fields.phone,
            zalo=fields.zalo,
        )
    except ValidationError as error:
        problems = [
            Problem(
                Location(field=_FIELD_WORDS.get(str(d["loc"][0]), str(d["loc"][0]))),
                vietnamese_message(d),
            )
            for d in error.errors(include_url=False)
        ]
        raise DirectoryError("Thông tin cán bộ chưa hợp lệ", problems) from None
    owner = session.exec(
        select(Person).where(
            Person.organization_id == organization_id,
            func.lower(col(Person.email)) == config.email.lower(),
            col(Person.id) != (person_id or 0),
        )
    ).first()
    if owner is not None:
        raise _refused("email", f'email "{config.email}" đã dùng cho {owner.name}')
    return {
        "name": config.name,
        "title": config.title,
        "email": config.email,
        "phone": config.phone,
        "zalo": config.zalo if config.zalo != config.phone else "",
    }


@dataclass(frozen=True)
class _Edit:
    """One editor's change: writes records and audits them under the organization."""

    session: Session
    organization_id: int
    actor: Actor
    now: datetime

    def create(self, record: Unit | Person, values: dict[str, Any]) -> None:
        for name, value in values.items():
            setattr(record, name, value)
        self.session.add(record)
        self.session.flush()
        changes = [audit.Change(name, None, value) for name, value in values.items() if value]
        self._audit(record, "create", changes)

    def update(self, record: Unit | Person | Organization, values: dict[str, Any]) -> None:
        changes = audit.apply_changes(record, values)
        if changes:
            self.session.add(record)
            self._audit(record, "update", changes)
            # a name, unit or code the tasks' verdicts read may have changed
            invalidate_verdicts(self.session.connection(), organization_id=self.organization_id)

    def new_person(self, unit: Unit, values: dict[str, Any], role: PersonRole) -> Person:
        person = Person(organization_id=self.organization_id, unit_id=unit.id, name=values["name"])
        self.create(person, {**values, "role": str(role)})
        return person

    def move_tasks(self, source: Unit, target: Unit) -> list[tuple[int, int]]:
        """Every task that names ``source`` (as lead or coordinator) now names ``target``;
        returns (task id, task-unit rows changed) per task, each task audited once."""
        session = self.session
        rows = session.exec(select(TaskUnit).where(col(TaskUnit.unit_id) == source.id)).all()
        task_ids = {row.task_id for row in rows}
        led = select(col(Task.id)).where(col(Task.lead_unit_id) == source.id)
        task_ids |= {i for i in session.exec(led) if i is not None}
        moved: list[tuple[int, int]] = []
        for task_id in sorted(i for i in task_ids if i is not None):
            task = session.get(Task, task_id, with_for_update=True)
            if task is not None:
                moved.append((task_id, self._move_task(task, source, target)))
        return moved

    def _move_task(self, task: Task, source: Unit, target: Unit) -> int:
        parts = list(
            self.session.exec(
                select(TaskUnit).where(TaskUnit.task_id == task.id).order_by(col(TaskUnit.id))
            )
        )
        before = [_part_json(p) for p in parts]
        kept, changed = _moved_parts(self.session, parts, source, target)
        if task.lead_unit_id == source.id or _has_part(kept, target, UnitRole.LEAD):
            for part in [
                p for p in kept if p.unit_id == target.id and p.role == UnitRole.COORDINATOR
            ]:
                self.session.delete(part)  # the target leads: it no longer coordinates
                kept.remove(part)
                changed += 1
        lead = {"lead_unit_id": target.id} if task.lead_unit_id == source.id else {}
        changes = audit.apply_changes(task, lead)
        after = [_part_json(p) for p in sorted(kept, key=lambda p: p.id or 0)]
        if before != after:
            changes.append(audit.Change("units", before, after))
        changes.append(audit.Change("reason", None, f"Sáp nhập {source.name} vào {target.name}"))
        task.version += 1
        task.updated_at = self.now
        self._audit(task, "update", changes)
        return changed

    def replace_in_charge(self, org: Organization, old: str, new: str) -> None:
        """A Vice-Chairman in charge of the merged unit is in charge of the unit it became."""
        leaders = self.session.exec(
            select(Person).where(Person.organization_id == org.id, col(Person.unit_id).is_(None))
        )
        for leader in leaders:
            if old in leader.in_charge:
                codes = list(dict.fromkeys(new if c == old else c for c in leader.in_charge))
                self.update(leader, {"in_charge": codes})

    def _audit(self, record: Any, action: str, changes: Sequence[audit.Change]) -> None:
        audit.record_of(
            self.session,
            record,
            organization_id=self.organization_id,
            action=action,
            changes=changes,
            actor=self.actor,
            now=self.now,
        )


def _moved_parts(
    session: Session, parts: list[TaskUnit], source: Unit, target: Unit
) -> tuple[list[TaskUnit], int]:
    """The task's unit rows with ``source`` replaced by ``target`` (a row the target already
    has in the same role is dropped), and how many rows changed."""
    kept = [p for p in parts if p.unit_id != source.id]
    changed = 0
    for part in (p for p in parts if p.unit_id == source.id):
        changed += 1
        if _has_part(kept, target, part.role):
            session.delete(part)
            continue
        part.unit_id = target.id
        kept.append(part)
    return kept, changed
