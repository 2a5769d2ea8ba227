"""``sauro directory export`` and ``import`` on both databases: the export is a valid
directory file, exporting then importing it changes nothing, an import previews before it
writes, and never drops a person who still has open tasks without being told to; ``sauro
init`` run again leaves a directory edited in the database alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sauro_support import FIXTURES, PLAN_OPTIONS, Sauro, snapshot
from sqlmodel import Session, select

from engine.directory.schema import parse_directory
from engine.store.audit import Actor
from engine.store.db import make_engine, session_scope
from engine.store.models import AuditLog, Person, Task
from engine.tasks.delegation import delegate

NOW = datetime(2024, 6, 10, 2, 0, tzinfo=UTC)
ACTOR = Actor(name="test", source="test_directory_cli")
LINH = "linhntm@kientuong.example.vn"


def _with_tasks(sauro: Sauro) -> None:
    """Kiến Tường's plan imported and Nguyễn Thị Mỹ Linh named on task 2.1."""
    sauro.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    engine = make_engine(sauro.url)
    try:
        with session_scope(engine) as session:
            task = session.exec(select(Task).where(Task.ref == "2.1")).one()
            person = session.exec(select(Person).where(Person.email == LINH)).one()
            delegate(session=session, task_ids=[task.id or 0], person_id=person.id or 0,
                     reason="", actor=ACTOR, now=NOW)  # fmt: skip
    finally:
        engine.dispose()


def _person(sauro: Sauro, email: str) -> Person:
    engine = make_engine(sauro.url)
    try:
        with Session(engine) as session:
            return session.exec(select(Person).where(Person.email == email)).one()
    finally:
        engine.dispose()


def _edit(sauro: Sauro, email: str, **values: object) -> None:
    engine = make_engine(sauro.url)
    try:
        with session_scope(engine) as session:
            person = session.exec(select(Person).where(Person.email == email)).one()
            for name, value in values.items():
                setattr(person, name, value)
    finally:
        engine.dispose()


def test_export_then_import_changes_nothing(loaded: Sauro, tmp_path: Path) -> None:
    _edit(loaded, LINH, phone="0912345678", zalo="0987654321", channel="zalo")
    _edit(loaded, "hanpn@kientuong.example.vn", active=False, left_on=date(2024, 5, 31))
    _edit(loaded, "tamlm@kientuong.example.vn", role="deputy")
    exported = tmp_path / "directory.yaml"

    said = loaded.ok("directory", "export", exported)

    assert "Đã xuất danh mục" in said.stdout
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("# Danh mục đơn vị và cán bộ, xuất từ cơ sở dữ liệu")
    directory = parse_directory(text, "directory.yaml")
    noi_vu = directory.organization("kien-tuong").unit("phong-noi-vu")
    assert [p.name for p in noi_vu.deputies] == ["Lê Minh Tâm"]
    assert [(p.name, p.left) for p in noi_vu.people] == [("Phạm Ngọc Hân", date(2024, 5, 31))]
    linh = directory.organization("kien-tuong").unit("phong-tu-phap").people[0]
    assert (linh.phone, linh.zalo, linh.channel) == ("0912345678", "0987654321", "zalo")
    vice = directory.organization("kien-tuong").vice_chairmen[0]
    assert vice.units and vice.areas
    assert directory.organization("kien-tuong").report_to  # from the config in force
    before = snapshot(loaded.url)

    preview = loaded.ok("directory", "import", exported)
    applied = loaded.ok("directory", "import", exported, "--apply")

    assert preview.stdout.strip() == "Không có thay đổi nào."
    assert applied.stdout.strip() == "Không có thay đổi nào."
    assert snapshot(loaded.url) == before


