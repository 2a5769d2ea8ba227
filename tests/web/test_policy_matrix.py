"""Every role × every action, through the real routes: allowed where ``policy.MATRIX`` says
so, refused with 403 and nothing written everywhere else; then the scope rules (a unit head
sees only its unit's tasks, an officer acts only on its own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, col, select
from web_support import NOW, ROLE_ACCOUNT, SETUP, Site, edit_form, login

from engine.errors import PermissionDeniedError
from engine.store.db import session_scope
from engine.store.models import (
    CoordinationNote,
    ExtensionRequest,
    Organization,
    Person,
    ProgressReport,
    ReportSection,
    Task,
    TaskState,
    Unit,
    UserAccount,
    UserRole,
)
from engine.web.policy import MATRIX, Action, Principal, TaskScope, authorize


def _task(site: Site, ref: str) -> Task:
    with Session(site.engine) as session:
        return session.exec(select(Task).where(Task.ref == ref)).one()


@dataclass(frozen=True)
class Case:
    """How to attempt an action, and whether it took effect."""

    attempt: Callable[[Site, TestClient, str], Response]
    took_effect: Callable[[Site], bool] | None = None


def _post(path: Callable[[Site], str], data: Callable[[Site], dict[str, Any]]) -> Any:
    def attempt(site: Site, client: TestClient, csrf: str) -> Response:
        return client.post(path(site), data={**data(site), "csrf_token": csrf})

    return attempt


def _section_saved(site: Site) -> bool:
    with Session(site.engine) as session:
        return session.exec(select(ReportSection)).first() is not None


def _get(path: Callable[[Site], str]) -> Any:
    return lambda site, client, _csrf: client.get(path(site))


def _t21(site: Site) -> int:
    return site.task_id("2.1")


def _edit_form(site: Site) -> dict[str, Any]:
    return {**edit_form(site, "2.1"), "product": "Báo cáo kết quả rà soát văn bản"}


def _decision_attempt(site: Site, client: TestClient, csrf: str) -> Response:
    request_id = site.pending_request("2.1")
    return client.post(
        f"/extensions/{request_id}/decision",
        data={"task_id": _t21(site), "approve": "yes", "csrf_token": csrf},
    )


def awaiting(site: Site, ref: str, acceptor: str) -> int:
    """Task ``ref`` completed by its unit and waiting for acceptance in an organization
    whose results ``acceptor`` accepts."""
    with session_scope(site.engine) as session:
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        org.acceptance_required, org.acceptor = True, acceptor
        task = session.exec(select(Task).where(Task.ref == ref)).one()
        task.state, task.completed_on = TaskState.AWAITING, date(2024, 6, 5)
        task.result, task.evidence = "Đã rà soát", "Báo cáo số 7/BC-PTP ngày 05/06/2024"
        task.submitted_on, task.submission = date(2024, 6, 5), 1
        return int(task.id or 0)


def _acceptance_attempt(site: Site, client: TestClient, csrf: str) -> Response:
    # The standing office accepts here, and the leaders above it: every role in the matrix.
    task_id = awaiting(site, "2.1", "standing_office")
    return client.post(f"/tasks/{task_id}/review", data={"decision": "accept", "csrf_token": csrf})


def _person_id(site: Site, email: str) -> int:
    with Session(site.engine) as session:
        return int(session.exec(select(Person).where(Person.email == email)).one().id or 0)


HEAD_EMAIL = "tungvt@kientuong.example.vn"  # head of Phòng Tư pháp, which leads task 2.1


def _assignment_form(site: Site) -> dict[str, Any]:
    return {
        "kind": "thong_bao_ket_luan",
        "number": "45/TB-UBND",
        "issued_on": "2024-06-05",
        "signer": "Nguyễn Văn Vũ, Chủ tịch UBND thị xã",
        "work": "Rà soát quy chế làm việc của UBND thị xã",
        "lead_unit_id": str(_unit(site, "van-phong")),
        "deadline_text": "trước ngày 30/06/2024",
        "product": "Báo cáo rà soát",
        "action": "save",
    }


def _plan_id(site: Site) -> int:
    return _task(site, "2.1").plan_id


def _unit(site: Site, code: str) -> int:
    """The unit ``code`` of Kiến Tường (the other organization has its own codes)."""
    with Session(site.engine) as session:
        query = (
            select(Unit)
            .join(Organization, col(Organization.id) == Unit.organization_id)
            .where(Organization.code == "kien-tuong", Unit.code == code)
        )
        return int(session.exec(query).one().id or 0)


def _count(site: Site, model: Any) -> int:
    with Session(site.engine) as session:
        return len(session.exec(select(model)).all())


def _approved(site: Site) -> bool:
    with Session(site.engine) as session:
        return any(r.status == "approved" for r in session.exec(select(ExtensionRequest)))


def _role_attempt(site: Site, client: TestClient, csrf: str) -> Response:
    site.add("truongphong-noivu")  # the head of Phòng Nội vụ, made an officer of it
    return client.post("/accounts/truongphong-noivu/role", data={
        "role": "officer", "person": "hattt@kientuong.example.vn", "csrf_token": csrf,
    })  # fmt: skip


def _account_role(site: Site) -> str:
    with Session(site.engine) as session:
        query = select(UserAccount).where(UserAccount.username == "truongphong-noivu")
        return session.exec(query).one().role


def _unit_named(site: Site, name: str) -> bool:
    with Session(site.engine) as session:
        return session.exec(select(Unit).where(Unit.name == name)).first() is not None


def _person_form(site: Site) -> dict[str, Any]:
    return {"name": "Võ Thanh Tùng", "title": "Trưởng phòng Tư pháp", "email": HEAD_EMAIL,
            "phone": "0912 345 678"}  # fmt: skip


def _person_title(site: Site, email: str) -> str:
    with Session(site.engine) as session:
        return session.exec(select(Person).where(Person.email == email)).one().title


def _report_approval_attempt(site: Site, client: TestClient, csrf: str) -> Response:
    from engine.calendar.periods import parse_period
    from engine.reports import approval

    with session_scope(site.engine) as session:
        org = session.exec(select(Organization).where(Organization.code == "kien-tuong")).one()
        configs = site.app.state.web.configs.get()
        period = parse_period("2024-H1", configs.reporting, site.app.state.web.calendar())
        approval.submit(session, organization_id=int(org.id or 0), period=period,
                        actor=SETUP, now=NOW)  # fmt: skip
    return client.post("/reports/2024-H1/approval", data={"step": "approve", "csrf_token": csrf})


def _report_approved(site: Site) -> bool:
    from engine.store.models import PeriodReport

    with Session(site.engine) as session:
        return session.exec(select(PeriodReport)).one().state == "approved"


def _report_written(site: Site) -> bool:
    """The report generated in the background, once its run is over."""
    from engine.web.reports import report_jobs

    job = report_jobs(site.app.state.web).last("kien-tuong", "2024-H1")
    if job is None:
        return False
    job.done.wait(60)
    folder = site.settings.reports_dir / "kien-tuong" / "2024-H1" / "kien-tuong-2024-H1"
    return (folder / "bao-cao-kien-tuong-2024-H1.docx").is_file()


CASES: dict[Action, Case] = {
    Action.VIEW_TASKS: Case(_get(lambda s: f"/tasks/{_t21(s)}")),
    Action.EDIT_TASK: Case(
        _post(lambda s: f"/tasks/{_t21(s)}/edit", _edit_form),
        lambda s: _task(s, "2.1").product == "Báo cáo kết quả rà soát văn bản",
    ),
    Action.DELEGATE_TASK: Case(
        _post(
            lambda s: f"/tasks/{_t21(s)}/delegate",
            lambda s: {"person_id": _person_id(s, HEAD_EMAIL), "reason": "Trưởng phòng làm"},
        ),
        lambda s: _task(s, "2.1").person_id == _person_id(s, HEAD_EMAIL),
    ),
    Action.COORDINATE_TASK: Case(
        _post(
            lambda s: f"/tasks/{s.task_id('1.2')}/coordination",  # Phòng Tư pháp coordinates
            lambda s: {"note": "Đã góp ý dự thảo", "evidence": "Công văn số 15/PTP"},
        ),
        lambda s: _count(s, CoordinationNote) == 1,
    ),
    Action.REPORT_PROGRESS: Case(
        _post(
            lambda s: f"/tasks/{_t21(s)}/progress",
            lambda s: {"percent": "30", "note": "Đã rà soát"},
        ),
        lambda s: _count(s, ProgressReport) == 1,
    ),
    Action.COMPLETE_TASK: Case(
        _post(
            lambda s: f"/tasks/{_t21(s)}/complete",
            lambda s: {
                "result": "Đã ban hành kế hoạch",
                "evidence": "Kế hoạch số 12/KH-PTP ngày 05/06/2024",
                "completed_on": "2024-06-05",
            },
        ),
        lambda s: _task(s, "2.1").state == TaskState.DONE,
    ),
    Action.REQUEST_EXTENSION: Case(
        _post(
            lambda s: f"/tasks/{_t21(s)}/extension",
            lambda s: {"new_due": "2025-01-31", "reason": "Chờ hướng dẫn của tỉnh"},
        ),
        lambda s: _count(s, ExtensionRequest) == 1,
    ),
    Action.DECIDE_EXTENSION: Case(_decision_attempt, _approved),
    Action.ACCEPT_RESULT: Case(
        _acceptance_attempt, lambda s: _task(s, "2.1").state == TaskState.DONE
    ),
    Action.IMPORT_PLAN: Case(_get(lambda s: "/import")),
    Action.VIEW_PLANS: Case(_get(lambda s: "/plans")),
    Action.ASSIGN_TASK: Case(
        _post(lambda s: "/tasks/new", _assignment_form),
        lambda s: _count(s, Task) == 31,
    ),
    Action.WITHDRAW_PLAN: Case(
        _post(lambda s: f"/plans/{_plan_id(s)}/withdraw", lambda s: {"reason": "Nhập nhầm"}),
        lambda s: _task(s, "2.1").state == TaskState.WITHDRAWN,
    ),
    Action.VIEW_DASHBOARD: Case(_get(lambda s: "/dashboard")),
    Action.VIEW_REPORTS: Case(_get(lambda s: "/reports?period=2024-H1")),
    Action.EDIT_REPORT_TEXT: Case(
        _post(lambda s: "/reports/2024-H1/sections", lambda s: {"text-V": "Kiến nghị mới."}),
        _section_saved,
    ),
    Action.GENERATE_REPORT: Case(
        _post(lambda s: "/reports", lambda s: {"period": "2024-H1"}), _report_written
    ),
    Action.EDIT_CONFIG: Case(_get(lambda s: "/configs")),
    Action.SUBMIT_UNIT_REPORT: Case(_get(lambda s: "/unit-reports?period=2024-H1")),
    Action.MANAGE_USERS: Case(_get(lambda s: "/accounts")),
    # The directory: units for the administrator, people also for the standing office.
    Action.MANAGE_DIRECTORY: Case(
        _post(lambda s: "/directory/units", lambda s: {"name": "Sở Y tế", "kind": "external"}),
        lambda s: _unit_named(s, "Sở Y tế"),
    ),
    Action.EDIT_PEOPLE: Case(
        _post(lambda s: f"/directory/people/{_person_id(s, HEAD_EMAIL)}", _person_form),
        lambda s: _person_title(s, HEAD_EMAIL) == "Trưởng phòng Tư pháp",
    ),
    # Every role and account with a person, in tests/web/test_account_roles.py as well.
    Action.CHANGE_ROLE: Case(_role_attempt, lambda s: _account_role(s) == "officer"),
    Action.OWN_PREFERENCES: Case(_get(lambda s: "/account")),
    Action.VIEW_NOTICES: Case(_get(lambda s: "/notices")),
    # Kiến Tường has no children: the page says so (tests/web/test_rollup_pages.py has some).
    Action.VIEW_ROLLUP: Case(_get(lambda s: "/rollup")),
    Action.APPROVE_REPORT: Case(_report_approval_attempt, _report_approved),
}


def test_every_action_has_a_case() -> None:
    assert set(CASES) == set(Action)


@pytest.mark.parametrize("role", list(UserRole), ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_role_action(site: Site, role: UserRole, action: Action) -> None:
    username = ROLE_ACCOUNT[role]
    site.add(username)
    client = site.client()
    csrf = login(client, username)
    case = CASES[action]
    response = case.attempt(site, client, csrf)
    if role not in MATRIX[action]:
        assert response.status_code == 403, response.text
        assert "không có quyền" in response.text
        assert case.took_effect is None or not case.took_effect(site)
        return
    assert response.status_code in (200, 303), response.text
    assert case.took_effect is None or case.took_effect(site)


def test_unit_head_of_another_unit_sees_and_changes_nothing_of_this_unit(site: Site) -> None:
    site.add("truongphong-noivu")
    client = site.client()
    csrf = login(client, "truongphong-noivu")
    task = site.task_id("2.1")
    assert client.get(f"/tasks/{task}").status_code == 403
    refused = client.post(f"/tasks/{task}/progress", data={"percent": "5", "csrf_token": csrf})
    assert refused.status_code == 403
    assert _count(site, ProgressReport) == 0
    refs = {row["ref"] for row in client.get("/api/tasks").json()["tasks"]}
    assert "1.1" in refs and not any(ref.startswith("2.") for ref in refs)
    assert client.get(f"/api/tasks/{task}").status_code == 403


def test_officer_reads_the_unit_tasks_and_acts_only_on_its_own(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    other = site.task_id("2.2")
    assert client.get(f"/tasks/{other}").status_code == 200
    page = client.get(f"/tasks/{other}").text
    assert "Báo cáo tiến độ</h2>" not in page  # read-only: no forms
    refused = client.post(f"/tasks/{other}/progress", data={"percent": "5", "csrf_token": csrf})
    assert refused.status_code == 403
    refs = {row["ref"] for row in client.get("/api/tasks").json()["tasks"]}
    assert refs == {"2.1", "2.2", "2.3", "2.4"}  # its unit's own; coordinated ones apart:
    coordinating = client.get("/api/tasks", params={"coordinator": _unit(site, "phong-tu-phap")})
    assert {row["ref"] for row in coordinating.json()["tasks"]} == {"1.2", "4.1"}
    coordinated = site.task_id("1.2")  # led by Phòng Nội vụ: its unit only adds its part
    page = client.get(f"/tasks/{coordinated}").text
    assert "Ghi phần phối hợp" in page and "Báo cáo tiến độ</h2>" not in page
    refused = client.post(
        f"/tasks/{coordinated}/progress", data={"percent": "5", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    own = client.get(f"/tasks/{site.task_id('2.1')}").text
    assert "Báo cáo tiến độ</h2>" in own


def test_a_vice_chairman_decides_through_the_api_and_is_audited_by_name(site: Site) -> None:
    site.add("phochutich")
    client = site.client()
    csrf = login(client, "phochutich")
    request_id = site.pending_request("2.1")
    response = client.post(
        f"/api/extensions/{request_id}/decision",
        json={"approve": False, "note": "Đề nghị hoàn thành đúng hạn"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert site.request_status(request_id) == "refused"
    history = client.get(f"/api/tasks/{site.task_id('2.1')}").json()["history"]
    assert any(
        h["actor"] == "phochutich (Phạm Văn Đức)" and h["action"] == "refuse" for h in history
    )


def test_accounts_see_nothing_of_another_organization(site: Site) -> None:
    from web_support import NOW, PASSWORD, SETUP

    from engine.directory.accounts import add_user
    from engine.store.db import session_scope

    with session_scope(site.engine) as session:
        add_user(session, username="xuanduong", password=PASSWORD, role=UserRole.STANDING_OFFICE,
                 org_code="xuan-duong", person=None, actor=SETUP, now=NOW)  # fmt: skip
    client = site.client()
    login(client, "xuanduong")
    assert client.get(f"/tasks/{site.task_id('2.1')}").status_code == 404
    assert client.get("/api/tasks").json()["tasks"] == []


def test_only_the_acceptor_the_organization_names_accepts_or_returns(site: Site) -> None:
    task_id = awaiting(site, "2.1", "authority")
    site.add("thuongtruc")  # the standing office: not the acceptor here
    client = site.client()
    csrf = login(client, "thuongtruc")
    page = client.get(f"/tasks/{task_id}").text
    assert "Kết quả chờ xác nhận" in page and "Xác nhận kết quả</button>" not in page
    refused = client.post(
        f"/tasks/{task_id}/review", data={"decision": "accept", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    assert _task(site, "2.1").state == TaskState.AWAITING
    site.add("phochutich")
    client = site.client()
    csrf = login(client, "phochutich")
    returned = client.post(
        f"/api/tasks/{task_id}/acceptance",
        json={"accept": False, "reason": "Thiếu danh mục văn bản đã rà soát"},
        headers={"X-CSRF-Token": csrf},
    )
    assert returned.status_code == 200, returned.text
    task = _task(site, "2.1")
    assert (task.state, task.completed_on, task.returns) == (TaskState.OPEN, None, 1)
    assert task.return_reason == "Thiếu danh mục văn bản đã rà soát"
    history = client.get(f"/api/tasks/{task_id}").json()["history"]
    assert any(h["actor"] == "phochutich (Phạm Văn Đức)" and h["action"] == "return"
               for h in history)  # fmt: skip


def test_nobody_accepts_where_the_organization_requires_no_acceptance(site: Site) -> None:
    site.add("chutich")
    client = site.client()
    csrf = login(client, "chutich")
    task_id = site.task_id("2.1")
    refused = client.post(
        f"/tasks/{task_id}/review", data={"decision": "accept", "csrf_token": csrf}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.VIEW_TASKS, "không có quyền xem nhiệm vụ này."),
        (Action.EDIT_TASK, "không có quyền sửa sáu rõ của nhiệm vụ này."),
        (Action.REPORT_PROGRESS, "không có quyền báo cáo tiến độ nhiệm vụ này."),
    ],
)
def test_a_refusal_names_the_task_once(action: Action, expected: str) -> None:
    stranger = Principal(1, "ngoai", UserRole.OFFICER, organization_id=2, person_id=9, unit_id=9)
    task = TaskScope(organization_id=1, lead_unit_id=3, person_id=4)

    with pytest.raises(PermissionDeniedError) as refused:
        authorize(stranger, action, task)

    assert str(refused.value).endswith(expected)
    assert "nhiệm vụ nhiệm vụ" not in str(refused.value)
