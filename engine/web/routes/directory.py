"""The directory pages: units and people of the organization (``/directory``), a unit's page
(rename, outside body or not, head and deputies, merge after a confirmation) and a
person's page (edit, move to another unit, mark as left, with their open tasks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from engine.calendar.status import local_date
from engine.directory.editing import PersonFields
from engine.errors import PermissionDeniedError, SauroError
from engine.tasks.reassignment import Outcome
from engine.web import directory, flash
from engine.web.deps import RowId, User, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]
Text = Annotated[str, Form(max_length=4000)]


def _overview(
    request: Request,
    user: User,
    *,
    error: str = "",
    status: int = 200,
    failed: str = "",
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The directory; after a refused form, ``failed`` names it ("person", "unit") and
    ``typed`` holds what was typed in it."""
    view = directory.overview(web(request), user)
    return render(
        request, "directory.html", user, status=status, error=error, view=view,
        roles=directory.ROLE_WORDS, failed=failed, typed=typed or {},
    )  # fmt: skip


def _unit(
    request: Request,
    user: User,
    unit_id: int,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    page = directory.unit_page(web(request), user, unit_id)
    return render(
        request, "directory_unit.html", user, status=status, error=error, page=page,
        roles=directory.ROLE_WORDS,
    )  # fmt: skip


def _person(
    request: Request,
    user: User,
    person_id: int,
    *,
    error: str = "",
    status: int = 200,
    failed: str = "",
    typed: Mapping[str, str] | None = None,
) -> Response:
    state = web(request)
    page = directory.person_page(state, user, person_id)
    return render(
        request, "directory_person.html", user, status=status, error=error, page=page,
        roles=directory.ROLE_WORDS, today=local_date(state.clock()).isoformat(),
        failed=failed, typed=typed or {},
    )  # fmt: skip


def _acted(
    request: Request, act: Callable[[], str], shown: Callable[..., Response], back: str
) -> Response:
    """Run ``act``; back to the page ``back`` saying what it did, or the page with why it
    was refused (400). A refusal by the policy is the 403 page."""
    try:
        done = act()
    except PermissionDeniedError:
        raise
    except SauroError as error:
        return shown(error=str(error), status=400)
    return flash.done(request, back, done)


@router.get("/directory")
def overview(request: Request, user: Viewer) -> Response:
    return _overview(request, user)


@router.post("/directory/units")
def add_unit(
    request: Request,
    user: Actor,
    name: Text,
    kind: Annotated[str, Form()] = "internal",
    code: Annotated[str, Form(max_length=64)] = "",
    head_name: Text = "",
    head_title: Text = "",
    head_email: Text = "",
    head_phone: Text = "",
) -> Response:
    head = PersonFields(head_name, head_title, head_email, head_phone) if head_name else None

    def act() -> str:
        unit = directory.add_unit(web(request), user, name=name, kind=kind, code=code, head=head)
        return f"Đã thêm {unit.name} ({unit.code})."

    typed = {"name": name, "code": code, "head_name": head_name, "head_title": head_title,
             "head_email": head_email, "head_phone": head_phone}  # fmt: skip
    shown = partial(_overview, request, user, failed="unit", typed=typed)
    return _acted(request, act, shown, "/directory")


@router.get("/directory/units/{unit_id}")
def unit_page(request: Request, user: Viewer, unit_id: RowId) -> Response:
    return _unit(request, user, unit_id)


@router.post("/directory/units/{unit_id}")
def edit_unit(
    request: Request,
    user: Actor,
    unit_id: RowId,
    name: Text,
    abbreviations: Text = "",
    aliases: Text = "",
) -> Response:
    def act() -> str:
        directory.edit_unit(
            web(request), user, unit_id, name=name,
            abbreviations=directory.forms_of(abbreviations), aliases=directory.forms_of(aliases),
        )  # fmt: skip
        return "Đã lưu tên đơn vị."

    return _acted(
        request, act, lambda **kw: _unit(request, user, unit_id, **kw),
        f"/directory/units/{unit_id}",
    )  # fmt: skip


@router.post("/directory/units/{unit_id}/kind")
def set_kind(
    request: Request, user: Actor, unit_id: RowId, kind: Annotated[str, Form()]
) -> Response:
    def act() -> str:
        directory.set_kind(web(request), user, unit_id, kind)
        return "Đã đổi loại đơn vị."

    return _acted(
        request, act, lambda **kw: _unit(request, user, unit_id, **kw),
        f"/directory/units/{unit_id}",
    )  # fmt: skip


@router.post("/directory/units/{unit_id}/head")
def set_head(
    request: Request, user: Actor, unit_id: RowId, person_id: Annotated[int, Form(ge=1)]
) -> Response:
    def act() -> str:
        directory.set_head(web(request), user, unit_id, person_id)
        return "Đã đổi người đứng đầu."

    return _acted(
        request, act, lambda **kw: _unit(request, user, unit_id, **kw),
        f"/directory/units/{unit_id}",
    )  # fmt: skip


@router.post("/directory/units/{unit_id}/deputies")
def set_deputies(
    request: Request,
    user: Actor,
    unit_id: RowId,
    person_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    def act() -> str:
        directory.set_deputies(web(request), user, unit_id, person_ids or [])
        return "Đã lưu cấp phó."

    return _acted(
        request, act, lambda **kw: _unit(request, user, unit_id, **kw),
        f"/directory/units/{unit_id}",
    )  # fmt: skip


@router.post("/directory/units/{unit_id}/merge")
def merge(
    request: Request,
    user: Actor,
    unit_id: RowId,
    target_id: Annotated[int, Form(ge=1)],
    move_people: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Without ``confirm=yes``: the confirmation page (what would move); with it: merged."""
    state = web(request)
    if confirm != "yes":
        authorize(user.principal, Action.MANAGE_DIRECTORY)
        page = directory.unit_page(state, user, unit_id)
        target = next((u for u in page.targets if u.id == target_id), None)
        if target is None:
            return _unit(request, user, unit_id, error="Hãy chọn đơn vị nhận.", status=400)
        return render(
            request, "directory_merge.html", user, page=page, target=target,
            move_people=move_people == "yes",
        )  # fmt: skip

    def act() -> str:
        done = directory.merge(state, user, unit_id, target_id, move_people=move_people == "yes")
        return (
            f"Đã sáp nhập {done.source.name} vào {done.target.name}: chuyển {len(done.tasks)} "
            f"nhiệm vụ, {len(done.people)} cán bộ."
        )

    return _acted(
        request, act, lambda **kw: _unit(request, user, unit_id, **kw),
        f"/directory/units/{unit_id}",
    )  # fmt: skip


@router.post("/directory/people")
def add_person(
    request: Request,
    user: Actor,
    unit_id: Annotated[int, Form(ge=1)],
    name: Text,
    title: Text,
    email: Text,
    phone: Text = "",
    zalo: Text = "",
    deputy: Annotated[str, Form()] = "",
) -> Response:
    fields = PersonFields(name, title, email, phone, zalo)

    def act() -> str:
        person = directory.add_person(web(request), user, unit_id, fields, deputy=deputy == "yes")
        return f"Đã thêm {person.name}."

    typed = {"unit_id": str(unit_id), "name": name, "title": title, "email": email,
             "phone": phone, "zalo": zalo}  # fmt: skip
    shown = partial(_overview, request, user, failed="person", typed=typed)
    return _acted(request, act, shown, "/directory")


@router.get("/directory/people/{person_id}")
def person_page(request: Request, user: Viewer, person_id: RowId) -> Response:
    return _person(request, user, person_id)


@router.post("/directory/people/{person_id}")
def edit_person(
    request: Request,
    user: Actor,
    person_id: RowId,
    name: Text,
    title: Text,
    email: Text,
    phone: Text = "",
    zalo: Text = "",
) -> Response:
    fields = PersonFields(name, title, email, phone, zalo)

    def act() -> str:
        directory.edit_person(web(request), user, person_id, fields)
        return "Đã lưu thông tin cán bộ."

    typed = {"name": name, "title": title, "email": email, "phone": phone, "zalo": zalo}
    shown = partial(_person, request, user, person_id, failed="edit", typed=typed)
    return _acted(request, act, shown, f"/directory/people/{person_id}")


@router.post("/directory/people/{person_id}/move")
async def move_person(request: Request, user: Actor, person_id: RowId) -> Response:
    form = await request.form()
    unit_text = str(form.get("unit_id", ""))
    reason = str(form.get("reason", ""))[:2000]

    def act() -> str:
        if not unit_text.isdigit():
            raise SauroError("Hãy chọn đơn vị mới.")
        choices = directory.choices_from(form)
        done = directory.move_person(
            web(request), user, person_id, int(unit_text), choices, reason=reason
        )
        return f"Đã chuyển {done.person.name} sang đơn vị mới. " + _outcome(done)

    return _acted(
        request, act, lambda **kw: _person(request, user, person_id, **kw),
        f"/directory/people/{person_id}",
    )  # fmt: skip


@router.post("/directory/people/{person_id}/leave")
async def mark_left(request: Request, user: Actor, person_id: RowId) -> Response:
    form = await request.form()
    reason = str(form.get("reason", ""))[:2000]

    def act() -> str:
        on = _day(str(form.get("left_on", "")))
        choices = directory.choices_from(form)
        done = directory.mark_left(web(request), user, person_id, on, choices, reason=reason)
        return f"Đã ghi {done.person.name} nghỉ từ {on:%d/%m/%Y}. " + _outcome(done)

    return _acted(
        request, act, lambda **kw: _person(request, user, person_id, **kw),
        f"/directory/people/{person_id}",
    )  # fmt: skip


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SauroError("Ngày nghỉ không hợp lệ (dạng YYYY-MM-DD).") from None


def _outcome(done: Outcome) -> str:
    parts = [
        f"giao người khác {len(done.given)}",
        f"để trống người thực hiện {len(done.cleared)}",
        f"theo người sang đơn vị mới {len(done.followed)}",
        f"giữ nguyên {len(done.kept)}",
    ]
    return "Nhiệm vụ đang làm: " + ", ".join(parts) + "."
