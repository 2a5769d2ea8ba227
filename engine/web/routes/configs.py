"""The config editor: list, edit with validation at the line, impact preview, save, version
history and rollback; administrators only (``engine.web.policy``). Everything is done by
``engine.configs.editor``, as ``sauro config`` does it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from engine.configs import editor
from engine.errors import ConfigError
from engine.reminders.impact import preview_impact
from engine.store.db import session_scope
from engine.web import flash
from engine.web.changes import task_change
from engine.web.configs import editable_name, line_problems, problems_of, revisions, within
from engine.web.deps import MAX_ROW_ID, User, Web, checked_user, current_user, web
from engine.web.pages import render
from engine.web.policy import Action, authorize

router = APIRouter(include_in_schema=False)
RULES_FILE = "rules.yaml"
NOTE_MAX = 500  # the note of a saved revision, shown in the editor's history
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


@router.get("/configs")
def config_list(request: Request, user: Viewer) -> Response:
    authorize(user.principal, Action.EDIT_CONFIG)
    return render(request, "configs.html", user, names=list(editor.EDITABLE))


def _editor(
    request: Request, user: User, name: str, *, text: str | None = None, status: int = 200,
    cursor: str | None = None, **context: Any,
) -> Response:  # fmt: skip
    state = web(request)
    current = (
        text
        if text is not None
        else editor.load_current(config_dir=state.settings.config_dir, name=name)
    )
    listed = revisions(state.engine, name, cursor=cursor)
    return render(
        request,
        "config_edit.html",
        user,
        status=status,
        name=name,
        text=current,
        revisions=listed.rows,
        listed=listed,
        note_max=NOTE_MAX,
        **context,
    )


@router.get("/configs/{name:path}")
def config_page(request: Request, user: Viewer, name: str, cursor: str | None = None) -> Response:
    return _editor(request, user, editable_name(user, name), cursor=cursor)


@router.post("/configs/{name:path}/rollback")
def config_rollback(
    request: Request, user: Actor, name: str, revision_id: Annotated[int, Form(ge=1, le=MAX_ROW_ID)]
) -> Response:
    name = editable_name(user, name)
    state = web(request)
    try:
        with _unit_of_work(state, user, name) as session:
            revision = editor.rollback(
                session,
                config_dir=state.settings.config_dir,
                name=name,
                revision_id=revision_id,
                actor=user.actor(f"config {name} rollback"),
                now=state.clock(),
            )
    except ConfigError as error:
        return _refused(request, user, name, None, error)
    return flash.done(request, f"/configs/{name}", f"Đã lưu phiên bản {revision.number}.")


def _unit_of_work(state: Web, user: User, name: str) -> AbstractContextManager[Session]:
    """A saved ``rules.yaml`` judges every task again: the stored 6-rõ verdicts of every
    organization refreshed before the commit (``engine.web.changes``)."""
    if name == RULES_FILE:
        return task_change(state, user, every_org=True)
    return session_scope(state.engine)


def _refused(
    request: Request, user: User, name: str, text: str | None, error: ConfigError
) -> Response:
    return _editor(
        request, user, name, text=text, status=400,
        problems=line_problems(error.problems), error=error.message,
    )  # fmt: skip


@router.post("/configs/{name:path}")
def config_submit(
    request: Request,
    user: Actor,
    name: str,
    text: Annotated[str, Form()],
    action: Annotated[str, Form()] = "preview",
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
) -> Response:
    """``action=preview`` validates and shows the impact; ``action=save`` saves."""
    name = editable_name(user, name)
    state = web(request)
    config_dir = state.settings.config_dir
    problems = problems_of(config_dir=config_dir, name=name, text=text)
    if problems:
        return _editor(request, user, name, text=text, status=400, problems=line_problems(problems))
    try:
        if action != "save":
            impact = within(
                lambda: preview_impact(
                    database_url=state.settings.database_url,
                    config_dir=config_dir,
                    name=name,
                    text=text,
                    now=state.clock(),
                ),
                name=name,
            )
            return _editor(request, user, name, text=text, impact=impact, note=note)
        with _unit_of_work(state, user, name) as session:
            revision = editor.save_config(
                session,
                config_dir=config_dir,
                name=name,
                text=text,
                actor=user.actor(f"config {name} save"),
                now=state.clock(),
                note=note,
            )
    except ConfigError as error:
        return _refused(request, user, name, text, error)
    return flash.done(request, f"/configs/{name}", f"Đã lưu phiên bản {revision.number}.")
