"""The task pages as each role uses them: the standing office fixes a task until all six
dimensions are clear, a unit head asks for an extension and the Chairman approves it, an
officer completes a task with an evidence file; the list's filters; the API's schema."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select
from web_support import Site, edit_form, login

from engine.store.db import session_scope
from engine.store.models import Person, Plan, Task, TaskState, Unit


def _task(site: Site, ref: str) -> Task:
    with Session(site.engine) as session:
        return session.exec(select(Task).where(Task.ref == ref)).one()


def _id_of(site: Site, model: type[Person] | type[Unit], column: str, value: str) -> int:
    with Session(site.engine) as session:
        row = session.exec(select(model).where(getattr(model, column) == value)).one()
        return int(row.id or 0)


def _edit(client: TestClient, site: Site, ref: str, csrf: str, **changes: object) -> str:
    form = {**edit_form(site, ref), "csrf_token": csrf, **changes}
    response = client.post(f"/tasks/{site.task_id(ref)}/edit", data=form)
    if response.status_code == 303:
        return client.get(response.headers["location"]).text
    return response.text


def test_standing_office_fixes_a_task_until_all_six_are_clear(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    before = client.get(f"/api/tasks/{site.task_id('1.6')}").json()
    assert not before["clear"]["person"] and not before["clear"]["responsibility"]
    page = _edit(client, site, "1.6", csrf, deadline_text="Quý III/2024")
    assert "Quý III/2024" in page and "30/09/2024" in page
    after_deadline = client.get(f"/api/tasks/{site.task_id('1.6')}").json()
    assert after_deadline["clear"]["deadline"] and not after_deadline["clear"]["person"]
    assert after_deadline["deadline"]["due"] == "2024-09-30"
    # the lead cell as the plan wrote it is kept until a unit is chosen
    assert after_deadline["responsibility"]["lead_text"].startswith("Các cơ quan, đơn vị")
    assert "responsibility.collective" in {f["code"] for f in after_deadline["findings"]}
    lead = _id_of(site, Unit, "code", "phong-noi-vu")
    person = _id_of(site, Person, "email", "tamlm@kientuong.example.vn")
    page = _edit(client, site, "1.6", csrf, lead_unit_id=str(lead), person_id=str(person))
    assert page.count('class="badge ok"') == 6 and 'class="badge no"' not in page
    data = client.get(f"/api/tasks/{site.task_id('1.6')}").json()
    assert all(data["clear"].values()), data["findings"]
    fields = {h["field"] for h in data["history"] if h["actor"] == "thuongtruc (Lê Minh Tâm)"}
    assert {"deadline_text", "due_date", "person_id", "lead_unit_id", "units"} <= fields
    assert data["responsibility"]["lead"]["code"] == "phong-noi-vu"


def test_a_stale_edit_form_is_refused_and_nothing_changes(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    stale = _task(site, "1.6").version
    _edit(client, site, "1.6", csrf, deadline_text="Quý III/2024")
    page = _edit(client, site, "1.6", csrf, version=str(stale), deadline_text="Quý IV/2024")
    assert "vừa được người khác sửa" in page
    assert _task(site, "1.6").deadline_text == "Quý III/2024"


def test_extension_requested_by_the_unit_head_and_approved_by_the_chairman(site: Site) -> None:
    site.add("truongphong")
    site.add("chutich")
    head = site.client()
    csrf = login(head, "truongphong")
    task_id = site.task_id("2.1")
    response = head.post(
        f"/tasks/{task_id}/extension",
        data={"new_due": "2025-01-31", "reason": "Chờ hướng dẫn của tỉnh", "csrf_token": csrf},
    )
    assert response.status_code == 303
    assert "đang chờ quyết định" in head.get(f"/tasks/{task_id}").text
    assert "Phê duyệt" not in head.get(f"/tasks/{task_id}").text  # not the head's decision
    chairman = site.client()
    csrf_c = login(chairman, "chutich")
    board = chairman.get("/dashboard").text
    assert "Đề nghị gia hạn chờ quyết định (1)" in board
    request_id = chairman.get(f"/api/tasks/{task_id}").json()["extensions"][0]["id"]
    decided = chairman.post(
        f"/extensions/{request_id}/decision",
        data={"task_id": task_id, "approve": "yes", "note": "Đồng ý", "csrf_token": csrf_c},
    )
    assert decided.status_code == 303
    task = _task(site, "2.1")
    assert task.due_date == date(2025, 1, 31) and task.original_due == date(2024, 12, 4)
    assert task.deadline_version == 2
    assert "được phê duyệt (Nguyễn Văn Vũ: Đồng ý)" in chairman.get(f"/tasks/{task_id}").text


def test_an_extension_after_the_deadline_is_refused_with_the_reason(site: Site) -> None:
    site.add("truongphong")
    client = site.client()
    csrf = login(client, "truongphong")
    task_id = site.task_id("2.2")  # due 31/03/2024, overdue on 10/06/2024
    response = client.post(
        f"/tasks/{task_id}/extension",
        data={"new_due": "2024-12-31", "reason": "Thiếu người", "csrf_token": csrf},
    )
    assert response.status_code == 400
    assert "đã quá hạn" in response.text and "phải gửi trước khi hết hạn" in response.text


def test_officer_completes_with_an_evidence_file_that_can_be_downloaded(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    task_id = site.task_id("2.1")
    pdf = b"%PDF-1.4\n% bien ban nghiem thu\n"
    response = client.post(
        f"/tasks/{task_id}/complete",
        data={
            "result": "Đã rà soát 12 văn bản",
            "evidence": "Báo cáo số 7/BC-PTP",
            "completed_on": "2024-06-07",
            "csrf_token": csrf,
        },
        files={"file": ("biên bản.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 303, response.text
    task = _task(site, "2.1")
    assert task.state == TaskState.DONE
    name = task.evidence.splitlines()[-1].removeprefix("Tệp minh chứng: ")
    assert name.endswith("biên bản.pdf")
    page = client.get(f"/tasks/{task_id}").text
    assert name in page
    download = client.get(f"/tasks/{task_id}/files/{name}")
    assert download.status_code == 200 and download.content == pdf


def test_evidence_of_the_wrong_type_is_refused_and_the_task_stays_open(site: Site) -> None:
    site.add("canbo")
    client = site.client()
    csrf = login(client, "canbo")
    task_id = site.task_id("2.1")
    response = client.post(
        f"/tasks/{task_id}/complete",
        data={"result": "x", "evidence": "y", "completed_on": "2024-06-07", "csrf_token": csrf},
        files={"file": ("anh.png", b"<script>alert(1)</script>", "image/png")},
    )
    assert response.status_code == 400
    assert "không phải PNG" in response.text
    assert _task(site, "2.1").state == TaskState.OPEN
    assert not (site.settings.uploads_dir / "evidence").exists()


def test_task_list_filters(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    everything = client.get("/api/tasks").json()["tasks"]
    assert len(everything) == 30
    unit = _id_of(site, Unit, "code", "phong-tu-phap")
    assert {t["ref"] for t in client.get(f"/api/tasks?unit={unit}").json()["tasks"]} == {
        "2.1", "2.2", "2.3", "2.4"
    }  # fmt: skip
    overdue = client.get("/api/tasks?due=overdue").json()["tasks"]
    assert overdue and all(t["status"] == "overdue" for t in overdue)
    assert {t["ref"] for t in client.get("/api/tasks?six=clear").json()["tasks"]} == {"2.1"}
    unclear_person = client.get("/api/tasks?six=person").json()["tasks"]
    assert len(unclear_person) == 29
    no_due = client.get("/api/tasks?due=none").json()["tasks"]
    assert all(t["due"] is None for t in no_due)
    page = client.get(f"/tasks?unit={unit}&six=unclear")
    assert page.status_code == 200 and "3 nhiệm vụ" in page.text


def test_the_api_edits_with_the_csrf_header_and_is_documented(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    task = _task(site, "1.8")
    body = {
        "version": task.version,
        "work": task.work,
        "area": task.area,
        "deadline_text": "31/10/2024",
        "person_id": None,
        "lead_unit_id": task.lead_unit_id,
        "assigner": task.assigner,
        "product": task.product,
    }
    response = client.patch(f"/api/tasks/{task.id}", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert _task(site, "1.8").due_date == date(2024, 10, 31)
    schema = client.get("/openapi.json").json()
    assert {"/api/tasks", "/api/tasks/{task_id}", "/api/extensions/{request_id}/decision"} <= set(
        schema["paths"]
    )
    assert "/tasks" not in schema["paths"]  # the pages are not the API
    assert client.get("/docs").status_code == 200


def test_pages_are_vietnamese_and_fit_a_phone(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    page = client.get("/tasks")
    assert '<html lang="vi">' in page.text
    assert 'content="width=device-width, initial-scale=1"' in page.text
    assert "Đơn vị chủ trì" in page.text and "Chưa hoàn thành quá hạn" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_invalid_values_are_refused_naming_the_field(site: Site) -> None:
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    page = _edit(client, site, "1.6", csrf, work="  ")
    assert "nội dung nhiệm vụ: chưa ghi nội dung nhiệm vụ (rõ việc)" in page
    page = _edit(client, site, "1.6", csrf, area="khong-co")
    assert "lĩnh vực: lĩnh vực &#39;khong-co&#39; không có trong areas.yaml" in page
    page = _edit(client, site, "1.6", csrf, person_id="99999")
    assert "người thực hiện: không có cán bộ mã 99999" in page
    assert _task(site, "1.6").version == 1


def test_the_6_ro_check_downloads_as_a_workbook_of_the_listed_tasks(site: Site) -> None:
    site.add("truongphong")
    client = site.client()
    login(client, "truongphong")

    response = client.get("/tasks/kiem-tra-6-ro.xlsx")

    assert response.status_code == 200, response.text
    book = load_workbook(BytesIO(response.content))
    grid = book.worksheets[0]
    refs = {grid.cell(row, 2).value for row in range(2, grid.max_row + 1)} - {None}
    assert refs == {"2.1", "2.2", "2.3", "2.4"}  # the unit head's unit only


def test_an_unknown_filter_value_is_refused_not_a_server_error(site: Site) -> None:
    """Found by schemathesis against /openapi.json: a 6-rõ filter of no dimension was a 500."""
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")

    for query in ({"six": "ð"}, {"due": "mai"}, {"status": "xong"}):
        api = client.get("/api/tasks", params=query)
        page = client.get("/tasks", params=query)
        assert api.status_code == 400, (query, api.text)
        assert page.status_code == 400 and "không hợp lệ" in page.text
        assert api.json()["problems"][0]["field"] in query
    assert client.get("/api/tasks", params={"six": "person", "due": "30"}).status_code == 200


def test_an_id_out_of_range_is_refused_before_the_database(site: Site) -> None:
    """Found by schemathesis: an id past 32 bits overflowed SQLite (a 500)."""
    site.add("thuongtruc")
    client = site.client()
    csrf = login(client, "thuongtruc")
    huge = 2**70

    assert client.get(f"/api/tasks/{huge}").status_code == 422
    page = client.get(f"/tasks/{huge}")
    assert (
        page.status_code == 422
        and "Dữ liệu gửi lên không hợp lệ (mã nhiệm vụ: phải không quá" in page.text
    )
    decision = client.post(f"/api/extensions/{huge}/decision", json={"approve": True},
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert decision.status_code == 422
    task = site.task_id("2.1")
    edit = client.patch(f"/api/tasks/{task}", json={"version": 1, "work": "x", "person_id": huge},
                        headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert edit.status_code == 422


def test_the_task_list_names_the_plan_each_task_comes_from(site: Site) -> None:
    with session_scope(site.engine) as session:
        plan = session.exec(select(Plan)).one()
        plan.title = "Kế hoạch cải cách hành chính năm 2024"
        key = plan.key
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")

    page = client.get("/tasks")
    listed = client.get("/api/tasks").json()["tasks"]

    assert f"Kế hoạch, văn bản: {key} (Kế hoạch cải cách hành chính năm 2024)" in page.text
    assert {(t["plan"], t["plan_title"]) for t in listed} == {
        (key, "Kế hoạch cải cách hành chính năm 2024")
    }


def test_an_extended_due_date_reads_the_same_on_the_list_and_the_page(site: Site) -> None:
    task_id = site.task_id("2.1")
    with session_scope(site.engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.original_due, task.due_date = task.due_date or date(2024, 10, 31), date(2024, 11, 30)
        extended_from = task.original_due
    site.add("thuongtruc")
    client = site.client()
    login(client, "thuongtruc")
    shown = f"Hạn: 02/12/2024 (gia hạn từ {extended_from:%d/%m/%Y})"  # 30/11 is a Saturday

    page = client.get(f"/tasks/{task_id}").text
    listed = client.get("/tasks?unit=&sort=due").text
    (row,) = [t for t in client.get("/api/tasks").json()["tasks"] if t["ref"] == "2.1"]

    assert shown in page
    assert shown in listed
    assert (row["due"], row["effective_due"]) == ("2024-11-30", "2024-12-02")
