"""``engine.reports.data`` on a real database (SQLite file and PostgreSQL): the seed-002
Phụ lục 2 of Kiến Tường with some tasks completed and extended, reported for 2024-Q2 and
2024. Every figure is checked against an independent SQL count over the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sauro_support import CONFIG, load_kien_tuong
from sqlalchemy import Connection, Engine, text

from engine.calendar.periods import Period, make_period, parse_period, parse_reporting
from engine.calendar.status import VN, TaskStatus
from engine.calendar.workdays import WorkCalendar, load_calendar
from engine.configs.files import Configs, load_configs
from engine.errors import NotFoundError
from engine.reports.data import ReportData, build_report_data
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.tasks.actions import (
    complete,
    decide_extension,
    find_task_id,
    request_extension,
)

CREATED = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_report_data")
CHAIRMAN = "Nguyễn Văn Vũ"
NOW = datetime(2024, 12, 20, 9, 0, tzinfo=VN)  # after both periods' cut-off
CALENDAR = WorkCalendar(load_calendar(CONFIG / "calendar.yaml"))
# config/reporting.yaml with plain Quý II enabled too (it has no twin among the others).
_REPORTING_TEXT = (CONFIG / "reporting.yaml").read_text(encoding="utf-8")
assert "periods: [quy-1, 6-thang, quy-3, nam]" in _REPORTING_TEXT
REPORTING = parse_reporting(
    _REPORTING_TEXT.replace(
        "periods: [quy-1, 6-thang, quy-3, nam]", "periods: [quy-1, q2, 6-thang, quy-3, nam]"
    ),
    "reporting.yaml",
)


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN)


def period(code: str) -> Period:
    return parse_period(code, REPORTING, CALENDAR)


@pytest.fixture(scope="module")
def configs() -> Configs:
    return load_configs(CONFIG)


@pytest.fixture(scope="module")
def areas(configs: Configs) -> list[tuple[str, str]]:
    return [(area.code, area.name) for area in configs.areas.areas]


@pytest.fixture
def db(db_engine: Engine, configs: Configs) -> Iterator[Engine]:
    """Kiến Tường's plan 3838/KH-UBND with some work done:

    - 2.2 (due 31/03) done 20/03, on time; 1.5 (due 31/03) done 10/04, late;
    - 6.2 (due 30/06) done 20/05, early; 1.9 (due 31/03) done 01/07, after the Q2 cut-off;
    - 1.1 (due 30/09) extended on 03/05 to 31/10 by the Chairman;
    - 6.1 (due 31/01) extension to 29/02 asked 20/01, refused; 7.1 extension asked 05/04,
      pending.
    """
    load_kien_tuong(db_engine, configs, actor=ACTOR, now=CREATED)
    with session_scope(db_engine) as session:

        def task(ref: str) -> int:
            return find_task_id(session, org_code="kien-tuong", ref=ref)

        def done(ref: str, on: date) -> None:
            complete(
                session=session,
                task_id=task(ref),
                result="Đã thực hiện",
                evidence="Báo cáo số 1/BC-UBND",
                completed_on=on,
                actor=ACTOR,
                now=vn(on.year, on.month, on.day, 17),
            )

        def extend(ref: str, new_due: date, asked: datetime, approve: bool | None) -> None:
            request = request_extension(
                session=session,
                task_id=task(ref),
                new_due=new_due,
                reason="Chờ hướng dẫn của tỉnh",
                actor=ACTOR,
                now=asked,
            )
            if approve is not None:
                decide_extension(
                    session=session,
                    request_id=int(request.id or 0),
                    approve=approve,
                    decider=CHAIRMAN,
                    note="",
                    actor=ACTOR,
                    now=asked + timedelta(days=1),
                )

        extend("6.1", date(2024, 2, 29), vn(2024, 1, 20), approve=False)
        done("2.2", date(2024, 3, 20))
        extend("7.1", date(2025, 1, 31), vn(2024, 4, 5), approve=None)
        done("1.5", date(2024, 4, 10))
        extend("1.1", date(2024, 10, 31), vn(2024, 5, 2), approve=True)
        done("6.2", date(2024, 5, 20))
        done("1.9", date(2024, 7, 1))
    yield db_engine


def build(
    engine: Engine, code: str, areas: list[tuple[str, str]], org: str = "kien-tuong"
) -> ReportData:
    with engine.connect() as connection:
        return build_report_data(
            connection, org_code=org, period=period(code), now=NOW, areas=areas
        )


# -- the independent SQL ---------------------------------------------------------------------

_SCOPE = """
    FROM task t JOIN plan p ON p.id = t.plan_id JOIN organization o ON o.id = t.organization_id
    WHERE o.code = :org AND t.state <> 'withdrawn' AND (
        (t.due_date BETWEEN :ds AND :de)
        OR ((t.state = 'open' OR t.completed_on > :today)
            AND COALESCE(t.start_date, p.issued_on) <= :de
            AND (t.due_date IS NULL OR t.due_date >= :ds OR t.due_date < :today))
        OR (t.state = 'done' AND t.completed_on BETWEEN :ds AND :today))
