"""The reports page's services: generate a period report (the NĐ 30 ``.docx``, its PDF when
LibreOffice is installed, the annex ``.xlsx``) in the background, the periods the
organization has tasks in, and the status of the units' reports for a period
(``unit_report``).

``generate`` and ``start_report`` are the ONE place the web app calls the report engine:
``engine.reports.assembly.write_period_report``, as ``sauro report`` and the reporting flow
do, into the same folder (``SAURO_REPORTS_DIR/<org>/<period>/<org>-<period>/``, replaced
whole by each run), so a report the scheduled reporting wrote is listed and downloadable
here too.

A report takes seconds (charts, the document, LibreOffice), so the page does not wait for
it: ``start_report`` runs it on a worker thread (``ReportJobs``, one registry per database
engine, like ``engine.web.mailer``), at most one run per organization and period at a time,
and the page shows the run's step until it is done.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from engine.calendar.periods import Period, current_period, parse_period, periods_overlapping
from engine.calendar.status import local_date
from engine.directory.store import get_organization
from engine.errors import NotFoundError, SauroError
from engine.plans.check import as_date
from engine.reports.assembly import ReportFiles, report_stem, write_period_report
from engine.reports.data import ReportData, report_data
from engine.reports.output import being_written, report_folder
from engine.reports.sending import report_messages, report_recipients
from engine.store.models import Plan, Task, TaskState, Unit, UnitReport
from engine.web.deps import User, Web
from engine.web.policy import Action, authorize
from engine.web.uploads import safe_name
from notifications.delivery import deliver_with_settings
from notifications.ledger import DatabaseLedger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitStatus:
    """One unit's report for a period, as the page shows it."""

    unit: str
    due: date
    requested_at: datetime
    submitted_at: datetime | None
    on_time: bool | None  # None while not submitted


def periods_with_tasks(state: Web, user: User) -> list[Period]:
    """Every enabled period the organization has tasks in, latest first, past ones
    included: from its earliest task (started, due or planned) to its latest due or
    completion date, and always the current period (kept a few seconds, as the span of
    its tasks: a list page shows them on every request)."""
    configs = state.configs.get()
    calendar = state.calendar()
    today = local_date(state.clock())
    org_id = user.principal.organization_id

    def compute() -> list[Period]:
        first, last = _task_span(state, org_id)
        found = periods_overlapping(min(first or today, today), max(last or today, today),
                                    configs.reporting, calendar)  # fmt: skip
        current = current_period(today, configs.reporting, calendar)
        return found if current in found else [current, *found]

    return state.recent.get(org_id, ("periods with tasks", today, id(configs)), compute)


def _task_span(state: Web, org_id: int) -> tuple[date | None, date | None]:
    """The earliest and the latest day the organization's tasks name."""
    t, p = Task.__table__.c, Plan.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(
            sa.func.min(t.start_date), sa.func.min(t.due_date), sa.func.min(p.issued_on),
            sa.func.max(t.due_date), sa.func.max(t.completed_on),
        )
        .select_from(Task)
        .join(Plan, p.id == t.plan_id)
        .where(t.organization_id == org_id, t.state != str(TaskState.WITHDRAWN))
    )  # fmt: skip
    with state.engine.connect() as connection:
        row = connection.execute(query).one()
    firsts = [d for d in map(as_date, row[:3]) if d is not None]
    lasts = [d for d in map(as_date, row[3:]) if d is not None]
    return min(firsts, default=None), max(lasts, default=None)


def with_chosen(periods: list[Period], chosen: Period) -> list[Period]:
    """``periods`` with ``chosen`` among them (a period named in the address, say 2019)."""
    if chosen in periods:
        return periods
    return sorted([*periods, chosen], key=lambda p: (p.data_end, -p.data_start.toordinal()),
                  reverse=True)  # fmt: skip


def chosen_period(state: Web, code: str | None) -> Period:
    """The period ``code`` names, or the current one."""
    configs = state.configs.get()
    calendar = state.calendar()
    if code:
        return parse_period(code, configs.reporting, calendar)
    return current_period(local_date(state.clock()), configs.reporting, calendar)


def period_or_current(state: Web, code: str | None) -> tuple[Period, str]:
    """The period ``code`` names and "", or, for a code that names none, the current period
    and the Vietnamese reason (a page shows it and answers 400)."""
    try:
        return chosen_period(state, code), ""
    except SauroError as problem:
        return chosen_period(state, None), str(problem)


