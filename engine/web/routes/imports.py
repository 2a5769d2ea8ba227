"""Plan import pages: upload, preview with the 6-rõ findings, commit or cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from engine.errors import SauroError
from engine.web import imports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize
from engine.web.routes.tasks import parse_day
from engine.web.uploads import PLAN_KINDS

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


def _form(request: Request, user: User, *, error: str = "", status: int = 200) -> Response:
    return render(
        request,
        "import.html",
        user,
        status=status,
        error=error,
        kinds=", ".join(PLAN_KINDS),
        max_mb=web(request).settings.max_upload_mb,
    )


@router.get("/import")
def import_form(request: Request, user: Viewer) -> Response:
    authorize(user.principal, Action.IMPORT_PLAN)
    return _form(request, user)


@router.post("/import")
async def upload(
    request: Request,
    user: Actor,
    file: Annotated[UploadFile, File()],
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
            plan_number=plan_number,
            plan_date=parse_day(plan_date, "plan_date") if plan_date.strip() else None,
            year=int(year) if year.strip().isdigit() else None,
            register_units=register_units == "on",
        )
    except SauroError as error:
        return _form(request, user, error=str(error), status=400)
    return RedirectResponse(f"/import/{token}", status_code=303)


@router.get("/import/{token}")
def preview(request: Request, user: Viewer, token: str) -> Response:
    try:
        result = imports.preview(web(request), user, token)
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
    )


@router.post("/import/{token}/commit")
def commit(request: Request, user: Actor, token: str) -> Response:
    try:
        result = imports.commit(web(request), user, token)
    except SauroError as error:
        return _form(request, user, error=str(error), status=400)
    return render(
        request,
        "import_done.html",
        user,
        result=result,
        clear=sum(c.all_clear for c in result.checks),
    )


@router.post("/import/{token}/cancel")
def cancel(request: Request, user: Actor, token: str) -> Response:
    imports.cancel(web(request), user, token)
    return RedirectResponse("/import", status_code=303)
