"""The roll-up page: the children of the user's organization for a period, ranked, with
their issued reports to download and the ones missing past their deadline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from engine.calendar.status import local_date
from engine.web import rollup
from engine.web.deps import User, current_user, web
from engine.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/rollup")
def rollup_page(
    request: Request, user: Annotated[User, Depends(current_user)], period: str | None = None
) -> Response:
    state = web(request)
    chosen, refused = rollup.chosen(state, period)
    board = rollup.rollup(state, user, chosen)
    return render(
        request,
        "rollup.html",
        user,
        status=400 if refused else 200,
        error=refused,
        board=board,
        periods=rollup.periods(state, local_date(state.clock())),
    )


@router.get("/rollup/{period}/{child}/files/{name}")
def child_file(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    period: str,
    child: str,
    name: str,
) -> Response:
    state = web(request)
    chosen, refused = rollup.chosen(state, period)
    if refused:
        return render(request, "error.html", user, status=404, message=refused, code=404)
    path = rollup.child_file(state, user, chosen, child, name)
    return FileResponse(path, filename=path.name)
