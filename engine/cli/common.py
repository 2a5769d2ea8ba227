"""What every command needs: settings, the database engine, the configs, the actor, now."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from sqlalchemy import Engine

from engine.audit import Actor
from engine.config import Configs, load_configs
from engine.db import make_engine
from engine.settings import Settings


def settings() -> Settings:
    """Settings from the environment, read once per command."""
    return Settings()


def database(current: Settings) -> Engine:
    return make_engine(current.database_url)


def configs(current: Settings) -> Configs:
    return load_configs(current.config_dir)


def actor(source: str) -> Actor:
    """The person at the terminal, as the audit log names them."""
    return Actor(name=f"cli:{getpass.getuser()}", source=source)


def now() -> datetime:
    """The current instant, aware. Only entry points call this; logic takes ``now``."""
    return datetime.now(UTC)


def default_org(current: Configs, org: str | None) -> str:
    """The organization a command works on: ``--org``, else the directory's default."""
    return org or current.directory.default_organization
