"""The directory on the web: the administrator edits units (add, rename, merge, head,
deputies, outside body or not) and people; the standing office edits people (add, edit,
move to another unit, mark as left) of its own organization. All through
``engine.directory.editing`` and, where a person's open tasks are concerned,
``engine.tasks.reassignment``; authorized here by ``engine.web.policy``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from engine.directory import editing
from engine.directory.editing import PersonFields
from engine.directory.store import PERSON_ROLE_WORDS
from engine.errors import SauroError
from engine.store.models import Person, PersonRole, Task, TaskState, Unit, UnitKind
from engine.tasks import reassignment
from engine.tasks.reassignment import Choice
from engine.web.changes import task_change
from engine.web.deps import User, Web
from engine.web.policy import Action, allowed, authorize

ROLE_WORDS = PERSON_ROLE_WORDS


@dataclass(frozen=True)
class UnitView:
    """A unit with its people, as the pages show it."""

    unit: Unit
    head: Person | None
    deputies: list[Person]
    officers: list[Person]
    left: list[Person]
    tasks: int = 0
    merged_into: str = ""

    @property
    def members(self) -> list[Person]:
        return [*([self.head] if self.head else []), *self.deputies, *self.officers]

    def to_json(self) -> dict[str, Any]:
        u = self.unit
        return {
            "id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "active": u.active,
            "abbreviations": list(u.abbreviations), "aliases": list(u.aliases),
            "merged_into": self.merged_into or None, "tasks": self.tasks,
            "head_id": self.head.id if self.head else None,
            "deputy_ids": [p.id for p in self.deputies],
            "people": [person_json(p) for p in [*self.members, *self.left]],
        }  # fmt: skip


@dataclass(frozen=True)
class Overview:
    """The whole directory of the organization."""

    leaders: list[Person]
    units: list[UnitView]  # internal, active
    outside: list[UnitView]  # external bodies, active
    merged: list[UnitView]  # inactive
    manage: bool  # the user may edit units, not only people


@dataclass(frozen=True)
class TaskLine:
    """One open task of a person, with whom it may be given to."""

    task: Task
    lead: str
    candidates: list[Person]


@dataclass(frozen=True)
class PersonPage:
    person: Person
    unit: Unit | None
    tasks: list[TaskLine]
    units: list[Unit]  # where the person may move
    manage: bool


@dataclass(frozen=True)
class UnitPage:
    view: UnitView
    targets: list[Unit]  # units it may be merged into
    manage: bool


@dataclass
class TaskChoices:
    """The choices of a move or leave form: per task (``task_<id>``) and for all."""

    default: Choice = reassignment.KEEP
    per_task: dict[int, Choice] = field(default_factory=dict)


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id, "name": person.name, "title": person.title, "email": person.email,
        "phone": person.phone, "zalo": person.zalo, "role": person.role,
        "unit_id": person.unit_id, "active": person.active,
        "left_on": person.left_on.isoformat() if person.left_on else None,
    }  # fmt: skip


def _org(user: User) -> int:
    return user.principal.organization_id


def _view(session: Session, unit: Unit, people: list[Person], codes: dict[int, str]) -> UnitView:
    mine = [p for p in people if p.unit_id == unit.id]
    working = [p for p in mine if p.active]
    tasks = session.exec(
        select(func.count())
        .select_from(Task)
        .where(col(Task.lead_unit_id) == unit.id, col(Task.state) == str(TaskState.OPEN))
    ).one()
    return UnitView(
        unit=unit,
        head=next((p for p in working if p.role == PersonRole.HEAD), None),
        deputies=[p for p in working if p.role == PersonRole.DEPUTY],
        officers=[p for p in working if p.role == PersonRole.OFFICER],
        left=[p for p in mine if not p.active],
        tasks=int(tasks),
        merged_into=codes.get(unit.merged_into_id or 0, ""),
    )


def overview(state: Web, user: User) -> Overview:
    """Every unit and person of the user's organization."""
    authorize(user.principal, Action.EDIT_PEOPLE)
    with Session(state.engine) as session:
        units = list(
            session.exec(
                select(Unit).where(Unit.organization_id == _org(user)).order_by(col(Unit.id))
            )
        )
        people = list(
            session.exec(
                select(Person)
                .where(Person.organization_id == _org(user))
                .order_by(col(Person.name), col(Person.id))
            )
        )
        codes = {u.id or 0: u.name for u in units}
        views = [_view(session, u, people, codes) for u in units]
    leaders = [p for p in people if p.unit_id is None and p.active]
    leaders.sort(key=lambda p: p.role != PersonRole.CHAIRMAN)
    return Overview(
        leaders=leaders,
        units=[v for v in views if v.unit.active and v.unit.kind == UnitKind.INTERNAL],
        outside=[v for v in views if v.unit.active and v.unit.kind == UnitKind.EXTERNAL],
        merged=[v for v in views if not v.unit.active],
        manage=allowed(user.principal, Action.MANAGE_DIRECTORY),
    )


