"""Group the planned messages of one run into one digest per recipient address. Pure.

``rules.ladder.plan`` plans one ``PlannedMessage`` per (task or report, rule step,
recipient role). People receive one mail per run, never one per task (domain brief §8), so
``build_digests`` resolves each message's role to people, validates their addresses, and
gathers everything one address receives into one ``Digest``: first the event notices
folded into it (``news``, "Việc mới của bạn": ``NewsItem``, resolved by the engine), then
one section per kind of step:

====================  =====================  ====================================
section               from step kind         shown as
====================  =====================  ====================================
``awaiting``          ``awaiting``           Kết quả chờ xác nhận
``due_soon``          ``before_due``         Sắp đến hạn
``due_today``         ``due_day``            Đến hạn hôm nay
``overdue``           ``overdue``            Quá hạn
``unclear``           ``unclear``            Chưa đạt 6 rõ
``missing_report``    ``missing_report``     Báo cáo chưa gửi
====================  =====================  ====================================

A task reached through several steps or roles in one section (the unit head who is also
the task's officer) is one item listing every step id and ledger key it covers, and the
rules in words (``Step.words``: "quá hạn từ 5 ngày làm việc, nhắc lại hằng tuần — báo Phó
Chủ tịch phụ trách"), never a step id or a config date; with ``base_url`` each item links
to its page. Items are sorted by due date, then reference in natural order ("1.2" before
"1.10"); digests by address. The digest's template is the one named by its most serious
step (overdue, then missing report, unclear, due today, due soon; equally serious steps
naming different templates: the last name in alphabetical order; ``digest`` for notices
alone), so one address never gets two mails.

Resolving roles to people is the engine's job (it reads the directory): it computes
``recipient_key(message)`` for each message and passes, per key, the people found. A key
with nobody, a person without an address or with an invalid one is not an error: it
becomes an ``AddressFinding`` for the standing office, naming who, in which role, why, and
which tasks could not be announced. A ``named`` recipient written as an address in the
ladder needs no directory entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from notifications.addresses import EmailCheck, EmailProblem, check_email
from rules.escalation import KIND_LABELS, ROLE_LABELS, Ladder, Role, StepKind
from rules.ladder import PlannedMessage


class Section(StrEnum):
    """The parts of a digest made of ladder steps, in the order they are shown (after the
    event notices, "Việc mới của bạn": ``Digest.news``)."""

    AWAITING = "awaiting"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    UNCLEAR = "unclear"
    MISSING_REPORT = "missing_report"


SECTION_OF_KIND: dict[StepKind, Section] = {
    StepKind.BEFORE_DUE: Section.DUE_SOON,
    StepKind.DUE_DAY: Section.DUE_TODAY,
    StepKind.OVERDUE: Section.OVERDUE,
    StepKind.UNCLEAR: Section.UNCLEAR,
    StepKind.MISSING_REPORT: Section.MISSING_REPORT,
    StepKind.AWAITING: Section.AWAITING,
}

SECTION_TITLES: dict[Section, str] = {
    Section.AWAITING: "Kết quả chờ xác nhận",
    Section.DUE_SOON: "Sắp đến hạn",
    Section.DUE_TODAY: "Đến hạn hôm nay",
    Section.OVERDUE: "Quá hạn",
    Section.UNCLEAR: "Chưa đạt 6 rõ",
    Section.MISSING_REPORT: "Báo cáo chưa gửi",
}

# "{n} nhiệm vụ sắp đến hạn": how a count of items is said in a subject line.
SECTION_PHRASES: dict[Section, str] = {
    Section.AWAITING: "{n} nhiệm vụ chờ xác nhận kết quả",
    Section.DUE_SOON: "{n} nhiệm vụ sắp đến hạn",
    Section.DUE_TODAY: "{n} nhiệm vụ đến hạn hôm nay",
    Section.OVERDUE: "{n} nhiệm vụ quá hạn",
    Section.UNCLEAR: "{n} nhiệm vụ chưa đạt 6 rõ",
    Section.MISSING_REPORT: "{n} báo cáo chưa gửi",
}

# Which step's template a digest uses when its steps name several: the most serious.
_SERIOUSNESS: dict[StepKind, int] = {
    StepKind.AWAITING: -1,
    StepKind.BEFORE_DUE: 0,
    StepKind.DUE_DAY: 1,
    StepKind.UNCLEAR: 2,
    StepKind.MISSING_REPORT: 3,
    StepKind.OVERDUE: 4,
}

# The labels of config/rules.yaml by default; the engine passes the configured ones.
DEFAULT_DIMENSION_LABELS: dict[str, str] = {
    "person": "Rõ người",
    "work": "Rõ việc",
    "deadline": "Rõ thời gian",
    "responsibility": "Rõ trách nhiệm",
    "authority": "Rõ thẩm quyền",
    "result": "Rõ kết quả",
}
_SECTION_ORDER = {section: index for index, section in enumerate(Section)}
_DIMENSION_ORDER = {name: index for index, name in enumerate(DEFAULT_DIMENSION_LABELS)}

_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?P<part>Q[1-4]|H[12]|Y))?")
_DIGITS = re.compile(r"(\d+)")
_MAX_NAMED_SUBJECTS = 5


@dataclass(frozen=True, slots=True)
class ResolvedRecipient:
    """One person a recipient role resolved to, from the directory."""

    name: str
    title: str
    email: str | None  # as written in the directory; validated here
    role: Role


class AddressProblem(StrEnum):
    """Why a planned message could not be addressed."""

    NO_PERSON = "no_person"  # the role resolved to nobody
    NO_EMAIL = "no_email"  # the person has no address
    INVALID_EMAIL = "invalid_email"  # the address cannot be right


@dataclass(frozen=True, slots=True)
class AddressFinding:
    """A recipient the run could not write to, for the standing office to fix."""

    org: str
    role: Role
    who: str  # "Thủ trưởng Phòng Tư pháp"
    name: str | None  # the person, when the directory names one
    email: str | None  # as written
    problem: AddressProblem
    reason: str  # for an invalid address: what is wrong with it
    subjects: tuple[str, ...]  # "nhiệm vụ 1.2", "báo cáo quý I/2026 của Văn phòng"
    ledger_keys: tuple[str, ...]  # the messages not delivered

    @property
    def message(self) -> str:
        """The finding in one Vietnamese sentence."""
        person = f"{self.who} ({self.name})" if self.name else self.who
        if self.problem is AddressProblem.NO_PERSON:
            what = f"{person}: chưa xác định được người nhận trong danh mục"
        elif self.problem is AddressProblem.NO_EMAIL:
            what = f"{person} chưa có địa chỉ thư điện tử"
        else:
            what = f"{person}: địa chỉ '{self.email}' không hợp lệ ({self.reason})"
        return f"{what}; chưa gửi được thư về {_listed(self.subjects)}"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One task (or unit report) in one section of one digest."""

    section: Section
    org: str
    org_name: str
    task_id: int | None
    ref: str
    work: str
    report: str | None  # "org/unit/period" for a missing report
    period: str | None
    period_label: str  # "quý I/2026"
    lead_unit: str | None
    lead_unit_name: str  # "" when the task has no lead unit
    due: date | None  # as recorded
    effective_due: date | None  # moved off a day off
    days_late: int  # working days
    deadline_version: int
    unclear: tuple[str, ...]  # dimension codes to fix
    unclear_labels: tuple[str, ...]  # "Rõ người", …
    step_ids: tuple[str, ...]
    config_version: str
    ledger_keys: tuple[str, ...]
    rules: tuple[str, ...] = ()  # the steps in words: "nhắc trước hạn 3 ngày làm việc"
    link: str = ""  # the page to act on: the task, or the unit reports

    @property
    def rule(self) -> str:
        """Why this item is here, in words: "nhắc trước hạn 3 ngày làm việc"."""
        return "; ".join(self.rules)

    @property
    def is_report(self) -> bool:
        """Is this a unit report rather than a task?"""
        return self.report is not None

    @property
    def label(self) -> str:
        """ "nhiệm vụ 1.2", or "báo cáo quý I/2026 của Văn phòng"."""
        if self.report is not None:
            return f"báo cáo {self.period_label} của {self.lead_unit_name}"
        return f"nhiệm vụ {self.ref}" if self.ref else f"nhiệm vụ mã {self.task_id}"

    @property
    def moved(self) -> bool:
        """Did the due date fall on a day off, so it counts from the next working day?"""
        return self.due is not None and self.effective_due not in (None, self.due)


