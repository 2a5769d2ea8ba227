"""The catalogue of CCHC areas (NQ 76/NQ-CP) and the resolver from section text to area.

``config/areas.yaml`` names each area once with a stable code and lists the ways plans
write it. ``AreaResolver.resolve`` takes a section label or area cell as written
("I. Cải cách thể chế", "2 Cải cách TTHC", "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ,
CHÍNH QUYỀN SỐ") and returns the area code, or None when the text names no known area.

Matching is on ``area_key``: markdown emphasis and the section number dropped (roman or
arabic, "1.", "II)", "a)"), parentheses dropped, ``fold`` applied, and the usual
abbreviations spelled out ("CCHC", "TTHC", "CBCCVC"), so "Cải cách TTHC" and "Cải cách thủ
tục hành chính" are one key. A text that starts with a known key and goes on ("Cải cách thể
chế, pháp luật") resolves to the area of the longest such key. Otherwise a heading (up to
``HEADING_MAX_WORDS`` words) resolves by the areas' key words ("chính phủ số", "chỉ đạo,
điều hành"): to the area whose key word stands first in it, the longer key word on a tie;
so "Tăng cường công tác chỉ đạo, điều hành việc triển khai thực hiện cải cách hành chính"
is the direction area, however the plan words the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from engine.errors import ConfigError, Location, ProblemList
from engine.text import clean, fold
from rules.config_text import load_yaml, validate_data

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]

# A section number before the label: "I.", "II)", "1.", "1.2.", "a)", or "IV " / "2 ".
_NUMBERING = re.compile(
    r"^\s*(?:(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zA-Z])\s*[.):/-]\s*|(?:[IVXLC]+|\d+)\s+)"
)
_PARENS = re.compile(r"\([^()]*\)")
_MARKDOWN = re.compile(r"[#*_`]+")
# A longer text is a task or a sentence, not a heading: its key words say nothing of its area.
HEADING_MAX_WORDS = 25
# Abbreviations plans use in area names, spelled out before comparing (folded forms).
_ABBREVIATIONS = {
    "cchc": "cai cach hanh chinh",
    "tthc": "thu tuc hanh chinh",
    "cbccvc": "can bo cong chuc vien chuc",
    "cbcc": "can bo cong chuc",
    "hcnn": "hanh chinh nha nuoc",
    "cqdt": "chinh quyen dien tu",
    "cqs": "chinh quyen so",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    """One CCHC area: a stable code, its official name, the other ways plans write it."""

    code: Code
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    # Words that name this area wherever they stand in a heading ("chuyển đổi số").
    keywords: list[Text] = Field(default_factory=list)


class AreasConfig(_Strict):
    """The schema of ``config/areas.yaml``."""

    version: Literal[1]
    areas: list[Area] = Field(min_length=1)


def parse_areas(text: str, source: str) -> AreasConfig:
    """Parse and validate ``areas.yaml`` text; raise one ``ConfigError`` listing every fault.

    Beyond the schema: codes are unique, no name or alias (compared as ``area_key``)
    belongs to two areas, and no key word either.
    """
    data, lines = load_yaml(text, source)
    config = validate_data(AreasConfig, data, lines, source)
    problems = ProblemList()
    codes: dict[str, int] = {}
    owners: dict[str, str] = {}
    keyword_owners: dict[str, str] = {}
    for index, area in enumerate(config.areas):
        entry = f"areas[{index}]"
        if area.code in codes:
            where = Location(file=source, row=lines.get(("areas", str(index))), entry=entry)
            problems.add(where, f"mã '{area.code}' trùng với areas[{codes[area.code]}]")
        codes.setdefault(area.code, index)
        for written, path in _labels(area, index):
            key = area_key(written)
            where = Location(file=source, row=lines.get(path), entry=entry, field=path[2])
            if not key:
                problems.add(where, f"'{written}' rỗng sau khi bỏ số thứ tự và dấu câu")
            elif owners.setdefault(key, area.code) != area.code:
                problems.add(where, f"'{written}' đã là tên của lĩnh vực '{owners[key]}'")
        for position, word in enumerate(area.keywords):
            path = ("areas", str(index), "keywords", str(position))
            where = Location(file=source, row=lines.get(path), entry=entry, field="keywords")
            key = area_key(word)
            if not key:
                problems.add(where, f"'{word}' rỗng sau khi bỏ số thứ tự và dấu câu")
            elif keyword_owners.setdefault(key, area.code) != area.code:
                problems.add(where, f"'{word}' đã là từ khóa của lĩnh vực '{keyword_owners[key]}'")
    if problems:
        raise ConfigError(
            f"Tệp cấu hình {source} không hợp lệ ({len(problems.problems)} lỗi)",
            problems.problems,
        )
    return config


def _labels(area: Area, index: int) -> list[tuple[str, tuple[str, ...]]]:
    """The name and aliases of an area with their paths in the YAML document."""
    labels: list[tuple[str, tuple[str, ...]]] = [(area.name, ("areas", str(index), "name"))]
    for position, alias in enumerate(area.aliases):
        labels.append((alias, ("areas", str(index), "aliases", str(position))))
    return labels


def load_areas(path: Path) -> AreasConfig:
    """Read and parse an ``areas.yaml`` file."""
    return parse_areas(path.read_text(encoding="utf-8"), str(path))


def strip_numbering(text: str) -> str:
    """A section label without its number or markdown emphasis: "I. Cải cách thể chế" and
    "## **1. Cải cách thể chế**" → "Cải cách thể chế"."""
    return _NUMBERING.sub("", clean(_MARKDOWN.sub(" ", text)), count=1)


def area_key(text: str) -> str:
    """The comparison key of an area label: numbering and parentheses dropped, folded,
    abbreviations spelled out."""
    bare = _PARENS.sub(" ", strip_numbering(text))
    words = [_ABBREVIATIONS.get(word, word) for word in fold(bare).replace("/", " ").split()]
    return " ".join(words)


def _alternation(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of the phrases as whole words, the longest first."""
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")


class AreaResolver:
    """Resolve section labels and area cells to area codes."""

    def __init__(self, config: AreasConfig) -> None:
        self.config = config
        keys: dict[str, str] = {}
        for area in config.areas:
            for written in (area.name, *area.aliases):
                keys.setdefault(area_key(written), area.code)
        # Longest first, so a prefix match picks the most specific key.
        self._keys = dict(sorted(keys.items(), key=lambda item: -len(item[0])))
        words = {area_key(word): area.code for area in config.areas for word in area.keywords}
        self._keyword_codes = words
        self._keywords = _alternation(words) if words else None

    def resolve(self, text: str) -> str | None:
        """The code of the area ``text`` names, or None."""
        key = area_key(text)
        if not key:
            return None
        if key in self._keys:
            return self._keys[key]
        prefixed = next(
            (code for known, code in self._keys.items() if key.startswith(known + " ")), None
        )
        return prefixed or self._by_keyword(key)

    def _by_keyword(self, key: str) -> str | None:
        """The area of the first key word in a heading; None in a longer text."""
        if self._keywords is None or key.count(" ") >= HEADING_MAX_WORDS:
            return None
        found = self._keywords.search(key)  # leftmost, and the longest alternative there
        return self._keyword_codes[found.group(0)] if found else None

    def name(self, code: str) -> str:
        """The official name of an area code (the code itself when unknown)."""
        return next((a.name for a in self.config.areas if a.code == code), code)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every area code, in catalogue order."""
        return tuple(area.code for area in self.config.areas)
