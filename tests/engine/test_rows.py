"""Finding the task table (engine.importing.columns) and parsing its rows
(engine.importing.rows), on built tables and on the seed 002 fixture files."""

from __future__ import annotations

import importlib
import sys
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from engine.errors import ConfigError, ImportFileError, Location
from engine.importing.areas import AreaResolver, load_areas
from engine.importing.columns import (
    FIELD_NAMES,
    TableLayout,
    find_task_table,
    is_numbering_row,
    load_import_config,
    map_columns,
    parse_import_config,
)
from engine.importing.rows import ParsedRow, parse_rows, split_work_ref
from engine.importing.tables import RawRow, RawTable, read_tables

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
CONFIG = load_import_config(REPO / "config" / "import.yaml")
AREAS = AreaResolver(load_areas(REPO / "config" / "areas.yaml"))
PLAN_FILES = ("kien_tuong_3838.docx", "kien_tuong_3838_pl2.xlsx", "kien_tuong_3838_pl2.csv")


def _fixture_module(name: str) -> ModuleType:
    """The fixture scripts live in tests/fixtures, which is not a package."""
    if str(FIXTURES) not in sys.path:
        sys.path.insert(0, str(FIXTURES))
    return importlib.import_module(name)


SEED = _fixture_module("seed_002_pl2")


def _table(
    rows: list[list[str]], *, index: int = 1, source: str = "ke_hoach.docx", first: int = 1
) -> RawTable:
    width = max(len(row) for row in rows)
    raw = [
        RawRow(number, row + [""] * (width - len(row))) for number, row in enumerate(rows, first)
    ]
    return RawTable(index=index, name=f"Bảng {index}", rows=raw, source=source)


def _layout(*tables: list[list[str]], table: int | None = None) -> TableLayout:
    raw = [_table(rows, index=index) for index, rows in enumerate(tables, start=1)]
    return find_task_table(raw, CONFIG, table=table)


def _parse(*tables: list[list[str]], areas: AreaResolver | None = None) -> list[ParsedRow]:
    return parse_rows(_layout(*tables), source="ke_hoach.docx", areas=areas)


def _plan(name: str, table: int | None = None) -> list[ParsedRow]:
    layout = find_task_table(read_tables(FIXTURES / name), CONFIG, table=table)
    return parse_rows(layout, source=name)


def _without_position(row: ParsedRow) -> dict[str, Any]:
    data = asdict(row)
    del data["table"], data["row"]
    return data


# -- config ------------------------------------------------------------------------------


def test_the_import_config_names_every_field() -> None:
    assert CONFIG.required == ["work", "lead"]
    labels = {name: CONFIG.fields.spec(name).label for name in FIELD_NAMES}
    assert labels["work"] == "Nhiệm vụ"
    assert labels["lead"] == "Cơ quan chủ trì"
    assert CONFIG.fields.area.fallback_aliases == ["Nội dung"]


