"""The reports page: choose a period (any the organization has tasks in), generate its
report and annex in the background and download them, and see which units have sent their
own report.

Generating is Post/Redirect/Get: ``POST /reports`` starts the run and answers 303 to the
period's page, which shows the run's step and reloads itself (a ``<meta http-equiv=
"refresh">``, no script) until the files are there; reloading it never starts another run.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from engine.calendar.status import local_date
from engine.errors import SauroError
from engine.web import reports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, allowed, authorize
from engine.web.routes.tasks import parse_day

router = APIRouter(include_in_schema=False)

# Seconds between two reloads of the page while a report is being made.
REFRESH_SECONDS = 2


def _page(
    request: Request,
    user: User,
    code: str | None,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    authorize(user.principal, Action.VIEW_REPORTS)
    period, refused = reports.period_or_current(state, code)
    if refused:
        error, status = refused, 400
    job = reports.last_run(state, user, period)
    running = job is not None and job.running  # read once: the run may end while rendering
    return render(
        request,
        "reports.html",
        user,
        status=status,
        error=error,
        period=period,
        periods=reports.with_chosen(reports.periods_with_tasks(state, user), period),
        job=job,
        running=running,
        refresh=REFRESH_SECONDS if running else None,
        files=reports.generated(state, user, period),
        units=reports.unit_reports(state, user, period),
        can_generate=allowed(user.principal, Action.GENERATE_REPORT),
        today=local_date(state.clock()),
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
    issued_on: Annotated[str, Form()] = "",
    send: Annotated[str, Form()] = "",
) -> Response:
    """Start the run (or find the one going) and send the browser to its page."""
    state = web(request)
    authorize(user.principal, Action.GENERATE_REPORT)
    try:
        chosen = reports.chosen_period(state, period)
        day = parse_day(issued_on, "issued_on") if issued_on else local_date(state.clock())
    except SauroError as error:
        return _page(request, user, period, error=str(error), status=400)
    reports.start_report(state, user, chosen, issued_on=day, send=send == "on")
    # No fragment: a page reloading itself at an address with one would only scroll.
    return RedirectResponse(f"/reports?{urlencode({'period': chosen.code})}", status_code=303)


@router.get("/reports/{period}/files/{name}")
def download(
    request: Request, user: Annotated[User, Depends(current_user)], period: str, name: str
) -> Response:
    state = web(request)
    path = reports.report_file(state, user, reports.chosen_period(state, period), name)
    return FileResponse(path, filename=path.name)
