"""``sauro serve`` as a real process: the web app answers on the chosen port, with the
embedded scheduler by default and without it under ``--no-scheduler``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from web_support import CONFIG, REPO

_SMTP_SUPPORT = REPO / "tests" / "notifications"
if str(_SMTP_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SMTP_SUPPORT))

from smtp_support import free_port  # noqa: E402

SAURO = Path(sys.executable).parent / "sauro"


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            time.sleep(0.2)
    process.kill()
    output = process.communicate()[0]
    raise AssertionError(f"{url} did not answer; output:\n{output}")


@pytest.mark.parametrize("scheduler", [True, False], ids=["with scheduler", "no scheduler"])
def test_serve_runs_the_web_app(sqlite_template: Path, tmp_path: Path, scheduler: bool) -> None:
    database = tmp_path / "sauro.db"
    shutil.copy(sqlite_template, database)
    port = free_port()
    env = {
        **os.environ,
        "SAURO_DATABASE_URL": f"sqlite:///{database}",
        "SAURO_CONFIG_DIR": str(CONFIG),
        "PYTHONUNBUFFERED": "1",
    }
    args = [str(SAURO), "serve", "--port", str(port), *([] if scheduler else ["--no-scheduler"])]
    process = subprocess.Popen(
        args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/login", process)
        assert "Đăng nhập" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
            assert answer.headers["X-Frame-Options"] == "DENY"
            assert answer.headers["Cache-Control"] == "no-store"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert f"Ứng dụng web: http://127.0.0.1:{port}/" in output
    assert ("Lịch nhắc việc: 07:00 mỗi ngày làm việc" in output) is scheduler
    assert "Đã dừng." in output
