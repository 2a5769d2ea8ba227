"""Plan import pages: upload a plan or an assigning document (or paste its text), preview
with the 6-rõ findings, correct the tasks read from a document, commit or cancel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from engine.errors import BusyError, SauroError, UploadError
from engine.plans.document_rows import UNCLEAR, WORDS
from engine.plans.documents import KIND_LABELS
from engine.plans.importer import ImportResult
from engine.store.models import DocumentKind
from engine.web import flash, imports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize
from engine.web.routes.tasks import parse_day
from engine.web.uploads import PLAN_KINDS, parse_off_loop

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


def _form(
    request: Request,
    user: User,
    *,
    error: str = "",
    status: int = 200,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The upload form; after a refusal, ``typed`` is what the user had filled in."""
    return render(
        request,
        "import.html",
        user,
        status=status,
        error=error,
        typed=typed or {},
        kinds=", ".join(PLAN_KINDS),
        max_mb=web(request).settings.max_upload_mb,
        document_kinds=KIND_LABELS,
    )


@router.get("/import")
def import_form(request: Request, user: Viewer) -> Response:
    authorize(user.principal, Action.IMPORT_PLAN)
    return _form(request, user)


@router.post("/import")
async def upload(
    request: Request,
    user: Actor,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    plan_number: Annotated[str, Form()] = "",
    plan_date: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    register_units: Annotated[str, Form()] = "",
) -> Response:
    authorize(user.principal, Action.IMPORT_PLAN)
    try:
        token = await imports.stage(
            web(request),
            user,
            file,
            text=text,
            kind=kind,
            plan_number=plan_number,
            plan_date=parse_day(plan_date, "plan_date") if plan_date.strip() else None,
            year=int(year) if year.strip().isdigit() else None,
            register_units=register_units == "on",
        )
    except SauroError as error:
        typed = {"text": text, "kind": kind, "plan_number": plan_number, "plan_date": plan_date,
                 "year": year, "register_units": register_units}  # fmt: skip
        return _form(request, user, error=str(error), status=400, typed=typed)
    return RedirectResponse(f"/import/{token}", status_code=303)


@router.get("/import/{token}")
async def preview(request: Request, user: Viewer, token: str) -> Response:
    try:
        result = await parse_off_loop(imports.preview, web(request), user, token)
    except BusyError as error:  # the upload waits: previewed again once the other is done
        return _form(request, user, error=str(error), status=409)
    except SauroError as error:
        imports.cancel_quietly(web(request), user, token)
        return _form(request, user, error=str(error), status=400)
    return render(
        request,
        "import_preview.html",
        user,
        token=token,
        result=result,
        rows=list(zip(result.drafts, result.checks, strict=True)),
        clear=sum(c.all_clear for c in result.checks),
        document=result.kind != DocumentKind.PLAN or bool(result.skipped),
        kind_label=KIND_LABELS.get(result.kind, result.kind),
        words=WORDS,
        unclear=UNCLEAR,
    )


@router.post("/import/{token}/rows")
def edit_rows(
    request: Request,
    user: Actor,
    token: str,
    ref: Annotated[list[str], Form()],
    work: Annotated[list[str], Form()],
    lead: Annotated[list[str], Form()],
    coordinators: Annotated[list[str], Form()],
    deadline: Annotated[list[str], Form()],
    product: Annotated[list[str], Form()],
    person: Annotated[list[str], Form()],
    words: Annotated[list[str], Form()],
    drop: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """The tasks read from a document, as the user corrected them: edited, dropped (``drop``
    lists their positions) or added (the blank rows at the end)."""
    authorize(user.principal, Action.IMPORT_PLAN)
    columns = (ref, work, lead, coordinators, deadline, product, person, words)
    if len({len(column) for column in columns}) != 1:
        raise UploadError("Biểu mẫu các nhiệm vụ không đủ cột: hãy tải lại trang xem trước.")
    dropped = set(drop or [])
    rows = [
        imports.EditedRow(*values)
        for position, values in enumerate(zip(*columns, strict=True))
        if position not in dropped
    ]
    imports.save_rows(web(request), user, token, rows)
    return RedirectResponse(f"/import/{token}", status_code=303)


@router.post("/import/{token}/commit")
async def commit(request: Request, user: Actor, token: str) -> Response:
    try:
        result = await parse_off_loop(imports.commit, web(request), user, token)
    except SauroError as error:
        return _form(
            request, user, error=str(error), status=409 if isinstance(error, BusyError) else 400
        )
    back = "/tasks?" + urlencode({"plan": result.plan_key})
    return flash.done(request, back, _imported(result))


def _imported(result: ImportResult) -> str:
    clear = sum(c.all_clear for c in result.checks)
    said = (
        f"Đã nhập {len(result.drafts)} nhiệm vụ: thêm mới {result.created}, cập nhật "
        f"{result.updated}, không đổi {result.unchanged}, rút khỏi kế hoạch {result.withdrawn}."
        f"\nĐủ 6 rõ: {clear}/{len(result.checks)} nhiệm vụ."
    )
    if result.registered_units:
        said += "\nĐã thêm vào danh mục: " + "; ".join(result.registered_units)
    return said


@router.post("/import/{token}/cancel")
def cancel(request: Request, user: Actor, token: str) -> Response:
    imports.cancel(web(request), user, token)
    return RedirectResponse("/import", status_code=303)
