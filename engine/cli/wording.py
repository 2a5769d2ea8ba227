"""The command line's own words in Vietnamese: help headings, usage lines, type names and
the errors of reading a command line ("Usage", "Options", "[required]", "Missing option",
"No such option", "Invalid value", "Try … for help").

Typer 0.29 bundles its own Click, with two kinds of text:

- Typer's texts go through ``gettext.gettext`` of the process's text domain (``[required]``,
  ``[default: …]``, the help panels' titles, "Error", "Try … for help", "No such command").
  ``install`` binds the domain ``sauro`` to the catalogue shipped in ``locale/``
  (``locale/vi/LC_MESSAGES/sauro.po``, compiled to ``sauro.mo`` by ``make locale``) and
  makes Vietnamese the language gettext reads. Typer reads the panel titles once, when
  ``typer.rich_utils`` is imported, so ``install`` reads them again through the catalogue.
- The bundled Click writes its own texts as literals (the usage prefix, ``[OPTIONS]``, the
  help option's line, the type names, the error messages). The command classes here
  (``VietnameseCommand``, ``VietnameseGroup``) write those themselves, and turn each Click
  error into the same error in Vietnamese (``vietnamese_error``), keeping what it names.
"""

from __future__ import annotations

import difflib
import gettext
import os
from pathlib import Path
from typing import IO, Any

import typer
from pydantic import ValidationError
from typer import _click as click  # Typer 0.29 vendors Click: its commands are these classes
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from engine.configs.settings import pydantic_meaning

DOMAIN = "sauro"
LOCALE = Path(__file__).parent / "locale"
USAGE = "Cách dùng: "
OPTIONS = "[TÙY CHỌN]"
SUBCOMMAND = "LỆNH [ĐỐI SỐ]..."
HELP = "Hiện hướng dẫn này rồi thoát."
# typer.rich_utils' texts, read once when it is imported: their gettext message ids.
_RICH_TEXTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}
# The type a value takes, as the help shows it beside an option or argument (a flag: none).
_TYPES = {
    "<str>": "<văn bản>",
    "<int>": "<số nguyên>",
    "<int range>": "<số nguyên>",
    "<float range>": "<số>",
    "<float>": "<số>",
    "<path>": "<đường dẫn>",
    "<bool>": "",
    "<list[str]>": "<văn bản>",
}


def install() -> None:
    """Make gettext read Typer's texts from the Vietnamese catalogue (idempotent)."""
    os.environ["LANGUAGE"] = "vi"  # gettext's language; Sáu Rõ speaks Vietnamese only
    gettext.bindtextdomain(DOMAIN, LOCALE)
    gettext.textdomain(DOMAIN)
    from typer import rich_utils  # imported by Typer only to print help or an error

    for name, message in _RICH_TEXTS.items():
        setattr(rich_utils, name, gettext.gettext(message))


class _Option(TyperOption):
    def display_type(self, ctx: click.Context) -> str:
        label = super().display_type(ctx)
        return _TYPES.get(label, label)


class _Argument(TyperArgument):
    def display_type(self, ctx: click.Context) -> str:
        label = super().display_type(ctx)
        return _TYPES.get(label, label)


def _vietnamese_params(params: list[Any]) -> None:
    # The params Typer builds are its own classes; these subclasses only name the types in
    # Vietnamese, so each param is given the subclass of its class (same fields, same state).
    for param in params:
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument


class VietnameseUsageError(UsageError):
    """A command line that cannot be read, said in Vietnamese (also without Rich)."""

    def show(self, file: IO[Any] | None = None) -> None:
        lines = [f"Lỗi: {self.format_message()}"]
        if self.ctx is not None:
            help_option = self.ctx.help_option_names[0]
            lines[:0] = [
                self.ctx.get_usage(),
                f"Xem '{self.ctx.command_path} {help_option}' để biết cách dùng.\n",
            ]
        for line in lines:
            typer.echo(line, file=file, err=True)


def vietnamese_error(error: UsageError, command: click.Command) -> UsageError:
    """``error``, raised reading ``command``'s line, said in Vietnamese, with the option,
    argument or value it names."""
    if isinstance(error, VietnameseUsageError):
        return error
    return VietnameseUsageError(_message(error, command), error.ctx)


def _message(error: UsageError, command: click.Command) -> str:
    if isinstance(error, NoSuchOption):
        near = sorted(error.possibilities or ())
        return f"Không có tùy chọn {error.option_name}" + (
            f" (có phải: {', '.join(near)}?)" if near else ""
        )
    if isinstance(error, MissingParameter):
        return f"Thiếu {_kind(error)} {_hint(error)}."
    if isinstance(error, BadParameter):
        return f"Giá trị của {_hint(error)} không hợp lệ: {_detail(error)}"
    if isinstance(error, BadOptionUsage):
        return _option_usage(error, command)
    if error.message.startswith("Got unexpected extra argument"):
        extra = error.message.rpartition("(")[2].rstrip(")")
        return f"Thừa đối số: {extra}"
    return error.message  # a message of Typer's, already through the catalogue


def _kind(error: MissingParameter) -> str:
    kind = error.param_type or (error.param.param_type_name if error.param else "")
    return "tùy chọn" if kind == "option" else "đối số"


def _hint(error: BadParameter) -> str:
    if error.param_hint is not None:
        hints = [error.param_hint] if isinstance(error.param_hint, str) else error.param_hint
        return " / ".join(f"'{h}'" for h in hints)
    return error.param.get_error_hint() if error.param is not None else "tham số"


def _detail(error: BadParameter) -> str:
    """What is wrong with the value: pydantic's reading in Vietnamese, with the value."""
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors(include_url=False)[0]
        return f"{pydantic_meaning(first)}, đang là «{first['input']}»"
    return error.message


def _option_usage(error: BadOptionUsage, command: click.Command) -> str:
    params = command.params
    flag = any(error.option_name in p.opts and getattr(p, "is_flag", False) for p in params)
    if flag:
        return f"Tùy chọn {error.option_name} không nhận giá trị."
    return f"Tùy chọn {error.option_name} cần một giá trị."


class _Vietnamese:
    """What a command and a group share: Vietnamese usage line, help option and errors."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE)

    def get_help_option(self, ctx: click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP
            _vietnamese_params([option])
        return option  # type: ignore[no-any-return]

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)  # type: ignore[misc,no-any-return]
        except UsageError as error:
            raise vietnamese_error(error, self) from None  # type: ignore[arg-type]


class VietnameseCommand(_Vietnamese, TyperCommand):
    """A Typer command that speaks Vietnamese (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = OPTIONS
        _vietnamese_params(self.params)


class VietnameseGroup(_Vietnamese, TyperGroup):
    """A Typer group that speaks Vietnamese; an unknown command is answered with the
    nearest names, in Vietnamese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = OPTIONS
        self.subcommand_metavar = SUBCOMMAND
        self.suggest_commands = False  # Typer's suggestion is English; see resolve_command
        _vietnamese_params(self.params)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            near = difflib.get_close_matches(args[0], list(self.commands)) if args else []
            message = error.message + (f" Có phải: {', '.join(near)}?" if near else "")
            raise VietnameseUsageError(message, ctx) from None
