"""The delivery ledger on a real SQLite file and PostgreSQL, and its in-memory twin."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from engine.store.db import make_engine
from engine.store.models import Delivery
from notifications.ledger import DatabaseLedger, DeliveryStatus, Ledger, MemoryLedger
from notifications.transport import SendStatus

T0 = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)
LEASE = timedelta(minutes=10)
A, B, C = "task:1|before-3|0|person|v1", "task:2|before-3|0|person|v1", "task:3|due|0|person|v1"


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def ledger(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[DatabaseLedger | MemoryLedger]:
    """The database ledger on a migrated SQLite file and on PostgreSQL, and the twin."""
    if request.param == "memory":
        yield MemoryLedger(lease=LEASE)
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sauro.db'}"
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "sauro.db")
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(Delivery))
    yield DatabaseLedger(engine, lease=LEASE)
    engine.dispose()


def test_a_claim_takes_free_keys_once(ledger: Ledger) -> None:
    assert ledger.claim([A, B], T0, message_id="m1")
    assert ledger.statuses([A, B, C]) == {A: DeliveryStatus.SENDING, B: DeliveryStatus.SENDING}
    assert not ledger.claim([A, B], T0)
    assert not ledger.claim([A], T0 + timedelta(minutes=5))


def test_a_claim_is_all_or_nothing(ledger: Ledger) -> None:
    assert ledger.claim([A], T0)
    assert not ledger.claim([C, A, B], T0)
    assert ledger.status(B) is None and ledger.status(C) is None
    assert ledger.claim([B, C], T0)


def test_sent_is_final(ledger: DatabaseLedger | MemoryLedger) -> None:
    ledger.claim([A, B], T0)
    ledger.mark_sent([A, B], "m1", T0 + timedelta(seconds=2), attempts=3)
    entry = ledger.entries([A])[A]
    assert entry.status is DeliveryStatus.SENT and entry.message_id == "m1"
    assert entry.attempts == 3 and entry.claimed_at is None
    assert entry.sent_at == T0 + timedelta(seconds=2) and entry.sent_at.tzinfo is not None
    assert not ledger.claim([A], T0 + timedelta(days=30))
    # A late failure report (a run whose lease ran out) does not undo a delivery.
    ledger.mark_failed([A], SendStatus.TEMPORARY, "hết giờ", T0 + timedelta(minutes=20))
    assert ledger.status(A) is DeliveryStatus.SENT


def test_a_temporary_failure_releases_the_claim(ledger: DatabaseLedger | MemoryLedger) -> None:
    ledger.claim([A], T0)
    ledger.mark_failed([A], SendStatus.TEMPORARY, "451 thử lại sau", T0, attempts=4)
    entry = ledger.entries([A])[A]
    assert entry.status is DeliveryStatus.DEFERRED and entry.last_error == "451 thử lại sau"
    assert ledger.claimable([A, B], T0) == [A, B]
    assert ledger.claim([A], T0 + timedelta(seconds=1))
    ledger.mark_sent([A], "m", T0 + timedelta(seconds=2))
    entry = ledger.entries([A])[A]
    assert entry.status is DeliveryStatus.SENT and entry.attempts == 5
    assert entry.last_error is None


def test_a_permanent_failure_is_never_retried(ledger: DatabaseLedger | MemoryLedger) -> None:
    ledger.claim([A], T0)
    ledger.mark_failed([A], SendStatus.PERMANENT, "550 không có hộp thư", T0)
    assert ledger.status(A) is DeliveryStatus.FAILED
    assert not ledger.claim([A], T0 + timedelta(days=1))
    assert ledger.claimable([A], T0 + timedelta(days=1)) == []
    assert ledger.entries([A])[A].last_error == "550 không có hộp thư"


def test_an_abandoned_claim_is_taken_after_the_lease(ledger: DatabaseLedger | MemoryLedger) -> None:
    assert ledger.claim([A, B], T0, message_id="first")
    assert not ledger.claim([A], T0 + LEASE)  # not older than the lease yet
    assert ledger.claimable([A, C], T0 + LEASE) == [C]
    later = T0 + LEASE + timedelta(seconds=1)
    assert ledger.claimable([A, C], later) == [A, C]
    assert ledger.claim([A, B], later, message_id="second")
    entry = ledger.entries([A])[A]
    assert entry.claimed_at == later and entry.message_id == "second"


def test_sent_status_cannot_be_a_failure(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="temporary or permanent"):
        ledger.mark_failed([A], SendStatus.SENT, "", T0)


def test_marking_keys_never_claimed_records_them(ledger: Ledger) -> None:
    ledger.mark_sent([A], "m", T0)
    ledger.mark_failed([B], SendStatus.PERMANENT, "550", T0)
    assert ledger.statuses([A, B]) == {A: DeliveryStatus.SENT, B: DeliveryStatus.FAILED}


def test_many_keys_in_one_message(ledger: Ledger) -> None:
    keys = [f"task:{n}|overdue-1|0|lead_head|v1" for n in range(1_234)]
    assert ledger.claim(keys, T0)
    assert not ledger.claim([*keys[600:], "task:new|x|0|person|v1"], T0)
    ledger.mark_sent(keys, "digest", T0)
    assert set(ledger.statuses(keys).values()) == {DeliveryStatus.SENT}


def test_concurrent_claims_of_the_same_keys_give_one_winner(db_url: str) -> None:
    """Eight threads, each with its own engine (connections), race for the same keys."""
    engines = [make_engine(db_url) for _ in range(8)]
    ledgers = [DatabaseLedger(engine, lease=LEASE) for engine in engines]
    barrier = threading.Barrier(len(ledgers))
    wins: list[bool] = []
    lock = threading.Lock()

    def race(ledger: DatabaseLedger, keys: list[str]) -> None:
        barrier.wait()
        won = ledger.claim(keys, T0)
        with lock:
            wins.append(won)

    try:
        for round_ in range(5):
            keys = [f"task:{n}|round-{round_}|0|person|v1" for n in range(20)]
            wins.clear()
            # Each thread asks for the keys in a different order: no deadlock either.
            threads = [
                threading.Thread(target=race, args=(ledger, keys[i:] + keys[:i]))
                for i, ledger in enumerate(ledgers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(wins) == [False] * 7 + [True]
    finally:
        for engine in engines:
            engine.dispose()
