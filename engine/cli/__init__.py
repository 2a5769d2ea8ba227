"""The ``sauro`` command line: one Typer app, one module per group of commands."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from engine.errors import SauroError


class SauroGroup(TyperGroup):
    """Turns every SauroError into its Vietnamese message on stderr and exit code 2."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except SauroError as error:
            typer.echo(f"Lỗi: {error}", err=True)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    name="sauro",
    cls=SauroGroup,
    pretty_exceptions_enable=False,
    help="Sáu Rõ: kế hoạch vào, 6 rõ ra. Quản lý nhiệm vụ theo nguyên tắc 6 rõ.",
    no_args_is_help=True,
    add_completion=False,
)

# --- command registration (one line per command module) ---
from engine.cli import calendar_cmd as _calendar_cmd  # noqa: E402
from engine.cli import check as _check_cmd  # noqa: E402
from engine.cli import config_cmd as _config_cmd  # noqa: E402
from engine.cli import db as _db_cmd  # noqa: E402
from engine.cli import deadline as _deadline_cmd  # noqa: E402
from engine.cli import plans as _plans_cmd  # noqa: E402
from engine.cli import remind_cmd as _remind_cmd  # noqa: E402
from engine.cli import report_cmd as _report_cmd  # noqa: E402
from engine.cli import rules_cmd as _rules_cmd  # noqa: E402
from engine.cli import serve_cmd as _serve_cmd  # noqa: E402
from engine.cli import task_cmd as _task_cmd  # noqa: E402
from engine.cli import unit_report_cmd as _unit_report_cmd  # noqa: E402
from engine.cli import user_cmd as _user_cmd  # noqa: E402

app.command("init")(_db_cmd.init)
app.add_typer(_db_cmd.db_app, name="db")
app.command("import")(_plans_cmd.import_command)
app.command("check")(_check_cmd.check_command)
app.add_typer(_rules_cmd.rules_app, name="rules")
app.add_typer(_config_cmd.config_app, name="config")
_rules_cmd.rules_app.command("preview")(_remind_cmd.preview)
app.command("remind")(_remind_cmd.remind)
app.command("report")(_report_cmd.report)
app.add_typer(_report_cmd.reporting_app, name="reporting")
app.command("deadline")(_deadline_cmd.deadline)
app.command("calendar")(_calendar_cmd.calendar)
app.command("serve")(_serve_cmd.serve)
app.command("deploy")(_serve_cmd.deploy)
app.add_typer(_task_cmd.task_app, name="task")
app.add_typer(_unit_report_cmd.unit_report_app, name="unit-report")
app.add_typer(_user_cmd.user_app, name="user")


def main() -> None:
    """Entry point of the ``sauro`` command."""
    app()
