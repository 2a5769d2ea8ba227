"""The config editor: list, edit with validation at the line, impact preview, save, version
history and rollback; administrators only (``engine.web.policy``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.db import session_scope
from engine.errors import ConfigError
from engine.web.configs import editable_name, line_problems, store
from engine.web.deps import User, checked_user, current_user, web
from engine.web.pages import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
Actor = Annotated[User, Depends(checked_user)]


@router.get("/configs")
def config_list(request: Request, user: Viewer) -> Response:
    module = store(user)
    return render(request, "configs.html", user, names=list(module.EDITABLE))


def _history(request: Request, module: Any, name: str) -> list[Any]:
    with session_scope(web(request).engine) as session:
        return list(module.history(session, name=name))


def _editor(
    request: Request,
    user: User,
    module: Any,
    name: str,
    *,
    text: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    state = web(request)
    current = (
        text
        if text is not None
        else module.load_current(config_dir=state.settings.config_dir, name=name)
    )
    return render(
        request,
        "config_edit.html",
        user,
        status=status,
        name=name,
        text=current,
        revisions=_history(request, module, name),
        **context,
    )


@router.get("/configs/{name:path}")
def config_page(request: Request, user: Viewer, name: str, saved: str = "") -> Response:
    module = store(user)
    return _editor(request, user, module, editable_name(module, name), saved=saved)


@router.post("/configs/{name:path}/rollback")
def config_rollback(
    request: Request, user: Actor, name: str, revision_id: Annotated[int, Form()]
) -> Response:
    module = store(user)
    name = editable_name(module, name)
    state = web(request)
    with session_scope(state.engine) as session:
        revision = module.rollback(
            session,
            config_dir=state.settings.config_dir,
            name=name,
            revision_id=revision_id,
            actor=user.actor(f"config {name} rollback"),
            now=state.clock(),
        )
        number = revision.number
    return RedirectResponse(f"/configs/{name}?saved={number}", status_code=303)


@router.post("/configs/{name:path}")
def config_submit(
    request: Request,
    user: Actor,
    name: str,
    text: Annotated[str, Form()],
    action: Annotated[str, Form()] = "preview",
    note: Annotated[str, Form()] = "",
) -> Response:
    """``action=preview`` validates and shows the impact; ``action=save`` saves."""
    module = store(user)
    name = editable_name(module, name)
    state = web(request)
    text = text.replace("\r\n", "\n")
    problems = module.validate_text(config_dir=state.settings.config_dir, name=name, text=text)
    if problems:
        return _editor(
            request, user, module, name, text=text, status=400, problems=line_problems(problems)
        )
    if action != "save":
        impact = module.preview_impact(
            database_url=state.settings.database_url,
            config_dir=state.settings.config_dir,
            name=name,
            text=text,
            now=state.clock(),
        )
        return _editor(request, user, module, name, text=text, impact=impact, note=note)
    try:
        with session_scope(state.engine) as session:
            revision = module.save_config(
                session,
                config_dir=state.settings.config_dir,
                name=name,
                text=text,
                actor=user.actor(f"config {name} save"),
                now=state.clock(),
                note=note,
            )
            number = revision.number
    except ConfigError as error:
        return _editor(
            request, user, module, name, text=text, status=400,
            problems=line_problems(error.problems), error=error.message,
        )  # fmt: skip
    return RedirectResponse(f"/configs/{name}?saved={number}", status_code=303)
