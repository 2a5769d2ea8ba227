"""The directory of organizations, their units and people, and the name resolvers.

``config/directory.yaml`` (``version: 1``) lists each People's Committee that uses Sáu Rõ:
its Chairman and Vice Chairmen, its standing office for administrative reform and its
units, each with a head, deputies and officers (with e-mail, phone, Zalo number, notice
preferences; ``left`` for one who has left). A unit merged into another is kept inactive
with ``merged_into``. ``parse_directory`` validates it and reports every problem with its
place. ``sauro init`` loads it once; afterwards the database is the source of truth and
``sauro directory export`` writes this format back from it.

``UnitResolver`` and ``PersonResolver`` are pure: built from the directory once, they turn
the unit or person text of a plan cell ("Phòng VH&TT", "Ông Lê Minh Tâm - Chuyên viên")
into a unit code or a person. Names are compared by a canonical key:

- ``engine.text.fold`` (case, diacritics, "hoá"/"hóa", punctuation, "&" = "và");
- "Ủy ban nhân dân" as "UBND", "Hội đồng nhân dân" as "HĐND", a leading "VP" as
  "Văn phòng", and the connector "và" dropped ("HĐND, UBND" = "HĐND và UBND");
- an optional trailing locality ("thị xã", "xã Xuân Dương", "tỉnh Long An"): "Phòng Tư
  pháp thị xã" is "Phòng Tư pháp", but "UBND thị xã" is never "UBND tỉnh";
- initials after any spelled-out prefix: "Phòng VH&TT" is "Phòng Văn hóa và Thông tin",
  "Trung tâm VH TT và TT" is "Trung tâm Văn hóa, Thể thao và Truyền thanh".
A key shared by two units is ambiguous and resolves to nothing: never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from engine.errors import ConfigError, DirectoryError
from engine.text import clean, fold
from notifications import phones
from rules.config_text import load_yaml, problem_at, validate_data

# ---------------------------------------------------------------------------------------
# Schema of config/directory.yaml
# ---------------------------------------------------------------------------------------

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f'mã "{value}" phải gồm chữ thường không dấu, chữ số và dấu gạch ngang '
            "(ví dụ: phong-noi-vu)"
        )
    return value


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.fullmatch(value):
        raise ValueError(f'địa chỉ email "{value}" không hợp lệ (dạng đúng: ten@coquan.gov.vn)')
    return value


def _check_text(value: str) -> str:
    value = clean(value)
    if not value:
        raise ValueError("không được để trống")
    return value


def _check_phone(value: str) -> str:
    return phones.national(value)


def _phone_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Slug = Annotated[str, AfterValidator(_check_slug)]
Email = Annotated[str, AfterValidator(_check_email)]
Text = Annotated[str, AfterValidator(_check_text)]
Phone = Annotated[str, BeforeValidator(_phone_text), AfterValidator(_check_phone)]
# How a person hears of events ("" = the organization's default, config/notices.yaml).
Channel = Literal["", "email", "zalo", "both"]
EmailMode = Literal["", "immediate", "digest"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonConfig(_Model):
    """A named official: who receives reminders and is named as "rõ người". ``zalo`` is the
    number registered with Zalo when it differs from ``phone``; ``left`` the day the person
    left (nghỉ việc, chuyển công tác): kept with their history, no longer active."""

    name: Text
    title: Text
    email: Email
    phone: Phone = ""
    zalo: Phone = ""
    channel: Channel = ""
    email_mode: EmailMode = ""
    left: date | None = None


class RecipientConfig(_Model):
    """Where the period report goes upward ("Nơi nhận" with an address)."""

    name: Text
    email: Email


class LeaderConfig(PersonConfig):
    """The Chairman or a Vice Chairman; ``units`` are the unit codes they are in charge of."""

    areas: tuple[Text, ...] = ()
    units: tuple[Slug, ...] = ()


class AcceptanceConfig(_Model):
    """Whether a completed task waits for its result to be accepted (chờ xác nhận), and who
    accepts it: the task's authority (Chairman or Vice-Chairman) or the standing office."""

    required: bool = True
    by: Literal["authority", "standing_office"] = "authority"


