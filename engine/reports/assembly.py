"""The period report of one organization, start to finish: the figures, the charts, the
NĐ 30 ``.docx``, the annex ``.xlsx`` and, when LibreOffice is installed, the PDF; and the
message that sends them.

``write_period_report`` is the one place ``sauro report``, the reporting flow, the web app
and the benchmark produce a report through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from engine.calendar.periods import Period
from engine.calendar.status import local_date
from engine.configs.files import Configs
from engine.directory.store import get_organization
from engine.plans.verdicts import refresh_verdicts
from engine.reports.annex import write_annex
from engine.reports.approval import issue_of
from engine.reports.charts import ChartFiles, write_charts
from engine.reports.data import ReportData, report_data
from engine.reports.document import render_report
from engine.reports.output import replaced_folder, report_folder
from engine.reports.pdf import to_pdf
from engine.reports.rollup_annex import extend_annex
from engine.store.models import Organization
from notifications.addresses import Mailbox
from notifications.outgoing import Attachment, OutgoingMessage

TEMPLATE = Path("report") / "bao_cao_cchc.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class ReportFiles:
    """What one report run wrote, and the figures it wrote them from."""

    data: ReportData
    document: Path
    annex: Path
    charts: ChartFiles
    pdf: Path | None

    @property
    def files(self) -> list[Path]:
        """The files to send: the document, its PDF when there is one, the annex."""
        return [self.document, *([self.pdf] if self.pdf else []), self.annex]

    def moved(self, old: Path, new: Path) -> ReportFiles:
        """The same files once the folder ``old`` they were written in is ``new``."""

        def at(path: Path) -> Path:
            return new / path.relative_to(old)

        charts = ChartFiles(
            units=at(self.charts.units),
            areas=at(self.charts.areas),
            comparison=at(self.charts.comparison) if self.charts.comparison else None,
        )
        return ReportFiles(
            data=self.data, document=at(self.document), annex=at(self.annex), charts=charts,
            pdf=at(self.pdf) if self.pdf else None,
        )  # fmt: skip


def report_stem(org_code: str, period_code: str) -> str:
    return f"{org_code}-{period_code}"


def write_period_report(
    engine: Engine,
    *,
    configs: Configs,
    config_dir: Path,
    org_code: str,
    period: Period,
    now: datetime,
    out: Path,
    issued_on: date | None = None,
    recipients: Sequence[str] | None = None,
    pdf: bool = True,
    rollup: bool = True,
) -> ReportFiles:
    """Build the report of ``org_code`` for ``period`` as of ``now`` into its folder under
    ``out`` (``engine.reports.output.report_folder``: ``<out>/<org>-<period>/``):
    ``bao-cao-<org>-<period>.docx`` (from ``config_dir/report/bao_cao_cchc.docx``), its
    charts in ``bieu-do/``, ``bieu-so-lieu-<org>-<period>.xlsx`` and, with ``pdf`` and
    LibreOffice installed, the ``.pdf``. The files are written into a temporary folder that
    then replaces the report's folder whole (``replaced_folder``): a run that fails or is
    killed leaves the previous set as it was. The stored 6-rõ verdicts are refreshed first, in a
    transaction of their own (short: the files are written with no transaction open, so a
    report never holds SQLite's write lock). The number, the issue date and the signature
    block come from the report's approval (``engine.reports.approval.issue_of``): an issued
    report keeps its register number whatever regenerates it; before that the document is a
    draft whose number is left blank, dated ``issued_on`` (default: the Viet Nam date of
    ``now``) and signed by the approver once approved, else by the Chairman;
    ``recipients`` (the "Nơi nhận" lines) to the upper level, Sở Nội vụ, the Chairman and
    Vice-Chairmen and the units."""
    # The 6-rõ figures come from the stored verdicts: bring them up to date first.
    with engine.begin() as connection:
        refresh_verdicts(connection, rules=configs.rules, org_code=org_code, today=local_date(now))
    with engine.connect() as connection:
        with Session(bind=connection) as session:
            organization = get_organization(session, org_code)
            approval = issue_of(session, organization, period.code)
        data = report_data(connection, configs=configs, org_code=org_code, period=period, now=now)
    stem = report_stem(org_code, period.code)
    folder = report_folder(out, org_code, period.code)
    with replaced_folder(folder) as staging:
        charts = write_charts(data, staging / "bieu-do", stem=stem)
        document = render_report(
            data,
            template=config_dir / TEMPLATE,
            out=staging / f"bao-cao-{stem}.docx",
            number=approval.number,
            issued_on=approval.issued_on or issued_on or local_date(now),
            signer=approval.signature.name,
            signer_lines=approval.signature.lines,
            recipients=list(recipients) if recipients else default_recipients(organization),
            charts=charts,
        )
        annex = write_annex(data, staging / f"bieu-so-lieu-{stem}.xlsx")
        if rollup:  # with children in the database: their summary and sheets (issue 12)
            extend_annex(
                engine, configs=configs, org_code=org_code, period=period, now=now, path=annex
            )
        converted = to_pdf(document) if pdf else None
        written = ReportFiles(
            data=data, document=document, annex=annex, charts=charts, pdf=converted
        )
    return written.moved(staging, folder)


def default_recipients(organization: Organization) -> list[str]:
    """The "Nơi nhận" lines when none are given."""
    upper = [organization.parent_name] if organization.parent_name else []
    return [*upper, "Sở Nội vụ", "Chủ tịch, các Phó Chủ tịch UBND", "Các cơ quan, đơn vị"]


def report_message(
    files: ReportFiles, *, to: Sequence[tuple[str, str]], purpose: str
) -> list[OutgoingMessage]:
    """One message per (name, address) in ``to`` carrying the report's files, ledgered
    under ``period-report:<org>/<period>|<purpose>|to:<address>`` (``purpose``: "office"
    for the standing office's copy, "upward" for the recipients of ``--send``)."""
    data = files.data
    attachments = tuple(
        Attachment(path.name, path.read_bytes(), _mimetype(path)) for path in files.files
    )
    lines = [
        f"Báo cáo kết quả thực hiện công tác cải cách hành chính {data.period_label} của "
        f"{data.org_name}, số liệu từ ngày {data.data_start:%d/%m/%Y} đến ngày "
        f"{data.data_end:%d/%m/%Y}.",
        "",
        f"Tổng số nhiệm vụ trong kỳ: {data.totals.total}; đã hoàn thành: {data.totals.done} "
        f"(đúng hạn {data.totals.done_on_time}); chưa hoàn thành quá hạn: "
        f"{data.totals.overdue}.",
        "",
        "Tệp đính kèm: " + ", ".join(a.filename for a in attachments) + ".",
        "",
        "Thư này do hệ thống Sáu Rõ gửi tự động.",
    ]
    return [
        OutgoingMessage(
            to=(Mailbox(address, name),),
            subject=f"[Sáu Rõ] Báo cáo CCHC {data.period_label} - {data.org_name}",
            text="\n".join(lines),
            ledger_keys=(report_key(data.org_code, data.period_code, purpose, address),),
            headers={"X-Sauro-Org": data.org_code, "X-Sauro-Period": data.period_code},
            attachments=attachments,
        )
        for name, address in to
    ]


def report_key(org_code: str, period_code: str, purpose: str, address: str) -> str:
    """The ledger key of one copy of a period report: "period-report:<org>/<period>|<purpose>|
    to:<address>"."""
    return f"period-report:{org_code}/{period_code}|{purpose}|to:{address.lower()}"


def _mimetype(path: Path) -> str:
    return {".docx": DOCX, ".xlsx": XLSX, ".pdf": PDF}.get(path.suffix, "application/octet-stream")
