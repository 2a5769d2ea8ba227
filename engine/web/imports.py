"""Plan import from the browser: upload (or paste an assigning document's text), preview
with the 6-rõ findings, correct the tasks read from a document, commit or cancel.

The uploaded file (pasted text is kept as a ``.txt`` file) waits under the uploads folder
with its options (``meta.json``) behind a random token, readable only by the account that
uploaded it. The preview is ``engine.plans.importer.import_plan`` with ``dry_run`` (exactly
what ``sauro import --dry-run`` shows); the tasks the user corrected, dropped or added in the
preview are kept beside it (``rows.json``) and read instead of the file; the commit runs the
same function for real in one transaction, then removes the folder.

The preview and the commit read the file: the routes run them off the event loop
(``engine.web.uploads.parse_off_loop``), and an organization reads or imports one plan at a
time (a second, meanwhile, gets a 409 and may try again).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from fastapi import UploadFile
from sqlmodel import Session

from engine.errors import UploadError
from engine.importing.rows import ParsedRow
from engine.notices import events
from engine.plans.document_rows import WORDS, document_row
from engine.plans.importer import ImportOptions, ImportResult, import_plan
from engine.store.models import DocumentKind
from engine.web.changes import task_change
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.sessions import new_token
from engine.web.uploads import (
    PLAN_KINDS,
    discard,
    one_at_a_time,
    read_checked,
    safe_name,
    staged_dir,
)

MAX_ROWS = 500  # tasks in one corrected document
_BUSY = (
    "Đơn vị đang đọc hoặc nhập một tệp kế hoạch khác: hãy chờ việc đó xong (thường vài giây) "
    "rồi thử lại."
)


@dataclass(frozen=True)
class Staged:
    """A staged upload: who sent it and the options of its import."""

    user_id: int
    org_code: str
    file_name: str
    plan_number: str
    plan_date: str | None
    year: int | None
    register_units: bool
    kind: str = ""  # DocumentKind; "" = as the document says
    edited: bool = False  # rows.json holds the tasks as the user corrected them


@dataclass(frozen=True)
class EditedRow:
    """One task of a document's preview as the user left it."""

    ref: str
    work: str
    lead: str = ""
    coordinators: str = ""
    deadline: str = ""
    product: str = ""
    person: str = ""
    words: str = ""  # the document's words it was read from ("" for a task the user added)


async def stage(
    state: Web,
    user: User,
    upload: UploadFile | None,
    *,
    text: str = "",
    plan_number: str,
    plan_date: date | None,
    year: int | None,
    register_units: bool,
    kind: str = "",
) -> str:
    """Check and keep the upload, or the pasted text of a document; return its token."""
    authorize(user.principal, Action.IMPORT_PLAN)
    max_bytes = state.settings.max_upload_mb * 1024 * 1024
    if upload is not None and upload.filename:
        data = await read_checked(upload, kinds=PLAN_KINDS, max_bytes=max_bytes)
        name = safe_name(upload.filename)
    elif text.strip():
        data = text.encode("utf-8")
        if len(data) > max_bytes:
            raise UploadError(
                f"Nội dung dán vào dài {len(data) // 1024} KB, quá giới hạn "
                f"{state.settings.max_upload_mb} MB."
            )
        name = f"van-ban-{state.clock():%Y%m%d-%H%M%S}.txt"
    else:
        raise UploadError("Chưa chọn tệp, cũng chưa dán nội dung văn bản.")
    if kind and kind not in {str(k) for k in DocumentKind}:
        raise UploadError(f"Loại văn bản '{kind[:40]}' không hợp lệ.")
    token = new_token()
    folder = staged_dir(state.settings.uploads_dir, token)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    meta = Staged(
        user_id=user.principal.user_id,
        org_code=user.org_code,
        file_name=name,
        plan_number=plan_number.strip(),
        plan_date=plan_date.isoformat() if plan_date else None,
        year=year,
        register_units=register_units,
        kind=kind,
    )
    (folder / "meta.json").write_text(json.dumps(asdict(meta), ensure_ascii=False), "utf-8")
    return token