class UnitConfig(_Model):
    """A unit of the organization (internal) or a body outside it named in plans (external).
    ``active: false`` with ``merged_into`` (a unit code): merged into that unit, kept for
    the history of its tasks."""

    code: Slug
    name: Text
    kind: Literal["internal", "external"]
    abbreviations: tuple[Text, ...] = ()
    aliases: tuple[Text, ...] = ()
    head: PersonConfig | None = None
    deputies: tuple[PersonConfig, ...] = ()  # phó thủ trưởng
    people: tuple[PersonConfig, ...] = ()
    active: bool = True
    merged_into: Slug | None = None

    @property
    def everyone(self) -> tuple[PersonConfig, ...]:
        """The head, the deputies, then the officers, including those who have left."""
        head = (self.head,) if self.head else ()
        return (*head, *self.deputies, *self.people)

    @property
    def members(self) -> tuple[PersonConfig, ...]:
        """The head first, then the deputies and officers still working (no ``left``)."""
        return tuple(p for p in self.everyone if p.left is None)


class OrganizationConfig(_Model):
    """One People's Committee: its leaders, standing office and units."""

    code: Slug
    name: Text
    level: Literal["commune", "ward", "district", "province"]
    place: Text  # for the date line: "Kiến Tường, ngày … tháng … năm …"
    parent: Text  # the upper level: "Ủy ban nhân dân tỉnh Long An"
    # The upper level's code when it is in this file too: its dashboard and report roll
    # this organization up (``engine.reports.rollup``).
    parent_code: Slug | None = None
    chairman: LeaderConfig
    vice_chairmen: tuple[LeaderConfig, ...] = ()
    standing_office: Slug  # unit code of the cơ quan thường trực CCHC
    units: tuple[UnitConfig, ...]
    # Who receives the period report by e-mail with ``sauro report --send`` (the upper level).
    report_to: tuple[RecipientConfig, ...] = ()
    acceptance: AcceptanceConfig = AcceptanceConfig()

    def unit(self, code: str) -> UnitConfig:
        """The unit with this code, or ``DirectoryError``."""
        for unit in self.units:
            if unit.code == code:
                return unit
        raise DirectoryError(f'{self.name} không có đơn vị mã "{code}"')

    def localities(self) -> tuple[str, ...]:
        """Place names a unit name may end with: this place and the upper level's (folded)."""
        return organization_localities(self.place, self.parent)

    def unit_resolver(self) -> UnitResolver:
        """A resolver over this organization's active units (build once, reuse)."""
        return UnitResolver([u for u in self.units if u.active], localities=self.localities())

    def person_resolver(self) -> PersonResolver:
        """A resolver over the unit people (with their unit) and the leaders (unit None)."""
        leaders: list[PersonMatch] = [
            (p.name, None) for p in (self.chairman, *self.vice_chairmen) if p.left is None
        ]
        members = [(p.name, u.code) for u in self.units for p in u.members]
        return PersonResolver([*leaders, *members])


class DirectoryConfig(_Model):
    """The whole ``config/directory.yaml``."""

    version: Literal[1]
    default_organization: Slug
    organizations: tuple[OrganizationConfig, ...]

    def organization(self, code: str | None = None) -> OrganizationConfig:
        """The organization with this code (the default one when None), or ``DirectoryError``."""
        wanted = code or self.default_organization
        for organization in self.organizations:
            if organization.code == wanted:
                return organization
        known = ", ".join(o.code for o in self.organizations)
        raise DirectoryError(f'Không có tổ chức mã "{wanted}" (có: {known})')


def parse_directory(text: str, source: str) -> DirectoryConfig:
    """Validate the directory YAML, or raise one ``ConfigError`` listing every problem.

    Beyond the schema: organization and unit codes are unique, no two units of an
    organization share a name key (after folding, short forms and localities), the default
    organization and the standing office exist, Vice Chairmen's units exist, internal units
    have a head, one email belongs to one person, and a ``parent_code`` names another
    organization of the file without a cycle.
    """
    data, lines = load_yaml(text, source)
    config = validate_data(DirectoryConfig, data, lines, source)
    found = list(_directory_problems(config))
    if found:
        problems = [problem_at(loc, message, source, lines) for loc, message in found]
        raise ConfigError(f"Tệp cấu hình {source} không hợp lệ ({len(problems)} lỗi)", problems)
    return config


Loc = tuple[str | int, ...]
K = TypeVar("K")


