"""The schema of ``config/rules.yaml``: labels, wording and thresholds of the 6 rõ check.

``parse_rules(text, source)`` returns a typed, frozen ``RulesConfig`` or raises one
``ConfigError`` listing every problem with its file, line, entry and field.

Each finding code of ``rules.six_clear`` is a field of ``Checks`` (written in YAML as
``checks: {person.missing: {severity, message, fix}}``); the ``Uses`` marker on the field
lists the placeholders its templates may use, so the model is also the catalogue
(``CODE_PLACEHOLDERS``) a settings page can offer.
"""

from __future__ import annotations

import re
import string
from functools import cached_property
from typing import Annotated, Any, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic_core import CoreSchema, core_schema

from engine.text import clean, fold, fold_aligned
from rules.config_text import ConfigVersion, field_errors, validate
from rules.facts import Dimension, Finding, Severity

# Placeholders every template may use: the task's reference and its dimension's label.
COMMON_PLACEHOLDERS = frozenset({"ref", "label"})

# Per-text memo caches on the config are cleared when they reach this size, so a run over
# a whole province stays bounded in memory while repeated cells are judged once.
_CACHE_LIMIT = 100_000

# Python's regular-expression errors, said in Vietnamese.
_REGEX_ERRORS = {
    "missing ), unterminated subpattern": "thiếu dấu ')'",
    "unbalanced parenthesis": "thừa dấu ')'",
    "unterminated character set": "thiếu dấu ']'",
    "nothing to repeat": "dấu lặp (*, +, ?, {…}) không đứng sau ký tự nào",
    "multiple repeat": "hai dấu lặp liền nhau",
    "bad escape": "ký tự thoát (\\) không hợp lệ",
    "min repeat greater than max repeat": "số lần lặp tối thiểu lớn hơn tối đa",
}
_ESCAPE = re.compile(r"\\.|\(\?P[<=][^>)]*[>)]")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    """Admin-edited data: unknown keys are errors, and the result is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def template_placeholders(template: str) -> frozenset[str]:
    """The ``{name}`` placeholders a str.format template uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _check_template(template: str) -> str:
    """Accept only plain ``{name}`` placeholders: no attribute, index or format spec."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(
            "mẫu câu sai cú pháp: dấu { } không khớp (muốn in dấu ngoặc nhọn thì viết {{ hoặc }})"
        ) from error
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise ValueError(
                f"chỗ trống {shown} không hợp lệ: chỉ dùng dạng {{tên}}, ví dụ {{cell}}"
            )
    return template


def _check_pattern(pattern: str) -> str:
    """A regex on folded text: compiles, cannot match empty text, written in folded form."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        said = next((v for k, v in _REGEX_ERRORS.items() if error.msg.startswith(k)), None)
        where = f" ở vị trí {error.pos + 1}" if error.pos is not None else ""
        detail = said or f"({error.msg})"
        raise ValueError(f"biểu thức chính quy không hợp lệ{where}: {detail}") from error
    if compiled.fullmatch(""):
        raise ValueError("mẫu khớp cả chuỗi rỗng, sẽ khớp mọi ô trống")
    letters = sorted({ch for ch in _ESCAPE.sub("", pattern) if _unfolded(ch)})
    if letters:
        raise ValueError(
            "mẫu phải viết chữ thường, không dấu, như văn bản đã chuẩn hóa "
            f"(ví dụ 'ubnd cac xa phuong'); gặp: {' '.join(letters)}"
        )
    return pattern


def _unfolded(ch: str) -> bool:
    """True for a letter ``engine.text.fold`` never produces (upper case or accented)."""
    return ch.isalpha() and (ch.isupper() or not ch.isascii())


Template = Annotated[Text, AfterValidator(_check_template)]
FoldedPattern = Annotated[str, AfterValidator(_check_pattern)]


class CheckSpec(_Strict):
    """How one finding code is reported: severity, message and fix (Vietnamese templates)."""

    severity: Severity
    message: Template
    fix: Template


