"""Editing the administrator's config files: validate, save with history, roll back.
What the config-editor page and ``sauro config`` call.

The editable files (``EDITABLE``) are the YAML configs of ``engine.configs.files.CONFIG_FILES``
except ``directory.yaml`` (the directory lives in the database once ``sauro init`` has
loaded it: editing the file alone would not change who gets what), and the message
templates of ``config/templates``. Names are relative to the config folder:
``escalation.yaml``, ``templates/digest.html``.

- ``validate_text`` checks a candidate text in the context of the other current files:
  a candidate ``escalation.yaml`` must name template sets that exist; a candidate template
  is compiled, name-checked and rendered against sample digests together with the other
  current templates (a shared part is checked through the templates that include it),
  under the sandbox's bounds (``engine.template_sandbox``) and a time limit of
  ``VALIDATION_SECONDS`` per render: a template that builds huge strings, loops without
  end or takes seconds is refused at the line where it crosses the bound.
  Every problem carries the file (the editable name) and the line (``Location.line``).
- What a candidate would change in today's cycle is ``engine.reminders.impact``: it plans a
  reminder cycle, which sits above this package.
- ``save_config`` writes the file atomically (temp file + ``os.replace``) and appends a
  revision to ``config_revision``; that table is the audit of config changes (configs are
  global; ``audit_log`` rows belong to one organization). ``rollback`` saves an old text
  again as a new revision: history is append-only.

Texts are stored with ``\\n`` line ends (a browser sends ``\\r\\n``); line numbers are the same.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from engine.configs.files import CONFIG_FILES
from engine.errors import ConfigError, Location, NotFoundError, Problem, SauroError
from engine.store.audit import Actor
from engine.store.models import ConfigFileRevision, require_id
from engine.template_sandbox import VALIDATION_SECONDS, time_budget
from notifications.render import PARTS, TemplateSet
from rules.config_text import load_yaml, problem_at, require_size
from rules.escalation import Ladder

LADDER = "escalation.yaml"
TEMPLATES = "templates"
YAML_FILES: tuple[str, ...] = (
    "rules.yaml",
    LADDER,
    "calendar.yaml",
    "reporting.yaml",
    "areas.yaml",
    "import.yaml",
)
# The shipped template sets (digest, escalation) and their shared parts.
TEMPLATE_FILES: tuple[str, ...] = (
    "digest.subject.txt",
    "digest.txt",
    "digest.html",
    "escalation.subject.txt",
    "escalation.txt",
    "escalation.html",
    "_cac_muc.txt",
    "_cac_muc.html",
)
EDITABLE: tuple[str, ...] = (*YAML_FILES, *(f"{TEMPLATES}/{file}" for file in TEMPLATE_FILES))

ORIGINAL_NOTE = "bản ban đầu"
HAND_EDIT_NOTE = "sửa trực tiếp trên tệp, ngoài Sáu Rõ"


class RevisionAction:
    """What a ``config_revision`` row records (its ``action`` column)."""

    ORIGINAL = "original"
    HAND_EDIT = "hand_edit"
    SAVE = "save"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class ConfigRevision:
    """One saved version of a config file; ``number`` counts 1, 2, 3… per file."""

    id: int
    name: str
    number: int
    text: str
    saved_at: datetime  # aware (UTC)
    saved_by: str
    note: str


# --- reading and validating ----------------------------------------------------------


def load_current(*, config_dir: Path, name: str) -> str:
    """The text of an editable file as it is now in ``config_dir``."""
    path = _path(config_dir, name)
    text = _read(path, name)
    if text is None:
        raise NotFoundError(f"Chưa có tệp {name} trong thư mục cấu hình {config_dir}")
    return text


def validate_text(*, config_dir: Path, name: str, text: str) -> list[Problem]:
    """Every problem of ``text`` as the new content of ``name``, checked together with the
    other current files of ``config_dir``; each names the file and, where known, its line.
    An empty list: the text can be saved."""
    _path(config_dir, name)
    text = _normalized(text)
    try:
        require_size(text, name)
        if name.startswith(f"{TEMPLATES}/"):
            return _template_problems(config_dir, name, text)
        parsed = CONFIG_FILES[name](text, name)
    except ConfigError as error:
        return error.problems or [Problem(Location(file=name), error.message)]
    if name == LADDER:
        return _missing_templates(config_dir / TEMPLATES, parsed, text)
    return []


def valid_text(*, config_dir: Path, name: str, text: str) -> str:
    """``text`` with the line ends of the stored files, once ``validate_text`` finds no
    problem; ``ConfigError`` listing every problem otherwise."""
    text = _normalized(text)
    problems = validate_text(config_dir=config_dir, name=name, text=text)
    if problems:
        raise _invalid(name, problems)
    return text


def _template_problems(config_dir: Path, name: str, text: str) -> list[Problem]:
    """Load the current templates with the candidate in place of ``name``, from a copy."""
    file = name.removeprefix(f"{TEMPLATES}/")
    with tempfile.TemporaryDirectory(prefix="sauro-templates-") as scratch:
        folder = Path(scratch) / TEMPLATES
        if (config_dir / TEMPLATES).is_dir():
            shutil.copytree(config_dir / TEMPLATES, folder)
        else:
            folder.mkdir()
        (folder / file).write_text(text, encoding="utf-8")
        try:
            with time_budget(VALIDATION_SECONDS):  # a sample renders in milliseconds
                TemplateSet.load(folder)
        except ConfigError as error:
            return [_in_templates(problem) for problem in error.problems]
    return []


def _in_templates(problem: Problem) -> Problem:
    """A template problem named as the editor names files: "templates/digest.html"."""
    file = problem.location.file
    if file is None or "/" in file:
        return problem
    return replace(problem, location=replace(problem.location, file=f"{TEMPLATES}/{file}"))


def _missing_templates(folder: Path, ladder: Ladder, text: str) -> list[Problem]:
    """A problem at the ``template`` line of every step whose template set is missing."""
    _, lines = load_yaml(text, LADDER)
    problems: list[Problem] = []
    for index, step in enumerate(ladder.steps):
        missing = [step.template + suffix for _, suffix in PARTS]
        missing = [file for file in missing if not (folder / file).is_file()]
        if missing:
            message = (
                f"mẫu thư '{step.template}' không có trong {TEMPLATES}/ "
                f"(thiếu {', '.join(missing)})"
            )
            problems.append(problem_at(("steps", index, "template"), message, LADDER, lines))
    return problems


# --- saving, history, rollback -------------------------------------------------------


def save_config(
    session: Session,
    *,
    config_dir: Path,
    name: str,
    text: str,
    actor: Actor,
    now: datetime,
    note: str = "",
) -> ConfigRevision:
    """Validate ``text``, append it to the history of ``name`` and write the file.

    ``ConfigError`` listing every problem when it is invalid (nothing written). The first
    save of a file without history first records the file as it was (revision 1,
    "bản ban đầu"), so that it can be restored; likewise a file edited by hand since its
    last revision is recorded as it is ("sửa trực tiếp trên tệp") before being replaced.
    The file is replaced after the revision row
    is flushed, so commit the session right after (a failed commit leaves the file ahead of
    its history). Saves of one file are serialized until commit: numbers never collide.
    """
    text = valid_text(config_dir=config_dir, name=name, text=text)
    return _append(
        session,
        config_dir=config_dir,
        name=name,
        text=text,
        action=RevisionAction.SAVE,
        actor=actor,
        now=now,
        note=note.strip(),
    )


def history(session: Session, *, name: str) -> list[ConfigRevision]:
    """Every saved version of ``name``, newest first."""
    _require_editable(name)
    rows = session.exec(
        select(ConfigFileRevision)
        .where(ConfigFileRevision.name == name)
        .order_by(col(ConfigFileRevision.number).desc())
    )
    return [_revision(row) for row in rows]


def rollback(
    session: Session,
    *,
    config_dir: Path,
    name: str,
    revision_id: int,
    actor: Actor,
    now: datetime,
) -> ConfigRevision:
    """Save the text of revision ``revision_id`` of ``name`` again, as a new revision,
    validated against the current other files like any save."""
    _require_editable(name)
    old = session.get(ConfigFileRevision, revision_id)
    if old is None or old.name != name:
        raise NotFoundError(f"Không có phiên bản mã {revision_id} của tệp {name}")
    problems = validate_text(config_dir=config_dir, name=name, text=old.text)
    if problems:
        raise ConfigError(
            f"Không khôi phục được phiên bản {old.number} của {name}: với các tệp cấu hình "
            f"hiện tại, bản đó có {len(problems)} lỗi",
            problems,
        )
    return _append(
        session,
        config_dir=config_dir,
        name=name,
        text=old.text,
        action=RevisionAction.ROLLBACK,
        actor=actor,
        now=now,
        note=f"Khôi phục phiên bản {old.number}",
    )


def _append(
    session: Session,
    *,
    config_dir: Path,
    name: str,
    text: str,
    action: str,
    actor: Actor,
    now: datetime,
    note: str,
) -> ConfigRevision:
    """Record the file as it is on disk when the history does not hold it yet (the
    original, or a hand edit since the last save), then the new revision; write the file."""
    path = _path(config_dir, name)
    _lock_history(session, name)
    latest = _latest(session, name)
    number = latest.number if latest else 0
    on_disk = _read(path, name)
    if on_disk is not None and (latest is None or latest.text != on_disk):
        number += 1
        found, kept = (
            (RevisionAction.HAND_EDIT, HAND_EDIT_NOTE)
            if latest
            else (RevisionAction.ORIGINAL, ORIGINAL_NOTE)
        )
        session.add(_row(name, number, text=on_disk, action=found, actor=actor, now=now, note=kept))
    row = _row(name, number + 1, text=text, action=action, actor=actor, now=now, note=note)
    session.add(row)
    session.flush()
    _write_atomically(path, text)
    return _revision(row)


def _row(
    name: str, number: int, *, text: str, action: str, actor: Actor, now: datetime, note: str
) -> ConfigFileRevision:
    return ConfigFileRevision(
        name=name,
        number=number,
        text=text,
        action=action,
        saved_at=now,
        saved_by=actor.name,
        source=actor.source,
        note=note,
    )


def _latest(session: Session, name: str) -> ConfigFileRevision | None:
    query = (
        select(ConfigFileRevision)
        .where(ConfigFileRevision.name == name)
        .order_by(col(ConfigFileRevision.number).desc())
        .limit(1)
    )
    return session.exec(query).first()


def _lock_history(session: Session, name: str) -> None:
    """Hold the history of ``name`` until commit, so that two saves at once are numbered
    one after the other: an advisory lock on PostgreSQL; on SQLite the database's write
    lock, taken by a write that changes nothing."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = zlib.crc32(f"config_revision:{name}".encode())
        session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        session.execute(sql("UPDATE config_revision SET number = number WHERE 1 = 0"))


