"""Shared fixtures: a real SQLite file and the machine's PostgreSQL, each test on a clean
schema built by the real migrations.

PostgreSQL: ``SAURO_TEST_POSTGRES`` is a server URL (default the local trust-auth server);
a database ``sauro_test_<worker>_<pid>`` is created for the session and dropped after, one
per pytest-xdist worker (``gw0``, ``gw1``...; ``master`` without xdist), the pid keeping two
concurrent runs apart. Set it to ``off`` to run SQLite only (the run then says so);
otherwise an unreachable server fails.

Passwords: the suite hashes with cheap Argon2 parameters (``_cheap_password_hashing``); the
production parameters are argon2-cffi's defaults and stay untouched in ``engine``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import engine.store.models  # noqa: F401  (registers the tables)
from engine.directory import accounts
from engine.store.db import make_engine, upgrade

PG_SERVER = os.environ.get(
    "SAURO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A hash costs well under a millisecond instead of about a tenth of a second (64 MiB, t=3).
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Every in-process hash and verify uses ``TEST_HASHER`` (``_dummy_hash`` is cached per
    hasher, so it follows). ``sauro`` run as a subprocess keeps the production parameters;
    a login in process rehashes such a hash, as it would after a change of parameters."""
    production = accounts.HASHER
    accounts.HASHER = TEST_HASHER
    yield
    accounts.HASHER = production


def _database_name() -> str:
    """``sauro_test_<xdist worker>_<pid>``: one database per worker, none shared between runs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    return f"sauro_test_{worker}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped at the end of the session."""
    if PG_SERVER == "off":
        pytest.skip("SAURO_TEST_POSTGRES=off: PostgreSQL tests not run")
    name = _database_name()
    admin = make_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# The sequences that ``TRUNCATE … RESTART IDENTITY`` restarts: those owned by a column of the
# tables (serial: deptype 'a'; identity: 'i'), with their start values.
_OWNED_SEQUENCES = text(
    "SELECT s.oid::regclass::text, q.seqstart FROM pg_class s "
    "JOIN pg_sequence q ON q.seqrelid = s.oid "
    "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
    "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
)


@pytest.fixture(scope="session")
def _empty_postgres(postgres_url: str) -> Iterator[Callable[[], None]]:
    """Empties every table of the PostgreSQL test database and restarts their sequences: the
    state ``TRUNCATE … RESTART IDENTITY CASCADE`` leaves, without its cost. A TRUNCATE gives
    every table and index a new file, about fifty a test, which also makes the checkpoints
    (and so each DROP DATABASE) slow; a DELETE of a few rows and ``setval`` do not."""
    engine = make_engine(postgres_url)
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    with engine.connect() as connection:
        sequences = connection.execute(_OWNED_SEQUENCES, {"tables": tables}).all()
    statements = [f'DELETE FROM "{name}"' for name in reversed(tables)]  # referencing first
    statements += [f"SELECT setval('{name}', {start}, false)" for name, start in sequences]

    def empty() -> None:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))

    yield empty
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a clean, migrated database: a SQLite file or the PostgreSQL test database."""
    if request.param == "sqlite":
        path = tmp_path / "sauro.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    request.getfixturevalue("_empty_postgres")()
    return url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
