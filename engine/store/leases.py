"""One run a day, whatever starts it: the lease of an organization's cycle (``cycle_run``).

A cycle of one kind (``CycleKind``) for one organization on one local day first claims its
row: inserted when missing (the unique key (organization, day, kind) makes two inserts race
safely), or taken over when its holder's lease ran out without finishing. The same on
SQLite and PostgreSQL: an ``INSERT … ON CONFLICT DO NOTHING`` and a conditional ``UPDATE``,
each one statement, so exactly one claimer wins.

A second scheduler, a flow run started twice or a manual run on the same day then finds
the row held (by a live holder) or finished, and skips that organization; a holder that
died leaves a row whose lease expires, and the next run resumes it (at once when the dead
holder was a process of the same machine) (the delivery ledger
keeps what was already sent from going out again). The holder renews its lease as it goes
and releases it at once when it fails, so a retry need not wait.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.models import CycleKind, CycleRun, Organization

DEFAULT_LEASE = timedelta(minutes=10)
_VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the time users read
_c = CycleRun.__table__.c  # type: ignore[attr-defined]
_o = Organization.__table__.c  # type: ignore[attr-defined]


def new_holder() -> str:
    """A name for this run, unique across machines: host, process and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` names a process of this machine that no longer runs: its lease
    need not run out before another run resumes its work. A holder on another machine is
    never judged dead here; its lease tells."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:60] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


@dataclass(frozen=True)
class Claim:
    """What a claim found: ``granted`` (new, or ``resumed`` from a dead holder), or the
    row another run holds or finished."""

    granted: bool
    resumed: bool = False
    holder: str = ""
    expires_at: datetime | None = None
    finished_at: datetime | None = None

    def refusal(self, org_code: str, kind: CycleKind) -> str:
        """Why the organization is skipped, in Vietnamese."""
        what = _KIND_LABELS[kind]
        if self.finished_at is not None:
            at = self.finished_at.astimezone(_VN)
            return f"{org_code}: {what} hôm nay đã chạy xong lúc {at:%H:%M}; bỏ qua."
        until = self.expires_at.astimezone(_VN) if self.expires_at else None
        when = f" (giữ lượt đến {until:%H:%M} nếu không xong)" if until else ""
        return f"{org_code}: {what} hôm nay đang do lượt chạy khác thực hiện{when}; bỏ qua."


_KIND_LABELS = {
    CycleKind.REMINDERS: "chu trình nhắc việc",
    CycleKind.REPORTING: "lịch báo cáo",
}


@dataclass
class Leases:
    """The leases one run takes, with one holder name and one lease length."""

    engine: Engine
    kind: CycleKind
    day: date
    holder: str
    lease: timedelta = DEFAULT_LEASE

    def claim(self, organization_id: int, now: datetime, *, again: bool = False) -> Claim:
        """Claim the organization's cycle for ``day`` at ``now`` (the real time). ``again``
        also takes a finished row (an operator re-running the day on purpose), never one
        a live run holds."""
        values: dict[str, Any] = {
            "organization_id": organization_id,
            "day": self.day,
            "kind": str(self.kind),
            "holder": self.holder,
            "started_at": now,
            "expires_at": now + self.lease,
            "summary": {},
        }
        key = and_(
            _c.organization_id == organization_id,
            _c.day == self.day,
            _c.kind == str(self.kind),
        )
        unfinished = _c.finished_at.is_(None)
        expired = and_(unfinished, _c.expires_at < now)
        takeable = (expired | ~unfinished) if again else expired
        with self.engine.begin() as connection:
            # RETURNING, not rowcount: psycopg reports no row count for ON CONFLICT DO NOTHING
            if connection.execute(_insert_new(self.engine, values)).first() is not None:
                return Claim(granted=True)
            taken = connection.execute(
                update(CycleRun)
                .where(key, takeable)
                .values(
                    holder=self.holder,
                    started_at=now,
                    expires_at=now + self.lease,
                    finished_at=None,
                    takeovers=_c.takeovers + 1,
                )
            )
            if taken.rowcount == 1:
                return Claim(granted=True, resumed=True)
            row = connection.execute(
                select(_c.holder, _c.expires_at, _c.finished_at).where(key)
            ).one()
            if row[2] is None and holder_is_dead(row[0]):
                taken = connection.execute(
                    update(CycleRun)
                    .where(key, _c.holder == row[0], _c.finished_at.is_(None))
                    .values(
                        holder=self.holder,
                        started_at=now,
                        expires_at=now + self.lease,
                        takeovers=_c.takeovers + 1,
                    )
                )
                if taken.rowcount == 1:
                    return Claim(granted=True, resumed=True)
        return Claim(granted=False, holder=row[0], expires_at=row[1], finished_at=row[2])

    def renew(self, organization_id: int, now: datetime) -> bool:
        """Push this run's lease on the organization ``lease`` past ``now``; False when
        it is no longer held by this run (it expired and another run took it)."""
        return self._set(organization_id, expires_at=now + self.lease)

    def finish(self, organization_id: int, now: datetime, summary: dict[str, Any]) -> bool:
        """Mark the day's work done, with its counts."""
        return self._set(organization_id, finished_at=now, expires_at=now, summary=summary)

    def release(self, organization_id: int, now: datetime) -> bool:
        """Give the lease up unfinished (the run failed): the next run takes it at once."""
        return self._set(organization_id, expires_at=now)

    def _set(self, organization_id: int, **values: Any) -> bool:
        with self.engine.begin() as connection:
            done = connection.execute(
                update(CycleRun)
                .where(
                    _c.organization_id == organization_id,
                    _c.day == self.day,
                    _c.kind == str(self.kind),
                    _c.holder == self.holder,
                    _c.finished_at.is_(None),
                )
                .values(**values)
            )
        return done.rowcount == 1


def _insert_new(engine: Engine, values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` in the engine's dialect (the two the
    engine runs on: PostgreSQL and SQLite)."""
    if engine.dialect.name == "postgresql":
        statement: Any = postgresql.insert(CycleRun).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(CycleRun).values(values).on_conflict_do_nothing()
    return statement.returning(_c.id)


def due_organizations(
    engine: Engine, *, kind: CycleKind | str, day: date, codes: list[str] | None = None
) -> list[str]:
    """The codes of the organizations whose ``kind`` cycle of ``day`` is not finished (none
    started, running, or left by a run that died), in code order: what a scheduler still
    has to do that day. ``codes`` limits it to those organizations."""
    done = (
        select(_c.organization_id)
        .where(_c.day == day, _c.kind == str(kind), _c.finished_at.is_not(None))
        .scalar_subquery()
    )
    query = select(_o.code).where(_o.id.not_in(done)).order_by(_o.code)
    if codes is not None:
        query = query.where(_o.code.in_(codes))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
