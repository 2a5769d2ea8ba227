"""``sauro demo``: a live commune built relative to today, for the web app and the commands.

Xuân Dương (the directory's commune) gets a plan dated this year whose task table is
written as a CSV in the current folder and imported like any plan. Its tasks are due around
today: some done on time or late, some late and still open, some due in the coming days, an
extension approved and one waiting for a decision, a result waiting for acceptance, and a
few that fail 6 rõ. The last finished reporting period has its unit forms sent, returned
filled (one of them late) and its report written. Every step goes through the engine's own
functions (import, task actions, unit forms, the period report) at an explicit moment
relative to ``--today``, oldest first, so the history reads as if the commune had lived it.
Last, one account per role, all with the printed password.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.periods import Period, current_period, periods_overlapping
from engine.calendar.status import VN, local_date
from engine.calendar.workdays import WorkCalendar
from engine.cli import common
from engine.configs.files import Configs
from engine.directory.accounts import add_user
from engine.directory.store import get_organization, sync_directory
from engine.errors import SauroError
from engine.plans.importer import ImportOptions, import_plan
from engine.reports.assembly import write_period_report
from engine.reports.data import report_data
from engine.reports.form_requests import request_forms
from engine.reports.unit_forms import (
    COL_CURRENT,
    COL_DATE,
    COL_DIFFICULTIES,
    COL_EVIDENCE,
    COL_RESULT,
    COL_STATUS,
    COLUMNS,
    DOING,
    DONE,
    GENERAL_DIFFICULTIES,
    MAIN_SHEET,
    apply_unit_form,
    read_unit_form,
)
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import UserRole
from engine.tasks.acceptance import review_result
from engine.tasks.actions import (
    complete,
    decide_extension,
    find_task_id,
    pending_request_id,
    record_progress,
    request_extension,
)

ORG = "xuan-duong"
PASSWORD = "demo-sau-ro"
CHAIRMAN = "chutich@xuanduong.example.vn"
VICE_CHAIRMAN = "trangdtt@xuanduong.example.vn"
# username -> (role, directory person, what the account shows)
ACCOUNTS: dict[str, tuple[UserRole, str | None, str]] = {
    "quantri": (UserRole.ADMIN, None, "quản trị: cấu hình, tài khoản, danh mục"),
    "thuongtruc": (UserRole.STANDING_OFFICE, "khanhdv@xuanduong.example.vn",
                   "cơ quan thường trực CCHC: nhiệm vụ, báo cáo kỳ"),
    "chutich": (UserRole.CHAIRMAN, CHAIRMAN, "Chủ tịch: bảng điều hành, gia hạn, xác nhận"),
    "phochutich": (UserRole.VICE_CHAIRMAN, VICE_CHAIRMAN, "Phó Chủ tịch"),
    "truongphong": (UserRole.UNIT_HEAD, "hungtv@xuanduong.example.vn",
                    "Trưởng phòng Kinh tế: giao việc, báo cáo đơn vị"),
    "canbo": (UserRole.OFFICER, "thaolt@xuanduong.example.vn",
              "công chức Phòng Kinh tế: tiến độ, hoàn thành"),
}  # fmt: skip

_HEADER = ("TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
           "Cơ quan phối hợp", "Thời gian thực hiện", "Người thực hiện")  # fmt: skip
_ACTOR = Actor("Sáu Rõ", "sauro demo")

VP, KT, VHXH = "Văn phòng HĐND và UBND xã", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội"
HCC, DV, CA = (
    "Trung tâm Phục vụ hành chính công xã",
    "Trung tâm Dịch vụ sự nghiệp công xã",
    "Công an xã",
)


@dataclass(frozen=True)
class Moments:
    """The days the demo is built around: today, the plan's date and the last finished
    reporting period (its forms, its units' deadline, its report)."""

    today: date
    plan_date: date
    finished: Period
    current: Period

    def day(self, code: str) -> date | None:
        """The day of a deadline code: "d±N" is N days from today, "p-N" N days before the
        finished period's cut-off, "q1"/"h1" the cut-off of the plan year's Quý I / 6 tháng,
        "year" its 10th of December; None for a deadline written in words."""
        if code.startswith("d"):
            return self.today + timedelta(days=int(code[1:]))
        if code.startswith("p-"):
            return self.finished.data_end - timedelta(days=int(code[2:]))
        fixed = {"q1": (3, 14), "h1": (6, 14), "year": (12, 10)}
        return date(self.plan_date.year, *fixed[code]) if code in fixed else None

    def cell(self, code: str) -> str:
        """The plan's deadline cell for a code: the day, or the words as they are."""
        day = self.day(code)
        return f"{day:%d/%m/%Y}" if day else code


def moments(today: date, configs: Configs, calendar: WorkCalendar) -> Moments:
    """The finished period: the latest enabled one whose units' deadline has passed."""
    back = periods_overlapping(today - timedelta(days=500), today, configs.reporting, calendar)
    finished = next(p for p in back if p.unit_deadline < today - timedelta(days=7))
    current = current_period(today, configs.reporting, calendar)
    plan_date = min(date(today.year, 1, 5), finished.data_start + timedelta(days=20))
    return Moments(today, plan_date, finished, current)


# ref, area, work, product, lead, coordinators, deadline (see Moments.due), person
_TASKS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("1.1", "Công tác chỉ đạo, điều hành CCHC",
     "Ban hành Kế hoạch kiểm tra công tác cải cách hành chính năm tại các đơn vị thuộc UBND xã.",
     "Kế hoạch kiểm tra", VHXH, VP, "q1", "Đàm Văn Khánh"),
    ("1.2", "Công tác chỉ đạo, điều hành CCHC",
     "Tổ chức kiểm tra công tác CCHC tại các đơn vị, báo cáo kết quả kiểm tra.",
     "Báo cáo kết quả kiểm tra", VHXH, VP, "p-40", "La Thị Mai"),
    ("1.3", "Công tác chỉ đạo, điều hành CCHC",
     "Tuyên truyền cải cách hành chính trên trang thông tin điện tử của xã.",
     "Tin, bài đăng tải", VHXH, "", "Thường xuyên", "La Thị Mai"),
    ("2.1", "Cải cách thể chế",
     "Rà soát văn bản quy phạm pháp luật do HĐND, UBND xã ban hành, đề xuất sửa đổi, bãi bỏ.",
     "Báo cáo kết quả rà soát", VP, "Công an xã", "h1", "Ma Thị Huyền"),
    ("2.2", "Cải cách thể chế",
     "Tự kiểm tra văn bản quy phạm pháp luật ban hành trong năm.",
     "Báo cáo tự kiểm tra", VP, "", "d-12", "Ma Thị Huyền"),
    ("3.1", "Cải cách thủ tục hành chính",
     "Niêm yết công khai đầy đủ thủ tục hành chính tại Trung tâm Phục vụ hành chính công xã.",
     "Danh mục thủ tục hành chính niêm yết", HCC, VP, "p-25", "Hà Thị Ngọc"),
    ("3.2", "Cải cách thủ tục hành chính",
     "Khảo sát mức độ hài lòng của người dân, tổ chức đối với việc giải quyết thủ tục hành chính.",
     "Báo cáo kết quả khảo sát", HCC, VHXH, "d-2", "Hà Thị Ngọc"),
    ("3.3", "Cải cách thủ tục hành chính",
     "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực.",
     "Tỷ lệ hồ sơ được số hóa", HCC, "", "d+4", "Hà Thị Ngọc"),
    ("4.1", "Cải cách tổ chức bộ máy hành chính nhà nước",
     "Rà soát chức năng, nhiệm vụ của các phòng, đơn vị sau sắp xếp.",
     "Báo cáo rà soát", VP, VHXH, "p-10", "Ma Thị Huyền"),
    ("4.2", "Cải cách tổ chức bộ máy hành chính nhà nước",
     "Xây dựng đề án vị trí việc làm của Trung tâm Dịch vụ sự nghiệp công xã.",
     "Đề án vị trí việc làm", DV, VP, "d+3", "Vi Thị Hoa"),
    ("5.1", "Cải cách chế độ công vụ",
     "Đánh giá, xếp loại chất lượng cán bộ, công chức năm.",
     "Quyết định xếp loại", VP, "Các cơ quan, đơn vị", "year", "Ma Thị Huyền"),
    ("5.2", "Cải cách chế độ công vụ",
     "Cử công chức tham gia bồi dưỡng kỹ năng chuyển đổi số.",
     "Danh sách công chức được bồi dưỡng", "Các cơ quan, đơn vị thuộc UBND xã", "", "d+20", ""),
    ("6.1", "Cải cách tài chính công",
     "Công khai dự toán, quyết toán ngân sách xã theo quy định.",
     "Thông báo công khai", KT, VP, "d-5", "Lường Thị Thảo"),
    ("6.2", "Cải cách tài chính công",
     "Rà soát, sắp xếp lại tài sản công là nhà, đất của xã.",
     "Phương án sắp xếp tài sản công", KT, "", "d+1", "Lường Thị Thảo"),
    ("6.3", "Cải cách tài chính công",
     "Giao quyền tự chủ tài chính cho Trung tâm Dịch vụ sự nghiệp công xã.",
     "Quyết định giao tự chủ", KT, DV, "d+15", ""),
    ("7.1", "Xây dựng, phát triển Chính quyền điện tử, Chính quyền số",
     "Vận hành hệ thống quản lý văn bản và điều hành, ký số văn bản đi.",
     "Tỷ lệ văn bản ký số", VP, "", "p-30", "Ma Thị Huyền"),
    ("7.2", "Xây dựng, phát triển Chính quyền điện tử, Chính quyền số",
     "Hướng dẫn người dân nộp hồ sơ trực tuyến toàn trình tại bộ phận một cửa.",
     "Tỷ lệ hồ sơ trực tuyến", HCC, CA, "d-20", "Hà Thị Ngọc"),
    ("7.3", "Xây dựng, phát triển Chính quyền điện tử, Chính quyền số",
     "Làm sạch dữ liệu dân cư phục vụ dịch vụ công trực tuyến.",
     "Dữ liệu dân cư được cập nhật", CA, HCC, "d+30", "Hoàng Minh Đức"),
)  # fmt: skip


