"""Plan import from the browser: upload, preview with the 6-rõ findings, commit or cancel.

The uploaded file waits under the uploads folder with its options (``meta.json``) behind a
random token, readable only by the account that uploaded it. The preview is
``engine.plans.importer.import_plan`` with ``dry_run`` (exactly what ``sauro import --dry-run``
shows); the commit runs the same function for real in one transaction, then removes the
file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from fastapi import UploadFile
from sqlmodel import Session

from engine.errors import UploadError
from engine.plans.importer import ImportOptions, ImportResult, import_plan
from engine.store.db import session_scope
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.sessions import new_token
from engine.web.uploads import PLAN_KINDS, discard, read_checked, safe_name, staged_dir


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


async def stage(
    state: Web,
    user: User,
    upload: UploadFile,
    *,
    plan_number: str,
    plan_date: date | None,
    year: int | None,
    register_units: bool,
) -> str:
    """Check and keep the upload; return its token."""
    authorize(user.principal, Action.IMPORT_PLAN)
    data = await read_checked(
        upload, kinds=PLAN_KINDS, max_bytes=state.settings.max_upload_mb * 1024 * 1024
    )
    token = new_token()
    folder = staged_dir(state.settings.uploads_dir, token)
    folder.mkdir(parents=True)
    name = safe_name(upload.filename or "")
    (folder / name).write_bytes(data)
    meta = Staged(
        user_id=user.principal.user_id,
        org_code=user.org_code,
        file_name=name,
        plan_number=plan_number.strip(),
        plan_date=plan_date.isoformat() if plan_date else None,
        year=year,
        register_units=register_units,
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
    )
    return import_plan(
        session=session,
        options=options,
        configs=state.configs.get(),
        actor=user.actor(f"import {meta.file_name}"),
        now=state.clock(),
    )


def preview(state: Web, user: User, token: str) -> ImportResult:
    """What the import would store, with the verdict on every task; writes nothing."""
    with Session(state.engine) as session:
        result = _run(state, user, token, session, dry_run=True)
        session.rollback()
    return result


def commit(state: Web, user: User, token: str) -> ImportResult:
    """Import the staged file in one transaction, then remove it."""
    with session_scope(state.engine) as session:
        result = _run(state, user, token, session, dry_run=False)
    discard(staged_dir(state.settings.uploads_dir, token))
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
