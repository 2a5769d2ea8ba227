"""Unit reports on the web: a unit head downloads the period's form of its unit and uploads
it filled; the standing office does the same for any unit (a form that came back by mail).

The form is the one ``sauro unit-report export`` writes (``engine.reports.unit_forms``), kept under
``SAURO_REPORTS_DIR/<org>/<period>/bieu-don-vi/`` like the scheduled reporting's; a
returned form goes through ``engine.reports.unit_forms.apply_unit_form`` (every problem listed with
row and column, nothing half-applied, the unit's report marked submitted).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from fastapi import UploadFile
from sqlmodel import Session, col, select

from engine.calendar.periods import Period
from engine.errors import NotFoundError, PermissionDeniedError
from engine.reports.form_requests import form_path
from engine.reports.unit_forms import (
    SubmitSummary,
    apply_unit_form,
    read_unit_form,
    unit_tasks,
    write_unit_form,
)
from engine.store.models import Unit, UnitKind, UnitReport
from engine.web.changes import task_change
from engine.web.deps import User, Web
from engine.web.policy import Action, allowed_unit, authorize, authorize_unit
from engine.web.reports import folder, period_data
from engine.web.uploads import PLAN_KINDS, parse_off_loop, read_checked, safe_name

FORM_KINDS = {".xlsx": PLAN_KINDS[".xlsx"]}


@dataclass(frozen=True)
class UnitForm:
    """One unit the user may report for, in a period."""

    code: str
    name: str
    tasks: int
    submitted: bool


def _units(state: Web, user: User) -> list[Unit]:
    with Session(state.engine) as session:
        units = session.exec(
            select(Unit)
            .where(
                col(Unit.organization_id) == user.principal.organization_id,
                col(Unit.kind) == UnitKind.INTERNAL,
            )
            .order_by(col(Unit.name))
        ).all()
    return [u for u in units if allowed_unit(user.principal, Action.SUBMIT_UNIT_REPORT, u.id)]


def forms(state: Web, user: User, period: Period) -> list[UnitForm]:
    """The units whose form the user may download and return for ``period``: those leading
    tasks in it (a unit head: its own unit only)."""
    authorize(user.principal, Action.SUBMIT_UNIT_REPORT)
    data = period_data(state, user, period)
    with Session(state.engine) as session:
        submitted = set(
            session.exec(
                select(UnitReport.unit_id).where(
                    col(UnitReport.organization_id) == user.principal.organization_id,
                    col(UnitReport.period_code) == period.code,
                    col(UnitReport.submitted_at).is_not(None),
                )
            ).all()
        )
    found = []
    for unit in _units(state, user):
        count = len(unit_tasks(data, unit.name))
        if count:
            found.append(UnitForm(unit.code, unit.name, count, unit.id in submitted))
    return found


def form_file(state: Web, user: User, period: Period, unit_code: str) -> Path:
    """The form of ``unit_code`` for ``period``, written now from the database."""
    unit = next((u for u in _units(state, user) if u.code == unit_code), None)
    if unit is None:
        _refuse(state, user, unit_code)
    data = period_data(state, user, period)
    path = form_path(folder(state, user, period) / "bieu-don-vi", user.org_code, period.code,
                     unit.code)  # fmt: skip
    write_unit_form(path, data=data, unit_code=unit.code, unit_name=unit.name,
                    org=user.org_code, period=period)  # fmt: skip
    return path


def _refuse(state: Web, user: User, unit_code: str) -> NoReturn:
    """Raise why the user gets no form of ``unit_code``: no such unit, not theirs, or not
    an internal unit."""
    with Session(state.engine) as session:
        unit = session.exec(
            select(Unit).where(
                col(Unit.organization_id) == user.principal.organization_id,
                col(Unit.code) == unit_code,
            )
        ).first()
    if unit is None:
        raise NotFoundError(f"Không có đơn vị mã '{unit_code}'.")
    authorize_unit(user.principal, Action.SUBMIT_UNIT_REPORT, unit.id)
    raise NotFoundError(f"{unit.name} không phải đơn vị nội bộ có biểu báo cáo.")


async def submit(state: Web, user: User, upload: UploadFile) -> tuple[str, SubmitSummary]:
    """Record a filled form; returns the unit's name and what was recorded. Raises
    ``UploadError`` for a file that is not an ``.xlsx``, ``ImportFileError`` listing every
    problem of the form, ``PermissionDeniedError`` for a form of another unit or
    organization."""
    authorize(user.principal, Action.SUBMIT_UNIT_REPORT)
    content = await read_checked(
        upload, kinds=FORM_KINDS, max_bytes=state.settings.max_upload_mb * 1024 * 1024
    )
    name = safe_name(upload.filename or "bieu.xlsx")
    return await parse_off_loop(_record, state, user, name, content)


def _record(state: Web, user: User, name: str, content: bytes) -> tuple[str, SubmitSummary]:
    """Read the form (bounded: ``engine.importing.limits``) and record it, in a worker
    thread: a large workbook never stops the event loop."""
    with tempfile.TemporaryDirectory(prefix="sauro-form-") as temp:
        path = Path(temp) / name
        path.write_bytes(content)
        submission = read_unit_form(path)
    if submission.org_code != user.org_code:
        raise PermissionDeniedError(
            f"Biểu {path.name} là của cơ quan khác ({submission.org_code}): không nhận."
        )
    unit = next((u for u in _units(state, user) if u.code == submission.unit_code), None)
    if unit is None:
        raise PermissionDeniedError(
            f"Tài khoản '{user.username}' không nộp được biểu của đơn vị '{submission.unit_code}'."
        )
    configs = state.configs.get()
    with task_change(state, user) as session:
        summary = apply_unit_form(
            session, submission, actor=user.actor(f"web unit report {path.name}"),
            now=state.clock(), reporting=configs.reporting, calendar=state.calendar(),
        )  # fmt: skip
    return unit.name, summary
