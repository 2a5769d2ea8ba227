"""The 6 rõ check: judge one task's facts, say which dimensions fail, why, and the fix.

Pure: no database, no clock, no settings. ``evaluate`` runs over whole provinces, so it
allocates nothing for a dimension that passes: a ``Finding`` (and the values for its
message) is built only on failure (and built once per config when its wording does not
vary by task), and the pattern checks are memoized per distinct text on the config
(``RulesConfig.collective``, ``RulesConfig.vague_work``).

Codes, by dimension (severity and wording come from ``config/rules.yaml``):
- person: missing, unknown, several, not_in_lead, lead_unclear
- work: missing, vague, too_short, no_area
- deadline: missing, unresolved, before_plan (a warning by default)
- responsibility: missing, collective, several, unknown_lead, unknown_coordinator
- authority: no_assigner, no_basis
- result: no_product, target (a warning: the work's measurable target stands for the
  product), no_result, no_evidence
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from engine.text import clean, clean_lines, fold
from rules.facts import Dimension, Finding, Severity, TaskFacts, UnitMention
from rules.schema import RulesConfig, template_placeholders

LIST_SEPARATOR = "; "
_MAX_QUOTED = 120  # longest work text quoted in a message before it is shortened

_WORD = re.compile(r"[\w/]+")
_CHARS_PER_WORD = 8  # a generous average for Vietnamese, to size the prefix scanned
# Separators between several people written in one cell.
_PERSON_SPLIT = re.compile(r"\s*(?:[,;+\n]|\bvà\b)\s*", re.IGNORECASE)
# Folded starts of a part that is a title describing the name before it, not another
# person ("Nguyễn Văn A, Trưởng phòng"): it is not counted as a second name.
_TITLE_STARTS = (
    "truong ",
    "pho ",
    "chu tich",
    "giam doc",
    "chuyen vien",
    "can bo",
    "cong chuc",
    "vien chuc",
    "ke toan",
    "van thu",
    "lanh dao",
    "nguoi dung dau",
    "thu truong",
    "chi huy",
)


def evaluate(task: TaskFacts, config: RulesConfig) -> list[Finding]:
    """Every finding of the six checks on one task, dimension by dimension."""
    findings: list[Finding] = []
    _check_person(task, config, findings)
    _check_work(task, config, findings)
    _check_deadline(task, config, findings)
    _check_responsibility(task, config, findings)
    _check_authority(task, config, findings)
    _check_result(task, config, findings)
    return findings


class Evaluator:
    """``evaluate`` for many tasks at once (a plan, a province).

    Each dimension's findings are memoized on the facts that dimension reads, so a lead
    cell, deadline cell, product or authority repeated across thousands of tasks is judged
    once. The work text is nearly unique per task, so work is always judged afresh. When an
    administrator's template quotes ``{ref}``, the task's reference joins that dimension's
    key, so a message never names another task.
    """

    _MEMO_LIMIT = 200_000  # entries per dimension; past it, new keys are judged unmemoized

    def __init__(self, config: RulesConfig) -> None:
        self.config = config
        # (check, its memo or None when not memoized, does its wording quote {ref}?)
        self._steps: tuple[tuple[_Check, dict[object, tuple[Finding, ...]] | None, bool], ...] = (
            tuple(
                (check, None if dimension is Dimension.WORK else {}, _quotes_ref(config, dimension))
                for dimension, check in _CHECKS
            )
        )

    def evaluate(self, task: TaskFacts) -> list[Finding]:
        """The same findings as ``evaluate(task, config)``, in the same order."""
        t, out = task, list[Finding]()
        keys = (  # the facts each dimension reads, in _CHECKS order (work: not memoized)
            (t.person_text, t.person_name, t.person_unit, t.lead_text, t.lead_units),
            None,
            (t.deadline_text, t.deadline_kind, t.deadline_resolved, t.deadline_reason, t.due,
             t.plan_date),
            (t.lead_text, t.lead_units, t.coordinators),
            (t.assigner, t.basis),
            # the work matters only when no product is written (a target in it may stand in)
            (t.product, t.done, t.result, t.evidence, None if t.product.strip() else t.work),
        )  # fmt: skip
        for (check, memo, by_ref), key in zip(self._steps, keys, strict=True):
            if memo is None:
                check(t, self.config, out)
                continue
            memo_key = (key, t.ref) if by_ref else key
            found = memo.get(memo_key)
            if found is None:
                found = self._judge(check, t, memo, memo_key)
            out.extend(found)
        return out

    def _judge(
        self,
        check: _Check,
        task: TaskFacts,
        memo: dict[object, tuple[Finding, ...]],
        key: object,
    ) -> tuple[Finding, ...]:
        fresh: list[Finding] = []
        check(task, self.config, fresh)
        found = tuple(fresh)
        if len(memo) < self._MEMO_LIMIT:
            memo[key] = found
        return found


def _quotes_ref(config: RulesConfig, dimension: Dimension) -> bool:
    return any(
        "ref" in template_placeholders(r.message) | template_placeholders(r.fix)
        for r in config.renderings.values()
        if r.dimension is dimension
    )


_ALL_CLEAR: dict[Dimension, bool] = dict.fromkeys(Dimension, True)


def clear_map(findings: list[Finding]) -> dict[Dimension, bool]:
    """Each dimension -> clear? A dimension is clear when it has no ERROR finding."""
    clear = _ALL_CLEAR.copy()
    for finding in findings:
        if finding.severity is Severity.ERROR:
            clear[finding.dimension] = False
    return clear


def is_clear(findings: list[Finding]) -> bool:
    """True when all six dimensions are clear (warnings allowed)."""
    return not any(finding.severity is Severity.ERROR for finding in findings)


def _finding(code: str, task: TaskFacts, config: RulesConfig, **values: object) -> Finding:
    """Render the configured templates of ``code`` with ``values`` (plus ref and label)."""
    rendering = config.renderings[code]
    if rendering.fixed is not None:
        return rendering.fixed
    values["ref"] = task.ref
    values["label"] = rendering.label
    return Finding(
        dimension=rendering.dimension,
        code=code,
        severity=rendering.severity,
        message=rendering.message.format_map(values),
        fix=rendering.fix.format_map(values),
    )


# --- person -------------------------------------------------------------------------


def _check_person(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """One real directory person, belonging to the single lead unit."""
    if task.person_name is None:
        _person_unresolved(task, config, out)
        return
    lead = _single_lead(task, config)
    if lead is None:
        out.append(
            _finding(
                "person.lead_unclear",
                task,
                config,
                person=task.person_text,
                person_name=task.person_name,
                cell=_lead_cell(task),
            )
        )
    elif task.person_unit != lead.unit_code:
        out.append(
            _finding(
                "person.not_in_lead",
                task,
                config,
                person=task.person_text,
                person_name=task.person_name,
                person_unit=task.person_unit or "—",
                lead=lead.text,
                lead_unit=lead.unit_code or "",
            )
        )


def _person_unresolved(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """No directory person: nothing written, several names, or a name not in the directory."""
    lead = _lead_name(task, config)
    person = clean(task.person_text)
    if not person:
        out.append(_finding("person.missing", task, config, lead=lead))
        return
    names = person_names(clean_lines(task.person_text))
    if len(names) > 1:
        out.append(
            _finding(
                "person.several",
                task,
                config,
                person=person,
                names=LIST_SEPARATOR.join(names),
                count=len(names),
                lead=lead,
            )
        )
    else:
        out.append(_finding("person.unknown", task, config, person=person, lead=lead))


@lru_cache(maxsize=4096)
def person_names(cell: str) -> tuple[str, ...]:
    """The people a person cell names ("A, B" or "A; B" or "A và B"); titles not counted."""
    names: list[str] = []
    for part in _PERSON_SPLIT.split(cell):
        name = part.strip(" -–•.")
        if name and not fold(name).startswith(_TITLE_STARTS):
            names.append(name)
    return tuple(names)


def _single_lead(task: TaskFacts, config: RulesConfig) -> UnitMention | None:
    """The lead mention when there is exactly one, resolved and not a group; else None."""
    if len(task.lead_units) != 1:
        return None
    lead = task.lead_units[0]
    if lead.unit_code is None or _is_collective(lead, config):
        return None
    return lead


def _lead_name(task: TaskFacts, config: RulesConfig) -> str:
    """How a message names the lead: as written when it is one unit, else the fallback."""
    if len(task.lead_units) == 1 and not _is_collective(task.lead_units[0], config):
        return task.lead_units[0].text
    return config.lead_fallback


def _lead_cell(task: TaskFacts) -> str:
    return task.lead_text or LIST_SEPARATOR.join(unit.text for unit in task.lead_units)


def _is_collective(unit: UnitMention, config: RulesConfig) -> bool:
    return unit.collective or config.collective.matches(unit.text)


# --- work ---------------------------------------------------------------------------


def _check_work(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """Specific text (not a generic phrase, enough words) and a CCHC area."""
    work = task.work
    thresholds = config.thresholds
    # Only "how many, up to the larger threshold" matters: long texts are not scanned whole.
    words = _words_up_to(work, max(thresholds.vague_max_words, thresholds.work_min_words) + 1)
    if words == 0:
        out.append(_finding("work.missing", task, config))
    elif words <= thresholds.vague_max_words and _is_vague(work, config):
        out.append(_finding("work.vague", task, config, work=_quoted(work)))
    elif words < thresholds.work_min_words:
        out.append(
            _finding(
                "work.too_short",
                task,
                config,
                work=_quoted(work),
                words=words,
                min_words=thresholds.work_min_words,
            )
        )
    if config.area_required and task.area is None:
        out.append(_finding("work.no_area", task, config, work=_quoted(work)))


def _is_vague(work: str, config: RulesConfig) -> bool:
    """A generic phrasing, or nothing left once the framing verbs and the area's own name
    are taken out ("Thực hiện tốt công tác cải cách hành chính")."""
    return config.vague_work.matches(work) or config.restated_area.empty(work)


def word_count(text: str) -> int:
    """Words as ``engine.text.fold`` splits them: runs of letters, digits, "_" or "/"."""
    return len(_WORD.findall(text))


def _words_up_to(text: str, cap: int) -> int:
    """``min(word_count(text), cap)``, reading only a prefix of a long text when it can.

    Each word matched in a prefix belongs to a distinct word of the whole text, so a prefix
    holding ``cap`` words proves the text has at least ``cap``.
    """
    end = cap * _CHARS_PER_WORD
    count = len(_WORD.findall(text, 0, end))
    if count < cap and len(text) > end:
        count = len(_WORD.findall(text))
    return min(count, cap)


def _quoted(text: str) -> str:
    """Text to quote in a message: cleaned, and shortened when long."""
    text = clean(text)
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 1].rstrip() + "…"


# --- deadline -----------------------------------------------------------------------


def _check_deadline(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """Resolved to a date or a computable recurrence; a due date before the plan is odd
    (unless it is a recurrence's first occurrence in the plan's year: "hằng tuần")."""
    if task.deadline_resolved:
        due, plan_date = task.due, task.plan_date
        recurring = task.deadline_kind == _RECURRING
        if due is not None and plan_date is not None and due < plan_date and not recurring:
            out.append(
                _finding(
                    "deadline.before_plan",
                    task,
                    config,
                    cell=clean(task.deadline_text),
                    due=_date(due),
                    plan_date=_date(plan_date),
                )
            )
        return
    cell = clean(task.deadline_text)
    examples = _examples(task)
    if not cell:
        out.append(_finding("deadline.missing", task, config, **examples))
        return
    reason = task.deadline_reason or config.deadline_reason(task.deadline_kind)
    out.append(_finding("deadline.unresolved", task, config, cell=cell, reason=reason, **examples))


def _examples(task: TaskFacts) -> dict[str, str]:
    """The deadlines a fix offers as examples: the last day and quarter of the plan's year,
    never before the plan's own date (without a plan date, the year is left to the plan)."""
    year = f"/{task.plan_date.year}" if task.plan_date else ""
    return {"by_date": f"Trước ngày 31/12{year}", "by_period": f"Quý IV{year}"}


