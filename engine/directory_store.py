"""The directory in the database: organizations, units and people loaded from config.

``sync_directory`` makes the database match ``config/directory.yaml`` (insert, update,
deactivate; never delete, since tasks point at units and people). Units registered by an
import (``--register-units``) are kept. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from engine import audit
from engine.audit import Actor
from engine.directory import (
    DirectoryConfig,
    OrganizationConfig,
    PersonConfig,
    PersonResolver,
    UnitConfig,
    UnitResolver,
    organization_localities,
)
from engine.errors import NotFoundError
from engine.models import Organization, Person, PersonRole, Unit, require_id


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
    summary = SyncSummary()
    for org_config in directory.organizations:
        org = _sync_organization(session, org_config, summary, actor, now)
        units = {u.code: _sync_unit(session, require_id(org), u, summary, actor, now) for u in org_config.units}
        _sync_people(session, require_id(org), org_config, units, summary, actor, now)
    return summary


def _sync_organization(
    session: Session, config: OrganizationConfig, summary: SyncSummary, actor: Actor, now: datetime
) -> Organization:
    values: dict[str, Any] = {
        "name": config.name,
        "level": str(config.level),
        "place": config.place,
        "parent_name": config.parent,
        "standing_office_code": config.standing_office,
    }
    org = session.exec(select(Organization).where(Organization.code == config.code)).first()
    if org is None:
        org = Organization(code=config.code, **values)
        session.add(org)
        session.flush()
        _audit_create(session, require_id(org), "organization", require_id(org), actor, now)
        summary.count(summary.created, "organization")
        return org
    changes = audit.apply_changes(org, values)
    _audit_update(session, require_id(org), "organization", require_id(org), changes, summary, actor, now)
    return org


def _sync_unit(
    session: Session,
    org_id: int,
    config: UnitConfig,
    summary: SyncSummary,
    actor: Actor,
    now: datetime,
) -> Unit:
    values: dict[str, Any] = {
        "name": config.name,
        "kind": str(config.kind),
        "abbreviations": list(config.abbreviations),
        "aliases": list(config.aliases),
    }
    unit = session.exec(
        select(Unit).where(Unit.organization_id == org_id, Unit.code == config.code)
    ).first()
    if unit is None:
        unit = Unit(organization_id=org_id, code=config.code, **values)
        session.add(unit)
        session.flush()
        _audit_create(session, org_id, "unit", require_id(unit), actor, now)
        summary.count(summary.created, "unit")
        return unit
    changes = audit.apply_changes(unit, values)
    _audit_update(session, org_id, "unit", require_id(unit), changes, summary, actor, now)
    return unit


def _wanted_people(
    config: OrganizationConfig, units: dict[str, Unit]
) -> list[tuple[int | None, PersonConfig, PersonRole]]:
    wanted: list[tuple[int | None, PersonConfig, PersonRole]] = []
    if config.chairman is not None:
        wanted.append((None, config.chairman, PersonRole.CHAIRMAN))
    wanted.extend((None, p, PersonRole.VICE_CHAIRMAN) for p in config.vice_chairmen)
    for unit_config in config.units:
        unit_id = units[unit_config.code].id
        if unit_config.head is not None:
            wanted.append((unit_id, unit_config.head, PersonRole.HEAD))
        wanted.extend((unit_id, p, PersonRole.OFFICER) for p in unit_config.people)
    return wanted


def _sync_people(
    session: Session,
    org_id: int,
    config: OrganizationConfig,
    units: dict[str, Unit],
    summary: SyncSummary,
    actor: Actor,
    now: datetime,
) -> None:
    stored = {
        (p.unit_id, p.name): p
        for p in session.exec(select(Person).where(Person.organization_id == org_id))
    }
    seen: set[tuple[int | None, str]] = set()
    for unit_id, person_config, role in _wanted_people(config, units):
        seen.add((unit_id, person_config.name))
        values: dict[str, Any] = {
            "title": person_config.title,
            "email": person_config.email or "",
            "role": str(role),
            "active": True,
        }
        person = stored.get((unit_id, person_config.name))
        if person is None:
            person = Person(organization_id=org_id, unit_id=unit_id, name=person_config.name, **values)
            session.add(person)
            session.flush()
            _audit_create(session, org_id, "person", require_id(person), actor, now)
            summary.count(summary.created, "person")
            continue
        changes = audit.apply_changes(person, values)
        _audit_update(session, org_id, "person", require_id(person), changes, summary, actor, now)
    for key, person in stored.items():
        if key not in seen and person.active:
            changes = audit.apply_changes(person, {"active": False})
            _audit_update(session, org_id, "person", require_id(person), changes, summary, actor, now)


def _audit_create(
    session: Session, org_id: int, entity: str, entity_id: int, actor: Actor, now: datetime
) -> None:
    audit.record(
        session,
        organization_id=org_id,
        entity=entity,
        entity_id=entity_id,
        action="create",
        changes=(),
        actor=actor,
        now=now,
    )


def _audit_update(
    session: Session,
    org_id: int,
    entity: str,
    entity_id: int,
    changes: Sequence[audit.Change],
    summary: SyncSummary,
    actor: Actor,
    now: datetime,
) -> None:
    if not changes:
        return
    audit.record(
        session,
        organization_id=org_id,
        entity=entity,
        entity_id=entity_id,
        action="update",
        changes=changes,
        actor=actor,
        now=now,
    )
    summary.count(summary.updated, entity)


def get_organization(session: Session, code: str) -> Organization:
    """The stored organization ``code``, or a Vietnamese error saying how to create it."""
    org = session.exec(select(Organization).where(Organization.code == code)).first()
    if org is None:
        known = ", ".join(session.exec(select(Organization.code)).all()) or "chưa có"
        raise NotFoundError(
            f"Không có đơn vị hành chính mã '{code}' trong cơ sở dữ liệu (đã có: {known}). "
            "Hãy khai báo trong config/directory.yaml rồi chạy 'sauro init'."
        )
    return org


def load_org_directory(session: Session, org: Organization) -> OrgDirectory:
    """Units and active people of ``org`` with resolvers built over them."""
    units = list(session.exec(select(Unit).where(Unit.organization_id == org.id)))
    people = list(
        session.exec(select(Person).where(Person.organization_id == org.id, Person.active))
    )
    by_id = {u.id: u for u in units}
    unit_resolver = UnitResolver.from_units(
        ((u.code, u.name, u.abbreviations, u.aliases) for u in units),
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
