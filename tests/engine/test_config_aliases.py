"""YAML anchors and aliases are refused in every config, with the file and line, before
anything expands them (issue 14: nine nested aliases of nine made a 500-byte file run past
60 s on the CLI and reach 4 GB on the web); an over-long config text is refused too.
Through ``load_yaml`` itself, the bundle's load, ``sauro config check``, the editor's
validation and ``sauro directory import`` (the web editor: ``tests/web/test_config_bounds``)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sauro_support import CONFIG, Sauro

from engine.configs.editor import validate_text
from engine.configs.files import load_configs
from engine.errors import ConfigError
from rules.config_text import MAX_TEXT, load_yaml


def alias_bomb(levels: int = 9) -> str:
    """A "billion laughs": each level a list of nine aliases of the one before."""
    lines = ["version: 1", 'l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "sign"),
    [
        (alias_bomb(), 2, "&l0"),
        ("version: 1\nsteps:\n  - id: a\n    when: &w {after: 3}\n", 4, "&w"),
        ("version: 1\na: 1\nb: *a\n", 3, "*a"),  # an alias of no anchor: refused, not "undefined"
        ("version: 1\nbase: &b {x: 1}\nother:\n  <<: *b\n", 2, "&b"),
    ],
)
def test_an_anchor_or_alias_is_refused_at_its_line(text: str, line: int, sign: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as refused:
        load_yaml(text, "rules.yaml")

    assert time.monotonic() - started < 1
    (problem,) = refused.value.problems
    assert (problem.location.file, problem.location.row) == ("rules.yaml", line)
    assert f"không dùng neo và bí danh YAML ('{sign}')" in problem.message


def test_a_text_over_the_bound_is_refused_before_parsing() -> None:
    with pytest.raises(ConfigError) as refused:
        load_yaml("a: b\n" * (MAX_TEXT // 5 + 1), "directory.yaml")
    assert "tệp quá dài" in str(refused.value)


def test_the_bundle_refuses_an_aliased_file(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text("utf-8") + "extra: &x [1]\n", "utf-8")

    with pytest.raises(ConfigError) as refused:
        load_configs(folder)

    assert "rules.yaml, dòng" in str(refused.value) and "'&x'" in str(refused.value)


def test_the_editor_refuses_a_bomb_and_an_over_long_template(tmp_path: Path) -> None:
    started = time.monotonic()
    ladder = validate_text(config_dir=CONFIG, name="escalation.yaml", text=alias_bomb())
    template = validate_text(
        config_dir=CONFIG, name="templates/digest.txt", text="x" * (MAX_TEXT + 1)
    )

    assert time.monotonic() - started < 2
    assert [(p.location.file, p.location.row) for p in ladder] == [("escalation.yaml", 2)]
    assert [p.location.file for p in template] == ["templates/digest.txt"]
    assert "tệp quá dài" in template[0].message


def test_the_commands_refuse_a_bomb_with_its_line(sauro: Sauro, tmp_path: Path) -> None:
    file = tmp_path / "bom.yaml"
    file.write_text(alias_bomb(), "utf-8")

    checked = sauro("config", "check", "escalation.yaml", file)
    imported = sauro("directory", "import", file)

    assert checked.exit_code == 2 and "escalation.yaml, dòng 2" in checked.stderr
    assert imported.exit_code == 2 and f"{file}, dòng 2" in imported.stderr
    assert "không dùng neo và bí danh YAML" in imported.stderr
