"""Asking the units for their period reports: write each unit's form, record the request
(``unit_report``) and e-mail the form to the unit heads.

One message per unit head, ledgered under ``unit-form:<org>/<unit>/<period>|to:<address>``
so a re-run never mails a form twice; a delivery deferred by an outage is rebuilt and sent
by the next run (forms are not held: they are written again from the database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.periods import Period
from engine.notices import events
from engine.reports.data import ReportData
from engine.reports.unit_forms import unit_tasks, write_unit_form
from engine.store.audit import Actor
from engine.store.models import (
    Organization,
    Person,
    PersonRole,
    Unit,
    UnitKind,
    UnitReport,
    require_id,
)
from notifications.addresses import Mailbox
from notifications.outgoing import Attachment, OutgoingMessage

_SYSTEM = Actor("Sáu Rõ", "lịch báo cáo")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class RequestedForm:
    """One unit's form for a period, written to ``path``; ``heads`` are the unit heads'
    (name, e-mail) pairs from the directory (e-mail "" when unknown)."""

    unit_code: str
    unit_name: str
    path: Path
    tasks: int
    due: date
    heads: tuple[tuple[str, str], ...]
    submitted: bool


def form_path(folder: Path, org_code: str, period_code: str, unit_code: str) -> Path:
    """Where the form of one unit for one period is written."""
    return folder / f"bao-cao-{org_code}-{period_code}-{unit_code}.xlsx"


def request_forms(
    session: Session,
    *,
    organization: Organization,
    period: Period,
    data: ReportData,
    folder: Path,
    now: datetime,
) -> list[RequestedForm]:
    """Write the form of every internal unit leading tasks in ``period`` (``data`` built for
    it) into ``folder`` and record each request; a unit already asked keeps its first
    request time, and its form is refreshed to the tasks as they are now."""
    org_id = require_id(organization)
    units = session.exec(
        select(Unit)
        .where(col(Unit.organization_id) == org_id, col(Unit.kind) == UnitKind.INTERNAL)
        .order_by(col(Unit.name))
    ).all()
    stored = {
        row.unit_id: row
        for row in session.exec(
            select(UnitReport).where(
                col(UnitReport.organization_id) == org_id,
                col(UnitReport.period_code) == period.code,
            )
        ).all()
    }
    forms: list[RequestedForm] = []
    for unit in units:
        tasks = unit_tasks(data, unit.name)
        if not tasks:
            continue
        path = form_path(folder, organization.code, period.code, unit.code)
        write_unit_form(
            path, data=data, unit_code=unit.code, unit_name=unit.name, org=organization.code,
            period=period,
        )  # fmt: skip
        row = stored.get(require_id(unit)) or UnitReport(
            organization_id=org_id, unit_id=require_id(unit), period_code=period.code,
            due=period.unit_deadline, requested_at=now,
        )  # fmt: skip
        if row.submitted_at is None:
            events.form_requested(
                session, unit, period_code=period.code, period_label=period.label,
                due=period.unit_deadline, tasks=len(tasks), actor=_SYSTEM, now=now,
            )  # fmt: skip
        row.due = period.unit_deadline
        row.task_ids = [t.task_id for t in tasks]
        row.form_file = path.name
        session.add(row)
        forms.append(
            RequestedForm(
                unit.code, unit.name, path, len(tasks), period.unit_deadline,
                _heads(session, require_id(unit)), row.submitted_at is not None,
            )
        )  # fmt: skip
    session.flush()
    return forms


def _heads(session: Session, unit_id: int) -> tuple[tuple[str, str], ...]:
    query = select(Person.name, Person.email).where(
        col(Person.unit_id) == unit_id, col(Person.role) == PersonRole.HEAD, col(Person.active)
    )
    return tuple((name, email or "") for name, email in session.exec(query).all())


def form_messages(
    forms: Sequence[RequestedForm],
    *,
    org_code: str,
    org_name: str,
    period: Period,
    base_url: str = "",
) -> tuple[list[OutgoingMessage], list[str]]:
    """One message per unit head with an address, for the forms not yet submitted; and a
    Vietnamese finding per unit whose head cannot be mailed."""
    messages: list[OutgoingMessage] = []
    findings: list[str] = []
    for form in forms:
        if form.submitted:
            continue
        reachable = [(name, email) for name, email in form.heads if "@" in email]
        if not reachable:
            findings.append(
                f"{form.unit_name}: chưa có thủ trưởng đơn vị với địa chỉ thư điện tử trong "
                f"danh bạ; biểu {form.path.name} chưa gửi được, cần chuyển trực tiếp."
            )
            continue
        content = form.path.read_bytes()
        for name, email in reachable:
            messages.append(
                OutgoingMessage(
                    to=(Mailbox(email, name),),
                    subject=f"[Sáu Rõ] Đề nghị {form.unit_name} báo cáo kết quả CCHC "
                    f"{period.label} trước ngày {format_date(form.due)}",
                    text=_form_text(form, name, org_name, period, base_url),
                    ledger_keys=(
                        f"unit-form:{org_code}/{form.unit_code}/{period.code}|to:{email.lower()}",
                    ),
                    headers={"X-Sauro-Org": org_code, "X-Sauro-Period": period.code},
                    attachments=(Attachment(form.path.name, content, XLSX),),
                )
            )
    return messages, findings


def _form_text(form: RequestedForm, head: str, org_name: str, period: Period, base_url: str) -> str:
    upload = (
        [f"Tải biểu và nộp lại trên Sáu Rõ: {base_url.rstrip('/')}/unit-reports", ""]
        if base_url
        else []
    )
    return "\n".join(
        [
            f"Kính gửi: {head}, thủ trưởng {form.unit_name},",
            "",
            f"Thực hiện chế độ báo cáo công tác cải cách hành chính {period.label}, "
            f"{org_name} đề nghị đơn vị báo cáo kết quả thực hiện {form.tasks} nhiệm vụ do "
            f"đơn vị chủ trì (số liệu từ ngày {format_date(period.data_start)} đến hết ngày "
            f"{format_date(period.data_end)}).",
            "",
            f"Biểu báo cáo đính kèm ({form.path.name}): ghi cột Tình trạng, Kết quả, Minh "
            "chứng, Ngày hoàn thành, Khó khăn, vướng mắc và Đề xuất, kiến nghị; không thêm, "
            "xóa hay sửa dòng nhiệm vụ. Gửi lại biểu đã điền cho cơ quan thường trực CCHC "
            f"chậm nhất ngày {format_date(form.due)}.",
            "",
            *upload,
            "Thư này do hệ thống Sáu Rõ gửi tự động.",
        ]
    )