def _config_text(**replace: str) -> str:
    text = (REPO / "config" / "import.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_a_header_name_of_two_fields_is_refused() -> None:
    text = _config_text(
        **{'aliases: ["Cơ quan phối hợp",': 'aliases: ["Chủ trì", "Cơ quan phối hợp",'}
    )
    with pytest.raises(ConfigError) as caught:
        parse_import_config(text, "import.yaml")

    (problem,) = caught.value.problems
    assert (problem.location.entry, problem.location.field) == ("fields", "coordinators")
    assert problem.location.row == text.splitlines().index("  coordinators:") + 1
    assert problem.message == "tên cột 'Chủ trì' đã thuộc trường 'lead'"


def test_an_unknown_field_and_a_bad_setting_are_refused() -> None:
    text = _config_text(**{"  note:": "  notes:", "search_rows: 6": "search_rows: 0"})
    with pytest.raises(ConfigError) as caught:
        parse_import_config(text, "import.yaml")

    where = {(p.location.entry, p.location.field) for p in caught.value.problems}
    assert where == {("fields", "notes"), ("fields", "note"), ("header", "search_rows")}


# -- header matching ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            list(SEED.PL2_HEADERS),
            {
                "ref": 0,
                "area": 1,
                "work": 2,
                "product": 3,
                "lead": 4,
                "coordinators": 5,
                "deadline": 6,
                "budget": 7,
            },
        ),
        (list(SEED.PL1_HEADERS), {"ref": 0, "work": 1, "lead": 2, "coordinators": 3, "note": 4}),
        # "Nội dung" alone is the work column ...
        (
            ["STT", "Nội dung", "Chủ trì", "Phối hợp", "Thời hạn"],
            {"ref": 0, "work": 1, "lead": 2, "coordinators": 3, "deadline": 4},
        ),
        # ... but the area column when a more specific work column is there.
        (
            ["TT", "Nội dung", "Nhiệm vụ cụ thể", "Đơn vị thực hiện"],
            {"ref": 0, "area": 1, "work": 2, "lead": 3},
        ),
        (["Nội dung CCHC", "Nội dung"], {"area": 0, "work": 1}),
        (
            [
                "Số TT",
                "Tên nhiệm vụ",
                "Đơn vị chủ trì thực hiện",
                "Đơn vị phối hợp",
                "Thời gian hoàn thành",
                "Sản phẩm đầu ra",
                "Nguồn kinh phí",
                "Người đứng đầu chịu trách nhiệm",
            ],
            {
                "ref": 0,
                "work": 1,
                "lead": 2,
                "coordinators": 3,
                "deadline": 4,
                "product": 5,
                "budget": 6,
                "person": 7,
            },
        ),
        (
            [
                "TT",
                "Nhiệm vụ, giải pháp",
                "Cơ quan\nchủ trì",
                "THỜI GIAN THỰC HIỆN",
                "Kết quả / sản phẩm",
                "Kinh phí (triệu đồng)",
            ],
            {"ref": 0, "work": 1, "lead": 2, "deadline": 3, "product": 4, "budget": 5},
        ),
        (
            [
                "STT",
                "Nội dung công việc",
                "Cơ quan thực hiện",
                "Tiến độ",
                "Kết quả",
                "Cán bộ phụ trách",
                "Ghi chú",
            ],
            {
                "ref": 0,
                "work": 1,
                "lead": 2,
                "deadline": 3,
                "product": 4,
                "person": 5,
                "note": 6,
            },
        ),
        (
            [
                "Lĩnh vực",
                "Nội dung thực hiện",
                "Chủ trì",
                "Thời hạn hoàn thành",
                "Dự trù kinh phí",
                "Người thực hiện",
                "Người phụ trách",
            ],
            {"area": 0, "work": 1, "lead": 2, "deadline": 3, "budget": 4, "person": 5},
        ),
        (["Nhiem vu", "co quan chu tri", "Sản phẩm dự kiến"], {"work": 0, "lead": 1, "product": 2}),
        # A few trailing words are tolerated, a sentence is not.
        (["TT", "Thời gian thực hiện dự kiến năm 2024"], {"ref": 0, "deadline": 1}),
        (["TT", "Thời gian thực hiện các nhiệm vụ trong năm kế hoạch 2024"], {"ref": 0}),
        (["TT", "Nhiệm vụ", "Nhiệm vụ", ""], {"ref": 0, "work": 1}),
        (["Phòng Nội vụ", "Quý I/2024", "20"], {}),
    ],
)
def test_map_columns(headers: list[str], expected: dict[str, int]) -> None:
    assert map_columns(headers, CONFIG) == expected


@pytest.mark.parametrize(
    ("cells", "numbering"),
    [
        (["(1)", "(2)", "(3)", "(4)"], True),
        (["1", "2", "3", "4", "5"], True),
        (["1", "2", "3", ""], True),
        (["(1)", "(2)", "(2)", "(3)"], True),  # a merged header column repeats its number
        (["1", "Công tác chỉ đạo", "1.1. Xây dựng"], False),
        (["3", "2", "1"], False),
        (["1", "", "", ""], False),
        (["2024", "2025", "2026"], False),
    ],
)
def test_is_numbering_row(cells: list[str], numbering: bool) -> None:
    assert is_numbering_row(cells) is numbering


