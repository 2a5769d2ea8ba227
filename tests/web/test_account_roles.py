"""An account's role against its directory person (one engine check for adding an account
and changing its role, on the web and the CLI), and who may change a role or their own
notice preferences: every role, allowed and refused, through the real routes."""

from __future__ import annotations

from html import unescape

import pytest
from sqlmodel import Session, select
from web_support import NOW, ORG, ROLE_ACCOUNT, SETUP, Site, login

from engine.directory.accounts import change_role, check_role_fit
from engine.directory.store import get_organization
from engine.errors import DirectoryError
from engine.store.db import session_scope
from engine.store.models import AuditLog, Person, PersonRole, UserAccount, UserRole
from engine.web.policy import MATRIX, Action

CHAIRMAN = "chutich@kientuong.example.vn"
VICE = "ducpv@kientuong.example.vn"
HEAD = "tungvt@kientuong.example.vn"  # head of Phòng Tư pháp
OFFICER = "linhntm@kientuong.example.vn"  # Phòng Tư pháp
STANDING = "tamlm@kientuong.example.vn"  # Phòng Nội vụ, the standing office
DEPUTY = "hanpn@kientuong.example.vn"  # Phòng Nội vụ, made its deputy below


def _person(site: Site, email: str) -> Person:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.email == email)).one()


def _make_deputy(site: Site, email: str) -> None:
    with session_scope(site.engine) as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        person.role = PersonRole.DEPUTY


# (role, person's e-mail or None, what the refusal says; "" when it fits)
FIT_CASES = [
    (UserRole.ADMIN, None, ""),
    (UserRole.ADMIN, OFFICER, ""),
    (UserRole.UNIT_HEAD, HEAD, ""),
    (UserRole.UNIT_HEAD, DEPUTY, ""),
    (UserRole.UNIT_HEAD, OFFICER, "không phải thủ trưởng hoặc phó thủ trưởng"),
    (UserRole.UNIT_HEAD, CHAIRMAN, "không phải thủ trưởng hoặc phó thủ trưởng"),
    (UserRole.UNIT_HEAD, None, "cần gắn với một cán bộ trong danh mục"),
    (UserRole.OFFICER, OFFICER, ""),
    (UserRole.OFFICER, HEAD, ""),
    (UserRole.OFFICER, VICE, "không thuộc đơn vị nào trong danh mục"),
    (UserRole.OFFICER, None, "cần gắn với một cán bộ trong danh mục"),
    (UserRole.CHAIRMAN, CHAIRMAN, ""),
    (UserRole.CHAIRMAN, VICE, "Phạm Văn Đức (Phó Chủ tịch UBND thị xã) không phải Chủ tịch"),
    (UserRole.VICE_CHAIRMAN, VICE, ""),
    (UserRole.VICE_CHAIRMAN, CHAIRMAN, "không phải Phó Chủ tịch trong danh mục"),
    (UserRole.STANDING_OFFICE, None, ""),
    (UserRole.STANDING_OFFICE, STANDING, ""),
    (UserRole.STANDING_OFFICE, HEAD, "không thuộc cơ quan thường trực (phong-noi-vu)"),
]


@pytest.mark.parametrize(
    ("role", "email", "refusal"),
    FIT_CASES,
    ids=[f"{role}-{(email or 'none').split('@')[0]}" for role, email, _ in FIT_CASES],
)
def test_a_role_fits_its_directory_person(
    site: Site, role: UserRole, email: str | None, refusal: str
) -> None:
    _make_deputy(site, DEPUTY)
    with Session(site.engine) as session:
        org = get_organization(session, ORG)
        person = session.exec(select(Person).where(Person.email == email)).one() if email else None
        if not refusal:
            check_role_fit(session, organization=org, role=role, person=person)
            return
        with pytest.raises(DirectoryError) as refused:
            check_role_fit(session, organization=org, role=role, person=person)
    assert refusal in str(refused.value)
    if person is not None:  # the refusal names the person and the role
        assert person.name in str(refused.value) and "vai trò" in str(refused.value)