"""
_DONE = "(t.state = 'done' AND t.completed_on <= :today)"
_OPEN = f"(NOT {_DONE})"
_STATUS_SQL = {
    TaskStatus.DONE_ON_TIME: f"{_DONE} AND (t.due_date IS NULL OR t.completed_on <= t.due_date)",
    TaskStatus.DONE_LATE: f"{_DONE} AND t.completed_on > t.due_date",
    TaskStatus.IN_PROGRESS: f"{_OPEN} AND t.due_date >= :today",
    TaskStatus.OVERDUE: f"{_OPEN} AND t.due_date < :today",
    TaskStatus.NO_DEADLINE: f"{_OPEN} AND t.due_date IS NULL",
}


def params(code: str, org: str = "kien-tuong") -> dict[str, Any]:
    p = period(code)
    today = min(NOW.astimezone(VN).date(), p.data_end)
    return {"org": org, "ds": p.data_start, "de": p.data_end, "today": today}


def sql_count(connection: Connection, code: str, condition: str = "1 = 1", **extra: Any) -> int:
    query = text(f"SELECT COUNT(*) {_SCOPE} AND ({condition})")
    return int(connection.execute(query, {**params(code), **extra}).scalar_one())


def sql_refs(connection: Connection, code: str) -> set[str]:
    return {r[0] for r in connection.execute(text(f"SELECT t.ref {_SCOPE}"), params(code))}


# -- tests -----------------------------------------------------------------------------------

Q2_REFS = {
    # due 15/03-14/06: 31/03 falls in Quý II's data range (from 15/03)
    "1.3", "1.5", "1.9", "2.2", "3.1",
    # open, running over the range (including the overdue carried over and no-deadline ones)
    "1.1", "1.2", "1.6", "1.7", "1.8", "1.10", "1.11", "2.1", "2.3", "3.2", "3.4", "4.1",
    "4.2", "5.1", "5.2", "5.3", "6.1", "6.3", "6.4", "7.1", "7.2",
    # completed within the range (due 30/06, after the cut-off)
    "6.2",
}  # fmt: skip


def test_scope_q2(db: Engine, areas: list[tuple[str, str]]) -> None:
    data = build(db, "2024-Q2", areas)
    refs = {t.ref for t in data.tasks}
    assert refs == Q2_REFS
    with db.connect() as connection:
        assert refs == sql_refs(connection, "2024-Q2")
    # 1.4, 2.4, 3.3 start after the cut-off 14/06
    assert not refs & {"1.4", "2.4", "3.3"}
    assert data.period_code == "2024-Q2"
    assert (data.data_start, data.data_end) == (date(2024, 3, 15), date(2024, 6, 14))
    assert data.as_of.astimezone(VN).date() == date(2024, 6, 14)
    assert set(data.due_in_period) == {"1.3", "1.5", "1.9", "2.2", "3.1"}
    assert data.org_name == "Ủy ban nhân dân thị xã Kiến Tường"
    assert (data.org_place, data.org_level) == ("Kiến Tường", "district")


def test_statuses_as_of_the_cut_off(db: Engine, areas: list[tuple[str, str]]) -> None:
    q2 = {t.ref: t for t in build(db, "2024-Q2", areas).tasks}
    year = {t.ref: t for t in build(db, "2024", areas).tasks}
    assert q2["2.2"].status is TaskStatus.DONE_ON_TIME
    assert q2["1.5"].status is TaskStatus.DONE_LATE
    assert q2["6.2"].status is TaskStatus.DONE_ON_TIME
    # completed 01/07: still open (overdue) at the Quý II cut-off, done late for the year
    assert q2["1.9"].status is TaskStatus.OVERDUE
    assert q2["1.9"].completed_on is None
    assert year["1.9"].status is TaskStatus.DONE_LATE
    assert year["1.9"].completed_on == date(2024, 7, 1)
    assert q2["1.1"].extended and q2["1.1"].original_due == date(2024, 9, 30)
    assert q2["1.1"].due == date(2024, 10, 31)
    assert q2["1.1"].status is TaskStatus.IN_PROGRESS
    assert q2["1.1"].lead_unit == "Phòng Nội vụ"
    assert q2["1.6"].status is TaskStatus.NO_DEADLINE and q2["1.6"].lead_unit is None
    assert q2["3.1"].status_label == "Chưa hoàn thành quá hạn"


@pytest.mark.parametrize("code", ["2024-Q2", "2024", "2024-H1"])
def test_totals_equal_sql_counts(db: Engine, areas: list[tuple[str, str]], code: str) -> None:
    data = build(db, code, areas)
    with db.connect() as connection:
        assert data.totals.total == len(data.tasks) == sql_count(connection, code)
        for status, condition in _STATUS_SQL.items():
            assert data.totals.of(status) == sql_count(connection, code, condition), status
        for code_, _ in areas:
            row = next(r for r in data.by_area if r.code == code_)
            assert row.counts.total == sql_count(connection, code, "t.area = :a", a=code_)
            assert row.counts.overdue == sql_count(
                connection, code, f"t.area = :a AND {_STATUS_SQL[TaskStatus.OVERDUE]}", a=code_
            )
        for unit_row in data.by_unit:
            if unit_row.name.startswith("Chưa rõ"):
                condition, extra = "t.lead_unit_id IS NULL", {}
            else:
                condition = "t.lead_unit_id IN (SELECT id FROM unit WHERE name = :u)"
                extra = {"u": unit_row.name}
            assert unit_row.counts.total == sql_count(connection, code, condition, **extra)
        unclear = sql_count(connection, code, "t.unclear <> ''")
        assert (data.compliance.clear, data.compliance.unclear) == (
            data.totals.total - unclear,
            unclear,
        )
        due = sql_count(connection, code, "t.due_date BETWEEN :ds AND :de")
        done_due = sql_count(connection, code, f"t.due_date BETWEEN :ds AND :de AND {_DONE}")
        assert (data.indicators.completion.numerator, data.indicators.completion.denominator) == (
            done_due,
            due,
        )
        assert data.indicators.on_time.denominator == sql_count(connection, code, _DONE)
        overdue = sql_count(connection, code, _STATUS_SQL[TaskStatus.OVERDUE])
        assert len(data.overdue) == overdue
    # every area listed, in config order, and the rows sum to the total
    assert [r.code for r in data.by_area][: len(areas)] == [c for c, _ in areas]
    assert sum(r.counts.total for r in data.by_area) == data.totals.total
    assert sum(r.counts.total for r in data.by_unit) == data.totals.total
    for status in _STATUS_SQL:
        assert sum(r.counts.of(status) for r in data.by_area) == data.totals.of(status)


def test_indicators_q2(db: Engine, areas: list[tuple[str, str]]) -> None:
    data = build(db, "2024-Q2", areas)
    # due in Quý II: 1.3, 1.5, 1.9, 2.2, 3.1; done by 14/06: 1.5 (late), 2.2
    completion = data.indicators.completion
    assert (completion.numerator, completion.denominator) == (2, 5)
    assert completion.fraction == pytest.approx(0.4)
    assert completion.percent == 40.0
    # done in scope: 2.2, 6.2 on time; 1.5 late
    on_time = data.indicators.on_time
    assert (on_time.numerator, on_time.denominator) == (2, 3)
    assert on_time.percent == 66.7


def test_overdue_list_q2(db: Engine, areas: list[tuple[str, str]]) -> None:
    overdue = {o.ref: o for o in build(db, "2024-Q2", areas).overdue}
    assert {"1.2", "1.3", "1.9", "3.1", "6.1"} <= set(overdue)
    assert overdue["3.1"].due == date(2024, 3, 31)
    assert overdue["3.1"].days_late == (date(2024, 6, 14) - date(2024, 3, 31)).days == 75
    assert overdue["3.1"].unit == "Văn phòng HĐND và UBND thị xã"
    assert "1.5" not in overdue and "2.2" not in overdue
    days = [o.days_late for o in build(db, "2024-Q2", areas).overdue]
    assert days == sorted(days, reverse=True)


def test_extensions_within_the_period(db: Engine, areas: list[tuple[str, str]]) -> None:
    q2 = build(db, "2024-Q2", areas).extensions
    assert [(e.ref, e.old_due, e.new_due, e.status, e.decided_by) for e in q2] == [
        ("7.1", date(2024, 12, 31), date(2025, 1, 31), "pending", ""),
        ("1.1", date(2024, 9, 30), date(2024, 10, 31), "approved", CHAIRMAN),
    ]
    assert q2[1].status_label == "Đã phê duyệt"
    year = build(db, "2024", areas).extensions
    assert [(e.ref, e.status) for e in year] == [
        ("6.1", "refused"),
        ("7.1", "pending"),
        ("1.1", "approved"),
    ]
    with db.connect() as connection:
        total = connection.execute(text("SELECT COUNT(*) FROM extension_request")).scalar_one()
    assert len(year) == total == 3


def test_a_period_with_no_data(db: Engine, areas: list[tuple[str, str]]) -> None:
    for data in (
        build(db, "2022", areas),  # before the plan (dated 28/12/2023)
        build(db, "2024-Q2", areas, org="xuan-duong"),  # no plan at all
    ):
        assert data.tasks == () and data.overdue == () and data.extensions == ()
        assert data.totals.total == 0
        assert [r.code for r in data.by_area] == [c for c, _ in areas]
        assert all(r.counts.total == 0 for r in data.by_area)
        assert data.by_unit == ()
        assert (data.compliance.clear, data.compliance.unclear) == (0, 0)
        for rate in (data.indicators.completion, data.indicators.on_time):
            assert rate.denominator == 0 and rate.fraction is None and rate.percent is None


def test_compliance_reads_the_stored_verdict(db: Engine, areas: list[tuple[str, str]]) -> None:
    with db.begin() as connection:
        connection.execute(  # the import stored its own verdicts: these two alone now
            text(
                "UPDATE task SET unclear = CASE WHEN ref IN ('1.6', '3.1') "
                "THEN 'person,deadline' ELSE '' END"
            )
        )
    data = build(db, "2024-Q2", areas)
    assert data.compliance.unclear == 2
    assert data.compliance.clear == data.totals.total - 2
    assert dict(data.compliance.unclear_refs) == {
        "1.6": "person,deadline",
        "3.1": "person,deadline",
    }


def test_as_of_is_now_before_the_cut_off(db: Engine, areas: list[tuple[str, str]]) -> None:
    """Built during the period, statuses are those of ``now``: 6.2 not done yet on 15/05."""
    with db.connect() as connection:
        data = build_report_data(
            connection,
            org_code="kien-tuong",
            period=period("2024-Q2"),
            now=vn(2024, 5, 15),
            areas=areas,
        )
    by_ref = {t.ref: t for t in data.tasks}
    assert data.as_of == vn(2024, 5, 15)
    assert by_ref["6.2"].status is TaskStatus.IN_PROGRESS
    assert next(o for o in data.overdue if o.ref == "3.1").days_late == 45


def test_unknown_organization(db: Engine, areas: list[tuple[str, str]]) -> None:
    with db.connect() as connection, pytest.raises(NotFoundError):
        build_report_data(
            connection, org_code="khong-co", period=period("2024"), now=NOW, areas=areas
        )


def test_plain_quarter_matches_make_period() -> None:
    assert period("2024-Q2") == make_period("q2", 2024, REPORTING, CALENDAR)
