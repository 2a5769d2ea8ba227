"""``sauro task``: show one task, and the actions that move its clock: progress, completion,
extension requests and their approval or refusal. Each action is one audited transaction.

A task is named by its number in the plan (``1.4``) with ``--org`` and ``--plan``, or by
``--id``. ``--as`` names the directory person acting; ``--at`` sets the instant of the action
(default now), read as Viet Nam time when it has no offset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from sqlmodel import Session

from engine.calendar.deadlines import format_date
from engine.calendar.status import LABELS, VN, TaskStatus, local_date
from engine.calendar.workdays import WorkCalendar, format_day
from engine.cli import common
from engine.configs.files import Configs
from engine.directory.store import find_person, find_unit, get_organization
from engine.errors import Location, NotFoundError, Problem, SauroError
from engine.importing.areas import AreaResolver
from engine.plans.check import check_tasks
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import DocumentKind, ExtensionRequest, Task, TaskState
from engine.tasks.acceptance import review_result
from engine.tasks.actions import (
    TaskView,
    complete,
    decide_extension,
    find_task_id,
    get_task,
    pending_request_id,
    record_progress,
    request_extension,
    status_of,
    task_authority,
    task_view,
)
from engine.tasks.assignment import NewTask, Source, assign_task
from engine.tasks.coordination import record_coordination
from engine.tasks.delegation import delegate
from engine.tasks.history import STATUS_WORDS, cut, history_lines, when_text
from engine.text import clean
from rules.facts import Dimension

task_app = typer.Typer(
    help="Xem nhiệm vụ; giao nhiệm vụ, giao người thực hiện, phối hợp, báo cáo tiến độ, ghi "
    "nhận hoàn thành, xác nhận hoặc trả lại kết quả, đề nghị và quyết định gia hạn.",
    no_args_is_help=True,
)

RefArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[SỐ]",
        help="Số thứ tự của nhiệm vụ trong kế hoạch, vd. 1.4 (hoặc dùng --id).",
        show_default=False,
    ),
]
OrgOpt = Annotated[
    str | None, typer.Option("--org", help="Mã đơn vị hành chính (mặc định theo cấu hình).")
]
PlanOpt = Annotated[
    str | None,
    typer.Option(
        "--plan",
        help="Số kế hoạch (hoặc tên tệp khi kế hoạch không có số); "
        "bỏ qua được khi đơn vị chỉ có một kế hoạch.",
    ),
]
IdOpt = Annotated[
    int | None, typer.Option("--id", help="Mã nhiệm vụ trong cơ sở dữ liệu (thay cho số thứ tự).")
]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as", help='Họ tên (hoặc email) của cán bộ thực hiện, theo danh mục, vd. "Lê Minh Tâm".'
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        callback=common.at_option,
        help="Thời điểm thực hiện, dạng YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi múi giờ); "
        "mặc định: bây giờ.",
    ),
]
NoteOpt = Annotated[str, typer.Option("--note", help="Ghi chú.")]


@dataclass(frozen=True)
class _Target:
    """How the officer named the task, and who acts when."""

    ref: str | None
    org: str | None
    plan: str | None
    task_id: int | None
    acting_as: str | None
    at: str | None


# -- sauro task show ---------------------------------------------------------------------------


@task_app.command("show")
def show(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    at: AtOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="In nhiệm vụ dưới dạng JSON.")] = False,
) -> None:
    """Xem một nhiệm vụ: sáu rõ, tình trạng, hạn, tiến độ, gia hạn và lịch sử thay đổi."""
    target = _Target(ref, org, plan, task_id, None, at)
    now = common.instant(at)
    with _session() as (session, configs):
        view = task_view(
            session=session,
            task_id=_task_id(session, configs, target),
            now=now,
            calendar=WorkCalendar(configs.calendar),
            areas=configs.areas,
        )
    if as_json:
        typer.echo(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(describe(view, configs)))


# -- sauro task progress -----------------------------------------------------------------------


@task_app.command("progress")
def progress(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    percent: Annotated[
        int | None, typer.Option("--percent", help="Tỷ lệ hoàn thành, từ 0 đến 100 (%).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Công việc đã làm, vướng mắc.")] = "",
    acting_as: AsOpt = None,
    at: AtOpt = None,
) -> None:
    """Báo cáo tiến độ thực hiện nhiệm vụ: tỷ lệ hoàn thành và/hoặc ghi chú."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    now = common.instant(at)
    with _session() as (session, configs):
        found = _task_id(session, configs, target)
        actor = _actor(session, found, target, "progress")
        record_progress(
            session=session, task_id=found, percent=percent, note=note, actor=actor, now=now
        )
        name = _task_name(get_task(session, found))
    shown = f" {percent}%" if percent is not None else ""
    typer.echo(f"Đã ghi nhận tiến độ {name}:{shown}{f' — {clean(note)}' if note else ''}.")


