"""The database goes away in the middle of ``sauro remind`` (PostgreSQL refuses new
connections and ends the open ones while the first mail is on the wire): the command says
so in Vietnamese with exit code 2, no traceback; once the database is back, a new run
finishes the day, and no one gets a mail twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from freezegun import freeze_time
from reminder_support import (
    DOMAIN,
    HEADER,
    ORG,
    PLAN_DATE,
    PLAN_NUMBER,
    THREE_TASKS,
    mail_server,
)
from sauro_support import CONFIG, Sauro, write_csv
from smtp_support import ScriptedHandler
from sqlalchemy import text
from typer.testing import CliRunner

from engine.store.db import make_engine, upgrade

SAURO = Path(sys.executable).with_name("sauro")
AT = "2026-02-06T07:00"
RECIPIENTS = 7  # the digests of 06/02/2026 for this plan (see test_remind_cli)


@dataclass
class Database:
    """A PostgreSQL database of this test's own, which it can close to connections."""

    admin_url: str
    name: str

    @property
    def url(self) -> str:
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    def admin(self, statement: str) -> None:
        admin = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
        finally:
            admin.dispose()

    def cut(self) -> None:
        """Refuse new connections and end every open one."""
        self.admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def restore(self) -> None:
        self.admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    db = Database(admin, f"sauro_lost_{os.getpid()}")
    db.admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    db.admin(f'CREATE DATABASE "{db.name}"')
    upgrade(db.url)
    yield db
    db.restore()
    db.admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


@dataclass
class CuttingHandler(ScriptedHandler):
    """Records the mail, and cuts the database while the first one is on the wire (after
    the server has it, before the client hears "250")."""

    database: Database | None = None

    async def handle_DATA(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self.database is not None:
            self.database.cut()
            self.database = None
        return reply


def _remind(db: Database, port: int, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAURO_")}
    env |= {
        "SAURO_DATABASE_URL": db.url,
        "SAURO_CONFIG_DIR": str(CONFIG),
        "SAURO_SMTP_HOST": "127.0.0.1",
        "SAURO_SMTP_PORT": str(port),
        "SAURO_SMTP_SECURITY": "none",
        "SAURO_SMTP_SENDER": "Văn phòng UBND <vanphong@ubnd.example.vn>",
        "SAURO_SMTP_CONCURRENCY": "1",
        "SAURO_SMTP_TIMEOUT": "5",
    }
    return subprocess.run(
        [str(SAURO), "remind", "--org", ORG, "--at", AT],
        env=env, cwd=workdir, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_database_lost_mid_cycle_is_said_and_the_next_run_finishes(
    database: Database, tmp_path: Path
) -> None:
    sauro = Sauro(database.url, CONFIG, CliRunner())
    sauro.ok("init")
    plan = write_csv(tmp_path / "ke_hoach.csv", [HEADER, *[list(r) for r in THREE_TASKS]])
    with freeze_time("2026-02-06 06:00:00+07:00"):  # the morning of the cycle (see AT)
        sauro.ok(
            "import", plan, "--org", ORG, "--plan-number", PLAN_NUMBER,
            "--plan-date", PLAN_DATE.isoformat(),
        )  # fmt: skip
    handler = CuttingHandler(database=database)
    server = mail_server(handler)
    server.start()
    try:
        lost = _remind(database, server.port, tmp_path)
        assert lost.returncode == 2, lost.stderr
        assert "Traceback" not in lost.stderr
        assert "mất kết nối tới cơ sở dữ liệu" in lost.stderr
        assert "không thư nào bị gửi hai lần" in lost.stderr
        assert len(handler.received) == 1  # the mail on the wire when the database went

        database.restore()
        again = _remind(database, server.port, tmp_path)
        assert again.returncode == 0, again.stderr
    finally:
        server.stop()
    received = Counter(address for mail in handler.received for address in mail.rcpt_tos)
    assert all(address.endswith(DOMAIN) for address in received)
    assert max(received.values()) == 1  # no one twice
    # Every digest went, but the one on the wire: its claim belongs to the lost run until
    # the ledger's lease ends, and the server has it already.
    assert len(received) == RECIPIENTS
    assert "đang do lượt chạy khác gửi 1" in again.stdout
