"""Vietnamese text normalization shared by the parsers and the directory.

Three forms:
- ``clean``: what we store and show: NFC, one space between words, no stray edges.
- ``fold``: what we compare: lower case, no diacritics ("hoá" and "hóa" fold alike),
  "đ" as "d", "&" as "va", punctuation as spaces.
- ``fold_aligned``: lower case without diacritics, one character for one (punctuation
  kept), so a span found in it is the same span of the NFC text it was made from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w/]+")
# Unicode line and paragraph separators and non-breaking spaces seen in copied text.
_ODD_SPACE = re.compile(r"[\u00a0\u2028\u2029\u200b\ufeff]")


# What ``clean`` would change besides NFC: white space other than a lone inner space, or
# a zero-width space. Text without it, NFC already (nearly every cell), is kept as it is.
_UNCLEAN = re.compile(r"[^\S ]|  |^ | $|[\u200b\ufeff]")


def clean(text: str | None) -> str:
    """NFC text with runs of white space folded to one space, stripped."""
    if not text:
        return ""
    if unicodedata.is_normalized("NFC", text) and not _UNCLEAN.search(text):
        return text
    text = _ODD_SPACE.sub(" ", unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()


def clean_lines(text: str | None) -> str:
    """Like ``clean`` but keeps line breaks (one per line, blank lines dropped)."""
    if not text:
        return ""
    lines = (clean(line) for line in unicodedata.normalize("NFC", text).splitlines())
    return "\n".join(line for line in lines if line)


def _fold_table() -> dict[int, str | None]:
    """Every precomposed Latin letter (Vietnamese included) to its bare lower-case base,
    combining marks to nothing: ``str.translate`` then folds in one C-speed pass."""
    table: dict[int, str | None] = {}
    for code in range(0xC0, 0x250):
        _add_fold(table, chr(code))
    for code in range(0x1E00, 0x1F00):
        _add_fold(table, chr(code))
    for code in range(0x300, 0x370):
        table[code] = None
    table[ord("đ")] = table[ord("Đ")] = "d"
    table[ord("&")] = " va "
    return table


def _add_fold(table: dict[int, str | None], char: str) -> None:
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    if base != char:
        table[ord(char)] = base.lower()


_FOLD = _fold_table()


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """A comparison key: lower case, no diacritics, '&' as 'va', punctuation as spaces."""
    if not text:
        return ""
    bare = text.lower().translate(_FOLD)
    return _SPACE.sub(" ", _PUNCT.sub(" ", bare)).strip()


def _aligned_table() -> dict[int, str]:
    table = {code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if len(base) == 1 and base != char:
            table[code] = base
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


_ALIGNED = _aligned_table()


def fold_aligned(text: str) -> str:
    """``text`` (NFC) lower-cased without diacritics, "đ" as "d", of the same length: a
    span matched in the result is the same span of ``text``."""
    return text.translate(_ALIGNED)