# -- sauro task done ---------------------------------------------------------------------------


@task_app.command("done")
def done(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    result: Annotated[
        str, typer.Option("--result", help="Kết quả thực tế đạt được (bắt buộc).")
    ] = "",
    evidence: Annotated[
        str,
        typer.Option(
            "--evidence",
            help="Minh chứng: số, ngày văn bản; đường dẫn tệp; sản phẩm bàn giao (bắt buộc).",
        ),
    ] = "",
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            callback=common.day_option,
            help="Ngày hoàn thành, YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam).",
        ),
    ] = None,
    acting_as: AsOpt = None,
    at: AtOpt = None,
) -> None:
    """Ghi nhận hoàn thành nhiệm vụ, với kết quả và minh chứng (rõ kết quả)."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    now = common.instant(at)
    completed_on = common.day(on, "--on") if on else local_date(now)
    with _session() as (session, configs):
        found = _task_id(session, configs, target)
        task = complete(
            session=session,
            task_id=found,
            result=result,
            evidence=evidence,
            completed_on=completed_on,
            actor=_actor(session, found, target, "done"),
            now=now,
        )
        status = status_of(task, now=now, calendar=WorkCalendar(configs.calendar))
    due = f" (hạn {format_date(task.due_date)})" if task.due_date else ""
    if task.state == TaskState.AWAITING:
        typer.echo(
            f"Đã ghi nhận hoàn thành {_task_name(task)} ngày {format_date(completed_on)}{due}: "
            "chờ người có thẩm quyền xác nhận kết quả (sauro task accept / sauro task return)."
        )
        return
    typer.echo(
        f"Đã ghi nhận hoàn thành {_task_name(task)} ngày {format_date(completed_on)}: "
        f"{LABELS[status]}{due}."
    )


# -- sauro task accept / return ----------------------------------------------------------------

ReviewerOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Họ tên (hoặc email) của người xác nhận kết quả: Chủ tịch, Phó Chủ tịch, hoặc cán "
        "bộ cơ quan thường trực khi cấu hình giao cho cơ quan thường trực (bắt buộc).",
    ),
]


@task_app.command("accept")
def accept(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    acting_as: ReviewerOpt = None,
    at: AtOpt = None,
) -> None:
    """Xác nhận kết quả nhiệm vụ đơn vị đã báo hoàn thành (đúng hạn tính theo ngày hoàn thành)."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    task, status = _review(target, accept=True, reason="")
    typer.echo(
        f"Đã xác nhận kết quả {_task_name(task)} (hoàn thành ngày "
        f"{format_date(task.completed_on) if task.completed_on else 'không rõ'}): "
        f"{LABELS[status]}."
    )


