"""Delivery: the in-memory twin for the logic, then a real aiosmtpd server with the ledger
in a real SQLite file and PostgreSQL (``db_engine``), other processes, and a kill."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from delivery_child import make_messages
from smtp_support import ServerFactory, SilentServer
from sqlalchemy import Engine

from engine.store.db import make_engine
from notifications.addresses import Mailbox
from notifications.delivery import (
    DeliveryReport,
    OutcomeStatus,
    backoff_delay,
    deliver,
    deliver_with_settings,
)
from notifications.ledger import DatabaseLedger, DeliveryStatus, Ledger, MemoryLedger
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSecurity, SmtpSettings
from notifications.transport import (
    MemoryTransport,
    SendResult,
    SendStatus,
    SmtpTransport,
    Transport,
)

CHILD = Path(__file__).with_name("delivery_child.py")
FAST = {"backoff": 0.01, "max_backoff": 0.05}


def run(
    messages: Sequence[OutgoingMessage], transport: Transport, ledger: Ledger, **options: object
) -> DeliveryReport:
    async def go() -> DeliveryReport:
        try:
            return await deliver(messages, transport, ledger=ledger, **{**FAST, **options})  # type: ignore[arg-type]
        finally:
            await transport.aclose()

    return asyncio.run(go())


def statuses(report: DeliveryReport) -> list[OutcomeStatus]:
    return [outcome.status for outcome in report.outcomes]


# ------------------------------------------------------------------ logic, with the twins


@pytest.mark.parametrize(
    ("attempts", "jitter", "expected"),
    [(1, 0.0, 0.5), (1, 1.0, 1.0), (2, 1.0, 2.0), (3, 0.5, 3.0), (10, 1.0, 60.0), (10, 0.0, 30.0)],
)
def test_backoff_doubles_with_jitter_and_a_cap(
    attempts: int, jitter: float, expected: float
) -> None:
    assert backoff_delay(attempts, base=1.0, cap=60.0, jitter=jitter) == pytest.approx(expected)


def test_concurrency_is_bounded() -> None:
    transport = MemoryTransport(delay=0.02)
    report = run(make_messages(20), transport, MemoryLedger(), concurrency=3)
    assert statuses(report) == [OutcomeStatus.SENT] * 20
    assert transport.max_active == 3


def test_outcomes_keep_the_order_of_the_messages() -> None:
    messages = make_messages(12)
    report = run(messages, MemoryTransport(delay=0.001), MemoryLedger(), concurrency=5)
    assert [o.message_id for o in report.outcomes] == [m.message_id for m in messages]


def test_temporary_twice_then_sent_counts_three_attempts() -> None:
    transport, ledger = MemoryTransport(), MemoryLedger()
    transport.script(SendResult.temporary("bận", 451), SendResult.temporary("bận", 451))
    (message,) = make_messages(1)
    report = run([message], transport, ledger, retries=3)
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.attempts) == (OutcomeStatus.SENT, 3)
    assert ledger.entries(message.ledger_keys)[message.ledger_keys[0]].attempts == 3
    assert len(transport.sent) == 1


def test_still_temporary_after_the_retries_is_deferred_to_the_next_run() -> None:
    transport, ledger = MemoryTransport(), MemoryLedger()
    transport.script(*[SendResult.temporary("451 bận", 451)] * 3)
    (message,) = make_messages(1)
    first = run([message], transport, ledger, retries=2)
    assert (first.outcomes[0].status, first.outcomes[0].attempts) == (OutcomeStatus.DEFERRED, 3)
    assert ledger.status(message.ledger_keys[0]) is DeliveryStatus.DEFERRED
    second = run([message], MemoryTransport(), ledger)
    assert statuses(second) == [OutcomeStatus.SENT]
    assert ledger.entries(message.ledger_keys)[message.ledger_keys[0]].attempts == 4


def test_a_server_problem_stops_the_run_and_leaves_the_rest_unclaimed() -> None:
    transport, ledger = MemoryTransport(), MemoryLedger()
    down = SendResult.temporary("không kết nối được máy chủ thư", server_problem=True)
    transport.script(*[down] * 3)
    messages = make_messages(6)
    report = run(messages, transport, ledger, retries=2, concurrency=1)
    assert statuses(report) == [OutcomeStatus.DEFERRED] * 6
    assert [o.attempts for o in report.outcomes] == [3, 0, 0, 0, 0, 0]
    assert "chưa gửi: không kết nối được" in report.outcomes[1].detail
    assert len(transport.attempts) == 3
    keys = [m.ledger_keys[0] for m in messages]
    assert ledger.statuses(keys) == {keys[0]: DeliveryStatus.DEFERRED}


def test_an_attempt_that_takes_too_long_is_abandoned() -> None:
    ledger = MemoryLedger()
    report = run(
        make_messages(1), MemoryTransport(delay=2.0), ledger, retries=0, attempt_timeout=0.05
    )
    (outcome,) = report.outcomes
    assert outcome.status is OutcomeStatus.DEFERRED and "quá 0.05 giây" in outcome.detail


class _Broken:
    """A transport with a bug: it raises instead of returning a result."""

    async def send(self, message: OutgoingMessage) -> SendResult:
        raise RuntimeError("hỏng")

    async def aclose(self) -> None:
        return None


def test_a_transport_bug_is_reported_and_the_claim_released() -> None:
    ledger = MemoryLedger()
    messages = make_messages(2)
    report = run(messages, _Broken(), ledger, retries=1)
    assert statuses(report) == [OutcomeStatus.DEFERRED] * 2
    assert "lỗi không mong đợi" in report.outcomes[0].detail
    assert set(ledger.statuses([m.ledger_keys[0] for m in messages]).values()) == {
        DeliveryStatus.DEFERRED
    }


def test_skipped_messages_say_why() -> None:
    ledger = MemoryLedger()
    sent, failed, busy = make_messages(3)
    now = datetime.now(UTC)
    ledger.mark_sent(sent.ledger_keys, sent.message_id, now)
    ledger.mark_failed(failed.ledger_keys, SendStatus.PERMANENT, "550", now)
    ledger.claim(busy.ledger_keys, now)
    transport = MemoryTransport()
    report = run([sent, failed, busy], transport, ledger)
    assert statuses(report) == [OutcomeStatus.SKIPPED] * 3
    assert [o.detail for o in report.outcomes] == [
        "đã gửi ở lượt trước",
        "đã ghi nhận không gửi được ở lượt trước; không tự gửi lại",
        "đang được một lượt chạy khác gửi",
    ]
    assert transport.attempts == []


def test_report_summary_and_the_notice_to_the_standing_office() -> None:
    transport = MemoryTransport()
    messages = make_messages(3)
    transport.fail_for[messages[1].addresses[0]] = SendResult.permanent(
        "máy chủ thư từ chối người nhận: can-bo-1@xa.example.vn (550 5.1.1 Không có hộp thư)", 550
    )
    report = run(messages, transport, MemoryLedger())
    assert report.summary().splitlines()[0] == (
        "Đã gửi 2 thư; 0 thư để lại cho lượt sau; 1 thư không gửi được; 0 thư bỏ qua."
    )
    notice = report.failure_notice(
        [Mailbox("vanphong@xa.example.vn")], organization="UBND xã Xuân Dương"
    )
    assert notice is not None
    assert notice.subject == "[Sáu Rõ] 1 thư nhắc việc không gửi được"
    assert "Kính gửi Văn phòng (UBND xã Xuân Dương)" in notice.text
    assert "can-bo-1@xa.example.vn" in notice.text and "550 5.1.1" in notice.text
    assert notice.ledger_keys == (
        f"delivery-failure:{messages[1].message_id}|vanphong@xa.example.vn",
    )
    assert DeliveryReport(report.sent).failure_notice(["vanphong@xa.example.vn"]) is None


def test_invalid_options_are_refused() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        run(make_messages(1), MemoryTransport(), MemoryLedger(), concurrency=0)


# -------------------------------------------------------- a real server and a real database


def smtp(settings: SmtpSettings) -> SmtpTransport:
    return SmtpTransport(settings)


def test_451_twice_then_success(smtp_server: ServerFactory, db_engine: Engine) -> None:
    server = smtp_server()
    server.handler.refuse("451 4.3.0 Hệ thống bận, thử lại sau", times=2)
    ledger = DatabaseLedger(db_engine)
    (message,) = make_messages(1)
    report = run([message], smtp(server.settings()), ledger, retries=3)
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.attempts, outcome.smtp_code) == (OutcomeStatus.SENT, 3, 250)
    entry = ledger.entries(message.ledger_keys)[message.ledger_keys[0]]
    assert (entry.status, entry.attempts, entry.message_id) == (
        DeliveryStatus.SENT,
        3,
        message.message_id,
    )
    assert len(server.handler.received) == 1


def test_550_is_failed_and_not_retried_on_the_next_run(
    smtp_server: ServerFactory, db_engine: Engine
) -> None:
    server = smtp_server()
    messages = make_messages(3)
    server.handler.reject(messages[0].addresses[0])
    ledger = DatabaseLedger(db_engine)
    first = run(messages, smtp(server.settings()), ledger, retries=3)
    assert statuses(first) == [OutcomeStatus.FAILED, OutcomeStatus.SENT, OutcomeStatus.SENT]
    assert (first.outcomes[0].attempts, first.outcomes[0].smtp_code) == (1, 550)
    assert ledger.status(messages[0].ledger_keys[0]) is DeliveryStatus.FAILED
    connections = server.handler.connections_seen
    second = run(messages, smtp(server.settings()), ledger)
    assert statuses(second) == [OutcomeStatus.SKIPPED] * 3
    assert server.handler.connections_seen == connections  # the server was not even called
    assert len(server.handler.received) == 2


def test_a_permanent_failure_is_reported_to_the_standing_office_once(
    smtp_server: ServerFactory, db_engine: Engine
) -> None:
    server = smtp_server()
    messages = make_messages(3)
    server.handler.reject(messages[2].addresses[0])
    ledger = DatabaseLedger(db_engine)
    office = [Mailbox("vanphong@xa.example.vn", "Văn phòng HĐND và UBND")]
    options = {"failures_to": office, "organization": "UBND xã Xuân Dương"}
    first = run(messages, smtp(server.settings()), ledger, **options)
    assert first.notice is not None and first.notice.status is OutcomeStatus.SENT
    assert "Thông báo lỗi gửi Văn phòng: đã gửi" in first.summary()
    notice = server.handler.received[-1]
    assert notice.rcpt_tos == ["vanphong@xa.example.vn"]
    assert notice.message["Subject"] == "[Sáu Rõ] 1 thư nhắc việc không gửi được"
    body = notice.message.get_content()
    assert "can-bo-2@xa.example.vn" in body and "550 5.1.1 Không có hộp thư này" in body
    second = run(messages, smtp(server.settings()), ledger, **options)
    assert second.notice is None  # nothing failed in this run: nothing more to report
    assert len(server.handler.received) == 3


def test_smtp_down_then_up_loses_nothing_and_sends_nothing_twice(
    smtp_server: ServerFactory, db_engine: Engine
) -> None:
    server = smtp_server(started=False)
    ledger = DatabaseLedger(db_engine)
    messages = make_messages(25)
    keys = [m.ledger_keys[0] for m in messages]
    down = run(messages, smtp(server.settings()), ledger, retries=2, concurrency=4)
    assert statuses(down) == [OutcomeStatus.DEFERRED] * 25
    assert "không kết nối được máy chủ thư" in down.outcomes[-1].detail
    assert DeliveryStatus.SENT not in ledger.statuses(keys).values()

    server.start()
    up = run(messages, smtp(server.settings()), ledger, concurrency=4)
    assert statuses(up) == [OutcomeStatus.SENT] * 25
    again = run(messages, smtp(server.settings()), ledger, concurrency=4)
    assert statuses(again) == [OutcomeStatus.SKIPPED] * 25
    assert sorted(server.handler.subjects()) == sorted(m.subject for m in messages)
    assert set(ledger.statuses(keys).values()) == {DeliveryStatus.SENT}


def test_a_silent_server_times_out_and_defers(
    silent_server: SilentServer, db_engine: Engine
) -> None:
    settings = SmtpSettings(
        smtp_host="127.0.0.1",
        smtp_port=silent_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_sender="sauro@ubnd.example.vn",
        smtp_timeout=0.3,
    )
    started = time.monotonic()
    report = run(make_messages(5), smtp(settings), DatabaseLedger(db_engine), retries=1)
    assert time.monotonic() - started < 5
    assert statuses(report) == [OutcomeStatus.DEFERRED] * 5
    assert "quá thời gian chờ" in report.outcomes[0].detail


def test_concurrency_is_bounded_on_the_server(
    smtp_server: ServerFactory, db_engine: Engine
) -> None:
    server = smtp_server(delay=0.03)
    report = run(
        make_messages(40), smtp(server.settings()), DatabaseLedger(db_engine), concurrency=4
    )
    assert statuses(report) == [OutcomeStatus.SENT] * 40
    assert server.handler.max_connections == 4  # reached, never exceeded
    assert server.handler.connections_seen == 4  # and each connection reused


def test_runs_sharing_send_slots_keep_no_connection_open_beyond_them(
    smtp_server: ServerFactory,
) -> None:
    """Two runs (two workers' batches), each delivering two organizations in turn through
    its own transport, share two send slots (a Prefect global concurrency limit): a run's
    connections kept idle between its organizations would let the server see four."""
    server = smtp_server(delay=0.01)
    slots = asyncio.Semaphore(2)

    @contextlib.asynccontextmanager
    async def slot() -> AsyncIterator[None]:
        async with slots:
            yield

    async def batch(prefix: str) -> list[OutcomeStatus]:
        transport = smtp(server.settings())
        try:
            reports = [
                await deliver(
                    make_messages(12, prefix=f"{prefix}-{org}"),
                    transport,
                    ledger=MemoryLedger(),
                    concurrency=4,
                    slot=slot,
                    **FAST,
                )
                for org in (1, 2)
            ]
        finally:
            await transport.aclose()
        return [status for report in reports for status in statuses(report)]

    async def both() -> list[list[OutcomeStatus]]:
        return await asyncio.gather(batch("a"), batch("b"))

    assert asyncio.run(both()) == [[OutcomeStatus.SENT] * 24] * 2
    assert server.handler.max_connections == 2


def test_two_concurrent_runs_send_each_message_once(
    smtp_server: ServerFactory, db_url: str
) -> None:
    server = smtp_server(delay=0.005)
    messages = make_messages(60)
    engines = [make_engine(db_url) for _ in range(2)]

    async def both() -> list[DeliveryReport]:
        transports = [smtp(server.settings()) for _ in engines]
        try:
            runs = [
                deliver(messages, t, ledger=DatabaseLedger(e), concurrency=3, **FAST)
                for t, e in zip(transports, engines, strict=True)
            ]
            return list(await asyncio.gather(*runs))
        finally:
            for transport in transports:
                await transport.aclose()

    try:
        reports = asyncio.run(both())
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(len(r.sent) for r in reports) == 60
    assert sum(len(r.skipped) for r in reports) == 60
    assert Counter(server.handler.subjects()) == Counter(m.subject for m in messages)


def _child(db_url: str, port: int, count: int, concurrency: int) -> subprocess.Popen[str]:
    command = [sys.executable, str(CHILD), db_url, str(port), str(count), str(concurrency)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_send_each_message_once(smtp_server: ServerFactory, db_url: str) -> None:
    server = smtp_server(delay=0.005)
    children = [_child(db_url, server.port, 80, 3) for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    sent = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent) == 80
    assert Counter(server.handler.subjects()) == Counter(m.subject for m in make_messages(80))


def test_a_killed_run_then_a_rerun_duplicates_at_most_the_message_in_flight(
    smtp_server: ServerFactory, db_url: str
) -> None:
    server = smtp_server(delay=0.2)  # each message waits for its "250" long enough to be killed
    count = 12
    child = _child(db_url, server.port, count, 1)
    try:
        server.handler.wait_for(4, timeout=60)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    received_before = len(server.handler.received)
    assert received_before < count

    engine = make_engine(db_url)
    try:
        ledger = DatabaseLedger(engine)
        messages = make_messages(count)
        # At once: the dead run's claim is younger than the lease, so its message waits.
        now = run(messages, smtp(server.settings()), ledger, concurrency=2)
        busy = [o for o in now.skipped if o.detail == "đang được một lượt chạy khác gửi"]
        assert len(busy) <= 1
        # After the lease, the abandoned claim is taken again.
        later = datetime.now(UTC) + timedelta(minutes=11)
        after = run(messages, smtp(server.settings()), ledger, clock=lambda: later)
        assert len(after.sent) == len(busy)
        keys = [m.ledger_keys[0] for m in messages]
        assert set(ledger.statuses(keys).values()) == {DeliveryStatus.SENT}
    finally:
        engine.dispose()
    counts = Counter(server.handler.subjects())
    assert set(counts) == {m.subject for m in messages}  # nothing lost
    duplicates = {subject: n for subject, n in counts.items() if n > 1}
    assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values()), duplicates


def test_without_smtp_messages_become_eml_files_once(tmp_path: Path, db_engine: Engine) -> None:
    settings = SmtpSettings(smtp_host="", outbox_dir=tmp_path / "outbox")
    ledger = DatabaseLedger(db_engine)
    messages = make_messages(5)
    first = asyncio.run(deliver_with_settings(messages, settings, ledger=ledger))
    assert statuses(first) == [OutcomeStatus.SENT] * 5
    second = asyncio.run(deliver_with_settings(messages, settings, ledger=ledger))
    assert statuses(second) == [OutcomeStatus.SKIPPED] * 5
    names = sorted(path.name for path in (tmp_path / "outbox").iterdir())
    assert names == sorted(f"{m.message_id}.eml" for m in messages)
