"""Fixtures for the web tests: the app over a loaded database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from web_support import ARTIFACTS, Site, build_site


def pytest_report_header() -> str:
    return f"browser screenshots (SAURO_BROWSER_ARTIFACTS): {ARTIFACTS}"


@pytest.fixture
def site(db_engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Site]:
    built = build_site(db_engine, db_url, tmp_path)
    yield built
    built.app.state.mailer.close()  # notices being mailed finish before the database goes