def write_plan(path: Path, when: Moments) -> Path:
    """The plan's task table as a CSV, its deadlines relative to ``when``."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_HEADER)
        for ref, area, work, product, lead, coordinators, due, person in _TASKS:
            writer.writerow((ref, area, work, product, lead, coordinators, when.cell(due), person))
    return path


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), VN)


Step = Callable[[Session], object]


class _Builder:
    """The demo's steps, each one at its own moment, run oldest first."""

    def __init__(self, engine: Engine, configs: Configs, config_dir: Path, when: Moments):
        self.engine, self.configs, self.config_dir, self.when = engine, configs, config_dir, when
        self.calendar = WorkCalendar(configs.calendar)
        self.plan_key = f"{when.plan_date:%d}/KH-UBND"
        self.steps: list[tuple[datetime, str, Step]] = []

    def at(self, moment: datetime, what: str, step: Step) -> None:
        if local_date(moment) <= self.when.today:  # nothing from the future
            self.steps.append((moment, what, step))

    def run(self) -> None:
        for moment, what, step in sorted(self.steps, key=lambda s: s[0]):
            with session_scope(self.engine) as session:
                try:
                    step(session)
                except SauroError as error:
                    raise SauroError(f"demo: {what} ({moment:%d/%m/%Y}): {error}") from error

    def task(self, session: Session, ref: str) -> int:
        return find_task_id(session, org_code=ORG, ref=ref, plan_key=self.plan_key)

    def due_of(self, ref: str) -> date:
        day = self.when.day(next(t[6] for t in _TASKS if t[0] == ref))
        if day is None:
            raise SauroError(f"demo: nhiệm vụ {ref} không có hạn là một ngày")
        return day

    # -- single actions ---------------------------------------------------------------------

    def done(self, ref: str, days_after_due: int, *, accept_after: int | None = 2) -> None:
        """``ref`` completed ``days_after_due`` days after its due date (negative: before),
        and accepted by the Chairman ``accept_after`` days later (None: still waiting)."""
        finished = self.due_of(ref) + timedelta(days=days_after_due)

        def step(session: Session) -> None:
            complete(
                session=session, task_id=self.task(session, ref), completed_on=finished,
                result="Đã hoàn thành, sản phẩm đã ban hành.",
                evidence=f"Văn bản số {ref.replace('.', '')}/UBND ngày {finished:%d/%m/%Y}",
                actor=Actor("Sáu Rõ demo", f"hoàn thành {ref}"), now=_at(finished, 16),
            )  # fmt: skip

        self.at(_at(finished, 16), f"hoàn thành {ref}", step)
        if accept_after is not None:
            self.accept(ref, finished + timedelta(days=accept_after))

    def accept(self, ref: str, day: date) -> None:
        def step(session: Session) -> None:
            review_result(
                session=session, task_id=self.task(session, ref), accept=True, reason="",
                reviewer=CHAIRMAN, actor=Actor("Sáu Rõ demo", f"xác nhận {ref}"), now=_at(day, 10),
            )  # fmt: skip

        self.at(_at(day, 10), f"xác nhận {ref}", step)

    def progress(self, ref: str, day: date, percent: int, note: str) -> None:
        def step(session: Session) -> None:
            record_progress(
                session=session, task_id=self.task(session, ref), percent=percent, note=note,
                actor=Actor("Sáu Rõ demo", f"tiến độ {ref}"), now=_at(day, 15),
            )  # fmt: skip

        self.at(_at(day, 15), f"tiến độ {ref}", step)

    def extension(self, ref: str, asked: date, new_due: date, *, decided: date | None) -> None:
        """An extension of ``ref`` asked on ``asked``; approved on ``decided`` (None: it
        waits for the Chairman)."""

        def ask(session: Session) -> None:
            request_extension(
                session=session, task_id=self.task(session, ref), new_due=new_due,
                reason="Chờ ý kiến thẩm định của cơ quan chuyên môn cấp tỉnh.",
                actor=Actor("Sáu Rõ demo", f"đề nghị gia hạn {ref}"), now=_at(asked, 14),
                calendar=self.calendar,
            )  # fmt: skip

        self.at(_at(asked, 14), f"đề nghị gia hạn {ref}", ask)
        if decided is None:
            return

        def decide(session: Session) -> None:
            task = self.task(session, ref)
            decide_extension(
                session=session, request_id=pending_request_id(session, task_id=task),
                approve=True, decider=CHAIRMAN, note="Đồng ý gia hạn.",
                actor=Actor("Sáu Rõ demo", f"duyệt gia hạn {ref}"), now=_at(decided, 10),
            )  # fmt: skip

        self.at(_at(decided, 10), f"duyệt gia hạn {ref}", decide)

    # -- the plan, the story, the finished period --------------------------------------------

    def plan(self, csv_path: Path) -> None:
        def step(session: Session) -> None:
            options = ImportOptions(path=csv_path, org_code=ORG, plan_number=self.plan_key,
                                    plan_date=self.when.plan_date)  # fmt: skip
            import_plan(session=session, options=options, configs=self.configs,
                        actor=_ACTOR, now=_at(self.when.plan_date, 8))  # fmt: skip

        self.at(_at(self.when.plan_date, 8), "nhập kế hoạch", step)

    def story(self) -> None:
        """What the commune did with its plan, up to today."""
        today = self.when.today
        self.done("1.1", -3)  # Quý I: on time
        self.done("2.1", 9)  # 6 tháng: late
        self.done("1.2", -2)  # the finished period: on time
        self.done("7.1", 4)  # the finished period: late
        self.extension("4.1", self.due_of("4.1") - timedelta(days=6), today + timedelta(days=12),
                       decided=self.due_of("4.1") - timedelta(days=4))  # fmt: skip
        self.progress("2.2", today - timedelta(days=25), 60, "Đã tự kiểm tra 8/14 văn bản.")
        self.progress("7.2", today - timedelta(days=30), 70, "Tỷ lệ hồ sơ trực tuyến đạt 54%.")
        self.progress("6.2", today - timedelta(days=3), 80, "Đã trình phương án sắp xếp.")
        self.progress("3.3", today - timedelta(days=1), 45, "Đã số hóa 1.250 hồ sơ.")
        self.done("6.1", -2, accept_after=None)  # waits for the Chairman's acceptance
        self.extension("4.2", today - timedelta(days=2), today + timedelta(days=21), decided=None)
        self.accept("3.1", self.when.finished.unit_deadline + timedelta(days=4))

    def finished_period(self, folder: Path) -> None:
        """The finished period's forms sent to the units, returned filled (the last one
        after the deadline), and its report written where the web app lists it."""
        period = self.when.finished
        asked = self.calendar.add_working_days(period.unit_deadline, -5)
        sent: list[tuple[str, Path]] = []

        def ask(session: Session) -> None:
            organization = get_organization(session, ORG)
            data = report_data(
                session.connection(), configs=self.configs, org_code=ORG, period=period,
                now=_at(asked, 7),
            )  # fmt: skip
            forms = request_forms(session, organization=organization, period=period, data=data,
                                  folder=folder / "bieu-don-vi", now=_at(asked, 7))  # fmt: skip
            sent.extend((form.unit_code, form.path) for form in forms)

        self.at(_at(asked, 7), "gửi biểu báo cáo đơn vị", ask)
        for index, late in enumerate((False, False, False, False, False, True)):
            day = period.unit_deadline + timedelta(days=3) if late else asked + timedelta(days=1)
            self.at(_at(day, 10 + index), "đơn vị nộp biểu", self._returned(sent, index, day))
        report_day = period.assemble_on

        def report(session: Session) -> None:
            write_period_report(
                self.engine, configs=self.configs, config_dir=self.config_dir, org_code=ORG,
                period=period, now=_at(report_day, 16), out=folder, issued_on=report_day,
            )  # fmt: skip

        self.at(_at(report_day, 16), "lập báo cáo kỳ", report)

    def _returned(self, sent: list[tuple[str, Path]], index: int, day: date) -> Step:
        def step(session: Session) -> None:
            if index >= len(sent):
                return
            path = _fill(sent[index][1], self.when)
            submission = read_unit_form(path)
            apply_unit_form(session, submission, actor=Actor("Sáu Rõ demo", path.name),
                            now=_at(day, 10), reporting=self.configs.reporting,
                            calendar=self.calendar)  # fmt: skip

        return step

    def accounts(self, password: str) -> None:
        def step(session: Session) -> None:
            for username, (role, person, _) in ACCOUNTS.items():
                add_user(session, username=username, password=password, role=role, org_code=ORG,
                         person=person, actor=_ACTOR, now=_at(self.when.plan_date, 7))  # fmt: skip

        self.at(_at(self.when.plan_date, 7), "tài khoản", step)


