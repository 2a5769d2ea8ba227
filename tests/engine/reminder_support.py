"""Helpers for the reminder-cycle tests: a commune with a small plan, one cycle per day
against a real SMTP server (aiosmtpd, from ``tests/notifications/smtp_support.py``), and
the digests the server received read back as (day, address) → sections, tasks and steps.

The expected side is written as a ladder table: rows of (day, task ref, step id,
recipients), grouped here into one expected digest per (day, address), the way the
engine must group them.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sauro_support import CONFIG, REPO, write_csv
from sqlalchemy import text

from engine.calendar.status import VN
from engine.configs.files import load_configs
from engine.directory.store import sync_directory
from engine.plans.importer import ImportOptions, import_plan
from engine.reminders.cycle import CycleReport, run_cycle
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from notifications.digest import SECTION_TITLES, Section
from notifications.smtp_settings import SmtpSecurity, SmtpSettings

# The SMTP test server lives beside the delivery tests; this folder is not a package.
_SMTP_SUPPORT = REPO / "tests" / "notifications"
if str(_SMTP_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SMTP_SUPPORT))

from smtp_support import Received, ScriptedHandler, SmtpTestServer, free_port  # noqa: E402

ORG = "xuan-duong"
DOMAIN = "@xuanduong.example.vn"
PLAN_NUMBER = "15/KH-UBND"
PLAN_DATE = date(2026, 1, 5)
SETUP = datetime(2026, 1, 6, 8, 0, tzinfo=VN)
ACTOR = Actor(name="test", source="test_reminders")
HEADER = [
    "TT",
    "Nội dung CCHC",
    "Nhiệm vụ cụ thể",
    "Sản phẩm",
    "Cơ quan chủ trì",
    "Người thực hiện",
    "Thời gian thực hiện",
]

# Who is who in config/directory.yaml (xuan-duong), by the local part of the address.
CHAIRMAN = ("chutich",)  # Hà Văn Phú
STANDING_OFFICE = ("hanhntb", "khanhdv", "mailt")  # Phòng Văn hóa - Xã hội: head and officers
VICE_VP = ("trangdtt",)  # Đinh Thị Thu Trang: Văn phòng, Phòng VH-XH, Trung tâm PVHCC
VICE_KT = ("binhmv",)  # Ma Văn Bình: Phòng Kinh tế, Trung tâm Dịch vụ

# One row per task: TT, area, work, product, lead unit, person, deadline.
Row = tuple[str, str, str, str, str, str, str]


def row(ref: str, lead: str, person: str, deadline: str, work: str) -> Row:
    """A plan row with an area and a product, so that only what is given can be unclear."""
    return (ref, "Cải cách thủ tục hành chính", work, "Báo cáo kết quả", lead, person, deadline)


# -- data -------------------------------------------------------------------------------------


def build_commune(url: str, folder: Path, rows: Sequence[Row], config_dir: Path = CONFIG) -> None:
    """The directory of ``config_dir`` synced, and a plan of ``rows`` imported for Xuân Dương
    from a CSV file (plan number and date given, so authority is clear).

    The verdicts the import stored are dropped: the tests replay weeks in which the tasks
    are judged first by the first reminder cycle run, so "unclear" counts from that day.
    """
    configs = load_configs(config_dir)
    path = write_csv(folder / "ke_hoach_cchc_2026.csv", [HEADER, *[list(r) for r in rows]])
    options = ImportOptions(path=path, org_code=ORG, plan_number=PLAN_NUMBER, plan_date=PLAN_DATE)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=SETUP)
        with session_scope(engine) as session:
            import_plan(session=session, options=options, configs=configs, actor=ACTOR, now=SETUP)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE task SET unclear = '', unclear_since = NULL, judged_version = NULL")
            )
    finally:
        engine.dispose()


def execute(url: str, statement: str, **values: Any) -> None:
    """One SQL statement in its own transaction (to break the data on purpose)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), values)
    finally:
        engine.dispose()