class Uses:
    """Field marker: the placeholders (besides ref and label) a code's templates may use."""

    def __init__(self, *names: str) -> None:
        self.names = COMMON_PLACEHOLDERS | frozenset(names)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, spec: CheckSpec) -> CheckSpec:
        problems: dict[str, str] = {}
        for field in ("message", "fix"):
            unknown = template_placeholders(getattr(spec, field)) - self.names
            if unknown:
                problems[field] = (
                    f"chỗ trống {_braced(unknown)} không dùng được cho mã này; "
                    f"dùng được: {_braced(self.names)}"
                )
        if problems:
            raise field_errors(problems)
        return spec


def _braced(names: frozenset[str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names))


class Checks(_Strict):
    """One entry per finding code of ``rules.six_clear``."""

    person_missing: Annotated[CheckSpec, Uses("lead")] = Field(alias="person.missing")
    person_unknown: Annotated[CheckSpec, Uses("person", "lead")] = Field(alias="person.unknown")
    person_several: Annotated[CheckSpec, Uses("person", "names", "count", "lead")] = Field(
        alias="person.several"
    )
    person_not_in_lead: Annotated[
        CheckSpec, Uses("person", "person_name", "person_unit", "lead", "lead_unit")
    ] = Field(alias="person.not_in_lead")
    person_lead_unclear: Annotated[CheckSpec, Uses("person", "person_name", "cell")] = Field(
        alias="person.lead_unclear"
    )
    work_missing: Annotated[CheckSpec, Uses()] = Field(alias="work.missing")
    work_vague: Annotated[CheckSpec, Uses("work")] = Field(alias="work.vague")
    work_too_short: Annotated[CheckSpec, Uses("work", "words", "min_words")] = Field(
        alias="work.too_short"
    )
    work_no_area: Annotated[CheckSpec, Uses("work")] = Field(alias="work.no_area")
    deadline_missing: Annotated[CheckSpec, Uses("by_date", "by_period")] = Field(
        alias="deadline.missing"
    )
    deadline_unresolved: Annotated[CheckSpec, Uses("cell", "reason", "by_date", "by_period")] = (
        Field(alias="deadline.unresolved")
    )
    deadline_before_plan: Annotated[CheckSpec, Uses("cell", "due", "plan_date")] = Field(
        alias="deadline.before_plan"
    )
    responsibility_missing: Annotated[CheckSpec, Uses()] = Field(alias="responsibility.missing")
    responsibility_collective: Annotated[CheckSpec, Uses("cell", "phrases")] = Field(
        alias="responsibility.collective"
    )
    responsibility_several: Annotated[CheckSpec, Uses("cell", "count", "units")] = Field(
        alias="responsibility.several"
    )
    responsibility_unknown_lead: Annotated[CheckSpec, Uses("cell", "lead")] = Field(
        alias="responsibility.unknown_lead"
    )
    responsibility_unknown_coordinator: Annotated[CheckSpec, Uses("cell", "count", "units")] = (
        Field(alias="responsibility.unknown_coordinator")
    )
    authority_no_assigner: Annotated[CheckSpec, Uses()] = Field(alias="authority.no_assigner")
    authority_no_basis: Annotated[CheckSpec, Uses()] = Field(alias="authority.no_basis")
    result_no_product: Annotated[CheckSpec, Uses()] = Field(alias="result.no_product")
    result_target: Annotated[CheckSpec, Uses("target")] = Field(alias="result.target")
    result_no_result: Annotated[CheckSpec, Uses("product")] = Field(alias="result.no_result")
    result_no_evidence: Annotated[CheckSpec, Uses("product", "result")] = Field(
        alias="result.no_evidence"
    )


def _catalogue() -> dict[str, frozenset[str]]:
    """Code -> placeholders its templates may use, read from the ``Checks`` fields."""
    codes: dict[str, frozenset[str]] = {}
    for info in Checks.model_fields.values():
        uses = next(meta for meta in info.metadata if isinstance(meta, Uses))
        codes[str(info.alias)] = uses.names
    return codes


CODE_PLACEHOLDERS: dict[str, frozenset[str]] = _catalogue()
CODE_DIMENSIONS: dict[str, Dimension] = {
    code: Dimension(code.split(".", 1)[0]) for code in CODE_PLACEHOLDERS
}


