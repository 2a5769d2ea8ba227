"""The schema of ``config/report/outline.yaml``: the period report's sections as Jinja2
text templates, drafted from the period's data by ``engine.reports.sections``.

``parse_outline`` validates the file the way every config is validated: one
``ConfigError`` listing each problem with its file and line (a Jinja2 error is placed on
the line of the file it is on): an unknown or missing section, a template that does not
compile or renders nothing but errors on an empty period, a variable the data do not
provide (``OUTLINE_VARIABLES``, the names of ``engine.reports.sections.outline_context``).
Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import ConfigError, Location, Problem
from engine.template_sandbox import BoundedSandbox
from rules.config_text import ConfigVersion, load_yaml, problem_at, validate_data

OUTLINE_FILE = "outline.yaml"
SECTIONS: tuple[str, ...] = ("I", "II", "III.1", "III.2", "III.3", "IV", "V")
# The variables a section's template may use (engine.reports.sections.outline_context).
OUTLINE_VARIABLES: frozenset[str] = frozenset(
    {
        "co_quan", "ky", "tu_ngay", "den_ngay", "tong", "ty_le_hoan_thanh", "ty_le_dung_han",
        "van_ban", "chi_dao", "linh_vuc", "so_sanh", "uu_diem", "han_che", "kho_khan",
        "de_xuat", "ky_toi", "nhiem_vu_ky_toi", "so_nhiem_vu_ky_toi", "qua_han",
    }
)  # fmt: skip


class OutlineConfig(BaseModel):
    """The schema of ``config/report/outline.yaml``: a template per section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: ConfigVersion
    sections: dict[str, str] = Field(min_length=1)


@dataclass(frozen=True)
class Outline:
    """The validated outline: each section's template text."""

    templates: Mapping[str, str]
    source: str = OUTLINE_FILE


def outline_environment() -> BoundedSandbox:
    """Where the outline's templates run: the bounded sandbox every administrator-edited
    template runs in (``engine.template_sandbox``), strict, block tags on lines of their
    own leave no blank line."""
    return BoundedSandbox(
        autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def _empty_context() -> dict[str, Any]:
    """An empty period, the shape of ``outline_context``'s values, to try templates on."""
    context: dict[str, Any] = dict.fromkeys(OUTLINE_VARIABLES, "")
    for name in ("van_ban", "linh_vuc", "so_sanh", "kho_khan", "de_xuat", "nhiem_vu_ky_toi"):
        context[name] = []
    context["tong"] = dict.fromkeys(("tong", "da_xong", "dung_han", "qua_han", "cau"), "0")
    context["qua_han"] = {"tong": "0", "tu_truoc": "0"}
    context["uu_diem"] = {"don_vi_dung_han": []}
    context["han_che"] = {
        "don_vi_qua_han": [], "linh_vuc_qua_han": [], "don_vi_chua_ro": [],
        "linh_vuc_chua_ro": [], "chua_bao_cao": [], "bao_cao_muon": [], "qua_han_tu_truoc": "0",
    }  # fmt: skip
    context["chi_dao"] = {
        "ten": "", "tong": "0", "cau": "", "nhiem_vu": [], "kiem_tra": [],
        "ket_luan": {"tong": "0", "da_xong": "0", "qua_han": "0", "cau": ""},
    }  # fmt: skip
    return context


def parse_outline(text: str, source: str) -> Outline:
    """Parse and validate the outline text; raise one ``ConfigError`` listing every fault."""
    data, lines = load_yaml(text, source)
    config = validate_data(OutlineConfig, data, lines, source)
    problems: list[Problem] = []
    for key in config.sections:
        if key not in SECTIONS:
            message = f"không có mục '{key}'; các mục: {', '.join(SECTIONS)}"
            problems.append(problem_at(("sections", key), message, source, lines))
    for key in SECTIONS:
        if key not in config.sections:
            problems.append(problem_at(("sections",), f"thiếu mục {key}", source, lines))
    env = outline_environment()
    sample = _empty_context()
    for key, body in config.sections.items():
        if key in SECTIONS:
            at = lines.get(("sections", key))
            problems += _template_problems(env, body, sample, (source, key, at))
    if problems:
        raise ConfigError(f"Tệp cấu hình {source} không hợp lệ ({len(problems)} lỗi)", problems)
    return Outline(dict(config.sections), source)


def _template_problems(
    env: BoundedSandbox, body: str, sample: dict[str, Any], where: tuple[str, str, int | None]
) -> list[Problem]:
    source, key, at = where
    try:
        unknown = sorted(meta.find_undeclared_variables(env.parse(body)) - OUTLINE_VARIABLES)
        env.from_string(body).render(sample)
    except TemplateError as error:
        return [template_problem(error, source, key, at)]
    if unknown:
        location = Location(file=source, row=at, entry="sections", field=key)
        return [Problem(location, f"biến không có trong số liệu: {', '.join(unknown)}")]
    return []


def template_problem(error: TemplateError, source: str, key: str, at: int | None) -> Problem:
    """A Jinja2 error on the line of the file it is on: a block scalar's line 1 is the line
    after its key (``at``)."""
    lineno = getattr(error, "lineno", None) if isinstance(error, TemplateSyntaxError) else None
    row = at + lineno if at is not None and lineno is not None else at
    kind = "thẻ Jinja2 sai" if isinstance(error, TemplateSyntaxError) else "lỗi khi điền mẫu"
    return Problem(
        Location(file=source, row=row, entry="sections", field=key),
        f"{kind}: {error.message or type(error).__name__}",
    )


def load_outline(path: Path) -> Outline:
    """Read and validate the outline file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Thiếu tệp đề cương báo cáo {path}",
            [Problem(Location(file=str(path)), "không tìm thấy tệp")],
        ) from None
    return parse_outline(text, str(path))
