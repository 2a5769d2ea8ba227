"""Task pages: the list with filters and six-dimension badges; one task with its six
dimensions (editable by the standing office), history, progress, completion with evidence,
and extension request and decision."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from engine.calendar.status import LABELS, local_date
from engine.errors import Location, NotFoundError, PermissionDeniedError, Problem, SauroError
from engine.plans.documents import KIND_LABELS
from engine.store.models import DocumentKind
from engine.tasks.assignment import NewTask, Source
from engine.tasks.edits import TaskEdit
from engine.web import flash, reports, tasks
from engine.web.deps import MAX_ROW_ID, RowId, User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize
from engine.web.tasks import DUE_WINDOWS, SIX_STATES, SORTS, TaskFilters
from engine.web.uploads import EVIDENCE_KINDS, evidence_path, read_checked, safe_name

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


def _int(value: str | None) -> int | None:
    """A row id from a form or query value; None when it is none (or out of range)."""
    number = int(value) if value and value.strip().isdigit() else None
    return number if number is not None and 1 <= number <= MAX_ROW_ID else None


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def task_filters(
    unit: str | None = None,
    area: str | None = None,
    status: str | None = None,
    six: str | None = None,
    due: str | None = None,
    coordinator: str | None = None,
    q: str | None = None,
    plan: str | None = None,
    person: str | None = None,
    sort: str | None = None,
    period: str | None = None,
) -> TaskFilters:
    """The task list's filters from the query string (empty values mean "all")."""
    return TaskFilters(
        unit_id=_int(unit),
        area=_text(area),
        status=_text(status),
        six=_text(six),
        due=_text(due),
        coordinator=_int(coordinator),
        q=_text(q[:200] if q else q),
        plan=_text(plan),
        person=_int(person),
        sort=_text(sort),
        period=_text(period[:20] if period else period),
    )


Filters = Annotated[TaskFilters, Depends(task_filters)]
_FILTER_NAMES = frozenset(
    {
        "unit",
        "area",
        "status",
        "six",
        "due",
        "coordinator",
        "q",
        "plan",
        "person",
        "sort",
        "cursor",
        "period",
    }
)


@router.get("/tasks")
def task_list(
    request: Request, user: Viewer, filters: Filters, cursor: str | None = None
) -> Response:
    return _list_page(request, user, filters, cursor=cursor)


