"""The schema of config/escalation.yaml: the default ladder, every kind of error, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConfigError
from rules.escalation import (
    KIND_LABELS,
    PLAIN_ROLES,
    ROLE_LABELS,
    Ladder,
    Recipient,
    Role,
    StepKind,
    parse_ladder,
)

LADDER_PATH = Path(__file__).resolve().parents[2] / "config" / "escalation.yaml"
DEFAULT_TEXT = LADDER_PATH.read_text(encoding="utf-8")

# A small ladder; tests replace one line of it. Line numbers are those of the file.
SMALL = """\
version: 1
config_version: "2026-11-01"
steps:
  - id: before-3
    kind: before_due
    offset: 3
    recipients: [person, lead_head]
    template: digest
    description: Nhắc trước hạn 3 ngày làm việc
  - id: overdue-head
    kind: overdue
    offset: 1
    repeat_every: 5
    recipients: [lead_head]
    template: escalation
    description: Quá hạn, báo thủ trưởng đơn vị
  - id: unclear-fixer
    kind: unclear
    offset: 0
    repeat_every: 1
    recipients: [fixer]
    template: digest
    description: Chưa đạt 6 rõ
  - id: report-head
    kind: missing_report
    offset: 0
    recipients: [lead_head]
    template: digest
    description: Đơn vị chưa gửi báo cáo
