"""The JSON API behind the pages (``/api/...``, documented at ``/docs``): the same services
and the same policy as the pages. Authentication is the session cookie of a login; every
unsafe request also sends the session's CSRF token in the ``X-CSRF-Token`` header (its
value is ``csrf_token`` of ``GET /api/me``)."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from engine.calendar.status import local_date
from engine.directory.editing import PersonFields
from engine.directory.preferences import NoticePreferences
from engine.errors import NotFoundError, SauroError
from engine.plans.importer import ImportResult, draft_json
from engine.reports.rollup import ChildRow
from engine.reports.sections import SECTIONS
from engine.store.models import DocumentKind
from engine.tasks.assignment import NewTask, Source
from engine.tasks.edits import TaskEdit
from engine.tasks.reassignment import Choice, Outcome
from engine.web import accounts as account_service
from engine.web import directory as directory_service
from engine.web import imports, notices, plans, report_approval, reports, tasks, unit_reports
from engine.web import report_sections as section_service
from engine.web import rollup as rollup_service
from engine.web.dashboard import dashboard
from engine.web.deps import MAX_ROW_ID, BodyId, RowId, User, checked_user, current_user, web
from engine.web.policy import MATRIX, allowed
from engine.web.tasks import MAX_LIMIT, PAGE_SIZE, TaskFilters
from engine.web.uploads import parse_off_loop

router = APIRouter(prefix="/api", tags=["Sáu Rõ"])
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EditIn(_Body):
    """The six dimensions of a task (every field is written: send the current values of
    those you do not change, as ``GET /api/tasks/{id}`` gives them)."""

    version: BodyId
    person_id: BodyId | None = None
    work: str
    area: str | None = None
    deadline_text: str = ""
    lead_unit_id: BodyId | None = None
    coordinator_ids: list[BodyId] = Field(default_factory=list)
    assigner: str = ""
    product: str = ""


class SourceIn(_Body):
    kind: DocumentKind
    number: str = Field(default="", max_length=64)
    issued_on: date
    signer: str = Field(max_length=128)


class NewTaskIn(_Body):
    work: str = Field(max_length=10_000)
    area: str | None = None
    person_id: BodyId | None = None
    lead_unit_id: BodyId | None = None
    coordinator_ids: list[BodyId] = Field(default_factory=list, max_length=50)
    deadline_text: str = Field(default="", max_length=1000)
    product: str = Field(default="", max_length=4000)
    ref: str = Field(default="", max_length=32)


class AssignmentIn(_Body):
    source: SourceIn
    task: NewTaskIn
    preview: bool = False  # only the 6-rõ verdict the task would have; nothing kept


class DelegationIn(_Body):
    person_id: BodyId
    reason: str = ""


class ManyDelegationIn(DelegationIn):
    task_ids: list[BodyId] = Field(min_length=1, max_length=1000)


class Delegated(BaseModel):
    ok: bool = True
    person_id: int
    changed: list[int]
    unchanged: list[int]


class CoordinationIn(_Body):
    note: str
    evidence: str = ""


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


class AcceptanceIn(_Body):
    accept: bool  # false: the result is returned, with ``reason``
    reason: str = ""


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


@router.get("/tasks", summary="Danh sách nhiệm vụ (có lọc, tìm kiếm, phân trang theo con trỏ)")
def task_list(
    request: Request,
    response: Response,
    user: Viewer,
    unit: int | None = None,
    area: str | None = None,
    status: str | None = None,
    six: str | None = None,
    due: str | None = None,
    coordinator: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    plan: Annotated[str | None, Query(max_length=128)] = None,
    person: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    sort: str | None = None,
    period: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The tasks the account may see, filtered: ``limit`` rows from the page ``cursor``
    names (the first page without one); ``next`` is the cursor of the page after it (null
    on the last), ``previous`` of the page before it; ``total`` and ``clear`` count the
    whole filtered list (also in the ``X-Total-Count`` header)."""
    filters = TaskFilters(
        unit_id=unit, area=area, status=status, six=six, due=due, coordinator=coordinator,
        q=q, plan=plan, person=person, sort=sort, period=period,
    )  # fmt: skip
    listed = tasks.list_page(web(request), user, filters, cursor=cursor, limit=limit)
    response.headers["X-Total-Count"] = str(listed.total)
    return {
        "tasks": [row.to_json() for row in listed.rows],
        "next": listed.next,
        "previous": listed.previous,
        "total": listed.total,
        "clear": listed.clear,
    }


