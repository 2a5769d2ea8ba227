"""The real Prefect server of the fan-out tests (``prefect_stack.Server``, SQLite in its own
PREFECT_HOME), one per test: ``SAURO_TEST_PREFECT=off`` skips them, and a server that does
not come up skips them outside CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect_stack import Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if os.environ.get("SAURO_TEST_PREFECT") == "off":
        pytest.skip("SAURO_TEST_PREFECT=off: Prefect server tests not run")
    started = Server(tmp_path / "prefect")
    try:
        started.wait_healthy()
    except RuntimeError:
        started.stop()
        if os.environ.get("CI"):
            raise
        pytest.skip("prefect server start did not come up")
    yield started
    started.stop()
