"""The unit report form round trip (issue 4): the engine writes each unit's tasks of a
period as a printable ``.xlsx`` form; the unit returns it filled and ``apply_unit_form``
records it.

Form layout (sheet "Báo cáo", A4 landscape, Times New Roman):

- rows 1–6: title, organization, unit, period and data range, the unit's deadline, how to fill;
- the header row, then one row per task: a hidden column A holds the task id; B–E (TT,
  Nhiệm vụ, Hạn hoàn thành, Tình trạng hiện tại) are locked; F–K are filled by the unit
  (Tình trạng from a dropdown, Kết quả, Minh chứng, Ngày hoàn thành dd/mm/yyyy, Khó khăn,
  vướng mắc, Đề xuất, kiến nghị);
- below the table, the unit's general difficulties and proposals (merged free-text cells).

A very hidden sheet ``_sauro`` holds the form marker, the organization, period and unit
codes and the task ids, so a returned form is matched back without guessing. The sheet is
protected without a password (it stops slips, not intent); every value is checked again on
submission.

Submission validates everything before the first write and raises one ``ImportFileError``
listing every problem (file, row, column header, sheet); then it applies every row in the
caller's transaction through ``engine.tasks.actions``: ``complete`` for "Đã hoàn thành" rows,
``record_progress`` (a note made of the status, result, evidence, difficulties and
proposals) for the others. A row equal to what is stored (same completion, or a last
progress note with the same text) is skipped, so a re-submitted form changes nothing. The
general difficulties and proposals are audited under the unit (``audit_log``: entity
``unit``, action ``unit_report``, field ``difficulties:<period>`` / ``proposals:<period>``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from engine.calendar.deadlines import format_date
from engine.calendar.periods import Period, ReportingConfig, parse_period
from engine.calendar.status import local_date
from engine.calendar.workdays import WorkCalendar
from engine.errors import ImportFileError, Location, Problem, ProblemList, SauroError
from engine.importing.tables import RawRow, RawTable, read_tables
from engine.reports.data import ReportData, ReportTask
from engine.reports.unit_reports import mark_submitted
from engine.sheet_cells import put, put_row
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import (
    AuditLog,
    Organization,
    ProgressReport,
    Task,
    TaskState,
    Unit,
    require_id,
)
from engine.tasks.actions import complete, record_progress
from engine.text import clean, clean_lines

FORM_MARKER = "sauro-unit-form"
FORM_VERSION = "1"
MAIN_SHEET = "Báo cáo"
META_SHEET = "_sauro"

DONE = "Đã hoàn thành"
DOING = "Đang thực hiện"
NOT_STARTED = "Chưa thực hiện"
STATUSES = (DONE, DOING, NOT_STARTED)

COL_ID = "Mã"
COL_REF = "TT"
COL_WORK = "Nhiệm vụ"
COL_DUE = "Hạn hoàn thành"
COL_CURRENT = "Tình trạng hiện tại"
COL_STATUS = "Tình trạng"
COL_RESULT = "Kết quả"
COL_EVIDENCE = "Minh chứng"
COL_DATE = "Ngày hoàn thành"
COL_DIFFICULTIES = "Khó khăn, vướng mắc"
COL_PROPOSALS = "Đề xuất, kiến nghị"
COLUMNS = (COL_ID, COL_REF, COL_WORK, COL_DUE, COL_CURRENT, COL_STATUS, COL_RESULT,
           COL_EVIDENCE, COL_DATE, COL_DIFFICULTIES, COL_PROPOSALS)  # fmt: skip
FILLED = COLUMNS[5:]  # what the unit writes
_WIDTHS = (8, 7, 48, 13, 20, 18, 30, 30, 14, 28, 28)
GENERAL_DIFFICULTIES = "Khó khăn, vướng mắc chung của đơn vị"
GENERAL_PROPOSALS = "Đề xuất, kiến nghị chung của đơn vị"

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_OPEN = Protection(locked=False)


# -- writing -------------------------------------------------------------------------------


def unit_tasks(data: ReportData, unit_name: str) -> list[ReportTask]:
    """The tasks in scope of the report led by ``unit_name`` (the directory unit's name)."""
    return [t for t in data.tasks if t.lead_unit == unit_name]


def write_unit_form(
    path: Path,
    *,
    data: ReportData,
    unit_code: str,
    unit_name: str,
    org: str,
    period: Period,
) -> int:
    """Write the form of one unit for ``period`` (``data`` built for the same organization
    ``org`` and period); returns the number of task rows."""
    if data.org_code != org or data.period_code != period.code:
        raise ValueError("report data of another organization or period")
    tasks = unit_tasks(data, unit_name)
    book = Workbook()
    sheet = book.active
    if sheet is None:  # a new workbook always has one sheet; keeps mypy honest
        sheet = book.create_sheet()
    sheet.title = MAIN_SHEET
    header_row = _write_title(sheet, data, unit_name, period)
    _write_tasks(sheet, header_row, tasks)
    _write_general(sheet, header_row + len(tasks) + 2)
    _page_setup(sheet, header_row)
    _write_meta(book.create_sheet(META_SHEET), data, unit_code, tasks)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(tasks)


def _merged_line(
    sheet: Worksheet, row: int, text: str, *, bold: bool = False, size: int = 12
) -> None:
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(COLUMNS))
    cell = put(sheet, row, 2, text)
    cell.font = Font(name=_FONT, bold=bold, size=size)
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def _write_title(sheet: Worksheet, data: ReportData, unit_name: str, period: Period) -> int:
    lines = [
        ("BIỂU BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH", True, 14),
        (f"Cơ quan giao nhiệm vụ: {data.org_name}", False, 12),
        (f"Đơn vị báo cáo: {unit_name}", True, 12),
        (
            f"Kỳ báo cáo: {period.label}; số liệu từ ngày "
            f"{format_date(period.data_start)} đến hết ngày {format_date(period.data_end)}",
            False,
            12,
        ),
        (f"Hạn gửi báo cáo của đơn vị: {format_date(period.unit_deadline)}", True, 12),
        (
            f"Cách ghi: chọn «{COL_STATUS}» trong danh sách ({', '.join(STATUSES)}); khi "
            f"«{DONE}» phải ghi {COL_RESULT}, {COL_EVIDENCE} và {COL_DATE} (dd/mm/yyyy). "
            "Không sửa, thêm hay xóa dòng nhiệm vụ.",
            False,
            11,
        ),
    ]
    for row, (text, bold, size) in enumerate(lines, start=1):
        _merged_line(sheet, row, text, bold=bold, size=size)
    sheet.row_dimensions[6].height = 32
    return len(lines) + 2


