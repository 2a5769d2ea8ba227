"""The schema of ``config/escalation.yaml``: the reminder and escalation ladder.

``parse_ladder(text, source)`` returns a typed, frozen ``Ladder`` or raises one
``ConfigError`` listing every problem with its file, line, entry and field
("escalation.yaml, dòng 14, steps[2].offset: …").

A ladder is a list of steps. Each step says *when* (``kind`` and ``offset`` in working
days, optionally ``repeat_every``), *to whom* (``recipients``: roles or named people) and
*how* (``template``). ``rules.ladder.plan`` evaluates the ladder; ``config_version`` is
carried on every message it plans, so a delivery records which version of the rules sent it.

The roles a recipient may name, and the step kinds, are exported as catalogues
(``ROLE_LABELS``, ``KIND_LABELS``) so a settings page can offer them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    field_validator,
    model_validator,
)

from engine.errors import ConfigError, Location, Problem
from rules.config_text import ConfigVersion, LineOf, field_errors, load_yaml, validate_data

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_MAX_SHOWN = 60


class StepKind(StrEnum):
    """When a step fires, relative to what (offsets count working days)."""

    BEFORE_DUE = "before_due"  # offset working days before the effective due date
    DUE_DAY = "due_day"  # on the effective due date
    OVERDUE = "overdue"  # offset working days after the effective due date
    UNCLEAR = "unclear"  # offset working days after the task was first found unclear
    MISSING_REPORT = "missing_report"  # offset working days after a unit report's deadline
    AWAITING = "awaiting"  # offset working days after a completion was sent for acceptance


class Role(StrEnum):
    """Who receives a step's message; resolved to a person from the directory at delivery."""

    PERSON = "person"  # the officer named on the task
    LEAD_HEAD = "lead_head"  # the head of the lead unit (of the report's unit for reports)
    STANDING_OFFICE = "standing_office"  # the standing office for administrative reform
    VICE_CHAIRMAN = "vice_chairman"  # the Phó Chủ tịch in charge of the lead unit
    CHAIRMAN = "chairman"  # the Chairman of the People's Committee
    # Only in unclear steps: whoever can fix the failing dimensions. A missing or wrong
    # person goes to the lead unit head (who assigns officers); every other dimension (and
    # the person when there is no lead unit) goes to the standing office.
    FIXER = "fixer"
    # Only in awaiting steps: whoever accepts results in the organization (its
    # ``acceptance.by``): the Vice-Chairman in charge of the lead unit (else the Chairman), or
    # the standing office.
    ACCEPTOR = "acceptor"
    NAMED = "named"  # a named person or address: written {named: "…"}


KIND_LABELS: dict[StepKind, str] = {
    StepKind.BEFORE_DUE: "Nhắc trước hạn",
    StepKind.DUE_DAY: "Nhắc đúng ngày đến hạn",
    StepKind.OVERDUE: "Báo quá hạn",
    StepKind.UNCLEAR: "Nhiệm vụ chưa đạt 6 rõ",
    StepKind.MISSING_REPORT: "Đơn vị chưa gửi báo cáo",
    StepKind.AWAITING: "Nhắc xác nhận kết quả",
}

ROLE_LABELS: dict[Role, str] = {
    Role.PERSON: "Người thực hiện nhiệm vụ",
    Role.LEAD_HEAD: "Thủ trưởng đơn vị chủ trì",
    Role.STANDING_OFFICE: "Cơ quan thường trực CCHC",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch phụ trách",
    Role.CHAIRMAN: "Chủ tịch UBND",
    Role.FIXER: "Người sửa được nhiệm vụ chưa rõ",
    Role.ACCEPTOR: "Người xác nhận kết quả",
    Role.NAMED: "Người nhận ghi đích danh",
}

# How a repetition is said: daily and weekly by name.
_REPEATS = {1: "nhắc lại hằng ngày", 5: "nhắc lại hằng tuần"}

# Roles beyond the task's own people: a mail names them as whom the rule escalates to.
_ESCALATED: dict[Role, str] = {
    Role.STANDING_OFFICE: "cơ quan thường trực CCHC",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch phụ trách",
    Role.CHAIRMAN: "Chủ tịch UBND",
    Role.ACCEPTOR: "người xác nhận kết quả",
    Role.NAMED: "người nhận ghi đích danh",
}

# Roles written as a plain word in ``recipients`` (a named person is a mapping).
PLAIN_ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.NAMED)
_PLAIN_VALUES = frozenset(role.value for role in PLAIN_ROLES)

