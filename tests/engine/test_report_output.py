"""A report's files are all new or all old (issue 14: a killed ``sauro report`` left a 0-byte
chart over a good one and half a set), on both databases: a run that fails half-way or is
killed leaves the previous set byte for byte; a run that succeeds leaves no temporary
folder; what a killed run left is cleared by the next; an old set moved aside by a run
killed between its two renames is put back."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sauro_support import CONFIG, FIXTURES, PLAN_OPTIONS, Sauro

from engine.reports.output import replaced_folder, report_folder

REPORT = ("report", "--org", "kien-tuong", "--period", "2024-H1", "--no-pdf")
STEM = "kien-tuong-2024-H1"


def _set(folder: Path) -> dict[str, bytes]:
    """Every file of a report folder (relative name: content)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


@pytest.fixture
def first(loaded: Sauro, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A report written once into ``out``: the folder and its files."""
    loaded.ok("import", FIXTURES / "kien_tuong_3838_pl2.csv", *PLAN_OPTIONS)
    out = tmp_path / "bao-cao"
    loaded.ok(*REPORT, "--out", out, "--date", "2024-06-16")
    folder = report_folder(out, "kien-tuong", "2024-H1")
    files = _set(folder)
    assert {f"bao-cao-{STEM}.docx", f"bieu-so-lieu-{STEM}.xlsx"} <= set(files)
    assert all(files.values()) and _leftovers(out) == []
    return out, files


def test_a_run_again_replaces_the_whole_set_and_leaves_no_temporary_folder(
    loaded: Sauro, first: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = first

    loaded.ok(*REPORT, "--out", out, "--date", "2024-06-20")

    after = _set(report_folder(out, "kien-tuong", "2024-H1"))
    assert set(after) == set(before) and after != before
    assert _leftovers(out) == []


def test_a_run_failing_half_way_leaves_the_old_set(
    loaded: Sauro, first: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    out, before = first
    broken = tmp_path / "config"
    shutil.copytree(CONFIG, broken)
    (broken / "report" / "bao_cao_cchc.docx").write_bytes(b"not a docx")  # after the charts

    failed = loaded("report", *REPORT[1:], "--out", out, "--date", "2024-06-20",
                    config_dir=broken)  # fmt: skip

    assert failed.exit_code == 2
    assert _set(report_folder(out, "kien-tuong", "2024-H1")) == before
    assert _leftovers(out) == []


def test_a_killed_run_leaves_the_old_set_and_the_next_run_clears_its_leftovers(
    loaded: Sauro, first: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = first
    env = {**os.environ, "SAURO_DATABASE_URL": loaded.url, "SAURO_CONFIG_DIR": str(CONFIG)}
    sauro = Path(sys.executable).with_name("sauro")
    run = subprocess.Popen([sauro, *REPORT, "--out", out, "--date", "2024-06-20"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while not list(out.glob(f".{STEM}.moi-*/bieu-do/*.png")):  # writing the new set
        assert run.poll() is None and time.monotonic() < deadline, "no temporary folder seen"
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.wait()

    assert _set(report_folder(out, "kien-tuong", "2024-H1")) == before
    assert [name.split(".moi-")[0] for name in _leftovers(out)] == [f".{STEM}"]
    loaded.ok(*REPORT, "--out", out, "--date", "2024-06-20")
    assert _leftovers(out) == []
    assert set(_set(report_folder(out, "kien-tuong", "2024-H1"))) == set(before)


def test_an_old_set_moved_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    target = tmp_path / STEM
    target.mkdir()
    (target / "a.txt").write_text("cũ", "utf-8")
    target.rename(tmp_path / f".{STEM}.cu-x1y2")  # killed between the two renames

    with pytest.raises(RuntimeError), replaced_folder(target) as staging:
        (staging / "a.txt").write_text("mới", "utf-8")
        raise RuntimeError("hỏng giữa chừng")

    assert (target / "a.txt").read_text("utf-8") == "cũ"
    assert _leftovers(tmp_path) == []