def test_a_person_who_left_fits_no_role(site: Site) -> None:
    with session_scope(site.engine) as session:
        person = session.exec(select(Person).where(Person.email == HEAD)).one()
        person.active = False
        org = get_organization(session, ORG)
        with pytest.raises(DirectoryError, match="không còn hoạt động"):
            check_role_fit(session, organization=org, role=UserRole.OFFICER, person=person)


def test_a_role_change_keeps_the_person_unless_told_and_is_audited(site: Site) -> None:
    site.add("truongphong")
    with session_scope(site.engine) as session:
        change_role(session, username="truongphong", role=UserRole.OFFICER, person=None,
                    actor=SETUP, now=NOW)  # fmt: skip
    refused = pytest.raises(DirectoryError, match="không thuộc cơ quan thường trực")
    with session_scope(site.engine) as session, refused:
        change_role(session, username="truongphong", role=UserRole.STANDING_OFFICE,
                    person=None, actor=SETUP, now=NOW)  # fmt: skip
    with session_scope(site.engine) as session:
        change_role(session, username="truongphong", role=UserRole.STANDING_OFFICE,
                    person="", actor=SETUP, now=NOW)  # fmt: skip
    with Session(site.engine) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == "truongphong"))
        stored = account.one()
        rows = session.exec(select(AuditLog).where(AuditLog.action == "role")).all()
    assert stored.role == "standing_office" and stored.person_id is None
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("role", "unit_head", "officer"),
        ("role", "officer", "standing_office"),
        ("person", "Võ Thanh Tùng", None),
    ]


# -- who may: every role, allowed and refused -------------------------------------------------


def _role_of(site: Site, username: str) -> str:
    with Session(site.engine) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == username))
        return account.one().role


@pytest.mark.parametrize("role", list(UserRole), ids=str)
def test_only_the_administrator_changes_a_role(site: Site, role: UserRole) -> None:
    username = ROLE_ACCOUNT[role]
    site.add(username)
    site.add("truongphong-noivu")  # the head of Phòng Nội vụ: no role of ROLE_ACCOUNT
    client = site.client()
    csrf = login(client, username)

    answer = client.post("/accounts/truongphong-noivu/role", data={
        "csrf_token": csrf, "role": "officer", "person": "hattt@kientuong.example.vn",
    })  # fmt: skip

    if role in MATRIX[Action.CHANGE_ROLE]:
        assert answer.status_code == 303, answer.text
        assert _role_of(site, "truongphong-noivu") == "officer"
    else:
        assert answer.status_code == 403 and "không có quyền" in unescape(answer.text)
        assert _role_of(site, "truongphong-noivu") == "unit_head"


@pytest.mark.parametrize("role", list(UserRole), ids=str)
def test_every_account_with_a_person_sets_its_own_preferences(site: Site, role: UserRole) -> None:
    username = ROLE_ACCOUNT[role]
    site.add(username)
    client = site.client()
    csrf = login(client, username)
    assert role in MATRIX[Action.OWN_PREFERENCES]

    page = client.get("/account")
    answer = client.post("/account/preferences", data={
        "csrf_token": csrf, "channel": "email", "email_mode": "immediate", "phone": "0987654321",
    })  # fmt: skip
    wanted = {"channel": "email", "email_mode": "digest", "phone": "+84987654321"}
    api = client.put("/api/me/preferences", headers={"X-CSRF-Token": csrf}, json=wanted)

    assert page.status_code == 200
    with Session(site.engine) as session:
        account = session.exec(select(UserAccount).where(UserAccount.username == username)).one()
        person = session.get(Person, account.person_id) if account.person_id else None
    if person is None:  # the administrator's account has no directory person
        assert "không gắn với cán bộ nào" in unescape(page.text)
        assert answer.status_code == 400 and api.status_code == 404
        return
    assert answer.status_code == 303 and api.status_code == 200, api.text
    assert (person.channel, person.email_mode, person.phone) == ("email", "digest", "0987654321")
