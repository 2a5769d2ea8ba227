"""The delivery ledger: each ledger key is delivered once, whatever re-runs or crashes.

A ledger key names one (task, rule step, recipient, deadline version) — see
``rules.ladder``. A message (a digest) covers several keys and is delivered as a whole:

- ``claim(keys, now)`` marks every key ``sending`` in one transaction, or none of them:
  it fails when any key is already ``sent``, ``failed``, or ``sending`` under a claim
  younger than the lease. A claim older than the lease (default 10 minutes) was left by
  a process that died, and may be taken again; so after a crash at most the messages that
  were in flight are sent twice, and only once the lease has run out.
- ``mark_sent`` records the keys as ``sent`` (final). Call it as soon as the server has
  accepted the message: the window between the two is the only one in which a crash
  causes a duplicate.
- ``mark_failed(keys, temporary, …)`` releases the claim (``deferred``): the next run
  claims and tries again. ``mark_failed(keys, permanent, …)`` records ``failed``: never
  retried automatically (an administrator decides). Neither undoes ``sent``.
- ``status`` / ``statuses`` say where keys stand; ``claimable`` filters keys a run could
  claim now, so a digest is built from those only.

``DatabaseLedger`` keeps the ledger in the ``delivery`` table (SQLite or PostgreSQL,
Core statements); ``MemoryLedger`` is its in-memory twin. Both are synchronous and
thread-safe; delivery calls them from a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.models import Delivery
from notifications.transport import SendStatus

DEFAULT_LEASE = timedelta(minutes=10)
_CHUNK = 500  # keys per statement: well under SQLite's limit on bound parameters


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger key as recorded."""

    key: str
    status: DeliveryStatus
    message_id: str
    attempts: int
    last_error: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    updated_at: datetime


class Ledger(Protocol):
    """What delivery needs from a ledger (see the module docstring for the semantics)."""

    def claim(self, keys: Sequence[str], now: datetime, *, message_id: str = "") -> bool: ...

    def mark_sent(
        self, keys: Sequence[str], message_id: str, now: datetime, *, attempts: int = 1
    ) -> None: ...

    def mark_failed(
        self,
        keys: Sequence[str],
        status: SendStatus,
        detail: str,
        now: datetime,
        *,
        attempts: int = 1,
    ) -> None: ...

    def statuses(self, keys: Sequence[str]) -> dict[str, DeliveryStatus]: ...

    def status(self, key: str) -> DeliveryStatus | None: ...

    def claimable(self, keys: Sequence[str], now: datetime) -> list[str]: ...


def _failure_status(status: SendStatus) -> DeliveryStatus:
    if status is SendStatus.TEMPORARY:
        return DeliveryStatus.DEFERRED
    if status is SendStatus.PERMANENT:
        return DeliveryStatus.FAILED
    raise ValueError(f"mark_failed takes a temporary or permanent status, not {status}")