def _write_tasks(sheet: Worksheet, header_row: int, tasks: Sequence[ReportTask]) -> None:
    for index, (title, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True), start=1):
        cell = put(sheet, header_row, index, title)
        cell.font = Font(name=_FONT, bold=True, size=12)
        cell.alignment = _CENTER
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.column_dimensions["A"].hidden = True
    dropdown = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUSES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tình trạng không hợp lệ",
        error=f"Chọn một trong: {', '.join(STATUSES)}.",
    )
    sheet.add_data_validation(dropdown)
    first = header_row + 1
    for row, task in enumerate(tasks, start=first):
        due = format_date(task.due) if task.due else "Không thời hạn"
        values: list[int | str] = [task.task_id, task.ref, task.work, due, task.status_label]
        put_row(sheet, row, values)
        for column in range(1, len(COLUMNS) + 1):
            styled = sheet.cell(row, column)
            styled.font = Font(name=_FONT, size=11)
            styled.border = _BORDER
            styled.alignment = _CENTER if column in (2, 4, 6, 9) else _WRAP
            if column > 5:
                styled.protection = _OPEN
        sheet.cell(row, 9).number_format = "dd/mm/yyyy"
    if tasks:
        last = first + len(tasks) - 1
        dropdown.add(f"F{first}:F{last}")


