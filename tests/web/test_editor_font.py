"""The editor's shipped monospace font holds every Vietnamese letter: Debian's default
monospace (DejaVu Sans Mono) lacks ấ, ề, ổ, ử… and the browser then draws a base letter
and a loose mark from another font. The browser test checks the font is the one used."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

STATIC = Path(__file__).resolve().parents[2] / "engine" / "web" / "static"
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc, huyền, hỏi, ngã, nặng


def _vietnamese() -> set[str]:
    letters = {unicodedata.normalize("NFC", b + t) for b in LETTERS for t in TONES}
    return {c for c in letters | {c.upper() for c in letters} if len(c) == 1}


def test_the_editor_font_has_every_vietnamese_letter() -> None:
    css = (STATIC / "style.css").read_text(encoding="utf-8")
    face = re.search(
        r'@font-face \{ font-family: "Sau Ro Mono"; src: url\("/static/([^"]+)"\)', css
    )
    assert face, "no @font-face for the editor"
    font = STATIC / face.group(1)
    cmap = TTFont(font).getBestCmap()
    missing = sorted(c for c in _vietnamese() if ord(c) not in cmap)
    assert missing == [], f"{font.name} lacks {''.join(missing)}"
    assert "textarea.code" in css and 'font-family: "Sau Ro Mono", monospace' in css
    assert (font.parent / "LICENSE-LiberationMono.txt").is_file()