@router.get(
    "/plans",
    summary="Kế hoạch, văn bản giao nhiệm vụ và tình hình nhiệm vụ (mới nhất trước, phân trang)",
)
def plan_list(
    request: Request,
    user: Viewer,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
    cursor: str | None = None,
) -> dict[str, object]:
    """``limit`` documents from the page ``cursor`` names; ``next`` names the page after."""
    listed = plans.documents(web(request), user, cursor=cursor, limit=limit)
    shown = listed.documents
    return {
        "plans": [doc.to_json() for doc in shown.rows],
        "next": shown.next,
        "previous": shown.previous,
        "total": listed.total,
    }


@router.get("/plans/{plan_id}", summary="Một kế hoạch, văn bản và một trang nhiệm vụ của nó")
def plan_detail(
    request: Request, user: Viewer, plan_id: RowId, cursor: str | None = None
) -> dict[str, object]:
    page = plans.document(web(request), user, plan_id, cursor=cursor)
    return {
        **page.summary.to_json(),
        "tasks": [row.to_json() for row in page.rows],
        "next": page.listed.next,
        "previous": page.listed.previous,
    }


class WithdrawalIn(_Body):
    reason: str


@router.post("/plans/{plan_id}/withdrawal", summary="Rút kế hoạch, văn bản nhập nhầm")
def plan_withdrawal(request: Request, user: Actor, plan_id: RowId, body: WithdrawalIn) -> Done:
    plans.withdraw(web(request), user, plan_id, body.reason)
    return Done(id=plan_id)


@router.get("/tasks/{task_id}", summary="Một nhiệm vụ: sáu rõ, tiến độ, gia hạn, lịch sử")
def task_detail(
    request: Request, user: Viewer, task_id: RowId, cursor: str | None = None
) -> dict[str, Any]:
    """The task; its history a page at a time (``cursor``: ``history_next`` or
    ``history_previous`` of the page before)."""
    return tasks.task_page(web(request), user, task_id, history_cursor=cursor).to_json()


@router.patch("/tasks/{task_id}", summary="Sửa sáu rõ (cơ quan thường trực)")
def task_edit(request: Request, user: Actor, task_id: RowId, body: EditIn) -> Done:
    change = TaskEdit(**{**body.model_dump(), "coordinator_ids": tuple(body.coordinator_ids)})
    tasks.save_edit(web(request), user, task_id, change)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/delegation", summary="Giao người thực hiện một nhiệm vụ")
def task_delegation(request: Request, user: Actor, task_id: RowId, body: DelegationIn) -> Delegated:
    return _delegated(request, user, [task_id], body)


@router.post("/tasks", summary="Giao nhiệm vụ mới (hoặc xem trước kết quả kiểm tra 6 rõ)")
def task_assignment(request: Request, user: Actor, body: AssignmentIn) -> dict[str, Any]:
    source = Source(
        body.source.kind, body.source.number.strip(), body.source.issued_on, body.source.signer
    )
    task = NewTask(
        **{**body.task.model_dump(), "coordinator_ids": tuple(body.task.coordinator_ids)}
    )
    if body.preview:
        return tasks.assignment_check(web(request), user, source, task).verdict_json()
    return {"ok": True, "id": tasks.save_assignment(web(request), user, source, task)}


@router.post("/tasks/delegation", summary="Giao người thực hiện nhiều nhiệm vụ một lần")
def tasks_delegation(request: Request, user: Actor, body: ManyDelegationIn) -> Delegated:
    return _delegated(request, user, body.task_ids, body)


