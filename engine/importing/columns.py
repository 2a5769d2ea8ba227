"""Which table of a plan file holds the tasks, and which column holds what.

``config/import.yaml`` lists, for every field of a task (work, lead, deadline, …), the
header names plans use for it. ``find_task_table`` looks for a header row near the top of
every table, maps its cells to fields, picks the best task table and appends the tables
that continue it (Word splits a long table at a page break; the header may or may not be
repeated).

Header matching works on ``header_key``: ``fold`` (no case, no diacritics), parenthesised
parts dropped ("Dự trù kinh phí thực hiện (triệu đồng)"), "/" read as a space. A header
matches an alias when it equals it, or starts with it followed by at most
``header.max_extra_words`` more words ("Thời gian thực hiện dự kiến"). When several
fields want one column, the most specific match wins: an exact match before a prefix
match, a longer alias before a shorter one. "Nội dung" is thus the work column in
"STT | Nội dung | Chủ trì" but the area column in "TT | Nội dung | Nhiệm vụ cụ thể | …":
there "Nhiệm vụ cụ thể" is the better work match, and "Nội dung" is a *fallback* alias of
the area field, used only for a column that no field claimed by its regular aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from engine.errors import ImportFileError, Location, Problem
from engine.importing.tables import RawRow, RawTable
from engine.text import fold
from rules.config_text import field_errors, validate

FieldName = Literal[
    "ref", "area", "work", "product", "lead", "coordinators", "deadline", "budget", "person", "note"
]
FIELD_NAMES: tuple[FieldName, ...] = (
    "ref",
    "area",
    "work",
    "product",
    "lead",
    "coordinators",
    "deadline",
    "budget",
    "person",
    "note",
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_PARENS = re.compile(r"\([^()]*\)")
_NUMBER_CELL = re.compile(r"^\(?(\d{1,2})\)?\.?$")
_SHOWN_CELLS = 6
_SHOWN_CHARS = 40


# -- configuration -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """The header names of one field. The first alias is the name shown in messages."""

    aliases: list[Text] = Field(min_length=1)
    fallback_aliases: list[Text] = Field(default_factory=list)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """Folded header keys of the aliases."""
        return tuple(header_key(alias) for alias in self.aliases)

    @cached_property
    def fallback_keys(self) -> tuple[str, ...]:
        """Folded header keys of the fallback aliases."""
        return tuple(header_key(alias) for alias in self.fallback_aliases)

    @property
    def label(self) -> str:
        """The name shown to the user for this field."""
        return self.aliases[0]


class Fields(_Strict):
    """One entry per field of a task row."""

    ref: FieldSpec
    area: FieldSpec
    work: FieldSpec
    product: FieldSpec
    lead: FieldSpec
    coordinators: FieldSpec
    deadline: FieldSpec
    budget: FieldSpec
    person: FieldSpec
    note: FieldSpec

    @model_validator(mode="after")
    def _aliases_unique(self) -> Fields:
        """A header name (after folding) may belong to one field only."""
        owner: dict[str, str] = {}
        problems: dict[str, str] = {}
        for name in FIELD_NAMES:
            for alias, key in zip(self.spec(name).aliases, self.spec(name).keys, strict=True):
                if not key:
                    problems[name] = f"tên cột '{alias}' rỗng sau khi bỏ dấu và ngoặc"
                elif owner.setdefault(key, name) != name:
                    problems[name] = f"tên cột '{alias}' đã thuộc trường '{owner[key]}'"
        if problems:
            raise field_errors(problems)
        return self

    def spec(self, name: FieldName) -> FieldSpec:
        """The spec of a field by name."""
        spec: FieldSpec = getattr(self, name)
        return spec


class HeaderSettings(_Strict):
    """How hard to look for a header row."""

    search_rows: int = Field(default=6, ge=1, le=30)
    min_fields: int = Field(default=2, ge=1, le=10)
    max_extra_words: int = Field(default=4, ge=0, le=20)


def _default_required() -> list[FieldName]:
    return ["work", "lead"]


class ImportConfig(_Strict):
    """The schema of ``config/import.yaml``."""

    version: Literal[1]
    header: HeaderSettings = Field(default_factory=HeaderSettings)
    fields: Fields
    required: list[FieldName] = Field(default_factory=_default_required, min_length=1)


def parse_import_config(text: str, source: str) -> ImportConfig:
    """Parse and validate ``import.yaml`` text; raise one ``ConfigError`` listing every fault."""
    return validate(ImportConfig, text, source)


def load_import_config(path: Path) -> ImportConfig:
    """Read and parse an ``import.yaml`` file."""
    return parse_import_config(path.read_text(encoding="utf-8"), str(path))


def header_key(text: str) -> str:
    """The comparison key of a header cell: folded, parentheses dropped, "/" as a space."""
    return " ".join(fold(_PARENS.sub(" ", text)).replace("/", " ").split())


# -- header detection --------------------------------------------------------------------


def map_columns(cells: list[str], config: ImportConfig) -> dict[FieldName, int]:
    """Map header cells to fields: field -> 0-based column, most specific match first."""
    keys = [header_key(cell) for cell in cells]
    columns: dict[FieldName, int] = {}
    for fallback in (False, True):
        candidates: list[tuple[int, int, int, FieldName]] = []
        for column, key in enumerate(keys):
            if not key or column in columns.values():
                continue
            for name in FIELD_NAMES:
                spec = config.fields.spec(name)
                for alias in spec.fallback_keys if fallback else spec.keys:
                    score = _match(key, alias, config.header.max_extra_words)
                    if score:
                        candidates.append((-score[0], -score[1], column, name))
        for _, _, column, name in sorted(candidates):
            if name not in columns and column not in columns.values():
                columns[name] = column
    return dict(sorted(columns.items(), key=lambda item: item[1]))


def _match(key: str, alias: str, max_extra: int) -> tuple[int, int] | None:
    """(2, len) for an exact match, (1, len) for the alias followed by a few words."""
    if key == alias:
        return 2, len(alias)
    if key.startswith(alias + " ") and len(key[len(alias) :].split()) <= max_extra:
        return 1, len(alias)
    return None


def is_numbering_row(cells: list[str]) -> bool:
    """A row that numbers the columns under a header: "(1) (2) (3) …" or "1 2 3 4 …"."""
    values = [cell for cell in cells if cell]
    if len(values) < min(3, len(cells)) or len(values) < 2:
        return False
    numbers: list[int] = []
    for value in values:
        found = _NUMBER_CELL.match(value)
        if not found:
            return False
        numbers.append(int(found.group(1)))
    distinct = list(dict.fromkeys(numbers))  # a merged cell repeats its number
    return distinct == sorted(distinct) and len(distinct) >= 2


@dataclass(frozen=True, slots=True)
class HeaderRow:
    """A header row found in a table: its position, mapped fields and cell texts."""

    position: int  # index in table.rows
    number: int  # row number in the table
    columns: dict[FieldName, int]
    texts: tuple[str, ...]


def find_header(table: RawTable, config: ImportConfig) -> HeaderRow | None:
    """The best header row among the first non-empty rows of a table, or None.

    A header may take two rows ("Cơ quan thực hiện" over "Chủ trì | Phối hợp"): a column the
    chosen row leaves unmapped takes its field from the row above when that cell is empty or
    the same merged text.
    """
    filled = [(position, row) for position, row in enumerate(table.rows) if not row.is_empty()]
    best: HeaderRow | None = None
    window = filled[: config.header.search_rows]
    for place, (position, row) in enumerate(window):
        upper = window[place - 1][1] if place else None
        columns, texts = _header_columns(row, upper, config)
        if len(columns) >= config.header.min_fields and (
            best is None or len(columns) > len(best.columns)
        ):
            best = HeaderRow(position, row.number, columns, texts)
    return best


def _header_columns(
    row: RawRow, upper: RawRow | None, config: ImportConfig
) -> tuple[dict[FieldName, int], tuple[str, ...]]:
    columns = map_columns(row.cells, config)
    texts = list(row.cells)
    if upper is None or len(set(filter(None, upper.cells))) <= 1:  # none, or a title row
        return columns, tuple(texts)
    for name, column in map_columns(upper.cells, config).items():
        lower = row.cells[column]
        if name in columns or column in columns.values():
            continue
        if not lower or lower == upper.cells[column]:
            columns[name] = column
            texts[column] = upper.cells[column]
    return columns, tuple(texts)


# -- the task table ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LayoutRow:
    """A data row of the task table: the table it is in, its row number there, its cells."""

    table: int
    number: int
    cells: list[str]


@dataclass(frozen=True, slots=True)
class TableLayout:
    """The task table of a file: where its header is, which column holds which field, and
    every data row below the header, continuation tables included."""

    source: str
    table: int  # index of the task table (of its first part)
    name: str
    header_row: int  # row number of the header in that table
    headers: tuple[str, ...]  # a unique label per column, as written in the header
    columns: dict[FieldName, int]
    rows: tuple[LayoutRow, ...]
    continuations: tuple[int, ...] = ()  # indexes of the tables appended

    def header_of(self, name: FieldName) -> str:
        """The header text of a field's column ("" when the table has no such column)."""
        column = self.columns.get(name)
        return self.headers[column] if column is not None else ""


