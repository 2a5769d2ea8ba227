"""Loading the administrator-edited config files, all validated, all errors at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.calendar.periods import ReportingConfig, parse_reporting
from engine.calendar.workdays import CalendarConfig, parse_calendar
from engine.directory.schema import DirectoryConfig, parse_directory
from engine.errors import ConfigError, Location, Problem
from engine.importing.areas import AreasConfig, parse_areas
from engine.importing.columns import ImportConfig, parse_import_config
from notifications.notice_config import NoticesConfig, parse_notices
from notifications.render import check_templates
from rules.escalation import Ladder, parse_ladder
from rules.report_outline import parse_outline
from rules.schema import RulesConfig, parse_rules

Parser = Callable[[str, str], Any]

# file name -> parser; `sauro rules check` validates every one of them.
CONFIG_FILES: dict[str, Parser] = {
    "rules.yaml": parse_rules,
    "directory.yaml": parse_directory,
    "import.yaml": parse_import_config,
    "areas.yaml": parse_areas,
    "calendar.yaml": parse_calendar,
    "escalation.yaml": parse_ladder,
    "reporting.yaml": parse_reporting,
    "notices.yaml": parse_notices,
    "report/outline.yaml": parse_outline,
}


@dataclass(frozen=True)
class Configs:
    """Every config the engine runs on, parsed and validated."""

    rules: RulesConfig
    directory: DirectoryConfig
    columns: ImportConfig
    areas: AreasConfig
    calendar: CalendarConfig
    ladder: Ladder
    reporting: ReportingConfig
    notices: NoticesConfig


def load_configs(config_dir: Path) -> Configs:
    """Parse every config file in ``config_dir``; one ConfigError lists all problems."""
    parsed = _parse_all(config_dir)
    return Configs(
        rules=parsed["rules.yaml"],
        directory=parsed["directory.yaml"],
        columns=parsed["import.yaml"],
        areas=parsed["areas.yaml"],
        calendar=parsed["calendar.yaml"],
        ladder=parsed["escalation.yaml"],
        reporting=parsed["reporting.yaml"],
        notices=parsed["notices.yaml"],
    )


def check_configs(config_dir: Path) -> list[str]:
    """Validate every config file and the message templates the ladder names; return the
    names checked or raise one ConfigError listing every problem."""
    parsed = _parse_all(config_dir)
    ladder: Ladder = parsed["escalation.yaml"]
    check_templates(config_dir / "templates", names={step.template for step in ladder.steps})
    return [*parsed, "templates/"]


def _parse_all(config_dir: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, parser in CONFIG_FILES.items():
        path = config_dir / name
        try:
            parsed[name] = parser(_read(path), str(path))
        except ConfigError as error:
            problems.extend(error.problems or [Problem(Location(file=str(path)), error.message)])
    if problems:
        raise ConfigError(f"Cấu hình trong {config_dir} không hợp lệ:", problems)
    return parsed


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Thiếu tệp cấu hình {path}", [Problem(Location(file=str(path)), "không tìm thấy tệp")]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"Không đọc được tệp cấu hình {path}",
            [Problem(Location(file=str(path)), f"không đọc được: {error}")],
        ) from None