def _write_general(sheet: Worksheet, row: int) -> None:
    for offset, label in enumerate((GENERAL_DIFFICULTIES, GENERAL_PROPOSALS)):
        at = row + offset
        sheet.merge_cells(start_row=at, start_column=3, end_row=at, end_column=len(COLUMNS))
        cell = put(sheet, at, 2, label)
        cell.font = Font(name=_FONT, bold=True, size=11)
        cell.alignment = _WRAP
        cell.border = _BORDER
        free = sheet.cell(at, 3)
        free.font = Font(name=_FONT, size=11)
        free.alignment = _WRAP
        free.protection = _OPEN
        for column in range(3, len(COLUMNS) + 1):
            sheet.cell(at, column).border = _BORDER
        sheet.row_dimensions[at].height = 60


def _page_setup(sheet: Worksheet, header_row: int) -> None:
    sheet.freeze_panes = f"C{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False


def _write_meta(
    sheet: Worksheet, data: ReportData, unit_code: str, tasks: Sequence[ReportTask]
) -> None:
    pairs = (
        ("form", FORM_MARKER),
        ("version", FORM_VERSION),
        ("organization", data.org_code),
        ("period", data.period_code),
        ("unit", unit_code),
        ("tasks", ",".join(str(t.task_id) for t in tasks)),
        ("as_of", data.as_of.isoformat()),
    )
    for row, pair in enumerate(pairs, start=1):
        put_row(sheet, row, pair)
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormRow:
    """One task row as the unit filled it (texts cleaned; ``id_text`` is the hidden id)."""

    row: int
    id_text: str
    ref: str
    status: str
    result: str
    evidence: str
    completed: str
    difficulties: str
    proposals: str

    @property
    def blank(self) -> bool:
        return not any((self.status, self.result, self.evidence, self.completed,
                        self.difficulties, self.proposals))  # fmt: skip


@dataclass(frozen=True, slots=True)
class UnitSubmission:
    """A returned form: where it came from, what it is for, and what the unit wrote.
    ``columns`` maps each header to its 1-based column in the returned sheet."""

    file: str
    org_code: str
    period_code: str
    unit_code: str
    task_ids: tuple[int, ...]
    rows: tuple[FormRow, ...]
    difficulties: str
    proposals: str
    general_rows: tuple[int | None, int | None] = (None, None)
    columns: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubmitSummary:
    completed: int
    progress: int
    unchanged: int
    blank: int
    general: int  # general difficulties/proposals recorded (0–2)


def _where(file: str, row: int | None, column: str | None, sheet: str = MAIN_SHEET) -> Location:
    return Location(file=file, row=row, column=column, field=f"trang tính {sheet}")


def _not_a_form(file: str, reason: str) -> ImportFileError:
    message = f"Tệp {file} không phải biểu báo cáo của đơn vị do Sáu Rõ xuất ra: {reason}"
    return ImportFileError(message, [Problem(Location(file=file), reason)])


def read_unit_form(path: Path) -> UnitSubmission:
    """Read a returned form. Raises ``ImportFileError`` when the file is not a form of
    ours (no metadata, another marker or version, the table's header missing)."""
    tables = {table.name: table for table in read_tables(path)}
    file = path.name
    meta_table = tables.get(META_SHEET)
    main = tables.get(MAIN_SHEET)
    if meta_table is None or main is None:
        raise _not_a_form(file, "thiếu trang tính dữ liệu của biểu mẫu; hãy dùng biểu mới xuất")
    meta = {row.cells[0]: (row.cells[1] if len(row.cells) > 1 else "") for row in meta_table.rows}
    if meta.get("form") != FORM_MARKER or meta.get("version") != FORM_VERSION:
        raise _not_a_form(file, "dấu nhận dạng biểu mẫu không đúng")
    try:
        ids = tuple(int(part) for part in meta.get("tasks", "").split(",") if part.strip())
    except ValueError:
        raise _not_a_form(file, "danh sách nhiệm vụ của biểu mẫu bị sửa") from None
    header_index, columns = _header(main, file)
    rows: list[FormRow] = []
    general: dict[str, tuple[str, int]] = {}
    for raw in main.rows[header_index + 1 :]:
        label = _cell(raw, columns[COL_REF])
        if label in (GENERAL_DIFFICULTIES, GENERAL_PROPOSALS):
            general[label] = (_cell(raw, columns[COL_WORK]), raw.number)
            continue
        if raw.is_empty():
            continue
        rows.append(_form_row(raw, columns))
    difficulties = general.get(GENERAL_DIFFICULTIES, ("", None))
    proposals = general.get(GENERAL_PROPOSALS, ("", None))
    return UnitSubmission(
        file=file,
        org_code=meta.get("organization", ""),
        period_code=meta.get("period", ""),
        unit_code=meta.get("unit", ""),
        task_ids=ids,
        rows=tuple(rows),
        difficulties=difficulties[0],
        proposals=proposals[0],
        general_rows=(difficulties[1], proposals[1]),
        columns=columns,
    )