# Kinds whose offset 0 means nothing (it is another kind), and kinds that may repeat.
_MIN_OFFSET = {StepKind.BEFORE_DUE: 1, StepKind.OVERDUE: 1}
_REPEATING = frozenset(
    {StepKind.OVERDUE, StepKind.UNCLEAR, StepKind.MISSING_REPORT, StepKind.AWAITING}
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient of a step: a role, or a named person (``role`` is ``Role.NAMED``)."""

    role: Role
    named: str | None = None

    @property
    def key(self) -> str:
        """Stable text for ledger keys and digests: "chairman", "named:a@b.vn"."""
        return f"named:{self.named}" if self.role is Role.NAMED else self.role.value


def _shown(value: Any) -> str:
    """A received value, short, as messages show it."""
    if value is None:
        shown = "giá trị rỗng"
    else:
        shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 1] + "…"


def _working_days(minimum: int) -> PlainValidator:
    """A whole number of working days, at least ``minimum``; "3 ngày" is refused."""

    def check(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        raise ValueError(f"phải là số ngày làm việc (số nguyên ≥ {minimum}), nhận {_shown(value)}")

    return PlainValidator(check)


def _slug(what: str, example: str) -> AfterValidator:
    """A code written in lower-case ASCII letters, digits, '-' and '_'."""

    def check(value: str) -> str:
        if not _SLUG.fullmatch(value):
            raise ValueError(
                f"{what} chỉ gồm chữ thường không dấu, chữ số, '-' hoặc '_' "
                f"(ví dụ {example}), nhận {_shown(value)}"
            )
        return value

    return AfterValidator(check)


def _recipient(value: Any) -> Recipient:
    """A plain role word, or ``{named: "…"}`` for a named person or address."""
    if isinstance(value, str):
        if value in _PLAIN_VALUES:
            return Recipient(Role(value))
        raise ValueError(f"vai trò không hợp lệ {_shown(value)}; {_ROLE_HELP}")
    if isinstance(value, dict):
        if set(value) != {"named"}:
            keys = ", ".join(repr(str(key)) for key in value)
            raise ValueError(f"người nhận đích danh chỉ có một khóa named, nhận {keys}; {_NAMED}")
        named = value["named"]
        if not isinstance(named, str) or not named.strip():
            raise ValueError(f"named phải là tên hoặc email, nhận {_shown(named)}; {_NAMED}")
        return Recipient(Role.NAMED, named.strip())
    raise ValueError(f"người nhận không hợp lệ, nhận {_shown(value)}; {_ROLE_HELP}")


def _written(recipient: Recipient) -> str | dict[str, str]:
    """A recipient as the YAML writes it, so a dumped ladder reads back the same."""
    if recipient.role is Role.NAMED and recipient.named is not None:
        return {"named": recipient.named}
    return recipient.role.value


_NAMED = 'ví dụ {named: "chutich@xa.example.vn"}'
_ROLE_HELP = "dùng một trong " + ", ".join(PLAIN_ROLES) + f" hoặc {_NAMED}"


def _version_text(value: Any) -> Any:
    """``config_version: 2026-11-01`` unquoted is a YAML date; keep it as its text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
StepId = Annotated[Text, _slug("mã bước", "overdue-chairman")]
TemplateName = Annotated[Text, _slug("tên mẫu thư", "digest")]
Offset = Annotated[int, _working_days(0)]
Repeat = Annotated[int, _working_days(1)]
RecipientItem = Annotated[Recipient, PlainValidator(_recipient), PlainSerializer(_written)]


class _Strict(BaseModel):
    """Admin-edited data: unknown keys are errors, and the result is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    """One rung of the ladder."""

    id: StepId
    kind: StepKind
    offset: Offset = 0
    repeat_every: Repeat | None = None
    recipients: tuple[RecipientItem, ...]
    template: TemplateName
    enabled: bool = True
    description: Text

    @field_validator("recipients")
    @classmethod
    def _some_recipients(cls, recipients: tuple[Recipient, ...]) -> tuple[Recipient, ...]:
        if not recipients:
            raise ValueError("phải có ít nhất một người nhận")
        keys = [recipient.key for recipient in recipients]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"người nhận bị lặp: {', '.join(repeated)}")
        return recipients

    @model_validator(mode="after")
    def _meaningful_for_kind(self) -> Step:
        """Offsets, repetition and roles that make sense for this kind, else located errors."""
        problems: dict[str, str] = {}
        offset_problem = _offset_problem(self.kind, self.offset)
        if offset_problem:
            problems["offset"] = offset_problem
        if self.repeat_every is not None and self.kind not in _REPEATING:
            problems["repeat_every"] = (
                f"kind {self.kind.value} chỉ gửi một lần; repeat_every chỉ dùng cho "
                "overdue, unclear, missing_report và awaiting"
            )
        role_problem = _role_problem(self.kind, self.recipients)
        if role_problem:
            problems["recipients"] = role_problem
        if problems:
            raise field_errors(problems)
        return self

    def words(self, role: Role) -> str:
        """The rule in plain Vietnamese, as a mail names it: "nhắc trước hạn 3 ngày làm
        việc", "quá hạn từ 5 ngày làm việc, nhắc lại hằng tuần — báo Phó Chủ tịch phụ trách"."""
        days = f"{self.offset} ngày làm việc"
        since = f"từ {days}" if self.repeat_every else days
        when = {
            StepKind.BEFORE_DUE: f"nhắc trước hạn {days}",
            StepKind.DUE_DAY: "nhắc đúng ngày đến hạn",
            StepKind.OVERDUE: f"quá hạn {since}",
            StepKind.UNCLEAR: f"chưa đạt 6 rõ {since}" if self.offset else "chưa đạt 6 rõ",
            StepKind.MISSING_REPORT: (
                f"quá hạn nộp báo cáo {since}" if self.offset else "đến hạn nộp báo cáo"
            ),
            StepKind.AWAITING: f"kết quả chờ xác nhận {since}",
        }[self.kind]
        if self.repeat_every:
            when += ", " + _REPEATS.get(
                self.repeat_every, f"nhắc lại sau mỗi {self.repeat_every} ngày làm việc"
            )
        if role in _ESCALATED:
            when += f" — báo {_ESCALATED[role]}"
        return when


def _offset_problem(kind: StepKind, offset: int) -> str | None:
    """Why ``offset`` means nothing for ``kind``, or None."""
    if kind is StepKind.DUE_DAY and offset != 0:
        return (
            f"kind due_day gửi đúng ngày đến hạn nên offset phải là 0 (hoặc bỏ trống), "
            f"nhận {offset}; nhắc trước hạn thì dùng kind before_due"
        )
    if offset < _MIN_OFFSET.get(kind, 0):
        if kind is StepKind.BEFORE_DUE:
            return (
                "nhắc trước hạn phải ≥ 1 ngày làm việc; "
                "nhắc đúng ngày đến hạn thì dùng kind due_day"
            )
        return (
            "nhiệm vụ chỉ quá hạn từ ngày làm việc sau ngày đến hạn nên offset phải ≥ 1; "
            "nhắc đúng ngày đến hạn thì dùng kind due_day"
        )
    return None


def _role_problem(kind: StepKind, recipients: tuple[Recipient, ...]) -> str | None:
    """A role this kind of step cannot resolve, or None."""
    roles = {recipient.role for recipient in recipients}
    if Role.FIXER in roles and kind is not StepKind.UNCLEAR:
        return "vai trò fixer (người sửa được nhiệm vụ chưa rõ) chỉ dùng cho kind unclear"
    if Role.ACCEPTOR in roles and kind is not StepKind.AWAITING:
        return "vai trò acceptor (người xác nhận kết quả) chỉ dùng cho kind awaiting"
    if Role.PERSON in roles and kind is StepKind.MISSING_REPORT:
        return (
            "báo cáo của đơn vị không có người thực hiện: với missing_report dùng lead_head "
            "(thủ trưởng đơn vị), standing_office, vice_chairman, chairman hoặc named"
        )
    return None


class Ladder(_Strict):
    """The whole ``escalation.yaml``, validated."""

    version: ConfigVersion
    config_version: Annotated[Text, BeforeValidator(_version_text)]
    steps: tuple[Step, ...]

    def enabled(self, kind: StepKind) -> tuple[Step, ...]:
        """The enabled steps of one kind, in file order."""
        return tuple(step for step in self.steps if step.enabled and step.kind is kind)

    def step(self, step_id: str) -> Step:
        """The step with this id; ``KeyError`` when there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def parse_ladder(text: str, source: str) -> Ladder:
    """Validate the text of an escalation.yaml; raise ``ConfigError`` listing every problem.

    Duplicate step ids are found on the raw data, so they are reported together with
    every schema problem rather than after them.
    """
    data, lines = load_yaml(text, source)
    duplicates = _duplicate_ids(data, lines, source)
    try:
        ladder = validate_data(Ladder, data, lines, source)
    except ConfigError as error:
        raise _invalid(source, [*error.problems, *duplicates]) from error
    if duplicates:
        raise _invalid(source, duplicates)
    return ladder


def _invalid(source: str, problems: list[Problem]) -> ConfigError:
    """One error with every problem, in the order of the file."""
    ordered = sorted(problems, key=lambda problem: problem.location.row or 0)
    return ConfigError(f"Tệp cấu hình {source} không hợp lệ ({len(ordered)} lỗi)", ordered)


def _duplicate_ids(data: Any, lines: LineOf, source: str) -> list[Problem]:
    """A problem at every step whose id an earlier step already uses."""
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list):
        return []
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for index, step in enumerate(steps):
        step_id = step.get("id") if isinstance(step, dict) else None
        if not isinstance(step_id, str):
            continue
        step_id = step_id.strip()
        if step_id in first:
            earlier = first[step_id]
            line = lines.get(("steps", str(index), "id"))
            earlier_line = lines.get(("steps", str(earlier), "id"))
            where = Location(file=source, row=line, entry=f"steps[{index}]", field="id")
            message = (
                f"mã bước {step_id!r} bị lặp, đã dùng ở steps[{earlier}] (dòng {earlier_line})"
            )
            problems.append(Problem(where, message))
        else:
            first[step_id] = index
    return problems
