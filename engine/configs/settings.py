"""Settings from the environment, read once at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the database and the configuration live.

    ``SAURO_DATABASE_URL`` — any SQLAlchemy URL; default a SQLite file ``sauro.db`` in the
    working directory. PostgreSQL: ``postgresql+psycopg://user@host:5432/dbname``.
    ``SAURO_CONFIG_DIR`` — the folder of YAML configs; default ``./config``.
    ``SAURO_REPORTS_DIR`` — where the scheduled reporting writes unit forms and period
    reports (``<org>/<period>/``); default ``./bao-cao``.

    The web app (``sauro serve``): ``SAURO_UPLOADS_DIR`` holds uploaded plans awaiting
    commit and completion evidence (reports go to ``SAURO_REPORTS_DIR``);
    ``SAURO_COOKIE_SECURE`` marks the session cookie Secure (set it behind HTTPS);
    ``SAURO_SESSION_HOURS`` is how long a login lasts; ``SAURO_MAX_UPLOAD_MB`` caps an upload;
    ``SAURO_LOGIN_MAX_FAILURES`` failed logins lock a username for ``SAURO_LOGIN_LOCK_MINUTES``,
    and ``SAURO_LOGIN_MAX_FAILURES_PER_IP`` failures from one address within that time refuse
    further attempts from it. A forgotten password ("Quên mật khẩu") is mailed at most
    ``SAURO_RESET_MAX_PER_NAME`` times per name and ``SAURO_RESET_MAX_PER_IP`` times per
    address within ``SAURO_RESET_WINDOW_MINUTES`` (5, 20, 60).

    ``SAURO_BASE_URL`` is where people open the app (``https://sauro.xuanduong.gov.vn``):
    every mail and Zalo message links into it; default ``http://127.0.0.1:8000``.
    """

    model_config = SettingsConfigDict(env_prefix="SAURO_", extra="ignore")

    database_url: str = "sqlite:///sauro.db"
    config_dir: Path = Path("config")
    uploads_dir: Path = Path("uploads")
    reports_dir: Path = Path("bao-cao")
    cookie_secure: bool = False
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    max_upload_mb: int = Field(default=10, ge=1, le=200)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)
    reset_max_per_name: int = Field(default=5, ge=1)
    reset_max_per_ip: int = Field(default=20, ge=1)
    reset_window_minutes: int = Field(default=60, ge=1)
    base_url: str = "http://127.0.0.1:8000"

    def link(self, path: str) -> str:
        """The absolute address of an app path ("/tasks/12")."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")
