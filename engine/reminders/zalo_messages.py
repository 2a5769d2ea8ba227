"""What a run sends by Zalo: one short ZNS message per person who chose Zalo.

ZNS carries approved templates with a few parameters, not a digest, so each person gets:

- the daily summary (template ``zalo.templates.digest`` of ``notices.yaml``): "Bạn có 3
  nhiệm vụ đến hạn hôm nay, 1 nhiệm vụ quá hạn, 2 việc mới." and a link into the app;
- a notice due at once (template ``zalo.templates.notice``): its one line and its link.

Every template gets the same parameters: ``ten`` (the person's name), ``noi_dung`` (what
to say) and ``lien_ket`` (the link). The ledger keys are the e-mail ones on the Zalo
channel, per phone number (``zalo:<key>|to:<phone>``), so each item goes once per channel
and recipient, whatever re-runs; the summary is sent again only for what is new in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from engine.store.models import Person
from notifications.channels import ZALO, channel_key
from notifications.digest import SECTION_OF_KIND, SECTION_PHRASES, Section
from notifications.zalo import PhoneNumberError, ZaloMessage, normalize_phone
from rules.ladder import PlannedMessage

NOTE_MAX = 200  # characters of "noi_dung": ZNS parameters are short


@dataclass
class _Summary:
    person: Person
    phone: str
    items: dict[Section, set[object]] = field(default_factory=lambda: defaultdict(set))
    news: int = 0
    keys: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True)
class ZaloNotice:
    """One notice for one person, as Zalo tells it."""

    person: Person
    headline: str
    link: str
    key: str  # the notice's ledger key without channel and address: "notice:12"
    at_once: bool


def zalo_key(key: str, phone: str) -> str:
    """The ledger key of ``key`` sent by Zalo to ``phone``."""
    return channel_key(f"{key}|to:{phone}", ZALO)


def phone_of(person: Person) -> str | None:
    """The person's Zalo number normalized ("84…"), or None when there is no usable one."""
    try:
        return normalize_phone(person.zalo or person.phone)
    except PhoneNumberError:
        return None


def summaries(
    planned: Iterable[PlannedMessage],
    people_of: Callable[[PlannedMessage], Sequence[Person]],
    reaches: Callable[[Person], bool],
    news: Iterable[ZaloNotice],
    *,
    template: str,
    base_url: str,
    fresh: Callable[[str], bool] = lambda _key: True,
) -> list[ZaloMessage]:
    """One summary per person reached by Zalo, over the planned messages and the notices
    folded into the day (``at_once`` False), of the items whose key is ``fresh`` (not yet
    sent by Zalo)."""
    gathered: dict[int, _Summary] = {}

    def summary_of(person: Person) -> _Summary | None:
        phone = phone_of(person) if reaches(person) else None
        if phone is None or person.id is None:
            return None
        return gathered.setdefault(person.id, _Summary(person, phone))

    for message in planned:
        for person in people_of(message):
            found = summary_of(person)
            if found is not None and fresh(zalo_key(message.ledger_key, found.phone)):
                subject = message.report or message.task_id
                found.items[SECTION_OF_KIND[message.kind]].add(subject)
                found.keys.setdefault(zalo_key(message.ledger_key, found.phone))
    for notice in news:
        found = summary_of(notice.person) if not notice.at_once else None
        if found is not None and fresh(zalo_key(notice.key, found.phone)):
            found.news += 1
            found.keys.setdefault(zalo_key(notice.key, found.phone))
    return [
        ZaloMessage(
            phone=s.phone,
            template_id=template,
            template_data=_data(s.person, _said(s), base_url),
            ledger_keys=tuple(s.keys),
            subject=f"tin Zalo tổng hợp: {_said(s)}",
        )
        for s in gathered.values()
        if s.keys
    ]


def notice_messages(
    notices: Iterable[ZaloNotice],
    *,
    template: str,
    base_url: str,
    fresh: Callable[[str], bool] = lambda _key: True,
) -> list[ZaloMessage]:
    """One message per notice due at once whose key is ``fresh``."""
    out: list[ZaloMessage] = []
    for notice in notices:
        phone = phone_of(notice.person)
        if phone is None or not notice.at_once or not fresh(zalo_key(notice.key, phone)):
            continue
        link = f"{base_url.rstrip('/')}{notice.link}" if base_url else ""
        out.append(
            ZaloMessage(
                phone=phone,
                template_id=template,
                template_data=_data(notice.person, notice.headline, link),
                ledger_keys=(zalo_key(notice.key, phone),),
                subject=f"tin Zalo: {notice.headline}",
            )
        )
    return out


def _said(summary: _Summary) -> str:
    parts = [f"{summary.news} việc mới"] if summary.news else []
    parts += [
        SECTION_PHRASES[section].format(n=len(summary.items[section]))
        for section in Section
        if summary.items.get(section)
    ]
    return f"Bạn có {', '.join(parts)}."


def _data(person: Person, said: str, link: str) -> dict[str, str]:
    note = said if len(said) <= NOTE_MAX else said[: NOTE_MAX - 1] + "…"
    return {"ten": person.name, "noi_dung": note, "lien_ket": link}


def zalo_plan(
    planned: Sequence[PlannedMessage],
    people_of: Callable[[PlannedMessage], Sequence[Person]],
    reaches: Callable[[Person], bool],
    notices: Sequence[ZaloNotice],
    *,
    templates: tuple[str, str],
    base_url: str,
    claimable: Callable[[list[str]], Iterable[str]],
) -> list[ZaloMessage]:
    """The day's Zalo messages (summaries, then notices due at once) of what the ledger
    does not hold yet: built once to learn the keys, asked of the ledger in one go, built
    again over the free ones."""
    digest, notice = templates

    def build(fresh: Callable[[str], bool]) -> list[ZaloMessage]:
        return [
            *summaries(
                planned, people_of, reaches, notices, template=digest, base_url=base_url,
                fresh=fresh,
            ),
            *notice_messages(notices, template=notice, base_url=base_url, fresh=fresh),
        ]  # fmt: skip

    keys = [key for message in build(lambda _key: True) for key in message.ledger_keys]
    free = set(claimable(keys))
    return build(free.__contains__) if free else []