_RECURRING = "recurring"  # DeadlineKind.RECURRING: rules import nothing of engine.calendar


def _date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- responsibility -----------------------------------------------------------------


def _check_responsibility(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """Exactly one lead unit that exists; every coordinator resolvable."""
    _check_lead(task, config, out)
    if task.coordinators:
        _check_coordinators(task, config, out)


def _check_lead(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """One finding at most: missing, else collective, else several, else unknown."""
    leads = task.lead_units
    if not leads:
        text = clean(task.lead_text)
        if not text:
            out.append(_finding("responsibility.missing", task, config))
            return
        # Written but not split into mentions: judge the cell as one mention.
        leads = (UnitMention(text),)
    cell = _lead_cell(task)
    if any(_is_collective(unit, config) for unit in leads):
        phrases = LIST_SEPARATOR.join(u.text for u in leads if _is_collective(u, config))
        out.append(_finding("responsibility.collective", task, config, cell=cell, phrases=phrases))
    elif len(leads) > 1:
        units = LIST_SEPARATOR.join(unit.text for unit in leads)
        out.append(
            _finding(
                "responsibility.several", task, config, cell=cell, count=len(leads), units=units
            )
        )
    elif leads[0].unit_code is None:
        out.append(
            _finding("responsibility.unknown_lead", task, config, cell=cell, lead=leads[0].text)
        )


def _check_coordinators(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """Coordinators must resolve to directory units; a group phrase is accepted as is."""
    unknown = [
        unit.text
        for unit in task.coordinators
        if unit.unit_code is None and not _is_collective(unit, config)
    ]
    if unknown:
        out.append(
            _finding(
                "responsibility.unknown_coordinator",
                task,
                config,
                cell=LIST_SEPARATOR.join(unit.text for unit in task.coordinators),
                count=len(unknown),
                units=LIST_SEPARATOR.join(unknown),
            )
        )


# --- authority and result -----------------------------------------------------------


def _check_authority(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """Who assigned it (and accepts the result), and on what basis."""
    if not task.assigner.strip():
        out.append(_finding("authority.no_assigner", task, config))
    if not task.basis.strip():
        out.append(_finding("authority.no_basis", task, config))


def _check_result(task: TaskFacts, config: RulesConfig, out: list[Finding]) -> None:
    """A product named (or a measurable target stated in the work, said as a warning);
    once done, the actual result and its evidence."""
    product = task.product.strip()
    if not product:
        product = config.targets.target(task.work)
        if product:
            out.append(_finding("result.target", task, config, target=_quoted(product)))
        else:
            out.append(_finding("result.no_product", task, config))
    if task.done:
        if not task.result.strip():
            out.append(_finding("result.no_result", task, config, product=product))
        if not task.evidence.strip():
            out.append(
                _finding(
                    "result.no_evidence",
                    task,
                    config,
                    product=product,
                    result=task.result,
                )
            )


_Check = Callable[[TaskFacts, RulesConfig, list[Finding]], None]
_CHECKS: tuple[tuple[Dimension, _Check], ...] = (
    (Dimension.PERSON, _check_person),
    (Dimension.WORK, _check_work),
    (Dimension.DEADLINE, _check_deadline),
    (Dimension.RESPONSIBILITY, _check_responsibility),
    (Dimension.AUTHORITY, _check_authority),
    (Dimension.RESULT, _check_result),
)
