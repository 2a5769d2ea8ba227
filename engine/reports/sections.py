"""The text of the period report's sections: drafted from the period's data through the
outline (``config/report/outline.yaml``), then edited by the standing office.

The outline holds one Jinja2 text template per section (``SECTIONS``): I. Công tác chỉ đạo,
điều hành; II. the results area by area and the comparison with earlier periods; III.1
ưu điểm; III.2 hạn chế; III.3 nguyên nhân; IV. phương hướng kỳ tới; V. đề xuất, kiến
nghị. Its schema and checks are ``rules.report_outline`` (``parse_outline``, registered
with the other configs in ``engine.configs.files``).

``draft_sections`` renders the outline with ``outline_context`` (pure: every figure comes
from ``ReportData``, already formatted the Vietnamese way). The texts people write are
``report_section`` rows: ``save_section`` appends a revision (audited); the latest revision
of a section is its text in force (``texts_in_force``), a section never saved is its
draft. In a text, each non-empty line is a paragraph; a line starting with ``## `` is a
sub-heading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import Connection, func
from sqlmodel import Session, col, select

from engine.calendar.status import VN, TaskStatus
from engine.errors import ConfigError, NotFoundError, SauroError
from engine.reports.data import (
    NO_AREA,
    NO_LEAD,
    PeriodFigures,
    Rate,
    ReportData,
    ReportTask,
    StatusCounts,
    saved_sections,
)
from engine.store import audit
from engine.store.audit import Actor
from engine.store.models import DocumentKind, Organization, ReportSection, require_id
from engine.text import clean_lines, fold
from rules.report_outline import (
    OUTLINE_FILE,
    SECTIONS,
    Outline,
    load_outline,
    outline_environment,
    parse_outline,
    template_problem,
)

__all__ = ["OUTLINE_FILE", "SECTIONS", "Outline", "load_outline", "parse_outline"]

CHI_DAO_AREA = "chi-dao-dieu-hanh"
HEADING = "## "
MAX_TEXT = 20_000

SECTION_TITLES: dict[str, str] = {
    "I": "I. Công tác chỉ đạo, điều hành cải cách hành chính",
    "II": "II. Kết quả thực hiện nhiệm vụ theo từng lĩnh vực; so sánh với các kỳ trước",
    "III.1": "III.1. Ưu điểm",
    "III.2": "III.2. Hạn chế",
    "III.3": "III.3. Nguyên nhân",
    "IV": "IV. Phương hướng, nhiệm vụ kỳ tới",
    "V": "V. Đề xuất, kiến nghị",
}
KIND_NAMES: dict[str, str] = {
    DocumentKind.PLAN: "Kế hoạch",
    DocumentKind.CONCLUSION: "Thông báo kết luận",
    DocumentKind.LETTER: "Văn bản",
    DocumentKind.MEETING: "Chỉ đạo tại cuộc họp",
}


# --- drafting ------------------------------------------------------------------------------


def num(value: int) -> str:
    """An integer the Vietnamese way: "." between thousands."""
    return f"{value:,}".replace(",", ".")


def percent(rate: Rate) -> str:
    """ "40,0%", or "chưa tính được" when there is nothing to divide."""
    value = rate.percent
    if value is None:
        return "chưa tính được"
    whole, fraction = f"{value:.1f}".split(".")
    return f"{num(int(whole))},{fraction}%"


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def counts_sentence(counts: StatusCounts) -> str:
    """The counts of one row as a Vietnamese clause."""
    parts = [f"tổng số {num(counts.total)} nhiệm vụ"]
    named = (
        ("đã hoàn thành đúng hạn", counts.done_on_time),
        ("đã hoàn thành quá hạn", counts.done_late),
        ("đã báo hoàn thành, chờ xác nhận kết quả", counts.awaiting),
        ("chưa hoàn thành trong hạn", counts.in_progress),
        ("chưa hoàn thành quá hạn", counts.overdue),
        ("không thời hạn", counts.no_deadline),
    )
    parts += [f"{label} {num(value)}" for label, value in named if value]
    return "; ".join(parts)


def _task(task: ReportTask) -> dict[str, Any]:
    return {
        "so": task.ref,
        "viec": task.work.rstrip(" .;"),
        "don_vi": task.lead_unit or NO_LEAD.lower(),
        "han": day(task.due) if task.due else "không thời hạn",
        "tinh_trang": task.status_label.lower(),
        "ket_qua": task.result.strip().rstrip(" .;"),
        "xong": task.status in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE),
    }


def _documents(data: ReportData) -> list[dict[str, Any]]:
    return [
        {
            "loai": KIND_NAMES.get(doc.kind, "Văn bản"),
            "so": doc.number,
            "ngay": day(doc.issued_on),
            "trich_yeu": doc.title.strip().rstrip("."),
            "so_nhiem_vu": num(doc.tasks),
        }
        for doc in data.documents
    ]


def _kind_counts(data: ReportData, kind: str) -> StatusCounts:
    return dict(data.by_kind).get(kind, StatusCounts())


def _chi_dao(data: ReportData) -> dict[str, Any]:
    row = next((r for r in data.by_area if r.code == CHI_DAO_AREA), None)
    counts = row.counts if row is not None else StatusCounts()
    tasks = [t for t in data.tasks if t.area == CHI_DAO_AREA]
    conclusions = _kind_counts(data, DocumentKind.CONCLUSION)
    return {
        "ten": row.name if row is not None else "Công tác chỉ đạo, điều hành CCHC",
        "tong": num(counts.total),
        "cau": counts_sentence(counts),
        "nhiem_vu": [_task(t) for t in tasks],
        "kiem_tra": [_task(t) for t in tasks if "kiem tra" in fold(t.work)],
        "ket_luan": {
            "tong": num(conclusions.total),
            "da_xong": num(conclusions.done),
            "qua_han": num(conclusions.overdue),
            "cau": counts_sentence(conclusions),
        },
    }


def _areas(data: ReportData) -> list[dict[str, Any]]:
    found = []
    for index, row in enumerate(data.by_area, start=1):
        done = [
            _task(t)
            for t in data.tasks
            if (t.area == row.code or (row.code is None and row.name == NO_AREA))
            and t.completed_on is not None
            and t.result.strip()
        ]
        found.append(
            {
                "stt": index,
                "ten": row.name,
                "tong": num(row.counts.total),
                "cau": counts_sentence(row.counts),
                "ket_qua": done,
            }
        )
    return found


def _change(now: Rate, then: Rate) -> str:
    """How a rate moved: "tăng 12,5 điểm phần trăm", "giảm …", "không đổi", or ""."""
    if now.percent is None or then.percent is None:
        return ""
    delta = round(now.percent - then.percent, 1)
    if delta == 0:
        return "không đổi"
    whole, fraction = f"{abs(delta):.1f}".split(".")
    return f"{'tăng' if delta > 0 else 'giảm'} {whole},{fraction} điểm phần trăm"


def _comparison(data: ReportData, earlier: PeriodFigures) -> dict[str, Any]:
    now_completion, now_on_time = data.indicators.completion, data.indicators.on_time
    return {
        "ky": earlier.label,
        "tu_ngay": day(earlier.data_start),
        "den_ngay": day(earlier.data_end),
        "tong": num(earlier.totals.total),
        "da_xong": num(earlier.totals.done),
        "qua_han": num(earlier.totals.overdue),
        "hoan_thanh": percent(earlier.completion),
        "dung_han": percent(earlier.on_time),
        "hoan_thanh_doi": _change(now_completion, earlier.completion),
        "dung_han_doi": _change(now_on_time, earlier.on_time),
        "tang_hoan_thanh": _rose(now_completion, earlier.completion),
        "tang_dung_han": _rose(now_on_time, earlier.on_time),
    }


def _rose(now: Rate, then: Rate) -> bool:
    return now.percent is not None and then.percent is not None and now.percent > then.percent


def _strengths(data: ReportData) -> dict[str, Any]:
    on_time_units = [
        {"ten": r.name, "tong": num(r.counts.total)}
        for r in data.by_unit
        if r.name != NO_LEAD
        and r.counts.done > 0
        and r.counts.overdue == 0
        and r.counts.done_late == 0
    ]
    return {"don_vi_dung_han": on_time_units}


def _ranked(rows: Iterable[Any], key: str, limit: int = 3) -> list[dict[str, str]]:
    def value(row: Any) -> int:
        return int(row.counts.overdue if key == "overdue" else row.unclear)

    chosen = sorted((r for r in rows if value(r) > 0), key=lambda r: (-value(r), r.name))
    return [{"ten": r.name, "so": num(value(r))} for r in chosen[:limit]]


def _weaknesses(data: ReportData) -> dict[str, Any]:
    missing = [r.unit for r in data.unit_reports if r.submitted_on is None]
    late = [r.unit for r in data.unit_reports if r.submitted_on is not None and not r.on_time]
    before = [o for o in data.overdue if o.since_before]
    return {
        "don_vi_qua_han": _ranked(data.by_unit, "overdue"),
        "linh_vuc_qua_han": _ranked(data.by_area, "overdue"),
        "don_vi_chua_ro": _ranked(data.by_unit, "unclear"),
        "linh_vuc_chua_ro": _ranked(data.by_area, "unclear"),
        "chua_bao_cao": missing,
        "bao_cao_muon": late,
        "qua_han_tu_truoc": num(len(before)),
    }


def _notes(data: ReportData, kind: str) -> list[dict[str, Any]]:
    """The units' notes of one kind, grouped by unit, in the order of their names."""
    grouped: dict[str, list[str]] = {}
    for note in data.unit_notes:
        if note.kind == kind:
            text = note.text.strip().rstrip(" .;")
            shown = f"{text} (nhiệm vụ {note.ref})" if note.ref else text
            if shown not in grouped.setdefault(note.unit, []):
                grouped[note.unit].append(shown)
    return [{"don_vi": unit, "y_kien": items} for unit, items in grouped.items()]


