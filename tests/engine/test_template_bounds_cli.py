"""``sauro config check`` and ``save`` refuse a template that would exhaust the machine
(issue 14), at its line and within seconds, writing nothing."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sauro_support import CONFIG, Sauro

NESTED = "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("{{ 'x'|center(10**9) }}", "quá lớn"),
        (NESTED, "bước"),
        ("{{ '%0999999999d' % 1 }}", "quá lớn"),
    ],
)
def test_config_check_refuses_an_exhausting_template_at_its_line(
    sauro: Sauro, tmp_path: Path, extra: str, said: str
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    good = (folder / "templates" / "digest.txt").read_text("utf-8")
    candidate = tmp_path / "digest.txt"
    candidate.write_text(good.rstrip("\n") + "\n" + extra + "\n", "utf-8")
    line = len(good.rstrip("\n").splitlines()) + 1
    editor = Sauro(sauro.url, folder, sauro.runner)
    started = time.monotonic()

    checked = editor("config", "check", "templates/digest.txt", candidate)
    saved = editor("config", "save", "templates/digest.txt", candidate)

    assert time.monotonic() - started < 15
    assert checked.exit_code == 2 and saved.exit_code == 2
    assert f"templates/digest.txt, dòng {line}" in checked.stderr and said in checked.stderr
    assert (folder / "templates" / "digest.txt").read_text("utf-8") == good
