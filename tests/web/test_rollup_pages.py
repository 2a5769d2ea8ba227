"""The roll-up page and API of a province with 20 communes: every commune listed with the
figures of its own report, ranked; its issued report downloadable by the province only; the
menu entry only where there are children; a commune's accounts never see its siblings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rollup_support import (
    COMMUNES,
    NOW,
    PERIOD,
    PROVINCE,
    Province,
    build_province,
    standard_reports,
)
from sqlalchemy import Engine
from sqlmodel import select
from web_support import login

from engine.configs.settings import Settings
from engine.directory.accounts import hash_password
from engine.reports.data import report_data
from engine.store.db import session_scope
from engine.store.models import Organization, Person, UserAccount, UserRole
from engine.web.app import create_app

PASSWORD = "mat-khau-du-dai-2026"
_ROW = re.compile(r'<tr data-org="(?P<code>[^"]+)">(?P<body>.*?)</tr>', re.S)
_FIELD = re.compile(r'data-field="(?P<name>[a-z_]+)">(?P<value>[^<]*)<')


@pytest.fixture
def province(db_engine: Engine, db_url: str, tmp_path: Path) -> Province:
    built = build_province(db_engine, db_url, tmp_path)
    standard_reports(built)
    return built


@pytest.fixture
def client(province: Province, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=province.url, config_dir=province.config_dir,
        uploads_dir=tmp_path / "uploads", reports_dir=province.reports_dir,
    )  # fmt: skip
    app = create_app(settings, engine=province.engine, clock=lambda: NOW)
    yield TestClient(app, base_url="http://testserver", follow_redirects=False)
    app.state.mailer.close()


def _account(province: Province, username: str, org: str, role: UserRole, email: str) -> None:
    with session_scope(province.engine) as session:
        org_id = session.exec(select(Organization.id).where(Organization.code == org)).one()
        person = session.exec(select(Person).where(Person.email == email)).first()
        session.add(
            UserAccount(
                username=username, password_hash=hash_password(PASSWORD), role=str(role),
                organization_id=org_id or 0, person_id=person.id if person else None,
                created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip


def _as(client: TestClient, province: Province, who: str) -> TestClient:
    accounts = {
        "tinh-chutich": (PROVINCE, UserRole.CHAIRMAN, "chutich@tinhbinhan.example.vn"),
        "tinh-thuongtruc": (PROVINCE, UserRole.STANDING_OFFICE, "canbo@tinhbinhan.example.vn"),
        "tinh-truongphong": (PROVINCE, UserRole.UNIT_HEAD, "chanhvp@tinhbinhan.example.vn"),
        "xa01-chutich": ("xa-01", UserRole.CHAIRMAN, "chutich@xa01.example.vn"),
    }
    org, role, email = accounts[who]
    _account(province, who, org, role, email)
    login(client, who, PASSWORD)
    return client


def test_the_province_sees_every_commune_with_its_own_figures(
    client: TestClient, province: Province
) -> None:
    _as(client, province, "tinh-chutich")
    page = client.get(f"/rollup?period={PERIOD}")
    assert page.status_code == 200, page.text
    rows = {m["code"]: dict(_FIELD.findall(m["body"])) for m in _ROW.finditer(page.text)}
    assert sorted(rows) == list(COMMUNES)
    api = client.get(f"/api/rollup?period={PERIOD}").json()
    by_code = {c["code"]: c for c in api["children"]}
    with province.engine.connect() as connection:
        for code in COMMUNES:
            own = report_data(
                connection, configs=province.configs, org_code=code,
                period=province.period(), now=NOW,
            )  # fmt: skip
            shown = rows[code]
            assert int(shown["tasks"]) == own.totals.total == by_code[code]["tasks"]
            assert int(shown["overdue"]) == own.totals.overdue == by_code[code]["overdue"]
            assert int(shown["unclear"]) == own.compliance.unclear == by_code[code]["unclear"]
            assert int(shown["done_on_time"]) == own.totals.done_on_time
            assert by_code[code]["on_time"] == own.indicators.on_time.percent
            assert by_code[code]["completion"] == own.indicators.completion.percent
    ranks = [c["rank"] for c in api["children"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert [m["code"] for m in _ROW.finditer(page.text)] == [c["code"] for c in api["children"]]
    assert set(api["missing"]) == set(COMMUNES) - {"xa-01", "xa-02"}
    assert "Chưa gửi báo cáo khi đã quá hạn (18)" in page.text
    assert ">Tổng hợp cấp dưới</a>" in page.text  # the menu entry


def test_the_province_downloads_an_issued_report_only(
    client: TestClient, province: Province
) -> None:
    _as(client, province, "tinh-thuongtruc")
    page = client.get(f"/rollup?period={PERIOD}").text
    link = f"/rollup/{PERIOD}/xa-01/files/bao-cao-xa-01-{PERIOD}.docx"
    assert link in page
    got = client.get(link)
    assert got.status_code == 200 and got.content == f"xa-01 bao-cao-xa-01-{PERIOD}.docx".encode()
    draft = f"/rollup/{PERIOD}/xa-03/files/bao-cao-xa-03-{PERIOD}.docx"
    assert draft not in page
    assert client.get(draft).status_code == 404  # a draft is the commune's own business
    assert client.get(f"/rollup/{PERIOD}/xa-01/files/../../etc").status_code == 404


def test_a_commune_sees_no_sibling(client: TestClient, province: Province) -> None:
    _as(client, province, "xa01-chutich")
    assert ">Tổng hợp cấp dưới</a>" not in client.get("/dashboard").text
    page = client.get("/rollup")
    assert page.status_code == 200
    assert 'data-org="' not in page.text and "chưa có cơ quan cấp dưới" in page.text
    assert client.get("/api/rollup").json()["children"] == []
    sibling = client.get(f"/rollup/{PERIOD}/xa-02/files/bao-cao-xa-02-{PERIOD}.docx")
    assert sibling.status_code == 403
    own = client.get(f"/rollup/{PERIOD}/xa-01/files/bao-cao-xa-01-{PERIOD}.docx")
    assert own.status_code == 403  # its own report is on its reports page, not here


def test_a_unit_head_of_the_province_is_refused(client: TestClient, province: Province) -> None:
    _as(client, province, "tinh-truongphong")
    assert client.get("/rollup").status_code == 403
    assert client.get("/api/rollup").status_code == 403
    link = f"/rollup/{PERIOD}/xa-01/files/bao-cao-xa-01-{PERIOD}.docx"
    assert client.get(link).status_code == 403


def test_an_unknown_period_is_refused(client: TestClient, province: Province) -> None:
    _as(client, province, "tinh-chutich")
    assert client.get("/rollup?period=2026-Q7").status_code == 400
    assert client.get("/api/rollup?period=2026-Q7").status_code == 400