def period_data(state: Web, user: User, period: Period) -> ReportData:
    """The figures of the user's organization for ``period``, as the configs count them."""
    with Session(state.engine) as session:
        return report_data(
            session.connection(), configs=state.configs.get(), org_code=user.org_code,
            period=period, now=state.clock(),
        )  # fmt: skip


def folder(state: Web, user: User, period: Period) -> Path:
    """Where the organization's reports of ``period`` are kept."""
    return state.settings.reports_dir / safe_name(user.org_code) / safe_name(period.code)


def report_dir(state: Web, user: User, period: Period) -> Path:
    """The folder of the organization's report of ``period`` (its files, whole)."""
    return report_folder(folder(state, user, period), user.org_code, period.code)


def _names(user: User, period: Period) -> list[str]:
    stem = report_stem(user.org_code, period.code)
    return [f"bao-cao-{stem}.docx", f"bao-cao-{stem}.pdf", f"bieu-so-lieu-{stem}.xlsx"]


# What a run does, in order; ``write_period_report`` writes the chart of units, the
# document and the annex in this order, so the files a run has written tell its step.
STEPS = (
    "Tổng hợp số liệu",
    "Vẽ biểu đồ và lập văn bản (.docx)",
    "Lập biểu số liệu (.xlsx)",
    "Chuyển văn bản sang PDF",
)
SEND_STEP = "Gửi thư điện tử"


@dataclass
class ReportJob:
    """One run of the period report of one organization, on a worker thread.

    ``error`` is what the page shows when it failed (Vietnamese); ``failure`` the exception
    itself, raised again to an API caller waiting for the run."""

    org_code: str
    period: Period
    username: str
    send: bool
    out: Path
    clock: Callable[[], datetime]  # the app's
    started_at: datetime
    # When a worker took the run (``time.time()``, as files' modification times are): None
    # while it waits for one.
    running_since: float | None = None
    sending: bool = False
    finished_at: datetime | None = None
    files: list[Path] = field(default_factory=list)
    sent: str = ""
    error: str = ""
    failure: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    @property
    def steps(self) -> tuple[str, ...]:
        return (*STEPS, SEND_STEP) if self.send else STEPS

    def step(self) -> tuple[int, str]:
        """The run's current step (1-based) and its name; 0 while it waits for a worker."""
        if self.running_since is None:
            return 0, "Chờ đến lượt"
        if self.sending:
            return len(self.steps), SEND_STEP
        stem = report_stem(self.org_code, self.period.code)
        staging = being_written(report_folder(self.out, self.org_code, self.period.code))
        if staging is None:
            return 1, STEPS[0]
        markers = (
            staging / "bieu-do" / f"{stem}-don-vi.png",
            staging / f"bao-cao-{stem}.docx",
            staging / f"bieu-so-lieu-{stem}.xlsx",
        )
        passed = 0
        for marker in markers:
            if not _written_since(marker, self.running_since):
                break
            passed += 1
        return passed + 1, STEPS[passed]


def _written_since(path: Path, since: float) -> bool:
    try:
        return path.stat().st_mtime >= since
    except OSError:
        return False


class ReportJobs:
    """The report runs of one app (one database engine): the last run of each
    organization and period, and the worker threads that do them (two: a LibreOffice
    conversion is heavy, other runs wait their turn)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sauro-report")
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, str], ReportJob] = {}

    def last(self, org_code: str, period_code: str) -> ReportJob | None:
        """The latest run of the organization's report of the period, running or done."""
        with self._lock:
            return self._jobs.get((org_code, period_code))

    def start(self, job: ReportJob, work: Callable[[ReportJob], None]) -> ReportJob:
        """Run ``work(job)`` on a worker, unless a run of the same organization and period
        is still going: then that run is returned and nothing new starts."""
        key = (job.org_code, job.period.code)
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and running.running:
                return running
            self._jobs[key] = job
        self._pool.submit(_run, job, work)
        return job


def _run(job: ReportJob, work: Callable[[ReportJob], None]) -> None:
    job.running_since = time.time()
    try:
        work(job)
    except SauroError as error:
        job.error, job.failure = str(error), error
    except Exception as error:  # a worker thread: say it on the page and in the log
        log.exception("lập báo cáo %s %s không thành công", job.org_code, job.period.code)
        job.error = (
            f"Lập báo cáo không thành công do lỗi hệ thống ({type(error).__name__}); "
            "xem nhật ký máy chủ rồi lập lại."
        )
        job.failure = error
    finally:
        job.sending = False
        job.finished_at = job.clock()
        job.done.set()