def ledger_rows(url: str) -> list[tuple[str, str]]:
    """(ledger key, status) of every delivery row."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT ledger_key, status FROM delivery ORDER BY ledger_key")
            return [(key, status) for key, status in connection.execute(query)]
    finally:
        engine.dispose()


# -- days -------------------------------------------------------------------------------------


def day(text_: str, year: int = 2026) -> date:
    """ "24/02" → date(2026, 2, 24)."""
    day_, month = text_.split("/")
    return date(year, int(month), int(day_))


def days(first: date, last: date) -> Iterator[date]:
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


def morning(on: date) -> datetime:
    """07:00 in Viet Nam on ``on``: when the daily cycle runs."""
    return datetime(on.year, on.month, on.day, 7, 0, tzinfo=VN)


def run_day(
    url: str,
    on: date,
    smtp: SmtpSettings,
    *,
    config_dir: Path = CONFIG,
    clock: Callable[[], datetime] | None = None,
    dry_run: bool = False,
    again: bool = False,
) -> CycleReport:
    """One cycle at 07:00 on ``on``, with quick retries (the server is local); ``again``
    re-runs a day already done (the lease of the day taken anyway)."""
    return asyncio.run(
        run_cycle(
            database_url=url,
            config_dir=config_dir,
            org_code=ORG,
            now=morning(on),
            dry_run=dry_run,
            smtp=smtp,
            clock=clock or (lambda: datetime.now(UTC)),
            backoff=0.01,
            again=again,
        )
    )


# -- the expected side: ladder tables ---------------------------------------------------------

# (day "dd/mm", task ref, step id, recipients as local parts)
LadderRow = tuple[str, str, str, tuple[str, ...]]

_SECTION_OF_STEP = (
    ("before-", Section.DUE_SOON),
    ("due-day", Section.DUE_TODAY),
    ("overdue-", Section.OVERDUE),
    ("unclear-", Section.UNCLEAR),
)
# Steps whose template is "escalation" in config/escalation.yaml; the rest use "digest".
ESCALATION_STEPS = frozenset(
    {
        "overdue-lead-head",
        "overdue-standing-office",
        "overdue-vice-chairman",
        "overdue-chairman",
        "unclear-chairman",
    }
)


def section_of(step: str) -> Section:
    return next(section for prefix, section in _SECTION_OF_STEP if step.startswith(prefix))


@dataclass(frozen=True)
class Seen:
    """What one digest announced: (section, task ref) items and the rule steps behind them."""

    items: frozenset[tuple[Section, str]]
    steps: frozenset[str]


def expected_digests(rows: Iterable[LadderRow], year: int = 2026) -> dict[tuple[date, str], Seen]:
    """The ladder table grouped the way the engine must: one digest per day and address."""
    items: dict[tuple[date, str], set[tuple[Section, str]]] = defaultdict(set)
    steps: dict[tuple[date, str], set[str]] = defaultdict(set)
    for when, ref, step, recipients in rows:
        for local in recipients:
            key = (day(when, year), local + DOMAIN)
            items[key].add((section_of(step), ref))
            steps[key].add(step)
    return {key: Seen(frozenset(items[key]), frozenset(steps[key])) for key in items}


# -- the received side ------------------------------------------------------------------------

_TITLES = {title.upper(): section for section, title in SECTION_TITLES.items()}
_TITLE_LINE = re.compile(r"^(?P<title>.+) \((?P<count>\d+)\)$")
_ITEM_LINE = re.compile(r"^\d+\. Nhiệm vụ (?P<ref>\S+): ")


@dataclass(frozen=True)
class Mail:
    """One message as the SMTP server received it, read back."""

    day: date  # the cycle that sent it
    rcpt: tuple[str, ...]  # the envelope recipients
    to: str  # the first address of the To header
    subject: str
    message_id: str
    rules: frozenset[str]  # X-Sauro-Rules
    config_version: str
    text: str  # the text/plain body
    html: str | None

    @classmethod
    def read(cls, on: date, received: Received) -> Mail:
        message = received.message
        return cls(
            day=on,
            rcpt=tuple(received.rcpt_tos),
            to=parseaddr(str(message["To"]))[1],
            subject=str(message["Subject"]),
            message_id=str(message["Message-ID"]),
            rules=frozenset(str(message.get("X-Sauro-Rules", "")).split()),
            config_version=str(message.get("X-Sauro-Config-Version", "")),
            text=_part(message, "plain") or "",
            html=_part(message, "html"),
        )

    @property
    def seen(self) -> Seen:
        return Seen(frozenset(digest_items(self.text)), self.rules)


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body((subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content: str = part.get_content()
    return content


def digest_items(body: str) -> list[tuple[Section, str]]:
    """The (section, task ref) items of a digest's text body, as the template lays them
    out ("QUÁ HẠN (2)", then "1. Nhiệm vụ 1.2: …"); an item twice is listed twice."""
    found: list[tuple[Section, str]] = []
    section: Section | None = None
    for line in body.splitlines():
        title = _TITLE_LINE.match(line)
        if title and title["title"] in _TITLES:
            section = _TITLES[title["title"]]
            continue
        item = _ITEM_LINE.match(line)
        if item and section is not None:
            found.append((section, item["ref"]))
    return found


@dataclass
class Inbox:
    """The messages a test server received, tagged with the day of the cycle that sent them."""

    handler: ScriptedHandler
    mails: list[Mail] = field(default_factory=list)
    _taken: int = 0

    def collect(self, on: date) -> list[Mail]:
        """The messages received since the last call, as sent on ``on``."""
        with self.handler.lock:
            new = self.handler.received[self._taken :]
        self._taken += len(new)
        mails = [Mail.read(on, received) for received in new]
        self.mails.extend(mails)
        return mails

    def digests(self) -> dict[tuple[date, str], Seen]:
        """(day, address) → what it announced; fails if an address got two mails a day."""
        twice = [k for k, n in Counter((m.day, m.to) for m in self.mails).items() if n > 1]
        assert not twice, f"more than one mail a day to: {twice}"
        return {(m.day, m.to): m.seen for m in self.mails}

    def message_ids(self) -> Counter[str]:
        return Counter(mail.message_id for mail in self.mails)


def mail_server(handler: ScriptedHandler | None = None) -> SmtpTestServer:
    """An aiosmtpd server on a free port of 127.0.0.1 (not started), no TLS, no AUTH."""
    return SmtpTestServer(handler or ScriptedHandler(), free_port(), {}, SmtpSecurity.NONE)


def smtp_settings(server: SmtpTestServer, **overrides: Any) -> SmtpSettings:
    """Client settings for ``server``: plain SMTP, no login, short timeouts."""
    values: dict[str, Any] = {"smtp_timeout": 2.0, **overrides}
    return server.settings(**values)


# As of Friday 06/02/2026 07:00: tasks 1 and 2 get their 7-day reminder (task 2 caught up,
# its day was Thursday), task 3 fails "rõ thời gian" (the standing office fixes it).
THREE_TASKS = [
    row("1", "Văn phòng HĐND và UBND xã", "Ma Thị Huyền", "24/02/2026",
        "Rà soát quy trình nội bộ giải quyết thủ tục hành chính tại Văn phòng"),
    row("2", "Phòng Kinh tế", "Lường Thị Thảo", "14/02/2026",
        "Xây dựng dự toán kinh phí cải cách hành chính năm 2026 của xã"),
    row("3", "Phòng Văn hóa - Xã hội", "Đàm Văn Khánh", "Thường xuyên",
        "Tuyên truyền cải cách hành chính trên hệ thống truyền thanh của xã"),
]  # fmt: skip
