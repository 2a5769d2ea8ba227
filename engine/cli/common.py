"""What every command needs: settings, the database engine, the configs, the actor, now."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime

import typer
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from engine.calendar.status import VN
from engine.configs.files import Configs, load_configs
from engine.configs.settings import Settings, read_settings
from engine.errors import Location, Problem, SauroError
from engine.store.audit import Actor
from engine.store.db import alembic_config, current_revision, make_engine


def settings() -> Settings:
    """Settings from the environment, read once per command."""
    return read_settings(Settings)


def database(current: Settings) -> Engine:
    """An engine on a database whose schema is current, else a Vietnamese error saying
    which command fixes it (instead of a driver traceback on the first query)."""
    engine = make_engine(current.database_url)
    try:
        _require_schema(engine, current.database_url)
    except BaseException:
        engine.dispose()
        raise
    return engine


def shown_url(url: str) -> str:
    """The database URL as printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def unreachable(url: str, error: SQLAlchemyError) -> SauroError:
    """The error for a database that cannot be reached or opened."""
    return SauroError(
        f"Không kết nối được cơ sở dữ liệu {shown_url(url)} ({type(error).__name__}). "
        "Kiểm tra biến SAURO_DATABASE_URL và máy chủ cơ sở dữ liệu."
    )


def _require_schema(engine: Engine, url: str) -> None:
    from alembic.script import ScriptDirectory  # only commands that open the database

    try:
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        raise unreachable(url, error) from None
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if revision is None:
        raise SauroError(
            f"Cơ sở dữ liệu {shown_url(url)} chưa được khởi tạo. Hãy chạy 'sauro init'."
        )
    if revision != head:
        raise SauroError(
            f"Cơ sở dữ liệu {shown_url(url)} đang ở phiên bản lược đồ {revision}, cần {head}. "
            "Hãy chạy 'sauro init' (hoặc 'sauro db upgrade')."
        )


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


def instant(text: str | None) -> datetime:
    """--at as an aware instant (Viet Nam time when no offset is written); default now."""
    if text is None:
        return now()
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SauroError(
            f"Thời điểm '{text}' không hợp lệ",
            [Problem(Location(field="--at"), "cần dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM")],
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=VN)


def day(text: str, option: str) -> date:
    """A YYYY-MM-DD option as a date; a located Vietnamese error naming ``option``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SauroError(
            f"Ngày '{text}' không hợp lệ",
            [Problem(Location(field=option), "cần một ngày có thật, dạng YYYY-MM-DD")],
        ) from None


def at_option(value: str | None) -> str | None:
    """The callback of every ``--at``: checked while the command line is read, so a wrong
    instant is refused before the command opens the database or writes anything."""
    if value is not None:
        instant(value)
    return value


def day_option(param: typer.CallbackParam, value: str | None) -> str | None:
    """The callback of a YYYY-MM-DD option (``--date``, ``--on``): checked while the command
    line is read, like ``at_option``."""
    if value:  # an empty option is no date, as the commands read it
        day(value, param.opts[0])
    return value
