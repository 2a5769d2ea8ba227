"""Zalo ZNS: phone numbers and messages (pure), then ``ZnsChannel`` against a real fake ZNS
server on 127.0.0.1 (``fake_zns``), with tokens in memory or in the database, and
``deliver`` over it with a real ``DatabaseLedger``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fake_zns import APP_ID, SECRET_KEY, FakeZns, FakeZnsServer
from pydantic import ValidationError
from sqlalchemy import Engine, select

from engine.store.db import make_engine
from engine.store.models import ZaloToken
from notifications.addresses import Mailbox
from notifications.channels import channel_key, channel_keys, channels_for
from notifications.delivery import DeliveryReport, OutcomeStatus, deliver
from notifications.ledger import DatabaseLedger, DeliveryStatus, Ledger, MemoryLedger
from notifications.transport import MemoryTransport, SendResult, SendStatus
from notifications.zalo import (
    TRACKING_ID_MAX,
    DatabaseTokenStore,
    MemoryTokenStore,
    PhoneNumberError,
    TokenStore,
    ZaloMessage,
    ZaloTokens,
    ZnsChannel,
    classify,
    normalize_phone,
)
from notifications.zalo_settings import ZaloSettings, make_zalo_channel

TEMPLATE = "7895417a7d3f9461cd2e"
DATA = {"so_viec": "3", "qua_han": "1", "lien_ket": "https://sauro.example/viec"}
FAST = {"backoff": 0.01, "max_backoff": 0.05}


@pytest.fixture
def zns() -> Iterator[FakeZnsServer]:
    server = FakeZnsServer()
    yield server
    assert server.fake.problems == []  # the client never sent what the real API refuses
    server.stop()


def tokens_of(fake: FakeZns, *, expires_in: timedelta = timedelta(hours=20)) -> ZaloTokens:
    """The pair the OA's authorization gave (what the settings would hold)."""
    return ZaloTokens(fake.access_token or "", fake.refresh_token, datetime.now(UTC) + expires_in)


def channel(server: FakeZnsServer, store: TokenStore) -> ZnsChannel:
    return ZnsChannel(
        app_id=APP_ID,
        secret_key=SECRET_KEY,
        store=store,
        api_url=server.url,
        oauth_url=server.url,
        timeout=5.0,
    )


def message(n: int = 1, *, phone: str = "0987 654 321", template: str = TEMPLATE) -> ZaloMessage:
    return ZaloMessage(
        phone=phone,
        template_id=template,
        template_data=DATA if template == TEMPLATE else {"ten": "Nguyễn Văn A"},
        ledger_keys=(channel_key(f"task:{n}|reminder|named:a@x.vn|v1", "zalo"),),
        subject=f"nhắc việc số {n}",
    )


def send_once(zalo: ZnsChannel, *messages: ZaloMessage) -> list[SendResult]:
    async def go() -> list[SendResult]:
        try:
            return [await zalo.send(m) for m in messages]
        finally:
            await zalo.aclose()

    return asyncio.run(go())


def run(
    messages: Sequence[ZaloMessage], zalo: ZnsChannel, ledger: Ledger, **options: object
) -> DeliveryReport[ZaloMessage]:
    async def go() -> DeliveryReport[ZaloMessage]:
        try:
            return await deliver(messages, zalo, ledger=ledger, **{**FAST, **options})  # type: ignore[arg-type]
        finally:
            await zalo.aclose()

    return asyncio.run(go())


# ---------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    "text",
    ["0987 654 321", "+84 987654321", "84987654321", "0987.654.321", "(+84) 987-654-321"],
)
def test_phone_numbers_become_84(text: str) -> None:
    assert normalize_phone(text) == "84987654321"


@pytest.mark.parametrize("text", ["", "12345", "0287 654 321", "+1 987 654 321", "098765432a"])
def test_a_number_that_is_not_a_vietnamese_mobile_is_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(PhoneNumberError, match="không phải số di động Việt Nam"):
        message(phone=text)


def test_the_tracking_id_is_the_ledger_key_or_the_message_id() -> None:
    short = message()
    assert short.tracking_id == short.ledger_keys[0]
    assert short.payload() == {
        "phone": "84987654321",
        "template_id": TEMPLATE,
        "template_data": DATA,
        "tracking_id": short.ledger_keys[0],
    }
    long_key = "task:1|" + "x" * TRACKING_ID_MAX
    several = ZaloMessage("0987654321", TEMPLATE, DATA, ("a", "b"))
    too_long = ZaloMessage("0987654321", TEMPLATE, DATA, (long_key,))
    assert several.tracking_id == several.message_id
    assert too_long.tracking_id == too_long.message_id
    assert len(too_long.message_id) <= TRACKING_ID_MAX
    assert several.subject == f"tin Zalo mẫu {TEMPLATE}" and several.to == ("84987654321",)