def _upcoming(data: ReportData) -> list[dict[str, Any]]:
    names = {row.code: row.name for row in data.by_area}
    grouped: dict[str, list[dict[str, str]]] = {}
    order = [row.name for row in data.by_area]
    for task in data.upcoming:
        name = names.get(task.area, NO_AREA) if task.area else NO_AREA
        grouped.setdefault(name, []).append(
            {
                "so": task.ref,
                "viec": task.work.rstrip(" .;"),
                "don_vi": task.unit or NO_LEAD.lower(),
                "han": day(task.due),
            }
        )
    ranked = sorted(grouped, key=lambda n: order.index(n) if n in order else len(order))
    return [{"linh_vuc": name, "nhiem_vu": grouped[name]} for name in ranked]


def outline_context(data: ReportData) -> dict[str, Any]:
    """The variables of the outline's templates (listed in config/report/outline.yaml);
    every figure comes from ``data``, formatted the Vietnamese way."""
    totals = data.totals
    return {
        "co_quan": data.org_name,
        "ky": data.period_label,
        "tu_ngay": day(data.data_start),
        "den_ngay": day(data.data_end),
        "tong": {
            "tong": num(totals.total),
            "da_xong": num(totals.done),
            "dung_han": num(totals.done_on_time),
            "qua_han": num(totals.overdue),
            "cau": counts_sentence(totals),
        },
        "ty_le_hoan_thanh": percent(data.indicators.completion),
        "ty_le_dung_han": percent(data.indicators.on_time),
        "van_ban": _documents(data),
        "chi_dao": _chi_dao(data),
        "linh_vuc": _areas(data),
        "so_sanh": [_comparison(data, earlier) for earlier in data.comparisons],
        "uu_diem": _strengths(data),
        "han_che": _weaknesses(data),
        "kho_khan": _notes(data, "difficulties"),
        "de_xuat": _notes(data, "proposals"),
        "ky_toi": data.next_label,
        "nhiem_vu_ky_toi": _upcoming(data),
        "so_nhiem_vu_ky_toi": num(len(data.upcoming)),
        "qua_han": {
            "tong": num(len(data.overdue)),
            "tu_truoc": num(sum(1 for o in data.overdue if o.since_before)),
        },
    }


