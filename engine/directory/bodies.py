"""What a name in a lead or coordinator cell is, when the directory does not know it: an
internal unit, a body outside the organization, or a post (a person's title).

``sauro import --register-units`` adds the units a plan names that the directory lacks.
Plans also name bodies outside the organization ("Sở Y tế", "UBND tỉnh", "Đảng ủy xã",
"Ủy ban MTTQ") and posts ("Chủ tịch UBND xã", "Trưởng phòng Tư pháp"): an outside body is
registered as ``external`` (named in plans, never reminded), a post not at all. Pure: the
name is compared by its folded, canonical words (``canonical_tokens``), at its start.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from engine.directory.schema import canonical_tokens
from engine.text import fold

NameKind = Literal["internal", "external", "post"]

# The words an outside body's name starts with (folded; "Ủy ban nhân dân" is "ubnd").
OUTSIDE_BODIES: tuple[str, ...] = (
    "so",  # Sở Nội vụ, Sở Y tế
    "bo",  # Bộ Nội vụ, Bộ Chỉ huy Quân sự tỉnh
    "cuc",  # Cục Thuế
    "chi cuc",  # Chi cục Thuế khu vực
    "chi nhanh",  # Chi nhánh Văn phòng đăng ký đất đai
    "kho bac",
    "bao hiem xa hoi",
    "toa an",
    "vien kiem sat",
    "ubnd",  # UBND tỉnh, UBND huyện, UBND thị xã (and the committee itself)
    "hdnd",
    "dang uy",
    "dang bo",
    "ban thuong vu",
    "tinh uy",
    "huyen uy",
    "thi uy",
    "thanh uy",
    "mttq",
    "uy ban mttq",
    "uy ban mat tran",
    "mat tran to quoc",
    "hoi",  # Hội Nông dân, Hội Liên hiệp Phụ nữ, Hội Cựu chiến binh
    "doan thanh nien",
    "doan tncs",
    "doan tn",
    "tinh doan",
    "huyen doan",
    "lien doan lao dong",
    "cong doan",
    "cong an tinh",
    "cong an huyen",
    "cong an thanh pho",
    "cong an thi xa",
    "ban chi dao",  # a steering committee: not a unit of the committee
)
# Names that start like an outside body but are units of the organization.
INSIDE_EXCEPTIONS: tuple[str, ...] = ("bo phan", "hoi dong")
# The words a post (a person's title, not a unit) starts with.
POSTS: tuple[str, ...] = (
    "chu tich",
    "pho chu tich",
    "truong phong",
    "pho truong phong",
    "giam doc",
    "pho giam doc",
    "chanh van phong",
    "pho chanh van phong",
    "truong ban",
    "pho truong ban",
    "bi thu",
    "pho bi thu",
    "thu truong",
    "pho thu truong",
    "truong cong an",
    "chi huy truong",
    "lanh dao",
    "can bo",
    "cong chuc",
    "chuyen vien",
    "ke toan",
    "van thu",
    "dong chi",
    "ong",
    "ba",
)
_LEADING = ("cac",)  # "Các Sở, ngành tỉnh" is about the Sở


def _keys(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted((tuple(w.split()) for w in words), key=len, reverse=True))


class BodyClassifier:
    """Tells an internal unit's name from an outside body's or a post's, by the folded
    words the name starts with (the lists above, or others given)."""

    def __init__(
        self,
        *,
        outside: Iterable[str] = OUTSIDE_BODIES,
        posts: Iterable[str] = POSTS,
        inside: Iterable[str] = INSIDE_EXCEPTIONS,
    ) -> None:
        self._outside = _keys(outside)
        self._posts = _keys(posts)
        self._inside = _keys(inside)

    def kind(self, name: str) -> NameKind:
        """ "post", "external" or "internal" (anything not recognised as the first two)."""
        tokens = canonical_tokens(fold(name))
        while tokens[:1] and tokens[0] in _LEADING:
            tokens = tokens[1:]
        if _starts(tokens, self._posts):
            return "post"
        if _starts(tokens, self._inside):
            return "internal"
        if _starts(tokens, self._outside):
            return "external"
        return "internal"


def _starts(tokens: tuple[str, ...], keys: tuple[tuple[str, ...], ...]) -> bool:
    return any(tokens[: len(key)] == key for key in keys)


CLASSIFIER = BodyClassifier()
