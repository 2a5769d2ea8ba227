"""The Chairman's dashboard page: a period to choose (the current one by default, any the
organization has tasks in, or "Tất cả")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from engine.errors import SauroError
from engine.web import reports
from engine.web.dashboard import ALL, dashboard
from engine.web.deps import User, current_user, web
from engine.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(
    request: Request, user: Annotated[User, Depends(current_user)], period: str | None = None
) -> Response:
    state = web(request)
    error, status = "", 200
    try:
        board = dashboard(state, user, period)
    except SauroError as problem:  # a code that names no period: the current one, and why
        board, error, status = dashboard(state, user), str(problem), 400
    periods = reports.periods_with_tasks(state, user)
    if not board.everything:
        periods = reports.with_chosen(periods, board.period)
    return render(
        request, "dashboard.html", user, status=status, error=error, board=board,
        data=board.data, periods=periods, ALL=ALL,
    )  # fmt: skip
