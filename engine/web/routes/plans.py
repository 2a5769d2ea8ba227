"""Plan pages: the list of plans and assigning documents, one with its tasks, withdrawal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from engine.errors import PermissionDeniedError, SauroError
from engine.web import flash, plans
from engine.web.deps import RowId, User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, allowed

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


@router.get("/plans")
def plan_list(request: Request, user: Viewer, cursor: str | None = None) -> Response:
    listed = plans.documents(web(request), user, cursor=cursor)
    return render(request, "plans.html", user, listed=listed)


def _page(
    request: Request,
    user: User,
    plan_id: int,
    *,
    cursor: str | None = None,
    error: str = "",
    reason: str = "",
    status: int = 200,
) -> Response:
    page = plans.document(web(request), user, plan_id, cursor=cursor)
    return render(
        request,
        "plan.html",
        user,
        status=status,
        error=error,
        reason=reason,
        doc=page.summary,
        rows=page.rows,
        listed=page.listed,
        can_withdraw=allowed(user.principal, Action.WITHDRAW_PLAN),
    )


@router.get("/plans/{plan_id}")
def plan_detail(
    request: Request, user: Viewer, plan_id: RowId, cursor: str | None = None
) -> Response:
    return _page(request, user, plan_id, cursor=cursor)


@router.post("/plans/{plan_id}/withdraw")
def plan_withdraw(
    request: Request, user: Actor, plan_id: RowId, reason: Annotated[str, Form()] = ""
) -> Response:
    try:
        plans.withdraw(web(request), user, plan_id, reason)
    except SauroError as error:
        code = 403 if isinstance(error, PermissionDeniedError) else 400
        return _page(request, user, plan_id, error=str(error), reason=reason, status=code)
    return flash.done(request, f"/plans/{plan_id}", "Đã rút văn bản và các nhiệm vụ của nó.")
