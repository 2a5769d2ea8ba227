"""The bounds of every file the engine reads, checked before (or while) it is parsed.

A plan, an assigning document or a returned unit form is small: the 2,000-task plan of the
import benchmark is 80 kB zipped and 1.7 MB of XML. A file beyond these bounds is refused
with a located Vietnamese error before it can take the machine's memory or time (a 751 kB
``.docx`` unzipping to 214 MB froze the web app for 400 s at 3.5 GB):

- the file on disk: ``MAX_FILE_BYTES``;
- a zip package (``.docx``, ``.xlsx``): at most ``MAX_ZIP_ENTRIES`` entries, one XML part at
  most ``MAX_PART_BYTES`` unzipped, all entries at most ``MAX_UNZIPPED_BYTES``, and no entry
  over ``RATIO_FROM_BYTES`` unzipping more than ``MAX_RATIO`` times its zipped size (a zip
  bomb);
- XML: no DOCTYPE or entity declaration (Office never writes one: billion laughs, quadratic
  blow-up and external entities are refused as such), at most ``MAX_XML_TAGS`` tags in a
  Word document (its tree is built in memory);
- a table: at most ``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns, ``MAX_CELLS`` cells in the
  file, ``MAX_CELL_CHARS`` characters in a cell, the same for every format, the error
  naming its table, row and column;
- text: a NUL character is refused (a binary or damaged file, which PostgreSQL cannot store);
  other control characters (but tab and line breaks) and bidirectional overrides, which can
  make a task read differently from what is stored, are removed (``strip_controls``).

The checks are cheap next to parsing (sizes from the zip directory, a byte count, a regular
expression), so the import stays at the speed of reading.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ImportFileError, Location, Problem

MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB
MAX_ZIP_ENTRIES = 1_000
MAX_PART_BYTES = 32 * MB
MAX_UNZIPPED_BYTES = 128 * MB
MAX_RATIO = 200
RATIO_FROM_BYTES = 1 * MB
MAX_XML_TAGS = 1_000_000
MAX_ROWS = 10_000
MAX_COLUMNS = 100
MAX_CELLS = 300_000
MAX_CELL_CHARS = 32_767  # what Excel itself allows in a cell

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def refusal(path: Path, reason: str, where: Location | None = None) -> ImportFileError:
    """The error that refuses ``path``: "Không đọc được tệp …" with the reason, located."""
    location = where or Location(file=path.name)
    return ImportFileError(f"Không đọc được tệp {path.name}: {reason}", [Problem(location, reason)])


def check_file(path: Path) -> None:
    """Refuse a file larger than ``MAX_FILE_BYTES`` on disk."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise refusal(
            path, f"tệp nặng {_mb(size)} MB, quá giới hạn {_mb(MAX_FILE_BYTES)} MB của một tệp"
        )


def check_package(package: zipfile.ZipFile, path: Path) -> None:
    """Refuse a zip package with too many entries, an XML part or all entries too large
    once unzipped, or an entry that unzips too many times its size (from the zip directory
    alone: zipfile never inflates an entry beyond the size it declares)."""
    entries = package.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise refusal(
            path, f"gói có {len(entries):,} tệp con, quá giới hạn {MAX_ZIP_ENTRIES:,} tệp con"
        )
    total = 0
    for info in entries:
        total += info.file_size
        xml = info.filename.endswith((".xml", ".rels"))
        ratio = info.file_size / max(info.compress_size, 1)
        if (xml and info.file_size > MAX_PART_BYTES) or (
            info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO
        ):
            raise _bomb(path, info)
    if total > MAX_UNZIPPED_BYTES:
        raise refusal(
            path,
            f"các tệp con giải nén ra {total:,} byte, quá giới hạn {_mb(MAX_UNZIPPED_BYTES)} MB: "
            "tệp bị hỏng hoặc cố ý làm phình khi giải nén (zip bomb)",
        )


def _bomb(path: Path, info: zipfile.ZipInfo) -> ImportFileError:
    return refusal(
        path,
        f"phần {info.filename} giải nén ra {info.file_size:,} byte từ {info.compress_size:,} "
        f"byte, quá giới hạn {_mb(MAX_PART_BYTES)} MB hoặc gấp {MAX_RATIO} lần: tệp bị hỏng "
        "hoặc cố ý làm phình khi giải nén (zip bomb)",
    )


