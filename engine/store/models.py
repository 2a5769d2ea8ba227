"""The domain model: many organizations in one database.

A province runs all its communes on one server, so every row that belongs to an
organization carries ``organization_id`` and every lookup is scoped by it.

Tasks hold the six dimensions as structured fields (person, work + area, deadline,
lead and coordinating units, authority, product/result) next to the raw cells they came
from. Every change to a task is written to ``audit_log`` (append-only).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from engine.store.column_types import AwareDateTime


class OrgLevel(StrEnum):
    """Any People's Committee: commune, ward, district (or town, city) or province."""

    COMMUNE = "commune"
    WARD = "ward"
    DISTRICT = "district"
    PROVINCE = "province"


class UnitKind(StrEnum):
    """Internal units belong to the organization; external bodies are named in plans only."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class PersonRole(StrEnum):
    """What a person is to the engine: who gets which reminders and who approves."""

    CHAIRMAN = "chairman"
    VICE_CHAIRMAN = "vice_chairman"
    HEAD = "head"
    DEPUTY = "deputy"  # phó thủ trưởng: gets the unit's notices beside the head
    OFFICER = "officer"


class TaskState(StrEnum):
    """Lifecycle of a task. The official status (domain.md §4) is derived from this, the
    due date and the time: see ``engine.calendar.status``."""

    OPEN = "open"
    # Completed by the unit, waiting for the authority to accept the result (chờ xác nhận):
    # only when the organization requires acceptance (``Organization.acceptance_required``).
    AWAITING = "awaiting"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # no longer in the plan after a re-import; kept, never deleted


class Acceptor(StrEnum):
    """Who accepts a task's result when the organization requires acceptance."""

    AUTHORITY = "authority"  # the Chairman or a Vice-Chairman (the task's authority)
    STANDING_OFFICE = "standing_office"  # the standing office for administrative reform


class UnitRole(StrEnum):
    LEAD = "lead"
    COORDINATOR = "coordinator"


class ExtensionStatus(StrEnum):
    """Where an extension request (đề nghị gia hạn) stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # the task was completed before anyone decided


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    level: str = Field(max_length=16)
    place: str = Field(default="", max_length=128)
    parent_name: str = Field(default="", max_length=255)
    standing_office_code: str = Field(default="", max_length=64)
    # A completion waits for acceptance (chờ xác nhận) by the task's authority (Chairman or
    # Vice-Chairman) or by the standing office: ``Acceptor``.
    acceptance_required: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    acceptor: str = Field(
        default="authority", max_length=32, sa_column_kwargs={"server_default": "authority"}
    )
    # The code of the organization above it in the same database (a commune's district or
    # province): the parent's dashboard and report roll its children up. "" for none.
    parent_code: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class Unit(SQLModel, table=True):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    code: str = Field(max_length=64)
    name: str = Field(max_length=255)
    kind: str = Field(default=UnitKind.INTERNAL, max_length=16)
    abbreviations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    registered_by_import: bool = False
    # False once merged into another unit (``merged_into_id``) or retired: kept, never
    # deleted, since tasks and history point at it.
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    merged_into_id: int | None = Field(default=None)


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    name: str = Field(max_length=128)
    title: str = Field(default="", max_length=128)
    email: str = Field(default="", max_length=255)
    role: str = Field(default=PersonRole.OFFICER, max_length=16)
    active: bool = True
    phone: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    # The phone number registered with Zalo, when it differs from ``phone``.
    zalo: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    # The person's choices ("" = the organization's default, config/notices.yaml):
    # ``channel`` email | zalo | both; ``email_mode`` immediate | digest.
    channel: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    email_mode: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    left_on: date | None = None  # marked as left (nghỉ việc, chuyển công tác): inactive
    # A Vice-Chairman's (or the Chairman's) fields and the unit codes they are in charge of
    # (phụ trách): whom the ladder escalates a unit's tasks to, who hears its requests.
    areas: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    in_charge: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class DocumentKind(StrEnum):
    """The kind of document a plan's tasks come from."""

    PLAN = "ke_hoach"  # Kế hoạch
    CONCLUSION = "thong_bao_ket_luan"  # Thông báo kết luận
    LETTER = "cong_van"  # Công văn, văn bản chỉ đạo
    MEETING = "chi_dao_truc_tiep"  # chỉ đạo trực tiếp tại cuộc họp