def _chunks(keys: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield list(keys[start : start + _CHUNK])


class _KeyTakenError(Exception):
    """Raised inside a claim's transaction to roll it back: some key is not free."""


class DatabaseLedger:
    """The ledger in the ``delivery`` table, one short transaction per call.

    A claim inserts the keys it has never seen (``ON CONFLICT DO NOTHING``) and takes
    over the ``deferred`` and abandoned ones with one conditional ``UPDATE``; if the rows
    the two return do not add up to every key, another run holds one and the transaction
    is rolled back. Keys are handled in sorted order so concurrent claims lock rows in the
    same order (no deadlock on PostgreSQL); SQLite serializes writers anyway.

    Statements keep one shape whatever the keys (executemany, expanding ``IN``), so
    SQLAlchemy compiles each once: per message that halves the cost of the ledger.
    """

    def __init__(self, engine: Engine, *, lease: timedelta = DEFAULT_LEASE) -> None:
        if engine.dialect.name not in {"sqlite", "postgresql"}:
            raise ValueError(
                f"the delivery ledger needs SQLite or PostgreSQL, not {engine.dialect.name}"
            )
        self._engine = engine
        self.lease = lease
        self._table = Delivery.__table__  # type: ignore[attr-defined]
        self._key = self._table.c.ledger_key
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        # Rows counted with RETURNING: an INSERT's rowcount is not reliable with psycopg.
        self._insert = (
            dialect.insert(self._table)
            .on_conflict_do_nothing(index_elements=["ledger_key"])
            .returning(self._key)
        )

    def claim(self, keys: Sequence[str], now: datetime, *, message_id: str = "") -> bool:
        wanted = sorted(set(keys))
        try:
            with self._engine.begin() as connection:
                taken = len(self._insert_missing(connection, wanted, message_id, now))
                if taken < len(wanted):
                    for chunk in _chunks(wanted):
                        statement = self._take_over(chunk, message_id, now)
                        taken += len(connection.execute(statement).all())
                if taken != len(wanted):
                    raise _KeyTakenError
        except _KeyTakenError:
            return False
        return True

    def mark_sent(
        self, keys: Sequence[str], message_id: str, now: datetime, *, attempts: int = 1
    ) -> None:
        values = {
            "status": DeliveryStatus.SENT.value,
            "message_id": message_id,
            "sent_at": now,
            "claimed_at": None,
            "last_error": None,
        }
        self._record(keys, values, now, attempts, keep_sent=False)

    def mark_failed(
        self,
        keys: Sequence[str],
        status: SendStatus,
        detail: str,
        now: datetime,
        *,
        attempts: int = 1,
    ) -> None:
        values = {"status": _failure_status(status).value, "claimed_at": None, "last_error": detail}
        self._record(keys, values, now, attempts, keep_sent=True)

    def statuses(self, keys: Sequence[str]) -> dict[str, DeliveryStatus]:
        return {entry.key: entry.status for entry in self.entries(keys).values()}

    def status(self, key: str) -> DeliveryStatus | None:
        return self.statuses([key]).get(key)

    def entries(self, keys: Sequence[str]) -> dict[str, LedgerEntry]:
        """The recorded entries of ``keys`` (keys never claimed are absent)."""
        table = self._table
        found: dict[str, LedgerEntry] = {}
        with self._engine.connect() as connection:
            for chunk in _chunks(sorted(set(keys))):
                rows = connection.execute(select(table).where(self._key.in_(chunk)))
                for row in rows:
                    found[row.ledger_key] = _entry(row)
        return found

    def claimable(self, keys: Sequence[str], now: datetime) -> list[str]:
        entries = self.entries(keys)
        return [key for key in dict.fromkeys(keys) if _free(entries.get(key), now, self.lease)]

    def _insert_missing(
        self, connection: Connection, keys: list[str], message_id: str, now: datetime
    ) -> list[str]:
        """Insert the keys that have no row yet, as ``sending``; return those inserted."""
        rows = [
            {
                "ledger_key": key,
                "message_id": message_id,
                "status": DeliveryStatus.SENDING.value,
                "attempts": 0,
                "claimed_at": now,
                "updated_at": now,
            }
            for key in keys
        ]
        return [row.ledger_key for row in connection.execute(self._insert, rows)]

    def _take_over(self, keys: list[str], message_id: str, now: datetime) -> Any:
        table = self._table
        return (
            update(table)
            .where(self._key.in_(keys), self._reclaimable(now))
            .values(
                status=DeliveryStatus.SENDING.value,
                message_id=message_id,
                claimed_at=now,
                updated_at=now,
            )
            .returning(self._key)
        )

    def _reclaimable(self, now: datetime) -> ColumnElement[bool]:
        table = self._table
        return or_(
            table.c.status == DeliveryStatus.DEFERRED.value,
            and_(
                table.c.status == DeliveryStatus.SENDING.value,
                table.c.claimed_at < now - self.lease,
            ),
        )

    def _record(
        self,
        keys: Sequence[str],
        values: dict[str, Any],
        now: datetime,
        attempts: int,
        *,
        keep_sent: bool,
    ) -> None:
        wanted = sorted(set(keys))
        with self._engine.begin() as connection:
            found = self._update(connection, wanted, values, now, attempts, keep_sent=keep_sent)
            if len(found) < len(wanted):
                # Keys recorded without a claim (a caller's choice) get their rows first;
                # keys left ``sent`` come here too, and the insert skips them.
                message_id = values.get("message_id", "")
                rest = [key for key in wanted if key not in found]
                added = self._insert_missing(connection, rest, message_id, now)
                self._update(connection, added, values, now, attempts, keep_sent=keep_sent)

    def _update(
        self,
        connection: Connection,
        keys: list[str],
        values: dict[str, Any],
        now: datetime,
        attempts: int,
        *,
        keep_sent: bool,
    ) -> set[str]:
        table = self._table
        found: set[str] = set()
        for chunk in _chunks(keys):
            condition = self._key.in_(chunk)
            if keep_sent:  # a late failure report must not undo a delivery
                condition = and_(condition, table.c.status != DeliveryStatus.SENT.value)
            statement = (
                update(table)
                .where(condition)
                .values(**values, attempts=table.c.attempts + attempts, updated_at=now)
                .returning(self._key)
            )
            found.update(connection.execute(statement).scalars())
        return found


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        key=row.ledger_key,
        status=DeliveryStatus(row.status),
        message_id=row.message_id,
        attempts=row.attempts,
        last_error=row.last_error,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        updated_at=row.updated_at,
    )


