"""Database access: engines, sessions and migrations. No module-level engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from engine.errors import SauroError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a busy timeout."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Standard with WAL: durable at every checkpoint, and a commit costs no fsync; the
    # delivery ledger commits twice per message.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configured in code (no alembic.ini needed) for the database at ``url``.
    Alembic is imported here, not with the module: most commands never migrate."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema at ``url`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None when it has none."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_lost(error: BaseException) -> SauroError | None:
    """The error to show when ``error`` (or an error inside it: a task group's, a cause)
    is the database being unreachable or gone mid-run; None for anything else.

    Every write of a run is in a transaction, so what was not committed is not there, and
    the delivery ledger says what went out: running the command again when the database
    is back finishes the work and sends nothing twice."""
    lost = _lost(error, set())
    if lost is None:
        return None
    reason = str(getattr(lost, "orig", None) or lost).strip().splitlines()
    return SauroError(
        "mất kết nối tới cơ sở dữ liệu"
        + (f" ({reason[0][:200]})" if reason else "")
        + ". Phần việc chưa ghi xong không được ghi; thư đã gửi đã được ghi sổ. Chạy lại "
        "lệnh khi cơ sở dữ liệu hoạt động trở lại: không thư nào bị gửi hai lần."
    )


_DRIVER_ERRORS = frozenset({"OperationalError", "InterfaceError"})
_DRIVERS = frozenset({"psycopg", "sqlite3"})


def _lost(error: BaseException | None, seen: set[int]) -> BaseException | None:
    if error is None or id(error) in seen:
        return None
    seen.add(id(error))
    if isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return error
    # The delivery ledger uses the driver's own connection: its PEP 249 errors come bare.
    if any(
        kind.__name__ in _DRIVER_ERRORS and kind.__module__.split(".")[0] in _DRIVERS
        for kind in type(error).__mro__
    ):
        return error
    inner = list(error.exceptions) if isinstance(error, BaseExceptionGroup) else []
    for candidate in [*inner, error.__cause__, error.__context__]:
        found = _lost(candidate, seen)
        if found is not None:
            return found
    return None
