"""Splitting lead and coordinator cells into unit mentions.

The cells are copied from Kế hoạch 3838/KH-UBND of UBND thị xã Kiến Tường (Phụ lục 1 and 2),
as printed, and resolved against the shipped ``config/directory.yaml``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from engine.directory.schema import UnitName, UnitResolver, parse_directory
from engine.directory.unit_cells import _fold_map, split_units
from engine.text import fold
from rules.facts import UnitMention

CONFIG = Path(__file__).resolve().parents[2] / "config" / "directory.yaml"

_UB = r"(?:ubnd|uy ban nhan dan)"
# The collective phrases of config/rules.yaml, over engine.text.fold of the text.
COLLECTIVE = [
    re.compile(pattern)
    for pattern in (
        rf"\bcac co quan don vi thuoc {_UB}(?: (?:thi xa|huyen|xa|phuong|tinh|thanh pho))?\b",
        rf"\b{_UB} cac xa(?: phuong)?\b",
        rf"\b{_UB} cap huyen(?: cap xa)?\b",
        r"\bcac co quan chuyen mon\b",
        r"\bcac co quan ban nganh(?: thi xa)?\b",
        rf"\bcac co quan don vi(?: va {_UB} cac xa(?: phuong)?)?\b",
        r"\bcac don vi co lien quan\b",
    )
]


@pytest.fixture(scope="module")
def kien_tuong() -> UnitResolver:
    config = parse_directory(CONFIG.read_text(encoding="utf-8"), "directory.yaml")
    return config.organization("kien-tuong").unit_resolver()


@pytest.fixture(scope="module")
def xuan_duong() -> UnitResolver:
    config = parse_directory(CONFIG.read_text(encoding="utf-8"), "directory.yaml")
    return config.organization("xuan-duong").unit_resolver()


def unit(text: str, code: str | None) -> UnitMention:
    return UnitMention(text, code)


def group(text: str) -> UnitMention:
    return UnitMention(text, None, True)


KT_CCQ_DV = group("Các cơ quan, đơn vị thuộc UBND thị xã")
KT_XA_PHUONG = group("UBND các xã phường")
KT_VP = unit("Văn phòng HĐND và UBND thị xã", "van-phong")
KT_VHTT = unit("Phòng Văn hoá và Thông tin", "phong-van-hoa-thong-tin")
KT_NOI_VU = unit("Phòng Nội vụ", "phong-noi-vu")

# Every distinct lead and coordinator cell of Phụ lục 1 and 2, as printed.
SEED_002 = [
    # Phụ lục 1, chủ trì
    ("Phòng Tư pháp thị xã", [unit("Phòng Tư pháp thị xã", "phong-tu-phap")]),
    ("Các cơ quan, đơn vị thuộc UBND thị xã, UBND các xã phường", [KT_CCQ_DV, KT_XA_PHUONG]),
    ("Các cơ quan, đơn vị thuộc UBND thị xã", [KT_CCQ_DV]),
    ("Phòng Văn hoá và Thông tin", [KT_VHTT]),
    ("Văn phòng HĐND và UBND thị xã", [KT_VP]),
    # Phụ lục 1, row 13: the cell runs over a page break
    (
        "Các cơ quan, đơn vị thuộc UBND thị\nxã, UBND các xã phường",
        [group("Các cơ quan, đơn vị thuộc UBND thị xã"), KT_XA_PHUONG],
    ),
    # Phụ lục 1, phối hợp
    (
        "Các cơ quan chuyên môn UBND các xã phường",
        [group("Các cơ quan chuyên môn"), KT_XA_PHUONG],
    ),
    ("Văn phòng HĐND và UBND thị xã; Phòng Văn hoá và Thông tin", [KT_VP, KT_VHTT]),
    ("Phòng Nội vụ", [KT_NOI_VU]),
    (
        "Phòng Tài chính- Kế hoạch",
        [unit("Phòng Tài chính- Kế hoạch", "phong-tai-chinh-ke-hoach")],
    ),
    # Phụ lục 2, chủ trì
    ("Trung tâm VH TT và TT thị xã", [unit("Trung tâm VH TT và TT thị xã", "trung-tam-van-hoa")]),
    ("Phòng Tư pháp", [unit("Phòng Tư pháp", "phong-tu-phap")]),
    (
        "Các cơ quan ban, ngành thị xã; UBND cấp huyện, cấp xã",
        [group("Các cơ quan ban, ngành thị xã"), group("UBND cấp huyện, cấp xã")],
    ),
    ("Phòng TC-KT", [unit("Phòng TC-KT", "phong-tai-chinh-ke-hoach")]),
    (
        "Phòng Tài chính-Kế hoạch",
        [unit("Phòng Tài chính-Kế hoạch", "phong-tai-chinh-ke-hoach")],
    ),
    ("Phòng VH&TT", [unit("Phòng VH&TT", "phong-van-hoa-thong-tin")]),
    # Phụ lục 2, phối hợp
    (
        "Các phòng: Tư pháp, Tài chính-Kế hoạch, Văn hoá và Thông tin; "
        "Văn phòng HĐND và UBND thị xã,",
        [
            unit("Tư pháp", "phong-tu-phap"),
            unit("Tài chính-Kế hoạch", "phong-tai-chinh-ke-hoach"),
            unit("Văn hoá và Thông tin", "phong-van-hoa-thong-tin"),
            KT_VP,
        ],
    ),
    (
        "Các cơ quan chuyên môn, UBND các xã phường",
        [group("Các cơ quan chuyên môn"), KT_XA_PHUONG],
    ),
    (
        "Ban Pháp chế HĐND thị xã; Các cơ quan chuyên môn, UBND các xã phường",
        [
            unit("Ban Pháp chế HĐND thị xã", "ban-phap-che-hdnd"),
            group("Các cơ quan chuyên môn"),
            KT_XA_PHUONG,
        ],
    ),
    ("Văn phòng HĐND&UBND thị xã", [unit("Văn phòng HĐND&UBND thị xã", "van-phong")]),
    ("Phòng Nội vụ, Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    (
        "Các cơ quan, đơn vị và UBND các xã, phường",
        [group("Các cơ quan, đơn vị và UBND các xã, phường")],
    ),
    # Phụ lục 2, 1.4: the coordinator cell split over a page break
    (
        "Các cơ quan, đơn vị thuộc UBND\nthị xã, UBND các xã phường",
        [KT_CCQ_DV, KT_XA_PHUONG],
    ),
    # Other bodies named in the plan
    ("Sở Tài Chính", [unit("Sở Tài Chính", "so-tai-chinh")]),
    ("Sở Nội vụ", [unit("Sở Nội vụ", "so-noi-vu")]),
]


@pytest.mark.parametrize(("cell", "expected"), SEED_002, ids=[c for c, _ in SEED_002])
def test_seed_002_cells(kien_tuong: UnitResolver, cell: str, expected: list[UnitMention]) -> None:
    assert split_units(cell, resolver=kien_tuong, collective_patterns=COLLECTIVE) == tuple(expected)


KT_CASES = [
    # case and diacritics
    ("phòng văn hóa và thông tin", [unit("phòng văn hóa và thông tin", "phong-van-hoa-thong-tin")]),
    ("PHÒNG NỘI VỤ", [unit("PHÒNG NỘI VỤ", "phong-noi-vu")]),
    ("Phòng Nội vụ ", [KT_NOI_VU]),
    # empty
    ("", []),
    ("  \n ", []),
    (" ; , ", []),
    # separators
    ("Phòng Nội vụ; Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    ("Phòng Nội vụ\nPhòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    ("- Phòng Nội vụ\n- Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    ("(1) Phòng Nội vụ (2) Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    (
        "1. Phòng Nội vụ 2. Phòng TC-KT",
        [KT_NOI_VU, unit("Phòng TC-KT", "phong-tai-chinh-ke-hoach")],
    ),
    ("Phòng Nội vụ/Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    # " và " only between two known units
    ("Phòng Nội vụ và Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    ("Phòng Nội vụ và Sở ABC", [unit("Phòng Nội vụ và Sở ABC", None)]),
    ("Phòng Nội vụ và UBND các xã, phường", [KT_NOI_VU, group("UBND các xã, phường")]),
    # run together, and an inline bullet from a PDF
    ("Phòng Nội vụ Phòng Tư pháp", [KT_NOI_VU, unit("Phòng Tư pháp", "phong-tu-phap")]),
    ("- Phòng Nội vụ - Phòng VH&TT", [KT_NOI_VU, unit("Phòng VH&TT", "phong-van-hoa-thong-tin")]),
    # a unit name with a comma is not cut
    (
        "Trung tâm Văn hóa, Thể thao và Truyền thanh thị xã, Phòng Nội vụ",
        [
            unit("Trung tâm Văn hóa, Thể thao và Truyền thanh thị xã", "trung-tam-van-hoa"),
            KT_NOI_VU,
        ],
    ),
    # unknown fragments are kept, one per comma
    ("Sở ABC, Công ty XYZ", [unit("Sở ABC", None), unit("Công ty XYZ", None)]),
    ("Phòng Nội vụ (chủ trì)", [unit("Phòng Nội vụ (chủ trì)", None)]),
    # a collective absorbs the unknown words glued to it, never splits on its commas
    ("Các cơ quan, đơn vị thuộc UBND thị", [group("Các cơ quan, đơn vị thuộc UBND thị")]),
    (
        "Các cơ quan chuyên môn thuộc UBND thị xã",
        [group("Các cơ quan chuyên môn thuộc UBND thị xã")],
    ),
    ("Các đơn vị có liên quan", [group("Các đơn vị có liên quan")]),
    ("Phòng Nội vụ, các đơn vị có liên quan", [KT_NOI_VU, group("các đơn vị có liên quan")]),
    ("Ủy ban nhân dân cấp huyện, cấp xã", [group("Ủy ban nhân dân cấp huyện, cấp xã")]),
]


@pytest.mark.parametrize(("cell", "expected"), KT_CASES, ids=[c for c, _ in KT_CASES])
def test_kien_tuong_cells(kien_tuong: UnitResolver, cell: str, expected: list[UnitMention]) -> None:
    assert split_units(cell, resolver=kien_tuong, collective_patterns=COLLECTIVE) == tuple(expected)


XD_CASES = [
    (
        "Phòng Văn hóa - Xã hội; Văn phòng HĐND và UBND xã",
        [
            unit("Phòng Văn hóa - Xã hội", "phong-van-hoa-xa-hoi"),
            unit("Văn phòng HĐND và UBND xã", "van-phong"),
        ],
    ),
    (
        "Phòng VH-XH, Trung tâm Phục vụ hành chính công xã, Công an xã",
        [
            unit("Phòng VH-XH", "phong-van-hoa-xa-hoi"),
            unit("Trung tâm Phục vụ hành chính công xã", "trung-tam-phuc-vu-hcc"),
            unit("Công an xã", "cong-an-xa"),
        ],
    ),
    (
        "Các phòng: Kinh tế, Văn hóa - Xã hội",
        [unit("Kinh tế", "phong-kinh-te"), unit("Văn hóa - Xã hội", "phong-van-hoa-xa-hoi")],
    ),
    (
        "Ban CHQS xã và Công an xã",
        [unit("Ban CHQS xã", "ban-chi-huy-quan-su"), unit("Công an xã", "cong-an-xa")],
    ),
    ("Sở Nội vụ tỉnh Thái Nguyên", [unit("Sở Nội vụ tỉnh Thái Nguyên", "so-noi-vu")]),
    ("Phòng Nội vụ", [unit("Phòng Nội vụ", None)]),  # not a unit of a commune after 2025
]


@pytest.mark.parametrize(("cell", "expected"), XD_CASES, ids=[c for c, _ in XD_CASES])
def test_xuan_duong_cells(xuan_duong: UnitResolver, cell: str, expected: list[UnitMention]) -> None:
    assert split_units(cell, resolver=xuan_duong, collective_patterns=COLLECTIVE) == tuple(expected)


def test_never_splits_inside_a_name_even_when_a_part_is_a_unit() -> None:
    """ "Văn phòng HĐND và UBND thị xã" stays whole when only "UBND thị xã" is known."""
    resolver = UnitResolver(
        [
            UnitName("ubnd", "UBND thị xã"),
            UnitName("van-hoa", "Phòng Văn hóa"),
            UnitName("noi-vu", "Phòng Nội vụ"),
        ]
    )
    cell = "Văn phòng HĐND và UBND thị xã, Phòng Văn hóa và Thông tin"
    assert split_units(cell, resolver=resolver, collective_patterns=()) == (
        UnitMention("Văn phòng HĐND và UBND thị xã"),
        UnitMention("Phòng Văn hóa và Thông tin"),
    )


def test_without_collective_patterns_the_pieces_are_unknown(kien_tuong: UnitResolver) -> None:
    cell = "Các cơ quan chuyên môn, Phòng Nội vụ"
    assert split_units(cell, resolver=kien_tuong, collective_patterns=()) == (
        UnitMention("Các cơ quan chuyên môn"),
        KT_NOI_VU,
    )


def test_a_long_cell_splits_in_linear_time(kien_tuong: UnitResolver) -> None:
    names = ["Phòng Nội vụ", "Phòng VH&TT", "Sở ABC", "UBND các xã, phường", "Phòng TC-KT"]
    cell = ", ".join(names * 200)
    started = time.perf_counter()
    mentions = split_units(cell, resolver=kien_tuong, collective_patterns=COLLECTIVE)
    assert len(mentions) == 1000
    assert sum(m.collective for m in mentions) == 200
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "text",
    [
        "Phòng VH&TT",
        "  Các cơ quan, đơn vị thuộc UBND thị xã,\n UBND các xã phường ",
        "Phòng Tài chính- Kế hoạch (TC-KH)",
        "Ông/Bà Đặng Văn Đức",
        "e\u0301 & x",  # written decomposed
        "Trường THCS số 1; 2. Sở Nội vụ",
        "",
    ],
)
def test_fold_map_agrees_with_fold(text: str) -> None:
    folded, origin = _fold_map(text)
    assert folded == fold(text)
    assert len(origin) == len(folded)
