"""``sauro user add|passwd|role|list|disable`` as an administrator runs them, on a real
database: passwords asked twice, roles checked against the directory person, audited."""

from __future__ import annotations

import pytest
from click.testing import Result
from sqlmodel import Session, select
from typer.testing import CliRunner
from web_support import CONFIG, NOW

from engine.directory.accounts import LoginPolicy, authenticate
from engine.store.db import make_engine, session_scope
from engine.store.models import AuditLog, UserAccount

GOOD = "mot-mat-khau-dai"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    environment = {"SAURO_DATABASE_URL": db_url, "SAURO_CONFIG_DIR": str(CONFIG)}
    assert sauro(environment, "init").exit_code == 0
    return environment


def sauro(env: dict[str, str], *args: str, stdin: str = "") -> Result:
    from engine.cli import app

    return CliRunner().invoke(app, list(args), env=env, input=stdin, catch_exceptions=False)


def _account(env: dict[str, str], username: str) -> UserAccount | None:
    engine = make_engine(env["SAURO_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    finally:
        engine.dispose()


def _login(env: dict[str, str], username: str, password: str) -> bool:
    engine = make_engine(env["SAURO_DATABASE_URL"])
    try:
        with Session(engine) as session:
            outcome = authenticate(
                session, username=username, password=password, ip="127.0.0.1",
                policy=LoginPolicy(), now=NOW,
            )  # fmt: skip
            return outcome.account is not None
    finally:
        engine.dispose()


def test_add_asks_twice_and_stores_an_argon2_hash(env: dict[str, str]) -> None:
    result = sauro(env, "user", "add", "quantri", "--role", "admin", stdin=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "Đã thêm tài khoản 'quantri' (Quản trị, xuan-duong)." in result.output
    account = _account(env, "quantri")
    assert account is not None and account.password_hash.startswith("$argon2id$")
    assert GOOD not in account.password_hash
    assert _login(env, "quantri", GOOD)


def test_add_refuses_two_different_passwords(env: dict[str, str]) -> None:
    result = sauro(env, "user", "add", "a1", "--role", "admin", stdin=f"{GOOD}\nkhac-hoan-toan\n")
    assert result.exit_code == 2 and "không khớp" in result.output
    assert _account(env, "a1") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "officer"), "cần gắn với một cán bộ"),
        (("--role", "chairman", "--person", "tamlm@kientuong.example.vn", "--org", "kien-tuong"),
         "không phải Chủ tịch"),
        (("--role", "boss"), "Vai trò 'boss' không có"),
        (("--role", "officer", "--person", "Ai Đó", "--org", "kien-tuong"), "Không có cán bộ"),
    ],
    ids=["officer without person", "chairman not chairman", "unknown role", "unknown person"],
)  # fmt: skip
def test_add_refuses_accounts_that_do_not_fit_the_directory(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = sauro(env, "user", "add", "x1", *args, "--password-stdin", stdin=f"{GOOD}\n")
    assert result.exit_code == 2
    assert message in result.output
    assert _account(env, "x1") is None


def test_short_passwords_and_duplicates_are_refused(env: dict[str, str]) -> None:
    short = sauro(env, "user", "add", "a2", "--role", "admin", "--password-stdin", stdin="ngan\n")
    assert short.exit_code == 2 and "ít nhất 10 ký tự" in short.output
    ok = sauro(env, "user", "add", "a2", "--role", "admin", "--password-stdin", stdin=f"{GOOD}\n")
    assert ok.exit_code == 0
    again = sauro(
        env, "user", "add", "A2", "--role", "admin", "--password-stdin", stdin=f"{GOOD}\n"
    )
    assert again.exit_code == 2 and "đã có" in again.output


def test_passwd_disable_and_enable_are_audited_without_the_password(env: dict[str, str]) -> None:
    args = ("--role", "chairman", "--person", "Nguyễn Văn Vũ", "--org", "kien-tuong")
    assert (
        sauro(env, "user", "add", "vu", *args, "--password-stdin", stdin=f"{GOOD}\n").exit_code == 0
    )
    new = "mat-khau-moi-123"
    assert sauro(env, "user", "passwd", "vu", "--password-stdin", stdin=f"{new}\n").exit_code == 0
    assert not _login(env, "vu", GOOD) and _login(env, "vu", new)
    assert sauro(env, "user", "disable", "vu").exit_code == 0
    assert not _login(env, "vu", new)
    assert sauro(env, "user", "enable", "vu").exit_code == 0
    assert _login(env, "vu", new)
    engine = make_engine(env["SAURO_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.entity == "user_account")).all()
    engine.dispose()
    assert [r.action for r in rows if r.field in ("", "username", "password", "active")] == [
        "create", "update", "disable", "enable"
    ]  # fmt: skip
    assert all(GOOD not in (r.new_value or "") and new not in (r.new_value or "") for r in rows)
    assert all(r.actor.startswith("cli:") for r in rows)


def test_help_is_vietnamese(env: dict[str, str]) -> None:
    result = sauro(env, "user", "--help")
    assert "Tài khoản đăng nhập ứng dụng web" in result.output


def _add(env: dict[str, str], username: str, *args: str) -> None:
    result = sauro(env, "user", "add", username, *args, "--password-stdin", stdin=f"{GOOD}\n")
    assert result.exit_code == 0, result.output


def test_passwd_asks_twice_and_refuses_two_different_passwords(env: dict[str, str]) -> None:
    _add(env, "quantri", "--role", "admin")
    refused = sauro(env, "user", "passwd", "quantri", stdin="mat-khau-moi-123\nmat-khau-khac-9\n")
    assert refused.exit_code == 2 and "không khớp" in refused.output
    assert _login(env, "quantri", GOOD)
    changed = sauro(env, "user", "passwd", "quantri", stdin="mat-khau-moi-123\nmat-khau-moi-123\n")
    assert changed.exit_code == 0 and _login(env, "quantri", "mat-khau-moi-123")


def test_a_unit_head_must_be_a_head_or_deputy_of_its_unit(env: dict[str, str]) -> None:
    officer = ("--role", "unit_head", "--org", "kien-tuong", "--person")
    refused = sauro(env, "user", "add", "linh", *officer, "linhntm@kientuong.example.vn",
                    "--password-stdin", stdin=f"{GOOD}\n")  # fmt: skip
    assert refused.exit_code == 2
    assert "Nguyễn Thị Mỹ Linh (Chuyên viên) không phải thủ trưởng hoặc phó thủ trưởng" in (
        refused.output
    )
    assert "Thủ trưởng đơn vị" in refused.output and _account(env, "linh") is None
    _add(env, "tung", *officer, "tungvt@kientuong.example.vn")


def test_role_changes_are_checked_against_the_person_and_audited(env: dict[str, str]) -> None:
    _add(env, "tung", "--role", "unit_head", "--org", "kien-tuong",
         "--person", "tungvt@kientuong.example.vn")  # fmt: skip

    refused = sauro(env, "user", "role", "tung", "chairman")
    assert refused.exit_code == 2 and "Võ Thanh Tùng (Trưởng phòng) không phải Chủ tịch" in (
        refused.output
    )
    to_office = sauro(env, "user", "role", "tung", "standing_office")
    assert to_office.exit_code == 2 and "không thuộc cơ quan thường trực" in to_office.output
    officer = sauro(env, "user", "role", "tung", "officer")
    assert officer.exit_code == 0 and "Đã đổi vai trò của 'tung' thành Cán bộ." in officer.output
    office = sauro(env, "user", "role", "tung", "standing_office", "--person",
                   "tamlm@kientuong.example.vn")  # fmt: skip
    assert office.exit_code == 0, office.output
    bare = sauro(env, "user", "role", "tung", "admin", "--no-person")
    assert bare.exit_code == 0, bare.output
    unknown = sauro(env, "user", "role", "tung", "boss")
    assert unknown.exit_code == 2 and "Vai trò 'boss' không có" in unknown.output

    account = _account(env, "tung")
    assert account is not None and account.role == "admin" and account.person_id is None
    engine = make_engine(env["SAURO_DATABASE_URL"])
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "role")).all()
    engine.dispose()
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("role", "unit_head", "officer"),
        ("role", "officer", "standing_office"),
        ("person", "Võ Thanh Tùng", "Lê Minh Tâm"),
        ("role", "standing_office", "admin"),
        ("person", "Lê Minh Tâm", None),
    ]
    assert all(r.source == "cli:user role" for r in rows)


