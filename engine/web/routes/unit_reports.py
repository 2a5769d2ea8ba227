"""The unit report page: download the period's form of a unit, upload it filled."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, Response

from engine.errors import PermissionDeniedError, SauroError
from engine.reports.unit_forms import SubmitSummary
from engine.web import flash, reports, unit_reports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: User,
    code: str | None,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    authorize(user.principal, Action.SUBMIT_UNIT_REPORT)
    period, refused = reports.period_or_current(state, code)
    if refused:
        error, status = refused, 400
    return render(
        request,
        "unit_reports.html",
        user,
        status=status,
        error=error,
        period=period,
        periods=reports.with_chosen(reports.periods_with_tasks(state, user), period),
        forms=unit_reports.forms(state, user, period),
        max_mb=state.settings.max_upload_mb,
    )


@router.get("/unit-reports")
def page(
    request: Request, user: Annotated[User, Depends(current_user)], period: str | None = None
) -> Response:
    return _page(request, user, period)


@router.get("/unit-reports/{period}/{unit}/form")
def form(
    request: Request, user: Annotated[User, Depends(current_user)], period: str, unit: str
) -> Response:
    state = web(request)
    path = unit_reports.form_file(state, user, reports.chosen_period(state, period), unit)
    return FileResponse(path, filename=path.name)


@router.post("/unit-reports")
async def submit(
    request: Request,
    user: Annotated[User, Depends(checked_user)],
    file: Annotated[UploadFile, File()],
    period: str | None = None,
) -> Response:
    try:
        done = await unit_reports.submit(web(request), user, file)
    except PermissionDeniedError:
        raise  # a form of another unit: the 403 page, not a form error
    except SauroError as error:
        return _page(request, user, period, error=str(error), status=400)
    back = "/unit-reports" + (f"?{urlencode({'period': period})}" if period else "")
    return flash.done(request, back, _recorded(*done))


def _recorded(unit: str, summary: SubmitSummary) -> str:
    return (
        f"Đã ghi nhận biểu của {unit}: {summary.completed} nhiệm vụ hoàn thành, "
        f"{summary.progress} báo cáo tiến độ, {summary.unchanged} không thay đổi, "
        f"{summary.blank} dòng để trống."
    )
