"""Settings from the environment, read once at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import Location, Problem, SauroError
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings


class Settings(BaseSettings):
    """Where the database and the configuration live.

    ``SAURO_DATABASE_URL`` — any SQLAlchemy URL; default a SQLite file ``sauro.db`` in the
    working directory. PostgreSQL: ``postgresql+psycopg://user@host:5432/dbname``.
    ``SAURO_CONFIG_DIR`` — the folder of YAML configs; default ``./config``.
    ``SAURO_REPORTS_DIR`` — where the scheduled reporting writes unit forms and period
    reports (``<org>/<period>/``); default ``./bao-cao``.

    The web app (``sauro serve``): ``SAURO_UPLOADS_DIR`` holds uploaded plans awaiting
    commit and completion evidence (reports go to ``SAURO_REPORTS_DIR``);
    ``SAURO_COOKIE_SECURE`` marks the session cookie Secure and sends HSTS (set it behind
    HTTPS); ``SAURO_SECRET_KEY`` signs the login form's CSRF token and the one-time messages
    after a save (default: a random key per process, so a restart only asks a half-filled
    login form to be sent again); ``SAURO_API_DOCS`` is who may open ``/docs``, ``/redoc``
    and ``/openapi.json``: ``public``, ``login`` (default) or ``off``;
    ``SAURO_SESSION_HOURS`` is how long a login lasts; ``SAURO_MAX_UPLOAD_MB`` caps an upload;
    ``SAURO_LOGIN_MAX_FAILURES`` failed logins lock a username for ``SAURO_LOGIN_LOCK_MINUTES``,
    and ``SAURO_LOGIN_MAX_FAILURES_PER_IP`` failures from one address within that time refuse
    further attempts from it. A forgotten password ("Quên mật khẩu") is mailed at most
    ``SAURO_RESET_MAX_PER_NAME`` times per name and ``SAURO_RESET_MAX_PER_IP`` times per
    address within ``SAURO_RESET_WINDOW_MINUTES`` (5, 20, 60).

    ``SAURO_BASE_URL`` is where people open the app (``https://sauro.xuanduong.gov.vn``):
    every mail and Zalo message links into it; default ``http://127.0.0.1:8000``.

    The daily cycles on Prefect (``sauro deploy``, ``flows.fanout``): a parent flow run
    splits the organizations into batches of ``SAURO_BATCH_SIZE`` (50: at about 1.4 s per
    commune of 1,000 tasks, a batch runs about 70 s) and starts a child flow run per batch;
    at most ``SAURO_BATCH_CONCURRENCY`` children of one deployment run at once (4). A child
    that crashed or failed is started again at once, until ``SAURO_BATCH_ATTEMPTS`` runs of
    the batch crashed (3); one that completed with organizations left open (held by another
    run, or mail in flight of a run that died, which the delivery ledger holds for its
    lease) is started again every ``SAURO_BATCH_RETRY_SECONDS`` (60) during
    ``SAURO_BATCH_PATIENCE_MINUTES`` (30). The parent looks at its children every
    ``SAURO_BATCH_POLL_SECONDS`` (5). Every worker holds at most
    ``SAURO_SMTP_CONNECTION_LIMIT`` SMTP connections to one host open at once, all workers
    together (8: the Prefect global concurrency limit ``smtp-<host>``). Children send a
    heartbeat every ``SAURO_HEARTBEAT_SECONDS`` (30, Prefect's minimum); one silent for
    ``SAURO_CRASH_AFTER_SECONDS`` (90), its machine gone, is marked Crashed (a Prefect
    automation) and started again.
    """

    model_config = SettingsConfigDict(env_prefix="SAURO_", extra="ignore")

    database_url: str = "sqlite:///sauro.db"
    config_dir: Path = Path("config")
    uploads_dir: Path = Path("uploads")
    reports_dir: Path = Path("bao-cao")
    cookie_secure: bool = False
    secret_key: str = ""
    api_docs: Literal["public", "login", "off"] = "login"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    max_upload_mb: int = Field(default=10, ge=1, le=200)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)
    reset_max_per_name: int = Field(default=5, ge=1)
    reset_max_per_ip: int = Field(default=20, ge=1)
    reset_window_minutes: int = Field(default=60, ge=1)
    base_url: str = "http://127.0.0.1:8000"
    batch_size: int = Field(default=50, ge=1, le=10_000)
    batch_concurrency: int = Field(default=4, ge=1, le=1_000)
    batch_attempts: int = Field(default=3, ge=1, le=20)
    batch_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    batch_retry_seconds: float = Field(default=60.0, gt=0, le=3_600)
    batch_patience_minutes: float = Field(default=30.0, ge=0, le=24 * 60)
    smtp_connection_limit: int = Field(default=8, ge=1, le=1_000)
    heartbeat_seconds: int = Field(default=30, ge=30, le=3_600)
    crash_after_seconds: int = Field(default=90, ge=45, le=86_400)

    def link(self, path: str) -> str:
        """The absolute address of an app path ("/tasks/12")."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


# What each kind of pydantic error means for one variable, in Vietnamese (``{…}`` from the
# error's context); a kind not listed is "giá trị không hợp lệ".
_MEANINGS = {
    "int_parsing": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "float_parsing": "cần một số",
    "bool_parsing": "cần true hoặc false (1/0, yes/no, on/off)",
    "enum": "cần một trong {expected}",
    "literal_error": "cần một trong {expected}",
    "greater_than": "cần lớn hơn {gt}",
    "greater_than_equal": "cần từ {ge} trở lên",
    "less_than": "cần nhỏ hơn {lt}",
    "less_than_equal": "cần không quá {le}",
    "url_parsing": "cần một địa chỉ URL",
}
_S = TypeVar("_S", bound=BaseSettings)


def read_settings(kind: type[_S]) -> _S:
    """``kind`` read from the ``SAURO_*`` environment variables; a ``SauroError`` naming
    every variable at fault, with what it holds and what it needs, instead of pydantic's
    English traceback."""
    try:
        return kind()
    except ValidationError as error:
        prefix = str(kind.model_config.get("env_prefix", ""))
        problems = [_problem(prefix, e) for e in error.errors(include_url=False)]
        raise SauroError("Biến môi trường SAURO_* không hợp lệ", problems) from None


def check_environment() -> Settings:
    """Every group of settings read once, so that a command refuses a wrong ``SAURO_*``
    variable before it starts (mail and Zalo settings included, which only a sending
    command would otherwise read, mid-run)."""
    read_settings(SmtpSettings)
    read_settings(ZaloSettings)
    return read_settings(Settings)


def pydantic_meaning(error: Any) -> str:
    """What one pydantic error (an item of ``ValidationError.errors()``) says is wrong with
    a value, in Vietnamese; a ``ValueError`` raised by a validator keeps its own message."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    meaning = _MEANINGS.get(error["type"], "giá trị không hợp lệ")
    return meaning.format(**error.get("ctx", {})).replace("' or '", "' hoặc '")


def _problem(prefix: str, error: Any) -> Problem:
    if not error["loc"]:  # a check across variables: its message names them
        return Problem(Location(), str(error.get("ctx", {}).get("error", error["msg"])))
    variable = f"{prefix}{error['loc'][0]}".upper()
    return Problem(
        Location(field=variable), f"{pydantic_meaning(error)}, đang là «{error['input']}»"
    )