@pytest.mark.parametrize(
    ("choice", "email", "phone", "expected"),
    [
        ("", "a@x.vn", "0987654321", ("email",)),
        ("email", "a@x.vn", "0987654321", ("email",)),
        ("zalo", "a@x.vn", "0987654321", ("zalo",)),
        ("zalo", "a@x.vn", "", ("email",)),  # no number: e-mail rather than nothing
        ("both", "a@x.vn", "0987654321", ("email", "zalo")),
        ("both", "", "0987654321", ("zalo",)),
        ("email", "", "0987654321", ()),
    ],
)
def test_a_persons_choice_of_channel(
    choice: str, email: str, phone: str, expected: tuple[str, ...]
) -> None:
    assert channels_for(choice, email=email, phone=phone) == expected


def test_channel_keys_keep_email_keys_and_prefix_the_others() -> None:
    assert channel_keys(["task:1|a"], "email") == ("task:1|a",)
    assert channel_keys(["task:1|a"], "zalo") == ("zalo:task:1|a",)
    assert channels_for("", email="a@x.vn", phone="0987654321", default="both") == (
        "email",
        "zalo",
    )


@pytest.mark.parametrize(
    ("status", "body", "expected", "words"),
    [
        (200, {"error": 0, "message": "Success", "data": {"msg_id": "m1"}}, "sent", "m1"),
        (200, {"error": -108, "message": "Phone number invalid"}, "permanent", "điện thoại"),
        (200, {"error": -118, "message": "Zalo account not existed"}, "permanent", "Zalo"),
        (200, {"error": -131, "message": "Template not approved"}, "permanent", "duyệt"),
        (200, {"error": -144, "message": "OA has exceeded daily quota"}, "temporary", "hạn mức"),
        (200, {"error": -104, "message": "App secret key invalid"}, "temporary", "SECRET_KEY"),
        (200, {"error": -199, "message": "Daily limit exceeded"}, "temporary", "-199"),
        (200, {"error": -198, "message": "Something new"}, "permanent", "Something new"),
        (503, "Service unavailable", "temporary", "HTTP 503"),
        (400, {"error": -1}, "permanent", "HTTP 400"),
        (200, "<html>", "temporary", "định dạng"),
    ],
)
def test_zalos_answers_are_classified(status: int, body: object, expected: str, words: str) -> None:
    result = classify(status, body).result()
    assert result.status == expected
    assert words in result.detail


# ---------------------------------------------------------------- the channel, on a server


def test_a_message_is_sent_with_the_token_and_counted(zns: FakeZnsServer) -> None:
    fake = zns.fake
    (result,) = send_once(channel(zns, MemoryTokenStore(tokens_of(fake))), message())
    assert result.status is SendStatus.SENT
    assert "còn 499/500 tin trong ngày" in result.detail
    assert fake.received == {("84987654321", message().tracking_id): 1}
    assert fake.refreshes == []


def test_an_expired_token_is_refreshed_once_and_the_message_retried(zns: FakeZnsServer) -> None:
    fake = zns.fake
    store = MemoryTokenStore(tokens_of(fake))
    first_refresh = fake.refresh_token
    fake.expire_token()
    results = send_once(channel(zns, store), message(1), message(2))
    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    assert fake.refreshes == [first_refresh]  # once, for both messages
    stored = store.load()
    assert stored is not None and stored.refresh_token == fake.refresh_token != first_refresh
    assert stored.access_token == fake.access_token
    assert fake.sent == 2


def test_a_token_refused_again_after_the_refresh_does_not_loop(zns: FakeZnsServer) -> None:
    fake = zns.fake
    store = MemoryTokenStore(tokens_of(fake))
    fake.expire_token()
    fake.reject_new_tokens = True
    (result,) = send_once(channel(zns, store), message())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert "vẫn từ chối mã truy cập vừa được làm mới" in result.detail
    assert len(fake.refreshes) == 1 and fake.sent == 0


def test_a_token_refreshed_before_sending_and_refused_is_not_refreshed_again(
    zns: FakeZnsServer,
) -> None:
    fake = zns.fake
    fake.reject_new_tokens = True
    store = MemoryTokenStore(tokens_of(fake, expires_in=timedelta(minutes=2)))
    (result,) = send_once(channel(zns, store), message())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert len(fake.refreshes) == 1


