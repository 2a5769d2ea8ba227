"""Read administrator-edited YAML and validate it, reporting every problem with its place.

Every config file of Sáu Rõ goes through ``validate(model_cls, text, source)``:

1. ``load_yaml`` parses the text and records the line of every key and list item, so a
   problem found later can say "rules.yaml, dòng 12". YAML syntax errors and duplicated
   keys (which PyYAML would silently let the last one win) become a ``ConfigError``; so do
   a text longer than ``MAX_TEXT`` characters and any anchor (``&name``) or alias
   (``*name``, ``<<: *name``): an alias repeats a whole subtree, and a few nested ones
   make a 500-byte file stand for billions of values (a "billion laughs"), so the files
   an administrator edits write every value out.
2. The data is validated by a pydantic model (``extra="forbid"``); a ``ValidationError`` is
   turned into one ``ConfigError`` listing every problem in Vietnamese, each with file,
   line, entry ("checks.person.missing") and field ("severity").

A validator that wants to point at fields *inside* the value it checks (a cross-field
rule on a nested model) raises ``field_errors({"message": "…", "fix": "…"})``: each item
becomes its own problem, located at that sub-field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from engine.errors import ConfigError, Location, Problem, ProblemList

M = TypeVar("M", bound=BaseModel)

Path = tuple[str, ...]
LineOf = Mapping[Path, int]

# Raised by validators through ``field_errors``; the context key that carries the problems.
_SUBFIELDS_TYPE = "subfield_problems"
_SUBFIELDS_KEY = "problems"
_MAX_SHOWN = 60

# PyYAML explains syntax errors in English; the usual ones, said in Vietnamese.
_YAML_PROBLEMS = {
    "mapping values are not allowed here": "không được đặt 'khóa: giá trị' ở chỗ này "
    "(thường do thiếu dấu cách sau ':' hoặc thụt lề sai)",
    "could not find expected ':'": "thiếu dấu ':' sau khóa",
    "did not find expected key": "thụt lề sai hoặc thiếu khóa",
    "did not find expected '-' indicator": "thụt lề sai trong danh sách",
    "found character '\\t' that cannot start any token": "dùng phím Tab để thụt lề; "
    "YAML chỉ chấp nhận dấu cách",
    "found unexpected end of stream": "tệp kết thúc khi một chuỗi trong ngoặc kép chưa đóng",
    "found unknown escape character": "ký tự thoát (\\) không hợp lệ trong chuỗi ngoặc kép",
    "expected the node content": "thiếu giá trị (hoặc ngoặc [ ], { } chưa đóng)",
    "expected ',' or ']'": "ngoặc [ ] chưa đóng hoặc thiếu dấu phẩy giữa các mục",
    "expected ',' or '}'": "ngoặc { } chưa đóng hoặc thiếu dấu phẩy giữa các mục",
    "expected a single document in the stream": "tệp chỉ được chứa một tài liệu YAML "
    "(bỏ dòng '---' thừa)",
}


SUPPORTED_VERSION = 1
# The longest config text read (characters): ten times the shipped directory of a province.
MAX_TEXT = 2_000_000


def _supported(version: int) -> int:
    if version != SUPPORTED_VERSION:
        raise ValueError(
            f"phiên bản {version} không được hỗ trợ; tệp này phải ghi version: {SUPPORTED_VERSION}"
        )
    return version


# The ``version`` field of every admin-edited file: one format version, one message.
ConfigVersion = Annotated[int, AfterValidator(_supported)]


def load_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML text; return the data and the 1-based line of every key and list item.

    Paths are tuples of strings: mapping keys as written, list indices as "0", "1", …;
    the empty path is the document itself. Raises ``ConfigError`` on a syntax error or a
    duplicated key, naming the file and line.
    """
    require_size(text, source)
    loader = _ConfigLoader(text, source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {(): 1}
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, source) from error
    except yaml.YAMLError as error:  # unmarked errors are rare: keep PyYAML's words
        problem = Problem(Location(file=source), f"YAML không hợp lệ ({error})")
        raise ConfigError(f"Tệp cấu hình {source} không đọc được", [problem]) from error
    except ValueError as error:  # an impossible date written unquoted, e.g. 2025-02-30
        raise _bad_value(text, source, error) from error
    finally:
        loader.dispose()
    lines: dict[Path, int] = {(): node.start_mark.line + 1}
    duplicates = ProblemList()
    _record_lines(node, (), lines, duplicates, source)
    if duplicates:
        raise ConfigError(
            f"Tệp cấu hình {source} có khóa bị lặp ({len(duplicates.problems)} lỗi)",
            duplicates.problems,
        )
    return data, lines


