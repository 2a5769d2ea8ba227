"""``sauro serve`` and ``sauro deploy`` as the user runs them, in-process; and the Prefect
deployment they register, built without a server."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from freezegun import freeze_time
from typer.testing import CliRunner

from engine.cli import app
from flows.deploy import (
    CRON,
    DEPLOYMENT_NAME,
    Limits,
    Scope,
    api_address,
    build_batch_deployments,
    build_deployment,
    build_reporting_deployment,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "sauro.db"
    shutil.copy(sqlite_template, path)
    return {"SAURO_DATABASE_URL": f"sqlite:///{path}", "SAURO_CONFIG_DIR": str(REPO / "config")}


def sauro(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_list_prints_next_fire_times_in_vietnamese(env: dict[str, str]) -> None:
    with freeze_time("2026-02-12T08:00:00+07:00"):  # Thursday before Tết Bính Ngọ
        result = sauro(env, "serve", "--list", "--count", "3")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "3 lần chạy sắp tới (giờ Asia/Ho_Chi_Minh):",
        "  Thứ Sáu 13/02/2026 lúc 07:00",
        "  Thứ Hai 23/02/2026 lúc 07:00",
        "  Thứ Ba 24/02/2026 lúc 07:00",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--once", "--list"), "Chỉ dùng một trong hai tùy chọn --once và --list."),
        (("--at", "2026-11-23T07:00:00+07:00"), "Tùy chọn --at chỉ dùng cùng --once."),
        (("--once", "--at", "2026-11-23T07:00"), "cần ngày giờ ISO 8601 kèm múi giờ"),
    ],
    ids=["once and list", "at without once", "naive instant"],
)
def test_serve_refuses_bad_options(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = sauro(env, "serve", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_once_on_a_day_off_says_so(env: dict[str, str]) -> None:
    """Monday 31/8/2026 is the day off swapped for the make-up Saturday 22/8."""
    result = sauro(env, "serve", "--once", "--dry-run", "--at", "2026-08-31T07:00:00+07:00")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Thứ Hai 31/08/2026 là ngày nghỉ (Ngày nghỉ hoán đổi (làm bù Thứ Bảy 22/08/2026)): "
        "không chạy chu trình nhắc việc. Ngày làm việc tiếp theo: Thứ Năm 03/09/2026."
    )


def test_deploy_needs_a_server_address(env: dict[str, str]) -> None:
    result = sauro({**env, "PREFECT_API_URL": ""}, "deploy")
    assert result.exit_code == 2
    assert "Chưa có địa chỉ máy chủ Prefect" in result.output


def test_deployment_runs_the_flow_by_module_path() -> None:
    deployment = asyncio.run(build_deployment(pool="xa-xuan-duong"))
    assert deployment.name == DEPLOYMENT_NAME
    assert deployment.flow_name == "sau-ro-daily-cycle"
    assert deployment.entrypoint == "flows.reminders.daily_cycle"
    assert deployment.work_pool_name == "xa-xuan-duong"
    assert deployment.parameters == {"child_deployment": "sau-ro-daily-batch/lo-don-vi"}
    [schedule] = deployment.schedules
    assert schedule.schedule.model_dump(include={"cron", "timezone"}) == {
        "cron": CRON,
        "timezone": "Asia/Ho_Chi_Minh",
    }
    assert CRON == "0 7 * * 1-6"  # Saturdays too: make-up working Saturdays exist


@pytest.mark.parametrize(
    ("scope", "suffix", "parameters"),
    [
        (Scope(), "", {}),
        (Scope(org="xuan-duong"), "-xuan-duong", {"org": "xuan-duong"}),
        (Scope(province="thanh-hoa"), "-thanh-hoa-toan-tinh", {"province": "thanh-hoa"}),
    ],
    ids=["all", "org", "province"],
)
def test_each_scope_has_its_own_deployments(
    scope: Scope, suffix: str, parameters: dict[str, str]
) -> None:
    """Deploying --org A then --org B leaves both: the names differ by the scope's suffix."""
    daily = asyncio.run(build_deployment(pool="p", scope=scope))
    reporting = asyncio.run(build_reporting_deployment(pool="p", scope=scope))
    batches = asyncio.run(build_batch_deployments(pool="p", scope=scope, limits=Limits(3, 45)))
    assert daily.name == f"hang-ngay-07-00{suffix}"
    assert reporting.name == f"hang-ngay-07-30{suffix}"
    assert daily.parameters == {
        **parameters,
        "child_deployment": f"sau-ro-daily-batch/lo-don-vi{suffix}",
    }
    assert reporting.parameters == {
        **parameters,
        "child_deployment": f"sau-ro-reporting-batch/lo-don-vi{suffix}",
    }
    # Every Sáu Rõ run beats as often as the automation expects, parents included.
    assert daily.job_variables == {"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}}
    assert reporting.job_variables == daily.job_variables
    assert [(b.flow_name, b.name, b.entrypoint) for b in batches] == [
        ("sau-ro-daily-batch", f"lo-don-vi{suffix}", "flows.reminders.daily_batch"),
        ("sau-ro-reporting-batch", f"lo-don-vi{suffix}", "flows.reporting.reporting_batch"),
    ]
    for batch in batches:
        assert batch.schedules == []
        assert batch.concurrency_limit == 3
        assert batch.job_variables == {"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "45"}}


def test_deploy_refuses_org_and_province(env: dict[str, str]) -> None:
    result = sauro(
        {**env, "PREFECT_API_URL": "http://127.0.0.1:9/api"},
        "deploy", "--org", "a", "--province", "b",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Chỉ dùng một trong hai tùy chọn --org và --province." in result.output


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:4200", "http://127.0.0.1:4200/api"),
        ("http://127.0.0.1:4200/", "http://127.0.0.1:4200/api"),
        ("http://127.0.0.1:4200/api", "http://127.0.0.1:4200/api"),
        (
            "https://api.prefect.cloud/api/accounts/a/workspaces/w",
            "https://api.prefect.cloud/api/accounts/a/workspaces/w",
        ),
    ],
)
def test_api_address(given: str, expected: str) -> None:
    assert api_address(given) == expected
