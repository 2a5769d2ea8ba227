"""The one Prefect smoke test: ``daily_cycle`` run as a real flow against Prefect's test
harness (a temporary server, ≈ 10 s) on a SQLite database set up by ``sauro init``.

Everything the flow calls is tested directly elsewhere; this proves the wiring: parameters,
settings read at the edge, the async flow run, the JSON result.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from typer.testing import CliRunner

from engine.cli import app
from flows.reminders import daily_cycle

REPO = Path(__file__).resolve().parents[2]


def test_daily_cycle_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SAURO_DATABASE_URL": f"sqlite:///{tmp_path / 'sauro.db'}",
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    for name, value in env.items():  # the harness's server subprocess reads these
        monkeypatch.setenv(name, value)
    initialised = CliRunner().invoke(app, ["init"], catch_exceptions=False)
    assert initialised.exit_code == 0, initialised.output

    settings = {PREFECT_HOME: tmp_path / "prefect", PREFECT_SERVER_ANALYTICS_ENABLED: False}
    with temporary_settings(updates=settings), prefect_test_harness(server_startup_timeout=120):
        result = asyncio.run(daily_cycle(dry_run=True, at="2026-11-23T07:00:00+07:00"))

    assert {"planned", "sent", "deferred", "failed"} <= result.keys()
    assert result["sent"] == 0  # a dry run sends nothing
