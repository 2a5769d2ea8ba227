"""A province and its communes in one database, for the roll-up tests: a generated
``directory.yaml`` (the province, then communes naming it as ``parent_code``), a small plan
per commune with varied results, and the communes' period reports at every stage.

Quý I/2026: data 15/12/2025–14/03/2026, the communes' reports due upward on Monday
16/03/2026 (``config/reporting.yaml``: day 16).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sauro_support import CONFIG, write_csv
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from engine.calendar.periods import Period, parse_period
from engine.calendar.status import VN
from engine.calendar.workdays import WorkCalendar
from engine.configs.files import Configs, load_configs
from engine.directory.store import sync_directory
from engine.plans.importer import ImportOptions, import_plan
from engine.reports.output import report_folder
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import DocumentRegister, Organization, PeriodReport, ReportState

PROVINCE = "tinh-binh-an"
COMMUNES = tuple(f"xa-{i:02d}" for i in range(1, 21))
OFFICE = "van-hoa-xa-hoi"
PERIOD = "2026-Q1"
DEADLINE = date(2026, 3, 16)
SETUP = datetime(2026, 1, 2, 8, 0, tzinfo=VN)
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=VN)
ACTOR = Actor(name="test", source="test_rollup")
HEADER = ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Sản phẩm", "Cơ quan chủ trì",
          "Người thực hiện", "Thời gian thực hiện"]  # fmt: skip


def domain(code: str) -> str:
    return f"@{code.replace('-', '')}.example.vn"


def _org(code: str, name: str, level: str, parent: str | None) -> str:
    at = domain(code)
    parent_line = f"    parent_code: {parent}\n" if parent else ""
    return f"""  - code: {code}
    name: {name}
    level: {level}
    place: {name.split(" ", 4)[-1]}
    parent: Ủy ban nhân dân tỉnh Bình An
{parent_line}    chairman:
      name: Hà Văn Phú
      title: Chủ tịch UBND
      email: chutich{at}
    standing_office: {OFFICE}
    acceptance:
      required: false
    units:
      - code: {OFFICE}
        name: Phòng Văn hóa - Xã hội
        kind: internal
        head:
          name: Trần Văn Hùng
          title: Trưởng phòng
          email: truongphong{at}
        people:
          - name: Lê Thị Mai
            title: Chuyên viên
            email: canbo{at}
      - code: van-phong
        name: Văn phòng HĐND và UBND
        kind: internal
        head:
          name: Đỗ Minh Tuấn
          title: Chánh Văn phòng
          email: chanhvp{at}
"""


def commune_name(index: int) -> str:
    return f"Ủy ban nhân dân xã Số {index:02d}"


def directory_text(communes: tuple[str, ...] = COMMUNES) -> str:
    """``directory.yaml``: the province, then each commune with ``parent_code``."""
    orgs = [_org(PROVINCE, "Ủy ban nhân dân tỉnh Bình An", "province", None)]
    orgs += [
        _org(code, commune_name(i), "commune", PROVINCE) for i, code in enumerate(communes, start=1)
    ]
    return f"version: 1\ndefault_organization: {PROVINCE}\norganizations:\n" + "".join(orgs)


def config_dir(tmp_path: Path) -> Path:
    """config/ copied, with the province's directory."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    (folder / "directory.yaml").write_text(directory_text(), encoding="utf-8")
    return folder


def _rows(index: int) -> list[list[str]]:
    """Four tasks; the person is named on odd communes only (even ones are not 6-rõ)."""
    person = "Lê Thị Mai" if index % 2 else ""
    tasks = [
        ("1", "Phòng Văn hóa - Xã hội", person, "15/01/2026"),
        ("2", "Phòng Văn hóa - Xã hội", person, "10/02/2026"),
        ("3", "Văn phòng HĐND và UBND", "", "28/02/2026"),
        ("4", "Văn phòng HĐND và UBND", "", "30/06/2026"),
    ]
    return [
        [ref, "Cải cách thủ tục hành chính", f"Nhiệm vụ {ref} của xã {index}", "Báo cáo", lead,
         who, due]
        for ref, lead, who, due in tasks
    ]  # fmt: skip


