"""The roll-up page's services: the children of the user's organization for a period
(``engine.reports.rollup``), and one child's issued report file.

Only a parent sees its children: the roll-up is always that of the user's own organization,
and a child's file is served only to the accounts of its parent, and only once the child
issued its report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.calendar.periods import Period, current_period, parse_period, periods_for_year
from engine.calendar.status import local_date
from engine.errors import NotFoundError, PermissionDeniedError, SauroError
from engine.reports.rollup import (
    RECEIVED,
    Rollup,
    build_rollup,
    children_of,
    has_children,
    period_reports,
    report_files,
)
from engine.web.deps import User, Web
from engine.web.policy import Action, allowed, authorize


def shown(state: Web, user: User) -> bool:
    """Whether the menu offers the roll-up: the role may see it and the organization has
    children in the database."""
    if not allowed(user.principal, Action.VIEW_ROLLUP):
        return False

    def read() -> bool:
        with state.engine.connect() as connection:
            return has_children(connection, user.org_code)

    return state.recent.get(user.principal.organization_id, "has children", read)


def periods(state: Web, today: date) -> list[Period]:
    """The enabled periods of last year and this year begun by ``today``, latest first."""
    configs = state.configs.get()
    calendar = state.calendar()
    found = [
        period
        for year in (today.year - 1, today.year)
        for period in periods_for_year(year, configs.reporting, calendar)
        if period.data_start <= today
    ]
    return sorted(found, key=lambda p: (p.data_end, p.data_start), reverse=True)


def default_period(state: Web, today: date) -> Period:
    """The period the children report on now: the last one closed by ``today``, else the
    current one."""
    closed = [p for p in periods(state, today) if p.data_end < today]
    if closed:
        return closed[0]
    configs = state.configs.get()
    return current_period(today, configs.reporting, state.calendar())


def chosen(state: Web, code: str | None) -> tuple[Period, str]:
    """The period ``code`` names and "", or the default one and the Vietnamese reason
    ``code`` names none."""
    today = local_date(state.clock())
    if not code:
        return default_period(state, today), ""
    try:
        return parse_period(code, state.configs.get().reporting, state.calendar()), ""
    except SauroError as problem:
        return default_period(state, today), str(problem)


def rollup(state: Web, user: User, period: Period) -> Rollup:
    """The roll-up of the user's organization for ``period`` as of now, from the
    children's stored 6-rõ verdicts (their writes and the daily cycle keep them current: a
    page never writes)."""
    authorize(user.principal, Action.VIEW_ROLLUP)
    configs = state.configs.get()
    now = state.clock()
    with state.engine.connect() as connection:
        return build_rollup(
            connection,
            parent_code=user.org_code,
            period=period,
            now=now,
            configs=configs,
            reports_dir=state.settings.reports_dir,
        )


def child_file(state: Web, user: User, period: Period, child: str, name: str) -> Path:
    """One file of ``child``'s report of ``period``, for an account of its parent, once the
    child issued it (``PermissionDeniedError`` for anyone else, ``NotFoundError`` for a
    file not there)."""
    authorize(user.principal, Action.VIEW_ROLLUP)
    with state.engine.connect() as connection:
        children = dict(children_of(connection, user.org_code))
        stored = period_reports(connection, user.org_code, period)
    if child not in children:
        raise PermissionDeniedError(
            f"Tài khoản '{user.username}' không có quyền xem báo cáo của cơ quan '{child}': "
            f"không phải cơ quan cấp dưới của {user.org_name}."
        )
    if child not in stored or stored[child][0] not in RECEIVED:
        raise NotFoundError(f"{children[child]} chưa ban hành báo cáo {period.label}.")
    files = report_files(state.settings.reports_dir, child, period.code)
    found = {path.name: path for path in files}
    if name not in found:
        raise NotFoundError(f"Không có tệp báo cáo {name}.")
    return found[name]