# -- finding the task table --------------------------------------------------------------


def test_phu_luc_2_beats_phu_luc_1_and_its_second_part_is_appended() -> None:
    layout = find_task_table(read_tables(FIXTURES / "kien_tuong_3838.docx"), CONFIG)

    assert (layout.source, layout.table, layout.header_row) == ("kien_tuong_3838.docx", 3, 1)
    assert layout.continuations == (4,)
    assert layout.headers == SEED.PL2_HEADERS
    assert layout.header_of("work") == "Nhiệm vụ cụ thể"
    assert layout.header_of("person") == ""
    assert [(row.table, row.number) for row in layout.rows][18:20] == [(3, 20), (4, 2)]


def test_a_table_can_be_chosen_explicitly() -> None:
    layout = find_task_table(read_tables(FIXTURES / "kien_tuong_3838.docx"), CONFIG, table=2)

    assert (layout.table, layout.continuations, len(layout.rows)) == (2, (), 25)
    assert layout.columns == {"ref": 0, "work": 1, "lead": 2, "coordinators": 3, "note": 4}


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (1, "Bảng 1 của tệp kien_tuong_3838.docx không phải bảng nhiệm vụ"),
        (9, "không có bảng 9 (tệp có 4 bảng)"),
    ],
)
def test_a_chosen_table_that_is_no_task_table(table: int, said: str) -> None:
    tables = read_tables(FIXTURES / "kien_tuong_3838.docx")
    with pytest.raises(ImportFileError) as caught:
        find_task_table(tables, CONFIG, table=table)

    assert said in caught.value.message
    assert caught.value.problems[0].location == Location(file="kien_tuong_3838.docx", table=table)


def test_title_rows_above_the_header_and_the_numbering_row_below_are_skipped() -> None:
    layout = find_task_table(read_tables(FIXTURES / "kien_tuong_3838_pl2.xlsx"), CONFIG)

    assert (layout.table, layout.name, layout.header_row) == (2, "Phụ lục 2", 4)
    assert layout.rows[0].number == 6
    assert layout.rows[0].cells == list(SEED.PL2_TASKS[0].cells)


def test_a_complete_table_beats_a_wider_one_without_a_lead_column() -> None:
    wide = [["TT", "Nhiệm vụ", "Sản phẩm", "Thời hạn", "Kinh phí", "Ghi chú"], ["1", "a"]]
    narrow = [["TT", "Nhiệm vụ", "Chủ trì"], ["1", "Họp", "Văn phòng"]]

    assert _layout(wide, narrow).table == 2


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        # Word or Excel: the merged cells are filled in both rows.
        (
            ["TT", "Nhiệm vụ", "Cơ quan thực hiện", "Cơ quan thực hiện", "Thời hạn"],
            ["TT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn"],
        ),
        # CSV: a merged cell is written once.
        (
            ["TT", "Nhiệm vụ", "Cơ quan thực hiện", "", "Thời hạn"],
            ["", "", "Chủ trì", "Phối hợp", ""],
        ),
    ],
)
def test_a_header_on_two_rows(upper: list[str], lower: list[str]) -> None:
    layout = _layout([upper, lower, ["1", "Họp giao ban", "Văn phòng", "Các phòng", "Quý I/2024"]])

    assert layout.header_row == 2
    assert layout.columns == {"ref": 0, "work": 1, "lead": 2, "coordinators": 3, "deadline": 4}
    assert [row.number for row in layout.rows] == [3]


