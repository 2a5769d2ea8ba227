"""Hostile plan files (issue 14, item 2): every file of the corpus (``hostile_files``) is
answered by ``sauro import`` with a located Vietnamese error and exit code 2, nothing
written, or imported correctly (control characters and bidi overrides removed); the
heaviest ones within 10 s of CPU and 300 MB in a process of their own."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import CORPUS, Hostile
from sauro_support import CONFIG, Sauro, snapshot
from sqlalchemy import select
from typer.testing import CliRunner

from engine.importing import limits
from engine.store.db import make_engine
from engine.store.models import Task

# ``sauro`` run by a fresh interpreter that writes its own peak RSS (VmHWM, which starts
# afresh at exec; ru_maxrss would count the forked copy of the test process) to argv[1].
PEAK_RSS = """
import atexit, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
def peak():
    status = pathlib.Path("/proc/self/status").read_text()
    out.write_text(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
atexit.register(peak)
from engine.cli import main
sys.argv = ["sauro", *sys.argv[2:]]
main()
"""
IMPORT = ("import", "--org", "kien-tuong", "--plan-number", "9/KH-UBND")
# Heavy to parse if unbounded: each froze or exhausted the machine before the bounds.
HEAVY = ("bomb.docx", "rows.docx", "span.docx", "bomb.xlsx", "merge.xlsx", "rows.csv")
CONTROLS = tuple(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x1B, *range(0x202A, 0x202F)))


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
def test_each_hostile_file_is_refused_located_or_imported_clean(
    loaded: Sauro, tmp_path: Path, hostile: Hostile
) -> None:
    path = hostile.make(tmp_path / hostile.name)
    before = snapshot(loaded.url)

    result = loaded(*IMPORT, path)

    if hostile.refused:
        assert result.exit_code == 2, result.output
        assert f"Không đọc được tệp {hostile.name}" in result.output
        assert hostile.refused in result.output
        assert "Traceback" not in result.output
        assert snapshot(loaded.url) == before
    else:
        assert result.exit_code == 0, result.output
        works = _stored_works(loaded.url)
        assert works
        assert not any(c in work for work in works for c in ("\x00", *CONTROLS))


def _stored_works(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Task.work)).scalars())  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_a_refused_cell_is_named_with_its_table_row_and_column(
    loaded: Sauro, tmp_path: Path
) -> None:
    hostile = next(h for h in CORPUS if h.name == "cell.docx")

    result = loaded(*IMPORT, hostile.make(tmp_path / hostile.name))

    assert result.exit_code == 2
    assert "cell.docx, bảng 1, dòng 2, cột 2: ô dài 1,048,576 ký tự" in result.output
    assert f"quá giới hạn {limits.MAX_CELL_CHARS:,} ký tự của một ô" in result.output


def test_bidi_overrides_and_controls_are_removed_from_what_is_stored(
    loaded: Sauro, tmp_path: Path
) -> None:
    hostile = next(h for h in CORPUS if h.name == "controls.docx")

    loaded.ok(*IMPORT, hostile.make(tmp_path / hostile.name))

    assert _stored_works(loaded.url) == ["Rà soát thủ tục hành chính"]


@pytest.mark.parametrize("name", HEAVY)
def test_heavy_hostile_files_are_answered_within_10_s_and_300_mb(
    sqlite_template: Path, tmp_path: Path, name: str
) -> None:
    hostile = next(h for h in CORPUS if h.name == name)
    path = hostile.make(tmp_path / name)
    database = tmp_path / "sauro.db"
    database.write_bytes(sqlite_template.read_bytes())
    env = {**os.environ, "SAURO_DATABASE_URL": f"sqlite:///{database}"}
    env["SAURO_CONFIG_DIR"] = str(CONFIG)
    Sauro(f"sqlite:///{database}", CONFIG, CliRunner()).ok("init")
    before = snapshot(f"sqlite:///{database}")

    peak = tmp_path / "peak-kb"
    before_cpu = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, peak, *IMPORT, path],
        check=False, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # CPU seconds, not wall time: the machine is shared, and a busy neighbour must not fail
    # the bound (interpreter start included)
    seconds = _children_cpu() - before_cpu
    megabytes = int(peak.read_text()) // 1024

    assert done.returncode == 2, done.stdout + done.stderr
    assert hostile.refused in done.stdout + done.stderr
    assert seconds < 10, f"{name}: {seconds:.1f} s of CPU"
    assert megabytes < 300, f"{name}: {megabytes} MB"
    assert snapshot(f"sqlite:///{database}") == before


def _children_cpu() -> float:
    """The CPU seconds (user and system) of every child waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