def test_list_shows_every_account_in_a_table(env: dict[str, str]) -> None:
    _add(env, "quantri", "--role", "admin", "--org", "xuan-duong")
    _add(env, "tung", "--role", "unit_head", "--org", "kien-tuong",
         "--person", "tungvt@kientuong.example.vn")  # fmt: skip
    engine = make_engine(env["SAURO_DATABASE_URL"])
    with session_scope(engine) as session:  # logged in at NOW: 09:00 10/06/2024 in Việt Nam
        account = session.exec(select(UserAccount).where(UserAccount.username == "tung")).one()
        account.last_login_at = NOW
    engine.dispose()
    assert sauro(env, "user", "disable", "quantri").exit_code == 0

    listed = sauro(env, "user", "list")
    only = sauro(env, "user", "list", "--org", "kien-tuong")

    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split("  ")[0] == "Tên đăng nhập" and "Đăng nhập gần nhất" in lines[0]
    tung = next(line for line in lines if line.startswith("tung "))
    for cell in ("Thủ trưởng đơn vị", "kien-tuong", "Võ Thanh Tùng", "Phòng Tư pháp",
                 "đang dùng", "09:00 10/06/2024"):  # fmt: skip
        assert cell in tung
    quantri = next(line for line in lines if line.startswith("quantri "))
    assert "Quản trị" in quantri and "đã khóa" in quantri and "chưa đăng nhập" in quantri
    assert "tung " in only.output and "quantri" not in only.output
    assert sauro(env, "user", "list", "--org", "khong-co").exit_code == 2