def require_size(text: str, source: str) -> None:
    """``ConfigError`` when ``text`` is longer than ``MAX_TEXT`` characters."""
    if len(text) > MAX_TEXT:
        problem = Problem(
            Location(file=source),
            f"tệp quá dài ({len(text):,} ký tự; tối đa {MAX_TEXT:,})".replace(",", "."),
        )
        raise ConfigError(f"Tệp cấu hình {source} không đọc được", [problem])


class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases before it builds anything."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        alias = isinstance(event, yaml.AliasEvent)
        if alias or getattr(event, "anchor", None) is not None:
            raise _alias_error(event, self.source, alias=alias)
        return super().compose_node(parent, index)


def _alias_error(event: yaml.Event, source: str, *, alias: bool) -> ConfigError:
    sign = f"*{event.anchor}" if alias else f"&{event.anchor}"  # type: ignore[attr-defined]
    problem = Problem(
        Location(file=source, row=event.start_mark.line + 1 if event.start_mark else None),
        f"không dùng neo và bí danh YAML ('{sign}') trong tệp cấu hình: hãy viết đầy đủ "
        "từng giá trị tại chỗ cần dùng",
    )
    return ConfigError(f"Tệp cấu hình {source} không hợp lệ (1 lỗi)", [problem])


def validate(model_cls: type[M], text: str, source: str) -> M:
    """Parse ``text`` as YAML and validate it as ``model_cls``, or raise one ``ConfigError``."""
    data, lines = load_yaml(text, source)
    return validate_data(model_cls, data, lines, source)


def validate_data(model_cls: type[M], data: Any, lines: LineOf, source: str) -> M:
    """Validate already loaded data; problems are located with ``lines`` from ``load_yaml``."""
    try:
        return model_cls.model_validate(data)
    except ValidationError as error:
        problems = problems_from(error, source, lines)
        raise ConfigError(
            f"Tệp cấu hình {source} không hợp lệ ({len(problems)} lỗi)", problems
        ) from error


def field_errors(problems: Mapping[str, str]) -> PydanticCustomError:
    """An error to raise from a validator: one problem per named sub-field of its value.

    ``problems`` maps a field name inside the validated value to a Vietnamese message.
    """
    summary = "; ".join(f"{name}: {message}" for name, message in problems.items())
    return PydanticCustomError(
        _SUBFIELDS_TYPE, "{summary}", {"summary": summary, _SUBFIELDS_KEY: dict(problems)}
    )


def problems_from(error: ValidationError, source: str, lines: LineOf) -> list[Problem]:
    """Every error of a pydantic ``ValidationError`` as a located Vietnamese ``Problem``."""
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        ctx = detail.get("ctx") or {}
        if detail["type"] == _SUBFIELDS_TYPE and _SUBFIELDS_KEY in ctx:
            for name, message in ctx[_SUBFIELDS_KEY].items():
                problems.append(problem_at((*loc, name), message, source, lines))
        else:
            problems.append(problem_at(loc, vietnamese_message(detail), source, lines))
    return problems


def vietnamese_message(detail: ErrorDetails) -> str:
    """Say one pydantic error in Vietnamese, showing the value received when useful."""
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    if kind in _FIXED_MESSAGES:
        return _FIXED_MESSAGES[kind]
    if kind in ("value_error", "assertion_error"):  # our validators speak Vietnamese
        return str(ctx.get("error", detail["msg"]))
    return f"{_expected(kind, ctx)}, nhận {_shown(detail.get('input'))}"


def _expected(kind: str, ctx: Mapping[str, Any]) -> str:
    """What the value should have been, for a pydantic error type."""
    if kind in ("enum", "literal_error"):
        return "phải là " + str(ctx.get("expected", "")).replace(" or ", " hoặc ")
    if kind in _SIMPLE_MESSAGES:
        return _SIMPLE_MESSAGES[kind]
    if kind in _BOUND_MESSAGES:
        return _BOUND_MESSAGES[kind].format(**{k: _shown(v) for k, v in ctx.items()})
    return f"giá trị không hợp lệ (mã lỗi {kind})"


_FIXED_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "khóa không có trong lược đồ (viết sai tên hoặc không được dùng ở đây)",
}

_SIMPLE_MESSAGES = {
    "string_type": "phải là một chuỗi văn bản",
    "int_type": "phải là một số nguyên",
    "int_parsing": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "float_type": "phải là một số",
    "float_parsing": "phải là một số",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "dict_type": "phải là một bảng 'khóa: giá trị'",
    "model_type": "phải là một bảng 'khóa: giá trị'",
    "model_attributes_type": "phải là một bảng 'khóa: giá trị'",
    "list_type": "phải là một danh sách (mỗi mục bắt đầu bằng '- ')",
    "tuple_type": "phải là một danh sách (mỗi mục bắt đầu bằng '- ')",
    "date_type": "phải là một ngày (YYYY-MM-DD)",
    "date_parsing": "phải là một ngày (YYYY-MM-DD)",
    "date_from_datetime_parsing": "phải là một ngày (YYYY-MM-DD)",
    "time_type": "phải là một giờ (HH:MM)",
    "time_parsing": "phải là một giờ (HH:MM)",
    "string_pattern_mismatch": "không đúng dạng quy định",
}