def _list_page(
    request: Request,
    user: User,
    filters: TaskFilters,
    *,
    query: str | None = None,
    cursor: str | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    listed = tasks.list_page(state, user, filters, cursor=cursor)
    rows = listed.rows
    configs = state.configs.get()
    shown_query = request.url.query if query is None else query
    return render(
        request,
        "tasks.html",
        user,
        status=status,
        error=error,
        listed=listed,
        page_link=_page_link(shown_query),
        plans=tasks.plans_of(state, user),
        people=tasks.people_of(state, user),
        sorts=SORTS,
        rows=rows,
        filters=filters,
        units=tasks.units_of(state, user),
        areas=configs.areas.areas,
        area_names={a.code: a.name for a in configs.areas.areas},
        periods=reports.periods_with_tasks(state, user),
        statuses=LABELS,
        six_states=SIX_STATES,
        due_windows=DUE_WINDOWS,
        query=shown_query,
        delegable=tasks.delegable(user, rows),
        delegation_people=tasks.delegation_people(state, user),
    )


def _page_link(query: str) -> Callable[[str], str]:
    """The link to the page a cursor names, of the same filtered list."""
    kept = [(k, v) for k, v in parse_qsl(query) if k in _FILTER_NAMES and k != "cursor"]
    return lambda cursor: "/tasks?" + urlencode([*kept, ("cursor", cursor)])


@router.post("/tasks/delegate")
def delegate_many(
    request: Request,
    user: Actor,
    task_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies the default)
    person_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """The tasks ticked in the list, given to one person; back to the same filtered list."""
    kept = [(k, v) for k, v in parse_qsl(back) if k in _FILTER_NAMES]  # the list's filters only
    query = urlencode(kept)
    filters = task_filters(**{k: v for k, v in kept if k != "cursor"})
    cursor = dict(kept).get("cursor")
    chosen = [number for number in map(_int, task_ids) if number is not None]
    person = _int(person_id)
    try:
        if not chosen:
            raise SauroError("Chưa chọn nhiệm vụ nào để giao.")
        if person is None:
            raise SauroError("Chưa chọn người thực hiện.")
        tasks.save_delegation(web(request), user, chosen, person_id=person, reason=reason)
    except SauroError as error:
        code = 403 if isinstance(error, PermissionDeniedError) else 400
        message = str(error)
        return _list_page(
            request, user, filters, query=query, cursor=cursor, error=message, status=code
        )
    return flash.done(request, "/tasks" + (f"?{query}" if query else ""), "Đã giao các nhiệm vụ.")


@router.get("/tasks/kiem-tra-6-ro.xlsx")
def check_workbook(request: Request, user: Viewer, filters: Filters) -> Response:
    """The 6-rõ check of the listed tasks as a printable workbook (as ``sauro check --xlsx``)."""
    folder = Path(tempfile.mkdtemp(prefix="sauro-check-"))
    path = folder / "kiem-tra-6-ro.xlsx"
    tasks.write_check_workbook(web(request), user, filters, path)
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    return FileResponse(path, filename=path.name, background=cleanup)


@dataclass(frozen=True)
class _AssignForm:
    """The "Giao nhiệm vụ" form as sent, kept to fill the form again."""

    kind: str = str(DocumentKind.CONCLUSION)
    number: str = ""
    issued_on: str = ""
    signer: str = ""
    ref: str = ""
    work: str = ""
    area: str = ""
    lead_unit_id: str = ""
    coordinator_ids: tuple[str, ...] = ()
    person_id: str = ""
    deadline_text: str = ""
    product: str = ""

    def parsed(self) -> tuple[Source, NewTask]:
        """The document and the task; a Vietnamese error naming the field when one is wrong."""
        try:
            kind = DocumentKind(self.kind)
        except ValueError:
            raise SauroError(
                "Loại văn bản không hợp lệ", [Problem(Location(field="kind"), self.kind)]
            ) from None
        day = parse_day(self.issued_on, "issued_on") if self.issued_on.strip() else None
        source = Source(kind, self.number.strip(), day, self.signer.strip())
        task = NewTask(
            work=self.work,
            area=_text(self.area),
            person_id=_int(self.person_id),
            lead_unit_id=_int(self.lead_unit_id),
            coordinator_ids=tuple(i for i in map(_int, self.coordinator_ids) if i is not None),
            deadline_text=self.deadline_text,
            product=self.product,
            ref=self.ref,
        )
        return source, task


def _assign_page(
    request: Request,
    user: User,
    form: _AssignForm,
    *,
    check: object = None,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    authorize(user.principal, Action.ASSIGN_TASK)
    configs = state.configs.get()
    units = tasks.units_of(state, user)
    names = {unit.id: unit.name for unit in units}
    return render(
        request,
        "task_new.html",
        user,
        status=status,
        form=form,
        check=check,
        error=error,
        kinds=KIND_LABELS,
        areas=configs.areas.areas,
        units=units,
        people=[(p, names.get(p.unit_id, "")) for p in tasks.people_of(state, user)],
    )


@router.get("/tasks/new")
def assign_form(request: Request, user: Viewer) -> Response:
    return _assign_page(request, user, _AssignForm())


@router.post("/tasks/new")
def assign(
    request: Request,
    user: Actor,
    kind: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
    signer: Annotated[str, Form()] = "",
    ref: Annotated[str, Form()] = "",
    work: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    lead_unit_id: Annotated[str, Form()] = "",
    coordinator_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
    person_id: Annotated[str, Form()] = "",
    deadline_text: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "preview",
) -> Response:
    """``action=preview``: the form again with the 6-rõ verdict; ``save``: the task stored."""
    form = _AssignForm(
        kind, number, issued_on, signer, ref, work, area, lead_unit_id,
        tuple(coordinator_ids), person_id, deadline_text, product,
    )  # fmt: skip
    state = web(request)
    try:
        source, task = form.parsed()
        if action == "save":
            task_id = tasks.save_assignment(state, user, source, task)
            return flash.done(request, f"/tasks/{task_id}", "Đã giao nhiệm vụ.")
        check = tasks.assignment_check(state, user, source, task)
    except SauroError as error:
        code = 403 if isinstance(error, PermissionDeniedError) else 400
        return _assign_page(request, user, form, error=str(error), status=code)
    return _assign_page(request, user, form, check=check)


def _page(
    request: Request,
    user: User,
    task_id: int,
    *,
    error: str = "",
    status: int = 200,
    failed: str = "",
    typed: Mapping[str, object] | None = None,
    cursor: str | None = None,
) -> Response:
    """The task page; after a refused form, ``failed`` names that form and ``typed`` holds
    what the user typed in it, shown again with the error; ``cursor`` names the page of
    its history."""
    state = web(request)
    page = tasks.task_page(state, user, task_id, history_cursor=cursor)
    configs = state.configs.get()
    return render(
        request,
        "task.html",
        user,
        status=status,
        page=page,
        view=page.view,
        task=page.view.task,
        error=error,
        failed=failed,
        typed=typed or {},
        areas=configs.areas.areas,
        area_names={a.code: a.name for a in configs.areas.areas},
        today=local_date(state.clock()),
        Action=Action,
    )


@router.get("/tasks/{task_id}")
def task_detail(
    request: Request, user: Viewer, task_id: RowId, cursor: str | None = None
) -> Response:
    """The task page; ``cursor`` names a page of its history."""
    return _page(request, user, task_id, cursor=cursor)


@dataclass(frozen=True)
class _Form:
    """A form of the task page as sent: which one, what it says once saved, what was typed."""

    name: str
    saved: str
    typed: Mapping[str, object]


def _act(
    request: Request, user: User, task_id: int, form: _Form, action: Callable[[], object]
) -> Response:
    """Run ``action``; back to the task page saying ``form.saved``, or the page with the
    Vietnamese error and what the user typed in the form."""
    try:
        action()
    except SauroError as error:
        return _refused(request, user, task_id, form, error)
    return flash.done(request, f"/tasks/{task_id}", form.saved)


def _refused(
    request: Request, user: User, task_id: int, form: _Form, error: SauroError | str
) -> Response:
    code = 403 if isinstance(error, PermissionDeniedError) else 400
    return _page(
        request, user, task_id, error=str(error), status=code, failed=form.name, typed=form.typed
    )


def parse_day(value: str, field: str) -> date:
    """A date from a form field (YYYY-MM-DD), or a Vietnamese error naming the field."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SauroError(
            f"Ngày '{value}' không hợp lệ",
            [Problem(Location(field=field), "cần một ngày có thật, dạng YYYY-MM-DD")],
        ) from None


@router.post("/tasks/{task_id}/edit")
def edit(
    request: Request,
    user: Actor,
    task_id: RowId,
    version: Annotated[int, Form()],
    work: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    deadline_text: Annotated[str, Form()] = "",
    person_id: Annotated[str, Form()] = "",
    lead_unit_id: Annotated[str, Form()] = "",
    coordinator_ids: Annotated[list[str] | None, Form()] = None,
    assigner: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
) -> Response:
    change = TaskEdit(
        version=version,
        person_id=_int(person_id),
        work=work,
        area=_text(area),
        deadline_text=deadline_text,
        lead_unit_id=_int(lead_unit_id),
        coordinator_ids=tuple(i for i in map(_int, coordinator_ids or []) if i is not None),
        assigner=assigner,
        product=product,
    )
    typed = {"work": work, "area": area, "deadline_text": deadline_text, "person_id": person_id,
             "lead_unit_id": lead_unit_id, "coordinator_ids": coordinator_ids or [],
             "assigner": assigner, "product": product}  # fmt: skip
    form = _Form("edit", "Đã lưu sáu rõ.", typed)
    return _act(
        request, user, task_id, form, lambda: tasks.save_edit(web(request), user, task_id, change)
    )


@router.post("/tasks/{task_id}/delegate")
def delegate_one(
    request: Request,
    user: Actor,
    task_id: RowId,
    person_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    person = _int(person_id)
    form = _Form("delegate", "Đã giao người thực hiện.", {"person_id": person_id, "reason": reason})
    if person is None:
        return _refused(request, user, task_id, form, "Chưa chọn người thực hiện.")
    return _act(
        request,
        user,
        task_id,
        form,
        lambda: tasks.save_delegation(
            web(request), user, [task_id], person_id=person, reason=reason
        ),
    )


@router.post("/tasks/{task_id}/progress")
def progress(
    request: Request,
    user: Actor,
    task_id: RowId,
    percent: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    value = _int(percent) if percent.strip() else None
    form = _Form("progress", "Đã ghi báo cáo tiến độ.", {"percent": percent, "note": note})
    if percent.strip() and value is None:
        return _refused(request, user, task_id, form, "Tỷ lệ hoàn thành phải là số từ 0 đến 100.")
    return _act(
        request,
        user,
        task_id,
        form,
        lambda: tasks.save_progress(web(request), user, task_id, value, note),
    )


@router.post("/tasks/{task_id}/complete")
async def complete(
    request: Request,
    user: Actor,
    task_id: RowId,
    result: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    completed_on: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    typed = {"result": result, "evidence": evidence, "completed_on": completed_on}
    form = _Form("complete", "Đã ghi nhận hoàn thành.", typed)
    try:
        day = parse_day(completed_on, "completed_on")
        upload = await _evidence_upload(request, task_id, evidence, file)
    except SauroError as error:
        return _refused(request, user, task_id, form, error)
    return _act(
        request,
        user,
        task_id,
        form,
        lambda: upload.saving(
            lambda text: tasks.save_completion(
                web(request), user, task_id, result=result, evidence=text, completed_on=day
            )
        ),
    )


@router.post("/tasks/{task_id}/coordination")
async def coordination(
    request: Request,
    user: Actor,
    task_id: RowId,
    note: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = _Form("coordination", "Đã ghi phần phối hợp.", {"note": note, "evidence": evidence})
    try:
        upload = await _evidence_upload(request, task_id, evidence, file)
    except SauroError as error:
        return _refused(request, user, task_id, form, error)
    return _act(
        request,
        user,
        task_id,
        form,
        lambda: upload.saving(
            lambda text: tasks.save_coordination(
                web(request), user, task_id, note=note, evidence=text
            )
        ),
    )


@dataclass(frozen=True)
class _Evidence:
    """The evidence text of a form, and the checked file that goes with it (if any)."""

    text: str
    stored: Path | None
    data: bytes | None

    def saving(self, action: Callable[[str], object]) -> None:
        """Write the file, then run ``action`` with the evidence text; the file is removed
        again when the action fails, so nothing is half-written."""
        if self.stored is not None and self.data is not None:
            self.stored.parent.mkdir(parents=True, exist_ok=True)
            self.stored.write_bytes(self.data)
        try:
            action(self.text)
        except BaseException:
            if self.stored is not None:
                self.stored.unlink(missing_ok=True)
            raise


async def _evidence_upload(
    request: Request, task_id: int, evidence: str, file: UploadFile | None
) -> _Evidence:
    """The form's evidence: its text, and the uploaded file checked by kind and size."""
    state = web(request)
    text = evidence.strip()
    if file is None or not file.filename:
        return _Evidence(text, None, None)
    data = await read_checked(
        file, kinds=EVIDENCE_KINDS, max_bytes=state.settings.max_upload_mb * 1024 * 1024
    )
    name = f"{state.clock():%Y%m%d%H%M%S}-{safe_name(file.filename)}"
    stored = evidence_path(state.settings.uploads_dir, task_id, name)
    return _Evidence("\n".join(filter(None, [text, f"Tệp minh chứng: {name}"])), stored, data)


@router.get("/tasks/{task_id}/files/{name}")
def evidence_file(request: Request, user: Viewer, task_id: RowId, name: str) -> Response:
    state = web(request)
    tasks.task_page(state, user, task_id)  # authorizes viewing the task
    path = evidence_path(state.settings.uploads_dir, task_id, name)
    if not path.is_file():
        raise NotFoundError(f"Không có tệp minh chứng {name}.")
    return FileResponse(path, filename=name)


@router.post("/tasks/{task_id}/extension")
def extension(
    request: Request,
    user: Actor,
    task_id: RowId,
    new_due: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    def ask() -> None:
        tasks.save_extension_request(
            web(request), user, task_id, new_due=parse_day(new_due, "new_due"), reason=reason
        )

    typed = {"new_due": new_due, "reason": reason}
    return _act(request, user, task_id, _Form("extension", "Đã gửi đề nghị gia hạn.", typed), ask)


@router.post("/tasks/{task_id}/review")
def review(
    request: Request,
    user: Actor,
    task_id: RowId,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    saved = "Đã xác nhận kết quả." if decision == "accept" else "Đã trả lại kết quả."
    return _act(
        request,
        user,
        task_id,
        _Form("review", saved, {"reason": reason}),
        lambda: tasks.save_review(
            web(request), user, task_id, accept=decision == "accept", reason=reason
        ),
    )


@router.post("/extensions/{request_id}/decision")
def decision(
    request: Request,
    user: Actor,
    request_id: RowId,
    task_id: Annotated[int, Form()],
    approve: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    authorize(user.principal, Action.DECIDE_EXTENSION)
    saved = "Đã phê duyệt đề nghị gia hạn." if approve == "yes" else "Đã từ chối đề nghị gia hạn."
    return _act(
        request,
        user,
        task_id,
        _Form("decision", saved, {"note": note}),
        lambda: tasks.save_decision(
            web(request), user, request_id, approve=approve == "yes", note=note
        ),
    )
