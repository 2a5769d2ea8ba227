"""Proposing tasks from the text of an assigning document (engine.importing.document_text).

The documents in tests/fixtures/documents come with the tasks an official reads in them,
written before the parser (see the README there). Each fixture is compared with its
expected reading; one test prints the overall figures across all of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.errors import ImportFileError
from engine.importing.document_text import (
    MAX_BYTES,
    MAX_LINES,
    Proposal,
    docx_text,
    read_document_text,
)

DOCUMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
NAMES = sorted(p.name.removesuffix(".txt") for p in DOCUMENTS.glob("*.txt"))
# What may stand between coordinators named in one phrase ("X, Y và Z").
_BETWEEN = re.compile(r"[\s,;]*(?:và[\s,;]*)?")


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _same(one: str | None, other: str | None) -> bool:
    return _norm(one).casefold() == _norm(other).casefold()


def _expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (DOCUMENTS / f"{name}.expected.yaml").read_text(encoding="utf-8")
    )
    return data


def _read(name: str) -> Any:
    return read_document_text((DOCUMENTS / f"{name}.txt").read_text(encoding="utf-8"))


def _coordinators_match(expected: list[str], actual: str) -> bool:
    """Every expected coordinator is in the proposal's, and nothing else is but separators."""
    rest = _norm(actual).casefold()
    for name in expected:
        wanted = _norm(name).casefold()
        if wanted not in rest:
            return False
        rest = rest.replace(wanted, ",", 1)
    return bool(_BETWEEN.fullmatch(rest))


@dataclass
class Match:
    expected: dict[str, Any]
    proposal: Proposal | None

    def faults(self) -> list[str]:
        """What differs from the expected task, empty when it was read right."""
        want, got = self.expected, self.proposal
        if got is None:
            return [f"not found: {want['work']!r}"]
        faults = []
        for field in ("lead", "deadline", "product"):
            if not _same(getattr(got, field), want[field] or ""):
                faults.append(f"{field} {getattr(got, field)!r} != {want[field]!r}")
        if not _coordinators_match(want["coordinators"] or [], got.coordinators):
            faults.append(f"coordinators {got.coordinators!r} != {want['coordinators']!r}")
        return [f"{want['work'][:50]!r}: {fault}" for fault in faults]


def _matches(expected: list[dict[str, Any]], proposals: tuple[Proposal, ...]) -> list[Match]:
    """Each expected task paired with the first unused proposal whose work holds its
    fragment."""
    free = list(proposals)
    matches = []
    for task in expected:
        fragment = _norm(task["work"]).casefold()
        found = next((p for p in free if fragment in _norm(p.work).casefold()), None)
        if found is not None:
            free.remove(found)
        matches.append(Match(task, found))
    return matches


def _proposed_text(proposal: Proposal) -> str:
    return f"{_norm(proposal.work)}\n{_norm(proposal.words)}"


# -- each fixture ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_expected_task_is_read_as_written(name: str) -> None:
    expected = _expected(name)["tasks"]
    reading = _read(name)
    faults = [f for m in _matches(expected, reading.proposals) for f in m.faults()]
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("name", NAMES)
def test_nothing_else_is_proposed(name: str) -> None:
    expected = _expected(name)["tasks"]
    reading = _read(name)
    used = {id(m.proposal) for m in _matches(expected, reading.proposals)}
    extra = [p.work for p in reading.proposals if id(p) not in used]
    assert not extra, extra


@pytest.mark.parametrize("name", NAMES)
def test_paragraphs_that_assign_nothing_are_not_proposed(name: str) -> None:
    reading = _read(name)
    texts = [_proposed_text(p) for p in reading.proposals]
    wrong = [
        fragment
        for fragment in _expected(name)["skipped"]
        if any(_norm(fragment) in text for text in texts)
    ]
    assert not wrong, wrong
    skipped = "\n".join(_norm(s.words) for s in reading.skipped)
    missing = [f for f in _expected(name)["skipped"] if _norm(f) not in skipped]
    assert not missing, f"not listed as skipped: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_header(name: str) -> None:
    want = _expected(name)["header"]
    header = _read(name).header
    assert header.kind == want["kind"]
    assert header.number == want["number"]
    assert header.issued_on == want["issued_on"]
    assert header.signer == want["signer"]
    assert _norm(header.title).startswith(_norm(want["title"]))


