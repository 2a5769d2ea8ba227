"""The lease of an organization's cycle (``engine.store.leases``), on SQLite and PostgreSQL:
one claimer wins, even racing; a dead holder's lease is taken over; a finished day is done."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, text

from engine.store.leases import Leases, due_organizations, holder_is_dead
from engine.store.models import CycleKind

DAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 0, 0, tzinfo=UTC)


def _orgs(engine: Engine, *codes: str) -> None:
    with engine.begin() as connection:
        for code in codes:
            connection.execute(
                text(
                    "INSERT INTO organization (code, name, level, place, parent_name, "
                    "standing_office_code, acceptor) VALUES (:c, :c, 'commune', '', '', 'vp', "
                    "'standing_office')"
                ),
                {"c": code},
            )


def _leases(engine: Engine, holder: str) -> Leases:
    return Leases(engine, CycleKind.REMINDERS, DAY, holder)


def test_one_claim_wins_then_expiry_and_finish(db_engine: Engine) -> None:
    _orgs(db_engine, "a", "b")
    first, second = _leases(db_engine, "h:1:a"), _leases(db_engine, "h:2:b")
    assert first.claim(1, NOW).granted
    refused = second.claim(1, NOW + timedelta(minutes=5))
    assert (refused.granted, refused.holder) == (False, "h:1:a")
    assert refused.refusal("a", CycleKind.REMINDERS) == (
        "a: chu trình nhắc việc hôm nay đang do lượt chạy khác thực hiện "
        "(giữ lượt đến 07:10 nếu không xong); bỏ qua."
    )
    assert first.renew(1, NOW + timedelta(minutes=5))  # now held until 00:15
    assert not second.claim(1, NOW + timedelta(minutes=12)).granted
    taken = second.claim(1, NOW + timedelta(minutes=16))  # the first died: resumed
    assert (taken.granted, taken.resumed) == (True, True)
    assert not first.renew(1, NOW + timedelta(minutes=17))  # no longer the holder
    assert second.finish(1, NOW + timedelta(minutes=18), {"sent": 3})
    assert due_organizations(db_engine, kind=CycleKind.REMINDERS, day=DAY) == ["b"]
    done = first.claim(1, NOW + timedelta(hours=3))
    assert not done.granted
    assert done.refusal("a", CycleKind.REMINDERS) == (
        "a: chu trình nhắc việc hôm nay đã chạy xong lúc 07:18; bỏ qua."
    )
    assert first.claim(1, NOW + timedelta(hours=3), again=True).granted
    # another kind, another day: their own leases
    assert Leases(db_engine, CycleKind.REPORTING, DAY, "h:1:a").claim(1, NOW).granted
    assert Leases(db_engine, CycleKind.REMINDERS, date(2026, 6, 16), "x").claim(1, NOW).granted


def test_a_released_lease_is_taken_at_once(db_engine: Engine) -> None:
    _orgs(db_engine, "a")
    first, second = _leases(db_engine, "h:1:a"), _leases(db_engine, "h:2:b")
    assert first.claim(1, NOW).granted
    assert first.release(1, NOW + timedelta(seconds=1))
    assert second.claim(1, NOW + timedelta(seconds=2)).granted


def test_racing_claimers_one_wins(db_engine: Engine) -> None:
    _orgs(db_engine, *(f"x{n}" for n in range(10)))

    def claim(worker: int) -> list[int]:
        leases = _leases(db_engine, f"h:{worker}:w")
        return [org for org in range(1, 11) if leases.claim(org, NOW).granted]

    with ThreadPoolExecutor(4) as pool:
        won = [org for orgs in pool.map(claim, range(4)) for org in orgs]
    assert sorted(won) == list(range(1, 11))


def test_a_dead_process_of_this_machine_is_taken_over_at_once(db_engine: Engine) -> None:
    _orgs(db_engine, "a")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = f"{socket.gethostname()[:60]}:{gone.stdout.strip()}:abc"
    alive = f"{socket.gethostname()[:60]}:{os.getpid()}:abc"
    assert holder_is_dead(dead) and not holder_is_dead(alive)
    assert not holder_is_dead(f"other-host:{gone.stdout.strip()}:abc")
    assert _leases(db_engine, dead).claim(1, NOW).granted
    taken = _leases(db_engine, "h:2:b").claim(1, NOW + timedelta(seconds=1))
    assert (taken.granted, taken.resumed) == (True, True)
