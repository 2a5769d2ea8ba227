"""``sauro serve`` and ``sauro deploy``: the web app, and the daily reminder cycle on a
schedule.

``serve`` runs the web app (uvicorn) and, unless ``--no-scheduler``, the embedded scheduler
in the same process (APScheduler in a background thread, job store in the engine's
database): run exactly one process with the scheduler, and any number of extra web
processes with ``--no-scheduler``. ``deploy`` registers the same cycle on a Prefect server
for workers elsewhere. See ``flows/__init__.py``. The web app, the flows, APScheduler and
Prefect are imported inside the commands, so that every other ``sauro`` command starts
without them.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from engine.calendar.workdays import WorkCalendar
from engine.cli import common
from engine.configs.settings import Settings
from engine.errors import SauroError

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]

    from flows.cycle import Outcome

OrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="Chỉ nhắc việc cho một đơn vị hành chính (mặc định: mọi đơn vị).",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Chỉ lập danh sách nhắc việc, không gửi thư.")
]


def _checked_at(value: str | None) -> str | None:
    """``--at`` checked while the command line is read, before the database is opened
    (an instant with its offset, as the cycle reads it)."""
    if value is not None:
        from flows.cycle import parse_instant  # Prefect: only when --at is given

        parse_instant(value, "--at")
    return value


def serve(
    once: Annotated[
        bool, typer.Option("--once", help="Chạy chu trình nhắc việc một lần ngay rồi thoát.")
    ] = False,
    list_only: Annotated[
        bool, typer.Option("--list", help="In các lần chạy sắp tới rồi thoát.")
    ] = False,
    count: Annotated[
        int, typer.Option("--count", min=1, max=366, help="Số lần chạy in ra với --list.")
    ] = 10,
    org: OrgOpt = None,
    dry_run: DryRunOpt = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            callback=_checked_at,
            help="Với --once: chạy như thể đang ở thời điểm này "
            "(ISO 8601 kèm múi giờ, vd. 2026-11-23T07:00:00+07:00).",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Địa chỉ nghe của ứng dụng web.")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Cổng của ứng dụng web.")
    ] = 8000,
    no_scheduler: Annotated[
        bool,
        typer.Option(
            "--no-scheduler",
            help="Chỉ chạy ứng dụng web, không chạy lịch nhắc việc (cho các tiến trình web thêm).",
        ),
    ] = False,
) -> None:
    """Ứng dụng web và lịch nhắc việc: 07:00 mỗi ngày làm việc (giờ Việt Nam).

    Chạy đến khi bấm Ctrl-C. Lịch lưu trong cơ sở dữ liệu (bảng apscheduler_jobs): sau khi
    máy tắt, lần chạy bị lỡ được chạy bù một lần nếu chưa trễ quá 6 giờ. Chỉ một tiến trình
    chạy lịch; các tiến trình web khác dùng --no-scheduler.
    """
    # The docstring above is the command's help text, hence Vietnamese.
    if once and list_only:
        raise SauroError("Chỉ dùng một trong hai tùy chọn --once và --list.")
    if at is not None and not once:
        raise SauroError("Tùy chọn --at chỉ dùng cùng --once.")
    current = common.settings()
    configs = common.configs(current)  # every config checked now, not at 07:00 tomorrow
    calendar = WorkCalendar(configs.calendar)
    if list_only:
        _print_next(calendar, count)
        return
    common.database(current).dispose()  # the schema is current, else a Vietnamese error
    if once:
        _run_once(current, org, dry_run, at)
        return
    _serve(current, calendar, org, dry_run, host=host, port=port, scheduler=not no_scheduler)


def _print_next(calendar: WorkCalendar, count: int) -> None:
    from flows.schedule import WorkingDayTrigger, describe_fire, next_fire_times

    fires = next_fire_times(WorkingDayTrigger(calendar), common.now(), count)
    typer.echo(f"{len(fires)} lần chạy sắp tới (giờ {calendar.timezone}):")
    for fire in fires:
        typer.echo(f"  {describe_fire(fire)}")


def _run_once(current: Settings, org: str | None, dry_run: bool, at: str | None) -> None:
    from engine.reminders.cycle import CycleReport
    from flows.cycle import parse_instant, working_day_cycle
    from notifications.zalo_settings import ZaloSettings

    now = parse_instant(at, "--at") if at else common.now()
    outcome = asyncio.run(
        working_day_cycle(
            database_url=current.database_url,
            config_dir=current.config_dir,
            org_code=org,
            now=now,
            dry_run=dry_run,
            base_url=current.base_url,
            zalo=ZaloSettings(),
        )
    )
    typer.echo(outcome.summary())
    if isinstance(outcome, CycleReport) and outcome.failed:
        raise typer.Exit(1)


def _serve(
    current: Settings,
    calendar: WorkCalendar,
    org: str | None,
    dry_run: bool,
    *,
    host: str,
    port: int,
    scheduler: bool,
) -> None:
    import uvicorn

    from engine.web.app import compile_pages, create_app

    running = _start_scheduler(current.database_url, calendar, org, dry_run) if scheduler else None

    def stop() -> None:
        """At the web app's shutdown (uvicorn re-raises the signal after it, so a
        ``finally`` here would never run)."""
        if running is not None and running.running:
            typer.echo("Đang dừng lịch nhắc việc…")
            running.shutdown(wait=False)
        typer.echo("Đã dừng.")

    app = create_app(current)
    compile_pages(app)
    app.router.on_shutdown.append(stop)
    typer.echo(f"Ứng dụng web: http://{host}:{port}/ (tài liệu API: /docs). Bấm Ctrl-C để dừng.")
    uvicorn.run(app, host=host, port=port, log_level="info")


def _start_scheduler(
    database_url: str, calendar: WorkCalendar, org: str | None, dry_run: bool
) -> BaseScheduler:
    """The embedded scheduler, started in a background thread, reporting every run."""
    from apscheduler.events import (  # type: ignore[import-untyped]
        EVENT_JOB_ERROR,
        EVENT_JOB_EXECUTED,
        EVENT_JOB_MISSED,
    )

    from flows.schedule import (
        GRACE_HOURS,
        JOB_ID,
        REPORTING_JOB_REF,
        build_scheduler,
        describe_fire,
    )

    kwargs = {"org": org, "dry_run": dry_run}
    scheduler = build_scheduler(
        database_url,
        calendar,
        job_kwargs=kwargs,
        reporting_job=REPORTING_JOB_REF,
        reporting_kwargs=kwargs,
        background=True,
    )

    def report(event: Any) -> None:
        when = describe_fire(event.scheduled_run_time.astimezone(calendar.timezone))
        if event.code == EVENT_JOB_EXECUTED:
            outcome: Outcome = event.retval
            if getattr(outcome, "skipped", None) and not getattr(outcome, "organizations", 0):
                # Another process (a second ``sauro serve``, a Prefect run) holds or
                # finished every organization today: say so before the details.
                typer.echo(f"[{when}] Bỏ qua: mọi đơn vị hôm nay đã do lượt chạy khác đảm nhận.")
            typer.echo(f"[{when}] {outcome.summary()}")
        elif event.code == EVENT_JOB_MISSED:
            typer.echo(f"[{when}] Bỏ qua lần chạy này: đã trễ quá {GRACE_HOURS} giờ.")
        else:
            typer.echo(f"[{when}] Chu trình nhắc việc bị lỗi: {event.exception!r}", err=True)
        _print_pending(scheduler)

    scheduler.add_listener(report, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    mode = " (chạy thử: không gửi thư)" if dry_run else ""
    typer.echo(
        f"Lịch nhắc việc{mode}: 07:00 mỗi ngày làm việc (lịch báo cáo: 07:30), giờ "
        f"{calendar.timezone}. "
        f"Lưu lịch trong {common.shown_url(database_url)}, công việc '{JOB_ID}'."
    )
    _print_next(calendar, 3)
    scheduler.start()
    return scheduler


def _print_pending(scheduler: BaseScheduler) -> None:
    from flows.schedule import JOB_ID, describe_fire

    job = scheduler.get_job(JOB_ID)
    if job is not None and job.next_run_time is not None:
        typer.echo(f"Lần chạy tiếp theo: {describe_fire(job.next_run_time)}.")


def deploy(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="Địa chỉ API của máy chủ Prefect, vd. http://127.0.0.1:4200/api "
            "(mặc định: biến môi trường PREFECT_API_URL).",
            show_default=False,
        ),
    ] = None,
    pool: Annotated[
        str, typer.Option("--pool", help="Work pool của Prefect; chưa có thì tạo kiểu process.")
    ] = "sau-ro",
    org: OrgOpt = None,
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            help="Chỉ chạy cho một tỉnh (hoặc cơ quan cấp trên) và mọi đơn vị trực thuộc.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Đăng ký chu trình nhắc việc lên máy chủ Prefect: 07:00 Thứ Hai – Thứ Bảy.

    Lượt chạy cha chia các đơn vị thành lô (SAURO_BATCH_SIZE) và giao mỗi lô cho một lượt
    chạy con trên bất kỳ worker nào: prefect worker start --pool <POOL>. Mỗi phạm vi (mọi
    đơn vị, --org, --province) có bộ lịch riêng; đăng ký lại thì cập nhật bộ lịch đó. Luồng
    tự bỏ qua ngày không phải ngày làm việc.
    """
    api_url = api_url or os.environ.get("PREFECT_API_URL")
    if not api_url:
        raise SauroError(
            "Chưa có địa chỉ máy chủ Prefect: dùng --api-url hoặc đặt biến PREFECT_API_URL "
            "(vd. http://127.0.0.1:4200/api). Máy chủ tạm thời của Prefect không nhận lịch chạy."
        )
    if org and province:
        raise SauroError("Chỉ dùng một trong hai tùy chọn --org và --province.")
    current = common.settings()
    timezone = common.configs(current).calendar.timezone
    from flows.deploy import Limits
    from flows.deploy import deploy as register
    from notifications.smtp_settings import SmtpSettings

    limits = Limits(
        batch_concurrency=current.batch_concurrency,
        heartbeat_seconds=current.heartbeat_seconds,
        crash_after_seconds=current.crash_after_seconds,
        smtp_host=SmtpSettings().smtp_host,
        smtp_connection_limit=current.smtp_connection_limit,
    )
    done = asyncio.run(
        register(api_url, pool=pool, timezone=timezone, org=org, province=province, limits=limits)
    )
    if done.pool_created:
        typer.echo(f"Đã tạo work pool '{done.pool}' (kiểu process).")
    typer.echo(
        f"Đã đăng ký '{done.full_name}' trên {done.api_url}: cron '{done.cron}' "
        f"giờ {done.timezone}, work pool '{done.pool}' (mã {done.deployment_id})."
    )
    typer.echo(f"Đã đăng ký '{done.reporting_name}': cron '{done.reporting_cron}'.")
    typer.echo(
        f"Các lô chạy qua {', '.join(repr(name) for name in done.batch_names)}: "
        f"{current.batch_size} đơn vị một lô, tối đa {done.batch_concurrency} lô cùng lúc."
    )
    if done.smtp_limit:
        typer.echo(
            f"Giới hạn '{done.smtp_limit}': tối đa {done.smtp_connection_limit} kết nối SMTP "
            "cùng lúc trên mọi worker."
        )
    else:
        typer.echo("Chưa đặt SAURO_SMTP_HOST: không tạo giới hạn kết nối SMTP.")
    typer.echo(f"Tự động hóa '{done.automation}': lượt chạy mất tín hiệu được chạy lại.")
    for name in done.restart_automations:
        typer.echo(f"Tự động hóa '{name}': lượt chạy cha bị Crashed được chạy lại cùng ngày.")
    typer.echo(f"Chạy worker trên máy có cài Sáu Rõ: prefect worker start --pool {done.pool}")
