"""The inbox: the list of one's notices, opening one (a POST: it marks the notice read,
then leads to what it is about; no GET writes), marking all read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.web import flash, notices
from engine.web.deps import RowId, User, checked_user, current_user, web
from engine.web.pages import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


@router.get("/notices")
def inbox(request: Request, user: Viewer, cursor: str | None = None) -> Response:
    return render(
        request, "notices.html", user, inbox=notices.page(web(request), user, cursor=cursor)
    )


@router.post("/notices/{notice_id}/open")
def follow(request: Request, user: Actor, notice_id: RowId) -> Response:
    return RedirectResponse(notices.follow(web(request), user, notice_id), status_code=303)


@router.post("/notices/read")
def read_all(
    request: Request, user: Actor, notice_id: Annotated[int | None, Form(ge=1)] = None
) -> Response:
    notices.read(web(request), user, None if notice_id is None else [notice_id])
    return flash.done(request, "/notices", "Đã đánh dấu đã đọc.")