def test_a_headerless_table_of_the_same_width_continues_the_task_table() -> None:
    header = ["TT", "Nhiệm vụ", "Chủ trì", "Thời hạn"]
    first = [header, ["1", "Việc một", "Văn phòng", "Quý I/2024"]]
    second = [["2", "Việc hai", "Phòng Nội vụ", "Quý II/2024"]]
    narrower = [["3", "Việc ba", "Phòng Tư pháp"]]  # lead still inside: a page without deadline
    other = [["Họ và tên", "Chức vụ"], ["Nguyễn Văn A", "Trưởng phòng"]]

    layout = _layout(first, second, narrower, other)

    assert layout.continuations == (2, 3)
    assert [(row.table, row.cells) for row in layout.rows] == [
        (1, ["1", "Việc một", "Văn phòng", "Quý I/2024"]),
        (2, ["2", "Việc hai", "Phòng Nội vụ", "Quý II/2024"]),
        (3, ["3", "Việc ba", "Phòng Tư pháp", ""]),
    ]


def test_a_table_with_another_header_does_not_continue_the_task_table() -> None:
    tasks = [["TT", "Nhiệm vụ", "Chủ trì"], ["1", "Việc một", "Văn phòng"]]
    targets = [["STT", "Chỉ tiêu", "Chủ trì", "Ghi chú"], ["1", "95%", "Văn phòng", ""]]
    too_narrow = [["1", "Việc"]]

    assert _layout(tasks, targets).continuations == ()
    assert _layout(tasks, too_narrow).continuations == ()


def test_no_task_table_lists_the_tables_seen_and_the_headers_expected() -> None:
    tables = read_tables(FIXTURES / "no_task_table.docx")
    with pytest.raises(ImportFileError) as caught:
        find_task_table(tables, CONFIG)

    error = caught.value
    assert error.message.startswith(
        "Không tìm thấy bảng nhiệm vụ trong tệp no_task_table.docx: đã xem 1 bảng"
    )
    assert "'Nhiệm vụ' (tên cột được chấp nhận: Nhiệm vụ, Nhiệm vụ cụ thể, Nội dung," in str(error)
    assert "'Cơ quan chủ trì' (tên cột được chấp nhận: Cơ quan chủ trì, Chủ trì," in str(error)
    (problem,) = error.problems
    assert problem.location == Location(file="no_task_table.docx", table=1)
    assert problem.message == "dòng đầu 1: Họ và tên | Chức vụ | Điện thoại"


def test_no_table_at_all() -> None:
    with pytest.raises(ImportFileError) as caught:
        find_task_table([], CONFIG, source="trong.docx")

    assert caught.value.message.startswith(
        "Không tìm thấy bảng nhiệm vụ trong tệp trong.docx: tệp không có bảng nào"
    )


def test_a_missing_required_column_is_named_with_its_accepted_names() -> None:
    tables = read_tables(FIXTURES / "missing_lead_column.xlsx")
    with pytest.raises(ImportFileError) as caught:
        find_task_table(tables, CONFIG)

    error = caught.value
    assert error.message == (
        "Bảng nhiệm vụ 'Phụ lục' (bảng 1) của tệp missing_lead_column.xlsx thiếu cột bắt buộc "
        "'Cơ quan chủ trì' ở dòng tiêu đề 2"
    )
    (problem,) = error.problems
    assert problem.location == Location(file="missing_lead_column.xlsx", table=1, row=2)
    assert problem.message.startswith(
        "thiếu cột 'Cơ quan chủ trì' (tên cột được chấp nhận: Cơ quan chủ trì, Chủ trì, "
        "Đơn vị chủ trì, Đơn vị thực hiện,"
    )


def test_every_missing_required_column_is_named() -> None:
    config = CONFIG.model_copy(update={"required": ["work", "lead", "deadline"]})
    with pytest.raises(ImportFileError) as caught:
        find_task_table([_table([["TT", "Nhiệm vụ", "Ghi chú"]])], config)

    assert [p.message.split(" (")[0] for p in caught.value.problems] == [
        "thiếu cột 'Cơ quan chủ trì'",
        "thiếu cột 'Thời gian thực hiện'",
    ]


