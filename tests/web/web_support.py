"""Helpers for the web tests: a loaded database (directory + Kiến Tường's plan), accounts
for every role, the app on a fixed clock, and logging in through the real login form."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, select

from engine.calendar.status import VN
from engine.configs.files import Configs, load_configs
from engine.configs.settings import Settings
from engine.directory.accounts import hash_password
from engine.directory.store import get_organization
from engine.plans.verdicts import refresh_verdicts
from engine.store.audit import Actor
from engine.store.db import session_scope
from engine.store.models import ExtensionRequest, Person, Task, TaskUnit, UserAccount, UserRole
from engine.tasks.actions import request_extension
from engine.tasks.edits import TaskEdit, edit_task
from engine.web.app import create_app
from engine.web.recent import Recent
from notifications.smtp_settings import SmtpSettings

REPO = Path(__file__).resolve().parents[2]
# Where the browser tests keep their screenshots (printed in the header of a test run).
ARTIFACTS = Path(
    os.environ.get("SAURO_BROWSER_ARTIFACTS") or Path(tempfile.gettempdir()) / "sauro-browser"
)
CONFIG = REPO / "config"
FIXTURES = REPO / "tests" / "fixtures"
_ENGINE_TESTS = REPO / "tests" / "engine"
if str(_ENGINE_TESTS) not in sys.path:
    sys.path.insert(0, str(_ENGINE_TESTS))

from sauro_support import load_kien_tuong  # noqa: E402

NOW = datetime(2024, 6, 10, 9, 0, tzinfo=VN)  # before most 2024 deadlines of the plan
PASSWORD = "mat-khau-du-dai-2024"
ORG = "kien-tuong"
SETUP = Actor(name="test", source="tests/web")

# username -> (role, directory person): the officer and the unit head are of Phòng Tư pháp,
# which leads tasks 2.1-2.4; the officer is the named person of task 2.1.
ACCOUNTS: dict[str, tuple[UserRole, str | None]] = {
    "quantri": (UserRole.ADMIN, None),
    "thuongtruc": (UserRole.STANDING_OFFICE, "tamlm@kientuong.example.vn"),
    "truongphong": (UserRole.UNIT_HEAD, "tungvt@kientuong.example.vn"),
    "canbo": (UserRole.OFFICER, "linhntm@kientuong.example.vn"),
    "chutich": (UserRole.CHAIRMAN, "chutich@kientuong.example.vn"),
    "phochutich": (UserRole.VICE_CHAIRMAN, "ducpv@kientuong.example.vn"),
    # for the scope rules: the head of another unit (Phòng Nội vụ)
    "truongphong-noivu": (UserRole.UNIT_HEAD, "hattt@kientuong.example.vn"),
}
ROLE_ACCOUNT: dict[UserRole, str] = {role: name for name, (role, _) in list(ACCOUNTS.items())[:6]}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    """The app over one loaded database, with its folders."""

    app: FastAPI
    engine: Engine
    settings: Settings

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver", follow_redirects=False)

    def task_id(self, ref: str) -> int:
        with Session(self.engine) as session:
            task = session.exec(select(Task).where(Task.ref == ref)).one()
            return int(task.id or 0)

    def add(self, username: str) -> None:
        """The account ``username`` of ``ACCOUNTS``, stored with the password hashed once per
        test session (Argon2 costs a quarter of a second here; ``add_user`` has its own
        tests through ``sauro user add``)."""
        role, email = ACCOUNTS[username]
        with session_scope(self.engine) as session:
            org = get_organization(session, ORG)
            person = session.exec(select(Person).where(Person.email == email)).first()
            session.add(
                UserAccount(
                    username=username,
                    password_hash=_password_hash(),
                    role=str(role),
                    organization_id=org.id or 0,
                    person_id=person.id if person and email else None,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )

    def pending_request(self, ref: str) -> int:
        """An extension request on task ``ref``, waiting for a decision."""
        with session_scope(self.engine) as session:
            request = request_extension(
                session=session,
                task_id=self.task_id(ref),
                new_due=NOW.date().replace(year=2025),
                reason="Chờ hướng dẫn của Sở Tư pháp.",
                actor=SETUP,
                now=NOW,
            )
            return int(request.id or 0)

    def request_status(self, request_id: int) -> str:
        with Session(self.engine) as session:
            request = session.get(ExtensionRequest, request_id)
            return request.status if request else ""


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@cache
def _shipped_configs() -> Configs:
    """``config/`` parsed once per session. ``Configs`` is frozen and keeps no path, so it
    equals the parse of a fresh copy of the folder (about 50 ms saved per site)."""
    return load_configs(CONFIG)


def build_site(engine: Engine, db_url: str, tmp_path: Path) -> Site:
    """Directory and plan loaded, task 2.1 given its person, the app on the fixed clock."""
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG, config_dir)
    configs = _shipped_configs()  # what load_configs(config_dir) gives for the fresh copy
    load_kien_tuong(engine, configs, actor=SETUP, now=NOW)
    settings = Settings(
        database_url=db_url,
        config_dir=config_dir,
        uploads_dir=tmp_path / "uploads",
        reports_dir=tmp_path / "reports",
    )
    outbox = SmtpSettings(smtp_host="", outbox_dir=tmp_path / "outbox")  # notices' mail
    app = create_app(settings, engine=engine, clock=lambda: NOW, smtp=outbox)
    app.state.web.recent = Recent(0)  # the tests write behind the app's back: nothing kept
    site = Site(app, engine, settings)
    _name_person(site, "2.1", "linhntm@kientuong.example.vn", configs)
    with engine.begin() as connection:  # as the morning's cycle leaves them: pages only read
        refresh_verdicts(connection, rules=configs.rules, org_code=ORG, today=NOW.date())
    return site


def _name_person(site: Site, ref: str, email: str, configs: Configs) -> None:
    task_id = site.task_id(ref)
    with session_scope(site.engine) as session:
        task = session.get(Task, task_id)
        person = session.exec(select(Person).where(Person.email == email)).one()
        assert task is not None
        edit = TaskEdit(
            version=task.version,
            person_id=person.id,
            work=task.work,
            area=task.area,
            deadline_text=task.deadline_text,
            lead_unit_id=task.lead_unit_id,
            coordinator_ids=(),
            assigner=task.assigner,
            product=task.product,
        )
        edit_task(
            session=session,
            task_id=task_id,
            edit=edit,
            areas=configs.areas,
            actor=SETUP,
            now=NOW,
        )


def csrf_of(html: str) -> str:
    """The CSRF token rendered in a page's forms."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def followed(client: TestClient, response: Response) -> Response:
    """The page a form's redirect (post/redirect/get) leads to, with its one-time message."""
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"])


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 303, response.text
    token: str = client.get("/api/me").json()["csrf_token"]
    return token


def edit_form(site: Site, ref: str) -> dict[str, object]:
    """The task page's "Sửa sáu rõ" form of task ``ref`` as the page fills it in."""
    with Session(site.engine) as session:
        task = session.exec(select(Task).where(Task.ref == ref)).one()
        coordinators = session.exec(
            select(TaskUnit.unit_id).where(
                TaskUnit.task_id == task.id, TaskUnit.role == "coordinator"
            )
        )
        return {
            "version": task.version,
            "work": task.work,
            "area": task.area or "",
            "deadline_text": task.deadline_text,
            "person_id": task.person_id or "",
            "lead_unit_id": task.lead_unit_id or "",
            "coordinator_ids": [unit_id for unit_id in coordinators if unit_id is not None],
            "assigner": task.assigner,
            "product": task.product,
        }
