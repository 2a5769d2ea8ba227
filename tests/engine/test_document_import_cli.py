"""``sauro import`` of an assigning document's text: a .txt, or a .docx without a task table,
becomes the document's tasks (number, date and kind read from the text), the paragraphs not
read as tasks are listed with why, the same document again updates its tasks (audited), and
a bad file exits 2 naming where, leaving the database unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from sauro_support import CONFIG, FIXTURES, Sauro, snapshot
from sqlmodel import Session, select

from engine.importing.areas import AreaResolver, load_areas
from engine.importing.document_text import read_document_text
from engine.plans.document_rows import document_rows
from engine.store.db import make_engine
from engine.store.models import Plan, Task

NOTICE = FIXTURES / "kien_tuong_45_tb.txt"
XUAN_DUONG = FIXTURES / "documents" / "01_tb_ket_luan_cchc.txt"


def _plan_tasks(url: str, key: str) -> tuple[Plan, list[Task]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            plan = session.exec(select(Plan).where(Plan.key == key)).one()
            tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id)))
            return plan, tasks
    finally:
        engine.dispose()


def test_a_conclusion_notice_in_a_text_file(sauro: Sauro) -> None:
    sauro.ok("init")
    result = sauro.ok("import", XUAN_DUONG, "--org", "xuan-duong")
    out = result.stdout
    assert "Đã nhập 5 nhiệm vụ" in out and "'125/TB-UBND'" in out
    assert "Căn cứ: Thông báo kết luận số 125/TB-UBND ngày 05/12/2025." in out
    assert "Không đọc là nhiệm vụ" in out and "Thống nhất chủ trương" in out
    plan, tasks = _plan_tasks(sauro.url, "125/TB-UBND")
    assert (plan.kind, plan.number, str(plan.issued_on)) == (
        "thong_bao_ket_luan",
        "125/TB-UBND",
        "2025-12-05",
    )
    first = next(t for t in tasks if t.ref == "3")
    assert first.lead_text == "Phòng Văn hóa - Xã hội"
    assert str(first.due_date) == "2025-12-14" and first.product == "Kế hoạch"
    assert first.raw_cells["Đọc từ"].startswith("3. Giao Phòng Văn hóa - Xã hội chủ trì")


def test_a_docx_without_a_task_table_is_read_as_text(sauro: Sauro, tmp_path: Path) -> None:
    sauro.ok("init")
    document = docx.Document()
    for line in NOTICE.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "thong-bao-45.docx"
    document.save(str(path))
    result = sauro.ok("import", path, "--org", "kien-tuong", "--dry-run")
    assert "Sẽ nhập 8 nhiệm vụ" in result.stdout and "'45/TB-UBND'" in result.stdout


def test_the_same_document_again_updates_its_tasks(sauro: Sauro, tmp_path: Path) -> None:
    sauro.ok("init")
    sauro.ok("import", NOTICE, "--org", "kien-tuong")
    changed = tmp_path / "45-sua.txt"
    text = NOTICE.read_text(encoding="utf-8").replace("trong tháng 6/2024", "trong tháng 7/2024")
    changed.write_text(text, encoding="utf-8")
    again = sauro.ok("import", changed, "--org", "kien-tuong")
    assert "Thêm mới 0, cập nhật 1, không đổi 7, rút khỏi kế hoạch 0." in again.stdout
    _, tasks = _plan_tasks(sauro.url, "45/TB-UBND")
    assert str(next(t for t in tasks if t.ref == "4").due_date) == "2024-07-31"


def test_a_bad_text_file_exits_2_and_changes_nothing(sauro: Sauro, tmp_path: Path) -> None:
    sauro.ok("init")
    latin = tmp_path / "cong-van.txt"
    latin.write_bytes("1. Giao Phòng Tư pháp rà soát".encode() + b"\n\xe9t\xe9\n")
    before = snapshot(sauro.url)
    result = sauro("import", latin, "--org", "kien-tuong")
    assert result.exit_code == 2
    assert "cong-van.txt, dòng 2" in result.stderr and "UTF-8" in result.stderr
    nothing = tmp_path / "danh-gia.txt"
    nothing.write_text("UBND thị xã đánh giá cao các đơn vị.\n", encoding="utf-8")
    refused = sauro("import", nothing, "--org", "kien-tuong")
    assert refused.exit_code == 2
    assert "Không tìm thấy nhiệm vụ được giao nào" in refused.stderr
    assert snapshot(sauro.url) == before


SEED_000 = FIXTURES / "documents" / "10_seed_000_ke_hoach_kien_minh.txt"
SEED_004 = FIXTURES / "documents" / "13_seed_004_ke_hoach_xuan_duong.txt"


def test_a_plan_issued_with_a_decision_has_the_decision_as_its_basis(sauro: Sauro) -> None:
    sauro.ok("init")
    result = sauro.ok("import", SEED_000, "--org", "xuan-duong", "--dry-run")
    out = result.stdout
    # The caption "(Kèm theo Quyết định số: 465/QĐ-UBND ngày 23 tháng 4 năm 2026 …)".
    assert "Căn cứ: Kế hoạch ban hành kèm theo Quyết định số 465/QĐ-UBND ngày 23/04/2026." in out
    assert "Kế hoạch số 465/QĐ-UBND" not in out
    # The excerpt names no signer: the directory's Chairman assigns, and the summary says so.
    assert "Người giao việc: Chủ tịch" in out
    assert "(Chủ tịch theo danh bạ; văn bản không ghi người ký)" in out


def test_the_signer_of_the_plan_is_its_assigner(sauro: Sauro) -> None:
    sauro.ok("init")
    result = sauro.ok("import", SEED_004, "--org", "xuan-duong", "--dry-run", "--json")
    tasks = json.loads(result.stdout)
    assert {t["authority"]["assigner"] for t in tasks} == {"Nông Văn Phong, người ký kế hoạch"}


def test_a_prose_plan_gives_its_tasks_the_area_heading_above_them() -> None:
    areas = AreaResolver(load_areas(CONFIG / "areas.yaml"))
    text = (FIXTURES / "documents" / "12_seed_003_nhiem_vu_nguyen_giap.txt").read_text("utf-8")
    rows = document_rows(read_document_text(text), "nguyen-giap.txt", areas)
    found = {row.ref: areas.resolve(row.group) for row in rows}
    assert found == {
        **dict.fromkeys(["b.1", "b.2", "b.3"], "the-che"),
        **dict.fromkeys(["b.4", "b.5", "b.6", "b.7", "b.8"], "thu-tuc-hanh-chinh"),
        "b.9": "tai-chinh-cong",
        **dict.fromkeys(["b.10", "b.11", "b.12", "b.13", "b.14"], "chinh-quyen-so"),
    }
    # The units' duties of "Tổ chức thực hiện" sit under no area heading.
    seed_004 = read_document_text(SEED_004.read_text("utf-8"))
    assert {row.group for row in document_rows(seed_004, "x.txt", areas) if row.ref == "2.1"} == {
        ""
    }


def test_a_heading_naming_no_area_is_printed_once(sauro: Sauro, tmp_path: Path) -> None:
    sauro.ok("init")
    path = tmp_path / "muc.csv"
    rows = [
        "TT,Nhiệm vụ cụ thể,Sản phẩm,Cơ quan chủ trì,Thời gian thực hiện",
        ",II. Nhiệm vụ trọng tâm khác,,,",
        "1,Tổ chức hội nghị đối thoại với người dân,Báo cáo,Phòng Kinh tế,Quý II/2026",
        "2,Kiểm tra công vụ tại các thôn,Báo cáo,Phòng Kinh tế,Quý III/2026",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = sauro.ok("import", path, "--org", "xuan-duong", "--dry-run").stdout
    assert out.count("«II. Nhiệm vụ trọng tâm khác»") == 1
    assert "«II. Nhiệm vụ trọng tâm khác»: 2 nhiệm vụ" in out