def unit_page(state: Web, user: User, unit_id: int) -> UnitPage:
    authorize(user.principal, Action.EDIT_PEOPLE)
    with Session(state.engine) as session:
        unit = editing.get_unit(session, unit_id, _org(user))
        people = list(session.exec(select(Person).where(Person.unit_id == unit.id)))
        names = {u.id or 0: u.name for u in _units(session, user)}
        view = _view(session, unit, people, names)
        targets = [
            u
            for u in _units(session, user)
            if u.active and u.kind == UnitKind.INTERNAL and u.id != unit.id
        ]
    return UnitPage(view, targets, allowed(user.principal, Action.MANAGE_DIRECTORY))


def _units(session: Session, user: User) -> list[Unit]:
    return list(
        session.exec(
            select(Unit).where(Unit.organization_id == _org(user)).order_by(col(Unit.name))
        )
    )


def person_page(state: Web, user: User, person_id: int) -> PersonPage:
    authorize(user.principal, Action.EDIT_PEOPLE)
    with Session(state.engine) as session:
        person = editing.get_person(session, person_id, _org(user))
        unit = session.get(Unit, person.unit_id) if person.unit_id else None
        names = {u.id: u.name for u in _units(session, user)}
        lines = [
            TaskLine(
                task,
                names.get(task.lead_unit_id, "chưa rõ đơn vị chủ trì"),
                [p for p in editing.members(session, task.lead_unit_id or 0) if p.id != person.id],
            )
            for task in editing.open_tasks(session, person_id)
        ]
        units = [
            u
            for u in _units(session, user)
            if u.active and u.kind == UnitKind.INTERNAL and u.id != person.unit_id
        ]
    return PersonPage(person, unit, lines, units, allowed(user.principal, Action.MANAGE_DIRECTORY))


# -- changes ---------------------------------------------------------------------------------


def _edit(state: Web, user: User, action: Action, source: str) -> dict[str, Any]:
    authorize(user.principal, action)
    return {"organization_id": _org(user), "actor": user.actor(source), "now": state.clock()}


def add_unit(
    state: Web, user: User, *, name: str, kind: str, code: str = "", head: PersonFields | None
) -> Unit:
    """Add a unit (with its head) or an outside body."""
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory add unit")
    with task_change(state, user) as session:
        unit = editing.add_unit(
            session=session, name=name, kind=kind, code=code, head=head, **common
        )
        session.flush()
        session.expunge(unit)
        return unit


def edit_unit(
    state: Web,
    user: User,
    unit_id: int,
    *,
    name: str,
    abbreviations: list[str],
    aliases: list[str],
) -> None:
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory edit unit")
    with task_change(state, user) as session:
        editing.edit_unit(
            session=session, unit_id=unit_id, name=name, abbreviations=abbreviations,
            aliases=aliases, **common,
        )  # fmt: skip


def set_kind(state: Web, user: User, unit_id: int, kind: str) -> None:
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory unit kind")
    with task_change(state, user) as session:
        editing.set_unit_kind(session=session, unit_id=unit_id, kind=kind, **common)


