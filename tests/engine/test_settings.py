"""A wrong ``SAURO_*`` variable is refused before any command starts: a Vietnamese error
naming the variable, what it holds and what it needs, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.configs.settings import Settings, read_settings

SAURO = Path(sys.executable).parent / "sauro"
COMMANDS = (
    ("deadline", "Quý II/2024"),
    ("remind", "--dry-run"),
    ("report", "--period", "2026-Q1"),
    ("serve",),
    ("task", "show", "1"),
)
CASES = {
    "sender": (
        {"SAURO_SMTP_HOST": "mail.example.vn"},
        "SAURO_SMTP_SENDER: cần địa chỉ người gửi khi đã đặt SAURO_SMTP_HOST",
    ),
    "port": (
        {"SAURO_SMTP_PORT": "hai lăm"},
        "SAURO_SMTP_PORT: cần một số nguyên, đang là «hai lăm»",
    ),
    "port-range": ({"SAURO_SMTP_PORT": "70000"}, "SAURO_SMTP_PORT: cần không quá 65535"),
    "tls": (
        {"SAURO_SMTP_SECURITY": "ssl"},
        "SAURO_SMTP_SECURITY: cần một trong 'starttls', 'tls' hoặc 'none', đang là «ssl»",
    ),
    "boolean": (
        {"SAURO_SMTP_VALIDATE_CERTS": "có"},
        "SAURO_SMTP_VALIDATE_CERTS: cần true hoặc false",
    ),
    "cookie": ({"SAURO_COOKIE_SECURE": "maybe"}, "SAURO_COOKIE_SECURE: cần true hoặc false"),
    "literal": (
        {"SAURO_API_DOCS": "all"},
        "SAURO_API_DOCS: cần một trong 'public', 'login' hoặc 'off', đang là «all»",
    ),
    "int": ({"SAURO_SESSION_HOURS": "0"}, "SAURO_SESSION_HOURS: cần từ 1 trở lên, đang là «0»"),
    "float": ({"SAURO_SMTP_TIMEOUT": "nhanh"}, "SAURO_SMTP_TIMEOUT: cần một số, đang là «nhanh»"),
    "zalo": ({"SAURO_ZALO_ENABLED": "true"}, "SAURO_ZALO_ENABLED: cần đặt SAURO_ZALO_APP_ID"),
    "zalo-bool": ({"SAURO_ZALO_ENABLED": "bật"}, "SAURO_ZALO_ENABLED: cần true hoặc false"),
}


def _run(
    argv: tuple[str, ...], extra: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAURO_")}
    env.update(extra, SAURO_DATABASE_URL=f"sqlite:///{cwd / 'none.db'}")
    return subprocess.run(
        [str(SAURO), *argv],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def _refused(argv: tuple[str, ...], case: str, cwd: Path) -> None:
    extra, expected = CASES[case]

    result = _run(argv, extra, cwd)

    assert result.returncode == 2, result.stderr
    assert "Lỗi: Biến môi trường SAURO_* không hợp lệ" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert "Input should" not in result.stderr
    assert not (cwd / "none.db").exists()


@pytest.mark.parametrize("argv", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_refuses_smtp_without_a_sender(argv: tuple[str, ...], tmp_path: Path) -> None:
    _refused(argv, "sender", tmp_path)


@pytest.mark.parametrize("case", list(CASES))
def test_each_wrong_variable_is_named(case: str, tmp_path: Path) -> None:
    _refused(COMMANDS[0], case, tmp_path)


def test_good_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAURO_SESSION_HOURS", "8")

    assert read_settings(Settings).session_hours == 8