class Plan(SQLModel, table=True):
    """A plan or another assigning document: the basis (rõ thẩm quyền) of its tasks."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=128)  # the plan number, or the file name when it has none
    number: str = Field(default="", max_length=64)  # "3838/KH-UBND"
    issued_on: date | None = None
    issuer: str = Field(default="", max_length=255)
    signer: str = Field(default="", max_length=128)
    year: int | None = None
    period: str = Field(default="", max_length=32)  # "2024", "2026-2030"
    title: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_file: str = Field(default="", max_length=255)
    imported_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    kind: str = Field(
        default=DocumentKind.PLAN, max_length=32, sa_column_kwargs={"server_default": "ke_hoach"}
    )
    # Set when the standing office withdraws a plan imported by mistake (its tasks withdrawn);
    # a new import of the same plan clears it.
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("plan_id", "key"),
        Index("ix_task_org_plan", "organization_id", "plan_id", "position"),
        Index("ix_task_state_due", "state", "due_date"),
        Index("ix_task_org_state_due", "organization_id", "state", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    plan_id: int = Field(foreign_key="plan.id")
    key: str = Field(max_length=64)  # identity within the plan across re-imports
    ref: str = Field(default="", max_length=32)  # the plan's own numbering, "1.1"
    position: int = 0
    # rõ việc
    work: str = Field(sa_column=Column(Text, nullable=False))
    area: str | None = Field(default=None, max_length=64)
    group_label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # rõ người
    person_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    # rõ trách nhiệm
    lead_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    coordinators_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # rõ thời gian
    deadline_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deadline_kind: str = Field(default="none", max_length=16)
    due_date: date | None = None  # the due date in force (after any approved extension)
    # The plan's due date, kept when an approved extension first replaces ``due_date``;
    # None while the task was never extended.
    original_due: date | None = None
    # Bumped whenever ``due_date`` changes: reminders are sent once per deadline version,
    # so a new date re-arms the ladder.
    deadline_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    start_date: date | None = None
    recurrence: str | None = Field(default=None, max_length=32)
    # The 6-rõ verdict as the reminder cycle last saw it: the failing dimensions
    # ("person,deadline"; "" when all six are clear) and the day they were first seen failing,
    # from which the "unclear" steps of the escalation ladder count.
    unclear: str = Field(default="", max_length=128, sa_column_kwargs={"server_default": ""})
    unclear_since: date | None = None
    # What that verdict was judged on: the task's version and the rules' fingerprint
    # (``engine.plans.verdicts``). A refresh re-judges only the tasks where either differs;
    # an edit of what a verdict reads outside the task (its plan, person, units) clears it.
    judged_version: int | None = None
    judged_rules: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    deadline_resolved: bool = False
    # The last time the task was given to its person (``engine.tasks.delegation``): the day,
    # a counter (one notice per assignment: the ladder's ``assigned`` steps) and whether the
    # lead unit's head gave it (then the head needs no notice of it).
    assigned_on: date | None = Field(default=None, index=True)
    assignment: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    assigned_by_lead: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    deadline_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # rõ thẩm quyền
    assigner: str = Field(default="", max_length=255)
    # rõ kết quả
    product: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # other cells and lifecycle
    budget: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(default=TaskState.OPEN, max_length=16)
    completed_on: date | None = None  # as the unit recorded it; on time is judged by it
    # Acceptance of the result (``engine.tasks.acceptance``): the day the last completion was
    # sent for acceptance and a counter of those (one reminder round per submission); the
    # day and reason of the last return and a counter of returns (one notice per return).
    submitted_on: date | None = None
    submission: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    returned_on: date | None = Field(default=None, index=True)
    returns: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    return_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    raw_cells: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_row: str = Field(default="", max_length=64)  # "bảng 2, dòng 5"
    version: int = 1
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class TaskUnit(SQLModel, table=True):
    """A unit named in a task's lead or coordinator cell, as written and as resolved."""

    __tablename__ = "task_unit"
    __table_args__ = (Index("ix_task_unit_task", "task_id", "role", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    role: str = Field(max_length=16)
    position: int = 0
    text: str = Field(max_length=255)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    collective: bool = False


class Milestone(SQLModel, table=True):
    """One of several deadlines in one cell ("Quý II, III/2024")."""

    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_task", "task_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    position: int = 0
    due_date: date
    text: str = Field(default="", max_length=255)


class ProgressReport(SQLModel, table=True):
    """One progress report on a task: how far it is (percent) and what was done."""

    __tablename__ = "progress_report"
    __table_args__ = (Index("ix_progress_report_task", "task_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    actor: str = Field(max_length=128)
    percent: int | None = None  # 0-100
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class CoordinationNote(SQLModel, table=True):
    """A coordinating unit's part of a task (phối hợp): what it did, with its evidence. It
    shows on the task and in the lead unit's history, and changes nothing of the lead's."""

    __tablename__ = "coordination_note"
    __table_args__ = (Index("ix_coordination_note_task", "task_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    unit_id: int = Field(foreign_key="unit.id")
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    actor: str = Field(max_length=128)
    note: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ExtensionRequest(SQLModel, table=True):
    """An extension request (đề nghị gia hạn): a reason and a new date, asked before the
    deadline, approved or refused by the task's authority."""

    __tablename__ = "extension_request"
    __table_args__ = (
        Index("ix_extension_request_task", "task_id", "requested_at"),
        Index("ix_extension_request_org_status", "organization_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    task_id: int = Field(foreign_key="task.id")
    requested_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    requested_by: str = Field(max_length=128)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    old_due: date
    new_due: date
    status: str = Field(default=ExtensionStatus.PENDING, max_length=16)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    decided_by: str = Field(default="", max_length=128)
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AuditLog(SQLModel, table=True):
    """Append-only: who changed what, when, from which value to which."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    entity: str = Field(max_length=32)  # task, plan, unit, person
    entity_id: int
    action: str = Field(max_length=16)  # create, update, withdraw
    field: str = Field(default="", max_length=64)
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    actor: str = Field(max_length=128)
    source: str = Field(default="", max_length=255)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


def require_id(record: SQLModel) -> int:
    """The primary key of a stored record (raises when it was never flushed)."""
    value = getattr(record, "id", None)
    if value is None:
        raise RuntimeError(f"{type(record).__name__} has no id: flush it first")
    return int(value)


class Delivery(SQLModel, table=True):
    """The delivery ledger: one row per ledger key (task, rule step, recipient, deadline
    version), so that nothing is sent twice whatever re-runs. See ``notifications.ledger``.

    ``status``: ``sending`` (claimed by a run since ``claimed_at``), ``sent``, ``deferred``
    (a temporary failure: the next run tries again) or ``failed`` (permanent: never retried
    automatically). ``attempts`` counts every attempt over all runs.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("ledger_key"),
        Index("ix_delivery_status", "status", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ledger_key: str = Field(max_length=512)
    message_id: str = Field(default="", max_length=64, index=True)
    status: str = Field(max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class CycleKind(StrEnum):
    """The scheduled work done once per organization and working day."""

    REMINDERS = "reminders"
    REPORTING = "reporting"


class CycleRun(SQLModel, table=True):
    """The lease of one organization's cycle of one kind on one day (``engine.store.leases``).

    Claimed atomically before the cycle starts, so that two schedulers, a flow run started
    twice or a manual run on the same day do the work once; ``expires_at`` lets the next run
    take over from a holder that died; ``finished_at`` marks the day's work done.
    """

    __tablename__ = "cycle_run"
    __table_args__ = (UniqueConstraint("organization_id", "day", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    day: date
    kind: str = Field(max_length=16)
    holder: str = Field(max_length=128)
    started_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    takeovers: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class HeldMessage(SQLModel, table=True):
    """A rendered message that could not be delivered yet (a temporary failure).

    The next cycle sends it again as it was, unless that day's digests re-plan every one of
    its ledger keys for the same address (then the fresher digest replaces it): a reminder
    held back by an outage on the due day is not lost when the ladder moves on.
    """

    __tablename__ = "held_message"

    message_id: str = Field(primary_key=True, max_length=64)
    to: list[str] = Field(sa_column=Column(JSON, nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ledger_keys: list[str] = Field(sa_column=Column(JSON, nullable=False))
    held_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class UnitReport(SQLModel, table=True):
    """One unit's report to the standing office for one reporting period.

    Created when the period's form is sent to the unit (``requested_at``; ``task_ids`` are
    the task rows of that form). ``submitted_at`` is the first time the unit reported: a
    filled form recorded (``submitted_via`` "form"), or every task of the form given a
    progress report or completion through the task actions since the request
    ("task_actions"); the on-time indicator compares it with ``due``.
    ``last_submitted_at`` is the latest form recorded. Until it is submitted, the ladder's
    ``missing_report`` steps remind the unit head and then escalate.
    """

    __tablename__ = "unit_report"
    __table_args__ = (
        UniqueConstraint("organization_id", "unit_id", "period_code"),
        Index("ix_unit_report_open", "submitted_at", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    unit_id: int = Field(foreign_key="unit.id")
    period_code: str = Field(max_length=16)
    due: date  # the unit's deadline for this period (reporting.yaml)
    task_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    form_file: str = Field(default="", max_length=255)
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    last_submitted_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    submitted_by: str = Field(default="", max_length=128)
    submitted_via: str = Field(default="", max_length=16)  # "form" or "task_actions"
    # What the unit wrote in its last returned form: [{"ref": "1.2" or "" (general), "text"}].
    difficulties: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    proposals: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class ConfigFileRevision(SQLModel, table=True):
    """One saved version of an administrator-edited config file (``rules.yaml``,
    ``templates/digest.html``…), numbered 1, 2, 3… per file. Append-only: a rollback saves
    the old text again as a new revision.

    This table is also the audit of config changes (who, when, through what, why): configs
    are global, while every ``audit_log`` row belongs to one organization. ``action`` is
    ``original`` (the file as it was on disk before its first save), ``hand_edit`` (the
    file as edited by hand since its last revision, recorded before a save replaces it),
    ``save`` or ``rollback``.
    """

    __tablename__ = "config_revision"
    __table_args__ = (UniqueConstraint("name", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(max_length=16)
    saved_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    saved_by: str = Field(max_length=128)
    source: str = Field(default="", max_length=255)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class UserRole(StrEnum):
    """What a web account may do (``engine.web.policy`` holds the role × action matrix)."""

    ADMIN = "admin"  # quản trị: edits the configs
    STANDING_OFFICE = "standing_office"  # cơ quan thường trực CCHC
    UNIT_HEAD = "unit_head"  # thủ trưởng đơn vị
    OFFICER = "officer"  # cán bộ, công chức
    CHAIRMAN = "chairman"  # Chủ tịch UBND
    VICE_CHAIRMAN = "vice_chairman"  # Phó Chủ tịch UBND


class UserAccount(SQLModel, table=True):
    """A login of the web app: one person of one organization in one role.

    Unit heads, officers and the Chairman / Vice-Chairmen are linked to their directory
    ``person`` (and so to a unit, and to the authority that decides extensions).
    ``failed_logins`` counts consecutive failures; at the limit the account is locked until
    ``locked_until`` (login throttling, with ``login_failure`` per address).
    """

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    last_login_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class UserSession(SQLModel, table=True):
    """A signed-in browser: the SHA-256 of its cookie token (the token itself is never
    stored), the CSRF token bound to it, and when it expires."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Notice(SQLModel, table=True):
    """One event told to one person (``engine.notices``): in their inbox, and by e-mail or
    Zalo as they chose. ``event_key`` names the event (one notice per event and person,
    whatever re-runs); ``link`` is the app path where the person acts. How it is sent (at
    once or in the daily digest, by e-mail or Zalo) is decided when it is delivered."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("event_key", "person_id"),
        Index("ix_notice_person", "person_id", "created_at"),
        Index("ix_notice_org_created", "organization_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    person_id: int = Field(foreign_key="person.id")
    event_key: str = Field(max_length=255)
    kind: str = Field(max_length=32)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    link: str = Field(max_length=255)
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


class PasswordReset(SQLModel, table=True):
    """A "Quên mật khẩu" request: the SHA-256 of the mailed token (never the token), valid
    until ``expires_at`` and once (``used_at``). Requests for unknown accounts are kept too
    (``user_id`` None), so throttling by address and name says nothing of who exists."""

    __tablename__ = "password_reset"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_password_reset_ip", "ip", "created_at"),
        Index("ix_password_reset_user", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    username: str = Field(max_length=64)
    ip: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


class ReportSection(SQLModel, table=True):
    """One saved text of one section of an organization's period report ("I", "III.1"…),
    numbered 1, 2, 3… per section: the latest is the one in force, the others its history.
    A section never saved is the draft the data writes (``engine.reports.sections``)."""

    __tablename__ = "report_section"
    __table_args__ = (UniqueConstraint("organization_id", "period_code", "section", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    period_code: str = Field(max_length=16)
    section: str = Field(max_length=16)
    revision: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    saved_by: str = Field(max_length=128)
    saved_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class ReportState(StrEnum):
    """Where a period report stands: bản nháp → trình ký → đã duyệt → đã ban hành → đã gửi."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ISSUED = "issued"
    SENT = "sent"


class DocumentRegister(SQLModel, table=True):
    """The organization's register of outgoing documents (sổ văn bản đi): one row per number
    given, per year, sequential and never reused."""

    __tablename__ = "document_register"
    __table_args__ = (UniqueConstraint("organization_id", "year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    year: int
    number: int
    symbol: str = Field(max_length=32)  # "BC-UBND"
    subject: str = Field(sa_column=Column(Text, nullable=False))
    issued_on: date
    issued_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class PeriodReport(SQLModel, table=True):
    """One organization's report for one period on its way from draft to sent
    (``engine.reports.approval``); the number comes from the register when it is issued."""

    __tablename__ = "period_report"
    __table_args__ = (UniqueConstraint("organization_id", "period_code"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id")
    period_code: str = Field(max_length=16)
    state: str = Field(default=ReportState.DRAFT, max_length=16)
    submitted_by: str = Field(default="", max_length=128)
    submitted_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    approver_id: int | None = Field(default=None, foreign_key="person.id")
    approved_by: str = Field(default="", max_length=128)
    approved_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    register_id: int | None = Field(default=None, foreign_key="document_register.id")
    issued_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class ZaloToken(SQLModel, table=True):
    """The Zalo Official Account's tokens for one app: Zalo's OAuth v4 hands out a new
    refresh token with every access token (the old one stops working), so both are kept
    here, not in settings, and replaced together (``notifications.zalo``)."""

    __tablename__ = "zalo_token"

    app_id: str = Field(primary_key=True, max_length=64)
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class LoginFailure(SQLModel, table=True):
    """One failed login, by client address: too many from one address are refused."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_ip", "ip", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    ip: str = Field(max_length=64)
    username: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