@pytest.mark.parametrize("name", NAMES)
def test_refs_are_unique_and_lines_point_at_the_item(name: str) -> None:
    lines = [_norm(line) for line in (DOCUMENTS / f"{name}.txt").read_text("utf-8").split("\n")]
    reading = _read(name)
    refs = [p.ref for p in reading.proposals]
    assert len(refs) == len(set(refs)), refs
    for proposal in reading.proposals:
        assert _item_starts_at(proposal, lines), (proposal.line, proposal.words)


def _item_starts_at(proposal: Proposal, lines: list[str]) -> bool:
    """The item's own lines (the end of ``words``, after any heading) start at ``line``; a
    clause split from an item starts on that line."""
    words = [_norm(w) for w in proposal.words.split("\n")]
    start = proposal.line - 1
    for index in range(len(words)):
        rest = words[index:]
        if rest == lines[start : start + len(rest)]:
            return True
    return len(words) == 1 and words[0][:15] in lines[start]


# -- the overall figures -----------------------------------------------------------------


def test_overall_figures_across_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    """Tasks found, leads and deadlines read right, non-assignments proposed."""
    total = found = lead = deadline = coordinators = product = 0
    skipped_total = skipped_proposed = proposals = extra = 0
    for name in NAMES:
        expected = _expected(name)
        reading = _read(name)
        matches = _matches(expected["tasks"], reading.proposals)
        total += len(matches)
        proposals += len(reading.proposals)
        for match in matches:
            got = match.proposal
            if got is None:
                continue
            found += 1
            lead += _same(got.lead, match.expected["lead"] or "")
            deadline += _same(got.deadline, match.expected["deadline"] or "")
            product += _same(got.product, match.expected["product"] or "")
            coordinators += _coordinators_match(
                match.expected["coordinators"] or [], got.coordinators
            )
        extra += len(reading.proposals) - sum(m.proposal is not None for m in matches)
        texts = [_proposed_text(p) for p in reading.proposals]
        for fragment in expected["skipped"]:
            skipped_total += 1
            skipped_proposed += any(_norm(fragment) in text for text in texts)

    def pct(part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 100.0

    figures = {
        "tasks found": pct(found, total),
        "lead correct": pct(lead, total),
        "deadline correct": pct(deadline, total),
        "coordinators correct": pct(coordinators, total),
        "product correct": pct(product, total),
        "non-assignments proposed": pct(skipped_proposed, skipped_total),
        "proposals matching no expected task": pct(extra, proposals),
    }
    with capsys.disabled():
        print(
            f"\n{len(NAMES)} documents, {total} expected tasks, {proposals} proposals, "
            f"{skipped_total} non-assignments"
        )
        for label, value in figures.items():
            print(f"  {label:38} {value:6.1f} %")
    assert figures["tasks found"] >= 90
    assert figures["lead correct"] >= 90
    assert figures["deadline correct"] >= 90
    assert figures["non-assignments proposed"] <= 10


# -- units -------------------------------------------------------------------------------

CONCLUSION = "\n".join(
    [
        "ỦY BAN NHÂN DÂN                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "XÃ XUÂN DƯƠNG                              Độc lập - Tự do - Hạnh phúc",
        "Số: 07/TB-UBND                   Xuân Dương, ngày 09 tháng 01 năm 2026",
        "",
        "THÔNG BÁO",
        "Kết luận của Chủ tịch UBND xã tại cuộc họp giao ban tháng 01/2026",
        "",
        "Chủ tịch UBND xã kết luận như sau:",
        "",
        "1. Giao Phòng Kinh tế chủ trì, phối hợp với Công an xã rà soát các hộ kinh doanh, "
        "hoàn thành trước ngày 20/01/2026.",
        "2. Không thống nhất đề xuất của Phòng Kinh tế; giao Văn phòng HĐND và UBND xã tham "
        "mưu Công văn trả lời, xong trước 15/01/2026.",
        "3. Giao Phòng Văn hóa - Xã hội, Trung tâm Phục vụ hành chính công tuyên truyền dịch "
        "vụ công trực tuyến.",
        "",
        "Nơi nhận:",
        "- Lưu: VT.",
        "",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "",
        "Ma Văn Bình",
    ]
)


def test_header_of_a_conclusion_copied_in_two_columns() -> None:
    header = read_document_text(CONCLUSION).header
    assert header.kind == "thong_bao_ket_luan"
    assert header.number == "07/TB-UBND"
    assert header.issued_on == date(2026, 1, 9)
    assert header.signer == "Ma Văn Bình"
    assert header.title == "Kết luận của Chủ tịch UBND xã tại cuộc họp giao ban tháng 01/2026"


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [
        (
            "Số: 412/UBND-VP\nV/v rà soát dữ liệu\n\n1. Giao Phòng Kinh tế rà soát.",
            "cong_van",
            "412/UBND-VP",
        ),
        (
            "Số: 88/KH-UBND\n\nKẾ HOẠCH\nTuyên truyền\n\n1. Phòng Kinh tế rà soát.",
            "ke_hoach",
            "88/KH-UBND",
        ),
        ("Số: 12 / TB-UBND\n\n1. Giao Phòng Kinh tế rà soát.", "thong_bao_ket_luan", "12/TB-UBND"),
        ("Số: /QĐ-UBND\n\n1. Giao Phòng Kinh tế rà soát.", None, ""),
        ("1. Giao Phòng Kinh tế rà soát.", None, ""),
    ],
)
def test_kind_and_number_of_the_document(text: str, kind: str | None, number: str) -> None:
    header = read_document_text(text).header
    assert (header.kind, header.number) == (kind, number)