def _staged(state: Web, user: User, token: str) -> tuple[Path, Staged]:
    authorize(user.principal, Action.IMPORT_PLAN)
    folder = staged_dir(state.settings.uploads_dir, token)
    try:
        meta = Staged(**json.loads((folder / "meta.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        raise UploadError(
            "Không còn tệp tải lên này (đã nhập, đã hủy hoặc mã sai): hãy tải tệp lên lại."
        ) from None
    if meta.user_id != user.principal.user_id:
        raise UploadError("Tệp tải lên này thuộc tài khoản khác.")
    return folder, meta


def save_rows(state: Web, user: User, token: str, rows: list[EditedRow]) -> None:
    """Keep the tasks as the user corrected them (rows without work text are dropped); the
    next preview and the commit read these instead of the document."""
    folder, meta = _staged(state, user, token)
    kept = [row for row in rows if row.work.strip()]
    if not kept:
        raise UploadError("Không còn nhiệm vụ nào: hãy giữ hoặc thêm ít nhất một nhiệm vụ.")
    if len(kept) > MAX_ROWS:
        raise UploadError(f"Nhiều quá {MAX_ROWS} nhiệm vụ trong một văn bản.")
    (folder / "rows.json").write_text(
        json.dumps([asdict(row) for row in kept], ensure_ascii=False), "utf-8"
    )
    updated = replace(meta, edited=True)
    (folder / "meta.json").write_text(json.dumps(asdict(updated), ensure_ascii=False), "utf-8")


def _edited_rows(folder: Path) -> tuple[ParsedRow, ...]:
    rows = [EditedRow(**item) for item in json.loads((folder / "rows.json").read_text("utf-8"))]
    return tuple(
        document_row(
            number,
            row.ref.strip(),
            row.work.strip(),
            lead=row.lead.strip(),
            coordinators=row.coordinators.strip(),
            deadline=row.deadline.strip(),
            product=row.product.strip(),
            person=row.person.strip(),
            raw={WORDS: row.words} if row.words else {},
        )
        for number, row in enumerate(rows, start=1)
    )


def _run(state: Web, user: User, token: str, session: Session, *, dry_run: bool) -> ImportResult:
    folder, meta = _staged(state, user, token)
    options = ImportOptions(
        path=folder / meta.file_name,
        org_code=meta.org_code,
        plan_number=meta.plan_number,
        plan_date=date.fromisoformat(meta.plan_date) if meta.plan_date else None,
        year=meta.year,
        register_units=meta.register_units,
        dry_run=dry_run,
        kind=meta.kind,
        rows=_edited_rows(folder) if meta.edited else None,
    )
    return import_plan(
        session=session,
        options=options,
        configs=state.configs.get(),
        actor=user.actor(f"import {meta.file_name}"),
        now=state.clock(),
    )


def _one_import(user: User) -> AbstractContextManager[None]:
    """The organization's one import at a time (``BusyError`` when another runs)."""
    return one_at_a_time(f"import:{user.org_code}", _BUSY)


def preview(state: Web, user: User, token: str) -> ImportResult:
    """What the import would store, with the verdict on every task; writes nothing."""
    with _one_import(user), Session(state.engine) as session:
        result = _run(state, user, token, session, dry_run=True)
        session.rollback()
    return result


def commit(state: Web, user: User, token: str) -> ImportResult:
    """Import the staged file in one transaction, then remove it (also when the import
    fails: nothing was written, and a file that cannot be imported is not kept; but not
    when another import of the organization runs, which only delays this one, nor when the
    upload is not the user's own)."""
    folder, _ = _staged(state, user, token)
    with _one_import(user):
        try:
            with task_change(state, user) as session:
                result = _run(state, user, token, session, dry_run=False)
                events.plan_imported(
                    session, user.principal.organization_id, result.plan_key,
                    actor=user.actor("import"), now=state.clock(),
                )  # fmt: skip
        finally:
            discard(folder)
    return result


def cancel(state: Web, user: User, token: str) -> None:
    """Drop the staged file."""
    folder, _ = _staged(state, user, token)
    discard(folder)


def cancel_quietly(state: Web, user: User, token: str) -> None:
    """Drop a staged file whose preview failed (a file that cannot be imported is not kept)."""
    try:
        cancel(state, user, token)
    except UploadError:
        return