def _directory_problems(config: DirectoryConfig) -> Iterable[tuple[Loc, str]]:
    codes = [o.code for o in config.organizations]
    if not codes:
        yield ("organizations",), "phải có ít nhất một tổ chức"
    yield from _duplicate_codes(codes, ("organizations",), "tổ chức")
    if codes and config.default_organization not in codes:
        message = f'không có tổ chức mã "{config.default_organization}" (có: {", ".join(codes)})'
        yield ("default_organization",), message
    for index, organization in enumerate(config.organizations):
        yield from _organization_problems(organization, ("organizations", index))
    yield from _parent_problems(config)


def _parent_problems(config: DirectoryConfig) -> Iterable[tuple[Loc, str]]:
    """Each ``parent_code`` names another organization of the file, with no cycle."""
    parents = {o.code: o.parent_code for o in config.organizations}
    for index, org in enumerate(config.organizations):
        at: Loc = ("organizations", index, "parent_code")
        code = org.parent_code
        if code is None:
            continue
        if code == org.code:
            yield at, "tổ chức không thể là cấp trên của chính nó"
        elif code not in parents:
            yield at, f'không có tổ chức mã "{code}" trong organizations'
        elif _in_cycle(org.code, parents):
            yield at, f'cấp trên "{code}" tạo thành vòng lặp: {_chain(org.code, parents)}'


def _in_cycle(code: str, parents: dict[str, str | None]) -> bool:
    """Does following ``parent_code`` from ``code`` come back to it?"""
    seen: set[str] = set()
    current = parents.get(code)
    while current is not None and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _chain(code: str, parents: dict[str, str | None]) -> str:
    """ "a → b → a": the cycle through ``code``, for the message."""
    chain, current = [code], parents.get(code)
    while current is not None and current != code:
        chain.append(current)
        current = parents.get(current)
    return " → ".join([*chain, code])


def _organization_problems(org: OrganizationConfig, at: Loc) -> Iterable[tuple[Loc, str]]:
    if not org.units:
        yield (*at, "units"), "phải có ít nhất một đơn vị"
    yield from _duplicate_codes([u.code for u in org.units], (*at, "units"), "đơn vị")
    yield from _name_collisions(org, at)
    yield from _email_collisions(org, at)
    yield from _reference_problems(org, at)
    for index, unit in enumerate(org.units):
        if unit.kind == "internal" and unit.active and unit.head is None:
            message = (
                "đơn vị thuộc UBND (kind: internal) phải có người đứng đầu (head) để nhận "
                "nhắc việc và báo cáo"
            )
            yield (*at, "units", index, "head"), message
        yield from _unit_problems(org, unit, (*at, "units", index))
    if org.chairman.left is not None:
        message = "Chủ tịch đang giữ chức không thể ghi ngày nghỉ (left); hãy ghi Chủ tịch mới"
        yield (*at, "chairman", "left"), message


def _unit_problems(org: OrganizationConfig, unit: UnitConfig, at: Loc) -> Iterable[tuple[Loc, str]]:
    """A merged unit names an active internal unit of the organization; a head has not left."""
    if unit.head is not None and unit.head.left is not None:
        message = "người đứng đầu không thể đã nghỉ (left): hãy ghi người đứng đầu mới"
        yield (*at, "head", "left"), message
    target = unit.merged_into
    if target is None:
        return
    if unit.active:
        yield (*at, "active"), "đơn vị đã sáp nhập (merged_into) phải ghi active: false"
    others = {u.code: u for u in org.units if u.code != unit.code}
    if target == unit.code:
        yield (*at, "merged_into"), "đơn vị không thể sáp nhập vào chính nó"
    elif target not in others:
        yield (*at, "merged_into"), f'đơn vị "{target}" không có trong units'
    elif others[target].kind != "internal" or not others[target].active:
        message = f'"{target}" không phải đơn vị đang hoạt động thuộc UBND (kind: internal)'
        yield (*at, "merged_into"), message


