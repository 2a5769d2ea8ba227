"""The directory in the database: organizations, units and people loaded from config.

``sync_directory`` makes the database match ``config/directory.yaml`` (insert, update,
deactivate; never delete, since tasks point at units and people): ``sauro init`` uses it
for an organization's first load only, after which the database is the source of truth
(edited on the web, ``engine.directory.editing``; exchanged as a file,
``engine.directory.exchange``). Units registered by an import (``--register-units``) are
kept. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlmodel import Session, SQLModel, col, select

from engine.directory.schema import (
    DirectoryConfig,
    LeaderConfig,
    OrganizationConfig,
    PersonConfig,
    PersonResolver,
    UnitConfig,
    UnitResolver,
    organization_localities,
)
from engine.errors import DirectoryError, NotFoundError
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import Organization, Person, PersonRole, Unit, require_id
from engine.store.verdict_stamps import invalidate_verdicts
from engine.text import clean, fold

_Record = TypeVar("_Record", bound=SQLModel)

# A person's role as people say it (previews, pages).
PERSON_ROLE_WORDS: dict[str, str] = {
    PersonRole.CHAIRMAN: "Chủ tịch",
    PersonRole.VICE_CHAIRMAN: "Phó Chủ tịch",
    PersonRole.HEAD: "Người đứng đầu",
    PersonRole.DEPUTY: "Cấp phó",
    PersonRole.OFFICER: "Cán bộ",
}


@dataclass
class SyncSummary:
    """What a sync changed, per kind of record."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], entity: str) -> None:
        bucket[entity] = bucket.get(entity, 0) + 1


@dataclass(frozen=True)
class OrgDirectory:
    """An organization with its units and people, as stored, ready for resolving cells."""

    organization: Organization
    units: dict[str, Unit]  # by code
    people: list[Person]
    unit_resolver: UnitResolver
    person_resolver: PersonResolver

    def unit_by_id(self, unit_id: int | None) -> Unit | None:
        return next((u for u in self.units.values() if u.id == unit_id), None)


def sync_directory(
    *, session: Session, directory: DirectoryConfig, actor: Actor, now: datetime
) -> SyncSummary:
    """Insert or update every organization, unit and person of ``directory``."""
    sync = _DirectorySync(session, actor, now)
    for org_config in directory.organizations:
        org_id = sync.organization(org_config)
        units = {u.code: sync.unit(org_id, u) for u in org_config.units}
        for unit_config in org_config.units:
            target = units.get(unit_config.merged_into or "")
            sync.merged(org_id, units[unit_config.code], target.id if target else None)
        sync.people(org_id, org_config, units)
    return sync.summary


