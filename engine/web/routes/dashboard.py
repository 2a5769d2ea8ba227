"""The Chairman's dashboard page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from engine.web.dashboard import dashboard
from engine.web.deps import User, current_user, web
from engine.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(request: Request, user: Annotated[User, Depends(current_user)]) -> Response:
    board = dashboard(web(request), user)
    return render(request, "dashboard.html", user, board=board, data=board.data)
