"""The fan-out's pure parts: batches, their idempotency keys, the verdict on a child run;
and the two reads it makes of the database (the scope, the leases of a dead run)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

import engine.store.models as m
from flows.batches import Batch, Verdict, batch_key, judge, lease_expiry, plan_batches, scope_codes
from flows.fanout import smtp_limit_name

DAY = date(2026, 11, 23)


def test_batches_cut_in_order() -> None:
    codes = [f"xa-{n:02d}" for n in range(1, 8)]
    batches = plan_batches(codes, 3)
    assert [b.codes for b in batches] == [
        ("xa-01", "xa-02", "xa-03"),
        ("xa-04", "xa-05", "xa-06"),
        ("xa-07",),
    ]
    assert [b.index for b in batches] == [0, 1, 2]
    assert batches[0].describe() == "lô 1 (xa-01 … xa-03, 3 đơn vị)"
    assert batches[2].describe() == "lô 3 (xa-07, 1 đơn vị)"
    assert plan_batches([], 50) == []
    with pytest.raises(ValueError, match="at least 1"):
        plan_batches(codes, 0)


def test_keys_name_the_day_the_batch_and_the_attempt() -> None:
    batch = Batch(2, ("xa-07", "xa-08"))
    key = batch_key("sau-ro-daily-batch/lo-don-vi", DAY, batch, 0)
    assert key.startswith("sau-ro-daily-batch/lo-don-vi|2026-11-23|lo-003-")
    assert key.endswith("|lan-1")
    # Same batch, same day: the same key, whoever computes it.
    assert key == batch_key("sau-ro-daily-batch/lo-don-vi", DAY, Batch(2, ("xa-07", "xa-08")), 0)
    others = {
        batch_key("sau-ro-daily-batch/lo-don-vi", DAY, batch, 1),
        batch_key("sau-ro-daily-batch/lo-don-vi", DAY + timedelta(days=1), batch, 0),
        batch_key("sau-ro-daily-batch/lo-don-vi-xa-07", DAY, batch, 0),
        batch_key("sau-ro-daily-batch/lo-don-vi", DAY, Batch(2, ("xa-07", "xa-09")), 0),
    }
    assert key not in others
    assert len(others) == 4


@pytest.mark.parametrize(
    ("state", "still_due", "crashes", "patient", "verdict"),
    [
        ("SCHEDULED", 0, 0, True, Verdict.WAIT),
        ("PENDING", 0, 0, True, Verdict.WAIT),
        ("RUNNING", 3, 0, True, Verdict.WAIT),
        ("PAUSED", 0, 0, True, Verdict.WAIT),
        ("COMPLETED", 0, 0, True, Verdict.DONE),
        ("COMPLETED", 0, 2, False, Verdict.DONE),
        # Completed with two organizations left open (held by another run, messages in
        # flight of a dead one): run again while the parent is patient.
        ("COMPLETED", 2, 0, True, Verdict.RETRY),
        ("COMPLETED", 2, 0, False, Verdict.GIVE_UP),
        ("CRASHED", 0, 1, True, Verdict.RETRY),  # its worker was stopped or its machine died
        ("FAILED", 0, 2, True, Verdict.RETRY),
        ("CRASHED", 0, 3, True, Verdict.GIVE_UP),  # the third crash of three allowed
        ("CANCELLED", 0, 0, True, Verdict.STOPPED),
        ("CANCELLING", 0, 1, True, Verdict.STOPPED),
    ],
)
def test_verdict(state: str, still_due: int, crashes: int, patient: bool, verdict: Verdict) -> None:
    assert (
        judge(state, still_due=still_due, crashes=crashes, attempts=3, patient=patient) is verdict
    )


def test_smtp_limit_name() -> None:
    assert smtp_limit_name(" Mail.XuanDuong.gov.vn ") == "smtp-mail.xuanduong.gov.vn"


def _orgs(engine: Engine, *rows: tuple[str, str]) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(m.Organization),
            [
                {"id": n, "code": code, "name": code, "level": "commune", "place": "",
                 "parent_name": "", "standing_office_code": "", "parent_code": parent}
                for n, (code, parent) in enumerate(rows, start=1)
            ],
        )  # fmt: skip


def test_scope_codes(db_engine: Engine) -> None:
    _orgs(
        db_engine,
        ("xa-b", "tinh-a"),
        ("tinh-a", ""),
        ("xa-a", "tinh-a"),
        ("xa-c", "tinh-b"),
        ("tinh-b", ""),
        ("thon-a", "xa-a"),
    )
    assert scope_codes(db_engine) == ["thon-a", "tinh-a", "tinh-b", "xa-a", "xa-b", "xa-c"]
    assert scope_codes(db_engine, org="xa-b") == ["xa-b"]
    assert scope_codes(db_engine, province="tinh-a") == ["thon-a", "tinh-a", "xa-a", "xa-b"]


def test_lease_expiry_is_the_last_unfinished_lease(db_engine: Engine) -> None:
    _orgs(db_engine, ("xa-a", ""), ("xa-b", ""), ("xa-c", ""))
    now = datetime(2026, 11, 23, 0, 1, tzinfo=UTC)
    lease = timedelta(minutes=10)
    # A run that died holding xa-a and xa-b, after finishing xa-c.
    rows = [(1, now, None), (2, now + timedelta(minutes=1), None), (3, now, now)]
    with db_engine.begin() as connection:
        connection.execute(
            insert(m.CycleRun),
            [
                {"organization_id": org, "day": DAY, "kind": "reminders", "holder": "may-1:1",
                 "started_at": started, "expires_at": finished or started + lease,
                 "finished_at": finished, "summary": {}}
                for org, started, finished in rows
            ],
        )  # fmt: skip
    expiry = lease_expiry(db_engine, kind="reminders", day=DAY, codes=["xa-a", "xa-b", "xa-c"])
    assert expiry == now + timedelta(minutes=11)
    assert lease_expiry(db_engine, kind="reminders", day=DAY, codes=["xa-c"]) is None
    assert lease_expiry(db_engine, kind="reporting", day=DAY, codes=["xa-a"]) is None
