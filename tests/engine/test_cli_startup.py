"""``sauro`` starts fast: the command line loads a command's module only when that command
runs, so ``sauro --help`` and ``sauro deadline …`` import none of the heavy libraries.

Checked through ``sys.modules`` in a fresh interpreter, which is stable where a timing is not.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from engine.cli import COMMANDS, app, load_command

HEAVY = ("matplotlib", "numpy", "openpyxl", "docx", "docxtpl", "alembic", "prefect", "argon2")


def _heavy_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has imported after ``code``."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    heavy: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return heavy


def test_importing_the_cli_imports_no_heavy_package() -> None:
    assert _heavy_after("import engine.cli") == []


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["deadline", "Quý II/2024"], ["deadline", "--help"], ["task", "--help"]],
    ids=["help", "deadline", "deadline-help", "task-help"],
)
def test_light_commands_import_no_heavy_package(argv: list[str]) -> None:
    code = (
        "from engine.cli import app\n"
        "try:\n"
        f"    app({argv!r}, prog_name='sauro')\n"
        "except SystemExit as end:\n"
        "    assert end.code == 0, end.code\n"
    )
    assert _heavy_after(code) == []


def test_a_heavy_command_loads_its_libraries_when_run() -> None:
    """The check: the probe does see a package that a command really imports."""
    code = "from engine.cli import load_command\nload_command('report')"
    assert "matplotlib" in _heavy_after(code)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_lists_each_command_with_its_own_first_paragraph(name: str) -> None:
    """The line ``sauro --help`` shows before loading a command is the command's own."""
    command = load_command(name)
    first = " ".join((command.help or "").split("\n\n")[0].split())
    assert COMMANDS[name].summary == first


def test_help_lists_every_command_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    listed = [
        line.split()[1]
        for line in result.output.splitlines()
        if line.startswith("│ ") and len(line.split()) > 2 and line.split()[1] in COMMANDS
    ]
    assert listed == list(COMMANDS)


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(app, ["nhap"])
    assert result.exit_code == 2
