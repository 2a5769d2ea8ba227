"""Fixtures for the import, check, command and reminder tests (helpers in ``sauro_support``
and ``reminder_support``; the SMTP test server from ``tests/notifications/smtp_support``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reminder_support import mail_server
from sauro_support import CONFIG, Sauro
from smtp_support import ScriptedHandler, SmtpTestServer
from typer.testing import CliRunner


@pytest.fixture
def sauro(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sauro:
    """``sauro`` on a migrated, empty database, run from an empty working folder."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return Sauro(db_url, CONFIG, CliRunner())


@pytest.fixture
def loaded(sauro: Sauro) -> Sauro:
    """``sauro`` after ``sauro init``: the directory of both organizations is loaded."""
    sauro.ok("init")
    return sauro


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    """A copy of config/ whose rules.yaml gives the check person.missing an unknown severity."""
    folder = tmp_path / "bad-config"
    shutil.copytree(CONFIG, folder)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    good = "  person.missing:\n    severity: error"
    assert good in text
    rules.write_text(text.replace(good, "  person.missing:\n    severity: critical"), "utf-8")
    return folder


@pytest.fixture
def mail_servers() -> Iterator[Callable[..., SmtpTestServer]]:
    """Start aiosmtpd servers on 127.0.0.1 (plain SMTP) for a test; all stopped at its end.
    ``started=False`` only picks a port: the server is down until ``start()``; ``handler``
    replaces the recording handler (a subclass that scripts more)."""
    servers: list[SmtpTestServer] = []

    def make(*, started: bool = True, handler: ScriptedHandler | None = None) -> SmtpTestServer:
        server = mail_server(handler)
        servers.append(server)
        if started:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()