def find_task_table(
    tables: list[RawTable],
    config: ImportConfig,
    *,
    table: int | None = None,
    source: str | None = None,
) -> TableLayout:
    """Choose the task table of a file and describe it.

    The best table has every required column, then the most recognised columns; ``table``
    (1-based) forces a choice. Tables right after it that repeat its header, or have no
    header and a compatible width, are appended. Raises ``ImportFileError`` when no table
    has a recognisable header or the chosen one lacks a required column.
    """
    source = source if source is not None else (tables[0].source if tables else "")
    headers = {t.index: find_header(t, config) for t in tables}
    chosen, header = _choose(tables, headers, config, table, source)
    _check_required(chosen, header, config, source)
    rows = _body(chosen, header.position + 1, chosen.width)
    continuations: list[int] = []
    for following in tables[tables.index(chosen) + 1 :]:
        start = _continuation_start(following, headers[following.index], chosen, header, config)
        if start is None:
            break
        continuations.append(following.index)
        rows.extend(_body(following, start, chosen.width))
    return TableLayout(
        source=source,
        table=chosen.index,
        name=chosen.name,
        header_row=header.number,
        headers=_unique_labels(header.texts),
        columns=dict(header.columns),
        rows=tuple(rows),
        continuations=tuple(continuations),
    )