# Tasks the units report done in their returned form: ref -> days after the due date.
_DONE_IN_FORM = {"3.1": 2}


def _fill(path: Path, when: Moments) -> Path:
    """The unit's form filled as a unit would: a task of ``_DONE_IN_FORM`` done with its
    result and evidence, every other open task reported in progress, the general
    difficulties and proposals written."""
    book = load_workbook(path)
    sheet = book[MAIN_SHEET]
    header = next(r for r in range(1, 30) if sheet.cell(r, 1).value == COLUMNS[0])
    columns = {sheet.cell(header, c).value: c for c in range(1, len(COLUMNS) + 1)}
    for row in range(header + 1, sheet.max_row + 1):
        ref = sheet.cell(row, 2).value
        if ref == GENERAL_DIFFICULTIES:
            sheet.cell(row, 3, "Thiếu công chức có chuyên môn công nghệ thông tin.")
            sheet.cell(row + 1, 3, "Đề nghị tỉnh tổ chức tập huấn ký số cho công chức.")
            break
        current = str(sheet.cell(row, columns[COL_CURRENT]).value or "").lower()
        if not ref or current.startswith(("đã hoàn thành", "chờ")):  # done, or awaiting
            continue
        values = _form_values(str(ref), when)
        for name, value in values.items():
            sheet.cell(row, columns[name], value)
    out = path.with_name(path.stem + "-da-dien.xlsx")
    book.save(out)
    return out