def test_a_token_about_to_expire_is_refreshed_before_sending(zns: FakeZnsServer) -> None:
    fake = zns.fake
    store = MemoryTokenStore(tokens_of(fake, expires_in=timedelta(minutes=2)))
    (result,) = send_once(channel(zns, store), message())
    assert result.status is SendStatus.SENT
    assert len(fake.refreshes) == 1 and store.renewals == 1


def test_a_refused_refresh_token_is_permanent_and_asks_to_authorize_again(
    zns: FakeZnsServer,
) -> None:
    fake = zns.fake
    store = MemoryTokenStore(tokens_of(fake))
    fake.expire_token()
    fake.revoke_refresh_token()
    (result,) = send_once(channel(zns, store), message())
    assert result.status is SendStatus.PERMANENT and result.server_problem
    assert "cấp quyền lại cho ứng dụng trên Official Account" in result.detail
    assert "-14020" in result.detail and fake.sent == 0


def test_quota_spent_is_held_for_the_next_run(zns: FakeZnsServer) -> None:
    fake = zns.fake
    fake.exhaust_quota()
    ledger = MemoryLedger()
    messages = [message(1), message(2)]
    zalo = channel(zns, MemoryTokenStore(tokens_of(fake)))
    report = run(messages, zalo, ledger, retries=1, concurrency=1)
    assert [o.status for o in report.outcomes] == [OutcomeStatus.DEFERRED] * 2
    assert "hết hạn mức gửi ZNS trong ngày" in report.outcomes[0].detail
    assert "chưa gửi" in report.outcomes[1].detail  # the run stopped: same for every message
    assert ledger.status(messages[0].ledger_keys[0]) is DeliveryStatus.DEFERRED
    fake.remaining_quota = 10  # the next day
    again = run(messages, channel(zns, MemoryTokenStore(tokens_of(fake))), ledger)
    assert [o.status for o in again.outcomes] == [OutcomeStatus.SENT] * 2
    assert fake.sent == 2


def test_an_unapproved_template_is_permanent(zns: FakeZnsServer) -> None:
    zns.fake.unapproved.add(TEMPLATE)
    (result,) = send_once(channel(zns, MemoryTokenStore(tokens_of(zns.fake))), message())
    assert result.status is SendStatus.PERMANENT
    assert "chưa được Zalo duyệt" in result.detail and "-131" in result.detail


def test_a_number_without_zalo_is_permanent(zns: FakeZnsServer) -> None:
    zns.fake.not_zalo.add("84912345678")
    zalo = channel(zns, MemoryTokenStore(tokens_of(zns.fake)))
    (result,) = send_once(zalo, message(phone="0912 345 678"))
    assert result.status is SendStatus.PERMANENT and "-118" in result.detail


def test_a_server_error_is_temporary_and_retried(zns: FakeZnsServer) -> None:
    zns.fake.fail_next(1)
    ledger = MemoryLedger()
    report = run([message()], channel(zns, MemoryTokenStore(tokens_of(zns.fake))), ledger)
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.attempts, outcome.channel) == (OutcomeStatus.SENT, 2, "zalo")
    assert zns.fake.sent == 1


def test_an_unreachable_server_is_temporary() -> None:
    server = FakeZnsServer()
    server.stop()  # nothing listens on its port any more
    zalo = channel(server, MemoryTokenStore(tokens_of(server.fake)))
    (result,) = send_once(zalo, message())
    assert result.status is SendStatus.TEMPORARY and result.server_problem
    assert "không kết nối được Zalo" in result.detail


def test_failures_are_reported_to_the_standing_office_by_email(zns: FakeZnsServer) -> None:
    zns.fake.unapproved.add("100200")
    office = MemoryTransport()
    messages = [message(1), message(2, template="100200")]
    zalo = channel(zns, MemoryTokenStore(tokens_of(zns.fake)))
    report = run(
        messages,
        zalo,
        MemoryLedger(),
        failures_to=[Mailbox("vanphong@x.vn")],
        notice_channel=office,
    )
    assert [o.status for o in report.outcomes] == [OutcomeStatus.SENT, OutcomeStatus.FAILED]
    assert report.notice is not None and report.notice.status is OutcomeStatus.SENT
    (notice,) = office.sent
    assert notice["Subject"] == "[Sáu Rõ] 1 tin nhắc việc không gửi được"
    body = notice.get_content()
    assert "- Zalo 84987654321: «nhắc việc số 2» — không gửi được: mẫu tin ZNS" in body
    assert "Zalo" in report.summary()


def test_a_zalo_run_with_failures_to_needs_a_notice_channel(zns: FakeZnsServer) -> None:
    with pytest.raises(ValueError, match="notice_channel"):
        run(
            [message()],
            channel(zns, MemoryTokenStore()),
            MemoryLedger(),
            failures_to=[Mailbox("o@x.vn")],
        )


