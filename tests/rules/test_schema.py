"""The schema of config/rules.yaml: the default file, every kind of error, the patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.errors import ConfigError
from engine.text import fold
from rules.facts import Dimension, Severity
from rules.schema import (
    CODE_DIMENSIONS,
    CODE_PLACEHOLDERS,
    PatternMemo,
    RulesConfig,
    parse_rules,
)

RULES_PATH = Path(__file__).resolve().parents[2] / "config" / "rules.yaml"
DEFAULT_TEXT = RULES_PATH.read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    """The default rules text with one unique snippet replaced."""
    assert DEFAULT_TEXT.count(old) == 1, old
    return DEFAULT_TEXT.replace(old, new)


def _line_of(text: str, snippet: str) -> int:
    """1-based line where ``snippet`` starts in ``text``."""
    return text[: text.index(snippet)].count("\n") + 1


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, "rules.yaml")
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture(scope="module")
def config() -> RulesConfig:
    return parse_rules(DEFAULT_TEXT, "rules.yaml")


# --- the default file -----------------------------------------------------------------


def test_the_default_rules_file_parses(config: RulesConfig) -> None:
    assert config.version == 1
    assert config.thresholds.work_min_words == 4
    assert config.area_required is True
    assert config.label(Dimension.PERSON) == "Rõ người"
    assert config.label(Dimension.RESULT) == "Rõ kết quả"
    assert set(config.specs) == set(CODE_PLACEHOLDERS)


def test_default_labels_are_the_six_of_the_principle(config: RulesConfig) -> None:
    assert [config.label(dimension) for dimension in Dimension] == [
        "Rõ người",
        "Rõ việc",
        "Rõ thời gian",
        "Rõ trách nhiệm",
        "Rõ thẩm quyền",
        "Rõ kết quả",
    ]


def test_a_label_can_be_changed_to_ro_san_pham() -> None:
    config = parse_rules(_edited("result: Rõ kết quả", "result: Rõ sản phẩm"), "rules.yaml")
    assert config.label(Dimension.RESULT) == "Rõ sản phẩm"
    assert config.labels[Dimension.RESULT] == config.labels["result"] == "Rõ sản phẩm"
    assert config.renderings["result.no_product"].label == "Rõ sản phẩm"


def test_default_severities(config: RulesConfig) -> None:
    warnings = {code for code, spec in config.specs.items() if spec.severity is Severity.WARNING}
    assert warnings == {"deadline.before_plan", "result.target"}


def test_every_code_belongs_to_a_dimension_and_may_use_ref_and_label() -> None:
    assert set(CODE_DIMENSIONS.values()) == set(Dimension)
    for code, names in CODE_PLACEHOLDERS.items():
        assert code.startswith(f"{CODE_DIMENSIONS[code].value}.")
        assert {"ref", "label"} <= names


def test_the_config_is_immutable(config: RulesConfig) -> None:
    with pytest.raises(ValueError, match="frozen"):
        config.area_required = False  # type: ignore[misc]


# --- errors, each with its place ------------------------------------------------------


def test_a_bad_severity_names_line_entry_and_field() -> None:
    text = _edited("  person.missing:\n    severity: error", "  person.missing:\n    severity: loi")
    line = _line_of(text, "    severity: loi")
    assert _problems(text) == [
        f"rules.yaml, dòng {line}, checks.person.missing.severity: "
        "phải là 'error' hoặc 'warning', nhận 'loi'"
    ]


def test_an_unknown_field_is_rejected() -> None:
    text = _edited("area_required: true", "area_required: true\narea_requird: false")
    line = _line_of(text, "area_requird")
    assert _problems(text) == [
        f"rules.yaml, dòng {line}, area_requird: khóa không có trong lược đồ "
        "(viết sai tên hoặc không được dùng ở đây)"
    ]


def test_an_unknown_code_is_rejected() -> None:
    text = _edited("  work.missing:\n", "  work.mising:\n")
    line = _line_of(text, "  work.mising:")
    problems = _problems(text)
    assert (
        f"rules.yaml, dòng {line}, checks.work.mising: khóa không có trong lược đồ "
        in (problems[1])
    )
    assert problems[0].endswith("checks.work.missing: thiếu trường bắt buộc")


def test_an_unknown_placeholder_is_rejected_naming_the_entry_and_field() -> None:
    text = _edited(
        "    message: Chưa ghi đơn vị chủ trì.",
        "    message: Chưa ghi đơn vị chủ trì {cell}.",
    )
    line = _line_of(text, "    message: Chưa ghi đơn vị chủ trì {cell}.")
    assert _problems(text) == [
        f"rules.yaml, dòng {line}, checks.responsibility.missing.message: "
        "chỗ trống {cell} không dùng được cho mã này; dùng được: {label}, {ref}"
    ]


def test_bad_placeholders_in_message_and_fix_are_two_problems() -> None:
    old = (
        "    message: Người thực hiện “{person}” không có trong danh bạ cán bộ, công chức.\n"
        "    fix: Ghi đúng họ tên một cán bộ của {lead}"
    )
    new = (
        "    message: Người thực hiện “{nguoi}” không có trong danh bạ cán bộ, công chức.\n"
        "    fix: Ghi đúng họ tên một cán bộ của {lead} {units} {cell}"
    )
    problems = _problems(_edited(old, new))
    assert len(problems) == 2
    assert "checks.person.unknown.message: chỗ trống {nguoi} không dùng được" in problems[0]
    assert "checks.person.unknown.fix: chỗ trống {cell}, {units} không dùng được" in problems[1]
    assert "dùng được: {label}, {lead}, {person}, {ref}" in problems[1]


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("Thiếu {cell", "dấu { } không khớp"),
        ("Dư }", "dấu { } không khớp"),
        ("Ô {cell.__class__}", "chỗ trống {cell.__class__} không hợp lệ"),
        ("Ô {cell[0]}", "chỗ trống {cell[0]} không hợp lệ"),
        ("Ô {cell!r}", "chỗ trống {cell!r} không hợp lệ"),
        ("Ô {cell:>20}", "chỗ trống {cell:>20} không hợp lệ"),
        ("Ô {}", "chỗ trống {} không hợp lệ"),
        ("Ô {0}", "chỗ trống {0} không hợp lệ"),
    ],
)
def test_template_syntax_is_checked(template: str, said: str) -> None:
    text = _edited("    message: Chưa ghi thời hạn hoàn thành.", f'    message: "{template}"')
    [problem] = _problems(text)
    assert "checks.deadline.missing.message: " in problem
    assert said in problem


def test_literal_braces_are_allowed_when_doubled() -> None:
    text = _edited("    message: Chưa ghi thời hạn hoàn thành.", "    message: Ô {{trống}}.")
    config = parse_rules(text, "rules.yaml")
    assert config.check("deadline.missing").message.format_map({}) == "Ô {trống}."


def test_an_empty_message_is_rejected() -> None:
    text = _edited("    message: Chưa ghi thời hạn hoàn thành.", '    message: "  "')
    [problem] = _problems(text)
    assert "checks.deadline.missing.message: phải có ít nhất 1 ký tự" in problem


def test_a_bad_regex_names_the_entry_index_and_line() -> None:
    text = _edited('  - "khac"\n', '  - "khac"\n  - "(cac xa"\n')
    line = _line_of(text, '  - "(cac xa"')
    assert _problems(text) == [
        f"rules.yaml, dòng {line}, vague_work_patterns[4]: "
        "biểu thức chính quy không hợp lệ ở vị trí 1: thiếu dấu ')'"
    ]


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("cac co quan)", "thừa dấu ')'"),
        ("*cac", "dấu lặp"),
        ("Các cơ quan", "phải viết chữ thường, không dấu"),
        ("UBND cac xa", "gặp: B D N U"),
        ("(cac )?", "khớp cả chuỗi rỗng"),
        ("[unclosed", "thiếu dấu ']'"),
    ],
)
def test_collective_patterns_are_checked(pattern: str, said: str) -> None:
    old = "collective_patterns:\n"
    text = _edited(old, f'{old}  - "{pattern}"\n')
    [problem] = _problems(text)
    assert "collective_patterns[0]: " in problem
    assert said in problem


def test_escapes_in_patterns_are_not_taken_for_upper_case_letters() -> None:
    old = "collective_patterns:\n"
    text = _edited(old, old + '  - "\\\\bcac\\\\s+doan\\\\S*"\n')
    config = parse_rules(text, "rules.yaml")
    assert config.is_collective("Các đoàn")


def test_a_yaml_syntax_error_names_the_line() -> None:
    text = _edited("  work_min_words: 4", "  work_min_words: 4\n  bad: [1,")
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, "rules.yaml")
    [problem] = caught.value.problems
    assert problem.location.file == "rules.yaml"
    assert problem.location.row is not None
    assert problem.location.row >= _line_of(text, "  bad: [1,")
    assert problem.message.startswith("sai cú pháp YAML")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("version: 2", "version: phiên bản 2 không được hỗ trợ; tệp này phải ghi version: 1"),
        ("version: một", "version: phải là một số nguyên, nhận 'một'"),
        ("", "thiếu trường bắt buộc"),
    ],
)
def test_the_version_must_be_known(version: str, expected: str) -> None:
    [problem] = _problems(_edited("version: 1", version))
    assert problem.endswith(expected)
    assert problem.startswith("rules.yaml, dòng ")


def test_every_problem_is_listed_at_once() -> None:
    text = DEFAULT_TEXT
    for old, new in [
        ("version: 1", "version: 3"),
        ("  work_min_words: 4", "  work_min_words: 0"),
        ("area_required: true", "area_required: có"),
        ("  unknown: không đọc được", "  khac: không đọc được"),
        ("  person.several:\n    severity: error", "  person.several:\n    severity: loi"),
        ('  - "khac"\n', '  - "khac("\n'),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    problems = _problems(text)
    assert len(problems) == 6
    joined = "\n".join(problems)
    for fragment in (
        ", version: phiên bản 3",
        "thresholds.work_min_words: phải lớn hơn hoặc bằng 1, nhận 0",
        "area_required: phải là true hoặc false, nhận 'có'",
        "deadline_reasons: phải có khóa 'unknown'",
        "checks.person.several.severity: phải là 'error' hoặc 'warning', nhận 'loi'",
        "vague_work_patterns[3]: biểu thức chính quy không hợp lệ",
    ):
        assert fragment in joined
    lines = [int(problem.split("dòng ")[1].split(",")[0]) for problem in problems]
    assert all(line > 0 for line in lines)


def test_a_missing_code_is_reported() -> None:
    start = DEFAULT_TEXT.index("  result.no_evidence:")
    text = DEFAULT_TEXT[:start]
    [problem] = _problems(text)
    assert problem.endswith("checks.result.no_evidence: thiếu trường bắt buộc")


def test_the_unknown_deadline_reason_is_the_fallback(config: RulesConfig) -> None:
    assert config.deadline_reason("continuous") == config.deadline_reasons["continuous"]
    assert config.deadline_reason("lunar") == config.deadline_reasons["unknown"]


def test_a_rewritten_config_round_trips_through_yaml() -> None:
    data = yaml.safe_load(DEFAULT_TEXT)
    data["thresholds"]["work_min_words"] = 6
    config = parse_rules(yaml.safe_dump(data, allow_unicode=True), "rules.yaml")
    assert config.thresholds.work_min_words == 6


# --- collective and vague patterns ------------------------------------------------------

COLLECTIVE = [
    "Các cơ quan, đơn vị thuộc UBND thị xã",
    "Các cơ quan, đơn vị thuộc UBND thị xã, UBND các xã phường",
    "UBND các xã, phường",
    "UBND cấp huyện, cấp xã",
    "Các cơ quan chuyên môn",
    "Các cơ quan ban, ngành thị xã",
    "Các cơ quan, đơn vị",
    "Các phòng, ban",
    "các đơn vị có liên quan",
    "Các cơ quan, đơn vị và UBND các xã, phường",
    "Các cơ quan, đơn vị thuộc xã",
    "Các cơ quan chuyên môn, UBND các xã phường",
    "Các cơ quan đơn vị thị xã",
    "UBND các xã/phường",
    "Ủy ban nhân dân các xã, phường, thị trấn",
    "Các sở, ban, ngành",
    "Các cơ quan, tổ chức, đơn vị",
    "Các bộ phận có liên quan",
    "Các đơn vị sự nghiệp công lập",
    "Thành viên Ban Chỉ đạo CCHC xã",
]

SPECIFIC = [
    "Phòng Nội vụ",
    "Văn phòng HĐND và UBND thị xã",
    "Văn phòng HĐND&UBND thị xã",
    "Phòng Tư pháp",
    "Phòng Văn hóa - Xã hội",
    "Phòng VH&TT",
    "UBND thị xã",
    "UBND tỉnh",
    "Sở Nội vụ",
    "Công an xã",
    "Ban Chỉ huy Quân sự xã",
    "Trung tâm Phục vụ hành chính công",
    "Các phòng: Tư pháp, Tài chính-Kế hoạch, Văn hoá và Thông tin",
    "Các cơ quan, đơn vị thuộc UBND thị xã, Phòng Nội vụ",
]


@pytest.mark.parametrize("phrase", COLLECTIVE)
def test_collective_phrases_fold_and_match_in_full(config: RulesConfig, phrase: str) -> None:
    key = fold(phrase)
    assert key == key.lower()
    assert any(pattern.fullmatch(key) for pattern in config.collective_regexes)
    assert config.is_collective(phrase)


@pytest.mark.parametrize("unit", SPECIFIC)
def test_specific_units_are_not_collective(config: RulesConfig, unit: str) -> None:
    assert not config.is_collective(unit)
    assert not any(pattern.fullmatch(fold(unit)) for pattern in config.collective_regexes)


def test_collective_patterns_are_plain_strings_for_the_cell_splitter(
    config: RulesConfig,
) -> None:
    assert all(isinstance(pattern, str) for pattern in config.collective_patterns)
    assert config.collective_regexes is config.collective_regexes  # compiled once
    assert [p.pattern for p in config.collective_regexes] == config.collective_patterns


@pytest.mark.parametrize(
    ("work", "vague"),
    [
        ("Thực hiện các nhiệm vụ khác", True),
        ("Các nhiệm vụ khác", True),
        ("Nhiệm vụ khác", True),
        ("Thực hiện các nhiệm vụ khác do UBND xã giao.", True),
        ("Thực hiện các nhiệm vụ được giao", True),
        ("Triển khai thực hiện theo kế hoạch của tỉnh", True),
        ("Khác", True),
        ("Xây dựng Kế hoạch kiểm tra CCHC năm 2024", False),
        ("Tổ chức đối thoại của lãnh đạo thị xã với người dân", False),
    ],
)
def test_vague_work_patterns(config: RulesConfig, work: str, vague: bool) -> None:
    assert config.is_vague_work(work) is vague


def test_pattern_memo_judges_each_text_once_and_stays_bounded() -> None:
    memo = PatternMemo(["ubnd cac xa( phuong)?"], limit=2)
    assert memo.matches("UBND các xã, phường")
    assert not memo.matches("Phòng Nội vụ")
    assert memo.matches("UBND các xã, phường")
    assert memo.matches("UBND các xã")  # third distinct text: the memo was cleared first
    assert not memo.matches("Phòng Tư pháp")