def _choose(
    tables: list[RawTable],
    headers: dict[int, HeaderRow | None],
    config: ImportConfig,
    forced: int | None,
    source: str,
) -> tuple[RawTable, HeaderRow]:
    """The forced table, else the table with every required column and the most columns."""
    if forced is not None:
        return _forced(tables, headers, forced, source)
    found = [(t, h) for t in tables if (h := headers[t.index]) is not None]
    if not found:
        raise _no_task_table(tables, config, source)

    def rank(pair: tuple[RawTable, HeaderRow]) -> tuple[bool, int, int]:
        columns = pair[1].columns
        return all(name in columns for name in config.required), len(columns), -pair[0].index

    return max(found, key=rank)


def _forced(
    tables: list[RawTable], headers: dict[int, HeaderRow | None], forced: int, source: str
) -> tuple[RawTable, HeaderRow]:
    by_index = {t.index: t for t in tables}
    if forced not in by_index:
        reason = f"không có bảng {forced} (tệp có {len(tables)} bảng)"
        raise ImportFileError(
            f"Không đọc được bảng nhiệm vụ trong tệp {source}: {reason}",
            [Problem(Location(file=source, table=forced), reason)],
        )
    header = headers[forced]
    if header is None:
        reason = "không tìm thấy dòng tiêu đề có tên cột nhận ra được"
        raise ImportFileError(
            f"Bảng {forced} của tệp {source} không phải bảng nhiệm vụ: {reason}",
            [Problem(Location(file=source, table=forced), reason)],
        )
    return by_index[forced], header


