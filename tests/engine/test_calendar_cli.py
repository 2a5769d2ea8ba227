"""``sauro calendar``: the year's weekdays off and make-up days, plain and JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from freezegun import freeze_time
from typer.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

LAW = " (theo Bộ luật Lao động 2019, Điều 112)"
GOVERNMENT = " (theo quyết định của Chính phủ)"
CONFIG = " (theo calendar.yaml)"
EXPECTED_2026 = [
    "Năm 2026: 249 ngày làm việc; 13 ngày nghỉ rơi vào ngày thường; 1 ngày làm bù.",
    "Thứ Năm 01/01/2026 — nghỉ: Tết Dương lịch" + LAW,
    "Thứ Hai 16/02/2026 — nghỉ: Tết Nguyên đán" + LAW,
    "Thứ Ba 17/02/2026 — nghỉ: Tết Nguyên đán" + LAW,
    "Thứ Tư 18/02/2026 — nghỉ: Tết Nguyên đán" + LAW,
    "Thứ Năm 19/02/2026 — nghỉ: Tết Nguyên đán" + LAW,
    "Thứ Sáu 20/02/2026 — nghỉ: Tết Nguyên đán" + LAW,
    "Thứ Hai 27/04/2026 — nghỉ: Giỗ Tổ Hùng Vương (nghỉ bù)" + LAW,
    "Thứ Năm 30/04/2026 — nghỉ: Ngày Giải phóng miền Nam" + LAW,
    "Thứ Sáu 01/05/2026 — nghỉ: Ngày Quốc tế Lao động" + LAW,
    "Thứ Bảy 22/08/2026 — làm bù: Hoán đổi với ngày nghỉ Thứ Hai 31/08/2026" + GOVERNMENT,
    "Thứ Hai 31/08/2026 — nghỉ: Ngày nghỉ hoán đổi (làm bù Thứ Bảy 22/08/2026)" + GOVERNMENT,
    "Thứ Ba 01/09/2026 — nghỉ: Quốc khánh" + LAW,
    "Thứ Tư 02/09/2026 — nghỉ: Quốc khánh" + LAW,
    # In holidays 0.109 from 2026; not (yet) in the Labour Code.
    "Thứ Ba 24/11/2026 — nghỉ: Ngày Văn hóa Việt Nam" + GOVERNMENT,
]


def _config_dir(tmp_path: Path, calendar_text: str | None) -> dict[str, str]:
    """An environment pointing at a config folder holding only the given calendar.yaml."""
    folder = tmp_path / "config"
    folder.mkdir()
    if calendar_text is not None:
        (folder / "calendar.yaml").write_text(calendar_text, encoding="utf-8")
    return {"SAURO_CONFIG_DIR": str(folder)}


def _shipped_config(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "shipped"
    folder.mkdir()
    shutil.copy(REPO / "config" / "calendar.yaml", folder / "calendar.yaml")
    return {"SAURO_CONFIG_DIR": str(folder)}


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_plain_listing_for_2026(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calendar", "--year", "2026"], env=_shipped_config(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == EXPECTED_2026


def test_json_listing_for_2026(tmp_path: Path) -> None:
    env = _shipped_config(tmp_path)
    result = runner.invoke(app, ["calendar", "--year", "2026", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = _json_lines(result.stdout)
    assert len(rows) == 14
    assert rows[0] == {
        "date": "2026-01-01",
        "weekday": "Thứ Năm",
        "working": False,
        "name": "Tết Dương lịch",
        "source": "law",
    }
    assert rows[9] == {
        "date": "2026-08-22",
        "weekday": "Thứ Bảy",
        "working": True,
        "name": "Hoán đổi với ngày nghỉ Thứ Hai 31/08/2026",
        "source": "government",
    }
    assert rows[-1]["name"] == "Ngày Văn hóa Việt Nam"
    assert rows[-1]["source"] == "government"
    assert [row["date"] for row in rows if row["name"] == "Tết Nguyên đán"] == [
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
    ]


def test_the_config_folder_comes_from_the_settings(tmp_path: Path) -> None:
    env = _config_dir(
        tmp_path,
        """\
version: 1
years:
  2027:
    days_off:
      - {date: 2027-02-11, name: "Nghỉ thêm sau Tết"}
    working_days:
      - {date: 2027-02-20, name: "Làm bù cho ngày 11/02/2027"}
      - {date: 2027-11-24, name: "Chưa áp dụng Ngày Văn hóa Việt Nam"}
""",
    )
    result = runner.invoke(app, ["calendar", "--year", "2027"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Thứ Năm 11/02/2027 — nghỉ: Nghỉ thêm sau Tết" + CONFIG in lines
    assert "Thứ Bảy 20/02/2027 — làm bù: Làm bù cho ngày 11/02/2027" + CONFIG in lines
    assert (
        "Thứ Tư 24/11/2027 — làm việc: Chưa áp dụng Ngày Văn hóa Việt Nam (theo calendar.yaml)"
        in lines
    )


@freeze_time("2026-12-31T18:00:00+00:00")
def test_the_default_year_is_the_current_year_in_viet_nam(tmp_path: Path) -> None:
    # 18:00 UTC on 31/12/2026 is already 01:00 on 1/1/2027 in Hà Nội.
    result = runner.invoke(app, ["calendar"], env=_shipped_config(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Năm 2027: ")


def test_an_invalid_calendar_is_reported_with_its_place(tmp_path: Path) -> None:
    env = _config_dir(
        tmp_path,
        "version: 1\nyears:\n  2026:\n    days_off:\n      - {date: 2025-05-02, name: x}\n",
    )
    result = runner.invoke(app, ["calendar", "--year", "2026"], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "calendar.yaml, dòng 5, years[2026].days_off[0].date" in result.stderr
    assert "ngày 02/05/2025 không thuộc năm 2026" in result.stderr


def test_a_missing_calendar_file_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calendar", "--year", "2026"], env=_config_dir(tmp_path, None))
    assert result.exit_code == 2
    assert "Thiếu tệp cấu hình" in result.stderr


def test_the_year_must_be_in_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calendar", "--year", "0"], env=_shipped_config(tmp_path))
    assert result.exit_code == 2


def test_help_is_in_vietnamese() -> None:
    result = runner.invoke(app, ["calendar", "--help"])
    assert result.exit_code == 0
    assert "Lịch làm việc của một năm" in result.stdout
    assert "Năm cần xem" in result.stdout