def _delegated(request: Request, user: User, task_ids: list[int], body: DelegationIn) -> Delegated:
    done = tasks.save_delegation(
        web(request), user, task_ids, person_id=body.person_id, reason=body.reason
    )
    return Delegated(
        person_id=body.person_id,
        changed=[task.id or 0 for task in done.changed],
        unchanged=[task.id or 0 for task in done.unchanged],
    )


@router.post("/tasks/{task_id}/coordination", summary="Ghi phần việc của đơn vị phối hợp")
def task_coordination(request: Request, user: Actor, task_id: RowId, body: CoordinationIn) -> Done:
    tasks.save_coordination(web(request), user, task_id, note=body.note, evidence=body.evidence)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/progress", summary="Báo cáo tiến độ")
def task_progress(request: Request, user: Actor, task_id: RowId, body: ProgressIn) -> Done:
    tasks.save_progress(web(request), user, task_id, body.percent, body.note)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/completion", summary="Ghi nhận hoàn thành")
def task_completion(request: Request, user: Actor, task_id: RowId, body: CompletionIn) -> Done:
    tasks.save_completion(
        web(request),
        user,
        task_id,
        result=body.result,
        evidence=body.evidence,
        completed_on=body.completed_on,
    )
    return Done(id=task_id)


@router.post("/tasks/{task_id}/acceptance", summary="Xác nhận hoặc trả lại kết quả")
def task_acceptance(request: Request, user: Actor, task_id: RowId, body: AcceptanceIn) -> Done:
    tasks.save_review(web(request), user, task_id, accept=body.accept, reason=body.reason)
    return Done(id=task_id)


@router.post("/tasks/{task_id}/extensions", summary="Đề nghị gia hạn")
def task_extension(request: Request, user: Actor, task_id: RowId, body: ExtensionIn) -> Done:
    request_id = tasks.save_extension_request(
        web(request), user, task_id, new_due=body.new_due, reason=body.reason
    )
    return Done(id=request_id)


@router.post("/extensions/{request_id}/decision", summary="Phê duyệt hoặc từ chối gia hạn")
def extension_decision(request: Request, user: Actor, request_id: RowId, body: DecisionIn) -> Done:
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
            "awaiting": data.totals.awaiting,
            "in_progress": data.totals.in_progress,
            "overdue": data.totals.overdue,
            "no_deadline": data.totals.no_deadline,
        },
        "overdue": [
            {"ref": t.ref, "unit": t.unit, "due": t.due.isoformat(), "days_late": t.days_late}
            for t in data.overdue
        ],
        "compliance": {
            "clear": data.compliance.clear,
            "unclear": data.compliance.unclear,
            "unclear_refs": [ref for ref, _ in data.compliance.unclear_refs],
        },
        "indicators": {
            "completion": data.indicators.completion.percent,
            "on_time": data.indicators.on_time.percent,
            "unit_reports": data.indicators.unit_reports.percent,
        },
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
        "awaiting_acceptance": [
            {
                "task_id": a.task_id,
                "ref": a.ref,
                "completed_on": a.completed_on.isoformat() if a.completed_on else None,
                "submitted_on": a.submitted_on.isoformat() if a.submitted_on else None,
            }
            for a in board.awaiting
        ],
        "by_unit": [
            {
                "name": r.name,
                "done": r.counts.done,
                "awaiting": r.counts.awaiting,
                "total": r.counts.total,
            }
            for r in data.by_unit
        ],
        "by_area": [
            {
                "name": r.name,
                "done": r.counts.done,
                "awaiting": r.counts.awaiting,
                "total": r.counts.total,
            }
            for r in data.by_area
        ],
    }


# -- plan import -------------------------------------------------------------------------------