def test_an_import_previews_then_applies_with_audit(loaded: Sauro, tmp_path: Path) -> None:
    exported = tmp_path / "directory.yaml"
    loaded.ok("directory", "export", "--org", "kien-tuong", exported)
    text = exported.read_text(encoding="utf-8")
    linh = "title: Chuyên viên\n      email: linhntm"
    changed = text.replace(linh, linh.replace("Chuyên viên", "Chuyên viên chính"))
    changed = changed.replace("name: Phòng Tư pháp\n", "name: Phòng Tư pháp và Hộ tịch\n")
    assert changed != text
    edited = tmp_path / "sua.yaml"
    edited.write_text(changed, encoding="utf-8")
    before = snapshot(loaded.url)

    preview = loaded.ok("directory", "import", edited)

    assert "~ sửa đơn vị Phòng Tư pháp: tên: Phòng Tư pháp → Phòng Tư pháp và Hộ tịch" in (
        preview.stdout
    )
    assert "chức danh: Chuyên viên → Chuyên viên chính" in preview.stdout
    assert "phong-tu-phap" not in preview.stdout  # names, not codes
    assert "chưa ghi" in preview.stdout
    assert snapshot(loaded.url) == before

    loaded.ok("directory", "import", edited, "--apply")

    assert _person(loaded, LINH).title == "Chuyên viên chính"
    engine = make_engine(loaded.url)
    with Session(engine) as session:
        audits = session.exec(select(AuditLog).where(AuditLog.field == "title")).all()
    engine.dispose()
    assert any(a.new_value == "Chuyên viên chính" and "directory import" in a.source
               for a in audits)  # fmt: skip
    assert loaded.ok("directory", "import", edited).stdout.strip() == "Không có thay đổi nào."


def test_a_person_with_open_tasks_is_never_dropped_silently(loaded: Sauro, tmp_path: Path) -> None:
    _with_tasks(loaded)
    exported = tmp_path / "directory.yaml"
    loaded.ok("directory", "export", exported)
    text = exported.read_text(encoding="utf-8")
    block = (
        "    people:\n    - name: Nguyễn Thị Mỹ Linh\n      title: Chuyên viên\n"
        "      email: linhntm@kientuong.example.vn\n"
    )
    assert block in text
    dropped = tmp_path / "bot.yaml"
    dropped.write_text(text.replace(block, ""), encoding="utf-8")

    kept = loaded.ok("directory", "import", dropped, "--apply")

    assert "Giữ nguyên Nguyễn Thị Mỹ Linh: còn 1 nhiệm vụ đang làm" in kept.stdout
    assert _person(loaded, LINH).active

    retired = loaded.ok("directory", "import", dropped, "--apply", "--retire-with-tasks")

    assert "- thôi cán bộ Nguyễn Thị Mỹ Linh" in retired.stdout
    person = _person(loaded, LINH)
    assert not person.active and person.left_on is not None


def test_a_second_init_keeps_what_was_edited_in_the_database(loaded: Sauro) -> None:
    _edit(loaded, LINH, title="Chuyên viên chính", unit_id=None)
    before = snapshot(loaded.url)

    again = loaded.ok("init")

    assert "đã có trong cơ sở dữ liệu (nguồn chính)" in again.stdout
    assert "sauro directory import" in again.stdout
    assert snapshot(loaded.url) == before


def test_an_invalid_file_is_refused_with_its_place(loaded: Sauro, tmp_path: Path) -> None:
    exported = tmp_path / "directory.yaml"
    loaded.ok("directory", "export", exported)
    bad = tmp_path / "sai.yaml"
    bad.write_text(
        exported.read_text(encoding="utf-8").replace(
            "email: linhntm@kientuong.example.vn",
            "email: linhntm@kientuong.example.vn\n      phone: '12345'",
        ),
        encoding="utf-8",
    )

    refused = loaded("directory", "import", bad)

    assert refused.exit_code == 2
    assert "phone" in refused.stderr and "số điện thoại" in refused.stderr


def test_a_person_added_by_an_import_is_previewed_with_the_role_in_words(
    loaded: Sauro, tmp_path: Path
) -> None:
    exported = tmp_path / "directory.yaml"
    loaded.ok("directory", "export", "--org", "kien-tuong", exported)
    text = exported.read_text(encoding="utf-8")
    linh = "    - name: "
    at = text.index(linh)
    person = (
        "    - name: Lò Văn Mới\n      title: Chuyên viên\n"
        "      email: moilv@kientuong.example.vn\n"
    )
    added = text[:at] + person + text[at:]
    edited = tmp_path / "them.yaml"
    edited.write_text(added, encoding="utf-8")

    preview = loaded.ok("directory", "import", edited)

    assert "Lò Văn Mới" in preview.stdout, preview.stdout
    assert "Cán bộ)" in preview.stdout and "officer" not in preview.stdout