@task_app.command("return")
def return_result(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    acting_as: ReviewerOpt = None,
    reason: Annotated[str, typer.Option("--reason", help="Lý do trả lại (bắt buộc).")] = "",
    at: AtOpt = None,
) -> None:
    """Trả lại kết quả nhiệm vụ kèm lý do: nhiệm vụ trở lại đang thực hiện."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    task, _ = _review(target, accept=False, reason=reason)
    typer.echo(
        f"Đã trả lại kết quả {_task_name(task)}: nhiệm vụ trở lại đang thực hiện; người thực "
        "hiện và thủ trưởng đơn vị chủ trì được báo trong thư tổng hợp kế tiếp."
    )


def _review(target: _Target, *, accept: bool, reason: str) -> tuple[Task, TaskStatus]:
    if not target.acting_as:
        raise SauroError(
            "Cần cho biết ai xác nhận kết quả",
            [Problem(Location(field="--as"), "họ tên hoặc email của người xác nhận kết quả")],
        )
    now = common.instant(target.at)
    with _session() as (session, configs):
        found = _task_id(session, configs, target)
        task = review_result(
            session=session,
            task_id=found,
            accept=accept,
            reason=reason,
            reviewer=target.acting_as,
            actor=_actor(session, found, target, "accept" if accept else "return"),
            now=now,
        )
        status = status_of(task, now=now, calendar=WorkCalendar(configs.calendar))
    return task, status


# -- sauro task add ----------------------------------------------------------------------------


@task_app.command("add")
def add(
    work: Annotated[str, typer.Option("--work", help="Nội dung nhiệm vụ (rõ việc).")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="Loại văn bản: ke_hoach, thong_bao_ket_luan, cong_van, chi_dao_truc_tiep.",
        ),
    ] = "thong_bao_ket_luan",
    number: Annotated[str, typer.Option("--number", help="Số văn bản, vd. 45/TB-UBND.")] = "",
    date_text: Annotated[
        str,
        typer.Option(
            "--date", callback=common.day_option, help="Ngày văn bản (ngày họp), YYYY-MM-DD."
        ),
    ] = "",
    signer: Annotated[
        str, typer.Option("--signer", help="Người ký, người chỉ đạo (họ tên, chức vụ).")
    ] = "",
    lead: Annotated[str, typer.Option("--lead", help="Mã đơn vị chủ trì, vd. van-phong.")] = "",
    coordinators: Annotated[
        list[str] | None, typer.Option("--coordinator", help="Mã đơn vị phối hợp (lặp lại được).")
    ] = None,
    person: Annotated[
        str, typer.Option("--person", help="Họ tên hoặc email người thực hiện (nếu đã rõ).")
    ] = "",
    deadline_text: Annotated[
        str, typer.Option("--deadline", help='Thời hạn, vd. "trước ngày 15/12/2025".')
    ] = "",
    product: Annotated[str, typer.Option("--product", help="Sản phẩm (rõ kết quả).")] = "",
    area: Annotated[str, typer.Option("--area", help="Mã lĩnh vực CCHC (areas.yaml).")] = "",
    ref: Annotated[str, typer.Option("--ref", help="Số thứ tự trong văn bản.")] = "",
    org: OrgOpt = None,
    at: AtOpt = None,
) -> None:
    """Giao một nhiệm vụ mới theo văn bản giao việc (kế hoạch, thông báo kết luận, công văn,
    chỉ đạo tại cuộc họp), kèm kết quả kiểm tra 6 rõ."""
    now = common.instant(at)
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise SauroError(
            f"Loại văn bản '{kind}' không hợp lệ",
            [Problem(Location(field="--kind"), ", ".join(k.value for k in DocumentKind))],
        ) from None
    day = common.day(date_text, "--date") if date_text else None
    source = Source(document_kind, number.strip(), day, signer.strip())
    with _session() as (session, configs):
        organization = get_organization(session, common.default_org(configs, org))
        org_id = organization.id or 0
        new = NewTask(
            work=work,
            area=area or None,
            person_id=find_person(session, organization_id=org_id, who=person).id
            if person
            else None,
            lead_unit_id=find_unit(session, organization_id=org_id, code=lead).id if lead else None,
            coordinator_ids=tuple(
                find_unit(session, organization_id=org_id, code=code).id or 0
                for code in coordinators or []
            ),
            deadline_text=deadline_text,
            product=product,
            ref=ref,
        )
        task = assign_task(
            session=session, organization_id=org_id, source=source, task=new,
            areas=configs.areas, actor=common.actor("cli:task add"), now=now,
        )  # fmt: skip
        session.flush()
        checks = check_tasks(
            session.connection(), rules=configs.rules, org_code=organization.code,
            plan_key=source.key,
        )  # fmt: skip
        check = next(c for c in checks if c.task_id == task.id)
        name = _task_name(task)
    typer.echo(f"Đã giao {name} (mã {task.id}) theo {source.key}.")
    unclear = [configs.rules.labels[d] for d, ok in check.clear.items() if not ok]
    typer.echo("Đủ 6 rõ." if not unclear else "Chưa rõ: " + ", ".join(unclear) + ".")
    for finding in check.findings:
        typer.echo(f"- {finding.message}")


# -- sauro task delegate -----------------------------------------------------------------------


@task_app.command("delegate")
def delegate_command(
    refs: Annotated[
        list[str],
        typer.Argument(
            metavar="SỐ...",
            help="Số thứ tự của các nhiệm vụ trong kế hoạch, vd. 1.4 2.1 (một hay nhiều).",
            show_default=False,
        ),
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help='Họ tên (hoặc email) của người thực hiện, thuộc đơn vị chủ trì, vd. "Phạm Thị '
            'Dung".',
            show_default=False,
        ),
    ],
    org: OrgOpt = None,
    plan: PlanOpt = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Lý do, bắt buộc khi giao lại cho người khác.")
    ] = "",
    acting_as: AsOpt = None,
    at: AtOpt = None,
) -> None:
    """Giao nhiệm vụ cho một cán bộ của đơn vị chủ trì (rõ người): một hay nhiều nhiệm vụ."""
    now = common.instant(at)
    with _session() as (session, configs):
        targets = [_Target(ref, org, plan, None, acting_as, at) for ref in refs]
        found = [_task_id(session, configs, target) for target in targets]
        organization_id = get_task(session, found[0]).organization_id
        person = find_person(session, organization_id=organization_id, who=to)
        acting = (
            find_person(session, organization_id=organization_id, who=acting_as)
            if acting_as
            else None
        )
        done = delegate(
            session=session,
            task_ids=found,
            person_id=person.id or 0,
            reason=reason,
            actor=_actor(session, found[0], targets[0], "delegate"),
            now=now,
            acting_person_id=acting.id if acting else None,
        )
    given = ", ".join(task.ref or task.key for task in done.changed) or "không có"
    typer.echo(f"Đã giao cho {done.person.name}: {given}.")
    if done.unchanged:
        kept = ", ".join(task.ref or task.key for task in done.unchanged)
        typer.echo(f"Đã giao cho {done.person.name} từ trước: {kept}.")


# -- sauro task coordinate ---------------------------------------------------------------------


@task_app.command("coordinate")
def coordinate(
    ref: RefArg = None,
    unit: Annotated[
        str,
        typer.Option(
            "--unit",
            help="Mã đơn vị phối hợp trong danh mục, vd. phong-tu-phap.",
            show_default=False,
        ),
    ] = "",
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    note: Annotated[str, typer.Option("--note", help="Phần việc đơn vị đã phối hợp.")] = "",
    evidence: Annotated[
        str, typer.Option("--evidence", help="Minh chứng (số, ngày văn bản).")
    ] = "",
    acting_as: AsOpt = None,
    at: AtOpt = None,
) -> None:
    """Ghi phần việc của một đơn vị phối hợp (không đổi tình trạng của nhiệm vụ)."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    now = common.instant(at)
    with _session() as (session, configs):
        found = _task_id(session, configs, target)
        task = get_task(session, found)
        coordinating = find_unit(session, organization_id=task.organization_id, code=unit)
        record_coordination(
            session=session,
            task_id=found,
            unit_id=coordinating.id or 0,
            note=note,
            evidence=evidence,
            actor=_actor(session, found, target, "coordinate"),
            now=now,
        )
    typer.echo(f"Đã ghi phần phối hợp của {coordinating.name} cho {_task_name(task)}.")


