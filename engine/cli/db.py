"""``sauro db …`` and ``sauro init``: schema migrations and loading the directory."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from engine.cli import common
from engine.directory.store import sync_directory
from engine.store.db import current_revision, make_engine, session_scope, upgrade
from engine.store.models import Organization

_NOUNS = {"organization": "đơn vị hành chính", "unit": "cơ quan, đơn vị", "person": "cán bộ"}

db_app = typer.Typer(help="Cơ sở dữ liệu: tạo mới, nâng cấp lược đồ.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[
        str, typer.Option(help="Phiên bản lược đồ cần nâng lên (mặc định: mới nhất).")
    ] = "head",
) -> None:
    """Tạo mới hoặc nâng cấp lược đồ cơ sở dữ liệu (Alembic)."""
    current = common.settings()
    _upgrade(current.database_url, revision)
    typer.echo(f"Cơ sở dữ liệu đã ở phiên bản {_revision(current.database_url)}.")


@db_app.command("current")
def db_current() -> None:
    """In phiên bản lược đồ hiện tại của cơ sở dữ liệu."""
    typer.echo(_revision(common.settings().database_url) or "chưa khởi tạo")


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    except SQLAlchemyError as error:
        raise common.unreachable(url, error) from None
    finally:
        engine.dispose()


def _upgrade(url: str, revision: str = "head") -> None:
    try:
        upgrade(url, revision)
    except SQLAlchemyError as error:
        raise common.unreachable(url, error) from None


def init() -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu rồi nạp danh mục đơn vị, cán bộ từ cấu hình."""
    current = common.settings()
    configs = common.configs(current)
    _upgrade(current.database_url)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            # The first load only: once stored, an organization's directory is edited in the
            # database (web, API, 'sauro directory import'), which a re-run must not undo.
            stored = set(session.exec(select(Organization.code)))
            new = tuple(o for o in configs.directory.organizations if o.code not in stored)
            summary = sync_directory(
                session=session,
                directory=configs.directory.model_copy(update={"organizations": new}),
                actor=common.actor("cli:init"),
                now=common.now(),
            )
            kept = sorted(stored & {o.code for o in configs.directory.organizations})
    finally:
        engine.dispose()
    created = ", ".join(f"{n} {_NOUNS[k]}" for k, n in summary.created.items()) or "không có"
    updated = ", ".join(f"{n} {_NOUNS[k]}" for k, n in summary.updated.items()) or "không có"
    typer.echo(f"Đã khởi tạo cơ sở dữ liệu: {common.shown_url(current.database_url)}")
    typer.echo(f"Danh mục: thêm mới {created}; cập nhật {updated}.")
    if kept:
        typer.echo(
            f"Danh mục của {', '.join(kept)} đã có trong cơ sở dữ liệu (nguồn chính) nên không "
            "nạp lại từ directory.yaml; để nạp thay đổi của tệp: 'sauro directory import "
            "TỆP' (xem trước) rồi thêm '--apply'."
        )
