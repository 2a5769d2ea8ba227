"""The directory config, its validation, and the unit and person resolvers."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.directory.schema import (
    DirectoryConfig,
    PersonResolver,
    UnitName,
    UnitResolver,
    parse_directory,
)
from engine.errors import ConfigError, DirectoryError

CONFIG = Path(__file__).resolve().parents[2] / "config" / "directory.yaml"


@pytest.fixture(scope="module")
def directory() -> DirectoryConfig:
    return parse_directory(CONFIG.read_text(encoding="utf-8"), "directory.yaml")


# --- the shipped config/directory.yaml -----------------------------------------------------


def test_default_config_has_both_organizations(directory: DirectoryConfig) -> None:
    assert [o.code for o in directory.organizations] == ["kien-tuong", "xuan-duong"]
    assert directory.organization().code == "xuan-duong"
    kien_tuong = directory.organization("kien-tuong")
    assert kien_tuong.chairman.name == "Nguyễn Văn Vũ"
    assert kien_tuong.level == "district"
    assert kien_tuong.place == "Kiến Tường"
    assert kien_tuong.unit(kien_tuong.standing_office).name == "Phòng Nội vụ"
    xuan_duong = directory.organization("xuan-duong")
    assert xuan_duong.level == "commune"
    assert xuan_duong.unit(xuan_duong.standing_office).name == "Phòng Văn hóa - Xã hội"


@pytest.mark.parametrize("code", ["kien-tuong", "xuan-duong"])
def test_each_organization_resolves_its_own_units(directory: DirectoryConfig, code: str) -> None:
    organization = directory.organization(code)
    resolver = organization.unit_resolver()
    for unit in organization.units:
        for form in (unit.name, *unit.aliases, *unit.abbreviations):
            assert resolver.resolve(form) == unit.code, form


@pytest.mark.parametrize("code", ["kien-tuong", "xuan-duong"])
def test_internal_units_have_a_head_and_officers(directory: DirectoryConfig, code: str) -> None:
    for unit in directory.organization(code).units:
        if unit.kind == "internal":
            assert unit.head is not None
            assert 1 <= len(unit.people) <= 2
            assert all(p.email.endswith(".example.vn") for p in unit.members)


@pytest.mark.parametrize("code", ["kien-tuong", "xuan-duong"])
def test_each_organization_resolves_its_own_people(directory: DirectoryConfig, code: str) -> None:
    organization = directory.organization(code)
    resolver = organization.person_resolver()
    for unit in organization.units:
        for person in unit.members:
            assert resolver.resolve(person.name) == (person.name, unit.code)


def test_unknown_organization_and_unit(directory: DirectoryConfig) -> None:
    with pytest.raises(DirectoryError, match="nowhere"):
        directory.organization("nowhere")
    with pytest.raises(DirectoryError, match="phong-ma"):
        directory.organization("kien-tuong").unit("phong-ma")


def test_localities_include_the_upper_level(directory: DirectoryConfig) -> None:
    assert directory.organization("kien-tuong").localities() == ("Kiến Tường", "long an")


# --- validation ---------------------------------------------------------------------------

VALID = """\
version: 1
default_organization: xa-mau
organizations:
  - code: xa-mau
    name: Ủy ban nhân dân xã Mẫu
    level: commune
    place: Mẫu
    parent: Ủy ban nhân dân tỉnh Thử
    chairman:
      name: Nguyễn Văn An
      title: Chủ tịch UBND xã
      email: an@mau.example.vn
    vice_chairmen:
      - name: Trần Thị Bình
        title: Phó Chủ tịch UBND xã
        email: binh@mau.example.vn
        units: [phong-vhxh]
    standing_office: phong-vhxh
    units:
      - code: phong-vhxh
        name: Phòng Văn hóa - Xã hội
        kind: internal
        head:
          name: Lê Văn Cường
          title: Trưởng phòng
          email: cuong@mau.example.vn
        people:
          - name: Phạm Thị Dung
            title: Công chức
            email: dung@mau.example.vn
      - code: phong-kinh-te
        name: Phòng Kinh tế
        kind: internal
        abbreviations: [Phòng KT]
        head:
          name: Hoàng Văn Em
          title: Trưởng phòng
          email: em@mau.example.vn
      - code: so-noi-vu
        name: Sở Nội vụ
        kind: external
