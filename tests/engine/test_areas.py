"""The CCHC area catalogue (config/areas.yaml) and resolving section text to an area."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from engine.errors import ConfigError, Location
from engine.importing.areas import (
    AreaResolver,
    AreasConfig,
    area_key,
    load_areas,
    parse_areas,
    strip_numbering,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def _fixture_module(name: str) -> ModuleType:
    """The fixture scripts live in tests/fixtures, which is not a package."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module(name)


SEED = _fixture_module("seed_002_pl2")
AREAS = load_areas(REPO / "config" / "areas.yaml")
RESOLVER = AreaResolver(AREAS)


def test_the_catalogue_holds_the_seven_areas_of_nq_76() -> None:
    assert [(a.code, a.name) for a in AREAS.areas] == [
        ("chi-dao-dieu-hanh", "Công tác chỉ đạo, điều hành CCHC"),
        ("the-che", "Cải cách thể chế"),
        ("thu-tuc-hanh-chinh", "Cải cách thủ tục hành chính"),
        ("to-chuc-bo-may", "Cải cách tổ chức bộ máy hành chính nhà nước"),
        ("cong-vu", "Cải cách chế độ công vụ"),
        ("tai-chinh-cong", "Cải cách tài chính công"),
        ("chinh-quyen-so", "Xây dựng, phát triển Chính quyền điện tử, Chính quyền số"),
    ]
    assert RESOLVER.codes == tuple(a.code for a in AREAS.areas)
    assert RESOLVER.name("cong-vu") == "Cải cách chế độ công vụ"
    assert RESOLVER.name("khong-co") == "khong-co"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Cải cách thể chế", "the-che"),
        ("I. Cải cách thể chế", "the-che"),
        ("2 Cải cách thể chế", "the-che"),
        ("2. Cải cách thể chế", "the-che"),
        ("II) Cải cách thể chế", "the-che"),
        ("a) Cải cách thể chế", "the-che"),
        ("CẢI CÁCH THỂ CHẾ", "the-che"),
        ("cai cach the che", "the-che"),
        ("Cải cách thể chế, pháp luật", "the-che"),
        ("Cải cách TTHC", "thu-tuc-hanh-chinh"),
        ("II. Cải cách TTHC", "thu-tuc-hanh-chinh"),
        ("Cải cách thủ tục hành chính (TTHC)", "thu-tuc-hanh-chinh"),
        ("Cải cách thủ tục hành chính", "thu-tuc-hanh-chinh"),
        ("Cải cách tổ chức bộ máy", "to-chuc-bo-may"),
        ("III. Cải cách tổ chức bộ máy hành chính nhà nước", "to-chuc-bo-may"),
        ("Cải cách công vụ", "cong-vu"),
        ("IV. Cải cách chế độ công vụ", "cong-vu"),
        ("Xây dựng và nâng cao chất lượng đội ngũ CBCCVC", "cong-vu"),
        ("V. Cải cách tài chính công", "tai-chinh-cong"),
        ("Công tác chỉ đạo, điều hành CCHC", "chi-dao-dieu-hanh"),
        ("Công tác chỉ đạo, điều hành cải cách hành chính", "chi-dao-dieu-hanh"),
        ("1 Công tác chỉ đạo, điều hành CCHC", "chi-dao-dieu-hanh"),
        ("Xây dựng, phát triển Chính quyền điện tử, Chính quyền số", "chinh-quyen-so"),
        ("Xây dựng và phát triển Chính quyền điện tử, chính quyền số", "chinh-quyen-so"),
        ("Xây dựng và phát triển chính quyền điện tử, chính quyền số", "chinh-quyen-so"),
        ("VI. XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ", "chinh-quyen-so"),
        ("Hiện đại hoá hành chính", "chinh-quyen-so"),
        # As the five seed plans write their headings (issue 15): by the area's key words,
        # with or without the number and "CCHC", in markdown, with a colon.
        ("6. Xây dựng và phát triển Chính phủ điện tử, Chính phủ số", "chinh-quyen-so"),
        ("Xây dựng, phát triển Chính quyền điện tử, Chính quyền số", "chinh-quyen-so"),
        ("2.7. Xây dựng và phát triển chính quyền điện tử, chính quyền số", "chinh-quyen-so"),
        ("6. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số:", "chinh-quyen-so"),
        ("## **6. Xây dựng và phát triển chính quyền điện tử, chính quyền số**", "chinh-quyen-so"),
        ("Chuyển đổi số", "chinh-quyen-so"),
        ("Đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính", "chinh-quyen-so"),
        ("Cải cách tổ chức bộ máy", "to-chuc-bo-may"),
        ("### **3. Cải cách tổ chức bộ máy hành chính nhà nước**", "to-chuc-bo-may"),
        ("Công tác chỉ đạo, điều hành", "chi-dao-dieu-hanh"),
        ("2.1. Công tác chỉ đạo, điều hành", "chi-dao-dieu-hanh"),
        ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", "chi-dao-dieu-hanh"),
        (
            "1. Tăng cường công tác chỉ đạo, điều hành việc triển khai thực hiện cải cách "
            "hành chính:",
            "chi-dao-dieu-hanh",
        ),
        ("Chỉ đạo, điều hành cải cách thủ tục hành chính", "chi-dao-dieu-hanh"),
        ("## **2. Cải cách thủ tục hành chính**", "thu-tuc-hanh-chinh"),
        ("2. Cải cách thủ tục hành chính:", "thu-tuc-hanh-chinh"),
        ("#### **4. Cải cách chế độ công vụ**", "cong-vu"),
        ("### **5. Cải cách tài chính công:**", "tai-chinh-cong"),
        ("1. Cải cách thể chế:", "the-che"),
        ("II. MỤC TIÊU VÀ NHIỆM VỤ CỤ THỂ", None),
        # Not areas: unknown text, a bare number, and "hành chính công", which could be
        # CCHC as a whole or a slip for "tài chính công" and so is not guessed.
        ("Cải cách hành chính công", None),
        ("Nhiệm vụ khác", None),
        ("III.", None),
        ("", None),
    ],
)
def test_resolve(text: str, code: str | None) -> None:
    assert RESOLVER.resolve(text) == code


