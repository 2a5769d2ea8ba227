"""The period report's approval page: trình ký, duyệt or trả lại, ban hành, gửi cấp trên."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from engine.errors import PermissionDeniedError, SauroError
from engine.web import flash, report_approval, reports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, allowed
from engine.web.routes.tasks import parse_day

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


def _page(
    request: Request, user: User, code: str, *, error: str = "", status: int = 200
) -> Response:
    state = web(request)
    period = reports.chosen_period(state, code)
    return render(
        request,
        "report_approval.html",
        user,
        status=status,
        period=period,
        report=report_approval.view(state, user, period),
        can_prepare=allowed(user.principal, Action.GENERATE_REPORT),
        can_approve=allowed(user.principal, Action.APPROVE_REPORT),
        error=error,
    )


@router.get("/reports/{code}/approval")
def approval_page(request: Request, user: Viewer, code: str) -> Response:
    return _page(request, user, code)


_DONE = {
    "submit": "Đã trình ký báo cáo.",
    "approve": "Đã duyệt báo cáo.",
    "return": "Đã trả lại báo cáo cho cơ quan thường trực.",
    "issue": "Đã ban hành báo cáo: số văn bản lấy từ sổ văn bản đi.",
}


@router.post("/reports/{code}/approval")
def approval_step(
    request: Request,
    user: Actor,
    code: str,
    step: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    back = f"/reports/{code}/approval"
    try:
        period = reports.chosen_period(state, code)
        if step == "submit":
            report_approval.submit(state, user, period)
        elif step in {"approve", "return"}:
            report_approval.decide(state, user, period, approve=step == "approve", reason=reason)
        elif step == "issue":
            day = parse_day(issued_on, "issued_on") if issued_on else None
            report_approval.issue(state, user, period, day)
        elif step == "send":
            return flash.done(request, back, report_approval.send(state, user, period))
        else:
            raise SauroError(f"Bước '{step}' không có.")
    except SauroError as error:
        status = 403 if isinstance(error, PermissionDeniedError) else 400
        return _page(request, user, code, error=str(error), status=status)
    return flash.done(request, back, _DONE[step])
