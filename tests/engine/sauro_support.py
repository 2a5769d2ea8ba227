"""Helpers for the import, check and command tests: the ``sauro`` command run in-process
on one database, the seed-002 data, plan files written in a test's folder, and a snapshot
of every table to prove that a command wrote nothing."""

from __future__ import annotations

import csv
import importlib
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from typer.testing import CliRunner, Result

import engine.store.models  # noqa: F401  (registers the tables)
from engine.cli import app
from engine.configs.files import Configs
from engine.directory.store import sync_directory
from engine.plans.importer import ImportOptions, import_plan
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
FIXTURES = REPO / "tests" / "fixtures"
PLAN_NUMBER = "3838/KH-UBND"
PLAN_DATE = "2023-12-28"
KIEN_TUONG = ("--org", "kien-tuong")
PLAN_OPTIONS = (*KIEN_TUONG, "--plan-number", PLAN_NUMBER, "--plan-date", PLAN_DATE)
GOOD_FILES = ("kien_tuong_3838.docx", "kien_tuong_3838_pl2.xlsx", "kien_tuong_3838_pl2.csv")


def _fixture_module(name: str) -> ModuleType:
    """The fixture scripts live in tests/fixtures, which is not a package."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module(name)


SEED = _fixture_module("seed_002_pl2")


@dataclass
class Sauro:
    """The ``sauro`` command run in-process against one database and one config folder."""

    url: str
    config_dir: Path
    runner: CliRunner

    def __call__(self, *args: str | Path, config_dir: Path | None = None) -> Result:
        folder = config_dir or self.config_dir
        env = {"SAURO_DATABASE_URL": self.url, "SAURO_CONFIG_DIR": str(folder)}
        return self.runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)

    def ok(self, *args: str | Path) -> Result:
        """Run and require exit code 0."""
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(url: str) -> Snapshot:
    """Every row of every table, in primary-key order: equal snapshots, equal content."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """A UTF-8 CSV plan file with ``rows`` (the first is the header)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def load_kien_tuong(engine: Engine, configs: Configs, *, actor: Actor, now: datetime) -> None:
    """The directory synced and Kiến Tường's plan 3838/KH-UBND imported from the CSV."""
    with session_scope(engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=actor, now=now)
    with session_scope(engine) as session:
        options = ImportOptions(
            path=FIXTURES / "kien_tuong_3838_pl2.csv",
            org_code="kien-tuong",
            plan_number=SEED.PLAN_NUMBER,
            plan_date=date(2023, 12, 28),
        )
        import_plan(session=session, options=options, configs=configs, actor=actor, now=now)