def test_a_second_assignment_in_an_item_is_its_own_task_with_its_own_ref_and_line() -> None:
    reading = read_document_text(CONCLUSION)
    refs = [(p.ref, p.lead) for p in reading.proposals]
    assert refs == [
        ("1", "Phòng Kinh tế"),
        ("2", "Văn phòng HĐND và UBND xã"),
        ("3", "Phòng Văn hóa - Xã hội, Trung tâm Phục vụ hành chính công"),
    ]
    second = reading.proposals[1]
    assert second.work == "Tham mưu Công văn trả lời"
    assert second.deadline == "trước 15/01/2026"
    assert (
        second.line
        == CONCLUSION.split("\n").index(
            next(line for line in CONCLUSION.split("\n") if line.startswith("2."))
        )
        + 1
    )
    refused = next(s for s in reading.skipped if s.words.startswith("Không thống nhất"))
    assert refused.reason == "thống nhất chủ trương, không giao việc"


def test_work_is_cleaned_of_the_lead_the_coordinators_and_the_deadline() -> None:
    first = read_document_text(CONCLUSION).proposals[0]
    assert first.work == "Rà soát các hộ kinh doanh"
    assert (first.lead, first.coordinators, first.deadline) == (
        "Phòng Kinh tế",
        "Công an xã",
        "trước ngày 20/01/2026",
    )


def test_unclear_notes_say_what_is_missing_in_vietnamese() -> None:
    reading = read_document_text(CONCLUSION)
    assert reading.proposals[0].unclear == ("chưa rõ sản phẩm",)
    assert reading.proposals[1].unclear == ()
    assert reading.proposals[2].unclear == (
        "nhiều đơn vị cùng chủ trì",
        "chưa có thời hạn",
        "chưa rõ sản phẩm",
    )
    leadless = read_document_text("b) Nhiệm vụ:\n- Tiếp tục rà soát thủ tục hành chính.")
    assert leadless.proposals[0].unclear == (
        "chưa rõ đơn vị chủ trì",
        "chưa có thời hạn",
        "chưa rõ sản phẩm",
    )


def test_a_person_leads_with_the_title_kept_apart() -> None:
    text = "1. Giao đồng chí Ma Văn Bình, Phó Chủ tịch UBND xã chỉ đạo kiểm tra thị trường dịp Tết."
    proposal = read_document_text(text).proposals[0]
    assert (proposal.lead, proposal.person, proposal.person_title) == (
        "Ma Văn Bình",
        "Ma Văn Bình",
        "Phó Chủ tịch UBND xã",
    )
    assert proposal.work == "Chỉ đạo kiểm tra thị trường dịp Tết"


def test_a_person_named_after_the_title_leads() -> None:
    text = "2. Giao đồng chí Phó Chủ tịch UBND xã Ma Văn Bình chỉ đạo tổng kết công tác năm."
    proposal = read_document_text(text).proposals[0]
    assert (proposal.lead, proposal.person, proposal.person_title) == (
        "Ma Văn Bình",
        "Ma Văn Bình",
        "Phó Chủ tịch UBND xã",
    )