def _preview_json(token: str, result: ImportResult) -> dict[str, Any]:
    """The preview as ``sauro import --dry-run --json`` prints it, with the upload's token."""
    return {
        "token": token,
        "plan": result.plan_key,
        "year": result.year,
        "basis": result.authority.basis,
        "unknown_units": result.unknown_units,
        "kind": result.kind,
        "clear": sum(c.all_clear for c in result.checks),
        "tasks": [draft_json(d, c) for d, c in zip(result.drafts, result.checks, strict=True)],
        "skipped": [{"line": s.line, "words": s.words, "reason": s.reason} for s in result.skipped],
    }


@router.post(
    "/imports",
    summary="Tải lên kế hoạch, hoặc văn bản giao việc (tệp hoặc nội dung dán vào), và xem "
    "trước kết quả 6 rõ",
)
async def import_upload(
    request: Request,
    user: Actor,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    plan_number: Annotated[str, Form()] = "",
    plan_date: Annotated[date | None, Form()] = None,
    year: Annotated[int | None, Form()] = None,
    register_units: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    state = web(request)
    token = await imports.stage(
        state,
        user,
        file,
        text=text,
        kind=kind,
        plan_number=plan_number,
        plan_date=plan_date,
        year=year,
        register_units=register_units,
    )
    try:
        return _preview_json(token, await parse_off_loop(imports.preview, state, user, token))
    except BaseException:
        imports.cancel_quietly(state, user, token)
        raise


class EditedRowIn(_Body):
    ref: str = Field("", max_length=32)
    work: str = Field(max_length=4000)
    lead: str = Field("", max_length=1000)
    coordinators: str = Field("", max_length=1000)
    deadline: str = Field("", max_length=500)
    product: str = Field("", max_length=1000)
    person: str = Field("", max_length=255)
    words: str = Field("", max_length=8000)


@router.put(
    "/imports/{token}/rows",
    summary="Sửa, bỏ, thêm các nhiệm vụ đọc từ văn bản giao việc, rồi xem trước lại",
)
async def import_rows(
    request: Request, user: Actor, token: str, body: list[EditedRowIn]
) -> dict[str, Any]:
    state = web(request)
    imports.save_rows(state, user, token, [imports.EditedRow(**row.model_dump()) for row in body])
    return _preview_json(token, await parse_off_loop(imports.preview, state, user, token))


@router.get("/imports/{token}", summary="Xem lại bản xem trước")
async def import_preview(request: Request, user: Viewer, token: str) -> dict[str, Any]:
    return _preview_json(token, await parse_off_loop(imports.preview, web(request), user, token))


@router.post("/imports/{token}/commit", summary="Nhập kế hoạch đã tải lên (một giao dịch)")
async def import_commit(request: Request, user: Actor, token: str) -> dict[str, Any]:
    result = await parse_off_loop(imports.commit, web(request), user, token)
    return {
        "plan": result.plan_key,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "withdrawn": result.withdrawn,
        "clear": sum(c.all_clear for c in result.checks),
    }


@router.delete("/imports/{token}", summary="Hủy tệp đã tải lên")
def import_cancel(request: Request, user: Actor, token: str) -> Done:
    imports.cancel(web(request), user, token)
    return Done()


# -- period reports ----------------------------------------------------------------------------


class ReportIn(_Body):
    period: str
    issued_on: date | None = None
    send: bool = False  # mail it to the standing office for review, once per address


def _report_json(request: Request, user: User, code: str | None) -> dict[str, Any]:
    state = web(request)
    period = reports.chosen_period(state, code)
    return {
        "period": period.code,
        "label": period.label,
        "files": [
            f"/reports/{period.code}/files/{path.name}"
            for path in reports.generated(state, user, period)
        ],
        "units": [
            {
                "unit": u.unit,
                "due": u.due.isoformat(),
                "requested_at": u.requested_at.isoformat(),
                "submitted_at": u.submitted_at.isoformat() if u.submitted_at else None,
                "on_time": u.on_time,
            }
            for u in reports.unit_reports(state, user, period)
        ],
    }


@router.get("/reports", summary="Báo cáo kỳ: tệp đã lập, báo cáo của các đơn vị")
def report_status(request: Request, user: Viewer, period: str | None = None) -> dict[str, Any]:
    return _report_json(request, user, period)


@router.post("/reports", summary="Lập báo cáo kỳ (.docx) và biểu số liệu (.xlsx)")
def report_generate(request: Request, user: Actor, body: ReportIn) -> dict[str, Any]:
    state = web(request)
    period = reports.chosen_period(state, body.period)
    issued_on = body.issued_on or local_date(state.clock())
    _, sent = reports.generate(state, user, period, issued_on=issued_on, send=body.send)
    return {**_report_json(request, user, period.code), "sent": sent}


@router.get("/unit-reports", summary="Biểu báo cáo của các đơn vị mà tài khoản nộp được")
def unit_report_forms(request: Request, user: Viewer, period: str | None = None) -> dict[str, Any]:
    state = web(request)
    chosen = reports.chosen_period(state, period)
    return {
        "period": chosen.code,
        "unit_deadline": chosen.unit_deadline.isoformat(),
        "forms": [
            {
                "unit": f.code,
                "name": f.name,
                "tasks": f.tasks,
                "submitted": f.submitted,
                "form": f"/unit-reports/{chosen.code}/{f.code}/form",
            }
            for f in unit_reports.forms(state, user, chosen)
        ],
    }


@router.post("/unit-reports", summary="Nộp biểu báo cáo của đơn vị đã điền (.xlsx)")
async def unit_report_submit(
    request: Request, user: Actor, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    unit, summary = await unit_reports.submit(web(request), user, file)
    return {
        "unit": unit,
        "completed": summary.completed,
        "progress": summary.progress,
        "unchanged": summary.unchanged,
        "blank": summary.blank,
        "general": summary.general,
    }


# -- the account's own notice preferences ------------------------------------------------------
# (imported here to keep this part in one block)


class PreferencesIn(_Body):
    """How the account's person hears of their work ("" = the organization's default)."""

    channel: Literal["", "email", "zalo", "both"] = ""
    email_mode: Literal["", "immediate", "digest"] = ""
    phone: str = Field(default="", max_length=32)
    zalo: str = Field(default="", max_length=32)


def _preferences_json(user: User, stored: NoticePreferences) -> dict[str, str]:
    return {"person": user.person_name, **dataclasses.asdict(stored)}


@router.get("/me/preferences", summary="Cách nhận thông báo của cán bộ gắn với tài khoản")
def my_preferences(request: Request, user: Viewer) -> dict[str, str]:
    stored = account_service.preferences(web(request), user)
    if stored is None:
        raise NotFoundError(account_service.NO_PERSON)
    return _preferences_json(user, stored)


@router.put("/me/preferences", summary="Đổi cách nhận thông báo (số điện thoại, Zalo)")
def my_preferences_update(request: Request, user: Actor, body: PreferencesIn) -> dict[str, str]:
    wanted = NoticePreferences(body.channel, body.email_mode, body.phone, body.zalo)
    return _preferences_json(user, account_service.save_preferences(web(request), user, wanted))


# -- the directory: units and people -----------------------------------------------------------
# (imported here to keep this part in one block)


class PersonIn(_Body):
    name: str = Field(max_length=128)
    title: str = Field(max_length=128)
    email: str = Field(max_length=255)
    phone: str = Field(default="", max_length=32)
    zalo: str = Field(default="", max_length=32)

    def fields(self) -> PersonFields:
        return PersonFields(self.name, self.title, self.email, self.phone, self.zalo)


class UnitIn(_Body):
    """A new unit (``internal``: with its ``head``) or outside body (``external``)."""

    name: str = Field(max_length=255)
    kind: typing.Literal["internal", "external"] = "internal"
    code: str = Field(default="", max_length=64)
    head: PersonIn | None = None


class NewPersonIn(PersonIn):
    unit_id: BodyId
    deputy: bool = False


class UnitPatch(_Body):
    """Only the fields sent change."""

    name: str | None = Field(default=None, max_length=255)
    abbreviations: list[str] | None = Field(default=None, max_length=50)
    aliases: list[str] | None = Field(default=None, max_length=50)
    kind: typing.Literal["internal", "external"] | None = None
    head_id: BodyId | None = None
    deputy_ids: list[BodyId] | None = Field(default=None, max_length=50)


class MergeIn(_Body):
    target_id: BodyId
    move_people: bool = False


class TaskChoiceIn(_Body):
    """``keep`` (unchanged), ``nobody``, ``follow`` (a move only) or ``person`` with its id."""

    mode: typing.Literal["keep", "nobody", "follow", "person"] = "keep"
    person_id: BodyId | None = None


class ReassignIn(_Body):
    """What becomes of the person's open tasks: ``all`` unless ``tasks`` (by task id) says."""

    all: TaskChoiceIn = Field(default_factory=TaskChoiceIn)
    tasks: dict[BodyId, TaskChoiceIn] = Field(default_factory=dict, max_length=1000)
    reason: str = Field(default="", max_length=2000)

    def choices(self) -> directory_service.TaskChoices:
        def one(c: TaskChoiceIn) -> Choice:
            return Choice(c.mode, c.person_id)

        return directory_service.TaskChoices(
            default=one(self.all), per_task={k: one(v) for k, v in self.tasks.items()}
        )


class MoveIn(ReassignIn):
    unit_id: BodyId


class LeaveIn(ReassignIn):
    left_on: date


def _outcome_json(done: Outcome) -> dict[str, Any]:
    return {
        "ok": True, "person_id": done.person.id, "kept": done.kept,
        "given": {str(k): v for k, v in done.given.items()}, "cleared": done.cleared,
        "followed": done.followed,
    }  # fmt: skip


@router.get("/directory", summary="Danh mục: lãnh đạo, đơn vị, cơ quan bên ngoài, cán bộ")
def directory_list(request: Request, user: Viewer) -> dict[str, Any]:
    view = directory_service.overview(web(request), user)
    return {
        "leaders": [directory_service.person_json(p) for p in view.leaders],
        "units": [v.to_json() for v in [*view.units, *view.outside, *view.merged]],
    }


@router.post("/directory/units", summary="Thêm đơn vị (kèm người đứng đầu) hoặc cơ quan bên ngoài")
def directory_unit_add(request: Request, user: Actor, body: UnitIn) -> Done:
    head = body.head.fields() if body.head else None
    unit = directory_service.add_unit(
        web(request), user, name=body.name, kind=body.kind, code=body.code, head=head
    )
    return Done(id=unit.id)


@router.patch(
    "/directory/units/{unit_id}",
    summary="Sửa đơn vị: tên, viết tắt, tên khác, loại, người đứng đầu, cấp phó",
)
def directory_unit_edit(request: Request, user: Actor, unit_id: RowId, body: UnitPatch) -> Done:
    state = web(request)
    if body.name is not None or body.abbreviations is not None or body.aliases is not None:
        current = directory_service.unit_page(state, user, unit_id).view.unit
        directory_service.edit_unit(
            state, user, unit_id, name=body.name if body.name is not None else current.name,
            abbreviations=body.abbreviations if body.abbreviations is not None
            else list(current.abbreviations),
            aliases=body.aliases if body.aliases is not None else list(current.aliases),
        )  # fmt: skip
    if body.head_id is not None:
        directory_service.set_head(state, user, unit_id, body.head_id)
    if body.deputy_ids is not None:
        directory_service.set_deputies(state, user, unit_id, list(body.deputy_ids))
    if body.kind is not None:
        directory_service.set_kind(state, user, unit_id, body.kind)
    return Done(id=unit_id)


@router.post("/directory/units/{unit_id}/merge", summary="Sáp nhập đơn vị vào đơn vị khác")
def directory_unit_merge(
    request: Request, user: Actor, unit_id: RowId, body: MergeIn
) -> dict[str, Any]:
    done = directory_service.merge(
        web(request), user, unit_id, body.target_id, move_people=body.move_people
    )
    return {"ok": True, "id": unit_id, "target_id": done.target.id, "tasks": list(done.tasks),
            "parts": done.parts, "people": list(done.people)}  # fmt: skip


@router.post("/directory/people", summary="Thêm cán bộ vào một đơn vị")
def directory_person_add(request: Request, user: Actor, body: NewPersonIn) -> Done:
    person = directory_service.add_person(
        web(request), user, body.unit_id, body.fields(), deputy=body.deputy
    )
    return Done(id=person.id)


@router.patch("/directory/people/{person_id}", summary="Sửa họ tên, chức vụ, email, điện thoại")
def directory_person_edit(request: Request, user: Actor, person_id: RowId, body: PersonIn) -> Done:
    directory_service.edit_person(web(request), user, person_id, body.fields())
    return Done(id=person_id)


@router.post(
    "/directory/people/{person_id}/move",
    summary="Chuyển cán bộ sang đơn vị khác (nhiệm vụ đang làm: theo lựa chọn)",
)
def directory_person_move(
    request: Request, user: Actor, person_id: RowId, body: MoveIn
) -> dict[str, Any]:
    done = directory_service.move_person(
        web(request), user, person_id, body.unit_id, body.choices(), reason=body.reason
    )
    return _outcome_json(done)


@router.post(
    "/directory/people/{person_id}/leave",
    summary="Đánh dấu cán bộ đã nghỉ (nhiệm vụ đang làm: theo lựa chọn)",
)
def directory_person_leave(
    request: Request, user: Actor, person_id: RowId, body: LeaveIn
) -> dict[str, Any]:
    done = directory_service.mark_left(
        web(request), user, person_id, body.left_on, body.choices(), reason=body.reason
    )
    return _outcome_json(done)


# --- the inbox ---------------------------------------------------------------------------


class ReadIn(BaseModel):
    """Which of one's notices to mark read: ``ids``, or every one with ``all``."""

    model_config = ConfigDict(extra="forbid")
    ids: list[BodyId] = Field(default_factory=list, max_length=500)
    all: bool = False


@router.get("/notices", summary="Thông báo của tôi (mới nhất trước, phân trang theo con trỏ)")
def notice_list(
    request: Request,
    user: Viewer,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """``limit`` notices from the page ``cursor`` names; ``next`` names the older page."""
    inbox = notices.page(web(request), user, cursor=cursor, limit=limit)
    return {
        "next": inbox.next,
        "previous": inbox.previous,
        "total": inbox.total,
        "unread": inbox.unread,
        "notices": [notices.as_json(n) for n in inbox.notices],
    }


@router.post("/notices/read", summary="Đánh dấu đã đọc một số hoặc tất cả thông báo của tôi")
def notice_read(request: Request, user: Actor, body: ReadIn) -> dict[str, int]:
    marked = notices.read(web(request), user, None if body.all else body.ids)
    return {"marked": marked, "unread": notices.unread(web(request), user)}


# -- the roll-up of the children (a district's or province's communes) ------------------------


def _child_json(row: ChildRow, period: str, today: date) -> dict[str, Any]:
    data, report = row.data, row.report
    return {
        "rank": row.rank,
        "code": row.code,
        "name": row.name,
        "tasks": row.tasks,
        "done_on_time": data.totals.done_on_time,
        "on_time": data.indicators.on_time.percent,
        "completion": data.indicators.completion.percent,
        "overdue": row.overdue,
        "unclear": row.unclear,
        "unit_reports_on_time": data.indicators.unit_reports.numerator,
        "unit_reports_asked": data.indicators.unit_reports.denominator,
        "report": {
            "state": report.state,
            "number": report.number_text,
            "issued_on": report.issued_on.isoformat() if report.issued_on else None,
            "received": report.received,
            "on_time": report.on_time,
            "status": report.status_label(today),
            "files": [f"/rollup/{period}/{row.code}/files/{p.name}" for p in report.files],
        },
    }


@router.get("/rollup", summary="Tổng hợp các cơ quan cấp dưới: số liệu, xếp hạng, báo cáo kỳ")
def rollup_data(request: Request, user: Viewer, period: str | None = None) -> dict[str, Any]:
    state = web(request)
    chosen, refused = rollup_service.chosen(state, period)
    if refused:
        raise SauroError(refused)
    board = rollup_service.rollup(state, user, chosen)
    return {
        "period": chosen.code,
        "label": chosen.label,
        "deadline": board.deadline.isoformat(),
        "children": [_child_json(c, chosen.code, board.today) for c in board.children],
        "missing": [c.code for c in board.missing],
    }


# --- the report's sections ---------------------------------------------------------------


class SectionsIn(BaseModel):
    """New texts of some sections of a period's report, by section ("I", "III.2", …)."""

    model_config = ConfigDict(extra="forbid")
    sections: dict[str, Annotated[str, Field(max_length=20_000)]] = Field(max_length=len(SECTIONS))


@router.get("/reports/{period}/sections", summary="Nội dung từng mục của báo cáo kỳ")
def report_sections_get(request: Request, user: Viewer, period: str) -> dict[str, Any]:
    state = web(request)
    chosen = reports.chosen_period(state, period)
    return {
        "period": chosen.code,
        "sections": [
            {
                "section": s.section,
                "title": s.title,
                "text": s.text,
                "draft": s.draft,
                "saved": s.saved,
                "history": [
                    {
                        "revision": r.revision,
                        "saved_by": r.saved_by,
                        "saved_at": r.saved_at.isoformat(),
                    }
                    for r in s.history
                ],
            }
            for s in section_service.states(state, user, chosen)
        ],
    }


@router.put("/reports/{period}/sections", summary="Lưu nội dung đã sửa của các mục báo cáo")
def report_sections_put(
    request: Request, user: Actor, period: str, body: SectionsIn
) -> dict[str, Any]:
    state = web(request)
    chosen = reports.chosen_period(state, period)
    saved = section_service.save(state, user, chosen, body.sections)
    return {"saved": [{"section": r.section, "revision": r.revision} for r in saved]}


# --- the period report's approval -------------------------------------------------------


class ApprovalIn(_Body):
    """One step of the report's approval: submit, approve, return (with a reason), issue (on
    a day, default today), send (upward, only once issued)."""

    step: Literal["submit", "approve", "return", "issue", "send"]
    reason: str = Field(default="", max_length=2000)
    issued_on: date | None = None


def _approval_json(request: Request, user: User, code: str) -> dict[str, Any]:
    state = web(request)
    period = reports.chosen_period(state, code)
    shown = report_approval.view(state, user, period)
    return {
        "period": period.code,
        "state": shown.state.value,
        "label": shown.label,
        "number": shown.number or None,
        "issued_on": shown.issued_on.isoformat() if shown.issued_on else None,
        "signer": shown.signer,
        "history": [{"at": at, "actor": who, "step": what} for at, who, what in shown.history],
    }


@router.get("/reports/{code}/approval", summary="Báo cáo kỳ: bước duyệt, số văn bản, lịch sử")
def approval_status(request: Request, user: Viewer, code: str) -> dict[str, Any]:
    return _approval_json(request, user, code)


@router.post(
    "/reports/{code}/approval",
    summary="Trình ký, duyệt, trả lại, ban hành hoặc gửi cấp trên báo cáo kỳ",
)
def approval_step(request: Request, user: Actor, code: str, body: ApprovalIn) -> dict[str, Any]:
    state = web(request)
    period = reports.chosen_period(state, code)
    sent = ""
    if body.step == "submit":
        report_approval.submit(state, user, period)
    elif body.step in {"approve", "return"}:
        report_approval.decide(
            state, user, period, approve=body.step == "approve", reason=body.reason
        )
    elif body.step == "issue":
        report_approval.issue(state, user, period, body.issued_on)
    else:
        sent = report_approval.send(state, user, period)
    return {**_approval_json(request, user, code), "sent": sent}