@dataclass
class _DirectorySync:
    """One sync run: upserts records and audits every change it makes."""

    session: Session
    actor: Actor
    now: datetime
    summary: SyncSummary = field(default_factory=SyncSummary)

    def organization(self, config: OrganizationConfig) -> int:
        values: dict[str, Any] = {
            "name": config.name,
            "level": str(config.level),
            "place": config.place,
            "parent_name": config.parent,
            "parent_code": config.parent_code or "",
            "standing_office_code": config.standing_office,
            "acceptance_required": config.acceptance.required,
            "acceptor": config.acceptance.by,
        }
        org = self.session.exec(
            select(Organization).where(Organization.code == config.code)
        ).first()
        if org is None:
            org = self._create(Organization(code=config.code, **values), None)
            return require_id(org)
        self._update(org, require_id(org), values)
        return require_id(org)

    def unit(self, org_id: int, config: UnitConfig) -> Unit:
        values: dict[str, Any] = {
            "name": config.name,
            "kind": str(config.kind),
            "abbreviations": list(config.abbreviations),
            "aliases": list(config.aliases),
            "active": config.active,
        }
        unit = self.session.exec(
            select(Unit).where(Unit.organization_id == org_id, Unit.code == config.code)
        ).first()
        if unit is None:
            return self._create(Unit(organization_id=org_id, code=config.code, **values), org_id)
        self._update(unit, org_id, values)
        return unit

    def merged(self, org_id: int, unit: Unit, target_id: int | None) -> None:
        self._update(unit, org_id, {"merged_into_id": target_id})

    def people(self, org_id: int, config: OrganizationConfig, units: dict[str, Unit]) -> None:
        stored = {
            (p.unit_id, p.name): p
            for p in self.session.exec(select(Person).where(Person.organization_id == org_id))
        }
        wanted = _wanted_people(config, units)
        for unit_id, person_config, role in wanted:
            values = person_values(person_config, role)
            if isinstance(person_config, LeaderConfig):
                values["areas"] = list(person_config.areas)
                values["in_charge"] = list(person_config.units)
            person = stored.get((unit_id, person_config.name))
            if person is None:
                new = Person(organization_id=org_id, unit_id=unit_id, name=person_config.name)
                self._create(new, org_id, values)
            else:
                self._update(person, org_id, values)
        kept = {(unit_id, p.name) for unit_id, p, _ in wanted}
        for key, person in stored.items():
            if key not in kept and person.active:
                self._update(person, org_id, {"active": False})

    def _create(
        self, record: _Record, org_id: int | None, values: dict[str, Any] | None = None
    ) -> _Record:
        for name, value in (values or {}).items():
            setattr(record, name, value)
        self.session.add(record)
        self.session.flush()
        entity = str(type(record).__tablename__)
        self._audit(org_id or require_id(record), record, "create", ())
        self.summary.count(self.summary.created, entity)
        return record

    def _update(self, record: SQLModel, org_id: int, values: dict[str, Any]) -> None:
        changes = audit.apply_changes(record, values)
        if changes:
            entity = str(type(record).__tablename__)
            self._audit(org_id, record, "update", changes)
            self.summary.count(self.summary.updated, entity)
            invalidate_verdicts(self.session.connection(), organization_id=org_id)

    def _audit(
        self, org_id: int, record: SQLModel, action: str, changes: Sequence[audit.Change]
    ) -> None:
        audit.record_of(
            self.session,
            record,
            organization_id=org_id,
            action=action,
            changes=changes,
            actor=self.actor,
            now=self.now,
        )


def person_values(config: PersonConfig, role: PersonRole) -> dict[str, Any]:
    """The stored fields of a directory person as ``directory.yaml`` writes them."""
    return {
        "title": config.title,
        "email": config.email or "",
        "role": str(role),
        "active": config.left is None,
        "left_on": config.left,
        "phone": config.phone,
        "zalo": config.zalo,
        "channel": config.channel,
        "email_mode": config.email_mode,
    }


def wanted_people(config: OrganizationConfig) -> list[tuple[str | None, PersonConfig, PersonRole]]:
    """Every person of an organization's config with their unit code (None for the
    leaders) and role: Chairman, Vice-Chairmen, then each unit's head, deputies, officers."""
    wanted: list[tuple[str | None, PersonConfig, PersonRole]] = []
    if config.chairman is not None:
        wanted.append((None, config.chairman, PersonRole.CHAIRMAN))
    wanted.extend((None, p, PersonRole.VICE_CHAIRMAN) for p in config.vice_chairmen)
    for unit_config in config.units:
        code = unit_config.code
        if unit_config.head is not None:
            wanted.append((code, unit_config.head, PersonRole.HEAD))
        wanted.extend((code, p, PersonRole.DEPUTY) for p in unit_config.deputies)
        wanted.extend((code, p, PersonRole.OFFICER) for p in unit_config.people)
    return wanted


def _wanted_people(
    config: OrganizationConfig, units: dict[str, Unit]
) -> list[tuple[int | None, PersonConfig, PersonRole]]:
    return [
        (units[code].id if code else None, person, role)
        for code, person, role in wanted_people(config)
    ]


