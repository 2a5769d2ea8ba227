"""Split a lead (chủ trì) or coordinator (phối hợp) cell into the units it names.

Real cells mix separators and names that contain them: "Trung tâm Văn hóa, Thể thao và
Truyền thanh" has a comma and a "và", "Văn phòng HĐND và UBND" a "và", and "Các cơ quan,
đơn vị thuộc UBND thị xã" is one group, not two units. So the splitter cuts only where the
directory agrees:

1. ";" and numbered items ("(1) … (2) …", "1. … 2. …") always separate.
2. Collective phrases (regexes over ``engine.text.fold`` of the text, from
   ``config/rules.yaml``) become one ``UnitMention(collective=True)`` each, never split on
   their inner commas; unknown words glued to them ("… thuộc UBND thị") join them.
3. Commas, line breaks, line-start bullets and "/" separate, unless joining the pieces
   names a known unit ("Trung tâm Văn hóa, Thể thao và Truyền thanh").
4. Inside a piece, " và ", " - " and run-together names ("Phòng Nội vụ Phòng Tư pháp")
   separate only when every part is a known unit; otherwise the piece stays whole.
5. "Các phòng: Tư pháp, Nội vụ" puts "Phòng" before each bare name.

Each mention keeps its text as written (white space cleaned). Work is linear in the
length of the cell: pieces are joined at most four at a time and a unit match never
spans more than the resolver's window of words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from engine.directory.schema import CONNECTORS, UnitResolver
from engine.text import clean, fold
from rules.facts import UnitMention

# Always a boundary: ";" and item numbers "(1)", "1." / "1)" before a space.
_HARD = re.compile(r";|\(\s*\d{1,2}\s*\)|(?:^|(?<=\s))\d{1,2}[.)](?=\s)", re.MULTILINE)
# A comma-level boundary when found between two words.
_SOFT = re.compile(r"[,\n\r/]")
_WORD = re.compile(r"[^ /]+")
_PUNCT = re.compile(r"[^\w/]")
# "Các phòng: Tư pháp, …": the folded head before ":" and the unit-type word it implies.
_HEADERS = {
    "cac phong": "phòng",
    "phong": "phòng",
    "cac ban": "ban",
    "cac so": "sở",
    "so": "sở",
    "cac trung tam": "trung tâm",
}
# The most comma pieces one unit name is expected to span.
_MAX_JOIN = 4

Parts = list[tuple[int, int, str]]


def split_units(
    cell: str,
    *,
    resolver: UnitResolver,
    collective_patterns: Sequence[re.Pattern[str]],
) -> tuple[UnitMention, ...]:
    """The units a lead or coordinator cell names, in order; () for an empty cell.

    Known units carry their code; collective phrases are marked ``collective``; anything
    else is kept as an unknown mention (code None) so a finding can quote it.
    """
    mentions: list[UnitMention] = []
    start = 0
    for match in (*_HARD.finditer(cell), None):
        end = match.start() if match else len(cell)
        if end > start:
            mentions.extend(_Segment(cell[start:end], resolver, collective_patterns).split())
        start = match.end() if match else end
    return tuple(mentions)


@dataclass(frozen=True, slots=True)
class _Token:
    """One folded word and where it is: in the segment text and in its folded form."""

    start: int
    end: int
    fstart: int
    fend: int
    folded: str
    soft_before: bool


class _Segment:
    """One part of a cell between hard boundaries."""

    def __init__(
        self, text: str, resolver: UnitResolver, patterns: Sequence[re.Pattern[str]]
    ) -> None:
        self.implied, self.text = _header(text)
        self.resolver = resolver
        self.patterns = patterns
        self.folded, self.tokens = _tokenize(self.text)
        self._memo: dict[tuple[int, int], tuple[list[UnitMention], int, int]] = {}

    def split(self) -> list[UnitMention]:
        """The mentions of this segment, in order of appearance."""
        if not self.tokens:
            return []
        out: list[UnitMention] = []
        position = 0
        for low, high in self._collectives():
            out.extend(self._run(position, low))
            out.append(UnitMention(self._text(low, high), None, True))
            position = high
        out.extend(self._run(position, len(self.tokens)))
        return out

    # -- collectives ---------------------------------------------------------------------

    def _collectives(self) -> list[tuple[int, int]]:
        """Token ranges of collective phrases, leftmost-longest, widened over glued words."""
        found: list[tuple[int, int]] = []
        for pattern in self.patterns:
            for match in pattern.finditer(self.folded):
                if match.end() > match.start():
                    found.append(self._token_range(match.start(), match.end()))
        chosen: list[tuple[int, int]] = []
        for low, high in sorted(found, key=lambda span: (span[0], -span[1])):
            if not chosen or low >= chosen[-1][1]:
                chosen.append((low, high))
        return self._absorb(chosen)

    def _token_range(self, fstart: int, fend: int) -> tuple[int, int]:
        low = next(i for i, t in enumerate(self.tokens) if t.fend > fstart)
        high = max(i for i, t in enumerate(self.tokens) if t.fstart < fend) + 1
        return low, high

    def _absorb(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Join to a collective the unknown words written against it, up to a separator."""
        result: list[tuple[int, int]] = []
        for index, span in enumerate(spans):
            floor = result[-1][1] if result else 0
            ceiling = spans[index + 1][0] if index + 1 < len(spans) else len(self.tokens)
            result.append(self._widen(span, floor, ceiling))
        return result

    def _widen(self, span: tuple[int, int], floor: int, ceiling: int) -> tuple[int, int]:
        """``span`` widened over an unknown piece glued to it on either side."""
        low, high = span
        after = next((i for i in range(high + 1, ceiling) if self.tokens[i].soft_before), ceiling)
        if high < ceiling and not self.tokens[high].soft_before and self._unknown(high, after):
            high = after
        before = max(
            (i for i in range(floor, low) if i == floor or self.tokens[i].soft_before),
            default=low,
        )
        if before < low and not self.tokens[low].soft_before and self._unknown(before, low):
            low = before
        return low, high

    def _unknown(self, low: int, high: int) -> bool:
        mentions, resolved, _ = self._eval(low, high)
        return bool(mentions) and resolved == 0

    # -- pieces between collectives ------------------------------------------------------

    def _run(self, low: int, high: int) -> list[UnitMention]:
        """Best split of tokens [low, high) at comma-level boundaries (see module doc)."""
        cuts = [i for i in range(low + 1, high) if self.tokens[i].soft_before]
        bounds = [low, *cuts, high]
        pieces = list(pairwise(bounds))
        best: list[tuple[tuple[int, int], list[UnitMention]]] = [((0, 0), [])]
        for end in range(1, len(pieces) + 1):
            best.append(self._best_ending(pieces, best, end))
        return best[-1][1] if pieces else []

    def _best_ending(
        self,
        pieces: list[tuple[int, int]],
        best: list[tuple[tuple[int, int], list[UnitMention]]],
        end: int,
    ) -> tuple[tuple[int, int], list[UnitMention]]:
        def scored(begin: int) -> tuple[tuple[int, int], list[UnitMention]] | None:
            mentions, resolved, unknown = self._eval(pieces[begin][0], pieces[end - 1][1])
            if end - begin > 1 and (unknown or not resolved):
                return None  # pieces are joined only into known units
            (had_resolved, had_unknown), before = best[begin]
            return (had_resolved + resolved, had_unknown - unknown), before + mentions

        # The single last piece is always allowed; joining more wins only when strictly better.
        choice = scored(end - 1) or ((0, 0), [])
        for begin in range(end - 2, max(-1, end - 1 - _MAX_JOIN), -1):
            joined = scored(begin)
            if joined and joined[0] > choice[0]:
                choice = joined
        return choice

    def _eval(self, low: int, high: int) -> tuple[list[UnitMention], int, int]:
        """(mentions, units resolved, unknown mentions) for tokens [low, high)."""
        key = (low, high)
        if key not in self._memo:
            self._memo[key] = self._evaluate(*self._strip(low, high))
        return self._memo[key]

    def _evaluate(self, low: int, high: int) -> tuple[list[UnitMention], int, int]:
        if low >= high:
            return [], 0, 0
        code = self._resolve(low, high)
        if code:
            return [UnitMention(self._text(low, high), code)], 1, 0
        parts = self._longest_matches(low, high)
        if parts:
            return [UnitMention(self._text(a, b), code) for a, b, code in parts], len(parts), 0
        return [UnitMention(self._text(low, high))], 0, 1

    def _longest_matches(self, low: int, high: int) -> Parts | None:
        """Cover [low, high) with known units and connectors, longest match first."""
        parts: Parts = []
        position = low
        while position < high:
            if parts and self.tokens[position].folded in CONNECTORS:
                position += 1
                continue
            match = self._longest_at(position, high)
            if match is None:
                return None
            parts.append(match)
            position = match[1]
        return parts if len(parts) > 1 else None

    def _longest_at(self, low: int, high: int) -> tuple[int, int, str] | None:
        for end in range(min(high, low + self.resolver.window), low, -1):
            if self.tokens[end - 1].folded in CONNECTORS:
                continue
            code = self._resolve(low, end)
            if code:
                return low, end, code
        return None

    def _resolve(self, low: int, high: int) -> str | None:
        folded = " ".join(token.folded for token in self.tokens[low:high])
        return self.resolver.resolve_folded(folded, implied_type=self.implied)

    def _strip(self, low: int, high: int) -> tuple[int, int]:
        """Drop connectors ("và", "&") at the edges of a range."""
        while low < high and self.tokens[low].folded in CONNECTORS:
            low += 1
        while high > low and self.tokens[high - 1].folded in CONNECTORS:
            high -= 1
        return low, high

    def _text(self, low: int, high: int) -> str:
        """The words [low, high) as written, with a closing bracket they opened."""
        end = self.tokens[high - 1].end
        text = self.text[self.tokens[low].start : end]
        if text.count("(") > text.count(")") and self.text[end : end + 1] == ")":
            text += ")"
        return clean(text)