def _form_values(ref: str, when: Moments) -> dict[str, str]:
    if ref in _DONE_IN_FORM:
        due = when.day(next(t[6] for t in _TASKS if t[0] == ref)) or when.today
        done = due + timedelta(days=_DONE_IN_FORM[ref])
        return {
            COL_STATUS: DONE,
            COL_RESULT: "Đã hoàn thành.",
            COL_EVIDENCE: f"Văn bản số {ref.replace('.', '')}/UBND ngày {done:%d/%m/%Y}",
            COL_DATE: f"{done:%d/%m/%Y}",
        }
    return {
        COL_STATUS: DOING,
        COL_RESULT: "Đang triển khai theo kế hoạch.",
        COL_DIFFICULTIES: "Chưa có hướng dẫn chi tiết của tỉnh.",
    }


def demo(
    today: Annotated[
        str | None,
        typer.Option("--today", help="Dựng dữ liệu như thể hôm nay là ngày này, YYYY-MM-DD."),
    ] = None,
    password: Annotated[
        str, typer.Option("--password", help="Mật khẩu chung của các tài khoản mẫu.")
    ] = PASSWORD,
) -> None:
    """Dựng dữ liệu mẫu của xã Xuân Dương theo ngày hôm nay, kèm tài khoản cho mọi vai trò.

    Kế hoạch năm nay, nhiệm vụ đã xong, quá hạn, sắp đến hạn, gia hạn, chờ xác nhận; kỳ báo
    cáo vừa kết thúc có biểu của các đơn vị và báo cáo kỳ. Chạy trên cơ sở dữ liệu mới tạo
    (sauro init). Cách mở trên trình duyệt được in ra và ghi vào tệp dang-nhap.txt."""
    current = common.settings()
    configs = common.configs(current)
    day = date.fromisoformat(today) if today else local_date(common.now())
    when = moments(day, configs, WorkCalendar(configs.calendar))
    engine = common.database(current)
    try:
        with session_scope(engine) as session:
            sync_directory(session=session, directory=configs.directory, actor=_ACTOR,
                           now=_at(when.plan_date, 7))  # fmt: skip
        builder = _Builder(engine, configs, current.config_dir, when)
        csv_path = write_plan(Path(f"ke-hoach-cchc-{ORG}-{when.plan_date.year}.csv"), when)
        builder.accounts(password)
        builder.plan(csv_path)
        builder.story()
        builder.finished_period(current.reports_dir / ORG / when.finished.code)
        builder.run()
    finally:
        engine.dispose()
    _print_summary(when, csv_path, password)


HOW_TO_OPEN = "dang-nhap.txt"


def _print_summary(when: Moments, csv_path: Path, password: str) -> None:
    """Say what was built and how to open it; the same lines go to ``dang-nhap.txt``."""
    lines = [
        f"Xuân Dương, hôm nay {when.today:%d/%m/%Y}: kế hoạch {csv_path.name} (ngày "
        f"{when.plan_date:%d/%m/%Y}); kỳ vừa kết thúc: {when.finished.label} (biểu đơn vị, "
        f"báo cáo kỳ); kỳ hiện tại: {when.current.label}.",
        "Mở trên trình duyệt:",
        "  cd demo-out && SAURO_CONFIG_DIR=../config ../.venv/bin/sauro serve --no-scheduler",
        f"  rồi mở http://127.0.0.1:8000 và đăng nhập, mật khẩu chung: {password}",
        *(f"    {username:<12} {shown}" for username, (_, _, shown) in ACCOUNTS.items()),
    ]
    Path(HOW_TO_OPEN).write_text("\n".join(lines) + "\n", encoding="utf-8")
    typer.echo("\n".join(lines))
