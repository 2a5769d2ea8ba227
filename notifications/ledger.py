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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.models import Delivery
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


_DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for a transaction chosen to end a deadlock


class _KeyTakenError(Exception):
    """Raised inside a claim's transaction to roll it back: some key is not free."""


def _progress(table: Any) -> dict[str, Any]:
    return {"attempts": table.c.attempts + bindparam("attempts"), "updated_at": bindparam("now")}


class _Prepared:
    """A statement compiled once for one dialect, run on a bare DBAPI cursor.

    The ledger's per-message calls are tiny; through the ORM-free Core path SQLAlchemy
    still spent ten times the database's own time on each, which made the ledger, not SMTP,
    the limit on delivery throughput. Values go through the columns' own bind processors,
    so what is stored is exactly what Core would store.
    """

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        self.constants = dict(compiled.params)
        self.processors = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.bind_processor(dialect)) is not None
        }
        # psycopg sends many executions in one round trip and keeps each one's rows
        # (``executemany(returning=True)``); sqlite3 runs in process, one at a time.
        self.batched = dialect.name == "postgresql"

    def run(self, cursor: Any, values: dict[str, Any]) -> list[Any]:
        cursor.execute(self.sql, self._parameters(values))
        return list(cursor.fetchall())

    def run_each(self, cursor: Any, values: Sequence[dict[str, Any]]) -> list[list[Any]]:
        """The statement once per entry of ``values``, in order; the rows of each. On
        PostgreSQL in one round trip: a message with a hundred keys was a hundred round
        trips to claim and as many to mark sent."""
        if not self.batched or len(values) < 2:
            return [self.run(cursor, one) for one in values]
        cursor.executemany(self.sql, [self._parameters(one) for one in values], returning=True)
        found = [list(cursor.fetchall())]
        while cursor.nextset():
            found.append(list(cursor.fetchall()))
        return found

    def _parameters(self, values: dict[str, Any]) -> Any:
        merged = {**self.constants, **values}
        for name, processor in self.processors.items():
            if name in merged:
                merged[name] = processor(merged[name])
        return merged if self.names is None else [merged[n] for n in self.names]