def draft_sections(data: ReportData, outline: Outline) -> dict[str, str]:
    """Each section's text drafted from ``data`` through ``outline`` (pure)."""
    context = outline_context(data)
    env = outline_environment()
    drafts: dict[str, str] = {}
    for key in SECTIONS:
        try:
            text = env.from_string(outline.templates[key]).render(context)
        except TemplateError as error:  # parse_outline rendered it once; keep it loud
            raise ConfigError(
                f"Đề cương báo cáo {outline.source} không dùng được.",
                [template_problem(error, outline.source, key, None)],
            ) from error
        drafts[key] = tidy(text)
    return drafts


def tidy(text: str) -> str:
    """A section's text as stored: trimmed lines, no empty ones, ``\\n`` line ends."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def section_texts(data: ReportData, outline: Outline | None) -> dict[str, str]:
    """The text of each section in the document: the one the standing office saved
    (``data.sections``), else the draft (none without an outline)."""
    saved = dict(data.sections)
    drafts = draft_sections(data, outline) if outline is not None else {}
    return {key: saved.get(key) or drafts.get(key, "") for key in SECTIONS}


def empty_report_data() -> ReportData:
    """A period with nothing in it, to try the outline's templates on."""
    from engine.reports.data import Compliance, Indicators

    first = date(2000, 1, 1)
    return ReportData(
        org_code="",
        org_name="",
        org_place="",
        org_level="",
        period_code="",
        period_label="",
        data_start=first,
        data_end=first,
        as_of=datetime(2000, 1, 1, tzinfo=VN),
        tasks=(),
        due_in_period=(),
        totals=StatusCounts(),
        by_area=(),
        by_unit=(),
        overdue=(),
        extensions=(),
        compliance=Compliance(0, 0, ()),
        indicators=Indicators(Rate(0, 0), Rate(0, 0)),
    )