def _free(entry: LedgerEntry | None, now: datetime, lease: timedelta) -> bool:
    """True when a claim at ``now`` could take this key."""
    if entry is None or entry.status is DeliveryStatus.DEFERRED:
        return True
    if entry.status is DeliveryStatus.SENDING:
        return entry.claimed_at is None or entry.claimed_at < now - lease
    return False


class MemoryLedger:
    """The ledger in a dict, for unit tests and dry runs; same semantics, one lock."""

    def __init__(self, *, lease: timedelta = DEFAULT_LEASE) -> None:
        self.lease = lease
        self._entries: dict[str, LedgerEntry] = {}
        self._lock = threading.Lock()

    def claim(self, keys: Sequence[str], now: datetime, *, message_id: str = "") -> bool:
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            if not all(_free(self._entries.get(key), now, self.lease) for key in wanted):
                return False
            for key in wanted:
                previous = self._entries.get(key)
                self._entries[key] = LedgerEntry(
                    key=key,
                    status=DeliveryStatus.SENDING,
                    message_id=message_id,
                    attempts=previous.attempts if previous else 0,
                    last_error=previous.last_error if previous else None,
                    claimed_at=now,
                    sent_at=None,
                    updated_at=now,
                )
            return True

    def mark_sent(
        self, keys: Sequence[str], message_id: str, now: datetime, *, attempts: int = 1
    ) -> None:
        with self._lock:
            for key in keys:
                entry = self._entry_for(key, now)
                self._entries[key] = replace(
                    entry,
                    status=DeliveryStatus.SENT,
                    message_id=message_id,
                    attempts=entry.attempts + attempts,
                    last_error=None,
                    claimed_at=None,
                    sent_at=now,
                    updated_at=now,
                )

    def mark_failed(
        self,
        keys: Sequence[str],
        status: SendStatus,
        detail: str,
        now: datetime,
        *,
        attempts: int = 1,
    ) -> None:
        new_status = _failure_status(status)
        with self._lock:
            for key in keys:
                entry = self._entry_for(key, now)
                if entry.status is DeliveryStatus.SENT:
                    continue
                self._entries[key] = replace(
                    entry,
                    status=new_status,
                    attempts=entry.attempts + attempts,
                    last_error=detail,
                    claimed_at=None,
                    updated_at=now,
                )

    def statuses(self, keys: Sequence[str]) -> dict[str, DeliveryStatus]:
        with self._lock:
            return {key: self._entries[key].status for key in keys if key in self._entries}

    def status(self, key: str) -> DeliveryStatus | None:
        return self.statuses([key]).get(key)

    def entries(self, keys: Sequence[str]) -> dict[str, LedgerEntry]:
        with self._lock:
            return {key: self._entries[key] for key in keys if key in self._entries}

    def claimable(self, keys: Sequence[str], now: datetime) -> list[str]:
        with self._lock:
            return [
                key for key in dict.fromkeys(keys) if _free(self._entries.get(key), now, self.lease)
            ]

    def _entry_for(self, key: str, now: datetime) -> LedgerEntry:
        return self._entries.get(key) or LedgerEntry(
            key=key,
            status=DeliveryStatus.SENDING,
            message_id="",
            attempts=0,
            last_error=None,
            claimed_at=now,
            sent_at=None,
            updated_at=now,
        )
