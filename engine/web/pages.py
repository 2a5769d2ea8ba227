"""Rendering pages: the shared context (user, menu, labels), date filters, the error page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from engine.calendar.deadlines import format_date
from engine.calendar.status import LABELS, VN
from engine.directory.accounts import ROLE_LABELS
from engine.errors import ConfigError
from engine.reports.document import rate_text
from engine.store.models import UserRole
from engine.tasks.history import STATUS_WORDS, history_lines
from engine.tasks.limits import FORM_LIMITS
from engine.web import flash, notices, rollup
from engine.web.deps import User, Web, web
from engine.web.policy import Action, allowed
from rules.facts import Dimension


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str


_MENU: tuple[tuple[Action, str, str], ...] = (
    (Action.VIEW_DASHBOARD, "/dashboard", "Bảng điều hành"),
    (Action.VIEW_TASKS, "/tasks", "Nhiệm vụ"),
    (Action.COORDINATE_TASK, "/tasks?coordinator={unit}", "Phối hợp"),
    (Action.ASSIGN_TASK, "/tasks/new", "Giao nhiệm vụ"),
    (Action.VIEW_PLANS, "/plans", "Kế hoạch, văn bản"),
    (Action.IMPORT_PLAN, "/import", "Nhập kế hoạch"),
    (Action.SUBMIT_UNIT_REPORT, "/unit-reports", "Báo cáo đơn vị"),
    (Action.VIEW_REPORTS, "/reports", "Báo cáo kỳ"),
    (Action.VIEW_ROLLUP, "/rollup", "Tổng hợp cấp dưới"),
    (Action.EDIT_CONFIG, "/configs", "Cấu hình"),
    (Action.EDIT_PEOPLE, "/directory", "Danh mục"),
    (Action.MANAGE_USERS, "/accounts", "Tài khoản"),
)


# Entries shown only when a further check holds: the roll-up for an organization with
# children in the database.
_SHOWN: dict[Action, Callable[[Web, User], bool]] = {Action.VIEW_ROLLUP: rollup.shown}


def menu(user: User, state: Web | None = None) -> list[MenuItem]:
    """The pages ``user`` may open, in menu order ("Phối hợp": the tasks the user's unit
    coordinates, for the people of a unit); without ``state`` the entries of ``_SHOWN``
    are left out."""
    unit = user.principal.unit_id
    return [
        MenuItem(href.format(unit=unit), label)
        for action, href, label in _MENU
        if allowed(user.principal, action)
        and (unit is not None or "{unit}" not in href)
        and (action not in _SHOWN or (state is not None and _SHOWN[action](state, user)))
    ]


def home(user: User) -> str:
    """Where a user lands after login."""
    if user.role in {UserRole.CHAIRMAN, UserRole.VICE_CHAIRMAN}:
        return "/dashboard"
    if user.role == UserRole.ADMIN:
        return "/configs"
    return "/tasks"


def _date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value.astimezone(VN):%H:%M %d/%m/%Y}"
    return format_date(value)


def _lines(text: str | None) -> Markup:
    """A multi-line text shown with its line breaks (each line escaped)."""
    return Markup("<br>").join(escape(line) for line in (text or "").split("\n"))


def badges_html(clear: Mapping[Dimension, bool], labels: Mapping[str, str]) -> Markup:
    """The six badges of a verdict (``_macros.html``'s ``badges``), escaped: a list page
    shows fifty of them, nearly all alike, so each distinct one is built once."""
    return _badges(tuple(bool(clear[d]) for d in Dimension), tuple(labels[d] for d in Dimension))


@lru_cache(maxsize=1024)
def _badges(clear: tuple[bool, ...], labels: tuple[str, ...]) -> Markup:
    badge = Markup('<span class="badge {}" title="{}: {}">{}</span>')
    shown = (
        badge.format("ok" if ok else "no", label, "đã rõ" if ok else "chưa rõ", label)
        for ok, label in zip(clear, labels, strict=True)
    )
    return Markup('<span class="badges">{}</span>').format(Markup("").join(shown))


def install_filters(templates: Jinja2Templates) -> None:
    """Filters and constants every template uses."""
    env = templates.env
    env.filters["vn_date"] = _date
    env.filters["lines"] = _lines
    env.filters["rate_text"] = rate_text
    env.globals["STATUS_LABELS"] = {str(k): v for k, v in LABELS.items()}
    env.globals["ROLE_LABELS"] = {str(k): v for k, v in ROLE_LABELS.items()}
    env.globals["DIMENSIONS"] = list(Dimension)
    env.globals["history_lines"] = history_lines
    env.globals["badges_html"] = badges_html
    env.globals["EXTENSION_WORDS"] = {str(k): v for k, v in STATUS_WORDS.items()}
    env.globals["LIMITS"] = FORM_LIMITS


def dimension_labels(state: Web) -> dict[str, str]:
    """What each dimension is called (rules.yaml), falling back to its code when the
    configs cannot be read."""
    try:
        labels = state.configs.get().rules.labels
    except ConfigError:
        return {str(d): str(d) for d in Dimension}
    return {str(d): labels[d] for d in Dimension}


def render(
    request: Request, template: str, user: User | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """The page ``template`` with the shared context (and the one-time message of the
    form saved just before, shown once)."""
    state = web(request)
    shared = {
        "user": user,
        "menu": menu(user, state) if user else [],
        "unread": notices.unread(state, user) if user else 0,
        "dimension_labels": dimension_labels(state),
        "path": request.url.path,
        "flash": flash.take(request),
    }
    response = state.templates.TemplateResponse(
        request, template, {**shared, **context}, status_code=status
    )
    flash.clear(request, response)
    return response


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    """A page saying what went wrong (the menu needs a user: try the session)."""
    from engine.web.deps import LoginRequiredError, current_user

    try:
        user: User | None = current_user(request)
    except LoginRequiredError:
        user = None
    return render(request, "error.html", user, status=status, message=message, code=status)
