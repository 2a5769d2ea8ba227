"""The config store on a real database (SQLite file and PostgreSQL) and a copy of config/:
validation at the line, in the context of the other files; saves with history, rollback,
numbering under concurrent saves; the impact preview against ``sauro rules preview``."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from reminder_support import build_commune, execute, row
from sauro_support import CONFIG, Sauro, snapshot
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from engine.calendar.status import VN
from engine.configs.editor import (
    EDITABLE,
    HAND_EDIT_NOTE,
    ORIGINAL_NOTE,
    history,
    load_current,
    rollback,
    save_config,
    validate_text,
)
from engine.errors import ConfigError, NotFoundError
from engine.reminders.impact import ImpactCounts, preview_impact
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import ConfigFileRevision

ACTOR = Actor(name="Quản trị viên", source="test_config_store")
NOW = datetime(2026, 2, 6, 7, 0, tzinfo=VN)
AT = "2026-02-06T07:00"
SUBJECT = "templates/digest.subject.txt"

# As of Friday 06/02/2026 07:00 in Xuân Dương (ladder of config/escalation.yaml):
#   1: before-7 (person, head); 2: before-1 (person, head); 5: due-day (person, head);
#   3: unclear since 26/01: unclear-fixer (standing office, not an escalation) and
#      unclear-chairman; 4: 13 working days late: overdue to head, standing office,
#      Vice-Chairman and Chairman.
PLAN = [
    row("1", "Văn phòng HĐND và UBND xã", "Ma Thị Huyền", "24/02/2026",
        "Rà soát quy trình nội bộ giải quyết thủ tục hành chính tại Văn phòng"),
    row("2", "Phòng Kinh tế", "Lường Thị Thảo", "09/02/2026",
        "Xây dựng dự toán kinh phí cải cách hành chính năm 2026 của xã"),
    row("3", "Phòng Văn hóa - Xã hội", "Đàm Văn Khánh", "Thường xuyên",
        "Tuyên truyền cải cách hành chính trên hệ thống truyền thanh của xã"),
    row("4", "Văn phòng HĐND và UBND xã", "Ma Thị Huyền", "20/01/2026",
        "Cập nhật danh mục thủ tục hành chính trên cổng dịch vụ công của xã"),
    row("5", "Phòng Kinh tế", "Lường Thị Thảo", "06/02/2026",
        "Kiểm tra việc niêm yết công khai thủ tục hành chính tại bộ phận một cửa"),
]  # fmt: skip
CURRENT = ImpactCounts(planned=12, reminders=6, escalations=4, messages=9)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of config/ that a test may save into."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    return folder


@pytest.fixture
def commune(db_url: str, tmp_path: Path) -> str:
    """Xuân Dương with ``PLAN``; task 3 found unclear on 26/01/2026."""
    build_commune(db_url, tmp_path, PLAN)
    execute(db_url, "UPDATE task SET unclear = 'deadline', unclear_since = :since WHERE ref = '3'",
            since=date(2026, 1, 26))  # fmt: skip
    return db_url


def _edited(name: str, old: str, new: str) -> str:
    text = load_current(config_dir=CONFIG, name=name)
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new, 1)


def _edit(name: str, old: str, new: str, marker: str) -> tuple[str, int]:
    """``_edited``, and the line of the replacement that holds ``marker``."""
    text = load_current(config_dir=CONFIG, name=name)
    start = text.index(old)
    offset = next(n for n, line in enumerate(new.splitlines()) if marker in line)
    return _edited(name, old, new), text[:start].count("\n") + 1 + offset


def _without_steps(text: str, *ids: str) -> str:
    """escalation.yaml without the steps ``ids`` (each step ends at a blank line or at the
    end of the file)."""
    for step_id in ids:
        start = text.index(f"  - id: {step_id}\n")
        end = text.find("\n\n", start)
        text = text[:start] + (text[end + 2 :] if end >= 0 else "")
    return text


def _folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _revision_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(ConfigFileRevision)).scalar_one()


# --- validation ------------------------------------------------------------------------

# (file, text to replace, replacement, marker of the line the problem must name, words of
# the message)
INVALID = [
    ("rules.yaml", "    severity: error", "    severity: critical", "critical", "phải là"),
    ("rules.yaml", "  work_min_words: 4", "  work_min_words: bốn", "bốn", "số nguyên"),
    ("escalation.yaml", "    offset: 3\n", "    offset: 3 ngày\n", "3 ngày", "số ngày làm việc"),
    ("escalation.yaml", "    template: escalation", "    template: bao-cao-rieng",
     "bao-cao-rieng", "mẫu thư 'bao-cao-rieng' không có"),
    ("escalation.yaml", "  - id: before-3\n", "  - id: before-7\n", "id: before-7", "lặp"),
    ("escalation.yaml", "    recipients: [lead_head]", "    recipients: [truong-phong]",
     "truong-phong", "vai trò không hợp lệ"),
    ("escalation.yaml", "  - id: before-1\n    kind", "  - id: before-1\n\tkind", "\tkind",
     "Tab"),
    ("calendar.yaml", "weekend: [saturday, sunday]", "weekend: [saturday, chu-nhat]",
     "chu-nhat", ""),
    ("calendar.yaml", "timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Sai_Gon", "Sai_Gon", ""),
    ("reporting.yaml", "cutoff_day: 14", "cutoff_day: 40", "cutoff_day: 40", ""),
    ("reporting.yaml", "periods: [quy-1, 6-thang, quy-3, nam]", "periods: [quy-1, quy-5]",
     "quy-5", ""),
    ("areas.yaml", '    name: "Cải cách thể chế"\n',
     '    name: "Cải cách thể chế"\n    ten: "Thể chế"\n', 'ten: "Thể chế"', "khóa không có"),
    ("import.yaml", "required: [work, lead]", "required: [work, lead, ngan_sach]", "ngan_sach",
     ""),
    ("import.yaml", "  search_rows: 6", "  search_rows: sáu", "search_rows: sáu", "số nguyên"),
    ("templates/digest.html", "<head>\n", "<head>\n{{ ''.__class__.__mro__ }}\n", "__class__",
     "không an toàn"),
    ("templates/digest.txt", "-#}\n", "-#}\n{% if %}\n", "{% if %}", "sai cú pháp"),
    ("templates/digest.subject.txt", "{{ digest.summary }}", "{{ digest.tom_tat }}",
     "tom_tat", "tom_tat"),
    ("templates/escalation.txt", "-#}\n", "-#}\n{{ ten_sai }}\n", "ten_sai",
     "biến 'ten_sai' không tồn tại"),
    ("templates/_cac_muc.html", "{% for section in sections %}\n",
     "{% for section in sections %}\n{{ cycler.__init__.__globals__ }}\n", "__globals__",
     "không an toàn"),
    ("templates/_cac_muc.txt", "-#}\n", "-#}\n{% for i in range(10**9) %}{% endfor %}\n",
     "range(", "range quá lớn"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "old", "new", "marker", "words"), INVALID)
def test_an_invalid_text_is_reported_at_its_line(
    name: str, old: str, new: str, marker: str, words: str
) -> None:
    text, line = _edit(name, old, new, marker)

    problems = validate_text(config_dir=CONFIG, name=name, text=text)

    assert problems, f"{name}: no problem found"
    lines = {(p.location.file, p.location.line) for p in problems}
    assert (name, line) in lines, [str(p) for p in problems]
    assert any(words in p.message for p in problems), [str(p) for p in problems]


def test_every_current_file_is_valid_and_crlf_is_accepted() -> None:
    for name in EDITABLE:
        text = load_current(config_dir=CONFIG, name=name)
        assert validate_text(config_dir=CONFIG, name=name, text=text) == [], name
        crlf = text.replace("\n", "\r\n")
        assert validate_text(config_dir=CONFIG, name=name, text=crlf) == [], name


def test_escalation_is_checked_against_the_templates_in_place(config_dir: Path) -> None:
    text = load_current(config_dir=config_dir, name="escalation.yaml")
    (config_dir / "templates" / "escalation.html").unlink()

    problems = validate_text(config_dir=config_dir, name="escalation.yaml", text=text)

    escalation_steps = text.count("template: escalation")
    assert len(problems) == escalation_steps
    assert all("thiếu escalation.html" in p.message for p in problems)
    assert {p.location.line for p in problems} == {
        n for n, line in enumerate(text.splitlines(), 1) if "template: escalation" in line
    }


def test_directory_and_unknown_names_are_not_editable(config_dir: Path) -> None:
    assert "directory.yaml" not in EDITABLE
    for name in ("directory.yaml", "../etc/passwd", "templates/khong-co.html"):
        with pytest.raises(NotFoundError, match="không có trong danh sách"):
            load_current(config_dir=config_dir, name=name)
        with pytest.raises(NotFoundError):
            validate_text(config_dir=config_dir, name=name, text="")


# --- save, history, rollback -----------------------------------------------------------


def test_save_writes_the_file_and_records_the_original_first(
    db_engine: Engine, config_dir: Path
) -> None:
    original = (config_dir / "rules.yaml").read_bytes()
    text = _edited("rules.yaml", "  work_min_words: 4", "  work_min_words: 5")

    with session_scope(db_engine) as session:
        saved = save_config(session, config_dir=config_dir, name="rules.yaml", text=text,
                            actor=ACTOR, now=NOW, note="  Tăng số từ tối thiểu  ")  # fmt: skip

    assert (config_dir / "rules.yaml").read_text(encoding="utf-8") == text
    assert (saved.number, saved.name, saved.text) == (2, "rules.yaml", text)
    assert (saved.saved_by, saved.note) == ("Quản trị viên", "Tăng số từ tối thiểu")
    assert not [p for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    with Session(db_engine) as session:
        revisions = history(session, name="rules.yaml")
        assert history(session, name="calendar.yaml") == []
    assert [r.number for r in revisions] == [2, 1]
    assert revisions[0] == saved
    assert revisions[1].text.encode("utf-8") == original
    assert revisions[1].note == ORIGINAL_NOTE
    assert revisions[0].saved_at == NOW and revisions[0].saved_at.tzinfo is not None


def test_an_invalid_save_writes_nothing(db_engine: Engine, config_dir: Path) -> None:
    before = (config_dir / "escalation.yaml").read_bytes()
    text, line = _edit("escalation.yaml", "    offset: 3\n", "    offset: ba\n", "ba")

    with pytest.raises(ConfigError) as caught, session_scope(db_engine) as session:
        save_config(session, config_dir=config_dir, name="escalation.yaml", text=text,
                    actor=ACTOR, now=NOW)  # fmt: skip

    assert "escalation.yaml không hợp lệ" in str(caught.value)
    assert caught.value.problems[0].location.line == line
    assert (config_dir / "escalation.yaml").read_bytes() == before
    assert _revision_rows(db_engine) == 0


def test_history_is_newest_first_and_rollback_appends(db_engine: Engine, config_dir: Path) -> None:
    original = load_current(config_dir=config_dir, name=SUBJECT)
    texts = [original.replace("[Sáu Rõ]", tag) for tag in ("[Nhắc việc]", "[UBND]")]
    with session_scope(db_engine) as session:
        for hour, text in enumerate(texts):
            save_config(session, config_dir=config_dir, name=SUBJECT, text=text, actor=ACTOR,
                        now=NOW + timedelta(hours=hour))  # fmt: skip
    with Session(db_engine) as session:
        first = history(session, name=SUBJECT)[-1]

    with session_scope(db_engine) as session:
        restored = rollback(session, config_dir=config_dir, name=SUBJECT, revision_id=first.id,
                            actor=ACTOR, now=NOW + timedelta(hours=5))  # fmt: skip

    assert load_current(config_dir=config_dir, name=SUBJECT) == original
    assert (restored.number, restored.note) == (4, "Khôi phục phiên bản 1")
    with Session(db_engine) as session:
        revisions = history(session, name=SUBJECT)
    assert [r.number for r in revisions] == [4, 3, 2, 1]
    assert [r.text for r in revisions] == [original, texts[1], texts[0], original]
    assert revisions[0].saved_at > revisions[1].saved_at > revisions[2].saved_at


def test_a_hand_edit_is_recorded_before_the_next_save(db_engine: Engine, config_dir: Path) -> None:
    saved = _edited("areas.yaml", "Cải cách thể chế hành chính", "Cải cách thể chế (hành chính)")
    by_hand = saved.replace("Cải cách TTHC", "CCTTHC")
    final = by_hand.replace("Lĩnh vực", "Lĩnh vực CCHC")
    with session_scope(db_engine) as session:
        save_config(session, config_dir=config_dir, name="areas.yaml", text=saved, actor=ACTOR,
                    now=NOW)  # fmt: skip
    (config_dir / "areas.yaml").write_text(by_hand, encoding="utf-8")

    with session_scope(db_engine) as session:
        last = save_config(session, config_dir=config_dir, name="areas.yaml", text=final,
                           actor=ACTOR, now=NOW)  # fmt: skip
        again = save_config(session, config_dir=config_dir, name="areas.yaml", text=final,
                            actor=ACTOR, now=NOW)  # fmt: skip

    with Session(db_engine) as session:
        revisions = history(session, name="areas.yaml")
    assert [(r.number, r.note) for r in revisions] == [
        (5, ""), (4, ""), (3, HAND_EDIT_NOTE), (2, ""), (1, ORIGINAL_NOTE),
    ]  # fmt: skip
    assert revisions[2].text == by_hand
    assert (last.number, again.number) == (4, 5)


def test_rollback_is_validated_and_checks_the_file(db_engine: Engine, config_dir: Path) -> None:
    ladder, line = _edit("escalation.yaml", "    template: escalation", "    template: bao-cao",
                         "bao-cao")  # fmt: skip
    for suffix in (".subject.txt", ".txt", ".html"):
        shutil.copy(config_dir / "templates" / f"escalation{suffix}",
                    config_dir / "templates" / f"bao-cao{suffix}")  # fmt: skip
    with session_scope(db_engine) as session:
        old = save_config(session, config_dir=config_dir, name="escalation.yaml", text=ladder,
                          actor=ACTOR, now=NOW)  # fmt: skip
        rules = save_config(session, config_dir=config_dir, name="rules.yaml",
                            text=load_current(config_dir=config_dir, name="rules.yaml"),
                            actor=ACTOR, now=NOW)  # fmt: skip
    (config_dir / "templates" / "bao-cao.html").unlink()
    before = (config_dir / "escalation.yaml").read_bytes()

    refused = pytest.raises(ConfigError, match="Không khôi phục được phiên bản 2")
    with refused as caught, session_scope(db_engine) as session:
        rollback(session, config_dir=config_dir, name="escalation.yaml", revision_id=old.id,
                 actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(NotFoundError), session_scope(db_engine) as session:
        rollback(session, config_dir=config_dir, name="escalation.yaml", revision_id=rules.id,
                 actor=ACTOR, now=NOW)  # fmt: skip

    assert caught.value.problems[0].location.line == line
    assert (config_dir / "escalation.yaml").read_bytes() == before
    assert _revision_rows(db_engine) == 4  # two originals, two saves


def test_two_saves_at_once_are_numbered_one_after_the_other(
    db_engine: Engine, config_dir: Path
) -> None:
    """The first save holds its transaction open while the second starts: the second waits
    for it, then numbers after it, and the file ends as the later save wrote it."""
    texts = [_edited("calendar.yaml", "use_holidays_package: true",
                     f"use_holidays_package: true  # lần {n}") for n in (1, 2)]  # fmt: skip
    first_saved = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with session_scope(db_engine) as session:
                save_config(session, config_dir=config_dir, name="calendar.yaml", text=texts[0],
                            actor=ACTOR, now=NOW)  # fmt: skip
                first_saved.set()
                threading.Event().wait(0.5)  # still uncommitted while the second save starts
        except BaseException as error:
            errors.append(error)
            first_saved.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_saved.wait(30)
    with session_scope(db_engine) as session:
        second = save_config(session, config_dir=config_dir, name="calendar.yaml",
                             text=texts[1], actor=ACTOR, now=NOW)  # fmt: skip
    thread.join(30)

    assert errors == []
    assert second.number == 3
    with Session(db_engine) as session:
        revisions = history(session, name="calendar.yaml")
    assert [(r.number, r.text) for r in revisions[:2]] == [(3, texts[1]), (2, texts[0])]
    assert [r.note for r in revisions] == ["", "", ORIGINAL_NOTE]
    assert load_current(config_dir=config_dir, name="calendar.yaml") == texts[1]


# --- the impact preview ----------------------------------------------------------------


def _rules_preview(sauro: Sauro, config_dir: Path) -> dict[str, int]:
    result = sauro("rules", "preview", "--at", AT, "--json", config_dir=config_dir)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return {"planned": report["planned"], "messages": report["messages"]}


def test_preview_counts_match_rules_preview(commune: str, config_dir: Path, sauro: Sauro) -> None:
    ladder = load_current(config_dir=config_dir, name="escalation.yaml")
    candidate = _without_steps(ladder, "overdue-chairman", "unclear-chairman", "before-7")
    scratch = config_dir.parent / "candidate"
    shutil.copytree(config_dir, scratch)
    (scratch / "escalation.yaml").write_text(candidate, encoding="utf-8")

    impact = preview_impact(database_url=commune, config_dir=config_dir,
                            name="escalation.yaml", text=candidate, now=NOW)  # fmt: skip

    assert impact.before == CURRENT
    assert impact.after == ImpactCounts(planned=8, reminders=4, escalations=2, messages=7)
    before, after = impact.before.to_json(), impact.after.to_json()
    assert _rules_preview(sauro, config_dir) == {k: before[k] for k in ("planned", "messages")}
    assert _rules_preview(sauro, scratch) == {k: after[k] for k in ("planned", "messages")}
    assert impact.today == date(2026, 2, 6)
    assert impact.summary() == (
        "Nếu lưu bây giờ, hôm nay sẽ gửi 4 lượt nhắc việc và 2 lượt báo cáo vượt cấp "
        "(hiện tại: 6 và 4)."
    )


def test_without_the_chairman_steps_fewer_escalations(commune: str, config_dir: Path) -> None:
    ladder = load_current(config_dir=config_dir, name="escalation.yaml")
    candidate = _without_steps(ladder, "overdue-chairman", "unclear-chairman",
                               "report-missing-chairman")  # fmt: skip

    impact = preview_impact(database_url=commune, config_dir=config_dir,
                            name="escalation.yaml", text=candidate, now=NOW)  # fmt: skip

    assert impact.after.escalations == impact.before.escalations - 2
    assert impact.after.reminders == impact.before.reminders


def test_preview_writes_nothing(commune: str, config_dir: Path) -> None:
    before_rows = snapshot(commune)
    before_files = _folder_digest(config_dir)
    candidate = _edited(SUBJECT, "[Sáu Rõ]", "[Nhắc việc]")

    impact = preview_impact(database_url=commune, config_dir=config_dir, name=SUBJECT,
                            text=candidate, now=NOW)  # fmt: skip

    assert impact.after == impact.before == CURRENT
    assert snapshot(commune) == before_rows  # no verdict, no ledger row, no revision
    assert _folder_digest(config_dir) == before_files


def test_preview_of_an_invalid_text_raises(commune: str, config_dir: Path) -> None:
    text, line = _edit("templates/digest.html", "<head>\n", "<head>\n{% endif %}\n", "endif")

    with pytest.raises(ConfigError) as caught:
        preview_impact(database_url=commune, config_dir=config_dir,
                       name="templates/digest.html", text=text, now=NOW)  # fmt: skip

    assert caught.value.problems[0].location.line == line


def test_preview_at_a_later_day_counts_that_day(commune: str, config_dir: Path) -> None:
    text = load_current(config_dir=config_dir, name="rules.yaml")
    monday = datetime(2026, 2, 9, 0, 30, tzinfo=UTC)  # 07:30 in Viet Nam

    impact = preview_impact(database_url=commune, config_dir=config_dir, name="rules.yaml",
                            text=text, now=monday)  # fmt: skip

    assert impact.today == date(2026, 2, 9)
    assert impact.before == impact.after
    assert impact.before != CURRENT


# --- the command line ------------------------------------------------------------------


@pytest.fixture
def editor(sauro: Sauro, config_dir: Path) -> Sauro:
    """``sauro`` on a migrated database and a config folder it may save into."""
    return Sauro(sauro.url, config_dir, sauro.runner)


def test_config_list_show_and_check(editor: Sauro, tmp_path: Path) -> None:
    good = tmp_path / "escalation.yaml"
    good.write_text(load_current(config_dir=CONFIG, name="escalation.yaml"), encoding="utf-8")
    text, line = _edit("escalation.yaml", "    offset: 3\n", "    offset: 3 ngày\n", "3 ngày")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")

    listed = editor.ok("config", "list")
    shown = editor.ok("config", "show", "templates/digest.subject.txt")
    checked = editor.ok("config", "check", "escalation.yaml", good)
    refused = editor("config", "check", "escalation.yaml", bad)

    assert listed.stdout.splitlines() == list(EDITABLE)
    assert shown.stdout == load_current(config_dir=CONFIG, name=SUBJECT)
    assert checked.stdout == f"{good} hợp lệ để lưu làm escalation.yaml.\n"
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"Lỗi: {bad} không hợp lệ để lưu làm escalation.yaml")
    assert f"escalation.yaml, dòng {line}, steps[1].offset: phải là số ngày làm việc" in (
        refused.stderr
    )


def test_config_save_history_and_rollback(editor: Sauro, config_dir: Path, tmp_path: Path) -> None:
    original = (config_dir / "rules.yaml").read_bytes()
    new = tmp_path / "rules.yaml"
    new.write_text(_edited("rules.yaml", "  work_min_words: 4", "  work_min_words: 6"), "utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(_edited("rules.yaml", "  work_min_words: 4", "  work_min_words: sáu"), "utf-8")

    saved = editor.ok("config", "save", "rules.yaml", new, "--note", "Chặt hơn")
    refused = editor("config", "save", "rules.yaml", bad)
    after_save = (config_dir / "rules.yaml").read_bytes()
    restored = editor.ok("config", "rollback", "rules.yaml", "1")
    listed = editor.ok("config", "history", "rules.yaml")
    missing = editor("config", "rollback", "rules.yaml", "9")

    assert saved.stdout == "Đã lưu rules.yaml: phiên bản 2.\n"
    assert refused.exit_code == 2 and "dòng" in refused.stderr
    assert after_save == new.read_bytes()
    assert restored.stdout == "Đã khôi phục rules.yaml về nội dung phiên bản 1: phiên bản 3.\n"
    assert (config_dir / "rules.yaml").read_bytes() == original
    lines = listed.stdout.splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["phiên bản 3", "phiên bản 2", "phiên bản 1"]
    assert lines[0].endswith("Khôi phục phiên bản 1")
    assert lines[1].endswith("Chặt hơn") and lines[2].endswith(ORIGINAL_NOTE)
    assert missing.exit_code == 2 and "không có phiên bản 9" in missing.stderr


def test_config_preview(commune: str, editor: Sauro, config_dir: Path, tmp_path: Path) -> None:
    candidate = tmp_path / "escalation.yaml"
    ladder = load_current(config_dir=config_dir, name="escalation.yaml")
    candidate.write_text(_without_steps(ladder, "overdue-chairman"), encoding="utf-8")
    before = snapshot(commune)

    shown = editor.ok("config", "preview", "escalation.yaml", candidate, "--at", AT)
    as_json = editor.ok("config", "preview", "escalation.yaml", candidate, "--at", AT, "--json")

    assert shown.stdout.splitlines() == [
        "Ngày 06/02/2026. Nếu lưu bây giờ, hôm nay sẽ gửi 6 lượt nhắc việc và 3 lượt báo cáo "
        "vượt cấp (hiện tại: 6 và 4).",
        "- Hiện tại: 12 lượt nhắc theo quy tắc, gom thành 9 thư chưa gửi.",
        "- Sau khi lưu: 11 lượt nhắc theo quy tắc, gom thành 9 thư chưa gửi.",
    ]
    report = json.loads(as_json.stdout)
    assert report["before"] == CURRENT.to_json()
    assert report["after"]["escalations"] == 3
    assert snapshot(commune) == before


def test_config_errors_name_the_place(editor: Sauro, tmp_path: Path) -> None:
    unknown = editor("config", "show", "directory.yaml")
    no_file = editor("config", "check", "rules.yaml", tmp_path / "khong-co.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("version: 1 # Hà Nam".encode("latin-1"))
    undecodable = editor("config", "check", "rules.yaml", latin1)
    helped = editor.ok("config", "--help")

    assert unknown.exit_code == 2 and "không có trong danh sách được sửa" in unknown.stderr
    assert no_file.exit_code == 2 and f"{tmp_path / 'khong-co.yaml'}: không tìm thấy tệp" in (
        no_file.stderr
    )
    assert undecodable.exit_code == 2 and "bảng mã UTF-8" in undecodable.stderr
    assert "Sửa tệp cấu hình và mẫu thư" in helped.stdout