@dataclass(frozen=True, slots=True)
class NewsItem:
    """One event notice for one address, folded into its next digest ("Việc mới của bạn").
    The engine builds it from a stored notice and the person's address."""

    to: str  # the address, as written in the directory
    name: str
    title: str
    org: str
    org_name: str
    kind_label: str  # "Đề nghị gia hạn chờ quyết định"
    headline: str  # one line: what happened
    body: str
    at: datetime  # when it happened, local time
    link: str  # absolute, into the app
    ledger_key: str

    @property
    def when(self) -> str:
        """ "08:30 ngày 05/12/2026"."""
        return f"{self.at:%H:%M} ngày {self.at:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class DigestSection:
    """A non-empty section of a digest, for templates that loop over sections."""

    key: Section
    title: str
    items: tuple[DigestItem, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def phrase(self) -> str:
        """ "2 nhiệm vụ sắp đến hạn"."""
        return SECTION_PHRASES[self.key].format(n=len(self.items))


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one address receives in one run: one mail."""

    to: str  # the normalised address
    name: str
    title: str
    roles: tuple[Role, ...]  # the roles through which this address is reached
    today: date
    template: str  # the template set to render it with
    orgs: tuple[str, ...]
    scope_name: str  # the unit all items belong to, else the organization(s)
    news: tuple[NewsItem, ...] = ()  # event notices: "Việc mới của bạn"
    awaiting: tuple[DigestItem, ...] = ()
    due_soon: tuple[DigestItem, ...] = ()
    due_today: tuple[DigestItem, ...] = ()
    overdue: tuple[DigestItem, ...] = ()
    unclear: tuple[DigestItem, ...] = ()
    missing_report: tuple[DigestItem, ...] = ()
    ledger_keys: tuple[str, ...] = ()
    link: str = ""  # the app's address

    @property
    def role_labels(self) -> tuple[str, ...]:
        """ "Thủ trưởng đơn vị chủ trì", …"""
        return tuple(ROLE_LABELS[role] for role in self.roles)

    @property
    def sections(self) -> tuple[DigestSection, ...]:
        """The non-empty sections, in display order."""
        out = []
        for section in Section:
            items: tuple[DigestItem, ...] = getattr(self, section.value)
            if items:
                out.append(DigestSection(section, SECTION_TITLES[section], items))
        return tuple(out)

    @property
    def count(self) -> int:
        """How many items in all sections, notices included."""
        return len(self.news) + sum(len(section.items) for section in self.sections)

    @property
    def summary(self) -> str:
        """ "2 việc mới, 2 nhiệm vụ sắp đến hạn, 1 nhiệm vụ quá hạn"."""
        news = [f"{len(self.news)} việc mới"] if self.news else []
        return ", ".join([*news, *(section.phrase for section in self.sections)])


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """The mails of one run, and what could not be addressed."""

    today: date
    digests: tuple[Digest, ...]
    findings: tuple[AddressFinding, ...]

    @property
    def ledger_keys(self) -> tuple[str, ...]:
        """Every ledger key some digest covers, once, in digest order."""
        return tuple(dict.fromkeys(key for digest in self.digests for key in digest.ledger_keys))

    def findings_for(self, org: str) -> tuple[AddressFinding, ...]:
        """The findings of one organization, for its standing office."""
        return tuple(finding for finding in self.findings if finding.org == org)


def recipient_key(message: PlannedMessage) -> str:
    """Who a message is for, as the engine resolves it against the directory.

    ``org|role|scope``, where the scope is what picks the person: the task for ``person``
    ("xuan-duong|person|task:12"), the lead unit (or the unit owing a report) for
    ``lead_head`` and ``vice_chairman`` ("xuan-duong|lead_head|phong-tu-phap"), the name or
    address for ``named``, and nothing for the Chairman and the standing office, who are
    the same for every task of the organization ("xuan-duong|chairman|").
    """
    role = message.role
    if role is Role.PERSON:
        scope = f"task:{message.task_id}"
    elif role in (Role.LEAD_HEAD, Role.VICE_CHAIRMAN):
        scope = message.lead_unit or ""
    elif role is Role.NAMED:
        scope = message.named or ""
    else:
        scope = ""
    return f"{message.org}|{role.value}|{scope}"


def period_label(period: str | None) -> str:
    """ "2026-Q1" → "quý I/2026", "2026-H1" → "6 tháng đầu năm 2026", "2026" → "năm 2026"."""
    if not period:
        return ""
    match = _PERIOD.fullmatch(period)
    if match is None:
        return period
    year, part = match["year"], match["part"]
    if part is None or part == "Y":
        return f"năm {year}"
    if part == "H1":
        return f"6 tháng đầu năm {year}"
    if part == "H2":
        return f"6 tháng cuối năm {year}"
    return f"quý {_ROMAN[part[1]]}/{year}"


def build_digests(
    messages: Sequence[PlannedMessage],
    *,
    recipients: Mapping[str, Sequence[ResolvedRecipient]],
    today: date,
    org_names: Mapping[str, str],
    unit_names: Mapping[tuple[str, str], str] | None = None,
    dimension_labels: Mapping[str, str] | None = None,
    news: Sequence[NewsItem] = (),
    ladder: Ladder | None = None,
    base_url: str = "",
) -> DigestPlan:
    """One digest per recipient address for the messages of one run and the event notices
    ``news``, and the findings.

    ``recipients`` maps ``recipient_key(message)`` to the people it resolved to;
    ``org_names`` maps organization codes to names ("Ủy ban nhân dân xã Xuân Dương");
    ``unit_names`` maps (organization, unit code) to unit names ("Phòng Tư pháp");
    ``dimension_labels`` are the configured names of the six dimensions; ``ladder`` words
    each item's rules; ``base_url`` is the app's address for links. A missing name shows
    its code. Nothing here raises on bad directory data.
    """
    names = _Names(
        org_names,
        unit_names or {},
        dimension_labels or DEFAULT_DIMENSION_LABELS,
        ladder,
        base_url.rstrip("/"),
    )
    grouper = _Grouper(names, recipients, today)
    for message in messages:
        grouper.add(message)
    for item in news:
        grouper.add_news(item)
    return grouper.plan()


# --- building ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Names:
    """Display names, with the code as the fallback."""

    orgs: Mapping[str, str]
    units: Mapping[tuple[str, str], str]
    dimensions: Mapping[str, str]
    ladder: Ladder | None
    base_url: str

    def rule(self, message: PlannedMessage) -> str:
        """The message's step in words, or its kind when the ladder lacks it."""
        try:
            step = self.ladder.step(message.step_id) if self.ladder else None
        except KeyError:
            step = None
        if step is None:
            return KIND_LABELS[message.kind].lower()
        return step.words(message.role)

    def link(self, message: PlannedMessage) -> str:
        """Where the recipient acts: the task's page, or the unit reports."""
        if not self.base_url:
            return ""
        if message.report is not None or message.task_id is None:
            return f"{self.base_url}/unit-reports"
        return f"{self.base_url}/tasks/{message.task_id}"

    def org(self, org: str) -> str:
        return self.orgs.get(org, org)

    def unit(self, org: str, unit: str | None) -> str:
        if unit is None:
            return ""
        return self.units.get((org, unit), unit)

    def who(self, message: PlannedMessage) -> str:
        """The role of a recipient in words: "Thủ trưởng Phòng Tư pháp"."""
        role, org = message.role, message.org
        unit = self.unit(org, message.lead_unit) or "(chưa có đơn vị chủ trì)"
        if role is Role.LEAD_HEAD:
            return f"Thủ trưởng {unit}"
        if role is Role.VICE_CHAIRMAN:
            return f"Phó Chủ tịch phụ trách {unit}"
        if role is Role.CHAIRMAN:
            return f"Chủ tịch {self.org(org)}"
        if role is Role.STANDING_OFFICE:
            return f"Cơ quan thường trực CCHC của {self.org(org)}"
        if role is Role.NAMED:
            return f"Người nhận đích danh '{message.named}'"
        return "Người thực hiện nhiệm vụ"

    def subject(self, message: PlannedMessage) -> str:
        """What a message is about, for findings: "nhiệm vụ 1.2"."""
        if message.report is not None:
            unit = self.unit(message.org, message.lead_unit)
            return f"báo cáo {period_label(message.period)} của {unit}"
        return f"nhiệm vụ {message.ref}" if message.ref else f"nhiệm vụ mã {message.task_id}"


@dataclass
class _ItemBuilder:
    """One item being gathered: the first message's facts, every message's steps and keys."""

    first: PlannedMessage
    section: Section
    step_ids: dict[str, None] = field(default_factory=dict)
    ledger_keys: dict[str, None] = field(default_factory=dict)
    unclear: dict[str, None] = field(default_factory=dict)
    rules: dict[str, None] = field(default_factory=dict)

    def add(self, message: PlannedMessage, names: _Names) -> None:
        self.step_ids.setdefault(message.step_id)
        self.rules.setdefault(names.rule(message))
        self.ledger_keys.setdefault(message.ledger_key)
        for dimension in message.unclear:
            self.unclear.setdefault(dimension)

    def build(self, names: _Names) -> DigestItem:
        m = self.first
        unclear = tuple(sorted(self.unclear, key=lambda d: _DIMENSION_ORDER.get(d, 99)))
        return DigestItem(
            section=self.section,
            org=m.org,
            org_name=names.org(m.org),
            task_id=m.task_id,
            ref=m.ref,
            work=m.work,
            report=m.report,
            period=m.period,
            period_label=period_label(m.period),
            lead_unit=m.lead_unit,
            lead_unit_name=names.unit(m.org, m.lead_unit),
            due=m.due,
            effective_due=m.effective_due,
            days_late=m.days_late,
            deadline_version=m.deadline_version,
            unclear=unclear,
            unclear_labels=tuple(names.dimensions.get(d, d) for d in unclear),
            step_ids=tuple(self.step_ids),
            config_version=m.config_version,
            ledger_keys=tuple(self.ledger_keys),
            rules=tuple(self.rules),
            link=names.link(m),
        )


@dataclass
class _DigestBuilder:
    """One address being gathered."""

    people: dict[tuple[str, str, str], None] = field(default_factory=dict)  # (name, title, to)
    roles: dict[Role, None] = field(default_factory=dict)
    items: dict[tuple[object, ...], _ItemBuilder] = field(default_factory=dict)
    news: list[NewsItem] = field(default_factory=list)
    # (seriousness of the step kind, template name); notices alone use the daily digest
    template: tuple[int, str] = (-2, "digest")

    def add_news(self, item: NewsItem, address: str) -> None:
        self.people.setdefault((item.name, item.title, address))
        self.news.append(item)

    def add(
        self, message: PlannedMessage, person: ResolvedRecipient, address: str, names: _Names
    ) -> None:
        self.people.setdefault((person.name, person.title, address))
        self.roles.setdefault(message.role)
        section = SECTION_OF_KIND[message.kind]
        subject = message.report if message.report is not None else message.task_id
        key = (section, message.org, subject, message.config_version)
        item = self.items.get(key)
        if item is None:
            item = self.items[key] = _ItemBuilder(message, section)
        item.add(message, names)
        self.template = max(self.template, (_SERIOUSNESS[message.kind], message.template))

    def build(self, names: _Names, today: date) -> Digest:
        # A person the directory names wins over a bare named address.
        name, title, to = min(self.people, key=lambda p: (not p[0], p))
        items = sorted((item.build(names) for item in self.items.values()), key=_item_order)
        by_section: dict[Section, list[DigestItem]] = {section: [] for section in Section}
        for item in items:
            by_section[item.section].append(item)
        news = tuple(sorted(self.news, key=lambda n: (n.at, n.ledger_key)))
        orgs = {item.org for item in items} | {n.org for n in news}
        keys = [*(n.ledger_key for n in news), *(k for item in items for k in item.ledger_keys)]
        return Digest(
            to=to,
            name=name or to,
            title=title,
            roles=tuple(role for role in Role if role in self.roles),
            today=today,
            template=self.template[1],
            orgs=tuple(sorted(orgs)),
            scope_name=_scope_name(items, names) if items else news[0].org_name,
            news=news,
            awaiting=tuple(by_section[Section.AWAITING]),
            due_soon=tuple(by_section[Section.DUE_SOON]),
            due_today=tuple(by_section[Section.DUE_TODAY]),
            overdue=tuple(by_section[Section.OVERDUE]),
            unclear=tuple(by_section[Section.UNCLEAR]),
            missing_report=tuple(by_section[Section.MISSING_REPORT]),
            ledger_keys=tuple(dict.fromkeys(keys)),
            link=names.base_url,
        )


@dataclass
class _FindingBuilder:
    """One address problem being gathered over every message it blocks."""

    message: PlannedMessage
    who: str
    person: ResolvedRecipient | None
    check: EmailCheck | None
    subjects: dict[str, None] = field(default_factory=dict)
    ledger_keys: dict[str, None] = field(default_factory=dict)

    def build(self) -> AddressFinding:
        if self.person is None or self.check is None:
            problem, reason = AddressProblem.NO_PERSON, ""
        elif self.check.problem is EmailProblem.MISSING:
            problem, reason = AddressProblem.NO_EMAIL, ""
        else:
            problem, reason = AddressProblem.INVALID_EMAIL, self.check.reason
        return AddressFinding(
            org=self.message.org,
            role=self.message.role,
            who=self.who,
            name=(self.person.name or None) if self.person else None,
            email=self.person.email if self.person else None,
            problem=problem,
            reason=reason,
            subjects=tuple(self.subjects),
            ledger_keys=tuple(self.ledger_keys),
        )


class _Grouper:
    """Routes each message to the digests of its people's addresses, or to a finding."""

    def __init__(
        self,
        names: _Names,
        recipients: Mapping[str, Sequence[ResolvedRecipient]],
        today: date,
    ) -> None:
        self.names = names
        self.recipients = recipients
        self.today = today
        self.checks: dict[str | None, EmailCheck] = {}
        self.digests: dict[str, _DigestBuilder] = {}
        self.findings: dict[tuple[object, ...], _FindingBuilder] = {}

    def add(self, message: PlannedMessage) -> None:
        people = self.people(message)
        if not people:
            self.finding(message, None, None)
            return
        for person in people:
            check = self.check(person.email)
            if check.address is None:
                self.finding(message, person, check)
                continue
            # Mailboxes ignore case in practice: "A@x.vn" and "a@x.vn" get one mail.
            builder = self.digests.setdefault(check.address.lower(), _DigestBuilder())
            builder.add(message, person, check.address, self.names)

    def add_news(self, item: NewsItem) -> None:
        """A notice for a person whose address the engine has checked."""
        check = self.check(item.to)
        if check.address is not None:
            builder = self.digests.setdefault(check.address.lower(), _DigestBuilder())
            builder.add_news(item, check.address)

    def people(self, message: PlannedMessage) -> Sequence[ResolvedRecipient]:
        """The people a message reaches; a named address needs no directory entry."""
        found = self.recipients.get(recipient_key(message))
        named = message.named
        if found is None and message.role is Role.NAMED and named and "@" in named:
            return (ResolvedRecipient("", "", named, Role.NAMED),)
        return found or ()

    def check(self, email: str | None) -> EmailCheck:
        """``check_email``, once per distinct address written."""
        check = self.checks.get(email)
        if check is None:
            check = self.checks[email] = check_email(email)
        return check

    def finding(
        self,
        message: PlannedMessage,
        person: ResolvedRecipient | None,
        check: EmailCheck | None,
    ) -> None:
        who = self.names.who(message)
        key = (
            message.org,
            who,
            person.name if person else None,
            person.email if person else None,
        )
        builder = self.findings.get(key)
        if builder is None:
            builder = self.findings[key] = _FindingBuilder(message, who, person, check)
        builder.subjects.setdefault(self.names.subject(message))
        builder.ledger_keys.setdefault(message.ledger_key)

    def plan(self) -> DigestPlan:
        digests = [builder.build(self.names, self.today) for builder in self.digests.values()]
        findings = [builder.build() for builder in self.findings.values()]
        digests.sort(key=lambda digest: (digest.to.lower(), digest.to))
        findings.sort(key=lambda f: (f.org, f.who, f.name or "", f.email or "", f.problem))
        return DigestPlan(self.today, tuple(digests), tuple(findings))


def _item_order(item: DigestItem) -> tuple[object, ...]:
    """Section, due date (none last), reference in natural order, then what is left."""
    return (
        _SECTION_ORDER[item.section],
        item.due or date.max,
        _natural(item.ref),
        item.report or "",
        item.org,
        item.task_id or 0,
    )


def _natural(ref: str) -> tuple[tuple[int, int | str], ...]:
    """ "1.10" after "1.2": digits compare as numbers, the rest case-insensitively."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _DIGITS.split(ref)
        if part
    )


def _scope_name(items: Iterable[DigestItem], names: _Names) -> str:
    """The one lead unit every item belongs to, else the organization(s)."""
    units = {(item.org, item.lead_unit) for item in items}
    if len(units) == 1:
        org, unit = next(iter(units))
        if unit is not None:
            return names.unit(org, unit)
    orgs = sorted({org for org, _ in units})
    return ", ".join(names.org(org) for org in orgs)


def _listed(subjects: tuple[str, ...]) -> str:
    """ "nhiệm vụ 1.2, nhiệm vụ 1.3 và 4 mục khác"."""
    shown = ", ".join(subjects[:_MAX_NAMED_SUBJECTS])
    rest = len(subjects) - _MAX_NAMED_SUBJECTS
    return f"{shown} và {rest} mục khác" if rest > 0 else shown
