"""The reports page: choose a period, generate and download its report and annex, and see
which units have sent their own report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response

from engine.calendar.status import local_date
from engine.errors import SauroError
from engine.web import reports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, allowed, authorize
from engine.web.routes.tasks import parse_day

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: User,
    code: str | None,
    *,
    error: str = "",
    sent: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    authorize(user.principal, Action.VIEW_REPORTS)
    today = local_date(state.clock())
    period, refused = reports.period_or_current(state, code)
    if refused:
        error, status = refused, 400
    return render(
        request,
        "reports.html",
        user,
        status=status,
        error=error,
        sent=sent,
        period=period,
        codes=reports.periods_around(state, today),
        files=reports.generated(state, user, period),
        units=reports.unit_reports(state, user, period),
        can_generate=allowed(user.principal, Action.GENERATE_REPORT),
        today=today,
    )


@router.get("/reports")
def reports_page(
    request: Request, user: Annotated[User, Depends(current_user)], period: str | None = None
) -> Response:
    return _page(request, user, period)


@router.post("/reports")
def generate(
    request: Request,
    user: Annotated[User, Depends(checked_user)],
    period: Annotated[str, Form()],
    number: Annotated[int, Form(ge=1, le=9999)] = 1,
    issued_on: Annotated[str, Form()] = "",
    send: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    authorize(user.principal, Action.GENERATE_REPORT)
    try:
        chosen = reports.chosen_period(state, period)
        day = parse_day(issued_on, "issued_on") if issued_on else local_date(state.clock())
        _, sent = reports.generate(
            state, user, chosen, number=number, issued_on=day, send=send == "on"
        )
    except SauroError as error:
        return _page(request, user, period, error=str(error), status=400)
    return _page(request, user, period, sent=sent)


@router.get("/reports/{period}/files/{name}")
def download(
    request: Request, user: Annotated[User, Depends(current_user)], period: str, name: str
) -> Response:
    state = web(request)
    path = reports.report_file(state, user, reports.chosen_period(state, period), name)
    return FileResponse(path, filename=path.name)