class Labels(_Strict):
    """What each dimension is called in reports and screens ("Rõ kết quả" or "Rõ sản phẩm")."""

    person: Text
    work: Text
    deadline: Text
    responsibility: Text
    authority: Text
    result: Text

    def __getitem__(self, dimension: Dimension | str) -> str:
        """``labels[Dimension.RESULT]`` -> "Rõ kết quả" (or "Rõ sản phẩm")."""
        return str(getattr(self, Dimension(dimension).value))


class Thresholds(_Strict):
    """Numbers the checks compare against."""

    work_min_words: int = Field(ge=1, le=50)
    # Longer task texts are specific enough by length and are not matched against the
    # vague patterns: this keeps the check cheap over many distinct long texts.
    vague_max_words: int = Field(ge=1, le=100)


class PatternMemo:
    """Compiled patterns matched in full against folded text, memoized per raw text.

    Plan cells repeat a lot ("UBND các xã, phường" in every row), so each distinct text is
    folded and matched once; the memo is cleared when it reaches ``limit`` to stay bounded.
    """

    __slots__ = ("_memo", "limit", "patterns")

    def __init__(self, patterns: list[str], limit: int = _CACHE_LIMIT) -> None:
        self.patterns = tuple(re.compile(pattern) for pattern in patterns)
        self.limit = limit
        self._memo: dict[str, bool] = {}

    def matches(self, text: str) -> bool:
        """Does ``fold(text)`` match one of the patterns in full?"""
        hit = self._memo.get(text)
        if hit is None:
            key = fold(text)
            hit = any(pattern.fullmatch(key) for pattern in self.patterns)
            if len(self._memo) >= self.limit:
                self._memo.clear()
            self._memo[text] = hit
        return hit


class ResidueMemo:
    """Is nothing left of a text once its framing words are taken out? Memoized per text.

    The patterns are removed from ``fold(text)`` wherever they stand as whole words, in the
    order given (an area's name before the verbs, so "tổ chức" in "cải cách tổ chức bộ
    máy" goes with the name); the text is empty-handed when no word remains.
    """

    __slots__ = ("_memo", "limit", "pattern")

    def __init__(self, patterns: list[str], limit: int = _CACHE_LIMIT) -> None:
        alternatives = "|".join(f"(?:{pattern})" for pattern in patterns)
        self.pattern = re.compile(rf"\b(?:{alternatives})\b") if patterns else None
        self.limit = limit
        self._memo: dict[str, bool] = {}

    def empty(self, text: str) -> bool:
        """True when only framing words make up ``text`` (and it has some words)."""
        hit = self._memo.get(text)
        if hit is None:
            key = fold(text)
            hit = bool(key) and self.pattern is not None and not self.pattern.sub(" ", key).strip()
            if len(self._memo) >= self.limit:
                self._memo.clear()
            self._memo[text] = hit
        return hit


class TargetFinder:
    """The measurable target a text states ("… đạt 100%"), memoized per text.

    The patterns are searched in the text folded character for character (``%`` and
    digits kept); what is returned is the clause of the text that holds the first match,
    cut at ";", a line break or a full stop that ends a sentence.
    """

    __slots__ = ("_memo", "limit", "patterns")

    _CLAUSE_END = re.compile(r";|\n|\.(?=\s|$)")

    def __init__(self, patterns: list[str], limit: int = _CACHE_LIMIT) -> None:
        self.patterns = tuple(re.compile(pattern) for pattern in patterns)
        self.limit = limit
        self._memo: dict[str, str] = {}

    def target(self, text: str) -> str:
        """The clause stating a target, as written; "" when the text states none."""
        found = self._memo.get(text)
        if found is None:
            found = self._find(text)
            if len(self._memo) >= self.limit:
                self._memo.clear()
            self._memo[text] = found
        return found

    def _find(self, text: str) -> str:
        written = clean(text)
        key = fold_aligned(written)
        starts = [m.start() for p in self.patterns if (m := p.search(key)) is not None]
        if not starts:
            return ""
        at = min(starts)
        ends = [m.end() for m in self._CLAUSE_END.finditer(written, 0, at)]
        tail = self._CLAUSE_END.search(written, at)
        clause = written[max(ends, default=0) : tail.start() if tail else len(written)]
        return clause.strip(" -+•,:")


