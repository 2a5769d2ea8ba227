"""``sauro deadline``: plain and JSON output, the plan year, phrases from standard input."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from engine.cli import app

runner = CliRunner()


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_plain_output_is_one_readable_line_per_phrase() -> None:
    result = runner.invoke(app, ["deadline", "Quý II, III/2024", "Trước ngày 5/12/2024"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("«Quý II, III/2024» → quý")
    assert "hạn 30/09/2024" in lines[0]
    assert "các mốc 30/06/2024, 30/09/2024" in lines[0]
    assert "Quý II/2024 → hết ngày 30/06/2024" in lines[0]
    assert "hạn 04/12/2024" in lines[1]
    assert "ngày liền trước" in lines[1]


def test_plain_output_flags_what_does_not_resolve() -> None:
    result = runner.invoke(app, ["deadline", "Trong năm (theo phân kỳ)"])
    assert result.exit_code == 0
    assert "thường xuyên" in result.output
    assert "CHƯA RÕ THỜI GIAN" in result.output
    assert "«Trong năm (theo phân kỳ)»" in result.output


def test_plain_output_shows_recurrence_and_condition() -> None:
    result = runner.invoke(
        app,
        [
            "deadline",
            "--year",
            "2024",
            "Tháng 12 hằng năm",
            "Năm 2024 (khi có hướng dẫn của Tỉnh).",
        ],
    )
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert "định kỳ, tháng 12 hằng năm" in first
    assert "hạn 31/12/2024" in first
    assert "điều kiện: khi có hướng dẫn của Tỉnh" in second


def test_json_output_is_one_object_per_phrase() -> None:
    result = runner.invoke(app, ["deadline", "--json", "Quý II/2024", "Sau khi tính công bố"])
    assert result.exit_code == 0, result.output
    first, second = _json_lines(result.output)
    for data in (first, second):
        assert {"phrase", "kind", "due", "resolved", "reason"} <= data.keys()
    assert (first["phrase"], first["kind"], first["due"], first["resolved"]) == (
        "Quý II/2024",
        "quarter",
        "2024-06-30",
        True,
    )
    assert (second["kind"], second["due"], second["resolved"]) == ("conditional", None, False)
    assert "«Sau khi tính công bố»" in second["reason"]


def test_json_keeps_vietnamese_letters() -> None:
    result = runner.invoke(app, ["deadline", "--json", "Quý II/2024"])
    assert "Quý II/2024 → hết ngày 30/06/2024" in result.output


def test_year_fills_a_cell_without_one() -> None:
    without = _json_lines(runner.invoke(app, ["deadline", "--json", "Tháng 12"]).output)[0]
    assert (without["kind"], without["due"], without["resolved"]) == ("month", None, False)
    with_year = runner.invoke(app, ["deadline", "--json", "--year", "2025", "Tháng 12"])
    data = _json_lines(with_year.output)[0]
    assert (data["due"], data["resolved"], data["year_assumed"]) == ("2025-12-31", True, True)


def test_dash_reads_one_phrase_per_line_from_stdin() -> None:
    cells = "Quý I/2024\n\n   \n- Quý I/2023 - Trước ngày 5/12/2024\nThường xuyên\n"
    result = runner.invoke(app, ["deadline", "--json", "--year", "2024", "-"], input=cells)
    assert result.exit_code == 0, result.output
    readings = _json_lines(result.output)
    assert [r["kind"] for r in readings] == ["quarter", "multiple", "continuous"]
    assert readings[1]["due"] == "2024-12-04"
    assert readings[1]["milestones"] == [
        {"due": "2023-03-31", "text": "Quý I/2023"},
        {"due": "2024-12-04", "text": "Trước ngày 5/12/2024"},
    ]


def test_dash_mixes_with_phrases_in_order() -> None:
    result = runner.invoke(app, ["deadline", "--json", "2025", "-", "2026"], input="2024\n")
    assert [r["due"] for r in _json_lines(result.output)] == [
        "2025-12-31",
        "2024-12-31",
        "2026-12-31",
    ]


def test_help_is_vietnamese() -> None:
    result = runner.invoke(app, ["deadline", "--help"])
    assert result.exit_code == 0
    assert "Đọc ô thời hạn" in result.output
    assert "Năm của kế hoạch" in result.output
    assert "JSON" in result.output


def test_a_phrase_is_required() -> None:
    result = runner.invoke(app, ["deadline"])
    assert result.exit_code != 0