class DatabaseLedger:
    """The ledger in the ``delivery`` table, one short transaction per call.

    A claim inserts the keys it has never seen (``ON CONFLICT DO NOTHING``) and takes
    over the ``deferred`` and abandoned ones with one conditional ``UPDATE``; if the rows
    the two return do not add up to every key, another run holds one and the transaction
    is rolled back. Keys are handled in sorted order (the new ones, then the known ones) so
    concurrent claims lock rows in the same order; should PostgreSQL still end one claim to
    break a deadlock, that claim is refused as taken. SQLite serializes writers anyway. On
    PostgreSQL a call's statements go in one round trip (``_Prepared.run_each``).

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
        # Built once: per call only parameters change (building statements, not the
        # database, was most of the ledger's cost per message).
        table = self._table
        keys: Any = bindparam("keys", expanding=True)
        self._take_over_statement = self._take_over(self._key.in_(keys))
        self._sent_statement = self._sent(self._key.in_(keys))
        one = self._key == bindparam("key")
        self._fast_insert = _Prepared(
            self._insert.values(
                ledger_key=bindparam("key"),
                message_id=bindparam("message_id"),
                status=DeliveryStatus.SENDING.value,
                attempts=0,
                claimed_at=bindparam("now"),
                updated_at=bindparam("now"),
            ),
            engine.dialect,
        )
        self._fast_take_over = _Prepared(self._take_over(one), engine.dialect)
        self._fast_sent = _Prepared(self._sent(one), engine.dialect)
        self._failed_statement = (  # a late failure report must not undo a delivery
            update(table)
            .where(self._key.in_(keys), table.c.status != DeliveryStatus.SENT.value)
            .values(
                status=bindparam("status"),
                claimed_at=None,
                last_error=bindparam("detail"),
                **_progress(table),
            )
            .returning(self._key)
        )

    def _take_over(self, which: Any) -> Any:
        """Take ``which`` keys back into ``sending``: deferred ones, and claims older than
        the lease (a run that died)."""
        table = self._table
        return (
            update(table)
            .where(
                which,
                or_(
                    table.c.status == DeliveryStatus.DEFERRED.value,
                    and_(
                        table.c.status == DeliveryStatus.SENDING.value,
                        table.c.claimed_at < bindparam("cutoff"),
                    ),
                ),
            )
            .values(
                status=DeliveryStatus.SENDING.value,
                message_id=bindparam("message_id"),
                claimed_at=bindparam("now"),
                updated_at=bindparam("now"),
            )
            .returning(self._key)
        )

    def _sent(self, which: Any) -> Any:
        return (
            update(self._table)
            .where(which)
            .values(
                status=DeliveryStatus.SENT.value,
                message_id=bindparam("message_id"),
                sent_at=bindparam("now"),
                claimed_at=None,
                last_error=None,
                **_progress(self._table),
            )
            .returning(self._key)
        )

    def claim(self, keys: Sequence[str], now: datetime, *, message_id: str = "") -> bool:
        values = {"message_id": message_id, "now": now, "cutoff": now - self.lease}
        each = [{**values, "key": key} for key in sorted(set(keys))]
        try:
            with self._raw() as cursor:
                inserted = self._fast_insert.run_each(cursor, each)
                known = [params for params, rows in zip(each, inserted, strict=True) if not rows]
                if not all(self._fast_take_over.run_each(cursor, known)):
                    raise _KeyTakenError
        except _KeyTakenError:
            return False
        except Exception as error:
            if getattr(error, "sqlstate", None) == _DEADLOCK:  # a run claiming the same
                return False  # keys at this instant: it holds them now, or they stay free
            raise
        return True

    def mark_sent(
        self, keys: Sequence[str], message_id: str, now: datetime, *, attempts: int = 1
    ) -> None:
        params = {"message_id": message_id, "now": now, "attempts": attempts}
        ordered = sorted(set(keys))
        with self._raw() as cursor:
            marked = self._fast_sent.run_each(cursor, [{**params, "key": key} for key in ordered])
        missing = [key for key, rows in zip(ordered, marked, strict=True) if not rows]
        if missing:  # recorded without a claim (a caller's choice): rows made first
            self._record(missing, self._sent_statement, params, message_id, now)

    @contextmanager
    def _raw(self) -> Iterator[Any]:
        """A cursor in one transaction on a pooled DBAPI connection: commit, or roll back
        on any error."""
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def mark_failed(
        self,
        keys: Sequence[str],
        status: SendStatus,
        detail: str,
        now: datetime,
        *,
        attempts: int = 1,
    ) -> None:
        params = {
            "status": _failure_status(status).value,
            "detail": detail,
            "now": now,
            "attempts": attempts,
        }
        self._record(keys, self._failed_statement, params, "", now)

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
        return self.claimable_in(self.entries(keys), keys, now)

    def claimable_in(
        self, entries: Mapping[str, LedgerEntry], keys: Sequence[str], now: datetime
    ) -> list[str]:
        """As ``claimable``, from ``entries`` read before (one read for many messages)."""
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

    def _record(
        self,
        keys: Sequence[str],
        statement: Any,
        params: dict[str, Any],
        message_id: str,
        now: datetime,
    ) -> None:
        wanted = sorted(set(keys))
        with self._engine.begin() as connection:
            found = self._update(connection, wanted, statement, params)
            if len(found) < len(wanted):
                # Keys recorded without a claim (a caller's choice) get their rows first;
                # keys left ``sent`` come here too, and the insert skips them.
                rest = [key for key in wanted if key not in found]
                added = self._insert_missing(connection, rest, message_id, now)
                self._update(connection, added, statement, params)

    @staticmethod
    def _update(
        connection: Connection, keys: list[str], statement: Any, params: dict[str, Any]
    ) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            found.update(connection.execute(statement, {"keys": chunk, **params}).scalars())
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
