"""Uploaded files: checked by extension AND by content, capped in size, stored under the
uploads folder with a safe name, parsed off the event loop. Nothing of a refused file is kept.

Plans (``.docx``, ``.xlsx``, ``.csv``) wait under ``imports/<token>/`` between the preview
and the commit or cancel; completion evidence is kept under ``evidence/<task id>/``.

Parsing a file (a plan's preview or commit, a returned unit form) runs in a worker thread
(``parse_off_loop``), at most ``MAX_PARSING`` at once in the process, so the event loop
keeps answering everyone else while a large file is read; ``one_at_a_time`` lets one
organization import one plan at a time (a second gets a 409).
"""

from __future__ import annotations

import io
import re
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from engine.errors import BusyError, UploadError

_CHUNK = 1 << 16
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_UNSAFE_CHARS = re.compile(r"[^\w.\- ]+")


def _zip_with(member: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return member in archive.namelist()
        except zipfile.BadZipFile:
            return False

    return check


def _text(data: bytes) -> bool:
    """A text file (CSV): UTF-16 with its byte-order mark, or no NUL byte and not a known
    binary format."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head and not head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11"))


@dataclass(frozen=True)
class Kind:
    """An accepted file type: its name and how its content is recognised."""

    label: str
    sniff: Callable[[bytes], bool]


PLAN_KINDS: dict[str, Kind] = {
    ".docx": Kind("Word (.docx)", _zip_with("word/document.xml")),
    ".xlsx": Kind("Excel (.xlsx)", _zip_with("xl/workbook.xml")),
    ".csv": Kind("CSV", _text),
    ".txt": Kind("văn bản (.txt)", _text),
}
EVIDENCE_KINDS: dict[str, Kind] = {
    **{k: v for k, v in PLAN_KINDS.items() if k not in (".csv", ".txt")},
    ".pdf": Kind("PDF", lambda data: data.startswith(b"%PDF-")),
    ".png": Kind("PNG", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": Kind("JPEG", lambda data: data.startswith(b"\xff\xd8\xff")),
    ".jpeg": Kind("JPEG", lambda data: data.startswith(b"\xff\xd8\xff")),
}


def safe_name(name: str) -> str:
    """The file's own name without folders, with only letters, digits, '.', '-', '_' and
    spaces (Vietnamese letters kept), at most 100 characters."""
    base = Path(name.replace("\\", "/")).name.strip()
    cleaned = _UNSAFE_CHARS.sub("_", base).strip(". ") or "tep"
    stem, suffix = Path(cleaned).stem, Path(cleaned).suffix.lower()
    return stem[: 100 - len(suffix)] + suffix


async def read_checked(upload: UploadFile, *, kinds: dict[str, Kind], max_bytes: int) -> bytes:
    """The upload's content, when its extension is accepted, it is not larger than
    ``max_bytes`` and its content is what the extension says; else ``UploadError``."""
    name = upload.filename or ""
    suffix = Path(name).suffix.lower()
    accepted = ", ".join(kinds)
    if not name:
        raise UploadError("Chưa chọn tệp để tải lên.")
    if suffix not in kinds:
        raise UploadError(f"Tệp {safe_name(name)} không được nhận: chỉ nhận tệp {accepted}.")
    data = bytearray()
    while chunk := await upload.read(_CHUNK):
        data.extend(chunk)
        if len(data) > max_bytes:
            raise UploadError(
                f"Tệp {safe_name(name)} lớn quá {max_bytes // (1024 * 1024)} MB: không được nhận."
            )
    if not data:
        raise UploadError(f"Tệp {safe_name(name)} rỗng.")
    if not kinds[suffix].sniff(bytes(data)):
        raise UploadError(
            f"Nội dung tệp {safe_name(name)} không phải {kinds[suffix].label} như tên tệp ghi: "
            "tệp hỏng hoặc đã bị đổi đuôi."
        )
    return bytes(data)


MAX_PARSING = 2  # files parsed at once in one process: the machine's two cores
_PARSERS = threading.BoundedSemaphore(MAX_PARSING)
_BUSY: set[str] = set()  # the keys of the work running now (``one_at_a_time``)
_BUSY_GUARD = threading.Lock()
_P = ParamSpec("_P")
_T = TypeVar("_T")


async def parse_off_loop(parse: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """``parse(*args, **kwargs)`` in a worker thread, waiting there while ``MAX_PARSING``
    others run: the event loop answers other requests meanwhile."""

    def bounded() -> _T:
        with _PARSERS:
            return parse(*args, **kwargs)

    return await run_in_threadpool(bounded)


@contextmanager
def one_at_a_time(key: str, busy: str) -> Iterator[None]:
    """Run the block unless work under ``key`` runs already in this process: then
    ``BusyError`` with the message ``busy``, and nothing is done."""
    with _BUSY_GUARD:
        if key in _BUSY:
            raise BusyError(busy)
        _BUSY.add(key)
    try:
        yield
    finally:
        with _BUSY_GUARD:
            _BUSY.discard(key)


def staged_dir(uploads: Path, token: str) -> Path:
    """The folder of a staged plan upload (``UploadError`` for a malformed token)."""
    if not _TOKEN.fullmatch(token):
        raise UploadError("Mã tệp tải lên không hợp lệ.")
    return uploads / "imports" / token


def discard(folder: Path) -> None:
    """Remove a staged upload (commit or cancel)."""
    shutil.rmtree(folder, ignore_errors=True)


def evidence_path(uploads: Path, task_id: int, name: str) -> Path:
    """Where one evidence file of a task is stored (``name`` as ``safe_name`` made it)."""
    if safe_name(name) != name:
        raise UploadError("Tên tệp minh chứng không hợp lệ.")
    return uploads / "evidence" / str(task_id) / name