def set_head(state: Web, user: User, unit_id: int, person_id: int) -> None:
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory unit head")
    with task_change(state, user) as session:
        editing.set_head(session=session, unit_id=unit_id, person_id=person_id, **common)


def set_deputies(state: Web, user: User, unit_id: int, person_ids: list[int]) -> None:
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory unit deputies")
    with task_change(state, user) as session:
        editing.set_deputies(session=session, unit_id=unit_id, person_ids=person_ids, **common)


def merge(
    state: Web, user: User, unit_id: int, target_id: int, *, move_people: bool
) -> editing.Merge:
    common = _edit(state, user, Action.MANAGE_DIRECTORY, "directory merge")
    with task_change(state, user) as session:
        done = editing.merge_units(
            session=session, source_id=unit_id, target_id=target_id, move_people=move_people,
            **common,
        )  # fmt: skip
        session.flush()  # before the objects leave the session with their changes
        session.expunge_all()
        return done


def add_person(
    state: Web, user: User, unit_id: int, fields: PersonFields, *, deputy: bool = False
) -> Person:
    common = _edit(state, user, Action.EDIT_PEOPLE, "directory add person")
    if deputy:
        authorize(user.principal, Action.MANAGE_DIRECTORY)
    with task_change(state, user) as session:
        person = editing.add_person(
            session=session, unit_id=unit_id, fields=fields, deputy=deputy, **common
        )
        session.flush()
        session.expunge(person)
        return person


def edit_person(state: Web, user: User, person_id: int, fields: PersonFields) -> None:
    common = _edit(state, user, Action.EDIT_PEOPLE, "directory edit person")
    with task_change(state, user) as session:
        editing.edit_person(session=session, person_id=person_id, fields=fields, **common)


def move_person(
    state: Web, user: User, person_id: int, unit_id: int, choices: TaskChoices, *, reason: str
) -> reassignment.Outcome:
    common = _edit(state, user, Action.EDIT_PEOPLE, "directory move person")
    with task_change(state, user) as session:
        done = reassignment.move_person(
            session=session, person_id=person_id, unit_id=unit_id, choices=choices.per_task,
            default=choices.default, reason=reason, **common,
        )  # fmt: skip
        session.flush()  # before the objects leave the session with their changes
        session.expunge_all()
        return done


def mark_left(
    state: Web, user: User, person_id: int, on: date, choices: TaskChoices, *, reason: str
) -> reassignment.Outcome:
    common = _edit(state, user, Action.EDIT_PEOPLE, "directory person left")
    with task_change(state, user) as session:
        done = reassignment.mark_left(
            session=session, person_id=person_id, on=on, choices=choices.per_task,
            default=choices.default, reason=reason, **common,
        )  # fmt: skip
        session.flush()  # before the objects leave the session with their changes
        session.expunge_all()
        return done


def choice_of(value: str) -> Choice | None:
    """A form's choice: "" (none given), "keep", "nobody", "follow" or a person id."""
    value = value.strip()
    if not value:
        return None
    if value in {"keep", "nobody", "follow"}:
        return Choice(value)  # type: ignore[arg-type]
    if value.isdigit() and 0 < int(value) < 2**31:
        return reassignment.give(int(value))
    raise SauroError(f"Lựa chọn '{value[:40]}' cho nhiệm vụ không hợp lệ.")


def choices_from(form: Mapping[str, Any]) -> TaskChoices:
    """``all`` and ``task_<id>`` fields of a move or leave form."""
    chosen = TaskChoices(default=choice_of(str(form.get("all", ""))) or reassignment.KEEP)
    for key, value in form.items():
        if key.startswith("task_") and key[5:].isdigit():
            choice = choice_of(str(value))
            if choice is not None:
                chosen.per_task[int(key[5:])] = choice
    return chosen


def forms_of(text: str) -> list[str]:
    """Abbreviations or aliases typed one per line (or separated by ";")."""
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]
