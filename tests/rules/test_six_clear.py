"""The 6 rõ check, dimension by dimension: which codes fire, and what they say."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.facts import Dimension, Finding, Severity, TaskFacts, UnitMention
from rules.schema import CODE_PLACEHOLDERS, RulesConfig, parse_rules
from rules.six_clear import clear_map, evaluate, is_clear, person_names, word_count

RULES_TEXT = (Path(__file__).resolve().parents[2] / "config" / "rules.yaml").read_text(
    encoding="utf-8"
)

NOI_VU = UnitMention("Phòng Nội vụ", "noi_vu")
TU_PHAP = UnitMention("Phòng Tư pháp", "tu_phap")
XA_PHUONG = UnitMention("UBND các xã, phường", None, collective=True)
COLLECTIVE_LEAD = "Các cơ quan, đơn vị thuộc UBND thị xã, UBND các xã phường"


def make_task(**changes: Any) -> TaskFacts:
    """A task that is clear on all six dimensions, with ``changes`` applied."""
    task = TaskFacts(
        ref="1.1",
        work="Xây dựng Kế hoạch kiểm tra cải cách hành chính năm 2024",
        area="chi_dao_dieu_hanh",
        person_text="Nguyễn Văn An",
        person_name="Nguyễn Văn An",
        person_unit="noi_vu",
        lead_text="Phòng Nội vụ",
        lead_units=(NOI_VU,),
        coordinators=(TU_PHAP, XA_PHUONG),
        deadline_text="Quý II/2024",
        deadline_kind="quarter",
        deadline_resolved=True,
        due=date(2024, 6, 30),
        plan_date=date(2023, 12, 28),
        assigner="Chủ tịch UBND thị xã",
        basis="Kế hoạch số 3838/KH-UBND ngày 28/12/2023",
        product="Kế hoạch kiểm tra CCHC",
    )
    return replace(task, **changes)


@pytest.fixture(scope="module")
def config() -> RulesConfig:
    return parse_rules(RULES_TEXT, "rules.yaml")


def _codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def _one(task: TaskFacts, config: RulesConfig, code: str) -> Finding:
    [finding] = [f for f in evaluate(task, config) if f.code == code]
    return finding


def test_a_complete_task_is_clear(config: RulesConfig) -> None:
    findings = evaluate(make_task(), config)
    assert findings == []
    assert is_clear(findings)
    assert clear_map(findings) == dict.fromkeys(Dimension, True)


# --- which codes fire ---------------------------------------------------------------------

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    # person
    ("person named and in the lead unit", {}, []),
    ("no person", {"person_text": "", "person_name": None}, ["person.missing"]),
    ("blank person", {"person_text": "  ", "person_name": None}, ["person.missing"]),
    ("person not in directory", {"person_name": None}, ["person.unknown"]),
    (
        "a title, not a name",
        {"person_text": "Trưởng phòng Nội vụ", "person_name": None},
        ["person.unknown"],
    ),
    (
        "a name and its title",
        {"person_text": "Nguyễn Văn An, Trưởng phòng", "person_name": None},
        ["person.unknown"],
    ),
    (
        "two names",
        {"person_text": "Nguyễn Văn An, Trần Thị Bình", "person_name": None},
        ["person.several"],
    ),
    (
        "two names joined by và",
        {"person_text": "Nguyễn Văn An và Trần Thị Bình", "person_name": None},
        ["person.several"],
    ),
    (
        "a resolved person beside a title is fine",
        {"person_text": "Nguyễn Văn An - Chuyên viên"},
        [],
    ),
    ("person of another unit", {"person_unit": "tu_phap"}, ["person.not_in_lead"]),
    ("person without unit", {"person_unit": None}, ["person.not_in_lead"]),
    # work
    ("no work", {"work": ""}, ["work.missing"]),
    ("punctuation only", {"work": " - . "}, ["work.missing"]),
    ("vague work", {"work": "Thực hiện các nhiệm vụ khác"}, ["work.vague"]),
    ("vague work, short", {"work": "Nhiệm vụ khác"}, ["work.vague"]),
    ("too few words", {"work": "Báo cáo CCHC"}, ["work.too_short"]),
    ("exactly the minimum", {"work": "Tổ chức hội nghị tổng kết"}, []),
    ("no area", {"area": None}, ["work.no_area"]),
    ("no work and no area", {"work": "", "area": None}, ["work.missing", "work.no_area"]),
    (
        "long text that starts like a vague one",
        {"work": "Các nhiệm vụ khác " + "rà soát thủ tục hành chính lĩnh vực đất đai " * 3},
        [],
    ),
    # deadline
    (
        "no deadline",
        {"deadline_text": "", "deadline_kind": "none", "deadline_resolved": False, "due": None},
        ["deadline.missing"],
    ),
    (
        "continuous",
        {
            "deadline_text": "Thường xuyên",
            "deadline_kind": "continuous",
            "deadline_resolved": False,
            "due": None,
        },
        ["deadline.unresolved"],
    ),
    (
        "conditional",
        {
            "deadline_text": "Khi có hướng dẫn của Tỉnh",
            "deadline_kind": "conditional",
            "deadline_resolved": False,
            "due": None,
        },
        ["deadline.unresolved"],
    ),
    (
        "due before the plan",
        {"deadline_text": "Quý I/2023", "due": date(2023, 3, 31)},
        ["deadline.before_plan"],
    ),
    ("due on the plan date", {"due": date(2023, 12, 28)}, []),
    (
        "a recurrence's first due day of the year may come before the plan",
        {"deadline_text": "Hằng tuần", "deadline_kind": "recurring", "due": date(2023, 1, 6)},
        [],
    ),
    ("no plan date", {"due": date(2020, 1, 1), "plan_date": None}, []),
    # responsibility
    (
        "no lead",
        {"lead_text": "", "lead_units": ()},
        ["person.lead_unclear", "responsibility.missing"],
    ),
    (
        "collective lead flagged by the splitter",
        {"lead_text": COLLECTIVE_LEAD, "lead_units": (UnitMention(COLLECTIVE_LEAD, None, True),)},
        ["person.lead_unclear", "responsibility.collective"],
    ),
    (
        "collective lead recognised by the patterns",
        {"lead_text": "UBND các xã, phường", "lead_units": (UnitMention("UBND các xã, phường"),)},
        ["person.lead_unclear", "responsibility.collective"],
    ),
    (
        "collective lead with a unit code is still collective",
        {"lead_units": (UnitMention("Các cơ quan chuyên môn", "ccm", True),)},
        ["person.lead_unclear", "responsibility.collective"],
    ),
    (
        "two lead units",
        {"lead_text": "Phòng Nội vụ, Phòng Tư pháp", "lead_units": (NOI_VU, TU_PHAP)},
        ["person.lead_unclear", "responsibility.several"],
    ),
    (
        "lead not in directory",
        {"lead_text": "Phòng VH&TT", "lead_units": (UnitMention("Phòng VH&TT"),)},
        ["person.lead_unclear", "responsibility.unknown_lead"],
    ),
    (
        "lead cell not split, collective",
        {"lead_text": "Các cơ quan, đơn vị", "lead_units": ()},
        ["person.lead_unclear", "responsibility.collective"],
    ),
    (
        "lead cell not split, unknown",
        {"lead_text": "Phòng ABC", "lead_units": ()},
        ["person.lead_unclear", "responsibility.unknown_lead"],
    ),
    (
        "unknown coordinator",
        {"coordinators": (TU_PHAP, UnitMention("Phòng TC-KT"))},
        ["responsibility.unknown_coordinator"],
    ),
    (
        "collective coordinators are fine",
        {"coordinators": (UnitMention("Các cơ quan, đơn vị thuộc UBND thị xã"), XA_PHUONG)},
        [],
    ),
    ("no coordinators", {"coordinators": ()}, []),
    # authority
    ("no assigner", {"assigner": ""}, ["authority.no_assigner"]),
    ("no basis", {"basis": " "}, ["authority.no_basis"]),
    ("neither", {"assigner": "", "basis": ""}, ["authority.no_assigner", "authority.no_basis"]),
    # result
    ("no product", {"product": ""}, ["result.no_product"]),
    (
        "done with result and evidence",
        {"done": True, "result": "Đã ban hành", "evidence": "KH 12/KH-UBND"},
        [],
    ),
    ("done without evidence", {"done": True, "result": "Đã ban hành"}, ["result.no_evidence"]),
    ("done without result", {"done": True, "evidence": "KH 12"}, ["result.no_result"]),
    ("done with nothing", {"done": True}, ["result.no_result", "result.no_evidence"]),
    ("not done needs no evidence", {"done": False}, []),
    # result: a measurable target in the work is the product (issue 15)
    (
        "a percentage target is the product",
        {
            "product": "",
            "work": "Tỷ lệ cấp kết quả giải quyết thủ tục hành chính điện tử đạt 100%",
        },
        ["result.target"],
    ),
    (
        "a share of people is the product",
        {"product": "", "work": "100% cán bộ, công chức được bồi dưỡng kiến thức về CCHC"},
        ["result.target"],
    ),
    (
        "at least a percentage",
        {
            "product": "",
            "work": "Mức độ hài lòng của người dân đối với sự phục vụ đạt từ 97% trở lên",
        },
        ["result.target"],
    ),
    (
        "a decimal percentage with a space",
        {"product": "", "work": "Giảm 12,5 % thời gian giải quyết hồ sơ đất đai"},
        ["result.target"],
    ),
    (
        "a count with its unit",
        {"product": "", "work": "Tổ chức ít nhất 02 lớp tập huấn nghiệp vụ cho công chức"},
        ["result.target"],
    ),
    (
        "a standard to reach",
        {"product": "", "work": "Bộ phận Một cửa của xã đạt chuẩn theo quy định của tỉnh"},
        ["result.target"],
    ),
    (
        "a document number is no target",
        {"product": "", "work": "Triển khai Nghị định số 30/2020/NĐ-CP về công tác văn thư"},
        ["result.no_product"],
    ),
    (
        "a year is no target",
        {"product": "", "work": "Rà soát thủ tục hành chính trong năm 2025 của xã"},
        ["result.no_product"],
    ),
    (
        "a written product needs no target",
        {"work": "Tỷ lệ hồ sơ được số hóa đạt 100%", "product": "Báo cáo"},
        [],
    ),
    (
        "done with a target: the target is what the result answers",
        {"product": "", "work": "Số hóa 100% hồ sơ", "done": True, "evidence": "Sổ"},
        ["result.target", "result.no_result"],
    ),
    # work: restating a whole area is vague, however many words (issue 15)
    (
        "restates the institutional area",
        {"work": "Chủ trì, tham mưu triển khai các nhiệm vụ cải cách thể chế"},
        ["work.vague"],
    ),
    (
        "restates CCHC as a whole",
        {"work": "Thực hiện tốt công tác cải cách hành chính"},
        ["work.vague"],
    ),
    (
        "restates the procedures area at length",
        {
            "work": "Tiếp tục đẩy mạnh, tổ chức thực hiện có hiệu quả các nhiệm vụ về cải cách "
            "thủ tục hành chính"
        },
        ["work.vague"],
    ),
    (
        "restates digital government",
        {"work": "Triển khai thực hiện các nhiệm vụ xây dựng chính quyền điện tử, chính quyền số"},
        ["work.vague"],
    ),
    (
        "advising the Committee on an area is vague",
        {
            "work": "Tham mưu Ủy ban nhân dân xã thực hiện, theo dõi, tổng hợp các nhiệm vụ về "
            "cải cách tài chính công"
        },
        ["work.vague"],
    ),
    (
        "restates the one-stop shop",
        {
            "work": "Tham mưu triển khai nội dung cải cách thủ tục hành chính, thực hiện cơ chế "
            "một cửa, một cửa liên thông trong giải quyết thủ tục hành chính"
        },
        ["work.vague"],
    ),
    (
        "an area and a specific object is not vague",
        {"work": "Tổ chức rà soát văn bản quy phạm pháp luật trong lĩnh vực cải cách thể chế"},
        [],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_codes(config: RulesConfig, changes: dict[str, Any], expected: list[str]) -> None:
    assert _codes(evaluate(make_task(**changes), config)) == expected


def test_every_code_can_fire(config: RulesConfig) -> None:
    fired = {code for _, changes, codes in CASES for code in codes}
    assert fired == set(CODE_PLACEHOLDERS)


def test_a_task_failing_everything(config: RulesConfig) -> None:
    task = TaskFacts(ref="9", work="Các nhiệm vụ khác", done=True)
    assert _codes(evaluate(task, config)) == [
        "person.missing",
        "work.vague",
        "work.no_area",
        "deadline.missing",
        "responsibility.missing",
        "authority.no_assigner",
        "authority.no_basis",
        "result.no_product",
        "result.no_result",
        "result.no_evidence",
    ]
    assert clear_map(evaluate(task, config)) == dict.fromkeys(Dimension, False)


# --- what the findings say --------------------------------------------------------------


def test_person_missing_fix_names_the_lead(config: RulesConfig) -> None:
    finding = _one(make_task(person_text="", person_name=None), config, "person.missing")
    assert finding.dimension is Dimension.PERSON
    assert finding.severity is Severity.ERROR
    assert "của Phòng Nội vụ" in finding.fix


def test_person_missing_fix_falls_back_when_no_single_lead(config: RulesConfig) -> None:
    task = make_task(
        person_text="",
        person_name=None,
        lead_text=COLLECTIVE_LEAD,
        lead_units=(UnitMention(COLLECTIVE_LEAD, None, True),),
    )
    assert "của đơn vị chủ trì" in _one(task, config, "person.missing").fix


def test_person_unknown_quotes_the_cell(config: RulesConfig) -> None:
    task = make_task(person_text="  Trưởng   phòng Nội vụ ", person_name=None)
    assert "“Trưởng phòng Nội vụ”" in _one(task, config, "person.unknown").message


def test_person_several_lists_the_names(config: RulesConfig) -> None:
    task = make_task(person_text="- Nguyễn Văn An\n- Trần Thị Bình", person_name=None)
    finding = _one(task, config, "person.several")
    assert "2 người (Nguyễn Văn An; Trần Thị Bình)" in finding.message
    assert "Phòng Nội vụ" in finding.fix


def test_person_not_in_lead_names_both_units(config: RulesConfig) -> None:
    finding = _one(make_task(person_unit="tu_phap"), config, "person.not_in_lead")
    assert "Nguyễn Văn An" in finding.message
    assert "tu_phap" in finding.message
    assert "Phòng Nội vụ" in finding.message


def test_work_too_short_says_how_many_words(config: RulesConfig) -> None:
    finding = _one(make_task(work="Báo cáo CCHC"), config, "work.too_short")
    assert "“Báo cáo CCHC” chỉ có 3 từ" in finding.message
    assert "ít nhất 4 từ" in finding.message


def test_long_work_is_shortened_when_quoted(config: RulesConfig) -> None:
    work = "Rà soát thủ tục hành chính " * 20
    finding = _one(make_task(work=work, area=None), config, "work.no_area")
    assert "…”" in finding.message
    assert len(finding.message) < 250


def test_deadline_unresolved_quotes_the_cell_and_the_reason(config: RulesConfig) -> None:
    task = make_task(
        deadline_text="Trong năm (theo phân kỳ)",
        deadline_kind="continuous",
        deadline_resolved=False,
        deadline_reason="không có mốc ngày nào trong ô",
        due=None,
    )
    finding = _one(task, config, "deadline.unresolved")
    assert "“Trong năm (theo phân kỳ)”" in finding.message
    assert "(không có mốc ngày nào trong ô)" in finding.message
    assert "“Trong năm (theo phân kỳ)”" in finding.fix


@pytest.mark.parametrize(("kind", "reason_key"), [("reference", "reference"), ("x", "unknown")])
def test_deadline_reason_falls_back_to_the_config(
    config: RulesConfig, kind: str, reason_key: str
) -> None:
    task = make_task(
        deadline_text="Theo kế hoạch riêng", deadline_kind=kind, deadline_resolved=False
    )
    message = _one(task, config, "deadline.unresolved").message
    assert config.deadline_reasons[reason_key] in message


def test_deadline_before_plan_is_a_warning_with_both_dates(config: RulesConfig) -> None:
    task = make_task(deadline_text="Quý I/2023", due=date(2023, 3, 31))
    findings = evaluate(task, config)
    [finding] = findings
    assert finding.severity is Severity.WARNING
    assert "“Quý I/2023” (đến hạn 31/03/2023)" in finding.message
    assert "28/12/2023" in finding.message
    assert clear_map(findings)[Dimension.DEADLINE] is True
    assert is_clear(findings)


def test_collective_lead_names_the_phrase(config: RulesConfig) -> None:
    task = make_task(
        lead_text=COLLECTIVE_LEAD, lead_units=(UnitMention(COLLECTIVE_LEAD, None, True),)
    )
    finding = _one(task, config, "responsibility.collective")
    assert f"“{COLLECTIVE_LEAD}”" in finding.message
    assert "không nêu đơn vị nào chủ trì" in finding.message
    assert "MỘT đơn vị chủ trì" in finding.fix
    assert "phối hợp" in finding.fix


def test_collective_lead_among_others_quotes_only_the_groups(config: RulesConfig) -> None:
    units = (UnitMention("Các cơ quan ban, ngành thị xã"), UnitMention("UBND cấp huyện, cấp xã"))
    task = make_task(lead_text="Các cơ quan ban, ngành thị xã; UBND cấp huyện, cấp xã")
    finding = _one(replace(task, lead_units=units), config, "responsibility.collective")
    assert "“Các cơ quan ban, ngành thị xã; UBND cấp huyện, cấp xã”" in finding.message


def test_several_leads_are_listed(config: RulesConfig) -> None:
    task = make_task(lead_text="Phòng Nội vụ, Phòng Tư pháp", lead_units=(NOI_VU, TU_PHAP))
    finding = _one(task, config, "responsibility.several")
    assert finding.message.startswith("Ô chủ trì ghi 2 đơn vị: Phòng Nội vụ; Phòng Tư pháp.")
    assert finding.dimension is Dimension.RESPONSIBILITY


def test_unknown_lead_is_quoted_and_the_fix_offers_register_units(config: RulesConfig) -> None:
    task = make_task(lead_text="Phòng VH&TT", lead_units=(UnitMention("Phòng VH&TT"),))
    finding = _one(task, config, "responsibility.unknown_lead")
    assert "“Phòng VH&TT”" in finding.message
    assert "--register-units" in finding.fix


def test_unknown_coordinators_are_listed(config: RulesConfig) -> None:
    task = make_task(
        coordinators=(UnitMention("Phòng TC-KT"), XA_PHUONG, UnitMention("Sở Tài Chính"))
    )
    finding = _one(task, config, "responsibility.unknown_coordinator")
    assert finding.message == "Đơn vị phối hợp không có trong danh bạ: Phòng TC-KT; Sở Tài Chính."
    assert finding.severity is Severity.ERROR


def test_no_basis_fix_shows_the_import_options(config: RulesConfig) -> None:
    finding = _one(make_task(basis=""), config, "authority.no_basis")
    assert "--plan-number 3838/KH-UBND --plan-date 2023-12-28" in finding.fix
    assert finding.dimension is Dimension.AUTHORITY


def test_every_finding_has_a_message_and_a_fix(config: RulesConfig) -> None:
    for _, changes, _ in CASES:
        for finding in evaluate(make_task(**changes), config):
            assert finding.message.strip()
            assert finding.fix.strip()
            assert "{" not in finding.message + finding.fix


# --- the config shapes the findings -------------------------------------------------------


def _config_with(edit: Any) -> RulesConfig:
    data = yaml.safe_load(RULES_TEXT)
    edit(data)
    return parse_rules(yaml.safe_dump(data, allow_unicode=True), "rules.yaml")


def test_relabelled_result_shows_in_messages() -> None:
    config = _config_with(lambda data: data["labels"].update(result="Rõ sản phẩm"))
    finding = _one(make_task(product=""), config, "result.no_product")
    assert "Rõ sản phẩm" in finding.message
    assert "Rõ kết quả" not in finding.message


def test_severity_from_the_config_decides_clearness() -> None:
    config = _config_with(lambda data: data["checks"]["work.no_area"].update(severity="warning"))
    findings = evaluate(make_task(area=None), config)
    assert _codes(findings) == ["work.no_area"]
    assert findings[0].severity is Severity.WARNING
    assert clear_map(findings)[Dimension.WORK] is True


def test_area_not_required() -> None:
    config = _config_with(lambda data: data.update(area_required=False))
    assert evaluate(make_task(area=None), config) == []


def test_minimum_words_from_the_config() -> None:
    config = _config_with(lambda data: data["thresholds"].update(work_min_words=13))
    finding = _one(make_task(), config, "work.too_short")
    assert "chỉ có 12 từ" in finding.message
    assert "ít nhất 13 từ" in finding.message


def test_every_placeholder_of_every_code_is_filled() -> None:
    def use_everything(data: dict[str, Any]) -> None:
        for code, names in CODE_PLACEHOLDERS.items():
            every = " ".join(f"{name}={{{name}}}" for name in sorted(names))
            data["checks"][code]["message"] = every
            data["checks"][code]["fix"] = every

    config = _config_with(use_everything)
    seen: set[str] = set()
    for _, changes, _ in CASES:
        for finding in evaluate(make_task(**changes), config):
            seen.add(finding.code)
            assert "{" not in finding.message
            assert "ref=1.1" in finding.message
            assert "label=Rõ " in finding.message
    assert seen == set(CODE_PLACEHOLDERS)


# --- helpers and clear_map ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Nguyễn Văn An", ("Nguyễn Văn An",)),
        ("Nguyễn Văn An; Trần Thị Bình", ("Nguyễn Văn An", "Trần Thị Bình")),
        ("Nguyễn Văn An + Lê Văn Cường", ("Nguyễn Văn An", "Lê Văn Cường")),
        ("Nguyễn Văn An, Phó trưởng phòng", ("Nguyễn Văn An",)),
        ("Chủ tịch UBND xã", ()),
    ],
)
def test_person_names(cell: str, names: tuple[str, ...]) -> None:
    assert person_names(cell) == names


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 0), ("Quý I/2024", 2), ("Phòng Tài chính-Kế hoạch", 5), (" - ", 0)],
)
def test_word_count(text: str, count: int) -> None:
    assert word_count(text) == count


def test_clear_map_counts_errors_only() -> None:
    warning = Finding(Dimension.DEADLINE, "deadline.before_plan", Severity.WARNING, "m", "f")
    error = Finding(Dimension.PERSON, "person.missing", Severity.ERROR, "m", "f")
    assert clear_map([]) == dict.fromkeys(Dimension, True)
    assert clear_map([warning])[Dimension.DEADLINE] is True
    result = clear_map([warning, error])
    assert result[Dimension.PERSON] is False
    assert [d for d, clear in result.items() if not clear] == [Dimension.PERSON]
    assert list(result) == list(Dimension)


@pytest.mark.parametrize(
    ("code", "cell", "plan_date", "examples"),
    [
        ("deadline.missing", "", date(2026, 9, 15), ("Trước ngày 31/12/2026", "Quý IV/2026")),
        ("deadline.unresolved", "Thường xuyên", date(2026, 9, 15), ("31/12/2026", "Quý IV/2026")),
        ("deadline.missing", "", None, ("“Trước ngày 31/12”", "“Quý IV”")),
    ],
)
def test_a_deadline_fix_never_offers_a_date_before_the_plan(
    config: RulesConfig, code: str, cell: str, plan_date: date | None, examples: tuple[str, str]
) -> None:
    task = make_task(
        deadline_text=cell,
        deadline_kind="continuous" if cell else "none",
        deadline_resolved=False,
        due=None,
        plan_date=plan_date,
    )

    fix = _one(task, config, code).fix

    assert all(example in fix for example in examples), fix
    assert "2025" not in fix
