"""The bounded sandbox administrator-edited templates render in. Pure.

Jinja2's ``ImmutableSandboxedEnvironment`` keeps a template from Python's internals, but
not from the machine's memory and time: ``'x'|center(10**9)``, ``'{:>999999999}'.format(1)``
or ``'%0999999999d'|format(1)`` build a gigabyte, two nested ``range(100000)`` loops run for
hours. ``BoundedSandbox`` bounds every way a template makes work:

- sizes: a string a filter, a string method, an operator (``+``, ``*``, ``%``, ``~``) or a
  call produces is at most ``Limits.string`` characters, a list at most ``Limits.items``
  items, an integer at most ``Limits.bits`` bits. The widths and counts that make a result
  far bigger than its inputs (``center``, ``indent``, ``wordwrap``, ``replace``, ``join``,
  ``batch``, ``slice``, ``format``, printf ``%`` and ``str.format`` widths and precisions,
  ``ljust``, ``zfill``, ``expandtabs``, repetition) are checked *before* the work is done;
- ``range`` makes at most ``Limits.range`` numbers;
- per render: at most ``Limits.steps`` steps (each loop iteration, call and intercepted
  operator is one) and ``Limits.seconds`` seconds (the clock is read every
  ``_CLOCK_EVERY`` steps); at most ``Limits.output`` characters printed (``{{ … }}``) plus
  the literal text of loop bodies, counted at each iteration, so text built inside a macro
  counts before it is joined; at most ``Limits.output`` characters written by each
  template, included ones too.

Every ``{% for %}`` iterates through the filter ``_bounded_loop`` and every ``~`` goes
through ``_bounded_text``: ``BoundedSandbox._generate`` (Jinja2's hook before code is
generated) rewrites the tree; ``parse`` still gives the template as written.

Crossing a bound raises ``TemplateBoundError`` (a Jinja2 ``TemplateRuntimeError``) with a
Vietnamese message, from the template's own frame, so a caller that reports template
errors names the file and the line. The checks are plain Python on each hook, with the
render's counters in a ``ContextVar``: no thread or process per render, so the daily cycle
renders thousands of digests through it at a small cost (README, "Benchmarks").

``time_budget(seconds)`` gives the renders inside it a shorter time limit: validation
renders sample digests, which take milliseconds, and refuses a template that needs more.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from string import Formatter
from typing import Any, cast

from jinja2 import nodes
from jinja2.environment import Environment, Template
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg


class TemplateBoundError(TemplateRuntimeError):
    """A template crossed one of the sandbox's bounds; the message says which, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one render may make (see the module)."""

    string: int = 1_000_000  # characters of one string
    items: int = 100_000  # items of one list, tuple, set or dict
    bits: int = 4096  # bits of one integer
    range: int = 10_000  # numbers of one range()
    steps: int = 100_000  # loop iterations, calls and intercepted operators
    output: int = 10_000_000  # characters printed
    seconds: float = 10.0


LIMITS = Limits()
# The time limit of a validation render of a sample digest (milliseconds when sane).
VALIDATION_SECONDS = 3.0
# Steps between two looks at the clock and at the step count (cheap steps in between).
_CLOCK_EVERY = 64


def _number(value: float) -> str:
    """1000000 -> "1.000.000", as Vietnamese writes numbers."""
    return f"{value:,}".replace(",", ".")


class _Budget:
    """The counters of one render."""

    __slots__ = ("_clock_at", "built", "deadline", "limits", "steps", "written")

    def __init__(self, limits: Limits, seconds: float) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + seconds
        self.steps = 0
        self.built = 0  # printed values and the literal text of loop bodies
        self.written = 0  # what the templates yielded (an included one's twice)
        self._clock_at = _CLOCK_EVERY

    def step(self, built: int = 0) -> None:
        """One more step, which builds ``built`` characters of output."""
        self.steps += 1
        self.built += built
        if self.steps >= self._clock_at or self.built > self.limits.output:
            self.check()

    def check(self) -> None:
        """Refuse the render once past a bound; read the clock (every ``_CLOCK_EVERY`` steps)."""
        if self.steps >= self._clock_at:
            self._clock_at = self.steps + _CLOCK_EVERY
            self.clock()
        if self.steps > self.limits.steps:
            raise TemplateBoundError(
                f"mẫu thư chạy quá {_number(self.limits.steps)} bước (vòng lặp, lời gọi "
                "hoặc phép tính lồng nhau quá lớn)"
            )
        if self.built > self.limits.output:
            raise _output_error(self.limits)

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateBoundError("dựng thư quá thời gian cho phép; mẫu thư quá nặng")