"""


def _edited(old: str, new: str, text: str = SMALL, count: int = 1) -> str:
    """``text`` with the ``count``-th occurrence of ``old`` replaced by ``new``."""
    start = -1
    for _ in range(count):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old) :]


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_ladder(text, "escalation.yaml")
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return parse_ladder(DEFAULT_TEXT, "escalation.yaml")


# --- the default file -----------------------------------------------------------------


def test_the_default_ladder_parses(ladder: Ladder) -> None:
    assert ladder.version == 1
    assert ladder.config_version
    assert len({step.id for step in ladder.steps}) == len(ladder.steps)
    assert all(step.enabled and step.description for step in ladder.steps)


def _summary(ladder: Ladder, kind: StepKind) -> list[tuple[int, int | None, list[str]]]:
    return [
        (step.offset, step.repeat_every, [recipient.key for recipient in step.recipients])
        for step in ladder.enabled(kind)
    ]


def test_default_reminders_are_7_3_1_days_before_and_on_the_day(ladder: Ladder) -> None:
    both = ["person", "lead_head"]
    assert _summary(ladder, StepKind.BEFORE_DUE) == [
        (7, None, both),
        (3, None, both),
        (1, None, both),
    ]
    assert _summary(ladder, StepKind.DUE_DAY) == [(0, None, both)]
    assert {step.template for step in ladder.enabled(StepKind.BEFORE_DUE)} == {"digest"}


def test_default_overdue_escalates_weekly_up_to_the_chairman(ladder: Ladder) -> None:
    assert _summary(ladder, StepKind.OVERDUE) == [
        (1, 5, ["lead_head"]),
        (3, 5, ["standing_office"]),
        (5, 5, ["vice_chairman"]),
        (10, 5, ["chairman"]),
    ]


def test_default_unclear_goes_to_the_fixer_daily_then_the_chairman(ladder: Ladder) -> None:
    assert _summary(ladder, StepKind.UNCLEAR) == [(0, 1, ["fixer"]), (5, 5, ["chairman"])]


def test_default_missing_report_goes_to_the_unit_head_then_the_chairman(ladder: Ladder) -> None:
    assert _summary(ladder, StepKind.MISSING_REPORT) == [
        (0, None, ["lead_head"]),
        (2, None, ["chairman"]),
    ]


def test_catalogues_cover_every_kind_and_role() -> None:
    assert set(KIND_LABELS) == set(StepKind)
    assert set(ROLE_LABELS) == set(Role)
    assert Role.NAMED not in PLAIN_ROLES


def test_an_unquoted_date_config_version_is_kept_as_text() -> None:
    text = _edited('config_version: "2026-11-01"', "config_version: 2026-11-01")
    assert parse_ladder(text, "escalation.yaml").config_version == "2026-11-01"


def test_named_recipients_and_disabled_steps() -> None:
    text = _edited(
        "recipients: [lead_head]\n    template: escalation",
        'recipients: [lead_head, {named: "chutich@xa.example.vn"}]\n'
        "    template: escalation\n    enabled: false",
    )
    ladder = parse_ladder(text, "escalation.yaml")
    step = ladder.step("overdue-head")
    assert step.recipients == (
        Recipient(Role.LEAD_HEAD),
        Recipient(Role.NAMED, "chutich@xa.example.vn"),
    )
    assert step.recipients[1].key == "named:chutich@xa.example.vn"
    assert step.enabled is False
    assert ladder.enabled(StepKind.OVERDUE) == ()


def test_a_dumped_ladder_reads_back_the_same(ladder: Ladder) -> None:
    named = _edited("recipients: [lead_head]", 'recipients: [lead_head, {named: "Lê Văn A"}]')
    for original in (ladder, parse_ladder(named, "escalation.yaml")):
        dumped = original.model_dump(mode="json")
        assert Ladder.model_validate(dumped) == original
    assert dumped["steps"][1]["recipients"] == ["lead_head", {"named": "Lê Văn A"}]


def test_due_day_offset_may_be_left_out() -> None:
    text = _edited("    kind: before_due\n    offset: 3\n", "    kind: due_day\n")
    assert parse_ladder(text, "escalation.yaml").steps[0].offset == 0


# --- one error at a time, each with file, line, entry and field -------------------------

WORKING_DAYS_0 = "phải là số ngày làm việc (số nguyên ≥ 0)"

ERRORS = [
    pytest.param(
        "offset: 3",
        "offset: 3 ngày",
        1,
        f"escalation.yaml, dòng 6, steps[0].offset: {WORKING_DAYS_0}, nhận '3 ngày'",
        id="offset-text",
    ),
    pytest.param(
        "offset: 1",
        "offset: -2",
        1,
        f"escalation.yaml, dòng 12, steps[1].offset: {WORKING_DAYS_0}, nhận -2",
        id="offset-negative",
    ),
    pytest.param(
        "offset: 3",
        "offset: 1.5",
        1,
        f"escalation.yaml, dòng 6, steps[0].offset: {WORKING_DAYS_0}, nhận 1.5",
        id="offset-fraction",
    ),
    pytest.param(
        "offset: 3",
        "offset: true",
        1,
        f"escalation.yaml, dòng 6, steps[0].offset: {WORKING_DAYS_0}, nhận True",
        id="offset-boolean",
    ),
    pytest.param(
        "repeat_every: 5",
        "repeat_every: 0",
        1,
        "escalation.yaml, dòng 13, steps[1].repeat_every: "
        "phải là số ngày làm việc (số nguyên ≥ 1), nhận 0",
        id="repeat-zero",
    ),
    pytest.param(
        "kind: overdue",
        "kind: late",
        1,
        "escalation.yaml, dòng 11, steps[1].kind: phải là 'before_due', 'due_day', "
        "'overdue', 'unclear', 'missing_report' hoặc 'awaiting', "
        "nhận 'late'",
        id="unknown-kind",
    ),
    pytest.param(
        "recipients: [lead_head]",
        "recipients: [lead_head, director]",
        1,
        "escalation.yaml, dòng 14, steps[1].recipients[1]: vai trò không hợp lệ 'director'; "
        "dùng một trong person, lead_head, standing_office, vice_chairman, chairman, fixer, "
        'acceptor hoặc ví dụ {named: "chutich@xa.example.vn"}',
        id="unknown-role",
    ),
    pytest.param(
        "recipients: [lead_head]",
        'recipients: [{name: "Lê Văn A"}]',
        1,
        "escalation.yaml, dòng 14, steps[1].recipients[0]: người nhận đích danh chỉ có một "
        "khóa named, nhận 'name'; ví dụ {named: \"chutich@xa.example.vn\"}",
        id="named-wrong-key",
    ),
    pytest.param(
        "recipients: [lead_head]",
        'recipients: [{named: " "}]',
        1,
        "escalation.yaml, dòng 14, steps[1].recipients[0]: named phải là tên hoặc email, "
        "nhận ' '; ví dụ {named: \"chutich@xa.example.vn\"}",
        id="named-empty",
    ),
    pytest.param(
        "recipients: [lead_head]",
        "recipients: [lead_head, chairman, lead_head]",
        1,
        "escalation.yaml, dòng 14, steps[1].recipients: người nhận bị lặp: lead_head",
        id="recipient-twice",
    ),
    pytest.param(
        "recipients: [lead_head]",
        "recipients: []",
        1,
        "escalation.yaml, dòng 14, steps[1].recipients: phải có ít nhất một người nhận",
        id="no-recipient",
    ),
    pytest.param(
        "offset: 3",
        "offset: 0",
        1,
        "escalation.yaml, dòng 6, steps[0].offset: nhắc trước hạn phải ≥ 1 ngày làm việc; "
        "nhắc đúng ngày đến hạn thì dùng kind due_day",
        id="before-due-zero",
    ),
    pytest.param(
        "kind: before_due",
        "kind: due_day",
        1,
        "escalation.yaml, dòng 6, steps[0].offset: kind due_day gửi đúng ngày đến hạn nên "
        "offset phải là 0 (hoặc bỏ trống), nhận 3; nhắc trước hạn thì dùng kind before_due",
        id="due-day-offset",
    ),
    pytest.param(
        "offset: 1",
        "offset: 0",
        1,
        "escalation.yaml, dòng 12, steps[1].offset: nhiệm vụ chỉ quá hạn từ ngày làm việc "
        "sau ngày đến hạn nên offset phải ≥ 1; nhắc đúng ngày đến hạn thì dùng kind due_day",
        id="overdue-zero",
    ),
    pytest.param(
        "    offset: 3\n",
        "    offset: 3\n    repeat_every: 1\n",
        1,
        "escalation.yaml, dòng 7, steps[0].repeat_every: kind before_due chỉ gửi một lần; "
        "repeat_every chỉ dùng cho overdue, unclear, missing_report và awaiting",
        id="repeat-one-shot-kind",
    ),
    pytest.param(
        "recipients: [lead_head]",
        "recipients: [fixer]",
        1,
        "escalation.yaml, dòng 14, steps[1].recipients: vai trò fixer (người sửa được "
        "nhiệm vụ chưa rõ) chỉ dùng cho kind unclear",
        id="fixer-outside-unclear",
    ),
    pytest.param(
        "recipients: [lead_head]",
        "recipients: [person]",
        2,
        "escalation.yaml, dòng 27, steps[3].recipients: báo cáo của đơn vị không có người "
        "thực hiện: với missing_report dùng lead_head (thủ trưởng đơn vị), standing_office, "
        "vice_chairman, chairman hoặc named",
        id="person-for-report",
    ),
    pytest.param(
        "    template: escalation\n",
        "    template: escalation\n    delay: 3\n",
        1,
        "escalation.yaml, dòng 16, steps[1].delay: khóa không có trong lược đồ "
        "(viết sai tên hoặc không được dùng ở đây)",
        id="unknown-step-key",
    ),
    pytest.param(
        "steps:\n",
        "ladder: []\nsteps:\n",
        1,
        "escalation.yaml, dòng 3, ladder: khóa không có trong lược đồ "
        "(viết sai tên hoặc không được dùng ở đây)",
        id="unknown-top-key",
    ),
    pytest.param(
        "    template: escalation\n",
        "",
        1,
        "escalation.yaml, dòng 10, steps[1].template: thiếu trường bắt buộc",
        id="missing-template",
    ),
    pytest.param(
        "id: overdue-head",
        "id: Quá hạn",
        1,
        "escalation.yaml, dòng 10, steps[1].id: mã bước chỉ gồm chữ thường không dấu, "
        "chữ số, '-' hoặc '_' (ví dụ overdue-chairman), nhận 'Quá hạn'",
        id="bad-id",
    ),
    pytest.param(
        "version: 1",
        "version: 2",
        1,
        "escalation.yaml, dòng 1, version: phiên bản 2 không được hỗ trợ; tệp này phải ghi "
        "version: 1",
        id="version",
    ),
    pytest.param(
        'config_version: "2026-11-01"',
        'config_version: ""',
        1,
        "escalation.yaml, dòng 2, config_version: "
        "phải có ít nhất 1 ký tự (không được để trống), nhận ''",
        id="empty-config-version",
    ),
    pytest.param(
        "id: overdue-head",
        "id: before-3",
        1,
        "escalation.yaml, dòng 10, steps[1].id: mã bước 'before-3' bị lặp, "
        "đã dùng ở steps[0] (dòng 4)",
        id="duplicate-id",
    ),
]


@pytest.mark.parametrize(("old", "new", "count", "expected"), ERRORS)
def test_each_error_is_located(old: str, new: str, count: int, expected: str) -> None:
    assert _problems(_edited(old, new, count=count)) == [expected]


def test_a_yaml_syntax_error_names_the_line() -> None:
    problems = _problems(_edited("    offset: 3\n", "    offset: [3\n"))
    assert len(problems) == 1
    assert problems[0].startswith("escalation.yaml, dòng ")


def test_every_problem_is_listed_at_once_in_file_order() -> None:
    text = SMALL
    text = _edited("offset: 3", "offset: 3 ngày", text)
    text = _edited("id: overdue-head", "id: before-3", text)
    text = _edited("repeat_every: 5", "repeat_every: 0", text)
    text = _edited("recipients: [fixer]", "recipients: [fixer, boss]", text)
    text = _edited("    template: digest\n", "    template: digest\n    every: 2\n", text, count=3)
    with pytest.raises(ConfigError) as caught:
        parse_ladder(text, "escalation.yaml")
    error = caught.value
    assert error.message == "Tệp cấu hình escalation.yaml không hợp lệ (5 lỗi)"
    where = [(p.location.row, p.location.entry, p.location.field) for p in error.problems]
    assert where == [
        (6, "steps[0]", "offset"),
        (10, "steps[1]", "id"),
        (13, "steps[1]", "repeat_every"),
        (21, "steps[2].recipients[1]", None),
        (29, "steps[3]", "every"),
    ]
    assert "dòng 6" in str(error) and "dòng 29" in str(error)


def test_cross_field_problems_of_several_steps_are_listed_together() -> None:
    text = _edited("offset: 3", "offset: 0")
    text = _edited("offset: 1", "offset: 0", text)
    text = _edited("recipients: [lead_head]", "recipients: [person]", text, count=2)
    assert _problems(text) == [
        "escalation.yaml, dòng 6, steps[0].offset: nhắc trước hạn phải ≥ 1 ngày làm việc; "
        "nhắc đúng ngày đến hạn thì dùng kind due_day",
        "escalation.yaml, dòng 12, steps[1].offset: nhiệm vụ chỉ quá hạn từ ngày làm việc "
        "sau ngày đến hạn nên offset phải ≥ 1; nhắc đúng ngày đến hạn thì dùng kind due_day",
        "escalation.yaml, dòng 27, steps[3].recipients: báo cáo của đơn vị không có người "
        "thực hiện: với missing_report dùng lead_head (thủ trưởng đơn vị), standing_office, "
        "vice_chairman, chairman hoặc named",
    ]