# -- the seed plan, end to end -----------------------------------------------------------


@pytest.mark.parametrize("name", PLAN_FILES)
def test_the_seed_plan_gives_its_30_tasks(name: str) -> None:
    rows = _plan(name)

    assert [row.ref for row in rows] == list(SEED.PL2_REFS)
    areas = [AREAS.resolve(row.area_text) for row in rows]
    assert None not in areas
    assert len(set(areas)) == 7
    for row, task in zip(rows, SEED.PL2_TASKS, strict=True):
        assert (row.group, row.area_text, row.work) == (task.area, task.area, task.work_text)
        assert (row.product, row.lead, row.coordinators) == (
            task.product,
            task.lead,
            task.coordinators,
        )
        assert (row.deadline, row.budget, row.person, row.note) == (
            task.deadline,
            task.budget,
            "",
            "",
        )
        assert row.raw == dict(zip(SEED.PL2_HEADERS, task.cells, strict=True))


def test_the_three_formats_give_the_same_rows() -> None:
    docx, xlsx, csv = ([_without_position(row) for row in _plan(name)] for name in PLAN_FILES)

    assert docx == xlsx == csv


@pytest.mark.parametrize(
    ("name", "positions"),
    [
        ("kien_tuong_3838.docx", [(3, 2), (3, 3), (3, 20), (4, 2), (4, 12)]),
        ("kien_tuong_3838_pl2.xlsx", [(2, 6), (2, 7), (2, 24), (2, 25), (2, 35)]),
        ("kien_tuong_3838_pl2.csv", [(1, 2), (1, 6), (1, 33), (1, 34), (1, 48)]),
    ],
)
def test_rows_know_where_they_come_from(name: str, positions: list[tuple[int, int]]) -> None:
    rows = _plan(name)

    assert [(rows[i].table, rows[i].row) for i in (0, 1, 18, 19, 29)] == positions


def test_phu_luc_1_with_its_section_rows() -> None:
    rows = _plan("kien_tuong_3838.docx", table=2)

    assert [row.ref for row in rows] == [str(n) for n in range(1, 20)]
    expected = [(label, row) for label, section in SEED.PL1_SECTIONS for row in section]
    for parsed, (label, seed_row) in zip(rows, expected, strict=True):
        assert (parsed.group, parsed.work, parsed.lead) == (label, seed_row.work, seed_row.lead)
        assert parsed.coordinators == seed_row.coordinators
        assert parsed.area_text == label.split(". ", 1)[1]
    assert len({AREAS.resolve(row.area_text) for row in rows}) == 6


# -- rows of built tables ----------------------------------------------------------------

HEADER = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]


def _summary(rows: list[ParsedRow]) -> list[tuple[str, str, str, str]]:
    return [(row.ref, row.group, row.area_text, row.work) for row in rows]


@pytest.mark.parametrize(
    "section",
    [
        ["I. Cải cách thể chế"] * 4,  # merged across the row
        ["I. Cải cách thể chế", "", "", ""],  # alone in the number column (PDF copy)
        ["", "I. Cải cách thể chế", "", ""],  # alone in the work column, numbered as a section
    ],
)
def test_a_section_row_sets_the_group_of_the_tasks_below(section: list[str]) -> None:
    rows = _parse(
        [HEADER, section, ["1", "Rà soát văn bản", "Phòng Tư pháp", "Quý I/2024"]],
    )

    assert _summary(rows) == [("1", "I. Cải cách thể chế", "Cải cách thể chế", "Rà soát văn bản")]


