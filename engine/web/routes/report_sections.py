"""The report sections page: GET /reports/{period}/sections shows one textarea per section
(the text in force or the data's draft, with its history); POST saves the changed ones as
new revisions. ``?draft=<section>`` puts the data's draft back in that section's box
("Viết lại từ số liệu"), saved only when the form is sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from engine.errors import PermissionDeniedError, SauroError
from engine.reports.sections import SECTIONS
from engine.web import flash, report_sections, reports
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, allowed

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: User,
    code: str,
    *,
    draft: str = "",
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    state = web(request)
    period = reports.chosen_period(state, code)
    sections = report_sections.states(state, user, period)
    texts = {s.section: s.draft if s.section == draft else s.text for s in sections}
    texts.update(values or {})
    return render(
        request, "report_sections.html", user, status=status, period=period,
        sections=sections, texts=texts, error=error,
        warnings=report_sections.warnings(state, user, period),
        can_edit=allowed(user.principal, Action.EDIT_REPORT_TEXT),
    )  # fmt: skip


@router.get("/reports/{period}/sections")
def sections_page(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    period: str,
    draft: str = "",
) -> Response:
    return _page(request, user, period, draft=draft if draft in SECTIONS else "")


@router.post("/reports/{period}/sections")
async def save_sections(
    request: Request, user: Annotated[User, Depends(checked_user)], period: str
) -> Response:
    state = web(request)
    form = await request.form()
    texts = {key: str(form[f"text-{key}"]) for key in SECTIONS if f"text-{key}" in form}
    try:
        chosen = reports.chosen_period(state, period)
        saved = report_sections.save(state, user, chosen, texts)
    except PermissionDeniedError:
        raise
    except SauroError as problem:
        return _page(request, user, period, values=texts, error=str(problem), status=400)
    return flash.done(
        request, f"/reports/{chosen.code}/sections", report_sections.saved_message(saved)
    )
