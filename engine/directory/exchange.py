"""The directory as a file, after ``sauro init``: the database is the source of truth.

``export_directory`` writes ``directory.yaml`` from the database (valid for
``parse_directory``): units with their head, deputies and officers, outside bodies, merged
units (``active: false``, ``merged_into``), people with phone, Zalo number and notice
preferences, people who left (``left``), the Vice-Chairmen's fields and units in charge,
the acceptance rule. ``report_to`` is not stored in the database: it is taken from the
config in force.

``plan_import`` compares a directory file with the database and lists what would change
(organizations, units and people added, changed, moved, deactivated), writing nothing;
``apply_import`` makes those changes, each audited. People are matched by e-mail, then by
name in their unit, then by a name no one else has. A person the file leaves out is
deactivated, and one it marks ``left`` is marked so, except a person who still has open
tasks: they are kept, with a warning, unless ``retire_with_tasks``. Units the file leaves
out are kept (a unit is retired by merging it on the web). Exporting then importing the
same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml
from sqlmodel import Session, col, func, select

from engine.calendar.status import VN, local_date
from engine.directory.schema import (
    DirectoryConfig,
    LeaderConfig,
    OrganizationConfig,
    PersonConfig,
    RecipientConfig,
    UnitConfig,
    parse_directory,
)
from engine.directory.store import (
    PERSON_ROLE_WORDS,
    person_values,
    sync_directory,
    wanted_people,
)
from engine.errors import DirectoryError
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    Organization,
    Person,
    PersonRole,
    Task,
    TaskState,
    Unit,
    require_id,
)
from engine.store.verdict_stamps import invalidate_verdicts
from engine.text import fold

_LEADERS = (PersonRole.CHAIRMAN, PersonRole.VICE_CHAIRMAN)

# -- export ----------------------------------------------------------------------------------


def export_directory(
    session: Session,
    *,
    org_codes: Sequence[str] = (),
    default_organization: str = "",
    report_to: Mapping[str, Sequence[RecipientConfig]] | None = None,
    now: datetime,
) -> str:
    """``directory.yaml`` text of the stored organizations ``org_codes`` (all when empty),
    checked by ``parse_directory`` before it is returned."""
    query = select(Organization).order_by(col(Organization.id))
    orgs = [o for o in session.exec(query) if not org_codes or o.code in org_codes]
    missing = set(org_codes) - {o.code for o in orgs}
    if missing or not orgs:
        raise DirectoryError(
            f"Không có tổ chức {', '.join(sorted(missing)) or 'nào'} trong cơ sở dữ liệu."
        )
    codes = [o.code for o in orgs]
    organizations = [_org_data(session, o, (report_to or {}).get(o.code, ())) for o in orgs]
    for org_data in organizations:  # a parent left out of the file is not named
        if org_data.get("parent_code") not in codes:
            org_data.pop("parent_code", None)
    data = {
        "version": 1,
        "default_organization": default_organization if default_organization in codes else codes[0],
        "organizations": organizations,
    }
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    text = _header(now) + body
    parse_directory(text, "directory.yaml (xuất từ cơ sở dữ liệu)")
    return text


def _header(now: datetime) -> str:
    return (
        "# Danh mục đơn vị và cán bộ, xuất từ cơ sở dữ liệu Sáu Rõ bằng 'sauro directory export'\n"
        f"# lúc {now.astimezone(VN):%H:%M ngày %d/%m/%Y}.\n"
        "# Sau 'sauro init', cơ sở dữ liệu là nguồn chính của danh mục (sửa trên trang Danh mục).\n"
        "# Sửa tệp này rồi xem trước: 'sauro directory import TỆP'; nạp: thêm '--apply'.\n"
    )


def _org_data(
    session: Session, org: Organization, report_to: Sequence[RecipientConfig]
) -> dict[str, Any]:
    people = list(
        session.exec(
            select(Person).where(Person.organization_id == org.id).order_by(col(Person.id))
        )
    )
    units = list(
        session.exec(select(Unit).where(Unit.organization_id == org.id).order_by(col(Unit.id)))
    )
    shown = [p for p in people if p.active or p.left_on is not None]
    chairman = next((p for p in shown if p.role == PersonRole.CHAIRMAN and p.active), None)
    if chairman is None:
        raise DirectoryError(f"{org.name} chưa có Chủ tịch đang giữ chức trong cơ sở dữ liệu.")
    data: dict[str, Any] = {
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "place": org.place,
        "parent": org.parent_name,
        **({"parent_code": org.parent_code} if org.parent_code else {}),
        "chairman": _person_data(chairman),
        "vice_chairmen": [
            _person_data(p) for p in shown if p.role == PersonRole.VICE_CHAIRMAN and not p.unit_id
        ],
        "standing_office": org.standing_office_code,
    }
    if report_to:
        data["report_to"] = [{"name": r.name, "email": r.email} for r in report_to]
    data["acceptance"] = {"required": org.acceptance_required, "by": org.acceptor}
    codes = {u.id: u.code for u in units}
    data["units"] = [_unit_data(u, [p for p in shown if p.unit_id == u.id], codes) for u in units]
    if not data["vice_chairmen"]:
        del data["vice_chairmen"]
    return data


def _unit_data(unit: Unit, people: list[Person], codes: dict[int | None, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"code": unit.code, "name": unit.name, "kind": unit.kind}
    if unit.abbreviations:
        data["abbreviations"] = list(unit.abbreviations)
    if unit.aliases:
        data["aliases"] = list(unit.aliases)
    working = [p for p in people if p.active]
    head = next((p for p in working if p.role == PersonRole.HEAD), None)
    if head is not None:
        data["head"] = _person_data(head)
    deputies = [_person_data(p) for p in working if p.role == PersonRole.DEPUTY]
    if deputies:
        data["deputies"] = deputies
    others = [p for p in people if p is not head and (p.role != PersonRole.DEPUTY or not p.active)]
    if others:
        data["people"] = [_person_data(p) for p in others]
    if not unit.active:
        data["active"] = False
        if unit.merged_into_id in codes:
            data["merged_into"] = codes[unit.merged_into_id]
    return data


def _person_data(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {"name": person.name, "title": person.title, "email": person.email}
    for name in ("phone", "zalo", "channel", "email_mode"):
        if getattr(person, name):
            data[name] = getattr(person, name)
    if person.left_on is not None and not person.active:
        data["left"] = person.left_on
    if person.role in _LEADERS and person.unit_id is None:
        if person.areas:
            data["areas"] = list(person.areas)
        if person.in_charge:
            data["units"] = list(person.in_charge)
    return data


# -- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change an import makes (or would make), as the preview says it."""

    kind: str  # "add", "update", "move", "deactivate"
    entity: str  # "tổ chức", "đơn vị", "cán bộ"
    name: str
    fields: tuple[audit.Change, ...] = ()