def check_xml(data: bytes, part: str, path: Path, *, max_tags: int | None = None) -> None:
    """Refuse an XML part that declares a DOCTYPE or entities, or (``max_tags``) holds more
    tags than that: its tree would not fit the bounds."""
    if _DECLARATION.search(data):
        raise refusal(path, declaration_reason(part))
    if max_tags is not None and data.count(b"<") > max_tags:
        raise refusal(
            path,
            f"phần {part} có hơn {max_tags:,} thẻ XML, quá giới hạn: tệp quá lớn để đọc",
        )


def declaration_reason(part: str) -> str:
    """Why a part with a DOCTYPE or entity declaration is refused."""
    return (
        f"phần {part} có khai báo DOCTYPE/ENTITY (thực thể XML), điều Word và Excel không bao "
        "giờ ghi: tệp bị sửa tay hoặc cố ý gây hại (XXE, billion laughs), không đọc"
    )


def xml_reason(part: str | None, line: int | None, column: int | None) -> str:
    """Why a part (None: one the reader did not say) that is not well-formed XML is refused,
    with where it breaks."""
    where = f" (dòng {line}, cột {column})" if line else ""
    named = f"phần {part}" if part else "một phần XML của tệp"
    return f"{named} không phải XML hợp lệ{where}: có ký tự NUL, ký tự điều khiển hoặc thẻ bị hỏng"


def check_place(path: Path, table: int, row: int, width: int) -> None:
    """Refuse row ``row`` of table ``table`` past ``MAX_ROWS``, or reaching past
    ``MAX_COLUMNS`` (a grid span of a billion columns). Called for every row or cell, so
    the location is made only for the error."""
    if row > MAX_ROWS:
        where = Location(file=path.name, table=table, row=row)
        raise refusal(path, f"bảng có hơn {MAX_ROWS:,} dòng, quá giới hạn", where)
    if width > MAX_COLUMNS:
        where = Location(file=path.name, table=table, row=row)
        reason = f"dòng có hơn {MAX_COLUMNS} cột (ô gộp hoặc dòng quá rộng), quá giới hạn"
        raise refusal(path, reason, where)


def check_count(path: Path, table: int, row: int, cells: int) -> None:
    """Refuse the ``cells``-th cell of a file past ``MAX_CELLS`` (at row ``row``)."""
    if cells > MAX_CELLS:
        where = Location(file=path.name, table=table, row=row)
        raise refusal(path, f"tệp có hơn {MAX_CELLS:,} ô, quá giới hạn", where)


@dataclass
class Budget:
    """The rows and cells a file has used so far, refused past the bounds."""

    path: Path
    cells: int = 0

    def row(self, table: int, number: int, width: int) -> None:
        """Count one row of ``width`` cells, numbered ``number`` in table ``table``."""
        check_place(self.path, table, number, width)
        self.cells += width
        check_count(self.path, table, number, self.cells)


def check_cell(text: str, where: Location, path: Path) -> None:
    """Refuse a cell longer than ``MAX_CELL_CHARS`` or holding a NUL character."""
    if len(text) > MAX_CELL_CHARS:
        raise refusal(
            path,
            f"ô dài {len(text):,} ký tự, quá giới hạn {MAX_CELL_CHARS:,} ký tự của một ô",
            where,
        )
    if "\x00" in text:
        raise refusal(path, nul_reason(), where)


def check_text(text: str, path: Path) -> None:
    """Refuse a text file holding a NUL character, naming its line."""
    position = text.find("\x00")
    if position >= 0:
        line = text.count("\n", 0, position) + 1
        raise refusal(path, nul_reason(), Location(file=path.name, row=line))


def nul_reason() -> str:
    return "có ký tự NUL (mã 0): tệp nhị phân hoặc bị hỏng, không lưu được"


def strip_controls(text: str) -> str:
    """``text`` without control characters (but tab and line breaks) and bidi overrides."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def _mb(size: int) -> str:
    return f"{size / MB:,.1f}".rstrip("0").rstrip(".")
