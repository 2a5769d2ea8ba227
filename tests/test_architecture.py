"""The layering contract of ``pyproject.toml`` (ARCHITECTURE.md): imports run one way and no
package holds an import cycle, as ``lint-imports`` checks it. A copy of the tree with one
upward import and one cycle added shows that the contract catches both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "rules", "notifications", "flows")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages in ``root`` (found first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and of ``pyproject.toml`` to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_tree_keeps_its_contracts() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tree: Path) -> None:
    _append(tree / "engine" / "store" / "models.py", "import engine.web  # noqa")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "engine.store is not allowed to import engine.web" in result.stdout
    assert "engine.store.models -> engine.web" in result.stdout


def test_a_cycle_inside_a_package_is_refused(tree: Path) -> None:
    """``notifications.smtp_settings`` and ``transport`` were such a pair; now one way."""
    _append(tree / "notifications" / "smtp_settings.py", "import notifications.transport  # noqa")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "No cycles are allowed in notifications" in result.stdout
