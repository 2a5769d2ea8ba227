"""Delivering event notices by e-mail: at once, or folded into the next daily digest.

A notice (``engine.notices``) always shows in its person's inbox. By e-mail it goes:

- at once, in a mail of its own, when the person chose ``immediate`` (or left it to an
  organization whose default is) or when it is urgent (``notices.yaml``: a returned result;
  an extension request when the deadline is at most ``urgent.extension_within`` working
  days away);
- else in the person's next daily digest, section "Việc mới của bạn", unless they have
  read it in the app by then.

The daily cycle folds into its digests every notice still unsent (those due at once too:
an outage or a command run without mail held them back), so a person gets one mail a run.

Both ways use one ledger key per notice and address (``notice:<id>|email|to:<address>``),
so a notice is mailed once whatever sends it first: the web app just after the action, a
command, or the daily cycle catching up on what an outage held back. Notices older than
``LOOKBACK`` are not mailed any more: the inbox keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from engine.calendar.status import VN, local_date
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs
from engine.reminders.zalo_messages import ZaloNotice
from engine.store.models import Notice, Organization, Person, Task
from notifications.channels import EMAIL, ZALO, channels_for
from notifications.digest import Digest, NewsItem, build_digests
from notifications.notice_config import NOTICE_LABELS, EmailMode, NoticeKind, NoticesConfig

LOOKBACK = timedelta(days=14)


@dataclass(frozen=True)
class NoticePlan:
    """The notices to mail: each in a digest of its own, at once (``immediate``), or folded
    into the daily digests (``folded``)."""

    immediate: list[Digest] = field(default_factory=list)
    folded: list[NewsItem] = field(default_factory=list)
    zalo: list[ZaloNotice] = field(default_factory=list)  # for the people reached by Zalo


@dataclass(frozen=True)
class _Row:
    notice: Notice
    person: Person
    org: Organization
    due: date | None


def plan_notices(
    connection: Connection,
    *,
    configs: Configs,
    org_code: str | None,
    now: datetime,
    base_url: str,
    immediate_only: bool = False,
) -> NoticePlan:
    """The notices of the last ``LOOKBACK`` that e-mail may still carry: with
    ``immediate_only``, those due at once, each in a digest of its own; else all of them
    folded into the daily digests (the ledger keeps out what was sent)."""
    calendar = WorkCalendar(configs.calendar)
    today = local_date(now)
    plan = NoticePlan()
    for row in _rows(connection, org_code=org_code, since=now - LOOKBACK):
        prefs = configs.notices.preferences(
            row.org.code, channel=row.person.channel, email=row.person.email_mode
        )
        at_once = prefs.email is EmailMode.IMMEDIATE or _urgent(
            configs.notices, row, calendar, today
        )
        reached = channels_for(
            prefs.channel.value, email=row.person.email, phone=row.person.zalo or row.person.phone
        )
        if ZALO in reached and (at_once or row.notice.read_at is None):
            plan.zalo.append(
                ZaloNotice(
                    row.person, row.notice.title, row.notice.link, f"notice:{row.notice.id}",
                    at_once=at_once,
                )
            )  # fmt: skip
        if EMAIL not in reached:
            continue
        item = _news(row, base_url)
        if not immediate_only:
            if at_once or row.notice.read_at is None:
                plan.folded.append(item)
        elif at_once:
            plan.immediate.extend(
                build_digests(
                    (),
                    recipients={},
                    today=today,
                    org_names={row.org.code: row.org.name},
                    news=[item],
                    base_url=base_url,
                ).digests
            )
    return plan


def _rows(connection: Connection, *, org_code: str | None, since: datetime) -> list[_Row]:
    query = (
        select(Notice, Person, Organization, Task)
        .join(Person, col(Person.id) == Notice.person_id)
        .join(Organization, col(Organization.id) == Notice.organization_id)
        .outerjoin(Task, col(Task.id) == Notice.task_id)
        .where(col(Notice.created_at) >= since, col(Person.active))
        .order_by(col(Notice.id))
    )
    if org_code is not None:
        query = query.where(Organization.code == org_code)
    with Session(bind=connection) as session:
        rows = session.exec(query).all()
        session.expunge_all()
    return [_Row(n, p, o, t.due_date if t else None) for n, p, o, t in rows]


def _urgent(config: NoticesConfig, row: _Row, calendar: WorkCalendar, today: date) -> bool:
    kind = NoticeKind(row.notice.kind)
    if kind in config.urgent.kinds:
        return True
    if kind is NoticeKind.EXTENSION_REQUESTED and row.due is not None:
        left = calendar.working_days_between(today, calendar.effective_due(row.due))
        return left <= config.urgent.extension_within
    return False


def _news(row: _Row, base_url: str) -> NewsItem:
    notice = row.notice
    return NewsItem(
        to=row.person.email,
        name=row.person.name,
        title=row.person.title,
        org=row.org.code,
        org_name=row.org.name,
        kind_label=NOTICE_LABELS[NoticeKind(notice.kind)],
        headline=notice.title,
        body=notice.body,
        at=notice.created_at.astimezone(VN),
        link=f"{base_url.rstrip('/')}{notice.link}" if base_url else "",
        ledger_key=f"notice:{notice.id}|email",
    )


def pending_immediate(
    engine: Engine, *, configs: Configs, org_code: str | None, now: datetime, base_url: str
) -> NoticePlan:
    """The notices due at once (each e-mail in a digest of its own; the Zalo ones with
    ``at_once`` set); the ledger decides at delivery which were sent already."""
    with engine.connect() as connection:
        return plan_notices(
            connection,
            configs=configs,
            org_code=org_code,
            now=now,
            base_url=base_url,
            immediate_only=True,
        )