def test_refs_shared_by_bullets_are_numbered_under_their_heading() -> None:
    text = (
        "1. Phòng Kinh tế:\n- Rà soát hộ kinh doanh.\n- Kiểm tra an toàn thực phẩm.\n"
        "2. Công an xã: Làm sạch dữ liệu dân cư.\n"
        "- Tổng hợp báo cáo.\n- Cập nhật dữ liệu."
    )
    reading = read_document_text(text)
    assert [p.ref for p in reading.proposals] == ["1.1", "1.2", "2.1", "2.2", "2.3"]


def test_a_text_over_one_megabyte_is_refused() -> None:
    with pytest.raises(ImportFileError, match="quá giới hạn 1 MB"):
        read_document_text("a" * (MAX_BYTES + 1), source="tb.txt")


def test_a_text_over_the_line_limit_is_refused() -> None:
    with pytest.raises(ImportFileError, match=f"quá giới hạn {MAX_LINES} dòng"):
        read_document_text("\n".join(["1. Giao Phòng Kinh tế rà soát."] * (MAX_LINES + 1)))


@pytest.mark.parametrize(
    "line",
    [
        "Giao Phòng " * 8_000,
        "phối hợp với " * 8_000,
        "- " * 40_000,
        "(" * 80_000,
        "trước ngày 1/1/" * 6_000,
        "; giao Phòng Kinh tế" * 4_000,
        "Phòng, " * 12_000,
        "hằng năm " * 9_000,
    ],
)
def test_hostile_lines_are_read_without_error(line: str) -> None:
    reading = read_document_text(line)
    assert len(reading.proposals) + len(reading.skipped) >= 1


def test_docx_paragraphs_and_header_table_become_lines(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nXÃ XUÂN DƯƠNG\nSố: 125/TB-UBND"
    table.cell(0, 1).text = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Xuân Dương, ngày 05 tháng 12 năm 2025"
    )
    document.add_paragraph("THÔNG BÁO")
    document.add_paragraph("Kết luận của Chủ tịch UBND xã")
    document.add_paragraph(
        "1. Giao Phòng Kinh tế tham mưu ban hành Kế hoạch kiểm tra, "
        "hoàn thành trước ngày 15/12/2025."
    )
    path = tmp_path / "tb.docx"
    document.save(str(path))
    reading = read_document_text(docx_text(path))
    assert (reading.header.number, reading.header.issued_on) == ("125/TB-UBND", date(2025, 12, 5))
    assert [(p.lead, p.product, p.deadline) for p in reading.proposals] == [
        ("Phòng Kinh tế", "Kế hoạch", "trước ngày 15/12/2025")
    ]


def test_a_file_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tb.docx"
    path.write_text("không phải tệp Word", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"tb\.docx"):
        docx_text(path)


@pytest.mark.parametrize(
    ("caption", "attached"),
    [
        (
            "(Kèm theo Quyết định số: 465/QĐ-UBND ngày 23 tháng 4 năm 2026\n"
            "của Chủ tịch Ủy ban nhân dân xã)",
            ("Quyết định", "465/QĐ-UBND", date(2026, 4, 23)),
        ),
        (
            "(Ban hành kèm theo Quyết định số 12/QĐ-UBND ngày 05/01/2026 của UBND xã)",
            ("Quyết định", "12/QĐ-UBND", date(2026, 1, 5)),
        ),
        (
            "(Ban hành kèm theo Kế hoạch số: 3838 /QĐ-UBND ngày 28 /12/2023 của UBND thị xã)",
            ("Kế hoạch", "3838/QĐ-UBND", date(2023, 12, 28)),
        ),
    ],
)
def test_the_caption_names_the_document_the_plan_came_with(
    caption: str, attached: tuple[str, str, date]
) -> None:
    body = "1. Phòng Kinh tế xây dựng kế hoạch.\n"
    text = f"KẾ HOẠCH\n\nCải cách hành chính năm 2026\n\n{caption}\n\n{body}"
    header = read_document_text(text).header
    assert header.attached is not None
    assert (header.attached.word, header.attached.number, header.attached.issued_on) == attached


def test_a_plan_without_a_caption_has_none() -> None:
    assert (
        read_document_text("KẾ HOẠCH\n\n1. Phòng Kinh tế xây dựng kế hoạch.\n").header.attached
        is None
    )