# -- sauro task extend -------------------------------------------------------------------------


@task_app.command("extend")
def extend(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    new_date: Annotated[
        str | None,
        typer.Option(
            "--new-date", callback=common.day_option, help="Hạn mới đề nghị, YYYY-MM-DD (bắt buộc)."
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Lý do đề nghị gia hạn (bắt buộc).")] = "",
    acting_as: AsOpt = None,
    at: AtOpt = None,
) -> None:
    """Đề nghị gia hạn nhiệm vụ: hạn mới và lý do, gửi trước khi hết hạn."""
    if not new_date:
        raise SauroError(
            "Đề nghị gia hạn cần hạn mới",
            [Problem(Location(field="--new-date"), "ghi ngày đề nghị, dạng YYYY-MM-DD")],
        )
    target = _Target(ref, org, plan, task_id, acting_as, at)
    now = common.instant(at)
    new_due = common.day(new_date, "--new-date")
    with _session() as (session, configs):
        found = _task_id(session, configs, target)
        request = request_extension(
            session=session,
            task_id=found,
            new_due=new_due,
            reason=reason,
            actor=_actor(session, found, target, "extend"),
            now=now,
            calendar=WorkCalendar(configs.calendar),
        )
        task = get_task(session, found)
    typer.echo(
        f"Đã gửi đề nghị gia hạn số {request.id} cho {_task_name(task)}: hạn "
        f"{format_date(request.old_due)} → {format_date(request.new_due)}."
    )
    typer.echo(
        "Chờ Chủ tịch hoặc Phó Chủ tịch quyết định: "
        f'sauro task approve --request {request.id} --as "Họ tên" (hoặc sauro task refuse).'
    )


# -- sauro task approve | refuse ---------------------------------------------------------------

RequestOpt = Annotated[
    int | None,
    typer.Option("--request", help="Số đề nghị gia hạn (mặc định: đề nghị đang chờ của nhiệm vụ)."),
]
DeciderOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help='Họ tên (hoặc email) của Chủ tịch hoặc Phó Chủ tịch quyết định, vd. "Nguyễn Văn Vũ" '
        "(bắt buộc).",
    ),
]