# --- the texts people write ----------------------------------------------------------------


@dataclass(frozen=True)
class SectionRevision:
    """One saved text of one section."""

    section: str
    revision: int
    text: str
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class SectionState:
    """A section as the editing page shows it: the text in force (saved, or the draft),
    the draft, and every saved revision, newest first."""

    section: str
    title: str
    text: str
    draft: str
    saved: bool
    history: tuple[SectionRevision, ...]


def _org_id(session: Session, org_code: str) -> int:
    org = session.exec(select(Organization).where(Organization.code == org_code)).first()
    if org is None:
        raise NotFoundError(f"Không có cơ quan mã '{org_code}' trong danh mục.")
    return require_id(org)


def check_section(section: str) -> str:
    if section not in SECTIONS:
        raise SauroError(f"Không có mục '{section}' trong báo cáo; các mục: {', '.join(SECTIONS)}")
    return section


def save_section(
    session: Session,
    *,
    org_code: str,
    period_code: str,
    section: str,
    text: str,
    actor: Actor,
    now: datetime,
) -> SectionRevision | None:
    """Save ``text`` as the next revision of ``section`` for the period, audited, in the
    caller's transaction; None when it equals the text in force (nothing saved)."""
    check_section(section)
    value = tidy(clean_lines(text))
    if len(value) > MAX_TEXT:
        raise SauroError(f"Nội dung mục {section} quá dài (tối đa {num(MAX_TEXT)} ký tự).")
    org_id = _org_id(session, org_code)
    history = _revisions(session, org_id, period_code, section)
    last = history[0].text if history else None
    if last == value:
        return None
    number = (
        session.exec(
            select(func.max(ReportSection.revision)).where(
                ReportSection.organization_id == org_id,
                ReportSection.period_code == period_code,
                ReportSection.section == section,
            )
        ).one()
        or 0
    ) + 1
    row = ReportSection(
        organization_id=org_id,
        period_code=period_code,
        section=section,
        revision=number,
        text=value,
        saved_by=actor.name[:128],
        saved_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        organization_id=org_id,
        entity="report_section",
        entity_id=require_id(row),
        action="save",
        changes=[audit.Change(f"{period_code}:{section}", last, value)],
        actor=actor,
        now=now,
    )
    return _revision(row)


def _revision(row: ReportSection) -> SectionRevision:
    return SectionRevision(row.section, row.revision, row.text, row.saved_by, row.saved_at)


def _revisions(
    session: Session, org_id: int, period_code: str, section: str | None = None
) -> list[SectionRevision]:
    query = select(ReportSection).where(
        ReportSection.organization_id == org_id, ReportSection.period_code == period_code
    )
    if section is not None:
        query = query.where(ReportSection.section == section)
    rows = session.exec(query.order_by(col(ReportSection.revision).desc())).all()
    return [_revision(row) for row in rows]


def section_history(
    session: Session, *, org_code: str, period_code: str, section: str
) -> list[SectionRevision]:
    """Every saved revision of one section, newest first."""
    check_section(section)
    return _revisions(session, _org_id(session, org_code), period_code, section)


def texts_in_force(connection: Connection, *, org_id: int, period_code: str) -> dict[str, str]:
    """The saved text in force of each section saved for the period."""
    return dict(saved_sections(connection, org_id, period_code))


def section_states(
    session: Session, *, data: ReportData, outline: Outline, now: datetime
) -> list[SectionState]:
    """Every section of ``data``'s report as the editing page shows it. ``now`` is the
    instant ``data`` was built for (the drafts are as of it)."""
    del now  # the drafts are as of ``data.as_of``; kept for the uniform signature
    org_id = _org_id(session, data.org_code)
    drafts = draft_sections(data, outline)
    history = _revisions(session, org_id, data.period_code)
    states = []
    for key in SECTIONS:
        revisions = tuple(r for r in history if r.section == key)
        text = revisions[0].text if revisions else drafts[key]
        states.append(
            SectionState(key, SECTION_TITLES[key], text, drafts[key], bool(revisions), revisions)
        )
    return states


def with_sections(data: ReportData, texts: Sequence[tuple[str, str]]) -> ReportData:
    """``data`` with other saved texts (a preview before saving)."""
    return replace(data, sections=tuple(texts))