def test_a_numbered_section_row_with_the_label_in_the_area_column() -> None:
    header = ["TT", "Nội dung CCHC", "Nhiệm vụ", "Chủ trì"]
    rows = _parse(
        [
            header,
            ["1", "Công tác chỉ đạo, điều hành CCHC", "", ""],
            ["", "", "1.1. Xây dựng kế hoạch", "Phòng Nội vụ"],
            ["2", "Cải cách thể chế", "", ""],
            ["", "", "2.1. Theo dõi thi hành pháp luật", "Phòng Tư pháp"],
        ]
    )

    assert _summary(rows) == [
        (
            "1.1",
            "1 Công tác chỉ đạo, điều hành CCHC",
            "Công tác chỉ đạo, điều hành CCHC",
            "Xây dựng kế hoạch",
        ),
        ("2.1", "2 Cải cách thể chế", "Cải cách thể chế", "Theo dõi thi hành pháp luật"),
    ]


def test_a_known_area_alone_in_the_work_column_is_a_section_only_when_areas_are_known() -> None:
    table = [HEADER, ["1", "Cải cách TTHC", "", ""], ["", "1.1. Rà soát TTHC", "Văn phòng", ""]]

    with_areas = _parse(table, areas=AREAS)
    without = _parse(table)

    assert _summary(with_areas) == [("1.1", "1 Cải cách TTHC", "Cải cách TTHC", "Rà soát TTHC")]
    assert _summary(without) == [
        ("1", "", "", "Cải cách TTHC"),
        ("1.1", "", "", "Rà soát TTHC"),
    ]


def test_an_area_written_once_is_carried_down_until_the_next_section() -> None:
    header = ["TT", "Nội dung CCHC", "Nhiệm vụ cụ thể", "Cơ quan chủ trì"]
    rows = _parse(
        [
            header,
            ["1", "Cải cách thể chế", "1.1. Việc một", "Phòng Tư pháp"],
            ["", "", "1.2. Việc hai", "Phòng Tư pháp"],
            ["2", "Cải cách TTHC", "2.1. Việc ba", "Văn phòng"],
            ["", "", "2.2. Việc bốn", "Văn phòng"],
            ["III. Cải cách công vụ"] * 4,
            ["", "", "3.1. Việc năm", "Phòng Nội vụ"],
        ]
    )

    assert [(row.ref, row.group, row.area_text) for row in rows] == [
        ("1.1", "Cải cách thể chế", "Cải cách thể chế"),
        ("1.2", "Cải cách thể chế", "Cải cách thể chế"),
        ("2.1", "Cải cách TTHC", "Cải cách TTHC"),
        ("2.2", "Cải cách TTHC", "Cải cách TTHC"),
        ("3.1", "III. Cải cách công vụ", "Cải cách công vụ"),
    ]


@pytest.mark.parametrize(
    ("work", "ref", "rest"),
    [
        ("1.1. Xây dựng kế hoạch", "1.1", "Xây dựng kế hoạch"),
        ("1.5 Xây dựng Mô hình mới", "1.5", "Xây dựng Mô hình mới"),
        ("1.10. Xây dựng", "1.10", "Xây dựng"),
        ("2.3.Tự kiểm tra", "2.3", "Tự kiểm tra"),
        ("1.2.3. Mục con", "1.2.3", "Mục con"),
        ("3. Rà soát", "3", "Rà soát"),
        ("4) Rà soát", "4", "Rà soát"),
        ("100% hồ sơ được số hóa", "", "100% hồ sơ được số hóa"),
        ("95% TTHC nội bộ", "", "95% TTHC nội bộ"),
        ("2.000 hồ sơ được số hóa", "", "2.000 hồ sơ được số hóa"),
        ("2024 là năm chuyển đổi số", "", "2024 là năm chuyển đổi số"),
        ("1.1.", "", "1.1."),
        ("Xây dựng kế hoạch 1.1", "", "Xây dựng kế hoạch 1.1"),
    ],
)
def test_split_work_ref(work: str, ref: str, rest: str) -> None:
    assert split_work_ref(work) == (ref, rest)


def test_the_ref_column_is_used_when_the_work_has_no_number() -> None:
    rows = _parse([HEADER, ["3.", "Họp giao ban", "Văn phòng", ""], ["", "Tổng kết", "VP", ""]])

    assert [(row.ref, row.work) for row in rows] == [("3", "Họp giao ban"), ("", "Tổng kết")]