def _header(table: RawTable, file: str) -> tuple[int, dict[str, int]]:
    for index, raw in enumerate(table.rows):
        if COL_ID in raw.cells and COL_STATUS in raw.cells:
            columns = {text: position for position, text in enumerate(raw.cells, start=1) if text}
            missing = [name for name in COLUMNS if name not in columns]
            if missing:
                raise _not_a_form(file, f"dòng tiêu đề thiếu cột {', '.join(missing)}")
            return index, columns
    raise _not_a_form(file, f"không thấy dòng tiêu đề của bảng nhiệm vụ (cột {COL_STATUS})")


def _cell(raw: RawRow, column: int) -> str:
    return raw.cells[column - 1] if column <= len(raw.cells) else ""


def _form_row(raw: RawRow, columns: dict[str, int]) -> FormRow:
    def text(name: str) -> str:
        return clean_lines(_cell(raw, columns[name]))

    return FormRow(
        row=raw.number,
        id_text=clean(text(COL_ID)),
        ref=text(COL_REF),
        status=clean(text(COL_STATUS)),
        result=text(COL_RESULT),
        evidence=text(COL_EVIDENCE),
        completed=clean(text(COL_DATE)),
        difficulties=text(COL_DIFFICULTIES),
        proposals=text(COL_PROPOSALS),
    )


# -- validating and applying ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Planned:
    task_id: int
    row: FormRow
    completed_on: date | None  # a "done" row: complete; else record progress
    note: str
    unchanged: bool


def apply_unit_form(
    session: Session,
    submission: UnitSubmission,
    *,
    actor: Actor,
    now: datetime,
    reporting: ReportingConfig,
    calendar: WorkCalendar,
) -> SubmitSummary:
    """Validate the whole submission, then record it in the caller's transaction, and mark
    the unit's report for the period submitted (``engine.reports.unit_reports``). Raises one
    ``ImportFileError`` listing every problem, before any write."""
    checker = _Checker(session, submission, now)
    org, unit, period = checker.target(reporting, calendar)
    planned: list[_Planned] = []
    blank = 0
    if org is not None and unit is not None:
        for row in submission.rows:
            if row.blank and row.id_text:
                blank += 1
                continue
            plan = checker.row(row, org, unit)
            if plan is not None:
                planned.append(plan)
        checker.duplicates()
    problems = checker.problems.problems
    if problems or org is None or unit is None or period is None:
        raise ImportFileError(
            f"Biểu báo cáo {submission.file} có {len(problems)} lỗi; chưa ghi nhận nội dung nào:",
            problems,
        )
    counts = {"completed": 0, "progress": 0, "unchanged": 0}
    for plan in planned:
        counts[_apply(session, plan, actor, now)] += 1
    general = _record_general(session, submission, (org, unit), actor, now)
    mark_submitted(
        session, organization_id=require_id(org), unit_id=require_id(unit), period=period,
        task_ids=submission.task_ids, who=actor.name, now=now,
        changed=counts["completed"] + counts["progress"] + general > 0,
        notes=form_notes(submission),
    )  # fmt: skip
    return SubmitSummary(
        counts["completed"], counts["progress"], counts["unchanged"], blank, general
    )


def form_notes(
    submission: UnitSubmission,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The difficulties and the proposals of a form: each row's (with its task's number),
    then the unit's general ones (number "")."""
    kept: tuple[list[dict[str, str]], list[dict[str, str]]] = ([], [])
    for row in submission.rows:
        for notes, text in zip(kept, (row.difficulties, row.proposals), strict=True):
            if text:
                notes.append({"ref": row.ref, "text": text})
    general = (submission.difficulties, submission.proposals)
    for notes, text in zip(kept, general, strict=True):
        if clean_lines(text):
            notes.append({"ref": "", "text": clean_lines(text)})
    return kept


