"""``sauro config …``: the config editor at the terminal: show, check, preview the impact,
save with history, roll back (``engine.configs.editor``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.calendar.status import VN
from engine.cli import common
from engine.configs.editor import (
    EDITABLE,
    ConfigRevision,
    history,
    load_current,
    rollback,
    save_config,
    validate_text,
)
from engine.errors import ConfigError, Location, NotFoundError, Problem, SauroError
from engine.reminders.impact import preview_impact
from engine.store.db import session_scope

config_app = typer.Typer(
    help="Sửa tệp cấu hình và mẫu thư: kiểm tra, xem trước tác động, lưu có lịch sử, khôi "
    "phục phiên bản cũ.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="TÊN", help="Tên tệp trong thư mục cấu hình, vd. escalation.yaml, "
        "templates/digest.html (xem 'sauro config list').",
        show_default=False,
    ),
]  # fmt: skip
FileArg = Annotated[
    str,
    typer.Argument(
        metavar="TỆP", help="Tệp chứa nội dung mới ('-': đọc từ đầu vào chuẩn).",
        show_default=False,
    ),
]  # fmt: skip

RevisionArg = Annotated[
    int,
    typer.Argument(
        metavar="PHIÊN_BẢN", help="Số phiên bản cần khôi phục (xem 'sauro config history').",
        show_default=False,
    ),
]  # fmt: skip


@config_app.command("list")
def config_list() -> None:
    """Liệt kê các tệp cấu hình sửa được."""
    for name in EDITABLE:
        typer.echo(name)


@config_app.command("show")
def config_show(name: NameArg) -> None:
    """In nội dung hiện tại của một tệp cấu hình."""
    current = common.settings()
    typer.echo(load_current(config_dir=current.config_dir, name=name), nl=False)


@config_app.command("check")
def config_check(name: NameArg, file: FileArg) -> None:
    """Kiểm tra TỆP làm nội dung mới của TÊN; báo mọi lỗi kèm dòng, không ghi gì."""
    current = common.settings()
    text = _read_candidate(file)
    problems = validate_text(config_dir=current.config_dir, name=name, text=text)
    if problems:
        raise ConfigError(f"{file} không hợp lệ để lưu làm {name} ({len(problems)} lỗi)", problems)
    typer.echo(f"{file} hợp lệ để lưu làm {name}.")


@config_app.command("preview")
def config_preview(
    name: NameArg,
    file: FileArg,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            callback=common.at_option,
            help="Tính như vào thời điểm này, dạng YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không "
            "ghi múi giờ); mặc định: bây giờ.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Xem trước số lượt nhắc việc hôm nay nếu lưu TỆP làm TÊN (không gửi, không ghi gì)."""
    current = common.settings()
    common.database(current).dispose()  # checks the schema, with a Vietnamese error
    impact = preview_impact(
        database_url=current.database_url,
        config_dir=current.config_dir,
        name=name,
        text=_read_candidate(file),
        now=common.instant(at),
    )
    if as_json:
        typer.echo(json.dumps(impact.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"Ngày {impact.today:%d/%m/%Y}. {impact.summary()}")
    for label, counts in (("Hiện tại", impact.before), ("Sau khi lưu", impact.after)):
        typer.echo(
            f"- {label}: {counts.planned} lượt nhắc theo quy tắc, gom thành "
            f"{counts.messages} thư chưa gửi."
        )


@config_app.command("save")
def config_save(
    name: NameArg,
    file: FileArg,
    note: Annotated[str, typer.Option("--note", help="Ghi chú cho lần lưu này.")] = "",
) -> None:
    """Kiểm tra rồi lưu TỆP làm TÊN, ghi một phiên bản vào lịch sử; có lỗi thì không ghi gì."""
    current = common.settings()
    text = _read_candidate(file)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            revision = save_config(
                session,
                config_dir=current.config_dir,
                name=name,
                text=text,
                actor=common.actor(f"cli:config save {name}"),
                now=common.now(),
                note=note,
            )
    finally:
        engine.dispose()
    typer.echo(f"Đã lưu {name}: phiên bản {revision.number}.")


@config_app.command("history")
def config_history(name: NameArg) -> None:
    """Lịch sử các phiên bản đã lưu của một tệp, mới nhất trước."""
    current = common.settings()
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            revisions = history(session, name=name)
    finally:
        engine.dispose()
    if not revisions:
        typer.echo(f"{name}: chưa lưu lần nào qua Sáu Rõ.")
    for revision in revisions:
        typer.echo(_line(revision))


@config_app.command("rollback")
def config_rollback(
    name: NameArg,
    revision: RevisionArg,
) -> None:
    """Khôi phục một phiên bản cũ: lưu lại nội dung đó thành phiên bản mới (có kiểm tra)."""
    current = common.settings()
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            wanted = [r for r in history(session, name=name) if r.number == revision]
            if not wanted:
                raise NotFoundError(f"Tệp {name} không có phiên bản {revision}")
            restored = rollback(
                session,
                config_dir=current.config_dir,
                name=name,
                revision_id=wanted[0].id,
                actor=common.actor(f"cli:config rollback {name} {revision}"),
                now=common.now(),
            )
    finally:
        engine.dispose()
    typer.echo(
        f"Đã khôi phục {name} về nội dung phiên bản {revision}: phiên bản {restored.number}."
    )


def _line(revision: ConfigRevision) -> str:
    when = revision.saved_at.astimezone(VN)
    parts = [f"phiên bản {revision.number}", f"{when:%d/%m/%Y %H:%M}", revision.saved_by]
    return " · ".join([*parts, *([revision.note] if revision.note else [])])


def _read_candidate(file: str) -> str:
    """The candidate text: the file's, or standard input's for '-'."""
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SauroError(
            f"Không tìm thấy tệp {file}", [Problem(Location(file=file), "không tìm thấy tệp")]
        ) from None
    except UnicodeDecodeError:
        problem = Problem(Location(file=file), "không đọc được: tệp phải lưu với bảng mã UTF-8")
        raise ConfigError(f"Không đọc được tệp {file}", [problem]) from None
    except OSError as error:
        raise SauroError(f"Không đọc được tệp {file} ({error.strerror or error})") from None
