"""The command line's own words are Vietnamese: help headings, usage lines, type names and
the errors of reading a command line, run as a user runs ``sauro`` (a subprocess, in a
shell whose language is English), with Rich and without."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sauro_support import CONFIG

from engine.cli.wording import LOCALE

SAURO = Path(sys.executable).parent / "sauro"
ENGLISH = re.compile(
    r"Usage|Options|Arguments|Commands|required\]|default:|Show this message|Invalid value|"
    r"Missing (option|argument|command)|No such (option|command)|\bError\b|\bTry\b|for help|"
    r"Possible options|Did you mean|unexpected extra|requires an argument|does not take|"
    r"Input should|<str>|<int|<bool>|<path>|\bFILE\b|\bPHRASE\b|Aborted"
)
CASES = {
    "help": (("--help",), 0, ["Cách dùng: sauro [TÙY CHỌN] LỆNH [ĐỐI SỐ]...", "Tùy chọn", "Lệnh"]),
    "remind-help": (
        ("remind", "--help"),
        0,
        ["Cách dùng: sauro remind [TÙY CHỌN]", "--org", "<văn bản>", "Hiện hướng dẫn này"],
    ),
    "import-help": (("import", "--help"), 0, ["Đối số", "TỆP", "<đường dẫn>", "[bắt buộc]"]),
    "serve-help": (("serve", "--help"), 0, ["mặc định: 8000", "<số nguyên>"]),
    "missing-option": (
        ("unit-report", "export"),
        2,
        ["Cách dùng: sauro unit-report export", "Lỗi", "Thiếu tùy chọn '--org'."],
    ),
    "missing-argument": (("import",), 2, ["Thiếu đối số 'TỆP'."]),
    "unknown-option": (
        ("remind", "--bogus"),
        2,
        ["Xem 'sauro remind --help' để biết cách dùng.", "Không có tùy chọn --bogus"],
    ),
    "unknown-command": (("tsk",), 2, ["Không có lệnh 'tsk'. Có phải: task?"]),
    "unknown-subcommand": (("task", "shw"), 2, ["Không có lệnh 'shw'. Có phải: show?"]),
    "bad-number": (
        ("serve", "--port", "cổng"),
        2,
        ["Giá trị của '--port' không hợp lệ: cần một số nguyên, đang là «cổng»"],
    ),
    "out-of-range": (("serve", "--port", "0"), 2, ["'--port' không hợp lệ: cần từ 1 trở lên"]),
    "bad-choice": (("user", "add", "an", "--role", "vua"), 2, ["Vai trò 'vua' không có"]),
    "no-value": (("remind", "--at"), 2, ["Tùy chọn --at cần một giá trị."]),
    "flag-value": (("remind", "--dry-run=có"), 2, ["Tùy chọn --dry-run không nhận giá trị."]),
    "extra-argument": (("remind", "thừa"), 2, ["Thừa đối số: thừa"]),
    "bad-at": (("remind", "--at", "sáng mai"), 2, ["Thời điểm 'sáng mai' không hợp lệ", "--at"]),
}


def _run(argv: tuple[str, ...], cwd: Path, *, rich: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAURO_", "LANG", "LC_"))}
    env.update(
        LANG="en_US.UTF-8",
        COLUMNS="200",
        TYPER_USE_RICH="1" if rich else "0",
        SAURO_CONFIG_DIR=str(CONFIG),
        SAURO_DATABASE_URL=f"sqlite:///{cwd / 'sauro.db'}",
    )
    return subprocess.run(
        [str(SAURO), *argv], check=False, capture_output=True, text=True, env=env, cwd=cwd,
        timeout=60,
    )  # fmt: skip


PLAIN = ("remind-help", "import-help", "missing-option", "unknown-option", "flag-value")


@pytest.mark.parametrize(
    ("case", "rich"),
    [*((c, True) for c in CASES), *((c, False) for c in PLAIN)],
    ids=[*CASES, *(f"{c}-plain" for c in PLAIN)],
)
def test_the_command_line_speaks_vietnamese(case: str, rich: bool, tmp_path: Path) -> None:
    argv, code, expected = CASES[case]

    result = _run(argv, tmp_path, rich=rich)
    shown = result.stdout + result.stderr

    assert result.returncode == code, shown
    assert ENGLISH.search(shown) is None, shown
    flat = " ".join(shown.split())
    for words in expected:
        assert words in flat, shown


def test_the_catalogue_is_compiled_from_its_source(tmp_path: Path) -> None:
    folder = LOCALE / "vi" / "LC_MESSAGES"
    compiled = tmp_path / "sauro.mo"

    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(folder / "sauro.po")], check=True)

    assert compiled.read_bytes() == (folder / "sauro.mo").read_bytes()