_BOUND_MESSAGES = {
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "string_too_short": "phải có ít nhất {min_length} ký tự (không được để trống)",
    "string_too_long": "chỉ được có tối đa {max_length} ký tự",
    "too_short": "phải có ít nhất {min_length} mục",
    "too_long": "chỉ được có tối đa {max_length} mục",
}


def problem_at(loc: tuple[Any, ...], message: str, source: str, lines: LineOf) -> Problem:
    """Place a problem found by any check: entry is the path above the field (list indices
    as ints), field the last key; the line is the nearest one written in the file."""
    path = tuple(str(part) for part in loc)
    if loc and isinstance(loc[-1], str):
        entry, field = _dotted(loc[:-1]), loc[-1]
    else:
        entry, field = _dotted(loc), None
    location = Location(file=source, row=_line(path, lines), entry=entry or None, field=field)
    return Problem(location, message)


def _dotted(loc: tuple[Any, ...]) -> str:
    """("checks", "person.missing") -> "checks.person.missing"; indices as "[3]"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _line(path: Path, lines: LineOf) -> int | None:
    """The line of ``path``, or of its nearest ancestor written in the file."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def _shown(value: Any) -> str:
    """A short rendering of a received value for a message."""
    shown = repr(value) if isinstance(value, str) else str(value)
    if value is None:
        shown = "giá trị rỗng"
    return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 1] + "…"


def _record_lines(
    node: yaml.Node, path: Path, lines: dict[Path, int], duplicates: ProblemList, source: str
) -> None:
    """Walk the composed YAML tree, recording lines and flagging duplicated keys."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                where = Location(file=source, row=line, entry=_dotted(path) or None, field=key)
                duplicates.add(where, f"khóa bị lặp, đã có ở dòng {seen[key]}")
            seen.setdefault(key, line)
            lines.setdefault((*path, key), line)
            _record_lines(value_node, (*path, key), lines, duplicates, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, str(index))] = item.start_mark.line + 1
            _record_lines(item, (*path, str(index)), lines, duplicates, source)


def _syntax_error(error: yaml.MarkedYAMLError, source: str) -> ConfigError:
    """A YAML syntax error as a ConfigError at the line PyYAML points to."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    details = [str(text) for text in (error.problem, error.context) if text]
    said = next((_yaml_problem(detail) for detail in details if _yaml_problem(detail)), None)
    if said:
        message = f"sai cú pháp YAML: {said}"
    else:
        message = f"sai cú pháp YAML ({'; '.join(details) or error})"
    problem = Problem(Location(file=source, row=line), message)
    return ConfigError(f"Tệp cấu hình {source} không đọc được", [problem])


def _yaml_problem(detail: str) -> str | None:
    """PyYAML's English explanation in Vietnamese, when it is a usual one."""
    return next((said for key, said in _YAML_PROBLEMS.items() if detail.startswith(key)), None)


def _bad_value(text: str, source: str, error: ValueError) -> ConfigError:
    """PyYAML raises a bare ValueError while building an impossible date: find every such
    date and say where it is written."""
    problems = ProblemList()
    loader = _ConfigLoader(text, source)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    for loc, node in _scalars(root, ()):
        if node.tag == "tag:yaml.org,2002:timestamp" and not _real_timestamp(node):
            lines = {tuple(str(p) for p in loc): node.start_mark.line + 1}
            problems.problems.append(
                problem_at(loc, f"'{node.value}' không phải là một ngày có thật", source, lines)
            )
    if not problems:
        problems.add(Location(file=source), f"giá trị không hợp lệ ({error})")
    return ConfigError(
        f"Tệp cấu hình {source} không hợp lệ ({len(problems.problems)} lỗi)", problems.problems
    )


def _scalars(
    node: yaml.Node | None, loc: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], yaml.ScalarNode]]:
    """Every scalar of a composed YAML tree with its path (keys, list indices)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key: str | int = str(key_node.value)
            if key_node.tag == "tag:yaml.org,2002:int":  # as pydantic reports int keys: [2026]
                key = int(key)
            yield from _scalars(value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, (*loc, index))
    elif isinstance(node, yaml.ScalarNode):
        yield loc, node


def _real_timestamp(node: yaml.ScalarNode) -> bool:
    try:
        yaml.SafeLoader("").construct_yaml_timestamp(node)
    except ValueError:
        return False
    return True