@task_app.command("approve")
def approve(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    request: RequestOpt = None,
    acting_as: DeciderOpt = None,
    note: Annotated[str, typer.Option("--note", help="Ý kiến của người phê duyệt.")] = "",
    at: AtOpt = None,
) -> None:
    """Phê duyệt đề nghị gia hạn: nhiệm vụ nhận hạn mới, lịch nhắc việc tính lại theo hạn mới."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    decided, task = _decide(target, request, approve=True, note=note)
    original = task.original_due or decided.old_due
    typer.echo(
        f"Đã phê duyệt đề nghị gia hạn số {decided.id}: {_task_name(task)} có hạn mới "
        f"{format_date(decided.new_due)} (hạn theo kế hoạch {format_date(original)}). "
        "Lịch nhắc việc tính lại theo hạn mới."
    )


@task_app.command("refuse")
def refuse(
    ref: RefArg = None,
    org: OrgOpt = None,
    plan: PlanOpt = None,
    task_id: IdOpt = None,
    request: RequestOpt = None,
    acting_as: DeciderOpt = None,
    note: Annotated[str, typer.Option("--note", help="Lý do từ chối.")] = "",
    at: AtOpt = None,
) -> None:
    """Từ chối đề nghị gia hạn: nhiệm vụ giữ hạn hiện tại."""
    target = _Target(ref, org, plan, task_id, acting_as, at)
    decided, task = _decide(target, request, approve=False, note=note)
    typer.echo(
        f"Đã từ chối đề nghị gia hạn số {decided.id}: {_task_name(task)} giữ hạn "
        f"{format_date(decided.old_due)}."
    )


def _decide(
    target: _Target, request_id: int | None, *, approve: bool, note: str
) -> tuple[ExtensionRequest, Task]:
    if not target.acting_as:
        raise SauroError(
            "Cần cho biết ai quyết định",
            [Problem(Location(field="--as"), "họ tên hoặc email của Chủ tịch, Phó Chủ tịch")],
        )
    now = common.instant(target.at)
    command = "approve" if approve else "refuse"
    with _session() as (session, configs):
        found = _request_id(session, configs, target, request_id)
        task_id = _request_task(session, found)
        decided = decide_extension(
            session=session,
            request_id=found,
            approve=approve,
            decider=target.acting_as,
            note=note,
            actor=_decider(session, task_id, target.acting_as, command),
            now=now,
        )
        task = get_task(session, task_id)
    return decided, task


def _request_id(session: Session, configs: Configs, target: _Target, request_id: int | None) -> int:
    """The request named by --request (checked against the task when one is named too), or
    the named task's pending request."""
    if request_id is None:
        return pending_request_id(session, task_id=_task_id(session, configs, target))
    if target.ref is None and target.task_id is None:
        return request_id
    task_id = _task_id(session, configs, target)
    if _request_task(session, request_id) != task_id:
        raise SauroError(
            f"Đề nghị gia hạn số {request_id} không thuộc {_task_name(get_task(session, task_id))}."
        )
    return request_id