@dataclass
class ImportPlan:
    """What importing a directory file would change, and what it keeps with a warning."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    steps: list[Callable[[Actor, datetime], None]] = field(default_factory=list, repr=False)

    @property
    def empty(self) -> bool:
        return not self.changes


def plan_import(
    session: Session, directory: DirectoryConfig, *, retire_with_tasks: bool = False, today: date
) -> ImportPlan:
    """What importing ``directory`` would change (nothing is written)."""
    plan = ImportPlan()
    for org_config in directory.organizations:
        org = session.exec(select(Organization).where(Organization.code == org_config.code)).first()
        if org is None:
            _plan_new_org(session, plan, org_config)
        else:
            _OrgImport(session, plan, org, org_config, retire_with_tasks, today).run()
    return plan


def apply_import(plan: ImportPlan, *, actor: Actor, now: datetime) -> None:
    """Make the changes of ``plan`` in its session, each audited (the caller commits)."""
    for step in plan.steps:
        step(actor, now)


def _plan_new_org(session: Session, plan: ImportPlan, config: OrganizationConfig) -> None:
    people = sum(1 for _ in wanted_people(config))
    plan.changes.append(
        Change("add", "tổ chức", f"{config.name} ({len(config.units)} đơn vị, {people} cán bộ)")
    )
    one = DirectoryConfig(version=1, default_organization=config.code, organizations=(config,))

    def step(actor: Actor, now: datetime) -> None:
        sync_directory(session=session, directory=one, actor=actor, now=now)

    plan.steps.append(step)


@dataclass
class _OrgImport:
    """The import of one stored organization: units, then people."""

    session: Session
    plan: ImportPlan
    org: Organization
    config: OrganizationConfig
    retire_with_tasks: bool
    today: date

    def run(self) -> None:
        values = {
            "name": self.config.name,
            "level": str(self.config.level),
            "place": self.config.place,
            "parent_name": self.config.parent,
            "standing_office_code": self.config.standing_office,
            "acceptance_required": self.config.acceptance.required,
            "acceptor": self.config.acceptance.by,
        }
        if self.config.parent_code:  # a file without the parent cannot name it: kept
            values["parent_code"] = self.config.parent_code
        self._update("tổ chức", self.org.name, self.org, values)
        units = {
            u.code: u
            for u in self.session.exec(select(Unit).where(Unit.organization_id == self.org.id))
        }
        for unit_config in self.config.units:
            self._unit(units, unit_config)
        for unit_config in self.config.units:
            if unit_config.code in units:
                self._merged_into(units, unit_config)
        for code in sorted(set(units) - {u.code for u in self.config.units}):
            self.plan.warnings.append(
                f"Đơn vị {units[code].name} ({code}) không có trong tệp: giữ nguyên."
            )
        self._people(units)

    # units

    def _unit(self, units: dict[str, Unit], config: UnitConfig) -> None:
        values: dict[str, Any] = {
            "name": config.name,
            "kind": str(config.kind),
            "abbreviations": list(config.abbreviations),
            "aliases": list(config.aliases),
            "active": config.active,
        }
        unit = units.get(config.code)
        if unit is not None:
            self._update("đơn vị", unit.name, unit, values)
            return
        unit = Unit(organization_id=require_id(self.org), code=config.code, **values)
        units[config.code] = unit
        self.plan.changes.append(Change("add", "đơn vị", config.name))
        self._create(unit, {"code": config.code, **values})

    def _merged_into(self, units: dict[str, Unit], config: UnitConfig) -> None:
        unit = units[config.code]
        target = units.get(config.merged_into or "")
        old = next((c for c, u in units.items() if u.id and u.id == unit.merged_into_id), None)
        if old == config.merged_into:
            return
        change = audit.Change(
            "merged_into_id", _unit_name(units, old), _unit_name(units, config.merged_into)
        )
        self.plan.changes.append(Change("update", "đơn vị", unit.name, (change,)))

        def step(actor: Actor, now: datetime) -> None:
            self.session.flush()
            new = target.id if target is not None else None
            self._audited(unit, audit.apply_changes(unit, {"merged_into_id": new}), actor, now)

        self.plan.steps.append(step)

    # people

    def _people(self, units: dict[str, Unit]) -> None:
        stored = list(
            self.session.exec(select(Person).where(Person.organization_id == self.org.id))
        )
        matched: set[int] = set()
        for code, config, role in wanted_people(self.config):
            unit = units[code] if code else None
            person = _match(stored, matched, config, unit)
            if person is None:
                self._new_person(unit, config, role)
            else:
                matched.add(require_id(person))
                self._person(person, unit, units, config, role)
        for person in stored:
            if person.active and person.id not in matched:
                self._drop(person)

    def _new_person(self, unit: Unit | None, config: PersonConfig, role: PersonRole) -> None:
        values = {**person_values(config, role), **_leader_values(config)}
        where = unit.name if unit is not None else "lãnh đạo UBND"
        said = PERSON_ROLE_WORDS.get(role, role)
        self.plan.changes.append(Change("add", "cán bộ", f"{config.name} ({where}, {said})"))
        person = Person(organization_id=require_id(self.org), name=config.name)

        def step(actor: Actor, now: datetime) -> None:
            self.session.flush()
            person.unit_id = unit.id if unit is not None else None
            self._write_new(person, {"name": config.name, **values}, actor, now)

        self.plan.steps.append(step)

    def _person(
        self,
        person: Person,
        unit: Unit | None,
        units: dict[str, Unit],
        config: PersonConfig,
        role: PersonRole,
    ) -> None:
        values: dict[str, Any] = {
            "name": config.name,
            **person_values(config, role),
            **_leader_values(config),
        }
        if config.left is not None and not person.active:
            values.pop("role")  # one who left is listed among the people, whatever they were
        if config.left is not None and person.active and self._kept(person, "đánh dấu đã nghỉ"):
            values.update(active=True, left_on=None)
        shown = f"{person.name} ({person.email or person.id})"
        moved = person.unit_id != (unit.id if unit is not None else None)
        if moved:
            self._move(person, unit, units, shown)
        self._update("cán bộ", shown, person, values)

    def _move(self, person: Person, unit: Unit | None, units: dict[str, Unit], shown: str) -> None:
        old = next((c for c, u in units.items() if u.id is not None and u.id == person.unit_id), "")
        new = unit.name if unit is not None else ""
        change = audit.Change("unit", _unit_name(units, old), new or None)
        self.plan.changes.append(Change("move", "cán bộ", shown, (change,)))
        count = _open_count(self.session, person)
        if count:
            self.plan.warnings.append(
                f"{person.name} chuyển đơn vị nhưng còn {count} nhiệm vụ đang làm: các nhiệm vụ "
                "giữ nguyên; giao lại trên trang Danh mục nếu cần."
            )

        def step(actor: Actor, now: datetime) -> None:
            self.session.flush()
            target = unit.id if unit is not None else None
            self._audited(person, audit.apply_changes(person, {"unit_id": target}), actor, now)

        self.plan.steps.append(step)

    def _drop(self, person: Person) -> None:
        if self._kept(person, "cho thôi hoạt động"):
            return
        values = {"active": False, "left_on": self.today}
        self._update("cán bộ", f"{person.name} (không có trong tệp)", person, values, "deactivate")

    def _kept(self, person: Person, what: str) -> bool:
        """Whether a person with open tasks is kept active (with a warning)."""
        count = _open_count(self.session, person)
        if not count or self.retire_with_tasks:
            return False
        self.plan.warnings.append(
            f"Giữ nguyên {person.name}: còn {count} nhiệm vụ đang làm nên không {what}. "
            "Giao lại các nhiệm vụ trên trang Danh mục, hoặc chạy lại với --retire-with-tasks."
        )
        return True

    # writing

    def _update(
        self, entity: str, shown: str, record: Any, values: dict[str, Any], kind: str = "update"
    ) -> None:
        fields = tuple(
            audit.Change(name, getattr(record, name), value)
            for name, value in values.items()
            if getattr(record, name) != value
        )
        if not fields:
            return
        self.plan.changes.append(Change(kind, entity, shown, fields))

        def step(actor: Actor, now: datetime) -> None:
            self._audited(record, audit.apply_changes(record, values), actor, now)

        self.plan.steps.append(step)

    def _create(self, record: Unit, values: dict[str, Any]) -> None:
        def step(actor: Actor, now: datetime) -> None:
            self._write_new(record, values, actor, now)

        self.plan.steps.append(step)

    def _write_new(self, record: Any, values: dict[str, Any], actor: Actor, now: datetime) -> None:
        for name, value in values.items():
            setattr(record, name, value)
        self.session.add(record)
        self.session.flush()
        changes = [audit.Change(n, None, v) for n, v in values.items() if v not in ("", [], None)]
        self._audited(record, changes, actor, now, action="create")

    def _audited(
        self,
        record: Any,
        changes: Sequence[audit.Change],
        actor: Actor,
        now: datetime,
        action: str = "update",
    ) -> None:
        if not changes and action == "update":
            return
        self.session.add(record)
        if action == "update":  # a name, unit or code the tasks' verdicts read
            invalidate_verdicts(self.session.connection(), organization_id=require_id(self.org))
        audit.record_of(
            self.session,
            record,
            organization_id=require_id(self.org),
            action=action,
            changes=changes,
            actor=actor,
            now=now,
        )


def _leader_values(config: PersonConfig) -> dict[str, Any]:
    if isinstance(config, LeaderConfig):
        return {"areas": list(config.areas), "in_charge": list(config.units)}
    return {}


def _match(
    stored: list[Person], matched: set[int], config: PersonConfig, unit: Unit | None
) -> Person | None:
    """The stored person ``config`` is: same e-mail, else same name in the same unit (or
    among the leaders), else the only one of that name."""
    free = [p for p in stored if p.id not in matched]
    email = config.email.lower()
    by_email = [p for p in free if p.email.lower() == email]
    if by_email:
        return by_email[0]
    name = fold(config.name)
    unit_id = unit.id if unit is not None else None
    same = [p for p in free if fold(p.name) == name and p.unit_id == unit_id]
    if same:
        return same[0]
    named = [p for p in stored if fold(p.name) == name]
    return named[0] if len(named) == 1 and named[0] in free else None


def _open_count(session: Session, person: Person) -> int:
    query = (
        select(func.count())
        .select_from(Task)
        .where(col(Task.person_id) == person.id, col(Task.state) == str(TaskState.OPEN))
    )
    return int(session.exec(query).one())


def describe(plan: ImportPlan) -> list[str]:
    """The preview in Vietnamese, one line per change, then the warnings."""
    marks = {"add": "+ thêm", "update": "~ sửa", "move": "→ chuyển", "deactivate": "- thôi"}
    lines = []
    for change in plan.changes:
        fields = "; ".join(
            f"{_FIELDS.get(c.field, c.field)}: {_shown(c.old)} → {_shown(c.new)}"
            for c in change.fields
        )
        head = f"{marks[change.kind]} {change.entity} {change.name}"
        lines.append(f"{head}: {fields}" if fields else head)
    lines += [f"! {warning}" for warning in plan.warnings]
    return lines


def _unit_name(units: dict[str, Unit], code: str | None) -> str | None:
    """A unit of the organization as the preview names it (a code it does not know: as is)."""
    return units[code].name if code in units else code


# The stored fields as the preview names them.
_FIELDS = {
    "name": "tên",
    "level": "cấp",
    "place": "địa bàn",
    "parent_name": "cơ quan cấp trên",
    "parent_code": "mã cơ quan cấp trên",
    "standing_office_code": "mã cơ quan thường trực",
    "acceptance_required": "cần xác nhận kết quả",
    "acceptor": "người xác nhận kết quả",
    "merged_into_id": "sáp nhập vào",
    "unit": "đơn vị",
    "kind": "loại",
    "title": "chức danh",
    "email": "thư điện tử",
    "role": "vai trò",
    "active": "đang công tác",
    "left_on": "ngày nghỉ",
    "phone": "số điện thoại",
    "zalo": "Zalo",
    "channel": "kênh nhận thông báo",
    "email_mode": "cách nhận thư",
}


def _shown(value: Any) -> str:
    if value is None or value in ("", []):
        return "(trống)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def today_of(now: datetime) -> date:
    """The day in Viet Nam at ``now`` (the ``left_on`` of people an import deactivates)."""
    return local_date(now)