def _apply(session: Session, plan: _Planned, actor: Actor, now: datetime) -> str:
    if plan.unchanged:
        return "unchanged"
    if plan.completed_on is not None:
        complete(
            session=session,
            task_id=plan.task_id,
            result=plan.row.result,
            evidence=plan.row.evidence,
            completed_on=plan.completed_on,
            actor=actor,
            now=now,
        )
        return "completed"
    record_progress(
        session=session, task_id=plan.task_id, percent=None, note=plan.note, actor=actor, now=now
    )
    return "progress"


@dataclass
class _Checker:
    """Collects every problem of one submission."""

    session: Session
    submission: UnitSubmission
    now: datetime
    problems: ProblemList = field(default_factory=ProblemList)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        sheet = MAIN_SHEET if row is not None else META_SHEET
        self.problems.add(_where(self.submission.file, row, column, sheet), message)

    def target(
        self, reporting: ReportingConfig, calendar: WorkCalendar
    ) -> tuple[Organization | None, Unit | None, Period | None]:
        """The form's organization, unit and period, when they exist."""
        sub = self.submission
        period: Period | None = None
        try:
            period = parse_period(sub.period_code, reporting, calendar)
        except SauroError as error:
            self.add(None, None, f"kỳ báo cáo sai: {error.message}")
        org = self.session.exec(
            select(Organization).where(Organization.code == sub.org_code)
        ).first()
        if org is None:
            self.add(None, None, f"không có cơ quan mã '{sub.org_code}' trong danh mục")
            return None, None, period
        unit = self.session.exec(
            select(Unit).where(Unit.organization_id == org.id, Unit.code == sub.unit_code)
        ).first()
        if unit is None:
            self.add(None, None, f"{org.name} không có đơn vị mã '{sub.unit_code}'")
        return org, unit, period

    def task(self, row: FormRow, org: Organization, unit: Unit) -> Task | None:
        """The row's task, when it is one of the form's and still the unit's."""
        task_id = int(row.id_text) if row.id_text.isdigit() else None
        if task_id is None or task_id not in self.submission.task_ids:
            shown = f"'{row.ref}'" if row.ref else "không có số"
            self.add(
                row.row,
                COL_REF,
                f"nhiệm vụ {shown} không có trong danh sách của biểu mẫu "
                "(không thêm dòng hay sửa cột mã)",
            )
            return None
        task = self.session.get(Task, task_id)
        if task is None or task.organization_id != org.id:
            self.add(row.row, COL_REF, f"nhiệm vụ {row.ref} không thuộc {org.name}")
            return None
        if task.lead_unit_id != unit.id:
            self.add(row.row, COL_REF, f"nhiệm vụ {task.ref} không còn do {unit.name} chủ trì")
            return None
        return task

    def row(self, row: FormRow, org: Organization, unit: Unit) -> _Planned | None:
        """What to do with one filled row, or None after adding its problems."""
        task = self.task(row, org, unit)
        if task is None:
            return None
        count = len(self.problems.problems)
        completed_on = self.fields(row)
        done = row.status == DONE
        note = _note(row)
        unchanged = False
        if task.state == TaskState.WITHDRAWN:
            self.add(row.row, COL_STATUS, f"nhiệm vụ {task.ref} đã rút khỏi kế hoạch")
        elif task.state in (TaskState.DONE, TaskState.AWAITING):
            unchanged = True
            same = (
                done
                and completed_on == task.completed_on
                and row.result == task.result
                and row.evidence == task.evidence
            )
            if not same:
                when = format_date(task.completed_on) if task.completed_on else "không rõ"
                self.add(
                    row.row,
                    COL_STATUS,
                    f"nhiệm vụ {task.ref} đã được ghi nhận hoàn thành ngày {when}; "
                    "không sửa qua biểu báo cáo",
                )
        elif not done:
            unchanged = _last_note(self.session, require_id(task)) == note
        if len(self.problems.problems) > count:
            return None
        return _Planned(require_id(task), row, completed_on if done else None, note, unchanged)

    def fields(self, row: FormRow) -> date | None:
        """Check the status, result, evidence and date of a row; its completion date."""
        if row.status not in STATUSES:
            shown = f"'{row.status}'" if row.status else "chưa chọn"
            self.add(
                row.row, COL_STATUS, f"tình trạng {shown} không hợp lệ: chọn {', '.join(STATUSES)}"
            )
        completed_on = _date(row.completed)
        if row.completed and completed_on is None:
            self.add(
                row.row,
                COL_DATE,
                f"ngày '{row.completed}' không hợp lệ: ghi dạng dd/mm/yyyy, vd. 15/05/2024",
            )
        if row.status == DONE:
            wanted = (
                (COL_RESULT, row.result, "kết quả đạt được (6 rõ: rõ kết quả)"),
                (COL_EVIDENCE, row.evidence, "minh chứng (số, ngày văn bản; đường dẫn tệp)"),
                (COL_DATE, row.completed, "ngày hoàn thành (dd/mm/yyyy)"),
            )
            for column, text, what in wanted:
                if not text:
                    self.add(row.row, column, f"«{DONE}» phải ghi {what}")
        elif row.completed and row.status in STATUSES:
            self.add(row.row, COL_DATE, f"chỉ ghi ngày hoàn thành khi tình trạng là «{DONE}»")
        today = local_date(self.now)
        if completed_on is not None and completed_on > today:
            self.add(
                row.row,
                COL_DATE,
                f"ngày hoàn thành {format_date(completed_on)} sau ngày nộp báo cáo "
                f"{format_date(today)}",
            )
        return completed_on

    def duplicates(self) -> None:
        seen: dict[str, int] = {}
        for row in self.submission.rows:
            if not row.id_text:
                continue
            if row.id_text in seen:
                self.add(
                    row.row,
                    COL_REF,
                    f"nhiệm vụ {row.ref} có hai dòng (dòng {seen[row.id_text]} và dòng "
                    f"{row.row}); chỉ giữ một",
                )
            else:
                seen[row.id_text] = row.row


