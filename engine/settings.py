"""Settings from the environment, read once at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the database and the configuration live.

    ``SAURO_DATABASE_URL`` — any SQLAlchemy URL; default a SQLite file ``sauro.db`` in the
    working directory. PostgreSQL: ``postgresql+psycopg://user@host:5432/dbname``.
    ``SAURO_CONFIG_DIR`` — the folder of YAML configs; default ``./config``.
    ``SAURO_REPORTS_DIR`` — where the scheduled reporting writes unit forms and period
    reports (``<org>/<period>/``); default ``./bao-cao``.
    """

    model_config = SettingsConfigDict(env_prefix="SAURO_", extra="ignore")

    database_url: str = "sqlite:///sauro.db"
    config_dir: Path = Path("config")
    reports_dir: Path = Path("bao-cao")