def _check_required(table: RawTable, header: HeaderRow, config: ImportConfig, source: str) -> None:
    missing = [name for name in config.required if name not in header.columns]
    if not missing:
        return
    where = Location(file=source, table=table.index, row=header.number)
    problems = [Problem(where, _missing_column(config, name)) for name in missing]
    names = ", ".join(f"'{config.fields.spec(name).label}'" for name in missing)
    raise ImportFileError(
        f"Bảng nhiệm vụ '{table.name}' (bảng {table.index}) của tệp {source} thiếu cột "
        f"bắt buộc {names} ở dòng tiêu đề {header.number}",
        problems,
    )


def _missing_column(config: ImportConfig, name: FieldName) -> str:
    return f"thiếu cột {_accepted(config, name)}"


def _accepted(config: ImportConfig, name: FieldName) -> str:
    """ "'Cơ quan chủ trì' (tên cột được chấp nhận: Cơ quan chủ trì, Chủ trì, …)"."""
    spec = config.fields.spec(name)
    return f"'{spec.label}' (tên cột được chấp nhận: {', '.join(spec.aliases)})"


def _no_task_table(tables: list[RawTable], config: ImportConfig, source: str) -> ImportFileError:
    expected = "; ".join(_accepted(config, name) for name in config.required)
    if not tables:
        seen = "tệp không có bảng nào"
        problems = [Problem(Location(file=source), seen)]
    else:
        seen = f"đã xem {len(tables)} bảng, không bảng nào có dòng tiêu đề nhận ra được"
        problems = [Problem(Location(file=source, table=t.index), _first_row(t)) for t in tables]
    return ImportFileError(
        f"Không tìm thấy bảng nhiệm vụ trong tệp {source}: {seen}. "
        f"Cần một dòng tiêu đề có các cột {expected}",
        problems,
    )


def _first_row(table: RawTable) -> str:
    """What a table starts with, for a message: "trang 'Thông tin', dòng đầu 1: A | B"."""
    named = "" if table.name == f"Bảng {table.index}" else f"trang '{table.name}', "
    row = next((r for r in table.rows if not r.is_empty()), None)
    if row is None:
        return f"{named}bảng trống"
    cells = [_short(cell) for cell in dict.fromkeys(row.cells) if cell][:_SHOWN_CELLS]
    return f"{named}dòng đầu {row.number}: " + " | ".join(cells)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _continuation_start(
    table: RawTable,
    found: HeaderRow | None,
    task: RawTable,
    header: HeaderRow,
    config: ImportConfig,
) -> int | None:
    """Where the data of a continuation table starts, or None when it is another table."""
    if found is not None:
        return found.position + 1 if found.columns == header.columns else None
    needed = max(header.columns[name] for name in config.required) + 1
    return 0 if needed <= table.width <= task.width else None


def _body(table: RawTable, start: int, width: int) -> list[LayoutRow]:
    """Data rows from ``start``, a numbering row right under the header skipped."""
    rows = table.rows[start:]
    first = next((r for r in rows if not r.is_empty()), None)
    return [
        LayoutRow(table.index, row.number, (row.cells + [""] * width)[:width])
        for row in rows
        if not (row is first and is_numbering_row(row.cells))
    ]


def _unique_labels(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Header labels usable as keys: an empty header is "Cột N", a repeated one gets "(2)"."""
    labels: list[str] = []
    for column, text in enumerate(texts, start=1):
        label = " ".join(text.split()) or f"Cột {column}"
        base, n = label, 1
        while label in labels:
            n += 1
            label = f"{base} ({n})"
        labels.append(label)
    return tuple(labels)
