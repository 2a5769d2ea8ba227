"""A wrong ``--at`` or ``--date`` is refused while the command line is read: the located
Vietnamese error (option, value, expected form), exit code 2, before any command opens the
database (here one that does not exist yet, and is not created)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sauro_support import CONFIG
from typer.testing import CliRunner

from engine.cli import app

AT = "Thời điểm '{value}' không hợp lệ\n  - --at: cần dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM"
DAY = "Ngày '{value}' không hợp lệ\n  - {option}: cần một ngày có thật, dạng YYYY-MM-DD"
ZONED = (
    "Thời điểm '{value}' không hợp lệ\n"
    "  - --at: cần ngày giờ ISO 8601 kèm múi giờ, vd. 2026-11-23T07:00:00+07:00"
)
PERIOD = ("--org", "xuan-duong", "--period", "2026-Q1")
CASES = [
    (("remind", "--at", "7 giờ sáng"), AT),
    (("rules", "preview", "--at", "2026-13-01"), AT),
    (("reporting", "run", "--at", "hôm nay"), AT),
    (("report", *PERIOD, "--at", "2026-02-30T07:00"), AT),
    (("report", *PERIOD, "--step", "issue", "--date", "2026-02-30"), DAY),
    (("task", "show", "1.1", "--at", "x"), AT),
    (("task", "done", "1.1", "--result", "r", "--on", "30/6/2026"), DAY),
    (("task", "extend", "1.1", "--new-date", "mai", "--reason", "r"), DAY),
    (("unit-report", "submit", "bieu.xlsx", "--at", "sáng nay"), AT),
    (("serve", "--once", "--at", "2026-11-23T07:00"), ZONED),
]


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_a_wrong_instant_or_day_is_refused_first(
    argv: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    database = tmp_path / "chua-co.db"
    option = next(a for a in argv if a in ("--at", "--date", "--on", "--new-date"))
    value = argv[argv.index(option) + 1]
    env = {"SAURO_DATABASE_URL": f"sqlite:///{database}", "SAURO_CONFIG_DIR": str(CONFIG)}

    result = CliRunner().invoke(app, list(argv), env=env)

    assert result.exit_code == 2, result.output
    assert result.output == "Lỗi: " + expected.format(value=value, option=option) + "\n"
    assert not database.exists()