def _revision(row: ConfigFileRevision) -> ConfigRevision:
    return ConfigRevision(
        id=require_id(row),
        name=row.name,
        number=row.number,
        text=row.text,
        saved_at=row.saved_at,
        saved_by=row.saved_by,
        note=row.note,
    )


# --- files ---------------------------------------------------------------------------


def _require_editable(name: str) -> None:
    if name not in EDITABLE:
        raise NotFoundError(
            f"Tệp cấu hình '{name}' không có trong danh sách được sửa: {', '.join(EDITABLE)}"
        )


def _path(config_dir: Path, name: str) -> Path:
    _require_editable(name)
    return config_dir / name


def _read(path: Path, name: str) -> str | None:
    """The file's text, None when it does not exist."""
    try:
        return _normalized(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        problem = Problem(Location(file=name), "không đọc được: tệp phải lưu với bảng mã UTF-8")
        raise ConfigError(f"Không đọc được tệp cấu hình {path}", [problem]) from None


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    try:
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(scratch, mode)
        os.replace(scratch, path)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise _unwritable(path, error) from None


def _unwritable(path: Path, error: OSError) -> SauroError:
    return SauroError(f"Không ghi được tệp cấu hình {path} ({error.strerror or error})")


def _normalized(text: str) -> str:
    """One kind of line end, as the files are stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _invalid(name: str, problems: list[Problem]) -> ConfigError:
    return ConfigError(f"Tệp cấu hình {name} không hợp lệ ({len(problems)} lỗi)", problems)
