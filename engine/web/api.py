"""The JSON API behind the pages (``/api/...``, documented at ``/docs``): the same services
and the same policy as the pages. Authentication is the session cookie of a login; every
unsafe request also sends the session's CSRF token in the ``X-CSRF-Token`` header (its
value is ``csrf_token`` of ``GET /api/me``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from engine.task_edit import TaskEdit
from engine.web import tasks
from engine.web.dashboard import dashboard
from engine.web.deps import User, checked_user, current_user, web
from engine.web.policy import MATRIX, allowed
from engine.web.tasks import TaskFilters

router = APIRouter(prefix="/api", tags=["Sáu Rõ"])
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EditIn(_Body):
    """The six dimensions of a task (every field is written: send the current values of
    those you do not change, as ``GET /api/tasks/{id}`` gives them)."""

    version: int
    person_id: int | None = None
    work: str
    area: str | None = None
    deadline_text: str = ""
    lead_unit_id: int | None = None
    coordinator_ids: list[int] = Field(default_factory=list)
    assigner: str = ""
    product: str = ""


class ProgressIn(_Body):
    percent: int | None = Field(default=None, ge=0, le=100)
    note: str = ""


class CompletionIn(_Body):
    result: str
    evidence: str
    completed_on: date


class ExtensionIn(_Body):
    new_due: date
    reason: str


class DecisionIn(_Body):
    approve: bool
    note: str = ""


class Done(BaseModel):
    ok: bool = True
    id: int | None = None


@router.get("/me", summary="Tài khoản đang đăng nhập và các quyền")
def me(user: Viewer) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": str(user.role),
        "organization": user.org_code,
        "person": user.person_name or None,
        "csrf_token": user.csrf_token,
        "actions": sorted(str(a) for a in MATRIX if allowed(user.principal, a)),
    }


@router.get("/tasks", summary="Danh sách nhiệm vụ (có lọc)")
def task_list(
    request: Request,
    user: Viewer,
    unit: int | None = None,
    area: str | None = None,
    status: str | None = None,
    six: str | None = None,
    due: str | None = None,
) -> list[dict[str, Any]]:
    filters = TaskFilters(unit_id=unit, area=area, status=status, six=six, due=due)
    return [row.to_json() for row in tasks.list_tasks(web(request), user, filters)]


@router.get("/tasks/{task_id}", summary="Một nhiệm vụ: sáu rõ, tiến độ, gia hạn, lịch sử")
def task_detail(request: Request, user: Viewer, task_id: int) -> dict[str, Any]:
    return tasks.task_page(web(request), user, task_id).to_json()


@router.patch("/tasks/{task_id}", summary="Sửa sáu rõ (cơ quan thường trực)")
def task_edit(request: Request, user: Actor, task_id: int, body: EditIn) -> Done:
    change = TaskEdit(**{**body.model_dump(), "coordinator_ids": tuple(body.coordinator_ids)})
    tasks.save_edit(web(request), user, task_id, change)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/progress", summary="Báo cáo tiến độ")
def task_progress(request: Request, user: Actor, task_id: int, body: ProgressIn) -> Done:
    tasks.save_progress(web(request), user, task_id, body.percent, body.note)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/completion", summary="Ghi nhận hoàn thành")
def task_completion(request: Request, user: Actor, task_id: int, body: CompletionIn) -> Done:
    tasks.save_completion(
        web(request),
        user,
        task_id,
        result=body.result,
        evidence=body.evidence,
        completed_on=body.completed_on,
    )
    return Done(id=task_id)


@router.post("/tasks/{task_id}/extensions", summary="Đề nghị gia hạn")
def task_extension(request: Request, user: Actor, task_id: int, body: ExtensionIn) -> Done:
    request_id = tasks.save_extension_request(
        web(request), user, task_id, new_due=body.new_due, reason=body.reason
    )
    return Done(id=request_id)


@router.post("/extensions/{request_id}/decision", summary="Phê duyệt hoặc từ chối gia hạn")
def extension_decision(request: Request, user: Actor, request_id: int, body: DecisionIn) -> Done:
    tasks.save_decision(web(request), user, request_id, approve=body.approve, note=body.note)
    return Done(id=request_id)


@router.get("/dashboard", summary="Bảng điều hành của kỳ hiện tại")
def dashboard_data(request: Request, user: Viewer) -> dict[str, Any]:
    board = dashboard(web(request), user)
    data = board.data
    return {
        "period": board.period.code,
        "totals": {
            "total": data.totals.total,
            "done": data.totals.done,
            "in_progress": data.totals.in_progress,
            "overdue": data.totals.overdue,
            "no_deadline": data.totals.no_deadline,
        },
        "overdue": [
            {"ref": t.ref, "unit": t.unit, "due": t.due.isoformat(), "days_late": t.days_late}
            for t in data.overdue
        ],
        "escalated": [{"task_id": e.task_id, "ref": e.ref, "why": e.why} for e in board.escalated],
        "pending_extensions": [
            {
                "id": p.request.id,
                "task_id": p.request.task_id,
                "ref": p.ref,
                "new_due": p.request.new_due.isoformat(),
            }
            for p in board.pending
        ],
        "by_unit": [
            {"name": r.name, "done": r.counts.done, "total": r.counts.total} for r in data.by_unit
        ],
        "by_area": [
            {"name": r.name, "done": r.counts.done, "total": r.counts.total} for r in data.by_area
        ],
    }