def _last_note(session: Session, task_id: int) -> str | None:
    return session.exec(
        select(ProgressReport.note)
        .where(ProgressReport.task_id == task_id)
        .order_by(col(ProgressReport.at).desc(), col(ProgressReport.id).desc())
    ).first()


def _date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _note(row: FormRow) -> str:
    """The progress note of a row: its status and every text the unit wrote."""
    texts = (
        (COL_RESULT, row.result),
        (COL_EVIDENCE, row.evidence),
        (COL_DIFFICULTIES, row.difficulties),
        (COL_PROPOSALS, row.proposals),
    )
    parts = [f"{COL_STATUS}: {row.status}"]
    parts += [f"{label}: {text}" for label, text in texts if text]
    return clean_lines("\n".join(parts))


GENERAL_ACTION = "unit_report"


def general_field(kind: str, period_code: str) -> str:
    """The audit field of a unit's general difficulties ("difficulties") or proposals."""
    return f"{kind}:{period_code}"


def _record_general(
    session: Session,
    submission: UnitSubmission,
    target: tuple[Organization, Unit],
    actor: Actor,
    now: datetime,
) -> int:
    """Audit the general difficulties and proposals under the unit, unless the last ones of
    the same period say the same."""
    org, unit = target
    recorded = 0
    texts = (("difficulties", submission.difficulties), ("proposals", submission.proposals))
    for kind, text in texts:
        value = clean_lines(text)
        name = general_field(kind, submission.period_code)
        last = session.exec(
            select(AuditLog.new_value)
            .where(
                AuditLog.entity == "unit",
                AuditLog.entity_id == unit.id,
                AuditLog.action == GENERAL_ACTION,
                AuditLog.field == name,
            )
            .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        ).first()
        if not value or last == value:
            continue
        audit.record(
            session,
            organization_id=require_id(org),
            entity="unit",
            entity_id=require_id(unit),
            action=GENERAL_ACTION,
            changes=[audit.Change(name, last, value)],
            actor=actor,
            now=now,
        )
        recorded += 1
    return recorded