_JOBS: WeakKeyDictionary[Engine, ReportJobs] = WeakKeyDictionary()
_JOBS_LOCK = threading.Lock()


def report_jobs(state: Web) -> ReportJobs:
    """The report runs of the app whose database engine is ``state.engine``."""
    with _JOBS_LOCK:
        jobs = _JOBS.get(state.engine)
        if jobs is None:
            jobs = _JOBS[state.engine] = ReportJobs()
        return jobs


def last_run(state: Web, user: User, period: Period) -> ReportJob | None:
    """The latest run of the organization's report of ``period`` in this app."""
    authorize(user.principal, Action.VIEW_REPORTS)
    return report_jobs(state).last(user.org_code, period.code)


def start_report(
    state: Web, user: User, period: Period, *, issued_on: date, send: bool = False
) -> ReportJob:
    """Start writing the period report, its PDF and its annex on a worker thread and, with
    ``send``, mailing them to the standing office for review (once per address, whatever
    re-runs; upward only from the approval page, once issued: ``engine.web.report_approval``).
    A run of the same organization and period still going is returned instead of starting
    another."""
    authorize(user.principal, Action.GENERATE_REPORT)
    job = ReportJob(
        org_code=user.org_code, period=period, username=user.username, send=send,
        out=folder(state, user, period), clock=state.clock, started_at=state.clock(),
    )  # fmt: skip

    def work(job: ReportJob) -> None:
        written = write_period_report(
            state.engine,
            configs=state.configs.get(),
            config_dir=state.settings.config_dir,
            org_code=user.org_code,
            period=period,
            now=state.clock(),
            out=job.out,
            issued_on=issued_on,
        )
        job.files = written.files
        if send:
            job.sending = True
            job.sent = _send(state, user, written)

    return report_jobs(state).start(job, work)


def generate(
    state: Web,
    user: User,
    period: Period,
    *,
    issued_on: date,
    send: bool = False,
) -> tuple[list[Path], str]:
    """``start_report`` and wait for the run (the API): the files and what became of the
    mail ("" without ``send``). A run already going for the period is waited for instead;
    its failure is raised here."""
    job = start_report(state, user, period, issued_on=issued_on, send=send)
    job.done.wait()
    if job.failure is not None:
        raise job.failure
    return job.files, job.sent


def _send(state: Web, user: User, files: ReportFiles) -> str:
    with Session(state.engine) as session:
        organization = get_organization(session, user.org_code)
    config = next(
        (o for o in state.configs.get().directory.organizations if o.code == user.org_code), None
    )
    office = report_recipients(state.engine, organization, config, upward=False)
    messages = report_messages(files, office)
    if not messages:
        return "Chưa gửi: cơ quan thường trực chưa có người có địa chỉ thư điện tử."
    delivery = asyncio.run(
        deliver_with_settings(messages, state.smtp, ledger=DatabaseLedger(state.engine))
    )
    return delivery.summary()


def generated(state: Web, user: User, period: Period) -> list[Path]:
    """The files already generated for ``period``."""
    authorize(user.principal, Action.VIEW_REPORTS)
    out = report_dir(state, user, period)
    return [out / name for name in _names(user, period) if (out / name).is_file()]


def report_file(state: Web, user: User, period: Period, name: str) -> Path:
    """One generated file of the user's organization for ``period``, by name."""
    authorize(user.principal, Action.VIEW_REPORTS)
    path = report_dir(state, user, period) / name
    if name not in _names(user, period) or not path.is_file():
        raise NotFoundError(f"Không có tệp báo cáo {name}.")
    return path


def unit_reports(state: Web, user: User, period: Period) -> list[UnitStatus]:
    """The units' reports of ``period``: requested, due, submitted (and on time)."""
    authorize(user.principal, Action.VIEW_REPORTS)
    with Session(state.engine) as session:
        rows = session.exec(
            select(UnitReport, Unit)
            .join(Unit, col(Unit.id) == UnitReport.unit_id)
            .where(
                UnitReport.organization_id == user.principal.organization_id,
                UnitReport.period_code == period.code,
            )
            .order_by(col(Unit.name))
        )
        return [
            UnitStatus(
                unit=unit.name,
                due=report.due,
                requested_at=report.requested_at,
                submitted_at=report.submitted_at,
                on_time=(
                    local_date(report.submitted_at) <= report.due if report.submitted_at else None
                ),
            )
            for report, unit in rows
        ]
