"""What saving a candidate config file would change in today's cycle: the config editor's
impact preview (``sauro config preview``, the editor page).

``preview_impact`` plans today's cycle twice, with the current configs and with the
candidate in a temporary copy of the config folder, each inside a transaction that is
rolled back (``engine.reminders.cycle.preview_cycle``): nothing is written anywhere.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from engine.calendar.status import local_date
from engine.configs.editor import LADDER, load_current, valid_text
from engine.reminders.cycle import CycleReport, preview_cycle
from rules.escalation import Recipient, Role, StepKind, parse_ladder

# What counts as a reminder, and as an escalation (see ``ImpactCounts``).
REMINDER_KINDS = frozenset({StepKind.BEFORE_DUE, StepKind.DUE_DAY})
ESCALATION_KINDS = frozenset({StepKind.OVERDUE, StepKind.UNCLEAR, StepKind.MISSING_REPORT})
ABOVE_UNIT_HEAD = frozenset({Role.STANDING_OFFICE, Role.VICE_CHAIRMAN, Role.CHAIRMAN})


@dataclass(frozen=True)
class ImpactCounts:
    """Today's cycle under one set of configs, counted as ``sauro rules preview`` plans it.

    - ``planned``: every message the ladder plans, one per task (or unit report), step and
      recipient role; a role held by several people counts once (the JSON "planned").
    - ``reminders``: the planned messages of ``before_due`` and ``due_day`` steps.
    - ``escalations``: the planned messages of ``overdue``, ``unclear`` and
      ``missing_report`` steps to someone above the lead unit's head: the standing office,
      the Vice-Chairman or the Chairman, named as such in the step's ``recipients``. A
      ``fixer`` message is not counted even when it goes to the standing office (it asks
      for a fix), nor is a ``{named: …}`` recipient (whose rank the ladder does not know).
    - ``messages``: the mails that would go out now, one digest per address, without what
      the delivery ledger says was already sent (the JSON "messages").
    """

    planned: int
    reminders: int
    escalations: int
    messages: int

    def to_json(self) -> dict[str, int]:
        return {
            "planned": self.planned,
            "reminders": self.reminders,
            "escalations": self.escalations,
            "messages": self.messages,
        }


@dataclass(frozen=True)
class Impact:
    """What saving a candidate file would change in today's cycle (every organization)."""

    name: str
    today: date
    before: ImpactCounts  # with the current configs
    after: ImpactCounts  # with the candidate in place of the current file

    def summary(self) -> str:
        """The sentence the config editor shows before saving, in Vietnamese."""
        return (
            f"Nếu lưu bây giờ, hôm nay sẽ gửi {self.after.reminders} lượt nhắc việc và "
            f"{self.after.escalations} lượt báo cáo vượt cấp (hiện tại: "
            f"{self.before.reminders} và {self.before.escalations})."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "today": self.today.isoformat(),
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "summary": self.summary(),
        }


def preview_impact(
    *, database_url: str, config_dir: Path, name: str, text: str, now: datetime
) -> Impact:
    """Today's cycle as of ``now`` with the current configs and with ``text`` in place of
    ``name``, for every organization; sends nothing, writes nothing (neither the database
    nor ``config_dir``). ``ConfigError`` listing every problem when ``text`` is invalid,
    or when the other current configs cannot run."""
    text = valid_text(config_dir=config_dir, name=name, text=text)
    before = _counts(_preview(database_url, config_dir, now), config_dir)
    with _candidate_folder(config_dir, name, text) as candidate:
        after = _counts(_preview(database_url, candidate, now), candidate)
    return Impact(name=name, today=local_date(now), before=before, after=after)


def _preview(database_url: str, config_dir: Path, now: datetime) -> CycleReport:
    return preview_cycle(database_url=database_url, config_dir=config_dir, org_code=None, now=now)


def _counts(report: CycleReport, config_dir: Path) -> ImpactCounts:
    ladder = parse_ladder(load_current(config_dir=config_dir, name=LADDER), LADDER)
    steps = {step.id: step for step in ladder.steps}
    reminders = escalations = 0
    for (step_id, role), count in report.planned_by_step.items():
        step = steps[step_id]
        if step.kind in REMINDER_KINDS:
            reminders += count
        elif (
            step.kind in ESCALATION_KINDS
            and role in ABOVE_UNIT_HEAD
            and Recipient(role) in step.recipients
        ):
            escalations += count
    return ImpactCounts(
        planned=report.planned,
        reminders=reminders,
        escalations=escalations,
        messages=len(report.messages),
    )


@contextlib.contextmanager
def _candidate_folder(config_dir: Path, name: str, text: str) -> Iterator[Path]:
    """A temporary copy of ``config_dir`` with ``text`` as ``name``; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sauro-config-") as scratch:
        folder = Path(scratch) / "config"
        shutil.copytree(config_dir, folder)
        (folder / name).write_text(text, encoding="utf-8")
        yield folder