# How each commune's tasks 1-3 end (index % 4): done on the day (on time), done late, open.
_ENDINGS: dict[int, tuple[date | None, date | None, date | None]] = {
    0: (date(2026, 1, 10), date(2026, 2, 5), date(2026, 2, 20)),  # all on time
    1: (date(2026, 1, 10), date(2026, 2, 20), None),  # one late, one overdue
    2: (date(2026, 1, 20), None, None),  # late, two overdue
    3: (date(2026, 1, 10), date(2026, 2, 5), None),  # two on time, one overdue
}


@dataclass(frozen=True)
class Province:
    url: str
    engine: Engine
    config_dir: Path
    configs: Configs
    reports_dir: Path

    def period(self, code: str = PERIOD) -> Period:
        return parse_period(code, self.configs.reporting, WorkCalendar(self.configs.calendar))


def build_province(engine: Engine, url: str, tmp_path: Path) -> Province:
    """The directory synced, a plan of four tasks per commune imported and ended."""
    folder = config_dir(tmp_path)
    configs = load_configs(folder)
    with session_scope(engine) as session:
        sync_directory(session=session, directory=configs.directory, actor=ACTOR, now=SETUP)
    for index, code in enumerate(COMMUNES, start=1):
        path = write_csv(tmp_path / f"ke-hoach-{code}.csv", [HEADER, *_rows(index)])
        options = ImportOptions(
            path=path, org_code=code, plan_number="1/KH-UBND", plan_date=date(2026, 1, 2)
        )
        with session_scope(engine) as session:
            import_plan(session=session, options=options, configs=configs, actor=ACTOR, now=SETUP)
    _end_tasks(engine)
    return Province(url, engine, folder, configs, tmp_path / "reports")


def _end_tasks(engine: Engine) -> None:
    with engine.begin() as connection:
        for index, code in enumerate(COMMUNES, start=1):
            for ref, completed in zip(("1", "2", "3"), _ENDINGS[index % 4], strict=True):
                if completed is None:
                    continue
                connection.execute(
                    text(
                        "UPDATE task SET state = 'done', completed_on = :day "
                        "WHERE ref = :ref AND organization_id = "
                        "(SELECT id FROM organization WHERE code = :code)"
                    ),
                    {"day": completed, "ref": ref, "code": code},
                )


def add_period_report(
    province: Province,
    code: str,
    state: ReportState,
    *,
    issued: datetime | None = None,
    number: int | None = None,
    files: bool = False,
) -> None:
    """Store commune ``code``'s Quý I report at ``state`` (numbered and dated when
    issued); with ``files``, its report files where ``write_period_report`` puts them."""
    with session_scope(province.engine) as session:
        org = session.exec(select(Organization).where(Organization.code == code)).one()
        register_id = None
        if number is not None and issued is not None:
            entry = DocumentRegister(
                organization_id=org.id or 0, year=issued.year, number=number, symbol="BC-UBND",
                subject="Báo cáo CCHC quý I/2026", issued_on=issued.date(), issued_by="test",
                recorded_at=issued,
            )  # fmt: skip
            session.add(entry)
            session.flush()
            register_id = entry.id
        session.add(
            PeriodReport(
                organization_id=org.id or 0, period_code=PERIOD, state=str(state),
                register_id=register_id, issued_at=issued, updated_at=issued or NOW,
            )
        )  # fmt: skip
    if files:
        folder = report_folder(province.reports_dir / code / PERIOD, code, PERIOD)
        folder.mkdir(parents=True, exist_ok=True)
        for name in (f"bao-cao-{code}-{PERIOD}.docx", f"bieu-so-lieu-{code}-{PERIOD}.xlsx"):
            (folder / name).write_bytes(f"{code} {name}".encode())


def standard_reports(province: Province) -> None:
    """xa-01 issued on time, xa-02 sent late, xa-03 a draft, xa-04 approved; the rest none."""
    add_period_report(
        province, "xa-01", ReportState.ISSUED, issued=datetime(2026, 3, 13, 10, tzinfo=VN),
        number=12, files=True,
    )  # fmt: skip
    add_period_report(
        province, "xa-02", ReportState.SENT, issued=datetime(2026, 3, 18, 15, tzinfo=VN),
        number=3, files=True,
    )  # fmt: skip
    add_period_report(province, "xa-03", ReportState.DRAFT, files=True)
    add_period_report(province, "xa-04", ReportState.APPROVED)


def organization_codes(engine: Engine) -> dict[str, str]:
    """code -> parent_code of every stored organization."""
    with Session(engine) as session:
        return {o.code: o.parent_code for o in session.exec(select(Organization))}