# ------------------------------------------------------------------ with the database


def test_delivered_twice_each_message_is_sent_once(zns: FakeZnsServer, db_engine: Engine) -> None:
    fake = zns.fake
    store = DatabaseTokenStore(db_engine, APP_ID, initial=tokens_of(fake))
    messages = [message(n) for n in range(1, 6)]
    first = run(messages, channel(zns, store), DatabaseLedger(db_engine), concurrency=3)
    second = run(messages, channel(zns, store), DatabaseLedger(db_engine), concurrency=3)
    assert [o.status for o in first.outcomes] == [OutcomeStatus.SENT] * 5
    assert [o.status for o in second.outcomes] == [OutcomeStatus.SKIPPED] * 5
    assert fake.sent == 5 and set(fake.received.values()) == {1}
    assert {tracking for _, tracking in fake.received} == {m.tracking_id for m in messages}


def test_tokens_are_seeded_once_then_rotated_in_the_database(
    zns: FakeZnsServer, db_engine: Engine
) -> None:
    fake = zns.fake
    settings_pair = tokens_of(fake)
    fake.expire_token()
    store = DatabaseTokenStore(db_engine, APP_ID, initial=settings_pair)
    assert send_once(channel(zns, store), message(1))[0].status is SendStatus.SENT
    with db_engine.connect() as connection:
        row = connection.execute(select(ZaloToken.__table__)).one()  # type: ignore[attr-defined]
    assert (row.access_token, row.refresh_token) == (fake.access_token, fake.refresh_token)
    assert row.expires_at > datetime.now(UTC) + timedelta(hours=24)
    # A later process with the same (now used) settings reads the stored pair instead.
    later = DatabaseTokenStore(db_engine, APP_ID, initial=settings_pair)
    assert send_once(channel(zns, later), message(2))[0].status is SendStatus.SENT
    assert len(fake.refreshes) == 1 and fake.refused_refreshes == []


def test_after_a_new_authorization_the_settings_pair_is_taken(
    zns: FakeZnsServer, db_engine: Engine
) -> None:
    fake = zns.fake
    old = tokens_of(fake)
    DatabaseTokenStore(db_engine, APP_ID, initial=old).load()  # stored, then lost:
    fake.expire_token()
    fake.revoke_refresh_token()  # the administrator authorizes the app again
    new = ZaloTokens("", fake.refresh_token, datetime.now(UTC))
    store = DatabaseTokenStore(db_engine, APP_ID, initial=new)
    assert send_once(channel(zns, store), message())[0].status is SendStatus.SENT
    assert fake.refused_refreshes == [old.refresh_token] and len(fake.refreshes) == 1


def test_two_processes_refreshing_at_once_use_the_refresh_token_once(
    zns: FakeZnsServer, db_url: str
) -> None:
    fake = zns.fake
    fake.refresh_delay = 0.3  # both are waiting for Zalo at the same time, unless locked
    engines = [make_engine(db_url), make_engine(db_url)]
    DatabaseTokenStore(engines[0], APP_ID, initial=tokens_of(fake)).load()
    fake.expire_token()
    channels = [channel(zns, DatabaseTokenStore(e, APP_ID)) for e in engines]

    async def go() -> list[SendResult]:
        try:
            return list(await asyncio.gather(*(c.send(message(n)) for n, c in enumerate(channels))))
        finally:
            for c in channels:
                await c.aclose()

    try:
        results = asyncio.run(go())
    finally:
        for e in engines:
            e.dispose()
    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
    assert len(fake.refreshes) == 1 and fake.refused_refreshes == []
    assert fake.sent == 2


# ------------------------------------------------------------------------------ settings


def test_settings_build_a_channel_over_the_database(
    zns: FakeZnsServer, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = zns.fake
    for name, value in {
        "ENABLED": "true",
        "APP_ID": APP_ID,
        "SECRET_KEY": SECRET_KEY,
        "ACCESS_TOKEN": fake.access_token or "",
        "REFRESH_TOKEN": fake.refresh_token,
        "API_URL": zns.url,
        "OAUTH_URL": zns.url,
        "TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(f"SAURO_ZALO_{name}", value)
    settings = ZaloSettings()
    zalo = make_zalo_channel(settings, db_engine)
    assert zalo.name == "zalo"
    report = run([message()], zalo, DatabaseLedger(db_engine))
    assert [o.status for o in report.outcomes] == [OutcomeStatus.SENT]


def test_enabled_settings_name_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="SAURO_ZALO_APP_ID, SAURO_ZALO_SECRET_KEY"):
        ZaloSettings(enabled=True, refresh_token="rt")  # type: ignore[arg-type]
    assert ZaloSettings().enabled is False