def _header(text: str) -> tuple[str | None, str]:
    """("phòng", " Tư pháp, …") for "Các phòng: Tư pháp, …"; (None, text) otherwise."""
    colon = text.find(":")
    if colon > 0:
        implied = _HEADERS.get(fold(text[:colon]))
        if implied:
            return implied, text[colon + 1 :]
    return None, text


def _tokenize(text: str) -> tuple[str, list[_Token]]:
    """``fold(text)`` and its words, each mapped back to its place in ``text``."""
    folded, origin = _fold_map(text)
    tokens: list[_Token] = []
    previous_end = 0
    for match in _WORD.finditer(folded):
        start = origin[match.start()]
        end = origin[match.end() - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1  # text written decomposed keeps its marks
        soft = bool(tokens) and _SOFT.search(text, previous_end, start) is not None
        tokens.append(_Token(start, end, match.start(), match.end(), match.group(), soft))
        previous_end = end
    return folded, tokens


def _fold_map(text: str) -> tuple[str, list[int]]:
    """``engine.text.fold(text)`` with, for each of its characters, its index in ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold_char(char):
            if piece == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(piece)
            origin.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as ``fold`` turns it, before spaces are collapsed."""
    decomposed = unicodedata.normalize("NFD", char.lower())
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    bare = bare.replace("đ", "d").replace("&", " va ")
    return _PUNCT.sub(" ", bare)
