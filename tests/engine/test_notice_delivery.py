"""Every notice kind on every channel, with the cycle run again: each recipient gets each
notice exactly once, counted at a real SMTP server (aiosmtpd on 127.0.0.1) and at a fake
Zalo ZNS server (a real HTTP server on 127.0.0.1 that checks requests as the API does)."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fake_zns import APP_ID, SECRET_KEY, FakeZns, FakeZnsServer
from reminder_support import DOMAIN, ORG, Inbox, day
from sauro_support import Sauro
from smtp_support import SmtpTestServer
from sqlmodel import Session, select
from test_remind_cli import AT, _loaded, _run, _smtp_env

from engine.calendar.status import VN
from engine.notices.record import Event, notify
from engine.store.db import make_engine, session_scope
from engine.store.models import Notice, Organization, Person
from notifications.notice_config import NoticeKind

Servers = Callable[..., SmtpTestServer]
DIGEST, NOTICE = "1001", "1002"  # the approved ZNS templates of the test
BOTH = "huyenmt"  # e-mail and Zalo
ZALO_ONLY = "thaolt"  # Zalo only
PHONES = {BOTH: "0912 345 678", ZALO_ONLY: "+84 987 654 321"}
WHEN = datetime(2026, 2, 5, 16, 0, tzinfo=VN)  # the afternoon before the cycle of AT


@pytest.fixture
def zns() -> Iterator[FakeZnsServer]:
    fake = FakeZns(templates={t: ("ten", "noi_dung", "lien_ket") for t in (DIGEST, NOTICE)})
    server = FakeZnsServer(fake)
    yield server
    server.stop()


def _zalo_env(server: FakeZnsServer) -> dict[str, str]:
    return {
        "SAURO_ZALO_ENABLED": "true",
        "SAURO_ZALO_APP_ID": APP_ID,
        "SAURO_ZALO_SECRET_KEY": SECRET_KEY,
        "SAURO_ZALO_ACCESS_TOKEN": server.fake.access_token or "",
        "SAURO_ZALO_REFRESH_TOKEN": server.fake.refresh_token,
        "SAURO_ZALO_API_URL": server.url,
        "SAURO_ZALO_OAUTH_URL": server.url,
        "SAURO_BASE_URL": "https://sauro.xuanduong.example.vn",
    }


@pytest.fixture
def commune(sauro: Sauro, tmp_path: Path) -> Sauro:
    """``sauro`` over a copy of the configs, which the tests change."""
    folder = tmp_path / "config"
    shutil.copytree(sauro.config_dir, folder)
    return Sauro(sauro.url, folder, sauro.runner)


def _prepare(sauro: Sauro, tmp_path: Path) -> dict[str, int]:
    """The plan loaded, Zalo templates configured, two people on Zalo, and one notice of
    every kind to each of them; their ids by e-mail name."""
    _loaded(sauro, tmp_path)
    notices = sauro.config_dir / "notices.yaml"
    notices.write_text(
        notices.read_text(encoding="utf-8")
        .replace('digest: ""', f'digest: "{DIGEST}"')
        .replace('notice: ""', f'notice: "{NOTICE}"'),
        encoding="utf-8",
    )
    engine = make_engine(sauro.url)
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        for local, phone in PHONES.items():
            person = session.exec(select(Person).where(Person.email == local + DOMAIN)).one()
            person.channel = "both" if local == BOTH else "zalo"
            person.phone = phone
            ids[local] = int(person.id or 0)
        org = session.exec(select(Organization).where(Organization.code == ORG)).one()
        for kind in NoticeKind:
            event = Event(
                kind=kind, key=f"test:{kind.value}", organization_id=int(org.id or 0),
                title=f"Thông báo loại {kind.value}", body="Nội dung", link="/tasks",
                actor="Kiểm thử",
            )  # fmt: skip
            notify(session, event, ids.values(), now=WHEN)
    engine.dispose()
    return ids


def test_every_notice_kind_reaches_each_person_once_per_channel(
    commune: Sauro, tmp_path: Path, mail_servers: Servers, zns: FakeZnsServer
) -> None:
    sauro = commune
    _prepare(sauro, tmp_path)
    smtp = mail_servers()
    env = {**_smtp_env(smtp), **_zalo_env(zns)}
    for _ in range(2):  # the same cycle again sends nothing twice
        assert _run(sauro, env, "remind", "--org", ORG, "--at", AT).exit_code == 0
    inbox = Inbox(smtp.handler)
    inbox.collect(day("06/02"))
    mails = Counter(m.to for m in inbox.mails)
    assert mails[BOTH + DOMAIN] == 1  # one digest, all the notices in it
    assert mails[ZALO_ONLY + DOMAIN] == 0  # she chose Zalo only
    text = next(m.text for m in inbox.mails if m.to == BOTH + DOMAIN)
    kinds = list(NoticeKind)
    assert f"VIỆC MỚI CỦA BẠN ({len(kinds)})" in text
    for kind in kinds:
        assert f"Thông báo loại {kind.value}" in text
    assert "Xem và xử lý: https://sauro.xuanduong.example.vn/tasks" in text
    fake = zns.fake
    assert fake.problems == []  # every request as the documented API wants it
    by_phone = Counter(phone for phone, _tracking in fake.received.elements())
    # Xuân Dương mails notices at once: on Zalo each is a message of its own, plus the
    # day's summary for Huyền (her task's reminder) and Thảo (hers), each exactly once.
    assert by_phone == {"84912345678": len(kinds) + 1, "84987654321": len(kinds) + 1}
    assert max(fake.received.values()) == 1
    summaries = [r for r in fake.requests if r["template_id"] == DIGEST]
    assert {r["template_data"]["noi_dung"] for r in summaries} == {"Bạn có 1 nhiệm vụ sắp đến hạn."}
    assert all(
        r["template_data"]["lien_ket"] == "https://sauro.xuanduong.example.vn" for r in summaries
    )


def test_notices_read_in_the_app_are_not_mailed_in_the_digest(
    commune: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    sauro = commune
    ids = _prepare(sauro, tmp_path)
    notices = sauro.config_dir / "notices.yaml"
    notices.write_text(  # Xuân Dương folds notices into the digest, like the default
        notices.read_text(encoding="utf-8").replace("email: immediate", "email: digest"),
        encoding="utf-8",
    )
    engine = make_engine(sauro.url)
    with session_scope(engine) as session:
        read = session.exec(
            select(Notice).where(Notice.person_id == ids[BOTH], Notice.kind == "coordination")
        ).one()
        read.read_at = WHEN
    with Session(engine) as session:
        urgent = session.exec(select(Notice).where(Notice.kind == "result_returned")).first()
        assert urgent is not None
    engine.dispose()
    smtp = mail_servers()
    assert _run(sauro, _smtp_env(smtp), "remind", "--org", ORG, "--at", AT).exit_code == 0
    inbox = Inbox(smtp.handler)
    inbox.collect(day("06/02"))
    text = next(m.text for m in inbox.mails if m.to == BOTH + DOMAIN)
    assert "Thông báo loại coordination" not in text  # read in the app: not mailed
    assert "Thông báo loại result_returned" in text  # the others are


def test_an_imported_plan_tells_each_lead_units_heads_once(sauro: Sauro, tmp_path: Path) -> None:
    _loaded(sauro, tmp_path)
    engine = make_engine(sauro.url)
    with Session(engine) as session:
        told = {
            (person.email.split("@")[0], notice.title)
            for notice, person in session.exec(
                select(Notice, Person).where(
                    Notice.person_id == Person.id, Notice.kind == "assigned"
                )
            )
        }
    assert told == {
        (
            "thaihv",
            "Kế hoạch 15/KH-UBND: 1 nhiệm vụ mới giao cho Văn phòng HĐND và UBND xã chủ trì",
        ),
        ("hungtv", "Kế hoạch 15/KH-UBND: 1 nhiệm vụ mới giao cho Phòng Kinh tế chủ trì"),
        ("hanhntb", "Kế hoạch 15/KH-UBND: 1 nhiệm vụ mới giao cho Phòng Văn hóa - Xã hội chủ trì"),
    }
    again = sauro.ok(
        "import", tmp_path / "ke_hoach.csv", "--org", ORG, "--plan-number", "15/KH-UBND"
    )
    assert "Không có thay đổi" in again.stdout or again.exit_code == 0
    with Session(engine) as session:
        assert len(session.exec(select(Notice).where(Notice.kind == "assigned")).all()) == 3
    engine.dispose()


def test_the_standing_office_is_told_where_to_fix_an_address(
    sauro: Sauro, tmp_path: Path, mail_servers: Servers
) -> None:
    _loaded(sauro, tmp_path)
    engine = make_engine(sauro.url)
    with session_scope(engine) as session:
        person = session.exec(select(Person).where(Person.email == BOTH + DOMAIN)).one()
        person.email = ""
    engine.dispose()
    smtp = mail_servers()
    env = {**_smtp_env(smtp), "SAURO_BASE_URL": "https://sauro.xuanduong.example.vn"}
    assert _run(sauro, env, "remind", "--org", ORG, "--at", AT).exit_code == 0
    inbox = Inbox(smtp.handler)
    inbox.collect(day("06/02"))
    notice = next(m for m in inbox.mails if "chưa có địa chỉ thư" in m.subject)
    assert "Ma Thị Huyền" in notice.text
    assert (
        "Danh mục cán bộ trên Sáu Rõ: https://sauro.xuanduong.example.vn/directory" in notice.text
    )
