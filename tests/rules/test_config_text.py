"""YAML loading with line numbers, and pydantic errors as located Vietnamese problems."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ConfigError
from rules.config_text import field_errors, load_yaml, validate


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    count: int = Field(ge=0)


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.end < self.start:
            raise field_errors(
                {"start": "phải nhỏ hơn end", "end": f"phải lớn hơn start ({self.start})"}
            )
        return self


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    items: list[_Item] = Field(min_length=1)
    options: dict[str, bool] = Field(default_factory=dict)
    window: _Window | None = None


GOOD = """\
version: 1
items:
  - name: a
    count: 1
  - name: b
    count: 2
options:
  fast: true
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate(_Doc, text, "demo.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_load_yaml_records_the_line_of_every_key_and_item() -> None:
    data, lines = load_yaml(GOOD, "demo.yaml")
    assert data["items"][1] == {"name": "b", "count": 2}
    assert lines[("version",)] == 1
    assert lines[("items",)] == 2
    assert lines[("items", "0")] == 3
    assert lines[("items", "1")] == 5
    assert lines[("items", "1", "count")] == 6
    assert lines[("options", "fast")] == 8


def test_validate_returns_the_model() -> None:
    doc = validate(_Doc, GOOD, "demo.yaml")
    assert [item.name for item in doc.items] == ["a", "b"]
    assert doc.options == {"fast": True}


def test_every_problem_is_listed_with_file_line_entry_and_field() -> None:
    text = """\
version: 2
items:
  - name: a
    count: x
  - count: -1
    colour: red
options:
  fast: maybe
"""
    assert _problems(text) == [
        "demo.yaml, dòng 1, version: phải là 1, nhận 2",
        "demo.yaml, dòng 4, items[0].count: phải là một số nguyên, nhận 'x'",
        "demo.yaml, dòng 5, items[1].name: thiếu trường bắt buộc",
        "demo.yaml, dòng 5, items[1].count: phải lớn hơn hoặc bằng 0, nhận -1",
        "demo.yaml, dòng 6, items[1].colour: khóa không có trong lược đồ "
        "(viết sai tên hoặc không được dùng ở đây)",
        "demo.yaml, dòng 8, options.fast: phải là true hoặc false, nhận 'maybe'",
    ]


def test_the_error_message_counts_the_problems() -> None:
    with pytest.raises(ConfigError) as caught:
        validate(_Doc, "version: 1\nitems: []\n", "demo.yaml")
    assert caught.value.message == "Tệp cấu hình demo.yaml không hợp lệ (1 lỗi)"
    assert str(caught.value.problems[0]) == (
        "demo.yaml, dòng 2, items: phải có ít nhất 1 mục, nhận []"
    )
    assert "  - demo.yaml, dòng 2, items:" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["demo.yaml, dòng 1: phải là một bảng 'khóa: giá trị', nhận giá trị rỗng"]),
        ("- a\n- b\n", ["demo.yaml, dòng 1: phải là một bảng 'khóa: giá trị', nhận ['a', 'b']"]),
        (
            "version: 1\nitems: a\n",
            [
                "demo.yaml, dòng 2, items: phải là một danh sách (mỗi mục bắt đầu bằng '- '), "
                "nhận 'a'"
            ],
        ),
        (
            "version: 1\nitems:\n  - name: [1]\n    count: 0\n",
            ["demo.yaml, dòng 3, items[0].name: phải là một chuỗi văn bản, nhận [1]"],
        ),
    ],
)
def test_wrong_shapes_are_said_in_vietnamese(text: str, expected: list[str]) -> None:
    assert _problems(text) == expected


def test_field_errors_point_inside_the_value_with_their_own_lines() -> None:
    text = "version: 1\nitems:\n  - {name: a, count: 0}\nwindow:\n  start: 5\n  end: 2\n"
    assert _problems(text) == [
        "demo.yaml, dòng 5, window.start: phải nhỏ hơn end",
        "demo.yaml, dòng 6, window.end: phải lớn hơn start (5)",
    ]


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("version: 1\nitems: [1,\n", 3, "thiếu giá trị"),
        ("version: 1\nitems: a: b\n", 2, "không được đặt 'khóa: giá trị' ở chỗ này"),
        ("version: 1\n---\nitems: []\n", 2, "chỉ được chứa một tài liệu YAML"),
        ("version: 1\nitems:\n\t- a\n", 3, "dùng phím Tab để thụt lề"),
        ('version: "\\q"\n', 1, "ký tự thoát"),
        ("version: 1\n  items: 2\n", 2, "sai cú pháp YAML"),
    ],
)
def test_yaml_syntax_errors_name_the_file_and_line(text: str, line: int, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_yaml(text, "demo.yaml")
    [problem] = caught.value.problems
    assert problem.location.file == "demo.yaml"
    assert problem.location.row == line
    assert problem.message.startswith("sai cú pháp YAML")
    assert said in problem.message
    assert caught.value.message == "Tệp cấu hình demo.yaml không đọc được"


def test_duplicated_keys_are_errors_not_silently_overwritten() -> None:
    text = "version: 1\nitems: []\nversion: 2\noptions:\n  a: true\n  a: false\n"
    with pytest.raises(ConfigError) as caught:
        load_yaml(text, "demo.yaml")
    assert [str(problem) for problem in caught.value.problems] == [
        "demo.yaml, dòng 3, version: khóa bị lặp, đã có ở dòng 1",
        "demo.yaml, dòng 6, options.a: khóa bị lặp, đã có ở dòng 5",
    ]


def test_long_received_values_are_shortened() -> None:
    [problem] = _problems("version: 1\nitems:\n  - name: a\n    count: " + "9x" * 50 + "\n")
    assert problem.endswith("…")
    assert len(problem) < 160
