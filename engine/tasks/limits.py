"""How long each free text of a task may be, checked by the action that stores it, so the
web pages, the API and the CLI refuse the same text the same way.

A text past its limit is refused whole (nothing is cut): a progress note of 9 MB once made
its task's page 9 MB for everyone who opened it. The limits are far above what a person
types; the web forms carry the same numbers as ``maxlength`` (``FORM_LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import Location, Problem, TaskActionError


@dataclass(frozen=True)
class TextLimit:
    """A free text: what the user calls it and how many characters it may hold."""

    label: str
    chars: int

    def check(self, text: str) -> str:
        """``text`` itself, or ``TaskActionError`` naming the field and its limit."""
        problem = self.problem(text)
        if problem is not None:
            raise TaskActionError(f"{self.label.capitalize()} dài quá giới hạn", [problem])
        return text

    def problem(self, text: str) -> Problem | None:
        """What is wrong with ``text`` (too long), for a caller that lists every problem."""
        if len(text) <= self.chars:
            return None
        said = f"dài {_count(len(text))} ký tự, tối đa {_count(self.chars)} ký tự"
        return Problem(Location(field=self.label), said)


def _count(number: int) -> str:
    """A count as Vietnamese writes it (9.437.184)."""
    return f"{number:,}".replace(",", ".")


WORK = TextLimit("nội dung nhiệm vụ", 10_000)
PRODUCT = TextLimit("sản phẩm dự kiến", 4_000)
DEADLINE = TextLimit("thời hạn", 500)
PROGRESS_NOTE = TextLimit("ghi chú tiến độ", 4_000)
RESULT = TextLimit("kết quả thực tế", 4_000)
EVIDENCE = TextLimit("minh chứng", 4_000)
COORDINATION_NOTE = TextLimit("phần việc phối hợp", 4_000)
EXTENSION_REASON = TextLimit("lý do gia hạn", 2_000)
DECISION_NOTE = TextLimit("ý kiến", 2_000)
DELEGATION_REASON = TextLimit("lý do giao lại", 2_000)
RETURN_REASON = TextLimit("lý do trả lại", 2_000)

# The form fields of the web pages and the limit each carries as ``maxlength``.
FORM_LIMITS: dict[str, int] = {
    "work": WORK.chars,
    "product": PRODUCT.chars,
    "deadline_text": DEADLINE.chars,
    "progress_note": PROGRESS_NOTE.chars,
    "result": RESULT.chars,
    "evidence": EVIDENCE.chars,
    "coordination_note": COORDINATION_NOTE.chars,
    "extension_reason": EXTENSION_REASON.chars,
    "decision_note": DECISION_NOTE.chars,
    "delegation_reason": DELEGATION_REASON.chars,
    "return_reason": RETURN_REASON.chars,
}