def _output_error(limits: Limits) -> TemplateBoundError:
    return TemplateBoundError(f"thư dựng ra dài quá {_number(limits.output)} ký tự")


_BUDGET: ContextVar[_Budget | None] = ContextVar("sauro_template_budget", default=None)
_SECONDS: ContextVar[float | None] = ContextVar("sauro_template_seconds", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Renders started inside get ``seconds`` instead of ``Limits.seconds``."""
    token = _SECONDS.set(seconds)
    try:
        yield
    finally:
        _SECONDS.reset(token)


def _step() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.step()


# --- sizes ----------------------------------------------------------------------------


def _string_error(limits: Limits) -> TemplateBoundError:
    return TemplateBoundError(f"mẫu thư tạo ra chuỗi dài quá {_number(limits.string)} ký tự")


def _items_error(limits: Limits) -> TemplateBoundError:
    return TemplateBoundError(f"mẫu thư tạo ra danh sách quá {_number(limits.items)} phần tử")


def _require_chars(chars: int, limits: Limits) -> None:
    if chars > limits.string:
        raise _string_error(limits)


def _checked(value: Any, limits: Limits) -> Any:
    """``value`` when it is within the size bounds."""
    if isinstance(value, str):
        _require_chars(len(value), limits)
    elif isinstance(value, list | tuple | dict | set | frozenset) and len(value) > limits.items:
        raise _items_error(limits)
    elif isinstance(value, int) and value.bit_length() > limits.bits:
        raise TemplateBoundError(f"số quá lớn (quá {_number(limits.bits)} bit)")
    return value


def _text_size(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has, counted without building it (nested
    containers included); stops counting past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, list | tuple | set | frozenset):
        return 24
    total = 2
    for item in value:
        total += _text_size(item, limit - total) + 2
        if total > limit:
            break
    return total


def _width(value: Any, limits: Limits) -> None:
    """A width, count or precision that sizes a result: at most ``Limits.string``."""
    if isinstance(value, int) and value > limits.string:
        raise TemplateBoundError(
            f"độ rộng hoặc số lần {_number(value)} quá lớn (tối đa {_number(limits.string)})"
        )


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _printf(template: str, args: Any, limits: Limits) -> None:
    """The widths and precisions of a printf-style ``template`` (``'%0999d' % 1``)."""
    values = args if isinstance(args, tuple) else (args,)
    for match in _PRINTF.finditer(template):
        for spec in match.groups():
            if spec == "*":
                for value in values:
                    _width(value, limits)
            elif spec:
                _width(int(spec), limits)


def _format_specs(template: str, args: Iterable[Any], limits: Limits) -> None:
    """The widths and precisions of a ``str.format`` template (``'{:>999999999}'``); a
    width taken from an argument (``'{:{}}'``) bounds every integer argument."""
    for _, _, spec, _ in Formatter().parse(template):
        if not spec:
            continue
        if "{" in spec:
            for value in args:
                _width(value, limits)
        for digits in re.findall(r"\d+", spec):
            _width(int(digits), limits)


def _joined(separator: str, items: list[Any], limits: Limits) -> None:
    if len(items) > limits.items:
        raise _items_error(limits)
    chars = len(separator) * max(len(items) - 1, 0)
    for item in items:
        chars += _text_size(item, limits.string)
        _require_chars(chars, limits)


def _replaced(text: str, old: str, new: str, count: Any, limits: Limits) -> None:
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    _require_chars(len(text) + found * max(len(new) - len(old), 0), limits)


# --- string methods -------------------------------------------------------------------


def _padded(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits) -> None:
    _width(args[0] if args else kwargs.get("width"), limits)


def _tabs(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits) -> None:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(size, int):
        _require_chars(len(owner) + owner.count("\t") * size, limits)


def _method_replace(
    owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> None:
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        _replaced(owner, args[0], args[1], count, limits)


def _method_format(
    owner: str, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> None:
    values = [*args, *kwargs.values()]
    if len(args) == 1 and isinstance(args[0], Mapping):  # format_map
        values = list(args[0].values())
    _format_specs(owner, values, limits)


_METHOD_CHECKS: dict[str, Callable[[str, tuple[Any, ...], dict[str, Any], Limits], None]] = {
    "center": _padded,
    "ljust": _padded,
    "rjust": _padded,
    "zfill": _padded,
    "expandtabs": _tabs,
    "replace": _method_replace,
    "format": _method_format,
    "format_map": _method_format,
}


def _method_args(
    obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> tuple[Any, ...]:
    """Check a call of a string method before it runs; the arguments to call it with (a
    ``join``'s items read once into a list)."""
    target = getattr(obj, "__wrapped__", obj)  # the sandbox's wrapper of str.format
    owner = getattr(target, "__self__", None)
    if not isinstance(owner, str):
        return args
    name = getattr(target, "__name__", "")
    if name == "join" and len(args) == 1:
        items = list(args[0])
        _joined(owner, items, limits)
        return (items,)
    check = _METHOD_CHECKS.get(name)
    if check is not None:
        check(owner, args, kwargs, limits)
    return args


# --- filters --------------------------------------------------------------------------


class _Args:
    """A filter's own arguments, after the context or environment Jinja2 passes first:
    ``values`` by position (0: the filtered value), ``named`` by keyword."""

    __slots__ = ("named", "values")

    def __init__(self, values: list[Any], named: dict[str, Any]) -> None:
        self.values = values
        self.named = named

    def get(self, position: int, name: str, default: Any = None) -> Any:
        if position < len(self.values):
            return self.values[position]
        return self.named.get(name, default)


FilterCheck = Callable[[_Args, Limits], None]


def _filter_center(args: _Args, limits: Limits) -> None:
    _width(args.get(1, "width"), limits)


def _filter_indent(args: _Args, limits: Limits) -> None:
    text, width = args.get(0, "s"), args.get(1, "width", 4)
    lines = text.count("\n") + 1 if isinstance(text, str) else 1
    size = len(width) if isinstance(width, str) else width
    if isinstance(size, int):
        _require_chars(len(str(text)) + lines * size, limits)


def _filter_wordwrap(args: _Args, limits: Limits) -> None:
    text, width = args.get(0, "s"), args.get(1, "width", 79)
    wrap = args.get(3, "wrapstring") or "\n"
    if isinstance(text, str) and isinstance(width, int) and isinstance(wrap, str):
        breaks = len(text) // max(width, 1) + text.count("\n") + 1
        _require_chars(len(text) + breaks * len(wrap), limits)


def _filter_replace(args: _Args, limits: Limits) -> None:
    text, old, new = args.get(0, "s"), args.get(1, "old"), args.get(2, "new")
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        _replaced(text, old, new, args.get(3, "count"), limits)


def _filter_join(args: _Args, limits: Limits) -> None:
    items = list(args.values[0])
    args.values[0] = items  # read once: the filter then joins the same items
    separator = args.get(1, "d", "")
    _joined(separator if isinstance(separator, str) else "", items, limits)


def _filter_format(args: _Args, limits: Limits) -> None:
    value = args.get(0, "value")
    if isinstance(value, str):
        _printf(value, tuple(args.values[1:]), limits)


def _filter_count(position: int, name: str) -> FilterCheck:
    def check(args: _Args, limits: Limits) -> None:
        count = args.get(position, name)
        if isinstance(count, int) and count > limits.items:
            raise _items_error(limits)

    return check


def _filter_text(args: _Args, limits: Limits) -> None:
    """A filter that prints its whole value (``string``, ``pprint``, ``tojson``)."""
    _require_chars(_text_size(args.get(0, "value"), limits.string), limits)


_FILTER_CHECKS: dict[str, FilterCheck] = {
    "center": _filter_center,
    "indent": _filter_indent,
    "wordwrap": _filter_wordwrap,
    "replace": _filter_replace,
    "join": _filter_join,
    "format": _filter_format,
    "batch": _filter_count(1, "linecount"),
    "slice": _filter_count(1, "slices"),
    "string": _filter_text,
    "pprint": _filter_text,
    "tojson": _filter_text,
}
# Filters whose result can outgrow their input: checked after they run as well.
_GROWING = (*_FILTER_CHECKS, "forceescape", "urlencode", "urlize", "xmlattr", "sum", "list")


def _bounded_filter(name: str, func: Callable[..., Any], limits: Limits) -> Callable[..., Any]:
    """``func`` checked before (``_FILTER_CHECKS``) and after it runs; it keeps Jinja2's
    marks (``pass_context`` and the like), which ``wraps`` copies."""
    check = _FILTER_CHECKS.get(name)
    passed = 0 if _PassArg.from_obj(func) is None else 1  # a context or environment first

    @wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _step()
        if check is not None:
            own = _Args(list(args[passed:]), kwargs)
            check(own, limits)
            args = (*args[:passed], *own.values)
        return _checked(func(*args, **kwargs), limits)

    return bounded


# --- the environment ------------------------------------------------------------------


def _literal_chars(body: Iterable[nodes.Node]) -> int:
    """The characters of literal text in a loop body, inner loops left to themselves."""
    total = 0
    pending = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif not isinstance(node, nodes.For | nodes.Macro | nodes.CallBlock):
            pending.extend(node.iter_child_nodes())
    return total


# The filters every loop and every ``~`` go through (``BoundedSandbox._generate``).
_LOOP = "_bounded_loop"
_TEXT = "_bounded_text"


class BoundedTemplate(Template):
    """A template of ``BoundedSandbox``: ``render`` runs under a budget of its own, and what
    each template writes (included ones too) is counted as it is written."""

    environment: BoundedSandbox

    @classmethod
    def _from_namespace(
        cls,
        environment: Environment,
        namespace: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> Template:
        template = super()._from_namespace(environment, namespace, globals)
        template.root_render_func = _counting(template.root_render_func, environment)
        return template

    def render(self, *args: Any, **kwargs: Any) -> str:
        """As Jinja2's ``render``, with this render's budget."""
        limits = self.environment.limits
        token = _BUDGET.set(_Budget(limits, _SECONDS.get() or limits.seconds))
        try:
            return "".join(self.root_render_func(self.new_context(dict(*args, **kwargs))))
        except Exception:
            self.environment.handle_exception()  # raises, at the template's line
        finally:
            _BUDGET.reset(token)


def _counting(
    root: Callable[[Context], Iterator[str]], environment: Environment
) -> Callable[[Context], Iterator[str]]:
    """A template's render function whose parts are counted against the render's output
    bound; past it the error is raised inside the template, at the statement that wrote
    the part, so its line is known."""
    limits = cast(BoundedSandbox, environment).limits

    def counted(context: Context) -> Iterator[str]:
        parts = cast(Generator[str, None, None], root(context))
        budget = _BUDGET.get()
        if budget is None:
            yield from parts
            return
        for part in parts:
            budget.written += len(part)
            if budget.written > limits.output:
                parts.throw(_output_error(limits))
            yield part

    return counted


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with the bounds of ``limits`` (see the module)."""

    template_class = BoundedTemplate

    def __init__(self, *args: Any, limits: Limits = LIMITS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        # On the instance: a subclass naming fewer operators does not turn these checks off.
        self.intercepted_binops = frozenset({"+", "*", "**", "%"})
        self.globals["range"] = self.bounded_range
        self.filters.update({_LOOP: self.bounded_loop, _TEXT: self.bounded_text})
        self.finalize = self._bounded_finalize(self.finalize)
        for name in _GROWING:
            if name in self.filters:
                self.filters[name] = _bounded_filter(name, self.filters[name], self.limits)

    def bounded_range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > self.limits.range:
            raise TemplateBoundError(f"range quá lớn (tối đa {_number(self.limits.range)} số)")
        return numbers

    def bounded_loop(self, iterable: Iterable[Any], literal: int) -> Iterator[Any]:
        """What every ``{% for %}`` iterates: one step per item, and the literal text its
        body writes counted at each."""
        budget = _BUDGET.get()
        if budget is None:
            yield from iterable
            return
        for item in iterable:
            budget.step(literal)
            yield item

    def bounded_text(self, text: str) -> str:
        """A ``~`` concatenation, within ``Limits.string``."""
        return cast(str, _checked(text, self.limits))

    def _bounded_finalize(self, finalize: Callable[..., Any] | None) -> Callable[..., Any]:
        limits = self.limits

        def bounded(value: Any) -> Any:
            shown = finalize(value) if finalize is not None else value
            size = len(shown) if isinstance(shown, str) else _text_size(shown, limits.output)
            budget = _BUDGET.get()
            if budget is None:
                if size > limits.output:
                    raise _output_error(limits)
                return shown
            budget.built += size  # not a step: a printed value is bounded by its size
            if budget.built > limits.output:
                raise _output_error(limits)
            return shown

        return bounded

    def call(
        __self,  # noqa: N805  (as Jinja2 names it: keyword arguments may be called "self")
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _step()
        args = _method_args(__obj, args, kwargs, __self.limits)
        return _checked(super().call(__context, __obj, *args, **kwargs), __self.limits)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _step()
        _operands(operator, left, right, self.limits)
        return _checked(super().call_binop(context, operator, left, right), self.limits)

    def _generate(
        self, source: nodes.Template, name: str | None, filename: str | None,
        defer_init: bool = False,
    ) -> str:  # fmt: skip
        """Jinja2's hook before the code is generated: every loop iterates through
        ``bounded_loop`` and every ``~`` through ``bounded_text``, as filters."""
        every = [source, *source.find_all(nodes.Node)]
        for node in every:
            if isinstance(node, nodes.For):
                literal = nodes.Const(_literal_chars(node.body))
                node.iter = _filtered(node.iter, _LOOP, literal)
        for node in every:
            for field in node.fields:
                value = getattr(node, field, None)
                if isinstance(value, nodes.Concat):
                    setattr(node, field, _filtered(value, _TEXT))
                elif isinstance(value, list) and any(isinstance(v, nodes.Concat) for v in value):
                    setattr(node, field, [_concat(item) for item in value])
        return super()._generate(source, name, filename, defer_init)


def _filtered(value: nodes.Node, name: str, *args: nodes.Node) -> nodes.Filter:
    """``value`` through the filter ``name`` (with ``args``), at its line. A filter, not a
    call: Jinja2 calls a filter directly, without the sandbox's ``call``."""
    node = nodes.Filter(value, name, list(args), [], None, None)
    node.set_lineno(value.lineno)
    return node


def _concat(node: Any) -> Any:
    return _filtered(node, _TEXT) if isinstance(node, nodes.Concat) else node


def _operands(operator: str, left: Any, right: Any, limits: Limits) -> None:
    """Refuse an operation whose result would cross a bound, before it runs."""
    if operator == "%" and isinstance(left, str):
        _printf(left, right, limits)
    elif operator == "+" and isinstance(left, str | list | tuple):
        if isinstance(right, str | list | tuple):
            _checked_length(left, len(left) + len(right), limits)
    elif operator == "*":
        _product(left, right, limits)
    elif operator == "**" and _power_bits(left, right) > limits.bits:
        raise TemplateBoundError(f"lũy thừa quá lớn (quá {_number(limits.bits)} bit)")


def _power_bits(base: Any, exponent: Any) -> int:
    """About how many bits ``base ** exponent`` has (0 when it stays small)."""
    if not isinstance(base, int) or not isinstance(exponent, int) or exponent <= 0:
        return 0
    return abs(base).bit_length() * exponent if abs(base) > 1 else 0


def _product(left: Any, right: Any, limits: Limits) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > limits.bits:
            raise TemplateBoundError(f"số quá lớn (quá {_number(limits.bits)} bit)")
        return
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int):
            _checked_length(sequence, len(sequence) * count, limits)
            if isinstance(sequence, list | tuple):  # the text of the repeated items
                _require_chars(_text_size(sequence, limits.string) * max(count, 0), limits)


def _checked_length(sample: Any, length: int, limits: Limits) -> None:
    if isinstance(sample, str):
        _require_chars(length, limits)
    elif length > limits.items:
        raise _items_error(limits)
