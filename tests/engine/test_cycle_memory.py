"""A run keeps nothing of an organization once it is done (issue 13, item 3): the Python
memory held between organizations does not grow with their number.

Measured with tracemalloc after each organization of a 12-commune province: about 10 KB
more per commune (caches filling), against about 140 KB when each commune's report was
kept (its messages and their bodies)."""

from __future__ import annotations

import asyncio
import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from engine.reminders import cycle
from engine.store.db import make_engine

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from province import NOW, build_province  # noqa: E402

COMMUNES = 12
WARM = 4  # communes before the measure: the first ones fill caches and pools
PER_COMMUNE = 50 * 1024  # bytes still held after each commune, at most


@pytest.fixture
def province_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "sauro.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        build_province(engine, orgs=COMMUNES, tasks_per_org=60, now=NOW)
    finally:
        engine.dispose()
    return url


def test_a_run_holds_nothing_of_the_communes_it_has_done(
    province_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[int] = []  # bytes traced after each commune
    absorb = cycle.CycleReport.absorb

    def measured(report: cycle.CycleReport, one: cycle.CycleReport) -> None:
        absorb(report, one)
        gc.collect()
        held.append(tracemalloc.get_traced_memory()[0])

    monkeypatch.setattr(cycle.CycleReport, "absorb", measured)
    tracemalloc.start()
    try:
        report = asyncio.run(
            cycle.run_cycle(
                database_url=province_url, config_dir=REPO / "config", now=NOW, dry_run=True
            )
        )
    finally:
        tracemalloc.stop()

    assert report.organizations == COMMUNES
    assert len(report.messages) > COMMUNES  # every commune had mails to plan and render
    growth = (held[-1] - held[WARM - 1]) / (COMMUNES - WARM)
    assert growth < PER_COMMUNE, f"{growth / 1024:.0f} KB held after each commune"