def test_the_seed_areas_resolve_to_seven_distinct_codes() -> None:
    codes = {area: RESOLVER.resolve(area) for area in SEED.PL2_AREA_CODES}

    assert codes == SEED.PL2_AREA_CODES
    assert len(set(codes.values())) == 7


def test_the_seed_phu_luc_1_sections_resolve() -> None:
    codes = [RESOLVER.resolve(label) for label, _ in SEED.PL1_SECTIONS]

    assert codes == [
        "the-che",
        "thu-tuc-hanh-chinh",
        "to-chuc-bo-may",
        "cong-vu",
        "tai-chinh-cong",
        "chinh-quyen-so",
    ]


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("I. Cải cách thể chế", "Cải cách thể chế"),
        ("IV) Cải cách công vụ", "Cải cách công vụ"),
        ("2 Cải cách thể chế", "Cải cách thể chế"),
        ("1.2. Nội dung", "Nội dung"),
        ("Cải cách thể chế", "Cải cách thể chế"),
        ("CCHC năm 2024", "CCHC năm 2024"),
        ("Xây dựng", "Xây dựng"),
        ("  III.   Cải cách  ", "Cải cách"),
    ],
)
def test_strip_numbering(text: str, bare: str) -> None:
    assert strip_numbering(text) == bare


def test_area_key_spells_out_abbreviations() -> None:
    assert area_key("Cải cách TTHC") == area_key("cải cách thủ tục hành chính")
    assert area_key("III. Công tác chỉ đạo (CCHC)") == "cong tac chi dao"


def test_load_areas_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "areas.yaml"
    path.write_text("version: 1\nareas:\n  - {code: a, name: Cải cách thể chế}\n", "utf-8")

    assert isinstance(load_areas(path), AreasConfig)


def _problems(text: str) -> list[tuple[Location, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_areas(text, "areas.yaml")
    return [(problem.location, problem.message) for problem in caught.value.problems]


def test_an_alias_of_two_areas_is_refused_with_its_line() -> None:
    text = """version: 1
areas:
  - code: the-che
    name: Cải cách thể chế
  - code: thu-tuc
    name: Cải cách thủ tục hành chính
    aliases:
      - Cải cách TTHC
      - "I. Cải cách thể chế"
"""
    assert _problems(text) == [
        (
            Location(file="areas.yaml", row=9, entry="areas[1]", field="aliases"),
            "'I. Cải cách thể chế' đã là tên của lĩnh vực 'the-che'",
        )
    ]


def test_a_repeated_code_and_an_empty_alias_are_refused() -> None:
    text = """version: 1
areas:
  - code: the-che
    name: Cải cách thể chế
  - code: the-che
    name: Cải cách thể chế hành chính
    aliases: ["II."]
"""
    assert _problems(text) == [
        (Location(file="areas.yaml", row=5, entry="areas[1]"), "mã 'the-che' trùng với areas[0]"),
        (
            Location(file="areas.yaml", row=7, entry="areas[1]", field="aliases"),
            "'II.' rỗng sau khi bỏ số thứ tự và dấu câu",
        ),
    ]


def test_schema_errors_are_located() -> None:
    text = """version: 2
areas:
  - code: The Che
    name: Cải cách thể chế
    alias: [x]
"""
    where = [(loc.row, loc.entry, loc.field) for loc, _ in _problems(text)]

    assert where == [(1, None, "version"), (3, "areas[0]", "code"), (5, "areas[0]", "alias")]
