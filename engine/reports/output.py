"""Where a period report's files go, and how a new set replaces the old one whole.

A report's files (the ``.docx``, its PDF, the annex ``.xlsx`` and the charts in
``bieu-do/``) live in a folder of their own, ``report_folder(out, org, period)``:
``<out>/<org>-<period>/``. ``replaced_folder`` writes a new set into a temporary folder
beside it (``.<name>.moi-<pid>-<random>``) and only once every file is written moves the
old folder aside (``.<name>.cu-…``), renames the new one into place and deletes the old:
a report killed half-way leaves the previous set untouched, and a reader finds the old set
or the new one, never a mix. The gap between the two renames is microseconds; a run
killed inside it leaves the old folder aside, which the next run puts back before
anything else. Runs on the same folder take turns (an ``flock`` on the parent folder,
released by the system when a process dies), so the next run also removes what a crashed
one left behind, knowing no other run is writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

NEW = "moi"  # Vietnamese: the set being written
OLD = "cu"  # the set being replaced


def report_folder(out: Path, org_code: str, period_code: str) -> Path:
    """The folder of one organization's report for one period under ``out``."""
    return out / f"{org_code}-{period_code}"


def being_written(target: Path) -> Path | None:
    """The temporary folder a run is writing ``target``'s new set into, if any."""
    found = sorted(target.parent.glob(f".{target.name}.{NEW}-*"), key=_mtime)
    return found[-1] if found else None


@contextlib.contextmanager
def replaced_folder(target: Path) -> Iterator[Path]:
    """A new empty folder to write ``target``'s files into; when the block ends without an
    error it replaces ``target`` whole, otherwise it is removed and ``target`` is left as
    it was (see the module)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _turn(target.parent):
        _recover(target)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.{NEW}-"))
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _swap_in(staging, target)


@contextlib.contextmanager
def _turn(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder`` (one report run at a time writes into it)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _recover(target: Path) -> None:
    """Undo what a crashed run left: its unfinished new set is deleted; an old set it had
    moved aside goes back into place when ``target`` is missing, and is deleted otherwise."""
    for leftover in target.parent.glob(f".{target.name}.{NEW}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for old in sorted(target.parent.glob(f".{target.name}.{OLD}-*"), key=_mtime):
        if not target.exists():
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    # Aside under a fresh name the next run recognises (a directory renamed onto an empty
    # one replaces it).
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.{OLD}-"))
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