def _request_task(session: Session, request_id: int) -> int:
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFoundError(f"Không có đề nghị gia hạn số {request_id}.")
    return request.task_id


# -- the edges: session, task, actor, times ----------------------------------------------------


@contextmanager
def _session() -> Iterator[tuple[Session, Configs]]:
    """Settings, configs and one transaction on the database (committed on success)."""
    current = common.settings()
    configs = common.configs(current)
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            yield session, configs
    finally:
        engine.dispose()


def _task_id(session: Session, configs: Configs, target: _Target) -> int:
    """The task named by its number (with --org, --plan) or by --id, never both."""
    if target.task_id is not None:
        if target.ref is not None:
            raise SauroError("Chỉ ghi một trong hai: số thứ tự nhiệm vụ hoặc --id.")
        return target.task_id
    if not target.ref:
        raise SauroError("Hãy cho biết nhiệm vụ: số thứ tự trong kế hoạch (vd. 1.4) hoặc --id.")
    return find_task_id(
        session,
        org_code=common.default_org(configs, target.org),
        ref=target.ref,
        plan_key=target.plan,
    )


def _actor(session: Session, task_id: int, target: _Target, command: str) -> Actor:
    """The audit actor: the user at the terminal, "as" the directory person named by --as."""
    actor = common.actor(f"cli:task {command}")
    if target.acting_as is None:
        return actor
    organization_id = get_task(session, task_id).organization_id
    person = find_person(session, organization_id=organization_id, who=target.acting_as)
    return Actor(name=_fit(f"{actor.name} as {person.name}"), source=actor.source)


def _decider(session: Session, task_id: int, acting_as: str, command: str) -> Actor:
    """The audit actor of a decision: the user at the terminal as the task's authority."""
    actor = common.actor(f"cli:task {command}")
    person = task_authority(session, task_id=task_id, decider=acting_as)
    return Actor(name=_fit(f"{actor.name} as {person.name}"), source=actor.source)


def _fit(text: str, length: int = 128) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _task_name(task: Task) -> str:
    return f"nhiệm vụ {task.ref or task.key}"


# -- the task as text --------------------------------------------------------------------------


