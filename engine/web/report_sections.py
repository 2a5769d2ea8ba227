"""The report's sections on the web: the standing office reads each section's text in force
(saved, or drafted from the period's data through ``config/report/outline.yaml``), its
history, and saves a new revision (``engine.reports.sections``); the document is rebuilt
from the saved texts the next time the report is made."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from engine.calendar.periods import Period
from engine.calendar.status import local_date
from engine.errors import SauroError
from engine.reports.document import date_warnings
from engine.reports.sections import (
    OUTLINE_FILE,
    SECTION_TITLES,
    SectionRevision,
    SectionState,
    check_section,
    load_outline,
    save_section,
    section_states,
)
from engine.store.db import session_scope
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.reports import period_data


def states(state: Web, user: User, period: Period) -> list[SectionState]:
    """Every section of the period's report as the page shows it."""
    authorize(user.principal, Action.VIEW_REPORTS)
    data = period_data(state, user, period)
    outline = load_outline(state.settings.config_dir / "report" / OUTLINE_FILE)
    with Session(state.engine) as session:
        return section_states(session, data=data, outline=outline, now=state.clock())


def warnings(state: Web, user: User, period: Period) -> list[str]:
    """What to tell before the report is dated today (a day off, a date before the cut-off)."""
    data = period_data(state, user, period)
    return date_warnings(local_date(state.clock()), data, state.calendar())


def save(state: Web, user: User, period: Period, texts: Mapping[str, str]) -> list[SectionRevision]:
    """Save each given section's text as a new revision (one transaction, audited); a text
    equal to the one in force saves nothing. Returns the revisions saved."""
    authorize(user.principal, Action.EDIT_REPORT_TEXT)
    for section in texts:
        check_section(section)
    saved: list[SectionRevision] = []
    with session_scope(state.engine) as session:
        for section, text in texts.items():
            revision = save_section(
                session, org_code=user.org_code, period_code=period.code, section=section,
                text=text, actor=user.actor(f"web report sections {period.code}"),
                now=state.clock(),
            )  # fmt: skip
            if revision is not None:
                saved.append(revision)
    return saved


def saved_message(saved: list[SectionRevision]) -> str:
    if not saved:
        return "Nội dung không thay đổi; không lưu bản mới."
    names = ", ".join(f"{SECTION_TITLES[r.section]} (bản {r.revision})" for r in saved)
    return f"Đã lưu: {names}. Báo cáo lập lại sẽ dùng nội dung này."


__all__ = ["SauroError", "save", "saved_message", "states", "warnings"]