def test_empty_numbering_header_and_totals_rows_are_skipped() -> None:
    rows = _parse(
        [
            HEADER,
            ["(1)", "(2)", "(3)", "(4)"],
            ["1", "Tổng kết công tác CCHC năm 2023", "Phòng Nội vụ", "Quý I/2024"],
            ["", "", "", ""],
            HEADER,  # the header again, as a PDF copy repeats it on each page
            ["1", "2", "3", "4"],
            ["2", "Xây dựng kế hoạch", "Phòng Nội vụ", "Quý IV/2024"],
            ["Tổng cộng: 02 nhiệm vụ./."] * 4,
            ["Cộng", "", "", ""],
        ]
    )

    assert [(row.ref, row.work, row.row) for row in rows] == [
        ("1", "Tổng kết công tác CCHC năm 2023", 3),
        ("2", "Xây dựng kế hoạch", 7),
    ]


def test_rows_without_work_are_all_reported_at_once() -> None:
    path = FIXTURES / "missing_work_cell.csv"
    layout = find_task_table(read_tables(path), CONFIG)
    with pytest.raises(ImportFileError) as caught:
        parse_rows(layout, source=path.name)

    error = caught.value
    assert error.message == (
        "Không nhập được tệp missing_work_cell.csv: 2 dòng của bảng nhiệm vụ có nội dung "
        "nhưng thiếu nội dung nhiệm vụ"
    )
    assert [p.location for p in error.problems] == [
        Location(file="missing_work_cell.csv", table=1, row=6, column="Nhiệm vụ cụ thể"),
        Location(file="missing_work_cell.csv", table=1, row=8, column="Nhiệm vụ cụ thể"),
    ]
    assert error.problems[0].message.startswith("thiếu nội dung nhiệm vụ (dòng chỉ có: TT '1',")
    assert "Cơ quan chủ trì 'Phòng Nội vụ', Thời gian thực hiện 'Quý IV/2024'" in str(error)
    assert error.problems[1].message == (
        "thiếu nội dung nhiệm vụ (dòng chỉ có: Cơ quan phối hợp 'thị xã, UBND các xã phường')"
    )


@pytest.mark.parametrize(
    "row",
    [
        ["", "", "Phòng Nội vụ", ""],  # a lead alone
        ["", "", "", "Quý I/2024"],  # a deadline alone
        ["7", "", "", ""],  # a number alone
    ],
)
def test_a_row_with_content_but_no_work_is_an_error(row: list[str]) -> None:
    with pytest.raises(ImportFileError) as caught:
        _parse([HEADER, ["1", "Việc một", "Văn phòng", ""], row])

    (problem,) = caught.value.problems
    assert problem.location == Location(file="ke_hoach.docx", table=1, row=3, column="Nhiệm vụ")


def test_html_copied_with_the_text_does_not_reach_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "copied.csv"
    product = '<ul style=""list-style-type: none""> - Kế hoạch kiểm tra CCHC - Báo cáo kết quả</ul>'
    path.write_text(
        "TT,Nhiệm vụ cụ thể,Sản phẩm,Cơ quan chủ trì\n"
        f'1,"1.1. Xây dựng Kế hoạch kiểm tra (<i>trừ hồ sơ mật</i>)","{product}",Phòng Nội vụ\n',
        encoding="utf-8",
    )

    (row,) = _plan_at(path)

    assert row.work == "Xây dựng Kế hoạch kiểm tra (trừ hồ sơ mật)"
    assert row.product == "- Kế hoạch kiểm tra CCHC - Báo cáo kết quả"
    assert all("<" not in text for text in row.raw.values())


def _plan_at(path: Path) -> list[ParsedRow]:
    layout = find_task_table(read_tables(path), CONFIG)
    return parse_rows(layout, source=path.name)