def describe(view: TaskView, configs: Configs) -> list[str]:
    """The task as lines of Vietnamese text: header, six dimensions, progress, extensions
    and history."""
    task, labels = view.task, configs.rules.labels
    area = AreaResolver(configs.areas).name(task.area) if task.area else ""
    at = view.now.astimezone(VN)
    return [
        f"Nhiệm vụ {task.ref or task.key} (mã {task.id}) — kế hoạch '{view.plan.key}', "
        f"{view.organization.name}",
        f"Tình trạng: {view.status_label} (lúc {at:%H:%M} {format_date(at.date())})",
        f"{labels[Dimension.PERSON]}: {_person(view)}",
        f"{labels[Dimension.WORK]}: {clean(task.work)}" + (f" (lĩnh vực: {area})" if area else ""),
        f"{labels[Dimension.DEADLINE]}: {_deadline(view)}",
        *(f"  mốc: {format_date(m.due_date)} ({m.text})" for m in view.milestones),
        f"{labels[Dimension.RESPONSIBILITY]}: {_responsibility(view)}",
        f"{labels[Dimension.AUTHORITY]}: {_authority(view)}",
        f"{labels[Dimension.RESULT]}: {_result(task)}",
        "Tiến độ:",
        *(_progress_lines(view) or ["  chưa có báo cáo"]),
        "Đề nghị gia hạn:",
        *([_extension_line(e) for e in view.extensions] or ["  chưa có"]),
        "Lịch sử thay đổi:",
        *(f"  {line}" for line in history_lines(view.history, view.names)),
    ]


def _person(view: TaskView) -> str:
    cell = clean(view.task.person_text)
    if view.person is None:
        return f"chưa rõ (ô: «{cell}»)" if cell else "chưa rõ"
    title = f", {view.person.title}" if view.person.title else ""
    return f"{view.person.name}{title}"


def _deadline(view: TaskView) -> str:
    task = view.task
    text = f"«{clean(task.deadline_text)}»" if task.deadline_text else "(trống)"
    if task.due_date is None:
        return f"{text}: chưa rõ hạn ({clean(task.deadline_reason)})"
    parts = [f"{text} → hạn {format_day(task.due_date)}"]
    if view.effective_due and view.effective_due != task.due_date:
        parts.append(f"hết hạn ngày {format_day(view.effective_due)} (ngày làm việc kế tiếp)")
    if task.original_due:
        parts.append(
            f"đã gia hạn, hạn theo kế hoạch {format_date(task.original_due)}, "
            f"lần điều chỉnh hạn {task.deadline_version}"
        )
    return "; ".join(parts)


def _responsibility(view: TaskView) -> str:
    lead = view.lead_unit.name if view.lead_unit else f"chưa rõ (ô: «{clean(view.task.lead_text)}»)"
    coordinators = clean(view.task.coordinators_text)
    return f"chủ trì: {lead}" + (f"; phối hợp: {coordinators}" if coordinators else "")


def _authority(view: TaskView) -> str:
    assigner = view.task.assigner or "chưa rõ người giao"
    return f"{assigner}; căn cứ: {view.basis or 'chưa có số và ngày kế hoạch'}"


def _result(task: Task) -> str:
    parts = [f"sản phẩm: {cut(clean(task.product)) or 'chưa rõ'}"]
    if task.result:
        parts.append(f"kết quả: {cut(clean(task.result))}")
    if task.evidence:
        parts.append(f"minh chứng: {cut(clean(task.evidence))}")
    if task.completed_on:
        parts.append(f"ngày hoàn thành: {format_date(task.completed_on)}")
    return "; ".join(parts)


def _progress_lines(view: TaskView) -> list[str]:
    lines = []
    for report in view.progress:
        percent = f"{report.percent}%" if report.percent is not None else "—"
        note = f" — {cut(clean(report.note))}" if report.note else ""
        lines.append(f"  {when_text(report.at)} {percent}{note} ({report.actor})")
    return lines


def _extension_line(request: ExtensionRequest) -> str:
    line = (
        f"  số {request.id}, {when_text(request.requested_at)}, {request.requested_by}: "
        f"{format_date(request.old_due)} → {format_date(request.new_due)}; "
        f"lý do: {cut(clean(request.reason))}; {STATUS_WORDS.get(request.status, request.status)}"
    )
    if request.decided_at:
        line += f" {when_text(request.decided_at)} ({request.decided_by})"
    if request.decision_note:
        line += f": {cut(clean(request.decision_note))}"
    return line