class Rendering(NamedTuple):
    """What a finding of one code needs from the config, looked up once per code.

    ``fixed`` is the finding itself when its templates use nothing that varies by task
    (no placeholder but {label}): findings are immutable, so one instance serves all.
    """

    dimension: Dimension
    label: str
    severity: Severity
    message: str
    fix: str
    fixed: Finding | None


def _rendering(code: str, spec: CheckSpec, label: str) -> Rendering:
    dimension = CODE_DIMENSIONS[code]
    fixed = None
    if template_placeholders(spec.message) | template_placeholders(spec.fix) <= {"label"}:
        values = {"label": label}
        message, fix = spec.message.format_map(values), spec.fix.format_map(values)
        fixed = Finding(dimension, code, spec.severity, message, fix)
    return Rendering(dimension, label, spec.severity, spec.message, spec.fix, fixed)


class RulesConfig(_Strict):
    """The whole ``rules.yaml``, validated; plus compiled patterns and per-text memos."""

    version: ConfigVersion
    labels: Labels
    thresholds: Thresholds
    area_required: bool
    lead_fallback: Text  # how messages name the lead unit when there is no single one
    deadline_reasons: dict[str, Text]  # deadline kind -> why it does not resolve
    vague_work_patterns: list[FoldedPattern]
    framing_patterns: list[FoldedPattern]  # taken out before judging what work remains
    area_name_patterns: list[FoldedPattern]  # an area's own name, taken out likewise
    target_patterns: list[FoldedPattern]  # a measurable target stated in the work
    collective_patterns: list[FoldedPattern]
    checks: Checks

    @field_validator("deadline_reasons")
    @classmethod
    def _has_unknown_reason(cls, reasons: dict[str, str]) -> dict[str, str]:
        if "unknown" not in reasons:
            raise ValueError("phải có khóa 'unknown': lý do dùng cho các loại thời hạn khác")
        return reasons

    def label(self, dimension: Dimension) -> str:
        """The configured label of a dimension."""
        return self.labels[dimension]

    def check(self, code: str) -> CheckSpec:
        """The configured severity and templates of a finding code."""
        return self.specs[code]

    @cached_property
    def specs(self) -> dict[str, CheckSpec]:
        """Code -> its configured severity and templates."""
        return {
            str(info.alias): getattr(self.checks, name)
            for name, info in Checks.model_fields.items()
        }

    @cached_property
    def renderings(self) -> dict[str, Rendering]:
        """Code -> dimension, label, severity and templates: one lookup per finding."""
        return {
            code: _rendering(code, spec, self.label(CODE_DIMENSIONS[code]))
            for code, spec in self.specs.items()
        }

    def deadline_reason(self, kind: str) -> str:
        """Why a deadline of this kind does not resolve to a date."""
        return self.deadline_reasons.get(kind) or self.deadline_reasons["unknown"]

    @cached_property
    def collective(self) -> PatternMemo:
        """The collective-lead patterns, compiled once, with their per-text memo."""
        return PatternMemo(self.collective_patterns)

    @cached_property
    def vague_work(self) -> PatternMemo:
        """The vague-work patterns, compiled once, with their per-text memo."""
        return PatternMemo(self.vague_work_patterns)

    @cached_property
    def restated_area(self) -> ResidueMemo:
        """The area names, then the framing words, removed to see what work remains."""
        return ResidueMemo([*self.area_name_patterns, *self.framing_patterns])

    @cached_property
    def targets(self) -> TargetFinder:
        """The measurable-target patterns, compiled once, with their per-text memo."""
        return TargetFinder(self.target_patterns)

    @property
    def collective_regexes(self) -> tuple[re.Pattern[str], ...]:
        """The compiled collective patterns; use ``fullmatch`` on ``fold(text)``."""
        return self.collective.patterns

    def is_collective(self, text: str) -> bool:
        """Does this unit phrase name a group rather than one owner? Memoized per text."""
        return self.collective.matches(text)

    def is_vague_work(self, text: str) -> bool:
        """Is this task text one of the generic phrasings? Memoized per text."""
        return self.vague_work.matches(text)


def parse_rules(text: str, source: str) -> RulesConfig:
    """Validate the text of a rules.yaml; raise ``ConfigError`` listing every problem."""
    return validate(RulesConfig, text, source)