def standing_office(session: Session, organization: Organization) -> list[Person]:
    """The active people of the organization's standing office (its unit
    ``standing_office_code``), in id order."""
    query = (
        select(Person)
        .join(Unit, col(Unit.id) == Person.unit_id)
        .where(
            col(Unit.organization_id) == organization.id,
            col(Unit.code) == organization.standing_office_code,
            col(Person.active),
        )
        .order_by(col(Person.id))
    )
    return list(session.exec(query).all())


def get_organization(session: Session, code: str) -> Organization:
    """The stored organization ``code``, or a Vietnamese error saying how to create it."""
    org = session.exec(select(Organization).where(Organization.code == code)).first()
    if org is None:
        raise _unknown_organization(code, session.exec(select(Organization.code)).all())
    return org


def require_organization(connection: Connection, code: str) -> None:
    """Raise the error of ``get_organization`` when ``code`` is not stored (Core read)."""
    codes = list(connection.execute(select(col(Organization.code))).scalars())
    if code not in codes:
        raise _unknown_organization(code, codes)


def _unknown_organization(code: str, known: Sequence[str]) -> NotFoundError:
    listed = ", ".join(sorted(known)) or "chưa có"
    return NotFoundError(
        f"Không có đơn vị hành chính mã '{code}' trong cơ sở dữ liệu (đã có: {listed}). "
        "Hãy khai báo trong config/directory.yaml rồi chạy 'sauro init'."
    )


def load_org_directory(session: Session, org: Organization) -> OrgDirectory:
    """Units and active people of ``org`` with resolvers built over them."""
    units = list(session.exec(select(Unit).where(Unit.organization_id == org.id)))
    people = list(
        session.exec(select(Person).where(Person.organization_id == org.id, Person.active))
    )
    by_id = {u.id: u for u in units}
    # A merged unit's names resolve to the unit it was merged into (they are its aliases).
    unit_resolver = UnitResolver.from_units(
        ((u.code, u.name, u.abbreviations, u.aliases) for u in units if u.active),
        localities=organization_localities(org.place, org.parent_name),
    )
    person_resolver = PersonResolver.from_people(
        (p.name, by_id[p.unit_id].code if p.unit_id in by_id else None) for p in people
    )
    return OrgDirectory(
        organization=org,
        units={u.code: u for u in units},
        people=people,
        unit_resolver=unit_resolver,
        person_resolver=person_resolver,
    )


def find_person(session: Session, *, organization_id: int, who: str) -> Person:
    """The active person of the organization named ``who`` (full name, with or without
    diacritics, or email address); an error when nobody or more than one person matches."""
    people = list(
        session.exec(select(Person).where(Person.organization_id == organization_id, Person.active))
    )
    wanted = clean(who)
    if not wanted:
        raise NotFoundError("Chưa ghi họ tên hoặc email của cán bộ.")
    matches = [
        p
        for p in people
        if wanted.casefold() in (clean(p.name).casefold(), clean(p.email).casefold())
    ]
    if not matches:
        matches = [p for p in people if fold(p.name) == fold(wanted)]
    if len(matches) == 1:
        return matches[0]
    org = session.get(Organization, organization_id)
    org_name = org.name if org else f"tổ chức {organization_id}"
    if not matches:
        raise NotFoundError(f"Không có cán bộ '{wanted}' trong danh mục của {org_name}.")
    names = "; ".join(
        f"{p.name} ({p.title or p.role}, {p.email or 'không có email'})" for p in matches
    )
    raise DirectoryError(
        f"Có {len(matches)} cán bộ của {org_name} ứng với '{wanted}': {names}. "
        "Hãy ghi địa chỉ email thay cho họ tên."
    )


def find_unit(session: Session, *, organization_id: int, code: str) -> Unit:
    """The unit ``code`` of the organization; an error naming the known codes otherwise."""
    units = list(session.exec(select(Unit).where(Unit.organization_id == organization_id)))
    wanted = code.strip()
    for unit in units:
        if unit.code == wanted:
            return unit
    known = ", ".join(sorted(u.code for u in units))
    raise NotFoundError(f"Không có đơn vị mã '{wanted}' trong danh mục (các mã: {known}).")
