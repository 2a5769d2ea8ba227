"""The ``sauro`` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

import sys

import typer

from engine.errors import SauroError

app = typer.Typer(
    name="sauro",
    help="Sáu Rõ: kế hoạch vào, 6 rõ ra. Quản lý nhiệm vụ theo nguyên tắc 6 rõ.",
    no_args_is_help=True,
    add_completion=False,
)

# --- command registration (one line per command module) ---


def main() -> None:
    """Entry point: run the app and turn a SauroError into a Vietnamese message and exit 2."""
    try:
        app(standalone_mode=False)
    except SauroError as error:
        typer.echo(f"Lỗi: {error}", err=True)
        sys.exit(error.exit_code)