def _reference_problems(org: OrganizationConfig, at: Loc) -> Iterable[tuple[Loc, str]]:
    """The standing office and the Vice Chairmen's units name units of this organization."""
    kinds = {u.code: u.kind if u.active else "inactive" for u in org.units}
    office = org.standing_office
    if office not in kinds:
        message = f'cơ quan thường trực "{office}" không phải đơn vị nào trong units'
        yield (*at, "standing_office"), message
    elif kinds[office] == "inactive":
        message = f'cơ quan thường trực "{office}" đã sáp nhập hoặc thôi hoạt động'
        yield (*at, "standing_office"), message
    elif kinds[office] != "internal":
        message = (
            f'"{office}" là cơ quan bên ngoài (kind: external); cơ quan thường trực phải là '
            "đơn vị thuộc UBND"
        )
        yield (*at, "standing_office"), message
    for index, leader in enumerate(org.vice_chairmen):
        for position, code in enumerate(leader.units):
            if code not in kinds:
                where = (*at, "vice_chairmen", index, "units", position)
                yield where, f'đơn vị phụ trách "{code}" không có trong units'


def _duplicate_codes(codes: Sequence[str], at: Loc, what: str) -> Iterable[tuple[Loc, str]]:
    first: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code in first:
            yield (*at, index, "code"), f'mã {what} "{code}" bị trùng với mục [{first[code]}]'
        first.setdefault(code, index)


def _name_collisions(org: OrganizationConfig, at: Loc) -> Iterable[tuple[Loc, str]]:
    """Two units whose names, aliases or abbreviations would resolve alike."""
    localities = _locality_keys(org.localities())
    seen: dict[tuple[str, ...], list[tuple[tuple[str, ...], str, str]]] = {}
    for index, unit in enumerate(org.units):
        if not unit.active:  # a merged unit's names live on as the other unit's aliases
            continue
        for field, position, form in _unit_forms(unit):
            base, suffix = _split_locality(canonical_tokens(fold(form)), localities)
            for other_suffix, other_code, other_form in seen.get(base, ()):
                if other_code != unit.code and _compatible(other_suffix, suffix, base):
                    loc: Loc = (*at, "units", index, field)
                    loc = loc if position is None else (*loc, position)
                    yield loc, _collision_message(form, other_form, other_code)
                    break
            seen.setdefault(base, []).append((suffix, unit.code, form))


def _collision_message(form: str, other_form: str, other_code: str) -> str:
    return (
        f'tên "{form}" trùng với "{other_form}" của đơn vị "{other_code}" khi so khớp '
        '(không phân biệt hoa thường, dấu, "&"/"và", đuôi địa danh)'
    )


def _unit_forms(unit: NamedUnit) -> Iterable[tuple[str, int | None, str]]:
    yield "name", None, unit.name
    for field, forms in (("aliases", unit.aliases), ("abbreviations", unit.abbreviations)):
        for position, form in enumerate(forms):
            yield field, position, form


def _email_collisions(org: OrganizationConfig, at: Loc) -> Iterable[tuple[Loc, str]]:
    """One email, one person: reminders go to the address, not to the name."""
    owners: dict[str, str] = {}
    leaders = [("chairman",), *(("vice_chairmen", i) for i in range(len(org.vice_chairmen)))]
    people: list[tuple[Loc, PersonConfig]] = [
        (where, leader)
        for where, leader in zip(leaders, (org.chairman, *org.vice_chairmen), strict=True)
    ]
    for index, unit in enumerate(org.units):
        if unit.head:
            people.append((("units", index, "head"), unit.head))
        people.extend((("units", index, "deputies", i), p) for i, p in enumerate(unit.deputies))
        people.extend((("units", index, "people", i), p) for i, p in enumerate(unit.people))
    for where, person in people:
        email = person.email.lower()
        owner = owners.setdefault(email, person.name)
        if fold(owner) != fold(person.name):
            yield (*at, *where, "email"), f'email "{person.email}" đã dùng cho {owner}'


# ---------------------------------------------------------------------------------------
# Unit names
# ---------------------------------------------------------------------------------------

_SHORT_FORMS = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\bhoi dong nhan dan\b"), "hdnd"),
)
# Short forms kept whole when a name is abbreviated by initials.
_WHOLE = frozenset({"ubnd", "hdnd"})
# A name that is only one of these never matches without its own locality: "UBND" alone
# in a thị xã plan is the thị xã itself, not "UBND tỉnh".
_BARE = frozenset({("ubnd",), ("hdnd",)})
_LEADING = {"vp": ("van", "phong"), "p": ("phong",)}
CONNECTORS = frozenset({"va"})
# Locality words, longest first: "thị xã" must win over "xã".
_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("thanh", "pho"),
    ("thi", "tran"),
    ("thi", "xa"),
    ("phuong",),
    ("huyen",),
    ("tinh",),
    ("xa",),
)