"""


def line_of(text: str, needle: str) -> int:
    """1-based number of the last line containing ``needle``."""
    return max(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_valid_minimal_directory_parses() -> None:
    config = parse_directory(VALID, "directory.yaml")
    organization = config.organization()
    assert organization.vice_chairmen[0].units == ("phong-vhxh",)
    assert organization.unit("phong-kinh-te").abbreviations == ("Phòng KT",)


# (case id, replace this, by this, line marker in the result, entry, field, message part)
BROKEN: list[tuple[str, str, str, str, str | None, str | None, str]] = [
    (
        "unknown default organization",
        "default_organization: xa-mau",
        "default_organization: xa-khac",
        "default_organization",
        None,
        "default_organization",
        'không có tổ chức mã "xa-khac"',
    ),
    (
        "duplicate unit code",
        "code: phong-kinh-te",
        "code: phong-vhxh",
        "code: phong-vhxh",
        "organizations[0].units[1]",
        "code",
        'mã đơn vị "phong-vhxh" bị trùng',
    ),
    (
        "names fold to the same key",
        "name: Phòng Kinh tế",
        "name: PHÒNG VĂN HOÁ – XÃ HỘI xã",
        "PHÒNG VĂN HOÁ",
        "organizations[0].units[1]",
        "name",
        "trùng với",
    ),
    (
        "abbreviation names another unit",
        "abbreviations: [Phòng KT]",
        "abbreviations: [Phòng Văn hóa Xã hội]",
        "abbreviations:",
        "organizations[0].units[1].abbreviations[0]",
        None,
        "phong-vhxh",
    ),
    (
        "standing office unknown",
        "standing_office: phong-vhxh",
        "standing_office: phong-noi-vu",
        "standing_office",
        "organizations[0]",
        "standing_office",
        'cơ quan thường trực "phong-noi-vu"',
    ),
    (
        "standing office external",
        "standing_office: phong-vhxh",
        "standing_office: so-noi-vu",
        "standing_office",
        "organizations[0]",
        "standing_office",
        "kind: external",
    ),
    (
        "bad email",
        "email: em@mau.example.vn",
        "email: em(at)mau.example.vn",
        "em(at)",
        "organizations[0].units[1].head",
        "email",
        'email "em(at)mau.example.vn" không hợp lệ',
    ),
    (
        "one email two people",
        "email: em@mau.example.vn",
        "email: DUNG@mau.example.vn",
        "DUNG@",
        "organizations[0].units[1].head",
        "email",
        "đã dùng cho Phạm Thị Dung",
    ),
    (
        "vice chairman's unit unknown",
        "units: [phong-vhxh]",
        "units: [phong-ma]",
        "units: [phong-ma]",
        "organizations[0].vice_chairmen[0].units[0]",
        None,
        'đơn vị phụ trách "phong-ma"',
    ),
    (
        "internal unit without head",
        "        kind: external",
        "        kind: internal",
        "code: so-noi-vu",
        "organizations[0].units[2]",
        "head",
        "phải có người đứng đầu",
    ),
    (
        "bad code",
        "code: phong-kinh-te",
        "code: Phòng Kinh tế",
        "code: Phòng Kinh tế",
        "organizations[0].units[1]",
        "code",
        "chữ thường không dấu",
    ),
    (
        "unknown level",
        "level: commune",
        "level: village",
        "level: village",
        "organizations[0]",
        "level",
        "'village'",
    ),
    (
        "extra field",
        "    place: Mẫu",
        "    place: Mẫu\n    mayor: Ai đó",
        "mayor",
        "organizations[0]",
        "mayor",
        "không có trong lược đồ",
    ),
    (
        "missing field",
        "    parent: Ủy ban nhân dân tỉnh Thử\n",
        "",
        "- code: xa-mau",
        "organizations[0]",
        "parent",
        "thiếu trường bắt buộc",
    ),
    (
        "empty name",
        "name: Phòng Kinh tế",
        'name: "  "',
        'name: "  "',
        "organizations[0].units[1]",
        "name",
        "không được để trống",
    ),
    (
        "wrong version",
        "version: 1",
        "version: 2",
        "version",
        None,
        "version",
        "phải là 1",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=[case[0] for case in BROKEN])
def test_invalid_directory_says_where(
    case: tuple[str, str, str, str, str | None, str | None, str],
) -> None:
    _, old, new, marker, entry, field, message = case
    assert old in VALID
    text = VALID.replace(old, new, 1)
    with pytest.raises(ConfigError) as caught:
        parse_directory(text, "directory.yaml")
    problems = caught.value.problems
    assert len(problems) == 1, str(caught.value)
    location = problems[0].location
    assert location.file == "directory.yaml"
    assert (location.row, location.entry, location.field) == (line_of(text, marker), entry, field)
    assert message in problems[0].message


def test_every_problem_is_listed_at_once() -> None:
    text = (
        VALID.replace("default_organization: xa-mau", "default_organization: xa-khac")
        .replace("standing_office: phong-vhxh", "standing_office: phong-ma")
        .replace("code: phong-kinh-te", "code: phong-vhxh")
    )
    with pytest.raises(ConfigError) as caught:
        parse_directory(text, "directory.yaml")
    fields = sorted(str(p.location.field) for p in caught.value.problems)
    assert fields == ["code", "default_organization", "standing_office"]
    assert "directory.yaml, dòng 2, default_organization" in str(caught.value)


def test_yaml_syntax_error_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_directory(VALID.replace("level: commune", "level: [commune"), "directory.yaml")
    assert caught.value.problems[0].location.row is not None


def test_no_organizations() -> None:
    text = "version: 1\ndefault_organization: x\norganizations: []\n"
    with pytest.raises(ConfigError, match="ít nhất một tổ chức"):
        parse_directory(text, "directory.yaml")


# --- UnitResolver ---------------------------------------------------------------------------

UNITS = [
    UnitName("phong-noi-vu", "Phòng Nội vụ"),
    UnitName("phong-tu-phap", "Phòng Tư pháp"),
    UnitName("phong-tckh", "Phòng Tài chính - Kế hoạch", aliases=["Phòng TC-KT"]),
    UnitName("phong-vhtt", "Phòng Văn hóa và Thông tin"),
    UnitName("van-phong", "Văn phòng HĐND và UBND thị xã"),
    UnitName("trung-tam", "Trung tâm Văn hóa, Thể thao và Truyền thanh thị xã"),
    UnitName("ban-phap-che", "Ban Pháp chế HĐND thị xã"),
    UnitName("ubnd-tinh", "Ủy ban nhân dân tỉnh Long An"),
    UnitName("so-tai-chinh", "Sở Tài chính"),
    UnitName("ban-chqs", "Ban Chỉ huy Quân sự xã"),
    UnitName("tt-phvhcc", "Trung tâm Phục vụ hành chính công", abbreviations=["Bộ phận Một cửa"]),
]


@pytest.fixture(scope="module")
def resolver() -> UnitResolver:
    return UnitResolver(UNITS, localities=["Kiến Tường", "Long An"])


RESOLVED = [
    ("Phòng Nội vụ", "phong-noi-vu"),
    ("PHÒNG NỘI VỤ", "phong-noi-vu"),
    ("phòng  nội   vụ ", "phong-noi-vu"),
    ("phòng văn hóa và thông tin", "phong-vhtt"),
    ("Phòng Văn hoá và Thông tin", "phong-vhtt"),
    ("Phòng Văn hóa & Thông tin", "phong-vhtt"),
    ("Phòng Văn hóa, Thông tin", "phong-vhtt"),
    ("Phòng Tư pháp thị xã", "phong-tu-phap"),
    ("Phòng Tư pháp thị xã Kiến Tường", "phong-tu-phap"),
    ("Phòng Tài chính-Kế hoạch", "phong-tckh"),
    ("Phòng Tài chính- Kế hoạch", "phong-tckh"),
    ("Phòng TC-KH", "phong-tckh"),
    ("Phòng TC-KT", "phong-tckh"),
    ("Phòng VH&TT", "phong-vhtt"),
    ("Phòng VHTT", "phong-vhtt"),
    ("Phòng VH-TT thị xã", "phong-vhtt"),
    ("Trung tâm VH TT và TT thị xã", "trung-tam"),
    ("Trung tâm VH, TT&TT", "trung-tam"),
    ("Trung tâm Văn hóa, Thể thao và Truyền thanh", "trung-tam"),
    ("Văn phòng HĐND&UBND thị xã", "van-phong"),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thị xã", "van-phong"),
    ("VP HĐND và UBND", "van-phong"),
    ("Ban Pháp chế HĐND thị xã", "ban-phap-che"),
    ("Ban Pháp chế Hội đồng nhân dân", "ban-phap-che"),
    ("UBND tỉnh", "ubnd-tinh"),
    ("Ủy ban nhân dân tỉnh Long An", "ubnd-tinh"),
    ("UBND tỉnh Long An", "ubnd-tinh"),
    ("Sở Tài Chính", "so-tai-chinh"),
    ("Sở Tài chính tỉnh Long An", "so-tai-chinh"),
    ("Ban CHQS xã", "ban-chqs"),
    ("TTPVHCC", "tt-phvhcc"),
    ("Bộ phận một cửa", "tt-phvhcc"),
]


@pytest.mark.parametrize(("text", "code"), RESOLVED)
def test_resolves(resolver: UnitResolver, text: str, code: str) -> None:
    assert resolver.resolve(text) == code


UNRESOLVED = [
    "",
    "   ",
    "Phòng Kinh tế",
    "UBND",  # the thị xã itself, never "UBND tỉnh"
    "UBND thị xã",
    "UBND xã",
    "Sở Tài chính tỉnh Tây Ninh",  # another province's Sở
    "Tư pháp",  # bare name without "Các phòng:"
    "Phòng Văn hóa",
    "Văn phòng",
    "Các cơ quan, đơn vị thuộc UBND thị xã",
    "Phòng Nội vụ, Phòng Tư pháp",
]


@pytest.mark.parametrize("text", UNRESOLVED)
def test_does_not_resolve(resolver: UnitResolver, text: str) -> None:
    assert resolver.resolve(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tư pháp", "phong-tu-phap"),
        ("Tài chính-Kế hoạch", "phong-tckh"),
        ("Văn hoá và Thông tin", "phong-vhtt"),
        ("Văn phòng HĐND và UBND thị xã", "van-phong"),  # its own type word wins
        ("Sở Tài chính", "so-tai-chinh"),
    ],
)
def test_implied_type_word(resolver: UnitResolver, text: str, code: str) -> None:
    assert resolver.resolve(text, implied_type="phòng") == code


def test_shared_keys_are_ambiguous_not_guessed() -> None:
    resolver = UnitResolver(
        [
            UnitName("tai-nguyen", "Phòng Tài nguyên và Môi trường"),
            UnitName("tu-phap", "Phòng Tư pháp", abbreviations=["Phòng TN-MT"]),
            UnitName("thanh-tra", "Phòng Thanh tra"),
            UnitName("thong-tin", "Phòng Thông tin"),
        ]
    )
    # What the administrator wrote wins over initials worked out automatically.
    assert resolver.resolve("Phòng TN-MT") == "tu-phap"
    assert resolver.resolve("Phòng TT") is None  # initials of two units
    assert resolver.resolve("Phòng Thanh tra") == "thanh-tra"


def test_suffix_on_both_sides_must_agree() -> None:
    resolver = UnitResolver([UnitName("cong-an", "Công an xã"), UnitName("ubnd-xa", "UBND xã")])
    assert resolver.resolve("Công an") == "cong-an"
    assert resolver.resolve("Công an xã") == "cong-an"
    assert resolver.resolve("Công an phường") is None
    assert resolver.resolve("UBND xã") == "ubnd-xa"
    assert resolver.resolve("UBND") is None
    assert resolver.resolve("UBND phường") is None


# --- PersonResolver -------------------------------------------------------------------------

PEOPLE = [
    ("Trần Thị Thu Hà", "phong-noi-vu"),
    ("Lê Minh Tâm", "phong-noi-vu"),
    ("Võ Thanh Tùng", "phong-tu-phap"),
    ("Nguyễn Văn An", "phong-tu-phap"),
    ("Nguyễn Văn An", "van-phong"),  # same name in two units
    ("Nguyễn Văn Anh", "van-phong"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trần Thị Thu Hà", ("Trần Thị Thu Hà", "phong-noi-vu")),
        ("TRẦN THỊ THU HÀ", ("Trần Thị Thu Hà", "phong-noi-vu")),
        ("Bà Trần Thị Thu Hà - Trưởng phòng", ("Trần Thị Thu Hà", "phong-noi-vu")),
        ("Ông/Bà Lê Minh Tâm", ("Lê Minh Tâm", "phong-noi-vu")),
        ("Đồng chí Võ Thanh Tùng, Trưởng phòng Tư pháp", ("Võ Thanh Tùng", "phong-tu-phap")),
        ("đ/c võ thanh tùng", ("Võ Thanh Tùng", "phong-tu-phap")),
        ("Trưởng phòng Nội vụ (Lê Minh Tâm)", ("Lê Minh Tâm", "phong-noi-vu")),
        ("Ông Nguyễn Văn Anh", ("Nguyễn Văn Anh", "van-phong")),
        ("Nguyễn Văn An", None),  # two people: ambiguous without the lead unit
        ("Trưởng phòng Nội vụ", None),
        ("", None),
    ],
)
def test_person_resolver(text: str, expected: tuple[str, str] | None) -> None:
    assert PersonResolver(PEOPLE).resolve(text) == expected


def test_person_resolver_prefers_the_lead_unit() -> None:
    resolver = PersonResolver(PEOPLE)
    assert resolver.resolve("Nguyễn Văn An", unit_code="van-phong") == (
        "Nguyễn Văn An",
        "van-phong",
    )
    assert resolver.resolve("Nguyễn Văn An", unit_code="phong-noi-vu") is None


def test_leaders_resolve_without_a_unit(directory: DirectoryConfig) -> None:
    resolver = directory.organization("kien-tuong").person_resolver()
    assert resolver.resolve("Chủ tịch UBND thị xã Nguyễn Văn Vũ") == ("Nguyễn Văn Vũ", None)


def test_resolvers_from_stored_rows() -> None:
    units = UnitResolver.from_units(
        [
            ("phong-vhtt", "Phòng Văn hóa và Thông tin", ["Phòng VH&TT"], []),
            ("so-noi-vu", "Sở Nội vụ", [], []),
        ],
        localities=["Long An"],
    )
    assert units.resolve("Phòng VH&TT thị xã") == "phong-vhtt"
    assert units.resolve("Sở Nội vụ tỉnh Long An") == "so-noi-vu"
    people = PersonResolver.from_people([("Lê Văn Tài", None), ("Lê Minh Tâm", "phong-noi-vu")])
    assert people.resolve("PCT Lê Văn Tài") == ("Lê Văn Tài", None)
    assert people.resolve("Lê Minh Tâm") == ("Lê Minh Tâm", "phong-noi-vu")
