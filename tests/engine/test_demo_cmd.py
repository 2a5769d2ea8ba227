"""``sauro demo``: a live commune built relative to the day it is given, on both databases."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sauro_support import Sauro
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from engine.calendar.status import VN, task_status
from engine.store.models import Plan, Task, UnitReport, UserAccount

TODAY = date(2026, 11, 20)  # a Friday: Quý III 2026 has closed, năm 2026 is running


def _statuses(url: str) -> dict[str, str]:
    engine = create_engine(url)
    now = datetime(2026, 11, 20, 12, tzinfo=VN)
    try:
        with Session(engine) as session:
            tasks = session.exec(select(Task)).all()
            return {
                t.ref: str(task_status(state=t.state, due=t.due_date, completed_on=t.completed_on,
                                       now=now))
                for t in tasks
            }  # fmt: skip
    finally:
        engine.dispose()


def test_the_demo_lives_today(loaded: Sauro) -> None:
    result = loaded.ok("demo", "--today", TODAY.isoformat())

    assert "kỳ vừa kết thúc: Quý III năm 2026" in result.output
    assert "sauro serve" in result.output and "mật khẩu chung: demo-sau-ro" in result.output
    assert Path("dang-nhap.txt").read_text(encoding="utf-8").startswith("Xuân Dương")
    statuses = _statuses(loaded.url)
    counts = {s: list(statuses.values()).count(s) for s in set(statuses.values())}
    assert counts["done_on_time"] >= 2 and counts["done_late"] >= 2
    assert counts["overdue"] >= 2 and counts["in_progress"] >= 5 and counts["awaiting"] == 1
    engine = create_engine(loaded.url)
    try:
        with Session(engine) as session:
            plan = session.exec(select(Plan)).one()
            dues = [t.due_date for t in session.exec(select(Task)) if t.due_date is not None]
            reports = session.exec(
                select(UnitReport).where(col(UnitReport.period_code) == "2026-Q3")
            ).all()
            roles = {a.role for a in session.exec(select(UserAccount))}
    finally:
        engine.dispose()
    assert plan.issued_on is not None and plan.issued_on.year == TODAY.year
    # nothing years late: every deadline within this year and the next
    assert all(abs((due - TODAY).days) < 366 for due in dues)
    assert reports and all(r.submitted_at is not None for r in reports)
    late = [r for r in reports if r.submitted_at and r.submitted_at.date() > r.due]
    assert len(late) == 1
    assert len(roles) == 6  # an account for every role
    folder = Path("bao-cao") / "xuan-duong" / "2026-Q3" / "xuan-duong-2026-Q3"
    assert (folder / "bao-cao-xuan-duong-2026-Q3.docx").is_file()