@lru_cache(maxsize=65536)
def canonical_tokens(folded: str) -> tuple[str, ...]:
    """The comparison tokens of a folded unit name: short forms, no "và", "VP" expanded."""
    text = folded.replace("/", " ")
    for pattern, short in _SHORT_FORMS:
        text = pattern.sub(short, text)
    tokens = tuple(token for token in text.split() if token not in CONNECTORS)
    if tokens and tokens[0] in _LEADING:
        tokens = (*_LEADING[tokens[0]], *tokens[1:])
    return tokens


def _locality_keys(localities: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    keys = {canonical_tokens(fold(place)) for place in localities}
    return tuple(sorted((key for key in keys if key), key=len, reverse=True))


def _split_locality(
    tokens: tuple[str, ...], localities: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(base, locality word): "phong tu phap thi xa kien tuong" -> ("phong tu phap", "thi xa")."""
    for place in (*localities, ()):
        if place and tokens[-len(place) :] != place:
            continue
        head = tokens[: len(tokens) - len(place)]
        for suffix in _SUFFIXES:
            if len(head) > len(suffix) and head[-len(suffix) :] == suffix:
                return head[: -len(suffix)], suffix
    return tokens, ()


def _compatible(one: tuple[str, ...], other: tuple[str, ...], base: tuple[str, ...]) -> bool:
    """Same locality word, or one side without any (unless the base is a bare "UBND")."""
    if one == other:
        return True
    return (not one or not other) and base not in _BARE


def _initials(tokens: Sequence[str]) -> str:
    return "".join(t if t in _WHOLE or t.isdigit() else t[0] for t in tokens)


class NamedUnit(Protocol):
    """What the resolver needs of a unit; ``UnitConfig`` and ``UnitName`` both fit."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def abbreviations(self) -> Sequence[str]: ...
    @property
    def aliases(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class UnitName:
    """A unit's names without the rest of the directory (for tools and tests)."""

    code: str
    name: str
    abbreviations: Sequence[str] = ()
    aliases: Sequence[str] = ()


class UnitResolver:
    """Resolves the text of one unit, as written in a plan cell, to a unit code.

    Pure and immutable once built. ``localities`` are the place names that may follow a
    locality word ("Kiến Tường" in "Phòng Nội vụ thị xã Kiến Tường").
    """

    def __init__(self, units: Iterable[NamedUnit], *, localities: Iterable[str] = ()) -> None:
        self._localities = _locality_keys(localities)
        self._exact: dict[tuple[str, ...], str | None] = {}
        self._bases: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        self._by_initials: dict[str, str | None] = {}
        longest = 1
        for unit in units:
            for _, _, form in _unit_forms(unit):
                longest = max(longest, len(fold(form).split()))
                self._add_form(unit.code, form)
            self._add_initials(unit.code, unit.name)
        # In raw folded tokens, with room for a locality and "và" between words.
        self.window = 2 * longest + 4 + max((len(p) for p in self._localities), default=0)

    @classmethod
    def from_units(
        cls,
        units: Iterable[tuple[str, str, Sequence[str], Sequence[str]]],
        *,
        localities: Iterable[str] = (),
    ) -> UnitResolver:
        """Build from (code, name, abbreviations, aliases) rows, e.g. stored units."""
        names = [
            UnitName(code, name, tuple(abbr), tuple(alias)) for code, name, abbr, alias in units
        ]
        return cls(names, localities=localities)

    def resolve(self, text: str, *, implied_type: str | None = None) -> str | None:
        """The unit code ``text`` names, or None when unknown or ambiguous.

        ``implied_type`` is a unit-type word ("phòng") to put before a bare name, as in
        "Các phòng: Tư pháp, Nội vụ"; the text is first tried as written.
        """
        return self.resolve_folded(fold(text), implied_type=implied_type)

    def resolve_folded(self, folded: str, *, implied_type: str | None = None) -> str | None:
        """Like ``resolve`` for text already passed through ``engine.text.fold``."""
        tokens = canonical_tokens(folded)
        if not tokens:
            return None
        code = self._lookup(tokens)
        if code is None and implied_type:
            implied = canonical_tokens(fold(implied_type))
            if tokens[: len(implied)] != implied:
                code = self._lookup((*implied, *tokens))
        return code

    def _lookup(self, tokens: tuple[str, ...]) -> str | None:
        code = self._exact.get(tokens)
        if code:
            return code
        base, suffix = _split_locality(tokens, self._localities)
        codes = {c for s, c in self._bases.get(base, ()) if _compatible(s, suffix, base)}
        if len(codes) == 1:
            return codes.pop()
        return self._initials_lookup(base) or self._initials_lookup(tokens)

    def _initials_lookup(self, tokens: tuple[str, ...]) -> str | None:
        for cut in range(len(tokens)):
            code = self._by_initials.get(f"{' '.join(tokens[:cut])}|{''.join(tokens[cut:])}")
            if code:
                return code
        return None

    def _add_form(self, code: str, form: str) -> None:
        tokens = canonical_tokens(fold(form))
        if not tokens:
            return
        _put(self._exact, tokens, code)
        base, suffix = _split_locality(tokens, self._localities)
        self._bases.setdefault(base, []).append((suffix, code))

    def _add_initials(self, code: str, name: str) -> None:
        """Keys for "prefix|initials" abbreviations: "phong|vhtt", "trung tam|vhtttt"."""
        base, _ = _split_locality(canonical_tokens(fold(name)), self._localities)
        for cut in range(len(base) - 1):
            initials = _initials(base[cut:])
            if cut == 0 and len(initials) < 3:
                continue  # two letters alone ("CA", "YT") are too easily something else
            _put(self._by_initials, f"{' '.join(base[:cut])}|{initials}", code)


def _put(table: dict[K, str | None], key: K, code: str) -> None:
    """Record ``key`` for ``code``; a key claimed by two units becomes ambiguous (None)."""
    if key in table and table[key] != code:
        table[key] = None
    else:
        table[key] = code


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------


PersonMatch = tuple[str, str | None]


class PersonResolver:
    """Resolves a person cell ("Bà Trần Thị Thu Hà - Trưởng phòng") to (name, unit code).

    Built from (name, unit code) pairs; the unit code is None for people outside any unit
    (the Chairman, Vice Chairmen). Names are matched folded and whole-word, anywhere in the
    text, longest first, so a leading title ("Ông/Bà", "đồng chí", "Trưởng phòng") or a
    trailing one is ignored.
    """

    def __init__(self, people: Iterable[PersonMatch]) -> None:
        self._by_name: dict[tuple[str, ...], list[PersonMatch]] = {}
        for name, unit_code in people:
            key = tuple(fold(name).split())
            if key and (name, unit_code) not in self._by_name.get(key, []):
                self._by_name.setdefault(key, []).append((clean(name), unit_code))
        self._longest = max((len(key) for key in self._by_name), default=0)
        self._shortest = min((len(key) for key in self._by_name), default=1)

    @classmethod
    def from_people(cls, people: Iterable[PersonMatch]) -> PersonResolver:
        """Build from (name, unit code or None) rows, e.g. stored people."""
        return cls(people)

    def resolve(self, text: str, *, unit_code: str | None = None) -> PersonMatch | None:
        """The (person name, unit code) named in ``text``, or None.

        When one name belongs to people in several units, ``unit_code`` (the task's lead
        unit) picks among them; without it the name is ambiguous and resolves to None.
        """
        tokens = tuple(fold(text).replace("/", " ").split())
        for start in range(len(tokens)):
            top = min(self._longest, len(tokens) - start)
            for length in range(top, self._shortest - 1, -1):
                found = self._by_name.get(tokens[start : start + length])
                if found:
                    return _pick(found, unit_code)
        return None


def _pick(found: list[PersonMatch], unit_code: str | None) -> PersonMatch | None:
    if len(found) == 1:
        return found[0]
    in_unit = [match for match in found if match[1] == unit_code]
    return in_unit[0] if len(in_unit) == 1 else None


def organization_localities(place: str, parent: str) -> tuple[str, ...]:
    """Place names a unit name may end with: the organization's place and its upper level's
    ("Sở Nội vụ tỉnh Long An" is "Sở Nội vụ" for an organization under UBND tỉnh Long An)."""
    upper = canonical_tokens(fold(parent))
    if upper[:1] in (("ubnd",), ("hdnd",)):
        upper = upper[1:]
    for suffix in _SUFFIXES:
        if upper[: len(suffix)] == suffix:
            upper = upper[len(suffix) :]
            break
    return (place, " ".join(upper)) if upper else (place,)
